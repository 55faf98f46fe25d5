r"""Exercises of the chapter on Adam, a ladder: one step, checked against
:class:`optlib.optimizers.Adam`; the bias correction, derived by hand and checked against the
factors that runs of optlib's Adam on a constant gradient give; and a prediction of the length of
Adam's first step, judged by running it.

The step functions of the Adam family take ``(theta, grad, m, v, t, ...)`` with ``t`` the number
of *this* step; :func:`adam_family_step` runs an optlib rule from them (the AdamW exercise uses
it too)."""

from __future__ import annotations

import functools
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
from optlib.exercises.variants import (
    reordered,
    returns_update,
    rule_step,
    stands_still,
    steps_in_a_row,
    uphill,
    with_arg,
)
from optlib.optimizers import Optimizer, bias_corrected

__all__ = [
    "LATE_STEP",
    "adam_family_step",
    "adam_step",
    "bias_factors_from_run",
    "carry_adam_state",
    "check_adam_step",
    "check_bias_correction",
    "check_first_step_prediction",
    "random_moments",
]

#: A step so late that every :math:`\beta^t` of the exercises underflows to 0: there the bias
#: correction :math:`1 - \beta^t` is exactly 1, so a rule fed this ``t`` has none.
LATE_STEP = 10**6


# --- The Adam family's step, from the learner's arguments --------------------------------------


