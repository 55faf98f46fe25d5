"""Tests for optlib.data: shapes, seeding, the properties each data set is made to have,
the shipped digits file, splitting, and argument validation."""

from __future__ import annotations

import gzip
import hashlib
import pickle
from pathlib import Path

import numpy as np
import pytest

from optlib import data

DATASETS_DIR = Path(data.__file__).parent / "datasets"

# Every synthetic generator with small arguments; each accepts n_samples and seed.
GENERATORS = {
    "linear": lambda **kw: data.linear(n_features=3, **kw),
    "blobs": lambda **kw: data.blobs(n_features=3, **kw),
    "moons": data.moons,
    "spirals": data.spirals,
    "sparse_features": lambda **kw: data.sparse_features(n_features=10, **kw),
}
CLASSIFICATION = ("blobs", "moons", "spirals", "sparse_features")


def least_squares_classifier_accuracy(dataset: data.Dataset) -> float:
    """Fit targets +-1 by least squares on [X, 1] and classify by sign: a linear classifier."""
    features = np.column_stack([dataset.X, np.ones(len(dataset.y))])
    targets = np.where(dataset.y == 1, 1.0, -1.0)
    weights = np.linalg.lstsq(features, targets, rcond=None)[0]
    return float(np.mean((features @ weights > 0) == (targets > 0)))


# --- shapes, dtypes, seeding ------------------------------------------------------------


@pytest.mark.parametrize("name", GENERATORS)
def test_shapes_and_dtypes(name: str) -> None:
    dataset = GENERATORS[name](n_samples=51, seed=3)
    assert isinstance(dataset, data.Dataset)
    assert dataset.X.dtype == np.float64 and dataset.X.ndim == 2 and len(dataset.X) == 51
    assert dataset.y.shape == (51,)
    assert np.all(np.isfinite(dataset.X))
    assert isinstance(dataset.description, str) and dataset.description
    if name in CLASSIFICATION:
        assert dataset.y.dtype == np.int64
        assert set(np.unique(dataset.y)) == {0, 1}
    else:
        assert dataset.y.dtype == np.float64


@pytest.mark.parametrize("name", ["blobs", "moons", "spirals"])
def test_classes_are_balanced_and_shuffled(name: str) -> None:
    dataset = GENERATORS[name](n_samples=51, seed=0)
    assert np.bincount(dataset.y).tolist() == [26, 25]
    # shuffled: the first half is not one class
    assert 0 < dataset.y[:25].mean() < 1


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_same_data_other_seed_other_data(name: str) -> None:
    first, again = GENERATORS[name](n_samples=40, seed=7), GENERATORS[name](n_samples=40, seed=7)
    other = GENERATORS[name](n_samples=40, seed=8)
    np.testing.assert_array_equal(first.X, again.X)
    np.testing.assert_array_equal(first.y, again.y)
    assert not np.array_equal(first.X, other.X)


# --- linear -----------------------------------------------------------------------------


def test_linear_least_squares_recovers_true_weights() -> None:
    noise = 0.1
    dataset = data.linear(n_samples=2000, n_features=3, noise=noise, seed=1)
    np.testing.assert_allclose(dataset.true_weights, [2.0, 0.5, -1.0])
    assert dataset.true_bias == 0.5
    design = np.column_stack([dataset.X, np.ones(2000)])
    fit, *_ = np.linalg.lstsq(design, dataset.y, rcond=None)
    # standard error of each coefficient ~ noise / sqrt(n) = 0.0022 (X standard normal)
    np.testing.assert_allclose(fit, [2.0, 0.5, -1.0, 0.5], atol=5 * noise / np.sqrt(2000))
    residual_std = np.std(dataset.y - design @ fit)
    assert residual_std == pytest.approx(noise, rel=0.1)


def test_linear_noise_free_is_exact_and_custom_weights_keep_x() -> None:
    exact = data.linear(n_samples=20, n_features=2, noise=0.0, weights=[3.0, -2.0], bias=1.0)
    np.testing.assert_allclose(exact.y, exact.X @ [3.0, -2.0] + 1.0, rtol=1e-15)
    default = data.linear(n_samples=20, n_features=2, seed=4)
    explicit = data.linear(n_samples=20, n_features=2, seed=4, weights=default.true_weights)
    np.testing.assert_array_equal(default.X, explicit.X)
    np.testing.assert_array_equal(default.y, explicit.y)
    assert "w = [2.0]" in data.linear().description


