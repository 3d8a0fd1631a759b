"""Image classifiers, the hybrid network and the layer-wise feature measures."""

import pytest
import torch

from lrdlib import measures, track, train, vision


@pytest.mark.parametrize("architecture", vision.ARCHITECTURES)
def test_classifiers_map_columns_to_logits_and_train(architecture, device):
    X = torch.rand(64, 40, device=device)
    y = torch.arange(40, device=device) % 4
    model = vision.classifier(architecture, 64, 4, width=16, seed=0, device=device)
    assert model(X).shape == (4, 40)
    assert vision.penultimate(model).shape == (16, 16)
    objective = train.module_objective(model, X, y, loss="ce", reduction="mean")
    history = train.train(model, objective, 1e-2, 30, optimizer="adam")
    assert history.loss[-1] < history.loss[0]


def test_classifiers_are_seeded_and_leave_the_global_stream_alone():
    torch.manual_seed(5)
    before = torch.rand(1)
    torch.manual_seed(5)
    a = vision.classifier("vit", 64, 3, width=8, seed=1)
    after = torch.rand(1)
    b = vision.classifier("vit", 64, 3, width=8, seed=1)
    assert torch.equal(before, after)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)


def test_the_book_models_weight_matrices():
    vgg = track.weight_matrices(vision.classifier("vgg", 64, 10, width=8))
    assert vgg["body.0.weight"].shape == (16, 9)  # 16 kernels of 1 × 3 × 3
    assert vgg["body.2.weight"].shape == (16, 144)
    vit = track.weight_matrices(vision.classifier("vit", 64, 10, width=8, dim=12))
    assert {n for n in vit if "attn" in n} >= {
        "body.1.attn.q_proj",
        "body.1.attn.k_proj",
        "body.1.attn.v_proj",
        "body.1.attn.out_proj.weight",
    }
    assert vit["body.1.attn.q_proj"].shape == (12, 12)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="not square"):
        vision.classifier("mlp", 60, 3)
    with pytest.raises(ValueError, match="unknown architecture"):
        vision.classifier("resnet", 64, 3)
    with pytest.raises(ValueError, match="at least one hidden layer"):
        vision.HybridNetwork(8, 4, 2, 0, 0)


def test_hybrid_network_features_and_depth():
    net = vision.HybridNetwork(20, 16, 3, n_nonlinear=3, n_linear=4, seed=0)
    X = torch.randn(20, 50)
    feats = net.features(X)
    assert len(feats) == 7 and all(H.shape == (16, 50) for H in feats)
    assert net(X).shape == (3, 50)
    assert net.kinds == ["nonlinear"] * 3 + ["linear"] * 4


def test_feature_measures_on_known_geometry():
    labels = torch.arange(300) % 3
    means = 5 * torch.eye(6)[:, :3]  # three orthogonal class means in R^6
    H = means[:, labels] + 0.1 * torch.randn(
        6, 300, generator=torch.Generator().manual_seed(0)
    )
    # centred class means of an orthogonal simplex: cos = −1/2 between every pair
    assert measures.discrimination(H, labels) == pytest.approx(1.5, abs=0.02)
    assert measures.numerical_rank(H, 0.95) == 2  # three centred means span a plane
    assert measures.linear_probe(H, labels, H, labels) == 1.0
    same = torch.cat([H[:3], H[:3]])  # two classes on top of each other
    same[:, labels == 1] = same[:, labels == 0][:, :100]
    assert measures.discrimination(same, labels) == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match="energy"):
        measures.numerical_rank(H, 1.5)


def test_models_follow_dtype():
    model = vision.classifier("vgg", 64, 3, width=8, dtype=torch.float64)
    assert model(torch.rand(64, 5, dtype=torch.float64)).dtype == torch.float64
    net = vision.HybridNetwork(10, 4, 2, 1, 1, dtype=torch.float64)
    assert net(torch.randn(10, 6, dtype=torch.float64)).dtype == torch.float64


def test_rotate_images_turns_columns_and_checks_shape():
    from lrdlib import data

    images = torch.arange(2 * 16, dtype=torch.float64).reshape(2, 4, 4)
    X = images.reshape(2, 16).T  # one image per column
    turned = data.rotate_images(X, 90).T.reshape(2, 4, 4)
    # counter-clockwise by 90°: the top row becomes the left column, read upwards
    assert torch.allclose(turned, torch.rot90(images, 1, dims=(1, 2)))
    with pytest.raises(ValueError, match="square images"):
        data.rotate_images(torch.zeros(15, 3), 30)
