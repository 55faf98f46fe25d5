"""The chapters in the reader's browser against the same chapters natively, side by side.

    .venv/bin/python benchmarks/browser.py                       # every chapter, the built book
    .venv/bin/python benchmarks/browser.py --chapters map,sgd --html OTHER/_build/html

For each chapter in turn, first natively — a Jupyter kernel of this environment runs the
chapter's notebook from `chapters/` (nbclient, one BLAS thread, as the book build runs it) —
then in the browser runtime: headless Chromium opens the chapter's page in the built book on a
local server, follows its "Run in your browser" link with an empty cache (a first visit), waits
for the Pyodide kernel and runs all cells (_ext/lite_browser.py, the run tests/test_lite.py
checks; here too every cell must run with no error or stderr and no request may leave
127.0.0.1). Alternating keeps a shared machine's drift out of the ratios.

Times: the run of all cells, from the first cell started to the last finished (natively, from
the kernel's own timestamps; in the browser, from "run all" to the last cell done), kernel start
excluded on both sides; and, in the browser, the cold start: from following the link to a kernel
that answers. Prints a Markdown table (the performance page's "In the reader's browser") and
writes `_build/lite-bench.json`; exits non-zero if a chapter failed its checks in the browser.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from lite_browser import run_chapter  # noqa: E402
from pages import serve  # noqa: E402
from site_tools import CHROMIUM_FLAGS  # noqa: E402


def native_run_all(name: str) -> float:
    """Seconds from the first cell started to the last finished, in a kernel of this Python."""
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = "1"  # as the Makefile
    notebook = nbformat.read(ROOT / "chapters" / f"{name}.ipynb", as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        record_timing=True,
        resources={"metadata": {"path": str(ROOT / "chapters")}},
    )
    client.execute()
    stamps = [
        cell.metadata["execution"]
        for cell in notebook.cells
        if cell.cell_type == "code" and "execution" in cell.metadata
    ]
    first = min(s["iopub.execute_input"] for s in stamps)
    last = max(s["shell.execute_reply"] for s in stamps)
    return (parse(last) - parse(first)).total_seconds()


def parse(stamp: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def site_megabytes(html: Path) -> float:
    return sum(f.stat().st_size for f in (html / "lite").rglob("*") if f.is_file()) / 1e6


def commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip() or "unknown"


def table(rows: list[dict]) -> str:
    lines = [
        "| chapter | natively (s) | in the browser (s) | browser ÷ native | cold start (s) |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['chapter']} | {row['native_s']:.1f} | {row['browser_s']:.1f} | "
            f"{row['ratio']:.1f} | {row['kernel_ready_s']:.1f} |"
        )
    return "\n".join(lines)


PASSED = (
    "Every chapter ran every cell in the browser with no error, no stderr and no request off "
    "127.0.0.1."
)


def summary(rows: list[dict], html: Path, measured: str) -> str:
    ratios = [row["ratio"] for row in rows]
    starts = [row["kernel_ready_s"] for row in rows]
    fetched = [row["megabytes"] for row in rows]
    failed = [row["chapter"] for row in rows if row["problems"]]
    loads = [row["load_before"] for row in rows]
    return (
        f"{len(rows)} chapters, commit {measured}, {datetime.date.today()}; lite site "
        f"{site_megabytes(html):.1f} MB. Browser ÷ native: median "
        f"{statistics.median(ratios):.1f}, {min(ratios):.1f}–{max(ratios):.1f}. Cold start: "
        f"median {statistics.median(starts):.1f} s, {min(starts):.1f}–{max(starts):.1f} s. "
        f"Fetched on a first visit: {min(fetched):.1f}–{max(fetched):.1f} MB. "
        f"Load average before a chapter: {min(loads):.1f}–{max(loads):.1f}. "
        + (f"FAILED in the browser: {', '.join(failed)}." if failed else PASSED)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--chapters", default="all", help="all, or names: map,sgd")
    args = parser.parse_args()
    names = (
        sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
        if args.chapters == "all"
        else [name.strip() for name in args.chapters.split(",")]
    )
    if not (args.html / "lite" / "notebooks" / "index.html").exists():
        sys.exit(f"no lite site in {args.html}: run `make book` first")

    from playwright.sync_api import sync_playwright

    measured = commit()  # before the run: a commit made while it runs is not what it measured
    httpd, server = serve(args.html)
    rows = []
    with sync_playwright() as playwright:
        executable = shutil.which("chromium") or "/usr/bin/chromium"
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        for name in names:
            load = os.getloadavg()[0]  # how busy the shared machine was (2 cores here)
            native = native_run_all(name)
            httpd.sent.clear()
            run = run_chapter(browser, server, f"chapters/{name}")
            fetched = sum(n for path, n in httpd.sent.items() if path.startswith("/lite/"))
            problems = run.problems + [f"left 127.0.0.1: {url}" for url in run.outside]
            if not run.link:
                problems.append("no 'Run in your browser' link")
            rows.append(
                {
                    "chapter": name,
                    "native_s": round(native, 2),
                    "browser_s": round(run.run_all_s, 2),
                    "ratio": round(run.run_all_s / native, 2),
                    "kernel_ready_s": round(run.kernel_ready_s, 2),
                    "megabytes": round(fetched / 1e6, 2),
                    "code_cells": len(run.cells),
                    "widget_moved": run.widget_moved,
                    "problems": problems,
                    "load_before": round(load, 2),
                }
            )
            print(
                f"{name}: native {native:.1f} s, browser {run.run_all_s:.1f} s "
                f"({run.run_all_s / native:.1f}×), cold start {run.kernel_ready_s:.1f} s"
                + (f" — {len(problems)} problems: {problems[:3]}" if problems else ""),
                flush=True,
            )
        browser.close()
    httpd.shutdown()
    (ROOT / "_build" / "lite-bench.json").write_text(
        json.dumps({"machine": platform.platform(), "commit": measured, "rows": rows}, indent=1)
    )
    print()
    print(table(rows))
    print()
    print(summary(rows, args.html, measured))
    if any(row["problems"] for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
