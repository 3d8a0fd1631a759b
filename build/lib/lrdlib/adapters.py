"""Low-rank adaptation of a frozen network: ``W_l = W_l(0) + A_{l,M} ⋯ A_{l,1}``.

An adapter is a chain of factors whose product is the update of one frozen weight:

- vanilla LoRA (Hu et al. 2022): ``[A (r, d_in), B (d_out, r)]``, ``A`` standard
  Gaussian, ``B = 0``, so the update starts at zero;
- Deep LoRA (Yaras et al. 2024): ``L`` ε-orthogonal factors of width ``w`` (the largest
  side of the weight by default); its product starts at size ``ε^L``;
- the compressed deep adapter: ``[V_inᵀ, ε I_r, …, ε I_r, U_out]`` built from the deep
  adapter's initialisation and one gradient (``compress_adapter``), with the outer
  factors trained at ``γ η``. This is the law of parsimony's compressed network
  (``models.compression_bases``) applied to the update of a frozen layer.

``AdaptedMLP`` carries the frozen weights as buffers and the factors as parameters, so
``train.train(model, train.module_objective(model, X, y), …)`` trains the adapters only.
"""

from __future__ import annotations

import torch

from .activations import Activation, activation
from .init import orthogonal_init
from .models import check_chain, compression_bases, end_to_end
from .precision import DEFAULT_DTYPE
from .rng import Seed, check_random_state, randn
from .subspaces import check_basis_rank

Adapter = list[torch.Tensor]  # factors [A_1 (w_1, d_in), …, A_M (d_out, w_{M−1})]


def _check_rank(rank: int, shape: tuple[int, int]) -> None:
    check_basis_rank(rank, shape, "An adapter")


def lora_factors(
    shape: tuple[int, int], rank: int, seed: Seed, *, dtype=DEFAULT_DTYPE, device=None
) -> Adapter:
    """Vanilla LoRA ``[A (rank, d_in) ~ N(0, 1), B = 0 (d_out, rank)]``.

    It adapts a weight of ``shape = (d_out, d_in)``; the update ``B A`` starts at zero.
    """
    _check_rank(rank, shape)
    d_out, d_in = shape
    A = randn(rank, d_in, seed=seed, dtype=dtype)
    B = torch.zeros(d_out, rank, dtype=dtype)
    return [A.to(device), B.to(device)]


def deep_factors(
    shape: tuple[int, int],
    depth: int,
    eps: float,
    seed: Seed,
    *,
    width: int | None = None,
    dtype=DEFAULT_DTYPE,
    device=None,
) -> Adapter:
    """Deep LoRA's ``depth`` ε-orthogonal factors, widths ``[d_in, w, …, w, d_out]``.

    Parameters
    ----------
    width
        The inner width ``w``; ``None`` takes ``max(shape)``, the overparameterised
        adapter of Yaras et al. 2024 that ``compress_adapter`` turns into a narrow one.
    """
    if depth < 2:
        raise ValueError(
            f"A deep adapter needs depth ≥ 2, got {depth}: it is a chain of at least "
            "two factors."
        )
    d_out, d_in = shape
    w = max(shape) if width is None else width
    _check_rank(w, (max(shape), max(shape)))
    widths = [d_in] + [w] * (depth - 1) + [d_out]
    return orthogonal_init(widths, eps, seed, dtype=dtype, device=device)


