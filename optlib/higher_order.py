r"""Second-order and quasi-Newton methods: Newton, BFGS and L-BFGS, with their line searches.

Each method follows Nocedal & Wright's *Numerical Optimization* [NW06]_ (``{cite}nocedal2006``
in the book) step by step; the comments name the book's algorithm and equation numbers. One
small function per formula — the line searches, the modified Cholesky factorization, the
Cauchy point, the dogleg, the BFGS update, the two-loop recursion — and one loop per method:

============================== ==========================================================
:func:`backtracking`           Armijo backtracking, Algorithm 3.1
:func:`wolfe`                  strong Wolfe line search, Algorithms 3.5 and 3.6
:func:`exact_quadratic_step`   the exact step on a quadratic, eq. (5.6)
:func:`newton`                 Newton's method: pure (2.15), with a modified Hessian and a
                               line search (Algorithms 3.2, 3.3), or in a trust region
                               (Algorithm 4.1 with the dogleg or the Cauchy point)
:func:`bfgs`                   BFGS on the inverse Hessian, Algorithm 6.1, eq. (6.17)
:func:`lbfgs`                  L-BFGS, the two-loop recursion, Algorithms 7.4 and 7.5
============================== ==========================================================

Every method takes an objective with ``value(x)`` and ``grad(x)`` (and ``hess(x)`` for
Newton), a start ``x0`` of shape ``(d,)``, and returns an :class:`optlib.run.Trajectory`, its
evaluations counted by :class:`optlib.run.Counted` and its rows kept by
:class:`optlib.run.Recorder`:

- ``params[t]`` is the iterate :math:`x_t` (``params[0]`` is ``x0``), ``losses[t]`` is
  :math:`f(x_t)`.
- ``value_evals[t]``, ``grad_evals[t]``, ``hessian_evals[t]`` count the evaluations of
  :math:`f`, :math:`\nabla f` and :math:`\nabla^2 f` made by the time :math:`x_t`,
  :math:`f(x_t)` and :math:`\nabla f(x_t)` are known — row 0 counts the value and gradient
  at ``x0`` — and the last row counts every evaluation of the run, a final attempt that
  made no new iterate included. Line-search trials and rejected trust-region steps are in
  the counts, so they are the cost axis on which the methods compare with each other and
  with gradient descent.
- ``status`` and ``message`` say how the run ended, with the numbers that decided it, as
  ``scipy.optimize.OptimizeResult`` does with ``success`` and ``message``:

  - ``"converged"`` — :math:`\|\nabla f(x_t)\|_2 \le` ``tol`` (a stationary point: a
    minimum, or — for pure Newton, which heads for any — a saddle or a maximum). The
    default ``tol`` is :math:`10^{-10}\max(1, \|\nabla f(x_0)\|_2)`.
  - ``"finished"`` — it took ``max_steps`` steps without reaching ``tol``.
  - ``"stopped"`` — it cannot go on from :math:`x_t`, which is *not* stationary within
    ``tol``: the line search found no acceptable step (in float64 that happens once
    :math:`f` changes by less than its round-off and ``tol`` was too strict to reach, which
    SciPy calls "precision loss"; or where :math:`f` has a kink; or where :math:`f` keeps
    falling, finite, for the whole search — :math:`x^2 - y^2` along :math:`y` —, which the
    message shows with the values), the direction is not a descent direction, the trust
    region shrank below float64 resolution, or the Hessian is singular (pure Newton) or not
    finite (every variant of Newton).
  - ``"diverged"`` — the next iterate broke down: it, :math:`f` or :math:`\nabla f` there
    is not finite, or :math:`f = -\infty` (the objective is unbounded below, also when a
    line-search trial meets it). ``diverged_at`` is that step; the arrays end at the last
    finite iterate.

References
----------
.. [NW06] J. Nocedal and S. J. Wright (2006). *Numerical Optimization*, 2nd ed. Springer.
   doi:10.1007/978-0-387-40065-5
"""

from __future__ import annotations

from collections import deque
from typing import Any, NamedTuple

import numpy as np

from optlib.run import Counted, Recorder, Trajectory
from optlib.validation import (
    check_number,
    check_whole,
    finite,
    finite_nonnegative,
    finite_positive,
    is_number,
    open_unit_interval,
)

__all__ = [
    "LineSearchResult",
    "backtracking",
    "bfgs",
    "bfgs_update",
    "cauchy_point",
    "cholesky_with_added_identity",
    "dogleg",
    "exact_quadratic_step",
    "lbfgs",
    "newton",
    "newton_direction",
    "two_loop_recursion",
    "wolfe",
]


# --- Line searches (Nocedal & Wright, Chapter 3) -------------------------------------------------


class LineSearchResult(NamedTuple):
    r"""What a line search found along :math:`x + \alpha p`.

    Attributes
    ----------
    step : float
        The step length :math:`\alpha`.
    new_value : float
        :math:`f(x + \alpha p)`.
    new_grad : ndarray or None
        :math:`\nabla f(x + \alpha p)` if the search evaluated it (the Wolfe search does),
        else ``None``.
    value_evals, grad_evals : int
        Evaluations of :math:`f` and :math:`\nabla f` the search made.
    success : bool
        Whether ``step`` satisfies the search's conditions. ``False`` when the search gave up
        (the Wolfe search's evaluation budget ran out; the backtracking trial point became
        :math:`x` itself) — in practice, once :math:`f` no longer changes by more than its
        round-off. ``step`` is then the best step seen, possibly 0.
    """

    step: float
    new_value: float
    new_grad: np.ndarray | None
    value_evals: int
    grad_evals: int
    success: bool


def backtracking(
    objective: Any,
    x: np.ndarray,
    direction: np.ndarray,
    value: float,
    grad: np.ndarray,
    *,
    step: float = 1.0,
    c1: float = 1e-4,
    shrink: float = 0.5,
) -> LineSearchResult:
    r"""Backtracking line search: shrink the step until it decreases :math:`f` enough.

    Starting from :math:`\alpha = \bar\alpha`, multiply by :math:`\rho` until the Armijo
    (sufficient decrease) condition holds:

    .. math::
        f(x + \alpha p) \le f(x) + c_1 \alpha \nabla f(x)^\top p. \tag{3.4}

    Parameters
    ----------
    objective : has ``value(x)``.
    x : ndarray, shape (d,)
        The current point.
    direction : ndarray, shape (d,)
        A descent direction :math:`p`, :math:`\nabla f(x)^\top p < 0`.
    value, grad : float, ndarray
        :math:`f(x)` and :math:`\nabla f(x)`, already known to the caller.
    step : float
        The first trial :math:`\bar\alpha > 0`; 1 for Newton and quasi-Newton directions.
    c1 : float
        :math:`c_1 \in (0, 1)`, the fraction of the linear decrease demanded.
    shrink : float
        :math:`\rho \in (0, 1)`, the factor applied to a rejected step.

    Returns
    -------
    LineSearchResult
        ``new_grad`` is ``None``: backtracking evaluates only :math:`f`. ``success`` is
        ``False`` only if the trial point :math:`x + \alpha p` has become :math:`x` itself in
        float64 — then no step can decrease :math:`f` by a representable amount.

    Notes
    -----
    Algorithm 3.1 of [NW06]_. Since :math:`p` is a descent direction, (3.4) holds for all
    small enough :math:`\alpha`, so the loop ends; with :math:`c_1 < 1/2` Newton's full step
    :math:`\alpha = 1` is accepted near a minimum, which keeps its quadratic convergence.
    """
    slope = _descent_slope(objective, x, direction, value, grad)
    check_number("Invalid step value: {value}", step, finite_positive)
    check_number(
        "Invalid c1 value: {value} (need 0 < c1 < 1)", c1, open_unit_interval
    )
    check_number(
        "Invalid shrink value: {value} (need 0 < shrink < 1)",
        shrink,
        open_unit_interval,
    )
    counted = Counted(objective)
    alpha = step
    while not np.array_equal(x + alpha * direction, x):
        new_value = counted.value(x + alpha * direction)
        # Written as "holds" rather than "fails" so that a NaN trial value fails it.
        if new_value <= value + c1 * alpha * slope:  # (3.4)
            return LineSearchResult(
                alpha, new_value, None, counted.values, 0, True
            )
        alpha = shrink * alpha
    return LineSearchResult(0.0, value, None, counted.values, 0, False)


