r"""Exercise of the chapter on stochastic gradient descent: the mini-batch gradient of least
squares, checked against :func:`optlib.losses.mse_grad` chained through the batch's rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from optlib import losses
from optlib.exercises.engine import Case, CheckResult, Mistake, check_against

__all__ = ["check_minibatch_gradient"]


def _minibatch_gradient_reference(
    X: np.ndarray, y: np.ndarray, theta: np.ndarray, idx: np.ndarray
) -> np.ndarray:
    X_batch, y_batch = X[idx], y[idx]
    # The chain rule through ŷ = X_B θ: ∇_θ L = X_Bᵀ ∂L/∂ŷ, with ∂L/∂ŷ from optlib.losses.
    return X_batch.T @ losses.mse_grad(X_batch @ theta, y_batch)


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

    def data(n: int, d: int, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        X, theta = scale * rng.normal(size=(n, d)), scale * rng.normal(size=d)
        return X, scale**2 * rng.normal(size=n), theta

    # Whole numbers, so that X_B θ − y_B is exactly zero on the batch (and only there).
    X_fit, theta_fit = rng.integers(-3, 4, size=(6, 2)).astype(float), np.array([2.0, -1.0])
    y_fit = X_fit @ theta_fit + np.array([0.0, 1.0, 0.0, -2.0, 0.0, 3.0])
    cases = [
        Case((*data(8, 3), np.array([1, 4, 6])), "a batch of 3 of 8 rows"),
        Case((*data(8, 3), np.array([7, 0, 3, 5])), "a batch in no particular order"),
        Case((*data(8, 3), np.array([2])), "a batch of one row"),
        Case((*data(5, 2), np.arange(5)), "every row: the full batch"),
        Case((*data(8, 3), np.array([2, 5, 2])), "row 2 drawn twice (sampling with replacement)"),
        Case(
            (X_fit, y_fit, theta_fit, np.array([0, 2, 4])),
            "a batch the model fits exactly (zero gradient)",
        ),
        Case((*data(8, 3, scale=1e3), np.array([0, 3, 4, 6])), "large values"),
        Case((*data(20, 5), np.array([3, 9, 11, 14, 19])), "20 rows, 5 features, a batch of 5"),
    ]
    reference = _minibatch_gradient_reference
    mistakes = [
        Mistake(
            "divides_by_n",
            "You average over all n rows of X; the batch's loss is the mean "
            "over its |B| = len(idx) rows, so divide by |B|: (2/|B|)·X_Bᵀ(X_Bθ − y_B).",
            lambda X, y, theta, idx: reference(X, y, theta, idx) * len(idx) / len(X),
        ),
        Mistake(
            "all_rows",
            "Your gradient uses every row of X: that is the full-batch gradient. "
            "Use only the rows of the batch, X[idx] and y[idx].",
            lambda X, y, theta, idx: reference(X, y, theta, np.arange(len(X))),
        ),
        Mistake(
            "no_factor_2",
            "Your gradient is missing the factor 2: the derivative of "
            "(x·θ − y)² is 2(x·θ − y)·x, so ∇L = (2/|B|)·X_Bᵀ(X_Bθ − y_B).",
            lambda X, y, theta, idx: reference(X, y, theta, idx) / 2,
        ),
        Mistake(
            "sign",
            "Your gradient has the wrong sign: it is X_Bᵀ(X_Bθ − y_B) times 2/|B|, "
            "prediction minus target.",
            lambda X, y, theta, idx: -reference(X, y, theta, idx),
        ),
        Mistake(
            "sum_not_mean",
            "Yours is the gradient of the *sum* of squared errors over the "
            "batch; the loss is their mean, so divide by |B| = len(idx).",
            lambda X, y, theta, idx: reference(X, y, theta, idx) * len(idx),
        ),
        Mistake(
            "half_sum",
            "X_Bᵀ(X_Bθ − y_B) is the gradient of ½·Σ(x·θ − y)²; the mean squared "
            "error needs (2/|B|)·X_Bᵀ(X_Bθ − y_B).",
            lambda X, y, theta, idx: reference(X, y, theta, idx) * len(idx) / 2,
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
    )
