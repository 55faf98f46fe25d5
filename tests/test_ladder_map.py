"""The map chapter's ladder: Newton's step and the BFGS update (against optlib.higher_order),
Newton's error on a cubic derived by hand, and the prediction of Newton at a flat minimum — right
answers in other forms pass, each named mistake written as a learner would is named, and the
derivation and the prediction's outcome are checked independently of the checkers."""

from __future__ import annotations

import numpy as np
import pytest
from ladder import assert_named_without_the_formula, assert_passes

from optlib import higher_order
from optlib.exercises import (
    check_bfgs_update,
    check_newton_error,
    check_newton_flat_minimum,
    check_newton_step,
)
from optlib.exercises.engine import reveals

# --- Newton's step -------------------------------------------------------------------------------


def newton_step(x, grad, hess):
    return x - np.linalg.solve(hess, grad)


def test_the_newton_step_passes_solved_inverted_as_a_list_and_in_float32():
    assert_passes(
        check_newton_step,
        newton_step,
        lambda x, grad, hess: x - np.linalg.inv(hess) @ grad,
        lambda x, grad, hess: x + np.linalg.solve(hess, -grad),
        lambda x, grad, hess: newton_step(x, grad, hess).tolist(),
        lambda x, grad, hess: newton_step(x, grad, hess).astype(np.float32),
    )


NEWTON_MISTAKES = [
    (lambda x, grad, hess: x, "no_step"),
    (lambda x, grad, hess: x + np.linalg.solve(hess, grad), "uphill"),
    (lambda x, grad, hess: x - grad, "gradient_step"),
    (lambda x, grad, hess: x - hess @ grad, "hessian_not_inverted"),
    (lambda x, grad, hess: x - grad / np.diag(hess), "diagonal_only"),
    (lambda x, grad, hess: -np.linalg.solve(hess, grad), "returns_update"),
]


@pytest.mark.parametrize(("wrong", "name"), NEWTON_MISTAKES, ids=[n for _, n in NEWTON_MISTAKES])
def test_each_wrong_newton_step_is_named_without_the_formula(wrong, name):
    assert_named_without_the_formula(check_newton_step, wrong, name)


# --- The BFGS update -----------------------------------------------------------------------------


def bfgs_update(H, s, y):
    rho = 1 / (y @ s)
    identity = np.eye(len(s))
    left = identity - rho * np.outer(s, y)
    return left @ H @ left.T + rho * np.outer(s, s)


def bfgs_expanded(H, s, y):
    """Nocedal & Wright's expanded form of (6.17): H + (sᵀy + yᵀHy)(ssᵀ)/(sᵀy)² − (Hysᵀ +
    syᵀH)/(sᵀy)."""
    sy, Hy = s @ y, H @ y
    return H + (sy + y @ Hy) * np.outer(s, s) / sy**2 - (np.outer(Hy, s) + np.outer(s, Hy)) / sy


def test_the_bfgs_update_passes_in_its_expanded_form_as_a_list_and_in_float32():
    assert_passes(
        check_bfgs_update,
        bfgs_update,
        bfgs_expanded,
        lambda H, s, y: bfgs_update(H, s, y).tolist(),
        lambda H, s, y: bfgs_update(H, s, y).astype(np.float32),
    )


def dfp(H, s, y):
    Hy = H @ y
    return H - np.outer(Hy, Hy) / (y @ Hy) + np.outer(s, s) / (y @ s)


def hessian_form(H, s, y):
    Hs = H @ s
    return H - np.outer(Hs, Hs) / (s @ Hs) + np.outer(y, y) / (y @ s)


def missing_term(H, s, y):
    left = np.eye(len(s)) - np.outer(s, y) / (y @ s)
    return left @ H @ left.T


def rho_not_inverted(H, s, y):
    left = np.eye(len(s)) - (y @ s) * np.outer(s, y)
    return left @ H @ left.T + (y @ s) * np.outer(s, s)


def factors_swapped(H, s, y):
    left = np.eye(len(s)) - np.outer(y, s) / (y @ s)
    return left @ H @ left.T + np.outer(s, s) / (y @ s)


BFGS_MISTAKES = [
    (lambda H, s, y: H, "no_update"),
    (dfp, "dfp"),
    (hessian_form, "hessian_form"),
    (missing_term, "missing_term"),
    (rho_not_inverted, "rho_not_inverted"),
    (factors_swapped, "factors_swapped"),
    (lambda H, s, y: bfgs_update(H, y, s), "s_y_swapped"),
]


@pytest.mark.parametrize(("wrong", "name"), BFGS_MISTAKES, ids=[n for _, n in BFGS_MISTAKES])
def test_each_wrong_bfgs_update_is_named_without_the_formula(wrong, name):
    assert_named_without_the_formula(check_bfgs_update, wrong, name)


