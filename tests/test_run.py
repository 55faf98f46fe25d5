"""The runner: full-batch, stochastic and mini-batch runs, divergence, batching, seeding; the
open-loop driver; the evaluation counter and the recorder that the other methods share."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import optlib
from optlib import functions, models
from optlib.gradcheck import relative_error
from optlib.run import BudgetSpentError, Counted, Recorder, follow


class LeastSquares:
    """A finite sum written out here, independent of optlib.models: ℓ_i(θ) = (x_iᵀθ − y_i)²."""

    def __init__(self, n: int = 10, d: int = 3, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.X, self.y = rng.standard_normal((n, d)), rng.standard_normal(n)
        self.n_samples, self.seen = n, []

    def value(self, theta, idx=None):
        rows = slice(None) if idx is None else idx
        residual = theta @ self.X[rows].T - self.y[rows]
        return np.mean(residual**2, axis=-1)

    def grad(self, theta, idx=None):
        rows = np.arange(self.n_samples) if idx is None else np.asarray(idx)
        self.seen.append(rows)
        residual = theta @ self.X[rows].T - self.y[rows]
        return 2 * residual @ self.X[rows] / len(rows)


def test_full_batch_gd_on_a_quadratic_is_the_closed_form():
    """θ_t = (I − ηA)^t θ_0 for f = ½θᵀAθ."""
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    f, eta, theta0 = functions.quadratic(A), 0.1, np.array([1.0, -2.0])
    trajectory = optlib.minimize(f, theta0, optlib.sgd(lr=eta), steps=25)
    expected = np.array(
        [np.linalg.matrix_power(np.eye(2) - eta * A, t) @ theta0 for t in range(26)]
    )
    assert trajectory.params.shape == (26, 2)
    assert relative_error(trajectory.params, expected) < 1e-14
    assert (
        relative_error(trajectory.losses, 0.5 * np.einsum("ti,ij,tj->t", expected, A, expected))
        < 1e-14
    )
    assert trajectory.diverged_at is None and trajectory.diverged is False
    assert np.array_equal(trajectory.grad_evals, np.arange(26))
    assert trajectory.status == "finished" and trajectory.success is True
    assert trajectory.message == "finished: took 25 steps"


def test_zero_steps_keeps_the_start():
    trajectory = optlib.minimize(functions.rosenbrock, np.array([-1.2, 1.0]), optlib.adam(), 0)
    assert trajectory.params.shape == (1, 2) and trajectory.losses[0] == pytest.approx(24.2)


def test_divergence_is_reported_at_the_step_predicted_by_hand():
    """On f = ½Lx², GD multiplies x by (1 − ηL); with η = 3/L, |x_t| = 2^t and
    f_t = ½L·4^t exceeds max_loss = 1e6 first at t = 10 (½·4^10 ≈ 5.2e5 < 1e6 < ½·4^11)."""
    f = functions.quadratic(np.array([[1.0]]))
    trajectory = optlib.minimize(f, np.array([1.0]), optlib.sgd(lr=3.0), 100, max_loss=1e6)
    assert trajectory.diverged_at == 11 and trajectory.diverged is True
    assert trajectory.params.shape == (11, 1)
    assert np.all(np.isfinite(trajectory.params)) and np.all(np.isfinite(trajectory.losses))
    assert trajectory.status == "diverged" and trajectory.success is False
    assert trajectory.message == f"diverged at step 11: |f| = {0.5 * 4**11:.3g} > max_loss = 1e+06"


def test_divergence_says_which_test_failed():
    """On f = ½x² a step of GD is x ← (1 − η)x. From x = 1 with η = 1e300: x_1 ≈ −1e300 is
    finite but ½x_1² overflows; from x = 1e10 (f = 5e19, under a raised max_loss):
    x_1 ≈ −1e310 overflows itself."""
    f = functions.quadratic(1.0)
    loss_inf = optlib.minimize(f, np.array([1.0]), optlib.sgd(lr=1e300), 10)
    assert loss_inf.status == "diverged" and loss_inf.diverged_at == 1
    assert loss_inf.message == "diverged at step 1: its loss is inf"
    params_inf = optlib.minimize(f, np.array([1e10]), optlib.sgd(lr=1e300), 10, max_loss=1e300)
    assert params_inf.message == "diverged at step 1: its parameters are not finite"
    assert params_inf.params.shape == (1, 1) and params_inf.params[0, 0] == 1e10


def test_a_first_loss_that_overflows_is_a_run_diverged_at_step_0_without_warnings():
    """A finite x0 whose loss is already inf (Rosenbrock at x = 1e200: x² overflows) or above
    max_loss (½·(1e7)² = 5e13 > 1e12) diverged at step 0: no iterate is kept. Before, the
    first evaluation ran outside the runner's errstate and its overflow warning escaped."""
    run = optlib.minimize(functions.rosenbrock, np.array([1e200, 1.0]), optlib.adam(), 50)
    assert run.status == "diverged" and run.diverged_at == 0 and run.success is False
    assert run.params.shape == (0, 2) and run.losses.shape == (0,) and len(run.grad_evals) == 0
    assert run.message == "diverged at step 0: its loss is inf"
    big = optlib.minimize(functions.quadratic(1.0), np.array([1e7]), optlib.sgd(lr=0.1), 50)
    assert (
        big.diverged_at == 0 and big.message == "diverged at step 0: |f| = 5e+13 > max_loss = 1e+12"
    )
    # In a batch, only that run: its row 0 is NaN, the other run goes on.
    batch = optlib.minimize(
        functions.quadratic(1.0), np.array([[1.0], [1e200]]), optlib.sgd(lr=0.5), 3
    )
    assert np.array_equal(batch.diverged_at, [-1, 0]) and batch.params.shape == (4, 2, 1)
    assert np.array_equal(batch.params[:, 0, 0], [1.0, 0.5, 0.25, 0.125])  # x ← (1 − η)x
    assert np.all(np.isnan(batch.params[:, 1])) and np.all(np.isnan(batch.losses[:, 1]))
    assert list(batch.status) == ["finished", "diverged"]
    assert batch.message == (
        "1 of 2 runs diverged (the first, run 1, at step 0: its loss is inf); 1 finished 3 steps"
    )


