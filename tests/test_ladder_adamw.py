"""The AdamW chapter's ladder: its step, the conversion of the paper's λ into PyTorch's derived by
hand, and the prediction about a weight with no gradient. The right answers and the mistakes are
written here as a learner would, from the papers' formulas, without calling optlib (the checkers
compare with optlib's runs); the conversion is checked independently by running the paper's
Algorithm 2, written out here, against optlib.adamw with the converted λ."""

from __future__ import annotations

import numpy as np
import pytest
from ladder import adam_step, assert_climbs_without_the_formula

import optlib
from optlib import schedules
from optlib.exercises import (
    check_adamw_step,
    check_no_gradient_prediction,
    check_weight_decay_conversion,
    decay_per_step_from_run,
)
from optlib.exercises.engine import reveals


def adamw_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    return adam_step(theta * (1 - lr * weight_decay), grad, m, v, t, lr, beta1, beta2, eps)


def torch_weight_decay(lam_paper, alpha, multiplier):
    return lam_paper / alpha


def test_the_checkers_are_a_ladder():
    assert check_adamw_step.kind == "rule"
    assert check_weight_decay_conversion.kind == "derivation"
    assert check_no_gradient_prediction.kind == "prediction"


def test_the_right_answers_pass():
    assert check_adamw_step(adamw_step)
    assert check_weight_decay_conversion(torch_weight_decay)
    assert check_no_gradient_prediction("Adam + L2")


def test_equivalent_forms_lists_and_float32_pass():
    def one_line(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        # (adamw-one-line): θ − η(m̂/(√v̂ + ε) + λθ)
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        return theta - lr * (m_hat / (np.sqrt(v_hat) + eps) + weight_decay * theta), m, v

    def conversion_through_the_decay(lam_paper, alpha, multiplier):
        paper_decay = multiplier * lam_paper  # per step
        torch_decay_per_unit = alpha * multiplier  # PyTorch's lr times one unit of λ
        return paper_decay / torch_decay_per_unit if multiplier else lam_paper / alpha

    assert check_adamw_step(one_line)
    assert check_adamw_step(lambda *args: [np.asarray(x).tolist() for x in adamw_step(*args)])
    assert check_weight_decay_conversion(conversion_through_the_decay)
    assert check_weight_decay_conversion(lambda *args: np.float32(torch_weight_decay(*args)))
    assert check_weight_decay_conversion(lambda *args: [torch_weight_decay(*args)][0])
    assert check_no_gradient_prediction(" adam + L2 ")  # case and spaces ignored


def starter_adamw_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    """The chapter's starter: Adam's step, no decay yet."""
    return adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps)


def adamw_with_decay(decay):
    def step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        return adam_step(decay(theta, lr, weight_decay), grad, m, v, t, lr, beta1, beta2, eps)

    return step


STEP_MISTAKES = [
    (starter_adamw_step, "no_decay"),
    (lambda th, g, *rest: adam_step(th, g + rest[-1] * th, *rest[:-1]), "l2_not_decoupled"),
    (adamw_with_decay(lambda th, lr, lam: th * (1 + lr * lam)), "decay_grows_theta"),
    (adamw_with_decay(lambda th, lr, lam: th * (1 - lam)), "decay_without_lr"),
]

CONVERSION_MISTAKES = [
    (lambda lam, alpha, mult: lam, "not_converted"),  # the chapter's starter
    (lambda lam, alpha, mult: lam * alpha, "multiplies_by_alpha"),
    (lambda lam, alpha, mult: lam / (alpha * mult), "divides_by_scheduled_lr"),
    (lambda lam, alpha, mult: mult * lam / alpha, "schedule_twice"),
    (lambda lam, alpha, mult: np.divide(alpha, lam), "inverted"),
]


@pytest.mark.parametrize(
    ("checker", "wrong", "name"),
    [
        *((check_adamw_step, wrong, name) for wrong, name in STEP_MISTAKES),
        *((check_weight_decay_conversion, wrong, name) for wrong, name in CONVERSION_MISTAKES),
    ],
)
def test_each_mistake_is_named_and_no_rung_gives_the_formula(checker, wrong, name):
    with np.errstate(divide="ignore"):
        assert_climbs_without_the_formula(checker, wrong, name, hint=False)


def test_the_starters_see_a_plain_not_yet():
    starters = [
        (check_adamw_step, check_adamw_step(starter_adamw_step)),
        (check_weight_decay_conversion, check_weight_decay_conversion(lambda lam, a, m: lam)),
        (check_no_gradient_prediction, check_no_gradient_prediction(None)),
    ]
    for checker, result in starters:
        assert not result.passed and result.message.startswith("Not yet")
        assert reveals(result.message, checker.formulas) is None


def paper_adamw(theta, grad, alpha, lam_paper, multiplier, steps, beta1=0.9, beta2=0.999):
    """Loshchilov & Hutter (2019), Algorithm 2, written out: θ after ``steps`` steps."""
    m = v = np.zeros_like(theta)
    for t in range(1, steps + 1):
        g = grad(theta)
        m, v = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        eta_t = multiplier(t - 1)
        theta = theta - eta_t * (alpha * m_hat / (np.sqrt(v_hat) + 1e-8) + lam_paper * theta)
    return theta


def test_the_conversion_makes_the_paper_and_pytorch_one_run():
    """The derivation, checked independently: with λ_torch = λ_paper/α, optlib.adamw under a
    cosine schedule follows the paper's Algorithm 2 on a quadratic, on random settings."""
    rng = np.random.default_rng(2026)
    scales = rng.uniform(0.5, 5.0, size=4)

    def grad(theta):
        return scales * (theta - 1.0)

    for alpha, lam_paper in zip(
        10 ** rng.uniform(-3, -1, 4), 10 ** rng.uniform(-3, -1, 4), strict=True
    ):
        steps, theta0 = 60, rng.normal(size=4)
        paper = paper_adamw(
            theta0, grad, alpha, lam_paper, schedules.cosine(lr=1.0, T_max=steps), steps
        )
        rule = optlib.adamw(
            lr=schedules.cosine(lr=alpha, T_max=steps),
            weight_decay=torch_weight_decay(lam_paper, alpha, 1.0),
        )
        theta, state = theta0, rule.init(theta0)
        for _ in range(steps):
            theta, state = rule.step(theta, grad(theta), state)
        assert np.allclose(theta, paper, rtol=1e-10, atol=1e-12)


def test_the_decay_read_from_a_run_is_lr_times_weight_decay():
    for lr, weight_decay in [(1e-3, 1.0), (0.1, 0.5), (0.3, 2.0)]:
        assert np.isclose(decay_per_step_from_run(lr, weight_decay), lr * weight_decay, rtol=1e-9)


def test_predictions_wrong_missing_or_garbage():
    assert check_no_gradient_prediction(None).mistake == "no_prediction"
    wrong = check_no_gradient_prediction("AdamW")
    assert wrong.mistake == "wrong_prediction" and "0.04206" in wrong.message
    assert check_no_gradient_prediction("the same").mistake == "wrong_prediction"
    assert "Hint:" in check_no_gradient_prediction("AdamW", hint=True).message
    for garbage in ("adam", 1.0, float("nan"), ["AdamW"], object()):
        assert check_no_gradient_prediction(garbage).mistake == "wrong_output", garbage
    assert (
        reveals(
            check_no_gradient_prediction("Adam + L2").message, check_no_gradient_prediction.formulas
        )
        is None
    )
