"""The training loop of the book: one loop for every model, with recorders as callbacks.

A run reads::

    history = train(params, objective, lr, n_steps, optimizer="gd", recorders={...})

``objective(params) -> (value, grads)`` gives the loss at the current parameters and its
gradients. Each model in ``lrdlib.models`` has its objective beside it
(``models.dln_objective``, the closed-form fast path of the theory chapters;
``models.two_layer_objective``; ``models.mlp_objective``); ``autograd_objective`` here
covers every ``torch`` model, full-batch or minibatch. The update is a ``torch.optim``
optimiser (``make_optimizer``): plain GD, heavy-ball momentum, Adam, AdamW or RMSProp,
with per-tensor step multipliers (0 freezes a tensor). Recorders are functions of a
``Step`` (the step number, parameters, gradients and loss), called every
``record_every`` steps and at the last one; their results are kept in
``History.records``. A diverging run stops with a ``DivergenceError`` that names the
step, the loss and a smaller step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from .losses import check_reduction, mlp_loss
from .rng import Seed, check_random_state

Objective = Callable[[list[torch.Tensor]], tuple[float, list[torch.Tensor]]]
OPTIMIZERS = ("gd", "momentum", "adam", "adamw", "rmsprop")


class DivergenceError(FloatingPointError):
    """The loss blew up; the message names the step, the loss and a smaller step."""


@dataclass
class Step:
    """What a recorder sees: step ``t``, the parameters, gradients and loss at ``t``."""

    t: int
    params: list[torch.Tensor]
    grads: list[torch.Tensor]
    loss: float


@dataclass
class History:
    """A training run.

    Attributes
    ----------
    loss
        ``(n_run + 1,)``, the objective before each step and after the last one.
    steps
        ``(n_rec,)``, the steps at which the recorders ran.
    records
        Recorder name → list of its results, one per recorded step.
    params
        The trained parameters (the tensors that were updated).
    wall_time
        Seconds spent in objective and update (recorders excluded).
    converged_step
        The step at which the loss first reached ``tol``, if it did.
    """

    loss: np.ndarray
    steps: np.ndarray
    records: dict[str, list]
    params: list[torch.Tensor]
    wall_time: float
    converged_step: int | None = None

    def series(self, name: str, index: int | None = None) -> np.ndarray:
        """``records[name]`` stacked over the recorded steps.

        ``index`` picks one layer of each record. For ``singular_values`` records,
        ``series("sv", 0)`` is ``(n_rec, k)``: σ_i(W_1) over time.
        """
        values = self.records[name]
        if index is not None:
            values = [v[index] for v in values]
        return np.stack([np.asarray(v) for v in values])


def _check_scales(lr_scales: list[float] | None, n: int) -> list[float]:
    """One step multiplier per tensor (default all 1); not all of them 0."""
    scales = [1.0] * n if lr_scales is None else list(lr_scales)
    if len(scales) != n:
        raise ValueError(
            f"lr_scales has {len(scales)} entries for {n} tensors: give one step "
            "multiplier per tensor."
        )
    if not any(scales):
        raise ValueError(
            "Every tensor is frozen (all lr_scales are 0), so there is nothing to "
            "train: give at least one tensor a nonzero multiplier."
        )
    return scales


def make_optimizer(
    params: list[torch.Tensor],
    optimizer: str,
    lr: float,
    *,
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    lr_scales: list[float] | None = None,
    adam_eps: float = 1e-8,
) -> torch.optim.Optimizer:
    """A ``torch.optim`` optimiser over ``params``, step ``lr · lr_scales[i]`` each.

    Parameters
    ----------
    optimizer
        ``"gd"`` (``W ← W − η(∇ℓ + λW)``), ``"momentum"`` (heavy-ball with
        ``momentum``), ``"adam"``, ``"adamw"`` (decoupled weight decay), ``"rmsprop"``.
    lr_scales
        One multiplier per tensor; 0 freezes it. Default all 1.
    adam_eps
        The ε that Adam and AdamW add to the root of the second moment.
    """
    scales = _check_scales(lr_scales, len(params))
    by_scale: dict[float, list[torch.Tensor]] = {}  # one group per multiplier
    for p, s in zip(params, scales):
        if s != 0:
            by_scale.setdefault(s, []).append(p)
    groups = [{"params": ps, "lr": lr * s} for s, ps in by_scale.items()]
    if optimizer in ("gd", "momentum"):
        beta = momentum if optimizer == "momentum" else 0.0
        return torch.optim.SGD(groups, lr=lr, momentum=beta, weight_decay=weight_decay)
    if optimizer == "adam":
        return torch.optim.Adam(groups, lr=lr, weight_decay=weight_decay, eps=adam_eps)
    if optimizer == "adamw":
        return torch.optim.AdamW(groups, lr=lr, weight_decay=weight_decay, eps=adam_eps)
    if optimizer == "rmsprop":
        return torch.optim.RMSprop(groups, lr=lr, weight_decay=weight_decay)
    raise ValueError(
        f"Got an unknown optimizer {optimizer!r}: use one of {OPTIMIZERS}."
    )


def _updater(tensors, optimizer, lr, momentum, weight_decay, lr_scales, adam_eps):
    """``update(grads)``: one in-place step of ``make_optimizer``'s rule on ``tensors``.

    Plain GD is applied directly (``W ← W − η s (∇ℓ + λW)``, what ``torch.optim.SGD``
    does): on the compressed network's tiny matrices the optimiser's per-step
    bookkeeping would cost more than the arithmetic.
    """
    if optimizer == "gd":
        steps = [lr * s for s in _check_scales(lr_scales, len(tensors))]

        def gd(grads):
            for p, g, step in zip(tensors, grads, steps):
                if step:
                    if weight_decay:
                        g = g.add(p, alpha=weight_decay)
                    p.sub_(g, alpha=step)

        if not any(p.requires_grad for p in tensors):
            return gd

        def update(grads):
            with torch.no_grad():
                gd(grads)

        return update

    opt = make_optimizer(
        tensors,
        optimizer,
        lr,
        momentum=momentum,
        weight_decay=weight_decay,
        lr_scales=lr_scales,
        adam_eps=adam_eps,
    )

    def update(grads):
        for p, g in zip(tensors, grads):
            p.grad = g
        opt.step()

    return update


def _trainable(params) -> list[torch.Tensor]:
    """The tensors to update: copies of a list, or a module's own trainable ones."""
    if isinstance(params, torch.nn.Module):
        return [p for p in params.parameters() if p.requires_grad]
    return [p.detach().clone() for p in params]


