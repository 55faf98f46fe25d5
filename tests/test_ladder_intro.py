"""The introduction's ladder: one gradient-descent step (rule), the gradient of the line's MSE
(derivation), the degree with the lowest training loss and the signpost step (predictions).

The right answers and the mistakes are written here by hand, as a learner would write them; the
derivation's closed form is checked against finite differences, and the predictions' outcomes
are recomputed without the checkers' code.
"""

from __future__ import annotations

import numpy as np
import pytest
from ladder import assert_ladder, assert_named_without_the_formula, every_rung

from optlib.exercises import (
    check_degree,
    check_gd_step,
    check_line_gradient,
    check_signpost,
    engine,
)
from optlib.gradcheck import numerical_grad

LADDER = (check_gd_step, check_line_gradient, check_degree, check_signpost)


def test_the_ladder_kinds_and_formulas():
    assert_ladder(LADDER, ["rule", "derivation", "prediction", "prediction"])
    assert engine.CHECKERS["check_line_gradient"] is check_line_gradient


# --- One gradient-descent step (rule) ------------------------------------------------------------


def gd_step(theta, grad, lr):
    return theta - lr * grad


def test_gd_step_right_answers_pass():
    assert check_gd_step(gd_step)
    assert check_gd_step(lambda theta, grad, lr: theta + (-lr) * grad)  # another order
    assert check_gd_step(lambda theta, grad, lr: (theta - lr * grad).tolist())
    in_float32 = check_gd_step(
        lambda theta, grad, lr: np.float32(theta) - np.float32(lr) * np.float32(grad)
    )
    assert in_float32.passed, in_float32.message


GD_MISTAKES = [
    (lambda theta, grad, lr: theta, "no_step"),  # the starter
    (lambda theta, grad, lr: theta + lr * grad, "uphill"),
    (lambda theta, grad, lr: theta - grad, "lr_missing"),
    (lambda theta, grad, lr: theta - lr**2 * grad, "lr_squared"),
    (lambda theta, grad, lr: theta - grad / lr, "divides_by_lr"),
    (lambda theta, grad, lr: -lr * grad, "returns_update"),
    (lambda theta, grad, lr: lr * grad, "returns_update"),
]


@pytest.mark.parametrize(("wrong", "name"), GD_MISTAKES)
def test_gd_step_mistakes_are_named_and_never_show_the_formula(wrong, name):
    result = assert_named_without_the_formula(check_gd_step, wrong, name)
    assert "Hint:" not in result.message and "Stuck?" in result.message


def test_gd_step_starter_says_not_yet():
    result = check_gd_step(lambda theta, grad, lr: theta)
    assert result.message.startswith("Not yet: θ does not move")


def test_the_gd_step_solution_shows_a_listed_formula():
    assert engine.reveals(
        "def my_gd_step(theta, grad, lr):\n    return theta - lr * grad", (check_gd_step.formulas)
    )


# --- The gradient of the line's MSE (derivation) --------------------------------------------------


def line_gradient(theta, x, y):
    miss = theta[0] * x + theta[1] - y
    return np.array([2 * np.mean(miss * x), 2 * np.mean(miss)])


def line_mse(theta, x, y):
    """The intro's loss (intro-mse) of the line θ₁x + b, written out."""
    return np.mean((theta[0] * x + theta[1] - y) ** 2)


def test_the_closed_form_is_the_gradient_of_the_loss():
    """The derivation itself, independently of optlib: the closed form against finite
    differences on random lines and data sets, and the exercise's hand values."""
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 7, 30, 100):
        theta, x, y = rng.normal(size=2), rng.uniform(-2, 2, n), rng.normal(size=n)
        by_differences = numerical_grad(lambda t, x=x, y=y: line_mse(t, x, y), theta)
        assert np.allclose(line_gradient(theta, x, y), by_differences, rtol=1e-6, atol=1e-8)
    by_hand = line_gradient(np.array([1.0, 0.0]), np.array([1.0, 2, 3]), np.array([2.0, 3, 7]))
    assert np.array_equal(by_hand, [-10, -4])


def test_the_line_gradient_reference_agrees_with_the_closed_form():
    from optlib.exercises.intro import _line_gradient

    rng = np.random.default_rng(1)
    for n in (1, 4, 9, 25, 60, 200):
        theta, x, y = rng.normal(size=2), rng.normal(size=n), rng.normal(size=n)
        assert np.allclose(_line_gradient(theta, x, y), line_gradient(theta, x, y), rtol=1e-12)


def test_line_gradient_right_answers_pass():
    def by_sums(theta, x, y):
        n = len(x)
        miss = theta[0] * x + theta[1] - y
        return np.array([2 / n * np.sum(miss * x), 2 / n * np.sum(miss)])

    def by_design_matrix(theta, x, y):
        design = np.column_stack([x, np.ones_like(x)])
        return 2 * design.T @ (design @ theta - y) / len(y)

    def as_tuple(theta, x, y):
        slope, intercept = line_gradient(theta, x, y)
        return slope, intercept  # two numbers, not an array: fine too

    for answer in (line_gradient, by_sums, by_design_matrix, as_tuple):
        assert check_line_gradient(answer), answer.__name__
    assert check_line_gradient(lambda theta, x, y: line_gradient(theta, x, y).tolist())
    in_float32 = check_line_gradient(lambda t, x, y: line_gradient(t, x, y).astype(np.float32))
    assert in_float32.passed, in_float32.message


