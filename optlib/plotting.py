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

**The figure standard.** Every figure of the book is drawn at the width it is shown, the
page's content column (:data:`COLUMN_PX` = 688 CSS pixels at 1280 px, :data:`COLUMN_WIDTH`
inches at :data:`DPI`), with no text smaller than :data:`MIN_FONT_PT` (14.4 px on the page, the
theme's caption size), at most :data:`MAX_CURVES` labelled curves to a legend (more is a case
for small multiples), and legends off the data (outside the axes, or over a part of the axes
that no curve, point or contour crosses). :func:`book_style` sets matplotlib up that way and
checks every figure a notebook shows against :func:`figure_problems`: a figure that breaks the
standard prints a :class:`FigureStandardWarning`, which fails the book's build. Figures are
stored at twice their resolution for sharp screens, with a 256-colour palette
(:func:`png_bytes`).

matplotlib's pyplot is imported inside the functions that draw, so importing this module (or
``optlib``) does not start a plotting backend.
"""

from __future__ import annotations

import base64
import io
import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from optlib.run import Trajectory

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "COLUMN_PX",
    "COLUMN_WIDTH",
    "DPI",
    "MAX_CURVES",
    "MIN_FONT_PT",
    "PALETTE",
    "STYLE",
    "FigureStandardWarning",
    "book_style",
    "check_figure",
    "contour",
    "contour_grid",
    "figure_problems",
    "gap_curve",
    "log_axis",
    "loss_curves",
    "new_axes",
    "path",
    "path_panel",
    "png_bytes",
    "power_of_ten",
    "settled_at",
    "verdict",
]

#: Colours for optimizers, in the order the book introduces them (colour-blind safe, Okabe–Ito).
PALETTE = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
    "#000000",
)

#: A plotting window: one ``(low, high)`` interval per coordinate.
Box = Sequence[Sequence[float]]

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


# --- The figure standard -----------------------------------------------------------------------

#: The content column of a chapter page at 1280 px, in CSS pixels: figures are drawn this wide.
COLUMN_PX = 688
#: Dots per inch of every figure: one matplotlib inch is 100 CSS pixels on the page.
DPI = 100
#: The column in inches, matplotlib's unit: ``figsize=(COLUMN_WIDTH, height)``.
COLUMN_WIDTH = COLUMN_PX / DPI
#: The smallest text in a figure, in points: 10.4 pt at 100 dpi is 14.4 px, the caption size of
#: the book's theme, so a figure shown at its drawn width is as legible as the captions under it.
MIN_FONT_PT = 10.4
#: The white border kept around a figure cropped to what is drawn, in inches (4 px).
PAD_INCHES = 0.04
#: The most labelled curves one legend may hold; beyond that, draw small multiples.
MAX_CURVES = 6

#: matplotlib settings of the standard (applied by :func:`book_style`).
STYLE: dict[str, Any] = {
    "figure.figsize": (COLUMN_WIDTH, 2.9),
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "font.size": 11.0,
    "axes.titlesize": 11.5,
    "axes.labelsize": 11.0,
    "xtick.labelsize": 10.5,
    "ytick.labelsize": 10.5,
    "legend.fontsize": 10.5,
    "legend.title_fontsize": 10.5,
    "figure.titlesize": 12.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "figure.constrained_layout.use": True,
}


class FigureStandardWarning(UserWarning):
    """A figure breaks the book's figure standard (see :func:`figure_problems`)."""


