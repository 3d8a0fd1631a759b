"""The footer of every page: which lrdlib made the figures, and when the book was built.

The build date is ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else today; the
version is the installed lrdlib's, the one every chapter printed in its setup cell.
"""

from __future__ import annotations

import datetime
import os


def build_date() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = (
        datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
        if epoch
        else datetime.datetime.now(datetime.timezone.utc)
    )
    return when.date().isoformat()


def footer_text() -> str:
    import lrdlib

    return f"lrdlib {lrdlib.__version__} · built {build_date()}"


def add_footer(app, config) -> None:
    options = dict(config.html_theme_options or {})
    extra = options.get("extra_footer", "")
    options["extra_footer"] = f'{extra}<p class="book-version">{footer_text()}</p>'
    config.html_theme_options = options


def setup(app):
    app.connect("config-inited", add_footer)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
