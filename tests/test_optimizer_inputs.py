"""Optimizers given bad or unusual inputs: they refuse them with a message that names the argument,
or take them as PyTorch does — never a silent change of shape or dtype, never a per-coordinate
reading of a sweep, never a half-applied in-place step.

References are independent of optlib: runs one setting at a time, the pure ``step`` for
``step_``, the float64 run for the float32 one, and float32 trajectories recorded from PyTorch
2.13 (tests/data/record_optimizers_float32.py).
"""

from __future__ import annotations

import inspect
import json
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from test_optimizers import OPTIMIZERS, TORCH_TO_OPTLIB, as_hyper, build, run_open_loop

import optlib
from optlib import functions, schedules
from optlib.gradcheck import relative_error

FLOAT32 = np.load(Path(__file__).parent / "data" / "torch_optimizers_float32.npz")
FLOAT32_META = json.loads(str(FLOAT32["meta"]))


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 64 entries, so that step_ on small arrays spans several blocks."""
    monkeypatch.setattr(optlib.optimizers, "BLOCK", 64)


def buffers(state) -> dict:
    """The parameter-sized arrays a state holds, by name."""
    return {
        name: getattr(state, name) for name in state.buffers if getattr(state, name) is not None
    }


def copy_state(state):
    return state._replace(**{name: np.copy(array) for name, array in buffers(state).items()})


def assert_same_state(ours, reference) -> None:
    assert ours.t == reference.t and buffers(ours).keys() == buffers(reference).keys()
    for name, array in buffers(reference).items():
        assert np.array_equal(buffers(ours)[name], array), name


# --- Shapes and states: step refuses what it would broadcast --------------------------------------


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_step_refuses_grads_of_another_shape(name):
    """adam.step(zeros(3), ones((4, 3)), state) used to return params of shape (4, 3)."""
    optimizer = build(name)
    params = np.zeros(3)
    state = optimizer.init(params)
    for grads in (np.ones((4, 3)), np.ones(1), np.float64(1.0), np.ones((3, 1))):
        shape = re.escape(str(np.shape(grads)))
        with pytest.raises(
            ValueError, match=rf"^grads of shape {shape} do not match params of shape \(3,\)$"
        ):
            optimizer.step(params, grads, state)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_step_refuses_the_state_of_another_optimizer(name):
    optimizer = build(name)
    params, grads = np.zeros(3), np.ones(3)
    own = type(optimizer.init(params)).__name__
    for other in OPTIMIZERS:
        foreign = build(other).init(params)
        if type(foreign).__name__ == own:
            continue
        got = type(foreign).__name__
        expected = rf"^state must be the {own} that this optimizer's init makes .*, got {got}$"
        with pytest.raises(TypeError, match=expected):
            optimizer.step(params, grads, foreign)
    with pytest.raises(TypeError, match=rf"state must be the {own} .*, got dict"):
        optimizer.step(params, grads, {"t": 0})


@pytest.mark.parametrize("name", [n for n in OPTIMIZERS if buffers(build(n).init(np.zeros(1)))])
def test_step_refuses_state_buffers_of_another_shape(name):
    optimizer = build(name)
    params, grads = np.zeros((2, 3)), np.ones((2, 3))
    for shape in [(3,), (2, 1), (4, 2, 3)]:  # the first two used to broadcast silently
        state = optimizer.init(np.zeros(shape))
        first = next(iter(buffers(state)))
        expected = rf"^state\.{first} of shape {re.escape(str(shape))} does not match params of "
        expected += r"shape \(2, 3\)$"
        with pytest.raises(ValueError, match=expected):
            optimizer.step(params, grads, state)


def test_step_refuses_a_state_made_with_other_options():
    """A buffer missing (None) or one the options do not use: made by another optimizer's init."""
    params, grads = np.zeros(3), np.ones(3)
    cases = [
        (optlib.rmsprop(centered=True), optlib.rmsprop(), r"state\.g_bar is None, .* needs one"),
        (optlib.rmsprop(momentum=0.9), optlib.rmsprop(), r"state\.b is None, .* needs one"),
        (optlib.adam(amsgrad=True), optlib.adam(), r"state\.v_max is None, .* needs one"),
        (optlib.adam(), optlib.adam(amsgrad=True), r"state\.v_max is an array, .* keeps none"),
        (
            optlib.rmsprop(),
            optlib.rmsprop(centered=True),
            r"state\.g_bar is an array, .* keeps none",
        ),
    ]
    for optimizer, other, message in cases:
        with pytest.raises(ValueError, match=message):
            optimizer.step(params, grads, other.init(params))


