"""The Adam chapter's ladder: its step, its bias correction derived by hand, and the prediction of
its first step. The right answers and the mistakes are written here as a learner would, from the
paper's formulas, without calling optlib (the checkers compare with optlib's runs, so a right
answer passing also checks the checker); the derivation's reference is checked against the
closed form on random settings."""

from __future__ import annotations

import numpy as np
import pytest
from ladder import adam_step, as_lists, assert_climbs_without_the_formula, in_float32

from optlib.exercises import (
    bias_factors_from_run,
    check_adam_step,
    check_bias_correction,
    check_first_step_prediction,
)
from optlib.exercises.engine import reveals

# --- Right answers ------------------------------------------------------------------------------


def bias_correction(m, v, t, beta1, beta2):
    return m / (1 - beta1**t), v / (1 - beta2**t)


def test_the_checkers_are_a_ladder():
    assert check_adam_step.kind == "rule"
    assert check_bias_correction.kind == "derivation"
    assert check_first_step_prediction.kind == "prediction"


def test_the_right_answers_pass():
    assert check_adam_step(adam_step)
    assert check_bias_correction(bias_correction)
    assert check_first_step_prediction(1.0)
    assert check_first_step_prediction(1.05)  # within 10 %


def test_equivalent_forms_lists_and_float32_pass():
    def correction_by_weights(m, v, t, beta1, beta2):
        # The weights (1 − β)β^k, k < t, of an average started at zero, added up one by one.
        total1 = sum((1 - beta1) * beta1**k for k in range(t))
        total2 = sum((1 - beta2) * beta2**k for k in range(t))
        return m / total1, v / total2

    def correction_with_expm1(m, v, t, beta1, beta2):
        # 1 − βᵗ = −expm1(t·log β), exact where βᵗ is close to 1 (β = 0 handled apart)
        def factor(beta):
            return 1.0 if beta == 0 else -np.expm1(t * np.log(beta))

        return m / factor(beta1), v / factor(beta2)

    assert check_adam_step(as_lists(adam_step))
    assert check_bias_correction(correction_by_weights)
    assert check_bias_correction(in_float32(bias_correction))
    assert check_bias_correction(correction_with_expm1)
    assert check_bias_correction(lambda *args: [x.tolist() for x in bias_correction(*args)])
    assert check_first_step_prediction(np.float32(1.0))
    assert check_first_step_prediction(1)


def starter_adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
    """The chapter's starter: both moments updated, θ not moved yet."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return theta, m, v


def adam_without(update):
    def step(theta, grad, m, v, t, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        return update(theta, m, v, t, lr, beta1, beta2, eps), m, v

    return step


ADAM_MISTAKES = [
    (starter_adam_step, "no_step"),
    (
        adam_without(lambda th, m, v, t, lr, b1, b2, eps: th - lr * m / (np.sqrt(v) + eps)),
        "no_bias_correction",
    ),
    (
        adam_without(
            lambda th, m, v, t, lr, b1, b2, eps: (
                th - lr * m / (1 - b1**t) / np.sqrt(v / (1 - b2**t) + eps)
            )
        ),
        "eps_inside_root",
    ),
    (
        adam_without(
            lambda th, m, v, t, lr, b1, b2, eps: (
                th + lr * m / (1 - b1**t) / (np.sqrt(v / (1 - b2**t)) + eps)
            )
        ),
        "uphill",
    ),
    (
        adam_without(
            lambda th, m, v, t, lr, b1, b2, eps: (
                th - lr * m / (1 - b1 ** (t + 1)) / (np.sqrt(v / (1 - b2 ** (t + 1))) + eps)
            )
        ),
        "t_off_by_one",
    ),
]

CORRECTION_MISTAKES = [
    (lambda m, v, t, b1, b2: (m, v), "no_correction"),  # the chapter's starter
    (lambda m, v, t, b1, b2: (m / (1 - b1), v / (1 - b2)), "beta_not_power"),
    (lambda m, v, t, b1, b2: (m * (1 - b1**t), v * (1 - b2**t)), "multiplies"),
    (lambda m, v, t, b1, b2: bias_correction(m, v, t + 1, b1, b2), "t_off_by_one"),
    (lambda m, v, t, b1, b2: bias_correction(m, v, t - 1, b1, b2), "t_off_by_one"),
    (
        lambda m, v, t, b1, b2: (m / (1 - (1 - b1) ** t), v / (1 - (1 - b2) ** t)),
        "one_minus_beta_for_beta",
    ),
    (lambda m, v, t, b1, b2: bias_correction(m, v, t, b2, b1), "betas_swapped"),
]


@pytest.mark.parametrize(
    ("checker", "wrong", "name"),
    [
        *((check_adam_step, wrong, name) for wrong, name in ADAM_MISTAKES),
        *((check_bias_correction, wrong, name) for wrong, name in CORRECTION_MISTAKES),
    ],
)
def test_each_mistake_is_named_and_no_rung_gives_the_formula(checker, wrong, name):
    assert_climbs_without_the_formula(checker, wrong, name, hint=False)  # asking again climbs


def test_the_starters_see_a_plain_not_yet():
    for result in (
        check_adam_step(starter_adam_step),
        check_bias_correction(lambda m, v, t, b1, b2: (m, v)),
        check_first_step_prediction(None),
    ):
        assert not result.passed and result.message.startswith("Not yet")
        assert reveals(result.message, result_formulas(result)) is None


def result_formulas(result):
    return {
        "check_adam_step": check_adam_step,
        "check_bias_correction": check_bias_correction,
        "check_first_step_prediction": check_first_step_prediction,
    }[result.checker].formulas


def test_the_bias_factor_read_from_runs_is_the_closed_form():
    """The derivation, checked independently: m_t/g and v_t/g² of optlib's Adam on a constant
    gradient are 1 − β₁ᵗ and 1 − β₂ᵗ, on random settings and at the edges."""
    rng = np.random.default_rng(2026)
    settings = [
        *zip(
            rng.uniform(0, 0.999, 8),
            rng.uniform(0.5, 0.9999, 8),
            rng.integers(1, 400, 8),
            strict=True,
        ),
        (0.0, 0.999, 1),
        (0.9, 0.999, 1),
        (0.9, 0.999, 3000),
    ]
    for beta1, beta2, t in settings:
        factor1, factor2 = bias_factors_from_run(float(beta1), float(beta2), int(t))
        assert np.isclose(factor1, 1 - beta1**t, rtol=1e-12)
        assert np.isclose(factor2, 1 - beta2**t, rtol=1e-12)


def test_predictions_wrong_missing_or_garbage():
    assert check_first_step_prediction(None).mistake == "no_prediction"
    wrong = check_first_step_prediction(1e4)  # gradient descent's ratio
    assert wrong.mistake == "wrong_prediction" and "1.00001" in wrong.message
    assert "Hint:" in check_first_step_prediction(1e4, hint=True).message
    for garbage in ("1", float("nan"), float("inf"), [1.0], True, object()):
        result = check_first_step_prediction(garbage)
        assert result.mistake == "wrong_output", garbage
    assert (
        reveals(check_first_step_prediction(1.0).message, check_first_step_prediction.formulas)
        is None
    )
