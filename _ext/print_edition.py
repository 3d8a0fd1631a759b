"""The PDF as a printed book: the folded code left out.

On the page, plotting and check cells are folded (``hide-input``): the reader sees the
figure or the passed checks and may unfold the code. Paper cannot unfold, so the LaTeX
builder drops those cells' code and keeps their outputs; every other cell's code stays.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

FOLDED = "tag_hide-input"


class DropFoldedCode(SphinxPostTransform):
    """Remove the source of every ``hide-input`` cell from the LaTeX doctree."""

    default_priority = 199
    builders = ("latex",)

    def run(self, **kwargs) -> None:
        for cell in list(self.document.findall(nodes.container)):
            if FOLDED not in cell.get("classes", []):
                continue
            for child in list(cell.children):
                if "cell_input" in child.get("classes", []):
                    cell.remove(child)


def setup(app):
    app.add_post_transform(DropFoldedCode)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
