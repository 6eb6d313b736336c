# The parameters of the ordered model of levels 5, 8, 9, 11, 13, 16 and 20 (docs/FORMAT.md, "Level 8"),
# which ``_cm.pyx`` hands the kernel (``_cm_ordered5.pyx``) with each strip: five from the
# payload header at levels 8, 11, 13, 16 and 20 (level 5 and 9's are ``LEVEL5_PARAMS``), and which
# level's pieces the model adds; and the check of their ranges. Inline.


ctypedef struct Ord5Params:
    int counter3        # the third x == P counter's context: 0 (level 5's), 1, 2
    int first_table     # the residual table that weighs half: 0 (by the shape with NN, WW), 1 (with P)
    int limit           # the count limit of the second and third x == P counters: 1..127
    int rate_max        # the tables' largest rate shift: 2..7
    int rate_double     # 1: each table update counts twice in the rate schedule
    int exact           # 1: level 9's extra model pieces (n <= 4; set by _cm.pyx, not by a header)
    int weighted        # 1: level 11's weighted predictor, 2: level 13's averaged one, 3: level 16, 4: level 20
                        # (set by _cm.pyx)


cdef inline bint ord5_params_ok(const Ord5Params *q) noexcept nogil:
    """Whether q is within docs/FORMAT.md's ranges (_cm.pyx checks the header's with it)."""
    return (0 <= q.counter3 <= 2 and 0 <= q.first_table <= 1 and 1 <= q.limit <= 127 and 2 <= q.rate_max <= 7
            and 0 <= q.rate_double <= 1 and 0 <= q.exact <= 1 and 0 <= q.weighted <= 4
            and not (q.exact and q.weighted))
