"""Widgets and notebook helpers: the kernel-free explorer, sweeps of hyperparameters as one
batched run, and the sweep explorer that the chapters build their pictures from."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

import optlib
from optlib import functions, plotting
from optlib import widgets as optlib_widgets
from optlib.notebook import show_source
from optlib.widgets import explorer, figure_png, grid_sizes, run_at, sweep, sweep_explorer

BOWL = functions.quadratic_bowl(condition_number=10.0, angle=0.5)
ROSENBROCK = functions.rosenbrock


def draw_line(slope, offset=0.0):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [offset, offset + slope])
    ax.set_ylim(-3, 3)
    return fig


def heavy_ball(lr, gamma):
    return optlib.sgd(lr=lr, momentum=gamma)


def picture(frame):
    """A frame's PNG: the frame is the Image, or a VBox of the Image and its description."""
    return bytes((frame if isinstance(frame, widgets.Image) else frame.children[0]).value)


def description(frame):
    """The text a frame gives the book's script for its picture's alt (None without one)."""
    if isinstance(frame, widgets.Image):
        return None
    image, hidden = frame.children
    assert isinstance(image, widgets.Image) and hidden.layout.display == "none"
    text = hidden.value
    assert text.startswith('<span class="optlib-alt">') and text.endswith("</span>")
    return text.removeprefix('<span class="optlib-alt">').removesuffix("</span>")


def frames(box, read=picture):
    """The explorer's frames by control indices: {(i,): png} or {(i, j): png}."""
    stack = box.children[-1]
    if not isinstance(stack.children[0], widgets.Stack):
        return {(i,): read(frame) for i, frame in enumerate(stack.children)}
    return {
        (i, j): read(frame)
        for i, row in enumerate(stack.children)
        for j, frame in enumerate(row.children)
    }


# --- explorer: the generic base ------------------------------------------------------------------


def test_importing_widgets_does_not_start_pyplot():
    code = "import sys, optlib.widgets; print('matplotlib.pyplot' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_explorer_with_one_grid_links_slider_to_a_stack_of_pictures():
    box = explorer(draw_line, slope=[-1.0, 0.0, 2.0])
    slider, stack = box.children
    assert isinstance(slider, widgets.SelectionSlider) and isinstance(stack, widgets.Stack)
    assert [label for label, _ in slider.options] == ["-1", "0", "2"]
    pictures = [bytes(child.value) for child in stack.children]
    assert len(set(pictures)) == 3 and all(p.startswith(b"\x89PNG") for p in pictures)
    (link,) = box.links
    assert link.source == (slider, "index") and link.target == (stack, "selected_index")
    assert plt.get_fignums() == []  # every frame's figure was closed


def test_explorer_with_two_grids_nests_stacks_in_grid_order():
    box = explorer(draw_line, slope=[0.0, 1.0], offset=[-1.0, 0.0, 1.0])
    _, second, stack = box.children
    assert len(stack.children) == 2 and all(len(row.children) == 3 for row in stack.children)
    with matplotlib.rc_context(plotting.STYLE):  # explorer draws every frame in the book's style
        expected = figure_png(draw_line(slope=1.0, offset=-1.0))
    assert bytes(stack.children[1].children[0].value) == expected  # row = slope, column = offset
    targets = {link.target[0] for link in box.links if link.source[0] is second}
    assert targets == set(stack.children)


def test_a_grid_of_names_gets_a_drop_down_list_linked_like_a_slider():
    def draw(problem, lr):
        return draw_line(slope=lr, offset=len(problem))

    box = explorer(draw, problem=["bowl", "Rosenbrock"], lr=[0.1, 1.0], labels={"lr": "η"})
    choice, slider, stack = box.children
    assert isinstance(choice, widgets.Dropdown) and isinstance(slider, widgets.SelectionSlider)
    assert choice.options == (("bowl", 0), ("Rosenbrock", 1)) and choice.description == "problem"
    assert slider.description == "η"
    assert box.links[0].source == (choice, "index")  # the same index link a slider has
    assert box.links[0].target == (stack, "selected_index")


def test_describe_gives_every_frame_its_own_text_escaped_for_html():
    box = explorer(draw_line, slope=[0.0, 2.0], describe="A line of slope {slope:g} & more")
    assert frames(box, description) == {
        (0,): "A line of slope 0 &amp; more",
        (1,): "A line of slope 2 &amp; more",
    }
    box = explorer(draw_line, slope=[0.0], offset=[1.0], describe=lambda slope, offset: "ok")
    assert frames(box, description) == {(0, 0): "ok"}
    assert frames(explorer(draw_line, slope=[0.0]), description) == {(0,): None}
    with pytest.raises(ValueError, match="non-empty text"):
        explorer(draw_line, slope=[0.0], describe=lambda slope: " ")


