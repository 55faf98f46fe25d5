r"""Exercise of the chapter on Nesterov momentum: one step of the lecture's look-ahead form,
checked against :class:`optlib.optimizers.NesterovLookahead`, with the calls of ``grad_fn``
recorded."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from optlib import optimizers
from optlib.exercises.engine import Case, CheckResult, Mistake, check_against, show
from optlib.exercises.momentum import momentum_step
from optlib.exercises.variants import (
    negative,
    reordered,
    returns_update,
    steps_in_a_row,
    with_arg,
)
from optlib.functions import Quadratic, quadratic

__all__ = ["check_nesterov_step"]


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


def _random_quadratic_gradient(rng: np.random.Generator, dim: int) -> _QuadraticGradient:
    rotation, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    A = rotation @ np.diag(rng.uniform(0.5, 5.0, size=dim)) @ rotation.T
    return _QuadraticGradient(quadratic((A + A.T) / 2, rng.normal(size=dim)))


def _recording_gradient_calls(
    step: Callable[..., Any], calls: list[list[np.ndarray]]
) -> Callable[..., Any]:
    """``step``, with its ``grad_fn`` (second argument) replaced by one that records where it is
    called: each call of ``step`` appends the list of its points to ``calls``."""

    @functools.wraps(step)  # keeps the learner's name for the messages
    def recorded_step(theta: Any, grad_fn: Callable[[Any], Any], *rest: Any) -> Any:
        points: list[np.ndarray] = []
        calls.append(points)

        def recorded_grad_fn(x: Any) -> Any:
            gradient = grad_fn(x)
            points.append(np.array(x, dtype=float))  # a copy: x may be changed afterwards
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
    state = optimizer.init(theta)._replace(v=np.asarray(velocity, dtype=float))
    grad = grad_fn(optimizer.lookahead_point(theta, state))
    new_theta, state = optimizer.step(theta, grad, state)
    return new_theta, state.v


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

    def carry(args: tuple[Any, ...], outputs: Any, grad_fn: Any) -> tuple[Any, ...]:
        return (outputs[0], grad_fn, outputs[1], *args[3:])

    first = (rng.normal(size=3), bowl, np.zeros(3), 0.1, 0.9)
    other = _random_quadratic_gradient(rng, 3)
    cases = [
        *steps_in_a_row(_nesterov_reference, carry, first, [bowl] * 3, "4 steps in a row"),
        Case(
            (rng.normal(size=3), other, rng.normal(size=3), 0.05, 0.9),
            "another quadratic, already moving",
        ),
        Case(
            (other.objective.global_minimum.copy(), other, rng.normal(size=3), 0.1, 0.5),
            "at the minimum, still moving",
        ),
        Case((rng.normal(size=3), other, rng.normal(size=3), 0.1, 0.0), "γ = 0"),
        Case((1e4 * rng.normal(size=3), bowl, 1e3 * rng.normal(size=3), 0.01, 0.9), "large values"),
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
        return momentum_step(theta, grad_fn(theta - gamma * velocity), velocity, lr, gamma)

    def old_velocity(theta, grad_fn, velocity, lr, gamma):
        return theta + velocity, reference(theta, grad_fn, velocity, lr, gamma)[1]

    mistakes = [
        Mistake(
            "plain_momentum",
            "You read the gradient at θ: that is plain (heavy-ball) "
            "momentum. Nesterov reads it at the look-ahead point θ + γv, where the velocity "
            "is about to carry you: v ← γv − η·∇f(θ + γv), θ ← θ + v.",
            plain_momentum,
        ),
        Mistake(
            "lookahead_sign",
            "Your look-ahead point is θ − γv, behind you; look ahead along "
            "the velocity: read the gradient at θ + γv.",
            lookahead_behind,
        ),
        Mistake(
            "uphill",
            "Your step moves uphill: the velocity should subtract η·∇f(θ + γv) "
            "(v ← γv − η·∇f(θ + γv)), not add it.",
            with_arg(reference, 1, negative),
        ),
        Mistake(
            "lr_missing",
            "Your step ignores the learning rate: v ← γv − η·∇f(θ + γv).",
            with_arg(reference, 3, lambda lr: 1.0),
        ),
        Mistake(
            "old_velocity",
            "Your step moves θ with the old velocity: update v first "
            "(v ← γv − η·∇f(θ + γv)), then θ ← θ + v with the new v.",
            old_velocity,
        ),
        Mistake(
            "swapped_outputs",
            "You return (velocity, theta); return (theta, velocity).",
            reordered(reference, (1, 0)),
        ),
        Mistake(
            "returns_update",
            "Your first output is the velocity v, the update, instead of the new parameters θ + v.",
            returns_update(reference),
        ),
    ]
    # Not a variant: this mistake is found from the recorded calls, once the values are right.
    once = Mistake(
        "grad_fn_called_more_than_once",
        "Your step gives the right answer, but it "
        "calls grad_fn more than once. Nesterov's method, like plain momentum, uses one "
        "gradient per step, at the look-ahead point: call grad_fn(θ + γv) only once, "
        "store the result, and use it.",
    )
    calls: list[list[np.ndarray]] = []
    candidate = _recording_gradient_calls(step, calls) if callable(step) else step
    result = check_against(
        candidate,
        reference,
        cases,
        mistakes,
        arg_names=("theta", "grad_fn", "velocity", "lr", "gamma"),
        output_names=("theta", "velocity"),
        reference_name="optlib.optimizers.NesterovLookahead",
    )
    # Each case called the learner's step once, so calls[k] holds case k + 1's gradient points.
    repeated = [(number, points) for number, points in enumerate(calls, 1) if len(points) > 1]
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
