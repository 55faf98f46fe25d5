"""optlib.plotting: contours, paths, loss curves, log axes with plain-text labels, verdicts, and
the panel (paths beside their gap curves) that the chapters and the sweep explorer draw."""

from __future__ import annotations

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import optlib
from optlib import functions, plotting

BOWL = functions.quadratic_bowl(condition_number=10.0, angle=0.5)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def gd(objective, lr, steps=100, x0=None):
    start = objective.x0 if x0 is None else x0
    return optlib.minimize(objective, start, optlib.sgd(lr=lr), steps)


def test_importing_plotting_does_not_start_pyplot():
    code = "import sys, optlib.plotting; print('matplotlib.pyplot' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_contour_grid_is_cached_per_objective_and_box():
    bowl = functions.quadratic_bowl(condition_number=4.0)
    X, Y, Z = plotting.contour_grid(bowl, resolution=50)
    again = plotting.contour_grid(bowl, resolution=50)
    assert again[2] is Z
    assert np.allclose(Z, bowl.value(np.stack([X, Y], axis=-1)))
    other = functions.quadratic_bowl(condition_number=4.0)
    assert plotting.contour_grid(other, resolution=50)[2] is not Z


def test_contour_and_path_draw_on_one_axes():
    f = functions.rosenbrock
    trajectory = optlib.minimize(f, np.array([-1.2, 1.0]), optlib.adam(lr=0.05), 100)
    ax = plotting.contour(f)
    plotting.path(trajectory.params, ax, label="Adam")
    assert len(ax.collections) > 0  # contour sets
    assert ax.lines[-3].get_label() == "Adam" and len(ax.lines[-3].get_xdata()) == 101


def test_path_of_a_diverged_batch_run_skips_nan_rows():
    params = np.array([[0.0, 0.0], [1.0, 1.0], [np.nan, np.nan]])
    ax = plotting.path(params)
    end = ax.lines[-1]
    assert (end.get_xdata()[0], end.get_ydata()[0]) == (1.0, 1.0)


def test_loss_curves_label_each_line():
    ax = plotting.loss_curves({"a": np.geomspace(1, 1e-3, 10), "b": np.ones(10)})
    assert [line.get_label() for line in ax.lines] == ["a", "b"]
    assert ax.get_yscale() == "log"


@pytest.mark.parametrize(
    ("value", "label"),
    [(1e-15, "10⁻¹⁵"), (1.0, "10⁰"), (1e10, "10¹⁰"), (100.0, "10²"), (0.0, "0")],
)
def test_power_of_ten_labels_in_plain_text(value, label):
    assert plotting.power_of_ten(value) == label
    assert plotting.power_of_ten(value, 3) == label  # as a tick formatter: (value, position)


def test_log_axis_puts_ticks_on_every_fifth_decade_with_plain_labels():
    ax = plotting.new_axes()
    plotting.log_axis(ax, (1e-16, 1e13))
    assert ax.get_yscale() == "log" and ax.get_ylim() == pytest.approx((1e-16, 1e13))
    assert list(ax.get_yticks()) == [1e-15, 1e-10, 1e-5, 1.0, 1e5, 1e10]
    assert ax.yaxis.get_major_formatter()(1e-10, 0) == "10⁻¹⁰"
    assert len(ax.yaxis.get_minorticklocs()) == 0
    plotting.log_axis(ax, (1e-4, 30.0), axis="x")  # a short range: every decade
    assert list(ax.get_xticks()) == [1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0]
    plotting.log_axis(ax, (1e-16, 1e3), every=3)
    assert list(ax.get_yticks()) == [1e-15, 1e-12, 1e-9, 1e-6, 1e-3, 1.0, 1e3]


@pytest.mark.parametrize("limits", [(0.0, 1.0), (10.0, 1.0), (-1.0, 1.0)])
def test_log_axis_rejects_limits_that_are_not_a_positive_range(limits):
    with pytest.raises(ValueError, match="Invalid log axis"):
        plotting.log_axis(plotting.new_axes(), limits)