def test_sweep_explorer_describes_each_run_by_how_it_ended():
    box = sweep_explorer(BOWL, None, lambda lr: optlib.sgd(lr=lr), steps=60, lr=[0.1, 5.0])
    said = frames(box, description)
    assert "lr = 0.1" in said[(0,)] and "diverged" not in said[(0,)]
    assert said[(1,)].endswith(f"{plotting.verdict(box.runs[5.0])}.")
    assert "diverged at step" in said[(1,)]
    box = sweep_explorer(
        BOWL, None, lambda lr: optlib.sgd(lr=lr), steps=60, lr=[0.1],
        describe=lambda lr, run: f"{len(run.losses)} losses at {lr}",
    )  # fmt: skip
    assert frames(box, description) == {(0,): "61 losses at 0.1"}


def test_figure_png_keeps_the_picture_in_a_palette():
    fig = plotting.path_panel(BOWL, {"GD": optlib.minimize(BOWL, BOWL.x0, optlib.sgd(lr=0.1))})
    width, _ = fig.canvas.get_width_height()
    png = figure_png(fig, dpi=100)
    with Image.open(io.BytesIO(png)) as picture:
        assert picture.mode == "P"  # 256 colours
        assert abs(picture.width - width * 100 / fig.dpi) < 0.2 * picture.width  # tight bbox
        colours = picture.convert("RGB").getcolors(maxcolors=256)
    assert len(colours) > 8  # the contours' colours survive, not just black and white


@pytest.mark.parametrize(
    ("grids", "message"),
    [
        ({}, "one or two hyperparameter grids"),
        ({"a": [1], "b": [2], "c": [3]}, "one or two hyperparameter grids"),
        ({"a": []}, "at least one value"),
        ({"a": list(range(20)), "b": list(range(20))}, "more than the page budget"),
    ],
)
def test_explorer_grids_are_checked(grids, message):
    with pytest.raises(ValueError, match=message):
        grid_sizes(grids)


# --- sweep: a grid as one batched run ------------------------------------------------------------


def test_sweep_runs_the_whole_grid_as_one_batched_minimize(monkeypatch):
    calls = []

    def counting_minimize(objective, x0, optimizer, steps, **options):
        calls.append(np.shape(x0))
        return optlib.minimize(objective, x0, optimizer, steps, **options)

    monkeypatch.setattr(optlib_widgets, "minimize", counting_minimize)
    runs = sweep(BOWL, None, heavy_ball, 50, lr=[0.01, 0.1, 0.2], gamma=[0.0, 0.9])
    assert calls == [(6, 2)]  # x0 tiled to (B, d) for B = 3 × 2 settings
    assert list(runs) == [(lr, g) for lr in (0.01, 0.1, 0.2) for g in (0.0, 0.9)]


@pytest.mark.parametrize("objective", [BOWL, ROSENBROCK], ids=["bowl", "rosenbrock"])
def test_each_run_of_a_sweep_is_the_run_of_its_setting_alone(objective):
    runs = sweep(objective, None, heavy_ball, 200, lr=[1e-3, 1e-2, 0.3], gamma=[0.0, 0.9])
    diverged = 0
    for (lr, gamma), run in runs.items():
        alone = optlib.minimize(objective, objective.x0, heavy_ball(lr, gamma), 200)
        assert run.diverged_at == alone.diverged_at
        assert run.params.shape == alone.params.shape and run.losses.shape == alone.losses.shape
        # The batch's matrix products may round differently from a single run's.
        assert np.allclose(run.params, alone.params, rtol=1e-12, atol=1e-14)
        assert np.allclose(run.losses, alone.losses, rtol=1e-12, atol=1e-14)
        assert np.array_equal(run.grad_evals, alone.grad_evals)
        assert run.status == alone.status and run.success == alone.success
        # The batch keeps no per-run reason, so the message ends where a single run's explains.
        assert alone.message.startswith(run.message.split(" (run ")[0])
        diverged += run.diverged_at is not None
    assert diverged >= 1  # the grid has runs that blew up, reported as in a single run


