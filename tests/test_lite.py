"""The shortest chapter, run to the end in the reader's browser (the lite site of _ext/lite.py);
every chapter with `LITE_CHAPTERS=all` (`make test-browser`), or those named (`=sgd,adam`).

From the chapter's page in the built book (served on 127.0.0.1) we follow its "Run in your
browser" link in a fresh headless Chromium (an empty cache, as a first visit), wait for the
Pyodide kernel to answer, run all cells, and assert: every code cell executed, no error and no
stderr output, and not one request to anything but the local server (pages, the service
worker and the kernel's web worker alike; anything else is aborted and reported). The times
to a ready kernel and to the last cell are written to `_build/lite-check.json` (one entry per
chapter) and printed. Where the chapter has an explorer, moving its control must change its
picture.

Skipped, with the reason _ext/lite.py gave, when the book was built without the lite site.
"""

from __future__ import annotations

import json
import os
import time
import zipfile
from pathlib import Path
from urllib.parse import urljoin, urlparse

import lite  # _ext/lite.py (tests/conftest.py puts _ext/ on the path)
import pytest
from site_tools import VISIBLE_PICTURE

ROOT = Path(__file__).resolve().parent.parent
HTML = Path(os.environ.get("SITE_HTML", ROOT / "_build" / "html"))  # as tests/conftest.py serves
REPORT = HTML.parent / "lite-check.json"
STATUS = ROOT / "_build" / "lite-cache" / "status.json"
# The shortest chapter by the book build's own times (chapters/performance.md: 9.9 s natively).
SHORTEST = "map"
NOTEBOOKS = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
WANTED = os.environ.get("LITE_CHAPTERS", SHORTEST)
CHAPTERS = NOTEBOOKS if WANTED == "all" else [name.strip() for name in WANTED.split(",")]
RUN_ALL_BUDGET_S = 15 * 60  # 2 shared cores; the prototype took 63-223 s per chapter
# What a first import of matplotlib logs in a new browser runtime (no font cache yet): not a
# problem of the chapter, and the only stderr allowed.
FONT_CACHE_NOTE = "Matplotlib is building the font cache; this may take a moment.\n"

# window.jupyterapp (jupyter-lite.json's exposeAppInBrowser) is the Notebook app; its current
# widget is the notebook the link opened.
NOTEBOOK = "window.jupyterapp?.shell?.currentWidget"
KERNEL_READY = f"""async () => {{
  const panel = {NOTEBOOK};
  await panel.sessionContext.ready;
  const kernel = panel.sessionContext.session.kernel;
  await kernel.requestExecute({{code: 'pass'}}).done;
  return kernel.name;
}}"""
# started, not awaited: _wait_until_done watches the cells
RUN_ALL = "() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
CELLS = f"""() => {{
  const cells = [];
  for (const cell of {NOTEBOOK}.content.model.cells) {{
    if (cell.type !== 'code') continue;
    const outputs = [];
    for (let i = 0; i < cell.outputs.length; i++) outputs.push(cell.outputs.get(i).toJSON());
    cells.push({{count: cell.executionCount, source: cell.sharedModel.getSource(), outputs}});
  }}
  return cells;
}}"""


def lite_status() -> dict:
    try:
        return json.loads(STATUS.read_text())
    except (OSError, ValueError):
        return {}


def problems_in(cells: list[dict]) -> list[str]:
    found = []
    for n, cell in enumerate(cells, 1):
        head = cell["source"].strip().splitlines()[:1]
        where = f"code cell {n} ({head[0][:60] if head else 'empty'!r})"
        if cell["source"].strip() and cell["count"] is None:
            found.append(f"{where} did not run")
        for output in cell["outputs"]:
            if output["output_type"] == "error":
                found.append(f"{where}: {output['ename']}: {output['evalue']}")
            elif output["output_type"] == "stream" and output["name"] == "stderr":
                text = "".join(output["text"]).replace(FONT_CACHE_NOTE, "")
                if text:
                    found.append(f"{where} wrote to stderr: {text[:300]}")
    return found


@pytest.fixture(scope="module")
def report():
    results: dict[str, dict] = {}
    yield results
    if results:
        REPORT.write_text(json.dumps(results, indent=1))


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_runs_to_the_end_in_the_browser(request, report, name):
    chapter = f"chapters/{name}"
    if not (HTML / "lite" / "notebooks" / "index.html").exists():
        reason = lite_status().get("reason", "`make book` has not built it")
        pytest.skip(f"no lite site in {HTML}: {reason}")
    server = request.getfixturevalue("server")
    browser = request.getfixturevalue("browser")
    local = urlparse(server).netloc

    chapter_page = HTML / f"{chapter}.html"
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    requests, outside, failures = [], [], []

    def only_local(route):
        url = route.request.url
        if urlparse(url).netloc == local or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", only_local)
    context.on("request", lambda r: requests.append(r.url))
    context.on("requestfailed", lambda r: failures.append(f"{r.url} {r.failure}"))
    tab = context.new_page()
    tab.set_default_timeout(120_000)
    try:
        tab.goto(server + f"{chapter}.html")
        link = tab.locator("a", has_text="Run in your browser")
        assert link.count() == 1, f"{chapter_page.name} has no 'Run in your browser' link"
        target = urljoin(server + f"{chapter}.html", link.get_attribute("href"))
        assert target.endswith(f"?path={chapter}.ipynb"), target

        started = time.monotonic()
        tab.goto(target)
        tab.wait_for_function(f"() => {NOTEBOOK}?.sessionContext?.session?.kernel")
        kernel = tab.evaluate(KERNEL_READY)
        ready = time.monotonic() - started

        started = time.monotonic()
        tab.evaluate(RUN_ALL)
        _wait_until_done(tab)
        run_all = time.monotonic() - started
        cells = tab.evaluate(CELLS)
        moved = move_a_widget(tab)
    finally:
        context.close()

    report[name] = {
        "kernel": kernel,
        "kernel_ready_s": round(ready, 1),
        "run_all_s": round(run_all, 1),
        "code_cells": len(cells),
        "widget_moved": moved,
        "requests": len(requests),
        "outside": outside,
        "site_bytes": lite_status().get("size_bytes"),
    }
    print(
        f"\nlite: {chapter} kernel ready in {ready:.1f} s, all {len(cells)} code cells in "
        f"{run_all:.1f} s, {len(requests)} requests"
    )
    assert not outside, f"requests left 127.0.0.1: {outside[:10]}"
    promised = lite_status().get("first_start_seconds")
    assert promised is None or ready <= promised, (
        f"the kernel took {ready:.0f} s; the button promises at most {promised} s "
        "(_ext/lite.py's FIRST_START_SECONDS)"
    )
    problems = problems_in(cells)
    assert not problems, "\n".join(problems)
    assert not failures, f"failed requests: {failures[:10]}"
    assert moved is not False, "the explorer did not change its picture when its control moved"


