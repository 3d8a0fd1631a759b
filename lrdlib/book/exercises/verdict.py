"""How every checker reports: right, or what is wrong with a hint, never the answer."""

from __future__ import annotations


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
