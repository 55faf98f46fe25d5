r"""Optimizers: one small class per update rule, each ``step`` the book's equations line for line.

Every rule is a frozen dataclass of hyperparameters with two pure methods::

    opt = optlib.adam(lr=1e-3)
    state = opt.init(params)                        # a NamedTuple: t and the rule's buffers
    params, state = opt.step(params, grads, state)  # new arrays; the inputs are not mutated

Conventions, shared by every rule and matched to ``torch.optim`` (single-tensor path, float64;
checked step for step against recorded PyTorch 2.13 runs):

- :math:`t = 1, 2, \dots` counts steps and is incremented *before* the update, as in the papers.
- ``lr`` is a number, an array, or a schedule: a callable of :math:`k = t - 1`, the number of
  steps already taken (exactly what a PyTorch scheduler stepped after each optimizer step gives);
  :meth:`Optimizer.eta` gives :math:`\eta_t`.
- :math:`\epsilon` sits where PyTorch puts it, which each rule's docstring states: outside the
  square root in AdaGrad, RMSProp and Adam (after bias correction), inside both roots in
  AdaDelta, inside the max in Adamax, on the *uncorrected* :math:`\sqrt{v_t}` in RAdam.
- Weight decay is a piece composed with a rule, not part of it: :class:`L2Penalty`
  (:math:`g \leftarrow g + \lambda\theta` before the rule, PyTorch's ``weight_decay``) or
  :class:`DecoupledDecay` (:math:`\theta \leftarrow \theta(1 - \eta_t\lambda)` before the rule,
  AdamW's and PyTorch's ``decoupled_weight_decay``). The lower-case constructors (``adam``,
  ``adamw``, ``sgd``, …) take PyTorch's names and defaults and compose the pieces.
- Any hyperparameter may be an array whose axes line up with the *batch* axes of ``params``
  (all but the last, which holds the coordinates): ``lr=np.geomspace(1e-4, 1, 1000)`` with
  ``params`` of shape ``(1000, d)`` runs a sweep of 1,000 learning rates as one array program.
  An array gives one setting per run, never one per coordinate. The arrays are lined up once per
  batch shape of ``params`` (:meth:`Optimizer.lined_up`, :func:`line_up`), before a rule's
  ``init``, ``step`` and ``lookahead_point`` run, so the rules are written as if every
  hyperparameter were a number.
- Invalid hyperparameters raise :class:`ValueError` with PyTorch's message
  (``Invalid learning rate: -0.1``; a non-number shown by its ``repr``: ``'0.1'``), before any
  step. ``step`` refuses gradients of another shape than ``params`` and a state that this
  optimizer's ``init`` did not make, with a message naming them.
- Parameters and state keep the floating dtype of ``params``, as in PyTorch: float32 params give
  float32 params and float32 state; gradients are cast to it; integers and lists are taken as
  float64.

``step`` returns the new parameters rather than an "update" to add, which spares the reader a
sign trap. The rule that reads the gradient somewhere other than at ``params`` (the lecture's
Nesterov form) says where through :meth:`Optimizer.lookahead_point`.

For large models, :meth:`Optimizer.step_` runs the same ``step`` in place, block by block, as
``torch.optim`` updates its tensors: the same numbers, bit for bit, with no parameter-sized
allocation. It is an engine beside the rules: each state names its buffers (``buffers``), and
the engine evaluates the schedule once per step, and checks every array before it writes any.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from optlib.validation import (
    Hyper,
    check,
    check_flag,
    check_whole,
    finite,
    finite_nonnegative,
)

__all__ = [
    "LR",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "Adamax",
    "Dampening",
    "DecoupledDecay",
    "Hyper",
    "L2Penalty",
    "Momentum",
    "NAdam",
    "NesterovLookahead",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "SGDMomentum",
    "adadelta",
    "adagrad",
    "adam",
    "adamax",
    "adamw",
    "bias_corrected",
    "line_up",
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

#: A learning rate: a :data:`Hyper`, or a schedule ``k -> eta`` of the steps already taken.
LR = float | np.ndarray | Callable[[int], Any]
#: Entries per block of :meth:`Optimizer.step_`: 64 K float64 = 512 KiB, so a rule's few
#: block-sized temporaries stay in the CPU's L2/L3 cache (measured best of 4 K–256 K here).
BLOCK = 2**16
#: The message for a step count t that is not a whole number >= 1.
_STEP_T = "Invalid step t: {value} (steps are counted 1, 2, …)"


# --- Lining up array hyperparameters with params -------------------------------------------------


def line_up(
    value: Hyper, params: np.ndarray, name: str = "A hyperparameter"
) -> Hyper:
    """Line a hyperparameter up with the batch axes of ``params``.

    The last axis of ``params`` holds the coordinates of one run; the axes
    before it, if any, are batch axes, one run per entry. A number is
    returned as it is. An array of shape ``(B,)`` (or ``(B1, B2)``, …) names
    one setting per run along the leading batch axes and gets trailing unit
    axes, so that it broadcasts against ``params`` of shape ``(B, d)``
    (``(B1, B2, d)``, …): setting ``i`` applies to ``params[i]``. An array
    never gives one value per coordinate: one with as many axes as
    ``params``, or whose axes do not match the batch axes, raises
    :class:`ValueError` naming the hyperparameter (``name``).
    """
    params = np.asarray(params)
    dtype = params.dtype if params.dtype.kind == "f" else np.dtype(float)
    return _line_up_to(value, params.shape, name, dtype)


def _line_up_to(
    value: Any, shape: tuple[int, ...], name: str, dtype: np.dtype
) -> Any:
    if np.ndim(value) == 0:
        # A NumPy scalar would promote float32 params to float64 (NEP 50); a Python float adapts.
        numpy = (
            isinstance(value, np.number | np.ndarray)
            and np.asarray(value).dtype.kind in "iuf"
        )
        return (
            float(value) if numpy else value
        )  # anything else is left for the checks to name
    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        return value
    batch = shape[:-1]
    if array.ndim > len(batch) or any(
        a not in (1, b)
        for a, b in zip(array.shape, batch[: array.ndim], strict=True)
    ):
        raise ValueError(
            f"{name} of shape {array.shape} does not line up with the batch axes {batch} of "
            f"params of shape {shape}: a hyperparameter array gives one setting per run of a "
            "batch, not one per coordinate"
        )
    return array.astype(dtype).reshape(
        array.shape + (1,) * (len(shape) - array.ndim)
    )


@dataclasses.dataclass(frozen=True)
class _LinedUpSchedule:
    """A schedule whose values are lined up with params of ``shape`` and ``dtype`` (a sweep of
    schedules, or a schedule stepping float32 params)."""

    schedule: Callable[[int], Any]
    shape: tuple[int, ...]
    dtype: np.dtype

    def __call__(self, k: int) -> Hyper:
        name = f"lr (the schedule's value at k = {k})"
        return _line_up_to(self.schedule(k), self.shape, name, self.dtype)


def _line_up_any(
    value: Any, shape: tuple[int, ...], name: str, dtype: np.dtype
) -> Any:
    if isinstance(value, Optimizer):
        return value if value._plain else value._lined_up_to(shape, dtype)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if callable(value):
        return _LinedUpSchedule(value, shape, dtype)
    if isinstance(value, tuple):
        return tuple(
            _line_up_any(v, shape, f"{name}[{i}]", dtype)
            for i, v in enumerate(value)
        )
    return _line_up_to(value, shape, name, dtype)


def _is_number(value: Any) -> bool:
    """Whether a hyperparameter is one setting (no array to line up, no schedule)."""
    if isinstance(value, Optimizer):
        return value._numbers_only
    if isinstance(value, tuple):
        return all(_is_number(v) for v in value)
    return not callable(value) and np.ndim(value) == 0


def _is_plain(value: Any) -> bool:
    """Whether a hyperparameter is a Python number or bool, which any params can take as it is."""
    if isinstance(value, Optimizer):
        return value._plain
    if isinstance(value, tuple):
        return all(_is_plain(v) for v in value)
    return type(value) in (bool, int, float)


# --- What every rule's init, step and lookahead_point go through ---------------------------------


def _numbers(name: str, value: Any) -> np.ndarray:
    """``value`` as an array of real numbers, or a TypeError naming it."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):  # ragged nested sequences
        raise TypeError(
            f"{name} must be an array of real numbers, got {value!r}"
        ) from None
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must be an array of real numbers, got {type(value).__name__} "
            f"of dtype {array.dtype}"
        )
    return array


