r"""Optimizers: one small class per update rule, each body the book's equations line for line.

Every optimizer is a frozen dataclass of hyperparameters with two pure methods::

    opt = optlib.adam(lr=1e-3)
    state = opt.init(params)                        # a NamedTuple: t and the rule's buffers
    params, state = opt.step(params, grads, state)  # new arrays; the inputs are not mutated

Conventions, shared by every rule (``../shared/CONVENTIONS.md``, matched to ``torch.optim``):

- :math:`t = 1, 2, \dots` counts steps and is incremented *before* the update, as in the papers.
- ``lr`` is a number, an array, or a schedule: a callable of :math:`k = t - 1`, the number of
  steps already taken (exactly what a PyTorch scheduler stepped after each optimizer step gives).
- Weight decay :math:`\lambda` is "L2" (:math:`g \leftarrow g + \lambda\theta` before anything
  else) unless the rule says "decoupled" (:math:`\theta \leftarrow \theta(1 - \eta\lambda)` first).
- Any hyperparameter may be an array whose axes line up with the *leading* axes of ``params``:
  ``lr=np.geomspace(1e-4, 1, 1000)`` with ``params`` of shape ``(1000, d)`` runs a sweep of
  1,000 learning rates as one array program. See :func:`batched`.
- Invalid hyperparameters raise :class:`ValueError` with PyTorch's message, before any step.

``step`` returns the new parameters rather than an "update" to add, which spares the reader a
sign trap. The optimizers that read the gradient somewhere other than at ``params`` (the
lecture's Nesterov form) say where through :meth:`Optimizer.lookahead_point`.

For large models, :meth:`Optimizer.step_` runs the same ``step`` in place, block by block, as
``torch.optim`` updates its tensors: the same numbers, bit for bit, with no parameter-sized
allocation.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "LR",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Hyper",
    "Momentum",
    "NAdam",
    "NesterovLookahead",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "adadelta",
    "adagrad",
    "adam",
    "adamax",
    "adamw",
    "batched",
    "bias_corrected",
    "max_sma_length",
    "momentum",
    "nadam",
    "nag",
    "radam",
    "rectification",
    "rmsprop",
    "sgd",
    "sma_length",
]

#: A hyperparameter: a number, or an array broadcast against the leading axes of ``params``.
Hyper = float | np.ndarray
#: A learning rate: a :data:`Hyper`, or a schedule ``k -> eta`` of the steps already taken.
LR = float | np.ndarray | Callable[[int], Any]
#: Entries per block of :meth:`Optimizer.step_`: 64 K float64 = 512 KiB, so a rule's few
#: block-sized temporaries stay in the CPU's L2/L3 cache (measured best of 4 K–256 K here).
BLOCK = 2**16


# --- Hyperparameter plumbing -------------------------------------------------------------------


def batched(value: Hyper, params: np.ndarray) -> Hyper:
    """Line a hyperparameter up with the leading (batch) axes of ``params``.

    A scalar is returned as it is. An array of shape ``(B,)`` (or ``(B1, B2)``, …) gets trailing
    unit axes so that it broadcasts against ``params`` of shape ``(B, d)`` (``(B1, B2, d)``, …):
    setting ``i`` applies to ``params[i]``.
    """
    if np.ndim(value) == 0:
        return value
    value = np.asarray(value, dtype=float)
    leading = np.shape(params)[: value.ndim]
    if value.ndim > np.ndim(params) or any(
        a not in (1, b) for a, b in zip(value.shape, leading, strict=True)
    ):
        raise ValueError(
            f"A hyperparameter of shape {value.shape} does not line up with the leading axes of "
            f"params of shape {np.shape(params)}"
        )
    return value.reshape(value.shape + (1,) * (np.ndim(params) - value.ndim))


def _check(message: str, value: Any, valid: Callable[[np.ndarray], np.ndarray]) -> None:
    """Raise ``ValueError(f"{message}: {value}")`` unless every entry of ``value`` is valid.

    NaN fails every comparison, so it is rejected too. For an array the message names the
    first offending entry.
    """
    values = np.atleast_1d(np.asarray(value, dtype=float))
    bad = values[~valid(values)]
    if bad.size:
        shown = value if np.ndim(value) == 0 else float(bad[0])
        raise ValueError(f"{message}: {shown}")


def _nonnegative(values: np.ndarray) -> np.ndarray:
    return values >= 0.0


def _check_lr(lr: LR) -> None:
    # A schedule is checked on the values it produces, step by step (see Optimizer.rate).
    if not callable(lr):
        _check("Invalid learning rate", lr, _nonnegative)


def _check_betas(betas: tuple[Hyper, Hyper]) -> None:
    if len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    for index, beta in enumerate(betas):
        _check(f"Invalid beta parameter at index {index}", beta, lambda b: (b >= 0.0) & (b < 1.0))


@dataclasses.dataclass(frozen=True, eq=False)
class Optimizer:
    """What every rule shares: the learning rate at step t, and where to read the gradient."""

    lr: LR = 1e-3

    def rate(self, t: int, params: np.ndarray) -> Hyper:
        r"""The learning rate :math:`\eta_t` of step ``t``, lined up with ``params``.

        A schedule is evaluated at :math:`k = t - 1` (steps already taken), as PyTorch's
        schedulers are when stepped after each optimizer step.
        """
        if callable(self.lr):
            eta = self.lr(t - 1)
            _check("Invalid learning rate", eta, _nonnegative)
        else:
            eta = self.lr
        return batched(eta, params)

    def lookahead_point(self, params: np.ndarray, state: Any) -> np.ndarray:
        """Where the next gradient must be evaluated: at ``params`` itself for every rule but
        the lecture's Nesterov form, which reads it at the look-ahead point."""
        return params

    def init(self, params: np.ndarray) -> Any:
        """The state before the first step: ``t = 0`` and zeroed buffers shaped like ``params``."""
        raise NotImplementedError  # every rule overrides

    def step(self, params: np.ndarray, grads: np.ndarray, state: Any) -> tuple[np.ndarray, Any]:
        """One step of the rule in the class docstring: ``(new params, new state)``.

        ``grads`` is the gradient at :meth:`lookahead_point` (at ``params`` for most rules).
        Neither ``params``, ``grads`` nor ``state`` is modified.
        """
        raise NotImplementedError  # every rule overrides

    def step_(self, params: np.ndarray, grads: np.ndarray, state: Any) -> tuple[np.ndarray, Any]:
        """:meth:`step` in place: overwrite ``params`` and the state's buffers, as ``torch.optim``
        updates its tensors, and return them (with the new ``t``).

        The rule is not written twice: ``step`` itself runs on blocks of :data:`BLOCK` entries,
        so its temporaries are block-sized and stay in cache instead of each streaming the whole
        model through memory. Every rule is elementwise, so the numbers are those of ``step``,
        bit for bit. With array hyperparameters (a sweep) the arrays are stepped whole, still in
        place. ``params`` and the state must not be used by anyone expecting their old values.
        """
        _keep_freed_memory()
        if not (isinstance(params, np.ndarray) and params.dtype == np.float64):
            raise ValueError(
                "step_ updates params in place: it needs a float64 NumPy array, "
                f"got {type(params).__name__} of dtype {getattr(params, 'dtype', None)}"
            )
        grads = np.asarray(grads, dtype=float)
        if grads.shape != params.shape:
            raise ValueError(f"grads of shape {grads.shape} do not match params {params.shape}")
        # The state's parameter-sized arrays are its buffers; t and scalars are recomputed.
        buffers = [
            name
            for name, value in zip(state._fields, state, strict=True)
            if isinstance(value, np.ndarray) and value.shape == params.shape
        ]
        if self._hyperparameters_are_numbers(state.t + 1) and params.flags.c_contiguous:
            views = [params.reshape(-1), grads.reshape(-1)]
            views += [getattr(state, name).reshape(-1) for name in buffers]
            blocks = [slice(start, start + BLOCK) for start in range(0, params.size, BLOCK)]
        else:
            views = [params, grads] + [getattr(state, name) for name in buffers]
            blocks = [slice(None)]
        for block in blocks or [slice(None)]:
            params_block, grads_block, *buffer_blocks = (view[block] for view in views)
            block_state = state._replace(**dict(zip(buffers, buffer_blocks, strict=True)))
            params_block[...], new = self.step(params_block, grads_block, block_state)
            for name, target in zip(buffers, buffer_blocks, strict=True):
                target[...] = getattr(new, name)
        return params, new._replace(**{name: getattr(state, name) for name in buffers})

    def _hyperparameters_are_numbers(self, t: int) -> bool:
        """Whether every hyperparameter (a schedule: its value at step ``t``) is one number."""
        values = [getattr(self, field.name) for field in dataclasses.fields(self)]
        values = [v for value in values for v in (value if isinstance(value, tuple) else [value])]
        return all(np.ndim(v(t - 1) if callable(v) else v) == 0 for v in values)


