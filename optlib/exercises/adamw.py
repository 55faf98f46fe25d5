r"""Exercise of the chapter on AdamW: one step with decoupled weight decay, checked against
``optlib.optimizers.adamw`` (:class:`~optlib.optimizers.DecoupledDecay` composed with
:class:`~optlib.optimizers.Adam`), with L2 regularisation (``optimizers.adam(weight_decay=λ)``)
as its first known mistake."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from optlib import optimizers
from optlib.exercises.adam import (
    LATE_STEP,
    adam_family_step,
    adam_step,
    carry_adam_state,
    random_moments,
)
from optlib.exercises.engine import Case, CheckResult, Mistake, check_against
from optlib.exercises.variants import reordered, returns_update, steps_in_a_row, with_arg
from optlib.optimizers import bias_corrected

__all__ = ["check_adamw_step"]


def _adamw_step(
    theta: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """optlib's AdamW step, ``optimizers.adamw(lr, (beta1, beta2), eps, weight_decay)``, in the
    exercise's signature: the new parameters and the new raw moments."""
    rule = optimizers.adamw(lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)
    return adam_family_step(rule, theta, grad, m, v, t)


def check_adamw_step(step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's AdamW step against :func:`optlib.optimizers.adamw` (PyTorch's
    ``AdamW``: :class:`~optlib.optimizers.DecoupledDecay` composed with
    :class:`~optlib.optimizers.Adam`).

    Decoupled weight decay (Loshchilov & Hutter 2019), as PyTorch: first shrink :math:`\theta`,
    then take an Adam step on the bare gradient (no :math:`\lambda\theta` added to it):

    .. math::
        \theta' &= \theta_{t-1}(1 - \eta\lambda), \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2, \\
        \theta_t &= \theta' - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}, \qquad
        \hat m_t = \frac{m_t}{1 - \beta_1^t}, \quad \hat v_t = \frac{v_t}{1 - \beta_2^t},

    with :math:`t = 1, 2, \dots` the number of this step and :math:`\epsilon` outside the root,
    after the bias correction. The decay always shrinks :math:`\theta`. PyTorch multiplies
    :math:`\lambda` by the learning rate; the paper's Algorithm 2 does not multiply it by the
    base rate :math:`\alpha`, so :math:`\lambda_\text{torch} = \lambda_\text{paper}/\alpha`.

    Expected signature:
    ``step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay) -> (theta, m, v)``.

    Examples
    --------
    >>> import numpy as np
    >>> def my_adamw_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    ...     theta = theta * (1 - lr * weight_decay)
    ...     m = beta1 * m + (1 - beta1) * grad
    ...     v = beta2 * v + (1 - beta2) * grad**2
    ...     m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    ...     return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    >>> check_adamw_step(my_adamw_step).passed
    True
    """
    rng = np.random.default_rng(12)
    default = (1e-2, 0.9, 0.999, 1e-8, 1e-2)

    moments = functools.partial(random_moments, rng)

    first = (rng.normal(size=3), rng.normal(size=3), np.zeros(3), np.zeros(3), 1, *default)
    cases = [
        *steps_in_a_row(
            _adamw_step, carry_adam_state, first, rng.normal(size=(4, 3)), "5 steps in a row"
        ),
        Case(
            (rng.normal(size=3), rng.normal(size=3), *moments(1.0, (3,)), 1000, *default),
            "late in training, t = 1000",
        ),
        Case(
            (rng.normal(size=3), np.zeros(3), np.zeros(3), np.zeros(3), 1, *default),
            "a first step with zero gradient: only the decay acts",
        ),
        Case(
            (rng.normal(size=3), np.zeros(3), *moments(1.0, (3,)), 3, *default),
            "zero gradient, moments from earlier steps",
        ),
        Case(
            (rng.normal(size=3), 1e-10 * rng.normal(size=3), np.zeros(3), np.zeros(3), 1, *default),
            "tiny gradients, where ε matters",
        ),
        Case(
            (
                rng.normal(size=3),
                rng.normal(size=3),
                *moments(1.0, (3,)),
                4,
                0.1,
                0.9,
                0.999,
                1e-8,
                0.5,
            ),
            "strong decay, η = 0.1, λ = 0.5",
        ),
        Case(
            (1e3 * rng.normal(size=3), 1e5 * rng.normal(size=3), *moments(1e5, (3,)), 2, *default),
            "large values",
        ),
        Case(
            (rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), *moments(1.0, (2, 3)), 4, *default),
            "a batch, shape (2, 3)",
        ),
        Case(
            (
                rng.normal(size=3),
                rng.normal(size=3),
                *moments(1.0, (3,)),
                2,
                0.1,
                0.5,
                0.9,
                1e-4,
                0.1,
            ),
            "β₁ = 0.5, β₂ = 0.9, ε = 1e-4, λ = 0.1",
        ),
        Case(
            (
                rng.normal(size=3),
                rng.normal(size=3),
                *moments(1.0, (3,)),
                3,
                1e-2,
                0.9,
                0.999,
                1e-8,
                0.0,
            ),
            "λ = 0, where AdamW is Adam",
        ),
    ]
    reference = _adamw_step

    def l2_penalty(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        """optlib's Adam with weight_decay=λ: the L2 penalty's gradient λθ added to g."""
        rule = optimizers.adam(lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)
        return adam_family_step(rule, theta, grad, m, v, t)

    def decay_grows_theta(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        """optlib's Adam step fed θ(1 + ηλ)."""
        grown = theta * (1 + lr * weight_decay)
        return adam_step(grown, grad, m, v, t, lr, beta1, beta2, eps)

    def decay_without_lr(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        """optlib's AdamW with λ/η for λ, which decays θ to θ(1 − λ)."""
        return reference(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay / lr)

    def decay_after_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        """optlib's Adam step, then the decay."""
        new_theta, m, v = adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps)
        return new_theta * (1 - lr * weight_decay), m, v

    def adam_step_only(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        """optlib's new θ minus the decayed θ: the Adam step alone."""
        new_theta, m, v = reference(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay)
        return new_theta - theta * (1 - lr * weight_decay), m, v

    # A change of the formula itself, written out with optlib's moments and bias_corrected.
    def eps_inside_root(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        _, m, v = adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps)
        m_hat, v_hat = bias_corrected(m, beta1, t), bias_corrected(v, beta2, t)
        return theta * (1 - lr * weight_decay) - lr * m_hat / np.sqrt(v_hat + eps), m, v

    mistakes = [
        Mistake(
            "l2_not_decoupled",
            "You add λθ to the gradient: that is L2 regularisation, "
            "Adam with weight_decay, not AdamW. Then λθ is averaged into m and divided by "
            "√v̂, so weights with large gradients are hardly decayed. AdamW decouples the "
            "decay: θ ← θ(1 − ηλ) first, then the Adam step on the bare gradient g.",
            l2_penalty,
        ),
        Mistake(
            "decay_grows_theta",
            "Your decay grows θ: θ(1 + ηλ). Weight decay always "
            "shrinks the weights toward zero: θ ← θ(1 − ηλ). (One of the lecture's AdamW "
            "slides has this sign slip.)",
            decay_grows_theta,
        ),
        Mistake(
            "decay_without_lr",
            "Your decay is θ(1 − λ), without the learning rate. PyTorch "
            "multiplies λ by η: θ ← θ(1 − ηλ). (The paper's Algorithm 2 scales the decay by "
            "the schedule multiplier but not by the base rate α, so its λ is PyTorch's "
            "times α: λ_torch = λ_paper/α.)",
            decay_without_lr,
        ),
        Mistake(
            "decay_after_step",
            "You decay θ after the Adam step, (θ − Δ)(1 − ηλ) with "
            "Δ = η·m̂/(√v̂ + ε). PyTorch decays the θ you are given first, θ ← θ(1 − ηλ), then "
            "subtracts Δ (the paper's decay term also uses the old θ); the two differ by ηλΔ.",
            decay_after_step,
        ),
        Mistake(
            "no_bias_correction",
            "Your Adam step has no bias correction: divide m by "
            "1 − β₁ᵗ and v by 1 − β₂ᵗ before the update, θ ← θ(1 − ηλ) − η·m̂/(√v̂ + ε).",
            with_arg(reference, 4, lambda t: LATE_STEP),
        ),
        Mistake(
            "eps_inside_root",
            "You put ε inside the square root, √(v̂ + ε); PyTorch adds it "
            "outside, after the bias correction: m̂/(√v̂ + ε). It matters when v is tiny.",
            eps_inside_root,
        ),
        Mistake(
            "swapped_outputs",
            "You return (theta, v, m); return (theta, m, v).",
            reordered(reference, (0, 2, 1)),
        ),
        Mistake(
            "returns_update",
            "Your first output is the change of θ, −ηλθ − η·m̂/(√v̂ + ε), "
            "instead of the new parameters θ(1 − ηλ) − η·m̂/(√v̂ + ε).",
            returns_update(reference),
        ),
        Mistake(
            "returns_update",
            "Your first output is the Adam step −η·m̂/(√v̂ + ε) alone, "
            "instead of the new parameters: decay θ, then return "
            "θ(1 − ηλ) − η·m̂/(√v̂ + ε).",
            adam_step_only,
        ),
    ]
    return check_against(
        step,
        reference,
        cases,
        mistakes,
        arg_names=("theta", "grad", "m", "v", "t", "lr", "beta1", "beta2", "eps", "weight_decay"),
        output_names=("theta", "m", "v"),
        reference_name="optlib.optimizers.adamw",
    )
