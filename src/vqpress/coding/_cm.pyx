"""The "cm" payload coding of .vqz: a code map coded by logistic mixing of adaptive binary
models, through a binary arithmetic coder (``_binary_coder.pxd``).

docs/FORMAT.md ("Payload coding cm") specifies every step; this module is its reference
implementation. The map is cut into strips of whole rows that are coded independently
(each with a fresh model and its own stream), in parallel on the shared thread pool.

Per pixel the coder asks binary questions until the symbol is known:

* ``x == W`` (the same as the left neighbour?), for every pixel;
* ordered model (gray levels: symbols whose order means something): ``x > W``, then
  ``x == W + 1``, ``x == W + 2`` ... away from W (the last symbol left is implied);
* palette model: the symbol's bits down a binary tree over 0 .. n-1 (a child holding
  nothing but W is implied).

Each answer's probability is mixed (logistic mixing, one weight set per question and small
context) from adaptive counters picked by the pixel's causal neighbourhood; level 1 adds
counters for the ordered model's later questions and the tree, a second weight set chosen
by another context (the two mixes are averaged), and a final adaptive probability map.
Level 2, the fast model, lives in ``_cm_fast.pyx``, level 3 (palettes with symbol tables) in
``_cm_palette3.pyx``, level 4 (gray levels around the MED prediction) in
``_cm_ordered4.pyx``, level 5 (the same prediction, the residual as one symbol of averaged
tables, level 8, the same with parameters chosen per map, and level 9, the same with an
exact-neighbourhood model for up to 4 levels, level 11, level 8 around a weighted
prediction, and level 13, level 11 with the sub-predictions averaged) in ``_cm_ordered5.pyx``, level 6 (palettes by one neighbour symbol) and level 10
(the same, its unpredicted pixels by mixed tables) in ``_cm_palette6.pyx``, level 7 (palettes
with mixed symbol tables) in ``_cm_palette7.pyx``; this module runs the strips of every level.
"""

from libc.stdint cimport int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t
from libc.stdlib cimport calloc, free, malloc

from vqpress._threadpool cimport parallel_for, planned_workers
from vqpress.coding._binary_coder cimport (
    BinaryCoder, code_bit, coder_finish_encoder, coder_start_decoder, coder_start_encoder)
from vqpress.coding._cm_common cimport (
    ORDERED, PALETTE, _average, _clip, _learn, _matches, _mix, _p12, _update, cm_squash, cm_stretch,
    cm_tables_init, ring_row, ring_row_end, ring_row_start)
from vqpress.coding._cm_fast cimport Fast, fast_alloc, fast_free, fast_strip
from vqpress.coding._cm_palette3 cimport palette3_decode, palette3_encode
from vqpress.coding._cm_palette7 cimport palette7_decode, palette7_encode
from vqpress.coding._cm_ordered4 cimport ordered4_strip
from vqpress.coding._cm_ordered5 cimport Ord5Params, ord5_params_ok, ordered5_decode, ordered5_encode
from vqpress.coding._cm_palette6 cimport palette10_decode, palette10_encode, palette6_decode, palette6_encode

import numpy as np

cdef enum:
    N_INPUTS = 4            # counters (one per bucket table) behind every question about a pixel
    N_EXTRA = 3             # level 1: counters added to the ordered model's later questions
    N_SLOTS = 8             # questions per bucket: 0 x == W, 1 x > W, 2..7 x == W +- s
    TREE_INPUTS_LEAN = 3
    TREE_INPUTS = 7
    PAIR_BITS = 18          # the tree's hashed (W, N) and (W, NE) counters
    APM_CONTEXTS = 1024 * N_SLOTS
    W_INIT = 20000          # initial mixer weights (65536 = 1.0)
    W_INIT_EXTRA = 11428
    W_INIT_TREE = 24000
    LEVEL_FAST = 2
    LEVEL_PALETTE3 = 3
    LEVEL_ORDERED4 = 4
    LEVEL_ORDERED5 = 5
    LEVEL_PALETTE6 = 6
    LEVEL_ORDERED8 = 8
    LEVEL_ORDERED9 = 9
    LEVEL_ORDERED11 = 11
    LEVEL_ORDERED13 = 13
    LEVEL_PALETTE7 = 7
    LEVEL_PALETTE10 = 10

MODEL_ORDERED = ORDERED
MODEL_PALETTE = PALETTE
#: Largest alphabet of each model.
MAX_SYMBOLS = {MODEL_ORDERED: 32, MODEL_PALETTE: 256}
LEVELS = (0, 1, 2, 3, 4, 5, 7, 8)


# ----------------------------------------------------------------------------- fixed tables

cdef uint16_t _APM_START[33]


cdef void _init_tables() noexcept nogil:
    cdef int i, d
    cm_tables_init()
    for i in range(33):
        d = (i - 16) * 128
        _APM_START[i] = 16 * cm_squash[min(max(d, -2047), 2047) + 2047]


