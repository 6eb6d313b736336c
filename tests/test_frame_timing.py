"""Frame timing (``vqpress.FrameTiming``): read from animated GIF, WebP and PNG files, kept by a
Compressed and its .vqz file (format 2.3, docs/FORMAT.md "Layout, format 2.3"), written back to
the animations vqpress writes, shown by ``vqpress info``; hostile timing blocks refused."""

from __future__ import annotations

import io
import pickle
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

import vqpress
from vqpress import FormatError, FrameTiming, VQError
from vqpress import _compact_header as compact_header
from vqpress import _varint as varint
from vqpress._frame_timing import MAX_DURATION, MAX_LOOP, from_block, to_block
from vqpress.container import read_header
from vqpress.imageio import encode_image, imread_animation

from cli_helpers import run

FRAMES = np.stack([((np.indices((12, 20)).sum(0) * 5 + 60 * k) % 256).astype(np.uint8) for k in range(4)])


def animation(fmt: str, durations=(100, 200, 300, 400), loop=0, frames=FRAMES) -> bytes:
    """An animation written by Pillow itself (not by vqpress)."""
    pils = [Image.fromarray(f) for f in frames]
    options = {"lossless": True} if fmt == "WEBP" else {}
    if loop is not None:
        options["loop"] = loop
    buf = io.BytesIO()
    pils[0].save(buf, format=fmt, save_all=True, append_images=pils[1:], duration=list(durations), **options)
    return buf.getvalue()


def durations_of(data: bytes) -> tuple[list, object]:
    im = Image.open(io.BytesIO(data))
    got = []
    for k in range(im.n_frames):
        im.seek(k)
        im.load()
        got.append(round(im.info.get("duration", 0)))
    return got, im.info.get("loop")


# ------------------------------------------------------------------ the value


def test_frame_timing_checks_its_fields():
    assert FrameTiming((0, MAX_DURATION), None).loop is None
    assert FrameTiming([100, np.uint16(250)], np.int64(3)) == FrameTiming((100, 250), 3)  # kept as ints
    assert FrameTiming(np.array([5, 6])).durations == (5, 6) and type(FrameTiming(np.array([5])).durations[0]) is int
    for bad in ((), [], (100, -1), (100, MAX_DURATION + 1), (True, 100), (1.5,), "100", None, 100):
        with pytest.raises(VQError, match="durations must be|a frame's duration must be"):
            FrameTiming(bad)
    for bad in (-1, MAX_LOOP + 1, True, 1.0, "0"):
        with pytest.raises(VQError, match=r"loop must be None or an integer of 0\.\.65535"):
            FrameTiming((100,), bad)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, MAX_DURATION), min_size=1, max_size=40), st.one_of(st.none(), st.integers(0, MAX_LOOP)))
def test_the_block_round_trips(durations, loop):
    timing = FrameTiming(tuple(durations), loop)
    block = to_block(timing)
    assert from_block(block, len(durations)) == timing
    with pytest.raises(FormatError, match="frame timing for"):
        from_block(block, len(durations) + 1)
    with pytest.raises(FormatError, match="its fields take"):
        from_block(block + b"\0", len(durations))
    with pytest.raises(FormatError, match="runs past the end"):
        from_block(block[:-1], len(durations))


def test_hostile_blocks_are_refused():
    with pytest.raises(FormatError, match=r"frame 2 shows 4294967296 ms; a duration is at most 4294967295"):
        from_block(bytes([2, 5]) + varint.encode(1 << 32) + b"\0", 2)
    with pytest.raises(FormatError, match=r"loop code 65537: allowed 0 \(none\) or 1 \+ a loop count"):
        from_block(bytes([1, 5, 0x81, 0x80, 0x04]), 1)
    with pytest.raises(FormatError, match="belongs to frames"):
        from_block(to_block(FrameTiming((5,))), None)


# ------------------------------------------------------------------ image files


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_animations_are_read_with_their_timing(tmp_path, fmt):
    path = tmp_path / f"a.{fmt.lower()}"
    path.write_bytes(animation(fmt, loop=3))
    frames, timing = imread_animation(path)
    np.testing.assert_array_equal(frames, FRAMES)
    assert timing == FrameTiming((100, 200, 300, 400), 3)
    np.testing.assert_array_equal(vqpress.imread(path, frames=True), frames)  # imread as before


def test_stills_and_pages_have_no_timing(tmp_path):
    vqpress.imwrite(tmp_path / "still.gif", FRAMES[0])
    frames, timing = imread_animation(tmp_path / "still.gif")
    assert frames.shape == (1, 12, 20) and timing is None
    pages = [Image.fromarray(f) for f in FRAMES]
    pages[0].save(tmp_path / "pages.tif", save_all=True, append_images=pages[1:])
    assert imread_animation(tmp_path / "pages.tif")[1] is None
    (tmp_path / "once.gif").write_bytes(animation("GIF", loop=None))
    assert imread_animation(tmp_path / "once.gif")[1] == FrameTiming((100, 200, 300, 400), None)


