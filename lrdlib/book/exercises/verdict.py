"""How every checker reports: right, or what is wrong with a hint, never the answer.

Besides :func:`verdict`, the helpers that read the reader's answer: each returns the
value, or ``None`` and a message that says what is wrong with the answer (its type, its
length, its shape) and ends with the caller's "Hint: …".
"""

from __future__ import annotations

import torch

_FAILED = (TypeError, ValueError, RuntimeError)


def verdict(wrong: list[str], right: str) -> bool:
    """Print the first mismatch or ``right``; return whether all matched.

    Each entry of ``wrong`` says what is wrong with the reader's answer and ends with
    "Hint: …", a pointer to the likely mistake; none gives the expected answer.
    """
    if wrong:
        print("wrong:", wrong[0])
        return False
    print("correct:", right)
    return True


def _kind(value) -> str:
    """What ``value`` is, for a message: ``an int``, ``a Tensor of shape (3,)``."""
    if isinstance(value, float):
        return f"{value:g}"
    name = type(value).__name__
    shape = getattr(value, "shape", None)
    of_shape = f" of shape {tuple(shape)}" if shape is not None else ""
    return f"{'an' if name[0] in 'aeiouAEIOU' else 'a'} {name}{of_shape}"


def as_tensor(
    value, what: str, hint: str, shape: tuple[int, ...] | None = None
) -> tuple[torch.Tensor | None, str]:
    """``value`` as a float64 tensor, or ``None`` and what is wrong with it.

    ``what`` names the answer ("your Q"). It is wrong when it is not array-like, or,
    with ``shape`` given, has another shape; the message then states ``shape``, which
    is part of the exercise, never an expected value. The tensor is detached.
    """
    try:
        tensor = torch.as_tensor(value, dtype=torch.float64).detach()
    except _FAILED:
        return None, f"{what} is {_kind(value)}, not a tensor. Hint: {hint}"
    if shape is not None and tuple(tensor.shape) != tuple(shape):
        return None, (
            f"{what} has shape {tuple(tensor.shape)}, it should be {tuple(shape)}. "
            f"Hint: {hint}"
        )
    return tensor, ""


def as_tensors(
    values, what: str, hint: str, shapes: list[tuple[int, ...] | None] | None = None
) -> tuple[list[torch.Tensor] | None, str]:
    """``values`` as a list of float64 tensors, or ``None`` and what is wrong with it.

    ``what`` names the list ("your chain"), its entries are counted from 1. With
    ``shapes`` given, there must be one tensor per entry of ``shapes``, each of that
    shape (any shape where the entry is ``None``).
    """
    try:
        items = list(values)
    except _FAILED:
        return None, f"{what} is {_kind(values)}, not a list of tensors. Hint: {hint}"
    if shapes is not None and len(items) != len(shapes):
        return None, (
            f"{what} has {len(items)} entries, not {len(shapes)}. Hint: {hint}"
        )
    tensors = []
    for i, item in enumerate(items):
        shape = None if shapes is None else shapes[i]
        tensor, problem = as_tensor(item, f"entry {i + 1} of {what}", hint, shape)
        if tensor is None:
            return None, problem
        tensors.append(tensor)
    return tensors, ""


def as_number(value, what: str, hint: str) -> tuple[float | None, str]:
    """``value`` as a float, or ``None`` and what is wrong with it."""
    try:
        return float(value), ""
    except _FAILED:
        return None, f"{what} is {_kind(value)}, not a number. Hint: {hint}"


def as_int(value, what: str, hint: str) -> tuple[int | None, str]:
    """``value`` as an int, or ``None`` and what is wrong unless it is a whole number.

    A whole float (``3.0``) or a one-element tensor counts; a bool does not.
    """
    number = None if isinstance(value, bool) else as_number(value, what, hint)[0]
    if number is None or not number.is_integer():
        got = f"{number:g}" if isinstance(number, float) else _kind(value)
        return None, f"{what} is {got}, not a whole number. Hint: {hint}"
    return int(number), ""


def as_numbers(
    value, n: int, what: str, hint: str, whole: bool = False
) -> tuple[tuple | None, str]:
    """``value`` as ``n`` floats (ints if ``whole``), or ``None`` and what is wrong."""
    kind = "whole numbers" if whole else "numbers"
    try:
        items = tuple(value)
    except _FAILED:
        return None, f"{what} should be {n} {kind}, not {_kind(value)}. Hint: {hint}"
    if len(items) != n:
        return None, (
            f"{what} should be {n} {kind}, you returned {len(items)}. Hint: {hint}"
        )
    read = as_int if whole else as_number
    numbers = tuple(read(item, what, hint)[0] for item in items)
    if None in numbers:
        bad = items[numbers.index(None)]
        return None, (f"{what} should be {n} {kind}, one is {_kind(bad)}. Hint: {hint}")
    return numbers, ""


def relative_error(A: torch.Tensor, B: torch.Tensor) -> float:
    """``‖A − B‖ / ‖B‖`` (Frobenius), with ``‖B‖ = 0`` read as 1."""
    scale = float(torch.linalg.vector_norm(B)) or 1.0
    return float(torch.linalg.vector_norm(A - B)) / scale
