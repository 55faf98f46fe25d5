"""The ladder of the RMSProp chapter: its step (a rule), the number of steps its moving average
needs to come within a fraction p of g² from zero, as a function of β and p (a derivation), and
the step at which centered RMSProp's step on a constant gradient first exceeds 100 η (a
prediction).

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

from optlib.exercises import (
    check_centered_rmsprop,
    check_rmsprop_step,
    check_rmsprop_warmup,
)
from optlib.exercises import rmsprop as module
from optlib.exercises.engine import reveals

# --- The rule: one RMSProp step -----------------------------------------------------------------


def rmsprop_step(theta, grad, v, lr, alpha, eps):
    v = alpha * v + (1 - alpha) * grad**2
    return theta - lr * grad / (np.sqrt(v) + eps), v


def test_the_starter_is_a_named_not_yet_that_shows_no_formula():
    def starter(theta, grad, v, lr, alpha, eps):
        v = alpha * v + (1 - alpha) * grad**2
        return theta, v  # TODO: the step

    result = check_rmsprop_step(starter)
    assert result.mistake == "no_step" and result.message.startswith("Not yet")
    assert reveals(every_rung(check_rmsprop_step, starter), check_rmsprop_step.formulas) is None


def test_the_step_in_its_forms():
    def pytorch_order(theta, grad, v, lr, alpha, eps):
        v = v * alpha + grad * grad * (1 - alpha)
        return theta - lr / (v**0.5 + eps) * grad, v

    assert check_rmsprop_step(rmsprop_step)
    assert check_rmsprop_step(pytorch_order)
    assert check_rmsprop_step(as_lists(rmsprop_step))
    assert check_rmsprop_step(in_float32(rmsprop_step))


def by_hand(v_rule, update):
    """A step with the given v update and θ update."""

    def step(theta, grad, v, lr, alpha, eps):
        new_v = v_rule(v, grad, alpha)
        return update(theta, grad, v, new_v, lr, eps), new_v

    return step


def averaged(v, g, a):
    return a * v + (1 - a) * g**2


def divided(th, g, v0, v, lr, eps):
    return th - lr * g / (np.sqrt(v) + eps)


STEP_MISTAKES = [
    (by_hand(averaged, lambda th, g, v0, v, lr, eps: th), "no_step"),
    (by_hand(averaged, lambda th, g, v0, v, lr, eps: th + lr * g / (np.sqrt(v) + eps)), "uphill"),
    (by_hand(averaged, lambda th, g, v0, v, lr, eps: th - g / (np.sqrt(v) + eps)), "lr_missing"),
    (
        by_hand(averaged, lambda th, g, v0, v, lr, eps: th - lr**2 * g / (np.sqrt(v) + eps)),
        "lr_squared",
    ),
    (
        by_hand(averaged, lambda th, g, v0, v, lr, eps: th - lr * g / np.sqrt(v + eps)),
        "eps_inside_root",
    ),
    (by_hand(lambda v, g, a: a * v + g**2, divided), "no_one_minus_alpha"),
    (by_hand(lambda v, g, a: (1 - a) * v + a * g**2, divided), "alpha_swapped"),
    (by_hand(lambda v, g, a: a * v + (1 - a) * g, divided), "g_not_squared"),
    (by_hand(averaged, lambda th, g, v0, v, lr, eps: th - lr * g / (v + eps)), "no_square_root"),
    (by_hand(averaged, lambda th, g, v0, v, lr, eps: th - lr * g / (np.sqrt(v0) + eps)), "old_v"),
    (lambda *args: rmsprop_step(*args)[::-1], "swapped_outputs"),
    (
        lambda th, *rest: (rmsprop_step(th, *rest)[0] - th, rmsprop_step(th, *rest)[1]),
        "returns_update",
    ),
]


@pytest.mark.parametrize(("wrong", "mistake"), STEP_MISTAKES, ids=[m for _, m in STEP_MISTAKES])
def test_each_step_mistake_is_named_and_no_rung_shows_the_formula(wrong, mistake):
    result = check_rmsprop_step(wrong)
    assert result.mistake == mistake, result.message
    assert reveals(every_rung(check_rmsprop_step, wrong), check_rmsprop_step.formulas) is None


# --- The derivation: warming up from zero -------------------------------------------------------


def warmup_steps(beta, p):
    """⌈ln p / ln β⌉: G_t = (1 − β^t) g², so g² − G_t = β^t g² ≤ p g² from then on."""
    return np.ceil(np.log(p) / np.log(beta))


def test_the_reference_is_the_closed_form_on_random_settings():
    """optlib's runs, which the checker compares with, agree with the derivation."""
    rng = np.random.default_rng(2026)
    for _ in range(12):
        beta, p = 1 - 10 ** rng.uniform(-3, -0.3), 10 ** rng.uniform(-4, -0.5)
        assert module._warmup_steps(float(beta), float(p)) == warmup_steps(beta, p)