def test_lookahead_point_checks_the_state_too():
    nag = optlib.nag(lr=0.1, gamma=0.9)
    params = np.zeros(3)
    with pytest.raises(TypeError, match="state must be the VelocityState"):
        nag.lookahead_point(params, optlib.adam().init(params))
    with pytest.raises(ValueError, match=r"state\.v of shape \(1,\) does not match params"):
        nag.lookahead_point(params, nag.init(np.zeros(1)))


@pytest.mark.parametrize("t", [True, np.True_, 1.0, np.float64(2.0), -1, "1", None])
def test_step_refuses_a_step_count_that_is_not_a_whole_number(t):
    adam = optlib.adam(lr=0.1)
    params = np.zeros(3)
    state = adam.init(params)._replace(t=t)
    with pytest.raises(ValueError, match=r"^Invalid state\.t: .* \(the number of steps taken"):
        adam.step(params, np.ones(3), state)


@pytest.mark.parametrize("t", [True, 1.5, 0, "1", None])
def test_a_step_count_given_by_hand_is_a_whole_number_from_one(t):
    """eta(t) and at_step(t), the two places a reader passes a step count."""
    scheduled = optlib.adam(lr=schedules.cosine(0.1, T_max=10))
    for method in (scheduled.eta, scheduled.at_step, optlib.adam().eta, optlib.adam().at_step):
        with pytest.raises(ValueError, match=rf"^Invalid step t: {re.escape(repr(t))} "):
            method(t)
    assert scheduled.eta(np.int64(1)) == scheduled.eta(1) == 0.1


def test_step_takes_lists_and_integers_as_float64_and_refuses_what_is_not_a_number():
    sgd = optlib.sgd(lr=0.5)
    new, _ = sgd.step([1, 2], [2, 2], sgd.init([1, 2]))  # a reader writes lists
    assert new.dtype == np.float64 and np.array_equal(new, [0.0, 1.0])
    new, _ = sgd.step(np.array([1, 2]), np.array([2, 2]), sgd.init(np.zeros(2)))
    assert new.dtype == np.float64 and np.array_equal(new, [0.0, 1.0])
    state = sgd.init(np.zeros(2))
    for params in (["1", "2"], [1, [2, 3]], np.array([True, False]), np.array([1j, 2])):
        with pytest.raises(TypeError, match=r"^params must be an array of real numbers"):
            sgd.step(params, np.ones(2), state)
    for grads in (["a", "b"], np.array([1j, 2]), np.array([True, True]), None):
        with pytest.raises(TypeError, match=r"^grads must be an array of real numbers"):
            sgd.step(np.zeros(2), grads, state)


# --- A hyperparameter array names runs, never coordinates -----------------------------------------


def test_a_per_coordinate_learning_rate_is_refused_by_minimize():
    """The issue's example: it used to run one run with a rate per coordinate."""
    with pytest.raises(ValueError) as error:
        optlib.minimize(
            functions.rosenbrock, np.array([-1.2, 1.0]), optlib.sgd(lr=np.array([1e-3, 1.0])), 5
        )
    assert str(error.value) == (
        "lr of shape (2,) does not line up with the batch axes () of params of shape (2,): a "
        "hyperparameter array gives one setting per run of a batch, not one per coordinate"
    )


