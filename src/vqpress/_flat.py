"""Data as the compiled scalar kernels read it: flat contiguous blocks, and bit patterns.

A C-contiguous array is one block (a view, nothing copied). Any other layout is walked in
slabs along its first axis, each slab copied to a contiguous buffer of bounded size, so a
strided view of a large image never costs a full copy.

8- and 16-bit data of any kind (unsigned, signed, float16) is read in place as unsigned
integers, its bit patterns: histograms count patterns, encoding looks codes up by pattern,
and :func:`pattern_values` says which value each pattern stands for.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

# Elements per slab copied out of a non-contiguous array.
SLAB = 1 << 22

#: 8- and 16-bit dtypes -> the unsigned dtype their data is read as.
PATTERNS = {np.dtype(t): np.dtype(np.uint8 if np.dtype(t).itemsize == 1 else np.uint16)
            for t in (np.uint8, np.int8, np.uint16, np.int16, np.float16)}


def pattern_values(dtype: np.dtype) -> np.ndarray:
    """The value (as float64) of every bit pattern of a dtype of :data:`PATTERNS`, in pattern
    order; ``nan`` for the NaN patterns of float16."""
    view = PATTERNS[np.dtype(dtype)]
    every = np.arange(1 << (8 * view.itemsize), dtype=np.uint32).astype(view).view(dtype)
    with np.errstate(invalid="ignore"):
        return every.astype(np.float64)


def flat_blocks(*arrays: np.ndarray, slab: int = SLAB, rows_multiple: int = 1) -> Iterator[tuple[np.ndarray, ...]]:
    """Walk same-shape ``arrays`` together, in C order, as 1-D contiguous blocks.

    Yields one tuple of blocks (one per array) at a time; the blocks of each tuple cover the
    same elements. Blocks of an array given C-contiguous are views of it (so blocks of an
    output array can be written to); other arrays' blocks are copies, and must only be read.
    Slabs hold a multiple of ``rows_multiple`` rows (all but the last; 8 makes every block
    but the last a multiple of 8 elements).
    """
    first = arrays[0]
    if all(a.flags.c_contiguous for a in arrays) or first.ndim == 0:
        yield tuple(a.reshape(-1) for a in arrays)
        return
    row = max(1, first[0].size if first.ndim > 1 else 1)
    step = max(rows_multiple, slab // row // rows_multiple * rows_multiple)
    for start in range(0, first.shape[0], step):
        yield tuple(
            a[start : start + step].reshape(-1) if a.flags.c_contiguous
            else np.ascontiguousarray(a[start : start + step]).reshape(-1)
            for a in arrays
        )
