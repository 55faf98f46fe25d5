"""Tests of optlib.losses.

References, none taken from the code under test: values and autograd gradients recorded from
PyTorch 2.13 in float64 (tests/data/record_losses.py), central finite differences, values
worked out by hand (e.g. CE on uniform logits = ln C), and 50-digit ``decimal`` arithmetic.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal, localcontext
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from optlib import losses
from optlib.gradcheck import numerical_grad, relative_error

DATA = json.loads((Path(__file__).parent / "data" / "torch_losses.json").read_text())
TORCH_CASES = DATA["cases"]
LOSS_NAMES = ["mse", "binary_cross_entropy", "binary_cross_entropy_with_logits",
              "cross_entropy", "focal", "contrastive", "triplet"]


def as_tuple(gradient):
    return gradient if isinstance(gradient, tuple) else (gradient,)


# ------------------------------------------------------------------------- against torch


def test_recording_covers_every_loss():
    assert DATA["torch_version"].startswith("2.13")
    assert {case["loss"] for case in TORCH_CASES} == set(LOSS_NAMES)


@pytest.mark.parametrize("case", TORCH_CASES, ids=lambda case: f"{case['loss']}: {case['name']}")
def test_value_matches_torch(case):
    arguments = [np.asarray(value) for value in case["inputs"].values()]
    value = getattr(losses, case["loss"])(*arguments, **case["kwargs"])
    assert isinstance(value, float)
    assert relative_error(value, case["value"]) < 1e-13


@pytest.mark.parametrize("case", TORCH_CASES, ids=lambda case: f"{case['loss']}: {case['name']}")
def test_grad_matches_torch_autograd(case):
    arguments = [np.asarray(value) for value in case["inputs"].values()]
    gradients = as_tuple(getattr(losses, case["loss"] + "_grad")(*arguments, **case["kwargs"]))
    assert len(gradients) == len(case["differentiable"])
    for name, ours, theirs in zip(case["differentiable"], gradients, case["grads"], strict=True):
        assert ours.shape == np.shape(theirs), name
        assert relative_error(ours, theirs) < 1e-13, name


def test_triplet_tie_case_really_sits_on_the_hinge():
    """The recorded 'hinge exactly at 0' case pins the subgradient there (PyTorch: 1, active)."""
    (case,) = [c for c in TORCH_CASES if c["name"] == "hinge exactly at 0"]
    anchor, positive, negative = (np.asarray(case["inputs"][k])[0, 0]
                                  for k in ("anchor", "positive", "negative"))
    margin = case["kwargs"]["margin"]
    assert (margin + abs(anchor - positive + 1e-6)) - abs(anchor - negative + 1e-6) == 0.0
    assert case["grads"][1][0] == [0.5]  # torch counts the tied row as active: +1/n from d(a,p)


# ------------------------------------------------------------------ against finite differences

def assert_grad_matches_finite_differences(name, arguments, differentiable, **kwargs):
    loss, loss_grad = getattr(losses, name), getattr(losses, name + "_grad")
    analytic = as_tuple(loss_grad(*arguments, **kwargs))
    assert len(analytic) == len(differentiable)
    for gradient, position in zip(analytic, differentiable, strict=True):

        def loss_of_one_argument(x, position=position):
            varied = list(arguments)
            varied[position] = x
            return loss(*varied, **kwargs)

        numeric = numerical_grad(loss_of_one_argument, arguments[position])
        assert relative_error(gradient, numeric) < 1e-8, (name, position)


def test_mse_grad_finite_differences():
    rng = np.random.default_rng(1)
    assert_grad_matches_finite_differences("mse", [rng.normal(size=(4, 3)),
                                                   rng.normal(size=(4, 3))], [0])


def test_binary_cross_entropy_grad_finite_differences():
    rng = np.random.default_rng(2)
    probabilities = rng.uniform(0.05, 0.95, size=(3, 4))
    targets = rng.uniform(0, 1, size=(3, 4))
    assert_grad_matches_finite_differences("binary_cross_entropy", [probabilities, targets], [0])


@pytest.mark.parametrize("hard_targets", [True, False])
def test_binary_cross_entropy_with_logits_grad_finite_differences(hard_targets):
    rng = np.random.default_rng(3)
    logits = 4 * rng.normal(size=12)
    targets = rng.integers(0, 2, 12).astype(float) if hard_targets else rng.uniform(0, 1, 12)
    assert_grad_matches_finite_differences("binary_cross_entropy_with_logits",
                                           [logits, targets], [0])


def test_cross_entropy_grad_finite_differences():
    rng = np.random.default_rng(4)
    assert_grad_matches_finite_differences("cross_entropy",
                                           [3 * rng.normal(size=(5, 4)), rng.integers(0, 4, 5)],
                                           [0])


@pytest.mark.parametrize("alpha, gamma", [(0.25, 2.0), (0.5, 0.0), (0.9, 0.5), (0.1, 3.7)])
def test_focal_grad_finite_differences(alpha, gamma):
    rng = np.random.default_rng(5)
    logits = 3 * rng.normal(size=(3, 5))
    targets = rng.integers(0, 2, (3, 5)).astype(float)
    assert_grad_matches_finite_differences("focal", [logits, targets], [0],
                                           alpha=alpha, gamma=gamma)


def test_contrastive_grad_finite_differences():
    rng = np.random.default_rng(6)
    x1, x2 = rng.normal(size=(8, 3)), rng.normal(size=(8, 3))
    labels = np.array([0, 1, 0, 1, 0, 1, 0, 1.0])
    margin = 2.5  # the pairs are ~2.4 apart on average: both sides of the margin
    distance = np.linalg.norm(x1 - x2, axis=1)
    assert np.any(distance[labels == 1] < margin) and np.any(distance[labels == 1] > margin)
    assert_grad_matches_finite_differences("contrastive", [x1, x2, labels], [0, 1],
                                           margin=margin)


def test_triplet_grad_finite_differences():
    rng = np.random.default_rng(2)
    anchor = rng.normal(size=(6, 4))
    positive, negative = (anchor + 0.7 * rng.normal(size=(6, 4)) for _ in range(2))
    margin = 0.5
    hinge_input = (margin + np.linalg.norm(anchor - positive + 1e-6, axis=1)
                   - np.linalg.norm(anchor - negative + 1e-6, axis=1))
    assert np.all(np.abs(hinge_input) > 1e-3)  # away from the kink
    assert np.any(hinge_input > 0) and np.any(hinge_input < 0)  # both branches exercised
    assert_grad_matches_finite_differences("triplet", [anchor, positive, negative], [0, 1, 2],
                                           margin=margin)


# ---------------------------------------------------------------------- spot values by hand


@pytest.mark.parametrize("n_classes", [2, 3, 10])
def test_cross_entropy_on_uniform_logits_is_log_c(n_classes):
    logits = np.full((4, n_classes), 7.3)
    assert losses.cross_entropy(logits, [0, 1, 1, 0]) == pytest.approx(math.log(n_classes),
                                                                       rel=1e-15)


@pytest.mark.parametrize("target", [0.0, 0.3, 1.0])
def test_bce_with_logits_at_zero_is_log_2(target):
    assert losses.binary_cross_entropy_with_logits([0.0], [target]) == pytest.approx(
        math.log(2), rel=1e-15)


def test_triplet_on_identical_inputs_is_the_margin():
    same = np.random.default_rng(8).normal(size=(3, 4))
    assert losses.triplet(same, same, same, margin=2.0) == pytest.approx(2.0, rel=1e-15)
    gradient_anchor, _, _ = losses.triplet_grad(same, same, same, margin=2.0)
    np.testing.assert_array_equal(gradient_anchor, 0.0)  # u = v, so u/|u| - v/|v| = 0


def test_focal_is_100_times_below_bce_at_p_t_point_9():
    """γ = 2 and p_t = 0.9: (1 - p_t)^γ = 1/100. α = 1 makes α_t = 1 for a positive."""
    logit = math.log(9.0)  # σ(ln 9) = 0.9
    bce = -math.log(0.9)
    assert losses.binary_cross_entropy_with_logits([logit], [1.0]) == pytest.approx(bce)
    assert losses.focal([logit], [1.0], alpha=1.0, gamma=2.0) == pytest.approx(bce / 100)
    assert losses.focal([-logit], [0.0], alpha=0.0, gamma=2.0) == pytest.approx(bce / 100)
    # the default α = 0.25 weights a positive by another 1/4
    assert losses.focal([logit], [1.0]) == pytest.approx(bce / 400)


def test_focal_with_gamma_0_and_alpha_half_is_half_the_bce():
    rng = np.random.default_rng(9)
    logits, targets = 3 * rng.normal(size=7), rng.integers(0, 2, 7).astype(float)
    assert losses.focal(logits, targets, alpha=0.5, gamma=0.0) == pytest.approx(
        0.5 * losses.binary_cross_entropy_with_logits(logits, targets), rel=1e-14)


def test_bce_clamps_each_log_at_minus_100():
    assert losses.binary_cross_entropy([0.0], [1.0]) == 100.0
    assert losses.binary_cross_entropy([1.0], [0.0]) == 100.0
    assert losses.binary_cross_entropy([0.0, 1.0], [0.0, 1.0]) == 0.0
    assert losses.binary_cross_entropy([0.5], [1.0]) == pytest.approx(math.log(2), rel=1e-15)


def test_bce_grad_stays_finite_at_p_0_and_1():
    gradient = losses.binary_cross_entropy_grad([0.0, 1.0, 0.0, 1.0], [1.0, 0.0, 0.0, 1.0])
    floor = float(np.float32(1e-12))  # PyTorch's `constexpr float EPSILON = 1e-12`
    np.testing.assert_array_equal(gradient, [-1 / floor / 4, 1 / floor / 4, 0.0, 0.0])


def test_mse_by_hand():
    assert losses.mse([1.0, 2.0], [1.0, 4.0]) == 2.0  # (0 + 4)/2, no ½
    np.testing.assert_array_equal(losses.mse_grad([1.0, 2.0], [1.0, 4.0]), [0.0, -2.0])


def test_contrastive_by_hand():
    """x1 = (0, 0), x2 = (3, 4): D = 5."""
    x1, x2 = np.zeros((1, 2)), np.array([[3.0, 4.0]])
    assert losses.contrastive(x1, x2, [0.0]) == 12.5  # similar: ½·5²
    assert losses.contrastive(x1, x2, [1.0], margin=6.0) == 0.5  # dissimilar: ½·(6 − 5)²
    assert losses.contrastive(x1, x2, [1.0], margin=4.0) == 0.0  # beyond the margin
    d_x1, d_x2 = losses.contrastive_grad(x1, x2, [1.0], margin=6.0)
    np.testing.assert_allclose(d_x1, [[0.6, 0.8]], rtol=1e-15)  # -(6 - 5)·(x1 - x2)/5
    np.testing.assert_array_equal(d_x2, -d_x1)


@pytest.mark.parametrize("label", [0.0, 1.0])
def test_contrastive_grad_at_zero_distance_is_zero(label):
    same = np.random.default_rng(10).normal(size=(1, 3))
    d_x1, d_x2 = losses.contrastive_grad(same, same.copy(), [label], margin=1.0)
    np.testing.assert_array_equal(d_x1, 0.0)
    np.testing.assert_array_equal(d_x2, 0.0)
    assert losses.contrastive(same, same.copy(), [label]) == (0.5 if label else 0.0)


# ------------------------------------------------------------------ naive versus stable


def naive_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def naive_bce_with_logits(z, y):
    """Sigmoid first, then PyTorch's BCE on the probability."""
    return losses.binary_cross_entropy(naive_sigmoid(np.array([z])), [y])


