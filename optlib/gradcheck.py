r"""Finite differences: the independent check of every analytic gradient in the book.

The central difference

.. math::
    \frac{\partial f}{\partial x_i} \approx \frac{f(x + h_i e_i) - f(x - h_i e_i)}{2 h_i},
    \qquad h_i = h\,(1 + |x_i|),

has error :math:`O(h^2)`, so with :math:`h = 10^{-6}` it agrees with a correct float64
gradient to about :math:`10^{-9}` relative; a wrong sign or a missing factor shows at once.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["numerical_grad", "numerical_hessian", "relative_error"]


def numerical_grad(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6
) -> np.ndarray:
    r"""Central-difference gradient of a scalar function ``f`` at ``x`` (any shape).

    Returns an array shaped like ``x`` whose entry ``i`` is
    :math:`(f(x + h_i e_i) - f(x - h_i e_i)) / (2 h_i)` with :math:`h_i = h(1 + |x_i|)`.
    """
    x = np.array(x, dtype=float)
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        step = h * (1.0 + abs(x[i]))
        forward, backward = x.copy(), x.copy()
        forward[i] += step
        backward[i] -= step
        grad[i] = (float(f(forward)) - float(f(backward))) / (2.0 * step)
    return grad


def numerical_hessian(
    grad: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = 1e-6
) -> np.ndarray:
    r"""Central-difference Hessian from an analytic gradient: column ``j`` is
    :math:`(\nabla f(x + h_j e_j) - \nabla f(x - h_j e_j)) / (2 h_j)`.

    For ``x`` of shape ``(d,)`` the result has shape ``(d, d)``.
    """
    x = np.array(x, dtype=float)
    d = x.size
    hessian = np.empty((d, d))
    for j in range(d):
        step = h * (1.0 + abs(x.flat[j]))
        forward, backward = x.copy(), x.copy()
        forward.flat[j] += step
        backward.flat[j] -= step
        hessian[:, j] = (
            np.ravel(grad(forward)) - np.ravel(grad(backward))
        ) / (2.0 * step)
    return hessian


def relative_error(actual: np.ndarray, expected: np.ndarray) -> float:
    r"""Largest entrywise :math:`|a - e| / \max(1, |e|)`: absolute near zero, relative elsewhere."""
    actual, expected = (
        np.asarray(actual, dtype=float),
        np.asarray(expected, dtype=float),
    )
    return float(
        np.max(
            np.abs(actual - expected) / np.maximum(1.0, np.abs(expected)),
            initial=0.0,
        )
    )
