r"""The engine behind every checker: call the learner's function on cases, compare each answer
with a reference, and turn the first difference into a verdict in plain words.

A checker (one per exercise, in the chapter modules of :mod:`optlib.exercises`) is a list of
:class:`Case` s, a reference function built from optlib, and a list of known :class:`Mistake` s;
:func:`check_against` does the rest and returns a :class:`CheckResult`. The tolerance is that of
:mod:`optlib.exercises`: every entry within :data:`RTOL` of the reference, relatively, plus a
round-off allowance of :data:`ATOL_SCALE` times the output's largest entry.

:func:`checker` makes a chapter's function a checker of the book: it climbs the ladder of hints
(:func:`climb`; a first failure names the kind of mistake, asking again gives a hint, then the
numbers) and lists the formulas no message may contain (:func:`reveals`).
:func:`judge_prediction` judges a prediction made before the experiment runs.

The few helpers the chapter modules also use are public: :func:`show` (a value, compactly, for
messages), :func:`quiet` (run code that may overflow, silently), :func:`as_outputs` and
:func:`close` (compare answers outside :func:`check_against`), :func:`call_with_time_limit`
(call the learner's function, giving up after :data:`TIME_LIMIT` seconds).

Whatever the learner's function does, a check returns a verdict and never raises: an exception
(``SystemExit`` included) or a function that does not return in time is reported in words. Only
``KeyboardInterrupt`` goes through, so that a learner who presses stop stops the check.
"""

from __future__ import annotations

import contextlib
import functools
import html
import math
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "ATOL_SCALE",
    "CHECKERS",
    "KINDS",
    "LOW_PRECISION_ATOL_SCALE",
    "LOW_PRECISION_RTOL",
    "RTOL",
    "TIME_LIMIT",
    "Case",
    "CheckResult",
    "Mistake",
    "TimeLimitExceeded",
    "as_outputs",
    "call_with_time_limit",
    "check_against",
    "checker",
    "climb",
    "close",
    "forget",
    "judge_prediction",
    "quiet",
    "reveals",
    "root_between",
    "show",
]

#: Relative tolerance of every check (see :mod:`optlib.exercises`).
RTOL = 1e-6
#: Round-off allowance for entries that should be (near) zero, times the output's largest entry.
ATOL_SCALE = 1e-12
#: A float32 (or float16) answer that misses :data:`RTOL` but is within this relative tolerance
#: (about 100 float32 rounding steps) of the answer passes, with a note that float32 is the
#: limit. The known mistakes are tried first, at this tolerance too, so a mistake that float32
#: can tell apart (Adam's ε misplaced moves θ by 1e-4 of itself) is still named. Where float32
#: keeps fewer digits (RAdam's ρ₂ keeps 3 of its 7), the answer fails and the message says why.
LOW_PRECISION_RTOL = 1e-5
#: The matching round-off allowance, times the output's largest entry.
LOW_PRECISION_ATOL_SCALE = 1e-6
#: Seconds each call of the learner's function may take (read at every check, so a book can set
#: ``optlib.exercises.engine.TIME_LIMIT``; ``math.inf`` for no limit). See
#: :func:`call_with_time_limit` for where a limit can be enforced.
TIME_LIMIT = 5.0


