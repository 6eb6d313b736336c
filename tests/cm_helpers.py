"""What the tests of the cm payload coding share: maps of codes (smooth blobs with noise, thin
maps), a payload recoded at another level and the encoder held to one level, the frozen
payloads of tests/data, and the checks every level runs (strips alike on any number of
threads, noise streams, a fuzzer: every damaged payload is a FormatError or a decode of the
right shape, fast)."""

import contextlib
import resource
import struct
import time
from unittest import mock

import numpy as np

import vqpress
from vqpress.coding import _cm, cm
from vqpress.coding import choice as cm_choice


def blobs(h, w, n, seed=0, noise=0.05):
    """A map of smooth regions with some noise: what quantized pictures look like."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w]
    base = (np.sin(yy / 7.0 + rng.random()) + np.cos(xx / 5.0) + 2) / 4 * n
    codes = np.clip(base.astype(int), 0, n - 1)
    flip = rng.random((h, w)) < noise
    codes[flip] = rng.integers(0, n, int(flip.sum()))
    return codes.astype(np.uint8)


def at_level(data, codes, level):
    """The payload ``data`` (of ``codes``) with its streams coded again at ``level``: the
    same header, symbol order and strips."""
    info = cm.describe(data)
    n, rows = info["n_symbols"], info["strip_rows"]
    rank = np.empty(n, np.uint8)
    rank[np.frombuffer(data, np.uint8, n, 12)] = np.arange(n)
    model = {"ordered": _cm.MODEL_ORDERED, "palette": _cm.MODEL_PALETTE}[info["model"]]
    streams = _cm.encode_strips(np.ascontiguousarray(rank[codes]), n, model, level, info["table_bits"], rows)
    head = bytearray(data[:12 + n])
    head[5] = level
    return bytes(head) + struct.pack(f"<{len(streams)}I", *map(len, streams)) + b"".join(streams)


def frozen_payload(path) -> tuple[bytes, np.ndarray]:
    """The cm payload of the .vqz file at ``path`` (tests/data keeps them frozen) and its map
    of codes (2-D)."""
    from vqpress.container import read_header

    with open(path, "rb") as fh:
        blob = fh.read()
    codes = vqpress.load(path).codes()
    return blob[len(blob) - 4 - read_header(blob).payload_len: len(blob) - 4], codes.reshape(codes.shape[:2])


@contextlib.contextmanager
def palettes_at(level):
    """cm.encode codes palettes at ``level`` at every effort and of any size (no other level
    tried beside it, nor level 21 taken in level 6's place), and no palette is a ramp."""
    settings = {e: (ordered, level, bits, False, strip)
                for e, (ordered, _, bits, _, strip) in cm_choice.EFFORT_SETTINGS.items()}
    with mock.patch.dict(cm_choice.EFFORT_SETTINGS, settings), mock.patch.object(cm_choice, "_RAMP_STEP", 0.0), \
            mock.patch.object(cm_choice, "_FEW_COLOURS", {}), mock.patch.object(cm_choice, "DEFAULT_TOO", frozenset()), \
            mock.patch.object(cm_choice, "JOINT_MIN_COLOURS", 256):
        yield


@contextlib.contextmanager
def ordered_at(level):
    """cm.encode codes gray maps (ordered=True) at the ordered model's ``level`` at every
    effort, maps of up to 4 levels too (level 5 still leaves maps of more than 16 levels to
    level 4, level 9 maps of more than 4 to level 8; no other level tried beside it)."""
    settings = {e: (level, palette, bits, False, strip)
                for e, (_, palette, bits, _, strip) in cm_choice.EFFORT_SETTINGS.items()}
    with mock.patch.dict(cm_choice.EFFORT_SETTINGS, settings), mock.patch.dict(cm_choice._FEW_LEVELS, clear=True), \
            mock.patch.dict(cm_choice._ORDERED_ALSO, clear=True), \
            mock.patch.object(cm_choice, "DEFAULT_TOO", frozenset()):
        yield


def encode_ordered_at(level, codes, n, **kw):
    """``cm.encode(codes, n, ordered=True, **kw)`` at ``level`` (one without hashed tables)."""
    with ordered_at(level):
        data = cm.encode(codes, n, ordered=True, **kw)
    head = cm.describe(data)
    assert (head["level"], head["model"], head["table_bits"]) == (level, "ordered", 8)
    return data


THIN_SHAPES = [(1, 1), (1, 70), (70, 1), (2, 2), (3, 300)]


def thin_maps(shape, ns):
    """(codes, n): a random map of ``shape`` for each symbol count of ``ns``."""
    rng = np.random.default_rng(3)
    for n in ns:
        yield rng.integers(0, n, shape).astype(np.uint8), n


def check_strips_alike(encode, codes, n, strip_rows=170):
    """``encode(codes, n, strip_rows=...)`` (a cm payload in strips) is the same on one
    thread, and decodes to ``codes`` on one thread and on all."""
    data = encode(codes, n, strip_rows=strip_rows)
    assert cm.describe(data)["strip_rows"] == strip_rows
    with vqpress.thread_limit(1):
        one = cm.decode(data, codes.shape, n)
        assert encode(codes, n, strip_rows=strip_rows) == data
    np.testing.assert_array_equal(one, codes)
    np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)


