"""The cost of adaptation and of compressed matrix completion.

1. Adapters: a frozen GELU MLP ``[m, m, m, 10]`` (orthogonal init, float32) adapted on
   every layer by vanilla LoRA (rank r), the overparameterised Deep LoRA (3 factors of
   width max(shape)) and the compressed Deep LoRA (rank r, ``adapters.compress_model``).
   Per width: seconds per full-batch AdamW step on 256 random inputs (median of 5 runs
   of 10 steps after a warm-up), trainable parameters, and two ratios measured in this
   run: the deep adapter's step time over this adapter's (``deep/this``: the
   compressed adapter's speed-up over Deep LoRA) and this adapter's over vanilla
   LoRA's (``this/vanilla``: what the compressed adapter costs beyond vanilla LoRA).
2. Deep matrix completion at Kwon et al. 2024's sizes: d = 100, r = 5, p = 0.3, depth
   3. Only the sizes are theirs. Their run (``fig_traj_mc.ipynb``) takes step 10 on the
   loss averaged over the observed entries, α = 5, a tolerance of 1e-12 and a target
   with graded singular values; here the loss is summed (½‖P_Ω(W − Y)‖²), η = 0.5,
   ε = 0.01, α = 2, the tolerance 1e-9 and the target the rank-r truncation of a
   Gaussian scaled to σ₁ = 1. The original width-d network, Yaras et al.'s compression
   (gradient subspaces, γ = 1) and Kwon et al.'s (spectral init, rank 2r): iterations
   and wall time until the loss is ≤ 1e-9, the ratios original / Kwon of both, the
   relative recovery error over all entries and Kwon et al.'s error (the mean squared
   error on the unobserved entries), for three seeds.

    python benchmarks/adapters.py [--widths 128 512 1024 2048]
        [--json benchmarks/results/adapters.json]
"""

from __future__ import annotations

import argparse
import json
import time

import torch

import lrdlib
from lrdlib import adapters, data, init, losses, models, train
from lrdlib.book.benchmarks import device_and_name, median_time

RANK, DEPTH, EPS, GAMMA, LR, BATCH = 8, 3, 1e-3, 1.0, 1e-3, 256
MC = {"d": 100, "r": 5, "p": 0.3, "depth": 3, "eps": 1e-2, "lr": 0.5, "tol": 1e-9}
MC_GAMMA, MC_ALPHA, MC_MAX_STEPS = 1.0, 2.0, 60000


def adapter_model(kind: str, width: int, device: str):
    """A frozen base of ``width`` with fresh adapters of ``kind``, its data and step
    multipliers."""
    W = init.orthogonal_init(
        [width, width, width, 10], 1.0, 0, dtype=torch.float32, device=device
    )
    X = torch.randn(width, BATCH, device=device)
    y = torch.randint(0, 10, (BATCH,), device=device)
    if kind == "vanilla":
        return adapters.adapted_mlp(W, "gelu", "lora", 1, rank=RANK), X, y, None
    deep = adapters.adapted_mlp(W, "gelu", "deep", 1, depth=DEPTH, eps=EPS)
    if kind == "deep":
        return deep, X, y, None
    objective = train.module_objective(deep, X, y, loss="ce", reduction="mean")
    model = adapters.compress_model(deep, objective, RANK, EPS)
    return model, X, y, adapters.outer_scales(model, GAMMA)


def step_seconds(kind: str, width: int, device: str) -> tuple[float, int]:
    model, X, y, scales = adapter_model(kind, width, device)
    objective = train.module_objective(model, X, y, loss="ce", reduction="mean")

    def ten_steps():
        train.train(
            model,
            objective,
            LR,
            9,
            optimizer="adamw",
            lr_scales=scales,
            record_every=None,
        )
        if device == "cuda":
            torch.cuda.synchronize()

    return median_time(ten_steps, repeats=5, warmup=1) / 10, models.n_trainable(model)


