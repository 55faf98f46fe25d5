"""Schedules: against torch.optim.lr_scheduler sequences (recorded) and hand formulas."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from optlib import schedules
from optlib.gradcheck import relative_error

RECORDED = json.loads(str(np.load(Path(__file__).parent / "data" / "torch_optimizers.npz")["meta"]))
TORCH = RECORDED["schedulers"]
K = np.arange(60)


def test_step_matches_torch_steplr():
    kwargs = TORCH["StepLR"]["kwargs"]
    assert relative_error(schedules.step(1.0, **kwargs)(K), TORCH["StepLR"]["lrs"]) < 1e-15


def test_exponential_matches_torch_exponentiallr():
    got = schedules.exponential(1.0, **TORCH["ExponentialLR"]["kwargs"])(K)
    assert relative_error(got, TORCH["ExponentialLR"]["lrs"]) < 1e-13


def test_cosine_matches_torch_up_to_t_max_then_stays_at_eta_min():
    kwargs = TORCH["CosineAnnealingLR"]["kwargs"]
    t_max, eta_min = kwargs["T_max"], kwargs["eta_min"]
    ours, theirs = schedules.cosine(1.0, **kwargs)(K), np.array(TORCH["CosineAnnealingLR"]["lrs"])
    assert relative_error(ours[: t_max + 1], theirs[: t_max + 1]) < 1e-13
    # Past T_max PyTorch follows the cosine back up; the book's schedule stays down (as optax).
    assert np.all(ours[t_max:] == eta_min)
    assert np.all(theirs[t_max + 1 :] > eta_min)


@pytest.mark.parametrize("key", ["LinearLR", "LinearLR_long"])
def test_linear_warmup_matches_torch_linearlr(key):
    got = schedules.linear_warmup(1.0, **TORCH[key]["kwargs"])(K)
    assert relative_error(got, TORCH[key]["lrs"]) < 1e-13


def test_linear_warmup_spot_values_from_conventions():
    expected = [0.3333, 0.4667, 0.6, 0.7333, 0.8667, 1.0, 1.0]
    assert schedules.linear_warmup(1.0)(np.arange(7)) == pytest.approx(expected, abs=1e-4)


def test_inverse_time_by_hand():
    schedule = schedules.inverse_time(0.5, decay=0.1)
    assert [schedule(k) for k in (0, 10, 30)] == pytest.approx([0.5, 0.25, 0.125])


def test_constant_is_constant_for_scalars_and_arrays():
    assert schedules.constant(0.3)(17) == 0.3
    assert np.array_equal(schedules.constant(0.3)(K), np.full(60, 0.3))


def test_warmup_cosine_shape():
    schedule = schedules.warmup_cosine(
        1.0, warmup_steps=10, total_steps=50, init_lr=0.1, end_lr=0.01
    )
    curve = schedule(np.arange(80))
    assert curve[0] == pytest.approx(0.1)
    assert curve[5] == pytest.approx(0.1 + 0.9 * 5 / 10)  # linear warmup
    assert curve[10] == pytest.approx(1.0)  # the peak
    assert curve[30] == pytest.approx(0.01 + 0.5 * 0.99 * (1 + math.cos(math.pi * 20 / 40)))
    assert np.all(curve[50:] == pytest.approx(0.01))  # flat at the end
    assert np.all(np.diff(curve[:11]) > 0) and np.all(np.diff(curve[10:51]) < 0)


def test_untuned_warmup_lasts_two_over_one_minus_beta2_steps():
    """ω_t = min(1, t(1 − β₂)/2): 2,000 steps for β₂ = 0.999 (Ma & Yarats 2021)."""
    schedule = schedules.untuned_warmup(1e-3, beta2=0.999)
    t = np.arange(1, 3001)
    assert relative_error(schedule(t - 1) / 1e-3, np.minimum(1, t * 0.001 / 2)) < 1e-14
    assert schedule(1998) < 1e-3 and schedule(1999) == pytest.approx(1e-3)


@pytest.mark.parametrize(
    "schedule",
    [
        schedules.step(0.1, step_size=3),
        schedules.exponential(0.1, gamma=0.9),
        schedules.inverse_time(0.1, decay=0.5),
        schedules.cosine(0.1, T_max=10),
        schedules.linear_warmup(0.1, total_iters=4),
        schedules.warmup_cosine(0.1, warmup_steps=3, total_steps=12),
        schedules.untuned_warmup(0.1, beta2=0.9),
    ],
    ids=lambda s: type(s).__name__,
)
def test_array_of_steps_equals_one_by_one_and_batched_rates_broadcast(schedule):
    k = np.arange(20)
    assert np.allclose(schedule(k), [float(schedule(int(i))) for i in k], rtol=1e-15, atol=0)
    batch = dataclasses.replace(schedule, lr=np.array([0.1, 0.2]))
    assert np.allclose(batch(5), [schedule(5), 2 * schedule(5)], rtol=1e-14)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: schedules.constant(-1.0), "Invalid learning rate: -1.0"),
        (lambda: schedules.step(0.1, step_size=0), "Invalid step_size value: 0"),
        (lambda: schedules.step(0.1, step_size=2.5), "Invalid step_size value: 2.5"),
        (lambda: schedules.step(0.1, step_size=2, gamma=-0.5), "Invalid gamma value: -0.5"),
        (lambda: schedules.exponential(-0.1, gamma=0.9), "Invalid learning rate: -0.1"),
        (lambda: schedules.inverse_time(0.1, decay=-1.0), "Invalid decay value: -1.0"),
        (lambda: schedules.cosine(0.1, T_max=0), "Invalid T_max value: 0"),
        (lambda: schedules.cosine(0.1, T_max=5, eta_min=-1.0), "Invalid eta_min value: -1.0"),
        (lambda: schedules.linear_warmup(0.1, total_iters=-3), "Invalid total_iters value: -3"),
        (
            lambda: schedules.linear_warmup(0.1, start_factor=-0.1),
            "Starting multiplicative factor expected to be greater than 0 and less or equal to 1",
        ),
        (
            lambda: schedules.warmup_cosine(0.1, warmup_steps=10, total_steps=10),
            "Invalid total_steps value: 10",
        ),
        (lambda: schedules.untuned_warmup(0.1, beta2=1.0), "Invalid beta parameter at index 1"),
    ],
)
def test_invalid_settings_raise(make, message):
    with pytest.raises(ValueError) as error:
        make()
    assert str(error.value).startswith(message)


# ------------------------------------------------------------------- hostile settings and steps

# One valid set of arguments for every schedule: the cases below change one argument at a time.
VALID = {
    schedules.constant: {"lr": 0.1},
    schedules.step: {"lr": 0.1, "step_size": 3, "gamma": 0.5},
    schedules.exponential: {"lr": 0.1, "gamma": 0.9},
    schedules.inverse_time: {"lr": 0.1, "decay": 0.5},
    schedules.cosine: {"lr": 0.1, "T_max": 10, "eta_min": 0.01},
    schedules.linear_warmup: {"lr": 0.1, "total_iters": 4, "start_factor": 0.5, "end_factor": 1.0},
    schedules.warmup_cosine: {
        "lr": 0.1,
        "warmup_steps": 3,
        "total_steps": 12,
        "init_lr": 0.0,
        "end_lr": 0.0,
    },
    schedules.untuned_warmup: {"lr": 0.1, "beta2": 0.9},
}
STEP_COUNTS = {"step_size", "T_max", "total_iters", "warmup_steps", "total_steps"}
ARGUMENTS = [(make, name) for make, kwargs in VALID.items() for name in kwargs]
NOT_NUMBERS = ["0.1", Decimal("0.1"), None, True, np.bool_(False), [0.1, "x"], object()]


def argument_id(case):
    return f"{case[0].__name__}.{case[1]}" if isinstance(case, tuple) else None


def expected_name(name):
    """How the message names an argument: PyTorch's words where PyTorch has them."""
    return {
        "lr": "learning rate",
        "beta2": "beta parameter at index 1",
        "start_factor": "start_factor=",
        "end_factor": "end_factor=",
    }.get(name, f"{name} value")


