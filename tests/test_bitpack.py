import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import vqpress
from vqpress.bitpack import packed_size


def reference_pack(codes, bits):
    """Bit by bit, most significant bit first: the definition pack_bits must meet."""
    codes = np.asarray(codes, dtype=np.uint64).ravel()
    shifts = np.arange(bits - 1, -1, -1, dtype=np.uint64)
    bitmat = ((codes[:, None] >> shifts) & np.uint64(1)).astype(np.uint8)
    return np.packbits(bitmat.ravel()).tobytes()


@pytest.mark.parametrize("bits", range(1, 17))
@pytest.mark.parametrize("count", [0, 1, 7, 8, 9, 15, 16, 17, 1000, 1003])
def test_round_trip_and_reference_layout(bits, count):
    rng = np.random.default_rng(bits * 1000 + count)
    codes = rng.integers(0, 1 << bits, size=count)
    packed = vqpress.pack_bits(codes, bits)
    assert len(packed) == packed_size(count, bits) == -(-count * bits // 8)
    assert packed == reference_pack(codes, bits)
    out = vqpress.unpack_bits(packed, bits, count)
    assert out.dtype == (np.uint8 if bits <= 8 else np.uint16)
    np.testing.assert_array_equal(out, codes)


@given(st.integers(1, 16).flatmap(lambda b: st.tuples(st.just(b), st.lists(st.integers(0, (1 << b) - 1), max_size=70))))
def test_round_trip_property(case):
    bits, codes = case
    packed = vqpress.pack_bits(np.array(codes, dtype=np.int64), bits)
    np.testing.assert_array_equal(vqpress.unpack_bits(packed, bits, len(codes)), codes)


def test_documented_example():
    assert vqpress.pack_bits([1, 2, 3, 4, 5, 6, 7, 0], 3).hex() == "29cbb8"


def test_face_payload_is_three_bits_a_pixel(face_gray):
    codes = vqpress.fit(face_gray, 8).encode(face_gray)
    assert len(vqpress.pack_bits(codes, 3)) == 294_912


def test_multidimensional_codes_are_flattened_in_c_order():
    codes = np.arange(12, dtype=np.uint8).reshape(3, 4) % 8
    assert vqpress.pack_bits(codes, 3) == vqpress.pack_bits(codes.ravel(), 3)


@pytest.mark.parametrize("bits", [0, 17, -1, 2.5, True, "3"])
def test_bad_bits(bits):
    with pytest.raises(vqpress.VQError, match="bits must be an integer"):
        vqpress.pack_bits([0, 1], bits)
    with pytest.raises(vqpress.VQError, match="bits must be an integer"):
        vqpress.unpack_bits(b"\0", bits, 1)


def test_codes_out_of_range():
    with pytest.raises(vqpress.VQError, match="code 8 does not fit in 3 bits"):
        vqpress.pack_bits([0, 8], 3)
    with pytest.raises(vqpress.VQError, match="code -1 does not fit"):
        vqpress.pack_bits([-1, 2], 3)


def test_non_integer_codes():
    with pytest.raises(vqpress.VQError, match="integer array"):
        vqpress.pack_bits([0.5, 1.0], 3)


def test_short_buffer():
    with pytest.raises(vqpress.VQError, match="data holds 2 bytes; 8 codes of 3 bits need 3"):
        vqpress.unpack_bits(b"\0\0", 3, 8)


@pytest.mark.parametrize("count", [-1, 1.5, None])
def test_bad_count(count):
    with pytest.raises(vqpress.VQError, match="count must be an integer"):
        vqpress.unpack_bits(b"\0" * 4, 3, count)


def test_data_not_bytes():
    with pytest.raises(vqpress.VQError, match="bytes-like"):
        vqpress.unpack_bits("abc", 3, 1)
