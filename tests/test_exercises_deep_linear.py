"""The checkers of Part I (deep linear networks):
right answers pass; wrong ones fail with a hint, never the answer."""

import math

import torch
from scipy.integrate import quad

from lrdlib import losses, models, rng, theory
from lrdlib.book import exercises

HALF_TIME_MODES = ((1.0, 1e-3, 1e-3), (4.0, 1e-2, 5e-4), (2.0, 1e-4, 1e-3))
DEEP_MODES = ((1.0, 1e-3, 3, 1e-2), (0.5, 1e-3, 3, 1e-2), (2.0, 1e-2, 4, 2e-3))


def gd_steps(s, sigma0, depth, lr, n_steps):
    """The GD half-learning time the checkers measure, as they could print it."""
    return theory.learning_time(
        theory.mode_gd(s, sigma0 ** (1 / depth), depth, lr, n_steps), s
    )


def test_dln_gradients_checker(judge):
    def right(weights, X, Y):
        return models.dln_gradients(weights, losses.Regression.from_data(X, Y))[1]

    def transposed(weights, X, Y):
        return [g.T if g.shape[0] == g.shape[1] else g for g in right(weights, X, Y)]

    assert judge(exercises.check_dln_gradients, right)
    assert not judge(exercises.check_dln_gradients, transposed)
    assert not judge(exercises.check_dln_gradients, lambda w, X, Y: right(w, X, Y)[:-1])
    assert not judge(
        exercises.check_dln_gradients, lambda w, X, Y: right(w, X, Y)[::-1]
    )


def test_half_time_checker(judge):
    def right(s, sigma0, lr):
        return math.log(s / sigma0 - 1) / (2 * s) / lr

    hidden = [
        str(gd_steps(s, sigma0, 2, lr, int(20 / (s * lr))))
        for s, sigma0, lr in HALF_TIME_MODES
    ]
    assert judge(exercises.check_half_time, right)
    assert not judge(
        exercises.check_half_time,
        lambda s, sigma0, lr: right(s, sigma0, lr) * 2,
        hidden=hidden,
    )
    assert not judge(
        exercises.check_half_time,
        lambda s, sigma0, lr: right(s, sigma0, lr) * lr,  # forgot to divide by η
        hidden=hidden,
    )


def test_half_learned_scale_checker(judge):
    hidden = [f"{(1 / 2) ** (1 / 3):.4f}", f"{2 ** (1 / 2):.4f}"]
    assert judge(exercises.check_half_learned_scale, lambda s, L: (s / 2) ** (1 / L))
    assert not judge(
        exercises.check_half_learned_scale, lambda s, L: s ** (1 / L), hidden=hidden
    )


def test_deep_half_time_checker(judge):
    def right(s, sigma0, depth, lr):
        def dtau(u):  # with σ = u^L the integrand of dσ / (L σ^{2−2/L} (s − σ))
            return 1 / (u ** (depth - 1) * (s - u**depth))

        return quad(dtau, sigma0 ** (1 / depth), (s / 2) ** (1 / depth))[0] / lr

    def plateau_only(s, sigma0, depth, lr):
        return sigma0 ** (2 / depth - 1) / (s * (depth - 2)) / lr

    hidden = [
        str(gd_steps(s, sigma0, depth, lr, int(3 * plateau_only(s, sigma0, depth, lr))))
        for s, sigma0, depth, lr in DEEP_MODES
    ]
    assert judge(exercises.check_deep_half_time, right)
    assert not judge(exercises.check_deep_half_time, plateau_only, hidden=hidden)
    assert not judge(
        exercises.check_deep_half_time,
        lambda s, sigma0, depth, lr: math.log(s / sigma0 - 1) / (2 * s) / lr,
        hidden=hidden,
    )


def test_whitening_rotation_checker(judge):
    assert judge(
        exercises.check_whitening_rotation, lambda Tz, Tp: Tz @ torch.linalg.inv(Tp)
    )
    assert not judge(exercises.check_whitening_rotation, lambda Tz, Tp: Tz @ Tp.T)
    assert not judge(exercises.check_whitening_rotation, lambda Tz, Tp: Tz[:2])


def test_largest_components_checker(judge):
    def right(X):
        return int(torch.linalg.matrix_rank(X - X.mean(dim=1, keepdim=True)))

    hidden = ["k = 5", "k = 4", "k = 7"]
    assert judge(exercises.check_largest_components, right)
    assert not judge(
        exercises.check_largest_components, lambda X: min(X.shape), hidden=hidden
    )


