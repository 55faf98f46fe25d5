r"""Learning-rate schedules: callables :math:`k \mapsto \eta_k` of the steps already taken.

A schedule passed as ``lr`` to an optimizer is evaluated at :math:`k = t - 1` on step
:math:`t`, so ``schedule(0)`` is the rate of the first step, exactly as a PyTorch
``lr_scheduler`` stepped after each optimizer step. Each schedule is a small frozen dataclass:
its ``repr`` shows its settings and ``dataclasses.replace`` changes one. ``k`` may be an array
(``schedule(np.arange(100))`` gives the whole curve for a plot), and so may ``lr`` (a batch of
base rates for a sweep: the result then has ``lr``'s shape, or ``k``'s and ``lr``'s broadcast).

Every setting is checked when the schedule is made, with PyTorch's message where its scheduler
has one: ``lr`` is a finite number :math:`\ge 0` or an array of them, each other setting one
number (a ``bool`` or a string is not one), each count of steps a whole number :math:`\ge 1`.
``k`` is checked at every call: an ``int`` :math:`\ge 0` or an array of them, as PyTorch's
``last_epoch``; a float is refused even when whole, since ``2.9999999999999996`` from float
arithmetic would silently fall on the wrong side of a step.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from optlib.validation import (
    Hyper,
    check,
    check_number,
    check_whole,
    finite_nonnegative,
    nonnegative,
)

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

# After PyTorch's "Expected non-negative epoch, but got …" (CosineAnnealingWarmRestarts.step)
STEP_MESSAGE = "Expected a non-negative integer step k, but got {value!r}"


def _check_lr(schedule: object) -> None:
    """A finite base rate ``lr >= 0``, or an array of them (a list becomes an array)."""
    check(
        "Invalid learning rate: {value!r}", schedule.lr, finite_nonnegative
    )
    if np.ndim(schedule.lr):
        object.__setattr__(
            schedule, "lr", np.asarray(schedule.lr, dtype=float)
        )


def _check_steps(name: str, value: int) -> None:
    check_whole(
        f"Invalid {name} value: {{value!r}} (a positive whole number of steps)",
        value,
        1,
    )


def _check_setting(name: str, value: float) -> None:
    """One finite number ``>= 0`` (only ``lr`` may be an array)."""
    message = f"Invalid {name} value: {{value!r}} (one finite number >= 0)"
    check_number(message, value, finite_nonnegative)


def _steps_taken(k: int | np.ndarray) -> np.ndarray:
    """``k`` as floats, once it is checked to count steps: an ``int`` >= 0 or an integer array."""
    if isinstance(k, (list, tuple, np.ndarray)):
        check(
            STEP_MESSAGE, k, nonnegative
        )  # no strings, bools or None; NaN fails >= 0
        k = np.asarray(k)
        if k.size and k.dtype.kind not in "iu":
            raise ValueError(STEP_MESSAGE.format(value=k.flat[0].item()))
    else:
        check_whole(STEP_MESSAGE, k, 0)
    return np.asarray(k, dtype=float)


def _times_power(lr: Hyper, gamma: float, exponent: np.ndarray) -> Hyper:
    r""":math:`\eta\,\gamma^{n}`. With :math:`\gamma > 1` it overflows to inf after enough
    steps, as PyTorch's repeated products do, and stays 0 when :math:`\eta = 0` (not
    :math:`0\cdot\infty`)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(np.equal(lr, 0.0), 0.0, lr * gamma**exponent)[()]


@dataclasses.dataclass(frozen=True, eq=False)
class constant:  # noqa: N801 - schedules are named like the functions they are
    r""":math:`\eta_k = \eta`."""

    lr: Hyper

    def __post_init__(self) -> None:
        _check_lr(self)

    def __call__(self, k: int | np.ndarray) -> Hyper:
        k = _steps_taken(k)
        return self.lr * np.ones_like(k) if np.ndim(k) else self.lr


