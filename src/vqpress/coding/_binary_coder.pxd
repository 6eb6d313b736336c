# A binary arithmetic coder: 32-bit, carry-less, 12-bit probabilities (docs/FORMAT.md, "cm").
#
# The interval [x1, x2] starts as [0, 2^32 - 1]. A bit with probability p / 4096 of being 1
# (1 <= p <= 4095) splits it at
#
#     xmid = x1 + (r >> 12) * p + (((r & 0xfff) * p) >> 12),   r = x2 - x1
#
# into [x1, xmid] for a 1 and [xmid + 1, x2] for a 0. While x1 and x2 agree in their top
# byte, that byte is final: the encoder writes it, both sides shift it out (x1 <<= 8,
# x2 = x2 << 8 | 255) and the decoder shifts the next stream byte into x. x1 < x2 holds
# before every bit (a shift leaves them 255 apart at least), so both halves are never
# empty. The encoder ends by writing the four bytes of x1: a stream of k shifts is exactly
# k + 4 bytes long, the number of bytes its decoder reads, which is how a decoder checks
# that it used its stream exactly.
#
# Encoder and decoder share one function, code_bit: encoding, it codes the given bit;
# decoding (c.decoding set), it returns the decoded bit and ignores the argument.

from libc.stdint cimport uint8_t, uint32_t

from vqpress.coding._byte_stream cimport stream_read, stream_write


ctypedef struct BinaryCoder:
    uint32_t x1
    uint32_t x2
    uint32_t x          # decoder: the 32 stream bits in line with x1
    uint8_t *buf        # encoder: output (grown with realloc); decoder: the stream
    Py_ssize_t pos      # bytes written (encoder) or read (decoder), reads past the end included
    Py_ssize_t size     # encoder: capacity of buf; decoder: length of the stream
    bint decoding
    bint failed         # encoder: out of memory; decoder: read past the end of its stream


cdef inline void coder_start_encoder(BinaryCoder *c, uint8_t *buf, Py_ssize_t capacity) noexcept nogil:
    c.x1 = 0
    c.x2 = 0xffffffffu
    c.x = 0
    c.buf = buf
    c.pos = 0
    c.size = capacity
    c.decoding = False
    c.failed = buf == NULL


cdef inline uint32_t _next_byte(BinaryCoder *c) noexcept nogil:
    return stream_read(c.buf, &c.pos, c.size, &c.failed)


cdef inline void coder_start_decoder(BinaryCoder *c, const uint8_t *stream, Py_ssize_t size) noexcept nogil:
    cdef int i
    c.x1 = 0
    c.x2 = 0xffffffffu
    c.x = 0
    c.buf = <uint8_t *>stream
    c.pos = 0
    c.size = size
    c.decoding = True
    c.failed = False
    for i in range(4):
        c.x = (c.x << 8) | _next_byte(c)


cdef inline void _put_byte(BinaryCoder *c, uint32_t b) noexcept nogil:
    stream_write(&c.buf, &c.pos, &c.size, &c.failed, b)


cdef inline uint32_t _split(BinaryCoder *c, int p) noexcept nogil:
    cdef uint32_t r = c.x2 - c.x1
    return c.x1 + (r >> 12) * <uint32_t>p + (((r & 0xfffu) * <uint32_t>p) >> 12)


cdef inline void encode_bit(BinaryCoder *c, int p, int bit) noexcept nogil:
    """Encode one bit that is 1 with probability p / 4096 (1 <= p <= 4095)."""
    cdef uint32_t xmid = _split(c, p)
    if bit:
        c.x2 = xmid
    else:
        c.x1 = xmid + 1
    while ((c.x1 ^ c.x2) & 0xff000000u) == 0:
        _put_byte(c, c.x2 >> 24)
        c.x1 <<= 8
        c.x2 = (c.x2 << 8) | 255u


cdef inline int decode_bit(BinaryCoder *c, int p) noexcept nogil:
    """Decode one bit that is 1 with probability p / 4096 (1 <= p <= 4095)."""
    cdef uint32_t xmid = _split(c, p)
    cdef int bit = c.x <= xmid
    if bit:
        c.x2 = xmid
    else:
        c.x1 = xmid + 1
    while ((c.x1 ^ c.x2) & 0xff000000u) == 0:
        c.x = (c.x << 8) | _next_byte(c)
        c.x1 <<= 8
        c.x2 = (c.x2 << 8) | 255u
    return bit


cdef inline int code_bit(BinaryCoder *c, int p, int bit) noexcept nogil:
    """Code one bit that is 1 with probability p / 4096 (1 <= p <= 4095); return the bit.
    (A kernel that knows its direction at compile time calls encode_bit or decode_bit.)"""
    if c.decoding:
        return decode_bit(c, p)
    encode_bit(c, p, bit)
    return bit


cdef inline int code_bit_as(BinaryCoder *c, bint decoding, int p, int bit) noexcept nogil:
    """code_bit for a kernel that knows its direction at compile time: ``decoding`` is a
    constant at every call (``Direction is Decoding``), so the test goes at compile time."""
    if decoding:
        return decode_bit(c, p)
    encode_bit(c, p, bit)
    return bit


cdef inline void coder_finish_encoder(BinaryCoder *c) noexcept nogil:
    cdef int i
    for i in range(4):
        _put_byte(c, (c.x1 >> (24 - 8 * i)) & 255u)
