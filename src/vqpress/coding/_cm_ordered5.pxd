# Levels 5, 8, 9, 11, 13 and 16 of the cm coding, gray levels as one symbol around a predicted value
# (``_cm_ordered5.pyx``): what ``_cm.pyx`` calls.

from libc.stdint cimport uint8_t


# The model's parameters (docs/FORMAT.md, "Level 8"; level 5's are LEVEL5_PARAMS)
ctypedef struct Ord5Params:
    int counter3        # the third x == P counter's context: 0 (level 5's), 1, 2
    int first_table     # the residual table that weighs half: 0 (by the shape with NN, WW), 1 (with P)
    int limit           # the count limit of the second and third x == P counters: 1..127
    int rate_max        # the tables' largest rate shift: 2..7
    int rate_double     # 1: each table update counts twice in the rate schedule
    int exact           # 1: level 9's extra model pieces (n <= 4; set by _cm.pyx, not by a header)
    int weighted        # 1: level 11's weighted predictor, 2: level 13's averaged one, 3: level 16 (set by _cm.pyx)


cdef bint ord5_params_ok(const Ord5Params *q) noexcept nogil
cdef int ordered5_encode(const uint8_t *sym, int h, int w, int n, const Ord5Params *params, uint8_t **out,
                         Py_ssize_t *size) noexcept nogil
cdef int ordered5_decode(const uint8_t *stream, Py_ssize_t size, uint8_t *sym, int h, int w, int n,
                         const Ord5Params *params) noexcept nogil
