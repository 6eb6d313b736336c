"""Encoding kernels of the scalar codebook (see :meth:`vqpress.Codebook.encode`).

- :func:`apply_table`: ``out[i] = table[data[i]]`` for 8- and 16-bit data, the table holding
  an entry for every bit pattern (signed and float16 data are read as their unsigned
  patterns; the codebook builds the table in that order). Encoding looks codes up by value;
  decoding looks levels up by code, the levels of any dtype moved as unsigned integers of
  their width.
- :func:`search_codes`: the code of each value of wider data: how many inner edges are at
  most the value (``numpy.searchsorted(inner, value, side="right")``, comparing in float64
  as numpy does).
- :func:`pack_table`: :func:`apply_table` and fixed-width bit packing in one pass: codes of
  ``bits`` bits, most significant bit first, eight codes to ``bits`` bytes (the layout of
  :func:`vqpress.pack_bits`), written straight into the ``bytes`` it returns.
- :func:`unpack_table`: the inverse: packed codes to their table entries (the levels) in
  one pass, reporting the largest code seen so the caller can reject damaged data.
- :func:`apply_colour_table`: the code of each RGB uint8 pixel from a table of 2**24 entries
  indexed by the colour's 24-bit key, counting the pixels whose entry is missing.

Each runs on the shared thread pool in chunks (a multiple of eight elements, so packing
chunks own whole bytes).
"""

import numpy as np

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t

from vqpress._threadpool cimport parallel_for, planned_workers

ctypedef fused pattern_t:
    uint8_t
    uint16_t

ctypedef fused code_t:
    uint8_t
    uint16_t

ctypedef fused entry_t:
    uint8_t
    uint16_t
    uint32_t
    uint64_t

ctypedef fused number_t:
    float
    double
    int32_t
    int64_t
    uint32_t
    uint64_t

cdef enum:
    CHUNK = 1 << 18       # elements per chunk (a multiple of 8)
    LINEAR_MAX = 16       # up to this many inner edges a value's code is counted, not searched

cdef struct Job:
    int pack              # 1: pack the entries into `bits` bits each, 0: write them out,
                          # -1: unpack codes of `bits` bits and write their entries
    int data_bytes        # width of a pattern: 1 or 2
    int entry_bytes       # width of a table entry: 1, 2, 4 or 8 (packing: 2)
    const void *data
    const void *table     # an entry for every pattern
    void *out             # entries, or packed bytes
    Py_ssize_t n
    int bits
    int *top              # unpacking: the largest code of each chunk (OUT)


# -- table look-up -----------------------------------------------------------------------

cdef inline void _table_run(const pattern_t *data, const entry_t *table, entry_t *out,
                            Py_ssize_t start, Py_ssize_t stop) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(start, stop):
        out[i] = table[data[i]]


# -- table look-up and packing -------------------------------------------------------------

cdef inline void _pack_group(const code_t *codes, int bits, uint8_t *out) noexcept nogil:
    """Eight codes of ``bits`` bits into ``bits`` bytes, most significant bit first."""
    cdef uint64_t acc = 0
    cdef int t, q, have = 0
    if bits <= 8:  # the whole group fits in 64 bits
        for t in range(8):
            acc = (acc << bits) | codes[t]
        for q in range(bits):
            out[q] = <uint8_t>(acc >> (8 * (bits - 1 - q)))
        return
    q = 0
    for t in range(8):
        acc = (acc << bits) | codes[t]
        have += bits
        while have >= 8:
            have -= 8
            out[q] = <uint8_t>(acc >> have)
            q += 1


