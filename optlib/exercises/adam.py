r"""Exercises of the chapter on Adam: one step, checked against :class:`optlib.optimizers.Adam`,
and the bias correction of its moments, against :func:`optlib.optimizers.bias_corrected`.

The step functions of the Adam family take ``(theta, grad, m, v, t, ...)`` with ``t`` the number
of *this* step; :func:`adam_family_step` runs an optlib rule from them (the AdamW exercise uses
it too)."""

from __future__ import annotations

import functools
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
from optlib.optimizers import Optimizer, bias_corrected

__all__ = [
    "LATE_STEP",
    "adam_family_step",
    "adam_step",
    "carry_adam_state",
    "check_adam_step",
    "check_bias_correction",
    "random_moments",
]

#: A step so late that every :math:`\beta^t` of the exercises underflows to 0: there the bias
#: correction :math:`1 - \beta^t` is exactly 1, so a rule fed this ``t`` has none.
LATE_STEP = 10**6


# --- The Adam family's step, from the learner's arguments --------------------------------------


def adam_family_step(
    rule: Optimizer, theta: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, t: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One step of an optlib Adam-family rule from the learner's (m, v, t).

    Parameters
    ----------
    rule : e.g. ``optimizers.adam(...)`` or ``optimizers.adamw(...)``.
    theta, grad, m, v : the parameters, the gradient and the raw moments.
    t : the number of this step (1 on the first).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        The new parameters and the new raw moments m and v.
    """
    new_theta, state = rule_step(rule, theta, grad, t=t, m=m, v=v)
    return new_theta, state.m, state.v


def adam_step(
    theta: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """optlib's Adam step, ``optimizers.adam(lr, (beta1, beta2), eps)``, in the exercise's
    signature: the new parameters and the new raw moments."""
    rule = optimizers.adam(lr=lr, betas=(beta1, beta2), eps=eps)
    return adam_family_step(rule, theta, grad, m, v, t)


def random_moments(
    rng: np.random.Generator, scale: float, shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """A first moment and a positive second moment of matching scale, for Adam-family cases."""
    return scale * rng.normal(size=shape), scale**2 * rng.uniform(0.5, 2.0, size=shape)


def carry_adam_state(args: tuple[Any, ...], outputs: Any, grad: np.ndarray) -> tuple[Any, ...]:
    """Feed an Adam-family step's (θ, m, v) back in with the next gradient and t + 1 (the
    ``carry`` of :func:`optlib.exercises.variants.steps_in_a_row`)."""
    return (outputs[0], grad, outputs[1], outputs[2], args[4] + 1, *args[5:])


# --- One step of Adam --------------------------------------------------------------------------


def check_adam_step(step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's Adam step against :class:`optlib.optimizers.Adam` (PyTorch's).

    .. math::
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2, \\
        \hat m_t &= \frac{m_t}{1 - \beta_1^t}, \qquad \hat v_t = \frac{v_t}{1 - \beta_2^t},
        \qquad \theta_t = \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon},

    with :math:`t = 1, 2, \dots` the number of *this* step and :math:`\epsilon` outside the
    root, after the bias correction (the paper and PyTorch). The returned ``m``, ``v`` are the
    raw moments, not the corrected ones.

    Expected signature:
    ``step(theta, grad, m, v, t, lr, beta1, beta2, eps) -> (theta, m, v)``.

    Examples
    --------
    >>> import numpy as np
    >>> def my_adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
    ...     m = beta1 * m + (1 - beta1) * grad
    ...     v = beta2 * v + (1 - beta2) * grad**2
    ...     m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    ...     return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
    >>> check_adam_step(my_adam_step).passed
    True
    """
    rng = np.random.default_rng(7)
    default = (1e-2, 0.9, 0.999, 1e-8)

    moments = functools.partial(random_moments, rng)

    first = (rng.normal(size=3), rng.normal(size=3), np.zeros(3), np.zeros(3), 1, *default)
    cases = [
        *steps_in_a_row(
            adam_step, carry_adam_state, first, rng.normal(size=(4, 3)), "5 steps in a row"
        ),
        Case(
            (rng.normal(size=3), rng.normal(size=3), *moments(1.0, (3,)), 1000, *default),
            "late in training, t = 1000",
        ),
        Case((rng.normal(size=3), np.zeros(3), *moments(1.0, (3,)), 3, *default), "zero gradient"),
        Case(
            (rng.normal(size=3), 1e-10 * rng.normal(size=3), np.zeros(3), np.zeros(3), 1, *default),
            "tiny gradients, where ε matters",
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
            (rng.normal(size=3), rng.normal(size=3), *moments(1.0, (3,)), 2, 0.1, 0.5, 0.9, 1e-4),
            "β₁ = 0.5, β₂ = 0.9, ε = 1e-4",
        ),
    ]
    reference = adam_step

    def eps_before_correction(theta, grad, m, v, t, lr, beta1, beta2, eps):
        """optlib's Adam with ε/√(1 − β₂ᵗ) for ε: (√v + ε)/√(1 − β₂ᵗ) = √v̂ + ε/√(1 − β₂ᵗ)."""
        return reference(theta, grad, m, v, t, lr, beta1, beta2, eps / np.sqrt(1 - beta2**t))

    def betas_swapped(theta, grad, m, v, t, lr, beta1, beta2, eps):
        """optlib's Adam with betas (β₂, β₁)."""
        return reference(theta, grad, m, v, t, lr, beta2, beta1, eps)

    def corrected_moments_as_state(theta, grad, m, v, t, lr, beta1, beta2, eps):
        """optlib's step, returning its moments bias-corrected by optlib's bias_corrected."""
        new_theta, m, v = reference(theta, grad, m, v, t, lr, beta1, beta2, eps)
        return new_theta, bias_corrected(m, beta1, t), bias_corrected(v, beta2, t)

    # Changes of the formula itself, written out with optlib's moments and bias_corrected.
    def with_theta(update: Callable[..., np.ndarray]) -> Callable[..., Any]:
        """The right moments (from optlib), then a wrong update of θ."""

        def variant(theta, grad, m, v, t, lr, beta1, beta2, eps):
            _, m, v = reference(theta, grad, m, v, t, lr, beta1, beta2, eps)
            return theta - update(m, v, t, lr, beta1, beta2, eps), m, v

        return variant

    def no_one_minus_beta(theta, grad, m, v, t, lr, beta1, beta2, eps):
        m, v = beta1 * m + grad, beta2 * v + grad**2
        m_hat, v_hat = bias_corrected(m, beta1, t), bias_corrected(v, beta2, t)
        return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v

    def g_not_squared(theta, grad, m, v, t, lr, beta1, beta2, eps):
        m, v = beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad
        m_hat, v_hat = bias_corrected(m, beta1, t), bias_corrected(v, beta2, t)
        return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v

    mistakes = [
        Mistake(
            "uphill",
            "Your step moves uphill: subtract η·m̂/(√v̂ + ε) from θ, don't add it.",
            uphill(reference),
        ),
        Mistake(
            "lr_missing",
            "Your step ignores the learning rate: θ ← θ − η·m̂/(√v̂ + ε).",
            with_arg(reference, 5, lambda lr: 1.0),
        ),
        Mistake(
            "lr_squared",
            "Your step uses η² instead of η: multiply by the learning rate once.",
            with_arg(reference, 5, lambda lr: lr**2),
        ),
        Mistake(
            "no_bias_correction",
            "Your step has no bias correction: divide m by 1 − β₁ᵗ and "
            "v by 1 − β₂ᵗ before the update (it matters most in the first steps).",
            with_arg(reference, 4, lambda t: LATE_STEP),
        ),  # where 1 − βᵗ is 1
        Mistake(
            "only_m_corrected",
            "You bias-correct m but not v: use v̂ = v/(1 − β₂ᵗ) too.",
            with_theta(
                lambda m, v, t, lr, b1, b2, eps: lr * bias_corrected(m, b1, t) / (np.sqrt(v) + eps)
            ),
        ),
        Mistake(
            "only_v_corrected",
            "You bias-correct v but not m: use m̂ = m/(1 − β₁ᵗ) too.",
            with_theta(
                lambda m, v, t, lr, b1, b2, eps: lr * m / (np.sqrt(bias_corrected(v, b2, t)) + eps)
            ),
        ),
        Mistake(
            "t_off_by_one",
            "Your bias correction uses the wrong power: t is already the "
            "number of this step (1 on the first step), so divide by 1 − β₁ᵗ and 1 − β₂ᵗ "
            "with t as given, without adding 1.",
            with_arg(reference, 4, lambda t: t + 1),
        ),
        Mistake(
            "t_off_by_one",
            "Your bias correction uses the wrong power: t is the number of "
            "this step (1 on the first step), so divide by 1 − β₁ᵗ and 1 − β₂ᵗ, not "
            "1 − β^(t−1).",
            # Written out: fed t − 1, optlib's Adam would refuse the state t = −1 of step 1.
            with_theta(
                lambda m, v, t, lr, b1, b2, eps: (
                    lr
                    * bias_corrected(m, b1, t - 1)
                    / (np.sqrt(bias_corrected(v, b2, t - 1)) + eps)
                )
            ),
        ),
        Mistake(
            "eps_inside_root",
            "You put ε inside the square root, √(v̂ + ε); the paper and "
            "PyTorch add it outside: m̂/(√v̂ + ε). It matters when v is tiny.",
            with_theta(
                lambda m, v, t, lr, b1, b2, eps: (
                    lr * bias_corrected(m, b1, t) / np.sqrt(bias_corrected(v, b2, t) + eps)
                )
            ),
        ),
        Mistake(
            "eps_before_correction",
            "You add ε to √v before the bias correction; PyTorch "
            "and the book add it after: m̂/(√v̂ + ε) with v̂ = v/(1 − β₂ᵗ).",
            eps_before_correction,
        ),
        Mistake(
            "no_one_minus_beta",
            "Your moving averages are missing the (1 − β) factors: "
            "m ← β₁m + (1 − β₁)g and v ← β₂v + (1 − β₂)g².",
            no_one_minus_beta,
        ),
        Mistake(
            "g_not_squared",
            "Your second moment uses g instead of g²: v ← β₂v + (1 − β₂)g².",
            g_not_squared,
        ),
        Mistake(
            "betas_swapped",
            "You swapped β₁ and β₂: β₁ (0.9) averages the gradient m, β₂ (0.999) its square v.",
            betas_swapped,
        ),
        Mistake(
            "corrected_moments_as_state",
            "You return the bias-corrected m̂ and v̂; return "
            "the raw m and v, which the next step averages further.",
            corrected_moments_as_state,
        ),
        Mistake(
            "swapped_outputs",
            "You return (theta, v, m); return (theta, m, v).",
            reordered(reference, (0, 2, 1)),
        ),
        Mistake(
            "returns_update",
            "Your first output is the update instead of the new parameters θ − η·m̂/(√v̂ + ε).",
            returns_update(reference),
        ),
    ]
    return check_against(
        step,
        reference,
        cases,
        mistakes,
        arg_names=("theta", "grad", "m", "v", "t", "lr", "beta1", "beta2", "eps"),
        output_names=("theta", "m", "v"),
        reference_name="optlib.optimizers.Adam",
    )