def _as_params(params: Any) -> np.ndarray:
    """``params`` as a floating-point array: itself if it is one (float32 stays float32, as in
    PyTorch), else float64 (a reader writes ``[1.0, 2.0]``)."""
    if isinstance(params, np.ndarray) and params.dtype.kind == "f":
        return params
    array = _numbers("params", params)
    return array if array.dtype.kind == "f" else array.astype(float)


def _as_grads(grads: Any, params: np.ndarray) -> np.ndarray:
    """``grads`` in the dtype of ``params`` (PyTorch's in-place updates cast so), of its shape."""
    if not (isinstance(grads, np.ndarray) and grads.dtype == params.dtype):
        grads = _numbers("grads", grads).astype(params.dtype)
    if grads.shape != params.shape:
        raise ValueError(
            f"grads of shape {grads.shape} do not match params of shape {params.shape}"
        )
    return grads


def _on_init(init: Callable[..., Any]) -> Callable[..., Any]:
    """Run a rule's ``init`` on floating-point params, on the copy lined up with them."""

    @functools.wraps(init)
    def checked_init(self: Optimizer, params: Any) -> Any:
        params = _as_params(params)
        if (
            not params.shape
        ):  # one number: buffers of one, as 0-d arrays (see checked_step)
            return _reshaped(checked_init(self, params.reshape(1)), ())
        return init(self.lined_up(params), params)

    return checked_init


def _on_step(step: Callable[..., Any], buffers: bool) -> Callable[..., Any]:
    """Check a rule's ``step`` inputs once, here, so that the rule reads like its equations:
    params floating-point, grads of their shape and dtype, the state this optimizer's own (its
    ``buffers`` too, unless the step hands the state on to a rule that checks them). The
    common case costs a few attribute reads; anything else is looked at closely.

    The arithmetic runs quietly, as PyTorch's does: an infinite or huge gradient gives inf or
    NaN in the new params without a warning (a run that meets them has diverged, and says so),
    and so does PyTorch's allowed ε = 0 at a zero gradient (0/0). It costs about 1.2 µs a step
    (measured side by side at d = 10: SGD 5.1 against 4.0 µs, Adam 17.7 against 16.0).
    """
    quiet_step = np.errstate(
        over="ignore", invalid="ignore", divide="ignore"
    )(step)

    @functools.wraps(step)
    def checked_step(
        self: Optimizer, params: Any, grads: Any, state: Any
    ) -> Any:
        if not (type(params) is np.ndarray and params.dtype.kind == "f"):
            params = _as_params(params)
        dtype, shape = params.dtype, params.shape
        rule = self if self._plain else self.lined_up(params)
        if not (
            type(grads) is np.ndarray
            and grads.dtype is dtype
            and grads.shape == shape
        ):
            grads = _as_grads(grads, params)
        if not shape:  # one number: stepped as an array of one (0-d arithmetic gives scalars)
            one, state = (1,), rule._checked_state(state, dtype, shape)
            new_params, new_state = checked_step(
                rule,
                params.reshape(one),
                grads.reshape(one),
                _reshaped(state, one),
            )
            return new_params.reshape(shape), _reshaped(new_state, shape)
        state = rule._checked_state(state, dtype, shape, buffers)
        return quiet_step(rule, params, grads, state)

    return checked_step


def _reshaped(state: Any, shape: tuple[int, ...]) -> Any:
    """``state`` with its buffers reshaped to ``shape``."""
    arrays = {b: getattr(state, b) for b in state.buffers}
    return state._replace(
        **{b: a.reshape(shape) for b, a in arrays.items() if a is not None}
    )


def _on_lookahead_point(
    lookahead_point: Callable[..., Any],
) -> Callable[..., Any]:
    """As :func:`_on_step`, for ``lookahead_point``."""

    @functools.wraps(lookahead_point)
    def checked_lookahead_point(
        self: Optimizer, params: Any, state: Any
    ) -> Any:
        params = _as_params(params)
        rule = self.lined_up(params)
        return lookahead_point(
            rule,
            params,
            rule._checked_state(state, params.dtype, params.shape),
        )

    return checked_lookahead_point


# --- Checks of hyperparameters (PyTorch's messages) ----------------------------------------------


def _check_lr(lr: LR) -> None:
    # A schedule is checked on the values it produces, step by step (see Optimizer.eta).
    if not callable(lr):
        check("Invalid learning rate: {value}", lr, finite_nonnegative)


def _check_betas(rule: Optimizer) -> None:
    betas = rule.betas
    if not (isinstance(betas, tuple | list) and len(betas) == 2):
        raise ValueError(
            f"betas must be a pair (beta1, beta2), got {betas!r}"
        )
    for index, beta in enumerate(betas):
        message = f"Invalid beta parameter at index {index}: {{value}}"
        check(message, beta, lambda b: (b >= 0.0) & (b < 1.0))
    # A list, as PyTorch takes, is kept as the pair it is (an array would be a sweep).
    object.__setattr__(rule, "betas", tuple(betas))


def _check_flag(name: str, value: Any) -> None:
    check_flag(f"Invalid {name} value: {{value}} (True or False)", value)


def _check_eps(eps: Hyper) -> None:
    check("Invalid epsilon value: {value}", eps, finite_nonnegative)


def _check_weight_decay(weight_decay: Hyper) -> None:
    check(
        "Invalid weight_decay value: {value}",
        weight_decay,
        finite_nonnegative,
    )


