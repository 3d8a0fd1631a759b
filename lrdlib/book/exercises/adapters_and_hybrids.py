"""Checkers for Part IV: hybrid networks and low-rank adaptation (Chapters 12, 13)."""

from __future__ import annotations

import numpy as np
import torch

from ... import adapters, data, measures, models, rng
from .verdict import (
    as_int,
    as_number,
    as_numbers,
    as_tensor,
    as_tensors,
    relative_error,
    verdict,
)


def _generators(seed: int, n: int) -> list[torch.Generator]:
    """``n`` independent generators spawned from ``seed``."""
    g = rng.check_random_state(seed)
    return [rng.check_random_state(rng.spawn_seed(g)) for _ in range(n)]


# Chapter 12: hybrid networks


def check_compressing_map(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn() -> W (2, 2)``, a linear map that compresses two classes.

    ``W`` must lower ``C = tr Σ_W / tr Σ_B`` of two classes with means ``±e_1`` and
    identity within-class covariance (two draws of 4000 points), and keep a linear
    probe's accuracy (``W`` invertible). Prints the verdict and returns it.
    """
    W, problem = as_tensor(
        reader_fn(),
        "your map",
        "return a 2 × 2 tensor such as torch.diag(torch.tensor([a, b])).",
        (2, 2),
    )
    if W is None:
        return verdict([problem], "")
    if abs(float(torch.linalg.det(W))) < 1e-12:
        return verdict(
            [
                "your W is singular, so it merges points that a probe could tell "
                "apart. Hint: keep W invertible (both diagonal entries nonzero)."
            ],
            "",
        )
    wrong = []
    for g in _generators(seed, 2):
        labels = torch.arange(4000) % 2
        H = torch.randn(2, 4000, generator=g, dtype=torch.float64)
        H[0] += 2 * labels - 1
        before = measures.class_scatter(H, labels).ratio
        after = measures.class_scatter(W @ H, labels).ratio
        if after >= before * (1 - 1e-9):
            wrong.append(
                f"your W does not lower C (C of W h is {after:.3f}). Hint: a "
                "rotation or a uniform scaling changes nothing; shrink e_2, the "
                "direction that carries within-class spread only."
            )
            break
    return verdict(wrong, "your map lowers C on two draws and stays invertible")


def check_singular_value_rank(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(H (m, N), share) -> int``, Wang et al.'s numerical rank.

    The answer must equal ``measures.singular_value_rank`` (fewest top singular values
    of the uncentred ``H`` whose sum reaches ``share`` of ``Σσ_i``) on three feature
    matrices with a common mean and graded spectra. Prints the verdict and returns it.
    """
    wrong = []
    for g, (m, n, share) in zip(
        _generators(seed, 3), ((20, 200, 0.95), (30, 120, 0.8), (16, 300, 0.5))
    ):
        U = torch.linalg.qr(torch.randn(m, m, generator=g, dtype=torch.float64))[0]
        V = torch.linalg.qr(torch.randn(n, m, generator=g, dtype=torch.float64))[0]
        s = 0.85 ** torch.arange(m, dtype=torch.float64) * (
            1 + torch.rand(m, generator=g) / 10
        )
        mean = torch.randn(m, 1, generator=g, dtype=torch.float64)
        H = U @ torch.diag(s) @ V.T * n**0.5 + 3 * mean
        expected = measures.singular_value_rank(H, share)
        answer, problem = as_int(
            reader_fn(H.clone(), share),
            "your rank",
            "return int(k) of the count of singular values kept.",
        )
        if answer is None:
            wrong.append(problem)
            break
        if answer == expected:
            continue
        sigma = torch.linalg.svdvals(H)
        energy = torch.cumsum(sigma**2, 0) / (sigma**2).sum()
        centred = torch.linalg.svdvals(H - H.mean(dim=1, keepdim=True))
        if answer == int((energy < share).sum()) + 1:
            hint = "sum the singular values themselves, not their squares (that is "
            hint += "the book's energy variant)."
        elif (
            answer == int((torch.cumsum(centred, 0) / centred.sum() < share).sum()) + 1
        ):
            hint = "do not subtract the mean feature: Wang et al. take the singular "
            hint += "values of the raw features."
        elif abs(answer - expected) == 1:
            hint = "count every value up to and including the first one at which "
            hint += "the running share reaches share."
        else:
            hint = "sort the singular values in descending order and accumulate "
            hint += "their share of Σσ_i."
        side = "too small" if answer < expected else "too large"
        wrong.append(
            f"your rank is {side} for features with a common mean. Hint: {hint}"
        )
        break
    return verdict(wrong, "your numerical rank matches Wang et al.'s on three matrices")


def check_class_mean_discrimination(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(H (m, N), labels (N,)) -> float``, the discrimination.

    The answer must equal ``1 − max_{k≠k'} cos(μ_k, μ_k')`` between the uncentred class
    means (``measures.discrimination(H, labels, centred=False)``) to ``1e-8``, on
    three feature sets of 3 to 5 unbalanced classes. Prints the verdict and returns it.
    """
    wrong = []
    for g, (m, K) in zip(_generators(seed, 3), ((8, 3), (12, 5), (6, 4))):
        counts = torch.randint(20, 60, (K,), generator=g)
        labels = torch.repeat_interleave(torch.arange(K), counts)
        labels = labels[torch.randperm(len(labels), generator=g)]
        means = torch.randn(m, K, generator=g, dtype=torch.float64) + 2
        H = means[:, labels] + torch.randn(m, len(labels), generator=g).double()
        expected = measures.discrimination(H, labels, centred=False)
        answer, problem = as_number(
            reader_fn(H.clone(), labels.clone()),
            "your discrimination",
            "reduce the matrix of cosines to one value with float(...).",
        )
        if answer is None:
            wrong.append(problem)
            break
        if abs(answer - expected) <= 1e-8 * max(1.0, abs(expected)):
            continue
        centred = measures.discrimination(H, labels, centred=True)
        if abs(answer) < 1e-9:
            hint = (
                "leave out the pairs k = k' (a class mean has cosine one with itself)."
            )
        elif abs(answer - centred) <= 1e-8 * max(1.0, abs(centred)):
            hint = "use the raw class means; subtracting the global mean first is the "
            hint += "book's centred variant."
        elif answer > expected:
            hint = "the closest pair decides: take the largest cosine over k ≠ k'."
        else:
            hint = "normalise each class mean to unit length before the inner products."
        side = "too small" if answer < expected else "too large"
        wrong.append(f"your discrimination is {side}. Hint: {hint}")
        break
    return verdict(wrong, "your discrimination matches the definition on three sets")


# Chapter 13: Deep LoRA


_PARAMETER_HINTS = (
    "B is d_out × r and A is r × d_in.",
    "the factors have widths [d_in, w, …, w, d_out] with w = max(d_out, d_in): "
    "depth − 2 square w × w factors sit between the outer two.",
    "besides V_inᵀ (r × d_in) and U_out (d_out × r), the compressed chain keeps "
    "depth inner factors ε I_r, each r × r.",
)


def check_adapter_parameters(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(d_out, d_in, r, depth) -> (vanilla, deep, compressed)``.

    The three parameter counts are compared with the adapters that ``lrdlib.adapters``
    builds for three shapes (square, wide, tall). Prints the verdict and returns it.
    """
    (g,) = _generators(seed, 1)
    wrong = []
    for d_out, d_in, r, depth in ((12, 20, 4, 3), (20, 12, 2, 4), (16, 16, 6, 3)):
        shape = (d_out, d_in)
        deep = adapters.deep_factors(shape, depth, 0.1, seed=g)
        G = torch.randn(deep[0].shape, generator=g, dtype=deep[0].dtype)
        built = (
            adapters.lora_factors(shape, r, seed=g),
            deep,
            adapters.compress_adapter(deep, G, r, 0.1),
        )
        expected = [sum(A.numel() for A in chain) for chain in built]
        answer, problem = as_numbers(
            reader_fn(d_out, d_in, r, depth),
            3,
            "your counts",
            "return (vanilla, deep, compressed) as a tuple of ints.",
            whole=True,
        )
        if answer is None:
            wrong.append(problem)
            break
        names = ("vanilla LoRA", "Deep LoRA", "compressed")
        for name, ours, ref, hint in zip(names, answer, expected, _PARAMETER_HINTS):
            if ours != ref:
                side = "too small" if ours < ref else "too large"
                where = "square" if d_out == d_in else "non-square"
                wrong.append(
                    f"your {name} count is {side} for a {where} weight "
                    f"({d_out} × {d_in}, r = {r}, depth {depth}). Hint: {hint}"
                )
                break
        if wrong:
            break
    return verdict(
        wrong, "your counts match the adapters lrdlib builds for three shapes"
    )


def check_compression_bases(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(factors, grad_first, k, eps) -> (U, V)``, compression bases.

    ``U`` is ``(d_out, 2k)`` and ``V`` ``(d_in, 2k)``. They are compared with
    ``lrdlib.models.compression_bases`` on two square deep adapters: the spans must
    agree (principal angles below 1e-6) and ``U`` must equal ``W_{L:1}(0) V / ε^L`` for
    the reader's own ``V``. Prints the verdict and returns it.
    """
    wrong = []
    for g, (d, k, depth, eps) in zip(
        _generators(seed, 2), ((12, 2, 3, 0.1), (10, 3, 4, 0.2))
    ):
        factors = adapters.deep_factors((d, d), depth, eps, seed=g)
        G = torch.randn(d, d, generator=g, dtype=factors[0].dtype)
        U_ref, V_ref = models.compression_bases(factors, G, k, eps)
        raw = reader_fn([A.clone() for A in factors], G.clone(), k, eps)
        pair, problem = as_tensors(
            raw,
            "your (U, V)",
            "return U, V as a tuple of tensors, U first.",
            [None] * 2,
        )
        if pair is None:
            wrong.append(problem)
            break
        U, V = pair
        if U.shape != U_ref.shape or V.shape != V_ref.shape:
            wrong.append(
                f"your U is {tuple(U.shape)} and V {tuple(V.shape)} for k = {k}. "
                "Hint: each has 2k columns, k gradient directions and their k images; "
                "U has d_out rows and V d_in rows."
            )
            break
        if float(measures.principal_angles(V, V_ref).max()) > 1e-6:
            wrong.append(
                "your V spans another subspace. Hint: stack the top k right singular "
                "vectors of G and A_1(0)ᵀ applied to the top k left ones, then "
                "orthonormalise (QR)."
            )
            break
        image = models.end_to_end(factors) @ V / eps**depth
        if float(torch.linalg.matrix_norm(U - image)) > 1e-8:
            wrong.append(
                "your U is not W_{L:1}(0) V / ε^L for your V. Hint: multiply V by "
                "every factor, last factor leftmost, and divide by ε to the depth."
            )
            break
    return verdict(wrong, "the same subspaces as lrdlib.models.compression_bases")


def check_update_rank(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(dW (d_out, d_in), cap, floor) -> int``, an update's rank.

    The authors' measure: 0 when the spectral norm of ``dW`` is at most ``floor``,
    else ``numpy.linalg.matrix_rank(dW)`` capped at ``cap``. Three updates test the
    float tolerance, the cap and the floor. Prints the verdict and returns it.
    """
    g1, g2, g3 = _generators(seed, 3)

    def with_spectrum(rows, cols, s, g):
        U = torch.linalg.qr(torch.randn(rows, len(s), generator=g).double())[0]
        V = torch.linalg.qr(torch.randn(cols, len(s), generator=g).double())[0]
        return U @ torch.diag(torch.tensor(s, dtype=torch.float64)) @ V.T

    cases = (
        (
            with_spectrum(30, 20, [1.0, 0.5, 0.1, 1e-9], g1),
            8,
            1e-3,
            "a small singular value far above the float tolerance still counts: "
            "count every σ_i above σ_1 · max(d_out, d_in) · machine ε, not only "
            "those above a share of σ_1.",
        ),
        (
            torch.randn(16, 12, generator=g2, dtype=torch.float64),
            8,
            1e-3,
            "cap the count at cap, the adapter's rank.",
        ),
        (
            with_spectrum(20, 20, [5e-4] * 10, g3),
            8,
            1e-3,
            "the floor compares the spectral norm ‖ΔW‖₂, the largest singular "
            "value, not the Frobenius norm.",
        ),
    )
    wrong = []
    for dW, cap, floor, hint in cases:
        if float(torch.linalg.matrix_norm(dW, ord=2)) <= floor:
            expected = 0
        else:
            expected = min(int(np.linalg.matrix_rank(dW.numpy())), cap)
        answer, problem = as_int(
            reader_fn(dW.clone(), cap, floor),
            "your rank",
            "wrap the count in int(...).",
        )
        if answer is None:
            wrong.append(problem)
            break
        if answer != expected:
            side = "too small" if answer < expected else "too large"
            wrong.append(f"your rank is {side} for one of three updates. Hint: {hint}")
            break
    return verdict(wrong, "your update rank agrees with the authors' measure")


def check_lora_first_adam_step(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(A (r, d_in), G (d_out, d_in), lr) -> ΔW (d_out, d_in)``.

    ``ΔW`` is the change of vanilla LoRA's update ``B A`` after one Adam step
    (``torch.optim.Adam``'s rule, ε = 1e-8) on ``[A, B]`` from ``B = 0``, where ``G`` is
    the loss gradient in the adapted weight. Compared on three shapes to ``1e-5``
    relative. Prints the verdict and returns it.
    """
    wrong = []
    for g, (d_out, d_in, r, lr) in zip(
        _generators(seed, 3), ((6, 10, 2, 1e-2), (12, 8, 5, 3e-3), (9, 9, 9, 1e-3))
    ):
        A0 = torch.randn(r, d_in, generator=g, dtype=torch.float64)
        G = torch.randn(d_out, d_in, generator=g, dtype=torch.float64)
        A = A0.clone().requires_grad_()
        B = torch.zeros(d_out, r, dtype=torch.float64, requires_grad=True)
        (G * (B @ A)).sum().backward()  # the loss's first-order change: ∂ℓ/∂W = G
        with torch.no_grad():  # Adam's first step: m̂ = g, v̂ = g², step lr·g/(|g|+ε)
            A_1, B_1 = (p - lr * p.grad / (p.grad.abs() + 1e-8) for p in (A, B))
            expected = B_1 @ A_1
        answer, problem = as_tensor(
            reader_fn(A0.clone(), G.clone(), lr),
            "your ΔW",
            "ΔW has the shape of the adapted weight, that of G: it is B_1 A with B_1 "
            "of shape (d_out, r) and A (r, d_in).",
            G.shape,
        )
        if answer is None:
            wrong.append(problem)
            break
        if relative_error(answer, expected) <= 1e-5:
            continue
        gd = -lr * G @ A0.T @ A0
        cos = float((answer * gd).sum() / (answer.norm() * gd.norm() + 1e-300))
        if cos > 1 - 1e-9:
            hint = "that is a gradient-descent step; Adam's first step divides each "
            hint += "entry of B's gradient by its own size, so every entry of B moves "
            hint += "by lr."
        elif float(answer.norm()) == 0:
            hint = "B starts at zero but its gradient G Aᵀ does not: B moves in the "
            hint += "first step (A does not, its gradient Bᵀ G is zero)."
        else:
            hint = "only B moves in the first step, by −lr times the sign of its "
            hint += "gradient G Aᵀ; then ΔW = B_1 A with A unchanged."
        wrong.append(f"your ΔW is not Adam's first LoRA step. Hint: {hint}")
        break
    return verdict(
        wrong, "your ΔW is Adam's first step of vanilla LoRA on three shapes"
    )


def check_spectral_chain(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(surrogate (d_y, d), rank_hat, depth, eps) -> factors``.

    The factors must be Kwon et al.'s chain ``[ε V̂ᵀ, ε I, …, ε I, ε Û]`` of ``depth``
    factors from the top-``rank_hat`` SVD of the surrogate, as
    ``models.spectral_compress(...).layers()`` builds it, on two completion problems
    (checked up to the sign of each singular pair). Prints the verdict and returns it.
    """
    wrong = []
    for g, (d_y, d, r, depth, eps) in zip(
        _generators(seed, 2), ((14, 10, 2, 3, 1e-2), (12, 16, 3, 4, 0.1))
    ):
        Y = data.low_rank_target(d_y, d, r, seed=g, top_singular_value=1.0)
        mask = data.observation_mask(d_y, d, 0.5, seed=g)
        surrogate = mask * Y / 0.5
        ref = models.spectral_compress(surrogate, 2 * r, depth, eps).layers()
        raw = reader_fn(surrogate.clone(), 2 * r, depth, eps)
        chain, problem = as_tensors(
            raw,
            "your chain",
            "two outer factors around depth − 2 inner ones, first factor first.",
            [None] * depth,
        )
        if chain is None:
            wrong.append(problem)
            break
        bad = [i for i, (A, R) in enumerate(zip(chain, ref)) if A.shape != R.shape]
        if bad:
            i = bad[0]
            wrong.append(
                f"factor {i + 1} of your chain is {tuple(chain[i].shape)}. Hint: the "
                "first factor maps R^d to R^{r̂} (ε V̂ᵀ), the last R^{r̂} to R^{d_y} "
                "(ε Û), the inner ones are r̂ × r̂."
            )
            break
        eye = torch.eye(2 * r, dtype=torch.float64)
        if any(float((A - eps * eye).abs().max()) > 1e-12 for A in chain[1:-1]):
            wrong.append(
                "your inner factors are not ε I. Hint: every inner factor starts at "
                "ε times the r̂ × r̂ identity."
            )
            break
        first_rows = chain[0].norm(dim=1)
        if (
            float((first_rows - eps).abs().max()) > 1e-10 * eps
            or float((chain[-1].norm(dim=0) - eps).abs().max()) > 1e-10 * eps
        ):
            wrong.append(
                "your outer factors do not have rows (first) and columns (last) of "
                "length ε. Hint: scale the singular vectors by ε, and leave the "
                "singular values out."
            )
            break
        spans = (chain[0].T, ref[0].T), (chain[-1], ref[-1])
        if max(float(measures.principal_angles(a, b).max()) for a, b in spans) > 1e-6:
            wrong.append(
                "your outer factors span other subspaces. Hint: take the top r̂ "
                "singular vectors of the surrogate (torch.linalg.svd sorts them in "
                "descending order), V̂ᵀ in the first factor and Û in the last."
            )
            break
        if relative_error(models.end_to_end(chain), models.end_to_end(ref)) > 1e-8:
            wrong.append(
                "your chain's product is not ε^L Û V̂ᵀ. Hint: pair the i-th right "
                "singular vector with the i-th left one, with the signs the SVD gives."
            )
            break
    return verdict(wrong, "your chain is Kwon et al.'s spectral initialisation")
