"""One figure style for the book, and the figures several chapters share.

``subplots`` gives every figure the text column's width (panels share it) and the book's
style; ``singular_value_groups`` draws the law of parsimony's picture: the top ``r``
singular values in red, the bottom ``r`` in green, the rest in blue, with ``ρ(t)``
dashed and a legend for the code.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch

from ..measures import block_form
from . import figure_check

COLUMN_WIDTH = figure_check.COLUMN_WIDTH  # inches: the text column at the figures' dpi
GROUP_COLORS = {"top": "tab:red", "middle": "tab:blue", "bottom": "tab:green"}
STYLE = {
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "legend.fontsize": 8,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 100,
}


def subplots(nrows: int = 1, ncols: int = 1, *, height: float | None = None, **kw):
    """``plt.subplots(nrows, ncols)`` at the text column's width, in the book's style.

    The figure is checked for overlapping or tiny text and a legend on the data when
    it is drawn, if ``LRDLIB_FIGURE_CHECK`` is set (``figure_check``).

    height : inches; default 3.4 per row of panels (3.8 for a single column).
    """
    height = (3.4 if ncols > 1 else 3.8) * nrows if height is None else height
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(COLUMN_WIDTH, height), layout="constrained", **kw
        )
    figure_check.watch(fig)
    return fig, axes


def singular_value_groups(
    ax,
    steps: np.ndarray,
    singular_values: np.ndarray,
    r: int,
    rho: np.ndarray | None = None,
    legend: bool = True,
    ylabel: str = "singular values",
):
    """σ_i(t) of one layer, coloured top ``r`` / middle / bottom ``r``.

    ``ρ(t)`` is drawn dashed when given.

    Parameters
    ----------
    steps
        ``(T,)``.
    singular_values
        ``(T, d)``, descending.
    rho
        ``(n + 1,)``, indexed by step.
    """
    S = np.asarray(singular_values)
    groups = {"top": S[:, :r], "middle": S[:, r:-r], "bottom": S[:, -r:]}
    labels = {
        "top": f"top {r}",
        "middle": f"middle {S.shape[1] - 2 * r}",
        "bottom": f"bottom {r}",
    }
    for name, values in groups.items():
        lines = ax.plot(
            steps, values, color=GROUP_COLORS[name], lw=1 if name != "middle" else 0.8
        )
        lines[0].set_label(labels[name])
    if rho is not None:
        ax.plot(np.arange(len(rho)), rho, "k--", lw=1.2, label=r"$\rho(t)$")
    ax.set(xlabel="step $t$", ylabel=ylabel)
    if legend:
        ax.legend(loc="best")
    return ax


def block_heatmap(
    ax, W: torch.Tensor, U: torch.Tensor, V: torch.Tensor, vmin: float = -16
):
    """Heat map of ``log10 |Uᵀ W V|``: the block structure of the law of parsimony."""
    B = block_form(W, U, V).abs().cpu().numpy()
    im = ax.imshow(
        np.log10(np.maximum(B, 10.0**vmin)), cmap="viridis", vmin=vmin, vmax=1
    )
    ax.set(xticks=[], yticks=[])
    ax.figure.colorbar(im, ax=ax, fraction=0.046, label=r"$\log_{10}|U^\top W V|$")
    return ax