# --- What every optimizer shares -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class Optimizer:
    """What every rule shares: the learning rate of step t, where to read the gradient, lining up
    array hyperparameters, the checks of what a step is given, and the in-place engine
    :meth:`step_`.

    A rule subclasses it with its hyperparameters as fields (``lr`` first), a state
    ``NamedTuple`` whose ``buffers`` names its parameter-sized arrays, and ``init`` and ``step``.
    Each rule's ``init``, ``step`` and ``lookahead_point`` run behind the same checks, made once
    here, so that the rules read like their equations:

    - ``params`` is a floating-point array and keeps its dtype (float32 params give float32
      params and state, as in PyTorch); integers and lists are taken as float64.
    - ``grads`` must have the shape of ``params`` (cast to its dtype), and the state must be the
      one this optimizer's ``init`` makes (its type, its buffers, shaped like ``params``, a
      whole ``t >= 0``): otherwise :class:`ValueError` or :class:`TypeError` naming them.
    """

    #: :math:`\lambda` of the weight decay composed with the rule (:class:`L2Penalty`,
    #: :class:`DecoupledDecay` have their own); a bare rule has none.
    weight_decay = (
        0.0  # a class attribute, not a field: the pieces declare their own
    )
    #: Whether ``step`` hands its state on to another rule's ``step``, which checks its buffers.
    _hands_state_on = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Rules are written for numbers and for well-formed inputs; the checks and the lining
        # up of array hyperparameters happen around them.
        if "step" in cls.__dict__:
            cls.step = _on_step(
                cls.__dict__["step"], buffers=not cls._hands_state_on
            )
        for name, checked in (
            ("init", _on_init),
            ("lookahead_point", _on_lookahead_point),
        ):
            if name in cls.__dict__:
                setattr(cls, name, checked(cls.__dict__[name]))

    def eta(self, t: int) -> Hyper:
        r"""The learning rate :math:`\eta_t` of step ``t`` (a whole number :math:`\ge 1`).

        A schedule is evaluated at :math:`k = t - 1` (steps already taken), as PyTorch's
        schedulers are when stepped after each optimizer step.
        """
        if type(t) is not int or t < 1:
            check_whole(_STEP_T, t, 1)
        lr = self.lr
        if not callable(lr):
            return lr
        eta = lr(t - 1)
        check("Invalid learning rate: {value}", eta, finite_nonnegative)
        return eta

    def lookahead_point(self, params: np.ndarray, state: Any) -> np.ndarray:
        """Where the next gradient must be evaluated: at ``params`` itself for every rule but
        the lecture's Nesterov form, which reads it at the look-ahead point."""
        return params

    def init(self, params: np.ndarray) -> Any:
        """The state before the first step: ``t = 0`` and zeroed buffers shaped like ``params``."""
        raise NotImplementedError  # every rule overrides

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: Any
    ) -> tuple[np.ndarray, Any]:
        """One step of the rule in the class docstring: ``(new params, new state)``.

        ``grads`` is the gradient at :meth:`lookahead_point` (at ``params`` for most rules).
        Neither ``params``, ``grads`` nor ``state`` is modified.
        """
        raise NotImplementedError  # every rule overrides

    # --- Array hyperparameters, lined up once per batch shape and dtype of params ---

    @functools.cached_property
    def _numbers_only(self) -> bool:
        return all(
            _is_number(getattr(self, f.name))
            for f in dataclasses.fields(self)
        )

    @functools.cached_property
    def _plain(self) -> bool:
        return all(
            _is_plain(getattr(self, f.name))
            for f in dataclasses.fields(self)
        )

    @functools.cached_property
    def _copies(self) -> dict[tuple[tuple[int, ...], np.dtype], Optimizer]:
        return {}  # (batch shape, dtype) of params -> this optimizer lined up with them

    def lined_up(self, params: np.ndarray) -> Optimizer:
        """This optimizer with every array hyperparameter lined up with the batch axes of
        ``params`` (:func:`line_up`) in their dtype, every schedule's values too, and NumPy
        scalars made Python numbers (which keep float32 params float32); itself when every
        hyperparameter is a Python number. Made once per batch shape and dtype and kept."""
        if self._plain:
            return self
        params = _as_params(params)
        copy = self._copies.get((params.shape[:-1], params.dtype))
        return (
            copy
            if copy is not None
            else self._lined_up_to(params.shape, params.dtype)
        )

    def _lined_up_to(
        self, shape: tuple[int, ...], dtype: np.dtype
    ) -> Optimizer:
        key = (shape[:-1], dtype)
        copy = self._copies.get(key)
        if copy is None:
            lined = {
                f.name: _line_up_any(
                    getattr(self, f.name), shape, f.name, dtype
                )
                for f in dataclasses.fields(self)
            }
            copy = dataclasses.replace(self, **lined)
            copy._copies[key] = self._copies[key] = copy
        return copy

    def at_step(self, t: int) -> Optimizer:
        """This optimizer with its learning-rate schedule replaced by its value :math:`\\eta_t`
        (how :meth:`step_` evaluates a schedule once per step); itself without a schedule."""
        if type(t) is not int or t < 1:
            check_whole(_STEP_T, t, 1)
        changes = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if (
                isinstance(value, Optimizer)
                and value.at_step(t) is not value
            ):
                changes[field.name] = value.at_step(t)
            elif field.name == "lr" and callable(value):
                changes["lr"] = self.eta(t)
        if not changes:
            return self
        copy = dataclasses.replace(self, **changes)
        # A copy lined up with params stays lined up with them (its arrays are not lined up twice).
        copy._copies.update(
            {
                key: copy
                for key, value in self._copies.items()
                if value is self
            }
        )
        return copy

    # --- What a step is given ---

    def _state_layout(
        self, dtype: np.dtype, shape: tuple[int, ...]
    ) -> tuple[type, tuple, tuple]:
        """What this optimizer's ``init`` makes, read from a state for zero-sized params of the
        same batch shape: its type, and the indices of the buffers it holds and of those it
        leaves ``None``. Made once and kept."""
        layout = self.__dict__.get("_layout")
        if layout is None:
            template = self.init(np.zeros((*shape[:-1], 0), dtype))
            index = {name: i for i, name in enumerate(template._fields)}
            held = tuple(
                index[b]
                for b in template.buffers
                if template[index[b]] is not None
            )
            unused = tuple(
                index[b]
                for b in template.buffers
                if template[index[b]] is None
            )
            layout = self.__dict__["_layout"] = (
                type(template),
                held,
                unused,
            )  # a cache
        return layout

    def _checked_state(
        self,
        state: Any,
        dtype: np.dtype,
        shape: tuple[int, ...],
        buffers: bool = True,
    ) -> Any:
        """``state`` if it is one this optimizer's ``init`` makes for params of ``dtype`` and
        ``shape`` (buffers cast to ``dtype``, as PyTorch's ``load_state_dict`` does), else an
        error naming it."""
        kind, held, unused = self.__dict__.get(
            "_layout"
        ) or self._state_layout(dtype, shape)
        if type(state) is not kind:
            raise TypeError(
                f"state must be the {kind.__name__} that this optimizer's init makes "
                f"({type(self).__name__}), got {type(state).__name__}"
            )
        t = state.t
        if not (type(t) is int or isinstance(t, np.integer)) or t < 0:
            raise ValueError(
                f"Invalid state.t: {t!r} (the number of steps taken, a whole number)"
            )
        if not buffers:
            return state
        for i in held:
            buffer = state[i]
            if not (
                type(buffer) is np.ndarray
                and buffer.dtype is dtype
                and buffer.shape == shape
            ):
                return self._checked_buffers(
                    state, dtype, shape, held, unused
                )
        for i in unused:
            if state[i] is not None:
                return self._checked_buffers(
                    state, dtype, shape, held, unused
                )
        return state

    def _checked_buffers(
        self,
        state: Any,
        dtype: np.dtype,
        shape: tuple[int, ...],
        held: tuple,
        unused: tuple,
    ) -> Any:
        cast = {}
        for i in sorted(held + unused):
            name, buffer = state._fields[i], state[i]
            if (i in unused) != (buffer is None):
                raise ValueError(
                    f"state.{name} is {'None' if buffer is None else 'an array'}, but this "
                    f"{type(self).__name__} {'needs one' if buffer is None else 'keeps none'}: "
                    "make the state with this optimizer's init"
                )
            if i not in held:
                continue
            if not (
                isinstance(buffer, np.ndarray) and buffer.dtype == dtype
            ):
                buffer = cast[name] = _numbers(
                    f"state.{name}", buffer
                ).astype(dtype)
            if buffer.shape != shape:
                raise ValueError(
                    f"state.{name} of shape {buffer.shape} does not match params of shape {shape}"
                )
        return state._replace(**cast) if cast else state

    # --- The in-place engine ---

    def step_(
        self, params: np.ndarray, grads: np.ndarray, state: Any
    ) -> tuple[np.ndarray, Any]:
        """:meth:`step` in place: overwrite ``params`` and the state's buffers, as ``torch.optim``
        updates its tensors, and return them (with the new ``t``).

        The rule is not written twice: ``step`` itself runs on blocks of :data:`BLOCK` entries,
        so its temporaries are block-sized and stay in cache instead of each streaming the whole
        model through memory. Every rule is elementwise, so the numbers are those of ``step``,
        bit for bit. The schedule is evaluated once per step. With array hyperparameters (a
        sweep) or a strided array the arrays are stepped whole, still in place. ``params``
        and the state must not be used by anyone expecting their old values.

        Everything is checked before anything is written (``params`` a floating-point array,
        each buffer an array of its dtype and shape, all of them writeable), so a bad input
        leaves every array as it was, and a retry does not take the step twice. (An error
        raised by the arithmetic itself, under ``np.errstate(all="raise")``, can stop a step
        between two blocks.)
        """
        _keep_freed_memory()
        if not (isinstance(params, np.ndarray) and params.dtype.kind == "f"):
            raise ValueError(
                "step_ updates params in place: it needs a floating-point NumPy array, "
                f"got {type(params).__name__} of dtype {getattr(params, 'dtype', None)}"
            )
        rule = self.lined_up(params)
        grads = _as_grads(grads, params)
        rule._checked_state(state, params.dtype, params.shape)
        buffers = [
            name
            for name in state.buffers
            if getattr(state, name) is not None
        ]
        arrays = [params] + [getattr(state, name) for name in buffers]
        contiguous = True
        for name, array in zip(
            ["params", *(f"state.{b}" for b in buffers)], arrays, strict=True
        ):
            if not (
                isinstance(array, np.ndarray) and array.dtype == params.dtype
            ):
                raise ValueError(
                    f"step_ updates {name} in place: it needs a NumPy array of the dtype of "
                    f"params ({params.dtype}), got {type(array).__name__} of dtype "
                    f"{getattr(array, 'dtype', None)}; nothing was changed"
                )
            flags = array.flags
            if not flags.writeable:
                raise ValueError(
                    f"step_ updates {name} in place, but it is read-only (a checkpoint loaded "
                    "with mmap_mode='r'?); nothing was changed"
                )
            contiguous = contiguous and flags.c_contiguous
        rule = rule.at_step(state.t + 1)
        arrays.insert(1, grads)
        if rule._numbers_only and contiguous:
            arrays = [array.reshape(-1) for array in arrays]
            blocks = [
                slice(start, start + BLOCK)
                for start in range(0, params.size, BLOCK)
            ]
        else:  # a sweep, or a strided array whose reshape(-1) would be a copy: whole arrays
            blocks = [slice(None)]
        for block in blocks or [slice(None)]:
            params_block, grads_block, *buffer_blocks = (
                array[block] for array in arrays
            )
            block_state = state._replace(
                **dict(zip(buffers, buffer_blocks, strict=True))
            )
            params_block[...], new = rule.step(
                params_block, grads_block, block_state
            )
            for name, target in zip(buffers, buffer_blocks, strict=True):
                target[...] = getattr(new, name)
        return params, new._replace(
            **{name: getattr(state, name) for name in buffers}
        )


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
    return np.zeros(
        params.shape, params.dtype
    )  # the dtype of params, as PyTorch's state


