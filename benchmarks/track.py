"""The cost of one ``lrdlib.track.UpdateTracker.record`` beside a training step.

An MLP of about ten million weights, ``[d, m, m, m, 10]`` with GELU (plain
``torch.nn.Sequential``), trained by SGD on batches of 256 random inputs; per width:
the median seconds of one training step (forward, backward, SGD update), of one
record with rank 10 (an SVD of every ``ΔW``, snapshots on the CPU), and their ratio,
measured in this run.

    python benchmarks/track.py [--widths 1024 2048] [--rank 10]
"""

from __future__ import annotations

import argparse

import torch

import lrdlib
from lrdlib import track
from lrdlib.book.benchmarks import device_and_name, median_time

INPUTS, CLASSES, BATCH = 784, 10, 256


def mlp(width: int) -> torch.nn.Sequential:
    return torch.nn.Sequential(
        torch.nn.Linear(INPUTS, width),
        torch.nn.GELU(),
        torch.nn.Linear(width, width),
        torch.nn.GELU(),
        torch.nn.Linear(width, width),
        torch.nn.GELU(),
        torch.nn.Linear(width, CLASSES),
    )


def measure(width: int, rank: int, device: str) -> tuple[int, float, float]:
    """Parameters, seconds per training step and seconds per record at ``width``."""
    torch.manual_seed(0)
    model = mlp(width).to(device)
    X = torch.randn(BATCH, INPUTS, device=device)
    y = torch.randint(0, CLASSES, (BATCH,), device=device)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.01)

    def step():
        loss = torch.nn.functional.cross_entropy(model(X), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()

    tracker = track.UpdateTracker(model, rank=rank)
    step()  # every ΔW non-zero
    step_s = median_time(step, repeats=10)
    record_s = median_time(lambda: tracker.record(0), repeats=3, warmup=1)
    return sum(p.numel() for p in model.parameters()), step_s, record_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[1024, 2048])
    parser.add_argument("--rank", type=int, default=10)
    args = parser.parse_args()
    device, name = device_and_name()
    print(f"lrdlib {lrdlib.__version__}, torch {torch.__version__}, {device} ({name})")
    head = (
        f"{'width':>5} {'params':>10} {'step s':>8} {'record s':>9} {'record/step':>11}"
    )
    print(head + "\n" + "-" * len(head))
    for width in args.widths:
        params, step_s, record_s = measure(width, args.rank, device)
        print(
            f"{width:>5} {params:>10} {step_s:>8.3f} {record_s:>9.2f} "
            f"{record_s / step_s:>11.0f}"
        )


if __name__ == "__main__":
    main()
