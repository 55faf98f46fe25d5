"""Dark mode, as a reader who picks the moon meets it (_ext/assets/book-dark.css).

On two chapters — rmsprop (HTML tables, checker verdicts, figures) and the capstone (a widget,
a table, checker verdicts, figures) — opened in headless Chromium with pydata-sphinx-theme's
dark mode stored as the reader's choice (localStorage `mode`/`theme`, read by the theme's
inline script before the page is drawn), we assert from the computed styles:

- tables, checker verdicts, text and HTML outputs and the widgets' areas and labels sit on a
  dark background (relative luminance < 0.2 of the first opaque background behind them) and
  their text contrasts with it by ≥ 4.5:1 (WCAG AA);
- every figure (a matplotlib PNG, also a widget's picture) is a white "paper" card: rounded
  (border-radius > 0), its own background near white (luminance > 0.8, so the card's margin
  and the figure's white are one sheet), dimmed (a brightness filter < 1), and with no light
  block behind it (the output around it is dark).

In light mode the verdicts keep their contrast too. As shipped, the theme put all of these on a
light-grey block (#ced6dd): tables, verdicts and widgets read dark-on-light inside a black page.
"""

from __future__ import annotations

import pytest
from site_tools import EXPLORERS_DRAWN, VISIT_EXPLORERS

from optlib.exercises.engine import CheckResult

DESKTOP = {"width": 1280, "height": 800}
PAGES = ["chapters/rmsprop.html", "chapters/capstone.html"]
WIDGET_PAGE = "chapters/capstone.html"

# Colour arithmetic (WCAG 2) and, per kind of block, what a reader sees: the first opaque
# background behind the element (itself or an ancestor) and its text colour.
MEASURE = """(kinds) => {
  const parse = c => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const lum = c => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const behind = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0.5) return c;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  const drawn = el => el.getClientRects().length > 0 && el.offsetParent !== null;
  const out = {};
  for (const [kind, selector] of Object.entries(kinds)) {
    out[kind] = [...document.querySelectorAll(selector)].filter(drawn).map(el => {
      const bg = behind(el), fg = parse(getComputedStyle(el).color);
      const [x, y] = [lum(bg), lum(fg)];
      return {text: (el.textContent || '').trim().slice(0, 40), background: lum(bg),
              contrast: (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05)};
    });
  }
  out.figures = [...document.querySelectorAll('.bd-content div.cell_output img')]
    .filter(drawn).map(img => {
      const style = getComputedStyle(img);
      const own = parse(style.backgroundColor);
      const dim = style.filter.match(/brightness\\(([0-9.]+)\\)/);
      return {src: (img.getAttribute('src') || '').slice(0, 60),
              radius: parseFloat(style.borderTopLeftRadius) || 0,
              paper: own && own.a > 0.5 ? lum(own) : 0,
              brightness: dim ? parseFloat(dim[1]) : 1,
              behind: lum(behind(img.parentElement))};
    });
  return out;
}"""
BLOCKS = {
    "tables": ".bd-content div.cell_output table td, .bd-content div.cell_output table th",
    "verdicts": ".optlib-check",
    "text outputs": ".bd-content div.cell_output .output pre",
    "HTML outputs": ".bd-content div.cell_output .text_html",
    "widget areas": ".bd-content div.cell_output .widget-subarea",
    "widget labels": ".bd-content .widget-label, .bd-content .widget-readout",
}


def open_in(browser, server, page: str, mode: str):
    """A tab on `page` with the theme's `mode` stored as the reader's choice; widgets drawn."""
    context = browser.new_context(viewport=DESKTOP)
    context.add_init_script(
        f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');"
    )
    tab = context.new_page()
    tab.set_default_timeout(60_000)  # a busy machine
    tab.goto(server + page, wait_until="networkidle")
    assert tab.evaluate("() => document.documentElement.dataset.theme") == mode
    if page == WIDGET_PAGE:  # explorers are drawn when the reader comes near them
        tab.evaluate(VISIT_EXPLORERS)
        tab.wait_for_function(EXPLORERS_DRAWN)
        tab.evaluate("() => window.scrollTo(0, 0)")
        tab.wait_for_function(
            "() => [...document.querySelectorAll('.widget-image')].some("
            "i => i.offsetParent !== null && i.complete && i.naturalWidth > 0)"
        )
    return context, tab