# --- Bias correction ---------------------------------------------------------------------------


def _bias_correction_reference(
    m: np.ndarray, v: np.ndarray, t: int, beta1: float, beta2: float
) -> tuple[np.ndarray, np.ndarray]:
    """optlib's :func:`~optlib.optimizers.bias_corrected`, of both moments."""
    return bias_corrected(m, beta1, t), bias_corrected(v, beta2, t)


def check_bias_correction(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's bias correction of Adam's moments against
    :func:`optlib.optimizers.bias_corrected`.

    .. math::
        \hat m_t = \frac{m_t}{1 - \beta_1^t}, \qquad \hat v_t = \frac{v_t}{1 - \beta_2^t},

    with :math:`t = 1, 2, \dots` the number of steps that built :math:`m_t` and :math:`v_t`
    (from :math:`m_0 = v_0 = 0`). After the first step, :math:`m_1 = (1 - \beta_1) g_1`, so
    :math:`\hat m_1 = g_1`: the correction removes the pull toward the zero start.

    Expected signature: ``fn(m, v, t, beta1, beta2) -> (m_hat, v_hat)``.

    Examples
    --------
    >>> def my_bias_correction(m, v, t, beta1, beta2):
    ...     return m / (1 - beta1**t), v / (1 - beta2**t)
    >>> check_bias_correction(my_bias_correction).passed
    True
    >>> check_bias_correction(lambda m, v, t, beta1, beta2: (m / (1 - beta1), v / (1 - beta2))
    ...                       ).mistake
    'beta_not_power'
    """
    rng = np.random.default_rng(13)

    moments = functools.partial(random_moments, rng)

    g = rng.normal(size=3)
    cases = [
        Case(((1 - 0.9) * g, (1 - 0.999) * g**2, 1, 0.9, 0.999), "after the first step, t = 1"),
        Case((*moments(1.0, (3,)), 2, 0.9, 0.999), "t = 2"),
        Case((*moments(1.0, (3,)), 10, 0.9, 0.999), "t = 10"),
        Case(
            (*moments(1.0, (3,)), 1000, 0.9, 0.999),
            "t = 1000, where 1 − β₁ᵗ ≈ 1 but 1 − β₂ᵗ is not",
        ),
        Case((np.zeros(3), np.zeros(3), 5, 0.9, 0.999), "zero moments"),
        Case((*moments(1.0, (3,)), 3, 0.5, 0.9), "β₁ = 0.5, β₂ = 0.9"),
        Case((*moments(1.0, (3,)), 7, 0.0, 0.99), "β₁ = 0 (no momentum), β₂ = 0.99"),
        Case((*moments(1.0, (2, 3)), 4, 0.9, 0.999), "a batch, shape (2, 3)"),
        Case((*moments(1e6, (3,)), 3, 0.9, 0.999), "large values"),
    ]
    reference = _bias_correction_reference

    def multiplies(m, v, t, beta1, beta2):
        return m * (1 - beta1**t), v * (1 - beta2**t)

    mistakes = [
        Mistake(
            "multiplies",
            "You multiply by 1 − βᵗ; divide by it: m̂ = m/(1 − β₁ᵗ). The "
            "moments start at 0 and are too small early on, so the correction enlarges them.",
            multiplies,
        ),
        Mistake(
            "beta_not_power",
            "You divide by 1 − β; divide by 1 − βᵗ, β to the power t: "
            "m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ). (The two agree only at t = 1.)",
            with_arg(reference, 2, lambda t: 1),
        ),
        Mistake(
            "t_off_by_one",
            "Your power of β is off by one: t is the number of steps that "
            "built m and v (1 after the first step), so divide by 1 − β₁ᵗ and 1 − β₂ᵗ with t "
            "as given.",
            with_arg(reference, 2, lambda t: t + 1),
        ),
        Mistake(
            "t_off_by_one",
            "Your power of β is off by one: t is the number of steps that "
            "built m and v (1 after the first step), so divide by 1 − β₁ᵗ and 1 − β₂ᵗ, not "
            "1 − β^(t−1).",
            with_arg(reference, 2, lambda t: t - 1),
        ),
        Mistake(
            "betas_swapped",
            "You swapped β₁ and β₂: m is corrected with β₁, "
            "m̂ = m/(1 − β₁ᵗ), and v with β₂, v̂ = v/(1 − β₂ᵗ).",
            lambda m, v, t, beta1, beta2: reference(m, v, t, beta2, beta1),
        ),
        Mistake(
            "only_m_corrected",
            "You correct m but return v unchanged: v̂ = v/(1 − β₂ᵗ) too.",
            lambda m, v, t, beta1, beta2: (reference(m, v, t, beta1, beta2)[0], v),
        ),
        Mistake(
            "only_v_corrected",
            "You correct v but return m unchanged: m̂ = m/(1 − β₁ᵗ) too.",
            lambda m, v, t, beta1, beta2: (m, reference(m, v, t, beta1, beta2)[1]),
        ),
        Mistake(
            "swapped_outputs",
            "You return (v_hat, m_hat); return (m_hat, v_hat).",
            reordered(reference, (1, 0)),
        ),
    ]
    return check_against(
        fn,
        reference,
        cases,
        mistakes,
        arg_names=("m", "v", "t", "beta1", "beta2"),
        output_names=("m_hat", "v_hat"),
        reference_name="optlib.optimizers.bias_corrected",
    )
