# Levels 6, 10 and 18 of the cm coding, the palette model of one neighbour symbol
# (``_cm_palette6.pyx``; level 10 codes the pixel no neighbour predicts with mixed tables,
# level 18 is level 10 with richer neighbour-symbol contexts): what ``_cm.pyx`` calls.

from libc.stdint cimport uint8_t


cdef int palette6_encode(const uint8_t *sym, int h, int w, int n, uint8_t **out, Py_ssize_t *size) noexcept nogil
cdef int palette6_decode(const uint8_t *stream, Py_ssize_t size, uint8_t *sym, int h, int w, int n) noexcept nogil
cdef int palette10_encode(const uint8_t *sym, int h, int w, int n, uint8_t **out, Py_ssize_t *size) noexcept nogil
cdef int palette10_decode(const uint8_t *stream, Py_ssize_t size, uint8_t *sym, int h, int w, int n) noexcept nogil
cdef int palette18_encode(const uint8_t *sym, int h, int w, int n, uint8_t **out, Py_ssize_t *size) noexcept nogil
cdef int palette18_decode(const uint8_t *stream, Py_ssize_t size, uint8_t *sym, int h, int w, int n) noexcept nogil

# two strips at once, a and b (h_b <= h_a), on one thread; out, size and status hold an entry
# a strip (status as the calls above return it: 0, -1 out of memory, -2 stream not used exactly)
cdef void palette6_decode_pair(const uint8_t *stream_a, Py_ssize_t size_a, const uint8_t *stream_b, Py_ssize_t size_b,
                               uint8_t *sym_a, int h_a, uint8_t *sym_b, int h_b, int w, int n,
                               int *status) noexcept nogil
cdef void palette6_encode_pair(const uint8_t *sym_a, int h_a, const uint8_t *sym_b, int h_b, int w, int n,
                               uint8_t **out, Py_ssize_t *size, int *status) noexcept nogil
cdef void palette10_decode_pair(const uint8_t *stream_a, Py_ssize_t size_a, const uint8_t *stream_b, Py_ssize_t size_b,
                                uint8_t *sym_a, int h_a, uint8_t *sym_b, int h_b, int w, int n,
                                int *status) noexcept nogil
cdef void palette10_encode_pair(const uint8_t *sym_a, int h_a, const uint8_t *sym_b, int h_b, int w, int n,
                                uint8_t **out, Py_ssize_t *size, int *status) noexcept nogil
cdef void palette18_decode_pair(const uint8_t *stream_a, Py_ssize_t size_a, const uint8_t *stream_b, Py_ssize_t size_b,
                                uint8_t *sym_a, int h_a, uint8_t *sym_b, int h_b, int w, int n,
                                int *status) noexcept nogil
cdef void palette18_encode_pair(const uint8_t *sym_a, int h_a, const uint8_t *sym_b, int h_b, int w, int n,
                                uint8_t **out, Py_ssize_t *size, int *status) noexcept nogil