@pytest.mark.parametrize("lr", [0.01, 1.0, 1e3, 1e300])
def test_a_wildly_diverging_run_stops_cleanly_without_warnings(lr):
    # pytest turns RuntimeWarnings (overflow, invalid value) into errors for this project.
    trajectory = optlib.minimize(
        functions.rosenbrock, np.array([-1.2, 1.0]), optlib.sgd(lr=lr), 500
    )
    assert trajectory.diverged_at is not None
    assert trajectory.diverged_at == len(trajectory.params)
    assert np.all(np.isfinite(trajectory.losses))


def test_saddle_escape_to_minus_infinity_counts_as_divergence():
    trajectory = optlib.minimize(functions.saddle, np.array([1.0, 1e-3]), optlib.sgd(lr=0.1), 1000)
    assert trajectory.diverged_at is not None


def test_batched_runs_diverge_independently():
    f = functions.quadratic(np.diag([1.0, 10.0]))
    lrs = np.array([0.05, 0.19, 0.21, 0.5])  # GD is stable on this bowl iff η < 2/L = 0.2
    x0 = np.tile([1.0, 1.0], (4, 1))
    batch = optlib.minimize(f, x0, optlib.sgd(lr=lrs), 2000)
    assert batch.params.shape[1:] == (4, 2) and batch.losses.shape[1:] == (4,)
    assert np.array_equal(batch.diverged, [False, False, True, True])
    assert batch.status.tolist() == ["finished", "finished", "diverged", "diverged"]
    assert batch.success.tolist() == [True, True, False, False]
    # By hand: GD multiplies the steep coordinate by 1 − 10η, so with η = 0.5 (the first run
    # to go) f_t = ½(0.5^(2t) + 10·16^t), which passes max_loss = 1e12 first at step 10.
    first = next(t for t in range(1, 100) if 0.5 * (0.25**t + 10 * 16.0**t) > 1e12)
    f_first = 0.5 * (0.25**first + 10 * 16.0**first)
    assert first == 10 and batch.diverged_at[3] == first
    assert batch.message == (
        f"2 of 4 runs diverged (the first, run 3, at step {first}: |f| = {f_first:.3g} > "
        "max_loss = 1e+12); 2 finished 2000 steps"
    )
    for i, lr in enumerate(lrs):
        single = optlib.minimize(f, x0[i], optlib.sgd(lr=lr), 2000)
        assert (single.diverged_at or -1) == batch.diverged_at[i]
        rows = len(single.params)
        assert relative_error(batch.params[:rows, i], single.params) < 1e-15
        assert np.all(np.isnan(batch.params[rows:, i]))


def test_batch_stops_when_every_run_has_diverged():
    f = functions.quadratic(np.eye(2))
    batch = optlib.minimize(f, np.ones((2, 2)), optlib.sgd(lr=np.array([5.0, 9.0])), 1000)
    assert np.all(batch.diverged) and len(batch.params) == batch.diverged_at.max()
    assert batch.status.tolist() == ["diverged", "diverged"] and not batch.success.any()
    assert batch.message.startswith("2 of 2 runs diverged (the first, run 1, at step ")
    assert "finished" not in batch.message


