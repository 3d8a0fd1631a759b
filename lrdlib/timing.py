"""Wall-clock measurements shared by ``benchmarks/`` and the chapters that show their tables."""

from __future__ import annotations

import statistics
import time
from typing import Callable

from . import compress, data, dln, init, losses


def median_time(fn: Callable[[], object], repeats: int = 10, warmup: int = 2) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeats`` calls, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_per_iteration(weights, loss, lr: float, lr_scales=None, n_steps: int = 20, repeats: int = 5) -> float:
    """Median seconds per GD iteration of ``dln.train_gd`` (gradient, loss value and update) over short runs."""
    def run():
        dln.train_gd(weights, loss, lr, n_steps - 1, lr_scales=lr_scales, record_every=None)

    return median_time(run, repeats=repeats, warmup=1) / n_steps


def compressed_vs_wide(d: int, r: int = 5, depth: int = 3, eps: float = 1e-2, lr: float = 0.1, tol: float = 1e-9,
                       seed: int = 0, narrow_gamma: float = 1.0, max_steps: int = 20000,
                       to_tolerance: bool = True, repeats: int = 5) -> dict:
    """Wide vs compressed vs random-narrow DLN on whitened regression with a rank-``r`` target (top σ = 2).

    Returns seconds per iteration, FLOPs per iteration, the one-off setup of the compression (one
    gradient and one SVD) and, if ``to_tolerance``, iterations and seconds until the loss is ``≤ tol``
    (``None`` iterations if not reached in ``max_steps``, with the final loss reported). The compressed network trains its ``2r × 2r``
    layers on the projected loss; the narrow one has random bases trained at ``narrow_gamma · lr``.
    """
    loss = losses.Regression.from_target(data.low_rank_target(d, d, r, seed=seed, top_singular_value=2.0))
    W0 = init.orthogonal_init([d] * (depth + 1), eps, seed=seed + 1)
    setup = median_time(lambda: compress.compress(W0, loss, r, eps), repeats=3, warmup=1)
    net = compress.compress(W0, loss, r, eps)
    narrow = compress.random_narrow(d, d, r, depth, eps, seed=seed + 2)
    models = {
        "wide": (W0, loss, None),
        "compressed": (net.inner, net.projected_loss(loss), None),
        "narrow": (narrow.layers(), loss, narrow.lr_scales(narrow_gamma)),
    }
    row = {"d": d, "setup_s": setup}
    for name, (weights, model_loss, scales) in models.items():
        row[f"{name}_flops"] = dln.step_flops([tuple(W.shape) for W in weights])
        row[f"{name}_iter_s"] = time_per_iteration(weights, model_loss, lr, scales, repeats=repeats)
        if to_tolerance:
            h = dln.train_gd(weights, model_loss, lr, max_steps, lr_scales=scales, tol=tol, record_every=None)
            row[f"{name}_iters"] = h.converged_step
            row[f"{name}_s"] = h.wall_time
            row[f"{name}_final_loss"] = float(h.loss[-1])
            row[f"{name}_start_loss"] = float(h.loss[0])
    return row
