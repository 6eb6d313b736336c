"""The "cm" payload coding of .vqz: every level's strips, run in parallel.

docs/FORMAT.md ("Payload coding cm") specifies every level. The map is cut into strips of
whole rows that are coded independently (each with a fresh model and its own stream), in
parallel on the shared thread pool; this module hands each strip to its level's kernel:

* levels 0 and 1, the lean and full models of mixed binary questions: ``_cm_full.pyx``;
* level 2, the fast model: ``_cm_fast.pyx``;
* level 3, palettes with symbol tables: ``_cm_palette3.pyx``;
* level 4, gray levels around the MED prediction: ``_cm_ordered4.pyx``;
* level 5 (the same prediction, the residual as one symbol of averaged tables), level 8
  (the same with parameters chosen per map), level 9 (an exact-neighbourhood model for up
  to 4 levels), level 11 (level 8 around a weighted prediction), level 13 (level 11 with
  the sub-predictions averaged), level 16 (level 13 with a table of the neighbours'
  symbols) and level 20 (level 13 with a bias cancellation): ``_cm_ordered5.pyx``;
* level 6 (palettes by one neighbour symbol), level 10 (the same, its unpredicted pixels
  by mixed tables), level 18 (level 10 with richer neighbour-symbol contexts, up to 16
  colours): ``_cm_palette6.pyx``;
* level 21 (level 6 with its unpredicted pixels' high and low bits as one symbol, 17-256
  colours): ``_cm_palette21.pyx``, from the same kernel;
* level 7, palettes with mixed symbol tables: ``_cm_palette7.pyx``.

Levels 6, 10 and 18 run from ``_cm_palette6_v3`` and level 21 from ``_cm_palette21_v3``, the
same sources compiled for x86-64-v3 (AVX2), where the processor has those instructions
(:func:`_use_v3`).

It also holds a test hook for the binary arithmetic coder (the neighbour-pair counts that
``symbol_order`` orders a palette by are ``_pair_counts.pyx``).
"""

from cpython.pycapsule cimport PyCapsule_GetName, PyCapsule_GetPointer
from libc.stdint cimport int32_t, uint8_t
from libc.stdlib cimport calloc, free, malloc

from vqpress._threadpool cimport parallel_for, planned_workers
from vqpress.coding._binary_coder cimport (
    BinaryCoder, code_bit, coder_finish_encoder, coder_start_decoder, coder_start_encoder)
from vqpress.coding._cm_common cimport ORDERED, PALETTE
from vqpress.coding._cm_fast cimport Fast, fast_alloc, fast_free, fast_strip
from vqpress.coding._cm_full cimport full_strip
from vqpress.coding._cm_palette3 cimport palette3_decode, palette3_encode
from vqpress.coding._cm_palette7 cimport palette7_decode, palette7_encode
from vqpress.coding._cm_ordered4 cimport ordered4_strip
from vqpress.coding._cm_ordered5 cimport ordered5_decode, ordered5_encode
from vqpress.coding._ordered_params cimport Ord5Params, ord5_params_ok
from vqpress.coding._row_sink cimport RowSink
from vqpress.coding cimport _cm_palette6, _cm_palette21

import importlib

import numpy as np

cdef enum:
    LEVEL_FAST = 2
    LEVEL_PALETTE3 = 3
    LEVEL_ORDERED4 = 4
    LEVEL_ORDERED5 = 5
    LEVEL_PALETTE6 = 6
    LEVEL_ORDERED8 = 8
    LEVEL_ORDERED9 = 9
    LEVEL_ORDERED11 = 11
    LEVEL_ORDERED13 = 13
    LEVEL_ORDERED16 = 16
    LEVEL_ORDERED20 = 20
    LEVEL_PALETTE7 = 7
    LEVEL_PALETTE10 = 10
    LEVEL_PALETTE18 = 18
    LEVEL_PALETTE21 = 21


# ----------------------------------------------------------------------------- x86-64-v3 kernels

