"""lrdlib: the gradient-descent core of the book *Low-Rank Training Dynamics*.

Chapters call ``lrdlib.<module>.<function>``; the version is printed in every chapter's setup cell so
that a reader can tell which library a figure was made with.
"""

__version__ = "0.1.0"

from . import compress, data, datasets, dln, exercises, features, init, losses, lowrank, plots, subspace, theory, timing, widgets  # noqa: E402,F401
