"""The book's version and build date: every page's footer and the PDF's title page.

The book's version is ``release`` in ``_config.yml`` (``book_version``); the build date
is ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else today; lrdlib's version is
the installed one, the one every chapter printed in its setup cell.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def book_version(config_file: Path = ROOT / "_config.yml") -> str:
    """The book's version: ``sphinx.config.release`` in ``_config.yml``."""
    return str(yaml.safe_load(config_file.read_text())["sphinx"]["config"]["release"])


def build_date() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = (
        datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
        if epoch
        else datetime.datetime.now(datetime.timezone.utc)
    )
    return when.date().isoformat()


def footer_text(release: str) -> str:
    import lrdlib

    return (
        f"Low-Rank Training Dynamics {release} · lrdlib {lrdlib.__version__} · "
        f"built {build_date()}"
    )


LICENCE = (
    "Text and figures: Creative Commons Attribution 4.0 (CC BY 4.0). Code (lrdlib and "
    "the notebooks' code cells): MIT License."
)


def title_page(config) -> str:
    """The PDF's title page (LaTeX): title, authors, version, build date, licence."""
    import lrdlib

    return rf"""\begin{{titlepage}}
\centering
\vspace*{{4cm}}
{{\Huge\bfseries {config.html_title or config.project}\par}}
\vspace{{0.8cm}}
{{\Large An executable textbook\par}}
\vspace{{2.5cm}}
{{\Large {config.author}\par}}
\vfill
{{\large Version {config.release} \textperiodcentered{{}} {build_date()}\par}}
\vspace{{0.3cm}}
{{\normalsize Figures and numbers computed with lrdlib {lrdlib.__version__}\par}}
\vspace{{1cm}}
{{\small {LICENCE}\par}}
\end{{titlepage}}"""


def add_version(app, config) -> None:
    options = dict(config.html_theme_options or {})
    extra = options.get("extra_footer", "")
    text = footer_text(config.release)
    options["extra_footer"] = f'{extra}<p class="book-version">{text}</p>'
    config.html_theme_options = options
    config.version = config.release
    config.latex_elements = dict(config.latex_elements or {})
    config.latex_elements["maketitle"] = title_page(config)


def setup(app):
    app.connect("config-inited", add_version)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
