"""The cm payload coding as a whole: round trips at every alphabet, shape and effort, strips
on any number of threads, the encoder's arguments, the levels each effort writes, the
payload's validation and a fuzzer (every damaged payload is a FormatError or a decode of the
right shape, fast), and the reference decoders of docs/FORMAT.md. Its arithmetic coders:
test_coding_cm_coders.py; its symbol order: test_coding_cm_symbol_order.py; in the
container: test_coding_cm_container.py; each level: test_coding_cm_level*.py; what they
share: cm_helpers.py."""

import struct

import numpy as np
import pytest
from cm_helpers import THIN_SHAPES, at_level, blobs, fuzz_payloads, palettes_at, thin_maps
from hypothesis import given, settings
from hypothesis import strategies as st

import vqpress
from vqpress.coding import cm
from vqpress.coding import choice as cm_choice


# -- round trips ----------------------------------------------------------------------------

@pytest.mark.parametrize("n", [2, 3, 8, 16, 32, 33, 64, 255, 256])
@pytest.mark.parametrize("ordered", [True, False])
def test_round_trip_every_alphabet(n, ordered):
    codes = blobs(37, 53, n, seed=n)
    for effort in (0, 5, 9):
        data = cm.encode(codes, n, ordered=ordered, effort=effort)
        np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)


@pytest.mark.parametrize("shape", THIN_SHAPES)
def test_round_trip_thin_maps(shape):
    for codes, n in thin_maps(shape, (2, 7, 200)):
        for ordered in (True, False):
            data = cm.encode(codes, n, ordered=ordered)
            np.testing.assert_array_equal(cm.decode(data, shape, n), codes)


def test_round_trip_every_symbol_everywhere():
    codes = np.arange(256 * 64, dtype=np.uint32).reshape(64, 256).astype(np.uint8)
    for codes_ in (codes, codes.T.copy(), np.zeros((50, 50), np.uint8), np.full((50, 50), 255, np.uint8)):
        data = cm.encode(codes_, 256)
        np.testing.assert_array_equal(cm.decode(data, codes_.shape, 256), codes_)


@given(h=st.integers(1, 40), w=st.integers(1, 40), n=st.integers(2, 256), seed=st.integers(0, 2**16),
       noise=st.floats(0, 1), ordered=st.sampled_from([True, False, None]), effort=st.integers(0, 9))
@settings(max_examples=60)
def test_round_trip_property(h, w, n, seed, noise, ordered, effort):
    codes = blobs(h, w, n, seed=seed, noise=noise)
    data = cm.encode(codes, n, ordered=ordered, effort=effort)
    back = cm.decode(data, (h, w), n)
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back, codes)


def test_strips_decode_alike_on_any_number_of_threads():
    codes = blobs(700, 400, 24, seed=5)
    data = cm.encode(codes, 24, strip_rows=170)
    assert cm.describe(data)["strip_rows"] == 170
    with vqpress.thread_limit(1):
        one = cm.decode(data, codes.shape, 24)
        assert cm.encode(codes, 24, strip_rows=170) == data
    np.testing.assert_array_equal(one, codes)
    np.testing.assert_array_equal(cm.decode(data, codes.shape, 24), codes)


@pytest.mark.parametrize("n", [5, 24, 200])
def test_level_3_strips_decode_alike_on_any_number_of_threads(n):
    codes = blobs(600, 330, n, seed=n, noise=0.2)
    with palettes_at(3):
        data = cm.encode(codes, n, effort=0, strip_rows=200)
        assert cm.describe(data)["level"] == 3 and cm.describe(data)["strip_rows"] == 200
        with vqpress.thread_limit(1):
            one = cm.decode(data, codes.shape, n)
            assert cm.encode(codes, n, effort=0, strip_rows=200) == data
    np.testing.assert_array_equal(one, codes)
    np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)


