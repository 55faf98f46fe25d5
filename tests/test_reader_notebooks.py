"""The notebooks a reader opens in the lite site and on Binder (_ext/reader_notebooks.py): glued
numbers as the book's page shows them, the roles jupyterlab-myst cannot render rewritten, no
outputs, and nothing else changed.

The unit tests use small notebooks made here, with reference texts written out by hand (what
Python's format() gives for that value and spec). The last test reads the built site: no
`{glue:` left in any of its chapters, and every glued number equal to the one in the book's
HTML page (skipped when the book was built without the lite site).
"""

from __future__ import annotations

import copy
import html
import json
import os
import re
from pathlib import Path

import pytest
import reader_notebooks as rn  # _ext/ (tests/conftest.py puts it on the path)

ROOT = Path(__file__).resolve().parent.parent
HTML = Path(os.environ.get("SITE_HTML", ROOT / "_build" / "html"))  # as tests/conftest.py serves


def glue_output(name: str, plain: str, shown: bool = False) -> dict:
    """A glue output as myst_nb.glue writes it (display=False: the mime types get a prefix)."""
    prefix = "" if shown else "application/papermill.record/"
    return {
        "output_type": "display_data",
        "metadata": {"scrapbook": {"name": name, "mime_prefix": prefix}},
        "data": {prefix + "text/plain": plain},
    }


