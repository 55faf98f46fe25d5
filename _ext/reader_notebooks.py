"""The notebooks a reader opens outside the book (the lite site, Binder): the chapters with every
glued number written in, and the book's roles that jupyterlab-myst cannot render rewritten to
what reads well there.

The book's pages show `{glue:text}`name:fmt`` as a number that myst-nb takes from the executed
notebook; a notebook opened on its own shows the role itself, and jupyterlab-myst (which renders
equations, `{eq}`, `{ref}` to a label of the same notebook, exercises and admonitions) cannot
help: it has no executed notebook. What it renders wrongly, seen in headless Chromium with
jupyterlab-myst 2.4.2, and what we write instead:
- `{glue:text}`: the text myst-nb puts in the page (its own `format_plain_text`, so the format
  spec means what it means in the book); a key the executed notebook does not have is an error.
- `{cite:p}`/`{cite}`/`{cite:t}`: it shows the bare key; we write "[Author, year]" and
  "Author [year]" from references.bib, as sphinxcontrib-bibtex's author_year style does.
- `{doc}`: it links to a file that does not exist; we link the chapter's notebook, which opens
  in the same app (a page that is not a notebook: its title, as text).
- `{eq}` or `{ref}` to another chapter's label: unresolved; we link that chapter's notebook.
- a link to a heading of the chapter by its implicit anchor, `[...](#the-heading)`: it resolves
  it, but logs an error for each ("best practice is to create an explicit reference"), on
  every render; we put the explicit label, `(the-heading)=`, before that heading.
- the gated `{solution-start}`/`{solution-end}` of sphinx-exercise: a dropdown "Start of
  Solution" and an empty box; we write a bold "Solution to Exercise N (title)" line and drop
  the end marker (the solution's code cells stay visible either way).
Everything else is unchanged: the code cells byte for byte (their outputs cleared: the reader
runs them), the notebook's metadata, every other cell's source.

Used by _ext/lite.py when the book build finishes (the lite site) and by binder/postBuild.
"""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

GLUE_TEXT = re.compile(r"\{glue:text\}`([^`]+)`")
CITE = re.compile(r"\{cite(?::(p|t))?\}`([^`]+)`")
DOC = re.compile(r"\{doc\}`([^`]+)`")
CROSS_REFERENCE = re.compile(r"\{(?:eq|ref)\}`[^`]+`")
ANCHOR_LINK = re.compile(r"\]\(#([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} (.+)$", re.M)
EXPLICIT = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)  # `title <target>`
# A directive's fence: three or more backticks or colons, closed by the same.
SOLUTION_START = re.compile(
    r"^(`{3,}|:{3,})\{solution-start\}[ \t]*(\S+)[ \t]*\n(?::[^\n]*\n)*\1[ \t]*(?:\n|$)", re.M
)
SOLUTION_END = re.compile(r"^(`{3,}|:{3,})\{solution-end\}[ \t]*\n\1[ \t]*(?:\n|$)", re.M)
EXERCISE = re.compile(r"^(?:`{3,}|:{3,})\{exercise\}[ \t]*(.*)\n:label:[ \t]*(\S+)", re.M)
# Labels a notebook defines: `$$ ... $$ (label)`, `:label: x`, `(x)=` before a heading.
LABELS = (
    re.compile(r"\$\$[ \t]*\((\S+?)\)"),
    re.compile(r"^:label:\s*(\S+)", re.M),
    re.compile(r"^\((\S+?)\)=", re.M),
)


