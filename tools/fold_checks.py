"""Fold every check cell of the chapters on the rendered page.

A check cell holds only assertions (``assert`` statements, possibly inside ``for`` or
``if`` blocks, and comments). On the page it is folded behind a toggle that says what
it holds, "Show the N checks (all passed)": the build stops on a failed check, so a
built page only ever shows passed ones. The computation stays open.

    python tools/fold_checks.py          # rewrite the notebooks' cell metadata
    python tools/fold_checks.py --check  # exit 1 if a check cell is not folded
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"
BLOCKS = (ast.For, ast.If)


def _only_asserts(statements) -> bool:
    for node in statements:
        if isinstance(node, BLOCKS):
            if not _only_asserts(node.body + node.orelse):
                return False
        elif not isinstance(node, ast.Assert):
            return False
    return True


def n_checks(source: str) -> int:
    """The number of ``assert`` statements of a check cell, 0 if it is not one."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return 0
    if not tree.body or not _only_asserts(tree.body):
        return 0
    return sum(isinstance(node, ast.Assert) for node in ast.walk(tree))


def prompt(n: int) -> str:
    return f"Show the {n} check{'s' if n > 1 else ''} (all passed)"


def folded(cell: dict) -> bool:
    """Whether a check cell carries the fold and the prompt for its count."""
    n = n_checks("".join(cell["source"]))
    meta = cell.get("metadata", {})
    return "hide-input" in meta.get("tags", []) and meta.get("mystnb", {}).get(
        "code_prompt_show"
    ) == prompt(n)


def fold(cell: dict) -> None:
    n = n_checks("".join(cell["source"]))
    meta = cell.setdefault("metadata", {})
    tags = meta.setdefault("tags", [])
    if "hide-input" not in tags:
        tags.append("hide-input")
    meta.setdefault("mystnb", {})["code_prompt_show"] = prompt(n)
    meta["mystnb"]["code_prompt_hide"] = "Hide the checks"


def check_cells(nb: dict) -> list[dict]:
    return [
        c
        for c in nb["cells"]
        if c["cell_type"] == "code" and n_checks("".join(c["source"]))
    ]


def main() -> int:
    unfolded = []
    for path in sorted(CHAPTERS.glob("*.ipynb")):
        nb = json.loads(path.read_text())
        cells = [c for c in check_cells(nb) if not folded(c)]
        if "--check" in sys.argv:
            unfolded += [f"{path.name}: {''.join(c['source'])[:60]!r}" for c in cells]
            continue
        for cell in cells:
            fold(cell)
        if cells:
            text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
            path.write_text(text)
            print(f"{path.name}: folded {len(cells)} check cells")
    if unfolded:
        print("check cells not folded (run python tools/fold_checks.py):")
        print("\n".join(unfolded))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
