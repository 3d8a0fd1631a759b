"""The teacher's answer key: every exercise with its solution, one PDF.

    python tools/answer_key.py  # after the book build → _build/answer_key/...pdf

Reads each chapter in the table of contents' order, takes its exercises and solutions,
turns their MyST into plain Markdown with the build's glued numbers filled in (the
reader notebooks' converter, ``_ext/reader_notebooks.py``) and builds one Markdown page
into a PDF with ``jupyter-book build --builder pdflatex``. Extra arguments go to that
command.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))
import book_version  # noqa: E402
import reader_notebooks  # noqa: E402

OUT = ROOT / "_build" / "answer_key"
BOOK_LATEX = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
EXERCISE = re.compile(
    r"^(?P<fence>`{3,})\{(?P<kind>exercise|solution)\}[ \t]*(?P<arg>[^\n]*)\n"
    r"(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.S | re.M,
)


def chapters() -> list[Path]:
    """The chapters' notebooks in the table of contents' order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [ROOT / f"{c['file']}.ipynb" for p in toc["parts"] for c in p["chapters"]]
    return [
        path
        for path in files
        if path.exists() and reader_notebooks.is_chapter(json.loads(path.read_text()))
    ]


def answer_key() -> str:
    """The answer key as Markdown: each chapter's exercises, each with its solution."""
    bib = reader_notebooks.bibliography((ROOT / "references.bib").read_text())
    labels = reader_notebooks.all_labels(ROOT)
    executed = ROOT / "_build" / "jupyter_execute" / "chapters"
    lines = [
        "# Answer key",
        "",
        f"*Low-Rank Training Dynamics*, version {book_version.book_version()}: every "
        "exercise of the book with its solution, for teachers. Numbers quoted in an "
        "exercise are those of the book's build.",
        "",
    ]
    for number, path in enumerate(chapters(), start=1):
        nb = json.loads(path.read_text())
        glued = reader_notebooks.glued_values(executed / f"{path.stem}.glue.json")
        convert = reader_notebooks.Converter(labels, bib, glued, solutions=True)
        text = "\n".join(
            "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"
        )
        title = re.search(r"^# (.+)$", text, re.M).group(1)
        found = list(EXERCISE.finditer(text))
        if not found:
            continue
        lines += [f"## {number}. {title}", ""]
        for m in found:
            body = convert.markdown(reader_notebooks.OPTION.sub("", m.group("body")))
            if m.group("kind") == "exercise":
                lines += [f"### Exercise: {convert.markdown(m.group('arg'))}", ""]
            else:
                lines += ["**Solution.**", ""]
            lines += [body.strip(), ""]
    return "\n".join(lines) + "\n"


def main() -> int:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    (OUT / "answer_key.md").write_text(answer_key())
    config = {
        "title": "Low-Rank Training Dynamics: answer key",
        "author": "The Low-Rank Training Dynamics authors",
        "parse": {"myst_enable_extensions": ["amsmath", "dollarmath"]},
        "latex": {"latex_documents": {"targetname": "answer-key.tex"}},
        "sphinx": {
            "config": {
                # as the book's PDF (_config.yml): bbm.sty stands in for a missing
                # TeX Live package, makeindex instead of xindy
                "latex_additional_files": [str(ROOT / "tools" / "latex" / "bbm.sty")],
                "latex_use_xindy": False,
                "latex_theme": "howto",
                "latex_elements": {
                    "preamble": BOOK_LATEX["latex_elements"]["preamble"]
                },
            }
        },
    }
    (OUT / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
    cmd = ["jupyter-book", "build", str(OUT / "answer_key.md"), "--config"]
    cmd += [str(OUT / "_config.yml"), "--builder", "pdflatex", *sys.argv[1:]]
    return subprocess.call(cmd, cwd=OUT)


if __name__ == "__main__":
    sys.exit(main())