# --- Pieces composed with a rule: weight decay and dampening -------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class _Piece(Optimizer):
    """A transformation of what a rule is fed. Its state is the rule's state; reading a
    hyperparameter it does not have (``lr``, ``betas``, …) reads the rule's."""

    rule: Optimizer
    _hands_state_on = True  # the rule checks the buffers

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "rule":
            raise AttributeError(name)
        return getattr(self.rule, name)

    def init(self, params: np.ndarray) -> Any:
        return self.rule.init(params)

    def lookahead_point(self, params: np.ndarray, state: Any) -> np.ndarray:
        return self.rule.lookahead_point(params, state)


@dataclasses.dataclass(frozen=True, eq=False)
class L2Penalty(_Piece):
    r"""L2 regularisation, as PyTorch's ``weight_decay``: the gradient of
    :math:`\tfrac{\lambda}{2}\lVert\theta\rVert^2` is added before the rule
    sees the gradient.

    .. math:: g_t \leftarrow g_t + \lambda\theta_{t-1},
        \quad\text{then the rule.}

    In an adaptive rule the penalty's gradient is divided by the rule's
    preconditioner like any other gradient, which is why AdamW decouples it
    (:class:`DecoupledDecay`).
    """

    weight_decay: Hyper = 0.0

    def __post_init__(self) -> None:
        _check_weight_decay(self.weight_decay)

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: Any
    ) -> tuple[np.ndarray, Any]:
        return self.rule.step(
            params, grads + self.weight_decay * params, state
        )


@dataclasses.dataclass(frozen=True, eq=False)
class DecoupledDecay(_Piece):
    r"""Decoupled weight decay (Loshchilov & Hutter 2019), as PyTorch's
    AdamW: shrink :math:`\theta` toward zero, then take the rule's step with
    the bare gradient.

    .. math:: \theta_{t-1} \leftarrow \theta_{t-1}(1 - \eta_t\lambda),
        \quad\text{then the rule.}

    The decay always shrinks :math:`\theta`. PyTorch multiplies
    :math:`\lambda` by the full learning rate :math:`\eta_t`; the paper's
    Algorithm 2 by the schedule multiplier only, so
    :math:`\lambda_\text{torch} = \lambda_\text{paper} / \alpha`. With
    :math:`\lambda = 0` it leaves :math:`\theta` exactly as it is.
    """

    weight_decay: Hyper = 1e-2

    def __post_init__(self) -> None:
        _check_weight_decay(self.weight_decay)

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: Any
    ) -> tuple[np.ndarray, Any]:
        eta = self.rule.eta(state.t + 1)
        return self.rule.step(
            params * (1 - eta * self.weight_decay), grads, state
        )


@dataclasses.dataclass(frozen=True, eq=False)
class Dampening(_Piece):
    r"""PyTorch's momentum dampening :math:`\tau`: every gradient but the first enters the
    momentum buffer scaled by :math:`1 - \tau`.

    .. math:: b_t = \mu b_{t-1} + (1 - \tau) g_t \quad (t > 1), \qquad b_1 = g_1
    """

    dampening: Hyper = 0.0

    def __post_init__(self) -> None:
        check("Invalid dampening value: {value}", self.dampening, finite)

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: Any
    ) -> tuple[np.ndarray, Any]:
        damped = grads if state.t == 0 else (1 - self.dampening) * grads
        return self.rule.step(params, damped, state)


# --- Gradient descent and momentum ---------------------------------------------------------------


class SGDState(NamedTuple):
    t: int
    buffers = ()


@dataclasses.dataclass(frozen=True, eq=False)
class SGD(Optimizer):
    r"""(Stochastic) gradient descent, ``torch.optim.SGD`` without momentum (eq. ``gd-update``).

    .. math:: \theta_t = \theta_{t-1} - \eta_t g_t

    It keeps no buffer. Full-batch, stochastic and mini-batch gradient descent are the same rule
    fed different gradients (:func:`optlib.minimize`'s ``batch_size``).

    Parameters
    ----------
    lr : learning rate :math:`\eta \ge 0` (default 1e-3), or a schedule.
    """

    lr: LR = 1e-3

    def __post_init__(self) -> None:
        _check_lr(self.lr)

    def init(self, params: np.ndarray) -> SGDState:
        return SGDState(t=0)

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: SGDState
    ) -> tuple[np.ndarray, SGDState]:
        t = state.t + 1
        return params - self.eta(t) * grads, SGDState(t)


class SGDMomentumState(NamedTuple):
    t: int
    b: np.ndarray  # momentum buffer
    buffers = ("b",)