def test_run_at_cuts_a_diverged_run_at_its_last_finite_iterate():
    lrs = np.array([0.01, 0.3])  # the second diverges on the bowl (2/L = 0.2)
    batch = optlib.minimize(BOWL, np.tile(BOWL.x0, (2, 1)), optlib.sgd(lr=lrs), 100)
    stopped = run_at(batch, 1)
    assert stopped.diverged_at == int(batch.diverged_at[1]) and stopped.diverged
    assert len(stopped.params) == len(stopped.losses) == len(stopped.grad_evals)
    assert len(stopped.params) == stopped.diverged_at
    assert np.isfinite(stopped.params).all() and np.isfinite(stopped.losses).all()
    assert stopped.status == "diverged" and not stopped.success
    assert stopped.message == f"diverged at step {stopped.diverged_at} (run 1 of a batch of 2)"
    going = run_at(batch, 0)
    assert going.diverged_at is None and len(going.params) == 101
    assert going.status == "finished" and going.success
    assert going.message == "finished: took 100 steps (run 0 of a batch of 2)"


def test_sweep_never_warns_about_the_overflow_of_a_diverged_run():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning would fail here
        runs = sweep(BOWL, None, lambda lr: optlib.sgd(lr=lr), 2000, lr=[0.1, 1.0, 50.0])
        fig = plotting.path_panel(BOWL, {"GD": runs[50.0]})
        figure_png(fig)
    assert [runs[lr].diverged for lr in (0.1, 1.0, 50.0)] == [False, True, True]


def test_sweep_over_minimize_options_runs_once_per_value_with_replicas(monkeypatch):
    calls = []

    def counting_minimize(objective, x0, optimizer, steps, **options):
        calls.append((np.shape(x0), options))
        return optlib.minimize(objective, x0, optimizer, steps, **options)

    monkeypatch.setattr(optlib_widgets, "minimize", counting_minimize)
    starts = np.tile(BOWL.x0, (20, 1))  # 20 noisy replicas of each setting
    runs = sweep(
        BOWL,
        starts,
        lambda gamma: optlib.momentum(lr=0.02, gamma=gamma),
        30,
        gamma=[0.0, 0.9],
        grad_noise=[0.0, 1.0],
        seed=3,
    )
    assert calls == [
        ((2, 20, 2), {"seed": 3, "grad_noise": 0.0}),
        ((2, 20, 2), {"seed": 3, "grad_noise": 1.0}),
    ]
    assert list(runs) == [(0.0, 0.0), (0.0, 1.0), (0.9, 0.0), (0.9, 1.0)]  # as written
    noisy = runs[0.9, 1.0]
    assert noisy.params.shape == (31, 20, 2) and noisy.diverged_at.shape == (20,)
    # Without noise every replica is the noiseless run from the same start.
    alone = optlib.minimize(BOWL, BOWL.x0, optlib.momentum(lr=0.02, gamma=0.9), 30)
    assert np.allclose(runs[0.9, 0.0].params[:, 7], alone.params, rtol=1e-12, atol=1e-14)
    assert not np.allclose(noisy.params[:, 0], alone.params)


def test_sweep_passes_fixed_settings_as_they_are():
    runs = sweep(
        BOWL,
        None,
        lambda lr, betas: optlib.adam(lr=lr, betas=betas),
        20,
        lr=[0.1, 0.2],
        betas=(0.5, 0.9),
    )  # a tuple is one value, not a grid
    alone = optlib.minimize(BOWL, BOWL.x0, optlib.adam(lr=0.2, betas=(0.5, 0.9)), 20)
    assert np.allclose(runs[0.2].params, alone.params, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"lr": 0.1}, "needs at least one grid"),
        ({"lr": []}, "needs at least one value"),
        ({"lr": [0.1, "fast"]}, "Invalid value in the grid lr: 'fast'"),
        ({"lr": [0.1, 0.1]}, "repeats a value"),
        ({"lr": [0.1], "beta": [0.5]}, "takes no hyperparameter 'beta'"),
    ],
)
def test_sweep_checks_its_grids_before_running(settings, message):
    with pytest.raises(ValueError, match=message):
        sweep(BOWL, None, lambda lr: optlib.sgd(lr=lr), 10, **settings)


def test_sweep_checks_the_shape_of_x0():
    with pytest.raises(ValueError, match=r"x0 must have shape \(d,\) or \(n, d\)"):
        sweep(BOWL, np.zeros((2, 3, 2)), lambda lr: optlib.sgd(lr=lr), 10, lr=[0.1])


# --- sweep_explorer: the chapter explorer in one call --------------------------------------------


