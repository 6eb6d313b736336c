"""Level 6 of the cm coding (the palette model of one neighbour symbol): round trips, the
reference decoder of docs/FORMAT.md, strips, the reader's checks and a fuzzer (its frozen
payloads: tests/test_old_files.py, and re-encoded here)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vqpress
from vqpress.coding import cm
from vqpress.coding import levels as cm_levels

from cm_reference import decode as reference_decode
from cm_helpers import (
    THIN_SHAPES, at_level, blobs, check_strips_alike, frozen_payload, fuzz_payloads, noise_streams_decode_in_range,
    palettes_at, thin_maps)


def encode_palette_at(level, codes, n, **kw):
    """``cm.encode(codes, n, ordered=False, **kw)`` with palettes at ``level`` (6 or 10: the
    same neighbour symbol, so they share the tests of this file that take ``encode``)."""
    with palettes_at(level):
        data = cm.encode(codes, n, ordered=False, **kw)
    head = cm.describe(data)
    assert (head["level"], head["model"], head["table_bits"]) == (level, "palette", 8)
    return data


def encode6(codes, n, **kw):
    return encode_palette_at(cm_levels.PALETTE_SYMBOL, codes, n, **kw)


def encode10(codes, n, **kw):
    return encode_palette_at(cm_levels.PALETTE_SYMBOL_MIXED, codes, n, **kw)


BOTH = pytest.mark.parametrize("encode", [encode6, encode10], ids=["level6", "level10"])


def speckled(h, w, n, seed):
    """Every equality pattern of the four neighbours, and colours no neighbour has."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, min(n, 4), (h, w))
    other = rng.random((h, w)) < 0.3
    codes[other] = rng.integers(0, n, int(other.sum()))
    codes[::5] = rng.integers(0, n, w)
    return codes.astype(np.uint8)


@BOTH
@pytest.mark.parametrize("n", [2, 3, 5, 16, 17, 31, 64, 65, 129, 200, 256])
def test_round_trip_every_palette_size(encode, n):
    for codes in (blobs(37, 53, n, seed=n), blobs(30, 41, n, seed=n, noise=1.0), speckled(30, 40, n, seed=n),
                  np.zeros((20, 20), np.uint8), np.full((20, 20), n - 1, np.uint8)):
        np.testing.assert_array_equal(cm.decode(encode(codes, n), codes.shape, n), codes)


@BOTH
@pytest.mark.parametrize("shape", THIN_SHAPES)
def test_round_trip_thin_maps(encode, shape):
    for codes, n in thin_maps(shape, (2, 7, 16, 200)):
        np.testing.assert_array_equal(cm.decode(encode(codes, n), shape, n), codes)


@BOTH
@given(h=st.integers(1, 40), w=st.integers(1, 40), n=st.integers(2, 256), seed=st.integers(0, 2**16),
       noise=st.floats(0, 1), effort=st.integers(0, 9))
@settings(max_examples=60)
def test_round_trip_property(encode, h, w, n, seed, noise, effort):
    codes = blobs(h, w, n, seed=seed, noise=noise)
    back = cm.decode(encode(codes, n, effort=effort), (h, w), n)
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back, codes)


@BOTH
@pytest.mark.parametrize("n,noise,seed", [(2, 0.2, 1), (3, 0.5, 2), (16, 0.2, 3), (17, 0.3, 4), (64, 0.1, 5),
                                          (65, 0.5, 6), (130, 0.2, 7), (256, 1.0, 8)])
def test_format_md_describes_levels_6_and_10_exactly(encode, n, noise, seed):
    """tests/cm_reference_level6.py (and level10.py) decode from the letter of docs/FORMAT.md."""
    for codes in (blobs(9, 23, n, seed=seed, noise=noise), speckled(8, 21, n, seed)):
        data = encode(codes, n)
        np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, n)), codes)


@BOTH
@given(h=st.integers(1, 10), w=st.integers(1, 10), n=st.integers(2, 256), seed=st.integers(0, 2**16),
       noise=st.floats(0, 1))
