"""Checkers for the chapters' code exercises: the reader's answer against lrdlib's.

Each checker prints its verdict, "correct: …" or "wrong: …" with a hint that points at
the mistake without giving the expected answer, and returns it as a bool. The checkers
live in one module per part of the book (Part IV in two); all are importable from here.
"""

from . import adapters_and_hybrids, deep_linear, nonlinear, parsimony, practice

PARTS = (deep_linear, parsimony, nonlinear, practice, adapters_and_hybrids)
CHECKERS = {
    name: checker
    for part in PARTS
    for name, checker in vars(part).items()
    if name.startswith("check_")
}
globals().update(CHECKERS)
__all__ = sorted(CHECKERS)