def test_verdict_says_how_a_run_ended():
    diverged = gd(BOWL, 1.05 * 2 / BOWL.L, steps=2000)
    assert diverged.diverged_at is not None
    assert plotting.verdict(diverged) == f"diverged at step {diverged.diverged_at}"
    best = gd(BOWL, 2 / (BOWL.mu + BOWL.L), steps=300)
    first = int(np.argmax(best.losses <= 1e-15))  # found here independently of the helper
    assert plotting.verdict(best) == f"at round-off by step {first}"
    slow = gd(BOWL, 1e-3, steps=20)
    assert plotting.verdict(slow) == f"final f − f* = {slow.losses[-1]:.1e}"
    shifted = functions.quadratic(np.eye(2), c=5.0)  # f* = 5
    run = gd(shifted, 0.1, steps=3, x0=np.ones(2))
    assert plotting.verdict(run, shifted.f_min) == f"final f − f* = {run.losses[-1] - 5.0:.1e}"
    assert plotting.verdict(run, -np.inf) == f"final f = {run.losses[-1]:.1e}"


def test_verdict_and_gap_of_replicas_are_about_their_mean():
    starts = np.tile(BOWL.x0, (4, 1))
    runs = optlib.minimize(BOWL, starts, optlib.sgd(lr=0.05), 50, grad_noise=0.1, seed=1)
    gap = plotting.gap_curve(runs, BOWL.f_min)
    assert np.allclose(gap, runs.losses.mean(axis=1))
    assert plotting.verdict(runs) == f"mean f − f* of 4 runs: {gap[-1]:.1e} at the end"
    lrs = np.array([0.01, 0.3, 0.3, 0.01])  # two of four diverge
    mixed = optlib.minimize(BOWL, starts, optlib.sgd(lr=lrs), 100)
    first = int(mixed.diverged_at[1])
    assert plotting.verdict(mixed) == f"2 of 4 runs diverged, the first at step {first}"


def test_path_panel_of_one_run_draws_its_path_and_gap_with_the_verdict_as_title():
    run = gd(BOWL, 0.1)
    fig = plotting.path_panel(BOWL, {"GD": run}, title="η = 0.1", path_steps=30)
    ax_path, ax_loss = fig.axes
    path_line = next(line for line in ax_path.lines if len(line.get_xdata()) > 2)
    assert np.array_equal(path_line.get_xydata(), run.params[:31])
    (gap_line,) = (line for line in ax_loss.lines if line.get_label().startswith("GD"))
    assert np.array_equal(gap_line.get_ydata(), np.maximum(run.losses - BOWL.f_min, 1e-16))
    assert ax_loss.get_title() == plotting.verdict(run)
    assert fig.get_suptitle() == "η = 0.1"
    assert ax_loss.get_yscale() == "log" and ax_loss.get_ylim() == pytest.approx((1e-16, 1e13))
    assert fig.legends == []  # one run: nothing to tell apart


def test_path_panel_marks_a_diverged_run_and_never_warns(recwarn):
    run = gd(BOWL, 1.2 * 2 / BOWL.L, steps=500)
    assert run.diverged_at is not None
    fig = plotting.path_panel(BOWL, {"GD": run})
    fig.canvas.draw()
    ax_loss = fig.axes[-1]
    crosses = [line for line in ax_loss.lines if line.get_marker() == "x"]
    assert len(crosses) == 1
    assert crosses[0].get_xdata()[0] == run.diverged_at
    assert crosses[0].get_ydata()[0] == pytest.approx(1e13)  # at the top of the gap axis
    assert ax_loss.get_title() == f"diverged at step {run.diverged_at}"
    assert ax_loss.get_xlim()[1] == max(run.diverged_at, 10)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_path_panel_of_several_runs_puts_labels_and_verdicts_in_a_legend_below():
    runs = {"slow": gd(BOWL, 0.01), "fast": gd(BOWL, 2 / (BOWL.mu + BOWL.L))}
    fig = plotting.path_panel(BOWL, runs)
    (legend,) = fig.legends
    texts = [text.get_text() for text in legend.get_texts()]
    assert texts == [f"{label}: {plotting.verdict(run)}" for label, run in runs.items()]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = legend.get_window_extent(renderer)
    for ax in fig.axes:  # below every plot: it covers neither contours nor curves
        assert box.y1 <= ax.get_tightbbox(renderer).y0 + 1