@functools.cache
def _keep_freed_memory() -> None:
    """Allocate and free one 8 MiB array, once per process.

    Until a process has freed a large block, glibc's allocator hands memory freed at the top of
    its heap back to the operating system as soon as 128 KiB of it is free, so the block-sized
    temporaries of :meth:`Optimizer.step_` would come back as fresh pages at every block
    (measured in a fresh process at 10⁶ parameters: 3,360 page faults and 7 ms per SGD step,
    against none and 1.5 ms after this). Freeing one large block raises glibc's thresholds
    (its documented dynamic mmap threshold), as any NumPy program with large temporaries soon
    does by itself. Elsewhere this is a harmless allocation.
    """
    np.empty(2**20)


def _zeros(params: np.ndarray) -> np.ndarray:
    return np.zeros(np.shape(params), dtype=float)


# --- SGD and momentum --------------------------------------------------------------------------


class SGDState(NamedTuple):
    t: int
    b: np.ndarray  # momentum buffer


@dataclasses.dataclass(frozen=True, eq=False)
class SGD(Optimizer):
    r"""Stochastic gradient descent with optional momentum, as ``torch.optim.SGD``.

    .. math::
        g &\leftarrow g + \lambda\theta \\
        b_t &= \begin{cases} g_t & t = 1 \\ \mu b_{t-1} + (1 - \tau) g_t & t > 1 \end{cases} \\
        d_t &= \begin{cases} g_t + \mu b_t & \text{nesterov} \\
               b_t & \text{otherwise} \end{cases} \\
        \theta_t &= \theta_{t-1} - \eta_t d_t

    With :math:`\mu = 0` there is no buffer and :math:`d_t = g_t` (plain SGD, eq. ``gd-update``).
    For a constant :math:`\eta`, ``momentum=μ`` is the lecture's heavy ball (:class:`Momentum`)
    with :math:`v = -\eta b`, and ``nesterov=True`` is the lecture's look-ahead form
    (:class:`NesterovLookahead`) with PyTorch's iterate at the look-ahead point.

    Parameters
    ----------
    lr : learning rate :math:`\eta` (default 1e-3), or a schedule.
    momentum : :math:`\mu \ge 0` (default 0).
    dampening : :math:`\tau` (default 0).
    weight_decay : L2 coefficient :math:`\lambda \ge 0` (default 0).
    nesterov : use Nesterov momentum (needs :math:`\mu > 0` and :math:`\tau = 0`).

    References
    ----------
    Robbins & Monro (1951); Polyak (1964); Sutskever, Martens, Dahl & Hinton (2013).
    """

    lr: LR = 1e-3
    momentum: Hyper = 0.0
    dampening: Hyper = 0.0
    weight_decay: Hyper = 0.0
    nesterov: bool = False

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        _check("Invalid momentum value", self.momentum, _nonnegative)
        _check("Invalid weight_decay value", self.weight_decay, _nonnegative)
        if self.nesterov and (np.any(np.asarray(self.momentum) <= 0) or np.any(self.dampening)):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def init(self, params: np.ndarray) -> SGDState:
        # Plain SGD (μ = 0) keeps no buffer, as PyTorch.
        return SGDState(t=0, b=_zeros(params) if np.any(self.momentum) else None)

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: SGDState
    ) -> tuple[np.ndarray, SGDState]:
        t = state.t + 1
        eta = self.rate(t, params)
        mu, tau = batched(self.momentum, params), batched(self.dampening, params)
        lam = batched(self.weight_decay, params)
        g = grads + lam * params if np.any(lam) else grads  # L2 penalty (λ = 0: skipped)
        if state.b is None:  # μ = 0: plain SGD
            return params - eta * g, state._replace(t=t)
        new = (1 - tau) * g if np.any(tau) else g  # dampening τ = 0: the gradient enters whole
        b = np.copy(g) if t == 1 else mu * state.b + new  # the buffer starts at g, as PyTorch
        d = g + mu * b if self.nesterov else b
        if np.ndim(mu):  # a sweep over μ: its runs with μ = 0 are plain SGD (no buffer)
            d = np.where(mu == 0, g, d)
        return params - eta * d, SGDState(t, b)


