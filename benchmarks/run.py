"""Benchmarks for optlib, the book's widgets and its build: one command, one table of ratios.

    .venv/bin/python benchmarks/run.py            # optlib; torch columns if torch imports
    .venv/bin/python benchmarks/run.py --book     # also time a full book build (1–2 min)
    .venv/bin/python benchmarks/run.py --against 386124a   # step_ now ÷ step_ at a revision

Every figure is a ratio of two timings taken side by side in the same run (the machines are
shared and noisy): optlib against torch.optim, against a memory-bandwidth floor measured on the
spot, batched against looped. Timings are medians of repeats. PyTorch is optional (never a
dependency): for its columns, run this script in an environment that also has
`pip install torch==2.13.0`.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

import optlib
from optlib import functions

ROOT = Path(__file__).resolve().parent.parent
RULES = {  # name -> (optlib optimizer, torch class and kwargs, arrays the rule must stream)
    "sgd+momentum": (optlib.sgd(lr=1e-3, momentum=0.9), ("SGD", {"lr": 1e-3, "momentum": 0.9}), 5),
    "rmsprop": (optlib.rmsprop(lr=1e-3), ("RMSprop", {"lr": 1e-3}), 5),
    "adam": (optlib.adam(lr=1e-3), ("Adam", {"lr": 1e-3}), 7),
    "adamw": (optlib.adamw(lr=1e-3), ("AdamW", {"lr": 1e-3}), 7),
    "radam": (optlib.radam(lr=1e-3), ("RAdam", {"lr": 1e-3}), 7),
}
MINIMUM_STATE = {"sgd+momentum": 1, "rmsprop": 1, "adam": 2, "adamw": 2, "radam": 2}
SIZES = (10**3, 10**5, 10**6, 10**7)
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def median_time(work: Callable[[], object], repeats: int) -> float:
    work()  # warm up (allocations, caches)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def repeats_for(size: int) -> int:
    return max(5, min(200, int(3e7 // size)))


def optlib_step_time(optimizer, size: int, in_place: bool) -> float:
    """One step of ``optimizer.step_`` (in place, as torch.optim) or ``optimizer.step`` (pure)."""
    rng = np.random.default_rng(0)
    params, grads = rng.standard_normal(size), rng.standard_normal(size)
    box = {"params": params, "state": optimizer.init(params)}
    step = optimizer.step_ if in_place else optimizer.step

    def one_step():
        box["params"], box["state"] = step(box["params"], grads, box["state"])

    return median_time(one_step, repeats_for(size))


def compute_floor(optimizer, size: int) -> float:
    """What ``step_`` would cost if memory were free: ``step`` on one block that stays in cache,
    times the number of blocks. NumPy runs the rule's operations one pass each (no fusion), so
    this is the least the rule can cost in NumPy, whatever the memory system."""
    block = min(size, optlib.optimizers.BLOCK)
    return optlib_step_time(optimizer, block, in_place=False) * size / block


def bandwidth_floor(size: int, arrays: int) -> float:
    """Time to stream `arrays` float64 arrays of `size` (each read or written once): copies
    between distinct pairs of arrays (a copy reads one and writes one), so that the working set
    is the rule's and does not sit in a cache the rule would overflow."""
    pairs = [(np.ones(size), np.empty(size)) for _ in range(arrays // 2)]

    def stream():
        for source, target in pairs:
            np.copyto(target, source)

    return median_time(stream, repeats_for(size)) * arrays / (2 * len(pairs))


def torch_step_time(torch, name: str, kwargs: dict, size: int, foreach: bool) -> float:
    params = torch.nn.Parameter(torch.randn(size, dtype=torch.float64))
    params.grad = torch.randn(size, dtype=torch.float64)
    optimizer = getattr(torch.optim, name)([params], foreach=foreach, **kwargs)
    with torch.no_grad():
        return median_time(optimizer.step, repeats_for(size))


STEP_HEADER = [
    "rule",
    "params",
    "step_ ms",
    "step_ ÷ floor",
    "step ÷ floor",
    "compute ÷ floor",
]
STEP_LEGEND = """
step_ is optlib's in-place step (the rule's own `step`, run block by block, as torch.optim
updates in place); step is the pure form the chapters call. floor: the time to stream the bytes
the rule must read and write once (NumPy copies of the same size). compute: `step` on one
cache-resident block times the number of blocks (memory for free; NumPy's unfused passes only).
torch 1 thread ÷ floor: how close compiled, fused kernels get on this machine."""
SWEEP_LEGEND = """
A single run passes one point, whose coordinates are NumPy scalars; a scalar's `x**2` calls C's
`pow`, which can differ from the array square `x*x` by an ulp. Batches of one take the array
path, so they equal the batched run exactly; single runs agree to the last column."""
TORCH_HEADER = [
    "torch 1 thread ÷ floor",
    "step_ ÷ torch single, 1 thread",
    "step_ ÷ torch foreach, 1 thread",
    "step_ ÷ torch single, default threads",
]


def step_throughput(torch) -> list[list[str]]:
    rows = []
    for rule, (optimizer, (torch_name, torch_kwargs), arrays) in RULES.items():
        for size in SIZES:
            in_place = optlib_step_time(optimizer, size, in_place=True)
            pure = optlib_step_time(optimizer, size, in_place=False)
            floor = bandwidth_floor(size, arrays)
            compute = compute_floor(optimizer, size)
            row = [rule, f"{size:.0e}", f"{in_place * 1e3:.3f}"]
            row += [f"{x / floor:.2f}" for x in (in_place, pure, compute)]
            if torch is not None:
                threads = torch.get_num_threads()
                torch.set_num_threads(1)
                single = torch_step_time(torch, torch_name, torch_kwargs, size, foreach=False)
                foreach = torch_step_time(torch, torch_name, torch_kwargs, size, foreach=True)
                torch.set_num_threads(threads)
                default = torch_step_time(torch, torch_name, torch_kwargs, size, foreach=False)
                row.append(f"{single / floor:.2f}")
                row += [f"{in_place / x:.2f}" for x in (single, foreach, default)]
            rows.append(row)
    return rows


def page_faults_per_step(work: Callable[[], object], steps: int = 10) -> float:
    """Minor page faults per call: fresh memory the operating system had to hand over."""
    try:
        import resource
    except ImportError:  # not on Windows
        return float("nan")
    work()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(steps):
        work()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / steps


def state_memory(torch, size: int = 10**6) -> list[list[str]]:
    rows = []
    params, grads = np.zeros(size), np.ones(size)
    big_grads = np.ones(10 * size)
    for rule, (optimizer, (torch_name, torch_kwargs), _) in RULES.items():
        state = optimizer.init(params)
        held = sum(x.nbytes for x in state if isinstance(x, np.ndarray)) / (8 * size)
        peaks = []
        for step in (optimizer.step, optimizer.step_):
            tracemalloc.start()
            step(params, grads, state)
            peaks.append(tracemalloc.get_traced_memory()[1] / (8 * size))
            tracemalloc.stop()
        row = [rule, f"{held:.0f}", str(MINIMUM_STATE[rule])] + [f"{p:.2f}" for p in peaks]
        for step in (optimizer.step, optimizer.step_):  # at 10⁷, in pages of the machine
            box = {"params": np.zeros(10 * size)}
            box["state"] = optimizer.init(box["params"])

            def one_step(step=step, box=box):
                box["params"], box["state"] = step(box["params"], big_grads, box["state"])

            row.append(f"{page_faults_per_step(one_step):.0f}")
        if torch is not None:
            tensor = torch.nn.Parameter(torch.zeros(10 * size, dtype=torch.float64))
            tensor.grad = torch.ones(10 * size, dtype=torch.float64)
            torch_optimizer = getattr(torch.optim, torch_name)(
                [tensor], foreach=False, **torch_kwargs
            )
            with torch.no_grad():
                row.append(f"{page_faults_per_step(torch_optimizer.step):.0f}")
        rows.append(row)
    return rows


def batched_sweep(settings: int = 10_000, steps: int = 500, looped: int = 200) -> list[str]:
    """All settings as one batched run against a Python loop over a subset of them."""
    rosenbrock = functions.rosenbrock
    lrs = np.geomspace(1e-5, 2e-3, settings)
    x0 = np.tile([-1.2, 1.0], (settings, 1))
    start = time.perf_counter()
    batch = optlib.minimize(rosenbrock, x0, optlib.sgd(lr=lrs, momentum=0.9), steps)
    batched_time = time.perf_counter() - start
    picks = np.linspace(0, settings - 1, looped).astype(int)
    start = time.perf_counter()
    singles = [
        optlib.minimize(rosenbrock, x0[i], optlib.sgd(lr=lrs[i], momentum=0.9), steps)
        for i in picks
    ]
    looped_time = (time.perf_counter() - start) * settings / looped
    # The same settings one at a time as batches of one: the same NumPy operations on one row.
    ones = [
        optlib.minimize(
            rosenbrock, x0[i : i + 1], optlib.sgd(lr=lrs[i : i + 1], momentum=0.9), steps
        )
        for i in picks
    ]
    bitwise = all(
        np.array_equal(batch.params[: len(one.params), i], one.params[:, 0], equal_nan=True)
        for i, one in zip(picks, ones, strict=True)
    )
    scalar_gap = max(
        float(np.nanmax(np.abs(batch.params[: len(one.params), i] - one.params)))
        for i, one in zip(picks, singles, strict=True)
    )
    return [
        f"{settings} × {steps}",
        f"{batched_time:.2f}",
        f"{looped_time:.1f}",
        f"{looped_time / batched_time:.0f}×",
        "yes" if bitwise else "NO",
        f"{scalar_gap:.1e}",
    ]


def widget_latency() -> list[list[str]]:
    """In the built book, the time from moving a slider to the new picture, per page."""
    html = ROOT / "_build" / "html"
    chromium = shutil.which("chromium")
    if not html.exists() or chromium is None:
        return [["(build the book and install chromium to measure)", "", ""]]
    sys.path.insert(0, str(ROOT / "_ext"))  # the site helpers shared with tests/test_site.py
    import http.server
    import threading
    from functools import partial

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return [["(needs playwright: run in the project's .venv)", "", "", ""]]
    from site_tools import (
        CHROMIUM_FLAGS,
        EXPLORERS_DRAWN,
        VISIBLE_PICTURE,
        VISIT_EXPLORERS,
        QuietHandler,
    )

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(QuietHandler, directory=str(html))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        for page in sorted(html.glob("chapters/*.html")):
            tab = browser.new_page()
            tab.goto(base + str(page.relative_to(html)), wait_until="networkidle")
            # explorers are drawn when the reader comes near them (_ext/assets/book-widgets.js)
            tab.evaluate(VISIT_EXPLORERS)
            tab.wait_for_function(EXPLORERS_DRAWN, timeout=120_000)
            latencies = []
            explorers = tab.locator(".widget-vbox:has(> .widget-slider):has(.widget-image)")
            for e in range(explorers.count()):
                explorer = explorers.nth(e)
                handle = explorer.locator(":scope > .widget-slider .noUi-handle").first
                for key in ("End", "Home", "End", "Home", "End"):
                    before = explorer.evaluate(VISIBLE_PICTURE)
                    handle.focus()
                    start = time.perf_counter()
                    tab.keyboard.press(key)
                    while explorer.evaluate(VISIBLE_PICTURE) == before:
                        if time.perf_counter() - start > 2:
                            break
                    latencies.append(time.perf_counter() - start)
            if latencies:
                rows.append(
                    [
                        page.stem,
                        str(explorers.count()),
                        f"{np.median(latencies) * 1e3:.0f}",
                        f"{max(latencies) * 1e3:.0f}",
                    ]
                )
            tab.close()
        browser.close()
    server.shutdown()
    return rows


BUILD_BUDGET = 180  # seconds, the whole book (issue #8)
CHAPTER_BUDGET = 20  # seconds of execution per chapter (README, "Writing a chapter")
CHAPTER_BUDGETS = {"chapters/capstone": 60}  # the capstone's 1,800 runs


def book_build() -> list[list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "book"
        shutil.copytree(
            ROOT, copy, ignore=shutil.ignore_patterns("_build", ".venv", "node_modules")
        )
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
        start = time.perf_counter()
        build = subprocess.run(
            [str(ROOT / ".venv/bin/jupyter-book"), "build", str(copy), "-W", "-n", "--keep-going"],
            capture_output=True,
            text=True,
            env=env,
        )
        total = time.perf_counter() - start
        if build.returncode:  # a timing of a broken build means nothing: say what broke
            warnings = [
                line
                for line in build.stderr.splitlines()
                if "WARNING" in line
                and "IPKernelApp" not in line  # a kernel's notice, not Sphinx's
            ]
            return [["(the build failed)", f"{total:.1f}", "", ""]] + [
                [line[:200], "", "", ""] for line in warnings[:10]
            ]
        page = (copy / "_build/html/chapters/execution.html").read_text()
    whole = ["(whole book)", f"{total:.1f}", f"{BUILD_BUDGET}", f"{total / BUILD_BUDGET:.2f}"]
    return [whole, *execution_rows(page)]


def execution_rows(page: str) -> list[list[str]]:
    """Each notebook's run time from the build's execution table (``{nb-exec-table}``)."""
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, flags=re.S):
        cells = [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td.*?</td>", row, flags=re.S)
        ]
        if len(cells) >= 4 and re.fullmatch(r"[\d.]+", cells[3]):
            budget = CHAPTER_BUDGETS.get(cells[0], CHAPTER_BUDGET)
            rows.append([cells[0], cells[3], str(budget), f"{float(cells[3]) / budget:.2f}"])
    return rows


AGAINST_RULES = {  # rules every revision of optlib has had, by their PyTorch constructor
    "sgd": "sgd(lr=1e-3)",
    "sgd+momentum": "sgd(lr=1e-3, momentum=0.9)",
    "adagrad": "adagrad()",
    "rmsprop": "rmsprop(lr=1e-3)",
    "adadelta": "adadelta()",
    "adam": "adam(lr=1e-3)",
    "adam+L2": "adam(lr=1e-3, weight_decay=1e-2)",
    "adamw": "adamw(lr=1e-3)",
    "nadam": "nadam()",
    "adamax": "adamax()",
    "radam": "radam(lr=1e-3)",
}
# Run in a fresh process whose optlib is the tree in its working directory: the median of
# `repeats` in-place steps (after 7 warm-up steps, past RAdam's first five).
AGAINST_SNIPPET = """
import sys, time, numpy as np, optlib
optimizer, size, repeats = eval("optlib." + sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)
params, grads = rng.standard_normal(size), rng.standard_normal(size)
state = optimizer.init(params)
times = []
for i in range(7 + repeats):
    start = time.perf_counter()
    params, state = optimizer.step_(params, grads, state)
    times.append(time.perf_counter() - start)
print(np.median(times[7:]))
"""


def against(revision: str, sizes: tuple[int, ...] = (10**6, 10**7), rounds: int = 6) -> list:
    """``step_`` of each rule now ÷ at ``revision`` (from ``git archive``): fresh processes for
    the two trees, alternating, ``rounds`` of each, the ratio of the medians."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", revision, "optlib"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        tarfile.open(fileobj=io.BytesIO(archive)).extractall(tmp, filter="data")
        trees = {"then": tmp, "now": str(ROOT)}
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": ""}
        rows = []
        for rule, constructor in AGAINST_RULES.items():
            row = [rule]
            for size in sizes:
                medians: dict[str, list[float]] = {"then": [], "now": []}
                for round_ in range(rounds):
                    for name in ("then", "now") if round_ % 2 == 0 else ("now", "then"):
                        result = subprocess.run(
                            [
                                sys.executable,
                                "-c",
                                AGAINST_SNIPPET,
                                constructor,
                                str(size),
                                str(max(5, 10**8 // (10 * size))),
                            ],
                            cwd=trees[name],
                            env=env,
                            capture_output=True,
                            text=True,
                            check=True,
                        )
                        medians[name].append(float(result.stdout))
                row.append(f"{np.median(medians['now']) / np.median(medians['then']):.2f}")
            rows.append(row)
    return rows


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def machine() -> str:
    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(
            f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads)"
            for i in threadpool_info()
        )
    except ImportError:
        blas = "unknown (pip install threadpoolctl to see it)"
    cpu = platform.processor() or platform.machine()
    try:
        cpu = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text()).group(1)
    except (OSError, AttributeError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"NumPy {np.__version__}; BLAS: {blas or 'none loaded'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", action="store_true", help="also time a full book build")
    parser.add_argument(
        "--against", metavar="REVISION", help="only: step_ now ÷ step_ at a git revision"
    )
    args = parser.parse_args()
    if args.against:
        print(f"Machine: {machine()}")
        print(f"\n## step_ now ÷ step_ at {args.against} (below 1: faster now)\n")
        print(table(["rule", "10⁶ params", "10⁷ params"], against(args.against)))
        return
    try:
        import torch

        torch.set_default_dtype(torch.float64)
    except ImportError:
        torch = None
    print(f"Machine: {machine()}" + (f"; torch {torch.__version__}" if torch else "; no torch"))
    header = STEP_HEADER + (TORCH_HEADER if torch is not None else [])
    print("\n## 1. Step throughput (ratios: below 1 means the first is faster)\n")
    print(table(header, step_throughput(torch)))
    print(STEP_LEGEND)
    print("\n## 2. State memory, in float64 arrays the size of the parameters (10⁶)\n")
    print(f"(one array of 10⁷ float64 is {10**7 * 8 // PAGE_SIZE} pages)\n")
    print(
        table(
            [
                "rule",
                "held in state",
                "minimum the rule needs",
                "peak allocated by step",
                "peak allocated by step_",
                "page faults per step at 10⁷: step",
                "step_",
            ]
            + (["torch single"] if torch is not None else []),
            state_memory(torch),
        )
    )
    print("\n## 3. Batched sweep on Rosenbrock (SGD with momentum, one learning rate each)\n")
    print(
        table(
            [
                "settings × steps",
                "batched s",
                "looped s (extrapolated)",
                "speed-up",
                "batched = looped batches of one, bit for bit",
                "max |batched − looped single runs|",
            ],
            [batched_sweep()],
        )
    )
    print(SWEEP_LEGEND)
    print("\n## 4. Widget latency in the built book (slider moved → new picture)\n")
    print(table(["chapter", "explorers", "median ms", "worst ms"], widget_latency()))
    if args.book:
        print("\n## 5. Book build (seconds)\n")
        print(table(["document", "seconds", "budget", "÷ budget"], book_build()))


if __name__ == "__main__":
    main()
