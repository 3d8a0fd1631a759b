"""Figures the chapters share: singular-value and angle trajectories, block heat maps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from .subspace import block_form, vector_angles


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


def plot_angles(history, layer: int = 0, side: str = "right", ax=None, reference_index: int = 1, n_show=None):
    """Angle between the i-th singular vector at each recorded step and at ``steps[reference_index]``.

    ``side="right"`` uses ``v_i`` (input side), ``"left"`` uses ``u_i``. The reference is t = 1 by
    default: at t = 0 all singular values of an ε-orthogonal layer are equal and the vectors are not unique.
    """
    if history.right_vectors is None:
        raise ValueError("train with record_vectors=True to plot singular-vector angles")
    vecs = (history.right_vectors if side == "right" else history.left_vectors)[layer]
    ang = vector_angles(vecs[reference_index:], vecs[reference_index])
    ax = _axes(ax)
    k = ang.shape[1] if n_show is None else n_show
    ax.plot(history.steps[reference_index:], ang[:, :k], lw=1)
    name = "v" if side == "right" else "u"
    ax.set(xlabel="step t", ylabel=f"∠({name}_i(t), {name}_i({history.steps[reference_index]})) [rad]",
           title=f"layer {layer + 1}, {side} singular vectors")
    return ax


def plot_block_heatmap(W: torch.Tensor, U: torch.Tensor, V: torch.Tensor, ax=None, title: str = "", vmin=-16):
    """Heat map of ``log10 |Uᵀ W V|``: the block structure of the law of parsimony."""
    ax = _axes(ax)
    B = block_form(W, U, V).abs().cpu().numpy()
    im = ax.imshow(np.log10(np.maximum(B, 10.0 ** vmin)), cmap="viridis", vmin=vmin, vmax=1)
    ax.set(title=title or "log10 |Uᵀ W V|", xticks=[], yticks=[])
    plt.colorbar(im, ax=ax, fraction=0.046)
    return ax
