"""Build a teaching edition of the book from the same sources.

    python tools/build_edition.py teacher  # solutions shown   → _build/teacher/...
    python tools/build_edition.py student  # solutions removed → _build/student/...
    python tools/build_edition.py a4 --builder pdflatex  # the book's PDF on A4 paper

Each lands in ``_build/<edition>/_build/html`` (``latex`` with ``--builder pdflatex``).
The student edition sets sphinx-exercise's ``hide_solutions``, which drops every
``solution`` block from the rendered pages; the A4 edition is the book itself, printed
on A4 instead of US letter paper. Every edition reads the book build's jupyter-cache, so
after the book is built no notebook runs again. Extra arguments are passed to
``jupyter-book build`` (e.g. ``-W -n --keep-going``).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
EDITIONS = ("teacher", "student", "a4")


def lrdlib_digest() -> str:
    """A short hash of lrdlib's source files."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "lrdlib").rglob("*.py")):
        digest.update(
            path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes()
        )
    return digest.hexdigest()[:12]


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in EDITIONS:
        print(__doc__)
        return 2
    edition, extra = sys.argv[1], sys.argv[2:]
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    sphinx = config["sphinx"]["config"]
    if edition == "a4":
        sphinx["latex_elements"]["papersize"] = "a4paper"
    else:
        config["title"] = f"{config['title']} ({edition} edition)"
    sphinx["hide_solutions"] = edition == "student"
    # The editions differ only in rendering: they read the executed notebooks from the
    # book build's jupyter-cache (_build/.jupyter_cache), so no chapter runs twice. The
    # cache keys on code cells, not on lrdlib: it is emptied when lrdlib changes.
    cache = ROOT / "_build" / ".jupyter_cache"
    stamp = cache / "lrdlib.digest"
    if stamp.exists() and stamp.read_text() != lrdlib_digest():
        shutil.rmtree(cache)
    cache.mkdir(parents=True, exist_ok=True)
    stamp.write_text(lrdlib_digest())
    config["execute"] |= {"execute_notebooks": "cache", "cache": str(cache)}
    with tempfile.NamedTemporaryFile(
        "w", suffix=".yml", dir=ROOT, delete=False
    ) as handle:
        yaml.safe_dump(config, handle, allow_unicode=True)
    try:
        cmd = [
            "jupyter-book",
            "build",
            str(ROOT),
            "--config",
            handle.name,
            "--path-output",
            f"_build/{edition}",
            *extra,
        ]
        return subprocess.call(cmd, cwd=ROOT)
    finally:
        Path(handle.name).unlink()


if __name__ == "__main__":
    sys.exit(main())
