r"""The runner: apply an optimizer to an objective for a number of steps and keep the path.

One loop serves every chapter. Full-batch, stochastic (one example a step) and mini-batch
gradient descent are *options of the runner* — the same optimizer fed different gradients:

.. math::
    g_t = \frac{1}{|B_t|}\sum_{i \in B_t} \nabla \ell_i(\theta_{t-1}), \qquad
    B_t = \{1, \dots, n\} \text{ (full batch)}, \quad |B_t| = 1 \text{ (SGD)}, \quad
    |B_t| = b \text{ (mini-batch)}.

An objective is anything with ``value(x)`` and ``grad(x)`` that broadcast over the leading
axes of ``x`` (the test functions of :mod:`optlib.functions`). A finite sum — a model on a
data set (:mod:`optlib.models`) — also has ``n_samples`` and accepts ``idx``, the rows of a
mini-batch. ``x0`` of shape ``(B, d)`` runs ``B`` settings at once (with hyperparameter
arrays of shape ``(B,)``, which the optimizer lines up with the batch axes itself, see
:func:`optlib.optimizers.line_up`), all fed the same mini-batches.

Every method of the book records its path the same way, as a :class:`Trajectory`:
:func:`minimize` for the optimizers, :mod:`optlib.higher_order` (Newton, BFGS, L-BFGS) and
:mod:`optlib.derivative_free`, whose loops count their evaluations with :class:`Counted` and
keep their iterates with a :class:`Recorder`. :func:`follow` runs an optimizer *open loop*, on
gradients given in advance.

How runs end
------------
Every :class:`Trajectory` says how its run ended, as ``scipy.optimize.OptimizeResult`` does:
``status`` is one of four words (an array of them for a batch of runs), ``message`` one sentence
with the numbers that decided it, and ``success`` is true for the first two.

- ``"finished"`` — the run took every step it was given (``minimize`` with ``steps=T``: the
  last iterate is :math:`\theta_T`; a derivative-free method: it spent its budget). Nothing is
  claimed about the last iterate beyond that: read the losses.
- ``"converged"`` — a stopping test of the method was met (Newton, BFGS, L-BFGS: a small
  gradient; Nelder–Mead: a small simplex); the message names the test and its numbers. The last
  iterate is the method's answer. :func:`minimize` never reports it: it has no stopping test.
- ``"diverged"`` — the loss or the parameters stopped being finite, or :math:`|f|` exceeded
  ``max_loss``, at step ``diverged_at``. That iterate is *not* kept: a single run's arrays end
  at the last good iterate (``len(params) == diverged_at``), a batch's diverged run is NaN from
  that step on. The message says which test failed: ``"diverged at step 11: |f| = 2.1e+06 >
  max_loss = 1e+06"``. A finite ``x0`` whose loss is already not finite (or above ``max_loss``)
  diverged at step 0: its arrays are empty.
- ``"stopped"`` — the method could not go on (Newton's singular Hessian, a line search that
  found no acceptable step): the last iterate is *not* a solution, and the message says why.

Bad input is not a run that ends badly: a NaN or inf in ``x0``, an objective without ``value``
and ``grad`` (or whose gradient is not shaped like ``x0``), an optimizer class instead of an
instance, raise ``ValueError`` or ``TypeError`` before the first step, naming the argument.
No ``RuntimeWarning`` escapes a run: overflow on the way to divergence is what ``"diverged"``
reports.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from optlib import optimizers
from optlib.optimizers import Optimizer
from optlib.validation import (
    check_number,
    check_whole,
    nonnegative,
    positive,
    real_array,
)

__all__ = [
    "STATUSES",
    "BudgetSpentError",
    "Counted",
    "Recorder",
    "Trajectory",
    "follow",
    "minibatches",
    "minimize",
]


#: How a run can end (:attr:`Trajectory.status`).
STATUSES = ("finished", "converged", "diverged", "stopped")


@dataclass(frozen=True, eq=False)
class Trajectory:
    r"""The path of one run (or of a batch of runs).

    Attributes
    ----------
    params : ``(T + 1, *batch, d)`` — the iterates :math:`\theta_0, \dots, \theta_T`,
        ``x0`` first.
    losses : ``(T + 1, *batch)`` — the full objective :math:`f(\theta_t)` at each iterate.
    grad_evals : ``(T + 1,)`` — per-example gradients evaluated so far (for a plain
        function, one per step); ``grad_evals[-1]`` is the total. This is the cost axis on
        which full-batch and stochastic runs compare fairly.
    diverged_at : the step :math:`t` at which the run diverged (its loss or parameters stopped
        being finite, or :math:`|f| >` ``max_loss``; 0 if the loss at ``x0`` already was not
        finite or above ``max_loss``), or ``None``. For a batch of runs, an
        integer array shaped like the batch with -1 where the run did not diverge; a diverged
        run's entries are NaN from that step on.
    value_evals : ``(T + 1,)`` — objective values evaluated so far, for methods that count them
        (line searches, derivative-free methods); ``None`` for :func:`minimize`, whose cost is
        one value per recorded iterate.
    hessian_evals : ``(T + 1,)`` — Hessians evaluated so far (Newton's method), else ``None``.
    inverse_hessians : ``(T + 1, d, d)`` — for :func:`optlib.higher_order.bfgs`, its inverse
        Hessian approximations :math:`H_0, \dots, H_T`, where :math:`H_t` gives the direction
        :math:`p_t = -H_t \nabla f(x_t)` from :math:`x_t`; else ``None``.

    status : how the run ended, one of :data:`STATUSES` (for a batch of runs, an array of them
        shaped like the batch):

        - ``"finished"`` — it took every step (or spent every evaluation) it was given;
        - ``"converged"`` — a stopping test of the method was met (a small gradient, a small
          simplex, …), which ``message`` names with its numbers;
        - ``"diverged"`` — its loss or parameters stopped being finite, or :math:`|f|` exceeded
          ``max_loss``, at step ``diverged_at``;
        - ``"stopped"`` — the method could not go on (a line search that found no acceptable
          step, a singular Hessian, …): the last iterate is *not* a solution, and ``message``
          says why.
    message : one plain sentence on how the run ended, with the numbers that decided it, as
        ``scipy.optimize.OptimizeResult.message``.

    A single run stops at divergence (its arrays end at the last finite iterate); a batch stops
    once every run in it has diverged.
    """

    params: np.ndarray
    losses: np.ndarray
    grad_evals: np.ndarray
    diverged_at: Any
    value_evals: np.ndarray | None = None
    hessian_evals: np.ndarray | None = None
    inverse_hessians: np.ndarray | None = None
    status: Any = "finished"
    message: str = ""

    @property
    def success(self) -> bool | np.ndarray:
        """Whether the run (each run of a batch) ended well: ``"finished"`` or ``"converged"``."""
        if np.ndim(self.status):
            return np.isin(self.status, ("finished", "converged"))
        return self.status in ("finished", "converged")

    @property
    def diverged(self) -> bool | np.ndarray:
        """Whether the run (each run of a batch) diverged."""
        if self.diverged_at is None or isinstance(
            self.diverged_at, (int, np.integer)
        ):
            return self.diverged_at is not None
        return np.asarray(self.diverged_at) >= 0


# --- Counting evaluations and recording a path, for methods that take one point at a time ------


class BudgetSpentError(Exception):
    """Raised by :class:`Counted` instead of evaluating :math:`f` once more than its budget
    allows; a method that meets it stops where it is."""


class Counted:
    r"""An objective that counts its evaluations — the cost axis on which methods compare.

    Parameters
    ----------
    objective : has ``value(x)`` (and ``grad(x)``, ``hess(x)`` if those are called), or is a
        plain callable ``x -> float``, which then serves as ``value``.
    max_evals : a budget of values of :math:`f`: once ``values == max_evals``, :meth:`value`
        raises :class:`BudgetSpentError` instead of calling ``objective``. ``None``: no budget.

    Attributes
    ----------
    objective : what is counted.
    values, grads, hessians : int
        The evaluations of :math:`f`, :math:`\nabla f` and :math:`\nabla^2 f` made so far.

    Notes
    -----
    Overflow at a far trial point gives ``inf`` or ``nan``, not a warning: every method treats
    a non-finite value as a failed trial (comparisons with NaN are false), or as divergence.
    """

    def __init__(self, objective: Any, max_evals: int | None = None) -> None:
        value = getattr(objective, "value", None)
        if callable(value):
            self._value = value
        elif callable(objective):
            self._value = objective
        else:
            raise TypeError(
                f"f must have a value(x) method or be callable, got {type(objective).__name__}"
            )
        if max_evals is not None:
            message = "Invalid max_evals value: {value!r} (must be an integer >= 0)"
            check_whole(message, max_evals, 0)
        self.objective = objective
        self.max_evals = max_evals
        self.values = self.grads = self.hessians = 0

    def value(self, x: np.ndarray) -> float:
        """:math:`f(x)`, a float; counted, and refused once the budget is spent."""
        if self.max_evals is not None and self.values >= self.max_evals:
            raise BudgetSpentError(
                f"the budget of {self.max_evals} evaluations of f is spent"
            )
        self.values += 1
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            fx = _real_result("f", self._value(x))
        if fx.shape != ():
            raise ValueError(
                f"f must return a scalar, got an array of shape {fx.shape}"
            )
        return float(fx)

    def grad(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\nabla f(x)`, counted."""
        self.grads += 1
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return _real_result("objective.grad(x)", self.objective.grad(x))

    def hess(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\nabla^2 f(x)`, counted."""
        self.hessians += 1
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return _real_result("objective.hess(x)", self.objective.hess(x))


def _real_result(what: str, result: Any) -> np.ndarray:
    """What an objective returned, as floats; a ``TypeError`` naming ``what`` if it is not real
    numbers (``None`` would otherwise become NaN, a string a number, and be taken for a value)."""
    return real_array(
        f"{what} must return real numbers", result, kinds="iuf"
    ).astype(float)


class Recorder:
    r"""The rows of a :class:`Trajectory`, one kept iterate at a time, each with the evaluations
    its :class:`Counted` objective has made so far.

    Parameters
    ----------
    counted : the run's counted objective.
    hessians : whether the trajectory reports ``hessian_evals`` (Newton's method).
    finite_only : if ``True``, an iterate or value that is not finite is not recorded: it marks
        the run diverged at that step (:meth:`record` returns ``False``). Derivative-free
        methods, which only ever keep a better point, record what they keep.

    Attributes
    ----------
    params, losses : lists, the iterates and their values so far, ``x0`` first.
    counts : list of ``(values, grads, hessians)``, the evaluations made by each row.
    diverged_at : int or None, the step at which the run diverged.
    status, message : how the run ended (:class:`Trajectory`); ``"finished"`` until the method
        says otherwise with :meth:`converge`, :meth:`stop` or :meth:`mark_diverged` (or says
        why with :meth:`finish`).
    """

    def __init__(
        self,
        counted: Counted,
        *,
        hessians: bool = False,
        finite_only: bool = True,
    ):
        self.counted = counted
        self.hessians = hessians
        self.finite_only = finite_only
        self.params: list[np.ndarray] = []
        self.losses: list[float] = []
        self.counts: list[tuple[int, int, int]] = []
        self.diverged_at: int | None = None
        self.status = "finished"
        self.message = ""

    @property
    def steps(self) -> int:
        """The steps recorded, rows after ``x0``'s."""
        return len(self.params) - 1

    @property
    def has_unrecorded_evals(self) -> bool:
        """Whether evaluations were made since the last row was recorded."""
        return self.counts[-1] != self._counts_now()

    def record(self, x: np.ndarray, value: float) -> bool:
        """Append the iterate :math:`x_t` and :math:`f(x_t)`; return whether it was recorded
        (with ``finite_only``, a non-finite one marks the run diverged instead)."""
        if self.finite_only and not (
            np.isfinite(value) and np.all(np.isfinite(x))
        ):
            self.mark_diverged()
            return False
        self.params.append(np.array(x, dtype=float))
        self.losses.append(float(value))
        self.counts.append(self._counts_now())
        return True

    def mark_diverged(
        self, why: str = "its loss or parameters stopped being finite"
    ) -> None:
        """The run broke down on its way to the next step (it is not recorded)."""
        self.diverged_at = self.steps + 1
        self._end("diverged", f"diverged at step {self.diverged_at}: {why}")

    def finish(self, why: str) -> None:
        """The run took every step (or spent every evaluation) it was given; ``why`` says so
        with the numbers (the budget, how far from the method's stopping test it ended)."""
        self._end("finished", f"finished: {why}")

    def converge(self, why: str) -> None:
        """The method's stopping test was met; ``why`` names it with its numbers."""
        self._end("converged", f"converged at step {self.steps}: {why}")

    def stop(self, why: str) -> None:
        """The method cannot go on from its last iterate, which is not a solution: ``why``."""
        self._end("stopped", f"stopped at step {self.steps}: {why}")

    def _end(self, status: str, message: str) -> None:
        self.status, self.message = status, message

    def trajectory(
        self, *, inverse_hessians: np.ndarray | None = None
    ) -> Trajectory:
        """The path as a :class:`Trajectory`. The last row counts every evaluation of the run,
        so a final attempt that made no new iterate (a failed line search, rejected trial steps,
        a diverged step) is in the totals."""
        counts = [*self.counts[:-1], self._counts_now()]
        values, grads, hessians = (
            np.array(column, dtype=np.int64)
            for column in zip(*counts, strict=True)
        )
        return Trajectory(
            params=np.array(self.params),
            losses=np.array(self.losses),
            grad_evals=grads,
            diverged_at=self.diverged_at,
            value_evals=values,
            hessian_evals=hessians if self.hessians else None,
            inverse_hessians=inverse_hessians,
            status=self.status,
            message=self.message or f"finished: took {_steps(self.steps)}",
        )

    def _counts_now(self) -> tuple[int, int, int]:
        counted = self.counted
        return counted.values, counted.grads, counted.hessians


def minibatches(
    n_samples: int, batch_size: int, sampling: str, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    """The rows of each step's mini-batch, forever: with
    ``sampling="shuffle"``, epochs of a fresh permutation cut into batches of
    ``batch_size`` (the last one of an epoch may be smaller, as a PyTorch
    ``DataLoader`` with ``shuffle=True``); with ``"replacement"``, i.i.d.
    draws. The rows are ``np.intp`` arrays, numpy's index type.

    The arguments are checked when it is called, not at the first batch:
    ``n_samples >= 1``, ``batch_size`` from 1 to ``n_samples``, ``rng`` a
    ``np.random.Generator``.
    """
    check_whole("Invalid n_samples value: {value}", n_samples, 1)
    message = f"Invalid batch_size value: {{value}} (1 to {n_samples})"
    check_whole(message, batch_size, 1)
    if batch_size > n_samples:
        raise ValueError(message.format(value=batch_size))
    if sampling not in ("shuffle", "replacement"):
        raise ValueError(
            f"Invalid sampling value: {sampling!r} "
            "(use 'shuffle' or 'replacement')"
        )
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a np.random.Generator, got {type(rng).__name__}"
        )
    return _minibatches(n_samples, batch_size, sampling, rng)


def _minibatches(
    n_samples: int, batch_size: int, sampling: str, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    # Drawn as int64 (the same stream on every platform), handed out as np.intp, numpy's index
    # type: int32 under Pyodide (wasm32), where np.bincount refuses int64 indices.
    while True:
        if sampling == "replacement":
            yield rng.integers(n_samples, size=batch_size).astype(np.intp, copy=False)
        else:
            order = rng.permutation(n_samples).astype(np.intp, copy=False)
            yield from (
                order[i : i + batch_size]
                for i in range(0, n_samples, batch_size)
            )


#: Rows of the path allocated at the start of a run of :func:`minimize`; it doubles when full.
_FIRST_ROWS = 1024


def minimize(
    objective: Any,
    x0: np.ndarray,
    optimizer: Optimizer,
    steps: int = 100,
    *,
    batch_size: int | None = None,
    sampling: str = "shuffle",
    grad_noise: float = 0.0,
    seed: int = 0,
    max_loss: float = 1e12,
) -> Trajectory:
    r"""Run ``optimizer`` on ``objective`` from ``x0`` for ``steps`` steps.

    Each step reads the gradient at ``optimizer.lookahead_point`` (``params``
    itself for all rules but the lecture's Nesterov form), optionally adds
    noise, and steps:

    .. math::
        g_t = \nabla f_{B_t}(\text{lookahead}(\theta_{t-1})) + \sigma\,\xi_t,
        \quad \xi_t \sim \mathcal N(0, I), \qquad
        \theta_t = \text{step}(\theta_{t-1}, g_t).

    Parameters
    ----------
    objective : has ``value(x)`` and ``grad(x)``; with ``n_samples`` and an
        ``idx`` keyword it is a finite sum and may be sampled.
    x0 : starting point, shape ``(d,)``, or ``(*batch, d)`` for many runs at
    once; finite.
    optimizer : an instance of :class:`optlib.optimizers.Optimizer`
        (``optlib.adam()``, not ``optlib.Adam``).
    steps : number of steps :math:`T \ge 0`. The path is kept as the run
        goes, so a run that diverges early costs only the steps it took,
        however large ``steps`` is.
    batch_size : ``None`` for the full batch; ``1`` for SGD; ``b`` for
    mini-batches.
    sampling : ``"shuffle"`` (each epoch a permutation) or ``"replacement"``
    (i.i.d. indices).
    grad_noise : standard deviation :math:`\sigma \ge 0` of Gaussian noise
        added to each gradient — a model of stochastic gradients for plain
        functions.
    seed : seeds the mini-batches and the noise; the same seed gives the same
    run.
    max_loss : a run whose :math:`|f|` exceeds this has diverged.

    Returns ------- Trajectory Its ``status`` is ``"finished"`` (every step
    taken) or ``"diverged"`` (at step ``diverged_at``, the message says why),
    an array of them for a batch; see "How runs end" in :mod:`optlib.run`. A
    finite ``x0`` whose loss is not finite, or above ``max_loss``, diverged
    at step 0.

    Raises ------ TypeError, ValueError Before the first step, naming the
    argument: ``x0`` not finite or not an array of numbers; ``objective``
    without ``value``/``grad``, or whose value or gradient has the wrong
    shape; ``optimizer`` not an optimizer instance; an invalid setting.
    MemoryError With the size of the path, when the run outgrows the memory
    (only then).
    """
    _check_objective(objective)
    _check_optimizer(optimizer)
    x = _checked_start(x0, objective)
    check_whole("Invalid steps value: {value}", steps, 0)
    if sampling not in ("shuffle", "replacement"):
        raise ValueError(
            f"Invalid sampling value: {sampling!r} "
            "(use 'shuffle' or 'replacement')"
        )
    # One number each: an array would act per coordinate (or per run) without
    # saying so.
    check_number(
        "Invalid grad_noise value: {value}", grad_noise, nonnegative
    )
    check_number("Invalid max_loss value: {value}", max_loss, positive)
    check_whole("Invalid seed value: {value}", seed, 0)
    n_samples = getattr(objective, "n_samples", None)
    if batch_size is not None and n_samples is None:
        raise ValueError(
            "batch_size needs a finite-sum objective (one with n_samples), "
            f"not {type(objective).__name__}"
        )
    rng = np.random.default_rng(seed)
    batches = (
        None
        if batch_size is None
        else minibatches(n_samples, batch_size, sampling, rng)
    )
    batch_shape = x.shape[:-1]

    # The path grows as the run goes (doubling), so steps=10**12 costs only
    # the steps taken.
    rows = min(steps + 1, _FIRST_ROWS)
    params = np.empty((rows, *x.shape))
    losses = np.empty((rows, *batch_shape))
    grad_evals = np.zeros(rows, dtype=np.int64)
    diverged_at = np.full(batch_shape, -1)
    first_divergence = (
        ""  # when and why the first run diverged, for the message
    )

    # Overflow on the way to divergence is expected and is reported below,
    # not as warnings — also at x0, whose loss may already overflow.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        loss = _checked_value(objective.value(x), x.shape)
        running = np.isfinite(loss) & (np.abs(loss) <= max_loss)
        if not running.all():
            diverged_at[~running] = 0
            first_divergence = _first_divergence(
                x, loss, ~running, max_loss, 0
            )
        params[0] = np.where(running[..., None], x, np.nan)
        losses[0] = np.where(running, loss, np.nan)
        state = optimizer.init(x)
        last = steps if running.any() else -1  # the last row kept

        for t in range(1, last + 1):
            point = optimizer.lookahead_point(x, state)
            if batches is None:
                grads, examples = objective.grad(point), n_samples or 1
            else:
                idx = next(batches)
                grads, examples = objective.grad(point, idx=idx), len(idx)
            if t == 1:
                grads = _checked_gradient(grads, x.shape)
            if grad_noise:
                grads = grads + grad_noise * rng.standard_normal(grads.shape)
            x, state = optimizer.step(x, grads, state)
            loss = objective.value(x)

            finite = (
                np.isfinite(loss)
                & (np.abs(loss) <= max_loss)
                & np.isfinite(x).all(axis=-1)
            )
            if not finite.all() and (running & ~finite).any():
                if not first_divergence:
                    first_divergence = _first_divergence(
                        x, loss, running & ~finite, max_loss, t
                    )
                diverged_at[running & ~finite] = t
                running &= finite
                if not running.any():
                    last = t - 1
                    break
            if t == len(params):
                params, losses, grad_evals = _grown(
                    (params, losses, grad_evals), steps + 1, t
                )
            params[t] = np.where(running[..., None], x, np.nan)
            losses[t] = np.where(running, loss, np.nan)
            grad_evals[t] = grad_evals[t - 1] + examples

    status, message = _how_it_ended(diverged_at, first_divergence, last)
    if batch_shape == ():
        diverged: Any = None if diverged_at < 0 else int(diverged_at)
    else:
        diverged = diverged_at
    keep = slice(0, last + 1)
    path = [
        array[keep] if len(array) == last + 1 else array[keep].copy()
        for array in (params, losses, grad_evals)
    ]
    return Trajectory(*path, diverged, status=status, message=message)


def _grown(
    arrays: tuple[np.ndarray, ...], rows_max: int, steps_taken: int
) -> list[np.ndarray]:
    """The arrays of a path with their first axis doubled (at most ``rows_max`` rows)."""
    rows = min(2 * len(arrays[0]), rows_max)
    try:
        grown = [
            np.empty((rows, *array.shape[1:]), dtype=array.dtype)
            for array in arrays
        ]
    except MemoryError:
        size = sum(rows * array[0].nbytes for array in arrays)
        raise MemoryError(
            f"minimize ran out of memory after {steps_taken} steps: keeping a path of {rows:,} "
            f"iterates of shape {arrays[0].shape[1:]} takes {size / 1e9:.3g} GB; ask for fewer "
            f"steps than {rows_max - 1:,}"
        ) from None
    for new, old in zip(grown, arrays, strict=True):
        new[: len(old)] = old
    return grown


def _check_objective(objective: Any) -> None:
    missing = [
        name
        for name in ("value", "grad")
        if not callable(getattr(objective, name, None))
    ]
    if missing:
        what = (
            "a plain function"
            if callable(objective)
            else type(objective).__name__
        )
        raise TypeError(
            f"objective must have value(x) and grad(x) methods (as optlib.functions.rosenbrock "
            f"or a model of optlib.models); got {what}, which has no "
            f"{' or '.join(missing)}"
        )


def _check_optimizer(optimizer: Any) -> None:
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        factory = getattr(optimizers, optimizer.__name__.lower(), None)
        if not inspect.isfunction(
            factory
        ):  # a piece (L2Penalty, …) or a rule's other form
            factory = optimizers.adam
        raise TypeError(
            f"optimizer must be an instance, not the class {optimizer.__name__}: pass an "
            f"instance, e.g. optlib.{factory.__name__}()"
        )
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizer must be an optlib Optimizer, e.g. optlib.adam(); got "
            f"{type(optimizer).__name__}"
        )


def _checked_start(x0: Any, objective: Any) -> np.ndarray:
    """``x0`` as a fresh float array of shape ``(*batch, d)``, finite, of the objective's ``d``."""
    try:
        raw = np.asarray(x0)
    except ValueError:  # ragged nested sequences
        raise TypeError(
            f"x0 must be an array of numbers; got {x0!r}"
        ) from None
    if (
        raw.dtype.kind not in "iuf"
    ):  # strings, booleans, complex, objects: not a point
        raise TypeError(
            f"x0 must be an array of real numbers; got dtype {raw.dtype}"
        )
    x = np.array(raw, dtype=float)
    if x.ndim == 0 or x.size == 0:
        raise ValueError(
            f"x0 must have shape (d,) or (*batch, d) with d >= 1; got {x.shape}"
        )
    dim = getattr(objective, "dim", None)
    if isinstance(dim, (int, np.integer)) and x.shape[-1] != dim:
        raise ValueError(
            f"x0 must have shape (..., {dim}) for this objective; got {x.shape}"
        )
    bad = np.argwhere(~np.isfinite(x))
    if bad.size:
        where = tuple(int(i) for i in bad[0])
        raise ValueError(
            f"x0 must be finite; x0[{', '.join(map(str, where))}] is {x[where]}"
        )
    return x


def _checked_value(value: Any, shape: tuple[int, ...]) -> np.ndarray:
    """The objective's value at ``x0`` (of ``shape``), checked to be one number per point."""
    if value is None:
        raise TypeError(
            "objective.value(x) returned None; it must return f(x), a number"
        )
    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"objective.value(x) must return a number; got {value!r}"
        )
    if array.shape != shape[:-1]:
        raise ValueError(
            f"objective.value(x) must return one number per point, shape {shape[:-1]} for x of "
            f"shape {shape}; got shape {array.shape}"
        )
    return array.astype(float)


def _checked_gradient(grads: Any, shape: tuple[int, ...]) -> np.ndarray:
    """The first gradient of the run, checked to be shaped like ``x``."""
    if grads is None:
        raise TypeError(
            f"objective.grad(x) returned None; it must return an array of shape {shape}"
        )
    array = np.asarray(grads)
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"objective.grad(x) must return an array of numbers; got dtype {array.dtype}"
        )
    if array.shape != shape:
        raise ValueError(
            f"objective.grad(x) must be shaped like x, {shape}; got shape {array.shape}"
        )
    return array


def _first_divergence(
    x: np.ndarray, loss: Any, newly: np.ndarray, max_loss: float, t: int
) -> str:
    """When and why the first of the runs marked ``newly`` diverged, for the message:
    ``"at step 11: why"`` (for a batch, ``"the first, run 2, at step 11: why"``)."""
    run = tuple(int(i) for i in np.argwhere(newly)[0])
    x_run, loss_run = x[run], float(np.asarray(loss)[run])
    if not np.all(np.isfinite(x_run)):
        why = "its parameters are not finite"
    elif not np.isfinite(loss_run):
        why = f"its loss is {loss_run}"
    else:
        why = f"|f| = {abs(loss_run):.3g} > max_loss = {max_loss:g}"
    if run == ():
        return f"at step {t}: {why}"
    return f"the first, run {run[0] if len(run) == 1 else run}, at step {t}: {why}"


def _how_it_ended(
    diverged_at: np.ndarray, first_divergence: str, last: int
) -> tuple[Any, str]:
    """``status`` and ``message`` of :func:`minimize`'s trajectory."""
    if diverged_at.ndim == 0:
        if diverged_at < 0:
            return "finished", f"finished: took {_steps(last)}"
        return "diverged", f"diverged {first_divergence}"
    diverged = diverged_at >= 0
    status = np.where(diverged, "diverged", "finished").astype(
        f"<U{max(map(len, STATUSES))}"
    )
    runs, failed = diverged.size, int(diverged.sum())
    if not failed:
        return status, f"finished: all {runs} runs took {_steps(last)}"
    message = f"{failed} of {runs} runs diverged ({first_divergence})"
    if failed < runs:
        message += f"; {runs - failed} finished {_steps(last)}"
    return status, message


def _steps(n: int) -> str:
    return "1 step" if n == 1 else f"{n} steps"


def follow(
    optimizer: Optimizer, x0: np.ndarray, grads: Iterable[np.ndarray]
) -> np.ndarray:
    r"""Run ``optimizer`` open loop: feed it a fixed sequence of gradients, return the iterates.

    .. math::
        \theta_t = \text{step}(\theta_{t-1}, g_t), \qquad t = 1, \dots, T,

    with the :math:`g_t` taken as given — not computed at :math:`\theta_{t-1}` (nor at the
    ``lookahead_point`` of the lecture's Nesterov form). This isolates the update rule from the
    objective: the same gradients fed to two rules, or to a rule and a hand derivation, must
    give the same path. For a closed loop, where each gradient is read at the current point,
    use :func:`minimize`.

    Parameters
    ----------
    optimizer : any :class:`optlib.optimizers.Optimizer`.
    x0 : :math:`\theta_0`, shape ``(d,)`` or ``(*batch, d)``; finite.
    grads : :math:`g_1, \dots, g_T`, each shaped like ``x0`` — e.g. an array of shape
        ``(T, *x0.shape)``, or any iterable of arrays.

    Returns
    -------
    ndarray, shape ``(T + 1, *x0.shape)``
        :math:`\theta_0, \dots, \theta_T`, ``x0`` first.
    """
    _check_optimizer(optimizer)
    x = _checked_start(x0, None)
    try:
        grads = iter(grads)
    except TypeError:
        raise TypeError(
            f"grads must be an array of gradients or an iterable of them, got "
            f"{type(grads).__name__}"
        ) from None
    state = optimizer.init(x)
    path = [x]
    for t, g in enumerate(grads, start=1):
        if np.asarray(g).dtype.kind not in "iuf":
            raise TypeError(f"grads must be real numbers; g_{t} is {g!r}")
        if np.shape(g) != x.shape:
            raise ValueError(
                f"grads must be shaped like x0, {x.shape}; g_{t} has {np.shape(g)}"
            )
        x, state = optimizer.step(x, g, state)
        path.append(x)
    return np.array(path)