@dataclasses.dataclass(frozen=True, eq=False)
class SGDMomentum(Optimizer):
    r"""SGD with momentum, as ``torch.optim.SGD(momentum=μ)`` (eq. ``mom-torch``).

    .. math::
        b_t &= \begin{cases} g_t & t = 1 \\ \mu b_{t-1} + g_t & t > 1 \end{cases} \\
        d_t &= \begin{cases} g_t + \mu b_t & \text{nesterov} \\
               b_t & \text{otherwise} \end{cases} \\
        \theta_t &= \theta_{t-1} - \eta_t d_t

    For a constant :math:`\eta`, this is the lecture's heavy ball (:class:`Momentum`) with
    :math:`v = -\eta b`, and ``nesterov=True`` is the lecture's look-ahead form
    (:class:`NesterovLookahead`) with PyTorch's iterate at the look-ahead point. PyTorch's
    dampening is the piece :class:`Dampening`.

    Parameters
    ----------
    lr : learning rate :math:`\eta` (default 1e-3), or a schedule.
    momentum : :math:`\mu \ge 0` (default 0.9).
    nesterov : use Nesterov momentum (needs :math:`\mu > 0`).

    References
    ----------
    Polyak (1964); Sutskever, Martens, Dahl & Hinton (2013).
    """

    lr: LR = 1e-3
    momentum: Hyper = 0.9
    nesterov: bool = False

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        check(
            "Invalid momentum value: {value}",
            self.momentum,
            finite_nonnegative,
        )
        _check_flag("nesterov", self.nesterov)
        if self.nesterov and np.any(np.asarray(self.momentum) <= 0):
            raise ValueError(
                "Nesterov momentum requires a momentum and zero dampening"
            )

    def init(self, params: np.ndarray) -> SGDMomentumState:
        return SGDMomentumState(t=0, b=_zeros(params))

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: SGDMomentumState
    ) -> tuple[np.ndarray, SGDMomentumState]:
        t, mu, g = state.t + 1, self.momentum, grads
        b = (
            np.copy(g) if t == 1 else mu * state.b + g
        )  # the buffer starts as a copy of g
        d = g + mu * b if self.nesterov else b
        return params - self.eta(t) * d, SGDMomentumState(t, b)


class VelocityState(NamedTuple):
    t: int
    v: np.ndarray  # velocity
    buffers = ("v",)


@dataclasses.dataclass(frozen=True, eq=False)
class Momentum(Optimizer):
    r"""The lecture's heavy-ball momentum (Polyak 1964), in velocity form
    (eq. ``mom-update``).

    .. math::
        v_{t} &= \gamma v_{t-1} - \eta_t g_t \\
        \theta_{t} &= \theta_{t-1} + v_{t}

    For a constant :math:`\eta` this is ``sgd(momentum=γ)`` with :math:`v =
    -\eta b`; the two differ once :math:`\eta` follows a schedule (here
    :math:`\eta_t` scales only the new gradient, in PyTorch the whole
    buffer). With :math:`\gamma = 0` it is plain gradient descent.

    Parameters
    ----------
    lr : learning rate :math:`\eta` (default 1e-3), or a schedule.
    gamma : momentum coefficient :math:`\gamma \ge 0` (default 0.9).
    """

    lr: LR = 1e-3
    gamma: Hyper = 0.9

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        check("Invalid gamma value: {value}", self.gamma, finite_nonnegative)

    def init(self, params: np.ndarray) -> VelocityState:
        return VelocityState(t=0, v=_zeros(params))

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: VelocityState
    ) -> tuple[np.ndarray, VelocityState]:
        t = state.t + 1
        v = self.gamma * state.v - self.eta(t) * grads
        return params + v, VelocityState(t, v)


@dataclasses.dataclass(frozen=True, eq=False)
class NesterovLookahead(Momentum):
    r"""The lecture's Nesterov accelerated gradient (Sutskever et al. 2013),
    look-ahead form (eqs. ``nag-lookahead``, ``nag-update``).

    .. math::
        \tilde\theta_{t-1} &= \theta_{t-1} + \gamma v_{t-1} \\
        v_{t} &= \gamma v_{t-1} - \eta_t \nabla f(\tilde\theta_{t-1}) \\
        \theta_{t} &= \theta_{t-1} + v_{t}

    The gradient passed to :meth:`step` must be read at
    :meth:`lookahead_point` (:math:`\tilde\theta`), not at ``params``;
    :func:`optlib.minimize` does this. For a constant :math:`\eta`,
    ``sgd(momentum=γ, nesterov=True)`` produces exactly the look-ahead points
    :math:`\tilde\theta_t` (the Bengio et al. 2013 change of variables).

    Parameters
    ----------
    lr : learning rate :math:`\eta` (default 1e-3), or a schedule.
    gamma : momentum coefficient :math:`\gamma \ge 0` (default 0.9).
    """

    def lookahead_point(
        self, params: np.ndarray, state: VelocityState
    ) -> np.ndarray:
        return params + self.gamma * state.v

    # step is Momentum.step: the same two lines, fed the gradient at the
    # look-ahead point.


# --- Adaptive step sizes -------------------------------------------------------------------------


class AdagradState(NamedTuple):
    t: int
    G: np.ndarray  # running sum of squared gradients
    buffers = ("G",)


@dataclasses.dataclass(frozen=True, eq=False)
class Adagrad(Optimizer):
    r"""AdaGrad (Duchi, Hazan & Singer 2011), as ``torch.optim.Adagrad``
    (eqs. ``adagrad-accumulator``, ``adagrad-update``).

    .. math::
        \eta_t' &= \eta_t / (1 + (t - 1)\,\delta) \\
        G_t &= G_{t-1} + g_t^2 \\
        \theta_t &= \theta_{t-1} - \eta_t' \, g_t / (\sqrt{G_t} + \epsilon)

    :math:`G_0` is ``initial_accumulator_value``; :math:`\epsilon` sits outside the root, as in
    PyTorch.

    Parameters
    ----------
    lr : :math:`\eta` (default 1e-2), or a schedule.
    lr_decay : :math:`\delta \ge 0` (default 0).
    initial_accumulator_value : :math:`G_0 \ge 0` (default 0).
    eps : :math:`\epsilon \ge 0` (default 1e-10).
    """

    lr: LR = 1e-2
    lr_decay: Hyper = 0.0
    initial_accumulator_value: Hyper = 0.0
    eps: Hyper = 1e-10

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        check(
            "Invalid lr_decay value: {value}",
            self.lr_decay,
            finite_nonnegative,
        )
        check(
            "Invalid initial_accumulator_value value: {value}",
            self.initial_accumulator_value,
            finite_nonnegative,
        )
        _check_eps(self.eps)

    def init(self, params: np.ndarray) -> AdagradState:
        return AdagradState(
            t=0, G=_zeros(params) + self.initial_accumulator_value
        )

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: AdagradState
    ) -> tuple[np.ndarray, AdagradState]:
        t, g = state.t + 1, grads
        eta = self.eta(t) / (1 + (t - 1) * self.lr_decay)
        G = state.G + g**2
        return params - eta * g / (np.sqrt(G) + self.eps), AdagradState(t, G)


class RMSpropState(NamedTuple):
    t: int
    v: np.ndarray  # moving average of g²
    g_bar: np.ndarray | None  # moving average of g (centered only)
    b: np.ndarray | None  # momentum buffer (momentum > 0 only)
    buffers = ("v", "g_bar", "b")


