"""Reader notebooks: the chapters as plain Jupyter notebooks that read cleanly anywhere.

The book's sources are MyST notebooks: theorems, exercises, citations, glossary links,
glued numbers and the ``\\R`` macro are rendered by the book, and show raw in Jupyter or
Colab. At the end of every HTML build this extension writes, for each chapter, a plain
notebook (MyST turned into Markdown and MathJax, glued numbers filled in from the
build's run, solutions folded in ``<details>``) and a student notebook (the same without
solutions), and makes the page's download button serve the plain one:

- ``<outdir>/_sources/chapters/<name>.ipynb``: the plain notebook (the download button);
- ``<outdir>/reader/plain/<name>.ipynb`` and ``<outdir>/reader/student/<name>.ipynb``.

Their first cell installs lrdlib where the kernel lacks it (Colab, a fresh environment):
the notebook carries a wheel of the lrdlib it was built with, so it needs no repository
URL and cannot drift from its page.

Once the book has a repository (``tools/set_repository.py``), its Colab and Binder
buttons open the plain notebook too: the Pages workflow publishes the plain notebooks on
the branch ``reader-notebooks`` (as ``chapters/<name>.ipynb``, with a Binder
environment), and ``launch_links_to_reader_branch`` points the chapter pages' launch
links at that branch.

``convert(nb, ...)`` is the whole conversion; ``tests/test_reader_notebooks.py`` checks
its output for leftover MyST.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

DIRECTIVE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}[ \t]*(?P<arg>[^\n]*)\n"
    r"(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.S | re.M,
)
MACRO_R = re.compile(r"\\R(?![A-Za-z])")
OPTION = re.compile(r"^:(\w+):[ \t]*(.*)$", re.M)
ROLE = re.compile(r"\{(?P<role>[\w:]+)\}`(?P<text>[^`]*)`")
TARGET = re.compile(r"^\([\w-]+\)=[ \t]*\n", re.M)
KINDS = {
    "prf:definition": "Definition",
    "prf:theorem": "Theorem",
    "prf:lemma": "Lemma",
    "prf:proposition": "Proposition",
    "prf:corollary": "Corollary",
    "prf:remark": "Remark",
    "prf:algorithm": "Algorithm",
    "prf:proof": "Proof",
    "exercise": "Exercise",
    "admonition": "",
}


def bibliography(bib_text: str) -> dict[str, tuple[str, str]]:
    """key → (authors as cited, year) from a BibTeX file."""
    out = {}
    for entry in re.finditer(r"@\w+\{([^,]+),(.*?)\n\}", bib_text, re.S):
        key, body = entry.group(1).strip(), entry.group(2)
        authors = re.search(r"author\s*=\s*\{(.+?)\},?\s*\n", body, re.S)
        year = re.search(r"year\s*=\s*\{?(\d{4})", body)
        names = [a.split(",")[0].strip() for a in authors.group(1).split(" and ")]
        cited = (
            names[0]
            if len(names) == 1
            else (" and ".join(names) if len(names) == 2 else f"{names[0]} et al.")
        )
        out[key] = (
            cited.replace("{", "").replace("}", ""),
            year.group(1) if year else "",
        )
    return out


def labels_of(nb: dict) -> dict[str, str]:
    """label → its title, for the chapter's targets and directives."""
    out = {}
    text = "\n".join(
        "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"
    )
    for m in re.finditer(r"^\(([\w-]+)\)=[ \t]*\n#+ (.+)$", text, re.M):
        out[m.group(1)] = m.group(2).strip()
    for m in DIRECTIVE.finditer(text):
        label = dict(OPTION.findall(m.group("body"))).get("label")
        if label:
            kind = KINDS.get(m.group("name"), m.group("name"))
            out[label] = (
                f"{kind} ({m.group('arg').strip()})" if m.group("arg") else kind
            )
    return out


