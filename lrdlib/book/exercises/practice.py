"""Checkers for Part IV: CNNs, transformers, the tiny subspace (Chapters 10, 11, 14)."""

from __future__ import annotations

import torch

from ... import measures, rng
from .verdict import verdict


def check_conv_patches(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(images (N, c, s, s), k) -> (c·k², N·s²)``, the patch matrix.

    A 3×3 convolution (padding 1) must equal its kernel, reshaped to ``out × c·k²``,
    times the patches. Prints the verdict and returns it.
    """
    g = rng.check_random_state(seed)
    images = torch.randn(3, 2, 5, 5, generator=g)
    conv = torch.nn.Conv2d(2, 4, 3, padding=1, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.randn(4, 2, 3, 3, generator=g))
        expected = conv(images).permute(1, 0, 2, 3).reshape(4, -1)
        P = torch.as_tensor(reader_fn(images, 3))
        if P.shape != (18, 75):
            print(f"wrong: patches should have shape (18, 75), got {tuple(P.shape)}")
            return False
        err = float((conv.weight.reshape(4, -1) @ P - expected).abs().max())
    if err > 1e-5:
        print(f"wrong: W @ patches differs from the convolution by up to {err:.2e}")
        return False
    print("correct: the kernel as a matrix times your patches is the convolution")
    return True


def check_chance_level(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(n, k) -> f``, the top-``k`` energy share of a Gaussian matrix.

    The share is the expected one of an ``n × n`` Gaussian matrix, within 0.02 of a
    20-draw estimate.
    """
    g = rng.check_random_state(seed)
    wrong = []
    for n, k in ((64, 20), (128, 20), (32, 4)):
        draws = [
            measures.top_energy_fraction(
                torch.randn(n, n, generator=g, dtype=torch.float64), k
            )
            for _ in range(20)
        ]
        expected = sum(draws) / len(draws)
        answer = float(reader_fn(n, k))
        if abs(answer - expected) > 0.02:
            wrong.append(f"n={n}, k={k}: about {expected:.3f}, you gave {answer:.3f}")
    return verdict(wrong, "within 0.02 of the chance level for three shapes")


def check_subspace_split(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(g, V) -> (inside, outside)`` for orthonormal ``V (n, k)``.

    ``inside`` must be the orthogonal projection of ``g (n,)`` onto the span of ``V``
    (Dom-SGD's step direction) and ``outside`` the rest (Bulk-SGD's), on three random
    problems; a wrong answer gets a hint, never the expected vector.
    """
    g = rng.check_random_state(seed)
    for n, k in ((20, 3), (50, 10), (8, 1)):
        V = torch.linalg.qr(torch.randn(n, k, generator=g, dtype=torch.float64))[0]
        grad = torch.randn(n, generator=g, dtype=torch.float64)
        inside, outside = (
            torch.as_tensor(x, dtype=torch.float64) for x in reader_fn(grad, V)
        )
        if inside.shape != (n,) or outside.shape != (n,):
            print(f"wrong: both parts must be vectors of length {n}, like g.")
            return False
        if float((inside + outside - grad).abs().max()) > 1e-10:
            print("wrong: the two parts must add up to g. Hint: outside = g − inside.")
            return False
        if float((V.T @ outside).abs().max()) > 1e-10:
            print(
                "wrong: the outside part still has components along V. Hint: the "
                "projection onto span(V) is V Vᵀ g when V has orthonormal columns."
            )
            return False
    print("correct: your split is the projection onto span(V) and its complement")
    return True


def check_neighbour_alignment(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(W, W_next, k) -> score``, Yunis et al.'s alignment score.

    The score is the mean of the diagonal of ``|V_nextᵀ U|`` over the top ``k`` left
    singular vectors ``U`` of ``W`` and right singular vectors ``V_next`` of
    ``W_next``. Tested on a perfectly aligned pair (score 1) and random pairs.
    """
    g = rng.check_random_state(seed)
    for n, k in ((30, 4), (50, 10)):
        U = torch.linalg.qr(torch.randn(n, n, generator=g, dtype=torch.float64))[0]
        V = torch.linalg.qr(torch.randn(n, n, generator=g, dtype=torch.float64))[0]
        S = torch.diag(torch.linspace(3.0, 0.1, n, dtype=torch.float64))
        W = U @ S @ V.T
        W_next = V @ S @ U.T  # its right singular vectors are W's left ones
        if abs(float(reader_fn(W, W_next, k)) - 1) > 1e-8:
            print(
                "wrong: a pair whose singular vectors match should score 1. Hint: "
                "compare W's left singular vectors with W_next's right ones."
            )
            return False
        A = torch.randn(n, n, generator=g, dtype=torch.float64)
        B = torch.randn(n, n, generator=g, dtype=torch.float64)
        Ua = torch.linalg.svd(A)[0][:, :k]
        Vb = torch.linalg.svd(B)[2][:k].T
        expected = float(torch.diagonal(torch.abs(Vb.T @ Ua)).mean())
        if abs(float(reader_fn(A, B, k)) - expected) > 1e-8:
            print(
                "wrong: on a random pair your score differs from the definition. Hint: "
                "take absolute values (singular vectors have no sign) and average the "
                "k diagonal entries, in order of the singular values."
            )
            return False
    print("correct: your score is Yunis et al.'s on aligned and random pairs")
    return True