_init_tables()


def _binary_coder_round_trip(const int32_t[::1] probs not None, const uint8_t[::1] bits not None):
    """Test hook for the arithmetic coder alone: code ``bits[i]`` with probability
    ``probs[i] / 4096`` of a 1 (1..4095), decode the stream with the same probabilities.

    Returns (stream, decoded bits, whether the decoder used the stream exactly).
    """
    cdef BinaryCoder c
    cdef Py_ssize_t i, k = bits.shape[0]
    if probs.shape[0] != k:
        raise ValueError("probs and bits differ in length")
    for i in range(k):
        if not 1 <= probs[i] <= 4095:
            raise ValueError(f"probability {probs[i]} at {i} is outside 1..4095")
    coder_start_encoder(&c, <uint8_t *>malloc(64), 64)
    for i in range(k):
        code_bit(&c, probs[i], bits[i] != 0)
    coder_finish_encoder(&c)
    if c.failed:
        free(c.buf)
        raise MemoryError()
    stream = (<char *>c.buf)[:c.pos]
    free(c.buf)
    out = np.empty(k, dtype=np.uint8)
    cdef uint8_t[::1] o = out
    cdef const uint8_t[::1] data = stream
    coder_start_decoder(&c, &data[0], data.shape[0])
    for i in range(k):
        o[i] = code_bit(&c, probs[i], 0)
    return stream, out, not c.failed and c.pos == c.size


def pair_counts(const uint8_t[:, ::1] codes not None, int n):
    """Counts of the symbol pairs that are 8-neighbours in ``codes`` (right, down,
    down-right, down-left), as ``symbol_order.adjacency``: a symmetric (n, n) float64 array,
    ``out[a, b]`` the pairs that hold ``a`` and ``b`` (in either pixel), zero on the diagonal.
    Every code < n <= 256.
    """
    counts = np.zeros((2, n, n), dtype=np.int64)
    cdef int64_t[:, :, ::1] o = counts
    out = np.empty((n, n), dtype=np.float64)
    cdef double[:, ::1] m = out
    cdef Py_ssize_t h = codes.shape[0], w = codes.shape[1], r, c, a, b, a0, b0
    cdef const uint8_t *row
    cdef const uint8_t *up
    cdef int64_t *t
    cdef int64_t *half
    with nogil:
        # one pass, a pixel's four pairs at once; even and odd columns count into two
        # tables (runs of equal pairs make each increment wait for the one before)
        for r in range(h):
            row = &codes[r, 0]
            if r == 0:
                for c in range(1, w):
                    o[c & 1, row[c], row[c - 1]] += 1
                continue
            up = &codes[r - 1, 0]
            o[0, row[0], up[0]] += 1
            if w > 1:
                o[0, row[0], up[1]] += 1
            for c in range(1, w - 1):
                t = &o[c & 1, row[c], 0]
                t[row[c - 1]] += 1
                t[up[c]] += 1
                t[up[c - 1]] += 1
                t[up[c + 1]] += 1
            if w > 1:
                t = &o[(w - 1) & 1, row[w - 1], 0]
                t[row[w - 2]] += 1
                t[up[w - 1]] += 1
                t[up[w - 2]] += 1
        # symmetrise (both tables, both pixel orders) in tiles of 16 x 16: the transposed
        # reads stay in the cache
        for a0 in range(0, n, 16):
            for b0 in range(a0, n, 16):
                for a in range(a0, min(a0 + 16, n)):
                    for b in range(max(b0, a + 1), min(b0 + 16, n)):
                        m[a, b] = m[b, a] = <double>(o[0, a, b] + o[1, a, b] + o[0, b, a] + o[1, b, a])
            for a in range(a0, min(a0 + 16, n)):
                m[a, a] = 0.0
    return out


def squash_table():
    """The squash table (entry ``d + 2047`` for ``-2047 <= d <= 2047``), for tests and docs."""
    return np.array([cm_squash[i] for i in range(4095)], dtype=np.int32)


def stretch_table():
    """The stretch table (entry ``p`` for ``0 <= p <= 4095``), for tests and docs."""
    return np.array([cm_stretch[i] for i in range(4096)], dtype=np.int32)


# ----------------------------------------------------------------------------- probability maps

cdef inline int _refine(uint16_t *apm, int p, int *index) noexcept nogil:
    """Adaptive probability map: p refined by the 33 entries of one context (level 1)."""
    cdef int s = cm_stretch[p] + 2047
    cdef int wt = s & 127
    cdef int j = s >> 7
    cdef int pa = (apm[j] * (128 - wt) + apm[j + 1] * wt) >> 11
    cdef int q = (p + 3 * pa) >> 2
    index[0] = j if wt < 64 else j + 1
    return 1 if q < 1 else (4095 if q > 4095 else q)


