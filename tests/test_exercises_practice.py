"""The checkers of Part IV (networks in practice):
right answers pass; wrong ones fail with a hint, never the answer."""

import math

import scipy.linalg
import torch

from lrdlib import measures, track
from lrdlib.book import exercises


def test_conv_patches_checker(judge):
    def right(images, k):
        cols = torch.nn.functional.unfold(images, k, padding=k // 2)
        return cols.permute(1, 0, 2).reshape(cols.shape[1], -1)

    def sample_minor(images, k):  # samples and positions in the wrong order
        cols = torch.nn.functional.unfold(images, k, padding=k // 2)
        return cols.permute(1, 2, 0).reshape(cols.shape[1], -1)

    def no_permute(images, k):  # unfold's (N, c·k², s²) reshaped as it is
        cols = torch.nn.functional.unfold(images, k, padding=k // 2)
        return cols.reshape(-1, cols.shape[0] * cols.shape[2]).T

    assert judge(exercises.check_conv_patches, right)
    assert not judge(exercises.check_conv_patches, sample_minor)
    assert not judge(exercises.check_conv_patches, no_permute, hidden=["(18, 75)"])


def test_chance_level_checker(judge):
    def right(n, k):
        g = torch.Generator().manual_seed(5)
        draws = [
            measures.top_energy_fraction(
                torch.randn(n, n, generator=g, dtype=torch.float64), k
            )
            for _ in range(10)
        ]
        return sum(draws) / len(draws)

    levels = [f"{right(n, k):.3f}" for n, k in ((64, 20), (128, 20), (32, 4))]
    assert judge(exercises.check_chance_level, right)
    # the share of a flat spectrum
    assert not judge(exercises.check_chance_level, lambda n, k: k / n, hidden=levels)


def test_penultimate_gradient_checker(judge):
    def right(W_pen, W_L, H, y, relu=False):
        Z = W_pen @ H
        A = torch.relu(Z) if relu else Z
        P = torch.softmax(W_L @ A, dim=0)
        delta = (P - torch.nn.functional.one_hot(y, W_L.shape[0]).T) / H.shape[1]
        back = W_L.T @ delta
        if relu:
            back = back * (Z > 0)
        return back @ H.T

    def no_mask(W_pen, W_L, H, y, relu=False):
        return right(W_pen, W_L, H, y, relu=False)

    def summed(W_pen, W_L, H, y, relu=False):  # the sum, not the mean, over samples
        return right(W_pen, W_L, H, y, relu) * H.shape[1]

    assert judge(exercises.check_penultimate_gradient, right)
    assert not judge(exercises.check_penultimate_gradient, no_mask)
    assert not judge(exercises.check_penultimate_gradient, summed)


def test_subspace_split_checker(judge):
    assert judge(
        exercises.check_subspace_split,
        lambda g, V: (V @ (V.T @ g), g - V @ (V.T @ g)),
    )
    # the outside part forgotten
    assert not judge(exercises.check_subspace_split, lambda g, V: (V @ V.T @ g, 0 * g))
    # the coefficients Vᵀg instead of the projected vector
    assert not judge(exercises.check_subspace_split, lambda g, V: (V.T @ g, g))


def test_neighbour_alignment_checker(judge):
    def right(W, W_next, k):
        U = torch.linalg.svd(W)[0][:, :k]
        V = torch.linalg.svd(W_next)[2][:k].T
        return torch.diagonal(torch.abs(V.T @ U)).mean()

    def no_abs(W, W_next, k):
        U = torch.linalg.svd(W)[0][:, :k]
        V = torch.linalg.svd(W_next)[2][:k].T
        return torch.diagonal(V.T @ U).mean()

    assert judge(exercises.check_neighbour_alignment, right)
    assert not judge(exercises.check_neighbour_alignment, no_abs)


def test_hessian_vector_product_checker(judge):
    def right(f, x, v):
        x = x.detach().requires_grad_()
        (g,) = torch.autograd.grad(f(x), x, create_graph=True)
        return torch.autograd.grad(g @ v, x)[0]

    def gradient_only(f, x, v):
        x = x.detach().requires_grad_()
        return torch.autograd.grad(f(x), x)[0] * v

    def no_graph(f, x, v):
        x = x.detach().requires_grad_()
        (g,) = torch.autograd.grad(f(x), x)
        return torch.autograd.grad(g @ v, x)[0]

    assert judge(exercises.check_hessian_vector_product, right)
    assert not judge(exercises.check_hessian_vector_product, gradient_only)
    assert not judge(exercises.check_hessian_vector_product, no_graph)


def test_update_subspace_dimension_checker(judge):
    def right(shapes, k):
        return sum(min(k, *shape) ** 2 for shape in shapes)

    def rank_k_matrices(shapes, k):
        return sum(k * (r + c) for r, c in shapes)

    def uncapped(shapes, k):
        return len(shapes) * k * k

    hidden = [str(right([(64, 64), (64, 64), (10, 64)], 2))]
    assert judge(exercises.check_update_subspace_dimension, right)
    assert not judge(
        exercises.check_update_subspace_dimension, rank_k_matrices, hidden=hidden
    )
    assert not judge(exercises.check_update_subspace_dimension, uncapped)


def test_forced_layers_checker(judge):
    def right(model, k):
        return [n for n, W in track.weight_matrices(model).items() if min(W.shape) <= k]

    def parameter_shapes(model, k):  # kernels in their 4-D shape
        return [
            n
            for n, p in model.named_parameters()
            if n.endswith("weight") and p.ndim >= 2 and min(p.shape) <= k
        ]

    def strict(model, k):
        return [n for n, W in track.weight_matrices(model).items() if min(W.shape) < k]

    assert judge(exercises.check_forced_layers, right)
    assert not judge(exercises.check_forced_layers, parameter_shapes)
    assert not judge(exercises.check_forced_layers, strict)


def test_largest_angle_checker(judge):
    def right(A, B):
        cosines = torch.linalg.svdvals(A.T @ B)
        return math.acos(min(1.0, float(cosines.min())))

    def smallest(A, B):  # the smallest principal angle
        cosines = torch.linalg.svdvals(A.T @ B)
        return math.acos(min(1.0, float(cosines.max())))

    assert judge(exercises.check_largest_angle, right)
    assert judge(
        exercises.check_largest_angle,
        lambda A, B: scipy.linalg.subspace_angles(A.numpy(), B.numpy()).max(),
    )
    assert not judge(exercises.check_largest_angle, smallest)


def test_update_columns_checker(judge):
    def right(W0, W, k):
        delta = W - W0
        s = torch.linalg.svdvals(delta)
        energy = float((s**2).sum())
        return (
            float((s[:k] ** 2).sum()) / energy,
            energy / float(s[0] ** 2),
            float(delta.norm() / W0.norm()),
        )

    def change_of_now(W0, W, k):  # relative to W instead of W(0)
        share, stable, _ = right(W0, W, k)
        return share, stable, float((W - W0).norm() / W.norm())

    def unsquared(W0, W, k):
        s = torch.linalg.svdvals(W - W0)
        _, stable, change = right(W0, W, k)
        return float(s[:k].sum() / s.sum()), stable, change

    assert judge(exercises.check_update_columns, right)
    assert not judge(exercises.check_update_columns, change_of_now)
    assert not judge(exercises.check_update_columns, unsquared)
