r"""Widgets that work in a live notebook *and* in the book's static HTML.

A slider that redraws through Python goes dead once the kernel is gone, which is how most
readers meet the book. :func:`explorer` therefore draws every setting of a small grid of
hyperparameters up front and lets the browser switch between the pictures: the sliders are
linked to a stack of images on the JavaScript side (``ipywidgets.jslink``), so moving one
changes the figure with or without a kernel, instantly in both.

Three levels, each built on the one before:

- :func:`explorer` ``(draw, **grids)`` — any picture: ``draw(**setting)`` returns a figure.
- :func:`sweep` ``(objective, x0, optimizer, steps, **grids)`` — the runs of a hyperparameter
  grid, all as ONE batched :func:`optlib.minimize` (the grid's values become hyperparameter
  arrays of shape ``(B,)``, ``x0`` is tiled to ``(B, d)``), handed back per setting:
  ``runs[lr, gamma]`` is the :class:`~optlib.run.Trajectory` that ``minimize`` gives for that
  setting alone (diverged runs included, with ``diverged_at``).
- :func:`sweep_explorer` — the two composed with :func:`optlib.plotting.path_panel`: the
  usual chapter explorer (path on the contours, loss curve beside it) in one call::

      widgets.sweep_explorer(
          functions.rosenbrock, None,
          lambda lr, gamma: optlib.sgd(lr=lr, momentum=gamma),
          steps=500, lr=[1e-4, 1e-3, 3e-3], gamma=[0.0, 0.5, 0.9],
          labels={"lr": "learning rate η", "gamma": "momentum γ"},
      )

The frame shows the path on the contours (left) and the gap :math:`f(\theta_t) - f^*` on a log
scale (right), titled with how the run ended (:func:`optlib.plotting.verdict`: "diverged at
step 12", "at round-off by step 40", "final f − f* = 3e-04"); the sliders' grids are the
keywords that are lists, in the order given; a number or tuple is a fixed setting; ``grad_noise``,
``seed`` or ``batch_size`` given as a list sweep :func:`optlib.minimize`'s options. The
explorer's ``runs`` attribute holds the runs drawn, for the chapter's checks
(``box.runs[1e-3, 0.9].diverged``) — no ``list.index(value)`` bookkeeping.

For a picture of your own over the runs of a sweep (two problems side by side, a reference
line, a chapter-specific panel), compose the three yourself; draw to the book's figure standard
(:mod:`optlib.plotting`: the 688 px column at 100 dpi, legible text, legends off the data),
which :func:`explorer` checks for every frame::

    runs = widgets.sweep(bowl, bowl.x0, lambda lr: optlib.sgd(lr=lr), 100, lr=rates)

    def draw(lr):
        fig = plotting.path_panel(bowl, {"GD": runs[lr]}, title=f"η = {lr:g}")
        fig.axes[-1].axhline(1e-8, color="0.5")  # fig.axes[-1] is the loss plot
        return fig

    widgets.explorer(draw, lr=rates)

Several problems under the same sliders: one sweep per problem, then a dict of objectives
(``path_panel({"bowl": bowl, "Rosenbrock": rosenbrock}, {"bowl": runs_b[lr],
"Rosenbrock": runs_r[lr]})``) draws each on its own contour plot. A hyperparameter scaled per
problem (η as a fraction of 2/L) goes in a small function that builds the sweep, so the factory
closes over that problem's L (see the momentum chapter). Chapter-specific figures keep their
own ``draw``; for their log axes use :func:`optlib.plotting.log_axis` (ticks labelled 10ⁿ in
plain text by :func:`optlib.plotting.power_of_ten`) instead of a copied formatter.

Keep grids small: every combination is one PNG in the page (10–25 kB each, stored with a
256-colour palette), and a page should stay under 5 MB (:data:`MAX_FRAMES`). matplotlib's
pyplot is imported only when a figure is drawn.
"""

from __future__ import annotations

import dataclasses
import html
import inspect
import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import numpy as np

from optlib import plotting
from optlib.optimizers import Optimizer
from optlib.run import Trajectory, minimize
from optlib.validation import is_number

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "MAX_FRAMES",
    "RUN_OPTIONS",
    "explorer",
    "figure_png",
    "grid_sizes",
    "run_at",
    "sweep",
    "sweep_explorer",
]

