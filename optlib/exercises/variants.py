r"""References and known mistakes built from optlib's own rules.

A checker compares the learner's function with a *reference*: optlib's rule, run from the
arguments the learner's function is given (:func:`rule_step`). Most known mistakes are the same
rule with one thing changed, so each mistake is exactly what its name says and cannot drift from
the rule:

- a hyperparameter: ``lr_missing`` is the rule with :math:`\eta = 1`, ``betas_swapped`` the rule
  with :math:`(\beta_2, \beta_1)`, ``old_v`` RMSProp with :math:`\alpha = 1`;
- what the rule is fed (:func:`with_arg`): ``uphill`` is momentum fed :math:`-g`
  (:func:`negative`), ``not_accumulated`` AdaGrad fed :math:`G = 0`, ``t_off_by_one`` Adam
  fed :math:`t \pm 1`;
- what is done with its answer: :func:`reordered` outputs, the step taken the other way
  (:func:`uphill`), not taken at all (:func:`stands_still`), or the update returned instead of
  the new parameters (:func:`returns_update`, :func:`on_theta`).

A mistake that changes the formula itself (:math:`\epsilon` inside the root, a missing square) is
a small function written next to its checker.

:func:`steps_in_a_row` builds the cases of consecutive steps, each given the state the right
previous step returned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from optlib.exercises.engine import Case
from optlib.optimizers import Optimizer

__all__ = [
    "negative",
    "on_theta",
    "reordered",
    "returns_update",
    "rule_step",
    "stands_still",
    "steps_in_a_row",
    "uphill",
    "with_arg",
]


def rule_step(
    rule: Optimizer,
    theta: np.ndarray,
    grad: np.ndarray,
    t: int = 1,
    **buffers: Any,
) -> tuple[np.ndarray, Any]:
    """One step of an optlib rule from the state a learner's step function is given.

    Parameters
    ----------
    rule : an optlib optimizer, e.g. ``optimizers.adam(lr=lr, betas=(beta1, beta2), eps=eps)``.
    theta, grad : the parameters and the gradient.
    t : the number of *this* step (1 on the first), as the exercises pass it; the rule's state
        counts the steps already taken, ``t - 1``.
    **buffers : the state's arrays by field name (``m=m, v=v``); the fields not given keep the
        values of ``rule.init(theta)``.

    Returns
    -------
    (numpy.ndarray, NamedTuple)
        The new parameters and the rule's new state.
    """
    arrays = {
        name: np.asarray(value, dtype=float)
        for name, value in buffers.items()
    }
    state = rule.init(theta)._replace(t=t - 1, **arrays)
    return rule.step(theta, grad, state)


# --- Changing what the reference is fed --------------------------------------------------------


def with_arg(
    reference: Callable[..., Any],
    position: int,
    change: Callable[[Any], Any],
) -> Callable[..., Any]:
    """The reference called with argument ``position`` replaced by ``change(argument)``.

    Parameters
    ----------
    reference : the right function.
    position : which positional argument to change (0 for the first).
    change : the new argument, from the old one, e.g. ``lambda lr: 1.0``.

    Returns
    -------
    callable
        The variant, with the reference's signature.
    """

    def variant(*args: Any) -> Any:
        changed = list(args)
        changed[position] = change(args[position])
        return reference(*changed)

    return variant


def negative(value: Any) -> Any:
    """``-value``, for a number, an array or a gradient function: fed as the gradient, it makes
    a step go uphill."""
    if callable(value):
        return lambda x: -value(x)
    return -value


# --- Changing what is done with the reference's answer -----------------------------------------


def on_theta(
    reference: Callable[..., Any], change: Callable[..., Any]
) -> Callable[..., Any]:
    """The reference, except that it returns ``change(theta, right_new_theta)`` as θ.

    Parameters
    ----------
    reference : the right function; its first argument is θ and its first output the new θ.
    change : ``(theta, new_theta) -> what the variant returns instead of new_theta``.

    Returns
    -------
    callable
        The variant, with the reference's signature.
    """

    def variant(theta: Any, *rest: Any) -> Any:
        outputs = reference(theta, *rest)
        if isinstance(outputs, tuple):
            return (change(theta, outputs[0]), *outputs[1:])
        return change(theta, outputs)

    return variant


def uphill(reference: Callable[..., Any]) -> Callable[..., Any]:
    """The reference's step taken the other way: θ − (θ_new − θ), the rest of its outputs right.

    For a rule whose state does not depend on the sign of g (AdaGrad, RMSProp, AdaDelta) this
    is the rule fed −g; for Adam, whose m does, it is the right m with the step added.
    """
    return on_theta(
        reference, lambda theta, new_theta: 2 * theta - new_theta
    )


def returns_update(reference: Callable[..., Any]) -> Callable[..., Any]:
    """The reference returning the update θ_new − θ instead of the new parameters θ_new."""
    return on_theta(reference, lambda theta, new_theta: new_theta - theta)


def stands_still(reference: Callable[..., Any]) -> Callable[..., Any]:
    """The reference with θ left where it was (the rest of its outputs right): a step not yet
    written, as in a starter cell."""
    return on_theta(reference, lambda theta, new_theta: theta)


def reordered(
    reference: Callable[..., Any], order: Sequence[int]
) -> Callable[..., Any]:
    """The reference with its outputs returned in another ``order`` (indices of its outputs)."""
    return lambda *args: tuple(reference(*args)[i] for i in order)


# --- Consecutive steps -------------------------------------------------------------------------


def steps_in_a_row(
    reference: Callable[..., Any],
    carry: Callable[[tuple[Any, ...], Any, Any], tuple[Any, ...]],
    first_args: tuple[Any, ...],
    next_grads: Sequence[Any],
    kind: str,
) -> list[Case]:
    """Cases of consecutive steps of one run, each given the state the right previous step
    returned, as it would be in a training loop.

    Parameters
    ----------
    reference : the right step.
    carry : ``(args, outputs, next_grad) -> args of the next step``, from the previous step's
        arguments and the reference's outputs for them.
    first_args : the arguments of the first step.
    next_grads : what each later step is given: its gradient (or ``grad_fn``).
    kind : the :attr:`Case.kind` of every one of these cases.

    Returns
    -------
    list of Case
        ``1 + len(next_grads)`` cases, described as "step k of n in a row".
    """
    steps = 1 + len(next_grads)
    args, cases = (
        first_args,
        [Case(first_args, f"step 1 of {steps} in a row", kind)],
    )
    for number, grad in enumerate(next_grads, 2):
        args = carry(args, reference(*args), grad)
        cases.append(Case(args, f"step {number} of {steps} in a row", kind))
    return cases
