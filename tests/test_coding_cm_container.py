"""The cm payload coding in the .vqz container: round trips of every kind of image, the
colours it codes and the fall-back, the format versions it needs, ``save``'s effort, the
command line's efforts, and every coding's round trip on any small image."""

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vqpress
from vqpress.coding import cm
from vqpress.container import from_bytes, read_header, to_bytes


@pytest.mark.parametrize("kind", ["gray", "rgb", "rgba", "1d", "3d", "uint16", "float"])
def test_container_round_trip_with_cm(face_gray, face_rgb, kind):
    data = {
        "gray": face_gray[:90, :120],
        "rgb": face_rgb[:60, :80],
        "rgba": np.dstack([face_rgb[:40, :50], np.full((40, 50), 255, np.uint8)]),
        "1d": face_gray[100, :300],
        "3d": face_gray[:40, :60].reshape(4, 10, 60),
        "uint16": face_gray[:50, :50].astype(np.uint16) * 200,
        "float": face_gray[:50, :70].astype(np.float32) / 255,
    }[kind]
    c = vqpress.compress(data, 16)
    blob = to_bytes(c, "cm", effort=3)
    head = read_header(blob)
    assert head.coding == "cm" and head.version == ("2.0" if kind == "float" else "2.2")
    assert read_header(to_bytes(c, "cm", effort=3, exact_centers=True)).version == "2.0"
    back = from_bytes(blob)
    np.testing.assert_array_equal(back.decompress(), c.decompress())
    assert back.payload == c.payload
    assert to_bytes(c) == to_bytes(c, "cm")  # auto picks cm


def test_container_cm_needs_2_to_256_colours(face_gray):
    deep = face_gray[:64, :64].astype(np.uint16) * 256 + np.arange(64, dtype=np.uint16)
    c = vqpress.compress(deep, 300)
    with pytest.raises(vqpress.VQError, match="coding 'cm' codes 2..256 colours; this image has 300"):
        to_bytes(c, "cm")
    assert read_header(to_bytes(c)).coding in ("context", "raw")  # auto falls back
    with pytest.raises(vqpress.VQError, match="effort must be an integer in 0..9"):
        to_bytes(vqpress.compress(face_gray[:8, :8], 4), "cm", effort=-1)


def test_container_refuses_a_cm_payload_in_a_1_0_file(face_gray):
    import zlib

    c = vqpress.compress(face_gray[:32, :32], 8)
    blob = bytearray(to_bytes(c, "cm", exact_centers=True))
    blob[8] = 1  # claim format 1.0
    header_len = 8 + 20 + 8 * 2 + len(b"optimal")
    blob[header_len: header_len + 4] = struct.pack("<I", zlib.crc32(bytes(blob[:header_len])))
    with pytest.raises(vqpress.FormatError, match="needs format version 2.0"):
        from_bytes(bytes(blob))


def test_save_with_effort(tmp_path, face_gray):
    # big enough for the full model (effort 9) to learn its larger contexts
    c = vqpress.compress(face_gray[:300, :300], 8)
    fast = vqpress.save(tmp_path / "fast.vqz", c, effort=0)
    small = vqpress.save(tmp_path / "small.vqz", c, effort=9)
    assert small.stat().st_size < fast.stat().st_size
    for path in (fast, small):
        np.testing.assert_array_equal(vqpress.load(path).decompress(), c.decompress())


def test_cli_efforts_match_the_coding():
    from vqpress import cli

    assert cli.EFFORTS == tuple(cm.EFFORTS) and cli.DEFAULT_EFFORT == cm.DEFAULT_EFFORT


@given(h=st.integers(1, 24), w=st.integers(1, 24), k=st.integers(2, 40), colour=st.booleans(),
       seed=st.integers(0, 2**16), coding=st.sampled_from(["auto", "raw", "context", "cm"]),
       effort=st.sampled_from([None, 0, 4, 9]))
@settings(max_examples=60)
def test_every_coding_round_trips_in_the_container(h, w, k, colour, seed, coding, effort):
    rng = np.random.default_rng(seed)
    shape = (h, w, 3) if colour else (h, w)
    data = (rng.integers(0, 4, shape) * 60 + rng.integers(0, 10, shape)).astype(np.uint8)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # fewer distinct values than k
        c = vqpress.compress(data, k)
    if coding == "cm" and c.codebook.n_colors < 2:
        return
    blob = to_bytes(c, coding, effort=effort)
    back = from_bytes(blob)
    assert read_header(blob).coding == coding or coding == "auto"
    np.testing.assert_array_equal(back.codes(), c.codes())
    np.testing.assert_array_equal(back.decompress(), c.decompress())
