r"""Plotting helpers shared by the chapters: contours of 2-D objectives, paths, loss curves, and
the panel most chapters draw — an optimizer's path on the landscape beside its loss curve.

Every helper draws on an ``Axes`` it is given (or a new one) and returns what it drew, so a
chapter composes figures without hidden state. The contour grid of an objective is computed
once per (objective, box, resolution) and cached, because chapters and widgets redraw the same
landscape many times.

The panel, for one run or several (a dict ``label -> Trajectory``)::

    runs = {"GD": optlib.minimize(bowl, bowl.x0, optlib.sgd(lr=0.1), 100),
            "momentum": optlib.minimize(bowl, bowl.x0, optlib.momentum(lr=0.1, gamma=0.9), 100)}
    fig = plotting.path_panel(bowl, runs, title="κ = 10")

draws the contours with both paths (left) and both gaps :math:`f(\theta_t) - f^*` on a log
scale (right), and says of each run how it ended (:func:`verdict`): diverged at which step,
at round-off by which step, or how far it still is. Give ``objective`` as a dict with the same
labels to draw runs on different problems side by side, one contour plot each.

matplotlib's pyplot is imported inside the functions that draw, so importing this module (or
``optlib``) does not start a plotting backend.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from optlib.run import Trajectory

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "PALETTE",
    "contour",
    "contour_grid",
    "gap_curve",
    "log_axis",
    "loss_curves",
    "new_axes",
    "path",
    "path_panel",
    "power_of_ten",
    "settled_at",
    "verdict",
]

#: Colours for optimizers, in the order the book introduces them (colour-blind safe, Okabe–Ito).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")

#: A plotting window: one ``(low, high)`` interval per coordinate.
Box = Sequence[Sequence[float]]

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def new_axes(figsize: tuple[float, float] = (5.0, 4.0), **kwargs: Any) -> Axes:
    """A fresh figure with one ``Axes`` of the book's default size."""
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained", **kwargs)
    return ax


_GRIDS: dict[tuple, tuple] = {}  # (id, box, resolution) -> (objective, X, Y, Z)


def contour_grid(
    objective: Any, box: Box | None = None, resolution: int = 200
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
    box: Box | None = None,
    levels: int = 30,
    log: bool | None = None,
    show_minima: bool = True,
    resolution: int = 200,
) -> Axes:
    """Contour lines of a 2-D objective over ``box`` with its minima marked by stars.

    ``log`` spaces the levels geometrically (the default when the values span more than three
    decades and are non-negative, as for Rosenbrock), so valleys show as well as walls.
    """
    from matplotlib.colors import LogNorm

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


# --- Log axes with plain-text labels -----------------------------------------------------------


def power_of_ten(value: float, position: int | None = None) -> str:
    """The tick label ``10ⁿ`` for ``value`` = 10ⁿ, in plain text (Unicode superscripts).

    A matplotlib tick formatter (``ax.yaxis.set_major_formatter(power_of_ten)``; ``position``
    is the tick's index, unused). Explorers draw every frame at build time, and plain text is
    much faster to lay out than the mathtext of matplotlib's own log labels.
    """
    if not value > 0:
        return "0" if value == 0 else ""
    return "10" + str(round(math.log10(value))).translate(_SUPERSCRIPT)


def log_axis(
    ax: Axes, limits: tuple[float, float], *, every: int | None = None, axis: str = "y"
) -> Axes:
    """Put ``axis`` (``"y"`` or ``"x"``) of ``ax`` on a log scale over ``limits``, with a tick at
    every ``every``-th power of ten (10⁰ among them), labelled ``10ⁿ`` by :func:`power_of_ten`,
    and no minor ticks: the same decades in every frame of an explorer. By default ``every``
    is the first of 1, 2, 5, 10, 20, … that leaves at most seven ticks."""
    low, high = limits
    if not (0 < low < high and (every is None or every >= 1)):
        raise ValueError(f"Invalid log axis: limits {limits}, every {every}")
    exponents = range(math.ceil(math.log10(low)), math.floor(math.log10(high)) + 1)
    if every is None:
        steps = (factor * 10**power for power in itertools.count() for factor in (1, 2, 5))
        every = next(step for step in steps if len(exponents) / step <= 7)
    ticks = [10.0**k for k in exponents if k % every == 0]
    target = ax.yaxis if axis == "y" else ax.xaxis
    getattr(ax, f"set_{axis}scale")("log")
    getattr(ax, f"set_{axis}lim")(low, high)
    getattr(ax, f"set_{axis}ticks")(ticks)
    target.set_major_formatter(power_of_ten)
    target.set_minor_locator(_no_ticks())
    return ax


def _no_ticks() -> Any:
    from matplotlib.ticker import NullLocator

    return NullLocator()


# --- How a run ended ---------------------------------------------------------------------------


