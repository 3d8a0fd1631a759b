"""Checkers for Part IV: CNNs, transformers, the tiny subspace (Chapters 10, 11, 14)."""

from __future__ import annotations

import math

import scipy.linalg
import torch

from ... import measures, rng, track
from .verdict import as_number, as_tensor, verdict

_TENSOR_HINT = (
    "return a torch.Tensor of the shape given in the exercise; a transpose is the "
    "usual slip."
)
_NUMBER_HINT = "return a single float (float(x) of a one-element tensor)."


# Chapter 10: CNNs and transformers


def check_conv_patches(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(images (N, c, s, s), k) -> (c·k², N·s²)``, the patch matrix.

    A ``k × k`` convolution (padding ``k // 2``) must equal its kernel, reshaped to
    ``out × c·k²``, times the patches, on two shapes.
    """
    g = rng.check_random_state(seed)
    for n, c, s in ((3, 2, 5), (2, 3, 4)):
        images = torch.randn(n, c, s, s, generator=g)
        conv = torch.nn.Conv2d(c, 4, 3, padding=1, bias=False)
        with torch.no_grad():
            conv.weight.copy_(torch.randn(4, c, 3, 3, generator=g))
            output = conv(images).permute(1, 0, 2, 3).reshape(4, -1).double()
            P, problem = as_tensor(
                reader_fn(images, 3), "your patch matrix", _TENSOR_HINT
            )
            if P is not None and P.shape != (c * 9, n * s * s):
                problem = (
                    f"your patch matrix has shape {tuple(P.shape)}, which does not "
                    "match the inputs: it needs one row per entry of a flattened "
                    "kernel and one column per (sample, position). Hint: "
                    + _TENSOR_HINT
                )
            if problem:
                return verdict([problem], "")
            err = float((conv.weight.double().reshape(4, -1) @ P - output).abs().max())
        if err > 1e-4:
            return verdict(
                [
                    f"the kernel as a matrix times your patches differs from the "
                    f"convolution (by up to {err:.1e}) for {n} images of {c} channels. "
                    "Hint: the columns run over samples first, then positions; "
                    "unfold's rows are already in the kernel's (channel, offset) order."
                ],
                "",
            )
    return verdict([], "the kernel as a matrix times your patches is the convolution")


def check_chance_level(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(n, k) -> f``, the top-``k`` energy share of a Gaussian matrix.

    The share is the expected one of an ``n × n`` Gaussian matrix, within 0.02 of a
    20-draw estimate, for three shapes.
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
        level = sum(draws) / len(draws)
        answer, problem = as_number(
            reader_fn(n, k), f"your share for n={n}, k={k}", _NUMBER_HINT
        )
        if answer is None:
            wrong.append(problem)
        elif abs(answer - level) > 0.02:
            side = "small" if answer < level else "large"
            hint = (
                "k/n is the share of a flat spectrum; a Gaussian matrix's singular "
                "values are spread out, so its top k hold more"
                if side == "small"
                else "divide the top-k squared singular values by the sum of all of "
                "them, not of the top k only"
            )
            wrong.append(
                f"for n={n}, k={k} your share {answer:.3f} is too {side}. Hint: {hint}."
            )
    return verdict(wrong, "within 0.02 of the chance level for three shapes")


def _penultimate_reference(W_pen, W_L, H, y, relu):
    W = W_pen.clone().requires_grad_()
    Z = W @ H
    out = W_L @ (torch.relu(Z) if relu else Z)
    torch.nn.functional.cross_entropy(out.T, y).backward()
    return W.grad


def check_penultimate_gradient(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(W_pen (m, d), W_L (K, m), H (d, N), y (N,), relu) -> (m, d)``.

    It must be the gradient in ``W_pen`` of the mean cross-entropy of the outputs
    ``W_L φ(W_pen H)`` (samples as columns, no biases), ``φ`` the identity or, with
    ``relu=True``, ReLU; compared with autograd on three random problems.
    """
    g = rng.check_random_state(seed)
    cases = ((12, 8, 4, 30, False), (20, 6, 3, 15, False), (12, 8, 4, 30, True))
    for m, d, K, N, relu in cases:
        W_pen = torch.randn(m, d, generator=g, dtype=torch.float64) / math.sqrt(d)
        W_L = torch.randn(K, m, generator=g, dtype=torch.float64) / math.sqrt(m)
        H = torch.randn(d, N, generator=g, dtype=torch.float64)
        y = torch.randint(0, K, (N,), generator=g)
        ref = _penultimate_reference(W_pen, W_L, H, y, relu)
        G, problem = as_tensor(
            reader_fn(W_pen.clone(), W_L.clone(), H.clone(), y.clone(), relu),
            "your gradient",
            _TENSOR_HINT,
            (m, d),
        )
        if G is None:
            return verdict([problem], "")
        if torch.allclose(G, ref, rtol=1e-6, atol=1e-9):
            continue
        if torch.allclose(G, N * ref, rtol=1e-6, atol=1e-9):
            hint = "the loss is the mean over the N samples: divide δ by N"
        elif torch.allclose(G, -ref, rtol=1e-6, atol=1e-9):
            hint = "δ is softmax(outputs) minus the one-hot labels, not the reverse"
        elif relu:
            hint = (
                "with ReLU, multiply W_Lᵀδ entry by entry by the mask φ′(Z) = "
                "(W_pen H > 0) before the product with Hᵀ"
            )
        else:
            hint = (
                "δ = softmax(W_L Z) − one-hot, one column per sample, and the "
                "gradient is (W_Lᵀ δ) Hᵀ / N"
            )
        err = float((G - ref).abs().max())
        activation = "ReLU" if relu else "no activation"
        return verdict(
            [
                f"your gradient (m={m}, d={d}, K={K}, N={N}, {activation}) is off by "
                f"up to {err:.1e} from autograd's. Hint: {hint}."
            ],
            "",
        )
    return verdict([], "your gradient is autograd's, with and without the ReLU mask")


# Chapter 14: is it really a tiny subspace?


def check_subspace_split(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(g (n,), V (n, k)) -> (inside (n,), outside (n,))``.

    ``inside`` must be the orthogonal projection of ``g`` onto the span of the
    orthonormal columns of ``V`` (Dom-SGD's step) and ``outside`` the rest (Bulk-SGD's),
    on three random problems.
    """
    g = rng.check_random_state(seed)
    for n, k in ((20, 3), (50, 10), (8, 1)):
        V = torch.linalg.qr(torch.randn(n, k, generator=g, dtype=torch.float64))[0]
        grad = torch.randn(n, generator=g, dtype=torch.float64)
        parts = reader_fn(grad.clone(), V.clone())
        if not isinstance(parts, (tuple, list)) or len(parts) != 2:
            return verdict(
                [
                    "your function should return two vectors, (inside, outside). "
                    "Hint: end with `return inside, g - inside`."
                ],
                "",
            )
        inside, problem = as_tensor(parts[0], "your inside part", _TENSOR_HINT, (n,))
        outside, other = as_tensor(parts[1], "your outside part", _TENSOR_HINT, (n,))
        if inside is None or outside is None:
            return verdict([problem or other], "")
        if float((inside + outside - grad).abs().max()) > 1e-10:
            return verdict(
                [
                    "your two parts do not add up to g. Hint: outside = g − inside, "
                    "whatever inside is."
                ],
                "",
            )
        if float((V.T @ outside).abs().max()) > 1e-10:
            return verdict(
                [
                    "your outside part still has components along V. Hint: the "
                    "projection onto span(V) is V Vᵀ g when V has orthonormal columns."
                ],
                "",
            )
    return verdict([], "your split is the projection onto span(V) and its complement")


def check_neighbour_alignment(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(W (m, n), W_next (p, m), k) -> score``, Yunis et al.'s score.

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
        score, problem = as_number(reader_fn(W, W_next, k), "your score", _NUMBER_HINT)
        if score is None:
            return verdict([problem], "")
        if abs(score - 1) > 1e-8:
            return verdict(
                [
                    f"a pair whose singular vectors match scores {score:.3f} with "
                    "your function, not 1. Hint: compare W's left singular vectors "
                    "with W_next's right ones, and take absolute values."
                ],
                "",
            )
        A = torch.randn(n, n, generator=g, dtype=torch.float64)
        B = torch.randn(n, n, generator=g, dtype=torch.float64)
        Ua = torch.linalg.svd(A)[0][:, :k]
        Vb = torch.linalg.svd(B)[2][:k].T
        defined = float(torch.diagonal(torch.abs(Vb.T @ Ua)).mean())
        score, problem = as_number(reader_fn(A, B, k), "your score", _NUMBER_HINT)
        if score is None:
            return verdict([problem], "")
        if abs(score - defined) > 1e-8:
            return verdict(
                [
                    "on a random pair your score differs from the definition. Hint: "
                    "take absolute values (singular vectors have no sign) and average "
                    "the k diagonal entries, in the order of the singular values."
                ],
                "",
            )
    return verdict([], "your score is Yunis et al.'s on aligned and random pairs")


def check_hessian_vector_product(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(f, x (n,), v (n,)) -> (n,)``, the product ``H_f(x) v``.

    ``f`` maps a vector to a scalar tensor; compared with the full Hessian
    (``torch.autograd.functional.hessian``) on a quadratic and two smooth losses.
    """
    g = rng.check_random_state(seed)
    A = torch.randn(6, 5, generator=g, dtype=torch.float64)
    b = torch.randn(6, generator=g, dtype=torch.float64)
    S = A.T @ A
    cases = (
        ("a quadratic", lambda x: 0.5 * x @ S @ x),
        ("a tanh regression", lambda x: 0.5 * ((torch.tanh(A @ x) - b) ** 2).sum()),
        ("a log-sum-exp", lambda x: torch.logsumexp(A @ x, 0) + (x**4).sum() / 4),
    )
    for name, f in cases:
        x = torch.randn(5, generator=g, dtype=torch.float64)
        v = torch.randn(5, generator=g, dtype=torch.float64)
        ref = torch.autograd.functional.hessian(f, x) @ v
        try:
            answer = reader_fn(f, x.clone(), v.clone())
        except RuntimeError as error:
            return verdict(
                [
                    f"your function raised on {name}: {error}. Hint: x needs "
                    "requires_grad, and the first torch.autograd.grad needs "
                    "create_graph=True so that its result can be differentiated."
                ],
                "",
            )
        Hv, problem = as_tensor(answer, "your product", _TENSOR_HINT, (5,))
        if Hv is None:
            return verdict([problem], "")
        if float((Hv - ref).norm()) <= 1e-6 * (1 + float(ref.norm())):
            continue
        x_ = x.clone().requires_grad_()
        grad = torch.autograd.grad(f(x_), x_)[0]
        if torch.allclose(Hv, grad * v) or torch.allclose(Hv, grad):
            hint = (
                "you returned the gradient (times v); differentiate the scalar "
                "∇f(x)·v once more in x"
            )
        else:
            hint = (
                "take g = ∇f(x) with create_graph=True, then the gradient of g @ v "
                "in x; no finite differences"
            )
        return verdict([f"your product is not H(x) v on {name}. Hint: {hint}."], "")
    return verdict([], "your product is the Hessian times v on three functions")


def check_update_subspace_dimension(reader_fn) -> bool:
    """Check ``reader_fn(shapes, k) -> int``, the dimension of the update subspace.

    ``shapes`` lists the ``(rows, cols)`` of the weight matrices; a step lies in the
    subspace when each block is ``U_k U_kᵀ G V_k V_kᵀ``, ``k`` capped by each shape.
    """
    cases = (
        ([(64, 64), (64, 64), (10, 64)], 2),
        ([(64, 64), (64, 64), (10, 64)], 20),
        ([(3, 5), (7, 3)], 4),
    )
    for shapes, k in cases:
        count, problem = as_number(
            reader_fn(list(shapes), k), "your dimension", _NUMBER_HINT
        )
        if count is None:
            return verdict([problem], "")
        right = sum(min(k, *shape) ** 2 for shape in shapes)
        if count == right:
            continue
        if count == sum(k * (r + c) for r, c in shapes) or count == sum(
            min(k, r, c) * (r + c - min(k, r, c)) for r, c in shapes
        ):
            hint = (
                "you counted all matrices of rank k; here U_k and V_k are fixed, so "
                "only the k × k block U_kᵀ G V_k is free"
            )
        elif count == len(shapes) * k * k:
            hint = (
                "a matrix with fewer than k rows or columns has fewer than k "
                "singular directions: cap k by each shape"
            )
        else:
            hint = "per layer, count the free entries of the block U_kᵀ G V_k"
        return verdict(
            [
                f"your dimension {count:g} for shapes {shapes}, k={k} is off. "
                f"Hint: {hint}."
            ],
            "",
        )
    return verdict([], "your count is Σ_l min(k, m_l, n_l)² for three networks")


# Chapter 11: track your network


def _tracker_models() -> dict[str, torch.nn.Module]:
    """An MLP, a small CNN and a transformer layer (only their shapes matter)."""
    with torch.random.fork_rng(devices=[]):
        return _build_tracker_models()


def _build_tracker_models() -> dict[str, torch.nn.Module]:
    mlp = torch.nn.Sequential(
        torch.nn.Linear(64, 256), torch.nn.GELU(), torch.nn.Linear(256, 10)
    )
    cnn = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3),
        torch.nn.ReLU(),
        torch.nn.Conv2d(16, 32, 3),
        torch.nn.Flatten(),
        torch.nn.Linear(32 * 4 * 4, 10),
    )
    layer = torch.nn.TransformerEncoderLayer(16, 2, dim_feedforward=64)
    return {"MLP": mlp, "CNN": cnn, "transformer layer": layer}


def check_forced_layers(reader_fn) -> bool:
    """Check ``reader_fn(model, k) -> names``, the matrices whose share is forced.

    Forced: the tracker's top-``k`` share is 1 for any update, i.e. the matrix (as
    ``track.weight_matrices`` sees it) has at most ``k`` rows or columns. Tested on an
    MLP, a small CNN and a transformer layer at two ``k``.
    """
    for kind, model in _tracker_models().items():
        matrices = track.weight_matrices(model)
        for k in (10, 16):
            answer = reader_fn(model, k)
            if isinstance(answer, str) or not hasattr(answer, "__iter__"):
                return verdict(
                    [
                        f"your function returned a {type(answer).__name__}. Hint: "
                        "return a list of names, as in tracker.names."
                    ],
                    "",
                )
            answer = set(answer)
            right = {n for n, W in matrices.items() if min(W.shape) <= k}
            unknown = answer - set(matrices)
            if unknown:
                hint = (
                    "use the names of track.weight_matrices(model), not of "
                    "model.named_parameters()"
                )
                if any(n.endswith("in_proj_weight") for n in unknown):
                    hint += "; attention's input projection is three matrices"
                return verdict(
                    [f"{sorted(unknown)} are not tracked names. Hint: {hint}."], ""
                )
            if answer == right:
                continue
            extra, missing = sorted(answer - right), sorted(right - answer)
            convolutions = {
                f"{name}.weight"
                for name, module in model.named_modules()
                if isinstance(module, torch.nn.Conv2d)
            }
            if extra and set(extra) & convolutions:
                hint = (
                    "a convolution's kernel is tracked as out × in·k·k, not as its "
                    "4-D shape"
                )
                problem = f"{extra} are not forced at k={k} in the {kind}"
            elif extra:
                hint = "a matrix is forced only when its smaller side is at most k"
                problem = f"{extra} are not forced at k={k} in the {kind}"
            else:
                hint = "a side equal to k is enough: use ≤ k, not < k"
                problem = f"you left out {missing} at k={k} in the {kind}"
            return verdict([f"{problem}. Hint: {hint}."], "")
    return verdict(
        [], "your layers are the forced ones in an MLP, a CNN, a transformer"
    )


def check_largest_angle(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(A (n, k), B (n, k)) -> radians``, the largest principal angle.

    ``A`` and ``B`` have orthonormal columns; compared with
    ``scipy.linalg.subspace_angles`` on equal, random and nearly equal subspaces.
    """
    g = rng.check_random_state(seed)
    n, k = 12, 3
    A = torch.linalg.qr(torch.randn(n, k, generator=g, dtype=torch.float64))[0]
    B = torch.linalg.qr(torch.randn(n, k, generator=g, dtype=torch.float64))[0]
    R = torch.linalg.qr(torch.randn(k, k, generator=g, dtype=torch.float64))[0]
    C = torch.linalg.qr(A + 0.05 * B)[0]
    cases = (("the same subspace in another basis", A, A @ R), ("two random", A, B))
    cases += (("two nearly equal", A, C),)
    for name, P, Q in cases:
        angle, problem = as_number(
            reader_fn(P.clone(), Q.clone()), "your angle", _NUMBER_HINT
        )
        if angle is None:
            return verdict([problem], "")
        right = float(scipy.linalg.subspace_angles(P.numpy(), Q.numpy()).max())
        if abs(angle - right) < 1e-6:
            continue
        cosines = torch.linalg.svdvals(P.T @ Q)
        if math.isnan(angle):
            hint = "rounding can push a cosine just above 1: clip it before acos"
        elif abs(angle - math.acos(min(1.0, float(cosines.max())))) < 1e-6:
            hint = (
                "the largest angle belongs to the smallest singular value of AᵀB, "
                "not the largest"
            )
        elif abs(angle - math.degrees(right)) < 1e-4:
            hint = "the tracker reports radians, not degrees"
        else:
            hint = (
                "the cosines of the principal angles are the singular values of "
                "AᵀB, not its entries"
            )
        return verdict(
            [f"your angle {angle:.3g} is wrong for {name} subspaces. Hint: {hint}."],
            "",
        )
    return verdict([], "your largest angle is the tracker's on three pairs")


def check_update_columns(reader_fn, seed: int = 0) -> bool:
    """Check ``reader_fn(W0 (m, n), W (m, n), k) -> (top_share, stable_rank, change)``.

    The three numbers of ``UpdateTracker``'s row for ``ΔW = W − W0``: the share of
    ``‖ΔW‖²`` in the top ``k`` singular directions, ``‖ΔW‖_F² / ‖ΔW‖₂²`` and
    ``‖ΔW‖_F / ‖W0‖_F``; compared with the tracker on two layers.
    """
    g = rng.check_random_state(seed)
    names = ("top_share", "stable_rank", "relative_change")
    hints = {
        "top_share": "square the singular values: the share is of ‖ΔW‖², an energy",
        "stable_rank": "it is ‖ΔW‖_F² / σ_1², with both norms squared",
        "relative_change": "divide by the norm of the start W0, not of W now",
    }
    for m, n, k in ((30, 20, 3), (8, 40, 5)):
        layer = torch.nn.Linear(n, m, bias=False).double()
        with torch.no_grad():
            layer.weight.copy_(torch.randn(m, n, generator=g, dtype=torch.float64))
        W0 = layer.weight.detach().clone()
        tracker = track.UpdateTracker(layer, rank=k, exact=True)
        low_rank = torch.randn(m, k, generator=g, dtype=torch.float64) @ torch.randn(
            k, n, generator=g, dtype=torch.float64
        )
        noise = torch.randn(m, n, generator=g, dtype=torch.float64)
        with torch.no_grad():
            layer.weight.add_(0.3 * low_rank + 0.2 * noise)
        tracker.record(1)
        row = tracker.records[-1]
        answer = reader_fn(W0.clone(), layer.weight.detach().clone(), k)
        if not hasattr(answer, "__len__") or len(answer) != 3:
            return verdict(
                [
                    "your function should return three numbers, (top_share, "
                    "stable_rank, relative_change). Hint: return them as a tuple."
                ],
                "",
            )
        for name, value in zip(names, answer):
            number, problem = as_number(value, f"your {name}", _NUMBER_HINT)
            if number is None:
                return verdict([problem], "")
            if abs(number - row[name]) > 1e-8 * max(1.0, abs(row[name])):
                return verdict(
                    [
                        f"your {name} ({number:.4g}) for a {m} × {n} update differs "
                        f"from the tracker's. Hint: {hints[name]}."
                    ],
                    "",
                )
    return verdict([], "your three numbers are the tracker's columns on two layers")
