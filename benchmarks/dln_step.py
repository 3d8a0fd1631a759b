"""Time one GD step of a wide deep linear network against the matmul bound measured in
the same run.

A closed-form step for L layers on whitened data performs 3L − 3 products of d×d
matrices (L − 1 prefix products, L − 1 backward products, L − 1 layer gradients). The
bound is that many bare ``A @ B`` calls, timed here; the ratio step / bound says how
much the rest (elementwise work, Python) costs. "loop" is the same step inside
``lrdlib.train.train`` (objective, divergence guard, update), so loop/step is the
training loop's overhead. Also prints autograd's time for the same step, the reference
the tests compare against.

    python benchmarks/dln_step.py [--widths 256 512 1024] [--depth 3] [--repeats 20]
"""

from __future__ import annotations

import argparse

import torch

import lrdlib
from lrdlib import data, init, losses, models, train
from lrdlib.benchmarks import median_time


def bench(d: int, depth: int, dtype, repeats: int) -> dict:
    weights = init.orthogonal_init([d] * (depth + 1), 1.0, seed=0, dtype=dtype)
    loss = losses.Regression.from_target(
        data.low_rank_target(d, d, 5, seed=1, dtype=dtype)
    )
    lr = 1e-3

    def closed_form_step():
        _, grads = models.dln_gradients(weights, loss)
        for W, g in zip(weights, grads):
            W.sub_(g, alpha=lr)

    leaves = [W.clone().requires_grad_(True) for W in weights]

    def autograd_step():
        value = 0.5 * ((models.end_to_end(leaves) - loss.phi) ** 2).sum()
        grads = torch.autograd.grad(value, leaves)
        with torch.no_grad():
            for W, g in zip(leaves, grads):
                W.sub_(g, alpha=lr)

    A, B = torch.randn(d, d, dtype=dtype), torch.randn(d, d, dtype=dtype)
    n_products = models.step_flops([tuple(W.shape) for W in weights]) // (2 * d**3)
    objective = train.dln_objective(loss)
    n_loop = 10

    def loop_steps():
        train.train(weights, objective, lr, n_loop - 1, record_every=None)

    matmul = median_time(lambda: A @ B, repeats)
    step = median_time(closed_form_step, repeats)
    loop = median_time(loop_steps, max(3, repeats // 4)) / n_loop
    auto = median_time(autograd_step, max(3, repeats // 2))
    return dict(
        d=d,
        dtype=str(dtype).replace("torch.", ""),
        products=n_products,
        matmul_ms=1e3 * matmul,
        bound_ms=1e3 * n_products * matmul,
        step_ms=1e3 * step,
        ratio=step / (n_products * matmul),
        loop_ms=1e3 * loop,
        loop_ratio=loop / step,
        autograd_ms=1e3 * auto,
        autograd_ratio=auto / step,
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
        f"{'step ms':>8} {'step/bound':>10} {'loop ms':>8} {'loop/step':>9} "
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
                f"{r['step_ms']:>8.3f} {r['ratio']:>10.2f} {r['loop_ms']:>8.3f} "
                f"{r['loop_ratio']:>9.3f} {r['autograd_ms']:>11.3f} "
                f"{r['autograd_ratio']:>13.2f}"
            )


if __name__ == "__main__":
    main()
