# Levels 5, 8, 9, 11, 13, 16 and 20 of the cm coding, gray levels as one symbol around a predicted value
# (``_cm_ordered5.pyx``): what ``_cm.pyx`` calls, with the parameters of ``_ordered_params.pxd``.

from libc.stdint cimport uint8_t

from vqpress.coding._ordered_params cimport Ord5Params


cdef int ordered5_encode(const uint8_t *sym, int h, int w, int n, const Ord5Params *params, uint8_t **out,
                         Py_ssize_t *size) noexcept nogil
cdef int ordered5_decode(const uint8_t *stream, Py_ssize_t size, uint8_t *sym, int h, int w, int n,
                         const Ord5Params *params) noexcept nogil
cdef void ordered5_encode_pair(const uint8_t *sym_a, int h_a, const uint8_t *sym_b, int h_b, int w, int n,
                               const Ord5Params *params, uint8_t **out, Py_ssize_t *size, int *status) noexcept nogil
cdef void ordered5_decode_pair(const uint8_t *stream_a, Py_ssize_t size_a, const uint8_t *stream_b,
                               Py_ssize_t size_b, uint8_t *sym_a, int h_a, uint8_t *sym_b, int h_b,
                               int w, int n, const Ord5Params *params, int *status) noexcept nogil
