r"""Exercises of the chapter on Nesterov momentum: one step of the lecture's look-ahead form
(checked against :class:`optlib.optimizers.NesterovLookahead`, with the calls of ``grad_fn``
recorded), NAG's stability limit on a quadratic (derived by the learner, checked against the
spectral radius of optlib's NAG step on random settings), and a prediction: the largest momentum
at which NAG does not oscillate on the chapter's bowl.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from optlib import optimizers
from optlib.exercises.engine import (
    Case,
    CheckResult,
    Mistake,
    check_against,
    checker,
    judge_prediction,
    root_between,
    show,
)
from optlib.exercises.momentum import momentum_step, step_matrix
from optlib.exercises.variants import (
    negative,
    reordered,
    returns_update,
    rule_step,
    stands_still,
    steps_in_a_row,
    with_arg,
)
from optlib.functions import Quadratic, quadratic, quadratic_bowl
from optlib.run import minimize

__all__ = [
    "check_nag_critical_momentum",
    "check_nag_stability_limit",
    "check_nesterov_step",
    "check_pytorch_nesterov_step",
]


class _QuadraticGradient:
    r"""A case's ``grad_fn``: :math:`x \mapsto \nabla f(x) = Ax - b` of a seeded quadratic
    (:class:`optlib.functions.Quadratic`), shown by its :math:`A` and :math:`b` in messages."""

    def __init__(self, objective: Quadratic) -> None:
        self.objective = objective

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.objective.grad(x)

    def __repr__(self) -> str:
        A, b = self.objective.A, self.objective.b
        return f"∇f of f(x) = ½xᵀAx − bᵀx with A = {show(A)}, b = {show(b)}"


def _random_quadratic_gradient(
    rng: np.random.Generator, dim: int
) -> _QuadraticGradient:
    rotation, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    A = rotation @ np.diag(rng.uniform(0.5, 5.0, size=dim)) @ rotation.T
    return _QuadraticGradient(quadratic((A + A.T) / 2, rng.normal(size=dim)))


def _recording_gradient_calls(
    step: Callable[..., Any], calls: list[list[np.ndarray]]
) -> Callable[..., Any]:
    """``step``, with its ``grad_fn`` (second argument) replaced by one that records where it is
    called: each call of ``step`` appends the list of its points to ``calls``."""

    @functools.wraps(step)  # keeps the learner's name for the messages
    def recorded_step(
        theta: Any, grad_fn: Callable[[Any], Any], *rest: Any
    ) -> Any:
        points: list[np.ndarray] = []
        calls.append(points)

        def recorded_grad_fn(x: Any) -> Any:
            gradient = grad_fn(x)
            points.append(
                np.array(x, dtype=float)
            )  # a copy: x may be changed afterwards
            return gradient

        return step(theta, recorded_grad_fn, *rest)

    return recorded_step


def _nesterov_reference(
    theta: np.ndarray,
    grad_fn: Callable[[np.ndarray], np.ndarray],
    velocity: np.ndarray,
    lr: float,
    gamma: float,
) -> tuple[np.ndarray, np.ndarray]:
    """optlib's Nesterov step (``optimizers.nag``): the gradient read at its
    ``lookahead_point``, then its ``step``."""
    optimizer = optimizers.nag(lr=lr, gamma=gamma)
    state = optimizer.init(theta)._replace(
        v=np.asarray(velocity, dtype=float)
    )
    grad = grad_fn(optimizer.lookahead_point(theta, state))
    new_theta, state = optimizer.step(theta, grad, state)
    return new_theta, state.v


@checker(
    formulas=(
        "theta+gamma*velocity",
        "grad_fn(theta+gamma*v)",
        "∇f(θ+γv)",
        "∇f(θ_{t-1}+γv_{t-1})",
        "gamma*velocity-lr*grad_fn",
        "γv−η∇f",
    )
)
def check_nesterov_step(step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's Nesterov momentum step against
    :class:`optlib.optimizers.NesterovLookahead` (its ``lookahead_point``, then ``step``).

    The lecture's look-ahead form (Sutskever, Martens, Dahl & Hinton 2013): the gradient is read
    where the velocity is about to carry the ball, :math:`\theta + \gamma v`:

    .. math::
        v_{t} = \gamma v_{t-1} - \eta\, \nabla f(\theta_{t-1} + \gamma v_{t-1}), \qquad
        \theta_{t} = \theta_{t-1} + v_{t}.

    ``grad_fn`` is a function returning :math:`\nabla f` at any point (the checker passes the
    gradients of seeded random quadratics). Call it once per step, as the method does: the
    checker records where you call it.

    Expected signature: ``step(theta, grad_fn, velocity, lr, gamma) -> (theta, velocity)``,
    the new parameters and the new velocity.

    Examples
    --------
    >>> def my_nesterov_step(theta, grad_fn, velocity, lr, gamma):
    ...     velocity = gamma * velocity - lr * grad_fn(theta + gamma * velocity)
    ...     return theta + velocity, velocity
    >>> check_nesterov_step(my_nesterov_step).passed
    True
    """
    rng = np.random.default_rng(9)
    bowl = _random_quadratic_gradient(rng, 3)

    def carry(
        args: tuple[Any, ...], outputs: Any, grad_fn: Any
    ) -> tuple[Any, ...]:
        return (outputs[0], grad_fn, outputs[1], *args[3:])

    first = (rng.normal(size=3), bowl, np.zeros(3), 0.1, 0.9)
    other = _random_quadratic_gradient(rng, 3)
    cases = [
        *steps_in_a_row(
            _nesterov_reference, carry, first, [bowl] * 3, "4 steps in a row"
        ),
        Case(
            (rng.normal(size=3), other, rng.normal(size=3), 0.05, 0.9),
            "another quadratic, already moving",
        ),
        Case(
            (
                other.objective.global_minimum.copy(),
                other,
                rng.normal(size=3),
                0.1,
                0.5,
            ),
            "at the minimum, still moving",
        ),
        Case(
            (rng.normal(size=3), other, rng.normal(size=3), 0.1, 0.0),
            "γ = 0",
        ),
        Case(
            (
                1e4 * rng.normal(size=3),
                bowl,
                1e3 * rng.normal(size=3),
                0.01,
                0.9,
            ),
            "large values",
        ),
        Case(
            (
                rng.normal(size=(4, 2)),
                _random_quadratic_gradient(rng, 2),
                rng.normal(size=(4, 2)),
                0.1,
                0.8,
            ),
            "a batch of 4 points in 2-D, shape (4, 2)",
        ),
    ]
    reference = _nesterov_reference

    # Reading the gradient elsewhere is optlib's heavy ball fed that gradient.
    def plain_momentum(theta, grad_fn, velocity, lr, gamma):
        return momentum_step(theta, grad_fn(theta), velocity, lr, gamma)

    def lookahead_behind(theta, grad_fn, velocity, lr, gamma):
        return momentum_step(
            theta, grad_fn(theta - gamma * velocity), velocity, lr, gamma
        )

    def old_velocity(theta, grad_fn, velocity, lr, gamma):
        return theta + velocity, reference(
            theta, grad_fn, velocity, lr, gamma
        )[1]

    def no_step(theta, grad_fn, velocity, lr, gamma):
        """The starter's unfinished answer: the parameters and the velocity it was given."""
        return theta, velocity

    mistakes = [
        Mistake(
            "no_step",
            "Not yet: nothing moves — your function returns the parameters and the velocity it "
            "was given.",
            no_step,
            hint="read the gradient where the velocity is about to carry you (nag-lookahead), "
            "then take the heavy ball's two lines with it (nag-update).",
        ),
        Mistake(
            "theta_stands_still",
            "Not yet: your velocity is right, but θ does not move.",
            stands_still(reference),
            hint="the second line of (nag-update) moves the parameters by the new velocity.",
        ),
        Mistake(
            "plain_momentum",
            "You read the gradient where you stand: that is plain (heavy-ball) momentum.",
            plain_momentum,
            hint="Nesterov reads it at the look-ahead point, where the velocity is about to "
            "carry you (nag-lookahead), with the old velocity.",
        ),
        Mistake(
            "lookahead_sign",
            "Your look-ahead point is behind you, on the side the velocity comes from.",
            lookahead_behind,
            hint="look ahead along the velocity: add the momentum jump to θ, do not subtract it.",
        ),
        Mistake(
            "uphill",
            "Your step goes uphill: the velocity grows in the direction of the gradient.",
            with_arg(reference, 1, negative),
            hint="the new velocity must push against the gradient read at the look-ahead point: "
            "check its sign.",
        ),
        Mistake(
            "lr_missing",
            "Your step ignores the learning rate.",
            with_arg(reference, 3, lambda lr: 1.0),
            hint="the learning rate scales the gradient's contribution to the velocity.",
        ),
        Mistake(
            "old_velocity",
            "Your step moves θ with the old velocity.",
            old_velocity,
            hint="update v first, then move θ by the new v.",
        ),
        Mistake(
            "swapped_outputs",
            "Your outputs are in the wrong order.",
            reordered(reference, (1, 0)),
            hint="return the new parameters first, then the new velocity: (theta, velocity).",
        ),
        Mistake(
            "returns_update",
            "Your first output is the velocity, the update, instead of the new parameters.",
            returns_update(reference),
            hint="add the new velocity to the parameters you were given, and return the result.",
        ),
    ]
    # Not a variant: this mistake is found from the recorded calls, once the values are right.
    once = Mistake(
        "grad_fn_called_more_than_once",
        "Your step gives the right answer, but it calls grad_fn more than once. Nesterov's "
        "method, like plain momentum, uses one gradient per step, at the look-ahead point: call "
        "grad_fn only once, store the result, and use it.",
    )
    calls: list[list[np.ndarray]] = []
    candidate = (
        _recording_gradient_calls(step, calls) if callable(step) else step
    )
    result = check_against(
        candidate,
        reference,
        cases,
        mistakes,
        arg_names=("theta", "grad_fn", "velocity", "lr", "gamma"),
        output_names=("theta", "velocity"),
        reference_name="optlib.optimizers.NesterovLookahead",
        advice="compare your function with (nag-lookahead) and (nag-update), one line at a "
        "time: where the gradient is read, then the velocity, then the parameters.",
    )
    # Each case called the learner's step once, so calls[k] holds case k + 1's gradient points.
    repeated = [
        (number, points)
        for number, points in enumerate(calls, 1)
        if len(points) > 1
    ]
    if result.passed and repeated:
        number, points = repeated[0]
        where = ", ".join(show(point) for point in points)
        return CheckResult(
            False,
            f"{once.message} On case {number} of {len(cases)} "
            f"({cases[number - 1].description}) it called grad_fn {len(points)} "
            f"times, at {where}.",
            once.name,
        )
    return result


