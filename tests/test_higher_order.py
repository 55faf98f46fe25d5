"""Tests of optlib.higher_order: Newton, BFGS, L-BFGS and their line searches.

References independent of the code under test: SciPy's optimizers (a test-only dependency) on
the same problems from the same starts, ``np.linalg.solve`` for quadratics, known minimisers,
conditions re-evaluated here from the objective itself (Armijo, strong Wolfe, the secant
equation), and formulas derived separately (the BFGS update of the Hessian, eq. 6.19 of
Nocedal & Wright, whose inverse must be the inverse update 6.17).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import expit

from optlib import functions, gradcheck
from optlib import higher_order as ho
from optlib.run import Trajectory

# --- Problems ------------------------------------------------------------------------------------


class Counting:
    """Wraps an objective and counts every call, to check a Trajectory's cost columns."""

    def __init__(self, objective):
        self.objective = objective
        self.values = self.grads = self.hessians = 0
        self.A = getattr(objective, "A", None)

    def value(self, x):
        self.values += 1
        return self.objective.value(x)

    def grad(self, x):
        self.grads += 1
        return self.objective.grad(x)

    def hess(self, x):
        self.hessians += 1
        return self.objective.hess(x)


class Recording(Counting):
    """Counts calls and keeps the points at which the value was asked for."""

    def __init__(self, objective):
        super().__init__(objective)
        self.value_points = []

    def value(self, x):
        self.value_points.append(np.array(x, dtype=float))
        return super().value(x)


class SoftplusRidge:
    r"""f(x) = Σ_i log(1 + exp(m_iᵀx)) + ½‖x‖²: smooth, strongly convex (μ = 1), with a
    Lipschitz Hessian — the setting of Newton's local quadratic convergence."""

    def __init__(self, n: int = 40, d: int = 6, seed: int = 0):
        self.M = np.random.default_rng(seed).standard_normal((n, d))

    def value(self, x):
        return np.sum(np.logaddexp(0.0, self.M @ x)) + 0.5 * x @ x

    def grad(self, x):
        return self.M.T @ expit(self.M @ x) + x

    def hess(self, x):
        sigma = expit(self.M @ x)
        return self.M.T @ ((sigma * (1 - sigma))[:, None] * self.M) + np.eye(len(x))


class Hyperbola:
    r"""f(x) = √(1 + x²): convex, but pure Newton maps x to -x³ and diverges from |x| > 1."""

    def value(self, x):
        return np.sqrt(1 + x[0] * x[0])

    def grad(self, x):
        return x / np.sqrt(1 + x * x)

    def hess(self, x):
        return np.array([[(1 + x[0] * x[0]) ** -1.5]])


