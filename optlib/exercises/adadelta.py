r"""Exercise of the chapter on AdaDelta: one step of Zeiler's rule, checked against
:class:`optlib.optimizers.Adadelta`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from optlib import optimizers
from optlib.exercises.engine import Case, CheckResult, Mistake, check_against
from optlib.exercises.variants import (
    reordered,
    returns_update,
    rule_step,
    steps_in_a_row,
    uphill,
)

__all__ = ["check_adadelta_step"]


def _adadelta_step(
    theta: np.ndarray, grad: np.ndarray, v: np.ndarray, u: np.ndarray, rho: float, eps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """optlib's AdaDelta step, ``optimizers.adadelta(lr=1, rho, eps)`` (Zeiler's rule), in the
    exercise's signature: the new parameters and the new averages of g² and Δ²."""
    rule = optimizers.adadelta(lr=1.0, rho=rho, eps=eps)
    new_theta, state = rule_step(rule, theta, grad, v=v, u=u)
    return new_theta, state.v, state.u


def check_adadelta_step(step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's AdaDelta step against :class:`optlib.optimizers.Adadelta` (PyTorch's,
    with its default ``lr = 1``, which is Zeiler's rule).

    Zeiler (2012), Algorithm 1, with :math:`v` the moving average of :math:`g^2` and :math:`u`
    that of the squared updates :math:`\Delta^2`:

    .. math::
        v_t &= \rho v_{t-1} + (1 - \rho)\, g_t^2, \qquad
        \Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t, \\
        u_t &= \rho u_{t-1} + (1 - \rho)\, \Delta_t^2, \qquad
        \theta_t = \theta_{t-1} - \Delta_t.

    The numerator uses :math:`u` from the *previous* step; :math:`\epsilon` is inside both roots.

    Expected signature: ``step(theta, grad, v, u, rho, eps) -> (theta, v, u)``.

    Examples
    --------
    >>> import numpy as np
    >>> def my_adadelta_step(theta, grad, v, u, rho, eps):
    ...     v = rho * v + (1 - rho) * grad**2
    ...     delta = np.sqrt(u + eps) / np.sqrt(v + eps) * grad
    ...     u = rho * u + (1 - rho) * delta**2
    ...     return theta - delta, v, u
    >>> check_adadelta_step(my_adadelta_step).passed
    True
    """
    rng = np.random.default_rng(11)

    def carry(args: tuple[Any, ...], outputs: Any, grad: np.ndarray) -> tuple[Any, ...]:
        return (outputs[0], grad, outputs[1], outputs[2], *args[4:])

    def averages(scale: float, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """v (of g², about scale²) and u (of Δ², small: the steps taken so far)."""
        return scale**2 * rng.uniform(0.5, 2, size=shape), 1e-4 * rng.uniform(0.5, 2, size=shape)

    first = (rng.normal(size=3), rng.normal(size=3), np.zeros(3), np.zeros(3), 0.9, 1e-6)
    cases = [
        *steps_in_a_row(_adadelta_step, carry, first, rng.normal(size=(4, 3)), "5 steps in a row"),
        Case((rng.normal(size=3), np.zeros(3), *averages(1.0, (3,)), 0.9, 1e-6), "zero gradient"),
        Case(
            (rng.normal(size=3), rng.normal(size=3), *averages(1.0, (3,)), 0.9, 1e-6),
            "later in training",
        ),
        Case(
            (1e3 * rng.normal(size=3), 1e4 * rng.normal(size=3), *averages(1e4, (3,)), 0.9, 1e-6),
            "large gradients",
        ),
        Case(
            (rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), *averages(1.0, (2, 3)), 0.95, 1e-4),
            "a batch, shape (2, 3), ρ = 0.95, ε = 1e-4",
        ),
    ]
    reference = _adadelta_step

    def new_u_in_numerator(theta, grad, v, u, rho, eps):
        """θ from optlib's AdaDelta fed this step's new u as its u; the new v and u right."""
        _, new_v, new_u = reference(theta, grad, v, u, rho, eps)
        return reference(theta, grad, v, new_u, rho, eps)[0], new_v, new_u

    def g_in_u(theta, grad, v, u, rho, eps):
        """u updated as optlib's AdaDelta updates v (fed u as its v); θ and v right."""
        new_theta, new_v, _ = reference(theta, grad, v, u, rho, eps)
        return new_theta, new_v, reference(theta, grad, u, u, rho, eps)[1]

    # Changes of the formula itself, written out.
    def eps_outside_roots(theta, grad, v, u, rho, eps):
        v = rho * v + (1 - rho) * grad**2
        delta = (np.sqrt(u) + eps) / (np.sqrt(v) + eps) * grad
        return theta - delta, v, rho * u + (1 - rho) * delta**2

    def u_v_swapped(theta, grad, v, u, rho, eps):
        v = rho * v + (1 - rho) * grad**2
        delta = np.sqrt(v + eps) / np.sqrt(u + eps) * grad
        return theta - delta, v, rho * u + (1 - rho) * delta**2

    def no_one_minus_rho(theta, grad, v, u, rho, eps):
        v = rho * v + grad**2
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * grad
        return theta - delta, v, rho * u + delta**2

    mistakes = [
        Mistake(
            "uphill", "Your step moves uphill: subtract Δ from θ, don't add it.", uphill(reference)
        ),
        Mistake(
            "new_u_in_numerator",
            "Your step uses u after this step's update in the "
            "numerator; Zeiler's Algorithm 1 (and PyTorch) use the previous u: "
            "Δ = √(u + ε)/√(v + ε)·g with the old u, and only then u ← ρu + (1 − ρ)Δ².",
            new_u_in_numerator,
        ),
        Mistake(
            "eps_outside_roots",
            "You add ε outside the square roots, (√u + ε)/(√v + ε); "
            "AdaDelta puts it inside both: √(u + ε)/√(v + ε). (That ε is what lets the "
            "first step move at all: u starts at 0.)",
            eps_outside_roots,
        ),
        Mistake(
            "u_v_swapped",
            "Your ratio is upside down: the numerator is the RMS of the "
            "past updates, √(u + ε), the denominator that of the gradients, √(v + ε).",
            u_v_swapped,
        ),
        Mistake(
            "no_one_minus_rho",
            "Your moving averages are missing the (1 − ρ) factor: "
            "v ← ρv + (1 − ρ)g² and u ← ρu + (1 − ρ)Δ².",
            no_one_minus_rho,
        ),
        Mistake(
            "g_in_u",
            "Your u averages g²; it is the average of the squared *updates*: u ← ρu + (1 − ρ)Δ².",
            g_in_u,
        ),
        Mistake(
            "swapped_outputs",
            "You return (theta, u, v); return (theta, v, u).",
            reordered(reference, (0, 2, 1)),
        ),
        Mistake(
            "returns_update",
            "Your first output is the update −Δ instead of the new parameters θ − Δ.",
            returns_update(reference),
        ),
    ]
    return check_against(
        step,
        reference,
        cases,
        mistakes,
        arg_names=("theta", "grad", "v", "u", "rho", "eps"),
        output_names=("theta", "v", "u"),
        reference_name="optlib.optimizers.Adadelta",
    )
