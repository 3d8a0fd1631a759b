"""Wide vs compressed vs narrow deep linear networks across widths (regression).

For each width d: seconds per iteration (median of short runs after a warm-up),
FLOPs per iteration, iterations and seconds to reach loss ≤ tol, and the one-off setup
of the compression, all measured in this run. The narrow network is the papers'
baseline: an ordinary network d → 2r → … → 2r → d, every layer ε-orthogonal, all layers
at the full step. The protocol lives in ``lrdlib.book.benchmarks.compressed_vs_wide``.

    python benchmarks/compressed.py [--widths 128 256 512 1024] [--rank 5] [--tol 1e-9]
"""

from __future__ import annotations

import argparse

import torch

import lrdlib
from lrdlib.book.benchmarks import compressed_vs_wide


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[128, 256, 512, 1024])
    parser.add_argument("--rank", type=int, default=5)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--tol", type=float, default=1e-9)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--max-steps", type=int, default=20000)
    parser.add_argument(
        "--no-tolerance", action="store_true", help="skip the (slow) runs to tolerance"
    )
    args = parser.parse_args()
    print(
        f"lrdlib {lrdlib.__version__}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, float64, L = {args.depth}, "
        f"r = {args.rank}, ε = 1e-2, η = 0.1, tol = {args.tol:g}"
    )
    head = (
        f"{'d':>5} | {'wide ms/it':>10} {'comp ms/it':>10} {'narrow ms/it':>12} | "
        f"{'speed-up/it':>11} {'FLOP ratio':>10} | {'wide its':>8} {'comp its':>8} "
        f"{'narrow its':>10} {'narrow/wide':>11} | {'wide s':>7} {'comp s':>7} "
        f"{'setup s':>7} {'time ratio':>10}"
    )
    print(head)
    print("-" * len(head))
    for d in args.widths:
        r = compressed_vs_wide(
            d,
            args.rank,
            args.depth,
            tol=args.tol,
            repeats=args.repeats,
            to_tolerance=not args.no_tolerance,
            max_steps=args.max_steps,
        )
        line = (
            f"{d:>5} | {1e3 * r.wide.iter_s:>10.3f} {1e3 * r.compressed.iter_s:>10.4f} "
            f"{1e3 * r.narrow.iter_s:>12.3f} | "
            f"{r.wide.iter_s / r.compressed.iter_s:>11.1f} "
            f"{r.wide.flops / r.compressed.flops:>10.0f} |"
        )
        if not args.no_tolerance:
            narrow = r.narrow.iterations or f">{args.max_steps}"
            ratio = (r.narrow.iterations or float("inf")) / r.wide.iterations
            total = r.compressed.seconds + r.setup_s
            line += (
                f" {r.wide.iterations!s:>8} {r.compressed.iterations!s:>8} "
                f"{narrow!s:>10} {ratio:>11.2f} | {r.wide.seconds:>7.2f} "
                f"{r.compressed.seconds:>7.3f} {r.setup_s:>7.3f} "
                f"{r.wide.seconds / total:>10.1f}"
            )
        print(line, flush=True)


if __name__ == "__main__":
    main()
