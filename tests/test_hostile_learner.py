"""The hostile learner: every checker of optlib.exercises fed its right answer, every mistake it
lists, and what a learner may really hand in: garbage, exceptions, exit(), endless loops, torch
tensors, float32. The invariant: a checker never raises (except KeyboardInterrupt, the learner's
stop button) and never hangs; it passes every right answer and names every listed mistake with
that mistake's own message.

The checkers are found in the package (every ``check_*`` it exports), and each one's reference,
cases and mistakes are read by listening to its call of ``check_against``: a new checker is
covered without a line here. The answers written by hand, as a learner would, are in
tests/test_exercises.py.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import math
import pkgutil
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

from optlib import exercises
from optlib.exercises import CheckResult, check_adamw_step, check_gd_step, check_radam_rho, engine

#: A short limit keeps the suite fast; the answers below are slow or endless relative to it.
LIMIT = 0.2
#: What a checker may call a problem that is not one of its listed mistakes.
GENERIC = {
    "raises",
    "exits",
    "timeout",
    "mutates_input",
    "wrong_output",
    "not_finite",
    "not_a_function",
    "low_precision",
}

#: Where no timer can interrupt the learner's function (Windows), an endless answer would hang.
needs_a_timer = pytest.mark.skipif(
    not engine._can_limit_time(), reason="no SIGALRM timer on this platform"
)

#: The checkers of answers that are functions (predictions are values: see the end of the file).
CHECKERS = [
    getattr(exercises, name)
    for name in exercises.__all__
    if name.startswith("check_")
    and name != "check_against"
    and getattr(getattr(exercises, name), "kind", "rule") != "prediction"
]
IDS = [checker.__name__ for checker in CHECKERS]


class Exercise(NamedTuple):
    """What a checker hands to ``check_against``."""

    reference: Callable[..., Any]
    cases: tuple[engine.Case, ...]
    mistakes: tuple[engine.Mistake, ...]
    arg_names: tuple[str, ...]
    output_names: tuple[str, ...]


@functools.cache
def exercise_of(checker: Callable[..., CheckResult]) -> Exercise:
    """The checker's reference, cases and mistakes, read from its call of check_against."""
    module = sys.modules[checker.__module__]
    real, seen = module.check_against, []

    def listen(candidate, reference, cases, mistakes=(), **names):
        seen.append(
            Exercise(
                reference,
                tuple(cases),
                tuple(mistakes),
                tuple(names["arg_names"]),
                tuple(names["output_names"]),
            )
        )
        return real(candidate, reference, cases, mistakes, **names)

    module.check_against = listen
    try:
        checker(lambda *args: None)
    finally:
        module.check_against = real
    assert len(seen) == 1, f"{checker.__name__} must call check_against once"
    return seen[0]


@pytest.fixture(autouse=True)
def short_limit_and_no_leftover_timer(monkeypatch):
    """Every test runs with a short limit, and leaves SIGALRM's handler and timer as it found
    them (no timer left running, whatever the learner's function did)."""
    monkeypatch.setattr(engine, "TIME_LIMIT", LIMIT)
    handler = signal.getsignal(signal.SIGALRM) if hasattr(signal, "SIGALRM") else None
    yield
    if hasattr(signal, "setitimer"):
        assert signal.getsignal(signal.SIGALRM) is handler
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def verdict(checker, candidate) -> CheckResult:
    """The checker's verdict, which must be a CheckResult with a message and a known mistake,
    with no warning escaping."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = checker(candidate)
    assert isinstance(result, CheckResult)
    assert isinstance(result.message, str) and result.message
    names = {mistake.name for mistake in exercise_of(checker).mistakes}
    if checker is exercises.check_nesterov_step:
        names.add("grad_fn_called_more_than_once")  # found from the recorded calls
    assert result.mistake in names | GENERIC | {None}, result.mistake
    assert result.passed == (result.mistake is None and result.message.startswith("Correct!"))
    return result


def with_outputs(exercise: Exercise, change: Callable[[np.ndarray], Any]) -> Callable[..., Any]:
    """The right answer with ``change`` applied to each of its outputs."""

    def answer(*args):
        outputs = exercise.reference(*args)
        if len(exercise.output_names) > 1:
            return tuple(change(np.asarray(output)) for output in outputs)
        return change(np.asarray(outputs))

    return answer


def rounded_to_float32(arg: Any) -> Any:
    """An argument rounded to float32 (its type kept): what a learner's float32 code sees."""
    if isinstance(arg, np.ndarray) and arg.dtype.kind == "f":
        return arg.astype(np.float32).astype(arg.dtype)
    if isinstance(arg, (float, np.floating)) and not isinstance(arg, bool):
        return type(arg)(np.float32(arg))
    return arg