MAX_FRAMES = (
    120  # about 3 MB of PNGs: the 5 MB page budget with room for the rest
)

#: Keywords of :func:`sweep` that go to :func:`optlib.minimize` rather than to the optimizer.
RUN_OPTIONS = ("batch_size", "sampling", "grad_noise", "seed", "max_loss")


def figure_png(fig: Figure, dpi: int = plotting.DPI) -> bytes:
    """Render ``fig`` to PNG bytes and close it (so the notebook does not show it twice), after
    checking it against the book's figure standard (:func:`optlib.plotting.check_figure`: a
    frame is shown at its drawn width, so it must fit the column with legible text).

    The picture is stored with a palette of 256 colours (:func:`optlib.plotting.png_bytes`):
    a line drawing looks the same and takes a third of the bytes, which lets a page hold its
    frames.
    """
    import matplotlib.pyplot as plt

    plotting.check_figure(
        fig, width_px=plotting.COLUMN_PX * dpi / plotting.DPI
    )
    try:
        return plotting.png_bytes(fig, dpi)
    finally:
        plt.close(fig)


def grid_sizes(grids: dict[str, Sequence[Any]]) -> tuple[int, ...]:
    """The number of values of each hyperparameter, checked: 1 or 2 grids, ≤ MAX_FRAMES frames."""
    if not 1 <= len(grids) <= 2:
        raise ValueError(
            f"explorer takes one or two hyperparameter grids, got {len(grids)}"
        )
    sizes = tuple(len(values) for values in grids.values())
    if min(sizes) < 1:
        raise ValueError(
            f"Every grid needs at least one value, got sizes {sizes}"
        )
    frames = sizes[0] * (sizes[1] if len(sizes) == 2 else 1)
    if frames > MAX_FRAMES:
        raise ValueError(
            f"{frames} frames is more than the page budget allows ({MAX_FRAMES})"
        )
    return sizes


def _label(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


#: What describes a frame: a format string over the grid keywords, or a function of the setting.
Describe = str | Callable[..., str] | None


def _describe(describe: Describe, setting: dict[str, Any]) -> str | None:
    if describe is None:
        return None
    text = (
        describe.format(**setting)
        if isinstance(describe, str)
        else describe(**setting)
    )
    if not isinstance(text, str) or not text.strip():
        raise ValueError(
            f"describe must give a non-empty text for {setting}, got {text!r}"
        )
    return " ".join(text.split())


def _frame(png: bytes, description: str | None) -> widgets.Widget:
    """One picture of an explorer; with a description, the picture and its description (a
    hidden element the book's script turns into the picture's alt text)."""
    image = widgets.Image(value=png, format="png")
    if description is None:
        return image
    hidden = widgets.HTML(
        f'<span class="optlib-alt">{html.escape(description)}</span>',
        layout=widgets.Layout(display="none"),
    )
    return widgets.VBox([image, hidden])


def _control(
    name: str, values: Sequence[Any], caption: str
) -> widgets.Widget:
    """A drop-down list for a grid of names (problems, families, schedules), a slider for a grid
    of numbers; either way its ``index`` chooses the picture."""
    options = [(_label(value), i) for i, value in enumerate(values)]
    if all(isinstance(value, str) for value in values):
        return widgets.Dropdown(
            options=options,
            value=0,
            description=caption,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="auto", max_width="100%"),
        )
    return widgets.SelectionSlider(
        options=options,
        value=0,
        description=caption,
        continuous_update=True,
        style={"description_width": "initial"},
        layout=widgets.Layout(width="420px", max_width="100%"),
    )


