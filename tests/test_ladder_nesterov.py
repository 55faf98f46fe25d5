"""The Nesterov chapter's ladder: NAG's step, its stability limit on a quadratic (a derivation
checked against the spectral radius of optlib's NAG step on random settings), and the prediction
of the largest momentum at which NAG does not oscillate on the chapter's bowl.

The right answers and the mistakes are written here by hand, as a learner would; the references
are checked independently against the closed forms and against optlib runs.
"""

from __future__ import annotations

import numpy as np
import pytest
from ladder import as_lists, assert_climbs_without_the_formula, assert_passes, in_float32

import optlib
from optlib import functions
from optlib.exercises import (
    check_nag_critical_momentum,
    check_nag_stability_limit,
    check_nesterov_step,
    check_pytorch_nesterov_step,
    engine,
)
from optlib.exercises import nesterov as chapter


def nesterov_step(theta, grad_fn, velocity, lr, gamma):
    velocity = gamma * velocity - lr * grad_fn(theta + gamma * velocity)
    return theta + velocity, velocity


def nesterov_step_in_two_lines(theta, grad_fn, velocity, lr, gamma):
    """The same step written around the look-ahead point θ̃: θ_new = θ̃ − η∇f(θ̃)."""
    lookahead = theta + gamma * velocity
    new_theta = lookahead - lr * grad_fn(lookahead)
    return new_theta, new_theta - theta


def pytorch_nesterov_step(phi, grad_fn, buffer, lr, momentum):
    g = grad_fn(phi)
    buffer = momentum * buffer + g
    return phi - lr * (g + momentum * buffer), buffer


def pytorch_nesterov_step_expanded(phi, grad_fn, buffer, lr, momentum):
    """The same step with the new buffer substituted: φ − η((1 + μ)g + μ²b)."""
    g = grad_fn(phi)
    return phi - lr * ((1 + momentum) * g + momentum**2 * buffer), momentum * buffer + g


def nag_max_lr(gamma, curvature):
    return 2 * (1 + gamma) / ((1 + 2 * gamma) * curvature)


def nag_max_lr_other_form(gamma, curvature):
    return (1 + 1 / (1 + 2 * gamma)) / curvature


RIGHT = [
    (check_nesterov_step, nesterov_step),
    (check_nesterov_step, nesterov_step_in_two_lines),
    (check_pytorch_nesterov_step, pytorch_nesterov_step),
    (check_pytorch_nesterov_step, pytorch_nesterov_step_expanded),
    (check_nag_stability_limit, nag_max_lr),
    (check_nag_stability_limit, nag_max_lr_other_form),
]


@pytest.mark.parametrize(("checker", "answer"), RIGHT)
@pytest.mark.parametrize("form", [lambda a: a, as_lists, in_float32], ids=["", "lists", "f32"])
def test_right_answers_pass_in_every_form(checker, answer, form):
    assert_passes(checker, form(answer))


# --- Mistakes, written by hand --------------------------------------------------------------------

MISTAKES = [
    (check_nesterov_step, lambda theta, f, v, lr, gamma: (theta, v), "no_step"),
    (
        check_nesterov_step,
        lambda theta, f, v, lr, gamma: (theta, gamma * v - lr * f(theta + gamma * v)),
        "theta_stands_still",
    ),
    (
        check_nesterov_step,
        lambda theta, f, v, lr, gamma: (
            theta + gamma * v - lr * f(theta),
            gamma * v - lr * f(theta),
        ),
        "plain_momentum",
    ),
    (
        check_nesterov_step,
        lambda theta, f, v, lr, gamma: (
            theta + gamma * v - lr * f(theta - gamma * v),
            gamma * v - lr * f(theta - gamma * v),
        ),
        "lookahead_sign",
    ),
    (check_pytorch_nesterov_step, lambda phi, f, b, lr, mu: (phi, b), "no_step"),
    (
        check_pytorch_nesterov_step,
        lambda phi, f, b, lr, mu: (phi - lr * (mu * b + f(phi)), mu * b + f(phi)),
        "plain_momentum",
    ),
    (
        check_pytorch_nesterov_step,
        lambda phi, f, b, lr, mu: pytorch_nesterov_step(phi, lambda x: -f(x), b, lr, mu),
        "uphill",
    ),
    (
        check_pytorch_nesterov_step,
        lambda phi, f, b, lr, mu: pytorch_nesterov_step(phi, f, b, 1.0, mu),
        "lr_missing",
    ),
    (
        check_pytorch_nesterov_step,
        lambda *args: pytorch_nesterov_step(*args)[::-1],
        "swapped_outputs",
    ),
    (check_nag_stability_limit, lambda gamma, lam: 0.0, "not_started"),
    (check_nag_stability_limit, lambda gamma, lam: 2 * (1 + gamma) / lam, "heavy_ball_limit"),
    (check_nag_stability_limit, lambda gamma, lam: 2 / lam, "gradient_descent_limit"),
    (
        check_nag_stability_limit,
        lambda gamma, lam: 2 * (1 + gamma) / (1 + 2 * gamma),
        "h_not_lr",
    ),
    (check_nag_stability_limit, lambda gamma, lam: 1 / lam, "one_step_removal"),
]


