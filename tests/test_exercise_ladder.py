"""The exercises as a learner meets them: a ladder in every chapter, checkers that hint before
they tell, and a list of every exercise in the back matter.

- The ladder of hints (optlib.exercises.engine.climb): a first failure names the kind of mistake,
  asking again (or ``hint=True``) climbs one rung, a pass starts again at the bottom.
- No message of any checker, at any rung, contains the formula it checks; nor does any checker
  output in the built book outside a solution; and each solution does show it (the formulas
  listed are real).
- Every chapter: at least four exercises, three checked by checkers of their own, one a
  derivation, one a prediction; no checker used twice in the book; every title marked with its
  difficulty; the Exercises page lists them all.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest

from optlib import exercises
from optlib.exercises import engine
from optlib.exercises.engine import CHECKERS, CheckResult, Mistake, judge_prediction, reveals

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
HTML = ROOT / "_build" / "html" / "chapters"
sys.path.insert(0, str(ROOT / "_ext"))
import exercise_list  # noqa: E402  (the page's generator, in the build's plumbing)

MARKS = ("★", "★★", "★★★")


# --- The ladder of hints -------------------------------------------------------------------------


@pytest.fixture
def toy():
    """A checker of θ − η·g with one known mistake, made a book checker."""
    name = "check_toy"

    def step(theta, grad, lr):
        return theta - lr * grad

    def check_toy(candidate):
        cases = [engine.Case((np.array([1.0, 2.0]), np.array([0.5, -1.0]), 0.1), "a step")]
        mistakes = [
            Mistake(
                "uphill",
                "Your step goes uphill.",
                lambda theta, grad, lr: theta + lr * grad,
                hint="which way does the loss go down?",
            )
        ]
        return engine.check_against(
            candidate,
            step,
            cases,
            mistakes,
            arg_names=("theta", "grad", "lr"),
            output_names=("theta",),
            advice="compare with the rule, term by term.",
        )

    check_toy.__name__ = name
    checker = engine.checker(formulas=("theta-lr*grad", "θ−ηg"))(check_toy)
    yield checker
    del CHECKERS[name]


def uphill(theta, grad, lr):
    return theta + lr * grad


def test_a_first_failure_names_the_kind_of_mistake_and_offers_a_hint(toy):
    result = toy(uphill)
    assert result.message.splitlines() == [
        "Your step goes uphill.",
        "(Stuck? Run the check again, or call it with hint=True, for a hint.)",
    ]
    assert result.mistake == "uphill" and result.checker == "check_toy"
    assert len(result.hints) == 2  # the hint, then the numbers: not shown yet


def test_asking_again_climbs_one_rung_at_a_time_up_to_the_numbers(toy):
    toy(uphill)
    second = toy(uphill).message.splitlines()
    assert second[1] == "Hint: which way does the loss go down?"
    assert second[2] == (
        "(Stuck? Run the check again, or call it with hint=True, for the first wrong case in "
        "numbers.)"
    )
    third = toy(uphill).message.splitlines()
    assert third[2].startswith("The first case you get wrong, in numbers: case 1 of 1 (a step)")
    assert "the right answer is theta = [0.95, 2.1]" in third[2]
    assert len(third) == 3 and toy(uphill).message == "\n".join(third)  # the top: it stays


def test_hint_true_shows_the_hint_on_the_first_call(toy):
    first = toy(uphill, hint=True).message.splitlines()
    assert first[1] == "Hint: which way does the loss go down?"


def test_a_pass_or_forget_starts_the_ladder_again(toy):
    toy(uphill)
    toy(uphill)
    assert toy(lambda theta, grad, lr: theta - lr * grad).passed
    assert len(toy(uphill).message.splitlines()) == 2
    toy(uphill)
    engine.forget("check_toy")
    assert len(toy(uphill).message.splitlines()) == 2


def test_each_mistake_has_its_own_ladder(toy):
    toy(uphill)
    toy(uphill)
    other = toy(lambda theta, grad, lr: theta - 2 * lr * grad)
    assert other.mistake is None and other.message.startswith("Not yet: your function disagrees")
    assert "Hint:" not in other.message
    again = toy(lambda theta, grad, lr: theta - 2 * lr * grad)
    assert "Hint: compare with the rule" in again.message


def test_the_html_names_its_checker_and_keeps_the_lines(toy):
    page = toy(uphill)._repr_html_()
    assert 'class="optlib-check" data-checker="check_toy"' in page
    assert "white-space: pre-line" in page


def test_a_checker_must_say_what_kind_of_exercise_it_checks():
    with pytest.raises(ValueError, match="Invalid kind of exercise: 'quiz'"):
        engine.checker(formulas=("x",), kind="quiz")


def test_reveals_ignores_spacing_multiplication_signs_and_the_kind_of_minus():
    formulas = ("theta-lr*grad", "sqrt(v)+eps")
    assert reveals("use θ, then theta − lr · grad", formulas) == "theta-lr*grad"
    assert reveals("divide by np.sqrt(v) + eps", formulas) == "sqrt(v)+eps"
    assert reveals("Your step goes uphill.", formulas) is None


# --- Predictions ---------------------------------------------------------------------------------


def judged(prediction: Any, **options: Any) -> tuple[CheckResult, list[int]]:
    """A choice between up and down (or a number), judged against ``outcome``; the list counts
    the runs of the experiment."""
    runs: list[int] = []
    outcome = options.pop("outcome", "down")

    def run():
        runs.append(1)
        return outcome

    settings = {"asks": "up or down", "choices": ("up", "down"), "hint": "look at the sign."}
    settings.update(options)
    return judge_prediction(prediction, run, **settings), runs


def test_no_prediction_yet_runs_no_experiment():
    for empty in (None, ...):
        result, runs = judged(empty)
        assert result.mistake == "no_prediction" and not runs
        assert result.message.startswith("Not yet: first write down your prediction — up or down")


def test_a_prediction_among_choices_ignores_case_and_spaces():
    result, runs = judged(" Down ")
    assert result.passed and runs and "You predicted down, and the run gives down" in result.message
    wrong, _ = judged("up")
    assert wrong.mistake == "wrong_prediction" and wrong.hints == ("Hint: look at the sign.",)
    assert wrong.message.startswith("Not what happens: you predicted up; the run gives down.")


def test_a_numeric_prediction_counts_within_its_tolerance():
    close, _ = judged(105, choices=(), outcome=100.0, rtol=0.1)
    far, _ = judged(120.0, choices=(), outcome=100.0, rtol=0.1)
    assert close.passed and not far.passed
    assert "(a prediction within 10% counts)" in far.message


class Hostile:
    def __repr__(self):
        raise RuntimeError("no repr")

    def __eq__(self, other):
        raise RuntimeError("no comparison")

    __hash__ = None


GARBAGE = {
    "str": "sideways",
    "bool": True,
    "list": [1, 2],
    "nan": float("nan"),
    "inf": math.inf,
    "complex": 2 + 1j,
    "hostile": Hostile(),
}
#: Each kind of prediction with the garbage it is given (3 is a fine number, not a choice).
WRONG_KIND = [("choice", name) for name in [*GARBAGE, "int"]] + [
    ("number", name) for name in GARBAGE
]


@pytest.mark.parametrize(("kind", "name"), WRONG_KIND, ids=[f"{k}-{n}" for k, n in WRONG_KIND])
def test_a_prediction_of_the_wrong_kind_gets_a_verdict_and_runs_nothing(kind, name):
    options = {"choices": (), "outcome": 1.0} if kind == "number" else {}
    result, runs = judged(GARBAGE.get(name, 3), **options)
    assert result.mistake == "wrong_output" and not runs, result.message


PREDICTIONS = [c for c in CHECKERS.values() if c.kind == "prediction"]


@pytest.mark.parametrize("checker", PREDICTIONS, ids=[c.__name__ for c in PREDICTIONS])
@pytest.mark.parametrize(
    "garbage",
    [None, "sideways", True, [1, 2], float("nan"), -math.inf, Hostile()],
    ids=["None", "str", "bool", "list", "nan", "-inf", "hostile"],
)
def test_every_prediction_checker_answers_garbage_in_words(checker, garbage):
    result = checker(garbage)
    assert isinstance(result, CheckResult) and not result.passed
    assert result.mistake in {"no_prediction", "wrong_output", "wrong_prediction"}
    assert reveals(result.message, checker.formulas) is None


# --- No message reveals its formula --------------------------------------------------------------


def test_every_checker_of_the_package_is_a_book_checker_with_formulas():
    exported = {name for name in exercises.__all__ if name.startswith("check_")} - {"check_against"}
    assert exported == set(CHECKERS)
    for name, checker in CHECKERS.items():
        assert checker.formulas and all(len(engine._plain(f)) >= 4 for f in checker.formulas), name


def every_rung(checker, answer) -> str:
    """The whole ladder for one answer: the message with every hint and the numbers."""
    engine.forget()
    checker(answer, hint=True)
    checker(answer, hint=True)
    return checker(answer, hint=True).message


FUNCTION_CHECKERS = [c for c in CHECKERS.values() if c.kind != "prediction"]


def ladder_answers():
    """(checker, name, answer): each function checker's listed mistakes, a wrong answer it does
    not know, and an answer that returns None."""
    from test_hostile_learner import exercise_of, learners_version, with_outputs

    for checker in FUNCTION_CHECKERS:
        exercise = exercise_of(checker)
        for mistake in exercise.mistakes:
            yield checker, mistake.name, learners_version(exercise, mistake)
        yield checker, "unknown", with_outputs(exercise, lambda output: output * 1.01 + 0.01)
        yield checker, "None", lambda *args: None


def test_no_rung_of_any_message_contains_the_formula_it_checks():
    seen = 0
    for checker, name, answer in ladder_answers():
        message = every_rung(checker, answer)
        found = reveals(message, checker.formulas)
        assert found is None, (checker.__name__, name, found, message)
        seen += 1
    assert seen >= 100


# --- The ladders in the chapters -----------------------------------------------------------------


class Exercise(NamedTuple):
    chapter: str
    label: str
    title: str
    mark: str
    checkers: tuple[str, ...]  # the checkers its cells call


def chapter_exercises() -> dict[str, list[Exercise]]:
    found = {}
    for entry in exercise_list.chapters():
        notebook = json.loads((ROOT / f"{entry}.ipynb").read_text())
        stem = Path(entry).name
        listed = []
        for item in exercise_list.exercises_of(notebook):
            calls = re.findall(r"\b(check_\w+)\(", item.code)
            known = tuple(dict.fromkeys(name for name in calls if name in CHECKERS))
            listed.append(Exercise(stem, item.label, item.title, item.mark, known))
        found[stem] = listed
    return found


EXERCISES = chapter_exercises()


def test_the_book_has_fourteen_chapters_of_exercises():
    assert len(EXERCISES) == 14


@pytest.mark.parametrize("chapter", list(EXERCISES))
def test_every_chapter_climbs_a_ladder(chapter):
    listed = EXERCISES[chapter]
    checked = [item for item in listed if item.checkers]
    kinds = {CHECKERS[name].kind for item in checked for name in item.checkers}
    assert len(listed) >= 4, [item.title for item in listed]
    assert len(checked) >= 3, [item.title for item in listed]
    assert "derivation" in kinds and "prediction" in kinds, kinds


@pytest.mark.parametrize("chapter", list(EXERCISES))
def test_the_ladder_rises_from_rules_to_derivations_to_predictions(chapter):
    kinds = [
        engine.KINDS.index(CHECKERS[name].kind)
        for item in EXERCISES[chapter]
        for name in item.checkers
    ]
    assert kinds == sorted(kinds), [engine.KINDS[k] for k in kinds]


DERIVATIONS = [c for c in CHECKERS.values() if c.kind == "derivation"]


@pytest.mark.parametrize("checker", DERIVATIONS, ids=[c.__name__ for c in DERIVATIONS])
def test_every_derivation_is_checked_on_six_random_settings_or_more(checker):
    """A derived formula is checked as a function of its hyperparameters, on random settings
    (drawn from a seeded generator), not only at the chapter's numbers."""
    from test_hostile_learner import exercise_of

    cases = exercise_of(checker).cases
    drawn = [case for case in cases if "random" in (case.kind + case.description).casefold()]
    assert len(drawn) >= 6, [case.description for case in cases]


