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

``import lrdlib`` needs only torch, numpy, scipy and tqdm. The book's own layer,
``lrdlib.book`` (figures, sliders, exercise checkers, benchmark timings), needs the
``[book]`` extra (``pip install "lrdlib[book]"``); it imports the core, never the
reverse.

The version is printed in every chapter's setup cell, so a reader can tell which library
made a figure; it changes whenever lrdlib's behaviour does (see CHANGELOG.md).
"""

__version__ = "1.2.0"

from . import (  # noqa: E402
    activations,
    adapters,
    data,
    init,
    losses,
    measures,
    models,
    precision,
    rng,
    subspaces,
    theory,
    track,
    train,
    vision,
)

__all__ = [
    "activations",
    "adapters",
    "data",
    "init",
    "losses",
    "measures",
    "models",
    "precision",
    "rng",
    "subspaces",
    "theory",
    "track",
    "train",
    "vision",
]