cdef extern from *:
    """
    /* Whether this processor runs x86-64-v3 code (AVX2, BMI2, LZCNT, FMA, MOVBE: what the
       *_v3 modules are compiled for); 0 where that cannot be asked here. */
    static int vq_cpu_v3(void) {
    #if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
        __builtin_cpu_init();
        return __builtin_cpu_supports("x86-64-v3") != 0;
    #elif defined(__x86_64__) && defined(__clang__) && __clang_major__ >= 16
        __builtin_cpu_init();
        return __builtin_cpu_supports("x86-64-v3") != 0;
    #elif defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2")
               && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    #else
        return 0;
    #endif
    }
    """
    int vq_cpu_v3() noexcept nogil

ctypedef int (*PaletteEncode)(const uint8_t *sym, int h, int w, int n, uint8_t **out, Py_ssize_t *size) noexcept nogil
ctypedef int (*PaletteDecode)(const uint8_t *stream, Py_ssize_t size, const RowSink *sink, int h, int w,
                              int n) noexcept nogil

# levels 6, 10, 18 and 21's kernels (_cm_palette6.pyx, _cm_palette21.pyx) in the build this
# processor runs best (_use_v3)
cdef PaletteEncode palette6_encode, palette10_encode, palette18_encode, palette21_encode
cdef PaletteDecode palette6_decode, palette10_decode, palette18_decode, palette21_decode


def _use_v3(bint on):
    """Run levels 6, 10, 18 and 21 with their x86-64-v3 builds (``_cm_palette6_v3``,
    ``_cm_palette21_v3``) if ``on`` and the processor runs them, else with the baseline ones;
    the same bytes either way. Returns whether the v3 builds are in use. Called at import with
    ``on`` true; tests call it to compare the two builds.

    A v3 module is imported only where the processor runs it: all of its code, its module
    set-up too, may use those instructions. Its functions come from its C API (the capsules
    of ``__pyx_capi__``), not by cimport, which would import it everywhere."""
    global palette6_encode, palette10_encode, palette18_encode, palette6_decode, palette10_decode, palette18_decode
    global palette21_encode, palette21_decode
    palette6_encode, palette6_decode = _cm_palette6.palette6_encode, _cm_palette6.palette6_decode
    palette10_encode, palette10_decode = _cm_palette6.palette10_encode, _cm_palette6.palette10_decode
    palette18_encode, palette18_decode = _cm_palette6.palette18_encode, _cm_palette6.palette18_decode
    palette21_encode, palette21_decode = _cm_palette21.palette21_encode, _cm_palette21.palette21_decode
    if not on or vq_cpu_v3() == 0:
        return False
    try:
        from vqpress.coding import _cm_palette6_v3, _cm_palette21_v3
    except ImportError:  # (a build without them: the baseline does the same)
        return False
    api = _cm_palette6_v3.__pyx_capi__
    base = importlib.import_module("vqpress.coding._cm_palette6").__pyx_capi__
    api21 = _cm_palette21_v3.__pyx_capi__
    base21 = importlib.import_module("vqpress.coding._cm_palette21").__pyx_capi__
    palette6_encode = <PaletteEncode>_c_function(api, base, "palette6_encode")
    palette6_decode = <PaletteDecode>_c_function(api, base, "palette6_decode")
    palette10_encode = <PaletteEncode>_c_function(api, base, "palette10_encode")
    palette10_decode = <PaletteDecode>_c_function(api, base, "palette10_decode")
    palette18_encode = <PaletteEncode>_c_function(api, base, "palette18_encode")
    palette18_decode = <PaletteDecode>_c_function(api, base, "palette18_decode")
    palette21_encode = <PaletteEncode>_c_function(api21, base21, "palette21_encode")
    palette21_decode = <PaletteDecode>_c_function(api21, base21, "palette21_decode")
    return True


cdef void *_c_function(dict api, dict base, str name) except NULL:
    """The C function ``name`` of a v3 module's C API ``api`` (its capsule in ``__pyx_capi__``),
    whose C signature (the capsule's name) must be that of the baseline module's (in ``base``)."""
    capsule = api[name]
    if <bytes>PyCapsule_GetName(capsule) != <bytes>PyCapsule_GetName(base[name]):
        raise ImportError(f"{name} of the x86-64-v3 build has another signature than the baseline's")
    return PyCapsule_GetPointer(capsule, PyCapsule_GetName(capsule))


