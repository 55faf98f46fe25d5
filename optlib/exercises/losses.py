r"""Exercises of the chapter on losses: the gradient of the mean squared error, the binary
cross-entropy on logits, and the gradient of the cross-entropy, each checked against
:mod:`optlib.losses` (the last two also for their stability at large logits)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from optlib import losses
from optlib.exercises.engine import Case, CheckResult, Mistake, check_against

__all__ = ["check_bce_with_logits", "check_cross_entropy_grad", "check_mse_grad"]


def check_mse_grad(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's gradient of the mean squared error against
    :func:`optlib.losses.mse_grad`.

    .. math::
        L = \frac1N\sum_{i=1}^N (\hat y_i - y_i)^2, \qquad
        \frac{\partial L}{\partial \hat y_i} = \frac2N(\hat y_i - y_i),

    with :math:`N` the number of *entries* (``prediction.size``), as PyTorch's ``mse_loss``.

    Expected signature: ``fn(prediction, target) -> gradient`` shaped like ``prediction``.

    Examples
    --------
    >>> def my_mse_grad(prediction, target):
    ...     return 2 * (prediction - target) / prediction.size
    >>> check_mse_grad(my_mse_grad).passed
    True
    >>> check_mse_grad(lambda prediction, target: (prediction - target) / target.size).mistake
    'no_factor_2'
    """
    rng = np.random.default_rng(1)
    same = rng.normal(size=4)
    cases = [
        Case((rng.normal(size=5), rng.normal(size=5)), "5 predictions"),
        Case((rng.normal(size=(4, 3)), rng.normal(size=(4, 3))), "a 2-D batch, shape (4, 3)"),
        Case((same, same.copy()), "predictions equal to the targets"),
        Case((1e6 * rng.normal(size=5), 1e6 * rng.normal(size=5)), "large values"),
        Case((rng.normal(size=1), rng.normal(size=1)), "a single prediction"),
    ]
    grad = losses.mse_grad
    mistakes = [
        Mistake(
            "no_factor_2",
            "Your gradient is missing the factor 2: the derivative of "
            "(ŷ − y)² is 2(ŷ − y), so ∂L/∂ŷᵢ = 2(ŷᵢ − yᵢ)/N.",
            lambda p, y: grad(p, y) / 2,
        ),
        Mistake(
            "sum_not_mean",
            "Yours is the gradient of the *sum* of squared errors; the loss is "
            "the mean, so divide by N, the number of entries.",
            lambda p, y: grad(p, y) * p.size,
        ),
        Mistake(
            "half_sum",
            "(ŷ − y) is the gradient of ½·Σ(ŷ − y)²; the mean squared error needs 2(ŷ − y)/N.",
            lambda p, y: grad(p, y) * p.size / 2,
        ),
        Mistake(
            "sign",
            "Your gradient has the wrong sign: it is 2(ŷ − y)/N, prediction minus target.",
            lambda p, y: grad(y, p),
        ),
        Mistake(
            "divides_by_rows",
            "You divide by the number of rows, len(prediction); the mean "
            "is over all N = prediction.size entries.",
            lambda p, y: grad(p, y) * p.size / len(p),
        ),
    ]
    return check_against(
        fn,
        grad,
        cases,
        mistakes,
        arg_names=("prediction", "target"),
        output_names=("gradient",),
        reference_name="optlib.losses.mse_grad",
    )