def test_path_panel_draws_each_objective_of_a_dict_on_its_own():
    rosenbrock = functions.rosenbrock
    runs = {"bowl": gd(BOWL, 0.1), "Rosenbrock": gd(rosenbrock, 1e-3)}
    window = ((-1.5, 1.5), (-0.5, 1.6))
    fig = plotting.path_panel(
        {"bowl": BOWL, "Rosenbrock": rosenbrock}, runs, box={"Rosenbrock": window}
    )
    assert len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes[:2]] == ["bowl", "Rosenbrock"]
    assert fig.axes[1].get_xlim() == pytest.approx(window[0])
    with pytest.raises(ValueError, match="No objective given"):
        plotting.path_panel({"bowl": BOWL}, runs)


def test_path_panel_of_a_1d_objective_puts_the_iterates_on_its_curve():
    parabola = functions.quadratic(2.0, 2.0, name="parabola", x0=[2.0])  # f = θ² − 2θ, θ* = 1
    run = gd(parabola, 0.2, steps=20)
    fig = plotting.path_panel(parabola, {"GD": run})
    iterates = next(line for line in fig.axes[0].lines if line.get_marker() == "o")
    assert np.allclose(iterates.get_xdata(), run.params[:, 0])
    assert np.allclose(iterates.get_ydata(), run.params[:, 0] ** 2 - 2 * run.params[:, 0])


def test_path_panel_meets_the_figure_standard_without_book_style():
    """Panels fill the 688 px column at 100 dpi, with no text under the caption size (checked
    here by hand, not through figure_problems), whether or not book_style() was called."""
    runs = {"bowl": gd(BOWL, 0.1), "Rosenbrock": gd(functions.rosenbrock, 1e-3)}
    one = plotting.path_panel(BOWL, {"GD": runs["bowl"]}, title="t")
    two = plotting.path_panel({"bowl": BOWL, "Rosenbrock": functions.rosenbrock}, runs)
    for fig in (one, two):
        fig.canvas.draw()
        drawn_px = fig.get_tightbbox().width * 100
        assert 600 <= drawn_px <= 690
        sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
        assert min(sizes) >= 14.4 * 72 / 100  # the theme's 14.4 px captions, in points
        assert plotting.figure_problems(fig) == []


def _lines(legend_loc, n=3, figsize=(6.0, 3.0), fontsize=None):
    fig, ax = plt.subplots(figsize=figsize)
    x = np.linspace(0.0, 1.0, 50)
    for k in range(n):
        ax.plot(x, x**k, label=f"k = {k}")
    if legend_loc == "outside":
        fig.legend(loc="outside right upper", fontsize=fontsize or 11)
    else:
        ax.legend(loc=legend_loc, fontsize=fontsize or 11)
    return fig


def test_figure_problems_accepts_a_figure_to_the_standard_and_sees_a_misplaced_legend():
    with matplotlib.rc_context(plotting.STYLE):
        fig = _lines("outside")
    assert plotting.figure_problems(fig) == []
    fig = _lines("outside")  # without constrained layout "outside" lands on the axes
    assert "covers data" in " ".join(plotting.figure_problems(fig))


def test_figure_problems_names_each_breach_of_the_standard():
    with matplotlib.rc_context(plotting.STYLE):
        wide = _lines("outside", figsize=(9.0, 3.0))
        small = _lines("outside", fontsize=8)
        crowded = _lines("outside", n=8)
        covering = _lines("upper left")  # x^0 = 1 runs along the top, under the legend
    assert "wider than the 688 px column" in " ".join(plotting.figure_problems(wide))
    assert "text smaller than 10.4 pt: 8 pt" in " ".join(plotting.figure_problems(small))
    assert "a legend of 8 entries" in " ".join(plotting.figure_problems(crowded))
    assert "covers data" in " ".join(plotting.figure_problems(covering))


def test_a_legend_in_an_empty_corner_is_off_the_data_but_not_on_contours():
    with matplotlib.rc_context(plotting.STYLE):
        fig, ax = plt.subplots(figsize=(6.0, 3.0))
        x = np.linspace(0.0, 1.0, 50)
        ax.plot(x, x**3, label="x³")  # stays low on the left: the upper left corner is empty
        ax.set_ylim(0, 2)
        ax.legend(loc="upper left")
        assert plotting.figure_problems(fig) == []
        plotting.contour(BOWL, ax=ax)
        assert "covers contours" in " ".join(plotting.figure_problems(fig))


