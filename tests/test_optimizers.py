"""Optimizers: replayed against recorded torch.optim runs, and the identities the book states.

References are independent of optlib: trajectories recorded from PyTorch 2.13
(tests/data/record_optimizers.py), hand-written loops of the papers' equations, and the
algebraic identities the chapters prove (checked here to 1e-12 on random problems).
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optlib
from optlib import functions, schedules
from optlib.gradcheck import relative_error

DATA = np.load(Path(__file__).parent / "data" / "torch_optimizers.npz")
META = json.loads(str(DATA["meta"]))

# --- One table drives the common tests ---------------------------------------------------------
# name -> (factory, settings that converge on the test problems, a batch of settings for sweeps)
OPTIMIZERS = {
    "sgd": (optlib.sgd, {"lr": 0.05}, {"lr": [0.01, 0.05, 0.1]}),
    "sgd_momentum": (
        optlib.sgd,
        {"lr": 0.01, "momentum": 0.9},
        {"lr": [0.01, 0.02, 0.03], "momentum": [0.5, 0.9, 0.0], "dampening": [0.0, 0.1, 0.2]},
    ),
    "sgd_nesterov": (
        optlib.sgd,
        {"lr": 0.01, "momentum": 0.9, "nesterov": True},
        {"lr": [0.01, 0.02, 0.03], "momentum": [0.5, 0.9, 0.7], "nesterov": True},
    ),
    "momentum": (optlib.momentum, {"lr": 0.01, "gamma": 0.9}, {"gamma": [0.0, 0.5, 0.9]}),
    "nag": (optlib.nag, {"lr": 0.01, "gamma": 0.9}, {"lr": [0.001, 0.01, 0.02]}),
    "adagrad": (
        optlib.adagrad,
        {"lr": 0.5},
        {"lr": [0.1, 0.5, 1.0], "lr_decay": [0.0, 0.01, 0.1], "initial_accumulator_value": 0.1},
    ),
    "rmsprop": (
        optlib.rmsprop,
        {"lr": 0.01},
        {"lr": [0.001, 0.01, 0.01], "alpha": [0.9, 0.99, 0.5], "momentum": [0.0, 0.5, 0.9]},
    ),
    "rmsprop_centered": (
        optlib.rmsprop,
        {"lr": 0.01, "centered": True, "momentum": 0.5},
        {"lr": [0.001, 0.01, 0.003], "eps": [1e-8, 1e-4, 1e-2], "centered": True},
    ),
    "adadelta": (
        optlib.adadelta,
        # Near a minimum AdaDelta acts like gradient descent with rate lr, so it converges on
        # the bowl (L = 10) only for lr < 2/L; at PyTorch's lr = 1 it slowly drifts away.
        {"lr": 0.19, "rho": 0.9, "eps": 1e-4},
        {"rho": [0.5, 0.9, 0.95], "eps": [1e-6, 1e-4, 1e-2], "weight_decay": [0, 0.1, 0.2]},
    ),
    "adam": (
        optlib.adam,
        {"lr": 0.05},
        {"lr": [0.01, 0.05, 0.1], "betas": ([0.9, 0.5, 0.0], [0.999, 0.9, 0.99])},
    ),
    "adam_amsgrad": (
        optlib.adam,
        {"lr": 0.05, "amsgrad": True},
        {"lr": [0.01, 0.05, 0.1], "weight_decay": [0.0, 0.1, 0.01], "amsgrad": True},
    ),
    "adamw": (
        optlib.adamw,
        {"lr": 0.05, "weight_decay": 1e-4},
        {"lr": [0.01, 0.05, 0.1], "weight_decay": [0.0, 0.1, 0.3]},
    ),
    "nadam": (
        optlib.nadam,
        {"lr": 0.05},
        {"lr": [0.01, 0.05, 0.1], "momentum_decay": [0.0, 4e-3, 0.1]},
    ),
    "adamax": (optlib.adamax, {"lr": 0.1}, {"lr": [0.01, 0.05, 0.1], "eps": [1e-8, 1e-3, 0.1]}),
    "radam": (
        optlib.radam,
        {"lr": 0.05},
        {"lr": [0.01, 0.05, 0.1], "betas": (0.9, [0.999, 0.9, 0.6])},  # 0.6: rho_inf = 4
    ),
}


# Rosenbrock's curvature near x0 is ~1000: momentum methods (and RAdam, which starts as SGD
# with momentum) need a smaller rate there than on the bowl.
ROSENBROCK_LR = {
    "sgd": 0.005,
    "sgd_momentum": 0.001,
    "sgd_nesterov": 0.001,
    "momentum": 0.001,
    "nag": 0.001,
    "adadelta": 0.1,
    "radam": 0.005,
}


def build(name: str, **overrides):
    factory, good, _ = OPTIMIZERS[name]
    return factory(**{**good, **overrides})


def as_hyper(value):
    """Lists in the table stand for arrays of settings; tuples (betas) stay tuples."""
    if isinstance(value, tuple):
        return tuple(as_hyper(v) for v in value)
    return np.array(value, dtype=float) if isinstance(value, list) else value


def pick(value, i: int):
    """Setting i of a batch of hyperparameters."""
    if isinstance(value, tuple):
        return tuple(pick(v, i) for v in value)
    return value[i] if isinstance(value, np.ndarray) else value


def run_open_loop(optimizer, theta0: np.ndarray, grads: np.ndarray) -> np.ndarray:
    """Feed a fixed sequence of gradients; return the iterates, theta0 first."""
    params, state = np.array(theta0, dtype=float), optimizer.init(theta0)
    path = [params]
    for g in grads:
        params, state = optimizer.step(params, g, state)
        path.append(params)
    return np.array(path)


# --- Recorded PyTorch trajectories -------------------------------------------------------------

TORCH_TO_OPTLIB = {
    "SGD": optlib.sgd,
    "Adagrad": optlib.adagrad,
    "RMSprop": optlib.rmsprop,
    "Adadelta": optlib.adadelta,
    "Adam": optlib.adam,
    "AdamW": optlib.adamw,
    "RAdam": optlib.radam,
    "NAdam": optlib.nadam,
    "Adamax": optlib.adamax,
}
TORCH_SCHEDULERS = {
    "StepLR": schedules.step,
    "ExponentialLR": schedules.exponential,
    "CosineAnnealingLR": schedules.cosine,
    "LinearLR": schedules.linear_warmup,
}


@pytest.mark.parametrize("case", META["cases"], ids=[c["name"] for c in META["cases"]])
def test_matches_recorded_torch_trajectory(case):
    kwargs = {k: tuple(v) if k == "betas" else v for k, v in case["kwargs"].items()}
    if case["scheduler"]:
        scheduler, scheduler_kwargs = case["scheduler"]
        base_lr = kwargs.get("lr", 1e-3)
        kwargs["lr"] = TORCH_SCHEDULERS[scheduler](base_lr, **scheduler_kwargs)
        k = np.arange(META["steps"])
        assert relative_error(kwargs["lr"](k), DATA[f"{case['name']}.lrs"]) < 1e-14
    optimizer = TORCH_TO_OPTLIB[case["torch"]](**kwargs)
    path = run_open_loop(optimizer, np.array(META["theta0"]), DATA[f"{case['name']}.grads"])
    expected = DATA[f"{case['name']}.params"]
    assert path.shape == expected.shape == (META["steps"] + 1, 6)
    assert relative_error(path, expected) < 1e-10


def test_recording_covers_every_torch_rule_and_option():
    """The recorded cases exercise every PyTorch-matched rule and every option it has."""
    used = {(c["torch"], key) for c in META["cases"] for key in c["kwargs"]}
    options = {
        "SGD": {"momentum", "dampening", "nesterov", "weight_decay"},
        "Adagrad": {"lr_decay", "weight_decay", "initial_accumulator_value", "eps"},
        "RMSprop": {"alpha", "eps", "momentum", "centered", "weight_decay"},
        "Adadelta": {"rho", "eps", "weight_decay"},
        "Adam": {"betas", "eps", "weight_decay", "amsgrad"},
        "AdamW": {"weight_decay", "amsgrad"},
        "RAdam": {"betas", "eps", "weight_decay", "decoupled_weight_decay"},
        "NAdam": {"momentum_decay", "weight_decay", "decoupled_weight_decay"},
        "Adamax": {"betas", "weight_decay"},
    }
    for rule, names in options.items():
        assert {(rule, name) for name in names} <= used, rule
    assert META["steps"] >= 200


def defaults(factory) -> dict:
    """The defaults of a constructor's keyword arguments (PyTorch's names)."""
    return {
        name: parameter.default for name, parameter in inspect.signature(factory).parameters.items()
    }


def test_defaults_are_pytorchs():
    """Defaults as PyTorch 2.x has them (the conventions in optlib.optimizers' docstring)."""
    assert optlib.sgd().lr == 1e-3 and defaults(optlib.sgd)["momentum"] == 0
    assert (optlib.adagrad().lr, optlib.adagrad().eps) == (1e-2, 1e-10)
    assert (optlib.rmsprop().lr, optlib.rmsprop().alpha, optlib.rmsprop().eps) == (1e-2, 0.99, 1e-8)
    assert (optlib.adadelta().lr, optlib.adadelta().rho, optlib.adadelta().eps) == (1.0, 0.9, 1e-6)
    assert (optlib.adam().lr, optlib.adam().betas, optlib.adam().eps) == (1e-3, (0.9, 0.999), 1e-8)
    assert defaults(optlib.adam)["weight_decay"] == 0 and optlib.adamw().weight_decay == 1e-2
    assert (optlib.radam().lr, optlib.radam().threshold) == (1e-3, 5.0)
    assert (optlib.nadam().lr, optlib.nadam().momentum_decay) == (2e-3, 4e-3)
    assert optlib.adamax().lr == 2e-3


# --- Common behaviour, driven by the table -----------------------------------------------------


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_step_is_pure_and_keeps_shape(name):
    optimizer = build(name)
    rng = np.random.default_rng(0)
    params, grads = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    params_copy, grads_copy = params.copy(), grads.copy()
    state = optimizer.init(params)
    state_copy = [np.copy(x) for x in state]
    new_params, new_state = optimizer.step(params, grads, state)
    again, _ = optimizer.step(params, grads, state)
    assert new_params.shape == params.shape and new_params.dtype == np.float64
    assert np.array_equal(params, params_copy) and np.array_equal(grads, grads_copy)
    for before, after in zip(state_copy, state, strict=True):
        assert np.array_equal(before, after)  # the old state is untouched
    assert np.array_equal(new_params, again)  # same inputs, same output
    assert new_state.t == 1 and state.t == 0
    assert not np.array_equal(new_params, params)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_converges_on_ill_conditioned_quadratic(name):
    bowl = functions.quadratic_bowl(condition_number=10.0)
    trajectory = optlib.minimize(bowl, np.array([2.0, 1.5]), build(name), steps=3000)
    assert trajectory.diverged_at is None
    assert trajectory.losses[-1] < 1e-3 * trajectory.losses[0]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_makes_progress_on_rosenbrock(name):
    f = functions.rosenbrock
    x0 = np.array([-1.2, 1.0])
    lr = ROSENBROCK_LR.get(name, OPTIMIZERS[name][1]["lr"])
    trajectory = optlib.minimize(f, x0, build(name, lr=lr), 5000)
    assert trajectory.diverged_at is None
    # From f(x0) = 24.2 into the valley and along it toward (1, 1).
    assert trajectory.losses[-1] < 0.05 * trajectory.losses[0]
    assert np.linalg.norm(trajectory.params[-1] - np.array([1.0, 1.0])) < 1.0


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_zero_learning_rate_leaves_params_unchanged(name):
    grads = np.random.default_rng(1).standard_normal((20, 5))
    theta0 = np.random.default_rng(2).standard_normal(5)
    path = run_open_loop(build(name, lr=0.0), theta0, grads)
    assert np.array_equal(path, np.broadcast_to(theta0, path.shape))


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_batched_sweep_equals_runs_one_by_one(name):
    factory, good, sweep = OPTIMIZERS[name]
    hyper = {k: as_hyper(v) for k, v in sweep.items()}
    rng = np.random.default_rng(3)
    theta0 = rng.standard_normal((3, 4))
    grads = rng.standard_normal((40, 3, 4))
    batched = run_open_loop(factory(**{**good, **hyper}), theta0, grads)
    for i in range(3):
        setting = {k: pick(v, i) for k, v in hyper.items()}
        single = run_open_loop(factory(**{**good, **setting}), theta0[i], grads[:, i])
        # Equal to rounding: NumPy's array power may differ from Python's float power by an ulp.
        assert relative_error(batched[:, i], single) < 1e-13, (name, i)


def test_batched_grid_over_two_leading_axes():
    """A learning-rate × weight-decay grid: hyperparameters shaped (4, 1) and (1, 3)."""
    lrs, decays = np.array([[1e-3], [1e-2], [0.1], [0.3]]), np.array([[0.0, 0.01, 0.1]])
    rng = np.random.default_rng(4)
    theta0, grads = rng.standard_normal((4, 3, 5)), rng.standard_normal((30, 4, 3, 5))
    grid = run_open_loop(optlib.adamw(lr=lrs, weight_decay=decays), theta0, grads)
    for i in range(4):
        for j in range(3):
            one = optlib.adamw(lr=lrs[i, 0], weight_decay=decays[0, j])
            assert np.array_equal(grid[:, i, j], run_open_loop(one, theta0[i, j], grads[:, i, j]))


def test_hyperparameter_that_does_not_line_up_is_rejected():
    optimizer = optlib.sgd(lr=np.array([0.1, 0.2, 0.3]))
    params = np.zeros((2, 5))
    with pytest.raises(ValueError, match=r"shape \(3,\) does not line up .* \(2, 5\)"):
        optimizer.step(params, params, optimizer.init(params))


def test_dataclass_replace_is_all_a_slider_needs():
    adam = optlib.adam(lr=0.1)
    faster = dataclasses.replace(adam, lr=0.2)
    assert faster.lr == 0.2 and adam.lr == 0.1 and faster.betas == adam.betas
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        dataclasses.replace(adam, lr=-1)
    assert "lr=0.1" in repr(adam)


# --- Invalid hyperparameters -------------------------------------------------------------------

INVALID = [
    (optlib.sgd, {"lr": -0.1}, "Invalid learning rate: -0.1"),
    (optlib.sgd, {"lr": np.array([0.1, -0.5])}, "Invalid learning rate: -0.5"),
    (optlib.sgd, {"lr": float("nan")}, "Invalid learning rate: nan"),
    (optlib.sgd, {"momentum": -0.9}, "Invalid momentum value: -0.9"),
    (optlib.sgd, {"weight_decay": -1e-4}, "Invalid weight_decay value: -0.0001"),
    (optlib.sgd, {"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
    (
        optlib.sgd,
        {"nesterov": True, "momentum": 0.9, "dampening": 0.1},
        "Nesterov momentum requires a momentum and zero dampening",
    ),
    (optlib.momentum, {"lr": -1.0}, "Invalid learning rate: -1.0"),
    (optlib.momentum, {"gamma": -0.5}, "Invalid gamma value: -0.5"),
    (optlib.nag, {"lr": -0.5}, "Invalid learning rate: -0.5"),
    (optlib.nag, {"gamma": -0.5}, "Invalid gamma value: -0.5"),
    (optlib.adagrad, {"lr": -0.01}, "Invalid learning rate: -0.01"),
    (optlib.adagrad, {"lr_decay": -0.1}, "Invalid lr_decay value: -0.1"),
    (optlib.adagrad, {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    (
        optlib.adagrad,
        {"initial_accumulator_value": -1.0},
        "Invalid initial_accumulator_value value: -1.0",
    ),
    (optlib.adagrad, {"eps": -1e-10}, "Invalid epsilon value: -1e-10"),
    (optlib.rmsprop, {"lr": -0.01}, "Invalid learning rate: -0.01"),
    (optlib.rmsprop, {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    (optlib.rmsprop, {"momentum": -0.1}, "Invalid momentum value: -0.1"),
    (optlib.rmsprop, {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    (optlib.rmsprop, {"alpha": -0.99}, "Invalid alpha value: -0.99"),
    (optlib.adadelta, {"lr": -1.0}, "Invalid learning rate: -1.0"),
    (optlib.adadelta, {"rho": 1.5}, "Invalid rho value: 1.5"),
    (optlib.adadelta, {"rho": -0.1}, "Invalid rho value: -0.1"),
    (optlib.adadelta, {"eps": -1e-6}, "Invalid epsilon value: -1e-06"),
    (optlib.adadelta, {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    (optlib.adam, {"lr": -1e-3}, "Invalid learning rate: -0.001"),
    (optlib.adam, {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
    (optlib.adam, {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    (optlib.adam, {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
    (optlib.adam, {"betas": (0.9, np.array([0.9, 1.2]))}, "Invalid beta parameter at index 1: 1.2"),
    (optlib.adam, {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    (optlib.adamw, {"lr": -0.01}, "Invalid learning rate: -0.01"),
    (optlib.adamw, {"eps": -0.01}, "Invalid epsilon value: -0.01"),
    (optlib.adamw, {"weight_decay": -0.01}, "Invalid weight_decay value: -0.01"),
    (optlib.adamw, {"betas": (0.9, 1.0)}, "Invalid beta parameter at index 1: 1.0"),
    (optlib.nadam, {"lr": -2e-3}, "Invalid learning rate: -0.002"),
    (optlib.nadam, {"momentum_decay": -4e-3}, "Invalid momentum_decay value: -0.004"),
    (optlib.nadam, {"betas": (-0.1, 0.999)}, "Invalid beta parameter at index 0: -0.1"),
    (optlib.nadam, {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    (optlib.nadam, {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    (optlib.adamax, {"lr": -2e-3}, "Invalid learning rate: -0.002"),
    (optlib.adamax, {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    (optlib.adamax, {"betas": (0.9, 1.0)}, "Invalid beta parameter at index 1: 1.0"),
    (optlib.adamax, {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    (optlib.radam, {"lr": -1.0}, "Invalid learning rate: -1.0"),
    (optlib.radam, {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    (optlib.radam, {"betas": (1.5, 0.999)}, "Invalid beta parameter at index 0: 1.5"),
    (optlib.radam, {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    (optlib.radam, {"threshold": 3.0}, "Invalid threshold value: 3.0"),
    (optlib.adam, {"betas": (0.9,)}, "betas must be a pair"),
]


@pytest.mark.parametrize(
    ("factory", "kwargs", "message"),
    INVALID,
    ids=[f"{f.__name__}-{'-'.join(k)}" for f, k, _ in INVALID],
)
def test_invalid_hyperparameter_raises_documented_error(factory, kwargs, message):
    with pytest.raises(ValueError) as error:
        factory(**kwargs)
    assert str(error.value).startswith(message)


def test_every_optimizer_checks_every_numeric_hyperparameter():
    """Each hyperparameter that has a valid range appears in the INVALID table."""
    checked = {(factory, key) for factory, kwargs, _ in INVALID for key in kwargs}
    flags = {"nesterov", "amsgrad", "centered", "decoupled_weight_decay"}
    for factory in {entry[0] for entry in OPTIMIZERS.values()}:
        for name in defaults(factory):
            if name not in flags and name != "dampening":  # dampening has no range
                assert (factory, name) in checked, (factory.__name__, name)


def test_valid_boundary_values_are_accepted():
    optlib.sgd(lr=0.0, momentum=0.0, weight_decay=0.0)
    optlib.adam(betas=(0.0, 0.0), eps=0.0)
    optlib.adadelta(rho=0.0)
    optlib.adadelta(rho=1.0)
    optlib.radam(threshold=4.0)
    optlib.sgd(momentum=1.5)  # PyTorch sets no upper bound on momentum


def test_a_schedule_producing_a_negative_rate_is_caught_when_used():
    optimizer = optlib.sgd(lr=lambda k: 0.1 - 0.05 * k)
    params = np.zeros(2)
    state = optimizer.init(params)
    for _ in range(3):
        params, state = optimizer.step(params, np.ones(2), state)
    with pytest.raises(ValueError, match=r"Invalid learning rate: -0\.05"):
        optimizer.step(params, np.ones(2), state)


# --- The identities the book states ------------------------------------------------------------

vectors = st.integers(min_value=0, max_value=2**32 - 1).map(
    lambda seed: np.random.default_rng(seed).standard_normal((25, 4))
)
rates = st.floats(min_value=1e-4, max_value=0.5)
gammas = st.floats(min_value=0.0, max_value=0.99)


@settings(max_examples=30, deadline=None)
@given(grads=vectors, lr=rates)
def test_momentum_with_gamma_zero_is_plain_sgd(grads, lr):
    theta0 = grads[0]
    heavy_ball = run_open_loop(optlib.momentum(lr=lr, gamma=0.0), theta0, grads[1:])
    plain = run_open_loop(optlib.sgd(lr=lr), theta0, grads[1:])
    assert relative_error(heavy_ball, plain) < 1e-13


@settings(max_examples=30, deadline=None)
@given(grads=vectors, lr=rates, gamma=gammas)
def test_lecture_momentum_equals_pytorch_momentum_for_constant_rate(grads, lr, gamma):
    """v = −ηb turns γv − ηg into −η(γb + g): the same iterates."""
    theta0 = grads[0]
    lecture = run_open_loop(optlib.momentum(lr=lr, gamma=gamma), theta0, grads[1:])
    torch_form = run_open_loop(optlib.sgd(lr=lr, momentum=gamma), theta0, grads[1:])
    assert relative_error(lecture, torch_form) < 1e-12


def test_lecture_momentum_and_pytorch_momentum_differ_under_a_schedule():
    grads = np.random.default_rng(5).standard_normal((30, 3))
    schedule = schedules.step(0.1, step_size=10, gamma=0.1)
    lecture = run_open_loop(optlib.momentum(lr=schedule, gamma=0.9), np.zeros(3), grads)
    torch_form = run_open_loop(optlib.sgd(lr=schedule, momentum=0.9), np.zeros(3), grads)
    assert relative_error(lecture[:11], torch_form[:11]) < 1e-14  # same until the rate drops
    assert relative_error(lecture, torch_form) > 1e-3


def random_quadratic(seed: int):
    rng = np.random.default_rng(seed)
    Q = rng.standard_normal((4, 4))
    return functions.quadratic(Q @ Q.T + 0.1 * np.eye(4), b=rng.standard_normal(4))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), lr=st.floats(1e-3, 0.05), gamma=st.floats(0.01, 0.99))
def test_lookahead_nag_equals_pytorch_nesterov_after_change_of_variables(seed, lr, gamma):
    """PyTorch's nesterov iterate is the lecture's look-ahead point θ + γv (Bengio et al. 2013)."""
    f = random_quadratic(seed)
    theta0 = np.random.default_rng(seed).standard_normal(4)
    lecture = optlib.nag(lr=lr, gamma=gamma)
    torch_form = optlib.sgd(lr=lr, momentum=gamma, nesterov=True)
    theta, state = theta0, lecture.init(theta0)
    phi, torch_state = theta0, torch_form.init(theta0)
    for _ in range(60):
        lookahead = lecture.lookahead_point(theta, state)
        assert relative_error(phi, lookahead) < 1e-12 * max(1.0, np.abs(lookahead).max())
        theta, state = lecture.step(theta, f.grad(lookahead), state)
        phi, torch_state = torch_form.step(phi, f.grad(phi), torch_state)


@settings(max_examples=30, deadline=None)
@given(grads=vectors, lr=rates, amsgrad=st.booleans())
def test_adamw_with_zero_decay_is_adam(grads, lr, amsgrad):
    adamw = run_open_loop(optlib.adamw(lr=lr, weight_decay=0.0, amsgrad=amsgrad), grads[0], grads)
    adam = run_open_loop(optlib.adam(lr=lr, amsgrad=amsgrad), grads[0], grads)
    assert np.array_equal(adamw, adam)


@settings(max_examples=30, deadline=None)
@given(grads=vectors, scale=st.floats(1e-3, 1e3))
def test_adam_step_is_invariant_to_gradient_scale(grads, scale):
    """m and √v both scale by c, so m̂/√v̂ does not: exact with ε = 0. With ε > 0, scaling g by
    c is exactly the same as dividing ε by c, so the invariance holds where √v̂ ≫ ε."""
    exact = optlib.adam(lr=0.01, eps=0.0)
    unscaled = run_open_loop(exact, grads[0], grads)
    assert relative_error(unscaled, run_open_loop(exact, grads[0], scale * grads)) < 1e-12
    with_eps = run_open_loop(optlib.adam(lr=0.01, eps=1e-8), grads[0], scale * grads)
    eps_scaled = run_open_loop(optlib.adam(lr=0.01, eps=1e-8 / scale), grads[0], grads)
    assert relative_error(with_eps, eps_scaled) < 1e-12


@settings(max_examples=30, deadline=None)
@given(grads=vectors, lr=rates)
def test_adam_first_step_is_lr_times_sign(grads, lr):
    theta0, g = grads[0], grads[1]
    adam = optlib.adam(lr=lr)
    theta1, _ = adam.step(theta0, g, adam.init(theta0))
    assert relative_error(theta1, theta0 - lr * g / (np.abs(g) + 1e-8)) < 1e-14
    # |g/(|g| + ε) − sign(g)| = ε/(|g| + ε): the step is η·sign(g) up to ηε/|g|.
    assert np.all(np.abs(theta1 - (theta0 - lr * np.sign(g))) <= lr * 1e-8 / np.abs(g) + 1e-15)


@settings(max_examples=30, deadline=None)
@given(grads=vectors, lr=rates, beta1=st.floats(0.0, 0.99))
def test_radam_first_five_steps_are_sgd_with_bias_corrected_momentum(grads, lr, beta1):
    """With β₂ = 0.999, ρ_t ≤ 5 for t ≤ 5 (PyTorch's rule): θ ← θ − η m̂ by hand."""
    theta0 = grads[0]
    radam = run_open_loop(optlib.radam(lr=lr, betas=(beta1, 0.999)), theta0, grads[1:7])
    theta, m = theta0.copy(), np.zeros_like(theta0)
    for t, g in enumerate(grads[1:6], start=1):
        m = beta1 * m + (1 - beta1) * g
        theta = theta - lr * m / (1 - beta1**t)
        assert relative_error(radam[t], theta) < 1e-13
    # The sixth step is rectified: it no longer follows the momentum rule.
    m6 = beta1 * m + (1 - beta1) * grads[6]
    assert relative_error(radam[6], theta - lr * m6 / (1 - beta1**6)) > 1e-6


def test_radam_rho_and_first_rectified_step():
    """ρ∞ = 1999 for β₂ = 0.999; ρ_t = 1, 1.9995, 2.9987, 3.9975, 4.9960, 5.9942 (by hand)."""
    beta2, t = 0.999, np.arange(1, 7)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
    assert rho_inf == pytest.approx(1999)
    assert rho_t == pytest.approx([1, 1.9995, 2.9987, 3.9975, 4.9960, 5.9942], abs=1e-4)
    grads = np.random.default_rng(6).standard_normal((8, 3))
    for threshold, first in ((5.0, 6), (4.0, 5)):
        radam = optlib.radam(lr=0.1, threshold=threshold)
        path = run_open_loop(radam, np.zeros(3), grads)
        momentum_only = run_open_loop(optlib.radam(lr=0.1, threshold=1e9), np.zeros(3), grads)
        assert np.array_equal(path[:first], momentum_only[:first])
        assert not np.allclose(path[first], momentum_only[first])


def test_sma_length_and_bias_correction_helpers():
    """The helpers RAdam's step reads like the paper with: spot values computed by hand."""
    from optlib.optimizers import bias_corrected, max_sma_length, sma_length

    assert max_sma_length(0.999) == pytest.approx(1999)
    expected = [1, 1.9995, 2.9987, 3.9975, 4.9960, 5.9942]
    assert sma_length(0.999, np.arange(1, 7)) == pytest.approx(expected, abs=1e-4)
    assert sma_length(0.5, 1) == pytest.approx(1.0)  # ρ₁ = 1 for any β₂
    assert bias_corrected(np.array([0.1]), 0.9, 1) == pytest.approx([1.0])


def test_radam_with_a_short_memory_is_never_rectified():
    """β₂ = 0.6: ρ∞ = 2/(1 − β₂) − 1 = 4, so ρ_t < 4 for ever and every step is SGD with
    bias-corrected momentum (by hand), in a single run as in a sweep."""
    grads = np.random.default_rng(12).standard_normal((20, 3))
    path = run_open_loop(optlib.radam(lr=0.1, betas=(0.9, 0.6)), np.zeros(3), grads)
    theta, m = np.zeros(3), np.zeros(3)
    for t, g in enumerate(grads, start=1):
        m = 0.9 * m + 0.1 * g
        theta = theta - 0.1 * m / (1 - 0.9**t)
        assert relative_error(path[t], theta) < 1e-13


def test_radam_rectification_matches_hand_formula():
    beta1, beta2, lr, eps = 0.9, 0.999, 0.1, 1e-8
    grads = np.random.default_rng(7).standard_normal((10, 3))
    path = run_open_loop(optlib.radam(lr=lr, betas=(beta1, beta2), eps=eps), np.zeros(3), grads)
    theta, m, v = np.zeros(3), np.zeros(3), np.zeros(3)
    rho_inf = 2 / (1 - beta2) - 1
    for t, g in enumerate(grads, start=1):
        m, v = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g * g
        rho = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
        m_hat = m / (1 - beta1**t)
        if rho > 5:
            r = np.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
            theta = theta - lr * m_hat * r * np.sqrt(1 - beta2**t) / (np.sqrt(v) + eps)
        else:
            theta = theta - lr * m_hat
        assert relative_error(path[t], theta) < 1e-13


def test_nadam_first_momentum_coefficient():
    """μ₁ = β₁(1 − ½·0.96^{tψ}) = 0.450073 for β₁ = 0.9, ψ = 0.004, computed by hand."""
    nadam = optlib.nadam()
    _, state = nadam.step(np.zeros(1), np.ones(1), nadam.init(np.zeros(1)))
    assert state.mu_product == pytest.approx(0.450073, abs=1e-6)


def test_adadelta_uses_previous_update_average_in_numerator():
    """First step by hand: v = (1−ρ)g², Δ = √ε/√(v + ε)·g (u₀ = 0), so the step is tiny."""
    rho, eps, g = 0.9, 1e-6, np.array([2.0, -0.5])
    adadelta = optlib.adadelta(rho=rho, eps=eps)
    theta1, state = adadelta.step(np.zeros(2), g, adadelta.init(np.zeros(2)))
    delta = np.sqrt(eps) / np.sqrt((1 - rho) * g**2 + eps) * g
    assert relative_error(theta1, -delta) < 1e-14
    assert relative_error(state.u, (1 - rho) * delta**2) < 1e-14
    assert np.all(np.abs(theta1) < 1e-2)


def test_adagrad_effective_rate_shrinks_like_one_over_sqrt_t():
    """Constant gradient g: G_t = t g², step_t = η g/(√t |g|) = η/√t."""
    adagrad = optlib.adagrad(lr=0.1, eps=0.0)
    path = run_open_loop(adagrad, np.zeros(1), np.full((100, 1), 3.0))
    steps = -np.diff(path[:, 0])
    assert relative_error(steps, 0.1 / np.sqrt(np.arange(1, 101))) < 1e-14


def test_centered_rmsprop_survives_a_constant_gradient():
    """v − ḡ² is 0 in exact arithmetic for a constant gradient; round-off can make it negative
    (PyTorch then returns NaN; with this g it first happens at t = 330). optlib clamps at 0."""
    rmsprop = optlib.rmsprop(lr=0.01, alpha=0.9, centered=True)
    path = run_open_loop(rmsprop, np.zeros(1), np.full((1000, 1), 0.36159505490948474))
    assert np.all(np.isfinite(path))


def test_sgd_step_is_minus_lr_times_gradient():
    theta, g = np.array([1.0, -2.0]), np.array([0.5, 4.0])
    sgd = optlib.sgd(lr=0.1)
    new, _ = sgd.step(theta, g, sgd.init(theta))
    assert np.array_equal(new, np.array([1.0 - 0.05, -2.0 - 0.4]))


def test_decoupled_decay_shrinks_params_with_zero_gradient():
    """The decay always shrinks θ (the lecture's slide flips the sign on one page)."""
    theta = np.array([2.0, -3.0])
    adamw = optlib.adamw(lr=0.1, weight_decay=0.5)
    new, _ = adamw.step(theta, np.zeros(2), adamw.init(theta))
    assert np.array_equal(new, theta * (1 - 0.1 * 0.5))


# --- In place, block by block (step_) ----------------------------------------------------------


def run_in_place(optimizer, theta0: np.ndarray, grads: np.ndarray) -> np.ndarray:
    """run_open_loop with step_: one params array, overwritten at every step."""
    params = np.array(theta0, dtype=float)
    state, path = optimizer.init(params), [params.copy()]
    for g in grads:
        same, state = optimizer.step_(params, g, state)
        assert same is params
        path.append(params.copy())
    return np.array(path)


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 64 entries, so that small arrays span several (and a ragged last one)."""
    monkeypatch.setattr(optlib.optimizers, "BLOCK", 64)


@pytest.mark.parametrize("shape", [(3 * 64 + 5,), (7, 29), (40,)])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_in_place_step_is_step_bit_for_bit(name, shape, small_blocks):
    rng = np.random.default_rng(7)
    theta0, grads = rng.standard_normal(shape), 3 * rng.standard_normal((12, *shape))
    optimizer = build(name)
    assert np.array_equal(
        run_in_place(optimizer, theta0, grads), run_open_loop(optimizer, theta0, grads)
    )


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_in_place_batched_sweep_is_step_bit_for_bit(name, small_blocks):
    """Array hyperparameters: the arrays are stepped whole (no blocks), still in place."""
    factory, good, sweep = OPTIMIZERS[name]
    optimizer = factory(**{**good, **{k: as_hyper(v) for k, v in sweep.items()}})
    rng = np.random.default_rng(8)
    theta0, grads = rng.standard_normal((3, 100)), rng.standard_normal((12, 3, 100))
    assert np.array_equal(
        run_in_place(optimizer, theta0, grads), run_open_loop(optimizer, theta0, grads)
    )


def test_in_place_step_with_a_schedule_and_a_sweep(small_blocks):
    rng = np.random.default_rng(9)
    theta0, grads = rng.standard_normal((4, 50)), rng.standard_normal((30, 4, 50))
    for optimizer in (
        optlib.adam(lr=schedules.cosine(0.1, T_max=20)),
        optlib.sgd(lr=np.linspace(0.01, 0.1, 4), momentum=0.9),  # one rate per run
        optlib.radam(lr=0.1, betas=(0.9, np.linspace(0.6, 0.999, 4))),
        optlib.adamw(lr=schedules.cosine(np.array([0.1, 0.2, 0.3, 0.4]), T_max=20)),
    ):
        in_place = run_in_place(optimizer, theta0, grads)
        assert np.array_equal(in_place, run_open_loop(optimizer, theta0, grads)), optimizer


def test_in_place_step_evaluates_the_schedule_once_per_step(small_blocks):
    """The engine fixes η_t before it runs the rule on the blocks (10 blocks here)."""
    calls = []

    def schedule(k):
        calls.append(k)
        return 0.1 / (1 + k)

    params, grads = np.zeros(640), np.ones(640)
    adam = optlib.adam(lr=schedule)
    state = adam.init(params)
    for _ in range(3):
        params, state = adam.step_(params, grads, state)
    assert calls == [0, 1, 2]


def test_in_place_step_overwrites_params_and_buffers_and_nothing_else(small_blocks):
    rng = np.random.default_rng(10)
    params, grads = rng.standard_normal(300), rng.standard_normal(300)
    grads_before = grads.copy()
    adam = optlib.adam(lr=0.1, amsgrad=True)
    state = adam.init(params)
    expected_params, expected_state = adam.step(params, grads, state)
    new_params, new_state = adam.step_(params, grads, state)
    assert new_params is params and np.array_equal(params, expected_params)
    assert new_state.m is state.m and new_state.v is state.v and new_state.v_max is state.v_max
    for ours, pure in zip(new_state, expected_state, strict=True):
        assert np.array_equal(ours, pure)
    assert np.array_equal(grads, grads_before) and new_state.t == 1


def test_in_place_step_of_a_strided_view_updates_the_view(small_blocks):
    base = np.random.default_rng(11).standard_normal((300, 2))
    column, grads = base[:, 0], np.ones(300)  # not contiguous: stepped whole
    expected, _ = optlib.sgd(lr=0.1).step(column, grads, optlib.sgd(lr=0.1).init(column))
    optlib.sgd(lr=0.1).step_(column, grads, optlib.sgd(lr=0.1).init(column))
    assert np.array_equal(base[:, 0], expected)


def test_in_place_step_needs_a_float_array_and_matching_grads():
    sgd = optlib.sgd(lr=0.1)
    with pytest.raises(ValueError, match="floating-point NumPy array, got ndarray of dtype int64"):
        sgd.step_(np.arange(3), np.ones(3), sgd.init(np.zeros(3)))
    with pytest.raises(
        ValueError, match=r"grads of shape \(2,\) do not match params of shape \(3,\)"
    ):
        sgd.step_(np.zeros(3), np.ones(2), sgd.init(np.zeros(3)))


def test_state_holds_only_the_buffers_the_options_use():
    def buffers(optimizer) -> int:
        params = np.zeros(10)
        return sum(isinstance(x, np.ndarray) for x in optimizer.init(params))

    assert buffers(optlib.sgd()) == 0 and buffers(optlib.sgd(momentum=0.9)) == 1
    assert buffers(optlib.rmsprop()) == 1
    assert buffers(optlib.rmsprop(centered=True)) == 2
    assert buffers(optlib.rmsprop(centered=True, momentum=0.9)) == 3
    assert buffers(optlib.adam()) == 2 and buffers(optlib.adam(amsgrad=True)) == 3
    assert buffers(optlib.radam()) == 2 and buffers(optlib.adamw()) == 2


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_state_names_its_buffers(name):
    """step_ overwrites exactly the arrays a state names in ``buffers``: every parameter-sized
    array of the state, and nothing else."""
    state = build(name).init(np.zeros((4, 3)))
    arrays = {f for f, value in zip(state._fields, state, strict=True) if np.shape(value) == (4, 3)}
    named = {buffer for buffer in state.buffers if getattr(state, buffer) is not None}
    assert arrays == named and "t" not in state.buffers


def test_sgd_momentum_buffer_does_not_alias_the_callers_gradient():
    """PyTorch clones the first gradient into the buffer; so does optlib."""
    sgd = optlib.sgd(lr=0.1, momentum=0.9)
    grads = np.ones(3)
    _, state = sgd.step(np.zeros(3), grads, sgd.init(np.zeros(3)))
    grads[:] = 5.0
    assert np.array_equal(state.b, np.ones(3))


PAGE_FAULTS_SCRIPT = """
import resource, numpy as np, optlib
params, grads = np.random.default_rng(0).standard_normal(10**6), np.ones(10**6)
optimizer = optlib.{rule}
state = optimizer.init(params)
params, state = optimizer.step_(params, grads, state)  # the first step may fault
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    params, state = optimizer.step_(params, grads, state)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 10)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts Linux page faults")
@pytest.mark.parametrize("rule", ["sgd(lr=0.1, momentum=0.9)", "adam()"])
def test_in_place_step_takes_no_fresh_memory_in_a_fresh_process(rule):
    """A count, not a time: one array of 10⁶ float64 is 1,953 pages, and step_ should fault
    (almost) none of them per step. Without optimizers._keep_freed_memory it faulted ~3,400."""
    result = subprocess.run(
        [sys.executable, "-c", PAGE_FAULTS_SCRIPT.format(rule=rule)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    assert float(result.stdout) < 50, result.stdout
