"""Adapters (vanilla, deep, compressed) and Kwon et al.'s spectral initialisation."""

import numpy as np
import pytest
import torch

from lrdlib import adapters, data, init, losses, measures, models, rng, train


def _linear_adaptation(d=16, n=40, r=2, seed=0):
    """A frozen linear layer W0 on whitened X; the target needs a rank-r update."""
    W0 = init.orthogonal_init([d, d], 1.0, seed)[0]
    X = data.orthogonal_inputs(d, n, seed=seed + 1)
    M = data.low_rank_target(d, d, r, seed=seed + 2, top_singular_value=2.0)
    return W0, X, (W0 + M) @ X


def test_lora_starts_at_zero_and_checks_rank():
    A, B = adapters.lora_factors((10, 20), 4, seed=0)
    assert A.shape == (4, 20) and B.shape == (10, 4)
    assert float(models.end_to_end([A, B]).abs().max()) == 0.0
    with pytest.raises(ValueError, match="rank 11 is impossible"):
        adapters.lora_factors((10, 20), 11, seed=0)


def test_deep_adapter_starts_at_size_eps_to_the_depth():
    eps, L = 1e-2, 3
    factors = adapters.deep_factors((12, 20), L, eps, seed=0)
    assert [tuple(A.shape) for A in factors] == [(20, 20), (20, 20), (12, 20)]
    product = models.end_to_end(factors)
    # rows orthonormal up to ε^L: the chain of orthogonal factors is orthogonal
    gram = product @ product.T / eps ** (2 * L)
    assert torch.allclose(gram, torch.eye(12, dtype=gram.dtype), atol=1e-12)


def test_compressed_adapter_follows_the_deep_one_inside_its_subspace(device):
    """Whitened linear adaptation is deep matrix factorisation: the law of parsimony
    holds, so the compressed adapter (outer factors frozen) reproduces the deep
    adapter's update inside (U_out, V_in) to float64 rounding."""
    d, r, L, eps, lr, n_steps = 16, 2, 3, 1e-1, 0.2, 60
    W0, X, Y = (t.to(device) for t in _linear_adaptation(d=d, r=r))
    deep = adapters.adapted_mlp([W0], "linear", "deep", seed=5, depth=L, eps=eps)
    objective = train.module_objective(deep, X, Y)
    compressed = adapters.compress_model(deep, objective, 2 * r, eps)
    train.train(deep, objective, lr, n_steps, record_every=None)
    train.train(
        compressed,
        train.module_objective(compressed, X, Y),
        lr,
        n_steps,
        lr_scales=adapters.outer_scales(compressed, 0.0),
        record_every=None,
    )
    V_in, *_, U_out = [A.detach() for A in compressed.factors[0]]
    V_in = V_in.T
    inside_deep = U_out.T @ deep.updates()[0].detach() @ V_in
    inside_comp = U_out.T @ compressed.updates()[0].detach() @ V_in
    scale = float(torch.linalg.matrix_norm(inside_deep))
    assert scale > 1.0  # the update has grown from ε^L = 1e-3 to the target's size
    gap = float(torch.linalg.matrix_norm(inside_deep - inside_comp))
    assert gap < 1e-10 * scale


def test_compress_adapter_rejects_odd_and_impossible_ranks():
    factors = adapters.deep_factors((8, 8), 3, 0.1, seed=0)
    G = torch.randn(8, 8, dtype=factors[0].dtype)
    with pytest.raises(ValueError, match="even"):
        adapters.compress_adapter(factors, G, 3, 0.1)
    with pytest.raises(ValueError, match="impossible"):
        adapters.compress_adapter(factors, G, 10, 0.1)


def test_adapted_mlp_trains_the_factors_only():
    W = init.orthogonal_init([6, 8, 3], 1.0, seed=0)
    model = adapters.adapted_mlp(W, "gelu", "lora", seed=1, rank=2, layers=[0])
    assert [tuple(p.shape) for p in model.parameters()] == [(2, 6), (8, 2)]
    X, y = torch.randn(6, 20, dtype=W[0].dtype), torch.arange(20) % 3
    objective = train.module_objective(model, X, y, loss="ce", reduction="mean")
    history = train.train(model, objective, 0.1, 20, optimizer="adamw")
    assert history.loss[-1] < history.loss[0]
    assert all(torch.equal(B, W0) for B, W0 in zip(model.base(), W))
    assert model.double().base()[0].dtype == torch.float64  # bases are buffers
    with pytest.raises(ValueError, match="2 adapters for 3 layers"):
        adapters.AdaptedMLP(
            init.orthogonal_init([4, 4, 4, 4], 1.0, 0), "relu", [None] * 2
        )
    with pytest.raises(ValueError, match="unknown adapter kind"):
        adapters.adapted_mlp(W, "gelu", "wide", seed=0)


