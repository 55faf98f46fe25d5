r"""Exercises of the capstone chapter ("which optimizer when"), from the rule to a prediction:
the benchmark's score and tuned rate (eqs. ``cap-score``, ``cap-tuned``) on real and random
grids of final losses; RAdam's implicit warmup as a function of :math:`\beta_2`, against runs of
:func:`optlib.radam` and :func:`optlib.adam`; and a prediction — does a tie on the logistic
regression survive two more seeds? — run with :func:`optlib.minimize`.

The problem of the prediction is the chapter's logistic regression, rebuilt here from the same
data and settings (600 training images, even or odd, 300 mini-batches of 32, the grid of
``cap-grid``), so that the checker can run it."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from optlib import data, functions, models, optimizers
from optlib.exercises.engine import (
    Case,
    CheckResult,
    Mistake,
    check_against,
    checker,
    judge_prediction,
)
from optlib.exercises.variants import with_arg
from optlib.run import minimize

__all__ = [
    "check_capstone_radam_warmup",
    "check_capstone_score",
    "check_capstone_tie",
]

#: The chapter's grid (eq. ``cap-grid``): ten multiples of each optimizer's default rate.
MULTIPLIERS = 10.0 ** np.arange(-1.0, 3.75, 0.5)


# --- The score and the tuned rate ----------------------------------------------------------------


def _score(final_losses: np.ndarray) -> tuple[np.ndarray, int]:
    """The chapter's score (``cap-score``) of every rate — the final loss averaged over the
    seeds (axis 0), +∞ where a seed diverged (NaN) — and the index of the tuned rate
    (``cap-tuned``), the lowest score."""
    with np.errstate(invalid="ignore"):
        mean = np.mean(final_losses, axis=0)
    score = np.where(np.isnan(mean), np.inf, mean)
    return score, int(np.argmin(score))


def _with_nan_as_inf(
    average: Callable[..., np.ndarray],
) -> Callable[..., tuple[Any, int]]:
    """The score with another average over the seeds (NaN still +∞), and its tuned rate."""

    def variant(final_losses):
        with np.errstate(invalid="ignore"):
            values = average(final_losses, axis=0)
        score = np.where(np.isnan(values), np.inf, values)
        return score, int(np.argmin(score))

    return variant


def _grid_of_final_losses(seeds: int, steps: int) -> np.ndarray:
    """Final losses of a real grid: SGD with momentum (μ = 0.9) on the κ = 100 tilted bowl from
    jittered starts, ten rates from 0.1 to 3000 times 0.001, one row per seed; NaN where a run
    diverged (the largest rates)."""
    bowl = functions.quadratic_bowl(condition_number=100.0, angle=np.pi / 4)
    rates = 1e-3 * MULTIPLIERS
    finals = []
    for seed in range(seeds):
        start = bowl.x0 + 0.5 * np.random.default_rng(seed).standard_normal(
            2
        )
        run = minimize(
            bowl,
            np.tile(start, (len(rates), 1)),
            optimizers.sgd(lr=rates, momentum=0.9),
            steps=steps,
        )
        final = np.full(len(rates), np.nan)
        if (
            len(run.losses) == steps + 1
        ):  # a batch whose runs all diverged stops early
            final = np.where(run.diverged, np.nan, run.losses[-1])
        finals.append(final)
    return np.array(finals)


@checker(
    formulas=(
        "mean(final_losses,axis=0)",
        "final_losses.mean(axis=0)",
        "sum(final_losses,axis=0)/",
        "argmin(score)",
        "\\frac{1}{S}\\sum_{s=1}^{S}",
        "(1/S)∑ₛ",
    ),
    kind="rule",
)
def check_capstone_score(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's score and tuned rate of the capstone's benchmark on a grid of final
    losses (eqs. ``cap-score`` and ``cap-tuned``).

    .. math::
        \bar L_o(\eta) = \frac{1}{S} \sum_{s=1}^{S} L\bigl(\theta_T^{(o,\,\eta,\,s)}\bigr),
        \qquad \hat\eta_o = \operatorname*{arg\,min}_{\eta} \bar L_o(\eta),

    with :math:`+\infty` for a rate at which any seed diverged.

    Expected signature: ``fn(final_losses) -> (score, tuned)``: ``final_losses`` has one row
    per seed and one column per rate, NaN where that run diverged; ``score`` has one entry per
    rate and ``tuned`` is the index of the tuned rate. The cases are grids from optlib's runs
    (momentum on the tilted bowl, whose largest rates diverge) and random ones.

    Examples
    --------
    >>> import numpy as np
    >>> def my_score(final_losses):
    ...     score = np.mean(final_losses, axis=0)
    ...     score = np.where(np.isnan(score), np.inf, score)
    ...     return score, int(np.argmin(score))
    >>> check_capstone_score(my_score).passed
    True
    """
    rng = np.random.default_rng(14)

    def random_grid(seeds: int, rates: int) -> np.ndarray:
        return np.exp(rng.normal(-2.0, 1.5, size=(seeds, rates)))

    lucky = random_grid(3, 10)
    lucky[:, 4] = [
        1e-6,
        2e-6,
        np.nan,
    ]  # the best rate of two seeds; the third diverged
    some_diverged = random_grid(5, 10)
    some_diverged[:, 8:] = (
        np.nan
    )  # every seed diverged at the two largest rates
    some_diverged[2, 7] = np.nan
    cases = [
        Case(
            (random_grid(3, 10),),
            "3 seeds × 10 rates, no run diverged",
            "random grids",
        ),
        Case(
            (_grid_of_final_losses(3, 100),),
            "momentum on the tilted bowl, 3 seeds × 10 rates, 100 steps: the largest rates "
            "diverged",
            "grids from optlib's runs",
        ),
        Case(
            (lucky,),
            "a rate best for two seeds, where the third diverged",
            "random grids",
        ),
        Case(
            (some_diverged,),
            "5 seeds; every seed diverged at the largest rates",
            "random grids",
        ),
        Case((random_grid(1, 6),), "a single seed, 6 rates", "random grids"),
        Case(
            (_grid_of_final_losses(4, 60),),
            "momentum on the tilted bowl, 4 seeds × 10 rates, 60 steps",
            "grids from optlib's runs",
        ),
        Case((random_grid(7, 10),), "7 seeds × 10 rates", "random grids"),
    ]
    reference = _score

    def not_yet(final_losses):
        return final_losses[0], 0

    def nan_score(final_losses):
        with np.errstate(invalid="ignore"):
            score = np.mean(final_losses, axis=0)
        return score, int(np.nanargmin(score))

    def nan_score_argmin(final_losses):
        with np.errstate(invalid="ignore"):
            score = np.mean(final_losses, axis=0)
        return score, int(np.argmin(score))

    def diverged_ignored(final_losses):
        with (
            np.errstate(invalid="ignore"),
            np.testing.suppress_warnings() as quiet,
        ):
            quiet.filter(RuntimeWarning)
            score = np.nanmean(final_losses, axis=0)
        return score, int(np.nanargmin(score))

    def diverged_ignored_argmin(final_losses):
        score, _ = diverged_ignored(final_losses)
        return score, int(np.argmin(score))

    def worst_rate(final_losses):
        score, _ = reference(final_losses)
        return score, int(np.argmax(score))

    diverged = (
        "Your score forgets the runs that diverged: a rate at which a seed blew up is scored "
        "on the seeds that survived, and can look best."
    )
    diverged_hint = (
        "the protocol scores a rate as the worst possible as soon as any of its seeds diverged "
        "(the paragraph 'Seeds and score')."
    )
    nan = (
        "A rate at which some run diverged has no score in your answer (NaN), and NaN is neither "
        "better nor worse than a number."
    )
    nan_hint = (
        "a diverged rate must score worse than every rate that converged."
    )
    mistakes = [
        Mistake(
            "one_seed",
            "Not yet: your score reads the first seed only, and your tuned rate is always the "
            "first of the grid.",
            not_yet,
            hint="every seed counts in the score of a rate; the tuned rate is the one with the "
            "best score.",
        ),
        Mistake(
            "diverged_ignored",
            diverged,
            diverged_ignored,
            hint=diverged_hint,
        ),
        Mistake(
            "diverged_ignored",
            diverged,
            diverged_ignored_argmin,
            hint=diverged_hint,
        ),
        Mistake("nan_score", nan, nan_score, hint=nan_hint),
        Mistake("nan_score", nan, nan_score_argmin, hint=nan_hint),
        Mistake(
            "worst_rate",
            "Your tuned rate is the worst rate of the grid, not the best.",
            worst_rate,
            hint="the score is a loss: lower is better.",
        ),
        Mistake(
            "median",
            "Your score is the middle seed at each rate, not the average over the seeds.",
            _with_nan_as_inf(np.median),
            hint="the chapter's score is the mean over the seeds.",
        ),
        Mistake(
            "best_seed",
            "Your score takes the luckiest seed at each rate, not the average over the seeds.",
            _with_nan_as_inf(np.min),
            hint="the chapter's score is the mean over the seeds: the unlucky seeds count too.",
        ),
        Mistake(
            "sum_not_mean",
            "Your score adds the seeds up instead of averaging them: right tuned rate, but the "
            "score grows with the number of seeds.",
            _with_nan_as_inf(np.sum),
            hint="divide by the number of seeds, so that scores with 3 and 5 seeds compare.",
        ),
    ]
    return check_against(
        fn,
        reference,
        cases,
        mistakes,
        arg_names=("final_losses",),
        output_names=("score", "tuned"),
        reference_name="the chapter's score and tuned rate",
        advice="one score per rate (per column), from all the seeds (the rows); a rate with a "
        "diverged run scores worst; then the index of the best score.",
    )