TWO = {  # two valid settings of each hyperparameter
    "lr": [0.1, 0.2],
    "momentum": [0.5, 0.9],
    "dampening": [0.1, 0.2],
    "weight_decay": [0.1, 0.2],
    "gamma": [0.5, 0.9],
    "lr_decay": [0.0, 0.1],
    "initial_accumulator_value": [0.0, 0.1],
    "eps": [1e-8, 1e-6],
    "alpha": [0.9, 0.99],
    "rho": [0.5, 0.9],
    "momentum_decay": [4e-3, 1e-2],
    "threshold": [4.0, 5.0],
    "betas": [0.5, 0.9],
}
PER_RUN = [  # (factory, fixed settings, the hyperparameter given as an array, its name)
    *((optlib.sgd, {"momentum": 0.9}, key, key) for key in ("lr", "momentum", "dampening")),
    (optlib.sgd, {}, "weight_decay", "weight_decay"),
    (optlib.momentum, {}, "gamma", "gamma"),
    (optlib.nag, {}, "lr", "lr"),
    *((optlib.adagrad, {}, key, key) for key in ("lr_decay", "initial_accumulator_value", "eps")),
    *((optlib.rmsprop, {"centered": True}, key, key) for key in ("alpha", "momentum")),
    (optlib.adadelta, {}, "rho", "rho"),
    (optlib.adadelta, {}, "weight_decay", "weight_decay"),
    (optlib.adam, {}, "betas0", "betas[0]"),
    (optlib.adam, {}, "betas1", "betas[1]"),
    (optlib.adamw, {}, "weight_decay", "weight_decay"),
    (optlib.nadam, {}, "momentum_decay", "momentum_decay"),
    (optlib.adamax, {}, "eps", "eps"),
    (optlib.radam, {}, "threshold", "threshold"),
    (optlib.radam, {"decoupled_weight_decay": True}, "weight_decay", "weight_decay"),
    (optlib.adam, {}, "schedule", r"lr (the schedule's value at k = 0)"),
]


def with_array(factory, fixed: dict, key: str, array: np.ndarray):
    if key.startswith("betas"):
        betas = [0.9, 0.999]
        betas[int(key[-1])] = array
        return factory(**fixed, betas=tuple(betas))
    if key == "schedule":
        return factory(**fixed, lr=schedules.cosine(array, T_max=10))
    return factory(**{**fixed, key: array})


@pytest.mark.parametrize(
    ("factory", "fixed", "key", "name"),
    PER_RUN,
    ids=[f"{f.__name__}-{n}" for f, _, _, n in PER_RUN],
)
def test_a_hyperparameter_array_must_line_up_with_the_batch_axes(factory, fixed, key, name):
    """Its axes are the leading axes of params without the last (the coordinates): the message
    names the hyperparameter, for a rule's own, a piece's and a schedule's values."""
    two = np.array(TWO[{"betas0": "betas", "betas1": "betas", "schedule": "lr"}.get(key, key)])
    for params, array in [
        (np.zeros(2), two),  # one run of 2 coordinates: an array of 2 is per coordinate
        (np.zeros((3, 2)), np.tile(two, (3, 1))),  # shaped like params
        (np.zeros((3, 2)), np.tile(two, (3, 1))[:, :1]),  # (3, 1): still as many axes
        (np.zeros((3, 2)), two),  # 2 settings for a batch of 3 runs
    ]:
        optimizer = with_array(factory, fixed, key, array)
        message = rf"^{re.escape(name)} of shape {re.escape(str(array.shape))} does not line up "
        message += rf"with the batch axes {re.escape(str(params.shape[:-1]))} of params"
        with pytest.raises(ValueError, match=message):
            state = optimizer.init(params)
            optimizer.step(params, np.ones_like(params), state)  # the schedule's value fails here
    batched = with_array(factory, fixed, key, two)  # a batch of two runs is what it is for
    params = np.zeros((2, 5))
    batched.step(params, np.ones_like(params), batched.init(params))


