r"""Exercise of the chapter on RAdam: the length :math:`\rho_t` of the approximated simple
moving average, checked against :func:`optlib.optimizers.sma_length`, the function
:class:`optlib.optimizers.RAdam` calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from optlib.exercises.engine import Case, CheckResult, Mistake, check_against
from optlib.optimizers import max_sma_length, sma_length

__all__ = ["check_radam_rho"]


def check_radam_rho(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's RAdam :math:`\rho_t` against :func:`optlib.optimizers.sma_length`,
    the function :class:`optlib.optimizers.RAdam` calls.

    Liu et al. (2020) treat Adam's moving average of :math:`g^2` after :math:`t` steps as a
    simple moving average (SMA) of length :math:`\rho_t`:

    .. math::
        \rho_\infty = \frac{2}{1 - \beta_2} - 1, \qquad
        \rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t}.

    :math:`\rho_1 = 1` for every :math:`\beta_2`, and :math:`\rho_t` grows toward
    :math:`\rho_\infty`; RAdam rectifies the adaptive step once :math:`\rho_t > 5` (PyTorch; the
    paper says 4). With :math:`\beta_2 = 0.999`, :math:`\rho_\infty = 1999`.

    Expected signature: ``fn(beta2, t) -> rho_t``, one number; ``t = 1, 2, \dots`` is always an
    integer (a function that also accepts an array of t passes too).

    Examples
    --------
    >>> def my_radam_rho(beta2, t):
    ...     rho_inf = 2 / (1 - beta2) - 1
    ...     return rho_inf - 2 * t * beta2**t / (1 - beta2**t)
    >>> check_radam_rho(my_radam_rho).passed
    True
    >>> check_radam_rho(lambda beta2, t: 2 / (1 - beta2) - 2 * t * beta2**t / (1 - beta2**t)
    ...                 ).mistake
    'rho_inf_without_minus_one'
    """
    # β₂ as a NumPy float: a t that is off by one then gives 0/0 = NaN at t = 1 (as array code
    # does) instead of raising ZeroDivisionError, and the mistake can be named.
    cases = [
        Case((np.float64(beta2), t), description)
        for beta2, t, description in [
            (0.999, 1, "the first step, β₂ = 0.999"),
            (0.999, 2, "the second step"),
            (0.999, 5, "t = 5, the last step before PyTorch rectifies"),
            (0.999, 6, "t = 6, the first rectified step"),
            (0.999, 1000, "t = 1000"),
            (0.999, 100_000, "t = 100000, close to ρ∞"),
            (0.9, 10, "β₂ = 0.9, t = 10"),
            (0.99, 50, "β₂ = 0.99, t = 50"),
            (0.5, 3, "β₂ = 0.5, t = 3"),
        ]
    ]

    rho_inf = max_sma_length

    def correction(beta2: float, t: int) -> float:
        """ρ∞ − ρₜ = 2tβ₂ᵗ/(1 − β₂ᵗ), from optlib."""
        return rho_inf(beta2) - sma_length(beta2, t)

    mistakes = [
        Mistake(
            "rho_inf_without_minus_one",
            "Your ρ∞ is 2/(1 − β₂); it is 2/(1 − β₂) − 1 "
            "(1999 for β₂ = 0.999). A check: ρ₁ = 1 for every β₂.",
            lambda beta2, t: sma_length(beta2, t) + 1,
        ),
        Mistake(
            "no_factor_2",
            "The subtracted term is missing its factor 2: ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ).",
            lambda beta2, t: rho_inf(beta2) - correction(beta2, t) / 2,
        ),
        Mistake(
            "denominator_beta_power",
            "Your denominator is β₂ᵗ; it is 1 − β₂ᵗ: "
            "ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ). (With β₂ᵗ below, β₂ᵗ cancels and you get ρ∞ − 2t.)",
            lambda beta2, t: rho_inf(beta2) - 2 * t,
        ),
        Mistake(
            "t_off_by_one",
            "Your t is off by one: t is the number of this step (1 on the "
            "first step, where ρ₁ = 1), so use it as given, without adding 1.",
            lambda beta2, t: sma_length(beta2, t + 1),
        ),
        Mistake(
            "t_off_by_one",
            "Your t is off by one: t is the number of this step (1 on the "
            "first step, where ρ₁ = 1), so use it as given, not t − 1.",
            lambda beta2, t: sma_length(beta2, t - 1),
        ),
        Mistake(
            "sign",
            "You add the term 2tβ₂ᵗ/(1 − β₂ᵗ); subtract it: "
            "ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ), which grows from ρ₁ = 1 toward ρ∞.",
            lambda beta2, t: rho_inf(beta2) + correction(beta2, t),
        ),
        Mistake(
            "rho_infinity",
            "Your function returns ρ∞ for every t; ρₜ depends on t: "
            "ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ), 1 on the first step.",
            lambda beta2, t: rho_inf(beta2),
        ),
    ]
    return check_against(
        fn,
        sma_length,
        cases,
        mistakes,
        arg_names=("beta2", "t"),
        output_names=("rho_t",),
        reference_name="optlib.optimizers.sma_length",
    )
