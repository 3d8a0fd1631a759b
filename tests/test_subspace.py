"""The law of parsimony, the ρ recursions and the compressed network."""

import numpy as np
import pytest
import torch

from lrdlib import compress, data, dln, init, losses, subspace


@pytest.mark.parametrize("seed,weight_decay,depth", [(0, 0.0, 3), (1, 1e-2, 3), (2, 0.0, 4)])
def test_law_of_parsimony_square_target(seed, weight_decay, depth):
    d, r, eps, lr, n = 20, 2, 1.0, 1 / 600, 40
    loss = losses.Regression.from_target(data.low_rank_target(d, d, r, seed=seed))
    W0 = init.orthogonal_init([d] * (depth + 1), eps, seed=seed + 100)
    h = dln.train_gd(W0, loss, lr, n, weight_decay=weight_decay)
    rho = subspace.rho_square(eps, lr, n, depth, weight_decay)
    for S in h.singular_values:
        np.testing.assert_allclose(S[:, r:-r], np.repeat(rho[:, None], d - 2 * r, 1), rtol=1e-9)
    _, g = dln.gradients(W0, loss)
    bases = subspace.layer_bases(W0, subspace.learning_subspace(W0[0], g[0], r, eps), eps)
    for W, (U, V) in zip(h.weights, bases):
        assert subspace.parsimony_residual(W, U, V, 2 * r, rho[-1]) < 1e-12


def test_law_of_parsimony_classification():
    d, K, L, eps, lr, wd, n = 16, 3, 3, 0.8, 0.05, 0.05, 60
    X = data.orthogonal_inputs(d, d, seed=0)
    Y = data.one_hot(np.arange(d) % K, K)
    W0 = init.orthogonal_init([d, d, d, K], eps, seed=1)
    h = dln.train_gd(W0, losses.Regression.from_data(X, Y), lr, n, weight_decay=wd)
    rho = subspace.rho_classification(eps, lr, n, wd)
    for S in h.singular_values[:-1]:
        np.testing.assert_allclose(S[:, K:-K], np.repeat(rho[:, None], d - 2 * K, 1), rtol=1e-9)


def test_rho_recursion_first_step():
    rho = subspace.rho_square(0.5, 0.1, 2, depth=3, weight_decay=0.2)
    assert rho[1] == pytest.approx(0.5 * (1 - 0.02 - 0.1 * 0.5**4))


def test_impossible_rank_raises():
    W0 = init.orthogonal_init([6, 6], 1.0, seed=0)
    with pytest.raises(ValueError, match=r"r = 3 is impossible for width d = 6.*r ≤ 2"):
        subspace.learning_subspace(W0[0], W0[0], 3, 1.0)


def test_principal_angles_and_vector_angles():
    e = np.eye(3)
    np.testing.assert_allclose(subspace.principal_angles(e[:, :2], e[:, 1:]), [0, np.pi / 2], atol=1e-12)
    v = np.stack([e, -e])  # sign flips are not rotations
    np.testing.assert_allclose(subspace.vector_angles(v, e), 0, atol=1e-12)


def test_compressed_network_tracks_wide_network():
    d, r, L, eps, lr, n = 24, 2, 3, 0.1, 0.2, 150
    loss = losses.Regression.from_target(data.low_rank_target(d, d, r, seed=3, top_singular_value=2.0))
    W0 = init.orthogonal_init([d] * (L + 1), eps, seed=4)
    wide = dln.train_gd(W0, loss, lr, n, record_every=None)
    net = compress.compress(W0, loss, r, eps)
    small = dln.train_gd(net.inner, net.projected_loss(loss), lr, n, record_every=None)
    rho = subspace.rho_square(eps, lr, n, L)
    gap = dln.end_to_end(wide.weights) - net.U_out @ dln.end_to_end(small.weights) @ net.V_in.T
    assert float(torch.linalg.matrix_norm(gap)) == pytest.approx(rho[-1] ** L * np.sqrt(d - 2 * r), rel=1e-8)
    np.testing.assert_allclose(wide.loss - 0.5 * (d - 2 * r) * rho ** (2 * L), small.loss, rtol=1e-8, atol=1e-13)
    # the same network as one chain with frozen outer factors gives the same losses
    chain = dln.train_gd(net.layers(), loss, lr, n, lr_scales=net.lr_scales(0.0), record_every=None)
    np.testing.assert_allclose(chain.loss, small.loss, rtol=1e-10, atol=1e-13)
