"""The exercise checkers accept right answers and reject wrong ones."""

import torch

from lrdlib import dln, exercises, init, losses


def test_gradient_checker():
    def right(weights, X, Y):
        return dln.gradients(weights, losses.Regression.from_data(X, Y))[1]

    def transposed(weights, X, Y):
        return [g.T if g.shape[0] == g.shape[1] else g for g in right(weights, X, Y)]

    assert exercises.check_dln_gradients(right)
    assert not exercises.check_dln_gradients(transposed)
    assert not exercises.check_dln_gradients(lambda w, X, Y: right(w, X, Y)[:-1])


def test_orthogonal_sampler_checker():
    assert exercises.check_orthogonal_sampler(lambda n, g: init.orthogonal_matrix(n, n, g))
    no_fix = lambda n, g: torch.linalg.qr(torch.randn(n, n, generator=g, dtype=torch.float64))[0]  # noqa: E731
    assert not exercises.check_orthogonal_sampler(no_fix)
    assert not exercises.check_orthogonal_sampler(lambda n, g: torch.randn(n, n, generator=g, dtype=torch.float64))
