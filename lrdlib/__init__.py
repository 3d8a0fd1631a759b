"""lrdlib: the gradient-descent core of the book *Low-Rank Training Dynamics*.

One module per concept; chapters call ``lrdlib.<module>.<function>``:

- ``precision``: default dtype and tolerances that scale with it
- ``rng``: the seed rule and the Haar sampler
- ``data``: whitening, synthetic data, classification data sets
- ``init``: orthogonal, Gaussian and uniform initialisations
- ``activations``: φ and φ' for the MLP theory
- ``losses``: DLN and MLP losses, one reduction rule
- ``models``: deep linear, two-layer, deep and low-rank MLPs, the compressed networks
- ``adapters``: vanilla LoRA, Deep LoRA and the compressed deep adapter of a frozen MLP
- ``vision``: small image classifiers (linear, MLP, CNN, ViT) and the hybrid network
- ``train``: the training loop, its objectives and recorders
- ``subspaces``: the gradient subspace at initialisation and bases built from it
- ``measures``: angles, energy fractions, ranks, class separation, accuracy
- ``theory``: mode dynamics and the ρ recursions
- ``track``: where any ``torch.nn.Module``'s weight updates lie, over its own training
- ``plots``, ``widgets``, ``exercises``, ``benchmarks``: figures, sliders, checkers,
    timings

The version is printed in every chapter's setup cell, so a reader can tell which library
made a figure; it changes whenever lrdlib's behaviour does (see CHANGELOG.md).
"""

__version__ = "0.5.0"

from . import (  # noqa: E402
    activations,
    adapters,
    benchmarks,
    data,
    exercises,
    init,
    losses,
    measures,
    models,
    plots,
    precision,
    rng,
    subspaces,
    theory,
    track,
    train,
    vision,
    widgets,
)

__all__ = [
    "activations",
    "adapters",
    "benchmarks",
    "data",
    "exercises",
    "init",
    "losses",
    "measures",
    "models",
    "plots",
    "precision",
    "rng",
    "subspaces",
    "theory",
    "track",
    "train",
    "vision",
    "widgets",
]
