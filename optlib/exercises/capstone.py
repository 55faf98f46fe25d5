r"""Exercises of the capstone chapter ("which optimizer when"), a tuning study: the verdict
between two optimizers from their test scores on five seeds (the chapter's rule:
Student-:math:`t` intervals, overlapping ones tie); the chance that a random search of ``k``
trials drawn from a pool reaches a target (a derivation, checked by counting every search of
``k`` trials); RAdam's implicit warmup as a function of :math:`\beta_2`, against runs of
:func:`optlib.radam` and :func:`optlib.adam`; and an optimizer of the reader's own entered in
the study, judged once it is written, as a prediction is: checked for a fair entry, then run
through the chapter's protocol (:mod:`optlib.tuning`) beside the nine contestants, to see where
it lands.

The protocol the checkers run is the chapter's, on the study's two cheap problems (the
quadratic and Rosenbrock): :data:`TRIALS` trials of random search with seed
:data:`SEARCH_SEED`, the best on validation, retrained from :data:`optlib.tuning.TEST_SEEDS`."""

from __future__ import annotations

import functools
import inspect
import itertools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, NamedTuple

import numpy as np

from optlib import functions, optimizers, tuning
from optlib.exercises import engine
from optlib.exercises.engine import (
    CHECKERS,
    Case,
    CheckResult,
    Mistake,
    check_against,
    checker,
    climb,
    quiet,
    show,
)
from optlib.exercises.variants import with_arg
from optlib.optimizers import Optimizer

__all__ = [
    "check_capstone_chance",
    "check_capstone_own_optimizer",
    "check_capstone_radam_warmup",
    "check_capstone_verdict",
]


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


# --- The study's protocol, as the chapter runs it ------------------------------------------

#: The large budget of the chapter: trials of random search per optimizer.
TRIALS = 64
#: The seed of every random search of the checker (the reader's entry's and the contestants').
SEARCH_SEED = 0


class _Entered(NamedTuple):
    """What the protocol gives an optimizer."""

    setting: dict[str, float]  # the setting chosen on validation
    scores: (
        np.ndarray
    )  # (5,): its test scores from the test seeds; NaN: diverged
    validation: np.ndarray  # (TRIALS,): the search's validation scores


def _protocol(
    problem: tuning.Problem, make: Callable[..., Any], space: dict[str, Any]
) -> _Entered:
    """The chapter's protocol: :data:`TRIALS` trials of random search (seed
    :data:`SEARCH_SEED`) scored on validation, the best one retrained from the test seeds and
    scored on test."""
    found = tuning.search(problem, make, space, TRIALS, seed=SEARCH_SEED)
    best = int(np.argmin(found.scores))
    chosen = {
        name: values[best : best + 1]
        for name, values in found.settings.items()
    }
    scores = tuning.retest(problem, make, chosen).scores[-1][:, 0]
    setting = {name: float(v[0]) for name, v in chosen.items()}
    return _Entered(setting, scores, found.scores)


@functools.lru_cache(maxsize=2)
def _study(problem_name: str) -> dict[str, _Entered]:
    """The chapter's protocol for the nine contestants on a problem."""
    problem = tuning.study_problems()[problem_name]
    return {
        name: _protocol(problem, entry.make, entry.space)
        for name, entry in tuning.contestants().items()
    }


# --- The chance that a search of k trials reaches a target -----------------------------------


def _chance_by_enumeration(
    scores: np.ndarray, k: int, target: float
) -> float:
    """The share of the ``k``-trial subsets of ``scores`` that hold a trial scoring at most
    ``target``, counted one subset at a time (NaN never reaches: it compares false)."""
    reach = [bool(score <= target) for score in np.ravel(scores)]
    subsets = hits = 0
    for subset in itertools.combinations(range(len(reach)), k):
        subsets += 1
        hits += any(reach[i] for i in subset)
    return hits / subsets


#: The most subsets the enumeration counts; larger pools use tuning.chance_of_reaching.
_MOST_SUBSETS = 5000


def _chance(scores: np.ndarray, k: int, target: float) -> float:
    """The chance a search of ``k`` trials drawn without replacement from ``scores`` reaches
    ``target``: every subset counted on small pools, :func:`tuning.chance_of_reaching` on the
    real pools of hundreds of trials (the tests hold the two to each other)."""
    if math.comb(len(np.ravel(scores)), k) <= _MOST_SUBSETS:
        return _chance_by_enumeration(scores, k, target)
    return tuning.chance_of_reaching(scores, k, target)


@functools.lru_cache(maxsize=4)
def _real_pool(contestant: str, trials: int) -> np.ndarray:
    """The validation scores of a random search of ``trials`` trials of a contestant on the
    study's Rosenbrock problem (seed :data:`SEARCH_SEED`), NaN where a trial diverged."""
    problem = tuning.study_problems()["Rosenbrock"]
    entry = tuning.contestants()[contestant]
    found = tuning.search(
        problem, entry.make, entry.space, trials, seed=SEARCH_SEED
    )
    return np.where(np.isfinite(found.scores), found.scores, np.nan)


