"""Derivative-free methods: Nelder–Mead against SciPy, kinks and plateaus, the (1+1)-ES's linear
rate and 1/5 success rate, random search's curse of dimensionality, and the contract every
method keeps (monotone best value, counted and capped evaluations, seeding, validation).

References are independent of optlib: ``scipy.optimize.minimize(method="Nelder-Mead")``,
values derived by hand (stated in each test), and the known minima of the test functions.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize as scipy_minimize

import optlib
from optlib import functions
from optlib.derivative_free import (
    coordinate_search,
    nelder_mead,
    one_plus_one_es,
    random_search,
)

METHODS = {
    "random_search": (random_search, {"radius": 0.5}),
    "coordinate_search": (coordinate_search, {}),
    "nelder_mead": (nelder_mead, {}),
    "one_plus_one_es": (one_plus_one_es, {}),
}
RANDOMISED = ["random_search", "one_plus_one_es"]

CENTRE = np.array([0.3, -1.7, 2.2])
START = np.array([3.0, 2.0, -1.0])


class Counted:
    """A plain callable that counts its calls and remembers the points it was given."""

    def __init__(self, function):
        self.function, self.points = function, []

    def __call__(self, x):
        self.points.append(np.array(x))
        return self.function(x)

    @property
    def calls(self) -> int:
        return len(self.points)


class SumOfAbs:
    """f(x) = Σ|x_i − c_i| with the subgradient sign(x − c): an objective optlib.minimize runs."""

    def __init__(self, c):
        self.c = np.asarray(c, dtype=float)

    def value(self, x):
        return np.sum(np.abs(x - self.c), axis=-1)

    def grad(self, x):
        return np.sign(x - self.c)


def sum_of_abs(x):
    return float(np.sum(np.abs(x - CENTRE[: len(x)])))


def staircase(x):
    """Σ⌊4|x_i − c_i|⌋: piecewise constant, zero on the box |x_i − c_i| < 1/4."""
    return float(np.sum(np.floor(4 * np.abs(x - CENTRE[: len(x)]))))


def sphere(x):
    return float(x @ x)


def mckinnon(v, tau=2.0, theta=6.0, phi=60.0):
    """McKinnon (1998): strictly convex and C¹ for τ > 1; minimum −1/4 at (0, −1/2)."""
    x, y = v
    return (theta * phi * abs(x) ** tau if x <= 0 else theta * x**tau) + y + y**2


# --- Nelder–Mead against SciPy -----------------------------------------------------------------


def scipy_nelder_mead(f, x0, initial_simplex=None, **options):
    options = {"maxfev": 10_000, "maxiter": 10_000, "return_all": True, **options}
    if initial_simplex is not None:
        options["initial_simplex"] = initial_simplex
    return scipy_minimize(lambda x: float(f(x)), x0, method="Nelder-Mead", options=options)


# Recorded when written (SciPy 1.17.1), ours | SciPy function evaluations: Rosenbrock 159 | 159,
# Himmelblau 157 | 157, quadratic 184 | 184, Himmelblau from a given simplex 80 | 80.
SCIPY_PROBLEMS = {
    "rosenbrock": (functions.rosenbrock, np.array([-1.2, 1.0]), np.array([1.0, 1.0]), None),
    "himmelblau": (functions.himmelblau, np.array([0.0, 0.0]), np.array([3.0, 2.0]), None),
    "quadratic": (
        functions.quadratic(np.diag([1.0, 4.0, 9.0])),
        np.array([1.0, 2.0, 3.0]),
        np.zeros(3),
        None,
    ),
    "himmelblau, given simplex": (
        functions.himmelblau,
        np.array([-1.0, -1.0]),
        np.array([-2.805118, 3.131312]),  # one of its four minima, to the six digits published
        np.array([[-1.0, -1.0], [-0.5, -1.0], [-1.0, -0.4]]),
    ),
}


@pytest.mark.parametrize("name", list(SCIPY_PROBLEMS))
def test_nelder_mead_matches_scipy(name):
    f, x0, minimiser, simplex = SCIPY_PROBLEMS[name]
    ours = nelder_mead(f, x0, initial_simplex=simplex, max_evals=10_000)
    theirs = scipy_nelder_mead(f, x0, initial_simplex=simplex)
    assert np.max(np.abs(theirs.x - minimiser)) < 1e-4
    assert np.max(np.abs(ours.params[-1] - minimiser)) < 1e-4
    assert np.max(np.abs(ours.params[-1] - theirs.x)) < 1e-4
    ratio = ours.value_evals[-1] / theirs.nfev
    assert 0.5 <= ratio <= 2.0, f"evaluations: ours {ours.value_evals[-1]}, SciPy {theirs.nfev}"
    # Same variant, same initial simplex: the first iterations' best vertices agree to round-off
    # (SciPy's allvecs is x0, then the best vertex after each iteration — our rows).
    assert np.allclose(ours.params[:10], np.array(theirs.allvecs)[:10], rtol=0, atol=1e-12)


def test_nelder_mead_first_evaluates_scipys_initial_simplex():
    """x0 = (0, 2): the vertices are x0, (0.00025, 2) for the zero coordinate, (0, 2.1) = 5% up."""
    f = Counted(sphere)
    nelder_mead(f, np.array([0.0, 2.0]), max_evals=3)
    assert np.array_equal(np.array(f.points), [[0.0, 2.0], [0.00025, 2.0], [0.0, 2.1]])


def test_nelder_mead_stops_on_scipys_tolerances():
    """A looser xatol/fatol stops earlier, and the final simplex is within them (checked by
    running SciPy with the same tolerances to the same number of evaluations)."""
    f, x0 = functions.rosenbrock, np.array([-1.2, 1.0])
    loose = nelder_mead(f, x0, xatol=1e-2, fatol=1e-2)
    tight = nelder_mead(f, x0, xatol=1e-8, fatol=1e-8)
    assert loose.value_evals[-1] < tight.value_evals[-1]
    for trajectory, tolerance in ((loose, 1e-2), (tight, 1e-8)):
        theirs = scipy_nelder_mead(f, x0, xatol=tolerance, fatol=tolerance)
        assert trajectory.value_evals[-1] == theirs.nfev


def test_nelder_mead_converges_to_a_non_stationary_point_on_mckinnons_function():
    """McKinnon's simplex (0, 0), (1, 1), ((1 + √33)/8, (1 − √33)/8): repeated inside contractions
    shrink it onto (0, 0), where ∇f = (0, 1) ≠ 0 and f = 0 > −1/4 = min f. SciPy does the same;
    compass search from (0, 0) finds the minimum (0, −1/2)."""
    root = math.sqrt(33)
    simplex = np.array([[0.0, 0.0], [1.0, 1.0], [(1 + root) / 8, (1 - root) / 8]])
    ours = nelder_mead(mckinnon, simplex[0], initial_simplex=simplex, xatol=1e-8, fatol=1e-8)
    theirs = scipy_nelder_mead(mckinnon, simplex[0], simplex, xatol=1e-8, fatol=1e-8)
    assert np.max(np.abs(ours.params[-1])) < 1e-8 and np.max(np.abs(theirs.x)) < 1e-8
    assert ours.losses[-1] == pytest.approx(0.0, abs=1e-8)
    compass = coordinate_search(mckinnon, simplex[0])
    assert np.allclose(compass.params[-1], [0.0, -0.5], atol=1e-8)
    assert compass.losses[-1] == pytest.approx(-0.25, abs=1e-12)


# --- Kinks and plateaus ------------------------------------------------------------------------


def test_coordinate_search_finds_the_kink_of_a_sum_of_abs():
    trajectory = coordinate_search(sum_of_abs, START, min_step=1e-8)
    assert np.max(np.abs(trajectory.params[-1] - CENTRE)) < 1e-7
    assert trajectory.value_evals[-1] < 500


def test_nelder_mead_finds_the_kink_in_two_dimensions_but_can_stall_in_three():
    """In 2-D the simplex closes on c. In 3-D from (3, 2, −1) it collapses onto a point with
    f ≈ 0.81 — SciPy's identical variant stalls at the same value — while compass search from
    the same start reaches c: a kink defeats the simplex's shape, not the polling."""
    two_d = nelder_mead(sum_of_abs, START[:2], xatol=1e-8, fatol=1e-8)
    assert np.max(np.abs(two_d.params[-1] - CENTRE[:2])) < 1e-7
    assert two_d.value_evals[-1] < 300
    three_d = nelder_mead(sum_of_abs, START, xatol=1e-8, fatol=1e-8, max_evals=5000)
    theirs = scipy_nelder_mead(sum_of_abs, START, xatol=1e-8, fatol=1e-8)
    assert three_d.value_evals[-1] < 5000  # it stopped by its own tolerances, not the budget
    assert three_d.losses[-1] > 0.5
    assert three_d.losses[-1] == pytest.approx(theirs.fun, rel=1e-6)


