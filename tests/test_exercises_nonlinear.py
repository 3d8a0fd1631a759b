"""The checkers of Part III (nonlinear networks):
right answers pass; wrong ones fail with a hint, never the answer."""

import torch

from lrdlib.book import exercises


def test_fraction_and_stable_rank_checker():
    s2 = torch.tensor([1.0] + [0.8] * 5 + [5 / 44] * 44, dtype=torch.float64)
    W = torch.diag(s2.sqrt())
    assert exercises.check_fraction_and_stable_rank(W, 6, 0.5, 10.0)
    assert not exercises.check_fraction_and_stable_rank(W, 6, 0.9, 10.0)  # impossible
    assert not exercises.check_fraction_and_stable_rank(torch.eye(50), 6, 0.5, 10.0)


def test_lowrank_parameter_checker():
    def right(d, m, K, r):
        return d * m + 2 * m * m + K * m, r * (d + r + m) + 2 * r * (2 * m + r) + K * m

    assert exercises.check_lowrank_parameters(right)
    assert not exercises.check_lowrank_parameters(
        lambda d, m, K, r: (right(d, m, K, r)[0], 3 * r * (d + m))
    )
