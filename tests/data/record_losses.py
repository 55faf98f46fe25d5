"""Record PyTorch's float64 values and autograd gradients for the losses and models tests.

Run from the repository root with the throwaway torch venv (torch is never a dependency of
optlib or of its tests; they read the JSON this writes):

    /tmp/torchvenv/bin/python tests/data/record_losses.py

Writes ``tests/data/torch_losses.json``:

- ``cases``: one entry per loss evaluation, with the seeded inputs in argument order, the
  keyword arguments, torch's mean-reduced value and the autograd gradient of each
  differentiable input (in argument order), so the test can call
  ``getattr(optlib.losses, loss)(*inputs, **kwargs)`` and ``loss + "_grad"``.
- ``bce_with_logits_elementwise``: torch's per-entry BCE-with-logits at large ``|z|``, for the
  naive-versus-stable test.
- ``models``: for each model, X, y, θ, an index batch, and torch's loss and gradient in θ on
  the full batch and on the index batch. θ is laid out as optlib.models documents: for each
  layer, W (fan_in, fan_out) row-major, then b.

Nothing here imports optlib: torch's ops (and torchvision's focal formula, written out since
torchvision is not installed) are the independent reference.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 (torch's own convention)

torch.set_default_dtype(torch.float64)
OUT = Path(__file__).with_name("torch_losses.json")
rng = np.random.default_rng(20240613)


def record(loss, name, torch_fn, inputs, differentiable, **kwargs):
    """Evaluate ``torch_fn(**inputs, **kwargs)`` and its autograd gradients."""
    tensors = {
        key: torch.tensor(np.asarray(value), requires_grad=key in differentiable)
        for key, value in inputs.items()
    }
    value = torch_fn(**tensors, **kwargs)
    value.backward()
    return {
        "loss": loss,
        "name": name,
        "inputs": {key: np.asarray(value).tolist() for key, value in inputs.items()},
        "kwargs": kwargs,
        "differentiable": differentiable,
        "value": value.item(),
        "grads": [tensors[key].grad.tolist() for key in differentiable],
    }


# --------------------------------------------------------------- torch versions of each loss


def torch_mse(prediction, target):
    return F.mse_loss(prediction, target)


def torch_bce(probabilities, targets):
    return F.binary_cross_entropy(probabilities, targets)


def torch_bce_with_logits(logits, targets):
    return F.binary_cross_entropy_with_logits(logits, targets)


def torch_cross_entropy(logits, classes):
    return F.cross_entropy(logits, classes)


def torch_focal(logits, targets, alpha=0.25, gamma=2.0):
    """torchvision.ops.sigmoid_focal_loss (v0.2x), followed by .mean()."""
    p = torch.sigmoid(logits)
    ce_loss = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
    return (alpha_t * loss).mean()


def torch_contrastive(x1, x2, y, margin=1.0):
    """Hadsell et al. 2006 eq. 4, Y = 0 similar, with the ½ factors."""
    distance = torch.linalg.vector_norm(x1 - x2, dim=-1)
    similar = (1 - y) * 0.5 * distance**2
    dissimilar = y * 0.5 * torch.clamp(margin - distance, min=0) ** 2
    return (similar + dissimilar).mean()


def torch_triplet(anchor, positive, negative, margin=1.0):
    return F.triplet_margin_loss(anchor, positive, negative, margin=margin)


# ----------------------------------------------------------------------------- loss cases


def loss_cases():
    cases = []
    normal = rng.standard_normal
    extreme = np.array([-1000.0, -50.0, -1.5, 0.0, 2.0, 50.0, 1000.0])

    cases.append(
        record(
            "mse",
            "random 2-d",
            torch_mse,
            {"prediction": normal((4, 3)), "target": normal((4, 3))},
            ["prediction"],
        )
    )
    cases.append(
        record(
            "mse",
            "random 1-d",
            torch_mse,
            {"prediction": normal(5), "target": normal(5)},
            ["prediction"],
        )
    )

    cases.append(
        record(
            "binary_cross_entropy",
            "random soft targets",
            torch_bce,
            {
                "probabilities": rng.uniform(0.02, 0.98, (3, 4)),
                "targets": rng.uniform(0, 1, (3, 4)),
            },
            ["probabilities"],
        )
    )
    cases.append(
        record(
            "binary_cross_entropy",
            "p exactly 0 and 1",
            torch_bce,
            {
                "probabilities": np.array([0.0, 0.0, 1.0, 1.0, 0.5, 1e-50]),
                "targets": np.array([0.0, 1.0, 0.0, 1.0, 1.0, 1.0]),
            },
            ["probabilities"],
        )
    )

    cases.append(
        record(
            "binary_cross_entropy_with_logits",
            "random",
            torch_bce_with_logits,
            {"logits": 3 * normal((4, 3)), "targets": rng.integers(0, 2, (4, 3)).astype(float)},
            ["logits"],
        )
    )
    cases.append(
        record(
            "binary_cross_entropy_with_logits",
            "extreme logits, y=1",
            torch_bce_with_logits,
            {"logits": extreme, "targets": np.ones_like(extreme)},
            ["logits"],
        )
    )
    cases.append(
        record(
            "binary_cross_entropy_with_logits",
            "extreme logits, y=0",
            torch_bce_with_logits,
            {"logits": extreme, "targets": np.zeros_like(extreme)},
            ["logits"],
        )
    )
    cases.append(
        record(
            "binary_cross_entropy_with_logits",
            "soft targets",
            torch_bce_with_logits,
            {"logits": 2 * normal(6), "targets": rng.uniform(0, 1, 6)},
            ["logits"],
        )
    )

    cases.append(
        record(
            "cross_entropy",
            "random",
            torch_cross_entropy,
            {"logits": 2 * normal((6, 4)), "classes": rng.integers(0, 4, 6)},
            ["logits"],
        )
    )
    extreme_logits = np.array(
        [
            [1000.0, -1000.0, 0.0],
            [-1000.0, 1000.0, 999.0],
            [50.0, -50.0, 0.0],
            [-50.0, 50.0, 0.0],
            [0.0, 0.0, 0.0],
        ]
    )
    cases.append(
        record(
            "cross_entropy",
            "extreme logits",
            torch_cross_entropy,
            {"logits": extreme_logits, "classes": np.array([0, 0, 2, 1, 1])},
            ["logits"],
        )
    )

    for alpha, gamma in [(0.25, 2.0), (0.5, 0.0), (0.8, 1.0), (0.25, 3.5)]:
        cases.append(
            record(
                "focal",
                f"random alpha={alpha} gamma={gamma}",
                torch_focal,
                {"logits": 3 * normal((3, 4)), "targets": rng.integers(0, 2, (3, 4)).astype(float)},
                ["logits"],
                alpha=alpha,
                gamma=gamma,
            )
        )
    for target in (0.0, 1.0):  # γ ≥ 1 only: for γ < 1 autograd's 0·∞ is NaN at saturation
        cases.append(
            record(
                "focal",
                f"extreme logits, y={target:g}",
                torch_focal,
                {"logits": extreme, "targets": np.full_like(extreme, target)},
                ["logits"],
                alpha=0.25,
                gamma=2.0,
            )
        )

    n, k = 8, 3
    x1 = normal((n, k))
    direction = normal((n, k))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    margin = 1.5
    distance = margin * np.array([0.2, 0.7, 1.3, 1.9, 0.4, 0.9, 1.1, 2.5])  # both sides of m
    x2 = x1 + distance[:, None] * direction
    y = np.array([0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    cases.append(
        record(
            "contrastive",
            "both sides of the margin",
            torch_contrastive,
            {"x1": x1, "x2": x2, "y": y},
            ["x1", "x2"],
            margin=margin,
        )
    )
    same = normal((2, k))
    cases.append(
        record(
            "contrastive",
            "identical pairs (D = 0)",
            torch_contrastive,
            {"x1": same, "x2": same.copy(), "y": np.array([0.0, 1.0])},
            ["x1", "x2"],
            margin=1.0,
        )
    )

    cases.append(
        record(
            "triplet",
            "random",
            torch_triplet,
            {"anchor": normal((6, 4)), "positive": normal((6, 4)), "negative": normal((6, 4))},
            ["anchor", "positive", "negative"],
            margin=1.0,
        )
    )
    anchor = normal((4, 4))
    first_two_far = np.where(np.arange(4)[:, None] < 2, 5.0, 0.0)  # their hinges are inactive
    cases.append(
        record(
            "triplet",
            "some hinges inactive",
            torch_triplet,
            {
                "anchor": anchor,
                "positive": anchor + 0.1 * normal((4, 4)),
                "negative": anchor + first_two_far + 0.1 * normal((4, 4)),
            },
            ["anchor", "positive", "negative"],
            margin=0.5,
        )
    )
    same = normal((3, 4))
    cases.append(
        record(
            "triplet",
            "identical inputs",
            torch_triplet,
            {"anchor": same, "positive": same.copy(), "negative": same.copy()},
            ["anchor", "positive", "negative"],
            margin=2.0,
        )
    )
    cases.append(record("triplet", "hinge exactly at 0", torch_triplet, **triplet_tie()))
    return cases


def triplet_tie():
    """One-dimensional triplets (so every norm is an exact |x|) with margin + d⁺ − d⁻ == 0."""
    while True:
        anchor, positive, negative = rng.standard_normal((3, 2, 1))
        d_ap = np.abs(anchor - positive + 1e-6)[0, 0]
        d_an = np.abs(anchor - negative + 1e-6)[0, 0]
        margin = float(d_an - d_ap)
        if margin > 0 and (margin + d_ap) - d_an == 0.0:
            return {
                "inputs": {"anchor": anchor, "positive": positive, "negative": negative},
                "differentiable": ["anchor", "positive", "negative"],
                "margin": margin,
            }


def bce_with_logits_elementwise():
    logits = np.array([-1000.0, -50.0, -40.0, -20.0, 0.0, 20.0, 40.0, 50.0, 1000.0])
    logits = np.concatenate([logits, logits])
    targets = np.repeat([1.0, 0.0], len(logits) // 2)
    values = F.binary_cross_entropy_with_logits(
        torch.tensor(logits), torch.tensor(targets), reduction="none"
    )
    return {"logits": logits.tolist(), "targets": targets.tolist(), "values": values.tolist()}


# -------------------------------------------------------------------------------- models


def linear_scores(theta, X):
    return X @ theta[:-1] + theta[-1]


def model_cases():
    n, d, C = 12, 3, 3
    X = rng.standard_normal((n, d))
    idx = np.array([1, 4, 5, 9, 4])  # a repeated row counts twice, as in any mean
    cases = []

    def model_record(model, name, y, theta, torch_loss, **options):
        def loss_and_grad(rows):
            theta_t = torch.tensor(theta, requires_grad=True)
            loss = torch_loss(theta_t, torch.tensor(X[rows]), torch.tensor(y[rows]))
            loss.backward()
            return loss.item(), theta_t.grad.tolist()

        value, grad = loss_and_grad(np.arange(n))
        idx_value, idx_grad = loss_and_grad(idx)
        cases.append(
            {
                "model": model,
                "name": name,
                "options": options,
                "X": X.tolist(),
                "y": y.tolist(),
                "theta": theta.tolist(),
                "idx": idx.tolist(),
                "value": value,
                "grad": grad,
                "idx_value": idx_value,
                "idx_grad": idx_grad,
            }
        )

    model_record(
        "LinearRegression",
        "linear",
        rng.standard_normal(n),
        rng.standard_normal(d + 1),
        lambda theta, X, y: F.mse_loss(linear_scores(theta, X), y),
    )
    model_record(
        "LogisticRegression",
        "logistic",
        rng.integers(0, 2, n).astype(float),
        rng.standard_normal(d + 1),
        lambda theta, X, y: F.binary_cross_entropy_with_logits(linear_scores(theta, X), y),
    )

    def softmax_loss(theta, X, y):
        W, b = theta[: d * C].reshape(d, C), theta[d * C :]
        return F.cross_entropy(X @ W + b, y)

    model_record(
        "SoftmaxRegression",
        "softmax",
        rng.integers(0, C, n),
        rng.standard_normal(d * C + C),
        softmax_loss,
        n_classes=C,
    )

    hidden = (5, 4)
    sizes = [d, *hidden, C]
    dim = sum(fan_in * fan_out + fan_out for fan_in, fan_out in pairwise(sizes))

    def mlp_loss(activation):
        def loss(theta, X, y):
            a, start = X, 0
            for layer, (fan_in, fan_out) in enumerate(pairwise(sizes)):
                W = theta[start : start + fan_in * fan_out].reshape(fan_in, fan_out)
                start += fan_in * fan_out
                b = theta[start : start + fan_out]
                start += fan_out
                a = a @ W + b
                if layer < len(hidden):
                    a = torch.tanh(a) if activation == "tanh" else torch.relu(a)
            return F.cross_entropy(a, y)

        return loss

    y = rng.integers(0, C, n)
    for activation in ("tanh", "relu"):
        model_record(
            "MLP",
            f"mlp {activation}",
            y,
            0.7 * rng.standard_normal(dim),
            mlp_loss(activation),
            hidden=list(hidden),
            activation=activation,
            n_classes=C,
        )
    return cases


def main():
    data = {
        "torch_version": torch.__version__,
        "cases": loss_cases(),
        "bce_with_logits_elementwise": bce_with_logits_elementwise(),
        "models": model_cases(),
    }
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, torch {torch.__version__})")


if __name__ == "__main__":
    main()
