"""Closed-form and scalar dynamics that the chapters overlay on experiments.

Saxe et al. (2014): with whitened inputs, a target ``Φ = Σ_i s_i u_i v_iᵀ`` and a
balanced init aligned with its singular vectors, every mode evolves on its own; each
layer carries the scalar ``a_i`` and the network's mode strength is ``σ_i = a_i^L``.
Yaras et al. (2023): the ``d − 2r`` singular values outside the learning subspace all
follow one scalar ``ρ(t)``.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp


def mode_gd(s: float, a0: float, depth: int, lr: float, n_steps: int) -> np.ndarray:
    """GD of one aligned mode, ``a ← a + η a^{L−1} (s − a^L)``.

    Returns ``σ = a^L`` at ``t = 0, …, n_steps``, shape ``(n_steps + 1,)``.
    """
    a = np.empty(n_steps + 1)
    a[0] = a0
    for t in range(n_steps):
        a[t + 1] = a[t] + lr * a[t] ** (depth - 1) * (s - a[t] ** depth)
    return a**depth


def mode_flow(s: float, sigma0: float, depth: int, times: np.ndarray) -> np.ndarray:
    """Gradient flow of one mode, ``dσ/dt = L σ^{2 − 2/L} (s − σ)``, at ``times``.

    ``times`` are in units of η·steps. ``L = 1`` is exponential, ``L = 2`` is Saxe's
    logistic ``σ(t) = s / (1 + (s/σ0 − 1) e^{−2 s t})``; deeper networks are integrated
    numerically (scipy ``solve_ivp``, rtol 1e-10).
    """
    times = np.asarray(times, dtype=float)
    if depth == 1:
        return s + (sigma0 - s) * np.exp(-times)
    if depth == 2:
        return s / (1 + (s / sigma0 - 1) * np.exp(-2 * s * times))

    def rhs(t, y):
        return depth * np.abs(y) ** (2 - 2 / depth) * (s - y)

    sol = solve_ivp(
        rhs,
        (0, times.max()),
        [sigma0],
        t_eval=times,
        rtol=1e-10,
        atol=1e-14,
        method="LSODA",
    )
    return sol.y[0]


def learning_time(
    curve: np.ndarray, target: float, fraction: float = 0.5
) -> int | None:
    """First index at which ``curve`` reaches ``fraction · target``, else ``None``."""
    hit = np.nonzero(np.asarray(curve) >= fraction * target)[0]
    return int(hit[0]) if hit.size else None


def rho_square(
    eps: float, lr: float, n_steps: int, depth: int, *, weight_decay: float = 0.0
) -> np.ndarray:
    """ρ(t) for ``t = 0, …, n_steps`` with a square target, from ``ρ(0) = ε``.

    The recursion is ``ρ(t) = ρ(t−1) (1 − ηλ − η ρ(t−1)^{2(L−1)})``.
    """
    rho = np.empty(n_steps + 1)
    rho[0] = eps
    for t in range(1, n_steps + 1):
        rho[t] = rho[t - 1] * (
            1 - lr * weight_decay - lr * rho[t - 1] ** (2 * (depth - 1))
        )
    return rho


def rho_classification(
    eps: float, lr: float, n_steps: int, *, weight_decay: float = 0.0
) -> np.ndarray:
    """``ρ(t) = ε (1 − ηλ)^t`` for the layers ``l < L`` of a classification network.

    There the target has rank ``r = K = d_y`` and ``ρ`` changes only by weight decay.
    """
    return eps * (1 - lr * weight_decay) ** np.arange(n_steps + 1)
