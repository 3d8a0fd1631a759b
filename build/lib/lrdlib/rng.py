"""One seed rule for the whole library, and the Haar sampler of orthogonal matrices.

Every random function takes ``seed``: an ``int``, ``None`` (a fresh unseeded draw) or a
``torch.Generator`` (used as is, so consecutive calls draw different numbers), the habit
of scikit-learn's ``check_random_state``. Draws are made on the CPU and then moved to
the requested device, so a seed gives the same numbers on a laptop and on a GPU.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch

from .precision import DEFAULT_DTYPE

Seed = int | torch.Generator | None


def check_random_state(seed: Seed) -> torch.Generator:
    """A CPU ``torch.Generator`` for ``seed`` (a generator is passed through as is)."""
    if isinstance(seed, torch.Generator):
        return seed
    if seed is None:
        g = torch.Generator()
        g.seed()
        return g
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"The seed must be an int, None or a torch.Generator, got {seed!r}: pass "
            "an integer for reproducible draws."
        )
    return torch.Generator().manual_seed(int(seed))


def spawn_seed(seed: Seed) -> int:
    """An integer seed drawn from ``seed``, for sub-draws that need their own stream."""
    return int(torch.randint(0, 2**31 - 1, (1,), generator=check_random_state(seed)))


def stream(seed: int, name: str) -> int:
    """The integer seed of the random stream ``name`` derived from ``seed``.

    The book's one rule for several draws from one ``SEED``: each draw gets a named
    stream (``rng.stream(SEED, "init")``, ``rng.stream(SEED, "target")``), derived with
    numpy's ``SeedSequence``, so different names give independent streams and the same
    name the same one. No seed is an offset of another.
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(
            f"The seed must be a non-negative int, got {seed!r}: pass one such as 0."
        )
    key = tuple(name.encode())
    state = np.random.SeedSequence(int(seed), spawn_key=key).generate_state(1)
    return int(state[0])


def randn(*shape: int, seed: Seed, dtype=DEFAULT_DTYPE, device=None) -> torch.Tensor:
    """Standard normal tensor of ``shape``, drawn on the CPU from ``seed``.

    The draw is then moved to ``device``, so a seed gives the same numbers everywhere.
    """
    z = torch.randn(*shape, generator=check_random_state(seed), dtype=dtype)
    return z.to(device) if device is not None else z


def haar_orthogonal(
    rows: int, cols: int, seed: Seed, *, dtype=DEFAULT_DTYPE, device=None
) -> torch.Tensor:
    """Haar-random ``(rows, cols)`` matrix with orthonormal rows or columns.

    The rows are orthonormal when ``rows ≤ cols``, the columns otherwise. It is the QR
    of a Gaussian matrix, with the signs of ``R``'s diagonal moved into ``Q`` (without
    that fix the distribution is not uniform).
    """
    if rows < 1 or cols < 1:
        raise ValueError(
            f"An orthogonal matrix needs positive sizes, got ({rows}, {cols}): give "
            "at least one row and one column."
        )
    A = torch.randn(
        max(rows, cols),
        min(rows, cols),
        generator=check_random_state(seed),
        dtype=dtype,
    )
    Q, R = torch.linalg.qr(A)
    Q = Q * torch.sign(torch.diagonal(R))
    # LAPACK returns Q column-major; row-major storage keeps later products on BLAS's
    # fast path (products with the transposed layout ran ~25% slower, see dln_step.py)
    Q = (Q if rows >= cols else Q.T).contiguous()
    return Q.to(device) if device is not None else Q