class VelocityState(NamedTuple):
    t: int
    v: np.ndarray  # velocity


@dataclasses.dataclass(frozen=True, eq=False)
class Momentum(Optimizer):
    r"""The lecture's heavy-ball momentum (Polyak 1964), in velocity form.

    .. math::
        v_{t} &= \gamma v_{t-1} - \eta_t g_t \\
        \theta_{t} &= \theta_{t-1} + v_{t}

    For a constant :math:`\eta` this is ``sgd(momentum=γ)`` with :math:`v = -\eta b`; the two
    differ once :math:`\eta` follows a schedule (here :math:`\eta_t` scales only the new
    gradient, in PyTorch the whole buffer). With :math:`\gamma = 0` it is plain gradient descent.

    Parameters
    ----------
    lr : learning rate :math:`\eta` (default 1e-3), or a schedule.
    gamma : momentum coefficient :math:`\gamma \ge 0` (default 0.9).
    """

    lr: LR = 1e-3
    gamma: Hyper = 0.9

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        _check("Invalid gamma value", self.gamma, _nonnegative)

    def init(self, params: np.ndarray) -> VelocityState:
        return VelocityState(t=0, v=_zeros(params))

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: VelocityState
    ) -> tuple[np.ndarray, VelocityState]:
        t = state.t + 1
        v = batched(self.gamma, params) * state.v - self.rate(t, params) * grads
        return params + v, VelocityState(t, v)


@dataclasses.dataclass(frozen=True, eq=False)
class NesterovLookahead(Momentum):
    r"""The lecture's Nesterov accelerated gradient (Sutskever et al. 2013), look-ahead form.

    .. math::
        \tilde\theta_{t-1} &= \theta_{t-1} + \gamma v_{t-1} \\
        v_{t} &= \gamma v_{t-1} - \eta_t \nabla f(\tilde\theta_{t-1}) \\
        \theta_{t} &= \theta_{t-1} + v_{t}

    The gradient passed to :meth:`step` must be read at :meth:`lookahead_point`
    (:math:`\tilde\theta`), not at ``params``; :func:`optlib.minimize` does this. For a constant
    :math:`\eta`, ``sgd(momentum=γ, nesterov=True)`` produces exactly the look-ahead points
    :math:`\tilde\theta_t` (the Bengio et al. 2013 change of variables).

    Parameters
    ----------
    lr : learning rate :math:`\eta` (default 1e-3), or a schedule.
    gamma : momentum coefficient :math:`\gamma \ge 0` (default 0.9).
    """

    def lookahead_point(self, params: np.ndarray, state: VelocityState) -> np.ndarray:
        return params + batched(self.gamma, params) * state.v

    # step is Momentum.step: the same two lines, fed the gradient at the look-ahead point.