class Converter:
    """MyST markdown → plain Markdown, with the book's labels, references and glue."""

    def __init__(self, labels, bib, glued, solutions: bool):
        self.labels, self.bib, self.glued, self.solutions = (
            labels,
            bib,
            glued,
            solutions,
        )

    def cite(self, keys: str, textual: bool) -> str:
        parts = []
        for key in (k.strip() for k in keys.split(",")):
            who, year = self.bib.get(key, (key, ""))
            parts.append(f"{who} ({year})" if textual else f"{who} {year}")
        return "; ".join(parts) if textual else f"({'; '.join(parts)})"

    def role(self, m: re.Match) -> str:
        role, text = m.group("role"), m.group("text")
        if role in ("cite", "cite:p"):
            return self.cite(text, textual=False)
        if role == "cite:t":
            return self.cite(text, textual=True)
        if role in ("ref", "prf:ref", "numref", "doc"):
            target = re.sub(r".*<(.+)>$", r"\1", text)
            return f"*{self.labels.get(target, text)}*"  # a chapter or a block
        if role == "term":
            return re.sub(r"\s*<.+>$", "", text)
        if role.startswith("glue"):
            name, _, fmt = text.partition(":")
            value = self.glued.get(name)
            if value is None:
                return "(computed when the notebook runs)"
            try:
                return format(value, fmt) if fmt else str(value)
            except (TypeError, ValueError):
                return str(value)
        return text

    def directive(self, m: re.Match) -> str:
        name, arg = m.group("name"), m.group("arg").strip()
        body = OPTION.sub("", m.group("body")).strip("\n")
        body = self.markdown(body)
        if name == "solution":
            if not self.solutions:
                return ""
            return f"<details><summary>Solution</summary>\n\n{body}\n\n</details>"
        if name == "literalinclude":
            return f"```\n(see the file {arg} in the book's repository)\n```"
        kind = KINDS.get(name, name.split(":")[-1].capitalize())
        title = f"{kind}: {arg}" if kind and arg else (kind or arg)
        stop = "" if title.endswith((".", "?", "!")) else "."
        return f"> **{title}{stop}**\n>\n" + "\n".join(
            f"> {line}" if line else ">" for line in body.splitlines()
        )

    def markdown(self, text: str) -> str:
        text = TARGET.sub("", text)
        text = DIRECTIVE.sub(self.directive, text)
        text = ROLE.sub(self.role, text)
        return MACRO_R.sub(r"\\mathbb{R}", text)


INSTALL_CELL = """\
#@title Install lrdlib, the book's package, where this kernel lacks it
# This notebook carries lrdlib {version}, the version its page was built with, as a
# wheel (the string below). Where that version is missing (Colab, a fresh environment),
# pip installs it with its dependencies and the chapters' (pandas, PyYAML) from PyPI.
import importlib
import importlib.metadata

LRDLIB_VERSION = "{version}"
LRDLIB_WHEEL = "{wheel}"
try:
    installed = importlib.metadata.version("lrdlib")
except importlib.metadata.PackageNotFoundError:
    installed = None
if installed != LRDLIB_VERSION:
    import base64
    import pathlib
    import subprocess
    import sys
    import tempfile

    wheel = pathlib.Path(tempfile.mkdtemp()) / "{name}"
    wheel.write_bytes(base64.b64decode(LRDLIB_WHEEL))
    pip = [sys.executable, "-m", "pip", "install", "--quiet", f"{{wheel}}[notebooks]"]
    subprocess.check_call(pip)
    importlib.invalidate_caches()"""


def lrdlib_wheel(srcdir: Path) -> tuple[str, bytes]:
    """(file name, bytes) of a wheel of the book's lrdlib, built by pip from a scratch
    copy of its sources (setuptools writes ``build/`` beside the sources it builds)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(
            srcdir / "lrdlib",
            src / "lrdlib",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(srcdir / name, src / name)
        pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet"]
        subprocess.run([*pip, "--no-build-isolation", "-w", tmp, str(src)], check=True)
        wheel = next(Path(tmp).glob("lrdlib-*.whl"))
        return wheel.name, wheel.read_bytes()


def install_cell(wheel_name: str, wheel: bytes) -> str:
    """The source of the reader notebooks' first code cell, carrying ``wheel``."""
    version = wheel_name.split("-")[1]
    encoded = base64.b64encode(wheel).decode("ascii")
    return INSTALL_CELL.format(version=version, wheel=encoded, name=wheel_name)


def glued_values(glue_file: Path) -> dict:
    """name → value of every number glued in a chapter, from myst-nb's
    ``<chapter>.glue.json`` beside the executed notebook (empty if absent)."""
    if not glue_file.exists():
        return {}
    out = {}
    for name, output in json.loads(glue_file.read_text()).items():
        plain = output.get("data", {}).get("text/plain", "")
        try:
            out[name] = json.loads(plain)
        except (TypeError, ValueError):
            out[name] = plain.strip("'\"")
    return out


