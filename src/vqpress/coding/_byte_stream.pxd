# The bytes under the cm coding's two coders (_binary_coder.pxd, _range_coder.pxd): an
# encoder appends to a buffer it grows with realloc, a decoder reads its stream and counts
# the reads past its end (as zeros). Each coder keeps buf, pos, size and failed in its own
# struct and passes them here: one copy of the growing and of the bounds check.

from libc.stdint cimport uint8_t, uint32_t
from libc.stdlib cimport realloc


cdef inline uint32_t stream_read(const uint8_t *buf, Py_ssize_t *pos, Py_ssize_t size, bint *failed) noexcept nogil:
    """The byte at pos (0 past the end of the stream, which sets failed); pos moves on."""
    cdef uint32_t b = 0
    if pos[0] < size:
        b = buf[pos[0]]
    else:
        failed[0] = True
    pos[0] += 1
    return b


cdef inline void stream_write(uint8_t **buf, Py_ssize_t *pos, Py_ssize_t *size, bint *failed,
                              uint32_t b) noexcept nogil:
    """Append byte b at pos, growing buf (of capacity size) when full. Out of memory, failed is
    set and the writes go on over the start of buf: the stream is thrown away."""
    cdef uint8_t *grown
    if pos[0] >= size[0]:
        grown = <uint8_t *>realloc(buf[0], 2 * size[0] + 64)
        if grown == NULL:
            failed[0] = True
            pos[0] = 0
        else:
            buf[0] = grown
            size[0] = 2 * size[0] + 64
    buf[0][pos[0]] = <uint8_t>b
    pos[0] += 1
