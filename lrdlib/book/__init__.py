"""The book's layer of lrdlib: what only the chapters need, on top of the core.

- ``plots``: figures in the book's style
- ``widgets``: sliders that work on the static page and in a live kernel
- ``exercises``: the checkers of the chapters' exercises
- ``benchmarks``: timings for the performance tables
- ``figure_check``: checks that a figure can be read (text, legends)
- ``glue``: computed values for the text (myst-nb's ``glue``, or a plain display)

It needs the ``[book]`` extra (``pip install "lrdlib[book]"``: matplotlib, ipywidgets,
scikit-learn, mlxtend, pandas). The core (``import lrdlib``) never imports this package.
"""

try:
    from . import benchmarks, exercises, figure_check, glue, plots, widgets
except ModuleNotFoundError as missing:
    raise ModuleNotFoundError(
        f"lrdlib.book needs {missing.name}, which is not installed. Install the book's "
        'layer with `pip install "lrdlib[book]"`; the core (`import lrdlib`) works '
        "without it."
    ) from missing

__all__ = [
    "benchmarks",
    "exercises",
    "figure_check",
    "glue",
    "plots",
    "widgets",
]