def test_a_batch_that_finishes_and_a_grid_of_runs_say_so():
    f = functions.quadratic(np.eye(2))
    batch = optlib.minimize(f, np.ones((3, 2)), optlib.sgd(lr=np.array([0.1, 0.2, 0.3])), 5)
    assert batch.status.tolist() == ["finished"] * 3 and batch.success.all()
    assert batch.message == "finished: all 3 runs took 5 steps"
    # A 2 × 2 grid of settings: a run is named by its index in the grid (GD on ½|x|² is stable
    # iff η < 2, so only η = 2.5 diverges).
    lrs = np.array([[0.1, 0.5], [1.0, 2.5]])
    grid = optlib.minimize(f, np.ones((2, 2, 2)), optlib.sgd(lr=lrs), 100)
    assert grid.status.shape == (2, 2)
    assert grid.status.tolist() == [["finished", "finished"], ["finished", "diverged"]]
    assert grid.message.startswith("1 of 4 runs diverged (the first, run (1, 1), at step ")
    assert grid.message.endswith("; 3 finished 100 steps")
    one = optlib.minimize(f, np.ones(2), optlib.sgd(lr=0.1), 1)
    assert one.message == "finished: took 1 step"


def test_stochastic_and_minibatch_counts_and_epochs():
    objective = LeastSquares(n=10)
    x0 = np.zeros(3)
    full = optlib.minimize(objective, x0, optlib.sgd(lr=0.01), 6)
    assert np.array_equal(full.grad_evals, 10 * np.arange(7))
    objective.seen.clear()
    stochastic = optlib.minimize(objective, x0, optlib.sgd(lr=0.01), 20, batch_size=1)
    assert np.array_equal(stochastic.grad_evals, np.arange(21))
    # Each epoch of 10 steps visits every example exactly once.
    seen = np.concatenate(objective.seen)
    assert sorted(seen[:10]) == list(range(10)) and sorted(seen[10:]) == list(range(10))
    objective.seen.clear()
    minibatch = optlib.minimize(objective, x0, optlib.sgd(lr=0.01), 6, batch_size=4)
    assert [len(rows) for rows in objective.seen] == [4, 4, 2, 4, 4, 2]  # as a DataLoader
    assert minibatch.grad_evals[-1] == 20


def test_sampling_with_replacement_and_seeding():
    objective = LeastSquares(n=10)
    x0 = np.zeros(3)
    a = optlib.minimize(
        objective, x0, optlib.sgd(lr=0.05), 30, batch_size=2, sampling="replacement"
    )
    b = optlib.minimize(
        objective, x0, optlib.sgd(lr=0.05), 30, batch_size=2, sampling="replacement"
    )
    c = optlib.minimize(objective, x0, optlib.sgd(lr=0.05), 30, batch_size=2, seed=1)
    assert np.array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)


def test_minibatch_gradient_is_unbiased():
    """The mean of the per-example gradients is the full gradient, exactly."""
    objective = LeastSquares(n=12)
    theta = np.array([0.3, -1.0, 2.0])
    per_example = [objective.grad(theta, idx=[i]) for i in range(12)]
    assert relative_error(np.mean(per_example, axis=0), objective.grad(theta)) < 1e-14


def test_sgd_reaches_the_least_squares_solution_on_a_model():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 2))
    y = X @ np.array([2.0, -1.0]) + 0.5
    model = models.LinearRegression(X, y)
    trajectory = optlib.minimize(
        model, model.init_params(), optlib.sgd(lr=0.05), 2000, batch_size=5
    )
    solution, *_ = np.linalg.lstsq(np.c_[X, np.ones(50)], y, rcond=None)
    assert relative_error(trajectory.params[-1], solution) < 1e-6  # noise-free: SGD interpolates


def test_grad_noise_is_seeded_and_only_perturbs():
    f, x0 = functions.quadratic(np.eye(2)), np.array([1.0, 1.0])
    clean = optlib.minimize(f, x0, optlib.sgd(lr=0.1), 50)
    noisy = optlib.minimize(f, x0, optlib.sgd(lr=0.1), 50, grad_noise=0.1)
    again = optlib.minimize(f, x0, optlib.sgd(lr=0.1), 50, grad_noise=0.1)
    assert np.array_equal(noisy.params, again.params)
    assert not np.array_equal(noisy.params, clean.params)
    # x_t = (1 − η)x_{t−1} − ησξ_t has stationary variance ησ²/(2 − η) per coordinate.
    long_run = optlib.minimize(f, x0, optlib.sgd(lr=0.1), 5000, grad_noise=0.1)
    mean_square = np.mean(np.sum(long_run.params[1000:] ** 2, axis=-1))
    assert mean_square == pytest.approx(2 * 0.1 * 0.1**2 / (2 - 0.1), rel=0.15)


