"""Losses, with one reduction rule for the whole book.

**The rule.** The theory chapters use sums over samples, ``½‖f(X) − Y‖_F²`` (the
convention of the papers: whitened ``X Xᵀ = I`` is a sum, not a mean). The practice
chapters use means, as PyTorch does. Every loss here takes ``reduction="sum"`` or
``"mean"``; a minibatch loss is the unbiased estimate of the full-data loss under the
same reduction (a sum over ``B`` of ``N`` samples is scaled by ``N/B``). A step size on
a summed loss is ``N`` times smaller than the same step on the mean.

Deep linear networks: ``Regression`` and ``Completion`` are functions of the end-to-end
matrix ``P = W_L ⋯ W_1`` (``value(P)`` and ``grad(P) = ∂ℓ/∂P``);
``models.dln_gradients`` chains the latter through the layers, so one GD step costs
``O(L d³)`` whatever ``N`` is.

MLPs: ``mlp_loss(outputs, targets, kind, reduction)`` with outputs ``(K, N)`` and
targets either ``(K, N)`` (regression or one-hot) or ``(N,)`` integer labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .precision import rounding_tol

REDUCTIONS = ("sum", "mean")


def check_reduction(reduction: str) -> None:
    """Raise ``ValueError`` unless ``reduction`` is ``"sum"`` or ``"mean"``."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Got an unknown reduction {reduction!r}: use 'sum' (the theory chapters' "
            "convention) or 'mean'."
        )


@dataclass
class Regression:
    """Squared loss ``½‖P X − Y‖_F²`` stored through ``Φ = Y Xᵀ`` and ``C = X Xᵀ``.

    ``gram`` is ``None`` for whitened ``X`` (``C = I``); the loss is then
    ``½‖P − Φ‖² + ½(‖Y‖² − ‖Φ‖²)``, exact to rounding even at tiny loss.
    """

    phi: torch.Tensor  # (d_y, d)
    gram: torch.Tensor | None  # (d, d) or None when X is whitened
    y_sq: float  # ‖Y‖_F²
    phi_sq: float = field(init=False)  # ‖Φ‖_F², cached: it enters every loss value

    def __post_init__(self):
        self.phi_sq = float((self.phi.double() ** 2).sum())  # float64: see ``value``

    @classmethod
    def from_data(
        cls, X: torch.Tensor, Y: torch.Tensor, whitened_tol: float | None = None
    ) -> Regression:
        """Build from ``X (d, N)`` and ``Y (d_y, N)``.

        ``X`` counts as whitened if ``‖XXᵀ − I‖_F ≤ whitened_tol`` (default: rounding of
        the dtype).
        """
        if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
            raise ValueError(
                f"Got X {tuple(X.shape)} and Y {tuple(Y.shape)}, but X must be (d, N) "
                "and Y (d_y, N) with the same N: give one column per sample in both."
            )
        eye = torch.eye(X.shape[0], dtype=X.dtype, device=X.device)
        error = float(torch.linalg.matrix_norm(X @ X.T - eye))
        tol = (
            rounding_tol(X.dtype, X.shape[0]) if whitened_tol is None else whitened_tol
        )
        gram = None if error <= tol else X @ X.T
        return cls(Y @ X.T, gram, float((Y.double() ** 2).sum()))

    @classmethod
    def from_target(cls, phi: torch.Tensor) -> Regression:
        """Whitened regression onto ``Φ``: the loss ``½‖P − Φ‖²``.

        It is the loss of ``X = I``, ``Y = Φ``, or of any whitened data with
        ``Y Xᵀ = Φ`` up to a constant.
        """
        return cls(phi, None, float((phi.double() ** 2).sum()))

    def grad(self, P: torch.Tensor) -> torch.Tensor:
        """``∂ℓ/∂P = P C − Φ``, shape ``(d_y, d)``."""
        if P.shape != self.phi.shape:
            raise ValueError(
                f"The network maps R^{P.shape[1]} → R^{P.shape[0]}, but Φ has shape "
                f"{tuple(self.phi.shape)}: give the network {self.phi.shape[1]} inputs "
                f"and {self.phi.shape[0]} outputs."
            )
        return (P if self.gram is None else P @ self.gram) - self.phi

    def value(self, P: torch.Tensor, grad: torch.Tensor) -> float:
        """Loss at ``P`` given ``grad = self.grad(P)`` (reused, so no extra product).

        Never below zero: the constant ``‖Y‖² − ‖Φ‖²`` is at least 0 (Bessel: ``Φ`` is
        ``Y`` projected, or a projection of it), so it is summed in float64 and a
        rounding below 0 is clipped; so is the value of the general form.
        """
        if self.gram is None:
            # ‖grad‖² through a norm: no (d_y, d) temporary, which matters at d ≳ 500
            constant = max(0.0, self.y_sq - self.phi_sq)
            return 0.5 * float(torch.linalg.vector_norm(grad)) ** 2 + 0.5 * constant
        return max(0.0, 0.5 * float((P * (grad - self.phi)).sum()) + 0.5 * self.y_sq)


