"""The kernel-free explorers on a phone (390×844), as a reader and a screen reader meet them.

On three chapters with explorers (optlib.widgets.explorer: sliders linked to a stack of
pictures in the static HTML), we assert: no slider row is wider than the content column,
every readout is inside the viewport and shows its whole text, the tracks of one explorer start
at the same x, every handle is at least 24 px, every handle has an accessible name (its
caption) and announces its VALUE (aria-valuetext equal to the readout, "0.05", not the index
"0") before and after it is moved with the keyboard (End), and every picture has a non-empty
alt text, also after the move. On a desktop (1280×800) the tracks of one explorer start at the
same x too (their captions are made equally wide). The layout is book-reader.css's, the names,
alt texts and equal captions book-reader.js's (_ext/assets/).

Uses the built book and the session fixtures of tests/test_site.py.
"""

from __future__ import annotations

import pytest
from test_site import DESKTOP, PAGES, PHONE, browser, open_page, server  # noqa: F401

# Two explorers of two sliders each, and one of the capstone's.
EXPLORER_PAGES = [
    "chapters/gradient_descent.html",
    "chapters/momentum.html",
    "chapters/capstone.html",
]
MIN_HANDLE = 24  # px: a finger's target

# Every slider row of every explorer, measured against its explorer's column (the cell output).
SLIDERS = """() => [...document.querySelectorAll('.widget-slider')].map(slider => {
  const column = slider.closest('.cell_output').getBoundingClientRect();
  const row = slider.getBoundingClientRect();
  const readout = slider.querySelector('.widget-readout');
  const r = readout.getBoundingClientRect();
  const track = slider.querySelector('.noUi-target').getBoundingClientRect();
  const handle = slider.querySelector('.noUi-handle');
  const h = handle.getBoundingClientRect();
  const labelledby = handle.getAttribute('aria-labelledby');
  const name = (handle.getAttribute('aria-label')
                || (labelledby && document.getElementById(labelledby)?.textContent) || '').trim();
  return {
    explorer: [...document.querySelectorAll('.widget-subarea')]
                .indexOf(slider.closest('.widget-subarea')),
    caption: slider.querySelector('.widget-label')?.textContent.trim(),
    row_wider: row.left < column.left - 1 || row.right > column.right + 1,
    readout: readout.textContent.trim(),
    readout_seen: r.width > 0 && r.left >= 0 && r.right <= innerWidth
                  && readout.scrollWidth <= readout.clientWidth + 1,
    track_left: Math.round(track.left),
    handle: Math.min(h.width, h.height),
    name,
    valuetext: handle.getAttribute('aria-valuetext'),
  };
})"""
# The pictures of the explorers shown now (a Stack draws only the selected one).
ALTS = """() => [...document.querySelectorAll('.widget-subarea img.widget-image')]
  .filter(img => img.getClientRects().length).map(img => (img.getAttribute('alt') || '').trim())"""
# Every widget output drawn by the widget manager, every slider with its handle.
WIDGETS_DRAWN = """() => {
  const views = [...document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]')];
  const sliders = [...document.querySelectorAll('.widget-slider')];
  return views.length > 0 && sliders.length > 0
    && views.every(s => s.parentElement.querySelector('.jupyter-widgets'))
    && sliders.every(s => s.querySelector('.noUi-handle'));
}"""


def problems_of(sliders: list[dict], alts: list[str], when: str) -> list[str]:
    found = []
    for s in sliders:
        where = f"{when}, explorer {s['explorer']}, slider {s['caption']!r}"
        if s["row_wider"]:
            found.append(f"{where}: the row is wider than the column")
        if not s["readout_seen"]:
            found.append(f"{where}: the readout {s['readout']!r} is cut off or off-screen")
        if s["handle"] < MIN_HANDLE:
            found.append(f"{where}: the handle is {s['handle']:.0f} px (< {MIN_HANDLE})")
        if not s["name"]:
            found.append(f"{where}: the handle has no accessible name")
        elif s["name"] != s["caption"]:
            found.append(f"{where}: the handle is named {s['name']!r}, not its caption")
        if s["valuetext"] != s["readout"]:
            found.append(
                f"{where}: announces {s['valuetext']!r}, but the readout shows {s['readout']!r}"
            )
    starts: dict[int, set[int]] = {}
    for s in sliders:
        starts.setdefault(s["explorer"], set()).add(s["track_left"])
    for explorer, lefts in starts.items():
        if max(lefts) - min(lefts) > 1:
            found.append(f"{when}, explorer {explorer}: tracks start at x = {sorted(lefts)}")
    if not alts:
        found.append(f"{when}: no explorer picture shown")
    found += [f"{when}: an explorer picture has no alt text" for alt in alts if not alt]
    return found


@pytest.mark.parametrize("page", EXPLORER_PAGES)
def test_explorers_on_a_phone(page, server, browser):  # noqa: F811
    if page not in PAGES:
        pytest.fail(f"{page} is not built")
    console: list[str] = []
    context, tab = open_page(browser, server, page, PHONE, console)
    try:
        tab.wait_for_function(WIDGETS_DRAWN)
        tab.wait_for_timeout(300)  # the book's script names the controls once they are drawn
        sliders = tab.evaluate(SLIDERS)
        assert sliders, f"no explorer slider on {page}"
        found = problems_of(sliders, tab.evaluate(ALTS), "as loaded")
        before = [s["readout"] for s in sliders]
        handles = tab.locator(".widget-slider .noUi-handle")
        for i in range(handles.count()):
            handles.nth(i).focus()
            tab.keyboard.press("End")
        tab.wait_for_timeout(300)
        moved = tab.evaluate(SLIDERS)
        if [s["readout"] for s in moved] == before:
            found.append("End moved no slider")
        found += problems_of(moved, tab.evaluate(ALTS), "after End")
    finally:
        context.close()
    assert not console, "\n".join(console)
    assert not found, f"{page}:\n" + "\n".join(found)


@pytest.mark.parametrize("page", EXPLORER_PAGES[:1])
def test_explorer_tracks_line_up_on_a_desktop(page, server, browser):  # noqa: F811
    if page not in PAGES:
        pytest.fail(f"{page} is not built")
    console: list[str] = []
    context, tab = open_page(browser, server, page, DESKTOP, console)
    try:
        tab.wait_for_function(WIDGETS_DRAWN)
        tab.wait_for_timeout(300)
        sliders = tab.evaluate(SLIDERS)
    finally:
        context.close()
    starts: dict[int, set[int]] = {}
    for s in sliders:
        starts.setdefault(s["explorer"], set()).add(s["track_left"])
    assert sliders and all(len(lefts) == 1 for lefts in starts.values()), starts
    assert not [s for s in sliders if s["row_wider"] or not s["readout_seen"]], sliders
    assert not console, "\n".join(console)