cdef inline void _refine_learn(uint16_t *apm, int index, int bit) noexcept nogil:
    cdef int a = apm[index]
    apm[index] = <uint16_t>(a + (((65535 if bit else 0) - a) >> 7))


# ----------------------------------------------------------------------------- model state

ctypedef struct Model:
    int n                       # symbols
    int kind                    # ORDERED or PALETTE
    int level                   # 0 lean, 1 full
    int table_bits
    int tree_inputs
    uint32_t *tables            # N_INPUTS tables of 2^table_bits buckets of N_SLOTS counters
    uint32_t *extra             # level 1, ordered: N_EXTRA tables of 2^(table_bits + 1) counters
    int32_t *weights            # N_SLOTS x 64 weight sets of N_INPUTS, by question and matches,
                                # then (level 1) N_SLOTS x 64 more, by question and mix2
    int32_t *extra_weights      # the same, of N_INPUTS + N_EXTRA
    uint16_t *apm               # level 1: APM_CONTEXTS x 33
    int tree_row                # palette: tree nodes are numbered 1 .. tree_row - 1
    uint32_t *tree              # palette: planes of tree_row counters per value of W, N, NE,
                                # NW (n values each) and of the sides (256 values)
    uint32_t *pairs             # palette, level 1: 2^PAIR_BITS counters
    int32_t *tree_weights       # palette: tree_row weight sets of tree_inputs, by node, then
                                # (level 1) 256 more, by sides
    # the current pixel
    uint32_t *bucket[N_INPUTS]
    int apm_context
    int mix2                    # level 1: the second weight set's context, 0..63


cdef int _model_alloc(Model *m, int n, int kind, int level, int table_bits) noexcept nogil:
    """Allocate a fresh model (every counter at p = 1/2, n = 0). Returns 0, or -1."""
    cdef Py_ssize_t i, j
    m.n = n
    m.kind = kind
    m.level = level
    m.table_bits = table_bits
    m.tree_inputs = TREE_INPUTS if level else TREE_INPUTS_LEAN
    m.tables = <uint32_t *>calloc((<Py_ssize_t>N_INPUTS << table_bits) * N_SLOTS, sizeof(uint32_t))
    m.weights = <int32_t *>malloc(2 * N_SLOTS * 64 * N_INPUTS * sizeof(int32_t))
    if m.tables == NULL or m.weights == NULL:
        return -1
    for i in range(2 * N_SLOTS * 64 * N_INPUTS):
        m.weights[i] = W_INIT
    if level:
        m.apm = <uint16_t *>malloc(APM_CONTEXTS * 33 * sizeof(uint16_t))
        if m.apm == NULL:
            return -1
        for i in range(APM_CONTEXTS):
            for j in range(33):
                m.apm[i * 33 + j] = _APM_START[j]
    if level and kind == ORDERED:
        m.extra = <uint32_t *>calloc(<Py_ssize_t>N_EXTRA << (table_bits + 1), sizeof(uint32_t))
        m.extra_weights = <int32_t *>malloc(2 * N_SLOTS * 64 * (N_INPUTS + N_EXTRA) * sizeof(int32_t))
        if m.extra == NULL or m.extra_weights == NULL:
            return -1
        for i in range(2 * N_SLOTS * 64 * (N_INPUTS + N_EXTRA)):
            m.extra_weights[i] = W_INIT_EXTRA
    if kind == PALETTE:
        m.tree_row = 1
        while m.tree_row < n:
            m.tree_row *= 2
        m.tree = <uint32_t *>calloc(<Py_ssize_t>(4 * n + 256) * m.tree_row, sizeof(uint32_t))
        m.tree_weights = <int32_t *>malloc(<Py_ssize_t>(m.tree_row + 256) * m.tree_inputs * sizeof(int32_t))
        if m.tree == NULL or m.tree_weights == NULL:
            return -1
        for i in range((m.tree_row + 256) * m.tree_inputs):
            m.tree_weights[i] = W_INIT_TREE
        if level:
            m.pairs = <uint32_t *>calloc(<Py_ssize_t>1 << PAIR_BITS, sizeof(uint32_t))
            if m.pairs == NULL:
                return -1
    return 0


cdef void _model_free(Model *m) noexcept nogil:
    free(m.tables)
    free(m.extra)
    free(m.weights)
    free(m.extra_weights)
    free(m.apm)
    free(m.tree)
    free(m.pairs)
    free(m.tree_weights)


# ----------------------------------------------------------------------------- questions

