"""The tuning study's engine (optlib/tuning.py), each piece against a reference of its own:
separate runs of optlib.minimize for the batched trainer and the protocol, brute-force
enumeration of every k-subset for the order statistics, scipy.stats for Student's t, hand-worked
numbers for the profile, the time to target and the range test."""

from __future__ import annotations

import itertools
import math
import re
import warnings

import numpy as np
import pytest
from scipy import stats

import optlib
from optlib import data, functions, models, tuning
from optlib.tuning import LogUniform, OneMinusLogUniform, Problem

# --- random_search ---------------------------------------------------------------------------

SPACE = {
    "lr": LogUniform(1e-5, 10.0),
    "beta1": OneMinusLogUniform(1e-3, 1.0),
    "beta2": OneMinusLogUniform(1e-4, 1e-1),
    "eps": LogUniform(1e-10, 1.0),
}


def test_random_search_draws_inside_the_stated_ranges():
    draws = tuning.random_search(SPACE, 2000, seed=3)
    assert list(draws) == list(SPACE)
    for name, values in draws.items():
        assert values.shape == (2000,)
        low, high = SPACE[name]
        if isinstance(SPACE[name], LogUniform):
            assert np.all((low <= values) & (values <= high)), name
        else:  # 1 − β in [low, high]: β in [1 − high, 1 − low]
            assert np.all((1 - high <= values) & (values <= 1 - low)), name
    # the ranges are filled, not a corner of them: each reaches within a tenth of a decade of
    # both ends (a draw of 2000 misses the last tenth of six decades with chance (1 − 1/60)^2000)
    lr = np.log10(draws["lr"])
    assert lr.min() < -5 + 0.1 and lr.max() > 1 - 0.1


def test_a_small_search_is_a_prefix_of_a_large_one():
    large = tuning.random_search(SPACE, 50, seed=11)
    for k in (1, 7, 50):
        small = tuning.random_search(SPACE, k, seed=11)
        for name in SPACE:
            assert np.array_equal(small[name], large[name][:k]), (name, k)


def test_random_search_is_seeded_and_deterministic():
    first = tuning.random_search(SPACE, 20, seed=5)
    again = tuning.random_search(SPACE, 20, seed=5)
    other = tuning.random_search(SPACE, 20, seed=6)
    for name in SPACE:
        assert np.array_equal(first[name], again[name])
        assert not np.any(first[name] == other[name])
    # the names are drawn independently: no two columns are the same quantiles
    u_lr = np.log(first["lr"] / 1e-5) / np.log(1e6)
    u_beta1 = np.log((1 - first["beta1"]) / 1e-3) / np.log(1e3)
    assert not np.allclose(u_lr, u_beta1)


def test_one_minus_beta_is_log_uniform():
    """1 − β of OneMinusLogUniform(1e-4, 1e-1) is log-uniform over three decades: log10(1 − β)
    uniform on [−4, −1]. On n = 10⁵ draws the Dvoretzky–Kiefer–Wolfowitz inequality,
    P(sup |F_n − F| > ε) ≤ 2 exp(−2nε²), puts the empirical CDF within ε = 0.0085 of the uniform
    one except with chance 2 exp(−14.45) ≈ 10⁻⁶ — and the share of each decade, a difference of
    two CDF values, within 2ε of 1/3."""
    n, eps = 10**5, 0.0085
    assert 2 * math.exp(-2 * n * eps**2) < 1.1e-6
    beta = tuning.random_search({"beta2": OneMinusLogUniform(1e-4, 1e-1)}, n, seed=0)["beta2"]
    x = np.sort(np.log10(1 - beta))
    uniform = (x + 4) / 3  # F(x) of log10(1 − β) uniform on [−4, −1]
    empirical_after, empirical_before = np.arange(1, n + 1) / n, np.arange(n) / n
    ks = max(np.max(empirical_after - uniform), np.max(uniform - empirical_before))
    assert ks < eps
    shares = np.histogram(x, bins=[-4, -3, -2, -1])[0] / n
    assert np.all(np.abs(shares - 1 / 3) < 2 * eps)
    # the decades of β itself: [0.9, 0.99), [0.99, 0.999), [0.999, 0.9999]
    in_decades = np.histogram(beta, bins=[0.9, 0.99, 0.999, 0.9999])[0] / n
    assert np.all(np.abs(in_decades - 1 / 3) < 2 * eps)


def test_the_learning_rate_range_is_log_uniform_too():
    lr = tuning.random_search({"lr": LogUniform(1e-5, 10.0)}, 60000, seed=1)["lr"]
    shares = np.histogram(np.log10(lr), bins=np.arange(-5, 2))[0] / len(lr)
    # six decades, a sixth each; 5 binomial standard deviations sqrt(p(1 − p)/n) ≈ 0.0076
    assert np.all(np.abs(shares - 1 / 6) < 5 * math.sqrt(5 / 36 / len(lr)))


@pytest.mark.parametrize(
    ("space", "error", "match"),
    [
        ({"lr": LogUniform(0.0, 1.0)}, ValueError, r"Invalid range of 'lr': \(0.0, 1.0\)"),
        ({"lr": LogUniform(-1.0, 1.0)}, ValueError, r"Invalid range of 'lr': \(-1.0, 1.0\)"),
        ({"lr": LogUniform(2.0, 1.0)}, ValueError, r"Invalid range of 'lr': \(2.0, 1.0\)"),
        ({"lr": LogUniform(1.0, math.inf)}, ValueError, r"Invalid range of 'lr': \(1.0, inf\)"),
        ({"lr": LogUniform(math.nan, 1.0)}, ValueError, r"Invalid range of 'lr': \(nan, 1.0\)"),
        (
            {"beta1": OneMinusLogUniform(1e-3, 2.0)},
            ValueError,
            r"Invalid range of 'beta1': \(0.001, 2.0\)",
        ),
        (
            {"beta1": OneMinusLogUniform(0.0, 0.5)},
            ValueError,
            r"Invalid range of 'beta1': \(0.0, 0.5\)",
        ),
        ({"lr": (1e-3, 1.0)}, TypeError, r"range of 'lr' must be a LogUniform.*got tuple"),
        ({"eps": 1e-8}, TypeError, r"range of 'eps' must be a LogUniform.*got float"),
    ],
)
def test_random_search_refuses_a_bad_range_naming_it(space, error, match):
    with pytest.raises(error, match=match):
        tuning.random_search(space, 3)


@pytest.mark.parametrize(
    ("n", "seed", "match"),
    [
        (0, 0, "Invalid n value: 0"),
        (-2, 0, "Invalid n value: -2"),
        (2.0, 0, "Invalid n value: 2.0"),
        (True, 0, "Invalid n value: True"),
        (3, -1, "Invalid seed value: -1"),
        (3, 1.5, "Invalid seed value: 1.5"),
        (3, "0", "Invalid seed value: '0'"),
    ],
)
def test_random_search_refuses_a_bad_n_or_seed_naming_it(n, seed, match):
    with pytest.raises(ValueError, match=match):
        tuning.random_search(SPACE, n, seed)


# --- train: a batch is its rows run one by one -----------------------------------------------


def _row(settings: dict[str, np.ndarray], i: int) -> dict[str, float]:
    """Setting ``i`` of a batch of settings, as plain numbers (a scalar run's)."""
    return {name: float(values[i]) for name, values in settings.items()}


def _adam(amsgrad=False, decoupled=False):
    def make(lr, beta1, beta2, eps, weight_decay):
        rule = optlib.adamw if decoupled else optlib.adam
        return rule(
            lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad
        )

    return make