def adam_family_step(
    rule: Optimizer,
    theta: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
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
    return scale * rng.normal(size=shape), scale**2 * rng.uniform(
        0.5, 2.0, size=shape
    )


def carry_adam_state(
    args: tuple[Any, ...], outputs: Any, grad: np.ndarray
) -> tuple[Any, ...]:
    """Feed an Adam-family step's (θ, m, v) back in with the next gradient and t + 1 (the
    ``carry`` of :func:`optlib.exercises.variants.steps_in_a_row`)."""
    return (outputs[0], grad, outputs[1], outputs[2], args[4] + 1, *args[5:])


# --- One step of Adam --------------------------------------------------------------------------


@checker(
    formulas=(
        "m/(1-beta1**t)",
        "v/(1-beta2**t)",
        "m_hat/(np.sqrt(v_hat)+eps)",
        "m̂/(√v̂+ε)",
        "√v̂+ε",
        "1−β₁ᵗ",
        "1−β₂ᵗ",
    )
)
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
            adam_step,
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
                *moments(1.0, (3,)),
                3,
                *default,
            ),
            "zero gradient",
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
            ),
            "β₁ = 0.5, β₂ = 0.9, ε = 1e-4",
        ),
    ]
    reference = adam_step

    def eps_before_correction(theta, grad, m, v, t, lr, beta1, beta2, eps):
        """optlib's Adam with ε/√(1 − β₂ᵗ) for ε: (√v + ε)/√(1 − β₂ᵗ) = √v̂ + ε/√(1 − β₂ᵗ)."""
        return reference(
            theta,
            grad,
            m,
            v,
            t,
            lr,
            beta1,
            beta2,
            eps / np.sqrt(1 - beta2**t),
        )

    def betas_swapped(theta, grad, m, v, t, lr, beta1, beta2, eps):
        """optlib's Adam with betas (β₂, β₁)."""
        return reference(theta, grad, m, v, t, lr, beta2, beta1, eps)

    def corrected_moments_as_state(
        theta, grad, m, v, t, lr, beta1, beta2, eps
    ):
        """optlib's step, returning its moments bias-corrected by optlib's bias_corrected."""
        new_theta, m, v = reference(
            theta, grad, m, v, t, lr, beta1, beta2, eps
        )
        return (
            new_theta,
            bias_corrected(m, beta1, t),
            bias_corrected(v, beta2, t),
        )

    # Changes of the formula itself, written out with optlib's moments and bias_corrected.
    def with_theta(update: Callable[..., np.ndarray]) -> Callable[..., Any]:
        """The right moments (from optlib), then a wrong update of θ."""

        def variant(theta, grad, m, v, t, lr, beta1, beta2, eps):
            _, m, v = reference(theta, grad, m, v, t, lr, beta1, beta2, eps)
            return theta - update(m, v, t, lr, beta1, beta2, eps), m, v

        return variant

    def no_one_minus_beta(theta, grad, m, v, t, lr, beta1, beta2, eps):
        m, v = beta1 * m + grad, beta2 * v + grad**2
        m_hat, v_hat = (
            bias_corrected(m, beta1, t),
            bias_corrected(v, beta2, t),
        )
        return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v

    def g_not_squared(theta, grad, m, v, t, lr, beta1, beta2, eps):
        m, v = beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad
        m_hat, v_hat = (
            bias_corrected(m, beta1, t),
            bias_corrected(v, beta2, t),
        )
        return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v

    mistakes = [
        Mistake(
            "no_step",
            "Not yet: θ does not move — your function returns the parameters it was given.",
            stands_still(reference),
            hint="after the two moving averages come the chapter's last two equations: correct "
            "both averages for their start at zero, then take the step they give.",
        ),
        Mistake(
            "uphill",
            "Your step goes uphill: θ moves in the direction of the gradient.",
            uphill(reference),
            hint="the loss goes down when θ moves against the averaged gradient: check the sign.",
        ),
        Mistake(
            "lr_missing",
            "Your step ignores the learning rate.",
            with_arg(reference, 5, lambda lr: 1.0),
            hint="with η = 0.01 your steps are a hundred times too long.",
        ),
        Mistake(
            "lr_squared",
            "Your step uses the learning rate twice.",
            with_arg(reference, 5, lambda lr: lr**2),
            hint="the learning rate multiplies the step once.",
        ),
        Mistake(
            "no_bias_correction",
            "Your step has no bias correction: it forgets that both moving averages start at zero.",
            with_arg(
                reference, 4, lambda t: LATE_STEP
            ),  # where the correction is 1
            hint="early in training both averages are far too small. The chapter's section on "
            "bias correction says by how much: divide each average by it (it matters most in "
            "the first steps).",
        ),
        Mistake(
            "only_m_corrected",
            "You correct the first moment for its start at zero, but not the second.",
            with_theta(
                lambda m, v, t, lr, b1, b2, eps: (
                    lr * bias_corrected(m, b1, t) / (np.sqrt(v) + eps)
                )
            ),
            hint="v starts at zero too, and its bias lasts far longer than m's.",
        ),
        Mistake(
            "only_v_corrected",
            "You correct the second moment for its start at zero, but not the first.",
            with_theta(
                lambda m, v, t, lr, b1, b2, eps: (
                    lr * m / (np.sqrt(bias_corrected(v, b2, t)) + eps)
                )
            ),
            hint="m starts at zero too: correct it with β₁ as you correct v with β₂.",
        ),
        Mistake(
            "t_off_by_one",
            "Your bias correction is off by one step.",
            with_arg(reference, 4, lambda t: t + 1),
            hint="t is already the number of this step (1 on the first step): use it as given, "
            "without adding 1.",
        ),
        Mistake(
            "t_off_by_one",
            "Your bias correction is off by one step.",
            # Written out: fed t − 1, optlib's Adam would refuse the state t = −1 of step 1.
            with_theta(
                lambda m, v, t, lr, b1, b2, eps: (
                    lr
                    * bias_corrected(m, b1, t - 1)
                    / (np.sqrt(bias_corrected(v, b2, t - 1)) + eps)
                )
            ),
            hint="t is the number of this step (1 on the first step), and the moments you have "
            "just updated include this step's gradient: use t as given, not t − 1.",
        ),
        Mistake(
            "eps_inside_root",
            "You put ε in the wrong place: inside the square root. Your step differs only "
            "where v is tiny.",
            with_theta(
                lambda m, v, t, lr, b1, b2, eps: (
                    lr
                    * bias_corrected(m, b1, t)
                    / np.sqrt(bias_corrected(v, b2, t) + eps)
                )
            ),
            hint="the paper and PyTorch (and the book) add ε after taking the root, not before.",
        ),
        Mistake(
            "eps_before_correction",
            "You add ε before the bias correction, as TensorFlow does; the book follows the "
            "paper and PyTorch.",
            eps_before_correction,
            hint="correct v first, take the root of the corrected moment, and only then add ε.",
        ),
        Mistake(
            "no_one_minus_beta",
            "Your moving averages are not averages: their weights add up to more than one.",
            no_one_minus_beta,
            hint="in both moments the new gradient must carry the weight the old average gives up.",
        ),
        Mistake(
            "g_not_squared",
            "Your second moment averages the gradient, not its square.",
            g_not_squared,
            hint="v tracks the mean of g², which is never negative.",
        ),
        Mistake(
            "betas_swapped",
            "You swapped β₁ and β₂.",
            betas_swapped,
            hint="β₁ (0.9) belongs to the average of the gradient, m; β₂ (0.999) to the average "
            "of its square, v.",
        ),
        Mistake(
            "corrected_moments_as_state",
            "You return the bias-corrected moments; return the raw m and v.",
            corrected_moments_as_state,
            hint="the next step averages m and v further, and corrects them again with its own t.",
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
            hint="add the step to the parameters you were given, and return the result.",
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
        ),
        output_names=("theta", "m", "v"),
        reference_name="optlib.optimizers.Adam",
        advice="compare your function with the chapter's four equations, one line at a time: "
        "the two moving averages, their bias correction, then the step.",
    )


