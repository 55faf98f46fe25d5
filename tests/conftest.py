"""Deterministic property tests; the site checks' server and browser; the site check's counts
printed at the end of a test run."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import settings

from optlib.exercises import engine

# Property tests draw the same examples on every run: a red test is reproducible, never flaky.
# HYPOTHESIS_PROFILE=thorough explores fresh random examples, ten times as many (for maintainers).
settings.register_profile("deterministic", derandomize=True, database=None)
settings.register_profile("thorough", max_examples=300, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

ROOT = Path(__file__).resolve().parent.parent
# The site check's helpers are shared with benchmarks/run.py from the build's plumbing.
sys.path.insert(0, str(ROOT / "_ext"))
from site_tools import CHROMIUM_FLAGS, QuietHandler  # noqa: E402

STARTED = time.time()
# The built book: _build/html, or another build named by $SITE_HTML (e.g. to measure a copy).
SITE = Path(os.environ.get("SITE_HTML", ROOT / "_build" / "html"))
REPORT = SITE.parent / "site-check.json"
PHONE_REPORT = SITE.parent / "site-check-phone.json"


# The built book on a local server and one headless Chromium, shared by every site check
# (tests/test_site*.py): Playwright's sync API allows one running instance per process.
@pytest.fixture(scope="session")
def server():
    if not SITE.exists():
        pytest.fail("the book is not built: run `make book` (make test builds it when needed)")
    handler = functools.partial(QuietHandler, directory=str(SITE))
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


@pytest.fixture(autouse=True)
def hints_start_at_the_bottom():
    """A checker climbs its ladder of hints from call to call (see optlib.exercises.engine.climb):
    every test starts from the first rung, whatever ran before it."""
    engine.forget()
    yield
    engine.forget()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not REPORT.exists() or REPORT.stat().st_mtime < STARTED:
        return  # the site check did not run this time
    pages = json.loads(REPORT.read_text())
    total = {key: sum(page[key] for page in pages.values()) for key in next(iter(pages.values()))}
    largest = max(pages.items(), key=lambda item: item[1]["bytes"])
    terminalreporter.write_sep("-", "site check")
    terminalreporter.write_line(
        f"{len(pages)} pages, {total['equations']} equations typeset, "
        f"{total['widgets_rendered']}/{total['widget_outputs']} widgets rendered, "
        f"{total['controls_moved']} controls moved, {total['images']} images; largest page "
        f"{largest[0]} at {largest[1]['bytes'] / 1e6:.2f} MB"
    )
    wide = f"{total['wide_equations']} equations wider than the column at 1280 px"
    if PHONE_REPORT.exists() and PHONE_REPORT.stat().st_mtime >= STARTED:
        phone = json.loads(PHONE_REPORT.read_text())
        on_phone = sum(page["wide_equations"] for page in phone.values())
        wide += f", {on_phone} at 390 px (they scroll in their box)"
    cut = total["cut_off_equations"]
    terminalreporter.write_line(f"{wide}; {cut} cut off")