# --- The verdict -------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class CheckResult:
    """The verdict on a learner's answer; ``bool(result)`` is ``result.passed``.

    Attributes
    ----------
    passed : bool
        Whether the answer agrees with optlib on every case.
    message : str
        The verdict in plain words: on a failure, what kind of mistake it is (never the formula
        that is checked), followed by the hints asked for so far (see :func:`checker`).
    mistake : str or None
        What went wrong: the name of one of the checker's known mistakes (``"uphill"``,
        ``"eps_inside_root"``, ``"unstable"``, ...), or a generic problem (``"raises"``,
        ``"exits"``, ``"timeout"``, ``"mutates_input"``, ``"wrong_output"``,
        ``"not_finite"``, ``"not_a_function"``, ``"no_prediction"``, ``"wrong_prediction"``),
        or None when the answer passes, or is wrong in a way the checker does not recognise.
    hints : tuple of str
        The rungs not shown yet, from a hint to the first wrong case with its numbers.
    checker : str
        The name of the checker that gave the verdict (empty for :func:`check_against` called
        directly).
    """

    passed: bool
    message: str
    mistake: str | None = None
    hints: tuple[str, ...] = ()
    checker: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return f"{'✓' if self.passed else '✗'} {self.message}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        """The verdict as a card with a coloured left border. Its colours are CSS variables with
        fallbacks: the border is ``--optlib-check-colour`` (else Okabe–Ito green / vermillion),
        the text and background are the page's, so the card reads in a light or a dark
        notebook; in the book's dark mode, _ext/assets/book-dark.css gives it the theme's surface
        and a lighter border colour by ``data-verdict``."""
        verdict, colour = (
            ("pass", "#009E73") if self.passed else ("fail", "#D55E00")
        )
        return (
            f'<div class="optlib-check" data-checker="{html.escape(self.checker)}" '
            f'data-verdict="{verdict}" '
            f'style="border-left: 4px solid var(--optlib-check-colour, {colour}); '
            f'padding: 0.4em 0.8em; white-space: pre-line">{html.escape(str(self))}</div>'
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

    ``message`` names the kind of mistake in words ("your step goes uphill"), ``hint`` is the
    next rung, shown when the learner asks (where to look, still not the formula). Neither
    contains the formula the checker checks: that is the solution's to show.
    """

    name: str
    message: str
    variant: Callable[..., Any] | None = None
    fails_only_on: str | None = None
    hint: str = ""


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
    time_limit: float | None = None,
    advice: str = "",
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
    time_limit : seconds each call of the candidate may take; None for :data:`TIME_LIMIT`.
    advice : the hint for a wrong answer that is none of the known mistakes (in words, not the
        formula).

    Returns
    -------
    CheckResult
        Passed when every output of every case is within the tolerance (:data:`RTOL`, see
        :mod:`optlib.exercises`), or, for a float32 (or float16) answer, right to that
        precision (with a note). Otherwise the first problem found, in this order: the
        function raises, calls ``exit()``, does not return within the time limit, mutates an
        input, returns something of the wrong form (checked case by case); then a known
        mistake; then a NaN or infinite answer; then the first wrong case. A wrong answer's
        ``message`` says what kind of mistake it is; its ``hints`` hold a hint (the mistake's,
        or ``advice``) and then the first wrong case in numbers. Never raises, except
        ``KeyboardInterrupt``.
    """
    if not callable(candidate):
        return CheckResult(
            False,
            f"Expected a function, got {type(candidate).__name__}. Pass the function itself: "
            "check(my_function), not check(my_function(...)).",
            "not_a_function",
        )
    limit = TIME_LIMIT if time_limit is None else time_limit
    function_name = _name_of(candidate)
    call = f"{function_name if function_name.isidentifier() else 'f'}({', '.join(arg_names)})"
    records: list[_Record] = []
    for number, case in enumerate(cases, 1):
        where = f"case {number} of {len(cases)} ({case.description})"
        inputs = _show_named(arg_names, case.args)
        expected = as_outputs(
            reference(*_copies(case.args)), len(output_names)
        )
        given = _copies(case.args)
        # NumPy's own defaults (underflow is silent), recorded so the message can quote them.
        errors = {
            "over": "warn",
            "divide": "warn",
            "invalid": "warn",
            "under": "ignore",
        }
        with (
            warnings.catch_warnings(record=True) as caught,
            np.errstate(**errors),
        ):
            warnings.simplefilter("always")
            try:
                value = call_with_time_limit(candidate, given, limit)
            except (
                KeyboardInterrupt
            ):  # the learner pressed stop: stop the check too
                raise
            except (
                BaseException
            ) as error:  # SystemExit too: the learner's to read, not ours
                what, advice, mistake = _call_failed(error, limit)
                return CheckResult(
                    False,
                    f"{what} — on {where}, called as {call} with {inputs}.{advice}",
                    mistake,
                )
        numpy_warnings = (
            w for w in caught if issubclass(w.category, RuntimeWarning)
        )
        warned = tuple(
            dict.fromkeys(str(warning.message) for warning in numpy_warnings)
        )
        changed = [
            name
            for name, before, after in zip(
                arg_names, case.args, given, strict=True
            )
            if isinstance(before, np.ndarray)
            and not _same_array(before, after)
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
        try:
            got, precision = _read_outputs(value, expected, output_names)
        except _WrongFormError as problem:
            return CheckResult(
                False, f"On {where}, {problem}", "wrong_output"
            )
        records.append(
            _Record(number, case, expected, got, warned, precision)
        )

    wrong = [
        record
        for record in records
        if not close(record.got, record.expected)
    ]
    kinds = "; ".join(
        dict.fromkeys(case.kind or case.description for case in cases)
    )
    if not wrong:
        return CheckResult(
            True,
            f"Correct! Your function matches {reference_name} on all {len(cases)} cases "
            f"({kinds}), to a relative tolerance of {_short(RTOL)}.",
        )

    def details(record: _Record) -> tuple[str, str, str, str, str]:
        where = f"case {record.number} of {len(cases)} ({record.case.description})"
        inputs = _show_named(arg_names, record.case.args)
        warned = (
            f" (NumPy warned: {'; '.join(record.warned)})"
            if record.warned
            else ""
        )
        yours = _show_named(output_names, record.got)
        return (
            where,
            inputs,
            yours,
            _show_named(output_names, record.expected),
            warned,
        )

    def numbers(record: _Record) -> str:
        """The last rung: the case, the learner's answer and the right one, in numbers."""
        where, inputs, yours, answer, warned = details(record)
        return (
            f"The first case you get wrong, in numbers: {where}, with {inputs}. Your function "
            f"returned {yours}{warned}; the right answer is {answer}. "
            f"{_largest_difference(record.got, record.expected, output_names)}"
        )

    def rungs(hint: str, record: _Record) -> tuple[str, ...]:
        return (*((f"Hint: {hint}",) if hint else ()), numbers(record))

    def named(mistake: Mistake) -> CheckResult:
        if mistake.variant is not None:
            return CheckResult(
                False,
                mistake.message,
                mistake.name,
                rungs(mistake.hint, wrong[0]),
            )
        # A mistake seen only on some kind of case: show the most striking one.
        worst = next(
            (record for record in wrong if not _finite(record.got)), wrong[0]
        )
        return CheckResult(
            False, mistake.message, mistake.name, rungs(mistake.hint, worst)
        )

    count = len(output_names)
    made = next(
        (
            m
            for m in mistakes
            if _made(m, records, wrong, count, RTOL, ATOL_SCALE)
        ),
        None,
    )
    if made:
        return named(made)
    # float32 rounds at about 1e-7, so a right float32 answer can miss RTOL where a formula
    # cancels digits: it passes, with a note; the mistakes are recognised at that precision too.
    precision = next(
        (record.precision for record in records if record.precision), None
    )
    low = (LOW_PRECISION_RTOL, LOW_PRECISION_ATOL_SCALE)

    def right_to_precision(record: _Record) -> bool:
        """Close to the answer, or to the answer from the inputs rounded to that precision
        (1 − β₂ loses 3 digits when β₂ = 0.999 is rounded to float32)."""
        if close(record.got, record.expected, *low):
            return True
        try:
            with quiet():
                answer = reference(
                    *_rounded(record.case.args, np.dtype(precision))
                )
            return close(record.got, as_outputs(answer, count), *low)
        except (
            Exception
        ):  # the reference refuses the rounded inputs: no second answer
            return False

    made = precision and next(
        (m for m in mistakes if _made(m, records, wrong, count, *low)), None
    )
    if made:
        return named(made)
    if precision and all(right_to_precision(record) for record in wrong):
        where, *_ = details(wrong[0])
        return CheckResult(
            True,
            f"Correct! Your function matches {reference_name} on all {len(cases)} cases "
            f"({kinds}) to {precision} precision: within a relative "
            f"{_short(LOW_PRECISION_RTOL)}, not {_short(RTOL)} (on {where}: "
            f"{_largest_difference(wrong[0].got, wrong[0].expected, output_names)}). That is "
            f"what {precision} can do here; compute in float64 (np.float64), NumPy's default, "
            "for full precision.",
        )
    if precision:
        info = np.finfo(precision)
        note = (
            f" Your answer is {precision}, which keeps about {info.precision} significant digits "
            f"and overflows above {float(info.max):.2g}: compute in float64 (np.float64), NumPy's "
            "default."
        )
    else:
        note = ""
    first = wrong[0]
    where, *_, warned = details(first)
    if not _finite(first.got):
        return CheckResult(
            False,
            f"On {where}, your function returned {_not_finite(first.got)}, which is not a "
            f"finite number{warned}.{note}",
            "not_finite",
            (numbers(first),),
        )
    right = len(cases) - len(wrong)
    return CheckResult(
        False,
        f"Not yet: your function disagrees with {reference_name} on {len(wrong)} of "
        f"{len(cases)} cases ({right} right), the first being {where}.{note}",
        None,
        rungs(advice, first),
    )


