"""Closed-form DLN gradients and the GD trainer, against autograd in float64."""

import numpy as np
import pytest
import torch

from lrdlib import data, init, losses, models, train


def autograd_gradients(weights, X, Y, weight_decay=0.0):
    """Reference: autograd of ½‖W_{L:1}X − Y‖² + λ/2 Σ‖W_l‖² on the raw data."""
    ws = [W.clone().requires_grad_(True) for W in weights]
    P = ws[0]
    for W in ws[1:]:
        P = W @ P
    value = 0.5 * ((P @ X - Y) ** 2).sum() + 0.5 * weight_decay * sum(
        (W**2).sum() for W in ws
    )
    value.backward()
    return float(value.detach()), [W.grad for W in ws]


@pytest.mark.parametrize(
    "widths,n", [([5, 7, 7, 3], 11), ([6, 4], 9), ([4, 8, 6, 5, 2], 3), ([3, 3, 3], 20)]
)
def test_closed_form_gradients_equal_autograd(widths, n, device):
    g = torch.Generator().manual_seed(sum(widths) + n)
    weights = [
        (torch.randn(o, i, generator=g, dtype=torch.float64) / 2).to(device)
        for i, o in zip(widths[:-1], widths[1:])
    ]
    X = torch.randn(widths[0], n, generator=g, dtype=torch.float64).to(device)
    Y = torch.randn(widths[-1], n, generator=g, dtype=torch.float64).to(device)
    value, grads = models.dln_gradients(weights, losses.Regression.from_data(X, Y))
    ref_value, ref_grads = autograd_gradients(weights, X, Y)
    assert value == pytest.approx(ref_value, rel=1e-10)
    for G, R in zip(grads, ref_grads):
        torch.testing.assert_close(G, R, rtol=1e-10, atol=1e-12)


def test_whitened_loss_matches_data_loss():
    X = data.orthogonal_inputs(6, 15, seed=0)
    Y = torch.randn(
        4, 15, generator=torch.Generator().manual_seed(1), dtype=torch.float64
    )
    loss = losses.Regression.from_data(X, Y)
    assert loss.gram is None  # recognised as whitened
    weights = init.orthogonal_init([6, 6, 4], 0.7, seed=2)
    value, grads = models.dln_gradients(weights, loss)
    ref_value, ref_grads = autograd_gradients(weights, X, Y)
    assert value == pytest.approx(ref_value, rel=1e-12)
    for G, R in zip(grads, ref_grads):
        torch.testing.assert_close(G, R, rtol=1e-10, atol=1e-12)


def test_completion_gradient_equals_autograd():
    g = torch.Generator().manual_seed(3)
    target = torch.randn(6, 6, generator=g, dtype=torch.float64)
    mask = (torch.rand(6, 6, generator=g) < 0.5).double()
    weights = init.orthogonal_init([6, 6, 6], 0.9, seed=4)
    value, grads = models.dln_gradients(weights, losses.Completion(target, mask))
    ws = [W.clone().requires_grad_(True) for W in weights]
    ref = 0.5 * ((mask * (ws[1] @ ws[0] - target)) ** 2).sum()
    ref.backward()
    assert value == pytest.approx(float(ref.detach()), rel=1e-12)
    for G, W in zip(grads, ws):
        torch.testing.assert_close(G, W.grad)


@pytest.mark.parametrize(
    "optimizer,momentum", [("gd", 0.0), ("momentum", 0.9), ("adam", 0.0)]
)
def test_train_step_matches_torch_optimizer(optimizer, momentum):
    """Two steps of train.train equal torch.optim.SGD/Adam driven by autograd (with
    decay)."""
    g = torch.Generator().manual_seed(5)
    X = torch.randn(4, 10, generator=g, dtype=torch.float64)
    Y = torch.randn(2, 10, generator=g, dtype=torch.float64)
    weights = init.orthogonal_init([4, 4, 2], 0.8, seed=6)
    lr, wd = 0.01, 0.1
    objective = models.dln_objective(losses.Regression.from_data(X, Y))
    hist = train.train(
        weights,
        objective,
        lr,
        2,
        weight_decay=wd,
        momentum=momentum,
        optimizer=optimizer,
        record_every=None,
    )
    ws = [W.clone().requires_grad_(True) for W in weights]
    opt = (
        torch.optim.Adam(ws, lr=lr)
        if optimizer == "adam"
        else torch.optim.SGD(ws, lr=lr, momentum=momentum)
    )
    for _ in range(2):
        opt.zero_grad()
        P = ws[1] @ ws[0]
        (
            0.5 * ((P @ X - Y) ** 2).sum() + 0.5 * wd * sum((W**2).sum() for W in ws)
        ).backward()
        opt.step()
    for A, B in zip(hist.params, ws):
        torch.testing.assert_close(A, B.detach())


