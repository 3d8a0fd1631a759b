"""Slide decks: one reveal.js deck per chapter, made from the chapter's executed run.

At the end of every HTML build this extension writes ``<outdir>/slides/<chapter>.html``
for each chapter with learning objectives: a title slide, the objectives, then section
by section the chapter's statements (definitions, theorems, lemmas, propositions) and
figures (the images the build's run made, with their captions), the summary with its
glued numbers filled in, and the exercises' titles (never a solution). The decks load
the vendored reveal.js (``_ext/reveal``, copied to ``slides/reveal``; not in
``_static``, whose scripts and styles jupyter-book loads on every page) and the book's
MathJax, so they work
offline; each chapter page gets a link to its deck under its title.

``deck(...)`` makes one deck's HTML; ``tests/test_slides.py`` checks the built decks.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from jupyter_cache import get_cache
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from reader_notebooks import (
    DIRECTIVE,
    KINDS,
    OPTION,
    Converter,
    all_labels,
    bibliography,
    glued_values,
    is_chapter,
)
from sphinx.util import logging

logger = logging.getLogger(__name__)
STATEMENTS = {
    "prf:definition",
    "prf:theorem",
    "prf:lemma",
    "prf:proposition",
    "prf:corollary",
}
SKIPPED_SECTIONS = {"Exercises", "Summary"}
# a slide of text holds about this many characters; longer text is split at paragraphs
SLIDE_CHARACTERS = 650


@dataclass
class Slide:
    """One slide: a title, Markdown text and images (PNG bytes, base64)."""

    title: str
    text: str = ""
    images: list[str] = field(default_factory=list)


def markdown_renderer() -> MarkdownIt:
    """Markdown → HTML with ``$…$`` and ``$$…$$`` left for MathJax."""
    md = MarkdownIt("commonmark").enable("table")
    dollarmath_plugin(md, renderer=lambda content, options: _math(content, options))
    return md


def _math(content: str, options: dict) -> str:
    escaped = html.escape(content)
    return rf"\[{escaped}\]" if options.get("display_mode") else rf"\({escaped}\)"


def split_text(text: str, limit: int = SLIDE_CHARACTERS) -> list[str]:
    """``text`` cut at paragraph and list-item boundaries into parts of about
    ``limit`` characters."""
    blocks = re.split(r"\n\s*\n|\n(?=\d+\. |- )", text.strip())
    parts, current = [], ""
    for block in blocks:
        if current and len(current) + len(block) > limit:
            parts.append(current)
            current = ""
        current = f"{current}\n\n{block}" if current else block
    return parts + ([current] if current else [])


def _objectives(first_cell: str) -> str:
    after = first_cell.split("**Learning objectives.**", 1)[1]
    return "\n".join(re.findall(r"^\d+\. .+(?:\n   .+)*", after, re.M))


def chapter_slides(
    source: dict, executed: dict, converter: Converter, version: str
) -> list[Slide]:
    """The slides of one chapter from its source and executed notebooks."""
    first = "".join(source["cells"][0]["source"])
    title = re.search(r"^# (.+)$", first, re.M).group(1)
    slides = [
        Slide(title, f"*Low-Rank Training Dynamics*, version {version}"),
        Slide("Learning objectives", converter.markdown(_objectives(first))),
    ]
    outputs = {cell.get("id"): cell.get("outputs", []) for cell in executed["cells"]}
    section, summary, exercises = title, [], []
    for cell in source["cells"][1:]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            for part in re.split(r"^(?=## )", text, flags=re.M):
                heading = re.match(r"## (.+)\n?", part)
                if heading:
                    section, part = heading.group(1).strip(), part[heading.end() :]
                if section == "Summary":
                    summary.append(part)
                for m in DIRECTIVE.finditer(part):
                    name, arg = m.group("name"), m.group("arg").strip()
                    if name == "exercise":
                        exercises.append(f"- {converter.markdown(arg)}")
                    elif name in STATEMENTS:
                        kind = KINDS[name]
                        body = OPTION.sub("", m.group("body")).strip()
                        title = f"{kind}: {arg}" if arg else kind
                        slides.append(Slide(title, converter.markdown(body)))
        elif section not in SKIPPED_SECTIONS:
            figure = cell["metadata"].get("mystnb", {}).get("figure", {})
            images = [
                o["data"]["image/png"].replace("\n", "")
                for o in outputs.get(cell.get("id"), [])
                if "image/png" in o.get("data", {})
            ]
            if figure.get("caption") and images:
                caption = converter.markdown(figure["caption"])
                slides.append(Slide(section, caption, images[:1]))
    for i, part in enumerate(split_text(converter.markdown("\n".join(summary)))):
        slides.append(Slide("Summary" if i == 0 else "Summary (continued)", part))
    if exercises:
        slides.append(Slide("Exercises", "\n".join(exercises)))
    return slides


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}: slides</title>
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="reveal/reset.css">
<link rel="stylesheet" href="reveal/reveal.css">
<link rel="stylesheet" href="reveal/theme/white.css">
<style>
.reveal section {{ font-size: 0.62em; text-align: left; }}
.reveal h2 {{ font-size: 1.7em; }}
.reveal section img.figure {{ max-height: 470px; margin: 0 auto; display: block; }}
.reveal section div.caption {{ font-size: 0.75em; }}
</style>
</head>
<body>
<div class="reveal"><div class="slides">
{sections}
</div></div>
<script>window.MathJax = {{tex: {{macros: {{R: "\\\\mathbb{{R}}"}}}}}};</script>
<script src="../_static/mathjax/tex-mml-chtml.js"></script>
<script src="reveal/reveal.js"></script>
<script>Reveal.initialize({{hash: true, slideNumber: true}});</script>
</body>
</html>
"""