def train(
    params,
    objective: Objective,
    lr: float,
    n_steps: int,
    *,
    optimizer: str = "gd",
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    lr_scales: list[float] | None = None,
    adam_eps: float = 1e-8,
    tol: float | None = None,
    recorders: dict[str, Callable[[Step], Any]] | None = None,
    record_every: int | None = 1,
    divergence_factor: float = 1e8,
    progress: bool = False,
) -> History:
    """Train ``params`` for ``n_steps`` steps of ``optimizer`` on ``objective``.

    Parameters
    ----------
    params
        A list of tensors (copied: the caller's initialisation is kept) or a
        ``torch.nn.Module`` (its trainable parameters are trained in place, as
        ``torch.optim`` does).
    objective
        ``objective(params) -> (loss value, [gradient per tensor])``.
    lr, optimizer, momentum, weight_decay, lr_scales, adam_eps
        See ``make_optimizer``. The recorded loss includes the weight-decay term
        ``λ/2 Σ‖W‖²``.
    tol
        Stop as soon as the loss is ``≤ tol`` (``History.converged_step``).
    recorders
        Name → ``fn(Step)``, run every ``record_every`` steps (``None``: only at the
        end) and at the last step, before that step's update.
    divergence_factor
        A non-finite loss, or one above this many times the initial loss, raises
        ``DivergenceError``.
    """
    if lr <= 0 or n_steps < 0:
        raise ValueError(
            f"Training needs lr > 0 and n_steps ≥ 0, got lr={lr}, n_steps={n_steps}."
        )
    tensors = _trainable(params)
    update = _updater(
        tensors, optimizer, lr, momentum, weight_decay, lr_scales, adam_eps
    )
    recorders = recorders or {}
    records = {name: [] for name in recorders}
    losses, steps, converged, spent = [], [], None, 0.0
    for t in tqdm(range(n_steps + 1), disable=not progress, desc="train", leave=False):
        start = time.perf_counter()
        value, grads = objective(tensors)
        if weight_decay:
            value += (
                0.5
                * weight_decay
                * sum(float((p.detach() ** 2).sum()) for p in tensors)
            )
        spent += time.perf_counter() - start
        losses.append(value)
        if not np.isfinite(value) or value > divergence_factor * max(losses[0], 1e-300):
            raise DivergenceError(
                f"Training diverged at step {t}: loss {value:.3e} (initial "
                f"{losses[0]:.3e}) with lr={lr:g}. Use a smaller step size, e.g. "
                f"lr={lr / 10:.3g}, or a smaller initialisation."
            )
        done = t == n_steps or (tol is not None and value <= tol)
        if done or (record_every and t % record_every == 0):
            steps.append(t)
            state = Step(t, tensors, grads, value)
            for name, fn in recorders.items():
                records[name].append(fn(state))
        if done:
            converged = t if tol is not None and value <= tol else None
            break
        start = time.perf_counter()
        update(grads)
        spent += time.perf_counter() - start
    for p in tensors:
        p.grad = None
    return History(
        loss=np.asarray(losses),
        steps=np.asarray(steps, dtype=int),
        records=records,
        params=tensors,
        wall_time=spent,
        converged_step=converged,
    )