# --- Adaptive step sizes -----------------------------------------------------------------------


class AdagradState(NamedTuple):
    t: int
    G: np.ndarray  # running sum of squared gradients


@dataclasses.dataclass(frozen=True, eq=False)
class Adagrad(Optimizer):
    r"""AdaGrad (Duchi, Hazan & Singer 2011), as ``torch.optim.Adagrad``.

    .. math::
        g &\leftarrow g + \lambda\theta \\
        \eta_t' &= \eta_t / (1 + (t - 1)\,\delta) \\
        G_t &= G_{t-1} + g_t^2 \\
        \theta_t &= \theta_{t-1} - \eta_t' \, g_t / (\sqrt{G_t} + \epsilon)

    :math:`G_0` is ``initial_accumulator_value``; :math:`\epsilon` sits outside the root, as in
    PyTorch.

    Parameters
    ----------
    lr : :math:`\eta` (default 1e-2), or a schedule.
    lr_decay : :math:`\delta \ge 0` (default 0).
    weight_decay : L2 coefficient :math:`\lambda` (default 0).
    initial_accumulator_value : :math:`G_0 \ge 0` (default 0).
    eps : :math:`\epsilon \ge 0` (default 1e-10).
    """

    lr: LR = 1e-2
    lr_decay: Hyper = 0.0
    weight_decay: Hyper = 0.0
    initial_accumulator_value: Hyper = 0.0
    eps: Hyper = 1e-10

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        _check("Invalid lr_decay value", self.lr_decay, _nonnegative)
        _check("Invalid weight_decay value", self.weight_decay, _nonnegative)
        _check(
            "Invalid initial_accumulator_value value",
            self.initial_accumulator_value,
            _nonnegative,
        )
        _check("Invalid epsilon value", self.eps, _nonnegative)

    def init(self, params: np.ndarray) -> AdagradState:
        return AdagradState(t=0, G=_zeros(params) + batched(self.initial_accumulator_value, params))

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: AdagradState
    ) -> tuple[np.ndarray, AdagradState]:
        t = state.t + 1
        eta = self.rate(t, params) / (1 + (t - 1) * batched(self.lr_decay, params))
        lam = batched(self.weight_decay, params)
        g = grads + lam * params if np.any(lam) else grads  # L2 penalty (λ = 0: skipped)
        G = state.G + g**2
        return params - eta * g / (np.sqrt(G) + batched(self.eps, params)), AdagradState(t, G)


class RMSpropState(NamedTuple):
    t: int
    v: np.ndarray  # moving average of g²
    g_bar: np.ndarray | None  # moving average of g (centered only)
    b: np.ndarray | None  # momentum buffer (momentum > 0 only)


@dataclasses.dataclass(frozen=True, eq=False)
class RMSprop(Optimizer):
    r"""RMSProp (Hinton, Srivastava & Swersky 2012, lecture 6e), as ``torch.optim.RMSprop``.

    .. math::
        g &\leftarrow g + \lambda\theta \\
        v_t &= \alpha v_{t-1} + (1 - \alpha) g_t^2 \\
        a_t &= \begin{cases} \sqrt{v_t - \bar g_t^2} + \epsilon,
              \quad \bar g_t = \alpha \bar g_{t-1} + (1 - \alpha) g_t & \text{centered} \\
              \sqrt{v_t} + \epsilon & \text{otherwise} \end{cases} \\
        \theta_t &= \begin{cases} \theta_{t-1} - \eta_t b_t, \quad b_t = \mu b_{t-1} + g_t / a_t
              & \mu > 0 \\ \theta_{t-1} - \eta_t g_t / a_t & \text{otherwise} \end{cases}

    The book's :math:`\beta` for the moving average is PyTorch's ``alpha``.

    Parameters
    ----------
    lr : :math:`\eta` (default 1e-2), or a schedule.
    alpha : smoothing constant :math:`\alpha \ge 0` (default 0.99).
    eps : :math:`\epsilon \ge 0` (default 1e-8), outside the root.
    weight_decay : L2 coefficient :math:`\lambda` (default 0).
    momentum : :math:`\mu \ge 0` (default 0).
    centered : divide by the root of the *variance* estimate :math:`v - \bar g^2` instead.
    """

    lr: LR = 1e-2
    alpha: Hyper = 0.99
    eps: Hyper = 1e-8
    weight_decay: Hyper = 0.0
    momentum: Hyper = 0.0
    centered: bool = False

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        _check("Invalid epsilon value", self.eps, _nonnegative)
        _check("Invalid momentum value", self.momentum, _nonnegative)
        _check("Invalid weight_decay value", self.weight_decay, _nonnegative)
        _check("Invalid alpha value", self.alpha, _nonnegative)

    def init(self, params: np.ndarray) -> RMSpropState:
        g_bar = _zeros(params) if self.centered else None  # buffers only for the options used
        b = _zeros(params) if np.any(self.momentum) else None
        return RMSpropState(t=0, v=_zeros(params), g_bar=g_bar, b=b)

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: RMSpropState
    ) -> tuple[np.ndarray, RMSpropState]:
        t = state.t + 1
        eta, alpha = self.rate(t, params), batched(self.alpha, params)
        mu, eps = batched(self.momentum, params), batched(self.eps, params)
        lam = batched(self.weight_decay, params)
        g = grads + lam * params if np.any(lam) else grads  # L2 penalty (λ = 0: skipped)
        v = alpha * state.v + (1 - alpha) * g**2
        g_bar = alpha * state.g_bar + (1 - alpha) * g if self.centered else state.g_bar
        # Round-off can leave the variance estimate v − ḡ² a hair below 0 for a constant
        # gradient; clamp it (PyTorch returns NaN there, and agrees everywhere else).
        a = np.sqrt(np.maximum(v - g_bar**2, 0.0)) + eps if self.centered else np.sqrt(v) + eps
        if state.b is None:  # μ = 0
            return params - eta * (g / a), RMSpropState(t, v, g_bar, None)
        b = mu * state.b + g / a
        return params - eta * b, RMSpropState(t, v, g_bar, b)


