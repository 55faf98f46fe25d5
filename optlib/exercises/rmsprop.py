r"""Exercise of the chapter on RMSProp: one step, checked against
:class:`optlib.optimizers.RMSprop`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from optlib import optimizers
from optlib.exercises.engine import Case, CheckResult, Mistake, check_against, checker
from optlib.exercises.variants import (
    reordered,
    returns_update,
    rule_step,
    stands_still,
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


@checker(
    formulas=(
        "sqrt(v)+eps",
        "√v+ε",
        "√v_t+ε",
        "√G+ε",
        "alpha*v+(1-alpha)*grad**2",
        "α·v+(1−α)·g²",
        "βG+(1−β)g²",
    )
)
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
            "no_step",
            "Not yet: θ does not move — your function returns the parameters it was given.",
            stands_still(reference),
            hint="write the step of the chapter's update rule, using the moving average you have "
            "just computed.",
        ),
        Mistake(
            "uphill",
            "Your step goes uphill: θ moves in the direction of the gradient.",
            uphill(reference),
            hint="the loss goes down when θ moves against the gradient: check the sign.",
        ),
        Mistake(
            "lr_missing",
            "Your step ignores the learning rate.",
            with_arg(reference, 3, lambda lr: 1.0),
            hint="with η = 0.01 your step is a hundred times too long.",
        ),
        Mistake(
            "lr_squared",
            "Your step uses the learning rate twice.",
            with_arg(reference, 3, lambda lr: lr**2),
            hint="the learning rate multiplies the step once.",
        ),
        Mistake(
            "eps_inside_root",
            "You put ε in the wrong place: your step differs only where v is tiny.",
            eps_inside_root,
            hint="PyTorch (and the book) add ε after taking the square root, not before.",
        ),
        Mistake(
            "no_one_minus_alpha",
            "Your moving average is not an average: its weights add up to more than one.",
            no_one_minus_alpha,
            hint="the new g² must carry the weight the old average gives up.",
        ),
        Mistake(
            "alpha_swapped",
            "Your moving average forgets too fast: the weights of old and new are swapped.",
            alpha_swapped,
            hint="α is close to 1, and it is the old average that should keep most of the weight.",
        ),
        Mistake(
            "g_not_squared",
            "Your moving average averages the gradient, not its square.",
            g_not_squared,
            hint="RMSProp tracks the mean square of the gradient, which is never negative.",
        ),
        Mistake(
            "no_square_root",
            "Your step divides by the mean square itself, not by the root mean square.",
            no_square_root,
            hint="RMS = root mean square: the step should not change if g is scaled by 10.",
        ),
        Mistake(
            "old_v",
            "Your step divides by the moving average as it was before this step.",
            old_v,
            hint="update the average first, then use the new one in the step.",
        ),
        Mistake(
            "swapped_outputs",
            "Your outputs are in the wrong order.",
            reordered(reference, (1, 0)),
            hint="return the new parameters first, then the new moving average.",
        ),
        Mistake(
            "returns_update",
            "Your first output is the change of θ, not the new θ.",
            returns_update(reference),
            hint="add the update to the parameters you were given, and return the result.",
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
        advice="compare your function with the chapter's two equations, one line at a time: "
        "first the moving average, then the step that uses it.",
    )
