"""Tests of optlib.models: each model's loss and gradient as an objective over θ.

References: central finite differences, values worked out by hand, ``np.linalg.lstsq``, and
PyTorch 2.13 autograd in float64 on the same X, y, θ and layer layout
(tests/data/record_losses.py).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from optlib.gradcheck import numerical_grad, relative_error
from optlib.models import MLP, LinearRegression, LogisticRegression, SoftmaxRegression

DATA = json.loads((Path(__file__).parent / "data" / "torch_losses.json").read_text())
MODEL_CLASSES = {
    "LinearRegression": LinearRegression,
    "LogisticRegression": LogisticRegression,
    "SoftmaxRegression": SoftmaxRegression,
    "MLP": MLP,
}


def toy_data(seed: int = 0, n: int = 24, d: int = 3, n_classes: int = 3):
    """Seeded features and three kinds of labels that depend on them (plus noise)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    real = X @ rng.normal(size=d) + 0.5 + 0.1 * rng.normal(size=n)
    binary = (X @ rng.normal(size=d) + 0.3 * rng.normal(size=n) > 0).astype(int)
    classes = np.argmax(
        X @ rng.normal(size=(d, n_classes)) + 0.3 * rng.normal(size=(n, n_classes)), axis=1
    )
    return X, real, binary, classes


X, Y_REAL, Y_BINARY, Y_CLASSES = toy_data()
MODELS = {
    "linear": lambda: LinearRegression(X, Y_REAL),
    "logistic": lambda: LogisticRegression(X, Y_BINARY),
    "softmax": lambda: SoftmaxRegression(X, Y_CLASSES),
    "mlp-tanh": lambda: MLP(X, Y_CLASSES, hidden=(5, 4), activation="tanh"),
    "mlp-relu": lambda: MLP(X, Y_CLASSES, hidden=(6,), activation="relu"),
}
MINI_BATCH = np.array([2, 7, 7, 11, 19, 23])


def random_theta(model, seed: int = 1, batch_shape: tuple[int, ...] = ()) -> np.ndarray:
    return 0.5 * np.random.default_rng(seed).normal(size=(*batch_shape, model.dim))


@pytest.fixture(params=list(MODELS))
def model(request):
    return MODELS[request.param]()


# ------------------------------------------------------------------------------ the protocol


@pytest.mark.parametrize("idx", [None, MINI_BATCH], ids=["full batch", "mini-batch"])
def test_grad_matches_finite_differences(model, idx):
    theta = random_theta(model)
    numeric = numerical_grad(lambda t: model.value(t, idx), theta)
    assert relative_error(model.grad(theta, idx), numeric) < 1e-6


def test_mean_of_per_example_gradients_is_the_full_gradient(model):
    theta = random_theta(model)
    per_example = [model.value_and_grad(theta, np.array([i])) for i in range(model.n_samples)]
    assert np.mean([value for value, _ in per_example]) == pytest.approx(
        model.value(theta), rel=1e-14
    )
    mean_gradient = np.mean([gradient for _, gradient in per_example], axis=0)
    assert relative_error(mean_gradient, model.grad(theta)) < 1e-14


@pytest.mark.parametrize("idx", [None, MINI_BATCH], ids=["full batch", "mini-batch"])
def test_batch_of_thetas_equals_row_by_row(model, idx):
    thetas = random_theta(model, seed=2, batch_shape=(2, 3))
    values, gradients = model.value_and_grad(thetas, idx)
    assert values.shape == (2, 3) and gradients.shape == thetas.shape
    np.testing.assert_array_equal(model.value(thetas, idx), values)
    np.testing.assert_array_equal(model.grad(thetas, idx), gradients)
    for i, j in np.ndindex(2, 3):
        value, gradient = model.value_and_grad(thetas[i, j], idx)
        assert values[i, j] == pytest.approx(value, rel=1e-14)
        assert relative_error(gradients[i, j], gradient) < 1e-14


def test_a_thousand_thetas_in_one_call(model):
    thetas = random_theta(model, seed=3, batch_shape=(1000,))
    values, gradients = model.value_and_grad(thetas, MINI_BATCH)
    assert values.shape == (1000,) and gradients.shape == (1000, model.dim)
    assert model.value(thetas[417], MINI_BATCH) == pytest.approx(values[417], rel=1e-14)


