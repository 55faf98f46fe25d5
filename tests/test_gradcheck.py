"""Finite differences, checked on functions whose derivatives are known by hand."""

from __future__ import annotations

import numpy as np

from optlib.gradcheck import numerical_grad, numerical_hessian, relative_error


def cubic(x: np.ndarray) -> float:
    """f(x, y) = x³y + 2y²: ∇f = (3x²y, x³ + 4y), H = [[6xy, 3x²], [3x², 4]]."""
    return x[0] ** 3 * x[1] + 2 * x[1] ** 2


def cubic_grad(x: np.ndarray) -> np.ndarray:
    return np.array([3 * x[0] ** 2 * x[1], x[0] ** 3 + 4 * x[1]])


def test_numerical_grad_of_a_cubic():
    x = np.array([1.3, -0.7])
    assert relative_error(numerical_grad(cubic, x), cubic_grad(x)) < 1e-8


def test_numerical_hessian_of_a_cubic():
    x = np.array([1.3, -0.7])
    expected = np.array([[6 * 1.3 * -0.7, 3 * 1.3**2], [3 * 1.3**2, 4.0]])
    assert relative_error(numerical_hessian(cubic_grad, x), expected) < 1e-8


def test_numerical_grad_keeps_shape_and_detects_a_wrong_sign():
    x = np.arange(6.0).reshape(2, 3)
    grad = numerical_grad(lambda z: float(np.sum(z**2)), x)
    assert grad.shape == (2, 3)
    assert relative_error(grad, 2 * x) < 1e-8
    assert relative_error(grad, -2 * x) > 1.0


def test_relative_error_is_absolute_near_zero_and_relative_far_away():
    assert relative_error(np.array([1e-12]), np.array([0.0])) == 1e-12
    assert relative_error(np.array([1001.0]), np.array([1000.0])) == 1e-3
    assert relative_error(np.array([]), np.array([])) == 0.0
