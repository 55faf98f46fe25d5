r"""Models as objectives: the loss of a flat parameter vector θ on a data set, and its gradient.

Every optimizer in the book works on one flat float64 vector :math:`\theta` of length
``dim``. A model here turns a data set :math:`(X, y)` into the objective

.. math:: L(\theta) = \frac{1}{|B|}\sum_{i \in B} \ell\bigl(f_\theta(x_i),\ y_i\bigr),

the mean over a mini-batch :math:`B` of rows (all rows when ``idx`` is ``None``), so the mean
of per-example gradients is exactly the full-batch gradient. The per-example losses
:math:`\ell` are those of :mod:`optlib.losses`.

The protocol (the runner ``optlib.minimize`` relies on it):

- ``n_samples``, ``dim``;
- ``value(theta, idx=None)``, ``grad(theta, idx=None)``, ``value_and_grad(theta, idx=None)``;
- ``init_params(seed=0)`` and ``predict(theta, X)``.

``theta`` may carry leading batch axes, shape ``(..., dim)``: every model evaluates all those
parameter vectors in one call (matrix products broadcast over the leading axes), and then
``value`` has shape ``theta.shape[:-1]`` and ``grad`` the shape of ``theta``. For a single
vector ``value`` is a float.

A model checks its data once, when it is made: ``X`` and ``y`` real and finite, one label per
row, labels of the model's kind (0 or 1; class indices below ``n_classes``). A bad entry is
named by its index, ``"y must be finite; y[4] is nan"``, so a NaN in the data is never a run
that "diverged at step 1". ``predict`` and ``accuracy`` check their ``X`` and ``y`` the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from numpy.typing import ArrayLike

from optlib.losses import (
    bce_with_logits_per_example,
    bce_with_logits_per_example_grad,
    cross_entropy_per_example,
    cross_entropy_per_example_grad,
    sigmoid,
    softmax,
    squared_error_per_example,
    squared_error_per_example_grad,
)
from optlib.validation import check_whole, real_array, refuse_first

__all__ = [
    "MLP",
    "LinearRegression",
    "LogisticRegression",
    "SoftmaxRegression",
]


class _Objective:
    """Shared plumbing: checks of X, θ and ``idx``; ``value``/``grad`` from the subclass's
    ``_loss`` and ``_loss_and_grad``, which see only the selected rows."""

    dim: int

    def __init__(self, X: ArrayLike, y: ArrayLike) -> None:
        X = _real("X", X)
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(
                f"X must have shape (n, d) with n >= 1; got {X.shape}"
            )
        refuse_first("X must be finite", "X", X, ~np.isfinite(X))
        self.X, self.y = X, _checked_targets(y, len(X))
        self.n_samples, self.n_features = X.shape

    def value(
        self, theta: ArrayLike, idx: ArrayLike | None = None
    ) -> float | np.ndarray:
        """Mean loss over the rows ``idx`` (all rows if ``None``); shape ``theta.shape[:-1]``."""
        X, y = self._rows(idx)
        return _float_if_scalar(self._loss(self._checked_theta(theta), X, y))

    def grad(
        self, theta: ArrayLike, idx: ArrayLike | None = None
    ) -> np.ndarray:
        """Gradient of :meth:`value` in θ, shaped like ``theta``."""
        return self.value_and_grad(theta, idx)[1]

    def value_and_grad(
        self, theta: ArrayLike, idx: ArrayLike | None = None
    ) -> tuple[float | np.ndarray, np.ndarray]:
        """``(value(theta, idx), grad(theta, idx))`` from one forward and one backward pass."""
        X, y = self._rows(idx)
        loss, gradient = self._loss_and_grad(
            self._checked_theta(theta), X, y
        )
        return _float_if_scalar(loss), gradient

    def init_params(self, seed: int = 0) -> np.ndarray:
        """Zeros: the convex models need no symmetry breaking (``seed`` is unused)."""
        _check_seed(seed)
        return np.zeros(self.dim)

    def _rows(self, idx: ArrayLike | None) -> tuple[np.ndarray, np.ndarray]:
        if idx is None:
            return self.X, self.y
        idx = np.asarray(idx)
        if (
            idx.ndim != 1
            or idx.size == 0
            or not np.issubdtype(idx.dtype, np.integer)
        ):
            raise ValueError(
                f"idx must be a non-empty 1-d integer array; got dtype {idx.dtype}, "
                f"shape {idx.shape}"
            )
        outside = idx[(idx < 0) | (idx >= self.n_samples)]
        if outside.size:
            raise ValueError(
                f"idx out of range [0, {self.n_samples}): {int(outside[0])}"
            )
        return self.X[idx], self.y[idx]

    def _checked_theta(self, theta: ArrayLike) -> np.ndarray:
        theta = _real("theta", theta)
        if theta.ndim == 0 or theta.shape[-1] != self.dim:
            raise ValueError(
                f"theta must have shape (..., {self.dim}); got {theta.shape}"
            )
        return theta

    def _checked_features(
        self, X: ArrayLike, rows_needed: int = 0
    ) -> np.ndarray:
        X = _real("X", X)
        if (
            X.ndim != 2
            or X.shape[1] != self.n_features
            or len(X) < rows_needed
        ):
            raise ValueError(
                f"X must have shape (m, {self.n_features})"
                f"{f' with m >= {rows_needed}' if rows_needed else ''}; got {X.shape}"
            )
        refuse_first("X must be finite", "X", X, ~np.isfinite(X))
        return X

    def _loss(
        self, theta: np.ndarray, X: np.ndarray, y: np.ndarray
    ) -> np.ndarray:
        return self._loss_and_grad(theta, X, y)[0]

    def _loss_and_grad(
        self, theta: np.ndarray, X: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError


def _float_if_scalar(value: np.ndarray) -> float | np.ndarray:
    return float(value) if np.ndim(value) == 0 else value


def _real(name: str, values: ArrayLike) -> np.ndarray:
    """``values`` as a float64 array, or a ``TypeError`` naming them if they are not real
    numbers."""
    return real_array(
        f"{name} must be an array of real numbers", values
    ).astype(float, copy=False)


def _checked_targets(y: ArrayLike, rows: int) -> np.ndarray:
    """Targets (or labels) as floats, one per row of X, finite."""
    y = _real("y", y)
    if y.shape != (rows,):
        raise ValueError(
            f"y must have shape ({rows},) to match X; got {y.shape}"
        )
    refuse_first("y must be finite", "y", y, ~np.isfinite(y))
    return y


def _checked_binary(y: ArrayLike, rows: int) -> np.ndarray:
    """Binary labels, 0 or 1, as floats."""
    y = _checked_targets(y, rows)
    refuse_first(
        "y must be 0 or 1 (binary labels)", "y", y, (y != 0) & (y != 1)
    )
    return y


def _checked_classes(
    y: ArrayLike, rows: int, n_classes: int | None
) -> tuple[np.ndarray, int]:
    """Class labels as int64, and the number of classes :math:`C` (``max(y) + 1`` unless
    given), at least 2; every label an integer in :math:`[0, C)`."""
    y = _checked_targets(y, rows)
    refuse_first(
        "y must be class labels, integers >= 0",
        "y",
        y,
        (y < 0) | (y != np.round(y)),
    )
    if n_classes is None:
        n_classes = int(np.max(y)) + 1
        if n_classes < 2:
            raise ValueError(
                "y holds class 0 only; pass n_classes >= 2, the number of classes"
            )
    check_whole(
        "n_classes must be an integer >= 2; got {value!r}", n_classes, 2
    )
    refuse_first(
        f"y must be class labels in [0, {n_classes}) (n_classes = {n_classes})",
        "y",
        y,
        y >= n_classes,
    )
    return y.astype(np.int64), int(n_classes)


def _check_seed(seed: int) -> None:
    check_whole("seed must be an integer >= 0; got {value!r}", seed, 0)


def _accuracy(
    probabilities: np.ndarray, classes: np.ndarray
) -> float | np.ndarray:
    return _float_if_scalar(
        np.mean(np.argmax(probabilities, axis=-1) == classes, axis=-1)
    )


# ------------------------------------------------------------------------- linear models


class _LinearScoreModel(_Objective):
    r"""Models with one score per row, :math:`s_i = x_i^\top w + b`, :math:`\theta = (w, b)`.

    With :math:`\ell'_i = \partial\ell/\partial s_i` the chain rule gives
    :math:`\nabla_w L = \frac{1}{|B|}\sum_i \ell'_i x_i` and
    :math:`\partial L/\partial b = \frac{1}{|B|}\sum_i \ell'_i`.
    """

    def __init__(self, X: ArrayLike, y: ArrayLike) -> None:
        super().__init__(X, y)
        self.dim = self.n_features + 1

    def _scores(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        weights, bias = theta[..., :-1], theta[..., -1:]
        return weights @ X.T + bias  # (..., m)

    def _loss(
        self, theta: np.ndarray, X: np.ndarray, y: np.ndarray
    ) -> np.ndarray:
        return np.mean(
            self._per_example_loss(self._scores(theta, X), y), axis=-1
        )

    def _loss_and_grad(
        self, theta: np.ndarray, X: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        scores = self._scores(theta, X)
        loss = np.mean(self._per_example_loss(scores, y), axis=-1)
        d_scores = self._per_example_loss_grad(scores, y) / len(y)  # ∂L/∂s_i
        gradient = np.concatenate(
            [d_scores @ X, np.sum(d_scores, axis=-1, keepdims=True)], -1
        )
        return loss, gradient

    @staticmethod
    def _per_example_loss(scores: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def _per_example_loss_grad(
        scores: np.ndarray, y: np.ndarray
    ) -> np.ndarray:
        raise NotImplementedError


class LinearRegression(_LinearScoreModel):
    r"""Least squares: :math:`\hat y = Xw + b` and
    :math:`L(\theta) = \frac{1}{|B|}\sum_{i\in B}(\hat y_i - y_i)^2`.

    PyTorch's MSE convention, as :func:`optlib.losses.mse`: **no** :math:`\tfrac12`, so
    :math:`\nabla_w L = \frac{2}{|B|} X_B^\top(\hat y_B - y_B)`. θ is :math:`(w_1, \dots, w_d, b)`.

    Parameters
    ----------
    X : array_like, shape (n, d)
    y : array_like, shape (n,)
        Real targets.
    """

    _per_example_loss = staticmethod(squared_error_per_example)
    _per_example_loss_grad = staticmethod(squared_error_per_example_grad)

    def predict(self, theta: ArrayLike, X: ArrayLike) -> np.ndarray:
        r""":math:`\hat y = Xw + b`, shape ``theta.shape[:-1] + (m,)``."""
        return self._scores(
            self._checked_theta(theta), self._checked_features(X)
        )


class LogisticRegression(_LinearScoreModel):
    r"""Binary logistic regression: logits :math:`z = Xw + b`, BCE-with-logits loss.

    :math:`L(\theta) = \frac{1}{|B|}\sum_{i\in B}\max(z_i, 0) - z_i y_i + \log(1 + e^{-|z_i|})`
    and :math:`\nabla_w L = \frac{1}{|B|} X_B^\top(\sigma(z_B) - y_B)`; at :math:`\theta = 0`,
    :math:`L = \ln 2`. θ is :math:`(w_1, \dots, w_d, b)`.

    Parameters
    ----------
    X : array_like, shape (n, d)
    y : array_like, shape (n,)
        Labels in :math:`\{0, 1\}`.
    """

    _per_example_loss = staticmethod(bce_with_logits_per_example)
    _per_example_loss_grad = staticmethod(bce_with_logits_per_example_grad)

    def __init__(self, X: ArrayLike, y: ArrayLike) -> None:
        super().__init__(X, y)
        self.y = _checked_binary(self.y, self.n_samples)

    def predict(self, theta: ArrayLike, X: ArrayLike) -> np.ndarray:
        r""":math:`P(y = 1 \mid x) = \sigma(x^\top w + b)`, shape ``theta.shape[:-1] + (m,)``."""
        return sigmoid(
            self._scores(
                self._checked_theta(theta), self._checked_features(X)
            )
        )

    def accuracy(
        self, theta: ArrayLike, X: ArrayLike, y: ArrayLike
    ) -> float | np.ndarray:
        """Fraction of rows where :math:`[\\sigma(z) > 1/2]` equals the label; ``y`` holds one
        label, 0 or 1, per row of ``X`` (at least one)."""
        X = self._checked_features(X, rows_needed=1)
        y = _checked_binary(y, len(X))
        return _float_if_scalar(
            np.mean((self.predict(theta, X) > 0.5) == y, axis=-1)
        )


class SoftmaxRegression(_Objective):
    r"""Multinomial logistic regression: logits :math:`Z = XW + b`, cross-entropy loss.

    .. math::
        L(\theta) = \frac{1}{|B|}\sum_{i\in B} \log\sum_c e^{Z_{ic}} - Z_{i y_i},\qquad
        \nabla_W L = X_B^\top G,\quad \nabla_b L = \mathbf 1^\top G,\quad
        G = \tfrac{1}{|B|}\bigl(\operatorname{softmax}(Z_B) - Y_B\bigr),

    :math:`Y` the one-hot labels. At :math:`\theta = 0`, :math:`L = \ln C`.
    θ is :math:`W` (d × C, row-major) followed by :math:`b` (C).

    Parameters
    ----------
    X : array_like, shape (n, d)
    y : array_like of int, shape (n,)
        Labels in :math:`\{0, \dots, C-1\}`.
    n_classes : int, optional
        :math:`C`; default ``max(y) + 1``.
    """

    def __init__(
        self, X: ArrayLike, y: ArrayLike, n_classes: int | None = None
    ) -> None:
        super().__init__(X, y)
        self.y, self.n_classes = _checked_classes(
            self.y, self.n_samples, n_classes
        )
        self.dim = (self.n_features + 1) * self.n_classes

    def unpack(self, theta: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """``(W, b)``, views into θ of shapes ``(..., d, C)`` and ``(..., C)``."""
        theta = self._checked_theta(theta)
        d, C = self.n_features, self.n_classes
        return theta[..., : d * C].reshape((*theta.shape[:-1], d, C)), theta[
            ..., d * C :
        ]

    def _logits(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        W, b = self.unpack(theta)
        return X @ W + b[..., None, :]  # (..., m, C)

    def _loss(
        self, theta: np.ndarray, X: np.ndarray, y: np.ndarray
    ) -> np.ndarray:
        return np.mean(
            cross_entropy_per_example(self._logits(theta, X), y), axis=-1
        )

    def _loss_and_grad(
        self, theta: np.ndarray, X: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        logits = self._logits(theta, X)
        loss = np.mean(cross_entropy_per_example(logits, y), axis=-1)
        G = cross_entropy_per_example_grad(logits, y) / len(y)  # ∂L/∂Z
        dW, db = X.T @ G, np.sum(G, axis=-2)
        return loss, np.concatenate([_flatten_matrix(dW), db], axis=-1)

    def predict(self, theta: ArrayLike, X: ArrayLike) -> np.ndarray:
        """Class probabilities :math:`\\operatorname{softmax}(XW + b)`, shape ``(..., m, C)``."""
        return softmax(
            self._logits(
                self._checked_theta(theta), self._checked_features(X)
            )
        )

    def accuracy(
        self, theta: ArrayLike, X: ArrayLike, y: ArrayLike
    ) -> float | np.ndarray:
        """Fraction of rows whose most probable class is the label; ``y`` holds one class label
        in :math:`[0, C)` per row of ``X`` (at least one)."""
        X = self._checked_features(X, rows_needed=1)
        classes, _ = _checked_classes(y, len(X), self.n_classes)
        return _accuracy(self.predict(theta, X), classes)


def _flatten_matrix(matrix: np.ndarray) -> np.ndarray:
    """(..., p, q) → (..., p·q), row-major: the layout of W inside θ."""
    return matrix.reshape((*matrix.shape[:-2], -1))


def _transpose(matrix: np.ndarray) -> np.ndarray:
    """Transpose of the last two axes, the leading (batch) axes untouched."""
    return np.swapaxes(matrix, -1, -2)


# ------------------------------------------------------------------------------------ MLP


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


# φ' written in terms of the layer's output a = φ(z), which the forward pass keeps anyway:
# tanh' = 1 − a², relu' = [a > 0] (0 at z = 0, as torch's relu backward).
_ACTIVATIONS = {
    "tanh": (np.tanh, lambda a: 1.0 - a**2),
    "relu": (_relu, lambda a: (a > 0).astype(float)),
}


class MLP(_Objective):
    r"""Multilayer perceptron classifier: hidden layers with tanh or ReLU, softmax cross-entropy.

    With :math:`a_0 = X`, hidden layers :math:`z_k = a_{k-1} W_k + b_k`,
    :math:`a_k = \phi(z_k)` for :math:`k = 1, \dots, K`, and logits
    :math:`z_{K+1} = a_K W_{K+1} + b_{K+1}`, the loss is the mean cross-entropy of
    :math:`z_{K+1}` against the labels. Backpropagation is the chain rule read backward from
    :math:`\delta_{K+1} = \partial L/\partial z_{K+1} = (\operatorname{softmax}(z_{K+1}) - Y)/|B|`:

    .. math::
        \nabla_{W_k} L = a_{k-1}^\top \delta_k,\qquad
        \nabla_{b_k} L = \mathbf 1^\top \delta_k,\qquad
        \delta_{k-1} = (\delta_k W_k^\top) \odot \phi'(z_{k-1}).

    θ holds, layer after layer, :math:`W_k` (fan_in × fan_out, row-major) then :math:`b_k`.

    Parameters
    ----------
    X : array_like, shape (n, d)
    y : array_like of int, shape (n,)
        Labels in :math:`\{0, \dots, C-1\}`.
    hidden : sequence of int
        Widths of the hidden layers; ``()`` leaves softmax regression.
    activation : {"tanh", "relu"}
        :math:`\phi`.
    n_classes : int, optional
        :math:`C`; default ``max(y) + 1``.
    """

    def __init__(
        self,
        X: ArrayLike,
        y: ArrayLike,
        hidden: Sequence[int] = (32,),
        activation: str = "tanh",
        n_classes: int | None = None,
    ) -> None:
        super().__init__(X, y)
        self.y, self.n_classes = _checked_classes(
            self.y, self.n_samples, n_classes
        )
        if not (isinstance(activation, str) and activation in _ACTIVATIONS):
            raise ValueError(
                f"activation must be 'tanh' or 'relu'; got {activation!r}"
            )
        if isinstance(hidden, str) or not isinstance(
            hidden, (Sequence, np.ndarray)
        ):
            raise TypeError(
                f"hidden must be a sequence of layer widths, e.g. (32,); got {hidden!r}"
            )
        for width in hidden:  # True is not a width of 1
            check_whole(
                "hidden layer widths must be positive integers; got {value}",
                width,
                1,
            )
        self.hidden, self.activation = (
            tuple(int(width) for width in hidden),
            activation,
        )
        self._phi, self._phi_derivative = _ACTIVATIONS[activation]
        self.layer_sizes = (self.n_features, *self.hidden, self.n_classes)
        self.layer_shapes = list(pairwise(self.layer_sizes))
        self.dim = sum(
            fan_in * fan_out + fan_out
            for fan_in, fan_out in self.layer_shapes
        )

    def unpack(
        self, theta: ArrayLike
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[(W_1, b_1), …, (W_{K+1}, b_{K+1})]``, views into θ (for a contiguous θ), with
        shapes ``(..., fan_in, fan_out)`` and ``(..., fan_out)``."""
        theta = self._checked_theta(theta)
        batch_shape, layers, start = theta.shape[:-1], [], 0
        for fan_in, fan_out in self.layer_shapes:
            W = theta[..., start : start + fan_in * fan_out].reshape(
                (*batch_shape, fan_in, fan_out)
            )
            start += fan_in * fan_out
            layers.append((W, theta[..., start : start + fan_out]))
            start += fan_out
        return layers

    def init_params(self, seed: int = 0) -> np.ndarray:
        r"""Uniform scaled init, biases 0: Glorot for tanh, He for ReLU.

        :math:`W_k \sim U(-r, r)` with :math:`r = \sqrt{6/(\text{fan\_in} + \text{fan\_out})}`
        (Glorot & Bengio 2010) for tanh and :math:`r = \sqrt{6/\text{fan\_in}}` (He et al. 2015)
        for ReLU, so activations keep their variance from layer to layer.

        References
        ----------
        X. Glorot, Y. Bengio, "Understanding the difficulty of training deep feedforward neural
        networks", AISTATS 2010. K. He, X. Zhang, S. Ren, J. Sun, "Delving Deep into
        Rectifiers", ICCV 2015.
        """
        _check_seed(seed)
        rng = np.random.default_rng(seed)
        pieces = []
        for fan_in, fan_out in self.layer_shapes:
            fan = fan_in + fan_out if self.activation == "tanh" else fan_in
            r = np.sqrt(6.0 / fan)
            pieces += [
                rng.uniform(-r, r, fan_in * fan_out),
                np.zeros(fan_out),
            ]
        return np.concatenate(pieces)

    def _forward(
        self, layers: list[tuple[np.ndarray, np.ndarray]], X: np.ndarray
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """The logits, and the input :math:`a_{k-1}` of every layer (kept for backprop)."""
        a, inputs = X, []
        for k, (W, b) in enumerate(layers, start=1):
            inputs.append(a)
            z = a @ W + b[..., None, :]  # z_k = a_{k-1} W_k + b_k
            a = (
                z if k == len(layers) else self._phi(z)
            )  # a_k = φ(z_k); the last z is the logits
        return a, inputs

    def _loss(
        self, theta: np.ndarray, X: np.ndarray, y: np.ndarray
    ) -> np.ndarray:
        logits, _ = self._forward(self.unpack(theta), X)
        return np.mean(cross_entropy_per_example(logits, y), axis=-1)

    def _loss_and_grad(
        self, theta: np.ndarray, X: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        layers = self.unpack(theta)
        logits, inputs = self._forward(layers, X)
        loss = np.mean(cross_entropy_per_example(logits, y), axis=-1)
        delta = cross_entropy_per_example_grad(logits, y) / len(
            y
        )  # δ_{K+1} = ∂L/∂z_{K+1}
        gradients: list[np.ndarray] = []
        for k in reversed(
            range(len(layers))
        ):  # layers[k] is layer k + 1; inputs[0] is X
            W, a_previous = layers[k][0], inputs[k]
            gradients[:0] = [
                _flatten_matrix(
                    _transpose(a_previous) @ delta
                ),  # ∇W_k = a_{k-1}ᵀ δ_k
                np.sum(delta, axis=-2),  # ∇b_k = 1ᵀ δ_k
            ]
            if k > 0:
                delta = (delta @ _transpose(W)) * self._phi_derivative(
                    a_previous
                )  # δ_{k-1}
        return loss, np.concatenate(gradients, axis=-1)

    def predict(self, theta: ArrayLike, X: ArrayLike) -> np.ndarray:
        """Class probabilities, shape ``theta.shape[:-1] + (m, C)``."""
        layers = self.unpack(theta)
        logits, _ = self._forward(layers, self._checked_features(X))
        return softmax(logits)

    def accuracy(
        self, theta: ArrayLike, X: ArrayLike, y: ArrayLike
    ) -> float | np.ndarray:
        """Fraction of rows whose most probable class is the label; ``y`` holds one class label
        in :math:`[0, C)` per row of ``X`` (at least one)."""
        X = self._checked_features(X, rows_needed=1)
        classes, _ = _checked_classes(y, len(X), self.n_classes)
        return _accuracy(self.predict(theta, X), classes)