def test_value_and_grad_equals_value_then_grad(model):
    theta = random_theta(model)
    value, gradient = model.value_and_grad(theta, MINI_BATCH)
    assert isinstance(value, float) and isinstance(model.value(theta), float)
    assert value == model.value(theta, MINI_BATCH)
    np.testing.assert_array_equal(gradient, model.grad(theta, MINI_BATCH))
    assert gradient.shape == (model.dim,)


def test_plain_gradient_descent_reduces_the_loss(model):
    theta, learning_rate = model.init_params(seed=0), 0.1
    losses = [model.value(theta)]
    for _ in range(20):
        theta = theta - learning_rate * model.grad(theta)
        losses.append(model.value(theta))
    assert np.all(np.diff(losses) < 0)
    assert losses[-1] < 0.9 * losses[0]


def test_init_params_is_seeded(model):
    first = model.init_params(seed=5)
    assert first.shape == (model.dim,) and first.dtype == np.float64
    np.testing.assert_array_equal(model.init_params(seed=5), first)


@pytest.mark.parametrize("name", ["linear", "logistic", "softmax"])
def test_convex_models_start_at_zero(name):
    np.testing.assert_array_equal(MODELS[name]().init_params(seed=3), 0.0)


# ----------------------------------------------------------------------- against torch


@pytest.mark.parametrize("case", DATA["models"], ids=lambda case: case["name"])
def test_matches_torch_autograd(case):
    options = dict(case["options"])
    if "hidden" in options:
        options["hidden"] = tuple(options["hidden"])
    model = MODEL_CLASSES[case["model"]](np.array(case["X"]), np.array(case["y"]), **options)
    theta, idx = np.array(case["theta"]), np.array(case["idx"])
    assert model.dim == len(theta)
    value, gradient = model.value_and_grad(theta)
    assert value == pytest.approx(case["value"], rel=1e-10)
    assert relative_error(gradient, case["grad"]) < 1e-10
    value, gradient = model.value_and_grad(theta, idx)
    assert value == pytest.approx(case["idx_value"], rel=1e-10)
    assert relative_error(gradient, case["idx_grad"]) < 1e-10


def test_torch_recording_covers_both_mlp_activations():
    assert {case["options"].get("activation") for case in DATA["models"]} >= {"tanh", "relu"}


# --------------------------------------------------------------------- values by hand


def test_linear_regression_by_hand():
    """X = (0, 1, 2), y = (1, 2, 2), w = b = 1: ŷ = (1, 2, 3), residuals (0, 0, 1)."""
    model = LinearRegression([[0.0], [1.0], [2.0]], [1.0, 2.0, 2.0])
    value, gradient = model.value_and_grad([1.0, 1.0])
    assert value == pytest.approx(1 / 3)  # mean of squares, no ½
    np.testing.assert_allclose(gradient, [4 / 3, 2 / 3])  # (2/3)·Σ rᵢxᵢ, (2/3)·Σ rᵢ
    np.testing.assert_allclose(model.predict([1.0, 1.0], [[5.0]]), [6.0])


def test_linear_regression_at_the_least_squares_solution():
    design = np.column_stack([X, np.ones(len(X))])
    solution, residual_sum_of_squares, _, _ = np.linalg.lstsq(design, Y_REAL, rcond=None)
    model = LinearRegression(X, Y_REAL)
    assert np.max(np.abs(model.grad(solution))) < 1e-12
    assert model.value(solution) == pytest.approx(residual_sum_of_squares[0] / len(X), rel=1e-12)


def test_logistic_regression_by_hand():
    """x = ±1 with labels 1, 0 and w = ln 3: σ(ln 3) = 3/4, so each loss is ln(4/3)."""
    model = LogisticRegression([[1.0], [-1.0]], [1, 0])
    value, gradient = model.value_and_grad([math.log(3.0), 0.0])
    assert value == pytest.approx(math.log(4 / 3))
    np.testing.assert_allclose(gradient, [-1 / 4, 0.0], atol=1e-16)  # ½[(¾−1)·1 + (¼−0)·(−1)]
    np.testing.assert_allclose(model.predict([math.log(3.0), 0.0], [[1.0], [0.0]]), [0.75, 0.5])


def test_logistic_and_softmax_losses_at_zero_are_log_2_and_log_c():
    assert LogisticRegression(X, Y_BINARY).value(np.zeros(4)) == pytest.approx(math.log(2))
    for n_classes in (3, 5):
        model = SoftmaxRegression(X, Y_CLASSES, n_classes=n_classes)
        assert model.value(np.zeros(model.dim)) == pytest.approx(math.log(n_classes))
        mlp = MLP(X, Y_CLASSES, hidden=(4,), n_classes=n_classes)
        assert mlp.value(np.zeros(mlp.dim)) == pytest.approx(math.log(n_classes))