class AdadeltaState(NamedTuple):
    t: int
    v: np.ndarray  # moving average of g²
    u: np.ndarray  # moving average of Δ²


@dataclasses.dataclass(frozen=True, eq=False)
class Adadelta(Optimizer):
    r"""AdaDelta (Zeiler 2012, Algorithm 1), as ``torch.optim.Adadelta``.

    .. math::
        g &\leftarrow g + \lambda\theta \\
        v_t &= \rho v_{t-1} + (1 - \rho) g_t^2 \\
        \Delta_t &= \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t \\
        u_t &= \rho u_{t-1} + (1 - \rho) \Delta_t^2 \\
        \theta_t &= \theta_{t-1} - \eta_t \Delta_t

    The numerator uses :math:`u` from the *previous* step. Zeiler's rule has no learning rate;
    PyTorch keeps ``lr`` as a plain multiplier with default 1.0, which is the paper's rule.

    Parameters
    ----------
    lr : multiplier :math:`\eta` (default 1.0), or a schedule.
    rho : decay :math:`0 \le \rho \le 1` (default 0.9).
    eps : :math:`\epsilon \ge 0` (default 1e-6), *inside* both roots, as in the paper.
    weight_decay : L2 coefficient :math:`\lambda` (default 0).
    """

    lr: LR = 1.0
    rho: Hyper = 0.9
    eps: Hyper = 1e-6
    weight_decay: Hyper = 0.0

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        _check("Invalid rho value", self.rho, lambda r: (r >= 0.0) & (r <= 1.0))
        _check("Invalid epsilon value", self.eps, _nonnegative)
        _check("Invalid weight_decay value", self.weight_decay, _nonnegative)

    def init(self, params: np.ndarray) -> AdadeltaState:
        return AdadeltaState(t=0, v=_zeros(params), u=_zeros(params))

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: AdadeltaState
    ) -> tuple[np.ndarray, AdadeltaState]:
        t = state.t + 1
        rho, eps = batched(self.rho, params), batched(self.eps, params)
        lam = batched(self.weight_decay, params)
        g = grads + lam * params if np.any(lam) else grads  # L2 penalty (λ = 0: skipped)
        v = rho * state.v + (1 - rho) * g**2
        delta = np.sqrt(state.u + eps) / np.sqrt(v + eps) * g
        u = rho * state.u + (1 - rho) * delta**2
        return params - self.rate(t, params) * delta, AdadeltaState(t, v, u)


# --- The Adam family ---------------------------------------------------------------------------


def bias_corrected(moment: np.ndarray, beta: Hyper, t: int) -> np.ndarray:
    r"""A moving average started at zero, divided by its bias (Kingma & Ba 2015, §3).

    .. math:: \hat m_t = \frac{m_t}{1 - \beta^t}

    After :math:`t` steps of :math:`m_t = \beta m_{t-1} + (1 - \beta) g_t` from :math:`m_0 = 0`,
    the weights of the :math:`g`'s sum to :math:`1 - \beta^t`, not 1: dividing by it removes the
    pull toward the zero start. The same function gives :math:`\hat v_t` from :math:`v_t` and
    :math:`\beta_2`.
    """
    return moment / (1 - beta**t)


class AdamState(NamedTuple):
    t: int
    m: np.ndarray  # first moment
    v: np.ndarray  # second moment
    v_max: np.ndarray | None  # running max of the raw v (amsgrad only)


