"""The capstone's ladder. The tuning study's exercises: the verdict between two optimizers from
their test scores (rule), the chance that a random search of k trials reaches a target
(derivation), RAdam's implicit warmup as a function of β₂ (derivation), and an optimizer of the
reader's own entered in the study (judged like a prediction: the study runs once the entry is
written). Right answers written here pass, in several forms; each named mistake, written as a
learner would, is named; the references agree with independent ones (every subset counted,
scipy's hypergeometric and Student-t distributions, the protocol run by hand); and no rung of
any message shows the checked formula."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from ladder import (
    as_lists,
    assert_climbs_without_the_formula,
    assert_ladder,
    assert_named_without_the_formula,
    assert_passes,
    every_rung,
    in_float32,
    rho,
)
from scipy import stats

import optlib
from optlib import tuning
from optlib.exercises import (
    check_capstone_chance,
    check_capstone_own_optimizer,
    check_capstone_radam_warmup,
    check_capstone_verdict,
    engine,
)
from optlib.exercises.capstone import (
    _chance,
    _chance_by_enumeration,
    _chance_cases,
    _verdict,
    _verdict_cases,
    _warmup_steps,
)

# --- Right answers --------------------------------------------------------------------------------


def score(final_losses):
    """(cap-score) and (cap-tuned): the mean over the seeds, +∞ where a seed diverged."""
    mean = final_losses.sum(axis=0) / final_losses.shape[0]  # NaN where a seed diverged
    mean = np.where(np.isnan(mean), np.inf, mean)
    return mean, int(np.argmin(mean))


def r(beta2, t):
    rho_t, rho_inf = rho(beta2, t), 2 / (1 - beta2) - 1
    return math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))


def warmup(beta2, fraction):
    """The first t with ρ_t > 5 (PyTorch) and r_t ≥ fraction; NaN if there is none."""
    if 2 / (1 - beta2) - 1 <= 5 or fraction >= 1:
        return math.nan
    t = 1
    while not (rho(beta2, t) > 5 and r(beta2, t) >= fraction):
        t += 1
    return t


# --- RAdam's implicit warmup ----------------------------------------------------------------------


def test_the_warmup_passes_and_its_reference_is_the_closed_form():
    assert check_capstone_radam_warmup.kind == "derivation"
    assert check_capstone_radam_warmup(warmup).passed
    assert check_capstone_radam_warmup(lambda b, f: float(warmup(b, f))).passed
    rng = np.random.default_rng(7)
    for beta2, fraction in zip(
        1 - 10 ** rng.uniform(-3, -1, 12), rng.uniform(0.02, 0.95, 12), strict=True
    ):
        assert _warmup_steps(float(beta2), float(fraction)) == warmup(beta2, fraction)
        t = warmup(beta2, fraction)  # the answer is not a near tie of r_t with the fraction
        assert r(beta2, t) - fraction > 1e-9 and (t == 6 or fraction - r(beta2, t - 1) > 1e-9)
    # the capstone's budgets: at β₂ = 0.999 RAdam reaches half of Adam's step only at t = 556
    assert _warmup_steps(0.999, 0.5) == 556 and _warmup_steps(0.9, 0.01) == 6
    assert math.isnan(_warmup_steps(0.999, 1.0)) and math.isnan(_warmup_steps(0.6, 0.5))


MISTAKES_WARMUP = [
    ("rule_of_thumb", lambda b, f: 2 / (1 - b)),
    ("variance_ratio", lambda b, f: warmup(b, math.sqrt(f))),
    ("square_root_approximation", lambda b, f: math.ceil(2 * f**2 / (1 - b))),
    ("linear_warmup", lambda b, f: math.ceil(2 * f / (1 - b))),
    ("last_step_below", lambda b, f: warmup(b, f) - 1),
]


@pytest.mark.parametrize(("name", "wrong"), MISTAKES_WARMUP, ids=[m[0] for m in MISTAKES_WARMUP])
def test_each_warmup_mistake_is_named_without_the_formula(name, wrong):
    assert check_capstone_radam_warmup(wrong).mistake == name
    text = every_rung(check_capstone_radam_warmup, wrong)
    assert engine.reveals(text, check_capstone_radam_warmup.formulas) is None, text


def test_the_warmup_never_case_wants_no_such_step():
    for never in (10**6, math.inf, 0):

        def answer(beta2, fraction, never=never):
            t = warmup(beta2, fraction)
            return never if math.isnan(t) else t

        assert not check_capstone_radam_warmup(answer).passed


# --- The chance that a search of k trials reaches a target ---------------------------------------


def chance(scores, k, target):
    """1 − C(N − m, k)/C(N, k): the search misses only if its k trials are all among the N − m
    trials that do not reach the target (NaN compares false: a diverged trial never does)."""
    n, m = len(scores), int(np.sum(scores <= target))
    return 1 - math.comb(n - m, k) / math.comb(n, k)


def chance_by_draws(scores, k, target):
    """The same, one draw at a time: the first k draws all miss with chance ∏ (N−m−i)/(N−i)."""
    n = len(scores)
    m = sum(1 for score in scores.tolist() if score <= target)
    miss = 1.0
    for i in range(k):
        miss *= (n - m - i) / (n - i)
    return 1 - miss


def chance_by_scipy(scores, k, target):
    """The number of reaching trials in the search is hypergeometric: P = 1 − P(none)."""
    return 1 - stats.hypergeom(len(scores), int(np.count_nonzero(scores <= target)), k).pmf(0)


def test_the_chance_passes_in_its_forms():
    assert check_capstone_chance.kind == "derivation"
    assert_passes(
        check_capstone_chance,
        chance,
        chance_by_draws,
        chance_by_scipy,
        as_lists(chance),
        in_float32(chance),
    )


def test_the_chance_reference_is_every_subset_counted_and_agrees_with_scipy():
    """On the small pools the reference counts subsets; on the real pools it is
    tuning.chance_of_reaching. Both agree with scipy's hypergeometric distribution, and the
    enumeration with tuning.chance_of_reaching wherever it can run."""
    cases = _chance_cases()
    assert {case.kind for case in cases} == {"small random pools", "real pools"}
    for case in cases:
        scores, k, target = case.args
        assert _chance(*case.args) == pytest.approx(
            chance_by_scipy(*case.args), rel=1e-9, abs=1e-12
        )
        if math.comb(len(scores), k) <= 5000:
            assert _chance_by_enumeration(*case.args) == pytest.approx(
                tuning.chance_of_reaching(scores, k, target), rel=1e-12, abs=1e-15
            )
    # the cases hold what the mistakes need: NaN, trials exactly at the target, a whole pool
    assert any(np.isnan(case.args[0]).any() and case.kind == "real pools" for case in cases)
    assert any(np.sum(case.args[0] == case.args[2]) >= 3 for case in cases)
    assert any(case.args[1] == len(case.args[0]) for case in cases)
    answers = [_chance(*case.args) for case in cases]
    assert 0.0 in answers and any(0.0 < p < 1.0 for p in answers)


def _reaching(scores, target):
    return int(np.sum(scores <= target))


MISTAKES_CHANCE = [
    ("with_replacement", lambda s, k, t: 1 - (1 - _reaching(s, t) / len(s)) ** k),
    (
        "nan_reaches",  # NaN is "not above the target"
        lambda s, k, t: 1 - math.comb(int(np.sum(s > t)), k) / math.comb(len(s), k),
    ),
    (
        "strict",
        lambda s, k, t: 1 - math.comb(len(s) - int(np.sum(s < t)), k) / math.comb(len(s), k),
    ),
    ("prefix", lambda s, k, t: 1.0 if (s[:k] <= t).any() else 0.0),
    ("k_times_share", lambda s, k, t: k * _reaching(s, t) / len(s)),
]


@pytest.mark.parametrize(("name", "wrong"), MISTAKES_CHANCE, ids=[m[0] for m in MISTAKES_CHANCE])
def test_each_chance_mistake_is_named_without_the_formula(name, wrong):
    assert_named_without_the_formula(check_capstone_chance, wrong, name)


# --- The verdict between two optimizers ----------------------------------------------------------


def verdict(a, b):
    """The chapter's rule with tuning.mean_interval, diverged sides decided first."""
    (mean_a, half_a), (mean_b, half_b) = tuning.mean_interval(a), tuning.mean_interval(b)
    if math.inf in (mean_a, mean_b):
        return "tie" if mean_a == mean_b else ("A" if mean_a < mean_b else "B")
    if abs(mean_a - mean_b) <= half_a + half_b:
        return "tie"
    return "A" if mean_a < mean_b else "B"