@pytest.mark.parametrize("suffix", [".gif", ".webp", ".png"])
def test_animations_are_written_with_their_timing(suffix):
    timing = FrameTiming((40, 1000, 0, 65535 if suffix != ".gif" else 650_000), 2)
    data = encode_image(FRAMES, "x" + suffix, frames=True, timing=timing)
    got, loop = durations_of(data)
    assert got == list(timing.durations) and loop == 2
    untimed, loop = durations_of(encode_image(FRAMES, "x" + suffix, frames=True))
    assert untimed == [0, 0, 0, 0] and loop == 0  # as before: the viewer's pace, forever


def test_gif_rounds_to_its_10_ms_and_plays_once_without_a_loop():
    got, loop = durations_of(encode_image(FRAMES, "x.gif", frames=True, timing=FrameTiming((44, 45, 1, 999), None)))
    assert got == [40, 40, 0, 1000] and loop is None  # (44 / 10 and 45 / 10 round to even, as round() does)


def test_timings_a_format_cannot_hold_are_refused():
    with pytest.raises(VQError, match=r"x\.gif: a GIF frame shows at most 655,350 ms; this animation has one of "
                                      r"655,360 ms"):
        encode_image(FRAMES, "x.gif", frames=True, timing=FrameTiming((655_360, 1, 1, 1)))
    with pytest.raises(VQError, match=r"a PNG frame shows at most 65,535 ms"):
        encode_image(FRAMES, "x.png", frames=True, timing=FrameTiming((65_536, 1, 1, 1)))
    with pytest.raises(VQError, match="the timing has 2 durations for 4 frames"):
        encode_image(FRAMES, "x.webp", frames=True, timing=FrameTiming((1, 2)))


# ------------------------------------------------------------------ Compressed and .vqz


@pytest.fixture(scope="module")
def timed():
    return vqpress.compress(FRAMES, 8).with_timing(FrameTiming((100, 200, 300, 400), 0))


def test_compressed_keeps_a_timing_that_fits_its_frames(timed):
    assert timed.timing.durations == (100, 200, 300, 400)
    assert pickle.loads(pickle.dumps(timed)).timing == timed.timing
    assert timed.with_timing(None).timing is None
    with pytest.raises(VQError, match="the timing has 3 durations for 4 frames"):
        timed.with_timing(FrameTiming((1, 2, 3)))
    with pytest.raises(VQError, match=r"timing belongs to frames \(frames, H, W\[, C\]\); this data has shape "
                                      r"\(12, 20\)"):
        vqpress.compress(FRAMES[0], 8).with_timing(FrameTiming((1,)))
    with pytest.raises(VQError, match="timing must be a vqpress FrameTiming or None; got tuple"):
        timed.with_timing((1, 2, 3, 4))


@pytest.mark.parametrize("coding", ["raw", "context", "cm"])
def test_vqz_files_keep_the_timing_in_format_2_3(timed, coding):
    data = timed.to_bytes(coding)
    assert read_header(data).version == "2.3"
    back = vqpress.from_bytes(data)
    assert back.timing == timed.timing
    np.testing.assert_array_equal(back.codes(), timed.codes())
    plain = timed.with_timing(None).to_bytes(coding)  # without timing: format 2.2, as before
    assert read_header(plain).version == "2.2" and vqpress.from_bytes(plain).timing is None
    assert len(data) == len(plain) + read_header(data).timing_len + 1  # (the header's length field)


def test_colour_and_float_frames_keep_their_timing(tmp_path):
    rgb = np.stack([FRAMES, FRAMES[::-1], FRAMES], axis=-1)
    timing = FrameTiming((1, 2, 3, 4), None)
    c = vqpress.compress(rgb, 16, channel_axis=-1).with_timing(timing)
    assert vqpress.from_bytes(c.to_bytes()).timing == timing
    f = vqpress.compress(FRAMES.astype(np.float32), 8).with_timing(timing)  # (the codebook of form 0)
    back = vqpress.from_bytes(f.to_bytes())
    assert back.timing == timing and read_header(f.to_bytes()).version == "2.3"
    path = tmp_path / "c.vqz"
    vqpress.save(path, c)
    assert vqpress.load(path).timing == timing
    head, _ = vqpress.container.inspect(path)
    assert head.timing_len == len(to_block(timing))


