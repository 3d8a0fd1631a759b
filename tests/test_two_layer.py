"""Two-layer MLP gradients, activations and subspace measures."""

import pytest
import torch

from lrdlib import activations, data, measures, models, rng, subspaces, train


@pytest.mark.parametrize("name", sorted(activations.ACTIVATIONS))
def test_activation_derivative_matches_autograd(name):
    act = activations.activation(name)
    z = torch.linspace(-3, 3, 61, dtype=torch.float64).requires_grad_(True)
    (g,) = torch.autograd.grad(act.fn(z).sum(), z)
    mask = z.detach().abs() > 1e-9  # ReLU and ELU have a kink at 0
    torch.testing.assert_close(act.grad(z.detach())[mask], g[mask])
    if name != "relu":
        assert float(act.grad(torch.zeros(1, dtype=torch.float64))) == pytest.approx(
            act.slope_at_zero
        )


@pytest.mark.parametrize("name", ["gelu", "relu", "tanh"])
def test_two_layer_gradient_matches_autograd(name, device):
    g = torch.Generator().manual_seed(0)
    W1, W2, X, Y = (
        torch.randn(*shape, generator=g, dtype=torch.float64).to(device)
        for shape in ((7, 5), (3, 7), (5, 9), (3, 9))
    )
    W1.requires_grad_(True)
    act = activations.activation(name)
    value, G1 = models.two_layer_gradient(W1.detach(), W2, X, Y, act)
    ref = 0.5 * ((W2 @ act.fn(W1 @ X) - Y) ** 2).sum()
    ref.backward()
    assert value == pytest.approx(float(ref.detach()))
    torch.testing.assert_close(G1, W1.grad)


def test_subspace_measures_on_known_update():
    Q = rng.haar_orthogonal(8, 6, seed=0)
    G0 = torch.randn(
        8, 6, generator=torch.Generator().manual_seed(1), dtype=torch.float64
    )
    _, V_big = subspaces.gradient_subspace(0.1 * Q, G0, 1, complement=True)
    assert V_big.shape == (6, 2)
    inside = torch.randn(8, 2, dtype=torch.float64) @ V_big.T
    assert measures.energy_fraction(inside, V_big) == pytest.approx(1.0)
    assert measures.leak(inside, Q, V_big) < 1e-12
    full, _ = torch.linalg.qr(V_big, mode="complete")
    outside = Q @ full[:, 2:] @ torch.ones(4, 6, dtype=torch.float64)
    assert (
        measures.energy_fraction(outside @ full[:, 2:] @ full[:, 2:].T, V_big) < 1e-12
    )
    rank_one = torch.outer(
        torch.ones(8, dtype=torch.float64), torch.ones(6, dtype=torch.float64)
    )
    assert measures.top_energy_fraction(rank_one, 1) == pytest.approx(1.0)
    assert measures.stable_rank(rank_one) == pytest.approx(1.0)
    assert measures.stable_rank(torch.eye(5, dtype=torch.float64)) == pytest.approx(5.0)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        activations.activation("swish")
    with pytest.raises(ValueError, match="W_1 needs 4 columns"):
        objective = models.two_layer_objective(
            torch.zeros(2, 6), torch.zeros(4, 3), torch.zeros(2, 3), "gelu"
        )
        train.train([torch.zeros(6, 5)], objective, 0.1, 1)
    with pytest.raises(ValueError, match="k = 2 is impossible"):
        Q = rng.haar_orthogonal(8, 4, seed=0)
        subspaces.gradient_subspace(Q, torch.zeros(8, 4), 2, complement=True)
    X = data.orthogonal_inputs(4, 4, seed=0)
    with pytest.raises(FloatingPointError, match="diverged"):
        W2 = 10 * torch.ones(2, 6, dtype=torch.float64)
        objective = models.two_layer_objective(
            W2, X, torch.ones(2, 4, dtype=torch.float64), "linear"
        )
        train.train([torch.ones(6, 4, dtype=torch.float64)], objective, 10.0, 20)
