"""A chapter run to the end in the reader's browser: the lite site opened from the chapter's
page in headless Chromium, its kernel awaited, all cells run, what they printed read back.

Shared by tests/test_lite.py (which asserts on the result) and benchmarks/browser.py (which also
times the same chapter natively). Only the local server is allowed: every other request is
aborted and listed in the result's `outside`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlparse

from site_tools import VISIBLE_PICTURE

# What a first import of matplotlib logs in a new browser runtime (no font cache yet): not a
# problem of the chapter, and the only stderr allowed.
FONT_CACHE_NOTE = "Matplotlib is building the font cache; this may take a moment.\n"
RUN_ALL_BUDGET_S = 15 * 60  # 2 shared cores; the slowest chapter took 3-4 min

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
# started, not awaited: wait_until_done watches the cells
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


@dataclass
class BrowserRun:
    """What one chapter did in the browser runtime."""

    chapter: str
    link: str = ""  # the page's "Run in your browser" href, "" when there was none
    kernel: str = ""
    kernel_ready_s: float = float("nan")  # from following the link to a kernel that answers
    run_all_s: float = float("nan")  # from "run all" to the last cell done
    cells: list[dict] = field(default_factory=list)
    widget_moved: bool | None = None  # None: the chapter has no explorer
    requests: int = 0
    outside: list[str] = field(default_factory=list)  # aborted: not to the local server
    failures: list[str] = field(default_factory=list)  # requests that failed

    @property
    def problems(self) -> list[str]:
        return problems_in(self.cells)


def run_chapter(browser, server: str, chapter: str, budget_s: float = RUN_ALL_BUDGET_S):
    """Open `chapter` (e.g. "chapters/map") from its page, in a fresh context (an empty cache:
    a first visit), follow its "Run in your browser" link and run every cell."""
    local = urlparse(server).netloc
    run = BrowserRun(chapter)
    context = browser.new_context(viewport={"width": 1280, "height": 800})

    def only_local(route):
        url = route.request.url
        if urlparse(url).netloc == local or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            run.outside.append(url)
            route.abort()

    def count(_request) -> None:
        run.requests += 1

    context.route("**/*", only_local)
    context.on("request", count)
    context.on("requestfailed", lambda r: run.failures.append(f"{r.url} {r.failure}"))
    tab = context.new_page()
    tab.set_default_timeout(120_000)
    try:
        tab.goto(server + f"{chapter}.html")
        link = tab.locator("a", has_text="Run in your browser")
        if link.count() != 1:
            return run
        run.link = urljoin(server + f"{chapter}.html", link.get_attribute("href"))
        started = time.monotonic()
        tab.goto(run.link)
        tab.wait_for_function(f"() => {NOTEBOOK}?.sessionContext?.session?.kernel")
        run.kernel = tab.evaluate(KERNEL_READY)
        run.kernel_ready_s = time.monotonic() - started

        started = time.monotonic()
        tab.evaluate(RUN_ALL)
        wait_until_done(tab, budget_s)
        run.run_all_s = time.monotonic() - started
        run.cells = tab.evaluate(CELLS)
        run.widget_moved = move_a_widget(tab)
    finally:
        context.close()
    return run


def wait_until_done(tab, budget_s: float) -> None:
    """Until every code cell has run, or the kernel went idle after an error (then the rest
    never will: problems_in reports them)."""
    deadline = time.monotonic() + budget_s
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
    raise TimeoutError(f"the chapter did not finish within {budget_s:.0f} s")


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