def _chance_cases() -> list[Case]:
    rng = np.random.default_rng(2026)

    def pool(n: int, diverged: int = 0) -> np.ndarray:
        scores = np.round(rng.normal(0.0, 1.0, n), 3)
        scores[rng.choice(n, diverged, replace=False)] = np.nan
        return scores

    small = pool(8)
    with_nan = pool(10, diverged=3)
    floored = pool(14, diverged=2)
    floored[
        rng.choice(np.flatnonzero(np.isfinite(floored)), 3, False)
    ] = -10.0
    sgd = _real_pool("SGD", 256)
    adam = _real_pool("Adam", 64)
    finite = np.sort(sgd[np.isfinite(sgd)])
    # a real sub-pool with diverged trials, small enough to count every subset
    sub = sgd[:14]
    sub_target = float(np.sort(sub[np.isfinite(sub)])[2])

    def at(scores: np.ndarray, i: int) -> float:
        """The i-th best score of the pool: a target some trial reaches exactly."""
        return float(np.sort(scores[np.isfinite(scores)])[i])

    return [
        Case(
            (small, 3, at(small, 1)),
            "8 trials, a search of 3; two reach the target, one of them exactly",
            "small random pools",
        ),
        Case(
            (with_nan, 4, at(with_nan, 2)),
            "10 trials, 3 of them diverged (NaN), a search of 4",
            "small random pools",
        ),
        Case(
            (floored, 5, -10.0),
            "14 trials, 3 of them exactly at the target −10, 2 diverged; a search of 5",
            "small random pools",
        ),
        Case(
            (pool(12, diverged=2), 1, 0.0),
            "12 trials, 2 of them diverged, a search of 1",
            "small random pools",
        ),
        Case(
            (pool(9, diverged=4), 9, 0.5),
            "9 trials, 4 of them diverged, a search of all 9",
            "small random pools",
        ),
        Case(
            (pool(11, diverged=1), 4, -5.0),
            "11 trials, a target no trial reaches",
            "small random pools",
        ),
        Case(
            (sub, 4, sub_target),
            f"the first 14 trials of SGD's search on Rosenbrock ({int(np.isnan(sub).sum())} "
            "diverged), a search of 4",
            "real pools",
        ),
        Case(
            (sgd, 16, float(finite[9])),
            f"SGD's 256 trials on Rosenbrock ({int(np.isnan(sgd).sum())} diverged), a "
            "search of 16, the tenth-best score as target",
            "real pools",
        ),
        Case(
            (sgd, 64, float(finite[0])),
            "SGD's 256 trials on Rosenbrock, a search of 64, the best score as target",
            "real pools",
        ),
        Case(
            (adam, 8, -10.0),
            f"Adam's 64 trials on Rosenbrock ({int(np.sum(adam == -10.0))} of them at the "
            "floor −10), a search of 8 reaching the floor",
            "real pools",
        ),
    ]


