"""Reader notebooks (``_ext/reader_notebooks.py``): plain Markdown and MathJax, no MyST.

The conversion is tested on a notebook that uses every construct the chapters use; the
built reader notebooks, when the book is built, are checked for leftovers: a MyST fence,
a role, the ``\\R`` macro, and (in the student ones) a solution.
"""

import json
import re
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
