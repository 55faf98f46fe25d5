"""The RAdam chapter's ladder: the rectification r_t (rule), ρ_t and the first rectified step
(derivations), r_200 (a prediction). Right answers written here from the paper's formulas pass,
in other valid forms, as lists and in float32; each named mistake, written as a learner would, is
named; the derivations' references (runs of optlib.radam) agree with closed forms derived
independently here; and no message at any rung shows the checked formula."""

from __future__ import annotations

import math

import numpy as np
import pytest
from ladder import assert_ladder, every_rung, rho

from optlib.exercises import (
    check_radam_first_rectified_step,
    check_radam_r200,
    check_radam_rectification,
    check_radam_rho,
    engine,
)
from optlib.exercises.radam import _first_rectified_step, radam_step_share

# --- Right answers, from the paper's formulas (Liu et al. 2020, Algorithm 2) ----------------------


def rho_inf(beta2):
    return 2 / (1 - beta2) - 1


def rectification(rho_t, rho_infinity):
    return np.sqrt(
        (rho_t - 4) * (rho_t - 2) * rho_infinity / ((rho_infinity - 4) * (rho_infinity - 2) * rho_t)
    )


def first_rectified_step(beta2, threshold):
    if rho_inf(beta2) <= threshold:
        return math.nan
    t = 1
    while rho(beta2, t) <= threshold:
        t += 1
    return t


# --- The rectification ----------------------------------------------------------------------------


def test_the_rectification_passes_in_its_forms():
    def by_variances(rho_t, rho_infinity):
        def variance(rho):  # (radam-var) with σ = 1
            return rho / (2 * (rho - 2) * (rho - 4))

        with np.errstate(divide="ignore"):
            return np.sqrt(variance(rho_infinity) / variance(rho_t))

    assert check_radam_rectification(rectification).passed
    assert check_radam_rectification(lambda a, b: rectification(a, b).tolist()).passed
    assert check_radam_rectification(
        lambda a, b: rectification(np.float32(a), np.float32(b)).astype(np.float32)
    ).passed
    assert check_radam_rectification(by_variances).passed  # at ρₜ = 4: √(v∞/∞) = 0


MISTAKES_R = [
    ("no_rectification", lambda a, b: np.ones_like(a)),
    ("variance_ratio", lambda a, b: (a - 4) * (a - 2) * b / ((b - 4) * (b - 2) * a)),
    ("inverted", lambda a, b: np.sqrt((b - 4) * (b - 2) * a / ((a - 4) * (a - 2) * b))),
    ("no_rho_ratio", lambda a, b: np.sqrt((a - 4) * (a - 2) / ((b - 4) * (b - 2)))),
    ("one_factor_only", lambda a, b: np.sqrt((a - 4) * b / ((b - 4) * a))),
]


@pytest.mark.parametrize(("name", "wrong"), MISTAKES_R, ids=[m[0] for m in MISTAKES_R])
def test_each_rectification_mistake_is_named(name, wrong):
    with np.errstate(all="ignore"):
        assert check_radam_rectification(wrong).mistake == name
        text = every_rung(check_radam_rectification, wrong)
    assert engine.reveals(text, check_radam_rectification.formulas) is None, text
    assert "Hint:" in text and "in numbers" in text


# --- ρ_t ------------------------------------------------------------------------------------------


def test_rho_passes_and_is_a_derivation_on_random_settings():
    assert check_radam_rho.kind == "derivation"
    assert check_radam_rho(rho).passed
    assert check_radam_rho(lambda b, t: (1 + b) / (1 - b) - 2 * t * b**t / (1 - b**t)).passed
    assert check_radam_rho(lambda b, t: [rho(b, t)]).mistake == "wrong_output"
    assert check_radam_rho(lambda b, t: float(rho(b, t))).passed


MISTAKES_RHO = [
    ("steps_seen", lambda b, t: t),
    ("rho_infinity", lambda b, t: rho_inf(b)),
    ("rho_inf_without_minus_one", lambda b, t: 2 / (1 - b) - 2 * t * b**t / (1 - b**t)),
    ("no_factor_2", lambda b, t: rho_inf(b) - t * b**t / (1 - b**t)),
    ("denominator_beta_power", lambda b, t: rho_inf(b) - 2 * t * b**t / b**t),
    ("t_off_by_one", lambda b, t: rho(b, t + 1)),
    ("t_off_by_one", lambda b, t: rho(b, t - 1)),
    ("sign", lambda b, t: rho_inf(b) + 2 * t * b**t / (1 - b**t)),
]


@pytest.mark.parametrize(("name", "wrong"), MISTAKES_RHO, ids=[m[0] for m in MISTAKES_RHO])
def test_each_rho_mistake_is_named_without_the_formula(name, wrong):
    with np.errstate(all="ignore"):
        assert check_radam_rho(wrong).mistake == name
        text = every_rung(check_radam_rho, wrong)
    assert engine.reveals(text, check_radam_rho.formulas) is None, text


