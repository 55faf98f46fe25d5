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
arrays of shape ``(B,)``, see :func:`optlib.optimizers.batched`), all fed the same mini-batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from optlib.optimizers import Optimizer

__all__ = ["Trajectory", "minibatches", "minimize"]


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
        being finite, or :math:`|f| >` ``max_loss``), or ``None``. For a batch of runs, an
        integer array shaped like the batch with -1 where the run did not diverge; a diverged
        run's entries are NaN from that step on.
    value_evals : ``(T + 1,)`` — objective values evaluated so far, for methods that count them
        (line searches, derivative-free methods); ``None`` for :func:`minimize`, whose cost is
        one value per recorded iterate.
    hessian_evals : ``(T + 1,)`` — Hessians evaluated so far (Newton's method), else ``None``.

    A single run stops at divergence (its arrays end at the last finite iterate); a batch stops
    once every run in it has diverged.
    """

    params: np.ndarray
    losses: np.ndarray
    grad_evals: np.ndarray
    diverged_at: Any
    value_evals: np.ndarray | None = None
    hessian_evals: np.ndarray | None = None

    @property
    def diverged(self) -> bool | np.ndarray:
        """Whether the run (each run of a batch) diverged."""
        if self.diverged_at is None or isinstance(self.diverged_at, (int, np.integer)):
            return self.diverged_at is not None
        return np.asarray(self.diverged_at) >= 0


def minibatches(
    n_samples: int, batch_size: int, sampling: str, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    """The rows of each step's mini-batch, forever: with ``sampling="shuffle"``, epochs of a fresh
    permutation cut into batches of ``batch_size`` (the last one of an epoch may be smaller, as a
    PyTorch ``DataLoader`` with ``shuffle=True``); with ``"replacement"``, i.i.d. draws."""
    while True:
        if sampling == "replacement":
            yield rng.integers(n_samples, size=batch_size)
        else:
            order = rng.permutation(n_samples)
            yield from (order[i : i + batch_size] for i in range(0, n_samples, batch_size))


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

    Each step reads the gradient at ``optimizer.lookahead_point`` (``params`` itself for all
    rules but the lecture's Nesterov form), optionally adds noise, and steps:

    .. math::
        g_t = \nabla f_{B_t}(\text{lookahead}(\theta_{t-1})) + \sigma\,\xi_t,
        \quad \xi_t \sim \mathcal N(0, I), \qquad
        \theta_t = \text{step}(\theta_{t-1}, g_t).

    Parameters
    ----------
    objective : has ``value(x)`` and ``grad(x)``; with ``n_samples`` and an ``idx`` keyword
        it is a finite sum and may be sampled.
    x0 : starting point, shape ``(d,)``, or ``(*batch, d)`` for many runs at once.
    optimizer : any :class:`optlib.optimizers.Optimizer`.
    steps : number of steps :math:`T \ge 0`.
    batch_size : ``None`` for the full batch; ``1`` for SGD; ``b`` for mini-batches.
    sampling : ``"shuffle"`` (each epoch a permutation) or ``"replacement"`` (i.i.d. indices).
    grad_noise : standard deviation :math:`\sigma \ge 0` of Gaussian noise added to each
        gradient — a model of stochastic gradients for plain functions.
    seed : seeds the mini-batches and the noise; the same seed gives the same run.
    max_loss : a run whose :math:`|f|` exceeds this has diverged.

    Returns
    -------
    Trajectory
    """
    _check_run(objective, steps, batch_size, sampling, grad_noise, max_loss)
    x = np.array(x0, dtype=float)
    batch_shape = x.shape[:-1]
    rng = np.random.default_rng(seed)
    n_samples = getattr(objective, "n_samples", None)
    batches = minibatches(n_samples, batch_size, sampling, rng) if batch_size else None

    params = np.full((steps + 1, *x.shape), np.nan)
    losses = np.full((steps + 1, *batch_shape), np.nan)
    grad_evals = np.zeros(steps + 1, dtype=np.int64)
    diverged_at = np.full(batch_shape, -1)
    running = np.ones(batch_shape, dtype=bool)
    params[0], losses[0] = x, objective.value(x)
    state = optimizer.init(x)
    last = steps

    # Overflow on the way to divergence is expected and is reported below, not as warnings.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for t in range(1, steps + 1):
            point = optimizer.lookahead_point(x, state)
            if batches is None:
                grads, examples = objective.grad(point), n_samples or 1
            else:
                idx = next(batches)
                grads, examples = objective.grad(point, idx=idx), len(idx)
            if grad_noise:
                grads = grads + grad_noise * rng.standard_normal(grads.shape)
            x, state = optimizer.step(x, grads, state)
            loss = objective.value(x)

            finite = np.isfinite(loss) & (np.abs(loss) <= max_loss) & np.isfinite(x).all(axis=-1)
            diverged_at[running & ~finite] = t
            running &= finite
            if not running.any():
                last = t - 1
                break
            params[t] = np.where(running[..., None], x, np.nan)
            losses[t] = np.where(running, loss, np.nan)
            grad_evals[t] = grad_evals[t - 1] + examples

    if batch_shape == ():
        diverged: Any = None if diverged_at < 0 else int(diverged_at)
    else:
        diverged = diverged_at
    return Trajectory(params[: last + 1], losses[: last + 1], grad_evals[: last + 1], diverged)


def _check_run(
    objective: Any,
    steps: int,
    batch_size: int | None,
    sampling: str,
    grad_noise: float,
    max_loss: float,
) -> None:
    if not (isinstance(steps, (int, np.integer)) and steps >= 0):
        raise ValueError(f"Invalid steps value: {steps}")
    if sampling not in ("shuffle", "replacement"):
        raise ValueError(f"Invalid sampling value: {sampling!r} (use 'shuffle' or 'replacement')")
    if not grad_noise >= 0:
        raise ValueError(f"Invalid grad_noise value: {grad_noise}")
    if not max_loss > 0:
        raise ValueError(f"Invalid max_loss value: {max_loss}")
    if batch_size is None:
        return
    n_samples = getattr(objective, "n_samples", None)
    if n_samples is None:
        raise ValueError(
            "batch_size needs a finite-sum objective (one with n_samples), "
            f"not {type(objective).__name__}"
        )
    if not (isinstance(batch_size, (int, np.integer)) and 1 <= batch_size <= n_samples):
        raise ValueError(f"Invalid batch_size value: {batch_size} (1 to {n_samples})")
