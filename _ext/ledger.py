"""The reproduction ledger: one row per result of the papers, each verdict recomputed.

``reproduction_ledger.yml`` (the repository's root) lists every result of the papers
the book reproduces: where the paper reports it, what it reports, the chapter section
that tests it, the criterion fixed before the run, the authors' setting beside the
book's, and the verdict the run is expected to give. This module loads it, reads each
row's values from the glue outputs of the executed chapters (myst-nb's
``<chapter>.glue.json``), evaluates the criterion and compares the computed verdict
with the ledger's. ``_ext/reproduction_report.py`` turns it into the book's page;

    python _ext/ledger.py _build/jupyter_execute/chapters

prints every row's computed verdict and exits 1 when one differs from the ledger.
"""

from __future__ import annotations

import ast
import json
import math
import operator
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

LEDGER = Path(__file__).resolve().parents[1] / "reproduction_ledger.yml"
VERDICTS = (
    "reproduced",
    "reproduced at smaller scale",
    "partly",
    "not reproduced",
    "not attempted",
)
REPRODUCED = VERDICTS[:2]
ATTEMPTED_FIELDS = (
    "chapter",
    "section",
    "setting",
    "values",
    "criterion",
    "criterion_text",
    "measured",
    "if_met",
    "if_not_met",
)
COMMON_FIELDS = ("id", "paper", "source", "claim", "paper_value", "paper_value_from")


class LedgerError(ValueError):
    """The ledger file is malformed; the message names the row and the fix."""


@dataclass(frozen=True)
class Paper:
    """A paper (or talk) whose results the ledger lists."""

    key: str
    title: str
    cite: str | None
    code: str | None
    beyond_seeds: bool = False  # a paper the book tests beyond its seed papers


@dataclass(frozen=True)
class Row:
    """One result: the paper's claim and number, the book's test and verdict."""

    id: str
    paper: str
    source: str
    claim: str
    paper_value: str
    paper_value_from: str
    verdict: str
    chapter: str | None = None
    section: str | None = None
    setting: tuple[dict, ...] = ()
    values: dict = field(default_factory=dict)
    criterion: str | None = None
    criterion_text: str | None = None
    measured: str | None = None
    if_met: str | None = None
    if_not_met: str | None = None
    partly_if: str | None = None
    why: str | None = None
    note: str | None = None

    @property
    def attempted(self) -> bool:
        return self.verdict != "not attempted"


@dataclass(frozen=True)
class Result:
    """A row's values as the run glued them and the verdict they give."""

    row: Row
    values: dict
    verdict: str
    measured: str


@dataclass(frozen=True)
class Ledger:
    papers: dict[str, Paper]
    rows: list[Row]

    def by_paper(self) -> dict[str, list[Row]]:
        return {k: [r for r in self.rows if r.paper == k] for k in self.papers}


def _check_row(raw: dict, papers: dict) -> Row:
    where = f"ledger row {raw.get('id', '?')!r}"
    missing = [f for f in (*COMMON_FIELDS, "verdict") if not raw.get(f)]
    if missing:
        raise LedgerError(f"{where} lacks {missing}: every row needs {COMMON_FIELDS}.")
    if raw["paper"] not in papers:
        raise LedgerError(
            f"{where} names paper {raw['paper']!r}: use one of {sorted(papers)}."
        )
    unknown = set(raw) - set(Row.__dataclass_fields__)
    if unknown:
        raise LedgerError(f"{where} has unknown fields {sorted(unknown)}.")
    verdicts = [raw["verdict"], raw.get("if_met"), raw.get("if_not_met")]
    bad = [v for v in verdicts if v is not None and v not in VERDICTS]
    if bad:
        raise LedgerError(f"{where} has verdicts {bad}: use one of {VERDICTS}.")
    if raw["verdict"] == "not attempted":
        if not raw.get("why"):
            raise LedgerError(f"{where} is not attempted: say why in `why`.")
    else:
        missing = [f for f in ATTEMPTED_FIELDS if not raw.get(f)]
        if missing:
            raise LedgerError(
                f"{where} is attempted but lacks {missing}: give the chapter, its "
                "section, the setting, the glued values and the criterion."
            )
        if raw["verdict"] not in (raw["if_met"], raw["if_not_met"], "partly"):
            raise LedgerError(
                f"{where} expects {raw['verdict']!r}, which neither if_met nor "
                "if_not_met (nor partly_if) gives."
            )
        for entry in raw["setting"]:
            if set(entry) != {"what", "paper", "book"}:
                raise LedgerError(
                    f"{where}: each setting entry needs what, paper and book; got "
                    f"{sorted(entry)}."
                )
    raw = dict(raw)
    raw["setting"] = tuple(raw.get("setting") or ())
    raw["values"] = dict(raw.get("values") or {})
    return Row(**raw)