def _radam(lr, beta1, beta2, weight_decay):
    return optlib.radam(lr=lr, betas=(beta1, beta2), weight_decay=weight_decay)


def _nesterov(**setting):
    return optlib.sgd(nesterov=True, **setting)


def _centered(**setting):
    return optlib.rmsprop(centered=True, **setting)


def _nadam(lr, beta1, beta2, momentum_decay):
    return optlib.nadam(lr=lr, betas=(beta1, beta2), momentum_decay=momentum_decay)


def _adamax(lr, beta1, beta2, eps):
    return optlib.adamax(lr=lr, betas=(beta1, beta2), eps=eps)


# Three settings of each rule, every hyperparameter an array (different in every row), at rates
# that do not diverge on Rosenbrock from the starts below in 60 steps.
BATCHED = {
    "SGD, momentum, L2": (
        optlib.sgd,
        {"lr": [1e-3, 5e-4, 2e-4], "momentum": [0.0, 0.5, 0.9], "weight_decay": [0, 1e-3, 1e-2]},
    ),
    "Nesterov": (_nesterov, {"lr": [1e-3, 5e-4, 2e-4], "momentum": [0.3, 0.6, 0.9]}),
    # the lecture's form reads the gradient at its look-ahead point: train must ask for it
    "NAG, look-ahead": (optlib.nag, {"lr": [1e-3, 5e-4, 2e-4], "gamma": [0.3, 0.6, 0.9]}),
    "Adam, L2": (
        _adam(),
        {
            "lr": [1e-2, 3e-2, 1e-3],
            "beta1": [0.9, 0.5, 0.0],
            "beta2": [0.999, 0.9, 0.5],
            "eps": [1e-8, 1e-3, 0.1],
            "weight_decay": [0.0, 1e-2, 0.1],
        },
    ),
    "AdamW, AMSGrad": (
        _adam(amsgrad=True, decoupled=True),
        {
            "lr": [1e-2, 3e-2, 1e-3],
            "beta1": [0.9, 0.8, 0.0],
            "beta2": [0.999, 0.99, 0.9],
            "eps": [1e-8, 1e-6, 1e-2],
            "weight_decay": [0.0, 1e-2, 0.5],
        },
    ),
    "RMSprop, centered, momentum": (
        _centered,
        {
            "lr": [1e-3, 3e-3, 1e-2],
            "alpha": [0.99, 0.9, 0.5],
            "eps": [1e-8, 1e-2, 1.0],
            "momentum": [0.0, 0.5, 0.9],
        },
    ),
    "NAdam": (
        _nadam,
        {
            "lr": [1e-2, 3e-3, 1e-3],
            "beta1": [0.9, 0.5, 0.0],
            "beta2": [0.999, 0.9, 0.5],
            "momentum_decay": [4e-3, 1e-2, 0.1],
        },
    ),
    "Adamax": (
        _adamax,
        {
            "lr": [1e-2, 3e-3, 1e-3],
            "beta1": [0.9, 0.5, 0.0],
            "beta2": [0.999, 0.9, 0.5],
            "eps": [1e-8, 1e-3, 0.1],
        },
    ),
    "Adadelta": (optlib.adadelta, {"lr": [1.0, 0.5, 0.1], "rho": [0.9, 0.5, 0.99]}),
    "AdaGrad": (
        optlib.adagrad,
        {"lr": [1e-2, 0.1, 0.3], "lr_decay": [0.0, 1e-2, 0.1], "eps": [1e-10, 1e-3, 1.0]},
    ),
    "RAdam": (
        _radam,
        {
            "lr": [2e-4, 3e-3, 1e-3],
            "beta1": [0.9, 0.5, 0.0],
            "beta2": [0.999, 0.9, 0.8],
            "weight_decay": [0.0, 1e-3, 1e-2],
        },
    ),
}
STARTS = np.array([[-1.2, 1.0], [0.5, -0.3], [1.5, 2.0]])


