"""What the chapters measure: angles, where an update lies, ranks, class separation.

Weights and updates are ``(d_out, d_in)`` tensors; bases are matrices with orthonormal
columns; features are ``(p, N)`` with one sample per column. Every function returns
plain Python floats or numpy arrays, so results print and plot directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import torch

from .activations import Activation, activation
from .rng import check_random_state
from .subspaces import orthogonal_complement

# Angles


def principal_angles(A, B) -> np.ndarray:
    """Principal angles (radians, ascending) between the spans of ``A`` and ``B``.

    ``A`` is ``(d, p)`` and ``B`` ``(d, q)``; their columns span the subspaces.
    """
    A = A.detach().cpu().numpy() if isinstance(A, torch.Tensor) else np.asarray(A)
    B = B.detach().cpu().numpy() if isinstance(B, torch.Tensor) else np.asarray(B)
    return np.sort(scipy.linalg.subspace_angles(A, B))


def vector_angles(vectors: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Sign-free angle between matching columns: ``arccos |⟨v_i(t), v_i(ref)⟩|``.

    Parameters
    ----------
    vectors
        ``(T, d, k)``, singular vectors over time.
    reference
        ``(d, k)``.

    Returns
    -------
    numpy.ndarray
        ``(T, k)``, in radians.
    """
    cos = np.abs(np.einsum("tdk,dk->tk", vectors, reference))
    return np.arccos(np.clip(cos, 0.0, 1.0))


def chain_alignment(bases) -> list[float]:
    """Per ``l``, the mean cosine of the principal angles of ``U_l`` and ``V_{l+1}``.

    1 means layer ``l`` writes exactly into the subspace that layer ``l + 1`` reads;
    about ``√(r/d_l)`` for independent random bases.
    """
    pairs = zip(bases[:-1], bases[1:])
    return [
        float(torch.linalg.svdvals(U.T @ V_next).mean())
        for (U, _), (_, V_next) in pairs
    ]


# Where an update lies


def energy_fraction(
    delta: torch.Tensor, V: torch.Tensor, U: torch.Tensor | None = None
) -> float:
    """Share of ``‖ΔW‖²`` inside a subspace: ``‖Uᵀ ΔW V‖² / ‖ΔW‖²``.

    Without ``U`` it is the input side's share, ``‖ΔW V‖² / ‖ΔW‖²``.

    Parameters
    ----------
    delta
        ``(d_out, d_in)``.
    V
        ``(d_in, r)``, orthonormal.
    U
        ``(d_out, r')``, orthonormal, or ``None`` (input side only).
    """
    inside = delta @ V if U is None else U.T @ delta @ V
    return float(inside.pow(2).sum() / delta.pow(2).sum())


def leak(delta: torch.Tensor, Q: torch.Tensor, V_big: torch.Tensor) -> float:
    """``‖U_⊥ᵀ ΔW V_⊥‖ / ‖ΔW‖``: how much of an update leaks out of the subspaces.

    ``V_⊥`` is the complement of ``V_big`` and ``U_⊥ = Q V_⊥``. The two-layer theory's
    measure: ``W_1(0) = ε Q`` with ``Q (m, d)`` semi-orthogonal.
    """
    V_perp = orthogonal_complement(V_big)
    return float(((Q @ V_perp).T @ delta @ V_perp).norm() / delta.norm())


def top_energy_fraction(delta: torch.Tensor, k: int) -> float:
    """Basis-free: share of ``‖ΔW‖²`` in its top ``k`` singular directions."""
    S2 = torch.linalg.svdvals(delta) ** 2
    return float(S2[:k].sum() / S2.sum())


# Ranks and spectra


def tail_ratio(G: torch.Tensor, k: int) -> float:
    """``σ_{k+1}(G) / σ_1(G)``: how far ``G`` is from rank ``k``."""
    S = torch.linalg.svdvals(G)
    return float(S[k] / S[0])


def stable_rank(M: torch.Tensor) -> float:
    """``‖M‖_F² / ‖M‖_2²``, between 1 and ``rank M``."""
    S = torch.linalg.svdvals(M)
    return float((S * S).sum() / (S[0] * S[0]))