cdef inline int _ask(BinaryCoder *c, Model *m, int slot, int mix_set, int bit) noexcept nogil:
    """Code the answer to question ``slot`` about the current pixel from its buckets."""
    cdef int st[N_INPUTS]
    cdef int i, p, p2 = 0, q, index = 0
    cdef int32_t *w = m.weights + (slot * 64 + mix_set) * N_INPUTS
    cdef int32_t *w2 = m.weights + ((N_SLOTS + slot) * 64 + m.mix2) * N_INPUTS
    cdef uint16_t *apm = NULL
    for i in range(N_INPUTS):
        st[i] = cm_stretch[_p12(m.bucket[i][slot])]
    p = _mix(w, st, N_INPUTS)
    q = p
    if m.level:
        p2 = _mix(w2, st, N_INPUTS)
        apm = m.apm + (m.apm_context * N_SLOTS + slot) * 33
        q = _refine(apm, _average(p, p2), &index)
    bit = code_bit(c, q, bit)
    if m.level:
        _refine_learn(apm, index, bit)
        _learn(w2, st, N_INPUTS, p2, bit)
    _learn(w, st, N_INPUTS, p, bit)
    for i in range(N_INPUTS):
        _update(m.bucket[i] + slot, bit)
    return bit


cdef inline int _ask_more(BinaryCoder *c, Model *m, int slot, int mix_set, const uint32_t *keys,
                          int bit) noexcept nogil:
    """Level 1, ordered model: question ``slot`` from the buckets and N_EXTRA more counters,
    ``keys`` giving their places in the extra tables."""
    cdef int st[N_INPUTS + N_EXTRA]
    cdef uint32_t *cnt[N_INPUTS + N_EXTRA]
    cdef int i, p, p2, q, index = 0
    cdef int32_t *w = m.extra_weights + (slot * 64 + mix_set) * (N_INPUTS + N_EXTRA)
    cdef int32_t *w2 = m.extra_weights + ((N_SLOTS + slot) * 64 + m.mix2) * (N_INPUTS + N_EXTRA)
    cdef uint16_t *apm = m.apm + (m.apm_context * N_SLOTS + slot) * 33
    for i in range(N_INPUTS):
        cnt[i] = m.bucket[i] + slot
    for i in range(N_EXTRA):
        cnt[N_INPUTS + i] = m.extra + ((<Py_ssize_t>i << (m.table_bits + 1)) + keys[i])
    for i in range(N_INPUTS + N_EXTRA):
        st[i] = cm_stretch[_p12(cnt[i][0])]
    p = _mix(w, st, N_INPUTS + N_EXTRA)
    p2 = _mix(w2, st, N_INPUTS + N_EXTRA)
    q = _refine(apm, _average(p, p2), &index)
    bit = code_bit(c, q, bit)
    _refine_learn(apm, index, bit)
    _learn(w, st, N_INPUTS + N_EXTRA, p, bit)
    _learn(w2, st, N_INPUTS + N_EXTRA, p2, bit)
    for i in range(N_INPUTS + N_EXTRA):
        _update(cnt[i], bit)
    return bit


cdef inline uint32_t _hash(uint32_t key, int bits) noexcept nogil:
    return (key * 0x9E3779B1u) >> (32 - bits)


cdef inline int _side(int v, int lo, int mid, int hi) noexcept nogil:
    return (v >= lo) + (v >= mid) + (v >= hi)


cdef inline int _ask_tree(BinaryCoder *c, Model *m, int node, int lo, int hi, const int *nb,
                          int bit) noexcept nogil:
    """Code the bit of tree node ``node`` (1 the root, 2k and 2k + 1 the children of k), which
    splits lo..hi-1 at mid = (lo + hi) // 2: whether the symbol is >= mid. Its counters, by
    node and: W, N, NE, NW, the sides of W, N, NE, NW (below lo, left, right, from hi);
    level 1 adds the hashed (W, N) and (W, NE) pairs."""
    cdef int st[TREE_INPUTS]
    cdef uint32_t *cnt[TREE_INPUTS]
    cdef int mid = (lo + hi) >> 1, k = m.tree_inputs, i, p, p2 = 0, r = m.tree_row
    cdef int W = nb[0], N = nb[1], NE = nb[2], NW = nb[3]
    cdef Py_ssize_t plane = <Py_ssize_t>m.n * r
    cdef int32_t *w = m.tree_weights + node * k
    cdef int sides = (_side(W, lo, mid, hi) << 6 | _side(N, lo, mid, hi) << 4
                      | _side(NE, lo, mid, hi) << 2 | _side(NW, lo, mid, hi))
    # counters of one neighbour value lie together, node by node: the top levels of a
    # walk share cache lines
    cnt[0] = m.tree + W * r + node
    cnt[1] = m.tree + plane + N * r + node
    cnt[2] = m.tree + 4 * plane + sides * r + node
    if m.level:
        cnt[3] = m.tree + 2 * plane + NE * r + node
        cnt[4] = m.tree + 3 * plane + NW * r + node
        cnt[5] = m.pairs + _hash(<uint32_t>W << 16 | <uint32_t>N << 8 | <uint32_t>node, PAIR_BITS)
        cnt[6] = m.pairs + _hash((<uint32_t>W << 16 | <uint32_t>NE << 8 | <uint32_t>node) * 0x2C1B3C6Du
                                 + 0x165667B1u, PAIR_BITS)
    for i in range(k):
        st[i] = cm_stretch[_p12(cnt[i][0])]
    p = _mix(w, st, k)
    if m.level:
        p2 = _mix(m.tree_weights + (r + sides) * k, st, k)
        bit = code_bit(c, _average(p, p2), bit)
        _learn(m.tree_weights + (r + sides) * k, st, k, p2, bit)
    else:
        bit = code_bit(c, p, bit)
    _learn(w, st, k, p, bit)
    for i in range(k):
        _update(cnt[i], bit)
    return bit


