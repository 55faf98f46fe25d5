r"""Exercise of the chapter on RMSProp: one step, checked against
:class:`optlib.optimizers.RMSprop`."""

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
    with_arg,
)

__all__ = ["check_rmsprop_step"]


def _rmsprop_step(
    theta: np.ndarray, grad: np.ndarray, v: np.ndarray, lr: float, alpha: float, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """optlib's RMSProp step, ``optimizers.rmsprop(lr, alpha, eps)``, in the exercise's
    signature: the new parameters and the new moving average of g²."""
    new_theta, state = rule_step(optimizers.rmsprop(lr=lr, alpha=alpha, eps=eps), theta, grad, v=v)
    return new_theta, state.v


def check_rmsprop_step(step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's RMSProp step against :class:`optlib.optimizers.RMSprop` (PyTorch's).

    .. math::
        v_t = \alpha v_{t-1} + (1 - \alpha)\, g_t^2, \qquad
        \theta_t = \theta_{t-1} - \eta\, \frac{g_t}{\sqrt{v_t} + \epsilon},

    with :math:`\epsilon` *outside* the square root, as PyTorch.

    Expected signature: ``step(theta, grad, v, lr, alpha, eps) -> (theta, v)``, the new
    parameters and the new moving average of :math:`g^2`.

    Examples
    --------
    >>> import numpy as np
    >>> def my_rmsprop_step(theta, grad, v, lr, alpha, eps):
    ...     v = alpha * v + (1 - alpha) * grad**2
    ...     return theta - lr * grad / (np.sqrt(v) + eps), v
    >>> check_rmsprop_step(my_rmsprop_step).passed
    True
    """
    rng = np.random.default_rng(6)

    def carry(args: tuple[Any, ...], outputs: Any, grad: np.ndarray) -> tuple[Any, ...]:
        return (outputs[0], grad, outputs[1], *args[3:])

    first = (rng.normal(size=3), rng.normal(size=3), np.zeros(3), 0.01, 0.99, 1e-8)
    cases = [
        *steps_in_a_row(_rmsprop_step, carry, first, rng.normal(size=(3, 3)), "4 steps in a row"),
        Case(
            (rng.normal(size=3), np.zeros(3), rng.uniform(0.1, 1, size=3), 0.01, 0.99, 1e-8),
            "zero gradient",
        ),
        Case(
            (
                rng.normal(size=3),
                1e-9 * rng.normal(size=3),
                1e-20 * rng.uniform(size=3),
                0.01,
                0.99,
                1e-8,
            ),
            "tiny gradients and v, where ε matters",
        ),
        Case(
            (
                1e3 * rng.normal(size=3),
                1e6 * rng.normal(size=3),
                1e12 * rng.uniform(size=3),
                0.01,
                0.99,
                1e-8,
            ),
            "large values",
        ),
        Case(
            (
                rng.normal(size=(4, 3)),
                rng.normal(size=(4, 3)),
                rng.uniform(size=(4, 3)),
                0.1,
                0.9,
                1e-6,
            ),
            "a batch, shape (4, 3), α = 0.9, ε = 1e-6",
        ),
    ]
    reference = _rmsprop_step

    def alpha_swapped(theta, grad, v, lr, alpha, eps):
        """optlib's RMSProp with 1 − α for α."""
        return reference(theta, grad, v, lr, 1 - alpha, eps)

    def old_v(theta, grad, v, lr, alpha, eps):
        """θ from optlib's RMSProp with α = 1, which keeps v as it was; the new v right."""
        new_theta, _ = reference(theta, grad, v, lr, 1.0, eps)
        return new_theta, reference(theta, grad, v, lr, alpha, eps)[1]

    # Changes of the formula itself, written out (with optlib's right new v where it is right).
    def eps_inside_root(theta, grad, v, lr, alpha, eps):
        _, v = reference(theta, grad, v, lr, alpha, eps)
        return theta - lr * grad / np.sqrt(v + eps), v

    def no_square_root(theta, grad, v, lr, alpha, eps):
        _, v = reference(theta, grad, v, lr, alpha, eps)
        return theta - lr * grad / (v + eps), v

    def no_one_minus_alpha(theta, grad, v, lr, alpha, eps):
        v = alpha * v + grad**2
        return theta - lr * grad / (np.sqrt(v) + eps), v

    def g_not_squared(theta, grad, v, lr, alpha, eps):
        v = alpha * v + (1 - alpha) * grad
        return theta - lr * grad / (np.sqrt(v) + eps), v

    mistakes = [
        Mistake(
            "uphill",
            "Your step moves uphill: subtract η·g/(√v + ε) from θ, don't add it.",
            uphill(reference),
        ),
        Mistake(
            "lr_missing",
            "Your step ignores the learning rate: θ ← θ − η·g/(√v + ε).",
            with_arg(reference, 3, lambda lr: 1.0),
        ),
        Mistake(
            "lr_squared",
            "Your step uses η² instead of η: multiply by the learning rate once.",
            with_arg(reference, 3, lambda lr: lr**2),
        ),
        Mistake(
            "eps_inside_root",
            "You put ε inside the square root, √(v + ε); PyTorch (and the "
            "book) add it outside: g/(√v + ε). It matters when v is tiny.",
            eps_inside_root,
        ),
        Mistake(
            "no_one_minus_alpha",
            "Your moving average is missing the (1 − α) factor: v ← α·v + (1 − α)·g².",
            no_one_minus_alpha,
        ),
        Mistake(
            "alpha_swapped",
            "You swapped α and 1 − α: the old average keeps the weight α "
            "(close to 1): v ← α·v + (1 − α)·g².",
            alpha_swapped,
        ),
        Mistake(
            "g_not_squared",
            "Your moving average uses g instead of g²: v ← α·v + (1 − α)·g².",
            g_not_squared,
        ),
        Mistake(
            "no_square_root",
            "You divide by v + ε; divide by its square root, √v + ε.",
            no_square_root,
        ),
        Mistake(
            "old_v",
            "Your step divides by the old v: update v first, then use the new v in "
            "θ ← θ − η·g/(√v + ε).",
            old_v,
        ),
        Mistake(
            "swapped_outputs",
            "You return (v, theta); return (theta, v).",
            reordered(reference, (1, 0)),
        ),
        Mistake(
            "returns_update",
            "Your first output is the update −η·g/(√v + ε) instead of the "
            "new parameters θ − η·g/(√v + ε).",
            returns_update(reference),
        ),
    ]
    return check_against(
        step,
        reference,
        cases,
        mistakes,
        arg_names=("theta", "grad", "v", "lr", "alpha", "eps"),
        output_names=("theta", "v"),
        reference_name="optlib.optimizers.RMSprop",
    )
