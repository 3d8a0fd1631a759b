"""Low-rank MLPs, the bases they start from, and the classification data sets."""

import gzip

import numpy as np
import pytest
import torch

from lrdlib import data, init, measures, models, subspaces, train
from lrdlib.train import DivergenceError


@pytest.fixture(scope="module")
def problem():
    split = data.load("mixture", seed=0, n_samples=300, n_features=20, n_classes=3)
    W0 = init.orthogonal_init([20, 16, 16, 3], 1.0, seed=0)
    W0 = [W.float() for W in W0]
    objective = models.mlp_objective(
        split.X_train, split.y_train, "gelu", loss="ce", reduction="mean"
    )
    return split, W0, objective(W0)[1]


def test_update_form_starts_as_the_full_network(problem):
    split, W0, G0 = problem
    model = models.low_rank_model(
        W0, subspaces.gradient_bases(W0, G0, 3), "gelu", form="update"
    )
    with torch.no_grad():
        assert torch.allclose(
            model(split.X_test), models.DenseMLP(W0, "gelu")(split.X_test)
        )


def test_full_rank_factorisation_is_the_full_network(problem):
    _, W0, _ = problem
    bases = [
        (
            torch.linalg.qr(torch.randn(W.shape[0], W.shape[0]))[0],
            torch.linalg.qr(torch.randn(W.shape[1], W.shape[1]))[0],
        )
        for W in W0[:-1]
        if W.shape[0] == W.shape[1]
    ]
    model = models.low_rank_model(W0[1:], bases, "gelu")
    for W, W_lr in zip(W0[1:], model.dense_weights()):
        torch.testing.assert_close(W, W_lr, atol=1e-5, rtol=1e-5)


def test_subspace_bases_hold_the_gradient_and_its_image(problem):
    _, W0, G0 = problem
    k = 3
    for W, G, (U, V) in zip(W0, G0, subspaces.gradient_bases(W0, G0, k)):
        assert U.shape == (W.shape[0], 2 * k) and V.shape == (W.shape[1], 2 * k)
        torch.testing.assert_close(V.T @ V, torch.eye(2 * k), atol=1e-5, rtol=0)
        P, _, Qh = torch.linalg.svd(G)
        for basis, vectors in (
            (V, Qh[:k].T),
            (U, P[:, :k]),
            (U, W @ Qh[:k].T),
            (V, W.T @ P[:, :k]),
        ):
            outside = vectors - basis @ (basis.T @ vectors)
            assert outside.norm() < 1e-4 * vectors.norm()


def test_chained_bases_connect_and_random_ones_do_not(problem):
    _, W0, _ = problem
    chained = subspaces.chained_random_bases(W0, 4, seed=1)
    assert all(
        torch.equal(chained[l][0], chained[l + 1][1]) for l in range(len(chained) - 1)
    )
    assert measures.chain_alignment(chained) == pytest.approx([1.0], abs=1e-5)
    assert max(measures.chain_alignment(subspaces.random_bases(W0, 4, seed=1))) < 0.95


@pytest.mark.parametrize("theta", [0.0, 0.3, np.pi / 2])
def test_rotate_basis_turns_every_principal_angle_by_theta(theta):
    B = torch.linalg.qr(torch.randn(30, 5, dtype=torch.float64))[0]
    R = subspaces.rotate_basis(B, theta, seed=0)
    torch.testing.assert_close(R.T @ R, torch.eye(5, dtype=torch.float64))
    cosines = torch.linalg.svdvals(B.T @ R)
    torch.testing.assert_close(
        cosines,
        torch.full((5,), np.cos(theta), dtype=torch.float64),
        atol=1e-10,
        rtol=0,
    )


def test_parameter_count_and_energy(problem):
    _, W0, _ = problem
    model = models.low_rank_model(W0, subspaces.random_bases(W0, 4, seed=0), "gelu")
    assert (
        models.n_trainable(model) == 4 * (16 + 4 + 20) + 4 * (16 + 4 + 16) + 3 * 16
    )  # 2 hidden layers + output
    frozen = models.low_rank_model(
        W0, subspaces.random_bases(W0, 4, seed=0), "gelu", train_bases=False
    )
    assert models.n_trainable(frozen) == 2 * 4 * 4 + 3 * 16
    U, V = (
        torch.linalg.qr(torch.randn(16, 4))[0],
        torch.linalg.qr(torch.randn(20, 4))[0],
    )
    assert measures.energy_fraction(
        U @ torch.randn(4, 4) @ V.T, V, U=U
    ) == pytest.approx(1.0, abs=1e-5)


