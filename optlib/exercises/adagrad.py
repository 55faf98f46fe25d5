r"""Exercise of the chapter on AdaGrad: one step, checked against
:class:`optlib.optimizers.Adagrad`."""

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

__all__ = ["check_adagrad_step"]


def _adagrad_step(
    theta: np.ndarray, grad: np.ndarray, G: np.ndarray, lr: float, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """optlib's AdaGrad step, ``optimizers.adagrad(lr, eps=eps)``, in the exercise's signature:
    the new parameters and the new sum of squared gradients."""
    new_theta, state = rule_step(optimizers.adagrad(lr=lr, eps=eps), theta, grad, G=G)
    return new_theta, state.G


def check_adagrad_step(step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's AdaGrad step against :class:`optlib.optimizers.Adagrad` (PyTorch's,
    with ``lr_decay = 0`` and ``weight_decay = 0``).

    .. math::
        G_t = G_{t-1} + g_t^2, \qquad
        \theta_t = \theta_{t-1} - \eta\, \frac{g_t}{\sqrt{G_t} + \epsilon},

    with :math:`G` the running *sum* of squared gradients and :math:`\epsilon` outside the
    square root, as PyTorch.

    Expected signature: ``step(theta, grad, G, lr, eps) -> (theta, G)``, the new parameters
    and the new sum of squared gradients.

    Examples
    --------
    >>> import numpy as np
    >>> def my_adagrad_step(theta, grad, G, lr, eps):
    ...     G = G + grad**2
    ...     return theta - lr * grad / (np.sqrt(G) + eps), G
    >>> check_adagrad_step(my_adagrad_step).passed
    True
    """
    rng = np.random.default_rng(10)

    def carry(args: tuple[Any, ...], outputs: Any, grad: np.ndarray) -> tuple[Any, ...]:
        return (outputs[0], grad, outputs[1], *args[3:])

    first = (rng.normal(size=3), rng.normal(size=3), np.zeros(3), 0.1, 1e-10)
    cases = [
        *steps_in_a_row(_adagrad_step, carry, first, rng.normal(size=(3, 3)), "4 steps in a row"),
        Case(
            (rng.normal(size=3), np.zeros(3), rng.uniform(0.5, 2, size=3), 0.1, 1e-10),
            "zero gradient",
        ),
        Case(
            (rng.normal(size=3), rng.normal(size=3), rng.uniform(50, 100, size=3), 0.1, 1e-10),
            "late in training, G large",
        ),
        Case(
            (
                rng.normal(size=3),
                1e-10 * rng.normal(size=3),
                1e-20 * rng.uniform(size=3),
                0.1,
                1e-10,
            ),
            "tiny gradients and G, where ε matters",
        ),
        Case(
            (
                1e3 * rng.normal(size=3),
                1e6 * rng.normal(size=3),
                1e12 * rng.uniform(size=3),
                0.01,
                1e-10,
            ),
            "large values",
        ),
        Case(
            (rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.uniform(size=(4, 3)), 0.5, 1e-6),
            "a batch, shape (4, 3), ε = 1e-6",
        ),
    ]
    reference = _adagrad_step

    def not_accumulated(theta, grad, G, lr, eps):
        """optlib's AdaGrad fed G = 0: only this step's g² is kept."""
        return reference(theta, grad, np.zeros_like(G), lr, eps)

    # Changes of the formula itself, written out with optlib's (right) new G.
    def eps_inside_root(theta, grad, G, lr, eps):
        _, G = reference(theta, grad, G, lr, eps)
        return theta - lr * grad / np.sqrt(G + eps), G

    def no_square_root(theta, grad, G, lr, eps):
        _, G = reference(theta, grad, G, lr, eps)
        return theta - lr * grad / (G + eps), G

    def old_sum(theta, grad, G, lr, eps):
        return theta - lr * grad / (np.sqrt(G) + eps), reference(theta, grad, G, lr, eps)[1]

    mistakes = [
        Mistake(
            "uphill",
            "Your step moves uphill: subtract η·g/(√G + ε) from θ, don't add it.",
            uphill(reference),
        ),
        Mistake(
            "lr_missing",
            "Your step ignores the learning rate: θ ← θ − η·g/(√G + ε).",
            with_arg(reference, 3, lambda lr: 1.0),
        ),
        Mistake(
            "eps_inside_root",
            "You put ε inside the square root, √(G + ε); PyTorch (and the "
            "book) add it outside: g/(√G + ε).",
            eps_inside_root,
        ),
        Mistake(
            "not_accumulated",
            "Your G is only this step's g²: AdaGrad *adds up* every "
            "squared gradient so far, G ← G + g². (Keeping only the latest g² is RMSProp "
            "without memory, α = 0: every step then has size about η.)",
            not_accumulated,
        ),
        Mistake(
            "no_square_root",
            "You divide by G + ε; divide by its square root, √G + ε.",
            no_square_root,
        ),
        Mistake(
            "old_G",
            "Your step divides by the old G: add g² first (G ← G + g²), then use "
            "the new G in θ ← θ − η·g/(√G + ε).",
            old_sum,
        ),
        Mistake(
            "swapped_outputs",
            "You return (G, theta); return (theta, G).",
            reordered(reference, (1, 0)),
        ),
        Mistake(
            "returns_update",
            "Your first output is the update −η·g/(√G + ε) instead of the "
            "new parameters θ − η·g/(√G + ε).",
            returns_update(reference),
        ),
    ]
    return check_against(
        step,
        reference,
        cases,
        mistakes,
        arg_names=("theta", "grad", "G", "lr", "eps"),
        output_names=("theta", "G"),
        reference_name="optlib.optimizers.Adagrad",
    )