def scipy_interval(x, ddof=1, quantile=None):
    """(low, high) of the mean's interval: Student's t by scipy, unless another quantile."""
    q = stats.t.ppf(0.975, len(x) - 1) if quantile is None else quantile
    half = q * np.std(x, ddof=ddof) / math.sqrt(len(x))
    return np.mean(x) - half, np.mean(x) + half


def verdict_by_scipy(a, b, **kind):
    """By the intervals' ends: they overlap unless one ends below where the other starts."""
    bad_a, bad_b = not np.isfinite(a).all(), not np.isfinite(b).all()
    if bad_a or bad_b:
        return "tie" if bad_a and bad_b else ("B" if bad_a else "A")
    (low_a, high_a), (low_b, high_b) = scipy_interval(a, **kind), scipy_interval(b, **kind)
    if high_a < low_b:
        return "A"
    if high_b < low_a:
        return "B"
    return "tie"


def test_the_verdict_passes_in_its_forms():
    assert check_capstone_verdict.kind == "rule"

    def in_other_words(a, b):
        said = verdict_by_scipy(a, b)
        return {"A": "a", "B": " b ", "tie": "Tie"}[said]

    def numpy_strings(a, b):
        return np.str_(verdict(a, b))

    assert_passes(check_capstone_verdict, verdict, verdict_by_scipy, in_other_words, numpy_strings)