def test_accuracy_by_hand():
    """One-hot features with W = 10·I: each row predicts its own index."""
    features = np.eye(3)
    theta = np.concatenate([10 * np.eye(3).ravel(), np.zeros(3)])
    softmax = SoftmaxRegression(features, [0, 1, 2])
    assert softmax.accuracy(theta, features, [0, 1, 2]) == 1.0
    assert softmax.accuracy(theta, features, [0, 2, 1]) == pytest.approx(1 / 3)
    assert softmax.accuracy(theta, features, [1, 2, 0]) == 0.0
    np.testing.assert_array_equal(
        softmax.accuracy(np.stack([theta, -theta]), features, [0, 1, 2]), [1.0, 0.0]
    )
    logistic = LogisticRegression([[1.0], [-1.0]], [1, 0])
    assert logistic.accuracy([2.0, 0.0], [[1.0], [-1.0], [3.0]], [1, 0, 0]) == pytest.approx(2 / 3)


@pytest.mark.parametrize("name", ["logistic", "softmax", "mlp-tanh", "mlp-relu"])
def test_predicted_probabilities_are_distributions(name):
    model = MODELS[name]()
    thetas = random_theta(model, batch_shape=(2,))
    probabilities = model.predict(thetas, X[:5])
    if isinstance(model, LogisticRegression):
        assert probabilities.shape == (2, 5)
        assert np.all((probabilities > 0) & (probabilities < 1))
    else:
        assert probabilities.shape == (2, 5, 3)
        np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-15)


def test_extreme_parameters_stay_finite(model):
    theta = 1e3 * random_theta(model)  # logits of order 1e3 to 1e5: no overflow warning
    value, gradient = model.value_and_grad(theta)
    assert np.isfinite(value) and np.all(np.isfinite(gradient))


# ---------------------------------------------------------------------------------- MLP


def test_mlp_unpack_returns_views_in_layer_order():
    mlp = MLP(X, Y_CLASSES, hidden=(5, 4))
    assert mlp.layer_sizes == (3, 5, 4, 3) and mlp.dim == 3 * 5 + 5 + 5 * 4 + 4 + 4 * 3 + 3
    theta = np.arange(mlp.dim, dtype=float)
    layers = mlp.unpack(theta)
    assert [(W.shape, b.shape) for W, b in layers] == [
        ((3, 5), (5,)),
        ((5, 4), (4,)),
        ((4, 3), (3,)),
    ]
    np.testing.assert_array_equal(layers[0][0][0], [0, 1, 2, 3, 4])  # W row-major first
    np.testing.assert_array_equal(layers[0][1], np.arange(15, 20))  # then b
    np.testing.assert_array_equal(layers[2][1], theta[-3:])
    for W, b in layers:
        assert np.shares_memory(W, theta) and np.shares_memory(b, theta)
    batch = np.zeros((2, mlp.dim))
    W_batch, _ = mlp.unpack(batch)[1]
    assert W_batch.shape == (2, 5, 4) and np.shares_memory(W_batch, batch)


def test_mlp_without_hidden_layers_is_softmax_regression():
    theta = random_theta(SoftmaxRegression(X, Y_CLASSES), seed=4)
    mlp_value, mlp_gradient = MLP(X, Y_CLASSES, hidden=()).value_and_grad(theta, MINI_BATCH)
    value, gradient = SoftmaxRegression(X, Y_CLASSES).value_and_grad(theta, MINI_BATCH)
    assert mlp_value == pytest.approx(value, rel=1e-15)
    assert relative_error(mlp_gradient, gradient) < 1e-15


@pytest.mark.parametrize(
    "activation, fan", [("tanh", lambda i, o: i + o), ("relu", lambda i, o: i)]
)
def test_mlp_init_is_glorot_or_he_uniform(activation, fan):
    features = np.random.default_rng(0).normal(size=(4, 60))
    mlp = MLP(features, [0, 1, 2, 3], hidden=(200,), activation=activation)
    for W, b in mlp.unpack(mlp.init_params(seed=1)):
        bound = math.sqrt(6 / fan(*W.shape))
        assert np.all(np.abs(W) <= bound) and np.max(np.abs(W)) > 0.95 * bound
        assert np.std(W) == pytest.approx(bound / math.sqrt(3), rel=0.05)  # U(−r, r): r/√3
        np.testing.assert_array_equal(b, 0.0)
    assert not np.array_equal(mlp.init_params(seed=1), mlp.init_params(seed=2))


