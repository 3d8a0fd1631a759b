"""Reader notebooks (``_ext/reader_notebooks.py``): plain Markdown and MathJax, no MyST.

The conversion is tested on a notebook that uses every construct the chapters use; the
built reader notebooks, when the book is built, are checked for leftovers: a MyST fence,
a role, the ``\\R`` macro, and (in the student ones) a solution. One plain notebook runs
top to bottom in a fresh virtual environment that has only a Jupyter kernel: its first
cell installs the rest.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))
import reader_notebooks  # noqa: E402

READER = ROOT / "_build" / "html" / "reader"
LEFTOVER = re.compile(r"(`{3,}|:{3,})\{|\{[\w:]+\}`|\\R(?![A-Za-z])|^\([\w-]+\)=", re.M)

SOURCE = """(chap-demo)=
# A demo

As {cite:t}`yaras2023law` show and {cite:p}`hu2022lora,kwon2024efficient` use, see
{ref}`chap-demo` and {prf:ref}`thm-demo`; a {term}`energy fraction <fraction>` of
{glue:text}`demo-share:.2f` in $\\R^d$, not $\\Re z$.

```{prf:theorem} Demo
:label: thm-demo
Every $W\\in\\R^{m\\times n}$ has an SVD.
```

````{exercise} Try it?
:label: ex-demo
Compute it.

```python
print(1)
```
````

````{solution} ex-demo
:class: dropdown
Use `torch.linalg.svd`.
````
"""


def convert(solutions):
    nb = {
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": SOURCE}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    bib = reader_notebooks.bibliography((ROOT / "references.bib").read_text())
    labels = reader_notebooks.labels_of(nb)
    out = reader_notebooks.convert(nb, bib, {"demo-share": 0.4567}, labels, solutions)
    return out["cells"][0]["source"]


def test_conversion_leaves_plain_markdown():
    text = convert(solutions=True)
    assert not LEFTOVER.findall(text), LEFTOVER.findall(text)
    assert "Yaras et al. (2023)" in text
    assert "(Hu et al. 2022; Kwon et al. 2024)" in text
    assert "*A demo*" in text and "*Theorem (Demo)*" in text
    assert "energy fraction of\n0.46" in text.replace(" 0.46", "\n0.46")
    assert "\\mathbb{R}^d" in text and "\\Re z" in text
    assert "> **Theorem: Demo.**" in text
    assert "> ```python\n> print(1)\n> ```" in text  # code stays a code block
    assert "<summary>Solution</summary>" in text


def test_student_conversion_drops_solutions():
    text = convert(solutions=False)
    assert "Solution" not in text and "torch.linalg.svd" not in text
    assert "**Exercise: Try it?**" in text  # no "?." after a question


BUILT = sorted(READER.glob("*/*.ipynb"))


@pytest.mark.skipif(not BUILT, reason="build the book first (see README)")
@pytest.mark.parametrize("path", BUILT, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_built_reader_notebook_is_plain(path):
    nb = json.loads(path.read_text())
    text = "\n".join(
        "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"
    )
    assert not LEFTOVER.findall(text), f"{path.name}: {LEFTOVER.findall(text)[:5]}"
    if path.parent.name == "student":
        assert "<summary>Solution" not in text, f"{path.name} contains solutions"
    assert all(c.get("outputs", []) == [] for c in nb["cells"] if "outputs" in c)


@pytest.mark.skipif(not BUILT, reason="build the book first (see README)")
def test_download_button_serves_the_plain_notebook():
    for path in sorted((READER / "plain").glob("*.ipynb")):
        served = READER.parent / "_sources" / "chapters" / path.name
        assert served.read_text() == path.read_text(), served


def test_install_cell_carries_a_wheel_and_is_folded():
    nb = {
        "cells": [
            {"cell_type": "code", "id": "install-lrdlib", "metadata": {}, "source": ""}
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    source = reader_notebooks.install_cell("lrdlib-9.9.9-py3-none-any.whl", b"wheel")
    (cell,) = reader_notebooks.convert(nb, {}, {}, {}, True, source)["cells"]
    assert cell["source"] == source and cell["metadata"]["cellView"] == "form"
    assert 'LRDLIB_VERSION = "9.9.9"' in source and '"d2hlZWw="' in source
    compile(source, "install cell", "exec")


def pinned(requirements: Path) -> str:
    """The book's pins, as a pip constraints file (editable installs left out)."""
    lines = requirements.read_text().splitlines()
    return "\n".join(line for line in lines if "==" in line) + "\n"


FRESH_CHAPTER = READER / "plain" / "whitening.ipynb"


@pytest.mark.skipif(not FRESH_CHAPTER.exists(), reason="build the book first")
def test_plain_notebook_runs_in_a_fresh_environment(tmp_path, monkeypatch):
    """The whitening chapter's plain notebook, top to bottom, in a virtual environment
    that starts with a Jupyter kernel (ipykernel) and nothing else: its install cell
    installs lrdlib from the wheel it carries and the rest from the package index (the
    book's pins as constraints, so pip takes the versions the book is built with), and
    its glued numbers need no myst-nb (nor Sphinx) in the reader's kernel."""
    import nbformat
    from nbclient import NotebookClient

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(pinned(ROOT / "requirements.txt"))
    monkeypatch.setenv("PIP_CONSTRAINT", str(constraints))
    monkeypatch.delenv("PYTHONPATH", raising=False)
    pip = [str(python), "-m", "pip", "install", "--quiet", "ipykernel"]
    subprocess.run(pip, check=True)
    kernels = tmp_path / "jupyter"
    subprocess.run(
        [str(python), "-m", "ipykernel", "install", "--prefix", str(kernels)]
        + ["--name", "fresh-venv"],
        check=True,
        capture_output=True,
    )
    monkeypatch.setenv("JUPYTER_PATH", str(kernels / "share" / "jupyter"))
    missing = subprocess.run(
        [str(python), "-c", "import lrdlib"], capture_output=True, cwd=tmp_path
    ).returncode
    assert missing, "the fresh environment already has lrdlib"
    nb = nbformat.read(FRESH_CHAPTER, as_version=4)
    NotebookClient(
        nb,
        kernel_name="fresh-venv",
        timeout=900,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    installed = subprocess.run(
        [str(python), "-c", "import lrdlib, pandas; print(lrdlib.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout
    assert str(venv) in installed  # lrdlib came from the notebook, into the venv
    without_myst = subprocess.run(
        [str(python), "-c", "import myst_nb"], capture_output=True, cwd=tmp_path
    ).returncode
    assert without_myst, "myst-nb was installed: glue needs lrdlib.book.glue only"
    shown = [
        o.output_type
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "image/png" in o.get("data", {})
    ]
    assert shown, "the notebook ran but showed no figure"
