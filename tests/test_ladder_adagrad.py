"""The ladder of the AdaGrad chapter: its step (a rule), the length of its step on a constant
gradient as a function of t, g, η and ε (a derivation) and the number of steps it needs to travel
a distance of 10 (a prediction).

The right answers and the mistakes are written here as a learner would, from the chapter's
formulas; the derivation's reference (optlib's runs) and the prediction's experiment are checked
against the closed forms independently.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from ladder import (
    as_lists,
    assert_named_without_the_formula,
    assert_no_prediction_runs_nothing,
    every_rung,
    in_float32,
    solution_text,
)

from optlib.exercises import adagrad as module
from optlib.exercises import (
    check_adagrad_arrival,
    check_adagrad_step,
    check_adagrad_step_length,
)
from optlib.exercises.engine import reveals

# --- The rule: one AdaGrad step -----------------------------------------------------------------


def adagrad_step(theta, grad, G, lr, eps):
    G = G + grad**2
    return theta - lr * grad / (np.sqrt(G) + eps), G


def test_the_starter_is_a_named_not_yet_that_shows_no_formula():
    def starter(theta, grad, G, lr, eps):
        G = G + grad**2
        return theta, G  # TODO: the step

    result = check_adagrad_step(starter)
    assert result.mistake == "no_step" and result.message.startswith("Not yet")
    assert reveals(every_rung(check_adagrad_step, starter), check_adagrad_step.formulas) is None


def test_the_step_in_its_forms():
    def rate_first(theta, grad, G, lr, eps):
        G = grad * grad + G
        return theta - lr / (np.sqrt(G) + eps) * grad, G

    assert check_adagrad_step(adagrad_step)
    assert check_adagrad_step(rate_first)
    assert check_adagrad_step(as_lists(adagrad_step))
    assert check_adagrad_step(in_float32(adagrad_step))


def by_hand(G_rule, update):
    """A step with the given G update and θ update (lr, eps as given)."""

    def step(theta, grad, G, lr, eps):
        new_G = G_rule(G, grad)
        return update(theta, grad, G, new_G, lr, eps), new_G

    return step


def summed(G, g):
    return G + g**2


STEP_MISTAKES = [
    (by_hand(summed, lambda th, g, G0, G, lr, eps: th), "no_step"),
    (by_hand(summed, lambda th, g, G0, G, lr, eps: th + lr * g / (np.sqrt(G) + eps)), "uphill"),
    (by_hand(summed, lambda th, g, G0, G, lr, eps: th - g / (np.sqrt(G) + eps)), "lr_missing"),
    (
        by_hand(summed, lambda th, g, G0, G, lr, eps: th - lr / np.sqrt(G + eps) * g),
        "eps_inside_root",
    ),
    (
        by_hand(lambda G, g: g**2, lambda th, g, G0, G, lr, eps: th - lr * g / (np.sqrt(G) + eps)),
        "not_accumulated",
    ),
    (by_hand(summed, lambda th, g, G0, G, lr, eps: th - lr * g / (G + eps)), "no_square_root"),
    (by_hand(summed, lambda th, g, G0, G, lr, eps: th - lr * g / (np.sqrt(G0) + eps)), "old_G"),
    (lambda *args: adagrad_step(*args)[::-1], "swapped_outputs"),
    (
        lambda th, *rest: (adagrad_step(th, *rest)[0] - th, adagrad_step(th, *rest)[1]),
        "returns_update",
    ),
]


@pytest.mark.parametrize(("wrong", "mistake"), STEP_MISTAKES, ids=[m for _, m in STEP_MISTAKES])
def test_each_step_mistake_is_named_and_no_rung_shows_the_formula(wrong, mistake):
    result = check_adagrad_step(wrong)
    assert result.mistake == mistake, result.message
    assert reveals(every_rung(check_adagrad_step, wrong), check_adagrad_step.formulas) is None


def test_the_ladder_climbs_from_the_kind_of_mistake_to_the_numbers():
    wrong = STEP_MISTAKES[1][0]  # uphill
    first = check_adagrad_step(wrong).message
    second = check_adagrad_step(wrong).message
    third = check_adagrad_step(wrong).message
    assert "Hint:" not in first and "Hint:" in second
    assert "The first case you get wrong" not in second
    assert "The first case you get wrong, in numbers" in third


# --- The derivation: the step's length on a constant gradient -----------------------------------


def step_length(t, g, lr, eps):
    """η|g|/(√t·|g| + ε): G_t = t·g² after t equal gradients."""
    return lr * abs(g) / (np.sqrt(t) * abs(g) + eps)


def test_the_reference_is_the_closed_form_on_random_settings():
    """optlib's runs, which the checker compares with, agree with the derivation."""
    rng = np.random.default_rng(2026)
    for _ in range(12):
        t = int(rng.integers(1, 2000))
        g = float(rng.choice([-1, 1]) * 10 ** rng.uniform(-3, 3))
        lr, eps = float(10 ** rng.uniform(-3, 0)), float(10 ** rng.uniform(-10, -1))
        assert math.isclose(
            module._step_length(t, g, lr, eps), step_length(t, g, lr, eps), rel_tol=1e-9
        )