def exact_bce_with_logits(z, y):
    """log(1 + e^{-z}) for y = 1 and log(1 + e^{z}) for y = 0, to 50 digits."""
    with localcontext() as context:
        context.prec = 50
        exponent = Decimal(-z) if y == 1 else Decimal(z)
        return float((1 + exponent.exp()).ln())


def test_naive_sigmoid_overflows():
    with pytest.warns(RuntimeWarning, match="overflow"):
        naive_sigmoid(np.array([-1000.0]))


def test_stable_bce_with_logits_is_exact_where_the_naive_form_fails():
    recorded = DATA["bce_with_logits_elementwise"]
    for z, y, torch_value in zip(recorded["logits"], recorded["targets"], recorded["values"],
                                 strict=True):
        exact = exact_bce_with_logits(z, y)
        ours = losses.binary_cross_entropy_with_logits([z], [y])
        assert ours == pytest.approx(exact, rel=1e-15, abs=0), (z, y)
        assert relative_error(ours, torch_value) < 1e-15, (z, y)  # absolute below 1
        with np.errstate(over="ignore"):
            naive = naive_bce_with_logits(z, y)
        wrong_side = (z > 0) == (y == 0)  # the loss is ≈ |z|
        if 40 <= abs(z) <= 50 and not wrong_side:
            assert naive == 0.0 and exact > 1e-23  # σ(z) rounded to exactly 1 − y: digits lost
        if abs(z) >= 1000 and wrong_side:
            assert naive == 100.0 and exact == 1000.0  # log(0) clamped: off by 900
        if abs(z) == 20 and not wrong_side:
            assert abs(naive - exact) / exact > 1e-9  # 1 − 2e-9 rounded: half the digits gone