@dataclasses.dataclass(frozen=True, eq=False)
class Adam(Optimizer):
    r"""Adam (Kingma & Ba 2015), as ``torch.optim.Adam``; AMSGrad (Reddi et al. 2018) optional.

    .. math::
        g &\leftarrow g + \lambda\theta \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \theta_t &= \theta_{t-1} - \frac{\eta_t}{1 - \beta_1^t}\,
                    \frac{m_t}{\sqrt{v_t}/\sqrt{1 - \beta_2^t} + \epsilon}

    that is :math:`\theta_t = \theta_{t-1} - \eta_t \hat m_t / (\sqrt{\hat v_t} + \epsilon)` with
    :math:`\hat m_t = m_t / (1 - \beta_1^t)`, :math:`\hat v_t = v_t / (1 - \beta_2^t)`:
    :math:`\epsilon` outside the root, after bias correction, as the paper and PyTorch.
    With ``amsgrad``, :math:`v_t` in the update is replaced by
    :math:`v^{\max}_t = \max(v^{\max}_{t-1}, v_t)`, the max of the *raw* :math:`v`.

    The first step is :math:`-\eta\, g / (|g| + \epsilon) \approx -\eta\,\mathrm{sign}(g)`.

    Parameters
    ----------
    lr : :math:`\eta` (default 1e-3), or a schedule.
    betas : :math:`(\beta_1, \beta_2)`, each in :math:`[0, 1)` (default (0.9, 0.999)).
    eps : :math:`\epsilon \ge 0` (default 1e-8).
    weight_decay : L2 coefficient :math:`\lambda` (default 0); see :class:`AdamW` for decoupled.
    amsgrad : use AMSGrad's running maximum.
    """

    lr: LR = 1e-3
    betas: tuple[Hyper, Hyper] = (0.9, 0.999)
    eps: Hyper = 1e-8
    weight_decay: Hyper = 0.0
    amsgrad: bool = False

    #: Decoupled weight decay (AdamW) instead of L2.
    decoupled = False

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        _check("Invalid epsilon value", self.eps, _nonnegative)
        _check_betas(self.betas)
        _check("Invalid weight_decay value", self.weight_decay, _nonnegative)

    def init(self, params: np.ndarray) -> AdamState:
        v_max = _zeros(params) if self.amsgrad else None
        return AdamState(t=0, m=_zeros(params), v=_zeros(params), v_max=v_max)

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: AdamState
    ) -> tuple[np.ndarray, AdamState]:
        t = state.t + 1
        eta, lam = self.rate(t, params), batched(self.weight_decay, params)
        beta1, beta2 = batched(self.betas[0], params), batched(self.betas[1], params)
        if self.decoupled:
            params, g = params * (1 - eta * lam), grads  # decay θ, not the gradient
        else:
            g = grads + lam * params if np.any(lam) else grads  # L2 penalty (λ = 0: skipped)
        m = beta1 * state.m + (1 - beta1) * g
        v = beta2 * state.v + (1 - beta2) * g**2
        v_max = np.maximum(state.v_max, v) if self.amsgrad else state.v_max
        denominator = np.sqrt(v_max if self.amsgrad else v) / np.sqrt(1 - beta2**t)
        step = eta / (1 - beta1**t) * m / (denominator + batched(self.eps, params))
        return params - step, AdamState(t, m, v, v_max)