@pytest.mark.parametrize("name", RANDOMISED)
def test_randomised_methods_improve_on_a_sum_of_abs(name):
    """f(x0) = 2.7 + 3.7 + 3.2 = 9.6; within 3000 evaluations both get 100× lower."""
    method, options = METHODS[name]
    trajectory = method(sum_of_abs, START, max_evals=3000, **options)
    assert trajectory.losses[0] == pytest.approx(9.6)
    assert trajectory.losses[-1] < 9.6 / 100


@pytest.mark.parametrize("name", ["coordinate_search", *RANDOMISED])
def test_methods_that_poll_or_sample_cross_the_plateaus_of_a_staircase(name):
    """Σ⌊4|x_i − c_i|⌋ starts at ⌊10.8⌋ + ⌊14.8⌋ + ⌊12.8⌋ = 36 and is 0 only within 1/4 of c;
    its gradient is zero wherever it exists. Polling and sampling still reach the bottom."""
    method, options = METHODS[name]
    trajectory = method(staircase, START, max_evals=3000, **options)
    assert trajectory.losses[0] == 36.0
    assert trajectory.losses[-1] == 0.0
    assert np.max(np.abs(trajectory.params[-1] - CENTRE)) < 0.25


def test_nelder_mead_collapses_on_a_plateau():
    """SciPy's initial simplex moves each coordinate by 5% (≤ 0.15 here), so all four vertices
    share the value 36; every reflection ties, nothing is better, and shrinks collapse the
    simplex where it started."""
    trajectory = nelder_mead(staircase, START)
    assert np.all(trajectory.losses == 36.0)
    assert np.array_equal(trajectory.params[-1], START)