def test_torch_loses_digits_where_ours_does_not():
    """torch computes (1 − y)z − log σ(z): for y = 0, z = −20 the subtraction cancels."""
    recorded = DATA["bce_with_logits_elementwise"]
    index = next(i for i, (z, y) in enumerate(zip(recorded["logits"], recorded["targets"],
                                                  strict=True)) if z == -20 and y == 0)
    exact = exact_bce_with_logits(-20.0, 0.0)
    ours = losses.binary_cross_entropy_with_logits([-20.0], [0.0])
    assert abs(recorded["values"][index] - exact) / exact > 1e-7
    assert abs(ours - exact) / exact < 1e-15


def test_helpers_are_stable_at_extreme_logits():
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    np.testing.assert_array_equal(losses.sigmoid([-1000.0, 0.0, 1000.0]), [0.0, 0.5, 1.0])
    assert losses.sigmoid(-50.0) == pytest.approx(math.exp(-50), rel=1e-15)
    np.testing.assert_array_equal(losses.softmax([1000.0, -1000.0]), [1.0, 0.0])
    np.testing.assert_allclose(losses.log_softmax([1000.0, 0.0]), [0.0, -1000.0], rtol=1e-15)
    assert np.all(np.isfinite(losses.focal_grad(z, np.ones(5), gamma=0.5)))  # autograd: NaN
    assert np.all(np.isfinite(losses.cross_entropy_grad(np.stack([z, -z]), [0, 4])))


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, (3, 4), elements=st.floats(-1000, 1000)),
       st.floats(-1000, 1000))
