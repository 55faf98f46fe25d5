r"""Exercises of the chapter on momentum: the heavy ball's step in the lecture's velocity form
(checked against :class:`optlib.optimizers.Momentum`), Polyak's optimal settings on a quadratic
and the stationary variance of the error under gradient noise (both derived by the learner and
checked against what optlib's heavy-ball step gives on random settings), and a prediction: from
which momentum on does the ball overshoot?

The derivations are checked against the *library's* step, never against the closed form typed
again: :func:`step_matrix` reads the linear map of one optlib step on a one-dimensional
quadratic by running it, and the references are computed from that map.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from optlib import functions, optimizers
from optlib.exercises.engine import (
    Case,
    CheckResult,
    Mistake,
    as_outputs,
    check_against,
    checker,
    close,
    judge_prediction,
    quiet,
    root_between,
)
from optlib.exercises.variants import (
    negative,
    reordered,
    returns_update,
    rule_step,
    stands_still,
    steps_in_a_row,
    with_arg,
)
from optlib.optimizers import Optimizer
from optlib.run import minimize

__all__ = [
    "check_heavy_ball_overshoot",
    "check_heavy_ball_tuning",
    "check_heavy_ball_variance",
    "check_momentum_step",
    "momentum_step",
]


# --- One step of the heavy ball ----------------------------------------------------------------


def momentum_step(
    theta: np.ndarray,
    grad: np.ndarray,
    velocity: np.ndarray,
    lr: float,
    gamma: float,
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
    new_theta, state = rule_step(
        optimizers.momentum(lr=lr, gamma=gamma), theta, grad, v=velocity
    )
    return new_theta, state.v


@checker(
    formulas=(
        "gamma*velocity-lr*grad",
        "gamma*v-lr*grad",
        "gamma*v-lr*g",
        "γv−ηg",
        "γv_t−ηg_t",
        "theta+velocity",
    )
)
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

    def carry(
        args: tuple[Any, ...], outputs: Any, grad: np.ndarray
    ) -> tuple[Any, ...]:
        return (outputs[0], grad, outputs[1], *args[3:])

    first = (rng.normal(size=3), rng.normal(size=3), np.zeros(3), 0.1, 0.9)
    cases = [
        *steps_in_a_row(
            momentum_step,
            carry,
            first,
            rng.normal(size=(3, 3)),
            "4 steps in a row",
        ),
        Case(
            (rng.normal(size=3), np.zeros(3), rng.normal(size=3), 0.1, 0.9),
            "zero gradient, still moving",
        ),
        Case(
            (
                rng.normal(size=3),
                rng.normal(size=3),
                rng.normal(size=3),
                0.1,
                0.0,
            ),
            "γ = 0",
        ),
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
            (
                rng.normal(size=(3, 2)),
                rng.normal(size=(3, 2)),
                rng.normal(size=(3, 2)),
                0.05,
                0.5,
            ),
            "a batch, shape (3, 2)",
        ),
    ]
    reference = momentum_step

    def no_step(theta, grad, velocity, lr, gamma):
        """The starter's unfinished answer: the parameters and the velocity it was given."""
        return theta, velocity

    def old_velocity(theta, grad, velocity, lr, gamma):
        """θ moved by the velocity it was given; the new velocity right."""
        return theta + velocity, reference(theta, grad, velocity, lr, gamma)[
            1
        ]

    def pytorch_buffer(theta, grad, velocity, lr, gamma):
        """PyTorch's rule (b ← μb + g, θ ← θ − ηb, after its first step) fed v as its b."""
        rule = optimizers.SGDMomentum(lr=lr, momentum=gamma)
        new_theta, state = rule_step(rule, theta, grad, t=2, b=velocity)
        return new_theta, state.b

    def damped(theta, grad, velocity, lr, gamma):
        """The heavy ball with η(1 − γ) for η: an exponential moving average of the steps."""
        return reference(theta, grad, velocity, (1 - gamma) * lr, gamma)

    mistakes = [
        Mistake(
            "no_step",
            "Not yet: nothing moves — your function returns the parameters and the velocity it "
            "was given.",
            no_step,
            hint="first update the velocity from the old one and the new gradient, then move the "
            "parameters by it: the two lines of (mom-update).",
        ),
        Mistake(
            "theta_stands_still",
            "Not yet: your velocity is right, but θ does not move.",
            stands_still(reference),
            hint="the second line of (mom-update) moves the parameters by the new velocity.",
        ),
        Mistake(
            "uphill",
            "Your step goes uphill: the velocity grows in the direction of the gradient.",
            with_arg(reference, 1, negative),
            hint="the loss goes down when the new gradient pushes the velocity against it: "
            "check its sign.",
        ),
        Mistake(
            "lr_missing",
            "Your step ignores the learning rate.",
            with_arg(reference, 3, lambda lr: 1.0),
            hint="the learning rate scales the gradient's contribution to the velocity.",
        ),
        Mistake(
            "forgets_velocity",
            "Your step ignores the old velocity, so it is plain gradient descent.",
            with_arg(reference, 4, lambda gamma: 0.0),
            hint="the new velocity keeps a fraction γ of the old velocity: that memory is the "
            "momentum.",
        ),
        Mistake(
            "old_velocity",
            "Your step moves θ with the old velocity.",
            old_velocity,
            hint="update v first, then move θ by the new v.",
        ),
        Mistake(
            "pytorch_buffer",
            "You wrote PyTorch's form, which stores a buffer of summed gradients, not the "
            "lecture's velocity.",
            pytorch_buffer,
            hint="in the lecture's form (mom-update) the learning rate goes into the velocity "
            "itself, and θ moves by the velocity; compare it with PyTorch's form (mom-torch).",
        ),
        Mistake(
            "damped",
            "Your velocity is an exponential moving average: the new gradient's share is damped "
            "by a factor (1 − γ).",
            damped,
            hint="the heavy ball adds the whole gradient step to the decayed velocity.",
        ),
        Mistake(
            "swapped_outputs",
            "Your outputs are in the wrong order.",
            reordered(reference, (1, 0)),
            hint="return the new parameters first, then the new velocity: (theta, velocity).",
        ),
        Mistake(
            "returns_update",
            "Your first output is the velocity, the update, instead of the new parameters.",
            returns_update(reference),
            hint="add the new velocity to the parameters you were given, and return the result.",
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
        advice="compare your function with the two lines of (mom-update), one at a time: first "
        "the velocity, then the parameters.",
    )


# --- The heavy ball on one direction of a quadratic, read from optlib --------------------------


def step_matrix(rule: Optimizer, curvature: float) -> np.ndarray:
    r"""The linear map of one step of ``rule`` on :math:`f(\theta) = \tfrac12\lambda\theta^2`,
    acting on the state :math:`(\theta, v)`, read by running the rule.

    Its columns are where one step takes the states :math:`(1, 0)` and :math:`(0, 1)`; the
    gradient is read where the rule asks (``rule.lookahead_point``), so the same function gives
    the heavy ball's map and NAG's. The map is similar to the iteration matrix
    :math:`M(\lambda)` of (mom-iteration-matrix): same eigenvalues, same trace and determinant.

    Parameters
    ----------
    rule : an optlib rule whose state is a velocity ``v`` (``optimizers.momentum``,
        ``optimizers.nag``), with a constant learning rate.
    curvature : :math:`\lambda`.

    Returns
    -------
    numpy.ndarray
        The 2×2 matrix.
    """
    columns = []
    for theta, v in ((1.0, 0.0), (0.0, 1.0)):
        params = np.array([theta])
        state = rule.init(params)._replace(v=np.array([v]))
        gradient = curvature * rule.lookahead_point(params, state)
        new_params, new_state = rule.step(params, gradient, state)
        columns.append((new_params[0], new_state.v[0]))
    return np.array(columns).T


def _noise_response(rule: Optimizer) -> np.ndarray:
    """Where one step of ``rule`` takes the state (θ, v) = (0, 0) when the gradient is 1: the
    response to a unit of gradient noise."""
    params = np.zeros(1)
    new_params, new_state = rule.step(params, np.ones(1), rule.init(params))
    return np.array([new_params[0], new_state.v[0]])


def _spectral_radius(matrix: np.ndarray) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


# --- Tuning the heavy ball on a quadratic ------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _polyak_from_optlib(mu: float, L: float) -> tuple[float, float]:
    r"""The rate-optimal heavy-ball settings for curvatures in :math:`[\mu, L]`, found from
    optlib's step: the :math:`(\eta, \gamma)` that put the flattest direction on the double
    root :math:`+\sqrt{\det M}` and the steepest on :math:`-\sqrt{\det M}` (the ends of the
    band where every direction contracts alike).

    The trace of the step's map is affine in :math:`\eta` and its determinant is :math:`\gamma`;
    both are read from optlib's step at :math:`\eta = 1` and :math:`2`. For each :math:`\gamma`
    that gives the :math:`\eta` putting each end on its double root; a root finder then matches
    the two.
    """

    def trace_line(
        curvature: float, gamma: float
    ) -> tuple[float, float, float]:
        """(trace at η = 0, its slope in η, the determinant)."""
        one, two = (
            step_matrix(optimizers.momentum(lr=lr, gamma=gamma), curvature)
            for lr in (1, 2)
        )
        slope = np.trace(two) - np.trace(one)
        return (
            float(np.trace(one) - slope),
            float(slope),
            float(np.linalg.det(one)),
        )

    def lr_for(curvature: float, gamma: float, sign: float) -> float:
        """The η at which the trace is sign · 2√det: a double root of sign ``sign``."""
        start, slope, det = trace_line(curvature, gamma)
        return (sign * 2 * np.sqrt(max(det, 0.0)) - start) / slope

    def mismatch(gamma: float) -> float:
        return lr_for(mu, gamma, 1.0) - lr_for(L, gamma, -1.0)

    if (
        mismatch(0.0) <= 0
    ):  # a round bowl, μ = L: gradient descent's step, no momentum
        return float(lr_for(L, 0.0, -1.0)), 0.0
    gamma = root_between(mismatch, 0.0, 1.0 - 1e-15)
    return float(lr_for(mu, gamma, 1.0)), float(gamma)


def _heavy_ball_rate(
    lr: float, gamma: float, eigenvalues: Sequence[float]
) -> float:
    r"""The factor by which the heavy ball shrinks the error per step, in the long run: the
    largest spectral radius of optlib's step maps over the given curvatures. (Over an interval
    :math:`[\mu, L]` the worst curvature is an end point.)"""
    if (
        lr <= 0 or gamma < 0
    ):  # settings optlib refuses: the recursion (mom-iteration-matrix)
        matrices = [
            np.array([[1 + gamma - lr * lam, -gamma], [1.0, 0.0]])
            for lam in eigenvalues
        ]
    else:
        rule = optimizers.momentum(lr=lr, gamma=gamma)
        matrices = [step_matrix(rule, lam) for lam in eigenvalues]
    return max(_spectral_radius(matrix) for matrix in matrices)


def _heavy_ball_rate_note(
    answers: Sequence[Any], cases: Sequence[Case]
) -> str:
    """What the learner's settings (their ``answers``, case by case) cost on the first case
    they get wrong, in numbers, or '' if unknown."""
    for case, answer in zip(
        cases, answers, strict=False
    ):  # one answer per case
        mu, L = case.args
        right = _polyak_from_optlib(mu, L)
        try:
            with quiet():
                lr, gamma = (float(setting) for setting in answer)
        except (
            Exception
        ):  # not two numbers: the main message has said so already
            return ""
        if not (np.isfinite(lr) and np.isfinite(gamma)):
            return ""
        if close(as_outputs((lr, gamma), 2), as_outputs(right, 2)):
            continue
        try:
            with quiet():
                rate = _heavy_ball_rate(lr, gamma, (mu, L))
        except (
            ValueError,
            np.linalg.LinAlgError,
        ):  # settings so large that the map overflows
            return ""
        best = _heavy_ball_rate(*right, (mu, L))
        yours = (
            f"never converge (ρ = {rate:.4g} ≥ 1 per step)"
            if rate >= 1
            else f"shrink the error by a factor ρ = {rate:.4g} per step"
        )
        return (
            f" With μ = {mu:g} and L = {L:g} your settings {yours}; the best settings shrink it "
            f"by ρ = {best:.4g}."
        )
    return ""


def _recording_answers(
    fn: Callable[..., Any], answers: list[Any]
) -> Callable[..., Any]:
    """``fn``, appending each answer to ``answers``: the note reads them, without calling the
    learner's function again."""

    @functools.wraps(fn)  # keeps the learner's name for the messages
    def recorded(*args: Any) -> Any:
        answers.append(fn(*args))
        return answers[-1]

    return recorded


def _tuning_cases() -> list[Case]:
    """Fixed bowls first (round, nearly round, badly conditioned, steep, flat), then random
    ones from a seeded generator."""
    cases = [
        Case((1.0, 100.0), "μ = 1, L = 100 (κ = 100)"),
        Case((1.0, 4.0), "μ = 1, L = 4 (κ = 4)"),
        Case((2.0, 2.0), "μ = L = 2 (κ = 1, a round bowl)"),
        Case((3.0, 3.3), "μ = 3, L = 3.3 (κ = 1.1, nearly round)"),
        Case((1e-3, 1e3), "μ = 1e-3, L = 1e3 (κ = 10⁶, badly conditioned)"),
        Case((1e4, 1e6), "μ = 1e4, L = 1e6 (a steep bowl)"),
        Case((1e-4, 1e-2), "μ = 1e-4, L = 1e-2 (a flat bowl)"),
    ]
    rng = np.random.default_rng(51)
    for mu, kappa in zip(
        10 ** rng.uniform(-2, 2, 6),
        10 ** rng.uniform(0.1, 4, 6),
        strict=True,
    ):
        mu, L = float(mu), float(mu * kappa)
        cases.append(
            Case(
                (mu, L), f"random: μ = {mu:.4g}, L = {L:.4g}", "random bowls"
            )
        )
    return cases


@checker(
    formulas=(
        "4/(sqrt(L)+sqrt(mu))**2",
        "4/(√L+√μ)²",
        "(√κ−1)/(√κ+1)",
        "(sqrt(kappa)-1)/(sqrt(kappa)+1)",
        "(√L−√μ)/(√L+√μ)",
        "(sqrt(L)-sqrt(mu))/(sqrt(L)+sqrt(mu))",
    ),
    kind="derivation",
)
def check_heavy_ball_tuning(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's optimal heavy-ball settings for a quadratic (Polyak 1964).

    On a quadratic whose Hessian eigenvalues lie in :math:`[\mu, L]`, heavy-ball momentum
    (:math:`v \leftarrow \gamma v - \eta\nabla f`, :math:`\theta \leftarrow \theta + v`)
    converges fastest with

    .. math::
        \eta = \frac{4}{(\sqrt L + \sqrt\mu)^2}, \qquad
        \gamma = \left(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\right)^2, \qquad
        \kappa = \frac{L}{\mu},

    and then shrinks the error by :math:`\rho = \sqrt\gamma` per step. The reference is not
    this formula: it is found from optlib's heavy-ball step (:func:`step_matrix`), as the
    settings that put the flattest direction on critical damping and the steepest on the other
    double root, on fixed and random :math:`(\mu, L)`. When you are wrong, the last rung also
    says which rate your settings give.

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
    cases = _tuning_cases()
    reference = _polyak_from_optlib

    def right_lr(mu: float, L: float) -> float:
        return reference(mu, L)[0]

    def rate(mu: float, L: float) -> float:
        """√γ: the optimal rate, which is not the momentum."""
        return float(np.sqrt(reference(mu, L)[1]))

    mistakes = [
        Mistake(
            "not_started",
            "Not yet: your settings are zero, so the ball never moves.",
            lambda mu, L: (0.0, 0.0),
            hint="put the flattest direction on critical damping and the steepest on the other "
            "double root (the section 'All directions at once'), and solve those two "
            "equations for η and γ.",
        ),
        Mistake(
            "gd_optimal",
            "These are the best settings of *gradient descent*, without momentum. The heavy "
            "ball does better on the same bowl.",
            lambda mu, L: (2 / (mu + L), 0.0),
            hint="with a momentum, every direction inside the underdamped band contracts at the "
            "same rate; choose η and γ so that the whole spectrum [μ, L] fits in that band.",
        ),
        Mistake(
            "gamma_not_squared",
            "Your γ is the optimal rate itself; the momentum is a different number.",
            lambda mu, L: (right_lr(mu, L), rate(mu, L)),
            hint="in the underdamped band the roots have modulus √γ (mom-characteristic): the "
            "rate is the square root of the momentum, not the momentum.",
        ),
        # Inside the square, μ/L and L/μ give the same γ; an inverted κ shows only without it.
        Mistake(
            "kappa_inverted",
            "Your γ is negative: the condition number is upside down.",
            lambda mu, L: (right_lr(mu, L), -rate(mu, L)),
            hint="κ is L/μ, the largest curvature over the smallest, so it is at least 1; and the "
            "momentum is the square of the rate.",
        ),
        Mistake(
            "one_over_L",
            "Your η is gradient descent's safe step, 1/L; with momentum the best step is larger.",
            lambda mu, L: (1 / L, reference(mu, L)[1]),
            hint="momentum widens the stable range of ηλ (mom-characteristic); Polyak's η puts "
            "the steepest direction on a double root, well past ηL = 1.",
        ),
        Mistake(
            "nesterov_settings",
            "These are the settings of *Nesterov's* method for strongly convex functions, not "
            "Polyak's heavy ball.",
            lambda mu, L: (1 / L, rate(mu, L)),
            hint="both your η and your γ differ from the heavy ball's: derive them from the bound "
            "(mom-bound), as the section on Polyak's tuning does.",
        ),
        Mistake(
            "swapped_outputs",
            "Your outputs are in the wrong order.",
            reordered(reference, (1, 0)),
            hint="return the learning rate first, then the momentum: (lr, gamma).",
        ),
    ]
    answers: list[Any] = []
    candidate = _recording_answers(fn, answers) if callable(fn) else fn
    result = check_against(
        candidate,
        reference,
        cases,
        mistakes,
        arg_names=("mu", "L"),
        output_names=("lr", "gamma"),
        reference_name="the fastest settings found from optlib's heavy-ball step",
        advice="write down the two conditions of the section on Polyak's tuning — the flattest "
        "direction critically damped, the steepest on the other double root — and solve them "
        "for η and γ.",
    )
    if result.passed or result.mistake not in {
        None,
        *(m.name for m in mistakes),
    }:
        return result
    note = _heavy_ball_rate_note(answers, cases)
    if not (note and result.hints):
        return result
    return replace(
        result, hints=(*result.hints[:-1], result.hints[-1] + note)
    )


# --- The noise floor: the stationary variance of an AR(2) --------------------------------------


def _heavy_ball_variance(
    lr: float, gamma: float, curvature: float, sigma: float
) -> float:
    r"""The stationary variance of the heavy ball's error along a direction of curvature
    :math:`\lambda` when every gradient carries noise of standard deviation :math:`\sigma`,
    from optlib's step: with :math:`M` the step's map (:func:`step_matrix`) and :math:`b` its
    response to a unit of gradient noise, the covariance of the state :math:`(\theta, v)`
    solves :math:`\Sigma = M\Sigma M^\top + \sigma^2 b b^\top`."""
    rule = optimizers.momentum(lr=lr, gamma=gamma)
    kick = _noise_response(rule)
    step = step_matrix(rule, curvature)
    # Σ = MΣMᵀ + Q is linear in Σ: (I − M ⊗ M) vec Σ = vec Q.
    size = step.shape[0]
    noise = sigma**2 * np.outer(kick, kick)
    covariance = np.linalg.solve(
        np.eye(size * size) - np.kron(step, step), noise.ravel()
    )
    return float(covariance.reshape(size, size)[0, 0])


def _variance_cases() -> list[Case]:
    """Fixed settings (gradient descent, the chapter's bowl, near the edge of stability, tiny
    noise), then random stable ones from a seeded generator."""
    cases = [
        Case((0.1, 0.0, 1.0, 1.0), "γ = 0: gradient descent", "edge values"),
        Case(
            (0.02, 0.9, 10.0, 1.0),
            "η = 0.02, γ = 0.9, λ = 10 (the chapter's bowl)",
        ),
        Case(
            (0.01, 0.5, 290.0, 0.1),
            "ηλ = 2.9, near the edge of stability (3 at γ = 0.5)",
        ),
        Case(
            (1e-3, 0.95, 0.5, 1e-3), "tiny noise, a flat direction, γ = 0.95"
        ),
    ]
    rng = np.random.default_rng(52)
    for _ in range(6):
        gamma = float(rng.uniform(0.0, 0.97))
        h = float(
            rng.uniform(0.02, 1.9 * (1 + gamma))
        )  # stable: ηλ < 2(1 + γ)
        curvature = float(10 ** rng.uniform(-1, 2))
        sigma = float(10 ** rng.uniform(-2, 1))
        case = (h / curvature, gamma, curvature, sigma)
        description = ", ".join(
            f"{name} = {value:.4g}"
            for name, value in zip("ηγλσ", case, strict=True)
        )
        cases.append(Case(case, f"random: {description}", "random settings"))
    return cases


@checker(
    formulas=(
        "2*(1+gamma)-lr*curvature",
        "2*(1+gamma)-h",
        "2(1+γ)−ηλ",
        "2(1+γ)−h",
        "(1+gamma)/((1-gamma)",
        "(1+γ)/((1−γ)",
    ),
    kind="derivation",
)
def check_heavy_ball_variance(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's stationary variance of the heavy ball's error under gradient noise.

    Along a direction of curvature :math:`\lambda`, with noise :math:`\sigma\xi_t` added to each
    gradient, the error obeys the AR(2) recursion
    :math:`e_{t+1} = (1 + \gamma - \eta\lambda)e_t - \gamma e_{t-1} - \eta\sigma\xi_t`, whose
    stationary variance is

    .. math::
        \operatorname{Var} e_\infty = \frac{\eta\,\sigma^2\,(1 + \gamma)}
        {\lambda\,(1 - \gamma)\,\big(2(1 + \gamma) - \eta\lambda\big)} ,

    so that :math:`\tfrac12\lambda\operatorname{Var} e_\infty` is a term of the noise floor
    (mom-noise-floor). The reference is not this formula: it is the stationary covariance of
    optlib's heavy-ball step, read as a linear map (:func:`step_matrix`) with its response to
    the noise, on fixed and random stable settings.

    Expected signature: ``fn(lr, gamma, curvature, sigma) -> variance``, a number, for
    :math:`0 \le \gamma < 1` and :math:`0 < \eta\lambda < 2(1 + \gamma)`.

    Examples
    --------
    >>> def my_stationary_variance(lr, gamma, curvature, sigma):
    ...     return (lr * sigma**2 * (1 + gamma)
    ...             / (curvature * (1 - gamma) * (2 * (1 + gamma) - lr * curvature)))
    >>> check_heavy_ball_variance(my_stationary_variance).passed
    True
    """
    reference = _heavy_ball_variance

    def one_lag(lr, gamma, curvature, sigma):
        """The variance of an AR(1) with the heavy ball's first coefficient: e_{t−1} forgotten."""
        return (lr * sigma) ** 2 / (1 - (1 + gamma - lr * curvature) ** 2)

    mistakes = [
        Mistake(
            "not_started",
            "Not yet: your variance is zero, as if the noise never moved the error.",
            lambda lr, gamma, curvature, sigma: 0.0,
            hint="start from the AR(2) recursion of the section 'With noisy gradients', square "
            "it and take expectations in the stationary state.",
        ),
        Mistake(
            "gradient_descent",
            "Your variance is gradient descent's: the momentum's memory of old noise is missing.",
            with_arg(reference, 1, lambda gamma: 0.0),
            hint="with momentum the error depends on its two previous values; their covariance "
            "enters the variance, and with it γ.",
        ),
        Mistake(
            "excess_loss",
            "You returned the excess loss along the direction, not the variance of the error.",
            lambda lr, gamma, curvature, sigma: (
                0.5 * curvature * reference(lr, gamma, curvature, sigma)
            ),
            hint="along a direction of curvature λ the excess loss is ½λ e², so the floor is ½λ "
            "times the variance: divide it out.",
        ),
        Mistake(
            "sigma_not_squared",
            "Your variance grows like the noise's standard deviation, not like its square.",
            with_arg(reference, 3, np.sqrt),
            hint="a variance has the units of the noise squared: double σ and it grows fourfold.",
        ),
        Mistake(
            "noise_not_scaled",
            "Your noise kick is not scaled by the learning rate.",
            lambda lr, gamma, curvature, sigma: reference(
                lr, gamma, curvature, sigma / lr
            ),
            hint="the noise enters the step as the gradient does, multiplied by −η.",
        ),
        Mistake(
            "one_lag",
            "Your error remembers only its last value: that is the variance of a recursion with "
            "one past term, not two.",
            one_lag,
            hint="the recursion has two past terms, e_t and e_{t−1}; write the equations for the "
            "variance and the covariance of neighbours together (Yule–Walker) and solve both.",
        ),
    ]
    return check_against(
        fn,
        reference,
        _variance_cases(),
        mistakes,
        arg_names=("lr", "gamma", "curvature", "sigma"),
        output_names=("variance",),
        reference_name="the stationary variance of optlib's noisy heavy-ball step",
        advice="write the stationary variance c₀ and the covariance of neighbours c₁ of the "
        "recursion, two linear equations, and solve them; then check the special case γ = 0 "
        "against gradient descent's floor.",
    )


# --- A prediction: from which momentum on does the ball overshoot? -----------------------------

#: The momentums of the prediction, and "none".
OVERSHOOT_CHOICES = ("0.5", "0.6", "0.7", "0.8", "0.9", "none")


@functools.cache
def _first_to_overshoot() -> str:
    r"""The smallest momentum of :data:`OVERSHOOT_CHOICES` at which the heavy ball, started at
    rest at :math:`\theta_0 = 1` on :math:`f(\theta) = \tfrac12\theta^2` with :math:`\eta =
    0.04`, passes through the minimum within 2,000 steps: optlib's runs, all momentums in one
    batch (the experiment is the same every time, so it runs once)."""
    parabola = functions.quadratic(1.0, x0=[1.0])
    gammas = np.array([float(choice) for choice in OVERSHOOT_CHOICES[:-1]])
    starts = np.tile(parabola.x0, (len(gammas), 1))
    run = minimize(
        parabola,
        starts,
        optimizers.momentum(lr=0.04, gamma=gammas),
        steps=2000,
    )
    overshoots = np.any(run.params[:, :, 0] < 0, axis=0)
    return (
        OVERSHOOT_CHOICES[int(np.argmax(overshoots))]
        if overshoots.any()
        else "none"
    )


@checker(
    formulas=(
        "(1-sqrt(lr*curvature))**2",
        "(1−√(ηλ))²",
        "(1-sqrt(h))**2",
        "(1−√h)²",
        "(1-sqrt(gamma))**2",
        "(1−√γ)²",
    ),
    kind="prediction",
)
def check_heavy_ball_overshoot(prediction: Any) -> CheckResult:
    r"""Judge a prediction: the smallest momentum :math:`\gamma` among 0.5, 0.6, 0.7, 0.8, 0.9
    at which the heavy ball (:math:`\eta = 0.04`), started at rest at :math:`\theta_0 = 1` on
    :math:`f(\theta) = \tfrac12\theta^2`, overshoots the minimum (its :math:`\theta` becomes
    negative), or ``"none"``.

    The ball passes through the minimum exactly when the direction is underdamped:
    :math:`\eta\lambda > (1 - \sqrt\gamma)^2`, i.e. :math:`\gamma > (1 - \sqrt{0.04})^2 = 0.64`
    here. The experiment runs optlib's heavy ball for each :math:`\gamma` once a prediction is
    given.

    Expected answer: one of the strings ``"0.5"``, ``"0.6"``, ``"0.7"``, ``"0.8"``, ``"0.9"``,
    ``"none"``.

    Examples
    --------
    >>> check_heavy_ball_overshoot("0.7").passed
    True
    """
    return judge_prediction(
        prediction,
        _first_to_overshoot,
        asks="the smallest γ of "
        + ", ".join(OVERSHOOT_CHOICES[:-1])
        + " at which the ball "
        'passes the minimum, or "none"',
        choices=OVERSHOOT_CHOICES,
        show_outcome=lambda outcome: (
            f"γ = {outcome} as the first that overshoots"
            if outcome != "none"
            else "no overshoot at any of them"
        ),
        explanation="Below critical damping the direction is overdamped: two real positive roots, "
        "a monotone crawl into the minimum. Above it the roots are complex and the ball spirals, "
        "passing through the minimum at once.",
        hint="more momentum is not the whole story: compare ηλ with the edge of the underdamped "
        "band of (mom-characteristic) for each γ.",
    )
