"""Where the weight updates of any PyTorch model lie, layer by layer, over its training.

The book's question asked of a reader's own network, inside the reader's own training
loop (nothing here depends on ``lrdlib.train``)::

    tracker = UpdateTracker(model, rank=10)      # snapshots W(0) of every weight matrix
    for step in range(n_steps):
        ...                                      # forward, backward, optimiser step
        if step % 100 == 0:
            tracker.record(step)
    frame = tracker.frame()                      # one row per (step, layer)

``FeatureTracker`` asks the same of the features: forward hooks on the layers one
names, and per record their numerical rank, class compression, discrimination and
linear-probe accuracy on a fixed batch.

Weight matrices are the ``weight`` of every ``nn.Linear`` (``d_out × d_in``), every
convolution's kernel as ``out × in·k·k``, and ``nn.MultiheadAttention``'s input
projection split into its query, key and value matrices (its output projection is a
``Linear``), named ``….q_proj``, ``….k_proj``, ``….v_proj``. For each, ``record``
measures the update ``ΔW = W − W(0)``:

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

from . import measures
from .rng import check_random_state

Selection = Iterable[str] | Callable[[str], bool] | None


@dataclass
class _Tracked:
    """One weight matrix: its snapshot ``W(0)``, its chance share and last bases."""

    initial: torch.Tensor
    chance_share: float
    last_left: torch.Tensor | None = None
    last_right: torch.Tensor | None = None


def weight_matrices(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Every weight matrix of ``model`` by name, as a 2-D view of its parameter.

    ``nn.Linear`` weights as they are (``"0.weight"``), convolution kernels as
    ``out × in·k·k``, ``nn.MultiheadAttention``'s input projection split into its query,
    key and value matrices (``"layers.0.self_attn.q_proj"``). Biases, norms and
    embeddings are left out.
    """
    out: dict[str, torch.Tensor] = {}
    convolutions = (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d)
    for name, module in model.named_modules():
        prefix = f"{name}." if name else ""
        if isinstance(module, torch.nn.Linear):
            out[f"{prefix}weight"] = module.weight
        elif isinstance(module, convolutions):
            out[f"{prefix}weight"] = module.weight.flatten(1)
        elif isinstance(module, torch.nn.MultiheadAttention):
            if module.in_proj_weight is not None:
                parts = module.in_proj_weight.chunk(3)
            else:
                parts = [getattr(module, f"{p}_proj_weight") for p in "qkv"]
            for part, W in zip("qkv", parts):
                out[f"{prefix}{part}_proj"] = W
    return out


def _frame(rows: list[dict], columns: list[str]):
    """``rows`` as a ``pandas.DataFrame``, or a clear error where pandas is missing."""
    try:
        import pandas as pd
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "frame() returns a pandas DataFrame and pandas is not installed: install "
            "it with `pip install pandas`, or read the plain rows in `.records`."
        ) from None
    return pd.DataFrame(rows, columns=columns)


