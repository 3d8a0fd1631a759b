"""The PDF as a printed book: the folded code left out, sliders in print wording.

On the page, plotting and check cells are folded (``hide-input``): the reader sees the
figure or the passed checks and may unfold the code. Paper cannot unfold, so the LaTeX
builder drops those cells' code and keeps their outputs; every other cell's code stays.

A slider prints as its default figure. Its output carries, as ``text/plain``, the
sentence ``lrdlib.book.widgets.print_note`` wrote ("Printed at ε = 0.1; the online book
has a slider for it."): the LaTeX builder appends it to the figure's caption, before
myst-nb keeps only the PNG of the bundle.

Theorems, lemmas, definitions and exercises are numbered chapter.n on the page; the
LaTeX build's numbers carry the section as well (4.1.1), so they are renumbered
chapter.n in document order, as on the page. LaTeX numbers figures and tables itself.
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


WIDGET = "application/vnd.jupyter.widget-view+json"
NUMBERED_BY_LATEX = ("figure", "table", "code-block")


def number_by_chapter(app, env) -> list[str]:
    """Renumber theorems, exercises and the like chapter.n for the LaTeX builder."""
    if app.builder.name != "latex":
        return []
    for numbers in env.toc_fignumbers.values():
        for kind, by_id in numbers.items():
            if kind in NUMBERED_BY_LATEX:
                continue
            in_order = sorted(by_id.items(), key=lambda item: item[1])
            for count, (target, number) in enumerate(in_order, start=1):
                by_id[target] = (number[0], count)
    return []


class PrintSliderNote(SphinxPostTransform):
    """Add each slider's print note to its figure's caption in the LaTeX doctree."""

    default_priority = 3  # before myst-nb's SelectMimeType (4) drops the text/plain
    builders = ("latex",)

    def run(self, **kwargs) -> None:
        for bundle in list(self.document.findall(nodes.container)):
            if bundle.get("nb_element") != "mime_bundle":
                continue
            mimes = {child.get("mime_type"): child for child in bundle.children}
            note = mimes.get("text/plain")
            if WIDGET not in mimes or note is None:
                continue
            text = note.astext().strip().strip("'\"")
            figure = bundle.parent
            if not text.startswith("Printed at") or not isinstance(
                figure, nodes.figure
            ):
                continue
            for caption in figure.findall(nodes.caption):
                caption += nodes.Text(" " + text)
                break


def setup(app):
    app.add_post_transform(DropFoldedCode)
    app.add_post_transform(PrintSliderNote)
    # after the toctree collector has numbered everything (its priority is 500)
    app.connect("env-get-updated", number_by_chapter, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