cdef inline int _code_tree(BinaryCoder *c, Model *m, int x, const int *nb) noexcept nogil:
    """Code symbol x (!= W) down the tree over 0..n-1; return it. A child that is W alone
    is never taken: its sibling is implied and no bit is coded."""
    # level 2's walk (_cm_fast.pyx, _fast_palette) is a deliberate copy of this one: a walk
    # shared through a function pointer for the node's question is not inlined, and the
    # call costs too much in this loop (up to 8 questions a pixel)
    cdef int lo = 0, hi = m.n, mid, bit, node = 1, W = nb[0]
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if mid - lo == 1 and lo == W:
            bit = 1
        elif hi - mid == 1 and mid == W:
            bit = 0
        else:
            bit = _ask_tree(c, m, node, lo, hi, nb, x >= mid)
        node = 2 * node + bit
        if bit:
            lo = mid
        else:
            hi = mid
    return lo


# ----------------------------------------------------------------------------- one strip

cdef int _code_strip(BinaryCoder *c, Model *m, uint8_t *sym, int h, int w, uint8_t *rows) noexcept nogil:
    """Code (or decode into ``sym``) an h x w strip of symbols (row-major, w apart).

    ``rows`` is scratch for 4 rows of w + 6 symbols. Returns 0, or -1 if the decoder ran
    past the end of its stream (checked once per row, so garbage stops early).
    """
    cdef Py_ssize_t wp = w + 6
    cdef uint8_t *r0
    cdef uint8_t *r1
    cdef uint8_t *r2
    cdef uint8_t *r3
    cdef int n = m.n, bits = m.table_bits, level = m.level, r, col, up, s, v, slot, S
    cdef int x, W, N, NW, NE, WW, NN, NNE, NWW, NNW, NEE, NEEE, NNN
    cdef uint32_t eW, eN, eX, key
    cdef uint32_t keys[N_EXTRA]
    cdef int nb[4]
    cdef bint decoding = c.decoding
    for r in range(h):
        r0 = ring_row(rows, wp, r)
        r1 = ring_row(rows, wp, r + 3)
        r2 = ring_row(rows, wp, r + 2)
        r3 = ring_row(rows, wp, r + 1)
        ring_row_start(r0, r1, r)
        for col in range(w):
            # each level reads the neighbours its model uses (this one the most: r3 for NNN)
            W = r0[col - 1]
            WW = r0[col - 2]
            N = r1[col]
            NW = r1[col - 1]
            NE = r1[col + 1]
            NWW = r1[col - 2]
            NEE = r1[col + 2]
            NEEE = r1[col + 3]
            NN = r2[col]
            NNW = r2[col - 1]
            NNE = r2[col + 1]
            NNN = r3[col]
            x = 0 if decoding else sym[r * w + col]
            eW = ((N == W) | (NW == W) << 1 | (NE == W) << 2 | (WW == W) << 3 | (NN == W) << 4
                  | (NNE == W) << 5 | (NWW == W) << 6 | (NNW == W) << 7 | (NEE == W) << 8
                  | (NEEE == W) << 9 | (NNN == W) << 10)
            eN = ((NW == N) | (NE == N) << 1 | (NN == N) << 2 | (NNE == N) << 3 | (NWW == N) << 4
                  | (NNW == N) << 5 | (NEE == N) << 6 | (NEEE == N) << 7)
            eX = ((NNE == NE) | (NEE == NE) << 1 | (NEEE == NE) << 2 | (NWW == NW) << 3
                  | (NNW == NW) << 4 | (WW == NW) << 5)
            key = eW << 14 | eN << 6 | eX
            m.bucket[0] = m.tables + (<Py_ssize_t>_hash(key, bits)) * N_SLOTS
            key = <uint32_t>W << 16 | <uint32_t>N << 8 | <uint32_t>NE
            m.bucket[1] = m.tables + ((<Py_ssize_t>1 << bits) + _hash(key, bits)) * N_SLOTS
            key = (<uint32_t>W << 24 | <uint32_t>N << 16 | <uint32_t>NE << 8 | <uint32_t>NW) * 0x2C1B3C6Du
            key ^= <uint32_t>WW << 8 | <uint32_t>NN
            m.bucket[2] = m.tables + ((<Py_ssize_t>2 << bits) + _hash(key, bits)) * N_SLOTS
            key = <uint32_t>(((((_clip(N - W, 2) * 5 + _clip(NW - W, 2)) * 5 + _clip(NE - W, 2)) * 5
                               + _clip(WW - W, 2)) * 5 + _clip(NN - W, 2)) * 5 + _clip(NNE - W, 2) + 7812)
            m.bucket[3] = m.tables + ((<Py_ssize_t>3 << bits) + _hash(key, bits)) * N_SLOTS
            m.apm_context = eW & 1023
            m.mix2 = (W & 31) * 2 + (N == NE)

            if _ask(c, m, 0, eW & 63, x == W):
                x = W
            elif m.kind == ORDERED:
                if W == 0:
                    up = 1
                elif W == n - 1:
                    up = 0
                elif level:
                    S = _clip(2 * (N - W) + (NE - W) + (NW - W) + (NN - W) + (WW - W) + (NNE - W), 15)
                    keys[0] = _hash(((<uint32_t>(S + 15) << 6) | (eW & 63)) * 8 + 1, bits + 1)
                    key = <uint32_t>(((((_clip(N - W, 3) * 7 + _clip(NW - W, 3)) * 7 + _clip(NE - W, 3)) * 7
                                       + _clip(WW - W, 3)) * 7 + _clip(NN - W, 3)) * 7 + _clip(NNE - W, 3) + 60000)
                    keys[1] = _hash((key * 8 + 1) * 0x2C1B3C6Du + 1, bits + 1)
                    keys[2] = _hash(((<uint32_t>W << 24 | <uint32_t>N << 16 | <uint32_t>NE << 8
                                      | <uint32_t>NW) * 0x85EBCA77u) ^ 1, bits + 1)
                    up = _ask_more(c, m, 1, eW & 63, keys, x > W)
                else:
                    up = _ask(c, m, 1, eW & 63, x > W)
                s = 1
                while True:
                    v = W + s if up else W - s
                    if v == 0 or v == n - 1:
                        break  # the last symbol that way: implied
                    slot = 2 + (1 - up) + 2 * (s - 1 if s < 3 else 2)
                    if level:
                        key = ((W == v) | (N == v) << 1 | (NW == v) << 2 | (NE == v) << 3 | (WW == v) << 4
                               | (NN == v) << 5 | (NNE == v) << 6 | (NWW == v) << 7 | (NNW == v) << 8
                               | (NEE == v) << 9 | (NEEE == v) << 10 | (NNN == v) << 11)
                        keys[0] = _hash(key * 8 + slot, bits + 1)
                        key = <uint32_t>(((((_clip(N - v, 2) * 5 + _clip(NW - v, 2)) * 5 + _clip(NE - v, 2)) * 5
                                           + _clip(WW - v, 2)) * 5 + _clip(NN - v, 2)) * 5 + _clip(NNE - v, 2) + 7812)
                        keys[1] = _hash((key * 8 + slot) * 0x2C1B3C6Du + 1, bits + 1)
                        keys[2] = _hash(((<uint32_t>W << 24 | <uint32_t>N << 16 | <uint32_t>NE << 8
                                          | <uint32_t>v) * 0x85EBCA77u) ^ <uint32_t>slot, bits + 1)
                        if _ask_more(c, m, slot, _matches(v, N, NW, NE, WW, NN, NNE), keys, x == v):
                            break
                    elif _ask(c, m, slot, _matches(v, N, NW, NE, WW, NN, NNE), x == v):
                        break
                    s += 1
                x = v
            else:
                nb[0] = W
                nb[1] = N
                nb[2] = NE
                nb[3] = NW
                x = _code_tree(c, m, x, nb)
            r0[col] = <uint8_t>x
            if decoding:
                sym[r * w + col] = <uint8_t>x
        ring_row_end(r0, w)
        if decoding and c.failed:
            return -1
    return 0


