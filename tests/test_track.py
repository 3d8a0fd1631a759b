"""lrdlib.track on models trained with a plain torch.optim loop (no lrdlib.train)."""

import math

import pytest
import torch

from lrdlib import measures, track


def sgd_steps(model, inputs, targets, n_steps, lr=0.05):
    """A user's own loop: cross-entropy, SGD, recording every 5 steps."""
    tracker = track.UpdateTracker(model, rank=3)
    optimiser = torch.optim.SGD(model.parameters(), lr=lr)
    for step in range(n_steps + 1):
        if step % 5 == 0:
            tracker.record(step)
        loss = torch.nn.functional.cross_entropy(model(inputs), targets)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return tracker


def check_frame(frame, names, n_records):
    assert list(frame["layer"].unique()) == names
    assert len(frame) == n_records * len(names)
    first, later = frame[frame.step == 0], frame[frame.step > 0]
    assert (first["relative_change"] == 0).all() and first["top_share"].isna().all()
    assert (later["relative_change"] > 0).all()
    assert later["top_share"].between(0, 1 + 1e-12).all()
    assert later["chance_share"].between(0, 1).all()
    assert (later["stable_rank"] >= 1 - 1e-9).all()
    # the second non-zero record has angles to the first, in [0, π/2]
    angles = frame[frame.step >= 10][["angle_left", "angle_right"]]
    assert angles.notna().all().all() and (angles <= math.pi / 2 + 1e-9).all().all()


def test_an_mlp(device):
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(20, 32), torch.nn.GELU(), torch.nn.Linear(32, 4)
    ).to(device)
    X, y = torch.randn(64, 20, device=device), torch.randint(0, 4, (64,), device=device)
    tracker = sgd_steps(model, X, y, 20)
    frame = tracker.frame()
    check_frame(frame, ["0.weight", "2.weight"], 5)
    assert tuple(frame.iloc[0][["rows", "cols"]]) == (32, 20)
    # the classifier's gradient has rank ≤ K − 1 = 3: its update lies in 3 directions
    last = frame[(frame.layer == "2.weight") & (frame.step == 20)].iloc[0]
    assert last["top_share"] == pytest.approx(1, abs=1e-9)


def test_a_cnn_reports_kernels_as_out_by_in_k_k():
    torch.manual_seed(1)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 6, 3),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(6 * 6 * 6, 3),
    )
    X, y = torch.randn(16, 1, 8, 8), torch.randint(0, 3, (16,))
    frame = sgd_steps(model, X, y, 10).frame()
    check_frame(frame, ["0.weight", "3.weight"], 3)
    conv = frame[frame.layer == "0.weight"].iloc[0]
    assert (conv["rows"], conv["cols"]) == (6, 9)


class Encoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        layer = torch.nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0)
        self.encoder = torch.nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
        self.head = torch.nn.Linear(16, 3)

    def forward(self, x):
        return self.head(self.encoder(x).mean(dim=0))


def test_a_transformer_splits_attention_into_query_key_value():
    torch.manual_seed(2)
    model = Encoder()
    X, y = torch.randn(5, 8, 16), torch.randint(0, 3, (8,))
    frame = sgd_steps(model, X, y, 10).frame()
    names = list(frame["layer"].unique())
    attention = "encoder.layers.0.self_attn"
    assert names[:4] == [f"{attention}.{p}_proj" for p in ("q", "k", "v")] + [
        f"{attention}.out_proj.weight"
    ]
    assert {"encoder.layers.0.linear1.weight", "head.weight"} <= set(names)
    check_frame(frame, names, 3)
    q = frame[frame.layer == f"{attention}.q_proj"].iloc[0]
    assert (q["rows"], q["cols"]) == (16, 16)


def test_planted_updates_give_the_shares_they_should():
    torch.manual_seed(3)
    model = torch.nn.Sequential(torch.nn.Linear(64, 64, bias=False))
    tracker = track.UpdateTracker(model, rank=2)
    W0 = model[0].weight.detach().clone()
    U = torch.linalg.qr(torch.randn(64, 2))[0]
    V = torch.linalg.qr(torch.randn(64, 2))[0]
    with torch.no_grad():
        model[0].weight.copy_(W0 + U @ torch.diag(torch.tensor([3.0, 1.0])) @ V.T)
    tracker.record(1)
    # the same subspace rotated by a known angle on the left
    theta = 0.3
    W_perp = torch.linalg.qr(torch.cat([U, torch.randn(64, 1)], dim=1))[0][:, 2:]
    turned = U.clone()
    turned[:, 1] = math.cos(theta) * U[:, 1] + math.sin(theta) * W_perp[:, 0]
    with torch.no_grad():
        model[0].weight.copy_(W0 + turned @ torch.diag(torch.tensor([3.0, 1.0])) @ V.T)
    tracker.record(2)
    with torch.no_grad():
        model[0].weight.copy_(W0 + torch.randn(64, 64))
    tracker.record(3)
    frame = tracker.frame().set_index("step")
    assert frame.loc[1, "top_share"] == pytest.approx(1, abs=1e-12)
    assert frame.loc[1, "stable_rank"] == pytest.approx(10 / 9)
    assert frame.loc[2, "angle_left"] == pytest.approx(theta, abs=1e-6)
    assert frame.loc[2, "angle_right"] == pytest.approx(0, abs=1e-6)
    # a Gaussian update has no preferred directions: its share is the chance share
    assert frame.loc[3, "top_share"] == pytest.approx(
        frame.loc[3, "chance_share"], abs=0.03
    )