def test_nelder_mead_crosses_the_staircase_from_a_large_simplex_as_scipy_does():
    """With unit edges the simplex spans several steps of the staircase and walks down to 0.
    Plateaus make ties common, so matching SciPy's path here checks the tie-breaking rules."""
    simplex = np.vstack([START, START + np.eye(3)])
    ours = nelder_mead(staircase, START, initial_simplex=simplex)
    theirs = scipy_nelder_mead(staircase, START, simplex)
    assert ours.losses[-1] == theirs.fun == 0.0
    assert ours.value_evals[-1] == theirs.nfev
    assert np.allclose(ours.params, np.array(theirs.allvecs), rtol=0, atol=1e-12)


def test_gradient_descent_zig_zags_around_the_kink():
    """GD with the subgradient sign(x − c) moves by exactly η each step. For f = |x − 0.3| from
    x0 = 3 with η = 1/4: x − c = 2.7 falls by 1/4 to 0.2 after 10 steps, then flips between
    0.2 and −0.05 forever — an oscillation of amplitude η that never gets closer than 0.05,
    where compass search reaches the kink to 1e-8."""
    eta = 0.25
    trajectory = optlib.minimize(SumOfAbs([0.3]), np.array([3.0]), optlib.sgd(lr=eta), steps=60)
    error = trajectory.params[:, 0] - 0.3
    assert np.allclose(error[:11], 2.7 - eta * np.arange(11))
    assert np.allclose(error[10::2], 0.2) and np.allclose(error[11::2], -0.05)
    assert np.allclose(np.abs(error[10:-1]) + np.abs(error[11:]), eta)
    assert trajectory.losses.min() == pytest.approx(0.05)
    compass = coordinate_search(lambda x: abs(x[0] - 0.3), np.array([3.0]), min_step=1e-9)
    assert abs(compass.params[-1, 0] - 0.3) < 1e-8


# --- Coordinate search -------------------------------------------------------------------------


def test_coordinate_search_bounds_the_gradient_at_unsuccessful_polls():
    """An unsuccessful poll means f(x ± Δe_i) ≥ f(x) for all i; with f(x ± Δe_i) ≤
    f(x) ± Δ∂_i f + ½LΔ² this gives ‖∇f(x)‖ ≤ ½√d·L·Δ. Checked at every such poll on a rotated
    quadratic, with Δ recovered from the count of earlier unsuccessful polls."""
    f = functions.quadratic_bowl(condition_number=10.0, angle=0.5)
    step, shrink = 1.0, 0.5
    trajectory = coordinate_search(f, f.x0, step=step, shrink=shrink, min_step=1e-6)
    unsuccessful = np.all(trajectory.params[1:] == trajectory.params[:-1], axis=1)
    deltas = step * shrink ** np.concatenate([[0], np.cumsum(unsuccessful)[:-1]])
    gradient_norms = np.linalg.norm(f.grad(trajectory.params[1:]), axis=1)
    bound = 0.5 * math.sqrt(2) * f.L * deltas
    assert unsuccessful.sum() > 10
    assert np.all(gradient_norms[unsuccessful] <= bound[unsuccessful])