@dataclasses.dataclass(frozen=True, eq=False)
class RMSprop(Optimizer):
    r"""RMSProp (Hinton, Srivastava & Swersky 2012, lecture 6e), as ``torch.optim.RMSprop``
    (eqs. ``rms-average``, ``rms-update``, ``rms-centered``, ``rms-momentum``).

    .. math::
        v_t &= \alpha v_{t-1} + (1 - \alpha) g_t^2 \\
        a_t &= \begin{cases} \sqrt{v_t - \bar g_t^2} + \epsilon,
              \quad \bar g_t = \alpha \bar g_{t-1} + (1 - \alpha) g_t & \text{centered} \\
              \sqrt{v_t} + \epsilon & \text{otherwise} \end{cases} \\
        \theta_t &= \begin{cases} \theta_{t-1} - \eta_t b_t, \quad b_t = \mu b_{t-1} + g_t / a_t
              & \mu > 0 \\ \theta_{t-1} - \eta_t g_t / a_t & \text{otherwise} \end{cases}

    The book's :math:`\beta` for the moving average is PyTorch's ``alpha``. The state holds
    :math:`\bar g` only when centered and :math:`b` only when :math:`\mu > 0`, as PyTorch's.

    Parameters
    ----------
    lr : :math:`\eta` (default 1e-2), or a schedule.
    alpha : smoothing constant :math:`\alpha \ge 0` (default 0.99).
    eps : :math:`\epsilon \ge 0` (default 1e-8), outside the root.
    momentum : :math:`\mu \ge 0` (default 0).
    centered : divide by the root of the *variance* estimate :math:`v - \bar g^2` instead.
    """

    lr: LR = 1e-2
    alpha: Hyper = 0.99
    eps: Hyper = 1e-8
    momentum: Hyper = 0.0
    centered: bool = False

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        _check_eps(self.eps)
        check(
            "Invalid momentum value: {value}",
            self.momentum,
            finite_nonnegative,
        )
        check("Invalid alpha value: {value}", self.alpha, finite_nonnegative)
        _check_flag("centered", self.centered)

    def init(self, params: np.ndarray) -> RMSpropState:
        g_bar = _zeros(params) if self.centered else None
        b = _zeros(params) if np.any(self.momentum) else None
        return RMSpropState(t=0, v=_zeros(params), g_bar=g_bar, b=b)

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: RMSpropState
    ) -> tuple[np.ndarray, RMSpropState]:
        t, alpha, g = state.t + 1, self.alpha, grads
        v = alpha * state.v + (1 - alpha) * g**2
        if self.centered:
            g_bar = alpha * state.g_bar + (1 - alpha) * g
            # Round-off can leave v − ḡ² a hair below 0 for a constant gradient:
            # clamp it (PyTorch returns NaN there, and agrees everywhere else).
            a = np.sqrt(np.maximum(v - g_bar**2, 0.0)) + self.eps
        else:
            g_bar, a = None, np.sqrt(v) + self.eps
        b = None if state.b is None else self.momentum * state.b + g / a
        return params - self.eta(t) * (
            g / a if b is None else b
        ), RMSpropState(t, v, g_bar, b)


class AdadeltaState(NamedTuple):
    t: int
    v: np.ndarray  # moving average of g²
    u: np.ndarray  # moving average of Δ²
    buffers = ("v", "u")


@dataclasses.dataclass(frozen=True, eq=False)
class Adadelta(Optimizer):
    r"""AdaDelta (Zeiler 2012, Algorithm 1), as ``torch.optim.Adadelta``
    (eqs. ``ad-averages``, ``ad-update``).

    .. math::
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
    """

    lr: LR = 1.0
    rho: Hyper = 0.9
    eps: Hyper = 1e-6

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        check(
            "Invalid rho value: {value}",
            self.rho,
            lambda r: (r >= 0.0) & (r <= 1.0),
        )
        _check_eps(self.eps)

    def init(self, params: np.ndarray) -> AdadeltaState:
        return AdadeltaState(t=0, v=_zeros(params), u=_zeros(params))

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: AdadeltaState
    ) -> tuple[np.ndarray, AdadeltaState]:
        t, rho, eps, g = state.t + 1, self.rho, self.eps, grads
        v = rho * state.v + (1 - rho) * g**2
        delta = np.sqrt(state.u + eps) / np.sqrt(v + eps) * g
        u = rho * state.u + (1 - rho) * delta**2
        return params - self.eta(t) * delta, AdadeltaState(t, v, u)


# --- The Adam family -----------------------------------------------------------------------------


def bias_corrected(moment: np.ndarray, beta: Hyper, t: int) -> np.ndarray:
    r"""A moving average started at zero, divided by its bias (Kingma & Ba
    2015, §3; eq. ``adam-hat``).

    .. math:: \hat m_t = \frac{m_t}{1 - \beta^t}

    After :math:`t` steps of :math:`m_t = \beta m_{t-1} + (1 - \beta) g_t`
    from :math:`m_0 = 0`, the weights of the :math:`g`'s sum to :math:`1 -
    \beta^t`, not 1: dividing by it removes the pull toward the zero start.
    The same function gives :math:`\hat v_t` from :math:`v_t` and
    :math:`\beta_2`.
    """
    return moment / (1 - beta**t)


class AdamState(NamedTuple):
    t: int
    m: np.ndarray  # first moment
    v: np.ndarray  # second moment
    v_max: np.ndarray | None  # running max of the raw v (amsgrad only)
    buffers = ("m", "v", "v_max")


@dataclasses.dataclass(frozen=True, eq=False)
class Adam(Optimizer):
    r"""Adam (Kingma & Ba 2015), as ``torch.optim.Adam``; AMSGrad (Reddi et al. 2018) optional
    (eqs. ``adam-m``, ``adam-v``, ``adam-hat``, ``adam-update``, ``adam-amsgrad``).

    .. math::
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        \hat m_t &= m_t / (1 - \beta_1^t), \qquad \hat v_t = v_t / (1 - \beta_2^t) \\
        \theta_t &= \theta_{t-1} - \eta_t\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)

    :math:`\epsilon` outside the root, after bias correction, as the paper and PyTorch. With
    ``amsgrad``, :math:`v_t` in :math:`\hat v_t` is replaced by
    :math:`v^{\max}_t = \max(v^{\max}_{t-1}, v_t)`, the max of the *raw* :math:`v`.

    The first step is :math:`-\eta\, g / (|g| + \epsilon) \approx -\eta\,\mathrm{sign}(g)`.
    Weight decay is a piece: ``adam(weight_decay=λ)`` composes :class:`L2Penalty`,
    ``adamw(weight_decay=λ)`` composes :class:`DecoupledDecay`.

    Parameters
    ----------
    lr : :math:`\eta` (default 1e-3), or a schedule.
    betas : :math:`(\beta_1, \beta_2)`, each in :math:`[0, 1)` (default (0.9, 0.999)).
    eps : :math:`\epsilon \ge 0` (default 1e-8).
    amsgrad : use AMSGrad's running maximum.
    """

    lr: LR = 1e-3
    betas: tuple[Hyper, Hyper] = (0.9, 0.999)
    eps: Hyper = 1e-8
    amsgrad: bool = False

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        _check_eps(self.eps)
        _check_betas(self)
        _check_flag("amsgrad", self.amsgrad)

    def init(self, params: np.ndarray) -> AdamState:
        v_max = _zeros(params) if self.amsgrad else None
        return AdamState(
            t=0, m=_zeros(params), v=_zeros(params), v_max=v_max
        )

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: AdamState
    ) -> tuple[np.ndarray, AdamState]:
        t, (beta1, beta2), g = state.t + 1, self.betas, grads
        m = beta1 * state.m + (1 - beta1) * g
        v = beta2 * state.v + (1 - beta2) * g**2
        v_max = np.maximum(state.v_max, v) if self.amsgrad else None
        m_hat = bias_corrected(m, beta1, t)
        v_hat = bias_corrected(v_max if self.amsgrad else v, beta2, t)
        # PyTorch orders this as η/(1−β₁ᵗ)·m / (√v/√(1−β₂ᵗ) + ε): the same up to
        # rounding.
        step = self.eta(t) * m_hat / (np.sqrt(v_hat) + self.eps)
        return params - step, AdamState(t, m, v, v_max)