_use_v3(True)


MODEL_ORDERED = ORDERED
MODEL_PALETTE = PALETTE
#: Largest alphabet of each model.
MAX_SYMBOLS = {MODEL_ORDERED: 32, MODEL_PALETTE: 256}


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
    uint8_t *dst                # decoder, levels 6, 10, 18 and 21: where pixel (0, 0) goes ...
    Py_ssize_t dst_row          # ... the steps to the pixel below and to the one right of it ...
    Py_ssize_t dst_col
    const uint8_t *table        # ... and the value written for each symbol (256 bytes)
    int *status                 # per strip: 0 ok, -1 out of memory, -2 stream not used exactly
    Ord5Params params           # levels 5, 8, 9, 11, 13, 16 and 20: the model's parameters


cdef void _strip_task(void *ctx, Py_ssize_t strip, int worker) noexcept nogil:
    cdef Job *job = <Job *>ctx
    cdef Fast f
    cdef BinaryCoder c
    cdef Py_ssize_t first = strip * job.strip_rows
    cdef int h = <int>min(job.strip_rows, job.height - first)
    cdef int w = <int>job.width
    cdef uint8_t *rows = <uint8_t *>calloc(4 * (w + 6), 1)
    cdef uint8_t *sym = job.sym + first * w
    cdef bint fast = job.level == LEVEL_FAST
    cdef int k
    cdef RowSink sink
    sink.first = job.dst + first * job.dst_row
    sink.row_step = job.dst_row
    sink.col_step = job.dst_col
    sink.table = job.table
    if job.level == LEVEL_PALETTE3 or job.level == LEVEL_ORDERED5 or job.level == LEVEL_ORDERED8 \
            or job.level == LEVEL_ORDERED9 or job.level == LEVEL_ORDERED11 or job.level == LEVEL_ORDERED13 \
            or job.level == LEVEL_ORDERED16 or job.level == LEVEL_ORDERED20 \
            or job.level == LEVEL_PALETTE6 or job.level == LEVEL_PALETTE7 or job.level == LEVEL_PALETTE10 \
            or job.level == LEVEL_PALETTE18 or job.level == LEVEL_PALETTE21:
        # their own range coder and model (_cm_palette3.pyx, _cm_ordered5.pyx, _cm_palette6.pyx,
        # _cm_palette7.pyx, _cm_palette21.pyx; levels 10 and 18 in _cm_palette6.pyx)
        free(rows)
        if job.level == LEVEL_PALETTE3 and job.decoding:
            job.status[strip] = palette3_decode(job.payload + job.offset[strip], job.size[strip], sym, h, w, job.n)
        elif job.level == LEVEL_PALETTE3:
            job.status[strip] = palette3_encode(sym, h, w, job.n, &job.out[strip], &job.size[strip])
        elif job.level == LEVEL_PALETTE6 and job.decoding:
            job.status[strip] = palette6_decode(job.payload + job.offset[strip], job.size[strip], &sink, h, w,
                                                        job.n)
        elif job.level == LEVEL_PALETTE6:
            job.status[strip] = palette6_encode(sym, h, w, job.n, &job.out[strip], &job.size[strip])
        elif job.level == LEVEL_PALETTE7 and job.decoding:
            job.status[strip] = palette7_decode(job.payload + job.offset[strip], job.size[strip], sym, h, w, job.n)
        elif job.level == LEVEL_PALETTE7:
            job.status[strip] = palette7_encode(sym, h, w, job.n, &job.out[strip], &job.size[strip])
        elif job.level == LEVEL_PALETTE10 and job.decoding:
            job.status[strip] = palette10_decode(job.payload + job.offset[strip], job.size[strip], &sink, h, w,
                                                        job.n)
        elif job.level == LEVEL_PALETTE10:
            job.status[strip] = palette10_encode(sym, h, w, job.n, &job.out[strip], &job.size[strip])
        elif job.level == LEVEL_PALETTE18 and job.decoding:
            job.status[strip] = palette18_decode(job.payload + job.offset[strip], job.size[strip], &sink, h, w,
                                                        job.n)
        elif job.level == LEVEL_PALETTE18:
            job.status[strip] = palette18_encode(sym, h, w, job.n, &job.out[strip], &job.size[strip])
        elif job.level == LEVEL_PALETTE21 and job.decoding:
            job.status[strip] = palette21_decode(job.payload + job.offset[strip], job.size[strip], &sink, h, w,
                                                        job.n)
        elif job.level == LEVEL_PALETTE21:
            job.status[strip] = palette21_encode(sym, h, w, job.n, &job.out[strip], &job.size[strip])
        elif job.decoding:
            job.status[strip] = ordered5_decode(job.payload + job.offset[strip], job.size[strip], sym, h, w, job.n,
                                                &job.params)
        else:
            job.status[strip] = ordered5_encode(sym, h, w, job.n, &job.params, &job.out[strip], &job.size[strip])
        return
    f.cnt = NULL
    f.weights = NULL
    if not fast:  # levels 0, 1 (_cm_full.pyx) and 4 (_cm_ordered4.pyx) allocate their models
        if rows == NULL:
            job.status[strip] = -1
        elif job.decoding:
            coder_start_decoder(&c, job.payload + job.offset[strip], job.size[strip])
            k = (ordered4_strip(&c, job.n, sym, h, w, rows) if job.level == LEVEL_ORDERED4
                 else full_strip(&c, job.n, job.kind, job.level, job.table_bits, sym, h, w, rows))
            job.status[strip] = -1 if k == -3 else (-2 if k != 0 or c.failed or c.pos != c.size else 0)
        else:
            coder_start_encoder(&c, <uint8_t *>malloc(4096), 4096)
            k = (ordered4_strip(&c, job.n, sym, h, w, rows) if job.level == LEVEL_ORDERED4
                 else full_strip(&c, job.n, job.kind, job.level, job.table_bits, sym, h, w, rows))
            coder_finish_encoder(&c)
            job.out[strip] = c.buf
            job.size[strip] = c.pos
            if c.failed or k != 0:
                job.status[strip] = -1
    elif rows == NULL or fast_alloc(&f, job.n, job.kind) != 0:
        job.status[strip] = -1
    elif job.decoding:
        coder_start_decoder(&c, job.payload + job.offset[strip], job.size[strip])
        if fast_strip(&c, &f, sym, h, w, rows) != 0 or c.failed or c.pos != c.size:
            job.status[strip] = -2
    else:
        coder_start_encoder(&c, <uint8_t *>malloc(4096), 4096)
        fast_strip(&c, &f, sym, h, w, rows)
        coder_finish_encoder(&c)
        job.out[strip] = c.buf
        job.size[strip] = c.pos
        if c.failed:
            job.status[strip] = -1
    free(rows)
    fast_free(&f)


