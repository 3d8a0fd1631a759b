"""The book's layer of lrdlib: what only the chapters need, on top of the core.

- ``plots``: figures in the book's style
- ``widgets``: sliders that work on the static page and in a live kernel
- ``exercises``: the checkers of the chapters' exercises
- ``benchmarks``: timings for the performance tables

It needs the ``[book]`` extra (``pip install "lrdlib[book]"``: matplotlib, ipywidgets,
scikit-learn, mlxtend, pandas). The core (``import lrdlib``) never imports this package.
"""

from . import benchmarks, exercises, plots, widgets

__all__ = ["benchmarks", "exercises", "plots", "widgets"]
