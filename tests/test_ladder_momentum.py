"""The momentum chapter's ladder: the heavy ball's step, Polyak's tuning and the AR(2) noise floor
(derivations checked against optlib's step on random settings), and the overshoot prediction.

The right answers and the mistakes are written here by hand, as a learner would, from the
formulas; the derivations' references are checked independently against the closed forms and
against noisy optlib runs.
"""

from __future__ import annotations

import numpy as np
import pytest
from ladder import as_lists, assert_climbs_without_the_formula, assert_passes, in_float32

import optlib
from optlib import functions
from optlib.exercises import (
    check_heavy_ball_overshoot,
    check_heavy_ball_tuning,
    check_heavy_ball_variance,
    check_momentum_step,
    engine,
)
from optlib.exercises import momentum as chapter

# --- Right answers, from the formulas -------------------------------------------------------------


def momentum_step(theta, grad, velocity, lr, gamma):
    velocity = gamma * velocity - lr * grad
    return theta + velocity, velocity


def tuning_with_kappa(mu, L):
    kappa = L / mu
    return 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2, ((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2


def tuning_with_roots(mu, L):
    """The same settings from the two double-root conditions, added and subtracted."""
    root_lr = 2 / (np.sqrt(L) + np.sqrt(mu))
    return root_lr**2, (root_lr * (np.sqrt(L) - np.sqrt(mu)) / 2) ** 2


def variance_in_lambda(lr, gamma, curvature, sigma):
    return (
        lr * sigma**2 * (1 + gamma) / (curvature * (1 - gamma) * (2 * (1 + gamma) - lr * curvature))
    )


def variance_in_h(lr, gamma, curvature, sigma):
    h = lr * curvature
    return (lr * sigma) ** 2 * (1 + gamma) / ((1 - gamma) * h * (2 * (1 + gamma) - h))


RIGHT = [
    (check_momentum_step, momentum_step),
    (check_heavy_ball_tuning, tuning_with_kappa),
    (check_heavy_ball_tuning, tuning_with_roots),
    (check_heavy_ball_variance, variance_in_lambda),
    (check_heavy_ball_variance, variance_in_h),
]


@pytest.mark.parametrize(("checker", "answer"), RIGHT)
@pytest.mark.parametrize("form", [lambda a: a, as_lists, in_float32], ids=["", "lists", "f32"])
def test_right_answers_pass_in_every_form(checker, answer, form):
    assert_passes(checker, form(answer))


# --- Mistakes, written by hand --------------------------------------------------------------------


def polyak_rate(mu, L):
    root_kappa = np.sqrt(L / mu)
    return (root_kappa - 1) / (root_kappa + 1)


MISTAKES = [
    (check_momentum_step, lambda theta, g, v, lr, gamma: (theta, v), "no_step"),
    (
        check_momentum_step,
        lambda theta, g, v, lr, gamma: (theta, gamma * v - lr * g),
        "theta_stands_still",
    ),
    (
        check_momentum_step,
        lambda th, g, v, lr, gamma: momentum_step(th, -g, v, lr, gamma),
        "uphill",
    ),
    (
        check_momentum_step,
        lambda th, g, v, lr, gamma: (th - lr * (gamma * v + g), gamma * v + g),
        "pytorch_buffer",
    ),
    (
        check_momentum_step,
        lambda th, g, v, lr, gamma: momentum_step(th, g, v, lr * (1 - gamma), gamma),
        "damped",
    ),
    (check_heavy_ball_tuning, lambda mu, L: (0.0, 0.0), "not_started"),
    (check_heavy_ball_tuning, lambda mu, L: (2 / (mu + L), 0.0), "gd_optimal"),
    (
        check_heavy_ball_tuning,
        lambda mu, L: (tuning_with_kappa(mu, L)[0], polyak_rate(mu, L)),
        "gamma_not_squared",
    ),
    (
        check_heavy_ball_tuning,
        lambda mu, L: (tuning_with_kappa(mu, L)[0], polyak_rate(L, mu)),
        "kappa_inverted",
    ),
    (check_heavy_ball_tuning, lambda mu, L: (1 / L, polyak_rate(mu, L)), "nesterov_settings"),
    (check_heavy_ball_variance, lambda lr, gamma, lam, sigma: 0.0, "not_started"),
    (
        check_heavy_ball_variance,
        lambda lr, gamma, lam, sigma: lr * sigma**2 / (lam * (2 - lr * lam)),
        "gradient_descent",
    ),
    (
        check_heavy_ball_variance,
        lambda lr, gamma, lam, sigma: 0.5 * lam * variance_in_lambda(lr, gamma, lam, sigma),
        "excess_loss",
    ),
    (
        check_heavy_ball_variance,
        lambda lr, gamma, lam, sigma: variance_in_lambda(lr, gamma, lam, sigma) / sigma,
        "sigma_not_squared",
    ),
    (
        check_heavy_ball_variance,
        lambda lr, gamma, lam, sigma: variance_in_lambda(lr, gamma, lam, sigma) / lr**2,
        "noise_not_scaled",
    ),
    (
        check_heavy_ball_variance,
        lambda lr, gamma, lam, sigma: (lr * sigma) ** 2 / (1 - (1 + gamma - lr * lam) ** 2),
        "one_lag",
    ),
]


@pytest.mark.parametrize(("checker", "wrong", "mistake"), MISTAKES)
def test_each_mistake_is_named_and_no_rung_gives_the_formula(checker, wrong, mistake):
    assert_climbs_without_the_formula(checker, wrong, mistake, hint=True)


def test_the_starters_get_a_plain_not_yet():
    starters = [
        (check_momentum_step, lambda theta, g, v, lr, gamma: (theta, v)),
        (check_heavy_ball_tuning, lambda mu, L: (0.0, 0.0)),
        (check_heavy_ball_variance, lambda lr, gamma, lam, sigma: 0.0),
    ]
    for checker, starter in starters:
        result = checker(starter)
        assert result.message.startswith("Not yet"), result.message
        assert engine.reveals(result.message, checker.formulas) is None
        assert "ρ" not in result.message and "[" not in result.message  # no numbers yet
    assert check_heavy_ball_overshoot(None).mistake == "no_prediction"


def test_the_tuning_note_quotes_rates_in_numbers_only_on_the_last_rung():
    result = check_heavy_ball_tuning(lambda mu, L: (2 / (mu + L), 0.0))
    assert "ρ" not in result.message
    assert "ρ = 0.9802" in result.hints[-1] and "ρ = 0.8182" in result.hints[-1]  # 99/101, 9/11
    assert engine.reveals(result.hints[-1], check_heavy_ball_tuning.formulas) is None


def test_the_kinds_of_the_ladder():
    assert check_momentum_step.kind == "rule"
    assert check_heavy_ball_tuning.kind == check_heavy_ball_variance.kind == "derivation"
    assert check_heavy_ball_overshoot.kind == "prediction"


# --- The derivations' references, checked independently -------------------------------------------


def test_polyak_from_optlib_is_the_closed_form_on_random_bowls():
    rng = np.random.default_rng(0)
    for mu, kappa in zip(10 ** rng.uniform(-3, 3, 20), 10 ** rng.uniform(0, 5, 20), strict=True):
        L = mu * kappa
        assert np.allclose(chapter._polyak_from_optlib(mu, L), tuning_with_kappa(mu, L), rtol=1e-9)
    assert chapter._polyak_from_optlib(2.0, 2.0) == pytest.approx((0.5, 0.0))


def test_polyak_settings_minimise_the_worst_rate_of_optlibs_step():
    mu, L = 0.5, 40.0
    lr, gamma = chapter._polyak_from_optlib(mu, L)
    best = chapter._heavy_ball_rate(lr, gamma, np.linspace(mu, L, 51))
    assert best == pytest.approx(polyak_rate(mu, L), rel=1e-6)
    for factor in (0.9, 1.1):
        assert chapter._heavy_ball_rate(lr * factor, gamma, (mu, L)) > best
        assert chapter._heavy_ball_rate(lr, gamma * factor, (mu, L)) > best


def test_the_stationary_variance_is_the_closed_form_on_random_settings():
    rng = np.random.default_rng(1)
    for _ in range(30):
        gamma = rng.uniform(0, 0.98)
        h = rng.uniform(0.01, 1.95 * (1 + gamma))
        lam, sigma = 10 ** rng.uniform(-2, 2), 10 ** rng.uniform(-3, 1)
        args = (h / lam, gamma, lam, sigma)
        assert chapter._heavy_ball_variance(*args) == pytest.approx(variance_in_h(*args), rel=1e-9)


def test_the_stationary_variance_is_what_noisy_optlib_runs_reach():
    for lr, gamma, lam, sigma in [
        (0.05, 0.8, 4.0, 0.5),
        (0.1, 0.0, 1.0, 1.0),
        (0.3, 0.5, 8.0, 0.2),
    ]:
        line = functions.quadratic(lam, x0=[0.0])
        runs = optlib.minimize(
            line,
            np.zeros((4000, 1)),
            optlib.momentum(lr=lr, gamma=gamma),
            steps=500,
            grad_noise=sigma,
            seed=7,
        )
        measured = np.mean(runs.params[-50:, :, 0] ** 2)
        assert measured == pytest.approx(
            chapter._heavy_ball_variance(lr, gamma, lam, sigma), rel=0.05
        )


def test_the_noise_floor_of_the_chapter_is_half_lambda_times_the_variance():
    lr, gamma, lam, sigma = 0.02, 0.9, 10.0, 1.0
    floor = lr * sigma**2 * (1 + gamma) / (2 * (1 - gamma) * (2 * (1 + gamma) - lr * lam))
    assert 0.5 * lam * chapter._heavy_ball_variance(lr, gamma, lam, sigma) == pytest.approx(floor)


# --- The prediction -------------------------------------------------------------------------------


def test_the_overshoot_prediction():
    assert check_heavy_ball_overshoot("0.7").passed
    assert check_heavy_ball_overshoot(" 0.7 ").passed  # spaces ignored
    for wrong in ["0.5", "0.6", "0.8", "0.9", "none"]:
        assert check_heavy_ball_overshoot(wrong).mistake == "wrong_prediction"
    assert check_heavy_ball_overshoot(0.7).mistake == "wrong_output"  # a number, not a choice
    assert check_heavy_ball_overshoot("0.65").mistake == "wrong_output"
    assert check_heavy_ball_overshoot(None).mistake == "no_prediction"


def test_the_overshoot_outcome_is_critical_damping():
    """Underdamped exactly when ηλ > (1 − √γ)²: γ > 0.64 at ηλ = 0.04."""
    assert chapter._first_to_overshoot() == "0.7"
    critical = (1 - np.sqrt(0.04)) ** 2
    assert 0.6 < critical < 0.7


def test_settings_so_large_that_the_map_overflows_get_a_verdict_without_a_rate():
    for huge in [(1e308, 0.5), (1e308, 1e308), (-1e308, 0.5)]:
        engine.forget()
        result = check_heavy_ball_tuning(lambda mu, L, huge=huge: huge)
        assert not result.passed and result.mistake is None
        assert result.hints[-1].startswith("The first case you get wrong, in numbers")
