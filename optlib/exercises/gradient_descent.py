r"""Exercises on gradient descent: one step (the introduction's first exercise); the cosine
schedule, the learning rate on a quadratic — the largest stable one, the best constant one and
its rate, what a rate close to the edge does — and which schedule ends lowest under noise (the
chapter on gradient descent).

The references of the two derivations are found by running optlib, not from the closed forms:
one step of :class:`optlib.optimizers.SGD` on :math:`\tfrac12 x^\top A x` from every basis
vector gives the matrix :math:`M(\eta)` that a step applies to the error; its spectral radius is
the rate, the largest :math:`\eta` for which it is below one (bisection) the largest stable
rate, and the :math:`\eta` that minimises it (golden section) the best constant rate.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from optlib import optimizers, schedules
from optlib.exercises.engine import (
    Case,
    CheckResult,
    Mistake,
    check_against,
    checker,
    judge_prediction,
)
from optlib.exercises.variants import (
    on_theta,
    returns_update,
    rule_step,
    stands_still,
    uphill,
    with_arg,
)
from optlib.functions import Quadratic, quadratic, quadratic_bowl
from optlib.run import minimize

__all__ = [
    "check_best_constant_step",
    "check_cosine_schedule",
    "check_gd_step",
    "check_lr_regime",
    "check_max_stable_lr",
    "check_noisy_schedules",
]


# --- One step ----------------------------------------------------------------------------------


def _gd_step(theta: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
    """optlib's gradient-descent step (``optimizers.sgd(lr)``) in the exercise's signature."""
    return rule_step(optimizers.sgd(lr=lr), theta, grad)[0]


@checker(
    formulas=(
        "theta-lr*grad",
        "theta-eta*grad",
        "params-lr*grads",
        "θ−ηg",
        "θ−η∇L(θ)",
        "θ_t−ηg_t",
    ),
    kind="rule",
)
def check_gd_step(step: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's gradient-descent step against :class:`optlib.optimizers.SGD`.

    .. math:: \theta_{t+1} = \theta_t - \eta\, g_t

    Expected signature: ``step(theta, grad, lr) -> new theta`` (an array shaped like
    ``theta``; the inputs are not modified).

    Examples
    --------
    >>> def my_gd_step(theta, grad, lr):
    ...     return theta - lr * grad
    >>> check_gd_step(my_gd_step).passed
    True
    >>> check_gd_step(lambda theta, grad, lr: theta + lr * grad).mistake
    'uphill'
    """
    rng = np.random.default_rng(0)
    cases = [
        Case(
            (rng.normal(size=3), rng.normal(size=3), 0.1),
            "a vector of parameters",
        ),
        Case((rng.normal(size=3), np.zeros(3), 0.1), "zero gradient"),
        Case(
            (rng.normal(size=(4, 2)), rng.normal(size=(4, 2)), 0.05),
            "a batch, shape (4, 2)",
        ),
        Case(
            (1e6 * rng.normal(size=3), 1e8 * rng.normal(size=3), 1e-4),
            "large values",
        ),
        Case(
            (rng.normal(size=2), rng.normal(size=2), 2.5),
            "a learning rate above 1",
        ),
    ]
    reference = _gd_step
    mistakes = [
        Mistake(
            "no_step",
            "Not yet: θ does not move — your function returns the parameters it was given.",
            stands_still(reference),
            hint="take one step of the chapter's update rule: move θ a little way, against the "
            "gradient, by an amount the learning rate sets.",
        ),
        Mistake(
            "uphill",
            "Your step goes uphill: θ moves in the direction of the gradient.",
            uphill(reference),
            hint="the gradient points where the loss rises fastest; subtract the step instead "
            "of adding it.",
        ),
        Mistake(
            "lr_missing",
            "Your step ignores the learning rate.",
            with_arg(reference, 2, lambda lr: 1.0),
            hint="with a learning rate of 0.1 your step is ten times too long.",
        ),
        Mistake(
            "lr_squared",
            "Your step uses the learning rate twice.",
            with_arg(reference, 2, lambda lr: lr**2),
            hint="the learning rate scales the gradient once.",
        ),
        Mistake(
            "divides_by_lr",
            "Your step divides the gradient by the learning rate instead of scaling it.",
            with_arg(reference, 2, lambda lr: 1 / lr),
            hint="a smaller learning rate should give a shorter step, not a longer one.",
        ),
        Mistake(
            "returns_update",
            "Your function returns the change of θ, not the new parameters.",
            returns_update(reference),
            hint="add the change to the parameters you were given, and return the result.",
        ),
        Mistake(
            "returns_update",
            "Your function returns the step, with its sign flipped, not the new parameters.",
            on_theta(reference, lambda theta, new_theta: theta - new_theta),
            hint="start from the parameters you were given, move them, and return the result.",
        ),
    ]
    return check_against(
        step,
        reference,
        cases,
        mistakes,
        arg_names=("theta", "grad", "lr"),
        output_names=("theta",),
        reference_name="optlib.optimizers.SGD",
        advice="compare your function with the update rule of the chapter, one symbol at a time: "
        "where it starts, which way it moves, and how far.",
    )


