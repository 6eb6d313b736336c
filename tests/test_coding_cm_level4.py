"""Level 4 of the cm coding (the ordered model around the MED prediction): round trips,
the reference decoder of docs/FORMAT.md, strips, the reader's checks and a fuzzer."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vqpress
from vqpress.coding import cm
from vqpress.coding import levels as cm_levels

from cm_reference import decode as reference_decode
from cm_helpers import THIN_SHAPES, blobs, encode_ordered_at, fuzz_payloads, ordered_at, thin_maps


def encode4(codes, n, **kw):
    return encode_ordered_at(cm_levels.PREDICTED, codes, n, **kw)


def gradient(h, w, n):
    """Slopes in both directions and a flat corner: every branch of the MED prediction."""
    yy, xx = np.mgrid[:h, :w]
    codes = (xx + 2 * yy) * n // (w + 2 * h)
    codes[: h // 3, : w // 3] = n - 1
    return codes.astype(np.uint8)


@pytest.mark.parametrize("n", [2, 3, 5, 8, 16, 31, 32])
def test_round_trip_every_ordered_alphabet(n):
    for codes in (blobs(37, 53, n, seed=n), blobs(30, 41, n, seed=n, noise=1.0), gradient(40, 50, n),
                  np.zeros((20, 20), np.uint8), np.full((20, 20), n - 1, np.uint8)):
        data = encode4(codes, n)
        np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)


@pytest.mark.parametrize("shape", THIN_SHAPES)
def test_round_trip_thin_maps(shape):
    for codes, n in thin_maps(shape, (2, 7, 32)):
        np.testing.assert_array_equal(cm.decode(encode4(codes, n), shape, n), codes)


@given(h=st.integers(1, 40), w=st.integers(1, 40), n=st.integers(2, 32), seed=st.integers(0, 2**16),
       noise=st.floats(0, 1), effort=st.integers(0, 9))
@settings(max_examples=60)
def test_round_trip_property(h, w, n, seed, noise, effort):
    codes = blobs(h, w, n, seed=seed, noise=noise)
    back = cm.decode(encode4(codes, n, effort=effort), (h, w), n)
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back, codes)


@pytest.mark.parametrize("n,noise,seed", [(2, 0.2, 1), (3, 0.5, 2), (8, 0.2, 3), (8, 0.0, 4), (16, 0.05, 5),
                                          (32, 0.3, 6), (32, 1.0, 7)])
def test_format_md_describes_level_4_exactly(n, noise, seed):
    """tests/cm_reference_level4.py decodes from the letter of docs/FORMAT.md."""
    for codes in (blobs(9, 23, n, seed=seed, noise=noise), gradient(8, 21, n)):
        data = encode4(codes, n)
        np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, n)), codes)


def test_format_md_describes_the_gate_of_x_equals_p():
    """A large flat map with a little noise: the counters of x == P grow sure (the
    question is then asked of one counter) and are surprised now and then."""
    codes = blobs(40, 60, 4, seed=11, noise=0.02)
    data = encode4(codes, 4)
    np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, 4)), codes)


def test_strips_decode_alike_on_any_number_of_threads():
    codes = blobs(700, 400, 24, seed=5)
    data = encode4(codes, 24, strip_rows=170)
    assert cm.describe(data)["strip_rows"] == 170
    with vqpress.thread_limit(1):
        one = cm.decode(data, codes.shape, 24)
        assert encode4(codes, 24, strip_rows=170) == data
    np.testing.assert_array_equal(one, codes)
    np.testing.assert_array_equal(cm.decode(data, codes.shape, 24), codes)


def test_level_4_is_smaller_than_level_2_on_the_face(face_gray):
    for k in (4, 8, 16):
        codes = vqpress.compress(face_gray[:256, :384], k).codes()
        level2 = cm.encode(codes, k, ordered=True, effort=0)  # effort 0 keeps level 2 for gray
        assert cm.describe(level2)["level"] == 2
        assert len(encode4(codes, k)) < len(level2)


def test_palettes_keep_their_level():
    codes = blobs(30, 40, 8, seed=2)
    with ordered_at(cm_levels.PREDICTED):
        for ordered in (False, None):
            assert cm.describe(cm.encode(codes, 8, ordered=ordered))["level"] != 4


def test_the_reader_checks_level_4_header_fields():
    codes = blobs(48, 80, 8, seed=8)
    data = encode4(codes, 8)

    def bad(pos, value, match):
        blob = bytearray(data)
        blob[pos] = value
        with pytest.raises(vqpress.FormatError, match=match):
            cm.decode(bytes(blob), codes.shape, 8)

    bad(4, 9, "level 4 has no hashed tables: its table_bits must be 8; got 9")
    bad(3, 1, "level 4 codes the ordered model only")
    wide = bytearray(cm.encode(blobs(48, 80, 64, seed=1), 64))
    wide[5] = 4
    with pytest.raises(vqpress.FormatError, match="ordered model only|at most 32"):
        cm.decode(bytes(wide), codes.shape, 64)


def test_fuzz_damaged_level_4_payloads_fail_cleanly_and_fast():
    cases = []
    for n, seed in ((2, 1), (8, 2), (32, 3)):
        codes = blobs(48, 80, n, seed=seed)
        cases.append((codes, n, encode4(codes, n)))
    fuzz_payloads(cases, np.random.default_rng(19))


def test_fuzz_streams_of_noise_decode_in_range():
    """Any bytes at all as a level-4 stream: a FormatError or codes in range, never more."""
    rng = np.random.default_rng(5)
    codes = blobs(40, 50, 16, seed=4)
    data = encode4(codes, 16)
    head = len(data) - len(data[12 + 16 + 4:])
    for size in (4, 5, 64, 700, 5000):
        blob = bytearray(data[:head]) + bytes(rng.integers(0, 256, size).astype(np.uint8))
        blob[12 + 16: 12 + 16 + 4] = size.to_bytes(4, "little")
        try:
            back = cm.decode(bytes(blob), codes.shape, 16)
        except vqpress.FormatError:
            continue
        assert int(back.max()) < 16
