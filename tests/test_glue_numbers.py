"""The book writes measured numbers one way: significant figures, bounds near 0, 1."""

import html
import math
import re
import sys
from pathlib import Path

import pytest

from lrdlib.book.glue import Text, number_text, scientific

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_ext"))
E_NOTATION = re.compile(r"\d[eE][+-]?\d")


@pytest.mark.parametrize(
    ("value", "figures", "text"),
    [
        (0.9283, 3, "0.928"),
        (12.345, 3, "12.3"),
        (1234.5, 3, "1234"),
        (-0.0123, 2, "−0.012"),
        (2.6e-06, 3, "2.6 × 10⁻⁶"),
        (-9.87e-4, 3, "−9.9 × 10⁻⁴"),
        (0.0, 3, "0"),
    ],
)
def test_significant_figures_and_small_numbers(value, figures, text):
    assert number_text(value, figures) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.99996, "≥ 0.999"),  # "1.000" would claim more than the run shows
        (1.0, "1.000"),
        (0.17, "0.170"),
        (4e-05, "≤ 0.001"),
        (0.0, "0.000"),
    ],
)
def test_fractions_near_one_and_zero_are_bounds(value, text):
    assert number_text(value, 3, fraction=True) == text


def test_a_bound_is_true_of_the_value():
    for value in (1 - 1e-9, 1 - 4.9e-4, 1 - 5.1e-4):
        text = number_text(value, 3, fraction=True)
        if text.startswith("≥"):
            assert value >= float(text[2:])
        else:
            assert math.isclose(float(text), value, abs_tol=5e-4)


def test_bad_values_say_what_is_wrong():
    with pytest.raises(ValueError, match="fraction lies in"):
        number_text(1.2, fraction=True)
    with pytest.raises(ValueError, match="cannot write nan"):
        number_text(float("nan"))
    with pytest.raises(ValueError, match="at least 1"):
        number_text(0.5, 0)


def test_glued_text_shows_without_quotes():
    assert repr(Text(scientific(2.0e-6))) == "2.0 × 10⁻⁶"


def glued_texts() -> list[tuple[str, str]]:
    """``(page, text)`` of every glued value on the built pages."""
    found = []
    for page in sorted((ROOT / "_build" / "html" / "chapters").glob("*.html")):
        for text in re.findall(
            r'<span class="pasted-text">(.*?)</span>', page.read_text()
        ):
            found.append((page.stem, html.unescape(text)))
    return found


def test_the_page_writes_glued_numbers_as_prose():
    from glued_numbers import prose_number

    assert prose_number("2.6e-06") == "2.6 × 10⁻⁶"
    assert prose_number("4e-14") == "4 × 10⁻¹⁴"
    assert prose_number("-0.01") == "−0.01"
    assert prose_number("0.953") == "0.953"
    texts = glued_texts()
    if not texts:
        pytest.skip("build the book first (see README)")
    code_like = [(page, t) for page, t in texts if E_NOTATION.search(t)]
    assert not code_like, f"numbers written as code on the page: {code_like[:5]}"