def test_strips_hold_a_minimum_of_pixels():
    codes = blobs(1000, 100, 8, seed=6)
    data = cm.encode(codes, 8, strip_rows=1)
    assert cm.describe(data)["strip_rows"] == -(-cm.MIN_STRIP_PIXELS // 100)
    np.testing.assert_array_equal(cm.decode(data, codes.shape, 8), codes)


def test_effort_trades_time_for_size(face_gray):
    codes = vqpress.compress(face_gray[:256, :256], 8).codes()
    sizes = [len(cm.encode(codes, 8, ordered=True, effort=e)) for e in (0, 5, 9)]
    assert sizes[0] > sizes[1] >= sizes[2]


def test_encode_checks_its_arguments():
    codes = np.zeros((4, 4), np.uint8)
    with pytest.raises(vqpress.VQError, match="effort must be an integer in 0..9"):
        cm.encode(codes, 4, effort=10)
    with pytest.raises(vqpress.VQError, match="effort must be an integer in 0..9"):
        cm.encode(codes, 4, effort=True)
    with pytest.raises(vqpress.VQError, match="n_symbols must be an integer in 2..256"):
        cm.encode(codes, 257)
    with pytest.raises(vqpress.VQError, match="n_symbols must be an integer in 2..256"):
        cm.encode(codes, 1)
    with pytest.raises(vqpress.VQError, match="hold the value 4; allowed are 0..3"):
        cm.encode(codes + 4, 4)
    with pytest.raises(vqpress.VQError, match="2-D unsigned integer array"):
        cm.encode(codes.astype(np.int16), 4)
    with pytest.raises(vqpress.VQError, match="2-D unsigned integer array"):
        cm.encode(codes.ravel(), 4)
    with pytest.raises(vqpress.VQError, match="at least one pixel"):
        cm.encode(np.zeros((0, 3), np.uint8), 4)
    with pytest.raises(vqpress.VQError, match="strip_rows must be a positive integer"):
        cm.encode(codes, 4, strip_rows=0)


# -- the payload's validation ---------------------------------------------------------------

@pytest.fixture(scope="module")
def payloads():
    out = {}
    for name, n, ordered in (("gray", 8, True), ("palette", 16, False), ("wide", 256, False)):
        codes = blobs(48, 80, n, seed=n)
        for effort in (0, 3, 5):  # levels 2 (fast; palettes 6), 0 (lean), 1 (full)
            out[name, effort] = (codes, n, cm.encode(codes, n, ordered=ordered, effort=effort))
    for name in ("palette", "wide"):  # level 2's palette model: no effort writes it any more
        codes, n, data = out[name, 0]
        out[name, "level 2"] = (codes, n, at_level(data, codes, 2))
    return out


def test_fast_level_names_the_smallest_tables(payloads):
    codes, n, data = payloads["gray", 0]
    assert cm.describe(data)["level"] == 2 and cm.describe(data)["table_bits"] == 8
    blob = bytearray(data)
    blob[4] = 9  # level 2 has no hashed tables: any other table size is refused
    with pytest.raises(vqpress.FormatError, match="level 2 has no hashed tables: its table_bits must be 8; got 9"):
        cm.decode(bytes(blob), codes.shape, n)


def test_levels_written_at_each_effort():
    """Palettes at level 6 for efforts 0-2 and level 7 for 3-4 (level 18 up to 16 colours:
    test_coding_cm_level18); gray at level 2 (effort 0), level 5 (1), level 8 or 5 (2; up to
    16 levels, else level 4: test_coding_cm_level5) and level 0 (3-4); both at level 1 from
    5 on."""
    palette, gray = blobs(20, 30, 40, seed=1), blobs(20, 30, 8, seed=1)  # 40 colours: palette model only
    for effort, palette_level, gray_level in [(0, 6, (2,)), (1, 6, (5,)), (2, 6, (5, 8)), (3, 7, (0,)), (4, 7, (0,)), (5, 1, (1,))]:
        data = cm.encode(palette, 40, effort=effort)
        assert (cm.describe(data)["level"], cm.describe(data)["model"]) == (palette_level, "palette")
        data = cm.encode(gray, 8, ordered=True, effort=effort)
        assert cm.describe(data)["level"] in gray_level and cm.describe(data)["model"] == "ordered"


@pytest.mark.parametrize("name", ["palette", "wide"])
def test_level_2_palettes_still_decode(payloads, name):
    codes, n, data = payloads[name, "level 2"]
    assert cm.describe(data)["level"] == 2
    np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)


def test_level_3_header_is_checked(payloads):
    codes, n, data = payloads["palette", 0]
    data = at_level(data, codes, 3)
    assert cm.describe(data)["level"] == 3 and cm.describe(data)["table_bits"] == 8
    blob = bytearray(data)
    blob[4] = 9
    with pytest.raises(vqpress.FormatError, match="level 3 has no hashed tables: its table_bits must be 8; got 9"):
        cm.decode(bytes(blob), codes.shape, n)
    blob = bytearray(data)
    blob[3] = 0  # the ordered model has no level 3
    with pytest.raises(vqpress.FormatError, match="level 3 codes the palette model only"):
        cm.decode(bytes(blob), codes.shape, n)
    gray_codes, gray_n, gray = payloads["gray", 0]
    blob = bytearray(gray)
    blob[5] = 3
    with pytest.raises(vqpress.FormatError, match="level 3 codes the palette model only"):
        cm.decode(bytes(blob), gray_codes.shape, gray_n)