def test_coordinate_search_stops_after_the_step_falls_below_min_step():
    """Δ = 2^{-u} after u unsuccessful polls; 2^{-10} ≈ 9.8e-4 < 1e-3 ≤ 2^{-9}: ten of them."""
    trajectory = coordinate_search(sum_of_abs, START, step=1.0, shrink=0.5, min_step=1e-3)
    unsuccessful = np.all(trajectory.params[1:] == trajectory.params[:-1], axis=1)
    assert unsuccessful.sum() == 10 and unsuccessful[-1]


# --- (1+1)-ES -----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_plus_one_es_converges_linearly_with_a_success_rate_near_a_fifth(seed):
    r"""On ‖x‖² in d = 10, log‖x‖ falls at a steady rate r per evaluation, near the (1+1)-ES's
    best, ≈ 0.202/d (Rechenberg). σ tracks ‖x‖, so log σ falls at the same rate; as log σ
    changes by +1/3 per success and −1/12 per failure, the success rate p obeys
    p/3 − (1 − p)/12 = −r, i.e. p = (1 − 12r)/5: a little under 1/5."""
    d, burn_in = 10, 200
    trajectory = one_plus_one_es(sphere, np.ones(d), sigma=1.0, max_evals=2000, seed=seed)
    log_distance = 0.5 * np.log(trajectory.losses)
    evals = trajectory.value_evals
    rate = -np.polyfit(evals[burn_in:], log_distance[burn_in:], 1)[0]
    assert 0.5 * 0.202 / d < rate < 1.1 * 0.202 / d
    # Steady: every window of 300 evaluations makes at least half the average progress.
    windows = log_distance[burn_in::300]
    assert np.all(-np.diff(windows) > 0.5 * rate * 300)
    successes = np.any(trajectory.params[burn_in + 1 :] != trajectory.params[burn_in:-1], axis=1)
    success_rate = successes.mean()
    assert 0.12 < success_rate < 0.22
    assert success_rate == pytest.approx((1 - 12 * rate) / 5, abs=0.02)


def test_one_plus_one_es_moves_on_ties_and_grows_its_step():
    """On a constant f every proposal ties, counts as a success and is kept, so σ_k = e^{k/3}:
    the step lengths σ_k‖z_k‖ grow by e^{1/3} per step (‖z_k‖ ≈ √d in d = 50 keeps the noise
    small), log-slope 1/3."""
    trajectory = one_plus_one_es(lambda x: 0.0, np.zeros(50), sigma=1.0, max_evals=40)
    step_lengths = np.linalg.norm(np.diff(trajectory.params, axis=0), axis=1)
    assert np.all(step_lengths > 0)
    slope = np.polyfit(np.arange(len(step_lengths)), np.log(step_lengths), 1)[0]
    assert slope == pytest.approx(1 / 3, abs=0.02)


# --- Random search ------------------------------------------------------------------------------


def evaluations_to_reach(trajectory, target):
    hits = np.nonzero(trajectory.losses <= target)[0]
    return trajectory.value_evals[hits[0]] if hits.size else math.inf


def test_random_search_suffers_the_curse_of_dimensionality():
    """From ‖x0‖ = 1 with r = 1, reaching ‖x‖ ≤ 1/2 takes a handful of evaluations in d = 2 and
    hundreds in d = 10: a uniform draw in the ball lands in the target ball of radius 1/2 with
    probability at most (1/2)^d, 1/4 in d = 2 but 1/1024 in d = 10 (medians over 7 seeds)."""
    medians = {}
    for d in (2, 10):
        x0 = np.eye(d)[0]
        runs = [random_search(sphere, x0, radius=1.0, max_evals=5000, seed=s) for s in range(7)]
        medians[d] = np.median([evaluations_to_reach(run, 0.25) for run in runs])
    assert medians[2] < 20
    assert medians[10] / medians[2] > 20


def test_random_search_keeps_only_strictly_better_points():
    trajectory = random_search(lambda x: 0.0, np.zeros(2), max_evals=50)
    assert np.all(trajectory.params == 0.0)


def test_random_search_gaussian_proposals():
    trajectory = random_search(sphere, np.ones(2), radius=0.3, distribution="gaussian", seed=3)
    assert trajectory.losses[-1] < 0.01 * trajectory.losses[0]