def spd_quadratic(d: int, seed: int, condition_number: float = 100.0) -> functions.Quadratic:
    """A random quadratic ½xᵀAx - bᵀx with eigenvalues spread geometrically over [1, κ]."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    A = Q @ np.diag(np.geomspace(1.0, condition_number, d)) @ Q.T
    return functions.quadratic((A + A.T) / 2, rng.standard_normal(d), x0=rng.standard_normal(d))


def grad_norms(objective, params: np.ndarray) -> np.ndarray:
    return np.array([np.linalg.norm(objective.grad(x)) for x in params])


def steps(path) -> int:
    return len(path.params) - 1


# --- Cross-check against SciPy -------------------------------------------------------------------

PROBLEMS = {
    "rosenbrock(-1.2, 1)": (functions.rosenbrock, (-1.2, 1.0)),
    "rosenbrock(2, 2)": (functions.rosenbrock, (2.0, 2.0)),
    "rosenbrock(-1.5, 2)": (functions.rosenbrock, (-1.5, 2.0)),
    "beale(1, 1.5)": (functions.beale, (1.0, 1.5)),
    "beale(2, 0)": (functions.beale, (2.0, 0.0)),
    # Starts well inside one basin of Himmelblau's four minima.
    "himmelblau(-1, 3)": (functions.himmelblau, (-1.0, 3.0)),
    "himmelblau(-3, -3)": (functions.himmelblau, (-3.0, -3.0)),
    "himmelblau(3, -1)": (functions.himmelblau, (3.0, -1.0)),
    "quadratic d=5": (spd_quadratic(5, seed=5), None),
    "quadratic d=12": (spd_quadratic(12, seed=12), None),
    "quadratic d=20": (spd_quadratic(20, seed=20), None),
}

METHODS = {
    # ours, SciPy's counterpart and its options (tight, so both minimisers are accurate)
    "newton": (lambda f, x0: ho.newton(f, x0), "trust-exact", {"gtol": 1e-10}),
    "newton trust region": (
        lambda f, x0: ho.newton(f, x0, damping="trust_region"),
        "trust-exact",
        {"gtol": 1e-10},
    ),
    "bfgs": (lambda f, x0: ho.bfgs(f, x0), "BFGS", {"gtol": 1e-10}),
    "lbfgs": (lambda f, x0: ho.lbfgs(f, x0), "L-BFGS-B", {"gtol": 1e-12, "ftol": 1e-15}),
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("problem", PROBLEMS)
def test_same_minimiser_as_scipy_in_comparable_steps(problem, method):
    objective, x0 = PROBLEMS[problem]
    x0 = np.array(objective.x0 if x0 is None else x0, dtype=float)
    ours, scipy_method, options = METHODS[method]
    path = ours(objective, x0)
    hess = {"hess": objective.hess} if scipy_method == "trust-exact" else {}
    theirs = scipy.optimize.minimize(
        objective.value, x0, jac=objective.grad, method=scipy_method, options=options, **hess
    )
    # (SciPy may report "precision loss" at this tight tolerance; its point is still checked.)
    np.testing.assert_allclose(path.params[-1], theirs.x, rtol=0, atol=1e-6)
    if isinstance(objective, functions.Quadratic):
        minimiser = np.linalg.solve(objective.A, objective.b)
    else:
        minimiser = min(objective.minima, key=lambda m: np.linalg.norm(m - theirs.x))
    np.testing.assert_allclose(path.params[-1], minimiser, rtol=0, atol=1e-6)
    np.testing.assert_allclose(theirs.x, minimiser, rtol=0, atol=1e-6)
    assert not path.diverged
    # Comparable cost: within a factor 3 of SciPy's iterations, either way (at least 1 step).
    assert max(steps(path), theirs.nit) <= 3 * max(1, min(steps(path), theirs.nit))


# --- Newton ---------------------------------------------------------------------------------------


def test_pure_newton_solves_a_quadratic_in_one_step():
    quadratic = spd_quadratic(8, seed=1)
    minimiser = np.linalg.solve(quadratic.A, quadratic.b)
    for damping in (None, "line_search"):
        path = ho.newton(quadratic, quadratic.x0, damping=damping)
        assert steps(path) == 1
        assert gradcheck.relative_error(path.params[1], minimiser) < 1e-12


def test_trust_region_newton_solves_a_quadratic_once_the_region_holds_the_newton_step():
    quadratic = spd_quadratic(8, seed=1)
    newton_step_length = np.linalg.norm(np.linalg.solve(quadratic.A, quadratic.b) - quadratic.x0)
    path = ho.newton(quadratic, quadratic.x0, damping="trust_region", radius=newton_step_length)
    assert steps(path) == 1
    np.testing.assert_allclose(path.params[1], np.linalg.solve(quadratic.A, quadratic.b))


def test_pure_newton_converges_quadratically_on_rosenbrock():
    # The minimiser (1, 1) is known exactly, so the errors are measured exactly.
    path = ho.newton(functions.rosenbrock, np.array([1.2, 1.3]), damping=None)
    errors = np.linalg.norm(path.params - np.array([1.0, 1.0]), axis=1)
    assert errors[-1] < 1e-10
    measured = errors[errors > 1e-14]
    # e_{k+1} <= C e_k^2 at every step ...
    assert np.all(measured[1:] <= 10 * measured[:-1] ** 2)
    # ... so the correct digits double (less log10 C) once the error is small.
    digits = -np.log10(measured)
    close = digits[:-1] > 2
    assert np.all(digits[1:][close] >= 2 * digits[:-1][close] - 1)


@pytest.mark.parametrize("damping", [None, "line_search", "trust_region"])
def test_newton_converges_quadratically_on_a_strongly_convex_problem(damping):
    objective = SoftplusRidge()
    # ‖∇f‖ measures the error: μ‖x - x*‖ <= ‖∇f(x)‖ <= L‖x - x*‖.
    x0 = np.zeros(6) if damping is None else np.ones(6)
    path = ho.newton(objective, x0, damping=damping, tol=1e-13)
    norms = grad_norms(objective, path.params)
    assert norms[-1] < 1e-13
    # The last steps above the round-off floor each square the gradient norm.
    tail = norms[norms > 1e-12][-3:]
    assert tail[0] < 0.5 and tail[-1] < 1e-6
    assert np.all(tail[1:] <= 0.5 * tail[:-1] ** 2)


def test_newton_without_safeguard_climbs_to_a_maximum_or_saddle():
    himmelblau = functions.himmelblau
    # (0, 0): the Hessian diag(-42, -26) is negative definite; (-1, 3): indefinite.
    for start, stationary_point in [
        ((0.0, 0.0), (-0.270845, -0.923039)),  # Himmelblau's local maximum, f ≈ 181.617
        ((-1.0, 3.0), (0.086678, 2.884255)),  # a saddle point, f ≈ 67.72
    ]:
        x0 = np.array(start)
        assert np.linalg.eigvalsh(himmelblau.hess(x0))[0] < 0
        path = ho.newton(himmelblau, x0, damping=None)
        assert path.losses[-1] > path.losses[0]  # pure Newton made f larger
        np.testing.assert_allclose(path.params[-1], stationary_point, atol=1e-6)
        assert np.linalg.eigvalsh(himmelblau.hess(path.params[-1]))[0] < 0  # not a minimum


@pytest.mark.parametrize("damping", ["line_search", "trust_region"])
@pytest.mark.parametrize(
    ("objective", "start"),
    [
        (functions.himmelblau, (0.0, 0.0)),
        (functions.himmelblau, (-1.0, 3.0)),
        (functions.rosenbrock, (0.0, 1.0)),  # Hessian diag(-398, 200)
    ],
)
def test_safeguarded_newton_descends_every_step_from_an_indefinite_hessian(
    objective, start, damping
):
    x0 = np.array(start)
    assert np.linalg.eigvalsh(objective.hess(x0))[0] < 0
    path = ho.newton(objective, x0, damping=damping)
    assert np.all(np.diff(path.losses) < 0)
    x = path.params[-1]
    assert np.linalg.norm(objective.grad(x)) < 1e-8
    assert np.linalg.eigvalsh(objective.hess(x))[0] > 0  # a minimum
    assert min(np.linalg.norm(x - m) for m in objective.minima) < 1e-8


def test_pure_newton_divergence_is_reported_and_safeguards_prevent_it():
    hyperbola = Hyperbola()
    path = ho.newton(hyperbola, np.array([2.0]), damping=None)
    assert isinstance(path.diverged_at, int) and path.diverged
    assert path.diverged_at == steps(path) + 1  # the arrays end at the last finite iterate
    np.testing.assert_allclose(path.params[:4, 0], [2.0, -8.0, 512.0, -(512.0**3)])  # x -> -x³
    assert np.all(np.isfinite(path.losses))
    for damping in ("line_search", "trust_region"):
        safe = ho.newton(hyperbola, np.array([2.0]), damping=damping)
        assert not safe.diverged
        assert abs(safe.params[-1, 0]) < 1e-8


class Cliff:
    """(x + 3)² above x = -1, and -∞ below it: unbounded below, with a finite gradient."""

    def value(self, x):
        return -np.inf if x[0] < -1 else (x[0] + 3) ** 2

    def grad(self, x):
        return 2 * (x + 3)

    def hess(self, x):
        return np.array([[2.0]])


@pytest.mark.parametrize("damping", ["line_search", "trust_region"])
def test_safeguarded_newton_reports_reaching_minus_infinity_as_divergence(damping):
    # The Newton step from 0 lands on -3, where f = -∞: sufficient decrease, and ρ = ∞.
    path = ho.newton(Cliff(), np.array([0.0]), damping=damping, radius=10.0)
    assert path.diverged_at == 1 and steps(path) == 0
    np.testing.assert_array_equal(path.losses, [9.0])
    assert path.status == "diverged" and not path.success
    assert path.message == "diverged at step 1: f(x_1) = -inf: the objective is unbounded below"


def test_pure_newton_stops_at_a_singular_hessian():
    flat = functions.quadratic(np.diag([1.0, 0.0]), b=[1.0, 0.0])  # minimisers (1, y) for any y
    path = ho.newton(flat, np.array([3.0, 1.0]), damping=None)
    # No Newton step exists; that is not divergence: the run stops where it is.
    assert path.status == "stopped" and not path.success and steps(path) == 0
    assert path.diverged_at is None and not path.diverged
    assert path.message.startswith("stopped at step 0: the Hessian is singular at x_0; |∇f| = 2 ")
    # The safeguard shifts the singular Hessian and still finds a minimiser.
    safe = ho.newton(flat, np.array([3.0, 1.0]), damping="line_search")
    assert abs(safe.params[-1, 0] - 1.0) < 1e-8


# --- The pieces of Newton's method ---------------------------------------------------------------

symmetric_matrices = st.integers(1, 6).flatmap(
    lambda d: st.tuples(st.just(d), st.integers(0, 2**32 - 1), st.floats(-3.0, 3.0))
)


@given(symmetric_matrices)
def test_cholesky_with_added_identity(case):
    d, seed, shift = case
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((d, d))
    A = (M + M.T) / 2 + shift * np.eye(d)
    L, tau = ho.cholesky_with_added_identity(A)
    assert np.allclose(L, np.tril(L))
    np.testing.assert_allclose(L @ L.T, A + tau * np.eye(d), atol=1e-12)
    smallest = np.linalg.eigvalsh(A)[0]
    assert smallest + tau > 0  # the shifted matrix is positive definite
    if np.min(np.diag(A)) > 0 and smallest > 0:
        assert tau == 0.0
    if smallest <= 0:
        assert tau > -smallest


def test_cholesky_with_added_identity_follows_algorithm_3_3():
    beta = 1e-3
    # A non-positive diagonal entry: the first shift lifts it to β, and that suffices.
    L, tau = ho.cholesky_with_added_identity(np.diag([1.0, -1.0]), beta)
    assert tau == pytest.approx(1.0 + beta)
    np.testing.assert_allclose(L, np.diag(np.sqrt([2.0 + beta, beta])))
    # A positive diagonal but eigenvalues -1 and 3: τ = 0, β, 2β, ... until τ > 1, i.e. 1024β.
    _, tau = ho.cholesky_with_added_identity(np.array([[1.0, 2.0], [2.0, 1.0]]), beta)
    assert tau == pytest.approx(1024 * beta)


def model_decrease(grad, B, step):
    """m(0) - m(p) for the model m(p) = f + gᵀp + ½pᵀBp; ``step`` of shape (..., d)."""
    return -(step @ grad + 0.5 * np.einsum("...i,ij,...j->...", step, B, step))


@given(st.integers(0, 2**32 - 1), st.floats(0.01, 10.0), st.booleans())
def test_cauchy_point_is_the_best_point_along_the_gradient_in_the_region(seed, radius, definite):
    rng = np.random.default_rng(seed)
    grad = rng.standard_normal(3)
    M = rng.standard_normal((3, 3))
    B = M @ M.T + 0.1 * np.eye(3) if definite else (M + M.T) / 2
    step = ho.cauchy_point(grad, B, radius)
    assert np.linalg.norm(step) <= radius * (1 + 1e-12)
    # Brute force: the best of many points -t g/‖g‖, 0 <= t <= Δ.
    lengths = np.linspace(0.0, radius, 2001)
    candidates = -lengths[:, None] * grad / np.linalg.norm(grad)
    best = np.max(model_decrease(grad, B, candidates))
    assert model_decrease(grad, B, step) >= best - 1e-9 * max(1.0, abs(best))


@given(st.integers(0, 2**32 - 1), st.floats(0.01, 10.0))
def test_dogleg_minimises_the_model_along_its_path_in_the_region(seed, radius):
    rng = np.random.default_rng(seed)
    grad = rng.standard_normal(3)
    M = rng.standard_normal((3, 3))
    B = M @ M.T + 0.1 * np.eye(3)
    step = ho.dogleg(grad, B, radius)
    assert np.linalg.norm(step) <= radius * (1 + 1e-12)
    newton_step = -np.linalg.solve(B, grad)
    if np.linalg.norm(newton_step) <= radius:
        np.testing.assert_allclose(step, newton_step)
    else:
        assert np.linalg.norm(step) == pytest.approx(radius)
    # Brute force along the path 0 -> p^U -> p^B, inside the region.
    p_u = -(grad @ grad) / (grad @ B @ grad) * grad
    taus = np.linspace(0.0, 2.0, 4001)[:, None]
    path = np.where(taus <= 1, taus * p_u, p_u + (taus - 1) * (newton_step - p_u))
    inside = path[np.linalg.norm(path, axis=1) <= radius]
    best = np.max(model_decrease(grad, B, inside))
    decrease = model_decrease(grad, B, step)
    assert decrease >= best - 1e-9 * max(1.0, abs(best))
    assert decrease >= model_decrease(grad, B, ho.cauchy_point(grad, B, radius)) - 1e-12


def test_trust_region_follows_algorithm_4_1_by_hand():
    # f = √(1 + x²) at x = 2: g = 2/√5, B = 5^(-3/2); the Newton step -g/B = -10 leaves the
    # region Δ = 8, and in 1-D the dogleg is the boundary point, x = -6, where f rises: ρ < 0,
    # rejected, Δ = 8/4 = 2. Next x = 0: ρ = (√5 - 1)/(2g - 2B) = 0.768, accepted. ∇f(0) = 0.
    path = ho.newton(Hyperbola(), np.array([2.0]), damping="trust_region", radius=8.0)
    np.testing.assert_array_equal(path.params, [[2.0], [0.0]])
    np.testing.assert_array_equal(path.value_evals, [1, 3])  # x0, then the trials -6 and 0


def test_trust_region_grows_the_radius_after_good_steps_on_the_boundary():
    # From x = 2 with Δ = 1/2 (by hand, f = √(1 + x²)): the boundary step to 1.5 has
    # ρ = 0.994 > 3/4, so Δ = 1; the boundary step to 0.5 has ρ = 0.917, so Δ = 2; then
    # the Newton step x -> -x³ = -0.125 fits inside the region and is taken whole.
    path = ho.newton(Hyperbola(), np.array([2.0]), damping="trust_region", radius=0.5)
    np.testing.assert_allclose(path.params[:4, 0], [2.0, 1.5, 0.5, -0.125], rtol=1e-15)


def test_newton_direction_solves_the_newton_equation():
    hessian = np.array([[4.0, 1.0], [1.0, 3.0]])
    grad = np.array([1.0, 2.0])
    direction = ho.newton_direction(hessian, grad)
    np.testing.assert_allclose(hessian @ direction, -grad)


# --- Line searches --------------------------------------------------------------------------------

line_search_cases = st.tuples(
    st.sampled_from([functions.rosenbrock, functions.beale, functions.himmelblau]),
    st.floats(-2.0, 2.0),
    st.floats(-1.0, 2.0),
    st.floats(0.0, np.pi),  # angle of the direction away from steepest descent, below 90°
    st.floats(-8.0, 3.0),  # log10 of the first trial step
)


def descent_setup(objective, x, y, angle):
    point = np.array([x, y])
    grad = objective.grad(point)
    # Rotate -∇f by at most ±85°: still a descent direction.
    turn = (angle / np.pi - 0.5) * np.deg2rad(170)
    rotation = functions.rotation(turn)
    return point, float(objective.value(point)), grad, -(rotation @ grad)


@given(line_search_cases, st.sampled_from([(1e-4, 0.9), (1e-4, 0.1), (0.3, 0.5)]))
def test_wolfe_step_satisfies_the_strong_wolfe_conditions(case, constants):
    objective, x, y, angle, log_step = case
    c1, c2 = constants
    point, value, grad, direction = descent_setup(objective, x, y, angle)
    if np.linalg.norm(grad) < 1e-6:
        return
    counting = Counting(objective)
    result = ho.wolfe(counting, point, direction, value, grad, step=10.0**log_step, c1=c1, c2=c2)
    assert result.success
    alpha = result.step
    new_point = point + alpha * direction
    # Both conditions, re-evaluated here from the objective itself.
    slope = grad @ direction
    assert objective.value(new_point) <= value + c1 * alpha * slope  # (3.7a)
    assert abs(objective.grad(new_point) @ direction) <= c2 * abs(slope)  # (3.7b)
    assert result.new_value == objective.value(new_point)
    np.testing.assert_array_equal(result.new_grad, objective.grad(new_point))
    assert (result.value_evals, result.grad_evals) == (counting.values, counting.grads)


@given(line_search_cases, st.sampled_from([0.5, 0.1, 0.9]), st.sampled_from([1e-4, 0.5, 0.9]))
def test_backtracking_returns_the_first_armijo_step_of_its_sequence(case, shrink, c1):
    objective, x, y, angle, log_step = case
    point, value, grad, direction = descent_setup(objective, x, y, angle)
    if np.linalg.norm(grad) < 1e-6:
        return
    first = 10.0**log_step
    counting = Counting(objective)
    result = ho.backtracking(
        counting, point, direction, value, grad, step=first, c1=c1, shrink=shrink
    )
    assert result.success
    slope = grad @ direction

    def armijo(alpha):
        return objective.value(point + alpha * direction) <= value + c1 * alpha * slope

    assert armijo(result.step)
    tried = first * shrink ** np.arange(result.value_evals)
    np.testing.assert_allclose(result.step, tried[-1])
    assert not any(armijo(alpha) for alpha in tried[:-1])  # each earlier trial failed
    assert result.value_evals == counting.values and counting.grads == 0
    assert result.new_value == objective.value(point + result.step * direction)


def test_wolfe_expands_a_too_short_first_step_and_zooms_into_a_too_long_one():
    quadratic = functions.quadratic(np.diag([1.0, 10.0]))
    point = np.array([3.0, 1.0])
    grad = quadratic.grad(point)
    exact = ho.exact_quadratic_step(quadratic.A, grad, -grad)
    for first in (1e-6, 1e3):
        result = ho.wolfe(quadratic, point, -grad, quadratic.value(point), grad, step=first)
        assert result.success and result.value_evals > 1
        assert (first < result.step) == (first < exact)


def test_wolfe_rejects_a_step_that_decreases_f_too_little():
    # φ(α) = ½(1 - α)²: (3.7a) with c1 = 0.45 holds for α <= 1.1, (3.7b) with c2 = 0.9 for
    # 0.1 <= α <= 1.9. The first trial 1.5 lowers f but not enough; the zoom's quadratic
    # interpolation then lands on the exact minimiser α = 1.
    parabola = functions.quadratic(1.0)
    point = np.array([1.0])
    grad = parabola.grad(point)
    value = float(parabola.value(point))
    result = ho.wolfe(parabola, point, -grad, value, grad, step=1.5, c1=0.45, c2=0.9)
    assert result.success and result.step == pytest.approx(1.0)
    assert result.value_evals == 2


def test_wolfe_doubles_the_trial_step_while_bracketing():
    quadratic = Recording(functions.quadratic(np.diag([1.0, 10.0])))
    point = np.array([3.0, 1.0])
    grad = quadratic.objective.grad(point)
    value = float(quadratic.objective.value(point))
    ho.wolfe(quadratic, point, -grad, value, grad, step=1e-3)
    trial_steps = [(x - point)[0] / -grad[0] for x in quadratic.value_points]
    assert len(trial_steps) >= 4
    bracketing = trial_steps[:4]
    np.testing.assert_allclose(bracketing, 1e-3 * 2.0 ** np.arange(4))


def test_exact_quadratic_step_zeroes_the_slope():
    quadratic = spd_quadratic(6, seed=3)
    x = quadratic.x0
    direction = np.random.default_rng(4).standard_normal(6)
    alpha = ho.exact_quadratic_step(quadratic.A, quadratic.grad(x), direction)
    assert abs(quadratic.grad(x + alpha * direction) @ direction) < 1e-12
    # ... and it is the minimum along the line.
    along = [quadratic.value(x + a * direction) for a in alpha + np.linspace(-1e-3, 1e-3, 11)]
    assert np.argmin(along) == 5


# --- BFGS -----------------------------------------------------------------------------------------


def hessian_update(B, s, y):
    """The BFGS update of the Hessian approximation B (N&W eq. 6.19), derived separately."""
    Bs = B @ s
    return B - np.outer(Bs, Bs) / (s @ Bs) + np.outer(y, y) / (y @ s)


@given(st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_bfgs_update_is_the_inverse_of_the_hessian_update(d, seed):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((d, d))
    H = M @ M.T + 0.5 * np.eye(d)
    s = rng.standard_normal(d)
    y = rng.standard_normal(d)
    if s @ y <= 0.1 * np.linalg.norm(s) * np.linalg.norm(y):
        y = -y if s @ y < 0 else y + s  # satisfy the curvature condition
    new_H = ho.bfgs_update(H, s, y)
    np.testing.assert_allclose(new_H @ y, s, atol=1e-9 * np.linalg.norm(s))  # secant equation
    np.testing.assert_allclose(new_H, new_H.T, atol=1e-10)
    assert np.linalg.eigvalsh(new_H)[0] > 0
    expected = np.linalg.inv(hessian_update(np.linalg.inv(H), s, y))
    assert gradcheck.relative_error(new_H, expected) < 1e-8 * np.linalg.cond(expected)


@pytest.mark.parametrize("d", [2, 5, 10])
def test_bfgs_with_exact_line_search_finishes_a_quadratic_in_d_steps(d):
    # Well-conditioned: in float64 round-off erodes finite termination for large κ·d, as it
    # does for conjugate gradients.
    quadratic = spd_quadratic(d, seed=d, condition_number=10.0)
    path = ho.bfgs(quadratic, quadratic.x0, line_search="exact", max_steps=d)
    assert steps(path) == d
    assert np.linalg.norm(quadratic.grad(path.params[-1])) < 1e-8
    np.testing.assert_allclose(path.inverse_hessians[-1], np.linalg.inv(quadratic.A), atol=1e-6)
    # The steps are conjugate: s_iᵀ A s_j = 0 for i ≠ j.
    s = np.diff(path.params, axis=0)
    gram = s @ quadratic.A @ s.T
    off_diagonal = gram - np.diag(np.diag(gram))
    assert np.max(np.abs(off_diagonal)) < 1e-8 * np.max(np.diag(gram))


def test_bfgs_keeps_its_inverse_hessians_positive_definite_and_secant():
    path = ho.bfgs(functions.rosenbrock, np.array([-1.2, 1.0]))
    grads = np.array([functions.rosenbrock.grad(x) for x in path.params])
    assert path.inverse_hessians.shape == (steps(path) + 1, 2, 2)
    np.testing.assert_array_equal(path.inverse_hessians[0], np.eye(2))
    for k in range(steps(path)):
        H = path.inverse_hessians[k + 1]
        s, y = path.params[k + 1] - path.params[k], grads[k + 1] - grads[k]
        assert np.linalg.eigvalsh(H)[0] > 0
        np.testing.assert_allclose(H @ y, s, rtol=1e-6, atol=1e-12)  # (6.6)


def test_bfgs_starts_from_a_given_inverse_hessian():
    quadratic = spd_quadratic(4, seed=2)
    # With H0 = A⁻¹ the first direction is the Newton step, accepted with α = 1.
    path = ho.bfgs(quadratic, quadratic.x0, H0=np.linalg.inv(quadratic.A))
    assert steps(path) == 1
    np.testing.assert_allclose(path.params[1], np.linalg.solve(quadratic.A, quadratic.b))


class SaddleWithFakeA:
    """f = x² - y² with A = I posing as its Hessian: the "exact" step is then a step that can
    fail the curvature condition, which BFGS must survive by skipping its update."""

    value = staticmethod(functions.saddle.value)
    grad = staticmethod(functions.saddle.grad)
    A = np.eye(2)


def test_quasi_newton_skips_the_update_when_the_curvature_condition_fails():
    # By hand from (1, 2): g = (2, -4), p = -g, α = 1, x1 = (-1, 6), g1 = (-2, -12),
    # s = (-2, 4), y = (-4, -8), sᵀy = -24 < 0: no update, H1 = H0 = I.
    path = ho.bfgs(SaddleWithFakeA(), np.array([1.0, 2.0]), line_search="exact", max_steps=2)
    np.testing.assert_array_equal(path.params[1], [-1.0, 6.0])
    for H in path.inverse_hessians:
        np.testing.assert_array_equal(H, np.eye(2))
    # L-BFGS stores no pair, so it too takes steepest-descent steps from H = I.
    limited = ho.lbfgs(SaddleWithFakeA(), np.array([1.0, 2.0]), line_search="exact", max_steps=2)
    np.testing.assert_array_equal(limited.params, path.params)


@pytest.mark.parametrize("method", [ho.bfgs, ho.lbfgs])
def test_quasi_newton_first_trial_step_has_unit_length(method):
    rosenbrock = Recording(functions.rosenbrock)
    x0 = np.array([-1.2, 1.0])
    method(rosenbrock, x0, max_steps=1)
    g0 = functions.rosenbrock.grad(x0)
    np.testing.assert_allclose(rosenbrock.value_points[1], x0 - g0 / np.linalg.norm(g0))


def test_bfgs_first_trial_step_is_the_full_step_from_a_given_inverse_hessian():
    rosenbrock = Recording(functions.rosenbrock)
    x0 = np.array([-1.2, 1.0])
    H0 = 1e-3 * np.eye(2)
    ho.bfgs(rosenbrock, x0, H0=H0, max_steps=1)
    np.testing.assert_allclose(rosenbrock.value_points[1], x0 - H0 @ functions.rosenbrock.grad(x0))


# --- L-BFGS ---------------------------------------------------------------------------------------


@given(st.integers(1, 5), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_two_loop_recursion_is_the_bfgs_matrix_times_the_gradient(memory, d, seed):
    rng = np.random.default_rng(seed)
    s_history = [rng.standard_normal(d) for _ in range(memory)]
    # y_i = A s_i for an SPD A, so every pair satisfies the curvature condition.
    M = rng.standard_normal((d, d))
    A = M @ M.T + np.eye(d)
    y_history = [A @ s for s in s_history]
    gamma = float(rng.uniform(0.1, 2.0))
    grad = rng.standard_normal(d)
    B = np.eye(d) / gamma  # H^0 = γ I
    for s, y in zip(s_history, y_history, strict=True):
        B = hessian_update(B, s, y)
    expected = np.linalg.solve(B, grad)
    result = ho.two_loop_recursion(grad, s_history, y_history, gamma)
    assert gradcheck.relative_error(result, expected) < 1e-8 * np.linalg.cond(B)


@pytest.mark.parametrize("memory", [2, 10])
def test_lbfgs_steps_along_the_bfgs_direction_from_the_scaled_identity(memory):
    # Rebuilt here from the path alone: pairs (s_i, y_i), γ_k = s_{k-1}ᵀy_{k-1} / y_{k-1}ᵀy_{k-1}
    # (7.20), and H_k the inverse of the Hessian updates (6.19) of I/γ_k with the last pairs.
    rosenbrock = functions.rosenbrock
    path = ho.lbfgs(rosenbrock, np.array([-1.2, 1.0]), memory=memory, max_steps=12)
    grads = rosenbrock.grad(path.params)
    s, y = np.diff(path.params, axis=0), np.diff(grads, axis=0)
    for k in range(1, steps(path)):
        gamma = s[k - 1] @ y[k - 1] / (y[k - 1] @ y[k - 1])
        B = np.eye(2) / gamma
        for i in range(max(0, k - memory), k):
            B = hessian_update(B, s[i], y[i])
        direction = -np.linalg.solve(B, grads[k])
        cosine = s[k] @ direction / (np.linalg.norm(s[k]) * np.linalg.norm(direction))
        assert cosine == pytest.approx(1.0, abs=1e-10)


@pytest.mark.parametrize("d", [3, 6, 10])
def test_lbfgs_with_enough_memory_takes_the_steps_of_bfgs_on_a_quadratic(d):
    quadratic = spd_quadratic(d, seed=d, condition_number=10.0)
    full = ho.bfgs(quadratic, quadratic.x0, line_search="exact", max_steps=d)
    limited = ho.lbfgs(quadratic, quadratic.x0, memory=d, line_search="exact", max_steps=d)
    assert steps(limited) == steps(full) == d
    np.testing.assert_allclose(limited.params, full.params, atol=1e-8)


@pytest.mark.parametrize("memory", [1, 2, 3])
def test_lbfgs_with_little_memory_still_solves_rosenbrock(memory):
    path = ho.lbfgs(functions.rosenbrock, np.array([-1.2, 1.0]), memory=memory)
    np.testing.assert_allclose(path.params[-1], [1.0, 1.0], atol=1e-6)
    assert np.all(np.diff(path.losses) <= 0)


def test_lbfgs_needs_more_steps_with_less_memory_on_a_quadratic():
    quadratic = spd_quadratic(20, seed=7, condition_number=1000.0)
    counts = [steps(ho.lbfgs(quadratic, quadratic.x0, memory=m)) for m in (1, 20)]
    assert counts[0] > counts[1]


# --- Counting and the Trajectory ------------------------------------------------------------------

RUNS = {
    "newton": lambda f: ho.newton(f, np.array([-1.2, 1.0])),
    "newton trust region": lambda f: ho.newton(f, np.array([-1.2, 1.0]), damping="trust_region"),
    "newton pure": lambda f: ho.newton(f, np.array([-1.2, 1.0]), damping=None),
    "bfgs": lambda f: ho.bfgs(f, np.array([-1.2, 1.0])),
    "lbfgs": lambda f: ho.lbfgs(f, np.array([-1.2, 1.0]), memory=3),
}


@pytest.mark.parametrize("method", RUNS)
def test_counts_are_cumulative_and_match_the_calls_made(method):
    counting = Counting(functions.rosenbrock)
    path = RUNS[method](counting)
    T = steps(path)
    assert path.params.shape == (T + 1, 2) and path.losses.shape == (T + 1,)
    np.testing.assert_array_equal(path.params[0], [-1.2, 1.0])
    # The losses are the values at the params, to the last bit or two: a run evaluates one point
    # at a time, where numpy squares through libm's pow (not always correctly rounded), and this
    # evaluates them as a batch, where it multiplies (one L-BFGS point differed by 1 ulp).
    np.testing.assert_allclose(
        path.losses, functions.rosenbrock.value(path.params), rtol=2 * np.finfo(float).eps, atol=0
    )
    # Row 0 counts the value and gradient at x0; every step needs at least one more of each.
    assert path.value_evals[0] == 1 and path.grad_evals[0] == 1
    assert np.all(np.diff(path.value_evals) >= 1) and np.all(np.diff(path.grad_evals) >= 1)
    # The totals are exactly the calls the objective received.
    assert path.value_evals[-1] == counting.values
    assert path.grad_evals[-1] == counting.grads
    if method.startswith("newton"):
        # One Hessian per step, at the point the step leaves; one gradient per new point.
        np.testing.assert_array_equal(path.hessian_evals, np.arange(T + 1))
        np.testing.assert_array_equal(path.grad_evals, np.arange(1, T + 2))
        assert path.hessian_evals[-1] == counting.hessians
    else:
        assert path.hessian_evals is None and counting.hessians == 0
    assert np.linalg.norm(functions.rosenbrock.grad(path.params[-1])) <= 1e-10 * np.linalg.norm(
        functions.rosenbrock.grad(path.params[0])
    )


@pytest.mark.parametrize("method", RUNS)
def test_every_method_returns_the_runners_one_trajectory_type(method):
    path = RUNS[method](functions.rosenbrock)
    assert type(path) is Trajectory
    if method == "bfgs":
        assert path.inverse_hessians.shape == (len(path.params), 2, 2)
    else:
        assert path.inverse_hessians is None


@pytest.mark.parametrize("method", [ho.bfgs, ho.lbfgs])
def test_exact_line_search_costs_one_value_and_one_gradient_a_step(method):
    quadratic = Counting(spd_quadratic(5, seed=0))
    path = method(quadratic, quadratic.objective.x0, line_search="exact")
    T = steps(path)
    np.testing.assert_array_equal(path.value_evals, np.arange(1, T + 2))
    np.testing.assert_array_equal(path.grad_evals, np.arange(1, T + 2))


def test_pure_newton_costs_one_of_each_a_step():
    path = ho.newton(functions.rosenbrock, np.array([1.2, 1.3]), damping=None)
    T = steps(path)
    np.testing.assert_array_equal(path.value_evals, np.arange(1, T + 2))


@pytest.mark.parametrize(
    "run",
    [
        lambda f, x0, **kw: ho.newton(f, x0, **kw),
        lambda f, x0, **kw: ho.newton(f, x0, damping="trust_region", **kw),
        lambda f, x0, **kw: ho.bfgs(f, x0, **kw),
        lambda f, x0, **kw: ho.lbfgs(f, x0, **kw),
    ],
)
def test_stopping_rules(run):
    # Already at the minimum: no step at all.
    at_minimum = run(functions.rosenbrock, np.array([1.0, 1.0]))
    assert steps(at_minimum) == 0 and at_minimum.grad_evals[0] == 1
    # max_steps bounds the steps; a loose tol stops early.
    assert steps(run(functions.rosenbrock, np.array([-1.2, 1.0]), max_steps=3)) == 3
    loose = run(functions.rosenbrock, np.array([-1.2, 1.0]), tol=1e-2)
    assert np.linalg.norm(functions.rosenbrock.grad(loose.params[-1])) <= 1e-2
    assert np.linalg.norm(functions.rosenbrock.grad(loose.params[-2])) > 1e-2


def test_a_trial_step_that_overflows_is_a_failed_trial_not_a_warning():
    # A first trial step of 1e200 overflows f to inf (and RuntimeWarnings are errors here).
    point = np.array([-1.2, 1.0])
    grad = functions.rosenbrock.grad(point)
    value = float(functions.rosenbrock.value(point))
    backtracked = ho.backtracking(functions.rosenbrock, point, -grad, value, grad, step=1e200)
    assert backtracked.success and backtracked.new_value < value
    # Bisection needs ~670 halvings from 1e200: the default budget of 50 runs out, honestly ...
    result = ho.wolfe(functions.rosenbrock, point, -grad, value, grad, step=1e200)
    assert not result.success and result.step == 0.0 and result.value_evals == 50
    # ... and a generous one finds a strong Wolfe step.
    result = ho.wolfe(functions.rosenbrock, point, -grad, value, grad, step=1e200, max_evals=2000)
    assert result.success and result.new_value < value


# --- How a run ends ----------------------------------------------------------------------------


def reported_number(message: str, name: str) -> float:
    """The number printed after ``name = `` in a message."""
    return float(message.split(f"{name} = ")[1].split()[0].rstrip(";,)"))


@pytest.mark.parametrize("method", RUNS)
def test_a_run_that_reaches_tol_has_converged_and_says_so_with_its_numbers(method):
    path = RUNS[method](functions.rosenbrock)
    # SciPy's BFGS converges on the same problem from the same start: an independent verdict.
    assert scipy.optimize.minimize(
        functions.rosenbrock.value, path.params[0], jac=functions.rosenbrock.grad, method="BFGS"
    ).success
    assert path.status == "converged" and path.success and path.diverged_at is None
    assert path.message.startswith(f"converged at step {steps(path)}: |∇f| = ")
    # The numbers in the message are the gradient at the last iterate and the default tol.
    grad_norm = np.linalg.norm(functions.rosenbrock.grad(path.params[-1]))
    tol = 1e-10 * np.linalg.norm(functions.rosenbrock.grad(path.params[0]))
    assert reported_number(path.message, "|∇f|") == pytest.approx(grad_norm, rel=0.05)
    assert reported_number(path.message, "tol") == pytest.approx(tol, rel=0.05)
    assert "≤ tol" in path.message


@pytest.mark.parametrize("method", RUNS)
def test_a_run_cut_short_by_max_steps_has_finished_and_says_how_far_it_is(method):
    path = RUNS[method](functions.rosenbrock)  # converges, in more than 3 steps
    assert steps(path) > 3
    short = {
        "newton": lambda: ho.newton(functions.rosenbrock, path.params[0], max_steps=3),
        "newton trust region": lambda: ho.newton(
            functions.rosenbrock, path.params[0], damping="trust_region", max_steps=3
        ),
        "newton pure": lambda: ho.newton(
            functions.rosenbrock, path.params[0], damping=None, max_steps=3
        ),
        "bfgs": lambda: ho.bfgs(functions.rosenbrock, path.params[0], max_steps=3),
        "lbfgs": lambda: ho.lbfgs(functions.rosenbrock, path.params[0], memory=3, max_steps=3),
    }[method]()
    np.testing.assert_array_equal(short.params, path.params[:4])  # the same first steps
    assert short.status == "finished" and short.success
    assert short.message.startswith("finished: took max_steps = 3 steps; |∇f| = ")
    grad_norm = np.linalg.norm(functions.rosenbrock.grad(short.params[-1]))
    assert reported_number(short.message, "|∇f|") == pytest.approx(grad_norm, rel=0.05)


@pytest.mark.parametrize("method", [ho.bfgs, ho.lbfgs])
@pytest.mark.parametrize("start", [(1.0, 0.5), (0.0, 0.5)])
def test_quasi_newton_stops_honestly_on_the_saddle_where_scipy_fails_too(method, start):
    """f = x² - y² is unbounded below along y: the Wolfe search doubles its step 50 times and
    f keeps falling. SciPy's BFGS gives up too ("precision loss", success False)."""
    saddle, x0 = functions.saddle, np.array(start)
    theirs = scipy.optimize.minimize(saddle.value, x0, jac=saddle.grad, method="BFGS")
    assert not theirs.success
    path = method(saddle, x0)
    assert path.status == "stopped" and not path.success
    assert path.diverged_at is None  # every value met was finite: no proof of -inf
    last = path.params[-1]
    grad_norm = np.linalg.norm(saddle.grad(last))
    assert grad_norm > 0.5  # far from stationary: not a solution
    assert path.message.startswith(f"stopped at step {steps(path)}: the Wolfe line search")
    assert "found no acceptable step along p in 50 evaluations of f" in path.message
    assert f"f fell from {float(saddle.value(last)):.6g} to -" in path.message
    assert reported_number(path.message, "|∇f|") == pytest.approx(grad_norm, rel=0.05)


