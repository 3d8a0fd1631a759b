"""The law of parsimony, the ρ recursions and the compressed network."""

import numpy as np
import pytest
import torch

from lrdlib import data, init, losses, measures, models, subspaces, theory, train


@pytest.mark.parametrize(
    "seed,weight_decay,depth", [(0, 0.0, 3), (1, 1e-2, 3), (2, 0.0, 4)]
)
def test_law_of_parsimony_square_target(seed, weight_decay, depth):
    d, r, eps, lr, n = 20, 2, 1.0, 1 / 600, 40
    loss = losses.Regression.from_target(data.low_rank_target(d, d, r, seed=seed))
    W0 = init.orthogonal_init([d] * (depth + 1), eps, seed=seed + 100)
    h = train.train(
        W0,
        models.dln_objective(loss),
        lr,
        n,
        weight_decay=weight_decay,
        recorders={"sv": train.singular_values},
    )
    rho = theory.rho_square(eps, lr, n, depth, weight_decay=weight_decay)
    for S in zip(*h.records["sv"]):
        S = np.stack(S)
        np.testing.assert_allclose(
            S[:, r:-r], np.repeat(rho[:, None], d - 2 * r, 1), rtol=1e-9
        )
    _, g = models.dln_gradients(W0, loss)
    _, V11 = subspaces.gradient_subspace(W0[0], g[0], r, complement=True)
    bases = subspaces.parsimony_bases(W0, V11, eps)
    for W, (U, V) in zip(h.params, bases):
        assert measures.parsimony_residual(W, U, V, 2 * r, rho[-1]) < 1e-12


def test_law_of_parsimony_classification():
    d, K, eps, lr, wd, n = 16, 3, 0.8, 0.05, 0.05, 60
    X = data.orthogonal_inputs(d, d, seed=0)
    Y = data.one_hot(np.arange(d) % K, K)
    W0 = init.orthogonal_init([d, d, d, K], eps, seed=1)
    objective = models.dln_objective(losses.Regression.from_data(X, Y))
    h = train.train(
        W0, objective, lr, n, weight_decay=wd, recorders={"sv": train.singular_values}
    )
    rho = theory.rho_classification(eps, lr, n, weight_decay=wd)
    for l in range(len(W0) - 1):
        S = h.series("sv", l)
        np.testing.assert_allclose(
            S[:, K:-K], np.repeat(rho[:, None], d - 2 * K, 1), rtol=1e-9
        )


def test_rho_recursion_first_step():
    rho = theory.rho_square(0.5, 0.1, 2, depth=3, weight_decay=0.2)
    assert rho[1] == pytest.approx(0.5 * (1 - 0.02 - 0.1 * 0.5**4))


def test_impossible_rank_raises():
    W0 = init.orthogonal_init([6, 6], 1.0, seed=0)
    with pytest.raises(
        ValueError, match=r"k = 3 is impossible for a layer of shape \(6, 6\).*k ≤ 2"
    ):
        subspaces.gradient_subspace(W0[0], W0[0], 3, complement=True)


def test_principal_angles_and_vector_angles():
    e = np.eye(3)
    np.testing.assert_allclose(
        measures.principal_angles(e[:, :2], e[:, 1:]), [0, np.pi / 2], atol=1e-12
    )
    v = np.stack([e, -e])  # sign flips are not rotations
    np.testing.assert_allclose(measures.vector_angles(v, e), 0, atol=1e-12)


def test_compressed_network_tracks_wide_network(device):
    d, r, L, eps, lr, n = 24, 2, 3, 0.1, 0.2, 150
    loss = losses.Regression.from_target(
        data.low_rank_target(d, d, r, seed=3, top_singular_value=2.0).to(device)
    )
    W0 = init.orthogonal_init([d] * (L + 1), eps, seed=4, device=device)
    wide = train.train(W0, models.dln_objective(loss), lr, n, record_every=None)
    net = models.compress(W0, loss, r, eps)
    small = train.train(
        net.inner,
        models.dln_objective(net.projected_loss(loss)),
        lr,
        n,
        record_every=None,
    )
    rho = theory.rho_square(eps, lr, n, L)
    compressed = net.U_out @ models.end_to_end(small.params) @ net.V_in.T
    gap = models.end_to_end(wide.params) - compressed
    assert float(torch.linalg.matrix_norm(gap)) == pytest.approx(
        rho[-1] ** L * np.sqrt(d - 2 * r), rel=1e-8
    )
    np.testing.assert_allclose(
        wide.loss - 0.5 * (d - 2 * r) * rho ** (2 * L),
        small.loss,
        rtol=1e-8,
        atol=1e-13,
    )
    # the same network as one chain with frozen outer factors gives the same losses
    chain = train.train(
        net.layers(),
        models.dln_objective(loss),
        lr,
        n,
        lr_scales=net.lr_scales(0.0),
        record_every=None,
    )
    np.testing.assert_allclose(chain.loss, small.loss, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("seed", [0, 2, 3])
def test_the_compressed_networks_loss_is_never_negative(dtype, seed):
    """Trained to a tiny loss, the projected loss stays ≥ 0 in either dtype: its
    constant ‖Y‖² − ‖UᵀΦV‖² cancels two numbers of size ‖Y‖² (these seeds went to
    about −3e-6 in float32 when it was summed in float32)."""
    d, r, L, eps = 64, 2, 3, 0.1
    target = data.low_rank_target(d, d, r, seed=seed, top_singular_value=3.0)
    loss = losses.Regression.from_target(target.to(dtype))
    W0 = init.orthogonal_init([d] * (L + 1), eps, seed=seed + 10, dtype=dtype)
    net = models.compress(W0, loss, r, eps)
    objective = models.dln_objective(net.projected_loss(loss))
    history = train.train(net.inner, objective, 0.1, 4000, record_every=None)
    assert history.loss[-1] < 1e-5 * history.loss[0]
    assert (history.loss >= 0).all()