# --- What every method promises ----------------------------------------------------------------


@pytest.mark.parametrize("name", list(METHODS))
def test_best_value_never_increases_and_is_the_value_of_the_best_point(name):
    method, options = METHODS[name]
    f = functions.rosenbrock
    trajectory = method(f, np.array([-1.2, 1.0]), max_evals=400, **options)
    assert np.all(trajectory.losses[1:] <= trajectory.losses[:-1])
    assert np.array_equal(trajectory.losses, f.value(trajectory.params))
    assert trajectory.losses[-1] < trajectory.losses[0]


@pytest.mark.parametrize("name", list(METHODS))
def test_trajectory_counts_every_call_of_f(name):
    method, options = METHODS[name]
    f = Counted(functions.himmelblau)
    trajectory = method(f, np.array([0.5, 0.5]), max_evals=300, **options)
    T = len(trajectory.params)
    assert trajectory.params.shape == (T, 2) and trajectory.losses.shape == (T,)
    assert np.array_equal(trajectory.params[0], [0.5, 0.5])
    assert trajectory.value_evals[0] == 1
    assert np.all(np.diff(trajectory.value_evals) >= 1)
    assert trajectory.value_evals[-1] == f.calls <= 300
    assert np.array_equal(trajectory.grad_evals, np.zeros(T))
    assert trajectory.hessian_evals is None and trajectory.diverged_at is None
    assert type(trajectory) is optlib.Trajectory and trajectory.inverse_hessians is None


@pytest.mark.parametrize("name", list(METHODS))
@given(max_evals=st.integers(1, 40))
def test_max_evals_is_never_exceeded(name, max_evals):
    method, options = METHODS[name]
    f = Counted(functions.rosenbrock)
    trajectory = method(f, np.array([-1.2, 1.0]), max_evals=max_evals, **options)
    assert f.calls == trajectory.value_evals[-1] <= max_evals
    if name in RANDOMISED:  # nothing stops them before the budget
        assert f.calls == max_evals


@pytest.mark.parametrize("name", list(METHODS))
def test_same_seed_same_run(name):
    method, options = METHODS[name]
    runs = [method(sum_of_abs, START, max_evals=200, seed=s, **options) for s in (7, 7, 8)]
    for field in ("params", "losses", "value_evals"):
        assert np.array_equal(getattr(runs[0], field), getattr(runs[1], field))
    if name in RANDOMISED:
        assert not np.array_equal(runs[0].params, runs[2].params)


@pytest.mark.parametrize("name", list(METHODS))
def test_a_plain_callable_runs_as_the_objective(name):
    method, options = METHODS[name]
    f = functions.beale
    x0 = np.array([1.0, 1.0])
    as_objective = method(f, x0, max_evals=200, **options)
    as_callable = method(lambda x: f.value(x), x0, max_evals=200, **options)
    assert np.array_equal(as_objective.params, as_callable.params)
    assert np.array_equal(as_objective.value_evals, as_callable.value_evals)


@pytest.mark.parametrize("name", list(METHODS))
def test_a_function_unbounded_below_raises_no_warnings(name):
    """On f(x) = x₁ the simplex doubles every expansion and σ grows by e^{1/3} per success, so
    both overflow within the budget: their next trial point is not finite, and the run has
    diverged (pytest turns a RuntimeWarning into an error). Random and compass search, whose
    steps do not grow, walk down by at most their radius or step a call, and spend the budget."""
    method, options = METHODS[name]
    trajectory = method(lambda x: x[0], np.zeros(2), max_evals=20_000, **options)
    assert np.all(trajectory.losses[1:] <= trajectory.losses[:-1])
    assert trajectory.losses[-1] < -1e3
    assert np.all(np.isfinite(trajectory.losses)) and np.all(np.isfinite(trajectory.params))
    if name in ("nelder_mead", "one_plus_one_es"):
        assert trajectory.status == "diverged"
        assert trajectory.diverged_at == len(trajectory.params)
        assert trajectory.message == (
            f"diverged at step {trajectory.diverged_at}: a trial point is not finite "
            "(the steps overflowed)"
        )
    else:
        assert trajectory.status == "finished" and trajectory.value_evals[-1] == 20_000


# --- How a run ends -----------------------------------------------------------------------------


def steps(trajectory) -> int:
    return len(trajectory.params) - 1


