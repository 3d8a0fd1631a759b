"""The compressed network: a width-2r deep linear network equivalent to the wide one.

``U_{L,1} · W̃_L ⋯ W̃_1 · V_{1,1}ᵀ`` with ``W̃_l(0) = ε I_{2r}``, ``V_{1,1}`` from
``subspace.learning_subspace`` and ``U_{L,1} = W_{L:1}(0) V_{1,1} / ε^L``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from . import dln
from .init import orthogonal_matrix
from .losses import Regression
from .subspace import check_rank, learning_subspace


@dataclass
class CompressedDLN:
    """Frozen or slowly trained outer factors around ``L`` small ``(2r, 2r)`` layers.

    V_in : (d, 2r) orthonormal input basis; U_out : (d_y, 2r) output basis; inner : L × (2r, 2r).
    """

    V_in: torch.Tensor
    U_out: torch.Tensor
    inner: list[torch.Tensor]

    def layers(self) -> list[torch.Tensor]:
        """The network as one chain ``[V_inᵀ, W̃_1, …, W̃_L, U_out]`` for ``dln.train_gd``."""
        return [self.V_in.T, *self.inner, self.U_out]

    def lr_scales(self, gamma: float) -> list[float]:
        """Step-size multipliers: ``γ`` for the outer factors (0 freezes them), 1 inside."""
        return [gamma, *([1.0] * len(self.inner)), gamma]

    def projected_loss(self, loss: Regression) -> Regression:
        """For whitened regression with frozen outer factors: the same loss on the ``(2r, 2r)`` product.

        ``½‖U A Vᵀ − Φ‖² = ½‖A − UᵀΦV‖² + const``; the constant (``‖Φ‖² − ‖UᵀΦV‖²``, zero when Φ
        lies in the subspaces) is kept, so the values equal the full network's loss.
        """
        if loss.gram is not None:
            raise ValueError("projected_loss needs whitened X (XXᵀ = I); train layers() with the full loss instead")
        return Regression(self.U_out.T @ loss.phi @ self.V_in, None, loss.y_sq)


def _orthonormal_check(B: torch.Tensor, name: str) -> None:
    err = float(torch.linalg.matrix_norm(B.T @ B - torch.eye(B.shape[1], dtype=B.dtype, device=B.device)))
    if err > 1e-8:
        raise ValueError(f"{name} must have orthonormal columns (‖BᵀB − I‖_F = {err:.2e}); "
                         "the init must be ε-orthogonal for the compression to be exact")


def compress(weights_init: list[torch.Tensor], loss, r: int, eps: float) -> CompressedDLN:
    """Build the compressed network from the wide network's init and its gradient at init.

    weights_init : the wide ε-orthogonal init ``[W_1(0), …, W_L(0)]``, ``W_1`` of shape ``(d, d)``.
    loss : the training loss (its gradient at init defines the subspace).
    """
    check_rank(r, weights_init[0].shape[1])
    _, grads = dln.gradients(weights_init, loss)
    V11 = learning_subspace(weights_init[0], grads[0], r, eps)
    U_out = dln.end_to_end(weights_init) @ V11 / eps ** len(weights_init)
    _orthonormal_check(U_out, "U_{L,1} = W_{L:1}(0) V_{1,1} / ε^L")
    eye = torch.eye(2 * r, dtype=V11.dtype, device=V11.device)
    return CompressedDLN(V11, U_out, [eps * eye for _ in weights_init])


def random_narrow(d_in: int, d_out: int, r: int, depth: int, eps: float, seed, dtype=torch.float64, device=None) -> CompressedDLN:
    """The same width-2r architecture with random orthonormal outer bases: the ablation baseline."""
    g = torch.Generator().manual_seed(seed) if not isinstance(seed, torch.Generator) else seed
    V = orthogonal_matrix(d_in, 2 * r, g, dtype, device)
    U = orthogonal_matrix(d_out, 2 * r, g, dtype, device)
    eye = torch.eye(2 * r, dtype=dtype, device=device)
    return CompressedDLN(V, U, [eps * eye for _ in range(depth)])
