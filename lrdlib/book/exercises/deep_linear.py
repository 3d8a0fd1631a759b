"""Checkers for the exercises of Part I, deep linear networks (Chapters 1–3).

Each checker runs the reader's function on two or three cases, compares it with
lrdlib's reference (or an exact computation), prints one line, "correct: …" or
"wrong: … Hint: …", and returns the verdict. A wrong verdict describes the reader's
answer, never the expected one.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ... import data, init, losses, models, rng, theory
from .verdict import as_number, as_tensor, as_tensors, relative_error, verdict

_STEPS_HINT = "return the count of GD steps as a float or an int."


def _haar_corner(corner: list[float], n: int) -> str | None:
    """What is wrong with draws of ``Q[0, 0]`` of a Haar matrix, or ``None``.

    An entry of a Haar-random orthonormal column (or row) of length ``n`` is symmetric
    about 0 and its square has mean ``1/n`` (a Beta(1/2, (n−1)/2) variable); both are
    tested to five standard errors, and the sign to 0.4–0.6 positive.
    """
    q = np.asarray(corner)
    k = q.size
    mean, positive, square = q.mean(), (q > 0).mean(), (q**2).mean()
    if abs(mean) > 5 / math.sqrt(k) or not 0.4 < positive < 0.6:
        return (
            f"Q[0,0] was positive in {100 * positive:.0f} % of your {k} draws, with "
            f"mean {mean:+.3f}, but a Haar entry is symmetric about 0. Hint: QR fixes "
            "the signs of R's diagonal by convention; multiply each column of Q by "
            "the sign of the matching diagonal entry of R."
        )
    sd = math.sqrt(2 * (n - 1) / (n * n * (n + 2)))
    if abs(square - 1 / n) > 5 * sd / math.sqrt(k) + 1e-12:
        return (
            f"the mean of Q[0,0]² over your {k} draws is {square:.3f}, which no "
            "uniformly random unit vector of that length gives. Hint: draw a fresh "
            "Gaussian matrix for every sample and orthogonalise it by QR, rather than "
            "flipping the signs of one fixed matrix."
        )
    return None


# Chapter 1: deep linear networks and gradient descent


def check_dln_gradients(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(weights, X, Y) -> [∂ℓ/∂W_1, …]`` for ``ℓ = ½‖W_{L:1}X − Y‖²``.

    ``weights`` are ``[W_1 (d_1, d_0), …, W_L (d_L, d_{L−1})]``, ``X`` is ``(d_0, N)``
    and ``Y`` is ``(d_L, N)``; each gradient has its layer's shape. Three random
    rectangular networks, compared with ``models.dln_gradients`` to 1e-8 relative.
    """
    g = rng.check_random_state(seed)
    for widths in ([4, 5, 3], [3, 6, 6, 2], [5, 5, 5, 5, 5]):
        weights = init.gaussian_init(widths, 1.0, seed=g)
        X = torch.randn(widths[0], 7, generator=g, dtype=torch.float64)
        Y = torch.randn(widths[-1], 7, generator=g, dtype=torch.float64)
        _, reference = models.dln_gradients(weights, losses.Regression.from_data(X, Y))
        answer = reader_fn([W.clone() for W in weights], X.clone(), Y.clone())
        if not isinstance(answer, list | tuple):
            print(
                f"wrong: your function returned a {type(answer).__name__}, not a list "
                "of gradients. Hint: return [∂ℓ/∂W_1, …, ∂ℓ/∂W_L], one tensor per "
                "layer."
            )
            return False
        if len(answer) != len(weights):
            print(
                f"wrong: you returned {len(answer)} gradients for a network of "
                f"{len(weights)} layers (widths {widths}). Hint: one gradient per "
                "layer, the first layer's included."
            )
            return False
        hint = (
            "a gradient has the shape of its layer; check the transposes of "
            "W_{L:l+1} and W_{l−1:1}."
        )
        answer, problem = as_tensors(
            answer,
            f"your gradients for widths {widths}",
            hint,
            [W.shape for W in weights],
        )
        if answer is None:
            print("wrong:", problem)
            return False
        errors = [relative_error(A, R) for A, R in zip(answer, reference)]
        if max(errors) > 1e-8:
            l = int(np.argmax(errors)) + 1
            reversed_ok = all(
                A.shape == R.shape and relative_error(A, R) < 1e-8
                for A, R in zip(answer[::-1], reference)
            )
            hint = (
                "your list runs from the last layer to the first; reverse it."
                if reversed_ok
                else "the gradient of W_l is W_{L:l+1}ᵀ E W_{l−1:1}ᵀ with "
                "E = W_{L:1} X Xᵀ − Y Xᵀ: W_l itself is left out of both products."
            )
            print(
                f"wrong: your ∂ℓ/∂W_{l} is off by {errors[l - 1]:.1e} (relative) for "
                f"widths {widths}. Hint: {hint}"
            )
            return False
    print("correct: your gradients match lrdlib.models.dln_gradients on three networks")
    return True