def test_spectral_init_spans_the_target_under_full_observation():
    d, r, L, eps = 20, 3, 3, 1e-2
    Y = data.low_rank_target(d, d, r, seed=0, top_singular_value=1.0)
    net = models.spectral_compress(Y, 2 * r, L, eps)
    product = models.end_to_end(net.layers())
    assert [tuple(A.shape) for A in net.layers()] == [(6, 20), (6, 6), (20, 6)]
    U, _, Vh = torch.linalg.svd(Y)
    # ε^L · (top-2r left) (top-2r right)ᵀ: the target's r directions lie inside
    P, _, Qh = torch.linalg.svd(product / eps**L)
    for ours, target in ((P[:, : 2 * r], U[:, :r]), (Qh[: 2 * r].T, Vh[:r].T)):
        np.testing.assert_allclose(
            measures.principal_angles(ours, target), 0.0, atol=1e-6
        )
    with pytest.raises(ValueError, match="rank 21 is impossible"):
        models.spectral_compress(Y, 21, L, eps)


def test_spectral_init_completes_a_matrix():
    """Kwon et al.'s compressed network recovers a low-rank matrix from a quarter of
    its entries (a smoke test of the whole route: surrogate, chain, α η)."""
    d, r, p = 30, 2, 0.4
    Y = data.low_rank_target(d, d, r, seed=1, top_singular_value=1.0)
    mask = data.observation_mask(d, d, p, seed=2)
    loss = losses.Completion(Y, mask)
    net = models.spectral_compress(mask * Y / p, 2 * r, 3, 1e-2)
    run = train.train(
        net.layers(),
        models.dln_objective(loss),
        0.5,
        3000,
        lr_scales=net.lr_scales(2.0),
        record_every=None,
    )
    assert loss.recovery_error(models.end_to_end(run.params)) < 1e-2


def test_stacked_runs_take_each_runs_own_steps():
    W = init.orthogonal_init([12, 10, 10, 4], 1.0, 0, dtype=torch.float64)
    X = rng.randn(3, 12, 8, seed=1, dtype=torch.float64)
    y = torch.randint(0, 4, (3, 8), generator=rng.check_random_state(2))
    for kind in ("lora", "deep"):
        runs = [
            adapters.adapted_mlp(W, "gelu", kind, s, rank=2, eps=1e-2) for s in range(3)
        ]
        stacked = adapters.stack_models(runs)
        objective = train.module_objective(stacked, X, y, loss="ce", reduction="mean")
        train.train(stacked, objective, 1e-2, 30, optimizer="adamw", record_every=None)
        for s, run in enumerate(runs):
            alone = train.module_objective(run, X[s], y[s], loss="ce", reduction="mean")
            train.train(run, alone, 1e-2, 30, optimizer="adamw", record_every=None)
            for together, by_itself in zip(stacked.parameters(), run.parameters()):
                torch.testing.assert_close(together[s].detach(), by_itself.detach())
        accuracies = measures.accuracy(stacked, X[0], y[0])
        assert accuracies.shape == (3,)
        assert accuracies[1] == measures.accuracy(runs[1], X[0], y[0])
    with pytest.raises(ValueError, match="at least one model"):
        adapters.stack_models([])
    with pytest.raises(ValueError, match="same base weights"):
        other = init.orthogonal_init([12, 10, 10, 4], 1.0, 5, dtype=torch.float64)
        adapters.stack_models(
            [runs[0], adapters.adapted_mlp(other, "gelu", "deep", 0, rank=2)]
        )


def test_factors_applied_to_features_match_the_multiplied_out_weights():
    W = init.orthogonal_init([12, 10, 10, 4], 1.0, 0, dtype=torch.float64)
    model = adapters.adapted_mlp(W, "gelu", "deep", 3, rank=4, eps=0.5)
    X = rng.randn(12, 7, seed=4, dtype=torch.float64)
    expected = models.mlp_forward(model.weights(), X, "gelu")
    torch.testing.assert_close(model(X), expected)


def test_unobserved_error_is_the_mean_over_hidden_entries():
    target = torch.arange(6.0).reshape(2, 3)
    mask = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    completion = losses.Completion(target, mask)
    guess = target + torch.tensor([[9.0, 1.0, 9.0], [3.0, 9.0, 9.0]])
    assert completion.unobserved_error(guess) == pytest.approx((1 + 9) / 2)
    with pytest.raises(ValueError, match="observes every entry"):
        losses.Completion(target, torch.ones(2, 3)).unobserved_error(guess)
