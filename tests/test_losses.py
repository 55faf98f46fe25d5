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
LOSS_NAMES = [
    "mse",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "focal",
    "contrastive",
    "triplet",
]


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
    anchor, positive, negative = (
        np.asarray(case["inputs"][k])[0, 0] for k in ("anchor", "positive", "negative")
    )
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
    assert_grad_matches_finite_differences(
        "mse", [rng.normal(size=(4, 3)), rng.normal(size=(4, 3))], [0]
    )


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
    assert_grad_matches_finite_differences(
        "binary_cross_entropy_with_logits", [logits, targets], [0]
    )


def test_cross_entropy_grad_finite_differences():
    rng = np.random.default_rng(4)
    assert_grad_matches_finite_differences(
        "cross_entropy", [3 * rng.normal(size=(5, 4)), rng.integers(0, 4, 5)], [0]
    )


@pytest.mark.parametrize("alpha, gamma", [(0.25, 2.0), (0.5, 0.0), (0.9, 0.5), (0.1, 3.7)])
def test_focal_grad_finite_differences(alpha, gamma):
    rng = np.random.default_rng(5)
    logits = 3 * rng.normal(size=(3, 5))
    targets = rng.integers(0, 2, (3, 5)).astype(float)
    assert_grad_matches_finite_differences(
        "focal", [logits, targets], [0], alpha=alpha, gamma=gamma
    )


def test_contrastive_grad_finite_differences():
    rng = np.random.default_rng(6)
    x1, x2 = rng.normal(size=(8, 3)), rng.normal(size=(8, 3))
    labels = np.array([0, 1, 0, 1, 0, 1, 0, 1.0])
    margin = 2.5  # the pairs are ~2.4 apart on average: both sides of the margin
    distance = np.linalg.norm(x1 - x2, axis=1)
    assert np.any(distance[labels == 1] < margin) and np.any(distance[labels == 1] > margin)
    assert_grad_matches_finite_differences("contrastive", [x1, x2, labels], [0, 1], margin=margin)


def test_triplet_grad_finite_differences():
    rng = np.random.default_rng(2)
    anchor = rng.normal(size=(6, 4))
    positive, negative = (anchor + 0.7 * rng.normal(size=(6, 4)) for _ in range(2))
    margin = 0.5
    hinge_input = (
        margin
        + np.linalg.norm(anchor - positive + 1e-6, axis=1)
        - np.linalg.norm(anchor - negative + 1e-6, axis=1)
    )
    assert np.all(np.abs(hinge_input) > 1e-3)  # away from the kink
    assert np.any(hinge_input > 0) and np.any(hinge_input < 0)  # both branches exercised
    assert_grad_matches_finite_differences(
        "triplet", [anchor, positive, negative], [0, 1, 2], margin=margin
    )


# ---------------------------------------------------------------------- spot values by hand


@pytest.mark.parametrize("n_classes", [2, 3, 10])
def test_cross_entropy_on_uniform_logits_is_log_c(n_classes):
    logits = np.full((4, n_classes), 7.3)
    assert losses.cross_entropy(logits, [0, 1, 1, 0]) == pytest.approx(
        math.log(n_classes), rel=1e-15
    )


@pytest.mark.parametrize("target", [0.0, 0.3, 1.0])
def test_bce_with_logits_at_zero_is_log_2(target):
    assert losses.binary_cross_entropy_with_logits([0.0], [target]) == pytest.approx(
        math.log(2), rel=1e-15
    )


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
        0.5 * losses.binary_cross_entropy_with_logits(logits, targets), rel=1e-14
    )


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
    for z, y, torch_value in zip(
        recorded["logits"], recorded["targets"], recorded["values"], strict=True
    ):
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
    index = next(
        i
        for i, (z, y) in enumerate(zip(recorded["logits"], recorded["targets"], strict=True))
        if z == -20 and y == 0
    )
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
@given(arrays(np.float64, (3, 4), elements=st.floats(-1000, 1000)), st.floats(-1000, 1000))
def test_softmax_is_a_distribution_invariant_to_shifts(logits, shift):
    probabilities = losses.softmax(logits)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(losses.softmax(logits + shift), probabilities, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(
    arrays(np.float64, 6, elements=st.floats(-10, 10)),
    arrays(np.float64, 6, elements=st.floats(0, 1)),
)
def test_bce_with_logits_equals_bce_of_sigmoid_where_that_is_accurate(logits, targets):
    """For |z| ≤ 10, 1 − σ(z) ≥ 4.5e-5 keeps ≥ 11 digits, so the naive form is still fine."""
    np.testing.assert_allclose(
        losses.binary_cross_entropy_with_logits(logits, targets),
        losses.binary_cross_entropy(naive_sigmoid(logits), targets),
        rtol=1e-10,
        atol=1e-14,
    )


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, (4, 3), elements=st.floats(-1000, 1000)))
def test_cross_entropy_grad_rows_sum_to_zero(logits):
    gradient = losses.cross_entropy_grad(logits, [0, 1, 2, 0])
    np.testing.assert_allclose(gradient.sum(axis=1), 0.0, atol=1e-15)


