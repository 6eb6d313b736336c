"""Hostile and careless .vqz files: each is refused early and cheaply, or decodes correctly.

The files are crafted from the layout of docs/FORMAT.md with both CRCs recomputed
(tests/craft.py), so that the checks behind the checksums are the ones exercised.
"""

import contextlib
import os
import signal
import struct
import sys
import threading
import tracemalloc
import warnings

import numpy as np
import pytest
from craft import CONTEXT, RAW, Fields, context_payload, context_words, parse
from PIL import Image
from same_codebook import assert_equivalent

import vqpress
from vqpress import FormatError, VQError
from vqpress.container import CODINGS, from_bytes, inspect, load, read_header, to_bytes
from vqpress.formats import save

# files of the fixed header, which tests/craft.py's parse reads (format 2.2: test_format22.py)
pytestmark = pytest.mark.usefixtures("fixed_layout")

@pytest.fixture(scope="module")
def gray(face_gray):
    return vqpress.compress(face_gray[200:264, 300:396].copy(), 8)  # 64 x 96, 6,144 pixels


@pytest.fixture(scope="module")
def colour(face_rgb):
    return vqpress.compress(face_rgb[200:240, 300:350].copy(), 16)


@contextlib.contextmanager
def peak_memory():
    """Peak of the memory traced (numpy's allocations included) inside the block, in bytes."""
    tracemalloc.start()
    box = {}
    try:
        yield box
    finally:
        box["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


@contextlib.contextmanager
def time_limit(seconds):
    """Fail instead of hanging (a FIFO opened the wrong way blocks forever)."""
    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def gray_fields(shape, payload, coding=CONTEXT, **kw):
    return Fields(shape=shape, centers=np.arange(8.0) * 30 + 10, edges=np.arange(9.0) * 30, payload=payload,
                  coding=coding, **kw)


# -- item 3: small files that would cost minutes and gigabytes ----------------------------------


def test_tiny_payload_claiming_a_huge_image():
    """97 bytes claiming 16384 x 16384: refused by the pixel limit; allowed, refused as soon
    as its payload runs out (it used to be padded with zeros and decoded for 24 s, 2.7 GB)."""
    blob = gray_fields((16384, 16384), context_payload(1, [])).build()
    assert len(blob) <= 200
    with pytest.raises(FormatError, match="268,435,456 pixels, more than twice Pillow's"):
        from_bytes(blob)
    smaller = gray_fields((4096, 4096), context_payload(1, [])).build()
    with peak_memory() as mem, pytest.raises(FormatError, match="runs out"):
        from_bytes(smaller)
    assert mem["peak"] < 40e6  # the 16 MB map buffer and a few batches, not the image's decode


def test_tiny_colour_float64_payload_is_refused_early():
    """A 167-byte RGBA float64 file used to take 28 s to load, then ask for 8 GiB."""
    centers = np.arange(32.0).reshape(8, 4)
    blob = Fields(shape=(3000, 3000, 4), centers=centers, edges=None, channels=4, dtype=10,
                  payload=context_payload(4, [1, 2, 3]), coding=CONTEXT).build()
    assert len(blob) < 400
    with peak_memory() as mem, pytest.raises(FormatError, match="runs out"):
        from_bytes(blob)
    assert mem["peak"] < 40e6


def test_300_colours_with_a_tiny_payload():
    """More than 256 colours use an order-0 model: its table is checked before the map is
    allocated, and the map is decoded in chunks that stop when the payload runs out."""
    import zlib

    counts = np.zeros(300, "<u4")
    counts[:3] = [3000 * 3000 - 2, 1, 1]
    table = zlib.compress(counts.tobytes())
    payload = context_payload(2, [7, 7], table=table)
    centers = np.arange(900.0).reshape(300, 3)
    blob = Fields(shape=(3000, 3000, 3), centers=centers, edges=None, channels=3, payload=payload,
                  coding=CONTEXT, strategy=b"kmeans").build()
    with peak_memory() as mem, pytest.raises(FormatError, match="runs out|not used exactly|damaged"):
        from_bytes(blob)
    assert mem["peak"] < 40e6
    bad_table = context_payload(2, [7, 7], table=zlib.compress(b"\xff" * 10**6))  # inflates far past 300 counts
    blob = Fields(shape=(30, 30, 3), centers=centers, edges=None, channels=3, payload=bad_table, coding=CONTEXT,
                  strategy=b"kmeans").build()
    with peak_memory() as mem, pytest.raises(FormatError, match="exactly 300 counts"):
        from_bytes(blob)
    assert mem["peak"] < 1e6


def test_pixel_limit_is_checked_before_anything_is_allocated():
    """1.5 kB claiming 2**28 pixels used 165 MB before it was refused."""
    blob = gray_fields((1 << 14, 1 << 14), b"\0" * 1400, coding=RAW).build()
    with peak_memory() as mem, pytest.raises(FormatError, match="more than twice Pillow's"):
        from_bytes(blob)
    assert mem["peak"] < 1e6


def test_float16_centre_beyond_its_range_is_refused():
    """FORMAT.md promises finite levels: a float16 centre of 1e10 decoded to inf."""
    centers = np.array([0.0, 1e10])
    blob = Fields(shape=(4,), centers=centers, edges=[0, 1, 2], payload=b"\x50", dtype=8).build()
    with pytest.raises(FormatError, match="not finite in the image's dtype float16"):
        from_bytes(blob)
    cb = vqpress.Codebook(centers, [0, 1, 2], strategy="optimal", dtype=np.float16)
    c = vqpress.Compressed(cb, (4,), b"\x50")
    with pytest.raises(VQError, match="not finite in the image's dtype float16"):
        to_bytes(c)
    assert np.isfinite(c.decompress()).all()  # in memory, the level saturates at 65504
    assert c.decompress().max() == np.finfo(np.float16).max


@pytest.mark.parametrize("case", ["ndim", "channels", "strategy", "unicode strategy", "pixels"])
def test_save_never_writes_what_load_refuses(tmp_path, monkeypatch, case):
    if case == "ndim":
        c = vqpress.compress(np.arange(512, dtype=np.uint8).reshape((2,) * 9), 4)
        match = "ndim 9 is outside 1..8"
    elif case == "channels":
        cb = vqpress.Codebook(np.zeros((2, 5)), None, strategy="kmeans", dtype=np.uint8)
        c = vqpress.Compressed(cb, (2, 2, 5), b"\0")
        match = "channels 5"
    elif case == "strategy":
        cb = vqpress.Codebook([1.0, 2.0], [0, 1, 2], strategy="custom", dtype=np.uint8)
        c = vqpress.Compressed(cb, (4,), b"\0")
        match = "unknown strategy name b'custom'"
    elif case == "unicode strategy":
        cb = vqpress.Codebook([1.0, 2.0], [0, 1, 2], strategy="optimal\u202e", dtype=np.uint8)
        c = vqpress.Compressed(cb, (4,), b"\0")
        match = r"unknown strategy name b'optimal\\\\u202e'"
    else:
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
        c = vqpress.compress(np.arange(2500, dtype=np.uint8).reshape(50, 50), 4)
        match = "2,500 pixels, more than twice Pillow's"
    with pytest.raises(VQError, match=match):
        save(tmp_path / "x.vqz", c)
    assert list(tmp_path.iterdir()) == []
    if case == "pixels":  # told so, it writes; the reader then needs the same permission
        save(tmp_path / "x.vqz", c, max_pixels=2500)
        with pytest.raises(FormatError, match="more than twice Pillow's"):
            load(tmp_path / "x.vqz")
        np.testing.assert_array_equal(load(tmp_path / "x.vqz", max_pixels=2500).decompress(), c.decompress())


def test_max_pixels_follows_pillows_policy(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    blobs = {n: vqpress.compress(np.arange(n * n, dtype=np.uint16).reshape(n, n) % 251, 4).to_bytes(max_pixels=10**6)
             for n in (30, 40, 50)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from_bytes(blobs[30])  # 900 pixels: silent
        from_bytes(blobs[50], max_pixels=2500)  # an explicit limit never warns
    with pytest.warns(Image.DecompressionBombWarning, match="1,600 pixels, more than Pillow's"):
        from_bytes(blobs[40])
    with pytest.raises(FormatError, match="2,500 pixels, more than twice"):
        from_bytes(blobs[50])
    with pytest.raises(FormatError, match="900 pixels, more than max_pixels=100"):
        from_bytes(blobs[30], max_pixels=100)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # Pillow's "no limit"
    from_bytes(blobs[50])
    for bad in (0, -5, 2.5, "10", True):
        with pytest.raises(VQError, match="max_pixels must be an integer"):
            from_bytes(blobs[30], max_pixels=bad)


# -- item 4: every coding uses its payload exactly ----------------------------------------------


@pytest.mark.parametrize("coding", sorted(CODINGS))
@pytest.mark.parametrize("change", [-4, -1, 1, 4])
def test_truncated_or_extended_payload_is_refused(gray, colour, coding, change):
    for c in (gray, colour):
        f = parse(to_bytes(c, coding))
        payload = f.payload[:change] if change < 0 else f.payload + bytes(change)
        with pytest.raises(FormatError):
            from_bytes(f.replace(payload=payload).build())


@pytest.mark.parametrize("words", [-2, -1, 1, 2])
def test_context_payload_with_words_removed_or_added_and_counted(gray, colour, words):
    """The word count fixed too: a payload missing its last two words loaded with 28 of
    6,144 pixels wrong."""
    for c in (gray, colour):
        f = parse(to_bytes(c, "context"))
        model, w = context_words(f.payload)
        w = w[:words] if words < 0 else np.concatenate([w, np.arange(words, dtype=np.uint32) + 1])
        with pytest.raises(FormatError, match="runs out|not used exactly"):
            from_bytes(f.replace(payload=context_payload(model, w)).build())


@pytest.mark.parametrize("coding", sorted(CODINGS))
def test_payload_relabelled_with_another_shape_is_refused(gray, coding):
    f = parse(to_bytes(gray, coding))
    # a raw payload holds no shape: the same 6,144 codes as one row are a valid file
    for shape in [(1, 1), (64, 95), (63, 96)] + ([(6144,), (96, 64)] if coding == "context" else []):
        with pytest.raises(FormatError):
            from_bytes(f.replace(shape=shape).build())


def test_raw_payload_padding_bits_must_be_zero():
    c = vqpress.compress(np.arange(5, dtype=np.uint8), 5)  # 5 codes of 3 bits: 1 spare bit
    f = parse(to_bytes(c, "raw"))
    np.testing.assert_array_equal(from_bytes(f.build()).decompress(), c.decompress())
    payload = f.payload[:-1] + bytes([f.payload[-1] | 1])
    with pytest.raises(FormatError, match="padding bits"):
        from_bytes(f.replace(payload=payload).build())


def test_raw_codes_beyond_n_colors_are_refused():
    f = gray_fields((2, 4), bytes([0b11100000, 0, 0]), coding=RAW)  # 8 codes of 3 bits
    f = f.replace(centers=f.centers[:6], edges=f.edges[:7])  # 6 colours: code 7 is too big
    with pytest.raises(FormatError, match="code 7"):
        from_bytes(f.build())


# -- item 5: reading files ----------------------------------------------------------------------


def test_padded_file_is_refused_before_it_is_read(tmp_path, gray):
    path = tmp_path / "padded.vqz"
    path.write_bytes(gray.to_bytes() + bytes(50_000_000))
    with peak_memory() as mem, pytest.raises(FormatError, match=r"padded.vqz: the file is \d+ bytes; its header says"):
        load(path)
    assert mem["peak"] < 1e6
    with pytest.raises(FormatError, match="header says"):
        inspect(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "pipe.vqz"
    os.mkfifo(fifo)
    with time_limit(10):
        for read in (load, inspect, vqpress.imread):
            with pytest.raises(VQError, match="pipe.vqz is a pipe"):
                read(fifo)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_refused(device):
    with time_limit(10):
        for read in (load, inspect, vqpress.imread):
            with pytest.raises(VQError, match=f"{device} is a device"):
                read(device)


def test_folders_and_missing_files(tmp_path):
    for read in (load, inspect, vqpress.imread):
        with pytest.raises(VQError, match="is a folder"):
            read(tmp_path)
        with pytest.raises(VQError, match="no such file"):
            read(tmp_path / "missing.vqz")


def test_inspect_reads_header_and_codebook_without_decoding(tmp_path, gray, monkeypatch):
    path = save(tmp_path / "g.vqz", gray)
    import vqpress.entropy

    monkeypatch.setattr(vqpress.entropy, "decode_code_map", lambda *a: pytest.fail("inspect decoded the payload"))
    head, cb = inspect(path)
    assert head.shape == gray.shape and head.file_size == path.stat().st_size
    assert_equivalent(cb, gray.codebook)
    assert inspect(save(tmp_path / "e.vqz", gray, exact_centers=True))[1] == gray.codebook
    huge = tmp_path / "huge.vqz"  # no pixel limit: nothing is decoded
    huge.write_bytes(gray_fields((16384, 16384), context_payload(1, [])).build())
    assert inspect(huge)[0].n_pixels == 16384**2
    damaged = bytearray(path.read_bytes())
    damaged[-10] ^= 1
    path.write_bytes(bytes(damaged))
    with pytest.raises(FormatError, match="body checksum"):
        inspect(path)


# -- item 7: the strategy field -----------------------------------------------------------------


@pytest.mark.parametrize("name", [b"\x1b]0;owned\x07", b"\x1b[2J", b"opt\xffimal", b"optimal ", b"custom", b""])
def test_strategy_field_must_be_a_known_name(gray, name):
    blob = parse(to_bytes(gray, "raw")).replace(strategy=name).build()
    with pytest.raises(FormatError, match="unknown strategy name") as err:
        from_bytes(blob)
    assert "\x1b" not in str(err.value) and "\x07" not in str(err.value)
    with pytest.raises(FormatError, match="unknown strategy name"):
        read_header(blob)


def test_every_strategy_name_round_trips(face_gray, face_rgb):
    from vqpress.colour import STRATEGIES as COLOUR
    from vqpress.kinds import STRATEGY_NAMES
    from vqpress.strategies import SCALAR_STRATEGIES

    assert set(STRATEGY_NAMES) == set(SCALAR_STRATEGIES) | set(COLOUR)
    for name in SCALAR_STRATEGIES:
        c = vqpress.compress(face_gray[:20, :20], 4, name)
        assert from_bytes(c.to_bytes()).codebook.strategy == name
    c = vqpress.compress(face_rgb[:20, :20], 4, "mediancut")
    assert from_bytes(c.to_bytes()).codebook.strategy == "mediancut"


def test_header_fields_out_of_range(gray):
    f = parse(to_bytes(gray, "raw"))
    for changes, match in [({"form": 3}, "codebook form 3 is unknown"), ({"dtype": 11}, "dtype code 11"),
                           ({"coding": 7}, "payload coding 7"), ({"channels": 5}, "channels 5"),
                           ({"n_colors": 0}, "n_colors 0"), ({"shape": (64, 0)}, "shape"),
                           ({"shape": (64, 96, 3), "channels": 3}, "centers|codebook|payload|length|bytes")]:
        with pytest.raises(FormatError, match=match):
            from_bytes(f.replace(**changes).build())


def test_header_of_a_future_major_version(gray):
    blob = parse(gray.to_bytes()).replace(major=3, minor=0).build()
    with pytest.raises(FormatError, match="version 3.0 is not supported"):
        from_bytes(blob)


def test_valid_files_still_decode_bit_for_bit(gray, colour):
    for c in (gray, colour):
        for coding in CODINGS:
            blob = to_bytes(c, coding)
            assert parse(blob).build() == blob  # the crafting helper agrees with the writer
            np.testing.assert_array_equal(from_bytes(blob).decompress(), c.decompress())


def test_load_names_the_file(tmp_path, gray):
    path = tmp_path / "named.vqz"
    blob = bytearray(gray.to_bytes())
    blob[-1] ^= 1
    path.write_bytes(bytes(blob))
    with pytest.raises(FormatError, match="named.vqz: body checksum mismatch"):
        load(path)


def test_struct_layout_of_the_crafting_helper_matches_format_md():
    """tests/craft.py follows docs/FORMAT.md: header fields at the documented offsets."""
    blob = gray_fields((3, 5), b"\0" * 6, coding=RAW).build()
    assert blob[:8] == b"\x89VQZ\r\n\x1a\n"
    assert struct.unpack_from("<BBBBBBBBIQ", blob, 8) == (1, 0, 0, 2, 0, 0, 7, 0, 8, 6)
    assert struct.unpack_from("<2Q", blob, 28) == (3, 5)
    assert blob[44:51] == b"optimal"
    head = read_header(blob)
    assert head.shape == (3, 5) and head.size == 55


def test_a_thread_and_the_main_thread_read_at_once(gray):
    """load/from_bytes keep no shared state: two threads read the same file at once."""
    blob = gray.to_bytes()
    results = []
    threads = [threading.Thread(target=lambda: results.append(from_bytes(blob).decompress())) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and all((r == gray.decompress()).all() for r in results)


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip("POSIX file types")


@pytest.mark.parametrize("coding", ["raw", "context"])
def test_load_and_decompress_memory(tmp_path, face_gray, coding):
    """load + decompress of a 100 MP image peaked at 10.8x its decoded size (numpy's take
    made 8-byte indices of the codes; the entropy decoder held int16 copies): now the
    arrays numpy allocates peak under 2.5x, plus chunks of fixed size (the issue's bound is
    4x of the process's RSS, measured on a 100 MP image for the report)."""
    img = np.tile(face_gray, (3, 2))[:2000, :2000].copy()  # 4 MP
    path = save(tmp_path / "big.vqz", vqpress.compress(img, 8), coding=coding)
    with peak_memory() as mem:
        out = load(path).decompress()
    assert out.nbytes == 4_000_000
    assert mem["peak"] < 2.5 * out.nbytes + 16e6, mem["peak"] / out.nbytes  # 16 MB: decode chunks


def test_png_export_follows_the_pixel_rule_of_imread(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    c = vqpress.compress(np.arange(2500, dtype=np.uint8).reshape(50, 50), 4)
    with pytest.raises(VQError, match="could not be read back.*max_pixels=2500"):
        save(tmp_path / "x.png", c)
    save(tmp_path / "x.png", c, max_pixels=2500)
    np.testing.assert_array_equal(vqpress.imread(tmp_path / "x.png", max_pixels=2500), c.decompress())


def test_compressed_pickles_and_copies(gray):
    """A Pool.map over images returns Compressed objects: they pickle, loaded ones too."""
    import copy
    import pickle

    for c in (gray, from_bytes(gray.to_bytes())):
        for back in (pickle.loads(pickle.dumps(c)), copy.deepcopy(c), copy.copy(c)):
            assert back.codebook == c.codebook and back.shape == c.shape
            np.testing.assert_array_equal(back.decompress(), c.decompress())
    with pytest.raises(AttributeError, match="immutable"):
        gray.shape = (1, 1)