def figure_problems(
    fig: Figure, *, width_px: float = COLUMN_PX
) -> list[str]:
    """What keeps ``fig`` from the figure standard, in words (an empty list when nothing does).

    Checked: the figure's width with everything drawn (at :data:`DPI`) is at most ``width_px``;
    no visible text is smaller than :data:`MIN_FONT_PT`; no legend holds more than
    :data:`MAX_CURVES` entries; no legend covers data: a point or segment of a curve, a marker,
    or an axes drawn full of contours or an image.
    """
    from matplotlib.image import AxesImage
    from matplotlib.text import Text

    fig.canvas.draw()  # lays out the figure: text and legend extents are final
    renderer = fig.canvas.get_renderer()
    problems = []
    drawn = (
        fig.get_tightbbox(renderer).width + 2 * PAD_INCHES
    ) * DPI  # as png_bytes crops
    if drawn > width_px + 2:
        problems.append(
            f"drawn {drawn:.0f} px wide, wider than the {width_px:.0f} px column "
            f"(figsize width {fig.get_size_inches()[0]:.2f} in; at most {width_px / DPI:.2f})"
        )
    small = sorted(
        {
            (round(text.get_fontsize(), 1), text.get_text()[:30])
            for text in fig.findobj(Text)
            if text.get_visible()
            and text.get_text().strip()
            and _shown(text, renderer)
            and text.get_fontsize() < MIN_FONT_PT - 1e-9
        }
    )
    if small:
        sizes = ", ".join(
            f"{size:g} pt ({label!r})" for size, label in small[:4]
        )
        problems.append(f"text smaller than {MIN_FONT_PT:g} pt: {sizes}")
    legends = [
        ax.get_legend() for ax in fig.axes if ax.get_legend() is not None
    ] + fig.legends
    for legend in legends:
        entries = [t.get_text() for t in legend.get_texts()]
        if len(entries) > MAX_CURVES:
            problems.append(
                f"a legend of {len(entries)} entries (at most {MAX_CURVES}; draw small multiples)"
            )
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            if not ax.get_visible() or not ax.bbox.overlaps(box):
                continue
            full = any(isinstance(a, AxesImage) for a in ax.images) or any(
                type(c).__name__ in ("QuadContourSet", "ContourSet")
                for c in ax.collections
            )
            if full or _covers_data(ax, box):
                what = "contours or an image" if full else "data"
                problems.append(
                    f"the legend ({', '.join(entries[:2])}, …) covers {what}"
                )
                break
    return problems


def _root_figure(artist: Any) -> Figure:
    """The figure an artist is drawn in, through any subfigure. `get_figure(root=True)` is
    matplotlib 3.10's; before it (3.8 in the browser runtime) `.figure` of an artist in a
    subfigure is the subfigure, whose `.figure` is the root figure, and a figure's is itself."""
    try:
        return artist.get_figure(root=True)
    except TypeError:
        return artist.figure.figure


def _shown(text: Any, renderer: Any) -> bool:
    """Whether a text artist is drawn inside the figure (tick labels beyond the axis limits are
    kept by matplotlib but not drawn)."""
    box = text.get_window_extent(renderer)
    fig_box = _root_figure(text).bbox
    return (
        box.width > 0
        and box.x1 > fig_box.x0
        and box.x0 < fig_box.x1
        and (box.y1 > fig_box.y0 and box.y0 < fig_box.y1)
    )


def _covers_data(ax: Axes, box: Any) -> bool:
    """Whether any point of a curve (sampled along its segments) or any marker of ``ax`` lies
    inside the display-space box ``box``."""
    inside = ax.bbox
    for line in ax.get_lines():
        if not line.get_visible():
            continue
        xy = line.get_transform().transform(
            np.column_stack(line.get_data()).astype(float)
        )
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        if (
            line.get_linestyle() not in ("None", "", " ")
            and 1 < len(xy) < 2000
        ):
            t = np.linspace(0.0, 1.0, 16)[:, None, None]
            xy = (xy[:-1] * (1 - t) + xy[1:] * t).reshape(
                -1, 2
            )  # points along each segment
        if _any_inside(xy, box, inside):
            return True
    for collection in ax.collections:
        offsets = collection.get_offsets()
        scatter = type(collection).__name__ == "PathCollection"
        if collection.get_visible() and len(offsets) and scatter:
            xy = collection.get_offset_transform().transform(
                np.asarray(offsets, dtype=float)
            )
            if _any_inside(xy, box, inside):
                return True
    return False