# ----------------------------------------------------------------------------- bad input

x3, x4 = np.zeros((3, 2)), np.zeros((3, 3))
BAD_INPUTS = [
    (
        "mse",
        ([1.0, 2.0, 3.0], [1.0, 2.0]),
        {},
        "prediction and target must have the same shape; got (3,) and (2,)",
    ),
    (
        "binary_cross_entropy",
        ([0.5, 1.5], [0.0, 1.0]),
        {},
        "probabilities must lie in [0, 1]; got 1.5",
    ),
    ("binary_cross_entropy", ([-0.25], [0.0]), {}, "probabilities must lie in [0, 1]; got -0.25"),
    ("binary_cross_entropy", ([np.nan], [0.0]), {}, "probabilities must lie in [0, 1]; got nan"),
    ("binary_cross_entropy", ([0.5], [2.0]), {}, "targets must lie in [0, 1]; got 2.0"),
    (
        "binary_cross_entropy",
        ([0.5], [0.0, 1.0]),
        {},
        "probabilities and targets must have the same shape; got (1,) and (2,)",
    ),
    (
        "binary_cross_entropy_with_logits",
        ([3.0], [-1.0]),
        {},
        "targets must lie in [0, 1]; got -1.0",
    ),
    (
        "binary_cross_entropy_with_logits",
        ([3.0, 1.0], [1.0]),
        {},
        "logits and targets must have the same shape; got (2,) and (1,)",
    ),
    (
        "cross_entropy",
        (np.zeros((2, 3)), [0, 3]),
        {},
        "classes must be class indices in [0, 3); got 3",
    ),
    (
        "cross_entropy",
        (np.zeros((2, 3)), [-1, 0]),
        {},
        "classes must be class indices in [0, 3); got -1",
    ),
    (
        "cross_entropy",
        (np.zeros((2, 3)), [0.0, 1.5]),
        {},
        "classes must be integer class labels; got 1.5",
    ),
    (
        "cross_entropy",
        (np.zeros((2, 3)), [0]),
        {},
        "logits must have shape (n, C) and classes shape (n,); got (2, 3) and (1,)",
    ),
    (
        "cross_entropy",
        (np.zeros(3), 0),
        {},
        "logits must have shape (n, C) and classes shape (n,); got (3,) and ()",
    ),
    ("focal", ([1.0], [1.0]), {"alpha": 1.5}, "alpha must lie in [0, 1]; got 1.5"),
    ("focal", ([1.0], [1.0]), {"alpha": -0.1}, "alpha must lie in [0, 1]; got -0.1"),
    ("focal", ([1.0], [1.0]), {"gamma": -1.0}, "gamma must be finite and non-negative; got -1.0"),
    ("focal", ([1.0], [0.5]), {}, "targets must be 0 or 1; got 0.5"),
    (
        "focal",
        ([1.0], [1.0, 0.0]),
        {},
        "logits and targets must have the same shape; got (1,) and (2,)",
    ),
    (
        "contrastive",
        (x3, x3, [0, 1, 0]),
        {"margin": -1.0},
        "margin must be finite and non-negative; got -1.0",
    ),
    ("contrastive", (x3, x3, [0, 2, 0]), {}, "y must be 0 or 1; got 2.0"),
    (
        "contrastive",
        (x3, x4, [0, 1, 0]),
        {},
        "x1 and x2 must have the same shape; got (3, 2) and (3, 3)",
    ),
    (
        "contrastive",
        (x3, x3, [0, 1]),
        {},
        "x1, x2 must have shape (n, k) and y shape (n,); got (3, 2) and (2,)",
    ),
    (
        "contrastive",
        (np.zeros(2), np.zeros(2), [0]),
        {},
        "x1, x2 must have shape (n, k) and y shape (n,); got (2,) and (1,)",
    ),
    # PyTorch's message, word for word (torch 2.13's triplet_margin_loss)
    ("triplet", (x3, x3, x3), {"margin": 0.0}, "margin must be greater than 0, got 0.0"),
    ("triplet", (x3, x3, x3), {"margin": -2.0}, "margin must be greater than 0, got -2.0"),
    (
        "triplet",
        (x3, x4, x3),
        {},
        "anchor and positive must have the same shape; got (3, 2) and (3, 3)",
    ),
    (
        "triplet",
        (x3, x3, x4),
        {},
        "anchor and negative must have the same shape; got (3, 2) and (3, 3)",
    ),
    (
        "triplet",
        (np.zeros(2), np.zeros(2), np.zeros(2)),
        {},
        "anchor, positive, negative must have shape (n, k); got (2,)",
    ),
]


