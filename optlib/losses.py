r"""Loss functions and their gradients, matching PyTorch's definitions in float64.

Every loss ``name(...)`` returns a float, the **mean** over examples as PyTorch's default
``reduction='mean'``, and ``name_grad(...)`` returns its gradient with respect to each
differentiable argument: one array, or a tuple in argument order when there are several.
Targets and labels are not differentiated.

The conventions are PyTorch's wherever PyTorch has the loss: BCE clamps each log at
:math:`-100`, BCE-with-logits and cross-entropy are computed in their overflow-free forms,
triplet adds :math:`10^{-6}` inside the distance. Focal follows torchvision and contrastive
follows Hadsell, Chopra & LeCun (2006); their docstrings say where our choice differs from
common code.

The models in :mod:`optlib.models` evaluate many parameter vectors at once and so need the
loss *per example*, averaged over the sample axis only; the ``*_per_example`` functions below
are that shared core, and each loss is their mean.

**Inputs at the edges.** Every loss and gradient checks its arguments first and raises
``ValueError`` naming them: arrays of another shape (nothing is broadcast), an empty batch
(PyTorch's mean over nothing is NaN, silently; here it is an error), entries that are not
numbers (strings, booleans, ``None``), labels outside their range (a binary label not 0 or 1,
a class index outside :math:`[0, C)` or not a whole number) and invalid settings. NaN in a
prediction gives NaN. An infinite logit gives the limit of BCE-with-logits and of the focal
loss, 0 or :math:`\infty` (PyTorch's own formula gives NaN at three of the four infinite
corners, its gradient is the limit too); elsewhere :math:`\pm\infty` gives what PyTorch
gives, :math:`\infty` or NaN. None of this warns.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from optlib.validation import (
    binary,
    check,
    check_number,
    finite_nonnegative,
    unit_interval,
)

__all__ = [
    "bce_with_logits_per_example",
    "bce_with_logits_per_example_grad",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
    "check_binary",
    "class_indices",
    "class_labels",
    "contrastive",
    "contrastive_grad",
    "cross_entropy",
    "cross_entropy_grad",
    "cross_entropy_per_example",
    "cross_entropy_per_example_grad",
    "focal",
    "focal_grad",
    "log_softmax",
    "mse",
    "mse_grad",
    "sigmoid",
    "softmax",
    "squared_error_per_example",
    "squared_error_per_example_grad",
    "triplet",
    "triplet_grad",
    "triplet_pieces",
]

LOG_CLAMP = (
    -100.0
)  # PyTorch's BCE clamps each log here, so BCE(0, 1) = 100, not inf
# PyTorch floors p(1 - p) in BCE's backward so that p = 0 or 1 stays finite; its constant is
# `constexpr float EPSILON = 1e-12` (aten/src/ATen/native/Loss.cpp), i.e. 1e-12 rounded to float32.
BCE_GRAD_FLOOR = float(np.float32(1e-12))
PAIRWISE_EPS = (
    1e-6  # PyTorch's pairwise_distance adds this to u - v before the norm
)


# --------------------------------------------------------------------------- stable helpers


def sigmoid(z: ArrayLike) -> np.ndarray:
    r"""Logistic function :math:`\sigma(z) = 1/(1 + e^{-z})`, without overflow.

    Only :math:`e^{-|z|} \le 1` is ever computed:
    :math:`\sigma(z) = 1/(1 + e^{-|z|})` for :math:`z \ge 0` and
    :math:`e^{-|z|}/(1 + e^{-|z|})` for :math:`z < 0`.
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def log_softmax(z: ArrayLike) -> np.ndarray:
    r"""Log-softmax over the last axis, :math:`z_c - \log\sum_k e^{z_k}`.

    Computed as :math:`(z_c - M) - \log\sum_k e^{z_k - M}` with :math:`M = \max_k z_k`,
    so every exponent is :math:`\le 0` and nothing overflows.
    """
    z = np.asarray(z, dtype=float)
    with np.errstate(
        over="ignore", invalid="ignore"
    ):  # a +∞ logit gives NaN, as PyTorch
        shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def softmax(z: ArrayLike) -> np.ndarray:
    r"""Softmax over the last axis, :math:`e^{z_c - M} / \sum_k e^{z_k - M}` with
    :math:`M = \max_k z_k`, so nothing overflows."""
    z = np.asarray(z, dtype=float)
    with np.errstate(
        over="ignore", invalid="ignore"
    ):  # a +∞ logit gives NaN, as PyTorch
        exponentials = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return exponentials / np.sum(exponentials, axis=-1, keepdims=True)