def noise_streams_decode_in_range(data, shape, n, rng):
    """Any bytes at all as the one stream of a payload ``data`` of one strip (without
    parameters): each is a FormatError or codes in range, never more. Returns how many decoded."""
    head = 12 + n + 4
    decoded = 0
    for size in (4, 5, 64, 700, 5000, 20000):
        blob = bytearray(data[:head]) + bytes(rng.integers(0, 256, size).astype(np.uint8))
        blob[12 + n: head] = size.to_bytes(4, "little")
        try:
            back = cm.decode(bytes(blob), shape, n)
        except vqpress.FormatError:
            continue
        assert back.shape == tuple(shape) and int(back.max()) < n
        decoded += 1
    return decoded


def _mutants(data, rng, count):
    """Damaged copies of a payload: bit flips, bytes set, cuts, tails, header fields, and
    the lowest bit of the last byte (slack of the coder's closing bytes: the same codes)."""
    for i in range(count):
        blob = bytearray(data)
        kind = i % 7
        if kind == 0:
            pos = rng.integers(len(blob))
            blob[pos] ^= 1 << rng.integers(8)
        elif kind == 1:
            for _ in range(rng.integers(1, 8)):
                blob[rng.integers(len(blob))] = rng.integers(256)
        elif kind == 2:
            blob = blob[: rng.integers(len(blob))]
        elif kind == 3:
            blob += bytes(rng.integers(0, 256, rng.integers(1, 64)).astype(np.uint8))
        elif kind == 4:  # a header byte (magic, model, bits, level, n, strip_rows, order)
            blob[rng.integers(min(len(blob), 40))] = rng.integers(256)
        elif kind == 5:  # bytes of the stream with the lengths kept consistent: only exactness catches it
            start = len(blob) - max(4, len(blob) // 3)
            blob[start:] = bytes(rng.integers(0, 256, len(blob) - start).astype(np.uint8))
        else:
            blob[-1] ^= 1
        yield bytes(blob)


def fuzz_payloads(cases, rng):
    """Decode 120 mutants of each (codes, n, payload): each is a FormatError or codes of the
    right shape in range, within a second; memory stays bounded; both outcomes occur."""
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcomes = {"error": 0, "decoded": 0}
    for codes, n, data in cases:
        for blob in _mutants(data, rng, 120):
            t0 = time.perf_counter()
            try:
                back = cm.decode(blob, codes.shape, n)
            except vqpress.FormatError:
                outcomes["error"] += 1
            else:
                outcomes["decoded"] += 1
                assert back.shape == codes.shape and back.dtype == np.uint8
                assert int(back.max()) < n
            assert time.perf_counter() - t0 < 1.0
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert peak_after - peak_before < 256 * 1024  # kilobytes on Linux
    assert outcomes["error"] > outcomes["decoded"] > 0