@pytest.mark.parametrize("page", PAGES)
def test_dark_mode_blocks_are_dark_and_legible(page, browser, server):
    context, tab = open_in(browser, server, page, "dark")
    try:
        seen = tab.evaluate(MEASURE, BLOCKS)
    finally:
        context.close()

    expected = ["tables", "verdicts", "text outputs", "HTML outputs"]
    if page == WIDGET_PAGE:
        expected += ["widget areas", "widget labels"]
    for kind in expected:
        assert seen[kind], f"no {kind} found on {page}: the test would prove nothing"
    problems = []
    for kind in BLOCKS:
        light = [b for b in seen[kind] if b["background"] >= 0.2]
        faint = [b for b in seen[kind] if b["contrast"] < 4.5]
        if light:
            worst = max(light, key=lambda b: b["background"])
            problems.append(
                f"{kind}: {len(light)} of {len(seen[kind])} on a light block (luminance up to "
                f"{worst['background']:.2f}, e.g. {worst['text']!r})"
            )
        if faint:
            worst = min(faint, key=lambda b: b["contrast"])
            problems.append(
                f"{kind}: {len(faint)} of {len(seen[kind])} with text contrast < 4.5:1 (down to "
                f"{worst['contrast']:.1f}:1, e.g. {worst['text']!r})"
            )
    assert not problems, f"{page} in dark mode:\n" + "\n".join(problems)


@pytest.mark.parametrize("page", PAGES)
def test_dark_mode_figures_sit_on_a_paper_card(page, browser, server):
    context, tab = open_in(browser, server, page, "dark")
    try:
        figures = tab.evaluate(MEASURE, {})["figures"]
    finally:
        context.close()

    assert figures, f"no figures found on {page}"
    problems = []
    for figure in figures:
        if figure["radius"] <= 0:
            problems.append(f"square corners: {figure['src']}")
        if figure["paper"] <= 0.8:
            problems.append(f"not on paper (luminance {figure['paper']:.2f}): {figure['src']}")
        if not figure["brightness"] < 1:
            problems.append(f"not dimmed (brightness {figure['brightness']}): {figure['src']}")
        if figure["behind"] >= 0.2:
            problems.append(f"a light block behind it ({figure['behind']:.2f}): {figure['src']}")
    assert not problems, f"{page} in dark mode:\n" + "\n".join(problems[:20])


def test_light_mode_verdicts_and_tables_stay_legible(browser, server):
    context, tab = open_in(browser, server, "chapters/rmsprop.html", "light")
    try:
        seen = tab.evaluate(MEASURE, {k: BLOCKS[k] for k in ("tables", "verdicts")})
    finally:
        context.close()
    assert seen["tables"] and seen["verdicts"]
    weak = [b for kind in seen if kind != "figures" for b in seen[kind] if b["contrast"] < 4.5]
    assert not weak, f"text contrast below 4.5:1 in light mode: {weak[:5]}"


def test_a_verdict_carries_its_colours_as_variables():
    """The verdict's border colour is a CSS variable with the Okabe–Ito colour as fallback
    (a notebook without the book's stylesheet), and says which verdict it is, so that
    book-dark.css can give each its dark-mode colour; it paints no background of its own."""
    for passed, verdict, colour in ((True, "pass", "#009E73"), (False, "fail", "#D55E00")):
        html = CheckResult(passed, "message", checker="check_x")._repr_html_()
        assert 'class="optlib-check" data-checker="check_x"' in html
        assert f'data-verdict="{verdict}"' in html
        assert f"var(--optlib-check-colour, {colour})" in html
        assert "background" not in html and "color:" not in html