def _wait_until_done(tab) -> None:
    """Until every code cell has run, or the kernel went idle after an error (then the rest
    never will: problems_in reports them)."""
    deadline = time.monotonic() + RUN_ALL_BUDGET_S
    while time.monotonic() < deadline:
        state = tab.evaluate(f"""() => {{
          const cells = [...{NOTEBOOK}.content.model.cells].filter(c => c.type === 'code');
          const errored = cells.some(c => [...Array(c.outputs.length).keys()]
            .some(i => c.outputs.get(i).type === 'error'));
          const waiting = cells.filter(c => c.executionCount === null
            && c.sharedModel.getSource().trim()).length;
          return {{idle: {NOTEBOOK}.sessionContext.session.kernel.status === 'idle',
                   errored, waiting}};
        }}""")
        if state["idle"] and (state["waiting"] == 0 or state["errored"]):
            return
        time.sleep(2)
    pytest.fail(f"the chapter did not finish within {RUN_ALL_BUDGET_S} s")


def move_a_widget(tab) -> bool | None:
    """Move the first explorer's control (a drop-down or a slider) one step: does its picture
    change? (None: the chapter has no explorer.) Its frames were drawn when the cell ran and the
    control shows another (jslink): this needs the lite site's widget manager to render and
    link the kernel's widgets."""
    control = ".widget-dropdown select, .widget-slider"
    if not tab.locator(control).count():
        return None
    # Cells out of view are not laid out (JupyterLab's windowed notebook): scroll to the cell.
    tab.evaluate(
        f"""async (control) => {{
          const notebook = {NOTEBOOK}.content;
          const index = notebook.widgets.findIndex(cell => cell.node.querySelector(control));
          await notebook.scrollToItem(index, 'center');
        }}""",
        control,
    )
    tab.wait_for_timeout(1000)
    area = tab.locator(".jp-OutputArea-output", has=tab.locator(control)).first
    area.scroll_into_view_if_needed()
    before = area.evaluate(VISIBLE_PICTURE)
    if area.locator(".widget-dropdown select").count():
        area.locator(".widget-dropdown select").first.select_option(index=1)
    else:
        area.locator(".widget-slider .noUi-handle").first.focus()
        tab.keyboard.press("End")  # the slider's last setting, as tests/test_site.py moves it
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        after = area.evaluate(VISIBLE_PICTURE)
        if after is not None and after != before:
            return True
        time.sleep(0.5)
    return False


# The build's checks, without a browser (fast; they need node_modules/pyodide only for the lock).


def test_a_wheel_that_does_not_match_the_official_lock_is_refused(tmp_path, monkeypatch):
    if not (lite.NPM_PYODIDE / "pyodide-lock.json").exists():
        pytest.skip("node_modules/pyodide is not installed (`make assets`)")
    official = json.loads((lite.NPM_PYODIDE / "pyodide-lock.json").read_text())
    carrier = tmp_path / lite.CARRIER.file_name
    with zipfile.ZipFile(carrier, "w") as archive:
        for name in lite.closure(official, lite.NEEDED):
            entry = official["packages"][name]
            archive.writestr(lite.CARRIER_FOLDER + entry["file_name"], b"not the real wheel")
    monkeypatch.setattr(lite, "CACHE", tmp_path)
    monkeypatch.setattr(lite, "download", lambda pinned, folder: carrier)
    with pytest.raises(lite.MissingInputError, match="'s lock says"):
        lite.gather_pyodide(tmp_path / "pyodide")


def test_the_myst_nb_stand_in_shows_glued_values(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(lite, "CACHE", tmp_path)
    wheel = tmp_path / "myst_nb-0.0.0+book-py3-none-any.whl"
    wheel.write_bytes(
        lite.wheel_bytes({"myst_nb/__init__.py": lite.MYST_NB_SHIM}, "myst_nb", "0.0.0+book")
    )
    with zipfile.ZipFile(wheel) as archive:
        assert "myst_nb-0.0.0+book.dist-info/RECORD" in archive.namelist()
        source = archive.read("myst_nb/__init__.py").decode()
    namespace: dict = {}
    exec(compile(source, "myst_nb/__init__.py", "exec"), namespace)
    namespace["glue"]("steps", 12, display=False)
    assert capsys.readouterr().out == "steps = 12\n"
