# Levels 0 and 1 of the cm coding, the lean and full models (``_cm_full.pyx``): what ``_cm.pyx`` calls.

from libc.stdint cimport uint8_t

from vqpress.coding._binary_coder cimport BinaryCoder


cdef int full_strip(BinaryCoder *c, int n, int kind, int level, int table_bits, uint8_t *sym, int h, int w,
                    uint8_t *rows) noexcept nogil
