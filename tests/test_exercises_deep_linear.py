"""The checkers of Part I (deep linear networks):
right answers pass; wrong ones fail with a hint, never the answer."""

import math

import torch

from lrdlib import losses, models, rng
from lrdlib.book import exercises


def test_orthogonal_sampler_checker():
    assert exercises.check_orthogonal_sampler(lambda n, g: rng.haar_orthogonal(n, n, g))

    def no_fix(n, g):
        return torch.linalg.qr(torch.randn(n, n, generator=g, dtype=torch.float64))[0]

    assert not exercises.check_orthogonal_sampler(no_fix)
    assert not exercises.check_orthogonal_sampler(
        lambda n, g: torch.randn(n, n, generator=g, dtype=torch.float64)
    )


def test_half_time_checker():

    def right(s, sigma0, lr):
        return math.log(s / sigma0 - 1) / (2 * s) / lr

    assert exercises.check_half_time(right)
    assert not exercises.check_half_time(lambda s, sigma0, lr: right(s, sigma0, lr) * 2)


def test_half_learned_scale_checker():
    assert exercises.check_half_learned_scale(lambda s, L: (s / 2) ** (1 / L))
    assert not exercises.check_half_learned_scale(lambda s, L: s ** (1 / L))


def test_whitening_rotation_checker():
    assert exercises.check_whitening_rotation(lambda Tz, Tp: Tz @ torch.linalg.inv(Tp))
    assert not exercises.check_whitening_rotation(lambda Tz, Tp: Tz @ Tp.T)


def test_largest_components_checker():
    def right(X):
        return int(torch.linalg.matrix_rank(X - X.mean(dim=1, keepdim=True)))

    assert exercises.check_largest_components(right)
    assert not exercises.check_largest_components(lambda X: min(X.shape))


def test_gradient_checker():
    def right(weights, X, Y):
        return models.dln_gradients(weights, losses.Regression.from_data(X, Y))[1]

    def transposed(weights, X, Y):
        return [g.T if g.shape[0] == g.shape[1] else g for g in right(weights, X, Y)]

    assert exercises.check_dln_gradients(right)
    assert not exercises.check_dln_gradients(transposed)
    assert not exercises.check_dln_gradients(lambda w, X, Y: right(w, X, Y)[:-1])