def test_the_step_length_in_its_forms():
    assert check_adagrad_step_length(step_length)
    assert check_adagrad_step_length(
        lambda t, g, lr, eps: lr / (math.sqrt(t) + eps / abs(g)) if g else 0.0
    )
    assert check_adagrad_step_length(lambda t, g, lr, eps: abs(lr * g / (np.sqrt(t * g**2) + eps)))
    assert check_adagrad_step_length(lambda *args: np.float32(step_length(*args)))
    assert check_adagrad_step_length(lambda *args: [step_length(*args)][0])


def starter_length(t, g, lr, eps):
    return 0.0  # TODO


LENGTH_MISTAKES = [
    (starter_length, "not_written"),
    (lambda t, g, lr, eps: lr / np.sqrt(t), "eps_ignored"),
    (lambda t, g, lr, eps: lr * abs(g) / np.sqrt(t * g**2 + eps), "eps_inside_root"),
    (lambda t, g, lr, eps: lr * abs(g) / (abs(g) + eps), "constant_step"),
    (lambda t, g, lr, eps: step_length(t + 1, g, lr, eps), "t_off_by_one"),
    (lambda t, g, lr, eps: lr * abs(g) / (np.sqrt(t - 1) * abs(g) + eps), "t_off_by_one"),
    (lambda t, g, lr, eps: lr * abs(g) / (t * g**2 + eps), "no_square_root"),
    (lambda t, g, lr, eps: lr * abs(g), "gradient_descent"),
    (lambda t, g, lr, eps: -lr * g / (np.sqrt(t) * abs(g) + eps), "signed"),
    (lambda t, g, lr, eps: lr * g / (np.sqrt(t) * abs(g) + eps), "signed"),
    (
        lambda t, g, lr, eps: sum(step_length(k, g, lr, eps) for k in range(1, t + 1)),
        "distance_not_step",
    ),
]


@pytest.mark.parametrize(
    ("wrong", "mistake"),
    LENGTH_MISTAKES,
    ids=[f"{m}-{i}" for i, (_, m) in enumerate(LENGTH_MISTAKES)],
)
def test_each_wrong_derivation_is_named_and_no_rung_shows_the_formula(wrong, mistake):
    result = check_adagrad_step_length(wrong)
    assert result.mistake == mistake, result.message
    shown = every_rung(check_adagrad_step_length, wrong)
    assert reveals(shown, check_adagrad_step_length.formulas) is None


def test_the_length_starter_says_not_yet():
    result = check_adagrad_step_length(starter_length)
    assert result.message.startswith("Not yet")


def test_an_unrecognised_wrong_length_gets_advice_without_the_formula():
    wrong = lambda t, g, lr, eps: 1.5 * step_length(t, g, lr, eps)  # noqa: E731
    result = check_adagrad_step_length(wrong)
    assert not result.passed and result.mistake is None
    assert (
        reveals(every_rung(check_adagrad_step_length, wrong), check_adagrad_step_length.formulas)
        is None
    )


# --- The prediction: how long to travel 10 -----------------------------------------------------


def test_no_prediction_yet_runs_nothing_and_tells_nothing(monkeypatch):
    message = assert_no_prediction_runs_nothing(
        monkeypatch, module, "_arrival_steps", check_adagrad_arrival
    )
    assert "2574" not in message and "2,574" not in message


def test_the_experiment_agrees_with_the_bounds_on_the_sum():
    """2η(√(T+1) − 1) ≤ η Σ 1/√t ≤ 2η(√T − ½) put the arrival between 2551 and 2600."""
    steps = module._arrival_steps()
    assert 2551 <= steps <= 2600
    distance = 0.1 * np.sum(1 / np.sqrt(np.arange(1, steps + 1)))
    assert distance >= 10 > distance - 0.1 / np.sqrt(steps)


@pytest.mark.parametrize("prediction", [2500, 2574, 2574.0, np.int64(2600)])
def test_a_right_prediction_passes(prediction):
    assert check_adagrad_arrival(prediction)


@pytest.mark.parametrize("prediction", [100, 50, 10_000, 1000])
def test_a_wrong_prediction_is_named_and_shows_no_formula(prediction):
    assert_named_without_the_formula(check_adagrad_arrival, prediction, "wrong_prediction")


@pytest.mark.parametrize("garbage", ["many", float("nan"), [2500], True])
def test_a_prediction_that_is_not_a_number(garbage):
    assert check_adagrad_arrival(garbage).mistake == "wrong_output"


# --- The chapter: the ladder and its solutions --------------------------------------------------


@pytest.mark.parametrize(
    ("label", "checker"),
    [
        ("adagrad-ex-step", check_adagrad_step),
        ("adagrad-ex-constant", check_adagrad_step_length),
        ("adagrad-ex-arrival", check_adagrad_arrival),
    ],
)
def test_each_solution_writes_the_formula_its_checker_hides(label, checker):
    solution = solution_text("adagrad", label)
    assert reveals(solution, checker.formulas) is not None
    assert checker.__name__ in solution


def test_the_kinds_rise_from_rule_to_prediction():
    kinds = [
        check.kind
        for check in (check_adagrad_step, check_adagrad_step_length, check_adagrad_arrival)
    ]
    assert kinds == ["rule", "derivation", "prediction"]
