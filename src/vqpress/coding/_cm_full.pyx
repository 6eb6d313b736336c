"""Levels 0 and 1 of the "cm" payload coding, the lean and the full model (docs/FORMAT.md,
"Payload coding cm"): logistic mixing of adaptive binary models through a binary arithmetic
coder (``_binary_coder.pxd``).

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
``_cm.pyx`` runs the strips and calls :c:func:`full_strip` for each.
"""

from libc.stdint cimport int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t
from libc.stdlib cimport calloc, free, malloc

from vqpress.coding._binary_coder cimport BinaryCoder, code_bit
from vqpress.coding._cm_common cimport (
    ORDERED, PALETTE, _average, _clip, _learn, _matches, _mix, _p12, _update, cm_squash, cm_stretch,
    cm_tables_init, ring_row, ring_row_end, ring_row_start)

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


# ----------------------------------------------------------------------------- fixed tables

cdef uint16_t _APM_START[33]


cdef void _init_tables() noexcept nogil:
    cdef int i, d
    cm_tables_init()
    for i in range(33):
        d = (i - 16) * 128
        _APM_START[i] = 16 * cm_squash[min(max(d, -2047), 2047) + 2047]


_init_tables()


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


cdef int full_strip(BinaryCoder *c, int n, int kind, int level, int table_bits, uint8_t *sym, int h, int w,
                    uint8_t *rows) noexcept nogil:
    """Code (or decode into ``sym``) an h x w strip with a fresh level-``level`` (0 or 1) model
    of ``n`` symbols of ``kind`` (ORDERED or PALETTE) and 2^table_bits buckets a table.

    ``rows`` is scratch for 4 rows of w + 6 symbols, zeroed. Returns 0, -1 if the decoder ran
    past the end of its stream (checked once per row), -3 if the model did not fit in memory.
    """
    cdef Model m
    cdef int status = -3
    m.tables = m.extra = m.tree = m.pairs = NULL
    m.weights = m.extra_weights = m.tree_weights = NULL
    m.apm = NULL
    if _model_alloc(&m, n, kind, level, table_bits) == 0:
        status = _code_strip(c, &m, sym, h, w, rows)
    _model_free(&m)
    return status
