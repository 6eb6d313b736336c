"""The scans of the cm coding (docs/FORMAT.md "Scan", ``vqpress.coding.scan``): the coded map
of each of the eight scans, its inverse, the payloads that name a scan, the encoder's choice,
and the files that hold one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from format22_reference import read

import vqpress
from vqpress import FormatError, VQError
from vqpress.coding import choice, cm, scan
from vqpress.coding._scan import gather

DATA = Path(__file__).parent / "data"


def spec_coded(m: np.ndarray, s: int) -> np.ndarray:
    """The coded map by docs/FORMAT.md's rule, pixel by pixel."""
    t, r, c = s >> 2, (s >> 1) & 1, s & 1
    h, w = m.shape
    ch, cw = (w, h) if t else (h, w)
    out = np.empty((ch, cw), dtype=m.dtype)
    for i in range(ch):
        for j in range(cw):
            a = ch - 1 - i if r else i
            b = cw - 1 - j if c else j
            out[i, j] = m[b, a] if t else m[a, b]
    return out


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.integers(0, 7), st.integers(0, 2**32 - 1), st.booleans())
def test_orient_is_the_spec_and_restore_its_inverse(h, w, s, seed, with_table):
    rng = np.random.default_rng(seed)
    m = rng.integers(0, 256, (h, w), dtype=np.uint8)
    table = rng.permutation(256).astype(np.uint8) if with_table else None
    coded = scan.orient(m, s, table)
    expected = spec_coded(m, s)
    assert coded.shape == scan.coded_shape(m.shape, s) and coded.flags.c_contiguous
    np.testing.assert_array_equal(coded, expected if table is None else table[expected])
    back = scan.restore(scan.orient(m, s), m.shape, s, table)
    np.testing.assert_array_equal(back, m if table is None else table[m])


def test_large_maps_cross_the_tiles():
    m = np.random.default_rng(3).integers(0, 7, (131, 200), dtype=np.uint8)
    for s in scan.SCANS:
        ref = m.T if s >> 2 else m
        ref = ref[::-1] if (s >> 1) & 1 else ref
        ref = ref[:, ::-1] if s & 1 else ref
        np.testing.assert_array_equal(scan.orient(m, s), ref)
        np.testing.assert_array_equal(scan.restore(scan.orient(m, s), m.shape, s), m)
    # other dtypes and views are read as their values
    np.testing.assert_array_equal(scan.orient(m.astype(np.uint16)[::2], 7), scan.orient(m[::2], 7))


def test_flips_by_whole_rows_at_every_width():
    # scans 0-3 with the identity table copy rows whole (backwards eight bytes at a time):
    # every width from 1 to 40 (words and a tail of 0-7 bytes), against numpy's flips, and the
    # same gathers through a table that is not the identity (a byte at a time)
    rng = np.random.default_rng(11)
    shuffle = rng.permutation(256).astype(np.uint8)
    for w in range(1, 41):
        m = rng.integers(0, 256, (3, w), dtype=np.uint8)
        for s in range(4):
            ref = m[::-1] if (s >> 1) & 1 else m
            ref = ref[:, ::-1] if s & 1 else ref
            for table in (None, np.arange(256, dtype=np.uint8), shuffle):
                want = ref if table is None else table[ref]
                np.testing.assert_array_equal(scan.orient(m, s, table), want)
                back = m if table is None else table[m]
                np.testing.assert_array_equal(scan.restore(np.ascontiguousarray(ref), m.shape, s, table), back)


def test_scan_arguments_are_checked():
    m = np.zeros((3, 4), np.uint8)
    for bad in (8, -1, 1.0, True, "7", None):
        with pytest.raises(VQError, match="scan must be an integer in 0..7"):
            scan.orient(m, bad)
    with pytest.raises(VQError, match=r"a coded map of \(3, 4\) does not belong to a map of \(3, 4\) under scan 4"):
        scan.restore(m, (3, 4), 4)
    src = np.zeros(12, np.uint8)
    dst = np.zeros((3, 4), np.uint8)
    with pytest.raises(ValueError, match="offset 12 is outside the 12 pixels"):
        gather(src, dst, 1, 4, 1, np.arange(256, dtype=np.uint8))
    with pytest.raises(ValueError, match="offset -3 is outside"):
        gather(src, dst, 0, 4, -1, np.arange(256, dtype=np.uint8))
    with pytest.raises(ValueError, match="the table holds 255 entries; 256 are needed"):
        gather(src, dst, 0, 4, 1, np.arange(255, dtype=np.uint8))