def test_the_rho_starter_is_a_plain_not_yet():
    engine.forget()
    message = check_radam_rho(lambda beta2, t: t).message
    assert message.startswith("Not yet")
    assert engine.reveals(message, check_radam_rho.formulas) is None


# --- The first rectified step --------------------------------------------------------------------


def test_the_first_rectified_step_passes_and_its_reference_is_the_closed_form():
    assert check_radam_first_rectified_step.kind == "derivation"
    assert check_radam_first_rectified_step(first_rectified_step).passed
    assert check_radam_first_rectified_step(
        lambda b, th: np.float32(first_rectified_step(b, th))
    ).passed
    rng = np.random.default_rng(99)
    for beta2, threshold in zip(
        1 - 10 ** rng.uniform(-4, -0.55, 20), rng.choice([4.0, 5.0], 20), strict=True
    ):
        assert _first_rectified_step(float(beta2), float(threshold)) == pytest.approx(
            first_rectified_step(beta2, threshold), nan_ok=True
        )
    # the chapter's values: PyTorch t = 6, the paper t = 5 for β₂ = 0.999; 7 for β₂ = 0.8
    assert _first_rectified_step(0.999, 5.0) == 6 and _first_rectified_step(0.999, 4.0) == 5
    assert _first_rectified_step(0.8, 5.0) == 7 and _first_rectified_step(0.62, 4.0) == 9
    # never: ρ∞ ≤ threshold, that is β₂ ≤ 2/3 (PyTorch) or β₂ ≤ 3/5 (the paper)
    assert math.isnan(_first_rectified_step(0.66, 5.0))
    assert math.isnan(_first_rectified_step(0.59, 4.0))
    assert np.isfinite(_first_rectified_step(0.61, 4.0))


def test_the_never_case_wants_no_such_step_not_a_number_of_steps():
    """An answer that is right where RAdam rectifies but gives a step where it never does (a
    large number, infinity, 0) is wrong."""
    for never in (10**6, math.inf, 0):

        def answer(beta2, threshold, never=never):
            t = first_rectified_step(beta2, threshold)
            return never if math.isnan(t) else t

        assert not check_radam_first_rectified_step(answer).passed


MISTAKES_FIRST = [
    ("rectifies_at_once", lambda b, th: 1),
    ("rho_taken_as_t", lambda b, th: int(th) + 1),
    ("last_momentum_step", lambda b, th: first_rectified_step(b, th) - 1),
    ("threshold_ignored", lambda b, th: first_rectified_step(b, 5.0)),
    ("threshold_ignored", lambda b, th: first_rectified_step(b, 4.0)),
]


@pytest.mark.parametrize(("name", "wrong"), MISTAKES_FIRST, ids=[m[0] for m in MISTAKES_FIRST])
def test_each_first_rectified_step_mistake_is_named(name, wrong):
    assert check_radam_first_rectified_step(wrong).mistake == name
    text = every_rung(check_radam_first_rectified_step, wrong)
    assert engine.reveals(text, check_radam_first_rectified_step.formulas) is None, text


def test_a_loop_that_never_ends_is_stopped(monkeypatch):
    monkeypatch.setattr(engine, "TIME_LIMIT", 0.2)

    def without_never(beta2, threshold):
        t = 1
        while rho(beta2, t) <= threshold:
            t += 1
        return t

    assert check_radam_first_rectified_step(without_never).mistake == "timeout"


# --- r_200, a prediction -------------------------------------------------------------------------


def test_r200_is_the_rectification_read_from_the_runs():
    exact = rectification(rho(0.999, 200), rho_inf(0.999))
    assert radam_step_share(0.999, 200) == pytest.approx(exact, rel=1e-10)
    assert exact == pytest.approx(0.3066, abs=1e-4)
    # the chapter's approximation r ≈ √ω (radam-sqrt) is within the 10 % the prediction allows
    assert abs(np.sqrt(200 * 0.001 / 2) / exact - 1) < 0.1


def test_r200_predictions():
    engine.forget()
    assert check_radam_r200.kind == "prediction"
    assert check_radam_r200(None).mistake == "no_prediction"
    assert check_radam_r200("a third").mistake == "wrong_output"
    assert check_radam_r200(float("nan")).mistake == "wrong_output"
    wrong = check_radam_r200(0.1)  # the linear warmup's ω₂₀₀, not r₂₀₀
    assert wrong.mistake == "wrong_prediction" and "0.307" in wrong.message
    assert check_radam_r200(0.3).passed and check_radam_r200(np.float32(0.32)).passed
    assert not check_radam_r200(0.25).passed
    for answer in (None, 0.1, 0.9):
        assert (
            engine.reveals(every_rung(check_radam_r200, answer), check_radam_r200.formulas) is None
        )


# --- The ladder's shape --------------------------------------------------------------------------


def test_the_ladder_rises_and_every_formula_list_is_specific():
    checkers = [
        check_radam_rectification,
        check_radam_rho,
        check_radam_first_rectified_step,
        check_radam_r200,
    ]
    assert_ladder(checkers, ["rule", "derivation", "derivation", "prediction"], shortest=6)
