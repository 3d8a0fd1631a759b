"""Time one GD step of a wide deep linear network against the matmul bound measured in
the same run.

A closed-form step for L layers on whitened data performs 3L − 3 products of d×d
matrices (L − 1 prefix products, L − 1 backward products, L − 1 layer gradients). The
bound is that many bare ``A @ B`` calls, timed here; the ratio step / bound says how
much the rest (elementwise work, Python) costs. "loop/steps" is five steps inside
``lrdlib.train.train`` (objective, divergence guard, update, set-up) over the same five
steps written out by hand: the training loop's overhead. Also prints autograd's time for
the same step, the reference the tests compare against.

    python benchmarks/dln_step.py [--widths 256 512 1024] [--depth 3] [--repeats 20]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

import lrdlib
from lrdlib import data, init, losses, models, train


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench(d: int, depth: int, dtype, repeats: int) -> dict:
    """Paired timings: each repeat times the bound, the step, the loop and autograd
    back to back; ratios are medians of the per-repeat ratios (robust to a machine
    whose speed drifts during the run)."""
    weights = init.orthogonal_init([d] * (depth + 1), 1.0, seed=0, dtype=dtype)
    loss = losses.Regression.from_target(
        data.low_rank_target(d, d, 5, seed=1, dtype=dtype)
    )
    lr, n_loop = 1e-3, 5
    n_products = models.step_flops([tuple(W.shape) for W in weights]) // (2 * d**3)
    A, B = torch.randn(d, d, dtype=dtype), torch.randn(d, d, dtype=dtype)

    def bound():
        for _ in range(n_products):
            A @ B

    def closed_form_step():
        _, grads = models.dln_gradients(weights, loss)
        for W, g in zip(weights, grads):
            W.sub_(g, alpha=lr)

    def bare_steps():  # what train(…, n_loop − 1) computes, without the loop around it
        for _ in range(n_loop - 1):
            closed_form_step()
        models.dln_gradients(weights, loss)

    objective = models.dln_objective(loss)

    def loop_steps():
        train.train(weights, objective, lr, n_loop - 1, record_every=None)

    leaves = [W.clone().requires_grad_(True) for W in weights]

    def autograd_step():
        value = 0.5 * ((models.end_to_end(leaves) - loss.phi) ** 2).sum()
        grads = torch.autograd.grad(value, leaves)
        with torch.no_grad():
            for W, g in zip(leaves, grads):
                W.sub_(g, alpha=lr)

    for fn in (bound, closed_form_step, loop_steps, autograd_step):
        fn()  # warm-up
    rows = []
    for _ in range(repeats):
        t_bound, t_step = timed(bound), timed(closed_form_step)
        t_bare, t_loop = timed(bare_steps), timed(loop_steps)
        rows.append((t_bound, t_step, t_loop / t_bare, timed(autograd_step)))
    t_bound, t_step, _, t_auto = (statistics.median(c) for c in zip(*rows))
    return dict(
        d=d,
        dtype=str(dtype).replace("torch.", ""),
        products=n_products,
        matmul_ms=1e3 * t_bound / n_products,
        bound_ms=1e3 * t_bound,
        step_ms=1e3 * t_step,
        ratio=statistics.median(r[1] / r[0] for r in rows),
        loop_ratio=statistics.median(r[2] for r in rows),
        autograd_ms=1e3 * t_auto,
        autograd_ratio=statistics.median(r[3] / r[1] for r in rows),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[256, 512, 1024])
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    print(
        f"lrdlib {lrdlib.__version__}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, L = {args.depth}"
    )
    header = (
        f"{'d':>5} {'dtype':>8} {'products':>8} {'matmul ms':>10} {'bound ms':>9} "
        f"{'step ms':>8} {'step/bound':>10} {'loop/steps':>10} "
        f"{'autograd ms':>11} {'autograd/step':>13}"
    )
    print(header)
    print("-" * len(header))
    for d in args.widths:
        for dtype in (torch.float64, torch.float32):
            r = bench(d, args.depth, dtype, args.repeats)
            print(
                f"{r['d']:>5} {r['dtype']:>8} {r['products']:>8} "
                f"{r['matmul_ms']:>10.3f} {r['bound_ms']:>9.3f} "
                f"{r['step_ms']:>8.3f} {r['ratio']:>10.2f} {r['loop_ratio']:>10.3f} "
                f"{r['autograd_ms']:>11.3f} "
                f"{r['autograd_ratio']:>13.2f}"
            )


if __name__ == "__main__":
    main()
