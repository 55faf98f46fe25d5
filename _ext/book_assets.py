"""Sphinx extension: serve MathJax and the Jupyter widget manager from _vendor/ (filled by
_ext/vendor_assets.py) so the book works offline, drop sphinx-thebe's scripts, which the
book does not use (as shipped they declare THEBE_JS_URL twice: a console error on every page),
and load the book's own stylesheets and script from _ext/assets/ on every page:
book-reader.css (display equations scroll inside their own box, with a shadow where more is
hidden), book-dark.css (dark mode: tables, checker verdicts and widget areas in the theme's
dark colours, figures on a dimmed white paper card instead of a light-grey block) and
book-reader.js (phone navigation: works around the theme binding its sidebar handlers to a
hidden duplicate button).

The book's own assets are not in a `_static/` folder on purpose: when one exists, Jupyter Book 1
adds a tag for every .js/.css under the static paths, vendored files included.

Without _vendor/ the build falls back to the CDNs and says so.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

logger = logging.getLogger(__name__)
VENDOR = Path(__file__).resolve().parent.parent / "_vendor"
ASSETS = Path(__file__).resolve().parent / "assets"
STYLESHEETS, SCRIPT = ("book-reader.css", "book-dark.css"), "book-reader.js"


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
    config.nb_ipywidgets_js = {
        "widgets/require.js": {},
        "widgets/paths.js": {},
        "widgets/embed-amd.js": {},
    }
    logger.info("book_assets: MathJax and the widget manager served from _vendor/")


def drop_thebe(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    def is_thebe(asset) -> bool:
        text = f"{asset.filename} {getattr(asset, 'attributes', {}).get('body', '')}"
        return "thebe" in text.lower()

    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not is_thebe(asset)]


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", serve_book_assets)
    app.connect("config-inited", use_local_assets)
    for stylesheet in STYLESHEETS:
        app.add_css_file(stylesheet)
    app.add_js_file(SCRIPT, loading_method="defer")
    app.connect("html-page-context", drop_thebe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