def test_header_fields_are_checked(payloads):
    codes, n, data = payloads["palette", 5]
    h, w = codes.shape
    head = bytearray(data)

    def bad(mutate, match, shape=(h, w), n_=n):
        blob = bytearray(head)
        mutate(blob)
        with pytest.raises(vqpress.FormatError, match=match):
            cm.decode(bytes(blob), shape, n_)

    bad(lambda b: b.__setitem__(0, ord("X")), "not a cm payload")
    bad(lambda b: b.__setitem__(2, 3), "not a cm payload of version 1 or 2")
    bad(lambda b: b.__setitem__(3, 2), "model 2")
    bad(lambda b: b.__setitem__(5, 9), "level 9")
    bad(lambda b: b.__setitem__(4, 7), "table_bits 7")
    bad(lambda b: b.__setitem__(4, 17), "table_bits 17")
    bad(lambda b: b.__setitem__(4, 16), "larger than a strip")
    bad(lambda b: struct.pack_into("<H", b, 6, 15), "codes 15 symbols")
    bad(lambda b: None, "codes 16 symbols; the codebook has 17", n_=17)
    bad(lambda b: struct.pack_into("<I", b, 8, 0), "strip_rows 0")
    bad(lambda b: struct.pack_into("<I", b, 8, h + 1), f"strip_rows {h + 1}")
    bad(lambda b: b.__setitem__(12, b[13]), "not a permutation")
    bad(lambda b: None, "ends inside its header", shape=(h * 2000, 2000))
    codes8, n8, gray = payloads["gray", 5]
    with pytest.raises(vqpress.FormatError, match="ordered model codes at most 32"):
        blob = bytearray(payloads["wide", 5][2])
        blob[3] = 0
        cm.decode(bytes(blob), codes.shape, 256)
    with pytest.raises(vqpress.FormatError, match="shorter than its"):
        cm.decode(data[:10], codes.shape, n)


def test_a_stream_must_be_used_exactly(payloads):
    codes, n, data = payloads["gray", 5]
    start = 12 + n + 4  # one strip: header, order, one stream length
    (length,) = struct.unpack_from("<I", data, 12 + n)
    assert start + length == len(data)
    # one byte less, or one more (with the stream length fixed up), is refused
    for delta in (-1, 1, 5):
        blob = bytearray(data[:start] + data[start:] [: length + delta] + b"\x00" * max(0, delta))
        struct.pack_into("<I", blob, 12 + n, length + delta)
        with pytest.raises(vqpress.FormatError, match="does not decode to its strip exactly"):
            cm.decode(bytes(blob), codes.shape, n)
    # stream lengths must add up to the payload
    with pytest.raises(vqpress.FormatError, match="add up to"):
        cm.decode(data + b"\x00", codes.shape, n)
    with pytest.raises(vqpress.FormatError, match="add up to"):
        cm.decode(data[:-1], codes.shape, n)


def test_fuzz_damaged_payloads_fail_cleanly_and_fast(payloads):
    fuzz_payloads(payloads.values(), np.random.default_rng(9))


# -- the specification ----------------------------------------------------------------------

@pytest.mark.parametrize("n,ordered,effort", [(2, True, 0), (8, True, 2), (32, True, 1), (13, False, 2),
                                              (40, False, 1), (256, False, 2), (3, False, 0),
                                              (8, True, 5), (13, False, 4), (40, False, 3), (5, False, 9),
                                              (40, False, 7), (16, False, 0), (17, False, 1), (255, False, 2)])
@pytest.mark.parametrize("level2", [False, True])
def test_format_md_describes_the_coding_exactly(n, ordered, effort, level2):
    """tests/cm_reference.py (and cm_reference_level3.py) decode from the letter of
    docs/FORMAT.md, sharing no code; ``level2``: palettes of efforts 0-2 recoded at level 2."""
    from cm_reference import decode as reference_decode

    codes = blobs(9, 23, n, seed=n + effort, noise=0.2)
    data = cm.encode(codes, n, ordered=ordered, effort=effort)
    if effort <= 4:  # (from effort 5 on, effort 2's payload where it is the smaller: either model)
        assert cm.describe(data)["model"] == ("ordered" if ordered else "palette")
    if level2:
        if cm.describe(data)["level"] != 3:
            return
        data = at_level(data, codes, 2)
    np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, n)), codes)


@given(h=st.integers(1, 12), w=st.integers(1, 12), n=st.integers(2, 256), seed=st.integers(0, 2**16),
       noise=st.floats(0, 1))
@settings(max_examples=40, deadline=None)
def test_format_md_describes_level_3_on_any_map(h, w, n, seed, noise):
    from cm_reference import decode as reference_decode

    codes = blobs(h, w, n, seed=seed, noise=noise)
    with palettes_at(3):
        data = cm.encode(codes, n, effort=2)
    assert cm.describe(data)["level"] == 3
    np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, n)), codes)


def test_bench_palette_level3_times_both_levels():
    """benchmarks/bench_palette_level3.py sets the palette level for each run only."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        import bench_palette_level3 as bench3
    finally:
        sys.path.pop(0)
    codes = blobs(30, 40, 20, seed=2, noise=0.2)
    sizes = [bench3.run(codes, 20, level)[0] for level in (2, 3, 7)]
    data = cm.encode(codes, 20)
    assert sizes == [len(at_level(data, codes, level)) for level in (2, 3, 7)]
    bench3.run(codes, 20, 0)  # level 0 with its hashed tables (run checks the level and the round trip)
    few = blobs(30, 40, 12, seed=3, noise=0.2)
    for level in (7, 10):  # at effort 3, 12 colours at level 7 too (where the effort takes level 10)
        bench3.run(few, 12, level, 3)
    assert cm_choice.EFFORT_SETTINGS[cm.DEFAULT_EFFORT][1] == 6  # restored after the other levels' runs