# --- PyTorch's form -----------------------------------------------------------------------------


def _pytorch_nesterov_reference(
    phi: np.ndarray,
    grad_fn: Callable[[np.ndarray], np.ndarray],
    buffer: np.ndarray,
    lr: float,
    momentum: float,
    nesterov: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """optlib's ``optimizers.sgd(lr, momentum, nesterov=True)`` (PyTorch's form), one step from
    the buffer given, the gradient read at φ itself. (Past its first step: PyTorch's first step
    copies g into the buffer, the same as starting from a zero buffer.)"""
    rule = optimizers.SGDMomentum(
        lr=lr, momentum=momentum, nesterov=nesterov
    )
    new_phi, state = rule_step(rule, phi, grad_fn(phi), t=2, b=buffer)
    return new_phi, state.b


@checker(
    formulas=(
        "momentum*buffer+g",
        "g+momentum*buffer",
        "mu*b+g",
        "g+mu*b",
        "μb_{t−1}+∇f",
        "∇f(φ_{t−1})+μb_t",
    )
)
def check_pytorch_nesterov_step(step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's Nesterov step in PyTorch's form (``torch.optim.SGD(momentum=μ,
    nesterov=True)``) against ``optlib.sgd(momentum=μ, nesterov=True)``.

    .. math::
        b_t = \mu\, b_{t-1} + \nabla f(\phi_{t-1}), \qquad
        \phi_t = \phi_{t-1} - \eta\,\big(\nabla f(\phi_{t-1}) + \mu\, b_t\big),

    the gradient read at :math:`\phi` itself, the iterate being the look-ahead point of the
    lecture's form.

    Expected signature: ``step(phi, grad_fn, buffer, lr, momentum) -> (phi, buffer)``, the new
    parameters and the new buffer.

    Examples
    --------
    >>> def my_pytorch_nesterov_step(phi, grad_fn, buffer, lr, momentum):
    ...     g = grad_fn(phi)
    ...     buffer = momentum * buffer + g
    ...     return phi - lr * (g + momentum * buffer), buffer
    >>> check_pytorch_nesterov_step(my_pytorch_nesterov_step).passed
    True
    """
    rng = np.random.default_rng(54)
    bowl = _random_quadratic_gradient(rng, 3)
    other = _random_quadratic_gradient(rng, 3)

    def carry(
        args: tuple[Any, ...], outputs: Any, grad_fn: Any
    ) -> tuple[Any, ...]:
        return (outputs[0], grad_fn, outputs[1], *args[3:])

    first = (rng.normal(size=3), bowl, np.zeros(3), 0.1, 0.9)
    cases = [
        *steps_in_a_row(
            _pytorch_nesterov_reference,
            carry,
            first,
            [bowl] * 3,
            "4 steps in a row",
        ),
        Case(
            (rng.normal(size=3), other, rng.normal(size=3), 0.05, 0.5),
            "another quadratic, a buffer already filled",
        ),
        Case(
            (
                1e4 * rng.normal(size=3),
                bowl,
                1e3 * rng.normal(size=3),
                0.01,
                0.9,
            ),
            "large values",
        ),
        Case(
            (
                rng.normal(size=(4, 2)),
                _random_quadratic_gradient(rng, 2),
                rng.normal(size=(4, 2)),
                0.1,
                0.8,
            ),
            "a batch of 4 points in 2-D, shape (4, 2)",
        ),
    ]
    reference = _pytorch_nesterov_reference

    def no_step(phi, grad_fn, buffer, lr, momentum):
        """The starter's unfinished answer: the parameters and the buffer it was given."""
        return phi, buffer

    mistakes = [
        Mistake(
            "no_step",
            "Not yet: nothing moves — your function returns the parameters and the buffer it was "
            "given.",
            no_step,
            hint="PyTorch's form (nag-torch) has two lines: first the new buffer, then the step, "
            "which uses the gradient and the new buffer.",
        ),
        Mistake(
            "plain_momentum",
            "You wrote PyTorch's *plain* momentum: your step moves by the buffer alone.",
            lambda *args: reference(*args, nesterov=False),
            hint="compare PyTorch's plain momentum (mom-torch) with its Nesterov form (nag-torch): "
            "the Nesterov step does not move by the buffer alone.",
        ),
        Mistake(
            "uphill",
            "Your step goes uphill: φ moves in the direction of the gradient.",
            with_arg(reference, 1, negative),
            hint="the loss goes down when φ moves against the gradient: check the sign.",
        ),
        Mistake(
            "lr_missing",
            "Your step ignores the learning rate.",
            with_arg(reference, 3, lambda lr: 1.0),
            hint="in PyTorch's form the learning rate multiplies the whole step, not the buffer.",
        ),
        Mistake(
            "swapped_outputs",
            "Your outputs are in the wrong order.",
            reordered(reference, (1, 0)),
            hint="return the new parameters first, then the new buffer: (phi, buffer).",
        ),
    ]
    return check_against(
        step,
        reference,
        cases,
        mistakes,
        arg_names=("phi", "grad_fn", "buffer", "lr", "momentum"),
        output_names=("phi", "buffer"),
        reference_name="optlib.sgd(momentum=μ, nesterov=True)",
        advice="compare your function with the two lines of (nag-torch), one at a time: first "
        "the buffer, then the step.",
    )


# --- NAG's stability limit on a quadratic ------------------------------------------------------


def _nag_radius(h: float, gamma: float, curvature: float) -> float:
    """The spectral radius of optlib's NAG step on a direction of curvature λ at ηλ = h."""
    matrix = step_matrix(
        optimizers.nag(lr=h / curvature, gamma=gamma), curvature
    )
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def _nag_stability_limit(gamma: float, curvature: float) -> float:
    r"""The largest learning rate at which NAG's error along a direction of curvature
    :math:`\lambda` does not grow, from optlib's step: where the spectral radius of
    :func:`~optlib.exercises.momentum.step_matrix` for ``optimizers.nag`` reaches 1.

    Below :math:`\eta\lambda = 1` the radius is below 1 (it is 0 at :math:`\eta\lambda = 1`),
    and past it it grows, so a root finder on :math:`[1, 2.5]/\lambda` finds the one crossing.
    """
    h = root_between(
        lambda h: _nag_radius(h, gamma, curvature) - 1.0, 1.0, 2.5
    )
    return float(h / curvature)


def _stability_cases() -> list[Case]:
    """Edge values of γ (0: gradient descent; close to 1) on curvature 1, then random γ and λ
    from a seeded generator."""
    cases = [
        Case((0.0, 1.0), "γ = 0, λ = 1: gradient descent", "edge values"),
        Case((0.9, 1.0), "γ = 0.9, λ = 1", "edge values"),
        Case((0.99, 1.0), "γ = 0.99, λ = 1", "edge values"),
        Case(
            (0.5, 25.0),
            "γ = 0.5, λ = 25 (the bowl's steep direction)",
            "edge values",
        ),
    ]
    rng = np.random.default_rng(53)
    for gamma, curvature in zip(
        rng.uniform(0, 0.99, 6), 10 ** rng.uniform(-2, 3, 6), strict=True
    ):
        gamma, curvature = float(gamma), float(curvature)
        cases.append(
            Case(
                (gamma, curvature),
                f"random: γ = {gamma:.4g}, λ = {curvature:.4g}",
                "random",
            )
        )
    return cases


@checker(
    formulas=(
        "2*(1+gamma)/(1+2*gamma)",
        "2(1+γ)/(1+2γ)",
        "(2+2*gamma)/(1+2*gamma)",
        "(2+2γ)/(1+2γ)",
        "1+1/(1+2*gamma)",
        "1+1/(1+2γ)",
    ),
    kind="derivation",
)
def check_nag_stability_limit(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's stability limit of NAG on a quadratic: the largest learning rate at
    which the error along a direction of curvature :math:`\lambda` does not grow.

    From the iteration matrix :math:`T_{\mathrm{NAG}}` of (nag-iteration-matrix), a root of
    :math:`z^2 - (1+\gamma)(1-h)z + \gamma(1-h)` reaches :math:`z = -1` when
    :math:`1 + (1 + 2\gamma)(1 - h) = 0`:

    .. math::
        \eta_{\max} = \frac{2(1 + \gamma)}{(1 + 2\gamma)\,\lambda},

    narrower than the heavy ball's :math:`2(1 + \gamma)/\lambda`. The reference is not this
    formula: it is where the spectral radius of optlib's NAG step, read as a linear map
    (:func:`~optlib.exercises.momentum.step_matrix`), reaches 1, on edge and random
    :math:`(\gamma, \lambda)`.

    Expected signature: ``fn(gamma, curvature) -> lr``, a number, for :math:`0 \le \gamma < 1`
    and :math:`\lambda > 0`.

    Examples
    --------
    >>> def my_nag_max_lr(gamma, curvature):
    ...     return 2 * (1 + gamma) / ((1 + 2 * gamma) * curvature)
    >>> check_nag_stability_limit(my_nag_max_lr).passed
    True
    """
    reference = _nag_stability_limit
    mistakes = [
        Mistake(
            "not_started",
            "Not yet: your limit is zero, so no learning rate would be stable.",
            lambda gamma, curvature: 0.0,
            hint="write NAG's iteration matrix for one direction (nag-iteration-matrix) and find "
            "the h = ηλ at which one of its eigenvalues reaches −1.",
        ),
        Mistake(
            "heavy_ball_limit",
            "That is the heavy ball's limit; NAG's stable range is narrower.",
            lambda gamma, curvature: reference(0.0, curvature) * (1 + gamma),
            hint="NAG multiplies the momentum term by (1 − h) as well: redo the root at z = −1 "
            "with its matrix, not the heavy ball's.",
        ),
        Mistake(
            "gradient_descent_limit",
            "Your limit ignores the momentum: it is gradient descent's.",
            lambda gamma, curvature: reference(0.0, curvature),
            hint="with γ > 0 the characteristic polynomial changes; evaluate NAG's at z = −1.",
        ),
        Mistake(
            "h_not_lr",
            "Your answer is the limit of h = ηλ, not of the learning rate: it ignores the "
            "curvature.",
            lambda gamma, curvature: curvature * reference(gamma, curvature),
            hint="the matrix depends on η only through h = ηλ; turn the limit on h into one on η.",
        ),
        Mistake(
            "one_step_removal",
            "That is the learning rate at which NAG removes the direction in one step, not the "
            "largest stable one.",
            lambda gamma, curvature: 1 / curvature,
            hint="beyond ηλ = 1 the two roots are real and of opposite signs; the error still "
            "shrinks until the negative one reaches −1.",
        ),
    ]
    return check_against(
        fn,
        reference,
        _stability_cases(),
        mistakes,
        arg_names=("gamma", "curvature"),
        output_names=("lr",),
        reference_name="the spectral radius of optlib's NAG step",
        advice="evaluate the characteristic polynomial of NAG's iteration matrix at z = −1 (a "
        "root passes −1 there), solve for h = ηλ, then for η.",
    )


# --- A prediction: the largest momentum at which NAG does not oscillate -----------------------

#: The momentums scanned by the experiment.
_SCANNED_GAMMAS = np.round(np.arange(0.50, 0.801, 0.01), 2)


@functools.cache
def _largest_calm_momentum() -> float:
    r"""The largest :math:`\gamma` of a grid (0.50, 0.51, …, 0.80) at which NAG with
    :math:`\eta = 1/L` on the chapter's bowl (:math:`\kappa = 25`, from its start) never changes
    the sign of the flat coordinate in 3,000 steps: optlib's runs, all momentums in one batch
    (the experiment is the same every time, so it runs once)."""
    bowl = quadratic_bowl(condition_number=25.0)
    starts = np.tile(bowl.x0, (len(_SCANNED_GAMMAS), 1))
    run = minimize(
        bowl,
        starts,
        optimizers.nag(lr=1 / bowl.L, gamma=_SCANNED_GAMMAS),
        steps=3000,
    )
    calm = []
    for path in run.params[:, :, 0].T:  # the flat coordinate of each run
        signs = np.sign(path[np.abs(path) > 1e-200])  # before it underflows
        calm.append(not np.any(signs[1:] != signs[:-1]))
    return float(_SCANNED_GAMMAS[np.flatnonzero(calm)[-1]])


@checker(
    formulas=(
        "(sqrt(kappa)-1)/(sqrt(kappa)+1)",
        "(√κ−1)/(√κ+1)",
        "(1-sqrt(h))/(1+sqrt(h))",
        "(1−√h)/(1+√h)",
    ),
    kind="prediction",
)
def check_nag_critical_momentum(prediction: Any) -> CheckResult:
    r"""Judge a prediction: the largest momentum :math:`\gamma` at which NAG with
    :math:`\eta = 1/L` on the chapter's bowl (:math:`\kappa = 25`) does not oscillate along its
    flat axis. A number; within 3 % of the experiment's counts.

    The flat direction (:math:`h = 1/\kappa`) has real roots while
    :math:`\gamma \le (1 - \sqrt h)/(1 + \sqrt h) = (\sqrt\kappa - 1)/(\sqrt\kappa + 1) = 2/3`.
    The experiment runs optlib's NAG on the bowl for :math:`\gamma = 0.50, 0.51, \dots, 0.80`
    and reports the largest whose flat coordinate never changes sign.

    Examples
    --------
    >>> check_nag_critical_momentum(2 / 3).passed
    True
    """
    return judge_prediction(
        prediction,
        _largest_calm_momentum,
        asks="a number, the largest γ at which the flat coordinate never changes sign",
        rtol=0.03,
        show_outcome=lambda outcome: (
            f"γ = {outcome:.2f} as the largest momentum of the scan "
            "(0.50, 0.51, …, 0.80) at which the flat coordinate never changes sign"
        ),
        explanation="Up to that momentum the flat direction has two real roots and creeps into "
        "the minimum; past it the roots turn complex and it spirals.",
        hint="at η = 1/L the steep direction has h = 1 and vanishes in one step, so only the flat "
        "one can oscillate: find the γ at which its two roots meet (a double root of NAG's "
        "characteristic polynomial).",
    )
