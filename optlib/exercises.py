r"""Auto-checkers for the book's exercises: write your own step, get a verdict in plain words.

A chapter asks you to write, say, your own RMSProp step and then run
``check_rmsprop_step(my_rmsprop_step)``. The checker calls your function on a handful of seeded
cases (a first step, several steps in a row, each given the state a training loop would hand
it, zero gradients, tiny second moments where :math:`\epsilon` matters, large values,
batches of parameters) and compares every answer with optlib's own code
(:mod:`optlib.optimizers`, :mod:`optlib.losses`: the code matched to PyTorch). It returns a
:class:`CheckResult`: ``passed``, a ``message``, and the name of the ``mistake`` when it
recognises one.

How a wrong answer is diagnosed
-------------------------------
1. If your function raises, changes its inputs in place, returns None, the wrong number of
   values, the wrong shape or something that is not numbers, the message says so.
2. Every checker lists **known mistakes**: plausible wrong versions of the rule (the sign
   flipped, :math:`\eta` missing or squared, :math:`\epsilon` inside the square root, a missing
   :math:`1 - \beta`, no bias correction, a sum where the mean belongs, ...). If your answers equal
   one of them on every case, the message names that mistake and says how to fix it. A formula
   that is right for moderate inputs but overflows for large ones is recognised the same way.
3. Otherwise the message shows the first case you get wrong: its inputs, your answer, the right
   answer, and the entry with the largest difference.

Two checkers look further. :func:`check_nesterov_step` records where your step calls
``grad_fn``: a right answer that calls it more than once per step is named too. And
:func:`check_heavy_ball_tuning` also tells you how fast the heavy ball converges with your
settings, against the best possible rate.

Tolerance
---------
An answer is right when every entry is within a relative :math:`10^{-6}` of optlib's:
:math:`|\text{yours} - \text{ours}| \le 10^{-6}\,|\text{ours}| + 10^{-12}\max|\text{ours}|`, the
second term (scaled by the largest entry of the same output) accepting round-off in entries that
should be zero. So any order of operations that is mathematically the same passes, and a wrong
factor, a misplaced :math:`\epsilon` or an error of :math:`10^{-3}` does not.

No warning escapes a check: when your code overflows or divides by zero, NumPy's warning is
caught and quoted in the message.
"""

from __future__ import annotations

import contextlib
import functools
import html
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from optlib import losses
from optlib.functions import Quadratic, quadratic, quadratic_bowl
from optlib.optimizers import (
    SGD,
    Adadelta,
    AdadeltaState,
    Adagrad,
    AdagradState,
    Adam,
    AdamState,
    AdamW,
    Momentum,
    NesterovLookahead,
    RMSprop,
    VelocityState,
    bias_corrected,
    max_sma_length,
    sma_length,
)

__all__ = [
    "RTOL",
    "Case",
    "CheckResult",
    "Mistake",
    "check_adadelta_step",
    "check_adagrad_step",
    "check_adam_step",
    "check_adamw_step",
    "check_against",
    "check_bce_with_logits",
    "check_bias_correction",
    "check_cross_entropy_grad",
    "check_gd_step",
    "check_heavy_ball_tuning",
    "check_max_stable_lr",
    "check_minibatch_gradient",
    "check_momentum_step",
    "check_mse_grad",
    "check_nesterov_step",
    "check_radam_rho",
    "check_rmsprop_step",
]

#: Relative tolerance of every check (see the module docstring).
RTOL = 1e-6
# Round-off allowance for entries that should be (near) zero, times the output's largest entry.
ATOL_SCALE = 1e-12


# --- The verdict -------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class CheckResult:
    """The verdict on a learner's function; ``bool(result)`` is ``result.passed``.

    Attributes
    ----------
    passed : bool
        Whether the function agrees with optlib on every case.
    message : str
        The verdict in plain words.
    mistake : str or None
        What went wrong: the name of one of the checker's known mistakes (``"uphill"``,
        ``"eps_inside_root"``, ``"unstable"``, ...), or a generic problem (``"raises"``,
        ``"mutates_input"``, ``"wrong_output"``, ``"not_finite"``, ``"not_a_function"``), or
        None when the function passes, or is wrong in a way the checker does not recognise.
    """

    passed: bool
    message: str
    mistake: str | None = None

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return f"{'✓' if self.passed else '✗'} {self.message}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = "#009E73" if self.passed else "#D55E00"  # Okabe–Ito green / vermillion
        return (
            f'<div style="border-left: 4px solid {colour}; padding: 0.4em 0.8em">'
            f"{html.escape(str(self))}</div>"
        )


class Case(NamedTuple):
    """One call of the learner's function.

    ``args`` are its positional arguments; ``description`` says what the case is about (shown
    when it fails, e.g. ``"step 3 of 4 in a row"``); ``kind`` groups cases (shown when all pass,
    and matched by :attr:`Mistake.fails_only_on`; the description when empty).
    """

    args: tuple[Any, ...]
    description: str
    kind: str = ""


class Mistake(NamedTuple):
    """A plausible wrong version of the rule, and what to tell the learner who wrote it.

    Give either ``variant``, the wrong function (same signature as the learner's): the learner
    made this mistake if their answers equal the variant's on every case; or ``fails_only_on``,
    a :attr:`Case.kind`: the learner made the mistake if they are right on every other case and
    wrong on some case of that kind (how an overflowing formula shows itself).
    """

    name: str
    message: str
    variant: Callable[..., Any] | None = None
    fails_only_on: str | None = None


# --- The engine --------------------------------------------------------------------------------


def check_against(
    candidate: Callable[..., Any],
    reference: Callable[..., Any],
    cases: Sequence[Case],
    mistakes: Sequence[Mistake] = (),
    *,
    arg_names: Sequence[str],
    output_names: Sequence[str],
    reference_name: str = "optlib",
) -> CheckResult:
    """Compare ``candidate`` with ``reference`` on ``cases`` and explain any difference.

    Parameters
    ----------
    candidate : the learner's function.
    reference : the right function (built from optlib), same signature.
    cases : the calls to make, in order; show the simplest first.
    mistakes : the known wrong versions, tried in order when the candidate is wrong.
    arg_names : names of the positional arguments, for the messages.
    output_names : names of the outputs; more than one means the function returns a tuple.
    reference_name : what the candidate is compared with, for the message on success.

    Returns
    -------
    CheckResult
        Passed when every output of every case is within the tolerance of the module
        docstring. Otherwise the first problem found, in this order: the function raises,
        mutates an input, returns something of the wrong form (checked case by case); then a
        known mistake; then a NaN or infinite answer; then the first wrong case.
    """
    if not callable(candidate):
        return CheckResult(
            False,
            f"Expected a function, got {type(candidate).__name__}. Pass the function itself: "
            "check(my_function), not check(my_function(...)).",
            "not_a_function",
        )
    function_name = getattr(candidate, "__name__", "")
    call = f"{function_name if function_name.isidentifier() else 'f'}({', '.join(arg_names)})"
    records: list[_Record] = []
    for number, case in enumerate(cases, 1):
        where = f"case {number} of {len(cases)} ({case.description})"
        inputs = _show_named(arg_names, case.args)
        expected = _outputs(reference(*_copies(case.args)), len(output_names))
        given = _copies(case.args)
        # NumPy's own defaults (underflow is silent), recorded so the message can quote them.
        errors = {"over": "warn", "divide": "warn", "invalid": "warn", "under": "ignore"}
        with warnings.catch_warnings(record=True) as caught, np.errstate(**errors):
            warnings.simplefilter("always")
            try:
                value = candidate(*given)
            except Exception as error:
                return CheckResult(
                    False,
                    f"Your function raised {type(error).__name__}: {error} — on {where}, "
                    f"called as {call} with {inputs}.",
                    "raises",
                )
        numpy_warnings = (w for w in caught if issubclass(w.category, RuntimeWarning))
        warned = tuple(dict.fromkeys(str(warning.message) for warning in numpy_warnings))
        changed = [
            name
            for name, before, after in zip(arg_names, case.args, given, strict=True)
            if isinstance(before, np.ndarray) and not _same_array(before, after)
        ]
        if changed:
            plural = "s" if len(changed) > 1 else ""
            return CheckResult(
                False,
                f"Your function changed its input{plural} {', '.join(changed)} in place, on "
                f"{where}. The book's functions are pure: build new arrays "
                f"({changed[0]} = {changed[0]} - ...) instead of writing into the ones you are "
                f"given ({changed[0]} -= ..., {changed[0]}[...] = ...).",
                "mutates_input",
            )
        got, problem = _read_outputs(value, expected, output_names)
        if problem:
            return CheckResult(False, f"On {where}, {problem}", "wrong_output")
        records.append(_Record(number, case, expected, got, warned))

    wrong = [record for record in records if not _close(record.got, record.expected)]
    if not wrong:
        kinds = "; ".join(dict.fromkeys(case.kind or case.description for case in cases))
        return CheckResult(
            True,
            f"Correct! Your function matches {reference_name} on all {len(cases)} cases "
            f"({kinds}), to a relative tolerance of {RTOL:.0e}.".replace("e-0", "e-"),
        )

    def details(record: _Record) -> tuple[str, str, str, str, str]:
        where = f"case {record.number} of {len(cases)} ({record.case.description})"
        inputs = _show_named(arg_names, record.case.args)
        warned = f" (NumPy warned: {'; '.join(record.warned)})" if record.warned else ""
        yours = _show_named(output_names, record.got)
        return where, inputs, yours, _show_named(output_names, record.expected), warned

    for mistake in mistakes:
        if _made(mistake, records, wrong, len(output_names)):
            if mistake.variant is not None:
                return CheckResult(False, mistake.message, mistake.name)
            # A mistake seen only on some kind of case: show the most striking one.
            worst = next((record for record in wrong if not _finite(record.got)), wrong[0])
            where, _, yours, answer, warned = details(worst)
            return CheckResult(
                False,
                f"{mistake.message} On {where} your function returned {yours}{warned}; the "
                f"answer is {answer}.",
                mistake.name,
            )
    first = wrong[0]
    where, inputs, yours, answer, warned = details(first)
    if not _finite(first.got):
        return CheckResult(
            False,
            f"On {where}, with {inputs}, your function returned {yours}, which is not finite"
            f"{warned}; the answer is {answer}.",
            "not_finite",
        )
    return CheckResult(
        False,
        f"Not right yet: on {where}, with {inputs}, your function returned {yours} but the answer "
        f"is {answer}. {_largest_difference(first.got, first.expected, output_names)} "
        f"({len(wrong)} of {len(cases)} cases are wrong.)",
    )


class _Record(NamedTuple):
    number: int
    case: Case
    expected: tuple[np.ndarray, ...]
    got: tuple[np.ndarray, ...]
    warned: tuple[str, ...]


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Run code that may overflow (a known mistake, a comparison with inf) without warnings."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def _copies(args: tuple[Any, ...]) -> tuple[Any, ...]:
    # Every call gets fresh copies, so no function can spoil a case for the next one.
    return tuple(arg.copy() if isinstance(arg, np.ndarray) else arg for arg in args)


def _same_array(before: np.ndarray, after: Any) -> bool:
    """Whether an input is unchanged after the call (NaN counts as equal to NaN)."""
    if not isinstance(after, np.ndarray) or after.shape != before.shape:
        return False
    return bool(np.array_equal(before, after, equal_nan=before.dtype.kind == "f"))


def _outputs(value: Any, count: int) -> tuple[np.ndarray, ...]:
    """A reference's (or a variant's) return value as a tuple of float arrays."""
    return tuple(np.asarray(part, dtype=float) for part in (value if count > 1 else (value,)))


def _read_outputs(
    value: Any, expected: tuple[np.ndarray, ...], names: Sequence[str]
) -> tuple[tuple[np.ndarray, ...], str | None]:
    """The candidate's return value as float arrays shaped like the answer, or what is wrong."""
    listed = ", ".join(names)
    if value is None:
        return (), "your function returned None: did you forget the return statement?"
    if len(names) > 1:
        if not isinstance(value, (tuple, list)):
            return (), (
                f"your function returned a single {type(value).__name__}; it should return "
                f"{len(names)} values: ({listed})."
            )
        if len(value) != len(names):
            count = "1 value" if len(value) == 1 else f"{len(value)} values"
            return (), f"your function returned {count}; it should return {len(names)}: ({listed})."
        parts = tuple(value)
    elif isinstance(value, tuple):
        return (), f"your function returned a tuple of {len(value)} values; return {listed} only."
    else:
        parts = (value,)
    arrays = []
    for name, part, answer in zip(names, parts, expected, strict=True):
        if part is None:
            return (), f"your {name} is None."
        try:
            with _quiet():
                array = np.asarray(part)
        except (ValueError, TypeError):  # e.g. a ragged list
            array = np.asarray(None)
        if array.dtype.kind == "c" and not np.any(array.imag):
            array = array.real  # e.g. from np.linalg.eigvals
        if array.dtype.kind not in "biuf":
            return (), f"your {name} is a {type(part).__name__}, not a number or array of numbers."
        if array.shape != answer.shape:
            should = "a single number" if answer.ndim == 0 else f"of shape {answer.shape}"
            has = "a single number" if array.ndim == 0 else f"an array of shape {array.shape}"
            return (), f"your {name} is {has}, but it should be {should}."
        arrays.append(array.astype(float))
    return tuple(arrays), None