cdef void _run(Job *job, Py_ssize_t n_strips) noexcept nogil:
    parallel_for(_strip_task, job, n_strips, planned_workers(n_strips))


cdef void _setup(Job *job, uint8_t *sym, Py_ssize_t height, Py_ssize_t width, Py_ssize_t strip_rows, int n,
                 int kind, int level, int table_bits, bint decoding, params) except *:
    """The fields both directions share; the caller sets the streams and status."""
    from vqpress.coding._cm_ordered5 import LEVEL5_PARAMS

    (job.params.counter3, job.params.first_table, job.params.limit, job.params.rate_max,
     job.params.rate_double) = (LEVEL5_PARAMS if params is None
                                 or level not in (LEVEL_ORDERED8, LEVEL_ORDERED11, LEVEL_ORDERED13, LEVEL_ORDERED16,
                                                  LEVEL_ORDERED20)
                                 else params)
    # level 9: level 5's parameters and the exact model; level 11: level 8's and the weighted
    # predictor; level 13: level 8's and the averaged one; level 16: level 13's and the (W, N) table;
    # level 20: level 13's and the bias cancellation
    job.params.exact = level == LEVEL_ORDERED9
    job.params.weighted = (1 if level == LEVEL_ORDERED11 else 2 if level == LEVEL_ORDERED13
                           else 3 if level == LEVEL_ORDERED16 else 4 if level == LEVEL_ORDERED20 else 0)
    if job.params.exact and not 2 <= n <= 4:  # its exact neighbourhood holds symbols 0..3
        raise ValueError(f"level 9 codes 2..4 levels; got {n}")
    if level == LEVEL_PALETTE18 and not 2 <= n <= 16:  # its triple tables hold symbols 0..15
        raise ValueError(f"level 18 codes 2..16 colours; got {n}")
    if level == LEVEL_PALETTE21 and not 17 <= n <= 256:  # up to 16 colours it would be level 6
        raise ValueError(f"level 21 codes 17..256 colours; got {n}")
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
    job.dst = sym
    job.dst_row = width
    job.dst_col = 1
    job.table = _IDENTITY