class NAdamState(NamedTuple):
    t: int
    m: np.ndarray  # first moment
    v: np.ndarray  # second moment
    mu_product: Hyper  # Π of the momentum schedule μ_1 … μ_t
    buffers = ("m", "v")


@dataclasses.dataclass(frozen=True, eq=False)
class NAdam(Optimizer):
    r"""NAdam (Dozat 2016), Adam with Nesterov momentum, as ``torch.optim.NAdam``
    (eq. ``adam-nadam``).

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
    momentum_decay : :math:`\psi \ge 0` (default 4e-3).
    """

    lr: LR = 2e-3
    betas: tuple[Hyper, Hyper] = (0.9, 0.999)
    eps: Hyper = 1e-8
    momentum_decay: Hyper = 4e-3

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        _check_eps(self.eps)
        _check_betas(self)
        check(
            "Invalid momentum_decay value: {value}",
            self.momentum_decay,
            finite_nonnegative,
        )

    def init(self, params: np.ndarray) -> NAdamState:
        return NAdamState(
            t=0, m=_zeros(params), v=_zeros(params), mu_product=1.0
        )

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: NAdamState
    ) -> tuple[np.ndarray, NAdamState]:
        t, (beta1, beta2), psi, g = (
            state.t + 1,
            self.betas,
            self.momentum_decay,
            grads,
        )
        mu = beta1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        mu_product = state.mu_product * mu
        m = beta1 * state.m + (1 - beta1) * g
        v = beta2 * state.v + (1 - beta2) * g**2
        a, eta = np.sqrt(v / (1 - beta2**t)) + self.eps, self.eta(t)
        step = eta * (1 - mu) / (1 - mu_product) * g / a
        step = step + eta * mu_next / (1 - mu_product * mu_next) * m / a
        return params - step, NAdamState(t, m, v, mu_product)


class AdamaxState(NamedTuple):
    t: int
    m: np.ndarray  # first moment
    u: np.ndarray  # exponentially weighted infinity norm
    buffers = ("m", "u")


@dataclasses.dataclass(frozen=True, eq=False)
class Adamax(Optimizer):
    r"""Adamax (Kingma & Ba 2015, §7.1), Adam with the infinity norm, as ``torch.optim.Adamax``
    (eq. ``adam-adamax``).

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
    """

    lr: LR = 2e-3
    betas: tuple[Hyper, Hyper] = (0.9, 0.999)
    eps: Hyper = 1e-8

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        _check_eps(self.eps)
        _check_betas(self)

    def init(self, params: np.ndarray) -> AdamaxState:
        return AdamaxState(t=0, m=_zeros(params), u=_zeros(params))

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: AdamaxState
    ) -> tuple[np.ndarray, AdamaxState]:
        t, (beta1, beta2), g = state.t + 1, self.betas, grads
        m = beta1 * state.m + (1 - beta1) * g
        u = np.maximum(beta2 * state.u, np.abs(g) + self.eps)
        return params - self.eta(t) / (1 - beta1**t) * m / u, AdamaxState(
            t, m, u
        )


class RAdamState(NamedTuple):
    t: int
    m: np.ndarray  # first moment
    v: np.ndarray  # second moment
    buffers = ("m", "v")


@dataclasses.dataclass(frozen=True, eq=False)
class RAdam(Optimizer):
    r"""Rectified Adam (Liu et al. 2020), as ``torch.optim.RAdam``
    (eqs. ``radam-rho``, ``radam-r``, ``radam-update``).

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
    *uncorrected* :math:`\sqrt{v_t}`, as PyTorch; the paper's :math:`l_t` has none. The branch
    is taken per setting (``np.multiply``'s ``where``), so a sweep over :math:`\beta_2` runs each
    setting's own.

    Parameters
    ----------
    lr : :math:`\eta` (default 1e-3), or a schedule.
    betas : :math:`(\beta_1, \beta_2)` (default (0.9, 0.999)).
    eps : :math:`\epsilon` (default 1e-8).
    threshold : rectify when :math:`\rho_t` exceeds it (default 5.0, PyTorch; the paper uses 4).
    """

    lr: LR = 1e-3
    betas: tuple[Hyper, Hyper] = (0.9, 0.999)
    eps: Hyper = 1e-8
    threshold: Hyper = 5.0

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        _check_eps(self.eps)
        _check_betas(self)
        # Below 4 the rectification term r_t is the root of a negative number.
        check(
            "Invalid threshold value: {value}",
            self.threshold,
            lambda x: x >= 4.0,
        )

    def init(self, params: np.ndarray) -> RAdamState:
        return RAdamState(t=0, m=_zeros(params), v=_zeros(params))

    def step(
        self, params: np.ndarray, grads: np.ndarray, state: RAdamState
    ) -> tuple[np.ndarray, RAdamState]:
        t, (beta1, beta2), g = state.t + 1, self.betas, grads
        m = beta1 * state.m + (1 - beta1) * g
        v = beta2 * state.v + (1 - beta2) * g**2
        m_hat = bias_corrected(m, beta1, t)
        rho_t = sma_length(beta2, t)
        r_t = rectification(
            rho_t, max_sma_length(beta2)
        )  # NaN where ρ_t < 4: not used there
        l_t = np.sqrt(1 - beta2**t) / (np.sqrt(v) + self.eps)
        # m̂·r_t·l_t where ρ_t > threshold (rectified), m̂ as it is elsewhere:
        # each setting's case
        step = np.multiply(
            m_hat, r_t * l_t, out=m_hat, where=rho_t > self.threshold
        )
        return params - self.eta(t) * step, RAdamState(t, m, v)


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

    defined for :math:`\rho_t \ge 4` and :math:`\rho_\infty > 4`; NaN
    elsewhere (without a warning), where :class:`RAdam` does not use it."""
    rho_t, rho_inf = (
        np.float64(rho_t),
        np.float64(rho_inf),
    )  # ρ∞ = 4: inf, not ZeroDivisionError
    with np.errstate(invalid="ignore", divide="ignore"):
        r_t = np.sqrt(
            (rho_t - 4)
            * (rho_t - 2)
            * rho_inf
            / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
        )
    return np.where((rho_t >= 4) & (rho_inf > 4), r_t, np.nan)[
        ()
    ]  # a NumPy float for numbers


# --- Constructors with PyTorch's names and defaults ----------------------------------------------


def _with_l2(rule: Optimizer, weight_decay: Hyper) -> Optimizer:
    """``rule`` fed the L2 penalty's gradient, or ``rule`` itself when λ = 0 (PyTorch skips it)."""
    _check_weight_decay(weight_decay)
    return L2Penalty(rule, weight_decay) if np.any(weight_decay) else rule


def sgd(
    lr: LR = 1e-3,
    momentum: Hyper = 0.0,
    dampening: Hyper = 0.0,
    weight_decay: Hyper = 0.0,
    nesterov: bool = False,
) -> Optimizer:
    r"""``torch.optim.SGD``: :class:`SGD`, or :class:`SGDMomentum` when :math:`\mu \ne 0`,
    with :class:`Dampening` when :math:`\tau \ne 0` and :class:`L2Penalty` when
    :math:`\lambda \ne 0`.

    .. math::
        g_t \leftarrow g_t + \lambda\theta_{t-1}, \qquad
        b_t = \mu b_{t-1} + (1 - \tau) g_t, \qquad
        \theta_t = \theta_{t-1} - \eta_t\, b_t \quad (\theta_{t-1} - \eta_t g_t
        \text{ when } \mu = 0)

    Parameters
    ----------
    lr : learning rate :math:`\eta` (default 1e-3), or a schedule.
    momentum : :math:`\mu \ge 0` (default 0).
    dampening : :math:`\tau` (default 0); without momentum it has no effect, as in PyTorch.
    weight_decay : L2 coefficient :math:`\lambda \ge 0` (default 0).
    nesterov : use Nesterov momentum (needs :math:`\mu > 0` and :math:`\tau = 0`).
    """
    _check_lr(lr)
    check("Invalid momentum value: {value}", momentum, finite_nonnegative)
    check("Invalid dampening value: {value}", dampening, finite)
    _check_weight_decay(weight_decay)
    _check_flag("nesterov", nesterov)
    if nesterov and (np.any(np.asarray(momentum) <= 0) or np.any(dampening)):
        raise ValueError(
            "Nesterov momentum requires a momentum and zero dampening"
        )
    if not np.any(momentum):
        return _with_l2(SGD(lr), weight_decay)
    rule = SGDMomentum(lr, momentum, nesterov)
    if np.any(dampening):
        # Where a sweep has μ = 0 there is no buffer in PyTorch, so no dampening either.
        rule = Dampening(
            rule, np.where(np.asarray(momentum) == 0, 0.0, dampening)
        )
    return _with_l2(rule, weight_decay)