def _finite(outputs: tuple[np.ndarray, ...]) -> bool:
    return all(bool(np.all(np.isfinite(output))) for output in outputs)


def _tolerance(expected: np.ndarray) -> np.ndarray:
    finite = np.abs(expected[np.isfinite(expected)])
    return RTOL * np.abs(expected) + max(ATOL_SCALE * np.max(finite, initial=0.0), 1e-300)


def _close(got: tuple[np.ndarray, ...], expected: tuple[np.ndarray, ...]) -> bool:
    """Every entry within tolerance; NaN matches NaN and inf matches inf (for mistakes)."""
    if len(got) != len(expected):
        return False
    with _quiet():
        for a, b in zip(got, expected, strict=True):
            same = (np.abs(a - b) <= _tolerance(b)) | (a == b) | (np.isnan(a) & np.isnan(b))
            if a.shape != b.shape or not np.all(same):
                return False
    return True


def _made(
    mistake: Mistake, records: list[_Record], wrong: list[_Record], count: int
) -> bool:
    if mistake.variant is None:
        return all((record.case.kind or record.case.description) == mistake.fails_only_on
                   for record in wrong)
    for record in records:
        try:
            with _quiet():
                variant = _outputs(mistake.variant(*_copies(record.case.args)), count)
        except Exception:  # a variant that cannot run on this case is not what the learner did
            return False
        if not _close(record.got, variant):
            return False
    return True


def _show(value: Any, most: int = 8) -> str:
    """A number or array, compactly: 6 significant digits, long axes shortened with '...'."""
    if isinstance(value, (bool, int, np.integer)):
        return str(value)
    array = np.asarray(value)
    if array.ndim == 0:
        return f"{array.item():.6g}" if array.dtype.kind in "fc" else str(array.item())
    rows = [_show(row, most) for row in array]
    if len(rows) > most:
        rows = [*rows[:3], "...", *rows[-3:]]
    return f"[{', '.join(rows)}]"


def _show_named(names: Sequence[str], values: Sequence[Any]) -> str:
    return ", ".join(f"{name} = {_show(value)}" for name, value in zip(names, values, strict=True))


def _largest_difference(
    got: tuple[np.ndarray, ...], expected: tuple[np.ndarray, ...], names: Sequence[str]
) -> str:
    """'The largest difference is in v[2]: ... instead of ...' (the entry most out of tolerance)."""
    worst = (-1.0, "", 0.0, 0.0)
    with _quiet():
        for name, a, b in zip(names, got, expected, strict=True):
            excess = np.abs(a - b) / _tolerance(b)
            index = np.unravel_index(np.argmax(excess), excess.shape)
            if excess[index] > worst[0]:
                label = f"{name}[{', '.join(map(str, index))}]" if index else name
                worst = (float(excess[index]), label, float(a[index]), float(b[index]))
    _, label, yours, answer = worst
    relative = f" (relative error {abs(yours - answer) / abs(answer):.2g})" if answer else ""
    return f"The largest difference is in {label}: {yours:.10g} instead of {answer:.10g}{relative}."


# Variants built from a reference: the right rule with one thing changed, so the mistake is
# exactly what its name says.


def _on_theta(reference: Callable[..., Any], change: Callable[..., Any]) -> Callable[..., Any]:
    """The reference, except that it returns ``change(theta, right_new_theta)`` as θ."""

    def variant(theta: Any, *rest: Any) -> Any:
        outputs = reference(theta, *rest)
        if isinstance(outputs, tuple):
            return (change(theta, outputs[0]), *outputs[1:])
        return change(theta, outputs)

    return variant


def _with_arg(
    reference: Callable[..., Any], position: int, change: Callable[[Any], Any]
) -> Callable[..., Any]:
    """The reference called with argument ``position`` replaced by ``change(argument)``."""

    def variant(*args: Any) -> Any:
        changed = list(args)
        changed[position] = change(args[position])
        return reference(*changed)

    return variant


def _reordered(reference: Callable[..., Any], order: Sequence[int]) -> Callable[..., Any]:
    """The reference with its outputs returned in another order."""
    return lambda *args: tuple(reference(*args)[i] for i in order)


def _uphill(reference: Callable[..., Any]) -> Callable[..., Any]:
    return _on_theta(reference, lambda theta, new_theta: 2 * theta - new_theta)


def _update_not_parameters(reference: Callable[..., Any]) -> Callable[..., Any]:
    return _on_theta(reference, lambda theta, new_theta: new_theta - theta)