def wolfe(
    objective: Any,
    x: np.ndarray,
    direction: np.ndarray,
    value: float,
    grad: np.ndarray,
    *,
    step: float = 1.0,
    c1: float = 1e-4,
    c2: float = 0.9,
    max_evals: int = 50,
) -> LineSearchResult:
    r"""Line search for a step satisfying the strong Wolfe conditions.

    With :math:`\phi(\alpha) = f(x + \alpha p)`, find :math:`\alpha > 0` such that

    .. math::
        \phi(\alpha) &\le \phi(0) + c_1 \alpha \phi'(0),  \tag{3.7a} \\
        |\phi'(\alpha)| &\le c_2 |\phi'(0)|,               \tag{3.7b}

    with :math:`0 < c_1 < c_2 < 1`: the step decreases :math:`f` enough, and it goes far
    enough that the slope has flattened.

    Parameters
    ----------
    objective : has ``value(x)`` and ``grad(x)``.
    x : ndarray, shape (d,)
        The current point.
    direction : ndarray, shape (d,)
        A descent direction :math:`p`, :math:`\phi'(0) = \nabla f(x)^\top p < 0`.
    value, grad : float, ndarray
        :math:`f(x)` and :math:`\nabla f(x)`, already known to the caller.
    step : float
        The first trial :math:`\alpha_1 > 0`; 1 for quasi-Newton directions.
    c1, c2 : float
        :math:`0 < c_1 < c_2 < 1`; :math:`c_2 = 0.9` is the usual choice for quasi-Newton
        methods, :math:`c_2 = 0.1` for nonlinear conjugate gradients.
    max_evals : int
        Budget of evaluations of :math:`f` (each trial evaluates :math:`f`, most also
        :math:`\nabla f`).

    Returns
    -------
    LineSearchResult
        On success ``new_grad`` is :math:`\nabla f(x + \alpha p)`, so the caller needs no
        extra evaluation at the new point.

    Notes
    -----
    Algorithm 3.5 of [NW06]_: *bracketing* doubles the trial step until an interval is known
    to contain acceptable steps — the step violates (3.7a), or fails to decrease :math:`\phi`
    further, or :math:`\phi'` turns non-negative — then the *zoom* (Algorithm 3.6) shrinks
    that interval by safeguarded quadratic interpolation. The evaluation budget stands in for
    the book's :math:`\alpha_{\max}`.
    """
    slope = _descent_slope(objective, x, direction, value, grad)
    check_number("Invalid step value: {value}", step, finite_positive)
    _check_wolfe_constants(c1, c2)
    check_whole("Invalid max_evals value: {value}", max_evals, 1)
    phi = _LineFunction(objective, x, direction, value, slope, c1, c2)

    previous = _Trial(0.0, value, slope, grad)  # α_0 = 0
    alpha = step
    while phi.evals < max_evals:
        trial_value = phi(alpha)
        # α_i violates (3.7a), or is no lower than α_{i-1}: acceptable steps lie before α_i.
        if not phi.sufficient_decrease(alpha, trial_value) or (
            previous.step > 0 and trial_value >= previous.value
        ):
            return _zoom(phi, previous, (alpha, trial_value), max_evals)
        trial = phi.trial(alpha, trial_value)
        if phi.curvature(
            trial.slope
        ):  # α_i satisfies the strong Wolfe conditions
            return phi.found(trial)
        # φ turns upward at α_i: a minimiser of φ lies between α_{i-1} and α_i.
        if trial.slope >= 0:
            return _zoom(
                phi, trial, (previous.step, previous.value), max_evals
            )
        # Still going down: try a longer step.
        previous, alpha = trial, 2.0 * alpha
    return phi.gave_up(previous)


def _zoom(
    phi: _LineFunction,
    low: _Trial,
    high: tuple[float, float],
    max_evals: int,
) -> LineSearchResult:
    r"""Algorithm 3.6 of [NW06]_: shrink the interval between :math:`\alpha_{lo}` and
    :math:`\alpha_{hi}` until a step in it satisfies the strong Wolfe conditions.

    Invariants: the interval contains strong Wolfe steps; :math:`\alpha_{lo}` has the lowest
    :math:`\phi` of all steps tried that satisfy (3.7a); and
    :math:`\phi'(\alpha_{lo})(\alpha_{hi} - \alpha_{lo}) < 0`. ``high`` is
    :math:`(\alpha_{hi}, \phi(\alpha_{hi}))`.
    """
    while phi.evals < max_evals:
        alpha = _interpolate(low, *high)
        if alpha in (
            low.step,
            high[0],
        ):  # the interval is below float64 resolution
            break
        trial_value = phi(alpha)
        if (
            not phi.sufficient_decrease(alpha, trial_value)
            or trial_value >= low.value
        ):
            high = (
                alpha,
                trial_value,
            )  # acceptable steps lie between α_lo and α_j
            continue
        trial = phi.trial(alpha, trial_value)
        if phi.curvature(trial.slope):
            return phi.found(trial)
        if (
            trial.slope * (high[0] - low.step) >= 0
        ):  # φ rises from α_j toward α_hi
            high = (low.step, low.value)
        low = trial
    return phi.gave_up(low)


def _interpolate(low: _Trial, high_step: float, high_value: float) -> float:
    r"""The minimiser of the quadratic :math:`q` with :math:`q(\alpha_{lo}) = \phi(\alpha_{lo})`,
    :math:`q'(\alpha_{lo}) = \phi'(\alpha_{lo})`, :math:`q(\alpha_{hi}) = \phi(\alpha_{hi})`
    (eq. 3.58 of [NW06]_, on the interval), safeguarded: it must lie in the middle 80% of the
    interval, else the midpoint — bisection."""
    width = high_step - low.step
    curvature = (high_value - low.value - low.slope * width) / (
        width * width
    )
    if np.isfinite(curvature) and curvature > 0:
        fraction = -low.slope / (2 * curvature) / width
        if 0.1 <= fraction <= 0.9:
            return low.step + fraction * width
    return low.step + 0.5 * width


class _Trial(NamedTuple):
    r"""A step length :math:`\alpha` with :math:`\phi(\alpha)`, :math:`\phi'(\alpha)` and
    :math:`\nabla f(x + \alpha p)`."""

    step: float
    value: float
    slope: float
    grad: np.ndarray