cdef inline Py_ssize_t _pack_groups(const pattern_t *data, const code_t *table, int bits, uint8_t *out,
                                    Py_ssize_t start, Py_ssize_t stop) noexcept nogil:
    """The whole groups of eight codes from ``start`` on; returns where they end."""
    cdef code_t group[8]
    cdef Py_ssize_t i = start
    cdef int t
    while i + 8 <= stop:
        for t in range(8):
            group[t] = table[data[i + t]]
        _pack_group(group, bits, out + (i // 8) * bits)
        i += 8
    return i


cdef inline void _pack_run(const pattern_t *data, const code_t *table, int bits, uint8_t *out,
                           Py_ssize_t start, Py_ssize_t stop) noexcept nogil:
    """Codes ``start .. stop - 1`` (``start`` a multiple of 8) packed into their bytes; a
    last group shorter than eight is padded with zero codes and cut to its bytes."""
    cdef code_t group[8]
    cdef uint8_t tail[16]
    cdef Py_ssize_t i, k
    cdef int t
    # The common widths with ``bits`` a constant: the compiler unrolls the packing of a
    # group (4-bit codes: 1.07 -> 0.5 ns a value)
    if bits == 1:
        i = _pack_groups(data, table, 1, out, start, stop)
    elif bits == 2:
        i = _pack_groups(data, table, 2, out, start, stop)
    elif bits == 3:
        i = _pack_groups(data, table, 3, out, start, stop)
    elif bits == 4:
        i = _pack_groups(data, table, 4, out, start, stop)
    elif bits == 8:
        i = _pack_groups(data, table, 8, out, start, stop)
    else:
        i = _pack_groups(data, table, bits, out, start, stop)
    if i < stop:
        for t in range(8):
            group[t] = table[data[i + t]] if i + t < stop else 0
        _pack_group(group, bits, tail)
        for k in range(((stop - i) * bits + 7) // 8):
            out[(i // 8) * bits + k] = tail[k]


cdef inline void _unpack_run(const uint8_t *packed, int bits, const entry_t *table, entry_t *out,
                             Py_ssize_t start, Py_ssize_t stop, int *top) noexcept nogil:
    """Entries of codes ``start .. stop - 1`` (``start`` a multiple of 8) read from their
    bytes; ``top[0]`` becomes the largest code read."""
    cdef uint8_t group[24]
    cdef Py_ssize_t i = start, k, have
    cdef uint64_t acc
    cdef unsigned int code, mask = (1u << bits) - 1, most = 0
    cdef int t, offset
    while i < stop:
        have = min(<Py_ssize_t>8, stop - i)
        for k in range(24):
            group[k] = 0
        for k in range(((have * bits) + 7) // 8):
            group[k] = packed[(i // 8) * bits + k]
        for t in range(have):
            offset = t * bits  # the code's first bit in the group; read the 3 bytes around it
            acc = (<uint64_t>group[offset >> 3] << 16) | (<uint64_t>group[(offset >> 3) + 1] << 8) \
                | group[(offset >> 3) + 2]
            code = <unsigned int>(acc >> (24 - (offset & 7) - bits)) & mask
            most = max(most, code)
            out[i + t] = table[code]
        i += 8
    top[0] = <int>most


cdef inline void _unpack_chunk(Job *job, const entry_t *table, Py_ssize_t chunk, Py_ssize_t start,
                               Py_ssize_t stop) noexcept nogil:
    _unpack_run(<const uint8_t *>job.data, job.bits, table, <entry_t *>job.out, start, stop, &job.top[chunk])


cdef inline void _table_chunk(Job *job, const pattern_t *data, Py_ssize_t start, Py_ssize_t stop) noexcept nogil:
    if job.entry_bytes == 1:
        _table_run(data, <const uint8_t *>job.table, <uint8_t *>job.out, start, stop)
    elif job.entry_bytes == 2:
        _table_run(data, <const uint16_t *>job.table, <uint16_t *>job.out, start, stop)
    elif job.entry_bytes == 4:
        _table_run(data, <const uint32_t *>job.table, <uint32_t *>job.out, start, stop)
    else:
        _table_run(data, <const uint64_t *>job.table, <uint64_t *>job.out, start, stop)


cdef void _chunk(void *ctx, Py_ssize_t chunk, int worker) noexcept nogil:
    cdef Job *job = <Job *>ctx
    cdef Py_ssize_t start = chunk * CHUNK, stop = min(start + CHUNK, job.n)
    if job.pack < 0:
        if job.entry_bytes == 1:
            _unpack_chunk(job, <const uint8_t *>job.table, chunk, start, stop)
        elif job.entry_bytes == 2:
            _unpack_chunk(job, <const uint16_t *>job.table, chunk, start, stop)
        elif job.entry_bytes == 4:
            _unpack_chunk(job, <const uint32_t *>job.table, chunk, start, stop)
        else:
            _unpack_chunk(job, <const uint64_t *>job.table, chunk, start, stop)
    elif job.pack and job.data_bytes == 1:
        _pack_run(<const uint8_t *>job.data, <const uint16_t *>job.table, job.bits, <uint8_t *>job.out,
                  start, stop)
    elif job.pack:
        _pack_run(<const uint16_t *>job.data, <const uint16_t *>job.table, job.bits, <uint8_t *>job.out,
                  start, stop)
    elif job.data_bytes == 1:
        _table_chunk(job, <const uint8_t *>job.data, start, stop)
    else:
        _table_chunk(job, <const uint16_t *>job.data, start, stop)


cdef void _run(Job *job) noexcept nogil:
    cdef Py_ssize_t n_chunks = (job.n + CHUNK - 1) // CHUNK
    if n_chunks:
        parallel_for(_chunk, job, n_chunks, planned_workers(n_chunks))


def apply_table(const pattern_t[::1] data, const entry_t[::1] table, entry_t[::1] out):
    """``out[i] = table[data[i]]``.

    Parameters
    ----------
    data : (n,) uint8 or uint16, IN
        Bit patterns of the values (or codes).
    table : (256,) or (65536,) uint8, uint16, uint32 or uint64, IN
        The entry of every pattern.
    out : (n,) same dtype as ``table``, OUT
    """
    cdef Job job
    cdef Py_ssize_t patterns = 256
    if pattern_t is uint16_t:
        patterns = 65536
    job.n = data.shape[0]
    if out.shape[0] != job.n or table.shape[0] != patterns:
        raise ValueError("apply_table: inconsistent sizes")
    if job.n == 0:
        return
    job.pack, job.data_bytes, job.entry_bytes = 0, sizeof(pattern_t), sizeof(entry_t)
    job.data, job.table, job.out = &data[0], &table[0], &out[0]
    with nogil:
        _run(&job)


def pack_table(const pattern_t[::1] data, const uint16_t[::1] table, int bits):
    """The codes ``table[data[i]]`` packed in ``bits`` bits each.

    Parameters
    ----------
    data : (n,) uint8 or uint16, IN
        Bit patterns of the values.
    table : (256,) or (65536,) uint16, IN
        Code of every pattern, each below ``2**bits``.
    bits : int
        1..16.

    Returns
    -------
    bytes
        ``ceil(n * bits / 8)`` bytes.
    """
    cdef Job job
    cdef Py_ssize_t patterns = 256
    if pattern_t is uint16_t:
        patterns = 65536
    job.n = data.shape[0]
    if not 1 <= bits <= 16 or table.shape[0] != patterns:
        raise ValueError("pack_table: inconsistent sizes")
    out = PyBytes_FromStringAndSize(NULL, (job.n * bits + 7) // 8)
    if job.n == 0:
        return out
    job.pack, job.data_bytes, job.entry_bytes = 1, sizeof(pattern_t), 2
    job.data, job.table, job.out, job.bits = &data[0], &table[0], PyBytes_AS_STRING(out), bits
    with nogil:
        _run(&job)
    return out


def unpack_table(const uint8_t[::1] packed, int bits, const entry_t[::1] table, entry_t[::1] out):
    """``out[i] = table[code i]`` for the codes packed in ``bits`` bits each.

    Parameters
    ----------
    packed : (m,) uint8, IN
        At least ``ceil(len(out) * bits / 8)`` bytes in the layout of :func:`pack_table`.
    bits : int
        1..16.
    table : (2**bits,) uint8, uint16, uint32 or uint64, IN
        The entry of every code.
    out : (n,) same dtype as ``table``, OUT

    Returns
    -------
    int
        The largest code read (for the caller to check against the codes it allows).
    """
    cdef Job job
    cdef Py_ssize_t n_chunks, c
    cdef int most = 0
    job.n = out.shape[0]
    if not 1 <= bits <= 16 or table.shape[0] != (1 << bits) or packed.shape[0] < (job.n * bits + 7) // 8:
        raise ValueError("unpack_table: inconsistent sizes")
    if job.n == 0:
        return 0
    n_chunks = (job.n + CHUNK - 1) // CHUNK
    tops = np.zeros(n_chunks, dtype=np.intc)
    cdef int[::1] top = tops
    job.pack, job.bits, job.entry_bytes, job.top = -1, bits, sizeof(entry_t), &top[0]
    job.data, job.table, job.out = &packed[0], &table[0], &out[0]
    with nogil:
        _run(&job)
        for c in range(n_chunks):
            most = max(most, top[c])
    return most


# -- colour table ---------------------------------------------------------------------------

cdef enum:
    MISSING = 0xFFFF  # a colour table's entry for a colour it does not know


cdef struct ColourJob:
    const uint8_t *pixels
    const uint16_t *table
    void *out
    int wide            # codes are uint16 (else uint8)
    Py_ssize_t n
    Py_ssize_t *missing # per chunk (OUT)


cdef void _colour_chunk(void *ctx, Py_ssize_t chunk, int worker) noexcept nogil:
    cdef ColourJob *job = <ColourJob *>ctx
    cdef Py_ssize_t start = chunk * CHUNK, stop = min(start + CHUNK, job.n), i, missing = 0
    cdef const uint8_t *p
    cdef uint16_t code
    for i in range(start, stop):
        p = job.pixels + 3 * i
        code = job.table[(<uint32_t>p[0] << 16) | (<uint32_t>p[1] << 8) | p[2]]
        missing += code == MISSING
        if job.wide:
            (<uint16_t *>job.out)[i] = code
        else:
            (<uint8_t *>job.out)[i] = <uint8_t>code
    job.missing[chunk] = missing


def apply_colour_table(const uint8_t[:, ::1] pixels, const uint16_t[::1] table, code_t[::1] out):
    """``out[i] = table[key(pixels[i])]``, the key of a colour ``(r << 16) | (g << 8) | b``.

    Parameters
    ----------
    pixels : (n, 3) uint8, IN
    table : (2**24,) uint16, IN
        The code of every colour, or 0xFFFF for a colour the table does not know.
    out : (n,) uint8 or uint16, OUT
        Codes; where the entry is missing, its low bits (the caller encodes those pixels).

    Returns
    -------
    int
        How many pixels had no entry.
    """
    cdef ColourJob job
    cdef Py_ssize_t n_chunks, c, missing = 0
    job.n = pixels.shape[0]
    if pixels.shape[1] != 3 or table.shape[0] != (1 << 24) or out.shape[0] != job.n:
        raise ValueError("apply_colour_table: inconsistent sizes")
    if job.n == 0:
        return 0
    n_chunks = (job.n + CHUNK - 1) // CHUNK
    counts = np.zeros(n_chunks, dtype=np.intp)
    cdef Py_ssize_t[::1] per_chunk = counts
    job.pixels, job.table, job.out, job.missing = &pixels[0, 0], &table[0], &out[0], &per_chunk[0]
    job.wide = 0
    if code_t is uint16_t:
        job.wide = 1
    with nogil:
        parallel_for(_colour_chunk, &job, n_chunks, planned_workers(n_chunks))
        for c in range(n_chunks):
            missing += per_chunk[c]
    return missing


# -- search of the edges -------------------------------------------------------------------

def search_codes(const number_t[::1] data, const double[::1] inner, code_t[::1] out):
    """``out[i]``: how many of ``inner`` are at most ``data[i]`` (compared as float64).

    Parameters
    ----------
    data : (n,) float32, float64, int32, int64, uint32 or uint64, IN
    inner : (m,) float64, IN
        Non-decreasing inner edges, ``m < 65536``.
    out : (n,) uint8 or uint16, OUT
    """
    cdef Py_ssize_t n = data.shape[0], m = inner.shape[0], i, lo, half, size, t
    cdef double v
    cdef code_t code
    if out.shape[0] != n:
        raise ValueError("search_codes: inconsistent sizes")
    with nogil:
        if m <= LINEAR_MAX:
            for i in range(n):
                v = <double>data[i]
                code = 0
                for t in range(m):
                    code += inner[t] <= v
                out[i] = code
        else:
            for i in range(n):
                v = <double>data[i]
                lo = 0
                size = m
                while size > 0:
                    half = size >> 1
                    if inner[lo + half] <= v:
                        lo += half + 1
                        size -= half + 1
                    else:
                        size = half
                out[i] = <code_t>lo
