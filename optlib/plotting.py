r"""Plotting helpers shared by the chapters: contours of 2-D objectives, paths, loss curves.

Every helper draws on an ``Axes`` it is given (or a new one) and returns what it drew, so a
chapter composes figures without hidden state. The contour grid of an objective is computed
once per (objective, box, resolution) and cached, because chapters and widgets redraw the same
landscape many times.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm

__all__ = ["PALETTE", "contour", "contour_grid", "loss_curves", "new_axes", "path"]

#: Colours for optimizers, in the order the book introduces them (colour-blind safe, Okabe–Ito).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


def new_axes(figsize: tuple[float, float] = (5.0, 4.0), **kwargs: Any) -> Axes:
    """A fresh figure with one ``Axes`` of the book's default size."""
    _, ax = plt.subplots(figsize=figsize, layout="constrained", **kwargs)
    return ax


_GRIDS: dict[tuple, tuple] = {}  # (id, box, resolution) -> (objective, X, Y, Z)


def contour_grid(
    objective: Any, box: Sequence[Sequence[float]] | None = None, resolution: int = 200
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``X, Y, Z`` with ``Z = objective.value`` on a ``resolution``² grid over ``box``
    (default: the objective's own ``box``). Cached per objective; treat the arrays as read-only."""
    box = tuple(tuple(map(float, side)) for side in (box if box is not None else objective.box))
    key = (id(objective), box, resolution)
    cached = _GRIDS.get(key)
    if cached is None or cached[0] is not objective:  # the object holds its id while cached
        (x_lo, x_hi), (y_lo, y_hi) = box
        xs, ys = np.linspace(x_lo, x_hi, resolution), np.linspace(y_lo, y_hi, resolution)
        X, Y = np.meshgrid(xs, ys)
        cached = (objective, X, Y, objective.value(np.stack([X, Y], axis=-1)))
        if len(_GRIDS) >= 64:
            _GRIDS.pop(next(iter(_GRIDS)))
        _GRIDS[key] = cached
    return cached[1:]


def contour(
    objective: Any,
    ax: Axes | None = None,
    box: Sequence[Sequence[float]] | None = None,
    levels: int = 30,
    log: bool | None = None,
    show_minima: bool = True,
    resolution: int = 200,
) -> Axes:
    """Contour lines of a 2-D objective over ``box`` with its minima marked by stars.

    ``log`` spaces the levels geometrically (the default when the values span more than three
    decades and are non-negative, as for Rosenbrock), so valleys show as well as walls.
    """
    ax = ax if ax is not None else new_axes()
    X, Y, Z = contour_grid(objective, box, resolution)
    z_min, z_max = float(np.min(Z)), float(np.max(Z))
    if log is None:
        log = z_min >= 0 and z_max > 1e3 * max(z_min, 1e-3)
    if log:
        floor = max(z_min, z_max * 1e-6, 1e-6)
        ax.contour(
            X,
            Y,
            np.maximum(Z, floor),
            levels=np.geomspace(floor, z_max, levels),
            norm=LogNorm(),
            cmap="viridis",
            linewidths=0.8,
        )
    else:
        ax.contour(X, Y, Z, levels=levels, cmap="viridis", linewidths=0.8)
    if show_minima:
        for point in getattr(objective, "minima", []):
            ax.plot(*point[:2], marker="*", color="black", markersize=12, linestyle="none")
    ax.set(xlabel=r"$\theta_1$", ylabel=r"$\theta_2$", xlim=X[0, [0, -1]], ylim=Y[[0, -1], 0])
    ax.set_aspect("equal", adjustable="box")
    return ax


def path(
    params: np.ndarray,
    ax: Axes | None = None,
    label: str | None = None,
    color: str | None = None,
    markevery: int | None = None,
) -> Axes:
    """Draw an optimizer's path (rows of ``params``: θ₀ first) with its start as a circle and its
    end as a cross. NaN rows (a diverged run) end the line."""
    ax = ax if ax is not None else new_axes()
    params = np.asarray(params)
    (line,) = ax.plot(
        params[:, 0],
        params[:, 1],
        "-",
        color=color,
        label=label,
        linewidth=1.5,
        marker="." if markevery else None,
        markevery=markevery,
        markersize=4,
    )
    finite = params[np.isfinite(params).all(axis=1)]
    ax.plot(*finite[0], "o", color=line.get_color(), markersize=6)
    ax.plot(*finite[-1], "x", color=line.get_color(), markersize=8, markeredgewidth=2)
    return ax


def loss_curves(
    curves: Mapping[str, np.ndarray],
    ax: Axes | None = None,
    x: Mapping[str, np.ndarray] | None = None,
    log: bool = True,
    xlabel: str = "step $t$",
    ylabel: str = r"loss $f(\theta_t)$",
) -> Axes:
    """One line per labelled loss curve, on a log scale by default; ``x`` gives each curve its
    own horizontal axis (e.g. gradient evaluations instead of steps)."""
    ax = ax if ax is not None else new_axes()
    for i, (label, losses) in enumerate(curves.items()):
        xs = x[label] if x is not None else np.arange(len(losses))
        ax.plot(xs, losses, label=label, color=PALETTE[i % len(PALETTE)], linewidth=1.5)
    if log:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.legend(frameon=False)
    return ax
