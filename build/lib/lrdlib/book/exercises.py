"""Checkers for the chapters' code exercises: the reader's function against lrdlib's.

Each checker prints its verdict ("correct: …" or what is wrong) and returns it as a
bool.
"""

from __future__ import annotations

import math

import torch

from .. import adapters, data, init, losses, measures, models, rng, subspaces, theory


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


def check_fraction_and_stable_rank(
    W, k: int, fraction: float, stable_rank: float, rtol: float = 0.02
) -> bool:
    """Check that ``W`` has top-``k`` energy fraction ``fraction`` and ``stable_rank``.

    Each must match to ``rtol``, relative. Prints the verdict and returns it. First
    checks that the request is possible: every matrix has ``1/s ≤ f ≤ k/s``.
    """
    if not 1 / stable_rank <= fraction <= k / stable_rank:
        print(
            "impossible: every matrix has 1/s ≤ f ≤ k/s, here "
            f"1/s = {1 / stable_rank:.3f} and k/s = {k / stable_rank:.3f}, "
            f"but f = {fraction}"
        )
        return False
    W = torch.as_tensor(W, dtype=torch.float64)
    f, s = measures.top_energy_fraction(W, k), measures.stable_rank(W)
    if abs(f - fraction) > rtol * fraction or abs(s - stable_rank) > rtol * stable_rank:
        print(
            f"wrong: top-{k} fraction {f:.3f} (wanted {fraction}), stable rank {s:.3f}"
        )
        return False
    print(f"correct: top-{k} fraction {f:.3f}, stable rank {s:.3f}")
    return True


def check_adapter_parameters(reader_fn) -> bool:
    """Check ``reader_fn(d_out, d_in, r, depth) -> (vanilla, deep, compressed)`` counts.

    The parameter counts are compared with adapters built by ``lrdlib.adapters`` for
    three shapes. Prints the verdict and returns it.
    """
    for d_out, d_in, r, depth in ((12, 20, 4, 3), (20, 12, 2, 4), (16, 16, 6, 3)):
        shape = (d_out, d_in)
        deep = adapters.deep_factors(shape, depth, 0.1, seed=0)
        G = torch.randn(deep[0].shape, generator=rng.check_random_state(1))
        built = (
            adapters.lora_factors(shape, r, seed=0),
            deep,
            adapters.compress_adapter(deep, G.to(deep[0].dtype), r, 0.1),
        )
        expected = tuple(sum(A.numel() for A in chain) for chain in built)
        answer = tuple(int(n) for n in reader_fn(d_out, d_in, r, depth))
        if answer != expected:
            print(
                f"wrong for d_out={d_out}, d_in={d_in}, r={r}, depth={depth}: "
                f"(vanilla, deep, compressed) = {expected}, you gave {answer}"
            )
            return False
    print("correct: your counts match the adapters lrdlib builds for three shapes")
    return True


