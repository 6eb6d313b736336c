"""Format 2.2 (docs/FORMAT.md): the compact header, codebook form 2 and the cm payload of
version 2, which hold what format 2.1 holds in fewer bytes.

Every 2.2 file is read by ``tests/format22_reference.py`` (the specification, in plain
Python) and compared with the 2.1 file of the same image (``craft.parse``): the same header
values, the same integers in the codebook, the same cm fields and the same streams. Every
new field, malformed, is refused with a FormatError (crafted with ``craft.Fields22``, CRCs
fixed), and mutations of the header, codebook and payload fields cost under 1 s of CPU and
256 MB (numpy's allocations, traced) and end in a FormatError or an image in range.
"""

from __future__ import annotations

import functools
import math
import struct
import warnings
import zlib

import numpy as np
import pytest
from craft import Fields22, parse, parse22, varint, writing_fixed_layout
from format22_reference import Bad, read
from format22_reference import varint as read_varint
from test_container_fuzz import outcome
from hypothesis import given, settings
from hypothesis import strategies as st

import vqpress
from vqpress import FormatError
from vqpress.container import from_bytes, inspect, read_header, to_bytes
from vqpress.coding import cm, permutation

INT_DTYPES = ["u1", "u2", "u4", "u8", "i1", "i2", "i4", "i8"]