def test_the_runner_reads_nags_gradient_at_the_lookahead_point():
    f = functions.quadratic(np.diag([1.0, 5.0]))
    nag, x0 = optlib.nag(lr=0.05, gamma=0.8), np.array([1.0, 1.0])
    trajectory = optlib.minimize(f, x0, nag, 30)
    theta, v = x0, np.zeros(2)
    for t in range(1, 31):
        v = 0.8 * v - 0.05 * f.grad(theta + 0.8 * v)  # Sutskever et al. (2013), by hand
        theta = theta + v
        assert relative_error(trajectory.params[t], theta) < 1e-14


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": -1}, "Invalid steps value: -1"),
        ({"steps": 2.5}, "Invalid steps value: 2.5"),
        ({"batch_size": 2}, "batch_size needs a finite-sum objective"),
        ({"sampling": "random"}, "Invalid sampling value: 'random'"),
        ({"grad_noise": -1.0}, "Invalid grad_noise value: -1.0"),
        ({"max_loss": 0.0}, "Invalid max_loss value: 0.0"),
        # Before: an array of noise levels was per coordinate, NumPy refused a seed of -1
        # without naming it.
        ({"grad_noise": np.array([0.1, 1.0])}, "Invalid grad_noise value: [0.1 1. ]"),
        ({"max_loss": np.array([1.0, 2.0])}, "Invalid max_loss value: [1. 2.]"),
        ({"max_loss": True}, "Invalid max_loss value: True"),
        ({"seed": -1}, "Invalid seed value: -1"),
        ({"seed": 1.5}, "Invalid seed value: 1.5"),
    ],
)
def test_invalid_run_settings(kwargs, message):
    with pytest.raises(ValueError) as error:
        optlib.minimize(functions.rosenbrock, np.zeros(2), optlib.sgd(), **{"steps": 5, **kwargs})
    assert str(error.value).startswith(message)


@pytest.mark.parametrize("batch_size", [0, 11, 2.0])
def test_invalid_batch_size(batch_size):
    with pytest.raises(ValueError, match=f"Invalid batch_size value: {batch_size}"):
        optlib.minimize(LeastSquares(n=10), np.zeros(3), optlib.sgd(), 5, batch_size=batch_size)


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ((0, 1, "shuffle"), ValueError, "Invalid n_samples value: 0"),  # before: a hang
        ((10, 0, "shuffle"), ValueError, r"Invalid batch_size value: 0 \(1 to 10\)"),
        ((10, 11, "replacement"), ValueError, r"Invalid batch_size value: 11 \(1 to 10\)"),
        ((10, 2, "random"), ValueError, "Invalid sampling value: 'random'"),  # before: shuffled
        ((10, 2, "shuffle", 0), TypeError, "rng must be a np.random.Generator, got int"),
    ],
)
def test_minibatches_checks_its_arguments_when_called(arguments, error, message):
    n_samples, batch_size, sampling, *rng = arguments
    with pytest.raises(error, match=message):
        optlib.run.minibatches(n_samples, batch_size, sampling, *(rng or [np.random.default_rng()]))


# --- bad input is refused before the first step, naming the argument -----------------------------


class Malformed:
    """An objective whose value or gradient is given per test."""

    def __init__(self, value=lambda x: float(x @ x), grad=lambda x: 2 * x):
        self._value, self._grad = value, grad

    def value(self, x):
        return self._value(x)

    def grad(self, x):
        return self._grad(x)


class ValueOnly:
    def value(self, x):
        return float(x @ x)


