r"""Exercises of the chapter on RAdam, from the rule to a prediction: the rectification
:math:`r_t` (checked against :func:`optlib.optimizers.rectification`), the length :math:`\rho_t`
of the equivalent simple moving average (against :func:`optlib.optimizers.sma_length`), the
first step at which RAdam rectifies (against runs of :func:`optlib.radam`), and a prediction of
how far along RAdam's implicit warmup is at step 200 (run with :func:`optlib.radam` and
:func:`optlib.adam`).

The reference of each derivation is what optlib's RAdam does, read from a run where a run can
say it: the first rectified step is the first step at which ``optlib.radam`` leaves the path of
SGD with bias-corrected momentum, and the share of Adam's step is the ratio of two steps fed the
same gradients."""

from __future__ import annotations

import functools
import math
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
)
from optlib.exercises.variants import with_arg
from optlib.optimizers import max_sma_length, rectification, sma_length
from optlib.run import follow

__all__ = [
    "check_radam_first_rectified_step",
    "check_radam_r200",
    "check_radam_rectification",
    "check_radam_rho",
    "radam_step_share",
]


# --- The rectification r_t -----------------------------------------------------------------------


@checker(
    formulas=(
        "(rho_t-4)*(rho_t-2)*rho_inf",
        "(rho_inf-4)*(rho_inf-2)*rho_t",
        "(ρ_t−4)(ρ_t−2)ρ_∞",
        "(ρ_∞−4)(ρ_∞−2)ρ_t",
        "(ρₜ−4)(ρₜ−2)ρ∞",
        "(ρ∞−4)(ρ∞−2)ρₜ",
    ),
    kind="rule",
)
def check_radam_rectification(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's rectification :math:`r_t` against
    :func:`optlib.optimizers.rectification`, the function :class:`optlib.optimizers.RAdam`
    calls (eq. ``radam-r``).

    .. math::
        r_t = \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\,\rho_\infty}
                         {(\rho_\infty - 4)(\rho_\infty - 2)\,\rho_t}},

    the factor that brings the first-order variance of the adaptive rate at step :math:`t` down
    to that of the longest average. It is 0 at :math:`\rho_t = 4`, grows with :math:`\rho_t`,
    and is 1 at :math:`\rho_t = \rho_\infty`.

    Expected signature: ``fn(rho_t, rho_inf) -> r_t``; ``rho_t`` is a number or an array of
    numbers (a whole schedule), each at least 4, and ``rho_inf`` a number above 4.

    Examples
    --------
    >>> import numpy as np
    >>> def my_rectification(rho_t, rho_inf):
    ...     return np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
    ...                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
    >>> check_radam_rectification(my_rectification).passed
    True
    """
    rng = np.random.default_rng(121)
    random_settings = []
    for beta2, t in zip(
        1 - 10 ** rng.uniform(-4, -1, 6),
        rng.integers(6, 5000, 6),
        strict=True,
    ):
        rho_inf = max_sma_length(np.float64(beta2))
        random_settings.append(
            Case(
                (np.float64(sma_length(beta2, int(t))), np.float64(rho_inf)),
                f"β₂ = {beta2:.5f}, t = {t}",
                "random settings",
            )
        )
    steps = np.arange(6, 2001)
    cases = [
        Case(
            (sma_length(0.999, 6), np.float64(1999.0)),
            "t = 6, β₂ = 0.999",
            "β₂ = 0.999",
        ),
        Case(
            (sma_length(0.999, 200), np.float64(1999.0)),
            "t = 200, β₂ = 0.999",
            "β₂ = 0.999",
        ),
        Case(
            (sma_length(0.99, 20), max_sma_length(0.99)),
            "t = 20, β₂ = 0.99",
            "β₂ = 0.99",
        ),
        *random_settings,
        Case(
            (np.float64(4.0), np.float64(19.0)),
            "ρₜ = 4, where r is 0",
            "edge values",
        ),
        Case(
            (np.float64(19.0), np.float64(19.0)),
            "ρₜ = ρ∞, where r is 1",
            "edge values",
        ),
        Case(
            (sma_length(0.99, steps), max_sma_length(0.99)),
            "a whole schedule: ρₜ for t = 6 … 2000 as one array, β₂ = 0.99",
            "an array of ρₜ",
        ),
    ]
    reference = rectification

    def without_rho_ratio(rho_t, rho_inf):
        """r_t without its factor ρ∞/ρₜ (a change of the formula)."""
        return rectification(rho_t, rho_inf) * np.sqrt(rho_t / rho_inf)

    def one_factor_only(rho_t, rho_inf):
        """r_t with the factors ρ − 2 dropped (a change of the formula)."""
        return rectification(rho_t, rho_inf) * np.sqrt(
            (rho_inf - 2) / (rho_t - 2)
        )

    mistakes = [
        Mistake(
            "no_rectification",
            "Not yet: your factor is 1 at every step, so the step is Adam's, not rectified.",
            lambda rho_t, rho_inf: np.ones_like(
                np.asarray(rho_t, dtype=float)
            )[()],
            hint="the factor compares the variance of the adaptive rate after a short average "
            "with its variance after the longest one: see the chapter's section on the "
            "rectification.",
        ),
        Mistake(
            "variance_ratio",
            "Your factor is the ratio of the variances, not the factor that scales ψ: it is too "
            "small wherever it is below 1.",
            lambda rho_t, rho_inf: rectification(rho_t, rho_inf) ** 2,
            hint="scaling ψ by r scales its variance by r², and the chapter asks for the r "
            "whose square makes the variances equal.",
        ),
        Mistake(
            "inverted",
            "Your factor is upside down: it is above 1 and shrinks to 1 as the average grows, "
            "so it would make the early steps larger.",
            lambda rho_t, rho_inf: 1 / rectification(rho_t, rho_inf),
            hint="the longest average has the smallest variance; which variance goes on top "
            "so that the factor is at most 1?",
        ),
        Mistake(
            "no_rho_ratio",
            "Your factor misses the part that comes from the mean of ψ²: it is too small.",
            without_rho_ratio,
            hint="write the first-order variance at ρₜ and at ρ∞ in full, including the ρ in its "
            "numerator, before taking their ratio.",
        ),
        Mistake(
            "one_factor_only",
            "Your factor keeps only one of the two shifted lengths in each variance.",
            one_factor_only,
            hint="the first-order variance has two factors in its denominator that vanish at "
            "two different lengths: keep both.",
        ),
    ]
    return check_against(
        fn,
        reference,
        cases,
        mistakes,
        arg_names=("rho_t", "rho_inf"),
        output_names=("r_t",),
        reference_name="optlib.optimizers.rectification",
        advice="start from the chapter's first-order variance of ψ at a length ρ, and take the "
        "square root of the ratio of its value at ρ∞ to its value at ρₜ.",
    )


# --- The length ρ_t of the equivalent simple moving average -------------------------------------


@checker(
    formulas=(
        "2*t*beta2**t/(1-beta2**t)",
        "2tβ₂ᵗ/(1−β₂ᵗ)",
        "2tβ_2^t/(1−β_2^t)",
        "2/(1-beta2)-1",
        "2/(1−β₂)−1",
        "(1+beta2)/(1-beta2)",
        "(1+β₂)/(1−β₂)",
    ),
    kind="derivation",
)
def check_radam_rho(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's RAdam :math:`\rho_t` against :func:`optlib.optimizers.sma_length`,
    the function :class:`optlib.optimizers.RAdam` calls, on edge values and on random
    settings of :math:`(\beta_2, t)`.

    Liu et al. (2020) treat Adam's moving average of :math:`g^2` after :math:`t` steps as a
    simple moving average (SMA) of length :math:`\rho_t`, the length whose mean age (its centre
    of mass) is that of the bias-corrected exponential average (eq. ``radam-match``):

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
    rng = np.random.default_rng(12)
    random_settings = [
        (
            float(beta2),
            int(t),
            f"random setting: β₂ = {beta2:.5f}, t = {t}",
            "random settings",
        )
        for beta2, t in zip(
            1 - 10 ** rng.uniform(-4, -1, 6),
            rng.integers(1, 3000, 6),
            strict=True,
        )
    ]
    cases = [
        Case((np.float64(beta2), t), description, kind)
        for beta2, t, description, kind in [
            (0.999, 1, "the first step, β₂ = 0.999", "edge values"),
            (0.999, 2, "the second step", "β₂ = 0.999"),
            (
                0.999,
                5,
                "t = 5, the last step before PyTorch rectifies",
                "β₂ = 0.999",
            ),
            (0.999, 6, "t = 6, the first rectified step", "β₂ = 0.999"),
            (0.999, 1000, "t = 1000", "β₂ = 0.999"),
            (0.999, 100_000, "t = 100000, close to ρ∞", "edge values"),
            (0.9, 10, "β₂ = 0.9, t = 10", "other β₂"),
            (0.99, 50, "β₂ = 0.99, t = 50", "other β₂"),
            (0.5, 3, "β₂ = 0.5, t = 3", "other β₂"),
            *random_settings,
        ]
    ]

    rho_inf = max_sma_length

    def correction(beta2: float, t: int) -> float:
        """ρ∞ − ρₜ, from optlib."""
        return rho_inf(beta2) - sma_length(beta2, t)

    late = "t ≫ 1/(1 − β₂)"
    mistakes = [
        Mistake(
            "steps_seen",
            "Not yet: your ρₜ counts every gradient seen so far as a full one — right at the "
            "first step, and too large after it.",
            lambda beta2, t: t,
            hint="the older squared gradients weigh less in the average; the chapter finds the "
            "length of a simple average with the same mean age.",
        ),
        Mistake(
            "rho_infinity",
            "Not yet: your ρₜ does not depend on t — it is the long-run length ρ∞, right only "
            f"for {late}.",
            lambda beta2, t: rho_inf(beta2),
            hint="at the first step the average holds a single gradient, so ρ₁ must be 1.",
        ),
        Mistake(
            "rho_inf_without_minus_one",
            "Your long-run length ρ∞ is one too large (2000 instead of 1999 for β₂ = 0.999), "
            "and so is every ρₜ.",
            lambda beta2, t: sma_length(beta2, t) + 1,
            hint="check the first step: ρ₁ = 1 for every β₂. A simple average of f gradients has "
            "mean age (f − 1)/2, not f/2.",
        ),
        Mistake(
            "no_factor_2",
            "The term you subtract from ρ∞ is half what it should be, so your ρₜ is too large "
            "early on.",
            lambda beta2, t: rho_inf(beta2) - correction(beta2, t) / 2,
            hint="the mean age is (f − 1)/2: solving for f doubles every term of the mean age.",
        ),
        Mistake(
            "denominator_beta_power",
            "The term you subtract has the wrong denominator: with it, β₂ᵗ cancels and your ρₜ "
            "falls linearly in t.",
            lambda beta2, t: rho_inf(beta2) - 2 * t,
            hint="the denominator is the total weight of the first t terms of the average, which "
            "is the bias correction of Adam.",
        ),
        Mistake(
            "t_off_by_one",
            "Your t is off by one: t is the number of this step (1 on the first step, where "
            "ρ₁ = 1), so use it as given, without adding 1.",
            with_arg(sma_length, 1, lambda t: t + 1),
            hint="with the t you are given, your ρ₁ should be exactly 1.",
        ),
        Mistake(
            "t_off_by_one",
            "Your t is off by one: t is the number of this step (1 on the first step, where "
            "ρ₁ = 1), so use it as given, not t − 1.",
            with_arg(sma_length, 1, lambda t: t - 1),
            hint="with the t you are given, your ρ₁ should be exactly 1.",
        ),
        Mistake(
            "sign",
            "You add the correction to ρ∞ instead of subtracting it: your ρₜ falls toward ρ∞ "
            "from above, but an average of a few gradients is worth fewer, not more.",
            lambda beta2, t: rho_inf(beta2) + correction(beta2, t),
            hint="ρₜ grows from 1 at the first step toward ρ∞: subtract the correction.",
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
        advice="set the mean age of the bias-corrected average's weights equal to the mean age "
        "of a simple average of f gradients, and solve for f; then check that ρ₁ = 1.",
    )


# --- The first rectified step -------------------------------------------------------------------

#: The gradients fed to both runs of :func:`_first_rectified_step` (any nonzero sequence works).
_RUN_STEPS = 200


@functools.lru_cache(maxsize=64)
def _first_rectified_step(beta2: float, threshold: float) -> float:
    """The first step at which ``optlib.radam(threshold=threshold)`` leaves the path of the
    same RAdam that never rectifies (``threshold=inf``: SGD with bias-corrected momentum), fed
    the same gradients for 200 steps; NaN (no such step) if it never does (RAdam's ρ∞ is at most the
    threshold: ρₜ never exceeds it)."""
    grads = np.random.default_rng(3).standard_normal((_RUN_STEPS, 2))
    start = np.zeros(2)
    betas = (0.9, float(beta2))
    rectifies = follow(
        optimizers.radam(lr=0.01, betas=betas, threshold=threshold),
        start,
        grads,
    )
    never = follow(
        optimizers.radam(lr=0.01, betas=betas, threshold=np.inf),
        start,
        grads,
    )
    differs = np.flatnonzero(
        np.any(rectifies != never, axis=1)
    )  # row k is θ_k
    return float(differs[0]) if differs.size else math.nan


@checker(
    formulas=(
        "sma_length(beta2,t)>threshold",
        "sma_length(beta2,t)<=threshold",
        "rho_t>threshold",
        "rho>threshold",
        "ρ_t>threshold",
        "ρₜ>threshold",
    ),
    kind="derivation",
)
def check_radam_first_rectified_step(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's first rectified step of RAdam, as a function of :math:`\beta_2` and
    the threshold, against runs of :func:`optlib.radam`.

    RAdam takes momentum steps while :math:`\rho_t` is at most the threshold (5 in PyTorch, 4
    in the paper's Algorithm 2) and rectified steps from the first :math:`t` with
    :math:`\rho_t > \text{threshold}` on. :math:`\rho_t` increases toward
    :math:`\rho_\infty = 2/(1 - \beta_2) - 1`, so RAdam never rectifies when
    :math:`\rho_\infty \le \text{threshold}` (:math:`\beta_2 \le 2/3` for PyTorch's rule,
    :math:`\beta_2 \le 3/5` for the paper's): there is no such step: ``math.nan``.

    The reference runs ``optlib.radam(threshold=...)`` and the same RAdam that never rectifies
    on one sequence of gradients, and reports the first step at which their paths part.

    Expected signature: ``fn(beta2, threshold) -> t``, an integer (or ``math.nan``: never).

    Examples
    --------
    >>> import math
    >>> from optlib.optimizers import max_sma_length, sma_length
    >>> def my_first_rectified_step(beta2, threshold):
    ...     if max_sma_length(beta2) <= threshold:
    ...         return math.nan
    ...     t = 1
    ...     while sma_length(beta2, t) <= threshold:
    ...         t += 1
    ...     return t
    >>> check_radam_first_rectified_step(my_first_rectified_step).passed
    True
    """
    rng = np.random.default_rng(13)
    random_settings = [
        Case(
            (float(beta2), float(threshold)),
            f"random setting: β₂ = {beta2:.5f}, threshold {threshold:g}",
            "random settings",
        )
        for beta2, threshold in zip(
            1 - 10 ** rng.uniform(-4, -0.6, 6),
            rng.choice([4.0, 5.0], 6),
            strict=True,
        )
    ]
    cases = [
        Case(
            (0.999, 5.0),
            "β₂ = 0.999, PyTorch's threshold 5",
            "PyTorch's and the paper's rule",
        ),
        Case(
            (0.999, 4.0),
            "β₂ = 0.999, the paper's threshold 4",
            "PyTorch's and the paper's rule",
        ),
        Case(
            (0.99, 5.0),
            "β₂ = 0.99, threshold 5",
            "PyTorch's and the paper's rule",
        ),
        Case((0.8, 5.0), "β₂ = 0.8, threshold 5", "smaller β₂"),
        Case((0.62, 4.0), "β₂ = 0.62, threshold 4", "smaller β₂"),
        *random_settings,
        Case(
            (0.62, 5.0),
            "β₂ = 0.62, threshold 5: never rectifies",
            "never rectifies",
        ),
        Case(
            (0.5, 4.0),
            "β₂ = 0.5, threshold 4: never rectifies",
            "never rectifies",
        ),
    ]
    reference = _first_rectified_step

    def rho_taken_as_t(beta2, threshold):
        """ρₜ ≈ t taken as exact: the first integer above the threshold, whatever β₂."""
        return math.floor(threshold) + 1

    mistakes = [
        Mistake(
            "rectifies_at_once",
            "Not yet: your RAdam rectifies from the very first step — that would be Adam "
            "(with a small factor), with no momentum phase.",
            lambda beta2, threshold: 1,
            hint="RAdam takes momentum steps while the average is worth too few gradients: "
            "find the first step at which it is worth more than the threshold.",
        ),
        Mistake(
            "rho_taken_as_t",
            "Your answer does not depend on β₂: it is right where β₂ is close to 1, and too "
            "early for smaller β₂.",
            rho_taken_as_t,
            hint="ρₜ is just below t only while t is small compared with 1/(1 − β₂); for a "
            "smaller β₂ compute ρₜ itself, and ask whether it ever passes the threshold.",
        ),
        Mistake(
            "last_momentum_step",
            "Your answer is one step early: it is the last momentum step, not the first "
            "rectified one.",
            lambda beta2, threshold: reference(beta2, threshold) - 1,
            hint="the first rectified step is the first t at which ρₜ is above the threshold.",
        ),
        Mistake(
            "threshold_ignored",
            "Your answer ignores the threshold it is given: it is always PyTorch's.",
            with_arg(reference, 1, lambda threshold: 5.0),
            hint="use the threshold argument: 5 for PyTorch, 4 for the paper's Algorithm 2.",
        ),
        Mistake(
            "threshold_ignored",
            "Your answer ignores the threshold it is given: it is always the paper's.",
            with_arg(reference, 1, lambda threshold: 4.0),
            hint="use the threshold argument: 5 for PyTorch, 4 for the paper's Algorithm 2.",
        ),
    ]
    return check_against(
        fn,
        reference,
        cases,
        mistakes,
        arg_names=("beta2", "threshold"),
        output_names=("t",),
        reference_name="runs of optlib.radam",
        advice="find the first step t at which ρₜ is above the threshold; and where ρₜ never "
        "gets there (look at its limit ρ∞), return math.nan: there is no such step.",
    )


