"""The checkers of Part III (nonlinear networks):
right answers pass; wrong ones fail with a hint, never the answer."""

import math

import numpy as np
import torch

from lrdlib import activations, init, measures, models, rng, subspaces
from lrdlib.book import exercises

# Chapter 7: invariant subspaces of two-layer MLPs


def test_two_layer_gradient_checker(judge):
    def right(W1, W2, X, Y, name):
        phi = activations.activation(name)
        R = W2 @ phi.fn(W1 @ X) - Y
        return ((W2.T @ R) * phi.grad(W1 @ X)) @ X.T

    def no_derivative(W1, W2, X, Y, name):  # the linear network's gradient
        phi = activations.activation(name)
        return (W2.T @ (W2 @ phi.fn(W1 @ X) - Y)) @ X.T

    def transposed(W1, W2, X, Y, name):
        return right(W1, W2, X, Y, name).T

    assert judge(exercises.check_two_layer_gradient, right)
    g = rng.check_random_state(0)
    W1 = torch.randn(12, 8, generator=g, dtype=torch.float64) / math.sqrt(8)
    W2 = torch.randn(2, 12, generator=g, dtype=torch.float64) / math.sqrt(12)
    X = torch.randn(8, 10, generator=g, dtype=torch.float64)
    Y = torch.randn(2, 10, generator=g, dtype=torch.float64)
    G = models.two_layer_gradient(W1, W2, X, Y, "gelu")[1]
    hidden = [f"{float(G.norm()):.2f}", f"{float(G[0, 0]):.3f}"]
    assert not judge(exercises.check_two_layer_gradient, no_derivative, hidden=hidden)
    assert not judge(exercises.check_two_layer_gradient, transposed, hidden=hidden)
    assert not judge(
        exercises.check_two_layer_gradient,
        lambda *args: -right(*args),
        hidden=hidden,
    )


def test_s_big_checker(judge):
    def right(Q, G, K):
        U_G, _, Vh = torch.linalg.svd(G, full_matrices=False)
        return torch.linalg.qr(torch.cat([Vh[:K].T, Q.T @ U_G[:, :K]], dim=1))[0]

    def top_2K(Q, G, K):  # the top 2K of one side
        return torch.linalg.svd(G, full_matrices=False)[2][: 2 * K].T

    def not_orthonormal(Q, G, K):
        U_G, _, Vh = torch.linalg.svd(G, full_matrices=False)
        return torch.cat([Vh[:K].T, 2 * Q.T @ U_G[:, :K]], dim=1)

    assert judge(exercises.check_s_big, right)
    hidden = ["0.1", "V_G[:, :K] ="]
    assert not judge(exercises.check_s_big, top_2K, hidden=hidden)
    assert not judge(exercises.check_s_big, not_orthonormal, hidden=hidden)
    assert not judge(
        exercises.check_s_big,
        lambda Q, G, K: torch.linalg.svd(G)[0][:, : 2 * K],  # output side
        hidden=hidden,
    )


def test_energy_and_leak_checker(judge):
    def right(delta, Q, V_big):
        V_perp = subspaces.orthogonal_complement(V_big)
        energy = (delta @ V_big).norm() ** 2 / delta.norm() ** 2
        return float(energy), float(
            ((Q @ V_perp).T @ delta @ V_perp).norm() / delta.norm()
        )

    def unsquared(delta, Q, V_big):
        return float((delta @ V_big).norm() / delta.norm()), right(delta, Q, V_big)[1]

    def input_side_leak(delta, Q, V_big):
        V_perp = subspaces.orthogonal_complement(V_big)
        return right(delta, Q, V_big)[0], float((delta @ V_perp).norm() / delta.norm())

    assert judge(exercises.check_energy_and_leak, right)
    g = rng.check_random_state(0)
    Q = rng.haar_orthogonal(20, 10, g)
    V_big = rng.haar_orthogonal(10, 4, g)
    delta = torch.randn(20, 4, generator=g, dtype=torch.float64) @ V_big.T
    delta = delta + 0.3 * torch.randn(20, 10, generator=g, dtype=torch.float64)
    hidden = [
        f"{measures.energy_fraction(delta, V_big):.4f}",
        f"{measures.leak(delta, Q, V_big):.4f}",
    ]
    assert not judge(exercises.check_energy_and_leak, unsquared, hidden=hidden)
    assert not judge(exercises.check_energy_and_leak, input_side_leak, hidden=hidden)