class CliffWithSlope:
    """(x₁ + 3)² + x₂² for x₁ ≥ -1, and -∞ below it, where the reported gradient points back up
    the cliff: a trial step that lands there fails the curvature condition (3.7b)."""

    def value(self, x):
        return -np.inf if x[0] < -1 else (x[0] + 3) ** 2 + x[1] ** 2

    def grad(self, x):
        return np.array([-100.0, 0.0]) if x[0] < -1 else np.array([2 * (x[0] + 3), 2 * x[1]])


@pytest.mark.parametrize(
    "run",
    [
        lambda f, x0: ho.bfgs(f, x0, H0=np.eye(2)),  # first trial: the full step, onto the cliff
        lambda f, x0: ho.lbfgs(f, x0),
    ],
)
def test_quasi_newton_reports_meeting_minus_infinity_in_a_line_search_as_divergence(run):
    path = run(CliffWithSlope(), np.array([0.0, 0.0]))
    assert path.status == "diverged" and path.diverged
    assert path.diverged_at == steps(path) + 1
    assert np.all(np.isfinite(path.losses))  # -inf is never recorded as a loss
    assert path.message == (
        f"diverged at step {path.diverged_at}: f(x_{path.diverged_at}) = -inf: "
        "the objective is unbounded below"
    )


