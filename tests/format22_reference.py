"""A reading of format 2.2 by docs/FORMAT.md alone, in plain Python integers: the compact
header, codebook form 2 and the fields of the cm payload of version 2.

It shares no code with vqpress's reader. :func:`read` turns a 2.2 stream into its header
fields, the integers of its codebook (the centres, in the codes' order, then for scalar data
the edges) and, for a cm payload, its fields and streams; the tests compare those with the
same image written in format 2.1 (whose layout ``tests/craft.py`` parses), where the
integers are stored as they are and the payload's fields are of fixed width.
"""

from __future__ import annotations

import math
import struct
import zlib

MAGIC = b"\x89VQZ\r\n\x1a\n"
STRATEGIES = ("uniform", "quantile", "kmeans", "optimal", "mediancut")
SIZES = [1, 2, 4, 8, 1, 2, 4, 8]  # dtype codes 0..7: u1 u2 u4 u8 i1 i2 i4 i8
PARAMETER_LEVELS = (8, 11, 13, 16, 20)


class Bad(Exception):
    """The stream is not what the specification allows."""


def varint(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for i in range(10):
        byte = data[pos + i]
        value |= (byte & 0x7F) << (7 * i)
        if byte < 0x80:
            if i and byte == 0:
                raise Bad("varint not in its shortest form")
            if value >= 1 << 64:
                raise Bad("varint of 2**64 or more")
            return value, pos + i + 1
    raise Bad("varint longer than 10 bytes")


def varints(data: bytes, pos: int, count: int) -> tuple[list, int]:
    """``count`` varints from ``pos`` on, and the position after them."""
    values = []
    for _ in range(count):
        value, pos = varint(data, pos)
        values.append(value)
    return values, pos


def _bits(data: bytes):
    for byte in data:
        for shift in range(7, -1, -1):
            yield (byte >> shift) & 1


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value >> (bits - 1) else value


def codebook(body: bytes, n: int, channels: int, dtype_code: int, order: list[int] | None):
    """(integers of the codebook, as values of the dtype, and its length in bytes): the
    centres in the codes' order (row by row for colours), then the edges (scalar data)."""
    bits = 8 * SIZES[dtype_code]
    signed = dtype_code >= 4
    mod = 1 << bits
    mode = body[0]
    if mode > 3:
        raise Bad("mode byte")
    store, transform = mode & 1, mode >> 1
    m = channels if channels else 3
    counts = [n] * channels if channels else [n, n - 1, 2]
    ks = list(body[1:1 + m])
    if any(k >= bits for k in ks):
        raise Bad("Rice parameter")
    if (store and not channels) or (transform and channels < 3):
        raise Bad("store order or transform")
    unary_len, pos = varint(body, 1 + m)
    unary = list(_bits(body[pos:pos + unary_len]))
    quotients, run = [], 0
    for bit in unary:
        if bit:
            quotients.append(run)
            run = 0
        else:
            run += 1
    if len(quotients) != sum(counts) or run >= 8 or unary_len == 0:
        raise Bad("unary section")
    rest_bits = sum(k * c for k, c in zip(ks, counts))
    rest_len = -(-rest_bits // 8)
    rest = list(_bits(body[pos + unary_len:pos + unary_len + rest_len]))
    if any(rest[rest_bits:]):
        raise Bad("padding")
    values, i, at = [], 0, 0
    for k, c in zip(ks, counts):
        series = []
        for _ in range(c):
            low = 0
            for bit in rest[at:at + k]:
                low = 2 * low + bit
            at += k
            u = (quotients[i] << k) | low
            i += 1
            if u >= mod:
                raise Bad("value of more than B bits")
            series.append(-(u + 1) // 2 if u & 1 else u // 2)  # the zigzag, undone: a residual
        values.append(series)

    def as_value(pattern):
        return _signed(pattern % mod, bits) if signed else pattern % mod

    if channels:
        stored, prev = [], [0] * channels
        for j in range(n):
            d = [values[c][j] for c in range(channels)]
            if transform:
                d[0] += d[1]
                d[2] += d[1]
            prev = [(p + x) % mod for p, x in zip(prev, d)]
            stored.append([as_value(p) for p in prev])
        centres = [None] * n
        for j in range(n):
            centres[order[j] if store else j] = stored[j]
        out = [v for colour in centres for v in colour]
    else:
        levels, prev = [], 0
        for d in values[0]:
            prev = (prev + d) % mod
            levels.append(as_value(prev))
        predicted = [levels[0]] + [-(-(a + b) // 2) for a, b in zip(levels, levels[1:])] + [levels[-1]]  # ceil, exact
        residuals = [values[2][0], *values[1], values[2][1]]
        edges = [as_value(p + r) for p, r in zip(predicted, residuals)]
        out = levels + edges
    return out, pos + unary_len + rest_len


def unrank(r: int, n: int) -> list[int]:
    if not 0 < r < math.factorial(n):
        raise Bad("rank")
    digits = []
    for radix in range(1, n + 1):
        r, d = divmod(r, radix)
        digits.append(d)
    left = list(range(n))
    return [left.pop(d) for d in reversed(digits)]


def cm_fields(payload: bytes, n: int, height: int, width: int) -> dict:
    """The fields of a cm payload of version 2 (not checked against their ranges) for a map
    of ``height`` x ``width``; its strips are rows of the coded map (``width`` rows under a
    transposing scan)."""
    if payload[:3] != b"CM\x02":
        raise Bad("not a cm payload of version 2")
    model, table_bits, level = payload[3:6]
    rows, pos = varint(payload, 6)
    order = list(range(n))
    if payload[pos] >> 4:
        raise Bad("order field")
    scan = payload[pos] >> 1
    if payload[pos] & 1:
        size = -(-(math.factorial(n) - 1).bit_length() // 8)
        order = unrank(int.from_bytes(payload[pos + 1:pos + 1 + size], "little"), n)
        pos += size
    pos += 1
    if scan & 4:
        height = width
    params = None
    if level in PARAMETER_LEVELS:
        params = tuple(payload[pos:pos + 5])
        pos += 5
    strips = -(-height // rows)
    sizes, pos = varints(payload, pos, strips - 1)
    sizes.append(len(payload) - pos - sum(sizes))
    streams = []
    for size in sizes:
        streams.append(payload[pos:pos + size])
        pos += size
    return {"model": model, "table_bits": table_bits, "level": level, "rows": rows, "order": order,
            "params": params, "scan": scan, "streams": streams}


def read(blob: bytes) -> dict:
    """The fields of a format-2.2 stream, its CRCs checked."""
    if blob[:8] != MAGIC or blob[8:10] != b"\x02\x02" or blob[11] != 0:
        raise Bad("not a 2.2 stream with the compact header")
    dtype, _, channels, coding, strategy, form, ndim = blob[10:17]
    (n, body_len, *shape), pos = varints(blob, 17, 2 + ndim)
    if struct.unpack_from("<I", blob, pos)[0] != zlib.crc32(blob[:pos]):
        raise Bad("header CRC")
    body = blob[pos + 4:pos + 4 + body_len]
    if len(blob) != pos + 4 + body_len + 4 or struct.unpack_from("<I", blob, len(blob) - 4)[0] != zlib.crc32(body):
        raise Bad("length or body CRC")
    pixel_shape = shape[:-1] if channels else shape
    height = math.prod(pixel_shape[:-1]) if len(pixel_shape) > 1 else 1
    width = math.prod(pixel_shape) // height if height else 0
    out = {"dtype": dtype, "channels": channels, "coding": coding, "strategy": STRATEGIES[strategy],
           "form": form, "n_colors": n, "shape": tuple(shape)}
    if form == 2:
        peek = None
        if coding == 2:  # the payload's order, if the codebook is stored in it
            _, length = codebook_length(body, n, channels)
            peek = cm_fields(body[length:], n, height, width)["order"]
        out["codebook"], length = codebook(body, n, channels, dtype, peek)
    else:
        size = SIZES[dtype] if form == 1 else 8
        count = n * max(channels, 1) + (0 if channels else n + 1)
        length = size * count
        out["codebook"] = None
    out["payload"] = body[length:]
    if coding == 2:
        out["cm"] = cm_fields(out["payload"], n, height, width)
    return out


def codebook_length(body: bytes, n: int, channels: int) -> tuple[None, int]:
    m = channels if channels else 3
    counts = [n] * channels if channels else [n, n - 1, 2]
    unary_len, pos = varint(body, 1 + m)
    return None, pos + unary_len + -(-sum(k * c for k, c in zip(body[1:1 + m], counts)) // 8)
