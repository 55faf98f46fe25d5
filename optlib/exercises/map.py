r"""Exercises of the chapter 'The map of optimizers': Newton's step and the BFGS update, checked
against :mod:`optlib.higher_order`; Newton's error on a cubic derived by hand; and a prediction
of Newton's method at a minimum where the Hessian vanishes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from optlib import functions, higher_order, optimizers
from optlib.exercises.engine import (
    Case,
    CheckResult,
    Mistake,
    check_against,
    checker,
    judge_prediction,
)
from optlib.exercises.variants import (
    negative,
    returns_update,
    rule_step,
    stands_still,
    with_arg,
)

__all__ = [
    "check_bfgs_update",
    "check_newton_error",
    "check_newton_flat_minimum",
    "check_newton_step",
]


def _spd(
    rng: np.random.Generator, d: int, condition_number: float
) -> np.ndarray:
    """A random symmetric positive definite d × d matrix with the given condition number."""
    rotation, _ = np.linalg.qr(rng.normal(size=(d, d)))
    return (
        rotation
        @ np.diag(np.geomspace(1.0, condition_number, d))
        @ rotation.T
    )


# --- Newton's step --------------------------------------------------------------------------------


def _newton_step(
    x: np.ndarray, grad: np.ndarray, hess: np.ndarray
) -> np.ndarray:
    """optlib's Newton step (map-newton) from ``x``: ``x`` plus
    :func:`higher_order.newton_direction`."""
    return x + higher_order.newton_direction(hess, grad)


@checker(
    formulas=(
        "solve(hess,grad)",
        "solve(hess,-grad)",
        "inv(hess)@grad",
        "x-H⁻¹∇f",
        "−H_k^{-1}∇f(x_k)",
        "x-H^{-1}g",
    )
)
def check_newton_step(step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's Newton step against :func:`optlib.higher_order.newton_direction`.

    .. math::
        x_{k+1} = x_k - H_k^{-1}\, \nabla f(x_k),

    the minimiser of the quadratic model (map-taylor), found by solving
    :math:`H_k p = -\nabla f(x_k)`.

    Expected signature: ``step(x, grad, hess) -> new x``.

    Examples
    --------
    >>> import numpy as np
    >>> def my_newton_step(x, grad, hess):
    ...     return x - np.linalg.solve(hess, grad)
    >>> check_newton_step(my_newton_step).passed
    True
    """
    rng = np.random.default_rng(21)
    rosenbrock = functions.rosenbrock
    saddle = np.diag([2.0, -1.0, 0.5])
    cases = [
        Case(
            (rng.normal(size=2), rng.normal(size=2), _spd(rng, 2, 10.0)),
            "d = 2, κ = 10",
        ),
        Case(
            (rng.normal(size=3), rng.normal(size=3), _spd(rng, 3, 3.0)),
            "d = 3, κ = 3",
        ),
        Case(
            (rng.normal(size=5), rng.normal(size=5), _spd(rng, 5, 1e3)),
            "d = 5, ill-conditioned (κ = 1000)",
        ),
        Case(
            (
                rosenbrock.x0,
                rosenbrock.grad(rosenbrock.x0),
                rosenbrock.hess(rosenbrock.x0),
            ),
            "Rosenbrock at its start (−1.2, 1)",
        ),
        Case(
            (rng.normal(size=3), rng.normal(size=3), saddle),
            "a saddle: an indefinite Hessian",
        ),
        Case(
            (np.array([0.7]), np.array([-0.4]), np.array([[4.0]])),
            "one dimension",
        ),
    ]
    reference = _newton_step

    # Changes of the formula itself, written out.
    def hessian_not_inverted(x, grad, hess):
        return x - hess @ grad

    def diagonal_only(x, grad, hess):
        return x - grad / np.diag(hess)

    mistakes = [
        Mistake(
            "no_step",
            "Not yet: x does not move — your function returns the point it was given.",
            stands_still(reference),
            hint="step to the minimiser of the quadratic model (map-taylor): where its "
            "gradient vanishes.",
        ),
        Mistake(
            "uphill",
            "Your step goes the wrong way: it moves to the model's minimiser reflected through x.",
            with_arg(reference, 1, negative),
            hint="set the model's gradient to zero and solve for p: watch the sign.",
        ),
        Mistake(
            "gradient_step",
            "Your step ignores the curvature: it is a gradient step with learning rate 1.",
            lambda x, grad, hess: rule_step(optimizers.sgd(lr=1.0), x, grad)[
                0
            ],
            hint="the Hessian must set the length and the direction of the step: use it.",
        ),
        Mistake(
            "hessian_not_inverted",
            "Your step multiplies the gradient by the Hessian instead of dividing by it.",
            hessian_not_inverted,
            hint="a steep direction (large curvature) should get a short step, not a long one.",
        ),
        Mistake(
            "diagonal_only",
            "Your step uses only the diagonal of the Hessian, one coordinate at a time.",
            diagonal_only,
            hint="that is a diagonal preconditioner, as in the adaptive methods; Newton uses the "
            "whole matrix, so it also undoes curvature that runs across the axes. Solve a "
            "linear system.",
        ),
        Mistake(
            "returns_update",
            "Your function returns the step p, not the new point.",
            returns_update(reference),
            hint="add the step to the point you were given.",
        ),
    ]
    return check_against(
        step,
        reference,
        cases,
        mistakes,
        arg_names=("x", "grad", "hess"),
        output_names=("new x",),
        reference_name="optlib.higher_order.newton_direction",
        advice="minimise the model (map-taylor) by hand: its gradient is linear in p; set it "
        "to zero.",
    )