@pytest.mark.parametrize(
    ("objective", "x0", "optimizer", "error", "message"),
    [
        # x0 that is not a point: before, NaN/inf were "diverged at step 1"
        (
            functions.rosenbrock,
            [-1.2, np.nan],
            optlib.sgd(),
            ValueError,
            r"x0 must be finite; x0\[1\] is nan",
        ),
        (
            functions.rosenbrock,
            [[0.0, 0.0], [np.inf, 0.0]],
            optlib.sgd(),
            ValueError,
            r"x0\[1, 0\] is inf",
        ),
        (
            functions.rosenbrock,
            ["0.5", "1"],
            optlib.sgd(),
            TypeError,
            "x0 must be an array of real numbers",
        ),
        (functions.rosenbrock, 1.0, optlib.sgd(), ValueError, r"x0 must have shape \(d,\)"),
        (
            functions.rosenbrock,
            np.zeros(3),
            optlib.sgd(),
            ValueError,
            r"x0 must have shape \(\.\.\., 2\)",
        ),
        # objectives that are not objectives: before, errors from inside (AttributeError, …)
        (
            lambda x: x @ x,
            np.zeros(2),
            optlib.sgd(),
            TypeError,
            r"objective must have value\(x\) and grad\(x\) methods .* a plain function",
        ),
        (ValueOnly(), np.zeros(2), optlib.sgd(), TypeError, "got ValueOnly, which has no grad"),
        (
            Malformed(value=lambda x: None),
            np.zeros(2),
            optlib.sgd(),
            TypeError,
            r"objective.value\(x\) returned None",
        ),
        (
            Malformed(value=lambda x: x),
            np.zeros(2),
            optlib.sgd(),
            ValueError,
            r"one number per point, shape \(\) for x of shape \(2,\); got shape \(2,\)",
        ),
        (
            Malformed(grad=lambda x: np.ones(3)),
            np.zeros(2),
            optlib.sgd(),
            ValueError,
            r"objective.grad\(x\) must be shaped like x, \(2,\); got shape \(3,\)",
        ),
        (
            Malformed(grad=lambda x: 1.0),
            np.zeros(2),
            optlib.sgd(),
            ValueError,
            r"shaped like x, \(2,\); got shape \(\)",
        ),
        (
            Malformed(grad=lambda x: None),
            np.zeros(2),
            optlib.sgd(),
            TypeError,
            r"objective.grad\(x\) returned None",
        ),
        # optimizers that are not instances
        (
            functions.rosenbrock,
            np.zeros(2),
            optlib.Adam,
            TypeError,
            r"not the class Adam: pass an instance, e.g. optlib.adam\(\)",
        ),
        (
            functions.rosenbrock,
            np.zeros(2),
            optlib.SGD,
            TypeError,
            r"pass an instance, e.g. optlib.sgd\(\)",
        ),
        (
            functions.rosenbrock,
            np.zeros(2),
            "adam",
            TypeError,
            r"optimizer must be an optlib Optimizer, e.g. optlib.adam\(\); got str",
        ),
    ],
    ids=[
        "nan x0",
        "inf x0",
        "x0 of strings",
        "scalar x0",
        "x0 of another dim",
        "plain function",
        "no grad",
        "value None",
        "value per coordinate",
        "grad of 3 for 2",
        "grad a number",
        "grad None",
        "class Adam",
        "class SGD",
        "a string",
    ],
)
def test_bad_input_is_refused_up_front_naming_the_argument(
    objective, x0, optimizer, error, message
):
    with pytest.raises(error, match=message):
        optlib.minimize(objective, x0, optimizer, 5)


def test_a_model_refuses_a_start_of_another_dimension():
    model = models.LinearRegression(np.ones((4, 2)), np.zeros(4))
    with pytest.raises(
        ValueError, match=r"x0 must have shape \(\.\.\., 3\) for this objective; got \(2,\)"
    ):
        optlib.minimize(model, np.zeros(2), optlib.sgd(), 5)


# --- the path grows as the run goes ------------------------------------------------------------


def test_a_run_that_diverges_early_costs_nothing_however_many_steps_it_was_given():
    """Before, steps=10**12 allocated the whole path up front and died with MemoryError."""
    f = functions.quadratic(1.0)
    trajectory = optlib.minimize(f, np.array([1.0]), optlib.sgd(lr=3.0), 10**12, max_loss=1e6)
    assert trajectory.diverged_at == 11 and trajectory.params.shape == (11, 1)  # as by hand above


def test_a_long_run_keeps_every_row():
    """Past the first allocation the path doubles; every row is still θ_t = (1 − η)^t θ_0."""
    f, eta = functions.quadratic(1.0), 1e-3
    trajectory = optlib.minimize(f, np.array([2.0]), optlib.sgd(lr=eta), 5000)
    expected = 2.0 * (1 - eta) ** np.arange(5001)
    assert trajectory.params.shape == (5001, 1) and trajectory.grad_evals[-1] == 5000
    assert relative_error(trajectory.params[:, 0], expected) < 1e-12
    assert relative_error(trajectory.losses, 0.5 * expected**2) < 1e-12


