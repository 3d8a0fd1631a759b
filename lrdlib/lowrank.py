"""Low-rank MLPs: hidden layers factorised as ``A + U C Vᵀ``, started in subspaces found at initialisation.

Samples are columns: ``X`` is ``(d, N)``, labels ``y`` are ``(N,)`` integers. An MLP with widths
``[d_0, ..., d_L]`` has layers ``W_l ∈ R^{d_l × d_{l−1}}``; hidden layers apply ``φ``, the last is linear.

A low-rank hidden layer is ``W_l = A_l + U_l C_l V_lᵀ`` with ``U_l`` ``(d_l, r)``, ``C_l`` ``(r, r)``,
``V_l`` ``(d_{l−1}, r)`` trainable and ``A_l`` a frozen anchor: ``A_l = W_l(0)`` (the *update* form, the
theory's statement that training moves ``W_l`` only inside ``U_l · V_lᵀ``) or no anchor at all (the
*factorised* form, a true rank-``r`` network). The last layer ``K × d_{L−1}`` is already rank ``K`` and
stays dense.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from .dln import DivergenceError
from .init import orthogonal_matrix
from .mlp import Activation, activation, make_optimizer, mlp_forward, objective
from .tensors import make_generator

FORMS = ("factorised", "update")


class DenseMLP(torch.nn.Module):
    """The full MLP ``W_L φ(W_{L−1} ⋯ φ(W_1 X))``; every entry of every layer is trainable."""

    def __init__(self, weights: list[torch.Tensor], act: Activation | str):
        super().__init__()
        self.act = activation(act) if isinstance(act, str) else act
        self.layers = torch.nn.ParameterList([torch.nn.Parameter(W.detach().clone()) for W in weights])

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """``(d_0, N)`` → ``(K, N)``."""
        return mlp_forward(list(self.layers), X, self.act)

    def dense_weights(self) -> list[torch.Tensor]:
        return [W.detach() for W in self.layers]


class LowRankMLP(torch.nn.Module):
    """Hidden layers ``W_l = A_l + U_l C_l V_lᵀ``; the forward pass never forms ``W_l`` (``U(C(Vᵀh))``)."""

    def __init__(self, bases: list[tuple[torch.Tensor, torch.Tensor]], cores: list[torch.Tensor],
                 last: torch.Tensor, act: Activation | str, anchors: list[torch.Tensor] | None = None,
                 train_bases: bool = True):
        super().__init__()
        if len(cores) != len(bases) or (anchors is not None and len(anchors) != len(bases)):
            raise ValueError(f"need one core (and anchor) per hidden layer: {len(bases)} bases, {len(cores)} cores")
        for l, ((U, V), C) in enumerate(zip(bases, cores), start=1):
            if C.shape != (U.shape[1], V.shape[1]):
                raise ValueError(f"layer {l}: core must be (r_U, r_V) = {(U.shape[1], V.shape[1])}, got {tuple(C.shape)}")
        self.act = activation(act) if isinstance(act, str) else act
        self.U = torch.nn.ParameterList([torch.nn.Parameter(U.detach().clone(), requires_grad=train_bases) for U, _ in bases])
        self.V = torch.nn.ParameterList([torch.nn.Parameter(V.detach().clone(), requires_grad=train_bases) for _, V in bases])
        self.C = torch.nn.ParameterList([torch.nn.Parameter(C.detach().clone()) for C in cores])
        self.last = torch.nn.Parameter(last.detach().clone())
        self.anchors = None if anchors is None else [A.detach().clone() for A in anchors]

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """``(d_0, N)`` → ``(K, N)``."""
        h = X
        for l, (U, C, V) in enumerate(zip(self.U, self.C, self.V)):
            z = U @ (C @ (V.T @ h))
            if self.anchors is not None:
                z = z + self.anchors[l] @ h
            h = self.act.fn(z)
        return self.last @ h

    def dense_weights(self) -> list[torch.Tensor]:
        """The layers as dense matrices (for analysis; training never builds them)."""
        Ws = [(U @ C @ V.T).detach() for U, C, V in zip(self.U, self.C, self.V)]
        if self.anchors is not None:
            Ws = [A + W for A, W in zip(self.anchors, Ws)]
        return Ws + [self.last.detach()]


def n_trainable(model: torch.nn.Module) -> int:
    """Number of trainable scalars."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _objective(out: torch.Tensor, y: torch.Tensor, loss: str) -> torch.Tensor:
    """``mlp.objective`` on one-hot labels, averaged over the samples: outputs ``(K, N)``, labels ``(N,)``."""
    return objective(out, torch.nn.functional.one_hot(y, out.shape[0]).to(out.dtype).T, loss) / y.numel()


def init_gradients(weights: list[torch.Tensor], X: torch.Tensor, y: torch.Tensor, act: Activation | str,
                   loss: str = "ce") -> list[torch.Tensor]:
    """One forward/backward pass of the full MLP at ``weights``: the gradients ``G_l(0)``, each ``W_l``'s shape."""
    model = DenseMLP(weights, act)
    _objective(model(X), y, loss).backward()
    return [W.grad.detach() for W in model.layers]