# ----------------------------------------------------------------------------- strips in parallel



ctypedef struct Job:
    uint8_t *sym                # the whole map (H x W, row-major)
    Py_ssize_t height
    Py_ssize_t width
    Py_ssize_t strip_rows
    int n
    int kind
    int level
    int table_bits
    bint decoding
    uint8_t **out               # encoder: each strip's stream (malloc'd)
    Py_ssize_t *size            # each strip's stream length
    const uint8_t *payload      # decoder: the payload ...
    const Py_ssize_t *offset    # ... and where each strip's stream starts in it
    int *status                 # per strip: 0 ok, -1 out of memory, -2 stream not used exactly
    Ord5Params params           # levels 5, 8, 9, 11 and 13: the model's parameters


cdef void _strip_task(void *ctx, Py_ssize_t strip, int worker) noexcept nogil:
    cdef Job *job = <Job *>ctx
    cdef Model m
    cdef Fast f
    cdef BinaryCoder c
    cdef Py_ssize_t first = strip * job.strip_rows
    cdef int h = <int>min(job.strip_rows, job.height - first)
    cdef int w = <int>job.width
    cdef uint8_t *rows = <uint8_t *>calloc(4 * (w + 6), 1)
    cdef uint8_t *sym = job.sym + first * w
    cdef bint fast = job.level == LEVEL_FAST
    cdef int k
    if job.level == LEVEL_PALETTE3 or job.level == LEVEL_ORDERED5 or job.level == LEVEL_ORDERED8 \
            or job.level == LEVEL_ORDERED9 or job.level == LEVEL_ORDERED11 or job.level == LEVEL_ORDERED13 \
            or job.level == LEVEL_PALETTE6 or job.level == LEVEL_PALETTE7 or job.level == LEVEL_PALETTE10:
        # their own range coder and model (_cm_palette3.pyx, _cm_ordered5.pyx, _cm_palette6.pyx,
        # _cm_palette7.pyx; level 10 in _cm_palette6.pyx)
        free(rows)
        if job.level == LEVEL_PALETTE3 and job.decoding:
            job.status[strip] = palette3_decode(job.payload + job.offset[strip], job.size[strip], sym, h, w, job.n)
        elif job.level == LEVEL_PALETTE3:
            job.status[strip] = palette3_encode(sym, h, w, job.n, &job.out[strip], &job.size[strip])
        elif job.level == LEVEL_PALETTE6 and job.decoding:
            job.status[strip] = palette6_decode(job.payload + job.offset[strip], job.size[strip], sym, h, w, job.n)
        elif job.level == LEVEL_PALETTE6:
            job.status[strip] = palette6_encode(sym, h, w, job.n, &job.out[strip], &job.size[strip])
        elif job.level == LEVEL_PALETTE7 and job.decoding:
            job.status[strip] = palette7_decode(job.payload + job.offset[strip], job.size[strip], sym, h, w, job.n)
        elif job.level == LEVEL_PALETTE7:
            job.status[strip] = palette7_encode(sym, h, w, job.n, &job.out[strip], &job.size[strip])
        elif job.level == LEVEL_PALETTE10 and job.decoding:
            job.status[strip] = palette10_decode(job.payload + job.offset[strip], job.size[strip], sym, h, w, job.n)
        elif job.level == LEVEL_PALETTE10:
            job.status[strip] = palette10_encode(sym, h, w, job.n, &job.out[strip], &job.size[strip])
        elif job.decoding:
            job.status[strip] = ordered5_decode(job.payload + job.offset[strip], job.size[strip], sym, h, w, job.n,
                                                &job.params)
        else:
            job.status[strip] = ordered5_encode(sym, h, w, job.n, &job.params, &job.out[strip], &job.size[strip])
        return
    m.tables = m.extra = m.tree = m.pairs = NULL
    m.weights = m.extra_weights = m.tree_weights = NULL
    m.apm = NULL
    f.cnt = NULL
    f.weights = NULL
    if job.level == LEVEL_ORDERED4:  # (allocates its model itself)
        fast = False
        if rows == NULL:
            job.status[strip] = -1
        elif job.decoding:
            coder_start_decoder(&c, job.payload + job.offset[strip], job.size[strip])
            k = ordered4_strip(&c, job.n, sym, h, w, rows)
            job.status[strip] = -1 if k == -3 else (-2 if k != 0 or c.failed or c.pos != c.size else 0)
        else:
            coder_start_encoder(&c, <uint8_t *>malloc(4096), 4096)
            k = ordered4_strip(&c, job.n, sym, h, w, rows)
            coder_finish_encoder(&c)
            job.out[strip] = c.buf
            job.size[strip] = c.pos
            if c.failed or k != 0:
                job.status[strip] = -1
    elif rows == NULL or (fast_alloc(&f, job.n, job.kind) if fast
                        else _model_alloc(&m, job.n, job.kind, job.level, job.table_bits)) != 0:
        job.status[strip] = -1
    elif job.decoding:
        coder_start_decoder(&c, job.payload + job.offset[strip], job.size[strip])
        if (fast_strip(&c, &f, sym, h, w, rows) if fast else _code_strip(&c, &m, sym, h, w, rows)) != 0 \
                or c.failed or c.pos != c.size:
            job.status[strip] = -2
    else:
        coder_start_encoder(&c, <uint8_t *>malloc(4096), 4096)
        if fast:
            fast_strip(&c, &f, sym, h, w, rows)
        else:
            _code_strip(&c, &m, sym, h, w, rows)
        coder_finish_encoder(&c)
        job.out[strip] = c.buf
        job.size[strip] = c.pos
        if c.failed:
            job.status[strip] = -1
    free(rows)
    _model_free(&m)
    fast_free(&f)