@pytest.mark.parametrize("in_place", [False, True])
def test_radam_thresholds_are_one_per_run(in_place, small_blocks):
    """A batch of thresholds is the same as separate runs, on runs as long as the batch (3 × 3),
    where an application along the coordinates would differ: the first rectified step is t = 5
    for 4, t = 6 for 5, never for 10⁹."""
    thresholds = np.array([4.0, 5.0, 1e9])
    rng = np.random.default_rng(20)
    theta0, grads = rng.standard_normal((3, 3)), rng.standard_normal((10, 3, 3))
    radam = optlib.radam(lr=0.1, threshold=thresholds)
    params, state = theta0.copy(), radam.init(theta0)
    path = [params.copy()]
    for g in grads:
        params, state = (radam.step_ if in_place else radam.step)(params, g, state)
        path.append(params.copy())
    singles = [
        run_open_loop(optlib.radam(lr=0.1, threshold=threshold), theta0[i], grads[:, i])
        for i, threshold in enumerate(thresholds)
    ]
    for i, single in enumerate(singles):
        assert np.array_equal(np.array(path)[:, i], single), i
    never = run_open_loop(optlib.radam(lr=0.1, threshold=1e9), theta0[0], grads[:, 0])
    assert np.array_equal(singles[0][:5], never[:5]) and not np.allclose(singles[0][5], never[5])


# --- Construction: every hyperparameter refuses what is not a number, unambiguously --------------

FACTORIES = [
    optlib.sgd,
    optlib.momentum,
    optlib.nag,
    optlib.adagrad,
    optlib.rmsprop,
    optlib.adadelta,
    optlib.adam,
    optlib.adamw,
    optlib.nadam,
    optlib.adamax,
    optlib.radam,
]
FLAGS = {"nesterov", "amsgrad", "centered", "decoupled_weight_decay"}
KEYWORDS = [(f, k) for f in FACTORIES for k in inspect.signature(f).parameters]
PREFIX = {"lr": "Invalid learning rate", "eps": "Invalid epsilon value"}


@pytest.mark.parametrize(
    ("factory", "keyword"), KEYWORDS, ids=[f"{f.__name__}-{k}" for f, k in KEYWORDS]
)
def test_every_hyperparameter_refuses_a_string_and_shows_it_quoted(factory, keyword):
    """ "0.1" used to read ``Invalid learning rate: 0.1``, like the number; flags took any truthy
    value (``nesterov="False"`` was Nesterov), dampening took anything."""
    fixed = {"momentum": 0.9} if keyword == "dampening" else {}
    if keyword == "betas":
        value, message = (0.9, "0.999"), "Invalid beta parameter at index 1: '0.999'"
    elif keyword in FLAGS:
        value, message = "False", f"Invalid {keyword} value: 'False' (True or False)"
    else:
        value, message = "0.1", f"{PREFIX.get(keyword, f'Invalid {keyword} value')}: '0.1'"
    with pytest.raises(ValueError) as error:
        factory(**fixed, **{keyword: value})
    assert str(error.value) == message


def test_numbers_that_are_not_reals_and_flags_that_are_not_bools_are_refused():
    for value, shown in [(Decimal("0.1"), "Decimal('0.1')"), (None, "None"), (1j, "1j")]:
        with pytest.raises(ValueError, match=re.escape(f"Invalid learning rate: {shown}")):
            optlib.adam(lr=value)
    for flag in (1, 0.0, None, "True", np.array([True, False])):
        with pytest.raises(ValueError, match=r"Invalid amsgrad value: .* \(True or False\)"):
            optlib.adam(amsgrad=flag)
    with pytest.raises(ValueError, match="Invalid dampening value: nan"):
        optlib.sgd(momentum=0.9, dampening=float("nan"))
    with pytest.raises(ValueError, match="betas must be a pair"):
        optlib.adam(betas=0.9)
    assert optlib.adam(amsgrad=np.True_).init(np.zeros(2)).v_max is not None
    assert optlib.adam(betas=[0.5, 0.9]).betas == (0.5, 0.9)  # a list is the pair PyTorch takes


# --- step_ is atomic: every array is updated, or none is ------------------------------------------