def test_nelder_mead_converges_where_scipy_does_and_says_why():
    f, x0 = functions.rosenbrock, np.array([-1.2, 1.0])
    ours, theirs = nelder_mead(f, x0), scipy_nelder_mead(f, x0)
    assert theirs.success and ours.success and ours.status == "converged"
    prefix = (
        f"converged at step {steps(ours)}: the simplex lies within xatol = 0.0001 and "
        "fatol = 0.0001 of its best vertex (max |x_i - x_1| = "
    )
    assert ours.message.startswith(prefix)
    spreads = ours.message.removeprefix(prefix).rstrip(")")  # "8.8e-05, max |f_i - f_1| = 3e-10"
    spread_x, spread_f = float(spreads.split(",")[0]), float(spreads.split(" = ")[1])
    assert 0 < spread_x <= 1e-4 and 0 < spread_f <= 1e-4


def test_nelder_mead_out_of_budget_has_finished_where_scipy_reports_its_budget():
    f, x0 = functions.rosenbrock, np.array([-1.2, 1.0])
    theirs = scipy_nelder_mead(f, x0, maxfev=50)
    assert not theirs.success and "function evaluations" in theirs.message
    ours = nelder_mead(f, x0, max_evals=50)
    # Our contract: a run that spent the budget it was given has finished (and is no failure).
    assert ours.status == "finished" and ours.success and ours.value_evals[-1] == 50
    assert ours.message == (
        f"finished: took {steps(ours)} steps, spending the budget of max_evals = 50 "
        f"evaluations of f; best f = {float(f.value(ours.params[-1])):.6g}"
    )


def test_coordinate_search_converges_once_its_step_falls_below_min_step():
    # Δ halves from 1 at each unsuccessful poll: 2⁻²⁶ ≈ 1.5e-8 >= 1e-8 > 2⁻²⁷ ≈ 7.45e-9.
    trajectory = coordinate_search(sphere, START)
    assert trajectory.status == "converged" and trajectory.value_evals[-1] < 1000
    assert trajectory.message == (
        f"converged at step {steps(trajectory)}: the step Δ = 7.5e-09 fell below "
        "min_step = 1e-08 (no better poll point)"
    )


@pytest.mark.parametrize("name", list(METHODS))
def test_a_run_that_spends_its_budget_has_finished_with_its_best_value(name):
    method, options = METHODS[name]
    trajectory = method(functions.rosenbrock, np.array([-1.2, 1.0]), max_evals=40, **options)
    best = float(functions.rosenbrock.value(trajectory.params[-1]))
    assert trajectory.status == "finished" and trajectory.success
    assert trajectory.message == (
        f"finished: took {steps(trajectory)} steps, spending the budget of max_evals = 40 "
        f"evaluations of f; best f = {best:.6g}"
    )


def cliff(x):
    """x₁ down to x₁ = -3.5, then -∞: unbounded below."""
    return float(x[0]) if x[0] > -3.5 else -math.inf


@pytest.mark.parametrize("name", list(METHODS))
def test_minus_infinity_is_divergence_and_never_a_best_value(name):
    method, options = METHODS[name]
    f = Counted(cliff)
    trajectory = method(f, np.zeros(2), max_evals=1000, **options)
    assert cliff(f.points[-1]) == -math.inf  # the run ended at the call that met -∞
    assert trajectory.status == "diverged" and not trajectory.success
    assert trajectory.diverged_at == steps(trajectory) + 1
    assert np.all(trajectory.losses > -3.5)  # no -∞ among the best values
    assert trajectory.value_evals[-1] == f.calls  # that call is counted
    assert trajectory.message == (
        f"diverged at step {trajectory.diverged_at}: f = -inf at a trial point: "
        "the objective is unbounded below"
    )


class Holed:
    """Rosenbrock with a hole where f is ``fill`` (NaN, or +∞), counting the NaN it returns."""

    def __init__(self, in_hole, fill=math.nan):
        self.in_hole, self.fill, self.nans = in_hole, fill, 0

    def __call__(self, x):
        if self.in_hole(x):
            self.nans += math.isnan(self.fill)
            return self.fill
        return float(functions.rosenbrock.value(x))


def left_of_start(x):
    return x[0] < -1.25


def in_ring(x):
    return 0.3 < math.hypot(x[0] + 0.5, x[1] - 0.3) < 0.4