def test_softmax_is_a_distribution_invariant_to_shifts(logits, shift):
    probabilities = losses.softmax(logits)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(losses.softmax(logits + shift), probabilities, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, 6, elements=st.floats(-10, 10)),
       arrays(np.float64, 6, elements=st.floats(0, 1)))
def test_bce_with_logits_equals_bce_of_sigmoid_where_that_is_accurate(logits, targets):
    """For |z| ≤ 10, 1 − σ(z) ≥ 4.5e-5 keeps ≥ 11 digits, so the naive form is still fine."""
    np.testing.assert_allclose(losses.binary_cross_entropy_with_logits(logits, targets),
                               losses.binary_cross_entropy(naive_sigmoid(logits), targets),
                               rtol=1e-10, atol=1e-14)


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, (4, 3), elements=st.floats(-1000, 1000)))
def test_cross_entropy_grad_rows_sum_to_zero(logits):
    gradient = losses.cross_entropy_grad(logits, [0, 1, 2, 0])
    np.testing.assert_allclose(gradient.sum(axis=1), 0.0, atol=1e-15)


# ----------------------------------------------------------------------------- bad input

x3, x4 = np.zeros((3, 2)), np.zeros((3, 3))
BAD_INPUTS = [
    ("mse", ([1.0, 2.0, 3.0], [1.0, 2.0]), {},
     "prediction and target must have the same shape; got (3,) and (2,)"),
    ("binary_cross_entropy", ([0.5, 1.5], [0.0, 1.0]), {},
     "probabilities must lie in [0, 1]; got 1.5"),
    ("binary_cross_entropy", ([-0.25], [0.0]), {}, "probabilities must lie in [0, 1]; got -0.25"),
    ("binary_cross_entropy", ([np.nan], [0.0]), {}, "probabilities must lie in [0, 1]; got nan"),
    ("binary_cross_entropy", ([0.5], [2.0]), {}, "targets must lie in [0, 1]; got 2.0"),
    ("binary_cross_entropy", ([0.5], [0.0, 1.0]), {},
     "probabilities and targets must have the same shape; got (1,) and (2,)"),
    ("binary_cross_entropy_with_logits", ([3.0], [-1.0]), {},
     "targets must lie in [0, 1]; got -1.0"),
    ("binary_cross_entropy_with_logits", ([3.0, 1.0], [1.0]), {},
     "logits and targets must have the same shape; got (2,) and (1,)"),
    ("cross_entropy", (np.zeros((2, 3)), [0, 3]), {}, "class index out of range [0, 3): 3"),
    ("cross_entropy", (np.zeros((2, 3)), [-1, 0]), {}, "class index out of range [0, 3): -1"),
    ("cross_entropy", (np.zeros((2, 3)), [0.0, 1.5]), {}, "class labels must be integers; got 1.5"),
    ("cross_entropy", (np.zeros((2, 3)), [0]), {},
     "logits must have shape (n, C) and classes shape (n,); got (2, 3) and (1,)"),
    ("cross_entropy", (np.zeros(3), 0), {},
     "logits must have shape (n, C) and classes shape (n,); got (3,) and ()"),
    ("focal", ([1.0], [1.0]), {"alpha": 1.5}, "alpha must lie in [0, 1]; got 1.5"),
    ("focal", ([1.0], [1.0]), {"alpha": -0.1}, "alpha must lie in [0, 1]; got -0.1"),
    ("focal", ([1.0], [1.0]), {"gamma": -1.0}, "gamma must be non-negative; got -1.0"),
    ("focal", ([1.0], [0.5]), {}, "targets must be 0 or 1; got 0.5"),
    ("focal", ([1.0], [1.0, 0.0]), {},
     "logits and targets must have the same shape; got (1,) and (2,)"),
    ("contrastive", (x3, x3, [0, 1, 0]), {"margin": -1.0}, "margin must be non-negative; got -1.0"),
    ("contrastive", (x3, x3, [0, 2, 0]), {}, "y must be 0 or 1; got 2.0"),
    ("contrastive", (x3, x4, [0, 1, 0]), {},
     "x1 and x2 must have the same shape; got (3, 2) and (3, 3)"),
    ("contrastive", (x3, x3, [0, 1]), {},
     "x1, x2 must have shape (n, k) and y shape (n,); got (3, 2) and (2,)"),
    ("contrastive", (np.zeros(2), np.zeros(2), [0]), {},
     "x1, x2 must have shape (n, k) and y shape (n,); got (2,) and (1,)"),
    ("triplet", (x3, x3, x3), {"margin": 0.0}, "margin must be greater than 0; got 0.0"),
    ("triplet", (x3, x3, x3), {"margin": -2.0}, "margin must be greater than 0; got -2.0"),
    ("triplet", (x3, x4, x3), {},
     "anchor and positive must have the same shape; got (3, 2) and (3, 3)"),
    ("triplet", (x3, x3, x4), {},
     "anchor and negative must have the same shape; got (3, 2) and (3, 3)"),
    ("triplet", (np.zeros(2), np.zeros(2), np.zeros(2)), {},
     "anchor, positive, negative must have shape (n, k); got (2,)"),
]


@pytest.mark.parametrize("suffix", ["", "_grad"])
@pytest.mark.parametrize("name, arguments, kwargs, message", BAD_INPUTS,
                         ids=[f"{b[0]}: {b[3]}" for b in BAD_INPUTS])
def test_bad_input_raises_value_error_naming_it(name, arguments, kwargs, message, suffix):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        getattr(losses, name + suffix)(*arguments, **kwargs)


def test_every_loss_has_a_bad_input_test():
    assert {bad[0] for bad in BAD_INPUTS} == set(LOSS_NAMES)
