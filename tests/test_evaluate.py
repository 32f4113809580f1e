"""The labelled evaluation set: its size, and the quality targets of issue 3."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kexie_scraper.evaluate import TARGETS, evaluate, load_cases


@pytest.fixture(scope="module")
def scored():
    cases = load_cases(subdir="eval") + load_cases(subdir="holdout")
    total, by_format, notes = evaluate(cases)
    return cases, total, by_format, notes


def test_set_is_large_enough(scored):
    cases = scored[0]
    singles = [c for c in cases if len(c.expected["articles"]) == 1]
    bulletins = [c for c in cases if len(c.expected["articles"]) > 1]
    assert len(bulletins) >= 60 + 20
    assert len(singles) >= 20 + 8


@pytest.mark.parametrize("metric", sorted(TARGETS))
def test_target_met(scored, metric):
    total, notes = scored[1], scored[3]
    value = total.scores()[metric]
    assert value >= TARGETS[metric], f"{metric} {value:.3f} < {TARGETS[metric]}; misses: {notes}"


def test_no_gold_text_lost(scored):
    assert scored[1].scores()["text_kept"] == 1.0, scored[3]


def test_every_format_is_covered(scored):
    wanted = {
        "titled", "briefs", "bullets", "attribution-line", "numbered-headers", "place-headers", "attribution-first",
        "attribution-variants", "title-body-same-line", "two-line-headline", "subtitle", "intro", "youxun",
        "furniture", "traditional", "same-org-consecutive", "traps", "single", "speaker-labels", "enumerations",
    }
    assert wanted <= set(scored[2])


def test_cli_prints_scores():
    out = subprocess.run([sys.executable, "-m", "kexie_scraper.cli", "evaluate", "--check"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "boundaries  precision" in out.stdout and "targets: all met" in out.stdout


def test_second_holdout_does_not_regress():
    """fixtures/holdout2 came last and is below the targets (README: its first, untuned score
    and today's). Its misses were fixed by general rules (branch splitter-holdout: every field
    1.000); these floors, a little under that, catch regressions on it."""
    total, _, notes = evaluate(load_cases(subdir="holdout2"))
    scores = total.scores()
    assert total.cases == 22
    assert scores["boundary_f1"] >= 0.98, notes
    for field in ("title", "attribution", "org", "region"):
        assert scores[field] >= 0.97, (field, notes)
    assert scores["text_kept"] == 1.0


def test_third_holdout_does_not_regress():
    """fixtures/holdout3 was written blind (its writer never read the splitter) and scored once
    before any tuning: boundary F1 0.958, title 0.805, attribution 0.817, org 0.890, region 0.927,
    gold text kept 0.972. General rules for the layouts it showed (credit lines, 科协讯, ornament
    separators, 【地名】, contents lists, captions, summaries, 报/送/发) brought every figure to
    1.000; these floors, a little under that, catch regressions on it."""
    total, _, notes = evaluate(load_cases(subdir="holdout3"))
    scores = total.scores()
    assert total.cases == 20
    assert scores["boundary_f1"] >= 0.98, notes
    floors = {"title": 0.97, "attribution": 0.97, "org": 0.97, "region": 0.97, "province": 0.98}
    for field, floor in floors.items():
        assert scores[field] >= floor, (field, scores[field], notes)
    assert scores["text_kept"] == 1.0, notes


def test_fourth_holdout_blind_figures_hold():
    """fixtures/holdout4 was written blind while the holdout2/3 rules were being written, and
    scored twice, never tuned on: before those rules boundary F1 0.976, title 0.828,
    attribution 0.805, org 0.897, region 0.908, bodies exact 0.793; after them (their honest
    out-of-sample effect) F1 1.000, title 0.897, attribution 0.862, org 0.966, region 0.966,
    bodies exact 0.943. These floors, a little under the second run, catch regressions; a
    fix tuned on holdout4 makes it in-sample — write holdout5 first."""
    total, _, notes = evaluate(load_cases(subdir="holdout4"))
    scores = total.scores()
    assert total.cases == 20
    assert scores["boundary_f1"] >= 0.98, notes
    floors = {"title": 0.88, "attribution": 0.84, "org": 0.95, "region": 0.95, "province": 0.98}
    for field, floor in floors.items():
        assert scores[field] >= floor, (field, scores[field], notes)
    assert scores["text_kept"] == 1.0, notes
