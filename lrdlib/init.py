"""Initialisers: ε-scaled orthogonal layers, and Gaussian/uniform layers of the same Frobenius norm.

A network is described by its widths ``[d_0, d_1, ..., d_L]``; layer ``l`` is ``W_l ∈ R^{d_l × d_{l−1}}``.
"""

from __future__ import annotations

import math

import torch

from .tensors import DEFAULT_DTYPE, make_generator


def orthogonal_matrix(rows: int, cols: int, seed, dtype=DEFAULT_DTYPE, device=None) -> torch.Tensor:
    """Haar-random ``(rows, cols)`` matrix with orthonormal rows (``rows ≤ cols``) or columns.

    QR of a Gaussian matrix, with the signs of ``R``'s diagonal moved into ``Q`` (without that fix
    the distribution is not uniform).
    """
    g = make_generator(seed)
    tall = rows >= cols
    A = torch.randn(max(rows, cols), min(rows, cols), generator=g, dtype=dtype)
    Q, R = torch.linalg.qr(A)
    Q = Q * torch.sign(torch.diagonal(R))
    Q = Q if tall else Q.T
    return Q.to(device) if device is not None else Q


def _check_widths(widths) -> list[int]:
    widths = [int(w) for w in widths]
    if len(widths) < 2 or min(widths) < 1:
        raise ValueError(f"widths must list at least two positive sizes [d_0, ..., d_L], got {widths}")
    return widths


def orthogonal_init(widths, eps: float, seed, dtype=DEFAULT_DTYPE, device=None) -> list[torch.Tensor]:
    """``W_l(0) = ε O_l`` with ``O_l`` orthogonal (orthonormal rows or columns for rectangular layers)."""
    g = make_generator(seed)
    widths = _check_widths(widths)
    return [eps * orthogonal_matrix(o, i, g, dtype, device) for i, o in zip(widths[:-1], widths[1:])]


def _rescaled(draw, widths, eps, seed, dtype, device) -> list[torch.Tensor]:
    """Layers drawn by ``draw(shape, generator)``, each rescaled to the norm of ``ε O_l``."""
    g = make_generator(seed)
    layers = []
    for i, o in zip(widths[:-1], widths[1:]):
        W = draw((o, i), g).to(dtype)
        W = W * (eps * math.sqrt(min(o, i)) / torch.linalg.matrix_norm(W))
        layers.append(W.to(device) if device is not None else W)
    return layers


def gaussian_init(widths, eps: float, seed, dtype=DEFAULT_DTYPE, device=None) -> list[torch.Tensor]:
    """Gaussian layers with ``‖W_l‖_F = ε √min(d_l, d_{l−1})``, the norm of the orthogonal init."""
    draw = lambda shape, g: torch.randn(*shape, generator=g, dtype=torch.float64)  # noqa: E731
    return _rescaled(draw, _check_widths(widths), eps, seed, dtype, device)


def uniform_init(widths, eps: float, seed, dtype=DEFAULT_DTYPE, device=None) -> list[torch.Tensor]:
    """Uniform(−1, 1) layers rescaled to the Frobenius norm of the orthogonal init."""
    draw = lambda shape, g: 2 * torch.rand(*shape, generator=g, dtype=torch.float64) - 1  # noqa: E731
    return _rescaled(draw, _check_widths(widths), eps, seed, dtype, device)