def middle_spread(singular_values: np.ndarray, r: int) -> np.ndarray:
    """Spread (max − min) of the singular values between the top and bottom ``r``.

    Zero when the law of parsimony holds: the middle ``d − 2r`` values share one value
    ``ρ(t)``.

    Parameters
    ----------
    singular_values
        ``(T, d)``, descending, one row per recorded step.

    Returns
    -------
    numpy.ndarray
        ``(T,)``.
    """
    mid = np.asarray(singular_values)[:, r:-r]
    return mid.max(axis=1) - mid.min(axis=1)


# The law of parsimony's block form


def block_form(W: torch.Tensor, U: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """``Uᵀ W V``: ``W`` in the invariant bases (block diagonal when the law holds)."""
    return U.T @ W @ V


def parsimony_residual(
    W: torch.Tensor, U: torch.Tensor, V: torch.Tensor, k: int, rho: float | None
) -> float:
    """Relative distance of ``Uᵀ W V`` from ``diag(*, ρ I)``, ``*`` any ``k × k`` block.

    Off-diagonal blocks and (if ``rho`` is given) the deviation of the lower block from
    ``ρ I``, in Frobenius norm, divided by ``‖W‖_F``. Zero (to rounding) when the law
    holds.
    """
    B = block_form(W, U, V)
    off = torch.cat([B[:k, k:].reshape(-1), B[k:, :k].reshape(-1)])
    if rho is None:
        lower = torch.zeros(0, dtype=B.dtype, device=B.device)
    else:
        lower = B[k:, k:] - rho * torch.eye(
            B.shape[0] - k, B.shape[1] - k, dtype=B.dtype, device=B.device
        )
    residual = torch.sqrt((off * off).sum() + (lower * lower).sum())
    return float(residual / torch.linalg.matrix_norm(W))


# Class separation of features


@dataclass
class Scatter:
    """Traces of the class scatter matrices of features ``H (p, N)``, labels ``(N,)``.

    Attributes
    ----------
    within
        ``tr Σ_W = (1/N) Σ_k Σ_{i∈k} ‖h_i − μ_k‖²``.
    between
        ``tr Σ_B = Σ_k (N_k/N) ‖μ_k − μ‖²``.
    """

    within: float
    between: float

    @property
    def ratio(self) -> float:
        """The ratio ``C = tr Σ_W / tr Σ_B``.

        It is small when the classes are tight and far apart.
        """
        return self.within / self.between


def class_scatter(H: torch.Tensor, labels) -> Scatter:
    """Within- and between-class scatter of the columns of ``H (p, N)`` by ``labels``.

    ``labels`` is ``(N,)``, one class per column.
    """
    labels = torch.as_tensor(labels, device=H.device)
    if H.ndim != 2 or labels.shape != (H.shape[1],):
        raise ValueError(
            f"Got H {tuple(H.shape)} and labels {tuple(labels.shape)}: H must be "
            "(p, N) with one label per column."
        )
    classes, counts = labels.unique(return_counts=True)
    if len(classes) < 2:
        raise ValueError(
            "The class scatter needs at least two classes: with one, the "
            "between-class scatter is 0. Pass features of two or more classes."
        )
    n = H.shape[1]
    means = torch.stack(
        [H[:, labels == c].mean(dim=1) for c in classes], dim=1
    )  # (p, K)
    index = torch.searchsorted(classes, labels)
    within = float(((H - means[:, index]) ** 2).sum()) / n
    weights = counts.to(H.dtype) / n
    between = float(((means - H.mean(dim=1, keepdim=True)) ** 2 * weights).sum())
    return Scatter(within, between)


def layer_features(
    weights: list[torch.Tensor], X: torch.Tensor, act: Activation | str = "linear"
) -> list[torch.Tensor]:
    """``[X, φ(W_1 X), φ(W_2 φ(W_1 X)), …]``: the input and every hidden layer's output.

    Returns ``L`` entries (the last layer's output excluded), each ``(d_l, N)``;
    ``act="linear"`` gives the deep linear network's features.
    """
    act = activation(act)
    features = [X]
    for W in weights[:-1]:
        if W.shape[1] != features[-1].shape[0]:
            raise ValueError(
                f"A layer of shape {tuple(W.shape)} cannot follow features of size "
                f"{features[-1].shape[0]}: it needs {features[-1].shape[0]} columns."
            )
        features.append(act.fn(W @ features[-1]))
    return features


def separation_ratios(
    weights: list[torch.Tensor],
    X: torch.Tensor,
    labels,
    act: Activation | str = "linear",
) -> np.ndarray:
    """``C_l = tr Σ_W / tr Σ_B`` of the features at depth ``l = 0, …, L−1``.

    Returns shape ``(L,)``.
    """
    features = layer_features(weights, X, act)
    return np.array([class_scatter(H, labels).ratio for H in features])


def numerical_rank(H: torch.Tensor, energy: float = 0.95) -> int:
    """Fewest singular directions of the centred ``H (m, N)`` that hold ``energy``.

    ``energy`` is a share of the squared norm; this is the book's variant of
    ``singular_value_rank``.
    """
    if not 0 < energy <= 1:
        raise ValueError(
            f"The energy must lie in (0, 1], got {energy}: it is a share of the "
            "squared norm."
        )
    s2 = torch.linalg.svdvals(H - H.mean(dim=1, keepdim=True)).double() ** 2
    share = torch.cumsum(s2, 0) / s2.sum()
    return int(torch.searchsorted(share, torch.tensor(energy, dtype=share.dtype))) + 1


def singular_value_rank(H: torch.Tensor, share: float = 0.95) -> int:
    """Fewest top singular values of the uncentred ``H (m, N)`` that reach ``share``.

    ``share`` is a share of their sum: Wang et al. 2023's numerical rank
    (``find_threshold`` in their code). Unlike ``numerical_rank`` it neither centres
    ``H`` nor squares the singular values, so a large mean feature counts as one
    direction and the tail weighs more.
    """
    if not 0 < share <= 1:
        raise ValueError(
            f"The share must lie in (0, 1], got {share}: it is a share of the "
            "singular values' sum."
        )
    s = torch.linalg.svdvals(H.double())
    if s.sum() == 0:
        raise ValueError(
            "H is zero, so its numerical rank is undefined: pass nonzero features."
        )
    cumulative = torch.cumsum(s, 0) / s.sum()
    threshold = torch.tensor(share, dtype=cumulative.dtype) - 1e-12
    return int(torch.searchsorted(cumulative, threshold)) + 1


def discrimination(H: torch.Tensor, labels, *, centred: bool = True) -> float:
    """``1 − max cos`` between two classes' means of the features ``H (m, N)``.

    It is 0 when two classes point the same way, 1 or more when every pair is at least
    orthogonal.

    Parameters
    ----------
    centred
        Subtract the global mean from the class means first (the book's variant);
        ``False`` compares the raw class means, as Wang et al. 2023 do
        (``max_angle_metric`` in their ``utility.py``).
    """
    labels = torch.as_tensor(labels, device=H.device)
    classes = torch.unique(labels)
    means = torch.stack([H[:, labels == c].mean(dim=1) for c in classes], dim=1)
    if centred:
        means = means - H.mean(dim=1, keepdim=True)
    unit = means / torch.linalg.vector_norm(means, dim=0, keepdim=True)
    cos = unit.T @ unit - 2 * torch.eye(len(classes), dtype=H.dtype, device=H.device)
    return float(1 - cos.max())


def linear_probe(
    H_train: torch.Tensor, y_train, H_test: torch.Tensor, y_test, *, ridge: float = 1e-3
) -> float:
    """Test accuracy of a ridge least-squares classifier on frozen features.

    ``H_train (m, N)`` and ``H_test (m, N')`` are centred and scaled with the training
    statistics; the targets are one-hot, and ``ridge`` times the mean feature variance
    regularises.
    """
    mean = H_train.mean(dim=1, keepdim=True)
    scale = H_train.std(dim=1, keepdim=True).clamp_min(1e-8)
    A = torch.cat([(H_train - mean) / scale, torch.ones_like(H_train[:1])]).double()
    B = torch.cat([(H_test - mean) / scale, torch.ones_like(H_test[:1])]).double()
    y_train = torch.as_tensor(y_train, device=A.device)
    T = torch.nn.functional.one_hot(y_train).T.double()
    gram = A @ A.T + ridge * A.shape[1] * torch.eye(
        len(A), dtype=A.dtype, device=A.device
    )
    W = torch.linalg.solve(gram, A @ T.T).T
    predicted = (W @ B).argmax(dim=0).cpu()
    return float((predicted == torch.as_tensor(y_test).cpu()).double().mean())


def sgd_probe_accuracy(
    H: torch.Tensor,
    labels,
    *,
    epochs: int = 100,
    lr: float = 1e-3,
    batch_size: int = 128,
    seed=0,
) -> float | np.ndarray:
    """Training accuracy of a linear probe trained by SGD on frozen features.

    This is Wang et al. 2023's linear separability (their ``linear_probe.py``). The
    probe ``W h + b`` (zero start) minimises ``Σ‖W h + b − onehot‖² / B`` over
    minibatches of ``batch_size`` with SGD (momentum 0.9, weight decay 1e-4) and a
    cosine schedule from ``lr`` to ``lr/1000`` over ``epochs`` epochs, each a pass over
    a fresh permutation; its accuracy on the same features is returned.

    Parameters
    ----------
    H
        ``(m, N)``, or ``(S, m, N)`` to probe ``S`` feature sets at once (one accuracy
        each, shape ``(S,)``; they share the minibatch order).
    """
    labels = torch.as_tensor(labels, device=H.device)
    if H.shape[-1] != labels.shape[0]:
        raise ValueError(
            f"H has {H.shape[-1]} samples (columns) but there are "
            f"{labels.shape[0]} labels: give one label per column."
        )
    stacked = (H if H.ndim == 3 else H[None]).contiguous()  # (S, m, N)
    n_sets, m, n = stacked.shape
    K = int(labels.max()) + 1
    onehot = torch.nn.functional.one_hot(labels, K).T.to(H.dtype)  # (K, N)
    W = torch.zeros(n_sets, K, m, dtype=H.dtype, device=H.device)
    b = torch.zeros(n_sets, K, 1, dtype=H.dtype, device=H.device)
    W_velocity, b_velocity = torch.zeros_like(W), torch.zeros_like(b)
    steps_per_epoch = -(-n // batch_size)
    total, step = epochs * steps_per_epoch, 0
    g = check_random_state(seed)
    for epoch in range(epochs):
        order = torch.randperm(n, generator=g).to(H.device)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            batch = stacked.index_select(-1, idx)
            residual = W @ batch + b - onehot.index_select(-1, idx)
            # torch.optim.SGD's rule: decay into the gradient, then heavy-ball momentum
            W_grad = (2 / len(idx)) * residual @ batch.transpose(-1, -2) + 1e-4 * W
            b_grad = (2 / len(idx)) * residual.sum(dim=-1, keepdim=True) + 1e-4 * b
            W_velocity.mul_(0.9).add_(W_grad)
            b_velocity.mul_(0.9).add_(b_grad)
            # cosine schedule from lr to lr/1000 over the whole run
            rate = (
                lr / 1000
                + (lr - lr / 1000) * (1 + math.cos(math.pi * step / total)) / 2
            )
            W.sub_(rate * W_velocity)
            b.sub_(rate * b_velocity)
            step += 1
        if not torch.isfinite(W).all():
            raise FloatingPointError(
                f"The linear probe diverged in epoch {epoch + 1} with lr={lr:g}. Use a "
                f"smaller step, e.g. lr={lr / 10:g}, or standardise the features."
            )
    hits = ((W @ stacked + b).argmax(dim=-2) == labels).to(torch.float64)
    accuracy = hits.mean(dim=-1).cpu().numpy()
    return float(accuracy[0]) if H.ndim == 2 else accuracy


# Classifiers


def accuracy(model, X: torch.Tensor, y: torch.Tensor) -> float | np.ndarray:
    """Share of the columns of ``X (d, N)`` whose arg-max output is ``y (N,)``.

    A model's outputs ``(K, N)`` give a float; stacked runs (``adapters.stack_models``),
    outputs ``(S, K, N)``, give one accuracy per run, shape ``(S,)``.
    """
    with torch.no_grad():
        hits = (model(X).argmax(dim=-2) == y).to(torch.float64).mean(dim=-1)
    return float(hits) if hits.ndim == 0 else hits.cpu().numpy()