def test_zca_whitening_checker(judge):
    def svd_parts(X):
        Xc = X - X.mean(dim=1, keepdim=True)
        return torch.linalg.svd(Xc, full_matrices=False)

    def right(X):
        U, _, Vh = svd_parts(X)
        return U @ Vh

    def not_centred(X):
        U, _, Vh = torch.linalg.svd(X, full_matrices=False)
        return U @ Vh

    assert judge(exercises.check_zca_whitening, right)
    assert not judge(exercises.check_zca_whitening, not_centred)
    assert not judge(exercises.check_zca_whitening, lambda X: svd_parts(X)[2])  # PCA
    assert not judge(  # S kept: centred, not white
        exercises.check_zca_whitening,
        lambda X: (lambda U, S, Vh: U @ torch.diag(S) @ Vh)(*svd_parts(X)),
    )


def test_least_squares_map_checker(judge):
    def right(X, Y):
        return torch.linalg.lstsq(X.T, Y.T).solution.T

    assert judge(exercises.check_least_squares_map, right)
    assert not judge(exercises.check_least_squares_map, lambda X, Y: Y @ X.T)
    assert not judge(exercises.check_least_squares_map, lambda X, Y: right(X, Y).T)


def test_orthogonal_sampler_checker(judge):
    def no_fix(n, g):
        return torch.linalg.qr(torch.randn(n, n, generator=g, dtype=torch.float64))[0]

    def signed_identity(n, g):  # orthogonal and symmetric in sign, but not Haar
        sign = 1.0 if torch.rand(1, generator=g) < 0.5 else -1.0
        return sign * torch.eye(n, dtype=torch.float64)

    assert judge(
        exercises.check_orthogonal_sampler, lambda n, g: rng.haar_orthogonal(n, n, g)
    )
    assert not judge(exercises.check_orthogonal_sampler, no_fix)
    assert not judge(exercises.check_orthogonal_sampler, signed_identity)
    assert not judge(
        exercises.check_orthogonal_sampler,
        lambda n, g: torch.randn(n, n, generator=g, dtype=torch.float64),
    )


def test_semi_orthogonal_checker(judge):
    def right(rows, cols, g):
        return rng.haar_orthogonal(rows, cols, g)

    def qr_as_given(rows, cols, g):  # the QR of a wide matrix has a square Q
        A = torch.randn(rows, cols, generator=g, dtype=torch.float64)
        Q, R = torch.linalg.qr(A)
        return Q * torch.sign(torch.diagonal(R))

    def no_fix(rows, cols, g):
        A = torch.randn(max(rows, cols), min(rows, cols), generator=g)
        Q = torch.linalg.qr(A.double())[0]
        return Q if rows >= cols else Q.T

    assert judge(exercises.check_semi_orthogonal, right)
    assert not judge(exercises.check_semi_orthogonal, qr_as_given)
    assert not judge(exercises.check_semi_orthogonal, no_fix)


def test_unused_decay_checker(judge):
    def right(eps, lr, n_steps, depth):
        return theory.rho_square(eps, lr, n_steps, depth)

    def half_exponent(eps, lr, n_steps, depth):  # ρ^{L−1} instead of ρ^{2(L−1)}
        rho = [eps]
        for _ in range(n_steps):
            rho.append(rho[-1] * (1 - lr * rho[-1] ** (depth - 1)))
        return rho

    hidden = [f"{right(1.0, 0.05, 100, 3)[-1]:g}"]
    assert judge(exercises.check_unused_decay, right)
    assert not judge(exercises.check_unused_decay, half_exponent, hidden=hidden)
    assert not judge(
        exercises.check_unused_decay, lambda eps, lr, n, L: right(eps, lr, n, L)[1:]
    )


def test_balance_drift_checker(judge):
    def right(weights, grads, lr):
        return [
            lr**2 * (Gb.T @ Gb - Ga @ Ga.T) for Ga, Gb in zip(grads[:-1], grads[1:])
        ]

    def flipped(weights, grads, lr):
        return [-D for D in right(weights, grads, lr)]

    def both_added(weights, grads, lr):  # the two η² terms added, not subtracted
        return [
            lr**2 * (Gb.T @ Gb + Ga @ Ga.T) for Ga, Gb in zip(grads[:-1], grads[1:])
        ]

    assert judge(exercises.check_balance_drift, right)
    assert not judge(exercises.check_balance_drift, flipped)
    assert not judge(exercises.check_balance_drift, both_added)