@pytest.fixture(scope="module")
def maps():
    face = vqpress.datasets.face()
    crop = face[300:364, 500:596]
    gray = crop.mean(axis=2).astype(np.uint8)
    out = []
    for data, n, ordered in ((gray, 4, True), (gray, 8, True), (gray, 16, True), (crop, 16, False),
                             (crop, 64, False), (crop, 256, False)):
        c = vqpress.compress(data, n)
        out.append((c.codes().reshape(data.shape[:2]).astype(np.uint8), c.codebook.n_colors, ordered))
    return out


@pytest.mark.parametrize("effort", [0, 2, 3, 5])
def test_every_scan_round_trips(maps, effort):
    for codes, n, ordered in maps:
        identity = cm.encode(codes, n, ordered=ordered, effort=effort, compact=True, scan=0)
        for s in scan.SCANS:
            payload = cm.encode(codes, n, ordered=ordered, effort=effort, compact=True, scan=s)
            assert cm.describe(payload)["scan"] == s
            np.testing.assert_array_equal(cm.decode(payload, codes.shape, n), codes)
            # the streams are those of the coded map, scan 0's of the map itself
            coded = scan.orient(codes, s)
            assert cm.encode(coded, n, ordered=ordered, effort=effort, compact=True, scan=0)[-64:] == payload[-64:]
        assert cm.encode(codes, n, ordered=ordered, effort=effort)[-64:] == identity[-64:]


