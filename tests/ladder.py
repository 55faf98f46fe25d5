"""Helpers shared by the tests of the chapters' exercise ladders (tests/test_ladder_*.py).

A checker of the book (see optlib.exercises.engine.checker) climbs a ladder of hints from call to
call: a first failure names the kind of mistake, asking again shows a hint, then the first wrong
case in numbers; no rung may show the checked formula (engine.reveals). These helpers climb the
ladder and check it, wrap a right answer in the other forms a learner may return it in, read a
solution out of a chapter, and hold the right answers that two chapters' tests both write.

Every test starts at the bottom rung of every checker: tests/conftest.py's autouse fixture
``hints_start_at_the_bottom`` calls engine.forget() before and after each test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import numpy as np
import pytest

from optlib.exercises import engine
from optlib.exercises.engine import CheckResult

CHAPTERS = Path(__file__).resolve().parent.parent / "chapters"


class Checker(Protocol):
    """A checker of the book, as engine.checker makes it."""

    __name__: str
    formulas: tuple[str, ...]
    kind: str

    def __call__(self, answer: Any, *, hint: bool = False) -> CheckResult: ...


# --- Climbing the ladder --------------------------------------------------------------------------


def every_rung(checker: Checker, answer: Any) -> str:
    """Everything the ladder shows for ``answer``: climbed from the bottom rung with ``hint=True``
    until no rung is left, the message naming the mistake, the hint and the first wrong case in
    numbers. The checker's ladder starts again at the bottom afterwards."""
    engine.forget()
    result = checker(answer, hint=True)
    for _ in range(len(result.hints)):  # one more rung a call
        result = checker(answer, hint=True)
    engine.forget()
    return result.message


def assert_named_without_the_formula(checker: Checker, wrong: Any, name: str) -> CheckResult:
    """A first check of ``wrong`` names the mistake ``name``, and its whole ladder (every_rung)
    shows a hint and, unless the checker judges a prediction (whose ladder has no case to show),
    the first wrong case in numbers, but none of the checker's formulas.

    Returns the first verdict, for a test to check more of the bottom rung."""
    result = checker(wrong)
    assert result.mistake == name, result.message
    everything = every_rung(checker, wrong)
    assert "Hint:" in everything, everything
    if checker.kind != "prediction":
        assert "in numbers" in everything, everything
    assert engine.reveals(everything, checker.formulas) is None, everything
    return result


def assert_climbs_without_the_formula(
    checker: Checker, wrong: Any, name: str, *, hint: bool
) -> None:
    """Three checks of ``wrong`` in a row climb the ladder a rung at a time, the second and third
    called with ``hint`` (``hint=False``: a learner just running the check again): each names the
    mistake ``name``; the first shows no hint yet but says how to get one, the second shows the
    hint, the third the first wrong case in numbers; and none shows a formula of the checker."""
    rungs = [checker(wrong), checker(wrong, hint=hint), checker(wrong, hint=hint)]
    first, hinted, everything = (result.message for result in rungs)
    assert not any(result.passed for result in rungs), first
    assert [result.mistake for result in rungs] == [name] * 3, first
    assert "Hint:" not in first and "Stuck?" in first, first
    assert "Hint:" in hinted, hinted
    assert "The first case you get wrong, in numbers" in everything, everything
    for text in (first, hinted, everything):
        assert engine.reveals(text, checker.formulas) is None, text


def assert_passes(checker: Checker, *answers: Any) -> None:
    """Each of ``answers`` passes, with a message that says so (the message shown if not)."""
    for answer in answers:
        result = checker(answer)
        assert result.passed, result.message
        assert result.message.startswith("Correct!"), result.message


def assert_no_prediction_runs_nothing(
    monkeypatch: pytest.MonkeyPatch, module: ModuleType, experiment: str, checker: Checker
) -> str:
    """With no prediction written yet, ``checker`` says "Not yet" (mistake ``no_prediction``)
    without running the experiment (``module.<experiment>``, made to fail for the test) and
    without showing a formula. Returns the message, for a test to check that it gives away no
    outcome."""

    def not_now() -> None:
        raise AssertionError("the experiment ran before a prediction")

    monkeypatch.setattr(module, experiment, not_now)
    result = checker(None)
    assert result.mistake == "no_prediction" and result.message.startswith("Not yet")
    assert engine.reveals(result.message, checker.formulas) is None, result.message
    return result.message


def assert_ladder(checkers: Sequence[Checker], kinds: Sequence[str], *, shortest: int = 0) -> None:
    """The checkers are of ``kinds``, from the bottom of the ladder up, and each lists 3 to 8 ways
    of writing its formula, none shorter than ``shortest`` characters as engine.reveals compares
    them (so that a listed formula is specific)."""
    assert [checker.kind for checker in checkers] == list(kinds)
    for checker in checkers:
        assert 3 <= len(checker.formulas) <= 8, checker.__name__
        assert all(len(engine._plain(formula)) >= shortest for formula in checker.formulas)


# --- A right answer in other forms ----------------------------------------------------------------


def in_float32(answer: Callable[..., Any]) -> Callable[..., Any]:
    """``answer`` returning float32: each array of a tuple of outputs, or the one output."""

    def converted(*args: Any) -> Any:
        outputs = answer(*args)
        if isinstance(outputs, tuple):
            return tuple(np.asarray(output, dtype=np.float32) for output in outputs)
        return np.float32(outputs)

    return converted


def as_lists(answer: Callable[..., Any]) -> Callable[..., Any]:
    """``answer`` returning plain Python lists (or numbers) instead of NumPy arrays."""

    def listed(*args: Any) -> Any:
        outputs = answer(*args)
        if isinstance(outputs, tuple):
            return tuple(np.asarray(output).tolist() for output in outputs)
        return np.asarray(outputs).tolist()

    return listed


# --- The chapters' solutions ----------------------------------------------------------------------


def solution_text(chapter: str, label: str) -> str:
    """The text (prose and code) of exercise ``label``'s solution in chapters/<chapter>.ipynb."""
    cells = json.loads((CHAPTERS / f"{chapter}.ipynb").read_text())["cells"]
    text = "\n".join("".join(cell["source"]) for cell in cells)
    pattern = rf"```{{solution-start}} {label}\n(.*?)```{{solution-end}}"
    found = re.search(pattern, text, re.S)
    assert found is not None, f"no solution {label!r} in {chapter}.ipynb"
    return found.group(1)


# --- Right answers two chapters' tests share, written from the papers' formulas -------------------


def adam_step(
    theta: Any,
    grad: Any,
    m: Any,
    v: Any,
    t: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> tuple[Any, Any, Any]:
    """One Adam step (Kingma & Ba 2015, Algorithm 1): the new θ, m and v."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def rho(beta2: float, t: int) -> float:
    """RAdam's ρ_t, the length of the approximated simple moving average at step t (Liu et al.
    2020): ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ), with ρ∞ = 2/(1 − β₂) − 1."""
    return 2 / (1 - beta2) - 1 - 2 * t * beta2**t / (1 - beta2**t)
