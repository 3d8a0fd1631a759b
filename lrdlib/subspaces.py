"""The gradient subspace at initialisation: one construction, and bases built from it.

For a layer ``W(0)`` with gradient ``G(0) = P Σ Qᵀ`` at initialisation,
``gradient_subspace`` returns::

    V = orth[Q_k, W(0)ᵀ P_k]   (input side, 2k columns)
    U = orth[P_k, W(0) Q_k]    (output side, 2k columns)

``k`` directions from the gradient on each side and the ``k`` that ``W(0)`` maps them
to, taken from each side separately (never the top ``2k`` of a stacked matrix). It is
the learning subspace of the law of parsimony (``V_{1,1}``, Yaras et al. 2023), the
invariant input subspace ``S_big`` of the two-layer MLP theory, and the start of the
low-rank MLP. The rest of the module builds bases from it (the law's layer bases) or
against it (random, chained and rotated bases for ablations).

**Ranks.** One convention in all of lrdlib: a ``rank`` is the number of columns of a
basis (``random_bases(weights, rank)``, ``adapters.compress_adapter(..., rank)``,
``track.UpdateTracker(model, rank=k)``). ``k`` counts gradient directions, the target's
rank ``r`` of the papers: the gradient subspace built from them has ``2k`` columns
(``gradient_subspace``, ``gradient_bases``, ``check_rank``, ``models.compress``).
"""

from __future__ import annotations

import numpy as np
import torch

from .precision import loose_tol
from .rng import Seed, check_random_state, haar_orthogonal, spawn_seed

Bases = list[
    tuple[torch.Tensor, torch.Tensor]
]  # [(U_l (d_l, r), V_l (d_{l−1}, r)), ...]


def check_rank(k: int, shape: tuple[int, int], *, complement: bool = False) -> None:
    """Raise ``ValueError`` unless ``2k`` columns fit a layer of ``shape``.

    Parameters
    ----------
    complement
        Also require ``2k < min(shape)``, so that the subspace leaves a complement (the
        law of parsimony's ``ρ`` block, the two-layer theory's ``V_⊥``).
    """
    n = min(shape)
    fits = 1 <= k and (2 * k < n if complement else 2 * k <= n)
    if not fits:
        most = (n - 1) // 2 if complement else n // 2
        need = (
            "1 ≤ k < min(d_out, d_in)/2" if complement else "1 ≤ 2k ≤ min(d_out, d_in)"
        )
        raise ValueError(
            f"k = {k} is impossible for a layer of shape {tuple(shape)}: the "
            f"2k-dimensional subspace needs {need}. Use k ≤ {most} or a wider layer."
        )


def check_basis_rank(rank: int, shape: tuple[int, int], what: str = "A basis") -> None:
    """Raise ``ValueError`` unless ``rank`` columns fit a matrix of ``shape``.

    The one check of ``1 ≤ r ≤ min(shape)``: a rank is the number of columns of a basis.
    """
    if not 1 <= rank <= min(shape):
        raise ValueError(
            f"{what} of rank {rank} is impossible for a matrix of shape "
            f"{tuple(shape)}. Use 1 ≤ rank ≤ {min(shape)}, or a larger matrix."
        )


def _orth(A: torch.Tensor, what: str) -> torch.Tensor:
    """Orthonormal basis of the columns of ``A``; ``ValueError`` if they are dependent.

    ``what`` names the basis in the message.
    """
    Q, R = torch.linalg.qr(A)
    diag = torch.abs(torch.diagonal(R))
    if diag.min() <= loose_tol(A.dtype) * diag.max():
        raise ValueError(
            f"The {A.shape[1]} directions of the {what} basis are linearly dependent: "
            "the gradient at init has fewer than k nonzero singular values. Use a "
            "smaller k, another seed, or check that the target has rank k."
        )
    return Q