cdef void _run(Job *job, Py_ssize_t n_strips) noexcept nogil:
    parallel_for(_strip_task, job, n_strips, planned_workers(n_strips))


cdef void _setup(Job *job, uint8_t *sym, Py_ssize_t height, Py_ssize_t width, Py_ssize_t strip_rows, int n,
                 int kind, int level, int table_bits, bint decoding, params) except *:
    """The fields both directions share; the caller sets the streams and status."""
    from vqpress.coding._cm_ordered5 import LEVEL5_PARAMS

    (job.params.counter3, job.params.first_table, job.params.limit, job.params.rate_max,
     job.params.rate_double) = (LEVEL5_PARAMS if params is None
                                 or level not in (LEVEL_ORDERED8, LEVEL_ORDERED11, LEVEL_ORDERED13) else params)
    # level 9: level 5's parameters and the exact model; level 11: level 8's and the weighted
    # predictor; level 13: level 8's and the averaged one
    job.params.exact = level == LEVEL_ORDERED9
    job.params.weighted = 1 if level == LEVEL_ORDERED11 else (2 if level == LEVEL_ORDERED13 else 0)
    if job.params.exact and not 2 <= n <= 4:  # its exact neighbourhood holds symbols 0..3
        raise ValueError(f"level 9 codes 2..4 levels; got {n}")
    if not ord5_params_ok(&job.params):
        raise ValueError(f"level 8 parameters out of range: {params!r}")
    job.sym = sym
    job.height = height
    job.width = width
    job.strip_rows = strip_rows
    job.n = n
    job.kind = kind
    job.level = level
    job.table_bits = table_bits
    job.decoding = decoding
    job.out = NULL
    job.payload = NULL
    job.offset = NULL


