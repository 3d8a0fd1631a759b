"""The reproduction ledger: its rows are well formed, cover the papers' results, point
at sections and values the chapters have, and its verdicts are recomputed.

The build itself (``_ext/reproduction_report.py``) fails on a verdict that changed;
these tests check the ledger without a build, and against the build when there is one.
"""

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
EXECUTED = ROOT / "_build" / "jupyter_execute" / "chapters"

sys.path.insert(0, str(ROOT / "_ext"))
import ledger  # noqa: E402  (the book's extension folder, not a package)

LEDGER = ledger.load()

# SCIENCE.md's list of results: each must be the source of a row (the ids and script
# names the authors use, or the figure's name).
REQUIRED_SOURCES = {
    "yaras2023": [
        "thm_main",
        "thm_sup",
        "heat map",
        "thm_nonwhitened",
        "momentum",
        "Adam",
        "equiv_traj_l2",
        "equiv_traj_mc",
        "comp_iter_time",
        "depth_2_v_3",
        "collapse_intro",
        "grid_collapse",
        "init_scale_collapse",
        "init_type_collapse",
    ],
    "xu2026": [
        "Fig. 1",
        "Thm 3.5",
        "App. B",
        "App. C",
        "Sec. 4",
        "Sec. 5",
        "VGG-16",
        "F.1",
        "F.2",
    ],
    "kwon2024": [
        "fig_traj_mc",
        "matrix factorisation",
        "sensing",
        "MovieLens",
        "Fashion-MNIST",
        "α",
        "incremental",
    ],
    "yaras2024": [
        "Fig. 1",
        "Fig. 2",
        "stsb_fewshot",
        "stsb_varying_rank",
        "stsb_save_checkpoint",
        "stsb_narrow",
        "GLUE",
        "NLG",
    ],
    "wang2023": [
        "Fig. 1",
        "Fig. 2",
        "Main theorem",
        "Synthetic",
        "Real-data",
        "projection",
        "text",
        "Why deep linear networks",
        "Role of depth",
    ],
    "talk": ["Invariant subspaces of training deep nonlinear networks"],
}


def headings(chapter: str) -> set[str]:
    nb = json.loads((CHAPTERS / f"{chapter}.ipynb").read_text())
    text = "\n".join(
        "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"
    )
    return {m.group(1).strip() for m in re.finditer(r"^#+ (.+)$", text, re.M)}


def test_every_result_of_the_papers_has_a_row():
    for paper, needles in REQUIRED_SOURCES.items():
        sources = " | ".join(
            f"{r.source} {r.claim}" for r in LEDGER.rows if r.paper == paper
        )
        missing = [n for n in needles if n.lower() not in sources.lower()]
        assert not missing, f"{paper}: no ledger row for {missing}"
    assert len(LEDGER.rows) >= 55


@pytest.mark.parametrize(
    "row", [r for r in LEDGER.rows if r.attempted], ids=lambda r: r.id
)
def test_an_attempted_row_names_a_section_and_the_authors_setting(row):
    assert (CHAPTERS / f"{row.chapter}.ipynb").exists(), row.chapter
    assert row.section in headings(row.chapter), (
        f"{row.id}: {row.chapter} has no heading {row.section!r}"
    )
    assert len(row.setting) >= 3, f"{row.id}: list the authors' settings"
    # the criterion only uses the row's values, and its display formats them all
    ledger.evaluate(row.criterion, {v: 1.0 for v in row.values})
    row.measured.format(**{v: 1.0 for v in row.values})


def test_a_flipped_verdict_and_a_missing_value_are_caught():
    row = next(r for r in LEDGER.rows if r.attempted)
    glued = {key: 0.0 for key in row.values.values()}
    computed = ledger.compute(row, glued)
    assert computed.verdict in (row.if_met, row.if_not_met, "partly")
    with pytest.raises(ledger.LedgerError, match="glued no number"):
        ledger.compute(row, {})


def test_the_criterion_language_is_small_and_safe():
    values = {"a": 2.0, "b": 3.0}
    assert ledger.evaluate("a < b <= 3 and not a > 2 and abs(-a) == 2", values)
    assert ledger.evaluate("max(a, b) - min(a, b) == 1 and sqrt(4) == a", values)
    for bad in ("__import__('os')", "a.real", "c > 1", "[a][0]"):
        with pytest.raises(ledger.LedgerError):
            ledger.evaluate(bad, values)


def test_glued_text_is_read_as_numbers():
    assert ledger.parse_glued("0.25") == 0.25
    assert ledger.parse_glued("np.float64(1e-10)") == 1e-10
    assert ledger.parse_glued("np.True_") is True
    assert ledger.parse_glued("12") == 12
    assert ledger.parse_glued("'text'") is None


@pytest.mark.skipif(not EXECUTED.exists(), reason="the book has not been built")
def test_the_built_chapters_give_the_ledger_verdicts():
    changed = [
        (r.row.id, r.verdict, r.row.verdict)
        for r in ledger.compute_all(LEDGER, EXECUTED)
        if r.verdict != r.row.verdict
    ]
    assert not changed, changed