def test_in_place_step_with_a_read_only_buffer_changes_nothing(small_blocks):
    """It used to write params (and the buffers before the read-only one), then raise: a retry
    took the step twice."""
    rng = np.random.default_rng(21)
    params, grads = rng.standard_normal(300), rng.standard_normal(300)
    adam = optlib.adam(lr=0.1, amsgrad=True)
    _, state = adam.step(params, grads, adam.init(params))  # buffers that are not zero
    params_before, state_before = params.copy(), copy_state(state)
    for name, array in [*buffers(state).items(), ("params", params)]:
        array.flags.writeable = False
        with pytest.raises(ValueError) as error:
            adam.step_(params, grads, state)
        assert np.array_equal(params, params_before)  # the test the old engine failed
        assert_same_state(state, state_before)
        where = "params" if name == "params" else f"state.{name}"
        assert str(error.value).startswith(f"step_ updates {where} in place, but it is read-only")
        array.flags.writeable = True
    expected_params, expected_state = adam.step(params_before, grads, state_before)
    _, new_state = adam.step_(params, grads, state)  # the retry takes one step
    assert np.array_equal(params, expected_params)
    assert_same_state(new_state, expected_state)


def test_in_place_step_on_a_checkpoint_opened_read_only_changes_nothing(tmp_path):
    rng = np.random.default_rng(22)
    params, grads = rng.standard_normal(1000), rng.standard_normal(1000)
    adam = optlib.adam(lr=0.1)
    _, state = adam.step(params, grads, adam.init(params))
    for name in ("m", "v"):
        np.save(tmp_path / f"{name}.npy", getattr(state, name))
    loaded = state._replace(**{n: np.load(tmp_path / f"{n}.npy", mmap_mode="r") for n in "mv"})
    params_before = params.copy()
    with pytest.raises(ValueError) as error:
        adam.step_(params, grads, loaded)
    assert np.array_equal(params, params_before)
    for name in ("m", "v"):
        assert np.array_equal(np.load(tmp_path / f"{name}.npy"), getattr(state, name))
    assert str(error.value).startswith("step_ updates state.m in place, but it is read-only")
    retry = loaded._replace(m=np.array(loaded.m), v=np.array(loaded.v))  # writeable copies
    _, new_state = adam.step_(params, grads, retry)
    expected_params, expected_state = adam.step(params_before, grads, state)
    assert np.array_equal(params, expected_params)
    assert_same_state(new_state, expected_state)


def test_in_place_step_refuses_bad_inputs_before_writing_anything(small_blocks):
    rng = np.random.default_rng(23)
    params, grads = rng.standard_normal(200), rng.standard_normal(200)
    sgd = optlib.sgd(lr=0.1, momentum=0.9)
    _, state = sgd.step(params, grads, sgd.init(params))
    params_before, state_before = params.copy(), copy_state(state)
    float32_buffer = state._replace(b=state.b.astype(np.float32))
    bad = [
        (grads[:100], state, ValueError, r"^grads of shape \(100,\) do not match params"),
        (
            grads,
            float32_buffer,
            ValueError,
            r"^step_ updates state\.b in place: it needs a NumPy "
            r"array of the dtype of params \(float64\), got ndarray of dtype float32",
        ),
        (grads, state._replace(b=state.b[:100]), ValueError, r"^state\.b of shape \(100,\)"),
        (grads, state._replace(t=True), ValueError, r"^Invalid state\.t: True"),
        (grads, optlib.adam().init(params), TypeError, "^state must be the SGDMomentumState"),
    ]
    for g, s, error, message in bad:
        with pytest.raises(error, match=message):
            sgd.step_(params, g, s)
        assert np.array_equal(params, params_before)
        assert_same_state(state, state_before)


def test_in_place_step_updates_state_buffers_that_are_not_contiguous(small_blocks):
    """A Fortran-ordered buffer (a transposed checkpoint): reshape(-1) of it is a copy, whose
    update used to be lost. Such arrays are stepped whole."""
    rng = np.random.default_rng(24)
    params, grads = rng.standard_normal((7, 29)), rng.standard_normal((7, 29))
    adam = optlib.adam(lr=0.1)
    _, state = adam.step(params, grads, adam.init(params))
    expected_params, expected_state = adam.step(params, grads, state)
    strided = state._replace(m=np.asfortranarray(state.m), v=state.v.T.copy().T)
    assert not strided.m.flags.c_contiguous and not strided.v.flags.c_contiguous
    new_params, new_state = adam.step_(params, grads, strided)
    assert np.array_equal(new_params, expected_params)
    assert new_state.m is strided.m
    assert_same_state(new_state, expected_state)


