r"""Exercises of the chapter on RMSProp: one step, checked against
:class:`optlib.optimizers.RMSprop`; the number of steps its moving average needs to warm up
from zero, derived by hand and checked against optlib's runs; and a prediction of when centered
RMSProp's step on a constant gradient grows past a hundred times :math:`\eta`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

import optlib
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

__all__ = [
    "check_centered_rmsprop",
    "check_rmsprop_step",
    "check_rmsprop_warmup",
]


def _rmsprop_step(
    theta: np.ndarray,
    grad: np.ndarray,
    v: np.ndarray,
    lr: float,
    alpha: float,
    eps: float,
) -> tuple[np.ndarray, np.ndarray]:
    """optlib's RMSProp step, ``optimizers.rmsprop(lr, alpha, eps)``, in the exercise's
    signature: the new parameters and the new moving average of g²."""
    new_theta, state = rule_step(
        optimizers.rmsprop(lr=lr, alpha=alpha, eps=eps), theta, grad, v=v
    )
    return new_theta, state.v


@checker(
    formulas=(
        "sqrt(v)+eps",
        "g/(√v+ε)",
        "√v_t+ε",
        "g/(√G+ε)",
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

    def carry(
        args: tuple[Any, ...], outputs: Any, grad: np.ndarray
    ) -> tuple[Any, ...]:
        return (outputs[0], grad, outputs[1], *args[3:])

    first = (
        rng.normal(size=3),
        rng.normal(size=3),
        np.zeros(3),
        0.01,
        0.99,
        1e-8,
    )
    cases = [
        *steps_in_a_row(
            _rmsprop_step,
            carry,
            first,
            rng.normal(size=(3, 3)),
            "4 steps in a row",
        ),
        Case(
            (
                rng.normal(size=3),
                np.zeros(3),
                rng.uniform(0.1, 1, size=3),
                0.01,
                0.99,
                1e-8,
            ),
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


# --- Warming up from zero, derived --------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _warmup_steps(beta: float, p: float) -> int:
    """The first step t at which optlib's RMSProp (``alpha = beta``), fed g = 1 from G₀ = 0,
    has its moving average within the fraction p of g²: 1 − G_t ≤ p (cached: a check asks for
    the same runs many times)."""
    rule = optimizers.rmsprop(alpha=float(beta))
    theta = np.zeros(1)
    state = rule.init(theta)
    for t in range(
        1, 10**6 + 1
    ):  # ample: the cases need fewer than 10⁴ steps
        state = rule.step(theta, np.ones(1), state)[
            1
        ]  # G does not depend on θ
        if 1.0 - state.v[0] <= p:
            return t
    return -1  # not within 10⁶ steps: no case asks for so many


@checker(
    formulas=(
        "log(p)/log(beta)",
        "log(p)/log(alpha)",
        "ln p/ln β",
        "ln(p)/ln(β)",
        r"\ln p/\ln\beta",
    ),
    kind="derivation",
)
def check_rmsprop_warmup(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's number of steps RMSProp's moving average needs, from
    :math:`G_0 = 0` and a constant gradient :math:`g`, to come within the fraction :math:`p` of
    :math:`g^2`, derived by hand, against :func:`optlib.rmsprop` runs.

    With a constant gradient, :math:`G_t = (1 - \beta^t)\, g^2`, so
    :math:`g^2 - G_t = \beta^t g^2 \le p\, g^2` from

    .. math::
        t = \left\lceil \frac{\ln p}{\ln \beta} \right\rceil

    on (the answer does not depend on :math:`g`).

    Expected signature: ``fn(beta, p) -> steps``, a whole number. The cases are random
    settings (seeded, :math:`0.5 < \beta < 0.99`, :math:`10^{-3} < p < 0.3`; a run of at most a
    few thousand steps each) and the usual :math:`\beta = 0.9, 0.99` with :math:`p = 0.05` and
    :math:`0.999` with :math:`p = 0.5`.

    Examples
    --------
    >>> import numpy as np
    >>> def my_warmup_steps(beta, p):
    ...     return np.ceil(np.log(p) / np.log(beta))
    >>> check_rmsprop_warmup(my_warmup_steps).passed
    True
    """
    rng = np.random.default_rng(16)
    random_settings = [
        (
            1 - 10 ** rng.uniform(-2, np.log10(0.5)),
            10 ** rng.uniform(-3, np.log10(0.3)),
        )
        for _ in range(6)
    ]
    cases = [
        *(
            Case(
                (np.float64(beta), np.float64(p)),
                f"random setting, β = {beta:.4g}",
                "random",
            )
            for beta, p in random_settings
        ),
        *(
            Case(
                (np.float64(beta), np.float64(p)),
                f"β = {beta:g}, p = {p:g}",
                "the usual β",
            )
            for beta, p in ((0.9, 0.05), (0.99, 0.05), (0.999, 0.5))
        ),
        Case(
            (np.float64(0.5), np.float64(0.3)),
            "β = 0.5, p = 0.3: a short memory",
            "short",
        ),
    ]

    def reference(beta, p):
        return _warmup_steps(float(beta), float(p))

    # Wrong derivations that change the formula itself, written out.
    def not_whole(beta, p):
        return np.log(p) / np.log(beta)

    def log_approximated(beta, p):
        return np.ceil(np.log(p) / -(1 - beta))

    mistakes = [
        Mistake(
            "not_written",
            "Not yet: your function returns 0 — write the number of steps you derived.",
            lambda beta, p: 0,
            hint="start from the unrolled moving average with a constant gradient.",
        ),
        Mistake(
            "not_whole",
            "Your count is not a whole number of steps: the exercise asks for the first step "
            "at which G is close enough.",
            not_whole,
            hint="round your result to the step at which the condition first holds.",
        ),
        Mistake(
            "one_short",
            "You are one step short: after that many steps G is not yet close enough.",
            lambda beta, p: reference(beta, p) - 1,
            hint="the condition must hold at the step you name, so round up, not down.",
        ),
        Mistake(
            "one_too_many",
            "You count one step too many: G is already close enough a step earlier.",
            lambda beta, p: reference(beta, p) + 1,
            hint="G₀ is the start, not a step: the first step makes G₁.",
        ),
        Mistake(
            "fraction_swapped",
            "Your count is for G to reach the fraction p of g², not to come within p of it.",
            with_arg(reference, 1, lambda p: 1 - p),
            hint="what must be small is the gap between G and g², the weight still on G₀ = 0.",
        ),
        Mistake(
            "beta_swapped",
            "Your average forgets too fast: the weights of old and new are swapped.",
            with_arg(reference, 0, lambda beta: 1 - beta),
            hint="β is close to 1 and belongs to the old average; the gap to g² shrinks by the "
            "factor β at every step.",
        ),
        Mistake(
            "log_approximated",
            "Your count uses an approximation: close for β near 1, but not the exact count.",
            log_approximated,
            hint="keep the logarithm of β as it is; the rule of thumb of the effective window is "
            "for estimates.",
        ),
    ]
    return check_against(
        fn,
        reference,
        cases,
        mistakes,
        arg_names=("beta", "p"),
        output_names=("steps",),
        reference_name="optlib.rmsprop runs",
        advice="write G after t equal gradients from G₀ = 0 (the chapter's unrolled form), "
        "then find the first t at which its gap to g² is at most p·g².",
    )