def check_compression_bases(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(factors, grad_first, k, eps) -> (U, V)``, compression bases.

    ``U`` is ``(d_out, 2k)`` and ``V`` ``(d_in, 2k)``. They are compared with
    ``lrdlib.models.compression_bases`` on a square deep adapter: the spans must agree
    (principal angles below 1e-6) and ``U`` must equal ``W_{L:1}(0) V / ε^L`` for the
    reader's own ``V``. Prints the verdict and returns it.
    """
    g = rng.check_random_state(seed)
    d, k, eps = 12, 2, 0.1
    factors = adapters.deep_factors((d, d), 3, eps, seed=g)
    G = torch.randn(d, d, generator=g, dtype=factors[0].dtype)
    U_ref, V_ref = models.compression_bases(factors, G, k, eps)
    U, V = (
        torch.as_tensor(B, dtype=torch.float64) for B in reader_fn(factors, G, k, eps)
    )
    if U.shape != U_ref.shape or V.shape != V_ref.shape:
        print(f"wrong: expected U {tuple(U_ref.shape)} and V {tuple(V_ref.shape)}")
        return False
    for name, ours, ref in (("V", V, V_ref), ("U", U, U_ref)):
        worst = float(measures.principal_angles(ours, ref).max())
        if worst > 1e-6:
            print(f"wrong: span of {name} is {worst:.2e} rad away from the reference")
            return False
    image = models.end_to_end(factors) @ V / eps**3
    if float(torch.linalg.matrix_norm(U - image)) > 1e-8:
        print("wrong: U should be W_{L:1}(0) V / ε^L for your V")
        return False
    print("correct: the same subspaces as lrdlib.models.compression_bases")
    return True


def check_conv_patches(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(images (N, c, s, s), k) -> (c·k², N·s²)``, the patch matrix.

    A 3×3 convolution (padding 1) must equal its kernel, reshaped to ``out × c·k²``,
    times the patches. Prints the verdict and returns it.
    """
    g = rng.check_random_state(seed)
    images = torch.randn(3, 2, 5, 5, generator=g)
    conv = torch.nn.Conv2d(2, 4, 3, padding=1, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.randn(4, 2, 3, 3, generator=g))
        expected = conv(images).permute(1, 0, 2, 3).reshape(4, -1)
        P = torch.as_tensor(reader_fn(images, 3))
        if P.shape != (18, 75):
            print(f"wrong: patches should have shape (18, 75), got {tuple(P.shape)}")
            return False
        err = float((conv.weight.reshape(4, -1) @ P - expected).abs().max())
    if err > 1e-5:
        print(f"wrong: W @ patches differs from the convolution by up to {err:.2e}")
        return False
    print("correct: the kernel as a matrix times your patches is the convolution")
    return True


def _verdict(wrong: list[str], right: str) -> bool:
    """Print the first mismatch or ``right``; return whether all matched."""
    if wrong:
        print("wrong:", wrong[0])
        return False
    print("correct:", right)
    return True


def check_lowrank_parameters(reader_fn) -> bool:
    """Check ``reader_fn(d, m, K, r) -> (full, factorised)`` trainable parameter counts.

    They are the counts of the MLP ``[d, m, m, m, K]`` and of its rank-``r`` factorised
    form (dense output layer), compared with the models lrdlib builds.
    """
    wrong = []
    for d, m, K, r in ((20, 16, 3, 4), (12, 30, 5, 6), (8, 8, 2, 2)):
        W = init.orthogonal_init([d, m, m, m, K], 1.0, seed=0)
        bases = subspaces.random_bases(W, r, seed=1)
        expected = (
            models.n_trainable(models.DenseMLP(W, "gelu")),
            models.n_trainable(models.low_rank_model(W, bases, "gelu")),
        )
        answer = tuple(int(n) for n in reader_fn(d, m, K, r))
        if answer != expected:
            wrong.append(f"d={d}, m={m}, K={K}, r={r}: {expected}, you gave {answer}")
    return _verdict(wrong, "your counts match the models for three shapes")


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
    return _verdict(wrong, "within 2 % of GD for three modes")


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
    return _verdict(wrong, "the threshold scale for three modes")


def check_orthonormal_scatter(reader_fn) -> bool:
    """Check ``reader_fn(n, K) -> (tr Σ_W, tr Σ_B)`` for orthonormal inputs.

    There are ``N = Kn`` inputs in ``K`` classes of ``n``; the traces are compared with
    ``measures.class_scatter``.
    """
    wrong = []
    for n, K in ((2, 3), (5, 4), (10, 5)):
        X = data.orthogonal_inputs(n * K, n * K, seed=0)
        expected = measures.class_scatter(X, torch.arange(n * K) % K)
        within, between = (float(v) for v in reader_fn(n, K))
        if not (
            math.isclose(within, expected.within, rel_tol=1e-9)
            and math.isclose(between, expected.between, rel_tol=1e-9)
        ):
            wrong.append(
                f"n={n}, K={K}: ({expected.within:.4f}, "
                f"{expected.between:.4f}), you gave ({within:.4f}, {between:.4f})"
            )
    return _verdict(wrong, "both traces for three class sizes")


def check_separation_depth(reader_fn) -> bool:
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
        if answer != expected:
            wrong.append(
                f"ε={eps}, L={depth}, K={K}, n={n}: {expected}, you gave {answer}"
            )
    return _verdict(wrong, "the first separated layer in three settings")


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
    return _verdict(wrong, "Q is the rotation from PCA to ZCA whitening")


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
    return _verdict(wrong, "the admissible number of components for three matrices")


def check_compressing_map(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn() -> W (2, 2)``, a linear map that compresses two classes.

    ``W`` must lower ``C = tr Σ_W / tr Σ_B`` of two classes with means ``±e_1`` and
    identity within-class covariance, and keep a linear probe's accuracy (``W``
    invertible).
    """
    g = rng.check_random_state(seed)
    labels = torch.arange(4000) % 2
    H = torch.randn(2, 4000, generator=g, dtype=torch.float64)
    H[0] += 2 * labels - 1
    W = torch.as_tensor(reader_fn(), dtype=torch.float64)
    wrong = []
    if W.shape != (2, 2) or abs(float(torch.linalg.det(W))) < 1e-12:
        wrong.append("W should be an invertible 2 × 2 matrix")
    else:
        before = measures.class_scatter(H, labels).ratio
        after = measures.class_scatter(W @ H, labels).ratio
        if after >= before:
            wrong.append(f"C goes from {before:.3f} to {after:.3f}: not lower")
    return _verdict(wrong, "your map compresses the classes")


def check_chance_level(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(n, k) -> f``, the top-``k`` energy share of a Gaussian matrix.

    The share is the expected one of an ``n × n`` Gaussian matrix, within 0.02 of a
    20-draw estimate.
    """
    g = rng.check_random_state(seed)
    wrong = []
    for n, k in ((64, 20), (128, 20), (32, 4)):
        draws = [
            measures.top_energy_fraction(
                torch.randn(n, n, generator=g, dtype=torch.float64), k
            )
            for _ in range(20)
        ]
        expected = sum(draws) / len(draws)
        answer = float(reader_fn(n, k))
        if abs(answer - expected) > 0.02:
            wrong.append(f"n={n}, k={k}: about {expected:.3f}, you gave {answer:.3f}")
    return _verdict(wrong, "within 0.02 of the chance level for three shapes")


def check_subspace_split(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(g, V) -> (inside, outside)`` for orthonormal ``V (n, k)``.

    ``inside`` must be the orthogonal projection of ``g (n,)`` onto the span of ``V``
    (Dom-SGD's step direction) and ``outside`` the rest (Bulk-SGD's), on three random
    problems; a wrong answer gets a hint, never the expected vector.
    """
    g = rng.check_random_state(seed)
    for n, k in ((20, 3), (50, 10), (8, 1)):
        V = torch.linalg.qr(torch.randn(n, k, generator=g, dtype=torch.float64))[0]
        grad = torch.randn(n, generator=g, dtype=torch.float64)
        inside, outside = (
            torch.as_tensor(x, dtype=torch.float64) for x in reader_fn(grad, V)
        )
        if inside.shape != (n,) or outside.shape != (n,):
            print(f"wrong: both parts must be vectors of length {n}, like g.")
            return False
        if float((inside + outside - grad).abs().max()) > 1e-10:
            print("wrong: the two parts must add up to g. Hint: outside = g − inside.")
            return False
        if float((V.T @ outside).abs().max()) > 1e-10:
            print(
                "wrong: the outside part still has components along V. Hint: the "
                "projection onto span(V) is V Vᵀ g when V has orthonormal columns."
            )
            return False
    print("correct: your split is the projection onto span(V) and its complement")
    return True


def check_neighbour_alignment(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(W, W_next, k) -> score``, Yunis et al.'s alignment score.

    The score is the mean of the diagonal of ``|V_nextᵀ U|`` over the top ``k`` left
    singular vectors ``U`` of ``W`` and right singular vectors ``V_next`` of
    ``W_next``. Tested on a perfectly aligned pair (score 1) and random pairs.
    """
    g = rng.check_random_state(seed)
    for n, k in ((30, 4), (50, 10)):
        U = torch.linalg.qr(torch.randn(n, n, generator=g, dtype=torch.float64))[0]
        V = torch.linalg.qr(torch.randn(n, n, generator=g, dtype=torch.float64))[0]
        S = torch.diag(torch.linspace(3.0, 0.1, n, dtype=torch.float64))
        W = U @ S @ V.T
        W_next = V @ S @ U.T  # its right singular vectors are W's left ones
        if abs(float(reader_fn(W, W_next, k)) - 1) > 1e-8:
            print(
                "wrong: a pair whose singular vectors match should score 1. Hint: "
                "compare W's left singular vectors with W_next's right ones."
            )
            return False
        A = torch.randn(n, n, generator=g, dtype=torch.float64)
        B = torch.randn(n, n, generator=g, dtype=torch.float64)
        Ua = torch.linalg.svd(A)[0][:, :k]
        Vb = torch.linalg.svd(B)[2][:k].T
        expected = float(torch.diagonal(torch.abs(Vb.T @ Ua)).mean())
        if abs(float(reader_fn(A, B, k)) - expected) > 1e-8:
            print(
                "wrong: on a random pair your score differs from the definition. Hint: "
                "take absolute values (singular vectors have no sign) and average the "
                "k diagonal entries, in order of the singular values."
            )
            return False
    print("correct: your score is Yunis et al.'s on aligned and random pairs")
    return True