def has_array_input(exercise: Exercise) -> bool:
    return any(isinstance(arg, np.ndarray) for arg in exercise.cases[0].args)


# --- The package: every checker is found ---------------------------------------------------------


def test_every_checker_in_the_package_is_exported_and_covered():
    modules = [
        importlib.import_module(f"optlib.exercises.{info.name}")
        for info in pkgutil.iter_modules(exercises.__path__)
    ]
    defined = {
        name
        for module in modules
        for name, value in vars(module).items()
        if name.startswith("check_")
        and name != "check_against"
        and inspect.isfunction(value)
        and value.__module__ == module.__name__
    }
    predictions = {name for name, c in engine.CHECKERS.items() if c.kind == "prediction"}
    assert defined == {checker.__name__ for checker in CHECKERS} | predictions
    assert len(CHECKERS) >= 16


# --- Right answers pass, listed mistakes are named ----------------------------------------------


@pytest.mark.parametrize("checker", CHECKERS, ids=IDS)
def test_the_reference_itself_passes(checker):
    exercise = exercise_of(checker)
    assert verdict(checker, exercise.reference).passed


@pytest.mark.parametrize("checker", CHECKERS, ids=IDS)
def test_the_right_answer_as_lists_or_float32_scalars_passes(checker):
    exercise = exercise_of(checker)
    assert verdict(checker, with_outputs(exercise, lambda output: output.tolist())).passed


def learners_version(exercise: Exercise, mistake: engine.Mistake) -> Callable[..., Any]:
    """A function that makes the mistake: its variant, or for a mistake seen only on some kind
    of case, the right answer except NaN on the cases of that kind (how an overflow shows)."""
    if mistake.variant is not None:
        return mistake.variant
    breaks_on = [
        case.args
        for case in exercise.cases
        if (case.kind or case.description) == mistake.fails_only_on
    ]
    assert breaks_on, f"no case of kind {mistake.fails_only_on!r}"

    def same_args(these, those):
        return all(
            np.array_equal(a, b) if isinstance(a, np.ndarray) else a is b or a == b
            for a, b in zip(these, those, strict=True)
        )

    def breaks_down(*args):
        right = exercise.reference(*args)
        if any(same_args(args, case_args) for case_args in breaks_on):
            return with_outputs(exercise, lambda output: output * np.nan)(*args)
        return right

    return breaks_down


MISTAKES = [
    (checker, index)
    for checker in CHECKERS
    for index, mistake in enumerate(exercise_of(checker).mistakes)
    if mistake.variant is not None or mistake.fails_only_on is not None
]
MISTAKE_IDS = [
    f"{checker.__name__}-{exercise_of(checker).mistakes[index].name}-{index}"
    for checker, index in MISTAKES
]


@pytest.mark.parametrize(("checker", "index"), MISTAKES, ids=MISTAKE_IDS)
def test_every_listed_mistake_is_named_by_its_own_message(checker, index):
    exercise = exercise_of(checker)
    mistake = exercise.mistakes[index]
    result = verdict(checker, learners_version(exercise, mistake))
    assert result.mistake == mistake.name, result.message
    assert result.message.startswith(mistake.message), result.message