def _any_inside(xy: np.ndarray, box: Any, clip: Any) -> bool:
    """Whether any display point of ``xy`` is inside ``box`` and inside the axes ``clip``."""

    def within(b: Any) -> np.ndarray:
        return (
            (xy[:, 0] >= b.x0)
            & (xy[:, 0] <= b.x1)
            & (xy[:, 1] >= b.y0)
            & (xy[:, 1] <= b.y1)
        )

    return bool(np.any(within(box) & within(clip)))


def check_figure(fig: Figure, *, width_px: float = COLUMN_PX) -> Figure:
    """``fig`` itself, after a :class:`FigureStandardWarning` listing its
    :func:`figure_problems`, if it has any."""
    problems = figure_problems(fig, width_px=width_px)
    if problems:
        title = fig._suptitle.get_text() if fig._suptitle is not None else ""
        axes_title = next(
            (ax.get_title() for ax in fig.axes if ax.get_title()), ""
        )
        name = title or axes_title or "a figure"
        warnings.warn(
            f"{name!r} breaks the figure standard: " + "; ".join(problems),
            FigureStandardWarning,
            stacklevel=2,
        )
    return fig


def png_bytes(fig: Figure, dpi: float = DPI, *, scale: int = 1) -> bytes:
    """``fig`` as PNG bytes, at ``scale`` times ``dpi`` (2 for sharp screens), cropped to what is
    drawn and stored with a palette of 256 colours: a line drawing looks the same and takes a
    third of the bytes of full colour."""
    from PIL import Image  # matplotlib's own dependency

    buffer = io.BytesIO()
    fig.savefig(
        buffer,
        format="png",
        dpi=dpi * scale,
        bbox_inches="tight",
        pad_inches=PAD_INCHES,
    )
    buffer.seek(0)
    with Image.open(buffer) as picture:
        palette = picture.convert("RGB").quantize(
            256, dither=Image.Dither.NONE
        )
    out = io.BytesIO()
    palette.save(out, format="png", optimize=True)
    return out.getvalue()


def _notebook_png(fig: Figure) -> tuple[str, dict[str, int]] | None:
    """How a notebook shows a figure under :func:`book_style`: checked, at twice the resolution,
    with its width and height on the page in the output's metadata."""
    if not fig.axes and not fig.texts:
        return None
    check_figure(fig)
    data = png_bytes(fig, scale=2)
    from PIL import Image

    with Image.open(io.BytesIO(data)) as picture:
        width, height = picture.size
    return base64.b64encode(data).decode("ascii"), {
        "width": width // 2,
        "height": height // 2,
    }


def book_style() -> None:
    """Draw every following figure to the book's standard: :data:`STYLE` for matplotlib, and in
    a notebook, figures shown checked (:func:`check_figure`) and sharp (:func:`_notebook_png`).
    The chapters call it in their set-up cell; call it in your own notebook to draw alike."""
    import matplotlib as mpl
    from matplotlib.figure import Figure

    mpl.rcParams.update(STYLE)
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: the style alone
        return
    shell = get_ipython()
    if shell is not None:
        import matplotlib.pyplot as plt

        # Start the backend now: the inline backend registers its own PNG formatter when its
        # first figure is made, which would otherwise replace this one.
        plt.close(plt.figure())
        shell.display_formatter.formatters["image/png"].for_type(
            Figure, _notebook_png
        )


def new_axes(
    figsize: tuple[float, float] = (5.0, 4.0), **kwargs: Any
) -> Axes:
    """A fresh figure with one ``Axes`` of the book's default size."""
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained", **kwargs)
    return ax


_GRIDS: dict[
    tuple, tuple
] = {}  # (id, box, resolution) -> (objective, X, Y, Z)


