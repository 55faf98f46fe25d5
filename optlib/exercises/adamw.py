r"""Exercises of the chapter on AdamW, a ladder: one step with decoupled weight decay, checked
against ``optlib.optimizers.adamw`` (:class:`~optlib.optimizers.DecoupledDecay` composed with
:class:`~optlib.optimizers.Adam`), with L2 regularisation (``optimizers.adam(weight_decay=λ)``)
among its known mistakes; the conversion of the paper's λ into PyTorch's, derived by hand and
checked against runs of ``optimizers.adamw``; and a prediction about a weight with no gradient,
judged by running Adam + L2 and AdamW."""

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
from optlib.exercises.engine import (
    Case,
    CheckResult,
    Mistake,
    check_against,
    checker,
    judge_prediction,
)
from optlib.exercises.variants import (
    reordered,
    returns_update,
    steps_in_a_row,
    with_arg,
)
from optlib.optimizers import bias_corrected
from optlib.run import follow

__all__ = [
    "NO_GRADIENT_RUN",
    "check_adamw_step",
    "check_no_gradient_prediction",
    "check_weight_decay_conversion",
    "decay_per_step_from_run",
    "no_gradient_paths",
]


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
    rule = optimizers.adamw(
        lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay
    )
    return adam_family_step(rule, theta, grad, m, v, t)