# --- dtype: parameters and state keep the parameters' floating dtype, as in PyTorch ---------------


def float_run(optimizer, theta0: np.ndarray, grads: np.ndarray, in_place: bool = False):
    """Iterates and the last state, checking at every step that the dtype of theta0 is kept."""
    params, state = theta0.copy(), optimizer.init(theta0)
    path = [params.copy()]
    for g in grads:
        params, state = (optimizer.step_ if in_place else optimizer.step)(params, g, state)
        assert params.dtype == theta0.dtype
        assert all(array.dtype == theta0.dtype for array in buffers(state).values()), state
        path.append(params.copy())
    return np.array(path), state


@pytest.mark.parametrize("sweep", [False, True])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_float32_params_give_float32_params_and_state(name, sweep, small_blocks):
    """In step and step_ alike, for every rule, with numbers or a sweep of arrays; 50 steps agree
    with the float64 run to float32 precision (the float64 run is fed the same gradients)."""
    factory, good, settings = OPTIMIZERS[name]
    optimizer = factory(
        **{**good, **({k: as_hyper(v) for k, v in settings.items()} if sweep else {})}
    )
    rng = np.random.default_rng(25)
    theta0 = rng.standard_normal((3, 100)).astype(np.float32)
    grads = rng.standard_normal((50, 3, 100)).astype(np.float32)
    path, _ = float_run(optimizer, theta0, grads)
    in_place, _ = float_run(optimizer, theta0, grads, in_place=True)
    assert path.dtype == np.float32 and np.array_equal(in_place, path)
    reference = run_open_loop(optimizer, theta0.astype(float), grads.astype(float))
    assert relative_error(path, reference) < 1e-5  # ε₃₂ = 1.2e-7, 50 steps of rounding


@pytest.mark.parametrize("name", ["sgd_momentum", "rmsprop_centered", "adam", "adamw", "radam"])
def test_float16_params_give_float16_params_and_state(name):
    rng = np.random.default_rng(26)
    theta0, grads = rng.standard_normal(8).astype(np.float16), rng.standard_normal((5, 8))
    path, _ = float_run(build(name), theta0, grads.astype(np.float16))
    assert path.dtype == np.float16 and np.all(np.isfinite(path))


def test_float32_stays_float32_whatever_else_is_float64():
    """float64 grads are cast (PyTorch's in-place update casts), a float64 state too (as
    PyTorch's load_state_dict), and NumPy float64 scalars, arrays and schedule values do not
    promote the step to float64 (NumPy 2's promotion, NEP 50)."""
    theta0 = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    grads = np.ones((5, 2, 3))  # float64
    for optimizer in (
        optlib.adam(lr=np.float64(0.1), betas=(np.float64(0.9), np.array(0.999))),
        optlib.adamw(lr=schedules.cosine(0.1, T_max=10), weight_decay=np.float64(0.1)),
        optlib.sgd(lr=np.array([0.1, 0.2]), momentum=np.float64(0.9), dampening=0.1),
        optlib.radam(lr=schedules.cosine(np.array([0.1, 0.2]), T_max=10)),
        optlib.adagrad(lr=np.int64(1), initial_accumulator_value=np.float64(0.1)),
    ):
        for in_place in (False, True):
            path, _ = float_run(optimizer, theta0, grads, in_place)
            assert path.dtype == np.float32
    adam = optlib.adam(lr=0.1)
    state64 = adam.init(theta0.astype(float))  # a state made for float64 params
    params, state = adam.step(theta0, grads[0], state64)
    assert params.dtype == state.m.dtype == state.v.dtype == np.float32


