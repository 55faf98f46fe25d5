"""The capstone's ladder: the benchmark's score and tuned rate (rule), RAdam's implicit warmup
as a function of β₂ (derivation), and whether a tie survives more seeds (prediction). Right
answers written here pass, in other valid forms and as lists; each named mistake, written as a
learner would, is named; the derivation's reference (runs of optlib.radam and optlib.adam)
agrees with the closed forms of the RAdam chapter evaluated here; and no rung of any message
shows the checked formula."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from ladder import assert_ladder, every_rung, rho

from optlib.exercises import (
    check_capstone_radam_warmup,
    check_capstone_score,
    check_capstone_tie,
    engine,
)
from optlib.exercises.capstone import _grid_of_final_losses, _warmup_steps

# --- Right answers --------------------------------------------------------------------------------


def score(final_losses):
    """(cap-score) and (cap-tuned): the mean over the seeds, +∞ where a seed diverged."""
    mean = final_losses.sum(axis=0) / final_losses.shape[0]  # NaN where a seed diverged
    mean = np.where(np.isnan(mean), np.inf, mean)
    return mean, int(np.argmin(mean))


def r(beta2, t):
    rho_t, rho_inf = rho(beta2, t), 2 / (1 - beta2) - 1
    return math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))


def warmup(beta2, fraction):
    """The first t with ρ_t > 5 (PyTorch) and r_t ≥ fraction; NaN if there is none."""
    if 2 / (1 - beta2) - 1 <= 5 or fraction >= 1:
        return math.nan
    t = 1
    while not (rho(beta2, t) > 5 and r(beta2, t) >= fraction):
        t += 1
    return t


# --- The score and the tuned rate -----------------------------------------------------------------


def test_the_score_passes_in_its_forms():
    def by_loops(final_losses):
        seeds, rates = final_losses.shape
        scores = []
        for i in range(rates):
            column = final_losses[:, i]
            scores.append(math.inf if np.any(np.isnan(column)) else sum(column) / seeds)
        return scores, min(range(rates), key=scores.__getitem__)

    assert check_capstone_score.kind == "rule"
    assert check_capstone_score(score).passed
    assert check_capstone_score(by_loops).passed  # lists, and min over indices
    assert check_capstone_score(lambda L: (score(L)[0].astype(np.float32), score(L)[1])).passed
    # a diverged rate may score any huge number: it still ranks last
    assert check_capstone_score(
        lambda L: (np.nan_to_num(score(L)[0], posinf=np.inf), score(L)[1])
    ).passed


def test_the_real_grids_have_diverged_rates():
    grid = _grid_of_final_losses(3, 100)
    assert grid.shape == (3, 10) and np.isnan(grid[:, -1]).all() and np.isfinite(grid[:, 0]).all()


def _nanmean(L):
    with warnings.catch_warnings():  # "Mean of empty slice", where every seed diverged
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(L, axis=0)


def _as_inf(values):
    return np.where(np.isnan(values), np.inf, values)


MISTAKES_SCORE = [
    ("one_seed", lambda L: (L[0], 0)),
    ("diverged_ignored", lambda L: (_nanmean(L), int(np.nanargmin(_nanmean(L))))),
    ("nan_score", lambda L: (L.mean(axis=0), int(np.nanargmin(L.mean(axis=0))))),
    ("nan_score", lambda L: (L.mean(axis=0), int(np.argmin(L.mean(axis=0))))),
    ("worst_rate", lambda L: (score(L)[0], int(np.argmax(score(L)[0])))),
    ("median", lambda L: (_as_inf(np.median(L, 0)), int(np.argmin(_as_inf(np.median(L, 0)))))),
    ("best_seed", lambda L: (_as_inf(L.min(0)), int(np.argmin(_as_inf(L.min(0)))))),
    ("sum_not_mean", lambda L: (_as_inf(L.sum(0)), score(L)[1])),
]


@pytest.mark.parametrize(("name", "wrong"), MISTAKES_SCORE, ids=[m[0] for m in MISTAKES_SCORE])
def test_each_score_mistake_is_named_without_the_formula(name, wrong):
    with np.errstate(all="ignore"):
        assert check_capstone_score(wrong).mistake == name
        text = every_rung(check_capstone_score, wrong)
    assert engine.reveals(text, check_capstone_score.formulas) is None, text


# --- RAdam's implicit warmup ----------------------------------------------------------------------


def test_the_warmup_passes_and_its_reference_is_the_closed_form():
    assert check_capstone_radam_warmup.kind == "derivation"
    assert check_capstone_radam_warmup(warmup).passed
    assert check_capstone_radam_warmup(lambda b, f: float(warmup(b, f))).passed
    rng = np.random.default_rng(7)
    for beta2, fraction in zip(
        1 - 10 ** rng.uniform(-3, -1, 12), rng.uniform(0.02, 0.95, 12), strict=True
    ):
        assert _warmup_steps(float(beta2), float(fraction)) == warmup(beta2, fraction)
        t = warmup(beta2, fraction)  # the answer is not a near tie of r_t with the fraction
        assert r(beta2, t) - fraction > 1e-9 and (t == 6 or fraction - r(beta2, t - 1) > 1e-9)
    # the capstone's budgets: at β₂ = 0.999 RAdam reaches half of Adam's step only at t = 556
    assert _warmup_steps(0.999, 0.5) == 556 and _warmup_steps(0.9, 0.01) == 6
    assert math.isnan(_warmup_steps(0.999, 1.0)) and math.isnan(_warmup_steps(0.6, 0.5))


MISTAKES_WARMUP = [
    ("rule_of_thumb", lambda b, f: 2 / (1 - b)),
    ("variance_ratio", lambda b, f: warmup(b, math.sqrt(f))),
    ("square_root_approximation", lambda b, f: math.ceil(2 * f**2 / (1 - b))),
    ("linear_warmup", lambda b, f: math.ceil(2 * f / (1 - b))),
    ("last_step_below", lambda b, f: warmup(b, f) - 1),
]


@pytest.mark.parametrize(("name", "wrong"), MISTAKES_WARMUP, ids=[m[0] for m in MISTAKES_WARMUP])
def test_each_warmup_mistake_is_named_without_the_formula(name, wrong):
    assert check_capstone_radam_warmup(wrong).mistake == name
    text = every_rung(check_capstone_radam_warmup, wrong)
    assert engine.reveals(text, check_capstone_radam_warmup.formulas) is None, text


def test_the_warmup_never_case_wants_no_such_step():
    for never in (10**6, math.inf, 0):

        def answer(beta2, fraction, never=never):
            t = warmup(beta2, fraction)
            return never if math.isnan(t) else t

        assert not check_capstone_radam_warmup(answer).passed


# --- The tie, a prediction ------------------------------------------------------------------------


def test_the_tie_prediction():
    engine.forget()
    assert check_capstone_tie.kind == "prediction"
    assert check_capstone_tie(None).mistake == "no_prediction"
    assert check_capstone_tie("Adam wins").mistake == "wrong_output"
    assert check_capstone_tie(3).mistake == "wrong_output"
    wrong = check_capstone_tie("AMSGrad")
    assert wrong.mistake == "wrong_prediction" and "a tie" in wrong.message
    assert check_capstone_tie(" TIE ").passed
    for answer in (None, "Adam", "AMSGrad", "tie"):
        text = every_rung(check_capstone_tie, answer)
        assert engine.reveals(text, check_capstone_tie.formulas) is None, text


# --- The ladder's shape ---------------------------------------------------------------------------


def test_the_ladder_rises_and_every_formula_list_is_specific():
    checkers = [check_capstone_score, check_capstone_radam_warmup, check_capstone_tie]
    assert_ladder(checkers, ["rule", "derivation", "prediction"], shortest=6)
