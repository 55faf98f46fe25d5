"""The AdaDelta chapter's ladder: its step, its first step derived by hand, and the prediction of
how fast its steps grow — right answers in other forms pass, each named mistake written as a
learner would is named, and the derivation is checked independently of the checker."""

from __future__ import annotations

import numpy as np
import pytest
from ladder import as_lists, assert_named_without_the_formula, assert_passes, in_float32

import optlib
from optlib.exercises import (
    check_adadelta_first_step,
    check_adadelta_slow_start,
    check_adadelta_step,
)
from optlib.exercises.engine import reveals

# --- The step ------------------------------------------------------------------------------------


def adadelta_step(theta, grad, v, u, rho, eps):
    v = rho * v + (1 - rho) * grad**2
    delta = np.sqrt(u + eps) / np.sqrt(v + eps) * grad  # the previous u
    u = rho * u + (1 - rho) * delta**2
    return theta - delta, v, u


def test_the_step_passes_in_other_forms_as_lists_and_in_float32():
    def one_root(theta, grad, v, u, rho, eps):
        v = (1 - rho) * grad * grad + rho * v
        delta = grad * np.sqrt((u + eps) / (v + eps))
        return theta - delta, v, (1 - rho) * delta * delta + rho * u

    assert_passes(
        check_adadelta_step,
        adadelta_step,
        one_root,
        as_lists(adadelta_step),
        in_float32(adadelta_step),
    )


def test_the_starter_is_named_and_says_not_yet_without_the_formula():
    def starter(theta, grad, v, u, rho, eps):
        v = rho * v + (1 - rho) * grad**2
        return theta, v, u

    result = check_adadelta_step(starter)
    assert result.mistake == "no_step" and result.message.startswith("Not yet")
    assert reveals(result.message, check_adadelta_step.formulas) is None


# --- The first step, derived ---------------------------------------------------------------------


def first_step(g, rho, eps):
    return -np.sqrt(eps) * g / np.sqrt((1 - rho) * g**2 + eps)


def test_the_first_step_passes_in_the_factored_form_as_a_list_and_in_float32():
    def factored(g, rho, eps):
        floor = eps / (1 - rho) if rho < 1 else np.inf
        return -np.sqrt(floor) * g / np.sqrt(g**2 + floor)

    assert_passes(
        check_adadelta_first_step,
        first_step,
        factored,
        lambda g, rho, eps: first_step(g, rho, eps).tolist(),
        lambda g, rho, eps: first_step(g, rho, eps).astype(np.float32),
    )


FIRST_STEP_MISTAKES = [
    (lambda g, rho, eps: 0 * g, "no_step"),
    (lambda g, rho, eps: np.sqrt(eps) * g / np.sqrt((1 - rho) * g**2 + eps), "uphill"),
    (lambda g, rho, eps: -np.sqrt(eps) * g / np.sqrt(g**2 + eps), "v_not_weighted"),
    (lambda g, rho, eps: -np.sqrt(eps) * g / np.sqrt(rho * g**2 + eps), "rho_swapped"),
    (lambda g, rho, eps: -np.sqrt(eps / (1 - rho)) * np.sign(g), "eps_dropped"),
    (lambda g, rho, eps: -np.sqrt(eps) * np.sign(g), "sqrt_eps_only"),
    (lambda g, rho, eps: -eps * g / (np.sqrt((1 - rho) * g**2) + eps), "eps_outside_roots"),
    (lambda g, rho, eps: np.abs(first_step(g, rho, eps)), "length_not_update"),
]


@pytest.mark.parametrize(
    ("wrong", "name"), FIRST_STEP_MISTAKES, ids=[n for _, n in FIRST_STEP_MISTAKES]
)
def test_each_wrong_first_step_is_named_without_the_formula(wrong, name):
    assert_named_without_the_formula(check_adadelta_first_step, wrong, name)


@pytest.mark.parametrize("seed", range(8))
def test_the_derived_first_step_is_optlibs_first_step_on_random_settings(seed):
    """The derivation checked without the checker: one step of optlib.adadelta from its
    initial state, through the public runner."""
    rng = np.random.default_rng(100 + seed)
    rho, eps = rng.uniform(0, 0.999), 10 ** rng.uniform(-10, -1)
    g = rng.choice([-1, 1], size=5) * 10 ** rng.uniform(-8, 4, size=5)
    path = optlib.follow(optlib.adadelta(rho=rho, eps=eps), np.zeros(5), g[None, :])
    assert np.allclose(path[1] - path[0], first_step(g, rho, eps), rtol=1e-12, atol=0)


# --- The prediction ------------------------------------------------------------------------------


def test_the_slow_start_prediction_runs_only_once_predicted():
    assert check_adadelta_slow_start(None).mistake == "no_prediction"
    assert check_adadelta_slow_start("three").mistake == "wrong_output"
    wrong = check_adadelta_slow_start(100.0)
    assert wrong.mistake == "wrong_prediction" and "3.34 times" in wrong.message
    assert (
        reveals(check_adadelta_slow_start(100.0).message, check_adadelta_slow_start.formulas)
        is None
    )
    right = check_adadelta_slow_start(0.1 * np.sqrt(1000))  # (1 − ρ)√t from the two results
    assert right.passed, right.message


def test_the_chapters_two_results_predict_the_run_within_its_tolerance():
    """(ad-first-step) and (ad-slow-start) give (1 − ρ)√t; the run is within 15 % of it for the
    defaults, and the estimate is only good once t ≫ 1/(1 − ρ) (it fails for ρ = 0.99)."""
    for rho, holds in [(0.9, True), (0.99, False)]:
        path = optlib.follow(optlib.adadelta(rho=rho), np.zeros(1), np.ones((1000, 1)))
        lengths = np.abs(np.diff(path[:, 0]))
        estimate = (1 - rho) * np.sqrt(1000)
        assert (abs(lengths[-1] / lengths[0] / estimate - 1) < 0.15) == holds