def test_the_bfgs_mistakes_are_really_wrong_and_the_dfp_keeps_the_secant_equation():
    """DFP and BFGS both satisfy H⁺y = s; the B form and the missing term do not."""
    rng = np.random.default_rng(3)
    s, y = rng.normal(size=4), rng.normal(size=4)
    y = y if y @ s > 0 else -y
    H = np.eye(4)
    for update, secant in [
        (bfgs_update, True),
        (dfp, True),
        (hessian_form, False),
        (missing_term, False),
    ]:
        assert np.allclose(update(H, s, y) @ y, s) == secant, update.__name__
    assert not np.allclose(dfp(H, s, y), bfgs_update(H, s, y))


# --- Newton's error, derived ---------------------------------------------------------------------


def newton_error(a, e):
    return a * e**2 / (1 + 2 * a * e)


def test_the_newton_error_passes_in_other_forms_and_in_float32():
    assert_passes(
        check_newton_error,
        newton_error,
        lambda a, e: e - (e + a * e**2) / (1 + 2 * a * e),
        lambda a, e: np.float32(newton_error(a, e)),
    )


NEWTON_ERROR_MISTAKES = [
    (lambda a, e: e, "no_step"),
    (lambda a, e: a * e**2, "leading_order"),
    (lambda a, e: -a * e**2 / (1 + 2 * a * e), "wrong_sign"),
    (lambda a, e: e - (e + a * e**2) / (1 + a * e), "second_derivative_slip"),
    (lambda a, e: e - (e**2 / 2 + a * e**3 / 3) / (e + a * e**2) if e else 0.0, "root_of_f"),
]


@pytest.mark.parametrize(
    ("wrong", "name"), NEWTON_ERROR_MISTAKES, ids=[n for _, n in NEWTON_ERROR_MISTAKES]
)
def test_each_wrong_newton_error_is_named_without_the_formula(wrong, name):
    assert_named_without_the_formula(check_newton_error, wrong, name)


class Cubic:
    """x²/2 + a x³/3, written here again so that the derivation is checked without the checker."""

    def __init__(self, a):
        self.a = a

    def value(self, x):
        return float(x[0] ** 2 / 2 + self.a * x[0] ** 3 / 3)

    def grad(self, x):
        return np.array([x[0] + self.a * x[0] ** 2])

    def hess(self, x):
        return np.array([[1 + 2 * self.a * x[0]]])


@pytest.mark.parametrize("seed", range(8))
def test_the_derived_error_map_follows_optlibs_newton_for_several_steps(seed):
    rng = np.random.default_rng(200 + seed)
    a = rng.choice([-1, 1]) * 10 ** rng.uniform(-1, 1)
    e = rng.uniform(-0.4, 0.4) / abs(a)
    run = higher_order.newton(Cubic(a), np.array([e]), damping=None, max_steps=4, tol=0.0)
    errors = [e]
    for _ in range(len(run.params) - 1):
        errors.append(newton_error(a, errors[-1]))
    # optlib subtracts the Newton step from e, which cancels: round-off of about 1e-16·|e₀|
    assert np.allclose(run.params[:, 0], errors, rtol=1e-10, atol=1e-14 * abs(e))
    # ... and the constant of (map-quadratic) tends to |a|: e_{k+1}/e_k² → a.
    small = 1e-4 / abs(a)
    assert np.isclose(newton_error(a, small) / small**2, a, rtol=1e-3)


# --- The prediction ------------------------------------------------------------------------------


def test_the_flat_minimum_prediction_runs_only_once_predicted():
    assert check_newton_flat_minimum(None).mistake == "no_prediction"
    assert check_newton_flat_minimum("quadratic").mistake == "wrong_output"
    for wrong in ("the digits double", "no progress"):
        result = check_newton_flat_minimum(wrong)
        assert result.mistake == "wrong_prediction", result.message
        everything = check_newton_flat_minimum(wrong, hint=True).message
        assert "Hint:" in everything
        assert reveals(everything, check_newton_flat_minimum.formulas) is None
    right = check_newton_flat_minimum(" The same number of digits per step ")
    assert right.passed, right.message


class Quartic:
    def value(self, x):
        return float(x[0] ** 4)

    def grad(self, x):
        return np.array([4 * x[0] ** 3])

    def hess(self, x):
        return np.array([[12 * x[0] ** 2]])


def test_newton_on_the_quartic_shrinks_the_error_by_two_thirds_every_step():
    run = higher_order.newton(Quartic(), np.array([1.0]), damping=None, max_steps=30, tol=0.0)
    assert len(run.params) == 31
    assert np.allclose(run.params[:, 0], (2 / 3) ** np.arange(31), rtol=1e-12)