def check_half_time(reader_fn) -> bool:
    """Check ``reader_fn(s, sigma0, lr) -> steps``, a depth-2 mode's half-learning time.

    The steps are those GD needs for a mode of target ``s`` to go from
    ``σ(0) = sigma0`` to ``s/2``, compared with a GD run of ``theory.mode_gd`` (within
    2 %, the O(η) gap between GD and the flow), for three modes.
    """
    wrong = []
    for s, sigma0, lr in ((1.0, 1e-3, 1e-3), (4.0, 1e-2, 5e-4), (2.0, 1e-4, 1e-3)):
        curve = theory.mode_gd(s, math.sqrt(sigma0), 2, lr, int(20 / (s * lr)))
        measured = theory.learning_time(curve, s)
        answer, problem = as_number(
            reader_fn(s, sigma0, lr), "your step count", _STEPS_HINT
        )
        if answer is None:
            wrong.append(problem)
            break
        if abs(answer - measured) <= 0.02 * measured:
            continue
        if abs(answer / lr - measured) <= 0.02 * measured:
            hint = "τ counts time in units of η·t; divide it by η to count steps."
        elif answer > measured:
            hint = "the rate in the exponent of the logistic curve is 2s, not s."
        else:
            hint = "solve σ(τ) = s/2 in the logistic curve, then divide τ by η."
        direction = "many" if answer > measured else "few"
        wrong.append(
            f"for s={s}, σ0={sigma0}, η={lr} your {answer:.0f} steps are too "
            f"{direction} (GD differs by more than 2 %). Hint: {hint}"
        )
    return verdict(wrong, "within 2 % of GD for three modes")


def check_half_learned_scale(reader_fn) -> bool:
    """Check ``reader_fn(s, depth) -> ε``, the smallest scale of a half-learned start.

    An aligned mode of target ``s`` starts half-learned when ``ε^L ≥ s/2``; three
    modes, to 1e-6 relative.
    """
    wrong = []
    for s, depth in ((1.0, 3), (4.0, 2), (0.5, 5)):
        expected = (s / 2) ** (1 / depth)
        answer, problem = as_number(
            reader_fn(s, depth), "your ε", "return ε as a float."
        )
        if answer is None:
            wrong.append(problem)
            break
        if abs(answer - expected) <= 1e-6 * expected:
            continue
        if abs(answer - s ** (1 / depth)) <= 1e-6 * expected:
            hint = "half-learned means σ has reached s/2, not s."
        else:
            hint = "at t = 0 every layer carries ε, so the end-to-end value is ε^L."
        side = "above" if answer > expected else "below"
        wrong.append(
            f"for s={s}, L={depth} your ε = {answer:.4f} starts the mode {side} the "
            f"half-learned point by more than rounding. Hint: {hint}"
        )
    return verdict(wrong, "the threshold scale for three modes")