@pytest.mark.parametrize("case", ARGUMENTS, ids=argument_id)
@pytest.mark.parametrize("bad", NOT_NUMBERS, ids=repr)
def test_non_numbers_are_refused_when_the_schedule_is_made(case, bad):
    """A string, a Decimal, None or a bool fails at construction, the message naming the
    argument and showing the value as it was given (``'0.1'``, not ``0.1``)."""
    make, name = case
    with pytest.raises(ValueError) as error:
        make(**{**VALID[make], name: bad})
    message = str(error.value)
    assert expected_name(name) in message
    if isinstance(bad, (str, Decimal)):
        assert repr(bad) in message


@pytest.mark.parametrize("case", [c for c in ARGUMENTS if c[1] in STEP_COUNTS], ids=argument_id)
@pytest.mark.parametrize(
    "bad", [True, np.True_, 2.0, np.float64(3.0), 0, -1, np.int64(0)], ids=repr
)
def test_step_counts_are_whole_numbers_of_at_least_one_not_bools(case, bad):
    make, name = case
    with pytest.raises(ValueError, match=f"Invalid {name} value: {re.escape(repr(bad))}"):
        make(**{**VALID[make], name: bad})


@pytest.mark.parametrize("case", [c for c in ARGUMENTS if c[1] not in STEP_COUNTS], ids=argument_id)
@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan], ids=repr)
def test_every_setting_is_finite(case, bad):
    """An infinite rate, γ or η_min gives inf·0 = NaN somewhere on the curve: refused."""
    make, name = case
    with pytest.raises(ValueError, match=re.escape(expected_name(name))):
        make(**{**VALID[make], name: bad})


