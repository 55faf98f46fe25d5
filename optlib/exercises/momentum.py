r"""Exercises of the chapter on momentum: the heavy ball's step in the lecture's velocity form,
checked against :class:`optlib.optimizers.Momentum`, and Polyak's optimal settings on a
quadratic."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from optlib import optimizers
from optlib.exercises.engine import (
    Case,
    CheckResult,
    Mistake,
    as_outputs,
    check_against,
    close,
    quiet,
)
from optlib.exercises.variants import (
    negative,
    reordered,
    returns_update,
    rule_step,
    steps_in_a_row,
    with_arg,
)

__all__ = ["check_heavy_ball_tuning", "check_momentum_step", "momentum_step"]


# --- One step of the heavy ball ----------------------------------------------------------------


def momentum_step(
    theta: np.ndarray, grad: np.ndarray, velocity: np.ndarray, lr: float, gamma: float
) -> tuple[np.ndarray, np.ndarray]:
    r"""optlib's heavy-ball step, ``optimizers.momentum(lr, gamma)``, in the exercise's signature.

    Parameters
    ----------
    theta, grad, velocity : the parameters, the gradient and the velocity :math:`v`.
    lr, gamma : :math:`\eta` and :math:`\gamma`.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The new parameters and the new velocity.
    """
    new_theta, state = rule_step(optimizers.momentum(lr=lr, gamma=gamma), theta, grad, v=velocity)
    return new_theta, state.v


def check_momentum_step(step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's heavy-ball momentum step against :class:`optlib.optimizers.Momentum`.

    The lecture's velocity form (Polyak 1964):

    .. math::
        v_{t} = \gamma v_{t-1} - \eta\, g_t, \qquad \theta_{t} = \theta_{t-1} + v_{t}.

    (PyTorch's ``SGD(momentum=γ)`` keeps :math:`b = -v/\eta` instead; the checker wants the
    lecture's :math:`v`.)

    Expected signature: ``step(theta, grad, velocity, lr, gamma) -> (theta, velocity)``, the new
    parameters and the new velocity.

    Examples
    --------
    >>> def my_momentum_step(theta, grad, velocity, lr, gamma):
    ...     velocity = gamma * velocity - lr * grad
    ...     return theta + velocity, velocity
    >>> check_momentum_step(my_momentum_step).passed
    True
    """
    rng = np.random.default_rng(5)

    def carry(args: tuple[Any, ...], outputs: Any, grad: np.ndarray) -> tuple[Any, ...]:
        return (outputs[0], grad, outputs[1], *args[3:])

    first = (rng.normal(size=3), rng.normal(size=3), np.zeros(3), 0.1, 0.9)
    cases = [
        *steps_in_a_row(momentum_step, carry, first, rng.normal(size=(3, 3)), "4 steps in a row"),
        Case(
            (rng.normal(size=3), np.zeros(3), rng.normal(size=3), 0.1, 0.9),
            "zero gradient, still moving",
        ),
        Case((rng.normal(size=3), rng.normal(size=3), rng.normal(size=3), 0.1, 0.0), "γ = 0"),
        Case(
            (
                1e5 * rng.normal(size=3),
                1e7 * rng.normal(size=3),
                1e6 * rng.normal(size=3),
                0.01,
                0.9,
            ),
            "large values",
        ),
        Case(
            (rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), 0.05, 0.5),
            "a batch, shape (3, 2)",
        ),
    ]
    reference = momentum_step

    def old_velocity(theta, grad, velocity, lr, gamma):
        """θ moved by the velocity it was given; the new velocity right."""
        return theta + velocity, reference(theta, grad, velocity, lr, gamma)[1]

    def pytorch_buffer(theta, grad, velocity, lr, gamma):
        """PyTorch's rule (b ← μb + g, θ ← θ − ηb, after its first step) fed v as its b."""
        rule = optimizers.SGDMomentum(lr=lr, momentum=gamma)
        new_theta, state = rule_step(rule, theta, grad, t=2, b=velocity)
        return new_theta, state.b

    def damped(theta, grad, velocity, lr, gamma):
        """The heavy ball with η(1 − γ) for η: v ← γv − (1 − γ)η·g."""
        return reference(theta, grad, velocity, (1 - gamma) * lr, gamma)

    mistakes = [
        Mistake(
            "uphill",
            "Your step moves uphill: the velocity should subtract η·g (v ← γv − η·g), not add it.",
            with_arg(reference, 1, negative),
        ),
        Mistake(
            "lr_missing",
            "Your step ignores the learning rate: v ← γv − η·g.",
            with_arg(reference, 3, lambda lr: 1.0),
        ),
        Mistake(
            "forgets_velocity",
            "Your step ignores the old velocity, so it is plain gradient "
            "descent: v ← γv − η·g keeps γ times the previous velocity.",
            with_arg(reference, 4, lambda gamma: 0.0),
        ),
        Mistake(
            "old_velocity",
            "Your step moves θ with the old velocity: update v first "
            "(v ← γv − η·g), then θ ← θ + v with the new v.",
            old_velocity,
        ),
        Mistake(
            "pytorch_buffer",
            "You mixed in PyTorch's form (b ← μb + g, θ ← θ − η·b); in the "
            "lecture's form η multiplies only the new gradient: v ← γv − η·g, θ ← θ + v.",
            pytorch_buffer,
        ),
        Mistake(
            "damped",
            "Your velocity has a (1 − γ) factor, an exponential moving average; "
            "the heavy ball adds the whole −η·g: v ← γv − η·g.",
            damped,
        ),
        Mistake(
            "swapped_outputs",
            "You return (velocity, theta); return (theta, velocity).",
            reordered(reference, (1, 0)),
        ),
        Mistake(
            "returns_update",
            "Your first output is the velocity v, the update, instead of the new parameters θ + v.",
            returns_update(reference),
        ),
    ]
    return check_against(
        step,
        reference,
        cases,
        mistakes,
        arg_names=("theta", "grad", "velocity", "lr", "gamma"),
        output_names=("theta", "velocity"),
        reference_name="optlib.optimizers.Momentum",
    )


