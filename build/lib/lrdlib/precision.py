"""Dtype conventions and tolerances that scale with the dtype's precision.

The theory chapters run in float64 (the book's default); a GPU user's default is
float32. Every check inside lrdlib that compares a computed quantity with an exact one
takes its tolerance from here, so the same code accepts float32 inputs with
float32-sized rounding.
"""

from __future__ import annotations

import torch

DEFAULT_DTYPE = torch.float64


def machine_eps(dtype: torch.dtype) -> float:
    """Unit roundoff of a floating dtype (2.2e-16 for float64, 1.2e-7 for float32)."""
    return float(torch.finfo(dtype).eps)


def loose_tol(dtype: torch.dtype) -> float:
    """``√eps``: half the digits, the tolerance of checks like "is it orthonormal"."""
    return machine_eps(dtype) ** 0.5


def rounding_tol(dtype: torch.dtype, n: int = 1) -> float:
    """``10⁴ · eps · √n``: room for the rounding of a computation over ``n`` entries."""
    return 1e4 * machine_eps(dtype) * max(n, 1) ** 0.5