# --- The ladder: a hint before the answer -------------------------------------------------------

#: Every checker of the book, by name (filled by :func:`checker`).
CHECKERS: dict[str, Callable[..., CheckResult]] = {}
#: How many rungs each (checker, mistake) has shown so far in this session.
_shown: dict[tuple[str, str], int] = {}


#: The kinds of exercise a checker checks, from the bottom of a chapter's ladder to the top.
KINDS = ("rule", "derivation", "prediction")


def checker(
    *, formulas: Sequence[str], kind: str = "rule"
) -> Callable[[Callable[..., CheckResult]], Callable[..., CheckResult]]:
    """Make a function that returns a :class:`CheckResult` a checker of the book: it gains a
    ``hint`` keyword and climbs its ladder of hints.

    A first failure shows the kind of mistake in words. Asking again — running the check again
    and making the same mistake, or passing ``hint=True`` — shows the next rung: a hint, then
    the first wrong case with its numbers. A pass, or :func:`forget`, starts again at the
    bottom. The formula itself is never shown: it is the solution's.

    Parameters
    ----------
    formulas : ways of writing the checked formula (``"sqrt(v)+eps"``, ``"√v+ε"``, ...) that no
        message of the checker may contain; a test holds every message, and every checker output
        shown in the book outside a solution, to that (see :func:`reveals`).
    kind : one of :data:`KINDS`: ``"rule"`` (the learner writes a rule of the chapter as a
        function), ``"derivation"`` (a result derived by hand, written as a function of the
        hyperparameters and checked on random settings against what optlib's runs give), or
        ``"prediction"`` (a value committed to before the experiment runs; see
        :func:`judge_prediction`).

    Returns
    -------
    callable
        The decorator; the checker is also listed in :data:`CHECKERS`.
    """

    if kind not in KINDS:
        raise ValueError(
            f"Invalid kind of exercise: {kind!r}; one of {', '.join(KINDS)}"
        )

    def decorate(
        inner: Callable[..., CheckResult],
    ) -> Callable[..., CheckResult]:
        name = inner.__name__

        @functools.wraps(inner)
        def check(answer: Any, *, hint: bool = False) -> CheckResult:
            return climb(name, inner(answer), hint)

        check.formulas = tuple(formulas)  # type: ignore[attr-defined]
        check.kind = kind  # type: ignore[attr-defined]
        CHECKERS[name] = check
        return check

    return decorate


