"""Build a teaching edition of the book from the same sources.

    python tools/build_edition.py teacher   # solutions shown   → _build/teacher/html
    python tools/build_edition.py student   # solutions removed → _build/student/html

The student edition sets sphinx-exercise's ``hide_solutions``, which drops every ``solution`` block
from the rendered pages. Extra arguments are passed to ``jupyter-book build`` (e.g. ``-W -n --keep-going``).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("teacher", "student"):
        print(__doc__)
        return 2
    edition, extra = sys.argv[1], sys.argv[2:]
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["title"] = f"{config['title']} ({edition} edition)"
    config["sphinx"]["config"]["hide_solutions"] = edition == "student"
    with tempfile.NamedTemporaryFile("w", suffix=".yml", dir=ROOT, delete=False) as handle:
        yaml.safe_dump(config, handle, allow_unicode=True)
    try:
        cmd = ["jupyter-book", "build", str(ROOT), "--config", handle.name, "--path-output", f"_build/{edition}", *extra]
        return subprocess.call(cmd, cwd=ROOT)
    finally:
        Path(handle.name).unlink()


if __name__ == "__main__":
    sys.exit(main())