def gradient_subspace(
    W0: torch.Tensor, G0: torch.Tensor, k: int, *, complement: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(U (d_out, 2k), V (d_in, 2k))``, orthonormal, from ``W(0)`` and ``G(0)``.

    Both ``W0`` and ``G0`` are ``(d_out, d_in)``. ``V`` is the input-side subspace
    (``V_{1,1}`` of the law, ``S_big`` of the two-layer theory), ``U`` the output-side
    one. ``complement=True`` also checks that ``2k < min(d_out, d_in)``.
    """
    if W0.shape != G0.shape:
        raise ValueError(
            f"W(0) {tuple(W0.shape)} and G(0) {tuple(G0.shape)} must have the same "
            "shape: pass a layer's weight and the gradient of the loss in it."
        )
    check_rank(k, tuple(W0.shape), complement=complement)
    P, _, Qh = torch.linalg.svd(G0, full_matrices=False)
    V = _orth(torch.cat([Qh[:k].T, W0.T @ P[:, :k]], dim=1), "input-side")
    U = _orth(torch.cat([P[:, :k], W0 @ Qh[:k].T], dim=1), "output-side")
    return U, V


def gradient_bases(
    weights: list[torch.Tensor], grads: list[torch.Tensor], k: int
) -> Bases:
    """``gradient_subspace`` of every hidden layer ``l < L`` of a network.

    The last layer, ``K × d_{L−1}``, is left out: it already has rank ``K``.
    """
    return [gradient_subspace(W, G, k) for W, G in zip(weights[:-1], grads[:-1])]


def complete_basis(V: torch.Tensor) -> torch.Tensor:
    """``(d, d)`` orthogonal matrix whose first columns are those of ``V (d, k)``.

    The columns of ``V`` must be orthonormal.
    """
    Q, _ = torch.linalg.qr(V, mode="complete")
    Q[:, : V.shape[1]] = V
    return Q


def orthogonal_complement(V: torch.Tensor) -> torch.Tensor:
    """``(d, d − k)`` orthonormal basis of the complement of the span of ``V (d, k)``.

    The columns of ``V`` must be orthonormal.
    """
    return complete_basis(V)[:, V.shape[1] :]


def parsimony_bases(
    weights_init: list[torch.Tensor], V11: torch.Tensor, eps: float
) -> Bases:
    """The law of parsimony's ``[(U_l, V_l)]``: full orthogonal bases for every layer.

    ``V_1 = [V_{1,1}, ⊥]``, ``U_l = W_l(0) V_l / ε``, ``V_{l+1} = U_l``. A rectangular
    last layer (classification, ``d_y < d``) gets ``U_L`` from the SVD of ``W_L(0) V_L``
    restricted to the first ``2r`` columns; it has no ``ρ`` block.
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


def random_bases(weights: list[torch.Tensor], rank: int, seed: Seed) -> Bases:
    """Haar-random orthonormal bases ``(U_l (d_l, rank), V_l (d_{l−1}, rank))``.

    One pair per hidden layer ``l < L``.
    """
    g = check_random_state(seed)
    out = []
    for W in weights[:-1]:
        check_basis_rank(rank, tuple(W.shape), "A random basis")
        U = haar_orthogonal(W.shape[0], rank, g, dtype=W.dtype, device=W.device)
        V = haar_orthogonal(W.shape[1], rank, g, dtype=W.dtype, device=W.device)
        out.append((U, V))
    return out


def chained_random_bases(weights: list[torch.Tensor], rank: int, seed: Seed) -> Bases:
    """Random bases that connect: ``V_{l+1} = U_l``.

    ``V_1`` and every ``U_l`` are Haar-random. A random *narrow network* of width
    ``rank``: the strongest random baseline for ``gradient_bases``.
    """
    independent = random_bases(weights, rank, seed)
    chained = [independent[0]]
    for l in range(1, len(independent)):
        chained.append((independent[l][0], independent[l - 1][0]))
    return chained


def rotate_basis(B: torch.Tensor, theta: float, seed: Seed) -> torch.Tensor:
    """``B cos θ + B_⊥ sin θ``, ``B_⊥`` random orthonormal and orthogonal to ``B``.

    Every principal angle between the result and ``B`` is ``θ``.

    Parameters
    ----------
    B
        ``(n, r)`` with orthonormal columns, ``2r ≤ n``.

    Returns
    -------
    torch.Tensor
        ``(n, r)`` with orthonormal columns.
    """
    n, r = B.shape
    if 2 * r > n:
        raise ValueError(
            f"Cannot rotate a {r}-dimensional subspace of R^{n} fully away from "
            "itself: that needs 2r ≤ n. Use a narrower basis or a larger space."
        )
    Z = torch.randn(n, r, generator=check_random_state(seed), dtype=B.dtype).to(
        B.device
    )
    B_perp, _ = torch.linalg.qr(Z - B @ (B.T @ Z))
    return np.cos(theta) * B + np.sin(theta) * B_perp


def rotate_bases(bases: Bases, theta: float, seed: Seed) -> Bases:
    """``rotate_basis`` applied to every ``U_l`` and ``V_l``, each its own complement.

    The random complements ``B_⊥`` are drawn independently.
    """
    g = check_random_state(seed)
    return [
        (rotate_basis(U, theta, spawn_seed(g)), rotate_basis(V, theta, spawn_seed(g)))
        for U, V in bases
    ]
