"""The kernel-free explorers on a phone (390×844), as a reader and a screen reader meet them.

On every page with explorers (optlib.widgets.explorer: sliders over numbers and drop-down
lists over names, linked to a stack of pictures in the static HTML), we assert: no control's
row is wider than the content column, every value shown (a slider's readout, a list's choice)
is inside the viewport and whole, the tracks (and the lists) of one explorer start at the same
x, every handle is at least 24 px, every control has an accessible name (its caption) and
announces its VALUE (a handle's aria-valuetext equals its readout, "0.05", not the index "0"),
and every picture shown has an alt text that says what that frame shows (the description the
chapter gave, `describe=`) and names its setting ("caption = value" for each control) — as
loaded and again after every control is moved to its last setting (End on a slider, the last
option of a list). On a desktop (1280×800) the tracks of one explorer start at
the same x too (their captions are made equally wide). The layout is book-reader.css's, the names,
alt texts and equal captions book-reader.js's (_ext/assets/).

Uses the built book and the session fixtures of tests/test_site.py.
"""

from __future__ import annotations

import pytest
from conftest import SITE
from site_tools import EXPLORERS_DRAWN, VISIT_EXPLORERS, WIDGET_VIEWS
from test_site import DESKTOP, PAGES, PHONE, open_page

# Every page with an explorer (gradient descent first: sliders and lists in two explorers).
EXPLORER_PAGES = sorted(
    (
        page
        for page in PAGES
        if "application/vnd.jupyter.widget-view+json" in (SITE / page).read_text("utf-8")
    ),
    key=lambda page: page != "chapters/gradient_descent.html",
)
MIN_TARGET = 24  # px: a finger's target

# Every control of every explorer (a slider over numbers, a drop-down list over names), measured
# against its explorer's column (the cell output).
CONTROLS = r"""() => {
  const explorers = [...document.querySelectorAll('.widget-subarea')];
  return [...document.querySelectorAll('.widget-slider, .widget-dropdown')].map(control => {
    const column = control.closest('.cell_output').getBoundingClientRect();
    const row = control.getBoundingClientRect();
    const select = control.querySelector('select');
    const caption = control.querySelector('label')?.textContent.trim();
    const seen = (e, r) => r.width > 0 && r.left >= 0 && r.right <= innerWidth
                           && e.scrollWidth <= e.clientWidth + 1;
    const common = {
      explorer: explorers.indexOf(control.closest('.widget-subarea')), caption,
      row_wider: row.left < column.left - 1 || row.right > column.right + 1,
    };
    if (select) {
      const r = select.getBoundingClientRect();
      // ipywidgets writes a choice's spaces as no-break spaces; a reader hears words
      const choice = (select.selectedOptions[0]?.textContent || '').replace(/\s+/g, ' ').trim();
      return {...common, kind: 'list', readout: choice,
        readout_seen: seen(select, r), left: Math.round(r.left), target: r.height,
        name: [...select.labels].map(l => l.textContent).join(' ').trim()
              || select.getAttribute('aria-label') || '',
        valuetext: choice};  // a <select> says its value
    }
    const readout = control.querySelector('.widget-readout');
    const handle = control.querySelector('.noUi-handle');
    const h = handle.getBoundingClientRect();
    const labelledby = handle.getAttribute('aria-labelledby');
    return {...common, kind: 'slider', readout: readout.textContent.trim(),
      readout_seen: seen(readout, readout.getBoundingClientRect()),
      left: Math.round(control.querySelector('.noUi-target').getBoundingClientRect().left),
      target: Math.min(h.width, h.height),
      name: (handle.getAttribute('aria-label')
             || (labelledby && document.getElementById(labelledby)?.textContent) || '').trim(),
      valuetext: handle.getAttribute('aria-valuetext')};
  });
}"""
# The pictures of the explorers shown now (a Stack draws only the selected one).
PICTURES = r"""() => [...document.querySelectorAll('.widget-subarea img.widget-image')]
  .filter(img => img.getClientRects().length)
  .map(img => ({explorer: [...document.querySelectorAll('.widget-subarea')]
                  .indexOf(img.closest('.widget-subarea')),
                alt: (img.getAttribute('alt') || '').trim(),
                said: (img.parentElement.querySelector(':scope > .widget-html .optlib-alt')
                       ?.textContent || '').replace(/\s+/g, ' ').trim()}))"""
# Every widget output drawn by the widget manager, every slider with its handle.
WIDGETS_DRAWN = """() => {
  const views = [...document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]')];
  return views.length > 0 && views.every(s => s.parentElement.querySelector('.jupyter-widgets'))
    && [...document.querySelectorAll('.widget-slider')].every(s => s.querySelector('.noUi-handle'))
    && document.querySelectorAll('.widget-slider, .widget-dropdown').length > 0;
}"""


