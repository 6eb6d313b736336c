"""Unsigned LEB128 integers, as the compact fields of format 2.2 store them (docs/FORMAT.md,
"Integers of format 2.2").

An integer ``v`` (0 <= v < 2**64) is stored in 7-bit groups, least significant first, one
group a byte, the byte's top bit set on every byte but the last. Only the shortest form is
valid: a reader refuses a last byte of 0 after other bytes (a value padded with zero
groups), more than 10 bytes, and a value of 2**64 or more; so every value has exactly one
encoding and every encoding one value.
"""

from __future__ import annotations

from .errors import FormatError

__all__ = ["encode", "decode", "MAX_BYTES"]

#: Bytes of the longest varint (2**64 - 1).
MAX_BYTES = 10


def encode(value: int) -> bytes:
    """The shortest LEB128 bytes of ``value``, 0 <= value < 2**64."""
    value = int(value)
    if not 0 <= value < 1 << 64:
        raise ValueError(f"a varint holds 0..2**64-1; got {value}")
    out = bytearray()
    while True:
        group = value & 0x7F
        value >>= 7
        if value:
            out.append(group | 0x80)
        else:
            out.append(group)
            return bytes(out)


def decode(data, offset: int, what: str) -> tuple[int, int]:
    """``(value, offset after it)`` of the varint at ``data[offset:]``; a FormatError naming
    ``what`` if it runs past the end, is not the shortest form or is 2**64 or more."""
    value = 0
    for i in range(MAX_BYTES):
        if offset + i >= len(data):
            raise FormatError(f"{what}: the varint runs past the end of its {len(data)} bytes")
        byte = data[offset + i]
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            if i and byte == 0:
                raise FormatError(f"{what}: a varint padded with a zero group (not the shortest form)")
            if value >> 64:
                raise FormatError(f"{what}: varint {value} is 2**64 or more")
            return value, offset + i + 1
    raise FormatError(f"{what}: a varint longer than {MAX_BYTES} bytes")