@pytest.mark.parametrize("name", ["random_search", "coordinate_search", "one_plus_one_es"])
def test_nan_trials_are_failed_trials_and_the_message_counts_them(name):
    """A comparison-based method cannot tell a NaN trial from a +∞ one: neither is better. The
    runs must be identical, and the message must say how many values were NaN."""
    method, options = METHODS[name]
    holed, walled = Holed(left_of_start), Holed(left_of_start, fill=math.inf)
    x0 = np.array([-1.2, 1.0])
    trajectory = method(holed, x0, max_evals=500, **options)
    reference = method(walled, x0, max_evals=500, **options)
    assert np.array_equal(trajectory.params, reference.params)
    assert np.array_equal(trajectory.value_evals, reference.value_evals)
    assert trajectory.status == reference.status and reference.message in trajectory.message
    assert holed.nans > 1 and walled.nans == 0
    assert trajectory.message.endswith(
        f"; {holed.nans} trial values were NaN and were treated as failed trials"
    )


def test_nelder_mead_treats_nan_trials_as_scipy_does_and_counts_them():
    holed, x0 = Holed(in_ring), np.array([-1.2, 1.0])
    ours = nelder_mead(holed, x0)
    nans = holed.nans
    theirs = scipy_nelder_mead(holed, x0)
    assert nans > 10 and ours.status == "converged" and theirs.success
    assert np.allclose(ours.params, np.array(theirs.allvecs), rtol=0, atol=1e-12)
    assert ours.message.endswith(
        f"; {nans} trial values were NaN and were treated as failed trials"
    )


def test_one_nan_trial_is_said_in_the_singular():
    holed = Holed(lambda x: x[0] < -1.25 and x[1] == 1.0)  # only the first simplex vertex
    trajectory = nelder_mead(holed, np.array([-1.2, 1.0]))
    assert holed.nans == 1
    assert trajectory.message.endswith("; 1 trial value was NaN and was treated as a failed trial")


# --- Bad input ----------------------------------------------------------------------------------

BAD_INPUTS = [
    ("random_search", {"radius": 0.0}, r"Invalid radius value: 0.0 \(must be positive"),
    ("random_search", {"radius": math.inf}, r"Invalid radius value: inf \(must be positive"),
    ("random_search", {"distribution": "cauchy"}, r"Invalid distribution value: 'cauchy'"),
    ("coordinate_search", {"step": -1.0}, r"Invalid step value: -1.0"),
    ("coordinate_search", {"shrink": 1.0}, r"Invalid shrink value: 1.0 \(must lie in \(0, 1\)\)"),
    ("coordinate_search", {"shrink": 0.0}, r"Invalid shrink value: 0.0 \(must lie in \(0, 1\)\)"),
    ("coordinate_search", {"min_step": 0.0}, r"Invalid min_step value: 0.0"),
    ("nelder_mead", {"rho": 0.0}, r"Invalid rho value: 0.0 \(reflection needs rho > 0\)"),
    ("nelder_mead", {"chi": 1.0}, r"Invalid chi value: 1.0 \(expansion needs chi > 1"),
    ("nelder_mead", {"rho": 2.0, "chi": 1.5}, r"Invalid chi value: 1.5 .*chi > rho = 2.0"),
    ("nelder_mead", {"gamma": 1.0}, r"Invalid gamma value: 1.0 \(must lie in \(0, 1\)\)"),
    ("nelder_mead", {"sigma": 0.0}, r"Invalid sigma value: 0.0 \(must lie in \(0, 1\)\)"),
    ("nelder_mead", {"xatol": -1e-4}, r"Invalid xatol value: -0.0001 \(must be >= 0\)"),
    ("nelder_mead", {"fatol": math.nan}, r"Invalid fatol value: nan \(must be >= 0\)"),
    ("one_plus_one_es", {"sigma": -0.5}, r"Invalid sigma value: -0.5 \(must be positive"),
    # One number each: an array would silently act per coordinate (a radius, a step, a σ per
    # axis), or break a comparison inside.
    ("random_search", {"radius": np.array([0.5, 1.0])}, r"Invalid radius value: \[0.5 1. \]"),
    ("coordinate_search", {"step": [1.0, 2.0]}, r"Invalid step value: \[1.0, 2.0\]"),
    ("coordinate_search", {"min_step": [1e-8]}, r"Invalid min_step value: \[1e-08\]"),
    ("nelder_mead", {"xatol": [1e-4, 1e-3]}, r"Invalid xatol value: \[0.0001, 0.001\]"),
    ("nelder_mead", {"sigma": np.array([0.5])}, r"Invalid sigma value: \[0.5\]"),
    ("one_plus_one_es", {"sigma": [1.0, 0.1]}, r"Invalid sigma value: \[1.0, 0.1\]"),
]