@pytest.mark.parametrize(("checker", "index"), MISTAKES, ids=MISTAKE_IDS)
def test_every_listed_mistake_is_named_in_float32_too(checker, index):
    """A wrong answer stays wrong, and named, when it comes in float32."""
    exercise = exercise_of(checker)
    mistake = exercise.mistakes[index]
    wrong = learners_version(exercise, mistake)

    def in_float32(*args):
        with np.errstate(all="ignore"):
            outputs = wrong(*args)
            if len(exercise.output_names) > 1:
                return tuple(np.asarray(output, dtype=np.float32) for output in outputs)
            return np.asarray(outputs, dtype=np.float32)

    result = verdict(checker, in_float32)
    assert result.mistake == mistake.name, result.message


def test_every_mistake_without_a_variant_or_kind_is_tested_by_hand():
    """Such a mistake is found some other way (Nesterov's count of gradient calls); its test is
    in test_exercises.py."""
    unlisted = {
        (checker.__name__, mistake.name)
        for checker in CHECKERS
        for mistake in exercise_of(checker).mistakes
        if mistake.variant is None and mistake.fails_only_on is None
    }
    assert unlisted == set()


# --- Hostile answers ------------------------------------------------------------------------------


class FakeRequiresGradTensor:
    """Behaves like a torch tensor that requires grad: NumPy cannot read it (torch's message),
    ``detach()`` gives the numbers."""

    def __init__(self, values):
        self.values = np.asarray(values)

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError(
            "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
        )

    numpy = __array__

    def detach(self):
        return self.values


class Unreadable:
    """An object whose __array__ raises, and that has no detach()."""

    def __array__(self, dtype=None, copy=None):
        raise ZeroDivisionError("no numbers in here")


class Endless:
    """A callable whose every call loops forever, even through ``except Exception``."""

    def __call__(self, *args):
        while True:
            try:
                time.sleep(1.0)
            except Exception:  # the learner's own safety net must not swallow the time limit
                pass


def raising(error: BaseException) -> Callable[..., Any]:
    def answer(*args):
        raise error

    return answer


def slow_first_call(exercise: Exercise, seconds: float) -> Callable[..., Any]:
    calls = []

    def answer(*args):
        if not calls:
            time.sleep(seconds)
        calls.append(args)
        return exercise.reference(*args)

    return answer


def mutating(exercise: Exercise) -> Callable[..., Any]:
    def answer(*args):
        copies = [np.copy(arg) if isinstance(arg, np.ndarray) else arg for arg in args]
        next(arg for arg in args if isinstance(arg, np.ndarray))[...] = 0  # overwrite an input
        return exercise.reference(*copies)

    return answer


def in_float32(exercise: Exercise, factor: float = 1.0) -> Callable[..., Any]:
    """The answer computed from inputs rounded to float32 (times ``factor``), in float32."""

    def answer(*args):
        outputs = exercise.reference(*(rounded_to_float32(arg) for arg in args))
        if len(exercise.output_names) > 1:
            return tuple(np.asarray(output * factor, dtype=np.float32) for output in outputs)
        return np.asarray(outputs * factor, dtype=np.float32)

    return answer


class Hostile(NamedTuple):
    answer: Callable[[Exercise], Callable[..., Any]]
    expect: Callable[[CheckResult], bool]


def wrong_output(*words: str) -> Callable[[CheckResult], bool]:
    def expect(result):
        return result.mistake == "wrong_output" and all(word in result.message for word in words)

    return expect


