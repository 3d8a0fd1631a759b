"""Wall-clock measurements shared by ``benchmarks/`` and the chapters with their tables.

Timing claims live here and in the scripts under ``benchmarks/``, whose committed
results the chapters show; no chapter asserts on a wall-clock time.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from .. import data, init, losses, models
from ..models import dln_objective
from ..train import train


def device_and_name() -> tuple[str, str]:
    """``("cuda", GPU name)`` when a GPU is present, else ``("cpu", "N threads")``."""
    if torch.cuda.is_available():
        return "cuda", torch.cuda.get_device_name()
    return "cpu", f"{torch.get_num_threads()} threads"


def median_time(fn: Callable[[], object], repeats: int = 10, warmup: int = 2) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeats`` calls.

    ``warmup`` calls run first and are not timed.
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_per_iteration(
    weights, loss, lr: float, lr_scales=None, n_steps: int = 20, repeats: int = 5
) -> float:
    """Median seconds per GD iteration of a deep linear network under ``train``."""

    def run():
        train(
            weights,
            dln_objective(loss),
            lr,
            n_steps - 1,
            lr_scales=lr_scales,
            record_every=None,
        )

    return median_time(run, repeats=repeats, warmup=1) / n_steps


@dataclass
class ModelTiming:
    """One network of ``compressed_vs_wide``: its cost per iteration and to tolerance.

    The run to tolerance is optional; its fields are ``None`` without it.
    """

    flops: int  # per iteration
    iter_s: float  # seconds per iteration (median)
    iterations: int | None = None  # to tolerance; None if not reached
    seconds: float | None = None  # wall time of the run to tolerance
    start_loss: float | None = None
    final_loss: float | None = None


@dataclass
class CompressionBenchmark:
    """Wide vs compressed vs narrow deep linear networks at one width ``d``."""

    d: int
    setup_s: float  # building the compressed network: one gradient and one SVD
    wide: ModelTiming
    compressed: ModelTiming
    narrow: ModelTiming


def compressed_vs_wide(
    d: int,
    r: int = 5,
    depth: int = 3,
    eps: float = 1e-2,
    lr: float = 0.1,
    tol: float = 1e-9,
    seed: int = 0,
    max_steps: int = 20000,
    to_tolerance: bool = True,
    repeats: int = 5,
) -> CompressionBenchmark:
    """Whitened regression onto a rank-``r`` target (top σ = 2) with three networks.

    All three have depth ``L``:

    - wide: ``d → d → … → d``, ε-orthogonal;
    - compressed: the wide network's ``(2r, 2r)`` inner layers on the projected loss
      (``models.compress``);
    - narrow: the papers' baseline, an ordinary network ``d → 2r → … → 2r → d`` with
      every layer ε-orthogonal, all layers at the full step.
    """
    loss = losses.Regression.from_target(
        data.low_rank_target(d, d, r, seed=seed, top_singular_value=2.0)
    )
    W0 = init.orthogonal_init([d] * (depth + 1), eps, seed=seed + 1)
    setup = median_time(lambda: models.compress(W0, loss, r, eps), repeats=3, warmup=1)
    net = models.compress(W0, loss, r, eps)
    narrow = init.orthogonal_init([d] + [2 * r] * (depth - 1) + [d], eps, seed=seed + 2)
    nets = {
        "wide": (W0, loss),
        "compressed": (net.inner, net.projected_loss(loss)),
        "narrow": (narrow, loss),
    }
    timings = {}
    for name, (weights, model_loss) in nets.items():
        timing = ModelTiming(
            flops=models.step_flops([tuple(W.shape) for W in weights]),
            iter_s=time_per_iteration(weights, model_loss, lr, repeats=repeats),
        )
        if to_tolerance:
            h = train(
                weights,
                dln_objective(model_loss),
                lr,
                max_steps,
                tol=tol,
                record_every=None,
            )
            timing.iterations = h.converged_step
            timing.seconds = h.wall_time
            timing.start_loss, timing.final_loss = float(h.loss[0]), float(h.loss[-1])
        timings[name] = timing
    return CompressionBenchmark(d, setup, **timings)