def test_the_verdict_reference_agrees_with_scipy_and_its_cases_separate_the_mistakes():
    """Every case's verdict is scipy's; the random cases are where the chapter's rule and the
    normal quantile, ±1 standard deviation and ddof=0 disagree, each on a case of its own."""
    cases = _verdict_cases()
    for case in cases:
        assert _verdict(*case.args) == verdict_by_scipy(*case.args), case.description
    random = [case for case in cases if case.kind == "random scores"]
    assert len(random) >= 6
    z = stats.norm.ppf(0.975)
    wrong = {
        "z": {"quantile": z},
        "sd": {"quantile": math.sqrt(5)},  # ±1 standard deviation: s = √5 · s/√5
        "ddof0": {"ddof": 0},
    }
    differs = {
        name: [verdict_by_scipy(*c.args, **kind) != _verdict(*c.args) for c in random]
        for name, kind in wrong.items()
    }
    assert differs["z"] != differs["sd"] != differs["ddof0"] != differs["z"]
    assert all(any(flags) for flags in differs.values())
    verdicts = {_verdict(*case.args) for case in cases}
    assert verdicts == {"A", "B", "tie"}


def _as_inf(x):
    return np.where(np.isfinite(x), x, np.inf)


def means_only(a, b):
    mean_a, mean_b = np.mean(a), np.mean(b)  # inf where a run diverged
    if mean_a == mean_b:
        return "tie"
    return "A" if mean_a < mean_b else "B"


MISTAKES_VERDICT = [
    (
        "diverged_ties",  # tuning.mean_interval's infinite intervals overlap everything
        lambda a, b: (
            "tie"
            if abs(tuning.mean_interval(a)[0] - tuning.mean_interval(b)[0])
            <= tuning.mean_interval(a)[1] + tuning.mean_interval(b)[1]
            else ("A" if tuning.mean_interval(a)[0] < tuning.mean_interval(b)[0] else "B")
        ),
    ),
    ("means_only", means_only),
    ("one_sd", lambda a, b: verdict_by_scipy(a, b, quantile=math.sqrt(5))),
    ("z_not_t", lambda a, b: verdict_by_scipy(a, b, quantile=1.96)),
    ("ddof_zero", lambda a, b: verdict_by_scipy(a, b, ddof=0)),
]


