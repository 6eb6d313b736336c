# A range coder with carries (32-bit range, 33-bit low, byte output), for binary decisions
# with 12-bit probabilities and for symbols of adaptive cumulative tables of total 2^15
# (docs/FORMAT.md, "Level 3"). Unlike _binary_coder.pxd, whose range can shrink to a few
# units, its range stays at 2^24 or more between symbols: a symbol of frequency f >= 1 out of
# 2^15 always keeps a range of (range >> 15) * f >= 512, so multi-symbol splits are safe.
#
# The encoder keeps `low` (the interval's start) in 64 bits; a carry out of bit 32 is added
# to the last byte not yet written (`cache`) and to the 0xff bytes after it (`pending`).
# The first byte of such a coder is always 0 (nothing ever carries into it): it is not
# written. The encoder ends with four more shifts; a stream of k shifts is k + 4 bytes long,
# which is exactly the number of bytes its decoder reads (4 at the start, one a shift).

from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc

from vqpress.coding._byte_stream cimport stream_read, stream_write

cdef extern from *:
    """
    /* The largest s in 0..15 with code >= r * cum[s] (cum[0] = 0, non-decreasing, every
       r * cum[s] < 2^32): r * cum[s] <= code exactly when cum[s] <= code / r (integer
       division), which SSE2 tests in all 16 lanes at once (a saturating difference is 0);
       elsewhere (or with -DRC_NO_SIMD) a branch-free binary search. */
    #if !defined(RC_NO_SIMD) && (defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2)) \
        && (defined(__GNUC__) || defined(__clang__))
    #include <emmintrin.h>
    #if defined(__AVX2__)
    #include <immintrin.h>
    static inline int rc_find(const uint16_t *cum, uint32_t code, uint32_t r) {
        uint32_t q = code / r;
        __m256i le = _mm256_cmpeq_epi16(_mm256_subs_epu16(_mm256_loadu_si256((const __m256i *)cum),
                                                          _mm256_set1_epi16((short)(q < 65535u ? q : 65535u))),
                                        _mm256_setzero_si256());
        unsigned mask = (unsigned)_mm256_movemask_epi8(le);  /* bits 2s, 2s + 1: cum[s] <= q */
        return (31 - __builtin_clz(mask | 1u)) >> 1;
    }
    #else
    static inline int rc_find(const uint16_t *cum, uint32_t code, uint32_t r) {
        uint32_t q = code / r;
        __m128i qv = _mm_set1_epi16((short)(q < 65535u ? q : 65535u));
        __m128i z = _mm_setzero_si128();
        __m128i a = _mm_cmpeq_epi16(_mm_subs_epu16(_mm_loadu_si128((const __m128i *)cum), qv), z);
        __m128i b = _mm_cmpeq_epi16(_mm_subs_epu16(_mm_loadu_si128((const __m128i *)(cum + 8)), qv), z);
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_packs_epi16(a, b));  /* bit s: cum[s] <= q */
        return 31 - __builtin_clz(mask | 1u);
    }
    #endif
    #else
    static inline int rc_find(const uint16_t *cum, uint32_t code, uint32_t r) {
        int s = 0, j, step;
        for (step = 8; step; step >>= 1) {
            j = s + step;
            s = code >= r * (uint32_t)cum[j] ? j : s;
        }
        return s;
    }
    #endif
    """
    int rc_find(const uint16_t *cum, uint32_t code, uint32_t r) noexcept nogil


cdef extern from *:
    """
    /* rc_take_symbol's ``flat`` renormalisation: the bits the range needs, 8 * ((range < 2^24)
       + (range < 2^16)) for every range (one below 2^9 gets 16 too, as the sum gives), from
       the count of its leading zeros (three steps where the compares took eight; range | 511,
       not | 256, which GCC made an ``or`` of the second byte, a partial register the count
       then waited on); the stream's next two bytes, big-endian, by one load where the
       compiler can. */
    static inline unsigned rc_flat_bits(uint32_t range) {
    #if defined(__GNUC__) || defined(__clang__)
        return (unsigned)__builtin_clz(range | 511u) & 24u;
    #else
        return 8u * ((range < (1u << 24)) + (range < (1u << 16)));
    #endif
    }
    static inline uint32_t rc_two_bytes(const uint8_t *p) {
    #if (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        uint16_t v;
        __builtin_memcpy(&v, p, 2);
        return __builtin_bswap16(v);
    #else
        return (uint32_t)p[0] << 8 | p[1];
    #endif
    }
    """
    unsigned rc_flat_bits(uint32_t range) noexcept nogil
    uint32_t rc_two_bytes(const uint8_t *p) noexcept nogil