def test_no_exercise_twice_in_the_book():
    every = [item for listed in EXERCISES.values() for item in listed]
    titles = [item.title.casefold() for item in every]
    assert len(titles) == len(set(titles)), sorted(t for t in titles if titles.count(t) > 1)
    users: dict[str, list[str]] = {}
    for item in every:
        for name in item.checkers:
            users.setdefault(name, []).append(item.label)
    assert {name: labels for name, labels in users.items() if len(labels) > 1} == {}
    assert set(users) == set(CHECKERS), set(CHECKERS) - set(users)  # every checker is used


def test_every_checked_exercise_starts_unfinished_and_its_solution_passes_its_checker():
    """The starter calls the checker (a learner sees "not yet"); the solution, which the build
    runs, asserts that the checker passes: a solution that stops passing fails the build."""
    for entry in exercise_list.chapters():
        notebook = json.loads((ROOT / f"{entry}.ipynb").read_text())
        for item in exercise_list.exercises_of(notebook):
            called = [
                name for name in re.findall(r"\b(check_\w+)\(", item.code) if name in CHECKERS
            ]
            if not called:
                continue
            assert re.search(r"\bcheck_\w+\(", item.starter), (
                item.label,
                "no check in its starter",
            )
            assert re.search(r"assert .*\.passed", item.solution), (item.label, "no passing check")