@checker(
    formulas=(
        "comb(n-m,k)/comb(n,k)",
        "\\binom{N-m}{k}/\\binom{N}{k}",
        "\\binom{N-m}{k}\\Big/\\binom{N}{k}",
        "C(N-m,k)/C(N,k)",
        "(n-m-i)/(n-i)",
    ),
    kind="derivation",
)
def check_capstone_chance(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's chance that a random search of ``k`` trials, drawn without
    replacement from a pool of :math:`N` trials of which :math:`m` score at most ``target``
    (lower is better; a diverged trial, NaN, reaches no target), finds one that does:

    .. math::
        P = 1 - \binom{N - m}{k} \Big/ \binom{N}{k}.

    The reference counts every subset of ``k`` trials on small pools and uses
    :func:`optlib.tuning.chance_of_reaching` on the real pools (hundreds of trials of the
    study's random search of SGD and Adam on Rosenbrock).

    Expected signature: ``fn(scores, k, target) -> P``: ``scores`` an array with one
    validation score per trial, NaN where the trial diverged; ``k`` a whole number from 1 to
    the size of the pool; ``P`` a number in [0, 1].

    Examples
    --------
    >>> import math
    >>> import numpy as np
    >>> def my_chance(scores, k, target):
    ...     n, m = len(scores), int(np.sum(scores <= target))
    ...     return 1 - math.comb(n - m, k) / math.comb(n, k)
    >>> check_capstone_chance(my_chance).passed
    True
    """

    def reached(scores, target):
        return int(np.sum(scores <= target))

    def with_replacement(scores, k, target):
        return 1 - (1 - reached(scores, target) / len(scores)) ** k

    def nan_reaches(scores, k, target):
        m = int(np.sum(~(scores > target)))  # NaN: "not above the target"
        return 1 - math.comb(len(scores) - m, k) / math.comb(len(scores), k)

    def strict(scores, k, target):
        m = int(np.sum(scores < target))
        return 1 - math.comb(len(scores) - m, k) / math.comb(len(scores), k)

    def prefix(scores, k, target):
        return float(np.any(scores[:k] <= target))

    def k_times_share(scores, k, target):
        return k * reached(scores, target) / len(scores)

    mistakes = [
        Mistake(
            "with_replacement",
            "Your chance is that of a search that may draw the same trial twice: a search "
            "draws its trials without replacement, so each miss leaves fewer trials to miss "
            "with.",
            with_replacement,
            hint="count the searches that miss: every one of their k trials must be among "
            "the trials that do not reach the target, all different.",
        ),
        Mistake(
            "nan_reaches",
            "Your count of the trials that reach the target includes the diverged ones (NaN): "
            "a run that diverged reaches no target.",
            nan_reaches,
            hint="a comparison with NaN is false either way round: count the trials whose "
            "score is at most the target, not those whose score is not above it.",
        ),
        Mistake(
            "strict",
            "A trial that scores exactly the target does not count in your answer: the target "
            "is reached at or below it.",
            strict,
            hint="the real pools have trials exactly at the target (Adam's floor, −10).",
        ),
        Mistake(
            "prefix",
            "Your answer looks at the first k trials of the pool only: that is one search, "
            "which reaches the target or not; the chance is over every search of k trials "
            "the pool could give.",
            prefix,
            hint="a random search of k trials is any k of the N trials, each set as likely "
            "as another: count the sets that miss.",
        ),
        Mistake(
            "k_times_share",
            "Your chance adds up the chances of the k trials as if a search could not reach "
            "the target twice: it can exceed 1.",
            k_times_share,
            hint="compute the chance of the opposite event — the search misses — and take it "
            "from 1.",
        ),
    ]
    return check_against(
        fn,
        _chance,
        _chance_cases(),
        mistakes,
        arg_names=("scores", "k", "target"),
        output_names=("P",),
        reference_name="the count over all searches of k trials",
        advice="the search misses only if all k of its trials are among the trials that do "
        "not reach the target (diverged ones included); count those searches among all "
        "searches of k trials.",
    )


# --- Who wins: a verdict from two sets of test scores ----------------------------------------

#: The verdicts, and the numbers check_against compares in their place.
_VERDICTS = {"A": -1.0, "tie": 0.0, "B": 1.0}
_NAMES = {code: name for name, code in _VERDICTS.items()}
#: The chapter's confidence level.
LEVEL = 0.95


def _decide(
    a: np.ndarray, b: np.ndarray, half_width: Callable[[np.ndarray], float]
) -> str:
    """The chapter's verdict with intervals of ``half_width``: an infinite mean (a diverged
    run) loses to a finite one and ties with another; overlapping intervals (touching
    included) tie; otherwise the lower mean wins."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    finite_a, finite_b = np.isfinite(a).all(), np.isfinite(b).all()
    if not (finite_a and finite_b):
        return "tie" if finite_a == finite_b else ("A" if finite_a else "B")
    mean_a, mean_b = float(np.mean(a)), float(np.mean(b))
    if abs(mean_a - mean_b) <= half_width(a) + half_width(b):
        return "tie"
    return "A" if mean_a < mean_b else "B"


@functools.lru_cache(maxsize=8)
def _t(df: int) -> float:
    """Student's quantile of the chapter's level, computed once per ``df``."""
    return tuning.t_quantile((1 + LEVEL) / 2, df)


def _t_interval(ddof: int = 1, quantile: float | None = None):
    """The half-width of :func:`tuning.mean_interval` at the chapter's level (its quantile
    computed once); or one of a wrong kind: another ``ddof``, or another quantile."""

    def half_width(x: np.ndarray) -> float:
        q = _t(len(x) - 1) if quantile is None else quantile
        return q * float(np.std(x, ddof=ddof)) / math.sqrt(len(x))

    return half_width


def _verdict(a: np.ndarray, b: np.ndarray) -> str:
    """The chapter's verdict, with the intervals of :func:`tuning.mean_interval`."""
    return _decide(a, b, _t_interval())


def _diverged_ties(a: np.ndarray, b: np.ndarray) -> str:
    """The rule with :func:`tuning.mean_interval`'s infinite intervals taken at their word:
    an infinite side overlaps every other (and two infinite means are not equal: inf - inf
    is NaN)."""
    (mean_a, half_a), (mean_b, half_b) = (
        (float(np.mean(x)), _t_interval()(x))
        if np.isfinite(x).all()
        else (math.inf,) * 2
        for x in (np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    )
    with np.errstate(invalid="ignore"):
        if abs(mean_a - mean_b) <= half_a + half_b:
            return "tie"
    return "A" if mean_a < mean_b else "B"


def _coded(verdict: Callable[..., Any]) -> Callable[..., float]:
    """A function that gives a verdict, giving its number instead (for check_against)."""

    def coded(a, b):
        return _VERDICTS[verdict(a, b)]

    return coded


def _read_verdict(value: Any) -> Any:
    """The learner's verdict as its number; a value that is no verdict comes back as it is
    (a number, which check_against then judges) or as a string check_against refuses."""
    if isinstance(value, str):
        said = value.strip().casefold()
        known = {name.casefold(): code for name, code in _VERDICTS.items()}
        return known.get(said, value)
    if isinstance(value, (bool, np.bool_)):
        return "a bool"  # not a verdict: refused as a string
    return value


def _verdict_cases() -> list[Case]:
    rng = np.random.default_rng(31)
    t = _t(4)

    def pair(gap: float, a_first: bool) -> tuple[np.ndarray, np.ndarray]:
        """Two random sets of five scores whose means are ``gap`` times the sum of their
        half-widths apart, the lower one A's if ``a_first``."""
        a = np.round(rng.normal(0.0, rng.uniform(0.2, 2.0), 5), 4)
        b = np.round(rng.normal(0.0, rng.uniform(0.2, 2.0), 5), 4)
        widths = t * (np.std(a, ddof=1) + np.std(b, ddof=1)) / math.sqrt(5)
        shift = np.mean(a) - np.mean(b) + gap * widths
        low, high = (a, b + shift) if a_first else (b + shift, a)
        return low, high

    # gap / (the sum of the Student-t half-widths): z = 1.96 ties below 0.706, ±1 standard
    # deviation below 0.806, ddof = 0 below 0.894, the chapter's rule below 1.
    settings = [
        (0.3, True, "intervals overlapping far"),
        (
            0.75,
            False,
            "overlapping intervals that a normal quantile would separate",
        ),
        (
            0.85,
            True,
            "overlapping intervals that ±1 standard deviation would separate",
        ),
        (0.95, False, "intervals that barely overlap"),
        (1.08, True, "intervals just apart"),
        (2.5, False, "intervals far apart"),
    ]
    cases = [
        Case(pair(gap, a_first), f"random scores, {what}", "random scores")
        for gap, a_first, what in settings
    ]
    same = np.round(rng.normal(-3.0, 0.5, 5), 4)
    diverged = np.round(rng.normal(-2.0, 0.3, 5), 4)
    diverged[3] = np.inf
    rosenbrock = _study("Rosenbrock")

    def test_scores(name: str) -> np.ndarray:
        scores = rosenbrock[name].scores
        return np.where(np.isnan(scores), np.inf, scores)

    return [
        *cases,
        Case(
            (same, same.copy()),
            "the same five scores on both sides",
            "edge cases",
        ),
        Case(
            (np.full(5, -10.0), np.full(5, -10.0)),
            "both solved to the floor on every seed: two intervals of width 0 that touch",
            "edge cases",
        ),
        Case(
            (np.full(5, -9.0), np.full(5, -10.0)),
            "two constant sets of scores",
            "edge cases",
        ),
        Case(
            (diverged, same),
            "A diverged on one seed (inf)",
            "diverged runs",
        ),
        Case(
            (same, np.array([np.inf, -1.0, np.inf, -2.0, -1.5])),
            "B diverged on two seeds",
            "diverged runs",
        ),
        Case(
            (diverged, np.full(5, np.inf)),
            "both diverged",
            "diverged runs",
        ),
        *(
            Case(
                (test_scores(one), test_scores(other)),
                f"the study's {one} against {other} on Rosenbrock (tuned, five test seeds)",
                "the study's test scores",
            )
            for one, other in [
                ("NAG", "AdamW"),
                ("Adam", "AMSGrad"),
                ("SGD", "AdaGrad"),
            ]
        ),
    ]


@checker(
    formulas=(
        "abs(mean_a-mean_b)<=half_a+half_b",
        "mean_a+half_a<mean_b-half_b",
        "ma+ha<mb-hb",
        "|\\bar x_A-\\bar x_B|\\le h_A+h_B",
        "t_quantile(0.975,4)",
        "2.776*std(x,ddof=1)/sqrt(len(x))",
        "t_{0.975,4}",
    ),
    kind="rule",
)
def check_capstone_verdict(fn: Callable[..., Any]) -> CheckResult:
    r"""Check a learner's verdict between two optimizers from their test scores on five seeds
    (lower is better; ``inf`` where a run diverged), the chapter's rule: each side's mean and
    its 95 % Student-:math:`t` interval (:func:`optlib.tuning.mean_interval`),

    .. math::
        \bar x \pm t_{0.975,\,n-1}\, s/\sqrt n ;

    intervals that overlap (touching included) are a ``"tie"``, otherwise the side with the
    lower mean wins (``"A"`` or ``"B"``); a side with a diverged run has an infinite mean: it
    loses to a finite side and ties with another infinite one.

    The cases are random scores whose means are set apart by chosen multiples of the two
    half-widths (so that a normal quantile, ±1 standard deviation or ``ddof=0`` give other
    verdicts), edge cases, diverged runs, and the study's own test scores on Rosenbrock.

    Expected signature: ``fn(a, b) -> verdict``: ``a``, ``b`` arrays of five test scores;
    ``verdict`` one of ``"A"``, ``"B"``, ``"tie"``.

    Examples
    --------
    >>> import math
    >>> from optlib import tuning
    >>> def my_verdict(a, b):
    ...     (mean_a, half_a), (mean_b, half_b) = tuning.mean_interval(a), tuning.mean_interval(b)
    ...     if math.inf in (mean_a, mean_b):  # a diverged run loses; two of them tie
    ...         return "tie" if mean_a == mean_b else ("A" if mean_a < mean_b else "B")
    ...     if abs(mean_a - mean_b) <= half_a + half_b:
    ...         return "tie"
    ...     return "A" if mean_a < mean_b else "B"
    >>> check_capstone_verdict(my_verdict).passed
    True
    """
    cases = _verdict_cases()
    answers: list[Any] = []

    def said(a, b):
        answers.append(value := fn(a, b))
        return _read_verdict(value)

    try:
        name = getattr(fn, "__name__", "")
    except Exception:  # a hostile object: the engine calls it f
        name = ""
    said.__name__ = name if isinstance(name, str) else ""

    def means_only(a, b):
        return _decide(a, b, lambda x: 0.0)

    one_sd = functools.partial(
        _decide, half_width=lambda x: float(np.std(x, ddof=1))
    )
    mistakes = [
        Mistake(
            "diverged_ties",
            "A side with a diverged run ties with everything in your verdict: its interval "
            "is infinite, so it overlaps any other. A run that diverged is a loss.",
            _coded(_diverged_ties),
            hint="decide the diverged sides before comparing intervals: a finite side beats an "
            "infinite one, and two infinite ones tie.",
        ),
        Mistake(
            "means_only",
            "Your verdict compares the means only: a gap smaller than the seeds' own scatter "
            "is not a win.",
            _coded(means_only),
            hint="five seeds give each mean an uncertainty; the chapter calls it a tie when "
            "the two 95 % intervals overlap.",
        ),
        Mistake(
            "one_sd",
            "Your intervals are one standard deviation of the scores wide: that is the "
            "scatter of one run, not the uncertainty of a mean of five at 95 %.",
            _coded(one_sd),
            hint="the interval of a mean shrinks with the number of seeds, and its 95 % "
            "needs a quantile.",
        ),
        Mistake(
            "z_not_t",
            "Your intervals use the normal distribution's 1.96: with five scores the "
            "standard deviation is itself estimated, and the intervals must be wider.",
            _coded(
                functools.partial(
                    _decide,
                    half_width=_t_interval(quantile=1.959963984540054),
                )
            ),
            hint="Student's t with n − 1 degrees of freedom (tuning.t_quantile) is the "
            "quantile for a mean of n scores whose spread is estimated from them.",
        ),
        Mistake(
            "ddof_zero",
            "Your standard deviation divides by n: NumPy's np.std does unless told otherwise, "
            "and it is too small for a sample of five.",
            _coded(
                functools.partial(_decide, half_width=_t_interval(ddof=0))
            ),
            hint="the sample standard deviation divides by n − 1 (ddof=1).",
        ),
    ]
    result = check_against(
        said if callable(fn) else fn,
        _coded(_verdict),
        cases,
        mistakes,
        arg_names=("a", "b"),
        output_names=("verdict",),
        reference_name="the chapter's rule",
        advice="compute each side's mean and its 95 % interval; overlapping intervals are a "
        "tie; a side with a diverged run loses to a side without.",
    )
    return _in_words(result, cases, answers)


def _in_words(
    result: CheckResult, cases: list[Case], answers: list[Any]
) -> CheckResult:
    """The verdict checker's result with verdicts in words: what the learner returned that is
    no verdict, and the first wrong case with the verdicts as "A", "B", "tie"."""
    if result.passed or not answers:
        return result
    last = answers[-1]
    if result.mistake == "wrong_output" and isinstance(
        last, (str, bool, np.bool_)
    ):
        number = len(answers)
        kind = type(last).__name__
        shown = (
            repr(last) if len(repr(last)) <= 40 else repr(last)[:37] + "..."
        )
        return replace(
            result,
            message=f"On case {number} of {len(cases)} ({cases[number - 1].description}), "
            f"your function returned the {kind} {shown}, which is not a verdict: return "
            '"A" (A is better), "B" (B is better) or "tie".',
        )

    def numbers(hint: str) -> str:
        found = re.match(
            r"The first case you get wrong, in numbers: case (\d+) of", hint
        )
        if found is None:
            return hint
        number = int(found.group(1))
        case, given = cases[number - 1], answers[number - 1]
        yours = _read_verdict(given)
        if isinstance(yours, float) and yours in _NAMES:
            yours = f'"{_NAMES[yours]}"'
        else:
            yours = repr(given) if isinstance(given, str) else show(given)
        a, b = case.args
        sides = "; ".join(
            f"{side}'s mean {mean:.6g} ± {half:.6g}"
            for side, (mean, half) in (
                ("A", tuning.mean_interval(a, LEVEL)),
                ("B", tuning.mean_interval(b, LEVEL)),
            )
        )
        return (
            f"The first case you get wrong, in numbers: case {number} of {len(cases)} "
            f"({case.description}), with a = {show(a)}, b = {show(b)}. Your function "
            f'returned {yours}; the right verdict is "{_verdict(a, b)}" ({sides}, 95 %).'
        )

    return replace(
        result, hints=tuple(numbers(hint) for hint in result.hints)
    )


# --- Your own optimizer in the study ---------------------------------------------------------

#: The problems the own-optimizer check runs: the study's two cheap ones.
OWN_PROBLEMS = ("quadratic", "Rosenbrock")
#: The name of the reader's entry in the table of the ten.
YOURS = "yours"
#: How a make is tried before the study: settings drawn (with this seed), steps on the bowl.
_TRIED_SETTINGS, _TRIED_STEPS, _TRIED_SEED = 3, 50, 7


@dataclass(frozen=True, repr=False)
class Placement(CheckResult):
    """The verdict on an entry of the study, and where it lands (on a pass): a
    :class:`~optlib.exercises.engine.CheckResult` with these attributes besides.

    Attributes
    ----------
    problem : str
        The problem the protocol ran on.
    setting : dict of str to float
        The setting the search chose (the best of its trials on validation).
    scores : tuple of float
        Its test scores from the five test seeds (NaN where a run diverged).
    mean, half_width : float
        Their mean and the half-width of its 95 % Student-:math:`t` interval
        (:func:`optlib.tuning.mean_interval`; both ``inf`` if a run diverged).
    place : int
        The entry's place among the ten by mean test score, 1 the best: one more than the
        number of contestants with a lower mean (so a shared place is the better one).
    ties : list of str
        The contestants the entry ties with under the chapter's verdict (their intervals
        overlap, or both diverged).
    verdicts : dict of str to str
        For each of the nine contestants, ``"ahead"`` (the entry wins), ``"behind"`` or
        ``"tie"``.
    table : dict of str to (float, float)
        The ten, best first: each one's mean test score and half-width; the entry is
        :data:`YOURS` (``"yours"``).
    """

    problem: str = ""
    setting: dict[str, float] = field(default_factory=dict)
    scores: tuple[float, ...] = ()
    mean: float = math.nan
    half_width: float = math.nan
    place: int = 0
    ties: list[str] = field(default_factory=list)
    verdicts: dict[str, str] = field(default_factory=dict)
    table: dict[str, tuple[float, float]] = field(default_factory=dict)


def _small_bowl() -> Any:
    """A rotated 2-D bowl (curvatures 1 and 10, minimum at (1, 1)) on which a make is tried:
    even a rate of 10 does not overflow on it in 50 steps, so the rows can be told apart."""
    c, s = math.cos(0.5), math.sin(0.5)
    rotation = np.array([[c, -s], [s, c]])
    curvature = rotation @ np.diag([1.0, 10.0]) @ rotation.T
    return functions.quadratic(curvature, curvature @ np.ones(2))


_START = np.array([-1.0, 2.0])


def _space_trouble(space: Any) -> str | None:
    """What is wrong with a search space, in words (None if nothing)."""
    ranges = "tuning.LogUniform(low, high) or tuning.OneMinusLogUniform(low, high)"
    if space is None:
        return (
            "You gave no space: give one range per hyperparameter, keyed by the name make "
            f"takes, each a {ranges}."
        )
    if not isinstance(space, Mapping):
        return (
            f"Your space is {_a(type(space).__name__)}, not a dict: give one range per "
            f"hyperparameter, keyed by the name make takes, each a {ranges}."
        )
    if not space:
        return "Your space is empty: give one range per hyperparameter make takes."
    for key, value in space.items():
        if not (isinstance(key, str) and key.isidentifier()):
            return (
                f"The key {key!r} of your space is not a name: make is called with the "
                "space's keys as keywords."
            )
        if not isinstance(
            value, (tuning.LogUniform, tuning.OneMinusLogUniform)
        ):
            return (
                f"The range of {key!r} in your space is {_a(type(value).__name__)}: use a "
                f"{ranges}."
            )
        try:
            tuning.random_search({key: value}, 1)
        except (TypeError, ValueError) as error:
            return f"The range of {key!r} in your space is not a range: {error}."
    return None


def _keyword_trouble(
    make: Callable[..., Any], space: Mapping[str, Any]
) -> CheckResult | None:
    """Whether ``make`` takes exactly the keywords of ``space`` (when its signature says)."""
    try:
        parameters = inspect.signature(make).parameters.values()
    except (TypeError, ValueError):
        return None  # no signature to read: the calls will tell
    named = (
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
    )
    takes = {p.name for p in parameters if p.kind in named}
    anything = any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters
    )
    needs = [
        p.name
        for p in parameters
        if p.default is inspect.Parameter.empty
        and p.kind
        not in (
            inspect.Parameter.VAR_KEYWORD,
            inspect.Parameter.VAR_POSITIONAL,
        )
    ]
    extra = [key for key in space if key not in takes and not anything]
    missing = [name for name in needs if name not in space]
    if extra:
        return CheckResult(
            False,
            f"Your make does not take {_listed(extra)} as keywords: the study calls it with "
            "every hyperparameter of your space by its name.",
            "unexpected_keyword",
            (
                "Hint: name make's parameters after the keys of your space (or the keys after "
                "the parameters).",
            ),
        )
    if missing:
        return CheckResult(
            False,
            f"Your make needs {_listed(missing)}, which your space does not give: the study "
            "calls it with the keys of your space only.",
            "missing_keyword",
            (
                "Hint: search every hyperparameter make needs (add its range to the space), or "
                "give it a default in make.",
            ),
        )
    return None


def _a(noun: str) -> str:
    """'a float', 'an int'."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _listed(names: list[str]) -> str:
    return ", ".join(repr(name) for name in names)


def _built(
    make: Callable[..., Any], setting: dict[str, Any], given: str
) -> Any:
    """``make(**setting)`` within the time limit, or a CheckResult saying why not."""
    shown = ", ".join(
        f"{name} = {show(value)}" for name, value in setting.items()
    )
    try:
        built = engine.call_with_time_limit(
            lambda: make(**setting), (), engine.TIME_LIMIT
        )
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # the learner's: reported, never raised
        slow = f"did not return within {engine.TIME_LIMIT:g} s"
        what = _failure(error, slow, "raised ")
        return CheckResult(
            False,
            f"Your make {what} when given {given} ({shown}).",
            "make_raises",
            (
                "Hint: the study gives make arrays, one value per trial of a batch; optlib's "
                "optimizers take a number or an array for each hyperparameter.",
            ),
        )
    if not isinstance(built, Optimizer):
        return CheckResult(
            False,
            f"Your make returned {_a(type(built).__name__)} when given {given}, not an optlib "
            "optimizer: the study trains what make returns with optlib.",
            "not_an_optimizer",
            (
                "Hint: return the optimizer that one of optlib's functions (optlib.sgd, "
                "optlib.adam, optlib.nadam, ...) builds, or an instance of a subclass of "
                "optlib.optimizers.Optimizer.",
            ),
        )
    return built


def _batch_trouble(
    make: Callable[..., Any], space: Mapping[str, Any]
) -> CheckResult | None:
    """Whether ``make`` given arrays runs a batch whose rows run as the same settings given
    one by one as numbers: 3 random settings, 50 steps on :func:`_small_bowl`."""
    settings = tuning.random_search(space, _TRIED_SETTINGS, seed=_TRIED_SEED)
    batch = _built(make, settings, f"arrays of {_TRIED_SETTINGS} settings")
    if isinstance(batch, CheckResult):
        return batch
    alone = []
    for i in range(_TRIED_SETTINGS):
        one = {name: float(values[i]) for name, values in settings.items()}
        built = _built(make, one, "numbers")
        if isinstance(built, CheckResult):
            return built
        alone.append(built)
    rows = _tried(batch, _TRIED_SETTINGS)
    if isinstance(rows, CheckResult):
        return rows
    runs = []
    for optimizer in alone:
        run = _tried(optimizer, 1)
        if isinstance(run, CheckResult):
            return run
        runs.append(run[0])

    def same(x: np.ndarray, y: np.ndarray) -> bool:
        return bool(np.allclose(x, y, rtol=1e-9, atol=1e-12, equal_nan=True))

    n = _TRIED_SETTINGS
    numbers = (
        "The settings, in numbers: "
        + ", ".join(
            f"{name} = {show(values)}" for name, values in settings.items()
        )
        + f". After {_TRIED_STEPS} steps from {show(_START)} on a 2-D bowl (curvatures 1 "
        f"and 10), the rows of the batch are at {show(rows)}; each setting alone at "
        f"{show(np.array(runs))}."
    )
    if all(same(rows[i], runs[i]) for i in range(n)):
        if all(np.isnan(run).all() for run in runs):
            return CheckResult(
                False,
                f"Every setting tried diverged within {_TRIED_STEPS} steps on a gentle 2-D "
                "bowl: the study would have nothing to choose from.",
                "diverges",
                (
                    "Hint: check your ranges: are they those of a rule that can converge?",
                    numbers,
                ),
            )
        if all(same(runs[0], run) for run in runs):
            return CheckResult(
                False,
                f"Your make ignores its settings: {n} different settings run exactly alike, "
                "so the search would have nothing to tune.",
                "ignores_settings",
                (
                    "Hint: pass each keyword make is given on to the optimizer it builds.",
                    numbers,
                ),
            )
        return _ignored_keyword(make, settings, runs[0])
    one_row = all(same(rows[0], row) for row in rows)
    if one_row and same(rows[0], runs[0]):
        return _batch_failure(
            "first_only",
            f"Your make uses only the first setting of a batch: given arrays of {n} "
            "settings, every row of the batch runs as the first setting alone. The study "
            f"runs its {TRIALS} trials as one batch: every trial would be the first.",
            numbers,
        )
    if one_row:
        return _batch_failure(
            "one_setting",
            f"Your make turns the arrays of a batch into one setting: all {n} rows run "
            "alike, and none runs as its own setting does alone.",
            numbers,
        )
    for order in itertools.permutations(range(n)):
        if all(same(rows[i], runs[j]) for i, j in enumerate(order)):
            return _batch_failure(
                "mixed_rows",
                "Your make mixes the rows of a batch: each row runs as another row's "
                "setting (rows 0, 1, 2 run as settings "
                f"{', '.join(map(str, order))}).",
                numbers,
            )
    wrong = [i for i in range(n) if not same(rows[i], runs[i])]
    return _batch_failure(
        "rows_differ",
        f"Given arrays, your make builds a batch whose row{'s' * (len(wrong) > 1)} "
        f"{', '.join(map(str, wrong))} do{'es' * (len(wrong) == 1)} not run as the same "
        "setting given alone, as numbers.",
        numbers,
    )


def _ignored_keyword(
    make: Callable[..., Any],
    settings: dict[str, np.ndarray],
    first: np.ndarray,
) -> CheckResult | None:
    """Whether some keyword of the space changes nothing: the first setting with that one
    value taken from the second runs exactly as the first (``first``)."""
    for name, values in settings.items():
        changed = {key: float(v[0]) for key, v in settings.items()}
        changed[name] = float(values[1])
        built = _built(make, changed, "numbers")
        if isinstance(built, CheckResult):
            return built
        run = _tried(built, 1)
        if isinstance(run, CheckResult):
            return run
        if np.array_equal(run[0], first, equal_nan=True):
            return CheckResult(
                False,
                f"Your make ignores {name!r}: two settings that differ only in {name!r} "
                f"({show(values[0])} and {show(values[1])}) run exactly alike. The search "
                "would spend its trials on a hyperparameter that does nothing.",
                "ignores_keyword",
                (
                    f"Hint: pass {name!r} on to the optimizer make builds, or take it out of "
                    "the space.",
                ),
            )
    return None


def _batch_failure(name: str, message: str, numbers: str) -> CheckResult:
    return CheckResult(
        False,
        message,
        name,
        (
            "Hint: pass the arrays on to the optimizer as they are: optlib's optimizers take "
            "one value per row of the batch. Taking [0], float(...), .item() or a mean of them, "
            "or reordering them, breaks the batch.",
            numbers,
        ),
    )


def _tried(optimizer: Optimizer, runs: int) -> Any:
    """The last iterates of ``runs`` runs of ``optimizer`` on :func:`_small_bowl` from
    :data:`_START` (:data:`_TRIED_STEPS` steps, within the time limit), or a CheckResult
    saying why there are none."""
    x0 = np.tile(_START, (runs, 1))
    try:
        with quiet():
            params = engine.call_with_time_limit(
                tuning.train,
                (_small_bowl(), x0, optimizer, _TRIED_STEPS),
                engine.TIME_LIMIT,
            ).params
    except KeyboardInterrupt:
        raise
    except (
        BaseException
    ) as error:  # the learner's optimizer: reported, never raised
        return _cannot_train(error)
    if params.shape != x0.shape:
        return _cannot_train(
            ValueError(f"{runs} runs came back of shape {params.shape}")
        )
    return params


def _failure(error: BaseException, slow: str, verb: str = "") -> str:
    """What went wrong, in words: ``slow`` if the time limit stopped it, else
    the error's name and message."""
    if isinstance(error, engine.TimeLimitExceeded):
        return slow
    return f"{verb}{type(error).__name__}: {error}"


def _cannot_train(error: BaseException) -> CheckResult:
    slow = f"{_TRIED_STEPS} steps took more than {engine.TIME_LIMIT:g} s"
    what = _failure(error, slow)
    return CheckResult(
        False,
        f"optlib could not train with your optimizer: {what}.",
        "training_fails",
        (
            "Hint: try make(**setting) by hand with optlib.minimize on a small problem first.",
        ),
    )


def _fields_of(result: CheckResult) -> tuple[Any, ...]:
    """A CheckResult's fields, in order (not copied, as dataclasses.astuple would)."""
    return tuple(getattr(result, f.name) for f in fields(CheckResult))


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _shown(mean: float, half: float) -> str:
    return (
        "diverged (inf)" if math.isinf(mean) else f"{mean:.3f} ± {half:.3f}"
    )


def _own_optimizer(make: Any, space: Any, problem: str) -> CheckResult:
    if make is None or make is ...:
        return CheckResult(
            False,
            "Not yet: write make, which builds your optimizer from one setting of its "
            "hyperparameters, and space, the ranges the search draws them from; then run "
            "this cell. The study runs once you have entered both.",
            "no_prediction",
        )
    if not callable(make):
        return CheckResult(
            False,
            f"Your make is {_a(type(make).__name__)}, not a function: pass the function "
            "itself (check_capstone_own_optimizer(make, space)), not make(...).",
            "wrong_output",
        )
    trouble = _space_trouble(space)
    if trouble is not None:
        return CheckResult(
            False,
            trouble,
            "bad_space",
            (
                "Hint: the chapter's spaces are in tuning.contestants(): each maps a keyword "
                "of make to a range.",
            ),
        )
    for trouble_of in (_keyword_trouble, _batch_trouble):
        found = trouble_of(make, space)
        if found is not None:
            return found
    try:
        with quiet():
            entered = _protocol(
                tuning.study_problems()[problem], make, dict(space)
            )
    except KeyboardInterrupt:
        raise
    except (
        BaseException
    ) as error:  # the learner's optimizer: reported, never raised
        return _cannot_train(error)
    scores, study = entered.scores, _study(problem)
    with quiet():
        table = {
            YOURS: tuning.mean_interval(scores, LEVEL),
            **{
                name: tuning.mean_interval(theirs.scores, LEVEL)
                for name, theirs in study.items()
            },
        }
        words = {"A": "ahead", "B": "behind", "tie": "tie"}
        verdicts = {
            name: words[_verdict(scores, theirs.scores)]
            for name, theirs in study.items()
        }
    mean, half = table[YOURS]
    place = 1 + sum(
        m < mean for name, (m, _) in table.items() if name != YOURS
    )
    ties = [name for name, said in verdicts.items() if said == "tie"]
    ranked = dict(sorted(table.items(), key=lambda item: item[1][0]))
    ahead = sum(said == "ahead" for said in verdicts.values())
    behind = sum(said == "behind" for said in verdicts.values())
    tied = (
        f"it ties with {', '.join(ties)}"
        if ties
        else "it ties with none of them"
    )
    lines = "\n".join(
        f"  {i}. {name}: {_shown(m, h)}"
        for i, (name, (m, h)) in enumerate(ranked.items(), 1)
    )
    message = (
        "Correct! Your optimizer is a fair entry: make takes exactly the keywords of your "
        f"space, and a batch of {_TRIED_SETTINGS} random settings runs each row as that "
        f"setting alone. On {problem}, the chapter's protocol ({TRIALS} trials of random "
        f"search, the best on validation, retrained from the {len(tuning.TEST_SEEDS)} test "
        f"seeds) gives your optimizer a test score of {_shown(mean, half)} (95 % interval): "
        f"{_ordinal(place)} of {len(table)} by the mean; {tied} (the intervals overlap), and "
        f"is ahead of {ahead}, behind {behind}.\n"
        f"The ten on {problem}, by mean test score (lower is better):\n{lines}"
    )
    where = {
        "problem": problem,
        "setting": entered.setting,
        "scores": tuple(float(s) for s in scores),
        "mean": mean,
        "half_width": half,
        "place": place,
        "ties": ties,
        "verdicts": verdicts,
        "table": ranked,
    }
    again = [
        name
        for name, theirs in study.items()
        if np.array_equal(entered.validation, theirs.validation)
    ]
    if again:
        return Placement(
            False,
            f"Not yet: your entry runs exactly as the study's {again[0]} does (the same "
            f"{TRIALS} trials, the same validation scores): it is in the study already. Enter "
            "an optimizer of your own — a rule the nine do not include, or one of them with "
            "a space of your own.",
            "already_in_the_study",
            (
                "Hint: optlib has rules the study leaves out (NAdam and Adamax, for "
                "instance); any optimizer optlib can build, with ranges for its own "
                "hyperparameters, can enter.",
            ),
            **where,
        )
    return Placement(True, message, **where)


def check_capstone_own_optimizer(
    make: Any,
    space: Any = None,
    problem: str = "Rosenbrock",
    *,
    hint: bool = False,
) -> CheckResult:
    r"""Enter an optimizer of your own in the study, check that the entry is fair, and see
    where it lands among the nine.

    The entry is ``make``, which builds an optlib optimizer from one setting
    (``make(**setting)``), and ``space``, a dict of :class:`optlib.tuning.LogUniform` and
    :class:`optlib.tuning.OneMinusLogUniform` ranges keyed by ``make``'s keywords. The check
    is of the entry and of the fairness of its comparison: the space is made of ranges;
    ``make`` takes exactly the space's keywords and returns an optlib optimizer; and given
    arrays (a batch of settings, as the study runs them) it runs a batch whose rows run as
    the same settings given one at a time as numbers (3 random settings, 50 steps of
    :func:`optlib.tuning.train` on a small bowl). Then the chapter's protocol runs on
    ``problem`` for the entry and for the nine :func:`optlib.tuning.contestants` alike:
    random search of :data:`TRIALS` trials (seed :data:`SEARCH_SEED`), the best trial on
    validation, retrained from :data:`optlib.tuning.TEST_SEEDS` and scored on test,

    .. math::
        \bar x \pm t_{0.975,\,4}\; s / \sqrt 5 ;

    the entry's place is by the mean, and it ties with a contestant when the two intervals
    overlap (the rule of :func:`check_capstone_verdict`). An entry that runs exactly as one of
    the nine (the same validation scores on every trial) is not an optimizer of one's own: it
    gets a "Not yet" (``already_in_the_study``), with its numbers.

    Expected call: ``check_capstone_own_optimizer(make, space, problem="Rosenbrock")``;
    ``problem`` is ``"quadratic"`` or ``"Rosenbrock"`` (others raise ``ValueError``: the data
    sets' problems take too long for a check).

    Returns
    -------
    Placement
        A :class:`~optlib.exercises.engine.CheckResult`, passed when the entry is fair and
        the protocol ran; on a pass its ``mean``, ``half_width``, ``place``, ``ties``,
        ``verdicts``, ``table``, ``setting`` and ``scores`` say where the entry lands.

    Examples
    --------
    >>> import optlib
    >>> from optlib import tuning
    >>> def make(lr, beta1, beta2, eps):
    ...     return optlib.nadam(lr=lr, betas=(beta1, beta2), eps=eps)
    >>> result = check_capstone_own_optimizer(make, tuning.contestants()["Adam"].space)
    >>> result.passed, 1 <= result.place <= 10
    (True, True)
    """
    if not (isinstance(problem, str) and problem in OWN_PROBLEMS):
        raise ValueError(
            f"Invalid problem: {problem!r} (the check runs "
            f"{' or '.join(map(repr, OWN_PROBLEMS))})"
        )
    result = _own_optimizer(make, space, problem)
    if not isinstance(
        result, Placement
    ):  # a failure: where it lands is not known
        result = Placement(*_fields_of(result), problem=problem)
    return climb("check_capstone_own_optimizer", result, hint)


check_capstone_own_optimizer.formulas = (  # type: ignore[attr-defined]
    "betas=(beta1,beta2)",
    "nadam(lr=lr,",
    "adamax(lr=lr,",
    'contestants()["Adam"].space',
)
# The entry is judged once it is written, like a prediction: the study runs only then.
check_capstone_own_optimizer.kind = "prediction"  # type: ignore[attr-defined]
CHECKERS["check_capstone_own_optimizer"] = check_capstone_own_optimizer
