"""Every chapter has at least five graded exercises, at least half of them checkable.

Each exercise opens with its level and time, ``**Basic** · about 10 min`` (levels
Basic, Intermediate, Advanced), followed where a checker exists by ``· checked by
`exercises.check_…```. The solution of a checked exercise calls its checker and every
solution ends with a note on a common mistake (shown in the teacher edition, with the
solutions). Every checker is named by an exercise and tested in its part's test file
with a right answer (``assert judge(exercises.check_…``) and a wrong one
(``assert not judge(exercises.check_…``).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from lrdlib.book import exercises

ROOT = Path(__file__).resolve().parents[1]
MIN_EXERCISES = 5
HEADER = re.compile(
    r"^\*\*(Basic|Intermediate|Advanced)\*\* · about (\d+) min"
    r"(?: · checked by `exercises\.(check_\w+)`)?$"
)
BLOCK = re.compile(r"^(`{3,})\{(exercise|solution)\} *(.*?)\n(.*?)^\1 *$", re.S | re.M)


def chapters() -> list[Path]:
    """The numbered chapters: notebooks that open with learning objectives."""
    found = []
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        first = json.loads(path.read_text())["cells"][0]
        if "**Learning objectives.**" in "".join(first["source"]):
            found.append(path)
    return found


def blocks(path: Path) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """The chapter's exercises, ``label -> (title, body)``, and solutions,
    ``label -> body``."""
    text = "\n".join(
        "".join(cell["source"])
        for cell in json.loads(path.read_text())["cells"]
        if cell["cell_type"] == "markdown"
    )
    found_exercises, solutions = {}, {}
    for _, kind, argument, body in BLOCK.findall(text):
        options = dict(re.findall(r"^:(\w+): *(.*)$", body, re.M))
        body = re.sub(r"^:\w+:.*\n", "", body, flags=re.M).strip()
        if kind == "exercise":
            found_exercises[options.get("label", argument)] = (argument, body)
        else:
            solutions[argument.strip()] = body
    return found_exercises, solutions


def checker_of(body: str) -> str | None:
    match = HEADER.match(body.splitlines()[0]) if body else None
    return match.group(3) if match else None


@pytest.mark.parametrize("path", chapters(), ids=lambda p: p.stem)
def test_graded_and_checkable_exercises(path):
    found, solutions = blocks(path)
    assert len(found) >= MIN_EXERCISES, f"{path.stem}: {len(found)} exercises"
    checked = 0
    for label, (title, body) in found.items():
        first = body.splitlines()[0] if body else ""
        assert HEADER.match(first), (
            f"{path.stem}, exercise {title!r}: open with '**Basic** · about 10 min' "
            "(Basic, Intermediate or Advanced), not {first!r}"
        )
        assert label in solutions, f"{path.stem}: exercise {label} has no solution"
        assert "**Common mistake.**" in solutions[label], (
            f"{path.stem}: the solution of {label} has no '**Common mistake.**' note"
        )
        name = checker_of(body)
        if name:
            checked += 1
            assert name in exercises.CHECKERS, f"{path.stem}: no checker {name}"
            assert f"exercises.{name}(" in solutions[label], (
                f"{path.stem}: the solution of {label} should call {name}"
            )
    assert checked >= math.ceil(len(found) / 2), (
        f"{path.stem}: {checked} of {len(found)} exercises are checkable"
    )


def test_every_checker_is_used_and_tested():
    named = {
        checker_of(body) for path in chapters() for _, body in blocks(path)[0].values()
    }
    for part in exercises.PARTS:
        module = part.__name__.rsplit(".", 1)[-1]
        tests = (ROOT / "tests" / f"test_exercises_{module}.py").read_text()
        for name in (n for n in vars(part) if n.startswith("check_")):
            assert name in named, f"no exercise is checked by {name}"
            for answer, verdict in (("right", "judge("), ("wrong", "not judge(")):
                pattern = rf"assert {re.escape(verdict)}\s*exercises\.{name}\b"
                assert re.search(pattern, tests), (
                    f"{name}: test it with a {answer} answer"
                )