# --- A prediction: how far along the warmup is RAdam at step 200? -------------------------------


def radam_step_share(beta2: float, t: int) -> float:
    """RAdam's step at step ``t`` as a share of Adam's, both with ε = 0 and fed the same random
    gradients for ``t`` steps (``optlib.radam`` against ``optlib.adam``): the rectification
    :math:`r_t` once RAdam rectifies, read from the runs."""
    grads = np.random.default_rng(5).standard_normal((t, 3))
    start = np.zeros(3)
    betas = (0.9, beta2)
    radam = follow(
        optimizers.radam(lr=0.01, betas=betas, eps=0.0), start, grads
    )
    adam = follow(
        optimizers.adam(lr=0.01, betas=betas, eps=0.0), start, grads
    )
    return float(np.mean((radam[-1] - radam[-2]) / (adam[-1] - adam[-2])))


@checker(
    formulas=(
        "sqrt(200*(1-0.999)/2)",
        "sqrt(200*0.001/2)",
        "sqrt(0.1)",
        "√(t(1−β₂)/2)",
        "sqrt(t*(1-beta2)/2)",
    ),
    kind="prediction",
)
def check_radam_r200(prediction: Any) -> CheckResult:
    r"""Judge a prediction of RAdam's rectification at step 200 with :math:`\beta_2 = 0.999`:
    the share of Adam's step that RAdam takes there (the same :math:`\eta`, the same gradients,
    :math:`\epsilon = 0`), run with :func:`optlib.radam` and :func:`optlib.adam`.

    Early on :math:`r_t \approx \sqrt{\omega_t} = \sqrt{t(1 - \beta_2)/2}` (eq. ``radam-sqrt``):
    :math:`\sqrt{0.1} \approx 0.316`; the run gives :math:`r_{200} \approx 0.307`. A prediction
    within 10 % counts.

    Expected answer: a number.

    Examples
    --------
    >>> check_radam_r200(None).mistake
    'no_prediction'
    >>> check_radam_r200(0.3).passed
    True
    """
    return judge_prediction(
        prediction,
        lambda: radam_step_share(0.999, 200),
        asks="r₂₀₀, the share of Adam's step RAdam takes at step 200 with β₂ = 0.999 (a number "
        "between 0 and 1)",
        rtol=0.1,
        show_outcome=lambda share: (
            f"r₂₀₀ = {share:.3f}: RAdam's step 200 is {share:.1%} of Adam's, fed the same gradients"
        ),
        explanation="At step 200 RAdam's implicit warmup, about 2,000 steps long at β₂ = 0.999, "
        "has only begun; early on the rectification is close to the square root of the "
        "untuned linear warmup's factor.",
        hint="a tenth of the way through a warmup of about 2,000 steps: compare r with the "
        "linear warmup's factor in the chapter's section 'RAdam is a warmup'.",
    )
