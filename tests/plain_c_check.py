"""Run by tests/test_plain_c_build.py under a build of vqpress (the one first on sys.path): every
level of the cm coding, on maps made here, coded strip by strip and decoded back; prints one
line a case, its name and the sha256 of its streams. Two builds that print the same lines
write the same bytes (and read them back exactly: a decode that differs stops with an error).

    python tests/plain_c_check.py
"""

from __future__ import annotations

import hashlib
import sys

import numpy as np


def maps():
    """(name, map, n): smooth regions with noise, speckle, and flat maps, at the alphabet sizes
    the levels take (2-4, 5-16, 17-64, 65-256)."""
    rng = np.random.default_rng(20261205)
    yy, xx = np.mgrid[:37, :53]
    for n in (2, 4, 8, 16, 24, 64, 200, 256):
        smooth = ((np.sin(yy / 5.0) + np.cos(xx / 7.0) + 2) / 4 * n).astype(int)
        noisy = np.where(rng.random(smooth.shape) < 0.15, rng.integers(0, n, smooth.shape), smooth)
        yield f"noisy-{n}", np.clip(noisy, 0, n - 1).astype(np.uint8), n
        yield f"speckle-{n}", rng.integers(0, n, (23, 41)).astype(np.uint8), n
    yield "flat-5", np.full((9, 7), 3, np.uint8), 5
    yield "column-17", rng.integers(0, 17, (40, 1)).astype(np.uint8), 17


def takes(level: int, model: int, n: int, levels, ordered: int) -> bool:
    """Whether ``level`` codes ``n`` symbols under ``model`` (docs/FORMAT.md, each level's limits)."""
    if level in levels.PALETTE_ONLY:
        if model == ordered:
            return False
        if level == levels.PALETTE_SYMBOL_TRIPLES:
            return n <= 16
        if level == levels.PALETTE_SYMBOL_JOINT:
            return n > 16
        return True
    if level in (levels.PREDICTED, *levels.TABLE_LEVELS):
        if model != ordered or n > levels.MAX_TABLE_LEVELS:
            return False
        return n <= levels.MAX_EXACT_LEVELS if level == levels.EXACT_TABLES else True
    return model != ordered or n <= levels.MAX_ORDERED_SYMBOLS


def main() -> None:
    from vqpress.coding import _cm
    from vqpress.coding import levels

    models = (_cm.MODEL_ORDERED, _cm.MODEL_PALETTE)
    for name, m, n in maps():
        for model in models:
            for level in levels.LEVELS:
                if not takes(level, model, n, levels, _cm.MODEL_ORDERED):
                    continue
                rows = max(1, m.shape[0] // 2)  # two strips (three for odd heights), decoded in parallel
                bits = levels.MIN_TABLE_BITS if level in levels.NO_TABLES else 12
                streams = _cm.encode_strips(m, n, model, level, bits, rows)
                payload = np.frombuffer(b"".join(streams), np.uint8)
                sizes = np.array([len(s) for s in streams], np.intp)
                offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
                out = np.full(m.shape, 255, np.uint8)
                bad = _cm.decode_strips(payload, offsets, sizes, out, n, model, level, bits, rows)
                if bad or not np.array_equal(out, m):
                    sys.exit(f"{name} model {model} level {level}: decoded wrong (strips {bad})")
                digest = hashlib.sha256(b"".join(streams)).hexdigest()[:16]
                print(f"{name} model {model} level {level}: {len(payload)} bytes {digest}")


if __name__ == "__main__":
    main()