class _LineFunction:
    r""":math:`\phi(\alpha) = f(x + \alpha p)` and its slope, with the strong Wolfe conditions
    (3.7) for a search starting from :math:`\phi(0)`, :math:`\phi'(0) < 0`; counts evaluations."""

    def __init__(
        self,
        objective: Any,
        x: np.ndarray,
        direction: np.ndarray,
        value: float,
        slope: float,
        c1: float,
        c2: float,
    ) -> None:
        self.counted = Counted(objective)
        self.x, self.direction = x, direction
        self.value, self.slope, self.c1, self.c2 = value, slope, c1, c2

    @property
    def evals(self) -> int:
        return self.counted.values

    def __call__(self, alpha: float) -> float:
        return self.counted.value(self.x + alpha * self.direction)

    def trial(self, alpha: float, value: float) -> _Trial:
        grad = self.counted.grad(self.x + alpha * self.direction)
        return _Trial(alpha, value, float(grad @ self.direction), grad)

    def sufficient_decrease(self, alpha: float, value: float) -> bool:
        # "Holds" rather than "fails", so that a NaN value (f overflowed) fails it.
        return bool(
            value <= self.value + self.c1 * alpha * self.slope
        )  # (3.7a)

    def curvature(self, slope: float) -> bool:
        return bool(abs(slope) <= -self.c2 * self.slope)  # (3.7b)

    def found(self, trial: _Trial) -> LineSearchResult:
        counted = self.counted
        return LineSearchResult(
            trial.step,
            trial.value,
            trial.grad,
            counted.values,
            counted.grads,
            True,
        )

    def gave_up(self, best: _Trial) -> LineSearchResult:
        counted = self.counted
        new_grad = best.grad if best.step > 0 else None
        return LineSearchResult(
            best.step,
            best.value,
            new_grad,
            counted.values,
            counted.grads,
            False,
        )


def exact_quadratic_step(
    A: np.ndarray, grad: np.ndarray, direction: np.ndarray
) -> float:
    r"""The exact minimiser of :math:`\alpha \mapsto f(x + \alpha p)` for a quadratic
    :math:`f(x) = \tfrac12 x^\top A x - b^\top x`:

    .. math::
        \alpha = -\frac{\nabla f(x)^\top p}{p^\top A p}. \tag{5.6}

    Parameters
    ----------
    A : ndarray, shape (d, d)
        The Hessian of the quadratic.
    grad : ndarray, shape (d,)
        :math:`\nabla f(x) = A x - b`.
    direction : ndarray, shape (d,)
        :math:`p`, with positive curvature :math:`p^\top A p > 0`.

    Returns
    -------
    float

    Notes
    -----
    :math:`\phi(\alpha) = f(x) + \alpha \nabla f^\top p + \tfrac12 \alpha^2 p^\top A p`
    is a parabola; (5.6) is where :math:`\phi'(\alpha) = 0`. Eq. (5.6) of [NW06]_, there
    with the residual :math:`r = \nabla f`.
    """
    curvature = float(direction @ A @ direction)
    if not curvature > 0:
        raise ValueError(
            f"direction must have positive curvature p @ A @ p, got {curvature:.6g}"
        )
    return -float(grad @ direction) / curvature


# --- Newton's method (Nocedal & Wright, Chapters 2-4) ---------------------------------------------


def newton_direction(hessian: np.ndarray, grad: np.ndarray) -> np.ndarray:
    r"""The Newton direction, the minimiser of the local quadratic model:

    .. math::
        p^N = -\left(\nabla^2 f(x)\right)^{-1} \nabla f(x). \tag{2.15}

    Parameters
    ----------
    hessian : ndarray, shape (d, d)
    grad : ndarray, shape (d,)

    Returns ------- ndarray, shape (d,) Found by solving :math:`\nabla^2 f\,
    p = -\nabla f` (never by inverting).

    Raises
    ------
    numpy.linalg.LinAlgError
        If the Hessian is singular.
    """
    return np.linalg.solve(hessian, -grad)


