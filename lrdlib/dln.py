"""Deep linear networks ``f(x) = W_L ⋯ W_1 x`` trained by gradient descent.

``gradients`` uses closed-form gradients with prefix products reused: for ``L`` layers one step costs
``3L − 3`` matrix products (plus one for non-whitened data). ``train_gd`` records a ``History``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm


class DivergenceError(FloatingPointError):
    """Raised when the loss blows up; the message names the step, the loss and a smaller step size."""


def end_to_end(weights: list[torch.Tensor]) -> torch.Tensor:
    """``W_L ⋯ W_1``, shape ``(d_L, d_0)``."""
    P = weights[0]
    for W in weights[1:]:
        P = W @ P
    return P


def check_chain(weights: list[torch.Tensor]) -> None:
    """Raise ``ValueError`` if consecutive layers do not compose (``W_{l+1}`` must have ``d_l`` columns)."""
    for l, (A, B) in enumerate(zip(weights[:-1], weights[1:]), start=1):
        if B.shape[1] != A.shape[0]:
            raise ValueError(
                f"layer {l + 1} has shape {tuple(B.shape)} but layer {l} outputs {A.shape[0]} features: "
                f"W_{l + 1} needs {A.shape[0]} columns"
            )


def gradients(weights: list[torch.Tensor], loss) -> tuple[float, list[torch.Tensor]]:
    """Loss value and ``[∂ℓ/∂W_1, …, ∂ℓ/∂W_L]`` without weight decay.

    ``∂ℓ/∂W_l = W_{L:l+1}ᵀ · ∂ℓ/∂P · W_{l−1:1}ᵀ``, evaluated as backpropagation through the
    prefix products ``W_{l:1}`` so that no product is formed twice.
    """
    prefix = [weights[0]]
    for W in weights[1:]:
        prefix.append(W @ prefix[-1])
    D = loss.grad(prefix[-1])
    value = loss.value(prefix[-1], D)
    grads = [None] * len(weights)
    for l in range(len(weights) - 1, 0, -1):
        grads[l] = D @ prefix[l - 1].T
        D = weights[l].T @ D
    grads[0] = D
    return value, grads


def step_flops(shapes: list[tuple[int, int]], whitened: bool = True) -> int:
    """Floating-point operations of one ``gradients`` call for layers of the given ``(d_l, d_{l−1})`` shapes.

    Each of the ``L − 1`` prefix products, backward products and layer gradients costs
    ``2 d_l d_{l−1} d_0``; non-whitened regression adds ``2 d_L d_0²`` for ``P C``.
    """
    d0 = shapes[0][1]
    total = sum(3 * 2 * out * inp * d0 for out, inp in shapes[1:])
    return total + (0 if whitened else 2 * shapes[-1][0] * d0 * d0)


@dataclass
class History:
    """What ``train_gd`` recorded. Arrays are numpy, on the CPU.

    loss : (n_run + 1,) loss before each step and after the last one.
    steps : (n_rec,) the steps at which singular values/vectors were recorded.
    singular_values : per layer, (n_rec, min(d_l, d_{l−1})), descending.
    left_vectors, right_vectors : per layer, (n_rec, d_l, k) and (n_rec, d_{l−1}, k), if requested.
    product_singular_values : (n_rec, min(d_L, d_0)) of ``W_{L:1}``, if requested.
    weights : the final weights (tensors).
    """

    loss: np.ndarray
    steps: np.ndarray
    singular_values: list[np.ndarray]
    left_vectors: list[np.ndarray] | None
    right_vectors: list[np.ndarray] | None
    product_singular_values: np.ndarray | None
    weights: list[torch.Tensor]
    wall_time: float
    converged_step: int | None = None


def _make_stepper(params, lr, lr_scales, optimizer, momentum):
    """Return ``step(grads)`` that updates ``params`` in place by the chosen rule."""
    if optimizer in ("gd", "momentum"):
        velocity = [torch.zeros_like(W) for W in params] if momentum else None

        def step(grads):
            for i, (W, g, s) in enumerate(zip(params, grads, lr_scales)):
                if s == 0:
                    continue
                if velocity is not None:
                    velocity[i].mul_(momentum).add_(g)
                    g = velocity[i]
                W.sub_(g, alpha=lr * s)

        return step
    classes = {"adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop}
    if optimizer not in classes:
        raise ValueError(f"unknown optimizer {optimizer!r}: use 'gd', 'momentum', 'adam' or 'rmsprop'")
    groups = [{"params": [W], "lr": lr * s} for W, s in zip(params, lr_scales) if s != 0]
    opt = classes[optimizer](groups, lr=lr)

    def step(grads):
        for W, g in zip(params, grads):
            W.grad = g
        opt.step()

    return step


def train_gd(
    weights: list[torch.Tensor],
    loss,
    lr: float,
    n_steps: int,
    *,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    optimizer: str = "gd",
    lr_scales: list[float] | None = None,
    record_every: int | None = 1,
    record_vectors: bool = False,
    record_product: bool = False,
    tol: float | None = None,
    progress: bool = False,
    divergence_factor: float = 1e8,
) -> History:
    """Train ``weights`` (copied, not modified) on ``loss`` and record a ``History``.

    Parameters
    ----------
    weights : ``[W_1, …, W_L]``, ``W_l`` of shape ``(d_l, d_{l−1})``.
    loss : a ``losses.Regression`` or ``losses.Completion`` (anything with ``grad``/``value``).
    lr : step size η. ``optimizer="gd"`` is ``W ← (1 − ηλ) W − η ∇ℓ``; ``momentum > 0`` turns it into
        heavy-ball; ``"adam"``/``"rmsprop"`` use ``torch.optim`` with the same closed-form gradients.
    lr_scales : per-layer multipliers of η (0 freezes a layer), default all 1.
    record_every : record singular values every that many steps (``None``: never).
    record_vectors : also record singular vectors (memory ``O(n_rec d²)`` per layer).
    record_product : also record the singular values of the end-to-end matrix ``W_{L:1}``.
    tol : stop as soon as the loss is ``≤ tol``; the step is stored in ``History.converged_step``.
    progress : show a tqdm bar.
    divergence_factor : raise ``DivergenceError`` once the loss exceeds this many times its start.
    """
    check_chain(weights)
    if lr <= 0 or n_steps < 0:
        raise ValueError(f"need lr > 0 and n_steps ≥ 0, got lr={lr}, n_steps={n_steps}")
    params = [W.detach().clone() for W in weights]
    scales = [1.0] * len(params) if lr_scales is None else list(lr_scales)
    if len(scales) != len(params):
        raise ValueError(f"lr_scales has {len(scales)} entries for {len(params)} layers")
    step = _make_stepper(params, lr, scales, optimizer, momentum if optimizer in ("gd", "momentum") else 0.0)

    losses, steps = [], []
    svals = [[] for _ in params]
    lefts = [[] for _ in params] if record_vectors else None
    rights = [[] for _ in params] if record_vectors else None
    product = []

    def record(t):
        steps.append(t)
        for i, W in enumerate(params):
            if record_vectors:
                U, S, Vh = torch.linalg.svd(W, full_matrices=False)
                lefts[i].append(U.cpu().numpy())
                rights[i].append(Vh.T.cpu().numpy())
            else:
                S = torch.linalg.svdvals(W)
            svals[i].append(S.cpu().numpy())
        if record_product:
            product.append(torch.linalg.svdvals(end_to_end(params)).cpu().numpy())

    converged = None
    start = time.perf_counter()
    for t in tqdm(range(n_steps + 1), disable=not progress, desc="GD", leave=False):
        value, grads = gradients(params, loss)
        if weight_decay:
            grads = [g.add(W, alpha=weight_decay) for g, W in zip(grads, params)]
            value += 0.5 * weight_decay * sum(float((W * W).sum()) for W in params)
        losses.append(value)
        if not np.isfinite(value) or value > divergence_factor * max(losses[0], 1e-300):
            raise DivergenceError(
                f"training diverged at step {t}: loss {value:.3e} (initial {losses[0]:.3e}) with lr={lr:g}. "
                f"Use a smaller step size, e.g. lr={lr / 10:.3g}, or a smaller init scale."
            )
        if record_every and t % record_every == 0:
            record(t)
        if tol is not None and value <= tol:
            converged = t
            break
        if t < n_steps:
            step(grads)
    wall = time.perf_counter() - start

    return History(
        loss=np.asarray(losses),
        steps=np.asarray(steps, dtype=int),
        singular_values=[np.asarray(s) for s in svals],
        left_vectors=[np.asarray(u) for u in lefts] if record_vectors else None,
        right_vectors=[np.asarray(v) for v in rights] if record_vectors else None,
        product_singular_values=np.asarray(product) if record_product else None,
        weights=params,
        wall_time=wall,
        converged_step=converged,
    )
