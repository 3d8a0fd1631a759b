"""The book's index: where each of its terms is discussed, not only the glossary.

The glossary directive indexes its own entries; this extension adds, for every term of
``TERMS`` (the glossary's and the field's vocabulary the chapters use), an index entry
at the first paragraph of each section that mentions it, on every chapter page. The
printed index then points a reader to the pages that discuss "Haar measure" or
"Dom-SGD", in the HTML index and the PDF alike.

makeindex sorts by bytes, so a term that starts with a Greek letter (``ρ(t)``) would
land under a garbled heading: the LaTeX files get an ASCII sort key for such entries.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxTransform

# index entry → pattern (case-insensitive, on a paragraph's text)
TERMS = {
    "Adam": r"\bAdam(W)?\b",
    "alignment of neighbouring layers": r"neighbouring layers",
    "balanced initialisation": r"\bbalanced\b",
    "Bulk-SGD": r"\bBulk-SGD\b",
    "compressed network": r"compressed (network|adapter)",
    "condition number": r"condition number",
    "convolutional network": r"\b(CNN|convolution)",
    "cross-entropy": r"cross-entropy",
    "deep linear network": r"deep linear network",
    "Deep LoRA": r"\bDeep LoRA\b",
    "Dom-SGD": r"\bDom-SGD\b",
    "energy fraction": r"energy fraction",
    "few-shot adaptation": r"few-shot|labelled samples",
    "GaLore": r"\bGaLore\b",
    "GELU": r"\bGELU\b",
    "gradient flow": r"gradient flow",
    "Haar measure": r"\bHaar\b",
    "Hessian": r"\bHessian\b",
    "hybrid network": r"\bhybrid\b",
    "invariant subspace": r"invariant subspace",
    "law of parsimony": r"law of parsimony",
    "leak": r"\bleak\b",
    "learning time": r"learning time|half[- ]learn",
    "linear probe": r"linear probe|\bprobe\b",
    "LoRA": r"\bLoRA\b",
    "low-rank MLP": r"low-rank (MLP|model)|factorised MLP",
    "matrix completion": r"matrix completion",
    "momentum": r"\bmomentum\b",
    "numerical rank": r"numerical rank",
    "orthogonal initialisation": r"orthogonal initiali[sz]ation",
    "PCA whitening": r"\bPCA\b",
    "principal angles": r"principal angle",
    "progressive separation": r"progressive(ly)? separat",
    "ρ(t)": r"ρ\(t\)|\\rho\(t\)",
    "ReLU": r"\bReLU\b",
    "RMSProp": r"\bRMSProp\b",
    "separation ratio": r"separation ratio|C_l\b",
    "SiLU": r"\bSiLU\b",
    "singular value decomposition": r"\bSVD\b|singular value decomposition",
    "stable rank": r"stable rank",
    "transformer": r"\btransformer|\bViT\b",
    "update subspace": r"update subspace",
    "weight decay": r"weight decay",
    "whitened data": r"\bwhiten",
    "ZCA whitening": r"\bZCA\b",
}
PATTERNS = {term: re.compile(pattern, re.I) for term, pattern in TERMS.items()}
SKIPPED = {"chapters/glossary", "chapters/api_reference", "chapters/references"}
GREEK = dict(
    zip(
        "αβγδεηθκλμνξπρστφχψω",
        "alpha beta gamma delta epsilon eta theta "
        "kappa lambda mu nu xi pi rho sigma tau phi chi psi omega".split(),
    )
)


class IndexTerms(SphinxTransform):
    """Index the first paragraph of each section that mentions a term."""

    default_priority = 710

    def apply(self, **kwargs) -> None:
        if self.env.docname in SKIPPED or not self.env.docname.startswith("chapters/"):
            return
        for section in self.document.findall(nodes.section):
            found = set()
            for paragraph in section.findall(nodes.paragraph):
                if (
                    paragraph.parent is None
                    or _nearest_section(paragraph) is not section
                ):
                    continue
                text = paragraph.astext()
                new = [
                    t for t, p in PATTERNS.items() if t not in found and p.search(text)
                ]
                if not new:
                    continue
                found.update(new)
                target_id = f"index-term-{self.env.new_serialno('index-term')}"
                target = nodes.target("", "", ids=[target_id])
                index = addnodes.index(
                    entries=[("single", term, target_id, "", None) for term in new],
                    inline=False,
                )
                paragraph.parent.insert(
                    paragraph.parent.index(paragraph), [index, target]
                )


def _nearest_section(node):
    while node is not None and not isinstance(node, nodes.section):
        node = node.parent
    return node


def sort_key(entry: str) -> str:
    """An ASCII sort key for a term that starts with a Greek letter."""
    return "".join(GREEK.get(c, c) for c in entry)


def ascii_sort_keys(app, exception) -> None:
    """Give ``\\index{ρ(t)@…}`` an ASCII sort key in the LaTeX output."""
    if exception is not None or app.builder.name != "latex":
        return
    for tex in Path(app.outdir).glob("*.tex"):
        text = tex.read_text(encoding="utf-8")
        keyed = re.sub(
            r"\\index\{([^@{}]*)@",
            lambda m: "\\index{" + sort_key(m.group(1)) + "@",
            text,
        )
        if keyed != text:
            tex.write_text(keyed, encoding="utf-8")


def setup(app):
    app.add_transform(IndexTerms)
    app.connect("build-finished", ascii_sort_keys)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
