"""Checkers for the exercises of Part II, the law of parsimony (Chapters 4–6)."""

from __future__ import annotations

import math

import torch

from ... import data, measures
from .verdict import verdict


def check_orthonormal_scatter(reader_fn) -> bool:
    """Check ``reader_fn(n, K) -> (tr Σ_W, tr Σ_B)`` for orthonormal inputs.

    There are ``N = Kn`` inputs in ``K`` classes of ``n``; the traces are compared with
    ``measures.class_scatter``.
    """
    wrong = []
    for n, K in ((2, 3), (5, 4), (10, 5)):
        X = data.orthogonal_inputs(n * K, n * K, seed=0)
        expected = measures.class_scatter(X, torch.arange(n * K) % K)
        within, between = (float(v) for v in reader_fn(n, K))
        if not (
            math.isclose(within, expected.within, rel_tol=1e-9)
            and math.isclose(between, expected.between, rel_tol=1e-9)
        ):
            wrong.append(
                f"n={n}, K={K}: ({expected.within:.4f}, "
                f"{expected.between:.4f}), you gave ({within:.4f}, {between:.4f})"
            )
    return verdict(wrong, "both traces for three class sizes")


def check_separation_depth(reader_fn) -> bool:
    """Check ``reader_fn(eps, depth, K, n) -> l``, the first well-separated layer.

    It is the first layer with predicted ``C_l = C_0 (ε²/n^{1/L})^l < 10⁻²``
    (``C_0 = K(n−1)/(K−1)``), or ``None`` if no layer ``l ≤ L − 1`` gets there.
    """
    wrong = []
    for eps, depth, K, n in ((0.5, 8, 5, 10), (0.9, 8, 5, 10), (0.7, 16, 3, 20)):
        C0, q = K * (n - 1) / (K - 1), eps**2 / n ** (1 / depth)
        layers = [l for l in range(depth) if C0 * q**l < 1e-2]
        expected = layers[0] if layers else None
        answer = reader_fn(eps, depth, K, n)
        if answer != expected:
            wrong.append(
                f"ε={eps}, L={depth}, K={K}, n={n}: {expected}, you gave {answer}"
            )
    return verdict(wrong, "the first separated layer in three settings")