@pytest.mark.skipif(sys.platform != "linux", reason="limits the address space with setrlimit")
def test_a_run_that_outgrows_the_memory_says_so():
    """A run that never diverges, of 10,000 coordinates (80 kB an iterate), in a process allowed
    400 MB more than it uses: the path outgrows that after a few thousand steps."""
    code = textwrap.dedent(
        """
        import resource
        import numpy as np
        import optlib
        from optlib import functions

        f, x0 = functions.quadratic(1.0), np.ones(1)
        optlib.minimize(f, x0, optlib.sgd(lr=0.1), 1)  # everything imported and warm
        with open("/proc/self/statm") as statm:
            used = int(statm.read().split()[0]) * resource.getpagesize()
        limit = used + 400 * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        bowl = functions.quadratic(np.eye(3))
        class Wide:
            def value(self, x):
                return 0.5 * np.sum(x * x, axis=-1)
            def grad(self, x):
                return x
        optlib.minimize(Wide(), np.ones(10_000), optlib.sgd(lr=1e-4), 10**9)
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0
    assert "MemoryError: minimize ran out of memory after" in result.stderr
    assert "iterates of shape (10000,)" in result.stderr
    assert "ask for fewer steps than 1,000,000,000" in result.stderr


# --- hyperparameter arrays name settings, not coordinates ------------------------------------


def test_a_hyperparameter_array_names_runs_not_coordinates():
    """lr of shape (2,) with x0 of shape (2,) is not two rates for two coordinates: it is
    refused, naming lr. With x0 of shape (2, d) it is two runs, each as on its own."""
    f = functions.rosenbrock
    with pytest.raises(ValueError, match="lr"):
        optlib.minimize(f, np.array([-1.2, 1.0]), optlib.sgd(lr=np.array([1e-3, 1.0])), 5)
    lrs = np.array([1e-3, 2e-3])
    batch = optlib.minimize(f, np.tile([-1.2, 1.0], (2, 1)), optlib.sgd(lr=lrs), 50)
    for i, lr in enumerate(lrs):
        single = optlib.minimize(f, np.array([-1.2, 1.0]), optlib.sgd(lr=lr), 50)
        assert np.array_equal(batch.params[:, i], single.params)
        assert np.array_equal(batch.losses[:, i], single.losses)


# --- follow: an optimizer open loop, on gradients given in advance --------------------------------


def test_follow_with_sgd_is_the_running_sum_of_the_gradients():
    """θ_t = θ_0 − η Σ_{s ≤ t} g_s."""
    grads = np.random.default_rng(0).standard_normal((40, 3))
    theta0 = np.array([1.0, -2.0, 0.5])
    path = follow(optlib.sgd(lr=0.1), theta0, grads)
    expected = np.vstack([theta0, theta0 - 0.1 * np.cumsum(grads, axis=0)])
    assert path.shape == (41, 3)
    assert relative_error(path, expected) < 1e-14


def test_follow_with_heavy_ball_and_adam_matches_hand_loops():
    """The update rules written out here from the papers, fed the same gradients."""
    grads = np.random.default_rng(1).standard_normal((60, 4))
    theta0 = np.array([0.3, -1.0, 2.0, 0.0])

    theta, v = theta0.copy(), np.zeros(4)  # Polyak (1964): v ← γv − ηg, θ ← θ + v
    heavy_ball = [theta]
    for g in grads:
        v = 0.9 * v - 0.05 * g
        theta = theta + v
        heavy_ball.append(theta)
    path = follow(optlib.momentum(lr=0.05, gamma=0.9), theta0, grads)
    assert relative_error(path, np.array(heavy_ball)) < 1e-14

    lr, (beta1, beta2), eps = 0.01, (0.9, 0.999), 1e-8  # Kingma & Ba (2015), Algorithm 1
    theta, m, s = theta0.copy(), np.zeros(4), np.zeros(4)
    adam = [theta]
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * g
        s = beta2 * s + (1 - beta2) * g**2
        m_hat, s_hat = m / (1 - beta1**t), s / (1 - beta2**t)
        theta = theta - lr * m_hat / (np.sqrt(s_hat) + eps)
        adam.append(theta)
    path = follow(optlib.adam(lr=lr, betas=(beta1, beta2), eps=eps), theta0, grads)
    assert relative_error(path, np.array(adam)) < 1e-12


def test_follow_replays_a_closed_loop_run_bit_for_bit():
    """Fed the gradients that minimize read, follow retraces minimize's path exactly."""
    f = functions.rosenbrock
    run = optlib.minimize(f, np.array([-1.2, 1.0]), optlib.adam(lr=0.05), 200)
    grads = f.grad(run.params[:-1])
    assert np.array_equal(follow(optlib.adam(lr=0.05), run.params[0], grads), run.params)


def test_follow_runs_a_batch_of_settings_and_accepts_any_iterable():
    lrs = np.array([0.01, 0.1, 0.5])
    theta0 = np.array([[1.0, 2.0], [1.0, 2.0], [-1.0, 0.0]])
    grads = np.random.default_rng(2).standard_normal((25, 3, 2))
    batch = follow(optlib.sgd(lr=lrs), theta0, grads)
    assert batch.shape == (26, 3, 2)
    for i, lr in enumerate(lrs):
        single = follow(optlib.sgd(lr=lr), theta0[i], (g[i] for g in grads))
        assert np.array_equal(batch[:, i], single)


def test_follow_without_gradients_keeps_the_start_and_never_touches_it():
    theta0 = np.array([1.0, 2.0])
    assert np.array_equal(follow(optlib.adam(), theta0, np.empty((0, 2))), [[1.0, 2.0]])
    follow(optlib.sgd(lr=1.0), theta0, np.ones((3, 2)))
    assert np.array_equal(theta0, [1.0, 2.0])


def test_follow_refuses_a_gradient_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"grads must be shaped like x0, \(2,\); g_2 has \(3,\)"):
        follow(optlib.sgd(lr=0.1), np.zeros(2), [np.ones(2), np.ones(3)])


