"""The chapters' slide decks (``_ext/slides.py``): made from the executed chapters,
offline, with the chapter's figures and statements and no solution."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))
import reader_notebooks  # noqa: E402
import slides  # noqa: E402

HTML = ROOT / "_build" / "html"
CHAPTERS = [
    path
    for path in sorted((ROOT / "chapters").glob("*.ipynb"))
    if "**Learning objectives.**"
    in "".join(json.loads(path.read_text())["cells"][0]["source"])
]
PNG = "iVBORw0KGgo="  # the PNG signature, base64

SOURCE = {
    "cells": [
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": "(chap-demo)=\n# A demo\n\n**Learning objectives.** After it\n"
            "1. state $\\R^d$;\n2. plot it.\n",
        },
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": "## Statement\n\n```{prf:theorem} Demo\n:label: thm-demo\n"
            "Every $W$ has an SVD.\n```\n",
        },
        {
            "cell_type": "code",
            "id": "fig",
            "metadata": {
                "mystnb": {"figure": {"caption": "The curve, {glue:text}`x`."}}
            },
            "source": "plt.show()",
        },
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": "## Exercises\n\n````{exercise} Try it\n:label: ex-demo\nDo.\n"
            "````\n\n````{solution} ex-demo\nThe secret answer.\n````\n\n"
            "## Summary\n\n- The value is {glue:text}`x:.2f`.\n",
        },
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}
EXECUTED = {
    "cells": [
        {"id": "fig", "outputs": [{"data": {"image/png": PNG}}]},
    ]
}


def demo_slides():
    converter = reader_notebooks.Converter({}, {}, {"x": 0.456}, solutions=False)
    return slides.chapter_slides(SOURCE, EXECUTED, converter, "9.9.9")


def test_deck_follows_the_chapter_without_solutions():
    titles = [s.title for s in demo_slides()]
    assert titles == [
        "A demo",
        "Learning objectives",
        "Theorem: Demo",
        "Statement",
        "Summary",
        "Exercises",
    ]
    page = slides.deck(demo_slides(), slides.markdown_renderer())
    assert "version 9.9.9" in page and "\\mathbb{R}^d" in page
    assert f"data:image/png;base64,{PNG}" in page and "0.46" in page
    assert "secret answer" not in page and "Try it" in page
    assert page.count("<section>") == 6


def test_long_text_is_split_at_paragraphs():
    text = "\n\n".join(f"Paragraph {i} " + "word " * 40 for i in range(6))
    parts = slides.split_text(text, limit=500)
    assert len(parts) > 1 and all(len(p) < 500 + 250 for p in parts)
    assert "\n\n".join(parts).split() == text.split()


@pytest.mark.skipif(not (HTML / "slides").exists(), reason="build the book first")
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_built_deck_shows_the_chapters_figures_offline(chapter):
    deck = HTML / "slides" / f"{chapter.stem}.html"
    text = deck.read_text()
    title = re.search(
        r"^# (.+)$", json.loads(chapter.read_text())["cells"][0]["source"][1], re.M
    )
    assert title and title.group(1).strip() in text
    assert text.count("<section>") >= 4
    figures = sum(
        bool(c["metadata"].get("mystnb", {}).get("figure"))
        for c in json.loads(chapter.read_text())["cells"]
        if c["cell_type"] == "code"
    )
    assert text.count('src="data:image/png;base64,') >= min(figures, 1)
    for ref in re.findall(r'(?:src|href)="([^"#]+)"', text):
        if ref.startswith("data:"):
            continue
        assert not re.match(r"https?:", ref), f"{deck.name} loads {ref} from the web"
        assert (deck.parent / ref).resolve().exists(), f"{deck.name}: {ref} is missing"
    page = (HTML / "chapters" / f"{chapter.stem}.html").read_text()
    assert f'href="../slides/{chapter.stem}.html"' in page
