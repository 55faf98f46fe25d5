"""Fetch the book's JavaScript from the npm registry (pinned in package-lock.json) and copy what
the pages load into _vendor/, which _ext/book_assets.py serves as static files.

Run by `make book`. Without npm the book still builds; its pages then load MathJax and the
Jupyter widget manager from their CDNs (and so need a network), and this script says so.

What is copied (about 9 MB; the whole MathJax package is 24 MB):
- mathjax/: the tex-mml-chtml component, its woff-v2 fonts, and the TeX extensions it
  autoloads on demand (e.g. \\cancel);
- widgets/: require.js, html-manager's embed-amd.js and its icon fonts, and paths.js. The pages
  load them only when an explorer comes near the screen (_ext/assets/book-widgets.js).

Two patches:
- html-manager 1.0.x typesets widget labels through the MathJax 2 API (`MathJax.Hub.Queue`),
  which throws under MathJax 3; we call MathJax 3's `typesetPromise`.
- embed-amd.js is already minified, but a quarter of it (0.97 MB) is the ipywidgets 7 copies of
  the base and controls modules, needed only by widgets saved by ipywidgets 7 (model version
  1.x; the book's are 2.0). They go to widgets/base7.js and widgets/controls7.js, which
  require.js fetches by name (paths.js) the day a page needs them.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "_vendor"
MODULES = ROOT / "node_modules"
STAMP = VENDOR / ".lock-sha256"

MATHJAX2_TYPESET = 'MathJax&&MathJax.Hub.Queue(["Typeset",MathJax.Hub,e])'
MATHJAX3_TYPESET = "MathJax&&MathJax.typesetPromise&&MathJax.typesetPromise([e])"


# The ipywidgets 7 modules moved out of embed-amd.js into files of their own.
LEGACY_MODULES = ("base7", "controls7")


def lock_digest() -> str:
    """Of the lock file and of what is made from it here (this script, paths.js): a change to
    either copies the assets again."""
    digest = hashlib.sha256()
    here = Path(__file__)
    for source in (ROOT / "package-lock.json", here, here.with_name("paths.js")):
        digest.update(source.read_bytes())
    return digest.hexdigest()


def split_legacy(embed: str) -> tuple[str, dict[str, str]]:
    """embed-amd.js without the ipywidgets 7 modules, and those modules by name. The file is the
    concatenation of webpack bundles, each opened by a licence comment naming it."""
    marker = "/*! For license information please see "
    chunks = embed.split(marker)
    kept, legacy = [chunks[0]], {}
    for chunk in chunks[1:]:
        name = chunk.split(".js.LICENSE.txt", 1)[0]
        if name not in LEGACY_MODULES:
            kept.append(marker + chunk)
            continue
        # the licence line, the module (one line), its source-map comment and blank lines
        lines = chunk.splitlines(keepends=True)
        if len(lines) < 2 or not lines[1].startswith(f'define("@jupyter-widgets/{name}",'):
            sys.exit(f"vendor_assets: embed-amd.js's {name} bundle is not an AMD module")
        end = 2
        while end < len(lines) and (lines[end].startswith("//#") or not lines[end].strip()):
            end += 1
        legacy[name] = marker + "".join(lines[:end])
        kept.append("".join(lines[end:]))
    if sorted(legacy) != sorted(LEGACY_MODULES):
        sys.exit(f"vendor_assets: embed-amd.js no longer bundles {LEGACY_MODULES}; revisit")
    return "".join(kept), legacy


def install() -> None:
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=ROOT, check=True
    )


def copy_assets() -> None:
    staging = VENDOR.with_name("_vendor.partial")
    shutil.rmtree(staging, ignore_errors=True)
    mathjax, widgets = staging / "mathjax", staging / "widgets"
    es5 = MODULES / "mathjax" / "es5"
    mathjax.mkdir(parents=True)
    shutil.copy2(es5 / "tex-mml-chtml.js", mathjax)
    shutil.copytree(es5 / "output/chtml/fonts/woff-v2", mathjax / "output/chtml/fonts/woff-v2")
    shutil.copytree(es5 / "input/tex/extensions", mathjax / "input/tex/extensions")

    widgets.mkdir()
    shutil.copy2(MODULES / "requirejs" / "require.js", widgets)
    shutil.copy2(Path(__file__).with_name("paths.js"), widgets)
    dist = MODULES / "@jupyter-widgets" / "html-manager" / "dist"
    for font in dist.iterdir():
        if font.suffix in {".woff2", ".woff", ".ttf", ".eot", ".svg"}:
            shutil.copy2(font, widgets)
    embed = (dist / "embed-amd.js").read_text(encoding="utf-8")
    if MATHJAX2_TYPESET not in embed:
        sys.exit("vendor_assets: embed-amd.js no longer calls MathJax 2's API; revisit the patch")
    embed, legacy = split_legacy(embed.replace(MATHJAX2_TYPESET, MATHJAX3_TYPESET))
    (widgets / "embed-amd.js").write_text(embed, encoding="utf-8")
    for name, module in legacy.items():
        (widgets / f"{name}.js").write_text(module, encoding="utf-8")

    shutil.rmtree(VENDOR, ignore_errors=True)
    staging.rename(VENDOR)
    STAMP.write_text(lock_digest())


def main() -> None:
    if STAMP.exists() and STAMP.read_text() == lock_digest():
        return  # already in place for this lock file
    if shutil.which("npm") is None:
        print(
            "vendor_assets: npm not found, so the book's pages will load MathJax and the "
            "Jupyter widget manager from their CDNs (they need a network to show math and "
            "widgets). Install Node.js/npm and run `make book` again for an offline book."
        )
        return
    install()
    copy_assets()
    size = sum(f.stat().st_size for f in VENDOR.rglob("*") if f.is_file())
    print(f"vendor_assets: {size / 1e6:.1f} MB of local assets in {VENDOR.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