def test_follow_refuses_gradients_that_are_not_numbers():
    with pytest.raises(TypeError, match="grads must be an array of gradients or an iterable"):
        follow(optlib.sgd(), np.ones(2), None)  # before: "'NoneType' object is not iterable"
    with pytest.raises(TypeError, match=r"grads must be real numbers; g_2 is \['a', 'b'\]"):
        follow(optlib.sgd(), np.ones(2), [np.ones(2), ["a", "b"]])


def test_follow_refuses_a_start_or_an_optimizer_that_is_not_one():
    with pytest.raises(ValueError, match=r"x0 must be finite; x0\[0\] is nan"):
        follow(optlib.sgd(lr=0.1), np.array([np.nan, 0.0]), np.ones((3, 2)))
    with pytest.raises(TypeError, match=r"pass an instance, e.g. optlib.adam\(\)"):
        follow(optlib.Adam, np.zeros(2), np.ones((3, 2)))


# --- Counted and Recorder: the plumbing of higher_order and derivative_free -----------------------


class Calls:
    """An objective that logs its calls, independent of Counted."""

    def __init__(self):
        self.log = []

    def value(self, x):
        self.log.append("value")
        return float(x @ x)

    def grad(self, x):
        self.log.append("grad")
        return 2 * x

    def hess(self, x):
        self.log.append("hess")
        return 2 * np.eye(len(x))


def test_counted_counts_each_kind_of_evaluation():
    objective = Calls()
    counted = Counted(objective)
    x = np.array([1.0, 2.0])
    assert counted.value(x) == 5.0 and isinstance(counted.value(x), float)
    assert np.array_equal(counted.grad(x), [2.0, 4.0])
    assert np.array_equal(counted.hess(x), 2 * np.eye(2))
    assert (counted.values, counted.grads, counted.hessians) == (2, 1, 1)
    assert objective.log == ["value", "value", "grad", "hess"]
    assert counted.objective is objective


def test_counted_refuses_to_evaluate_beyond_its_budget():
    objective = Calls()
    counted = Counted(objective, max_evals=2)
    counted.value(np.ones(2))
    counted.value(np.ones(2))
    with pytest.raises(BudgetSpentError):
        counted.value(np.ones(2))
    assert counted.values == 2 and objective.log == ["value", "value"]
    counted.grad(np.ones(2))  # the budget is one of values only
    with pytest.raises(BudgetSpentError):
        Counted(objective, max_evals=0).value(np.ones(2))


def test_counted_refuses_results_that_are_not_real_numbers():
    """Before: an object() was a TypeError from float(), None became NaN (a failed trial) and
    "1.5" the number 1.5."""
    for result in (object(), None, "1.5", 1j):
        with pytest.raises(TypeError, match="f must return real numbers; got"):
            Counted(lambda x, result=result: result).value(np.zeros(2))
    with pytest.raises(
        TypeError, match=r"objective.grad\(x\) must return real numbers; got NoneType"
    ):
        Counted(Malformed(grad=lambda x: None)).grad(np.zeros(2))


def test_counted_takes_a_plain_callable_and_checks_what_it_returns():
    counted = Counted(lambda x: x[0] ** 2)
    assert counted.value(np.array([3.0])) == 9.0 and counted.values == 1
    # Overflow gives inf, not a warning (pytest turns warnings into errors here).
    assert Counted(lambda x: np.exp(x[0])).value(np.array([1e3])) == np.inf
    with pytest.raises(ValueError, match=r"f must return a scalar, got an array of shape \(2,\)"):
        Counted(lambda x: x).value(np.ones(2))
    with pytest.raises(TypeError, match=r"f must have a value\(x\) method or be callable, got int"):
        Counted(42)
    for max_evals in (-1, 2.5, True):
        with pytest.raises(ValueError, match=f"Invalid max_evals value: {max_evals!r}"):
            Counted(Calls(), max_evals=max_evals)


