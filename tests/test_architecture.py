"""The house stays layered: every optlib module imports only from the floors below its own,
never another module's private names, and `import optlib` does not start matplotlib's pyplot.
The floors are the README's "Architecture" table (``validation`` is the bottom of floor 1: every
module may import it; here it is floor 0)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "optlib"

FLOORS = {
    "validation": 0,
    "functions": 1,
    "losses": 1,
    "data": 1,
    "schedules": 1,
    "gradcheck": 1,
    "optimizers": 2,
    "models": 2,
    "run": 3,
    "plotting": 4,
    "higher_order": 4,
    "derivative_free": 4,
    "tuning": 4,
    "exercises": 5,
    "widgets": 5,
    "notebook": 5,
}


def module_of(path: Path) -> str:
    """``optlib/exercises/adam.py`` -> ``exercises`` (a package counts as its top module)."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def optlib_imports(path: Path) -> list[tuple[str, list[str], int]]:
    """``(module, imported names, line)`` for every ``optlib`` import in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] != "optlib":
                continue
            if len(parts) == 1:  # from optlib import losses, ...
                for alias in node.names:
                    found.append((alias.name, [], node.lineno))
            else:
                found.append((parts[1], [alias.name for alias in node.names], node.lineno))
        elif isinstance(node, ast.ImportFrom) and node.level > 0:  # inside a package
            found.append((module_of(path), [alias.name for alias in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "optlib" and len(parts) > 1:
                    found.append((parts[1], [], node.lineno))
    return found


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def test_every_module_has_a_floor():
    assert {module_of(path) for path in SOURCES} == set(FLOORS)


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(PACKAGE)) for p in SOURCES])
def test_imports_go_down_only_and_never_to_private_names(path):
    here = module_of(path)
    for module, names, line in optlib_imports(path):
        if module == here:
            continue  # a package's own modules
        assert module in FLOORS, f"{path.name}:{line} imports unknown optlib.{module}"
        assert FLOORS[module] < FLOORS[here] or (FLOORS[module] == FLOORS[here] == 1), (
            f"{path.name}:{line}: optlib.{here} (floor {FLOORS[here]}) imports optlib.{module} "
            f"(floor {FLOORS[module]})"
        )
        private = [name for name in names if name.startswith("_")]
        assert not private, f"{path.name}:{line} imports private {private} from optlib.{module}"


def test_the_inputs_floor_does_not_import_itself_in_a_cycle():
    """Floor 1 modules may use each other only without a cycle (none does today)."""
    edges = {
        module_of(path): {m for m, _, _ in optlib_imports(path) if FLOORS.get(m) == 1}
        for path in SOURCES
        if FLOORS[module_of(path)] == 1
    }
    for module, targets in edges.items():
        for target in targets:
            assert module not in edges.get(target, set()), (module, target)


def test_import_optlib_does_not_start_pyplot():
    code = "import sys, optlib; print('matplotlib.pyplot' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_lazy_submodules_load_on_first_use():
    code = "import optlib; print(optlib.plotting.__name__, optlib.exercises.__name__)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["optlib.plotting", "optlib.exercises"], result.stderr


def test_no_file_of_the_project_refers_outside_the_repository():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    outside = "../" + "shared"  # spelled in two parts, so that this file is not an offender
    offenders = []
    for name in tracked:
        path = ROOT / name
        if name.startswith(".ci/") or path.suffix not in {".py", ".md", ".ipynb", ".yml", ".toml"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if outside in text:
            offenders.append(name)
    assert not offenders, offenders


def test_every_rules_step_is_its_equations_only():
    """A rule's ``step`` is the chapter's equations: at most 15 lines, and none of the sweep or
    in-place machinery (lining up, ``np.any`` on a hyperparameter, block handling) in it."""
    import inspect
    import textwrap

    from optlib import optimizers

    rules = [
        cls
        for cls in vars(optimizers).values()
        if inspect.isclass(cls)
        and issubclass(cls, optimizers.Optimizer)
        and "step" in vars(cls)
        and cls is not optimizers.Optimizer
    ]
    assert len(rules) >= 13  # 10 rules with a step of their own + 3 pieces
    for cls in rules:
        source = textwrap.dedent(inspect.getsource(cls.step))
        function = ast.parse(source).body[0]
        body = [node for node in function.body if not isinstance(node, ast.Expr)]  # docstring
        lines = body[-1].end_lineno - body[0].lineno + 1
        assert lines <= 15, f"{cls.__name__}.step is {lines} lines"
        for machinery in ("line_up", "lined_up", "np.any", "batched", "BLOCK", "step_"):
            assert machinery not in source, f"{cls.__name__}.step uses {machinery}"


def test_the_library_imports_only_its_declared_dependencies():
    """optlib needs NumPy, matplotlib and ipywidgets (pyproject.toml), not SciPy: importing every
    module, the exercise checkers included, loads no scipy."""
    import subprocess
    import sys

    code = (
        "import sys, importlib, pkgutil, optlib, optlib.exercises\n"
        "for m in pkgutil.walk_packages(optlib.__path__, 'optlib.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] == 'scipy'))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", result.stdout
