"""Checkers for the exercises of Part II, the law of parsimony (Chapters 4–6)."""

from __future__ import annotations

import math

import numpy as np
import torch

from ... import data, init, losses, measures, models, rng, subspaces, theory, train
from .verdict import (
    as_int,
    as_number,
    as_numbers,
    as_tensor,
    as_tensors,
    relative_error,
    verdict,
)


def _generator(seed: int, name: str) -> np.random.Generator:
    """The numpy stream ``name`` of ``seed``, for drawing a checker's cases."""
    return np.random.default_rng(rng.stream(seed, name))


def _regression_net(d: int, r: int, depth: int, d_y: int, seed: int):
    """An ε = 1 orthogonal network ``[W_1(0), …]`` and its rank-``r`` target's loss."""
    W0 = init.orthogonal_init([d] * depth + [d_y], 1.0, seed=rng.stream(seed, "init"))
    target = data.low_rank_target(d_y, d, r, seed=rng.stream(seed, "target"))
    return W0, losses.Regression.from_target(target)


# Chapter 4: the law of parsimony


def check_rho_recursion(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(eps, lr, n_steps, depth, weight_decay) -> ρ (n_steps + 1,)``.

    ``ρ(0), …, ρ(n_steps)`` of a square target, compared with ``theory.rho_square`` to
    1e-9 relative, in three settings (one without weight decay).
    """
    g = _generator(seed, "rho recursion")
    cases = [
        (float(g.uniform(0.8, 1.2)), 1 / 900, 50, 3, 0.0),
        (float(g.uniform(0.6, 1.0)), 1e-2, 40, 4, 0.5),
        (float(g.uniform(1.0, 1.3)), 5e-3, 30, 2, 2.0),
    ]
    wrong = []
    for eps, lr, n_steps, depth, wd in cases:
        setting = f"ε={eps:.3f}, η={lr:.4g}, {n_steps} steps, L={depth}, λ={wd}"
        answer, problem = as_tensor(
            reader_fn(eps, lr, n_steps, depth, wd),
            "your ρ",
            "return a numpy array of the values ρ(0), …, ρ(n_steps).",
        )
        if answer is None:
            return verdict([problem], "")
        answer = answer.numpy().ravel()
        if answer.shape != (n_steps + 1,):
            wrong.append(
                f"for {n_steps} steps your ρ has {answer.size} values. Hint: return "
                "ρ(0) = ε and one value after every step, n_steps + 1 in all."
            )
            continue
        if not math.isclose(answer[0], eps, rel_tol=1e-12):
            wrong.append(
                f"your ρ(0) is {answer[0]:.4g} for ε={eps:.3f}. Hint: the init is "
                "ε-orthogonal, so every singular value starts at ε."
            )
            continue
        reference = theory.rho_square(eps, lr, n_steps, depth, weight_decay=wd)
        if np.abs(answer / reference - 1).max() > 1e-9:
            step = int(np.argmax(np.abs(answer / reference - 1) > 1e-9))
            hint = (
                "weight decay multiplies ρ by (1 − ηλ) at every step, next to the "
                "gradient term"
                if wd
                else "the gradient in the ρ block is ρ^{2L−1}, so the bracket holds "
                "η ρ^{2(L−1)}, evaluated at the previous step's ρ"
            )
            wrong.append(f"{setting}: your ρ is off from step {step} on. Hint: {hint}.")
    return verdict(wrong, "ρ(t) at every step in three settings")


def check_learning_subspace(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(W0, G0, r) -> V11 (d, 2r)``, the learning subspace of ``W_1``.

    ``W0`` and ``G0 = ∇_{W_1}ℓ(0)`` are ``(d, d)``; the span of ``V11`` is compared with
    that of ``subspaces.gradient_subspace`` (principal angles below 1e-6).
    """
    wrong = []
    for i, (d, r, depth) in enumerate(((10, 2, 3), (12, 3, 3), (9, 1, 4))):
        W0, loss = _regression_net(d, r, depth, d, rng.stream(seed, f"subspace {i}"))
        _, grads = models.dln_gradients(W0, loss)
        _, reference = subspaces.gradient_subspace(W0[0], grads[0], r)
        V, problem = as_tensor(
            reader_fn(W0[0].clone(), grads[0].clone(), r),
            "your V11",
            "return a (d, 2r) torch tensor whose columns span the subspace.",
        )
        if V is None:
            return verdict([problem], "")
        if tuple(V.shape) != (d, 2 * r):
            wrong.append(
                f"for d={d}, r={r} your V11 has shape {tuple(V.shape)}. Hint: it "
                "holds 2r columns of length d: r from the gradient's right singular "
                "vectors and r pulled back through W_1(0)."
            )
            continue
        gram_error = float(torch.linalg.matrix_norm(V.T @ V - torch.eye(2 * r)))
        if gram_error > 1e-8:
            wrong.append(
                f"your columns are not orthonormal (‖VᵀV − I‖ = {gram_error:.1e}). "
                "Hint: orthonormalise the 2r stacked columns, e.g. with "
                "torch.linalg.qr."
            )
            continue
        angle = measures.principal_angles(V, reference).max()
        if angle > 1e-6:
            U_g, _, Vh_g = torch.linalg.svd(grads[0])
            target_side = measures.principal_angles(Vh_g[:r].T, V).max()
            hint = (
                "the r target directions are in, but the other r are not: they are "
                "W_1(0)ᵀ U_g[:, :r] / ε, the directions the init sends onto the "
                "gradient's top left singular vectors, not the next r singular "
                "vectors of G"
                if target_side < 1e-6
                else "start from the top r right singular vectors of G = U_g Σ V_gᵀ"
            )
            wrong.append(
                f"for d={d}, r={r} your subspace is {angle:.2f} rad away from the one "
                f"the law keeps fixed. Hint: {hint}."
            )
    return verdict(wrong, "the learning subspace of W_1 for three networks")


def check_pinned_count(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(d, r, d_y) -> int``, the singular values of W_1 that stay at ε.

    For ``r ≤ d_y < d``, counted on a short GD run of a depth-3 network, width ``d``,
    with a ``(d_y, d)`` target of rank ``r``, from ε = 1.
    """
    wrong = []
    for i, (d, r, d_y) in enumerate(((12, 2, 2), (12, 2, 5), (14, 3, 7))):
        W0, loss = _regression_net(d, r, 3, d_y, rng.stream(seed, f"pinned {i}"))
        h = train.train(W0, models.dln_objective(loss), 1 / d**2, 30, record_every=None)
        S = torch.linalg.svdvals(h.params[0]).numpy()
        counted = int((np.abs(S - 1) < 1e-9).sum())
        answer, problem = as_int(
            reader_fn(d, r, d_y),
            "your count",
            "return an int, the number of singular values of W_1 that never leave ε.",
        )
        if answer is None:
            return verdict([problem], "")
        if answer != counted:
            hint = (
                "the count depends on d_y: the last layer is d_y × d, so the output "
                "ignores some directions of the hidden layers: count those of them "
                "that the gradient never touches"
                if answer == d - 2 * r and d_y > r
                else "a direction stays at ε only if the gradient never touches it: "
                "neither the last layer nor the target may see it"
            )
            size = "large" if answer > counted else "small"
            wrong.append(
                f"for d={d}, r={r}, d_y={d_y} your count {answer} is too {size}. "
                f"Hint: {hint}."
            )
    return verdict(wrong, "the pinned count for three output widths")


# Chapter 5: the compressed network


def check_compression_gap(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(eps, lr, n_steps, depth, d, r) -> ‖W_{L:1} − U W̃ Vᵀ‖_F``.

    The gap between the wide and the compressed end-to-end maps after ``n_steps`` GD
    steps, against ``ρ(t)^L √(d − 2r)`` from ``theory.rho_square`` (1e-9 relative).
    """
    g = _generator(seed, "compression gap")
    cases = [
        (float(g.uniform(0.8, 1.0)), 1e-2, 60, 3, 20, 2),
        (float(g.uniform(0.5, 0.7)), 5e-2, 100, 4, 64, 5),
        (1e-2, 1e-1, 50, 3, 128, 5),
    ]
    wrong = []
    for eps, lr, n_steps, depth, d, r in cases:
        answer, problem = as_number(
            reader_fn(eps, lr, n_steps, depth, d, r),
            "your gap",
            "return one float, the Frobenius norm of the difference.",
        )
        if answer is None:
            return verdict([problem], "")
        rho = theory.rho_square(eps, lr, n_steps, depth)
        expected = rho[-1] ** depth * math.sqrt(d - 2 * r)
        if math.isclose(answer, expected, rel_tol=1e-9):
            continue
        setting = f"ε={eps:.3g}, η={lr:g}, {n_steps} steps, L={depth}, d={d}, r={r}"
        if math.isclose(answer, eps**depth * math.sqrt(d - 2 * r), rel_tol=1e-9):
            hint = "ρ does not stay at ε: run its recursion to t = n_steps"
        elif math.isclose(answer, expected * math.sqrt(d - 2 * r), rel_tol=1e-9):
            hint = "the Frobenius norm of ρ^L times a (d−2r)-dimensional identity "
            hint += "block is the square root of the sum of squares"
        elif math.isclose(answer, rho[-1] * math.sqrt(d - 2 * r), rel_tol=1e-9):
            hint = "the product of L layers carries ρ once per layer"
        else:
            hint = (
                "the gap is the ρ block of the wide product: count its singular "
                "values and find what each one is after n_steps"
            )
        wrong.append(f"{setting}: your gap is {answer:.4g}. Hint: {hint}.")
    return verdict(wrong, "the gap in three settings")


def check_compressed_chain(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(weights_init, loss, r, eps) -> [V_inᵀ, W̃_1, …, W̃_L, U_out]``.

    ``V_inᵀ`` is ``(2r, d)``, each ``W̃_l = ε I_{2r}``, ``U_out`` is ``(d, 2r)``; both
    outer factors orthonormal, and the chain's product at init equal to that of
    ``models.compress`` (1e-9 relative).
    """
    wrong = []
    for i, (d, r, depth, eps) in enumerate(
        ((12, 2, 3, 1e-1), (16, 3, 3, 1e-2), (10, 1, 4, 1.0))
    ):
        W0, loss = _regression_net(d, r, depth, d, rng.stream(seed, f"chain {i}"))
        W0 = [eps * W for W in W0]
        reference = models.end_to_end(models.compress(W0, loss, r, eps).layers())
        chain = reader_fn([W.clone() for W in W0], loss, r, eps)
        shapes = [(2 * r, d)] + [(2 * r, 2 * r)] * depth + [(d, 2 * r)]
        chain, problem = as_tensors(
            chain,
            "your chain",
            "return the list [V_inᵀ, W̃_1, …, W̃_L, U_out] of torch tensors.",
        )
        if chain is None:
            return verdict([problem], "")
        got = [tuple(M.shape) for M in chain]
        if got != shapes:
            wrong.append(
                f"for d={d}, r={r}, L={depth} your chain has shapes {got}. Hint: "
                "V_inᵀ first, then L inner (2r, 2r) layers, U_out last."
            )
            continue
        eye = torch.eye(2 * r, dtype=torch.float64)
        U_out, V_in = chain[-1], chain[0].T
        if any(
            float(torch.linalg.matrix_norm(M - eps * eye)) > 1e-12 for M in chain[1:-1]
        ):
            wrong.append(
                "your inner layers are not ε I. Hint: the compressed layers start "
                "where the wide ones start inside the block, at ε times the identity."
            )
            continue
        if float(torch.linalg.matrix_norm(V_in.T @ V_in - eye)) > 1e-8:
            wrong.append(
                "the columns of your V_in are not orthonormal. Hint: orthonormalise "
                "the 2r directions you stack."
            )
            continue
        norms = torch.linalg.vector_norm(U_out, dim=0)
        if float(torch.linalg.matrix_norm(U_out.T @ U_out - eye)) > 1e-8:
            wrong.append(
                f"for ε={eps:g}, L={depth} the columns of your U_out have norms "
                f"{float(norms.min()):.3g} to {float(norms.max()):.3g}, not 1. Hint: "
                "W_{L:1}(0) = ε^L O, so divide by ε^L, once per layer."
            )
            continue
        error = relative_error(models.end_to_end(chain), reference)
        if error > 1e-9:
            wrong.append(
                f"for d={d}, r={r} your chain's product at init is off by "
                f"{error:.1e} (relative). Hint: V_in must span r right singular "
                "vectors of the gradient and r directions pulled back through "
                "W_1(0), and U_out = W_{L:1}(0) V_in / ε^L for that same V_in."
            )
    return verdict(wrong, "the compressed chain of three networks")


def check_step_flops(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(shapes) -> int``, the FLOPs of one whitened DLN gradient call.

    ``shapes`` lists ``(d_l, d_{l−1})`` per layer; compared with ``models.step_flops``
    on a wide network, a compressed chain and a random rectangular network.
    """
    g = _generator(seed, "step flops")
    widths = [int(w) for w in g.integers(3, 40, size=5)]
    cases = [
        [(64, 64)] * 3,
        [(10, 512)] + [(10, 10)] * 3 + [(512, 10)],
        list(zip(widths[1:], widths[:-1])),
    ]
    wrong = []
    for shapes in cases:
        answer, problem = as_int(
            reader_fn(list(shapes)),
            "your count",
            "return an int, a sum of 2·m·n·p terms.",
        )
        if answer is None:
            return verdict([problem], "")
        expected = models.step_flops(shapes)
        if answer == expected:
            continue
        d0 = shapes[0][1]
        all_layers = sum(6 * out * inp * d0 for out, inp in shapes)
        if answer == all_layers:
            hint = (
                "the first layer adds no product: its gradient is ∂ℓ/∂P carried "
                "back, with no prefix to multiply"
            )
        elif answer * 2 == expected:
            hint = "a product of (m, n) by (n, p) costs 2·m·n·p FLOPs, not m·n·p"
        else:
            hint = (
                "each layer after the first costs three products (prefix, backward, "
                "gradient) of d_l · d_{l−1} · d_0 multiply-adds each"
            )
        size = "large" if answer > expected else "small"
        wrong.append(f"for shapes {shapes} your count is too {size}. Hint: {hint}.")
    return verdict(wrong, "FLOP counts of three networks")


# Chapter 6: progressive separation


def check_orthonormal_scatter(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(n, K) -> (tr Σ_W, tr Σ_B)`` for ``N = Kn`` orthonormal inputs.

    ``K`` classes of ``n``; both traces are compared with ``measures.class_scatter``.
    """
    wrong = []
    for n, K in ((2, 3), (5, 4), (10, 5)):
        X = data.orthogonal_inputs(n * K, n * K, seed=rng.stream(seed, f"scatter {n}"))
        expected = measures.class_scatter(X, torch.arange(n * K) % K)
        answer, problem = as_numbers(
            reader_fn(n, K), 2, "your answer", "return the tuple (tr Σ_W, tr Σ_B)."
        )
        if answer is None:
            return verdict([problem], "")
        within, between = answer
        problems = []
        if not math.isclose(within, expected.within, rel_tol=1e-9):
            problems.append(
                f"tr Σ_W = {within:.4g} is off. Hint: expand ‖x_i − μ_k‖² into three "
                "terms and use orthonormality for each inner product"
            )
        if not math.isclose(between, expected.between, rel_tol=1e-9):
            problems.append(
                f"tr Σ_B = {between:.4g} is off. Hint: expand ‖μ_k − μ‖² the same way, "
                "writing both means as averages of orthonormal vectors"
            )
        if problems:
            wrong.append(f"n={n}, K={K}: your " + "; your ".join(problems) + ".")
    return verdict(wrong, "both traces for three class sizes")


def check_separation_depth(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(eps, depth, K, n) -> l``, the first well-separated layer.

    It is the first layer with predicted ``C_l = C_0 (ε²/n^{1/L})^l < 10⁻²``
    (``C_0 = K(n−1)/(K−1)``), or ``None`` if no layer ``l ≤ L − 1`` gets there.
    """
    wrong = []
    for eps, depth, K, n in ((0.5, 8, 5, 10), (0.9, 8, 5, 10), (0.7, 16, 3, 20)):
        C0, q = K * (n - 1) / (K - 1), eps**2 / n ** (1 / depth)
        layers = [l for l in range(depth) if C0 * q**l < 1e-2]
        expected = layers[0] if layers else None
        answer = reader_fn(eps, depth, K, n)
        if answer == expected:
            continue
        setting = f"ε={eps}, L={depth}, K={K}, n={n}"
        if expected is None:
            hint = (
                "tabulate the predicted C_l for the network's layers l = 0, …, L − 1 "
                "and look where it first drops below 10⁻²"
            )
        elif answer is None:
            hint = "a layer l ≤ L − 1 does get below 10⁻² here; compare l with L − 1"
        elif answer == expected - 1 or answer == expected + 1:
            hint = (
                "you are one layer off: C_l < 10⁻² needs l strictly above "
                "log(10⁻²/C_0)/log q, so take the floor and add one (layers count "
                "from l = 0, the input)"
            )
        else:
            hint = "q = ε²/n^{1/L} and C_0 = K(n − 1)/(K − 1); solve C_0 q^l < 10⁻²"
        wrong.append(f"{setting}: your layer {answer} is wrong. Hint: {hint}.")
    return verdict(wrong, "the first separated layer in three settings")


def _unbalanced_features(seed: int, p: int, counts: tuple[int, ...]):
    """Random features ``(p, N)`` and shuffled labels with ``counts`` per class."""
    g = rng.check_random_state(seed)
    labels = torch.cat([torch.full((c,), k) for k, c in enumerate(counts)])
    labels = labels[torch.randperm(len(labels), generator=g)]
    H = torch.randn(p, len(labels), generator=g, dtype=torch.float64)
    return H + 2 * torch.randn(p, len(counts), generator=g, dtype=H.dtype)[
        :, labels
    ], labels


def check_separation_ratio(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(H, Y) -> C = tr Σ_W / tr Σ_B`` of features ``H (p, N)``.

    ``Y`` is the ``(K, N)`` one-hot label matrix; random features with classes of
    unequal size, compared with ``measures.class_scatter(H, labels).ratio`` (1e-9
    relative).
    """
    wrong = []
    for i, (p, counts) in enumerate(((6, (4, 4, 4)), (5, (3, 9, 5, 2)), (8, (12, 3)))):
        H, labels = _unbalanced_features(rng.stream(seed, f"ratio {i}"), p, counts)
        expected = measures.class_scatter(H, labels).ratio
        answer, problem = as_number(
            reader_fn(H.clone(), data.one_hot(labels, len(counts))),
            "your ratio",
            "return one float, C = tr Σ_W / tr Σ_B.",
        )
        if answer is None:
            return verdict([problem], "")
        if math.isclose(answer, expected, rel_tol=1e-9):
            continue
        means = torch.stack([H[:, labels == k].mean(dim=1) for k in range(len(counts))])
        within = float(((H - means.T[:, labels]) ** 2).sum()) / H.shape[1]
        equal_weights = [
            float(((means - centre) ** 2).sum()) / len(counts)
            for centre in (means.mean(dim=0), H.mean(dim=1))
        ]
        if any(math.isclose(answer, within / b, rel_tol=1e-9) for b in equal_weights):
            hint = (
                "with classes of unequal size, weight each class mean by n_k/N and "
                "measure it from the mean of all N samples"
            )
        else:
            hint = (
                "Σ_W averages ‖h_i − μ_k‖² over all N samples, Σ_B averages "
                "‖μ_k − μ‖² over the classes with weights n_k/N"
            )
        wrong.append(f"for class sizes {counts} your C is {answer:.4g}. Hint: {hint}.")
    return verdict(wrong, "the ratio for balanced and unbalanced classes")


def check_layer_ratios(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(weights, X, labels, act) -> C``, shape ``(L,)``, C_l per depth.

    ``C_l`` of the input ``X (d, N)`` and of every hidden layer's output (the last
    layer's excluded), against ``measures.separation_ratios`` for linear, tanh and
    ReLU nets.
    """
    wrong = []
    for i, (act, depth, K, n) in enumerate(
        (("linear", 4, 3, 4), ("tanh", 5, 4, 3), ("relu", 3, 2, 5))
    ):
        N = K * n
        X = data.orthogonal_inputs(N, N, seed=rng.stream(seed, f"layers X {i}"))
        labels = torch.arange(N) % K
        weights = init.gaussian_init(
            [N] * depth + [K], 1.0, seed=rng.stream(seed, f"layers W {i}")
        )
        expected = measures.separation_ratios(weights, X, labels, act)
        answer, problem = as_tensor(
            reader_fn([W.clone() for W in weights], X.clone(), labels.clone(), act),
            "your C",
            "return a numpy array with one ratio per depth l = 0, …, L − 1.",
        )
        if answer is None:
            return verdict([problem], "")
        answer = answer.numpy().ravel()
        if answer.shape != expected.shape:
            hint = (
                "leave out the last layer's output: the K outputs are the "
                "predictions, not features"
                if answer.size == depth + 1
                else "start with C_0, the ratio of the input X itself"
                if answer.size == depth - 1
                else "one ratio per depth, from the input to the last hidden layer"
            )
            wrong.append(
                f"for L={depth} your C has {answer.size} values. Hint: {hint}."
            )
            continue
        if np.abs(answer / expected - 1).max() < 1e-9:
            continue
        where = f"for a {act} network of depth {depth} your"
        if abs(answer[0] / expected[0] - 1) > 1e-9:
            wrong.append(
                f"{where} C_0 is off. Hint: C_0 is the ratio of the input X, before "
                "any layer."
            )
            continue
        hint = (
            f"apply {act} after every hidden layer, φ(W_l h^(l−1))"
            if act != "linear"
            else "h^(l) = W_l ⋯ W_1 x: multiply the layers in order, W_1 first"
        )
        wrong.append(f"{where} C_l are off after the input. Hint: {hint}.")
    return verdict(wrong, "C_l at every depth for linear, tanh and ReLU networks")
