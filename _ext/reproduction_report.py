"""The ``reproduction-report`` directive: the ledger as a page, verdicts recomputed.

The page holds the directive; once every chapter has run (the ``doctree-resolved``
event of the write phase), the directive becomes the report: the computed counts per
paper and in total, one table per paper whose rows link to the section that tests each
result, and each row's criterion and setting, the authors' beside the book's. A computed
verdict that differs from the ledger's, a value no chapter glued, or a section that
does not exist is a warning, so the ``-W`` build fails until the ledger says so.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from ledger import REPRODUCED, LedgerError, compute, glued_numbers, load
from sphinx.util import logging

logger = logging.getLogger(__name__)
REPORT_DOC = "chapters/reproduction_report"


class report_placeholder(nodes.General, nodes.Element):
    """Where the report goes, filled in once every chapter has run."""


class ReproductionReport(Directive):
    def run(self):
        return [report_placeholder()]


def _inline(text: str) -> list[nodes.Node]:
    """Text with its `backquoted` spans as inline code."""
    pieces = text.split("`")
    return [
        nodes.literal(piece, piece) if i % 2 else nodes.Text(piece)
        for i, piece in enumerate(pieces)
        if piece
    ]


def _paragraph(*parts) -> nodes.paragraph:
    para = nodes.paragraph()
    for part in parts:
        if isinstance(part, nodes.Node):
            para += part
        else:
            para.extend(_inline(part))
    return para


def _table(header: list[str], rows: list[list], widths: list[int]) -> nodes.table:
    table = nodes.table(classes=["reproduction-table"])
    group = nodes.tgroup(cols=len(header))
    table += group
    for w in widths:
        group += nodes.colspec(colwidth=w)
    head = nodes.thead()
    group += head
    head += nodes.row("", *[nodes.entry("", _paragraph(h)) for h in header])
    body = nodes.tbody()
    group += body
    for cells in rows:
        body += nodes.row(
            "",
            *[
                nodes.entry("", c if isinstance(c, nodes.Node) else _paragraph(c))
                for c in cells
            ],
        )
    return table


def _section_ids(env, docname: str) -> dict[str, str]:
    """Heading text → anchor of every section of a document."""
    if docname not in env.all_docs:
        return {}
    out = {}
    for section in env.get_doctree(docname).findall(nodes.section):
        out.setdefault(section[0].astext(), section["ids"][0])
    return out


def _count_line(verdicts: list[str]) -> str:
    """E.g. "34 of 44 attempted results reproduced (16 in the paper's setting, 18 at
    smaller scale), 8 partly, 2 not reproduced; 18 of 62 not attempted"."""
    attempted = [v for v in verdicts if v != "not attempted"]
    n = sum(v in REPRODUCED for v in attempted)
    noun = "result" if len(attempted) == 1 else "results"
    line = f"{n} of {len(attempted)} attempted {noun} reproduced"
    same, smaller = (attempted.count(v) for v in REPRODUCED)
    if same and smaller:
        line += f" ({same} in the paper's setting, {smaller} at smaller scale)"
    elif smaller:
        line += " (at smaller scale)"
    for v in ("partly", "not reproduced"):
        if attempted.count(v):
            line += f", {attempted.count(v)} {v}"
    skipped = len(verdicts) - len(attempted)
    if skipped:
        line += f"; {skipped} of {len(verdicts)} not attempted"
    return line