def test_in_place_step_needs_a_floating_array():
    sgd = optlib.sgd(lr=0.1)
    for params in (np.arange(3), [0.0, 1.0, 2.0]):
        with pytest.raises(
            ValueError,
            match=r"^step_ updates params in place: it needs a floating-point NumPy array",
        ):
            sgd.step_(params, np.ones(3), sgd.init(np.zeros(3)))


@pytest.mark.parametrize(
    "case", FLOAT32_META["cases"], ids=[c["name"] for c in FLOAT32_META["cases"]]
)
def test_float32_matches_recorded_torch_float32_trajectory(case):
    """torch keeps float32 params and state in float32; so does optlib, and lands where torch
    does to float32 precision (the order of a few operations differs, so the last bits do)."""
    kwargs = {k: tuple(v) if k == "betas" else v for k, v in case["kwargs"].items()}
    optimizer = TORCH_TO_OPTLIB[case["torch"]](**kwargs)
    expected = FLOAT32[f"{case['name']}.params"]
    grads = FLOAT32[f"{case['name']}.grads"]
    assert expected.dtype == grads.dtype == np.float32
    path, _ = float_run(optimizer, expected[0], grads)
    assert path.shape == expected.shape == (FLOAT32_META["steps"] + 1, 6)
    assert relative_error(path, expected) < 2e-6  # 16 ε₃₂ after 100 steps; float64 is 7e-7 off


# --- Edges: one number as params, infinite settings, ε = 0 ----------------------------------------


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_params_that_are_one_number_step_as_an_array_of_one(name):
    """0-d params give 0-d params and 0-d buffers (NumPy's 0-d arithmetic gives scalars, which
    step_ cannot write to and RAdam's out= refused), the numbers of the run on shape (1,)."""
    optimizer = build(name)
    grads = np.random.default_rng(27).standard_normal(8)
    reference = run_open_loop(optimizer, np.array([0.5]), grads[:, None])[:, 0]
    for in_place in (False, True):
        params, state = np.array(0.5), optimizer.init(np.array(0.5))
        for t, g in enumerate(grads, start=1):
            params, state = (optimizer.step_ if in_place else optimizer.step)(params, g, state)
            assert isinstance(params, np.ndarray) and params.shape == ()
            assert all(a.shape == () and isinstance(a, np.ndarray) for a in buffers(state).values())
            assert params == reference[t]


@pytest.mark.parametrize(
    ("factory", "keyword"),
    [(f, k) for f, k in KEYWORDS if k not in FLAGS and k not in ("threshold", "betas", "rho")],
    ids=[
        f"{f.__name__}-{k}"
        for f, k in KEYWORDS
        if k not in FLAGS and k not in ("threshold", "betas", "rho")
    ],
)
def test_an_infinite_setting_is_refused(factory, keyword):
    """PyTorch's 0 <= x lets inf through, and then inf·0 is NaN with a warning at the first step.
    (β and ρ are bounded by 1; a threshold of inf, never rectify, is fine.)"""
    fixed = {"momentum": 0.9} if keyword == "dampening" else {}
    with pytest.raises(ValueError, match=r": inf$"):
        factory(**{**fixed, keyword: np.inf})
    with pytest.raises(ValueError, match=r"Invalid learning rate: inf"):
        optlib.sgd(lr=lambda k: np.inf).eta(1)


@pytest.mark.parametrize(
    "factory", [f for f in FACTORIES if "eps" in inspect.signature(f).parameters]
)
def test_zero_epsilon_answers_zero_over_zero_with_nan_quietly(factory):
    """ε = 0 is valid in PyTorch; a zero gradient then makes 0/0, which PyTorch answers with NaN
    and no warning (RuntimeWarnings fail these tests). Coordinates with a gradient still step.
    (RAdam divides only once rectified, from t = 6.)"""
    optimizer = factory(eps=0.0)
    grads = np.array([[0.0, 1.0]] * 8)
    path = run_open_loop(optimizer, np.zeros(2), grads)
    assert np.isnan(path[-1, 0]) and np.all(np.isfinite(path[:, 1]))
