"""The ladder of the chapter on gradient descent: the cosine schedule (rule), the largest stable
and the best constant learning rate on a quadratic (derivations), and what gradient descent does
just below the edge and which schedule wins under noise (predictions).

The right answers and the mistakes are written here by hand, as a learner would write them; the
derivations' closed forms are checked against plain NumPy runs of gradient descent, and the
checkers' references (found by running optlib) against the closed forms.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from ladder import assert_ladder, assert_named_without_the_formula, assert_passes, every_rung

from optlib.exercises import (
    check_best_constant_step,
    check_cosine_schedule,
    check_lr_regime,
    check_max_stable_lr,
    check_noisy_schedules,
    engine,
)
from optlib.exercises.gradient_descent import (
    _best_constant_step,
    _largest_stable_lr,
    _regime_at,
)

LADDER = (
    check_cosine_schedule,
    check_max_stable_lr,
    check_best_constant_step,
    check_lr_regime,
    check_noisy_schedules,
)


def random_spd(rng, d):
    rotation, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = rotation @ np.diag(np.exp(rng.uniform(-3, 4, size=d))) @ rotation.T
    return (A + A.T) / 2


def test_the_ladder_kinds_and_formulas():
    assert_ladder(LADDER, ["rule", "derivation", "derivation", "prediction", "prediction"])


# --- The cosine schedule (rule) -----------------------------------------------------------------


def cosine(lr, eta_min, T_max, k):
    progress = min(k, T_max) / T_max
    return eta_min + 0.5 * (lr - eta_min) * (1 + np.cos(np.pi * progress))


def test_cosine_right_answers_pass():
    def with_if(lr, eta_min, T_max, k):
        if k >= T_max:
            return eta_min
        return eta_min + (lr - eta_min) * (1 + math.cos(math.pi * k / T_max)) / 2

    def as_cos_squared(lr, eta_min, T_max, k):  # ½(1 + cos 2x) = cos² x
        return eta_min + (lr - eta_min) * math.cos(math.pi * min(k, T_max) / (2 * T_max)) ** 2

    for answer in (cosine, with_if, as_cos_squared):
        assert check_cosine_schedule(answer), answer.__name__
    in_float32 = check_cosine_schedule(lambda *args: np.float32(cosine(*args)))
    assert in_float32.passed, in_float32.message


def cosine_restarting(lr, eta_min, T_max, k):
    return eta_min + 0.5 * (lr - eta_min) * (1 + math.cos(math.pi * k / T_max))


COSINE_MISTAKES = [
    (lambda lr, eta_min, T_max, k: lr, "not_started"),  # the starter
    (cosine_restarting, "restarts"),
    (lambda lr, eta_min, T_max, k: cosine(lr, 0.0, T_max, k), "eta_min_ignored"),
    (lambda lr, eta_min, T_max, k: 2 * cosine(lr, eta_min, T_max, k) - eta_min, "no_half"),
    (lambda lr, eta_min, T_max, k: lr + eta_min - cosine(lr, eta_min, T_max, k), "rises"),
    (
        lambda lr, eta_min, T_max, k: (
            eta_min + 0.5 * (lr - eta_min) * (1 + math.cos(min(k, T_max) / T_max))
        ),
        "no_pi",
    ),
    (lambda lr, eta_min, T_max, k: cosine(lr, eta_min, T_max, k + 1), "k_off_by_one"),
]


@pytest.mark.parametrize(("wrong", "name"), COSINE_MISTAKES)
def test_cosine_mistakes_are_named_without_the_formula(wrong, name):
    assert_named_without_the_formula(check_cosine_schedule, wrong, name)


def test_cosine_starter_says_not_yet_and_solution_shows_a_formula():
    assert check_cosine_schedule(lambda lr, eta_min, T_max, k: lr).message.startswith("Not yet")
    solution = (
        "progress = min(k, T_max) / T_max\n"
        "return eta_min + 0.5 * (lr - eta_min) * (1 + np.cos(np.pi * progress))"
    )
    assert engine.reveals(solution, check_cosine_schedule.formulas)


# --- The largest stable learning rate (derivation) -----------------------------------------------


def max_stable_lr(A):
    return 2 / np.linalg.eigvalsh(A)[-1]


def test_the_threshold_is_where_gradient_descent_stops_converging():
    """The derivation itself, with plain NumPy: from a random start, gradient descent on ½xᵀAx
    converges just below 2/λ_max and diverges just above it, on random matrices."""
    rng = np.random.default_rng(0)
    for d in (1, 2, 3, 4, 5, 6):
        A = random_spd(rng, d)
        eta = max_stable_lr(A)
        for fraction, converges in [(0.98, True), (1.02, False)]:
            x = rng.normal(size=d)
            for _ in range(3000):
                x = x - fraction * eta * (A @ x)
            assert (np.linalg.norm(x) < 1e-6) == converges, (d, fraction)


def test_the_max_stable_lr_reference_agrees_with_the_closed_form():
    rng = np.random.default_rng(1)
    for d in (1, 2, 3, 4, 6, 8):
        A = random_spd(rng, d)
        assert _largest_stable_lr(A) == pytest.approx(max_stable_lr(A), rel=1e-12)


def test_max_stable_lr_right_answers_pass():
    def by_power_iteration(A):
        x = np.ones(len(A))
        for _ in range(20_000):
            x = A @ x / np.linalg.norm(A @ x)
        return 2 / (x @ A @ x)

    answers = (
        max_stable_lr,
        lambda A: 2 / max(np.linalg.eigvals(A).real),
        lambda A: float(2 / np.linalg.norm(A, 2)),  # the spectral norm of an SPD matrix
        by_power_iteration,
        lambda A: np.float32(max_stable_lr(A)),
    )
    assert_passes(check_max_stable_lr, *answers)


MAX_LR_MISTAKES = [
    (lambda A: 1.0 / np.max(np.linalg.eigvalsh(A)), "one_over_L"),  # the starter
    (lambda A: 2 / np.linalg.eigvalsh(A)[0], "smallest_eigenvalue"),
    (lambda A: 2 / (np.linalg.eigvalsh(A)[0] + np.linalg.eigvalsh(A)[-1]), "optimal_rate"),
    (lambda A: 2 / np.max(np.diag(A)), "largest_diagonal"),
    (lambda A: 2 / np.trace(A), "trace"),
    (lambda A: np.linalg.eigvalsh(A)[-1] / 2, "inverted"),
]


@pytest.mark.parametrize(("wrong", "name"), MAX_LR_MISTAKES)
def test_max_stable_lr_mistakes_are_named_without_the_formula(wrong, name):
    assert_named_without_the_formula(check_max_stable_lr, wrong, name)


def test_max_stable_lr_starter_says_not_yet_and_solution_shows_a_formula():
    starter = check_max_stable_lr(lambda A: 1.0 / np.max(np.linalg.eigvalsh(A)))
    assert starter.message.startswith("Not yet")
    solution = "def my_max_stable_lr(A):\n    return 2 / np.linalg.eigvalsh(A)[-1]"
    assert engine.reveals(solution, check_max_stable_lr.formulas) == "2/np.linalg.eigvalsh(A)[-1]"


# --- The best constant step (derivation) ----------------------------------------------------------


def best_constant_step(mu, L):
    return 2 / (mu + L), (L - mu) / (L + mu)


def test_the_best_step_minimises_the_measured_rate():
    """The derivation itself, with plain NumPy: on diag(μ, L) the per-step contraction of the
    error, measured over a run, is smallest at 2/(μ + L), where it is (κ − 1)/(κ + 1)."""
    rng = np.random.default_rng(2)
    settings = zip(np.exp(rng.uniform(-2, 2, 6)), np.exp(rng.uniform(0.5, 4, 6)), strict=True)
    for mu, kappa in settings:
        L = mu * kappa
        eta_best, rho_best = best_constant_step(mu, L)

        def measured(eta, steps=60, mu=mu, L=L):
            error = np.ones(2)
            for _ in range(steps):
                error = error - eta * np.array([mu, L]) * error
            return np.linalg.norm(error) ** (1 / steps)

        assert measured(eta_best) == pytest.approx(rho_best, rel=0.05)
        for other in (0.9 * eta_best, 1.1 * eta_best, 1 / L, 1.9 / L):
            assert measured(other) > measured(eta_best)


def test_the_best_step_reference_agrees_with_the_closed_form():
    rng = np.random.default_rng(3)
    settings = zip(np.exp(rng.uniform(-3, 3, 6)), np.exp(rng.uniform(0.1, 7, 6)), strict=True)
    for mu, kappa in settings:
        eta, rho = _best_constant_step(float(mu), float(mu * kappa))
        right_eta, right_rho = best_constant_step(mu, mu * kappa)
        assert eta == pytest.approx(right_eta, rel=1e-10)
        assert rho == pytest.approx(right_rho, rel=1e-9)


def test_best_step_right_answers_pass():
    def with_kappa(mu, L):
        kappa = L / mu
        return 2 / (mu + L), (kappa - 1) / (kappa + 1)

    def from_the_crossing(mu, L):
        eta = 2 / (mu + L)
        return eta, 1 - eta * mu  # the flat factor at the crossing

    for answer in (best_constant_step, with_kappa, from_the_crossing):
        assert check_best_constant_step(answer), answer.__name__
    assert check_best_constant_step(lambda mu, L: list(best_constant_step(mu, L)))
    in_float32 = check_best_constant_step(
        lambda mu, L: tuple(np.float32(v) for v in best_constant_step(mu, L))
    )
    assert in_float32.passed, in_float32.message


def rho_of(eta, mu, L):
    return max(abs(1 - eta * mu), abs(1 - eta * L))


BEST_STEP_MISTAKES = [
    (lambda mu, L: (1 / L, rho_of(1 / L, mu, L)), "one_over_L"),  # the starter
    (lambda mu, L: (2 / L, (L - mu) / (L + mu)), "largest_stable"),
    (lambda mu, L: (1 / (mu + L), (L - mu) / (L + mu)), "missing_two"),
    (lambda mu, L: (2 / (mu + L), 1 - mu / L), "rate_at_one_over_L"),
    (lambda mu, L: (2 / (mu + L), ((L - mu) / (L + mu)) ** 2), "rate_squared"),
    (
        lambda mu, L: (2 / (mu + L), (np.sqrt(L / mu) - 1) / (np.sqrt(L / mu) + 1)),
        "momentum_rate",
    ),
    (lambda mu, L: (2 / (mu + L), (mu / L - 1) / (mu / L + 1)), "negative_rate"),
]


@pytest.mark.parametrize(("wrong", "name"), BEST_STEP_MISTAKES)
def test_best_step_mistakes_are_named_without_the_formula(wrong, name):
    assert_named_without_the_formula(check_best_constant_step, wrong, name)


def test_best_step_starter_says_not_yet_and_solution_shows_a_formula():
    assert check_best_constant_step(BEST_STEP_MISTAKES[0][0]).message.startswith("Not yet")
    off = check_best_constant_step(lambda mu, L: (2.01 / (mu + L), (L - mu) / (L + mu)))
    assert off.mistake is None
    solution = "eta = 2 / (mu + L)\nreturn eta, (L - mu) / (L + mu)"
    assert engine.reveals(solution, check_best_constant_step.formulas)


# --- Predictions ---------------------------------------------------------------------------------


def test_lr_regime_prediction():
    assert check_lr_regime(None).mistake == "no_prediction"
    assert check_lr_regime("zigzag") and check_lr_regime("ZigZag ")
    for wrong in ("monotone", "bounces", "diverges"):
        result = check_lr_regime(wrong)
        assert result.mistake == "wrong_prediction" and "'zigzag'" in result.message
        everything = every_rung(check_lr_regime, wrong)
        assert engine.reveals(everything, check_lr_regime.formulas) is None, everything
    for garbage in ("converges", 1.9, float("nan"), ["zigzag"]):
        assert check_lr_regime(garbage).mistake == "wrong_output", garbage


def test_the_regimes_follow_the_factors_of_each_direction():
    """(gd-error-eigen): the steep factor 1 − ηL is positive below 1/L (monotone), negative
    between 1/L and 2/L (zigzag), −1 at 2/L (bounces), below −1 beyond (diverges)."""
    assert 1 - 1.9 == pytest.approx(-0.9)
    expected = {0.2: "monotone", 0.4: "monotone", 0.7: "zigzag", 0.95: "zigzag"}
    expected |= {1.0: "bounces", 1.05: "diverges"}
    for fraction, regime in expected.items():
        assert _regime_at(fraction) == regime, fraction


def test_noisy_schedules_prediction():
    assert check_noisy_schedules(None).mistake == "no_prediction"
    assert check_noisy_schedules("cosine")
    wrong = check_noisy_schedules("warmup + cosine")
    assert wrong.mistake == "wrong_prediction" and "'cosine' lowest" in wrong.message
    assert check_noisy_schedules("Warmup+Cosine").mistake == "wrong_prediction"
    everything = every_rung(check_noisy_schedules, "constant")
    assert engine.reveals(everything, check_noisy_schedules.formulas) is None, everything
    assert check_noisy_schedules("linear").mistake == "wrong_output"


def test_the_schedule_that_ends_lowest_has_the_smallest_late_rates():
    """The explanation, checked on the schedules themselves: cosine has the smallest mean
    learning rate over the last 50 of the 500 steps."""
    from optlib.exercises.gradient_descent import _chapter_schedules

    late = {
        name: float(np.mean(schedule(np.arange(450, 500)) * np.ones(50)))
        for name, schedule in _chapter_schedules(0.15, 500).items()
    }
    assert min(late, key=late.get) == "cosine"


def test_the_prediction_solutions_show_a_listed_formula():
    assert engine.reveals("steep_factor = 1 - 1.9  # 1 − ηL at η = 1.9/L", check_lr_regime.formulas)
    comment = "# The floor (gd-noise-floor), ησ²/(2(2 − ηλ)) per direction, grows with η"
    assert engine.reveals(comment, check_noisy_schedules.formulas)