def completion_runs(seed: int) -> list[dict]:
    d, r, p, L, eps = MC["d"], MC["r"], MC["p"], MC["depth"], MC["eps"]
    Y = data.low_rank_target(d, d, r, seed=seed, top_singular_value=1.0)
    mask = data.observation_mask(d, d, p, seed=seed + 1)
    loss = losses.Completion(Y, mask)
    W0 = init.orthogonal_init([d] * (L + 1), eps, seed + 2)
    yaras = models.compress(W0, loss, r, eps)
    kwon = models.spectral_compress(mask * Y / p, 2 * r, L, eps)
    rows = []
    for name, chain, scales in (
        ("original", W0, None),
        ("Yaras et al.", yaras.layers(), yaras.lr_scales(MC_GAMMA)),
        ("Kwon et al.", kwon.layers(), kwon.lr_scales(MC_ALPHA)),
    ):
        start = time.perf_counter()
        run = train.train(
            chain,
            models.dln_objective(loss),
            MC["lr"],
            MC_MAX_STEPS,
            tol=MC["tol"],
            lr_scales=scales,
            record_every=None,
        )
        rows.append(
            {
                "seed": seed,
                "network": name,
                "iterations": run.converged_step,
                "seconds": time.perf_counter() - start,
                "recovery_error": loss.recovery_error(models.end_to_end(run.params)),
                "unobserved_mse": loss.unobserved_error(models.end_to_end(run.params)),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[128, 512, 1024, 2048])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args()
    device, name = device_and_name()
    print(
        f"lrdlib {lrdlib.__version__}, torch {torch.__version__}, {device} ({name})\n"
        f"adapters: rank {RANK}, Deep LoRA depth {DEPTH}, ε = {EPS}, AdamW, "
        f"batch {BATCH}, float32"
    )
    head = f"{'width':>5} {'adapter':>10} {'params':>9} {'ms/step':>9}"
    print(head + f" {'deep/this':>9} {'this/vanilla':>12}\n" + "-" * (len(head) + 23))
    rows = []
    for width in args.widths:
        measured = {
            k: step_seconds(k, width, device) for k in ("deep", "compressed", "vanilla")
        }
        for kind, (seconds, params) in measured.items():
            ratio = measured["deep"][0] / seconds
            over_vanilla = seconds / measured["vanilla"][0]
            rows.append(
                {
                    "width": width,
                    "adapter": kind,
                    "params": params,
                    "step_s": seconds,
                    "deep_over_this": ratio,
                    "this_over_vanilla": over_vanilla,
                }
            )
            print(
                f"{width:>5} {kind:>10} {params:>9} {1e3 * seconds:>9.2f} {ratio:>9.1f}"
                f" {over_vanilla:>12.2f}"
            )
    print(
        f"\nmatrix completion: d = {MC['d']}, r = {MC['r']}, p = {MC['p']}, depth "
        f"{MC['depth']}, ε = {MC['eps']}, η = {MC['lr']}, loss ≤ {MC['tol']:g}; "
        f"Yaras γ = {MC_GAMMA}, Kwon α = {MC_ALPHA} (rank 2r)"
    )
    head = (
        f"{'seed':>4} {'network':>13} {'iterations':>10} {'seconds':>8} {'recovery':>9}"
        f" {'unobs. MSE':>10}"
    )
    print(head + "\n" + "-" * len(head))
    completion = []
    for seed in args.seeds:
        runs = completion_runs(seed)
        for row in runs:
            completion.append(row)
            print(
                f"{seed:>4} {row['network']:>13} {row['iterations']!s:>10} "
                f"{row['seconds']:>8.2f} {row['recovery_error']:>9.1e} "
                f"{row['unobserved_mse']:>10.1e}"
            )
        original, kwon = runs[0], runs[2]
        if original["iterations"] and kwon["iterations"]:
            print(
                f"{seed:>4} original / Kwon et al.: "
                f"{original['iterations'] / kwon['iterations']:.2f}× the iterations, "
                f"{original['seconds'] / kwon['seconds']:.2f}× the time"
            )
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"adapters": rows, "completion": completion}, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
