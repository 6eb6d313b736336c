"""The palette decoders of levels 6, 10, 18 and 21 write each pixel in its place
(``_cm.decode_strips``' ``placement``, ``scan.placement``): the scan's transpose and flips
and the symbol order done as the pixels are decoded, with no pass of their own after. The
same maps as the coded map restored (``scan.restore``) in every scan, in strips decoded in
parallel, by both builds; placements that would write outside the map are refused."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vqpress
from vqpress.coding import _cm, cm, scan
from vqpress.coding import levels as cm_levels

from cm_helpers import blobs
from test_coding_cm_level6 import speckled

LEVELS = [cm_levels.PALETTE_SYMBOL, cm_levels.PALETTE_SYMBOL_MIXED, cm_levels.PALETTE_SYMBOL_TRIPLES,
          cm_levels.PALETTE_SYMBOL_JOINT]


def colours(level):
    """Palette sizes the level codes (18: up to 16; 21: above 16)."""
    return {cm_levels.PALETTE_SYMBOL_TRIPLES: (3, 16), cm_levels.PALETTE_SYMBOL_JOINT: (17, 256)}.get(level, (5, 64))


def streams_of(coded, n, level, rows):
    streams = _cm.encode_strips(coded, n, _cm.MODEL_PALETTE, level, 8, rows)
    payload = np.frombuffer(b"".join(streams), np.uint8)
    sizes = np.array([len(s) for s in streams], np.intp)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
    return payload, offsets, sizes


def placed(m, s, n, level, rows, table, fill=7):
    """Decode the strips of ``m``'s coded map under scan ``s`` straight into a map of m's shape."""
    coded = scan.orient(m, s)
    payload, offsets, sizes = streams_of(coded, n, level, rows)
    shape, base, dr, dc = scan.placement(m.shape, s)
    out = np.full(m.shape, fill, np.uint8)
    bad = _cm.decode_strips(payload, offsets, sizes, out, n, _cm.MODEL_PALETTE, level, 8, rows, None,
                            (*shape, base, dr, dc, scan.byte_table(table)))
    return out, bad


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.integers(0, 7), st.integers(0, 2**32 - 1))
def test_placement_is_where_orient_reads(h, w, s, seed):
    m = np.random.default_rng(seed).integers(0, 256, (h, w), dtype=np.uint8)
    shape, base, dr, dc = scan.placement(m.shape, s)
    assert shape == scan.coded_shape(m.shape, s)
    i, j = np.mgrid[:shape[0], :shape[1]]
    np.testing.assert_array_equal(m.reshape(-1)[base + i * dr + j * dc], scan.orient(m, s))


@pytest.mark.parametrize("level", LEVELS)
def test_every_scan_and_order_decodes_in_place(level):
    rng = np.random.default_rng(level)
    for n in colours(level):
        for m in (blobs(37, 53, n, seed=n), speckled(23, 41, n, seed=n), np.zeros((3, 1), np.uint8),
                  blobs(1, 29, n, seed=1)):
            order = rng.permutation(n).astype(np.uint8)
            for s in scan.SCANS:
                rows = max(1, scan.coded_shape(m.shape, s)[0] // 3)  # three strips or more, in parallel
                out, bad = placed(m, s, n, level, rows, order)
                assert bad == []
                np.testing.assert_array_equal(out, order[m])
                out, bad = placed(m, s, n, level, rows, None)  # the identity
                assert bad == []
                np.testing.assert_array_equal(out, m)


@pytest.mark.parametrize("level", LEVELS)
def test_both_builds_place_alike(level):
    n = colours(level)[-1]
    m = blobs(40, 31, n, seed=5, noise=0.5)
    order = np.random.default_rng(1).permutation(n).astype(np.uint8)
    got = []
    for v3 in (False, True):
        _cm._use_v3(v3)
        try:
            got.append(placed(m, 7, n, level, 10, order))
        finally:
            _cm._use_v3(True)
    for out, bad in got:
        assert bad == []
        np.testing.assert_array_equal(out, order[m])


def test_a_damaged_strip_writes_only_its_own_pixels():
    # strip 1 of 3 damaged: the decoder reports it; the pixels of strips 0 and 2 are right, and
    # nothing is written outside the map
    level, n = cm_levels.PALETTE_SYMBOL_JOINT, 200
    m = blobs(30, 20, n, seed=2, noise=0.3)
    coded = scan.orient(m, 7)
    payload, offsets, sizes = streams_of(coded, n, level, 7)
    payload = payload.copy()
    payload[offsets[1] + 2:offsets[1] + sizes[1]] ^= 0x5A
    shape, base, dr, dc = scan.placement(m.shape, 7)
    buf = np.full(m.size + 64, 9, np.uint8)
    out = buf[32:32 + m.size].reshape(m.shape)
    bad = _cm.decode_strips(payload, offsets, sizes, out, n, _cm.MODEL_PALETTE, level, 8, 7, None,
                            (*shape, base, dr, dc, scan.byte_table(None)))
    assert 1 in bad and 0 not in bad
    assert (buf[:32] == 9).all() and (buf[32 + m.size:] == 9).all()
    back = scan.orient(out, 7)
    np.testing.assert_array_equal(back[:7], coded[:7])
    if 2 not in bad:
        np.testing.assert_array_equal(back[14:], coded[14:])


def test_placements_that_leave_the_map_are_refused():
    level, n = cm_levels.PALETTE_SYMBOL, 8
    m = blobs(6, 5, n, seed=3)
    payload, offsets, sizes = streams_of(m, n, level, 6)
    out = np.zeros((6, 5), np.uint8)
    identity = scan.byte_table(None)

    def decode(placement, level=level, out=out):
        return _cm.decode_strips(payload, offsets, sizes, out, n, _cm.MODEL_PALETTE, level, 8, 6, None, placement)

    assert decode((6, 5, 0, 5, 1, identity)) == []
    np.testing.assert_array_equal(out, m)
    with pytest.raises(ValueError, match="offset 30 is outside the 30 pixels written"):
        decode((6, 5, 1, 5, 1, identity))
    with pytest.raises(ValueError, match="offset -4 is outside the 30 pixels written"):
        decode((6, 5, 0, 5, -1, identity))
    with pytest.raises(ValueError, match="offset 30 is outside the 30 pixels written"):
        decode((6, 5, 0, 6, 1, identity))
    with pytest.raises(ValueError, match="a coded map of 5 x 5 does not fill a map of 30 pixels"):
        decode((5, 5, 0, 5, 1, identity))
    with pytest.raises(ValueError, match="the table holds 255 entries; 256 are needed"):
        decode((6, 5, 0, 5, 1, identity[:255]))
    with pytest.raises(ValueError, match="level 5 decodes into the coded map only"):
        decode((6, 5, 0, 5, 1, identity), level=cm_levels.PREDICTED_TABLES)


@pytest.mark.parametrize("n", [24, 64, 256])
def test_cm_decode_writes_the_palette_maps_in_place(n):
    # the payloads of vqpress's own encoder (symbol order and scan chosen by it) decode to the map
    face = vqpress.datasets.face()[200:330, 400:590]
    codes = vqpress.compress(face, n).codes().astype(np.uint8)
    for s in (0, 3, 4, 7):
        payload = cm.encode(codes, n, effort=2, compact=True, scan=s)
        assert cm.describe(payload)["level"] in LEVELS
        np.testing.assert_array_equal(cm.decode(payload, codes.shape, n), codes)
