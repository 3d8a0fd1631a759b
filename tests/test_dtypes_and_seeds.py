"""Every model and construction in float32 as in float64, dtype/device moves, and the
seed rule."""

import numpy as np
import pytest
import torch

from lrdlib import data, init, losses, measures, models, rng, subspaces, theory, train

DTYPES = [torch.float32, torch.float64]


def tol(dtype):
    return 1e-4 if dtype == torch.float32 else 1e-10


@pytest.mark.parametrize("dtype", DTYPES)
def test_law_of_parsimony_in_both_dtypes(dtype, device):
    d, r, L, eps, lr, n = 16, 2, 3, 1.0, 1 / 500, 30
    target = data.low_rank_target(d, d, r, seed=0, dtype=dtype).to(device)
    W0 = init.orthogonal_init([d] * (L + 1), eps, seed=1, dtype=dtype, device=device)
    objective = models.dln_objective(losses.Regression.from_target(target))
    h = train.train(W0, objective, lr, n, recorders={"sv": train.singular_values})
    assert h.params[0].dtype == dtype and h.params[0].device.type == device.type
    rho = theory.rho_square(eps, lr, n, L)
    np.testing.assert_allclose(
        h.series("sv", 0)[:, r:-r], rho[:, None].repeat(d - 2 * r, 1), rtol=tol(dtype)
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_compress_accepts_either_dtype(dtype):
    d, r, L, eps = 20, 2, 3, 0.1
    loss = losses.Regression.from_target(
        data.low_rank_target(d, d, r, seed=3, top_singular_value=2.0, dtype=dtype)
    )
    W0 = init.orthogonal_init([d] * (L + 1), eps, seed=4, dtype=dtype)
    net = models.compress(W0, loss, r, eps)
    assert net.V_in.dtype == dtype and net.U_out.shape == (d, 2 * r)
    eye = torch.eye(2 * r, dtype=dtype)
    assert float(torch.linalg.matrix_norm(net.U_out.T @ net.U_out - eye)) < tol(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_whitened_data_recognised_in_both_dtypes(dtype):
    X = data.orthogonal_inputs(6, 15, seed=0, dtype=dtype)
    Y = torch.ones(2, 15, dtype=dtype)
    assert losses.Regression.from_data(X, Y).gram is None
    Xw, _, _ = data.whiten(rng.randn(5, 40, seed=1, dtype=dtype))
    assert data.whitening_error(Xw) < tol(dtype) * 10


@pytest.mark.parametrize("form", ["factorised", "update"])
def test_low_rank_model_survives_dtype_moves(form):
    W0 = init.orthogonal_init([6, 8, 8, 3], 1.0, seed=0, dtype=torch.float32)
    X = rng.randn(6, 10, seed=1, dtype=torch.float32)
    model = models.low_rank_model(
        W0, subspaces.random_bases(W0, 2, seed=2), "gelu", form=form
    )
    out32 = model(X)
    model.double()
    out64 = model(X.double())
    assert out64.dtype == torch.float64
    torch.testing.assert_close(out64.float(), out32, rtol=1e-5, atol=1e-6)
    assert all(W.dtype == torch.float64 for W in model.dense_weights())


def test_dense_mlp_and_gradient_subspace_in_float32():
    W0 = init.orthogonal_init([6, 8, 3], 1.0, seed=0, dtype=torch.float32)
    X = rng.randn(6, 12, seed=1, dtype=torch.float32)
    y = torch.arange(12) % 3
    _, G0 = models.mlp_objective(X, y, "gelu", loss="ce", reduction="mean")(W0)
    U, V = subspaces.gradient_subspace(W0[0], G0[0], 1)
    assert U.dtype == V.dtype == torch.float32
    assert measures.energy_fraction(G0[0] @ V @ V.T, V) == pytest.approx(1.0, abs=1e-5)
    assert not W0[0].requires_grad  # evaluating the objective leaves the weights alone


def test_seed_rule():
    a = rng.haar_orthogonal(4, 4, seed=5)
    assert torch.equal(a, rng.haar_orthogonal(4, 4, seed=np.int64(5)))
    g = torch.Generator().manual_seed(5)
    assert torch.equal(a, rng.haar_orthogonal(4, 4, seed=g))
    assert not torch.equal(a, rng.haar_orthogonal(4, 4, seed=g))  # a generator moves on
    assert rng.haar_orthogonal(3, 3, seed=None).shape == (3, 3)
    with pytest.raises(TypeError, match="seed must be"):
        rng.check_random_state(0.5)


def test_learning_time_and_middle_spread():
    assert theory.learning_time(np.array([0.0, 0.2, 0.6]), 1.0) == 2
    assert theory.learning_time(np.array([0.0, 0.2]), 1.0) is None
    S = np.array([[3.0, 1.0, 1.0, 0.5], [3.0, 1.2, 1.0, 0.5]])
    np.testing.assert_allclose(measures.middle_spread(S, 1), [0.0, 0.2])


def test_optimizers_and_frozen_tensors():
    W0 = init.orthogonal_init([4, 4, 4], 0.5, seed=0)
    objective = models.dln_objective(
        losses.Regression.from_target(torch.eye(4).double())
    )
    h = train.train(W0, objective, 0.1, 5, lr_scales=[0.0, 1.0])
    assert torch.equal(h.params[0], W0[0]) and not torch.equal(h.params[1], W0[1])
    for name in train.OPTIMIZERS:
        assert train.train(W0, objective, 1e-2, 3, optimizer=name).loss.shape == (4,)
    with pytest.raises(ValueError, match="nothing to train"):
        train.train(W0, objective, 0.1, 1, lr_scales=[0.0, 0.0])


def test_named_streams_are_reproducible_and_distinct():
    assert rng.stream(0, "init") == rng.stream(0, "init")
    seeds = {rng.stream(s, n) for s in range(3) for n in ("init", "target", "batch")}
    assert len(seeds) == 9
    with pytest.raises(TypeError, match="non-negative int"):
        rng.stream(-1, "init")