def explorer(
    draw: Callable[..., Figure],
    *,
    dpi: int = plotting.DPI,
    labels: dict[str, str] | None = None,
    describe: Describe = None,
    **grids: Sequence[Any],
) -> widgets.VBox:
    """Controls over a grid of hyperparameters, each setting drawn once by ``draw(**setting)``.

    Parameters
    ----------
    draw : returns a matplotlib figure for one setting, e.g. ``draw(lr=0.1, schedule="cosine")``;
        it is called with the book's figure style (:data:`optlib.plotting.STYLE`) in force,
        and each figure is checked against the standard (:func:`figure_png`).
    dpi : resolution of the stored pictures; at the default (:data:`optlib.plotting.DPI`) a
        figure :data:`optlib.plotting.COLUMN_WIDTH` inches wide fills the book's column.
    labels : control captions by keyword (default: the keyword itself).
    describe : what each picture shows, for readers who cannot see it (its alt text in the
        book): a format string over the grid keywords (``"Path of GD at η = {lr:g}"``) or a
        function ``describe(**setting) -> str`` that can say how that run went.
    **grids : one or two keywords, each with the list of values its control offers: a grid of
        numbers gets a slider, a grid of names (strings) a drop-down list.

    Returns
    -------
    A ``VBox`` of one control per grid above the picture. The controls drive the picture
    through client-side links, so it works in static HTML; the initial setting is each grid's
    first value.
    """
    sizes = grid_sizes(grids)
    labels = labels or {}
    names = list(grids)
    controls = [
        _control(name, grids[name], labels.get(name, name)) for name in names
    ]
    import matplotlib as mpl

    pictures = {}
    for index in itertools.product(*(range(size) for size in sizes)):
        setting = {
            name: grids[name][i]
            for name, i in zip(names, index, strict=True)
        }
        with mpl.rc_context(
            plotting.STYLE
        ):  # every frame to the figure standard
            fig = draw(**setting)
        pictures[index] = _frame(
            figure_png(fig, dpi), _describe(describe, setting)
        )

    if len(sizes) == 1:
        stack = widgets.Stack(
            [pictures[(i,)] for i in range(sizes[0])], selected_index=0
        )
        links = [
            widgets.jslink((controls[0], "index"), (stack, "selected_index"))
        ]
    else:
        rows = [
            widgets.Stack(
                [pictures[(i, j)] for j in range(sizes[1])], selected_index=0
            )
            for i in range(sizes[0])
        ]
        stack = widgets.Stack(rows, selected_index=0)
        links = [
            widgets.jslink((controls[0], "index"), (stack, "selected_index"))
        ]
        links += [
            widgets.jslink((controls[1], "index"), (row, "selected_index"))
            for row in rows
        ]
    box = widgets.VBox([*controls, stack])
    box.links = (
        links  # the browser-side links: kept for inspection (and tests)
    )
    return box


# --- Sweeps: a grid of hyperparameters as one batched run ----------------------------------------


def run_at(batch: Trajectory, index: int) -> Trajectory:
    """The run at ``index`` (on the first batch axis) of a batched trajectory, as
    :func:`optlib.minimize` returns it for that run alone: ``diverged_at`` an int or ``None``,
    and the arrays ending at the last finite iterate if it diverged.

    If the batch had more axes (replicas of each setting), the result keeps them, as a batch
    of its own: it ends once all of them have diverged.
    """
    diverged_at = np.asarray(batch.diverged_at)[index]
    if diverged_at.ndim == 0:
        end = int(diverged_at) if diverged_at >= 0 else len(batch.losses)
        diverged: Any = int(diverged_at) if diverged_at >= 0 else None
    else:
        end = (
            int(diverged_at.max())
            if np.all(diverged_at >= 0)
            else len(batch.losses)
        )
        diverged = diverged_at.copy()
    rows = slice(0, end)
    counts = {
        field.name: getattr(batch, field.name)[rows]
        for field in dataclasses.fields(batch)
        if field.name.endswith("_evals")
        and getattr(batch, field.name) is not None
    }
    status = np.asarray(batch.status)[index]
    if (
        status.ndim == 0
    ):  # one run: how it ended, as minimize would say it (without the why)
        status = str(status)
        where = f"run {index} of a batch of {len(np.asarray(batch.status))}"
        if diverged is None:
            message = (
                f"finished: took {end - 1} step{'s' * (end != 2)} ({where})"
            )
        else:
            message = f"diverged at step {diverged} ({where})"
    else:
        message = batch.message
    return dataclasses.replace(
        batch,
        params=batch.params[rows, index],
        losses=batch.losses[rows, index],
        diverged_at=diverged,
        status=status,
        message=message,
        **counts,
    )


def _is_grid(value: Any) -> bool:
    """A list or a 1-D array is a grid of values; anything else (a number, a tuple such as
    Adam's ``betas``) is one fixed value."""
    return isinstance(value, list) or (
        isinstance(value, np.ndarray) and value.ndim == 1
    )