@pytest.mark.parametrize("name", list(BATCHED))
def test_a_full_batch_is_its_rows_run_by_minimize(name):
    make, table = BATCHED[name]
    settings = {key: np.array(values, dtype=float) for key, values in table.items()}
    f = functions.rosenbrock
    run = tuning.train(f, STARTS, make(**settings), 60, score=f.value, every=20)
    assert np.array_equal(run.diverged_at, [-1, -1, -1])
    assert np.array_equal(run.steps, [0, 20, 40, 60])
    for i in range(3):
        alone = optlib.minimize(f, STARTS[i], make(**_row(settings, i)), 60)
        assert alone.diverged_at is None
        np.testing.assert_allclose(run.params[i], alone.params[-1], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(run.scores[:, i], alone.losses[run.steps], rtol=1e-13)
    # the rows differ: a batch that ran one setting for all would fail the loop above
    assert len({tuple(p) for p in run.params}) == 3


def _small_classifier() -> models.MLP:
    """60 points of 5 features in 3 classes: a finite sum to draw mini-batches from."""
    rng = np.random.default_rng(7)
    X = rng.standard_normal((60, 5))
    y = np.argmax(X[:, :3] + 0.5 * rng.standard_normal((60, 3)), axis=1)
    return models.MLP(X, y, hidden=(4,), n_classes=3)


@pytest.mark.parametrize("name", ["SGD, momentum, L2", "Adam, L2", "RMSprop, centered, momentum"])
def test_a_mini_batch_run_is_its_rows_run_by_minimize_on_the_same_batches(name):
    make, table = BATCHED[name]
    settings = {key: np.array(values, dtype=float) for key, values in table.items()}
    settings["lr"] = 10 * settings["lr"]  # the model is better conditioned than Rosenbrock
    model = _small_classifier()
    x0 = np.stack([model.init_params(seed) for seed in (0, 1, 2)])
    run = tuning.train(
        model, x0, make(**settings), 25, batch_size=8, seed=4, score=model.value, every=10
    )
    assert np.array_equal(run.diverged_at, [-1, -1, -1])
    for i in range(3):
        alone = optlib.minimize(model, x0[i], make(**_row(settings, i)), 25, batch_size=8, seed=4)
        assert alone.diverged_at is None
        np.testing.assert_allclose(run.params[i], alone.params[-1], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(run.scores[:, i], alone.losses[[0, 10, 20, 25]], rtol=1e-12)
    # the seed picks the mini-batches: another seed ends elsewhere
    other = tuning.train(model, x0, make(**settings), 25, batch_size=8, seed=5, score=model.value)
    assert not np.allclose(other.params, run.params)


@pytest.mark.parametrize(
    ("steps", "every", "marks"),
    [
        (10, 3, [0, 3, 6, 9, 10]),
        (10, 5, [0, 5, 10]),
        (10, 1, list(range(11))),
        (10, None, [0, 10]),
        (10, 25, [0, 10]),
        (0, None, [0]),
        (0, 4, [0]),
    ],
)
def test_scores_are_taken_at_zero_every_every_steps_and_at_the_end(steps, every, marks):
    f = functions.quadratic(np.diag([1.0, 4.0]))
    x0 = np.array([[1.0, -1.0], [2.0, 0.5]])
    lr = np.array([0.1, 0.3])
    run = tuning.train(f, x0, optlib.sgd(lr=lr), steps, score=f.value, every=every)
    assert np.array_equal(run.steps, marks) and run.scores.shape == (len(marks), 2)
    for i in range(2):
        path = optlib.minimize(f, x0[i], optlib.sgd(lr=float(lr[i])), steps).params
        # the score of the iterate at each mark, f(θ) = ½θᵀAθ written out
        expected = [0.5 * (path[t, 0] ** 2 + 4 * path[t, 1] ** 2) for t in marks]
        np.testing.assert_allclose(run.scores[:, i], expected, rtol=1e-14)


def test_train_without_a_score_keeps_no_scores():
    f = functions.quadratic(np.eye(2))
    run = tuning.train(f, np.ones((3, 2)), optlib.sgd(lr=0.1), 5)
    assert run.steps.shape == (0,) and run.scores.shape == (0, 3)
    np.testing.assert_allclose(run.params, np.full((3, 2), 0.9**5), rtol=1e-15)


def test_a_run_whose_parameters_overflow_is_nan_from_the_step_minimize_reports():
    """f = ½‖θ‖², so SGD multiplies θ by 1 − η each step. With η = 10¹⁶⁰ from θ₀ = 10⁻¹⁷⁰:
    ‖θ_1‖ ~ 10⁻¹⁰, ‖θ_2‖ ~ 10¹⁵⁰ (f ~ 10³⁰⁰, still finite), θ_3 ~ 10³¹⁰ overflows: both the
    parameters and the loss stop being finite at step 3, so train and minimize (without its
    max_loss test) must agree on it. The other rows are untouched."""
    f = functions.quadratic(np.eye(2))
    lr = np.array([0.1, 1e160, 0.5])
    x0 = np.array([[1.0, -2.0], [1e-170, 1e-170], [3.0, 4.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning (overflow, inf − inf) escapes
        run = tuning.train(f, x0, optlib.sgd(lr=lr), 6, score=f.value, every=1)
        alone = [
            optlib.minimize(f, x0[i], optlib.sgd(lr=float(lr[i])), 6, max_loss=math.inf)
            for i in range(3)
        ]
    assert alone[1].diverged_at == 3
    assert np.array_equal(run.diverged_at, [-1, 3, -1])
    assert np.all(np.isnan(run.params[1]))
    np.testing.assert_allclose(run.scores[1:3, 1], [1e-20, 1e300], rtol=1e-12)
    assert np.all(np.isnan(run.scores[3:, 1]))
    for i in (0, 2):
        assert alone[i].diverged_at is None
        assert np.array_equal(run.params[i], alone[i].params[-1])
        np.testing.assert_allclose(run.scores[:, i], alone[i].losses, rtol=1e-14)
        assert np.all(np.isfinite(run.scores[:, i]))


def test_diverged_at_is_the_step_the_parameters_overflow_derived_by_hand():
    """f = ½θ² (1-D) and η = 3: θ_t = (1 − 3)θ_{t−1} = (−2)^t exactly (powers of two), finite
    up to 2¹⁰²³ and inf at t = 1024 — where train marks it, not at step 21, where minimize's
    max_loss = 10¹² trips (½·4^21 > 10¹² > ½·4^20), nor at 512, where ½θ² overflows."""
    f = functions.quadratic(1.0)
    x0 = np.array([[1.0], [1.0], [-3.0]])
    lr = np.array([3.0, 1.0, 0.25])  # η = 1 lands on the minimum in one step; ¼: θ ← ¾θ
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = tuning.train(f, x0, optlib.sgd(lr=lr), 1100, score=f.value, every=512)
        reported = optlib.minimize(f, x0[0], optlib.sgd(lr=3.0), 1100).diverged_at
    assert np.array_equal(run.diverged_at, [1024, -1, -1])
    assert reported == 21  # a different test of divergence: the loss above max_loss
    assert np.array_equal(run.steps, [0, 512, 1024, 1100])
    # at step 512 θ = 2^512 is finite but ½θ² overflows: the score is inf, not NaN — the run has
    # not diverged by train's test yet
    assert run.scores[1, 0] == math.inf and np.all(np.isnan(run.scores[2:, 0]))
    assert run.params[1, 0] == 0.0
    np.testing.assert_allclose(run.params[2, 0], -3.0 * 0.75**1100, rtol=1e-12)


@pytest.mark.parametrize(
    ("steps", "every", "x0", "match"),
    [
        (-1, None, np.ones((2, 2)), "Invalid steps value: -1"),
        (2.5, None, np.ones((2, 2)), "Invalid steps value: 2.5"),
        (5, 0, np.ones((2, 2)), "Invalid every value: 0"),
        (5, 1.0, np.ones((2, 2)), "Invalid every value: 1.0"),
        (5, None, np.ones(2), r"x0 must have shape \(B, d\); got \(2,\)"),
    ],
)
def test_train_refuses_bad_arguments_naming_them(steps, every, x0, match):
    f = functions.quadratic(np.eye(2))
    with pytest.raises(ValueError, match=match):
        tuning.train(f, x0, optlib.sgd(lr=0.1), steps, score=f.value, every=every)


# --- The study's problems ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def problems() -> dict[str, Problem]:
    return tuning.study_problems()


def _images(score) -> tuple[np.ndarray, np.ndarray]:
    """The images and labels a data set's score is computed on (the model it is a method of)."""
    return score.__self__.X, score.__self__.y


def _softmax_by_hand(theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of softmax regression, θ = (W row-major 64×10, b)."""
    W, b = theta[:640].reshape(64, 10), theta[640:]
    z = X @ W + b
    top = z.max(axis=1, keepdims=True)
    log_sum = top[:, 0] + np.log(np.exp(z - top).sum(axis=1))
    return float(np.mean(log_sum - z[np.arange(len(y)), y])), float(np.mean(z.argmax(1) == y))


def test_the_study_has_four_problems_with_their_budgets(problems):
    assert list(problems) == ["quadratic", "Rosenbrock", "softmax", "MLP"]
    for name, problem in problems.items():
        assert problem.name == name
    budgets = {name: (p.steps, p.batch_size, p.tuning_seeds) for name, p in problems.items()}
    assert budgets == {
        "quadratic": (500, None, (0, 1)),
        "Rosenbrock": (1000, None, (0, 1)),
        "softmax": (300, 32, (0,)),
        "MLP": (300, 32, (0,)),
    }
    # 300 mini-batches of 32 from 1,011 images: 9.5 epochs, as the docstring says
    assert round(300 * 32 / 1011, 1) == 9.5
    assert not set(tuning.TEST_SEEDS) & {s for p in problems.values() for s in p.tuning_seeds}


def test_the_digit_splits_have_the_stated_sizes_and_share_no_image(problems):
    for name in ("softmax", "MLP"):
        problem = problems[name]
        parts = [
            (problem.objective.X, problem.objective.y),
            _images(problem.validation),
            _images(problem.test),
        ]
        assert [len(X) for X, _ in parts] == [1011, 337, 449]
        rows = [{tuple(row) for row in X} for X, _ in parts]
        assert [len(r) for r in rows] == [1011, 337, 449]  # the digits have no repeated image
        assert not (rows[0] & rows[1] or rows[0] & rows[2] or rows[1] & rows[2])
        # together they are the 1,797 digits, each image with its own label
        digits = data.digits(scale=True)
        label = {tuple(row): y for row, y in zip(digits.X, digits.y, strict=True)}
        assert len(label) == 1797 and len(rows[0] | rows[1] | rows[2]) == 1797
        for X, y in parts:
            assert all(label[tuple(row)] == c for row, c in zip(X, y, strict=True))


def test_the_quadratic_has_condition_number_1000_and_its_minimum_at_ones(problems):
    problem = problems["quadratic"]
    d = problem.start(0).size  # the dimension is the module's choice; κ and θ* are not
    f, ones = problem.objective, np.ones(d)
    eigenvalues = np.linalg.eigvalsh(f.A)
    assert len(eigenvalues) == d >= 2
    assert eigenvalues[-1] / eigenvalues[0] == pytest.approx(1000, rel=1e-9)
    assert eigenvalues[0] == pytest.approx(1.0, rel=1e-9)
    # rotated: A is not diagonal, so the axes are not its eigenvectors
    assert np.max(np.abs(f.A - np.diag(np.diag(f.A)))) > 1.0
    assert np.max(np.abs(f.grad(ones))) < 1e-10
    # the score: log10 of the gap to the minimum, floored at FLOOR
    assert problem.validation(ones[None])[0] == math.log10(tuning.FLOOR) == -10
    # off by 10⁻⁸ in every coordinate the gap is at most ½·10⁻¹⁶·1000·d, below the floor
    assert problem.validation(ones[None] + 1e-8)[0] == -10
    theta = problem.start(0)[None]
    gap = f.value(theta) - f.value(ones[None])
    assert problem.test(theta)[0] == pytest.approx(math.log10(gap[0]), rel=1e-12)
    assert gap[0] > 10  # the start is far from solved
    # starts N(0, I): seeded, one per seed
    assert np.array_equal(problem.start(3), problem.start(3))
    assert not np.allclose(problem.start(0), problem.start(1))


def test_rosenbrock_is_scored_by_its_floored_gap(problems):
    problem = problems["Rosenbrock"]
    points = np.array([[1.0, 1.0], [-1.2, 1.0], [1.0 + 1e-6, 1.0 + 2e-6]])
    # (1 − x)² + 100(y − x²)²: 0 at (1, 1); 4.84 + 100·0.44² = 24.2 at (−1.2, 1); about 1e-12
    # (below the floor) just off the minimum along the valley y = x²
    np.testing.assert_allclose(problem.validation(points), [-10, math.log10(24.2), -10], rtol=1e-14)
    starts = np.array([problem.start(seed) for seed in range(20)])
    assert np.all(np.abs(starts - [-1.2, 1.0]) < 0.5)
    assert 0.05 < np.std(starts - [-1.2, 1.0]) < 0.2  # N(0, 0.1²) jitter


def test_the_models_have_650_and_1210_parameters(problems):
    # softmax: 64·10 weights + 10 biases; MLP: 64·16 + 16 + 16·10 + 10
    for name, dim in (("softmax", 650), ("MLP", 1210)):
        problem = problems[name]
        assert problem.start(0).shape == (dim,)
        assert problem.objective.dim == dim
        assert problem.objective.grad(problem.start(0)[None], idx=np.arange(32)).shape == (1, dim)


def test_the_data_scores_are_cross_entropy_and_accuracy_on_their_images(problems):
    problem = problems["softmax"]
    theta = np.stack([problem.start(0), 0.1 * np.arange(650) % 1.0 - 0.5])
    for score in (problem.validation, problem.test):
        X, y = _images(score)
        expected = [_softmax_by_hand(t, X, y)[0] for t in theta]
        np.testing.assert_allclose(score(theta), expected, rtol=1e-12)
    X, y = _images(problem.test)
    np.testing.assert_allclose(
        problem.accuracy(theta), [_softmax_by_hand(t, X, y)[1] for t in theta], rtol=1e-15
    )


def test_the_accuracy_of_a_diverged_row_is_nan(problems):
    for name in ("softmax", "MLP"):
        problem = problems[name]
        theta = np.stack([problem.start(0), np.full_like(problem.start(0), np.nan)])
        theta[1, 0] = np.inf
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            accuracy = problem.accuracy(theta)
        assert 0 <= accuracy[0] <= 1 and np.isnan(accuracy[1])


# --- The protocol: _runs, search, best_of_groups, retest ---------------------------------------


@pytest.mark.parametrize("name", ["quadratic", "Rosenbrock"])
def test_full_batch_seeds_stacked_in_one_batch_score_as_each_seed_alone(problems, name):
    problem = problems[name]._replace(steps=80)
    settings = {"lr": np.array([1e-4, 5e-4, 1e-3]), "momentum": np.array([0.0, 0.5, 0.9])}
    seeds = (0, 1, 2)
    steps, scores, params = tuning._runs(
        problem, optlib.sgd, settings, seeds, problem.validation, every=40
    )
    assert np.array_equal(steps, [0, 40, 80])
    assert scores.shape == (3, 3, 3) and params.shape == (3, 3, problem.start(0).size)
    for j, seed in enumerate(seeds):
        alone = tuning.train(
            problem.objective,
            np.tile(problem.start(seed), (3, 1)),
            optlib.sgd(**settings),
            80,
            score=problem.validation,
            every=40,
        )
        np.testing.assert_allclose(scores[:, j], alone.scores, rtol=1e-12)
        for i in range(3):
            path = optlib.minimize(
                problem.objective, problem.start(seed), optlib.sgd(**_row(settings, i)), 80
            )
            np.testing.assert_allclose(params[j, i], path.params[-1], rtol=1e-12, atol=1e-15)
            assert scores[-1, j, i] == pytest.approx(
                problem.validation(path.params[-1:])[0], rel=1e-12
            )


def _separate_runs(problem, make, settings, seeds):
    """Each setting alone from each seed, as optlib.minimize runs it (the reference of a batch):
    yields (seed's index, setting's index, path)."""
    for j, seed in enumerate(seeds):
        for i in range(len(next(iter(settings.values())))):
            path = optlib.minimize(
                problem.objective,
                problem.start(seed),
                make(**_row(settings, i)),
                problem.steps,
                batch_size=problem.batch_size,
                seed=seed,
            )
            yield j, i, path


def test_mini_batch_seeds_run_each_with_its_own_start_and_batches(problems):
    problem = problems["softmax"]._replace(steps=12)
    settings = {"lr": np.array([0.1, 0.5]), "momentum": np.array([0.0, 0.9])}
    seeds = (0, 3)
    _, scores, params = tuning._runs(problem, optlib.sgd, settings, seeds, problem.test)
    X, y = _images(problem.test)
    for j, i, path in _separate_runs(problem, optlib.sgd, settings, seeds):
        np.testing.assert_allclose(params[j, i], path.params[-1], rtol=1e-12, atol=1e-15)
        expected = _softmax_by_hand(path.params[-1], X, y)[0]
        assert scores[-1, j, i] == pytest.approx(expected, rel=1e-12)


def _two_starts() -> Problem:
    """f = ½(θ₁² + 100θ₂²) from the minimum (seed 0: never moves, never diverges) or from
    (1, −1) (seed 1: SGD diverges there for η > 2/100, and overflows within 120 steps once
    |1 − 100η|¹²⁰ > 10³⁰⁸, η > 3.7)."""
    f = functions.quadratic(np.diag([1.0, 100.0]))
    starts = {0: np.zeros(2), 1: np.array([1.0, -1.0])}
    return Problem("two starts", f, starts.__getitem__, 120, None, f.value, f.value, None, (0, 1))


def _validation_by_minimize(problem: Problem, make, setting: dict[str, float]) -> float:
    """A trial's score by the definition: the mean over the tuning seeds of the final validation
    score, inf if any of its runs diverged."""
    finals = []
    for seed in problem.tuning_seeds:
        path = optlib.minimize(
            problem.objective,
            problem.start(seed),
            make(**setting),
            problem.steps,
            max_loss=math.inf,  # diverged: the loss or the parameters stopped being finite
        )
        if path.diverged_at is not None:
            return math.inf
        finals.append(problem.validation(path.params[-1:])[0])
    return float(np.mean(finals))


def test_search_scores_the_mean_over_tuning_seeds_and_inf_where_a_run_diverged():
    problem = _two_starts()
    space = {"lr": LogUniform(1e-3, 1e3)}
    found = tuning.search(problem, optlib.sgd, space, 12, seed=4)
    drawn = tuning.random_search(space, 12, seed=4)
    assert np.array_equal(found.settings["lr"], drawn["lr"])
    expected = [_validation_by_minimize(problem, optlib.sgd, _row(drawn, i)) for i in range(12)]
    np.testing.assert_allclose(found.scores, expected, rtol=1e-12)
    # From (1, −1) after 120 steps f = ½ + 50|1 − 100η|²⁴⁰ (the steep axis dominates). The draw
    # has stable trials (η < 0.02), unstable ones with a huge but finite loss, ones whose loss
    # overflows (50 r²⁴⁰ > 1.8·10³⁰⁸ once r = |1 − 100η| > 18.9, η > 0.199) while the parameters
    # stay finite, and ones whose parameters overflow (η > 3.7): the last two score inf.
    lr = drawn["lr"]
    stable, huge, loss_overflows, params_overflow = (
        lr < 0.02,
        (lr > 0.02) & (lr < 0.199),
        (lr > 0.199) & (lr < 3.7),
        lr > 3.7,
    )
    assert stable.any() and huge.any() and loss_overflows.any() and params_overflow.any()
    assert np.all(np.isfinite(found.scores[stable | huge]))
    assert np.all(found.scores[huge] > 1e200)
    assert np.all(found.scores[loss_overflows | params_overflow] == math.inf)
    # from seed 0 alone (the minimum) nothing diverges: the inf came from the other seed
    alone = tuning.search(problem._replace(tuning_seeds=(0,)), optlib.sgd, space, 12, seed=4)
    assert np.array_equal(alone.scores, np.zeros(12))


def test_search_on_the_study_quadratic_averages_its_two_starts(problems):
    problem = problems["quadratic"]._replace(steps=50)
    adam = tuning.contestants()["Adam"]
    found = tuning.search(problem, adam.make, adam.space, 6, seed=2)
    for i in range(6):
        setting = _row(found.settings, i)
        assert found.scores[i] == pytest.approx(
            _validation_by_minimize(problem, adam.make, setting), rel=1e-12
        )


def _best_of_groups_by_hand(scores: list[float], k: int) -> list[int]:
    scores = [math.inf if math.isnan(s) else s for s in scores]  # diverged: never the best
    chosen = []
    for start in range(0, len(scores) - k + 1, k):
        best = start
        for i in range(start + 1, start + k):
            if scores[i] < scores[best]:  # strictly better: a tie keeps the first
                best = i
        chosen.append(best)
    return chosen


@pytest.mark.parametrize(
    "scores",
    [
        [3.0, 1.0, 2.0, 1.0, 1.0, 5.0, 0.5, 0.5, math.inf, 2.0, 2.0],
        [math.inf, math.inf, 4.0, math.inf, -1.0, -1.0, 7.0],
        [2.0, 2.0, 2.0, 2.0, 2.0, 2.0],
        [math.nan, 3.0, math.inf, math.nan, 1.0, math.nan, math.nan, math.inf, 0.0],
    ],
)
def test_best_of_groups_is_the_first_best_of_each_whole_group(scores):
    for k in range(1, len(scores) + 1):
        chosen = tuning.best_of_groups(np.array(scores), k)
        assert chosen.tolist() == _best_of_groups_by_hand(scores, k), k
    # a NaN (a diverged trial) is a failure like inf: never chosen over a finite score
    assert tuning.best_of_groups(np.array([math.nan, 5.0, math.nan]), 3).tolist() == [1]
    assert tuning.best_of_groups(np.array([math.nan, math.nan]), 2).tolist() == [0]


@pytest.mark.parametrize("k", [0, -1, 7, 2.0, True])
def test_best_of_groups_refuses_a_bad_k_naming_it(k):
    with pytest.raises(ValueError, match=f"Invalid k value: {k}"):
        tuning.best_of_groups(np.arange(6.0), k)


def test_retest_runs_the_chosen_settings_from_fresh_seeds_on_test(problems):
    problem = problems["softmax"]._replace(steps=12)
    adam = tuning.contestants()["Adam"]
    settings = {
        "lr": np.array([1e-2, 1e-1]),
        "beta1": np.array([0.9, 0.5]),
        "beta2": np.array([0.999, 0.99]),
        "eps": np.array([1e-8, 1e-3]),
    }
    seeds = (100, 101)
    result = tuning.retest(problem, adam.make, settings, seeds, every=6)
    assert np.array_equal(result.steps, [0, 6, 12])
    assert result.scores.shape == (3, 2, 2) and result.accuracy.shape == (2, 2)
    X, y = _images(problem.test)
    for j, i, path in _separate_runs(problem, adam.make, settings, seeds):
        for mark, t in enumerate((0, 6, 12)):
            loss, _ = _softmax_by_hand(path.params[t], X, y)
            assert result.scores[mark, j, i] == pytest.approx(loss, rel=1e-12)
        _, accuracy = _softmax_by_hand(path.params[-1], X, y)
        assert result.accuracy[j, i] == pytest.approx(accuracy, rel=1e-15)
    # a test function has no accuracy
    bowl = problems["quadratic"]._replace(steps=5)
    assert tuning.retest(bowl, optlib.sgd, {"lr": np.array([1e-3])}).accuracy is None


# --- contestants --------------------------------------------------------------------------------

NINE = ["SGD", "Momentum", "NAG", "AdaGrad", "RMSProp", "Adam", "AMSGrad", "AdamW", "RAdam"]


def test_there_are_nine_contestants_searched_on_the_stated_ranges():
    field = tuning.contestants()
    assert list(field) == NINE
    # the docstring's ranges, written out
    lr, mu = LogUniform(1e-5, 10.0), OneMinusLogUniform(1e-3, 1.0)
    eps, beta2 = LogUniform(1e-10, 1.0), OneMinusLogUniform(1e-4, 1e-1)
    adam = {"lr": lr, "beta1": mu, "beta2": beta2, "eps": eps}
    stated = {
        "SGD": {"lr": lr},
        "Momentum": {"lr": lr, "momentum": mu},
        "NAG": {"lr": lr, "momentum": mu},
        "AdaGrad": {"lr": lr, "eps": eps},
        "RMSProp": {"lr": lr, "alpha": OneMinusLogUniform(1e-3, 0.5), "eps": eps},
        "Adam": adam,
        "AMSGrad": adam,
        "AdamW": {**adam, "weight_decay": LogUniform(1e-4, 1.0)},
        "RAdam": adam,
    }
    assert _typed({name: c.space for name, c in field.items()}) == _typed(stated)


def _typed(spaces):
    """NamedTuples compare as tuples (LogUniform(a, b) == OneMinusLogUniform(a, b)): the kind of
    each range is compared too."""
    return {
        name: {key: (type(r).__name__, tuple(r)) for key, r in space.items()}
        for name, space in spaces.items()
    }


def _by_torch_names(name: str, setting: dict[str, float]) -> optlib.Optimizer:
    """The contestant ``name`` at ``setting``, built here with PyTorch's names and defaults."""
    s = dict(setting)
    if "beta1" in s:
        s["betas"] = (s.pop("beta1"), s.pop("beta2"))
    rules = {
        "SGD": optlib.sgd,
        "Momentum": optlib.sgd,
        "NAG": lambda **kw: optlib.sgd(nesterov=True, **kw),
        "AdaGrad": optlib.adagrad,
        "RMSProp": optlib.rmsprop,
        "Adam": optlib.adam,
        "AMSGrad": lambda **kw: optlib.adam(amsgrad=True, **kw),
        "AdamW": optlib.adamw,
        "RAdam": optlib.radam,
    }
    return rules[name](**s)


def test_every_space_is_accepted_by_its_make():
    for name, contestant in tuning.contestants().items():
        draws = tuning.random_search(contestant.space, 200, seed=9)
        for i in range(200):
            assert isinstance(contestant.make(**_row(draws, i)), optlib.Optimizer), (name, i)
        assert isinstance(contestant.make(**draws), optlib.Optimizer), name


@pytest.mark.parametrize("name", NINE)
def test_a_contestant_batched_is_its_settings_run_alone(name):
    """Two settings drawn from the space (the rate set to two stable values on a bowl of
    curvatures 1 and 10), run as one batch: each row is that setting's scalar run, which is
    the rule built with PyTorch's names."""
    contestant = tuning.contestants()[name]
    settings = tuning.random_search(contestant.space, 2, seed=NINE.index(name))
    settings["lr"] = np.array([0.01, 0.05])
    f = functions.quadratic(np.diag([1.0, 10.0]), np.array([1.0, -2.0]))
    x0 = np.array([[2.0, 1.0], [-1.0, 3.0]])
    run = tuning.train(f, x0, contestant.make(**settings), 40, score=f.value)
    assert np.array_equal(run.diverged_at, [-1, -1])
    for i in range(2):
        alone = optlib.minimize(f, x0[i], _by_torch_names(name, _row(settings, i)), 40)
        np.testing.assert_allclose(run.params[i], alone.params[-1], rtol=1e-13, atol=1e-15)


def test_the_variants_are_not_their_base_rule():
    """AMSGrad, NAG and AdamW differ from Adam, Momentum and Adam at the same setting (so a
    contestant that dropped its flag would fail the test above's mapping)."""
    field = tuning.contestants()
    f = functions.quadratic(np.diag([1.0, 10.0]), np.array([1.0, -2.0]))
    x0 = np.array([2.0, 1.0])
    adam = {"lr": 0.05, "beta1": 0.9, "beta2": 0.9, "eps": 1e-8}
    pairs = [
        ("AMSGrad", "Adam", adam),
        ("AdamW", "Adam", {**adam, "weight_decay": 0.1}),
        ("NAG", "Momentum", {"lr": 0.01, "momentum": 0.9}),
        ("Momentum", "SGD", {"lr": 0.01, "momentum": 0.9}),
    ]
    for variant, base, setting in pairs:
        base_setting = {k: v for k, v in setting.items() if k in field[base].space}
        one = optlib.minimize(f, x0, field[variant].make(**setting), 40).params[-1]
        other = optlib.minimize(f, x0, field[base].make(**base_setting), 40).params[-1]
        assert not np.allclose(one, other, rtol=1e-6), (variant, base)


# --- chance_of_reaching and best_of_k against every k-subset ------------------------------------

POOLS = [
    [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0],  # ties
    [2.0, math.nan, 2.0, math.inf, 0.5, math.nan, 7.0],  # ties, diverged (NaN) and inf
    [math.nan, math.nan, math.inf],  # nothing finite
    [1.5],
]


def _subsets(pool: list[float], k: int) -> list[tuple[float, ...]]:
    return list(itertools.combinations(pool, k))


def _chance_by_enumeration(pool: list[float], k: int, target: float) -> float:
    searches = _subsets(pool, k)
    # a diverged trial (NaN, or inf as search scores it) never reaches, not even target = inf
    reach = [any(math.isfinite(s) and s <= target for s in search) for search in searches]
    return sum(reach) / len(searches)


def _best_of_k_by_enumeration(pool: list[float], k: int, q: float) -> float:
    """The lowest best score that at least a share q of the k-subsets reach (NaN: never)."""
    bests = sorted(
        min(math.inf if math.isnan(s) else s for s in search) for search in _subsets(pool, k)
    )
    return next(b for b in bests if sum(x <= b for x in bests) / len(bests) >= q)


@pytest.mark.parametrize("pool", POOLS)
def test_chance_of_reaching_is_the_share_of_k_subsets_that_reach(pool):
    targets = sorted({*[s for s in pool if not math.isnan(s)], -1.0, 1.2, 2.5, 100.0, math.inf})
    for k in range(1, len(pool) + 1):
        for target in targets:
            expected = _chance_by_enumeration(pool, k, target)
            got = tuning.chance_of_reaching(np.array(pool), k, target)
            assert got == pytest.approx(expected, rel=1e-12, abs=1e-15), (k, target)


@pytest.mark.parametrize("pool", POOLS)
def test_best_of_k_is_the_quantile_of_the_best_over_k_subsets(pool):
    for k in range(1, len(pool) + 1):
        for q in (0.05, 0.25, 0.5, 0.6, 0.75, 0.9, 0.99):
            expected = _best_of_k_by_enumeration(pool, k, q)
            assert tuning.best_of_k(np.array(pool), k, q) == expected, (k, q)


def test_the_edges_of_a_search_by_hand():
    pool = np.array([3.0, 1.0, 4.0, 1.0, 5.0, math.nan])
    # k = 1: one trial, the share of the pool that reaches; the q-quantile of the pool
    assert tuning.chance_of_reaching(pool, 1, 1.0) == pytest.approx(2 / 6)
    assert tuning.chance_of_reaching(pool, 1, 3.0) == pytest.approx(3 / 6)
    assert tuning.best_of_k(pool, 1, 0.5) == 3.0  # sorted 1, 1, 3, 4, 5, inf: 3/6 at 3
    assert tuning.best_of_k(pool, 1, 0.9) == math.inf  # a NaN trial is a failure
    # k = N: the whole pool, its best, certainly
    assert tuning.chance_of_reaching(pool, 6, 1.0) == 1.0
    assert tuning.chance_of_reaching(pool, 6, 0.5) == 0.0
    assert tuning.best_of_k(pool, 6, 0.99) == 1.0
    assert tuning.best_of_k(np.array([math.nan, math.nan]), 2, 0.5) == math.inf
    # failures reach nothing, not even an infinite target
    assert tuning.chance_of_reaching(np.array([math.inf, math.nan]), 2, math.inf) == 0.0
    # k = 2 of 4 with one success: 1 − C(3, 2)/C(4, 2) = 1 − 3/6
    assert tuning.chance_of_reaching(np.array([0.0, 9.0, 9.0, 9.0]), 2, 1.0) == 0.5


def test_a_pool_of_any_shape_is_its_values():
    """A study's scores come as (seeds, trials) arrays; the pool is their values, whatever the
    shape — a list, a column, a matrix — as chance_of_reaching already takes it."""
    values = [3.0, 1.0, math.nan, 4.0, 1.0, 5.0]
    for pool in (values, np.array(values).reshape(6, 1), np.array(values).reshape(2, 3)):
        for k in (1, 2, 6):
            assert tuning.chance_of_reaching(pool, k, 1.0) == pytest.approx(
                _chance_by_enumeration(values, k, 1.0)
            )
            assert tuning.best_of_k(pool, k, 0.5) == _best_of_k_by_enumeration(values, k, 0.5)


@pytest.mark.parametrize("k", [0, 7, -1, 1.0, True])
def test_a_search_larger_than_the_pool_or_not_whole_is_refused(k):
    pool = np.arange(6.0)
    with pytest.raises(ValueError, match=f"Invalid k value: {k}"):
        tuning.chance_of_reaching(pool, k, 1.0)
    with pytest.raises(ValueError, match=f"Invalid k value: {k}"):
        tuning.best_of_k(pool, k)


@pytest.mark.parametrize("q", [0, 1, 1.5, -0.1, math.nan, "0.5", True])
def test_best_of_k_refuses_a_bad_q_naming_it(q):
    with pytest.raises(ValueError, match=re.escape(f"Invalid q value: {q!r} (must be in (0, 1))")):
        tuning.best_of_k(np.arange(6.0), 2, q)


# --- Student's t ---------------------------------------------------------------------------------

DFS = (1, 2, 3, 4, 5, 7, 10, 30, 100, 1000)
PS = (0.001, 0.025, 0.1, 0.4, 0.6, 0.75, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999)


@pytest.mark.parametrize("df", DFS)
def test_t_quantile_is_scipys(df):
    for p in PS:
        assert tuning.t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-9), p
    assert abs(tuning.t_quantile(0.5, df)) < 1e-9
    # symmetric: t_{1−p} = −t_p
    assert tuning.t_quantile(0.1, df) == -tuning.t_quantile(0.9, df)


def test_t_quantile_far_in_the_tail():
    """p is accepted anywhere in (0, 1); with ν = 1 the quantile is tan(π(p − ½)) (Cauchy), so an
    interval of two values at level 0.9998 needs t at p = 0.9999: 3183.1."""
    for p in (0.9995, 0.9999, 0.99999):
        assert tuning.t_quantile(p, 1) == pytest.approx(math.tan(math.pi * (p - 0.5)), rel=1e-9)
        for df in (2, 3, 5):
            assert tuning.t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-9)


@pytest.mark.parametrize("p", [0, 1, -0.5, 1.5, math.nan, math.inf, "0.9", None, True])
def test_t_quantile_refuses_a_bad_p_naming_it(p):
    with pytest.raises(ValueError, match=re.escape(f"Invalid p value: {p!r}")):
        tuning.t_quantile(p, 3)


@pytest.mark.parametrize("df", [0, -2, 2.5, "3", None])
def test_t_quantile_refuses_a_bad_df_naming_it(df):
    with pytest.raises(ValueError, match=re.escape(f"Invalid df value: {df!r}")):
        tuning.t_quantile(0.975, df)


def test_t_quantile_refuses_a_bad_df_even_after_a_good_one():
    """A check that runs only on some calls is no check: 3.0 and True are refused although
    3 and 1, which compare equal to them, were asked for first (a cache keyed on == would
    hand back their quantiles)."""
    tuning.t_quantile(0.975, 3)
    tuning.t_quantile(0.9, 1)
    with pytest.raises(ValueError, match=r"Invalid df value: 3\.0"):
        tuning.t_quantile(0.975, 3.0)
    with pytest.raises(ValueError, match=r"Invalid df value: 3\.0"):
        tuning.t_quantile(0.975, np.float64(3))
    with pytest.raises(ValueError, match="Invalid df value: True"):
        tuning.t_quantile(0.9, True)


@pytest.mark.parametrize("n", [2, 3, 5, 20])
def test_mean_interval_is_scipys_t_interval(n):
    values = np.random.default_rng(n).normal(3.0, 2.0, n)
    for level in (0.5, 0.8, 0.9, 0.95, 0.99):
        low, high = stats.t.interval(level, n - 1, loc=np.mean(values), scale=stats.sem(values))
        mean, half = tuning.mean_interval(values, level)
        assert mean == pytest.approx((low + high) / 2, rel=1e-14)
        assert half == pytest.approx((high - low) / 2, rel=1e-9)
    # the default level is 95 %
    assert tuning.mean_interval(values) == tuning.mean_interval(values, 0.95)


def test_mean_interval_of_values_that_are_not_finite_is_infinite():
    for bad in (math.nan, math.inf, -math.inf):
        assert tuning.mean_interval(np.array([1.0, 2.0, bad, 4.0])) == (math.inf, math.inf)
    # equal values: no spread, a zero half-width
    assert tuning.mean_interval(np.array([2.5, 2.5, 2.5])) == (2.5, 0.0)


@pytest.mark.parametrize("level", [0, 1, 95, -0.1, math.nan, "0.95", None])
def test_mean_interval_refuses_a_bad_level_naming_it(level):
    with pytest.raises(ValueError, match=re.escape(f"Invalid level value: {level!r}")):
        tuning.mean_interval(np.arange(5.0), level)


@pytest.mark.parametrize("values", [[], [1.0], np.array([[3.0]])])
def test_an_interval_needs_two_values(values):
    with pytest.raises(ValueError, match=f"at least 2 values, got {np.size(values)}"):
        tuning.mean_interval(values)


# --- Performance profiles -----------------------------------------------------------------------


def test_a_performance_profile_worked_by_hand():
    costs = np.array(
        [
            [1.0, 2.0, 4.0],  # best 1: ratios 1, 2, 4
            [3.0, 3.0, math.inf],  # best 3: ratios 1, 1, inf (solver 2 failed)
            [10.0, 5.0, 20.0],  # best 5: ratios 2, 1, 4
        ]
    )
    taus = np.array([1.0, 1.5, 2.0, 3.9, 4.0, 1e300, math.inf])
    # ρ_s(τ) = share of the 3 problems with ratio ≤ τ:
    #   solver 0, ratios (1, 1, 2): 2/3 at τ = 1 and 1.5, 1 from τ = 2 on (≤, not <)
    #   solver 1, ratios (2, 1, 1): the same
    #   solver 2, ratios (4, inf, 4): 0 below τ = 4, 2/3 from 4 on — the failure never
    #   counts, not even at τ = ∞
    expected = np.array(
        [
            [2 / 3, 2 / 3, 1, 1, 1, 1, 1],
            [2 / 3, 2 / 3, 1, 1, 1, 1, 1],
            [0, 0, 0, 0, 2 / 3, 2 / 3, 2 / 3],
        ]
    )
    np.testing.assert_allclose(tuning.performance_profile(costs, taus), expected, rtol=1e-15)


def test_a_profile_is_a_share_of_problems_that_never_falls():
    rng = np.random.default_rng(0)
    costs = np.exp(rng.standard_normal((30, 4)))
    costs[rng.random((30, 4)) < 0.2] = math.inf
    costs[:, 0] = np.minimum(costs[:, 0], 100.0)  # one solver never fails: every problem solved
    taus = np.geomspace(1, 1e6, 50)
    rho = tuning.performance_profile(costs, taus)
    assert rho.shape == (4, 50)
    assert np.all(np.diff(rho, axis=1) >= 0)
    # at τ = 1 the shares of wins add up to 1 when there are no ties; at large τ each solver
    # reaches the share of problems it solved
    np.testing.assert_allclose(rho[:, 0].sum(), 1.0)
    np.testing.assert_allclose(rho[:, -1], np.mean(np.isfinite(costs), axis=0))


@pytest.mark.parametrize(
    ("costs", "match"),
    [
        ([[1.0, 0.0]], "positive numbers or inf"),
        ([[1.0, -2.0]], "positive numbers or inf"),
        ([[1.0, math.nan]], "positive numbers or inf"),
        ([[1.0, -math.inf]], "positive numbers or inf"),
        ([1.0, 2.0], r"a \(problems, solvers\) array"),
        ([[1.0, 2.0], [math.inf, math.inf]], "every problem needs a finite cost"),
    ],
)
def test_a_profile_refuses_bad_costs(costs, match):
    with pytest.raises(ValueError, match=match):
        tuning.performance_profile(np.array(costs), np.array([1.0, 2.0]))


# --- Time to target ------------------------------------------------------------------------------


def test_time_to_target_by_hand():
    steps = np.array([0, 10, 20, 30, 40])
    curve = np.array([5.0, 3.0, math.nan, 1.0, 0.5])
    assert tuning.time_to_target(steps, curve, 3.0) == 10.0  # at or below: 3 ≤ 3
    assert tuning.time_to_target(steps, curve, 2.0) == 30.0  # a NaN (diverged) never reaches
    assert tuning.time_to_target(steps, curve, 0.5) == 40.0
    assert tuning.time_to_target(steps, curve, 9.0) == 0.0
    assert tuning.time_to_target(steps, curve, 0.1) == math.inf  # never reached
    assert tuning.time_to_target(steps, np.full(5, math.nan), 1e9) == math.inf
    assert isinstance(tuning.time_to_target(steps, curve, 3.0), float)


# --- The learning-rate range test ----------------------------------------------------------------


def _range_test_by_hand(loss, grad, x0, lrs, smoothing=0.98, stop_factor=4.0):
    """The finder as a plain loop: the loss before each step, its bias-corrected exponential
    average, a stop once that exceeds stop_factor × its lowest (or is not finite)."""
    x, average, lowest, smoothed_losses = np.array(x0, dtype=float), 0.0, math.inf, []
    with np.errstate(over="ignore", invalid="ignore"):
        for t, lr in enumerate(lrs):
            value = float(loss(x, t))
            x = x - lr * grad(x, t)
            average = smoothing * average + (1 - smoothing) * value
            smoothed = average / (1 - smoothing ** (t + 1))
            if not math.isfinite(smoothed) or smoothed > stop_factor * lowest:
                break
            smoothed_losses.append(smoothed)
            lowest = min(lowest, smoothed)
    return np.array(smoothed_losses)


def _sgd(schedule):
    return optlib.sgd(lr=schedule)


def test_the_range_test_stops_after_the_rate_passes_2_over_l():
    """f = ½(θ₁² + 10θ₂²), plain SGD: θ_i ← (1 − ηλ_i)θ_i shrinks both coordinates while
    η ≤ 2/L = 2/10 = 0.2, so the loss cannot rise and the smoothed loss (an average of
    non-increasing values, ever more weight on the newest) cannot exceed its lowest. Past 0.2
    the steep coordinate grows by |1 − 10η| > 1 each step (×99 at η = 10): the test must stop,
    and only after a step taken at a rate above 0.2."""
    A = np.diag([1.0, 10.0])
    f = functions.quadratic(A)
    x0 = np.array([1.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = tuning.range_test(f, x0, _sgd, 1e-4, 10.0, 100)
    lrs = 1e-4 * (1e5) ** (np.arange(100) / 99)  # geometric from low to high, written out
    np.testing.assert_allclose(result.lrs, lrs, rtol=1e-13)
    stop = int(np.argmax(np.isnan(result.losses)))  # the first step not recorded
    assert 0 < stop < 100 and np.all(np.isnan(result.losses[stop:]))
    assert np.all(np.isfinite(result.losses[:stop]))
    assert result.lrs[stop - 1] > 0.2  # the losses it saw came from steps up to lrs[stop − 1]
    assert np.all(np.diff(result.losses[: np.searchsorted(lrs, 0.2)]) <= 0)
    expected = _range_test_by_hand(lambda x, t: 0.5 * x @ A @ x, lambda x, t: A @ x, x0, lrs)
    assert len(expected) == stop
    np.testing.assert_allclose(result.losses[:stop], expected, rtol=1e-12)
    assert result.suggestion == pytest.approx(lrs[np.argmin(expected)] / 10, rel=1e-13)
    assert result.suggestion < 0.2


def test_the_range_test_stops_on_a_rise_by_the_stop_factor():
    """A 1-D parabola with L = 1 and rates from 0.01 to 100: past η = 2 the loss grows by
    (1 − η)² per step, and the test stops once the smoothed loss is more than stop_factor × its
    lowest — a larger factor runs longer. (The average remembers the early losses, so the raw
    loss must climb far above them first: the stop comes well after η = 2.)"""
    f = functions.quadratic(1.0)
    x0 = np.array([1.0])
    lrs = 1e-2 * 1e4 ** (np.arange(60) / 59)
    stops = []
    for factor in (1.5, 1e3, 1e8):
        result = tuning.range_test(f, x0, _sgd, 1e-2, 100.0, 60, stop_factor=factor)
        expected = _range_test_by_hand(
            lambda x, t: 0.5 * x @ x, lambda x, t: x, x0, lrs, stop_factor=factor
        )
        stop = len(expected)
        assert stop < 60
        np.testing.assert_allclose(result.losses[:stop], expected, rtol=1e-12)
        assert np.all(np.isnan(result.losses[stop:]))
        assert lrs[stop - 1] > 2.0
        assert result.suggestion == pytest.approx(lrs[np.argmin(expected)] / 10, rel=1e-13)
        stops.append(stop)
    assert stops[0] <= stops[1] <= stops[2] and stops[0] < stops[2]


def test_the_mini_batch_range_test_is_the_loss_of_each_steps_batch_and_set_by_its_seed():
    model = _small_classifier()
    x0 = model.init_params(0)
    run = tuning.range_test(model, x0, _sgd, 1e-3, 30.0, 40, batch_size=8, seed=2)
    again = tuning.range_test(model, x0, _sgd, 1e-3, 30.0, 40, batch_size=8, seed=2)
    other = tuning.range_test(model, x0, _sgd, 1e-3, 30.0, 40, batch_size=8, seed=3)
    np.testing.assert_array_equal(run.losses, again.losses)
    assert run.suggestion == again.suggestion
    assert not np.allclose(run.losses[:5], other.losses[:5])
    # the batches by hand: each epoch a fresh permutation of the 60 rows, cut into 8 + … + 4
    rng, batches = np.random.default_rng(2), []
    while len(batches) < 40:
        order = rng.permutation(60)
        batches += [order[i : i + 8] for i in range(0, 60, 8)]
    expected = _range_test_by_hand(
        lambda x, t: model.value(x, idx=batches[t]),
        lambda x, t: model.grad(x, idx=batches[t]),
        x0,
        run.lrs,
    )
    stop = len(expected)
    np.testing.assert_allclose(run.losses[:stop], expected, rtol=1e-12)
    assert np.all(np.isnan(run.losses[stop:]))
    assert run.suggestion == pytest.approx(run.lrs[np.argmin(expected)] / 10, rel=1e-14)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"steps": 1}, "Invalid steps value: 1"),
        ({"steps": 10.0}, "Invalid steps value: 10.0"),
        ({"low": 0.0}, "Invalid low value: 0.0"),
        ({"low": -1e-3}, "Invalid low value: -0.001"),
        ({"high": 0.0}, "Invalid high value: 0.0"),
        ({"low": 1.0, "high": 1.0}, r"Invalid high value: 1.0 \(must exceed low = 1.0\)"),
        ({"low": 2.0, "high": 1.0}, r"Invalid high value: 1.0 \(must exceed low = 2.0\)"),
    ],
)
def test_the_range_test_refuses_bad_arguments_naming_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tuning.range_test(functions.quadratic(1.0), np.array([1.0]), _sgd, **kwargs)


@pytest.mark.parametrize("trials", [0, -1, 2.5, True])
def test_search_names_a_bad_number_of_trials(problems, trials):
    sgd = tuning.contestants()["SGD"]
    with pytest.raises(ValueError, match=f"Invalid trials value: {trials}"):
        tuning.search(problems["quadratic"], sgd.make, sgd.space, trials)