def problems_of(controls: list[dict], pictures: list[dict], when: str) -> list[str]:
    found = []
    for c in controls:
        where = f"{when}, explorer {c['explorer']}, {c['kind']} {c['caption']!r}"
        if c["row_wider"]:
            found.append(f"{where}: the row is wider than the column")
        if not c["readout_seen"]:
            found.append(f"{where}: the value {c['readout']!r} is cut off or off-screen")
        if c["target"] < MIN_TARGET:
            found.append(f"{where}: the handle is {c['target']:.0f} px (< {MIN_TARGET})")
        if not c["name"]:
            found.append(f"{where}: the control has no accessible name")
        elif c["name"] != c["caption"]:
            found.append(f"{where}: the control is named {c['name']!r}, not its caption")
        if c["valuetext"] != c["readout"]:
            found.append(
                f"{where}: announces {c['valuetext']!r}, but the readout shows {c['readout']!r}"
            )
    starts: dict[tuple[int, str], set[int]] = {}
    for c in controls:
        starts.setdefault((c["explorer"], c["kind"]), set()).add(c["left"])
    for (explorer, kind), lefts in starts.items():
        if max(lefts) - min(lefts) > 1:
            found.append(f"{when}, explorer {explorer}: {kind}s start at x = {sorted(lefts)}")
    if not pictures:
        found.append(f"{when}: no explorer picture shown")
    for picture in pictures:
        if not picture["alt"]:
            found.append(f"{when}, explorer {picture['explorer']}: a picture has no alt text")
            continue
        if not picture["said"]:  # every chapter's explorer passes describe=
            found.append(f"{when}, explorer {picture['explorer']}: no description of its own")
        elif not picture["alt"].startswith(picture["said"]):
            found.append(f"{when}: the alt text {picture['alt']!r} is not the frame's description")
        for c in controls:  # the alt text names the setting shown
            said = f"{c['caption']} = {c['readout']}"
            if c["explorer"] == picture["explorer"] and said not in picture["alt"]:
                found.append(f"{when}: the alt text {picture['alt']!r} does not say {said!r}")
    return found


def drawn(browser, server, page: str, viewport: dict, console: list[str]):
    """A tab on `page` once its explorers are drawn and named: (context, tab, controls)."""
    if page not in PAGES:
        pytest.fail(f"{page} is not built")
    context, tab = open_page(browser, server, page, viewport, console)
    tab.wait_for_function(WIDGETS_DRAWN)
    tab.wait_for_timeout(300)  # the book's script names the controls once they are drawn
    return context, tab, tab.evaluate(CONTROLS)


@pytest.mark.parametrize("page", EXPLORER_PAGES)
def test_explorers_on_a_phone(page, server, browser):
    console: list[str] = []
    context, tab, controls = drawn(browser, server, page, PHONE, console)
    try:
        found = problems_of(controls, tab.evaluate(PICTURES), "as loaded")
        before = [c["readout"] for c in controls]
        handles = tab.locator(".widget-slider .noUi-handle")
        for i in range(handles.count()):
            handles.nth(i).focus()
            tab.keyboard.press("End")  # the last setting
        lists = tab.locator(".widget-dropdown select")
        for i in range(lists.count()):
            last = lists.nth(i).locator("option").count() - 1
            lists.nth(i).select_option(index=last)
        tab.wait_for_timeout(300)
        moved = tab.evaluate(CONTROLS)
        if [c["readout"] for c in moved] == before:
            found.append("no control moved to its last setting")
        found += problems_of(moved, tab.evaluate(PICTURES), "at the last settings")
    finally:
        context.close()
    assert not console, "\n".join(console)
    assert not found, f"{page}:\n" + "\n".join(found)


@pytest.mark.parametrize("page", EXPLORER_PAGES[:1])
def test_explorer_tracks_line_up_on_a_desktop(page, server, browser):
    console: list[str] = []
    context, _, controls = drawn(browser, server, page, DESKTOP, console)
    context.close()
    starts: dict[tuple[int, str], set[int]] = {}
    for c in controls:
        starts.setdefault((c["explorer"], c["kind"]), set()).add(c["left"])
    assert controls and all(len(lefts) == 1 for lefts in starts.values()), starts
    assert not [c for c in controls if c["row_wider"] or not c["readout_seen"]], controls
    assert not console, "\n".join(console)


def test_explorers_work_in_a_book_opened_from_disk(browser):
    """The README says: open _build/html/index.html. From file:// a page may load scripts but
    not fetch files, so each explorer's state comes as a script (_widgets/<page>-<n>.js)."""
    page = EXPLORER_PAGES[0]
    console: list[str] = []
    context = browser.new_context(viewport=DESKTOP)
    tab = context.new_page()
    tab.on("console", lambda m: m.type == "error" and console.append(m.text))
    tab.on("pageerror", lambda e: console.append(str(e)))
    try:
        tab.goto((SITE / page).as_uri(), wait_until="load")
        views = tab.locator(WIDGET_VIEWS).count()
        tab.evaluate(VISIT_EXPLORERS)
        tab.wait_for_function(EXPLORERS_DRAWN, timeout=60_000)
        pictures = tab.evaluate("() => document.querySelectorAll('img.widget-image').length")
    finally:
        context.close()
    assert views and pictures >= views, (views, pictures)
    assert not console, "\n".join(console)
