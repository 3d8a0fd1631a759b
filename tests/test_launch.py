"""Launch buttons and the notebooks' install cell (tools/set_repository.py)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import lrdlib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import set_repository  # noqa: E402

# a test fixture, not the book's address
EXAMPLE_URL = "https://github.com/example-org/example-book"


def install_cell(nb_path: Path) -> str:
    nb = json.loads(nb_path.read_text())
    return "".join(
        next(c for c in nb["cells"] if c.get("id") == set_repository.CELL_ID)["source"]
    )


def test_committed_install_cells_agree_with_config():
    assert set_repository.problems(set_repository.CONFIG.read_text()) == []


def test_install_cell_without_a_repository_says_how_to_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, "lrdlib", None)  # the kernel has no lrdlib
    with pytest.raises(ModuleNotFoundError, match="pip install -r requirements.txt"):
        exec(set_repository.INSTALL_CELL.format(source=""), {})


def test_install_cell_installs_from_the_configured_source(monkeypatch):
    real = sys.modules["lrdlib"] if "lrdlib" in sys.modules else __import__("lrdlib")
    monkeypatch.setitem(sys.modules, "lrdlib", None)
    calls = []

    def fake_pip(cmd):  # "installs" lrdlib: the module becomes importable again
        calls.append(cmd)
        sys.modules["lrdlib"] = real

    monkeypatch.setattr(subprocess, "check_call", fake_pip)
    source = set_repository.pip_source(EXAMPLE_URL, "main")
    namespace = {}
    exec(set_repository.INSTALL_CELL.format(source=source), namespace)
    assert calls == [
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "lrdlib[notebooks] @ git+" + EXAMPLE_URL + "@main",
        ]
    ]
    assert namespace["lrdlib"] is real


def test_set_repository_writes_one_block_and_matching_cells(tmp_path):
    for nb in set_repository.NOTEBOOKS:
        shutil.copy(nb, tmp_path / nb.name)
    notebooks = sorted(tmp_path.glob("*.ipynb"))
    text = set_repository.CONFIG.read_text()
    for url in (
        "https://github.com/first/book",
        EXAMPLE_URL + "/",
    ):  # a second run replaces the first
        text = set_repository.with_config_block(text, url, "main")
        set_repository.write_notebooks(
            set_repository.configured_source(text), notebooks
        )
    assert text.count(set_repository.MARKER) == 1
    expected = f"lrdlib[notebooks] @ git+{EXAMPLE_URL}@main"
    assert set_repository.configured_source(text) == expected
    assert set_repository.problems(text, notebooks) == []
    assert set_repository.problems(
        set_repository.CONFIG.read_text(), notebooks
    )  # the old config disagrees now
    assert all(
        install_cell(nb).count("LRDLIB_SOURCE =") == 1
        for nb in notebooks
        if set_repository.imports_lrdlib(json.loads(nb.read_text()))
    )


@pytest.mark.parametrize(
    "url",
    ["github.com/org/repo", "https://github.com/org", "http://github.com/org/repo"],
)
def test_set_repository_rejects_what_is_not_a_repository_url(url):
    with pytest.raises(ValueError, match="https://HOST/OWNER/REPO"):
        set_repository.config_block(url, "main")


def test_set_repository_refuses_to_duplicate_settings():
    with pytest.raises(ValueError, match="already sets"):
        set_repository.with_config_block(
            "title: x\nhtml:\n  baseurl: ''\n", EXAMPLE_URL, "main"
        )


def test_launch_buttons_render_with_the_book_config(tmp_path):
    """Build one page with the book's own _config.yml plus the block: Binder, Colab and
    download links."""
    text = set_repository.with_config_block(
        set_repository.CONFIG.read_text(), EXAMPLE_URL, "main"
    )
    (tmp_path / "_config.yml").write_text(text)
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: chapters/page\n")
    for name in ("references.bib", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path)
    for folder in ("_static", "_ext", "lrdlib"):
        shutil.copytree(
            ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__py*")
        )
    nb = set_repository.with_install_cell(
        {
            "cells": [
                {
                    "cell_type": "markdown",
                    "id": "m0",
                    "metadata": {},
                    "source": [
                        "# One page\n\n**Learning objectives.** After it you can\n",
                        "1. read it.\n",
                    ],
                },
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "id": "c0",
                    "metadata": {},
                    "outputs": [],
                    "source": ["import lrdlib\n", "print(lrdlib.__version__)"],
                },
            ],
            "metadata": {
                "kernelspec": {
                    "name": "python3",
                    "display_name": "Python 3",
                    "language": "python",
                }
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        set_repository.configured_source(text),
    )
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "page.ipynb").write_text(json.dumps(nb))
    result = subprocess.run(
        ["jupyter-book", "build", "-W", "-n", "--keep-going", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    built = tmp_path / "_build" / "html"
    html = (built / "chapters" / "page.html").read_text()
    # Binder and Colab open the plain notebook, published on the reader branch
    reader = "example-org/example-book/reader-notebooks"
    assert (
        f"https://mybinder.org/v2/gh/{reader}?urlpath=lab/tree/chapters/page.ipynb"
        in html
    )
    colab = "https://colab.research.google.com/github/example-org/example-book/blob"
    assert f"{colab}/reader-notebooks/chapters/page.ipynb" in html
    plain = json.loads((built / "reader" / "plain" / "page.ipynb").read_text())
    (install,) = [c for c in plain["cells"] if c.get("id") == set_repository.CELL_ID]
    assert "LRDLIB_WHEEL" in "".join(install["source"])
    assert "_sources/chapters/page.ipynb" in html  # download of the plain notebook
    assert EXAMPLE_URL in html  # repository button
    assert "LRDLIB_SOURCE" not in html  # the install cell is not on the rendered page
    assert f"{EXAMPLE_URL}/edit/main/chapters/page.ipynb" in html  # edit button
    assert f"lrdlib {lrdlib.__version__} · built " in html  # the footer