@dataclass
class Completion:
    """Matrix completion ``½‖mask ⊙ (P − target)‖_F²`` over the observed entries."""

    target: torch.Tensor  # (d_y, d)
    mask: torch.Tensor  # (d_y, d), 1 where observed

    def grad(self, P: torch.Tensor) -> torch.Tensor:
        """``mask ⊙ (P − target)``."""
        return self.mask * (P - self.target)

    def value(self, P: torch.Tensor, grad: torch.Tensor) -> float:
        """Loss at ``P`` given ``grad = self.grad(P)``."""
        return 0.5 * float(torch.linalg.vector_norm(grad)) ** 2

    def recovery_error(self, P: torch.Tensor) -> float:
        """Relative error ``‖P − target‖_F / ‖target‖_F`` over all entries.

        Observed and unobserved entries count alike.
        """
        gap = torch.linalg.matrix_norm(P - self.target)
        return float(gap / torch.linalg.matrix_norm(self.target))

    def unobserved_error(self, P: torch.Tensor) -> float:
        """Mean squared error over the unobserved entries.

        This is the recovery error of Kwon et al. 2024.
        """
        hidden = self.mask == 0
        if not hidden.any():
            raise ValueError(
                "The mask observes every entry, so there is no unobserved error: use "
                "recovery_error, or a mask with p < 1."
            )
        return float(((P - self.target)[hidden] ** 2).mean())


def mlp_loss(
    outputs: torch.Tensor,
    targets: torch.Tensor,
    *,
    kind: str = "mse",
    reduction: str = "sum",
) -> torch.Tensor:
    """``½‖f − Y‖²`` (``"mse"``) or cross-entropy (``"ce"``), summed or averaged.

    ``reduction`` is ``"sum"`` or ``"mean"`` over the samples.

    Parameters
    ----------
    outputs
        ``(K, N)``, or ``(S, K, N)`` for ``S`` independent runs stacked (see
        ``adapters.stack_models``): the loss is then the sum of the runs' losses, so
        each run's gradient is its own.
    targets
        ``(K, N)`` (real targets or one-hot) or ``(N,)`` integer labels, with the same
        leading ``S`` for stacked runs. Cross-entropy on one-hot targets uses their
        arg-max; squared error on labels uses one-hot.
    """
    check_reduction(reduction)
    n, n_classes = outputs.shape[-1], outputs.shape[-2]
    if targets.ndim == outputs.ndim - 1:
        if targets.shape != outputs.shape[:-2] + (n,):
            raise ValueError(
                f"Got labels of shape {tuple(targets.shape)} for outputs of shape "
                f"{tuple(outputs.shape)}: give one label per output column."
            )
        labels = targets
        onehot = None
    else:
        if targets.shape != outputs.shape:
            raise ValueError(
                f"Got targets of shape {tuple(targets.shape)}: they must be (K, N) = "
                f"{tuple(outputs.shape)} like the outputs, or (N,) labels."
            )
        labels, onehot = None, targets
    if kind == "mse":
        if onehot is None:
            onehot = torch.nn.functional.one_hot(labels, n_classes).movedim(-1, -2)
        total = 0.5 * ((outputs - onehot.to(outputs.dtype)) ** 2).sum()
    elif kind == "ce":
        labels = onehot.argmax(dim=-2) if labels is None else labels
        logits = outputs.movedim(-2, -1).reshape(-1, n_classes)
        total = torch.nn.functional.cross_entropy(
            logits, labels.reshape(-1), reduction="sum"
        )
    else:
        raise ValueError(
            f"Got an unknown loss {kind!r}: use 'mse' (½‖f − Y‖²) or 'ce' "
            "(cross-entropy)."
        )
    return total if reduction == "sum" else total / n