def test_quasi_newton_stops_where_f_no_longer_changes_as_scipy_reports_precision_loss():
    """With tol = 0 on the two wells, BFGS ends at a point where no trial step decreases f
    beyond round-off; SciPy's BFGS (gtol = 0) ends the same way."""
    f, x0 = functions.two_minima, np.array([0.3, 0.2])
    theirs = scipy.optimize.minimize(f.value, x0, jac=f.grad, method="BFGS", options={"gtol": 0})
    assert not theirs.success and "precision loss" in theirs.message
    path = ho.bfgs(f, x0, tol=0.0)
    assert path.status == "stopped" and path.diverged_at is None
    np.testing.assert_allclose(path.params[-1], theirs.x, atol=1e-6)
    assert "none of its trials decreased f enough" in path.message
    assert path.message.endswith("> tol = 0")


class HessianGoesBad:
    """Rosenbrock whose Hessian is NaN (or inf) from its ``bad_from``-th evaluation on."""

    def __init__(self, bad_from: int, entry: float = np.nan):
        self.bad_from, self.entry, self.hessians = bad_from, entry, 0

    value = staticmethod(functions.rosenbrock.value)
    grad = staticmethod(functions.rosenbrock.grad)

    def hess(self, x):
        self.hessians += 1
        hessian = functions.rosenbrock.hess(x)
        return hessian if self.hessians < self.bad_from else np.full_like(hessian, self.entry)


