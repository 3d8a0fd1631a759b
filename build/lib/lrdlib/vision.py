"""Small image classifiers (linear, MLP, CNN, ViT) and Wang et al. 2023's hybrid net.

The classifiers are a deep linear model, an MLP, a VGG-style CNN and a vision
transformer; the hybrid network stacks nonlinear and linear layers. Every model maps
``X (side², N)``, images as columns as ``lrdlib.data`` stores them, to outputs
``(K, N)``, so ``train.module_objective`` and ``measures.accuracy`` apply unchanged.
The four classifiers share one head, ``features → m → m → K``: the
**penultimate layer** is the ``m × m`` weight just before the classifier, the layer of
the talk's figure; ``track.weight_matrices`` lists every weight as a matrix (a
convolution kernel as ``out × in·k·k``), named by where it sits. Every model follows
``device`` and ``dtype`` like the rest of lrdlib (``model.to(device, dtype)``).
"""

from __future__ import annotations

import math
from functools import partial

import torch
from torch import nn

from .rng import Seed, spawn_seed

ARCHITECTURES = ("linear", "mlp", "vgg", "vit")


def _side(d: int) -> int:
    side = math.isqrt(d)
    if side * side != d:
        raise ValueError(
            f"Inputs of size {d} are not square images (side² pixels): give one "
            "flattened square image per column."
        )
    return side


def _head(features: int, width: int, n_classes: int, act: type[nn.Module] | None):
    """``features → m → m → K``, with ``act`` after each hidden layer (None: linear)."""
    layers = [nn.Linear(features, width), nn.Linear(width, width)]
    out = []
    for layer in layers:
        out += [layer] if act is None else [layer, act()]
    return [*out, nn.Linear(width, n_classes)]


class ImageClassifier(nn.Module):
    """``body`` on images ``(N, 1, side, side)``, then the shared head: ``(K, N)``."""

    def __init__(self, side: int, body: list[nn.Module], head: list[nn.Module]):
        super().__init__()
        self.side = side
        self.body = nn.Sequential(*body)
        self.head = nn.Sequential(*head)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """``(side², N)`` → ``(K, N)``."""
        images = X.T.reshape(-1, 1, self.side, self.side)
        return self.head(self.body(images)).T