ctypedef struct RangeCoder:
    uint64_t low        # encoder: start of the interval (33 bits: bit 32 is a carry)
    uint32_t range
    uint32_t code       # decoder: the stream's value minus low
    uint32_t cache      # encoder: the last byte not yet written; 256 before the first
    Py_ssize_t pending  # encoder: 0xff bytes waiting after the cache
    uint8_t *buf        # encoder: output (grown with realloc); decoder: the stream
    Py_ssize_t pos      # bytes written (encoder) or read (decoder), reads past the end included
    Py_ssize_t size     # encoder: capacity of buf; decoder: length of the stream
    bint failed         # encoder: out of memory; decoder: read past the end of its stream


cdef enum:
    RC_TOP = 1 << 24
    CDF_BITS = 15       # cumulative tables add up to 2^15
    PROB_BITS = 12      # binary decisions: probability of a 1 in 1..4095 of 4096


cdef inline void rc_start_encoder(RangeCoder *c, uint8_t *buf, Py_ssize_t capacity) noexcept nogil:
    c.low = 0
    c.range = 0xffffffffu
    c.code = 0
    c.cache = 256
    c.pending = 0
    c.buf = buf
    c.pos = 0
    c.size = capacity
    c.failed = buf == NULL


cdef inline uint32_t rc_next_byte(RangeCoder *c) noexcept nogil:
    """The decoder's next byte (0 past the end of its stream, which sets ``failed``)."""
    return stream_read(c.buf, &c.pos, c.size, &c.failed)


cdef inline void rc_start_decoder(RangeCoder *c, const uint8_t *stream, Py_ssize_t size) noexcept nogil:
    cdef int i
    c.low = 0
    c.range = 0xffffffffu
    c.code = 0
    c.cache = 0
    c.pending = 0
    c.buf = <uint8_t *>stream
    c.pos = 0
    c.size = size
    c.failed = False
    for i in range(4):
        c.code = (c.code << 8) | rc_next_byte(c)


cdef inline void _rc_put(RangeCoder *c, uint32_t b) noexcept nogil:
    stream_write(&c.buf, &c.pos, &c.size, &c.failed, b)


cdef inline void _rc_shift_low(RangeCoder *c) noexcept nogil:
    cdef uint32_t carry
    if c.low < 0xff000000u or c.low >= 0x100000000u:
        carry = <uint32_t>(c.low >> 32)
        if c.cache < 256:
            _rc_put(c, c.cache + carry)
        while c.pending:
            _rc_put(c, 0xffu + carry)
            c.pending -= 1
        c.cache = <uint32_t>(c.low >> 24) & 0xffu
    else:
        c.pending += 1
    c.low = (c.low & 0xffffffu) << 8


cdef inline void rc_encode_bit(RangeCoder *c, int p, int bit) noexcept nogil:
    """Encode a bit that is 1 with probability p / 4096 (1 <= p <= 4095)."""
    cdef uint32_t bound = (c.range >> PROB_BITS) * <uint32_t>p
    if bit:
        c.range = bound
    else:
        c.low += bound
        c.range -= bound
    while c.range < RC_TOP:
        c.range <<= 8
        _rc_shift_low(c)


cdef inline int rc_decode_bit(RangeCoder *c, int p) noexcept nogil:
    cdef uint32_t bound = (c.range >> PROB_BITS) * <uint32_t>p
    cdef int bit = c.code < bound
    if bit:
        c.range = bound
    else:
        c.code -= bound
        c.range -= bound
    while c.range < RC_TOP:
        c.range <<= 8
        c.code = (c.code << 8) | rc_next_byte(c)
    return bit


cdef inline int rc_code_bit(RangeCoder *c, bint decoding, int p, int bit) noexcept nogil:
    """Encode bit, or decode one (returned either way); ``decoding`` a constant at every
    call (``Direction is Decoding``), as _binary_coder.pxd's code_bit_as."""
    if decoding:
        return rc_decode_bit(c, p)
    rc_encode_bit(c, p, bit)
    return bit


