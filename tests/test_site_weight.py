"""Page weight: what a reader's browser fetches to show a page.

The site check: every built page opened at 1280×800 from the local server, as a reader meets it
(load, then the network idle and one more second, no scrolling), transfers at most 4 MB from
that server, counted from its responses (bodies and headers, as Chromium counts them), with no
failed request and no 404. Explorers' frames and the widget manager are loaded only when an
explorer comes near the screen (_ext/assets/book-widgets.js), so a page pays for them only if
the reader goes there; the weight after scrolling to every explorer is reported, not asserted,
in `_build/site-weight.json`. On the pages with explorers, once every explorer is drawn, the
widget manager's Font Awesome faces are loaded too: none may 404 (they once were looked up in
chapters/@jupyter-widgets/).

The build steps behind it (_ext/book_assets.py, _ext/vendor_assets.py) are checked on small
inputs first: the widget state split into explorers, Font Awesome cut to the icons in use, the
ipywidgets 7 modules split off the widget manager. Uses the built book and the session fixtures
`server` and `browser` (tests/conftest.py).
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
from conftest import SITE
from site_tools import EXPLORERS_DRAWN, VISIT_EXPLORERS, WIDGET_VIEWS, bytes_sent
from test_site import DESKTOP, PAGES

ROOT = Path(__file__).resolve().parent.parent
HTML = SITE  # _build/html, or the build named by $SITE_HTML
REPORT = SITE.parent / "site-weight.json"
BUDGET = 4_000_000  # bytes, the "≤ 4 MB"
LOAD_WIDGET_FONTS = """() => Promise.allSettled([...document.fonts]
  .filter(face => /Font Awesome 5|FontAwesome/.test(face.family)).map(face => face.load()))"""


def load_ext(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "_ext" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


book_assets = load_ext("book_assets")
vendor_assets = load_ext("vendor_assets")


def model(name: str, **state) -> dict:
    return {"model_name": name, "model_module": "@jupyter-widgets/controls", "state": state}


def test_widget_state_splits_into_explorers_with_their_links():
    state = {
        "a": model("VBox", children=["IPY_MODEL_b", "IPY_MODEL_c"], layout="IPY_MODEL_l1"),
        "b": model("IntSlider", layout="IPY_MODEL_l2"),
        "c": model("Stack", children=[]),
        "link": model("Link", source=["IPY_MODEL_b", "value"], target=["IPY_MODEL_c", "index"]),
        "l1": model("Layout"),
        "l2": model("Layout"),
        "x": model("HTML", layout="IPY_MODEL_l3"),
        "l3": model("Layout"),
        "orphan": model("Layout"),  # shown nowhere: dropped
    }
    groups = book_assets.explorers(state, ["a", "x"])
    assert sorted((sorted(models), views) for models, views in groups) == [
        (["a", "b", "c", "l1", "l2", "link"], ["a"]),
        (["l3", "x"], ["x"]),
    ]
    # two views of one connected group share one state (one manager: the link keeps working)
    assert [views for _, views in book_assets.explorers(state, ["a", "b"])] == [["a", "b"]]


FONT_AWESOME = (
    'var p={bars:[448,512,["navicon"],"f0c9","M0 96z"],"file-pdf":[512,512,[],"f1c1",'
    '"M64 0z"],xmark:[384,512,[128473,10005,"close","times"],"f00d","M342 150z"]};'
    'core();var p={github:[496,512,[],"f09b","M165 396z"],gitlab:[512,512,[],"f296",'
    '"M503 1z"]};more();\n//# sourceMappingURL=fontawesome.js.map\n'
)


def test_font_awesome_keeps_the_icons_in_use_and_the_code_around_them():
    subset = book_assets.icon_subset(FONT_AWESOME, {"navicon", "github", "times", "solid"})
    assert re.findall(r"([\w\"-]+):\[\d+", subset) == ["bars", "xmark", "github"]
    assert "core();" in subset and "more();" in subset and "sourceMappingURL" not in subset
    with pytest.raises(ValueError, match="no Font Awesome icon packs"):
        book_assets.icon_subset("core();", {"bars"})


def test_the_theme_font_awesome_subset_has_every_icon_the_pages_name():
    built = HTML / "_static" / "scripts" / "fontawesome.js"
    if not built.exists():
        pytest.fail("the book is not built: run `make book`")
    script = built.read_text(encoding="utf-8")
    icons = set(re.findall(r"([\w$\"-]+):\[\d+,\d+,\[", script))
    named = {icon.strip('"') for icon in icons}
    for page in HTML.rglob("*.html"):
        for classes in re.findall(r'<i class="([^"]*)"', page.read_text(encoding="utf-8")):
            icon = [c[3:] for c in classes.split() if c.startswith("fa-")]
            icon = [c for c in icon if c not in {"solid", "regular", "brands", "lg", "fw"}]
            assert not icon or icon[0] in named, f"{page.name}: icon {icon[0]} not in the subset"
    assert len(script) < 200_000, f"fontawesome.js is {len(script) / 1e6:.1f} MB"


def test_the_ipywidgets_7_modules_leave_the_widget_manager():
    bundle = (
        "/*! For license information please see base.js.LICENSE.txt */\n"
        'define("@jupyter-widgets/base",["module"],x);\n//# sourceMappingURL=base.js.map;\n\n'
        "/*! For license information please see base7.js.LICENSE.txt */\n"
        'define("@jupyter-widgets/base7",["module"],y);\n\n'
        "/*! For license information please see controls7.js.LICENSE.txt */\n"
        'define("@jupyter-widgets/controls7",["module"],z);\n\n'
        '(()=>{window.require(["x"],render)})();\n'
    )
    kept, legacy = vendor_assets.split_legacy(bundle)
    assert sorted(legacy) == ["base7", "controls7"]
    assert "base7" not in kept and "controls7" not in kept
    assert 'define("@jupyter-widgets/base",' in kept and "render" in kept
    assert len(kept) + sum(len(module) for module in legacy.values()) == len(bundle)
    with pytest.raises(SystemExit):
        vendor_assets.split_legacy(bundle.replace("controls7", "controls8"))


@pytest.fixture(scope="module")
def report(request):
    weights: dict[str, dict] = {}
    yield weights
    if not weights:
        return
    REPORT.write_text(json.dumps(weights, indent=1))
    plugins = request.config.pluginmanager
    terminal, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if terminal is not None and capture is not None:
        opened = max(weights.items(), key=lambda item: item[1]["bytes"])
        full = max(weights.items(), key=lambda item: item[1]["bytes_all_explorers"])
        with capture.global_and_fixture_disabled():  # a report line, not captured output
            terminal.write_line(
                f"\npage weight: heaviest on opening {opened[0]} at "
                f"{opened[1]['bytes'] / 1e6:.2f} MB (budget 4 MB); with every explorer opened "
                f"{full[0]} at {full[1]['bytes_all_explorers'] / 1e6:.2f} MB ({REPORT.name})"
            )


@pytest.mark.parametrize("page", PAGES)
def test_page_weight(page, server, browser, report):
    context = browser.new_context(viewport=DESKTOP)
    tab = context.new_page()
    tab.set_default_timeout(120_000)  # a busy machine
    sent = bytes_sent(tab, server)
    problems: list[str] = []
    tab.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
    tab.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status}: {r.url}"))
    try:
        tab.goto(server + page, wait_until="load")
        tab.wait_for_load_state("networkidle")
        tab.wait_for_timeout(1000)
        initial, requests = sum(sent.values()), len(sent)
        explorers = tab.locator(WIDGET_VIEWS).count()
        if explorers:
            tab.evaluate(VISIT_EXPLORERS)
            tab.wait_for_function(EXPLORERS_DRAWN)
            tab.evaluate(LOAD_WIDGET_FONTS)
            tab.wait_for_timeout(1000)
    finally:
        context.close()
    report[page] = {
        "bytes": initial,
        "requests": requests,
        "explorers": explorers,
        "bytes_all_explorers": sum(sent.values()),
        "requests_all_explorers": len(sent),
    }
    assert not problems, "\n".join(problems)
    assert initial <= BUDGET, f"{page}: {initial / 1e6:.2f} MB on opening (budget 4 MB)"
