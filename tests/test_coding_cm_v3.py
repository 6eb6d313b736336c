"""The x86-64-v3 builds of levels 6, 10, 18 and 21 (``_cm_palette6_v3``, ``_cm_palette21_v3``:
the same sources compiled for AVX2, chosen at import where the processor runs them): the same
bytes as the baseline builds both ways, damaged streams refused alike."""

import numpy as np
import pytest

from vqpress.coding import _cm
from vqpress.coding import levels as cm_levels

from cm_helpers import blobs
from test_coding_cm_level6 import speckled

V3 = _cm._use_v3(True)
needs_v3 = pytest.mark.skipif(not V3, reason="this processor does not run x86-64-v3 code")
LEVELS = [cm_levels.PALETTE_SYMBOL, cm_levels.PALETTE_SYMBOL_MIXED, cm_levels.PALETTE_SYMBOL_TRIPLES,
          cm_levels.PALETTE_SYMBOL_JOINT]


@pytest.fixture
def builds():
    """Run a function under each build: ``run(v3, fn)``; the v3 build is restored after."""
    def run(v3, fn):
        assert _cm._use_v3(v3) == v3
        try:
            return fn()
        finally:
            _cm._use_v3(True)
    yield run
    _cm._use_v3(True)


def maps(n):
    yield blobs(37, 53, n, seed=n)
    yield blobs(30, 41, n, seed=n + 1, noise=1.0)
    yield speckled(30, 40, n, seed=n)
    yield np.zeros((3, 1), np.uint8)


def strips(level, codes, n, rows):
    return _cm.encode_strips(codes, n, _cm.MODEL_PALETTE, level, 8, rows)


def decoded(level, streams, shape, n, rows):
    payload = np.frombuffer(b"".join(streams), np.uint8)
    sizes = np.array([len(s) for s in streams], np.intp)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
    out = np.full(shape, 255, np.uint8)
    bad = _cm.decode_strips(payload, offsets, sizes, out, n, _cm.MODEL_PALETTE, level, 8, rows)
    return out, bad


def test_the_baseline_build_can_always_be_chosen():
    assert _cm._use_v3(False) is False
    codes = blobs(20, 30, 64)
    streams = strips(cm_levels.PALETTE_SYMBOL, codes, 64, 7)
    np.testing.assert_array_equal(decoded(cm_levels.PALETTE_SYMBOL, streams, codes.shape, 64, 7)[0], codes)
    assert _cm._use_v3(True) is V3


@needs_v3
@pytest.mark.parametrize("level, n", [(level, n) for level in LEVELS for n in (2, 3, 5, 16, 17, 64, 65, 200, 256)
                                      if (level != cm_levels.PALETTE_SYMBOL_TRIPLES or n <= 16)  # (18: <= 16)
                                      and (level != cm_levels.PALETTE_SYMBOL_JOINT or n > 16)])  # (21: > 16)
def test_both_builds_write_the_same_bytes_and_read_each_others(builds, level, n):
    for codes in maps(n):
        rows = max(1, codes.shape[0] // 2)
        base = builds(False, lambda: strips(level, codes, n, rows))
        fast = builds(True, lambda: strips(level, codes, n, rows))
        assert base == fast
        for v3 in (False, True):
            out, bad = builds(v3, lambda: decoded(level, fast, codes.shape, n, rows))
            assert bad == []
            np.testing.assert_array_equal(out, codes)


@needs_v3
@pytest.mark.parametrize("level", LEVELS)
def test_both_builds_read_damaged_streams_alike(builds, level):
    n = 16 if level == cm_levels.PALETTE_SYMBOL_TRIPLES else 256
    codes = blobs(40, 50, n, seed=3, noise=0.3)
    good = strips(level, codes, n, 20)
    rng = np.random.default_rng(level)
    for trial in range(30):
        streams = [bytearray(s) for s in good]
        s = streams[trial % 2]
        if trial % 3 == 0:
            s[:] = rng.integers(0, 256, len(s), dtype=np.uint8).tobytes()
        else:
            for i in rng.integers(0, len(s), 3):
                s[i] ^= int(rng.integers(1, 256))
        streams = [bytes(s) for s in streams]
        base = builds(False, lambda: decoded(level, streams, codes.shape, n, 20))
        fast = builds(True, lambda: decoded(level, streams, codes.shape, n, 20))
        assert base[1] == fast[1]
        np.testing.assert_array_equal(base[0], fast[0])