def contour_grid(
    objective: Any, box: Box | None = None, resolution: int = 200
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``X, Y, Z`` with ``Z = objective.value`` on a ``resolution``² grid over ``box``
    (default: the objective's own ``box``). Cached per objective; treat the arrays as read-only."""
    box = tuple(
        tuple(map(float, side))
        for side in (box if box is not None else objective.box)
    )
    key = (id(objective), box, resolution)
    cached = _GRIDS.get(key)
    if (
        cached is None or cached[0] is not objective
    ):  # the object holds its id while cached
        (x_lo, x_hi), (y_lo, y_hi) = box
        xs, ys = (
            np.linspace(x_lo, x_hi, resolution),
            np.linspace(y_lo, y_hi, resolution),
        )
        X, Y = np.meshgrid(xs, ys)
        cached = (
            objective,
            X,
            Y,
            objective.value(np.stack([X, Y], axis=-1)),
        )
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
            ax.plot(
                *point[:2],
                marker="*",
                color="black",
                markersize=12,
                linestyle="none",
            )
    ax.set(
        xlabel=r"$\theta_1$",
        ylabel=r"$\theta_2$",
        xlim=X[0, [0, -1]],
        ylim=Y[[0, -1], 0],
    )
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
    ax.plot(
        *finite[-1],
        "x",
        color=line.get_color(),
        markersize=8,
        markeredgewidth=2,
    )
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
        ax.plot(
            xs,
            losses,
            label=label,
            color=PALETTE[i % len(PALETTE)],
            linewidth=1.5,
        )
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
    ax: Axes,
    limits: tuple[float, float],
    *,
    every: int | None = None,
    axis: str = "y",
) -> Axes:
    """Put ``axis`` (``"y"`` or ``"x"``) of ``ax`` on a log scale over ``limits``, with a tick at
    every ``every``-th power of ten (10⁰ among them), labelled ``10ⁿ`` by :func:`power_of_ten`,
    and no minor ticks: the same decades in every frame of an explorer. By default ``every``
    is the first of 1, 2, 5, 10, 20, … that leaves at most seven ticks."""
    low, high = limits
    if not (0 < low < high and (every is None or every >= 1)):
        raise ValueError(f"Invalid log axis: limits {limits}, every {every}")
    exponents = range(
        math.ceil(math.log10(low)), math.floor(math.log10(high)) + 1
    )
    if every is None:
        steps = (
            factor * 10**power
            for power in itertools.count()
            for factor in (1, 2, 5)
        )
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


def verdict(
    trajectory: Trajectory, f_min: float = 0.0, *, tolerance: float = 1e-15
) -> str:
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
        return (
            f"mean {name} of {diverged.size} runs: {gap[-1]:.1e} at the end"
        )
    if diverged_at is not None:
        return f"diverged at step {diverged_at}"
    settled = settled_at(gap, tolerance) if np.isfinite(f_min) else None
    if settled is not None:
        return f"at round-off by step {settled}"
    return f"final {name} = {gap[-1]:.1e}"


def settled_at(gap: np.ndarray, tolerance: float) -> int | None:
    """The first step from which the gap stays at or below ``tolerance`` to the end of the run,
    or ``None``: a run that touches round-off and climbs back out has not settled."""
    above = np.flatnonzero(
        ~(np.asarray(gap) <= tolerance)
    )  # NaN counts as above
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
    figsize : default: the column's width (:data:`COLUMN_WIDTH`), 2.9 in high (3.2 with a
        legend below).

    Returns
    -------
    Figure
        The loss axes is ``fig.axes[-1]``, the path plots come first, to add to (a floor line,
        an annotation). With one run its verdict (:func:`verdict`) is the loss plot's title;
        with several, each run's label and verdict are in a legend below the plots, clear of
        the contours and the curves.
    """
    import matplotlib as mpl

    if not trajectories:
        raise ValueError("path_panel needs at least one trajectory")
    with mpl.rc_context(
        STYLE
    ):  # to the figure standard whether or not book_style() was called
        return _path_panel(
            objective, trajectories, title, box, path_steps, every, levels, resolution,
            gap_limits, colors, figsize,
        )  # fmt: skip


def _path_panel(
    objective: Any,
    trajectories: Mapping[str, Trajectory],
    title: str | None,
    box: Any,
    path_steps: Any,
    every: Any,
    levels: int,
    resolution: int,
    gap_limits: tuple[float, float],
    colors: Sequence[str],
    figsize: tuple[float, float] | None,
) -> Figure:
    import matplotlib.pyplot as plt

    labels = list(trajectories)
    problems = _objectives_by_label(objective, labels)
    panels: list[Any] = []  # distinct objectives, in order of first use
    for label in labels:
        if not any(problems[label] is seen for seen in panels):
            panels.append(problems[label])
    several = len(panels) > 1
    height = 2.9 if len(labels) == 1 else 3.2
    fig, axes = plt.subplots(
        1,
        len(panels) + 1,
        figsize=figsize or (COLUMN_WIDTH, height),
        width_ratios=[1.0] * len(panels) + [1.25],
        layout="constrained",
    )
    path_axes, ax_loss = list(axes[:-1]), axes[-1]

    windows = {label: _for(box, label, None) for label in labels}
    for index, problem in enumerate(panels):
        ax = path_axes[index]
        mine = [label for label in labels if problems[label] is problem]
        window = next(
            (windows[label] for label in mine if windows[label] is not None),
            None,
        )
        if problem.dim == 1:
            _curve(problem, ax, window)
        else:
            contour(
                problem,
                ax=ax,
                box=window,
                levels=levels,
                resolution=resolution,
            )
        if several:
            ax.set(xlabel="", ylabel="", xticks=[], yticks=[])
            ax.set_title(", ".join(mine))
        else:
            flat = problem.dim == 1
            ax.set(
                xlabel="θ" if flat else "θ₁", ylabel="f(θ)" if flat else "θ₂"
            )

    ends = []
    for i, label in enumerate(labels):
        run, problem = trajectories[label], problems[label]
        color = colors[i % len(colors)]
        ax = path_axes[next(k for k, p in enumerate(panels) if p is problem)]
        first, thin = _for(path_steps, label, None), _for(every, label, 1)
        shown = _first_replica(run.params)[
            : None if first is None else first + 1
        ]
        shown = (
            np.concatenate([shown[:-1:thin], shown[-1:]])
            if thin > 1
            else shown
        )
        if problem.dim == 1:
            ax.plot(
                shown[:, 0],
                problem.value(shown),
                "o-",
                color=color,
                markersize=2.5,
                linewidth=0.8,
            )
        else:
            path(shown, ax=ax, color=color)
        ends.append(
            _loss_curve(ax_loss, run, problem, color, label, gap_limits)
        )

    f_min_finite = all(
        np.isfinite(getattr(p, "f_min", np.nan)) for p in panels
    )
    replicas = any(
        np.ndim(run.diverged_at) > 0 for run in trajectories.values()
    )
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
            color=PALETTE[1] if diverged else "black",
        )
    else:
        fig.legend(
            loc="outside lower center",
            ncols=min(len(labels), 2),
            frameon=False,
            handlelength=1.5,
        )
    if title:
        fig.suptitle(title)
    return fig


def _objectives_by_label(
    objective: Any, labels: list[str]
) -> dict[str, Any]:
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
    ax.set(
        xlim=(low, high), ylim=(values.min() - 0.05 * spread, values.max())
    )


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
        np.maximum(gap, floor),
        color=color,
        linewidth=1.3,
        label=f"{label}: {verdict(run, f_min)}",
    )
    diverged_at = np.asarray(
        run.diverged_at if run.diverged_at is not None else -1
    )
    if np.any(diverged_at >= 0):
        first = int(diverged_at[diverged_at >= 0].min())
        ax.plot(
            first,
            limits[1],
            "x",
            color=color,
            markersize=7,
            markeredgewidth=2,
            clip_on=False,
        )
        return first
    settled = settled_at(gap, 10 * limits[0]) if np.isfinite(f_min) else None
    return settled + 5 if settled is not None else len(gap) - 1