# --- RAdam's implicit warmup ---------------------------------------------------------------------


class _StepShares:
    """Runs of ``optlib.radam`` and ``optlib.adam`` (ε = 0) fed the same constant gradient
    10⁻³, taken step by step as far as a question needs and kept, with RAdam's step as a share
    of Adam's at every step so far: the gradient's size (10⁻³) during RAdam's momentum steps,
    :math:`r_t` from its first rectified step on."""

    def __init__(self, beta2: float) -> None:
        betas = (0.9, float(beta2))
        self.rules = (
            optimizers.radam(lr=0.01, betas=betas, eps=0.0),
            optimizers.adam(lr=0.01, betas=betas, eps=0.0),
        )
        theta = np.zeros(1)
        self.thetas = [theta, theta]
        self.states = [rule.init(theta) for rule in self.rules]
        self.shares: list[float] = []
        self.horizon = (
            math.ceil(12 / (1 - beta2)) + 20
        )  # r_t is then within 1e-4 of 1

    def first_reaching(self, fraction: float) -> float:
        """The first step whose share is at least ``fraction``; NaN if none is by the horizon."""
        reached = next(
            (
                t
                for t, share in enumerate(self.shares, 1)
                if share >= fraction
            ),
            None,
        )
        while reached is None and len(self.shares) < self.horizon:
            moves = []
            for i, rule in enumerate(self.rules):
                new, self.states[i] = rule.step(
                    self.thetas[i], np.full(1, 1e-3), self.states[i]
                )
                moves.append(float(new[0] - self.thetas[i][0]))
                self.thetas[i] = new
            self.shares.append(moves[0] / moves[1])
            if self.shares[-1] >= fraction:
                reached = len(self.shares)
        return math.nan if reached is None else float(reached)