def compress_adapter(
    factors: Adapter, grad_first: torch.Tensor, rank: int, eps: float
) -> Adapter:
    """The narrow adapter ``[V_inᵀ, ε I_r × L, U_out]`` that compresses a deep one.

    ``V_inᵀ`` is ``(r, d_in)`` and ``U_out`` ``(d_out, r)``. Train its outer factors at
    ``γ η`` (``outer_scales``).

    Parameters
    ----------
    factors
        The deep adapter at initialisation (``deep_factors``, depth ``L``).
    grad_first
        The loss gradient in its first factor, the shape of ``factors[0]``.
    rank
        ``r``, even: ``r/2`` gradient directions and their images
        (``models.compression_bases``). ``U_out`` is orthonormalised when the adapter
        narrows (``d_out < d_in``); the product then starts at ``ε^L U_out V_inᵀ``
        instead of ``ε^L W_{L:1}(0)/ε^L`` restricted to ``V_in``, both of size ``ε^L``.
    """
    if rank % 2:
        raise ValueError(
            f"The compressed rank must be even (r/2 gradient directions and their "
            f"r/2 images), got {rank}: use an even rank such as {rank + 1}."
        )
    _check_rank(rank, tuple(factors[0].shape))
    _check_rank(rank, (factors[-1].shape[0], factors[0].shape[1]))
    U_out, V_in = compression_bases(factors, grad_first, rank // 2, eps)
    Q, R = torch.linalg.qr(U_out)
    U_out = Q * torch.sign(torch.diagonal(R))  # = U_out when it is orthonormal
    eye = torch.eye(rank, dtype=V_in.dtype, device=V_in.device)
    return [V_in.T.contiguous(), *[eps * eye for _ in factors], U_out]


class AdaptedMLP(torch.nn.Module):
    """A frozen MLP ``W_L φ(⋯ φ(W_1 X))`` with ``W_l = W_l(0) + A_{l,M} ⋯ A_{l,1}``.

    Only the factors are parameters, in layer order (``parameters()`` lists them so).

    Parameters
    ----------
    base_weights
        ``[W_1(0) (d_1, d_0), …]``, stored as buffers (never trained).
    adapters
        One factor chain per layer, or ``None`` to leave that layer frozen. Factors
        with a leading dimension ``S`` hold ``S`` independent adapters of the same base
        (``stack_models``); the model then maps ``(S, d_0, N)`` or ``(d_0, N)`` inputs
        to ``(S, d_L, N)``.
    """

    def __init__(
        self,
        base_weights: list[torch.Tensor],
        act: Activation | str,
        adapters: list[Adapter | None],
    ):
        super().__init__()
        check_chain(base_weights)
        if len(adapters) != len(base_weights):
            raise ValueError(
                f"Got {len(adapters)} adapters for {len(base_weights)} layers: give "
                "one per layer (None leaves a layer frozen)."
            )
        self.act = activation(act)
        self.n_layers = len(base_weights)
        self.factors = torch.nn.ModuleList()
        for l, (W, chain) in enumerate(zip(base_weights, adapters)):
            self.register_buffer(f"base_{l}", W.detach().clone())
            if chain is not None:
                product_shape = (chain[-1].shape[-2], chain[0].shape[-1])
                check_chain(chain)
                if product_shape != tuple(W.shape):
                    raise ValueError(
                        f"Layer {l + 1}: the adapter's product is {product_shape} but "
                        f"the weight is {tuple(W.shape)}. Build the factors for the "
                        "weight's shape."
                    )
            params = [torch.nn.Parameter(A.detach().clone()) for A in chain or []]
            self.factors.append(torch.nn.ParameterList(params))

    def base(self) -> list[torch.Tensor]:
        """The frozen weights ``[W_l(0)]``."""
        return [getattr(self, f"base_{l}") for l in range(self.n_layers)]

    def updates(self) -> list[torch.Tensor | None]:
        """``ΔW_l = A_{l,M} ⋯ A_{l,1}`` per layer (``None`` where no adapter)."""
        return [
            end_to_end(list(chain)) if len(chain) else None for chain in self.factors
        ]

    def weights(self) -> list[torch.Tensor]:
        """The adapted weights ``W_l(0) + ΔW_l``."""
        return [
            W if dW is None else W + dW for W, dW in zip(self.base(), self.updates())
        ]

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """``(d_0, N)`` → ``(d_L, N)``.

        Each layer computes ``W_l(0) h + A_{l,M}(⋯(A_{l,1} h))``, the factors applied
        to the features rather than multiplied out: ``mlp_forward(self.weights(), X)``
        to rounding, at a cost that grows with the adapter's width, not ``d²``.
        """
        h = X
        for l, (W, chain) in enumerate(zip(self.base(), self.factors)):
            z = W @ h
            if len(chain):
                u = h
                for A in chain:
                    u = A @ u
                z = z + u
            h = z if l == self.n_layers - 1 else self.act.fn(z)
        return h


def stack_models(models: list[AdaptedMLP]) -> AdaptedMLP:
    """``S`` adapted copies of one base network as one model that trains them at once.

    The factors are stacked along a new first dimension, so a loss summed over the
    runs (``losses.mlp_loss`` on outputs ``(S, K, N)``) gives each run its own
    gradient, and an element-wise optimiser (GD, Adam, AdamW) takes for each run
    exactly the steps it would take alone. Train it on inputs ``(S, d_0, N)``: run
    ``s`` sees ``X[s]``.
    """
    if not models:
        raise ValueError(
            "stack_models needs at least one model to stack: pass a non-empty list."
        )
    first = models[0]
    for m in models[1:]:
        same = all(torch.equal(a, b) for a, b in zip(m.base(), first.base()))
        shapes = [[A.shape for A in c] for c in m.factors]
        if not same or shapes != [[A.shape for A in c] for c in first.factors]:
            raise ValueError(
                "stack_models needs adapters of one base network with equal factor "
                "shapes: build every model with the same base weights, kind and rank."
            )
    chains = [
        [torch.stack([m.factors[l][i].detach() for m in models]) for i in range(len(c))]
        if len(c)
        else None
        for l, c in enumerate(first.factors)
    ]
    return AdaptedMLP(first.base(), first.act, chains)


KINDS = ("lora", "deep")


def adapted_mlp(
    base_weights: list[torch.Tensor],
    act: Activation | str,
    kind: str,
    seed: Seed,
    *,
    rank: int | None = None,
    depth: int = 3,
    eps: float = 1e-3,
    layers: list[int] | None = None,
) -> AdaptedMLP:
    """An ``AdaptedMLP`` with a fresh adapter on every layer in ``layers`` (or all).

    Parameters
    ----------
    kind
        ``"lora"`` (``lora_factors`` of ``rank``, capped at each weight's smaller side)
        or ``"deep"`` (``deep_factors`` of ``depth`` and ``eps``; ``rank`` sets the
        inner width, ``None`` the widest).
    seed
        One seed; the layers' adapters are drawn in order from it.
    """
    if kind not in KINDS:
        raise ValueError(f"Got an unknown adapter kind {kind!r}: use one of {KINDS}.")
    if kind == "lora" and rank is None:
        raise ValueError("Vanilla LoRA needs a rank: pass rank=r.")
    g = check_random_state(seed)
    chosen = range(len(base_weights)) if layers is None else layers
    adapters = []
    for l, W in enumerate(base_weights):
        shape, kw = tuple(W.shape), {"dtype": W.dtype, "device": W.device}
        if l not in chosen:
            adapters.append(None)
        elif kind == "lora":
            adapters.append(lora_factors(shape, min(rank, *shape), g, **kw))
        else:
            adapters.append(deep_factors(shape, depth, eps, g, width=rank, **kw))
    return AdaptedMLP(base_weights, act, adapters)


def compress_model(deep: AdaptedMLP, objective, rank: int, eps: float) -> AdaptedMLP:
    """The compressed adapters (``compress_adapter``) of a deep ``AdaptedMLP`` at init.

    Parameters
    ----------
    objective
        ``train.module_objective(deep, X, targets, …)``; its gradient at the deep
        model's current factors defines every layer's subspaces.
    rank
        The compressed rank, capped per layer at the largest even rank its weight
        allows (a ``K × m`` classifier layer has rank at most ``K``).
    """
    _, grads = objective([p for p in deep.parameters()])
    it = iter(grads)
    adapters = []
    for chain in deep.factors:
        grads_l = [next(it) for _ in chain]
        if not grads_l:
            adapters.append(None)
            continue
        factors = [A.detach() for A in chain]
        most = min(factors[-1].shape[0], factors[0].shape[1])
        adapters.append(
            compress_adapter(factors, grads_l[0], min(rank, most - most % 2), eps)
        )
    return AdaptedMLP(deep.base(), deep.act, adapters)


def outer_scales(model: AdaptedMLP, gamma: float) -> list[float]:
    """Step multipliers of a compressed model's factors, in ``parameters()`` order.

    ``γ`` for each adapter's outer factors ``V_inᵀ`` and ``U_out``, 1 for its inner
    ``ε I_r``.
    """
    scales = []
    for chain in model.factors:
        if len(chain):
            scales += [gamma, *([1.0] * (len(chain) - 2)), gamma]
    return scales