HOSTILE = {
    "returns None": Hostile(
        lambda e: lambda *args: None,
        wrong_output("returned None", "return statement"),
    ),
    "returns a string": Hostile(lambda e: lambda *args: "0.1", wrong_output("str")),
    "returns a ragged list": Hostile(lambda e: lambda *args: [1.0, [2.0, 3.0]], wrong_output()),
    "one entry too many": Hostile(
        lambda e: with_outputs(e, lambda output: np.append(np.ravel(output), 0.0)),
        wrong_output("shape", "it should be"),
    ),
    "NaN": Hostile(
        lambda e: with_outputs(e, lambda output: output * np.nan),
        lambda result: result.mistake == "not_finite" and "returned NaN" in result.message,
    ),
    "inf": Hostile(
        lambda e: with_outputs(e, lambda output: output + np.inf),
        lambda result: result.mistake == "not_finite" and "inf" in result.message,
    ),
    "an int dtype": Hostile(
        lambda e: with_outputs(e, lambda output: output.astype(int)),
        lambda result: not result.passed,
    ),
    "raises ValueError": Hostile(
        lambda e: raising(ValueError("bad value")),
        lambda result: result.mistake == "raises" and "ValueError: bad value" in result.message,
    ),
    "raises ZeroDivisionError": Hostile(
        lambda e: raising(ZeroDivisionError("division by zero")),
        lambda result: result.mistake == "raises" and "ZeroDivisionError" in result.message,
    ),
    "raises a BaseException of its own": Hostile(
        lambda e: raising(type("Custom", (BaseException,), {})("odd")),
        lambda result: result.mistake == "raises" and "Custom: odd" in result.message,
    ),
    "calls exit()": Hostile(
        lambda e: lambda *args: sys.exit(1),
        lambda result: result.mistake == "exits" and "called exit()" in result.message,
    ),
    "slow but finite": Hostile(
        lambda e: slow_first_call(e, 0.5 * LIMIT),
        lambda result: result.passed,
    ),
    "an infinite loop": Hostile(
        lambda e: Endless(),
        lambda result: (
            result.mistake == "timeout"
            and f"did not return within {LIMIT:g} s (an infinite loop?)" in result.message
            and "case 1 of" in result.message
        ),
    ),
    "a tensor that requires grad": Hostile(
        lambda e: with_outputs(e, FakeRequiresGradTensor),
        lambda result: result.passed,
    ),
    "an object whose __array__ raises": Hostile(
        lambda e: with_outputs(e, lambda output: Unreadable()),
        wrong_output("Unreadable", "ZeroDivisionError: no numbers in here", "NumPy array"),
    ),
    "float32, right": Hostile(
        lambda e: in_float32(e),
        lambda result: result.passed,
    ),
    "float32, wrong by 1e-3": Hostile(
        lambda e: in_float32(e, 1 + 1e-3),
        lambda result: not result.passed,
    ),
}


@pytest.mark.parametrize("checker", CHECKERS, ids=IDS)
@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_answer_gets_a_verdict(checker, name):
    if name == "an infinite loop" and not engine._can_limit_time():
        pytest.skip("no SIGALRM timer on this platform: an endless answer would hang")
    hostile = HOSTILE[name]
    exercise = exercise_of(checker)
    if name == "an int dtype" and whole_answers(exercise):
        pytest.skip("its answers are whole numbers (a count of steps): an int is right")
    result = verdict(checker, hostile.answer(exercise))
    assert hostile.expect(result), result.message


def whole_answers(exercise: Exercise) -> bool:
    """Whether every answer of every case is a whole number."""
    outputs = [
        engine.as_outputs(exercise.reference(*case.args), len(exercise.output_names))
        for case in exercise.cases
    ]
    return all(np.all(output == np.round(output)) for answer in outputs for output in answer)


@pytest.mark.parametrize("checker", CHECKERS, ids=IDS)
def test_an_exception_names_itself_the_case_and_the_call(checker):
    def raises(*args):
        raise KeyError("no such thing")

    result = verdict(checker, raises)
    assert result.mistake == "raises"
    assert "KeyError" in result.message and "no such thing" in result.message
    assert "case 1 of" in result.message and "called as raises(" in result.message


@pytest.mark.parametrize("checker", [c for c in CHECKERS if has_array_input(exercise_of(c))])
def test_mutating_an_input_is_reported(checker):
    exercise = exercise_of(checker)
    result = verdict(checker, mutating(exercise))
    first = next(
        name
        for name, arg in zip(exercise.arg_names, exercise.cases[0].args, strict=True)
        if isinstance(arg, np.ndarray)
    )
    assert result.mistake == "mutates_input"
    assert f"changed its input {first} in place" in result.message and "pure" in result.message


@pytest.mark.parametrize("checker", CHECKERS, ids=IDS)
@pytest.mark.parametrize("thing", [None, "my_function", [1.0, 2.0]], ids=["None", "str", "list"])
def test_something_that_is_not_a_function(checker, thing):
    result = verdict(checker, thing)
    assert result.mistake == "not_a_function" and "Pass the function itself" in result.message