@pytest.mark.parametrize(("checker", "wrong", "mistake"), MISTAKES)
def test_each_mistake_is_named_and_no_rung_gives_the_formula(checker, wrong, mistake):
    assert_climbs_without_the_formula(checker, wrong, mistake, hint=True)


def test_calling_grad_fn_twice_is_named_without_the_formula():
    def twice(theta, grad_fn, velocity, lr, gamma):
        grad_fn(theta)  # a wasted gradient
        return nesterov_step(theta, grad_fn, velocity, lr, gamma)

    result = check_nesterov_step(twice)
    assert result.mistake == "grad_fn_called_more_than_once"
    assert engine.reveals(result.message, check_nesterov_step.formulas) is None


def test_the_starters_get_a_plain_not_yet():
    for checker, starter in [
        (check_nesterov_step, lambda theta, f, v, lr, gamma: (theta, v)),
        (check_pytorch_nesterov_step, lambda phi, f, b, lr, mu: (phi, b)),
        (check_nag_stability_limit, lambda gamma, lam: 0.0),
    ]:
        result = checker(starter)
        assert result.message.startswith("Not yet"), result.message
        assert engine.reveals(result.message, checker.formulas) is None
        assert "[" not in result.message  # no numbers yet
    assert check_nag_critical_momentum(None).mistake == "no_prediction"


def test_the_kinds_of_the_ladder():
    assert check_nesterov_step.kind == check_pytorch_nesterov_step.kind == "rule"
    assert check_nag_stability_limit.kind == "derivation"
    assert check_nag_critical_momentum.kind == "prediction"


# --- The derivation's reference, checked independently --------------------------------------------


def test_pytorch_iterates_are_the_lookahead_points_of_the_lecture_form():
    """(nag-change): φ_t = θ_t + γv_t and b_t = −v_t/η, step after step, from a shared start."""
    beale = functions.beale
    theta, velocity = beale.x0.copy(), np.zeros(2)
    phi, buffer = beale.x0.copy(), np.zeros(2)
    for _ in range(50):
        theta, velocity = nesterov_step(theta, beale.grad, velocity, 1e-3, 0.9)
        phi, buffer = pytorch_nesterov_step(phi, beale.grad, buffer, 1e-3, 0.9)
        assert np.allclose(phi, theta + 0.9 * velocity, rtol=1e-12, atol=1e-14)
        assert np.allclose(buffer, -velocity / 1e-3, rtol=1e-10, atol=1e-12)


def test_the_stability_limit_from_optlib_is_the_closed_form_on_random_settings():
    rng = np.random.default_rng(0)
    for gamma, lam in zip(rng.uniform(0, 0.995, 25), 10 ** rng.uniform(-3, 4, 25), strict=True):
        assert chapter._nag_stability_limit(gamma, lam) == pytest.approx(
            nag_max_lr(gamma, lam), rel=1e-10
        )


def test_nag_converges_just_below_the_limit_and_diverges_just_above():
    lam = 2.0
    parabola = functions.quadratic(lam, x0=[1.0])
    for gamma in [0.0, 0.3, 0.9]:
        limit = nag_max_lr(gamma, lam)
        below, above = (
            optlib.minimize(
                parabola, parabola.x0, optlib.nag(lr=f * limit, gamma=gamma), steps=3000
            )
            for f in (0.98, 1.02)
        )
        assert abs(below.params[-1, 0]) < 1e-6
        assert above.diverged or abs(above.params[-1, 0]) > 1e3


def test_nags_limit_is_narrower_than_the_heavy_balls():
    for gamma in [0.1, 0.5, 0.9]:
        assert nag_max_lr(gamma, 1.0) < 2 * (1 + gamma)
        assert 4 / 3 < nag_max_lr(gamma, 1.0) < 2


# --- The prediction -------------------------------------------------------------------------------


def test_the_critical_momentum_prediction():
    assert check_nag_critical_momentum(2 / 3).passed
    assert check_nag_critical_momentum(0.67).passed
    assert check_nag_critical_momentum(np.float64(0.66)).passed
    for wrong in [0.5, 0.64, 0.8, 0.9]:
        assert check_nag_critical_momentum(wrong).mistake == "wrong_prediction"
    for garbage in ["2/3", float("nan"), [0.66], True]:
        assert check_nag_critical_momentum(garbage).mistake == "wrong_output"
    assert check_nag_critical_momentum(None).mistake == "no_prediction"


def test_the_critical_momentum_outcome_is_the_double_root():
    """The flat direction h = 1/κ has real roots while γ ≤ (√κ − 1)/(√κ + 1) = 2/3."""
    outcome = chapter._largest_calm_momentum()
    kappa = 25.0
    assert outcome <= (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1) < outcome + 0.01