def _clamped_log(x: np.ndarray) -> np.ndarray:
    """``max(log x, -100)`` as PyTorch's BCE, without evaluating ``log 0``."""
    log_x = np.log(x, out=np.full_like(x, -np.inf), where=x > 0)
    return np.maximum(log_x, LOG_CLAMP)


def _mean(per_example: np.ndarray) -> float:
    """The mean, PyTorch's default reduction; inf, as there, when the sum overflows."""
    with np.errstate(over="ignore"):
        return float(np.mean(per_example))


def _times(weight: np.ndarray, value: np.ndarray) -> np.ndarray:
    """``weight * value``, and 0 where the weight is 0 even if the value is infinite: an entry
    weighted by nothing costs nothing (not ``0 * inf = nan``)."""
    return np.multiply(
        weight,
        value,
        out=np.zeros(np.broadcast(weight, value).shape),
        where=weight != 0,
    )


def _half_square(x: np.ndarray) -> np.ndarray:
    r""":math:`\tfrac12 x^2`, inf past float64's range (a distance of :math:`10^{160}`)."""
    with np.errstate(over="ignore"):
        return 0.5 * x**2


def _safe_divide(
    numerator: np.ndarray, denominator: np.ndarray
) -> np.ndarray:
    """``numerator / denominator``, and 0 where the denominator is 0 (torch's norm backward);
    NaN for inf / inf (no direction), without a warning."""
    with np.errstate(invalid="ignore"):
        return np.divide(
            numerator,
            denominator,
            out=np.zeros(np.broadcast(numerator, denominator).shape),
            where=denominator != 0,  # NaN stays NaN
        )


# ------------------------------------------------------------------------------- validation


def _numbers(name: str, values: ArrayLike) -> np.ndarray:
    """``values`` as a float array, once checked to hold numbers (NaN and ±inf included)."""
    message = f"{name} must be numbers, not booleans, strings or None; got {{value!r}}"
    check(
        message, values, lambda entries: np.ones(entries.shape, dtype=bool)
    )
    return np.asarray(values, dtype=float)


def _same_shape(
    first: ArrayLike, second: ArrayLike, names: tuple[str, str]
) -> tuple[np.ndarray, np.ndarray]:
    """Both arrays as floats, checked to hold numbers, to have one shape and not to be empty."""
    first, second = _numbers(names[0], first), _numbers(names[1], second)
    if first.shape != second.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same shape; "
            f"got {first.shape} and {second.shape}"
        )
    if first.size == 0:
        raise ValueError(f"an empty batch: {names[0]} has 0 entries")
    return first, second


def _rows(name: str, values: np.ndarray) -> None:
    """Raise ``ValueError`` for an empty batch: no rows to average over."""
    if values.shape[0] == 0:
        raise ValueError(f"an empty batch: {name} has 0 rows")


def _check_unit_interval(name: str, values: np.ndarray) -> None:
    check(
        f"{name} must lie in [0, 1]; got {{value!r}}", values, unit_interval
    )


def check_binary(name: str, values: ArrayLike) -> None:
    """Raise ``ValueError`` unless every entry of ``values`` (binary labels) is 0 or 1 (a
    number: ``True`` is not a label, as PyTorch, which refuses boolean targets)."""
    check(f"{name} must be 0 or 1; got {{value!r}}", values, binary)


INT64_BOUND = (
    2.0**63
)  # class labels are int64; a float label at or past this has no int64


def class_labels(classes: ArrayLike) -> np.ndarray:
    """Class labels as int64; floats are accepted when they are whole numbers. Booleans,
    strings and numbers with no int64 are refused (PyTorch refuses boolean targets too)."""
    check(
        "classes must be integer class labels; got {value!r}",
        classes,
        lambda labels: (
            (labels == np.round(labels)) & (np.abs(labels) < INT64_BOUND)
        ),
    )
    return np.asarray(classes).astype(np.int64)


def class_indices(classes: ArrayLike, n_classes: int) -> np.ndarray:
    """Integer class labels in ``[0, n_classes)``, as an int64 array (``ValueError`` otherwise)."""
    classes = class_labels(classes)
    out_of_range = classes[(classes < 0) | (classes >= n_classes)]
    if out_of_range.size:
        first = int(out_of_range.flat[0])
        raise ValueError(
            f"classes must be class indices in [0, {n_classes}); got {first}"
        )
    return classes


