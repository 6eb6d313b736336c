"""The .vqz container: round trips, the PNG export, and trust (a mutation fuzzer)."""

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import vqpress
from same_codebook import assert_equivalent

from vqpress.container import MAGIC, from_bytes, to_bytes

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def small_gray():
    return vqpress.datasets.face(gray=True)[200:296:2, 300:428:2].copy()  # 48 x 64


@pytest.fixture(scope="module")
def small_compressed(small_gray):
    return vqpress.compress(small_gray, 8)


@pytest.mark.parametrize("exact_centers", [False, True])
@pytest.mark.parametrize("coding", ["auto", "raw", "context"])
@pytest.mark.parametrize("n_colors", [2, 3, 8, 16, 300])
def test_round_trip_is_bit_identical(face_gray, coding, n_colors, exact_centers):
    data = face_gray[:64, :96]
    if n_colors == 300:  # more than 256 levels: 16-bit data with many distinct values
        data = data.astype(np.uint16) * 256 + np.arange(96, dtype=np.uint16)
    c = vqpress.compress(data, n_colors)
    blob = to_bytes(c, coding, exact_centers=exact_centers)
    back = from_bytes(blob)
    assert back.shape == c.shape and back.dtype == c.dtype
    if exact_centers:  # float64 centres and edges, format 2.0 and older: the fitted codebook itself
        assert back.codebook == c.codebook
    else:  # in the image's dtype (format 2.1): the same levels, the same code for every value
        assert_equivalent(back.codebook, c.codebook)
    np.testing.assert_array_equal(back.decompress(), c.decompress())
    assert back.payload == c.payload


@pytest.mark.parametrize(
    "data",
    [
        np.linspace(-3, 7, 500),  # 1-D float
        np.arange(60, dtype=np.int16).reshape(3, 4, 5) - 30,  # 3-D volume of scalars
        np.full((5, 7), 3, dtype=np.uint8),  # constant
        np.random.default_rng(0).standard_normal((9, 11)).astype(np.float32),
    ],
)
def test_round_trip_of_other_shapes_and_dtypes(data):
    with pytest.warns(UserWarning) if np.unique(data).size == 1 else _no_warning():
        c = vqpress.compress(data, 5)
    back = from_bytes(c.to_bytes())
    assert back.decompress().dtype == data.dtype
    np.testing.assert_array_equal(back.decompress(), c.decompress())


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_auto_picks_the_smaller_coding(face_gray):
    c = vqpress.compress(face_gray, 8)
    sizes = {coding: len(to_bytes(c, coding)) for coding in ("raw", "context", "cm", "auto")}
    assert sizes["auto"] == min(sizes["raw"], sizes["cm"])  # cm applies (2..256 colours)
    assert sizes["context"] < sizes["raw"] / 3  # neighbouring pixels mostly share a level
    assert sizes["cm"] < sizes["context"]


def test_save_and_load(tmp_path, small_compressed):
    path = vqpress.save(tmp_path / "x.vqz", small_compressed)
    back = vqpress.load(path)
    np.testing.assert_array_equal(back.decompress(), small_compressed.decompress())
    with pytest.raises(vqpress.VQError, match="exists; pass overwrite=True"):
        vqpress.save(path, small_compressed)
    vqpress.save(path, small_compressed, overwrite=True, coding="raw")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.vqz"]
    with pytest.raises(vqpress.VQError, match="no such file"):
        vqpress.load(tmp_path / "missing.vqz")


def test_write_is_atomic(tmp_path, small_compressed, monkeypatch):
    """A failure while writing leaves neither a partial file nor a temporary one."""
    import vqpress.container as container

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(container, "to_bytes", boom)
    with pytest.raises(RuntimeError):
        vqpress.save(tmp_path / "y.vqz", small_compressed)
    assert list(tmp_path.iterdir()) == []

    from vqpress import _fileio

    def half_write(fh):
        fh.write(b"half")
        raise OSError("no space left")

    with pytest.raises(vqpress.VQError, match=r"cannot write .*z\.vqz: no space left"):
        _fileio.atomic_write(tmp_path / "z.vqz", half_write)
    assert list(tmp_path.iterdir()) == []