def encode_strips(const uint8_t[:, ::1] sym not None, int n, int kind, int level, int table_bits,
                  Py_ssize_t strip_rows, params=None):
    """Code an (H, W) map of symbols (each < n) strip by strip; return the strips' streams.

    ``sym`` (H, W) IN; ``n``, ``kind`` (MODEL_ORDERED or MODEL_PALETTE), ``level`` (0..11, 13),
    ``table_bits``, ``strip_rows`` IN: the header's fields; ``params`` IN: level 8's five
    parameters (a tuple). Returns a list of ``bytes``, one per strip. The arguments are
    trusted: vqpress.coding.cm checks them.
    """
    cdef Job job
    cdef Py_ssize_t n_strips = (sym.shape[0] + strip_rows - 1) // strip_rows, i
    _setup(&job, <uint8_t *>&sym[0, 0], sym.shape[0], sym.shape[1], strip_rows, n, kind, level, table_bits, False,
           params)
    job.out = <uint8_t **>calloc(n_strips, sizeof(uint8_t *))
    job.size = <Py_ssize_t *>calloc(n_strips, sizeof(Py_ssize_t))
    job.status = <int *>calloc(n_strips, sizeof(int))
    try:
        if job.out == NULL or job.size == NULL or job.status == NULL:
            raise MemoryError()
        with nogil:
            _run(&job, n_strips)
        for i in range(n_strips):
            if job.status[i] != 0:
                raise MemoryError()
        return [(<char *>job.out[i])[:job.size[i]] for i in range(n_strips)]
    finally:
        if job.out != NULL:
            for i in range(n_strips):
                free(job.out[i])
        free(job.out)
        free(job.size)
        free(job.status)


def decode_strips(const uint8_t[::1] payload not None, const Py_ssize_t[::1] offsets not None,
                  const Py_ssize_t[::1] sizes not None, uint8_t[:, ::1] out not None, int n, int kind,
                  int level, int table_bits, Py_ssize_t strip_rows, params=None):
    """Decode strip streams (``payload[offsets[i]:offsets[i] + sizes[i]]``) into ``out``.

    ``payload``, ``offsets``, ``sizes`` (one per strip) IN; ``out`` (H, W) OUT; the header's
    fields IN as for :func:`encode_strips`. Returns the strips whose stream was not used
    exactly (it ran out, or bytes were left); raises MemoryError if a model did not fit in
    memory. The arguments are trusted (vqpress.coding.cm checks them), the streams'
    contents are not.
    """
    cdef Job job
    cdef Py_ssize_t n_strips = offsets.shape[0], i
    _setup(&job, &out[0, 0], out.shape[0], out.shape[1], strip_rows, n, kind, level, table_bits, True, params)
    job.payload = &payload[0]
    job.offset = &offsets[0]
    job.size = <Py_ssize_t *>&sizes[0]
    job.status = <int *>calloc(n_strips, sizeof(int))
    if job.status == NULL:
        raise MemoryError()
    try:
        with nogil:
            _run(&job, n_strips)
        if any(job.status[i] == -1 for i in range(n_strips)):
            raise MemoryError()
        return [i for i in range(n_strips) if job.status[i] != 0]
    finally:
        free(job.status)