# --- The bias-correction factor, derived ---------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def bias_factors_from_run(
    beta1: float, beta2: float, t: int
) -> tuple[float, float]:
    r"""How much of a constant gradient Adam's raw moments hold after ``t`` steps, read from
    optlib: :math:`m_t/g` and :math:`v_t/g^2` of ``optimizers.adam(betas=(beta1, beta2))`` fed
    :math:`g = 1` ``t`` times from the zero start.

    For a constant gradient the expectations of eq. ``adam-bias`` hold exactly, so these are the
    factors by which the moments fall short: what the bias correction divides by. They are
    measured, not computed from the closed form the learner derives.
    """
    rule = optimizers.adam(lr=1.0, betas=(beta1, beta2))
    theta, one = np.zeros(1), np.ones(1)
    state = rule.init(theta)
    for _ in range(t):
        theta, state = rule.step(theta, one, state)
    return float(state.m[0]), float(state.v[0])


def _bias_correction_reference(
    m: np.ndarray, v: np.ndarray, t: int, beta1: float, beta2: float
) -> tuple[np.ndarray, np.ndarray]:
    """The moments divided by the factors an optlib run on a constant gradient gives
    (:func:`bias_factors_from_run`)."""
    factor1, factor2 = bias_factors_from_run(
        float(beta1), float(beta2), int(t)
    )
    return m / factor1, v / factor2


@checker(
    formulas=(
        "1-beta1**t",
        "1-beta2**t",
        "1-beta**t",
        "1−β₁ᵗ",
        "1−β₂ᵗ",
        "1−β^t",
    ),
    kind="derivation",
)
def check_bias_correction(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's bias correction of Adam's moments, derived by hand, against the factors
    that runs of :class:`optlib.optimizers.Adam` on a constant gradient give.

    After :math:`t` steps from :math:`m_0 = v_0 = 0` the weights of the gradients in
    :math:`m_t` sum to :math:`1 - \beta_1^t` (eq. ``adam-bias``), so

    .. math::
        \hat m_t = \frac{m_t}{1 - \beta_1^t}, \qquad \hat v_t = \frac{v_t}{1 - \beta_2^t}.

    The reference does not use this formula: it divides by :math:`m_t/g` and :math:`v_t/g^2`
    read from optlib's Adam fed a constant :math:`g` (:func:`bias_factors_from_run`), on random
    :math:`\beta_1, \beta_2, t` and the edge values :math:`t = 1`, :math:`\beta_1 = 0`, a late
    :math:`t`.

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
        Case(
            ((1 - 0.9) * g, (1 - 0.999) * g**2, 1, 0.9, 0.999),
            "after the first step, t = 1",
        ),
        *(
            Case(
                (*moments(1.0, (3,)), int(t), float(b1), float(b2)),
                f"random β₁ = {b1:.4g}, β₂ = {b2:.6g}, t = {t}",
                "random β₁, β₂ and t",
            )
            for b1, b2, t in zip(
                rng.uniform(0.0, 0.99, size=6),
                1 - 10 ** rng.uniform(-4, -1, size=6),
                rng.integers(2, 300, size=6),
                strict=True,
            )
        ),
        Case(
            (*moments(1.0, (3,)), 2000, 0.9, 0.999),
            "t = 2000, where the first moment's correction has vanished but not the second's",
        ),
        Case((np.zeros(3), np.zeros(3), 5, 0.9, 0.999), "zero moments"),
        Case(
            (*moments(1.0, (3,)), 7, 0.0, 0.99),
            "β₁ = 0 (no momentum), β₂ = 0.99",
        ),
        Case(
            (*moments(1.0, (2, 3)), 4, 0.9, 0.999), "a batch, shape (2, 3)"
        ),
        Case((*moments(1e6, (3,)), 3, 0.9, 0.999), "large values"),
    ]
    reference = _bias_correction_reference

    # Wrong derivations of the factor, written out (changes of the formula itself).
    def multiplies(m, v, t, beta1, beta2):
        return m * (1 - beta1**t), v * (1 - beta2**t)

    def one_minus_beta_for_beta(m, v, t, beta1, beta2):
        """The series summed with the new gradient's weight 1 − β where β belongs."""
        return m / (1 - (1 - beta1) ** t), v / (1 - (1 - beta2) ** t)

    mistakes = [
        Mistake(
            "no_correction",
            "Not yet: your moments come back as they were — nothing corrects them for their "
            "start at zero.",
            lambda m, v, t, beta1, beta2: (m, v),
            hint="unroll the average back to its zero start: after t steps, what do the "
            "weights of the gradients in m add up to? Divide by that.",
        ),
        Mistake(
            "multiplies",
            "Your correction makes the moments smaller; it should enlarge them.",
            multiplies,
            hint="the moments start at zero and fall short early on: divide by the factor you "
            "derived, do not multiply by it.",
        ),
        Mistake(
            "beta_not_power",
            "Your correction is right after the first step only: it does not change with t.",
            with_arg(reference, 2, lambda t: 1),
            hint="the weights of t gradients add up to an amount that grows with t: sum the "
            "geometric series to t terms.",
        ),
        Mistake(
            "one_minus_beta_for_beta",
            "Your geometric series has the wrong ratio: it decays with the new gradient's weight "
            "where the old average's belongs.",
            one_minus_beta_for_beta,
            hint="each step multiplies the weights already in the average by β, the old "
            "average's share.",
        ),
        Mistake(
            "t_off_by_one",
            "Your correction is off by one step.",
            with_arg(reference, 2, lambda t: t + 1),
            hint="t is the number of steps that built m and v (1 after the first step): use it "
            "as given, without adding 1.",
        ),
        Mistake(
            "t_off_by_one",
            "Your correction is off by one step.",
            with_arg(reference, 2, lambda t: t - 1),
            hint="t is the number of steps that built m and v (1 after the first step), and "
            "each of them added a gradient: use t as given, not t − 1.",
        ),
        Mistake(
            "betas_swapped",
            "You swapped β₁ and β₂.",
            lambda m, v, t, beta1, beta2: reference(m, v, t, beta2, beta1),
            hint="m is averaged with β₁, so its correction uses β₁; v's uses β₂.",
        ),
        Mistake(
            "only_m_corrected",
            "You correct m but return v unchanged.",
            lambda m, v, t, beta1, beta2: (
                reference(m, v, t, beta1, beta2)[0],
                v,
            ),
            hint="v starts at zero too, with its own β.",
        ),
        Mistake(
            "only_v_corrected",
            "You correct v but return m unchanged.",
            lambda m, v, t, beta1, beta2: (
                m,
                reference(m, v, t, beta1, beta2)[1],
            ),
            hint="m starts at zero too, with its own β.",
        ),
        Mistake(
            "swapped_outputs",
            "Your outputs are in the wrong order.",
            reordered(reference, (1, 0)),
            hint="return (m_hat, v_hat).",
        ),
    ]
    return check_against(
        fn,
        reference,
        cases,
        mistakes,
        arg_names=("m", "v", "t", "beta1", "beta2"),
        output_names=("m_hat", "v_hat"),
        reference_name="runs of optlib's Adam on a constant gradient",
        advice="unroll the moving average back to its zero start, add up the weights of the "
        "gradients (a geometric series), and divide each moment by its own sum.",
    )


