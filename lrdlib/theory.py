"""Closed-form and scalar dynamics that the chapters overlay on experiments.

Saxe et al. (2014): with whitened inputs, a target ``Φ = Σ_i s_i u_i v_iᵀ`` and a balanced init aligned
with its singular vectors, every mode evolves on its own. Each layer carries the scalar ``a_i`` and the
network's mode strength is ``σ_i = a_i^L``.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp


def mode_gd(s: float, a0: float, depth: int, lr: float, n_steps: int) -> np.ndarray:
    """Discrete GD of one aligned mode: ``a ← a + η a^{L−1} (s − a^L)``. Returns ``σ = a^L`` for t = 0..n."""
    a = np.empty(n_steps + 1)
    a[0] = a0
    for t in range(n_steps):
        a[t + 1] = a[t] + lr * a[t] ** (depth - 1) * (s - a[t] ** depth)
    return a**depth


def mode_flow(s: float, sigma0: float, depth: int, times: np.ndarray) -> np.ndarray:
    """Gradient flow of one mode's strength: ``dσ/dt = L σ^{2 − 2/L} (s − σ)``, at ``times`` (t in units of η·steps).

    ``L = 1`` is exponential, ``L = 2`` is Saxe's logistic ``σ(t) = s / (1 + (s/σ0 − 1) e^{−2 s t})``;
    deeper networks are integrated numerically (scipy ``solve_ivp``, rtol 1e-10).
    """
    times = np.asarray(times, dtype=float)
    if depth == 1:
        return s + (sigma0 - s) * np.exp(-times)
    if depth == 2:
        return s / (1 + (s / sigma0 - 1) * np.exp(-2 * s * times))
    rhs = lambda t, y: depth * np.abs(y) ** (2 - 2 / depth) * (s - y)  # noqa: E731
    sol = solve_ivp(rhs, (0, times.max()), [sigma0], t_eval=times, rtol=1e-10, atol=1e-14, method="LSODA")
    return sol.y[0]


def learning_time(curve: np.ndarray, target: float, fraction: float = 0.5) -> int:
    """First index at which ``curve`` reaches ``fraction · target`` (−1 if it never does)."""
    hit = np.nonzero(np.asarray(curve) >= fraction * target)[0]
    return int(hit[0]) if hit.size else -1