def climb(name: str, result: CheckResult, hint: bool = False) -> CheckResult:
    """The verdict as the learner sees it: on a failure, the rungs shown so far (one more than
    last time for the same mistake, or with ``hint``), and a line saying what asking again
    gives."""
    result = replace(result, checker=name)
    if result.passed:
        forget(name)
        return result
    key = (name, result.mistake or "")
    shown = min(max(_shown.get(key, 0), int(bool(hint))), len(result.hints))
    _shown[key] = shown + 1
    parts = [result.message, *result.hints[:shown]]
    left = result.hints[shown:]
    if left:
        more = (
            "a hint"
            if left[0].startswith("Hint:")
            else "the first wrong case in numbers"
        )
        parts.append(
            f"(Stuck? Run the check again, or call it with hint=True, for {more}.)"
        )
    return replace(result, message="\n".join(parts), hints=left)


def forget(name: str | None = None) -> None:
    """Start the hints of one checker (by name), or of all, again from the bottom rung."""
    for key in [key for key in _shown if name is None or key[0] == name]:
        del _shown[key]


def _plain(text: str) -> str:
    """Text as compared by :func:`reveals`: no spaces or multiplication signs, one minus."""
    text = "".join(
        ch
        for ch in text.replace("−", "-")
        if not ch.isspace() and ch not in "*·×⋅"
    )
    return text.replace("np.", "").replace("math.", "").casefold()


def reveals(text: str, formulas: Sequence[str]) -> str | None:
    """The first of ``formulas`` that ``text`` contains (spaces, ``*``, ``·``, ``np.`` and the
    kind of minus sign ignored), or None."""
    plain = _plain(text)
    return next(
        (formula for formula in formulas if _plain(formula) in plain), None
    )


# --- Predictions ---------------------------------------------------------------------------------

#: What a prediction that has not been written yet looks like.
NOT_YET = (None, ...)