def _check_finite_non_negative(name: str, value: float) -> None:
    message = f"{name} must be finite and non-negative; got {{value!r}}"
    check_number(message, value, finite_nonnegative)


# ------------------------------------------ per-example losses (shared with optlib.models)


def squared_error_per_example(
    prediction: np.ndarray, target: np.ndarray
) -> np.ndarray:
    r""":math:`(\hat y - y)^2`; its derivative in :math:`\hat y` is :math:`2(\hat y - y)`."""
    with np.errstate(
        over="ignore", invalid="ignore"
    ):  # inf, or NaN for ∞ − ∞, as PyTorch
        return (prediction - target) ** 2


def squared_error_per_example_grad(
    prediction: np.ndarray, target: np.ndarray
) -> np.ndarray:
    r""":math:`\partial\ell/\partial\hat y = 2(\hat y - y)`, example by example."""
    with np.errstate(
        over="ignore", invalid="ignore"
    ):  # inf, or NaN for ∞ − ∞, as PyTorch
        return 2.0 * (prediction - target)


def bce_with_logits_per_example(
    logits: np.ndarray, targets: np.ndarray
) -> np.ndarray:
    r""":math:`\max(z, 0) - zy + \log(1 + e^{-|z|})`: no exponent is ever
    positive.

    At :math:`z = \pm\infty` the form reads :math:`\infty - \infty` or
    :math:`0\cdot\infty`; the loss there is its limit, 0 for the label the
    logit is sure of (:math:`y = 1` at :math:`+\infty`, :math:`y = 0` at
    :math:`-\infty`) and :math:`\infty` for any other.
    """
    with np.errstate(
        invalid="ignore"
    ):  # NaN at z = ±∞, replaced by the limit below
        loss = (
            np.maximum(logits, 0.0)
            - logits * targets
            + np.log1p(np.exp(-np.abs(logits)))
        )
    sure_and_right = targets == (logits > 0)
    return np.where(
        np.isinf(logits), np.where(sure_and_right, 0.0, np.inf), loss
    )


def bce_with_logits_per_example_grad(
    logits: np.ndarray, targets: np.ndarray
) -> np.ndarray:
    r""":math:`\partial\ell/\partial z = \sigma(z) - y`."""
    return sigmoid(logits) - targets


def cross_entropy_per_example(
    logits: np.ndarray, classes: np.ndarray
) -> np.ndarray:
    r""":math:`\log\sum_c e^{z_c} - z_y` along the last axis.

    ``logits`` has shape (..., C) and ``classes`` shape (...), so the leading axes may be
    samples and batches of parameter vectors alike.
    """
    classes = np.broadcast_to(
        classes, logits.shape[:-1]
    )  # one label row for many θ
    return -np.take_along_axis(
        log_softmax(logits), classes[..., None], axis=-1
    )[..., 0]


def cross_entropy_per_example_grad(
    logits: np.ndarray, classes: np.ndarray
) -> np.ndarray:
    r""":math:`\partial\ell/\partial z = \operatorname{softmax}(z) - e_y` (``e_y`` one-hot)."""
    one_hot = np.arange(logits.shape[-1]) == classes[..., None]
    return softmax(logits) - one_hot


# ----------------------------------------------------------------------------------- MSE


def mse(prediction: ArrayLike, target: ArrayLike) -> float:
    r"""Mean squared error, as ``torch.nn.functional.mse_loss``.

    .. math:: L = \frac{1}{N}\sum_{i=1}^{N} (\hat y_i - y_i)^2

    over all :math:`N` entries. No :math:`\tfrac12` in front (PyTorch's convention; many
    textbooks write :math:`\tfrac12` so that the gradient has no 2).

    Parameters
    ----------
    prediction, target : array_like
        Same shape, any shape.

    Returns
    -------
    float
    """
    prediction, target = _same_shape(
        prediction, target, ("prediction", "target")
    )
    return _mean(squared_error_per_example(prediction, target))


def mse_grad(prediction: ArrayLike, target: ArrayLike) -> np.ndarray:
    r"""Gradient of :func:`mse` in the prediction.

    .. math:: \frac{\partial L}{\partial \hat y_i} = \frac{2}{N}(\hat y_i - y_i)
    """
    prediction, target = _same_shape(
        prediction, target, ("prediction", "target")
    )
    return (
        squared_error_per_example_grad(prediction, target) / prediction.size
    )


