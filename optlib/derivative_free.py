r"""Derivative-free methods: minimise a function by looking only at its values.

When the gradient does not exist (a kink, a plateau), is too costly, or is swamped by noise,
a method can still compare values: propose a point, evaluate it, keep it if it is better.
Four such methods, from the simplest to the most adaptive:

* :func:`random_search` — try a random point near the best one so far;
* :func:`coordinate_search` — poll a step along each axis, halve the step when none helps;
* :func:`nelder_mead` — move a simplex of :math:`d + 1` points by reflections;
* :func:`one_plus_one_es` — a Gaussian mutation whose size follows the 1/5 success rule.

Every method takes ``f``, either an optlib objective (its ``value(x)`` is called, as for
:mod:`optlib.functions`) or a plain callable ``x -> float``, and a start ``x0`` of shape
``(d,)``. Every method returns a :class:`optlib.run.Trajectory` whose row :math:`k` is the
best point after :math:`k` iterations (``x0`` first) and its value; ``value_evals`` counts the
calls of ``f`` so far (:class:`optlib.run.Counted`, with ``max_evals`` as its budget) — the
cost axis on which these methods compare — and ``grad_evals`` is all zeros. ``max_evals`` is a
hard budget: ``f`` is never called more often. A method that runs out mid-iteration stops
there, as SciPy's do, and its last row then holds the best point it has kept so far with the
total count of calls. Coordinate search and Nelder–Mead may stop earlier, once converged; the
two randomised methods always spend the whole budget.

How a run ends (``status`` and ``message`` of the trajectory, with the numbers that decided it):

- ``"converged"`` — the method's own test was met: compass search's step fell below
  ``min_step``, Nelder–Mead's simplex shrank within ``xatol`` and ``fatol``;
- ``"finished"`` — it spent its budget of ``max_evals`` evaluations;
- ``"diverged"`` — a trial value was :math:`f = -\infty` (the objective is unbounded below), or a
  trial point was no longer finite (its steps overflowed). :math:`-\infty` is never recorded as
  a best value: ``diverged_at`` is the iteration that met it, and the arrays end at the last
  finite best point.

A trial value of NaN (or :math:`+\infty`) is a failed trial — it is not better, since every
comparison with NaN is false — which is what a comparison-based method should make of it; the
message counts the NaN values. A value at ``x0`` that is not finite is bad input: a
``ValueError``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from optlib.run import BudgetSpentError, Counted, Recorder, Trajectory
from optlib.validation import (
    check_number,
    check_whole,
    finite,
    nonnegative,
    open_unit_interval,
    positive,
)

__all__ = [
    "coordinate_search",
    "nelder_mead",
    "one_plus_one_es",
    "random_search",
]


class HasValue(Protocol):
    """An optlib objective: anything with ``value(x)``."""

    def value(self, x: np.ndarray) -> Any: ...


#: What the methods minimise: an object with ``value(x)``, or a callable ``x -> float``.
Function = HasValue | Callable[[np.ndarray], Any]


# --- Shared plumbing: the start, the first value, the last row ---------------------------------


def _start(x0: np.ndarray) -> np.ndarray:
    x = _numbers("x0", x0)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(
            f"x0 must have shape (d,) with d >= 1, got shape {x.shape}"
        )
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be finite, got {x}")
    return x


def _numbers(name: str, value: Any) -> np.ndarray:
    """``value`` as a new float array; a ValueError naming ``name`` if it holds no numbers."""
    try:
        array = np.array(value, dtype=float)
        numeric = (
            np.asarray(value).dtype.kind in "iuf"
        )  # not strings, booleans, None, objects
    except (TypeError, ValueError):
        numeric = False
    if not numeric:
        raise ValueError(
            f"{name} must be an array of numbers, got {value!r}"
        )
    return array


def _first_value(counted: Counted, x0: np.ndarray) -> float:
    f0 = counted.value(x0)
    if not math.isfinite(f0):
        raise ValueError(f"f(x0) must be finite, got {f0}")
    return f0


class _DivergedError(Exception):
    r"""A trial met :math:`f = -\infty`, or a trial point that is not finite."""


class _Trials:
    r"""The values of ``f`` at a method's trial points, counted by ``counted``.

    A NaN value is returned as it is — a failed trial, since every comparison with NaN is
    false — and counted in ``nan_values``. :math:`f = -\infty`, or a trial point that is not
    finite, raises :class:`_DivergedError` instead of returning a value (a non-finite point is not
    evaluated)."""

    def __init__(self, counted: Counted) -> None:
        self.counted = counted
        self.nan_values = 0

    @property
    def values(self) -> int:
        return self.counted.values

    def value(self, x: np.ndarray) -> float:
        if not np.all(np.isfinite(x)):
            raise _DivergedError(
                "a trial point is not finite (the steps overflowed)"
            )
        fx = self.counted.value(x)
        if fx == -math.inf:
            raise _DivergedError(
                "f = -inf at a trial point: the objective is unbounded below"
            )
        if math.isnan(fx):
            self.nan_values += 1
        return fx


def _end(
    path: Recorder,
    trials: _Trials,
    x: np.ndarray,
    fx: float,
    converged: str | None = None,
) -> Trajectory:
    """The Trajectory of a run that did not diverge: ``converged`` says why it converged, else it
    spent its budget. One more row is recorded if calls were made after the last one (a budget
    spent mid-iteration, or the setup of a run that converged at once)."""
    if path.has_unrecorded_evals:
        path.record(x, fx)
    if converged is not None:
        path.converge(converged + _nan_note(trials))
    else:
        steps, budget = path.steps, trials.counted.max_evals
        path.finish(
            f"took {steps} step{'' if steps == 1 else 's'}, spending the budget of max_evals = "
            f"{budget} evaluation{'' if budget == 1 else 's'} of f; best f = {fx:.6g}"
            + _nan_note(trials)
        )
    return path.trajectory()


def _diverge(
    path: Recorder, trials: _Trials, diverged: _DivergedError
) -> Trajectory:
    r"""The Trajectory of a run that met :math:`-\infty`: it ends at its last finite best point
    (the iteration that met it is ``diverged_at``; the last row counts every call)."""
    path.mark_diverged(f"{diverged}{_nan_note(trials)}")
    return path.trajectory()


def _nan_note(trials: _Trials) -> str:
    if trials.nan_values == 0:
        return ""
    if trials.nan_values == 1:
        return "; 1 trial value was NaN and was treated as a failed trial"
    return f"; {trials.nan_values} trial values were NaN and were treated as failed trials"


def _positive_and_finite(values: np.ndarray) -> np.ndarray:
    r""":math:`(0, \infty)`."""
    return positive(values) & finite(values)


#: The budget's and the seed's messages, shared by the four methods.
_MAX_EVALS = "Invalid max_evals value: {value!r} (must be an integer >= 1)"
_SEED = "Invalid seed value: {value!r} (must be an integer >= 0)"


# --- Random search -----------------------------------------------------------------------------


def random_search(
    f: Function,
    x0: np.ndarray,
    *,
    radius: float = 1.0,
    distribution: str = "uniform",
    max_evals: int = 1000,
    seed: int = 0,
) -> Trajectory:
    r"""Local random search: try a random point near the best one, keep it if it is better.

    .. math::
        y_k = x_k + r\,u_k, \qquad
        x_{k+1} = \begin{cases} y_k & f(y_k) < f(x_k) \\ x_k & \text{otherwise,} \end{cases}

    with :math:`u_k` uniform in the unit ball (``distribution="uniform"``) or standard normal,
    :math:`u_k \sim \mathcal N(0, I)` (``"gaussian"``, Matyas' random optimisation). The
    radius :math:`r` stays fixed, so improvements grow rare once the best point is much closer
    to a minimum than :math:`r`, and the method pays for dimension: from a point at distance
    :math:`\rho` of the minimum of :math:`\|x\|^2`, a uniform proposal lands within
    :math:`\rho/2` of it with probability at most :math:`(\rho / 2r)^d` (the volume ratio of
    the two balls; exactly that once :math:`\rho \le 2r/3`) — the curse of dimensionality.
    One evaluation per iteration.

    Parameters
    ----------
    f : an objective with ``value(x)``, or a callable ``x -> float``.
    x0 : start, shape ``(d,)``.
    radius : :math:`r > 0`, the radius of the ball (the standard deviation of the Gaussian).
    distribution : ``"uniform"`` (in the ball) or ``"gaussian"``.
    max_evals : budget of evaluations of ``f``, ``x0``'s included.
    seed : seeds the proposals; the same seed gives the same run.

    Returns
    -------
    Trajectory
        One row per evaluation.

    References
    ----------
    J. Matyas (1965). Random optimization. *Automation and Remote Control* 26(2), 246-253.
    J. C. Spall (2003). *Introduction to Stochastic Search and Optimization*, ch. 2. Wiley.
    M. E. Muller (1959). A note on a method for generating points uniformly on n-dimensional
    spheres. *Communications of the ACM* 2(4), 19-20 (the uniform draw in the ball).
    """
    check_number(
        "Invalid radius value: {value} (must be positive and finite)",
        radius,
        _positive_and_finite,
    )
    if distribution not in ("uniform", "gaussian"):
        raise ValueError(
            f"Invalid distribution value: {distribution!r} (use 'uniform' or 'gaussian')"
        )
    check_whole(_MAX_EVALS, max_evals, 1)
    check_whole(_SEED, seed, 0)
    x = _start(x0)
    counted = Counted(f, max_evals)
    trials = _Trials(counted)
    rng = np.random.default_rng(seed)
    fx = _first_value(counted, x)
    path = Recorder(counted, finite_only=False)
    path.record(x, fx)
    try:
        while counted.values < max_evals:
            if distribution == "uniform":
                u = _uniform_in_ball(rng, x.size)
            else:
                u = rng.standard_normal(x.size)
            y = x + radius * u
            fy = trials.value(y)
            if fy < fx:
                x, fx = y, fy
            path.record(x, fx)
    except _DivergedError as diverged:
        return _diverge(path, trials, diverged)
    return _end(path, trials, x, fx)


def _uniform_in_ball(rng: np.random.Generator, d: int) -> np.ndarray:
    r"""A uniform point of the unit ball in :math:`\mathbb R^d`: a uniform direction
    :math:`z / \|z\|`, :math:`z \sim \mathcal N(0, I)`, at radius :math:`U^{1/d}` (Muller 1959),
    since the volume within radius :math:`s` grows as :math:`s^d`."""
    z = rng.standard_normal(d)
    return z / np.linalg.norm(z) * rng.uniform() ** (1 / d)


# --- Coordinate (compass) search ---------------------------------------------------------------


def coordinate_search(
    f: Function,
    x0: np.ndarray,
    *,
    step: float = 1.0,
    shrink: float = 0.5,
    min_step: float = 1e-8,
    max_evals: int = 1000,
    seed: int = 0,
) -> Trajectory:
    r"""Compass (coordinate) search: poll a step along each axis; shrink it
    when none helps.

    Each iteration polls the :math:`2d` compass directions :math:`\mathcal D
    = \{+e_1, -e_1, +e_2, -e_2, \dots, +e_d, -e_d\}`, in that order, and
    moves to the first poll point that is better:

    .. math::
        x_{k+1} = x_k + \Delta_k e, \quad \Delta_{k+1} = \Delta_k \quad
        \text{for the first } e \in \mathcal D \text{ with } f(x_k + \Delta_k
        e) < f(x_k); \qquad \text{otherwise } x_{k+1} = x_k, \quad
        \Delta_{k+1} = \theta\,\Delta_k.

    It stops once :math:`\Delta_k <` ``min_step`` (or the budget is spent).
    Why it works: an unsuccessful poll means :math:`f(x_k \pm \Delta_k e_i)
    \ge f(x_k)` for every :math:`i`, and for an :math:`L`-smooth :math:`f`,
    Taylor's bound :math:`f(x \pm \Delta e_i) \le f(x) \pm \Delta\,\partial_i
    f(x) + \tfrac12 L \Delta^2` then gives :math:`|\partial_i f(x_k)| \le
    \tfrac12 L \Delta_k`, so :math:`\|\nabla f(x_k)\| \le \tfrac12 \sqrt d\,
    L\, \Delta_k`: as the step shrinks, the gradient at the unsuccessful
    iterates goes to zero (Kolda, Lewis & Torczon 2003, §3).

    Parameters
    ----------
    f : an objective with ``value(x)``, or a callable ``x -> float``.
    x0 : start, shape ``(d,)``.
    step : initial step :math:`\Delta_0 > 0`.
    shrink : :math:`\theta \in (0, 1)`, the factor applied after an
    unsuccessful poll.
    min_step : stop once :math:`\Delta_k` falls below this (> 0).
    max_evals : budget of evaluations of ``f``, ``x0``'s included.
    seed : unused — the method is deterministic; accepted so that all four
        methods share one signature.

    Returns
    -------
    Trajectory
        One row per poll (up to :math:`2d` evaluations each).

    References ---------- T. G. Kolda, R. M. Lewis and V. Torczon (2003).
    Optimization by direct search: new perspectives on some classical and
    modern methods. *SIAM Review* 45(3), 385-482, §1.1 (compass search, which
    goes back to Fermi and Metropolis, 1952).
    """
    check_number(
        "Invalid step value: {value} (must be positive and finite)",
        step,
        _positive_and_finite,
    )
    check_number(
        "Invalid shrink value: {value} (must lie in (0, 1))",
        shrink,
        open_unit_interval,
    )
    message = "Invalid min_step value: {value} (must be positive and finite)"
    check_number(message, min_step, _positive_and_finite)
    check_whole(_MAX_EVALS, max_evals, 1)
    check_whole(_SEED, seed, 0)
    x = _start(x0)
    counted = Counted(f, max_evals)
    trials = _Trials(counted)
    fx = _first_value(counted, x)
    compass = [
        sign * axis for axis in np.eye(x.size) for sign in (1.0, -1.0)
    ]
    path = Recorder(counted, finite_only=False)
    path.record(x, fx)
    delta = step
    try:
        while delta >= min_step:
            for direction in compass:
                y = x + delta * direction
                fy = trials.value(y)
                if fy < fx:
                    x, fx = y, fy
                    break
            else:  # no poll point was better
                delta = shrink * delta
            path.record(x, fx)
    except BudgetSpentError:
        return _end(path, trials, x, fx)
    except _DivergedError as diverged:
        return _diverge(path, trials, diverged)
    why = (
        f"the step Δ = {delta:.2g} fell below min_step = {min_step:.2g} "
        "(no better poll point)"
    )
    return _end(path, trials, x, fx, converged=why)


# --- Nelder–Mead -------------------------------------------------------------------------------


def nelder_mead(
    f: Function,
    x0: np.ndarray,
    *,
    initial_simplex: np.ndarray | None = None,
    rho: float = 1.0,
    chi: float = 2.0,
    gamma: float = 0.5,
    sigma: float = 0.5,
    xatol: float = 1e-4,
    fatol: float = 1e-4,
    max_evals: int = 1000,
    seed: int = 0,
) -> Trajectory:
    r"""The Nelder–Mead simplex method, in the precise form of Lagarias et al. (1998).

    A simplex of :math:`d + 1` vertices, ordered so that
    :math:`f(x_1) \le \dots \le f(x_{d+1})`, tries to replace its worst vertex by a point on the
    line through it and the centroid of the others,
    :math:`\bar x = \tfrac1d \sum_{i \le d} x_i`:

    .. math::
        x_r &= \bar x + \rho\,(\bar x - x_{d+1}) && \text{reflection} \\
        x_e &= \bar x + \chi\,(x_r - \bar x) && \text{expansion, if } f(x_r) < f(x_1) \\
        x_c &= \bar x + \gamma\,(x_r - \bar x) && \text{outside contraction, if }
            f(x_d) \le f(x_r) < f(x_{d+1}) \\
        x_{cc} &= \bar x - \gamma\,(\bar x - x_{d+1}) && \text{inside contraction, if }
            f(x_r) \ge f(x_{d+1}) \\
        x_i &\leftarrow x_1 + \sigma\,(x_i - x_1),\ i = 2, \dots, d + 1
            && \text{shrink, if the contraction fails.}

    :math:`x_r` is accepted if :math:`f(x_1) \le f(x_r) < f(x_d)`; :math:`x_e` if
    :math:`f(x_e) < f(x_r)` (else :math:`x_r`); :math:`x_c` if :math:`f(x_c) \le f(x_r)`;
    :math:`x_{cc}` if :math:`f(x_{cc}) < f(x_{d+1})`. The standard coefficients
    :math:`\rho = 1, \chi = 2, \gamma = \sigma = \tfrac12` are the defaults, and this is the
    variant of ``scipy.optimize.minimize(method="Nelder-Mead")`` — also its initial simplex
    (``x0`` and, for each axis :math:`i`, ``x0`` with :math:`x_i` scaled by 1.05, or set to
    0.00025 where it is 0) and its stopping rule: stop once
    :math:`\max_i \|x_i - x_1\|_\infty \le` ``xatol`` and
    :math:`\max_i |f(x_i) - f(x_1)| \le` ``fatol``. Ties in the ordering keep the older vertex
    first.

    Nelder–Mead comes with no guarantee: McKinnon (1998) built a strictly convex, continuously
    differentiable function of two variables on which it converges to a point that is not
    stationary, and on a kink such as :math:`\sum_i |x_i - c_i|` in three dimensions its simplex
    can collapse away from the minimum (both shown in the tests).

    Parameters
    ----------
    f : an objective with ``value(x)``, or a callable ``x -> float``.
    x0 : start, shape ``(d,)``: the first vertex.
    initial_simplex : shape ``(d + 1, d)``, the vertices, ``x0`` first; SciPy's by default.
        Its vertices must be affinely independent (a flat simplex never leaves its plane).
    rho : reflection :math:`\rho > 0`.
    chi : expansion :math:`\chi > 1`, :math:`\chi > \rho`.
    gamma : contraction :math:`\gamma \in (0, 1)`.
    sigma : shrink :math:`\sigma \in (0, 1)`.
    xatol, fatol : the simplex's size and value spread below which it stops (>= 0).
    max_evals : budget of evaluations of ``f``, ``x0``'s included.
    seed : unused — the method is deterministic; accepted so that all four methods share one
        signature.

    Returns
    -------
    Trajectory
        Row 0 is ``x0``; row :math:`k` the best vertex after :math:`k` iterations. The first
        iteration's count includes the :math:`d` other vertices of the initial simplex.

    References
    ----------
    J. A. Nelder and R. Mead (1965). A simplex method for function minimization.
    *The Computer Journal* 7(4), 308-313.
    J. C. Lagarias, J. A. Reeds, M. H. Wright and P. E. Wright (1998). Convergence properties
    of the Nelder–Mead simplex method in low dimensions. *SIAM J. Optimization* 9(1), 112-147.
    K. I. M. McKinnon (1998). Convergence of the Nelder–Mead simplex method to a nonstationary
    point. *SIAM J. Optimization* 9(1), 148-158.
    """
    # The conditions of Lagarias et al. (1998), §2.
    check_number(
        "Invalid rho value: {value} (reflection needs rho > 0)",
        rho,
        _positive_and_finite,
    )
    message = f"Invalid chi value: {{value}} (expansion needs chi > 1 and chi > rho = {rho})"
    check_number(
        message,
        chi,
        lambda values: finite(values) & (values > 1) & (values > rho),
    )
    check_number(
        "Invalid gamma value: {value} (must lie in (0, 1))",
        gamma,
        open_unit_interval,
    )
    check_number(
        "Invalid sigma value: {value} (must lie in (0, 1))",
        sigma,
        open_unit_interval,
    )
    check_number(
        "Invalid xatol value: {value} (must be >= 0)", xatol, nonnegative
    )
    check_number(
        "Invalid fatol value: {value} (must be >= 0)", fatol, nonnegative
    )
    check_whole(_MAX_EVALS, max_evals, 1)
    check_whole(_SEED, seed, 0)
    x = _start(x0)
    simplex = (
        _initial_simplex(x)
        if initial_simplex is None
        else _given_simplex(initial_simplex, x)
    )
    counted = Counted(f, max_evals)
    trials = _Trials(counted)
    values = np.full(x.size + 1, np.inf)
    values[0] = _first_value(counted, x)
    path = Recorder(counted, finite_only=False)
    path.record(x, values[0])
    converged = None
    # A run on a function unbounded below may overflow on its way to -inf, which ends it; the
    # warnings are noise.
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            for i in range(1, x.size + 1):
                values[i] = trials.value(simplex[i])
            simplex, values = _best_first(simplex, values)
            while not _simplex_converged(simplex, values, xatol, fatol):
                simplex, values = _nelder_mead_iteration(
                    trials, simplex, values, rho, chi, gamma, sigma
                )
                path.record(simplex[0], values[0])
            converged = (
                f"the simplex lies within xatol = {xatol:.2g} and fatol = {fatol:.2g} of its best "
                f"vertex (max |x_i - x_1| = {np.max(np.abs(simplex[1:] - simplex[0])):.2g}, "
                f"max |f_i - f_1| = {np.max(np.abs(values[1:] - values[0])):.2g})"
            )
        except BudgetSpentError:
            pass
        except _DivergedError as diverged:
            return _diverge(path, trials, diverged)
    # Sorting again covers a budget spent while the initial simplex was evaluated (its unseen
    # vertices are still +inf); NaN sorts last, where np.argmin would pick it.
    simplex, values = _best_first(simplex, values)
    return _end(
        path, trials, simplex[0], float(values[0]), converged=converged
    )


def _nelder_mead_iteration(
    counted: _Trials,
    simplex: np.ndarray,
    values: np.ndarray,
    rho: float,
    chi: float,
    gamma: float,
    sigma: float,
) -> tuple[np.ndarray, np.ndarray]:
    """One iteration on a simplex ordered best first; returns the new simplex, ordered.

    Works on copies, so a budget spent mid-iteration leaves the caller's simplex as it was."""
    simplex, values = simplex.copy(), values.copy()
    best, second_worst, worst = values[0], values[-2], values[-1]
    centroid = simplex[:-1].mean(axis=0)
    # Step 2: reflect the worst vertex through the centroid of the others
    x_r = centroid + rho * (centroid - simplex[-1])
    f_r = counted.value(x_r)
    if best <= f_r < second_worst:
        return _best_first(*_replace_worst(simplex, values, x_r, f_r))
    # Step 3: expand, if the reflected point beats the best vertex
    if f_r < best:
        x_e = centroid + chi * (x_r - centroid)
        f_e = counted.value(x_e)
        if f_e < f_r:
            return _best_first(*_replace_worst(simplex, values, x_e, f_e))
        return _best_first(*_replace_worst(simplex, values, x_r, f_r))
    # Step 4: contract — outside if x_r beats the worst vertex, inside if it does not
    if f_r < worst:
        x_c = centroid + gamma * (x_r - centroid)
        f_c = counted.value(x_c)
        if f_c <= f_r:
            return _best_first(*_replace_worst(simplex, values, x_c, f_c))
    else:
        x_cc = centroid - gamma * (centroid - simplex[-1])
        f_cc = counted.value(x_cc)
        if f_cc < worst:
            return _best_first(*_replace_worst(simplex, values, x_cc, f_cc))
    # Step 5: shrink every vertex towards the best one
    for i in range(1, len(simplex)):
        simplex[i] = simplex[0] + sigma * (simplex[i] - simplex[0])
        values[i] = counted.value(simplex[i])
    return _best_first(simplex, values)


def _replace_worst(
    simplex: np.ndarray, values: np.ndarray, x_new: np.ndarray, f_new: float
) -> tuple[np.ndarray, np.ndarray]:
    simplex[-1], values[-1] = x_new, f_new
    return simplex, values


def _best_first(
    simplex: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Step 1: order the vertices by value, best first. The sort is stable, so of two equal
    vertices the older stays ahead (the tie-breaking rule of Lagarias et al.)."""
    order = np.argsort(values, kind="stable")
    return simplex[order], values[order]


def _simplex_converged(
    simplex: np.ndarray, values: np.ndarray, xatol: float, fatol: float
) -> bool:
    """SciPy's test: every vertex within ``xatol`` of the best in each coordinate, and every
    value within ``fatol`` of the best."""
    return bool(
        np.max(np.abs(simplex[1:] - simplex[0])) <= xatol
        and np.max(np.abs(values[1:] - values[0])) <= fatol
    )


def _initial_simplex(x0: np.ndarray) -> np.ndarray:
    """SciPy's default: ``x0``, and ``x0`` with one coordinate moved 5% (0.00025 if it is 0)."""
    simplex = np.tile(x0, (x0.size + 1, 1))
    for i in range(x0.size):
        simplex[i + 1, i] = 1.05 * x0[i] if x0[i] != 0 else 0.00025
    return simplex


def _given_simplex(
    initial_simplex: np.ndarray, x0: np.ndarray
) -> np.ndarray:
    simplex = _numbers("initial_simplex", initial_simplex)
    d = x0.size
    if simplex.shape != (d + 1, d):
        raise ValueError(
            f"initial_simplex must have shape (d + 1, d) = ({d + 1}, {d}), got {simplex.shape}"
        )
    if not np.all(np.isfinite(simplex)):
        raise ValueError(f"initial_simplex must be finite, got {simplex}")
    if not np.array_equal(simplex[0], x0):
        raise ValueError(
            f"initial_simplex[0] must be x0 = {x0}, got {simplex[0]}"
        )
    edges = simplex[1:] - simplex[0]
    rank = np.linalg.matrix_rank(edges)
    if rank < d:
        raise ValueError(
            f"initial_simplex is degenerate: its edges from x0 span {rank} of {d} dimensions"
        )
    return simplex


# --- (1+1) evolution strategy ------------------------------------------------------------------

#: The 1/5 rule's factors: success multiplies σ by e^{1/3}, failure by e^{-1/12} = (e^{1/3})^{-1/4}
#: — at a success rate of exactly 1/5 they cancel, (1/5)·(1/3) = (4/5)·(1/12).
_SUCCESS_FACTOR = math.exp(1 / 3)
_FAILURE_FACTOR = math.exp(-1 / 12)


def one_plus_one_es(
    f: Function,
    x0: np.ndarray,
    *,
    sigma: float = 1.0,
    max_evals: int = 1000,
    seed: int = 0,
) -> Trajectory:
    r"""The (1+1) evolution strategy with the 1/5 success rule: one parent, one Gaussian
    mutation, the better of the two survives, and the mutation size adapts.

    .. math::
        y_k = x_k + \sigma_k z_k, \quad z_k \sim \mathcal N(0, I); \qquad
        \text{if } f(y_k) \le f(x_k):\ x_{k+1} = y_k,\ \sigma_{k+1} = \sigma_k\, e^{1/3};
        \quad \text{else } x_{k+1} = x_k,\ \sigma_{k+1} = \sigma_k\, e^{-1/12}.

    Rechenberg's 1/5 rule says: more than one success in five means the steps are too
    timid (enlarge :math:`\sigma`), fewer means too bold (reduce it). This is its per-step form
    (Kern et al. 2004; Auger & Hansen's tutorial): the factors are chosen so that
    :math:`\log\sigma` stays put, on average, exactly when the success rate is
    :math:`\tfrac15` (:math:`\tfrac15\cdot\tfrac13 = \tfrac45\cdot\tfrac1{12}`), with no window
    of past steps to keep. Rechenberg's and Schwefel's classic form instead counts the successes
    over the last :math:`10d` steps every :math:`d` steps and multiplies or divides
    :math:`\sigma` by 0.85. On the sphere :math:`\|x\|^2` the adapted :math:`\sigma` stays
    proportional to the distance to the minimum, which then falls linearly (geometrically),
    at close to the best possible rate of a (1+1)-ES, about :math:`0.2/d` in
    :math:`\log\|x\|` per evaluation for large :math:`d`. A tie (:math:`f(y_k) = f(x_k)`)
    counts as a success and moves, so the search drifts across plateaus. One evaluation per
    iteration.

    Parameters
    ----------
    f : an objective with ``value(x)``, or a callable ``x -> float``.
    x0 : start, shape ``(d,)``.
    sigma : initial mutation size :math:`\sigma_0 > 0`.
    max_evals : budget of evaluations of ``f``, ``x0``'s included.
    seed : seeds the mutations; the same seed gives the same run.

    Returns
    -------
    Trajectory
        One row per evaluation; a success is a row whose point differs from the one before.

    References
    ----------
    I. Rechenberg (1973). *Evolutionsstrategie: Optimierung technischer Systeme nach Prinzipien
    der biologischen Evolution*. Frommann-Holzboog, Stuttgart.
    S. Kern, S. D. Müller, N. Hansen, D. Büche, J. Ocenasek and P. Koumoutsakos (2004).
    Learning probability distributions in continuous evolutionary algorithms — a comparative
    review. *Natural Computing* 3(1), 77-112.
    A. Auger and N. Hansen. Tutorial: evolution strategies and CMA-ES (GECCO tutorials).
    """
    check_number(
        "Invalid sigma value: {value} (must be positive and finite)",
        sigma,
        _positive_and_finite,
    )
    check_whole(_MAX_EVALS, max_evals, 1)
    check_whole(_SEED, seed, 0)
    x = _start(x0)
    counted = Counted(f, max_evals)
    trials = _Trials(counted)
    rng = np.random.default_rng(seed)
    fx = _first_value(counted, x)
    path = Recorder(counted, finite_only=False)
    path.record(x, fx)
    # A run on a function unbounded below may overflow σ or x on its way to -inf, which ends
    # it; the warnings are noise.
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            while counted.values < max_evals:
                y = x + sigma * rng.standard_normal(x.size)
                fy = trials.value(y)
                if fy <= fx:
                    x, fx = y, fy
                    sigma *= _SUCCESS_FACTOR
                else:
                    sigma *= _FAILURE_FACTOR
                path.record(x, fx)
        except _DivergedError as diverged:
            return _diverge(path, trials, diverged)
    return _end(path, trials, x, fx)