def check_deep_half_time(reader_fn) -> bool:
    """Check ``reader_fn(s, sigma0, depth, lr) -> steps`` for a mode of depth ``L ≥ 3``.

    The steps are those GD needs for an aligned mode of target ``s`` to go from
    ``σ(0) = sigma0`` to ``s/2`` in a depth-``L`` network, compared with a GD run of
    ``theory.mode_gd`` (within 1 %) for three modes; the plateau formula alone misses
    by more.
    """
    wrong = []
    for s, sigma0, depth, lr in (
        (1.0, 1e-3, 3, 1e-2),
        (0.5, 1e-3, 3, 1e-2),
        (2.0, 1e-2, 4, 2e-3),
    ):
        plateau = sigma0 ** (2 / depth - 1) / (s * (depth - 2)) / lr
        curve = theory.mode_gd(s, sigma0 ** (1 / depth), depth, lr, int(3 * plateau))
        measured = theory.learning_time(curve, s)
        answer, problem = as_number(
            reader_fn(s, sigma0, depth, lr), "your step count", _STEPS_HINT
        )
        if answer is None:
            wrong.append(problem)
            break
        if abs(answer - measured) <= 0.01 * measured:
            continue
        if abs(answer / lr - measured) <= 0.01 * measured:
            hint = "the integral gives the time τ = ηt; divide it by η to count steps."
        elif abs(answer - plateau) <= 1e-6 * plateau:
            hint = (
                "the plateau formula drops the factor (s − σ) and the climb to s/2; "
                "integrate dσ / (L σ^{2−2/L} (s − σ)) itself, numerically."
            )
        else:
            hint = (
                "separate the variables in dσ/dτ = L σ^{2−2/L} (s − σ) and integrate "
                "from sigma0 to s/2 (scipy.integrate.quad), then divide by η."
            )
        direction = "many" if answer > measured else "few"
        wrong.append(
            f"for s={s}, σ0={sigma0}, L={depth}, η={lr} your {answer:.0f} steps are "
            f"too {direction} (GD differs by more than 1 %). Hint: {hint}"
        )
    return verdict(wrong, "within 1 % of GD for three deep modes")


# Chapter 2: whitening