def judge_prediction(
    prediction: Any,
    run: Callable[[], Any],
    *,
    asks: str,
    choices: Sequence[str] = (),
    rtol: float = 0.1,
    show_outcome: Callable[[Any], str] = str,
    explanation: str = "",
    hint: str = "",
) -> CheckResult:
    """Judge a prediction made before the experiment: run it only once the learner has
    committed to an answer, then say whether it held.

    Parameters
    ----------
    prediction : the learner's answer: one of ``choices`` (a string, case and spaces
        ignored), or a number when there are no choices.
    run : the experiment, with optlib; returns the outcome (a choice, or a number).
    asks : what the prediction is, for the message when none is given yet ("the number of
        steps until ...").
    choices : the possible answers, when the prediction is a choice.
    rtol : for a number, how close (relatively) a prediction must be to count as right.
    show_outcome : the outcome in words.
    explanation : said after a right prediction (why it happens).
    hint : said after a wrong one (what to think about; not the explanation).

    Returns
    -------
    CheckResult
        ``no_prediction`` when nothing is predicted yet (the experiment is not run),
        ``wrong_output`` when the prediction is not an answer of the right kind,
        ``wrong_prediction`` when it did not hold (the outcome shown, the hint a rung up).
    """
    if any(prediction is empty for empty in NOT_YET):
        return CheckResult(
            False,
            f"Not yet: first write down your prediction — {asks} — then run this cell. The "
            "experiment runs once you have committed to an answer.",
            "no_prediction",
        )
    if choices:
        wanted = {_plain(choice): choice for choice in choices}
        said = _plain(prediction) if isinstance(prediction, str) else None
        if said not in wanted:
            listed = ", ".join(repr(choice) for choice in choices)
            return CheckResult(
                False,
                f"Your prediction {_repr(prediction)} is not one of the answers: predict one of "
                f"{listed}.",
                "wrong_output",
            )
        prediction = wanted[said]
    elif not (_is_real(prediction) and math.isfinite(float(prediction))):
        return CheckResult(
            False,
            f"Your prediction {_repr(prediction)} is not a number: predict a finite number "
            f"({asks}).",
            "wrong_output",
        )
    with quiet():
        outcome = run()
    if choices:
        held = prediction == outcome
    else:
        held = abs(float(prediction) - float(outcome)) <= rtol * abs(
            float(outcome)
        )
    said = prediction if choices else f"{float(prediction):.6g}"
    if held:
        return CheckResult(
            True,
            f"Correct! You predicted {said}, and the run gives {show_outcome(outcome)}. "
            f"{explanation}".rstrip(),
        )
    near = "" if choices else f" (a prediction within {rtol:.0%} counts)"
    return CheckResult(
        False,
        f"Not what happens: you predicted {said}; the run gives {show_outcome(outcome)}"
        f"{near}. Work out why before you read the solution.",
        "wrong_prediction",
        (f"Hint: {hint}",) if hint else (),
    )


def _is_real(value: Any) -> bool:
    return isinstance(
        value, (int, float, np.integer, np.floating)
    ) and not isinstance(value, (bool, np.bool_))


def _repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # a hostile object
        return f"(a {type(value).__name__})"
    return text if len(text) <= 60 else text[:57] + "..."


