"""Tests for optlib.functions: derivatives against finite differences, values by hand,
minima checked on grids, and the quadratic factories' algebra."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optlib import functions
from optlib.gradcheck import numerical_grad, numerical_hessian, relative_error

QUADRATICS = (
    functions.quadratic_bowl(10.0, angle=0.3, scale=2.0),
    functions.quadratic([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]], [1.0, -2.0, 0.5], 4.0),
    functions.quadratic(2.0, 1.0, 0.5, name="parabola"),
)
EVERY_FUNCTION = (*functions.ALL, *QUADRATICS)


def ids(objective: functions.Objective) -> str:
    return objective.name


def points_in_box(objective: functions.Objective, count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    low, high = np.array(objective.box).T
    return rng.uniform(low, high, size=(count, objective.dim))


# --- derivatives --------------------------------------------------------------------------


@pytest.mark.parametrize("objective", EVERY_FUNCTION, ids=ids)
def test_grad_matches_finite_differences(objective: functions.Objective) -> None:
    for x in points_in_box(objective, 6, seed=1):
        expected = numerical_grad(objective.value, x)
        # relative to the gradient's size: Beale's corners reach |g| ~ 1e6
        scale = max(1.0, float(np.max(np.abs(expected))))
        assert relative_error(objective.grad(x) / scale, expected / scale) < 1e-6


@pytest.mark.parametrize("objective", EVERY_FUNCTION, ids=ids)
def test_hess_matches_finite_differences(objective: functions.Objective) -> None:
    for x in points_in_box(objective, 6, seed=2):
        expected = numerical_hessian(objective.grad, x)
        scale = max(1.0, float(np.max(np.abs(expected))))
        assert relative_error(objective.hess(x) / scale, expected / scale) < 1e-6


@pytest.mark.parametrize("objective", EVERY_FUNCTION, ids=ids)
def test_hessian_is_symmetric(objective: functions.Objective) -> None:
    H = objective.hess(points_in_box(objective, 10, seed=3))
    np.testing.assert_array_equal(H, np.swapaxes(H, -1, -2))


@pytest.mark.parametrize("objective", EVERY_FUNCTION, ids=ids)
def test_batch_equals_point_by_point(objective: functions.Objective) -> None:
    batch = points_in_box(objective, 15, seed=4).reshape(5, 3, objective.dim)
    values, grads, hessians = objective.value(batch), objective.grad(batch), objective.hess(batch)
    d = objective.dim
    assert values.shape == (5, 3) and grads.shape == (5, 3, d) and hessians.shape == (5, 3, d, d)
    for index in np.ndindex(5, 3):
        # einsum and matmul may sum in another order for a batch: equal up to round-off
        point = batch[index]
        np.testing.assert_allclose(values[index], objective.value(point), rtol=1e-14)
        np.testing.assert_allclose(grads[index], objective.grad(point), rtol=1e-14, atol=1e-14)
        np.testing.assert_array_equal(hessians[index], objective.hess(point))
    single = batch[0, 0]
    assert objective.value(single).shape == ()
    assert objective.grad(single).shape == (d,)
    assert objective.hess(single).shape == (d, d)
    assert objective(single) == objective.value(single)


@pytest.mark.parametrize("objective", EVERY_FUNCTION, ids=ids)
def test_wrong_last_axis_is_a_value_error(objective: functions.Objective) -> None:
    wrong = np.zeros((4, objective.dim + 1))
    for method in (objective.value, objective.grad, objective.hess):
        with pytest.raises(ValueError, match=rf"x must have shape \(\.\.\., {objective.dim}\)"):
            method(wrong)


def test_one_dimensional_input_hint() -> None:
    parabola = functions.quadratic(2.0)
    with pytest.raises(ValueError, match=r"x\[\.\.\., None\]"):
        parabola.value(np.linspace(-1, 1, 5))


# --- values by hand ---------------------------------------------------------------------


def test_known_values() -> None:
    f = functions
    assert f.rosenbrock.value([1.0, 1.0]) == 0.0
    assert f.rosenbrock.value([0.0, 0.0]) == 1.0
    assert f.rosenbrock.value([-1.0, 2.0]) == 4.0 + 100.0  # (1+1)^2 + 100 (2-1)^2
    assert f.beale.value([3.0, 0.5]) == 0.0
    assert f.beale.value([0.0, 0.0]) == 1.5**2 + 2.25**2 + 2.625**2
    assert f.booth.value([1.0, 3.0]) == 0.0
    assert f.booth.value([0.0, 0.0]) == 74.0
    for minimum in f.himmelblau.minima:
        assert f.himmelblau.value(minimum) == pytest.approx(0.0, abs=1e-20)
    assert f.himmelblau.value([0.0, 0.0]) == 121.0 + 49.0
    assert f.rastrigin.value([0.0, 0.0]) == 0.0
    # integers: cos(2 pi k) = 1, so f = sum k^2
    assert f.rastrigin.value([1.0, -2.0]) == pytest.approx(5.0, abs=1e-12)
    assert f.saddle.value([3.0, 2.0]) == 5.0
    np.testing.assert_array_equal(f.saddle.hess([0.3, -1.0]), np.diag([2.0, -2.0]))
    np.testing.assert_array_equal(f.saddle.grad([1.0, 1.0]), [2.0, -2.0])
    # at the origin f = 1; the well's slope there is c, curvatures -4 and 1
    assert f.two_minima.value([0.0, 0.0]) == 1.0
    np.testing.assert_array_equal(f.two_minima.grad([0.0, 0.0]), [0.5, 0.0])
    np.testing.assert_array_equal(f.two_minima.hess([0.0, 0.0]), np.diag([-4.0, 1.0]))
    # Rosenbrock at the origin: gradient (-2, 0), Hessian [[2, 0], [0, 200]]
    np.testing.assert_array_equal(f.rosenbrock.grad([0.0, 0.0]), [-2.0, 0.0])
    np.testing.assert_array_equal(f.rosenbrock.hess([0.0, 0.0]), [[2.0, 0.0], [0.0, 200.0]])


def test_booth_is_the_quadratic_expanded_by_hand() -> None:
    # (x + 2y - 7)^2 + (2x + y - 5)^2 = 5x^2 + 8xy + 5y^2 - 34x - 38y + 74
    expanded = functions.quadratic([[10.0, 8.0], [8.0, 10.0]], [34.0, 38.0], 74.0)
    x = points_in_box(functions.booth, 20, seed=5)
    np.testing.assert_allclose(functions.booth.value(x), expanded.value(x), rtol=1e-12)
    np.testing.assert_allclose(functions.booth.grad(x), expanded.grad(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(expanded.minima[0], [1.0, 3.0], rtol=1e-14)
    assert expanded.condition_number == pytest.approx(9.0)


def test_literature_values_of_himmelblau_minima() -> None:
    expected = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
    found = sorted(map(tuple, functions.himmelblau.minima))
    np.testing.assert_allclose(found, sorted(expected), atol=1e-6)


# --- minima -------------------------------------------------------------------------------


def grid_around(point: np.ndarray, half_width: float, n: int = 81) -> np.ndarray:
    axes = [np.linspace(c - half_width, c + half_width, n) for c in point]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)


def grid_over_box(objective: functions.Objective, n: int = 401) -> np.ndarray:
    axes = [np.linspace(low, high, n) for low, high in objective.box]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)


@pytest.mark.parametrize("objective", EVERY_FUNCTION, ids=ids)
def test_listed_minima_are_strict_local_minima(objective: functions.Objective) -> None:
    for minimum in objective.minima:
        assert minimum.shape == (objective.dim,)
        assert np.linalg.norm(objective.grad(minimum)) < 1e-8
        assert np.all(np.linalg.eigvalsh(objective.hess(minimum)) > 0)
        nearby = objective.value(grid_around(minimum, half_width=0.05))
        assert objective.value(minimum) <= nearby.min() + 1e-14


@pytest.mark.parametrize("objective", [f for f in EVERY_FUNCTION if f.minima], ids=ids)
def test_global_minimum_is_lowest_on_the_box(objective: functions.Objective) -> None:
    values = np.array([objective.value(m) for m in objective.minima])
    assert np.all(np.diff(values) >= -1e-14)  # sorted; Himmelblau's four ties differ by 1e-31
    np.testing.assert_array_equal(objective.global_minimum, objective.minima[0])
    assert objective.f_min == objective.value(objective.global_minimum)
    grid = grid_over_box(objective, n=401 if objective.dim <= 2 else 41)
    assert objective.f_min <= objective.value(grid).min() + 1e-14


def test_minima_and_x0_lie_in_the_box() -> None:
    for objective in EVERY_FUNCTION:
        low, high = np.array(objective.box).T
        assert np.all((low <= objective.x0) & (objective.x0 <= high)), objective.name
        for minimum in objective.minima:
            assert np.all((low <= minimum) & (minimum <= high)), objective.name


def test_counts_of_minima() -> None:
    assert len(functions.himmelblau.minima) == 4
    assert len(functions.rastrigin.minima) == 121  # near each integer pair in [-5, 5]^2
    assert len(functions.rosenbrock.minima) == len(functions.beale.minima) == 1


def test_saddle_has_no_minimum_and_one_saddle_point() -> None:
    saddle = functions.saddle
    assert saddle.minima == [] and saddle.global_minimum is None and saddle.f_min == -math.inf
    (point,) = saddle.saddle_points
    np.testing.assert_array_equal(point, [0.0, 0.0])
    np.testing.assert_array_equal(saddle.grad(point), [0.0, 0.0])
    eigenvalues = np.linalg.eigvalsh(saddle.hess(point))
    assert eigenvalues[0] < 0 < eigenvalues[1]


def test_two_minima_has_a_local_and_a_lower_global_minimum() -> None:
    f = functions.two_minima
    global_minimum, local_minimum = f.minima
    assert f.value(global_minimum) < f.value(local_minimum) - 0.5
    assert global_minimum[0] < 0 < local_minimum[0]
    (saddle,) = f.saddle_points
    assert np.linalg.norm(f.grad(saddle)) < 1e-12
    assert np.linalg.det(f.hess(saddle)) < 0
    assert local_minimum[0] > saddle[0] > global_minimum[0]
    # the stationary x are roots of 4x^3 - 4x + c, independently from numpy's root finder
    roots = np.sort(np.roots([4.0, 0.0, -4.0, f.c]).real)
    np.testing.assert_allclose([global_minimum[0], saddle[0], local_minimum[0]], roots, rtol=1e-12)


def heavy_ball(objective: functions.Objective, lr: float, momentum: float, steps: int = 3000):
    """b <- mu b + g, x <- x - lr b (PyTorch's SGD momentum); momentum 0 is plain GD."""
    x, velocity = objective.x0.copy(), np.zeros(objective.dim)
    for _ in range(steps):
        velocity = momentum * velocity + objective.grad(x)
        x = x - lr * velocity
    return x


@pytest.mark.parametrize("lr", [0.01, 0.02, 0.05])
def test_two_minima_traps_gradient_descent(lr: float) -> None:
    f = functions.two_minima
    np.testing.assert_allclose(heavy_ball(f, lr, momentum=0.0), f.minima[1], atol=1e-6)


@pytest.mark.parametrize("lr", [0.01, 0.02])
def test_two_minima_momentum_escapes(lr: float) -> None:
    f = functions.two_minima
    np.testing.assert_allclose(heavy_ball(f, lr, momentum=0.9), f.minima[0], atol=1e-6)


def test_two_minima_rejects_a_tilt_with_one_well() -> None:
    with pytest.raises(ValueError, match=r"got c = 1\.6"):
        functions.TwoMinima(c=1.6)
    assert len(functions.TwoMinima(c=-1.5).minima) == 2


def test_rosenbrock_minimum_follows_a() -> None:
    shifted = dataclasses.replace(functions.rosenbrock, a=2.0, b=10.0)
    np.testing.assert_array_equal(shifted.global_minimum, [2.0, 4.0])
    assert shifted.value([2.0, 4.0]) == 0.0
    with pytest.raises(ValueError, match="b must be positive, got -1"):
        functions.Rosenbrock(b=-1.0)


def test_functions_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        functions.rosenbrock.a = 2.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        functions.quadratic_bowl().A[0, 0] = 5.0


# --- quadratics ---------------------------------------------------------------------------


def test_quadratic_algebra_by_hand() -> None:
    q = functions.quadratic([[2.0, 0.0], [0.0, 8.0]], [2.0, 4.0], 1.0)
    # f = x^2 + 4 y^2 - 2x - 4y + 1, minimum (1, 1/2), f = 1 - 1 - 1 = -1
    assert q.value([3.0, -1.0]) == 9.0 + 4.0 - 6.0 + 4.0 + 1.0
    np.testing.assert_allclose(q.global_minimum, [1.0, 0.5])
    assert q.f_min == pytest.approx(-1.0)
    assert (q.L, q.mu, q.condition_number) == (8.0, 2.0, 4.0)
    np.testing.assert_array_equal(q.eigenvalues, [2.0, 8.0])
    assert q.dim == 2


def test_one_dimensional_parabola() -> None:
    parabola = functions.quadratic(2.0, 1.0, 0.5)  # x^2 - x + 1/2
    x = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(parabola.value(x[:, None]), x**2 - x + 0.5)
    np.testing.assert_allclose(parabola.grad(x[:, None])[:, 0], 2 * x - 1)
    np.testing.assert_allclose(parabola.global_minimum, [0.5])
    assert parabola.f_min == pytest.approx(0.25)
    assert parabola.dim == 1 and parabola.L == parabola.mu == 2.0
    same = functions.quadratic([[2.0]], [1.0], 0.5)
    np.testing.assert_array_equal(same.value(x[:, None]), parabola.value(x[:, None]))


def test_singular_quadratics() -> None:
    flat = functions.quadratic([[1.0, 1.0], [1.0, 1.0]], [2.0, 2.0])
    # f = (x + y)^2 / 2 - 2(x + y): minimal wherever x + y = 2, value -2
    assert flat.minima == [] and flat.mu == 0.0 and flat.condition_number == math.inf
    np.testing.assert_allclose(flat.global_minimum, [1.0, 1.0])  # least-norm point of x + y = 2
    assert flat.f_min == pytest.approx(-2.0)
    unbounded = functions.quadratic([[1.0, 0.0], [0.0, 0.0]], [0.0, 1.0])  # f = x^2/2 - y
    assert unbounded.global_minimum is None and unbounded.f_min == -math.inf


@pytest.mark.parametrize(
    ("A", "b", "message"),
    [
        ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], None, r"square matrix, got shape \(2, 3\)"),
        ([1.0, 2.0], None, r"square matrix, got shape \(2,\)"),
        (np.zeros((0, 0)), None, r"square matrix, got shape \(0, 0\)"),
        ([[1.0, 2.0], [0.0, 1.0]], None, r"symmetric, got max \|A - A\^T\| = 2"),
        ([[1.0, 0.0], [0.0, -3.0]], None, "positive semi-definite, got smallest eigenvalue -3"),
        ([[1.0, np.nan], [np.nan, 1.0]], None, "A must be finite"),
        ([[1.0, 0.0], [0.0, 1.0]], [1.0, 2.0, 3.0], r"b must have shape \(2,\).*got shape \(3,\)"),
        ([[1.0, 0.0], [0.0, 1.0]], [1.0, np.inf], "b must be finite"),
    ],
)
def test_quadratic_validation(A, b, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        functions.quadratic(A, b)


def test_quadratic_validation_of_c_and_x0() -> None:
    with pytest.raises(ValueError, match="c must be finite, got nan"):
        functions.quadratic(np.eye(2), c=float("nan"))
    with pytest.raises(ValueError, match=r"x0 must have shape \(2,\), got shape \(3,\)"):
        functions.quadratic(np.eye(2), x0=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="symmetric"):
        dataclasses.replace(functions.quadratic(np.eye(2)), A=[[1.0, 1.0], [0.0, 1.0]])


@pytest.mark.parametrize("angle", [0.0, 0.3, np.pi / 4, 2.0])
@pytest.mark.parametrize("kappa", [1.0, 10.0, 1000.0])
def test_quadratic_bowl_spectrum_and_rotation(angle: float, kappa: float) -> None:
    bowl = functions.quadratic_bowl(condition_number=kappa, angle=angle, scale=0.5)
    assert bowl.mu == pytest.approx(0.5) and bowl.L == pytest.approx(0.5 * kappa)
    assert bowl.condition_number == pytest.approx(kappa)
    flat = np.array([math.cos(angle), math.sin(angle)])
    steep = np.array([-math.sin(angle), math.cos(angle)])
    # eigenvectors rotated by the angle: A u = lambda u for each
    np.testing.assert_allclose(bowl.A @ flat, 0.5 * flat, atol=1e-12)
    np.testing.assert_allclose(bowl.A @ steep, 0.5 * kappa * steep, atol=1e-9)
    # curvature along each direction, from finite differences of the value
    for direction, curvature in ((flat, 0.5), (steep, 0.5 * kappa)):
        second_difference = (
            bowl.value(direction) + bowl.value(-direction) - 2 * bowl.value(np.zeros(2))
        )
        assert second_difference == pytest.approx(curvature)
    np.testing.assert_allclose(bowl.global_minimum, [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(bowl.x0), math.hypot(4.0, 2.0))


def test_quadratic_bowl_axis_aligned_default() -> None:
    bowl = functions.quadratic_bowl()
    np.testing.assert_array_equal(bowl.A, np.diag([1.0, 10.0]))
    np.testing.assert_array_equal(bowl.x0, [-4.0, 2.0])


def test_gradient_descent_paths_are_congruent_under_rotation() -> None:
    """The start turns with the bowl, so GD's path is the axis-aligned one, rotated."""
    aligned, turned = functions.quadratic_bowl(), functions.quadratic_bowl(angle=np.pi / 4)
    R = functions.rotation(np.pi / 4)
    x_aligned, x_turned = aligned.x0, turned.x0
    for _ in range(20):
        x_aligned = x_aligned - 0.15 * aligned.grad(x_aligned)
        x_turned = x_turned - 0.15 * turned.grad(x_turned)
        np.testing.assert_allclose(x_turned, R @ x_aligned, atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"condition_number": 0.5}, "condition_number must be a finite number >= 1, got 0.5"),
        ({"condition_number": math.inf}, "condition_number must be .* got inf"),
        ({"scale": 0.0}, "scale must be positive, got 0.0"),
        ({"angle": math.nan}, "angle must be finite, got nan"),
    ],
)
def test_quadratic_bowl_validation(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        functions.quadratic_bowl(**kwargs)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    d=st.integers(1, 5),
)
def test_random_positive_definite_quadratic(seed: int, d: int) -> None:
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((d, d))
    A = M @ M.T + 0.1 * np.eye(d)
    b, c = rng.standard_normal(d), float(rng.standard_normal())
    q = functions.quadratic(A, b, c)
    (minimum,) = q.minima
    np.testing.assert_allclose(A @ minimum, b, atol=1e-8 * np.abs(A).max())
    # f(x* + h) - f(x*) = h^T A h / 2 >= 0 for any step h
    for step in rng.standard_normal((5, d)):
        increase = q.value(minimum + step) - q.f_min
        assert increase == pytest.approx(0.5 * step @ A @ step, rel=1e-8, abs=1e-10)
    np.testing.assert_allclose(q.eigenvalues, np.sort(np.linalg.eigvalsh(A)), rtol=1e-10)