# Chapter 8: beyond the theory


def test_fraction_and_stable_rank_checker(judge):
    s2 = torch.tensor([1.0] + [0.8] * 5 + [5 / 44] * 44, dtype=torch.float64)
    W = torch.diag(s2.sqrt())
    hidden = ["0.8", "0.114", "5/44"]
    assert judge(exercises.check_fraction_and_stable_rank, W, 6, 0.5, 10.0)
    # impossible: f·s = 9 > k = 6
    assert not judge(
        exercises.check_fraction_and_stable_rank, W, 6, 0.9, 10.0, hidden=hidden
    )
    assert not judge(
        exercises.check_fraction_and_stable_rank,
        torch.eye(50),
        6,
        0.5,
        10.0,
        hidden=hidden,
    )


def test_basis_free_measures_checker(judge):
    def right(delta, k):
        s2 = torch.linalg.svdvals(delta) ** 2
        return float(s2[:k].sum() / s2.sum()), float(s2.sum() / s2[0])

    def unsquared(delta, k):
        s = torch.linalg.svdvals(delta)
        return float(s[:k].sum() / s.sum()), right(delta, k)[1]

    def nuclear(delta, k):
        s = torch.linalg.svdvals(delta)
        return right(delta, k)[0], float(s.sum() / s[0])

    assert judge(exercises.check_basis_free_measures, right)
    g = rng.check_random_state(0)  # the checker's first update
    U, V = rng.haar_orthogonal(30, 30, g), rng.haar_orthogonal(30, 30, g)
    S = torch.tensor(np.geomspace(3.0, 0.1, 30), dtype=torch.float64)
    delta = U @ torch.diag(S) @ V.T
    hidden = [
        f"{measures.top_energy_fraction(delta, 6):.4f}",
        f"{measures.stable_rank(delta):.3f}",
    ]
    assert not judge(exercises.check_basis_free_measures, unsquared, hidden=hidden)
    assert not judge(exercises.check_basis_free_measures, nuclear, hidden=hidden)


def test_adam_first_step_checker(judge):
    def right(G, lr):
        beta1, beta2, eps = 0.9, 0.999, 1e-8
        m_hat = (1 - beta1) * G / (1 - beta1)
        v_hat = (1 - beta2) * G**2 / (1 - beta2)
        return -lr * m_hat / (v_hat.sqrt() + eps)

    def no_bias_correction(G, lr):
        return -lr * (1 - 0.9) * G / (((1 - 0.999) * G**2).sqrt() + 1e-8)

    assert judge(exercises.check_adam_first_step, right)
    hidden = ["-0.00100", "0.000999", "-0.0100", "sign("]
    assert not judge(exercises.check_adam_first_step, no_bias_correction, hidden=hidden)
    assert not judge(
        exercises.check_adam_first_step, lambda G, lr: -lr * G, hidden=hidden
    )


def test_ce_logit_gradient_checker(judge):
    def right(Z, Y):
        return torch.softmax(Z, dim=0) - Y

    def over_samples(Z, Y):
        return torch.softmax(Z, dim=1) - Y

    assert judge(exercises.check_ce_logit_gradient, right)
    Z = 2 * torch.randn(3, 7, generator=rng.check_random_state(0), dtype=torch.float64)
    hidden = [f"{float(torch.softmax(Z, dim=0)[0, 0]):.3f}"]
    assert not judge(exercises.check_ce_logit_gradient, over_samples, hidden=hidden)
    assert not judge(
        exercises.check_ce_logit_gradient, lambda Z, Y: right(Z, Y).T, hidden=hidden
    )