def check_bce_with_logits(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's binary cross-entropy on logits against
    :func:`optlib.losses.binary_cross_entropy_with_logits`, including its stability.

    .. math::
        L = -\frac1N\sum_{i=1}^N \bigl[y_i\log\sigma(z_i) + (1 - y_i)\log(1 - \sigma(z_i))\bigr]
          = \frac1N\sum_{i=1}^N \max(z_i, 0) - z_i y_i + \log\bigl(1 + e^{-|z_i|}\bigr).

    The cases include logits up to :math:`|z| = 1000`, where computing :math:`\sigma(z)` first
    and then its log overflows or rounds :math:`\log(1 - \sigma(z))` to :math:`\log 0`: such a
    function is diagnosed as ``"unstable"``.

    Expected signature: ``fn(logits, targets) -> mean loss`` (one number).

    Examples
    --------
    >>> import numpy as np
    >>> def my_bce_with_logits(logits, targets):
    ...     return np.mean(np.logaddexp(0, logits) - logits * targets)
    >>> check_bce_with_logits(my_bce_with_logits).passed
    True
    """
    rng = np.random.default_rng(2)
    large = "large logits"
    cases = [
        Case(
            (2 * rng.normal(size=5), rng.integers(0, 2, size=5).astype(float)),
            "5 logits, labels 0 or 1",
        ),
        Case((np.zeros(4), np.array([0.0, 1.0, 1.0, 0.0])), "all logits zero"),
        Case(
            (2 * rng.normal(size=(3, 4)), rng.integers(0, 2, size=(3, 4)).astype(float)),
            "a 2-D batch, shape (3, 4)",
        ),
        Case((2 * rng.normal(size=5), rng.uniform(size=5)), "soft targets in [0, 1]"),
        Case(
            (
                np.array([36.0, -33.0, 35.5, -38.0, 34.0, 30.0]),
                np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0]),
            ),
            "logits near ±35, where σ(z) rounds to 0 or 1",
            large,
        ),
        Case(
            (
                np.array([1000.0, -1000.0, 800.0, -750.0, 1000.0, 3.0]),
                np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0]),
            ),
            "logits up to ±1000",
            large,
        ),
    ]
    bce = losses.binary_cross_entropy_with_logits

    def max_of_all_logits(z: np.ndarray, y: np.ndarray) -> Any:
        """The stable form with np.max(z, 0), the largest logit (along axis 0), for max(z, 0)."""
        return bce(z, y) + np.mean(np.max(z, 0) - np.maximum(z, 0))

    mistakes = [
        Mistake(
            "np_max_not_maximum",
            "np.max(z, 0) is the largest logit (the maximum along "
            "axis 0), not max(zᵢ, 0) for each logit: use np.maximum(z, 0), entry by entry.",
            max_of_all_logits,
        ),
        Mistake(
            "unstable",
            "Your loss is right for moderate logits but breaks down when |z| is "
            "large: computing σ(z) and then log σ(z) overflows, or rounds 1 − σ(z) to 0. Use "
            "the stable form max(z, 0) − z·y + log(1 + e^(−|z|)).",
            fails_only_on=large,
        ),
        Mistake(
            "sum_not_mean",
            "Your loss is the sum over the examples; the book's (and "
            "PyTorch's) default is the mean: divide by N.",
            lambda z, y: bce(z, y) * z.size,
        ),
        Mistake(
            "sign",
            "Your loss has the wrong sign: BCE is −[y·log p + (1 − y)·log(1 − p)], a number ≥ 0.",
            lambda z, y: -bce(z, y),
        ),
        Mistake(
            "labels_swapped",
            "You swapped y and 1 − y: log p is the term of the positives "
            "(y = 1), log(1 − p) that of the negatives.",
            lambda z, y: bce(z, 1 - y),
        ),
    ]
    return check_against(
        fn,
        bce,
        cases,
        mistakes,
        arg_names=("logits", "targets"),
        output_names=("loss",),
        reference_name="optlib.losses.binary_cross_entropy_with_logits",
    )


def _one_hot(classes: np.ndarray, n_classes: int) -> np.ndarray:
    return np.arange(n_classes) == classes[:, None]


def _cross_entropy_grad_over_columns(logits: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """The known mistake "wrong_axis": optlib's softmax over the examples (axis 0), not the
    classes, minus the one-hot targets, over n."""
    return (losses.softmax(logits.T).T - _one_hot(classes, logits.shape[1])) / len(logits)


def _cross_entropy_grad_over_batch(logits: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """The known mistake "softmax_over_batch": optlib's softmax over every entry of the batch
    at once (a max and a sum without ``axis=``), minus the one-hot targets, over n."""
    softmax = losses.softmax(logits.ravel()).reshape(logits.shape)
    return (softmax - _one_hot(classes, logits.shape[1])) / len(logits)


def _cross_entropy_grad_batch_max(logits: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """The known mistake "global_max": each row's softmax shifted by the largest logit of the
    whole batch, not of the row: a row far below it underflows to 0/0."""
    exponentials = np.exp(logits - np.max(logits))
    softmax = exponentials / np.sum(exponentials, axis=1, keepdims=True)
    return (softmax - _one_hot(classes, logits.shape[1])) / len(logits)


def check_cross_entropy_grad(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's gradient of the mean cross-entropy against
    :func:`optlib.losses.cross_entropy_grad`, including its stability.

    .. math::
        L = \frac1n\sum_{i=1}^n \Bigl(\log\sum_{c} e^{z_{ic}} - z_{i y_i}\Bigr), \qquad
        \frac{\partial L}{\partial z_{ic}} = \frac1n\bigl(\operatorname{softmax}(z_i)_c
        - [c = y_i]\bigr).

    The cases include logits up to 1000, where :math:`e^{z}` overflows unless each row's
    maximum is subtracted first (``"unstable"``), and a batch with one row near +800 and the
    others far below, where subtracting the maximum of the whole batch leaves the low rows
    0/0 (``"global_max"``).

    Expected signature: ``fn(logits, classes) -> gradient`` with ``logits`` of shape (n, C),
    ``classes`` integers of shape (n,), and the gradient of shape (n, C).

    Examples
    --------
    >>> import numpy as np
    >>> def my_cross_entropy_grad(logits, classes):
    ...     p = np.exp(logits - logits.max(axis=1, keepdims=True))
    ...     p /= p.sum(axis=1, keepdims=True)
    ...     p[np.arange(len(classes)), classes] -= 1
    ...     return p / len(classes)
    >>> check_cross_entropy_grad(my_cross_entropy_grad).passed
    True
    """
    rng = np.random.default_rng(3)
    large = "large logits"
    cases = [
        Case((rng.normal(size=(4, 3)), np.array([0, 2, 1, 1])), "4 examples, 3 classes"),
        Case((np.zeros((3, 4)), np.array([0, 3, 1])), "equal logits"),
        Case((rng.normal(size=(1, 5)), np.array([2])), "one example"),
        Case((rng.normal(size=(6, 2)), rng.integers(0, 2, size=6)), "two classes"),
        Case((8 * rng.normal(size=(5, 4)), rng.integers(0, 4, size=5)), "spread-out logits"),
        Case(
            (
                np.array([[1000.0, 999.0, 0.0], [-1000.0, 0.0, 1000.0], [5.0, 800.0, 2.0]]),
                np.array([1, 0, 1]),
            ),
            "logits up to 1000",
            large,
        ),
        # e^(z − 801) is 0 in the rows below: only each row's own maximum keeps them finite.
        Case(
            (
                np.array([[800.0, 801.0, 799.0], [-800.0, -798.5, -801.0], [0.5, -0.5, 0.0]]),
                np.array([1, 0, 2]),
            ),
            "one row near +800, the others far below",
            large,
        ),
    ]
    grad = losses.cross_entropy_grad
    mistakes = [
        # Before "unstable": this softmax breaks down only on large logits too.
        Mistake(
            "global_max",
            "You subtracted the maximum of the whole batch, not of each row: "
            "the low row underflows (e^(z − max) is 0 for all of its entries, and 0/0 is "
            "NaN). Subtract each row's maximum: z.max(axis=1, keepdims=True).",
            _cross_entropy_grad_batch_max,
        ),
        Mistake(
            "unstable",
            "Your gradient is right for moderate logits but breaks down when they "
            "are large: e^z overflows. Subtract each row's maximum before exponentiating; "
            "softmax(z) = softmax(z − max z).",
            fails_only_on=large,
        ),
        Mistake(
            "sum_not_mean",
            "Your gradient is not divided by n, the number of examples: the "
            "loss is the mean over the rows.",
            lambda z, c: grad(z, c) * len(z),
        ),
        Mistake(
            "mean_over_entries",
            "You divide by n·C, every entry; the loss averages over the "
            "n examples only, so divide by n.",
            lambda z, c: grad(z, c) / z.shape[1],
        ),
        Mistake(
            "sign",
            "Your gradient has the wrong sign: it is (softmax(z) − one-hot(y)) / n.",
            lambda z, c: -grad(z, c),
        ),
        Mistake(
            "no_one_hot",
            "You forgot to subtract the one-hot target: ∂L/∂z = (softmax(z) − one-hot(y)) / n.",
            lambda z, c: losses.softmax(z) / len(z),
        ),
        Mistake(
            "wrong_axis",
            "Your softmax normalises each column; it must normalise each row, "
            "over the classes (axis=1).",
            _cross_entropy_grad_over_columns,
        ),
        Mistake(
            "softmax_over_batch",
            "Your softmax normalises over the whole batch at once (a "
            "sum without axis=); it must normalise each row, over the classes: "
            "np.sum(..., axis=1, keepdims=True).",
            _cross_entropy_grad_over_batch,
        ),
    ]
    return check_against(
        fn,
        grad,
        cases,
        mistakes,
        arg_names=("logits", "classes"),
        output_names=("gradient",),
        reference_name="optlib.losses.cross_entropy_grad",
    )
