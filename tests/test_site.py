"""The site check: every built page, opened in headless Chromium as a reader meets it.

For each page of `_build/html` (served on 127.0.0.1), on a desktop (1280×800) we assert: no
JavaScript console errors or uncaught exceptions, no failed request, no request to any host but
the local server, every equation typeset by MathJax with no error node, no display equation cut
off, every image loaded, every widget rendered, each kernel-free control (an explorer slider)
changes the figure when moved, and the page (HTML and its images) is under 5 MB. Counts are
written to `_build/site-check.json` and printed at the end of the test run; `wide_equations`
counts the display equations wider than their box: none may be, on a desktop.

On a phone (390×844) we assert: no console errors, the page does not scroll sideways, and no
display equation is cut off (`_build/site-check-phone.json`). On one chapter and the home page,
both navigation panels (the chapter list and "on this page") open from their buttons and close.

Also on a desktop: no code block's lines run past its right edge (every page, hidden sources
and solutions opened); one search control in view, on a desktop and on a phone, and it
searches; the search page's summaries read as text (no TeX source, no button labels).
`$SITE_HTML` names another build to check (default `_build/html`).

A display equation is cut off unless it fits its box, or its box scrolls sideways
(overflow-x auto/scroll) with the scroll-shadow cue of _ext/assets/book-reader.css; in both cases
the equation must lie inside the math block, its start must be reachable (not pushed out to
the left by centring), and its equation number must be in view.

Chromium is Debian's (`make test` installs it); Playwright only drives it and never downloads a
browser.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from site_tools import EXPLORERS_DRAWN, VISIBLE_PICTURE, VISIT_EXPLORERS, WIDGET_VIEWS

ROOT = Path(__file__).resolve().parent.parent
HTML = Path(os.environ.get("SITE_HTML", ROOT / "_build" / "html"))  # as tests/conftest.py serves
REPORT = HTML.parent / "site-check.json"
PHONE_REPORT = HTML.parent / "site-check-phone.json"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
PAGE_BUDGET = 5 * 1024 * 1024
PAGES = (
    sorted(
        str(p.relative_to(HTML))
        for p in HTML.rglob("*.html")
        # not the assets' folders, nor the in-browser notebooks (tests/test_lite.py checks them)
        if not p.relative_to(HTML).parts[0].startswith("_")
        and p.relative_to(HTML).parts[0] != "lite"
    )
    if HTML.exists()
    else []
)


@pytest.fixture(scope="session")
def report():
    counts: dict[str, dict] = {}
    yield counts
    REPORT.write_text(json.dumps(counts, indent=1))


@pytest.fixture(scope="session")
def phone_report():
    counts: dict[str, dict] = {}
    yield counts
    PHONE_REPORT.write_text(json.dumps(counts, indent=1))


# Every display equation (MathJax's CHTML container and the block it sits in), measured.
DISPLAY_EQUATIONS = """() => [...document.querySelectorAll('mjx-container[display="true"]')]
.filter(m => m.getClientRects().length)  // drawn (not inside a closed <details>)
.map(m => {
  const box = m.parentElement, b = box.getBoundingClientRect(), r = m.getBoundingClientRect();
  const style = getComputedStyle(m);
  const wide = m.scrollWidth > m.clientWidth + 1;
  const scrolls = ['auto', 'scroll'].includes(style.overflowX);
  const cue = style.backgroundImage.includes('gradient');
  const inside = r.left >= b.left - 1 && r.right <= b.right + 1 && b.width > 0;
  const left = m.scrollLeft;
  m.scrollLeft = 0;
  const math = m.querySelector(':scope > mjx-math');
  const reachable = !math || math.getBoundingClientRect().left >= r.left - 1;
  m.scrollLeft = left;
  const number = box.querySelector(':scope > .eqno');
  const n = number && number.getBoundingClientRect();
  const numbered = !n || (n.width > 0 && n.left >= b.left - 1 && n.right <= b.right + 1
                          && n.right <= innerWidth);
  const label = box.id || box.closest('[id]')?.id || '';
  return {label, wide, clipped: !inside || !reachable || !numbered || (wide && !(scrolls && cue))};
})"""
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth + 1"


def cut_off(equations: list[dict]) -> list[str]:
    return [e["label"] or "(unlabelled)" for e in equations if e["clipped"]]


def open_page(browser, server, page: str, viewport: dict, problems: list[str]):
    """A fresh tab at `viewport` on `page`, with every console error, exception, failed or
    external request appended to `problems`; returned once MathJax has typeset the page."""
    context = browser.new_context(viewport=viewport)
    tab = context.new_page()
    tab.set_default_timeout(60_000)  # a busy machine
    tab.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    tab.on("pageerror", lambda e: problems.append(f"exception: {e}"))
    tab.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
    tab.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status}: {r.url}"))

    def only_local(route):
        url = route.request.url
        if url.startswith(server) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            problems.append(f"external request: {url}")
            route.abort()

    tab.route("**/*", only_local)
    tab.goto(server + page, wait_until="networkidle")
    tab.evaluate("() => window.MathJax?.startup?.promise")
    # Explorers are drawn when the reader comes near them (_ext/assets/book-widgets.js): visit
    # each, wait until the widget manager has drawn them all, and go back to the top.
    if tab.locator(WIDGET_VIEWS).count():
        tab.evaluate(VISIT_EXPLORERS)
        tab.wait_for_function(EXPLORERS_DRAWN)
        tab.evaluate("() => window.scrollTo(0, 0)")
    return context, tab


def page_size(page: str) -> int:
    """The HTML file plus the images it references from _images/ (widget pictures are inside
    the HTML, in the embedded widget state)."""
    path = HTML / page
    html = path.read_text(encoding="utf-8")
    size = path.stat().st_size
    for image in (HTML / "_images").glob("*") if (HTML / "_images").exists() else []:
        if f"_images/{image.name}" in html:
            size += image.stat().st_size
    return size


def test_the_book_has_pages():
    assert PAGES, "no pages found in _build/html"


@pytest.mark.parametrize("page", PAGES)
def test_page_as_a_reader_meets_it(page, server, browser, report):
    problems: list[str] = []
    context, tab = open_page(browser, server, page, DESKTOP, problems)
    equations = tab.evaluate(DISPLAY_EQUATIONS)
    tab.evaluate(
        "() => document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')"
    )
    tab.wait_for_load_state("networkidle")

    counts = {
        "equations": tab.locator("mjx-container").count(),
        "math_errors": tab.locator("mjx-merror").count(),
        "untypeset_math": tab.evaluate(
            "() => [...document.querySelectorAll('.math')].filter("
            "m => !m.querySelector('mjx-container')).length"
        ),
        "images": tab.locator("img").count(),
        "broken_images": tab.evaluate(
            "() => [...document.querySelectorAll('img')].filter("
            "i => !(i.complete && i.naturalWidth > 0)).length"
        ),
        "widget_outputs": tab.locator(
            'script[type="application/vnd.jupyter.widget-view+json"]'
        ).count(),
        "widgets_rendered": tab.evaluate(
            "() => [...document.querySelectorAll("
            "'script[type=\"application/vnd.jupyter.widget-view+json\"]')].filter("
            "s => s.parentElement.querySelector('.jupyter-widgets:not(.jupyter-widgets-error)')"
            ").length"
        ),
        "controls_moved": 0,
        "bytes": page_size(page),
        "wide_equations": sum(e["wide"] for e in equations),
        "cut_off_equations": len(cut_off(equations)),
    }

    explorers = tab.locator(".widget-vbox:has(> .widget-slider):has(.widget-image)")
    for e in range(explorers.count()):
        explorer = explorers.nth(e)

        def picture_once(accept, explorer=explorer):
            """The visible picture's fingerprint once `accept` holds (pictures load
            asynchronously: give a busy machine up to 3 s), else the last one seen."""
            seen = None
            for _ in range(60):
                seen = explorer.evaluate(VISIBLE_PICTURE)
                if seen is not None and accept(seen):
                    break
                tab.wait_for_timeout(50)
            return seen

        handles = explorer.locator(":scope > .widget-slider .noUi-handle")
        for h in range(handles.count()):
            before = picture_once(lambda seen: True)
            handles.nth(h).focus()
            tab.keyboard.press("End")  # the slider's last setting
            after = picture_once(lambda seen, before=before: seen != before)
            if before is None or after is None or before == after:
                problems.append(f"explorer {e}, slider {h}: the figure did not change")
            else:
                counts["controls_moved"] += 1
            tab.keyboard.press("Home")  # back to the first setting before the next slider
            picture_once(lambda seen, before=before: seen == before)
    context.close()
    report[page] = counts

    assert not problems, "\n".join(problems)
    assert counts["math_errors"] == 0 and counts["untypeset_math"] == 0
    assert counts["broken_images"] == 0
    assert counts["widgets_rendered"] == counts["widget_outputs"]
    assert counts["bytes"] < PAGE_BUDGET, f"{counts['bytes'] / 1e6:.1f} MB"
    assert not cut_off(equations), f"display equations cut off at 1280 px: {cut_off(equations)}"
    # On a desktop every display equation fits its column (split the long ones by hand); only
    # a phone needs the sideways scroll.
    wide = [e["label"] or "(unlabelled)" for e in equations if e["wide"]]
    assert not wide, f"display equations wider than the column at 1280 px: {wide}"


@pytest.mark.parametrize("page", PAGES)
def test_page_on_a_phone(page, server, browser, phone_report):
    problems: list[str] = []
    context, tab = open_page(browser, server, page, PHONE, problems)
    equations = tab.evaluate(DISPLAY_EQUATIONS)
    sideways = tab.evaluate(NO_SIDEWAYS_SCROLL) is False
    width = tab.evaluate("() => document.documentElement.scrollWidth")
    context.close()
    phone_report[page] = {
        "equations": len(equations),
        "wide_equations": sum(e["wide"] for e in equations),
        "cut_off_equations": len(cut_off(equations)),
        "page_width": width,
    }

    assert not problems, "\n".join(problems)
    assert not sideways, f"the page scrolls sideways on a phone: {width} px in {PHONE['width']}"
    assert not cut_off(equations), f"display equations cut off at 390 px: {cut_off(equations)}"


# The theme's two sidebars become dialogs on a phone; each has a button in the article header.
PANELS = {
    "chapter list": (".primary-toggle", "#pst-primary-sidebar-modal"),
    "on this page": (".secondary-toggle", "#pst-secondary-sidebar-modal"),
}
PANEL_SHOWN = """(selector) => {
  const d = document.querySelector(selector);
  if (!d || !d.open) return false;
  const r = d.getBoundingClientRect();
  return r.width > 50 && r.height > 50 && r.left < innerWidth && r.right > 0
    && r.top < innerHeight && r.bottom > 0 && d.querySelectorAll('a').length > 0;
}"""


@pytest.mark.parametrize("page", ["index.html", "chapters/intro.html"])
@pytest.mark.parametrize("panel", PANELS)
def test_phone_navigation_opens_and_closes(page, panel, server, browser):
    """Pressing the panel's button (the one a reader sees) shows the panel, with links, in the
    viewport; Escape closes it and the page is as before. sphinx-book-theme 1.3.0 /
    pydata-sphinx-theme 0.17.1 bind the handler to a hidden duplicate button; the work-around is
    in _ext/assets/book-reader.js."""
    if page not in PAGES:
        pytest.fail(f"{page} is not built")
    sync_api = pytest.importorskip("playwright.sync_api")
    button, dialog = PANELS[panel]
    problems: list[str] = []
    context, tab = open_page(browser, server, page, PHONE, problems)
    try:
        visible = tab.locator(f"{button}:visible")
        assert visible.count() == 1, f"{visible.count()} visible {panel} buttons"
        assert not tab.evaluate(PANEL_SHOWN, dialog), f"the {panel} is open before a press"
        for attempt in ("opens", "closes", "opens again"):
            if attempt == "closes":
                tab.keyboard.press("Escape")
                done = f"() => !document.querySelector('{dialog}').open"
            else:
                visible.click()
                done = f"() => ({PANEL_SHOWN})('{dialog}')"
            try:
                tab.wait_for_function(done, timeout=10_000)
            except sync_api.TimeoutError:
                pytest.fail(f"the {panel} panel never {attempt} on {page} at 390 px")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


# Everything a reader can open, opened: hidden cell sources (<details>) and exercise solutions
# (sphinx-togglebutton's .toggle-hidden).
OPEN_EVERYTHING = """() => {
  document.querySelectorAll('.bd-article details').forEach(d => { d.open = true; });
  document.querySelectorAll('.bd-article .toggle-hidden').forEach(
    e => e.classList.remove('toggle-hidden'));
}"""
# Every code block on the page (a cell's source, what it printed, a show_source listing, a code
# block in the text) that is drawn and whose lines run past its right edge.
OVERFLOWING_CODE = """() => [...document.querySelectorAll('.bd-article pre')]
.filter(pre => pre.checkVisibility({visibilityProperty: true}) && pre.clientWidth > 0)
.filter(pre => pre.scrollWidth > pre.clientWidth + 1)
.map(pre => {
  const lines = pre.textContent.replace(/\\n$/, '').split('\\n');
  const where = pre.closest('.solution') ? 'solution'
    : pre.closest('.cell_output') ? 'output'
    : pre.closest('details') ? 'hidden source' : pre.closest('.cell_input') ? 'cell' : 'text';
  return {first: lines[0].trim().slice(0, 70), longest: Math.max(...lines.map(l => l.length)),
          where};
})"""


@pytest.mark.parametrize("page", PAGES)
def test_code_fits_its_column(page, server, browser):
    """On a desktop no code block scrolls sideways: a reader sees every line whole. Cell sources
    (the hidden ones and those in solutions once opened), show_source listings and values'
    reprs keep their line breaks, so their lines must fit: 77 characters in a cell, 75 in a
    hidden source, 69 in a solution (14 px monospace, measured). Printed output wraps (CSS)."""
    problems: list[str] = []
    context, tab = open_page(browser, server, page, DESKTOP, problems)
    try:
        tab.evaluate(OPEN_EVERYTHING)
        overflowing = tab.evaluate(OVERFLOWING_CODE)
    finally:
        context.close()
    assert not overflowing, (
        f"{page}: {len(overflowing)} code blocks overflow at 1280 px (fit: ≤ 77 characters a line "
        "in a cell, ≤ 75 in a hidden source, ≤ 69 in a solution):\n"
        + "\n".join(f"  {c['where']}: {c['first']!r}: {c['longest']} chars" for c in overflowing)
    )


# The search controls a reader can see (the search page's own form aside).
SEARCH_CONTROLS = """() => [...document.querySelectorAll(
  '.search-button__button, .search-button-field, input[type="search"], form.bd-search input')]
