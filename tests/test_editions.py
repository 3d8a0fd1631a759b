"""The teaching editions: the student edition holds no solution, the teacher's all.

Every solution in the chapters' sources is fingerprinted by its runs of eight words
that occur nowhere else in the book's sources (so a sentence that repeats the exercise
is not a fingerprint). The student edition's every file (pages, search index, served
and reader notebooks) and its PDF's text must hold none of them, and no solution
markup (a ``solution`` class, a ``{solution}`` fence, a folded "Solution", a solution
cell tag); the teacher edition must hold every solution, which shows that the
fingerprints find a solution where there is one.

The teacher's answer key (``tools/answer_key.py``) must hold every solution too. The
editions are built by ``tools/build_edition.py`` after the book (``.ci/run``);
under CI a missing edition is a failure, elsewhere the built-artefact tests skip.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))
import reader_notebooks  # noqa: E402

EDITIONS = ROOT / "_build"
STUDENT = EDITIONS / "student" / "_build"
TEACHER = EDITIONS / "teacher" / "_build"
ANSWER_KEY = EDITIONS / "answer_key" / "_build" / "_page" / "answer_key" / "latex"
SOLUTION = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{solution\}[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.S | re.M,
)
MARKUP = re.compile(
    r'class="solution|\{solution\}|<summary>Solution|"tags": \[[^\]]*"solution'
)
SHINGLE = 8


def words(text: str) -> list[str]:
    """The lower-case words and identifiers of ``text`` (tags, maths, punctuation
    dropped)."""
    text = html.unescape(re.sub(r"</?[A-Za-z][^<>]*>", " ", text))
    text = re.sub(
        r"\$[^$]*\$|\\\(.*?\\\)|\\\[.*?\\\]|\\[A-Za-z]+", " ", text, flags=re.S
    )
    return re.findall(r"[a-z_][a-z0-9_]+", text.lower())


def shingles(text: str) -> set[tuple[str, ...]]:
    found = words(text)
    return {tuple(found[i : i + SHINGLE]) for i in range(len(found) - SHINGLE + 1)}


def markdown_of(path: Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] != "code")


class AsRendered(reader_notebooks.Converter):
    """MyST as the pages show it (references as titles), glued numbers left out (the
    word runs skip numbers anyway)."""

    def role(self, m):
        return " " if m.group("role").startswith("glue") else super().role(m)


def code_of(path: Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def solution_fingerprints() -> dict[str, set[tuple[str, ...]]]:
    """``chapter:number`` → the word runs of that solution found nowhere else (not in
    the book's text, nor in its code cells)."""
    bib = reader_notebooks.bibliography((ROOT / "references.bib").read_text())
    convert = AsRendered(reader_notebooks.all_labels(ROOT), bib, {}, solutions=True)
    solutions, rest = {}, set()
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        text = markdown_of(path)
        for i, m in enumerate(SOLUTION.finditer(text), start=1):
            solutions[f"{path.stem}:{i}"] = shingles(convert.markdown(m.group("body")))
        rest |= shingles(convert.markdown(SOLUTION.sub(" ", text)))
        rest |= shingles(code_of(path))
    for path in (ROOT / "chapters").glob("*.md"):
        rest |= shingles(path.read_text())
    return {name: runs - rest for name, runs in solutions.items()}


FINGERPRINTS = solution_fingerprints()


def test_every_solution_has_a_fingerprint():
    assert len(FINGERPRINTS) >= 28
    bare = [name for name, runs in FINGERPRINTS.items() if not runs]
    assert not bare, f"solutions that only repeat the text around them: {bare}"


def text_files(root: Path) -> dict[str, str]:
    """Relative path → text of every text file under ``root``."""
    out = {}
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in {
            ".html",
            ".js",
            ".txt",
            ".ipynb",
            ".json",
        }:
            out[str(path.relative_to(root))] = path.read_text(errors="replace")
    return out


def pdf_text(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is needed to read the PDF")
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def leaks(texts: dict[str, str]) -> list[str]:
    """``file: what`` for every solution or solution markup found in ``texts``."""
    found = []
    for name, text in texts.items():
        if MARKUP.search(text):
            found.append(f"{name}: {MARKUP.search(text).group(0)!r}")
        runs = shingles(text)
        found += [
            f"{name}: solution {solution}"
            for solution, fingerprint in FINGERPRINTS.items()
            if fingerprint & runs
        ]
    return found


def built(path: Path) -> Path:
    """``path``, or skip (fail under CI) if the edition or PDF was not built."""
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: .ci/run builds it before the tests")
        pytest.skip(f"{path.name} is not built: .ci/run builds the editions and PDFs")
    return path


def test_leak_scan_finds_a_solution_and_its_markup():
    name, fingerprint = next(iter(FINGERPRINTS.items()))
    page = "<p>" + " ".join(next(iter(fingerprint))) + "</p>"
    assert leaks({"page.html": page}) == [f"page.html: solution {name}"]
    assert leaks({"x.html": '<div class="solution dropdown">'})
    assert not leaks({"x.html": "<p>An exercise about ranks.</p>"})


def test_student_html_edition_holds_no_solution():
    html_dir = built(STUDENT / "html")
    texts = text_files(html_dir)
    assert any(name.startswith("_sources/chapters/") for name in texts)
    assert not (html_dir / "reader" / "plain").exists()
    found = leaks(texts)
    assert not found, found[:10]


def test_student_pdf_holds_no_solution():
    if shutil.which("xelatex") is None:
        pytest.skip("XeLaTeX is needed for the PDF (.ci/run installs it as root)")
    latex = built(STUDENT / "latex")
    (pdf,) = latex.glob("*.pdf")
    found = leaks({pdf.name: pdf_text(pdf)})
    assert not found, found[:10]


def test_student_download_buttons_serve_student_notebooks():
    html_dir = built(STUDENT / "html")
    for served in sorted((html_dir / "_sources" / "chapters").glob("*.ipynb")):
        student = html_dir / "reader" / "student" / served.name
        assert served.read_text() == student.read_text(), served.name


def test_teacher_edition_holds_every_solution():
    texts = text_files(built(TEACHER / "html") / "chapters")
    runs = set().union(*(shingles(text) for text in texts.values()))
    missing = [name for name, fp in FINGERPRINTS.items() if not fp & runs]
    assert not missing, missing


def test_answer_key_holds_every_exercise_and_solution():
    if shutil.which("xelatex") is None:
        pytest.skip("XeLaTeX is needed for the PDF (.ci/run installs it as root)")
    (pdf,) = built(ANSWER_KEY).glob("*.pdf")
    runs = shingles(pdf_text(pdf))
    missing = [name for name, fp in FINGERPRINTS.items() if not fp & runs]
    assert not missing, missing