@pytest.mark.parametrize("suffix", ["", "_grad"])
@pytest.mark.parametrize(
    "name, arguments, kwargs, message", BAD_INPUTS, ids=[f"{b[0]}: {b[3]}" for b in BAD_INPUTS]
)
def test_bad_input_raises_value_error_naming_it(name, arguments, kwargs, message, suffix):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        getattr(losses, name + suffix)(*arguments, **kwargs)


def test_every_loss_has_a_bad_input_test():
    assert {bad[0] for bad in BAD_INPUTS} == set(LOSS_NAMES)


# ------------------------------------------------------------------- hostile input, edge by edge

X2 = np.zeros((2, 2))
# One valid call of every loss; the cases below change one argument at a time.
VALID = {
    "mse": ([0.5, 1.0], [1.0, 0.0]),
    "binary_cross_entropy": ([0.25, 0.5], [1.0, 0.0]),
    "binary_cross_entropy_with_logits": ([0.5, -1.0], [1.0, 0.0]),
    "cross_entropy": (np.zeros((2, 3)), [0, 2]),
    "focal": ([0.5, -1.0], [1.0, 0.0]),
    "contrastive": (X2, X2 + 1.0, [0.0, 1.0]),
    "triplet": (X2, X2 + 1.0, X2 - 1.0),
}
ARGUMENT_NAMES = {
    "mse": ("prediction", "target"),
    "binary_cross_entropy": ("probabilities", "targets"),
    "binary_cross_entropy_with_logits": ("logits", "targets"),
    "cross_entropy": ("logits", "classes"),
    "focal": ("logits", "targets"),
    "contrastive": ("x1", "x2", "y"),
    "triplet": ("anchor", "positive", "negative"),
}
LOSS_AND_GRAD = [(name, suffix) for name in LOSS_NAMES for suffix in ("", "_grad")]


def loss_id(case):
    return case[0] + case[1]


def test_every_loss_has_a_valid_call():
    assert set(VALID) == set(ARGUMENT_NAMES) == set(LOSS_NAMES)
    for name, suffix in LOSS_AND_GRAD:
        getattr(losses, name + suffix)(*VALID[name])


@pytest.mark.parametrize("case", LOSS_AND_GRAD, ids=loss_id)
def test_an_empty_batch_is_an_error_naming_the_argument(case):
    """PyTorch's mean over no examples is NaN, silently (torch 2.13: ``mse_loss``,
    ``binary_cross_entropy_with_logits`` and ``cross_entropy`` on empty tensors all return nan);
    a mean over nothing has no meaning in the book, so it is a ValueError, not a warning."""
    name, suffix = case
    empty = [np.zeros((0, *np.shape(value)[1:])) for value in VALID[name]]
    if name == "cross_entropy":
        empty[1] = np.zeros(0, dtype=int)
    first = ARGUMENT_NAMES[name][0]
    unit = "rows" if np.ndim(VALID[name][0]) == 2 else "entries"
    with pytest.raises(ValueError, match=f"^an empty batch: {first} has 0 {unit}$"):
        getattr(losses, name + suffix)(*empty)