def _check_grid(name: str, values: Sequence[Any]) -> list[Any]:
    values = list(
        values.tolist() if isinstance(values, np.ndarray) else values
    )
    if not values:
        raise ValueError(
            f"The grid {name} needs at least one value, got {values}"
        )
    for value in values:
        if not is_number(value):
            raise ValueError(
                f"Invalid value in the grid {name}: {value!r} (must be a number)"
            )
    if len(set(values)) != len(values):
        raise ValueError(f"The grid {name} repeats a value: {values}")
    return values


def sweep(
    objective: Any,
    x0: np.ndarray | None,
    optimizer: Callable[..., Optimizer],
    steps: int = 100,
    **settings: Any,
) -> dict[Any, Trajectory]:
    r"""Run ``optimizer`` over every setting of a grid of hyperparameters, as one batched run.

    Parameters
    ----------
    objective : what :func:`optlib.minimize` minimises.
    x0 : the start of every run, shape ``(d,)``; ``None`` for ``objective.x0``. Shape
        ``(n, d)`` runs ``n`` replicas of each setting (e.g. noisy runs to average).
    optimizer : builds the optimizer from the hyperparameter keywords, e.g.
        ``lambda lr, gamma: optlib.sgd(lr=lr, momentum=gamma)``. It receives each grid as an
        array of shape ``(B,)`` (``B`` settings, every combination of the grids' values), which
        the optimizer lines up with the batch of ``B`` starts.
    steps : steps of every run.
    **settings : a list (or 1-D array) of numbers is a grid; any other value is fixed. Keywords
        in :data:`RUN_OPTIONS` (``grad_noise``, ``seed``, ``batch_size``, …) go to
        ``minimize``, one batched run per value of theirs; all others go to ``optimizer``.

    Returns
    -------
    dict
        ``setting -> Trajectory``: the key is the grid's value for one grid, the tuple of
        values in the order the grids were given for several (``runs[0.1, 0.9]``). Each
        trajectory is the one :func:`optlib.minimize` returns for that setting alone (see
        :func:`run_at`); a run that diverged says so in ``diverged_at``.

    Raises
    ------
    ValueError
        If there is no grid, a grid is empty, holds something other than numbers or repeats a
        value, or ``x0`` is not ``(d,)`` or ``(n, d)``.
    """
    grids = {
        name: _check_grid(name, v)
        for name, v in settings.items()
        if _is_grid(v)
    }
    if not grids:
        raise ValueError(
            "sweep needs at least one grid: a keyword with a list of values"
        )
    fixed = {
        name: value for name, value in settings.items() if name not in grids
    }
    start = np.asarray(objective.x0 if x0 is None else x0, dtype=float)
    if start.ndim not in (1, 2):
        raise ValueError(
            f"x0 must have shape (d,) or (n, d), got shape {start.shape}"
        )
    _check_keywords(
        optimizer, [name for name in settings if name not in RUN_OPTIONS]
    )

    names = list(grids)
    rule_names = [name for name in names if name not in RUN_OPTIONS]
    run_names = [name for name in names if name in RUN_OPTIONS]
    rule_fixed = {k: v for k, v in fixed.items() if k not in RUN_OPTIONS}
    run_fixed = {k: v for k, v in fixed.items() if k in RUN_OPTIONS}
    rule_settings = list(
        itertools.product(*(grids[name] for name in rule_names))
    )
    runs: dict[Any, Trajectory] = {}
    for run_values in itertools.product(
        *(grids[name] for name in run_names)
    ):
        options = {
            **run_fixed,
            **dict(zip(run_names, run_values, strict=True)),
        }
        if rule_names:  # every setting of the optimizer's grids at once: starts (B, *x0.shape)
            columns = zip(*rule_settings, strict=True)
            arrays = {
                name: np.array(column)
                for name, column in zip(rule_names, columns, strict=True)
            }
            starts = np.broadcast_to(
                start, (len(rule_settings), *start.shape)
            ).copy()
            batch = minimize(
                objective,
                starts,
                optimizer(**rule_fixed, **arrays),
                steps,
                **options,
            )
            found = [run_at(batch, i) for i in range(len(rule_settings))]
        else:
            found = [
                minimize(
                    objective,
                    start,
                    optimizer(**rule_fixed),
                    steps,
                    **options,
                )
            ]
        for rule_values, run in zip(rule_settings, found, strict=True):
            setting = {
                **dict(zip(rule_names, rule_values, strict=True)),
                **options,
            }
            runs[_setting_key(names, setting)] = run
    # In grid order, the first grid outermost, whichever grids went to minimize.
    order = (
        dict(zip(names, values, strict=True))
        for values in itertools.product(*grids.values())
    )
    return {
        key: runs[key]
        for key in (_setting_key(names, setting) for setting in order)
    }


