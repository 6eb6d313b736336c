# Level 2 of the cm coding, the fast model (``_cm_fast.pyx``): what ``_cm.pyx`` calls.

from libc.stdint cimport int32_t, uint8_t, uint32_t

from vqpress.coding._binary_coder cimport BinaryCoder


ctypedef struct Fast:
    int n
    int kind
    int tree_row
    uint32_t *cnt               # counters: the F_ tables
    uint32_t *pairs             # n x n, by (W, candidate)
    uint32_t *tree              # 3 planes of n x tree_row, by W, N, NE and node
    int32_t *weights


cdef int fast_alloc(Fast *f, int n, int kind) noexcept nogil
cdef void fast_free(Fast *f) noexcept nogil
cdef int fast_strip(BinaryCoder *c, Fast *f, uint8_t *sym, int h, int w, uint8_t *rows) noexcept nogil
