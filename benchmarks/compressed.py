"""Wide vs compressed vs random-narrow deep linear networks across widths (whitened regression).

For each width d: seconds per iteration (median of short runs after a warm-up), FLOPs per iteration,
iterations and seconds to reach loss ≤ tol, and the one-off setup of the compression, all measured in
this run. The protocol lives in ``lrdlib.timing.compressed_vs_wide`` so the book's chapter runs the same code.

    python benchmarks/compressed.py [--widths 128 256 512 1024] [--rank 5] [--tol 1e-9]
"""

from __future__ import annotations

import argparse

import torch

import lrdlib
from lrdlib.timing import compressed_vs_wide


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[128, 256, 512, 1024])
    parser.add_argument("--rank", type=int, default=5)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--tol", type=float, default=1e-9)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--max-steps", type=int, default=20000)
    parser.add_argument("--no-tolerance", action="store_true", help="skip the (slow) runs to tolerance")
    args = parser.parse_args()
    print(f"lrdlib {lrdlib.__version__}, torch {torch.__version__}, {torch.get_num_threads()} threads, float64, "
          f"L = {args.depth}, r = {args.rank}, ε = 1e-2, η = 0.1, tol = {args.tol:g}")
    head = (f"{'d':>5} | {'wide ms/it':>10} {'comp ms/it':>10} {'narrow ms/it':>12} | {'speed-up/it':>11} "
            f"{'FLOP ratio':>10} | {'wide its':>8} {'comp its':>8} {'narrow its':>10} | {'wide s':>7} "
            f"{'comp s':>7} {'setup s':>7} {'time ratio':>10}")
    print(head)
    print("-" * len(head))
    for d in args.widths:
        r = compressed_vs_wide(d, args.rank, args.depth, tol=args.tol, repeats=args.repeats,
                               to_tolerance=not args.no_tolerance, max_steps=args.max_steps)
        line = (f"{d:>5} | {1e3 * r['wide_iter_s']:>10.3f} {1e3 * r['compressed_iter_s']:>10.4f} "
                f"{1e3 * r['narrow_iter_s']:>12.3f} | {r['wide_iter_s'] / r['compressed_iter_s']:>11.1f} "
                f"{r['wide_flops'] / r['compressed_flops']:>10.0f} |")
        if not args.no_tolerance:
            total = r["compressed_s"] + r["setup_s"]
            narrow = r["narrow_iters"] or f">{args.max_steps}"
            line += (f" {str(r['wide_iters']):>8} {str(r['compressed_iters']):>8} {narrow:>10} | "
                     f"{r['wide_s']:>7.2f} {r['compressed_s']:>7.3f} {r['setup_s']:>7.3f} {r['wide_s'] / total:>10.1f}")
        print(line, flush=True)
        if not args.no_tolerance and r["narrow_iters"] is None:
            print(f"      narrow: loss {r['narrow_final_loss']:.3g} after {args.max_steps} iterations "
                  f"(start {r['narrow_start_loss']:.3g}), tolerance not reached", flush=True)


if __name__ == "__main__":
    main()