def test_the_warmup_in_its_forms():
    def simulated(beta, p):
        G, t = 0.0, 0
        while 1 - G > p:
            G, t = beta * G + (1 - beta), t + 1
        return t

    assert check_rmsprop_warmup(warmup_steps)
    assert check_rmsprop_warmup(lambda beta, p: math.ceil(math.log(p, beta)))
    assert check_rmsprop_warmup(lambda beta, p: int(np.log(p) / np.log(beta)) + 1)
    assert check_rmsprop_warmup(lambda beta, p: np.ceil(np.log10(p) / np.log10(beta)))
    assert check_rmsprop_warmup(simulated)
    assert check_rmsprop_warmup(lambda *args: np.float32(warmup_steps(*args)))


def starter_warmup(beta, p):
    return 0  # TODO


WARMUP_MISTAKES = [
    (starter_warmup, "not_written"),
    (lambda beta, p: np.log(p) / np.log(beta), "not_whole"),
    (lambda beta, p: np.floor(np.log(p) / np.log(beta)), "one_short"),
    (lambda beta, p: np.ceil(np.log(p) / np.log(beta)) + 1, "one_too_many"),
    (lambda beta, p: np.ceil(np.log(1 - p) / np.log(beta)), "fraction_swapped"),
    (lambda beta, p: np.ceil(np.log(p) / np.log(1 - beta)), "beta_swapped"),
    (lambda beta, p: np.ceil(-np.log(p) / (1 - beta)), "log_approximated"),
]


@pytest.mark.parametrize(("wrong", "mistake"), WARMUP_MISTAKES, ids=[m for _, m in WARMUP_MISTAKES])
def test_each_wrong_derivation_is_named_and_no_rung_shows_the_formula(wrong, mistake):
    result = check_rmsprop_warmup(wrong)
    assert result.mistake == mistake, result.message
    shown = every_rung(check_rmsprop_warmup, wrong)
    assert reveals(shown, check_rmsprop_warmup.formulas) is None


def test_the_warmup_starter_says_not_yet():
    assert check_rmsprop_warmup(starter_warmup).message.startswith("Not yet")


def test_an_unrecognised_wrong_count_gets_advice_without_the_formula():
    def wrong(beta, p):
        return 2 * warmup_steps(beta, p)

    result = check_rmsprop_warmup(wrong)
    assert not result.passed and result.mistake is None
    assert reveals(every_rung(check_rmsprop_warmup, wrong), check_rmsprop_warmup.formulas) is None


# --- The prediction: centered RMSProp on a constant gradient ------------------------------------


def test_no_prediction_yet_runs_nothing_and_tells_nothing(monkeypatch):
    message = assert_no_prediction_runs_nothing(
        monkeypatch, module, "_first_long_step", check_centered_rmsprop
    )
    assert "88" not in message


def test_the_experiment_agrees_with_the_closed_form():
    """The step η/(√(β^t(1 − β^t)) + ε) first exceeds 100 η at t = 88."""
    beta, eps, eta = 0.9, 1e-8, 0.01
    t = np.arange(1, 501)
    lengths = eta / (np.sqrt(beta**t * (1 - beta**t)) + eps)
    assert module._first_long_step() == int(t[np.argmax(lengths > 100 * eta)]) == 88


@pytest.mark.parametrize("prediction", [88, 87.4, np.int64(90), 80])
def test_a_right_prediction_passes(prediction):
    assert check_centered_rmsprop(prediction)


@pytest.mark.parametrize("prediction", [1, 10, 44, 200, 1000])
def test_a_wrong_prediction_is_named_and_shows_no_formula(prediction):
    assert_named_without_the_formula(check_centered_rmsprop, prediction, "wrong_prediction")


@pytest.mark.parametrize("garbage", ["never", float("inf"), (88,), False])
def test_a_prediction_that_is_not_a_number(garbage):
    assert check_centered_rmsprop(garbage).mistake == "wrong_output"


# --- The chapter: the ladder and its solutions --------------------------------------------------


@pytest.mark.parametrize(
    ("label", "checker"),
    [
        ("rms-ex-step", check_rmsprop_step),
        ("rms-ex-warmup", check_rmsprop_warmup),
        ("rms-ex-centered", check_centered_rmsprop),
    ],
)
def test_each_solution_writes_the_formula_its_checker_hides(label, checker):
    solution = solution_text("rmsprop", label)
    assert reveals(solution, checker.formulas) is not None
    assert checker.__name__ in solution


def test_the_kinds_rise_from_rule_to_prediction():
    checkers = (check_rmsprop_step, check_rmsprop_warmup, check_centered_rmsprop)
    assert [check.kind for check in checkers] == ["rule", "derivation", "prediction"]