def test_sweep_explorer_has_one_frame_per_setting_each_showing_its_own_run():
    lrs, gammas = [1e-4, 1e-3, 3e-3], [0.0, 0.9]
    box = sweep_explorer(
        ROSENBROCK,
        None,
        heavy_ball,
        steps=300,
        lr=lrs,
        gamma=gammas,
        labels={"lr": "η", "gamma": "γ"},
        title="η = {lr:g}, γ = {gamma:g}",
    )
    first, second, _ = box.children
    assert (first.description, second.description) == ("η", "γ")
    pictures = frames(box)
    assert len(pictures) == 6 and len(set(pictures.values())) == 6
    assert sorted(box.runs) == sorted((lr, g) for lr in lrs for g in gammas)
    # The frame at (η = 1e-3, γ = 0.9) is the panel of a direct minimize of that setting
    # (on Rosenbrock the batched arithmetic is elementwise, so the runs are bit for bit equal).
    alone = optlib.minimize(ROSENBROCK, ROSENBROCK.x0, heavy_ball(1e-3, 0.9), 300)
    heading = "η = 0.001, γ = 0.9"
    expected = figure_png(plotting.path_panel(ROSENBROCK, {heading: alone}, title=heading), 100)
    assert pictures[1, 1] == expected
    assert len(box.links) == 1 + 3  # slider 1 -> rows, slider 2 -> each row
    assert plt.get_fignums() == []


def test_sweep_explorer_draws_a_diverged_setting_as_diverged():
    box = sweep_explorer(BOWL, None, lambda lr: optlib.sgd(lr=lr), steps=200, lr=[0.1, 0.25])
    run = box.runs[0.25]
    assert (
        run.diverged
        and run.diverged_at == optlib.minimize(BOWL, BOWL.x0, optlib.sgd(lr=0.25), 200).diverged_at
    )
    heading = "lr = 0.25"
    expected = figure_png(plotting.path_panel(BOWL, {heading: run}, title=heading), 100)
    assert frames(box)[(1,)] == expected
    fig = plotting.path_panel(BOWL, {heading: run}, title=heading)
    assert fig.axes[-1].get_title() == f"diverged at step {run.diverged_at}"
    plt.close(fig)


def test_sweep_explorer_over_an_option_of_minimize():
    starts = np.tile(BOWL.x0, (5, 1))
    box = sweep_explorer(
        BOWL,
        starts,
        lambda gamma: optlib.momentum(lr=0.02, gamma=gamma),
        steps=50,
        gamma=[0.0, 0.9],
        grad_noise=[0.0, 0.1, 1.0],
        seed=0,
    )
    assert len(box.children) == 3 and len(frames(box)) == 6
    assert box.children[1].description == "grad_noise"


def test_sweep_explorer_checks_the_grids_before_running(monkeypatch):
    def no_run(*args, **kwargs):
        raise AssertionError("minimize ran before the grids were checked")

    monkeypatch.setattr(optlib_widgets, "minimize", no_run)
    with pytest.raises(ValueError, match="one or two hyperparameter grids"):
        sweep_explorer(
            BOWL, None, lambda lr, gamma, rho: optlib.sgd(lr=lr), lr=[0.1], gamma=[0.0], rho=[0.5]
        )
    with pytest.raises(ValueError, match="more than the page budget"):
        sweep_explorer(
            BOWL,
            None,
            heavy_ball,
            lr=list(np.linspace(0.01, 0.1, 20)),
            gamma=list(np.linspace(0, 0.9, 20)),
        )


# --- notebook helpers ----------------------------------------------------------------------------


def test_show_source_warns_of_a_line_wider_than_the_code_box():
    namespace: dict = {}
    exec(compile("def wide():\n    return '" + "x" * 80 + "'\n", "wide.py", "exec"), namespace)
    import linecache

    linecache.cache["wide.py"] = (
        0,
        None,
        ["def wide():\n", "    return '" + "x" * 80 + "'\n"],
        "wide.py",
    )
    with pytest.warns(UserWarning, match="wider than the book's code box"):
        show_source(namespace["wide"])


def test_show_source_is_the_running_code():
    code = show_source(optlib.optimizers.Momentum.step)
    assert "v = self.gamma * state.v - self.eta(t) * grads" in code.data
    without = show_source(optlib.optimizers.Momentum, docstring=False).data
    assert "heavy-ball" not in without and "def step(" in without
    assert "heavy-ball" in show_source(optlib.optimizers.Momentum).data