def fill_report(app, doctree, docname) -> None:
    placeholders = list(doctree.findall(report_placeholder))
    if not placeholders:
        return
    env, builder = app.env, app.builder
    ledger = load()
    executed = Path(app.outdir).parent / "jupyter_execute" / "chapters"
    glued, anchors, computed = {}, {}, {}
    for row in ledger.rows:
        if not row.attempted:
            continue
        if row.chapter not in glued:
            glued[row.chapter] = glued_numbers(executed / f"{row.chapter}.glue.json")
            anchors[row.chapter] = _section_ids(env, f"chapters/{row.chapter}")
        try:
            computed[row.id] = compute(row, glued[row.chapter])
        except LedgerError as error:
            logger.warning(str(error), location=docname)
            continue
        if computed[row.id].verdict != row.verdict:
            logger.warning(
                f"ledger row {row.id!r}: the run gives {computed[row.id].verdict!r} "
                f"but the ledger expects {row.verdict!r} ({computed[row.id].measured})."
                " Change the ledger's verdict only if the new result stands.",
                location=docname,
            )
        if row.section not in anchors[row.chapter]:
            logger.warning(
                f"ledger row {row.id!r}: chapter {row.chapter!r} has no section "
                f"{row.section!r}; use a heading of that chapter.",
                location=docname,
            )

    def verdict_of(row):
        return computed[row.id].verdict if row.id in computed else row.verdict

    def link(row):
        anchor = anchors.get(row.chapter, {}).get(row.section)
        uri = builder.get_relative_uri(docname, f"chapters/{row.chapter}")
        ref = nodes.reference("", row.section, internal=True)
        ref["refuri"] = uri + (f"#{anchor}" if anchor else "")
        return ref

    content = []
    everything = [verdict_of(r) for r in ledger.rows]
    content.append(
        _paragraph(nodes.strong("", f"In total: {_count_line(everything)}."))
    )
    summary = [
        [paper.title, _count_line([verdict_of(r) for r in rows])]
        for paper, rows in zip(ledger.papers.values(), ledger.by_paper().values())
    ]
    content.append(
        _table(["Source", "Verdicts computed by this build"], summary, [3, 4])
    )
    for key, rows in ledger.by_paper().items():
        paper = ledger.papers[key]
        content.append(nodes.rubric("", paper.title))
        intro = f"{_count_line([verdict_of(r) for r in rows])}."
        if paper.beyond_seeds:
            intro = (
                "Beyond the seeds: not one of the papers the book is built on; its "
                "results are tested beside theirs. " + intro
            )
        if paper.code:
            intro += f" The authors' code: {paper.code}."
        content.append(_paragraph(intro))
        table_rows = []
        for row in rows:
            if row.attempted:
                book = _paragraph(
                    computed[row.id].measured if row.id in computed else "(missing)",
                    " — ",
                    link(row),
                )
            else:
                book = _paragraph(f"Not attempted: {row.why}")
            source = nodes.strong()
            source.extend(_inline(row.source))
            claim = _paragraph(
                source, f": {row.claim} ", nodes.emphasis("", f"[{row.id}]")
            )
            paper_value = _paragraph(
                row.paper_value, nodes.emphasis("", f" ({row.paper_value_from})")
            )
            table_rows.append(
                [claim, paper_value, book, nodes.strong("", verdict_of(row))]
            )
        content.append(
            _table(
                ["Result", "The paper", "This book", "Verdict"],
                table_rows,
                [4, 3, 3, 1],
            )
        )
        for row in rows:
            if not row.attempted:
                continue
            box = nodes.container(classes=["toggle", "reproduction-row"])
            box += _paragraph(nodes.strong("", f"{row.id}: criterion and setting"))
            box += _paragraph(
                f"Criterion, fixed before the run: {row.criterion_text} "
                f"(computed: {row.criterion}; met → {row.if_met}, "
                f"not met → {row.if_not_met})."
            )
            box += _table(
                ["", "The authors", "This book"],
                [[s["what"], str(s["paper"]), str(s["book"])] for s in row.setting],
                [1, 3, 3],
            )
            if row.note:
                box += _paragraph(f"Note: {row.note}")
            content.append(box)
    for placeholder in placeholders:
        placeholder.replace_self(content)


def always_outdated(app, env, added, changed, removed):
    """The report depends on every chapter's run: rebuild it in every build."""
    return [REPORT_DOC] if REPORT_DOC in env.found_docs else []


def setup(app):
    app.add_node(report_placeholder)
    app.add_directive("reproduction-report", ReproductionReport)
    app.connect("doctree-resolved", fill_report)
    app.connect("env-get-outdated", always_outdated)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