@dataclasses.dataclass(frozen=True, eq=False)
class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter 2019), as ``torch.optim.AdamW``: Adam with decoupled decay.

    .. math::
        \theta_{t-1} &\leftarrow \theta_{t-1}(1 - \eta_t\lambda) \\
        \theta_t &= \theta_{t-1} - \eta_t \hat m_t / (\sqrt{\hat v_t} + \epsilon)
        \quad\text{(Adam without L2)}

    The decay always shrinks :math:`\theta`. PyTorch multiplies :math:`\lambda` by the full
    learning rate; the paper's Algorithm 2 by the schedule multiplier only, so
    :math:`\lambda_\text{torch} = \lambda_\text{paper} / \alpha`. With :math:`\lambda = 0` AdamW
    is :class:`Adam`.

    Parameters
    ----------
    As :class:`Adam`, but ``weight_decay`` defaults to 1e-2 and is decoupled.
    """

    weight_decay: Hyper = 1e-2
    decoupled = True


class NAdamState(NamedTuple):
    t: int
    m: np.ndarray  # first moment
    v: np.ndarray  # second moment
    mu_product: Hyper  # Π of the momentum schedule μ_1 … μ_t


@dataclasses.dataclass(frozen=True, eq=False)
class NAdam(Optimizer):
    r"""NAdam (Dozat 2016), Adam with Nesterov momentum, as ``torch.optim.NAdam``.

    .. math::
        \mu_t &= \beta_1\big(1 - \tfrac12\, 0.96^{t\psi}\big), \qquad
        \Pi_t = \Pi_{t-1}\mu_t \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        a_t &= \sqrt{v_t / (1 - \beta_2^t)} + \epsilon \\
        \theta_t &= \theta_{t-1} - \eta_t\frac{1 - \mu_t}{1 - \Pi_t}\frac{g_t}{a_t}
                    - \eta_t\frac{\mu_{t+1}}{1 - \Pi_t\mu_{t+1}}\frac{m_t}{a_t}

    With :math:`\beta_1 = 0.9`, :math:`\psi = 0.004`: :math:`\mu_1 = 0.450073`.

    Parameters
    ----------
    lr : :math:`\eta` (default 2e-3), or a schedule.
    betas : :math:`(\beta_1, \beta_2)` (default (0.9, 0.999)).
    eps : :math:`\epsilon` (default 1e-8).
    weight_decay : :math:`\lambda` (default 0), L2 unless ``decoupled_weight_decay``.
    momentum_decay : :math:`\psi \ge 0` (default 4e-3).
    decoupled_weight_decay : decay :math:`\theta` directly, as AdamW.
    """

    lr: LR = 2e-3
    betas: tuple[Hyper, Hyper] = (0.9, 0.999)
    eps: Hyper = 1e-8
    weight_decay: Hyper = 0.0
    momentum_decay: Hyper = 4e-3
    decoupled_weight_decay: bool = False

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        _check("Invalid epsilon value", self.eps, _nonnegative)
        _check_betas(self.betas)
        _check("Invalid weight_decay value", self.weight_decay, _nonnegative)
        _check("Invalid momentum_decay value", self.momentum_decay, _nonnegative)

    def init(self, params: np.ndarray) -> NAdamState:
        return NAdamState(t=0, m=_zeros(params), v=_zeros(params), mu_product=1.0)

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: NAdamState
    ) -> tuple[np.ndarray, NAdamState]:
        t = state.t + 1
        eta, lam = self.rate(t, params), batched(self.weight_decay, params)
        beta1, beta2 = batched(self.betas[0], params), batched(self.betas[1], params)
        psi = batched(self.momentum_decay, params)
        if self.decoupled_weight_decay:
            params, g = params * (1 - eta * lam), grads
        else:
            g = grads + lam * params if np.any(lam) else grads  # L2 penalty (λ = 0: skipped)
        mu = beta1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        mu_product = state.mu_product * mu
        m = beta1 * state.m + (1 - beta1) * g
        v = beta2 * state.v + (1 - beta2) * g**2
        a = np.sqrt(v / (1 - beta2**t)) + batched(self.eps, params)
        step = eta * (1 - mu) / (1 - mu_product) * g / a
        step = step + eta * mu_next / (1 - mu_product * mu_next) * m / a
        return params - step, NAdamState(t, m, v, mu_product)


class AdamaxState(NamedTuple):
    t: int
    m: np.ndarray  # first moment
    u: np.ndarray  # exponentially weighted infinity norm


@dataclasses.dataclass(frozen=True, eq=False)
class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba 2015, §7.1), Adam with the infinity norm, as ``torch.optim.Adamax``.

    .. math::
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        u_t &= \max(\beta_2 u_{t-1},\ |g_t| + \epsilon) \\
        \theta_t &= \theta_{t-1} - \frac{\eta_t}{1 - \beta_1^t}\,\frac{m_t}{u_t}

    :math:`\epsilon` is added inside the max, as PyTorch (jax's ``example_libraries`` adds it
    outside).

    Parameters
    ----------
    lr : :math:`\eta` (default 2e-3), or a schedule.
    betas : :math:`(\beta_1, \beta_2)` (default (0.9, 0.999)).
    eps : :math:`\epsilon` (default 1e-8).
    weight_decay : L2 coefficient :math:`\lambda` (default 0).
    """

    lr: LR = 2e-3
    betas: tuple[Hyper, Hyper] = (0.9, 0.999)
    eps: Hyper = 1e-8
    weight_decay: Hyper = 0.0

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        _check("Invalid epsilon value", self.eps, _nonnegative)
        _check_betas(self.betas)
        _check("Invalid weight_decay value", self.weight_decay, _nonnegative)

    def init(self, params: np.ndarray) -> AdamaxState:
        return AdamaxState(t=0, m=_zeros(params), u=_zeros(params))

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: AdamaxState
    ) -> tuple[np.ndarray, AdamaxState]:
        t = state.t + 1
        beta1, beta2 = batched(self.betas[0], params), batched(self.betas[1], params)
        lam = batched(self.weight_decay, params)
        g = grads + lam * params if np.any(lam) else grads  # L2 penalty (λ = 0: skipped)
        m = beta1 * state.m + (1 - beta1) * g
        u = np.maximum(beta2 * state.u, np.abs(g) + batched(self.eps, params))
        step = self.rate(t, params) / (1 - beta1**t) * m / u
        return params - step, AdamaxState(t, m, u)


class RAdamState(NamedTuple):
    t: int
    m: np.ndarray  # first moment
    v: np.ndarray  # second moment