def gap_curve(trajectory: Trajectory, f_min: float = 0.0) -> np.ndarray:
    r"""The gap :math:`f(\theta_t) - f^*` of a run at each step, shape ``(T + 1,)``.

    For a trajectory of several runs of one setting (replicas, e.g. noisy runs from one start)
    it is the mean over them, NaN from the step the first of them diverged. ``f_min`` of
    ``-inf`` (no minimum) or NaN gives the loss itself.
    """
    losses = np.asarray(trajectory.losses, dtype=float)
    if losses.ndim > 1:
        losses = losses.reshape(len(losses), -1).mean(axis=1)
    return losses - f_min if np.isfinite(f_min) else losses


def verdict(trajectory: Trajectory, f_min: float = 0.0, *, tolerance: float = 1e-15) -> str:
    r"""How a run ended, in a few words for a title or legend: ``"diverged at step 12"``,
    ``"at round-off by step 40"`` (its gap :math:`f - f^*` reached ``tolerance`` and stayed
    there, :func:`settled_at`), or
    ``"final f − f* = 3.2e-04"``.

    For replicas (a trajectory of several runs of one setting) the verdict is on their mean
    gap, or says how many diverged.
    """
    diverged_at = trajectory.diverged_at
    gap = gap_curve(trajectory, f_min)
    name = "f − f*" if np.isfinite(f_min) else "f"
    if np.ndim(diverged_at) > 0:  # replicas
        diverged = np.asarray(diverged_at)
        count = int(np.sum(diverged >= 0))
        if count:
            first = int(diverged[diverged >= 0].min())
            return f"{count} of {diverged.size} runs diverged, the first at step {first}"
        return f"mean {name} of {diverged.size} runs: {gap[-1]:.1e} at the end"
    if diverged_at is not None:
        return f"diverged at step {diverged_at}"
    settled = settled_at(gap, tolerance) if np.isfinite(f_min) else None
    if settled is not None:
        return f"at round-off by step {settled}"
    return f"final {name} = {gap[-1]:.1e}"


def settled_at(gap: np.ndarray, tolerance: float) -> int | None:
    """The first step from which the gap stays at or below ``tolerance`` to the end of the run,
    or ``None``: a run that touches round-off and climbs back out has not settled."""
    above = np.flatnonzero(~(np.asarray(gap) <= tolerance))  # NaN counts as above
    first = int(above[-1]) + 1 if len(above) else 0
    return first if first < len(gap) else None


# --- The panel: paths on the landscape beside the loss curves ------------------------------------