# --- Predict, then run: Adam's first step --------------------------------------------------------

#: The first gradient of the prediction exercise: two coordinates four decades apart.
FIRST_GRADIENT = (1e-3, 10.0)


def _first_step_ratio() -> float:
    """How many times longer optlib's Adam (defaults) moves the second coordinate than the
    first on its first step, from θ = 0 with the gradient :data:`FIRST_GRADIENT`."""
    rule = optimizers.adam()
    theta = np.zeros(2)
    new_theta, _ = rule.step(
        theta, np.array(FIRST_GRADIENT), rule.init(theta)
    )
    lengths = np.abs(new_theta - theta)
    return float(lengths[1] / lengths[0])


@checker(
    formulas=(
        "g/(|g|+ε)",
        "grad/(np.abs(grad)+eps)",
        "g/(np.abs(g)+eps)",
        "η·sign(g)",
        "lr*np.sign(grad)",
    ),
    kind="prediction",
)
def check_first_step_prediction(prediction: Any) -> CheckResult:
    r"""Judge a prediction, made before running: on its first step, with the defaults, how many
    times longer does Adam move a coordinate whose gradient is :math:`10` than one whose
    gradient is :math:`10^{-3}`?

    The run is optlib's Adam; the answer is eq. ``adam-first-step``: every coordinate moves by
    :math:`\eta\,|g|/(|g| + \epsilon) \approx \eta` on the first step, so the ratio is 1 (to
    :math:`10^{-5}`). A prediction within 10 % counts.

    Examples
    --------
    >>> check_first_step_prediction(1.0).passed
    True
    >>> check_first_step_prediction(None).mistake
    'no_prediction'
    """
    return judge_prediction(
        prediction,
        _first_step_ratio,
        asks="a number: how many times longer the first step is along the coordinate whose "
        "gradient is 10 than along the one whose gradient is 0.001",
        rtol=0.1,
        show_outcome=lambda ratio: f"a ratio of {ratio:.6g}",
        explanation="Both coordinates move by the same length, although their gradients differ "
        "by a factor of ten thousand: on the first step Adam divides each gradient by its own "
        "size. Gradient descent's ratio would be 10⁴.",
        hint="after one step from the zero start, what are the corrected moments of a "
        "coordinate, in terms of its first gradient? Divide one by the root of the other.",
    )
