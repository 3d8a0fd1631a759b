"""Class scatter and layer-wise separation ratios (lrdlib.measures)."""

import numpy as np
import pytest
import torch

from lrdlib import activations, data, init, measures, models, rng


def brute_force_scatter(H, labels):
    H, labels = H.numpy(), np.asarray(labels)
    mu = H.mean(axis=1)
    within = between = 0.0
    for c in np.unique(labels):
        Hc = H[:, labels == c]
        within += sum(np.sum((h - Hc.mean(axis=1)) ** 2) for h in Hc.T)
        between += Hc.shape[1] * np.sum((Hc.mean(axis=1) - mu) ** 2)
    return within / H.shape[1], between / H.shape[1]


def test_scatter_matches_the_definition_with_unequal_classes():
    H = torch.randn(
        7, 40, generator=torch.Generator().manual_seed(0), dtype=torch.float64
    )
    labels = torch.tensor([0] * 5 + [3] * 20 + [1] * 15)[
        torch.randperm(40, generator=torch.Generator().manual_seed(1))
    ]
    s = measures.class_scatter(H, labels)
    within, between = brute_force_scatter(H, labels)
    assert s.within == pytest.approx(within, rel=1e-12) and s.between == pytest.approx(
        between, rel=1e-12
    )
    total = (
        float(((H - H.mean(dim=1, keepdim=True)) ** 2).sum()) / 40
    )  # tr Σ = tr Σ_W + tr Σ_B
    assert s.within + s.between == pytest.approx(total, rel=1e-12)


def test_ratio_is_invariant_to_rotation_and_scale():
    H = torch.randn(
        6, 30, generator=torch.Generator().manual_seed(2), dtype=torch.float64
    )
    labels = torch.arange(30) % 3
    Q = rng.haar_orthogonal(6, 6, seed=3)
    assert measures.class_scatter(2.5 * Q @ H, labels).ratio == pytest.approx(
        measures.class_scatter(H, labels).ratio, rel=1e-12
    )


@pytest.mark.parametrize("K, n", [(5, 10), (4, 3)])
def test_orthonormal_inputs_have_the_closed_form_ratio(K, n):
    N = K * n
    X = data.orthogonal_inputs(N, N, seed=K)
    ratio = measures.class_scatter(X, torch.arange(N) % K).ratio
    assert ratio == pytest.approx((1 - 1 / n) / (1 / n - 1 / N), rel=1e-12)


def test_layer_features_are_the_hidden_layers():
    weights = init.orthogonal_init([6, 5, 4, 3], eps=0.7, seed=0)
    X = torch.randn(
        6, 9, generator=torch.Generator().manual_seed(1), dtype=torch.float64
    )
    linear = measures.layer_features(weights, X)
    assert len(linear) == 3 and torch.allclose(linear[2], weights[1] @ weights[0] @ X)
    relu = measures.layer_features(weights, X, "relu")
    assert torch.allclose(
        weights[-1] @ relu[-1],
        models.mlp_forward(weights, X, activations.activation("relu")),
    )
    ratios = measures.separation_ratios(weights, X, torch.arange(9) % 3)
    assert ratios.shape == (3,) and ratios[0] == pytest.approx(
        measures.class_scatter(X, torch.arange(9) % 3).ratio
    )


def test_bad_input_says_what_is_wrong():
    H = torch.zeros(3, 4, dtype=torch.float64)
    with pytest.raises(ValueError, match="at least two classes"):
        measures.class_scatter(H, torch.zeros(4))
    with pytest.raises(ValueError, match="one label per column"):
        measures.class_scatter(H, torch.arange(3))
    with pytest.raises(ValueError, match="cannot follow features of size"):
        measures.layer_features([torch.zeros(2, 5), torch.zeros(1, 2)], H)


def test_singular_value_rank_counts_singular_values_not_energy():
    # singular values 4, 2, 1, 1 (sum 8): 95 % of the sum needs all four, while 95 %
    # of the energy (16 + 4 + 1 + 1 = 22) needs three
    U = torch.linalg.qr(rng.randn(6, 4, seed=0, dtype=torch.float64))[0]
    V = torch.linalg.qr(rng.randn(9, 4, seed=1, dtype=torch.float64))[0]
    H = U @ torch.diag(torch.tensor([4.0, 2.0, 1.0, 1.0], dtype=torch.float64)) @ V.T
    assert measures.singular_value_rank(H, 0.95) == 4
    assert measures.singular_value_rank(H, 0.75) == 2  # 6/8 reaches 0.75 exactly
    # uncentred: a common offset is a direction of its own
    assert measures.singular_value_rank(torch.ones(5, 20), 0.95) == 1
    with pytest.raises(ValueError, match="share"):
        measures.singular_value_rank(H, 1.5)


def test_discrimination_uncentred_compares_the_raw_class_means():
    # two classes with means (1, 1) and (1, -1): uncentred they are orthogonal (cos 0),
    # centred they point in opposite directions (cos −1)
    H = torch.tensor([[1.0, 1.0, 1.0, 1.0], [0.9, 1.1, -0.9, -1.1]])
    labels = torch.tensor([0, 0, 1, 1])
    assert measures.discrimination(H, labels, centred=False) == pytest.approx(1.0)
    assert measures.discrimination(H, labels) == pytest.approx(2.0)


def test_sgd_probe_separates_separable_features_and_not_random_labels():
    g = rng.check_random_state(0)
    labels = torch.arange(300) % 3
    H = torch.randn(20, 300, generator=g) + 8 * torch.eye(20)[:, labels]
    shuffled = labels[torch.randperm(300, generator=g)]
    assert measures.sgd_probe_accuracy(H, labels, epochs=20, lr=1e-2) == 1.0
    noise = torch.randn(20, 300, generator=g)
    assert measures.sgd_probe_accuracy(noise, shuffled, epochs=20, lr=1e-2) < 0.6
    # stacked feature sets give one accuracy each, the same as one at a time
    both = measures.sgd_probe_accuracy(torch.stack([H, noise]), labels, epochs=5)
    assert both[0] == measures.sgd_probe_accuracy(H, labels, epochs=5)
    with pytest.raises(ValueError, match="one label per column"):
        measures.sgd_probe_accuracy(H, labels[:10])
    with pytest.raises(FloatingPointError, match="smaller step"):
        measures.sgd_probe_accuracy(1e3 * H, labels, epochs=2, lr=1.0)
