r"""Exercises of the chapter on AdaDelta: one step of Zeiler's rule, its first step derived by
hand, and a prediction of how fast its steps grow — each checked against
:class:`optlib.optimizers.Adadelta`."""

from __future__ import annotations

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
    negative,
    reordered,
    returns_update,
    rule_step,
    steps_in_a_row,
    uphill,
    with_arg,
)
from optlib.run import follow

__all__ = [
    "check_adadelta_first_step",
    "check_adadelta_slow_start",
    "check_adadelta_step",
]


def _adadelta_step(
    theta: np.ndarray,
    grad: np.ndarray,
    v: np.ndarray,
    u: np.ndarray,
    rho: float,
    eps: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """optlib's AdaDelta step, ``optimizers.adadelta(lr=1, rho, eps)`` (Zeiler's rule), in the
    exercise's signature: the new parameters and the new averages of g² and Δ²."""
    rule = optimizers.adadelta(lr=1.0, rho=rho, eps=eps)
    new_theta, state = rule_step(rule, theta, grad, v=v, u=u)
    return new_theta, state.v, state.u


@checker(
    formulas=(
        "sqrt(u+eps)/sqrt(v+eps)",
        "√(u+ε)/√(v+ε)",
        "√(H+ε)/√(v+ε)",
        "√(H_{t-1}+ε)/√(v_t+ε)",
        "rho*u+(1-rho)*delta**2",
        "ρu+(1−ρ)Δ²",
    )
)
def check_adadelta_step(step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's AdaDelta step against :class:`optlib.optimizers.Adadelta` (PyTorch's,
    with its default ``lr = 1``, which is Zeiler's rule).

    Zeiler (2012), Algorithm 1, with :math:`v` the moving average of :math:`g^2` and :math:`u`
    that of the squared updates :math:`\Delta^2`:

    .. math::
        v_t &= \rho v_{t-1} + (1 - \rho)\, g_t^2, \qquad
        \Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t, \\
        u_t &= \rho u_{t-1} + (1 - \rho)\, \Delta_t^2, \qquad
        \theta_t = \theta_{t-1} - \Delta_t.

    The numerator uses :math:`u` from the *previous* step; :math:`\epsilon` is inside both roots.

    Expected signature: ``step(theta, grad, v, u, rho, eps) -> (theta, v, u)``.

    Examples
    --------
    >>> import numpy as np
    >>> def my_adadelta_step(theta, grad, v, u, rho, eps):
    ...     v = rho * v + (1 - rho) * grad**2
    ...     delta = np.sqrt(u + eps) / np.sqrt(v + eps) * grad
    ...     u = rho * u + (1 - rho) * delta**2
    ...     return theta - delta, v, u
    >>> check_adadelta_step(my_adadelta_step).passed
    True
    """
    rng = np.random.default_rng(11)

    def carry(
        args: tuple[Any, ...], outputs: Any, grad: np.ndarray
    ) -> tuple[Any, ...]:
        return (outputs[0], grad, outputs[1], outputs[2], *args[4:])

    def averages(
        scale: float, shape: tuple[int, ...]
    ) -> tuple[np.ndarray, np.ndarray]:
        """v (of g², about scale²) and u (of Δ², small: the steps taken so far)."""
        return scale**2 * rng.uniform(
            0.5, 2, size=shape
        ), 1e-4 * rng.uniform(0.5, 2, size=shape)

    first = (
        rng.normal(size=3),
        rng.normal(size=3),
        np.zeros(3),
        np.zeros(3),
        0.9,
        1e-6,
    )
    cases = [
        *steps_in_a_row(
            _adadelta_step,
            carry,
            first,
            rng.normal(size=(4, 3)),
            "5 steps in a row",
        ),
        Case(
            (
                rng.normal(size=3),
                np.zeros(3),
                *averages(1.0, (3,)),
                0.9,
                1e-6,
            ),
            "zero gradient",
        ),
        Case(
            (
                rng.normal(size=3),
                rng.normal(size=3),
                *averages(1.0, (3,)),
                0.9,
                1e-6,
            ),
            "later in training",
        ),
        Case(
            (
                1e3 * rng.normal(size=3),
                1e4 * rng.normal(size=3),
                *averages(1e4, (3,)),
                0.9,
                1e-6,
            ),
            "large gradients",
        ),
        Case(
            (
                rng.normal(size=(2, 3)),
                rng.normal(size=(2, 3)),
                *averages(1.0, (2, 3)),
                0.95,
                1e-4,
            ),
            "a batch, shape (2, 3), ρ = 0.95, ε = 1e-4",
        ),
    ]
    reference = _adadelta_step

    def no_step(theta, grad, v, u, rho, eps):
        """The starter's answer: optlib's new v, with θ and u left as they were."""
        return theta, reference(theta, grad, v, u, rho, eps)[1], u

    def new_u_in_numerator(theta, grad, v, u, rho, eps):
        """θ from optlib's AdaDelta fed this step's new u as its u; the new v and u right."""
        _, new_v, new_u = reference(theta, grad, v, u, rho, eps)
        return reference(theta, grad, v, new_u, rho, eps)[0], new_v, new_u

    def g_in_u(theta, grad, v, u, rho, eps):
        """u updated as optlib's AdaDelta updates v (fed u as its v); θ and v right."""
        new_theta, new_v, _ = reference(theta, grad, v, u, rho, eps)
        return new_theta, new_v, reference(theta, grad, u, u, rho, eps)[1]

    # Changes of the formula itself, written out.
    def eps_outside_roots(theta, grad, v, u, rho, eps):
        v = rho * v + (1 - rho) * grad**2
        delta = (np.sqrt(u) + eps) / (np.sqrt(v) + eps) * grad
        return theta - delta, v, rho * u + (1 - rho) * delta**2

    def u_v_swapped(theta, grad, v, u, rho, eps):
        v = rho * v + (1 - rho) * grad**2
        delta = np.sqrt(v + eps) / np.sqrt(u + eps) * grad
        return theta - delta, v, rho * u + (1 - rho) * delta**2

    def no_one_minus_rho(theta, grad, v, u, rho, eps):
        v = rho * v + grad**2
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * grad
        return theta - delta, v, rho * u + delta**2

    mistakes = [
        Mistake(
            "no_step",
            "Not yet: θ does not move, and the average of the squared updates keeps its old "
            "value — your function hands both back unchanged.",
            no_step,
            hint="compute this step's update from the two averages, then the new average of its "
            "square, then move θ.",
        ),
        Mistake(
            "uphill",
            "Your step goes uphill: θ moves in the direction of the gradient.",
            uphill(reference),
            hint="the loss goes down when θ moves against the gradient: check the sign of the "
            "last line.",
        ),
        Mistake(
            "new_u_in_numerator",
            "Your step uses the average of squared updates after this step's update, not the "
            "one from the previous step.",
            new_u_in_numerator,
            hint="the new average is made from this step's update, so the update can only use "
            "the previous u (Zeiler's Algorithm 1, and PyTorch): compute the update once, keep "
            "it, and move θ by exactly that.",
        ),
        Mistake(
            "eps_outside_roots",
            "You put ε in the wrong place: your step differs where the averages are small, as at "
            "the first step.",
            eps_outside_roots,
            hint="in AdaDelta ε is inside both square roots; it is what makes the first step "
            "move at all, since u starts at 0.",
        ),
        Mistake(
            "u_v_swapped",
            "Your ratio is upside down: the two averages are in each other's place.",
            u_v_swapped,
            hint="the numerator is the root mean square of the past updates (a length), the "
            "denominator that of the gradients: the ratio must have the units of 1/f''.",
        ),
        Mistake(
            "no_one_minus_rho",
            "Your moving averages are not averages: their weights add up to more than one.",
            no_one_minus_rho,
            hint="in both averages the new square must carry the weight (1 − ρ) that the old "
            "average gives up.",
        ),
        Mistake(
            "g_in_u",
            "Your second average tracks the squared gradients, not the squared updates.",
            g_in_u,
            hint="u is the running mean of the squared *updates* Δ²: it gives the step its "
            "length, in the units of θ.",
        ),
        Mistake(
            "swapped_outputs",
            "Your outputs are in the wrong order.",
            reordered(reference, (0, 2, 1)),
            hint="return (theta, v, u): the new parameters, the average of g², the average of Δ².",
        ),
        Mistake(
            "returns_update",
            "Your first output is the change of θ, not the new θ.",
            returns_update(reference),
            hint="return the new parameters: the ones you were given, moved by the update.",
        ),
    ]
    return check_against(
        step,
        reference,
        cases,
        mistakes,
        arg_names=("theta", "grad", "v", "u", "rho", "eps"),
        output_names=("theta", "v", "u"),
        reference_name="optlib.optimizers.Adadelta",
        advice="compare your function with (ad-averages) and (ad-update), one line at a time: "
        "the average of g², the update with the previous u, the average of its square, the step.",
    )


def _first_update(g: np.ndarray, rho: float, eps: float) -> np.ndarray:
    """θ₁ − θ₀ of a run of optlib's AdaDelta (Zeiler's rule, ``lr = 1``) whose first gradient
    is ``g``, from its initial state (both averages zero)."""
    theta_0 = np.zeros_like(g, dtype=float)
    theta_1, _ = rule_step(
        optimizers.adadelta(lr=1.0, rho=rho, eps=eps), theta_0, g
    )
    return theta_1 - theta_0


@checker(
    formulas=(
        "sqrt(eps)*g/sqrt((1-rho)*g**2+eps)",
        "√ε·g/√((1−ρ)g²+ε)",
        "√ε g_1/√((1−ρ)g_1²+ε)",
        "(1-rho)*g**2+eps",
        "(1−ρ)g²+ε",
        "sqrt(eps/(1-rho))",
        "√(ε/(1−ρ))",
    ),
    kind="derivation",
)
def check_adadelta_first_step(first_step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's formula for AdaDelta's first update against optlib's first step.

    From :math:`u_0 = v_0 = 0`, Zeiler's rule gives :math:`v_1 = (1-\rho) g_1^2` and

    .. math::
        \theta_1 - \theta_0 = -\frac{\sqrt{\epsilon}\, g_1}{\sqrt{(1 - \rho)\, g_1^2 + \epsilon}},

    coordinate by coordinate. The reference is :class:`optlib.optimizers.Adadelta`'s first step,
    run on random settings of :math:`\rho`, :math:`\epsilon` and gradients from
    :math:`10^{-9}` to :math:`10^{6}`.

    Expected signature: ``first_step(g, rho, eps) -> theta_1 - theta_0``, for a gradient ``g``
    (a number or an array).

    Examples
    --------
    >>> import numpy as np
    >>> def my_first_step(g, rho, eps):
    ...     return -np.sqrt(eps) * g / np.sqrt((1 - rho) * g**2 + eps)
    >>> check_adadelta_first_step(my_first_step).passed
    True
    """
    rng = np.random.default_rng(12)

    def random_setting() -> tuple[np.ndarray, float, float]:
        signs = rng.choice([-1.0, 1.0], size=4)
        return (
            signs * 10 ** rng.uniform(-6, 3, size=4),
            rng.uniform(0.5, 0.999),
            10 ** rng.uniform(-10, -2),
        )

    cases = [
        Case(
            (np.array([1.0, -1000.0]), 0.9, 1e-6),
            "the defaults, g = 1 and −1000",
            "edge",
        ),
        *(
            Case(random_setting(), f"random setting {k}", "random settings")
            for k in range(1, 7)
        ),
        Case(
            (np.array([1e-9, -3e-8]), 0.9, 1e-6),
            "gradients far below √ε",
            "edge",
        ),
        Case((np.array([1e6, -2e5]), 0.95, 1e-8), "huge gradients", "edge"),
        Case(
            (np.array([0.5, -2.0, 0.0]), 0.0, 1e-4),
            "ρ = 0, and a zero gradient",
            "edge",
        ),
    ]
    reference = _first_update

    # Plausible wrong derivations, written out where they change the formula itself.
    def no_step(g, rho, eps):
        return np.zeros_like(np.asarray(g, dtype=float))

    def eps_dropped(g, rho, eps):
        return -np.sqrt(eps / (1 - rho)) * np.sign(g)

    def sqrt_eps_only(g, rho, eps):
        return -np.sqrt(eps) * np.sign(g)

    def eps_outside_roots(g, rho, eps):
        return -eps * g / (np.sqrt((1 - rho) * g**2) + eps)

    def length_not_update(g, rho, eps):
        return np.abs(reference(g, rho, eps))

    mistakes = [
        Mistake(
            "no_step",
            "Not yet: your first step does not move θ.",
            no_step,
            hint="both averages start at zero, and yet AdaDelta moves at its first step: find "
            "what keeps the numerator of (ad-update) away from zero.",
        ),
        Mistake(
            "uphill",
            "Your first step goes uphill: it has the sign of the gradient.",
            with_arg(reference, 0, negative),
            hint="θ₁ − θ₀ is the update itself, with its sign: AdaDelta moves against g.",
        ),
        Mistake(
            "v_not_weighted",
            "Your average of g² after one step is too large: it gives the first gradient its "
            "full weight.",
            with_arg(reference, 1, lambda rho: 0.0),
            hint="start (ad-averages) from v₀ = 0: after one step the average holds only the "
            "weight the new term gets.",
        ),
        Mistake(
            "rho_swapped",
            "Your average of g² after one step gives the new gradient the old average's weight.",
            with_arg(reference, 1, lambda rho: 1 - rho),
            hint="in (ad-averages) ρ multiplies the old average (here zero), not the new square.",
        ),
        Mistake(
            "eps_dropped",
            "Your formula is the approximation for ordinary gradients: it is wrong for gradients "
            "as small as √ε.",
            eps_dropped,
            hint="keep ε in the denominator: for a tiny gradient the first step is about the "
            "gradient itself, not a fixed length.",
        ),
        Mistake(
            "sqrt_eps_only",
            "Your first step has the right sign but the wrong length: about √ε is too short, "
            "and the same for every gradient.",
            sqrt_eps_only,
            hint="the denominator is the root of v₁ + ε, and v₁ is not g²: work out v₁ from "
            "(ad-averages).",
        ),
        Mistake(
            "eps_outside_roots",
            "You put ε outside the square roots: your first step is far too short.",
            eps_outside_roots,
            hint="in (ad-update) ε is added inside each root, to u₀ = 0 in the numerator.",
        ),
        Mistake(
            "length_not_update",
            "Your answer is the length of the first step, not the update θ₁ − θ₀ with its sign.",
            length_not_update,
            hint="for a positive gradient θ moves down: the answer is negative there.",
        ),
    ]
    return check_against(
        first_step,
        reference,
        cases,
        mistakes,
        arg_names=("g", "rho", "eps"),
        output_names=("theta_1 - theta_0",),
        reference_name="optlib's first AdaDelta step",
        advice="start from u₀ = v₀ = 0 and apply (ad-averages) and (ad-update) once, keeping ε "
        "where the chapter puts it.",
    )


def _step_growth(
    rho: float = 0.9, eps: float = 1e-6, steps: int = 1000
) -> float:
    """How many times longer the last of ``steps`` AdaDelta steps is than the first, on a
    constant gradient g = 1 (optlib's AdaDelta fed the gradients open loop)."""
    path = follow(
        optimizers.adadelta(rho=rho, eps=eps),
        np.zeros(1),
        np.ones((steps, 1)),
    )
    lengths = np.abs(np.diff(path[:, 0]))
    return float(lengths[-1] / lengths[0])


@checker(
    formulas=(
        "(1-rho)*sqrt(t)",
        "(1−ρ)√t",
        "0.1*sqrt(1000)",
        "0.1·√1000",
        "sqrt((1-rho)*eps*t)/sqrt(eps/(1-rho))",
    ),
    kind="prediction",
)
def check_adadelta_slow_start(prediction: Any) -> CheckResult:
    r"""Check a prediction: on a constant gradient :math:`g = 1`, with the defaults
    :math:`\rho = 0.9`, :math:`\epsilon = 10^{-6}`, how many times longer is AdaDelta's
    1,000th step than its first?

    The first step is :math:`\sqrt{\epsilon/(1-\rho)}` (ad-first-step), and later steps grow
    like :math:`\sqrt{(1-\rho)\epsilon t}` (ad-slow-start): their ratio is about
    :math:`(1 - \rho)\sqrt{t} \approx 3.2` at :math:`t = 1000`. The run, with
    :func:`optlib.follow`, gives 3.34; a prediction within 15 % counts.

    Expected answer: a number (``None`` until predicted).

    Examples
    --------
    >>> check_adadelta_slow_start(None).mistake
    'no_prediction'
    >>> check_adadelta_slow_start(3.2).passed
    True
    """
    return judge_prediction(
        prediction,
        _step_growth,
        asks="how many times longer the 1,000th step is than the first, a number",
        rtol=0.15,
        show_outcome=lambda ratio: (
            f"a 1,000th step {ratio:.2f} times as long as the first"
        ),
        explanation="The first step is set by ε alone, as (ad-first-step) says; after it the "
        "average of squared updates gains about (1 − ρ)ε per step, so the steps grow like the "
        "square root of t (ad-slow-start). Starting from the first step's length, that slow "
        "growth takes a thousand steps to triple it.",
        hint="you need two results of the chapter: the length of the first step, "
        "(ad-first-step), and the length of step t on a constant slope, (ad-slow-start). "
        "Divide one by the other.",
    )
