"""The benchmark command keeps working. Its numbers are not asserted (speed is measured, never
tested: the machines are shared and noisy); what is asserted is that every table fills, and the
one claim that is not about time: a batched sweep equals its settings run one by one."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = importlib.util.spec_from_file_location("benchmarks_run", ROOT / "benchmarks" / "run.py")
bench = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(bench)
NUMBER = re.compile(r"-?[\d.]+(e[+-]\d+)?")


def test_step_throughput_table_fills_without_torch(monkeypatch):
    monkeypatch.setattr(bench, "SIZES", (1000,))
    rows = bench.step_throughput(None)
    assert [row[0] for row in rows] == list(bench.RULES)
    for row in rows:
        assert len(row) == len(bench.STEP_HEADER)
        assert all(NUMBER.fullmatch(cell) for cell in row[1:]), row


def test_state_memory_counts_the_buffers_each_rule_needs():
    rows = bench.state_memory(None, size=1000)
    for rule, held, minimum, *measured in rows:
        assert held == minimum, rule  # no rule keeps an array it does not read
        assert len(measured) == 4 and all(NUMBER.fullmatch(cell) for cell in measured)


def test_batched_sweep_equals_batches_of_one_bit_for_bit():
    row = bench.batched_sweep(settings=40, steps=60, looped=8)
    assert row[0] == "40 × 60" and row[4] == "yes"
    assert float(row[5]) < 1e-13  # single runs: NumPy's scalar x**2 may differ by an ulp


@pytest.mark.parametrize("seconds, budget", [("3.5", 20), ("14.37", 60)])
def test_book_table_reads_the_execution_page(tmp_path, seconds, budget):
    name = "chapters/capstone" if budget == 60 else "chapters/intro"
    page = (
        '<table><tr class="row-even"><td><p><a href="x.html"><span class="doc">'
        f"{name}</span></a></p></td>\n<td><p>2026-11-30 05:36</p></td>\n<td><p>force</p></td>\n"
        f"<td><p>{seconds}</p></td>\n<td><p>✅</p></td>\n</tr></table>"
    )
    assert bench.execution_rows(page) == [
        [name, seconds, str(budget), f"{float(seconds) / budget:.2f}"]
    ]


def test_against_an_earlier_revision_times_both_trees(monkeypatch):
    """--against: one row per rule, a ratio per size. Against the last commit (a clean clone's
    HEAD, or the revision before the working tree's changes) the two trees are alike."""
    monkeypatch.setattr(bench, "AGAINST_RULES", {"sgd": "sgd(lr=1e-3)"})
    rows = bench.against("HEAD", sizes=(1000,), rounds=2)
    assert len(rows) == 1 and rows[0][0] == "sgd" and NUMBER.fullmatch(rows[0][1])