@pytest.mark.parametrize(("name", "wrong"), MISTAKES_VERDICT, ids=[m[0] for m in MISTAKES_VERDICT])
def test_each_verdict_mistake_is_named_without_the_formula(name, wrong):
    with np.errstate(all="ignore"):
        assert_named_without_the_formula(check_capstone_verdict, wrong, name)


def test_the_verdict_speaks_in_verdicts():
    not_one = check_capstone_verdict(lambda a, b: "Adam")
    assert not_one.mistake == "wrong_output"
    assert "returned the str 'Adam', which is not a verdict" in not_one.message
    assert check_capstone_verdict(lambda a, b: True).mistake == "wrong_output"
    assert check_capstone_verdict(lambda a, b: None).mistake == "wrong_output"
    top = every_rung(check_capstone_verdict, lambda a, b: "tie")
    assert 'Your function returned "tie"; the right verdict is "' in top, top
    assert "-1" not in top.split("in numbers")[1].split("Your function")[1]


# --- An optimizer of the reader's own in the study ------------------------------------------------

ADAM_SPACE = tuning.contestants()["Adam"].space


def nadam(lr, beta1, beta2, eps):
    return optlib.nadam(lr=lr, betas=(beta1, beta2), eps=eps)


def adamax(lr, beta1, beta2, eps):
    return optlib.adamax(lr=lr, betas=(beta1, beta2), eps=eps)


def by_hand(problem_name, make, space):
    """The chapter's protocol, written out: 64 trials of random search (seed 0), the best on
    validation, retrained from the five test seeds; the mean and Student-t interval by scipy."""
    problem = tuning.study_problems()[problem_name]
    found = tuning.search(problem, make, space, 64, seed=0)
    best = int(np.argmin(found.scores))
    chosen = {name: values[[best]] for name, values in found.settings.items()}
    scores = tuning.retest(problem, make, chosen).scores[-1][:, 0]
    if not np.isfinite(scores).all():
        return scores, (math.inf, math.inf)
    low, high = scipy_interval(scores)
    return scores, ((low + high) / 2, (high - low) / 2)


def test_the_own_optimizer_checker_places_nadam_as_the_protocol_run_by_hand():
    """NAdam with Adam's space on Rosenbrock: the entry passes, and its mean, interval, place
    and ties are those of the protocol run here for the ten, with scipy's intervals."""
    assert check_capstone_own_optimizer.kind == "prediction"
    result = check_capstone_own_optimizer(nadam, ADAM_SPACE)
    assert result.passed and result.mistake is None, result.message
    assert result.message.startswith("Correct!")
    scores, (mean, half) = by_hand("Rosenbrock", nadam, ADAM_SPACE)
    assert result.scores == pytest.approx(tuple(scores), nan_ok=True)
    assert (result.mean, result.half_width) == pytest.approx((mean, half), rel=1e-6)
    others = {
        name: by_hand("Rosenbrock", entry.make, entry.space)
        for name, entry in tuning.contestants().items()
    }
    assert result.place == 1 + sum(m < mean for _, (m, _) in others.values())
    ties = {
        name for name, (theirs, _) in others.items() if verdict_by_scipy(scores, theirs) == "tie"
    }
    assert set(result.ties) == ties
    assert set(result.verdicts) == set(others) and len(result.table) == 10
    assert result.table["yours"] == pytest.approx((mean, half), rel=1e-6)
    assert list(result.table) == sorted(result.table, key=lambda name: result.table[name][0])
    assert set(result.setting) == set(ADAM_SPACE) and result.problem == "Rosenbrock"
    assert f"{result.place}" in result.message and "95 %" in result.message
    for name in ties:
        assert name in result.message.split("\n")[0]


