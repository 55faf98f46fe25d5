r"""Exercises of the introduction: the gradient of the mean squared error of a line, derived by
hand and checked against :class:`optlib.models.LinearRegression`, and two predictions run with
optlib — the polynomial degree with the lowest training loss, and what one gradient-descent step
on Rosenbrock's valley does. (The introduction's first exercise, one step of gradient descent,
is :func:`optlib.exercises.gradient_descent.check_gd_step`.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from optlib import models, optimizers
from optlib.exercises.engine import (
    Case,
    CheckResult,
    Mistake,
    check_against,
    checker,
    judge_prediction,
)
from optlib.exercises.variants import reordered
from optlib.functions import rosenbrock

__all__ = ["check_degree", "check_line_gradient", "check_signpost"]


# --- The gradient of the line's MSE ------------------------------------------------------------


def _line_gradient(
    theta: np.ndarray, x: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """optlib's gradient of the mean squared error of the line θ₁x + b with respect to
    (θ₁, b): :class:`optlib.models.LinearRegression` on the single feature x."""
    return models.LinearRegression(
        np.asarray(x, dtype=float)[:, None], y
    ).grad(theta)


def _one_array(candidate: Callable[..., Any]) -> Callable[..., Any]:
    """The learner's function, with a tuple of the two partial derivatives read as an array:
    ``(dL_dslope, dL_db)`` is as good an answer as ``np.array([dL_dslope, dL_db])``."""

    def answer(*args: Any) -> Any:
        value = candidate(*args)
        return (
            list(value)
            if isinstance(value, tuple) and len(value) == 2
            else value
        )

    try:  # the learner's name, for the messages; a hostile object may refuse to give it
        name = candidate.__name__
    except Exception:
        name = ""
    answer.__name__ = (
        name if isinstance(name, str) and name.isidentifier() else "f"
    )
    return answer


@checker(
    formulas=(
        "2*mean(miss*x)",
        "mean(2*miss*x)",
        "2*mean((theta[0]*x+theta[1]-y)*x)",
        "2/n*sum((theta[0]*x+theta[1]-y)*x)",
        "(2/n)Σ(θ₁x_i+b−y_i)x_i",
        "(2/n)Σx_i(θ₁x_i+b−y_i)",
    ),
    kind="derivation",
)
def check_line_gradient(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's gradient of the mean squared error of a line, derived by hand.

    For :math:`f_\theta(x) = \theta_1 x + b` and
    :math:`L(\theta) = \frac1n \sum_i (f_\theta(x_i) - y_i)^2` (PyTorch's MSE, no
    :math:`\tfrac12`),

    .. math::
        \frac{\partial L}{\partial \theta_1} = \frac2n \sum_i (\theta_1 x_i + b - y_i)\, x_i,
        \qquad
        \frac{\partial L}{\partial b} = \frac2n \sum_i (\theta_1 x_i + b - y_i).

    The reference is optlib's model, :class:`optlib.models.LinearRegression` with the single
    feature :math:`x`, on random lines and data sets and a few edge cases.

    Expected signature: ``fn(theta, x, y) -> gradient``, ``theta = (θ₁, b)``; the gradient as
    an array ``[∂L/∂θ₁, ∂L/∂b]`` (or a tuple of the two).

    Examples
    --------
    >>> import numpy as np
    >>> def my_line_gradient(theta, x, y):
    ...     miss = theta[0] * x + theta[1] - y
    ...     return np.array([2 * np.mean(miss * x), 2 * np.mean(miss)])
    >>> check_line_gradient(my_line_gradient).passed
    True
    """
    rng = np.random.default_rng(1)

    def random_setting(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (
            rng.normal(size=2),
            rng.uniform(-2, 2, size=n),
            rng.normal(size=n),
        )

    cases = [
        Case(
            (
                np.array([1.0, 0.0]),
                np.array([1.0, 2.0, 3.0]),
                np.array([2.0, 3.0, 7.0]),
            ),
            "the exercise's three points, θ = (1, 0)",
            "the exercise's points",
        ),
        *(
            Case(
                random_setting(n), f"a random line and {n} points", "random"
            )
            for n in (2, 5, 8)
        ),
        *(
            Case(
                random_setting(n), f"a random line and {n} points", "random"
            )
            for n in (20, 50)
        ),
        Case(
            random_setting(1),
            "a random line and a single point",
            "edge values",
        ),
        Case(
            (
                np.array([2.0, 1.0]),
                np.array([0.0, 1.0, 2.0]),
                np.array([1.0, 3.0, 5.0]),
            ),
            "a line through every point: zero gradient",
            "edge values",
        ),
        Case(
            (
                1e3 * rng.normal(size=2),
                1e2 * rng.normal(size=4),
                1e4 * rng.normal(size=4),
            ),
            "large values",
            "edge values",
        ),
    ]
    reference = _line_gradient

    def not_started(
        theta: np.ndarray, x: np.ndarray, y: np.ndarray
    ) -> np.ndarray:
        return np.zeros(2)

    def slope_without_x(
        theta: np.ndarray, x: np.ndarray, y: np.ndarray
    ) -> np.ndarray:
        """Both entries the intercept's: the x of the chain rule left out."""
        return np.full(2, reference(theta, x, y)[1])

    def intercept_times_x(
        theta: np.ndarray, x: np.ndarray, y: np.ndarray
    ) -> np.ndarray:
        """Both entries the slope's: an x where the intercept's derivative has none."""
        return np.full(2, reference(theta, x, y)[0])

    mistakes = [
        Mistake(
            "not_started",
            "Not yet: your gradient is zero for every line — only a line through every point "
            "has that.",
            not_started,
            hint="differentiate the loss (intro-mse) with respect to θ₁, then with respect to "
            "b: the chain rule, one square at a time.",
        ),
        Mistake(
            "half",
            "Your gradient is half the right one: it is the gradient of half the loss.",
            lambda theta, x, y: reference(theta, x, y) / 2,
            hint="the book's MSE, like PyTorch's, has no ½ in front: the 2 that comes down from "
            "the square stays.",
        ),
        Mistake(
            "sum_not_mean",
            "Your gradient adds the examples up instead of averaging them.",
            lambda theta, x, y: len(x) * reference(theta, x, y),
            hint="the loss is a mean over the n examples, and so is its gradient: compare n = 1 "
            "with n = 2.",
        ),
        Mistake(
            "sign",
            "Your gradient has the wrong sign: it points downhill.",
            lambda theta, x, y: -reference(theta, x, y),
            hint="raise θ₁ a little where the line is too steep already: the loss must rise, "
            "so the derivative there must be positive.",
        ),
        Mistake(
            "slope_without_x",
            "Your derivative with respect to the slope left out the chain rule: it treats θ₁ "
            "like the intercept.",
            slope_without_x,
            hint="θ₁ multiplies x in the prediction, so changing it moves each prediction in "
            "proportion to its x.",
        ),
        Mistake(
            "intercept_times_x",
            "Your derivative with respect to the intercept has an x in it.",
            intercept_times_x,
            hint="b is added to every prediction as it is: changing it moves each prediction by "
            "the same amount.",
        ),
        Mistake(
            "swapped",
            "Your two partial derivatives are in the wrong order.",
            reordered(reference, (1, 0)),
            hint="optlib orders the parameters as (θ₁, b): the slope first, the intercept last.",
        ),
    ]
    return check_against(
        _one_array(fn) if callable(fn) else fn,
        reference,
        cases,
        mistakes,
        arg_names=("theta", "x", "y"),
        output_names=("gradient",),
        reference_name="optlib.models.LinearRegression.grad",
        advice="check each partial derivative with a finite difference: move one parameter by "
        "1e-6 and watch the loss.",
    )


# --- Predict, then run: capacity and the training loss ----------------------------------------

#: The degrees of the polynomials compared.
DEGREES = ("1", "2", "3", "4", "5", "6")


def _chapter_training_points() -> tuple[np.ndarray, np.ndarray]:
    """The chapter's 8 training points: x uniform on [−1.5, 1.5], y = sin(2x + 0.8) plus
    Gaussian noise of standard deviation 0.3, drawn with seed 0 (the first 8 of its pool)."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.5, 1.5, 64)
    y = np.sin(2 * x + 0.8) + 0.3 * rng.standard_normal(64)
    return x[:8], y[:8]


def _lowest_training_degree() -> str:
    """The degree whose least-squares polynomial has the lowest training loss on the chapter's
    points, the loss from :class:`optlib.models.LinearRegression` on the features x, …, x^k."""
    x, y = _chapter_training_points()
    losses = {}
    for degree in map(int, DEGREES):
        features = x[:, None] ** np.arange(1, degree + 1)
        design = np.column_stack(
            [features, np.ones(len(x))]
        )  # optlib's order: (θ₁, …, θ_k, b)
        fit = np.linalg.lstsq(design, y, rcond=None)[0]
        losses[str(degree)] = float(
            models.LinearRegression(features, y).value(fit)
        )
    return min(losses, key=losses.__getitem__)


@checker(
    formulas=("θ_{k+1}=0", "\\theta_{k+1}=0", "theta[k]=0", "theta_top=0"),
    kind="prediction",
)
def check_degree(prediction: Any) -> CheckResult:
    r"""Check a prediction of which degree, 1 to 6, of the polynomial (intro-poly) fitted by
    least squares to the chapter's 8 training points has the lowest *training* loss: one of
    :data:`DEGREES` (a whole number is read as its string).

    Examples
    --------
    >>> check_degree("6").passed
    True
    >>> check_degree(None).mistake
    'no_prediction'
    """
    if isinstance(prediction, (int, np.integer)) and not isinstance(
        prediction, (bool, np.bool_)
    ):
        prediction = str(int(prediction))
    return judge_prediction(
        prediction,
        _lowest_training_degree,
        asks="the degree with the lowest training loss: one of "
        + ", ".join(f"'{degree}'" for degree in DEGREES),
        choices=DEGREES,
        show_outcome=lambda degree: f"degree {degree} lowest",
        explanation="The models are nested: each degree can do whatever the ones below it do, "
        "so the best fit of a higher degree is at least as good on the points it is fitted to.",
        hint="can a polynomial of a higher degree always do at least as well on the points it "
        "is fitted to? Read the section on capacity again.",
    )


# --- Predict, then run: the signpost -----------------------------------------------------------

#: What one small step can do to the loss and to the distance to the minimum.
SIGNPOST_OUTCOMES = (
    "both fall",
    "only the loss falls",
    "only the distance falls",
    "both rise",
)


def _signpost_outcome() -> str:
    """One step of optlib's gradient descent (η = 10⁻³) from (0, 0.5) on Rosenbrock's valley:
    which of the loss and the distance to the minimum (1, 1) fall."""
    theta = np.array([0.0, 0.5])
    new_theta, _ = optimizers.sgd(lr=1e-3).step(
        theta, rosenbrock.grad(theta), optimizers.sgd(lr=1e-3).init(theta)
    )
    loss_falls = rosenbrock.value(new_theta) < rosenbrock.value(theta)
    minimum = rosenbrock.global_minimum
    closer = np.linalg.norm(new_theta - minimum) < np.linalg.norm(
        theta - minimum
    )
    return {
        (True, True): "both fall",
        (True, False): "only the loss falls",
        (False, True): "only the distance falls",
        (False, False): "both rise",
    }[bool(loss_falls), bool(closer)]


@checker(
    formulas=(
        "-grad@(minimum-theta)",
        "−∇L(θ)·(θ*−θ)",
        "−g·(θ*−θ)",
        "(θ*−θ)·∇L(θ)",
        "(minimum-theta)@grad",
    ),
    kind="prediction",
)
def check_signpost(prediction: Any) -> CheckResult:
    r"""Check a prediction of what one gradient-descent step (:math:`\eta = 10^{-3}`) from
    :math:`\theta = (0, 0.5)` on Rosenbrock's valley does to the loss and to the distance to the
    minimum :math:`(1, 1)`: one of :data:`SIGNPOST_OUTCOMES`.

    The run: one step of ``optlib.sgd(lr=1e-3)`` on :data:`optlib.functions.rosenbrock`.

    Examples
    --------
    >>> check_signpost("only the loss falls").passed
    True
    >>> check_signpost(None).mistake
    'no_prediction'
    """
    return judge_prediction(
        prediction,
        _signpost_outcome,
        asks="what one small gradient-descent step from (0, 0.5) does to the loss and to the "
        "distance to the minimum: one of "
        + ", ".join(f"'{outcome}'" for outcome in SIGNPOST_OUTCOMES),
        choices=SIGNPOST_OUTCOMES,
        show_outcome=lambda outcome: f"'{outcome}'",
        explanation="A small enough step against the gradient always lowers the loss; whether "
        "it also brings θ closer depends on the angle between downhill and the way to the "
        "minimum, here more than a right angle.",
        hint="a small step against the gradient: what does it do to the loss? Then look at the "
        "signpost figure: where does the arrow point, compared with the way to the minimum?",
    )
