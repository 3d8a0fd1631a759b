"""The checkers of Part IV on hybrid networks and Deep LoRA:
right answers pass; wrong ones fail with a hint, never the answer."""

import numpy as np
import torch

from lrdlib import adapters, measures, models
from lrdlib.book import exercises

# a checker that prints no digit cannot print a reference value (a rank, a score)
NO_NUMBER = list("0123456789")


def test_compressing_map_checker(judge):
    diag = torch.diag(torch.tensor([1.0, 0.1], dtype=torch.float64))
    assert judge(exercises.check_compressing_map, lambda: diag)
    # a uniform scaling keeps C; no map is the answer to give away, only the property
    assert not judge(
        exercises.check_compressing_map,
        lambda: 3 * torch.eye(2),
        hidden=["0.1", "1/10"],
    )
    assert not judge(exercises.check_compressing_map, lambda: torch.zeros(2, 2))
    assert not judge(exercises.check_compressing_map, lambda: torch.ones(3))


def _sv_counts(H, share, *, squared=False, centred=False):
    if centred:
        H = H - H.mean(dim=1, keepdim=True)
    s = torch.linalg.svdvals(H) ** (2 if squared else 1)
    return int((torch.cumsum(s, 0) / s.sum() < share - 1e-12).sum()) + 1


def test_singular_value_rank_checker(judge):
    def right(H, share):
        return _sv_counts(H, share)

    def energy(H, share):  # squares the singular values: the book's variant
        return _sv_counts(H, share, squared=True)

    def centred(H, share):  # subtracts the mean feature first
        return _sv_counts(H, share, centred=True)

    assert judge(exercises.check_singular_value_rank, right)
    assert judge(exercises.check_singular_value_rank, measures.singular_value_rank)
    for wrong in (energy, centred):
        assert not judge(
            exercises.check_singular_value_rank,
            wrong,
            hidden=NO_NUMBER,
        )
    assert not judge(exercises.check_singular_value_rank, lambda H, share: "many")


def test_class_mean_discrimination_checker(judge):
    def means_of(H, labels):
        K = int(labels.max()) + 1
        M = torch.stack([H[:, labels == k].mean(dim=1) for k in range(K)], dim=1)
        return M / M.norm(dim=0, keepdim=True)

    def right(H, labels):
        M = means_of(H, labels)
        cos = M.T @ M - 2 * torch.eye(M.shape[1], dtype=M.dtype)
        return float(1 - cos.max())

    def with_diagonal(H, labels):  # keeps k = k', so the answer is always 0
        M = means_of(H, labels)
        return float(1 - (M.T @ M).max())

    def centred(H, labels):  # the book's variant, not the paper's
        return measures.discrimination(H, labels, centred=True)

    assert judge(exercises.check_class_mean_discrimination, right)
    for wrong in (with_diagonal, centred):
        assert not judge(
            exercises.check_class_mean_discrimination,
            wrong,
            hidden=NO_NUMBER,
        )


def test_adapter_parameter_checker(judge):
    def right(d_out, d_in, r, depth):
        w = max(d_out, d_in)
        deep = w * d_in + (depth - 2) * w * w + d_out * w
        return r * (d_in + d_out), deep, r * (d_in + d_out) + depth * r * r

    def no_inner(*shape):  # forgets the compressed adapter's inner factors
        vanilla, deep, _ = right(*shape)
        return vanilla, deep, vanilla

    assert judge(exercises.check_adapter_parameters, right)
    # the reference counts of the first shape (12 × 20, r = 4, depth 3)
    assert not judge(
        exercises.check_adapter_parameters, no_inner, hidden=["176", "1040", "128"]
    )
    assert not judge(exercises.check_adapter_parameters, lambda *a: 5)