class PatchEmbedding(nn.Module):
    """Non-overlapping ``patch × patch`` patches, each mapped linearly to ``dim``.

    A learned position embedding is added: ``(N, 1, s, s)`` → ``(N, (s/patch)², dim)``.
    """

    def __init__(self, side: int, patch: int, dim: int):
        super().__init__()
        if side % patch:
            raise ValueError(
                f"The patch size {patch} does not divide the image side {side}: use a "
                "divisor of the side."
            )
        self.patch = patch
        self.proj = nn.Linear(patch * patch, dim)
        self.position = nn.Parameter(0.02 * torch.randn((side // patch) ** 2, dim))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        p = self.patch
        patches = images.unfold(2, p, p).unfold(3, p, p).reshape(len(images), -1, p * p)
        return self.proj(patches) + self.position


class TransformerBlock(nn.Module):
    """Pre-norm block: ``x + attn(LN(x))``, then ``x + MLP(LN(x))`` (GELU)."""

    def __init__(self, dim: int, heads: int, mlp_width: int):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.mlp = nn.Sequential(
            nn.Linear(dim, mlp_width), nn.GELU(), nn.Linear(mlp_width, dim)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


class MeanToken(nn.Module):
    """Average over tokens and normalise: ``(N, T, dim)`` → ``(N, dim)``."""

    def __init__(self, dim: int):
        super().__init__()
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x.mean(dim=1))


def classifier(
    architecture: str,
    d: int,
    n_classes: int,
    *,
    width: int = 128,
    seed: Seed = 0,
    channels: tuple[int, int] = (16, 32),
    patch: int = 2,
    dim: int = 32,
    blocks: int = 2,
    heads: int = 2,
    device=None,
    dtype=None,
) -> ImageClassifier:
    """One of ``ARCHITECTURES`` for ``d = side²`` pixels, initialised from ``seed``.

    The initialisation is PyTorch's default, drawn from ``seed``. ``"linear"``: the head
    without activations (a deep linear network). ``"mlp"``: the head with ReLU.
    ``"vgg"``: two VGG blocks (two 3×3 convolutions with ReLU, 2×2 max pooling;
    ``channels``), then the head. ``"vit"``: patch embedding, ``blocks`` transformer
    blocks of ``heads`` heads, mean pooling, then the head with GELU.

    Parameters
    ----------
    device, dtype
        Where the parameters live (default: PyTorch's, float32 on the CPU).
    """
    if architecture not in ARCHITECTURES:
        raise ValueError(
            f"Got an unknown architecture {architecture!r}: use one of {ARCHITECTURES}."
        )
    side = _side(d)
    with torch.random.fork_rng(devices=[]):  # PyTorch's init, drawn from seed
        torch.manual_seed(spawn_seed(seed))
        model = _build(
            architecture, side, n_classes, width, channels, patch, dim, blocks, heads
        )
    return model.to(device=device, dtype=dtype)


def _build(architecture, side, n_classes, width, channels, patch, dim, blocks, heads):
    d = side * side
    if architecture in ("linear", "mlp"):
        act = None if architecture == "linear" else nn.ReLU
        return ImageClassifier(side, [nn.Flatten()], _head(d, width, n_classes, act))
    if architecture == "vgg":
        if side % 4:
            raise ValueError(
                f"The VGG's two poolings need an image side divisible by 4, got "
                f"{side}: crop or pad the images."
            )
        body, c_in = [], 1
        for c in channels:
            body += [
                nn.Conv2d(c_in, c, 3, padding=1),
                nn.ReLU(),
                nn.Conv2d(c, c, 3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
            ]
            c_in = c
        body.append(nn.Flatten())
        features = channels[-1] * (side // 4) ** 2
        return ImageClassifier(side, body, _head(features, width, n_classes, nn.ReLU))
    body = [PatchEmbedding(side, patch, dim)]
    body += [TransformerBlock(dim, heads, 2 * dim) for _ in range(blocks)]
    body.append(MeanToken(dim))
    return ImageClassifier(side, body, _head(dim, width, n_classes, nn.GELU))


def penultimate(model: ImageClassifier) -> torch.Tensor:
    """The ``m × m`` weight just before the classifier."""
    linears = [m for m in model.head if isinstance(m, nn.Linear)]
    return linears[-2].weight


def rescale_init(model: nn.Module, factor: float) -> nn.Module:
    """Multiply every weight matrix (not biases, norms, embeddings) by ``factor``.

    In place: the same network at another initial scale.
    """
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.ndim >= 2 and "position" not in name:
                p.mul_(factor)
    return model


def _nonlinear_block(d_in: int, width: int) -> nn.Module:
    return nn.Sequential(
        nn.Linear(d_in, width, bias=False), nn.BatchNorm1d(width), nn.ReLU()
    )


class HybridNetwork(nn.Module):
    """Wang et al. 2023's network: nonlinear blocks, linear layers, then a classifier.

    ``n_nonlinear`` blocks Linear + BatchNorm + ReLU, then ``n_linear`` linear layers,
    all of width ``m``, then a linear classifier. ``n_linear = 0`` is the all-nonlinear
    MLP of the same depth; ``device``, ``dtype`` place the parameters. ``features(X)``
    gives every hidden layer's output, ``(m, N)`` each, for the layer-wise measures.
    """

    def __init__(
        self,
        d: int,
        width: int,
        n_classes: int,
        n_nonlinear: int,
        n_linear: int,
        *,
        seed: Seed = 0,
        device=None,
        dtype=None,
    ):
        super().__init__()
        if n_nonlinear < 0 or n_linear < 0 or n_nonlinear + n_linear < 1:
            raise ValueError(
                f"The network needs at least one hidden layer, got {n_nonlinear} "
                f"nonlinear and {n_linear} linear: make n_nonlinear + n_linear ≥ 1."
            )
        self.kinds = ["nonlinear"] * n_nonlinear + ["linear"] * n_linear
        layers, d_in = [], d
        for kind in self.kinds:
            if kind == "nonlinear":
                layers.append(partial(_nonlinear_block, d_in, width))
            else:
                layers.append(partial(nn.Linear, d_in, width, bias=False))
            d_in = width
        with torch.random.fork_rng(devices=[]):  # PyTorch's init, drawn from seed
            torch.manual_seed(spawn_seed(seed))
            self.hidden = nn.ModuleList([make() for make in layers])
            self.classifier = nn.Linear(width, n_classes)
        self.to(device=device, dtype=dtype)

    def features(self, X: torch.Tensor) -> list[torch.Tensor]:
        """Hidden layers' outputs ``[(m, N), …]`` for inputs ``X (d, N)``."""
        h, out = X.T, []
        for layer in self.hidden:
            h = layer(h)
            out.append(h.T)
        return out

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """``(d, N)`` → ``(K, N)``."""
        return self.classifier(self.features(X)[-1].T).T
