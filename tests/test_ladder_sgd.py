"""The ladder of the SGD chapter: the mini-batch gradient (a rule), the variance of a batch drawn
without replacement as a function of n and B (a derivation) and that variance at B = 32 on the
chapter's line fit (a prediction).

The right answers and the mistakes are written here as a learner would, from the chapter's
formulas; the derivation's reference (every batch of an optlib model enumerated) and the
prediction's experiment (optlib's sampler) are checked against the closed form independently.
"""

from __future__ import annotations

import numpy as np
import pytest
from ladder import every_rung

from optlib import data, models, run
from optlib.exercises import (
    check_batch_variance,
    check_minibatch_gradient,
    check_variance_prediction,
)
from optlib.exercises.engine import reveals
from optlib.exercises.sgd import _exact_variance_ratio, _measured_variance

# --- The rule: the mini-batch gradient ----------------------------------------------------------


def minibatch_gradient(X, y, theta, idx):
    X_batch, y_batch = X[idx], y[idx]
    return 2 * X_batch.T @ (X_batch @ theta - y_batch) / len(idx)


def test_the_starter_is_a_named_not_yet_that_shows_no_formula():
    def starter(X, y, theta, idx):
        return np.zeros_like(theta)  # TODO

    result = check_minibatch_gradient(starter)
    assert result.mistake == "no_gradient" and result.message.startswith("Not yet")
    assert (
        reveals(every_rung(check_minibatch_gradient, starter), check_minibatch_gradient.formulas)
        is None
    )


def test_the_mini_batch_gradient_in_its_forms():
    assert check_minibatch_gradient(minibatch_gradient)
    assert check_minibatch_gradient(
        lambda X, y, theta, idx: sum(2 * (X[i] @ theta - y[i]) * X[i] for i in idx) / len(idx)
    )
    assert check_minibatch_gradient(lambda *args: minibatch_gradient(*args).tolist())
    assert check_minibatch_gradient(lambda *args: minibatch_gradient(*args).astype(np.float32))


MINIBATCH_MISTAKES = [
    (lambda X, y, th, idx: 2 * X[idx].T @ (X[idx] @ th - y[idx]) / len(X), "divides_by_n"),
    (lambda X, y, th, idx: 2 * X.T @ (X @ th - y) / len(y), "all_rows"),
    (lambda X, y, th, idx: X[idx].T @ (X[idx] @ th - y[idx]) / len(idx), "no_factor_2"),
    (lambda X, y, th, idx: -minibatch_gradient(X, y, th, idx), "sign"),
    (lambda X, y, th, idx: 2 * X[idx].T @ (X[idx] @ th - y[idx]), "sum_not_mean"),
    (lambda X, y, th, idx: X[idx].T @ (X[idx] @ th - y[idx]), "half_sum"),
]


@pytest.mark.parametrize(("wrong", "mistake"), MINIBATCH_MISTAKES)
def test_the_rule_names_each_mistake_and_no_rung_shows_the_formula(wrong, mistake):
    assert check_minibatch_gradient(wrong).mistake == mistake
    assert (
        reveals(every_rung(check_minibatch_gradient, wrong), check_minibatch_gradient.formulas)
        is None
    )


# --- The derivation: the variance of a batch without replacement ----------------------------------


def variance_ratio(n, B):
    return (n - B) / (B * (n - 1))


def test_the_derived_ratio_passes_in_its_forms():
    assert check_batch_variance(variance_ratio)
    assert check_batch_variance(lambda n, B: (1 - (B - 1) / (n - 1)) / B)  # 1 − (B−1)/(n−1)
    assert check_batch_variance(lambda n, B: 1 / B - (B - 1) / (B * (n - 1)))  # diagonal − pairs
    assert check_batch_variance(lambda n, B: np.float32(variance_ratio(n, B)))
    assert check_batch_variance(lambda n, B: 0.0 if B == n else variance_ratio(n, B))


VARIANCE_MISTAKES = [
    (lambda n, B: 1.0, "one_example"),
    (lambda n, B: 1 / B, "with_replacement"),
    (lambda n, B: (n - B) / (n - 1), "correction_only"),
    (lambda n, B: (1 - B / n) / B, "pairs_with_itself"),
    (lambda n, B: ((n - B) / (B * (n - 1))) ** 0.5, "standard_deviation"),
]