def test_every_exercise_has_a_short_title_and_a_difficulty_mark():
    for listed in EXERCISES.values():
        for item in listed:
            assert item.mark in MARKS, item
            assert 0 < len(item.title) <= 60, item


def test_the_exercises_page_lists_every_exercise_as_the_generator_writes_it():
    page = ROOT / "chapters" / "exercises.md"
    assert page.read_text() == exercise_list.page(), (
        "chapters/exercises.md is out of date: run `python _ext/exercise_list.py`"
    )
    every = [item.label for listed in EXERCISES.values() for item in listed]
    assert every == re.findall(r"\{ref\}`[^`<]+<([\w-]+)>`", page.read_text())


# --- In the built book ---------------------------------------------------------------------------


def built_pages() -> list[Path]:
    pages = [HTML / f"{chapter}.html" for chapter in EXERCISES]
    if not all(page.exists() for page in pages):
        pytest.skip("the book is not built (make book)")
    return pages


def test_no_checker_output_outside_a_solution_shows_its_formula_and_each_solution_does():
    from bs4 import BeautifulSoup

    shown: dict[str, list[str]] = {}
    in_solutions: dict[str, str] = {}
    for page in built_pages():
        soup = BeautifulSoup(page.read_text(), "html.parser")
        for output in soup.select("div.optlib-check"):
            name = output.get("data-checker", "")
            assert name in CHECKERS, (page.name, name)
            inside = output.find_parent(class_="solution")
            if inside is None:
                text = output.get_text(" ")
                shown.setdefault(name, []).append(text)
                found = reveals(text, CHECKERS[name].formulas)
                assert found is None, (page.name, name, found, text)
                # A starter shows what a learner sees first: a plain "not yet", never a pass.
                assert text.startswith("✗ Not yet"), (page.name, name, text)
            else:
                in_solutions[name] = in_solutions.get(name, "") + inside.get_text(" ")
    assert set(shown) == set(CHECKERS), set(CHECKERS) - set(shown)  # every starter shows "not yet"
    for name, text in in_solutions.items():
        assert reveals(text, CHECKERS[name].formulas), (name, "its solution shows no formula")
    assert set(in_solutions) == set(CHECKERS), set(CHECKERS) - set(in_solutions)