def convert(
    nb: dict,
    bib: dict,
    glued: dict,
    labels: dict,
    solutions: bool,
    install: str | None = None,
    book: str | None = None,
) -> dict:
    """The plain (``solutions=True``) or student notebook of one chapter.

    bib : ``bibliography(...)``; glued : ``glued_values(...)``; labels : label → title
    over the whole book (``all_labels``); install : the source that replaces the
    chapter's install cell (``install_cell(...)``), folded in Jupyter and Colab;
    book : the book's version, named in a first cell (and the notebook's metadata)."""
    converter = Converter(labels, bib, glued, solutions)
    cells = []
    metadata = dict(nb.get("metadata", {}))
    if book is not None:
        edition = "" if solutions else ", student edition"
        cells.append(
            {
                "cell_type": "markdown",
                "id": "book-version",
                "metadata": {},
                "source": f"*Low-Rank Training Dynamics*, version {book}{edition}.",
            }
        )
        metadata["low_rank_training_dynamics"] = {
            "version": book,
            "solutions": solutions,
        }
    for cell in nb["cells"]:
        cell = json.loads(json.dumps(cell))
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] == "markdown":
            cell["source"] = converter.markdown("".join(cell["source"]))
        elif cell.get("id") == "install-lrdlib" and install is not None:
            cell["source"] = install
            cell["metadata"] = {"cellView": "form", "jupyter": {"source_hidden": True}}
        elif "remove-cell" in tags and cell.get("id") != "install-lrdlib":
            continue
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    return {**nb, "metadata": metadata, "cells": cells}


def is_chapter(nb: dict) -> bool:
    """A chapter opens with its learning objectives; the other notebooks (the course
    guide, the reproducibility page) read the repository's files and are not offered
    as downloads."""
    return "**Learning objectives.**" in "".join(nb["cells"][0]["source"])


DOWNLOAD_ITEM = re.compile(
    r'<li><a href="\.\./_sources/chapters/[\w-]+\.ipynb".*?</li>\n?', re.S
)


def without_download_button(html: str) -> str:
    """A page's HTML with its ``.ipynb`` download item removed."""
    return DOWNLOAD_ITEM.sub("", html)


def all_labels(srcdir: Path) -> dict[str, str]:
    out = {}
    for path in sorted((srcdir / "chapters").glob("*.ipynb")):
        out |= labels_of(json.loads(path.read_text()))
    return out


READER_BRANCH = "reader-notebooks"
READER_EDITIONS = (("plain", True), ("student", False))
# the reader notebook each edition's download button serves
DOWNLOADED = {False: "plain", True: "student"}


def launch_links_to_reader_branch(html: str, repository_url: str, branch: str) -> str:
    """A chapter page with its Colab and Binder links moved from ``branch`` to the
    branch that holds the plain notebooks (the repository and edit links stay)."""
    repo = urlparse(repository_url).path.strip("/")
    html = html.replace(
        f"/github/{repo}/blob/{branch}/chapters/",
        f"/github/{repo}/blob/{READER_BRANCH}/chapters/",
    )
    return html.replace(f"/v2/gh/{repo}/{branch}?", f"/v2/gh/{repo}/{READER_BRANCH}?")


def write_reader_notebooks(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    src, out = Path(app.srcdir), Path(app.outdir)
    bib = bibliography((src / "references.bib").read_text())
    chapters = sorted((src / "chapters").glob("*.ipynb"))
    if not chapters:
        return
    labels = all_labels(src)
    install = install_cell(*lrdlib_wheel(src))
    # The student edition (``hide_solutions``) ships student notebooks only, and its
    # download buttons serve them: no file of its build holds a solution.
    student_edition = bool(getattr(app.config, "hide_solutions", False))
    editions = (("student", False),) if student_edition else READER_EDITIONS
    if student_edition:
        shutil.rmtree(out / "reader" / "plain", ignore_errors=True)
    for path in chapters:
        nb = json.loads(path.read_text())
        if not is_chapter(nb):
            (out / "_sources" / "chapters" / path.name).unlink(missing_ok=True)
            for edition, _ in READER_EDITIONS:
                (out / "reader" / edition / path.name).unlink(missing_ok=True)
            page = out / "chapters" / f"{path.stem}.html"
            if page.exists():
                page.write_text(without_download_button(page.read_text()))
            continue
        glued = glued_values(
            out.parent / "jupyter_execute" / "chapters" / f"{path.stem}.glue.json"
        )
        for edition, solutions in editions:
            reader = convert(
                nb, bib, glued, labels, solutions, install, book=app.config.release
            )
            text = json.dumps(reader, indent=1, ensure_ascii=False) + "\n"
            target = out / "reader" / edition / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            if edition == DOWNLOADED[student_edition]:
                download = out / "_sources" / "chapters" / path.name
                if download.parent.exists():
                    download.write_text(text)
    theme = app.config.html_theme_options
    if theme.get("repository_url") and theme.get("launch_buttons"):
        for page in (out / "chapters").glob("*.html"):
            page.write_text(
                launch_links_to_reader_branch(
                    page.read_text(),
                    theme["repository_url"],
                    theme.get("repository_branch", "main"),
                )
            )


def setup(app):
    app.connect("build-finished", write_reader_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
