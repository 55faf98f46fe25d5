r"""Learning-rate schedules: callables :math:`k \mapsto \eta_k` of the steps already taken.

A schedule passed as ``lr`` to an optimizer is evaluated at :math:`k = t - 1` on step
:math:`t`, so ``schedule(0)`` is the rate of the first step, exactly as a PyTorch
``lr_scheduler`` stepped after each optimizer step. Each schedule is a small frozen dataclass:
its ``repr`` shows its settings and ``dataclasses.replace`` changes one. ``k`` may be an array
(``schedule(np.arange(100))`` gives the whole curve for a plot), and so may ``lr`` (a batch of
base rates for a sweep: the result then has ``lr``'s shape, or ``k``'s and ``lr``'s broadcast).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from optlib.validation import Hyper, check, check_whole, nonnegative

__all__ = [
    "constant",
    "cosine",
    "exponential",
    "inverse_time",
    "linear_warmup",
    "step",
    "untuned_warmup",
    "warmup_cosine",
]


def _check_steps(name: str, value: int) -> None:
    check_whole(f"Invalid {name} value: {{value}} (a positive whole number of steps)", value, 1)


@dataclasses.dataclass(frozen=True, eq=False)
class constant:  # noqa: N801 - schedules are named like the functions they are
    r""":math:`\eta_k = \eta`."""

    lr: Hyper

    def __post_init__(self) -> None:
        check("Invalid learning rate: {value}", self.lr, nonnegative)

    def __call__(self, k: int | np.ndarray) -> Hyper:
        return self.lr * np.ones_like(k, dtype=float) if np.ndim(k) else self.lr


@dataclasses.dataclass(frozen=True, eq=False)
class step:  # noqa: N801
    r"""Step decay, as ``torch.optim.lr_scheduler.StepLR``:
    :math:`\eta_k = \eta\,\gamma^{\lfloor k / s \rfloor}` (multiply by :math:`\gamma` every
    ``step_size`` = :math:`s` steps)."""

    lr: Hyper
    step_size: int
    gamma: float = 0.1

    def __post_init__(self) -> None:
        check("Invalid learning rate: {value}", self.lr, nonnegative)
        _check_steps("step_size", self.step_size)
        check("Invalid gamma value: {value}", self.gamma, nonnegative)

    def __call__(self, k: int | np.ndarray) -> Hyper:
        return self.lr * self.gamma ** (np.asarray(k) // self.step_size)


@dataclasses.dataclass(frozen=True, eq=False)
class exponential:  # noqa: N801
    r"""Exponential decay, as ``ExponentialLR``: :math:`\eta_k = \eta\,\gamma^{k}`."""

    lr: Hyper
    gamma: float

    def __post_init__(self) -> None:
        check("Invalid learning rate: {value}", self.lr, nonnegative)
        check("Invalid gamma value: {value}", self.gamma, nonnegative)

    def __call__(self, k: int | np.ndarray) -> Hyper:
        return self.lr * self.gamma ** np.asarray(k, dtype=float)


@dataclasses.dataclass(frozen=True, eq=False)
class inverse_time:  # noqa: N801
    r"""Inverse-time decay: :math:`\eta_k = \eta / (1 + \delta k)`, AdaGrad's ``lr_decay``
    and the classic Robbins–Monro rate (:math:`\sum\eta_k = \infty`,
    :math:`\sum\eta_k^2 < \infty`)."""

    lr: Hyper
    decay: float

    def __post_init__(self) -> None:
        check("Invalid learning rate: {value}", self.lr, nonnegative)
        check("Invalid decay value: {value}", self.decay, nonnegative)

    def __call__(self, k: int | np.ndarray) -> Hyper:
        return self.lr / (1 + self.decay * np.asarray(k, dtype=float))


@dataclasses.dataclass(frozen=True, eq=False)
class cosine:  # noqa: N801
    r"""Cosine annealing, as ``CosineAnnealingLR``:

    .. math::
        \eta_k = \eta_{\min} + \tfrac12(\eta - \eta_{\min})\big(1 + \cos(\pi k / T)\big).

    Past :math:`k = T` the rate stays at :math:`\eta_{\min}` (as optax; PyTorch's scheduler
    follows the cosine back *up*, a restart few readers expect). Within :math:`0 \le k \le T`
    the two agree exactly.
    """

    lr: Hyper
    T_max: int
    eta_min: float = 0.0

    def __post_init__(self) -> None:
        check("Invalid learning rate: {value}", self.lr, nonnegative)
        _check_steps("T_max", self.T_max)
        check("Invalid eta_min value: {value}", self.eta_min, nonnegative)

    def __call__(self, k: int | np.ndarray) -> Hyper:
        progress = np.minimum(np.asarray(k, dtype=float), self.T_max) / self.T_max
        return self.eta_min + 0.5 * (self.lr - self.eta_min) * (1 + np.cos(math.pi * progress))


@dataclasses.dataclass(frozen=True, eq=False)
class linear_warmup:  # noqa: N801
    r"""Linear warmup, as ``LinearLR``: the factor goes linearly from ``start_factor`` to
    ``end_factor`` over ``total_iters`` steps, then stays:

    .. math::
        \eta_k = \eta\,\Big(s + (e - s)\,\frac{\min(k, T)}{T}\Big).
    """

    lr: Hyper
    total_iters: int = 5
    start_factor: float = 1.0 / 3.0
    end_factor: float = 1.0

    def __post_init__(self) -> None:
        check("Invalid learning rate: {value}", self.lr, nonnegative)
        _check_steps("total_iters", self.total_iters)
        check("Invalid start_factor value: {value}", self.start_factor, nonnegative)
        check("Invalid end_factor value: {value}", self.end_factor, nonnegative)

    def __call__(self, k: int | np.ndarray) -> Hyper:
        progress = np.minimum(np.asarray(k, dtype=float), self.total_iters) / self.total_iters
        return self.lr * (self.start_factor + (self.end_factor - self.start_factor) * progress)


@dataclasses.dataclass(frozen=True, eq=False)
class warmup_cosine:  # noqa: N801
    r"""Linear warmup from :math:`\eta_0` to the peak :math:`\eta` over :math:`W` steps, then
    cosine decay to :math:`\eta_{\text{end}}` over the remaining :math:`T - W` steps, then flat
    (optax's ``warmup_cosine_decay_schedule``):

    .. math::
        \eta_k = \begin{cases}
            \eta_0 + (\eta - \eta_0)\, k / W & k < W \\
            \eta_{\text{end}} + \tfrac12(\eta - \eta_{\text{end}})
            \big(1 + \cos(\pi \min(k - W, T - W) / (T - W))\big) & k \ge W
        \end{cases}
    """

    lr: Hyper
    warmup_steps: int
    total_steps: int
    init_lr: float = 0.0
    end_lr: float = 0.0

    def __post_init__(self) -> None:
        check("Invalid learning rate: {value}", self.lr, nonnegative)
        _check_steps("warmup_steps", self.warmup_steps)
        _check_steps("total_steps", self.total_steps)
        if self.total_steps <= self.warmup_steps:
            raise ValueError(
                f"Invalid total_steps value: {self.total_steps} "
                f"(must exceed warmup_steps = {self.warmup_steps})"
            )
        check("Invalid init_lr value: {value}", self.init_lr, nonnegative)
        check("Invalid end_lr value: {value}", self.end_lr, nonnegative)

    def __call__(self, k: int | np.ndarray) -> Hyper:
        k = np.asarray(k, dtype=float)
        warm = self.init_lr + (self.lr - self.init_lr) * k / self.warmup_steps
        decay = cosine(self.lr, self.total_steps - self.warmup_steps, self.end_lr)
        return np.where(k < self.warmup_steps, warm, decay(np.maximum(k - self.warmup_steps, 0)))


@dataclasses.dataclass(frozen=True, eq=False)
class untuned_warmup:  # noqa: N801
    r"""Ma & Yarats' (2021) untuned linear warmup for Adam: over :math:`2/(1 - \beta_2)` steps,

    .. math::
        \eta_k = \eta\,\min\big(1,\ (k + 1)(1 - \beta_2)/2\big),

    which is :math:`\omega_t = \min(1, t(1 - \beta_2)/2)` at step :math:`t = k + 1`
    (2,000 steps for :math:`\beta_2 = 0.999`). Their finding: Adam with this warmup behaves
    much like RAdam.
    """

    lr: Hyper
    beta2: float = 0.999

    def __post_init__(self) -> None:
        check("Invalid learning rate: {value}", self.lr, nonnegative)
        message = "Invalid beta parameter at index 1: {value}"
        check(message, self.beta2, lambda b: (b >= 0.0) & (b < 1.0))

    def __call__(self, k: int | np.ndarray) -> Hyper:
        t = np.asarray(k, dtype=float) + 1
        return self.lr * np.minimum(1.0, t * (1 - self.beta2) / 2)