@checker(
    formulas=(
        "theta*(1-lr*weight_decay)",
        "(1-lr*weight_decay)",
        "theta-lr*weight_decay*theta",
        "θ(1−ηλ)",
        "(1−ηλ)",
        "θ′=θ(1−ηλ)",
    )
)
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

    first = (
        rng.normal(size=3),
        rng.normal(size=3),
        np.zeros(3),
        np.zeros(3),
        1,
        *default,
    )
    cases = [
        *steps_in_a_row(
            _adamw_step,
            carry_adam_state,
            first,
            rng.normal(size=(4, 3)),
            "5 steps in a row",
        ),
        Case(
            (
                rng.normal(size=3),
                rng.normal(size=3),
                *moments(1.0, (3,)),
                1000,
                *default,
            ),
            "late in training, t = 1000",
        ),
        Case(
            (
                rng.normal(size=3),
                np.zeros(3),
                np.zeros(3),
                np.zeros(3),
                1,
                *default,
            ),
            "a first step with zero gradient: only the decay acts",
        ),
        Case(
            (
                rng.normal(size=3),
                np.zeros(3),
                *moments(1.0, (3,)),
                3,
                *default,
            ),
            "zero gradient, moments from earlier steps",
        ),
        Case(
            (
                rng.normal(size=3),
                1e-10 * rng.normal(size=3),
                np.zeros(3),
                np.zeros(3),
                1,
                *default,
            ),
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
            (
                1e3 * rng.normal(size=3),
                1e5 * rng.normal(size=3),
                *moments(1e5, (3,)),
                2,
                *default,
            ),
            "large values",
        ),
        Case(
            (
                rng.normal(size=(2, 3)),
                rng.normal(size=(2, 3)),
                *moments(1.0, (2, 3)),
                4,
                *default,
            ),
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

    def l2_penalty(
        theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay
    ):
        """optlib's Adam with weight_decay=λ: the L2 penalty's gradient λθ added to g."""
        rule = optimizers.adam(
            lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay
        )
        return adam_family_step(rule, theta, grad, m, v, t)

    def decay_grows_theta(
        theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay
    ):
        """optlib's Adam step fed θ(1 + ηλ)."""
        grown = theta * (1 + lr * weight_decay)
        return adam_step(grown, grad, m, v, t, lr, beta1, beta2, eps)

    def decay_without_lr(
        theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay
    ):
        """optlib's AdamW with λ/η for λ, which decays θ to θ(1 − λ)."""
        return reference(
            theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay / lr
        )

    def decay_after_step(
        theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay
    ):
        """optlib's Adam step, then the decay."""
        new_theta, m, v = adam_step(
            theta, grad, m, v, t, lr, beta1, beta2, eps
        )
        return new_theta * (1 - lr * weight_decay), m, v

    def adam_step_only(
        theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay
    ):
        """optlib's new θ minus the decayed θ: the Adam step alone."""
        new_theta, m, v = reference(
            theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay
        )
        return new_theta - theta * (1 - lr * weight_decay), m, v

    # A change of the formula itself, written out with optlib's moments and bias_corrected.
    def eps_inside_root(
        theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay
    ):
        _, m, v = adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps)
        m_hat, v_hat = (
            bias_corrected(m, beta1, t),
            bias_corrected(v, beta2, t),
        )
        return (
            theta * (1 - lr * weight_decay)
            - lr * m_hat / np.sqrt(v_hat + eps),
            m,
            v,
        )

    mistakes = [
        Mistake(
            "no_decay",
            "Not yet: your step does not decay the weights — it is Adam's step alone.",
            with_arg(reference, 9, lambda weight_decay: 0.0),
            hint="AdamW shrinks θ by a fixed fraction at every step, apart from Adam's step and "
            "before it: see the chapter's update, in PyTorch's form.",
        ),
        Mistake(
            "l2_not_decoupled",
            "You add the decay to the gradient: that is L2 regularisation, Adam with "
            "weight_decay, not AdamW.",
            l2_penalty,
            hint="through the gradient the decay is averaged into m and divided by the root of "
            "v, so weights with large gradients are hardly decayed. AdamW keeps the gradient "
            "bare and shrinks θ directly.",
        ),
        Mistake(
            "decay_grows_theta",
            "Your decay grows θ instead of shrinking it.",
            decay_grows_theta,
            hint="weight decay always shrinks the weights toward zero. (One of the lecture's "
            "AdamW slides has this sign slip.)",
        ),
        Mistake(
            "decay_without_lr",
            "Your decay ignores the learning rate: it removes the same fraction of θ whatever η "
            "is.",
            decay_without_lr,
            hint="in PyTorch's AdamW the learning rate multiplies the decay too. A decay without "
            "it is the slide's (and the paper's) λ, in other units than PyTorch's.",
        ),
        Mistake(
            "decay_after_step",
            "You decay θ after the Adam step, not before.",
            decay_after_step,
            hint="PyTorch shrinks the θ you are given, then subtracts Adam's step Δ (the paper's "
            "decay term also uses the old θ); the two orders differ by ηλΔ.",
        ),
        Mistake(
            "no_bias_correction",
            "Your Adam step has no bias correction: it forgets that both moving averages start "
            "at zero.",
            with_arg(reference, 4, lambda t: LATE_STEP),
            hint="AdamW's Adam step is the Adam chapter's, bias correction included.",
        ),
        Mistake(
            "eps_inside_root",
            "You put ε in the wrong place: inside the square root. Your step differs only "
            "where v is tiny.",
            eps_inside_root,
            hint="PyTorch adds ε after taking the root of the corrected second moment.",
        ),
        Mistake(
            "swapped_outputs",
            "Your outputs are in the wrong order.",
            reordered(reference, (0, 2, 1)),
            hint="return (theta, m, v): the new parameters, then the two raw moments.",
        ),
        Mistake(
            "returns_update",
            "Your first output is the change of θ, not the new parameters.",
            returns_update(reference),
            hint="add the decay and the step to the parameters you were given, and return the "
            "result.",
        ),
        Mistake(
            "returns_update",
            "Your first output is the Adam step alone, not the new parameters.",
            adam_step_only,
            hint="decay θ, subtract Adam's step, and return the result.",
        ),
    ]
    return check_against(
        step,
        reference,
        cases,
        mistakes,
        arg_names=(
            "theta",
            "grad",
            "m",
            "v",
            "t",
            "lr",
            "beta1",
            "beta2",
            "eps",
            "weight_decay",
        ),
        output_names=("theta", "m", "v"),
        reference_name="optlib.optimizers.adamw",
        advice="compare your function with the chapter's two moves, one at a time: first the "
        "decay of θ, then Adam's step on the bare gradient.",
    )


# --- The paper's λ in PyTorch's units, derived ---------------------------------------------------


def decay_per_step_from_run(lr: float, weight_decay: float) -> float:
    """The fraction of θ that one step of ``optimizers.adamw(lr, weight_decay=weight_decay)``
    removes, read from a run: the step from θ = 1 on a zero gradient (where Adam's own step is
    zero, so only the decay acts)."""
    rule = optimizers.adamw(lr=lr, weight_decay=weight_decay)
    theta = np.ones(1)
    new_theta, _ = rule.step(theta, np.zeros(1), rule.init(theta))
    return float(1 - new_theta[0])


def _torch_weight_decay(
    lam_paper: float, alpha: float, multiplier: float
) -> float:
    r"""The ``weight_decay`` that makes ``optlib.adamw(lr=α·η_t)`` decay θ as the paper's
    Algorithm 2 (eq. ``adamw-paper``) does with :math:`\lambda_\text{paper}` at the schedule
    multiplier :math:`\eta_t`: the paper's decay per step, :math:`\eta_t\lambda_\text{paper}`,
    divided by the decay per step per unit of ``weight_decay`` that an optlib run gives (the
    decay is linear in ``weight_decay``)."""
    per_unit = decay_per_step_from_run(alpha * multiplier, 1.0)
    return multiplier * lam_paper / per_unit


@checker(
    formulas=(
        "lam_paper/alpha",
        "λ_paper/α",
        "λpaper/α",
        "λ_torch=λ_paper/α",
        "lam_paper/lr",
        "λ_paper/η",
    ),
    kind="derivation",
)
def check_weight_decay_conversion(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's conversion of the AdamW paper's :math:`\lambda` into PyTorch's, derived
    by hand, against runs of :func:`optlib.optimizers.adamw`.

    The paper's Algorithm 2 (eq. ``adamw-paper``) decays θ by :math:`\eta_t\lambda_\text{paper}`
    per step (:math:`\eta_t` the schedule multiplier, :math:`\alpha` the base rate, which scales
    only the Adam step); PyTorch by :math:`\eta\lambda_\text{torch}` with its learning rate
    :math:`\eta = \alpha\eta_t`. The same run needs (eq. ``adamw-conversion``)

    .. math:: \lambda_\text{torch} = \frac{\lambda_\text{paper}}{\alpha},

    whatever the schedule. The reference does not use this formula: it divides the paper's decay
    per step by the decay per unit of ``weight_decay`` that a step of ``optlib.adamw`` with
    ``lr = α·η_t`` takes (:func:`decay_per_step_from_run`), on random :math:`\lambda_\text{paper}`,
    :math:`\alpha`, :math:`\eta_t` and the edge values :math:`\eta_t = 1`,
    :math:`\lambda_\text{paper} = 0`, :math:`\alpha = 1`.

    Expected signature: ``fn(lam_paper, alpha, multiplier) -> lam_torch``, one number.

    Examples
    --------
    >>> def my_torch_weight_decay(lam_paper, alpha, multiplier):
    ...     return lam_paper / alpha
    >>> check_weight_decay_conversion(my_torch_weight_decay).passed
    True
    >>> check_weight_decay_conversion(lambda lam_paper, alpha, multiplier: lam_paper).mistake
    'not_converted'
    """
    rng = np.random.default_rng(15)
    random_settings = zip(
        10 ** rng.uniform(-4, -1, size=6),
        10 ** rng.uniform(-4, -1, size=6),
        rng.uniform(0.05, 1.0, size=6),
        strict=True,
    )
    settings = [
        (
            (0.025, 1e-3, 1.0),
            "the chapter's paper: α = 0.001, λ = 0.025, constant schedule",
            "",
        ),
        *(
            (
                (lam, alpha, multiplier),
                f"random λ_paper = {lam:.3g}, α = {alpha:.3g}, η_t = {multiplier:.3g}",
                "random λ_paper, α and schedule multiplier η_t",
            )
            for lam, alpha, multiplier in random_settings
        ),
        ((1e-2, 3e-4, 1.0), "a constant schedule, η_t = 1", ""),
        ((0.0, 1e-3, 0.5), "no decay, λ_paper = 0", ""),
        (
            (0.05, 1.0, 0.3),
            "α = 1, where the two λ's are the same number",
            "",
        ),
        (
            (1e-3, 1e-2, 1e-3),
            "the end of a cosine schedule, η_t = 0.001",
            "",
        ),
    ]
    # NumPy floats, as a learner's notebook has them: a division by λ_paper = 0 gives inf.
    cases = [
        Case(tuple(np.float64(value) for value in args), description, kind)
        for args, description, kind in settings
    ]
    reference = _torch_weight_decay

    # Wrong derivations, written out (changes of the formula itself).
    def multiplies_by_alpha(lam_paper, alpha, multiplier):
        return lam_paper * alpha

    def divides_by_scheduled_lr(lam_paper, alpha, multiplier):
        return lam_paper / (alpha * multiplier)

    def schedule_twice(lam_paper, alpha, multiplier):
        return multiplier * lam_paper / alpha

    def inverted(lam_paper, alpha, multiplier):
        return alpha / lam_paper

    mistakes = [
        Mistake(
            "not_converted",
            "Not yet: you pass the paper's λ to PyTorch unchanged.",
            lambda lam_paper, alpha, multiplier: lam_paper,
            hint="write the decay each form takes in one step — the paper's decay term, and "
            "PyTorch's, whose learning rate multiplies its λ — and find the λ that makes the two "
            "equal.",
        ),
        Mistake(
            "multiplies_by_alpha",
            "Your conversion goes the wrong way: with α below 1 it weakens the decay.",
            multiplies_by_alpha,
            hint="PyTorch's learning rate, α times the schedule, multiplies its λ, and α is "
            "small: PyTorch needs the larger number.",
        ),
        Mistake(
            "divides_by_scheduled_lr",
            "Your λ changes with the schedule, but PyTorch's weight_decay is one number for the "
            "whole run.",
            divides_by_scheduled_lr,
            hint="the schedule multiplier scales the decay in both forms alike: it cancels.",
        ),
        Mistake(
            "schedule_twice",
            "Your conversion applies the schedule twice: PyTorch's learning rate already follows "
            "it.",
            schedule_twice,
            hint="the schedule multiplier scales the decay in both forms alike: it cancels.",
        ),
        Mistake(
            "inverted",
            "Your conversion is upside down: a larger λ in the paper must give a larger λ in "
            "PyTorch.",
            inverted,
            hint="equate the two decays per step and solve for PyTorch's λ.",
        ),
    ]
    return check_against(
        fn,
        reference,
        cases,
        mistakes,
        arg_names=("lam_paper", "alpha", "multiplier"),
        output_names=("lam_torch",),
        reference_name="runs of optlib.optimizers.adamw",
        advice="write the fraction of θ each form removes in one step — the paper's, with its "
        "schedule multiplier, and PyTorch's, with its learning rate — set them equal, and "
        "solve for PyTorch's λ.",
    )


# --- Predict, then run: a weight with no gradient ------------------------------------------------

#: The prediction exercise's weight, learning rate, weight decay and number of steps.
NO_GRADIENT_RUN = {
    "theta": 0.3,
    "lr": 0.01,
    "weight_decay": 1e-4,
    "steps": 30,
}
NO_GRADIENT_CHOICES = ("Adam + L2", "AdamW", "the same")


def no_gradient_paths() -> dict[str, float]:
    """The weight of :data:`NO_GRADIENT_RUN` after its steps on a zero data gradient, under
    ``optimizers.adam(weight_decay=λ)`` (L2) and ``optimizers.adamw(weight_decay=λ)``."""
    run = NO_GRADIENT_RUN
    start, zeros = np.array([run["theta"]]), np.zeros((run["steps"], 1))
    makers = {"Adam + L2": optimizers.adam, "AdamW": optimizers.adamw}
    return {
        name: float(
            follow(
                make(lr=run["lr"], weight_decay=run["weight_decay"]),
                start,
                zeros,
            )[-1, 0]
        )
        for name, make in makers.items()
    }


def _closer_to_zero() -> str:
    """Which method leaves the weight closer to zero (:data:`NO_GRADIENT_CHOICES`)."""
    ends = no_gradient_paths()
    l2, adamw = abs(ends["Adam + L2"]), abs(ends["AdamW"])
    if abs(l2 - adamw) <= 0.01 * max(l2, adamw):
        return "the same"
    return "Adam + L2" if l2 < adamw else "AdamW"


def _show_ends(outcome: str) -> str:
    ends = no_gradient_paths()
    return (
        f"{outcome} (after {NO_GRADIENT_RUN['steps']} steps the weight is "
        f"{ends['Adam + L2']:.4g} under Adam + L2 and {ends['AdamW']:.6g} under AdamW, from "
        f"{NO_GRADIENT_RUN['theta']:g})"
    )


@checker(
    formulas=(
        "(1-lr*weight_decay)**",
        "(1−ηλ)ᵗ",
        "(1−ηλ)^t",
        "η·sign(θ)",
        "lr*np.sign(theta)",
    ),
    kind="prediction",
)
def check_no_gradient_prediction(prediction: Any) -> CheckResult:
    r"""Judge a prediction, made before running: a weight whose data gradient is 0 at every step
    starts at 0.3; with η = 0.01 and λ = 10⁻⁴, which of Adam + L2 (``optimizers.adam(
    weight_decay=λ)``) and AdamW brings it closer to zero in 30 steps — or is it the same?

    Under AdamW the weight shrinks by the factor :math:`1 - \eta\lambda` per step, a millionth;
    under Adam + L2 its only gradient is :math:`\lambda\theta`, which Adam normalises to a step of
    about :math:`\eta` whatever :math:`\lambda` is (eq. ``adamw-l2-effective``, its second
    regime): Adam + L2 wins by far.

    Examples
    --------
    >>> check_no_gradient_prediction("Adam + L2").passed
    True
    >>> check_no_gradient_prediction(None).mistake
    'no_prediction'
    """
    return judge_prediction(
        prediction,
        _closer_to_zero,
        asks='one of "Adam + L2", "AdamW" or "the same": which brings the weight closer to zero',
        choices=NO_GRADIENT_CHOICES,
        show_outcome=_show_ends,
        explanation="Under Adam + L2 the decay is the weight's only gradient, and Adam takes "
        "a step of about η whatever the size of that gradient, however small λ is; AdamW "
        "removes the fraction ηλ — a millionth here — per step.",
        hint="under Adam + L2 the decay term is this weight's whole gradient: how long is an "
        "Adam step when every gradient it has seen is small and of one sign?",
    )