# ----------------------------------------------------------------- binary cross-entropy


def binary_cross_entropy(
    probabilities: ArrayLike, targets: ArrayLike
) -> float:
    r"""Binary cross-entropy on probabilities, as ``torch.nn.functional.binary_cross_entropy``.

    .. math::
        L = -\frac{1}{N}\sum_{i=1}^{N}
            \bigl[y_i \max(\log p_i, -100) + (1 - y_i)\max(\log(1 - p_i), -100)\bigr]

    The clamp at :math:`-100` is PyTorch's: it keeps :math:`L` finite when :math:`p` is
    exactly 0 or 1, so that :math:`\mathrm{BCE}(p=0, y=1) = 100`.

    Parameters
    ----------
    probabilities : array_like
        :math:`p_i \in [0, 1]`, any shape.
    targets : array_like
        :math:`y_i \in [0, 1]` (soft labels allowed), same shape.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the shapes differ or a probability or target lies outside :math:`[0, 1]`.
    """
    p, y = _checked_probabilities(probabilities, targets)
    return -_mean(y * _clamped_log(p) + (1.0 - y) * _clamped_log(1.0 - p))


def binary_cross_entropy_grad(
    probabilities: ArrayLike, targets: ArrayLike
) -> np.ndarray:
    r"""Gradient of :func:`binary_cross_entropy` in the probabilities, as PyTorch's backward.

    .. math::
        \frac{\partial L}{\partial p_i}
        = \frac{1}{N}\Bigl(-\frac{y_i}{p_i} + \frac{1 - y_i}{1 - p_i}\Bigr)
        = \frac{1}{N}\,\frac{p_i - y_i}{\max\bigl(p_i(1 - p_i),\ \epsilon\bigr)}

    The floor :math:`\epsilon` is PyTorch's ``constexpr float EPSILON = 1e-12``
    (``aten/src/ATen/native/Loss.cpp``), so :math:`10^{-12}` rounded to float32,
    :math:`\epsilon = 9.99999996\ldots\times 10^{-13}`. At :math:`p \in \{0, 1\}` the gradient is
    large but finite (:math:`\mp 1/(N\epsilon) \approx \mp 10^{12}/N` when wrong, 0 when right).
    PyTorch does not differentiate the clamp of the loss: this is the unclamped derivative,
    floored.
    """
    p, y = _checked_probabilities(probabilities, targets)
    return (p - y) / np.maximum(p * (1.0 - p), BCE_GRAD_FLOOR) / p.size


