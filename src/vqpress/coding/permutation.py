"""A permutation of ``n`` symbols as one integer below ``n!``: its rank in lexicographic
order (the Lehmer code read as a mixed-radix number), docs/FORMAT.md "Payload layout,
version 2".

The "cm" payload of version 2 stores its symbol order this way: ``ceil(log2(n!) / 8)``
bytes (211 at 256 symbols, where the order as bytes takes 256), the least a permutation
of equally likely ones can take, rounded up to a byte.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from vqpress.errors import FormatError

__all__ = ["rank", "unrank", "rank_bytes"]


def rank_bytes(n: int) -> int:
    """Bytes of the rank of a permutation of ``n`` symbols: ``ceil(bitlength(n! - 1) / 8)``."""
    return -(-(math.factorial(n) - 1).bit_length() // 8)


def rank(order) -> int:
    """Lexicographic rank of the permutation ``order`` of 0..n-1 (0 for the identity).

    ``rank = sum(d[i] * (n - 1 - i)!)`` where ``d[i]`` is the number of symbols after
    position ``i`` smaller than ``order[i]`` (its index among the symbols not yet placed).

    Examples
    --------
    >>> rank([0, 1, 2]), rank([0, 2, 1]), rank([2, 1, 0])
    (0, 1, 5)
    """
    left = list(range(len(order)))
    value = 0
    for symbol in (int(s) for s in order):
        d = left.index(symbol)
        del left[d]
        value = value * (len(left) + 1) + d
    return value


def unrank(value: int, n: int) -> np.ndarray:
    """The permutation of 0..n-1 of lexicographic rank ``value``; a FormatError unless
    ``0 <= value < n!``.

    Examples
    --------
    >>> unrank(5, 3).tolist()
    [2, 1, 0]
    """
    if not 0 <= value < math.factorial(n):
        raise FormatError(f"symbol order rank {value} is not below {n}! (a permutation of {n} symbols)")
    return np.array(_unranked(value, n), dtype=np.int64)


@functools.lru_cache(maxsize=4)
def _unranked(value: int, n: int) -> tuple:
    """(a file's reader unranks its order twice: for the codebook and for the payload)"""
    digits = []
    for radix in range(1, n + 1):  # the last digit has radix 1, the first radix n
        value, d = divmod(value, radix)
        digits.append(d)
    left = list(range(n))
    return tuple(left.pop(d) for d in reversed(digits))
