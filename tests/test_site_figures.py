"""The chapters' static figures: each says what it shows, and each can be enlarged.

- From the sources (no build): every chapter cell that draws a figure (its code calls
  `plt.show()`) carries alt text in its metadata, `"mystnb": {"image": {"alt": ...}}`, and the
  alt text is meaningful — at least five words, not a file name or path.
- From the built pages (`_build/html`, or the directory in $SITE_HTML): on every chapter page,
  every image a cell outputs has that alt text, is wrapped in a link to its own full-size file
  (which exists), and the link is labelled "Enlarge: <alt text>" for a screen reader
  (_ext/figures.py). Without the extension, or without the metadata, a figure's alt text is its
  file path and nothing links to it.

Read with BeautifulSoup, no browser: the images are in the HTML as built.

- In Chromium at 1280×800 (the site check's server and browser, tests/conftest.py): on every
  page, every figure a cell shows — a static figure, and each explorer's picture once drawn — is
  shown at ≥ 80 % of the width it was drawn for, so its text is as legible as the figure
  standard made it (optlib.plotting: drawn for the 688 px column). A static figure's drawn width
  is the width its img states (a 2x figure's CSS width: Sphinx writes `style="width: 655px"`),
  else its pixel width; an explorer's picture states none: its pixel width. Hidden sources and
  solutions are opened.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import unquote, urljoin

import pytest
from test_site import DESKTOP, PAGES, open_page

ROOT = Path(__file__).resolve().parent.parent
HTML = Path(os.environ.get("SITE_HTML", ROOT / "_build" / "html"))
CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
MIN_WORDS = 5
FILE_LIKE = re.compile(r"(_images/|\.(png|jpe?g|gif|svg|webp|pdf)\b)", re.I)


def meaningful(alt: str | None) -> str | None:
    """None if `alt` says what a figure shows; otherwise what is wrong with it."""
    text = (alt or "").strip()
    if not text:
        return "no alt text"
    if FILE_LIKE.search(text) or " " not in text:
        return f"alt text is a file name: {text!r}"
    if len(text.split()) < MIN_WORDS:
        return f"alt text under {MIN_WORDS} words: {text!r}"
    return None


def figure_cells(name: str) -> list[tuple[int, dict]]:
    nb = json.loads((ROOT / "chapters" / f"{name}.ipynb").read_text(encoding="utf-8"))
    return [
        (index, cell)
        for index, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code" and "plt.show()" in "".join(cell["source"])
    ]


def test_meaningful_rejects_what_a_build_gives_by_default():
    assert meaningful(None) and meaningful("  ")
    assert meaningful("_images/0c1acee098be05f8ad2674d1f3ac40f2.png")
    assert meaningful("../_images/figure.png")
    assert meaningful("loss curves")
    assert meaningful("The loss per step on a log scale, for three learning rates") is None


def test_the_chapters_draw_figures():
    assert sum(len(figure_cells(name)) for name in CHAPTERS) >= 50


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_figure_cell_has_alt_text(name):
    problems = []
    for index, cell in figure_cells(name):
        image = cell["metadata"].get("mystnb", {}).get("image", {})
        problem = meaningful(image.get("alt"))
        if problem:
            problems.append(f"cell {index} ({cell.get('id')}): {problem}")
    assert not problems, f"{name}: " + "; ".join(problems)


def output_images(page: Path):
    """The images the page's code cells output (not the logo, not icons, not widgets)."""
    bs4 = pytest.importorskip("bs4")
    soup = bs4.BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return [
        img
        for img in soup.select("div.cell_output img")
        if not img.find_parent(class_=re.compile("widget"))
    ]


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_figure_on_the_page_has_alt_text_and_enlarges(name):
    page = HTML / "chapters" / f"{name}.html"
    if not page.exists():
        pytest.fail(f"{page} is missing: run `make book` (make test builds it when needed)")
    images = output_images(page)
    # every cell that draws shows at least one image (a cell may draw two)
    assert len(images) >= len(figure_cells(name)) > 0
    base = page.as_uri()
    problems = []
    for img in images:
        src, alt = img.get("src", ""), img.get("alt")
        problem = meaningful(alt)
        if problem:
            problems.append(f"{src}: {problem}")
            continue
        link = img.parent
        if link.name != "a" or not link.get("href"):
            problems.append(f"{src}: not a link to enlarge")
            continue
        target = unquote(urljoin(base, link["href"]))
        if target != unquote(urljoin(base, src)):
            problems.append(f"{src}: the link goes to {link['href']}, not to the image")
        elif not Path(target.removeprefix("file://")).is_file():
            problems.append(f"{src}: the image file is missing")
        if link.get("aria-label") != f"Enlarge: {alt.strip()}":
            problems.append(f"{src}: link label {link.get('aria-label')!r}")
    assert not problems, f"{name}: {len(problems)} of {len(images)} figures: " + "; ".join(
        problems[:5]
    )


