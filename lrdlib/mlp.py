"""Two-layer and deep MLPs: smooth activations, closed-form gradients, training with recorded snapshots.

Samples are columns: ``X`` is ``(d, N)``, ``Y`` is ``(K, N)``. The two-layer model of the theory is
``f(X) = W_2 φ(W_1 X)`` with ``W_1 ∈ R^{m×d}`` trained and ``W_2 ∈ R^{K×m}`` fixed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from tqdm.auto import tqdm

from .dln import DivergenceError


@dataclass(frozen=True)
class Activation:
    """An activation ``φ`` with its derivative ``φ'`` and ``φ'(0)``; ``smooth`` is False for ReLU."""

    name: str
    fn: Callable[[torch.Tensor], torch.Tensor]
    grad: Callable[[torch.Tensor], torch.Tensor]
    slope_at_zero: float
    smooth: bool


def _gelu_grad(z):
    return 0.5 * (1 + torch.erf(z / math.sqrt(2))) + z * torch.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def _silu_grad(z):
    s = torch.sigmoid(z)
    return s * (1 + z * (1 - s))


ACTIVATIONS = {
    "gelu": Activation("gelu", torch.nn.functional.gelu, _gelu_grad, 0.5, True),
    "silu": Activation("silu", torch.nn.functional.silu, _silu_grad, 0.5, True),
    "elu": Activation("elu", torch.nn.functional.elu, lambda z: torch.where(z > 0, torch.ones_like(z), torch.exp(z)), 1.0, True),
    "tanh": Activation("tanh", torch.tanh, lambda z: 1 - torch.tanh(z) ** 2, 1.0, True),
    "relu": Activation("relu", torch.relu, lambda z: (z > 0).to(z.dtype), 0.0, False),
    "linear": Activation("linear", lambda z: z, torch.ones_like, 1.0, True),
}


def activation(name: str) -> Activation:
    """Look up an activation by name (``gelu``, ``silu``, ``elu``, ``tanh``, ``relu``, ``linear``)."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}: choose one of {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]


def check_two_layer_shapes(W1, W2, X, Y) -> None:
    """Raise ``ValueError`` naming the mismatch if ``W_2 φ(W_1 X)`` cannot be compared with ``Y``."""
    if W1.shape[1] != X.shape[0]:
        raise ValueError(f"W_1 is {tuple(W1.shape)} but X has {X.shape[0]} features (rows): W_1 needs {X.shape[0]} columns")
    if W2.shape[1] != W1.shape[0]:
        raise ValueError(f"W_2 is {tuple(W2.shape)} but W_1 has {W1.shape[0]} hidden units: W_2 needs {W1.shape[0]} columns")
    if Y.shape != (W2.shape[0], X.shape[1]):
        raise ValueError(f"Y must be (K, N) = {(W2.shape[0], X.shape[1])}, got {tuple(Y.shape)}")


def two_layer_loss_and_gradient(W1, W2, X, Y, act: Activation) -> tuple[float, torch.Tensor]:
    """Loss ``½‖W_2 φ(W_1X) − Y‖²`` and ``G_1 = [(W_2ᵀR) ⊙ φ'(W_1X)] Xᵀ`` with ``R = W_2φ(W_1X) − Y``; ``G_1`` is ``(m, d)``."""
    Z = W1 @ X
    R = W2 @ act.fn(Z) - Y
    G1 = ((W2.T @ R) * act.grad(Z)) @ X.T
    return 0.5 * float((R * R).sum()), G1


@dataclass
class TwoLayerHistory:
    """Recorded by ``train_two_layer``: loss per step; at each recorded step ``W_1`` and ``G_1``."""

    loss: np.ndarray  # (n_steps + 1,)
    steps: np.ndarray  # (n_rec,)
    W1: list[torch.Tensor]  # n_rec × (m, d)
    G1: list[torch.Tensor]  # n_rec × (m, d)


