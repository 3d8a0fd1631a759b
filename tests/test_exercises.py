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


def test_adapter_parameter_checker():
    def right(d_out, d_in, r, depth):
        w = max(d_out, d_in)
        deep = w * d_in + (depth - 2) * w * w + d_out * w
        return r * (d_in + d_out), deep, r * (d_in + d_out) + depth * r * r

    assert exercises.check_adapter_parameters(right)
    # forgetting the compressed adapter's inner factors
    assert not exercises.check_adapter_parameters(
        lambda *a: (*right(*a)[:2], right(*a)[0])
    )


def test_compression_bases_checker():
    def right(factors, G, k, eps):
        return models.compression_bases(factors, G, k, eps)

    def top_2k_only(factors, G, k, eps):  # the top 2k of the gradient, not k + k
        V = torch.linalg.svd(G)[2][: 2 * k].T
        return models.end_to_end(factors) @ V / eps ** len(factors), V

    assert exercises.check_compression_bases(right)
    assert not exercises.check_compression_bases(top_2k_only)


def test_conv_patches_checker():
    def right(images, k):
        cols = torch.nn.functional.unfold(images, k, padding=k // 2)
        return cols.permute(1, 0, 2).reshape(cols.shape[1], -1)

    def sample_minor(images, k):  # samples and positions in the wrong order
        cols = torch.nn.functional.unfold(images, k, padding=k // 2)
        return cols.permute(1, 2, 0).reshape(cols.shape[1], -1)

    assert exercises.check_conv_patches(right)
    assert not exercises.check_conv_patches(sample_minor)
