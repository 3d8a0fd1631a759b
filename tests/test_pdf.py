"""The PDF as a book: every character has a glyph, the index holds the book's terms
under readable headings, sliders print their values, no chapter is empty, theorems
carry the page's numbers, and the A4 edition is on A4.

Reads what ``.ci/run`` builds: ``_build/latex`` (the book, US letter) and
``_build/a4/_build/latex`` (``tools/build_edition.py a4``). Under CI a missing PDF is a
failure; elsewhere these tests skip until the PDF is built.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_editions import built, pdf_text
from test_notebooks import SLIDER_CALL

ROOT = Path(__file__).resolve().parents[1]
NAME = "low-rank-training-dynamics"
LATEX = ROOT / "_build" / "latex"
A4 = ROOT / "_build" / "a4" / "_build" / "latex" / f"{NAME}.pdf"
HTML = ROOT / "_build" / "html" / "chapters"
MISSING_GLYPH = re.compile(r"Missing character: There is no (.+?) in font (.+?)!")


@pytest.mark.parametrize(
    "log",
    [
        LATEX / f"{NAME}.log",
        ROOT / "_build" / "student" / "_build" / "latex" / f"{NAME}.log",
        A4.with_suffix(".log"),
    ],
    ids=["book", "student", "a4"],
)
def test_every_character_has_a_glyph(log):
    missing = sorted(set(MISSING_GLYPH.findall(built(log).read_text(errors="replace"))))
    assert not missing, (
        f"characters the fonts lack (add a font in _config.yml): {missing}"
    )


def test_the_index_holds_the_books_terms_under_readable_headings():
    index = built(LATEX / f"{NAME}.ind").read_text(encoding="utf-8")
    for term in ("Haar measure", "Dom-SGD", "law of parsimony", "Deep LoRA", "ρ(t)"):
        assert term in index.replace("\\sphinxhyphen{}", "-"), f"{term} is not indexed"
    headings = re.findall(r"\\bigletter (.*)", index)
    assert headings and all(h.strip().isascii() for h in headings), headings


def test_sliders_print_the_values_they_show():
    text = pdf_text(built(LATEX / f"{NAME}.pdf"))
    sliders = sum(
        len(SLIDER_CALL.findall("".join(c["source"])))
        for path in (ROOT / "chapters").glob("*.ipynb")
        for c in json.loads(path.read_text())["cells"]
        if c["cell_type"] == "code"
    )
    notes = len(re.findall(r"online\s+book\s+has\s+(?:a\s+slider|sliders)", text))
    assert notes == sliders, f"{notes} print notes for {sliders} sliders"
    assert not re.search(r"move the sliders?\b", text, re.I)


def test_no_chapter_is_empty():
    tex = built(LATEX / f"{NAME}.tex").read_text(encoding="utf-8")
    body = tex.split("\\begin{document}", 1)[1]
    chapters = re.split(r"\\chapter\*?\{", body)[1:]
    for chapter in chapters:
        title = chapter.split("}", 1)[0]
        text = re.sub(r"\\label\{[^}]*\}|\\[a-zA-Z]+\*?|[{}\s%]", "", chapter)
        assert len(text) > 200, f"the chapter {title!r} is empty in the PDF"


def test_theorems_carry_the_pages_numbers():
    page = built(HTML / "law_of_parsimony.html").read_text(encoding="utf-8")
    page = re.sub(r"<[^>]+>", "", page)
    number = re.search(r"Theorem (\d+(?:\.\d+)*)\s+\(Law of parsimony\)", page)
    assert number, "the page does not number the law of parsimony"
    text = pdf_text(built(LATEX / f"{NAME}.pdf"))
    shown = rf"Theorem {re.escape(number.group(1))}\s+\(Law of parsimony\)"
    assert re.search(shown, text), f"the PDF does not number it {number.group(1)}"


def test_the_a4_edition_is_on_a4():
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo (poppler-utils) is needed")
    run = ["pdfinfo", str(built(A4))]
    info = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info, info
