"""The exercise checkers accept right answers and reject wrong ones."""

import torch

from lrdlib import exercises, losses, models, rng


def test_gradient_checker():
    def right(weights, X, Y):
        return models.dln_gradients(weights, losses.Regression.from_data(X, Y))[1]

    def transposed(weights, X, Y):
        return [g.T if g.shape[0] == g.shape[1] else g for g in right(weights, X, Y)]

    assert exercises.check_dln_gradients(right)
    assert not exercises.check_dln_gradients(transposed)
    assert not exercises.check_dln_gradients(lambda w, X, Y: right(w, X, Y)[:-1])


def test_orthogonal_sampler_checker():
    assert exercises.check_orthogonal_sampler(lambda n, g: rng.haar_orthogonal(n, n, g))

    def no_fix(n, g):
        return torch.linalg.qr(torch.randn(n, n, generator=g, dtype=torch.float64))[0]

    assert not exercises.check_orthogonal_sampler(no_fix)
    assert not exercises.check_orthogonal_sampler(
        lambda n, g: torch.randn(n, n, generator=g, dtype=torch.float64)
    )


def test_fraction_and_stable_rank_checker():
    s2 = torch.tensor([1.0] + [0.8] * 5 + [5 / 44] * 44, dtype=torch.float64)
    W = torch.diag(s2.sqrt())
    assert exercises.check_fraction_and_stable_rank(W, 6, 0.5, 10.0)
    assert not exercises.check_fraction_and_stable_rank(W, 6, 0.9, 10.0)  # impossible
    assert not exercises.check_fraction_and_stable_rank(torch.eye(50), 6, 0.5, 10.0)