def encode_strips(const uint8_t[:, ::1] sym not None, int n, int kind, int level, int table_bits,
                  Py_ssize_t strip_rows, params=None):
    """Code an (H, W) map of symbols (each < n) strip by strip; return the strips' streams.

    ``sym`` (H, W) IN; ``n``, ``kind`` (MODEL_ORDERED or MODEL_PALETTE), ``level`` (0..11, 13, 16, 18, 20, 21),
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


#: The levels whose decoder writes each pixel in its place (decode_strips' ``placement``).
PLACED_LEVELS = frozenset({LEVEL_PALETTE6, LEVEL_PALETTE10, LEVEL_PALETTE18, LEVEL_PALETTE21})
cdef uint8_t _IDENTITY[256]
for _v in range(256):
    _IDENTITY[_v] = _v
del _v


def decode_strips(const uint8_t[::1] payload not None, const Py_ssize_t[::1] offsets not None,
                  const Py_ssize_t[::1] sizes not None, uint8_t[:, ::1] out not None, int n, int kind,
                  int level, int table_bits, Py_ssize_t strip_rows, params=None, placement=None):
    """Decode strip streams (``payload[offsets[i]:offsets[i] + sizes[i]]``) into ``out``.

    ``payload``, ``offsets``, ``sizes`` (one per strip) IN; ``out`` (H, W) OUT; the header's
    fields IN as for :func:`encode_strips`. Returns the strips whose stream was not used
    exactly (it ran out, or bytes were left); raises MemoryError if a model did not fit in
    memory. The arguments are trusted (vqpress.coding.cm checks them), the streams'
    contents are not.

    ``placement`` (levels of PLACED_LEVELS only), ``(coded_h, coded_w, base, row_step,
    col_step, table)``: the decoded map is coded_h x coded_w, and its pixel (r, c) of symbol
    ``v`` is written as ``table[v]`` (``table``: 256 bytes) at ``out``'s flat offset ``base +
    r * row_step + c * col_step`` (``out`` then is any map of as many pixels: the scan's
    transpose or flip and the symbol order done on the way). ValueError if an offset of a
    corner falls outside ``out`` (then so would others).
    """
    cdef Job job
    cdef Py_ssize_t n_strips = offsets.shape[0], i
    cdef Py_ssize_t height = out.shape[0], width = out.shape[1], base = 0, row_step = width, col_step = 1
    cdef Py_ssize_t corner, size = out.shape[0] * out.shape[1]
    cdef const uint8_t[::1] table
    if placement is not None:
        if level not in PLACED_LEVELS:
            raise ValueError(f"level {level} decodes into the coded map only (no placement)")
        height, width, base, row_step, col_step, table = placement
        if table.shape[0] != 256:
            raise ValueError(f"the table holds {table.shape[0]} entries; 256 are needed")
        if height * width != size or height <= 0 or width <= 0:
            raise ValueError(f"a coded map of {height} x {width} does not fill a map of {size} pixels")
        for corner in (base, base + (height - 1) * row_step, base + (width - 1) * col_step,
                       base + (height - 1) * row_step + (width - 1) * col_step):
            if not 0 <= corner < size:
                raise ValueError(f"offset {corner} is outside the {size} pixels written")
    _setup(&job, &out[0, 0], height, width, strip_rows, n, kind, level, table_bits, True, params)
    if placement is not None:
        job.dst = &out[0, 0] + base
        job.dst_row = row_step
        job.dst_col = col_step
        job.table = &table[0]
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