def test_layers_filter_and_bad_input():
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 2))
    assert track.UpdateTracker(model, 1, layers=["1.weight"]).names == ["1.weight"]
    assert track.UpdateTracker(model, 1, layers=lambda n: n.startswith("0")).names == [
        "0.weight"
    ]
    with pytest.raises(ValueError, match="Choose among"):
        track.UpdateTracker(model, 1, layers=["2.weight"])
    with pytest.raises(ValueError, match="no Linear"):
        track.UpdateTracker(torch.nn.ReLU(), 1)
    with pytest.raises(ValueError, match="rank must be"):
        track.UpdateTracker(model, 0)


def test_the_randomised_svd_of_a_large_update_agrees_with_the_exact_one():
    torch.manual_seed(4)
    model = torch.nn.Sequential(torch.nn.Linear(300, 200, bias=False))
    fast = track.UpdateTracker(model, rank=5)
    exact = track.UpdateTracker(model, rank=5, exact=True)
    U = torch.linalg.qr(torch.randn(200, 200))[0]
    V = torch.linalg.qr(torch.randn(300, 200))[0]
    spectrum = torch.logspace(0, -4, 200)  # a decaying spectrum, as updates have
    for step in (1, 2):
        with torch.no_grad():
            model[0].weight.add_(U @ torch.diag(spectrum) @ V.T)
            U = torch.linalg.qr(U + 0.05 * torch.randn(200, 200))[0]
        fast.record(step)
        exact.record(step)
    a, b = fast.frame(), exact.frame()
    for column in ("top_share", "stable_rank", "angle_left", "angle_right"):
        expected = pytest.approx(b[column].to_numpy(), rel=1e-3, nan_ok=True)
        assert a[column].to_numpy() == expected


def test_update_is_the_change_and_the_callers_random_stream_is_left_alone():
    torch.manual_seed(5)
    model = torch.nn.Sequential(torch.nn.Linear(300, 200, bias=False))
    tracker = track.UpdateTracker(model, rank=5)  # randomised SVD at this size
    W0 = model[0].weight.detach().clone()
    with torch.no_grad():
        model[0].weight.add_(torch.randn(200, 300))
    change = model[0].weight.detach().double() - W0.double()
    assert torch.equal(tracker.update("0.weight"), change)
    state = torch.get_rng_state()
    tracker.record(1)
    assert torch.equal(torch.get_rng_state(), state)
    with pytest.raises(ValueError, match="Choose among"):
        tracker.update("1.weight")
    assert tracker.records[0]["layer"] == "0.weight"


def test_weight_matrices_reshape_convolutions_and_split_attention():
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 16, 3), torch.nn.Flatten())
    assert track.weight_matrices(model)["0.weight"].shape == (16, 27)
    attention = torch.nn.MultiheadAttention(12, 3, kdim=6, vdim=6)
    shapes = {n: W.shape for n, W in track.weight_matrices(attention).items()}
    assert shapes == {
        "q_proj": (12, 12),
        "k_proj": (12, 6),
        "v_proj": (12, 6),
        "out_proj.weight": (12, 12),
    }


def two_blobs(n=200, d=10, seed=6):
    """Two Gaussian classes, separated along the first coordinate."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    X = torch.randn(n, d, generator=g)
    X[:, 0] += 4.0 * y
    return X, y


def test_feature_tracker_measures_each_activation_through_hooks(device):
    torch.manual_seed(7)
    layers = [torch.nn.Linear(10, 32), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers, torch.nn.Linear(32, 8), torch.nn.Tanh())
    model.to(device).train()
    X, y = (t.to(device) for t in two_blobs())
    tracker = track.FeatureTracker(model, X, y, include_input=True)
    tracker.record(0)
    assert model.training  # the mode is restored
    frame = tracker.frame().set_index("layer")
    assert list(frame.index) == ["input", "1", "3"]
    assert list(frame["width"]) == [10, 32, 8]
    # the measures are lrdlib's, applied to the hooked outputs
    H = model[1](model[0](X)).detach().T.double()
    assert frame.loc["1", "class_compression"] == pytest.approx(
        measures.class_scatter(H, y).ratio
    )
    assert frame.loc["1", "numerical_rank"] == measures.numerical_rank(H, 0.95)
    # the input's classes are separated: a linear probe reads them off
    assert frame.loc["input", "probe_accuracy"] > 0.95
    assert (frame["discrimination"] > 0).all()


def test_feature_tracker_with_a_test_batch_custom_measures_and_bad_input():
    model = torch.nn.Sequential(torch.nn.Linear(10, 6), torch.nn.GELU())
    X, y = two_blobs()
    X_test, y_test = two_blobs(seed=8)
    width = {"width_again": lambda H, y, H_test, y_test: H.shape[0] + H_test.shape[0]}
    tracker = track.FeatureTracker(
        model, X, y, layers=["0"], test=(X_test, y_test), measures=width
    )
    tracker.record(3)
    assert tracker.records == [{"step": 3, "layer": "0", "width": 6, "width_again": 12}]
    with pytest.raises(ValueError, match="Choose among"):
        track.FeatureTracker(model, X, y, layers=["2"])
    with pytest.raises(ValueError, match="no activation modules"):
        track.FeatureTracker(torch.nn.Linear(10, 2), X, y)
