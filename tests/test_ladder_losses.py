"""The ladder of the losses chapter: the MSE gradient, BCE on logits and the cross-entropy
gradient (rules), the focal loss's gradient at γ = 0 (a derivation) and which loss rises most
when a prediction is confidently wrong (a prediction).

The right answers and the mistakes are written here as a learner would, from the chapter's
formulas, without calling optlib; the derivation's reference (optlib's focal gradient) is
checked against the closed form on settings of its own.
"""

from __future__ import annotations

import numpy as np
import pytest
from ladder import every_rung

from optlib import losses
from optlib.exercises import (
    check_bce_with_logits,
    check_confident_mistakes,
    check_cross_entropy_grad,
    check_focal_without_focusing,
    check_mse_grad,
)
from optlib.exercises.engine import reveals
from optlib.exercises.losses import _focal_grad_without_focusing, _rises


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def softmax_rows(z):
    shifted = np.exp(z - z.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def one_hot(classes, n_classes):
    return np.eye(n_classes)[classes]


# --- The rules: the chapter's starters, right answers and mistakes --------------------------------


def mse_starter(prediction, target):
    prediction = np.asarray(prediction, dtype=float)
    return np.zeros_like(prediction)  # TODO


def bce_starter(logits, targets):
    z = np.asarray(logits, dtype=float)
    p = 1 / (1 + np.exp(-z))
    return np.mean(-(targets * np.log(p) + (1 - targets) * np.log(1 - p)))


def ce_starter(logits, classes):
    return softmax_rows(np.asarray(logits, dtype=float)) / len(logits)


@pytest.mark.parametrize(
    ("checker", "starter", "mistake"),
    [
        (check_mse_grad, mse_starter, "no_gradient"),
        (check_bce_with_logits, bce_starter, "unstable"),
        (check_cross_entropy_grad, ce_starter, "no_one_hot"),
    ],
)
def test_each_starter_is_a_named_not_yet_that_shows_no_formula(checker, starter, mistake):
    result = checker(starter)
    assert not result.passed and result.mistake == mistake
    assert result.message.startswith("Not yet")
    assert reveals(every_rung(checker, starter), checker.formulas) is None


def test_the_mse_gradient_in_its_forms():
    assert check_mse_grad(lambda p, y: 2 * (p - y) / p.size)
    assert check_mse_grad(lambda p, y: (2 / p.size) * p - (2 / p.size) * y)
    assert check_mse_grad(lambda p, y: (2 * (p - y) / p.size).tolist())
    assert check_mse_grad(lambda p, y: (2 * (p - y) / p.size).astype(np.float32))


def test_bce_with_logits_in_its_stable_forms():
    assert check_bce_with_logits(
        lambda z, y: np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    )
    assert check_bce_with_logits(lambda z, y: np.mean(np.logaddexp(0, z) - z * y))
    assert check_bce_with_logits(lambda z, y: float(np.mean(np.logaddexp(0, z) - z * y)))
    assert check_bce_with_logits(lambda z, y: np.float32(np.mean(np.logaddexp(0, z) - z * y)))


def test_the_cross_entropy_gradient_in_its_forms():
    assert check_cross_entropy_grad(
        lambda z, c: (softmax_rows(z) - one_hot(c, z.shape[1])) / len(z)
    )
    assert check_cross_entropy_grad(
        lambda z, c: ((softmax_rows(z) - one_hot(c, z.shape[1])) / len(z)).tolist()
    )


RULE_MISTAKES = [
    (check_mse_grad, lambda p, y: (p - y) / p.size, "no_factor_2"),
    (check_mse_grad, lambda p, y: 2 * (p - y), "sum_not_mean"),
    (check_mse_grad, lambda p, y: p - y, "half_sum"),
    (check_mse_grad, lambda p, y: 2 * (y - p) / p.size, "sign"),
    (check_mse_grad, lambda p, y: 2 * (p - y) / len(p), "divides_by_rows"),
    (check_bce_with_logits, lambda z, y: np.sum(np.logaddexp(0, z) - z * y), "sum_not_mean"),
    (check_bce_with_logits, lambda z, y: -np.mean(np.logaddexp(0, z) - z * y), "sign"),
    (
        check_bce_with_logits,
        lambda z, y: np.mean(np.logaddexp(0, z) - z * (1 - y)),
        "labels_swapped",
    ),
    (
        check_bce_with_logits,
        lambda z, y: np.mean(np.max(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))),
        "np_max_not_maximum",
    ),
    (
        check_cross_entropy_grad,
        lambda z, c: (one_hot(c, z.shape[1]) - softmax_rows(z)) / len(z),
        "sign",
    ),
    (
        check_cross_entropy_grad,
        lambda z, c: softmax_rows(z) - one_hot(c, z.shape[1]),
        "sum_not_mean",
    ),
]


@pytest.mark.parametrize(("checker", "wrong", "mistake"), RULE_MISTAKES)
def test_the_rules_name_each_mistake_and_no_rung_shows_the_formula(checker, wrong, mistake):
    assert checker(wrong).mistake == mistake
    assert reveals(every_rung(checker, wrong), checker.formulas) is None


