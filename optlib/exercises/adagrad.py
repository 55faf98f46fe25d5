r"""Exercises of the chapter on AdaGrad: its step, checked against
:class:`optlib.optimizers.Adagrad`; the length of its step on a constant gradient, derived by
hand and checked against optlib's runs; and a prediction of how long it takes to travel a given
distance."""

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
    "check_adagrad_arrival",
    "check_adagrad_step",
    "check_adagrad_step_length",
]


def _adagrad_step(
    theta: np.ndarray, grad: np.ndarray, G: np.ndarray, lr: float, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """optlib's AdaGrad step, ``optimizers.adagrad(lr, eps=eps)``, in the exercise's signature:
    the new parameters and the new sum of squared gradients."""
    new_theta, state = rule_step(
        optimizers.adagrad(lr=lr, eps=eps), theta, grad, G=G
    )
    return new_theta, state.G


@checker(
    formulas=(
        "sqrt(G)+eps",
        "g/(√G+ε)",
        "√G_t+ε",
        r"\sqrt{G_t}+\epsilon",
        "G+grad**2",
        "G←G+g²",
        "G_{t-1}+g_t",
    )
)
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

    def carry(
        args: tuple[Any, ...], outputs: Any, grad: np.ndarray
    ) -> tuple[Any, ...]:
        return (outputs[0], grad, outputs[1], *args[3:])

    first = (rng.normal(size=3), rng.normal(size=3), np.zeros(3), 0.1, 1e-10)
    cases = [
        *steps_in_a_row(
            _adagrad_step,
            carry,
            first,
            rng.normal(size=(3, 3)),
            "4 steps in a row",
        ),
        Case(
            (
                rng.normal(size=3),
                np.zeros(3),
                rng.uniform(0.5, 2, size=3),
                0.1,
                1e-10,
            ),
            "zero gradient",
        ),
        Case(
            (
                rng.normal(size=3),
                rng.normal(size=3),
                rng.uniform(50, 100, size=3),
                0.1,
                1e-10,
            ),
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
            (
                rng.normal(size=(4, 3)),
                rng.normal(size=(4, 3)),
                rng.uniform(size=(4, 3)),
                0.5,
                1e-6,
            ),
            "a batch, shape (4, 3), ε = 1e-6",
        ),
    ]
    reference = _adagrad_step

    def not_accumulated(theta, grad, G, lr, eps):
        """optlib's AdaGrad fed G = 0: only this step's g² is kept."""
        return reference(theta, grad, np.zeros_like(G), lr, eps)

    # Changes of the formula itself, written out with optlib's (right) new G.
    def old_sum(theta, grad, G, lr, eps):
        return theta - lr * grad / (np.sqrt(G) + eps), reference(
            theta, grad, G, lr, eps
        )[1]

    def eps_inside_root(theta, grad, G, lr, eps):
        _, G = reference(theta, grad, G, lr, eps)
        return theta - lr * grad / np.sqrt(G + eps), G

    def no_square_root(theta, grad, G, lr, eps):
        _, G = reference(theta, grad, G, lr, eps)
        return theta - lr * grad / (G + eps), G

    mistakes = [
        Mistake(
            "no_step",
            "Not yet: θ does not move — your function returns the parameters it was given.",
            stands_still(reference),
            hint="write the step of the chapter's update rule, dividing by the sum of squares "
            "you have just computed.",
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
            hint="with η = 0.1 your step is ten times too long.",
        ),
        Mistake(
            "eps_inside_root",
            "You put ε in the wrong place: your step differs only where G is tiny. That is "
            "the lecture's form; the exercise asks for PyTorch's.",
            eps_inside_root,
            hint="PyTorch (and the book) add ε after taking the square root, not before: "
            "compare the chapter's two forms of the step.",
        ),
        Mistake(
            "not_accumulated",
            "Your G forgets: it holds only this step's squared gradient, not all of them so far.",
            not_accumulated,
            hint="AdaGrad adds every squared gradient to G and never takes any away. (Keeping "
            "only the latest is RMSProp without memory: every step then has length about η.)",
        ),
        Mistake(
            "no_square_root",
            "Your step divides by the sum of squares itself, not by its square root.",
            no_square_root,
            hint="the step should not change if every gradient is scaled by 10.",
        ),
        Mistake(
            "old_G",
            "Your step divides by G as it was before this step.",
            old_sum,
            hint="add this step's squared gradient first, then use the new G in the step.",
        ),
        Mistake(
            "swapped_outputs",
            "Your outputs are in the wrong order.",
            reordered(reference, (1, 0)),
            hint="return the new parameters first, then the new G: (theta, G).",
        ),
        Mistake(
            "returns_update",
            "Your first output is the change of θ, not the new θ.",
            returns_update(reference),
            hint="add the update to the parameters you were given, and return the new parameters.",
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
        advice="compare your function with the chapter's two equations, one line at a time: "
        "first the sum of squares, then the step that divides by its root.",
    )


# --- The step on a constant gradient, derived ---------------------------------------------------


@functools.lru_cache(maxsize=256)
def _constant_gradient_path(
    t: int, g: float, lr: float, eps: float
) -> tuple[float, ...]:
    """θ₀ = 0, θ₁, …, θ_t of optlib's AdaGrad fed the same gradient g at every step (cached:
    a check asks for the same runs many times)."""
    path = optlib.follow(
        optimizers.adagrad(lr=lr, eps=eps), np.zeros(1), np.full((t, 1), g)
    )
    return tuple(path[:, 0])


def _step_length(t: int, g: float, lr: float, eps: float) -> float:
    """|θ_t − θ_{t−1}| of optlib's AdaGrad after t steps of the constant gradient g."""
    path = _constant_gradient_path(int(t), float(g), float(lr), float(eps))
    return abs(path[-1] - path[-2])


def _distance(t: int, g: float, lr: float, eps: float) -> float:
    """|θ_t − θ₀|, the distance optlib's AdaGrad travels in t steps of the constant gradient g."""
    path = _constant_gradient_path(int(t), float(g), float(lr), float(eps))
    return abs(path[-1] - path[0])


@checker(
    formulas=(
        "sqrt(t)*abs(g)+eps",
        "√t|g|+ε",
        "√t·|g|+ε",
        r"\sqrt{t}\,|g|+\epsilon",
        r"\sqrt t\,|g|+\epsilon",
        "lr/sqrt(t)",
        "η|g|/(√t",
        r"\eta/\sqrt{t}",
    ),
    kind="derivation",
)
def check_adagrad_step_length(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's length of AdaGrad's step :math:`t` on a constant gradient :math:`g`,
    derived by hand, against the steps of :func:`optlib.adagrad` runs.

    From :math:`G_0 = 0`, :math:`t` equal gradients give :math:`G_t = t g^2`, so

    .. math::
        |\theta_t - \theta_{t-1}| = \frac{\eta\,|g|}{\sqrt{t}\,|g| + \epsilon}
        \;\longrightarrow\; \frac{\eta}{\sqrt t} \quad (\epsilon \to 0).

    Expected signature: ``fn(t, g, lr, eps) -> length``, a positive number; ``t = 1, 2, …`` is
    an integer, ``g`` may be negative. The cases are random settings (seeded) and edge values:
    the first step, :math:`\epsilon = 0`, and :math:`\epsilon` as large as
    :math:`\sqrt t\,|g|`, where only the exact answer passes.

    Examples
    --------
    >>> import numpy as np
    >>> def my_step_length(t, g, lr, eps):
    ...     return lr * abs(g) / (np.sqrt(t) * abs(g) + eps)
    >>> check_adagrad_step_length(my_step_length).passed
    True
    """
    rng = np.random.default_rng(15)
    settings = [
        (
            int(rng.integers(2, 3000)),
            float(rng.choice([-1.0, 1.0]) * 10 ** rng.uniform(-2, 2)),
            float(10 ** rng.uniform(-3, 0)),
            1e-10,
        )
        for _ in range(6)
    ]
    # As NumPy floats, so that a wrong t (t − 1 = 0) divides to inf, as array code does.
    cases = [
        *(
            Case(tuple(map(_as_number, s)), "random setting, ε = 1e-10")
            for s in settings
        ),
        Case(
            (1, np.float64(-2.5), np.float64(0.3), np.float64(1e-10)),
            "the first step",
        ),
        Case(
            (400, np.float64(0.8), np.float64(0.05), np.float64(0.0)),
            "ε = 0",
        ),
        Case(
            (4, np.float64(0.01), np.float64(0.1), np.float64(0.02)),
            "a small gradient, ε = 0.02",
        ),
        Case(
            (100, np.float64(-0.003), np.float64(0.5), np.float64(0.01)),
            "a tiny gradient, ε = 0.01",
        ),
    ]
    reference = _step_length

    def signed(t, g, lr, eps):
        """θ_t − θ_{t−1} of optlib's run, with its sign."""
        path = _constant_gradient_path(
            int(t), float(g), float(lr), float(eps)
        )
        return path[-1] - path[-2]

    # Wrong derivations that change the formula itself, written out.
    def eps_inside_root(t, g, lr, eps):
        return lr * abs(g) / np.sqrt(t * g**2 + eps)

    def no_square_root(t, g, lr, eps):
        return lr * abs(g) / (t * g**2 + eps)

    def t_minus_one(t, g, lr, eps):
        return lr * abs(g) / (np.sqrt(t - 1) * abs(g) + eps)

    def gradient_descent(t, g, lr, eps):
        return lr * abs(g)

    mistakes = [
        Mistake(
            "not_written",
            "Not yet: your function returns 0 — write the length you derived.",
            lambda t, g, lr, eps: 0.0,
            hint="start from the sum of squares after t equal gradients.",
        ),
        Mistake(
            "eps_ignored",
            "Right where ε is negligible, but your length leaves ε out: some cases have a large ε.",
            with_arg(reference, 3, lambda eps: 0.0),
            hint="keep ε where the update rule puts it: the exercise asks for the exact length.",
        ),
        Mistake(
            "eps_inside_root",
            "You put ε in the wrong place: your length differs where ε is not negligible.",
            eps_inside_root,
            hint="the book's update rule (PyTorch's) adds ε after the square root.",
        ),
        Mistake(
            "constant_step",
            "Your step does not shrink: every step has the length of the first.",
            with_arg(reference, 0, lambda t: 1),
            hint="G grows at every step, even when the gradient stays the same.",
        ),
        Mistake(
            "t_off_by_one",
            "Your t is off by one: your length is that of the next step.",
            with_arg(reference, 0, lambda t: t + 1),
            hint="step t divides by the sum of t squared gradients, this step's included.",
        ),
        Mistake(
            "t_off_by_one",
            "Your t is off by one: your length is that of the previous step.",
            t_minus_one,
            hint="step t divides by the sum of t squared gradients, this step's included: the "
            "sum is updated before the step is taken.",
        ),
        Mistake(
            "no_square_root",
            "Your step shrinks too fast: it divides by the sum of squares, not by its root.",
            no_square_root,
            hint="the length should not change if g is scaled by 10.",
        ),
        Mistake(
            "gradient_descent",
            "Your length is gradient descent's: it does not divide by anything AdaGrad has "
            "accumulated.",
            gradient_descent,
            hint="AdaGrad divides the gradient by the root of its sum of squares.",
        ),
        Mistake(
            "signed",
            "Your answer has a sign: the exercise asks for the length of the step, a positive "
            "number.",
            signed,
            hint="return the absolute value of the change of θ.",
        ),
        Mistake(
            "signed",
            "Your answer has a sign: the exercise asks for the length of the step, a positive "
            "number.",
            lambda t, g, lr, eps: -signed(t, g, lr, eps),
            hint="return the absolute value of the change of θ.",
        ),
        Mistake(
            "distance_not_step",
            "Your answer is the distance travelled in all t steps, not the length of step t.",
            _distance,
            hint="the exercise asks for one step, the t-th.",
        ),
    ]
    return check_against(
        fn,
        reference,
        cases,
        mistakes,
        arg_names=("t", "g", "lr", "eps"),
        output_names=("length",),
        reference_name="the steps of optlib.adagrad runs",
        advice="start from G after t equal gradients (the sum of squares from zero), then put "
        "it into the update rule as PyTorch writes it, ε included.",
    )


def _as_number(value: Any) -> Any:
    """An int as it is, a float as a NumPy float."""
    return value if isinstance(value, int) else np.float64(value)


# --- How far AdaGrad gets, predicted ------------------------------------------------------------

#: The prediction's setting: a constant gradient g, the learning rate η, the distance to travel.
ARRIVAL_G, ARRIVAL_LR, ARRIVAL_DISTANCE = 1.0, 0.1, 10.0


def _arrival_steps() -> int:
    """The first step t at which optlib's AdaGrad, fed the constant gradient ARRIVAL_G, has
    travelled ARRIVAL_DISTANCE."""
    steps = 10_000
    path = optlib.follow(
        optimizers.adagrad(lr=ARRIVAL_LR),
        np.zeros(1),
        np.full((steps, 1), ARRIVAL_G),
    )
    return int(np.argmax(np.abs(path[:, 0]) >= ARRIVAL_DISTANCE))


@checker(
    formulas=(
        "(distance/(2*eta))**2",
        "(D/(2η))²",
        "(D/2η)²",
        r"2\eta\sqrt T",
        "2*eta*sqrt(T)",
        r"2\eta\sqrt{T}",
    ),
    kind="prediction",
)
def check_adagrad_arrival(prediction: Any) -> CheckResult:
    r"""Check a prediction: in how many steps does AdaGrad (:math:`\eta = 0.1`, PyTorch's
    :math:`\epsilon`), fed the constant gradient :math:`g = 1`, travel a distance of 10?
    (Gradient descent at the same :math:`\eta` takes 100 steps.)

    The run with :func:`optlib.adagrad` gives 2574: the steps shrink like
    :math:`\eta/\sqrt t`, so the distance grows like :math:`2\eta\sqrt T`, and
    :math:`(10/0.2)^2 = 2500` is within 3 %. A prediction within 10 % counts.

    Examples
    --------
    >>> check_adagrad_arrival(None).mistake
    'no_prediction'
    >>> check_adagrad_arrival(100).mistake
    'wrong_prediction'
    >>> check_adagrad_arrival(2500).passed
    True
    """
    return judge_prediction(
        prediction,
        _arrival_steps,
        asks="the number of steps AdaGrad needs to travel a distance of 10",
        rtol=0.1,
        show_outcome=lambda steps: f"{steps:,} steps",
        explanation="Every step is shorter than the one before, so the distance grows only like "
        "the square root of the number of steps: ten times further takes a hundred times "
        "longer.",
        hint="the first step has length η, as gradient descent's, but the steps shrink: add "
        "them up, using the chapter's result for a constant gradient.",
    )