def notebook(*cells: dict) -> dict:
    return {
        "cells": list(cells),
        "metadata": {"kernelspec": {"name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def markdown(text: str, id_: str = "m") -> dict:
    return {"cell_type": "markdown", "id": id_, "metadata": {}, "source": text}


def code(source: list[str], outputs=(), id_: str = "c") -> dict:
    return {
        "cell_type": "code",
        "id": id_,
        "metadata": {"tags": ["remove-cell"]},
        "execution_count": 3,
        "outputs": list(outputs),
        "source": source,
    }


BOOK = rn.Book(
    titles={"sgd": "Stochastic gradient descent", "momentum": "Momentum", "execution": "Runs"},
    notebooks={"sgd", "momentum"},
    labels={"mom-torch": "momentum", "here-eq": "this"},
    references={
        "kingma2015": ("Kingma and Ba", "2015"),
        "bottou2018": ("Bottou et al.", "2018"),
        "nemirovski2009": ("Nemirovski et al.", "2009"),
    },
)


def rewrite(text: str, values: dict[str, str] | None = None, own=frozenset()) -> str:
    return rn.rewrite_markdown(text, values or {}, BOOK, "this", set(own), {})


@pytest.mark.parametrize(
    ("role", "plain", "expected"),
    [
        ("x", "17", "17"),  # no spec: str() of the value
        ("x", "'Adam'", "Adam"),  # a glued string loses its quotes, as in the book
        ("x:.1f", "2.1466894988641494", "2.1"),
        ("x:.3f", "0.1", "0.100"),
        ("x:.2f", "3", "3.00"),  # an int glued, shown as a float
        ("x:,", "43929", "43,929"),
        ("x:,.0f", "1234567.8", "1,234,568"),
        ("x:.1e", "1.9e-11", "1.9e-11"),
        ("x:.0e", "2.3e-14", "2e-14"),
        ("x:.2g", "0.000123456", "0.00012"),
        ("x:.0%", "0.256", "26%"),
        ("x:+.2f", "0.5", "+0.50"),
        ("x:.0f", "143.6", "144"),
    ],
)
def test_a_glued_value_reads_as_the_page_shows_it(role, plain, expected):
    assert rewrite(f"a {{glue:text}}`{role}` b", {"x": plain}) == f"a {expected} b"


def test_glued_values_come_from_the_outputs_or_from_the_glue_store_and_the_last_wins():
    executed = notebook(code([], [glue_output("a", "1"), glue_output("a", "2", shown=True)]))
    store = {"b": {**glue_output("b", "3"), "data": {"text/plain": "3"}}}  # as myst-nb saves it
    assert rn.glued_text(executed, store) == {"a": "2", "b": "3"}


def test_a_missing_key_is_an_error_that_names_it():
    with pytest.raises(rn.GlueError, match=r"no glued value named 'steps'"):
        rewrite("took {glue:text}`steps:,` steps", {"other": "1"})


def test_citations_read_as_the_books_author_year_style():
    assert rewrite("as {cite:p}`kingma2015` says") == "as [Kingma and Ba, 2015] says"
    assert rewrite("{cite:t}`kingma2015` say") == "Kingma and Ba [2015] say"
    assert rewrite("{cite}`kingma2015`") == "[Kingma and Ba, 2015]"
    # several keys: by author, as sphinxcontrib-bibtex lists them
    assert rewrite("{cite:p}`nemirovski2009,bottou2018`") == (
        "[Bottou et al., 2018, Nemirovski et al., 2009]"
    )


def test_the_bibliography_reads_multiline_authors_and_latex_accents(tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{dolan2002,\n  author = {Dolan, Elizabeth D. and Mor{\\'e}, Jorge J.},\n"
        "  year = {2002}\n}\n\n@misc{choi2019,\n  author = {Choi, Dami and Shallue, C. and\n"
        "               Nado, Zachary},\n  year = 2019,\n}\n"
    )
    assert rn.read_bibliography(bib) == {
        "dolan2002": ("Dolan and Moré", "2002"),
        "choi2019": ("Choi et al.", "2019"),
    }


def test_doc_links_open_the_chapters_notebook_and_other_pages_read_as_their_title():
    assert rewrite("see {doc}`sgd`.") == "see [Stochastic gradient descent](sgd.ipynb)."
    assert rewrite("{doc}`noisy steps <sgd>`") == "[noisy steps](sgd.ipynb)"
    assert rewrite("{doc}`execution`") == "Runs"


def test_a_label_of_another_chapter_links_it_and_one_of_this_chapter_is_left_to_myst():
    assert rewrite("{eq}`mom-torch`") == "[an equation of *Momentum*](momentum.ipynb)"
    assert rewrite("{eq}`here-eq`", own={"here-eq"}) == "{eq}`here-eq`"
    assert rewrite("{ref}`mom-torch`") == "[Momentum](momentum.ipynb)"
    assert rewrite("{ref}`the torch form <mom-torch>`") == "[the torch form](momentum.ipynb)"
    assert rewrite("{ref}`here-eq`", own={"here-eq"}) == "{ref}`here-eq`"


def test_gated_solutions_become_a_bold_line_and_a_cell_left_empty_is_dropped():
    exercise = "````{exercise} Prove it ★★\n:label: this-ex\n\nProve it.\n````\n"
    source = notebook(
        markdown("```{exercise} Warm up\n:label: this-warm\n\nDo.\n```\n", "a"),
        markdown(exercise, "b"),
        markdown("````{solution-start} this-ex\n:class: dropdown\n````\n\nBecause.", "c"),
        code(["x = 1\n"], id_="d"),
        markdown("````{solution-end}\n````\n", "e"),
        markdown("Done.\n\n```{solution-end}\n```\n", "f"),
    )
    reader = rn.reader_notebook(source, notebook(), BOOK, "this")
    assert [cell["id"] for cell in reader["cells"]] == ["a", "b", "c", "d", "f"]
    assert "".join(reader["cells"][2]["source"]) == (
        "**Solution to Exercise 2 (Prove it ★★)**\n\nBecause."
    )
    assert "".join(reader["cells"][4]["source"]) == "Done.\n\n"


def test_a_heading_the_chapter_links_by_its_implicit_anchor_gets_an_explicit_label():
    source = notebook(
        markdown("## Evidence: rate × decay\n\nText.\n\n### Other\n", "a"),
        markdown("As [measured](#evidence-rate--decay) above.", "b"),
    )
    reader = rn.reader_notebook(source, notebook(), BOOK, "this")
    assert "".join(reader["cells"][0]["source"]) == (
        "(evidence-rate--decay)=\n## Evidence: rate × decay\n\nText.\n\n### Other\n"
    )
    assert reader["cells"][1] == source["cells"][1]


def test_outputs_are_cleared_and_everything_else_is_unchanged_byte_for_byte():
    plot = {"output_type": "display_data", "metadata": {}, "data": {"text/plain": "<Figure>"}}
    source = notebook(
        markdown("Plain text, $x^2$ and {eq}`here`.\n", "a"),
        code(['glue("n", 3, display=False)\n', "print('{glue:text}`n`')"], id_="b"),
        markdown("n is {glue:text}`n`.", "c"),
    )
    source["cells"][1]["outputs"] = [plot]
    executed = copy.deepcopy(source)
    executed["cells"][1]["outputs"] = [glue_output("n", "3"), plot]
    before = copy.deepcopy(source)
    reader = rn.reader_notebook(source, executed, BOOK, "this")
    assert source == before  # the caller's notebook is not touched
    assert reader["metadata"] == source["metadata"]
    assert reader["cells"][0] == source["cells"][0]
    cell = reader["cells"][1]
    assert (cell["outputs"], cell["execution_count"]) == ([], None)
    assert json.dumps({**cell, "outputs": [plot], "execution_count": 3}) == json.dumps(
        source["cells"][1]
    )  # a role in code is code: untouched
    assert "".join(reader["cells"][2]["source"]) == "n is 3."


def test_every_chapters_roles_resolve_against_the_real_book():
    """Every key cited, every page linked, every label of the chapters exists (no executed
    notebooks needed: glue roles are given a value each)."""
    book = rn.Book.from_root(ROOT)
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        source = json.loads(path.read_text())
        keys = {
            m.group(1).rpartition(":")[0] or m.group(1)
            for m in rn.GLUE_TEXT.finditer(rn.markdown_of(source))
        }
        executed = notebook(code([], [glue_output(key, "1") for key in keys]))
        reader = rn.reader_notebook(source, executed, book, path.stem)
        left = re.findall(
            r"\{(?:glue:text|cite(?::[pt])?|doc|solution-start|solution-end)\}",
            rn.markdown_of(reader),
        )
        assert not left, f"{path.name}: {left[:5]}"


def test_the_built_sites_chapters_show_the_books_numbers():
    site = HTML / "lite" / "files" / "chapters"
    if not site.exists():
        pytest.skip(f"no lite site in {HTML} (`make book` builds it when its inputs are there)")
    book = rn.Book.from_root(ROOT)
    index = json.loads((HTML / "lite" / "api" / "contents" / "chapters" / "all.json").read_text())
    sizes = {entry["name"]: entry["size"] for entry in index["content"]}
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        reader_path = site / path.name
        reader = json.loads(reader_path.read_text())
        assert "{glue:" not in rn.markdown_of(reader), path.name
        assert sizes[path.name] == reader_path.stat().st_size, f"{path.name}: stale index size"
        page = (HTML / "chapters" / f"{path.stem}.html").read_text()
        shown = iter(
            html.unescape(text)
            for text in re.findall(r'<span class="pasted-text">(.*?)</span>', page, re.S)
        )
        source = json.loads(path.read_text())
        # the source with each glue role replaced by the page's number, in order; then the
        # other rewrites, as the reader's notebook has them
        readers = {cell["id"]: cell for cell in reader["cells"]}
        own = {label for pattern in rn.LABELS for label in pattern.findall(rn.markdown_of(source))}
        exercises = {
            label: (n, title.strip())
            for n, (title, label) in enumerate(rn.EXERCISE.findall(rn.markdown_of(source)), 1)
        }
        anchors = set(rn.ANCHOR_LINK.findall(rn.markdown_of(source))) - own
        for cell in source["cells"]:
            if cell["cell_type"] != "markdown":
                continue
            text = rn.GLUE_TEXT.sub(lambda _, shown=shown: next(shown), "".join(cell["source"]))
            expected = rn.label_headings(
                rn.rewrite_markdown(text, {}, book, path.stem, own, exercises), anchors
            )
            if expected.strip():
                assert "".join(readers[cell["id"]]["source"]) == expected, (
                    f"{path.name}: cell {cell['id']}"
                )
        assert next(shown, None) is None, f"{path.name}: the page shows more glued values"


# What the reader sees: the shortest chapter opened in the lite site in headless Chromium, its
# markdown rendered by jupyterlab-myst (the windowed notebook renders a cell once scrolled to).
RENDERED_MARKDOWN = """async () => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  const texts = [];
  for (let i = 0; i < notebook.widgets.length; i++) {
    const cell = notebook.widgets[i];
    if (cell.model.type !== 'markdown') continue;
    await notebook.scrollToItem(i, 'center');
    let shown = null;
    for (let wait = 0; wait < 50 && !shown?.innerText; wait++) {  // up to 5 s a cell
      await new Promise(done => setTimeout(done, 100));
      shown = cell.node.querySelector('.jp-MarkdownOutput, .jp-RenderedMarkdown, .myst');
    }
    texts.push(shown ? shown.innerText : null);
  }
  return {texts, equations: notebook.node.querySelectorAll('.katex').length,
          references: [...notebook.node.querySelectorAll('a')].map(a => a.innerText)};
}"""
def test_the_lite_site_renders_a_chapters_myst_with_no_console_errors(request):
    if not (HTML / "lite" / "notebooks" / "index.html").exists():
        pytest.skip(f"no lite site in {HTML}")
    server, browser = request.getfixturevalue("server"), request.getfixturevalue("browser")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    console, missing = [], []
    context.on("console", lambda line: console.append((line.type, line.text)))
    context.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    tab = context.new_page()
    tab.set_default_timeout(120_000)
    try:
        tab.goto(server + "lite/notebooks/index.html?path=chapters/map.ipynb")
        tab.wait_for_function(
            "() => window.jupyterapp?.shell?.currentWidget?.content?.widgets?.length > 0"
        )
        tab.wait_for_timeout(3000)
        seen = tab.evaluate(RENDERED_MARKDOWN)
    finally:
        context.close()
    text = "\n".join(t or "" for t in seen["texts"])
    assert None not in seen["texts"], f"markdown cells not rendered: {seen['texts'].count(None)}"
    for raw in ("{glue:", "{cite", "{doc}", "{eq}", "{ref}", "{solution", "{exercise}", "$$"):
        assert raw not in text, f"{raw!r} shows in the rendered chapter"
    # jupyterlab-myst shows an unknown role's content: a glue key, a citation key
    source = rn.markdown_of(json.loads((ROOT / "chapters" / "map.ipynb").read_text()))
    keys = {m.group(1).split(":")[0] for m in rn.GLUE_TEXT.finditer(source)}
    assert not [key for key in keys if key in text], "glue keys show instead of numbers"
    assert "[Nocedal and Wright, 2006]" in text
    assert "Solution to Exercise 1" in text and "Exercise 2 (" in text
    assert seen["equations"] > 50, seen["equations"]
    assert any(re.fullmatch(r"\(\d+\)", ref) for ref in seen["references"]), "no {eq} numbered"
    unsatisfied = [line for kind, line in console if "Unsatisfied version" in line]
    assert not unsatisfied, unsatisfied[:3]
    errors = [
        line
        for kind, line in console
        # jupyterlab-myst's "No target for internal reference" would be a link to a cell not
        # yet rendered: the site renders every cell at once (lite.py's windowingMode) for this
        if kind == "error"
        and not line.startswith("Failed to load resource")  # the requests are checked below
    ]
    assert not errors, errors[:3]
    assert all(url.endswith("/favicon.ico") for url in missing), missing[:5]
