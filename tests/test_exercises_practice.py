"""The checkers of Part IV (networks in practice):
right answers pass; wrong ones fail with a hint, never the answer."""

import torch

from lrdlib import measures
from lrdlib.book import exercises


def test_conv_patches_checker():
    def right(images, k):
        cols = torch.nn.functional.unfold(images, k, padding=k // 2)
        return cols.permute(1, 0, 2).reshape(cols.shape[1], -1)

    def sample_minor(images, k):  # samples and positions in the wrong order
        cols = torch.nn.functional.unfold(images, k, padding=k // 2)
        return cols.permute(1, 2, 0).reshape(cols.shape[1], -1)

    assert exercises.check_conv_patches(right)
    assert not exercises.check_conv_patches(sample_minor)


def test_chance_level_checker():

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