# --- The cosine schedule ----------------------------------------------------------------------


def _cosine(lr: float, eta_min: float, T_max: int, k: int) -> float:
    """optlib's cosine schedule, ``schedules.cosine(lr, T_max, eta_min)``, at step k."""
    return float(schedules.cosine(lr, T_max=T_max, eta_min=eta_min)(k))


@checker(
    formulas=(
        "1+cos(pi*k/T_max)",
        "1+cos(pi*progress)",
        "1+cos(πk/T)",
        "1+cos(π·min(k,T)/T)",
        "min(k,T_max)/T_max",
        "min(k,T)/T",
    ),
    kind="rule",
)
def check_cosine_schedule(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's cosine schedule against :class:`optlib.schedules.cosine`.

    .. math::
        \eta_k = \eta_{\min} + \tfrac12(\eta - \eta_{\min})
        \big(1 + \cos(\pi \min(k, T)/T)\big),

    :math:`k` the number of steps already taken; past :math:`T` the rate stays at
    :math:`\eta_{\min}` (as optax's, unlike PyTorch's ``CosineAnnealingLR``, which climbs back).

    Expected signature: ``fn(lr, eta_min, T_max, k) -> learning rate`` (one number), ``k`` a
    whole number :math:`\ge 0`.

    Examples
    --------
    >>> import numpy as np
    >>> def my_cosine(lr, eta_min, T_max, k):
    ...     progress = min(k, T_max) / T_max
    ...     return eta_min + 0.5 * (lr - eta_min) * (1 + np.cos(np.pi * progress))
    >>> check_cosine_schedule(my_cosine).passed
    True
    """
    # Where the rate reaches η_min, η_min > 0: a rate of exactly 0 leaves no room for the round-off
    # of equivalent forms (cos² of a right angle is 4e-33, not 0).
    within, past, floor = (
        "within the run",
        "past T",
        "with a floor η_min > 0",
    )
    cases = [
        Case((0.1, 0.0, 10, 0), "the first step, k = 0", within),
        Case((0.1, 0.0, 10, 3), "k = 3 of T = 10", within),
        Case((0.1, 0.0, 10, 5), "half-way, k = 5 of T = 10", within),
        Case((0.1, 0.001, 10, 10), "the end of the run, k = T", within),
        Case((0.1, 0.001, 10, 15), "k = 15, past T = 10", past),
        Case((0.1, 0.001, 10, 25), "k = 25, past T = 10", past),
        Case((1.0, 0.01, 100, 37), "η_min = 0.01, k = 37 of T = 100", floor),
        Case((0.5, 0.1, 7, 7), "η_min = 0.1, k = T = 7", floor),
        Case(
            (0.3, 0.05, 100, 1000),
            "η_min = 0.05, k = 1000, far past T = 100",
            past,
        ),
        Case(
            (0.05, 0.2, 20, 6),
            "η_min above η (the rate rises, as PyTorch allows)",
            floor,
        ),
        Case((0.1, 0.001, 1, 1), "T = 1, k = 1", within),
    ]
    reference = _cosine

    def restarts(lr: float, eta_min: float, T_max: int, k: int) -> float:
        """PyTorch's CosineAnnealingLR: the cosine followed past T, back up."""
        return eta_min + 0.5 * (lr - eta_min) * (
            1 + math.cos(math.pi * k / T_max)
        )

    def no_half(lr: float, eta_min: float, T_max: int, k: int) -> float:
        return eta_min + (lr - eta_min) * (
            1 + math.cos(math.pi * min(k, T_max) / T_max)
        )

    def rises(lr: float, eta_min: float, T_max: int, k: int) -> float:
        return eta_min + 0.5 * (lr - eta_min) * (
            1 - math.cos(math.pi * min(k, T_max) / T_max)
        )

    def no_pi(lr: float, eta_min: float, T_max: int, k: int) -> float:
        return eta_min + 0.5 * (lr - eta_min) * (
            1 + math.cos(min(k, T_max) / T_max)
        )

    mistakes = [
        Mistake(
            "not_started",
            "Not yet: your rate stays at its peak — it never decays.",
            lambda lr, eta_min, T_max, k: lr,
            hint="the cosine of equation (gd-schedules) glides from η at k = 0 down to η_min "
            "at k = T.",
        ),
        Mistake(
            "restarts",
            "Past T your rate climbs back up: that is PyTorch's scheduler, not the book's.",
            restarts,
            hint="read the chapter's convention on what the cosine does after T steps.",
        ),
        Mistake(
            "eta_min_ignored",
            "Your schedule ignores the floor η_min: it glides to zero.",
            with_arg(reference, 1, lambda eta_min: 0.0),
            hint="the rate should end at η_min, and decay by η − η_min on the way.",
        ),
        Mistake(
            "no_half",
            "Your schedule starts at twice the peak.",
            no_half,
            hint="1 + cos runs from 2 down to 0: it needs a factor to run from 1 to 0.",
        ),
        Mistake(
            "rises",
            "Your schedule rises from η_min to η instead of decaying from η to η_min.",
            rises,
            hint="at k = 0 the cosine is 1: check the sign in front of it.",
        ),
        Mistake(
            "no_pi",
            "Your cosine turns too little over the run: it never reaches η_min.",
            no_pi,
            hint="at k = T the cosine should be −1: which angle gives that?",
        ),
        Mistake(
            "k_off_by_one",
            "Your schedule is one step ahead: at k = 0 the rate should be the peak.",
            with_arg(reference, 3, lambda k: k + 1),
            hint="k counts the steps already taken, so the first step uses k = 0.",
        ),
    ]
    return check_against(
        fn,
        reference,
        cases,
        mistakes,
        arg_names=("lr", "eta_min", "T_max", "k"),
        output_names=("learning rate",),
        reference_name="optlib.schedules.cosine",
        advice="evaluate your schedule by hand at k = 0, at k = T/2 and at k = T, and compare with "
        "what the cosine of equation (gd-schedules) must give there.",
    )


# --- The learning rate on a quadratic, found by running optlib ---------------------------------


def _error_map(objective: Quadratic, lr: float) -> np.ndarray:
    """The matrix :math:`M` with :math:`e_{t+1} = M e_t` for one optlib SGD step on a quadratic
    whose minimum is 0: the step taken from every basis vector at once (one row each)."""
    basis = np.eye(objective.dim)
    return rule_step(optimizers.sgd(lr=lr), basis, objective.grad(basis))[0]


def _rate(objective: Quadratic, lr: float) -> float:
    """The factor by which one step at ``lr`` shrinks the error in its slowest direction: the
    spectral radius of :func:`_error_map`."""
    return float(
        np.max(np.abs(np.linalg.eigvals(_error_map(objective, lr))))
    )


def _largest_stable_lr(A: np.ndarray) -> float:
    """The largest η for which optlib's step shrinks every direction of the error on ½xᵀAx:
    the edge of {η : rate(η) < 1}, an interval starting at 0, found by bisection."""
    objective = quadratic(np.asarray(A, dtype=float))
    stable, unstable = 1.0, 1.0
    while _rate(objective, unstable) < 1:
        unstable *= 2
    while _rate(objective, stable) >= 1:
        stable /= 2
    while unstable - stable > 1e-15 * unstable:
        middle = (stable + unstable) / 2
        if _rate(objective, middle) < 1:
            stable = middle
        else:
            unstable = middle
    return (stable + unstable) / 2


@functools.lru_cache(
    maxsize=64
)  # the mistakes with the right η or ρ ask for it again
def _best_constant_step(mu: float, L: float) -> tuple[float, float]:
    """The η that minimises optlib's measured rate on a quadratic with curvatures μ and L (and
    one in between, which does not matter), by golden-section search over the stable rates
    (the rate is convex in η), and that rate."""
    objective = quadratic(np.diag([mu, (mu + L) / 2, L]))
    low, high = 0.0, _largest_stable_lr(objective.A)
    shrink = (math.sqrt(5) - 1) / 2
    while high - low > 1e-14 * high:
        left, right = (
            high - shrink * (high - low),
            low + shrink * (high - low),
        )
        if _rate(objective, left) < _rate(objective, right):
            high = right
        else:
            low = left
    best = (low + high) / 2
    return best, _rate(objective, best)


@checker(
    formulas=(
        "2/eigvalsh(A)[-1]",
        "2/np.linalg.eigvalsh(A)[-1]",
        "2/max(eigvalsh(A))",
        "2/eigvalsh(A).max()",
        "2/λ_max",
        "2/λmax",
    ),
    kind="derivation",
)
def check_max_stable_lr(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's largest stable learning rate for gradient descent on a quadratic.

    On :math:`f(x) = \tfrac12 x^\top A x` gradient descent multiplies the component of
    :math:`x` along each eigenvector of :math:`A` (eigenvalue :math:`\lambda_i`) by
    :math:`1 - \eta\lambda_i` per step, so it converges exactly when every
    :math:`|1 - \eta\lambda_i| < 1`:

    .. math:: 0 < \eta < \frac{2}{\lambda_{\max}(A)}.

    The answer is the bound (below it GD converges; at it the steepest component oscillates
    forever). The reference is found by running optlib: the largest :math:`\eta` for which one
    step of :class:`optlib.optimizers.SGD` shrinks every direction of the error, by bisection.

    Expected signature: ``fn(A) -> learning rate`` (one number), ``A`` symmetric positive
    definite.

    Examples
    --------
    >>> import numpy as np
    >>> check_max_stable_lr(lambda A: 2 / np.linalg.eigvalsh(A)[-1]).passed
    True
    >>> check_max_stable_lr(lambda A: 1 / np.linalg.eigvalsh(A)[-1]).mistake
    'one_over_L'
    """
    rng = np.random.default_rng(4)

    def random_spd(d: int) -> np.ndarray:
        """A random symmetric positive definite d × d matrix, eigenvalues from 0.05 to 50."""
        rotation, _ = np.linalg.qr(rng.normal(size=(d, d)))
        A = (
            rotation
            @ np.diag(np.exp(rng.uniform(-3, 4, size=d)))
            @ rotation.T
        )
        return (A + A.T) / 2

    edge = "small, diagonal, ill-conditioned, flat and steep matrices"
    cases = [
        Case((np.array([[4.0]]),), "a 1 × 1 matrix", edge),
        Case((np.diag([1.0, 10.0]),), "a diagonal matrix", edge),
        Case(
            (np.diag([50.0, 2.0, 7.0]),),
            "a diagonal matrix, largest entry first",
            edge,
        ),
        Case(
            (quadratic_bowl(10.0, np.pi / 6).A.copy(),),
            "a rotated bowl",
            edge,
        ),
        *(
            Case(
                (random_spd(d),),
                f"a random {d} × {d} matrix",
                "random matrices",
            )
            for d in (2, 3, 4, 4, 6, 8)
        ),
        Case(
            (quadratic_bowl(1e4, 1.0).A.copy(),),
            "an ill-conditioned bowl, κ = 10⁴",
            edge,
        ),
        Case(
            (quadratic_bowl(3.0, 0.3, scale=1e-3).A.copy(),),
            "a very flat bowl",
            edge,
        ),
        Case(
            (quadratic_bowl(3.0, 2.0, scale=1e3).A.copy(),),
            "a very steep bowl",
            edge,
        ),
    ]
    # Plausible wrong derivations, from optlib's Quadratic (L = λ_max, μ = λ_min).
    mistakes = [
        Mistake(
            "one_over_L",
            "Not yet: that rate is safe — the loss falls at every step — but larger rates "
            "still converge.",
            lambda A: 1 / quadratic(A).L,
            hint="in equation (gd-error-eigen) a component shrinks as long as the factor it is "
            "multiplied by stays between −1 and 1; a negative factor (a zig-zag) is allowed.",
        ),
        Mistake(
            "smallest_eigenvalue",
            "Your rate is set by the flattest direction; it is the steepest one that limits "
            "the step.",
            lambda A: 2 / quadratic(A).mu,
            hint="np.linalg.eigvalsh sorts the eigenvalues in ascending order: which end do "
            "you need?",
        ),
        Mistake(
            "optimal_rate",
            "Your rate is the one that converges fastest, not the largest that converges.",
            lambda A: 2 / (quadratic(A).L + quadratic(A).mu),
            hint="past the fastest rate, convergence slows down but does not stop yet: look "
            "for where one component stops shrinking.",
        ),
        Mistake(
            "largest_diagonal",
            "You read the curvature off the diagonal of A; that works only when A is diagonal.",
            lambda A: 2 / np.max(np.diag(A)),
            hint="for a rotated bowl the curvatures are the eigenvalues of A, not its entries.",
        ),
        Mistake(
            "trace",
            "You used the sum of all the curvatures: safe, but too small.",
            lambda A: 2 / np.trace(A),
            hint="only one eigenvalue limits the step; the others do not add to it.",
        ),
        Mistake(
            "inverted",
            "Your answer is upside down: a steeper bowl should give a smaller rate, not a "
            "larger one.",
            lambda A: quadratic(A).L / 2,
            hint="double the curvature and see which way your answer moves.",
        ),
    ]
    return check_against(
        fn,
        _largest_stable_lr,
        cases,
        mistakes,
        arg_names=("A",),
        output_names=("learning rate",),
        reference_name="the largest rate at which optlib's gradient descent converges",
        advice="follow one eigen-direction of A through a step, as in equation "
        "(gd-error-eigen), and ask which rates make every direction shrink.",
    )


@checker(
    formulas=(
        "2/(mu+L)",
        "2/(L+mu)",
        "2/(μ+L)",
        "(kappa-1)/(kappa+1)",
        "(κ−1)/(κ+1)",
        "(L-mu)/(L+mu)",
        "(L−μ)/(L+μ)",
    ),
    kind="derivation",
)
def check_best_constant_step(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's best constant learning rate on a quadratic, and the rate it gives.

    On a quadratic whose Hessian has eigenvalues between :math:`\mu` and :math:`L` the error
    shrinks per step by :math:`\rho(\eta) = \max(|1 - \eta\mu|, |1 - \eta L|)`, smallest at

    .. math:: \eta^\star = \frac{2}{\mu + L}, \qquad
        \rho(\eta^\star) = \frac{\kappa - 1}{\kappa + 1}, \quad \kappa = \frac{L}{\mu}.

    The reference is found by running optlib: the :math:`\eta` that minimises the spectral
    radius of the map one step of :class:`optlib.optimizers.SGD` applies to the error, on the
    quadratic with curvatures :math:`\mu`, :math:`(\mu + L)/2` and :math:`L` (golden-section
    search), and that radius.

    Expected signature: ``fn(mu, L) -> (eta, rho)``, for :math:`0 < \mu < L`.

    Examples
    --------
    >>> check_best_constant_step(lambda mu, L: (2 / (mu + L), (L - mu) / (L + mu))).passed
    True
    >>> check_best_constant_step(lambda mu, L: (1 / L, 1 - mu / L)).mistake
    'one_over_L'
    """
    rng = np.random.default_rng(15)
    random_settings = [
        (float(mu), float(mu * kappa))
        for mu, kappa in zip(
            np.exp(rng.uniform(-3, 3, size=6)),
            np.exp(rng.uniform(0.1, 7, size=6)),
            strict=True,
        )
    ]
    cases = [
        Case(
            (1.0, 10.0),
            "the chapter's bowl, μ = 1, L = 10",
            "the chapter's bowl",
        ),
        *(
            Case(
                setting,
                f"random μ = {setting[0]:.3g}, L = {setting[1]:.3g}",
                "random",
            )
            for setting in random_settings
        ),
        Case((1.0, 1.5), "nearly round, κ = 1.5", "edge values"),
        Case((1.0, 1e4), "ill-conditioned, κ = 10⁴", "edge values"),
        Case((1e-3, 2e-3), "very flat, μ = 0.001", "edge values"),
        Case((1e3, 5e4), "very steep, L = 50,000", "edge values"),
    ]
    reference = _best_constant_step

    def steepest_in_one_step(mu: float, L: float) -> tuple[float, float]:
        """The one-step rate of the steepest direction, with optlib's measured rate for it."""
        return 1 / L, _rate(quadratic(np.diag([mu, L])), 1 / L)

    def with_eta(
        eta: Callable[[float, float], float],
    ) -> Callable[..., tuple[float, float]]:
        """A wrong η, with the right rate."""
        return lambda mu, L: (eta(mu, L), reference(mu, L)[1])

    def with_rho(
        rho: Callable[[float, float], float],
    ) -> Callable[..., tuple[float, float]]:
        """The right η, with a wrong rate."""
        return lambda mu, L: (reference(mu, L)[0], rho(mu, L))

    mistakes = [
        Mistake(
            "one_over_L",
            "Not yet: that step removes the steepest direction in one step, but leaves the "
            "flattest one shrinking slowly; a longer step does better for the whole error.",
            steepest_in_one_step,
            hint="draw both factors of ρ(η) as functions of η, one falling and one rising: "
            "where is their maximum smallest?",
        ),
        Mistake(
            "largest_stable",
            "Your η is the largest stable rate, at which the steepest direction stops "
            "shrinking: not the best one.",
            with_eta(lambda mu, L: 2 / L),
            hint="at your η one of the two factors of ρ(η) has reached 1 in size.",
        ),
        Mistake(
            "missing_two",
            "Your η is half the best one: both directions shrink, but the steep one could "
            "take more.",
            with_eta(lambda mu, L: 1 / (mu + L)),
            hint="at the best η the two factors are equal in size and opposite in sign: solve "
            "for that η again.",
        ),
        Mistake(
            "rate_at_one_over_L",
            "Your rate is the one of the step that removes the steepest direction, not of the "
            "best step.",
            with_rho(lambda mu, L: 1 - mu / L),
            hint="put your η into ρ(η) and evaluate it there.",
        ),
        Mistake(
            "rate_squared",
            "Your rate is that of the loss, not of the error.",
            with_rho(lambda mu, L: ((L - mu) / (L + mu)) ** 2),
            hint="the loss of a quadratic is quadratic in the error, so the loss shrinks by the "
            "square of the error's factor: the question asks for the error's.",
        ),
        Mistake(
            "momentum_rate",
            "Your rate has square roots of κ: that is the heavy ball's rate (a later chapter), "
            "faster than gradient descent can go.",
            with_rho(
                lambda mu, L: (
                    (math.sqrt(L / mu) - 1) / (math.sqrt(L / mu) + 1)
                )
            ),
            hint="put the best η into ρ(η): no square root appears.",
        ),
        Mistake(
            "negative_rate",
            "Your rate is negative: ρ is the size of a factor, and κ is at least 1.",
            with_rho(lambda mu, L: (mu - L) / (mu + L)),
            hint="κ is the largest curvature over the smallest.",
        ),
    ]
    return check_against(
        fn,
        reference,
        cases,
        mistakes,
        arg_names=("mu", "L"),
        output_names=("eta", "rho"),
        reference_name="the best rate found by running optlib's gradient descent",
        advice="ρ(η) is the larger of two factors, one falling and one rising with η: find "
        "where they meet, then evaluate ρ there.",
    )


# --- Predict, then run: a rate close to the edge -----------------------------------------------

#: What a run of gradient descent can do, as the prediction names it.
REGIMES = ("monotone", "zigzag", "bounces", "diverges")


def _regime_at(fraction: float, steps: int = 200) -> str:
    """What optlib's gradient descent does on the chapter's bowl (κ = 10, turned by 0.5 rad)
    at η = fraction · 2/L: diverges, bounces (neither converges nor diverges), or converges,
    with a zig-zag (the steep component changes sign every step) or without."""
    bowl = quadratic_bowl(condition_number=10.0, angle=0.5)
    run = minimize(
        bowl, bowl.x0, optimizers.sgd(lr=fraction * 2 / bowl.L), steps=steps
    )
    if run.diverged_at is not None:
        return "diverges"
    errors = np.linalg.norm(run.params - bowl.minima[0], axis=-1)
    if (
        errors[-1] > 0.999 * errors[steps // 2]
    ):  # the second half of the run gained nothing
        return "bounces"
    steep = (run.params[:20] - bowl.minima[0]) @ np.linalg.eigh(bowl.A)[1][
        :, -1
    ]
    return "zigzag" if np.all(steep[1:] * steep[:-1] < 0) else "monotone"


@checker(
    formulas=("1-1.9", "1−ηL", "1-eta*L", "1-lr*L", "(1−ηλ_i)^t"),
    kind="prediction",
)
def check_lr_regime(prediction: Any) -> CheckResult:
    r"""Check a prediction of what gradient descent does on the chapter's bowl (:math:`\mu = 1`,
    :math:`L = 10`) at :math:`\eta = 1.9/L`, one of :data:`REGIMES`: it converges without
    overshooting (``"monotone"``), converges overshooting the minimum in the steep direction at
    every step (``"zigzag"``), neither converges nor diverges (``"bounces"``), or diverges.

    The run: 200 steps of :func:`optlib.minimize` with ``optlib.sgd(lr=1.9 / L)``.

    Examples
    --------
    >>> check_lr_regime("zigzag").passed
    True
    >>> check_lr_regime(None).mistake
    'no_prediction'
    """
    return judge_prediction(
        prediction,
        lambda: _regime_at(0.95),
        asks="what gradient descent does on the bowl at η = 1.9/L: one of "
        + ", ".join(f"'{regime}'" for regime in REGIMES),
        choices=REGIMES,
        show_outcome=lambda regime: f"'{regime}'",
        explanation="Below 2/L every component of the error shrinks; above 1/L the steep one "
        "changes sign at every step, shrinking by only a tenth each time.",
        hint="follow the steep direction alone through equation (gd-error-eigen): what is its "
        "factor at this η — its sign, and its size?",
    )


# --- Predict, then run: schedules under noise --------------------------------------------------


def _chapter_schedules(
    lr: float, total: int
) -> dict[str, Callable[[Any], Any]]:
    """The five schedules the chapter compares (its ``make_schedules``), from a peak ``lr``
    over ``total`` steps."""
    return {
        "constant": schedules.constant(lr),
        "step": schedules.step(lr, step_size=total // 3, gamma=0.5),
        "exponential": schedules.exponential(lr, gamma=0.1 ** (1 / total)),
        "cosine": schedules.cosine(lr, T_max=total),
        "warmup + cosine": schedules.warmup_cosine(
            lr, warmup_steps=total // 10, total_steps=total
        ),
    }


def _lowest_under_noise(
    lr: float = 0.15, steps: int = 500, runs: int = 200
) -> str:
    """The schedule whose mean final loss is lowest on the chapter's noisy bowl (κ = 10,
    gradient noise σ = 1, ``runs`` seeded runs of ``steps`` steps each)."""
    bowl = quadratic_bowl(condition_number=10.0)
    starts = np.tile(bowl.x0, (runs, 1))
    final = {
        name: float(
            minimize(
                bowl,
                starts,
                optimizers.sgd(lr=schedule),
                steps=steps,
                grad_noise=1.0,
                seed=1,
            )
            .losses[-1]
            .mean()
        )
        for name, schedule in _chapter_schedules(lr, steps).items()
    }
    return min(final, key=final.__getitem__)


@checker(
    formulas=(
        "ησ²/(2(2−ηλ))",
        "ησ²/(2(2−ηλ_i))",
        "eta*sigma**2/(2*(2-eta*lam",
        "schedule(np.arange(T_noisy-50,T_noisy))",
    ),
    kind="prediction",
)
def check_noisy_schedules(prediction: Any) -> CheckResult:
    r"""Check a prediction of which of the chapter's five schedules, all from
    :math:`\eta = 0.15`, ends lowest (mean final loss of 200 seeded runs of 500 steps) on the
    noisy bowl (:math:`\kappa = 10`, gradient noise :math:`\sigma = 1`).

    Examples
    --------
    >>> check_noisy_schedules("cosine").passed
    True
    >>> check_noisy_schedules(None).mistake
    'no_prediction'
    """
    names = tuple(_chapter_schedules(0.15, 500))
    return judge_prediction(
        prediction,
        _lowest_under_noise,
        asks="which schedule reaches the lowest mean final loss: one of "
        + ", ".join(f"'{name}'" for name in names),
        choices=names,
        show_outcome=lambda name: f"'{name}' lowest",
        explanation="The noise left at the end was injected by the last steps, in proportion to "
        "their learning rate: the schedule with the smallest rates over the last stretch wins.",
        hint="which steps put the noise that is left at the end into θ? Compare the schedules' "
        "learning rates over the last fifty steps.",
    )
