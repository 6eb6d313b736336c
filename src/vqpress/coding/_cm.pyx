"""The "cm" payload coding of .vqz: a code map coded by logistic mixing of adaptive binary
models, through a binary arithmetic coder (``_binary_coder.pxd``).

docs/FORMAT.md ("Payload coding cm") specifies every step; this module is the reference.
The map is cut into strips of whole rows that are coded independently (each with a fresh
model and its own stream), in parallel on the shared thread pool.

Per pixel, the coder asks binary questions until the symbol is known:

* ``x == W`` (is it the same as its left neighbour?), for every pixel;
* ordered model (gray levels, symbols whose order means something): ``x > W``, then
  ``x == W + 1``, ``x == W + 2`` ... away from W (the last one left is implied);
* palette model: ``x == c`` for up to four other neighbours' symbols c, then the symbol's
  bits down a binary tree over 0..n-1 (children of a node that only hold excluded symbols
  are implied).

Each question is answered with a probability mixed from several adaptive counters chosen by
the neighbourhood (see ``_pixel_contexts``).
"""

from libc.stdint cimport int16_t, int32_t, int64_t, uint8_t, uint32_t
from libc.stdlib cimport calloc, free, malloc
from libc.string cimport memset

from vqpress._threadpool cimport parallel_for, planned_workers
from vqpress.coding._binary_coder cimport (
    BinaryCoder, code_bit, coder_finish_encoder, coder_start_decoder, coder_start_encoder)

import numpy as np

# ----------------------------------------------------------------------------- constants

DEF N_INPUTS = 4          # counters mixed per question about the pixel
DEF N_SLOTS = 8           # questions per bucket (see _pixel_contexts)
DEF N_MIX_SETS = N_SLOTS * 64
DEF TREE_INPUTS = 3
DEF LIMIT = 255           # counters adapt at rate 1 / (n + 1.5), n counting up to LIMIT
DEF LEARNING_RATE = 10
DEF W_INIT = 20000        # initial mixer weight (65536 = 1.0)
DEF TREE_W_INIT = 24000

cdef enum:
    ORDERED = 0
    PALETTE = 1

MODEL_ORDERED = ORDERED
MODEL_PALETTE = PALETTE
#: Largest alphabet of each model.
MAX_SYMBOLS = {MODEL_ORDERED: 32, MODEL_PALETTE: 256}
MIN_TABLE_BITS, MAX_TABLE_BITS = 8, 18

# squash(d) = 4096 / (1 + exp(-d / 256)), interpolated between these 33 points (d = -2048,
# -1920, ..., 2048) and kept within 1..4095; stretch is its inverse.
cdef int _SQUASH_POINTS[33]
_SQUASH_POINTS[:] = [1, 2, 4, 6, 10, 17, 27, 45, 74, 120, 194, 311, 488, 747, 1102, 1546, 2048,
                     2550, 2994, 3349, 3608, 3785, 3902, 3976, 4022, 4051, 4069, 4079, 4086, 4090,
                     4092, 4094, 4095]
cdef int _SQUASH[4095]       # _SQUASH[d + 2047], -2047 <= d <= 2047
cdef int16_t _STRETCH[4096]  # the smallest d with squash(d) >= p
cdef uint32_t _RATE[LIMIT + 1]


cdef int _squash_formula(int d) noexcept nogil:
    cdef int w = d & 127
    cdef int i = (d >> 7) + 16
    return (_SQUASH_POINTS[i] * (128 - w) + _SQUASH_POINTS[i + 1] * w + 64) >> 7


cdef void _init_tables() noexcept nogil:
    cdef int d, p = 0, v
    for d in range(-2047, 2048):
        v = _squash_formula(d)
        _SQUASH[d + 2047] = v
        while p <= v:
            _STRETCH[p] = d
            p += 1
    while p < 4096:
        _STRETCH[p] = 2047
        p += 1
    for d in range(LIMIT + 1):
        _RATE[d] = 131072 // (2 * d + 3)


_init_tables()


def squash_table():
    """The squash table (for the tests and the specification): entry ``d + 2047``."""
    return np.array([_SQUASH[i] for i in range(4095)], dtype=np.int32)


def stretch_table():
    """The stretch table (for the tests and the specification): entry ``p``, 0..4095."""
    return np.array([_STRETCH[i] for i in range(4096)], dtype=np.int32)


# ----------------------------------------------------------------------------- counters and mixing

