"""The public API: every public name is documented and type-hinted, and the package imports
cleanly with the names other code relies on."""

from __future__ import annotations

import inspect

import pytest

import optlib
import optlib.notebook
import optlib.widgets

MODULES = [
    optlib.optimizers,
    optlib.schedules,
    optlib.functions,
    optlib.losses,
    optlib.models,
    optlib.data,
    optlib.run,
    optlib.gradcheck,
    optlib.plotting,
    optlib.widgets,
    optlib.notebook,
    optlib.exercises,
    optlib.derivative_free,
    optlib.higher_order,
]
PUBLIC = [
    (module.__name__, name, getattr(module, name))
    for module in MODULES
    for name in module.__all__
    if inspect.isfunction(getattr(module, name)) or inspect.isclass(getattr(module, name))
]


def public_methods(cls):
    for name, member in vars(cls).items():
        if inspect.isfunction(member) and (not name.startswith("_") or name == "__call__"):
            yield name, member


@pytest.mark.parametrize(("module", "name", "obj"), PUBLIC, ids=[f"{m}.{n}" for m, n, _ in PUBLIC])
def test_public_name_has_docstring_and_type_hints(module, name, obj):
    assert inspect.getdoc(obj), f"{module}.{name} has no docstring"
    functions = [(name, obj)] if inspect.isfunction(obj) else list(public_methods(obj))
    for function_name, function in functions:
        signature = inspect.signature(function)
        for parameter in signature.parameters.values():
            if parameter.name in ("self", "cls"):
                continue
            assert parameter.annotation is not inspect.Parameter.empty, (
                f"{module}.{name}: {function_name}({parameter.name}) has no type hint"
            )
        assert signature.return_annotation is not inspect.Signature.empty or (
            function_name == "__init__"
        ), f"{module}.{name}.{function_name} has no return type"


def test_optimizer_docstrings_state_the_rule_in_latex():
    for name in ("sgd", "momentum", "nag", "adagrad", "rmsprop", "adadelta", "adam", "adamw"):
        doc = inspect.getdoc(getattr(optlib, name))
        assert ".. math::" in doc and r"\theta" in doc, name
    for name in ("nadam", "adamax", "radam"):
        assert ".. math::" in inspect.getdoc(getattr(optlib, name)), name


def test_the_documented_entry_points_exist():
    for name in (
        "sgd",
        "momentum",
        "nag",
        "adagrad",
        "rmsprop",
        "adadelta",
        "adam",
        "adamw",
        "radam",
        "nadam",
        "adamax",
        "minimize",
        "Trajectory",
    ):
        assert callable(getattr(optlib, name))
    assert optlib.functions.rosenbrock.value([1.0, 1.0]) == 0.0