def test_adamax_enters_and_a_contestant_entered_again_is_not_one_of_ones_own():
    """Adamax on the quadratic passes; SGD and Adam, entered again with their own spaces, run
    exactly as the study's own rows: "Not yet", with the numbers of their own row."""
    result = check_capstone_own_optimizer(adamax, ADAM_SPACE, "quadratic")
    assert result.passed and 1 <= result.place <= 10, result.message
    for name, problem in [("SGD", "Rosenbrock"), ("Adam", "quadratic")]:
        entry = tuning.contestants()[name]
        again = check_capstone_own_optimizer(entry.make, entry.space, problem=problem)
        assert again.mistake == "already_in_the_study" and not again.passed
        assert again.message.startswith(f"Not yet: your entry runs exactly as the study's {name}")
        assert again.verdicts[name] == "tie" and name in again.ties
        assert again.table["yours"] == again.table[name]
    # the chapter's starter: plain SGD on the rate alone is SGD
    starter = check_capstone_own_optimizer(
        lambda lr: optlib.sgd(lr=lr), {"lr": tuning.LogUniform(1e-5, 10.0)}
    )
    assert starter.mistake == "already_in_the_study", starter.message


def first_only(lr, beta1, beta2, eps):
    """A make that reads the first value of each array: every row is the first setting."""
    first = [float(np.ravel(x)[0]) for x in (lr, beta1, beta2, eps)]
    return nadam(*first)


def one_setting(lr, beta1, beta2, eps):
    return nadam(*(float(np.mean(x)) for x in (lr, beta1, beta2, eps)))


def mixed_rows(lr, beta1, beta2, eps):
    return nadam(*(np.flip(x) for x in (lr, beta1, beta2, eps)))


BROKEN_MAKES = [
    ("first_only", first_only),
    ("one_setting", one_setting),
    ("mixed_rows", mixed_rows),
    (
        "rows_differ",
        lambda lr, beta1, beta2, eps: nadam(lr * (1 + 0.1 * np.ndim(lr)), beta1, beta2, eps),
    ),
    ("ignores_settings", lambda lr, beta1, beta2, eps: optlib.nadam()),
    ("ignores_keyword", lambda lr, beta1, beta2, eps: optlib.nadam(lr=lr, eps=eps)),
    ("unexpected_keyword", lambda lr, betas, eps: optlib.nadam(lr=lr, betas=betas, eps=eps)),
    ("missing_keyword", lambda lr, beta1, beta2, eps, weight_decay: nadam(lr, beta1, beta2, eps)),
    ("not_an_optimizer", lambda lr, beta1, beta2, eps: (lr, beta1, beta2, eps)),
    ("make_raises", lambda lr, beta1, beta2, eps: optlib.nadam(lr=lr, betas=beta1, eps=eps)),
]


@pytest.mark.parametrize(("name", "make"), BROKEN_MAKES, ids=[m[0] for m in BROKEN_MAKES])
def test_a_broken_make_is_named_without_the_formula(name, make):
    result = check_capstone_own_optimizer(make, ADAM_SPACE)
    assert not result.passed and result.mistake == name, result.message
    everything = every_rung_of_entry(make, ADAM_SPACE)
    assert "Hint:" in everything, everything
    assert engine.reveals(everything, check_capstone_own_optimizer.formulas) is None, everything


def every_rung_of_entry(make, space):
    engine.forget()
    result = check_capstone_own_optimizer(make, space, hint=True)
    for _ in range(len(result.hints)):
        result = check_capstone_own_optimizer(make, space, hint=True)
    engine.forget()
    return result.message


