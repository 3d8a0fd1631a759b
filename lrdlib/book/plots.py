"""One figure style for the book, and the figures several chapters share.

``subplots`` gives every figure the text column's width (panels share it) and the book's
style; ``legend_below`` and ``legend_beside`` keep legends off the data;
``singular_value_groups`` draws the law of parsimony's picture: the top ``r``
singular values in red, the bottom ``r`` in green, the rest in blue, with ``ρ(t)``
dashed and a legend for the code below the figure.
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
    "legend.fontsize": 8.5,  # 8 pt or more once a tight crop scales it
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


def legend_below(fig, axes, ncols: int = 2, **kw):
    """One legend for ``axes`` (a sequence), below the figure: it covers no data.

    Collects the labelled lines and markers of every axes in order, each label once;
    ``kw`` go to ``fig.legend`` (a ``title``, say).
    """
    handles, labels = [], []
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    if not labels:
        raise ValueError("nothing to put in a legend: label the lines first")
    return fig.legend(handles, labels, loc="outside lower center", ncols=ncols, **kw)


def legend_beside(ax, **kw):
    """``ax``'s legend to the right of the axes, outside the data."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0, **kw)


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
        legend_below(ax.figure, [ax], ncols=4)
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