@functools.lru_cache(maxsize=64)
def _step_shares(beta2: float) -> _StepShares:
    return _StepShares(beta2)


def _warmup_steps(beta2: float, fraction: float) -> float:
    """The first step at which RAdam's step is at least ``fraction`` of Adam's, read from the
    runs of :class:`_StepShares`. NaN (no such step) where there is none: for a fraction of 1
    or more, which :math:`r_t < 1` never reaches, and where RAdam never rectifies (β₂ ≤ 2/3:
    its share stays 10⁻³ to the end of the run)."""
    if fraction >= 1:
        return math.nan  # r_t < 1 at every step: ρ_t < ρ_∞
    return _step_shares(float(beta2)).first_reaching(float(fraction))


@checker(
    formulas=(
        "rectification(sma_length(",
        "(rho_t-4)*(rho_t-2)*rho_inf",
        "(ρ_t−4)(ρ_t−2)ρ_∞",
        "(ρₜ−4)(ρₜ−2)ρ∞",
        "r>=fraction",
        "r_t≥fraction",
    ),
    kind="derivation",
)
def check_capstone_radam_warmup(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's length of RAdam's implicit warmup: the first step at which RAdam's
    step is at least a given fraction of Adam's (the same :math:`\eta`, the same gradients),
    as a function of :math:`\beta_2`, against runs of :func:`optlib.radam` and
    :func:`optlib.adam`.

    That share is :math:`r_t` of eq. ``radam-r`` from RAdam's first rectified step on
    (:math:`\rho_t > 5`), and nothing of Adam's adaptive step before, so the answer is the
    first :math:`t` with :math:`\rho_t > 5` and :math:`r_t \ge` ``fraction``; ``math.nan`` (no
    such step) when there is none (``fraction`` 1, which :math:`r_t < 1` never reaches, or
    :math:`\beta_2 \le 2/3`, where RAdam never rectifies).

    Expected signature: ``fn(beta2, fraction) -> t``, an integer (or ``math.nan``: never).

    Examples
    --------
    >>> import math
    >>> from optlib.optimizers import max_sma_length, rectification, sma_length
    >>> def my_radam_warmup(beta2, fraction):
    ...     if max_sma_length(beta2) <= 5 or fraction >= 1:
    ...         return math.nan
    ...     t = 1
    ...     while not (sma_length(beta2, t) > 5
    ...                and rectification(sma_length(beta2, t), max_sma_length(beta2)) >= fraction):
    ...         t += 1
    ...     return t
    >>> check_capstone_radam_warmup(my_radam_warmup).passed
    True
    """
    rng = np.random.default_rng(15)
    random_settings = [
        Case(
            (float(beta2), float(fraction)),
            f"random setting: β₂ = {beta2:.5f}, fraction {fraction:.3f}",
            "random settings",
        )
        for beta2, fraction in zip(
            1 - 10 ** rng.uniform(-2.7, -1, 6),
            rng.uniform(0.05, 0.8, 6),
            strict=True,
        )
    ]
    cases = [
        Case(
            (0.999, 0.5), "β₂ = 0.999, half of Adam's step", "PyTorch's β₂"
        ),
        Case(
            (0.999, 0.25),
            "β₂ = 0.999, a quarter of Adam's step",
            "PyTorch's β₂",
        ),
        Case((0.99, 0.9), "β₂ = 0.99, 90 % of Adam's step", "other β₂"),
        Case((0.9, 0.01), "β₂ = 0.9, 1 % of Adam's step", "other β₂"),
        *random_settings,
        Case((0.999, 1.0), "β₂ = 0.999, all of Adam's step", "never"),
        Case((0.6, 0.5), "β₂ = 0.6, where RAdam never rectifies", "never"),
    ]
    reference = _warmup_steps

    def rule_of_thumb(beta2, fraction):
        return 2 / (1 - beta2)

    def square_root_warmup(beta2, fraction):
        """r_t ≈ √ω_t taken as exact: the first t with t(1 − β₂)/2 ≥ fraction²."""
        return math.ceil(2 * fraction**2 / (1 - beta2))

    def linear_warmup(beta2, fraction):
        """Ma and Yarats' ω_t for r_t: the first t with t(1 − β₂)/2 ≥ fraction."""
        return math.ceil(2 * fraction / (1 - beta2))

    mistakes = [
        Mistake(
            "rule_of_thumb",
            "Not yet: your answer ignores the fraction — it is a rule of thumb for the length "
            "of the whole warmup, not the step at which RAdam reaches a given share of Adam's "
            "step.",
            rule_of_thumb,
            hint="RAdam's share of Adam's step at step t is its rectification at t (nothing "
            "during the momentum steps): find the first t at which it reaches the fraction.",
        ),
        Mistake(
            "variance_ratio",
            "Your answer is late: you compare the fraction with the ratio of the variances, "
            "which is the square of the share of the step.",
            with_arg(reference, 1, np.sqrt),
            hint="r scales the step; its square scales the variance.",
        ),
        Mistake(
            "square_root_approximation",
            "Your answer uses the chapter's early approximation of the rectification as if it "
            "were exact: close for small fractions, too early for large ones.",
            square_root_warmup,
            hint="the approximation holds while the average is short compared with its longest "
            "length; compute the rectification itself, step by step.",
        ),
        Mistake(
            "linear_warmup",
            "Your answer is the linear warmup's, not RAdam's: the untuned warmup's factor is not "
            "the rectification.",
            linear_warmup,
            hint="RAdam's factor rises like a square root at first, then more slowly than a "
            "line: compute it, step by step.",
        ),
        Mistake(
            "last_step_below",
            "Your answer is one step early: the last step below the fraction, not the first at "
            "or above it.",
            lambda beta2, fraction: reference(beta2, fraction) - 1,
            hint="return the first t at which the share is at least the fraction.",
        ),
    ]
    return check_against(
        fn,
        reference,
        cases,
        mistakes,
        arg_names=("beta2", "fraction"),
        output_names=("t",),
        reference_name="runs of optlib.radam and optlib.adam",
        advice="step through t = 1, 2, …: while RAdam takes momentum steps its share of Adam's "
        "step is nothing; after that it is the rectification. Return the first t where the "
        "share reaches the fraction, and math.nan if it never does.",
    )


# --- A prediction: does the tie survive more seeds? -----------------------------------------------


@functools.lru_cache(maxsize=1)
def _tie_after_five_seeds() -> tuple[str, float, float, float, float]:
    """Adam and AMSGrad on the chapter's logistic regression (even or odd digit, 600 images,
    300 mini-batches of 32, the grid ``cap-grid``), tuned on the mean of seeds 0–4: who is ahead
    by more than one seed-to-seed standard deviation ("Adam", "AMSGrad"), or "tie"; and the two
    tuned scores, their gap and the smaller of their standard deviations over the seeds."""
    train, _ = data.train_test_split(data.digits(scale=True), 0.25, seed=0)
    problem = models.LogisticRegression(train.X[:600], train.y[:600] % 2)
    tuned = {}
    for name, amsgrad in [("Adam", False), ("AMSGrad", True)]:
        rates = optimizers.adam().lr * MULTIPLIERS
        finals = []
        for seed in range(5):
            run = minimize(
                problem,
                np.zeros((len(rates), problem.dim)),
                optimizers.adam(lr=rates, amsgrad=amsgrad),
                steps=300,
                batch_size=32,
                seed=seed,
            )
            finals.append(np.where(run.diverged, np.nan, run.losses[-1]))
        finals = np.array(finals)
        score, best = _score(finals)
        tuned[name] = (float(score[best]), float(np.std(finals[:, best])))
    (adam, adam_spread), (amsgrad, amsgrad_spread) = (
        tuned["Adam"],
        tuned["AMSGrad"],
    )
    gap, spread = abs(adam - amsgrad), min(adam_spread, amsgrad_spread)
    outcome = (
        "tie" if gap <= spread else ("Adam" if adam < amsgrad else "AMSGrad")
    )
    return outcome, adam, amsgrad, gap, spread


@checker(
    formulas=(
        "|\\bar L_\\text{Adam}-\\bar L_\\text{AMSGrad}|",
        "abs(adam_mean-amsgrad_mean)",
        'abs(five_seed_score["Adam"]-five_seed_score["AMSGrad"])',
    ),
    kind="prediction",
)
def check_capstone_tie(prediction: Any) -> CheckResult:
    r"""Judge a prediction: on the capstone's logistic regression, tuned on the mean of five
    seeds instead of three, is Adam or AMSGrad ahead by more than one seed-to-seed standard
    deviation, or is it still a tie? The experiment runs both with :func:`optlib.minimize`
    (seeds 0–4, the chapter's grid, ``cap-score`` and ``cap-tuned``).

    It is a tie: AMSGrad differs from Adam only by a running maximum of :math:`v` that barely
    binds here, so seed by seed the two runs nearly coincide and the gap stays far below the
    spread, whichever of the two is ahead.

    Expected answer: one of ``"Adam"``, ``"AMSGrad"``, ``"tie"``.

    Examples
    --------
    >>> check_capstone_tie(None).mistake
    'no_prediction'
    >>> check_capstone_tie("tie").passed
    True
    """

    def shown(verdict: str) -> str:
        _, adam, amsgrad, gap, spread = (
            _tie_after_five_seeds()
        )  # the run just made (cached)
        said = "a tie" if verdict == "tie" else f"{verdict} ahead"
        return (
            f"{said}: tuned on five seeds, Adam scores {adam:.6f} and AMSGrad {amsgrad:.6f}, a "
            f"gap of {gap:.1e} against a seed-to-seed standard deviation of {spread:.1e}"
        )

    return judge_prediction(
        prediction,
        lambda: _tie_after_five_seeds()[0],
        asks="who is ahead by more than one seed-to-seed standard deviation after five seeds: "
        '"Adam", "AMSGrad", or "tie"',
        choices=("Adam", "AMSGrad", "tie"),
        show_outcome=shown,
        explanation="More seeds make each mean more certain; they do not separate two methods "
        "that take nearly the same steps on every seed.",
        hint="look at what AMSGrad changes in Adam's step, and ask how often that change acts "
        "on this problem; then ask what more seeds can and cannot resolve.",
    )
