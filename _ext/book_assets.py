"""Sphinx extension: serve MathJax and the Jupyter widget manager from _vendor/ (filled by
_ext/vendor_assets.py) so the book works offline, drop sphinx-thebe's scripts, which the
book does not use (as shipped they declare THEBE_JS_URL twice: a console error on every page),
and load the book's own stylesheets and script from _ext/assets/ on every page:
book-reader.css (display equations scroll inside their own box, with a shadow where more is
hidden), book-dark.css (dark mode: tables, checker verdicts and widget areas in the theme's
dark colours, figures on a dimmed white paper card instead of a light-grey block) and
book-reader.js (phone navigation: works around the theme binding its sidebar handlers to a
hidden duplicate button).

Lighter pages:
- Widgets load when needed. A page's widget state (every frame of its explorers, base64 PNGs:
  most of a chapter's HTML) is moved out of the page into `_widgets/<page>-<n>.js`, one file
  per explorer (a connected group of widget models), and the page carries book-widgets.js
  instead of the widget manager. When an explorer comes near the screen, book-widgets.js
  loads require.js, paths.js and embed-amd.js (4 MB), fetches that explorer's state and draws
  it as the manager's own renderWidgets would. Only with _vendor/: the CDN fallback keeps
  myst-nb's inline state.
- Only the icons the pages use: pydata-sphinx-theme's fontawesome.js (1.5 MB, every Font
  Awesome icon, on every page) is replaced at the end of the build by the same script with
  only the icons named in the built pages and the theme's scripts (about 70 kB).

The book's own assets are not in a `_static/` folder on purpose: when one exists, Jupyter Book 1
adds a tag for every .js/.css under the static paths, vendored files included.

Without _vendor/ the build falls back to the CDNs and says so.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

logger = logging.getLogger(__name__)
VENDOR = Path(__file__).resolve().parent.parent / "_vendor"
ASSETS = Path(__file__).resolve().parent / "assets"
STYLESHEETS, SCRIPT = ("book-reader.css", "book-dark.css"), "book-reader.js"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_STATES = "application/vnd.book.widget-states+json"  # book-widgets.js's list of files
WIDGET_VIEW = re.compile(
    r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>', re.S
)
MODEL_REFERENCE = re.compile(r"IPY_MODEL_([\w-]+)")


def serve_book_assets(app: Sphinx, config: Config) -> None:
    """The book's own stylesheets and script, whether or not _vendor/ is there."""
    config.html_static_path = [*config.html_static_path, str(ASSETS)]


def use_local_assets(app: Sphinx, config: Config) -> None:
    if not (VENDOR / "mathjax" / "tex-mml-chtml.js").exists():
        logger.info(
            "book_assets: no _vendor/ (npm missing?): MathJax and the widget manager "
            "will load from their CDNs"
        )
        return
    config.html_static_path = [*config.html_static_path, str(VENDOR)]
    config.mathjax_path = "mathjax/tex-mml-chtml.js"
    # myst-nb adds these to every page with widgets; book-widgets.js loads the manager itself.
    config.nb_ipywidgets_js = {"book-widgets.js": {"defer": "defer"}}
    logger.info("book_assets: MathJax and the widget manager served from _vendor/")


def drop_thebe(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    def is_thebe(asset) -> bool:
        text = f"{asset.filename} {getattr(asset, 'attributes', {}).get('body', '')}"
        return "thebe" in text.lower()

    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not is_thebe(asset)]


def explorers(state: dict, views: list[str]) -> list[tuple[dict, list[str]]]:
    """The widget models in connected groups (a model and every model it names, or that names
    it: a link names its two ends), each with the views shown from it; groups with no view
    draw nothing and are left out."""
    parent = {model: model for model in state}

    def root(model: str) -> str:
        while parent[model] != model:
            parent[model] = parent[parent[model]]
            model = parent[model]
        return model

    for model, entry in state.items():
        for named in MODEL_REFERENCE.findall(json.dumps(entry["state"])):
            if named in parent:
                parent[root(named)] = root(model)
    groups: dict[str, tuple[dict, list[str]]] = {}
    for model, entry in state.items():
        groups.setdefault(root(model), ({}, []))[0][model] = entry
    for view in views:
        if view in parent:
            groups[root(view)][1].append(view)
    return [group for group in groups.values() if group[1]]


