# The state of the ordered model of levels 5, 8, 9, 11, 13, 16 and 20 (docs/FORMAT.md, "Level 5"
# and the levels after it), which ``_cm_ordered5.pyx`` codes a strip's pixels with: the layout
# of its x == P counters and of its 16-lane residual tables, their allocation and start (a
# fresh model for every strip, with the parameters ``Ord5Params`` of ``_ordered_params.pxd``),
# and how a counter and a table learn (their rates). What levels 9, 11, 16 and 20 add keeps its
# own pieces in ``_exact_neighbourhood.pxd``, ``_weighted_prediction.pxd``,
# ``_neighbour_symbols.pxd`` and ``_bias_cancellation.pxd``; the model holds their arrays.
# Inline (the learning is in every pixel's path; the kernel's copies compile their own); the
# kernel's module calls ord5_tables_init once, at its start.

from libc.stdint cimport int16_t, int64_t, uint8_t, uint16_t, uint32_t
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memcpy

from vqpress.coding._bias_cancellation cimport BC_CELL, BC_CONTEXTS
from vqpress.coding._cm_common cimport cm_rate
from vqpress.coding._exact_neighbourhood cimport APM1, APM2, APM_NODES, EXACT, X_COUNTERS, ex_apm_fill
from vqpress.coding._neighbour_symbols cimport WN_STRIDE, WN_TABLES, ns_fill
from vqpress.coding._ordered_params cimport Ord5Params
from vqpress.coding._symbol_tables cimport st_learn
from vqpress.coding._weighted_prediction cimport OFFSETS, WPCell


cdef enum:
    LANES = 16                  # symbols of a table: residuals x - P = -8 .. 7 in lanes 0 .. 15
    MID = 8                     # the lane of x - P = 0
    TABLE_K = 32768 - LANES     # a table's counts go from 0 to this
    PRIOR_TOTAL = 51            # the lane weights of a fresh table add up to this
    MAX_COUNT = 128             # a table's updates are counted up to its count_max, at most this
    # binary counters of x == P (level 20 lays the same counters out the other way round: 3 x
    # 8192 by where P is and eq13, n x 625 by P and dd, its C3_ERR 8 x 5 x 256 by the error and
    # offset classes and eq13 & 255; its eq13 in oc_eq13_nibbles' bit order; _cm_ordered5.pyx)
    C_EQ = 0                    # 8192 x 3: by eq13 and where P is (0, n - 1, between)
    C_SHAPE = 8192 * 3          # 625 x n: by the shape dd and P
    # the third x == P counter (its own array), by Ord5Params.counter3:
    C3_ERR = 0                  # 256 x 8: by eq13 & 255 and the error class (level 5)
    C3_HITS = 1                 # 64 x 32: by which of 6 neighbours were their P and eq13 & 31
    C3_SHAPE_NN = 2             # 625 x 5 x 8: by dd, NN against P and the error class
    # symbol tables (the first one's size depends on n)
    T_DIR = 0                   # 625 x 9: by dd, NN and WW against P
    T_ERR = 5625                # 729 x 8: by d6 and the error class
    T_FAR = T_ERR + 5832        # 2: how far beyond -8 / +7, below and above
    T_SHAPE = T_FAR + 2         # then 625 x n: by dd and P