def test_layout_starts_with_magic_and_version(small_compressed, monkeypatch):
    blob = small_compressed.to_bytes()  # auto: the cm coding, 2.0, the codebook Rice-coded: 2.2
    assert blob.startswith(MAGIC)
    assert blob[8:10] == b"\x02\x02" and blob[11] == 0 and blob[15] == 2  # the compact header
    monkeypatch.setattr(vqpress.container, "_WRITE_VERSION", (2, 1))
    blob = small_compressed.to_bytes()  # the codebook in uint8, the fixed header: 2.1
    assert blob[8:10] == b"\x02\x01" and blob[15] == 1
    exact = small_compressed.to_bytes(exact_centers=True)  # float64 codebook: what 2.0 holds
    assert exact[8:10] == b"\x02\x00" and exact[15] == 0
    # readable by 1.x readers
    assert small_compressed.to_bytes("context", exact_centers=True)[8:10] == b"\x01\x00"


def test_newer_major_version_is_refused_clearly(small_compressed):
    blob = bytearray(small_compressed.to_bytes(exact_centers=True))
    blob[8:10] = b"\x03\x00"
    header_len = 8 + 20 + 8 * 2 + len(b"optimal")
    blob[header_len : header_len + 4] = struct.pack("<I", zlib.crc32(bytes(blob[:header_len])))
    with pytest.raises(vqpress.FormatError, match="version 3.0 is not supported"):
        from_bytes(bytes(blob))


def test_huge_claimed_image_fails_at_once(small_compressed):
    blob = bytearray(small_compressed.to_bytes("raw", exact_centers=True))
    header_len = 8 + 20 + 8 * 2 + len(b"optimal")
    struct.pack_into("<QQ", blob, 28, 10**6, 10**6)  # 10**12 pixels
    blob[header_len : header_len + 4] = struct.pack("<I", zlib.crc32(bytes(blob[:header_len])))
    with pytest.raises(vqpress.FormatError, match="1,000,000,000,000 pixels, more than twice Pillow's"):
        from_bytes(bytes(blob))


def mutations(blob: bytes, rng: np.random.Generator, count: int):
    """Bit flips, byte rewrites, truncations, extensions and header-field rewrites."""
    n = len(blob)
    for _ in range(count):
        kind = rng.integers(5)
        b = bytearray(blob)
        if kind == 0:
            pos = int(rng.integers(n))
            b[pos] ^= 1 << int(rng.integers(8))
        elif kind == 1:
            for pos in rng.integers(0, n, size=int(rng.integers(1, 8))):
                b[int(pos)] = int(rng.integers(256))
        elif kind == 2:
            b = b[: int(rng.integers(n))]
        elif kind == 3:
            b += bytes(rng.integers(0, 256, size=int(rng.integers(1, 64)), dtype=np.uint8))
        else:  # rewrite one header field, with or without fixing the header checksum
            pos = int(rng.integers(8, 44))
            b[pos] = int(rng.integers(256))
            if rng.integers(2):
                header_len = 8 + 20 + 8 * 2 + len(b"optimal")
                b[header_len : header_len + 4] = struct.pack("<I", zlib.crc32(bytes(b[:header_len])))
        if bytes(b) != blob:
            yield bytes(b)