@settings(max_examples=30, deadline=None)
def test_format_md_describes_levels_6_and_10_on_any_map(encode, h, w, n, seed, noise):
    codes = blobs(h, w, n, seed=seed, noise=noise)
    data = encode(codes, n)
    np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, n)), codes)


def test_format_md_describes_tables_that_learned_long():
    """A larger map: tables past their last rate change (32 updates), pixels of every kind."""
    codes = blobs(36, 60, 40, seed=11, noise=0.15)
    np.testing.assert_array_equal(np.array(reference_decode(encode6(codes, 40), codes.shape, 40)), codes)


def test_strips_decode_alike_on_any_number_of_threads():
    check_strips_alike(encode6, blobs(700, 400, 200, seed=5, noise=0.1), 200)


def test_the_reader_checks_level_6_header_fields():
    codes = blobs(48, 80, 40, seed=8)
    data = encode6(codes, 40)

    def bad(blob, match):
        with pytest.raises(vqpress.FormatError, match=match):
            cm.decode(bytes(blob), codes.shape, 40)

    blob = bytearray(data)
    blob[4] = 9
    bad(blob, "level 6 has no hashed tables: its table_bits must be 8; got 9")
    blob = bytearray(data)
    blob[3] = 0
    bad(blob, "level 6 codes the palette model only; the payload names model 0")
    blob = bytearray(data)
    unknown = max(cm_levels.LEVELS) + 1
    blob[5] = unknown
    bad(blob, rf"level {unknown} \(allowed {', '.join(map(str, cm_levels.LEVELS))}\)")


def test_describe_names_level_6():
    info = cm.describe(encode6(blobs(20, 30, 40), 40))
    assert (info["level"], info["level_name"]) == (6, "palette neighbour symbol")


def test_fuzz_damaged_level_6_payloads_fail_cleanly_and_fast():
    cases = []
    for n, seed in ((2, 1), (16, 2), (64, 3), (256, 4)):
        codes = blobs(48, 80, n, seed=seed, noise=0.2)
        cases.append((codes, n, encode6(codes, n)))
    codes = speckled(48, 80, 200, seed=5)
    cases.append((codes, 200, encode6(codes, 200)))
    fuzz_payloads(cases, np.random.default_rng(29))


@pytest.mark.parametrize("n", [3, 16, 64, 256])
def test_fuzz_streams_of_noise_decode_in_range(n):
    """Any bytes at all as a level-6 stream: a FormatError or codes in range, never more."""
    codes = blobs(40, 50, n, seed=4)
    noise_streams_decode_in_range(encode6(codes, n), codes.shape, n, np.random.default_rng(6))


def test_level_6_is_about_as_small_as_level_3_on_the_face(face_rgb):
    """On a crop of the face at 64 and 256 colours: within 3% of level 3 each (its tables
    learn less on a small crop than on the whole face)."""
    for k in (64, 256):
        codes = vqpress.compress(face_rgb[:256, :384], k).codes()
        with palettes_at(cm_levels.PALETTE_TABLES):
            size3 = len(cm.encode(codes, k))
        assert len(encode6(codes, k)) < 1.03 * size3



def test_vqpress_info_names_level_6(capsys):
    from pathlib import Path

    from vqpress import cli

    path = Path(__file__).parent / "data" / "face-crop-kmeans-64-cm-level6.vqz"
    assert cli.main(["info", str(path)]) == 0
    assert "palette, level 6 (palette neighbour symbol), 1 strip" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["face-crop-kmeans-64-cm-level6", "face-crop-kmeans-256-cm-level6"])
def test_kernel_writes_the_frozen_streams_again(name):
    """Given a frozen level-6 payload's header, symbol order and strips, the kernel writes its
    streams again byte for byte (at 256 colours: two symbols for a pixel no neighbour
    predicts, the pair tables' colours coarsened), whatever it does to be faster."""
    from pathlib import Path

    payload, codes = frozen_payload(Path(__file__).parent / "data" / f"{name}.vqz")
    assert cm.describe(payload)["level"] == 6
    assert at_level(payload, codes, 6) == payload