.filter(e => !e.closest('.bd-article, dialog') && e.checkVisibility({visibilityProperty: true}))
.filter(e => { const r = e.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight; })
.map(e => e.className || e.tagName)"""


@pytest.mark.parametrize("page", ["index.html", "chapters/intro.html"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_one_search_box_that_searches(page, viewport, server, browser):
    """One search control in view (pydata-sphinx-theme 0.17 adds a top bar with a second one
    unless navbar_persistent is set: _config.yml), on a desktop and on a phone; pressing it
    gives a search field, and a query there opens the search page with results."""
    if page not in PAGES:
        pytest.fail(f"{page} is not built")
    problems: list[str] = []
    size = DESKTOP if viewport == "desktop" else PHONE
    context, tab = open_page(browser, server, page, size, problems)
    try:
        controls = tab.evaluate(SEARCH_CONTROLS)
        assert len(controls) == 1, f"{len(controls)} search controls in view: {controls}"
        tab.locator(
            ".search-button__button:visible, .search-button-field:visible, "
            'input[type="search"]:visible'
        ).first.click()
        field = tab.locator('input[name="q"]:visible').first
        field.wait_for(timeout=10_000)
        field.fill("momentum")
        field.press("Enter")
        tab.wait_for_url("**/search.html?q=momentum*", timeout=10_000)
        tab.wait_for_selector("#search-results li", timeout=30_000)
    finally:
        context.close()
    assert not problems, "\n".join(problems)


SEARCH_FINISHED = """() => /found|did not match/.test(
  document.querySelector('#search-results .search-summary')?.textContent ?? '')"""
TEX = re.compile(r"\\[A-Za-z()\[\]{}]|\$\$")
FURNITURE = ("Enlarge:", ".ipynb", ".pdf", "Binder", "Copy", "Click to show", "Contents 1")


def test_search_summaries_read_as_text(server, browser):
    """A search's results quote the pages as a reader reads them: no TeX source (the summaries
    come from the HTML files, where MathJax has not typeset the math yet: book-reader.js reads
    each formula as plain text), no button or link labels, no printed table of contents."""
    problems: list[str] = []
    context, tab = open_page(browser, server, "search.html?q=momentum", DESKTOP, problems)
    try:
        tab.wait_for_function(SEARCH_FINISHED, timeout=60_000)
        results = tab.evaluate(
            "() => [...document.querySelectorAll('#search-results li')].map(li => ({"
            "title: li.querySelector('a')?.textContent ?? '',"
            "summary: li.querySelector('p.context')?.textContent ?? ''}))"
        )
    finally:
        context.close()
    assert not problems, "\n".join(problems)
    summaries = [r for r in results if r["summary"]]
    assert len(summaries) >= 10, f"{len(summaries)} of {len(results)} results have a summary"
    chapter = [r for r in summaries if r["title"].endswith("Momentum")]
    assert chapter and "momentum" in chapter[0]["summary"].lower(), chapter
    bad = [
        f"{r['title']}: {' '.join(r['summary'].split())[:160]!r}"
        for r in summaries
        if TEX.search(r["summary"]) or any(word in r["summary"] for word in FURNITURE)
    ]
    assert not bad, f"{len(bad)} summaries show TeX or page furniture:\n" + "\n".join(bad)
