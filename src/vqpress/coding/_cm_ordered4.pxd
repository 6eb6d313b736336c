# Level 4 of the cm coding, the ordered model on a predicted value (``_cm_ordered4.pyx``).

from libc.stdint cimport uint8_t

from vqpress.coding._binary_coder cimport BinaryCoder


cdef int ordered4_strip(BinaryCoder *c, int n, uint8_t *sym, int h, int w, uint8_t *rows) noexcept nogil