# --- The derivation: the focal loss at γ = 0 ------------------------------------------------------


def focal_gamma_0(logits, targets, alpha):
    alpha_t = np.where(targets == 1, alpha, 1 - alpha)
    return alpha_t * (sigmoid(logits) - targets) / logits.size


def test_the_derived_gradient_passes_in_its_forms():
    assert check_focal_without_focusing(focal_gamma_0)
    # α_t written as a blend of the labels, and σ(z) − y as a tanh
    assert check_focal_without_focusing(
        lambda z, y, a: (a * y + (1 - a) * (1 - y)) * (0.5 * np.tanh(z / 2) + 0.5 - y) / y.size
    )
    assert check_focal_without_focusing(lambda z, y, a: focal_gamma_0(z, y, a).tolist())
    assert check_focal_without_focusing(lambda z, y, a: focal_gamma_0(z, y, a).astype(np.float32))


FOCAL_MISTAKES = [
    (lambda z, y, a: np.zeros_like(z), "no_gradient"),
    (lambda z, y, a: (sigmoid(z) - y) / z.size, "no_alpha"),
    (lambda z, y, a: focal_gamma_0(z, y, 1 - a), "alpha_swapped"),
    (lambda z, y, a: a * (sigmoid(z) - y) / z.size, "alpha_for_all"),
    (lambda z, y, a: -focal_gamma_0(z, y, a), "sign"),
    (lambda z, y, a: focal_gamma_0(z, y, a) * z.size, "sum_not_mean"),
]


def still_focusing(z, y, a):
    """γ = 1 in the chapter's gradient: −s α_t q (p_t·CE + q) / N."""
    s = 2 * y - 1
    p_t = sigmoid(s * z)
    q = 1 - p_t
    alpha_t = np.where(y == 1, a, 1 - a)
    return -s * alpha_t * q * (p_t * -np.log(p_t) + q) / z.size


@pytest.mark.parametrize(
    ("wrong", "mistake"), [*FOCAL_MISTAKES, (still_focusing, "still_focusing")]
)
def test_the_derivation_names_each_wrong_derivation(wrong, mistake):
    result = check_focal_without_focusing(wrong)
    assert result.mistake == mistake, result.message
    assert (
        reveals(
            every_rung(check_focal_without_focusing, wrong), check_focal_without_focusing.formulas
        )
        is None
    )


def test_the_derivations_reference_is_the_closed_form_on_settings_of_its_own():
    """optlib's focal gradient at γ = 0 is α_t(σ(z) − y)/N, on random settings and edges."""
    rng = np.random.default_rng(2024)
    for _ in range(50):
        size = int(rng.integers(1, 12))
        z, y = 4 * rng.normal(size=size), rng.integers(0, 2, size=size).astype(float)
        alpha = float(rng.choice([0.0, 1.0, 0.5, rng.uniform()]))
        np.testing.assert_allclose(
            _focal_grad_without_focusing(z, y, alpha),
            focal_gamma_0(z, y, alpha),
            rtol=1e-12,
            atol=1e-15,
        )
    # and at α = 1/2 the loss is half the BCE, as the exercise asks
    z, y = rng.normal(size=6), rng.integers(0, 2, size=6).astype(float)
    assert np.isclose(
        losses.focal(z, y, alpha=0.5, gamma=0.0),
        0.5 * losses.binary_cross_entropy_with_logits(z, y),
        rtol=1e-14,
    )


# --- The prediction: confidently wrong ------------------------------------------------------------


def test_the_prediction_runs_only_once_made_and_judges_it():
    assert check_confident_mistakes(None).mistake == "no_prediction"
    assert check_confident_mistakes(" BCE ").passed
    for wrong in ("focal", "mse"):
        result = check_confident_mistakes(wrong)
        assert result.mistake == "wrong_prediction"
        assert (
            reveals(every_rung(check_confident_mistakes, wrong), check_confident_mistakes.formulas)
            is None
        )
    assert check_confident_mistakes("hinge").mistake == "wrong_output"
    assert check_confident_mistakes(float("nan")).mistake == "wrong_output"


def test_the_predictions_outcome_is_what_the_losses_do_far_on_the_wrong_side():
    """BCE rises like |z|, the focal loss like α|z| (α = 0.25), the squared error on σ(z) by
    less than 1: from z = −5 to −50, by about 45, 11.25 and 0.013."""
    rises = _rises()
    assert abs(rises["bce"] - 45) < 0.01
    assert abs(rises["focal"] - 0.25 * 45) < 0.05
    assert np.isclose(rises["mse"], 1 - (1 - sigmoid(-5.0)) ** 2, rtol=1e-9)  # bounded by 1
    assert max(rises, key=rises.get) == "bce"


def test_the_ladder_kinds():
    assert (
        check_mse_grad.kind == check_bce_with_logits.kind == check_cross_entropy_grad.kind == "rule"
    )
    assert check_focal_without_focusing.kind == "derivation"
    assert check_confident_mistakes.kind == "prediction"