# Objectives


def autograd_objective(
    forward: Callable[[list[torch.Tensor], torch.Tensor], torch.Tensor],
    X: torch.Tensor,
    targets: torch.Tensor,
    *,
    loss: str = "mse",
    reduction: str = "sum",
    batch_size: int | None = None,
    seed: Seed = 0,
) -> Objective:
    """``losses.mlp_loss(forward(params, X), targets)`` with gradients from autograd.

    Parameters
    ----------
    forward
        ``(params, X (d, B)) -> outputs (K, B)``; for a module,
        ``lambda p, X: model(X)``. Stacked runs (``adapters.stack_models``) take
        ``X (S, d, N)`` and targets ``(S, N)``; a minibatch then takes the same columns
        of every run.
    targets
        ``(K, N)``, or ``(N,)`` labels.
    batch_size
        Minibatch SGD (drawn from ``seed``); the batch loss estimates the full-data
        loss under ``reduction`` (see ``lrdlib.losses``).
    """
    check_reduction(reduction)
    n = X.shape[-1]
    if targets.shape[-1] != n:
        raise ValueError(
            f"X has {n} samples (columns) but targets have {targets.shape[-1]}: give "
            "one target per sample."
        )
    g = check_random_state(seed)
    # samples as rows once, so that a minibatch is a gather of contiguous rows
    X_rows = X.movedim(-1, 0).contiguous() if batch_size else None

    def objective(params):
        if batch_size:
            idx = torch.randperm(n, generator=g)[:batch_size].to(X.device)
            Xb, Tb = X_rows[idx].movedim(0, -1), targets[..., idx]
        else:
            Xb, Tb = X, targets
        scale = n / Xb.shape[1] if reduction == "sum" else 1.0
        # Plain tensors get a graph of their own; a module's parameters are used as is.
        leaves = [p if p.requires_grad else p.detach().requires_grad_() for p in params]
        with torch.enable_grad():
            value = scale * mlp_loss(
                forward(leaves, Xb), Tb, kind=loss, reduction=reduction
            )
            grads = torch.autograd.grad(value, leaves)
        return float(value.detach()), list(grads)

    return objective


def module_objective(model: torch.nn.Module, X, targets, **kw) -> Objective:
    """``autograd_objective`` for a module trained in place.

    Pass the module itself to ``train``.
    """
    return autograd_objective(lambda params, Xb: model(Xb), X, targets, **kw)


# Recorders: functions of a Step


def singular_values(state: Step) -> list[np.ndarray]:
    """Per tensor, its singular values (descending)."""
    return [torch.linalg.svdvals(W).cpu().numpy() for W in state.params]


def left_singular_vectors(state: Step) -> list[np.ndarray]:
    """Per tensor, its left singular vectors ``(d_out, k)``."""
    return [
        torch.linalg.svd(W, full_matrices=False)[0].cpu().numpy() for W in state.params
    ]


def right_singular_vectors(state: Step) -> list[np.ndarray]:
    """Per tensor, its right singular vectors ``(d_in, k)``."""
    return [
        torch.linalg.svd(W, full_matrices=False)[2].T.cpu().numpy()
        for W in state.params
    ]


def snapshot(state: Step) -> list[torch.Tensor]:
    """A copy of every tensor."""
    return [p.detach().clone() for p in state.params]


def gradient(state: Step) -> list[torch.Tensor]:
    """A copy of the gradient of every tensor (the one this step's update uses)."""
    return [g.detach().clone() for g in state.grads]