def test_strips_are_rows_of_the_coded_map():
    codes = (np.add.outer(np.arange(300), np.arange(1400)) // 50 % 8).astype(np.uint8)  # 300 x 1400
    payload = cm.encode(codes, 8, ordered=True, effort=0, compact=True, scan=7, strip_rows=300)
    info = cm.describe(payload)
    assert info["scan"] == 7 and info["strip_rows"] == 300  # 5 strips of the 1400 x 300 coded map
    np.testing.assert_array_equal(cm.decode(payload, codes.shape, 8), codes)
    # a strip of the coded map holds at least 2^16 pixels: rows of 300 pixels, at least 219
    payload = cm.encode(codes, 8, ordered=True, effort=0, compact=True, scan=4, strip_rows=1)
    assert cm.describe(payload)["strip_rows"] == -(-65536 // 300)
    np.testing.assert_array_equal(cm.decode(payload, codes.shape, 8), codes)


def test_encode_refuses_a_scan_it_cannot_write():
    codes = np.zeros((4, 4), np.uint8)
    codes[0, 0] = 1
    for bad in (8, -1, 2.0, True, "1"):
        with pytest.raises(VQError, match="scan must be an integer in 0..7"):
            cm.encode(codes, 2, compact=True, scan=bad)
    with pytest.raises(VQError, match=r"scan 7 needs compact=True \(version 1 payloads"):
        cm.encode(codes, 2, scan=7)  # version 1 has no scan
    assert cm.describe(cm.encode(codes, 2, scan=0))["scan"] == 0


def test_the_decoder_refuses_other_order_fields(maps):
    codes, n, ordered = maps[1]
    payload = bytearray(cm.encode(codes, n, ordered=ordered, compact=True, scan=5))
    at = 6 + 1  # a varint of one byte: the strip rows (64)
    assert payload[at] == 5 << 1
    for bad in (0x10, 0x20, 0x40, 0x80):
        wrong = bytearray(payload)
        wrong[at] |= bad
        with pytest.raises(FormatError, match=rf"cm order field {wrong[at]} \(allowed: bit 0"):
            cm.decode(bytes(wrong), codes.shape, n)
    # the same streams read under another scan: a transposing one sees other strips and shapes
    other = bytearray(payload)
    other[at] = 0 << 1
    np.testing.assert_array_equal(cm.decode(bytes(other), scan.coded_shape(codes.shape, 5), n),
                                  scan.orient(codes, 5))


def test_mutated_scan_payloads_end_in_an_error_or_a_map_in_range(maps):
    rng = np.random.default_rng(16)
    for codes, n, ordered in maps[2:5]:
        payload = cm.encode(codes, n, ordered=ordered, compact=True, scan=7)
        for _ in range(60):
            wrong = bytearray(payload)
            for at in rng.integers(0, len(wrong), rng.integers(1, 4)):
                wrong[at] = rng.integers(0, 256)
            try:
                back = cm.decode(bytes(wrong), codes.shape, n)
            except FormatError:
                continue
            assert back.shape == codes.shape and back.dtype == np.uint8 and int(back.max()) < n


def test_choose_scan_keeps_the_smaller_block():
    calls = []

    def by_rows(block):  # a "coder" whose size is the block's rows: the wider way wins
        calls.append(block.shape)
        return block.shape[0]

    wide, tall = np.zeros((100, 400), np.uint8), np.zeros((400, 100), np.uint8)
    assert choice.choose_scan(wide, None, 2, by_rows) == scan.IDENTITY
    assert calls == [(32, 128), (128, 32)]  # 1/32 of 40,000 pixels is below 4,096: 4,096 of them
    assert choice.choose_scan(tall, None, 2, by_rows) == scan.REVERSED_TRANSPOSE
    assert choice.choose_scan(tall, None, 0, by_rows) == scan.IDENTITY  # effort 0 tries nothing
    assert choice.choose_scan(np.zeros((20, 20), np.uint8), None, 9, lambda block: 5) == scan.IDENTITY  # a tie
    calls.clear()
    big = np.zeros((1024, 2048), np.uint8)
    choice.choose_scan(big, None, 2, by_rows)
    assert calls[0] == (181, 362)  # 1/32 of the pixels, in the map's proportions
    choice.choose_scan(big, None, 9, by_rows)
    assert calls[2] == (512, 1024)  # 1/4 at effort 9


def test_the_encoder_writes_the_scan_that_codes_its_block_smaller():
    """Vertical stripes with noise down each column code smaller walked down the columns; the
    default encoder finds that on its block and writes scan 7."""
    rng = np.random.default_rng(5)
    col = rng.integers(0, 8, 512)
    codes = np.repeat(col[None, :], 256, axis=0).astype(np.uint8)
    codes[rng.random(codes.shape) < 0.02] = 3
    chosen = cm.encode(codes, 8, ordered=False, compact=True)
    assert cm.describe(chosen)["scan"] == 7
    assert len(chosen) < len(cm.encode(codes, 8, ordered=False, compact=True, scan=0))
    np.testing.assert_array_equal(cm.decode(chosen, codes.shape, 8), codes)
    assert cm.describe(cm.encode(codes.T.copy(), 8, ordered=False, compact=True))["scan"] == 0


@pytest.mark.parametrize("name", ["face-crop-optimal-8-scan7", "face-crop-kmeans-64-scan7"])
def test_frozen_files_with_scan_7(name):
    fields = read((DATA / f"{name}.vqz").read_bytes())  # format 2.2 by the specification
    assert fields["cm"]["scan"] == 7 and fields["shape"][:2] == (64, 96)
    np.testing.assert_array_equal(vqpress.load(DATA / f"{name}.vqz").decompress(), np.load(DATA / f"{name}.npy"))


def test_vqpress_info_names_the_scan(capsys):
    from vqpress.cli import main

    assert main(["info", str(DATA / "face-crop-kmeans-64-scan7.vqz")]) == 0
    words = " ".join(capsys.readouterr().out.split())  # (folded to the terminal's width)
    assert "level 6 (palette neighbour symbol), 1 strip, scan 7 (by columns) file size" in words
    assert main(["info", str(DATA / "face-crop-kmeans-64-22.vqz")]) == 0
    words = " ".join(capsys.readouterr().out.split())
    assert "(palette neighbour symbol), 1 strip file size" in words and ", scan " not in words


def test_strip_rows_are_checked_against_the_coded_map():
    codes = (np.add.outer(np.arange(64), np.arange(96)) // 20 % 8).astype(np.uint8)  # 64 x 96
    payload = bytearray(cm.encode(codes, 8, ordered=True, compact=True, scan=7))
    assert cm.describe(payload)["strip_rows"] == 96  # one strip of the 96 x 64 coded map
    payload[6] = 64  # (a varint of one byte) the map's rows, not the coded map's
    with pytest.raises(FormatError, match=r"strip_rows 64 does not fit the coded map of scan 7 of 96 x 64 "
                                          r"\(allowed 96..96\)"):
        cm.decode(bytes(payload), codes.shape, 8)