# The model's start: tables filled once, by ord5_tables_init at the kernel module's start
cdef extern from *:
    """
    /* a fresh residual table's lane weights (x - P = -8 .. 7), out of PRIOR_TOTAL: 16 for +-1,
       4 for +-2, 0 for 0 (x == P is asked before), 1 elsewhere */
    static int ord5_prior_weight[16];
    /* a table's update moves each count 1 / 2^rate of the way to its target; its rate after v
       updates (level 5's schedule) is ord5_rate_at[v]: 1 from 0, 2 from 2, 3 from 5, 4 from 12,
       5 from 32, 6 from 64, 7 from 128 updates (v up to 2 MAX_COUNT: level 8 may count each
       update twice, and caps the rate at rate_max) */
    static int ord5_rate_at[2 * 128 + 1];
    /* the third x == P counter's size by Ord5Params.counter3 (C3_ERR, C3_HITS, C3_SHAPE_NN) */
    static Py_ssize_t ord5_c3_size[3];

    static void ord5_tables_init(void) {
        static const int weight[16] = {1, 1, 1, 1, 1, 1, 4, 16, 0, 16, 4, 1, 1, 1, 1, 1};
        static const int from[7] = {0, 2, 5, 12, 32, 64, 128};
        int i, j;
        for (i = 0; i < 16; i++)
            ord5_prior_weight[i] = weight[i];
        for (i = 0; i <= 2 * 128; i++)
            for (ord5_rate_at[i] = 0, j = 0; j < 7; j++)
                ord5_rate_at[i] += i >= from[j];
        ord5_c3_size[0] = 256 * 8;
        ord5_c3_size[1] = 64 * 32;
        ord5_c3_size[2] = 625 * 5 * 8;
    }
    """
    const int ord5_prior_weight[16]
    const int ord5_rate_at[2 * 128 + 1]
    const Py_ssize_t ord5_c3_size[3]
    void ord5_tables_init() noexcept nogil


# A strip's model (ord5_alloc, ord5_free)
ctypedef struct Ord5:
    int n
    Ord5Params q
    int count_max               # a table's updates are counted up to this ...
    uint8_t rate[MAX_COUNT + 1] # ... and its rate after u of them is rate[u]
    uint32_t *cnt               # binary counters (C_)
    uint32_t *cnt3              # the third x == P counter's (C3_)
    uint16_t *tables            # symbol tables (T_), LANES u16 each ...
    uint8_t *counts             # ... and their update counts
    uint8_t *err                # ring of 4 rows of w + 6: |x - P| clipped to 15 (0 outside the map)
    # level 9 only (NULL otherwise)
    uint32_t *xcnt              # the fourth x == P counter (X_COUNTERS)
    uint16_t *apm               # the APMs: APM1 then APM2 contexts of APM_NODES probabilities (16 bits)
    Py_ssize_t t_exact          # the first exact-neighbourhood residual table (level 11: RDIR by offset class)
    # level 11 only (NULL otherwise)
    WPCell *wp                  # ring of 2 rows of w + 6 (0 outside the strip's pixels; _weighted_prediction.pxd)
    # level 16 only (NULL otherwise)
    uint16_t *wn                # the (W, N) tables, WN_STRIDE u16 each (_neighbour_symbols.pxd) ...
    uint8_t *wn_counts          # ... and their update counts
    const uint16_t *wn_at       # the pixel's (W, N) table (padded)
    # level 20 only (NULL otherwise; _bias_cancellation.pxd)
    int16_t *bt                 # ring of 2 rows of w + 6: the prediction errors T (0 outside the strip's pixels)
    int16_t *bcells             # each pixel's context and what its prediction and eq13 take from the rows above (bc_row_contexts' cells: BC_CELL x (w + 8))
    uint32_t *eq_at[16]         # the x == P counters by where P is and eq13 (C_EQ), at P = 0 .. n - 1 ...
    uint32_t *shape_at[16]      # ... and by P and dd (C_SHAPE): level 20's way to them (_cm_ordered5.pyx)
    uint8_t lo_at[16]           # the lanes lo .. hi of a residual around P that stay within the
    uint8_t hi_at[16]           # levels, at P = 0 .. n - 1 (level 20: loads, not branches on P)
    int16_t *bk                 # the corrections K of the BC_CONTEXTS contexts, and a spare one