@pytest.mark.parametrize(
    ("name", "options", "message"), BAD_INPUTS, ids=[f"{n}-{o}" for n, o, _ in BAD_INPUTS]
)
def test_bad_hyperparameters_raise_with_their_value(name, options, message):
    method, _ = METHODS[name]
    f = Counted(sphere)
    with pytest.raises(ValueError, match=message):
        method(f, np.ones(2), **options)
    assert f.calls == 0  # checked before any evaluation


def test_the_conditions_behind_each_message_are_the_ones_checked():
    """The boundary values on the valid side run: a message must not reject what it allows."""
    for name, options in [
        ("coordinate_search", {"shrink": 0.999, "min_step": 0.5}),
        ("nelder_mead", {"rho": 0.5, "chi": 1.01, "gamma": 0.01, "sigma": 0.99}),
        ("nelder_mead", {"rho": 2.0, "chi": 2.01, "xatol": 0.0, "fatol": 0.0}),
    ]:
        method, _ = METHODS[name]
        trajectory = method(sphere, np.ones(2), max_evals=50, **options)
        assert trajectory.losses[-1] <= 2.0


@pytest.mark.parametrize("name", list(METHODS))
@pytest.mark.parametrize(
    ("x0", "message"),
    [
        (np.ones((2, 2)), r"x0 must have shape \(d,\) with d >= 1, got shape \(2, 2\)"),
        (np.ones(0), r"x0 must have shape \(d,\) with d >= 1, got shape \(0,\)"),
        (np.array([1.0, np.nan]), r"x0 must be finite"),
    ],
)
def test_bad_start_raises(name, x0, message):
    method, options = METHODS[name]
    with pytest.raises(ValueError, match=message):
        method(sphere, x0, **options)


@pytest.mark.parametrize("name", list(METHODS))
def test_bad_budget_and_bad_functions_raise(name):
    method, options = METHODS[name]
    for max_evals in (0, 2.5):
        with pytest.raises(ValueError, match=rf"Invalid max_evals value: {max_evals}"):
            method(sphere, np.ones(2), max_evals=max_evals, **options)
    for bad in (math.nan, -math.inf, math.inf):  # at x0, not a failed trial: bad input
        with pytest.raises(ValueError, match=rf"f\(x0\) must be finite, got {bad}"):
            method(lambda x, bad=bad: bad, np.ones(2), **options)
    with pytest.raises(ValueError, match=r"f must return a scalar, got an array of shape \(2,\)"):
        method(lambda x: x, np.ones(2), **options)
    with pytest.raises(TypeError, match=r"f must have a value\(x\) method or be callable"):
        method(42, np.ones(2), **options)


@pytest.mark.parametrize("name", list(METHODS))
@pytest.mark.parametrize("seed", [-1, 1.5, "0", True, None])
def test_a_bad_seed_raises_naming_it(name, seed):
    method, options = METHODS[name]
    with pytest.raises(
        ValueError, match=rf"Invalid seed value: {seed!r} \(must be an integer >= 0"
    ):
        method(sphere, np.ones(2), seed=seed, **options)


@pytest.mark.parametrize("name", list(METHODS))
@pytest.mark.parametrize("x0", [["1", "2"], [[1.0], [2.0, 3.0]], [None, 1.0], [True, False]])
def test_a_start_that_holds_no_numbers_raises_naming_x0(name, x0):
    method, options = METHODS[name]
    with pytest.raises(ValueError, match=r"x0 must be an array of numbers, got "):
        method(sphere, x0, **options)


@pytest.mark.parametrize(
    ("simplex", "message"),
    [
        ([["1", "1"], ["2", "1"], ["1", "2"]], r"initial_simplex must be an array of numbers"),
        (
            np.ones((2, 2)),
            r"initial_simplex must have shape \(d \+ 1, d\) = \(3, 2\), got \(2, 2\)",
        ),
        ([[1.0, 1.0], [2.0, 1.0], [1.0, np.inf]], r"initial_simplex must be finite"),
        ([[0.0, 1.0], [2.0, 1.0], [1.0, 2.0]], r"initial_simplex\[0\] must be x0 = \[1. 1.\]"),
        ([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]], r"degenerate: its edges from x0 span 1 of 2"),
    ],
)
def test_bad_initial_simplex_raises(simplex, message):
    with pytest.raises(ValueError, match=message):
        nelder_mead(sphere, np.ones(2), initial_simplex=np.array(simplex))