# --- Centered RMSProp on a constant gradient, predicted -----------------------------------------

#: The prediction's setting: β, ε, the constant gradient g and the learning rate η.
CENTERED_BETA, CENTERED_EPS, CENTERED_G, CENTERED_LR = 0.9, 1e-8, 1.0, 0.01


def _first_long_step() -> int:
    """The first step t at which centered RMSProp (optlib, the setting above), fed the constant
    gradient g, moves θ by more than 100 η."""
    steps = 500
    rule = optimizers.rmsprop(
        lr=CENTERED_LR, alpha=CENTERED_BETA, eps=CENTERED_EPS, centered=True
    )
    path = optlib.follow(rule, np.zeros(1), np.full((steps, 1), CENTERED_G))
    lengths = np.abs(np.diff(path[:, 0]))
    return int(np.argmax(lengths > 100 * CENTERED_LR)) + 1


@checker(
    formulas=(
        "beta**t*(1-beta**t)",
        "β^t(1−β^t)",
        "βᵗ(1−βᵗ)",
        r"\beta^t(1-\beta^t)",
        "log(1e-4)/log(0.9)",
        r"\ln 10^{-4}/\ln 0.9",
    ),
    kind="prediction",
)
def check_centered_rmsprop(prediction: Any) -> CheckResult:
    r"""Check a prediction: with ``centered=True``, :math:`\beta = 0.9`,
    :math:`\epsilon = 10^{-8}`, :math:`\eta = 0.01` and the constant gradient :math:`g = 1`,
    at which step does centered RMSProp's step first exceed :math:`100\,\eta`?

    The run with :func:`optlib.rmsprop` gives step 88: :math:`G_t - \bar g_t^2 =
    \beta^t(1 - \beta^t)` shrinks like :math:`\beta^t`, so the step grows like
    :math:`\beta^{-t/2}` and passes :math:`100\,\eta` near :math:`\ln 10^{-4}/\ln 0.9
    \approx 87.4`. A prediction within 10 % counts.

    Examples
    --------
    >>> check_centered_rmsprop(None).mistake
    'no_prediction'
    >>> check_centered_rmsprop(87.4).passed
    True
    """
    return judge_prediction(
        prediction,
        _first_long_step,
        asks="the number of the first step longer than 100 η",
        rtol=0.1,
        show_outcome=lambda step: f"step {step}",
        explanation="A gradient that never changes has no variance: the centered denominator "
        "shrinks geometrically, and the step grows until ε stops it.",
        hint="the centered denominator is the root of a variance estimate; what is the "
        "variance of a gradient that never changes, and how fast does the estimate get there?",
    )