def load(path: Path = LEDGER) -> Ledger:
    """The ledger at ``path``, checked row by row (``LedgerError`` names a bad row)."""
    data = yaml.safe_load(Path(path).read_text())
    papers = {
        key: Paper(
            key, p["title"], p.get("cite"), p.get("code"), p.get("beyond_seeds", False)
        )
        for key, p in data["papers"].items()
    }
    rows = [_check_row(raw, papers) for raw in data["rows"]]
    ids = [r.id for r in rows]
    doubles = sorted({i for i in ids if ids.count(i) > 1})
    if doubles:
        raise LedgerError(f"ledger ids {doubles} appear twice: make every id unique.")
    return Ledger(papers, rows)


# A small, safe expression language for the criteria.
_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_COMPARE = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_FUNCTIONS = {"abs": abs, "min": min, "max": max, "sqrt": math.sqrt}


def evaluate(expression: str, values: dict):
    """The value of a criterion over ``values``: numbers, names, arithmetic,
    comparisons (chained), ``and``/``or``/``not`` and abs, min, max, sqrt."""

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in values:
                raise LedgerError(
                    f"criterion {expression!r} uses {node.id!r}, which is not among "
                    f"the row's values {sorted(values)}."
                )
            return values[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return not ev(node.operand)
        if isinstance(node, ast.BoolOp):
            parts = [bool(ev(v)) for v in node.values]
            return all(parts) if isinstance(node.op, ast.And) else any(parts)
        if isinstance(node, ast.Compare) and all(
            type(op) in _COMPARE for op in node.ops
        ):
            left, holds = ev(node.left), True
            for op, right_node in zip(node.ops, node.comparators):
                right = ev(right_node)
                holds = holds and _COMPARE[type(op)](left, right)
                left = right
            return holds
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCTIONS
            and not node.keywords
        ):
            return _FUNCTIONS[node.func.id](*[ev(a) for a in node.args])
        raise LedgerError(
            f"criterion {expression!r} uses {ast.dump(node)[:60]}: only numbers, the "
            "row's values, arithmetic, comparisons, and/or/not and abs/min/max/sqrt "
            "are allowed."
        )

    return ev(ast.parse(expression, mode="eval"))


_NUMPY_SCALAR = re.compile(r"^np\.(?:float|int|uint)\d*\((.*)\)$|^np\.(True|False)_$")


def parse_glued(text: str):
    """A glued value's ``text/plain`` as a number or bool (``None`` if it is not)."""
    text = text.strip()
    match = _NUMPY_SCALAR.match(text)
    if match:
        text = match.group(1) or match.group(2)
    if text in ("True", "False"):
        return text == "True"
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if re.fullmatch(r"-?\d+", text) else value


def glued_numbers(glue_file: Path) -> dict:
    """name → number of every raw number glued in one executed chapter."""
    if not glue_file.exists():
        return {}
    out = {}
    for name, output in json.loads(glue_file.read_text()).items():
        value = parse_glued(output.get("data", {}).get("text/plain", ""))
        if value is not None:
            out[name] = value
    return out


def compute(row: Row, glued: dict) -> Result:
    """The verdict the glued values give for an attempted ``row``.

    glued : name → number for the row's chapter (``glued_numbers``). A missing value
    raises ``LedgerError``.
    """
    missing = {v: k for v, k in row.values.items() if k not in glued}
    if missing:
        raise LedgerError(
            f"ledger row {row.id!r}: chapter {row.chapter!r} glued no number named "
            f"{sorted(missing.values())}; glue them (a plain number) or fix the keys."
        )
    values = {v: glued[k] for v, k in row.values.items()}
    if evaluate(row.criterion, values):
        verdict = row.if_met
    elif row.partly_if and evaluate(row.partly_if, values):
        verdict = "partly"
    else:
        verdict = row.if_not_met
    shown = {
        k: {True: "yes", False: "no"}.get(v, v) if isinstance(v, bool) else v
        for k, v in values.items()
    }
    return Result(row, values, verdict, row.measured.format(**shown))


def compute_all(ledger: Ledger, executed: Path) -> list[Result]:
    """Every attempted row's result, from the glue files in ``executed``."""
    cache: dict[str, dict] = {}
    results = []
    for row in ledger.rows:
        if not row.attempted:
            continue
        if row.chapter not in cache:
            cache[row.chapter] = glued_numbers(executed / f"{row.chapter}.glue.json")
        results.append(compute(row, cache[row.chapter]))
    return results


def counts(verdicts: list[str]) -> dict[str, int]:
    """How many of each verdict, with "reproduced" counting both its forms."""
    return {v: verdicts.count(v) for v in VERDICTS}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    ledger = load()
    flipped = 0
    for result in compute_all(ledger, Path(argv[1])):
        changed = result.verdict != result.row.verdict
        flipped += changed
        mark = "CHANGED" if changed else "ok"
        print(f"{mark:7s} {result.row.id:45s} {result.verdict:28s} {result.measured}")
    print(f"{flipped} verdicts differ from the ledger")
    return 1 if flipped else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