def test_mlp_relu_kink_uses_zero_derivative():
    """A hidden unit with pre-activation exactly 0 passes no gradient (torch: relu'(0) = 0)."""
    mlp = MLP([[1.0, 0.0]], [1], hidden=(1,), activation="relu", n_classes=2)
    theta = np.array([0.0, 3.0, 0.0, 1.0, -1.0, 0.0, 0.0])  # W1 = (0, 3)ᵀ, b1 = 0: z = 0
    gradient = mlp.grad(theta)
    np.testing.assert_array_equal(gradient[:3], 0.0)


# ------------------------------------------------------------------------------ bad input

BAD_CONSTRUCTORS = [
    (
        LinearRegression,
        ([1.0, 2.0], [1.0, 2.0]),
        {},
        "X must have shape (n, d) with n >= 1; got (2,)",
    ),
    (
        LinearRegression,
        (np.zeros((0, 2)), []),
        {},
        "X must have shape (n, d) with n >= 1; got (0, 2)",
    ),
    (
        LinearRegression,
        ([[0.0, 1.0], [2.0, np.nan]], [1.0, 2.0]),
        {},
        "X must be finite; X[1, 1] is nan",
    ),
    (
        LinearRegression,
        (np.zeros((3, 2)), [1.0, 2.0]),
        {},
        "y must have shape (3,) to match X; got (2,)",
    ),
    # A NaN or inf target, named by its row (before: a run that "diverged at step 1").
    (LinearRegression, (np.zeros((3, 2)), [1.0, np.nan, 2.0]), {}, "y must be finite; y[1] is nan"),
    (LogisticRegression, (np.zeros((3, 2)), [0, 1, np.inf]), {}, "y must be finite; y[2] is inf"),
    (SoftmaxRegression, (np.zeros((2, 2)), [np.nan, 1]), {}, "y must be finite; y[0] is nan"),
    (
        LogisticRegression,
        (np.zeros((2, 2)), [0, 2]),
        {},
        "y must be 0 or 1 (binary labels); y[1] is 2",
    ),
    (
        SoftmaxRegression,
        (np.zeros((2, 2)), [0, 3]),
        {"n_classes": 3},
        "y must be class labels in [0, 3) (n_classes = 3); y[1] is 3",
    ),
    # Before: "n_classes must be at least 2; got 1", naming the wrong argument.
    (
        SoftmaxRegression,
        (np.zeros((2, 2)), [-1, 1]),
        {},
        "y must be class labels, integers >= 0; y[0] is -1",
    ),
    (
        SoftmaxRegression,
        (np.zeros((2, 2)), [0.0, 0.5]),
        {},
        "y must be class labels, integers >= 0; y[1] is 0.5",
    ),
    (
        SoftmaxRegression,
        (np.zeros((2, 2)), [0, 0]),
        {},
        "y holds class 0 only; pass n_classes >= 2, the number of classes",
    ),
    # Before: accepted, with dim = 7.5 and a model that could not be evaluated.
    (
        SoftmaxRegression,
        (np.zeros((2, 2)), [0, 1]),
        {"n_classes": 2.5},
        "n_classes must be an integer >= 2; got 2.5",
    ),
    (
        SoftmaxRegression,
        (np.zeros((2, 2)), [0, 1]),
        {"n_classes": "3"},
        "n_classes must be an integer >= 2; got '3'",
    ),
    (
        MLP,
        (np.zeros((2, 2)), [0, 1]),
        {"activation": "sigmoid"},
        "activation must be 'tanh' or 'relu'; got 'sigmoid'",
    ),
    (
        MLP,
        (np.zeros((2, 2)), [0, 1]),
        {"activation": ["tanh"]},
        "activation must be 'tanh' or 'relu'; got ['tanh']",
    ),
    (
        MLP,
        (np.zeros((2, 2)), [0, 1]),
        {"hidden": (4, 0)},
        "hidden layer widths must be positive integers; got 0",
    ),
    (
        MLP,
        (np.zeros((2, 2)), [0, 1]),
        {"hidden": (2.5,)},
        "hidden layer widths must be positive integers; got 2.5",
    ),
    # Before: True was a layer of width 1.
    (
        MLP,
        (np.zeros((2, 2)), [0, 1]),
        {"hidden": (True,)},
        "hidden layer widths must be positive integers; got True",
    ),
    (
        MLP,
        (np.zeros((2, 2)), [0, 4]),
        {"n_classes": 3},
        "y must be class labels in [0, 3) (n_classes = 3); y[1] is 4",
    ),
]