def _check_rank(r: int, W: torch.Tensor, l: int) -> None:
    if not 1 <= r <= min(W.shape):
        raise ValueError(f"rank {r} is impossible for hidden layer {l} of shape {tuple(W.shape)}: "
                         f"use 1 ≤ r ≤ {min(W.shape)} (a smaller rank or a wider network)")


def subspace_bases(weights: list[torch.Tensor], grads: list[torch.Tensor], k: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Bases of rank ``2k`` for each hidden layer, from the init and one gradient.

    With ``G_l(0) = P Σ Qᵀ`` (top-``k`` singular vectors ``P_k``, ``Q_k``), the input basis is
    ``V_l = orth[Q_k, W_l(0)ᵀ P_k]`` and the output basis ``U_l = orth[P_k, W_l(0) Q_k]``: ``k`` directions
    from the gradient on each side and the ``k`` that ``W_l(0)`` maps them to, as ``S_big`` of the
    two-layer theory. Returns ``[(U_l (d_l, 2k), V_l (d_{l−1}, 2k)), ...]`` for ``l < L``.
    """
    bases = []
    for l, (W, G) in enumerate(zip(weights[:-1], grads[:-1]), start=1):
        _check_rank(2 * k, W, l)
        P, _, Qh = torch.linalg.svd(G, full_matrices=False)
        V, _ = torch.linalg.qr(torch.cat([Qh[:k].T, W.T @ P[:, :k]], dim=1))
        U, _ = torch.linalg.qr(torch.cat([P[:, :k], W @ Qh[:k].T], dim=1))
        bases.append((U, V))
    return bases


def random_bases(weights: list[torch.Tensor], r: int, seed) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Haar-random orthonormal ``(U_l (d_l, r), V_l (d_{l−1}, r))`` for each hidden layer."""
    g = make_generator(seed)
    out = []
    for l, W in enumerate(weights[:-1], start=1):
        _check_rank(r, W, l)
        out.append((orthogonal_matrix(W.shape[0], r, g, dtype=W.dtype), orthogonal_matrix(W.shape[1], r, g, dtype=W.dtype)))
    return out


def chained_random_bases(weights: list[torch.Tensor], r: int, seed) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Random bases that connect: ``V_1`` and every ``U_l`` Haar-random, ``V_{l+1} = U_l``.

    A random *narrow network* of width ``r``: the strongest random baseline for ``subspace_bases``.
    """
    independent = random_bases(weights, r, seed)
    return [independent[0]] + [(independent[l][0], independent[l - 1][0]) for l in range(1, len(independent))]


def chain_alignment(bases) -> list[float]:
    """Mean cosine of the principal angles between ``span U_l`` and ``span V_{l+1}``, for each ``l``.

    1 means layer ``l`` writes exactly into the subspace that layer ``l + 1`` reads; about ``√(r/d_l)``
    for independent random bases.
    """
    return [float(torch.linalg.svdvals(U.T @ V_next).mean()) for (U, _), (_, V_next) in zip(bases[:-1], bases[1:])]


def subspace_energy(delta: torch.Tensor, U: torch.Tensor, V: torch.Tensor) -> float:
    """``‖U Uᵀ ΔW V Vᵀ‖² / ‖ΔW‖²``: share of an update ``ΔW`` ``(d_l, d_{l−1})`` inside ``U · Vᵀ``."""
    return float((U.T @ delta @ V).pow(2).sum() / delta.pow(2).sum())


def rotate_basis(B: torch.Tensor, theta: float, seed) -> torch.Tensor:
    """``B cos θ + B_⊥ sin θ`` with ``B_⊥`` random orthonormal and orthogonal to ``B``: every principal angle to ``B`` is ``θ``.

    B : (n, r) orthonormal, with ``2r ≤ n``. Returns (n, r) orthonormal.
    """
    n, r = B.shape
    if 2 * r > n:
        raise ValueError(f"cannot rotate a {r}-dimensional subspace of R^{n} fully away from itself: need 2r ≤ n")
    Z = torch.randn(n, r, generator=make_generator(seed), dtype=B.dtype).to(B.device)
    B_perp, _ = torch.linalg.qr(Z - B @ (B.T @ Z))
    return np.cos(theta) * B + np.sin(theta) * B_perp


def rotate_bases(bases, theta: float, seed) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``rotate_basis`` applied to every ``U_l`` and ``V_l`` (independent random complements)."""
    g = make_generator(seed)
    draw = lambda: int(torch.randint(0, 2**31 - 1, (1,), generator=g))
    return [(rotate_basis(U, theta, draw()), rotate_basis(V, theta, draw())) for U, V in bases]


def projected_cores(weights: list[torch.Tensor], bases) -> list[torch.Tensor]:
    """``C_l = U_lᵀ W_l V_l``: the best rank-``r`` approximation of ``W_l`` inside ``U_l · V_lᵀ``."""
    return [U.T @ W @ V for W, (U, V) in zip(weights[:-1], bases)]


def low_rank_model(weights: list[torch.Tensor], bases, act: Activation | str, form: str = "factorised",
                   cores: list[torch.Tensor] | None = None, train_bases: bool = True) -> LowRankMLP:
    """A ``LowRankMLP`` started from the full init ``weights`` and ``bases``.

    form : ``"factorised"`` — ``W_l = U_l C_l V_lᵀ`` with ``C_l(0)`` = ``cores`` or, by default,
        ``projected_cores(weights, bases)``; ``"update"`` — ``W_l = W_l(0) + U_l C_l V_lᵀ`` with
        ``C_l(0) = 0``, so the model starts as the full network itself.
    The last layer starts at ``weights[-1]`` in both forms.
    """
    if form not in FORMS:
        raise ValueError(f"unknown form {form!r}: use one of {FORMS}")
    if len(bases) != len(weights) - 1:
        raise ValueError(f"need bases for the {len(weights) - 1} hidden layers, got {len(bases)}")
    for l, (W, (U, V)) in enumerate(zip(weights, bases), start=1):
        if U.shape[0] != W.shape[0] or V.shape[0] != W.shape[1]:
            raise ValueError(f"layer {l} is {tuple(W.shape)} but its bases are U {tuple(U.shape)}, V {tuple(V.shape)}")
    if form == "update":
        cores = [torch.zeros(U.shape[1], V.shape[1], dtype=U.dtype, device=U.device) for U, V in bases]
        return LowRankMLP(bases, cores, weights[-1], act, anchors=weights[:-1], train_bases=train_bases)
    cores = projected_cores(weights, bases) if cores is None else cores
    return LowRankMLP(bases, cores, weights[-1], act, train_bases=train_bases)


@dataclass
class FitHistory:
    """``fit``'s record at every evaluated step: mean training loss, train and test accuracy."""

    steps: np.ndarray
    loss: np.ndarray
    train_acc: np.ndarray
    test_acc: np.ndarray
    wall_time: float  # seconds spent in optimisation steps (evaluation excluded)
    n_trainable: int


def accuracy(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """Share of the columns of ``X`` whose arg-max output is ``y``."""
    with torch.no_grad():
        return float((model(X).argmax(dim=0) == y).to(torch.float64).mean())


def fit(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor, X_test: torch.Tensor, y_test: torch.Tensor,
        lr: float, n_steps: int, optimizer: str = "gd", loss: str = "ce", batch_size: int | None = None,
        momentum: float = 0.9, eval_every: int = 50, seed: int = 0, progress: bool = False) -> FitHistory:
    """Train ``model`` in place on ``(X (d, N), y (N,))``; evaluate on the test split every ``eval_every`` steps.

    optimizer : ``"gd"`` (full batch unless ``batch_size``, then SGD), ``"momentum"`` (heavy-ball) or ``"adam"``.
    loss : ``"ce"`` or ``"mse"``, averaged over the (mini)batch.
    """
    if X.ndim != 2 or X.shape[1] != y.shape[0] or X_test.shape[1] != y_test.shape[0] or X_test.shape[0] != X.shape[0]:
        raise ValueError(f"X must be (d, N) with y (N,): got X {tuple(X.shape)}, y {tuple(y.shape)}, "
                         f"X_test {tuple(X_test.shape)}, y_test {tuple(y_test.shape)}")
    opt = make_optimizer([p for p in model.parameters() if p.requires_grad], optimizer, lr, momentum)
    g = make_generator(seed)
    rec = {"steps": [], "loss": [], "train_acc": [], "test_acc": []}
    spent = 0.0
    for t in tqdm(range(n_steps + 1), disable=not progress, desc="fit", leave=False):
        if t % eval_every == 0 or t == n_steps:
            with torch.no_grad():
                value = float(_objective(model(X), y, loss))
            if not np.isfinite(value) or (rec["loss"] and value > 1e6 * rec["loss"][0]):
                raise DivergenceError(f"training diverged at step {t}: loss {value:.3e} with lr={lr:g}. "
                                      f"Use a smaller step size, e.g. lr={lr / 10:.3g}.")
            rec["steps"].append(t)
            rec["loss"].append(value)
            rec["train_acc"].append(accuracy(model, X, y))
            rec["test_acc"].append(accuracy(model, X_test, y_test))
        if t == n_steps:
            break
        start = time.perf_counter()
        idx = torch.randperm(y.shape[0], generator=g)[:batch_size] if batch_size else slice(None)
        opt.zero_grad()
        _objective(model(X[:, idx]), y[idx], loss).backward()
        opt.step()
        spent += time.perf_counter() - start
    return FitHistory(*(np.asarray(rec[k]) for k in ("steps", "loss", "train_acc", "test_acc")), spent, n_trainable(model))