def deck(slides: list[Slide], renderer: MarkdownIt) -> str:
    """The reveal.js page of ``slides``."""
    sections = []
    for slide in slides:
        body = renderer.render(slide.text)
        images = "".join(
            f'<img class="figure" alt="{html.escape(slide.title)}" '
            f'src="data:image/png;base64,{png}">'
            for png in slide.images
        )
        if images:
            body = f'{images}<div class="caption">{body}</div>'
        sections.append(
            f"<section><h2>{renderer.renderInline(slide.title)}</h2>{body}</section>"
        )
    return PAGE.format(title=html.escape(slides[0].title), sections="\n".join(sections))


SLIDES_LINK = (
    '<p class="chapter-slides"><a href="../slides/{name}.html">Slides for this '
    "chapter</a> (its statements, figures and summary, for teaching)</p>"
)


def write_slides(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    src, out = Path(app.srcdir), Path(app.outdir)
    bib = bibliography((src / "references.bib").read_text())
    labels, renderer = all_labels(src), markdown_renderer()
    executed_dir = out.parent / "jupyter_execute" / "chapters"
    # the executed chapters with their outputs: the build's jupyter-cache (myst-nb's
    # copies in jupyter_execute/ keep no outputs for a chapter read from the cache)
    cache = get_cache(
        app.config.nb_execution_cache_path or out.parent / ".jupyter_cache"
    )
    shutil.copytree(
        Path(__file__).parent / "reveal", out / "slides" / "reveal", dirs_exist_ok=True
    )
    for path in sorted((src / "chapters").glob("*.ipynb")):
        source = json.loads(path.read_text())
        if not is_chapter(source):
            continue
        try:
            _, executed = cache.merge_match_into_notebook(
                nbformat.reads(path.read_text(), 4)
            )
        except KeyError:
            logger.warning(f"slides: {path.name} has no executed run in the cache")
            continue
        glued = glued_values(executed_dir / f"{path.stem}.glue.json")
        converter = Converter(labels, bib, glued, solutions=False)
        slides = chapter_slides(source, executed, converter, app.config.release)
        target = out / "slides" / f"{path.stem}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(deck(slides, renderer))
        page = out / "chapters" / f"{path.stem}.html"
        if page.exists():
            text = page.read_text()
            text = text.replace(
                "</h1>", "</h1>" + SLIDES_LINK.format(name=path.stem), 1
            )
            page.write_text(text)


def setup(app):
    app.connect("build-finished", write_slides)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