@pytest.mark.parametrize(
    "cls, arguments, kwargs, message", BAD_CONSTRUCTORS, ids=[bad[3] for bad in BAD_CONSTRUCTORS]
)
def test_bad_constructor_input_raises(cls, arguments, kwargs, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        cls(*arguments, **kwargs)


@pytest.mark.parametrize(
    "arguments, kwargs, message",
    [
        (
            (np.zeros((2, 2)) + 1j, [0, 1]),
            {},
            "X must be an array of real numbers; got dtype complex128",
        ),
        ((np.zeros((2, 2)), ["a", "b"]), {}, "y must be an array of real numbers; got dtype <U1"),
        (
            (np.zeros((2, 2)), [0, 1]),
            {"hidden": 4},
            "hidden must be a sequence of layer widths, e.g. (32,); got 4",
        ),
    ],
    ids=["complex X", "string labels", "one width, not a sequence"],
)
def test_values_that_are_not_numbers_raise_type_error(arguments, kwargs, message):
    with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
        MLP(*arguments, **kwargs)


@pytest.mark.parametrize("seed", [-1, 1.5, True])
def test_init_params_refuses_a_seed_that_is_not_one(model, seed):
    message = f"seed must be an integer >= 0; got {seed!r}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        model.init_params(seed=seed)


def test_accuracy_refuses_labels_that_do_not_line_up_with_x():
    """Before, y of another length broadcast against the predictions: 1.0 for y[:1], a
    (m, m) comparison for a column."""
    logistic, softmax = LogisticRegression(X, Y_BINARY), SoftmaxRegression(X, Y_CLASSES)
    theta, n = np.zeros(logistic.dim), len(X)
    calls = [
        (
            lambda: logistic.accuracy(theta, X, Y_BINARY[:1]),
            f"y must have shape ({n},) to match X; got (1,)",
        ),
        (
            lambda: logistic.accuracy(theta, X, Y_BINARY[:, None]),
            f"y must have shape ({n},) to match X; got ({n}, 1)",
        ),
        (
            lambda: logistic.accuracy(theta, X, 2 * Y_BINARY),
            f"y must be 0 or 1 (binary labels); y[{int(np.argmax(Y_BINARY))}] is 2",
        ),
        (
            lambda: softmax.accuracy(np.zeros(softmax.dim), X, Y_CLASSES + 3),
            f"y must be class labels in [0, 3) (n_classes = 3); y[0] is {Y_CLASSES[0] + 3}",
        ),
        (
            lambda: logistic.accuracy(theta, X[:0], Y_BINARY[:0]),
            "X must have shape (m, 3) with m >= 1; got (0, 3)",
        ),
        (
            lambda: logistic.predict(theta, np.where(np.eye(n, 3) > 0, np.nan, X)),
            "X must be finite; X[0, 0] is nan",
        ),
    ]
    for call, message in calls:
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            call()


def test_bad_theta_idx_and_features_raise(model):
    dim, n = model.dim, model.n_samples
    calls = [
        (
            lambda: model.value(np.zeros(dim + 1)),
            f"theta must have shape (..., {dim}); got ({dim + 1},)",
        ),
        (
            lambda: model.grad(np.zeros((2, dim - 1))),
            f"theta must have shape (..., {dim}); got (2, {dim - 1})",
        ),
        (lambda: model.value_and_grad(0.0), f"theta must have shape (..., {dim}); got ()"),
        (lambda: model.value(np.zeros(dim), np.array([0, n])), f"idx out of range [0, {n}): {n}"),
        (lambda: model.grad(np.zeros(dim), np.array([-1])), f"idx out of range [0, {n}): -1"),
        (
            lambda: model.value(np.zeros(dim), np.array([0.0, 1.0])),
            "idx must be a non-empty 1-d integer array; got dtype float64, shape (2,)",
        ),
        (
            lambda: model.value(np.zeros(dim), np.array([], dtype=int)),
            "idx must be a non-empty 1-d integer array; got dtype int64, shape (0,)",
        ),
        (
            lambda: model.predict(np.zeros(dim), np.zeros((2, 4))),
            "X must have shape (m, 3); got (2, 4)",
        ),
    ]
    with pytest.raises(TypeError, match=r"^theta must be an array of real numbers; got dtype <U1$"):
        model.value(np.full(dim, "0"))
    for call, message in calls:
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            call()
