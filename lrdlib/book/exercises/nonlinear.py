"""Checkers for the exercises of Part III, nonlinear networks (Chapters 7–9).

Each checker compares the reader's answer with lrdlib's reference on a few random
cases, prints one line, "correct: …" or "wrong: … Hint: …", and returns the verdict.
It never prints the expected answer, only the reader's own values.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ... import activations, init, losses, measures, models, rng, subspaces
from .verdict import as_numbers, as_tensor, relative_error, verdict

DOUBLE = torch.float64


def _close(a: float, b: float, rtol: float = 1e-6) -> bool:
    return abs(a - b) <= rtol * max(abs(b), 1e-12)


# Chapter 7: invariant subspaces of two-layer MLPs


def check_two_layer_gradient(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(W1, W2, X, Y, name) -> G1 (m, d)``, the two-layer gradient.

    ``G_1 = ∂/∂W_1 ½‖W_2 φ(W_1 X) − Y‖²`` with ``W1 (m, d)``, ``W2 (K, m)``,
    ``X (d, N)``, ``Y (K, N)`` and ``name`` an activation of ``lrdlib.activations``;
    compared with ``models.two_layer_gradient`` for three activations and shapes.
    """
    g = rng.check_random_state(seed)
    wrong = []
    for name, (m, d, K, N) in (
        ("gelu", (12, 8, 2, 10)),
        ("tanh", (9, 9, 3, 14)),
        ("elu", (15, 6, 2, 7)),
    ):
        act = activations.activation(name)
        W1 = torch.randn(m, d, generator=g, dtype=DOUBLE) / math.sqrt(d)
        W2 = torch.randn(K, m, generator=g, dtype=DOUBLE) / math.sqrt(m)
        X = torch.randn(d, N, generator=g, dtype=DOUBLE)
        Y = torch.randn(K, N, generator=g, dtype=DOUBLE)
        _, G = models.two_layer_gradient(W1, W2, X, Y, act)
        A, problem = as_tensor(
            reader_fn(W1.clone(), W2.clone(), X.clone(), Y.clone(), name),
            f"your G_1 for {name}",
            "G_1 has the shape of W_1: (W_2ᵀR ⊙ φ'(W_1X)) is (m, N), times Xᵀ.",
            (m, d),
        )
        if problem:
            wrong.append(problem)
            continue
        if relative_error(A, G) <= 1e-8:
            continue
        R = W2 @ act.fn(W1 @ X) - Y
        if relative_error(-A, G) <= 1e-8:
            hint = "the residual is R = W_2φ(W_1X) − Y, output minus target."
        elif relative_error(A, (W2.T @ R) @ X.T) <= 1e-8:
            hint = "the chain rule passes through φ: multiply W_2ᵀR by φ'(W_1X)."
        elif relative_error(A, (W2.T @ R) * act.grad(W1 @ X) @ X.T / N) <= 1e-8:
            hint = "the loss is summed over the samples, not averaged."
        else:
            hint = (
                "R is (K, N), W_2ᵀR is (m, N); multiply it entrywise by φ'(W_1X) "
                "(phi.grad), then by Xᵀ."
            )
        wrong.append(
            f"your G_1 for {name} is off by {relative_error(A, G):.1e} (relative). "
            f"Hint: {hint}"
        )
    return verdict(wrong, "your G_1 matches two_layer_gradient for three activations")


