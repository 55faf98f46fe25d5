r"""Exercises of the chapter on stochastic gradient descent, a ladder: implement the mini-batch
gradient of least squares (checked against :func:`optlib.losses.mse_grad` chained through the
batch's rows); derive the variance of a mini-batch gradient drawn without replacement as a
function of :math:`n` and :math:`B` (checked against the exact variance, every batch of an
optlib model enumerated); and predict that variance on the chapter's line fit before
:func:`optlib.run.minibatches` draws the batches."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from optlib import data, losses, models, run
from optlib.exercises.engine import (
    Case,
    CheckResult,
    Mistake,
    check_against,
    checker,
    judge_prediction,
)
from optlib.exercises.variants import with_arg

__all__ = [
    "check_batch_variance",
    "check_minibatch_gradient",
    "check_variance_prediction",
]


def _minibatch_gradient_reference(
    X: np.ndarray, y: np.ndarray, theta: np.ndarray, idx: np.ndarray
) -> np.ndarray:
    X_batch, y_batch = X[idx], y[idx]
    # The chain rule through ŷ = X_B θ: ∇_θ L = X_Bᵀ ∂L/∂ŷ, with ∂L/∂ŷ from optlib.losses.
    return X_batch.T @ losses.mse_grad(X_batch @ theta, y_batch)


@checker(
    formulas=(
        "X_batch.T@(X_batch@theta-y_batch)",
        "X[idx].T@(X[idx]@theta-y[idx])",
        "X_B.T@(X_B@theta-y_B)",
        "X_Bᵀ(X_Bθ−y_B)",
        "(2/|B|)X_B^T(X_Bθ−y_B)",
        "2(x_i^\\top\\theta-y_i)x_i",
    )
)
def check_minibatch_gradient(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's mini-batch gradient of least squares (a linear model, no bias).

    For the rows :math:`B` = ``idx`` of the data, with :math:`\hat y = X\theta`:

    .. math::
        L_B(\theta) = \frac{1}{|B|}\sum_{i \in B} (x_i^\top\theta - y_i)^2, \qquad
        \nabla L_B(\theta) = \frac{2}{|B|}\, X_B^\top (X_B\theta - y_B),

    with :math:`|B|` = ``len(idx)`` (a row drawn twice counts twice, as ``X[idx]`` does). The
    reference is :func:`optlib.losses.mse_grad` of the batch's predictions, chained through
    :math:`\hat y = X_B\theta`: the gradient :class:`optlib.models.LinearRegression` gives for
    the weights.

    Expected signature: ``fn(X, y, theta, idx) -> gradient`` shaped like ``theta``, with ``X``
    of shape (n, d), ``y`` of shape (n,), ``theta`` of shape (d,) and ``idx`` an integer array
    of row numbers.

    Examples
    --------
    >>> def my_minibatch_gradient(X, y, theta, idx):
    ...     X_batch, y_batch = X[idx], y[idx]
    ...     return 2 * X_batch.T @ (X_batch @ theta - y_batch) / len(idx)
    >>> check_minibatch_gradient(my_minibatch_gradient).passed
    True
    """
    rng = np.random.default_rng(8)

    def data_set(
        n: int, d: int, scale: float = 1.0
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        X, theta = (
            scale * rng.normal(size=(n, d)),
            scale * rng.normal(size=d),
        )
        return X, scale**2 * rng.normal(size=n), theta

    # Whole numbers, so that X_B θ − y_B is exactly zero on the batch (and only there).
    X_fit, theta_fit = (
        rng.integers(-3, 4, size=(6, 2)).astype(float),
        np.array([2.0, -1.0]),
    )
    y_fit = X_fit @ theta_fit + np.array([0.0, 1.0, 0.0, -2.0, 0.0, 3.0])
    cases = [
        Case(
            (*data_set(8, 3), np.array([1, 4, 6])), "a batch of 3 of 8 rows"
        ),
        Case(
            (*data_set(8, 3), np.array([7, 0, 3, 5])),
            "a batch in no particular order",
        ),
        Case((*data_set(8, 3), np.array([2])), "a batch of one row"),
        Case((*data_set(5, 2), np.arange(5)), "every row: the full batch"),
        Case(
            (*data_set(8, 3), np.array([2, 5, 2])),
            "row 2 drawn twice (sampling with replacement)",
        ),
        Case(
            (X_fit, y_fit, theta_fit, np.array([0, 2, 4])),
            "a batch the model fits exactly (zero gradient)",
        ),
        Case(
            (*data_set(8, 3, scale=1e3), np.array([0, 3, 4, 6])),
            "large values",
        ),
        Case(
            (*data_set(20, 5), np.array([3, 9, 11, 14, 19])),
            "20 rows, 5 features, a batch of 5",
        ),
    ]
    reference = _minibatch_gradient_reference
    mistakes = [
        Mistake(
            "no_gradient",
            "Not yet: your gradient is zero, so θ would never move.",
            lambda X, y, theta, idx: 0.0 * reference(X, y, theta, idx),
            hint="take the rows of the batch, then differentiate the mean of their squared "
            "errors with respect to θ, one example at a time.",
        ),
        Mistake(
            "divides_by_n",
            "Your average is over the wrong count: you divide by all n rows of X, but the batch "
            "has fewer.",
            lambda X, y, theta, idx: (
                reference(X, y, theta, idx) * len(idx) / len(X)
            ),
            hint="the batch's loss is the mean over its |B| = len(idx) rows.",
        ),
        Mistake(
            "all_rows",
            "Your gradient uses every row of X: that is the full-batch gradient, not the batch's.",
            lambda X, y, theta, idx: reference(
                X, y, theta, np.arange(len(X))
            ),
            hint="use only the rows the batch selects, X[idx] and y[idx].",
        ),
        Mistake(
            "no_factor_2",
            "Your gradient is half the right size.",
            lambda X, y, theta, idx: reference(X, y, theta, idx) / 2,
            hint="differentiate one square by the chain rule: where does a factor 2 come from?",
        ),
        Mistake(
            "sign",
            "Your gradient has the wrong sign: it points downhill.",
            lambda X, y, theta, idx: -reference(X, y, theta, idx),
            hint="the residual is prediction minus target.",
        ),
        Mistake(
            "sum_not_mean",
            "Yours is the gradient of the *sum* of squared errors over the batch, not of their "
            "mean.",
            lambda X, y, theta, idx: reference(X, y, theta, idx) * len(idx),
            hint="the batch's loss averages over its rows: a batch twice as large should not "
            "give a gradient twice as large.",
        ),
        Mistake(
            "half_sum",
            "Yours is the gradient of another loss: ½ times the sum of squares, a convention "
            "this book does not use.",
            lambda X, y, theta, idx: (
                reference(X, y, theta, idx) * len(idx) / 2
            ),
            hint="the loss is a mean over the batch, with no ½ in front (PyTorch's MSE).",
        ),
    ]
    return check_against(
        fn,
        reference,
        cases,
        mistakes,
        arg_names=("X", "y", "theta", "idx"),
        output_names=("gradient",),
        reference_name="optlib.losses.mse_grad chained through X[idx]",
        advice="write the gradient of one example's squared error first, then average it over "
        "the rows of the batch.",
    )


# --- The variance of a mini-batch gradient, exactly ----------------------------------------------


@functools.cache
def _per_example_gradients(
    n: int,
) -> tuple[models.LinearRegression, np.ndarray, np.ndarray]:
    """A least-squares model of ``n`` rows (optlib's ``data.linear``, 2 features), a point θ
    away from its fit, and the full gradient there."""
    sample = data.linear(n_samples=n, n_features=2, noise=0.5, seed=n)
    model = models.LinearRegression(sample.X, sample.y)
    theta = np.random.default_rng(n).normal(size=model.dim)
    return model, theta, model.grad(theta)


@functools.cache
def _exact_variance_ratio(n: int, B: int) -> float:
    r"""E‖g − ∇f‖² / σ² for a batch of ``B`` distinct rows of ``n``, exactly: every one of the
    C(n, B) batches of an optlib least-squares model, its gradient from ``model.grad(θ, idx)``,
    averaged; σ² from the n single-row gradients. A ratio below 1e-12 (round-off, B = n) is 0."""
    model, theta, full = _per_example_gradients(n)
    singles = np.stack([model.grad(theta, idx=[i]) for i in range(n)])
    sigma2 = np.mean(np.sum((singles - full) ** 2, axis=1))  # (sgd-sigma)
    spread = np.mean(
        [
            np.sum((model.grad(theta, idx=list(batch)) - full) ** 2)
            for batch in itertools.combinations(range(n), B)
        ]
    )
    ratio = float(spread / sigma2)
    return 0.0 if ratio < 1e-12 else ratio


def _variance_ratio(n: int, B: int) -> float:
    """The reference of :func:`check_batch_variance`, in the exercise's signature."""
    return _exact_variance_ratio(int(n), int(B))


@checker(
    formulas=(
        "(n-B)/(n-1)",
        "(n−B)/(B(n−1))",
        "(n-B)/(B*(n-1))",
        "σ²/B·(n−B)/(n−1)",
        "\\frac{n-B}{n-1}",
        "(1-(B-1)/(n-1))/B",
    ),
    kind="derivation",
)
def check_batch_variance(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's derivation of the variance of a mini-batch gradient drawn without
    replacement (a shuffled epoch's batch), as a multiple of one example's variance
    :math:`\sigma^2`:

    .. math::
        \frac{\mathbb E\lVert g - \nabla f\rVert^2}{\sigma^2} = \frac1B\cdot\frac{n - B}{n - 1}.

    The reference is computed, not typed: for a least-squares model of :math:`n` rows
    (:class:`optlib.models.LinearRegression` on ``optlib.data.linear``) it enumerates every
    batch of :math:`B` distinct rows, takes each batch's gradient from the model and averages
    :math:`\lVert g - \nabla f\rVert^2`; :math:`\sigma^2` is the mean over the single rows.
    Checked on 6 random :math:`(n, B)` from a seeded generator (:math:`n \le 12`) and the edges
    :math:`B = 1`, :math:`B = n - 1`, :math:`B = n` and :math:`n = 2`.

    Expected signature: ``fn(n, B) -> ratio`` (one number), for whole numbers
    :math:`1 \le B \le n`, :math:`n \ge 2`.

    Examples
    --------
    >>> def my_variance_ratio(n, B):
    ...     return (n - B) / (B * (n - 1))
    >>> check_batch_variance(my_variance_ratio).passed
    True
    """
    rng = np.random.default_rng(16)
    settings = []
    for _ in range(6):
        n = int(rng.integers(3, 13))
        settings.append((n, int(rng.integers(1, n + 1))))
    cases = [
        *(
            Case(
                setting,
                f"n = {setting[0]}, B = {setting[1]}",
                "random n and B",
            )
            for setting in settings
        ),
        Case((10, 1), "n = 10, B = 1: one example"),
        Case((10, 9), "n = 10, B = 9: all but one"),
        Case((10, 10), "n = 10, B = 10: the whole data set"),
        Case((2, 1), "n = 2, B = 1"),
        Case((12, 6), "n = 12, B = 6: half the data"),
    ]
    reference = _variance_ratio
    mistakes = [
        Mistake(
            "one_example",
            "Not yet: your ratio does not fall with the batch size — a batch would be as noisy "
            "as a single example.",
            with_arg(reference, 1, lambda B: 1),
            hint="start from the batch gradient as an average of B per-example deviations and "
            "expand the square of its norm.",
        ),
        Mistake(
            "with_replacement",
            "Yours is the variance of batches drawn with replacement: it misses what drawing "
            "without replacement changes.",
            lambda n, B: 1 / B,
            hint="two different positions of one batch never hold the same example: the cross "
            "terms of the square no longer vanish in expectation. At B = n, what must the "
            "variance be?",
        ),
        Mistake(
            "correction_only",
            "Your ratio leaves out the averaging over the batch: for small batches it should "
            "fall like one over the batch size.",
            lambda n, B: (n - B) / (n - 1),
            hint="a batch of 2 from a large data set averages two nearly independent "
            "examples: its ratio should be close to one half, and yours is close to 1.",
        ),
        Mistake(
            "pairs_with_itself",
            "Your correction counts a row as a possible partner of itself: it is too small "
            "for every batch but the whole data set.",
            lambda n, B: (n - B) / (n * B),
            hint="at B = 1 the ratio must be exactly 1. Count the ordered pairs of *different* "
            "examples: how many are there?",
        ),
        Mistake(
            "standard_deviation",
            "Your ratio is for the standard deviation of the gradient, not its variance.",
            lambda n, B: np.sqrt((n - B) / (B * (n - 1))),
            hint="the chapter measures E‖g − ∇f‖², a squared length.",
        ),
    ]
    return check_against(
        fn,
        reference,
        cases,
        mistakes,
        arg_names=("n", "B"),
        output_names=("ratio",),
        reference_name="the exact variance of every batch of an optlib model",
        advice="write the batch gradient's deviation as the mean of B per-example deviations "
        "that add up to zero over the data set, expand the square, and take the expectation "
        "of the diagonal and of the cross terms separately.",
    )


# --- The prediction: the variance at B = 32 on the chapter's line fit ---------------------------

#: The chapter's line fit: its data, its start point, the batch size of the prediction.
_LINE = {"n_samples": 256, "n_features": 1, "noise": 0.5, "seed": 0}
_START = (-1.0, -1.5)
_BATCH = 32
_DRAWS = 40_000


@functools.cache
def _measured_variance(
    batch_size: int = _BATCH, draws: int = _DRAWS
) -> float:
    """E‖g − ∇f‖² at the chapter's start point for shuffled batches of ``batch_size``, measured:
    ``draws`` batches from optlib's sampler (seeded), each batch's gradient the mean of the
    model's per-example gradients over its rows."""
    sample = data.linear(**_LINE)
    model = models.LinearRegression(sample.X, sample.y)
    theta = np.array(_START)
    singles = np.stack(
        [model.grad(theta, idx=[i]) for i in range(model.n_samples)]
    )
    batches = run.minibatches(
        model.n_samples, batch_size, "shuffle", np.random.default_rng(0)
    )
    rows = np.stack([next(batches) for _ in range(draws)])
    deviations = singles[rows].mean(axis=1) - model.grad(theta)
    return float(np.mean(np.sum(deviations**2, axis=1)))


@checker(
    formulas=(
        "(n-32)/(n-1)",
        "(n−32)/(n−1)",
        "(256-32)/255",
        "224/255",
        "sigma2/32*(n-32)",
    ),
    kind="prediction",
)
def check_variance_prediction(prediction: Any) -> CheckResult:
    r"""Check a prediction of :math:`\mathbb E\lVert g - \nabla f\rVert^2` for the chapter's line
    fit at its start point, with shuffled batches of 32 (without replacement, as the runner
    draws them), from :math:`\sigma^2` alone: :math:`\sigma^2/32\cdot(n - 32)/(n - 1)`.

    The experiment draws 40,000 batches from :func:`optlib.run.minibatches` (seeded) and
    measures the mean squared deviation of their gradients (Monte Carlo error about 0.6 %); a
    prediction within 5 % counts, which the with-replacement value :math:`\sigma^2/32`,
    14 % above, does not.

    Examples
    --------
    >>> check_variance_prediction(None).mistake
    'no_prediction'
    """
    return judge_prediction(
        prediction,
        _measured_variance,
        asks="a number: the mean of ‖g − ∇f‖² over shuffled batches of 32 at the start point",
        rtol=0.05,
        show_outcome=lambda outcome: (
            f"{outcome:.4g} (mean over {_DRAWS:,} seeded batches)"
        ),
        explanation="The runner's batches hold 32 different examples, so the variance is σ²/32 "
        "shrunk by the finite-population correction, a little below the with-replacement value.",
        hint="the runner draws each epoch's batches without replacement: which of the chapter's "
        "two variances describes it, and what is n here?",
    )
