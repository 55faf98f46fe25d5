r"""Tuning studies: random search, a lean batched trainer, and the statistics of a fair
comparison (the capstone chapter, "Which optimizer, when?").

A comparison of optimizers is a comparison of *tuning protocols* (Choi et al. 2019; Schmidt et
al. 2021): each optimizer gets the same number of trials of random search over its own
hyperparameters, every trial is trained with the same step budget, the best trial is chosen on
a validation score, and the chosen setting is retrained from fresh seeds and scored on a test
score. This module holds the pieces, each one small:

- :class:`LogUniform` and :class:`OneMinusLogUniform` — the two ranges a search space is made
  of (:math:`\eta \sim` log-uniform; :math:`1 - \beta \sim` log-uniform, so that
  :math:`\beta = 0.9, 0.99, 0.999` are equally likely decades); :func:`random_search` draws
  ``n`` settings of a space as arrays, ready to be passed to an optimizer as one batch.
- :func:`train` — :func:`optlib.minimize` without the path: a batch of runs that keeps only the
  final parameters (and, if asked, a score every ``every`` steps), for studies of thousands of
  runs where recording every iterate would cost more than the training.
- :class:`Problem` and :func:`study_problems` — the chapter's four problems, each with what
  the optimizer trains on, the step budget, and the validation and test scores; :func:`search`
  (random search, every trial scored on validation), :func:`best_of_groups` (the choice of each
  search of ``k`` trials) and :func:`retest` (the chosen settings from fresh seeds, on test) —
  the protocol, three calls; :class:`Contestant` and :func:`contestants` — the nine optimizers
  and the ranges of their own hyperparameters.
- :func:`chance_of_reaching` and :func:`best_of_k` — what a search of ``k`` trials drawn at
  random from a larger pool finds, exactly, from order statistics (the chance of reaching a
  target; the median best score, a point of Dodge et al.'s 2019 tuning curve).
- :func:`mean_interval` — a mean and the half-width of its Student-:math:`t` confidence interval;
  :func:`t_quantile` the quantile it needs, computed here (NumPy has none).
- :func:`performance_profile` — Dolan and Moré's (2002) profile of a set of solvers over a set
  of problems.
- :func:`range_test` — Smith's (2017) learning-rate range test: one short run whose rate grows
  geometrically, the loss smoothed as fast.ai's learning-rate finder does.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from optlib import data, functions, models
from optlib import optimizers as o
from optlib.optimizers import Optimizer
from optlib.run import minibatches
from optlib.validation import check_number, check_whole, positive

__all__ = [
    "FLOOR",
    "TEST_SEEDS",
    "LogUniform",
    "OneMinusLogUniform",
    "Outcome",
    "Problem",
    "RangeTest",
    "Retest",
    "Search",
    "best_of_groups",
    "best_of_k",
    "chance_of_reaching",
    "contestants",
    "mean_interval",
    "performance_profile",
    "random_search",
    "range_test",
    "retest",
    "search",
    "study_problems",
    "t_quantile",
    "time_to_target",
    "train",
]


# --- Search spaces ---------------------------------------------------------------------------


class LogUniform(NamedTuple):
    r"""A value :math:`x` with :math:`\log x` uniform on :math:`[\log a, \log b]`."""

    low: float
    high: float

    def sample(self, u: np.ndarray) -> np.ndarray:
        """The values at quantiles ``u`` in [0, 1)."""
        return self.low * (self.high / self.low) ** u


class OneMinusLogUniform(NamedTuple):
    r"""A decay rate :math:`\beta` with :math:`1 - \beta` log-uniform on ``[low, high]``:
    as likely to be in :math:`[0.9, 0.99]` as in :math:`[0.99, 0.999]`."""

    low: float
    high: float

    def sample(self, u: np.ndarray) -> np.ndarray:
        """The values at quantiles ``u`` in [0, 1)."""
        return 1.0 - LogUniform(self.low, self.high).sample(u)


Range = LogUniform | OneMinusLogUniform


def _check_range(name: str, value: Any) -> None:
    if not isinstance(value, (LogUniform, OneMinusLogUniform)):
        raise TypeError(
            f"the range of {name!r} must be a LogUniform or OneMinusLogUniform, "
            f"got {type(value).__name__}"
        )
    low, high = value
    ok = 0 < low <= high < math.inf
    if isinstance(value, OneMinusLogUniform):
        ok = ok and high <= 1
    if not ok:
        upper = "1" if isinstance(value, OneMinusLogUniform) else "inf"
        raise ValueError(
            f"Invalid range of {name!r}: {tuple(value)} (need 0 < low <= high <= {upper})"
        )


def random_search(
    space: Mapping[str, Range], n: int, seed: int = 0
) -> dict[str, np.ndarray]:
    """``n`` settings drawn independently from ``space``: one array of ``n`` values per name.

    The draws are those of ``np.random.default_rng(seed).random((n, len(space)))``, one column
    per name in the order of ``space``: the first ``k`` settings of a search of ``n`` are the
    search of ``k`` (a small budget is a prefix of a large one).
    """
    check_whole("Invalid n value: {value}", n, 1)
    check_whole("Invalid seed value: {value}", seed, 0)
    for name, value in space.items():
        _check_range(name, value)
    u = np.random.default_rng(seed).random((n, len(space)))
    return {
        name: value.sample(u[:, j])
        for j, (name, value) in enumerate(space.items())
    }


# --- Training a batch of runs, keeping only what a study needs ---------------------------------


class Outcome(NamedTuple):
    """What :func:`train` keeps of a batch of ``B`` runs."""

    params: np.ndarray  # (B, d): the last iterates; NaN rows diverged
    diverged_at: np.ndarray  # (B,): the step at which a run diverged, or -1
    steps: np.ndarray  # (K,): the steps at which ``scores`` were taken
    scores: (
        np.ndarray
    )  # (K, B): the score at those steps (NaN once diverged)


def train(
    objective: Any,
    x0: np.ndarray,
    optimizer: Optimizer,
    steps: int,
    *,
    batch_size: int | None = None,
    seed: int = 0,
    score: Callable[[np.ndarray], np.ndarray] | None = None,
    every: int | None = None,
) -> Outcome:
    r"""Run a batch of settings as :func:`optlib.minimize` does — the same
    gradients, the same mini-batches for the same ``seed`` — but keep only
    the last iterates, and ``score`` (of a ``(B, d)`` batch of parameters,
    lower is better) at step 0, every ``every`` steps and at the end.

    A run *diverges* at the first step whose parameters are not finite; its
    row is NaN from then on (the batch runs to the end).
    """
    check_whole("Invalid steps value: {value}", steps, 0)
    if every is not None:
        check_whole("Invalid every value: {value}", every, 1)
    x = np.array(x0, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"x0 must have shape (B, d); got {x.shape}")
    n_samples = getattr(objective, "n_samples", None)
    batches = None
    if batch_size is not None:
        rng = np.random.default_rng(seed)
        batches = minibatches(n_samples, batch_size, "shuffle", rng)
    marks = (
        []
        if score is None
        else sorted({0, steps, *range(0, steps, every or steps or 1)})
    )
    diverged_at = np.full(len(x), -1)
    scores = []
    # Overflow on the way to divergence is expected: diverged_at reports it.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        state = optimizer.init(x)
        for t in range(steps + 1):
            if t > 0:
                point = optimizer.lookahead_point(x, state)
                if batches is None:
                    grads = objective.grad(point)
                else:
                    grads = objective.grad(point, idx=next(batches))
                x, state = optimizer.step(x, grads, state)
                bad = ~np.isfinite(x).all(axis=-1) & (diverged_at < 0)
                diverged_at[bad] = t
            if marks and t == marks[len(scores)]:
                value = np.asarray(score(x), dtype=float)
                scores.append(np.where(diverged_at < 0, value, np.nan))
    params = np.where((diverged_at < 0)[:, None], x, np.nan)
    return Outcome(
        params,
        diverged_at,
        np.array(marks, dtype=int),
        np.array(scores).reshape(len(marks), len(x)),
    )


# --- The study's problems and its protocol ---------------------------------------------------

#: Below this gap to the minimum a test function counts as solved: scores are
#: :math:`\log_{10}\max(f - f^*, 10^{-10})`, so round-off does not rank runs that both solved it.
FLOOR = 1e-10


class Problem(NamedTuple):
    """One problem of a study: what the optimizer trains on and how a run is scored (lower is
    better; every score takes a ``(B, d)`` batch of parameters and gives ``(B,)``)."""

    name: str
    objective: Any  # value(θ), grad(θ[, idx]): the training objective
    start: Callable[
        [int], np.ndarray
    ]  # seed -> θ₀ (with the mini-batch order, what a seed changes)
    steps: int  # the step budget, the same for every optimizer
    batch_size: int | None  # None: full-batch gradients
    validation: Callable[
        [np.ndarray], np.ndarray
    ]  # the score that chooses a setting
    test: Callable[[np.ndarray], np.ndarray]  # the score that is reported
    accuracy: Callable[[np.ndarray], np.ndarray] | None = (
        None  # test accuracy (data sets)
    )
    tuning_seeds: tuple[int, ...] = (
        0,
    )  # the runs a trial's validation score averages


def _log_gap(gap: np.ndarray) -> np.ndarray:
    return np.log10(np.maximum(gap, FLOOR))


def _jittered(x0: np.ndarray, sigma: float) -> Callable[[int], np.ndarray]:
    def start(seed: int) -> np.ndarray:
        return x0 + sigma * np.random.default_rng(seed).standard_normal(
            len(x0)
        )

    return start


def study_problems() -> dict[str, Problem]:
    r"""The capstone's four problems, each with its step budget.

    - ``"quadratic"`` — :math:`f(\theta) = \tfrac12 (\theta - \theta^*)^\top A
      (\theta - \theta^*)` in 10 dimensions, :math:`A = Q \Lambda Q^\top` with a random
      rotation :math:`Q` and eigenvalues geometrically spaced from 1 to 1000 (:math:`\kappa =
      1000`), minimum at :math:`\theta^* = (1, \dots, 1)`; full gradients, 500 steps, starts
      :math:`\mathcal N(0, I)`. Score :math:`\log_{10}` of the gap :math:`f - f^*` (floored at
      :data:`FLOOR`).
    - ``"Rosenbrock"`` — non-convex, :math:`(1 - x)^2 + 100(y - x^2)^2`; full gradients, 1,000
      steps from :math:`(-1.2, 1) + \mathcal N(0, 0.1^2 I)`; the same score.
    - ``"softmax"`` and ``"MLP"`` — softmax regression (650 parameters) and a 64–16–10 tanh MLP
      (1,210) on the UCI digits, split at random into 1,011 training, 337 validation and 449
      test images; mini-batches of 32, 300 steps (9.5 epochs); validation and test scores are
      the mean cross-entropy on those images, with the test accuracy beside.

    On the test functions a trial's validation score is the mean over two starts (seeds 0 and
    1); a trial there costs little, and one start would reward settings at the edge of
    stability that diverge from the next start. The data sets' trials run once (seed 0).
    """
    rng = np.random.default_rng(2024)
    d = 10
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    A = (Q * np.geomspace(1.0, 1000.0, d)) @ Q.T
    A = (A + A.T) / 2
    optimum = np.ones(d)
    bowl = functions.quadratic(A, A @ optimum, 0.5 * optimum @ A @ optimum)

    def bowl_score(theta: np.ndarray) -> np.ndarray:
        e = (
            theta - optimum
        )  # the gap computed directly: no round-off of f - f*
        return _log_gap(0.5 * np.einsum("...i,ij,...j->...", e, A, e))

    def rosenbrock_score(theta: np.ndarray) -> np.ndarray:
        return _log_gap(functions.rosenbrock.value(theta))  # f* = 0

    digits = data.digits(scale=True)
    rest, test = data.train_test_split(digits, 0.25, seed=0)
    train, validation = data.train_test_split(rest, 0.25, seed=1)

    def on_digits(name: str, hidden: tuple[int, ...]) -> Problem:
        def model(part: data.Dataset) -> models.MLP:
            return models.MLP(part.X, part.y, hidden=hidden, n_classes=10)

        fitted, checked, held_out = (
            model(train),
            model(validation),
            model(test),
        )

        def accuracy(theta: np.ndarray) -> np.ndarray:
            ok = np.isfinite(theta).all(axis=-1)
            safe = np.where(ok[..., None], theta, 0.0)
            value = held_out.accuracy(safe, test.X, test.y)
            return np.where(ok, value, np.nan)

        return Problem(
            name,
            fitted,
            fitted.init_params,
            300,
            32,
            checked.value,
            held_out.value,
            accuracy,
        )

    return {
        "quadratic": Problem(
            "quadratic",
            bowl,
            _jittered(np.zeros(d), 1.0),
            500,
            None,
            bowl_score,
            bowl_score,
            tuning_seeds=(0, 1),
        ),
        "Rosenbrock": Problem(
            "Rosenbrock",
            functions.rosenbrock,
            _jittered(np.array([-1.2, 1.0]), 0.1),
            1000,
            None,
            rosenbrock_score,
            rosenbrock_score,
            tuning_seeds=(0, 1),
        ),
        "softmax": on_digits("softmax", ()),
        "MLP": on_digits("MLP", (16,)),
    }


class Search(NamedTuple):
    """A random search: its trials and their validation scores."""

    settings: dict[
        str, np.ndarray
    ]  # one array of n values per hyperparameter
    scores: (
        np.ndarray
    )  # (n,): the mean validation score; inf where a run diverged


class Contestant(NamedTuple):
    """An optimizer of the study: its search space and how a setting of it
    becomes an optimizer (``make(**setting)``; arrays give a batch)."""

    space: dict[str, Range]
    make: Callable[..., Optimizer]


#: The learning rate's range, the same for every contestant: six decades.
LR_RANGE = LogUniform(1e-5, 10.0)


def contestants() -> dict[str, Contestant]:
    r"""The study's nine optimizers, each with the ranges of its own
    hyperparameters (Choi et al.'s point: every one of them searched).

    :math:`\eta` log-uniform on :math:`[10^{-5}, 10]`; the momentum
    :math:`\mu` and :math:`\beta_1` with :math:`1 - \beta` log-uniform on
    :math:`[10^{-3}, 1]`; :math:`1 - \beta_2` on :math:`[10^{-4}, 10^{-1}]`;
    RMSProp's :math:`1 - \alpha` on :math:`[10^{-3}, 0.5]`; :math:`\epsilon`
    on :math:`[10^{-10}, 1]`; AdamW's :math:`\lambda` on
    :math:`[10^{-4}, 1]`. Everything else is PyTorch's default.
    """
    lr, eps = LR_RANGE, LogUniform(1e-10, 1.0)
    mu = OneMinusLogUniform(1e-3, 1.0)
    adam_space = {
        "lr": lr,
        "beta1": mu,
        "beta2": OneMinusLogUniform(1e-4, 1e-1),
        "eps": eps,
    }

    def adam_like(rule: Callable[..., Optimizer], **fixed: Any):
        def make(lr, beta1, beta2, eps, **more):
            return rule(
                lr=lr, betas=(beta1, beta2), eps=eps, **fixed, **more
            )

        return make

    return {
        "SGD": Contestant({"lr": lr}, o.sgd),
        "Momentum": Contestant({"lr": lr, "momentum": mu}, o.sgd),
        "NAG": Contestant(
            {"lr": lr, "momentum": mu},
            lambda **kw: o.sgd(nesterov=True, **kw),
        ),
        "AdaGrad": Contestant({"lr": lr, "eps": eps}, o.adagrad),
        "RMSProp": Contestant(
            {"lr": lr, "alpha": OneMinusLogUniform(1e-3, 0.5), "eps": eps},
            o.rmsprop,
        ),
        "Adam": Contestant(adam_space, adam_like(o.adam)),
        "AMSGrad": Contestant(adam_space, adam_like(o.adam, amsgrad=True)),
        "AdamW": Contestant(
            {**adam_space, "weight_decay": LogUniform(1e-4, 1.0)},
            adam_like(o.adamw),
        ),
        "RAdam": Contestant(adam_space, adam_like(o.radam)),
    }


def _runs(
    problem: Problem,
    make: Callable[..., Optimizer],
    settings: Mapping[str, np.ndarray],
    seeds: tuple[int, ...],
    score: Callable[[np.ndarray], np.ndarray],
    every: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every setting from every seed: the steps scored, the scores ``(K, seeds, m)`` and the
    last iterates ``(seeds, m, d)``. Full-batch runs of all seeds go in one batch (a seed only
    moves the start); mini-batch runs go seed by seed, each with its own mini-batches."""
    m = len(next(iter(settings.values())))
    groups = [seeds] if problem.batch_size is None else [(s,) for s in seeds]
    steps, scores, params = None, [], []
    for group in groups:
        x0 = np.concatenate(
            [np.tile(problem.start(s), (m, 1)) for s in group]
        )
        tiled = {
            name: np.tile(v, len(group)) for name, v in settings.items()
        }
        run = train(
            problem.objective,
            x0,
            make(**tiled),
            problem.steps,
            batch_size=problem.batch_size,
            seed=group[0],
            score=score,
            every=every,
        )
        steps = run.steps
        scores.append(run.scores.reshape(len(steps), len(group), m))
        params.append(run.params.reshape(len(group), m, -1))
    return steps, np.concatenate(scores, axis=1), np.concatenate(params)


def search(
    problem: Problem,
    make: Callable[..., Optimizer],
    space: Mapping[str, Range],
    trials: int,
    seed: int = 0,
) -> Search:
    r"""Random search: ``trials`` settings drawn from ``space`` (with
    ``seed``), each run with ``make(**setting)`` for the problem's budget
    from each of its tuning seeds and scored on validation: the mean over
    those seeds, :math:`+\infty` if any of its runs diverged."""
    check_whole("Invalid trials value: {value}", trials, 1)
    settings = random_search(space, trials, seed)
    _, scores, _ = _runs(
        problem, make, settings, problem.tuning_seeds, problem.validation
    )
    mean = np.mean(scores[-1], axis=0)
    return Search(settings, np.where(np.isnan(mean), np.inf, mean))


def best_of_groups(scores: np.ndarray, k: int) -> np.ndarray:
    """The index of the best trial in each consecutive group of ``k`` trials:
    the choices of ``len(scores) // k`` searches of ``k`` trials each."""
    check_whole("Invalid k value: {value}", k, 1)
    groups = len(scores) // k
    if groups == 0:
        raise ValueError(
            f"Invalid k value: {k} (at most {len(scores)} trials)"
        )
    scores = np.where(
        np.isnan(scores), np.inf, scores
    )  # diverged: never best
    by_group = np.reshape(scores[: groups * k], (groups, k))
    return np.argmin(by_group, axis=1) + k * np.arange(groups)


class Retest(NamedTuple):
    """The chosen settings run again from fresh seeds and scored on test."""

    steps: np.ndarray  # (K,): the steps at which the test score was taken
    scores: np.ndarray  # (K, seeds, m): the test score (NaN once diverged)
    accuracy: (
        np.ndarray | None
    )  # (seeds, m): final test accuracy (data sets)


#: The seeds of every test run: none of them is a tuning seed.
TEST_SEEDS = (100, 101, 102, 103, 104)


def retest(
    problem: Problem,
    make: Callable[..., Optimizer],
    settings: Mapping[str, np.ndarray],
    seeds: tuple[int, ...] = TEST_SEEDS,
    every: int | None = None,
) -> Retest:
    """Each of ``m`` settings (arrays of ``m`` values) run from every seed of
    ``seeds`` (new starts, new mini-batch orders), the test score taken every
    ``every`` steps and at the end."""
    steps, scores, params = _runs(
        problem, make, settings, seeds, problem.test, every
    )
    accuracy = None
    if problem.accuracy is not None:
        accuracy = problem.accuracy(params)
    return Retest(steps, scores, accuracy)


def time_to_target(
    steps: np.ndarray, curve: np.ndarray, target: float
) -> float:
    """The first of ``steps`` at which ``curve`` is at or below ``target``; inf if never."""
    reached = np.flatnonzero(np.asarray(curve) <= target)
    return float(steps[reached[0]]) if len(reached) else math.inf


# --- The statistics of a comparison ----------------------------------------------------------


def chance_of_reaching(scores: np.ndarray, k: int, target: float) -> float:
    r"""The chance that a search of ``k`` trials, drawn without replacement
    from the pool ``scores``, finds one scoring at most ``target``.

    If :math:`m` of the :math:`N` trials reach the target, the search misses
    only when all :math:`k` of its trials are among the other :math:`N - m`:

    .. math::
        P = 1 - \binom{N - m}{k} \Big/ \binom{N}{k}.

    A score that is not finite (a diverged trial: NaN or inf) never reaches
    a target, not even ``target = inf``.
    """
    s = np.ravel(np.asarray(scores, dtype=float))
    n = len(s)
    check_whole(f"Invalid k value: {{value}} (1 to {n})", k, 1)
    if k > n:
        raise ValueError(f"Invalid k value: {k} (1 to {n})")
    m = int(np.sum(np.isfinite(s) & (s <= target)))  # diverged: never
    return 1.0 - math.comb(n - m, k) / math.comb(n, k)


def best_of_k(scores: np.ndarray, k: int, q: float = 0.5) -> float:
    """The ``q``-quantile of the best score of a search of ``k`` trials drawn
    without replacement from the pool ``scores``: the lowest score of the pool
    that such a search reaches with chance at least ``q`` (``inf`` if it may
    diverge on every trial with chance above ``1 - q``)."""
    check_number(
        "Invalid q value: {value} (must be in (0, 1))",
        q,
        lambda v: (v > 0) & (v < 1),
    )
    s = np.ravel(np.asarray(scores, dtype=float))
    s = np.sort(np.where(np.isnan(s), np.inf, s))
    n = len(s)
    check_whole(f"Invalid k value: {{value}} (1 to {n})", k, 1)
    if k > n:
        raise ValueError(f"Invalid k value: {k} (1 to {n})")
    # the best of k is at most s_(i) unless all k trials are among the n - i
    # worse ones
    total = math.comb(n, k)
    for i in range(1, n + 1):
        if 1.0 - math.comb(n - i, k) / total >= q:
            return float(s[i - 1])
    return math.inf  # not reached: q below 1 is always reached at i = n


def t_quantile(p: float, df: int) -> float:
    r"""The quantile :math:`t_{p, \nu}` of Student's :math:`t` distribution with ``df``
    :math:`= \nu` degrees of freedom: the root of :math:`F(t) = p`, with the CDF
    :math:`F(t) = \tfrac12 + \int_0^t f(x)\,dx` integrated by Simpson's rule and the root
    found by bisection (accurate to about :math:`10^{-9}`); the closed forms
    for :math:`\nu = 1, 2`, whose tails Simpson's rule cannot resolve."""
    check_number(
        "Invalid p value: {value} (must be in (0, 1))",
        p,
        lambda q: (q > 0) & (q < 1),
    )
    check_whole("Invalid df value: {value}", df, 1)
    return _t_quantile(float(p), int(df))


@functools.lru_cache(maxsize=256)  # a study asks for few
def _t_quantile(p: float, df: int) -> float:
    if p < 0.5:
        return -_t_quantile(1 - p, df)
    if df == 1:  # Cauchy
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    nu = float(df)
    log_c = (
        math.lgamma((nu + 1) / 2)
        - math.lgamma(nu / 2)
        - 0.5 * math.log(nu * math.pi)
    )

    def cdf(t: float) -> float:
        x = np.linspace(0.0, t, 4001)
        f = np.exp(log_c - (nu + 1) / 2 * np.log1p(x * x / nu))
        h = t / 4000
        return 0.5 + h / 3 * (
            f[0] + f[-1] + 4 * f[1:-1:2].sum() + 2 * f[2:-1:2].sum()
        )

    low, high = 0.0, 1.0
    while cdf(high) < p:
        low, high = high, 2 * high
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if cdf(middle) < p else (low, middle)
    return (low + high) / 2


def mean_interval(
    values: np.ndarray, level: float = 0.95
) -> tuple[float, float]:
    r"""The mean of ``values`` and the half-width of its ``level`` confidence interval,
    :math:`\bar x \pm t_{(1 + \text{level})/2,\, n - 1}\; s / \sqrt n` (Student's :math:`t`,
    :math:`s` the sample standard deviation). A value that is not finite makes both infinite."""
    check_number(
        "Invalid level value: {value} (must be in (0, 1))",
        level,
        lambda q: (q > 0) & (q < 1),
    )
    x = np.ravel(np.asarray(values, dtype=float))
    if len(x) < 2:
        raise ValueError(
            f"an interval needs at least 2 values, got {len(x)}"
        )
    if not np.isfinite(x).all():
        return math.inf, math.inf
    half = (
        t_quantile((1 + level) / 2, len(x) - 1)
        * np.std(x, ddof=1)
        / math.sqrt(len(x))
    )
    return float(np.mean(x)), float(half)


def performance_profile(costs: np.ndarray, taus: np.ndarray) -> np.ndarray:
    r"""Dolan and Moré's performance profile: for ``costs`` of shape ``(problems, solvers)``
    (lower is better, ``inf`` for a failure), the share of problems on which each solver is
    within a factor :math:`\tau` of the best,

    .. math::
        \rho_s(\tau) = \frac{1}{|P|}\,\Big|\Big\{p : \frac{c_{p,s}}{\min_{s'} c_{p,s'}}
        \le \tau\Big\}\Big|,

    shape ``(solvers, len(taus))``. Costs must be positive; every problem needs one finite cost.
    """
    c = np.asarray(costs, dtype=float)
    if c.ndim != 2 or not (np.nan_to_num(c, nan=-1.0) > 0).all():
        raise ValueError(
            "costs must be a (problems, solvers) array of positive numbers or inf"
        )
    best = c.min(axis=1, keepdims=True)
    if not np.isfinite(best).all():
        raise ValueError(
            "every problem needs a finite cost (some solver that did not fail)"
        )
    ratios = (c / best)[:, :, None]
    taus = np.asarray(taus)[None, None, :]
    solved = np.isfinite(ratios)  # a failure never counts, not even at τ = ∞
    return np.mean(solved & (ratios <= taus), axis=0)


# --- The learning-rate range test ------------------------------------------------------------


class RangeTest(NamedTuple):
    """What :func:`range_test` measured."""

    lrs: np.ndarray  # (T,): the rate of each step
    losses: (
        np.ndarray
    )  # (T,): the smoothed loss after each step (NaN after the stop)
    suggestion: float  # the rate at the lowest smoothed loss, divided by 10


def range_test(
    objective: Any,
    x0: np.ndarray,
    make: Callable[[Callable[[int], float]], Optimizer],
    low: float = 1e-6,
    high: float = 10.0,
    steps: int = 100,
    *,
    batch_size: int | None = None,
    seed: int = 0,
    smoothing: float = 0.98,
    stop_factor: float = 4.0,
) -> RangeTest:
    r"""Smith's learning-rate range test, as fast.ai's learning-rate finder runs it.

    One run of ``steps`` steps from ``x0`` whose rate grows geometrically from ``low`` to
    ``high`` (:math:`\eta_k = \eta_\text{low}\,(\eta_\text{high}/\eta_\text{low})^{k/(T-1)}`;
    ``make(schedule)`` builds the optimizer). After each step the loss of that step's
    mini-batch (the whole objective when full-batch) is smoothed,
    :math:`\bar L_t = \beta \bar L_{t-1} + (1 - \beta) L_t`, bias-corrected
    (:math:`\bar L_t / (1 - \beta^t)`), and the test stops once it exceeds ``stop_factor``
    times its lowest value, or is not finite. The suggestion is the rate at the lowest smoothed
    loss divided by 10 — one decade below where the loss stops falling.
    """
    check_whole("Invalid steps value: {value}", steps, 2)
    check_number("Invalid low value: {value}", low, positive)
    check_number("Invalid high value: {value}", high, positive)
    if high <= low:
        raise ValueError(
            f"Invalid high value: {high} (must exceed low = {low})"
        )
    lrs = low * (high / low) ** (np.arange(steps) / (steps - 1))
    optimizer = make(lambda k: float(lrs[min(k, steps - 1)]))
    x = np.array(x0, dtype=float)
    batches = None
    if batch_size is not None:
        batches = minibatches(
            objective.n_samples,
            batch_size,
            "shuffle",
            np.random.default_rng(seed),
        )
    losses = np.full(steps, np.nan)
    average, lowest = 0.0, math.inf
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        state = optimizer.init(x)
        for t in range(steps):
            idx = None if batches is None else next(batches)
            # the loss of this step's batch before the step, as the finder records it
            if idx is None:
                loss = objective.value(x)
                grads = objective.grad(optimizer.lookahead_point(x, state))
            else:
                loss = objective.value(x, idx=idx)
                grads = objective.grad(
                    optimizer.lookahead_point(x, state), idx=idx
                )
            x, state = optimizer.step(x, grads, state)
            average = smoothing * average + (1 - smoothing) * float(loss)
            smoothed = average / (1 - smoothing ** (t + 1))
            if (
                not math.isfinite(smoothed)
                or smoothed > stop_factor * lowest
            ):
                break
            losses[t], lowest = smoothed, min(lowest, smoothed)
    return RangeTest(lrs, losses, float(lrs[np.nanargmin(losses)] / 10))