def _random_moments(
    rng: np.random.Generator, scale: float, shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """A first moment and a positive second moment of matching scale, for Adam-family cases."""
    return scale * rng.normal(size=shape), scale**2 * rng.uniform(0.5, 2.0, size=shape)


def _carry_adam_state(args: tuple[Any, ...], outputs: Any, grad: np.ndarray) -> tuple[Any, ...]:
    """Feed an Adam-family step's (θ, m, v) back in with the next gradient and t + 1."""
    return (outputs[0], grad, outputs[1], outputs[2], args[4] + 1, *args[5:])


def _steps_in_a_row(
    reference: Callable[..., Any],
    carry: Callable[[tuple[Any, ...], Any, Any], tuple[Any, ...]],
    first_args: tuple[Any, ...],
    next_grads: Sequence[Any],
    kind: str,
) -> list[Case]:
    """Consecutive steps of one run: each step is given the state the right previous step
    returned (``carry(args, outputs, next_grad)``), as it would be in a training loop.
    ``next_grads`` holds what each later step is given: its gradient (or ``grad_fn``)."""
    steps = 1 + len(next_grads)
    args, cases = first_args, [Case(first_args, f"step 1 of {steps} in a row", kind)]
    for number, grad in enumerate(next_grads, 2):
        args = carry(args, reference(*args), grad)
        cases.append(Case(args, f"step {number} of {steps} in a row", kind))
    return cases


# --- Gradient descent --------------------------------------------------------------------------


def _gd_reference(theta: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
    optimizer = SGD(lr=lr)
    return optimizer.step(theta, grad, optimizer.init(theta))[0]


def check_gd_step(step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's gradient-descent step against :class:`optlib.optimizers.SGD`.

    .. math:: \theta_{t+1} = \theta_t - \eta\, g_t

    Expected signature: ``step(theta, grad, lr) -> new theta`` (an array shaped like
    ``theta``; the inputs are not modified).

    Examples
    --------
    >>> def my_gd_step(theta, grad, lr):
    ...     return theta - lr * grad
    >>> check_gd_step(my_gd_step).passed
    True
    >>> check_gd_step(lambda theta, grad, lr: theta + lr * grad).mistake
    'uphill'
    """
    rng = np.random.default_rng(0)
    cases = [
        Case((rng.normal(size=3), rng.normal(size=3), 0.1), "a vector of parameters"),
        Case((rng.normal(size=3), np.zeros(3), 0.1), "zero gradient"),
        Case((rng.normal(size=(4, 2)), rng.normal(size=(4, 2)), 0.05), "a batch, shape (4, 2)"),
        Case((1e6 * rng.normal(size=3), 1e8 * rng.normal(size=3), 1e-4), "large values"),
        Case((rng.normal(size=2), rng.normal(size=2), 2.5), "a learning rate above 1"),
    ]
    mistakes = [
        Mistake("uphill", "Your step moves uphill: the update should subtract η·g, not add it "
                "(θ − η·g).", lambda theta, grad, lr: theta + lr * grad),
        Mistake("lr_missing", "Your step ignores the learning rate: subtract η·g, not the bare "
                "gradient g.", lambda theta, grad, lr: theta - grad),
        Mistake("lr_squared", "Your step uses η² instead of η: multiply the gradient by the "
                "learning rate once.", lambda theta, grad, lr: theta - lr**2 * grad),
        Mistake("divides_by_lr", "Your step divides the gradient by η; it should multiply: "
                "θ − η·g.", lambda theta, grad, lr: theta - grad / lr),
        Mistake("returns_update", "Your function returns the update −η·g instead of the new "
                "parameters: return θ − η·g.", lambda theta, grad, lr: -lr * grad),
        Mistake("returns_update", "Your function returns the step η·g instead of the new "
                "parameters: return θ − η·g.", lambda theta, grad, lr: lr * grad),
    ]
    return check_against(step, _gd_reference, cases, mistakes, arg_names=("theta", "grad", "lr"),
                         output_names=("theta",), reference_name="optlib.optimizers.SGD")


# --- Losses ------------------------------------------------------------------------------------


def check_mse_grad(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's gradient of the mean squared error against
    :func:`optlib.losses.mse_grad`.

    .. math::
        L = \frac1N\sum_{i=1}^N (\hat y_i - y_i)^2, \qquad
        \frac{\partial L}{\partial \hat y_i} = \frac2N(\hat y_i - y_i),

    with :math:`N` the number of *entries* (``prediction.size``), as PyTorch's ``mse_loss``.

    Expected signature: ``fn(prediction, target) -> gradient`` shaped like ``prediction``.

    Examples
    --------
    >>> def my_mse_grad(prediction, target):
    ...     return 2 * (prediction - target) / prediction.size
    >>> check_mse_grad(my_mse_grad).passed
    True
    >>> check_mse_grad(lambda prediction, target: (prediction - target) / target.size).mistake
    'no_factor_2'
    """
    rng = np.random.default_rng(1)
    same = rng.normal(size=4)
    cases = [
        Case((rng.normal(size=5), rng.normal(size=5)), "5 predictions"),
        Case((rng.normal(size=(4, 3)), rng.normal(size=(4, 3))), "a 2-D batch, shape (4, 3)"),
        Case((same, same.copy()), "predictions equal to the targets"),
        Case((1e6 * rng.normal(size=5), 1e6 * rng.normal(size=5)), "large values"),
        Case((rng.normal(size=1), rng.normal(size=1)), "a single prediction"),
    ]
    mistakes = [
        Mistake("no_factor_2", "Your gradient is missing the factor 2: the derivative of "
                "(ŷ − y)² is 2(ŷ − y), so ∂L/∂ŷᵢ = 2(ŷᵢ − yᵢ)/N.",
                lambda p, y: (p - y) / p.size),
        Mistake("sum_not_mean", "Yours is the gradient of the *sum* of squared errors; the loss is "
                "the mean, so divide by N, the number of entries.", lambda p, y: 2 * (p - y)),
        Mistake("half_sum", "(ŷ − y) is the gradient of ½·Σ(ŷ − y)²; the mean squared error "
                "needs 2(ŷ − y)/N.", lambda p, y: p - y),
        Mistake("sign", "Your gradient has the wrong sign: it is 2(ŷ − y)/N, prediction minus "
                "target.", lambda p, y: 2 * (y - p) / p.size),
        Mistake("divides_by_rows", "You divide by the number of rows, len(prediction); the mean "
                "is over all N = prediction.size entries.", lambda p, y: 2 * (p - y) / len(p)),
    ]
    return check_against(fn, losses.mse_grad, cases, mistakes,
                         arg_names=("prediction", "target"), output_names=("gradient",),
                         reference_name="optlib.losses.mse_grad")


def check_bce_with_logits(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's binary cross-entropy on logits against
    :func:`optlib.losses.binary_cross_entropy_with_logits`, including its stability.

    .. math::
        L = -\frac1N\sum_{i=1}^N \bigl[y_i\log\sigma(z_i) + (1 - y_i)\log(1 - \sigma(z_i))\bigr]
          = \frac1N\sum_{i=1}^N \max(z_i, 0) - z_i y_i + \log\bigl(1 + e^{-|z_i|}\bigr).

    The cases include logits up to :math:`|z| = 1000`, where computing :math:`\sigma(z)` first
    and then its log overflows or rounds :math:`\log(1 - \sigma(z))` to :math:`\log 0`: such a
    function is diagnosed as ``"unstable"``.

    Expected signature: ``fn(logits, targets) -> mean loss`` (one number).

    Examples
    --------
    >>> import numpy as np
    >>> def my_bce_with_logits(logits, targets):
    ...     return np.mean(np.logaddexp(0, logits) - logits * targets)
    >>> check_bce_with_logits(my_bce_with_logits).passed
    True
    """
    rng = np.random.default_rng(2)
    large = "large logits"
    cases = [
        Case((2 * rng.normal(size=5), rng.integers(0, 2, size=5).astype(float)),
             "5 logits, labels 0 or 1"),
        Case((np.zeros(4), np.array([0.0, 1.0, 1.0, 0.0])), "all logits zero"),
        Case((2 * rng.normal(size=(3, 4)), rng.integers(0, 2, size=(3, 4)).astype(float)),
             "a 2-D batch, shape (3, 4)"),
        Case((2 * rng.normal(size=5), rng.uniform(size=5)), "soft targets in [0, 1]"),
        Case((np.array([36.0, -33.0, 35.5, -38.0, 34.0, 30.0]),
              np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0])),
             "logits near ±35, where σ(z) rounds to 0 or 1", large),
        Case((np.array([1000.0, -1000.0, 800.0, -750.0, 1000.0, 3.0]),
              np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])), "logits up to ±1000", large),
    ]
    bce = losses.binary_cross_entropy_with_logits
    mistakes = [
        Mistake("unstable", "Your loss is right for moderate logits but breaks down when |z| is "
                "large: computing σ(z) and then log σ(z) overflows, or rounds 1 − σ(z) to 0. Use "
                "the stable form max(z, 0) − z·y + log(1 + e^(−|z|)).", fails_only_on=large),
        Mistake("sum_not_mean", "Your loss is the sum over the examples; the book's (and "
                "PyTorch's) default is the mean: divide by N.", lambda z, y: bce(z, y) * z.size),
        Mistake("sign", "Your loss has the wrong sign: BCE is −[y·log p + (1 − y)·log(1 − p)], "
                "a number ≥ 0.", lambda z, y: -bce(z, y)),
        Mistake("labels_swapped", "You swapped y and 1 − y: log p is the term of the positives "
                "(y = 1), log(1 − p) that of the negatives.", lambda z, y: bce(z, 1 - y)),
    ]
    return check_against(fn, bce, cases, mistakes, arg_names=("logits", "targets"),
                         output_names=("loss",),
                         reference_name="optlib.losses.binary_cross_entropy_with_logits")


def _cross_entropy_grad_over_columns(logits: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """The known mistake "wrong_axis": softmax over the examples (axis 0), not the classes."""
    exponentials = np.exp(logits - logits.max(axis=0))
    one_hot = np.arange(logits.shape[1]) == classes[:, None]
    return (exponentials / exponentials.sum(axis=0) - one_hot) / len(logits)


def check_cross_entropy_grad(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's gradient of the mean cross-entropy against
    :func:`optlib.losses.cross_entropy_grad`, including its stability.

    .. math::
        L = \frac1n\sum_{i=1}^n \Bigl(\log\sum_{c} e^{z_{ic}} - z_{i y_i}\Bigr), \qquad
        \frac{\partial L}{\partial z_{ic}} = \frac1n\bigl(\operatorname{softmax}(z_i)_c
        - [c = y_i]\bigr).

    The cases include logits up to 1000, where :math:`e^{z}` overflows unless each row's
    maximum is subtracted first (``"unstable"``).

    Expected signature: ``fn(logits, classes) -> gradient`` with ``logits`` of shape (n, C),
    ``classes`` integers of shape (n,), and the gradient of shape (n, C).

    Examples
    --------
    >>> import numpy as np
    >>> def my_cross_entropy_grad(logits, classes):
    ...     p = np.exp(logits - logits.max(axis=1, keepdims=True))
    ...     p /= p.sum(axis=1, keepdims=True)
    ...     p[np.arange(len(classes)), classes] -= 1
    ...     return p / len(classes)
    >>> check_cross_entropy_grad(my_cross_entropy_grad).passed
    True
    """
    rng = np.random.default_rng(3)
    large = "large logits"
    cases = [
        Case((rng.normal(size=(4, 3)), np.array([0, 2, 1, 1])), "4 examples, 3 classes"),
        Case((np.zeros((3, 4)), np.array([0, 3, 1])), "equal logits"),
        Case((rng.normal(size=(1, 5)), np.array([2])), "one example"),
        Case((rng.normal(size=(6, 2)), rng.integers(0, 2, size=6)), "two classes"),
        Case((8 * rng.normal(size=(5, 4)), rng.integers(0, 4, size=5)), "spread-out logits"),
        Case((np.array([[1000.0, 999.0, 0.0], [-1000.0, 0.0, 1000.0], [5.0, 800.0, 2.0]]),
              np.array([1, 0, 1])), "logits up to 1000", large),
    ]
    grad = losses.cross_entropy_grad
    mistakes = [
        Mistake("unstable", "Your gradient is right for moderate logits but breaks down when they "
                "are large: e^z overflows. Subtract each row's maximum before exponentiating; "
                "softmax(z) = softmax(z − max z).", fails_only_on=large),
        Mistake("sum_not_mean", "Your gradient is not divided by n, the number of examples: the "
                "loss is the mean over the rows.", lambda z, c: grad(z, c) * len(z)),
        Mistake("mean_over_entries", "You divide by n·C, every entry; the loss averages over the "
                "n examples only, so divide by n.", lambda z, c: grad(z, c) / z.shape[1]),
        Mistake("sign", "Your gradient has the wrong sign: it is (softmax(z) − one-hot(y)) / n.",
                lambda z, c: -grad(z, c)),
        Mistake("no_one_hot", "You forgot to subtract the one-hot target: ∂L/∂z = "
                "(softmax(z) − one-hot(y)) / n.", lambda z, c: losses.softmax(z) / len(z)),
        Mistake("wrong_axis", "Your softmax normalises each column; it must normalise each row, "
                "over the classes (axis=1).",
                _cross_entropy_grad_over_columns),
    ]
    return check_against(fn, grad, cases, mistakes, arg_names=("logits", "classes"),
                         output_names=("gradient",),
                         reference_name="optlib.losses.cross_entropy_grad")


# --- The largest stable learning rate on a quadratic -------------------------------------------


def check_max_stable_lr(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's largest stable learning rate for gradient descent on a quadratic.

    On :math:`f(x) = \tfrac12 x^\top A x` gradient descent multiplies the component of
    :math:`x` along each eigenvector of :math:`A` (eigenvalue :math:`\lambda_i`) by
    :math:`1 - \eta\lambda_i` per step, so it converges exactly when every
    :math:`|1 - \eta\lambda_i| < 1`:

    .. math:: 0 < \eta < \frac{2}{\lambda_{\max}(A)}.

    The answer is the bound :math:`2/\lambda_{\max}` (below it GD converges; at it the steepest
    component oscillates forever), with :math:`\lambda_{\max}` from
    :attr:`optlib.functions.Quadratic.L`.

    Expected signature: ``fn(A) -> learning rate`` (one number), ``A`` symmetric positive
    definite.

    Examples
    --------
    >>> import numpy as np
    >>> check_max_stable_lr(lambda A: 2 / np.linalg.eigvalsh(A)[-1]).passed
    True
    >>> check_max_stable_lr(lambda A: 1 / np.linalg.eigvalsh(A)[-1]).mistake
    'one_over_L'
    """
    rng = np.random.default_rng(4)
    rotation, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    random_spd = rotation @ np.diag(rng.uniform(0.5, 20.0, size=4)) @ rotation.T
    cases = [
        Case((np.array([[4.0]]),), "a 1 × 1 matrix"),
        Case((np.diag([1.0, 10.0]),), "a diagonal matrix"),
        Case((np.diag([50.0, 2.0, 7.0]),), "a diagonal matrix, largest entry first"),
        Case((quadratic_bowl(10.0, np.pi / 6).A.copy(),), "a rotated bowl"),
        Case(((random_spd + random_spd.T) / 2,), "a random 4 × 4 matrix"),
        Case((quadratic_bowl(1e4, 1.0).A.copy(),), "an ill-conditioned bowl, κ = 10⁴"),
        Case((quadratic_bowl(3.0, 0.3, scale=1e-3).A.copy(),), "a very flat bowl"),
        Case((quadratic_bowl(3.0, 2.0, scale=1e3).A.copy(),), "a very steep bowl"),
    ]

    def eigenvalues(A: np.ndarray) -> np.ndarray:
        return np.linalg.eigvalsh(A)

    mistakes = [
        Mistake("one_over_L", "1/λ_max is a safe rate (the loss falls at every step), but not the "
                "largest stable one: gradient descent on ½xᵀAx converges for every η < 2/λ_max.",
                lambda A: 1 / eigenvalues(A)[-1]),
        Mistake("smallest_eigenvalue", "You used the smallest eigenvalue; it is the steepest "
                "direction, the largest eigenvalue λ_max, that limits the step: η < 2/λ_max "
                "(np.linalg.eigvalsh sorts ascending, so λ_max is the last).",
                lambda A: 2 / eigenvalues(A)[0]),
        Mistake("optimal_rate", "2/(λ_max + λ_min) is the best constant rate (fastest "
                "convergence), not the largest stable one, which is 2/λ_max.",
                lambda A: 2 / (eigenvalues(A)[-1] + eigenvalues(A)[0])),
        Mistake("largest_diagonal", "The largest diagonal entry of A is its largest eigenvalue "
                "only when A is diagonal; use the eigenvalues: 2/λ_max.",
                lambda A: 2 / np.max(np.diag(A))),
        Mistake("trace", "The trace (the sum of all eigenvalues) overestimates λ_max, so 2/tr(A) "
                "is safe but too small; the largest stable rate is 2/λ_max.",
                lambda A: 2 / np.trace(A)),
        Mistake("inverted", "Your answer is upside down: the rate is 2/λ_max, not λ_max/2.",
                lambda A: eigenvalues(A)[-1] / 2),
    ]
    return check_against(fn, lambda A: 2.0 / quadratic(A).L, cases, mistakes, arg_names=("A",),
                         output_names=("learning rate",),
                         reference_name="2 / optlib.functions.quadratic(A).L")


# --- The mini-batch gradient of least squares --------------------------------------------------


def _minibatch_gradient_reference(
    X: np.ndarray, y: np.ndarray, theta: np.ndarray, idx: np.ndarray
) -> np.ndarray:
    X_batch, y_batch = X[idx], y[idx]
    # The chain rule through ŷ = X_B θ: ∇_θ L = X_Bᵀ ∂L/∂ŷ, with ∂L/∂ŷ from optlib.losses.
    return X_batch.T @ losses.mse_grad(X_batch @ theta, y_batch)


def check_minibatch_gradient(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's mini-batch gradient of least squares (a linear model, no bias).

    For the rows :math:`B` = ``idx`` of the data, with :math:`\hat y = X\theta`:

    .. math::
        L_B(\theta) = \frac{1}{|B|}\sum_{i \in B} (x_i^\top\theta - y_i)^2, \qquad
        \nabla L_B(\theta) = \frac{2}{|B|}\, X_B^\top (X_B\theta - y_B),

    with :math:`|B|` = ``len(idx)`` (a row drawn twice counts twice, as ``X[idx]`` does). The
    reference is :func:`optlib.losses.mse_grad` of the batch's predictions, chained through
    :math:`\hat y = X_B\theta`: the gradient :class:`optlib.models.LinearRegression` gives for
    the weights.

    Expected signature: ``fn(X, y, theta, idx) -> gradient`` shaped like ``theta``, with ``X``
    of shape (n, d), ``y`` of shape (n,), ``theta`` of shape (d,) and ``idx`` an integer array
    of row numbers.

    Examples
    --------
    >>> def my_minibatch_gradient(X, y, theta, idx):
    ...     X_batch, y_batch = X[idx], y[idx]
    ...     return 2 * X_batch.T @ (X_batch @ theta - y_batch) / len(idx)
    >>> check_minibatch_gradient(my_minibatch_gradient).passed
    True
    """
    rng = np.random.default_rng(8)

    def data(n: int, d: int, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        X, theta = scale * rng.normal(size=(n, d)), scale * rng.normal(size=d)
        return X, scale**2 * rng.normal(size=n), theta

    # Whole numbers, so that X_B θ − y_B is exactly zero on the batch (and only there).
    X_fit, theta_fit = rng.integers(-3, 4, size=(6, 2)).astype(float), np.array([2.0, -1.0])
    y_fit = X_fit @ theta_fit + np.array([0.0, 1.0, 0.0, -2.0, 0.0, 3.0])
    cases = [
        Case((*data(8, 3), np.array([1, 4, 6])), "a batch of 3 of 8 rows"),
        Case((*data(8, 3), np.array([7, 0, 3, 5])), "a batch in no particular order"),
        Case((*data(8, 3), np.array([2])), "a batch of one row"),
        Case((*data(5, 2), np.arange(5)), "every row: the full batch"),
        Case((*data(8, 3), np.array([2, 5, 2])), "row 2 drawn twice (sampling with replacement)"),
        Case((X_fit, y_fit, theta_fit, np.array([0, 2, 4])),
             "a batch the model fits exactly (zero gradient)"),
        Case((*data(8, 3, scale=1e3), np.array([0, 3, 4, 6])), "large values"),
        Case((*data(20, 5), np.array([3, 9, 11, 14, 19])), "20 rows, 5 features, a batch of 5"),
    ]
    reference = _minibatch_gradient_reference
    mistakes = [
        Mistake("divides_by_n", "You average over all n rows of X; the batch's loss is the mean "
                "over its |B| = len(idx) rows, so divide by |B|: (2/|B|)·X_Bᵀ(X_Bθ − y_B).",
                lambda X, y, theta, idx: reference(X, y, theta, idx) * len(idx) / len(X)),
        Mistake("all_rows", "Your gradient uses every row of X: that is the full-batch gradient. "
                "Use only the rows of the batch, X[idx] and y[idx].",
                lambda X, y, theta, idx: reference(X, y, theta, np.arange(len(X)))),
        Mistake("no_factor_2", "Your gradient is missing the factor 2: the derivative of "
                "(x·θ − y)² is 2(x·θ − y)·x, so ∇L = (2/|B|)·X_Bᵀ(X_Bθ − y_B).",
                lambda X, y, theta, idx: reference(X, y, theta, idx) / 2),
        Mistake("sign", "Your gradient has the wrong sign: it is X_Bᵀ(X_Bθ − y_B) times 2/|B|, "
                "prediction minus target.",
                lambda X, y, theta, idx: -reference(X, y, theta, idx)),
        Mistake("sum_not_mean", "Yours is the gradient of the *sum* of squared errors over the "
                "batch; the loss is their mean, so divide by |B| = len(idx).",
                lambda X, y, theta, idx: reference(X, y, theta, idx) * len(idx)),
        Mistake("half_sum", "X_Bᵀ(X_Bθ − y_B) is the gradient of ½·Σ(x·θ − y)²; the mean squared "
                "error needs (2/|B|)·X_Bᵀ(X_Bθ − y_B).",
                lambda X, y, theta, idx: reference(X, y, theta, idx) * len(idx) / 2),
    ]
    return check_against(fn, reference, cases, mistakes, arg_names=("X", "y", "theta", "idx"),
                         output_names=("gradient",),
                         reference_name="optlib.losses.mse_grad chained through X[idx]")


# --- Momentum (the lecture's velocity form) ----------------------------------------------------


def _momentum_reference(
    theta: np.ndarray, grad: np.ndarray, velocity: np.ndarray, lr: float, gamma: float
) -> tuple[np.ndarray, np.ndarray]:
    new_theta, state = Momentum(lr=lr, gamma=gamma).step(theta, grad, VelocityState(0, velocity))
    return new_theta, state.v


def check_momentum_step(step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's heavy-ball momentum step against :class:`optlib.optimizers.Momentum`.

    The lecture's velocity form (Polyak 1964):

    .. math::
        v_{t} = \gamma v_{t-1} - \eta\, g_t, \qquad \theta_{t} = \theta_{t-1} + v_{t}.

    (PyTorch's ``SGD(momentum=γ)`` keeps :math:`b = -v/\eta` instead; the checker wants the
    lecture's :math:`v`.)

    Expected signature: ``step(theta, grad, velocity, lr, gamma) -> (theta, velocity)``, the new
    parameters and the new velocity.

    Examples
    --------
    >>> def my_momentum_step(theta, grad, velocity, lr, gamma):
    ...     velocity = gamma * velocity - lr * grad
    ...     return theta + velocity, velocity
    >>> check_momentum_step(my_momentum_step).passed
    True
    """
    rng = np.random.default_rng(5)

    def carry(args: tuple[Any, ...], outputs: Any, grad: np.ndarray) -> tuple[Any, ...]:
        return (outputs[0], grad, outputs[1], *args[3:])

    first = (rng.normal(size=3), rng.normal(size=3), np.zeros(3), 0.1, 0.9)
    cases = [
        *_steps_in_a_row(_momentum_reference, carry, first, rng.normal(size=(3, 3)),
                         "4 steps in a row"),
        Case((rng.normal(size=3), np.zeros(3), rng.normal(size=3), 0.1, 0.9),
             "zero gradient, still moving"),
        Case((rng.normal(size=3), rng.normal(size=3), rng.normal(size=3), 0.1, 0.0), "γ = 0"),
        Case((1e5 * rng.normal(size=3), 1e7 * rng.normal(size=3), 1e6 * rng.normal(size=3),
              0.01, 0.9), "large values"),
        Case((rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), rng.normal(size=(3, 2)),
              0.05, 0.5), "a batch, shape (3, 2)"),
    ]
    reference = _momentum_reference

    def old_velocity(theta, grad, velocity, lr, gamma):
        return theta + velocity, gamma * velocity - lr * grad

    def pytorch_buffer(theta, grad, velocity, lr, gamma):
        buffer = gamma * velocity + grad
        return theta - lr * buffer, buffer

    def damped(theta, grad, velocity, lr, gamma):
        velocity = gamma * velocity - (1 - gamma) * lr * grad
        return theta + velocity, velocity

    mistakes = [
        Mistake("uphill", "Your step moves uphill: the velocity should subtract η·g "
                "(v ← γv − η·g), not add it.",
                _with_arg(reference, 1, lambda grad: -grad)),
        Mistake("lr_missing", "Your step ignores the learning rate: v ← γv − η·g.",
                _with_arg(reference, 3, lambda lr: 1.0)),
        Mistake("forgets_velocity", "Your step ignores the old velocity, so it is plain gradient "
                "descent: v ← γv − η·g keeps γ times the previous velocity.",
                _with_arg(reference, 4, lambda gamma: 0.0)),
        Mistake("old_velocity", "Your step moves θ with the old velocity: update v first "
                "(v ← γv − η·g), then θ ← θ + v with the new v.", old_velocity),
        Mistake("pytorch_buffer", "You mixed in PyTorch's form (b ← μb + g, θ ← θ − η·b); in the "
                "lecture's form η multiplies only the new gradient: v ← γv − η·g, θ ← θ + v.",
                pytorch_buffer),
        Mistake("damped", "Your velocity has a (1 − γ) factor, an exponential moving average; "
                "the heavy ball adds the whole −η·g: v ← γv − η·g.", damped),
        Mistake("swapped_outputs", "You return (velocity, theta); return (theta, velocity).",
                _reordered(reference, (1, 0))),
        Mistake("returns_update", "Your first output is the velocity v, the update, instead of the "
                "new parameters θ + v.", _update_not_parameters(reference)),
    ]
    return check_against(step, reference, cases, mistakes,
                         arg_names=("theta", "grad", "velocity", "lr", "gamma"),
                         output_names=("theta", "velocity"),
                         reference_name="optlib.optimizers.Momentum")


# --- Nesterov momentum (the lecture's look-ahead form) -----------------------------------------


class _QuadraticGradient:
    r"""A case's ``grad_fn``: :math:`x \mapsto \nabla f(x) = Ax - b` of a seeded quadratic
    (:class:`optlib.functions.Quadratic`), shown by its :math:`A` and :math:`b` in messages."""

    def __init__(self, objective: Quadratic) -> None:
        self.objective = objective

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.objective.grad(x)

    def __repr__(self) -> str:
        A, b = self.objective.A, self.objective.b
        return f"∇f of f(x) = ½xᵀAx − bᵀx with A = {_show(A)}, b = {_show(b)}"


def _random_quadratic_gradient(rng: np.random.Generator, dim: int) -> _QuadraticGradient:
    rotation, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    A = rotation @ np.diag(rng.uniform(0.5, 5.0, size=dim)) @ rotation.T
    return _QuadraticGradient(quadratic((A + A.T) / 2, rng.normal(size=dim)))


def _recording_gradient_calls(
    step: Callable[..., Any], calls: list[list[np.ndarray]]
) -> Callable[..., Any]:
    """``step``, with its ``grad_fn`` (second argument) replaced by one that records where it is
    called: each call of ``step`` appends the list of its points to ``calls``."""

    @functools.wraps(step)  # keeps the learner's name for the messages
    def recorded_step(theta: Any, grad_fn: Callable[[Any], Any], *rest: Any) -> Any:
        points: list[np.ndarray] = []
        calls.append(points)

        def recorded_grad_fn(x: Any) -> Any:
            gradient = grad_fn(x)
            points.append(np.array(x, dtype=float))  # a copy: x may be changed afterwards
            return gradient

        return step(theta, recorded_grad_fn, *rest)

    return recorded_step


def _nesterov_reference(
    theta: np.ndarray,
    grad_fn: Callable[[np.ndarray], np.ndarray],
    velocity: np.ndarray,
    lr: float,
    gamma: float,
) -> tuple[np.ndarray, np.ndarray]:
    optimizer = NesterovLookahead(lr=lr, gamma=gamma)
    state = VelocityState(0, np.asarray(velocity, dtype=float))
    grad = grad_fn(optimizer.lookahead_point(theta, state))
    new_theta, state = optimizer.step(theta, grad, state)
    return new_theta, state.v


def check_nesterov_step(step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's Nesterov momentum step against
    :class:`optlib.optimizers.NesterovLookahead` (its ``lookahead_point``, then ``step``).

    The lecture's look-ahead form (Sutskever, Martens, Dahl & Hinton 2013): the gradient is read
    where the velocity is about to carry the ball, :math:`\theta + \gamma v`:

    .. math::
        v_{t} = \gamma v_{t-1} - \eta\, \nabla f(\theta_{t-1} + \gamma v_{t-1}), \qquad
        \theta_{t} = \theta_{t-1} + v_{t}.

    ``grad_fn`` is a function returning :math:`\nabla f` at any point (the checker passes the
    gradients of seeded random quadratics). Call it once per step, as the method does: the
    checker records where you call it.

    Expected signature: ``step(theta, grad_fn, velocity, lr, gamma) -> (theta, velocity)``,
    the new parameters and the new velocity.

    Examples
    --------
    >>> def my_nesterov_step(theta, grad_fn, velocity, lr, gamma):
    ...     velocity = gamma * velocity - lr * grad_fn(theta + gamma * velocity)
    ...     return theta + velocity, velocity
    >>> check_nesterov_step(my_nesterov_step).passed
    True
    """
    rng = np.random.default_rng(9)
    bowl = _random_quadratic_gradient(rng, 3)

    def carry(args: tuple[Any, ...], outputs: Any, grad_fn: Any) -> tuple[Any, ...]:
        return (outputs[0], grad_fn, outputs[1], *args[3:])

    first = (rng.normal(size=3), bowl, np.zeros(3), 0.1, 0.9)
    other = _random_quadratic_gradient(rng, 3)
    cases = [
        *_steps_in_a_row(_nesterov_reference, carry, first, [bowl] * 3, "4 steps in a row"),
        Case((rng.normal(size=3), other, rng.normal(size=3), 0.05, 0.9),
             "another quadratic, already moving"),
        Case((other.objective.global_minimum.copy(), other, rng.normal(size=3), 0.1, 0.5),
             "at the minimum, still moving"),
        Case((rng.normal(size=3), other, rng.normal(size=3), 0.1, 0.0), "γ = 0"),
        Case((1e4 * rng.normal(size=3), bowl, 1e3 * rng.normal(size=3), 0.01, 0.9),
             "large values"),
        Case((rng.normal(size=(4, 2)), _random_quadratic_gradient(rng, 2),
              rng.normal(size=(4, 2)), 0.1, 0.8), "a batch of 4 points in 2-D, shape (4, 2)"),
    ]
    reference = _nesterov_reference

    def plain_momentum(theta, grad_fn, velocity, lr, gamma):
        return _momentum_reference(theta, grad_fn(theta), velocity, lr, gamma)

    def lookahead_behind(theta, grad_fn, velocity, lr, gamma):
        return _momentum_reference(theta, grad_fn(theta - gamma * velocity), velocity, lr, gamma)

    def old_velocity(theta, grad_fn, velocity, lr, gamma):
        return theta + velocity, reference(theta, grad_fn, velocity, lr, gamma)[1]

    mistakes = [
        Mistake("plain_momentum", "You read the gradient at θ: that is plain (heavy-ball) "
                "momentum. Nesterov reads it at the look-ahead point θ + γv, where the velocity "
                "is about to carry you: v ← γv − η·∇f(θ + γv), θ ← θ + v.", plain_momentum),
        Mistake("lookahead_sign", "Your look-ahead point is θ − γv, behind you; look ahead along "
                "the velocity: read the gradient at θ + γv.", lookahead_behind),
        Mistake("uphill", "Your step moves uphill: the velocity should subtract η·∇f(θ + γv) "
                "(v ← γv − η·∇f(θ + γv)), not add it.",
                _with_arg(reference, 1, lambda grad_fn: lambda x: -grad_fn(x))),
        Mistake("lr_missing", "Your step ignores the learning rate: v ← γv − η·∇f(θ + γv).",
                _with_arg(reference, 3, lambda lr: 1.0)),
        Mistake("old_velocity", "Your step moves θ with the old velocity: update v first "
                "(v ← γv − η·∇f(θ + γv)), then θ ← θ + v with the new v.", old_velocity),
        Mistake("swapped_outputs", "You return (velocity, theta); return (theta, velocity).",
                _reordered(reference, (1, 0))),
        Mistake("returns_update", "Your first output is the velocity v, the update, instead of the "
                "new parameters θ + v.", _update_not_parameters(reference)),
    ]
    # Not a variant: this mistake is found from the recorded calls, once the values are right.
    once = Mistake("grad_fn_called_more_than_once", "Your step gives the right answer, but it "
                   "calls grad_fn more than once. Nesterov's method, like plain momentum, uses one "
                   "gradient per step, at the look-ahead point: call grad_fn(θ + γv) only once, "
                   "store the result, and use it.")
    calls: list[list[np.ndarray]] = []
    candidate = _recording_gradient_calls(step, calls) if callable(step) else step
    result = check_against(candidate, reference, cases, mistakes,
                           arg_names=("theta", "grad_fn", "velocity", "lr", "gamma"),
                           output_names=("theta", "velocity"),
                           reference_name="optlib.optimizers.NesterovLookahead")
    # Each case called the learner's step once, so calls[k] holds case k + 1's gradient points.
    repeated = [(number, points) for number, points in enumerate(calls, 1) if len(points) > 1]
    if result.passed and repeated:
        number, points = repeated[0]
        where = ", ".join(_show(point) for point in points)
        return CheckResult(False, f"{once.message} On case {number} of {len(cases)} "
                           f"({cases[number - 1].description}) it called grad_fn {len(points)} "
                           f"times, at {where}.", once.name)
    return result


# --- Tuning the heavy ball on a quadratic ------------------------------------------------------


def _polyak_heavy_ball(mu: float, L: float) -> tuple[float, float]:
    r"""Polyak's (1964) optimal heavy-ball settings for Hessian eigenvalues in :math:`[\mu, L]`:
    :math:`\eta = 4/(\sqrt L + \sqrt\mu)^2`, :math:`\gamma = ((\sqrt\kappa - 1)/(\sqrt\kappa +
    1))^2`, :math:`\kappa = L/\mu`. optlib has no function for it: the formula is the paper's,
    and the tests confirm it independently, by minimising the heavy ball's spectral radius."""
    sqrt_kappa = np.sqrt(L / mu)
    return 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2, ((sqrt_kappa - 1) / (sqrt_kappa + 1)) ** 2


def _heavy_ball_rate(lr: float, gamma: float, eigenvalues: Sequence[float]) -> float:
    r"""The factor by which the heavy ball shrinks the error per step, in the long run: the
    largest spectral radius of its iteration matrices over the given eigenvalues :math:`\lambda`.

    Along an eigenvector of curvature :math:`\lambda` the error obeys
    :math:`e_{k+1} = (1 + \gamma - \eta\lambda)\, e_k - \gamma\, e_{k-1}`, i.e.
    :math:`(e_{k+1}, e_k) = M_\lambda (e_k, e_{k-1})` with
    :math:`M_\lambda = \begin{pmatrix} 1 + \gamma - \eta\lambda & -\gamma \\ 1 & 0
    \end{pmatrix}`. Over an interval :math:`[\mu, L]` the worst :math:`\lambda` is an end point:
    the radius grows with :math:`|1 + \gamma - \eta\lambda|`, which is convex in :math:`\lambda`.
    """
    matrices = np.array([[[1 + gamma - lr * lam, -gamma], [1.0, 0.0]] for lam in eigenvalues])
    return float(np.max(np.abs(np.linalg.eigvals(matrices))))


def _heavy_ball_rate_note(fn: Callable[..., Any], cases: Sequence[Case]) -> str:
    """What the learner's settings cost on the first case they get wrong, or '' if unknown."""
    for case in cases:
        mu, L = case.args
        right = _polyak_heavy_ball(mu, L)
        try:
            with _quiet():
                lr, gamma = (float(setting) for setting in fn(mu, L))
        except Exception:  # not two numbers: the main message has said so already
            return ""
        if not (np.isfinite(lr) and np.isfinite(gamma)):
            return ""
        if _close(_outputs((lr, gamma), 2), _outputs(right, 2)):
            continue
        rate, best = _heavy_ball_rate(lr, gamma, (mu, L)), _heavy_ball_rate(*right, (mu, L))
        yours = (f"never converge (ρ = {rate:.4g} ≥ 1 per step)" if rate >= 1 else
                 f"shrink the error by a factor ρ = {rate:.4g} per step")
        return (f" With μ = {mu:g} and L = {L:g} your settings {yours}; Polyak's shrink it by "
                f"ρ = (√κ − 1)/(√κ + 1) = {best:.4g}.")
    return ""


def check_heavy_ball_tuning(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's optimal heavy-ball settings for a quadratic (Polyak 1964).

    On a quadratic whose Hessian eigenvalues lie in :math:`[\mu, L]`, heavy-ball momentum
    (:math:`v \leftarrow \gamma v - \eta\nabla f`, :math:`\theta \leftarrow \theta + v`)
    converges fastest with

    .. math::
        \eta = \frac{4}{(\sqrt L + \sqrt\mu)^2}, \qquad
        \gamma = \left(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\right)^2, \qquad
        \kappa = \frac{L}{\mu},

    and then shrinks the error by :math:`\rho = (\sqrt\kappa - 1)/(\sqrt\kappa + 1)` per step
    (the spectral radius of the iteration matrix, :math:`\sqrt\gamma`), against
    :math:`(\kappa - 1)/(\kappa + 1)` for the best gradient-descent step :math:`2/(\mu + L)`.
    When you are wrong the message also says which rate your settings give.

    Expected signature: ``fn(mu, L) -> (lr, gamma)``, two numbers, for :math:`0 < \mu \le L`.

    Examples
    --------
    >>> import numpy as np
    >>> def my_heavy_ball_tuning(mu, L):
    ...     kappa = L / mu
    ...     lr = 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2
    ...     gamma = ((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2
    ...     return lr, gamma
    >>> check_heavy_ball_tuning(my_heavy_ball_tuning).passed
    True
    """
    cases = [
        Case((1.0, 100.0), "μ = 1, L = 100 (κ = 100)"),
        Case((1.0, 4.0), "μ = 1, L = 4 (κ = 4)"),
        Case((0.3, 7.5), "μ = 0.3, L = 7.5 (κ = 25)"),
        Case((2.0, 2.0), "μ = L = 2 (κ = 1, a round bowl)"),
        Case((3.0, 3.3), "μ = 3, L = 3.3 (κ = 1.1, nearly round)"),
        Case((1e-3, 1e3), "μ = 1e-3, L = 1e3 (κ = 10⁶, badly conditioned)"),
        Case((1e4, 1e6), "μ = 1e4, L = 1e6 (a steep bowl)"),
        Case((1e-4, 1e-2), "μ = 1e-4, L = 1e-2 (a flat bowl)"),
    ]

    def rate(mu: float, L: float) -> float:
        """(√κ − 1)/(√κ + 1): the optimal rate, which is not the momentum."""
        sqrt_kappa = np.sqrt(L / mu)
        return (sqrt_kappa - 1) / (sqrt_kappa + 1)

    def right_lr(mu: float, L: float) -> float:
        return _polyak_heavy_ball(mu, L)[0]

    def right_gamma(mu: float, L: float) -> float:
        return _polyak_heavy_ball(mu, L)[1]

    mistakes = [
        Mistake("gd_optimal", "η = 2/(μ + L) with γ = 0 is the best *gradient-descent* step, with "
                "rate (κ − 1)/(κ + 1). Momentum does better: η = 4/(√L + √μ)², "
                "γ = ((√κ − 1)/(√κ + 1))².", lambda mu, L: (2 / (mu + L), 0.0)),
        Mistake("gamma_not_squared", "Your γ is (√κ − 1)/(√κ + 1), which is the optimal *rate*; "
                "the momentum is its square: γ = ((√κ − 1)/(√κ + 1))².",
                lambda mu, L: (right_lr(mu, L), rate(mu, L))),
        # Inside the square, μ/L and L/μ give the same γ; an inverted κ shows only without it.
        Mistake("kappa_inverted", "Your γ is negative: κ is L/μ (at least 1), you used μ/L; and "
                "the ratio is squared: γ = ((√κ − 1)/(√κ + 1))².",
                lambda mu, L: (right_lr(mu, L), rate(L, mu))),
        Mistake("one_over_L", "η = 1/L is the safe gradient-descent step; with momentum the "
                "optimal step is larger: η = 4/(√L + √μ)².",
                lambda mu, L: (1 / L, right_gamma(mu, L))),
        Mistake("nesterov_settings", "η = 1/L with γ = (√κ − 1)/(√κ + 1) are the settings of "
                "*Nesterov's* method for strongly convex functions; Polyak's heavy ball uses "
                "η = 4/(√L + √μ)² and γ = ((√κ − 1)/(√κ + 1))².",
                lambda mu, L: (1 / L, rate(mu, L))),
        Mistake("swapped_outputs", "You return (gamma, lr); return (lr, gamma).",
                _reordered(_polyak_heavy_ball, (1, 0))),
    ]
    result = check_against(fn, _polyak_heavy_ball, cases, mistakes, arg_names=("mu", "L"),
                           output_names=("lr", "gamma"),
                           reference_name="Polyak's optimal settings (1964)")
    if result.passed or result.mistake not in {None, *(m.name for m in mistakes)}:
        return result
    note = _heavy_ball_rate_note(fn, cases)
    return CheckResult(False, result.message + note, result.mistake)


# --- AdaGrad -----------------------------------------------------------------------------------


def _adagrad_reference(
    theta: np.ndarray, grad: np.ndarray, G: np.ndarray, lr: float, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    optimizer = Adagrad(lr=lr, eps=eps)
    new_theta, state = optimizer.step(theta, grad, AdagradState(0, np.asarray(G, dtype=float)))
    return new_theta, state.G


def check_adagrad_step(step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's AdaGrad step against :class:`optlib.optimizers.Adagrad` (PyTorch's,
    with ``lr_decay = 0`` and ``weight_decay = 0``).

    .. math::
        G_t = G_{t-1} + g_t^2, \qquad
        \theta_t = \theta_{t-1} - \eta\, \frac{g_t}{\sqrt{G_t} + \epsilon},

    with :math:`G` the running *sum* of squared gradients and :math:`\epsilon` outside the
    square root, as PyTorch.

    Expected signature: ``step(theta, grad, G, lr, eps) -> (theta, G)``, the new parameters
    and the new sum of squared gradients.

    Examples
    --------
    >>> import numpy as np
    >>> def my_adagrad_step(theta, grad, G, lr, eps):
    ...     G = G + grad**2
    ...     return theta - lr * grad / (np.sqrt(G) + eps), G
    >>> check_adagrad_step(my_adagrad_step).passed
    True
    """
    rng = np.random.default_rng(10)

    def carry(args: tuple[Any, ...], outputs: Any, grad: np.ndarray) -> tuple[Any, ...]:
        return (outputs[0], grad, outputs[1], *args[3:])

    first = (rng.normal(size=3), rng.normal(size=3), np.zeros(3), 0.1, 1e-10)
    cases = [
        *_steps_in_a_row(_adagrad_reference, carry, first, rng.normal(size=(3, 3)),
                         "4 steps in a row"),
        Case((rng.normal(size=3), np.zeros(3), rng.uniform(0.5, 2, size=3), 0.1, 1e-10),
             "zero gradient"),
        Case((rng.normal(size=3), rng.normal(size=3), rng.uniform(50, 100, size=3), 0.1, 1e-10),
             "late in training, G large"),
        Case((rng.normal(size=3), 1e-10 * rng.normal(size=3), 1e-20 * rng.uniform(size=3), 0.1,
              1e-10), "tiny gradients and G, where ε matters"),
        Case((1e3 * rng.normal(size=3), 1e6 * rng.normal(size=3), 1e12 * rng.uniform(size=3),
              0.01, 1e-10), "large values"),
        Case((rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.uniform(size=(4, 3)), 0.5,
              1e-6), "a batch, shape (4, 3), ε = 1e-6"),
    ]
    reference = _adagrad_reference

    def eps_inside_root(theta, grad, G, lr, eps):
        _, G = reference(theta, grad, G, lr, eps)
        return theta - lr * grad / np.sqrt(G + eps), G

    def not_accumulated(theta, grad, G, lr, eps):
        return reference(theta, grad, np.zeros_like(G), lr, eps)

    def no_square_root(theta, grad, G, lr, eps):
        _, G = reference(theta, grad, G, lr, eps)
        return theta - lr * grad / (G + eps), G

    def old_sum(theta, grad, G, lr, eps):
        return theta - lr * grad / (np.sqrt(G) + eps), reference(theta, grad, G, lr, eps)[1]

    mistakes = [
        Mistake("uphill", "Your step moves uphill: subtract η·g/(√G + ε) from θ, don't add it.",
                _uphill(reference)),
        Mistake("lr_missing", "Your step ignores the learning rate: θ ← θ − η·g/(√G + ε).",
                _with_arg(reference, 3, lambda lr: 1.0)),
        Mistake("eps_inside_root", "You put ε inside the square root, √(G + ε); PyTorch (and the "
                "book) add it outside: g/(√G + ε).", eps_inside_root),
        Mistake("not_accumulated", "Your G is only this step's g²: AdaGrad *adds up* every "
                "squared gradient so far, G ← G + g². (Keeping only the latest g² is RMSProp "
                "without memory, α = 0: every step then has size about η.)", not_accumulated),
        Mistake("no_square_root", "You divide by G + ε; divide by its square root, √G + ε.",
                no_square_root),
        Mistake("old_G", "Your step divides by the old G: add g² first (G ← G + g²), then use "
                "the new G in θ ← θ − η·g/(√G + ε).", old_sum),
        Mistake("swapped_outputs", "You return (G, theta); return (theta, G).",
                _reordered(reference, (1, 0))),
        Mistake("returns_update", "Your first output is the update −η·g/(√G + ε) instead of the "
                "new parameters θ − η·g/(√G + ε).", _update_not_parameters(reference)),
    ]
    return check_against(step, reference, cases, mistakes,
                         arg_names=("theta", "grad", "G", "lr", "eps"),
                         output_names=("theta", "G"), reference_name="optlib.optimizers.Adagrad")


# --- RMSProp -----------------------------------------------------------------------------------


def _rmsprop_reference(
    theta: np.ndarray, grad: np.ndarray, v: np.ndarray, lr: float, alpha: float, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    optimizer = RMSprop(lr=lr, alpha=alpha, eps=eps)
    state = optimizer.init(theta)._replace(v=np.asarray(v, dtype=float))
    new_theta, state = optimizer.step(theta, grad, state)
    return new_theta, state.v


def check_rmsprop_step(step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's RMSProp step against :class:`optlib.optimizers.RMSprop` (PyTorch's).

    .. math::
        v_t = \alpha v_{t-1} + (1 - \alpha)\, g_t^2, \qquad
        \theta_t = \theta_{t-1} - \eta\, \frac{g_t}{\sqrt{v_t} + \epsilon},

    with :math:`\epsilon` *outside* the square root, as PyTorch.

    Expected signature: ``step(theta, grad, v, lr, alpha, eps) -> (theta, v)``, the new
    parameters and the new moving average of :math:`g^2`.

    Examples
    --------
    >>> import numpy as np
    >>> def my_rmsprop_step(theta, grad, v, lr, alpha, eps):
    ...     v = alpha * v + (1 - alpha) * grad**2
    ...     return theta - lr * grad / (np.sqrt(v) + eps), v
    >>> check_rmsprop_step(my_rmsprop_step).passed
    True
    """
    rng = np.random.default_rng(6)

    def carry(args: tuple[Any, ...], outputs: Any, grad: np.ndarray) -> tuple[Any, ...]:
        return (outputs[0], grad, outputs[1], *args[3:])

    first = (rng.normal(size=3), rng.normal(size=3), np.zeros(3), 0.01, 0.99, 1e-8)
    cases = [
        *_steps_in_a_row(_rmsprop_reference, carry, first, rng.normal(size=(3, 3)),
                         "4 steps in a row"),
        Case((rng.normal(size=3), np.zeros(3), rng.uniform(0.1, 1, size=3), 0.01, 0.99, 1e-8),
             "zero gradient"),
        Case((rng.normal(size=3), 1e-9 * rng.normal(size=3), 1e-20 * rng.uniform(size=3), 0.01,
              0.99, 1e-8), "tiny gradients and v, where ε matters"),
        Case((1e3 * rng.normal(size=3), 1e6 * rng.normal(size=3), 1e12 * rng.uniform(size=3),
              0.01, 0.99, 1e-8), "large values"),
        Case((rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.uniform(size=(4, 3)), 0.1,
              0.9, 1e-6), "a batch, shape (4, 3), α = 0.9, ε = 1e-6"),
    ]
    reference = _rmsprop_reference

    def eps_inside_root(theta, grad, v, lr, alpha, eps):
        _, v = reference(theta, grad, v, lr, alpha, eps)
        return theta - lr * grad / np.sqrt(v + eps), v

    def no_one_minus_alpha(theta, grad, v, lr, alpha, eps):
        v = alpha * v + grad**2
        return theta - lr * grad / (np.sqrt(v) + eps), v

    def alpha_swapped(theta, grad, v, lr, alpha, eps):
        v = (1 - alpha) * v + alpha * grad**2
        return theta - lr * grad / (np.sqrt(v) + eps), v

    def g_not_squared(theta, grad, v, lr, alpha, eps):
        v = alpha * v + (1 - alpha) * grad
        return theta - lr * grad / (np.sqrt(v) + eps), v

    def no_square_root(theta, grad, v, lr, alpha, eps):
        _, v = reference(theta, grad, v, lr, alpha, eps)
        return theta - lr * grad / (v + eps), v

    def old_v(theta, grad, v, lr, alpha, eps):
        return theta - lr * grad / (np.sqrt(v) + eps), reference(theta, grad, v, lr, alpha, eps)[1]

    mistakes = [
        Mistake("uphill", "Your step moves uphill: subtract η·g/(√v + ε) from θ, don't add it.",
                _uphill(reference)),
        Mistake("lr_missing", "Your step ignores the learning rate: θ ← θ − η·g/(√v + ε).",
                _with_arg(reference, 3, lambda lr: 1.0)),
        Mistake("lr_squared", "Your step uses η² instead of η: multiply by the learning rate "
                "once.", _with_arg(reference, 3, lambda lr: lr**2)),
        Mistake("eps_inside_root", "You put ε inside the square root, √(v + ε); PyTorch (and the "
                "book) add it outside: g/(√v + ε). It matters when v is tiny.", eps_inside_root),
        Mistake("no_one_minus_alpha", "Your moving average is missing the (1 − α) factor: "
                "v ← α·v + (1 − α)·g².", no_one_minus_alpha),
        Mistake("alpha_swapped", "You swapped α and 1 − α: the old average keeps the weight α "
                "(close to 1): v ← α·v + (1 − α)·g².", alpha_swapped),
        Mistake("g_not_squared", "Your moving average uses g instead of g²: v ← α·v + (1 − α)·g².",
                g_not_squared),
        Mistake("no_square_root", "You divide by v + ε; divide by its square root, √v + ε.",
                no_square_root),
        Mistake("old_v", "Your step divides by the old v: update v first, then use the new v in "
                "θ ← θ − η·g/(√v + ε).", old_v),
        Mistake("swapped_outputs", "You return (v, theta); return (theta, v).",
                _reordered(reference, (1, 0))),
        Mistake("returns_update", "Your first output is the update −η·g/(√v + ε) instead of the "
                "new parameters θ − η·g/(√v + ε).", _update_not_parameters(reference)),
    ]
    return check_against(step, reference, cases, mistakes,
                         arg_names=("theta", "grad", "v", "lr", "alpha", "eps"),
                         output_names=("theta", "v"), reference_name="optlib.optimizers.RMSprop")


# --- AdaDelta ----------------------------------------------------------------------------------


def _adadelta_reference(
    theta: np.ndarray, grad: np.ndarray, v: np.ndarray, u: np.ndarray, rho: float, eps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    optimizer = Adadelta(lr=1.0, rho=rho, eps=eps)
    state = AdadeltaState(0, np.asarray(v, dtype=float), np.asarray(u, dtype=float))
    new_theta, state = optimizer.step(theta, grad, state)
    return new_theta, state.v, state.u


def check_adadelta_step(step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's AdaDelta step against :class:`optlib.optimizers.Adadelta` (PyTorch's,
    with its default ``lr = 1``, which is Zeiler's rule).

    Zeiler (2012), Algorithm 1, with :math:`v` the moving average of :math:`g^2` and :math:`u`
    that of the squared updates :math:`\Delta^2`:

    .. math::
        v_t &= \rho v_{t-1} + (1 - \rho)\, g_t^2, \qquad
        \Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t, \\
        u_t &= \rho u_{t-1} + (1 - \rho)\, \Delta_t^2, \qquad
        \theta_t = \theta_{t-1} - \Delta_t.

    The numerator uses :math:`u` from the *previous* step; :math:`\epsilon` is inside both roots.

    Expected signature: ``step(theta, grad, v, u, rho, eps) -> (theta, v, u)``.

    Examples
    --------
    >>> import numpy as np
    >>> def my_adadelta_step(theta, grad, v, u, rho, eps):
    ...     v = rho * v + (1 - rho) * grad**2
    ...     delta = np.sqrt(u + eps) / np.sqrt(v + eps) * grad
    ...     u = rho * u + (1 - rho) * delta**2
    ...     return theta - delta, v, u
    >>> check_adadelta_step(my_adadelta_step).passed
    True
    """
    rng = np.random.default_rng(11)

    def carry(args: tuple[Any, ...], outputs: Any, grad: np.ndarray) -> tuple[Any, ...]:
        return (outputs[0], grad, outputs[1], outputs[2], *args[4:])

    def averages(scale: float, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """v (of g², about scale²) and u (of Δ², small: the steps taken so far)."""
        return scale**2 * rng.uniform(0.5, 2, size=shape), 1e-4 * rng.uniform(0.5, 2, size=shape)

    first = (rng.normal(size=3), rng.normal(size=3), np.zeros(3), np.zeros(3), 0.9, 1e-6)
    cases = [
        *_steps_in_a_row(_adadelta_reference, carry, first, rng.normal(size=(4, 3)),
                         "5 steps in a row"),
        Case((rng.normal(size=3), np.zeros(3), *averages(1.0, (3,)), 0.9, 1e-6),
             "zero gradient"),
        Case((rng.normal(size=3), rng.normal(size=3), *averages(1.0, (3,)), 0.9, 1e-6),
             "later in training"),
        Case((1e3 * rng.normal(size=3), 1e4 * rng.normal(size=3), *averages(1e4, (3,)), 0.9,
              1e-6), "large gradients"),
        Case((rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), *averages(1.0, (2, 3)), 0.95,
              1e-4), "a batch, shape (2, 3), ρ = 0.95, ε = 1e-4"),
    ]
    reference = _adadelta_reference

    def new_u_in_numerator(theta, grad, v, u, rho, eps):
        _, v, u = reference(theta, grad, v, u, rho, eps)
        return theta - np.sqrt(u + eps) / np.sqrt(v + eps) * grad, v, u

    def eps_outside_roots(theta, grad, v, u, rho, eps):
        v = rho * v + (1 - rho) * grad**2
        delta = (np.sqrt(u) + eps) / (np.sqrt(v) + eps) * grad
        return theta - delta, v, rho * u + (1 - rho) * delta**2

    def u_v_swapped(theta, grad, v, u, rho, eps):
        v = rho * v + (1 - rho) * grad**2
        delta = np.sqrt(v + eps) / np.sqrt(u + eps) * grad
        return theta - delta, v, rho * u + (1 - rho) * delta**2

    def no_one_minus_rho(theta, grad, v, u, rho, eps):
        v = rho * v + grad**2
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * grad
        return theta - delta, v, rho * u + delta**2

    def g_in_u(theta, grad, v, u, rho, eps):
        new_theta, new_v, _ = reference(theta, grad, v, u, rho, eps)
        return new_theta, new_v, rho * u + (1 - rho) * grad**2

    mistakes = [
        Mistake("uphill", "Your step moves uphill: subtract Δ from θ, don't add it.",
                _uphill(reference)),
        Mistake("new_u_in_numerator", "Your step uses u after this step's update in the "
                "numerator; Zeiler's Algorithm 1 (and PyTorch) use the previous u: "
                "Δ = √(u + ε)/√(v + ε)·g with the old u, and only then u ← ρu + (1 − ρ)Δ².",
                new_u_in_numerator),
        Mistake("eps_outside_roots", "You add ε outside the square roots, (√u + ε)/(√v + ε); "
                "AdaDelta puts it inside both: √(u + ε)/√(v + ε). (That ε is what lets the "
                "first step move at all: u starts at 0.)", eps_outside_roots),
        Mistake("u_v_swapped", "Your ratio is upside down: the numerator is the RMS of the "
                "past updates, √(u + ε), the denominator that of the gradients, √(v + ε).",
                u_v_swapped),
        Mistake("no_one_minus_rho", "Your moving averages are missing the (1 − ρ) factor: "
                "v ← ρv + (1 − ρ)g² and u ← ρu + (1 − ρ)Δ².", no_one_minus_rho),
        Mistake("g_in_u", "Your u averages g²; it is the average of the squared *updates*: "
                "u ← ρu + (1 − ρ)Δ².", g_in_u),
        Mistake("swapped_outputs", "You return (theta, u, v); return (theta, v, u).",
                _reordered(reference, (0, 2, 1))),
        Mistake("returns_update", "Your first output is the update −Δ instead of the new "
                "parameters θ − Δ.", _update_not_parameters(reference)),
    ]
    return check_against(step, reference, cases, mistakes,
                         arg_names=("theta", "grad", "v", "u", "rho", "eps"),
                         output_names=("theta", "v", "u"),
                         reference_name="optlib.optimizers.Adadelta")


# --- Adam --------------------------------------------------------------------------------------


def _adam_family_step(
    optimizer: Adam, theta: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, t: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One step of an optlib Adam or AdamW from the learner's (m, v, t): (θ, m, v)."""
    # optlib's state counts the steps already taken; the learner's t is the number of this step.
    state = AdamState(t - 1, np.asarray(m, dtype=float), np.asarray(v, dtype=float), None)
    new_theta, state = optimizer.step(theta, grad, state)
    return new_theta, state.m, state.v


def _adam_reference(
    theta: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, t: int, lr: float,
    beta1: float, beta2: float, eps: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return _adam_family_step(Adam(lr=lr, betas=(beta1, beta2), eps=eps), theta, grad, m, v, t)


def _adam_with_t_shifted(shift: int) -> Callable[..., Any]:
    def variant(theta, grad, m, v, t, lr, beta1, beta2, eps):
        # NumPy floats: 1 − β⁰ = 0 then gives inf/NaN, as a learner's array code does.
        hyper = (np.float64(lr), np.float64(beta1), np.float64(beta2), np.float64(eps))
        return _adam_reference(theta, grad, m, v, t + shift, *hyper)

    return variant


def check_adam_step(step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's Adam step against :class:`optlib.optimizers.Adam` (PyTorch's).

    .. math::
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2, \\
        \hat m_t &= \frac{m_t}{1 - \beta_1^t}, \qquad \hat v_t = \frac{v_t}{1 - \beta_2^t},
        \qquad \theta_t = \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon},

    with :math:`t = 1, 2, \dots` the number of *this* step and :math:`\epsilon` outside the
    root, after the bias correction (the paper and PyTorch). The returned ``m``, ``v`` are the
    raw moments, not the corrected ones.

    Expected signature:
    ``step(theta, grad, m, v, t, lr, beta1, beta2, eps) -> (theta, m, v)``.

    Examples
    --------
    >>> import numpy as np
    >>> def my_adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
    ...     m = beta1 * m + (1 - beta1) * grad
    ...     v = beta2 * v + (1 - beta2) * grad**2
    ...     m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    ...     return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    >>> check_adam_step(my_adam_step).passed
    True
    """
    rng = np.random.default_rng(7)
    default = (1e-2, 0.9, 0.999, 1e-8)

    moments = functools.partial(_random_moments, rng)

    first = (rng.normal(size=3), rng.normal(size=3), np.zeros(3), np.zeros(3), 1, *default)
    cases = [
        *_steps_in_a_row(_adam_reference, _carry_adam_state, first, rng.normal(size=(4, 3)),
                         "5 steps in a row"),
        Case((rng.normal(size=3), rng.normal(size=3), *moments(1.0, (3,)), 1000, *default),
             "late in training, t = 1000"),
        Case((rng.normal(size=3), np.zeros(3), *moments(1.0, (3,)), 3, *default),
             "zero gradient"),
        Case((rng.normal(size=3), 1e-10 * rng.normal(size=3), np.zeros(3), np.zeros(3), 1,
              *default), "tiny gradients, where ε matters"),
        Case((1e3 * rng.normal(size=3), 1e5 * rng.normal(size=3), *moments(1e5, (3,)), 2,
              *default), "large values"),
        Case((rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), *moments(1.0, (2, 3)), 4,
              *default), "a batch, shape (2, 3)"),
        Case((rng.normal(size=3), rng.normal(size=3), *moments(1.0, (3,)), 2, 0.1, 0.5, 0.9,
              1e-4), "β₁ = 0.5, β₂ = 0.9, ε = 1e-4"),
    ]
    reference = _adam_reference

    def with_theta(update: Callable[..., np.ndarray]) -> Callable[..., Any]:
        """The right moments (from optlib), then a wrong update of θ."""

        def variant(theta, grad, m, v, t, lr, beta1, beta2, eps):
            _, m, v = reference(theta, grad, m, v, t, lr, beta1, beta2, eps)
            return theta - update(m, v, t, lr, beta1, beta2, eps), m, v

        return variant

    def no_one_minus_beta(theta, grad, m, v, t, lr, beta1, beta2, eps):
        m, v = beta1 * m + grad, beta2 * v + grad**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v

    def g_not_squared(theta, grad, m, v, t, lr, beta1, beta2, eps):
        m, v = beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v

    def corrected_moments_as_state(theta, grad, m, v, t, lr, beta1, beta2, eps):
        new_theta, m, v = reference(theta, grad, m, v, t, lr, beta1, beta2, eps)
        return new_theta, m / (1 - beta1**t), v / (1 - beta2**t)

    mistakes = [
        Mistake("uphill", "Your step moves uphill: subtract η·m̂/(√v̂ + ε) from θ, don't add it.",
                _uphill(reference)),
        Mistake("lr_missing", "Your step ignores the learning rate: θ ← θ − η·m̂/(√v̂ + ε).",
                _with_arg(reference, 5, lambda lr: 1.0)),
        Mistake("lr_squared", "Your step uses η² instead of η: multiply by the learning rate "
                "once.", _with_arg(reference, 5, lambda lr: lr**2)),
        Mistake("no_bias_correction", "Your step has no bias correction: divide m by 1 − β₁ᵗ and "
                "v by 1 − β₂ᵗ before the update (it matters most in the first steps).",
                with_theta(lambda m, v, t, lr, b1, b2, eps: lr * m / (np.sqrt(v) + eps))),
        Mistake("only_m_corrected", "You bias-correct m but not v: use v̂ = v/(1 − β₂ᵗ) too.",
                with_theta(lambda m, v, t, lr, b1, b2, eps:
                           lr * m / (1 - b1**t) / (np.sqrt(v) + eps))),
        Mistake("only_v_corrected", "You bias-correct v but not m: use m̂ = m/(1 − β₁ᵗ) too.",
                with_theta(lambda m, v, t, lr, b1, b2, eps:
                           lr * m / (np.sqrt(v / (1 - b2**t)) + eps))),
        Mistake("t_off_by_one", "Your bias correction uses the wrong power: t is already the "
                "number of this step (1 on the first step), so divide by 1 − β₁ᵗ and 1 − β₂ᵗ "
                "with t as given, without adding 1.", _adam_with_t_shifted(+1)),
        Mistake("t_off_by_one", "Your bias correction uses the wrong power: t is the number of "
                "this step (1 on the first step), so divide by 1 − β₁ᵗ and 1 − β₂ᵗ, not "
                "1 − β^(t−1).", _adam_with_t_shifted(-1)),
        Mistake("eps_inside_root", "You put ε inside the square root, √(v̂ + ε); the paper and "
                "PyTorch add it outside: m̂/(√v̂ + ε). It matters when v is tiny.",
                with_theta(lambda m, v, t, lr, b1, b2, eps:
                           lr * m / (1 - b1**t) / np.sqrt(v / (1 - b2**t) + eps))),
        Mistake("eps_before_correction", "You add ε to √v before the bias correction; PyTorch "
                "and the book add it after: m̂/(√v̂ + ε) with v̂ = v/(1 − β₂ᵗ).",
                with_theta(lambda m, v, t, lr, b1, b2, eps:
                           lr * m / (1 - b1**t) / ((np.sqrt(v) + eps) / np.sqrt(1 - b2**t)))),
        Mistake("no_one_minus_beta", "Your moving averages are missing the (1 − β) factors: "
                "m ← β₁m + (1 − β₁)g and v ← β₂v + (1 − β₂)g².",
                no_one_minus_beta),
        Mistake("g_not_squared", "Your second moment uses g instead of g²: "
                "v ← β₂v + (1 − β₂)g².",
                g_not_squared),
        Mistake("betas_swapped", "You swapped β₁ and β₂: β₁ (0.9) averages the gradient m, β₂ "
                "(0.999) its square v.",
                lambda theta, grad, m, v, t, lr, beta1, beta2, eps:
                reference(theta, grad, m, v, t, lr, beta2, beta1, eps)),
        Mistake("corrected_moments_as_state", "You return the bias-corrected m̂ and v̂; return "
                "the raw m and v, which the next step averages further.",
                corrected_moments_as_state),
        Mistake("swapped_outputs", "You return (theta, v, m); return (theta, m, v).",
                _reordered(reference, (0, 2, 1))),
        Mistake("returns_update", "Your first output is the update instead of the new "
                "parameters θ − η·m̂/(√v̂ + ε).", _update_not_parameters(reference)),
    ]
    return check_against(step, reference, cases, mistakes,
                         arg_names=("theta", "grad", "m", "v", "t", "lr", "beta1", "beta2", "eps"),
                         output_names=("theta", "m", "v"), reference_name="optlib.optimizers.Adam")


# --- Bias correction ---------------------------------------------------------------------------


def _bias_correction_reference(
    m: np.ndarray, v: np.ndarray, t: int, beta1: float, beta2: float
) -> tuple[np.ndarray, np.ndarray]:
    return bias_corrected(m, beta1, t), bias_corrected(v, beta2, t)


def check_bias_correction(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's bias correction of Adam's moments against
    :func:`optlib.optimizers.bias_corrected`.

    .. math::
        \hat m_t = \frac{m_t}{1 - \beta_1^t}, \qquad \hat v_t = \frac{v_t}{1 - \beta_2^t},

    with :math:`t = 1, 2, \dots` the number of steps that built :math:`m_t` and :math:`v_t`
    (from :math:`m_0 = v_0 = 0`). After the first step, :math:`m_1 = (1 - \beta_1) g_1`, so
    :math:`\hat m_1 = g_1`: the correction removes the pull toward the zero start.

    Expected signature: ``fn(m, v, t, beta1, beta2) -> (m_hat, v_hat)``.

    Examples
    --------
    >>> def my_bias_correction(m, v, t, beta1, beta2):
    ...     return m / (1 - beta1**t), v / (1 - beta2**t)
    >>> check_bias_correction(my_bias_correction).passed
    True
    >>> check_bias_correction(lambda m, v, t, beta1, beta2: (m / (1 - beta1), v / (1 - beta2))
    ...                       ).mistake
    'beta_not_power'
    """
    rng = np.random.default_rng(13)

    moments = functools.partial(_random_moments, rng)

    g = rng.normal(size=3)
    cases = [
        Case(((1 - 0.9) * g, (1 - 0.999) * g**2, 1, 0.9, 0.999), "after the first step, t = 1"),
        Case((*moments(1.0, (3,)), 2, 0.9, 0.999), "t = 2"),
        Case((*moments(1.0, (3,)), 10, 0.9, 0.999), "t = 10"),
        Case((*moments(1.0, (3,)), 1000, 0.9, 0.999),
             "t = 1000, where 1 − β₁ᵗ ≈ 1 but 1 − β₂ᵗ is not"),
        Case((np.zeros(3), np.zeros(3), 5, 0.9, 0.999), "zero moments"),
        Case((*moments(1.0, (3,)), 3, 0.5, 0.9), "β₁ = 0.5, β₂ = 0.9"),
        Case((*moments(1.0, (3,)), 7, 0.0, 0.99), "β₁ = 0 (no momentum), β₂ = 0.99"),
        Case((*moments(1.0, (2, 3)), 4, 0.9, 0.999), "a batch, shape (2, 3)"),
        Case((*moments(1e6, (3,)), 3, 0.9, 0.999), "large values"),
    ]
    reference = _bias_correction_reference

    def multiplies(m, v, t, beta1, beta2):
        return m * (1 - beta1**t), v * (1 - beta2**t)

    def with_t_shifted(shift: int) -> Callable[..., Any]:
        return lambda m, v, t, beta1, beta2: reference(m, v, t + shift, beta1, beta2)

    mistakes = [
        Mistake("multiplies", "You multiply by 1 − βᵗ; divide by it: m̂ = m/(1 − β₁ᵗ). The "
                "moments start at 0 and are too small early on, so the correction enlarges them.",
                multiplies),
        Mistake("beta_not_power", "You divide by 1 − β; divide by 1 − βᵗ, β to the power t: "
                "m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ). (The two agree only at t = 1.)",
                lambda m, v, t, beta1, beta2: (m / (1 - beta1), v / (1 - beta2))),
        Mistake("t_off_by_one", "Your power of β is off by one: t is the number of steps that "
                "built m and v (1 after the first step), so divide by 1 − β₁ᵗ and 1 − β₂ᵗ with t "
                "as given.", with_t_shifted(+1)),
        Mistake("t_off_by_one", "Your power of β is off by one: t is the number of steps that "
                "built m and v (1 after the first step), so divide by 1 − β₁ᵗ and 1 − β₂ᵗ, not "
                "1 − β^(t−1).", with_t_shifted(-1)),
        Mistake("betas_swapped", "You swapped β₁ and β₂: m is corrected with β₁, "
                "m̂ = m/(1 − β₁ᵗ), and v with β₂, v̂ = v/(1 − β₂ᵗ).",
                lambda m, v, t, beta1, beta2: reference(m, v, t, beta2, beta1)),
        Mistake("only_m_corrected", "You correct m but return v unchanged: v̂ = v/(1 − β₂ᵗ) "
                "too.", lambda m, v, t, beta1, beta2: (reference(m, v, t, beta1, beta2)[0], v)),
        Mistake("only_v_corrected", "You correct v but return m unchanged: m̂ = m/(1 − β₁ᵗ) "
                "too.", lambda m, v, t, beta1, beta2: (m, reference(m, v, t, beta1, beta2)[1])),
        Mistake("swapped_outputs", "You return (v_hat, m_hat); return (m_hat, v_hat).",
                _reordered(reference, (1, 0))),
    ]
    return check_against(fn, reference, cases, mistakes,
                         arg_names=("m", "v", "t", "beta1", "beta2"),
                         output_names=("m_hat", "v_hat"),
                         reference_name="optlib.optimizers.bias_corrected")


# --- AdamW -------------------------------------------------------------------------------------


def _adamw_reference(
    theta: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, t: int, lr: float,
    beta1: float, beta2: float, eps: float, weight_decay: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    optimizer = AdamW(lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)
    return _adam_family_step(optimizer, theta, grad, m, v, t)


def check_adamw_step(step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's AdamW step against :class:`optlib.optimizers.AdamW` (PyTorch's).

    Decoupled weight decay (Loshchilov & Hutter 2019), as PyTorch: first shrink :math:`\theta`,
    then take an Adam step on the bare gradient (no :math:`\lambda\theta` added to it):

    .. math::
        \theta' &= \theta_{t-1}(1 - \eta\lambda), \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2, \\
        \theta_t &= \theta' - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}, \qquad
        \hat m_t = \frac{m_t}{1 - \beta_1^t}, \quad \hat v_t = \frac{v_t}{1 - \beta_2^t},

    with :math:`t = 1, 2, \dots` the number of this step and :math:`\epsilon` outside the root,
    after the bias correction. The decay always shrinks :math:`\theta`. PyTorch multiplies
    :math:`\lambda` by the learning rate; the paper's Algorithm 2 does not multiply it by the
    base rate :math:`\alpha`, so :math:`\lambda_\text{torch} = \lambda_\text{paper}/\alpha`.

    Expected signature:
    ``step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay) -> (theta, m, v)``.

    Examples
    --------
    >>> import numpy as np
    >>> def my_adamw_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    ...     theta = theta * (1 - lr * weight_decay)
    ...     m = beta1 * m + (1 - beta1) * grad
    ...     v = beta2 * v + (1 - beta2) * grad**2
    ...     m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    ...     return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    >>> check_adamw_step(my_adamw_step).passed
    True
    """
    rng = np.random.default_rng(12)
    default = (1e-2, 0.9, 0.999, 1e-8, 1e-2)

    moments = functools.partial(_random_moments, rng)

    first = (rng.normal(size=3), rng.normal(size=3), np.zeros(3), np.zeros(3), 1, *default)
    cases = [
        *_steps_in_a_row(_adamw_reference, _carry_adam_state, first, rng.normal(size=(4, 3)),
                         "5 steps in a row"),
        Case((rng.normal(size=3), rng.normal(size=3), *moments(1.0, (3,)), 1000, *default),
             "late in training, t = 1000"),
        Case((rng.normal(size=3), np.zeros(3), np.zeros(3), np.zeros(3), 1, *default),
             "a first step with zero gradient: only the decay acts"),
        Case((rng.normal(size=3), np.zeros(3), *moments(1.0, (3,)), 3, *default),
             "zero gradient, moments from earlier steps"),
        Case((rng.normal(size=3), 1e-10 * rng.normal(size=3), np.zeros(3), np.zeros(3), 1,
              *default), "tiny gradients, where ε matters"),
        Case((rng.normal(size=3), rng.normal(size=3), *moments(1.0, (3,)), 4, 0.1, 0.9, 0.999,
              1e-8, 0.5), "strong decay, η = 0.1, λ = 0.5"),
        Case((1e3 * rng.normal(size=3), 1e5 * rng.normal(size=3), *moments(1e5, (3,)), 2,
              *default), "large values"),
        Case((rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), *moments(1.0, (2, 3)), 4,
              *default), "a batch, shape (2, 3)"),
        Case((rng.normal(size=3), rng.normal(size=3), *moments(1.0, (3,)), 2, 0.1, 0.5, 0.9,
              1e-4, 0.1), "β₁ = 0.5, β₂ = 0.9, ε = 1e-4, λ = 0.1"),
        Case((rng.normal(size=3), rng.normal(size=3), *moments(1.0, (3,)), 3, 1e-2, 0.9, 0.999,
              1e-8, 0.0), "λ = 0, where AdamW is Adam"),
    ]
    reference = _adamw_reference

    def l2_penalty(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        adam = Adam(lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)
        return _adam_family_step(adam, theta, grad, m, v, t)

    def decayed_by(decay: Callable[..., np.ndarray]) -> Callable[..., Any]:
        """θ decayed by ``decay(theta, lr, weight_decay)``, then optlib's Adam step."""

        def variant(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
            return _adam_reference(decay(theta, lr, weight_decay), grad, m, v, t, lr, beta1,
                                   beta2, eps)

        return variant

    def decay_after_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        new_theta, m, v = _adam_reference(theta, grad, m, v, t, lr, beta1, beta2, eps)
        return new_theta * (1 - lr * weight_decay), m, v

    def with_adam_update(update: Callable[..., np.ndarray]) -> Callable[..., Any]:
        """The right decay and moments (from optlib), then a wrong Adam update."""

        def variant(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
            _, m, v = _adam_reference(theta, grad, m, v, t, lr, beta1, beta2, eps)
            return theta * (1 - lr * weight_decay) - update(m, v, t, lr, beta1, beta2, eps), m, v

        return variant

    def adam_step_only(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        new_theta, m, v = reference(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay)
        return new_theta - theta * (1 - lr * weight_decay), m, v

    mistakes = [
        Mistake("l2_not_decoupled", "You add λθ to the gradient: that is L2 regularisation, "
                "Adam with weight_decay, not AdamW. Then λθ is averaged into m and divided by "
                "√v̂, so weights with large gradients are hardly decayed. AdamW decouples the "
                "decay: θ ← θ(1 − ηλ) first, then the Adam step on the bare gradient g.",
                l2_penalty),
        Mistake("decay_grows_theta", "Your decay grows θ: θ(1 + ηλ). Weight decay always "
                "shrinks the weights toward zero: θ ← θ(1 − ηλ). (One of the lecture's AdamW "
                "slides has this sign slip.)",
                decayed_by(lambda theta, lr, lam: theta * (1 + lr * lam))),
        Mistake("decay_without_lr", "Your decay is θ(1 − λ), without the learning rate. PyTorch "
                "multiplies λ by η: θ ← θ(1 − ηλ). (The paper's Algorithm 2 scales the decay by "
                "the schedule multiplier but not by the base rate α, so its λ is PyTorch's "
                "times α: λ_torch = λ_paper/α.)",
                decayed_by(lambda theta, lr, lam: theta * (1 - lam))),
        Mistake("decay_after_step", "You decay θ after the Adam step, (θ − Δ)(1 − ηλ) with "
                "Δ = η·m̂/(√v̂ + ε). PyTorch decays the θ you are given first, θ ← θ(1 − ηλ), then "
                "subtracts Δ (the paper's decay term also uses the old θ); the two differ by ηλΔ.",
                decay_after_step),
        Mistake("no_bias_correction", "Your Adam step has no bias correction: divide m by "
                "1 − β₁ᵗ and v by 1 − β₂ᵗ before the update, θ ← θ(1 − ηλ) − η·m̂/(√v̂ + ε).",
                with_adam_update(lambda m, v, t, lr, b1, b2, eps: lr * m / (np.sqrt(v) + eps))),
        Mistake("eps_inside_root", "You put ε inside the square root, √(v̂ + ε); PyTorch adds it "
                "outside, after the bias correction: m̂/(√v̂ + ε). It matters when v is tiny.",
                with_adam_update(lambda m, v, t, lr, b1, b2, eps:
                                 lr * m / (1 - b1**t) / np.sqrt(v / (1 - b2**t) + eps))),
        Mistake("swapped_outputs", "You return (theta, v, m); return (theta, m, v).",
                _reordered(reference, (0, 2, 1))),
        Mistake("returns_update", "Your first output is the change of θ, −ηλθ − η·m̂/(√v̂ + ε), "
                "instead of the new parameters θ(1 − ηλ) − η·m̂/(√v̂ + ε).",
                _update_not_parameters(reference)),
        Mistake("returns_update", "Your first output is the Adam step −η·m̂/(√v̂ + ε) alone, "
                "instead of the new parameters: decay θ, then return "
                "θ(1 − ηλ) − η·m̂/(√v̂ + ε).", adam_step_only),
    ]
    return check_against(step, reference, cases, mistakes,
                         arg_names=("theta", "grad", "m", "v", "t", "lr", "beta1", "beta2", "eps",
                                    "weight_decay"),
                         output_names=("theta", "m", "v"),
                         reference_name="optlib.optimizers.AdamW")


# --- RAdam's length of the approximated SMA ----------------------------------------------------


def check_radam_rho(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's RAdam :math:`\rho_t` against :func:`optlib.optimizers.sma_length`,
    the function :class:`optlib.optimizers.RAdam` calls.

    Liu et al. (2020) treat Adam's moving average of :math:`g^2` after :math:`t` steps as a
    simple moving average (SMA) of length :math:`\rho_t`:

    .. math::
        \rho_\infty = \frac{2}{1 - \beta_2} - 1, \qquad
        \rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t}.

    :math:`\rho_1 = 1` for every :math:`\beta_2`, and :math:`\rho_t` grows toward
    :math:`\rho_\infty`; RAdam rectifies the adaptive step once :math:`\rho_t > 5` (PyTorch; the
    paper says 4). With :math:`\beta_2 = 0.999`, :math:`\rho_\infty = 1999`.

    Expected signature: ``fn(beta2, t) -> rho_t``, one number; ``t = 1, 2, \dots`` is always an
    integer (a function that also accepts an array of t passes too).

    Examples
    --------
    >>> def my_radam_rho(beta2, t):
    ...     rho_inf = 2 / (1 - beta2) - 1
    ...     return rho_inf - 2 * t * beta2**t / (1 - beta2**t)
    >>> check_radam_rho(my_radam_rho).passed
    True
    >>> check_radam_rho(lambda beta2, t: 2 / (1 - beta2) - 2 * t * beta2**t / (1 - beta2**t)
    ...                 ).mistake
    'rho_inf_without_minus_one'
    """
    # β₂ as a NumPy float: a t that is off by one then gives 0/0 = NaN at t = 1 (as array code
    # does) instead of raising ZeroDivisionError, and the mistake can be named.
    cases = [
        Case((np.float64(beta2), t), description)
        for beta2, t, description in [
            (0.999, 1, "the first step, β₂ = 0.999"),
            (0.999, 2, "the second step"),
            (0.999, 5, "t = 5, the last step before PyTorch rectifies"),
            (0.999, 6, "t = 6, the first rectified step"),
            (0.999, 1000, "t = 1000"),
            (0.999, 100_000, "t = 100000, close to ρ∞"),
            (0.9, 10, "β₂ = 0.9, t = 10"),
            (0.99, 50, "β₂ = 0.99, t = 50"),
            (0.5, 3, "β₂ = 0.5, t = 3"),
        ]
    ]

    rho_inf = max_sma_length

    def correction(beta2: float, t: int) -> float:
        """ρ∞ − ρₜ = 2tβ₂ᵗ/(1 − β₂ᵗ), from optlib."""
        return rho_inf(beta2) - sma_length(beta2, t)

    mistakes = [
        Mistake("rho_inf_without_minus_one", "Your ρ∞ is 2/(1 − β₂); it is 2/(1 − β₂) − 1 "
                "(1999 for β₂ = 0.999). A check: ρ₁ = 1 for every β₂.",
                lambda beta2, t: sma_length(beta2, t) + 1),
        Mistake("no_factor_2", "The subtracted term is missing its factor 2: "
                "ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ).",
                lambda beta2, t: rho_inf(beta2) - correction(beta2, t) / 2),
        Mistake("denominator_beta_power", "Your denominator is β₂ᵗ; it is 1 − β₂ᵗ: "
                "ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ). (With β₂ᵗ below, β₂ᵗ cancels and you get ρ∞ − 2t.)",
                lambda beta2, t: rho_inf(beta2) - 2 * t),
        Mistake("t_off_by_one", "Your t is off by one: t is the number of this step (1 on the "
                "first step, where ρ₁ = 1), so use it as given, without adding 1.",
                lambda beta2, t: sma_length(beta2, t + 1)),
        Mistake("t_off_by_one", "Your t is off by one: t is the number of this step (1 on the "
                "first step, where ρ₁ = 1), so use it as given, not t − 1.",
                lambda beta2, t: sma_length(beta2, t - 1)),
        Mistake("sign", "You add the term 2tβ₂ᵗ/(1 − β₂ᵗ); subtract it: "
                "ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ), which grows from ρ₁ = 1 toward ρ∞.",
                lambda beta2, t: rho_inf(beta2) + correction(beta2, t)),
        Mistake("rho_infinity", "Your function returns ρ∞ for every t; ρₜ depends on t: "
                "ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ), 1 on the first step.",
                lambda beta2, t: rho_inf(beta2)),
    ]
    return check_against(fn, sma_length, cases, mistakes, arg_names=("beta2", "t"),
                         output_names=("rho_t",), reference_name="optlib.optimizers.sma_length")