@pytest.mark.parametrize("coding", ["raw", "context"])
def test_mutation_fuzzer(small_compressed, coding):
    blob = to_bytes(small_compressed, coding)
    rng = np.random.default_rng(12345)
    reference = small_compressed.decompress()
    accepted = 0
    for mutated in mutations(blob, rng, 600):
        try:
            back = from_bytes(mutated)
        except vqpress.FormatError:
            continue
        # Only a header rewrite with a fixed checksum can pass, and then only with a valid
        # image: it must decode without error to the right number of pixels.
        accepted += 1
        assert back.decompress().size == back.n_pixels * max(1, back.codebook.channels)
    assert accepted < 60
    # Every single-bit flip anywhere is detected.
    for pos in range(0, len(blob), max(1, len(blob) // 300)):
        for bit in (0, 7):
            b = bytearray(blob)
            b[pos] ^= 1 << bit
            with pytest.raises(vqpress.FormatError):
                from_bytes(bytes(b))
    np.testing.assert_array_equal(from_bytes(blob).decompress(), reference)


def test_random_bytes_and_empty_input():
    rng = np.random.default_rng(1)
    for size in (0, 1, 7, 8, 40, 1000):
        with pytest.raises(vqpress.FormatError):
            from_bytes(bytes(rng.integers(0, 256, size=size, dtype=np.uint8)))
    with pytest.raises(vqpress.FormatError):
        from_bytes(MAGIC + bytes(100))
    with pytest.raises(vqpress.VQError, match="takes bytes"):
        from_bytes("not bytes")


def test_to_bytes_errors(small_compressed):
    with pytest.raises(vqpress.VQError, match="coding must be one of"):
        to_bytes(small_compressed, "zip")
    with pytest.raises(vqpress.VQError, match="takes a vqpress.Compressed"):
        to_bytes(np.zeros(3))


def test_committed_file_still_decodes():
    """tests/data/face-crop-optimal-8.vqz was written by vqpress 0.1.0 (format 1.0)."""
    blob = (DATA / "face-crop-optimal-8.vqz").read_bytes()
    c = from_bytes(blob)
    expected = np.load(DATA / "face-crop-optimal-8.npy")
    np.testing.assert_array_equal(c.decompress(), expected)
    assert c.codebook.strategy == "optimal" and c.codebook.n_colors == 8


# -- PNG export ------------------------------------------------------------------------------
@pytest.mark.parametrize("n_colors,bits", [(2, 1), (3, 2), (4, 2), (5, 4), (16, 4), (17, 8), (150, 8)])
def test_png_export_decodes_exactly(tmp_path, face_gray, n_colors, bits):
    c = vqpress.compress(face_gray[:100, :120], n_colors)
    path = vqpress.save(tmp_path / "x.png", c)
    with Image.open(path) as im:
        assert im.mode == "P"
        assert im.tile[0].args == ("P" if bits == 8 else f"P;{bits}")
        index = np.asarray(im)
        palette = np.asarray(im.getpalette(), dtype=np.uint8).reshape(-1, 3)
    np.testing.assert_array_equal(palette[index][..., 0], c.decompress())
    np.testing.assert_array_equal(vqpress.imread(path), c.decompress())  # a gray palette reads back gray


def test_png_export_refuses_what_a_png_cannot_hold(tmp_path):
    from vqpress.png import to_png

    deep = np.arange(64 * 64, dtype=np.uint16).reshape(64, 64)
    with pytest.raises(vqpress.VQError, match="8-bit levels.*save as .vqz"):
        to_png(vqpress.compress(deep, 8))
    with pytest.raises(vqpress.VQError, match="holds uint8 images and 16-bit gray; this image is float32"):
        vqpress.save(tmp_path / "b.png", vqpress.compress(deep.astype(np.float32), 300))
    with pytest.raises(vqpress.VQError, match="holds an image"):
        vqpress.save(tmp_path / "c.png", vqpress.compress(np.arange(100, dtype=np.uint8), 4))
    assert list(tmp_path.iterdir()) == []


def test_png_of_what_a_palette_cannot_hold_is_a_plain_png(tmp_path):
    """16-bit gray, or more than 256 levels: not an indexed PNG, a plain one, as exact."""
    deep = np.arange(64 * 64, dtype=np.uint16).reshape(64, 64)
    for name, c in [("deep.png", vqpress.compress(deep, 8)), ("many.png", vqpress.compress(deep, 300))]:
        vqpress.save(tmp_path / name, c)
        back = vqpress.imread(tmp_path / name)
        assert back.dtype == np.uint16
        np.testing.assert_array_equal(back, c.decompress())


def test_read_header_without_the_body(small_compressed, monkeypatch):
    from vqpress.container import HEADER_MAX, read_header

    blob = to_bytes(small_compressed, "context")
    head = read_header(blob[:HEADER_MAX])
    assert head.shape == small_compressed.shape and head.coding == "context"
    assert head.n_colors == 8 and head.strategy == "optimal" and head.dtype == np.uint8
    assert head.file_size == len(blob) and head.version == "2.2" and head.codebook_form == 2
    assert head.codebook_len is None and head.payload_len is None  # form 2: known from the body
    monkeypatch.setattr(vqpress.container, "_WRITE_VERSION", (2, 1))
    blob = to_bytes(small_compressed, "context")
    head = read_header(blob[:HEADER_MAX])
    assert head.file_size == len(blob) and head.version == "2.1" and head.codebook_form == 1
    exact = to_bytes(small_compressed, "context", exact_centers=True)
    head = read_header(exact[:HEADER_MAX])
    assert head.file_size == len(exact) and head.version == "1.0" and head.codebook_form == 0
    with pytest.raises(vqpress.FormatError, match="header checksum"):
        read_header(blob[:20] + bytes([blob[20] ^ 1]) + blob[21:])


def test_the_payload_codings_table():
    """The codings' numbers and format versions are those of docs/FORMAT.md; the container
    dispatches through the registry's table and re-exports its names."""
    from vqpress import container
    from vqpress.coding import registry

    assert container.CODINGS is registry.CODINGS
    assert registry.CODINGS == {"raw": 0, "context": 1, "cm": 2}
    assert {c.name: c.version for c in registry.BY_NUMBER.values()} == {
        "raw": (1, 0), "context": (1, 0), "cm": (2, 0)}
    assert [c.name for c in registry.BY_NUMBER.values() if c.max_pixels is not None] == ["context"]
