"""Data for the book: whitening, orthogonal inputs, low-rank targets, one-hot labels.

Data matrices hold one sample per column: ``X`` is ``(d, N)``, ``Y`` is ``(d_y, N)``. "Whitened"
means ``X @ X.T == I_d`` (a sum over samples, not a mean), the convention of the law of parsimony.
"""

from __future__ import annotations

import torch

from .init import orthogonal_matrix
from .tensors import DEFAULT_DTYPE, as_tensor, randn


def whitening_error(X: torch.Tensor) -> float:
    """Frobenius distance ``‖X Xᵀ − I‖_F`` of a ``(d, N)`` matrix from being whitened."""
    eye = torch.eye(X.shape[0], dtype=X.dtype, device=X.device)
    return float(torch.linalg.matrix_norm(X @ X.T - eye))


def check_whitened(X: torch.Tensor, tol: float = 1e-8) -> None:
    """Raise ``ValueError`` unless ``‖X Xᵀ − I‖_F ≤ tol``, saying how far ``X`` is and how to fix it."""
    err = whitening_error(X)
    if not err <= tol:
        raise ValueError(
            f"X is not whitened: ‖X Xᵀ − I‖_F = {err:.3e} > tol = {tol:.1e}. "
            "Whiten it first, e.g. `X, T, mean = lrdlib.data.whiten(X)`, or pass a larger tol "
            "if an approximate law is what you want."
        )


def whiten(
    X, method: str = "zca", center: bool = True, n_components: int | None = None, rtol: float = 1e-10
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Whiten the columns of ``X`` so that ``Xw @ Xw.T = I``.

    Parameters
    ----------
    X : (d, N) samples as columns.
    method : ``"zca"`` gives ``T = C^{-1/2}`` (``C = Xc Xcᵀ``), which keeps pixels as pixels;
        ``"pca"`` gives ``T = S^{-1} Uᵀ`` (coordinates along principal axes), optionally keeping only
        the top ``n_components``. Both are computed from the thin SVD ``Xc = U S Vᵀ``, so ZCA returns
        ``U Vᵀ`` and PCA returns the rows of ``Vᵀ``: no covariance is ever squared.
    center : subtract the per-feature mean first.
    n_components : PCA only, number of principal directions to keep (``k ≤ rank X``).
    rtol : singular values below ``rtol * S.max()`` count as zero.

    Returns
    -------
    Xw : (d, N) for ZCA, (k, N) for PCA.
    T : the linear map with ``Xw = T @ (X - mean)``.
    mean : (d, 1) the mean that was removed (zeros if ``center=False``).
    """
    X = as_tensor(X, dtype=X.dtype if isinstance(X, torch.Tensor) else DEFAULT_DTYPE)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (features × samples), got shape {tuple(X.shape)}")
    d, n = X.shape
    mean = X.mean(dim=1, keepdim=True) if center else torch.zeros(d, 1, dtype=X.dtype, device=X.device)
    Xc = X - mean
    U, S, Vh = torch.linalg.svd(Xc, full_matrices=False)
    rank = int((S > rtol * S.max()).sum())
    if method == "zca":
        if n_components is not None:
            raise ValueError("n_components applies to method='pca' only")
        if rank < d:
            raise ValueError(
                f"X has rank {rank} < d = {d} (N = {n} samples{', centred' if center else ''}): "
                "it cannot be whitened in all d directions. Use method='pca' with "
                f"n_components ≤ {rank}, or collect more samples."
            )
        return U @ Vh, U @ torch.diag(1 / S) @ U.T, mean
    if method == "pca":
        k = rank if n_components is None else n_components
        if not 1 <= k <= rank:
            raise ValueError(f"n_components = {k} must lie in [1, rank X = {rank}]")
        return Vh[:k], torch.diag(1 / S[:k]) @ U[:, :k].T, mean
    raise ValueError(f"unknown method {method!r}: use 'zca' or 'pca'")


def orthogonal_inputs(d: int, n: int, seed: int, dtype=DEFAULT_DTYPE, device=None) -> torch.Tensor:
    """Whitened inputs: a random ``(d, n)`` matrix with orthonormal rows (needs ``n ≥ d``)."""
    if n < d:
        raise ValueError(f"whitened inputs need n ≥ d samples, got n = {n} < d = {d}")
    return orthogonal_matrix(d, n, seed=seed, dtype=dtype, device=device)


def low_rank_target(
    rows: int, cols: int, rank: int, seed: int, top_singular_value: float | None = None,
    dtype=DEFAULT_DTYPE, device=None,
) -> torch.Tensor:
    """Rank-``rank`` truncation of a ``(rows, cols)`` standard Gaussian matrix.

    With ``top_singular_value`` the result is rescaled so that its largest singular value equals it
    (a normalised target); otherwise the Gaussian's own scale is kept.
    """
    if not 1 <= rank <= min(rows, cols):
        raise ValueError(f"rank must lie in [1, {min(rows, cols)}], got {rank}")
    G = randn(rows, cols, seed=seed, dtype=dtype)
    U, S, Vh = torch.linalg.svd(G, full_matrices=False)
    S = S[:rank] if top_singular_value is None else S[:rank] * (top_singular_value / S[0])
    target = U[:, :rank] @ torch.diag(S) @ Vh[:rank]
    return target.to(device) if device is not None else target


def one_hot(labels, n_classes: int, dtype=DEFAULT_DTYPE, device=None) -> torch.Tensor:
    """``(n_classes, N)`` one-hot matrix of integer ``labels`` (shape ``(N,)``)."""
    labels = torch.as_tensor(labels, dtype=torch.long)
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(f"labels must lie in [0, {n_classes - 1}], got [{labels.min()}, {labels.max()}]")
    Y = torch.zeros(n_classes, labels.numel(), dtype=dtype)
    Y[labels, torch.arange(labels.numel())] = 1
    return Y.to(device) if device is not None else Y


def observation_mask(rows: int, cols: int, p: float, seed: int, dtype=DEFAULT_DTYPE, device=None) -> torch.Tensor:
    """``(rows, cols)`` 0/1 mask with each entry observed independently with probability ``p``."""
    if not 0 < p <= 1:
        raise ValueError(f"the observed fraction p must lie in (0, 1], got {p}")
    g = torch.Generator().manual_seed(seed)
    mask = (torch.rand(rows, cols, generator=g) < p).to(dtype)
    return mask.to(device) if device is not None else mask