def cholesky_with_added_identity(
    A: np.ndarray, beta: float = 1e-3
) -> tuple[np.ndarray, float]:
    r"""Cholesky factor of :math:`A + \tau I`, with :math:`\tau` the first shift of the
    sequence below that makes the matrix positive definite.

    .. math::
        L L^\top = A + \tau I, \qquad
        \tau_0 = \begin{cases} 0 & \min_i a_{ii} > 0 \\
                 -\min_i a_{ii} + \beta & \text{otherwise,} \end{cases}
        \qquad \tau_{k+1} = \max(2\tau_k, \beta).

    Parameters
    ----------
    A : ndarray, shape (d, d)
        Symmetric, e.g. a Hessian.
    beta : float
        :math:`\beta > 0`, the smallest shift tried.

    Returns
    -------
    L : ndarray, shape (d, d)
        Lower triangular.
    tau : float
        The shift used; 0 when :math:`A` itself is positive definite.

    Notes
    -----
    Algorithm 3.3 of [NW06]_ (Cholesky with added multiple of the identity). A diagonal
    entry :math:`a_{ii} \le 0` proves :math:`A` is not positive definite, so the first shift
    lifts the smallest one to :math:`\beta`. Then :math:`B = A + \tau I` has eigenvalues
    :math:`\lambda_i(A) + \tau > 0`, and :math:`p = -B^{-1}\nabla f` is a descent direction.
    """
    A = np.asarray(A, dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or not np.all(np.isfinite(A)):
        raise ValueError(
            f"A must be a finite square matrix, got shape {A.shape}"
        )
    if not _is_symmetric(A):  # Cholesky would read the lower triangle only
        raise ValueError(f"A must be symmetric, got {A.tolist()}")
    check_number("Invalid beta value: {value}", beta, finite_positive)
    smallest_diagonal = float(np.min(np.diag(A)))
    tau = 0.0 if smallest_diagonal > 0 else -smallest_diagonal + beta
    identity = np.eye(len(A))
    while True:
        try:
            return np.linalg.cholesky(A + tau * identity), tau
        except np.linalg.LinAlgError:
            tau = max(2 * tau, beta)


def cauchy_point(
    grad: np.ndarray, B: np.ndarray, radius: float
) -> np.ndarray:
    r"""The minimiser of the quadratic model along :math:`-\nabla f` inside the trust region.

    .. math::
        p^C = -\tau \frac{\Delta}{\|g\|} g, \qquad
        \tau = \begin{cases} 1 & g^\top B g \le 0, \\
        \min\left(\|g\|^3 / (\Delta\, g^\top B g),\ 1\right) & \text{otherwise.}
        \end{cases} \tag{4.11–4.12}

    Parameters
    ----------
    grad : ndarray, shape (d,)
        :math:`g = \nabla f(x) \ne 0`.
    B : ndarray, shape (d, d)
        The model's Hessian, any symmetric matrix.
    radius : float
        The trust-region radius :math:`\Delta > 0`.

    Returns
    -------
    ndarray, shape (d,)

    Notes
    -----
    Algorithm 4.2 of [NW06]_. Along :math:`-g` the model is a parabola in the step length;
    with non-positive curvature it decreases all the way to the boundary (:math:`\tau = 1`).
    Any trust-region method that decreases the model at least as much as the Cauchy point
    converges globally — even where :math:`B` is indefinite.
    """
    _check_model(grad, B, radius)
    grad_norm = float(np.linalg.norm(grad))
    curvature = float(grad @ B @ grad)
    tau = (
        1.0
        if curvature <= 0
        else min(grad_norm**3 / (radius * curvature), 1.0)
    )
    return -tau * radius / grad_norm * grad


def dogleg(grad: np.ndarray, B: np.ndarray, radius: float) -> np.ndarray:
    r"""The dogleg step: the best point of a two-segment path from 0 through the unconstrained
    steepest-descent minimiser :math:`p^U` to the Newton step :math:`p^B`, inside the region.

    .. math::
        p^U = -\frac{g^\top g}{g^\top B g}\, g, \qquad p^B = -B^{-1} g, \qquad
        \tilde p(\tau) = \begin{cases} \tau p^U & 0 \le \tau \le 1, \\
        p^U + (\tau - 1)(p^B - p^U) & 1 \le \tau \le 2. \end{cases} \tag{4.15–4.16}

    The step is :math:`p^B` if it lies in the region; else the path's exit point through the
    boundary :math:`\|\tilde p(\tau)\| = \Delta`.

    Parameters
    ----------
    grad : ndarray, shape (d,)
        :math:`g = \nabla f(x) \ne 0`.
    B : ndarray, shape (d, d)
        The model's Hessian, positive definite.
    radius : float
        The trust-region radius :math:`\Delta > 0`.

    Returns
    -------
    ndarray, shape (d,)

    Notes
    -----
    §4.1 of [NW06]_. For positive definite :math:`B`, :math:`\|\tilde p(\tau)\|` increases and
    the model decreases along the path, so the exit point is the best point of the path in the
    region, and it decreases the model at least as much as the Cauchy point.
    """
    _check_model(grad, B, radius)
    if not _is_positive_definite(B):
        raise ValueError(
            "B must be positive definite for the dogleg (else use cauchy_point)"
        )
    newton_step = newton_direction(B, grad)
    if np.linalg.norm(newton_step) <= radius:
        return newton_step
    steepest_descent_step = -(grad @ grad) / (grad @ B @ grad) * grad
    if np.linalg.norm(steepest_descent_step) >= radius:
        return (
            radius
            / np.linalg.norm(steepest_descent_step)
            * steepest_descent_step
        )
    # Second leg: ‖p^U + s (p^B - p^U)‖² = Δ² is a quadratic a s² + 2 b s + c = 0 in s = τ - 1.
    leg = newton_step - steepest_descent_step
    a = leg @ leg
    b = steepest_descent_step @ leg
    c = steepest_descent_step @ steepest_descent_step - radius * radius
    s = (
        -b + np.sqrt(b * b - a * c)
    ) / a  # c < 0, so the positive root lies in (0, 1)
    return steepest_descent_step + s * leg


def newton(
    objective: Any,
    x0: np.ndarray,
    *,
    damping: str | None = "line_search",
    max_steps: int = 100,
    tol: float | None = None,
    c1: float = 1e-4,
    beta: float = 1e-3,
    radius: float = 1.0,
    max_radius: float = 1e3,
    eta: float = 0.15,
) -> Trajectory:
    r"""Newton's method: step to the minimiser of the local quadratic model,

    .. math::
        x_{k+1} = x_k + \alpha_k p_k, \qquad
        p_k = -\left(\nabla^2 f(x_k)\right)^{-1} \nabla f(x_k), \tag{2.15}

    with one of three ways (``damping``) to keep it honest far from a minimum.

    Parameters
    ----------
    objective : has ``value(x)``, ``grad(x)`` and ``hess(x)``.
    x0 : ndarray, shape (d,)
    damping : ``"line_search"``, ``"trust_region"`` or ``None``
        - ``"line_search"`` (Algorithm 3.2): where :math:`\nabla^2 f(x_k)` is not positive
          definite, replace it by :math:`B_k = \nabla^2 f(x_k) + \tau_k I`
          (:func:`cholesky_with_added_identity`), so :math:`p_k = -B_k^{-1}\nabla f_k` is a
          descent direction; then backtrack from :math:`\alpha_k = 1` (:func:`backtracking`).
        - ``"trust_region"`` (Algorithm 4.1): minimise the model
          :math:`m_k(p) = f_k + \nabla f_k^\top p + \tfrac12 p^\top \nabla^2 f_k\, p` inside
          :math:`\|p\| \le \Delta_k` — the :func:`dogleg` where the Hessian is positive
          definite, else the :func:`cauchy_point` — accept the step if
          :math:`\rho_k = (f(x_k) - f(x_k + p_k)) / (m_k(0) - m_k(p_k)) > \eta`, and adapt
          :math:`\Delta_k` to how well the model predicted the decrease.
        - ``None``: pure Newton, :math:`\alpha_k = 1` always. Quadratic convergence near a
          minimum with a positive definite Hessian, but it heads for *any* stationary point —
          a saddle or a maximum as readily as a minimum — and may diverge.
    max_steps : int
        Most (accepted) steps.
    tol : float, optional
        Stop once :math:`\|\nabla f(x_k)\|_2 \le` ``tol``; default
        :math:`10^{-10}\max(1, \|\nabla f(x_0)\|_2)`.
    c1 : float
        Armijo constant of the line search (``"line_search"``).
    beta : float
        Smallest Hessian shift :math:`\beta` of Algorithm 3.3 (``"line_search"``).
    radius, max_radius : float
        Initial and largest trust-region radius, :math:`0 < \Delta_0 \le \hat\Delta`
        (``"trust_region"``).
    eta : float
        Acceptance threshold :math:`\eta \in [0, 1/4)` of Algorithm 4.1 (``"trust_region"``).

    Returns
    -------
    Trajectory
        ``hessian_evals[t] = t``: one Hessian per step, at the point the step leaves (the
        last row counts one more if the run ends by giving up on a step). With
        ``"trust_region"`` only accepted steps are rows; rejected trials show in
        ``value_evals``.

    Notes
    -----
    On a strongly convex quadratic :math:`\tfrac12 x^\top A x - b^\top x` the model is exact:
    any variant reaches :math:`A^{-1} b` in one step (the trust region once
    :math:`\Delta_k` has grown to the Newton step). Near a minimum with Lipschitz Hessian
    the error squares every step, :math:`\|x_{k+1} - x^*\| \le C \|x_k - x^*\|^2`
    (Theorem 3.5 of [NW06]_): the number of correct digits doubles.

    How it ends (``status``, see the module's notes): ``"converged"`` once
    :math:`\|\nabla f\| \le` ``tol``, ``"finished"`` after ``max_steps``, ``"diverged"``
    where the next iterate, its value or its gradient is not finite or :math:`f = -\infty`.
    A Hessian that cannot give a step *stops* the run at the iterate :math:`x_t` it was
    evaluated at, in all three modes alike: ``"the Hessian at x_t is not finite"`` (a NaN or
    infinite entry; :math:`x_t` itself is finite, since a non-finite iterate would have
    diverged first), and, for pure Newton, ``"the Hessian is singular at x_t"`` — no Newton
    step exists there, which is not divergence (the safeguarded modes shift a singular
    Hessian and go on).
    """
    if damping not in ("line_search", "trust_region", None):
        raise ValueError(
            f"Invalid damping value: {damping!r} (use 'line_search', 'trust_region' or None)"
        )
    check_number(
        "Invalid c1 value: {value} (need 0 < c1 < 1)", c1, open_unit_interval
    )
    check_number("Invalid beta value: {value}", beta, finite_positive)
    if not (
        is_number(radius)
        and is_number(max_radius)
        and 0 < radius <= max_radius < np.inf
    ):
        raise ValueError(
            f"Invalid radius, max_radius values: {radius}, {max_radius} "
            "(need 0 < radius <= max_radius < inf)"
        )
    if not (is_number(eta) and 0 <= eta < 0.25):
        raise ValueError(f"Invalid eta value: {eta} (need 0 <= eta < 0.25)")
    counted, x, value, grad, tol = _start(
        objective, x0, max_steps, tol, hessian=True
    )
    path = Recorder(counted, hessians=True)
    path.record(x, value)
    if damping is None:
        return _pure_newton(counted, path, x, grad, max_steps, tol)
    if damping == "line_search":
        return _line_search_newton(
            counted, path, x, value, grad, max_steps, tol, c1, beta
        )
    return _trust_region_newton(
        counted,
        path,
        x,
        value,
        grad,
        max_steps,
        tol,
        radius,
        max_radius,
        eta,
    )


def _pure_newton(
    counted: Counted,
    path: Recorder,
    x: np.ndarray,
    grad: np.ndarray,
    max_steps: int,
    tol: float,
) -> Trajectory:
    """Newton's method with the full step, :math:`x_{k+1} = x_k + p^N_k` (2.15)."""
    # Far from a minimum pure Newton may overflow: that is reported as divergence.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        while path.steps < max_steps and np.linalg.norm(grad) > tol:
            hessian = _hessian(counted, x)
            if not np.all(np.isfinite(hessian)):
                _stop(
                    path,
                    f"the Hessian at x_{path.steps} is not finite",
                    grad,
                    tol,
                )
                break
            try:
                x = x + newton_direction(hessian, grad)
            except (
                np.linalg.LinAlgError
            ):  # no Newton step; a singular Hessian is not divergence
                _stop(
                    path,
                    f"the Hessian is singular at x_{path.steps}",
                    grad,
                    tol,
                )
                break
            value, grad = counted.value(x), counted.grad(x)
            if not _record(path, x, value, grad):
                break
    return _conclude(path, grad, tol, max_steps)


def _line_search_newton(
    counted: Counted,
    path: Recorder,
    x: np.ndarray,
    value: float,
    grad: np.ndarray,
    max_steps: int,
    tol: float,
    c1: float,
    beta: float,
) -> Trajectory:
    """Algorithm 3.2 of [NW06]_: line search Newton with a modified Hessian."""
    while path.steps < max_steps and np.linalg.norm(grad) > tol:
        hessian = _hessian(counted, x)
        if not np.all(np.isfinite(hessian)):
            _stop(
                path,
                f"the Hessian at x_{path.steps} is not finite",
                grad,
                tol,
            )
            break
        # B_k = ∇²f_k + τ_k I, positive definite (Algorithm 3.3), factored as L Lᵀ.
        L, _ = cholesky_with_added_identity(hessian, beta)
        # Solve L Lᵀ p = -∇f_k: forward substitution, then back substitution.
        direction = np.linalg.solve(L.T, np.linalg.solve(L, -grad))
        slope = float(grad @ direction)
        if (
            not slope < 0
        ):  # round-off, once ∇f is tiny: no descent left to find
            _stop(path, _not_a_descent_direction(slope), grad, tol)
            break
        search = backtracking(
            counted, x, direction, value, grad, step=1.0, c1=c1
        )
        if not search.success:
            why = (
                "the backtracking line search found no step along p that decreases f enough: "
                f"after {search.value_evals} trials x + αp rounds to x (f changes by less than "
                "its round-off)"
            )
            _stop(path, why, grad, tol)
            break
        x = x + search.step * direction
        value, grad = search.new_value, counted.grad(x)
        if not _record(path, x, value, grad):
            break
    return _conclude(path, grad, tol, max_steps)


def _trust_region_newton(
    counted: Counted,
    path: Recorder,
    x: np.ndarray,
    value: float,
    grad: np.ndarray,
    max_steps: int,
    tol: float,
    radius: float,
    max_radius: float,
    eta: float,
) -> Trajectory:
    """Algorithm 4.1 of [NW06]_: trust-region Newton, dogleg or Cauchy point."""
    hessian = _hessian(counted, x) if np.linalg.norm(grad) > tol else None
    while path.steps < max_steps and np.linalg.norm(grad) > tol:
        if not np.all(np.isfinite(hessian)):
            _stop(
                path,
                f"the Hessian at x_{path.steps} is not finite",
                grad,
                tol,
            )
            break
        try:
            step = (
                dogleg(grad, hessian, radius)
                if _is_positive_definite(hessian)
                else None
            )
        except (
            np.linalg.LinAlgError
        ):  # singular by round-off: Cholesky passed, the solve did not
            step = None
        if step is None:
            step = cauchy_point(grad, hessian, radius)
        predicted_decrease = -(
            grad @ step + 0.5 * step @ hessian @ step
        )  # m_k(0) - m_k(p_k)
        if (
            not predicted_decrease > 0
        ):  # round-off, once ∇f is tiny: the model sees no descent
            why = f"the model predicts no decrease, m(0) - m(p) = {predicted_decrease:.2g} ≤ 0"
            _stop(path, why, grad, tol)
            break
        trial_value = counted.value(x + step)
        rho = (
            value - trial_value
        ) / predicted_decrease  # (4.4); NaN if f overflowed
        # A guard of trust-region codes: once the predicted change is below f's round-off,
        # ρ is noise, while the model, accurate to O(‖p‖³), is far better than that.
        if (
            predicted_decrease <= _ROUNDOFF * abs(value)
            and trial_value <= value
        ):
            rho = 1.0
        if not rho >= 0.25:  # a poor model: trust it less
            radius = 0.25 * radius
        elif (
            rho > 0.75 and np.linalg.norm(step) >= (1 - 1e-8) * radius
        ):  # good, and at the edge
            radius = min(2 * radius, max_radius)
        if rho > eta:  # accept the step
            x = x + step
            value, grad = trial_value, counted.grad(x)
            if not _record(path, x, value, grad):
                break
            if path.steps < max_steps and np.linalg.norm(grad) > tol:
                hessian = _hessian(counted, x)
        elif radius <= np.finfo(float).eps * max(
            1.0, float(np.linalg.norm(x))
        ):
            # The region has shrunk below float64 resolution: no progress is possible.
            why = (
                f"the trust region shrank to radius {radius:.2g}, below float64 resolution at "
                "x, without an acceptable step"
            )
            _stop(path, why, grad, tol)
            break
    return _conclude(path, grad, tol, max_steps)


# A change of f below this fraction of |f| is lost in round-off: a few units in the last place.
_ROUNDOFF = 8 * np.finfo(float).eps


def _is_positive_definite(A: np.ndarray) -> bool:
    try:
        np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        return False
    return True


# --- BFGS (Nocedal & Wright, Chapter 6) -----------------------------------------------------------


def bfgs_update(H: np.ndarray, s: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""The BFGS update of the inverse Hessian approximation:

    .. math::
        H_{k+1} = (I - \rho_k s_k y_k^\top)\, H_k\, (I - \rho_k y_k s_k^\top)
                  + \rho_k s_k s_k^\top, \qquad \rho_k = \frac{1}{y_k^\top s_k}, \tag{6.17}

    with :math:`s_k = x_{k+1} - x_k` and :math:`y_k = \nabla f_{k+1} - \nabla f_k`.

    Parameters
    ----------
    H : ndarray, shape (d, d)
        :math:`H_k`, symmetric positive definite.
    s, y : ndarray, shape (d,)
        The step and the change of gradient, with :math:`s^\top y > 0`.

    Returns
    -------
    ndarray, shape (d, d)
        :math:`H_{k+1}`: symmetric positive definite, satisfying the secant equation
        :math:`H_{k+1} y_k = s_k` (6.6), and the closest such matrix to :math:`H_k` in a
        weighted Frobenius norm (6.16).

    Notes
    -----
    §6.1 of [NW06]_. The curvature condition :math:`s^\top y > 0` (6.7) is what keeps
    :math:`H_{k+1}` positive definite; a Wolfe line search guarantees it for any smooth
    :math:`f` bounded below.
    """
    curvature = float(s @ y)
    if not curvature > 0:
        raise ValueError(
            f"the curvature condition needs s @ y > 0, got {curvature:.6g}"
        )
    rho = 1.0 / curvature
    identity = np.eye(len(s))
    return (identity - rho * np.outer(s, y)) @ H @ (
        identity - rho * np.outer(y, s)
    ) + rho * (np.outer(s, s))


def _satisfies_curvature_condition(s: np.ndarray, y: np.ndarray) -> bool:
    r""":math:`s^\top y > 0` (6.7), with a margin for round-off (see :func:`bfgs`)."""
    return bool(s @ y > 1e-10 * np.linalg.norm(s) * np.linalg.norm(y))


def bfgs(
    objective: Any,
    x0: np.ndarray,
    *,
    line_search: str = "wolfe",
    H0: np.ndarray | None = None,
    max_steps: int = 500,
    tol: float | None = None,
    c1: float = 1e-4,
    c2: float = 0.9,
) -> Trajectory:
    r"""BFGS: a quasi-Newton method that learns the inverse Hessian from gradient changes.

    .. math::
        p_k = -H_k \nabla f_k, \qquad x_{k+1} = x_k + \alpha_k p_k, \qquad
        H_{k+1} = \text{BFGS}(H_k, s_k, y_k) \ \text{(6.17, } :func:`bfgs_update` \text{)}.

    Parameters
    ----------
    objective : has ``value(x)`` and ``grad(x)``; with ``line_search="exact"`` also ``A``,
        its (constant) Hessian — a quadratic such as :func:`optlib.functions.quadratic`.
    x0 : ndarray, shape (d,)
    line_search : ``"wolfe"`` or ``"exact"``
        :math:`\alpha_k` from :func:`wolfe` (first trial 1), or the exact minimiser
        :func:`exact_quadratic_step` on a quadratic.
    H0 : ndarray, shape (d, d), optional
        Symmetric positive definite :math:`H_0`. By default the identity, and then the first
        trial step is :math:`1/\|\nabla f_0\|` — a step of unit length, as SciPy's BFGS
        takes — since :math:`p_0 = -\nabla f_0` carries no curvature information yet.
    max_steps : int
    tol : float, optional
        Stop once :math:`\|\nabla f(x_k)\|_2 \le` ``tol``; default
        :math:`10^{-10}\max(1, \|\nabla f(x_0)\|_2)`.
    c1, c2 : float
        Wolfe constants, :math:`0 < c_1 < c_2 < 1`.

    Returns
    -------
    Trajectory
        With ``inverse_hessians``, :math:`H_0, \dots, H_T`, where :math:`H_t` gives the
        direction :math:`p_t = -H_t \nabla f(x_t)` from :math:`x_t`; ``hessian_evals`` is
        ``None``.

    Notes
    -----
    Algorithm 6.1 of [NW06]_. If a step fails the curvature condition :math:`s_k^\top y_k > 0`
    (6.7) — impossible after a strong Wolfe step in exact arithmetic, but round-off near the
    solution can do it — the update is skipped, :math:`H_{k+1} = H_k`, which keeps :math:`H`
    positive definite; damped BFGS (§18.3 of [NW06]_) is the alternative that always updates.
    The test for :math:`s^\top y > 0` has a margin for round-off,
    :math:`s^\top y > 10^{-10}\|s\|\|y\|` (on a quadratic :math:`s^\top y \ge
    \|s\|\|y\|/\kappa`, so only :math:`\kappa > 10^{10}` could trip it).

    §6.1 also suggests rescaling the identity to :math:`H_0 = \frac{y_0^\top s_0}{y_0^\top
    y_0} I` (6.20) before the first update. Here :math:`H_0 = I` stays, as in SciPy: the
    rescaled :math:`H` is often too small, and with :math:`c_2 = 0.9` its short unit steps are
    accepted, which can slow BFGS down. :func:`lbfgs` rescales at every step (7.20).

    On a strongly convex quadratic with exact line searches, BFGS generates conjugate
    directions (with :math:`H_0 = I`, those of conjugate gradients), stops in at most
    :math:`d` steps, and :math:`H_d = A^{-1}` (§6.3 of [NW06]_, properties of the Broyden
    class).

    References
    ----------
    C. G. Broyden (1970), R. Fletcher (1970), D. Goldfarb (1970), D. F. Shanno (1970): four
    derivations of the same update, in *IMA J. Appl. Math.* 6, *Computer J.* 13 and
    *Math. Comp.* 24.
    """
    exact = _is_exact_line_search(objective, line_search, c1, c2)
    counted, x, value, grad, tol = _start(objective, x0, max_steps, tol)
    d = len(x)
    H = np.eye(d) if H0 is None else _initial_inverse_hessian(H0, d)
    inverse_hessians = [H]
    path = Recorder(counted)
    path.record(x, value)
    while path.steps < max_steps and np.linalg.norm(grad) > tol:
        direction = -H @ grad
        first_step = (
            1.0 / np.linalg.norm(grad)
            if H0 is None and path.steps == 0
            else 1.0
        )
        new = _line_search(
            counted, x, direction, value, grad, exact, first_step, c1, c2
        )
        if isinstance(new, str):  # no step found: why
            _stop(path, new, grad, tol)
            break
        new_x, new_value, new_grad = new
        if not _record(path, new_x, new_value, new_grad):
            break
        s, y = new_x - x, new_grad - grad
        if _satisfies_curvature_condition(
            s, y
        ):  # else skip the update: H_{k+1} = H_k
            H = bfgs_update(H, s, y)
        x, value, grad = new_x, new_value, new_grad
        inverse_hessians.append(H)
    return _conclude(
        path,
        grad,
        tol,
        max_steps,
        inverse_hessians=np.array(inverse_hessians),
    )


def _is_exact_line_search(
    objective: Any, line_search: str, c1: float, c2: float
) -> bool:
    """Whether the quasi-Newton line search is exact, once its arguments are found valid."""
    if line_search not in ("wolfe", "exact"):
        raise ValueError(
            f"Invalid line_search value: {line_search!r} (use 'wolfe' or 'exact')"
        )
    _check_wolfe_constants(c1, c2)
    if line_search == "exact" and getattr(objective, "A", None) is None:
        raise ValueError(
            "line_search='exact' needs a quadratic objective with its Hessian as attribute A, "
            f"got {type(objective).__name__}"
        )
    return line_search == "exact"


def _check_wolfe_constants(c1: float, c2: float) -> None:
    if not (is_number(c1) and is_number(c2) and 0 < c1 < c2 < 1):
        raise ValueError(
            f"Invalid c1, c2 values: {c1}, {c2} (need 0 < c1 < c2 < 1)"
        )


def _initial_inverse_hessian(H0: np.ndarray, d: int) -> np.ndarray:
    """``H0`` as a float array, once found a symmetric positive definite ``(d, d)`` matrix."""
    H = _as_float_array("H0", H0)
    if H.shape != (d, d):
        raise ValueError(
            f"H0 must have shape ({d}, {d}), got shape {H.shape}"
        )
    if not (np.all(np.isfinite(H)) and np.allclose(H, H.T)):
        raise ValueError(f"H0 must be finite and symmetric, got {H}")
    if not _is_positive_definite(H):
        smallest = float(np.linalg.eigvalsh(H)[0])
        raise ValueError(
            f"H0 must be positive definite, got smallest eigenvalue {smallest:.6g}"
        )
    return H


def _line_search(
    counted: Counted,
    x: np.ndarray,
    direction: np.ndarray,
    value: float,
    grad: np.ndarray,
    exact: bool,
    first_step: float,
    c1: float,
    c2: float,
) -> tuple[np.ndarray, float, np.ndarray | None] | str:
    r""":math:`x_{k+1} = x_k + \alpha_k p_k` with :math:`f` and :math:`\nabla f` there, or why no
    step can be found. A search that met :math:`f = -\infty` returns that point, for the caller
    to report as divergence."""
    slope = float(grad @ direction)
    if not slope < 0:  # round-off in H, once ∇f is tiny
        return _not_a_descent_direction(slope)
    if exact:
        try:
            alpha = exact_quadratic_step(
                counted.objective.A, grad, direction
            )
        except ValueError as error:  # A is not positive definite
            return f"the exact line search has no step: {error}"
        new_x = x + alpha * direction
        return new_x, counted.value(new_x), counted.grad(new_x)
    search = wolfe(
        counted, x, direction, value, grad, step=first_step, c1=c1, c2=c2
    )
    if search.success or search.new_value == -np.inf:
        return x + search.step * direction, search.new_value, search.new_grad
    if search.step > 0:
        best = f"f fell from {value:.6g} to {search.new_value:.6g}, at α = {search.step:.2g}"
    else:
        best = f"none of its trials decreased f enough from {value:.6g}"
    return (
        f"the Wolfe line search found no acceptable step along p in {search.value_evals} "
        f"evaluations of f ({best})"
    )


# --- L-BFGS (Nocedal & Wright, Chapter 7) ---------------------------------------------------------


def two_loop_recursion(
    grad: np.ndarray,
    s_history: list[np.ndarray],
    y_history: list[np.ndarray],
    gamma: float,
) -> np.ndarray:
    r"""The product :math:`H_k \nabla f_k` for the L-BFGS matrix :math:`H_k` — the BFGS update
    (6.17) applied to :math:`H_k^0 = \gamma_k I` with the stored pairs, oldest first —
    without ever forming a matrix.

    .. math::
        &q \leftarrow \nabla f_k; \quad
        \text{for } i = k-1, \dots, k-m: \quad
        \alpha_i \leftarrow \rho_i s_i^\top q, \quad q \leftarrow q - \alpha_i y_i; \\
        &r \leftarrow H_k^0 q; \quad
        \text{for } i = k-m, \dots, k-1: \quad
        \beta \leftarrow \rho_i y_i^\top r, \quad r \leftarrow r + s_i (\alpha_i - \beta).

    Parameters
    ----------
    grad : ndarray, shape (d,)
        :math:`\nabla f_k`.
    s_history, y_history : sequences of ndarray, shape (d,)
        The last :math:`m` pairs :math:`s_i, y_i`, oldest first, each with
        :math:`s_i^\top y_i > 0`.
    gamma : float
        :math:`\gamma_k > 0`, the scale of :math:`H_k^0 = \gamma_k I`.

    Returns
    -------
    ndarray, shape (d,)
        :math:`r = H_k \nabla f_k`; the L-BFGS direction is :math:`-r`.

    Notes
    -----
    Algorithm 7.4 of [NW06]_: :math:`4md` multiplications instead of :math:`d^2` for the
    matrix–vector product, and :math:`2md` numbers of storage instead of :math:`d^2`.
    """
    check_number(
        "Invalid gamma value: {value} (must be positive and finite)",
        gamma,
        finite_positive,
    )
    curvatures = [
        float(y @ s) for s, y in zip(s_history, y_history, strict=True)
    ]
    if not all(curvature > 0 for curvature in curvatures):
        raise ValueError(f"every pair needs s_i @ y_i > 0, got {curvatures}")
    rhos = [1.0 / curvature for curvature in curvatures]
    alphas = []
    q = grad
    for s, y, rho in reversed(
        list(zip(s_history, y_history, rhos, strict=True))
    ):  # newest first
        alpha = rho * (s @ q)
        q = q - alpha * y
        alphas.append(alpha)
    r = gamma * q  # H_k^0 q
    for s, y, rho, alpha in zip(
        s_history, y_history, rhos, reversed(alphas), strict=True
    ):
        beta = rho * (y @ r)
        r = r + s * (alpha - beta)
    return r


def lbfgs(
    objective: Any,
    x0: np.ndarray,
    *,
    memory: int = 10,
    line_search: str = "wolfe",
    max_steps: int = 500,
    tol: float | None = None,
    c1: float = 1e-4,
    c2: float = 0.9,
) -> Trajectory:
    r"""L-BFGS: BFGS that keeps only the last :math:`m` pairs :math:`(s_i, y_i)`.

    .. math::
        p_k = -H_k \nabla f_k \ \text{(two-loop recursion)}, \qquad
        H_k^0 = \gamma_k I, \quad
        \gamma_k = \frac{s_{k-1}^\top y_{k-1}}{y_{k-1}^\top y_{k-1}}, \tag{7.20}

    and :math:`x_{k+1} = x_k + \alpha_k p_k` with a strong Wolfe step.

    Parameters
    ----------
    objective : has ``value(x)`` and ``grad(x)``; with ``line_search="exact"`` also ``A``.
    x0 : ndarray, shape (d,)
    memory : int
        :math:`m \ge 1`, the number of pairs kept.
    line_search : ``"wolfe"`` or ``"exact"``
        As in :func:`bfgs`.
    max_steps : int
    tol : float, optional
        Stop once :math:`\|\nabla f(x_k)\|_2 \le` ``tol``; default
        :math:`10^{-10}\max(1, \|\nabla f(x_0)\|_2)`.
    c1, c2 : float
        Wolfe constants, :math:`0 < c_1 < c_2 < 1`.

    Returns
    -------
    Trajectory
        ``hessian_evals`` is ``None``.

    Notes
    -----
    Algorithm 7.5 of [NW06]_. The first step, with no pairs yet, is along :math:`-\nabla f_0`
    with first trial length :math:`1/\|\nabla f_0\|`. A pair that fails the curvature condition
    is not stored (as in :func:`bfgs`). :math:`\gamma_k` (7.20) scales :math:`H_k^0` to the
    curvature along the latest step, which makes the unit step usually acceptable.

    With :math:`m \ge k` pairs and exact line searches on a quadratic, L-BFGS takes the same
    steps as BFGS (both are conjugate gradients in disguise); with small :math:`m` it still
    converges, linearly.

    References
    ----------
    J. Nocedal (1980). Updating quasi-Newton matrices with limited storage. *Mathematics of
    Computation* 35(151), 773-782. D. C. Liu and J. Nocedal (1989). On the limited memory
    BFGS method for large scale optimization. *Mathematical Programming* 45, 503-528.
    """
    check_whole("Invalid memory value: {value}", memory, 1)
    exact = _is_exact_line_search(objective, line_search, c1, c2)
    counted, x, value, grad, tol = _start(objective, x0, max_steps, tol)
    s_history: deque[np.ndarray] = deque(
        maxlen=memory
    )  # the oldest pair drops out
    y_history: deque[np.ndarray] = deque(maxlen=memory)
    gamma = 1.0
    path = Recorder(counted)
    path.record(x, value)
    while path.steps < max_steps and np.linalg.norm(grad) > tol:
        direction = -two_loop_recursion(
            grad, list(s_history), list(y_history), gamma
        )
        first_step = 1.0 / np.linalg.norm(grad) if not s_history else 1.0
        new = _line_search(
            counted, x, direction, value, grad, exact, first_step, c1, c2
        )
        if isinstance(new, str):  # no step found: why
            _stop(path, new, grad, tol)
            break
        new_x, new_value, new_grad = new
        if not _record(path, new_x, new_value, new_grad):
            break
        s, y = new_x - x, new_grad - grad
        if _satisfies_curvature_condition(s, y):
            s_history.append(s)
            y_history.append(y)
            gamma = (s @ y) / (y @ y)  # (7.20)
        x, value, grad = new_x, new_value, new_grad
    return _conclude(path, grad, tol, max_steps)


# --- How a run ends ------------------------------------------------------------------------------


def _record(
    path: Recorder, x: np.ndarray, value: float, grad: np.ndarray | None
) -> bool:
    r"""Record the next iterate :math:`x_{t+1}` and :math:`f(x_{t+1})`; or, if the run broke
    down there — :math:`f = -\infty` (unbounded below), or :math:`x`, :math:`f` or
    :math:`\nabla f` not finite — mark it diverged and return ``False``."""
    t = path.steps + 1
    if value == -np.inf:
        why = f"f(x_{t}) = -inf: the objective is unbounded below"
    elif not np.all(np.isfinite(x)):
        why = f"x_{t} is not finite"
    elif not np.isfinite(value):
        why = f"f(x_{t}) = {value}"
    elif grad is None or not np.all(np.isfinite(grad)):
        why = f"the gradient at x_{t} is not finite"
    else:
        return path.record(x, value)
    path.mark_diverged(why)
    return False


def _stop(path: Recorder, why: str, grad: np.ndarray, tol: float) -> None:
    """The method cannot go on from a point that is not stationary within ``tol``."""
    path.stop(f"{why}; |∇f| = {np.linalg.norm(grad):.2g} > tol = {tol:.2g}")


def _not_a_descent_direction(slope: float) -> str:
    return f"p is not a descent direction (slope ∇f·p = {slope:.2g} ≥ 0)"


def _conclude(
    path: Recorder,
    grad: np.ndarray,
    tol: float,
    max_steps: int,
    **arrays: Any,
) -> Trajectory:
    """The trajectory of a run; one that met no other end converged (``|∇f| <= tol``) or took
    its ``max_steps``."""
    if path.status == "finished":
        grad_norm = float(np.linalg.norm(grad))
        if grad_norm <= tol:
            path.converge(f"|∇f| = {grad_norm:.2g} ≤ tol = {tol:.2g}")
        else:
            steps = "step" if max_steps == 1 else "steps"
            path.finish(
                f"took max_steps = {max_steps} {steps}; |∇f| = {grad_norm:.2g} > tol = {tol:.2g}"
            )
    return path.trajectory(**arrays)


# --- Plumbing: checking the arguments ------------------------------------------------------------


def _require_methods(objective: Any, methods: tuple[str, ...]) -> None:
    """Raise a ValueError naming the first of ``methods`` that ``objective`` lacks."""
    for method in methods:
        if not callable(getattr(objective, method, None)):
            raise ValueError(
                f"objective must have a {method}(x) method, got {type(objective).__name__}"
            )


def _start(
    objective: Any,
    x0: np.ndarray,
    max_steps: int,
    tol: float | None,
    *,
    hessian: bool = False,
) -> tuple[Counted, np.ndarray, float, np.ndarray, float]:
    r"""Check the common arguments; return the counted objective, ``x0``, :math:`f(x_0)`,
    :math:`\nabla f(x_0)` and the gradient tolerance."""
    _require_methods(
        objective,
        ("value", "grad", "hess") if hessian else ("value", "grad"),
    )
    x = _as_float_array("x0", x0)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"x0 must have shape (d,), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be finite, got {x}")
    check_whole("Invalid max_steps value: {value}", max_steps, 0)
    if tol is not None:
        check_number(
            "Invalid tol value: {value} (must be finite and ≥ 0)",
            tol,
            finite_nonnegative,
        )
    counted = Counted(objective)
    value, grad = counted.value(x), counted.grad(x)
    if grad.shape != x.shape:
        raise ValueError(
            f"objective.grad(x0) must have shape {x.shape}, got shape {grad.shape}"
        )
    if not (np.isfinite(value) and np.all(np.isfinite(grad))):
        raise ValueError(f"f and its gradient must be finite at x0 = {x}")
    if tol is None:
        tol = 1e-10 * max(1.0, float(np.linalg.norm(grad)))
    return counted, x, value, grad, tol


def _as_float_array(name: str, value: Any) -> np.ndarray:
    """``value`` as a new float array; a ValueError naming ``name`` if it holds no numbers."""
    try:
        array = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be an array of numbers, got {value!r}"
        ) from None
    if (
        np.asarray(value).dtype.kind not in "iuf"
    ):  # strings, booleans, None, objects
        raise ValueError(
            f"{name} must be an array of numbers, got {value!r}"
        )
    return array


def _hessian(counted: Counted, x: np.ndarray) -> np.ndarray:
    r""":math:`\nabla^2 f(x)`, once found to be a ``(d, d)`` matrix."""
    hessian = counted.hess(x)
    if hessian.shape != (x.size, x.size):
        raise ValueError(
            f"objective.hess(x) must have shape {(x.size, x.size)}, got shape {hessian.shape}"
        )
    if np.all(np.isfinite(hessian)) and not _is_symmetric(hessian):
        raise ValueError(
            f"objective.hess(x) must be symmetric, got {hessian.tolist()} at x = {x}"
        )
    return hessian


def _is_symmetric(A: np.ndarray) -> bool:
    """:math:`A = A^\top` up to round-off in its largest entry."""
    return bool(
        np.all(np.abs(A - A.T) <= 1e-10 * np.max(np.abs(A), initial=0.0))
    )


def _check_model(grad: np.ndarray, B: np.ndarray, radius: float) -> None:
    """Check the arguments of a trust-region step: a nonzero ``(d,)`` gradient, a finite
    ``(d, d)`` symmetric ``B`` and a radius > 0."""
    d = np.shape(grad)[0] if np.ndim(grad) == 1 else None
    if d is None or np.shape(B) != (d, d):
        raise ValueError(
            f"grad and B must have shapes (d,), (d, d), got {np.shape(grad)}, {np.shape(B)}"
        )
    if not (
        np.all(np.isfinite(grad))
        and np.all(np.isfinite(B))
        and _is_symmetric(B)
    ):
        raise ValueError("grad and B must be finite and B symmetric")
    if not np.any(grad):
        raise ValueError(
            "grad must be nonzero: the model has no descent direction"
        )
    check_number(
        "Invalid radius value: {value} (must be positive and finite)",
        radius,
        finite_positive,
    )


def _descent_slope(
    objective: Any,
    x: np.ndarray,
    direction: np.ndarray,
    value: float,
    grad: np.ndarray,
) -> float:
    r"""Check a line search's inputs; return the slope :math:`\phi'(0) = \nabla f^\top p`."""
    _require_methods(objective, ("value", "grad"))
    check_number(
        "value must be f(x), a finite number, got {value}", value, finite
    )
    if np.shape(direction) != np.shape(x) or np.shape(grad) != np.shape(x):
        raise ValueError(
            f"x, direction and grad must have the same shape, got {np.shape(x)}, "
            f"{np.shape(direction)} and {np.shape(grad)}"
        )
    slope = float(np.dot(grad, direction))
    if not slope < 0:
        raise ValueError(
            f"direction must be a descent direction (grad @ direction < 0), got {slope:.6g}"
        )
    return slope
