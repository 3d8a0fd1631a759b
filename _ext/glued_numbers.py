"""Glued numbers as prose: "2.6 × 10⁻⁶", not "2.6e-06"; "−0.01", not "-0.01".

A chapter glues a value and its text picks a format, ``{glue:text}`key:.1e```. Python's
``e`` format is code, not prose: this transform rewrites every pasted number in
scientific notation through ``lrdlib.book.glue.scientific`` (keeping its significant
figures) and gives negative numbers a true minus sign, for the page and the PDF alike.
Fractions that would round to 1 are glued as bounds by ``lrdlib.book.glue.glue_number``
in the chapters themselves (the transform cannot know a value is a fraction).
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.transforms import SphinxTransform

from lrdlib.book.glue import MINUS, scientific

E_FORMAT = re.compile(r"^([+-]?)(\d)(?:\.(\d+))?e([+-]\d+)$")
NEGATIVE = re.compile(r"^-(?=\d)")


def prose_number(text: str) -> str:
    """``text`` as the book writes it: scientific notation with a real "×", a minus."""
    match = E_FORMAT.match(text)
    if match:
        figures = 1 + len(match.group(3) or "")
        return scientific(float(text), figures)
    return NEGATIVE.sub(MINUS, text)


class WriteGluedNumbers(SphinxTransform):
    """Rewrite the text of every ``pasted-text`` node (a ``{glue:text}`` role)."""

    default_priority = 700

    def apply(self, **kwargs) -> None:
        for node in list(self.document.findall(nodes.inline)):
            if "pasted-text" not in node.get("classes", []):
                continue
            text = node.astext()
            written = prose_number(text)
            if written != text:
                node.clear()
                node += nodes.Text(written)


def setup(app):
    app.add_transform(WriteGluedNumbers)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