def _select(names: list[str], layers: Selection) -> list[str]:
    if layers is None:
        return names
    if callable(layers):
        return [n for n in names if layers(n)]
    wanted = list(layers)
    unknown = [n for n in wanted if n not in names]
    if unknown:
        raise ValueError(
            f"The model has no layers named {unknown}. Choose among {names}, or pass "
            "a function of the name."
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
    model
        Any ``torch.nn.Module``; its weights are read, never changed.
    rank
        ``k``, the number of singular directions whose share is measured (capped
        at each matrix's smaller side).
    layers
        The weight-matrix names to track (see ``weight_matrices``), or a function
        of the name; ``None`` tracks all.
    device
        Where the snapshots ``W(0)`` and the measurements live (default CPU).
    exact
        Use the full SVD for every matrix (slower for large ones).
    seed
        Seeds the Gaussian matrices of ``chance_share`` and the randomised SVD.
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
            raise ValueError(
                f"The rank must be at least 1, got {rank}: pass rank=k ≥ 1."
            )
        available = weight_matrices(model)
        if not available:
            raise ValueError(
                f"{type(model).__name__} has no Linear, convolution or attention "
                "weights to track: pass the model that holds them."
            )
        self.model = model
        self.rank, self.device, self.exact = rank, torch.device(device), exact
        self._seed = seed
        g = check_random_state(seed)
        self._tracked: dict[str, _Tracked] = {}
        for name in _select(list(available), layers):
            W = available[name].detach().to(self.device, torch.float64)
            k = min(rank, *W.shape)
            gaussian = torch.randn(*W.shape, generator=g, dtype=torch.float64)
            chance = _top_share(torch.linalg.svdvals(gaussian), k)
            self._tracked[name] = _Tracked(W.clone(), chance)
        self.records: list[dict] = []

    @property
    def names(self) -> list[str]:
        """The tracked weight matrices, in the model's order."""
        return list(self._tracked)

    def initial(self, name: str) -> torch.Tensor:
        """The snapshot ``W(0)`` of the weight matrix ``name``, in float64."""
        self._check_tracked(name)
        return self._tracked[name].initial

    def _check_tracked(self, name: str) -> None:
        if name not in self._tracked:
            raise ValueError(f"{name!r} is not tracked. Choose among {self.names}.")

    def update(self, name: str) -> torch.Tensor:
        """``ΔW = W − W(0)`` of the weight matrix ``name`` now, in float64."""
        if name not in self._tracked:
            raise ValueError(f"{name!r} is not tracked. Choose among {self.names}.")
        W = weight_matrices(self.model)[name].detach().to(self.device, torch.float64)
        return W - self._tracked[name].initial

    def record(self, step: int) -> None:
        """Measure every tracked matrix's update at ``step`` (one row per matrix)."""
        with torch.no_grad():
            for name, t in self._tracked.items():
                delta = self.update(name)
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
                    self.records.append(row)
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
                self.records.append(row)

    def _top_singular(self, delta: torch.Tensor, k: int):
        """Top-k left vectors, singular values and right vectors of ``delta``."""
        q = k + 10
        if self.exact or min(delta.shape) <= 4 * q:
            U, s, Vh = torch.linalg.svd(delta, full_matrices=False)
            return U[:, :k], s[:k], Vh[:k].T
        # svd_lowrank draws from the global generator: seed it, leave the caller's be
        cuda = [delta.device.index or 0] if delta.is_cuda else []
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(self._seed)
            U, s, V = torch.svd_lowrank(delta, q=q, niter=4)
        return U[:, :k], s[:k], V[:, :k]

    def frame(self):
        """The records as a ``pandas.DataFrame``, one row per (step, layer)."""
        return _frame(self.records, UPDATE_COLUMNS)


UPDATE_COLUMNS = [
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


FeatureMeasure = Callable[..., float]


def feature_measures(*, energy: float = 0.95) -> dict[str, FeatureMeasure]:
    """The ``FeatureTracker``'s default measures, name → ``fn(H, y, H_test, y_test)``.

    ``H (m, N)`` holds one layer's features of the tracked batch, one column per
    sample; ``H_test``, ``y_test`` those of the test batch (``None`` without one).

    - ``numerical_rank``: ``measures.numerical_rank(H, energy)``, the fewest centred
      singular directions that hold ``energy`` of the squared norm;
    - ``class_compression``: ``C = tr Σ_W / tr Σ_B`` (``measures.class_scatter``);
    - ``discrimination``: ``1 − max cos`` between centred class means;
    - ``probe_accuracy``: a ridge linear probe's accuracy on the test batch (on the
      tracked batch itself where there is none).
    """
    return {
        "numerical_rank": lambda H, y, *_: measures.numerical_rank(H, energy),
        "class_compression": lambda H, y, *_: measures.class_scatter(H, y).ratio,
        "discrimination": lambda H, y, *_: measures.discrimination(H, y),
        "probe_accuracy": lambda H, y, H_test, y_test: (
            measures.linear_probe(H, y, H, y)
            if H_test is None
            else measures.linear_probe(H, y, H_test, y_test)
        ),
    }


class FeatureTracker:
    """Record what the features of chosen layers of ``model`` look like on a batch.

    Forward hooks read each layer's output (batch first, ``(N, …)``, flattened to
    ``N × m``) while ``model(inputs)`` runs without gradients in eval mode; the model's
    training mode is restored after each record.

    Parameters
    ----------
    model
        Any ``torch.nn.Module``.
    inputs
        What ``model`` takes, holding ``N`` samples.
    labels
        (N,) integer class labels of ``inputs``.
    layers
        Names of the modules whose outputs to measure (``model.named_modules()``);
        ``None`` takes every activation module (``nn.ReLU``, ``nn.GELU``, …).
    test
        ``(inputs, labels)`` of a held-out batch for the probe, or ``None``.
    include_input
        Also measure ``inputs`` themselves, as the layer ``"input"``
        (flattened per sample, or as given for ``(d, N)`` inputs with
        ``samples_as_columns=True``).
    samples_as_columns
        ``inputs`` are ``(d, N)``, one column per sample (the
        book's convention), rather than batch first.
    measures
        Name → ``fn(H, y, H_test, y_test)``; default ``feature_measures()``.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        inputs,
        labels,
        *,
        layers: Iterable[str] | None = None,
        test: tuple | None = None,
        include_input: bool = False,
        samples_as_columns: bool = False,
        measures: dict[str, FeatureMeasure] | None = None,
    ):
        modules = dict(model.named_modules())
        if layers is None:
            layers = [n for n, m in modules.items() if _is_activation(m)]
            if not layers:
                raise ValueError(
                    f"{type(model).__name__} has no activation modules: name the "
                    "layers whose outputs to measure with layers=[...]."
                )
        layers = list(layers)
        unknown = [n for n in layers if n not in modules]
        if unknown:
            raise ValueError(
                f"The model has no modules named {unknown}. Choose among "
                f"{[n for n in modules if n]}."
            )
        self.model, self.layers = model, layers
        self.inputs, self.labels = inputs, torch.as_tensor(labels)
        self.test = test
        self.include_input, self.samples_as_columns = include_input, samples_as_columns
        self.measures = feature_measures() if measures is None else dict(measures)
        self.records: list[dict] = []

    def features(self, inputs) -> dict[str, torch.Tensor]:
        """Layer name → its features ``(m, N)`` on ``inputs``, one column per sample."""
        captured: dict[str, torch.Tensor] = {}
        modules = dict(self.model.named_modules())

        def hook(name):
            def keep(module, args, output):
                captured[name] = output.detach().flatten(1).T

            return keep

        handles = [modules[n].register_forward_hook(hook(n)) for n in self.layers]
        training = self.model.training
        try:
            self.model.eval()
            with torch.no_grad():
                self.model(inputs)
        finally:
            self.model.train(training)
            for h in handles:
                h.remove()
        out = {}
        if self.include_input:
            X = torch.as_tensor(inputs)
            out["input"] = X if self.samples_as_columns else X.flatten(1).T
        return out | {n: captured[n] for n in self.layers}

    def record(self, step: int) -> None:
        """Measure every layer's features at ``step`` (one row per layer)."""
        train = self.features(self.inputs)
        test = self.features(self.test[0]) if self.test is not None else None
        y_test = torch.as_tensor(self.test[1]) if self.test is not None else None
        for name, H in train.items():
            H = H.double()
            H_test = None if test is None else test[name].double()
            row = {"step": step, "layer": name, "width": H.shape[0]}
            for measure, fn in self.measures.items():
                row[measure] = fn(H, self.labels, H_test, y_test)
            self.records.append(row)

    def frame(self):
        """The records as a ``pandas.DataFrame``, one row per (step, layer)."""
        return _frame(self.records, ["step", "layer", "width", *self.measures])


def _is_activation(module: torch.nn.Module) -> bool:
    """An element-wise activation module of ``torch.nn`` (not attention)."""
    return module.__class__.__module__ == "torch.nn.modules.activation" and not (
        isinstance(module, torch.nn.MultiheadAttention)
    )
