"""Schedules: against torch.optim.lr_scheduler sequences (recorded) and hand formulas."""

from __future__ import annotations

import dataclasses
import json
import math
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
            "Invalid start_factor value: -0.1",
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