@pytest.mark.parametrize("damping", [None, "line_search", "trust_region"])
@pytest.mark.parametrize(("bad_from", "entry"), [(1, np.nan), (2, np.nan), (2, np.inf)])
def test_every_damping_stops_at_a_hessian_that_is_not_finite(damping, bad_from, entry):
    """One rule for all three modes: the iterate is finite, its Hessian is not — no step can be
    computed, the run stops there (it has not diverged)."""
    objective = HessianGoesBad(bad_from, entry)
    path = ho.newton(objective, np.array([-1.2, 1.0]), damping=damping)
    t = bad_from - 1  # the iterate whose Hessian is bad: x_0, or x_1 after one good step
    assert steps(path) == t and path.hessian_evals[-1] == bad_from
    assert path.status == "stopped" and path.diverged_at is None
    assert path.message.startswith(f"stopped at step {t}: the Hessian at x_{t} is not finite; ")
    good = ho.newton(functions.rosenbrock, np.array([-1.2, 1.0]), damping=damping, max_steps=t)
    np.testing.assert_array_equal(path.params, good.params)


class GradientBreaksAtTheMinimum:
    """(x - 1)² whose gradient is NaN near x = 1, where a Newton step from anywhere lands."""

    def value(self, x):
        return (x[0] - 1) ** 2

    def grad(self, x):
        return np.array([np.nan]) if abs(x[0] - 1) < 1e-6 else 2 * (x - 1)

    def hess(self, x):
        return np.array([[2.0]])