class GlueError(KeyError):
    """A `{glue:text}` names a key the executed notebook did not glue."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass
class Book:
    """What a role may point at outside its notebook: titles, labels, the bibliography."""

    titles: dict[str, str] = field(default_factory=dict)  # chapter page name -> title
    notebooks: set[str] = field(default_factory=set)  # pages that are notebooks
    labels: dict[str, str] = field(default_factory=dict)  # label -> page name
    references: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (names, year)

    @classmethod
    def from_root(cls, root: Path = ROOT) -> Book:
        book = cls(references=read_bibliography(root / "references.bib"))
        for path in sorted((root / "chapters").glob("*")):
            if path.suffix == ".ipynb":
                text = markdown_of(json.loads(path.read_text()))
                book.notebooks.add(path.stem)
            elif path.suffix == ".md":
                text = path.read_text()
            else:
                continue
            title = re.search(r"^# (.+)$", text, re.M)
            book.titles[path.stem] = title.group(1).strip() if title else path.stem
            for pattern in LABELS:
                for label in pattern.findall(text):
                    book.labels.setdefault(label, path.stem)
        return book


def markdown_of(notebook: dict) -> str:
    return "\n".join(
        "".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown"
    )


def read_bibliography(path: Path) -> dict[str, tuple[str, str]]:
    """key -> (the names as author_year shows them, the year), from a BibTeX file."""
    references = {}
    for entry in re.split(r"\n(?=@)", path.read_text()):
        key = re.match(r"@\w+\{([^,\s]+),", entry.strip())
        authors, year = bibtex_field(entry, "author"), bibtex_field(entry, "year")
        if key and authors and year:
            references[key.group(1)] = (author_names(plain_latex(authors)), year)
    return references


def bibtex_field(entry: str, name: str) -> str | None:
    """The value of `name = {...}` (braces balanced, may span lines) or `name = 1999`."""
    start = re.search(rf"^\s*{name}\s*=\s*", entry, re.M | re.I)
    if not start:
        return None
    rest = entry[start.end() :]
    if not rest.startswith("{"):
        return re.match(r"[^,\n]*", rest).group(0).strip().strip('"')
    depth = 0
    for i, char in enumerate(rest):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0:
            return rest[1:i]
    return None


ACCENTS = {"'": "\u0301", "`": "\u0300", '"': "\u0308", "^": "\u0302", "~": "\u0303", "c": "\u0327"}


def plain_latex(text: str) -> str:
    """BibTeX's accents and braces as Unicode text: `Mor{\\'e}` -> `Moré`."""
    text = re.sub(
        r"\{?\\([`'\"^~c])\s*\{?(\w)\}?\}?", lambda m: m.group(2) + ACCENTS[m.group(1)], text
    )
    return unicodedata.normalize("NFC", " ".join(text.replace("{", "").replace("}", "").split()))


def author_names(authors: str) -> str:
    """'Kingma, Diederik P. and Ba, Jimmy' -> 'Kingma and Ba'; three or more: 'X et al.'."""
    last = []
    for person in re.split(r"\s+and\s+", authors):
        person = person.strip().strip("{}")
        last.append(person.split(",")[0].strip() if "," in person else person.split()[-1])
    if len(last) >= 3:
        return f"{last[0]} et al."
    return " and ".join(last)


def glued_text(executed: dict, store: dict | None = None) -> dict[str, str]:
    """name -> the text/plain myst-nb reads for `{glue:text}`: from the glue outputs of the
    executed notebook, or from `store`, the `<chapter>.glue.json` into which a book build moves
    them (jupyter_execute/ keeps the notebook without them). The last glue of a name wins, as in
    myst_nb.ext.glue.extract_glue_data."""
    outputs = [output for cell in executed["cells"] for output in cell.get("outputs", [])]
    values = {}
    for output in [*outputs, *(store or {}).values()]:
        scrapbook = output.get("metadata", {}).get("scrapbook")
        if not scrapbook:
            continue
        prefix = scrapbook.get("mime_prefix", "")
        data = {mime.removeprefix(prefix): value for mime, value in output["data"].items()}
        if "text/plain" in data:
            text = data["text/plain"]
            values[scrapbook["name"]] = text if isinstance(text, str) else "".join(text)
    return values


def glue_text(role: str, values: dict[str, str], chapter: str) -> str:
    """The page's text for `{glue:text}`role``: myst-nb's PasteTextRole, to the letter."""
    from myst_nb.core.variables import format_plain_text  # the book's own formatting

    key, _, spec = role.rpartition(":") if ":" in role else (role, "", "s")
    if key not in values:
        raise GlueError(f"{chapter}: no glued value named {key!r} (in {{glue:text}}`{role}`)")
    return format_plain_text(values[key], spec)


def citation(kind: str | None, keys: str, book: Book, chapter: str) -> str:
    cited = []
    for key in (k.strip() for k in keys.split(",")):
        if key not in book.references:
            raise KeyError(f"{chapter}: {{cite}}`{key}` is not in references.bib")
        cited.append(book.references[key])
    cited.sort()  # sphinxcontrib-bibtex lists a citation's references by author, then year
    if kind == "t":
        return ", ".join(f"{names} [{year}]" for names, year in cited)
    return "[" + ", ".join(f"{names}, {year}" for names, year in cited) + "]"


def doc_link(target: str, book: Book) -> str:
    title, page = target, target
    explicit = EXPLICIT.match(target)
    if explicit:
        title, page = explicit.group(1), explicit.group(2)
    page = page.removeprefix("/chapters/").removeprefix("./").removesuffix(".md")
    if not explicit:
        title = book.titles.get(page, page)
    return f"[{title}]({page}.ipynb)" if page in book.notebooks else title


