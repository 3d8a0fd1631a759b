"""Figures the chapters share: singular-value trajectories and block heat maps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from .subspace import block_form


def _axes(ax):
    return ax if ax is not None else plt.subplots(figsize=(5, 3.5))[1]


def plot_singular_values(history, layer: int = 0, ax=None, rho=None, title: str | None = None):
    """σ_i(t) of ``layer`` (0-based) against step; optionally ρ(t) as a dashed overlay."""
    ax = _axes(ax)
    ax.plot(history.steps, history.singular_values[layer], lw=1)
    if rho is not None:
        ax.plot(np.arange(len(rho)), rho, "k--", lw=1.5, label="ρ(t)")
        ax.legend(loc="best")
    ax.set(xlabel="step t", ylabel="singular values", title=title or f"layer {layer + 1}")
    return ax


def plot_block_heatmap(W: torch.Tensor, U: torch.Tensor, V: torch.Tensor, ax=None, title: str = "", vmin=-16):
    """Heat map of ``log10 |Uᵀ W V|``: the block structure of the law of parsimony."""
    ax = _axes(ax)
    B = block_form(W, U, V).abs().cpu().numpy()
    im = ax.imshow(np.log10(np.maximum(B, 10.0 ** vmin)), cmap="viridis", vmin=vmin, vmax=1)
    ax.set(title=title or "log10 |Uᵀ W V|", xticks=[], yticks=[])
    plt.colorbar(im, ax=ax, fraction=0.046)
    return ax
