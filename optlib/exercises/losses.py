r"""Exercises of the chapter on losses, a ladder: implement the gradient of the mean squared
error, the binary cross-entropy on logits and the gradient of the cross-entropy (each checked
against :mod:`optlib.losses`, the last two also for their stability at large logits); derive the
focal loss's gradient without focusing (:math:`\gamma = 0`), checked on random settings against
:func:`optlib.losses.focal_grad`; and predict which loss rises most for a confidently wrong
prediction, before optlib computes the three."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from optlib import losses
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
    "check_bce_with_logits",
    "check_confident_mistakes",
    "check_cross_entropy_grad",
    "check_focal_without_focusing",
    "check_mse_grad",
]


def _zero(reference: Callable[..., Any]) -> Callable[..., Any]:
    """The reference's answer times zero: a gradient not written yet, as in a starter cell."""
    return lambda *args: 0.0 * np.asarray(reference(*args))


@checker(
    formulas=(
        "2*(prediction-target)/prediction.size",
        "2*(prediction-target)/N",
        "2*(p-y)/p.size",
        "2(ŷ−y)/N",
        "2(ŷᵢ−yᵢ)/N",
        "(2/N)(ŷ−y)",
    )
)
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
        Case(
            (rng.normal(size=(4, 3)), rng.normal(size=(4, 3))),
            "a 2-D batch, shape (4, 3)",
        ),
        Case((same, same.copy()), "predictions equal to the targets"),
        Case(
            (1e6 * rng.normal(size=5), 1e6 * rng.normal(size=5)),
            "large values",
        ),
        Case(
            (rng.normal(size=1), rng.normal(size=1)), "a single prediction"
        ),
    ]
    grad = losses.mse_grad
    mistakes = [
        Mistake(
            "no_gradient",
            "Not yet: your gradient is zero everywhere, so no prediction would ever move.",
            _zero(grad),
            hint="differentiate the chapter's loss with respect to one prediction: only one "
            "term of the mean depends on it.",
        ),
        Mistake(
            "no_factor_2",
            "Your gradient is half the right size.",
            lambda p, y: grad(p, y) / 2,
            hint="differentiate one square by the chain rule: where does a factor 2 come from?",
        ),
        Mistake(
            "sum_not_mean",
            "Yours is the gradient of the *sum* of squared errors, not of their mean.",
            lambda p, y: grad(p, y) * p.size,
            hint="the loss averages over the entries: how many are there?",
        ),
        Mistake(
            "half_sum",
            "Yours is the gradient of another loss: half the sum of squares, a convention "
            "this book does not use.",
            lambda p, y: grad(p, y) * p.size / 2,
            hint="the chapter's loss is a mean, with no ½ in front (PyTorch's convention): see "
            "its Conventions paragraph.",
        ),
        Mistake(
            "sign",
            "Your gradient has the wrong sign: it points downhill.",
            lambda p, y: -grad(p, y),
            hint="the residual is prediction minus target; a prediction above its target "
            "should get a positive gradient.",
        ),
        Mistake(
            "divides_by_rows",
            "Your average is over the rows only; the loss averages over every entry.",
            lambda p, y: grad(p, y) * p.size / len(p),
            hint="for a 2-D batch, len(prediction) counts the rows, not the entries.",
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
        advice="differentiate the loss with respect to one prediction, then check the factor "
        "in front and what the mean divides by.",
    )


@checker(
    formulas=(
        "log1p(exp(-abs(z)))",
        "log(1+exp(-abs(z)))",
        "max(z,0)-z*y+log",
        "max(z,0)−zy+log(1+e^(−|z|))",
        "log(1+e^{-|z|})",
        "log(1+e^{-|z_i|})",
    )
)
def check_bce_with_logits(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's binary cross-entropy on logits against
    :func:`optlib.losses.binary_cross_entropy_with_logits`, including its stability.

    .. math::
        L = -\frac1N\sum_{i=1}^N \bigl[y_i\log\sigma(z_i) + (1 - y_i)\log(1 - \sigma(z_i))\bigr]
          = \frac1N\sum_{i=1}^N \max(z_i, 0) - z_i y_i + \log\bigl(1 + e^{-|z_i|}\bigr).

    The cases include logits up to :math:`|z| = 1000`, where computing :math:`\sigma(z)` first
    and then its log overflows or rounds :math:`\log(1 - \sigma(z))` to :math:`\log 0`: such a
    function is diagnosed as ``"unstable"`` (the chapter's starter).

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
            (
                2 * rng.normal(size=5),
                rng.integers(0, 2, size=5).astype(float),
            ),
            "5 logits, labels 0 or 1",
        ),
        Case(
            (np.zeros(4), np.array([0.0, 1.0, 1.0, 0.0])), "all logits zero"
        ),
        Case(
            (
                2 * rng.normal(size=(3, 4)),
                rng.integers(0, 2, size=(3, 4)).astype(float),
            ),
            "a 2-D batch, shape (3, 4)",
        ),
        Case(
            (2 * rng.normal(size=5), rng.uniform(size=5)),
            "soft targets in [0, 1]",
        ),
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
            "Your loss uses the largest logit of the batch where each logit's own value "
            "belongs: np.max(z, 0) is a maximum along axis 0, not an entry-by-entry one.",
            max_of_all_logits,
            hint="NumPy's entry-by-entry maximum of two arrays is np.maximum(z, 0).",
        ),
        Mistake(
            "unstable",
            "Not yet: your loss is right for moderate logits but breaks down when |z| is "
            "large: σ(z) rounds to exactly 0 or 1 before its log is taken.",
            fails_only_on=large,
            hint="never form σ(z): rewrite the loss so that nothing you exponentiate is "
            "positive (the chapter's section on why BCE must be computed from logits).",
        ),
        Mistake(
            "sum_not_mean",
            "Your loss is the sum over the examples; the book's (and PyTorch's) default is "
            "their mean.",
            lambda z, y: bce(z, y) * z.size,
            hint="with twice the examples, the loss should stay the same size.",
        ),
        Mistake(
            "sign",
            "Your loss has the wrong sign: a cross-entropy is never negative.",
            lambda z, y: -bce(z, y),
            hint="the log of a probability is negative: check the sign in front.",
        ),
        Mistake(
            "labels_swapped",
            "You swapped the two labels: your loss is small where the model is wrong.",
            with_arg(bce, 1, lambda y: 1 - y),
            hint="a positive (y = 1) should pay for a low probability, a negative for a high one.",
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
        advice="start from the chapter's identity for one example's loss on a logit, then make "
        "it safe for large |z| without changing its value.",
    )


def _one_hot(classes: np.ndarray, n_classes: int) -> np.ndarray:
    return np.arange(n_classes) == classes[:, None]


def _cross_entropy_grad_over_columns(
    logits: np.ndarray, classes: np.ndarray
) -> np.ndarray:
    """The known mistake "wrong_axis": optlib's softmax over the examples (axis 0), not the
    classes, minus the one-hot targets, over n."""
    return (
        losses.softmax(logits.T).T - _one_hot(classes, logits.shape[1])
    ) / len(logits)


def _cross_entropy_grad_over_batch(
    logits: np.ndarray, classes: np.ndarray
) -> np.ndarray:
    """The known mistake "softmax_over_batch": optlib's softmax over every entry of the batch
    at once (a max and a sum without ``axis=``), minus the one-hot targets, over n."""
    softmax = losses.softmax(logits.ravel()).reshape(logits.shape)
    return (softmax - _one_hot(classes, logits.shape[1])) / len(logits)


def _cross_entropy_grad_batch_max(
    logits: np.ndarray, classes: np.ndarray
) -> np.ndarray:
    """The known mistake "global_max": each row's softmax shifted by the largest logit of the
    whole batch, not of the row: a row far below it underflows to 0/0."""
    exponentials = np.exp(logits - np.max(logits))
    softmax = exponentials / np.sum(exponentials, axis=1, keepdims=True)
    return (softmax - _one_hot(classes, logits.shape[1])) / len(logits)


@checker(
    formulas=(
        "(softmax-one_hot)/len(z)",
        "softmax(z)-one_hot",
        "softmax(z)−e_y",
        "softmax(z_i)−e_{y_i}",
        "softmax(z_i)_c−[c=y_i]",
        "[arange(n),classes]-=1",
    )
)
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
        Case(
            (rng.normal(size=(4, 3)), np.array([0, 2, 1, 1])),
            "4 examples, 3 classes",
        ),
        Case((np.zeros((3, 4)), np.array([0, 3, 1])), "equal logits"),
        Case((rng.normal(size=(1, 5)), np.array([2])), "one example"),
        Case(
            (rng.normal(size=(6, 2)), rng.integers(0, 2, size=6)),
            "two classes",
        ),
        Case(
            (8 * rng.normal(size=(5, 4)), rng.integers(0, 4, size=5)),
            "spread-out logits",
        ),
        Case(
            (
                np.array(
                    [
                        [1000.0, 999.0, 0.0],
                        [-1000.0, 0.0, 1000.0],
                        [5.0, 800.0, 2.0],
                    ]
                ),
                np.array([1, 0, 1]),
            ),
            "logits up to 1000",
            large,
        ),
        # e^(z − 801) is 0 in the rows below: only each row's own maximum keeps them finite.
        Case(
            (
                np.array(
                    [
                        [800.0, 801.0, 799.0],
                        [-800.0, -798.5, -801.0],
                        [0.5, -0.5, 0.0],
                    ]
                ),
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
            "You subtracted the maximum of the whole batch, not of each row: a row far below "
            "it underflows (all its exponentials are 0, and 0/0 is NaN).",
            _cross_entropy_grad_batch_max,
            hint="shift each row by its own largest logit (axis=1, keepdims=True).",
        ),
        Mistake(
            "unstable",
            "Your gradient is right for moderate logits but breaks down when they are large: "
            "the exponential overflows.",
            fails_only_on=large,
            hint="the softmax does not change when a whole row is shifted: subtract each row's "
            "maximum before exponentiating.",
        ),
        Mistake(
            "sum_not_mean",
            "Your gradient is not divided by n, the number of examples: the loss is the mean "
            "over the rows.",
            lambda z, c: grad(z, c) * len(z),
            hint="with twice the examples, each entry of the gradient should halve.",
        ),
        Mistake(
            "mean_over_entries",
            "You divide by n·C, every entry; the loss averages over the n examples only.",
            lambda z, c: grad(z, c) / z.shape[1],
            hint="the classes of one example are not averaged: its loss is one number.",
        ),
        Mistake(
            "sign",
            "Your gradient has the wrong sign: it pushes the true class down.",
            lambda z, c: -grad(z, c),
            hint="prediction minus target: the true class's entry should be negative.",
        ),
        Mistake(
            "no_one_hot",
            "Not yet: your gradient never pulls the true class up — every entry is positive: "
            "the target is missing.",
            lambda z, c: losses.softmax(z) / len(z),
            hint="differentiate the term of the true class too: it is the one-hot target's "
            "part of the gradient.",
        ),
        Mistake(
            "wrong_axis",
            "Your softmax normalises each column; it must normalise each row, over the classes.",
            _cross_entropy_grad_over_columns,
            hint="the probabilities of one example, one row, add up to 1 (axis=1).",
        ),
        Mistake(
            "softmax_over_batch",
            "Your softmax normalises over the whole batch at once (a sum without axis=); it "
            "must normalise each row, over the classes.",
            _cross_entropy_grad_over_batch,
            hint="sum each row on its own: np.sum(..., axis=1, keepdims=True).",
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
        advice="each row of the gradient should add up to zero: check the softmax of each "
        "row, the target, and what the mean divides by.",
    )


def _focal_grad_without_focusing(
    logits: np.ndarray, targets: np.ndarray, alpha: float
) -> np.ndarray:
    """optlib's focal-loss gradient at γ = 0, in the exercise's signature."""
    return losses.focal_grad(logits, targets, alpha=alpha, gamma=0.0)


@checker(
    formulas=(
        "alpha_t*(sigmoid(logits)-targets)",
        "alpha_t*(sigmoid(z)-y)",
        "α_t(σ(z)−y)",
        "α_t(σ(z_i)−y_i)",
        "alpha_t(\\sigma(z)-y)",
        "alpha_{t,i}(\\sigma(z_i)-y_i)",
    ),
    kind="derivation",
)
def check_focal_without_focusing(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's derivation of the focal loss's gradient at :math:`\gamma = 0` against
    :func:`optlib.losses.focal_grad` (torchvision's focal loss, differentiated).

    With :math:`\gamma = 0` the modulating factor is 1 and the focal loss is the
    :math:`\alpha_t`-weighted binary cross-entropy on logits, so its gradient is the BCE gradient
    weighted:

    .. math::
        \frac{\partial L_{\mathrm{FL}}}{\partial z_i}\Big|_{\gamma = 0}
        = \frac{\alpha_{t,i}}{N}\bigl(\sigma(z_i) - y_i\bigr), \qquad
        \alpha_t = \alpha \text{ for } y = 1,\ 1 - \alpha \text{ for } y = 0.

    Checked on 6 random settings (logits, labels and :math:`\alpha` from a seeded generator) and
    edge values (:math:`\alpha = 0`, :math:`\tfrac12`, 1; one class only; a 2-D batch), each
    against what optlib's focal gradient gives.

    Expected signature: ``fn(logits, targets, alpha) -> gradient`` shaped like ``logits``, with
    ``targets`` 0 or 1.

    Examples
    --------
    >>> import numpy as np
    >>> from optlib.losses import sigmoid
    >>> def my_focal_grad_gamma_0(logits, targets, alpha):
    ...     alpha_t = np.where(targets == 1, alpha, 1 - alpha)
    ...     return alpha_t * (sigmoid(logits) - targets) / logits.size
    >>> check_focal_without_focusing(my_focal_grad_gamma_0).passed
    True
    """
    rng = np.random.default_rng(15)

    def random_setting(
        size: int | tuple[int, int],
    ) -> tuple[np.ndarray, np.ndarray, float]:
        logits = 3 * rng.normal(size=size)
        return (
            logits,
            rng.integers(0, 2, size=size).astype(float),
            float(rng.uniform(0.05, 0.95)),
        )

    cases = [
        *(
            Case(
                random_setting(int(size)),
                f"random setting {k} of 6",
                "random settings",
            )
            for k, size in enumerate(rng.integers(3, 9, size=6), 1)
        ),
        Case(
            (rng.normal(size=4), np.array([1.0, 0.0, 0.0, 1.0]), 0.5),
            "α = 1/2",
        ),
        Case(
            (rng.normal(size=4), np.array([1.0, 0.0, 1.0, 0.0]), 0.0),
            "α = 0",
        ),
        Case(
            (rng.normal(size=4), np.array([0.0, 1.0, 1.0, 0.0]), 1.0),
            "α = 1",
        ),
        Case((rng.normal(size=5), np.zeros(5), 0.25), "negatives only"),
        Case((rng.normal(size=5), np.ones(5), 0.25), "positives only"),
        Case(
            (
                np.array([-30.0, 30.0, 12.0, -12.0, 0.5, -0.5]),
                np.array([1.0, 0.0, 1.0, 0.0, 0.0, 1.0]),
                0.25,
            ),
            "confidently wrong and right logits",
        ),
        Case(
            (
                2 * rng.normal(size=(3, 4)),
                rng.integers(0, 2, size=(3, 4)).astype(float),
                0.3,
            ),
            "a 2-D batch, shape (3, 4)",
        ),
    ]
    reference = _focal_grad_without_focusing
    bce_grad = losses.binary_cross_entropy_with_logits_grad
    mistakes = [
        Mistake(
            "no_gradient",
            "Not yet: your gradient is zero everywhere, so no logit would ever move.",
            _zero(reference),
            hint="set γ = 0 in the focal loss first: which factor becomes 1, and which loss "
            "of the chapter is left?",
        ),
        Mistake(
            "no_alpha",
            "Your gradient is the plain cross-entropy's: the class weight is missing.",
            lambda z, y, alpha: bce_grad(z, y),
            hint="at γ = 0 one factor of the focal loss becomes 1, but not both of them.",
        ),
        Mistake(
            "alpha_swapped",
            "Your class weights are the wrong way round: each class gets the other's weight.",
            with_arg(reference, 2, lambda alpha: 1 - alpha),
            hint="look again at which class α weights in the chapter's definition of α_t.",
        ),
        Mistake(
            "alpha_for_all",
            "Your gradient weights every example by α: the negatives have a weight of their own.",
            lambda z, y, alpha: alpha * bce_grad(z, y),
            hint="α_t depends on the label of each example.",
        ),
        Mistake(
            "still_focusing",
            "Your gradient still focuses: it shrinks the well-classified examples, as at γ = 1.",
            lambda z, y, alpha: losses.focal_grad(
                z, y, alpha=alpha, gamma=1.0
            ),
            hint="any number to the power 0 is 1, and a term multiplied by γ vanishes.",
        ),
        Mistake(
            "sign",
            "Your gradient has the wrong sign: it pushes each logit away from its label.",
            lambda z, y, alpha: -reference(z, y, alpha),
            hint="for a positive (y = 1) the loss falls as its logit rises.",
        ),
        Mistake(
            "sum_not_mean",
            "Yours is the gradient of the sum over the examples, not of their mean.",
            lambda z, y, alpha: reference(z, y, alpha) * z.size,
            hint="the focal loss, like the BCE, averages over the N entries.",
        ),
    ]
    return check_against(
        fn,
        reference,
        cases,
        mistakes,
        arg_names=("logits", "targets", "alpha"),
        output_names=("gradient",),
        reference_name="optlib.losses.focal_grad at γ = 0",
        advice="set γ = 0 in the chapter's focal-loss gradient and simplify it for y = 1 and "
        "y = 0 separately; the two cases should become one expression.",
    )


#: The three losses of the prediction: one positive example scored at a logit z.
_CONFIDENT_LOSSES: dict[str, Callable[[float], float]] = {
    "bce": lambda z: losses.binary_cross_entropy_with_logits([z], [1.0]),
    "focal": lambda z: losses.focal([z], [1.0], alpha=0.25, gamma=2.0),
    "mse": lambda z: losses.mse(losses.sigmoid([z]), [1.0]),
}


@functools.cache
def _rises(start: float = -5.0, end: float = -50.0) -> dict[str, float]:
    """How much each loss of a positive rises as its logit goes from ``start`` to ``end``."""
    return {
        name: float(loss(end) - loss(start))
        for name, loss in _CONFIDENT_LOSSES.items()
    }


def _largest_rise() -> str:
    """The experiment: the loss that rises most, computed with optlib.losses."""
    rises = _rises()
    return max(rises, key=rises.__getitem__)


def _show_rises(outcome: str) -> str:
    rises = _rises()
    return (
        f"'{outcome}': BCE on logits rises by {rises['bce']:.3g}, the focal loss by "
        f"{rises['focal']:.3g}, the squared error on σ(z) by {rises['mse']:.2g}"
    )


@checker(
    formulas=("≈α|z|", "alpha*|z|", "0.25|z|", "alpha|z|", "≈0.25·|z|"),
    kind="prediction",
)
def check_confident_mistakes(prediction: Any) -> CheckResult:
    r"""Check a prediction: a positive example (:math:`y = 1`) is scored ever more confidently
    wrong, its logit going from :math:`z = -5` to :math:`z = -50`. Which loss rises most:
    ``"bce"`` (BCE on logits), ``"focal"`` (:math:`\alpha = 0.25`, :math:`\gamma = 2`) or
    ``"mse"`` (the squared error on :math:`\sigma(z)`)?

    The experiment computes the three with :mod:`optlib.losses`. Far on the wrong side BCE grows
    like :math:`|z|`, the focal loss like :math:`\alpha|z|` (its modulating factor tends to 1)
    and the squared error on :math:`\sigma(z)` stays below 1.

    Examples
    --------
    >>> check_confident_mistakes(None).mistake
    'no_prediction'
    >>> check_confident_mistakes("bce").passed
    True
    """
    return judge_prediction(
        prediction,
        _largest_rise,
        asks='one of "bce", "focal" or "mse"',
        choices=tuple(_CONFIDENT_LOSSES),
        show_outcome=_show_rises,
        explanation="Far on the wrong side the cross-entropy grows in proportion to the logit, "
        "the focal loss a quarter as fast (α = 0.25 weights the positives, and its modulating "
        "factor is close to 1 for a hard example), while the squared error on a probability "
        "can never exceed 1.",
        hint="picture each loss far on the wrong side: which of them are bounded, which grow "
        "without bound, and which factor multiplies the growth?",
    )