# --- Tuning the heavy ball on a quadratic ------------------------------------------------------


def _polyak_heavy_ball(mu: float, L: float) -> tuple[float, float]:
    r"""Polyak's (1964) optimal heavy-ball settings for Hessian eigenvalues in :math:`[\mu, L]`:
    :math:`\eta = 4/(\sqrt L + \sqrt\mu)^2`, :math:`\gamma = ((\sqrt\kappa - 1)/(\sqrt\kappa +
    1))^2`, :math:`\kappa = L/\mu`. optlib has no function for it: the formula is the paper's,
    and the tests confirm it independently, by minimising the heavy ball's spectral radius."""
    sqrt_kappa = np.sqrt(L / mu)
    return 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2, ((sqrt_kappa - 1) / (sqrt_kappa + 1)) ** 2


def _heavy_ball_rate(lr: float, gamma: float, eigenvalues: Sequence[float]) -> float:
    r"""The factor by which the heavy ball shrinks the error per step, in the long run: the
    largest spectral radius of its iteration matrices over the given eigenvalues :math:`\lambda`.

    Along an eigenvector of curvature :math:`\lambda` the error obeys
    :math:`e_{k+1} = (1 + \gamma - \eta\lambda)\, e_k - \gamma\, e_{k-1}`, i.e.
    :math:`(e_{k+1}, e_k) = M_\lambda (e_k, e_{k-1})` with
    :math:`M_\lambda = \begin{pmatrix} 1 + \gamma - \eta\lambda & -\gamma \\ 1 & 0
    \end{pmatrix}`. Over an interval :math:`[\mu, L]` the worst :math:`\lambda` is an end point:
    the radius grows with :math:`|1 + \gamma - \eta\lambda|`, which is convex in :math:`\lambda`.
    """
    matrices = np.array([[[1 + gamma - lr * lam, -gamma], [1.0, 0.0]] for lam in eigenvalues])
    return float(np.max(np.abs(np.linalg.eigvals(matrices))))


def _heavy_ball_rate_note(answers: Sequence[Any], cases: Sequence[Case]) -> str:
    """What the learner's settings (their ``answers``, case by case) cost on the first case
    they get wrong, or '' if unknown."""
    for case, answer in zip(cases, answers, strict=True):  # one answer per case
        mu, L = case.args
        right = _polyak_heavy_ball(mu, L)
        try:
            with quiet():
                lr, gamma = (float(setting) for setting in answer)
        except Exception:  # not two numbers: the main message has said so already
            return ""
        if not (np.isfinite(lr) and np.isfinite(gamma)):
            return ""
        if close(as_outputs((lr, gamma), 2), as_outputs(right, 2)):
            continue
        rate, best = _heavy_ball_rate(lr, gamma, (mu, L)), _heavy_ball_rate(*right, (mu, L))
        yours = (
            f"never converge (ρ = {rate:.4g} ≥ 1 per step)"
            if rate >= 1
            else f"shrink the error by a factor ρ = {rate:.4g} per step"
        )
        return (
            f" With μ = {mu:g} and L = {L:g} your settings {yours}; Polyak's shrink it by "
            f"ρ = (√κ − 1)/(√κ + 1) = {best:.4g}."
        )
    return ""


def _recording_answers(fn: Callable[..., Any], answers: list[Any]) -> Callable[..., Any]:
    """``fn``, appending each answer to ``answers``: the note reads them, without calling the
    learner's function again."""

    @functools.wraps(fn)  # keeps the learner's name for the messages
    def recorded(*args: Any) -> Any:
        answers.append(fn(*args))
        return answers[-1]

    return recorded