BAD_SPACES = [
    ({"lr": (1e-5, 10.0)}, "'lr'", "tuple"),
    ({"lr": tuning.LogUniform(0.0, 1.0)}, "'lr'", "(need 0 < low <= high"),
    ({**ADAM_SPACE, "beta2": tuning.OneMinusLogUniform(1e-4, 2.0)}, "'beta2'", "<= 1"),
    ({**ADAM_SPACE, "eps": tuning.LogUniform(1.0, 1e-10)}, "'eps'", "Invalid range"),
    ({"learning rate": tuning.LogUniform(1e-5, 1.0)}, "'learning rate'", "not a name"),
    ({}, "", "empty"),
    (None, "", "no space"),
    ([("lr", tuning.LogUniform(1e-5, 1.0))], "", "a list, not a dict"),
]


@pytest.mark.parametrize(("space", "key", "words"), BAD_SPACES)
def test_a_bad_space_is_named_with_its_key(space, key, words):
    result = check_capstone_own_optimizer(nadam, space)
    assert result.mistake == "bad_space" and key in result.message and words in result.message
    assert (
        engine.reveals(every_rung_of_entry(nadam, space), check_capstone_own_optimizer.formulas)
        is None
    )


def test_the_entry_must_be_written_and_the_problem_one_of_two():
    not_yet = check_capstone_own_optimizer(None)
    assert not_yet.mistake == "no_prediction" and not_yet.message.startswith("Not yet")
    assert not_yet.place == 0 and math.isnan(not_yet.mean) and not_yet.ties == []
    value = check_capstone_own_optimizer(nadam(1e-3, 0.9, 0.999, 1e-8), ADAM_SPACE)
    assert value.mistake == "wrong_output" and "not a function" in value.message
    with pytest.raises(ValueError, match=r"'MLP'.*'quadratic' or 'Rosenbrock'"):
        check_capstone_own_optimizer(nadam, ADAM_SPACE, problem="MLP")


# --- The ladder's shape ---------------------------------------------------------------------------


def test_the_study_ladder_rises_and_every_formula_list_is_specific():
    """In the exercises' order: the verdict (rule), the chance and RAdam's warmup
    (derivations), the reader's own optimizer (judged like a prediction, last)."""
    checkers = [
        check_capstone_verdict,
        check_capstone_chance,
        check_capstone_radam_warmup,
        check_capstone_own_optimizer,
    ]
    assert_ladder(checkers, ["rule", "derivation", "derivation", "prediction"], shortest=6)


def test_asking_again_climbs_the_verdicts_ladder():
    assert_climbs_without_the_formula(
        check_capstone_verdict, MISTAKES_VERDICT[3][1], "z_not_t", hint=False
    )
    assert_climbs_without_the_formula(
        check_capstone_chance, MISTAKES_CHANCE[0][1], "with_replacement", hint=True
    )


def test_an_optimizer_that_never_finishes_a_step_gets_a_verdict(monkeypatch):
    """The time limit holds for the trial runs of an entry too: a step that never returns is
    reported, not waited for."""
    monkeypatch.setattr(engine, "TIME_LIMIT", 0.2)

    class Stuck(type(optlib.sgd())):
        def step(self, params, grads, state):
            while True:
                time.sleep(0.01)

    def make(lr):
        return Stuck(lr=lr)

    result = check_capstone_own_optimizer(make, {"lr": tuning.LogUniform(1e-3, 1.0)})
    assert result.mistake == "training_fails" and "more than 0.2 s" in result.message


def test_the_checkers_rows_are_the_chapters_large_budget():
    """The chapter searches more trials with the same seed and chooses its large budget among
    the first 64: a prefix of the search is the smaller search, so the checker's 64 trials of
    seed 0 choose the same setting as the chapter's large budget."""
    from optlib.exercises.capstone import _study

    problem = tuning.study_problems()["quadratic"]
    study = _study("quadratic")
    for name in ["SGD", "Adam"]:
        entry = tuning.contestants()[name]
        longer = tuning.search(problem, entry.make, entry.space, 128, seed=0)
        best = int(np.argmin(longer.scores[:64]))
        chosen = {key: float(values[best]) for key, values in longer.settings.items()}
        assert chosen == study[name].setting
        np.testing.assert_allclose(longer.scores[:64], study[name].validation, rtol=1e-12)