def test_fit_trains_and_records(problem, device):
    split, W0, G0 = problem
    model = models.low_rank_model(W0, subspaces.gradient_bases(W0, G0, 3), "gelu")
    model.to(device)
    W0 = [W.to(device) for W in W0]
    X, y = split.X_train.to(device), split.y_train.to(device)
    objective = train.module_objective(model, X, y, loss="ce", reduction="mean")
    acc = {"train_acc": lambda s: measures.accuracy(model, X, y)}
    h = train.train(model, objective, 0.2, 60, record_every=20, recorders=acc)
    assert list(h.steps) == [0, 20, 40, 60]
    assert h.loss[-1] < 0.5 * h.loss[0] and h.records["train_acc"][-1] > 0.9
    dense = models.DenseMLP(W0, "gelu")
    sgd = train.module_objective(
        dense, X, y, loss="mse", reduction="mean", batch_size=32
    )
    h_sgd = train.train(dense, sgd, 1e-2, 30, optimizer="adam")
    assert h_sgd.loss[-5:].mean() < h_sgd.loss[:5].mean()


def test_bad_input_is_refused(problem):
    split, W0, G0 = problem
    with pytest.raises(ValueError, match="k = 20 is impossible"):
        subspaces.gradient_bases(W0, G0, 20)
    with pytest.raises(ValueError, match="unknown form"):
        models.low_rank_model(
            W0, subspaces.random_bases(W0, 2, seed=0), "gelu", form="lora"
        )
    with pytest.raises(ValueError, match="bases"):
        models.low_rank_model(W0, subspaces.random_bases(W0, 2, seed=0)[:1], "gelu")
    dense = models.DenseMLP(W0, "gelu")
    with pytest.raises(ValueError, match="samples"):
        train.module_objective(dense, split.X_train.T, split.y_train)
    with pytest.raises(DivergenceError, match="smaller step"):
        objective = train.module_objective(dense, split.X_train, split.y_train)
        train.train(dense, objective, 1e6, 10)


@pytest.mark.parametrize("name, shape", [("digits", (64, 10)), ("mnist5k", (784, 10))])
def test_shipped_data_sets_load_without_download(name, shape):
    split = data.load(name, seed=1, n_samples=500)
    assert (split.n_features, split.n_classes) == shape
    assert (
        split.X_train.shape[1] == 350
        and split.X_test.shape[1] == 150 == split.y_test.shape[0]
    )
    active = split.X_train.std(dim=1) > 0
    torch.testing.assert_close(
        split.X_train.mean(dim=1), torch.zeros(shape[0]), atol=1e-4, rtol=0
    )
    torch.testing.assert_close(
        split.X_train[active].std(dim=1),
        torch.ones(int(active.sum())),
        atol=1e-4,
        rtol=0,
    )


def test_whitened_split_and_errors(tmp_path):
    split = data.load(
        "mixture",
        seed=0,
        preprocess="whiten",
        n_samples=400,
        n_features=30,
        dtype=torch.float64,
    )
    n = split.X_train.shape[1]
    torch.testing.assert_close(
        split.X_train @ split.X_train.T, n * torch.eye(30, dtype=torch.float64)
    )
    with pytest.raises(ValueError, match="unknown data set"):
        data.load("cifar")
    with pytest.raises(ValueError, match="unknown preprocess"):
        data.load("digits", preprocess="zscore")
    with pytest.raises(FileNotFoundError, match="download=True"):
        data.fashion_mnist(cache=tmp_path)
    with pytest.raises(FileNotFoundError, match="download=True"):
        data.load("cifar10", cache=tmp_path)


def test_read_idx_round_trip(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / "x-idx3-ubyte.gz"
    with gzip.open(path, "wb") as f:
        f.write(
            b"\x00\x00\x08\x03"
            + b"".join(int(s).to_bytes(4, "big") for s in images.shape)
            + images.tobytes()
        )
    np.testing.assert_array_equal(data.read_idx(path), images)
    with gzip.open(path, "wb") as f:
        f.write(b"\x00\x00\x08\x01" + (10).to_bytes(4, "big") + bytes(5))
    with pytest.raises(ValueError, match="truncated"):
        data.read_idx(path)