# --- classification geometry --------------------------------------------------------------


def test_blobs_nearly_separable_moons_and_spirals_not() -> None:
    for seed in range(3):
        blobs = least_squares_classifier_accuracy(data.blobs(n_samples=400, seed=seed))
        moons = least_squares_classifier_accuracy(data.moons(n_samples=400, seed=seed))
        spirals = least_squares_classifier_accuracy(data.spirals(n_samples=400, seed=seed))
        assert blobs > 0.95
        assert moons < 0.9
        assert spirals < 0.75


def test_blobs_centres_are_separation_apart() -> None:
    dataset = data.blobs(n_samples=20000, n_features=4, separation=3.0, std=0.5, seed=0)
    means = [dataset.X[dataset.y == k].mean(axis=0) for k in (0, 1)]
    assert np.linalg.norm(means[1] - means[0]) == pytest.approx(3.0, abs=0.03)
    np.testing.assert_allclose(means[1], 0.75, atol=0.02)  # 3/2 / sqrt(4) on each axis
    np.testing.assert_allclose(dataset.X[dataset.y == 0].std(axis=0), 0.5, rtol=0.03)


def test_noise_free_moons_lie_on_their_circles() -> None:
    dataset = data.moons(n_samples=100, noise=0.0)
    upper, lower = dataset.X[dataset.y == 0], dataset.X[dataset.y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(upper[:, 1] >= 0) and np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_noise_free_spiral_arms_are_point_reflections() -> None:
    dataset = data.spirals(n_samples=100, noise=0.0)
    arm_0 = dataset.X[dataset.y == 0]
    arm_1 = dataset.X[dataset.y == 1]
    # each point of arm 1 is minus a point of arm 0
    distances = np.linalg.norm(arm_1[:, None, :] + arm_0[None, :, :], axis=-1)
    assert distances.min(axis=1).max() < 1e-12


# --- sparse features --------------------------------------------------------------------


def test_sparse_features_rarity_matches_density() -> None:
    n, density = 4000, 0.03
    dataset = data.sparse_features(n_samples=n, n_features=30, density=density, n_rare=10)
    X = dataset.X
    assert set(np.unique(X)) == {0.0, 1.0}
    common, rare = X[:, :20], X[:, 20:]
    # four binomial standard errors over all n * 10 rare entries
    standard_error = np.sqrt(density * (1 - density) / (n * 10))
    assert rare.mean() == pytest.approx(density, abs=4 * standard_error)
    assert np.all(rare.mean(axis=0) < 3 * density)
    assert common.mean() == pytest.approx(0.5, abs=4 * np.sqrt(0.25 / (n * 20)))


def test_sparse_rare_features_are_strongly_informative() -> None:
    dataset = data.sparse_features(n_samples=20000, n_features=20, density=0.02, seed=2)
    rare_weights = dataset.true_weights[10:]
    assert np.all(np.abs(rare_weights) == 4.0)
    assert np.all(np.abs(dataset.true_weights[:10]) < 1.5)
    for j, weight in enumerate(rare_weights, start=10):
        present = dataset.X[:, j] == 1
        positive_rate = dataset.y[present].mean()
        # one occurrence nearly decides the label: sigma(4 + rest) > 0.9 mostly
        assert positive_rate > 0.85 if weight > 0 else positive_rate < 0.15


def test_sparse_labels_follow_the_logistic_model() -> None:
    dataset = data.sparse_features(n_samples=20000, n_features=10, density=0.05, seed=3)
    probabilities = 1.0 / (1.0 + np.exp(-(dataset.X @ dataset.true_weights + dataset.true_bias)))
    # calibration: the mean label equals the mean probability within sampling error
    assert dataset.y.mean() == pytest.approx(probabilities.mean(), abs=0.01)
    assert dataset.true_bias == pytest.approx(-0.5 * dataset.true_weights[:5].sum())


# --- digits -----------------------------------------------------------------------------


def test_digits_shape_values_and_class_counts() -> None:
    dataset = data.digits()
    assert dataset.X.shape == (1797, 64) and dataset.X.dtype == np.float64
    assert dataset.y.shape == (1797,) and dataset.y.dtype == np.int64
    assert dataset.X.min() == 0 and dataset.X.max() == 16
    np.testing.assert_array_equal(dataset.X, np.round(dataset.X))
    counts = np.bincount(dataset.y)
    # UCI optdigits.names, test set (optdigits.tes): the 1,797-sample version
    assert counts.tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert counts.sum() == 1797


def test_digits_scaled_and_first_image() -> None:
    raw, scaled = data.digits(), data.digits(scale=True)
    np.testing.assert_array_equal(scaled.X, raw.X / 16)
    assert scaled.X.max() == 1.0
    # the first image is a zero: a ring of ink with an empty centre
    first = raw.X[0].reshape(8, 8)
    assert raw.y[0] == 0
    assert first[3:5, 3:5].sum() == 0 and first[:, 3:5].sum() > 50


def test_digits_file_is_shipped_unchanged_with_its_licence() -> None:
    digits_file = DATASETS_DIR / "digits.csv.gz"
    checksum = hashlib.sha256(digits_file.read_bytes()).hexdigest()
    licence = (DATASETS_DIR / "LICENSE-digits.md").read_text(encoding="utf-8")
    assert checksum in licence
    for required in ("Alpaydin", "Kaynak", "10.24432/C50P49", "CC BY 4.0", "scikit-learn"):
        assert required in licence
    with gzip.open(digits_file, "rt") as rows:
        assert len(rows.readline().split(",")) == 65


# --- splitting --------------------------------------------------------------------------


def test_split_sizes_disjoint_and_complete() -> None:
    dataset = data.linear(n_samples=101, n_features=2, seed=0)
    train, test = data.train_test_split(dataset, test_fraction=0.2, seed=5)
    assert len(test.y) == 20 and len(train.y) == 81
    assert train.X.shape == (81, 2) and test.X.shape == (20, 2)
    # rows identified by their first feature (continuous, so distinct)
    train_rows, test_rows = set(train.X[:, 0]), set(test.X[:, 0])
    assert not train_rows & test_rows
    assert train_rows | test_rows == set(dataset.X[:, 0])
    # pairs stay together
    lookup = dict(zip(dataset.X[:, 0], dataset.y, strict=True))
    assert all(lookup[x] == y for x, y in zip(test.X[:, 0], test.y, strict=True))
    np.testing.assert_array_equal(train.true_weights, dataset.true_weights)
    assert "train" in train.description and "test" in test.description


def test_split_is_seeded() -> None:
    dataset = data.blobs(n_samples=60)
    first = data.train_test_split(dataset, seed=1)[1]
    again = data.train_test_split(dataset, seed=1)[1]
    other = data.train_test_split(dataset, seed=2)[1]
    np.testing.assert_array_equal(first.X, again.X)
    assert not np.array_equal(first.X, other.X)


# --- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: data.linear(n_samples=0), "n_samples must be an integer >= 1, got 0"),
        (lambda: data.linear(n_samples=10.5), "n_samples must be an integer >= 1, got 10.5"),
        (lambda: data.linear(n_features=0), "n_features must be an integer >= 1, got 0"),
        (lambda: data.linear(noise=-0.1), "noise must be a finite number >= 0, got -0.1"),
        (lambda: data.linear(bias=float("inf")), "bias must be a finite number, got inf"),
        (lambda: data.linear(n_features=2, weights=[1.0]), r"weights must be 2 finite numbers"),
        (lambda: data.blobs(n_samples=1), "n_samples must be an integer >= 2, got 1"),
        (lambda: data.blobs(std=0.0), "std must be a finite number > 0, got 0.0"),
        (lambda: data.blobs(separation=-1.0), "separation must be a finite number >= 0"),
        (lambda: data.moons(noise=float("nan")), "noise must be a finite number >= 0, got nan"),
        (lambda: data.spirals(turns=0), "turns must be a finite number > 0, got 0"),
        (lambda: data.sparse_features(density=0.0), r"density must be a number in \(0, 1\]"),
        (lambda: data.sparse_features(density=1.5), r"density .* got 1.5"),
        (lambda: data.sparse_features(n_features=5, n_rare=6), "n_rare must be at most .* 6"),
        (lambda: data.sparse_features(n_rare=0), "n_rare must be an integer >= 1, got 0"),
        (
            lambda: data.train_test_split(data.blobs(), test_fraction=1.0),
            r"test_fraction must be in \(0, 1\), got 1.0",
        ),
        (
            lambda: data.train_test_split(data.blobs(n_samples=4), test_fraction=0.1),
            "gives 0 test rows",
        ),
        (
            lambda: data.train_test_split(data.Dataset(np.zeros((3, 2)), np.zeros(4), "bad")),
            r"X has 3 rows but y has shape \(4,\)",
        ),
        # Before: True was taken as 1, a seed as NumPy's message that did not name it.
        (lambda: data.linear(bias=True), "bias must be a finite number, got True"),
        (lambda: data.sparse_features(density=True), r"density .* got True"),
        (lambda: data.linear(seed=-1), "seed must be an integer >= 0, got -1"),
        (lambda: data.blobs(seed=1.5), "seed must be an integer >= 0, got 1.5"),
        (lambda: data.moons(seed="0"), "seed must be an integer >= 0, got '0'"),
        (lambda: data.spirals(seed=True), "seed must be an integer >= 0, got True"),
        (lambda: data.sparse_features(seed=-2), "seed must be an integer >= 0, got -2"),
        (lambda: data.train_test_split(data.blobs(), seed=-1), "seed must be .* got -1"),
    ],
)
def test_bad_arguments_raise_value_error(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_bad_arguments_of_the_wrong_kind_raise_type_error() -> None:
    with pytest.raises(TypeError, match="scale must be True or False, got 'no'"):
        data.digits(scale="no")  # before: a truthy string scaled the pixels
    with pytest.raises(TypeError, match="dataset must be a Dataset, got tuple"):
        data.train_test_split((np.zeros((4, 2)), np.zeros(4)))


# --- a data set is checked when it is made ----------------------------------------------


X_SMALL, Y_SMALL = np.arange(8.0).reshape(4, 2), np.array([0, 1, 1, 0])


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        # Before: accepted, and a model trained on it "diverged at step 1".
        (
            (np.where(X_SMALL == 5, np.nan, X_SMALL), Y_SMALL),
            ValueError,
            r"X must be finite; X\[2, 1\] is nan",
        ),
        ((X_SMALL, [0.0, 1.0, np.inf, 0.0]), ValueError, r"y must be finite; y\[2\] is inf"),
        (
            (np.arange(4.0), Y_SMALL),
            ValueError,
            r"X must have shape \(n, d\) with n >= 1; got \(4,\)",
        ),
        ((np.zeros((0, 2)), []), ValueError, r"got \(0, 2\)"),
        ((X_SMALL, Y_SMALL[:, None]), ValueError, r"X has 4 rows but y has shape \(4, 1\)"),
        ((X_SMALL, list("abcd")), TypeError, "y must be an array of real numbers; got dtype <U1"),
        (
            (X_SMALL + 1j, Y_SMALL),
            TypeError,
            "X must be an array of real numbers; got dtype complex",
        ),
    ],
    ids=["nan in X", "inf in y", "1-d X", "no rows", "y a column", "string y", "complex X"],
)
def test_a_dataset_with_a_bad_entry_is_refused_naming_its_row(arguments, error, message) -> None:
    with pytest.raises(error, match=message):
        data.Dataset(*arguments, "bad")


def test_a_dataset_stays_a_checked_named_tuple() -> None:
    dataset = data.Dataset(X_SMALL.tolist(), [True, False, True, True], "lists")
    X, y, description, weights, bias = dataset
    assert isinstance(dataset, tuple) and X.dtype == np.float64 and y.dtype == np.int64
    assert np.array_equal(X, X_SMALL) and np.array_equal(y, [1, 0, 1, 1])
    assert (description, weights, bias) == ("lists", None, None)
    assert dataset._replace(description="renamed").description == "renamed"
    with pytest.raises(ValueError, match=r"y must be finite; y\[1\] is nan"):
        dataset._replace(y=np.array([0.0, np.nan, 1.0, 1.0]))  # _replace is checked too
    with pytest.raises(ValueError, match="true_weights must be 2 finite numbers"):
        data.Dataset(X_SMALL, Y_SMALL, "w", true_weights=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="true_bias must be a finite number, got nan"):
        data.Dataset(X_SMALL, Y_SMALL, "b", true_bias=float("nan"))
    linear = data.linear(n_samples=5, n_features=2)
    assert pickle.loads(pickle.dumps(linear))._asdict().keys() == linear._asdict().keys()