cdef inline void rc_encode_symbol(RangeCoder *c, const uint16_t *cum, int total, int m, int s) noexcept nogil:
    """Encode symbol s (0 <= s < m <= 16) of cumulative frequencies cum[0..15] (cum[0] = 0,
    non-decreasing, at most total <= 2^15, equal to total from m on) out of total: symbol
    i spans r * cum[i] .. r * cum[i + 1], r = range // total, the last one up to the range's
    end. Symbol s must have a frequency."""
    cdef uint32_t r = c.range >> CDF_BITS if total == 1 << CDF_BITS else c.range // <uint32_t>total
    cdef uint32_t lo = r * cum[s]
    c.low += lo
    if s < m - 1:
        c.range = r * cum[s + 1] - lo
    else:
        c.range -= lo
    while c.range < RC_TOP:
        c.range <<= 8
        _rc_shift_low(c)


cdef inline uint32_t rc_symbol_unit(RangeCoder *c, int total) noexcept nogil:
    """r, the range of one unit of cumulative frequency out of total."""
    return c.range >> CDF_BITS if total == 1 << CDF_BITS else c.range // <uint32_t>total


cdef inline int rc_decode_symbol(RangeCoder *c, const uint16_t *cum, int total, int m, bint flat=False) noexcept nogil:
    """Decode a symbol coded as by rc_encode_symbol: the largest s < m with
    r * cum[s] <= code (of symbols of equal cum, the last: those of no frequency are never
    decoded but as the last symbol, from a damaged stream). ``flat``: as rc_take_symbol's."""
    cdef uint32_t r = rc_symbol_unit(c, total)
    cdef int s = rc_find(cum, c.code, r)
    if s > m - 1:
        s = m - 1
    rc_take_symbol(c, cum, m, r, s, flat)
    return s


cdef inline void rc_take_symbol(RangeCoder *c, const uint16_t *cum, int m, uint32_t r, int s,
                                bint flat=False, bint select=False) noexcept nogil:
    """After the decoder found symbol s (of m, unit r): its interval becomes the range.
    ``flat`` (a constant): the one or two bytes the range then needs come in by their count,
    not by a loop, for symbols of a few bits, whose loop's branch (taken or not as the stream
    says) mispredicted: level 6's unpredicted pixels at 256 colours decode 1.04-1.06x as fast.
    ``select`` (a constant): the new range is selected without a branch (whether s is the last
    symbol: for symbols of a few, where the last one is frequent); ``cum`` has 16 entries, or
    s + 1 < its entries."""
    cdef uint32_t lo = r * cum[s], sh, keep
    c.code -= lo
    if select:  # the same without a branch (s < m - 1 as the stream says); cum[16] is not read
        keep = 0u - <uint32_t>(s < m - 1)
        c.range = (((r * cum[(s + 1) & 15]) & keep) | (c.range & ~keep)) - lo
        c.range += c.range == 0  # (never 0 but for the last symbol)
    elif s < m - 1:
        c.range = r * cum[s + 1] - lo
    else:
        c.range -= lo
        if c.range == 0:  # only from a damaged stream (its code past the range): no endless loop
            c.range = 1
    if flat and c.pos + 2 <= c.size:
        # a symbol leaves at least 2^9 of a range of 2^24 or more: two bytes at most (the
        # next two bytes shifted by sh, then their top 16 bits: the sh >> 3 bytes it takes)
        sh = rc_flat_bits(c.range)
        c.code = (c.code << sh) | ((rc_two_bytes(c.buf + c.pos) << sh) >> 16)
        c.range <<= sh
        c.pos += sh >> 3
    while c.range < RC_TOP:  # (flat: only at the stream's end, or from a damaged stream)
        c.range <<= 8
        c.code = (c.code << 8) | rc_next_byte(c)


