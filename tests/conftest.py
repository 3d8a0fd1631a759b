"""Small-size chapter runs: papermill prepares, nbval executes, each notebook once.

With ``--nbval-lax`` (the README's test command), every chapter is written to
``_smallruns/`` with the small sizes and other seed of
``tests/test_notebooks.py::SMALL`` injected by papermill (``prepare_only``: nothing runs
yet), and that folder is added to the paths pytest collects, so nbval executes each
prepared notebook once and fails on any error, the check cells included. The full-size
runs happen once, in the book build.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
SMALL_RUNS = (
    ROOT / "_smallruns"
)  # at the depth of chapters/, so relative paths still resolve


def pytest_configure(config):
    if not config.getoption("nbval_lax", default=False):
        return
    import papermill
    from test_notebooks import NOTEBOOKS, SMALL

    shutil.rmtree(SMALL_RUNS, ignore_errors=True)
    SMALL_RUNS.mkdir()
    for notebook in NOTEBOOKS:
        papermill.execute_notebook(
            str(notebook),
            str(SMALL_RUNS / notebook.name),
            parameters=SMALL[notebook.stem],
            prepare_only=True,
            kernel_name="python3",
            progress_bar=False,
        )
    config.args.append(str(SMALL_RUNS))


@pytest.fixture(
    params=[
        "cpu",
        pytest.param(
            "cuda",
            marks=pytest.mark.skipif(
                not torch.cuda.is_available(), reason="needs a CUDA device"
            ),
        ),
    ]
)
def device(request) -> torch.device:
    """Where a test's tensors live: the CPU always, and a GPU where one is present
    (the same claims, to the same tolerances)."""
    return torch.device(request.param)


@pytest.fixture
def judge(capsys):
    """Run an exercise checker and check how it reports; return its verdict.

    A checker returns a bool and prints "correct: …", or "wrong: …" with a "Hint:";
    ``hidden`` are strings (the expected answer, as the checker could print it) that
    must not appear in what it prints.
    """

    def run(checker, *args, hidden=(), **kwargs):
        ok = checker(*args, **kwargs)
        printed = capsys.readouterr().out.strip()
        assert isinstance(ok, bool)
        assert printed.startswith("correct:" if ok else "wrong:"), printed
        if not ok:
            assert "Hint:" in printed, f"a wrong answer gets a hint: {printed}"
        for answer in hidden:
            assert str(answer) not in printed, f"the checker gave away {answer}"
        return ok

    return run