SHOWN_AT = 0.8
# Hidden sources and solutions opened (their figures count too), every explorer brought near the
# viewport so that it is drawn (book-widgets.js draws an explorer when the reader comes near).
OPEN_AND_DRAW = """async () => {
  document.querySelectorAll('.bd-article details').forEach(d => { d.open = true; });
  document.querySelectorAll('.bd-article .toggle-hidden').forEach(
    e => e.classList.remove('toggle-hidden'));
  const views = [...document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]')];
  for (const view of views) {
    view.parentElement.scrollIntoView({block: 'center'});
    for (let i = 0; i < 100 && !view.parentElement.querySelector(
      '.widget-image, .jupyter-widgets-error'); i++) {
      await new Promise(resolve => setTimeout(resolve, 100));
    }
  }
  window.scrollTo(0, 0);
  return views.length;
}"""
ALL_LOADED = """() => [...document.querySelectorAll('.bd-article img')]
  .every(i => i.complete && (i.naturalWidth > 0 || !i.checkVisibility()))"""
# Every figure drawn on the page: how wide it was drawn and how wide it is shown.
FIGURE_SIZES = """() => [...document.querySelectorAll('.bd-article .cell_output img')]
.filter(img => img.checkVisibility({visibilityProperty: true}) && img.naturalWidth > 0)
.map(img => {
  const explorer = img.classList.contains('widget-image');
  // a sized figure's CSS width: Sphinx writes it as style="width: 655px", else an attribute
  const stated = img.style.width.endsWith('px') ? parseFloat(img.style.width)
    : parseFloat(img.getAttribute('width'));
  const drawn = !explorer && stated > 0 ? stated : img.naturalWidth;
  const heading = img.closest('section')?.querySelector(':scope > :is(h1, h2, h3, h4)');
  return {drawn, shown: img.getBoundingClientRect().width, explorer,
          section: (heading?.textContent ?? '').replace('#', '').trim().slice(0, 60),
          alt: (img.getAttribute('alt') ?? img.getAttribute('src') ?? '').slice(0, 60)};
})"""


@pytest.mark.parametrize("page", PAGES)
def test_figures_shown_at_their_drawn_size(page, server, browser):
    problems: list[str] = []
    context, tab = open_page(browser, server, page, DESKTOP, problems)
    try:
        tab.evaluate(
            "() => document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')"
        )
        tab.evaluate(OPEN_AND_DRAW)
        tab.wait_for_load_state("networkidle")
        tab.wait_for_function(ALL_LOADED, timeout=30_000)
        figures = tab.evaluate(FIGURE_SIZES)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
    small = [f for f in figures if f["shown"] < SHOWN_AT * f["drawn"]]
    assert not small, (
        f"{page}: {len(small)} of {len(figures)} figures shown under {SHOWN_AT:.0%} of their drawn "
        "width at 1280 px (draw them for the 688 px column: optlib.plotting):\n"
        + "\n".join(
            f"  {'explorer' if f['explorer'] else 'figure'} in {f['section']!r}: "
            f"{f['shown']:.0f} of {f['drawn']:.0f} px ({f['shown'] / f['drawn']:.0%}): {f['alt']!r}"
            for f in small
        )
    )