NOT_NUMBERS = [["0.5", "1.0"], [None, 1.0], [Decimal("0.5"), Decimal(1)], [True, False]]


@pytest.mark.parametrize("case", LOSS_AND_GRAD, ids=loss_id)
@pytest.mark.parametrize("bad", NOT_NUMBERS, ids=lambda bad: type(bad[0]).__name__)
def test_entries_that_are_not_numbers_are_refused_naming_the_argument(case, bad):
    """Strings, None, Decimals and booleans were converted by ``np.asarray(..., dtype=float)``
    (``"0.5"`` read as 0.5, ``None`` as NaN, ``True`` as 1), so a wrong call ran silently."""
    name, suffix = case
    for position, argument in enumerate(ARGUMENT_NAMES[name]):
        arguments = list(VALID[name])
        shape = np.shape(arguments[position])
        arguments[position] = np.array(bad * (int(np.prod(shape)) // 2), dtype=object).reshape(
            shape
        )
        with pytest.raises(ValueError, match=f"^{argument} must be"):
            getattr(losses, name + suffix)(*arguments)


LABELS_OUT_OF_RANGE = [
    ("cross_entropy", 1, [0, 3], "classes must be class indices in [0, 3); got 3"),
    ("cross_entropy", 1, [0, -1], "classes must be class indices in [0, 3); got -1"),
    ("cross_entropy", 1, [0.0, 2.5], "classes must be integer class labels; got 2.5"),
    ("cross_entropy", 1, [0.0, math.nan], "classes must be integer class labels; got nan"),
    ("cross_entropy", 1, [0.0, math.inf], "classes must be integer class labels; got inf"),
    # no int64 for these: they were cast to garbage (1e30) or raised OverflowError (2**70)
    ("cross_entropy", 1, [0.0, 1e30], "classes must be integer class labels; got 1e+30"),
    ("cross_entropy", 1, [0, 2**70], "classes must be integer class labels"),
    # PyTorch refuses boolean targets ("expected target dtype to be Long or Byte, but got Bool")
    ("cross_entropy", 1, [True, False], "classes must be integer class labels"),
    ("binary_cross_entropy", 1, [1.0, 1.5], "targets must lie in [0, 1]; got 1.5"),
    ("binary_cross_entropy_with_logits", 1, [-0.5, 0.0], "targets must lie in [0, 1]; got -0.5"),
    ("focal", 1, [1.0, 0.25], "targets must be 0 or 1; got 0.25"),
    ("focal", 1, [1.0, -1.0], "targets must be 0 or 1; got -1.0"),
    ("focal", 1, [1.0, math.nan], "targets must be 0 or 1; got nan"),
    ("contrastive", 2, [0.0, 0.5], "y must be 0 or 1; got 0.5"),
    ("contrastive", 2, [True, False], "y must be 0 or 1"),
]


@pytest.mark.parametrize("suffix", ["", "_grad"])
@pytest.mark.parametrize(("name", "position", "labels", "message"), LABELS_OUT_OF_RANGE)
def test_labels_out_of_range_are_refused(name, position, labels, message, suffix):
    arguments = list(VALID[name])
    arguments[position] = labels
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        getattr(losses, name + suffix)(*arguments)


BAD_SETTINGS = [
    ("focal", {"alpha": "0.5"}, "alpha must lie in [0, 1]; got '0.5'"),
    ("focal", {"alpha": True}, "alpha must lie in [0, 1]; got True"),
    ("focal", {"alpha": np.array([0.25, 0.5])}, "alpha must lie in [0, 1]"),
    ("focal", {"gamma": "2"}, "gamma must be finite and non-negative; got '2'"),
    ("focal", {"gamma": math.inf}, "gamma must be finite and non-negative; got inf"),
    ("focal", {"gamma": None}, "gamma must be finite and non-negative; got None"),
    ("contrastive", {"margin": math.inf}, "margin must be finite and non-negative; got inf"),
    ("contrastive", {"margin": "1"}, "margin must be finite and non-negative; got '1'"),
    ("triplet", {"margin": "1"}, "margin must be greater than 0, got '1'"),
    ("triplet", {"margin": True}, "margin must be greater than 0, got True"),
    ("triplet", {"margin": math.nan}, "margin must be greater than 0, got nan"),
]


@pytest.mark.parametrize("suffix", ["", "_grad"])
@pytest.mark.parametrize(("name", "kwargs", "message"), BAD_SETTINGS)
def test_settings_that_are_not_one_valid_number_are_refused(name, kwargs, message, suffix):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        getattr(losses, name + suffix)(*VALID[name], **kwargs)


BROADCASTABLE = [  # shapes NumPy would broadcast together: every loss must refuse them instead
    (
        "mse",
        (np.zeros((3, 1)), np.zeros(3)),
        "prediction and target must have the same shape; got (3, 1) and (3,)",
    ),
    (
        "binary_cross_entropy",
        (np.full(2, 0.5), np.zeros((1, 2))),
        "probabilities and targets must have the same shape; got (2,) and (1, 2)",
    ),
    (
        "binary_cross_entropy_with_logits",
        (np.zeros(3), np.zeros(1)),
        "logits and targets must have the same shape; got (3,) and (1,)",
    ),
    (
        "focal",
        (np.zeros((2, 2)), np.zeros(2)),
        "logits and targets must have the same shape; got (2, 2) and (2,)",
    ),
    (
        "cross_entropy",
        (np.zeros((2, 3)), np.zeros((2, 1), dtype=int)),
        "logits must have shape (n, C) and classes shape (n,); got (2, 3) and (2, 1)",
    ),
    (
        "contrastive",
        (X2, np.zeros((1, 2)), [0.0, 1.0]),
        "x1 and x2 must have the same shape; got (2, 2) and (1, 2)",
    ),
    (
        "contrastive",
        (X2, X2, [0.0]),
        "x1, x2 must have shape (n, k) and y shape (n,); got (2, 2) and (1,)",
    ),
    (
        "triplet",
        (X2, np.zeros((1, 2)), X2),
        "anchor and positive must have the same shape; got (2, 2) and (1, 2)",
    ),
    (
        "triplet",
        (X2, X2, np.zeros(2)),
        "anchor and negative must have the same shape; got (2, 2) and (2,)",
    ),
]


@pytest.mark.parametrize("suffix", ["", "_grad"])
@pytest.mark.parametrize(("name", "arguments", "message"), BROADCASTABLE)
def test_shapes_that_would_broadcast_are_refused_naming_both(name, arguments, message, suffix):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        getattr(losses, name + suffix)(*arguments)


# BCE-with-logits at an infinite logit, N = 1. The limit by hand: the loss is
# log(1 + e^z) − zy, so ∞ unless the logit is sure of the label (z = +∞, y = 1 or z = −∞, y = 0),
# where it is 0; the gradient σ(z) − y is 1 − y at +∞ and −y at −∞. PyTorch 2.13
# (F.binary_cross_entropy_with_logits, recorded) gives these gradients and the value ∞ where
# the limit is ∞ at z = +∞, but NaN at the other corners (its (1 − y)z and
# log(e^{−m} + e^{−z−m}) with m = ∞ multiply 0·∞): we give the limit there.
BCE_AT_INFINITY = [  # (z, y, limit of the loss, gradient, torch's value)
    (math.inf, 0.0, math.inf, 1.0, math.inf),
    (math.inf, 1.0, 0.0, 0.0, math.nan),
    (math.inf, 0.5, math.inf, 0.5, math.inf),
    (-math.inf, 0.0, 0.0, 0.0, math.nan),
    (-math.inf, 1.0, math.inf, -1.0, math.nan),
    (-math.inf, 0.5, math.inf, -0.5, math.nan),
]


@pytest.mark.parametrize(("z", "y", "value", "gradient", "torch_value"), BCE_AT_INFINITY)
def test_bce_with_logits_at_an_infinite_logit_is_the_limit(z, y, value, gradient, torch_value):
    assert losses.binary_cross_entropy_with_logits([z], [y]) == value
    assert losses.binary_cross_entropy_with_logits_grad([z], [y]) == [gradient]
    assert math.isnan(torch_value) or torch_value == value
    # with a finite example beside it, the mean is over both: (limit + ln 2) / 2 at z = 0
    assert losses.binary_cross_entropy_with_logits([z, 0.0], [y, 1.0]) == pytest.approx(
        (value + math.log(2)) / 2
    )


# Focal loss α_t(1 − p_t)^γ·CE at an infinite logit, by hand. Sure and right (p_t = 1): 0, and
# the gradient −s·α_t·q^γ(γ p_t CE + q) with q = 1 − p_t = 0 is 0. Sure and wrong (p_t = 0,
# q = 1): the loss is α_t·∞ = ∞ and, since p_t·CE = CE e^{−CE} → 0, the gradient is −s·α_t:
# (1 − α) for y = 0 at +∞, −α for y = 1 at −∞. torchvision's formula under autograd (recorded
# with torch 2.13) agrees only for γ = 0 (gradients 0.75, 0, 0, −0.25) and value ∞ at z = +∞,
# y = 0; it gives NaN everywhere else at these corners.
FOCAL_AT_INFINITY = [  # (z, y, limit of the loss, gradient for α)
    (math.inf, 0.0, math.inf, lambda alpha: 1 - alpha),
    (math.inf, 1.0, 0.0, lambda alpha: 0.0),
    (-math.inf, 0.0, 0.0, lambda alpha: 0.0),
    (-math.inf, 1.0, math.inf, lambda alpha: -alpha),
]


@pytest.mark.parametrize("gamma", [0.0, 0.5, 1.0, 2.0])
@pytest.mark.parametrize("alpha", [0.25, 0.5])
@pytest.mark.parametrize(("z", "y", "value", "gradient"), FOCAL_AT_INFINITY)
def test_focal_at_an_infinite_logit_is_the_limit(z, y, value, gradient, alpha, gamma):
    assert losses.focal([z], [y], alpha=alpha, gamma=gamma) == value
    assert losses.focal_grad([z], [y], alpha=alpha, gamma=gamma) == pytest.approx(
        [gradient(alpha)], abs=0
    )


@pytest.mark.parametrize(("z", "y"), [(math.inf, 0.0), (-math.inf, 1.0)])
def test_focal_with_a_zero_class_weight_costs_nothing_even_at_an_infinite_loss(z, y):
    """α = 1 weights the negatives by 1 − α = 0 (α = 0 the positives): 0, not 0·∞ = NaN."""
    alpha = 1.0 if y == 0 else 0.0
    assert losses.focal([z], [y], alpha=alpha) == 0.0
    assert losses.focal_grad([z], [y], alpha=alpha) == [0.0]


@pytest.mark.parametrize("z", [math.nan])
@pytest.mark.parametrize("case", LOSS_AND_GRAD, ids=loss_id)
def test_nan_in_a_prediction_gives_nan_without_a_warning(case, z):
    """As PyTorch: NaN in, NaN out (pytest turns any RuntimeWarning into an error)."""
    name, suffix = case
    arguments = [np.array(value, dtype=float) for value in VALID[name]]
    if name == "binary_cross_entropy":
        with pytest.raises(ValueError, match=r"^probabilities must lie in \[0, 1\]; got nan$"):
            getattr(losses, name + suffix)(*arguments[:0], [z, 0.5], arguments[1])
        return  # PyTorch: "all elements of input should be between 0 and 1"
    arguments[0].flat[0] = z
    if name == "cross_entropy":
        arguments[1] = VALID[name][1]
    result = as_tuple(getattr(losses, name + suffix)(*arguments))
    assert np.isnan(result[0]).any()


# Recorded with torch 2.13 (float64, autograd): values and gradients at infinite entries, which
# we match, NaN for NaN, without a warning.
TORCH_AT_INFINITY = [
    ("mse", ([math.inf], [math.inf]), math.nan, ([math.nan],)),
    ("mse", ([1e200], [-1e200]), math.inf, ([4e200],)),
    ("mse", ([math.inf], [0.0]), math.inf, ([math.inf],)),
    ("cross_entropy", ([[math.inf, 0.0]], [0]), math.nan, ([[math.nan, math.nan]],)),
    ("cross_entropy", ([[math.inf, math.inf]], [1]), math.nan, ([[math.nan, math.nan]],)),
    ("cross_entropy", ([[-math.inf, -math.inf]], [0]), math.nan, ([[math.nan, math.nan]],)),
    ("cross_entropy", ([[-math.inf, 0.0]], [0]), math.inf, ([[-1.0, 1.0]],)),
    ("cross_entropy", ([[-math.inf, 0.0]], [1]), 0.0, ([[0.0, 0.0]],)),
    ("cross_entropy", ([[1e308, -1e308]], [0]), 0.0, ([[0.0, 0.0]],)),
    ("cross_entropy", ([[1e308, -1e308]], [1]), math.inf, ([[1.0, -1.0]],)),
    (
        "triplet",
        ([[math.inf, math.inf]], [[0.0, 0.0]], [[0.0, 0.0]]),
        math.nan,
        ([[math.nan, math.nan]], [[math.nan, math.nan]], [[math.nan, math.nan]]),
    ),
    (
        "triplet",
        ([[0.0, 0.0]], [[0.0, 0.0]], [[math.inf, math.inf]]),
        0.0,
        ([[math.nan, math.nan]], [[-0.0, -0.0]], [[math.nan, math.nan]]),
    ),
    (
        "triplet",
        ([[0.0, 0.0]], [[math.inf, math.inf]], [[0.0, 0.0]]),
        math.inf,
        ([[math.nan, math.nan]], [[math.nan, math.nan]], [[math.sqrt(0.5), math.sqrt(0.5)]]),
    ),
]


@pytest.mark.parametrize(("name", "arguments", "value", "gradients"), TORCH_AT_INFINITY)
def test_infinite_entries_give_what_torch_gives_without_a_warning(
    name, arguments, value, gradients
):
    np.testing.assert_equal(getattr(losses, name)(*arguments), value)
    ours = as_tuple(getattr(losses, name + "_grad")(*arguments))
    for mine, theirs in zip(ours, gradients, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-15)


def test_contrastive_at_an_infinite_distance():
    """By hand (PyTorch has no contrastive loss): a similar pair costs ½D² = ∞ with gradient
    x1 − x2 = ∞; a dissimilar pair beyond the margin costs max(0, m − D)² = 0, gradient 0, and
    not (1 − Y)·½D² = 0·∞ = NaN."""
    far, origin = [[math.inf, 1.0]], [[0.0, 0.0]]
    assert losses.contrastive(far, origin, [0.0]) == math.inf
    np.testing.assert_equal(losses.contrastive_grad(far, origin, [0.0])[0], [[math.inf, 1.0]])
    assert losses.contrastive(far, origin, [1.0]) == 0.0
    np.testing.assert_equal(losses.contrastive_grad(far, origin, [1.0])[0], [[0.0, 0.0]])


def test_overflow_gives_inf_without_a_warning_as_torch():
    """torch 2.13 (recorded): the mean of [1.7e308, 1.7e308] overflows to inf, and so does
    BCE-with-logits on those logits with y = 0; a squared error past float64's range is inf."""
    assert losses.binary_cross_entropy_with_logits([1.7e308, 1.7e308], [0.0, 0.0]) == math.inf
    assert losses.mse([1e308, 1e308], [0.0, 0.0]) == math.inf
    assert losses.contrastive([[1e160, 0.0]], [[0.0, 0.0]], [0.0]) == math.inf
    # the gradient of ½D² is x1 − x2 itself, which is finite
    np.testing.assert_equal(
        losses.contrastive_grad([[1e160, 0.0]], [[0.0, 0.0]], [0.0])[0], [[1e160, 0.0]]
    )


def test_contrastive_gradient_of_a_large_margin_over_a_tiny_distance_is_finite():
    """By hand: −Y·max(0, m − D)·(x1 − x2)/D = −(10^300 − 10^−100)·(1, 0) = (−10^300, 0) in
    float64; the form max(0, m − D)/D · (x1 − x2) overflows to −inf (10^400) and then
    multiplies 0 by −inf in the second coordinate."""
    d_x1, d_x2 = losses.contrastive_grad([[1e-100, 0.0]], [[0.0, 0.0]], [1.0], margin=1e300)
    np.testing.assert_equal(d_x1, [[-1e300, 0.0]])
    np.testing.assert_equal(d_x2, [[1e300, 0.0]])
