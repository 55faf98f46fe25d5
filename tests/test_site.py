"""The site check: every built page, opened in headless Chromium as a reader meets it.

For each page of `_build/html` (served on 127.0.0.1) we assert: no JavaScript console errors or
uncaught exceptions, no failed request, no request to any host but the local server, every
equation typeset by MathJax with no error node, every image loaded, every widget rendered, each
kernel-free control (an explorer slider) changes the figure when moved, and the page (HTML and
its images) is under 5 MB. Counts are written to `_build/site-check.json` and printed at the end
of the test run.

Chromium is Debian's (`make test` installs it); Playwright only drives it and never downloads a
browser.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path

import pytest
from site_tools import CHROMIUM_FLAGS, VISIBLE_PICTURE, QuietHandler

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
REPORT = ROOT / "_build" / "site-check.json"
PAGE_BUDGET = 5 * 1024 * 1024
PAGES = (
    sorted(
        str(p.relative_to(HTML))
        for p in HTML.rglob("*.html")
        if not p.relative_to(HTML).parts[0].startswith("_")
    )
    if HTML.exists()
    else []
)


@pytest.fixture(scope="session")
def server():
    if not HTML.exists():
        pytest.fail("the book is not built: run `make book` (make test builds it when needed)")
    handler = functools.partial(QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium (needs root)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def report():
    counts: dict[str, dict] = {}
    yield counts
    REPORT.write_text(json.dumps(counts, indent=1))


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
    context = browser.new_context()
    tab = context.new_page()
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