def test_history_records_losses_and_singular_values():
    loss = losses.Regression.from_target(data.low_rank_target(8, 8, 2, seed=0))
    recorders = {
        "sv": train.singular_values,
        "right": train.right_singular_vectors,
        "product": models.product_singular_values,
    }
    W0 = init.orthogonal_init([8] * 4, 0.5, seed=1)
    h = train.train(
        W0, models.dln_objective(loss), 0.05, 30, record_every=10, recorders=recorders
    )
    assert h.loss.shape == (31,) and list(h.steps) == [0, 10, 20, 30]
    assert h.series("sv", 0).shape == (4, 8) and h.series("right", 2).shape == (4, 8, 8)
    assert h.loss[-1] < h.loss[0]
    S = torch.linalg.svdvals(h.params[1]).numpy()
    np.testing.assert_allclose(h.series("sv", 1)[-1], S)
    P = models.end_to_end(h.params)
    np.testing.assert_allclose(h.series("product")[-1], torch.linalg.svdvals(P).numpy())
    assert torch.equal(W0[0], init.orthogonal_init([8] * 4, 0.5, seed=1)[0])  # kept


def test_tolerance_stops_early():
    loss = losses.Regression.from_target(
        data.low_rank_target(6, 6, 1, seed=0, top_singular_value=1.0)
    )
    W0 = init.orthogonal_init([6, 6, 6], 0.5, seed=0)
    h = train.train(
        W0, models.dln_objective(loss), 0.2, 5000, tol=1e-6, record_every=None
    )
    assert h.converged_step is not None and h.converged_step < 5000
    assert h.loss[-1] <= 1e-6 < h.loss[-2]


def test_divergence_raises_with_advice():
    loss = losses.Regression.from_target(10 * torch.eye(5, dtype=torch.float64))
    with pytest.raises(
        train.DivergenceError,
        match=r"diverged at step \d+.*smaller step size, e.g. lr=",
    ):
        train.train(
            init.orthogonal_init([5, 5, 5], 1.0, seed=0),
            models.dln_objective(loss),
            1.0,
            100,
        )


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="needs 3 columns"):
        train.train(
            [torch.zeros(3, 4), torch.zeros(2, 5)], models.dln_objective(None), 0.1, 1
        )
    with pytest.raises(ValueError, match="same N"):
        losses.Regression.from_data(torch.zeros(3, 4), torch.zeros(2, 5))
    with pytest.raises(ValueError, match="Φ has shape"):
        models.dln_gradients(
            init.orthogonal_init([4, 4], 1.0, seed=0),
            losses.Regression.from_target(torch.zeros(3, 4, dtype=torch.float64)),
        )
    with pytest.raises(ValueError, match="unknown optimizer"):
        loss = losses.Regression.from_target(torch.eye(4, dtype=torch.float64))
        train.train(
            init.orthogonal_init([4, 4], 1.0, seed=0),
            models.dln_objective(loss),
            0.1,
            1,
            optimizer="lbfgs",
        )


def test_step_flops_counts_the_products():
    assert models.step_flops([(8, 8)] * 3) == 6 * 2 * 8**3  # 3L − 3 products for L = 3
    assert models.step_flops([(4, 10), (4, 4), (10, 4)]) == 3 * 2 * (
        4 * 4 * 10 + 10 * 4 * 10
    )
    assert models.step_flops([(8, 8)] * 2, whitened=False) == 3 * 2 * 8**3 + 2 * 8**3
