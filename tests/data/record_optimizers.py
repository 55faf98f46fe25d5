"""Record torch.optim trajectories that tests/test_optimizers.py replays through optlib.

Run with PyTorch in a throwaway venv (torch is never a dependency of optlib or its tests):

    python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch==2.13.0 numpy
    /tmp/torchvenv/bin/python tests/data/record_optimizers.py

For every case, torch's optimizer runs (float64, single-tensor path) for STEPS steps on a
6-parameter objective with seeded gradient noise. We save the gradient torch was fed at each
step and the parameters after each step; the test feeds optlib the same gradients and must land
on the same parameters to 1e-10. Replaying the gradients keeps the comparison about the update
rule alone, not about chaos in the objective. Schedulers are stepped after each optimizer step,
as PyTorch's documentation prescribes; their learning-rate sequences are saved too.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import torch

STEPS = 250
OUT = Path(__file__).with_name("torch_optimizers.npz")

# (case name, torch class, torch kwargs, scheduler or None). Optlib's keyword names are
# PyTorch's, so the same kwargs build the optlib optimizer (see test_optimizers.py).
CASES = [
    ("sgd", "SGD", {"lr": 0.01}, None),
    ("sgd_momentum", "SGD", {"lr": 0.01, "momentum": 0.9}, None),
    ("sgd_dampening", "SGD", {"lr": 0.01, "momentum": 0.9, "dampening": 0.3}, None),
    ("sgd_nesterov", "SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}, None),
    ("sgd_weight_decay", "SGD", {"lr": 0.02, "momentum": 0.5, "weight_decay": 0.1}, None),
    (
        "sgd_steplr",
        "SGD",
        {"lr": 0.05, "momentum": 0.9},
        ("StepLR", {"step_size": 40, "gamma": 0.5}),
    ),
    ("adagrad", "Adagrad", {"lr": 0.1}, None),
    (
        "adagrad_options",
        "Adagrad",
        {"lr": 0.2, "lr_decay": 0.01, "weight_decay": 0.05, "initial_accumulator_value": 0.1},
        None,
    ),
    ("adagrad_eps", "Adagrad", {"lr": 0.1, "eps": 1e-3}, None),
    ("rmsprop", "RMSprop", {"lr": 0.01}, None),
    ("rmsprop_centered", "RMSprop", {"lr": 0.01, "centered": True}, None),
    ("rmsprop_momentum", "RMSprop", {"lr": 0.005, "momentum": 0.9, "alpha": 0.9}, None),
    (
        "rmsprop_all",
        "RMSprop",
        {"lr": 0.005, "momentum": 0.5, "centered": True, "weight_decay": 0.1, "eps": 1e-4},
        None,
    ),
    ("adadelta", "Adadelta", {}, None),
    (
        "adadelta_options",
        "Adadelta",
        {"lr": 0.5, "rho": 0.5, "eps": 1e-3, "weight_decay": 0.1},
        None,
    ),
    ("adam", "Adam", {"lr": 0.01}, None),
    ("adam_amsgrad", "Adam", {"lr": 0.01, "amsgrad": True}, None),
    ("adam_weight_decay", "Adam", {"lr": 0.01, "weight_decay": 0.1}, None),
    ("adam_betas_eps", "Adam", {"lr": 0.02, "betas": (0.5, 0.9), "eps": 1e-3}, None),
    ("adam_default", "Adam", {}, None),
    ("adam_cosine", "Adam", {"lr": 0.05}, ("CosineAnnealingLR", {"T_max": STEPS, "eta_min": 1e-3})),
    ("adamw", "AdamW", {"lr": 0.01}, None),
    ("adamw_amsgrad", "AdamW", {"lr": 0.01, "weight_decay": 0.3, "amsgrad": True}, None),
    (
        "adamw_exponential",
        "AdamW",
        {"lr": 0.05, "weight_decay": 0.1},
        ("ExponentialLR", {"gamma": 0.99}),
    ),
    ("radam", "RAdam", {"lr": 0.01}, None),
    ("radam_weight_decay", "RAdam", {"lr": 0.01, "weight_decay": 0.1}, None),
    (
        "radam_decoupled",
        "RAdam",
        {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True},
        None,
    ),
    ("radam_betas", "RAdam", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-4}, None),
    ("nadam", "NAdam", {"lr": 0.01}, None),
    ("nadam_options", "NAdam", {"lr": 0.01, "momentum_decay": 0.01, "weight_decay": 0.1}, None),
    (
        "nadam_decoupled",
        "NAdam",
        {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True},
        None,
    ),
    ("adamax", "Adamax", {"lr": 0.01}, None),
    ("adamax_options", "Adamax", {"lr": 0.02, "betas": (0.8, 0.99), "weight_decay": 0.1}, None),
    (
        "adam_linearlr",
        "Adam",
        {"lr": 0.01},
        ("LinearLR", {"start_factor": 1 / 3, "total_iters": 5}),
    ),
]

# Curvatures over six orders of magnitude, so that ε and the per-coordinate scaling both
# matter; one coordinate has gradients around 1e-7.
CURVATURE = np.array([1.0, 10.0, 0.1, 3.0, 1e-7, 0.5])
CENTRE = np.array([1.0, -2.0, 0.5, 0.0, 3.0, -1.0])
THETA0 = np.array([-1.5, 1.0, 2.0, 0.7, -1.0, 0.3])
NOISE = 0.05


def gradient(theta: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """∇ of Σ c_i (θ_i − a_i)² + 0.3 Σ sin(2θ_i), plus seeded noise scaled by each curvature."""
    c, a = torch.from_numpy(CURVATURE), torch.from_numpy(CENTRE)
    noise = torch.from_numpy(NOISE * np.abs(CURVATURE) ** 0.5 * rng.standard_normal(theta.shape))
    return 2 * c * (theta - a) + 0.6 * torch.cos(2 * theta) * c + noise


def record(name: str, optimizer: str, kwargs: dict, scheduler) -> dict:
    theta = torch.tensor(THETA0, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, optimizer)([theta], foreach=False, **kwargs)
    sched = (
        getattr(torch.optim.lr_scheduler, scheduler[0])(opt, **scheduler[1]) if scheduler else None
    )
    rng = np.random.default_rng(zlib.crc32(name.encode()))  # a stable seed per case
    grads, params, lrs = [], [THETA0.copy()], []
    for _ in range(STEPS):
        g = gradient(theta.detach(), rng)
        theta.grad = g.clone()
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        if sched:
            sched.step()
        grads.append(g.numpy().copy())
        params.append(theta.detach().numpy().copy())
    return {"grads": np.array(grads), "params": np.array(params), "lrs": np.array(lrs)}


def record_schedulers() -> dict:
    """Learning-rate sequences of torch's schedulers (base lr 1, 60 steps)."""
    specs = {
        "StepLR": {"step_size": 7, "gamma": 0.5},
        "ExponentialLR": {"gamma": 0.95},
        "CosineAnnealingLR": {"T_max": 40, "eta_min": 0.1},
        "LinearLR": {"start_factor": 1 / 3, "total_iters": 5},
        "LinearLR_long": {"start_factor": 0.1, "end_factor": 0.9, "total_iters": 20},
    }
    out = {}
    for key, kwargs in specs.items():
        theta = torch.zeros(1, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.SGD([theta], lr=1.0)
        sched = getattr(torch.optim.lr_scheduler, key.split("_")[0])(opt, **kwargs)
        lrs = []
        for _ in range(60):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        out[key] = {"kwargs": kwargs, "lrs": lrs}
    return out


def main() -> None:
    torch.set_default_dtype(torch.float64)
    arrays, index = {}, []
    for name, optimizer, kwargs, scheduler in CASES:
        result = record(name, optimizer, kwargs, scheduler)
        for key, value in result.items():
            arrays[f"{name}.{key}"] = value
        index.append({"name": name, "torch": optimizer, "kwargs": kwargs, "scheduler": scheduler})
    meta = {
        "torch_version": torch.__version__,
        "steps": STEPS,
        "theta0": THETA0.tolist(),
        "cases": index,
        "schedulers": record_schedulers(),
    }
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1024:.0f} KiB): {len(CASES)} cases x {STEPS} steps")


if __name__ == "__main__":
    main()