momentum = Momentum
nag = NesterovLookahead


def adagrad(
    lr: LR = 1e-2,
    lr_decay: Hyper = 0.0,
    weight_decay: Hyper = 0.0,
    initial_accumulator_value: Hyper = 0.0,
    eps: Hyper = 1e-10,
) -> Optimizer:
    r"""``torch.optim.Adagrad``: :class:`Adagrad`, with :class:`L2Penalty` when λ ≠ 0.

    .. math::
        g_t \leftarrow g_t + \lambda\theta_{t-1}, \qquad G_t = G_{t-1} + g_t^2, \qquad
        \theta_t = \theta_{t-1} - \frac{\eta_t}{1 + (t - 1)\delta}\,
        \frac{g_t}{\sqrt{G_t} + \epsilon}
    """
    return _with_l2(
        Adagrad(lr, lr_decay, initial_accumulator_value, eps), weight_decay
    )


def rmsprop(
    lr: LR = 1e-2,
    alpha: Hyper = 0.99,
    eps: Hyper = 1e-8,
    weight_decay: Hyper = 0.0,
    momentum: Hyper = 0.0,
    centered: bool = False,
) -> Optimizer:
    r"""``torch.optim.RMSprop``: :class:`RMSprop`, with :class:`L2Penalty` when λ ≠ 0.

    .. math::
        g_t \leftarrow g_t + \lambda\theta_{t-1}, \qquad
        v_t = \alpha v_{t-1} + (1 - \alpha) g_t^2, \qquad
        \theta_t = \theta_{t-1} - \eta_t\, g_t / (\sqrt{v_t} + \epsilon)

    (centered and momentum variants: see :class:`RMSprop`).
    """
    return _with_l2(
        RMSprop(lr, alpha, eps, momentum, centered), weight_decay
    )


def adadelta(
    lr: LR = 1.0,
    rho: Hyper = 0.9,
    eps: Hyper = 1e-6,
    weight_decay: Hyper = 0.0,
) -> Optimizer:
    r"""``torch.optim.Adadelta``: :class:`Adadelta`, with :class:`L2Penalty` when λ ≠ 0.

    .. math::
        v_t = \rho v_{t-1} + (1 - \rho) g_t^2, \qquad
        \Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t, \qquad
        u_t = \rho u_{t-1} + (1 - \rho)\Delta_t^2, \qquad
        \theta_t = \theta_{t-1} - \eta_t \Delta_t
    """
    return _with_l2(Adadelta(lr, rho, eps), weight_decay)


def adam(
    lr: LR = 1e-3,
    betas: tuple[Hyper, Hyper] = (0.9, 0.999),
    eps: Hyper = 1e-8,
    weight_decay: Hyper = 0.0,
    amsgrad: bool = False,
) -> Optimizer:
    r"""``torch.optim.Adam``: :class:`Adam`, with :class:`L2Penalty` when λ ≠ 0.

    .. math::
        g_t \leftarrow g_t + \lambda\theta_{t-1}, \qquad
        \theta_t = \theta_{t-1} - \eta_t\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)
    """
    return _with_l2(Adam(lr, betas, eps, amsgrad), weight_decay)


def adamw(
    lr: LR = 1e-3,
    betas: tuple[Hyper, Hyper] = (0.9, 0.999),
    eps: Hyper = 1e-8,
    weight_decay: Hyper = 1e-2,
    amsgrad: bool = False,
) -> Optimizer:
    r"""``torch.optim.AdamW``: :class:`DecoupledDecay` composed with :class:`Adam` (eq.
    ``adamw-update``). With λ = 0 it is Adam, to the bit.

    .. math::
        \theta_t = \theta_{t-1}(1 - \eta_t\lambda)
                   - \eta_t\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)
    """
    return DecoupledDecay(Adam(lr, betas, eps, amsgrad), weight_decay)


def _with_weight_decay(
    rule: Optimizer, weight_decay: Hyper, decoupled: bool
) -> Optimizer:
    _check_flag("decoupled_weight_decay", decoupled)
    if decoupled:
        return DecoupledDecay(rule, weight_decay)
    return _with_l2(rule, weight_decay)


def nadam(
    lr: LR = 2e-3,
    betas: tuple[Hyper, Hyper] = (0.9, 0.999),
    eps: Hyper = 1e-8,
    weight_decay: Hyper = 0.0,
    momentum_decay: Hyper = 4e-3,
    decoupled_weight_decay: bool = False,
) -> Optimizer:
    r"""``torch.optim.NAdam``: :class:`NAdam`, with :class:`L2Penalty` when λ ≠ 0, or
    :class:`DecoupledDecay` with ``decoupled_weight_decay``.

    .. math::
        \theta_t = \theta_{t-1} - \eta_t\frac{1 - \mu_t}{1 - \Pi_t}\frac{g_t}{a_t}
                    - \eta_t\frac{\mu_{t+1}}{1 - \Pi_t\mu_{t+1}}\frac{m_t}{a_t}
    """
    rule = NAdam(lr, betas, eps, momentum_decay)
    return _with_weight_decay(rule, weight_decay, decoupled_weight_decay)


def adamax(
    lr: LR = 2e-3,
    betas: tuple[Hyper, Hyper] = (0.9, 0.999),
    eps: Hyper = 1e-8,
    weight_decay: Hyper = 0.0,
) -> Optimizer:
    r"""``torch.optim.Adamax``: :class:`Adamax`, with :class:`L2Penalty` when λ ≠ 0.

    .. math::
        u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon), \qquad
        \theta_t = \theta_{t-1} - \frac{\eta_t}{1 - \beta_1^t}\,\frac{m_t}{u_t}
    """
    return _with_l2(Adamax(lr, betas, eps), weight_decay)


def radam(
    lr: LR = 1e-3,
    betas: tuple[Hyper, Hyper] = (0.9, 0.999),
    eps: Hyper = 1e-8,
    weight_decay: Hyper = 0.0,
    decoupled_weight_decay: bool = False,
    threshold: Hyper = 5.0,
) -> Optimizer:
    r"""``torch.optim.RAdam``: :class:`RAdam`, with :class:`L2Penalty` when λ ≠ 0, or
    :class:`DecoupledDecay` with ``decoupled_weight_decay``. ``threshold`` is optlib's: 5 as
    PyTorch, 4 as the paper's Algorithm 2.

    .. math::
        \theta_t = \theta_{t-1} - \eta_t\, \hat m_t\, r_t\, l_t \quad (\rho_t > 5), \qquad
        \theta_t = \theta_{t-1} - \eta_t\, \hat m_t \quad \text{otherwise}
    """
    rule = RAdam(lr, betas, eps, threshold)
    return _with_weight_decay(rule, weight_decay, decoupled_weight_decay)
