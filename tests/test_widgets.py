"""Widget, plotting and notebook helpers: what the chapters build their figures from."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import optlib
from optlib import functions, plotting
from optlib.notebook import show_source
from optlib.widgets import explorer, figure_png, grid_sizes


def draw_line(slope, offset=0.0):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [offset, offset + slope])
    ax.set_ylim(-3, 3)
    return fig


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
    expected = figure_png(draw_line(slope=1.0, offset=-1.0))
    assert bytes(stack.children[1].children[0].value) == expected  # row = slope, column = offset
    targets = {link.target[0] for link in box.links if link.source[0] is second}
    assert targets == set(stack.children)


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
    plt.close("all")


def test_path_of_a_diverged_batch_run_skips_nan_rows():
    params = np.array([[0.0, 0.0], [1.0, 1.0], [np.nan, np.nan]])
    ax = plotting.path(params)
    end = ax.lines[-1]
    assert (end.get_xdata()[0], end.get_ydata()[0]) == (1.0, 1.0)
    plt.close("all")


def test_loss_curves_label_each_line():
    ax = plotting.loss_curves({"a": np.geomspace(1, 1e-3, 10), "b": np.ones(10)})
    assert [line.get_label() for line in ax.lines] == ["a", "b"]
    assert ax.get_yscale() == "log"
    plt.close("all")


def test_show_source_is_the_running_code():
    code = show_source(optlib.optimizers.Momentum.step)
    assert "v = batched(self.gamma, params) * state.v - self.rate(t, params) * grads" in code.data
    without = show_source(optlib.optimizers.Momentum, docstring=False).data
    assert "heavy-ball" not in without and "def step(" in without
    assert "heavy-ball" in show_source(optlib.optimizers.Momentum).data
