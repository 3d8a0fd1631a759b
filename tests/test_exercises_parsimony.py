"""The checkers of Part II (the law of parsimony):
right answers pass; wrong ones fail with a hint, never the answer."""

import math

import numpy as np
import torch

from lrdlib import measures, models, theory
from lrdlib.book import exercises

# Chapter 4: the law of parsimony


def rho_curve(eps, lr, n_steps, depth, weight_decay):
    rho = [eps]
    for _ in range(n_steps):
        rho.append(rho[-1] * (1 - lr * weight_decay - lr * rho[-1] ** (2 * depth - 2)))
    return np.array(rho)


def test_rho_recursion_checker(judge):
    assert judge(exercises.check_rho_recursion, rho_curve)

    def exponent_2l_minus_1(eps, lr, n_steps, depth, weight_decay):
        return rho_curve(eps, lr, n_steps, depth + 0.5, weight_decay)

    hidden = [f"{v:.4g}" for v in theory.rho_square(1.0, 1 / 900, 50, 3)[1:4]]
    assert not judge(exercises.check_rho_recursion, exponent_2l_minus_1, hidden=hidden)
    assert not judge(exercises.check_rho_recursion, lambda *a: rho_curve(*a)[1:])

    def decay_twice(eps, lr, n_steps, depth, weight_decay):
        return rho_curve(eps, lr, n_steps, depth, 2 * weight_decay)

    assert not judge(exercises.check_rho_recursion, decay_twice)


def learning_subspace(W0, G0, r):
    U_g, _, Vh_g = torch.linalg.svd(G0)
    eps = float(torch.linalg.matrix_norm(W0, 2))
    stacked = torch.cat([Vh_g[:r].T, W0.T @ U_g[:, :r] / eps], dim=1)
    return torch.linalg.qr(stacked)[0]


def test_learning_subspace_checker(judge):
    assert judge(exercises.check_learning_subspace, learning_subspace)

    def top_2r(W0, G0, r):
        return torch.linalg.svd(G0)[2][: 2 * r].T

    assert not judge(exercises.check_learning_subspace, top_2r)

    def not_orthonormal(W0, G0, r):
        U_g, _, Vh_g = torch.linalg.svd(G0)
        return torch.cat([Vh_g[:r].T, 3 * W0.T @ U_g[:, :r]], dim=1)

    assert not judge(exercises.check_learning_subspace, not_orthonormal)


def test_pinned_count_checker(judge):
    assert judge(exercises.check_pinned_count, lambda d, r, d_y: d - r - d_y)
    # the square-target count, d − 2r, for every output width
    assert not judge(
        exercises.check_pinned_count,
        lambda d, r, d_y: d - 2 * r,
        hidden=["is 5", "is 4", " 5.", " 4."],
    )


# Chapter 5: the compressed network


def compression_gap(eps, lr, n_steps, depth, d, r):
    rho = theory.rho_square(eps, lr, n_steps, depth)[-1]
    return rho**depth * math.sqrt(d - 2 * r)


def test_compression_gap_checker(judge):
    assert judge(exercises.check_compression_gap, compression_gap)

    def rho_stays_at_eps(eps, lr, n_steps, depth, d, r):
        return eps**depth * math.sqrt(d - 2 * r)

    hidden = [f"{compression_gap(1e-2, 1e-1, 50, 3, 128, 5):.4g}"]
    assert not judge(exercises.check_compression_gap, rho_stays_at_eps, hidden=hidden)

    def no_square_root(eps, lr, n_steps, depth, d, r):
        return compression_gap(eps, lr, n_steps, depth, d, r) * math.sqrt(d - 2 * r)

    assert not judge(exercises.check_compression_gap, no_square_root)


def compressed_chain(weights_init, loss, r, eps):
    _, grads = models.dln_gradients(weights_init, loss)
    U_g, _, Vh_g = torch.linalg.svd(grads[0])
    stacked = torch.cat([Vh_g[:r].T, weights_init[0].T @ U_g[:, :r] / eps], dim=1)
    V_in = torch.linalg.qr(stacked)[0]
    U_out = models.end_to_end(weights_init) @ V_in / eps ** len(weights_init)
    eye = torch.eye(2 * r, dtype=V_in.dtype)
    return [V_in.T, *[eps * eye for _ in weights_init], U_out]


