r"""Widgets that work in a live notebook *and* in the book's static HTML.

A slider that redraws through Python goes dead once the kernel is gone, which is how most
readers meet the book. :func:`explorer` therefore draws every setting of a small grid of
hyperparameters up front and lets the browser switch between the pictures: the sliders are
linked to a stack of images on the JavaScript side (``ipywidgets.jslink``), so moving one
changes the figure with or without a kernel, instantly in both.

>>> def draw(lr):                                     # doctest: +SKIP
...     fig, ax = plt.subplots()
...     ...                                           # a figure for this learning rate
...     return fig
>>> explorer(draw, lr=[0.01, 0.1, 0.5])               # doctest: +SKIP

With two grids the second slider switches within the row chosen by the first (nested stacks).
Keep grids small: every combination is one PNG in the page (about 20–40 kB each at the default
size), and a page should stay under 5 MB.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

__all__ = ["explorer", "figure_png", "grid_sizes"]

MAX_FRAMES = 120  # about 3 MB of PNGs: the 5 MB page budget with room for the rest


def figure_png(fig: Figure, dpi: int = 80) -> bytes:
    """Render ``fig`` to PNG bytes and close it (so the notebook does not show it twice)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def grid_sizes(grids: dict[str, Sequence[Any]]) -> tuple[int, ...]:
    """The number of values of each hyperparameter, checked: 1 or 2 grids, ≤ MAX_FRAMES frames."""
    if not 1 <= len(grids) <= 2:
        raise ValueError(f"explorer takes one or two hyperparameter grids, got {len(grids)}")
    sizes = tuple(len(values) for values in grids.values())
    if min(sizes) < 1:
        raise ValueError(f"Every grid needs at least one value, got sizes {sizes}")
    frames = sizes[0] * (sizes[1] if len(sizes) == 2 else 1)
    if frames > MAX_FRAMES:
        raise ValueError(f"{frames} frames is more than the page budget allows ({MAX_FRAMES})")
    return sizes


def _label(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def explorer(
    draw: Callable[..., Figure],
    *,
    dpi: int = 80,
    labels: dict[str, str] | None = None,
    **grids: Sequence[Any],
) -> widgets.VBox:
    """Sliders over a grid of hyperparameters, each setting drawn once by ``draw(**setting)``.

    Parameters
    ----------
    draw : returns a matplotlib figure for one setting, e.g. ``draw(lr=0.1, schedule="cosine")``.
    dpi : resolution of the stored pictures.
    labels : slider captions by keyword (default: the keyword itself).
    **grids : one or two keywords, each with the list of values its slider offers.

    Returns
    -------
    A ``VBox`` of one slider per grid above the picture. The sliders drive the picture through
    client-side links, so it works in static HTML; the initial setting is each grid's first value.
    """
    sizes = grid_sizes(grids)
    labels = labels or {}
    names = list(grids)
    sliders = [
        widgets.SelectionSlider(
            options=[(_label(value), i) for i, value in enumerate(grids[name])],
            value=0,
            description=labels.get(name, name),
            continuous_update=True,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="420px"),
        )
        for name in names
    ]
    pictures = {}
    for index in itertools.product(*(range(size) for size in sizes)):
        setting = {name: grids[name][i] for name, i in zip(names, index, strict=True)}
        pictures[index] = widgets.Image(value=figure_png(draw(**setting), dpi), format="png")

    if len(sizes) == 1:
        stack = widgets.Stack([pictures[(i,)] for i in range(sizes[0])], selected_index=0)
        links = [widgets.jslink((sliders[0], "index"), (stack, "selected_index"))]
    else:
        rows = [
            widgets.Stack([pictures[(i, j)] for j in range(sizes[1])], selected_index=0)
            for i in range(sizes[0])
        ]
        stack = widgets.Stack(rows, selected_index=0)
        links = [widgets.jslink((sliders[0], "index"), (stack, "selected_index"))]
        links += [widgets.jslink((sliders[1], "index"), (row, "selected_index")) for row in rows]
    box = widgets.VBox([*sliders, stack])
    box.links = links  # the browser-side links: kept for inspection (and tests)
    return box