def path_panel(
    objective: Any | Mapping[str, Any],
    trajectories: Mapping[str, Trajectory],
    *,
    title: str | None = None,
    box: Box | Mapping[str, Box] | None = None,
    path_steps: int | Mapping[str, int] | None = None,
    every: int | Mapping[str, int] = 1,
    levels: int = 12,
    resolution: int = 120,
    gap_limits: tuple[float, float] = (1e-16, 1e13),
    colors: Sequence[str] = PALETTE,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    r"""One figure: each run's path on its objective (left) and its gap
    :math:`f(\theta_t) - f^*` on a log scale (right), with how each run ended.

    Parameters
    ----------
    objective : the objective every run minimised, or a dict ``label -> objective`` (the labels
        of ``trajectories``); runs on the same objective share one path plot. A 2-D objective
        is drawn as contours, a 1-D one as its curve :math:`f(\theta)` with the iterates on it.
    trajectories : ``label -> Trajectory`` of single runs (e.g. from :func:`optlib.minimize`
        or :func:`optlib.widgets.sweep`). For a run with replicas (``params`` of shape
        ``(T + 1, n, d)``) the path is the first replica's and the curve their mean gap.
    title : a heading over the figure (plain text lays out fastest).
    box : the window of the path plot (default: each objective's ``box``).
    path_steps : draw only the first ``path_steps`` steps of each path (default: all).
    every : draw every ``every``-th iterate of each path (its start and end marks stay).
        ``box``, ``path_steps`` and ``every`` may be a dict by label, for some runs only.
    levels, resolution : of the contour plot (see :func:`contour`).
    gap_limits : the fixed range of the gap axis, the same for every frame of an explorer;
        a run that diverged (``Trajectory.diverged_at``) gets a cross at its top, at the step.
    colors : one per run, in order.
    figsize : default ``(6.4, 2.7)`` for one path plot, a little wider for more.

    Returns
    -------
    Figure
        The loss axes is ``fig.axes[-1]``, the path plots come first, to add to (a floor line,
        an annotation). With one run its verdict (:func:`verdict`) is the loss plot's title;
        with several, each run's label and verdict are in a legend below the plots, clear of
        the contours and the curves.
    """
    import matplotlib.pyplot as plt

    if not trajectories:
        raise ValueError("path_panel needs at least one trajectory")
    labels = list(trajectories)
    problems = _objectives_by_label(objective, labels)
    panels: list[Any] = []  # distinct objectives, in order of first use
    for label in labels:
        if not any(problems[label] is seen for seen in panels):
            panels.append(problems[label])
    several = len(panels) > 1
    width = 6.4 if not several else min(2.3 * len(panels) + 3.0, 9.0)
    fig, axes = plt.subplots(
        1,
        len(panels) + 1,
        figsize=figsize or (width, 2.7),
        width_ratios=[1.0] * len(panels) + [1.25],
        layout="constrained",
    )
    path_axes, ax_loss = list(axes[:-1]), axes[-1]

    windows = {label: _for(box, label, None) for label in labels}
    for index, problem in enumerate(panels):
        ax = path_axes[index]
        mine = [label for label in labels if problems[label] is problem]
        window = next((windows[label] for label in mine if windows[label] is not None), None)
        if problem.dim == 1:
            _curve(problem, ax, window)
        else:
            contour(problem, ax=ax, box=window, levels=levels, resolution=resolution)
        if several:
            ax.set(xlabel="", ylabel="", xticks=[], yticks=[])
            ax.set_title(", ".join(mine), fontsize=9)
        else:
            flat = problem.dim == 1
            ax.set(xlabel="θ" if flat else "θ₁", ylabel="f(θ)" if flat else "θ₂")

    ends = []
    for i, label in enumerate(labels):
        run, problem = trajectories[label], problems[label]
        color = colors[i % len(colors)]
        ax = path_axes[next(k for k, p in enumerate(panels) if p is problem)]
        first, thin = _for(path_steps, label, None), _for(every, label, 1)
        shown = _first_replica(run.params)[: None if first is None else first + 1]
        shown = np.concatenate([shown[:-1:thin], shown[-1:]]) if thin > 1 else shown
        if problem.dim == 1:
            ax.plot(
                shown[:, 0], problem.value(shown), "o-", color=color, markersize=2.5, linewidth=0.8
            )
        else:
            path(shown, ax=ax, color=color)
        ends.append(_loss_curve(ax_loss, run, problem, color, label, gap_limits))

    f_min_finite = all(np.isfinite(getattr(p, "f_min", np.nan)) for p in panels)
    replicas = any(np.ndim(run.diverged_at) > 0 for run in trajectories.values())
    name = "f(θₜ) − f*" if f_min_finite else "f(θₜ)"
    ax_loss.set(xlabel="step t", ylabel=f"mean {name}" if replicas else name)
    ax_loss.set_xlim(0, max(*ends, 10))
    if f_min_finite:
        log_axis(ax_loss, gap_limits)
    if len(labels) == 1:
        run = trajectories[labels[0]]
        diverged = bool(np.any(run.diverged))
        ax_loss.set_title(
            verdict(run, _f_min(problems[labels[0]])),
            fontsize=9,
            color=PALETTE[1] if diverged else "black",
        )
    else:
        fig.legend(
            loc="outside lower center",
            ncols=min(len(labels), 2),
            frameon=False,
            fontsize=8.5,
            handlelength=1.5,
        )
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def _objectives_by_label(objective: Any, labels: list[str]) -> dict[str, Any]:
    if isinstance(objective, Mapping):
        missing = [label for label in labels if label not in objective]
        if missing:
            raise ValueError(f"No objective given for the run(s) {missing}")
        return {label: objective[label] for label in labels}
    return dict.fromkeys(labels, objective)


def _for(value: Any, label: str, default: Any) -> Any:
    """A setting of the panel for one run: the value itself, or its entry in a dict by label."""
    return value.get(label, default) if isinstance(value, Mapping) else value


def _f_min(objective: Any) -> float:
    return float(getattr(objective, "f_min", np.nan))


def _first_replica(params: np.ndarray) -> np.ndarray:
    params = np.asarray(params)
    return params.reshape(len(params), -1, params.shape[-1])[:, 0]


def _curve(objective: Any, ax: Axes, window: Box | None) -> None:
    """A 1-D objective's curve f(θ) over its window, to draw the iterates on."""
    (low, high), *_ = window if window is not None else objective.box
    thetas = np.linspace(low, high, 200)
    values = objective.value(thetas[:, None])
    ax.plot(thetas, values, color="0.6", linewidth=1.2)
    spread = float(values.max() - values.min())
    ax.set(xlim=(low, high), ylim=(values.min() - 0.05 * spread, values.max()))


def _loss_curve(
    ax: Axes,
    run: Trajectory,
    objective: Any,
    color: str,
    label: str,
    limits: tuple[float, float],
) -> int:
    """Draw a run's gap curve (and a cross at the top where it diverged); return the last step
    worth showing: a little past round-off, or the end of the run."""
    f_min = _f_min(objective)
    gap = gap_curve(run, f_min)
    floor = limits[0] if np.isfinite(f_min) else -np.inf
    ax.plot(
        np.maximum(gap, floor), color=color, linewidth=1.3, label=f"{label}: {verdict(run, f_min)}"
    )
    diverged_at = np.asarray(run.diverged_at if run.diverged_at is not None else -1)
    if np.any(diverged_at >= 0):
        first = int(diverged_at[diverged_at >= 0].min())
        ax.plot(first, limits[1], "x", color=color, markersize=7, markeredgewidth=2, clip_on=False)
        return first
    settled = settled_at(gap, 10 * limits[0]) if np.isfinite(f_min) else None
    return settled + 5 if settled is not None else len(gap) - 1