@pytest.mark.parametrize(("wrong", "mistake"), VARIANCE_MISTAKES)
def test_the_derivation_names_each_wrong_derivation(wrong, mistake):
    result = check_batch_variance(wrong)
    assert result.mistake == mistake, result.message
    assert reveals(every_rung(check_batch_variance, wrong), check_batch_variance.formulas) is None


def test_the_starter_of_the_derivation_is_a_plain_not_yet():
    result = check_batch_variance(lambda n, B: 1.0)
    assert result.message.startswith("Not yet")


def test_garbage_gets_a_verdict():
    assert check_batch_variance(lambda n, B: None).mistake == "wrong_output"
    assert check_batch_variance(lambda n, B: 1 / (B - B)).mistake == "raises"
    assert check_batch_variance(lambda n, B: "0.5").mistake == "wrong_output"
    assert check_batch_variance(0.5).mistake == "not_a_function"


def test_the_enumerated_variance_is_the_closed_form_for_every_small_n_and_b():
    """Every batch of every size of data sets of 2 to 9 rows, enumerated: the closed form."""
    for n in range(2, 10):
        for B in range(1, n + 1):
            assert np.isclose(_exact_variance_ratio(n, B), variance_ratio(n, B), rtol=1e-10), (n, B)


def test_optlibs_sampler_draws_batches_with_that_variance():
    """The closed form, checked on another data set with optlib's own shuffled batches: 30,000
    batches of 10 of 40 rows, within four Monte Carlo standard errors."""
    sample = data.linear(n_samples=40, n_features=3, noise=1.0, seed=5)
    model = models.LinearRegression(sample.X, sample.y)
    theta = np.full(model.dim, 0.3)
    singles = np.stack([model.grad(theta, idx=[i]) for i in range(40)])
    full = model.grad(theta)
    sigma2 = np.mean(np.sum((singles - full) ** 2, axis=1))
    batches = run.minibatches(40, 10, "shuffle", np.random.default_rng(3))
    rows = np.stack([next(batches) for _ in range(30_000)])
    squared = np.sum((singles[rows].mean(axis=1) - full) ** 2, axis=1)
    error = squared.std() / np.sqrt(len(squared))
    assert abs(squared.mean() - sigma2 * variance_ratio(40, 10)) < 4 * error


# --- The prediction: the variance at B = 32 -----------------------------------------------------


def chapter_sigma2():
    """σ² of the chapter's line fit at its start point, from the chapter's own setup."""
    sample = data.linear(n_samples=256, n_features=1, noise=0.5, seed=0)
    model = models.LinearRegression(sample.X, sample.y)
    theta = np.array([-1.0, -1.5])
    singles = np.stack([model.grad(theta, idx=[i]) for i in range(256)])
    return float(np.mean(np.sum((singles - model.grad(theta)) ** 2, axis=1)))


def test_the_prediction_from_the_closed_form_passes_and_with_replacement_does_not():
    sigma2, n = chapter_sigma2(), 256
    right = sigma2 / 32 * (n - 32) / (n - 1)
    assert abs(_measured_variance() - right) < 0.01 * right  # the experiment agrees to 1 %
    assert check_variance_prediction(right).passed
    assert check_variance_prediction(np.float32(right)).passed
    with_replacement = check_variance_prediction(sigma2 / 32)
    assert with_replacement.mistake == "wrong_prediction"
    assert (
        reveals(
            every_rung(check_variance_prediction, sigma2 / 32), check_variance_prediction.formulas
        )
        is None
    )
    assert check_variance_prediction(sigma2).mistake == "wrong_prediction"  # one example's


def test_no_prediction_runs_nothing_and_garbage_gets_a_verdict():
    assert check_variance_prediction(None).mistake == "no_prediction"
    for garbage in ("3.4", [3.4], float("nan"), True):
        assert check_variance_prediction(garbage).mistake == "wrong_output"


def test_the_ladder_kinds():
    assert check_minibatch_gradient.kind == "rule"
    assert check_batch_variance.kind == "derivation"
    assert check_variance_prediction.kind == "prediction"
