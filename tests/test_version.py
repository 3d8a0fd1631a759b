"""One version for the book: ``release`` in ``_config.yml``, shown everywhere the book
names its version (CITATION.cff, every page's footer, the PDF's title page, the reader
notebooks). The built artefacts are checked when the book has been built."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))
import book_version  # noqa: E402
import reader_notebooks  # noqa: E402

VERSION = book_version.book_version()
HTML = ROOT / "_build" / "html"
LATEX = ROOT / "_build" / "latex" / "low-rank-training-dynamics.tex"


def test_the_version_is_a_release_number():
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION), VERSION


def test_citation_names_the_book_version():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["version"] == VERSION


def test_footer_names_the_book_and_lrdlib_versions():
    import lrdlib

    text = book_version.footer_text(VERSION)
    assert f"Low-Rank Training Dynamics {VERSION}" in text
    assert f"lrdlib {lrdlib.__version__}" in text


def test_reader_notebooks_name_the_version():
    nb = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    for solutions in (True, False):
        out = reader_notebooks.convert(nb, {}, {}, {}, solutions, book=VERSION)
        assert f"version {VERSION}" in out["cells"][0]["source"]
        meta = out["metadata"]["low_rank_training_dynamics"]
        assert meta == {"version": VERSION, "solutions": solutions}


@pytest.mark.skipif(not HTML.exists(), reason="build the book first (see README)")
def test_built_pages_and_notebooks_show_the_version():
    pages = sorted((HTML / "chapters").glob("*.html"))
    assert pages
    for page in pages:
        assert f"Low-Rank Training Dynamics {VERSION}" in page.read_text(), page.name
    for path in sorted((HTML / "reader").glob("*/*.ipynb")):
        meta = json.loads(path.read_text())["metadata"]["low_rank_training_dynamics"]
        assert meta["version"] == VERSION, path


@pytest.mark.skipif(not LATEX.exists(), reason="build the PDF first (see README)")
def test_pdf_title_page_shows_the_version():
    tex = LATEX.read_text()
    assert "\\begin{titlepage}" in tex and f"Version {VERSION}" in tex
    assert "{\\Huge\\bfseries Low-Rank Training Dynamics\\par}" in tex