@dataclasses.dataclass(frozen=True, eq=False)
class step:  # noqa: N801
    r"""Step decay, as ``torch.optim.lr_scheduler.StepLR``:
    :math:`\eta_k = \eta\,\gamma^{\lfloor k / s \rfloor}` (multiply by :math:`\gamma` every
    ``step_size`` = :math:`s` steps).

    ``step_size`` is a whole number :math:`\ge 1` and ``gamma`` a finite :math:`\gamma \ge 0`
    (PyTorch checks neither; :math:`\gamma > 1` grows the rate, as there).
    """

    lr: Hyper
    step_size: int
    gamma: float = 0.1

    def __post_init__(self) -> None:
        _check_lr(self)
        _check_steps("step_size", self.step_size)
        _check_setting("gamma", self.gamma)

    def __call__(self, k: int | np.ndarray) -> Hyper:
        return _times_power(
            self.lr, self.gamma, _steps_taken(k) // self.step_size
        )


@dataclasses.dataclass(frozen=True, eq=False)
class exponential:  # noqa: N801
    r"""Exponential decay, as ``ExponentialLR``: :math:`\eta_k = \eta\,\gamma^{k}`.

    ``gamma`` is a finite :math:`\gamma \ge 0` (PyTorch does not check it).
    """

    lr: Hyper
    gamma: float

    def __post_init__(self) -> None:
        _check_lr(self)
        _check_setting("gamma", self.gamma)

    def __call__(self, k: int | np.ndarray) -> Hyper:
        return _times_power(self.lr, self.gamma, _steps_taken(k))


@dataclasses.dataclass(frozen=True, eq=False)
class inverse_time:  # noqa: N801
    r"""Inverse-time decay: :math:`\eta_k = \eta / (1 + \delta k)`, AdaGrad's ``lr_decay``
    and the classic Robbins–Monro rate (:math:`\sum\eta_k = \infty`,
    :math:`\sum\eta_k^2 < \infty`).

    PyTorch has no such scheduler (it is a ``LambdaLR``); ``decay`` is a finite
    :math:`\delta \ge 0`, as AdaGrad's ``lr_decay``.
    """

    lr: Hyper
    decay: float

    def __post_init__(self) -> None:
        _check_lr(self)
        _check_setting("decay", self.decay)

    def __call__(self, k: int | np.ndarray) -> Hyper:
        with np.errstate(
            over="ignore"
        ):  # δk past float64's range: the rate is 0
            return self.lr / (1 + self.decay * _steps_taken(k))


@dataclasses.dataclass(frozen=True, eq=False)
class cosine:  # noqa: N801
    r"""Cosine annealing, as ``CosineAnnealingLR``:

    .. math::
        \eta_k = \eta_{\min} + \tfrac12(\eta - \eta_{\min})\big(1 + \cos(\pi
        k / T)\big).

    Past :math:`k = T` the rate stays at :math:`\eta_{\min}` (as optax;
    PyTorch's scheduler follows the cosine back *up*, a restart few readers
    expect). Within :math:`0 \le k \le T` the two agree exactly. ``T_max`` is
    a whole number :math:`\ge 1`, ``eta_min`` a finite :math:`\eta_{\min} \ge
    0` (it may exceed :math:`\eta`, as in PyTorch: the rate then rises).
    """

    lr: Hyper
    T_max: int
    eta_min: float = 0.0

    def __post_init__(self) -> None:
        _check_lr(self)
        _check_steps("T_max", self.T_max)
        _check_setting("eta_min", self.eta_min)

    def __call__(self, k: int | np.ndarray) -> Hyper:
        progress = np.minimum(_steps_taken(k), self.T_max) / self.T_max
        return self.eta_min + 0.5 * (self.lr - self.eta_min) * (
            1 + np.cos(math.pi * progress)
        )


