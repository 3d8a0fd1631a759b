"""The book's models: deep linear networks, MLPs, and the compressed network.

The MLPs are the two-layer MLP of the theory and the deep and low-rank MLPs; the
compressed network is the law of parsimony's, of a deep linear network. Samples are
columns: ``X`` is ``(d, N)``, outputs ``(K, N)``. A network with widths
``[d_0, ..., d_L]`` has layers ``W_l ∈ R^{d_l × d_{l−1}}``. Deep linear networks and the
two-layer MLP are plain lists of tensors with closed-form gradients (the fast path of
``train.train``); the deep MLPs are modules (``torch.nn.Module``) trained through
autograd. Every model follows its tensors' dtype and device, and the modules survive
``.to(dtype)`` / ``.to(device)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .activations import Activation, activation
from .losses import Regression
from .precision import loose_tol
from .subspaces import check_basis_rank, check_rank, gradient_subspace
from .train import Objective, Step, autograd_objective

# Deep linear networks


def end_to_end(weights: list[torch.Tensor]) -> torch.Tensor:
    """``W_L ⋯ W_1``, shape ``(d_L, d_0)``."""
    P = weights[0]
    for W in weights[1:]:
        P = W @ P
    return P


def check_chain(weights: list[torch.Tensor]) -> None:
    """Raise ``ValueError`` if consecutive layers do not compose.

    Layer ``W_{l+1}`` needs ``d_l`` columns, the rows of ``W_l``.
    """
    for l, (A, B) in enumerate(zip(weights[:-1], weights[1:]), start=1):
        if B.shape[-1] != A.shape[-2]:
            raise ValueError(
                f"Layer {l + 1} has shape {tuple(B.shape)} but layer {l} outputs "
                f"{A.shape[-2]} features: W_{l + 1} needs {A.shape[-2]} columns."
            )


def dln_gradients(
    weights: list[torch.Tensor], loss
) -> tuple[float, list[torch.Tensor]]:
    """Loss value and ``[∂ℓ/∂W_1, …, ∂ℓ/∂W_L]`` of a deep linear network, closed form.

    ``∂ℓ/∂W_l = W_{L:l+1}ᵀ · ∂ℓ/∂P · W_{l−1:1}ᵀ``, evaluated as backpropagation through
    the prefix products ``W_{l:1}`` so that no product is formed twice: ``3L − 3``
    matrix products per call.

    Parameters
    ----------
    loss
        ``losses.Regression`` or ``losses.Completion`` (anything with ``grad(P)`` and
        ``value(P, g)``).
    """
    check_chain(weights)
    prefix = [weights[0]]
    for W in weights[1:]:
        prefix.append(W @ prefix[-1])
    D = loss.grad(prefix[-1])
    value = loss.value(prefix[-1], D)
    grads = [None] * len(weights)
    for l in range(len(weights) - 1, 0, -1):
        grads[l] = D @ prefix[l - 1].T
        D = weights[l].T @ D
    grads[0] = D
    return value, grads


def step_flops(shapes: list[tuple[int, int]], *, whitened: bool = True) -> int:
    """Floating-point operations of one ``dln_gradients`` call.

    ``shapes`` lists the layers' ``(d_l, d_{l−1})``. Each of the ``L − 1`` prefix
    products, backward products and layer gradients costs ``2 d_l d_{l−1} d_0``;
    non-whitened regression adds ``2 d_L d_0²`` for ``P C``.
    """
    d0 = shapes[0][1]
    total = sum(3 * 2 * out * inp * d0 for out, inp in shapes[1:])
    return total + (0 if whitened else 2 * shapes[-1][0] * d0 * d0)


# The two-layer MLP of the theory: f(X) = W_2 φ(W_1 X), W_2 fixed


def check_two_layer_shapes(W1, W2, X, Y) -> None:
    """Raise ``ValueError``, naming the mismatch, unless ``W_2 φ(W_1 X)`` fits ``Y``."""
    if W1.shape[1] != X.shape[0]:
        raise ValueError(
            f"W_1 is {tuple(W1.shape)} but X has {X.shape[0]} features (rows): "
            f"W_1 needs {X.shape[0]} columns."
        )
    if W2.shape[1] != W1.shape[0]:
        raise ValueError(
            f"W_2 is {tuple(W2.shape)} but W_1 has {W1.shape[0]} hidden units: "
            f"W_2 needs {W1.shape[0]} columns."
        )
    if Y.shape != (W2.shape[0], X.shape[1]):
        raise ValueError(
            f"Y must be (K, N) = {(W2.shape[0], X.shape[1])}, got {tuple(Y.shape)}: "
            "give one target column per sample and one row per output of W_2."
        )


def two_layer_gradient(
    W1, W2, X, Y, act: Activation | str
) -> tuple[float, torch.Tensor]:
    """Loss ``½‖W_2 φ(W_1X) − Y‖²`` and ``G_1 = [(W_2ᵀR) ⊙ φ'(W_1X)] Xᵀ`` ``(m, d)``.

    ``R = W_2 φ(W_1X) − Y``; ``W1`` is ``(m, d)``, ``W2`` ``(K, m)``, ``X`` ``(d, N)``
    and ``Y`` ``(K, N)``.
    """
    act = activation(act)
    check_two_layer_shapes(W1, W2, X, Y)
    Z = W1 @ X
    R = W2 @ act.fn(Z) - Y
    G1 = ((W2.T @ R) * act.grad(Z)) @ X.T
    return 0.5 * float((R * R).sum()), G1


# Deep MLPs: hidden layers apply φ, the last layer is linear


def mlp_forward(
    weights: list[torch.Tensor], X: torch.Tensor, act: Activation | str
) -> torch.Tensor:
    """``W_L φ(W_{L−1} ⋯ φ(W_1 X))``, output ``(K, N)``."""
    act = activation(act)
    h = X
    for W in weights[:-1]:
        h = act.fn(W @ h)
    return weights[-1] @ h


class DenseMLP(torch.nn.Module):
    """The full MLP ``W_L φ(W_{L−1} ⋯ φ(W_1 X))``; every entry of every layer trains."""

    def __init__(self, weights: list[torch.Tensor], act: Activation | str):
        super().__init__()
        check_chain(weights)
        self.act = activation(act)
        self.layers = torch.nn.ParameterList(
            [torch.nn.Parameter(W.detach().clone()) for W in weights]
        )

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """``(d_0, N)`` → ``(K, N)``."""
        return mlp_forward(list(self.layers), X, self.act)

    def dense_weights(self) -> list[torch.Tensor]:
        """The layers as detached tensors."""
        return [W.detach() for W in self.layers]


class LowRankMLP(torch.nn.Module):
    """Hidden layers ``W_l = A_l + U_l C_l V_lᵀ``; the forward pass never forms ``W_l``.

    ``U_l (d_l, r)``, ``C_l (r, r)``, ``V_l (d_{l−1}, r)`` are trainable
    (``train_bases=False`` freezes ``U_l``, ``V_l``); ``A_l`` is a frozen anchor (a
    registered buffer) or absent. The last layer ``K × d_{L−1}`` is already rank ``K``
    and stays dense.
    """

    def __init__(
        self,
        bases: list[tuple[torch.Tensor, torch.Tensor]],
        cores: list[torch.Tensor],
        last: torch.Tensor,
        act: Activation | str,
        *,
        anchors: list[torch.Tensor] | None = None,
        train_bases: bool = True,
    ):
        super().__init__()
        if len(cores) != len(bases) or (
            anchors is not None and len(anchors) != len(bases)
        ):
            raise ValueError(
                f"Got {len(bases)} bases and {len(cores)} cores: give one core (and "
                "one anchor, if any) per hidden layer."
            )
        for l, ((U, V), C) in enumerate(zip(bases, cores), start=1):
            if C.shape != (U.shape[1], V.shape[1]):
                raise ValueError(
                    f"Layer {l}: the core must be (r_U, r_V) = "
                    f"{(U.shape[1], V.shape[1])}, got {tuple(C.shape)}."
                )
        self.act = activation(act)

        def params(tensors, trainable=True):
            return torch.nn.ParameterList(
                [
                    torch.nn.Parameter(T.detach().clone(), requires_grad=trainable)
                    for T in tensors
                ]
            )

        self.U = params([U for U, _ in bases], train_bases)
        self.V = params([V for _, V in bases], train_bases)
        self.C = params(cores)
        self.last = torch.nn.Parameter(last.detach().clone())
        self.has_anchors = anchors is not None
        for l, A in enumerate(anchors or []):
            self.register_buffer(f"anchor{l}", A.detach().clone())

    def anchors(self) -> list[torch.Tensor] | None:
        """The frozen ``A_l`` (update form), or ``None`` (factorised form)."""
        if not self.has_anchors:
            return None
        return [getattr(self, f"anchor{l}") for l in range(len(self.C))]

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """``(d_0, N)`` → ``(K, N)``."""
        anchors = self.anchors()
        h = X
        for l, (U, C, V) in enumerate(zip(self.U, self.C, self.V)):
            z = U @ (C @ (V.T @ h))
            if anchors is not None:
                z = z + anchors[l] @ h
            h = self.act.fn(z)
        return self.last @ h

    def dense_weights(self) -> list[torch.Tensor]:
        """The layers as dense matrices (for analysis; training never builds them)."""
        Ws = [(U @ C @ V.T).detach() for U, C, V in zip(self.U, self.C, self.V)]
        anchors = self.anchors()
        if anchors is not None:
            Ws = [A + W for A, W in zip(anchors, Ws)]
        return Ws + [self.last.detach()]


FORMS = ("factorised", "update")


def n_trainable(model: torch.nn.Module) -> int:
    """Number of trainable scalars."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def projected_cores(weights: list[torch.Tensor], bases) -> list[torch.Tensor]:
    """``C_l = U_lᵀ W_l V_l``: the best approximation of ``W_l`` as ``U_l C_l V_lᵀ``."""
    return [U.T @ W @ V for W, (U, V) in zip(weights[:-1], bases)]


def low_rank_model(
    weights: list[torch.Tensor],
    bases,
    act: Activation | str,
    *,
    form: str = "factorised",
    cores: list[torch.Tensor] | None = None,
    train_bases: bool = True,
) -> LowRankMLP:
    """A ``LowRankMLP`` started from the full init ``weights`` and ``bases``.

    ``bases`` holds one pair per hidden layer. The last layer starts at ``weights[-1]``
    in both forms.

    Parameters
    ----------
    form
        ``"factorised"``: ``W_l = U_l C_l V_lᵀ`` with ``C_l(0)`` = ``cores`` or, by
        default, ``projected_cores(weights, bases)``; ``"update"``:
        ``W_l = W_l(0) + U_l C_l V_lᵀ`` with ``C_l(0) = 0``, so the model starts as the
        full network itself.
    """
    if form not in FORMS:
        raise ValueError(f"Got an unknown form {form!r}: use one of {FORMS}.")
    if len(bases) != len(weights) - 1:
        raise ValueError(
            f"Got {len(bases)} pairs of bases for {len(weights) - 1} hidden layers: "
            "give one (U, V) per hidden layer."
        )
    for l, (W, (U, V)) in enumerate(zip(weights, bases), start=1):
        if U.shape[0] != W.shape[0] or V.shape[0] != W.shape[1]:
            raise ValueError(
                f"Layer {l} is {tuple(W.shape)} but its bases are U {tuple(U.shape)}, "
                f"V {tuple(V.shape)}: U needs {W.shape[0]} rows and V {W.shape[1]}."
            )
    if form == "update":
        cores = [U.new_zeros(U.shape[1], V.shape[1]) for U, V in bases]
        return LowRankMLP(
            bases,
            cores,
            weights[-1],
            act,
            anchors=weights[:-1],
            train_bases=train_bases,
        )
    cores = projected_cores(weights, bases) if cores is None else cores
    return LowRankMLP(bases, cores, weights[-1], act, train_bases=train_bases)


# The compressed deep linear network (Yaras et al. 2023)


@dataclass
class CompressedDLN:
    """Outer factors around ``L`` small layers: ``U_out · W̃_L ⋯ W̃_1 · V_inᵀ``.

    ``V_in`` is the ``(d, 2r)`` orthonormal input basis, ``U_out`` the ``(d_y, 2r)``
    output basis and ``inner`` the ``L`` layers ``W̃_l``, each ``(2r, 2r)``.
    """

    V_in: torch.Tensor
    U_out: torch.Tensor
    inner: list[torch.Tensor]

    def layers(self) -> list[torch.Tensor]:
        """The network as one chain ``[V_inᵀ, W̃_1, …, W̃_L, U_out]`` for training."""
        return [self.V_in.T, *self.inner, self.U_out]

    def lr_scales(self, gamma: float) -> list[float]:
        """Step-size multipliers of ``layers()``: ``γ`` for the outer factors, else 1.

        ``gamma = 0`` freezes the outer factors.
        """
        return [gamma, *([1.0] * len(self.inner)), gamma]

    def projected_loss(self, loss: Regression) -> Regression:
        """The loss on the ``(2r, 2r)`` product, for frozen outer factors.

        For whitened regression, ``½‖U A Vᵀ − Φ‖² = ½‖A − UᵀΦV‖² + const``; the
        constant (``‖Φ‖² − ‖UᵀΦV‖²``, zero when Φ lies in the subspaces) is kept, so
        the values equal the full network's loss.
        """
        if loss.gram is not None:
            raise ValueError(
                "projected_loss needs whitened X (XXᵀ = I): train layers() with the "
                "full loss instead."
            )
        return Regression(self.U_out.T @ loss.phi @ self.V_in, None, loss.y_sq)


def _check_orthonormal(B: torch.Tensor, name: str) -> None:
    eye = torch.eye(B.shape[1], dtype=B.dtype, device=B.device)
    err = float(torch.linalg.matrix_norm(B.T @ B - eye))
    if err > loose_tol(B.dtype):
        raise ValueError(
            f"{name} must have orthonormal columns (‖BᵀB − I‖_F = {err:.2e}): start "
            "from an ε-orthogonal init, for which the compression is exact."
        )


def compression_bases(
    factors_init: list[torch.Tensor], grad_first: torch.Tensor, k: int, eps: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """The outer factors ``(U_out (d_out, 2k), V_in (d_in, 2k))`` of a compressed chain.

    ``V_in`` is the input-side gradient subspace of ``W_1`` (``V_{1,1}`` of the law) and
    ``U_out = W_{L:1}(0) V_in / ε^L``: orthonormal when every factor is square, only
    spanning the right subspace when the chain narrows to fewer outputs than inputs
    (Yaras et al. 2023, 2024).

    Parameters
    ----------
    factors_init
        ``[W_1(0), …, W_L(0)]``, ε-orthogonal.
    grad_first
        The gradient of the loss in ``W_1`` at init (the shape of ``W_1``).
    """
    _, V_in = gradient_subspace(factors_init[0], grad_first, k)
    U_out = end_to_end(factors_init) @ V_in / eps ** len(factors_init)
    return U_out, V_in


def compress(
    weights_init: list[torch.Tensor], loss, k: int, eps: float
) -> CompressedDLN:
    """The compressed network of a wide ε-orthogonal deep linear network, at init.

    ``U_{L,1} = W_{L:1}(0) V_{1,1} / ε^L`` and ``W̃_l(0) = ε I_{2k}``.

    Parameters
    ----------
    weights_init
        ``[W_1(0), …, W_L(0)]``, ``W_1`` of shape ``(d, d)``.
    loss
        The training loss; its gradient at init defines the subspace ``V_{1,1}``.
    k
        The number of gradient directions, the target's rank ``r``: the compressed
        layers are ``(2k, 2k)``.
    eps
        The initial scale ``ε`` of ``weights_init``.
    """
    check_rank(k, tuple(weights_init[0].shape), complement=True)
    _, grads = dln_gradients(weights_init, loss)
    U_out, V11 = compression_bases(weights_init, grads[0], k, eps)
    _check_orthonormal(U_out, "U_{L,1} = W_{L:1}(0) V_{1,1} / ε^L")
    eye = torch.eye(2 * k, dtype=V11.dtype, device=V11.device)
    return CompressedDLN(V11, U_out, [eps * eye for _ in weights_init])


def spectral_compress(
    surrogate: torch.Tensor, rank_hat: int, depth: int, eps: float
) -> CompressedDLN:
    """Kwon et al. 2024's compressed network, started from a spectral initialisation.

    Parameters
    ----------
    surrogate
        ``(d_y, d)`` estimate of the target from the data, e.g. ``P_Ω(Y)/p`` for matrix
        completion. Its top-``rank_hat`` SVD ``U Σ Vᵀ`` gives the chain
        ``[ε Vᵀ, ε I, …, ε I, ε U]`` of ``depth`` factors (``rank_hat = 2r`` in the
        paper); train its outer factors at ``α η`` with ``α ≥ 1`` (``lr_scales(α)``).
    """
    if depth < 2:
        raise ValueError(
            f"The spectral chain needs depth ≥ 2, got {depth}: it has two outer "
            "factors and depth − 2 inner ones."
        )
    check_basis_rank(rank_hat, tuple(surrogate.shape), "A spectral initialisation")
    U, _, Vh = torch.linalg.svd(surrogate, full_matrices=False)
    eye = torch.eye(rank_hat, dtype=surrogate.dtype, device=surrogate.device)
    inner = [eps * eye for _ in range(depth - 2)]
    return CompressedDLN(eps * Vh[:rank_hat].T, eps * U[:, :rank_hat], inner)


# Objectives: each model's loss and gradients for ``train.train``


def dln_objective(loss) -> Objective:
    """A deep linear network on ``loss``, with closed-form gradients.

    ``loss`` is a ``losses.Regression`` or ``losses.Completion``.
    """

    def objective(weights):
        return dln_gradients(weights, loss)

    return objective


def two_layer_objective(W2, X, Y, act: Activation | str) -> Objective:
    """``½‖W_2 φ(W_1 X) − Y‖²`` over ``[W_1]`` (``W_2`` fixed), closed-form gradient."""

    def objective(params):
        value, G1 = two_layer_gradient(params[0], W2, X, Y, act)
        return value, [G1]

    return objective


def mlp_objective(X, targets, act: Activation | str, **kw) -> Objective:
    """``autograd_objective`` of the deep MLP ``mlp_forward`` over its weight list."""
    return autograd_objective(lambda p, Xb: mlp_forward(p, Xb, act), X, targets, **kw)


# Recorders


def product_singular_values(state: Step) -> np.ndarray:
    """Singular values of the end-to-end matrix ``W_L ⋯ W_1``."""
    check_chain(state.params)
    return torch.linalg.svdvals(end_to_end(state.params)).cpu().numpy()