# The x == P counters hold p (22 bits, of 2^22) and n (10 bits) as _cm_common.pxd's, but p
# unflipped: (p << 10) | n, a fresh one 2^31 (p = 1/2, n = 0), filled at the start rather than
# zeroed; reading p and storing it take one instruction less each (the same values).
cdef inline uint32_t *ord5_counters(Py_ssize_t count) noexcept nogil:
    """count fresh counters (NULL if out of memory)."""
    cdef uint32_t *c = <uint32_t *>malloc(count * sizeof(uint32_t))
    cdef Py_ssize_t i
    if c != NULL:
        for i in range(count):
            c[i] = 0x80000000u
    return c


cdef inline int ord5_p12(uint32_t t) noexcept nogil:
    """p of counter t in 12 bits."""
    return <int>(t >> 20)


cdef inline uint32_t ord5_updated_to(uint32_t t, int bit, uint32_t limit) noexcept nogil:
    """Counter t after seeing bit, its count stopping at limit (_cm_common's _updated_to)."""
    cdef uint32_t n = t & 1023u
    cdef int64_t p = t >> 10
    p += (((<int64_t>bit << 22) - p) * cm_rate[n]) >> 16
    if n < limit:  # (a compare and an add with carry)
        n += 1
    return (<uint32_t>p << 10) | n