# --- The BFGS update ------------------------------------------------------------------------------


@checker(
    formulas=(
        "I-rho*np.outer(s,y)",
        "I−ρsyᵀ",
        "I-ρ_k s_k y_k^⊤",
        "I-ρ_k s_k y_k^\\top",
        "rho*np.outer(s,s)",
        "ρ_k s_k s_k^⊤",
        "1/(y@s)",
        "1/(yᵀs)",
    )
)
def check_bfgs_update(update: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's BFGS update of the inverse Hessian approximation against
    :func:`optlib.higher_order.bfgs_update`.

    .. math::
        H_{k+1} = \left(I - \rho_k s_k y_k^\top\right) H_k \left(I - \rho_k y_k s_k^\top\right)
        + \rho_k s_k s_k^\top, \qquad \rho_k = \frac{1}{y_k^\top s_k}.

    Expected signature: ``update(H, s, y) -> new H``, for a symmetric positive definite ``H``
    and vectors ``s``, ``y`` with :math:`s^\top y > 0`.

    Examples
    --------
    >>> import numpy as np
    >>> def my_bfgs_update(H, s, y):
    ...     rho, I = 1 / (y @ s), np.eye(len(s))
    ...     left = I - rho * np.outer(s, y)
    ...     return left @ H @ left.T + rho * np.outer(s, s)
    >>> check_bfgs_update(my_bfgs_update).passed
    True
    """
    rng = np.random.default_rng(22)

    def pair(d: int) -> tuple[np.ndarray, np.ndarray]:
        """A random step s and gradient change y with the curvature condition sᵀy > 0."""
        s, y = rng.normal(size=d), rng.normal(size=d)
        return s, (y if y @ s > 0 else -y)

    A = _spd(rng, 4, 50.0)
    s_quadratic = rng.normal(size=4)
    s_tiny, y_large = pair(3)
    cases = [
        Case((np.eye(2), *pair(2)), "the first update, from H = I, d = 2"),
        Case((_spd(rng, 3, 5.0), *pair(3)), "d = 3"),
        Case((_spd(rng, 5, 100.0), *pair(5)), "d = 5, an ill-conditioned H"),
        Case(
            (np.eye(4), s_quadratic, A @ s_quadratic),
            "a pair from a quadratic: y = A s",
        ),
        Case(
            (_spd(rng, 3, 2.0), 1e-3 * s_tiny, 1e3 * y_large),
            "a tiny s, a large y",
        ),
        Case(
            (np.array([[0.5]]), np.array([2.0]), np.array([0.8])),
            "one dimension",
        ),
    ]
    reference = higher_order.bfgs_update

    # Changes of the formula itself, written out.
    def dfp(H, s, y):
        Hy = H @ y
        return H - np.outer(Hy, Hy) / (y @ Hy) + np.outer(s, s) / (y @ s)

    def hessian_form(H, s, y):
        Hs = H @ s
        return H - np.outer(Hs, Hs) / (s @ Hs) + np.outer(y, y) / (y @ s)

    def missing_term(H, s, y):
        rho, identity = 1 / (y @ s), np.eye(len(s))
        return (
            (identity - rho * np.outer(s, y))
            @ H
            @ (identity - rho * np.outer(y, s))
        )

    def rho_not_inverted(H, s, y):
        rho, identity = y @ s, np.eye(len(s))
        left = identity - rho * np.outer(s, y)
        return left @ H @ left.T + rho * np.outer(s, s)

    def factors_swapped(H, s, y):
        rho, identity = 1 / (y @ s), np.eye(len(s))
        left = identity - rho * np.outer(y, s)
        return left @ H @ left.T + rho * np.outer(s, s)

    mistakes = [
        Mistake(
            "no_update",
            "Not yet: your H does not change — your function returns the matrix it was given.",
            stands_still(reference),
            hint="the new H must map y to s (the secant equation) and stay symmetric: start "
            "from (map-bfgs) and build it piece by piece.",
        ),
        Mistake(
            "dfp",
            "You wrote the DFP update, BFGS's dual: right secant equation, different matrix.",
            dfp,
            hint="DFP corrects H by a term in Hy; BFGS instead multiplies H on both sides by a "
            "projection built from s and y, then adds a rank-one term. Follow (map-bfgs).",
        ),
        Mistake(
            "hessian_form",
            "You updated H with the formula for the Hessian approximation B, not its inverse.",
            hessian_form,
            hint="(map-bfgs) updates the inverse H, so that the new H maps y to s; the B form "
            "maps s to y. Check your result against the secant equation.",
        ),
        Mistake(
            "missing_term",
            "Your update is missing its last, rank-one term.",
            missing_term,
            hint="without it the new H sends y to zero: the secant equation fails. Compare "
            "your new H times y with s.",
        ),
        Mistake(
            "rho_not_inverted",
            "Your ρ is the curvature yᵀs itself, not its reciprocal.",
            rho_not_inverted,
            hint="ρ must make the projection's factor ρ·(yᵀs) equal to one.",
        ),
        Mistake(
            "factors_swapped",
            "The two factors around H have s and y in each other's places.",
            factors_swapped,
            hint="the left factor must send y to zero (so that only the last term maps y): "
            "check which outer product does that.",
        ),
        Mistake(
            "s_y_swapped",
            "You swapped s and y throughout.",
            lambda H, s, y: reference(H, y, s),
            hint="s is the step in x, y the change of the gradient: H approximates the inverse "
            "Hessian, so it must map y to s.",
        ),
    ]
    return check_against(
        update,
        reference,
        cases,
        mistakes,
        arg_names=("H", "s", "y"),
        output_names=("new H",),
        reference_name="optlib.higher_order.bfgs_update",
        advice="check your new H on the secant equation (it must map y to s) and for symmetry; "
        "then compare it with (map-bfgs) one factor at a time.",
    )


# --- Newton's error, derived ----------------------------------------------------------------------


class _Cubic:
    r""":math:`f(x) = x^2/2 + a x^3/3`: a minimum at 0, with
    :math:`f''(0) = 1` and :math:`f'''(0) = 2a`."""

    def __init__(self, a: float) -> None:
        self.a = a

    def value(self, x: np.ndarray) -> float:
        return float(x[0] ** 2 / 2 + self.a * x[0] ** 3 / 3)

    def grad(self, x: np.ndarray) -> np.ndarray:
        return np.array([x[0] + self.a * x[0] ** 2])

    def hess(self, x: np.ndarray) -> np.ndarray:
        return np.array([[1.0 + 2.0 * self.a * x[0]]])


def _newton_error(a: float, e: float) -> float:
    """The error after one step of optlib's pure Newton (``damping=None``) on :class:`_Cubic`
    from x = e (the minimum is at 0, so the iterate is the error)."""
    run = higher_order.newton(
        _Cubic(a), np.array([float(e)]), damping=None, max_steps=1, tol=0.0
    )
    return float(run.params[-1, 0])


@checker(
    formulas=(
        "a*e**2/(1+2*a*e)",
        "ae²/(1+2ae)",
        "a e^2/(1 + 2 a e)",
        "a*x**2/(1+2*a*x)",
        "ax²/(1+2ax)",
        "ae_k²/(1+2ae_k)",
    ),
    kind="derivation",
)
def check_newton_error(error_after: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's exact Newton error map on :math:`f(x) = x^2/2 + a x^3/3` against runs
    of :func:`optlib.higher_order.newton` (pure Newton, ``damping=None``).

    The minimum is :math:`x^* = 0`, so the iterate is the error, and one Newton step from
    :math:`e` gives

    .. math::
        e_{k+1} = e_k - \frac{e_k + a e_k^2}{1 + 2 a e_k} = \frac{a\, e_k^2}{1 + 2 a e_k},

    so :math:`|e_{k+1}| \le C e_k^2` near the minimum with :math:`C \to |a| =
    |f'''(0)|/(2 f''(0))`: (map-quadratic).

    Expected signature: ``error_after(a, e) -> the error after one Newton step``, for
    :math:`|2 a e| < 1` (where the Hessian is positive).

    Examples
    --------
    >>> def my_newton_error(a, e):
    ...     return a * e**2 / (1 + 2 * a * e)
    >>> check_newton_error(my_newton_error).passed
    True
    """
    rng = np.random.default_rng(23)

    def random_setting() -> tuple[float, float]:
        a = float(rng.choice([-1.0, 1.0]) * 10 ** rng.uniform(-1, 1))
        return a, float(rng.uniform(-0.45, 0.45) / abs(a))  # |2ae| < 0.9

    cases = [
        Case((1.0, 0.1), "a = 1, e = 0.1", "edge"),
        *(
            Case(random_setting(), f"random setting {k}", "random settings")
            for k in range(1, 7)
        ),
        Case((0.0, 0.7), "a = 0: a quadratic", "edge"),
        Case((2.0, 0.0), "e = 0: already at the minimum", "edge"),
        Case((0.5, -0.8), "far out, 2ae = −0.8", "edge"),
    ]
    reference = _newton_error

    # Plausible wrong derivations.
    def no_step(a, e):
        return e

    def leading_order(a, e):
        return a * e**2

    def wrong_sign(a, e):
        return -reference(a, e)

    def second_derivative_slip(
        a, e
    ):  # f'' taken as 1 + a x: the power rule's factor lost
        return e - (e + a * e**2) / (1 + a * e)

    def root_of_f(
        a, e
    ):  # Newton's root finding applied to f itself, not to f'
        return e - (e**2 / 2 + a * e**3 / 3) / (e + a * e**2) if e else 0.0

    mistakes = [
        Mistake(
            "no_step",
            "Not yet: your error does not change — the answer is the error you were given.",
            no_step,
            hint="write one step of (map-newton) for this f: you need f' and f'' at x = e.",
        ),
        Mistake(
            "leading_order",
            "Your answer is right for small errors only: it is the leading term, not the exact "
            "error.",
            leading_order,
            hint="keep the exact denominator f''(e) instead of f''(0); the exercise asks for the "
            "error after one step exactly, for any |2ae| < 1.",
        ),
        Mistake(
            "wrong_sign",
            "Your error has the wrong sign.",
            wrong_sign,
            hint="check the sign of the step x − f'/f'' and of the cubic term.",
        ),
        Mistake(
            "second_derivative_slip",
            "Your second derivative of the cubic term is off by a factor.",
            second_derivative_slip,
            hint="differentiate a x³/3 twice, slowly: the power rule gives a factor each time.",
        ),
        Mistake(
            "root_of_f",
            "You applied Newton's root-finding step to f itself: that looks for f = 0, not "
            "for the minimum.",
            root_of_f,
            hint="a minimum is a root of the gradient: Newton's step for optimisation divides "
            "f' by f''.",
        ),
    ]
    return check_against(
        error_after,
        reference,
        cases,
        mistakes,
        arg_names=("a", "e"),
        output_names=("error after the step",),
        reference_name="optlib.higher_order.newton (pure Newton)",
        advice="write f' and f'' of the cubic, take one step of (map-newton) from x = e, and "
        "simplify over one common denominator.",
    )


# --- A prediction: Newton where the Hessian vanishes ----------------------------------------------


class _Quartic:
    r""":math:`f(x) = x^4`: a minimum at 0 where the Hessian is zero."""

    def value(self, x: np.ndarray) -> float:
        return float(x[0] ** 4)

    def grad(self, x: np.ndarray) -> np.ndarray:
        return np.array([4.0 * x[0] ** 3])

    def hess(self, x: np.ndarray) -> np.ndarray:
        return np.array([[12.0 * x[0] ** 2]])


#: The answers to choose from, for :func:`check_newton_flat_minimum`.
FLAT_MINIMUM_CHOICES = (
    "the digits double",
    "the same number of digits per step",
    "no progress",
)


def _newton_on_quartic(steps: int = 30) -> str:
    """How pure Newton (optlib's, ``damping=None``) converges on x⁴ from x = 1, read from the
    digits it gains per step: one of :data:`FLAT_MINIMUM_CHOICES`."""
    run = higher_order.newton(
        _Quartic(), np.array([1.0]), damping=None, max_steps=steps, tol=0.0
    )
    digits = -np.log10(np.abs(run.params[:, 0]))
    gained = np.diff(digits)
    if np.all(gained > 0) and gained[-1] > 1.5 * gained[0]:
        return FLAT_MINIMUM_CHOICES[0]
    if np.all(gained > 0) and np.ptp(gained) < 0.1 * gained.mean():
        return FLAT_MINIMUM_CHOICES[1]
    return FLAT_MINIMUM_CHOICES[2]


@checker(
    formulas=(
        "x-x/3",
        "(2/3)^k",
        "(2/3)**k",
        "log10(3/2)",
        "x_{k+1}=2x_k/3",
    ),
    kind="prediction",
)
def check_newton_flat_minimum(prediction: Any) -> CheckResult:
    r"""Check a prediction: how does pure Newton converge on :math:`f(x) = x^4` from
    :math:`x_0 = 1`, where the Hessian vanishes at the minimum?

    One of ``"the digits double"``, ``"the same number of digits per step"``, ``"no
    progress"``. The Newton step is :math:`x - 4x^3/(12x^2) = 2x/3`: the error shrinks by the
    same factor every step, a fixed :math:`\log_{10}(3/2) \approx 0.18` digits — linear
    convergence, as gradient descent's. (map-quadratic) needs a positive definite Hessian at the
    minimum. The run is 30 steps of :func:`optlib.higher_order.newton` with ``damping=None``.

    Expected answer: one of the three strings (``None`` until predicted).

    Examples
    --------
    >>> check_newton_flat_minimum(None).mistake
    'no_prediction'
    >>> check_newton_flat_minimum("the same number of digits per step").passed
    True
    """
    return judge_prediction(
        prediction,
        _newton_on_quartic,
        asks='one of "the digits double", "the same number of digits per step", "no progress"',
        choices=FLAT_MINIMUM_CHOICES,
        show_outcome=lambda outcome: (
            f"{outcome!r} (30 steps of pure Newton on x⁴ from x = 1)"
        ),
        explanation="At a minimum where f'' = 0 the quadratic model is no longer a good bowl: "
        "on x⁴ every Newton step shrinks the error by the same factor, so each step gains the "
        "same small number of digits. The doubling of (map-quadratic) needs a positive definite "
        "Hessian at the minimum.",
        hint="write one Newton step for x⁴ by hand: how does the new x compare with the old?",
    )