def root_between(f: Callable[[float], float], lo: float, hi: float) -> float:
    """The root of ``f`` in ``[lo, hi]``, where ``f`` changes sign, by bisection to the last bit
    (NumPy only: optlib does not depend on SciPy).

    Raises
    ------
    ValueError
        If ``f(lo)`` and ``f(hi)`` have the same sign.
    """
    f_lo, f_hi = f(lo), f(hi)
    if f_lo == 0 or f_hi == 0:
        return lo if f_lo == 0 else hi
    if (f_lo > 0) == (f_hi > 0):
        raise ValueError(
            f"f does not change sign on [{lo}, {hi}]: {f_lo} and {f_hi}"
        )
    for _ in range(
        2000
    ):  # each pass halves the interval; floats run out long before
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        f_mid = f(mid)
        if f_mid == 0:
            return mid
        if (f_mid > 0) == (f_lo > 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _call_failed(error: BaseException, limit: float) -> tuple[str, str, str]:
    """What the learner's function did instead of returning, advice, and the mistake's name."""
    if isinstance(error, TimeLimitExceeded):
        return (
            f"Your function did not return within {limit:g} s (an infinite loop?)",
            "",
            "timeout",
        )
    if isinstance(error, SystemExit):
        advice = " A function should return its answer: exit() stops the whole program."
        return "Your function called exit()", advice, "exits"
    return f"Your function raised {_describe(error)}", "", "raises"


def _short(tolerance: float) -> str:
    """1e-06 as 1e-6."""
    return f"{tolerance:.0e}".replace("e-0", "e-")


def _name_of(candidate: Any) -> str:
    try:
        name = getattr(candidate, "__name__", "")
    except Exception:  # a hostile object: call it f
        return ""
    return name if isinstance(name, str) else ""


def _describe(error: BaseException) -> str:
    """'ValueError: the message', even for an exception whose str() fails."""
    try:
        return f"{type(error).__name__}: {error}"
    except Exception:
        return type(error).__name__


# --- The time limit ----------------------------------------------------------------------------


class TimeLimitExceeded(BaseException):
    """Raised inside the learner's function when its time is up. A ``BaseException``, like
    ``KeyboardInterrupt``, so that the learner's own ``except Exception`` cannot swallow it."""


def call_with_time_limit(
    function: Callable[..., Any], args: Sequence[Any], seconds: float
) -> Any:
    """``function(*args)``, interrupted with :class:`TimeLimitExceeded` after ``seconds``.

    The limit is a ``SIGALRM`` timer (:func:`signal.setitimer`), so it works where such a timer
    can be used: in the main thread (where a Jupyter kernel runs its cells) of a platform that
    has it, when no other code has a timer running. Elsewhere (Windows, another thread,
    Pyodide in the browser) the function runs without a limit. A long NumPy operation is
    interrupted only when it returns to Python.

    Parameters
    ----------
    function : the learner's function.
    args : its positional arguments.
    seconds : the limit; ``math.inf`` (or 0) for none.

    Returns
    -------
    Any
        What the function returns.
    """
    if not (0 < seconds < math.inf and _can_limit_time()):
        return function(*args)

    def time_is_up(signum: int, frame: Any) -> None:
        raise TimeLimitExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, time_is_up)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return function(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous)


def _can_limit_time() -> bool:
    """Whether :func:`call_with_time_limit` can set a timer here without disturbing anyone."""
    if sys.platform in ("emscripten", "wasi") or not hasattr(
        signal, "setitimer"
    ):
        return False  # Pyodide delivers no timer signal while Python runs; Windows has none
    if threading.current_thread() is not threading.main_thread():
        return False  # only the main thread may handle signals
    # A handler installed outside Python (None) or a running timer belongs to someone else.
    return signal.getsignal(signal.SIGALRM) is not None and not any(
        signal.getitimer(signal.ITIMER_REAL)
    )


class _Record(NamedTuple):
    number: int
    case: Case
    expected: tuple[np.ndarray, ...]
    got: tuple[np.ndarray, ...]
    warned: tuple[str, ...]
    precision: (
        str | None
    )  # "float32" or "float16" when an output was, else None


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Run code that may overflow (a known mistake, a comparison with inf) without warnings.

    Yields
    ------
    None
        Inside the ``with`` block NumPy's floating-point warnings are off and no warning
        escapes.
    """
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def _copies(args: tuple[Any, ...]) -> tuple[Any, ...]:
    # Every call gets fresh copies, so no function can spoil a case for the next one.
    return tuple(
        arg.copy() if isinstance(arg, np.ndarray) else arg for arg in args
    )


def _rounded(args: tuple[Any, ...], dtype: np.dtype) -> tuple[Any, ...]:
    """The arguments rounded to ``dtype`` (a lower precision), each keeping its type."""

    def rounded(arg: Any) -> Any:
        if isinstance(arg, np.ndarray) and arg.dtype.kind == "f":
            return arg.astype(dtype).astype(arg.dtype)
        if isinstance(arg, (float, np.floating)):
            return type(arg)(dtype.type(arg))
        return arg

    with quiet():  # a large value may overflow float16
        return tuple(rounded(arg) for arg in args)


def _same_array(before: np.ndarray, after: Any) -> bool:
    """Whether an input is unchanged after the call (NaN counts as equal to NaN)."""
    if not isinstance(after, np.ndarray) or after.shape != before.shape:
        return False
    return bool(
        np.array_equal(before, after, equal_nan=before.dtype.kind == "f")
    )


def as_outputs(value: Any, count: int) -> tuple[np.ndarray, ...]:
    """A reference's (or a variant's) return value as a tuple of float arrays.

    Parameters
    ----------
    value : what the function returned: one output, or a tuple of ``count`` outputs.
    count : how many outputs the function has.

    Returns
    -------
    tuple of numpy.ndarray
        One float array per output.
    """
    return tuple(
        np.asarray(part, dtype=float)
        for part in (value if count > 1 else (value,))
    )


class _WrongFormError(Exception):
    """What is wrong with the form of the candidate's answer, in words."""