cdef inline void ord5_table_fill(uint16_t *t, Py_ssize_t count) noexcept nogil:
    """count fresh tables, all alike: residuals +-1 likely, +-2 less, the others rare, 0
    never (x == P is asked before): lane weights ord5_prior_weight out of PRIOR_TOTAL."""
    cdef Py_ssize_t done = 1, step
    cdef int i, acc = 0
    if count <= 0:
        return
    for i in range(LANES):
        t[i] = <uint16_t>(acc * TABLE_K // PRIOR_TOTAL)
        acc += ord5_prior_weight[i]
    while done < count:
        step = done if done < count - done else count - done
        memcpy(t + done * LANES, t, step * LANES * sizeof(uint16_t))
        done += step


cdef inline int ord5_alloc(Ord5 *f, int n, int w, const Ord5Params *q) noexcept nogil:
    """A fresh model for n <= 16 levels (n <= 4 with q.exact) with parameters q (in range);
    with q.weighted (levels 11, 13, 16 and 20) RDIR tables by the offset class follow the others (t_exact),
    with q.weighted 3 (level 16) the (W, N) tables, with q.weighted 4 (level 20) the bias
    cancellation's errors, contexts and corrections (all 0). Level 8 caps the tables' rate at
    rate_max and may count each update twice.
    Returns 0, or -1 (free it with ord5_free either way)."""
    cdef Py_ssize_t n_tables = T_SHAPE + 625 * n + (EXACT if q.exact else 0) + (5625 * OFFSETS if q.weighted else 0)
    cdef int u = 0, v
    f.n = n
    f.q = q[0]
    while True:
        f.rate[u] = <uint8_t>min(ord5_rate_at[u << q.rate_double], q.rate_max)
        if f.rate[u] == q.rate_max:
            break
        u += 1
    f.count_max = u
    f.cnt = ord5_counters(C_SHAPE + 625 * n)
    f.cnt3 = ord5_counters(ord5_c3_size[q.counter3] * (OFFSETS if q.weighted else 1))
    f.tables = <uint16_t *>malloc(n_tables * LANES * sizeof(uint16_t))
    f.counts = <uint8_t *>calloc(n_tables, 1)
    f.err = <uint8_t *>calloc(4 * (w + 6), 1)
    f.xcnt = NULL
    f.apm = NULL
    f.wp = NULL
    f.wn = NULL
    f.wn_counts = NULL
    f.bt = NULL
    f.bcells = NULL
    f.bk = NULL
    f.t_exact = T_SHAPE + 625 * n
    if q.weighted == 4:
        f.bt = <int16_t *>calloc(2 * (w + 6), sizeof(int16_t))
        f.bcells = <int16_t *>calloc(BC_CELL * (w + 8), sizeof(int16_t))
        f.bk = <int16_t *>calloc(BC_CONTEXTS + 1, sizeof(int16_t))
        if f.bt == NULL or f.bcells == NULL or f.bk == NULL:
            return -1
    if q.weighted == 3:
        f.wn = <uint16_t *>malloc(WN_TABLES * WN_STRIDE * sizeof(uint16_t))
        f.wn_counts = <uint8_t *>calloc(WN_TABLES, 1)
        if f.wn == NULL or f.wn_counts == NULL:
            return -1
        ns_fill(f.wn)
    if q.weighted:
        f.wp = <WPCell *>calloc(2 * (w + 6), sizeof(WPCell))
        if f.wp == NULL:
            return -1
    if q.exact:
        f.xcnt = ord5_counters(X_COUNTERS)
        f.apm = <uint16_t *>malloc((APM1 + APM2) * APM_NODES * sizeof(uint16_t))
        if f.xcnt == NULL or f.apm == NULL:
            return -1
        ex_apm_fill(f.apm, APM1 + APM2)
    if f.cnt == NULL or f.cnt3 == NULL or f.tables == NULL or f.counts == NULL or f.err == NULL:
        return -1
    for v in range(n):
        f.eq_at[v] = f.cnt + C_EQ + ((0 if v == 0 else (1 if v == n - 1 else 2)) << 13)
        f.shape_at[v] = f.cnt + C_SHAPE + v * 625
        f.lo_at[v] = <uint8_t>(MID - v if v < MID else 0)
        f.hi_at[v] = <uint8_t>(MID + n - 1 - v if n - 1 - v < LANES - 1 - MID else LANES - 1)
    ord5_table_fill(f.tables, n_tables)
    return 0


cdef inline void ord5_free(Ord5 *f) noexcept nogil:
    """Free what ord5_alloc took (all of it, or what it got before it failed)."""
    free(f.cnt)
    free(f.cnt3)
    free(f.tables)
    free(f.counts)
    free(f.err)
    free(f.xcnt)
    free(f.apm)
    free(f.wp)
    free(f.wn)
    free(f.wn_counts)
    free(f.bt)
    free(f.bcells)
    free(f.bk)
    f.bt = NULL
    f.bcells = NULL
    f.bk = NULL
    f.wp = NULL
    f.wn = NULL
    f.wn_counts = NULL
    f.xcnt = NULL
    f.apm = NULL
    f.cnt = NULL
    f.cnt3 = NULL
    f.tables = NULL
    f.counts = NULL
    f.err = NULL


# ord5_learn(f, ti, s): table ti learns lane s at the rate its update count gives (the count
# stops at count_max). A macro around an always-inlined function: each kernel copy learns 3-4
# tables a residual, and a Cython inline function was left a call where the module's copies
# outgrew GCC's budget for the whole unit (--param inline-unit-growth, once level 20's copy was
# inlined and larger): level 9 then decoded 1.5% slower (BENCHMARKS.md, round 15, ``gray20fast``).
cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define ORD5_ALWAYS_INLINE static inline __attribute__((always_inline))
    #elif defined(_MSC_VER)
    #define ORD5_ALWAYS_INLINE static __forceinline
    #else
    #define ORD5_ALWAYS_INLINE static inline
    #endif
    /* table t learns lane s at the rate its update count (*count) gives, the count stopping at
       count_max (no branch: taken as the table's history says) */
    ORD5_ALWAYS_INLINE void ord5_learn_at(uint16_t *t, uint8_t *count, int count_max, const uint8_t *rate, int s, int k) {
        int u = *count;
        *count = (uint8_t)(u + (u < count_max));
        st_learn(t, s, k, rate[u]);
    }
    /* (16 lanes a table, LANES; counts up to 32768 - 16, TABLE_K) */
    #define ORD5_LEARN(f, ti, s) ord5_learn_at((f)->tables + (ti) * 16, (f)->counts + (ti), (f)->count_max, (f)->rate, (s), 32768 - 16)
    """
    void ord5_learn "ORD5_LEARN"(Ord5 *f, Py_ssize_t ti, int s) noexcept nogil