def _check_keywords(
    optimizer: Callable[..., Optimizer], names: list[str]
) -> None:
    """A ValueError naming a hyperparameter the factory does not take (before any run)."""
    try:
        parameters = inspect.signature(optimizer).parameters.values()
    except (
        TypeError,
        ValueError,
    ):  # a callable without a signature: let the call decide
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return
    accepted = {p.name for p in parameters}
    for name in names:
        if name not in accepted:
            raise ValueError(
                f"The optimizer factory takes no hyperparameter {name!r} "
                f"(it takes {sorted(accepted)})"
            )


def _setting_key(names: list[str], setting: Mapping[str, Any]) -> Any:
    values = tuple(setting[name] for name in names)
    return values[0] if len(values) == 1 else values


def sweep_explorer(
    objective: Any,
    x0: np.ndarray | None,
    optimizer: Callable[..., Optimizer],
    *,
    steps: int = 100,
    labels: dict[str, str] | None = None,
    title: str | None = None,
    dpi: int = plotting.DPI,
    panel: Mapping[str, Any] | None = None,
    describe: Describe = None,
    **settings: Any,
) -> widgets.VBox:
    r"""An explorer of an optimizer's hyperparameters: sliders over one or two grids, each frame
    a :func:`optlib.plotting.path_panel` (path on the contours, gap curve beside it) of that
    setting's run, all runs made up front by one :func:`sweep`.

    Parameters
    ----------
    objective, x0, optimizer, steps, **settings : as for :func:`sweep`; exactly one or two of
        the settings are grids (lists), and they become the sliders, in the order given.
    labels : slider captions by keyword (default: the keyword).
    title : each frame's heading, a format string of the grid keywords, e.g.
        ``"η = {lr:g}, γ = {gamma:g}"`` (default: ``caption = value`` for each slider).
    dpi : resolution of the pictures; the default panel then fills the book's column.
    panel : more keywords for :func:`optlib.plotting.path_panel` (``box``, ``path_steps``,
        ``every``, ``gap_limits``, …).
    describe : what each picture shows (its alt text), as for :func:`explorer`; a function
        may take ``run`` (that setting's :class:`~optlib.run.Trajectory`) besides the grid
        keywords, to say how the run went. Default: the path and gap curve of the setting, with
        the run's :func:`~optlib.plotting.verdict`.

    Returns
    -------
    ipywidgets.VBox
        The explorer (as :func:`explorer` builds it); its ``runs`` attribute is the
        :func:`sweep`, so a chapter can check the very runs its pictures show.
    """
    grids = {
        name: value for name, value in settings.items() if _is_grid(value)
    }
    grid_sizes(
        grids
    )  # one or two grids within the page budget, before anything runs
    runs = sweep(objective, x0, optimizer, steps, **settings)
    names, labels, options = list(grids), labels or {}, dict(panel or {})

    def draw(**setting: Any) -> Figure:
        if title is not None:
            heading = title.format(**setting)
        else:
            heading = ", ".join(
                f"{labels.get(k, k)} = {_label(setting[k])}" for k in names
            )
        run = runs[_setting_key(names, setting)]
        return plotting.path_panel(
            objective, {heading: run}, title=heading, **options
        )

    def described(**setting: Any) -> str:
        run = runs[_setting_key(names, setting)]
        if describe is None:
            said = ", ".join(
                f"{labels.get(k, k)} = {_label(setting[k])}" for k in names
            )
            ending = plotting.verdict(run, plotting._f_min(objective))
            return f"The run's path on the contours and its gap curve at {said}: {ending}."
        if isinstance(describe, str):
            return describe.format(**setting)
        takes_run = "run" in inspect.signature(describe).parameters
        return (
            describe(**setting, run=run)
            if takes_run
            else describe(**setting)
        )

    box = explorer(draw, dpi=dpi, labels=labels, describe=described, **grids)
    box.runs = runs
    return box