def check_whitening_rotation(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(T_zca (d, d), T_pca (d, d)) -> Q (d, d)``, orthogonal.

    ``Q`` must satisfy ``Q T_pca = T_zca``; the transforms are those ``data.whiten``
    returns on two random anisotropic data sets (``d = 4`` and ``d = 6``).
    """
    g = rng.check_random_state(seed)
    wrong = []
    for d in (4, 6):
        scales = torch.logspace(0, 1, d, dtype=torch.float64)
        X = torch.randn(d, d, generator=g, dtype=torch.float64) @ torch.diag(scales)
        X = X @ torch.randn(d, 200, generator=g, dtype=torch.float64)
        _, T_zca, _ = data.whiten(X, method="zca")
        _, T_pca, _ = data.whiten(X, method="pca")
        Q, problem = as_tensor(
            reader_fn(T_zca.clone(), T_pca.clone()),
            f"your Q for {d} × {d} transforms",
            "Q maps PCA coordinates to ZCA ones, so it is square of the same size.",
            (d, d),
        )
        if Q is None:
            wrong.append(problem)
            break
        eye = torch.eye(d, dtype=torch.float64)
        error = relative_error(Q @ T_pca, T_zca)
        if error > 1e-8:
            hint = (
                "T_pca is not orthogonal, so its transpose is not its inverse."
                if relative_error(Q, T_zca @ T_pca.T) < 1e-8
                else "solve Q T_pca = T_zca for Q by multiplying on the right."
            )
            wrong.append(
                f"your Q T_pca differs from T_zca by {error:.1e} (relative) for "
                f"d = {d}. Hint: {hint}"
            )
        elif float(torch.linalg.matrix_norm(Q @ Q.T - eye)) > 1e-8:
            wrong.append(
                "your Q maps T_pca to T_zca but is not orthogonal. Hint: check that "
                "both transforms whiten the same centred data."
            )
    return verdict(wrong, "Q is the rotation from PCA to ZCA whitening")


def check_largest_components(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(X (d, N)) -> k``, the largest ``n_components`` PCA admits.

    ``k`` is the most components that PCA whitening of ``X`` (centred, as
    ``data.whiten`` does by default) keeps, on three matrices of known rank.
    """
    g = rng.check_random_state(seed)
    wrong = []
    for d, N, rank in ((10, 6, 6), (10, 40, 4), (8, 8, 8)):
        X = torch.randn(d, rank, generator=g, dtype=torch.float64)
        X = X @ torch.randn(rank, N, generator=g, dtype=torch.float64)
        centred = X - X.mean(dim=1, keepdim=True)
        expected = int(torch.linalg.matrix_rank(centred))
        answer, problem = as_number(reader_fn(X.clone()), "your k", "return k.")
        if answer is None:
            wrong.append(problem)
            break
        if answer == expected:
            continue
        if answer > expected:
            hint = (
                "centring removes one direction when there are no more samples than "
                "features, and a low-rank X has fewer directions than min(d, N)."
            )
        else:
            hint = "count the rank of the centred X, not of something smaller."
        side = "large" if answer > expected else "small"
        wrong.append(
            f"for a {d} × {N} matrix your k = {answer:g} is too {side}. Hint: {hint}"
        )
    return verdict(wrong, "the admissible number of components for three matrices")


def check_zca_whitening(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(X (d, N)) -> Xw (d, N)``, the ZCA-whitened, centred data.

    Compared with ``data.whiten(X, method="zca")`` to 1e-8 on three random
    anisotropic data sets with a non-zero mean.
    """
    g = rng.check_random_state(seed)
    wrong = []
    for d, N in ((3, 50), (5, 200), (4, 9)):
        scales = torch.logspace(0, 1, d, dtype=torch.float64)
        A = rng.haar_orthogonal(d, d, g) @ torch.diag(scales)
        X = A @ torch.randn(d, N, generator=g, dtype=torch.float64) + 3.0
        reference, _, _ = data.whiten(X, method="zca")
        Xw, problem = as_tensor(
            reader_fn(X.clone()),
            f"your output for X of shape {tuple(X.shape)}",
            "ZCA keeps all d coordinates and N samples; take the thin SVD "
            "(full_matrices=False).",
            X.shape,
        )
        if Xw is None:
            wrong.append(problem)
            break
        if float(Xw.mean(dim=1).abs().max()) > 1e-8:
            wrong.append(
                f"the rows of your output have means up to "
                f"{float(Xw.mean(dim=1).abs().max()):.1e}, not 0. Hint: centre X "
                "(subtract each feature's mean) before the SVD."
            )
        elif data.whitening_error(Xw) > 1e-8:
            wrong.append(
                f"your output is not white: ‖Xw Xwᵀ − I‖_F = "
                f"{data.whitening_error(Xw):.1e}. Hint: with X_c = U S Vᵀ, drop S; "
                "U Vᵀ has orthonormal rows."
            )
        elif relative_error(Xw, reference) > 1e-8:
            wrong.append(
                "your output is white and centred but it is not ZCA: it is a rotation "
                "of it, away from the original coordinates. Hint: Vᵀ alone is PCA "
                "whitening; ZCA rotates it back with U."
            )
    return verdict(wrong, "your ZCA matches lrdlib.data.whiten on three data sets")


def check_least_squares_map(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(X (d, N), Y (d_y, N)) -> W (d_y, d)``, the least-squares map.

    ``W`` must minimise ``½‖W X − Y‖_F²``: its gradient ``(W X − Y) Xᵀ`` must vanish
    (to 1e-8 relative), on three non-whitened data sets.
    """
    g = rng.check_random_state(seed)
    wrong = []
    for d, d_y, N in ((4, 2, 30), (6, 3, 100), (5, 5, 12)):
        scales = torch.logspace(0, 1, d, dtype=torch.float64)
        X = torch.diag(scales) @ torch.randn(d, N, generator=g, dtype=torch.float64)
        Y = torch.randn(d_y, N, generator=g, dtype=torch.float64)
        W, problem = as_tensor(
            reader_fn(X.clone(), Y.clone()),
            f"your W for X of shape {tuple(X.shape)}, Y of shape {tuple(Y.shape)}",
            f"W maps R^{d} to R^{d_y}: it has as many rows as Y and as many columns "
            "as X.",
            (d_y, d),
        )
        if W is None:
            wrong.append(problem)
            break
        residual = float(torch.linalg.vector_norm((W @ X - Y) @ X.T)) / float(
            torch.linalg.vector_norm(Y @ X.T)
        )
        if residual > 1e-8:
            hint = (
                "Y Xᵀ minimises the loss only when X Xᵀ = I; here it does not."
                if relative_error(W, Y @ X.T) < 1e-8
                else "solve the normal equations W (X Xᵀ) = Y Xᵀ for W."
            )
            wrong.append(
                f"your W is not a minimiser for X of shape {tuple(X.shape)}: the "
                f"gradient (W X − Y) Xᵀ is {residual:.1e} of ‖Y Xᵀ‖, not 0. "
                f"Hint: {hint}"
            )
    return verdict(wrong, "your W minimises the squared loss on three data sets")


# Chapter 3: orthogonal initialisation


def check_orthogonal_sampler(
    reader_fn, n: int = 4, n_samples: int = 2000, seed: int = 0
) -> bool:
    """Check that ``reader_fn(n, generator) -> (n, n)`` draws Haar-random orthogonal Q.

    Tests orthogonality to 1e-10, that ``Q[0, 0]`` takes both signs with mean near 0 (a
    QR without the sign fix gives ``Q[0, 0] ≤ 0`` always) and that its square has the
    Haar mean ``1/n``.
    """
    g = rng.check_random_state(seed)
    corner = []
    for _ in range(n_samples):
        Q, problem = as_tensor(
            reader_fn(n, g),
            "your Q",
            "draw an n × n Gaussian and keep the Q of its QR factorisation.",
            (n, n),
        )
        if Q is None:
            print("wrong:", problem)
            return False
        err = float(torch.linalg.matrix_norm(Q.T @ Q - torch.eye(n, dtype=Q.dtype)))
        if err > 1e-10:
            print(
                f"wrong: your QᵀQ differs from I by {err:.1e}. Hint: a Gaussian matrix "
                "is not orthogonal; return the Q of its QR factorisation."
            )
            return False
        corner.append(float(Q[0, 0]))
    problem = _haar_corner(corner, n)
    if problem:
        print("wrong:", problem)
        return False
    print("correct: orthogonal, and Q[0,0] is distributed as for the Haar measure")
    return True


def check_semi_orthogonal(reader_fn, n_samples: int = 500, seed: int = 0) -> bool:
    """Check ``reader_fn(rows, cols, generator) -> (rows, cols)``, Haar semi-orthogonal.

    The rows must be orthonormal when ``rows ≤ cols``, the columns otherwise (to
    1e-10), and ``Q[0, 0]`` distributed as in a Haar matrix; shapes ``(3, 6)``,
    ``(6, 3)`` and ``(4, 4)``, ``n_samples`` draws each.
    """
    g = rng.check_random_state(seed)
    for rows, cols in ((3, 6), (6, 3), (4, 4)):
        corner = []
        for _ in range(n_samples):
            Q, problem = as_tensor(
                reader_fn(rows, cols, g),
                f"for ({rows}, {cols}) your matrix",
                "QR a tall max × min Gaussian (its thin Q is tall) and transpose the "
                "result when rows < cols.",
                (rows, cols),
            )
            if Q is None:
                print("wrong:", problem)
                return False
            small = Q @ Q.T if rows <= cols else Q.T @ Q
            eye = torch.eye(min(rows, cols), dtype=torch.float64)
            err = float(torch.linalg.matrix_norm(small - eye))
            if err > 1e-10:
                side = "rows" if rows <= cols else "columns"
                print(
                    f"wrong: for ({rows}, {cols}) the {side} of your matrix are not "
                    f"orthonormal (off by {err:.1e}). Hint: the shorter side must be "
                    "orthonormal: rows for a wide layer, columns for a tall one."
                )
                return False
            corner.append(float(Q[0, 0]))
        problem = _haar_corner(corner, max(rows, cols))
        if problem:
            print(f"wrong: for ({rows}, {cols}) {problem}")
            return False
    print("correct: semi-orthogonal on the right side, Haar-distributed, three shapes")
    return True


def check_unused_decay(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(eps, lr, n_steps, depth) -> ρ (n_steps + 1,)``, from ``ρ(0)``.

    ``ρ(t)`` must equal, to 1e-9 relative, the repeated singular value of ``W_1`` in a
    GD run of a square network (``d = 12``, a rank-2 target, ``X = I``) from
    ``ε``-orthogonal layers, for three settings of ``(ε, η, L)``.
    """
    g = rng.check_random_state(seed)
    d, r, n_steps = 12, 2, 100
    wrong = []
    for eps, lr, depth in ((1.0, 0.05, 3), (0.8, 0.1, 2), (1.2, 0.02, 4)):
        loss = losses.Regression.from_target(data.low_rank_target(d, d, r, seed=g))
        weights = init.orthogonal_init([d] * (depth + 1), eps, seed=g)
        middle = []  # d − 2r of the d values are ρ(t), so the two central ones are
        for t in range(n_steps + 1):
            middle.append(float(torch.linalg.svdvals(weights[0])[d // 2 - 1]))
            if t < n_steps:
                _, grads = models.dln_gradients(weights, loss)
                weights = [W - lr * G for W, G in zip(weights, grads)]
        middle = np.array(middle)
        answer, problem = as_tensor(
            reader_fn(eps, lr, n_steps, depth),
            f"for {n_steps} steps your ρ",
            "return ρ(0) = ε and every step after it, n_steps + 1 values in a 1-D "
            "array.",
            (n_steps + 1,),
        )
        if answer is None:
            wrong.append(problem)
            break
        answer = answer.numpy()
        off = np.abs(answer - middle) > 1e-9 * np.abs(middle)
        if not off.any():
            continue
        first = int(np.argmax(off))
        if first == 0:
            wrong.append(
                f"your ρ(0) = {answer[0]:g} for ε = {eps}. Hint: every layer starts "
                "with all its singular values at ε."
            )
            continue
        speed = "fast" if answer[first] < middle[first] else "slowly"
        wrong.append(
            f"for ε={eps}, η={lr}, L={depth} your ρ departs from the GD run at step "
            f"{first}: it decays too {speed}. Hint: in the unused directions the "
            "product of the layers is ρ^L with target 0, and a layer's gradient "
            "multiplies that error by the other L − 1 layers' ρ^{L−1}."
        )
    return verdict(wrong, "your ρ(t) follows the GD run for three settings")


def check_balance_drift(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(weights, grads, lr) -> [ΔD_1, …, ΔD_{L−1}]`` over one GD step.

    ``D_l = W_{l+1}ᵀ W_{l+1} − W_l W_lᵀ`` is ``(d_l, d_l)``; ``ΔD_l`` must equal its
    change when every ``W_l`` moves to ``W_l − η G_l`` (to 1e-8 relative), on two
    random rectangular networks with ``grads`` from ``models.dln_gradients``.
    """
    g = rng.check_random_state(seed)
    lr, wrong = 0.05, []
    for widths in ([4, 6, 5, 3], [5, 5, 5]):
        weights = init.gaussian_init(widths, 1.0, seed=g)
        X = torch.randn(widths[0], 10, generator=g, dtype=torch.float64)
        Y = torch.randn(widths[-1], 10, generator=g, dtype=torch.float64)
        _, grads = models.dln_gradients(weights, losses.Regression.from_data(X, Y))
        stepped = [W - lr * G for W, G in zip(weights, grads)]

        def imbalance(Ws):
            return [B.T @ B - A @ A.T for A, B in zip(Ws[:-1], Ws[1:])]

        change = [b - a for a, b in zip(imbalance(weights), imbalance(stepped))]
        answer = reader_fn([W.clone() for W in weights], [G.clone() for G in grads], lr)
        if not isinstance(answer, list | tuple) or len(answer) != len(change):
            count = len(answer) if isinstance(answer, list | tuple) else "no list"
            wrong.append(
                f"for widths {widths} you returned {count} changes. Hint: one matrix "
                "per junction between consecutive layers, L − 1 in all."
            )
            break
        hint = (
            "D_l = W_{l+1}ᵀ W_{l+1} − W_l W_lᵀ is square, of the width between W_l "
            "and W_{l+1}; G_{l+1}ᵀ G_{l+1} and G_l G_lᵀ have that shape too."
        )
        answer, problem = as_tensors(
            answer,
            f"your changes ΔD_l for widths {widths}",
            hint,
            [C.shape for C in change],
        )
        if answer is None:
            wrong.append(problem)
            break
        errors = [relative_error(A, C) for A, C in zip(answer, change)]
        if max(errors) <= 1e-8:
            continue
        l = int(np.argmax(errors)) + 1
        if all(relative_error(-A, C) <= 1e-8 for A, C in zip(answer, change)):
            hint = (
                "the sign: the η² term of layer l + 1 enters with +, of layer l with −."
            )
        elif all(relative_error(A, C / lr) <= 1e-8 for A, C in zip(answer, change)):
            hint = "the factor is η², not η."
        else:
            hint = (
                "expand (W − ηG)ᵀ(W − ηG) for layer l + 1 and (W − ηG)(W − ηG)ᵀ for "
                "layer l; the η terms cancel by the gradient lemma, the η² terms stay."
            )
        wrong.append(
            f"your ΔD_{l} for widths {widths} is off by {errors[l - 1]:.1e} (relative)."
            f" Hint: {hint}"
        )
    return verdict(wrong, "your drift matches one GD step exactly on two networks")
