"""Activations ``φ`` with their derivatives, as the two-layer theory needs them.

``smooth`` is False for ReLU, whose derivative is a 0/1 mask that does not become
constant as the initialisation shrinks; that is why the invariant-subspace theory needs
smooth activations.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Activation:
    """An activation ``φ`` with its derivative ``φ'`` and ``φ'(0)``."""

    name: str
    fn: Callable[[torch.Tensor], torch.Tensor]
    grad: Callable[[torch.Tensor], torch.Tensor]
    slope_at_zero: float
    smooth: bool


def _gelu_grad(z):
    cdf = 0.5 * (1 + torch.erf(z / math.sqrt(2)))
    return cdf + z * torch.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def _silu_grad(z):
    s = torch.sigmoid(z)
    return s * (1 + z * (1 - s))


def _elu_grad(z):
    return torch.where(z > 0, torch.ones_like(z), torch.exp(z))


def _tanh_grad(z):
    return 1 - torch.tanh(z) ** 2


def _relu_grad(z):
    return (z > 0).to(z.dtype)


def _identity(z):
    return z


ACTIVATIONS = {
    "gelu": Activation("gelu", torch.nn.functional.gelu, _gelu_grad, 0.5, True),
    "silu": Activation("silu", torch.nn.functional.silu, _silu_grad, 0.5, True),
    "elu": Activation("elu", torch.nn.functional.elu, _elu_grad, 1.0, True),
    "tanh": Activation("tanh", torch.tanh, _tanh_grad, 1.0, True),
    "relu": Activation("relu", torch.relu, _relu_grad, 0.0, False),
    "linear": Activation("linear", _identity, torch.ones_like, 1.0, True),
}


def activation(act: Activation | str) -> Activation:
    """Look up an activation by name (an ``Activation`` is passed through)."""
    if isinstance(act, Activation):
        return act
    if act not in ACTIVATIONS:
        raise ValueError(
            f"Got an unknown activation {act!r}: choose one of {sorted(ACTIVATIONS)}, "
            "or pass an Activation."
        )
    return ACTIVATIONS[act]
