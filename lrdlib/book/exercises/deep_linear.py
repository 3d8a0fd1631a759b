"""Checkers for the exercises of Part I, deep linear networks (Chapters 1–3)."""

from __future__ import annotations

import math

import torch

from ... import data, init, losses, models, rng, theory
from .verdict import verdict


def check_dln_gradients(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(weights, X, Y) -> [∂ℓ/∂W_1, …]`` for ``ℓ = ½‖W_{L:1}X − Y‖²``.

    Tries three random rectangular networks; prints what is wrong and returns ``False``
    if any gradient is off by more than 1e-8 relative, else prints "correct" and returns
    ``True``.
    """
    g = rng.check_random_state(seed)
    for widths in ([4, 5, 3], [3, 6, 6, 2], [5, 5, 5, 5, 5]):
        weights = init.gaussian_init(widths, 1.0, seed=g)
        X = torch.randn(widths[0], 7, generator=g, dtype=torch.float64)
        Y = torch.randn(widths[-1], 7, generator=g, dtype=torch.float64)
        _, reference = models.dln_gradients(weights, losses.Regression.from_data(X, Y))
        answer = reader_fn([W.clone() for W in weights], X, Y)
        if len(answer) != len(reference):
            print(
                f"wrong: expected {len(reference)} gradients for widths {widths}, got "
                f"{len(answer)}"
            )
            return False
        for l, (A, R) in enumerate(zip(answer, reference), start=1):
            A = torch.as_tensor(A, dtype=torch.float64)
            if A.shape != R.shape:
                print(
                    f"wrong: ∂ℓ/∂W_{l} should have shape {tuple(R.shape)}, got "
                    f"{tuple(A.shape)}"
                )
                return False
            err = float(torch.linalg.matrix_norm(A - R) / torch.linalg.matrix_norm(R))
            if err > 1e-8:
                print(
                    f"wrong: ∂ℓ/∂W_{l} for widths {widths} is off by {err:.2e} "
                    "(relative)"
                )
                return False
    print("correct: your gradients match lrdlib.models.dln_gradients on three networks")
    return True


def check_half_time(reader_fn) -> bool:
    """Check ``reader_fn(s, sigma0, lr) -> steps``, a depth-2 mode's half-learning time.

    The steps are those GD needs for a mode of target ``s`` to go from
    ``σ(0) = sigma0`` to ``s/2``, compared with a GD run of ``theory.mode_gd`` (within
    2 %, the O(η) gap between GD and the flow).
    """
    wrong = []
    for s, sigma0, lr in ((1.0, 1e-3, 1e-3), (4.0, 1e-2, 5e-4), (2.0, 1e-4, 1e-3)):
        curve = theory.mode_gd(s, math.sqrt(sigma0), 2, lr, int(20 / (s * lr)))
        measured = theory.learning_time(curve, s)
        answer = float(reader_fn(s, sigma0, lr))
        if abs(answer - measured) > 0.02 * measured:
            wrong.append(
                f"s={s}, σ0={sigma0}, η={lr}: GD takes {measured}, you said "
                f"{answer:.0f}"
            )
    return verdict(wrong, "within 2 % of GD for three modes")


def check_half_learned_scale(reader_fn) -> bool:
    """Check ``reader_fn(s, depth) -> ε``, the smallest scale of a half-learned start.

    An aligned mode of target ``s`` starts half-learned when ``ε^L ≥ s/2``.
    """
    wrong = []
    for s, depth in ((1.0, 3), (4.0, 2), (0.5, 5)):
        expected = (s / 2) ** (1 / depth)
        answer = float(reader_fn(s, depth))
        if abs(answer - expected) > 1e-6 * expected:
            wrong.append(f"s={s}, L={depth}: ε = {expected:.4f}, you gave {answer:.4f}")
    return verdict(wrong, "the threshold scale for three modes")


def check_whitening_rotation(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(T_zca, T_pca) -> Q``, orthogonal with ``Q T_pca = T_zca``.

    The transforms are those ``data.whiten`` returns on random anisotropic data.
    """
    g = rng.check_random_state(seed)
    scales = torch.tensor([5.0, 2.0, 1.0, 0.5], dtype=torch.float64)
    X = torch.randn(4, 4, generator=g, dtype=torch.float64) @ torch.diag(scales)
    X = X @ torch.randn(4, 200, generator=g, dtype=torch.float64)
    _, T_zca, _ = data.whiten(X, method="zca")
    _, T_pca, _ = data.whiten(X, method="pca")
    Q = torch.as_tensor(reader_fn(T_zca.clone(), T_pca.clone()), dtype=torch.float64)
    wrong = []
    if float(torch.linalg.matrix_norm(Q @ T_pca - T_zca)) > 1e-8:
        wrong.append("Q T_pca should equal T_zca")
    elif float(torch.linalg.matrix_norm(Q @ Q.T - torch.eye(4, dtype=Q.dtype))) > 1e-8:
        wrong.append("Q is not orthogonal")
    return verdict(wrong, "Q is the rotation from PCA to ZCA whitening")


def check_largest_components(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(X (d, N)) -> k``, the largest ``n_components`` PCA admits.

    ``k`` is the most components that PCA whitening of ``X`` keeps, on matrices of
    known rank.
    """
    g = rng.check_random_state(seed)
    wrong = []
    for d, N, rank in ((10, 6, 6), (10, 40, 4), (8, 8, 8)):
        X = torch.randn(d, rank, generator=g, dtype=torch.float64)
        X = X @ torch.randn(rank, N, generator=g, dtype=torch.float64)
        centred = X - X.mean(dim=1, keepdim=True)
        expected = int(torch.linalg.matrix_rank(centred))
        answer = int(reader_fn(X.clone()))
        if answer != expected:
            wrong.append(
                f"d={d}, N={N}, rank {rank}: k = {expected}, you gave {answer}"
            )
    return verdict(wrong, "the admissible number of components for three matrices")


def check_orthogonal_sampler(
    reader_fn, n: int = 4, n_samples: int = 2000, seed: int = 0
) -> bool:
    """Check that ``reader_fn(n, generator) -> (n, n)`` draws Haar-random orthogonal Q.

    Tests orthogonality to 1e-10 and that the entry ``Q[0, 0]`` takes both signs with
    mean near 0 (a QR without the sign fix gives ``Q[0, 0] ≤ 0`` always). Prints the
    verdict and returns it.
    """
    g = rng.check_random_state(seed)
    corner = []
    for _ in range(n_samples):
        Q = torch.as_tensor(reader_fn(n, g), dtype=torch.float64)
        if Q.shape != (n, n):
            print(f"wrong: expected shape {(n, n)}, got {tuple(Q.shape)}")
            return False
        err = float(
            torch.linalg.matrix_norm(Q.T @ Q - torch.eye(n, dtype=torch.float64))
        )
        if err > 1e-10:
            print(f"wrong: QᵀQ differs from I by {err:.1e}")
            return False
        corner.append(float(Q[0, 0]))
    mean, positive = sum(corner) / n_samples, sum(c > 0 for c in corner) / n_samples
    if abs(mean) > 5 / n_samples**0.5 or not 0.4 < positive < 0.6:
        print(
            f"wrong: Q[0,0] has mean {mean:.3f} and is positive {100 * positive:.0f}% "
            "of the time; "
            "a Haar sample is symmetric. Did you fix the signs of R's diagonal?"
        )
        return False
    print(
        "correct: orthogonal, and Q[0,0] is symmetric about 0 as for the Haar measure"
    )
    return True