def lazy_widgets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Move the page's widget state into one script per explorer, listed for book-widgets.js."""
    scripts = context.get("script_files", [])
    states = [js for js in scripts if getattr(js, "attributes", {}).get("type") == WIDGET_STATE]
    if not states or not (VENDOR / "widgets" / "embed-amd.js").exists():
        return
    (asset,) = states
    saved = json.loads(asset.attributes["body"])
    views = [json.loads(body)["model_id"] for body in WIDGET_VIEW.findall(context.get("body", ""))]
    files = []
    for n, (models, shown) in enumerate(explorers(saved["state"], views)):
        # A script, not a JSON file to fetch: a book opened from disk (file://) may load
        # scripts but not fetch files, and the explorers must work there too.
        name = f"_widgets/{pagename}-{n}.js"
        path = Path(app.outdir, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        state = json.dumps({**saved, "state": models})
        path.write_text(
            f"(window.bookWidgetStates ??= {{}})[{json.dumps(name)}] = {state};\n",
            encoding="utf-8",
        )
        files.append({"src": name, "views": shown})
    scripts[scripts.index(asset)] = type(asset)(
        None, priority=asset.priority, type=WIDGET_STATES, body=json.dumps(files)
    )


def icons_used(outdir: Path) -> set[str]:
    """Every `fa-<name>` in the built pages and in the theme's and extensions' scripts, which
    may add icons later (not in the vendored widget manager: its icons are its own font)."""
    static = outdir / "_static"
    names: set[str] = set()
    for path in [*outdir.rglob("*.html"), *static.glob("*.js"), *static.glob("scripts/*.js")]:
        if path.name != "fontawesome.js":
            names.update(re.findall(r"\bfa-([a-z0-9-]+)", path.read_text(errors="ignore")))
    return names


# One icon in Font Awesome's packs: `name:[width,height,[aliases],"unicode","svg path"]`.
ICON = re.compile(r'("[^"]+"|[\w$]+):\[\d+,\d+,\[([^\]]*)\],"[0-9a-f]+",("[^"]*"|\[[^\]]*\])\]')
PACK = re.compile(r"var p=\{(?=" + ICON.pattern + ")")


def icon_subset(script: str, used: set[str]) -> str:
    """Font Awesome's script with only the `used` icons left in its packs (an icon stays if
    its name or one of its aliases is used); everything else in the script is unchanged."""
    out, at, packs = [], 0, 0
    for pack in PACK.finditer(script):
        out.append(script[at : pack.end()])
        position, kept = pack.end(), []
        while (icon := ICON.match(script, position)) is not None:
            names = {icon[1].strip('"'), *re.findall(r'"([^"]+)"', icon[2])}
            if names & used:
                kept.append(icon[0])
            position = icon.end() + 1
            if script[icon.end()] == "}":
                break
        else:
            raise ValueError(f"book_assets: unexpected Font Awesome pack at {position}")
        out.append(",".join(kept) + "}")
        at, packs = position, packs + 1
    if packs == 0:
        raise ValueError("book_assets: no Font Awesome icon packs found in fontawesome.js")
    out.append(script[at:])
    return re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", "".join(out))


def only_used_icons(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    target = outdir / "_static" / "scripts" / "fontawesome.js"
    shipped = [
        Path(folder, "static", "scripts", "fontawesome.js")
        for folder in app.builder.theme.get_theme_dirs()
    ]
    original = next((path for path in shipped if path.exists()), target)
    if not target.exists():
        return
    used = icons_used(outdir)
    target.write_text(icon_subset(original.read_text(encoding="utf-8"), used), encoding="utf-8")
    target.with_name("fontawesome.js.map").unlink(missing_ok=True)
    logger.info(f"book_assets: fontawesome.js reduced to the {len(used)} icon names in use")


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", serve_book_assets)
    app.connect("config-inited", use_local_assets)
    for stylesheet in STYLESHEETS:
        app.add_css_file(stylesheet)
    app.add_js_file(SCRIPT, loading_method="defer")
    app.connect("html-page-context", drop_thebe)
    app.connect("html-page-context", lazy_widgets, priority=900)  # after myst-nb's assets
    app.connect("build-finished", only_used_icons)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