def _lanes(m):
    """A table of m symbols kept as lanes 1..4 (non-decreasing, below 2^15; lanes m.. hold
    their top, 2^15 - m, as a table's do) and its count."""
    top = 32768 - m
    return st.lists(st.integers(0, top), min_size=m - 1, max_size=m - 1).map(
        lambda v: np.array(sorted(v) + [top] * (5 - m) + [0], dtype=np.uint16))


@st.composite
def _look(draw):
    m = draw(st.integers(2, 5))
    r = draw(st.integers(1 << 9, (1 << 17) - 1))
    # codes below the range (a valid stream's), and any code (a damaged stream's)
    code = draw(st.one_of(st.integers(0, r * 32768 + 32767), st.integers(0, (1 << 32) - 1)))
    return draw(_lanes(m)), draw(_lanes(m)), draw(_lanes(m)), r, code, m


@settings(max_examples=400, deadline=None)
@given(_look())
def test_neighbour_hits_equal_the_scalar_lanes(look):
    """The decoder's four lanes at once (16-bit lanes, cum <= code // r) give the lanes one by
    one of docs/FORMAT.md's level 6: cum[j] = ((2 a + b + d) >> 2) + j, j < m hit where
    r cum[j] <= code; s the hits (a prefix)."""
    from vqpress.coding._cm_palette6 import _neighbour_hits

    a, b, d, r, code, m = look
    le, s, cum = _neighbour_hits(a, b, d, r, code, m)
    want_cum = [((2 * int(a[j - 1]) + int(b[j - 1]) + int(d[j - 1])) >> 2) + j for j in range(1, 5)]
    hits = [j < m and r * want_cum[j - 1] <= code for j in range(1, 5)]
    assert cum == want_cum
    assert le == sum(0xFFFF << (16 * (j - 1)) for j in range(1, 5) if hits[j - 1])
    assert s == sum(hits) and hits == [j <= s for j in range(1, 5)]


def test_neighbour_hits_refuses_bad_arguments():
    from vqpress.coding._cm_palette6 import _neighbour_hits

    t = np.zeros(5, dtype=np.uint16)
    with pytest.raises(ValueError, match="m 6"):
        _neighbour_hits(t, t, t, 512, 0, 6)
    with pytest.raises(ValueError, match="r 0"):
        _neighbour_hits(t, t, t, 0, 0, 3)


def _palette6_builds():
    """The modules of levels 6, 10 and 18's kernel this processor runs: the baseline build,
    and the x86-64-v3 one where the processor has its instructions."""
    from vqpress.coding import _cm, _cm_palette6

    builds = [_cm_palette6]
    if _cm._use_v3(True):
        from vqpress.coding import _cm_palette6_v3

        builds.append(_cm_palette6_v3)
    return builds


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.sampled_from([0, 1, 255, 256, 257, 511, 512, 513, 65535, 65536, 65537, (1 << 24) - 1,
                                  1 << 24, (1 << 24) + 1, (1 << 32) - 1]),
                 st.integers(0, (1 << 32) - 1), st.integers(0, 1 << 17)))
def test_flat_renormalisation_shifts_by_the_bytes_the_range_needs(rng):
    """After a symbol the decoder shifts the range and the code by 8 ((range < 2^24) + (range
    < 2^16)) bits, the one or two bytes a range of 2^9 or more needs to be 2^24 again (and 16
    for any smaller range, a damaged stream's: the loop after it takes the rest), in both
    builds (rc_flat_bits counts leading zeros)."""
    want = 8 * ((rng < 1 << 24) + (rng < 1 << 16))
    for build in _palette6_builds():
        assert build._flat_bits(rng) == want, (build.__name__, rng)


def test_learning_steps_are_the_counts_and_rates():
    """pal_step, the palette tables' learning by one load: the count after an update is the
    count plus one, stopping at 32, and the rate is pal_rate's (docs/FORMAT.md, level 3's
    rates: 1, 1, 2 x 3, 3 x 7, 4 x 20, then 5)."""
    rates = [1, 1] + [2] * 3 + [3] * 7 + [4] * 20 + [5]
    for build in _palette6_builds():
        steps = build._learning_steps()
        assert [after for after, _, _ in steps] == [min(u + 1, 32) for u in range(33)]
        assert [rate for _, rate, _ in steps] == rates
        assert [old for _, _, old in steps] == rates
