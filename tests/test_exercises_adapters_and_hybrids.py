"""The checkers of Part IV on hybrid networks and Deep LoRA:
right answers pass; wrong ones fail with a hint, never the answer."""

import torch

from lrdlib import models
from lrdlib.book import exercises


def test_compressing_map_checker():
    diag = torch.diag(torch.tensor([1.0, 0.1], dtype=torch.float64))
    assert exercises.check_compressing_map(lambda: diag)
    assert not exercises.check_compressing_map(lambda: torch.eye(2))
    assert not exercises.check_compressing_map(lambda: torch.zeros(2, 2))


def test_adapter_parameter_checker():
    def right(d_out, d_in, r, depth):
        w = max(d_out, d_in)
        deep = w * d_in + (depth - 2) * w * w + d_out * w
        return r * (d_in + d_out), deep, r * (d_in + d_out) + depth * r * r

    assert exercises.check_adapter_parameters(right)
    # forgetting the compressed adapter's inner factors
    assert not exercises.check_adapter_parameters(
        lambda *a: (*right(*a)[:2], right(*a)[0])
    )


def test_compression_bases_checker():
    def right(factors, G, k, eps):
        return models.compression_bases(factors, G, k, eps)

    def top_2k_only(factors, G, k, eps):  # the top 2k of the gradient, not k + k
        V = torch.linalg.svd(G)[2][: 2 * k].T
        return models.end_to_end(factors) @ V / eps ** len(factors), V

    assert exercises.check_compression_bases(right)
    assert not exercises.check_compression_bases(top_2k_only)