def test_check_figure_warns_with_the_problems_and_book_style_shows_figures_sharp(recwarn):
    wide = _lines("outside", figsize=(9.0, 3.0))
    with pytest.warns(plotting.FigureStandardWarning, match="wider than"):
        assert plotting.check_figure(wide) is wide
    with matplotlib.rc_context(plotting.STYLE):
        fig = _lines("outside")
    data, metadata = plotting._notebook_png(fig)
    from base64 import b64decode
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(b64decode(data))) as picture:
        assert picture.mode == "P"  # a 256-colour palette
        width, height = picture.size  # twice as sharp as it is shown
    assert (width // 2, height // 2) == (metadata["width"], metadata["height"])
    assert 550 <= metadata["width"] <= 688


def test_path_panel_needs_a_run():
    with pytest.raises(ValueError, match="at least one trajectory"):
        plotting.path_panel(BOWL, {})


def test_path_panel_settings_can_differ_per_run():
    rosenbrock = functions.rosenbrock
    runs = {"bowl": gd(BOWL, 0.1, steps=200), "Rosenbrock": gd(rosenbrock, 1e-3, steps=200)}
    fig = plotting.path_panel(
        {"bowl": BOWL, "Rosenbrock": rosenbrock},
        runs,
        path_steps={"bowl": 80},
        every={"Rosenbrock": 5},
    )
    bowl_path, rosen_path = (
        next(line for line in ax.lines if len(line.get_xdata()) > 2) for ax in fig.axes[:2]
    )
    assert np.array_equal(bowl_path.get_xydata(), runs["bowl"].params[:81])
    thinned = np.concatenate([runs["Rosenbrock"].params[:-1:5], runs["Rosenbrock"].params[-1:]])
    assert np.array_equal(rosen_path.get_xydata(), thinned)


def test_a_run_that_touches_round_off_and_climbs_back_has_not_settled():
    """verdict says "at round-off" only for a run that stays there to its end."""
    from optlib.plotting import settled_at

    assert settled_at(np.array([1.0, 1e-17, 1e-17]), 1e-15) == 1
    assert settled_at(np.array([1.0, 1e-17, 1e-3]), 1e-15) is None
    assert settled_at(np.array([1e-17, 1e-17]), 1e-15) == 0
    assert settled_at(np.array([1e-17, np.nan]), 1e-15) is None
    climbs = optlib.Trajectory(np.zeros((3, 2)), np.array([1.0, 0.0, 2e-2]), np.arange(3), None)
    assert plotting.verdict(climbs) == "final f − f* = 2.0e-02"


def test_book_style_checks_and_sharpens_the_figures_a_notebook_shows(tmp_path):
    """In a kernel, after book_style(), a figure shown by plt.show() goes through the book's
    formatter (the inline backend, started later, would otherwise put its own back): a figure
    wider than the column prints the warning, and every figure carries its size on the page."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import matplotlib.pyplot as plt\nfrom optlib import plotting\nplotting.book_style()"
        ),
        nbformat.v4.new_code_cell("fig, ax = plt.subplots(); ax.plot([0, 1]); plt.show()"),
        nbformat.v4.new_code_cell("fig, ax = plt.subplots(figsize=(9, 3)); plt.show()"),
    ]
    nbclient.NotebookClient(
        notebook, timeout=120, resources={"metadata": {"path": tmp_path}}
    ).execute()
    fits, wide = (cell.outputs for cell in notebook.cells[1:])
    assert [out.output_type for out in fits] == ["display_data"]
    assert 600 <= fits[0].metadata["image/png"]["width"] <= plotting.COLUMN_PX
    warning = next(out for out in wide if out.output_type == "stream")
    assert (
        "FigureStandardWarning" in warning.text and "wider than the 688 px column" in warning.text
    )


def test_text_in_a_subfigure_is_placed_against_the_root_figure_on_matplotlib_3_8_too():
    # matplotlib 3.8 (the browser runtime's) has no get_figure(root=True): there an artist's
    # .figure is its subfigure and the subfigure's .figure the root.
    fig = plt.figure(figsize=(4, 2))
    sub = fig.subfigures(1, 2)[1]
    label = sub.text(0.5, 0.5, "right half")
    assert plotting._root_figure(label) is fig

    def old_get_figure():  # 3.8's signature: no `root`
        return sub

    label.get_figure = old_get_figure
    assert plotting._root_figure(label) is fig
    on_root = fig.text(0.1, 0.1, "root")
    on_root.get_figure = lambda: fig
    assert plotting._root_figure(on_root) is fig
    plt.close(fig)