def test_compression_bases_checker(judge):
    def right(factors, G, k, eps):
        return models.compression_bases(factors, G, k, eps)

    def top_2k_only(factors, G, k, eps):  # the top 2k of the gradient, not k + k
        V = torch.linalg.svd(G)[2][: 2 * k].T
        return models.end_to_end(factors) @ V / eps ** len(factors), V

    def not_rescaled(factors, G, k, eps):  # forgets the 1/ε^L
        U, V = models.compression_bases(factors, G, k, eps)
        return U * eps ** len(factors), V

    assert judge(exercises.check_compression_bases, right)
    for wrong in (top_2k_only, not_rescaled):
        assert not judge(
            exercises.check_compression_bases, wrong, hidden=["(12, 4)", "expected"]
        )
    assert not judge(exercises.check_compression_bases, lambda f, G, k, eps: G[:, :k])


def test_update_rank_checker(judge):
    def right(dW, cap, floor):
        if torch.linalg.matrix_norm(dW, ord=2) <= floor:
            return 0
        return min(int(np.linalg.matrix_rank(dW.numpy())), cap)

    def frobenius_floor(dW, cap, floor):  # the floor on the wrong norm
        if torch.linalg.matrix_norm(dW) <= floor:
            return 0
        return min(int(np.linalg.matrix_rank(dW.numpy())), cap)

    def relative(dW, cap, floor):  # the book's 1 % variant, not matrix_rank
        s = torch.linalg.svdvals(dW)
        return 0 if s[0] <= floor else min(int((s > s[0] / 100).sum()), cap)

    assert judge(exercises.check_update_rank, right)
    for wrong in (frobenius_floor, relative):
        # the three reference ranks: 4 (tolerance), 8 (cap), 0 (floor)
        assert not judge(exercises.check_update_rank, wrong, hidden=["4", "8", "0"])


def test_lora_first_adam_step_checker(judge):
    def right(A, G, lr):
        return -lr * torch.sign(G @ A.T) @ A

    def gradient_step(A, G, lr):  # plain GD on B, not Adam
        return -lr * G @ A.T @ A

    assert judge(exercises.check_lora_first_adam_step, right)
    assert not judge(
        exercises.check_lora_first_adam_step, gradient_step, hidden=NO_NUMBER
    )
    assert not judge(
        exercises.check_lora_first_adam_step, lambda A, G, lr: -lr * torch.sign(G @ A.T)
    )


def test_spectral_chain_checker(judge):
    def right(surrogate, rank_hat, depth, eps):
        return models.spectral_compress(surrogate, rank_hat, depth, eps).layers()

    def with_singular_values(surrogate, rank_hat, depth, eps):  # ε U Σ, not ε U
        U, s, Vh = torch.linalg.svd(surrogate, full_matrices=False)
        inner = [eps * torch.eye(rank_hat, dtype=U.dtype)] * (depth - 2)
        return [eps * Vh[:rank_hat], *inner, eps * U[:, :rank_hat] * s[:rank_hat]]

    def swapped(surrogate, rank_hat, depth, eps):  # U on the input side
        U, _, Vh = torch.linalg.svd(surrogate, full_matrices=False)
        inner = [eps * torch.eye(rank_hat, dtype=U.dtype)] * (depth - 2)
        return [eps * U[:, :rank_hat].T, *inner, eps * Vh[:rank_hat].T]

    assert judge(exercises.check_spectral_chain, right)
    for wrong in (with_singular_values, swapped):
        assert not judge(
            exercises.check_spectral_chain, wrong, hidden=["(4, 10)", "(14, 4)"]
        )


def test_deep_factors_start_at_eps_to_the_depth():
    """The fact a new Deep LoRA exercise asks the reader to derive."""
    factors = adapters.deep_factors((12, 20), 3, 0.1, seed=0, width=4)
    s = torch.linalg.svdvals(models.end_to_end(factors))
    assert torch.allclose(s[:4], torch.full((4,), 0.1**3, dtype=s.dtype))
    assert s[4:].max() < 1e-12