def check_heavy_ball_tuning(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's optimal heavy-ball settings for a quadratic (Polyak 1964).

    On a quadratic whose Hessian eigenvalues lie in :math:`[\mu, L]`, heavy-ball momentum
    (:math:`v \leftarrow \gamma v - \eta\nabla f`, :math:`\theta \leftarrow \theta + v`)
    converges fastest with

    .. math::
        \eta = \frac{4}{(\sqrt L + \sqrt\mu)^2}, \qquad
        \gamma = \left(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\right)^2, \qquad
        \kappa = \frac{L}{\mu},

    and then shrinks the error by :math:`\rho = (\sqrt\kappa - 1)/(\sqrt\kappa + 1)` per step
    (the spectral radius of the iteration matrix, :math:`\sqrt\gamma`), against
    :math:`(\kappa - 1)/(\kappa + 1)` for the best gradient-descent step :math:`2/(\mu + L)`.
    When you are wrong the message also says which rate your settings give.

    Expected signature: ``fn(mu, L) -> (lr, gamma)``, two numbers, for :math:`0 < \mu \le L`.

    Examples
    --------
    >>> import numpy as np
    >>> def my_heavy_ball_tuning(mu, L):
    ...     kappa = L / mu
    ...     lr = 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2
    ...     gamma = ((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2
    ...     return lr, gamma
    >>> check_heavy_ball_tuning(my_heavy_ball_tuning).passed
    True
    """
    cases = [
        Case((1.0, 100.0), "μ = 1, L = 100 (κ = 100)"),
        Case((1.0, 4.0), "μ = 1, L = 4 (κ = 4)"),
        Case((0.3, 7.5), "μ = 0.3, L = 7.5 (κ = 25)"),
        Case((2.0, 2.0), "μ = L = 2 (κ = 1, a round bowl)"),
        Case((3.0, 3.3), "μ = 3, L = 3.3 (κ = 1.1, nearly round)"),
        Case((1e-3, 1e3), "μ = 1e-3, L = 1e3 (κ = 10⁶, badly conditioned)"),
        Case((1e4, 1e6), "μ = 1e4, L = 1e6 (a steep bowl)"),
        Case((1e-4, 1e-2), "μ = 1e-4, L = 1e-2 (a flat bowl)"),
    ]

    def rate(mu: float, L: float) -> float:
        """(√κ − 1)/(√κ + 1): the optimal rate, which is not the momentum."""
        sqrt_kappa = np.sqrt(L / mu)
        return (sqrt_kappa - 1) / (sqrt_kappa + 1)

    def right_lr(mu: float, L: float) -> float:
        return _polyak_heavy_ball(mu, L)[0]

    def right_gamma(mu: float, L: float) -> float:
        return _polyak_heavy_ball(mu, L)[1]

    mistakes = [
        Mistake(
            "gd_optimal",
            "η = 2/(μ + L) with γ = 0 is the best *gradient-descent* step, with "
            "rate (κ − 1)/(κ + 1). Momentum does better: η = 4/(√L + √μ)², "
            "γ = ((√κ − 1)/(√κ + 1))².",
            lambda mu, L: (2 / (mu + L), 0.0),
        ),
        Mistake(
            "gamma_not_squared",
            "Your γ is (√κ − 1)/(√κ + 1), which is the optimal *rate*; "
            "the momentum is its square: γ = ((√κ − 1)/(√κ + 1))².",
            lambda mu, L: (right_lr(mu, L), rate(mu, L)),
        ),
        # Inside the square, μ/L and L/μ give the same γ; an inverted κ shows only without it.
        Mistake(
            "kappa_inverted",
            "Your γ is negative: κ is L/μ (at least 1), you used μ/L; and "
            "the ratio is squared: γ = ((√κ − 1)/(√κ + 1))².",
            lambda mu, L: (right_lr(mu, L), rate(L, mu)),
        ),
        Mistake(
            "one_over_L",
            "η = 1/L is the safe gradient-descent step; with momentum the "
            "optimal step is larger: η = 4/(√L + √μ)².",
            lambda mu, L: (1 / L, right_gamma(mu, L)),
        ),
        Mistake(
            "nesterov_settings",
            "η = 1/L with γ = (√κ − 1)/(√κ + 1) are the settings of "
            "*Nesterov's* method for strongly convex functions; Polyak's heavy ball uses "
            "η = 4/(√L + √μ)² and γ = ((√κ − 1)/(√κ + 1))².",
            lambda mu, L: (1 / L, rate(mu, L)),
        ),
        Mistake(
            "swapped_outputs",
            "You return (gamma, lr); return (lr, gamma).",
            reordered(_polyak_heavy_ball, (1, 0)),
        ),
    ]
    answers: list[Any] = []
    candidate = _recording_answers(fn, answers) if callable(fn) else fn
    result = check_against(
        candidate,
        _polyak_heavy_ball,
        cases,
        mistakes,
        arg_names=("mu", "L"),
        output_names=("lr", "gamma"),
        reference_name="Polyak's optimal settings (1964)",
    )
    if result.passed or result.mistake not in {None, *(m.name for m in mistakes)}:
        return result
    note = _heavy_ball_rate_note(answers, cases)
    return CheckResult(False, result.message + note, result.mistake)