def target_minus_prediction(theta, x, y):
    miss = y - (theta[0] * x + theta[1])
    return np.array([2 * np.mean(miss * x), 2 * np.mean(miss)])


def slope_only(theta, x, y):
    return np.array([2 * np.mean((theta[0] * x + theta[1] - y) * x)] * 2)


def intercept_only(theta, x, y):
    return np.array([2 * np.mean(theta[0] * x + theta[1] - y)] * 2)


LINE_MISTAKES = [
    (lambda theta, x, y: np.zeros(2), "not_started"),  # the starter
    (lambda theta, x, y: line_gradient(theta, x, y) / 2, "half"),
    (
        lambda theta, x, y: np.array(
            [np.mean((theta[0] * x + theta[1] - y) * x), np.mean(theta[0] * x + theta[1] - y)]
        ),
        "half",
    ),
    (lambda theta, x, y: len(x) * line_gradient(theta, x, y), "sum_not_mean"),
    (target_minus_prediction, "sign"),
    (intercept_only, "slope_without_x"),
    (slope_only, "intercept_times_x"),
    (lambda theta, x, y: line_gradient(theta, x, y)[::-1], "swapped"),
]


@pytest.mark.parametrize(("wrong", "name"), LINE_MISTAKES)
def test_line_gradient_mistakes_are_named_and_never_show_the_formula(wrong, name):
    assert_named_without_the_formula(check_line_gradient, wrong, name)


def test_line_gradient_starter_and_an_unknown_mistake():
    starter = check_line_gradient(lambda theta, x, y: np.zeros(2))
    assert starter.message.startswith("Not yet:")
    off = check_line_gradient(lambda theta, x, y: 1.01 * line_gradient(theta, x, y))
    assert off.mistake is None and off.message.startswith("Not yet:")
    assert (
        engine.reveals(
            every_rung(check_line_gradient, lambda t, x, y: 1.01 * line_gradient(t, x, y)),
            check_line_gradient.formulas,
        )
        is None
    )
    assert check_line_gradient(3).mistake == "not_a_function"
    assert check_line_gradient(lambda theta, x, y: (1.0, 2.0, 3.0)).mistake == "wrong_output"


def test_the_line_gradient_solution_shows_a_listed_formula():
    solution = "return np.array([2 * np.mean(miss * x), 2 * np.mean(miss)])"
    assert engine.reveals(solution, check_line_gradient.formulas)


# --- Predictions ---------------------------------------------------------------------------------


def test_degree_prediction():
    assert check_degree(None).mistake == "no_prediction"
    assert check_degree("6") and check_degree(6) and check_degree(" 6 ")
    wrong = check_degree("3")
    assert wrong.mistake == "wrong_prediction" and "degree 6" in wrong.message
    assert engine.reveals(every_rung(check_degree, "3"), check_degree.formulas) is None
    for garbage in ("seven", 7, True, 6.0, [6]):
        assert check_degree(garbage).mistake == "wrong_output", garbage


def test_the_degree_experiment_is_the_chapters_and_degree_6_wins():
    """The chapter's recipe (intro.ipynb), refitted with NumPy's polyfit: training loss falls
    with the degree, so 6 is lowest."""
    from optlib.exercises.intro import _chapter_training_points

    rng = np.random.default_rng(0)
    x_pool = rng.uniform(-1.5, 1.5, 64)
    y_pool = np.sin(2 * x_pool + 0.8) + 0.3 * rng.standard_normal(64)
    x, y = _chapter_training_points()
    assert np.array_equal(x, x_pool[:8]) and np.array_equal(y, y_pool[:8])
    training = [np.mean((np.polyval(np.polyfit(x, y, k), x) - y) ** 2) for k in range(1, 7)]
    assert np.all(np.diff(training) < 0)


def test_signpost_prediction():
    assert check_signpost(None).mistake == "no_prediction"
    assert check_signpost("only the loss falls") and check_signpost("Only the LOSS falls")
    for wrong in ("both fall", "only the distance falls", "both rise"):
        result = check_signpost(wrong)
        assert result.mistake == "wrong_prediction", wrong
        assert engine.reveals(every_rung(check_signpost, wrong), check_signpost.formulas) is None
    assert check_signpost("closer").mistake == "wrong_output"
    assert check_signpost(float("nan")).mistake == "wrong_output"


def test_the_signpost_step_by_hand():
    """Rosenbrock's f = (1 − x)² + 100(y − x²)², its gradient and the step, written out."""

    def f(p):
        return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2

    def grad(p):
        return np.array(
            [-2 * (1 - p[0]) - 400 * p[0] * (p[1] - p[0] ** 2), 200 * (p[1] - p[0] ** 2)]
        )

    theta, minimum = np.array([0.0, 0.5]), np.array([1.0, 1.0])
    new = theta - 1e-3 * grad(theta)
    assert f(new) < f(theta)
    assert np.linalg.norm(new - minimum) > np.linalg.norm(theta - minimum)
    assert -grad(theta) @ (minimum - theta) < 0


def test_the_prediction_solutions_show_a_listed_formula():
    assert engine.reveals(
        "# a degree-k fit is a degree-(k+1) one with θ_{k+1} = 0", (check_degree.formulas)
    )
    assert engine.reveals("assert -grad @ (minimum - theta) < 0", check_signpost.formulas)
