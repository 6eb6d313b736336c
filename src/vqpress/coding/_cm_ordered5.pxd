# Levels 5, 8, 9, 11, 13, 16 and 20 of the cm coding, gray levels as one symbol around a predicted value
# (``_cm_ordered5.pyx``): what ``_cm.pyx`` calls, with the parameters of ``_ordered_params.pxd``.

from libc.stdint cimport uint8_t

from vqpress.coding._ordered_params cimport Ord5Params


cdef int ordered5_encode(const uint8_t *sym, int h, int w, int n, const Ord5Params *params, uint8_t **out,
                         Py_ssize_t *size) noexcept nogil
cdef int ordered5_decode(const uint8_t *stream, Py_ssize_t size, uint8_t *sym, int h, int w, int n,
                         const Ord5Params *params) noexcept nogil
