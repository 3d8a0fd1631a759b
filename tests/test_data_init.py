"""Whitening, inputs, targets and initialisers."""

import pytest
import torch

from lrdlib import data, init


def anisotropic(d=5, n=200, seed=0):
    g = torch.Generator().manual_seed(seed)
    scales = torch.logspace(0, 2, d, dtype=torch.float64)
    return scales[:, None] * torch.randn(d, n, generator=g, dtype=torch.float64) + 3.0


@pytest.mark.parametrize("method", ["zca", "pca"])
def test_whiten_gives_identity_covariance(method):
    X = anisotropic()
    Xw, T, mean = data.whiten(X, method=method)
    assert data.whitening_error(Xw) < 1e-12
    torch.testing.assert_close(T @ (X - mean), Xw)
    data.check_whitened(Xw)


def test_zca_is_symmetric_and_pca_truncates():
    X = anisotropic()
    _, T, _ = data.whiten(X)
    torch.testing.assert_close(T, T.T)
    Xk, Tk, _ = data.whiten(X, method="pca", n_components=2)
    assert Xk.shape == (2, 200) and data.whitening_error(Xk) < 1e-12


def test_whitening_errors_name_the_fix():
    with pytest.raises(
        ValueError, match=r"not whitened: ‖X Xᵀ − I‖_F = .*lrdlib.data.whiten"
    ):
        data.check_whitened(anisotropic())
    with pytest.raises(ValueError, match="rank 3 < d = 5.*method='pca'"):
        data.whiten(torch.randn(5, 4, dtype=torch.float64))
    with pytest.raises(ValueError, match="n ≥ d"):
        data.orthogonal_inputs(5, 3, seed=0)
    with pytest.raises(ValueError, match="rank 5 is impossible"):
        data.low_rank_target(4, 4, 5, seed=0)
    with pytest.raises(ValueError, match="labels must lie"):
        data.one_hot([0, 3], 3)


def test_low_rank_target_and_one_hot():
    T = data.low_rank_target(7, 9, 3, seed=1, top_singular_value=2.0)
    S = torch.linalg.svdvals(T)
    assert S[0] == pytest.approx(2.0) and S[3] < 1e-12 < S[2]
    Y = data.one_hot([2, 0, 1, 2], 3)
    assert Y.tolist() == [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]]


@pytest.mark.parametrize("widths", [[6, 6, 6], [6, 4], [4, 6, 6, 2]])
def test_orthogonal_init_is_orthogonal_at_scale_eps(widths):
    eps = 0.3
    for W in init.orthogonal_init(widths, eps, seed=0):
        k = min(W.shape)
        G = W @ W.T if W.shape[0] <= W.shape[1] else W.T @ W
        torch.testing.assert_close(G, eps**2 * torch.eye(k, dtype=torch.float64))


def test_equal_norm_inits_and_determinism():
    widths = [8, 8, 3]
    for fn in (init.gaussian_init, init.uniform_init):
        for W, O in zip(
            fn(widths, 0.5, seed=1), init.orthogonal_init(widths, 0.5, seed=1)
        ):
            assert torch.linalg.matrix_norm(W) == pytest.approx(
                float(torch.linalg.matrix_norm(O))
            )
    a, b = (
        init.orthogonal_init(widths, 1.0, seed=7),
        init.orthogonal_init(widths, 1.0, seed=7),
    )
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    with pytest.raises(ValueError, match="at least two positive sizes"):
        init.orthogonal_init([5], 1.0, seed=0)
