"""Where the weight updates of any PyTorch model lie, layer by layer, over its training.

The book's question asked of a reader's own network, inside the reader's own training
loop (nothing here depends on ``lrdlib.train``)::

    tracker = UpdateTracker(model, rank=10)      # snapshots W(0) of every weight matrix
    for step in range(n_steps):
        ...                                      # forward, backward, optimiser step
        if step % 100 == 0:
            tracker.record(step)
    frame = tracker.frame()                      # one row per (step, layer)

Weight matrices are the ``weight`` of every ``nn.Linear`` (``d_out × d_in``), every
convolution's kernel as ``out × in·k·k``, and ``nn.MultiheadAttention``'s input
projection split into its query, key and value matrices (its output projection is a
``Linear``). For each, ``record`` measures the update ``ΔW = W − W(0)``:

- ``top_share``: the share of ``‖ΔW‖²`` in its top ``rank`` singular directions, and
  ``chance_share``, the same share for a Gaussian matrix of the same shape (what an
  update with no preferred directions would give);
- ``stable_rank``: ``‖ΔW‖_F² / ‖ΔW‖₂²``;
- ``angle_left``, ``angle_right``: the largest principal angle (radians) between the
  top-``rank`` left (right) singular subspace of ``ΔW`` now and at the previous record;
- ``relative_change``: ``‖ΔW‖_F / ‖W(0)‖_F``.

A record costs one SVD per matrix on the snapshot device, in float64: exact for small
matrices, randomised (``torch.svd_lowrank``, ``rank + 10`` columns, 4 power
iterations) for matrices whose smaller side exceeds ``4 (rank + 10)``, unless
``exact=True``; ``benchmarks/track.py`` measures the cost. Keep the snapshots on the
CPU (the default) to leave accelerator memory to the model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch

from .rng import check_random_state

Selection = Iterable[str] | Callable[[str], bool] | None


@dataclass
class _Tracked:
    """One weight matrix: how to read it now, its snapshot, and its last bases."""

    read: Callable[[], torch.Tensor]
    initial: torch.Tensor
    chance_share: float
    last_left: torch.Tensor | None = None
    last_right: torch.Tensor | None = None


def weight_matrices(model: torch.nn.Module) -> dict[str, Callable[[], torch.Tensor]]:
    """Name → a function returning the current 2-D view of each weight matrix.

    Names are the module's name and the parameter's: ``"0.weight"``, ``"conv.weight"``,
    ``"layers.0.self_attn.q"`` (the query third of ``in_proj_weight``).
    """
    out: dict[str, Callable[[], torch.Tensor]] = {}
    convolutions = (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d)
    for name, module in model.named_modules():
        prefix = f"{name}." if name else ""
        if isinstance(module, torch.nn.Linear):
            out[f"{prefix}weight"] = lambda m=module: m.weight
        elif isinstance(module, convolutions):
            out[f"{prefix}weight"] = lambda m=module: m.weight.flatten(1)
        elif isinstance(module, torch.nn.MultiheadAttention):
            if module.in_proj_weight is not None:
                for i, part in enumerate("qkv"):
                    out[f"{prefix}{part}"] = lambda m=module, i=i: (
                        m.in_proj_weight.chunk(3)[i]
                    )
            else:
                for part in "qkv":
                    out[f"{prefix}{part}"] = lambda m=module, p=part: getattr(
                        m, f"{p}_proj_weight"
                    )
    return out


def _select(names: list[str], layers: Selection) -> list[str]:
    if layers is None:
        return names
    if callable(layers):
        return [n for n in names if layers(n)]
    wanted = list(layers)
    unknown = [n for n in wanted if n not in names]
    if unknown:
        raise ValueError(
            f"the model has no weight matrices named {unknown}: choose among {names} "
            "(or pass a function of the name)"
        )
    return [n for n in names if n in wanted]


def _top_share(s: torch.Tensor, k: int) -> float:
    energy = s**2
    return float(energy[:k].sum() / energy.sum())


def _largest_angle(A: torch.Tensor, B: torch.Tensor) -> float:
    """Largest principal angle between the column spans of orthonormal A and B."""
    cosines = torch.linalg.svdvals(A.T @ B)
    return math.acos(min(1.0, float(cosines.min())))


class UpdateTracker:
    """Record where each weight matrix of ``model`` has moved since the tracker began.

    Parameters
    ----------
    model : any ``torch.nn.Module``; its weights are read, never changed.
    rank : ``k``, the number of singular directions whose share is measured (capped
        at each matrix's smaller side).
    layers : the weight-matrix names to track (see ``weight_matrices``), or a function
        of the name; ``None`` tracks all.
    device : where the snapshots ``W(0)`` and the measurements live (default CPU).
    exact : use the full SVD for every matrix (slower for large ones).
    seed : seeds the Gaussian matrices of ``chance_share`` and the randomised SVD.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        rank: int,
        *,
        layers: Selection = None,
        device: str | torch.device = "cpu",
        exact: bool = False,
        seed: int = 0,
    ):
        if rank < 1:
            raise ValueError(f"rank must be at least 1, got {rank}")
        available = weight_matrices(model)
        if not available:
            raise ValueError(
                f"{type(model).__name__} has no Linear, convolution or attention "
                "weights to track"
            )
        self.rank, self.device, self.exact = rank, torch.device(device), exact
        self._seed = seed
        g = check_random_state(seed)
        self._tracked: dict[str, _Tracked] = {}
        for name in _select(list(available), layers):
            W = available[name]().detach().to(self.device, torch.float64)
            k = min(rank, *W.shape)
            gaussian = torch.randn(*W.shape, generator=g, dtype=torch.float64)
            chance = _top_share(torch.linalg.svdvals(gaussian), k)
            self._tracked[name] = _Tracked(available[name], W.clone(), chance)
        self._rows: list[dict] = []

    @property
    def names(self) -> list[str]:
        """The tracked weight matrices, in the model's order."""
        return list(self._tracked)

    def record(self, step: int) -> None:
        """Measure every tracked matrix's update at ``step`` (one row per matrix)."""
        with torch.no_grad():
            for name, t in self._tracked.items():
                W = t.read().detach().to(self.device, torch.float64)
                delta = W - t.initial
                k = min(self.rank, *delta.shape)
                row = {
                    "step": step,
                    "layer": name,
                    "rows": delta.shape[0],
                    "cols": delta.shape[1],
                    "relative_change": float(
                        torch.linalg.matrix_norm(delta)
                        / torch.linalg.matrix_norm(t.initial)
                    ),
                    "chance_share": t.chance_share,
                }
                if not bool(delta.any()):
                    row |= dict.fromkeys(
                        ("top_share", "stable_rank", "angle_left", "angle_right"),
                        math.nan,
                    )
                    self._rows.append(row)
                    continue
                left, top, right = self._top_singular(delta, k)
                energy = float(torch.linalg.matrix_norm(delta) ** 2)
                row["top_share"] = min(1.0, float((top**2).sum()) / energy)
                row["stable_rank"] = energy / float(top[0] ** 2)
                row["angle_left"] = (
                    math.nan
                    if t.last_left is None
                    else _largest_angle(t.last_left, left)
                )
                row["angle_right"] = (
                    math.nan
                    if t.last_right is None
                    else _largest_angle(t.last_right, right)
                )
                t.last_left, t.last_right = left, right
                self._rows.append(row)

    def _top_singular(self, delta: torch.Tensor, k: int):
        """Top-k left vectors, singular values and right vectors of ``delta``."""
        q = k + 10
        if self.exact or min(delta.shape) <= 4 * q:
            U, s, Vh = torch.linalg.svd(delta, full_matrices=False)
            return U[:, :k], s[:k], Vh[:k].T
        torch.manual_seed(self._seed)  # svd_lowrank draws from the global generator
        U, s, V = torch.svd_lowrank(delta, q=q, niter=4)
        return U[:, :k], s[:k], V[:, :k]

    def frame(self):
        """The records as a ``pandas.DataFrame``, one row per (step, layer)."""
        import pandas as pd

        columns = [
            "step",
            "layer",
            "rows",
            "cols",
            "top_share",
            "chance_share",
            "stable_rank",
            "angle_left",
            "angle_right",
            "relative_change",
        ]
        return pd.DataFrame(self._rows, columns=columns)
