"""Layer-wise features and how well they separate classes: within- and between-class scatter."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .mlp import Activation, activation


@dataclass
class Scatter:
    """Traces of the class scatter matrices of features ``H (p, N)`` with labels ``(N,)``.

    within : ``tr Σ_W = (1/N) Σ_k Σ_{i∈k} ‖h_i − μ_k‖²``.
    between : ``tr Σ_B = Σ_k (N_k/N) ‖μ_k − μ‖²``.
    """

    within: float
    between: float

    @property
    def ratio(self) -> float:
        """``D = tr Σ_W / tr Σ_B``: small when the classes are tight and far apart."""
        return self.within / self.between


def class_scatter(H: torch.Tensor, labels) -> Scatter:
    """Within- and between-class scatter of the columns of ``H (p, N)``, grouped by ``labels (N,)``."""
    labels = torch.as_tensor(labels, device=H.device)
    if H.ndim != 2 or labels.shape != (H.shape[1],):
        raise ValueError(f"H must be (p, N) with one label per column; got H {tuple(H.shape)}, labels {tuple(labels.shape)}")
    classes, counts = labels.unique(return_counts=True)
    if len(classes) < 2:
        raise ValueError("class scatter needs at least two classes (the between-class scatter is 0 otherwise)")
    n = H.shape[1]
    means = torch.stack([H[:, labels == c].mean(dim=1) for c in classes], dim=1)  # (p, K)
    index = torch.searchsorted(classes, labels)
    within = float(((H - means[:, index]) ** 2).sum()) / n
    between = float(((means - H.mean(dim=1, keepdim=True)) ** 2 * (counts.to(H.dtype) / n)).sum())
    return Scatter(within, between)


def layer_features(weights: list[torch.Tensor], X: torch.Tensor, act: Activation | str = "linear") -> list[torch.Tensor]:
    """The input and every hidden layer's output: ``[X, φ(W_1 X), φ(W_2 φ(W_1 X)), …]`` (L entries, the last
    layer's output excluded), each ``(d_l, N)``. ``act="linear"`` gives the deep linear network's features."""
    act = activation(act) if isinstance(act, str) else act
    features = [X]
    for W in weights[:-1]:
        if W.shape[1] != features[-1].shape[0]:
            raise ValueError(f"a layer of shape {tuple(W.shape)} cannot follow features of size {features[-1].shape[0]}")
        features.append(act.fn(W @ features[-1]))
    return features


def separation_ratios(weights: list[torch.Tensor], X: torch.Tensor, labels, act: Activation | str = "linear") -> torch.Tensor:
    """``D_l = tr Σ_W / tr Σ_B`` of the features at depth ``l = 0, …, L−1``: a float64 tensor of shape ``(L,)``."""
    return torch.tensor([class_scatter(H, labels).ratio for H in layer_features(weights, X, act)], dtype=torch.float64)