def train_two_layer(W1, W2, X, Y, act: Activation | str, lr: float, n_steps: int, record_every: int = 10,
                    progress: bool = False) -> TwoLayerHistory:
    """GD on ``W_1`` (copied) with ``W_2`` fixed; records ``W_1`` and its gradient every ``record_every`` steps."""
    act = activation(act) if isinstance(act, str) else act
    check_two_layer_shapes(W1, W2, X, Y)
    W = W1.detach().clone()
    losses, steps, snaps, grads = [], [], [], []
    for t in tqdm(range(n_steps + 1), disable=not progress, desc="GD", leave=False):
        value, G = two_layer_loss_and_gradient(W, W2, X, Y, act)
        losses.append(value)
        if not np.isfinite(value) or value > 1e8 * max(losses[0], 1e-300):
            raise DivergenceError(f"training diverged at step {t}: loss {value:.3e} (initial {losses[0]:.3e}) "
                                  f"with lr={lr:g}. Use a smaller step size, e.g. lr={lr / 10:.3g}.")
        if t % record_every == 0 or t == n_steps:
            steps.append(t)
            snaps.append(W.clone())
            grads.append(G)
        if t < n_steps:
            W = W - lr * G
    return TwoLayerHistory(np.asarray(losses), np.asarray(steps), snaps, grads)


def tail_ratio(G: torch.Tensor, k: int) -> float:
    """``σ_{k+1}(G) / σ_1(G)``: how far ``G`` is from rank ``k``."""
    S = torch.linalg.svdvals(G)
    return float(S[k] / S[0])


def invariant_input_subspace(Q: torch.Tensor, G0: torch.Tensor, k: int) -> torch.Tensor:
    """``S_big = span(V_G[:, :k]) + span(Qᵀ U_G[:, :k])``: a ``(d, 2k)`` orthonormal basis.

    Q : (m, d) semi-orthogonal direction of the init ``W_1(0) = ε Q`` (``QᵀQ = I_d``).
    G0 : (m, d) gradient of the loss w.r.t. ``W_1`` at init.
    """
    d = Q.shape[1]
    if not 2 * k < d:
        raise ValueError(f"K = {k} is too large for d = {d}: the theory needs K < d/2 (2K-dimensional subspace)")
    U, _, Vh = torch.linalg.svd(G0, full_matrices=False)
    basis, _ = torch.linalg.qr(torch.cat([Vh[:k].T, Q.T @ U[:, :k]], dim=1))
    return basis


def energy_fraction(delta: torch.Tensor, V_big: torch.Tensor) -> float:
    """``‖ΔW V_big‖² / ‖ΔW‖²``: share of the update's energy on the input subspace."""
    return float((delta @ V_big).pow(2).sum() / delta.pow(2).sum())


def leak(delta: torch.Tensor, Q: torch.Tensor, V_big: torch.Tensor) -> float:
    """``‖U_⊥ᵀ ΔW V_⊥‖ / ‖ΔW‖`` with ``V_⊥`` the complement of ``V_big`` and ``U_⊥ = Q V_⊥``."""
    full, _ = torch.linalg.qr(V_big, mode="complete")
    V_perp = full[:, V_big.shape[1]:]
    return float((Q @ V_perp).T.matmul(delta).matmul(V_perp).norm() / delta.norm())


def top_energy_fraction(delta: torch.Tensor, k: int) -> float:
    """Basis-free: share of ``‖ΔW‖²`` in its top ``k`` singular directions."""
    S2 = torch.linalg.svdvals(delta) ** 2
    return float(S2[:k].sum() / S2.sum())


def stable_rank(delta: torch.Tensor) -> float:
    """``‖ΔW‖_F² / ‖ΔW‖_2²``."""
    S = torch.linalg.svdvals(delta)
    return float((S * S).sum() / (S[0] * S[0]))


def mlp_forward(weights: list[torch.Tensor], X: torch.Tensor, act: Activation) -> torch.Tensor:
    """``W_L φ(W_{L−1} ⋯ φ(W_1 X))``: hidden layers apply ``φ``, the last layer is linear. Output ``(K, N)``."""
    h = X
    for W in weights[:-1]:
        h = act.fn(W @ h)
    return weights[-1] @ h


