"""The book's sources and built HTML: stripped notebooks, a consistent table of contents, and
Binder launch links that point at notebooks that exist on the configured branch."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))


def toc_files() -> list[str]:
    files = [TOC["root"]]
    for part in TOC.get("parts", []):
        files += [chapter["file"] for chapter in part.get("chapters", [])]
    return files


def source_of(entry: str) -> Path:
    matches = [p for p in ROOT.glob(f"{entry}.*") if p.suffix in (".md", ".ipynb")]
    assert len(matches) == 1, f"{entry}: {matches}"
    return matches[0]


def test_every_toc_entry_exists_and_every_chapter_is_listed():
    listed = {source_of(entry).relative_to(ROOT) for entry in toc_files()}
    on_disk = {
        p.relative_to(ROOT) for p in (ROOT / "chapters").glob("*") if p.suffix in (".md", ".ipynb")
    }
    assert on_disk <= listed, f"chapters not in _toc.yml: {on_disk - listed}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(notebook):
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{notebook.name}: a cell has stored outputs"
            assert cell["execution_count"] is None, f"{notebook.name}: a cell has a count"
    assert "widgets" not in nb["metadata"], "stored widget state"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    # nbformat 4.5 gives every cell an id (a missing one is a warning today, an error later).
    ids = [cell.get("id") for cell in nb["cells"]]
    assert None not in ids, f"{notebook.name}: a cell has no id"
    assert len(set(ids)) == len(ids), f"{notebook.name}: two cells share an id"


def binder_links(page: Path) -> list[str]:
    return re.findall(r'href="(https://mybinder\.org/v2/gh/[^"]+)"', page.read_text())


def test_binder_launch_links_point_at_notebooks_on_the_configured_branch():
    if not HTML.exists():
        pytest.fail("the book is not built: run `make book` (make test builds it when needed)")
    repository = CONFIG["repository"]
    owner_repo = urlparse(repository["url"]).path.strip("/")
    branch = repository["branch"]
    tracked = set(
        subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    )
    subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", branch],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    pages_with_links = 0
    for notebook in NOTEBOOKS:
        page = HTML / notebook.relative_to(ROOT).with_suffix(".html")
        links = binder_links(page)
        assert links, f"{page.name} has no Binder launch link"
        pages_with_links += 1
        for link in links:
            url = urlparse(link)
            prefix = f"/v2/gh/{owner_repo}/{branch}"
            assert url.path == prefix, f"{link}: expected {prefix}"
            target = parse_qs(url.query)["urlpath"][0].split("/tree/", 1)[1]
            target = str(Path(repository["path_to_book"] or ".") / target)
            assert target in tracked, f"{link} opens {target}, which is not in the repository"
            assert target == str(notebook.relative_to(ROOT))
    assert pages_with_links == len(NOTEBOOKS)


def test_binder_environment_pins_versions_and_installs_optlib():
    lines = [
        line.split("#")[0].strip()
        for line in (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    ]
    requirements = [line for line in lines if line]
    assert "." in requirements  # optlib itself
    assert all("==" in line for line in requirements if line != ".")


def load_ext(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "_ext" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_npm_the_asset_step_says_so_and_leaves_the_cdn_in_place(
    monkeypatch, capsys, tmp_path
):
    vendor_assets = load_ext("vendor_assets")
    monkeypatch.setattr(vendor_assets, "STAMP", tmp_path / "no-stamp")
    monkeypatch.setattr(vendor_assets.shutil, "which", lambda name: None)
    monkeypatch.setattr(vendor_assets, "install", lambda: pytest.fail("must not run npm"))
    vendor_assets.main()
    assert "npm not found" in capsys.readouterr().out


def test_without_vendored_assets_the_build_keeps_sphinx_defaults(monkeypatch, tmp_path):
    from types import SimpleNamespace

    book_assets = load_ext("book_assets")
    config = SimpleNamespace(html_static_path=[], mathjax_path="default", nb_ipywidgets_js={})
    monkeypatch.setattr(book_assets, "VENDOR", tmp_path / "missing")
    book_assets.use_local_assets(None, config)
    assert config.mathjax_path == "default" and config.html_static_path == []
    monkeypatch.setattr(book_assets, "VENDOR", ROOT / "_vendor")
    if (ROOT / "_vendor" / "mathjax").exists():
        book_assets.use_local_assets(None, config)
        assert config.mathjax_path == "mathjax/tex-mml-chtml.js"
        # the widget manager itself is loaded by book-widgets.js when an explorer is near
        assert list(config.nb_ipywidgets_js) == ["book-widgets.js"]


def test_vendored_widget_manager_is_patched_for_mathjax_3():
    embed = ROOT / "_vendor" / "widgets" / "embed-amd.js"
    if not embed.exists():
        pytest.skip("assets not fetched (no npm): the book uses the CDN copies")
    text = embed.read_text()
    assert "MathJax.Hub.Queue" not in text and "MathJax.typesetPromise" in text


def test_the_how_runs_end_example_on_the_execution_page_is_what_optlib_says():
    """The page's example is not executed by the build; this runs it and compares each value the
    page writes in a comment (``run.status  # 'diverged'``, or below a bare ``run.message``)
    with what optlib gives."""
    page = (ROOT / "chapters" / "execution.md").read_text()
    (code,) = re.findall(r"```python\n(.*?)```", page, flags=re.S)
    names: dict = {}
    exec(code, names)
    # A value is written after its expression (`run.status  # 'diverged'`) or, when long, on the
    # comment lines below a bare expression.
    shown, last = {}, None
    for line in code.splitlines():
        inline = re.match(r"^(\w+\.\w+(?:\.\w+)?)\s+# (.+)$", line)
        if inline:
            shown[inline[1]], last = inline[2], None
        elif re.fullmatch(r"\w+\.\w+(?:\.\w+)?", line):
            shown[line], last = "", line
        elif last and line.startswith("#"):
            shown[last] = f"{shown[last]} {line[1:].strip()}".strip()
        else:
            last = None
    run, sweep = names["run"], names["sweep"]
    assert shown["run.status"] == repr(run.status)
    assert shown["run.message"] == repr(run.message)
    assert shown["run.params.shape"].startswith(f"{run.params.shape}:")
    assert shown["sweep.status"] == f"array({sweep.status.tolist()!r})"
    prefix = shown["sweep.message"].strip("'").removesuffix("...); 2 finished 500 steps")
    assert sweep.message.startswith(prefix) and sweep.message.endswith("); 2 finished 500 steps")
