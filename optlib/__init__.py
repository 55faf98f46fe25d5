"""optlib: the optimizers, objectives and helpers that every chapter of *Toward Optimal Optimizer*
runs on. Plain NumPy; every update rule's ``step`` is the book's equations, line for line.

The floors, from the bottom (a module imports only from floors below its own):

1. inputs — ``validation``, ``functions``, ``losses``, ``data``, ``schedules``, ``gradcheck``;
2. rules and models — ``optimizers``, ``models``;
3. the runner and its trajectory — ``run``;
4. ``plotting``, ``higher_order``, ``derivative_free``, ``tuning``, ``exercises``;
5. ``widgets`` (and ``notebook``, the chapters' display helpers).

``import optlib`` loads floors 1–3 and the methods of floor 4 that need no plotting;
``optlib.plotting``, ``optlib.widgets``, ``optlib.exercises`` and ``optlib.notebook`` are
imported when first used, so that importing the library never starts matplotlib's pyplot.
"""

from __future__ import annotations

import importlib
from typing import Any

from optlib import (
    data,
    derivative_free,
    functions,
    gradcheck,
    higher_order,
    losses,
    models,
    optimizers,
    run,
    schedules,
    tuning,
    validation,
)
from optlib.optimizers import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    Dampening,
    DecoupledDecay,
    L2Penalty,
    Momentum,
    NAdam,
    NesterovLookahead,
    Optimizer,
    RAdam,
    RMSprop,
    SGDMomentum,
    adadelta,
    adagrad,
    adam,
    adamax,
    adamw,
    momentum,
    nadam,
    nag,
    radam,
    rmsprop,
    sgd,
)
from optlib.run import Trajectory, follow, minimize

__version__ = "0.1.0"

#: Submodules imported on first use (they import matplotlib or IPython).
_LAZY = ("exercises", "notebook", "plotting", "widgets")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return importlib.import_module(f"optlib.{name}")
    raise AttributeError(f"module 'optlib' has no attribute {name!r}")


__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "Adamax",
    "Dampening",
    "DecoupledDecay",
    "L2Penalty",
    "Momentum",
    "NAdam",
    "NesterovLookahead",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "SGDMomentum",
    "Trajectory",
    "adadelta",
    "adagrad",
    "adam",
    "adamax",
    "adamw",
    "data",
    "derivative_free",
    "exercises",
    "follow",
    "functions",
    "gradcheck",
    "higher_order",
    "losses",
    "minimize",
    "models",
    "momentum",
    "nadam",
    "nag",
    "notebook",
    "optimizers",
    "plotting",
    "radam",
    "rmsprop",
    "run",
    "schedules",
    "sgd",
    "tuning",
    "validation",
    "widgets",
]
