"""Invariant subspaces of deep linear networks (the law of parsimony) and how to measure them.

Construction (Yaras et al. 2023, as rebuilt in the book): with ``G = ∇_{W_1} ℓ(0) = U_g Σ V_gᵀ``,
``V_{1,1} = orth[V_g[:, :r], W_1(0)ᵀ U_g[:, :r] / ε]`` (2r columns), ``V_1 = [V_{1,1}, V_{1,1}^⊥]``,
``U_l = W_l(0) V_l / ε`` and ``V_{l+1} = U_l``. Then ``U_lᵀ W_l(t) V_l = diag(W̃_l(t), ρ(t) I_{d−2r})``.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import torch


def principal_angles(A, B) -> np.ndarray:
    """Principal angles (radians, ascending) between the column spans of ``A (d, p)`` and ``B (d, q)``."""
    A = A.detach().cpu().numpy() if isinstance(A, torch.Tensor) else np.asarray(A)
    B = B.detach().cpu().numpy() if isinstance(B, torch.Tensor) else np.asarray(B)
    return np.sort(scipy.linalg.subspace_angles(A, B))


def vector_angles(vectors: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Sign-free angle between matching columns: ``arccos |⟨v_i(t), v_i(ref)⟩|``.

    vectors : (T, d, k) singular vectors over time; reference : (d, k). Returns (T, k) in radians.
    """
    cos = np.abs(np.einsum("tdk,dk->tk", vectors, reference))
    return np.arccos(np.clip(cos, 0.0, 1.0))


def check_rank(r: int, d: int) -> None:
    """Raise ``ValueError`` unless ``1 ≤ r < d/2`` (the invariant block needs 2r < d)."""
    if not 1 <= r or not 2 * r < d:
        raise ValueError(
            f"r = {r} is impossible for width d = {d}: the law needs 1 ≤ r < d/2 so that the "
            f"2r-dimensional learning subspace leaves a complement. Use r ≤ {(d - 1) // 2} or a wider net."
        )


def learning_subspace(W1_init: torch.Tensor, G1_init: torch.Tensor, r: int, eps: float) -> torch.Tensor:
    """``V_{1,1}``: the ``(d, 2r)`` orthonormal basis of the input-side learning subspace.

    W1_init : (d_1, d) first layer at init, ``ε O_1``.
    G1_init : (d_1, d) gradient of the loss w.r.t. ``W_1`` at init.
    Takes ``r`` target directions ``V_g[:, :r]`` and ``r`` directions pulled back through the init
    ``W_1(0)ᵀ U_g[:, :r] / ε`` (r from each side, never the top 2r of a stacked matrix).
    """
    check_rank(r, W1_init.shape[1])
    Ug, _, Vgh = torch.linalg.svd(G1_init, full_matrices=False)
    stacked = torch.cat([Vgh[:r].T, W1_init.T @ Ug[:, :r] / eps], dim=1)
    Q, R = torch.linalg.qr(stacked)
    if torch.abs(torch.diagonal(R)).min() < 1e-10 * torch.abs(torch.diagonal(R)).max():
        raise ValueError("the 2r directions from the gradient at init are linearly dependent; "
                         "pick another seed or check that the target has rank r")
    return Q


def complete_basis(V: torch.Tensor) -> torch.Tensor:
    """``(d, d)`` orthogonal matrix whose first columns are the orthonormal columns of ``V (d, k)``."""
    Q, _ = torch.linalg.qr(V, mode="complete")
    Q[:, : V.shape[1]] = V
    return Q


def layer_bases(weights_init: list[torch.Tensor], V11: torch.Tensor, eps: float) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``[(U_l, V_l)]`` for every square layer: ``V_1 = [V_{1,1}, ⊥]``, ``U_l = W_l(0) V_l / ε``, ``V_{l+1} = U_l``.

    A rectangular last layer (classification, ``d_y < d``) gets ``U_L`` from the SVD of its block
    ``W_L(0) V_L`` restricted to the first 2r columns; it has no ρ block.
    """
    V = complete_basis(V11)
    bases = []
    for W in weights_init:
        if W.shape[0] == W.shape[1]:
            U = W @ V / eps
        else:
            U, _, _ = torch.linalg.svd(W @ V[:, : V11.shape[1]], full_matrices=True)
        bases.append((U, V))
        V = U
    return bases


def rho_square(eps: float, lr: float, n_steps: int, depth: int, weight_decay: float = 0.0) -> np.ndarray:
    """ρ(t), t = 0..n_steps, square target: ``ρ(t) = ρ(t−1)(1 − ηλ − η ρ(t−1)^{2(L−1)})``, ``ρ(0) = ε``."""
    rho = np.empty(n_steps + 1)
    rho[0] = eps
    for t in range(1, n_steps + 1):
        rho[t] = rho[t - 1] * (1 - lr * weight_decay - lr * rho[t - 1] ** (2 * (depth - 1)))
    return rho


def rho_classification(eps: float, lr: float, n_steps: int, weight_decay: float = 0.0) -> np.ndarray:
    """ρ(t) = ε (1 − ηλ)^t for the layers ``l < L`` of a classification net (``d_y = K = r``)."""
    return eps * (1 - lr * weight_decay) ** np.arange(n_steps + 1)


def block_form(W: torch.Tensor, U: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """``Uᵀ W V``: ``W`` in the invariant bases (block diagonal when the law holds)."""
    return U.T @ W @ V


def parsimony_residual(W: torch.Tensor, U: torch.Tensor, V: torch.Tensor, k: int, rho: float | None) -> float:
    """Relative distance of ``Uᵀ W V`` from ``diag(*, ρ I)`` with a ``k × k`` free block.

    Off-diagonal blocks and (if ``rho`` is given) the deviation of the lower block from ``ρ I``,
    in Frobenius norm, divided by ``‖W‖_F``. Zero (to rounding) when the law holds.
    """
    B = block_form(W, U, V)
    off = torch.cat([B[:k, k:].reshape(-1), B[k:, :k].reshape(-1)])
    lower = B[k:, k:]
    if rho is not None:
        lower = lower - rho * torch.eye(lower.shape[0], lower.shape[1], dtype=B.dtype, device=B.device)
    else:
        lower = torch.zeros(0, dtype=B.dtype, device=B.device)
    return float(torch.sqrt((off * off).sum() + (lower * lower).sum()) / torch.linalg.matrix_norm(W))
