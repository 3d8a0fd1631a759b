"""Dtype, device and random-generator conventions shared by every module.

Random draws are made on the CPU with a seeded ``torch.Generator`` and then moved to the requested
device, so a seed gives the same numbers on a laptop and on a GPU.
"""

from __future__ import annotations

import torch

DEFAULT_DTYPE = torch.float64


def make_generator(seed: int | torch.Generator) -> torch.Generator:
    """Return a CPU generator seeded with ``seed`` (a generator is passed through unchanged)."""
    if isinstance(seed, torch.Generator):
        return seed
    return torch.Generator().manual_seed(int(seed))


def randn(*shape: int, seed: int | torch.Generator, dtype=DEFAULT_DTYPE, device=None) -> torch.Tensor:
    """Standard normal tensor of ``shape``, drawn on the CPU from ``seed``, returned on ``device``."""
    z = torch.randn(*shape, generator=make_generator(seed), dtype=dtype)
    return z.to(device) if device is not None else z


def as_tensor(x, dtype=DEFAULT_DTYPE, device=None) -> torch.Tensor:
    """Convert an array-like to a tensor of ``dtype`` on ``device``."""
    return torch.as_tensor(x, dtype=dtype, device=device)