def test_compressed_chain_checker(judge):
    assert judge(exercises.check_compressed_chain, compressed_chain)

    def divide_by_eps_once(weights_init, loss, r, eps):
        chain = compressed_chain(weights_init, loss, r, eps)
        chain[-1] = chain[-1] * eps ** (len(weights_init) - 1)
        return chain

    assert not judge(exercises.check_compressed_chain, divide_by_eps_once)

    def top_2r(weights_init, loss, r, eps):
        _, grads = models.dln_gradients(weights_init, loss)
        V_in = torch.linalg.svd(grads[0])[2][: 2 * r].T
        U_out = models.end_to_end(weights_init) @ V_in / eps ** len(weights_init)
        eye = torch.eye(2 * r, dtype=V_in.dtype)
        return [V_in.T, *[eps * eye for _ in weights_init], U_out]

    assert not judge(exercises.check_compressed_chain, top_2r)


def step_flops(shapes):
    d0 = shapes[0][1]
    return sum(3 * 2 * d_out * d_in * d0 for d_out, d_in in shapes[1:])


def test_step_flops_checker(judge):
    assert judge(exercises.check_step_flops, step_flops)

    def every_layer(shapes):
        return sum(6 * d_out * d_in * shapes[0][1] for d_out, d_in in shapes)

    hidden = [str(models.step_flops([(64, 64)] * 3))]
    assert not judge(exercises.check_step_flops, every_layer, hidden=hidden)
    assert not judge(exercises.check_step_flops, lambda s: step_flops(s) // 2)


# Chapter 6: progressive separation


def test_orthonormal_scatter_checker(judge):
    assert judge(
        exercises.check_orthonormal_scatter,
        lambda n, K: (1 - 1 / n, 1 / n - 1 / (n * K)),
    )
    # forgets the cross term ⟨μ_k, μ⟩ in ‖μ_k − μ‖²
    hidden = [f"{1 / 2 - 1 / 6:.4g}", f"{1 / 10 - 1 / 50:.4g}"]
    assert not judge(
        exercises.check_orthonormal_scatter,
        lambda n, K: (1 - 1 / n, 1 / n + 1 / (n * K)),
        hidden=hidden,
    )


def test_separation_depth_checker(judge):

    def right(eps, L, K, n):
        C0, q = K * (n - 1) / (K - 1), eps**2 / n ** (1 / L)
        l = math.floor(math.log(1e-2 / C0) / math.log(q)) + 1
        return l if l <= L - 1 else None

    assert judge(exercises.check_separation_depth, right)

    def no_cap(eps, L, K, n):  # forgets that the network has only L − 1 layers
        C0, q = K * (n - 1) / (K - 1), eps**2 / n ** (1 / L)
        return math.floor(math.log(1e-2 / C0) / math.log(q)) + 1

    assert not judge(exercises.check_separation_depth, no_cap, hidden=["None"])
    # rounds down: the last layer above 10⁻², one too early
    assert not judge(
        exercises.check_separation_depth,
        lambda *a: right(*a) - 1 if right(*a) else None,
        hidden=[" 5 ", "5."],
    )


def separation_ratio(H, Y):
    counts = Y.sum(dim=1)  # n_k
    means = H @ Y.T / counts  # (p, K): the class means μ_k
    mu = H.mean(dim=1, keepdim=True)
    within = float(((H - means @ Y) ** 2).sum())
    between = float((((means - mu) ** 2).sum(dim=0) * counts).sum())
    return within / between


def test_separation_ratio_checker(judge):
    assert judge(exercises.check_separation_ratio, separation_ratio)

    def equal_weights(H, Y):
        means = H @ Y.T / Y.sum(dim=1)
        within = float(((H - means @ Y) ** 2).sum()) / H.shape[1]
        between = float(((means - means.mean(dim=1, keepdim=True)) ** 2).sum())
        return within / (between / Y.shape[0])

    assert not judge(exercises.check_separation_ratio, equal_weights)


def layer_ratios(weights, X, labels, act):
    phi = {"linear": lambda z: z, "tanh": torch.tanh, "relu": torch.relu}[act]
    features = [X]
    for W in weights[:-1]:
        features.append(phi(W @ features[-1]))
    return np.array([measures.class_scatter(H, labels).ratio for H in features])


def test_layer_ratios_checker(judge):
    assert judge(exercises.check_layer_ratios, layer_ratios)

    def with_output(weights, X, labels, act):
        ratios = layer_ratios(weights, X, labels, act)
        out = weights[-1] @ X
        return np.append(ratios, measures.class_scatter(out, labels).ratio)

    assert not judge(exercises.check_layer_ratios, with_output)
    assert not judge(
        exercises.check_layer_ratios,
        lambda W, X, y, act: layer_ratios(W, X, y, "linear"),
    )