@pytest.mark.parametrize("checker", CHECKERS, ids=IDS)
def test_keyboard_interrupt_stops_the_check(checker):
    """The learner pressed stop: the check stops too (and leaves no timer behind)."""
    with pytest.raises(KeyboardInterrupt):
        checker(raising(KeyboardInterrupt()))


def test_an_exception_that_cannot_be_printed():
    class UnprintableError(Exception):
        def __str__(self):
            raise RuntimeError("no")

    result = verdict(check_gd_step, raising(UnprintableError()))
    assert result.mistake == "raises" and "UnprintableError" in result.message


def test_exit_with_a_message_or_code():
    for code in (0, 2, "bye", None):
        result = verdict(check_gd_step, raising(SystemExit(code)))
        assert result.mistake == "exits"
        assert "Your function called exit() — on case 1 of 5" in result.message


# --- Torch tensors --------------------------------------------------------------------------------


def test_a_real_torch_tensor_that_requires_grad_is_read_through_detach():
    torch = pytest.importorskip("torch")

    def with_autograd(theta, grad, lr):
        theta = torch.tensor(theta, requires_grad=True)
        return theta - lr * torch.from_numpy(grad)  # a tensor that requires grad

    def on_the_gpu_or_elsewhere(theta, grad, lr):
        class Elsewhere:
            def __array__(self, dtype=None, copy=None):
                raise TypeError("can't convert cuda:0 device type tensor to numpy.")

            def detach(self):
                return self

        return Elsewhere()

    assert verdict(check_gd_step, with_autograd).passed
    result = verdict(check_gd_step, on_the_gpu_or_elsewhere)
    assert result.mistake == "wrong_output" and "cuda:0" in result.message


def test_a_fake_tensor_that_requires_grad_is_read_through_detach_in_every_output():
    # The same object NumPy refuses; detach() gives its numbers, as torch's tensors do.
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(FakeRequiresGradTensor([1.0]))
    exercise = exercise_of(check_adamw_step)
    assert verdict(check_adamw_step, with_outputs(exercise, FakeRequiresGradTensor)).passed


# --- The time limit -------------------------------------------------------------------------------


def takes(seconds: float, first: float | None = None) -> Callable[..., Any]:
    """A right gradient-descent step that takes ``seconds`` per call (``first`` on the first)."""
    calls = []

    def step(theta, grad, lr):
        time.sleep(seconds if calls or first is None else first)
        calls.append(lr)
        return theta - lr * grad

    return step


def test_the_limit_is_per_call_not_per_check():
    # 5 cases at 0.4 of the limit each: 2 limits in all, and it passes.
    assert verdict(check_gd_step, takes(0.4 * LIMIT)).passed


@needs_a_timer
def test_the_limit_is_configurable_and_quoted():
    cases = [engine.Case((np.array([1.0]),), "one number")]

    def check(candidate, time_limit):
        return engine.check_against(
            candidate,
            lambda x: 2 * x,
            cases,
            arg_names=("x",),
            output_names=("y",),
            time_limit=time_limit,
        )

    def slow_double(x):
        time.sleep(0.15)
        return 2 * x

    result = check(slow_double, 0.05)
    assert result.mistake == "timeout" and "within 0.05 s" in result.message
    assert check(slow_double, math.inf).passed  # no limit
    assert check(slow_double, None).passed  # TIME_LIMIT, 0.2 s here


@needs_a_timer
def test_without_a_timer_the_check_runs_without_a_limit_and_does_not_crash(monkeypatch):
    """Windows has no setitimer, Pyodide delivers no timer signal: a slow answer still passes."""

    def slow():
        return takes(0.0, first=1.5 * LIMIT)

    assert verdict(check_gd_step, slow()).mistake == "timeout"  # with a timer
    with monkeypatch.context() as patch:
        patch.setattr(sys, "platform", "emscripten")
        assert verdict(check_gd_step, slow()).passed
    with monkeypatch.context() as patch:
        patch.delattr(signal, "setitimer")
        assert verdict(check_gd_step, slow()).passed


