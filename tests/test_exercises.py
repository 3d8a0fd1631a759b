"""The exercise checkers accept right answers and reject wrong ones."""

import torch

from lrdlib import losses, models, rng
from lrdlib.book import exercises


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


def test_lowrank_parameter_checker():
    def right(d, m, K, r):
        return d * m + 2 * m * m + K * m, r * (d + r + m) + 2 * r * (2 * m + r) + K * m

    assert exercises.check_lowrank_parameters(right)
    assert not exercises.check_lowrank_parameters(
        lambda d, m, K, r: (right(d, m, K, r)[0], 3 * r * (d + m))
    )


def test_half_time_checker():
    import math

    def right(s, sigma0, lr):
        return math.log(s / sigma0 - 1) / (2 * s) / lr

    assert exercises.check_half_time(right)
    assert not exercises.check_half_time(lambda s, sigma0, lr: right(s, sigma0, lr) * 2)


def test_half_learned_scale_checker():
    assert exercises.check_half_learned_scale(lambda s, L: (s / 2) ** (1 / L))
    assert not exercises.check_half_learned_scale(lambda s, L: s ** (1 / L))


def test_orthonormal_scatter_checker():
    assert exercises.check_orthonormal_scatter(
        lambda n, K: (1 - 1 / n, 1 / n - 1 / (n * K))
    )
    assert not exercises.check_orthonormal_scatter(lambda n, K: (1, 1 / n))


def test_separation_depth_checker():
    import math

    def right(eps, L, K, n):
        C0, q = K * (n - 1) / (K - 1), eps**2 / n ** (1 / L)
        l = math.floor(math.log(1e-2 / C0) / math.log(q)) + 1
        return l if l <= L - 1 else None

    assert exercises.check_separation_depth(right)
    assert not exercises.check_separation_depth(lambda *a: 3)


def test_whitening_rotation_checker():
    assert exercises.check_whitening_rotation(lambda Tz, Tp: Tz @ torch.linalg.inv(Tp))
    assert not exercises.check_whitening_rotation(lambda Tz, Tp: Tz @ Tp.T)


def test_largest_components_checker():
    def right(X):
        return int(torch.linalg.matrix_rank(X - X.mean(dim=1, keepdim=True)))

    assert exercises.check_largest_components(right)
    assert not exercises.check_largest_components(lambda X: min(X.shape))


def test_compressing_map_checker():
    diag = torch.diag(torch.tensor([1.0, 0.1], dtype=torch.float64))
    assert exercises.check_compressing_map(lambda: diag)
    assert not exercises.check_compressing_map(lambda: torch.eye(2))
    assert not exercises.check_compressing_map(lambda: torch.zeros(2, 2))


def test_chance_level_checker():
    from lrdlib import measures

    def right(n, k):
        g = torch.Generator().manual_seed(5)
        draws = [
            measures.top_energy_fraction(
                torch.randn(n, n, generator=g, dtype=torch.float64), k
            )
            for _ in range(10)
        ]
        return sum(draws) / len(draws)

    assert exercises.check_chance_level(right)
    assert not exercises.check_chance_level(lambda n, k: k / n)


def test_subspace_split_checker():
    assert exercises.check_subspace_split(
        lambda g, V: (V @ (V.T @ g), g - V @ (V.T @ g))
    )
    # the top-k coordinates instead of the projection
    assert not exercises.check_subspace_split(lambda g, V: (V @ V.T @ g, 0 * g))


def test_neighbour_alignment_checker():
    def right(W, W_next, k):
        U = torch.linalg.svd(W)[0][:, :k]
        V = torch.linalg.svd(W_next)[2][:k].T
        return torch.diagonal(torch.abs(V.T @ U)).mean()

    def no_abs(W, W_next, k):
        U = torch.linalg.svd(W)[0][:, :k]
        V = torch.linalg.svd(W_next)[2][:k].T
        return torch.diagonal(V.T @ U).mean()

    assert exercises.check_neighbour_alignment(right)
    assert not exercises.check_neighbour_alignment(no_abs)
