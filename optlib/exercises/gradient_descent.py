r"""Exercises on gradient descent: one step (the introduction, the map chapter) and the largest
stable learning rate on a quadratic (the chapter on gradient descent)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from optlib import optimizers
from optlib.exercises.engine import Case, CheckResult, Mistake, check_against
from optlib.exercises.variants import on_theta, returns_update, rule_step, uphill, with_arg
from optlib.functions import quadratic, quadratic_bowl

__all__ = ["check_gd_step", "check_max_stable_lr"]


# --- One step ----------------------------------------------------------------------------------


def _gd_step(theta: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
    """optlib's gradient-descent step (``optimizers.sgd(lr)``) in the exercise's signature."""
    return rule_step(optimizers.sgd(lr=lr), theta, grad)[0]


def check_gd_step(step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's gradient-descent step against :class:`optlib.optimizers.SGD`.

    .. math:: \theta_{t+1} = \theta_t - \eta\, g_t

    Expected signature: ``step(theta, grad, lr) -> new theta`` (an array shaped like
    ``theta``; the inputs are not modified).

    Examples
    --------
    >>> def my_gd_step(theta, grad, lr):
    ...     return theta - lr * grad
    >>> check_gd_step(my_gd_step).passed
    True
    >>> check_gd_step(lambda theta, grad, lr: theta + lr * grad).mistake
    'uphill'
    """
    rng = np.random.default_rng(0)
    cases = [
        Case((rng.normal(size=3), rng.normal(size=3), 0.1), "a vector of parameters"),
        Case((rng.normal(size=3), np.zeros(3), 0.1), "zero gradient"),
        Case((rng.normal(size=(4, 2)), rng.normal(size=(4, 2)), 0.05), "a batch, shape (4, 2)"),
        Case((1e6 * rng.normal(size=3), 1e8 * rng.normal(size=3), 1e-4), "large values"),
        Case((rng.normal(size=2), rng.normal(size=2), 2.5), "a learning rate above 1"),
    ]
    reference = _gd_step
    mistakes = [
        Mistake(
            "uphill",
            "Your step moves uphill: the update should subtract η·g, not add it (θ − η·g).",
            uphill(reference),
        ),
        Mistake(
            "lr_missing",
            "Your step ignores the learning rate: subtract η·g, not the bare gradient g.",
            with_arg(reference, 2, lambda lr: 1.0),
        ),
        Mistake(
            "lr_squared",
            "Your step uses η² instead of η: multiply the gradient by the learning rate once.",
            with_arg(reference, 2, lambda lr: lr**2),
        ),
        Mistake(
            "divides_by_lr",
            "Your step divides the gradient by η; it should multiply: θ − η·g.",
            with_arg(reference, 2, lambda lr: 1 / lr),
        ),
        Mistake(
            "returns_update",
            "Your function returns the update −η·g instead of the new parameters: return θ − η·g.",
            returns_update(reference),
        ),
        Mistake(
            "returns_update",
            "Your function returns the step η·g instead of the new parameters: return θ − η·g.",
            on_theta(reference, lambda theta, new_theta: theta - new_theta),
        ),
    ]
    return check_against(
        step,
        reference,
        cases,
        mistakes,
        arg_names=("theta", "grad", "lr"),
        output_names=("theta",),
        reference_name="optlib.optimizers.SGD",
    )


# --- The largest stable learning rate on a quadratic -------------------------------------------


def check_max_stable_lr(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's largest stable learning rate for gradient descent on a quadratic.

    On :math:`f(x) = \tfrac12 x^\top A x` gradient descent multiplies the component of
    :math:`x` along each eigenvector of :math:`A` (eigenvalue :math:`\lambda_i`) by
    :math:`1 - \eta\lambda_i` per step, so it converges exactly when every
    :math:`|1 - \eta\lambda_i| < 1`:

    .. math:: 0 < \eta < \frac{2}{\lambda_{\max}(A)}.

    The answer is the bound :math:`2/\lambda_{\max}` (below it GD converges; at it the steepest
    component oscillates forever), with :math:`\lambda_{\max}` from
    :attr:`optlib.functions.Quadratic.L`.

    Expected signature: ``fn(A) -> learning rate`` (one number), ``A`` symmetric positive
    definite.

    Examples
    --------
    >>> import numpy as np
    >>> check_max_stable_lr(lambda A: 2 / np.linalg.eigvalsh(A)[-1]).passed
    True
    >>> check_max_stable_lr(lambda A: 1 / np.linalg.eigvalsh(A)[-1]).mistake
    'one_over_L'
    """
    rng = np.random.default_rng(4)
    rotation, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    random_spd = rotation @ np.diag(rng.uniform(0.5, 20.0, size=4)) @ rotation.T
    cases = [
        Case((np.array([[4.0]]),), "a 1 × 1 matrix"),
        Case((np.diag([1.0, 10.0]),), "a diagonal matrix"),
        Case((np.diag([50.0, 2.0, 7.0]),), "a diagonal matrix, largest entry first"),
        Case((quadratic_bowl(10.0, np.pi / 6).A.copy(),), "a rotated bowl"),
        Case(((random_spd + random_spd.T) / 2,), "a random 4 × 4 matrix"),
        Case((quadratic_bowl(1e4, 1.0).A.copy(),), "an ill-conditioned bowl, κ = 10⁴"),
        Case((quadratic_bowl(3.0, 0.3, scale=1e-3).A.copy(),), "a very flat bowl"),
        Case((quadratic_bowl(3.0, 2.0, scale=1e3).A.copy(),), "a very steep bowl"),
    ]
    # The curvatures L = λ_max and μ = λ_min come from optlib's Quadratic, as the answer does.
    mistakes = [
        Mistake(
            "one_over_L",
            "1/λ_max is a safe rate (the loss falls at every step), but not the "
            "largest stable one: gradient descent on ½xᵀAx converges for every η < 2/λ_max.",
            lambda A: 1 / quadratic(A).L,
        ),
        Mistake(
            "smallest_eigenvalue",
            "You used the smallest eigenvalue; it is the steepest "
            "direction, the largest eigenvalue λ_max, that limits the step: η < 2/λ_max "
            "(np.linalg.eigvalsh sorts ascending, so λ_max is the last).",
            lambda A: 2 / quadratic(A).mu,
        ),
        Mistake(
            "optimal_rate",
            "2/(λ_max + λ_min) is the best constant rate (fastest "
            "convergence), not the largest stable one, which is 2/λ_max.",
            lambda A: 2 / (quadratic(A).L + quadratic(A).mu),
        ),
        Mistake(
            "largest_diagonal",
            "The largest diagonal entry of A is its largest eigenvalue "
            "only when A is diagonal; use the eigenvalues: 2/λ_max.",
            lambda A: 2 / np.max(np.diag(A)),
        ),
        Mistake(
            "trace",
            "The trace (the sum of all eigenvalues) overestimates λ_max, so 2/tr(A) "
            "is safe but too small; the largest stable rate is 2/λ_max.",
            lambda A: 2 / np.trace(A),
        ),
        Mistake(
            "inverted",
            "Your answer is upside down: the rate is 2/λ_max, not λ_max/2.",
            lambda A: quadratic(A).L / 2,
        ),
    ]
    return check_against(
        fn,
        lambda A: 2.0 / quadratic(A).L,
        cases,
        mistakes,
        arg_names=("A",),
        output_names=("learning rate",),
        reference_name="2 / optlib.functions.quadratic(A).L",
    )
