"""Checkers for Part IV: hybrid networks and low-rank adaptation (Chapters 12, 13)."""

from __future__ import annotations

import torch

from ... import adapters, measures, models, rng
from .verdict import verdict


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
    return verdict(wrong, "your map compresses the classes")


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