@pytest.mark.parametrize("damping", [None, "line_search", "trust_region"])
def test_a_gradient_that_is_not_finite_at_the_next_iterate_is_divergence(damping):
    path = ho.newton(GradientBreaksAtTheMinimum(), np.array([3.0]), damping=damping, radius=10.0)
    assert path.status == "diverged" and path.diverged_at == 1 and steps(path) == 0
    assert path.message == "diverged at step 1: the gradient at x_1 is not finite"


def test_newton_without_safeguard_ends_converged_at_a_saddle_which_is_stationary():
    # Pure Newton jumps to the saddle (0, 0): ∇f = 0 there, so it has converged — to a saddle.
    path = ho.newton(functions.saddle, np.array([1.0, 0.5]), damping=None)
    np.testing.assert_array_equal(path.params[-1], [0.0, 0.0])
    assert path.status == "converged" and path.message == (
        "converged at step 1: |∇f| = 0 ≤ tol = 2.2e-10"
    )


# --- Bad inputs -----------------------------------------------------------------------------------


class GradientOnly:
    """An objective without a Hessian."""

    value = staticmethod(functions.rosenbrock.value)
    grad = staticmethod(functions.rosenbrock.grad)


class NonSymmetricHessian(GradientOnly):
    def hess(self, x):
        return np.triu(functions.rosenbrock.hess(x))  # Cholesky would read its lower triangle