def check_s_big(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(Q, G, K) -> V_big (d, 2K)``, an orthonormal basis of S_big.

    ``Q (m, d)`` is semi-orthogonal (``W_1(0) = εQ``) and ``G (m, d)`` the gradient
    at initialisation; ``S_big = span V_G[:, :K] + span Qᵀ U_G[:, :K]``, compared with
    ``subspaces.gradient_subspace`` by principal angles on three problems.
    """
    g = rng.check_random_state(seed)
    wrong = []
    for m, d, K, N in ((20, 10, 2, 10), (30, 12, 3, 12), (16, 16, 1, 16)):
        Q = rng.haar_orthogonal(m, d, g)
        W2 = rng.haar_orthogonal(K, m, g)
        X = rng.haar_orthogonal(d, N, g)
        Y = torch.randn(K, N, generator=g, dtype=DOUBLE)
        _, G = models.two_layer_gradient(0.1 * Q, W2, X, Y, "gelu")
        _, V_big = subspaces.gradient_subspace(0.1 * Q, G, K)
        V, problem = as_tensor(
            reader_fn(Q.clone(), G.clone(), K),
            f"your basis for m={m}, d={d}, K={K}",
            "S_big lives in the input space R^d and has 2K directions, K from each "
            "side of G's SVD (Qᵀ U_G maps the output side back to R^d).",
            (d, 2 * K),
        )
        if problem:
            wrong.append(problem)
            continue
        off = float((V.T @ V - torch.eye(2 * K, dtype=DOUBLE)).abs().max())
        if off > 1e-8:
            wrong.append(
                f"your columns are not orthonormal (VᵀV is {off:.1e} from I). Hint: "
                "stack the two sets of directions and orthonormalise them, e.g. "
                "with torch.linalg.qr."
            )
            continue
        angle = float(measures.principal_angles(V, V_big).max())
        if angle <= 1e-6:
            continue
        top_2K = torch.linalg.svd(G, full_matrices=False)[2][: 2 * K].T
        if float(measures.principal_angles(V, top_2K).max()) <= 1e-6:
            hint = (
                "the top 2K right singular vectors of G are not S_big: take K of "
                "them and add the K directions Qᵀ U_G[:, :K] pulled back through "
                "the initial weights."
            )
        else:
            hint = (
                "use the first K columns of U_G and V_G (torch.linalg.svd returns "
                "Vᵀ, so V_G[:, :K] is Vh[:K].T), and pull U_G[:, :K] back with Qᵀ."
            )
        wrong.append(
            f"your subspace for m={m}, d={d}, K={K} is {angle:.2f} rad from S_big. "
            f"Hint: {hint}"
        )
    return verdict(wrong, "your basis spans S_big on three problems")


def check_energy_and_leak(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(delta, Q, V_big) -> (energy, leak)`` for an update.

    ``delta (m, d)``, ``Q (m, d)`` semi-orthogonal, ``V_big (d, 2K)`` orthonormal:
    ``energy = ‖ΔW V_big‖²/‖ΔW‖²`` and ``leak = ‖U_⊥ᵀ ΔW V_⊥‖/‖ΔW‖``, ``U_⊥ = Q V_⊥``,
    compared with ``measures.energy_fraction`` and ``measures.leak``.
    """
    g = rng.check_random_state(seed)
    wrong = []
    for m, d, K, spill in ((20, 10, 2, 0.3), (24, 12, 3, 1.0), (14, 14, 1, 0.05)):
        Q = rng.haar_orthogonal(m, d, g)
        V_big = rng.haar_orthogonal(d, 2 * K, g)
        inside = torch.randn(m, 2 * K, generator=g, dtype=DOUBLE) @ V_big.T
        delta = inside + spill * torch.randn(m, d, generator=g, dtype=DOUBLE)
        energy = measures.energy_fraction(delta, V_big)
        leak = measures.leak(delta, Q, V_big)
        answer, problem = as_numbers(
            reader_fn(delta.clone(), Q.clone(), V_big.clone()),
            2,
            "your answer",
            "return the pair (energy, leak) as two floats.",
        )
        if problem:
            wrong.append(problem)
            continue
        e, lk = answer
        V_perp = subspaces.orthogonal_complement(V_big)
        if not _close(e, energy):
            if _close(e, energy**0.5):
                hint = "the energy fraction is a ratio of squared norms."
            elif _close(e, 1 - energy):
                hint = "ΔW V_big is the part inside S_big, not the part outside."
            else:
                hint = "project the rows of ΔW on S_big: ‖ΔW V_big‖_F² / ‖ΔW‖_F²."
            wrong.append(f"your energy fraction {e:.4f} is off. Hint: {hint}")
        elif not _close(lk, leak):
            outside_in = float(((Q @ V_big).T @ delta @ V_big).norm() / delta.norm())
            if _close(lk, leak**2):
                hint = "the leak is a ratio of norms, not of squared norms."
            elif _close(lk, outside_in):
                hint = "the leak uses the complement V_⊥ of V_big, on both sides."
            elif _close(lk, float((delta @ V_perp).norm() / delta.norm())):
                hint = "the leak also projects the output side, with U_⊥ = Q V_⊥."
            else:
                hint = (
                    "complete V_big to an orthogonal basis, keep the other d − 2K "
                    "columns as V_⊥, and set U_⊥ = Q V_⊥."
                )
            wrong.append(f"your leak {lk:.4f} is off. Hint: {hint}")
    return verdict(
        wrong, "your energy fraction and leak match lrdlib for three updates"
    )


# Chapter 8: beyond the theory


def check_fraction_and_stable_rank(
    W, k: int, fraction: float, stable_rank: float, rtol: float = 0.02
) -> bool:
    """Check that ``W (p, q)`` has top-``k`` energy ``fraction`` and ``stable_rank``.

    Each must match to ``rtol``, relative. First checks that the request is possible:
    every matrix has ``1/s ≤ f ≤ k/s``.
    """
    if not 1 / stable_rank <= fraction <= k / stable_rank:
        print(
            f"wrong: no matrix has top-{k} fraction {fraction} and stable rank "
            f"{stable_rank}: your f·s = {fraction * stable_rank:.3g} lies outside "
            f"[1, {k}]. Hint: f·s = Σ_(i≤k) σ_i² / σ_1², a sum of {k} terms between "
            "0 and 1 whose first is 1."
        )
        return False
    hint = "build it as torch.diag(sigma) from the singular values you chose."
    W, problem = as_tensor(W, "your W", hint)
    if W is not None and W.ndim != 2:
        W, problem = None, f"your W has {W.ndim} dimensions, not 2. Hint: {hint}"
    if W is None:
        print("wrong:", problem)
        return False
    f, s = measures.top_energy_fraction(W, k), measures.stable_rank(W)
    if abs(f - fraction) > rtol * fraction or abs(s - stable_rank) > rtol * stable_rank:
        print(
            f"wrong: your matrix has top-{k} fraction {f:.3f} and stable rank {s:.3f}, "
            f"not the {fraction} and {stable_rank} you asked for. Hint: set σ_1² = 1; "
            f"then Σ σ_i² must equal s, and the top {k} values must hold f·s of it."
        )
        return False
    print(f"correct: top-{k} fraction {f:.3f}, stable rank {s:.3f}")
    return True


def check_basis_free_measures(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(delta, k) -> (fraction, stable_rank)`` for ``delta (p, q)``.

    ``fraction = Σ_(i≤k) s_i² / Σ s_i²`` and ``stable_rank = ‖ΔW‖_F² / ‖ΔW‖_2²``,
    compared with ``measures.top_energy_fraction`` and ``measures.stable_rank`` on
    three matrices, one square and two rectangular.
    """
    g = rng.check_random_state(seed)
    wrong = []
    for p, q, k in ((30, 30, 6), (40, 12, 4), (8, 25, 2)):
        n = min(p, q)
        U = rng.haar_orthogonal(p, n, g)
        V = rng.haar_orthogonal(q, n, g)
        S = torch.tensor(np.geomspace(3.0, 0.1, n), dtype=DOUBLE)
        delta = U @ torch.diag(S) @ V.T
        fraction = measures.top_energy_fraction(delta, k)
        srank = measures.stable_rank(delta)
        answer, problem = as_numbers(
            reader_fn(delta.clone(), k),
            2,
            "your answer",
            "return the pair (fraction, stable_rank) as two floats.",
        )
        if problem:
            wrong.append(problem)
            continue
        f, s = answer
        if not _close(f, fraction):
            if _close(f, float(S[:k].sum() / S.sum())):
                hint = "energy is the square of a singular value: sum s_i², not s_i."
            elif _close(f, 1 - fraction):
                hint = "svdvals are in descending order: the top k come first."
            else:
                hint = "use torch.linalg.svdvals(delta) and sum the first k squares."
            wrong.append(
                f"your fraction {f:.4f} for a {p}×{q} update is off. Hint: {hint}"
            )
        elif not _close(s, srank):
            if _close(s, srank**0.5):
                hint = "both norms are squared: ‖ΔW‖_F² / ‖ΔW‖_2²."
            elif _close(s, float(S.sum() / S[0])):
                hint = "that is the nuclear over the spectral norm; square s_i."
            else:
                hint = "‖ΔW‖_2 is the largest singular value, ‖ΔW‖_F² the sum of s_i²."
            wrong.append(
                f"your stable rank {s:.3f} for a {p}×{q} update is off. Hint: {hint}"
            )
    return verdict(wrong, "your fraction and stable rank match lrdlib on three updates")


def check_adam_first_step(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(G, lr) -> ΔW``, the change of ``W`` in Adam's first step.

    ``G`` is the gradient (any shape); Adam has PyTorch's defaults (β₁ = 0.9,
    β₂ = 0.999, ε = 1e-8) and starts from zero moments. Compared with the step that
    ``torch.optim.Adam``'s rule gives, on three gradients.
    """
    g = rng.check_random_state(seed)
    wrong = []
    for shape, lr in (((6, 8), 1e-3), ((10, 5), 1e-2), ((4, 4), 0.1)):
        G = torch.randn(*shape, generator=g, dtype=DOUBLE)
        # torch.optim.Adam's rule at t = 1: m̂ = G, v̂ = G², ΔW = −η m̂ / (√v̂ + ε)
        step = -lr * G / (G.abs() + 1e-8)
        A, problem = as_tensor(
            reader_fn(G.clone(), lr),
            "your ΔW",
            "the update has the shape of the gradient, entry by entry.",
            shape,
        )
        if problem:
            wrong.append(problem)
            continue
        err = relative_error(A, step)
        if err <= 1e-6:
            continue
        if relative_error(-A, step) <= 1e-6:
            hint = "Adam steps against the gradient: ΔW = −η m̂ / (√v̂ + ε)."
        elif relative_error(A, -lr * G) <= 1e-6 or relative_error(A, lr * G) <= 1e-6:
            hint = "that is a GD step; Adam divides by the root of the second moment."
        elif relative_error(A, step * (1 - 0.9) / math.sqrt(1 - 0.999)) <= 1e-3:
            hint = "divide m and v by 1 − β₁ and 1 − β₂ (bias correction at t = 1)."
        else:
            hint = (
                "after one step m = (1 − β₁)G and v = (1 − β₂)G²; bias-correct "
                "both, then ΔW = −η m̂ / (√v̂ + ε)."
            )
        wrong.append(
            f"your ΔW for a {shape[0]}×{shape[1]} gradient at η = {lr} is off by "
            f"{err:.1e} (relative). Hint: {hint}"
        )
    return verdict(wrong, "your ΔW matches torch.optim.Adam's first step three times")


def check_ce_logit_gradient(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(Z, Y) -> ∂ℓ/∂Z (K, N)`` for the summed cross-entropy.

    ``Z (K, N)`` are logits, one column per sample, ``Y (K, N)`` one-hot; compared
    with autograd through ``losses.mlp_loss(Z, Y, kind="ce")`` on three problems.
    """
    g = rng.check_random_state(seed)
    wrong = []
    for K, N in ((3, 7), (5, 12), (2, 4)):
        Z = 2 * torch.randn(K, N, generator=g, dtype=DOUBLE)
        labels = torch.randint(0, K, (N,), generator=g)
        Y = torch.zeros(K, N, dtype=DOUBLE)
        Y[labels, torch.arange(N)] = 1
        Z_ = Z.clone().requires_grad_(True)
        losses.mlp_loss(Z_, Y, kind="ce").backward()
        reference = Z_.grad
        A, problem = as_tensor(
            reader_fn(Z.clone(), Y.clone()),
            f"your gradient for K={K}, N={N}",
            "it has the shape of the logits Z, one column per sample.",
            (K, N),
        )
        if problem:
            wrong.append(problem)
            continue
        err = relative_error(A, reference)
        if err <= 1e-8:
            continue
        P_samples = torch.softmax(Z, dim=1)
        if relative_error(-A, reference) <= 1e-8:
            hint = "the gradient is softmax(Z) − Y (predicted minus target)."
        elif relative_error(A, reference / N) <= 1e-8:
            hint = "the loss is summed over the samples, not averaged."
        elif relative_error(A, P_samples - Y) <= 1e-8:
            hint = (
                "the softmax runs over the classes, the rows of a column (dim=0), "
                "not over the samples."
            )
        else:
            hint = "each column's softmax minus that column's one-hot target."
        wrong.append(
            f"your gradient for K={K}, N={N} is off by {err:.1e} (relative). "
            f"Hint: {hint}"
        )
    return verdict(wrong, "your gradient matches autograd on three problems")


# Chapter 9: low-rank MLPs


def check_lowrank_parameters(reader_fn) -> bool:
    """Check ``reader_fn(d, m, K, r) -> (full, factorised)`` trainable parameter counts.

    They are the counts of the MLP ``[d, m, m, m, K]`` and of its rank-``r`` factorised
    form (dense output layer), compared with the models lrdlib builds.
    """
    wrong = []
    for d, m, K, r in ((20, 16, 3, 4), (12, 30, 5, 6), (8, 8, 2, 2)):
        W = init.orthogonal_init([d, m, m, m, K], 1.0, seed=0)
        bases = subspaces.random_bases(W, r, seed=1)
        full = models.n_trainable(models.DenseMLP(W, "gelu"))
        factorised = models.n_trainable(models.low_rank_model(W, bases, "gelu"))
        answer, problem = as_numbers(
            reader_fn(d, m, K, r),
            2,
            "your answer",
            "return the pair (full, factorised) of two counts.",
        )
        if problem:
            wrong.append(problem)
            continue
        a_full, a_low = (int(round(v)) for v in answer)
        shape = f"d={d}, m={m}, K={K}, r={r}"
        if a_full != full:
            side = "too small" if a_full < full else "too large"
            wrong.append(
                f"your full count {a_full} is {side} for {shape}. Hint: widths "
                "[d, m, m, m, K] make four weight matrices, and lrdlib's layers have "
                "no biases."
            )
        elif a_low != factorised:
            side = "too small" if a_low < factorised else "too large"
            if a_low == factorised - 3 * r * r:
                hint = "each hidden layer also trains an r × r core C_l."
            elif a_low == factorised - K * m:
                hint = "the output layer stays dense and is trained too."
            else:
                hint = (
                    "a hidden layer of rank r trains U (d_out × r), a core (r × r) "
                    "and V (d_in × r); the output layer stays dense."
                )
            wrong.append(
                f"your factorised count {a_low} is {side} for {shape}. Hint: {hint}"
            )
    return verdict(wrong, "your counts match the models for three shapes")


def check_low_rank_forward(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(X, bases, cores, last, name) -> outputs (K, N)``.

    The factorised MLP: each hidden layer maps ``h`` to ``φ(U_l C_l V_lᵀ h)`` without
    forming ``W_l``; then ``last (K, d_{L−1})`` is applied, with no activation.
    ``bases`` is ``[(U_l, V_l)]``, ``cores`` ``[C_l (r, r)]``, ``X (d, N)``; compared
    with ``models.LowRankMLP`` on three networks.
    """
    g = rng.check_random_state(seed)
    wrong = []
    for widths, r, name in (
        ([10, 12, 12, 3], 4, "gelu"),
        ([6, 9, 2], 2, "tanh"),
        ([8, 8, 8, 8, 4], 3, "silu"),
    ):
        W0 = init.orthogonal_init(widths, 1.0, seed=rng.spawn_seed(g))
        bases = subspaces.random_bases(W0, r, seed=rng.spawn_seed(g))
        cores = [torch.randn(r, r, generator=g, dtype=DOUBLE) for _ in bases]
        X = torch.randn(widths[0], 5, generator=g, dtype=DOUBLE)
        model = models.LowRankMLP(bases, cores, W0[-1], name)
        with torch.no_grad():
            reference = model(X)
        answer = reader_fn(
            X.clone(),
            [(U.clone(), V.clone()) for U, V in bases],
            [C.clone() for C in cores],
            W0[-1].clone(),
            name,
        )
        A, problem = as_tensor(
            answer,
            f"your outputs for widths {widths}",
            "X is (d, N) with one sample per column; the output is (K, N).",
            tuple(reference.shape),
        )
        if problem:
            wrong.append(problem)
            continue
        err = relative_error(A, reference)
        if err <= 1e-8:
            continue
        act = activations.activation(name)
        h = X
        for (U, V), C in zip(bases, cores):
            h = act.fn(U @ C @ V.T @ h)
        if relative_error(A, act.fn(W0[-1] @ h)) <= 1e-8:
            hint = "the output layer is linear: no φ after it."
        else:
            transposed = X
            for (U, V), C in zip(bases, cores):
                transposed = act.fn(U @ C.T @ V.T @ transposed)
            if relative_error(A, W0[-1] @ transposed) <= 1e-8:
                hint = "the core acts as C_l, not its transpose: U_l (C_l (V_lᵀ h))."
            else:
                hint = "every hidden layer is h ← φ(U_l (C_l (V_lᵀ h)))."
        wrong.append(
            f"your outputs for widths {widths} are off by {err:.1e} (relative). "
            f"Hint: {hint}"
        )
    return verdict(wrong, "your forward pass matches LowRankMLP on three networks")


def check_rotated_basis(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(B, theta, seed) -> B_theta (n, r)``, a basis rotated by θ.

    ``B (n, r)`` is orthonormal with ``2r ≤ n``; the answer must be orthonormal with
    every principal angle to ``B`` equal to ``theta`` (radians), for three angles.
    """
    g = rng.check_random_state(seed)
    wrong = []
    for n, r, theta in (
        (12, 3, math.pi / 6),
        (20, 5, math.pi / 3),
        (8, 4, math.pi / 2),
    ):
        B = rng.haar_orthogonal(n, r, g)
        A, problem = as_tensor(
            reader_fn(B.clone(), theta, rng.spawn_seed(g)),
            f"your basis for n={n}, r={r}",
            "the rotated basis has the shape of B.",
            (n, r),
        )
        if problem:
            wrong.append(problem)
            continue
        off = float((A.T @ A - torch.eye(r, dtype=DOUBLE)).abs().max())
        if off > 1e-8:
            wrong.append(
                f"your columns for θ = {theta:.3f} are not orthonormal (AᵀA is "
                f"{off:.1e} from I). Hint: the random directions must be orthonormal "
                "and orthogonal to B: remove their part in span B (Z − B BᵀZ), then "
                "orthonormalise with torch.linalg.qr."
            )
            continue
        angles = measures.principal_angles(A, B)
        spread = float(np.abs(angles - theta).max())
        if spread > 1e-8:
            wrong.append(
                f"your principal angles to B range from {angles.min():.4f} to "
                f"{angles.max():.4f} rad for θ = {theta:.4f}. Hint: B cos θ + "
                "B_⊥ sin θ gives every angle θ only when B_⊥ is orthonormal and "
                "orthogonal to B; do not orthonormalise the result afterwards."
            )
    return verdict(wrong, "every principal angle equals θ for three rotations")