# Chapter 9: low-rank MLPs


def test_lowrank_parameter_checker(judge):
    def right(d, m, K, r):
        return d * m + 2 * m * m + K * m, r * (d + r + m) + 2 * r * (2 * m + r) + K * m

    def no_cores(d, m, K, r):
        return right(d, m, K, r)[0], r * (d + m) + 2 * r * 2 * m + K * m

    hidden = [
        str(n) for shape in ((20, 16, 3, 4), (12, 30, 5, 6)) for n in right(*shape)
    ]
    assert judge(exercises.check_lowrank_parameters, right)
    assert not judge(exercises.check_lowrank_parameters, no_cores, hidden=hidden)
    assert not judge(
        exercises.check_lowrank_parameters,
        lambda d, m, K, r: (d * m + 2 * m * m, right(d, m, K, r)[1]),
        hidden=hidden,
    )


def test_low_rank_forward_checker(judge):
    def right(X, bases, cores, last, name):
        phi = activations.activation(name)
        h = X
        for (U, V), C in zip(bases, cores):
            h = phi.fn(U @ (C @ (V.T @ h)))
        return last @ h

    def activated_output(X, bases, cores, last, name):
        return activations.activation(name).fn(right(X, bases, cores, last, name))

    def transposed_cores(X, bases, cores, last, name):
        return right(X, bases, [C.T for C in cores], last, name)

    assert judge(exercises.check_low_rank_forward, right)
    g = rng.check_random_state(0)  # the checker's first network
    W0 = init.orthogonal_init([10, 12, 12, 3], 1.0, seed=rng.spawn_seed(g))
    bases = subspaces.random_bases(W0, 4, seed=rng.spawn_seed(g))
    cores = [torch.randn(4, 4, generator=g, dtype=torch.float64) for _ in bases]
    X = torch.randn(10, 5, generator=g, dtype=torch.float64)
    out = right(X, bases, cores, W0[-1], "gelu")
    hidden = [f"{float(v):.4f}" for v in out.flatten()[:5]]
    assert not judge(exercises.check_low_rank_forward, activated_output, hidden=hidden)
    assert not judge(exercises.check_low_rank_forward, transposed_cores, hidden=hidden)


def test_rotated_basis_checker(judge):
    def right(B, theta, seed):
        Z = torch.randn(B.shape, generator=rng.check_random_state(seed), dtype=B.dtype)
        B_perp = torch.linalg.qr(Z - B @ (B.T @ Z))[0]
        return math.cos(theta) * B + math.sin(theta) * B_perp

    def not_projected(B, theta, seed):
        Z = torch.randn(B.shape, generator=rng.check_random_state(seed), dtype=B.dtype)
        return math.cos(theta) * B + math.sin(theta) * torch.linalg.qr(Z)[0]

    def reorthonormalised(B, theta, seed):
        return torch.linalg.qr(not_projected(B, theta, seed))[0]

    assert judge(exercises.check_rotated_basis, right)
    assert judge(
        exercises.check_rotated_basis,
        lambda B, theta, seed: subspaces.rotate_basis(B, theta, seed),
    )
    g = rng.check_random_state(0)  # the checker's first basis and seed
    B = rng.haar_orthogonal(12, 3, g)
    rotated = subspaces.rotate_basis(B, math.pi / 6, rng.spawn_seed(g))
    hidden = [f"{float(v):.4f}" for v in rotated.flatten()[:6]]
    assert not judge(exercises.check_rotated_basis, not_projected, hidden=hidden)
    assert not judge(exercises.check_rotated_basis, reorthonormalised, hidden=hidden)