def _quiet_compress(data, n, strategy=None, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return vqpress.compress(data, n, strategy, **kw) if strategy else vqpress.compress(data, n, **kw)


def _cm_v1(payload: bytes, height: int) -> dict:
    """The fields of a cm payload of version 1 (fixed widths)."""
    _, _, model, bits, level, n, rows = struct.unpack_from("<2sBBBBHI", payload)
    pos = 12
    order = list(payload[pos:pos + n])
    pos += n
    params = None
    if level in (8, 11, 13, 16, 20):
        params, pos = tuple(payload[pos:pos + 5]), pos + 5
    strips = -(-height // rows)
    sizes = struct.unpack_from(f"<{strips}I", payload, pos)
    pos += 4 * strips
    streams = []
    for size in sizes:
        streams.append(payload[pos:pos + size])
        pos += size
    return {"model": model, "table_bits": bits, "level": level, "rows": rows, "order": order, "params": params,
            "streams": streams}


def _decoded_scan(fields: dict, scan: int, height: int, width: int) -> np.ndarray:
    """The map of a 2.2 cm payload's ``fields`` whose streams code it under ``scan``: the
    coded map (its fields in a version-1 payload, decoded), then docs/FORMAT.md's rule,
    ``M[i', j'] = C[i, j]``, applied pixel by pixel."""
    transposed, rows_reversed, cols_reversed = scan >> 2, (scan >> 1) & 1, scan & 1
    ch, cw = (width, height) if transposed else (height, width)
    n = len(fields["order"])
    v1 = struct.pack("<2sBBBBHI", b"CM", 1, fields["model"], fields["table_bits"], fields["level"], n,
                     fields["rows"]) + bytes(fields["order"]) + bytes(fields["params"] or ())
    v1 += b"".join(struct.pack("<I", len(s)) for s in fields["streams"]) + b"".join(fields["streams"])
    coded = cm.decode(v1, (ch, cw), n)
    out = np.full((height, width), -1)
    for i in range(ch):
        for j in range(cw):
            a = ch - 1 - i if rows_reversed else i
            b = cw - 1 - j if cols_reversed else j
            if transposed:
                out[b, a] = coded[i, j]
            else:
                out[a, b] = coded[i, j]
    return out


def _form1_integers(f) -> list[int]:
    values = [int(v) for v in np.ravel(f.centers)]
    return values + ([int(v) for v in f.edges] if f.edges is not None else [])


def check_against_2_1(c, coding: str = "auto", effort: int | None = None) -> bytes:
    """Write ``c`` in format 2.2 and 2.1; the reference reading of the 2.2 file must give what
    the 2.1 file stores; both decode to ``c``'s codes. Returns the 2.2 file."""
    blob = to_bytes(c, coding, effort=effort)
    with writing_fixed_layout():
        old = to_bytes(c, coding, effort=effort)
    new, f = read(blob), parse(old)
    assert (new["dtype"], new["channels"], new["coding"], new["n_colors"], new["shape"]) == \
        (f.dtype, f.channels, f.coding, len(f.centers), tuple(f.shape))
    assert new["strategy"].encode() == f.strategy and f.form == 1
    if new["form"] == 2:
        assert new["codebook"] == _form1_integers(f)
    else:  # form 1 where form 2 would not be smaller: the same bytes as in the 2.1 file
        stored = f.centers.tobytes() if f.edges is None else np.concatenate([f.centers, f.edges]).tobytes()
        assert new["form"] == 1 and parse22(blob).codebook == np.frombuffer(stored, f.centers.dtype).astype(
            f.centers.dtype.newbyteorder("<")).tobytes()
    if f.coding == 2:
        height, width = read_header(blob).map_shape
        fields = dict(new["cm"])
        scan = fields.pop("scan")
        if scan == 0:  # the same streams
            assert fields == _cm_v1(f.payload, height)
        else:  # the streams of the coded map, which the spec's scan turns into the map
            assert scan in (7, 3)  # the other scans the encoder weighs (3 for a map at level 20)
            np.testing.assert_array_equal(_decoded_scan(fields, scan, height, width), from_bytes(old).codes().reshape(
                height, width))
    else:
        assert new["payload"] == f.payload
    codes = from_bytes(blob).codes()
    np.testing.assert_array_equal(codes, c.codes())
    np.testing.assert_array_equal(from_bytes(old).codes(), codes)
    assert len(blob) < len(old)
    return blob


@st.composite
def images(draw):
    dtype = np.dtype(draw(st.sampled_from(INT_DTYPES)))
    kind = draw(st.sampled_from(["gray", "rgb", "rgba", "gray+alpha", "1d", "frames"]))
    h, w = draw(st.integers(1, 12)), draw(st.integers(2, 40))
    info = np.iinfo(dtype)
    span = draw(st.sampled_from([3, 40, 1000, 2**40]))
    low = draw(st.sampled_from([int(info.min), 0, int(info.max) // 3]))
    high = min(int(info.max), low + span)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    channels = {"gray": 0, "1d": 0, "frames": 0, "rgb": 3, "rgba": 4, "gray+alpha": 2}[kind]
    shape = {"1d": (h * w,), "frames": (2, h, w)}.get(kind, (h, w))
    data = rng.integers(low, high, shape + ((channels,) if channels else ()), dtype=dtype, endpoint=True)
    n = draw(st.integers(2, 300 if not channels else 40))
    return data, n, channels, draw(st.sampled_from(["auto", "raw", "cm"]))


@settings(max_examples=120)
@given(images())
def test_the_reference_reads_2_2_as_2_1_stores_it(case):
    data, n, channels, coding = case
    kw = {"channel_axis": -1} if channels else {}
    c = _quiet_compress(data, n, **kw)
    if coding == "cm" and not 2 <= c.codebook.n_colors <= 256:
        coding = "auto"
    blob = to_bytes(c, coding)
    assert read_header(blob).version == "2.2"
    check_against_2_1(c, coding)


@pytest.mark.parametrize("effort", [0, 2, 3, 5])
def test_every_model_and_strips(face_gray, face_rgb, effort):
    for data, n in [(face_gray[:300, :400], 8), (face_gray[:300, :400], 32), (face_rgb[:300, :400], 16),
                    (face_rgb[:300, :400], 256)]:
        c = _quiet_compress(data, n)
        check_against_2_1(c, "cm", effort)
    tall = _quiet_compress(face_rgb[:, :512], 16)  # 768 x 512 at effort 0: strips of 2^18 pixels
    blob = check_against_2_1(tall, "cm", 0)
    assert len(read(blob)["cm"]["streams"]) == 2


def test_65536_levels_of_uint16(tmp_path):
    data = np.arange(65536, dtype=np.uint16).reshape(256, 256)
    c = _quiet_compress(data, 65536, "uniform")
    assert c.codebook.n_colors == 65536
    blob = check_against_2_1(c)
    head, cb = inspect(_write(tmp_path, blob))
    assert head.codebook_form == 2 and head.codebook_len + head.payload_len == head.body_len
    np.testing.assert_array_equal(cb.levels(), c.codebook.levels())


def _write(tmp_path, blob):
    path = tmp_path / "f.vqz"
    path.write_bytes(blob)
    return path


def test_64_bit_extremes_keep_form_1_or_2_exactly():
    for dtype, values in [("i8", [-2**63, 2**63 - 1, 5, 7, -3]), ("u8", [0, 2**64 - 1, 2**60, 7, 3]),
                          ("i1", [-128, 127, -5, 7, 0])]:
        data = np.array([values] * 6, dtype=dtype)
        for n in (2, 3, 5):
            c = _quiet_compress(data, n)
            blob = to_bytes(c)
            np.testing.assert_array_equal(from_bytes(blob).decompress(), c.decompress())
            assert read_header(blob).codebook_form in (1, 2)
            check_against_2_1(c)


def test_palettes_are_stored_in_the_payloads_order(face_rgb):
    c = _quiet_compress(face_rgb[200:456, 300:556], 64)
    blob = check_against_2_1(c, "cm")
    f = parse22(blob)
    assert f.form == 2 and f.codebook[0] & 1  # store order 1: the colours in the payload's symbol order
    assert read(blob)["cm"]["order"] != list(range(64))
    # the same colours in the codes' order take more bytes here
    from vqpress import _codebook_compact as compact, _codebook_forms as forms

    levels, _ = forms.in_dtype(c.codebook)
    order = np.array(read(blob)["cm"]["order"])
    assert len(compact.pack(levels, None, np.dtype("u1"), None)) > len(f.codebook) == \
        len(compact.pack(levels, None, np.dtype("u1"), order))


def test_older_layouts_are_still_written_where_asked(face_gray):
    c = _quiet_compress(face_gray[:64, :64], 8)
    exact = to_bytes(c, exact_centers=True)  # float64: format 2.0, the fixed header, cm version 1
    assert exact[8:10] == b"\x02\x00" and exact[11] == 2 and cm.describe(parse(exact).payload)["version"] == 1
    floats = to_bytes(_quiet_compress(face_gray[:64, :64].astype(np.float32), 8))
    assert read_header(floats).version == "2.0" and read_header(floats).codebook_form == 0


def test_vqpress_info_shows_the_form(tmp_path, face_rgb, capsys):
    from vqpress.cli import main

    path = _write(tmp_path, to_bytes(_quiet_compress(face_rgb[:64, :96], 16)))
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert ".vqz 2.2, codebook Rice-coded in uint8, checksums OK" in out and "level" in out


# ------------------------------------------------------------------ refusals


@pytest.fixture(scope="module")
def gray22(face_gray):
    return parse22(to_bytes(_quiet_compress(face_gray[200:264, 300:396], 8), "cm"))


@pytest.fixture(scope="module")
def rgb22(face_rgb):
    return parse22(to_bytes(_quiet_compress(face_rgb[200:264, 300:396], 64), "cm"))


def refused(blob, match):
    with pytest.raises(FormatError, match=match):
        from_bytes(blob)


def test_valid_bases(gray22, rgb22):
    for f in (gray22, rgb22):
        assert f.form == 2 and f.build() == f.build()
        from_bytes(f.build())


def test_header_fields_are_refused(gray22):
    f = gray22
    refused(f.replace(strategy_code=5).build(), "strategy code 5 is unknown")
    refused(f.replace(ndim=0).build(), r"ndim 0 \(allowed 1..8\)")
    refused(f.replace(ndim=9).build(), r"ndim 9 \(allowed 1..8\)")
    refused(f.replace(minor=1).build(), "corrupt header: ndim 0")  # a compact header needs 2.2
    refused(f.replace(form=3).build(), "codebook form 3 is unknown")
    refused(f.replace(dtype=9).build(), r"codebook form 2 \(compact\) is for integer dtypes")
    refused(f.replace(n_colors=0).build(), "n_colors 0 is outside")
    refused(f.replace(n_colors=70000).build(), "n_colors 70000 is outside")
    refused(f.replace(body_len=len(f.codebook) + len(f.payload) + 1).build(), "truncated or extended")
    refused(f.replace(shape=(64, 0)).build(), "shape")
    refused(f.replace(shape=(10**7, 10**7)).build(), "pixels")
    # varints: not the shortest form, 2**64 or more, running past the header
    head = f.header()
    at = 17 + len(varint(f.n_colors))
    padded = head[:17] + bytes([head[17] | 0x80, 0]) + head[at:]
    refused(padded + _crc(padded) + f.codebook + f.payload + _crc(f.codebook + f.payload), "zero group")
    huge = head[:17] + b"\xff" * 9 + b"\x7f" + head[at:]
    refused(huge + _crc(huge) + f.codebook + f.payload + _crc(f.codebook + f.payload), "2\\*\\*64 or more")
    long = head[:17] + b"\x80" * 11 + b"\x01" + head[at:]
    refused(long + _crc(long) + f.codebook + f.payload + _crc(f.codebook + f.payload), "longer than 10 bytes")


def _crc(data: bytes) -> bytes:
    return struct.pack("<I", zlib.crc32(data))


def test_form1_with_the_compact_header(gray22, face_gray):
    c = _quiet_compress(face_gray[200:264, 300:396], 8)
    with writing_fixed_layout():
        old = parse(to_bytes(c, "cm"))
    ints = np.concatenate([old.centers, old.edges]).astype("<u1").tobytes()
    blob = gray22.replace(form=1, codebook=ints).build()  # form 1 in a 2.2 file: read as such
    np.testing.assert_array_equal(from_bytes(blob).codes(), c.codes())
    refused(gray22.replace(form=1, codebook=ints[:-1]).build(), "body length|cm|codebook")
    refused(gray22.replace(form=1, codebook=ints, body_len=3).build(), "shorter than its codebook")


def test_codebook_form_2_fields_are_refused(gray22):
    g = gray22
    cb = bytearray(g.codebook)
    refused(g.replace(codebook=bytes([4]) + g.codebook[1:]).build(), "mode byte 4")
    refused(g.replace(codebook=bytes([1]) + g.codebook[1:]).build(), "store order 1")
    refused(g.replace(codebook=bytes([2]) + g.codebook[1:]).build(), "transform 1")
    cb[1] = 8
    refused(g.replace(codebook=bytes(cb)).build(), "Rice parameter 8")
    two = parse22(to_bytes(_quiet_compress(np.dstack([np.arange(64, dtype=np.uint8).reshape(8, 8)] * 2), 4,
                                            channel_axis=-1), "raw"))
    if two.form == 2:
        refused(two.replace(codebook=bytes([2]) + two.codebook[1:]).build(), "transform 1")
    # the unary section: a value missing or one too many, padding bits, a value beyond B bits
    m = 3
    unary_len = g.codebook[1 + m]
    start = 2 + m
    unary = bytearray(g.codebook[start:start + unary_len])
    less = bytearray(unary)
    last = max(i for i in range(len(less)) if less[i])
    less[last] &= less[last] - 1  # drop the lowest one bit: one value fewer
    refused(g.replace(codebook=g.codebook[:start] + bytes(less) + g.codebook[start + unary_len:]).build(),
            "unary section")
    more = bytes(g.codebook[:1 + m]) + bytes([unary_len + 1]) + bytes(unary) + b"\x80" + g.codebook[start + unary_len:]
    refused(g.replace(codebook=more).build(), "unary section")
    zero = bytes(g.codebook[:1 + m]) + bytes([unary_len + 1]) + bytes(unary) + b"\x00" + g.codebook[start + unary_len:]
    refused(g.replace(codebook=zero).build(), "unary section")
    padded = bytearray(g.codebook)
    padded[-1] |= 1  # a padding bit of the remainder section (the edges take few bits)
    if bytes(padded) != g.codebook:
        try:
            from_bytes(g.replace(codebook=bytes(padded)).build())
        except FormatError as exc:
            assert "padding" in str(exc) or "codebook" in str(exc) or "edge" in str(exc)
    # a quotient that makes a value of 9 bits in uint8: k = 0 and 600 zero bits then a one
    wide = bytes([0, 0, 0, 0]) + varint(80) + bytes(75) + b"\x01" + b"\xff" * 4
    refused(g.replace(codebook=wide).build(), "more than 8 bits|unary section")
    refused(g.replace(codebook=b"").build(), "codebook form 2|cm payload")


def test_cm_version_2_fields_are_refused(gray22, rgb22):
    g, r = gray22, rgb22
    n = 64
    rank_at = 6 + len(varint(cm.describe(r.payload)["strip_rows"]))
    assert r.payload[rank_at] & 1 == 1  # ranked (bits 1-3: the scan)
    for high in (0x10, 0x80):
        p = bytearray(r.payload)
        p[rank_at] |= high
        refused(r.replace(payload=bytes(p)).build(), f"cm order field {p[rank_at]} ")
    size = permutation.rank_bytes(n)
    zero = r.payload[:rank_at + 1] + bytes(size) + r.payload[rank_at + 1 + size:]
    refused(r.replace(payload=zero).build(), "rank 0")
    over = r.payload[:rank_at + 1] + math.factorial(n).to_bytes(size, "little") + r.payload[rank_at + 1 + size:]
    refused(r.replace(payload=over).build(), f"not below {n}!")
    padded_rows = bytes(g.payload[:6]) + bytes([g.payload[6] | 0x80, g.payload[7] | 0x80, 0]) + g.payload[8:]
    refused(g.replace(payload=padded_rows).build(), "zero group")
    refused(g.replace(payload=g.payload[:-1]).build(), "cm stream")
    refused(g.replace(payload=g.payload + b"\x00").build(), "cm stream")
    refused(g.replace(payload=g.payload[:9]).build(), "cm")
    # a cm payload of version 2 in a file of format 2.1 (the fixed header, codebook form 1)
    with writing_fixed_layout():
        f = parse(to_bytes(_quiet_compress(np.zeros((4, 4), np.uint8) + np.arange(4, dtype=np.uint8), 4), "cm"))
    v2 = cm.encode(np.zeros((4, 4), np.uint8) + np.arange(4, dtype=np.uint8), 4, ordered=True, compact=True)
    refused(f.replace(payload=v2).build(), "version 2 needs format version 2.2")


def test_two_strips_lengths_are_checked(face_rgb):
    f = parse22(to_bytes(_quiet_compress(face_rgb[:, :512], 16), "cm", effort=0))
    fields = read(f.build())["cm"]
    assert len(fields["streams"]) == 2
    rows_len = len(varint(fields["rows"]))
    at = 6 + rows_len + 1 + permutation.rank_bytes(16) + (5 if fields["params"] else 0)
    value, end = read_varint(f.payload, at)
    assert value == len(fields["streams"][0])  # the first stream's length; the last one's is the rest
    for bad in (value + 1, value - 1, 3, len(f.payload)):
        payload = f.payload[:at] + varint(bad) + f.payload[end:]
        refused(f.replace(payload=payload).build(), "cm stream")


# ------------------------------------------------------------------ fuzz


def _mutations(f: Fields22):
    for name, values in [("major", [1, 3]), ("minor", [0, 1, 3, 255]), ("dtype", list(range(12))),
                         ("marker", [1, 2, 8]), ("channels", [0, 1, 2, 3, 4, 5]), ("coding", [0, 1, 3]),
                         ("strategy_code", [0, 4, 5, 255]), ("form", [0, 1, 3]), ("ndim", [1, 2, 3, 9]),
                         ("n_colors", [1, 2, f.n_colors - 1, f.n_colors + 1, 256, 257, 65536, 2**40])]:
        for v in values:
            if v != getattr(f, name):
                yield f"{name}={v}", f.replace(**{name: v}).build()
    for v in (0, 1, len(f.codebook), len(f.codebook) + len(f.payload) - 1, 2**63):
        yield f"body_len={v}", f.replace(body_len=v).build()
    for axis in range(len(f.shape)):
        for v in (1, f.shape[axis] - 1, f.shape[axis] + 1, 2 * f.shape[axis], 2**40):
            shape = list(f.shape)
            shape[axis] = v
            yield f"shape[{axis}]={v}", f.replace(shape=tuple(shape)).build()
    # every byte of the codebook and of the payload's fields, to several values
    for where, part in (("codebook", f.codebook), ("payload", f.payload[:min(len(f.payload), 260)])):
        for i in range(len(part)):
            for v in {0, 1, 0x7F, 0x80, 0xFF, part[i] ^ 1, part[i] ^ 0x10}:
                if v != part[i]:
                    changed = part[:i] + bytes([v]) + part[i + 1:]
                    if where == "codebook":
                        yield f"codebook[{i}]={v}", f.replace(codebook=changed).build()
                    else:
                        yield f"payload[{i}]={v}", f.replace(payload=changed + f.payload[len(part):]).build()


@functools.lru_cache(maxsize=1)
def _fuzz_bases():
    face = vqpress.datasets.face(gray=True)[300:340, 400:460].copy()
    rgb = vqpress.datasets.face()[300:330, 400:440].copy()
    deep = face.astype(np.uint16) * 256 + 7
    return {
        "gray cm": to_bytes(_quiet_compress(face, 8), "cm"),
        "rgb cm": to_bytes(_quiet_compress(rgb, 16), "cm"),
        "rgb 256 cm": to_bytes(_quiet_compress(vqpress.datasets.face()[300:364, 400:496].copy(), 256), "cm"),
        "rgb raw": to_bytes(_quiet_compress(rgb, 16), "raw"),
        "uint16 context": to_bytes(_quiet_compress(deep, 300, "uniform"), "context"),
        "int8 cm": to_bytes(_quiet_compress(np.array([[-128, 127, -5, 7, 0]] * 6, np.int8), 4), "cm"),
    }


@pytest.mark.parametrize("name", ["gray cm", "rgb cm", "rgb 256 cm", "rgb raw", "uint16 context", "int8 cm"])
def test_every_field_mutated(name):
    base = parse22(_fuzz_bases()[name])
    assert base.build() == _fuzz_bases()[name]
    count = 0
    for what, blob in _mutations(base):
        decoded, cpu, peak = outcome(blob)
        assert cpu < 1.0 and peak < 256e6, (what, cpu, peak)
        if decoded is not None:  # decodes: finite values within the codebook's range, in its dtype
            c, out = decoded
            levels = c.codebook.levels()
            assert out.dtype == c.dtype and out.shape == c.shape, what
            assert levels.min() <= out.min() and out.max() <= levels.max(), what
        count += 1
    assert count > 150


def test_the_reference_refuses_what_vqpress_refuses(gray22):
    """The reference and vqpress agree on the codebook's malformed unary sections."""
    g = gray22
    start = 1 + 3
    unary_len = g.codebook[start]
    body = bytearray(g.codebook)
    body[start + unary_len] = 0  # the last unary byte: its one bits gone
    blob = g.replace(codebook=bytes(body)).build()
    with pytest.raises(Bad):
        read(blob)
    refused(blob, "unary section")


def test_2_2_files_write_back_as_a_fixed_point():
    """A 2.2 file of tests/data, loaded and written again, is the same file (its codebook and
    header are what the writer makes of the loaded codebook), or, where the encoder has
    changed since, the same header fields and codebook form, and then a fixed point."""
    from pathlib import Path

    checked = 0
    for path in sorted((Path(__file__).parent / "data").glob("*-22.vqz")):
        blob = path.read_bytes()
        head = read_header(blob)
        out = to_bytes(from_bytes(blob), head.coding)
        again = read_header(out)
        assert (again.version, again.codebook_form, again.shape, again.n_colors) == \
            (head.version, head.codebook_form, head.shape, head.n_colors), path.name
        assert to_bytes(from_bytes(out), head.coding) == out, path.name
        np.testing.assert_array_equal(from_bytes(out).codes(), from_bytes(blob).codes())
        checked += 1
    assert checked >= 4


def test_a_unary_section_beyond_its_bound_is_refused(gray22):
    """Codebook form 2 of 8 gray levels (17 values of 8 bits): at most ceil(17 x 9 / 8) = 20
    unary bytes; 21 of them are refused before they are unpacked."""
    g = gray22
    ks = bytes(3)  # k = 0 for every series
    for length, match in [(21, "a unary section of 21 bytes"), (20, "unary section")]:
        unary = bytes(length - 3) + b"\xff\xff\xff"  # (the 24 one bits of 24 values: too many)
        refused(g.replace(codebook=bytes([0]) + ks + varint(length) + unary).build(), match)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_one_level_and_one_colour(dtype):
    """A constant image: one level (no inner threshold: series 1 is empty) or one colour."""
    info = np.iinfo(dtype)
    for value in (int(info.min), 0, int(info.max)):
        gray = np.full((5, 7), value, dtype=dtype)
        colour = np.full((5, 7, 3), value, dtype=dtype)
        for data, kw in ((gray, {}), (colour, {"channel_axis": -1})):
            c = _quiet_compress(data, 2, **kw)
            assert c.codebook.n_colors == 1
            blob = to_bytes(c)
            assert read_header(blob).version == "2.2"
            np.testing.assert_array_equal(from_bytes(blob).decompress(), data)
            check_against_2_1(c)


@given(st.integers(1, 256).flatmap(lambda n: st.permutations(list(range(n)))))
def test_rank_and_unrank(order):
    n = len(order)
    r = permutation.rank(order)
    assert 0 <= r < math.factorial(n) and r.bit_length() <= 8 * permutation.rank_bytes(n)
    assert permutation.unrank(r, n).tolist() == list(order)
    assert (r == 0) == (list(order) == sorted(order))


@given(st.integers(0, 40).flatmap(lambda n: st.permutations(list(range(n)))))
def test_rank_is_the_lehmer_code_read_as_a_mixed_radix_number(order):
    # the definition, digit by digit: d[i] symbols after position i are smaller than order[i]
    n = len(order)
    digits = [sum(1 for later in order[i + 1:] if later < order[i]) for i in range(n)]
    assert permutation.rank(order) == sum(d * math.factorial(n - 1 - i) for i, d in enumerate(digits))


def test_rank_of_the_reversed_order_is_the_largest():
    for n in (1, 2, 7, 20, 21, 64, 256):  # 20/21: around the first group of radices (products below 2**62)
        top = math.factorial(n) - 1
        assert permutation.rank(list(range(n - 1, -1, -1))) == top
        assert permutation.unrank(top, n).tolist() == list(range(n - 1, -1, -1))


def test_unrank_refuses_a_rank_out_of_range():
    for n, r in [(3, 6), (3, -1), (256, math.factorial(256))]:
        with pytest.raises(FormatError, match="is not below"):
            permutation.unrank(r, n)


@given(st.integers(0, 2**64 - 1))
def test_varints_round_trip_in_their_shortest_form(value):
    from vqpress import _varint

    data = _varint.encode(value)
    assert data == varint(value) and len(data) == max(1, -(-value.bit_length() // 7))
    assert _varint.decode(data + b"\x00", 0, "x") == (value, len(data))


def test_varints_refused():
    from vqpress import _varint

    for data, match in [(b"\x80\x00", "zero group"), (b"\xff" * 9 + b"\x02", "2\\*\\*64 or more"),
                        (b"\x80" * 10 + b"\x01", "longer than 10"), (b"\x80", "runs past the end"), (b"", "past")]:
        with pytest.raises(FormatError, match=match):
            _varint.decode(data, 0, "x")