def other_chapters_label(role: str, book: Book, own: set[str]) -> str | None:
    """An `{eq}`/`{ref}` role as a link to the chapter that defines its label, when that is
    another chapter (None: jupyterlab-myst resolves it, or nothing can)."""
    name, target = role.split("}`", 1)
    explicit = EXPLICIT.match(target[:-1])
    title, label = explicit.groups() if explicit else (None, target[:-1])
    page = book.labels.get(label)
    if label in own or page is None:
        return None
    chapter = book.titles.get(page, page)
    if name == "{eq":
        return f"[an equation of *{chapter}*]({page}.ipynb)"
    return f"[{title or chapter}]({page}.ipynb)"


def solution_line(label: str, exercises: dict[str, tuple[int, str]]) -> str:
    number, title = exercises.get(label, (None, ""))
    name = f"Exercise {number}" if number else label
    return f"**Solution to {name}{f' ({title})' if title else ''}**\n"


def rewrite_markdown(
    text: str,
    values: dict[str, str],
    book: Book,
    chapter: str,
    own: set[str],
    exercises: dict[str, tuple[int, str]],
) -> str:
    """One markdown cell for the reader (`own`: the labels the chapter defines; `exercises`:
    label -> (number, title), in the chapter's order, as both sphinx-exercise and MyST count)."""
    text = GLUE_TEXT.sub(lambda m: glue_text(m.group(1), values, chapter), text)
    text = CITE.sub(lambda m: citation(m.group(1), m.group(2), book, chapter), text)
    text = DOC.sub(lambda m: doc_link(m.group(1), book), text)
    text = CROSS_REFERENCE.sub(
        lambda m: other_chapters_label(m.group(0), book, own) or m.group(0), text
    )
    text = SOLUTION_START.sub(lambda m: solution_line(m.group(2), exercises), text)
    return SOLUTION_END.sub("", text)


def slug(heading: str) -> str:
    """A heading's implicit anchor, as MyST makes it: lower case, punctuation dropped, each
    space a hyphen ("Evidence: rate × decay" -> "evidence-rate--decay")."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def label_headings(text: str, anchors: set[str]) -> str:
    """`(anchor)=` before each heading whose implicit anchor a link of the chapter uses."""

    def label(match: re.Match) -> str:
        anchor = slug(match.group(1))
        return f"({anchor})=\n{match.group(0)}" if anchor in anchors else match.group(0)

    return HEADING.sub(label, text)


def reader_notebook(
    source: dict, executed: dict, book: Book, chapter: str, store: dict | None = None
) -> dict:
    """The notebook a reader opens: `source` (the chapter as committed) with the glued values of
    `executed` (the same chapter run, as myst-nb runs it; `store`: see glued_text) written in,
    the roles rewritten, no outputs."""
    values = glued_text(executed, store)
    own_markdown = markdown_of(source)
    own = {label for pattern in LABELS for label in pattern.findall(own_markdown)}
    exercises = {
        label: (n, title.strip())
        for n, (title, label) in enumerate(EXERCISE.findall(own_markdown), 1)
    }
    anchors = set(ANCHOR_LINK.findall(own_markdown)) - own
    reader = copy.deepcopy(source)
    cells = []
    for cell in reader["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        elif cell["cell_type"] == "markdown":
            before = "".join(cell["source"])
            after = rewrite_markdown(before, values, book, chapter, own, exercises)
            after = label_headings(after, anchors)
            if after != before:
                if not after.strip():
                    continue  # only a solution's end marker was in it
                cell["source"] = after.splitlines(keepends=True)
        cells.append(cell)
    reader["cells"] = cells
    return reader


def write_notebook(notebook: dict, path: Path) -> None:
    """As nbformat writes one (indent 1, UTF-8, a final newline)."""
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def rewrite_chapters(sources: Path, executed: Path, target: Path, book: Book) -> list[Path]:
    """Every chapter of `sources` made a reader's notebook in `target`, from `executed`."""
    written = []
    for path in sorted(sources.glob("*.ipynb")):
        ran = executed / path.name
        if not ran.exists():
            raise FileNotFoundError(f"{ran} (the executed {path.name}) is missing")
        store = ran.with_suffix(".glue.json")
        notebook = reader_notebook(
            json.loads(path.read_text()),
            json.loads(ran.read_text()),
            book,
            path.stem,
            json.loads(store.read_text()) if store.exists() else None,
        )
        write_notebook(notebook, target / path.name)
        written.append(target / path.name)
    return written