def rebuilt(data: bytes, block: bytes, minor: int = 3, timing_len: int | None = None) -> bytes:
    """``data`` (a format 2.3 file) with another timing block (and header), CRCs made good."""
    head = read_header(data)
    fields, _ = compact_header.unpack(memoryview(data).cast("B"), 8, 8)
    major, _, dtype_code, channels, coding, strategy, form, n_colors, body_len, shape, old_len = fields
    header = b"\x89VQZ\r\n\x1a\n" + compact_header.pack(major, minor, dtype_code, channels, coding, strategy, form,
                                                          n_colors, body_len, shape,
                                                          len(block) if timing_len is None else timing_len)
    rest = data[head.size + old_len:-4]
    body = block + rest
    return header + struct.pack("<I", zlib.crc32(header)) + body + struct.pack("<I", zlib.crc32(body))


def test_hostile_timing_in_vqz_files_is_refused(timed):
    data = timed.to_bytes("cm")
    assert vqpress.from_bytes(rebuilt(data, to_block(FrameTiming((7, 8, 9, 10))))).timing.durations == (7, 8, 9, 10)
    cases = [
        (rebuilt(data, to_block(FrameTiming((7, 8, 9)))), "frame timing for 3 frames; the image has 4"),
        (rebuilt(data, to_block(FrameTiming((7, 8, 9, 10))) + b"\0"), "its fields take"),
        (rebuilt(data, b"", timing_len=0), "a frame timing block of 0 bytes"),
        (rebuilt(data, to_block(FrameTiming((7, 8, 9, 10))), minor=4), "format version 2.4 is newer than this vqpress"),
        (rebuilt(data, to_block(FrameTiming((7, 8, 9, 10))), timing_len=1000), "truncated or extended"),
    ]
    for bad, message in cases:
        with pytest.raises(FormatError, match=message):
            vqpress.from_bytes(bad)
    # the block is in the body's checksum
    flipped = bytearray(data)
    flipped[read_header(data).size + 2] ^= 1
    with pytest.raises(FormatError, match="body checksum mismatch"):
        vqpress.from_bytes(bytes(flipped))
    # a timing block on data that is not frames
    still = vqpress.compress(FRAMES[0], 8).to_bytes("cm")
    head = read_header(still)
    fields, _ = compact_header.unpack(memoryview(still).cast("B"), 8, 8)
    block = to_block(FrameTiming((5,)))
    header = b"\x89VQZ\r\n\x1a\n" + compact_header.pack(2, 3, *fields[2:10], len(block))
    body = block + still[head.size:-4]
    forged = header + struct.pack("<I", zlib.crc32(header)) + body + struct.pack("<I", zlib.crc32(body))
    with pytest.raises(FormatError, match="belongs to frames"):
        vqpress.from_bytes(forged)


# ------------------------------------------------------------------ the command line


def test_the_cli_keeps_an_animation_s_timing(tmp_path, capsys):
    src = tmp_path / "anim.gif"
    src.write_bytes(animation("GIF", durations=(100, 250, 70, 1000), loop=0))
    assert run(capsys, "compress", src, "-n", "8", "-q")[0] == 0
    assert vqpress.load(tmp_path / "anim.vqz").timing == FrameTiming((100, 250, 70, 1000), 0)
    for suffix in (".gif", ".webp", ".png"):
        out = tmp_path / f"back{suffix}"
        assert run(capsys, "decompress", tmp_path / "anim.vqz", "-o", out, "-q")[0] == 0
        assert durations_of(out.read_bytes()) == ([100, 250, 70, 1000], 0)
        direct = tmp_path / f"direct{suffix}"
        assert run(capsys, "compress", src, "-n", "8", "-o", direct, "-q")[0] == 0
        assert durations_of(direct.read_bytes()) == ([100, 250, 70, 1000], 0)
    code, out, _ = run(capsys, "info", tmp_path / "anim.vqz")
    assert code == 0 and "70-1,000 ms a frame, 1.4 s in all, looping forever" in out


def test_every_damaged_byte_of_a_timed_file_is_refused(timed):
    # every byte of a 2.3 file flipped in turn: a FormatError (the two CRCs cover every byte
    # but their own, and a flipped CRC no longer matches)
    data = timed.to_bytes("cm")
    for i in range(len(data)):
        bad = bytearray(data)
        bad[i] ^= 0x41
        try:
            back = vqpress.from_bytes(bytes(bad))
        except FormatError:
            continue
        raise AssertionError(f"byte {i} flipped decoded to {back!r}")


def test_info_words_for_the_loop_count():
    from vqpress._cli_commands import _timing_text

    assert _timing_text([100, 100], 0) == "100 ms a frame, 0.2 s in all, looping forever"
    assert _timing_text([40, 2000], 2) == "40-2,000 ms a frame, 2.0 s in all, loop count 2"
    assert _timing_text([5], None) == "5 ms a frame, 0.0 s in all, no loop count"