cdef inline void _update(uint32_t *counter, int bit) noexcept nogil:
    """Move a counter's probability (top 22 bits) towards the bit; count up (low 10 bits)."""
    cdef uint32_t t = counter[0]
    cdef uint32_t n = t & 1023u
    cdef int64_t p = t >> 10
    p += (((<int64_t>bit << 22) - p) * _RATE[n]) >> 16
    if n < LIMIT:
        n += 1
    counter[0] = (<uint32_t>p << 10) | n


cdef inline int _mix(int32_t *w, const int *st, int k) noexcept nogil:
    cdef int64_t dot = 0
    cdef int i
    for i in range(k):
        dot += <int64_t>w[i] * st[i]
    dot >>= 16
    if dot > 2047:
        dot = 2047
    elif dot < -2047:
        dot = -2047
    return _SQUASH[dot + 2047]


cdef inline void _learn(int32_t *w, const int *st, int k, int p, int bit) noexcept nogil:
    cdef int err = ((bit << 12) - p) * LEARNING_RATE
    cdef int i
    for i in range(k):
        w[i] += (st[i] * err) >> 14


# ----------------------------------------------------------------------------- model state

ctypedef struct Model:
    int n                     # symbols
    int kind                  # ORDERED or PALETTE
    int table_bits
    uint32_t *tables          # N_INPUTS tables of 2^table_bits buckets of N_SLOTS counters
    int32_t *weights          # N_MIX_SETS x N_INPUTS
    uint32_t *tree            # palette: TREE_INPUTS tables of (n - 1) x 256 counters
    int32_t *tree_weights     # palette: (n - 1) x TREE_INPUTS
    uint32_t *bucket[N_INPUTS]  # the current pixel's buckets


cdef int _model_alloc(Model *m, int n, int kind, int table_bits) noexcept nogil:
    cdef Py_ssize_t count = (<Py_ssize_t>N_INPUTS << table_bits) * N_SLOTS, i
    m.n = n
    m.kind = kind
    m.table_bits = table_bits
    m.tables = <uint32_t *>malloc(count * sizeof(uint32_t))
    m.weights = <int32_t *>malloc(N_MIX_SETS * N_INPUTS * sizeof(int32_t))
    m.tree = NULL
    m.tree_weights = NULL
    if kind == PALETTE:
        m.tree = <uint32_t *>malloc(<Py_ssize_t>TREE_INPUTS * (n - 1) * 256 * sizeof(uint32_t))
        m.tree_weights = <int32_t *>malloc(<Py_ssize_t>(n - 1) * TREE_INPUTS * sizeof(int32_t))
        if m.tree == NULL or m.tree_weights == NULL:
            return -1
    return -1 if m.tables == NULL or m.weights == NULL else 0


cdef void _model_reset(Model *m) noexcept nogil:
    """Every counter at probability 1/2 with count 0, every weight at its start."""
    cdef Py_ssize_t i, count = (<Py_ssize_t>N_INPUTS << m.table_bits) * N_SLOTS
    for i in range(count):
        m.tables[i] = 1u << 31
    for i in range(N_MIX_SETS * N_INPUTS):
        m.weights[i] = W_INIT
    if m.kind == PALETTE:
        for i in range(<Py_ssize_t>TREE_INPUTS * (m.n - 1) * 256):
            m.tree[i] = 1u << 31
        for i in range((m.n - 1) * TREE_INPUTS):
            m.tree_weights[i] = TREE_W_INIT


cdef void _model_free(Model *m) noexcept nogil:
    free(m.tables)
    free(m.weights)
    free(m.tree)
    free(m.tree_weights)
    m.tables = NULL
    m.weights = NULL
    m.tree = NULL
    m.tree_weights = NULL


cdef inline int _ask(BinaryCoder *c, Model *m, int slot, int mix_set, int bit) noexcept nogil:
    """Code the answer to question ``slot`` about the current pixel (its buckets are set)."""
    cdef int st[N_INPUTS]
    cdef int i, p
    cdef int32_t *w = m.weights + (slot * 64 + mix_set) * N_INPUTS
    for i in range(N_INPUTS):
        st[i] = _STRETCH[m.bucket[i][slot] >> 20]
    p = _mix(w, st, N_INPUTS)
    bit = code_bit(c, p, bit)
    _learn(w, st, N_INPUTS, p, bit)
    for i in range(N_INPUTS):
        _update(m.bucket[i] + slot, bit)
    return bit