@dataclass
class MLPHistory:
    """``train_mlp``'s record: full-data loss per step, and the weights before and after training."""

    loss: np.ndarray
    initial: list[torch.Tensor]
    weights: list[torch.Tensor]


def objective(out: torch.Tensor, Y: torch.Tensor, loss: str) -> torch.Tensor:
    """Summed over samples: ``½‖out − Y‖²`` (``"mse"``) or cross-entropy on ``argmax Y`` (``"ce"``); ``(K, N)`` each."""
    if loss == "mse":
        return 0.5 * ((out - Y) ** 2).sum()
    if loss == "ce":
        return torch.nn.functional.cross_entropy(out.T, Y.argmax(dim=0), reduction="sum")
    raise ValueError(f"unknown loss {loss!r}: use 'mse' (½‖f − Y‖²) or 'ce' (cross-entropy on argmax Y)")


def make_optimizer(params, optimizer: str, lr: float, momentum: float = 0.9) -> torch.optim.Optimizer:
    """``"gd"`` (plain SGD step), ``"momentum"`` (heavy-ball with ``momentum``) or ``"adam"`` over ``params``."""
    if optimizer == "adam":
        return torch.optim.Adam(params, lr=lr)
    if optimizer in ("gd", "momentum"):
        return torch.optim.SGD(params, lr=lr, momentum=momentum if optimizer == "momentum" else 0.0)
    raise ValueError(f"unknown optimizer {optimizer!r}: use 'gd', 'momentum' or 'adam'")


def train_mlp(weights: list[torch.Tensor], X: torch.Tensor, Y: torch.Tensor, act: Activation | str, lr: float,
              n_steps: int, optimizer: str = "gd", loss: str = "mse", batch_size: int | None = None,
              momentum: float = 0.9, seed: int = 0, progress: bool = False) -> MLPHistory:
    """Train every layer of a deep MLP with autograd; sums over samples (minibatch losses rescaled by N/B).

    optimizer : ``"gd"`` (full batch unless ``batch_size``), ``"momentum"`` (heavy-ball), ``"adam"``.
    loss : ``"mse"`` or ``"ce"``; ``Y`` is ``(K, N)``, one-hot for ``"ce"``.
    """
    act = activation(act) if isinstance(act, str) else act
    if X.shape[1] != Y.shape[1] or weights[0].shape[1] != X.shape[0] or weights[-1].shape[0] != Y.shape[0]:
        raise ValueError(f"shapes do not fit: X {tuple(X.shape)}, Y {tuple(Y.shape)}, first layer "
                         f"{tuple(weights[0].shape)}, last layer {tuple(weights[-1].shape)}")
    params = [W.detach().clone().requires_grad_(True) for W in weights]
    opt = make_optimizer(params, optimizer, lr, momentum)
    n = X.shape[1]
    g = torch.Generator().manual_seed(seed)
    losses = []
    for t in tqdm(range(n_steps + 1), disable=not progress, desc="train", leave=False):
        with torch.no_grad():
            losses.append(float(objective(mlp_forward(params, X, act), Y, loss)))
        if not np.isfinite(losses[-1]) or losses[-1] > 1e8 * max(losses[0], 1e-300):
            raise DivergenceError(f"training diverged at step {t}: loss {losses[-1]:.3e} (initial {losses[0]:.3e}) "
                                  f"with lr={lr:g}. Use a smaller step size, e.g. lr={lr / 10:.3g}.")
        if t == n_steps:
            break
        idx = torch.randperm(n, generator=g)[:batch_size] if batch_size else slice(None)
        scale = n / batch_size if batch_size else 1.0
        opt.zero_grad()
        (scale * objective(mlp_forward(params, X[:, idx], act), Y[:, idx], loss)).backward()
        opt.step()
    return MLPHistory(np.asarray(losses), [W.detach().clone() for W in weights], [W.detach() for W in params])