def test_recorder_keeps_each_row_with_its_counts_and_the_totals_last():
    counted = Counted(Calls())
    path = Recorder(counted, hessians=True)
    x = np.array([1.0, 1.0])
    assert path.record(x, counted.value(x)) and path.steps == 0
    counted.grad(x)
    counted.hess(x)
    x = x - 0.5 * counted.grad(x)  # the caller's array is copied, not kept
    assert path.record(x, counted.value(x)) and path.steps == 1
    assert not path.has_unrecorded_evals
    counted.value(x + 1.0)  # a trial that made no new iterate
    assert path.has_unrecorded_evals
    trajectory = path.trajectory()
    assert isinstance(trajectory, optlib.Trajectory)
    assert np.array_equal(trajectory.params, [[1.0, 1.0], [0.0, 0.0]])
    assert np.array_equal(trajectory.losses, [2.0, 0.0])
    assert np.array_equal(trajectory.value_evals, [1, 3])  # the last row: the run's totals
    assert np.array_equal(trajectory.grad_evals, [0, 2])
    assert np.array_equal(trajectory.hessian_evals, [0, 1])
    assert trajectory.diverged_at is None and trajectory.inverse_hessians is None
    assert trajectory.value_evals.dtype == np.int64


def test_recorder_stops_at_a_non_finite_row_unless_told_to_keep_it():
    counted = Counted(Calls())
    path = Recorder(counted)
    path.record(np.zeros(2), 0.0)
    path.record(np.ones(2), 2.0)
    assert not path.record(np.array([np.inf, 0.0]), np.inf)
    trajectory = path.trajectory(inverse_hessians=np.zeros((2, 2, 2)))
    assert trajectory.diverged_at == 2 and trajectory.diverged is True
    assert len(trajectory.params) == 2 and trajectory.hessian_evals is None
    assert trajectory.inverse_hessians.shape == (2, 2, 2)
    path.mark_diverged()  # e.g. a singular Hessian: no next step at all
    assert path.diverged_at == 2

    keeping = Recorder(counted, finite_only=False)
    keeping.record(np.zeros(2), 0.0)
    assert keeping.record(np.zeros(2), -np.inf)
    assert keeping.trajectory().losses[-1] == -np.inf and keeping.diverged_at is None


def test_recorder_says_how_the_run_ended():
    counted = Counted(Calls())
    finished = Recorder(counted)
    finished.record(np.zeros(2), 0.0)
    assert finished.trajectory().message == "finished: took 0 steps"
    finished.record(np.ones(2), 2.0)
    assert finished.trajectory().message == "finished: took 1 step"
    finished.finish("spent the budget of max_evals = 2 evaluations of f")
    trajectory = finished.trajectory()
    assert trajectory.status == "finished" and trajectory.success is True
    assert trajectory.message == "finished: spent the budget of max_evals = 2 evaluations of f"
    ends = {
        "converge": ("converged", "converged at step 1: why", True),
        "stop": ("stopped", "stopped at step 1: why", False),
        "mark_diverged": ("diverged", "diverged at step 2: why", False),
    }
    for method, (status, message, success) in ends.items():
        path = Recorder(counted)
        path.record(np.zeros(2), 0.0)
        path.record(np.ones(2), 2.0)
        getattr(path, method)("why")
        trajectory = path.trajectory()
        assert (trajectory.status, trajectory.message, trajectory.success) == (
            status,
            message,
            success,
        )


@pytest.mark.parametrize("sampling", ["shuffle", "replacement"])
def test_minibatches_hand_out_numpy_index_type_from_the_same_int64_stream(sampling):
    # Under Pyodide (wasm32) np.intp is int32 and np.bincount refuses int64 rows; the rows are
    # still drawn as int64, so every platform sees the same samples.
    batches = optlib.run.minibatches(10, 4, sampling, np.random.default_rng(3))
    rows = [next(batches) for _ in range(3)]
    reference = np.random.default_rng(3)
    if sampling == "shuffle":
        order = reference.permutation(10)
        expected = [order[0:4], order[4:8], order[8:10]]
    else:
        expected = [reference.integers(10, size=4) for _ in range(3)]
    for row, want in zip(rows, expected, strict=True):
        assert row.dtype == np.intp  # int64 here; the browser run (make test-browser) is int32
        np.testing.assert_array_equal(row, want)
