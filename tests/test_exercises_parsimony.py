"""The checkers of Part II (the law of parsimony):
right answers pass; wrong ones fail with a hint, never the answer."""

import math

from lrdlib.book import exercises


def test_orthonormal_scatter_checker():
    assert exercises.check_orthonormal_scatter(
        lambda n, K: (1 - 1 / n, 1 / n - 1 / (n * K))
    )
    assert not exercises.check_orthonormal_scatter(lambda n, K: (1, 1 / n))


def test_separation_depth_checker():

    def right(eps, L, K, n):
        C0, q = K * (n - 1) / (K - 1), eps**2 / n ** (1 / L)
        l = math.floor(math.log(1e-2 / C0) / math.log(q)) + 1
        return l if l <= L - 1 else None

    assert exercises.check_separation_depth(right)
    assert not exercises.check_separation_depth(lambda *a: 3)
