"""Write chapters/exercises.md, the back matter's list of every exercise, from the chapters.

Run ``python _ext/exercise_list.py`` after adding, renaming or re-marking an exercise; the test
suite (tests/test_exercise_ladder.py) fails while the page is out of date. The list is read from
each chapter notebook's ``{exercise}`` directives, in the order of ``_toc.yml``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, NamedTuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "chapters" / "exercises.md"

#: An exercise's directive: ```{exercise} Title ★★ and its :label: on a later line.
DIRECTIVE = re.compile(r"^`{3,}\{exercise\}\s*(?P<title>.*?)\s*(?P<mark>★*)\s*$", re.M)
LABEL = re.compile(r"^:label:\s*(\S+)", re.M)
SECTION = re.compile(r"^## ", re.M)
SOLUTION = re.compile(r"^`{3,}\{solution-start\}", re.M)

HEADER = """\
# Exercises

Every chapter ends with a ladder of exercises: first **implement** the chapter's rule, then
**derive** its central result and check the derivation numerically, then **predict** what a run
will do, commit to the prediction, and run it. The marks say how long an exercise takes:

- ★ — apply a rule or definition as the chapter writes it (minutes);
- ★★ — derive a result in several steps and check it;
- ★★★ — longer: design an experiment, prove a claim, or compare openly.

Most exercises are checked by a function of `optlib.exercises`: write your answer in the cell
under the exercise and run it. A checker never gives the answer away. A first failure names the
kind of mistake in words ("your step goes uphill"); run the check again with the same mistake,
or pass `hint=True`, and it gives a hint; ask once more and it shows the first case you get wrong,
with your numbers and the right ones. The formula itself is only in the solution, folded under
each exercise. A prediction is checked only once you have written it down: the experiment runs
after you have committed to an answer.
"""


class Item(NamedTuple):
    """One exercise: its label, title and difficulty mark, and the code of its cells: the
    starter's (before its solution) and the solution's."""

    label: str
    title: str
    mark: str
    starter: str
    solution: str

    @property
    def code(self) -> str:
        return self.starter + self.solution


def chapters() -> list[str]:
    """The numbered chapters of ``_toc.yml``, in order (``"chapters/intro"``, ...)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [
        entry["file"] for part in toc["parts"] if part.get("numbered") for entry in part["chapters"]
    ]


def exercises_of(notebook: dict[str, Any]) -> list[Item]:
    """The exercises of a chapter notebook, in order, each with the code of the cells that follow
    it up to the next exercise or the next section."""
    items: list[dict[str, Any]] = []
    where = ""  # where code cells go: "starter", "solution", or "" (outside any exercise)
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            if where and items:
                items[-1][where] += source + "\n"
            continue
        events = [(m.start(), "exercise", m) for m in DIRECTIVE.finditer(source)]
        events += [(m.start(), "section", m) for m in SECTION.finditer(source)]
        events += [(m.start(), "solution", m) for m in SOLUTION.finditer(source)]
        for _, kind, match in sorted(events, key=lambda event: event[0]):
            if kind == "section":
                where = ""
            elif kind == "solution":
                where = "solution" if where else ""
            else:
                label = LABEL.search(source, match.end())
                title, mark = match["title"], match["mark"]
                items.append(
                    {
                        "label": label.group(1) if label else "",
                        "title": title,
                        "mark": mark,
                        "starter": "",
                        "solution": "",
                    }
                )
                where = "starter"
    return [Item(**item) for item in items]


def _title_of(notebook: dict[str, Any]) -> str:
    for cell in notebook["cells"]:
        heading = re.search(r"^# (.+)$", "".join(cell["source"]), re.M)
        if cell["cell_type"] == "markdown" and heading:
            return heading.group(1).strip()
    return ""


def page() -> str:
    """The text of chapters/exercises.md."""
    lines = [HEADER]
    for number, entry in enumerate(chapters(), 1):
        notebook = json.loads((ROOT / f"{entry}.ipynb").read_text())
        name = Path(entry).name
        lines.append(f"## {number}. {_title_of(notebook)}\n")
        lines.append(f"In {{doc}}`{name}`:\n")
        for item in exercises_of(notebook):
            checked = " · checked" if re.search(r"\bcheck_\w+\(", item.code) else ""
            lines.append(f"- {{ref}}`{item.title} <{item.label}>` {item.mark}{checked}")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    PAGE.write_text(page())
    print(f"wrote {PAGE.relative_to(ROOT)}")