def _read_outputs(
    value: Any, expected: tuple[np.ndarray, ...], names: Sequence[str]
) -> tuple[tuple[np.ndarray, ...], str | None]:
    """The candidate's return value as float arrays shaped like the answer, and the name of the
    coarsest float dtype below float64 among its outputs (None if none). Raises
    :class:`_WrongFormError` when the value is not of that form."""
    listed = ", ".join(names)
    if value is None:
        raise _WrongFormError(
            "your function returned None: did you forget the return statement?"
        )
    if len(names) > 1:
        if not isinstance(value, (tuple, list)):
            raise _WrongFormError(
                f"your function returned a single {type(value).__name__}; it should return "
                f"{len(names)} values: ({listed})."
            )
        if len(value) != len(names):
            count = "1 value" if len(value) == 1 else f"{len(value)} values"
            raise _WrongFormError(
                f"your function returned {count}; it should return {len(names)}: ({listed})."
            )
        parts = tuple(value)
    elif isinstance(value, tuple):
        raise _WrongFormError(
            f"your function returned a tuple of {len(value)} values; return {listed} only."
        )
    else:
        parts = (value,)
    arrays, precisions = [], []
    for name, part, answer in zip(names, parts, expected, strict=True):
        if part is None:
            raise _WrongFormError(f"your {name} is None.")
        array, error = _as_array(part)
        kind = type(part).__name__
        if error is not None:
            raise _WrongFormError(
                f"your {name} is a {kind}, which NumPy cannot read as numbers "
                f"({_describe(error)}). Return a NumPy array or a number."
            )
        if array.dtype.kind == "c" and not np.any(array.imag):
            array = array.real  # e.g. from np.linalg.eigvals
        if array.dtype.kind not in "biuf":
            raise _WrongFormError(
                f"your {name} is a {kind}, not a number or array of numbers."
            )
        if array.shape != answer.shape:
            should = (
                "a single number"
                if answer.ndim == 0
                else f"of shape {answer.shape}"
            )
            has = (
                "a single number"
                if array.ndim == 0
                else f"an array of shape {array.shape}"
            )
            raise _WrongFormError(
                f"your {name} is {has}, but it should be {should}."
            )
        if array.dtype.kind == "f" and array.dtype.itemsize < 8:
            precisions.append(array.dtype)
        arrays.append(array.astype(float))
    coarsest = min(
        precisions, key=lambda dtype: dtype.itemsize, default=None
    )
    return tuple(arrays), None if coarsest is None else coarsest.name


def _as_array(part: Any) -> tuple[np.ndarray, Exception | None]:
    """One output of the candidate as a NumPy array, or the error that prevents it.

    A PyTorch tensor that requires grad refuses ``np.asarray`` ("Can't call numpy() on Tensor
    that requires grad"); its values are read through ``detach()``, as a tensor without grad is
    read by NumPy directly: the exercise checks the numbers, not how they were computed.
    """
    try:
        with quiet():
            return np.asarray(part), None
    except (
        Exception
    ) as error:  # a ragged list, an object whose __array__ raises, ...
        try:
            detach = getattr(part, "detach", None)
            if callable(detach):
                with quiet():
                    return np.asarray(detach()), None
        except Exception:  # not a tensor after all: report the first error
            pass
        return np.asarray(None), error


def _not_finite(outputs: tuple[np.ndarray, ...]) -> str:
    """What the first non-finite entry is: 'NaN', 'inf' or '-inf'."""
    for output in outputs:
        bad = output[~np.isfinite(output)]
        if bad.size:
            return (
                "NaN"
                if np.isnan(bad[0])
                else ("inf" if bad[0] > 0 else "-inf")
            )
    return "a finite value"


def _finite(outputs: tuple[np.ndarray, ...]) -> bool:
    return all(bool(np.all(np.isfinite(output))) for output in outputs)


def _tolerance(
    expected: np.ndarray, rtol: float, atol_scale: float
) -> np.ndarray:
    """How far each entry may be from ``expected``: none where it is inf or NaN (only the same
    value matches; a relative tolerance of inf would accept any finite answer)."""
    finite = np.isfinite(expected)
    scale = max(
        atol_scale * np.max(np.abs(expected[finite]), initial=0.0), 1e-300
    )
    with quiet():
        return np.where(finite, rtol * np.abs(expected) + scale, 0.0)