class WrongHessianShape(GradientOnly):
    def hess(self, x):
        return np.eye(3)


rosen, start = functions.rosenbrock, np.array([-1.2, 1.0])
g0 = functions.rosenbrock.grad(start)
f0 = float(functions.rosenbrock.value(start))

BAD_INPUTS = [
    (lambda: ho.newton(rosen, start, damping="levenberg"), r"Invalid damping value: 'levenberg'"),
    (lambda: ho.newton(rosen, start, max_steps=-1), r"Invalid max_steps value: -1"),
    (lambda: ho.newton(rosen, start, max_steps=2.5), r"Invalid max_steps value: 2.5"),
    (lambda: ho.newton(rosen, start, tol=-1e-3), r"Invalid tol value: -0.001"),
    (lambda: ho.newton(rosen, start, c1=1.5), r"Invalid c1 value: 1.5"),
    (lambda: ho.newton(rosen, start, beta=0.0), r"Invalid beta value: 0.0"),
    (lambda: ho.newton(rosen, start, radius=-1.0), r"Invalid radius, max_radius values: -1.0"),
    (lambda: ho.newton(rosen, start, radius=10.0, max_radius=1.0), r"values: 10.0, 1.0"),
    (lambda: ho.newton(rosen, start, eta=0.3), r"Invalid eta value: 0.3"),
    (lambda: ho.newton(object(), start), r"objective must have a value\(x\) method, got object"),
    (lambda: ho.newton(GradientOnly(), start), r"must have a hess\(x\) method, got GradientOnly"),
    (lambda: ho.newton(rosen, np.zeros((2, 2))), r"x0 must have shape \(d,\), got shape \(2, 2\)"),
    (lambda: ho.newton(rosen, np.array([np.nan, 1.0])), r"x0 must be finite, got \[nan  1\.\]"),
    (lambda: ho.bfgs(rosen, np.array([1e200, 1.0])), r"f and its gradient must be finite at x0"),
    (lambda: ho.bfgs(rosen, start, line_search="armijo"), r"Invalid line_search value: 'armijo'"),
    (lambda: ho.bfgs(rosen, start, c1=0.9, c2=0.1), r"Invalid c1, c2 values: 0.9, 0.1"),
    (lambda: ho.bfgs(rosen, start, line_search="exact"), r"line_search='exact' needs a quad"),
    (lambda: ho.bfgs(rosen, start, H0=np.eye(3)), r"H0 must have shape \(2, 2\), got shape"),
    (lambda: ho.bfgs(rosen, start, H0=[[1.0, 2.0], [0.0, 1.0]]), r"H0 must be finite and symm"),
    (lambda: ho.bfgs(rosen, start, H0=-np.eye(2)), r"H0 must be positive definite, got smallest"),
    (lambda: ho.lbfgs(rosen, start, memory=0), r"Invalid memory value: 0"),
    (lambda: ho.lbfgs(rosen, start, memory=True), r"Invalid memory value: True"),
    (lambda: ho.wolfe(rosen, start, g0, f0, g0), r"descent direction .* got 54227\.4"),
    (lambda: ho.wolfe(rosen, start, -g0, f0, g0, c1=0.5, c2=0.5), r"Invalid c1, c2 values"),
    (lambda: ho.wolfe(rosen, start, -g0, f0, g0, step=0.0), r"Invalid step value: 0.0"),
    (lambda: ho.wolfe(rosen, start, -g0, f0, g0, max_evals=0), r"Invalid max_evals value: 0"),
    (lambda: ho.wolfe(rosen, start, -g0[:1], f0, g0), r"same shape, got \(2,\), \(1,\)"),
    (lambda: ho.backtracking(rosen, start, -g0, f0, g0, shrink=1.0), r"Invalid shrink value: 1"),
    (lambda: ho.backtracking(rosen, start, -g0, f0, g0, c1=0.0), r"Invalid c1 value: 0.0"),
    (lambda: ho.backtracking(rosen, start, -g0, f0, g0, step=-1), r"Invalid step value: -1"),
    (lambda: ho.backtracking(rosen, start, g0, f0, g0), r"must be a descent direction"),
    (
        lambda: ho.exact_quadratic_step(np.diag([1.0, -1.0]), np.ones(2), np.array([0.0, 1.0])),
        r"positive curvature p @ A @ p, got -1",
    ),
    (lambda: ho.cholesky_with_added_identity(np.ones(3)), r"finite square matrix, got shape \(3,"),
    (lambda: ho.cholesky_with_added_identity(np.eye(2), beta=-1), r"Invalid beta value: -1"),
    (
        lambda: ho.bfgs_update(np.eye(2), np.array([1.0, 0.0]), np.array([-1.0, 0.0])),
        r"curvature condition needs s @ y > 0, got -1",
    ),
    # Values that passed silently or failed with a raw traceback from inside.
    (lambda: ho.newton(rosen, start, tol=np.inf), r"Invalid tol value: inf \(must be finite"),
    (lambda: ho.bfgs(rosen, start, tol=[1e-3, 1e-4]), r"Invalid tol value: \[0.001, 0.0001\]"),
    (lambda: ho.newton(rosen, start, c1=np.array([0.1, 0.2])), r"Invalid c1 value: \[0.1 0.2\]"),
    (lambda: ho.newton(rosen, start, radius="1"), r"Invalid radius, max_radius values: 1, 1000"),
    (lambda: ho.newton(rosen, start, eta=None), r"Invalid eta value: None"),
    (lambda: ho.bfgs(rosen, start, c2="0.9"), r"Invalid c1, c2 values: 0.0001, 0.9"),
    (lambda: ho.lbfgs(rosen, start, c1=None), r"Invalid c1, c2 values: None, 0.9"),
    (lambda: ho.newton(rosen, ["1", "2"]), r"x0 must be an array of numbers, got \['1', '2'\]"),
    (lambda: ho.bfgs(rosen, [[1.0], [2.0, 3.0]]), r"x0 must be an array of numbers, got \[\[1.0\]"),
    (lambda: ho.bfgs(rosen, start, H0=[["1", "0"], ["0", "1"]]), r"H0 must be an array of num"),
    (lambda: ho.newton(WrongHessianShape(), start), r"hess\(x\) must have shape \(2, 2\), got"),
    (lambda: ho.wolfe(rosen, start, -g0, np.nan, g0), r"value must be f\(x\), a finite number"),
    (lambda: ho.backtracking(rosen, start, -g0, f0, g0, step=np.inf), r"Invalid step value: inf"),
    (lambda: ho.wolfe(rosen, start, -g0, f0, g0, step=np.nan), r"Invalid step value: nan"),
    (lambda: ho.newton(NonSymmetricHessian(), start), r"objective.hess\(x\) must be symmetric"),
    (lambda: ho.cholesky_with_added_identity(np.triu(np.ones((2, 2)))), r"A must be symmetric"),
    (lambda: ho.cauchy_point(np.zeros(2), np.eye(2), 1.0), r"grad must be nonzero"),
    (lambda: ho.cauchy_point(np.ones(2), np.eye(2), -1.0), r"Invalid radius value: -1.0"),
    (lambda: ho.dogleg(np.ones(2), np.eye(2), np.inf), r"Invalid radius value: inf"),
    (
        lambda: ho.dogleg(np.ones(2), np.eye(3), 1.0),
        r"shapes \(d,\), \(d, d\), got \(2,\), \(3, 3\)",
    ),
    (lambda: ho.dogleg(np.ones(2), np.diag([1.0, -1.0]), 0.1), r"B must be positive definite"),
    (lambda: ho.two_loop_recursion(np.ones(2), [], [], -1.0), r"Invalid gamma value: -1.0"),
    (
        lambda: ho.two_loop_recursion(
            np.ones(2), [np.array([1.0, 0.0])], [np.array([-1.0, 0.0])], 1
        ),
        r"every pair needs s_i @ y_i > 0, got \[-1.0\]",
    ),
]


@pytest.mark.parametrize(("call", "message"), BAD_INPUTS)
def test_bad_inputs_raise_value_errors_naming_the_value(call, message):
    with pytest.raises(ValueError, match=message):
        call()