def test_in_another_thread_the_check_runs_without_a_limit():
    results = []
    slow = takes(0.0, first=1.5 * LIMIT)
    worker = threading.Thread(target=lambda: results.append(check_gd_step(slow)))
    worker.start()
    worker.join()
    assert results[0].passed


@needs_a_timer
def test_someone_elses_timer_is_left_alone():
    """A timer already running (another tool's) is neither replaced nor disarmed: the check then
    runs without its own limit."""
    fired = []

    def theirs(signum, frame):
        fired.append(signum)

    previous = signal.signal(signal.SIGALRM, theirs)
    try:
        signal.setitimer(signal.ITIMER_REAL, 30.0)
        assert verdict(check_gd_step, takes(0.0, first=1.5 * LIMIT)).passed
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < remaining <= 30.0
        assert signal.getsignal(signal.SIGALRM) is theirs and not fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- float32 answers -----------------------------------------------------------------------------


def adamw_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    theta = theta * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adamw_l2(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    return adamw_step(theta, grad + weight_decay * theta, m, v, t, lr, beta1, beta2, eps, 0.0)


def radam_rho(beta2, t):
    return 2 / (1 - beta2) - 1 - 2 * t * beta2**t / (1 - beta2**t)


def computed_in(dtype, step):
    """``step`` run on its float inputs converted to ``dtype``: NumPy then computes in it."""

    def converted(*args):
        return step(
            *(np.asarray(a, dtype) if isinstance(a, (np.ndarray, np.floating)) else a for a in args)
        )

    return converted


def test_a_right_float32_answer_passes_and_is_told_that_float32_is_the_limit():
    """AdamW in float32 loses a digit of m to cancellation (0.9·0.16 − 0.1·1.32): 1.3e-6 off,
    right to float32's precision, so it passes, with a note."""
    result = verdict(check_adamw_step, computed_in(np.float32, adamw_step))
    assert result.passed and result.mistake is None
    assert "to float32 precision: within a relative 1e-5, not 1e-6" in result.message
    assert "relative error 1.3e-06" in result.message
    assert "compute in float64 (np.float64), NumPy's default, for full precision" in result.message


def test_a_float32_answer_within_the_tolerance_passes():
    assert verdict(check_gd_step, computed_in(np.float32, lambda th, g, lr: th - lr * g)).passed


def test_a_wrong_float32_answer_is_still_named_or_not_right():
    l2 = verdict(check_adamw_step, computed_in(np.float32, adamw_l2))
    assert l2.mistake == "l2_not_decoupled"
    off = verdict(
        check_adamw_step,
        computed_in(
            np.float32, lambda *a: (adamw_step(*a)[0] * np.float32(1.001), *adamw_step(*a)[1:])
        ),
    )
    assert off.mistake is None and off.message.startswith("Not yet")
    assert "Your answer is float32, which keeps about 6 significant digits" in off.message


def test_where_float32_loses_more_digits_the_note_still_says_so():
    """ρ₂ = ρ∞ − 2·2β²/(1 − β²) = 1999 − 1997.0005: float32 keeps about 3 of its digits."""
    result = verdict(check_radam_rho, computed_in(np.float32, radam_rho))
    assert not result.passed and result.mistake is None
    assert "Your answer is float32" in result.message and "float64" in result.message


def test_a_float16_answer_gets_the_note_with_its_own_precision():
    result = verdict(check_gd_step, computed_in(np.float16, lambda th, g, lr: th - lr * g))
    assert not result.passed
    assert "float16" in result.message and "float64" in result.message


def test_where_the_answer_is_infinite_only_infinity_matches():
    """A relative tolerance of inf would accept any finite answer where the answer is inf."""

    def check(candidate):
        return engine.check_against(
            candidate,
            lambda x: np.where(x > 0, np.inf, x),
            [engine.Case((np.array([1.0, -2.0]),), "one infinite answer")],
            arg_names=("x",),
            output_names=("y",),
        )

    assert check(lambda x: np.where(x > 0, np.inf, x)).passed
    assert not check(lambda x: np.where(x > 0, 1e300, x)).passed
    assert not check(lambda x: np.where(x > 0, -np.inf, x)).passed