ctypedef struct TreeStep:
    int mid                   # the node splits lo..hi-1 into lo..mid-1 (bit 0) and mid..hi-1 (bit 1)
    int p                     # probability of bit 1, 1..4095
    int st[TREE_INPUTS]
    uint32_t *slot[TREE_INPUTS]
    int32_t *w


cdef inline int _side(int v, int lo, int mid, int hi) noexcept nogil:
    return (v >= lo) + (v >= mid) + (v >= hi)


cdef inline void _tree_prepare(Model *m, TreeStep *t, int lo, int hi, int W, int N, int NE,
                               int NW) noexcept nogil:
    """Mix the probability of the node splitting lo..hi-1 (hi - lo >= 2).

    Its counters: by node and W, by node and N, and by node and the sides (below lo, left
    half, right half, from hi) of W, N, NE and NW.
    """
    cdef int mid = (lo + hi) >> 1, node = mid - 1, i
    cdef Py_ssize_t plane = <Py_ssize_t>(m.n - 1) * 256
    cdef int sides = (_side(W, lo, mid, hi) << 6 | _side(N, lo, mid, hi) << 4
                      | _side(NE, lo, mid, hi) << 2 | _side(NW, lo, mid, hi))
    t.mid = mid
    t.w = m.tree_weights + node * TREE_INPUTS
    t.slot[0] = m.tree + node * 256 + W
    t.slot[1] = m.tree + plane + node * 256 + N
    t.slot[2] = m.tree + 2 * plane + node * 256 + sides
    for i in range(TREE_INPUTS):
        t.st[i] = _STRETCH[t.slot[i][0] >> 20]
    t.p = _mix(t.w, t.st, TREE_INPUTS)


cdef inline void _tree_learn(TreeStep *t, int bit) noexcept nogil:
    cdef int i
    _learn(t.w, t.st, TREE_INPUTS, t.p, bit)
    for i in range(TREE_INPUTS):
        _update(t.slot[i], bit)


cdef inline int _code_tree(BinaryCoder *c, Model *m, int x, int W, int N, int NE, int NW) noexcept nogil:
    """Code symbol x (!= W) down the tree over 0..n-1; return it.

    Both children of a node are mixed before its bit is coded (one of them is wasted): the
    next probability is then ready when the bit is known, which shortens the decoder's chain
    of dependent steps. A child that is W alone is never taken: its sibling is implied.
    """
    cdef TreeStep steps[3]
    cdef int cur = 0, lft = 1, rgt = 2, lo = 0, hi = m.n, mid, bit, tmp
    _tree_prepare(m, &steps[cur], lo, hi, W, N, NE, NW)
    while True:
        mid = steps[cur].mid
        if mid - lo == 1 and lo == W:
            bit = 1
        elif hi - mid == 1 and mid == W:
            bit = 0
        else:
            if mid - lo > 1:
                _tree_prepare(m, &steps[lft], lo, mid, W, N, NE, NW)
            if hi - mid > 1:
                _tree_prepare(m, &steps[rgt], mid, hi, W, N, NE, NW)
            bit = code_bit(c, steps[cur].p, x >= mid)
            _tree_learn(&steps[cur], bit)
            if bit:
                lo = mid
                tmp = cur
                cur = rgt
                rgt = tmp
            else:
                hi = mid
                tmp = cur
                cur = lft
                lft = tmp
            if hi - lo == 1:
                return lo
            continue
        # implied bit: the child taken was not prepared
        if bit:
            lo = mid
        else:
            hi = mid
        if hi - lo == 1:
            return lo
        _tree_prepare(m, &steps[cur], lo, hi, W, N, NE, NW)


# ----------------------------------------------------------------------------- one strip

cdef inline uint32_t _bucket_index(uint32_t key, int bits) noexcept nogil:
    return (key * 0x9E3779B1u) >> (32 - bits)


cdef inline int _clip2(int d) noexcept nogil:
    return -2 if d < -2 else (2 if d > 2 else d)


cdef inline int _matches(int v, int n_, int nw, int ne, int ww, int nn, int nne) noexcept nogil:
    """Which of six neighbours equal v (6 bits): selects the mixer's weight set."""
    return ((n_ == v) | (nw == v) << 1 | (ne == v) << 2 | (ww == v) << 3 | (nn == v) << 4
            | (nne == v) << 5)


