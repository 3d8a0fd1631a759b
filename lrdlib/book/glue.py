"""Computed values for the text: myst-nb's ``glue`` in the book, a display elsewhere.

The chapters name every number their prose quotes with ``glue(name, value)``. In the
book build myst-nb stores it for ``{glue:text}`name``` roles; in Jupyter or Colab
without myst-nb (a reader notebook) the value is simply displayed when asked, so the
notebooks need no Sphinx in the reader's kernel.

``number_text`` is the book's one rule for writing a measured number: significant
figures rather than a fixed count of decimals, scientific notation with two figures
for a small number, and a fraction that rounds to 1 (or 0) written as a bound,
"≥ 0.999" (or "≤ 0.001"), never as "1.000". ``glue_number`` glues its text.
"""

from __future__ import annotations

import math
from typing import Any

SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
MINUS = "−"


class Text(str):
    """A string that shows without quotes (``{glue:text}`` uses its repr)."""

    def __repr__(self) -> str:
        return str(self)


def scientific(value: float, figures: int = 2) -> str:
    """``value`` as "2.6 × 10⁻⁶" with ``figures`` significant figures."""
    mantissa, exponent = f"{value:.{figures - 1}e}".split("e")
    power = str(int(exponent)).translate(SUPERSCRIPTS)
    return f"{mantissa.replace('-', MINUS)} × 10{power}"


def number_text(value: float, figures: int = 3, *, fraction: bool = False) -> str:
    """A measured number as the book writes it.

    figures : significant figures (at least 1); a small number (below ``10⁻³`` in
        size) gets scientific notation with two.
    fraction : the value is a share in ``[0, 1]``: shown with ``figures`` decimals,
        and as "≥ 0.99…9" or "≤ 0.00…1" when it would round to 1 or 0 without being
        exactly 1 or 0.
    """
    value = float(value)
    if figures < 1:
        raise ValueError(f"figures must be at least 1, got {figures}")
    if not math.isfinite(value):
        raise ValueError(f"cannot write {value} in the text: the run produced it")
    if fraction:
        if not -1e-12 <= value <= 1 + 1e-12:
            raise ValueError(f"a fraction lies in [0, 1], got {value}")
        step = 10.0**-figures
        if 0 < 1 - value < step / 2:
            return f"≥ {1 - step:.{figures}f}"
        if 0 < value < step / 2:
            return f"≤ {step:.{figures}f}"
        return f"{min(max(value, 0.0), 1.0):.{figures}f}"
    if value == 0:
        return "0"
    if abs(value) < 1e-3:
        return scientific(value, 2)
    digits = max(figures - 1 - math.floor(math.log10(abs(value))), 0)
    return f"{value:.{digits}f}".replace("-", MINUS)


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


def glue_number(
    name: str,
    value: float,
    figures: int = 3,
    *,
    fraction: bool = False,
    display: bool = False,
) -> None:
    """Glue ``number_text(value, figures, fraction=fraction)`` as ``name``.

    The text role is then ``{glue:text}`name``` with no format after the name.
    """
    glue(name, Text(number_text(value, figures, fraction=fraction)), display=display)