@dataclasses.dataclass(frozen=True, eq=False)
class RAdam(Optimizer):
    r"""Rectified Adam (Liu et al. 2020), as ``torch.optim.RAdam``.

    .. math::
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2, \qquad
        \hat m_t = m_t / (1 - \beta_1^t) \\
        \rho_\infty &= \frac{2}{1 - \beta_2} - 1, \qquad
        \rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t} \\
        r_t &= \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\rho_\infty}
                         {(\rho_\infty - 4)(\rho_\infty - 2)\rho_t}}, \qquad
        l_t = \frac{\sqrt{1 - \beta_2^t}}{\sqrt{v_t} + \epsilon} \\
        \theta_t &= \begin{cases} \theta_{t-1} - \eta_t\, \hat m_t\, r_t\, l_t
                        & \rho_t > 5 \\
                      \theta_{t-1} - \eta_t\, \hat m_t & \text{otherwise} \end{cases}

    Before the variance of the adaptive rate is tractable (:math:`\rho_t \le 5`), RAdam is SGD
    with bias-corrected momentum; :math:`v` is updated all along. PyTorch's threshold is 5 (the
    paper's Algorithm 2 says 4: pass ``threshold=4.0``); with :math:`\beta_2 = 0.999` the first
    rectified step is :math:`t = 6` (:math:`t = 5` with 4). :math:`\epsilon` is added to the
    *uncorrected* :math:`\sqrt{v_t}`, as PyTorch; the paper's :math:`l_t` has none.

    Parameters
    ----------
    lr : :math:`\eta` (default 1e-3), or a schedule.
    betas : :math:`(\beta_1, \beta_2)` (default (0.9, 0.999)).
    eps : :math:`\epsilon` (default 1e-8).
    weight_decay : :math:`\lambda` (default 0), L2 unless ``decoupled_weight_decay``.
    decoupled_weight_decay : decay :math:`\theta` directly, as AdamW.
    threshold : rectify when :math:`\rho_t` exceeds it (default 5.0, PyTorch; the paper uses 4).
    """

    lr: LR = 1e-3
    betas: tuple[Hyper, Hyper] = (0.9, 0.999)
    eps: Hyper = 1e-8
    weight_decay: Hyper = 0.0
    decoupled_weight_decay: bool = False
    threshold: float = 5.0

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        _check("Invalid epsilon value", self.eps, _nonnegative)
        _check_betas(self.betas)
        _check("Invalid weight_decay value", self.weight_decay, _nonnegative)
        # Below 4 the rectification term r_t is the root of a negative number.
        _check("Invalid threshold value", self.threshold, lambda x: x >= 4.0)

    def init(self, params: np.ndarray) -> RAdamState:
        return RAdamState(t=0, m=_zeros(params), v=_zeros(params))

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: RAdamState
    ) -> tuple[np.ndarray, RAdamState]:
        t = state.t + 1
        eta, lam = self.rate(t, params), batched(self.weight_decay, params)
        beta1, beta2 = batched(self.betas[0], params), batched(self.betas[1], params)
        if self.decoupled_weight_decay:
            params, g = params * (1 - eta * lam), grads
        else:
            g = grads + lam * params if np.any(lam) else grads  # L2 penalty (λ = 0: skipped)
        m = beta1 * state.m + (1 - beta1) * g
        v = beta2 * state.v + (1 - beta2) * g**2
        m_hat = bias_corrected(m, beta1, t)
        rho_inf = max_sma_length(beta2)
        rho_t = sma_length(beta2, t)
        rectified = rho_t > self.threshold
        if np.ndim(rectified) == 0 and not rectified:  # too early: SGD with momentum
            return params - eta * m_hat, RAdamState(t, m, v)
        r_t = rectification(np.where(rectified, rho_t, 5.0), np.where(rectified, rho_inf, 5.0))
        l_t = np.sqrt(1 - beta2**t) / (np.sqrt(v) + batched(self.eps, params))
        step = eta * m_hat * r_t * l_t
        if np.ndim(rectified):  # a sweep over β₂: each run takes its own branch
            step = np.where(rectified, step, eta * m_hat)
        return params - step, RAdamState(t, m, v)


def max_sma_length(beta2: Hyper) -> Hyper:
    r"""RAdam's :math:`\rho_\infty`, the maximum length of the approximated simple moving average
    (Liu et al. 2020, Algorithm 2).

    .. math:: \rho_\infty = \frac{2}{1 - \beta_2} - 1

    The exponential moving average :math:`v_t` of :math:`g^2` is treated as a simple moving
    average of the last :math:`\rho` squared gradients; as :math:`t \to \infty` its length tends to
    :math:`\rho_\infty` (1999 for :math:`\beta_2 = 0.999`).
    """
    return 2 / (1 - beta2) - 1


def sma_length(beta2: Hyper, t: int | np.ndarray) -> Hyper:
    r"""RAdam's :math:`\rho_t`, the length of the approximated simple moving average after
    :math:`t \ge 1` steps (Liu et al. 2020, Algorithm 2).

    .. math::
        \rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t}, \qquad
        \rho_\infty = \frac{2}{1 - \beta_2} - 1

    :math:`\rho_1 = 1` for every :math:`\beta_2`, and :math:`\rho_t` grows toward
    :math:`\rho_\infty` (:func:`max_sma_length`): with :math:`\beta_2 = 0.999`, 1, 1.9995,
    2.9987, 3.9975, 4.9960, 5.9942 for :math:`t = 1, \dots, 6`.
    """
    return max_sma_length(beta2) - 2 * t * beta2**t / (1 - beta2**t)


def rectification(rho_t: Hyper, rho_inf: Hyper) -> Hyper:
    r"""RAdam's variance rectification term

    .. math::
        r_t = \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\rho_\infty}
                         {(\rho_\infty - 4)(\rho_\infty - 2)\rho_t}},

    defined for :math:`\rho_t \ge 4` (:class:`RAdam` substitutes a harmless 5 elsewhere and does
    not use the result there)."""
    return np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))


# --- Lower-case names, as the book and PyTorch users write them --------------------------------

sgd = SGD
momentum = Momentum
nag = NesterovLookahead
adagrad = Adagrad
rmsprop = RMSprop
adadelta = Adadelta
adam = Adam
adamw = AdamW
nadam = NAdam
adamax = Adamax
radam = RAdam