cdef int _code_strip(BinaryCoder *c, Model *m, uint8_t *sym, Py_ssize_t stride, int h, int w,
                     uint8_t *rows) noexcept nogil:
    """Code (or decode into ``sym``) an h x w strip of symbols, rows ``stride`` apart.

    ``rows`` is scratch for 4 rows of w + 6 symbols. Returns 0, or -1 if the decoder ran
    past the end of its stream (checked once per row).
    """
    cdef Py_ssize_t wp = w + 6
    cdef uint8_t *r0
    cdef uint8_t *r1
    cdef uint8_t *r2
    cdef uint8_t *r3
    cdef int n = m.n, bits = m.table_bits, r, col, up, s, v
    cdef int x, W, N, NW, NE, WW, NN, NNE, NWW, NNW, NEE, NEEE, NNN
    cdef uint32_t eW, eN, eX, key
    cdef bint decoding = c.decoding
    memset(rows, 0, 4 * wp)
    for r in range(h):
        r0 = rows + (r & 3) * wp + 3
        r1 = rows + ((r + 3) & 3) * wp + 3
        r2 = rows + ((r + 2) & 3) * wp + 3
        r3 = rows + ((r + 1) & 3) * wp + 3
        r0[-1] = r0[-2] = r0[-3] = r1[0] if r > 0 else 0
        for col in range(w):
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
            x = 0 if decoding else sym[r * stride + col]
            eW = ((N == W) | (NW == W) << 1 | (NE == W) << 2 | (WW == W) << 3 | (NN == W) << 4
                  | (NNE == W) << 5 | (NWW == W) << 6 | (NNW == W) << 7 | (NEE == W) << 8
                  | (NEEE == W) << 9 | (NNN == W) << 10)
            eN = ((NW == N) | (NE == N) << 1 | (NN == N) << 2 | (NNE == N) << 3 | (NWW == N) << 4
                  | (NNW == N) << 5 | (NEE == N) << 6 | (NEEE == N) << 7)
            eX = ((NNE == NE) | (NEE == NE) << 1 | (NEEE == NE) << 2 | (NWW == NW) << 3
                  | (NNW == NW) << 4 | (WW == NW) << 5)
            key = eW << 14 | eN << 6 | eX
            m.bucket[0] = m.tables + (<Py_ssize_t>_bucket_index(key, bits)) * N_SLOTS
            key = <uint32_t>W << 16 | <uint32_t>N << 8 | <uint32_t>NE
            m.bucket[1] = m.tables + ((<Py_ssize_t>1 << bits) + _bucket_index(key, bits)) * N_SLOTS
            key = (<uint32_t>W << 24 | <uint32_t>N << 16 | <uint32_t>NE << 8 | <uint32_t>NW) * 0x2C1B3C6Du
            key ^= <uint32_t>WW << 8 | <uint32_t>NN
            m.bucket[2] = m.tables + ((<Py_ssize_t>2 << bits) + _bucket_index(key, bits)) * N_SLOTS
            key = ((((_clip2(N - W) * 5 + _clip2(NW - W)) * 5 + _clip2(NE - W)) * 5 + _clip2(WW - W)) * 5
                   + _clip2(NN - W)) * 5 + _clip2(NNE - W) + 7812
            m.bucket[3] = m.tables + ((<Py_ssize_t>3 << bits) + _bucket_index(key, bits)) * N_SLOTS

            if _ask(c, m, 0, eW & 63, x == W):
                x = W
            elif m.kind == ORDERED:
                if W == 0:
                    up = 1
                elif W == n - 1:
                    up = 0
                else:
                    up = _ask(c, m, 1, eW & 63, x > W)
                s = 1
                while True:
                    v = W + s if up else W - s
                    if v == 0 or v == n - 1:
                        break  # the last symbol that way
                    if _ask(c, m, 2 + (1 - up) + 2 * (s - 1 if s < 3 else 2),
                            _matches(v, N, NW, NE, WW, NN, NNE), x == v):
                        break
                    s += 1
                x = v
            else:
                x = _code_tree(c, m, x, W, N, NE, NW)
            r0[col] = <uint8_t>x
            if decoding:
                sym[r * stride + col] = <uint8_t>x
        r0[w] = r0[w + 1] = r0[w + 2] = r0[w - 1]
        if decoding and c.failed:
            return -1
    return 0


# ----------------------------------------------------------------------------- strips in parallel