def close(
    got: tuple[np.ndarray, ...],
    expected: tuple[np.ndarray, ...],
    rtol: float = RTOL,
    atol_scale: float = ATOL_SCALE,
) -> bool:
    """Whether two answers agree: every entry of every output within the tolerance.

    NaN matches NaN and inf matches inf, so a mistake that overflows can still be recognised.

    Parameters
    ----------
    got, expected : the two answers, as :func:`as_outputs` returns them; ``expected`` sets
        the scale of the tolerance.
    rtol, atol_scale : the relative tolerance and the round-off allowance, times the largest
        entry of each output (:data:`RTOL` and :data:`ATOL_SCALE` unless given).

    Returns
    -------
    bool
    """
    return _agree(got, expected, rtol, atol_scale, breakdowns_alike=False)


def _agree(
    got: tuple[np.ndarray, ...],
    expected: tuple[np.ndarray, ...],
    rtol: float,
    atol_scale: float,
    breakdowns_alike: bool,
) -> bool:
    """:func:`close`; with ``breakdowns_alike`` any non-finite entry matches any other (NaN or
    ±inf: which one a formula that breaks down gives depends on its order of operations)."""
    if len(got) != len(expected):
        return False
    with quiet():
        for a, b in zip(got, expected, strict=True):
            if a.shape != b.shape:
                return False
            same = (np.abs(a - b) <= _tolerance(b, rtol, atol_scale)) | (
                a == b
            )
            same |= np.isnan(a) & np.isnan(b)
            if breakdowns_alike:
                same |= ~np.isfinite(a) & ~np.isfinite(b)
            if not np.all(same):
                return False
    return True


def _made(
    mistake: Mistake,
    records: list[_Record],
    wrong: list[_Record],
    count: int,
    rtol: float,
    atol_scale: float,
) -> bool:
    if mistake.variant is None:
        return all(
            (record.case.kind or record.case.description)
            == mistake.fails_only_on
            for record in wrong
        )
    for record in records:
        try:
            with quiet():
                variant = as_outputs(
                    mistake.variant(*_copies(record.case.args)), count
                )
        except Exception:  # a variant that cannot run on this case is not what the learner did
            return False
        if not _agree(
            record.got, variant, rtol, atol_scale, breakdowns_alike=True
        ):
            return False
    return True


def show(value: Any, most: int = 8) -> str:
    """A number or array, compactly, for a message.

    Parameters
    ----------
    value : a number or an array (or anything NumPy turns into one).
    most : the longest axis shown whole; longer ones show their first and last 3 entries.

    Returns
    -------
    str
        6 significant digits per entry, e.g. ``[0.1, -2.5, ..., 3]``.
    """
    if isinstance(value, (bool, int, np.integer)):
        return str(value)
    array = np.asarray(value)
    if array.ndim == 0:
        return (
            f"{array.item():.6g}"
            if array.dtype.kind in "fc"
            else str(array.item())
        )
    rows = [show(row, most) for row in array]
    if len(rows) > most:
        rows = [*rows[:3], "...", *rows[-3:]]
    return f"[{', '.join(rows)}]"


def _show_named(names: Sequence[str], values: Sequence[Any]) -> str:
    return ", ".join(
        f"{name} = {show(value)}"
        for name, value in zip(names, values, strict=True)
    )


def _largest_difference(
    got: tuple[np.ndarray, ...],
    expected: tuple[np.ndarray, ...],
    names: Sequence[str],
) -> str:
    """'The largest difference is in v[2]: ... instead of ...' (the entry most out of tolerance)."""
    worst = (-1.0, "", 0.0, 0.0)
    with quiet():
        for name, a, b in zip(names, got, expected, strict=True):
            excess = np.abs(a - b) / _tolerance(b, RTOL, ATOL_SCALE)
            index = np.unravel_index(np.argmax(excess), excess.shape)
            if excess[index] > worst[0]:
                label = (
                    f"{name}[{', '.join(map(str, index))}]"
                    if index
                    else name
                )
                worst = (
                    float(excess[index]),
                    label,
                    float(a[index]),
                    float(b[index]),
                )
    _, label, yours, answer = worst
    relative = (
        f" (relative error {abs(yours - answer) / abs(answer):.2g})"
        if answer
        else ""
    )
    return f"The largest difference is in {label}: {yours:.10g} instead of {answer:.10g}{relative}."
