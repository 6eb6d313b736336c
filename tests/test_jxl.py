"""Reading JPEG XL files: the header read before decoding (against libjxl's own files), the
pixel limit applied before anything is decoded, the box container, refusals."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vqpress
from vqpress import _jxl
from vqpress.errors import VQError

imagecodecs = pytest.importorskip("imagecodecs")


class BitWriter:
    """Bits least significant first, as the codestream stores them."""

    def __init__(self):
        self.value, self.n = 0, 0

    def put(self, value: int, bits: int):
        assert 0 <= value < 1 << bits
        self.value |= value << self.n
        self.n += bits
        return self

    def bytes(self) -> bytes:
        return self.value.to_bytes((self.n + 7) // 8 + 16, "little")  # zero padding, as a file's rest


def size_header(w: BitWriter, width: int, height: int):
    """A SizeHeader in its large form (no ratio), heights and widths of 1 .. 2**30."""
    w.put(0, 1)
    for v in (height, None, width):
        if v is None:
            w.put(0, 3)  # ratio 0: the width follows
            continue
        for selector, bits in enumerate((9, 13, 18, 30)):
            if v - 1 < 1 << bits:
                w.put(selector, 2).put(v - 1, bits)
                break


def test_read_header_agrees_with_libjxl_on_its_files():
    rng = np.random.default_rng(0)
    shapes = [(1, 1), (8, 8), (256, 256), (256, 8), (64, 32), (1000, 1200), (300, 400), (200, 300),
              (900, 1600), (400, 500), (100, 200), (7, 3), (513, 257), (8193, 1), (1, 70000)]
    shapes += [tuple(int(v) for v in rng.integers(1, 2000, 2)) for _ in range(12)]
    for h, w in shapes:  # the small form, the fixed ratios and the U32 sizes of the SizeHeader
        data = imagecodecs.jpegxl_encode(np.zeros((h, w), np.uint8), lossless=True, effort=1)
        assert _jxl.read_header(data, "x") == (w, h, False), (h, w)


def test_imread_reads_what_vqpress_writes(tmp_path):
    face = vqpress.datasets.face()
    cases = {"gray": vqpress.compress(face[..., 1], 8), "rgb": vqpress.compress(face, 16),
             "deep": vqpress.compress((np.arange(40 * 60, dtype=np.uint16) * 27).reshape(40, 60), 300)}
    for name, c in cases.items():
        vqpress.save(tmp_path / f"{name}.jxl", c)
        back = vqpress.imread(tmp_path / f"{name}.jxl")
        assert back.dtype == c.decompress().dtype
        np.testing.assert_array_equal(back, c.decompress())
        assert vqpress.imread(tmp_path / f"{name}.jxl", frames=True).shape == (1, *back.shape)
    rgba = np.random.default_rng(1).integers(0, 256, (20, 30, 4), dtype=np.uint8)
    (tmp_path / "rgba.jxl").write_bytes(imagecodecs.jpegxl_encode(rgba, lossless=True))
    np.testing.assert_array_equal(vqpress.imread(tmp_path / "rgba.jxl"), rgba)


def test_the_command_line_compresses_a_jxl_file(tmp_path):
    from vqpress.cli import main

    face = vqpress.datasets.face()[::4, ::4]
    (tmp_path / "in.jxl").write_bytes(imagecodecs.jpegxl_encode(face, lossless=True))
    assert main(["compress", str(tmp_path / "in.jxl"), "-n", "16", "-q"]) == 0
    np.testing.assert_array_equal(vqpress.load(tmp_path / "in.vqz").decompress(),
                                  vqpress.compress(face, 16).decompress())
    (tmp_path / "in.vqz").unlink()
    assert main(["compress", str(tmp_path), "-o", str(tmp_path / "out"), "-n", "16", "-q"]) == 0  # a folder
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["in.vqz"]


def container(codestream: bytes, parts: int = 1, extended: bool = False) -> bytes:
    """``codestream`` in the box container: one jxlc box, or ``parts`` jxlp boxes."""
    def box(kind: bytes, body: bytes) -> bytes:
        if extended:  # size 1: a 64-bit size follows the type
            return (1).to_bytes(4, "big") + kind + (len(body) + 16).to_bytes(8, "big") + body
        return (len(body) + 8).to_bytes(4, "big") + kind + body

    out = _jxl.CONTAINER + box(b"ftyp", b"jxl \x00\x00\x00\x00jxl ")
    if parts == 1:
        return out + box(b"jxlc", codestream)
    cuts = np.linspace(0, len(codestream), parts + 1).astype(int)
    for i in range(parts):
        index = i | (1 << 31 if i == parts - 1 else 0)
        out += box(b"jxlp", index.to_bytes(4, "big") + codestream[cuts[i]:cuts[i + 1]])
    return out


@pytest.mark.parametrize("parts,extended", [(1, False), (1, True), (5, False)])
def test_the_box_container(tmp_path, parts, extended):
    img = np.random.default_rng(2).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    data = container(bytes(imagecodecs.jpegxl_encode(img, lossless=True)), parts, extended)
    assert _jxl.read_header(data, "x") == (53, 37, False)
    (tmp_path / "c.jxl").write_bytes(data)
    np.testing.assert_array_equal(vqpress.imread(tmp_path / "c.jxl"), img)


def test_more_pixels_than_allowed_are_refused_before_decoding(tmp_path, monkeypatch):
    small = bytes(imagecodecs.jpegxl_encode(np.zeros((40, 48), np.uint8), lossless=True))
    (tmp_path / "s.jxl").write_bytes(small)
    with pytest.raises(VQError, match="1,920 pixels, more than max_pixels=1,000"):
        vqpress.imread(tmp_path / "s.jxl", max_pixels=1000)
    # a header claiming 100,000 x 100,000 pixels over a few bytes: refused by Pillow's policy,
    # and libjxl is never called
    w = BitWriter().put(0xFF, 8).put(0x0A, 8)
    size_header(w, 100_000, 100_000)
    w.put(1, 1)  # all_default metadata
    (tmp_path / "bomb.jxl").write_bytes(w.bytes())
    monkeypatch.setattr(_jxl, "decode", lambda *a: pytest.fail("decoded a refused file"))
    with pytest.raises(VQError, match="10,000,000,000 pixels, more than twice Pillow's"):
        vqpress.imread(tmp_path / "bomb.jxl")


@settings(max_examples=60, deadline=None)
@given(width=st.integers(1, 2**30), height=st.integers(1, 2**30), orientation=st.integers(0, 7),
       intrinsic=st.none() | st.tuples(st.integers(1, 2**30), st.integers(1, 2**30)),
       preview=st.none() | st.tuples(st.integers(1, 4096), st.integers(1, 4096)),
       animated=st.booleans())
def test_read_header_of_every_metadata_path(width, height, orientation, intrinsic, preview, animated):
    w = BitWriter().put(0xFF, 8).put(0x0A, 8)
    size_header(w, width, height)
    w.put(0, 1).put(1, 1).put(orientation, 3)  # not all_default; extra_fields
    w.put(intrinsic is not None, 1)
    if intrinsic:
        size_header(w, *intrinsic)
    w.put(preview is not None, 1)
    if preview:
        w.put(0, 1)  # not div8: the U32s of 1 + 6, 65 + 8, 321 + 10 and 1345 + 12 bits
        for v in (preview[1], None, preview[0]):
            if v is None:
                w.put(0, 3)
                continue
            for selector, (bits, offset) in enumerate(_jxl._PREVIEW_LARGE):
                if v - offset < 1 << bits:
                    w.put(selector, 2).put(v - offset, bits)
                    break
    w.put(animated, 1)
    assert _jxl.read_header(w.bytes(), "x") == (width, height, animated)


def test_refusals(tmp_path):
    anim = bytes(imagecodecs.jpegxl_encode(np.zeros((2, 16, 24), np.uint8), lossless=True))
    (tmp_path / "anim.jxl").write_bytes(anim)
    with pytest.raises(VQError, match="anim.jxl is an animated JPEG XL file"):
        vqpress.imread(tmp_path / "anim.jxl", frames=True)
    good = bytes(imagecodecs.jpegxl_encode(np.zeros((16, 24), np.uint8), lossless=True))
    cases = {
        "cut.jxl": (good[:3], "its header is cut short"),
        "damaged.jxl": (good[:12] + b"\x00" * 40, "is a damaged JPEG XL file"),
        "nocodestream.jxl": (_jxl.CONTAINER + b"\x00\x00\x00\x08ftyp", "no codestream in its boxes"),
        "longbox.jxl": (_jxl.CONTAINER + b"\x00\x01\x00\x00jxlc" + good, "box b'jxlc' at byte 12 claims 65,536"),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(VQError, match=message):
            vqpress.imread(tmp_path / name)


def test_without_imagecodecs_says_what_to_install(tmp_path, hide_module):
    (tmp_path / "a.jxl").write_bytes(bytes(imagecodecs.jpegxl_encode(np.zeros((8, 8), np.uint8), lossless=True)))
    hide_module("imagecodecs")
    with pytest.raises(VQError, match="reading JPEG XL needs the optional package imagecodecs"):
        vqpress.imread(tmp_path / "a.jxl")