ctypedef struct Job:
    uint8_t *sym              # the whole map (H x W, row-major)
    Py_ssize_t height
    Py_ssize_t width
    Py_ssize_t strip_rows
    int n
    int kind
    int table_bits
    # encoder: one output buffer per strip; decoder: the payload and each strip's stream
    uint8_t **out
    Py_ssize_t *size          # stream length per strip
    const uint8_t *payload
    Py_ssize_t *offset
    int *status               # per strip: 0 ok, -1 no memory, -2 stream misused
    int decoding


cdef void _strip_task(void *ctx, Py_ssize_t strip, int worker) noexcept nogil:
    cdef Job *job = <Job *>ctx
    cdef Model m
    cdef BinaryCoder c
    cdef Py_ssize_t r0 = strip * job.strip_rows
    cdef int h = <int>min(job.strip_rows, job.height - r0)
    cdef int w = <int>job.width
    cdef uint8_t *rows = <uint8_t *>malloc(4 * (w + 6))
    memset(&m, 0, sizeof(Model))
    if rows == NULL or _model_alloc(&m, job.n, job.kind, job.table_bits) != 0:
        job.status[strip] = -1
    else:
        _model_reset(&m)
        if job.decoding:
            coder_start_decoder(&c, job.payload + job.offset[strip], job.size[strip])
            if _code_strip(&c, &m, job.sym + r0 * w, w, h, w, rows) != 0 or c.failed:
                job.status[strip] = -2
            elif c.pos != c.size:
                job.status[strip] = -2
        else:
            coder_start_encoder(&c, <uint8_t *>malloc(4096), 4096)
            _code_strip(&c, &m, job.sym + r0 * w, w, h, w, rows)
            coder_finish_encoder(&c)
            job.out[strip] = c.buf
            job.size[strip] = c.pos
            if c.failed:
                job.status[strip] = -1
    free(rows)
    _model_free(&m)


def encode_strips(const uint8_t[:, ::1] sym not None, int n, int kind, int table_bits, Py_ssize_t strip_rows):
    """Code an (H, W) map of symbols (< n) strip by strip; return the list of strip streams.

    Arguments are trusted (checked by the caller, vqpress.coding.cm).
    """
    cdef Job job
    cdef Py_ssize_t n_strips = (sym.shape[0] + strip_rows - 1) // strip_rows, i
    memset(&job, 0, sizeof(Job))
    job.sym = <uint8_t *>&sym[0, 0]
    job.height = sym.shape[0]
    job.width = sym.shape[1]
    job.strip_rows = strip_rows
    job.n = n
    job.kind = kind
    job.table_bits = table_bits
    job.decoding = 0
    job.out = <uint8_t **>calloc(n_strips, sizeof(uint8_t *))
    job.size = <Py_ssize_t *>calloc(n_strips, sizeof(Py_ssize_t))
    job.status = <int *>calloc(n_strips, sizeof(int))
    try:
        if job.out == NULL or job.size == NULL or job.status == NULL:
            raise MemoryError()
        with nogil:
            parallel_for(_strip_task, &job, n_strips, planned_workers(n_strips))
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
                  int table_bits, Py_ssize_t strip_rows):
    """Decode strip streams (``payload[offsets[i]:offsets[i] + sizes[i]]``) into ``out``.

    Returns the list of strips whose stream was misused (ran out, or has bytes left); raises
    MemoryError if the model did not fit in memory. Arguments are trusted (checked by the
    caller, vqpress.coding.cm), except the streams themselves.
    """
    cdef Job job
    cdef Py_ssize_t n_strips = offsets.shape[0], i
    memset(&job, 0, sizeof(Job))
    job.sym = &out[0, 0]
    job.height = out.shape[0]
    job.width = out.shape[1]
    job.strip_rows = strip_rows
    job.n = n
    job.kind = kind
    job.table_bits = table_bits
    job.decoding = 1
    job.payload = &payload[0] if payload.shape[0] else NULL
    job.offset = <Py_ssize_t *>&offsets[0]
    job.size = <Py_ssize_t *>&sizes[0]
    job.status = <int *>calloc(n_strips, sizeof(int))
    if job.status == NULL:
        raise MemoryError()
    try:
        with nogil:
            parallel_for(_strip_task, &job, n_strips, planned_workers(n_strips))
        if any(job.status[i] == -1 for i in range(n_strips)):
            raise MemoryError()
        return [i for i in range(n_strips) if job.status[i] != 0]
    finally:
        free(job.status)
