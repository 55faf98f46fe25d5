"""The reader's edition, read from the sources (no browser, no build).

- No visible code cell is bookkeeping: a code cell a reader sees (not tagged remove-cell,
  remove-input or hide-input, and not in an exercise's solution) may not consist mostly (more
  than half of its top-level statements) of `assert` statements and `glue(...)` calls. Checks
  run in every build and under nbval; they belong in hidden cells.
- Every chapter ends with the list of what it verifies: a last markdown cell holding a
  ```{admonition} What this chapter verifies``` with `:class: dropdown` and at least 8 items.
- The home page's plan of the book links every part to its first chapter.
- Every explorer says what its pictures show: each `explorer(...)` call passes `describe=`
  (`sweep_explorer` describes each run by how it ended unless given one).
- Every chapter draws to the figure standard: its set-up cell calls `plotting.book_style()`,
  and no code sets a font size under the standard's minimum or a figure wider than the column
  by a literal (the build checks every figure as drawn; this names the line).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
HIDDEN = {"remove-cell", "remove-input", "hide-input"}
SOLUTION_MARKER = re.compile(r"^`{3,}\{solution-(?P<edge>start|end)\}", re.M)
VERIFIES = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{admonition\}[ \t]*What this chapter verifies[ \t]*\n"
    r"(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.M | re.S,
)
MIN_VERIFIED = 8


def notebook(name: str) -> dict:
    return json.loads((ROOT / "chapters" / f"{name}.ipynb").read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def visible_code_cells(nb: dict) -> list[tuple[int, str]]:
    """(index, source) of the code cells a reader sees outside exercise solutions."""
    cells, in_solution = [], False
    for index, cell in enumerate(nb["cells"]):
        text = source(cell)
        if cell["cell_type"] == "markdown":
            for marker in SOLUTION_MARKER.finditer(text):
                in_solution = marker["edge"] == "start"
        elif cell["cell_type"] == "code" and not in_solution:
            if not HIDDEN & set(cell.get("metadata", {}).get("tags", [])):
                cells.append((index, text))
    return cells


def is_glue(node: ast.AST) -> bool:
    """`glue(...)` or `myst_nb.glue(...)` as a statement."""
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        return False
    function = node.value.func
    name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")
    return name == "glue"


def is_bookkeeping(node: ast.stmt) -> bool:
    """An assert, a glue call, or a loop / if / with block made only of those."""
    if isinstance(node, ast.Assert) or is_glue(node):
        return True
    if isinstance(node, ast.For | ast.While | ast.If | ast.With):
        body = [*node.body, *getattr(node, "orelse", [])]
        return bool(body) and all(is_bookkeeping(child) for child in body)
    return False


def statements(code: str) -> list[ast.stmt]:
    # IPython magics and shell lines are not Python: leave them out of the count.
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines()]
    return ast.parse("\n".join(lines)).body


def bookkeeping_share(code: str) -> tuple[int, int]:
    body = statements(code)
    return sum(is_bookkeeping(node) for node in body), len(body)


@pytest.mark.parametrize(
    ("code", "share"),
    [
        ("assert x\nglue('a', 1)\ny = 2", (2, 3)),
        ("y = f(x)\nplt.plot(y)\nassert y > 0", (1, 3)),
        ("for k in ks:\n    assert k > 0\n    glue(f'k{k}', k)\nz = 1", (1, 2)),
        ("%matplotlib inline\nmyst_nb.glue('a', 1)", (1, 1)),
        ("if ok:\n    assert a\nelse:\n    b = 1", (0, 1)),
    ],
)
def test_bookkeeping_is_counted_by_statement(code, share):
    assert bookkeeping_share(code) == share


def test_there_are_chapters():
    assert len(CHAPTERS) >= 14, CHAPTERS


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_visible_cell_is_mostly_checks(chapter):
    """Asserts and glue calls run in every build, but out of the reader's way: a cell that is
    mostly checks is tagged remove-cell (or the checks are split into a remove-cell cell)."""
    offenders = []
    for index, code in visible_code_cells(notebook(chapter)):
        checks, total = bookkeeping_share(code)
        if total and checks / total > 0.5:
            first = code.strip().splitlines()[0][:60]
            offenders.append(f"cell {index} ({checks} of {total} statements: {first!r})")
    assert not offenders, f"{chapter}: visible cells that are mostly assert/glue:\n" + "\n".join(
        offenders
    )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_ends_with_what_it_verifies(chapter):
    last = notebook(chapter)["cells"][-1]
    assert last["cell_type"] == "markdown", f"{chapter} ends with a {last['cell_type']} cell"
    found = VERIFIES.search(source(last))
    assert found, f"{chapter}: the last cell has no admonition 'What this chapter verifies'"
    body = found["body"]
    assert re.search(r"^:class:.*\bdropdown\b", body, re.M), f"{chapter}: not a dropdown"
    items = re.findall(r"^[-*+] +\S", body, re.M)
    assert len(items) >= MIN_VERIFIED, f"{chapter}: {len(items)} items, want ≥ {MIN_VERIFIED}"


def test_home_page_links_every_part():
    """The plan of the book links each part, by its name, to the part's first chapter (the
    -n build checks that the links resolve)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    home = (ROOT / "index.md").read_text(encoding="utf-8")
    plan = home[home.index("## The plan of the book") :]
    parts = [part for part in toc["parts"] if part.get("numbered")]
    assert len(parts) >= 5
    for part in parts:
        first = part["chapters"][0]["file"]
        link = rf"\[{re.escape(part['caption'])}\]\({re.escape(first)}\.(ipynb|md)\)"
        assert re.search(link, plan), f"the plan does not link {part['caption']!r} to {first}"


def calls(code: str, name: str) -> list[ast.Call]:
    """The calls of `name(...)` or `<module>.name(...)` in a cell."""
    found = []
    for node in ast.walk(ast.Module(body=statements(code), type_ignores=[])):
        if isinstance(node, ast.Call):
            function = node.func
            called = (
                function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")
            )
            if called == name:
                found.append(node)
    return found


def code_cells(nb: dict) -> list[tuple[int, str]]:
    return [(i, source(c)) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_explorer_describes_its_pictures(chapter):
    missing = [
        f"cell {index}, line {call.lineno}"
        for index, code in code_cells(notebook(chapter))
        for call in calls(code, "explorer")
        if not any(keyword.arg in ("describe", None) for keyword in call.keywords)
    ]
    assert not missing, f"{chapter}: explorer(...) without describe= at " + ", ".join(missing)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_draws_to_the_figure_standard(chapter):
    from optlib import plotting

    cells = code_cells(notebook(chapter))
    assert any(calls(code, "book_style") for _, code in cells[:3]), (
        f"{chapter}: the set-up cell does not call plotting.book_style()"
    )
    found = []
    for index, code in cells:
        for call in calls(code, "subplots") + calls(code, "figure"):
            for keyword in call.keywords:
                size = keyword.value
                if keyword.arg == "figsize" and isinstance(size, ast.Tuple):
                    width = size.elts[0]
                    if isinstance(width, ast.Constant) and width.value > plotting.COLUMN_WIDTH:
                        found.append(f"cell {index}: figsize width {width.value} in")
        for node in ast.walk(ast.Module(body=statements(code), type_ignores=[])):
            if isinstance(node, ast.keyword) and node.arg == "fontsize":
                value = node.value
                if isinstance(value, ast.Constant) and isinstance(value.value, int | float):
                    if value.value < plotting.MIN_FONT_PT:
                        found.append(f"cell {index}: {node.arg}={value.value}")
    assert not found, f"{chapter}: " + "; ".join(found)
