"""Record torch.optim trajectories in float32, which tests/test_optimizer_inputs.py replays.

Run with PyTorch in a throwaway venv (torch is never a dependency of optlib or its tests):

    python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch==2.13.0 numpy
    /tmp/torchvenv/bin/python tests/data/record_optimizers_float32.py

The same objective and seeded gradient noise as record_optimizers.py, but the parameters are a
float32 tensor, so torch keeps its state in float32 and computes every step in float32. We save
the float32 gradient torch was fed at each step and the float32 parameters after each step;
the test feeds optlib the same gradients with float32 parameters, and must keep float32 and land
on torch's parameters to float32 precision (the order of a few operations differs from torch's,
which changes the last bits).
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import torch
from record_optimizers import THETA0, gradient

STEPS = 100
OUT = Path(__file__).with_name("torch_optimizers_float32.npz")

# (case name, torch class, torch kwargs): optlib's keyword names are PyTorch's.
CASES = [
    ("sgd", "SGD", {"lr": 0.01}),
    ("sgd_nesterov", "SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    ("sgd_dampening", "SGD", {"lr": 0.01, "momentum": 0.9, "dampening": 0.3}),
    ("adagrad", "Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.05}),
    ("rmsprop", "RMSprop", {"lr": 0.005, "momentum": 0.5, "centered": True}),
    ("adadelta", "Adadelta", {"lr": 0.5, "rho": 0.5, "eps": 1e-3}),
    ("adam", "Adam", {"lr": 0.01}),
    ("adam_amsgrad", "Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
    ("adamw", "AdamW", {"lr": 0.01, "weight_decay": 0.3}),
    ("nadam", "NAdam", {"lr": 0.01}),
    ("adamax", "Adamax", {"lr": 0.02, "betas": (0.8, 0.99)}),
    ("radam", "RAdam", {"lr": 0.01}),
]


def record(name: str, optimizer: str, kwargs: dict) -> dict:
    theta = torch.tensor(THETA0, dtype=torch.float32, requires_grad=True)
    opt = getattr(torch.optim, optimizer)([theta], foreach=False, **kwargs)
    rng = np.random.default_rng(zlib.crc32(name.encode()))  # a stable seed per case
    grads, params = [], [theta.detach().numpy().copy()]
    for _ in range(STEPS):
        g = gradient(theta.detach().double(), rng).float()
        theta.grad = g.clone()
        opt.step()
        grads.append(g.numpy().copy())
        params.append(theta.detach().numpy().copy())
    return {"grads": np.array(grads), "params": np.array(params)}


def main() -> None:
    arrays, index = {}, []
    for name, optimizer, kwargs in CASES:
        result = record(name, optimizer, kwargs)
        assert all(value.dtype == np.float32 for value in result.values())
        for key, value in result.items():
            arrays[f"{name}.{key}"] = value
        index.append({"name": name, "torch": optimizer, "kwargs": kwargs})
    meta = {"torch_version": torch.__version__, "steps": STEPS, "cases": index}
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1024:.0f} KiB): {len(CASES)} cases x {STEPS} steps")


if __name__ == "__main__":
    main()