@pytest.mark.parametrize(
    "case", [c for c in ARGUMENTS if c[1] not in STEP_COUNTS | {"lr"}], ids=argument_id
)
def test_only_lr_may_be_an_array(case):
    make, name = case
    with pytest.raises(ValueError, match=re.escape(expected_name(name))):
        make(**{**VALID[make], name: np.array([VALID[make][name]] * 2)})


# PyTorch 2.13's LinearLR, recorded: which factors it accepts, and its two messages.
TORCH_START_MESSAGE = (
    "Starting multiplicative factor expected to be greater than 0 and less or equal to 1"
)
TORCH_END_MESSAGE = "Ending multiplicative factor expected to be between 0 and 1"
TORCH_LINEARLR = [  # (start_factor, end_factor, accepted by torch.optim.lr_scheduler.LinearLR)
    (0.0, 1.0, False),
    (1e-300, 1.0, True),
    (1.0, 1.0, True),
    (1.0000001, 1.0, False),
    (-0.5, 1.0, False),
    (0.5, 0.0, True),
    (0.5, 1.0000001, False),
    (0.5, -1e-9, False),
]


@pytest.mark.parametrize(("start", "end", "accepted"), TORCH_LINEARLR)
def test_linear_warmup_accepts_the_factors_torch_linearlr_accepts(start, end, accepted):
    if accepted:
        schedules.linear_warmup(0.1, start_factor=start, end_factor=end)
        return
    message = TORCH_START_MESSAGE if not 0 < start <= 1 else TORCH_END_MESSAGE
    with pytest.raises(ValueError) as error:
        schedules.linear_warmup(0.1, start_factor=start, end_factor=end)
    value = start if message == TORCH_START_MESSAGE else end
    assert str(error.value).startswith(message)
    assert repr(value) in str(error.value)


def test_a_list_of_rates_is_a_batch_like_an_array():
    for make, kwargs in VALID.items():
        as_list = make(**{**kwargs, "lr": [0.1, 0.2]})
        as_array = make(**{**kwargs, "lr": np.array([0.1, 0.2])})
        assert np.array_equal(as_list(np.arange(5)[:, None]), as_array(np.arange(5)[:, None]))


BAD_STEPS = [
    True,
    np.True_,
    -1,
    np.int64(-3),
    2.5,
    2.0,
    np.float64(2.0),
    math.nan,
    math.inf,
    "3",
    None,
    np.array([0, -1]),
    np.array([0.0, 1.0]),
    np.array([True]),
    [1, "x"],
]


@pytest.mark.parametrize("make", list(VALID), ids=lambda make: make.__name__)
@pytest.mark.parametrize("k", BAD_STEPS, ids=repr)
def test_the_step_k_is_a_whole_number_of_steps_taken(make, k):
    """k counts the steps taken, as PyTorch's last_epoch: a bool, a negative k or a float (even
    2.0, which float arithmetic may have made 1.9999999999999998) is refused."""
    schedule = make(**VALID[make])
    with pytest.raises(ValueError, match="Expected a non-negative integer step k, but got"):
        schedule(k)


@pytest.mark.parametrize("make", list(VALID), ids=lambda make: make.__name__)
def test_integer_steps_of_every_kind_give_the_same_rate(make):
    schedule = make(**VALID[make])
    expected = float(schedule(7))
    for k in (np.int64(7), np.int32(7), np.uint8(7), np.array(7), [7], (7,), np.array([7])):
        assert np.all(schedule(k) == expected)
    assert np.shape(schedule(np.arange(0))) == (0,)


def test_growing_rates_overflow_to_inf_as_torch_and_a_zero_rate_stays_zero():
    """γ > 1 is allowed (PyTorch does not check it); after 1,100 steps of γ = 2 PyTorch's
    ExponentialLR gives inf (recorded, torch 2.13), and so do we, without an overflow warning."""
    assert schedules.exponential(1.0, gamma=2.0)(1100) == math.inf
    assert schedules.step(1.0, step_size=1, gamma=2.0)(np.array([1100]))[0] == math.inf
    assert schedules.exponential(0.0, gamma=2.0)(1100) == 0.0  # 0·2^1100 is 0, not 0·inf
    assert schedules.exponential(1.0, gamma=0.0)(0) == 1.0  # γ^0 = 1, as PyTorch's first step


def test_far_steps_neither_overflow_nor_warn():
    assert schedules.warmup_cosine(1e300, warmup_steps=10, total_steps=20)(10**10) == 0.0
    assert schedules.inverse_time(1.0, decay=1e300)(10**10) == 0.0
    assert schedules.cosine(1e300, T_max=5)(2**62) == 0.0


def test_a_rate_near_the_float64_maximum_does_not_overflow_on_the_way():
    """k = 5 is past the warmup (W = 2), in the cosine part: by hand
    η_end + ½(η − η_end)(1 + cos(π·3/7)) with η_end = 0."""
    schedule = schedules.warmup_cosine(1.7e308, warmup_steps=2, total_steps=9)
    assert schedule(5) == pytest.approx(0.5 * 1.7e308 * (1 + math.cos(math.pi * 3 / 7)))
    assert schedule(1) == pytest.approx(1.7e308 / 2)
