"""Computed values for the text: myst-nb's ``glue`` in the book, a display elsewhere.

The chapters name every number their prose quotes with ``glue(name, value)``. In the
book build myst-nb stores it for ``{glue:text}`name``` roles; in Jupyter or Colab
without myst-nb (a reader notebook) the value is simply displayed when asked, so the
notebooks need no Sphinx in the reader's kernel.
"""

from __future__ import annotations

from typing import Any


def glue(name: str, value: Any, display: bool = True) -> None:
    """Name ``value`` for the text as ``name``; show it when ``display`` is true."""
    try:
        from myst_nb import glue as myst_glue
    except ModuleNotFoundError:
        if display:
            from IPython.display import display as show

            show(value)
        return
    myst_glue(name, value, display=display)
