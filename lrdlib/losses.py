"""End-to-end losses of a deep linear network, as functions of its product ``P = W_L ⋯ W_1``.

Each loss gives ``value(P)`` and ``grad(P) = ∂ℓ/∂P``; ``dln.gradients`` chains the latter through the
layers. Working with ``P`` instead of the data keeps one GD step at ``O(L d³)`` whatever ``N`` is.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .data import whitening_error


@dataclass
class Regression:
    """Squared loss ``½‖P X − Y‖_F²`` stored through ``Φ = Y Xᵀ`` and ``C = X Xᵀ``.

    ``gram`` is ``None`` for whitened ``X`` (``C = I``); the loss is then ``½‖P − Φ‖² + ½(‖Y‖² − ‖Φ‖²)``,
    which is exact to rounding even at tiny loss.
    """

    phi: torch.Tensor  # (d_y, d)
    gram: torch.Tensor | None  # (d, d) or None when X is whitened
    y_sq: float  # ‖Y‖_F²

    @classmethod
    def from_data(cls, X: torch.Tensor, Y: torch.Tensor, whitened_tol: float = 1e-12) -> "Regression":
        """Build from ``X (d, N)`` and ``Y (d_y, N)``; ``X`` counts as whitened if ``‖XXᵀ−I‖_F ≤ tol·√d``."""
        if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
            raise ValueError(
                f"X must be (d, N) and Y (d_y, N) with the same N; got X {tuple(X.shape)}, Y {tuple(Y.shape)}"
            )
        whitened = whitening_error(X) <= whitened_tol * X.shape[0] ** 0.5
        return cls(Y @ X.T, None if whitened else X @ X.T, float((Y * Y).sum()))

    @classmethod
    def from_target(cls, phi: torch.Tensor) -> "Regression":
        """Whitened regression onto ``Φ`` (for example ``X = I``, ``Y = Φ``): loss ``½‖P − Φ‖²``."""
        return cls(phi, None, float((phi * phi).sum()))

    def grad(self, P: torch.Tensor) -> torch.Tensor:
        """``∂ℓ/∂P = P C − Φ``, shape ``(d_y, d)``."""
        if P.shape != self.phi.shape:
            raise ValueError(f"the network maps R^{P.shape[1]} → R^{P.shape[0]}, but Φ has shape {tuple(self.phi.shape)}")
        return (P if self.gram is None else P @ self.gram) - self.phi

    def value(self, P: torch.Tensor, grad: torch.Tensor) -> float:
        """Loss at ``P`` given ``grad = self.grad(P)`` (reused, so no extra matmul)."""
        if self.gram is None:
            return 0.5 * float((grad * grad).sum()) + 0.5 * (self.y_sq - float((self.phi * self.phi).sum()))
        return 0.5 * float((P * (grad - self.phi)).sum()) + 0.5 * self.y_sq


@dataclass
class Completion:
    """Matrix completion ``½‖mask ⊙ (P − target)‖_F²`` over the observed entries."""

    target: torch.Tensor  # (d_y, d)
    mask: torch.Tensor  # (d_y, d), 1 where observed

    def grad(self, P: torch.Tensor) -> torch.Tensor:
        return self.mask * (P - self.target)

    def value(self, P: torch.Tensor, grad: torch.Tensor) -> float:
        return 0.5 * float((grad * grad).sum())

    def recovery_error(self, P: torch.Tensor) -> float:
        """Relative error ``‖P − target‖_F / ‖target‖_F`` over all entries, observed or not."""
        return float(torch.linalg.matrix_norm(P - self.target) / torch.linalg.matrix_norm(self.target))
