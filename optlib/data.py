r"""Small data sets for the book, all seeded: the same ``seed`` gives the same data.

Synthetic: :func:`linear` (regression with known weights), :func:`blobs` (two nearly
separable Gaussian classes), :func:`moons` and :func:`spirals` (two classes no line can
separate), :func:`sparse_features` (rare but informative binary features, for AdaGrad).
Real: :func:`digits`, the UCI 8x8 handwritten digits, shipped in ``optlib/datasets/``.
:func:`train_test_split` splits any of them.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from optlib.validation import (
    check_number,
    check_whole,
    finite,
    finite_nonnegative,
    finite_positive,
    open_unit_interval,
    real_array,
    refuse_first,
    unit_interval,
)

__all__ = [
    "Dataset",
    "blobs",
    "digits",
    "linear",
    "moons",
    "sparse_features",
    "spirals",
    "train_test_split",
]

_DIGITS_FILE = Path(__file__).parent / "datasets" / "digits.csv.gz"


class _DatasetFields(NamedTuple):
    X: np.ndarray
    y: np.ndarray
    description: str
    true_weights: np.ndarray | None = None
    true_bias: float | None = None


class Dataset(_DatasetFields):
    """Features, targets and what generated them.

    A data set is checked when it is made (also by ``_replace``): ``X`` of shape ``(n, d)`` with
    ``n >= 1``, ``y`` of shape ``(n,)``, both real and finite — a NaN is named by its index, the
    row, ``"y must be finite; y[4] is nan"`` — ``true_weights`` of shape ``(d,)``.

    Attributes
    ----------
    X : ndarray, shape (n, d), float64
        One row per sample.
    y : ndarray, shape (n,)
        float64 targets for regression, int64 class labels for classification.
    description : str
        One line saying what the data is and how it was made.
    true_weights : ndarray, shape (d,), or None
        The weights of the model that generated ``y``, where there is one
        (:func:`linear`, :func:`sparse_features`), to compare a fit with.
    true_bias : float or None
        The intercept of that model.
    """

    __slots__ = ()

    def __new__(
        cls,
        X: np.ndarray,
        y: np.ndarray,
        description: str,
        true_weights: np.ndarray | None = None,
        true_bias: float | None = None,
    ) -> Dataset:
        X = real_array("X must be an array of real numbers", X).astype(
            float, copy=False
        )
        y = real_array("y must be an array of real numbers", y)
        if y.dtype.kind == "b":
            y = y.astype(np.int64)  # labels 0 and 1
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(
                f"X must have shape (n, d) with n >= 1; got {X.shape}"
            )
        if y.shape != X.shape[:1]:
            raise ValueError(
                f"y must have shape ({len(X)},) to match X: X has {len(X)} rows but y "
                f"has shape {y.shape}"
            )
        refuse_first("X must be finite", "X", X, ~np.isfinite(X))
        refuse_first("y must be finite", "y", y, ~np.isfinite(y))
        if not isinstance(description, str):
            raise TypeError(
                f"description must be a str; got {type(description).__name__}"
            )
        if true_weights is not None:
            true_weights = real_array(
                "true_weights must be an array of real numbers", true_weights
            ).astype(float, copy=False)
            if true_weights.shape != X.shape[1:] or not np.all(
                np.isfinite(true_weights)
            ):
                raise ValueError(
                    f"true_weights must be {X.shape[1]} finite numbers, one per column of X; "
                    f"got {true_weights!r}"
                )
        if true_bias is not None:
            check_number(
                "true_bias must be a finite number, got {value!r}",
                true_bias,
                finite,
            )
        return super().__new__(
            cls, X, y, description, true_weights, true_bias
        )

    @classmethod
    def _make(cls, iterable: Any) -> Dataset:
        # NamedTuple's _make (and so _replace) skips __new__: check there too.
        return cls(*iterable)


def _check_seed(seed: int) -> None:
    _check_count("seed", seed, 0)


def _check_count(name: str, value: int, minimum: int) -> None:
    check_whole(
        f"{name} must be an integer >= {minimum}, got {{value!r}}",
        value,
        minimum,
    )


def _check_nonnegative(name: str, value: float) -> None:
    check_number(
        f"{name} must be a finite number >= 0, got {{value!r}}",
        value,
        finite_nonnegative,
    )


def _check_positive(name: str, value: float) -> None:
    check_number(
        f"{name} must be a finite number > 0, got {{value!r}}",
        value,
        finite_positive,
    )


def _class_sizes(n_samples: int) -> tuple[int, int]:
    """Two classes as equal as possible: class 0 gets the extra sample when n is odd."""
    return n_samples - n_samples // 2, n_samples // 2


def _shuffled(
    X: np.ndarray, y: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, ...]:
    # Classes generated one after the other are shuffled, so any minibatch sees both.
    order = rng.permutation(len(y))
    return X[order], y[order]


def linear(
    n_samples: int = 100,
    n_features: int = 1,
    noise: float = 0.1,
    seed: int = 0,
    weights: np.ndarray | None = None,
    bias: float = 0.5,
) -> Dataset:
    r"""Linear regression data :math:`y = X w + b + \varepsilon`.

    Parameters
    ----------
    n_samples, n_features : int
        Shape of :math:`X`, whose entries are standard normal.
    noise : float
        Standard deviation :math:`\sigma` of :math:`\varepsilon \sim \mathcal N(0, \sigma^2)`.
    seed : int
        Seed of ``np.random.default_rng``.
    weights : array_like, shape (n_features,), optional
        True :math:`w`; by default evenly spaced from 2 down to -1 (just :math:`w = 2` for
        one feature), so a reader can recognise them in a fit.
    bias : float
        True intercept :math:`b`.

    Returns
    -------
    Dataset
        With ``true_weights`` and ``true_bias`` set. :math:`X` and :math:`\varepsilon` are
        drawn first, so passing the default weights explicitly gives the same data.
    """
    _check_count("n_samples", n_samples, 1)
    _check_count("n_features", n_features, 1)
    _check_nonnegative("noise", noise)
    check_number("bias must be a finite number, got {value!r}", bias, finite)
    _check_seed(seed)
    if weights is None:
        w = np.linspace(2.0, -1.0, n_features)
    else:
        w = np.array(weights, dtype=float).reshape(
            -1 if np.ndim(weights) else 1
        )
        if w.shape != (n_features,) or not np.all(np.isfinite(w)):
            raise ValueError(
                f"weights must be {n_features} finite numbers (n_features), got {weights!r}"
            )
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    epsilon = noise * rng.standard_normal(n_samples)
    y = X @ w + bias + epsilon
    description = (
        f"linear regression: y = X w + b + noise, w = {np.round(w, 4).tolist()}, b = {bias:g}, "
        f"noise std {noise:g}; X standard normal, {n_samples} x {n_features}, seed {seed}"
    )
    return Dataset(X, y, description, true_weights=w, true_bias=float(bias))


def blobs(
    n_samples: int = 200,
    n_features: int = 2,
    separation: float = 4.0,
    std: float = 1.0,
    seed: int = 0,
) -> Dataset:
    r"""Two Gaussian blobs, labels 0 and 1: nearly linearly separable.

    Class :math:`k` is :math:`\mathcal N(\pm\tfrac{s}{2} u, \sigma^2 I)` with
    :math:`u = (1, \dots, 1)/\sqrt d`: centres a distance :math:`s` apart along the diagonal.
    The best linear classifier errs with probability :math:`\Phi(-s / 2\sigma)`, 2.3 % for the
    defaults: the classes overlap a little, so logistic regression has a finite minimiser
    (on perfectly separable data its weights grow forever).

    Parameters
    ----------
    n_samples, n_features : int
        Number of points (split evenly between the classes) and dimension.
    separation : float
        Distance :math:`s` between the two centres.
    std : float
        Standard deviation :math:`\sigma` of every coordinate.
    seed : int
        Seed of ``np.random.default_rng``.
    """
    _check_count("n_samples", n_samples, 2)
    _check_count("n_features", n_features, 1)
    _check_nonnegative("separation", separation)
    _check_positive("std", std)
    _check_seed(seed)
    rng = np.random.default_rng(seed)
    sizes = _class_sizes(n_samples)
    direction = np.ones(n_features) / math.sqrt(n_features)
    centres = (-separation / 2 * direction, separation / 2 * direction)
    X = np.concatenate(
        [
            centre + std * rng.standard_normal((size, n_features))
            for centre, size in zip(centres, sizes, strict=True)
        ]
    )
    y = np.repeat(np.array([0, 1], dtype=np.int64), sizes)
    X, y = _shuffled(X, y, rng)
    description = (
        f"two Gaussian blobs, centres {separation:g} apart, std {std:g}, "
        f"{n_samples} x {n_features}, labels 0/1, seed {seed}"
    )
    return Dataset(X, y, description)


def moons(
    n_samples: int = 200, noise: float = 0.1, seed: int = 0
) -> Dataset:
    r"""Two interleaved half circles, labels 0 and 1: no line separates them.

    Class 0 lies on :math:`(\cos t, \sin t)`, class 1 on :math:`(1 - \cos t, \tfrac12 - \sin t)`,
    :math:`t` evenly spaced in :math:`[0, \pi]`, plus :math:`\mathcal N(0, \sigma^2 I)` noise
    (the construction of scikit-learn's ``make_moons``). A linear classifier gets about 85 %
    right; a curved boundary gets all.

    Parameters
    ----------
    n_samples : int
        Number of points, split evenly between the classes.
    noise : float
        Standard deviation :math:`\sigma` of the Gaussian noise.
    seed : int
        Seed of ``np.random.default_rng``.
    """
    _check_count("n_samples", n_samples, 2)
    _check_nonnegative("noise", noise)
    _check_seed(seed)
    rng = np.random.default_rng(seed)
    size_0, size_1 = _class_sizes(n_samples)
    t_0, t_1 = np.linspace(0, np.pi, size_0), np.linspace(0, np.pi, size_1)
    upper_moon = np.stack([np.cos(t_0), np.sin(t_0)], axis=1)
    lower_moon = np.stack([1 - np.cos(t_1), 0.5 - np.sin(t_1)], axis=1)
    X = np.concatenate(
        [upper_moon, lower_moon]
    ) + noise * rng.standard_normal((n_samples, 2))
    y = np.repeat(np.array([0, 1], dtype=np.int64), (size_0, size_1))
    X, y = _shuffled(X, y, rng)
    description = f"two moons, noise std {noise:g}, {n_samples} x 2, labels 0/1, seed {seed}"
    return Dataset(X, y, description)


def spirals(
    n_samples: int = 200,
    turns: float = 1.5,
    noise: float = 0.05,
    seed: int = 0,
) -> Dataset:
    r"""Two interleaved spiral arms, labels 0 and 1: far from linearly separable.

    Arm :math:`k \in \{0, 1\}` is :math:`r(\cos\varphi, \sin\varphi)` with :math:`r` evenly
    spaced in :math:`[0, 1]` and :math:`\varphi = 2\pi\,\text{turns}\cdot r + k\pi`, plus
    :math:`\mathcal N(0, \sigma^2 I)` noise. The arms are point reflections of each other, so
    a linear classifier does little better than chance.

    Parameters
    ----------
    n_samples : int
        Number of points, split evenly between the arms.
    turns : float
        How many times each arm winds around the origin.
    noise : float
        Standard deviation :math:`\sigma` of the Gaussian noise.
    seed : int
        Seed of ``np.random.default_rng``.
    """
    _check_count("n_samples", n_samples, 2)
    _check_positive("turns", turns)
    _check_nonnegative("noise", noise)
    _check_seed(seed)
    rng = np.random.default_rng(seed)
    arms = []
    for arm, size in enumerate(_class_sizes(n_samples)):
        radius = np.linspace(0, 1, size)
        angle = 2 * np.pi * turns * radius + arm * np.pi
        arms.append(
            radius[:, None]
            * np.stack([np.cos(angle), np.sin(angle)], axis=1)
        )
    X = np.concatenate(arms) + noise * rng.standard_normal((n_samples, 2))
    y = np.repeat(np.array([0, 1], dtype=np.int64), _class_sizes(n_samples))
    X, y = _shuffled(X, y, rng)
    description = (
        f"two spirals, {turns:g} turns, noise std {noise:g}, {n_samples} x 2, labels 0/1, "
        f"seed {seed}"
    )
    return Dataset(X, y, description)


def sparse_features(
    n_samples: int = 1000,
    n_features: int = 40,
    density: float = 0.02,
    n_rare: int | None = None,
    seed: int = 0,
) -> Dataset:
    r"""Bag-of-words-like binary classification where rare features carry the signal.

    Construction (think of word-presence features in documents):

    * every entry of :math:`X` is 0 or 1; the first ``n_features - n_rare`` columns are
      *common* words, each present in a row with probability 1/2; the last ``n_rare`` are
      *rare* words, each present with probability ``density``;
    * true weights: common words :math:`w_j \sim \mathcal N(0, 0.25^2)` (weakly
      informative), rare words :math:`w_j = \pm 4` with random signs (one occurrence all but
      decides the label); the bias :math:`b = -\tfrac12 \sum_{\text{common}} w_j` centres the
      common words' contribution;
    * labels :math:`y \sim \text{Bernoulli}(\sigma(X w + b))`, the logistic model.

    A rare feature's gradient is nonzero only in the few rows where it occurs, so plain SGD
    updates its weight rarely and slowly; AdaGrad divides by the small accumulated squared
    gradient and learns it much faster (the AdaGrad chapter's experiment).

    Parameters
    ----------
    n_samples, n_features : int
        Shape of :math:`X`.
    density : float
        Fraction of rows in which each rare feature occurs, in :math:`(0, 1]`.
    n_rare : int, optional
        Number of rare features, 1 to ``n_features``; by default half of them.
    seed : int
        Seed of ``np.random.default_rng``.

    Returns
    -------
    Dataset
        Labels int64 in {0, 1}; ``true_weights`` and ``true_bias`` are :math:`w` and :math:`b`.
    """
    _check_count("n_samples", n_samples, 1)
    _check_count("n_features", n_features, 1)
    check_number(
        "density must be a number in (0, 1], got {value!r}",
        density,
        lambda values: unit_interval(values) & (values > 0),
    )
    if n_rare is None:
        n_rare = max(1, n_features // 2)
    _check_count("n_rare", n_rare, 1)
    if n_rare > n_features:
        raise ValueError(
            f"n_rare must be at most n_features = {n_features}, got {n_rare}"
        )
    _check_seed(seed)
    rng = np.random.default_rng(seed)
    n_common = n_features - n_rare
    presence = np.concatenate(
        [np.full(n_common, 0.5), np.full(n_rare, float(density))]
    )
    X = (rng.random((n_samples, n_features)) < presence).astype(float)
    common_weights = 0.25 * rng.standard_normal(n_common)
    rare_weights = 4.0 * rng.choice([-1.0, 1.0], n_rare)
    w = np.concatenate([common_weights, rare_weights])
    b = -0.5 * float(np.sum(common_weights))
    logits = X @ w + b
    # sigma(z) = (1 + tanh(z/2))/2 never overflows, unlike 1/(1 + exp(-z)).
    probabilities = 0.5 * (1.0 + np.tanh(logits / 2))
    y = (rng.random(n_samples) < probabilities).astype(np.int64)
    description = (
        f"sparse binary features: {n_common} common (p = 0.5), {n_rare} rare (p = {density:g}, "
        f"weights +-4), logistic labels, {n_samples} x {n_features}, seed {seed}"
    )
    return Dataset(X, y, description, true_weights=w, true_bias=b)


def digits(scale: bool = False) -> Dataset:
    r"""The UCI optical handwritten digits: 1,797 images of 8x8 pixels, 10 classes.

    Each pixel counts the "on" pixels in a 4x4 block of a 32x32 bitmap, an integer 0..16;
    a row of ``X`` is the image read row by row (``X[i].reshape(8, 8)`` shows it).
    ``y`` is the digit 0..9. The file is the copy distributed with scikit-learn, shipped in
    ``optlib/datasets/`` (see ``LICENSE-digits.md`` there: CC BY 4.0).

    Parameters
    ----------
    scale : bool
        If true, divide the pixels by 16 so they lie in [0, 1].

    References
    ----------
    E. Alpaydin and C. Kaynak (1998). Optical Recognition of Handwritten Digits.
    UCI Machine Learning Repository. https://doi.org/10.24432/C50P49
    """
    if not isinstance(scale, (bool, np.bool_)):
        raise TypeError(f"scale must be True or False, got {scale!r}")
    table = np.loadtxt(_DIGITS_FILE, delimiter=",")
    X, y = table[:, :-1], table[:, -1].astype(np.int64)
    if scale:
        X = X / 16.0
    pixels = "pixels / 16 in [0, 1]" if scale else "pixels 0..16"
    description = f"UCI optical handwritten digits (Alpaydin & Kaynak 1998), 1797 x 64, {pixels}"
    return Dataset(X, y, description)


def train_test_split(
    dataset: Dataset, test_fraction: float = 0.25, seed: int = 0
) -> tuple[Dataset, Dataset]:
    """Split the rows at random into a training and a test set.

    The test set gets ``round(test_fraction * n)`` rows chosen uniformly at random (not
    stratified); both parts keep the rows in their original order, and ``true_weights``
    and ``true_bias``.

    Parameters
    ----------
    dataset : Dataset
        The data to split.
    test_fraction : float
        Fraction of the rows for the test set, in (0, 1); each part needs at least one row.
    seed : int
        Seed of ``np.random.default_rng``.

    Returns
    -------
    train, test : Dataset
    """
    if not isinstance(
        dataset, Dataset
    ):  # a Dataset's X and y were checked when it was made
        raise TypeError(
            f"dataset must be a Dataset, got {type(dataset).__name__}"
        )
    n = len(dataset.y)
    check_number(
        "test_fraction must be in (0, 1), got {value!r}",
        test_fraction,
        open_unit_interval,
    )
    _check_seed(seed)
    n_test = round(test_fraction * n)
    if not 1 <= n_test <= n - 1:
        raise ValueError(
            f"test_fraction = {test_fraction} of {n} rows gives {n_test} test rows; "
            "both parts need at least one"
        )
    rng = np.random.default_rng(seed)
    is_test = np.zeros(n, dtype=bool)
    is_test[rng.choice(n, size=n_test, replace=False)] = True

    def part(rows: np.ndarray, label: str) -> Dataset:
        return dataset._replace(
            X=dataset.X[rows],
            y=dataset.y[rows],
            description=f"{dataset.description} [{label}: {len(rows)} of {n} rows, seed {seed}]",
        )

    return part(np.flatnonzero(~is_test), "train"), part(
        np.flatnonzero(is_test), "test"
    )
