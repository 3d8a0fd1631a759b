"""Initialisers: ε-scaled orthogonal layers, and Gaussian or uniform ones of that norm.

A network is described by its widths ``[d_0, d_1, ..., d_L]``; layer ``l`` is
``W_l ∈ R^{d_l × d_{l−1}}``. The Gaussian and uniform layers are rescaled to the
Frobenius norm of the orthogonal ones. Every initialiser takes one ``seed`` (see
``lrdlib.rng``) and draws the layers in order from it.
"""

from __future__ import annotations

import math

import torch

from .precision import DEFAULT_DTYPE
from .rng import Seed, check_random_state, haar_orthogonal


def check_widths(widths) -> list[int]:
    """``widths`` as a list of ints; ``ValueError`` unless it is ``[d_0, ..., d_L]``.

    At least two positive sizes are needed (``L ≥ 1``).
    """
    widths = [int(w) for w in widths]
    if len(widths) < 2 or min(widths) < 1:
        raise ValueError(
            f"The widths {widths} are not a network: widths must list at least two "
            "positive sizes [d_0, ..., d_L], the input's and every layer's output's."
        )
    return widths


def orthogonal_init(
    widths, eps: float, seed: Seed, *, dtype=DEFAULT_DTYPE, device=None
) -> list[torch.Tensor]:
    """``W_l(0) = ε O_l`` with ``O_l`` Haar-orthogonal.

    A rectangular ``O_l`` has orthonormal rows or columns, whichever side is shorter.
    """
    g = check_random_state(seed)
    widths = check_widths(widths)
    return [
        eps * haar_orthogonal(o, i, g, dtype=dtype, device=device)
        for i, o in zip(widths[:-1], widths[1:])
    ]


def _rescaled(draw, widths, eps, seed, dtype, device) -> list[torch.Tensor]:
    """Layers drawn by ``draw(shape, generator)``, rescaled to the norm of ``ε O_l``."""
    g = check_random_state(seed)
    layers = []
    for i, o in zip(widths[:-1], widths[1:]):
        W = draw((o, i), g)
        W = (W * (eps * math.sqrt(min(o, i)) / torch.linalg.matrix_norm(W))).to(dtype)
        layers.append(W.to(device) if device is not None else W)
    return layers


def gaussian_init(
    widths, eps: float, seed: Seed, *, dtype=DEFAULT_DTYPE, device=None
) -> list[torch.Tensor]:
    """Gaussian layers with ``‖W_l‖_F = ε √min(d_l, d_{l−1})``, the orthogonal norm."""

    def draw(shape, g):
        return torch.randn(*shape, generator=g, dtype=torch.float64)

    return _rescaled(draw, check_widths(widths), eps, seed, dtype, device)


def uniform_init(
    widths, eps: float, seed: Seed, *, dtype=DEFAULT_DTYPE, device=None
) -> list[torch.Tensor]:
    """Uniform(−1, 1) layers rescaled to the Frobenius norm of the orthogonal init."""

    def draw(shape, g):
        return 2 * torch.rand(*shape, generator=g, dtype=torch.float64) - 1

    return _rescaled(draw, check_widths(widths), eps, seed, dtype, device)
