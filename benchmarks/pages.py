"""How heavy is a page: two builds of the book opened side by side, before and after a change.

    .venv/bin/python benchmarks/pages.py --before OLD/_build/html --after _build/html
    .venv/bin/python benchmarks/pages.py --before A --after B --rounds 3 --pages index.html

Each build is served from its own local server (in this process). Headless Chromium (Debian's,
as in the site check) opens every page at 1280×800 in a fresh profile (nothing cached),
alternating before and after, `--rounds` times each. Per load it records the bytes the local
server sent (bodies and headers, as Chromium counts them), the number of requests, and the time
to first text: the first contentful paint (Chromium's paint timing; on these pages the first
thing painted is text, the header and the title). A load ends when the network has been idle
for half a second and one more second has passed (load and settle, no scrolling). After the last
round each page is scrolled to each of its explorers, in each build, for the weight a reader
pays who opens them all. Figures are medians; times are given only as ratios, after ÷ before,
taken in the same run on the same machine (shared and noisy machines give noisy absolute times).
Prints a Markdown table: the performance page's "How heavy is a page".
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import platform
import shutil
import statistics
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
from site_tools import (  # noqa: E402
    CHROMIUM_FLAGS,
    EXPLORERS_DRAWN,
    VISIT_EXPLORERS,
    QuietHandler,
    bytes_sent,
)

VIEWPORT = {"width": 1280, "height": 800}
FIRST_TEXT = "() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null"


class CountingHandler(QuietHandler):
    def copyfile(self, source, outputfile) -> None:
        # The bytes of each file served, by path, counted at the server: a web worker's
        # requests (the lite site's kernel) included, which the page's own events do not see.
        start = source.tell()
        super().copyfile(source, outputfile)
        self.server.sent[self.path.split("?")[0]] = source.tell() - start


class LocalServer(http.server.ThreadingHTTPServer):
    sent: dict[str, int]

    def handle_error(self, request, client_address) -> None:
        # A browser context closed mid-download (the lite site's wheels) is not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(CountingHandler, directory=str(folder))
    httpd = LocalServer(("127.0.0.1", 0), handler)
    httpd.sent = {}
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


def load(browser, server: str, page: str, explorers: bool = False) -> dict:
    """One cold load of `page`: bytes and requests from the local server, first text (ms); with
    `explorers`, also the bytes once every explorer has been scrolled to."""
    context = browser.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    sent = bytes_sent(tab, server)
    missing: list[str] = []
    tab.on("response", lambda r: r.status >= 400 and missing.append(f"{r.status} {r.url}"))
    tab.goto(server + page, wait_until="load", timeout=120_000)
    tab.wait_for_load_state("networkidle", timeout=120_000)
    tab.wait_for_timeout(1000)
    result = {
        "bytes": sum(sent.values()),
        "requests": len(sent),
        "first_text": tab.evaluate(FIRST_TEXT),
        "missing": missing,
    }
    if explorers:
        result["explorers"] = tab.evaluate(VISIT_EXPLORERS)
        tab.wait_for_function(EXPLORERS_DRAWN, timeout=120_000)
        tab.wait_for_timeout(1000)
        result["bytes_all_explorers"] = sum(sent.values())
    context.close()
    return result


def default_pages(before: Path, after: Path) -> list[str]:
    chapters = sorted(
        str(path.relative_to(after))
        for path in (after / "chapters").glob("*.html")
        if (before / path.relative_to(after)).exists()
    )
    return ["index.html", *chapters]


def machine(browser) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0))
    return f"{cpu}, {cores} cores, Chromium {browser.version} headless, Python http.server"


def measure(before: Path, after: Path, pages: list[str], rounds: int) -> tuple[dict, str]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    servers = {name: serve(folder) for name, folder in (("before", before), ("after", after))}
    loads: dict[tuple[str, str], list[dict]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        for page in pages:
            for _ in range(rounds):
                for name in ("before", "after"):  # alternate: drift hits both alike
                    loads.setdefault((page, name), []).append(load(browser, servers[name][1], page))
            for name in ("before", "after"):
                loads[(page, name)].append(load(browser, servers[name][1], page, explorers=True))
            print(f"measured {page}", file=sys.stderr)
        where = machine(browser)
        browser.close()
    for httpd, _ in servers.values():
        httpd.shutdown()
    return loads, where


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def table(loads: dict, pages: list[str]) -> str:
    rows = [
        "| page | transferred before → after (MB) | after ÷ before | requests before → after "
        "| first text, after ÷ before | all explorers opened, after (MB) |",
        "|---|---|---|---|---|---|",
    ]
    for page in pages:
        # the explorers' load is the extra one: the table's medians are of the cold loads
        cold = {name: loads[(page, name)][:-1] for name in ("before", "after")}
        full = {name: loads[(page, name)][-1] for name in ("before", "after")}
        weight = {name: median([r["bytes"] for r in cold[name]]) for name in cold}
        requests = {name: median([r["requests"] for r in cold[name]]) for name in cold}
        text = {
            name: median([r["first_text"] for r in cold[name] if r["first_text"] is not None])
            for name in cold
        }
        rows.append(
            f"| {page} | {weight['before'] / 1e6:.2f} → {weight['after'] / 1e6:.2f} "
            f"| {weight['after'] / weight['before']:.2f} "
            f"| {requests['before']:.0f} → {requests['after']:.0f} "
            f"| {text['after'] / text['before']:.2f} "
            f"| {full['after']['bytes_all_explorers'] / 1e6:.2f} |"
        )
    return "\n".join(rows)


def summary(loads: dict, pages: list[str]) -> str:
    after = [r for page in pages for r in loads[(page, "after")][:-1]]
    heaviest = max(pages, key=lambda p: median([r["bytes"] for r in loads[(p, "after")][:-1]]))
    ratios = [
        median([r["first_text"] for r in loads[(page, "after")][:-1]])
        / median([r["first_text"] for r in loads[(page, "before")][:-1]])
        for page in pages
    ]
    slowest = max(median([r["first_text"] for r in loads[(page, "after")][:-1]]) for page in pages)
    missing = sorted({m for rs in loads.values() for r in rs for m in r["missing"]})
    return (
        f"heaviest page after: {heaviest} at "
        f"{median([r['bytes'] for r in loads[(heaviest, 'after')][:-1]]) / 1e6:.2f} MB; "
        f"first text after ÷ before: median {statistics.median(ratios):.2f}, "
        f"range {min(ratios):.2f}–{max(ratios):.2f}; slowest first text after: "
        f"{slowest / 1000:.2f} s (this machine, {len(after)} loads after); "
        f"failed requests: {missing or 'none'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="a built _build/html")
    parser.add_argument("--after", type=Path, required=True, help="another built _build/html")
    parser.add_argument("--rounds", type=int, default=5, help="cold loads per page and build")
    parser.add_argument("--pages", nargs="*", help="pages to open (default: home and chapters)")
    args = parser.parse_args()
    for folder in (args.before, args.after):
        if not (folder / "index.html").exists():
            raise SystemExit(f"pages.py: no built book in {folder} (no index.html)")
    if args.rounds < 1:
        raise ValueError(f"--rounds must be at least 1, got {args.rounds}")
    pages = args.pages or default_pages(args.before, args.after)
    loads, where = measure(args.before, args.after, pages, args.rounds)
    print(f"Machine: {where}; {args.rounds} cold loads per page and build, alternating.\n")
    print(table(loads, pages))
    print()
    print(summary(loads, pages))


if __name__ == "__main__":
    main()
