"""Point the book at its public repository: launch buttons and the install cell.

    python tools/set_repository.py https://github.com/ORG/REPO [--branch main]
    python tools/set_repository.py --check  # exit 1 if config and notebooks disagree

Launch buttons need the repository's URL, which only its owners know, so this writes it
in one go:

- ``_config.yml`` gets a ``repository`` / ``launch_buttons`` block (Binder always, Colab
  for GitHub); without it the book shows no launch buttons (jupyter-book would otherwise
  point them at its own repo).
- every notebook that imports lrdlib gets (or updates) a first code cell, hidden on the
  rendered page, that installs lrdlib from the repository when the kernel lacks it
  (Colab, a downloaded notebook).

Run it once and commit the result. The Pages workflow runs it with the repository it
deploys from.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "_config.yml"
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))
MARKER = "# --- repository and launch buttons: written by `python tools/set_repository.py URL` ---"  # noqa: E501
CELL_ID = "install-lrdlib"

INSTALL_CELL = """\
# Colab, or any kernel without lrdlib: install the book's package from its repository.
LRDLIB_SOURCE = {source!r}  # set by `python tools/set_repository.py URL`
try:
    import lrdlib
except ModuleNotFoundError:
    if not LRDLIB_SOURCE:
        raise ModuleNotFoundError(
            "lrdlib is missing: run `pip install -r requirements.txt` in the book's "
            "repository (see its README)"
        ) from None
    import importlib
    import subprocess
    import sys

    pip = [sys.executable, "-m", "pip", "install", "--quiet", LRDLIB_SOURCE]
    subprocess.check_call(pip)
    importlib.invalidate_caches()
    import lrdlib"""


def pip_source(url: str, branch: str) -> str:
    """The pip requirement that installs lrdlib from ``url`` at ``branch``."""
    return f"lrdlib[notebooks] @ git+{url.rstrip('/')}@{branch}"


def config_block(url: str, branch: str) -> str:
    """The ``_config.yml`` block that turns on the repository links and launch
    buttons."""
    parsed = urlparse(url)
    if parsed.scheme != "https" or len([p for p in parsed.path.split("/") if p]) != 2:
        raise ValueError(
            f"{url!r} is not a repository URL: give https://HOST/OWNER/REPO"
        )
    colab = (
        "  colab_url: https://colab.research.google.com\n"
        if parsed.netloc == "github.com"
        else ""
    )
    return (
        f"{MARKER}\nrepository:\n  url: {url.rstrip('/')}\n  branch: {branch}\n"
        f"launch_buttons:\n  binderhub_url: https://mybinder.org\n{colab}  "
        "notebook_interface: jupyterlab\n"
        "html:\n  use_repository_button: true\n  use_issues_button: true\n"
        "  use_edit_page_button: true\n"
    )


def with_config_block(config_text: str, url: str, branch: str) -> str:
    """``config_text`` with its repository block replaced by (or extended with) the one
    for ``url``."""
    base = config_text.split(MARKER)[0].rstrip("\n")
    clash = {"repository", "launch_buttons", "html"} & set(yaml.safe_load(base) or {})
    if clash:
        raise ValueError(
            f"_config.yml already sets {sorted(clash)} above the block this tool "
            "writes: "
            "move those settings into the tool's block (tools/set_repository.py)"
        )
    return f"{base}\n\n{config_block(url, branch)}"


def configured_source(config_text: str) -> str:
    """The pip source that ``config_text`` implies: empty when no repository block was
    written."""
    if MARKER not in config_text:
        return ""
    repository = yaml.safe_load(config_text)["repository"]
    return pip_source(repository["url"], repository["branch"])


def imports_lrdlib(nb: dict) -> bool:
    code = "".join(
        "".join(c["source"])
        for c in nb["cells"]
        if c["cell_type"] == "code" and c.get("id") != CELL_ID
    )
    return re.search(r"^\s*(import|from) lrdlib\b", code, re.MULTILINE) is not None


def with_install_cell(nb: dict, source: str) -> dict:
    """``nb`` with its install cell (first code cell, removed from the rendered page)
    set to install ``source``."""
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "id": CELL_ID,
        "metadata": {"tags": ["remove-cell"]},
        "outputs": [],
        "source": INSTALL_CELL.format(source=source).splitlines(keepends=True),
    }
    cells = [c for c in nb["cells"] if c.get("id") != CELL_ID]
    first_code = next(
        (i for i, c in enumerate(cells) if c["cell_type"] == "code"), len(cells)
    )
    return {**nb, "cells": [*cells[:first_code], cell, *cells[first_code:]]}


def install_cell_source(nb: dict) -> str | None:
    """The source a notebook's install cell would install from; None if it has no
    install cell."""
    for c in nb["cells"]:
        if c.get("id") == CELL_ID:
            match = re.search(
                r"^LRDLIB_SOURCE = (.*?)  #", "".join(c["source"]), re.MULTILINE
            )
            return ast.literal_eval(match.group(1)) if match else None
    return None


def write_notebooks(source: str, notebooks=NOTEBOOKS) -> None:
    for path in notebooks:
        nb = json.loads(path.read_text())
        if imports_lrdlib(nb):
            path.write_text(
                json.dumps(with_install_cell(nb, source), indent=1, ensure_ascii=False)
                + "\n"
            )


def problems(config_text: str, notebooks=NOTEBOOKS) -> list[str]:
    """What disagrees between the config and the notebooks' install cells (empty when
    consistent)."""
    expected = configured_source(config_text)
    found = []
    for path in notebooks:
        nb = json.loads(path.read_text())
        if not imports_lrdlib(nb):
            continue
        source = install_cell_source(nb)
        if source is None:
            found.append(f"{path.name} has no install cell")
        elif source != expected:
            found.append(
                f"{path.name} installs from {source!r}, _config.yml implies "
                f"{expected!r}"
            )
        elif (
            next(c for c in nb["cells"] if c["cell_type"] == "code").get("id")
            != CELL_ID
        ):
            found.append(f"{path.name}: the install cell is not the first code cell")
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url", nargs="?", help="https://github.com/ORG/REPO")
    parser.add_argument("--branch", default="main")
    parser.add_argument(
        "--check",
        action="store_true",
        help="only check that config and notebooks agree",
    )
    args = parser.parse_args(argv)
    if args.check:
        found = problems(CONFIG.read_text())
        print("\n".join(found) or "config and install cells agree")
        return 1 if found else 0
    if not args.url:
        parser.error("give the repository URL, or --check")
    text = with_config_block(CONFIG.read_text(), args.url, args.branch)
    CONFIG.write_text(text)
    write_notebooks(configured_source(text))
    print(f"launch buttons and install cells now point at {args.url} ({args.branch})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
