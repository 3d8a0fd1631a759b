"""Checkers for the exercises of Part III, nonlinear networks (Chapters 7–9)."""

from __future__ import annotations

import torch

from ... import init, measures, models, subspaces
from .verdict import verdict


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
    return verdict(wrong, "your counts match the models for three shapes")