cdef inline void rc_encode_span(RangeCoder *c, uint32_t r, uint32_t cum_s, uint32_t cum_next, bint last) noexcept nogil:
    """rc_encode_symbol of a symbol s given by the unit r (rc_symbol_unit) and its cum[s] and
    cum[s + 1] alone (``last``: s = m - 1, its interval up to the range's end; cum_next unused)."""
    cdef uint32_t lo = r * cum_s
    c.low += lo
    if last:
        c.range -= lo
    else:
        c.range = r * cum_next - lo
    while c.range < RC_TOP:
        c.range <<= 8
        _rc_shift_low(c)


cdef inline void rc_finish_encoder(RangeCoder *c) noexcept nogil:
    cdef int i
    for i in range(5):
        _rc_shift_low(c)


# A level's strip on this coder (levels 3, 5 and 8): with a fresh model, code the h x w strip
# ``sym`` of symbols < n (or decode into it); ``rows`` is scratch for 4 rows of w + 6 symbols,
# zeroed. Returns 0, -1 if the model did not fit in memory, -2 if the decoder ran past the
# end of its stream. A RangeStripArg also gets the level's own ``arg`` (level 8: its header
# parameters), passed through.
ctypedef int (*RangeStrip)(RangeCoder *c, bint decoding, uint8_t *sym, int h, int w, int n,
                           uint8_t *rows) noexcept nogil
ctypedef int (*RangeStripArg)(RangeCoder *c, bint decoding, uint8_t *sym, int h, int w, int n,
                              uint8_t *rows, const void *arg) noexcept nogil


cdef inline int _rc_plain_strip(RangeCoder *c, bint decoding, uint8_t *sym, int h, int w, int n, uint8_t *rows,
                                const void *arg) noexcept nogil:
    """A RangeStrip run as a RangeStripArg: ``arg`` points to it."""
    return (<const RangeStrip *>arg)[0](c, decoding, sym, h, w, n, rows)


cdef inline int rc_encode_strip_arg(RangeStripArg strip, const void *arg, const uint8_t *sym, int h, int w, int n,
                                    uint8_t **out, Py_ssize_t *size) noexcept nogil:
    """Code an h x w strip of symbols (each < n) by ``strip`` (given ``arg``); ``out[0]`` gets
    the malloc'd stream and ``size[0]`` its length. Returns 0, or -1 if out of memory
    (``out[0]`` is then NULL)."""
    cdef RangeCoder c
    cdef uint8_t *rows = <uint8_t *>calloc(4 * (w + 6), 1)
    cdef int status = -1
    out[0] = NULL
    size[0] = 0
    if rows != NULL:
        rc_start_encoder(&c, <uint8_t *>malloc(4096), 4096)
        if strip(&c, False, <uint8_t *>sym, h, w, n, rows, arg) == 0:
            rc_finish_encoder(&c)
            if not c.failed:
                out[0] = c.buf
                size[0] = c.pos
                status = 0
        if status != 0:
            free(c.buf)
    free(rows)
    return status


cdef inline int rc_decode_strip_arg(RangeStripArg strip, const void *arg, const uint8_t *stream, Py_ssize_t size,
                                    uint8_t *sym, int h, int w, int n) noexcept nogil:
    """Decode a strip's stream into ``sym`` (h x w) by ``strip`` (given ``arg``). Returns 0, -1
    if out of memory, -2 if the stream is not used exactly (it runs out, or bytes are left)."""
    cdef RangeCoder c
    cdef uint8_t *rows = <uint8_t *>calloc(4 * (w + 6), 1)
    cdef int status = -1
    if rows != NULL:
        rc_start_decoder(&c, stream, size)
        status = strip(&c, True, sym, h, w, n, rows, arg)
        if status == 0 and (c.failed or c.pos != c.size):
            status = -2
    free(rows)
    return status


cdef inline int rc_encode_strip(RangeStrip strip, const uint8_t *sym, int h, int w, int n, uint8_t **out,
                                Py_ssize_t *size) noexcept nogil:
    """rc_encode_strip_arg of a strip without an argument."""
    return rc_encode_strip_arg(_rc_plain_strip, &strip, sym, h, w, n, out, size)


cdef inline int rc_decode_strip(RangeStrip strip, const uint8_t *stream, Py_ssize_t size, uint8_t *sym, int h,
                                int w, int n) noexcept nogil:
    """rc_decode_strip_arg of a strip without an argument."""
    return rc_decode_strip_arg(_rc_plain_strip, &strip, stream, size, sym, h, w, n)