@dataclasses.dataclass(frozen=True, eq=False)
class linear_warmup:  # noqa: N801
    r"""Linear warmup, as ``LinearLR``: the factor goes linearly from ``start_factor`` to
    ``end_factor`` over ``total_iters`` steps, then stays:

    .. math::
        \eta_k = \eta\,\Big(s + (e - s)\,\frac{\min(k, T)}{T}\Big).

    As PyTorch: :math:`0 < s \le 1` and :math:`0 \le e \le 1`; ``total_iters`` is a whole
    number :math:`\ge 1`.
    """

    lr: Hyper
    total_iters: int = 5
    start_factor: float = 1.0 / 3.0
    end_factor: float = 1.0

    def __post_init__(self) -> None:
        _check_lr(self)
        _check_steps("total_iters", self.total_iters)
        check_number(
            "Starting multiplicative factor expected to be greater than 0 and less or equal "
            "to 1, got start_factor={value!r}",
            self.start_factor,
            lambda s: (s > 0.0) & (s <= 1.0),
        )
        check_number(
            "Ending multiplicative factor expected to be between 0 and 1, got end_factor={value!r}",
            self.end_factor,
            lambda e: (e >= 0.0) & (e <= 1.0),
        )

    def __call__(self, k: int | np.ndarray) -> Hyper:
        progress = (
            np.minimum(_steps_taken(k), self.total_iters) / self.total_iters
        )
        return self.lr * (
            self.start_factor
            + (self.end_factor - self.start_factor) * progress
        )


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

    PyTorch writes it as ``SequentialLR`` of ``LinearLR`` and ``CosineAnnealingLR``, whose
    start factor :math:`\eta_0/\eta` must be positive; here, as optax, :math:`\eta_0 = 0` is the
    default. Valid: whole numbers :math:`1 \le W < T` and finite
    :math:`\eta_0, \eta_{\text{end}} \ge 0`.
    """

    lr: Hyper
    warmup_steps: int
    total_steps: int
    init_lr: float = 0.0
    end_lr: float = 0.0

    def __post_init__(self) -> None:
        _check_lr(self)
        _check_steps("warmup_steps", self.warmup_steps)
        _check_steps("total_steps", self.total_steps)
        if self.total_steps <= self.warmup_steps:
            raise ValueError(
                f"Invalid total_steps value: {self.total_steps} "
                f"(must exceed warmup_steps = {self.warmup_steps})"
            )
        _check_setting("init_lr", self.init_lr)
        _check_setting("end_lr", self.end_lr)

    def __call__(self, k: int | np.ndarray) -> Hyper:
        k, warmup, decay = (
            _steps_taken(k),
            self.warmup_steps,
            self.total_steps - self.warmup_steps,
        )
        warm = self.init_lr + (self.lr - self.init_lr) * (
            np.minimum(k, warmup) / warmup
        )
        progress = np.clip(k - warmup, 0, decay) / decay
        cool = self.end_lr + 0.5 * (self.lr - self.end_lr) * (
            1 + np.cos(math.pi * progress)
        )
        return np.where(k < warmup, warm, cool)[()]


@dataclasses.dataclass(frozen=True, eq=False)
class untuned_warmup:  # noqa: N801
    r"""Ma & Yarats' (2021) untuned linear warmup for Adam: over :math:`2/(1 - \beta_2)` steps,

    .. math::
        \eta_k = \eta\,\min\big(1,\ (k + 1)(1 - \beta_2)/2\big),

    which is :math:`\omega_t = \min(1, t(1 - \beta_2)/2)` at step :math:`t = k + 1`
    (2,000 steps for :math:`\beta_2 = 0.999`). Their finding: Adam with this warmup behaves
    much like RAdam. ``beta2`` is one number in :math:`[0, 1)`, as Adam's (PyTorch's message).
    """

    lr: Hyper
    beta2: float = 0.999

    def __post_init__(self) -> None:
        _check_lr(self)
        message = "Invalid beta parameter at index 1: {value!r}"
        check_number(message, self.beta2, lambda b: (b >= 0.0) & (b < 1.0))

    def __call__(self, k: int | np.ndarray) -> Hyper:
        t = _steps_taken(k) + 1
        return self.lr * np.minimum(1.0, t * (1 - self.beta2) / 2)