def _checked_probabilities(
    probabilities: ArrayLike, targets: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    p, y = _same_shape(probabilities, targets, ("probabilities", "targets"))
    _check_unit_interval("probabilities", p)
    _check_unit_interval("targets", y)
    return p, y


def binary_cross_entropy_with_logits(
    logits: ArrayLike, targets: ArrayLike
) -> float:
    r"""Binary cross-entropy on logits, as ``torch.nn.functional.binary_cross_entropy_with_logits``.

    With :math:`p = \sigma(z)`, :math:`-[y\log p + (1-y)\log(1-p)] = \log(1 + e^{z}) - zy`,
    written without overflow as

    .. math:: L = \frac{1}{N}\sum_{i=1}^{N} \max(z_i, 0) - z_i y_i + \log\bigl(1 + e^{-|z_i|}\bigr).

    Computing :math:`\sigma(z)` first and then the BCE loses everything once
    :math:`\sigma(z)` rounds to 0 or 1 (:math:`|z| \gtrsim 37`); this form never does.

    Parameters
    ----------
    logits : array_like
        :math:`z_i`, any shape.
    targets : array_like
        :math:`y_i \in [0, 1]`, same shape.

    Returns
    -------
    float
    """
    z, y = _checked_logits(logits, targets)
    return _mean(bce_with_logits_per_example(z, y))


def binary_cross_entropy_with_logits_grad(
    logits: ArrayLike, targets: ArrayLike
) -> np.ndarray:
    r"""Gradient of :func:`binary_cross_entropy_with_logits` in the logits.

    From :math:`L_i = \log(1 + e^{z_i}) - z_i y_i`:
    :math:`\dfrac{\partial L}{\partial z_i} = \dfrac{1}{N}\bigl(\sigma(z_i) - y_i\bigr)`.
    """
    z, y = _checked_logits(logits, targets)
    return bce_with_logits_per_example_grad(z, y) / z.size


def _checked_logits(
    logits: ArrayLike, targets: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    z, y = _same_shape(logits, targets, ("logits", "targets"))
    _check_unit_interval("targets", y)
    return z, y


# --------------------------------------------------------------------------- cross-entropy


def cross_entropy(logits: ArrayLike, classes: ArrayLike) -> float:
    r"""Cross-entropy on logits with integer classes, as ``torch.nn.functional.cross_entropy``.

    .. math::
        L = \frac{1}{n}\sum_{i=1}^{n} \Bigl(\log\sum_{c=1}^{C} e^{z_{ic}} - z_{i y_i}\Bigr),

    the log-sum-exp computed with :math:`\max_c z_{ic}` subtracted (see :func:`log_softmax`).
    With all logits equal, :math:`L = \ln C`.

    Parameters
    ----------
    logits : array_like, shape (n, C)
    classes : array_like of int, shape (n,)
        :math:`y_i \in \{0, \dots, C - 1\}`.

    Returns
    -------
    float
    """
    z, y = _checked_classes(logits, classes)
    return _mean(cross_entropy_per_example(z, y))


def cross_entropy_grad(logits: ArrayLike, classes: ArrayLike) -> np.ndarray:
    r"""Gradient of :func:`cross_entropy` in the logits.

    :math:`\partial \log\sum_k e^{z_{ik}} / \partial z_{ic} = \operatorname{softmax}(z_i)_c`, so

    .. math::
        \frac{\partial L}{\partial z_{ic}}
        = \frac{1}{n}\bigl(\operatorname{softmax}(z_i)_c - [c = y_i]\bigr).

    Each row sums to zero.
    """
    z, y = _checked_classes(logits, classes)
    return cross_entropy_per_example_grad(z, y) / z.shape[0]


def _checked_classes(
    logits: ArrayLike, classes: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    z, y = _numbers("logits", logits), np.asarray(classes)
    if z.ndim != 2 or y.shape != z.shape[:1]:
        raise ValueError(
            f"logits must have shape (n, C) and classes shape (n,); got {z.shape} and {y.shape}"
        )
    _rows("logits", z)
    return z, class_indices(y, z.shape[1])


# ----------------------------------------------------------------------------------- focal


def focal(
    logits: ArrayLike,
    targets: ArrayLike,
    alpha: float = 0.25,
    gamma: float = 2.0,
) -> float:
    r"""Sigmoid focal loss (Lin et al. 2017), torchvision's ``sigmoid_focal_loss``, mean-reduced.

    .. math::
        L = \frac{1}{N}\sum_{i=1}^{N} \alpha_{t,i}\,(1 - p_{t,i})^{\gamma}\,\mathrm{CE}_i,
        \qquad p_t = \begin{cases} p & y = 1\\ 1 - p & y = 0\end{cases},\quad
        \alpha_t = \begin{cases} \alpha & y = 1\\ 1 - \alpha & y = 0\end{cases},

    with :math:`p = \sigma(z)` and :math:`\mathrm{CE} = -\log p_t` the BCE-with-logits of each
    entry. :math:`\alpha = 0.25` weights the *positives*; :math:`\gamma = 0, \alpha = 0.5` is half
    the BCE. At :math:`p_t = 0.9` and :math:`\gamma = 2` the factor :math:`(1 - p_t)^\gamma` is
    :math:`1/100`.

    torchvision's default reduction is ``'none'``; ours is the **mean** over all entries, as
    ``reduction='mean'`` there. We compute :math:`\mathrm{CE}` in the stable form of
    :func:`binary_cross_entropy_with_logits`, then :math:`p_t = e^{-\mathrm{CE}}` and
    :math:`1 - p_t = -\operatorname{expm1}(-\mathrm{CE})`, which keep full precision where
    :math:`\sigma(z)` rounds to 1.

    Parameters
    ----------
    logits : array_like
        :math:`z_i`, any shape.
    targets : array_like
        :math:`y_i \in \{0, 1\}`, same shape (the case split above needs hard labels).
    alpha : float
        Weight of the positives, in :math:`[0, 1]`. torchvision's ``alpha=-1`` (no weighting)
        is not an argument here; it equals ``2 * focal(..., alpha=0.5)``.
    gamma : float
        Focusing exponent, :math:`\ge 0`.

    Returns
    -------
    float

    References
    ----------
    T.-Y. Lin, P. Goyal, R. Girshick, K. He, P. Dollár, "Focal Loss for Dense Object
    Detection", ICCV 2017.
    """
    z, y = _checked_focal(logits, targets, alpha, gamma)
    ce = bce_with_logits_per_example(z, y)
    one_minus_p_t = -np.expm1(-ce)
    return _mean(_times(_alpha_t(y, alpha) * one_minus_p_t**gamma, ce))


def focal_grad(
    logits: ArrayLike,
    targets: ArrayLike,
    alpha: float = 0.25,
    gamma: float = 2.0,
) -> np.ndarray:
    r"""Gradient of :func:`focal` in the logits.

    Write :math:`s = 2y - 1 = \pm 1`, so :math:`p_t = \sigma(sz)`, :math:`\mathrm{CE} = -\log p_t`
    and :math:`q = 1 - p_t`. Then :math:`\partial p_t/\partial z = s\,p_t q`, hence
    :math:`\partial q/\partial z = -s\,p_t q` and :math:`\partial\mathrm{CE}/\partial z = -s\,q`.
    By the product rule on :math:`\alpha_t q^\gamma \mathrm{CE}`:

    .. math::
        \frac{\partial L}{\partial z_i}
        = \frac{\alpha_t}{N}
          \bigl[\gamma q^{\gamma-1}(-s\,p_t q)\,\mathrm{CE} + q^{\gamma}(-s\,q)\bigr]
        = -\frac{s\,\alpha_t}{N}\, q^{\gamma}\,\bigl(\gamma\,p_t\,\mathrm{CE} + q\bigr).

    The right-hand form has no :math:`q^{\gamma - 1}`, so it stays finite for
    :math:`0 < \gamma < 1` at saturated logits, where torch autograd on torchvision's formula
    multiplies :math:`0 \cdot \infty` and returns NaN. With :math:`\gamma = 0` it is
    :math:`\alpha_t(\sigma(z) - y)/N`, the weighted BCE gradient.
    """
    z, y = _checked_focal(logits, targets, alpha, gamma)
    ce = bce_with_logits_per_example(z, y)
    p_t, one_minus_p_t = np.exp(-ce), -np.expm1(-ce)
    sign = 2.0 * y - 1.0
    weight = -sign * _alpha_t(y, alpha) * one_minus_p_t**gamma
    return weight * (gamma * _times(p_t, ce) + one_minus_p_t) / z.size


def _alpha_t(targets: np.ndarray, alpha: float) -> np.ndarray:
    return alpha * targets + (1.0 - alpha) * (1.0 - targets)


def _checked_focal(
    logits: ArrayLike, targets: ArrayLike, alpha: float, gamma: float
) -> tuple[np.ndarray, np.ndarray]:
    z, y = _same_shape(logits, targets, ("logits", "targets"))
    check_binary("targets", y)
    check_number(
        "alpha must lie in [0, 1]; got {value!r}", alpha, unit_interval
    )
    _check_finite_non_negative("gamma", gamma)
    return z, y


# ----------------------------------------------------------------------------- contrastive


def contrastive(
    x1: ArrayLike, x2: ArrayLike, y: ArrayLike, margin: float = 1.0
) -> float:
    r"""Contrastive loss of Hadsell, Chopra & LeCun (2006), eq. 4, mean over pairs.

    .. math::
        L = \frac{1}{n}\sum_{i=1}^{n}
            (1 - Y_i)\,\tfrac12 D_i^2 + Y_i\,\tfrac12 \max(0,\ m - D_i)^2,
        \qquad D_i = \lVert x_{1,i} - x_{2,i}\rVert_2.

    **Convention: Y = 0 for a similar pair, Y = 1 for a dissimilar one**, as in the paper.
    Similar pairs are pulled together; dissimilar pairs are pushed apart until they are
    :math:`m` apart, and cost nothing beyond. Many codebases flip :math:`Y` and drop the
    :math:`\tfrac12`; PyTorch has no built-in contrastive loss. There is no
    :math:`10^{-6}` in :math:`D` (that is triplet's, from PyTorch).

    Parameters
    ----------
    x1, x2 : array_like, shape (n, k)
        The two embeddings of each pair.
    y : array_like, shape (n,)
        :math:`Y_i \in \{0, 1\}`: 0 similar, 1 dissimilar.
    margin : float
        :math:`m \ge 0`.

    Returns
    -------
    float

    References
    ----------
    R. Hadsell, S. Chopra, Y. LeCun, "Dimensionality Reduction by Learning an Invariant
    Mapping", CVPR 2006.
    """
    difference, y = _checked_pairs(x1, x2, y, margin)
    distance = _distance(difference)
    hinge = np.maximum(margin - distance, 0.0)
    return _mean(
        _times(1.0 - y, _half_square(distance))
        + _times(y, _half_square(hinge))
    )


def contrastive_grad(
    x1: ArrayLike, x2: ArrayLike, y: ArrayLike, margin: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradient of :func:`contrastive` in ``(x1, x2)``.

    With :math:`\partial D/\partial x_1 = (x_1 - x_2)/D`:

    .. math::
        \frac{\partial L}{\partial x_{1,i}}
        = \frac{1}{n}\Bigl[(1 - Y_i) - Y_i\,\frac{\max(0,\ m - D_i)}{D_i}\Bigr](x_{1,i} - x_{2,i}),
        \qquad \frac{\partial L}{\partial x_{2,i}} = -\frac{\partial L}{\partial x_{1,i}}.

    The code takes the dissimilar term as :math:`Y\max(0, m - D)` times the direction
    :math:`(x_1 - x_2)/D`, so that a large margin over a tiny distance does not overflow.

    **At** :math:`D = 0`: the similar term :math:`\tfrac12 D^2 = \tfrac12\lVert x_1 - x_2\rVert^2`
    is smooth with gradient :math:`x_1 - x_2 = 0`. The dissimilar term
    :math:`\tfrac12(m - D)^2` has a cone-shaped kink there (:math:`-mD`): no gradient exists and
    the Clarke subdifferential is the ball of radius :math:`m/n`. We return its smallest element,
    **0**, which is also what torch autograd gives for this expression written with
    ``torch.linalg.vector_norm`` (whose backward sets :math:`0/0` to 0). The hinge itself is
    smooth at :math:`D = m` (both one-sided derivatives vanish).
    """
    difference, y = _checked_pairs(x1, x2, y, margin)
    distance = _distance(difference)
    hinge = np.maximum(margin - distance, 0.0)
    direction = _safe_divide(
        difference, distance[:, None]
    )  # (x1 - x2)/D, 0 at D = 0
    similar = _times((1.0 - y)[:, None], difference)
    dissimilar = _times((y * hinge)[:, None], direction)
    d_x1 = (similar - dissimilar) / len(y)
    return d_x1, -d_x1


def _checked_pairs(
    x1: ArrayLike, x2: ArrayLike, y: ArrayLike, margin: float
) -> tuple[np.ndarray, np.ndarray]:
    x1, x2 = _numbers("x1", x1), _numbers("x2", x2)
    if x1.shape != x2.shape:
        raise ValueError(
            f"x1 and x2 must have the same shape; got {x1.shape} and {x2.shape}"
        )
    check_binary("y", y)
    y = np.asarray(y, dtype=float)
    if x1.ndim != 2 or y.shape != x1.shape[:1]:
        raise ValueError(
            f"x1, x2 must have shape (n, k) and y shape (n,); got {x1.shape} and {y.shape}"
        )
    _rows("x1", x1)
    _check_finite_non_negative("margin", margin)
    with np.errstate(
        over="ignore", invalid="ignore"
    ):  # inf past float64, NaN for ∞ − ∞
        return x1 - x2, y


def _distance(difference: np.ndarray) -> np.ndarray:
    """Each row's Euclidean norm; inf where it overflows."""
    with np.errstate(over="ignore"):
        return np.linalg.norm(difference, axis=-1)


# --------------------------------------------------------------------------------- triplet


def triplet(
    anchor: ArrayLike,
    positive: ArrayLike,
    negative: ArrayLike,
    margin: float = 1.0,
) -> float:
    r"""Triplet margin loss, as ``torch.nn.functional.triplet_margin_loss`` (p = 2, no swap).

    .. math::
        L = \frac{1}{n}\sum_{i=1}^{n} \max\bigl(d(a_i, p_i) - d(a_i, n_i) + m,\ 0\bigr),
        \qquad d(u, v) = \lVert u - v + 10^{-6}\,\mathbf 1\rVert_2,

    the :math:`10^{-6}` added to every coordinate of the difference as PyTorch's
    ``pairwise_distance``. On identical inputs :math:`d(a,p) = d(a,n)`, so :math:`L = m`.

    Parameters
    ----------
    anchor, positive, negative : array_like, shape (n, k)
    margin : float
        :math:`m > 0`; PyTorch rejects :math:`m \le 0` and so do we.

    Returns
    -------
    float

    References
    ----------
    F. Schroff, D. Kalenichenko, J. Philbin, "FaceNet", CVPR 2015;
    PyTorch ``torch.nn.TripletMarginLoss``.
    """
    return _mean(triplet_pieces(anchor, positive, negative, margin)[0])


def triplet_grad(
    anchor: ArrayLike,
    positive: ArrayLike,
    negative: ArrayLike,
    margin: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradient of :func:`triplet` in ``(anchor, positive, negative)``.

    With :math:`u = a - p + 10^{-6}`, :math:`v = a - n + 10^{-6}` and the hinge active
    (:math:`h_i = [\,d(a_i,p_i) - d(a_i,n_i) + m \ge 0\,]`, the :math:`\ge` of PyTorch's
    ``clamp_min`` backward):

    .. math::
        \frac{\partial L}{\partial a_i}
        = \frac{h_i}{n}\Bigl(\frac{u_i}{\lVert u_i\rVert} - \frac{v_i}{\lVert v_i\rVert}\Bigr),\quad
        \frac{\partial L}{\partial p_i} = -\frac{h_i}{n}\,\frac{u_i}{\lVert u_i\rVert},\quad
        \frac{\partial L}{\partial n_i} = \frac{h_i}{n}\,\frac{v_i}{\lVert v_i\rVert}.

    The :math:`10^{-6}` makes :math:`\lVert u\rVert = 0` need :math:`a - p = -10^{-6}` exactly;
    should it happen, :math:`u/\lVert u\rVert` is taken as 0, as torch's norm backward.
    """
    _, to_positive, to_negative, active = triplet_pieces(
        anchor, positive, negative, margin
    )
    weight = active[:, None] / len(active)
    d_positive = -weight * to_positive
    d_negative = weight * to_negative
    return -(d_positive + d_negative), d_positive, d_negative


def triplet_pieces(
    anchor: ArrayLike,
    positive: ArrayLike,
    negative: ArrayLike,
    margin: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What :func:`triplet` and :func:`triplet_grad` share: the per-triplet
    hinge :math:`\\max(d(a, p) - d(a, n) + m, 0)`, the unit vectors
    :math:`u/\\lVert u\rVert` and :math:`v/\\lVert v\rVert` (:math:`u = a - p
    + 10^{-6}`, :math:`v = a - n + 10^{-6}`), and the hinge's 0/1
    derivative."""
    anchor, positive, negative = _checked_triplets(
        anchor, positive, negative, margin
    )
    # An infinite embedding gives inf or NaN, exactly where PyTorch does,
    # without a warning.
    with np.errstate(over="ignore", invalid="ignore"):
        u, v = (
            anchor - positive + PAIRWISE_EPS,
            anchor - negative + PAIRWISE_EPS,
        )
        d_ap, d_an = np.linalg.norm(u, axis=-1), np.linalg.norm(v, axis=-1)
        before_hinge = (
            margin + d_ap - d_an
        )  # torch's order of operations, so ties match
        unit_u = _safe_divide(u, d_ap[:, None])
        unit_v = _safe_divide(v, d_an[:, None])
    return (
        np.maximum(before_hinge, 0.0),
        unit_u,
        unit_v,
        (before_hinge >= 0).astype(float),
    )


def _checked_triplets(
    anchor: ArrayLike,
    positive: ArrayLike,
    negative: ArrayLike,
    margin: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    anchor, positive, negative = (
        _numbers("anchor", anchor),
        _numbers("positive", positive),
        _numbers("negative", negative),
    )
    for name, other in (("positive", positive), ("negative", negative)):
        if other.shape != anchor.shape:
            raise ValueError(
                f"anchor and {name} must have the same shape; got {anchor.shape} and {other.shape}"
            )
    if anchor.ndim != 2:
        raise ValueError(
            f"anchor, positive, negative must have shape (n, k); got {anchor.shape}"
        )
    _rows("anchor", anchor)
    check_number(
        "margin must be greater than 0, got {value!r}",
        margin,
        lambda m: m > 0.0,
    )
    return anchor, positive, negative
