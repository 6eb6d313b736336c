"""Level 5 of the "cm" payload coding: gray levels as one symbol around a predicted value
(docs/FORMAT.md, "Level 5: the predicted ordered model with symbol tables").

Like level 4 it predicts the pixel by the median edge detector, ``P = MED(W, N, NW)``, and
asks ``x == P`` first (65-87% of the face's pixels are P). But it asks it without mixing
(three counters' probabilities averaged; one of them knows the recent prediction errors
around the pixel, as CALIC and LOCO-I measure a neighbourhood's activity), and a pixel that
is not P is one symbol, its residual ``x - P``, of the average of three adaptive 16-symbol
tables picked by the shape of the neighbourhood around P, instead of level 4's walk of
mixed binary questions (a direction, then a step at a time). Both are coded by level 3's
range coder (``_range_coder.pxd``), the tables handled 16 lanes at a time
(``_symbol_tables.pxd``). Up to 16 levels; ``_cm.pyx`` runs the strips.

Level 8 (docs/FORMAT.md, "Level 8") is this model with five parameters the encoder picks per
map and writes in the payload header (``Ord5Params``): the third ``x == P`` counter's context
(level 5's, the pattern of which neighbours the prediction hit, or the shape with NN), which
residual table weighs half, the faster counters' count limit, and the tables' adaptation
schedule. Level 5 is level 8 with ``LEVEL5_PARAMS``.

Level 9 (docs/FORMAT.md, "Level 9"), for maps of at most 4 levels, is level 5 with more model
where the neighbourhood is small enough to be used whole: a fourth ``x == P`` counter by the
exact values of W, N, NW, NE, WW, NN and the error class, two interpolated adaptive
probability maps (APMs) that correct the averaged probability (one by the exact W, N, NW, NE
and the error class, one by the equality pattern), and a fourth residual table by the exact
neighbourhood (``_exact_neighbourhood.pxd``). The kernel is compiled once more for it
(``Variant``: ``Plain`` for levels 5 and 8, ``Exact`` for level 9), so levels 5 and 8 run
exactly as before.

Level 11 (docs/FORMAT.md, "Level 11") is level 8 (its parameters too) around another
prediction: four sub-predictions in eighths of a level (W + NE - N, and N, W, N corrected by
the prediction's own errors at the neighbours), averaged with weights that fall with each
one's recent errors around the pixel, as JPEG XL's weighted predictor; P is the average
rounded, and its offset from P (five classes) joins the contexts of the third ``x == P``
counter and of the first residual table, its errors make the error class. A third compiled
copy (``Weighted``) keeps the others as they were. What the prediction keeps (its errors at
each pixel, the weights' table, the offset classes) is ``_weighted_prediction.pxd``'s; its
arithmetic stays in the kernel's loop (as a function it moved the compiler's inlining of the
kernel's copies: level 9 encodes 5% slower).

Level 13 (docs/FORMAT.md, "Level 13") is level 11 with the four sub-predictions averaged
with equal weights: no error sums, weights or division on the way from one pixel to the
next, for 0.81-0.87x level 8's decode speed where level 11 runs at 0.70-0.76x (a fourth compiled
copy, ``Averaged``).

Level 16 (docs/FORMAT.md, "Level 16") is level 13 with its third residual table (by d6 and
the error class) replaced by a table of the symbols themselves by the exact (W, N), learned at
every pixel and seen from P (``_neighbour_symbols.pxd``): a colour ramp's symbols are
positions in a palette order, and which one follows W and N is what a numeric prediction
misses there (a fifth compiled copy, ``Neighbour``).

Level 20 (docs/FORMAT.md, "Level 20") is level 13 with a bias cancellation: the average, before
its clamp, less the mean error level 13's prediction made in a context of the rows above,
which a pass over each row computes before the row (``_bias_cancellation.pxd``); level 13's
errors T and error class are kept (a sixth compiled copy, ``Biased``). Its copy is built for the
way from one pixel's P to the next pixel's x == P decision, the decoder's critical path
(BENCHMARKS.md, round 15, ``gray20fast``): what comes from the rows above is summed by the row's
pass, eq13 comes from one-hot nibbles slid along the row (``_ordered_contexts.pxd``) in bits of
its own order, and its x == P counters are laid out so that eq13 and dd, which wait on P, are
added last (the same counters, in other places: the same bytes).

This module is the pixel loop: the prediction, the contexts, the coding of ``x == P``, and
which tables the residual symbol is coded with; how it is coded with them (their average, the
range coder's span, the lanes beyond -8 / +7) is ``_ordered_residual.pxd``'s. The model it
codes with (the layout of its counters and tables, their start and learning) is
``_ordered_model.pxd``'s, its parameters ``_ordered_params.pxd``'s.
Every level takes its contexts (eq13, dd, d6, k) from ``_ordered_contexts.pxd`` (small tables
and one word of neighbours), keeps its x == P counters with p unflipped, and avoids branches
that the picture decides (the sign of an error, a count's limit): the same values, fewer
instructions and mispredicted branches (BENCHMARKS.md, round 10, ``grayspeed``).
"""

from libc.stdint cimport int16_t, int32_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc

from vqpress.coding._bias_cancellation cimport (
    BC_CELL, BC_CELL_ABS, BC_CELL_CONTEXT, BC_CELL_HI, BC_CELL_LO, BC_CELL_NE, BC_CELL_P3, BC_CELL_TN_NE, BC_CELL_TN_NW,
    BC_CELL_WORDS,
    BC_FRACTION, BC_NONE, BC_RATE, bc_row_contexts)
from vqpress.coding._cm_common cimport (
    LIMIT, Decoding, Direction, Encoding, _clip, cm_stretch, cm_tables_init, ring_row, ring_row_end, ring_row_start)
from vqpress.coding._exact_neighbourhood cimport APM1, APM_NODES, ex_apm_learn, ex_apm_node, ex_key
from vqpress.coding._neighbour_symbols cimport WN_STRIDE
from vqpress.coding._ordered_contexts cimport (
    oc_d6_of, oc_dd_of, oc_eq13, oc_eq13_nibbles, oc_k_of, oc_nib_row, oc_tables_init, oc_window)
from vqpress.coding._ordered_model cimport (
    C3_ERR, C3_HITS, C_EQ, C_SHAPE, LANES, MID, T_DIR, T_ERR, T_FAR, T_SHAPE, TABLE_K, Ord5, ord5_alloc,
    ord5_free, ord5_p12, ord5_tables_init, ord5_updated_to)
from vqpress.coding._ordered_residual cimport rs_far, rs_symbol, rs_symbol4, rs_symbol_wn
from vqpress.coding._range_coder cimport RangeCoder, rc_code_bit, rc_decode_strip_arg, rc_encode_strip_arg
from vqpress.coding._symbol_tables cimport st_learn
from vqpress.coding._weighted_prediction cimport OFFSET_CLASSES, OFFSETS, WPCell, wp_err4, wp_tables_init, wp_weight

cm_tables_init()

cdef extern from *:
    """
    /* the error class of a sum of four |x - P| (each at most 15): 0, 1, 2, 3-4, 5-6, 7-9,
       10-14, 15 and more -> 0 .. 7 (a table: no branch to mispredict) */
    static unsigned char cm5_error[64];
    static void cm5_tables_init(void) {
        int a;
        for (a = 0; a < 64; a++)
            cm5_error[a] = a < 3 ? a : a < 5 ? 3 : a < 7 ? 4 : a < 10 ? 5 : a < 15 ? 6 : 7;
    }
    """
    const unsigned char cm5_error[64]
    void cm5_tables_init() noexcept nogil

cm5_tables_init()
wp_tables_init()
oc_tables_init()
ord5_tables_init()


#: Level 5's parameters: counter3, first_table, limit, rate_max, rate_double (``Ord5Params``).
LEVEL5_PARAMS = (C3_ERR, 0, 20, 6, 0)


# Levels 5 and 8 (Plain), level 9 (Exact), 11 (Weighted), 13 (Averaged), 16 (Neighbour) and 20
# (Biased) compile their kernel apart, as Direction does for the two directions: ``Variant is Exact``
# is a constant in each copy.
ctypedef struct Plain:
    char unused
ctypedef struct Exact:
    char unused
ctypedef struct Weighted:
    char unused
ctypedef struct Averaged:
    char unused
ctypedef struct Neighbour:
    char unused
ctypedef struct Biased:
    char unused
ctypedef fused Variant:
    Plain
    Exact
    Weighted
    Averaged
    Neighbour
    Biased


cdef inline int _pixel(Direction *way, Variant *model, RangeCoder *c, Ord5 *f, int x, int P, int W, int N, int NW,
                       int NE, int WW, int NN, int eq, int en, int hits, int oc) noexcept nogil:
    """x (decoded, or coded) around P, given the neighbours and eq13 (``_ordered_contexts.pxd``)."""
    cdef int n = f.n, dd, d6, lo, hi, s, bit, p, k
    cdef uint32_t *a
    cdef uint32_t *b
    cdef uint32_t *d
    cdef uint32_t ta, tb, td
    # level 9
    cdef int xk = 0, sv, j = 0, wt = 0
    cdef uint32_t *xc = NULL
    cdef uint32_t tx = 0
    cdef uint16_t *ap1 = NULL
    cdef uint16_t *ap2 = NULL
    dd = oc_dd_of(P, W, N, NE, NW)
    # x == P: three counters' probabilities averaged (3:2:2), no mixing
    if Variant is Biased:
        # level 20: the same counters laid out with what comes last (eq13, in oc_eq13_nibbles'
        # bit order, and dd, which wait on P) added last, no multiplication after them: by where
        # P is, then eq13; by P, then dd; by the error and offset classes, then eq13's low byte
        # (the same counters in other places; BENCHMARKS.md, round 15, ``gray20fast``). Written
        # apart, this copy is also not folded with levels 11 and 13's identical ones by GCC's
        # identical code folding, which left one function called from three places, not inlined.
        # (their first counters at P from tables: eq_at[P] is f.cnt + C_EQ + (where P is << 13),
        # shape_at[P] f.cnt + C_SHAPE + P * 625)
        # (each counter read as soon as its address is known: after the switch on counter3 the
        # compiler kept the addresses on the stack and read them back, on the way to the decision)
        a = f.eq_at[P] + eq
        ta = a[0]
        b = f.shape_at[P] + dd
        tb = b[0]
    else:
        a = f.cnt + C_EQ + eq * 3 + (0 if P == 0 else (1 if P == n - 1 else 2))
        b = f.cnt + C_SHAPE + dd * n + P
    if Variant is Biased and f.q.counter3 == C3_ERR:
        d = f.cnt3 + ((en * OFFSETS + oc) << 8) + (eq & 255)
    elif (Variant is Weighted or Variant is Averaged or Variant is Neighbour) and f.q.counter3 == C3_ERR:
        # (levels 11, 13, 16: and by the offset class)
        d = f.cnt3 + ((eq & 255) * 8 + en) * OFFSETS + oc
    elif f.q.counter3 == C3_ERR:
        d = f.cnt3 + (eq & 255) * 8 + en
    elif f.q.counter3 == C3_HITS:
        d = f.cnt3 + hits * 32 + (eq & 31)
    else:
        d = f.cnt3 + (dd * 5 + _clip(NN - P, 2) + 2) * 8 + en
    if not (Variant is Biased):
        ta = a[0]
        tb = b[0]
    td = d[0]
    if Variant is Exact:
        # four counters (3:2:2:3), then the two APMs' corrections (1:3:4)
        xk = ex_key(W, N, NW, NE, WW, NN)
        xc = f.xcnt + (xk << 3 | en)
        tx = xc[0]
        # (// 10 of a sum of at most 10 x 4095 as a multiplication and a shift, exact up to 262,148)
        p = <int>((<uint32_t>(3 * ord5_p12(ta) + 2 * ord5_p12(tb) + 2 * ord5_p12(td) + 3 * ord5_p12(tx))
                   * 52429u) >> 19)
        sv = cm_stretch[1 if p < 1 else p] + 2048
        j = sv >> 7
        wt = sv & 127
        ap1 = f.apm + ((xk & 255) << 3 | en) * APM_NODES
        ap2 = f.apm + (APM1 + eq) * APM_NODES
        p = (p + 3 * ex_apm_node(ap1, j, wt) + 4 * ex_apm_node(ap2, j, wt)) >> 3
    else:
        # (// 7 of a sum of at most 7 x 4095 as a multiplication and a shift, exact up to 43,692;
        # the compiler's sequence for any int is three instructions longer)
        p = <int>((<uint32_t>(3 * ord5_p12(ta) + 2 * ord5_p12(tb) + 2 * ord5_p12(td)) * 37450u) >> 18)
    p = 1 if p < 1 else (4095 if p > 4095 else p)
    bit = rc_code_bit(c, Direction is Decoding, p, x == P)
    if Variant is Exact:
        j += wt >> 6  # the nearer node learns
        ex_apm_learn(ap1 + j, bit)
        ex_apm_learn(ap2 + j, bit)
        xc[0] = ord5_updated_to(tx, bit, f.q.limit)
    a[0] = ord5_updated_to(ta, bit, LIMIT)
    b[0] = ord5_updated_to(tb, bit, f.q.limit)
    d[0] = ord5_updated_to(td, bit, f.q.limit)
    if bit:
        return P
    # the residual x - P, in lane x - P + MID (lanes 0 and 15: -8 or less, 7 or more) of the
    # lanes lo .. hi that stay within the levels
    if not (Variant is Neighbour):
        d6 = oc_d6_of(P, W, N, NE, NW, NN, WW)
    if Variant is Biased:  # (the same lanes from tables: the branches on P mispredicted)
        lo = f.lo_at[P]
        hi = f.hi_at[P]
    else:
        lo = MID - P if P < MID else 0
        hi = MID + n - 1 - P if n - 1 - P < LANES - 1 - MID else LANES - 1
    s = x - P + MID
    s = 0 if s < 0 else (LANES - 1 if s > LANES - 1 else s)
    if Variant is Exact:  # (n <= 4: no lane beyond -8 / +7)
        s = rs_symbol4(way, c, f, T_DIR + oc_k_of(dd, P, NN, WW),
                       T_SHAPE + dd * n + P, T_ERR + d6 * 8 + en, f.t_exact + xk, lo, hi, s)
    else:
        k = oc_k_of(dd, P, NN, WW)
        # (level 11: RDIR by the offset class too, in tables of its own)
        if Variant is Neighbour:  # level 16: the (W, N) table instead of RERR
            s = rs_symbol_wn(way, c, f, f.t_exact + k * OFFSETS + oc, T_SHAPE + dd * n + P, lo, hi, s, P)
        else:
            s = rs_symbol(way, c, f, f.t_exact + k * OFFSETS + oc
                          if Variant is Weighted or Variant is Averaged or Variant is Biased else T_DIR + k,
                          T_SHAPE + dd * n + P, T_ERR + d6 * 8 + en, lo, hi, s, Variant is Biased)
        if s == 0 and P > MID:  # lane 0 is x - P <= -8: x in 0 .. P - 8
            return P - MID - rs_far(way, c, f, T_FAR, P - MID, P - MID - x)
        if s == LANES - 1 and P + LANES - 1 - MID < n - 1:  # lane 15 is x - P >= 7: x in P + 7 .. n - 1
            return P + LANES - 1 - MID + rs_far(way, c, f, T_FAR + 1, n - 1 - (P + LANES - 1 - MID),
                                                x - (P + LANES - 1 - MID))
    return P + s - MID


cdef int _rows(Direction *way, Variant *model, RangeCoder *c, Ord5 *f, uint8_t *sym, int h, int w,
               uint8_t *rows) noexcept nogil:
    cdef Py_ssize_t wp = w + 6, wp0 = w
    cdef uint8_t *srow
    cdef uint8_t *r0
    cdef uint8_t *r1
    cdef uint8_t *r2
    cdef uint8_t *e0
    cdef uint8_t *e1
    cdef int r, col, x, P, W, WW, N, NW, lo, hi, e, eW, eWW, hits = 0, above, u
    cdef bint want_hits = f.q.counter3 == C3_HITS
    # level 11: the weighted predictor
    cdef WPCell *c0 = NULL
    cdef WPCell *c1 = NULL
    cdef uint64_t es, sW = 0, sWW = 0
    cdef int aW = 0
    cdef int NE, tW = 0, tN, tNW, tNE, pf = 0, oc = 0, x8, v, en, p0 = 0, p1 = 0, p2 = 0, p3 = 0, eq
    cdef int32_t w0, w1, w2, w3, den
    # level 20: the row's errors T and the row above's, level 13's prediction pr beside the
    # corrected pf, and the last pixel's context and error (learned one pixel late)
    cdef int16_t *b0 = NULL
    cdef int16_t *b1 = NULL
    cdef const int16_t *bs = NULL
    cdef int16_t *bk = f.bk
    cdef const uint64_t *nib
    cdef int pr = 0, bc = BC_NONE, bc_last = BC_NONE, e_last = 0, w8
    for r in range(h):
        if Variant is Weighted or Variant is Averaged or Variant is Neighbour or Variant is Biased:
            c0 = f.wp + (r & 1) * wp + 3
            c1 = f.wp + ((r + 1) & 1) * wp + 3
            tW = aW = 0
            sW = sWW = 0
        srow = sym + r * wp0
        r0 = ring_row(rows, wp, r)
        r1 = ring_row(rows, wp, r + 3)
        r2 = ring_row(rows, wp, r + 2)
        e0 = ring_row(f.err, wp, r)
        e1 = ring_row(f.err, wp, r + 3)
        ring_row_start(r0, r1, r)
        if Variant is Biased:  # every context of the row, from the rows above
            b0 = f.bt + (r & 1) * wp + 3
            b1 = f.bt + ((r + 1) & 1) * wp + 3
            bc_row_contexts(w, r1, r2, b1, f.bcells, BC_CELL)
            oc_nib_row(w, r1, r2, <uint64_t *>(f.bcells + BC_CELL_WORDS), BC_CELL // 4)
            bs = f.bcells
        # W, WW and W's error carried in registers: the next pixel's prediction waits on x
        W = r0[-1]
        WW = r0[-2]
        eW = eWW = 0
        if Variant is Biased:
            w8 = W * 8
        above = (e1[-1] == 0) << 1 | (e1[0] == 0) << 2 | (e1[1] == 0) << 3
        for col in range(w):
            x = 0 if Direction is Decoding else srow[col]
            N = r1[col]
            NW = r1[col - 1]
            NE = r1[col + 1]
            lo = W if W < N else N
            hi = W + N - lo
            if Variant is Biased:
                # level 20: level 13's average pr = (p0 + p1 + p2 + p3 + 2) >> 2 as v >> 2, v = 16 W
                # + (8 NE + p3 + 2) - ((T_W + T_N + T_NE) >> 1) - ((10 (T_W + T_N + T_NW)) >> 5),
                # with what comes from the rows above written by the row's pass (the pixel's cell
                # bs: T_N + T_NE, T_N + T_NW, 8 NE + p3 + 2, the |T| above, 8 min(N, NE), 8 max(N, NE),
                # the context, and eq13's N == NE and words);
                # pf = pr less its context's mean error K, as (v - 4 K) >> 2, K read before the
                # last pixel's error is learned (BENCHMARKS.md, round 15, ``gray20fast``: the
                # chain from x to P shorter by a third)
                v = 2 * w8 + bs[BC_CELL_P3] - ((tW + bs[BC_CELL_TN_NE]) >> 1) - (((tW + bs[BC_CELL_TN_NW]) * 10) >> 5)
                bc = bs[BC_CELL_CONTEXT]
                pr = v >> 2
                pf = (v - 4 * ((bk[bc] + (1 << (BC_FRACTION - 1))) >> BC_FRACTION)) >> 2
                v = bk[bc_last]
                bk[bc_last] = <int16_t>(v + ((e_last * (1 << BC_FRACTION) - v) >> BC_RATE))
                # within the values of W, N, NE
                v = bs[BC_CELL_LO]
                v = w8 if w8 < v else v
                pf = v if pf < v else pf
                pr = v if pr < v else pr
                v = bs[BC_CELL_HI]
                v = w8 if w8 > v else v
                pf = v if pf > v else pf
                pr = v if pr > v else pr
                P = (pf + 4) >> 3
                oc = (OFFSET_CLASSES >> (((pf + 4) & 7) << 2)) & 15
                en = cm5_error[(aW + bs[BC_CELL_ABS] + 4) >> 3]
            elif Variant is Weighted or Variant is Averaged or Variant is Neighbour:
                # levels 11, 13, 16: P from the weighted prediction
                tN = c1[col].t
                tNW = c1[col - 1].t
                tNE = c1[col + 1].t
                if Variant is Weighted and ((W ^ N) | (N ^ NE) | tW | tN | tNW | tNE) == 0:  # (one branch, not three)
                    # (a flat neighbourhood predicted exactly: every sub-prediction is 8 W, and
                    # so is their average, whatever the weights; the offset is 0, the errors 0)
                    pf = p0 = p1 = p2 = p3 = W * 8
                    P = W
                    oc = 2
                    en = 0
                else:
                    # the four sub-predictions (x8), weighted by their errors around the pixel
                    # (es: four 16-bit sums of five errors each)
                    p0 = (W + NE - N) * 8
                    p1 = N * 8 - (((tW + tN + tNE) * 16) >> 5)
                    p2 = W * 8 - (((tW + tN + tNW) * 10) >> 5)
                    p3 = N * 8 - (((tNW + tN + tNE) * 7) >> 5)
                    if Variant is Averaged or Variant is Neighbour:  # levels 13, 16: their plain average
                        pf = (p0 + p1 + p2 + p3 + 2) >> 2
                    else:
                        es = sW + sWW + c1[col - 1].s + c1[col].s + c1[col + 1].s
                        w0 = wp_weight[es & 0xffff]
                        w1 = wp_weight[(es >> 16) & 0xffff]
                        w2 = wp_weight[(es >> 32) & 0xffff]
                        w3 = wp_weight[es >> 48]
                        den = w0 + w1 + w2 + w3
                        pf = (w0 * p0 + w1 * p1 + w2 * p2 + w3 * p3 + (den >> 1)) // den
                    # within the values of W, N, NE
                    v = (lo if lo < NE else NE) * 8
                    pf = v if pf < v else pf
                    v = (hi if hi > NE else NE) * 8
                    pf = v if pf > v else pf
                    P = (pf + 4) >> 3
                    oc = (OFFSET_CLASSES >> (((pf + 4) & 7) << 2)) & 15
                    # the error class of the four |T| (at most 120 each: the sum >> 3 stays below 64)
                    en = cm5_error[(aW + c1[col - 1].a + c1[col].a + c1[col + 1].a + 4) >> 3]
            else:
                # MED: min(W, N) if NW >= max(W, N), max(W, N) if NW <= min(W, N), else W + N - NW
                P = W + N - (lo if NW < lo else (hi if NW > hi else NW))
                en = cm5_error[eW + e1[col - 1] + e1[col] + e1[col + 1]]
            if want_hits:  # which of W, NW, N, NE, NEE, WW were their own P (|x - P| = 0)
                above = above >> 1 | (e1[col + 2] == 0) << 3  # NW, N, NE, NEE in bits 0..3
                hits = (eW == 0) | above << 1 | (eWW == 0) << 5
            if Variant is Biased:
                nib = <const uint64_t *>(bs + BC_CELL_WORDS)
                eq = oc_eq13_nibbles(nib[0], nib[1], P, W, WW, bs[BC_CELL_NE])
            else:
                eq = oc_eq13(oc_window(r1 + col, r2 + col), P, W, WW, N, NE, NW, r1[col + 2])
            if Variant is Neighbour:
                f.wn_at = f.wn + (W << 4 | N) * WN_STRIDE
            x = _pixel(way, model, c, f, x, P, W, N, NW, NE, WW, r2[col], eq, en, hits, oc)
            if Variant is Neighbour:  # the (W, N) table learns x, every pixel
                u = f.wn_counts[W << 4 | N]
                f.wn_counts[W << 4 | N] = <uint8_t>(u + (u < f.count_max))
                st_learn(<uint16_t *>f.wn_at + 8, x, TABLE_K, f.rate[u])
            r0[col] = <uint8_t>x
            if not (Variant is Weighted or Variant is Averaged or Variant is Neighbour or Variant is Biased) or want_hits:
                # (levels 11, 13, 16, 20: for the hits only)
                e = x - P if x > P else P - x
                eWW = eW
                eW = e if e < 15 else 15
                e0[col] = <uint8_t>eW
            if Variant is Weighted or Variant is Averaged or Variant is Neighbour or Variant is Biased:
                x8 = x * 8
                if Variant is Biased:  # (level 13's error T: the correction does not feed the sub-predictions)
                    tW = pr - x8
                    w8 = x8  # (8 W of the next pixel)
                    bs += BC_CELL  # (the next pixel's cell)
                    b0[col] = <int16_t>tW
                    bc_last = bc
                    e_last = tW
                else:
                    tW = pf - x8
                aW = (tW ^ (tW >> 31)) - (tW >> 31)  # |tW| without a branch (its sign is the picture's)
                if not (Variant is Biased):  # (level 20's errors are b0's, which the row's pass reads)
                    c0[col].t = tW
                    c0[col].a = aW
            if Variant is Weighted:
                sWW = sW
                sW = wp_err4(p0 - x8) | wp_err4(p1 - x8) << 16 | wp_err4(p2 - x8) << 32 | wp_err4(p3 - x8) << 48
                c0[col].s = sW
            WW = W
            W = x
            if Direction is Decoding:
                srow[col] = <uint8_t>x
        ring_row_end(r0, w)
        if Direction is Decoding:
            if c.failed:
                return -1
    return 0


cdef inline int _strip(RangeCoder *c, bint decoding, uint8_t *sym, int h, int w, int n, uint8_t *rows,
                       const void *params) noexcept nogil:
    """Levels 5, 8, 9, 11, 13, 16 and 20's RangeStripArg (``_range_coder.pxd``, ``params`` an Ord5Params): a fresh
    model, then the rows. Inline: each of its two callers gets its own copy of the kernel,
    ``decoding`` a constant."""
    cdef Ord5 f
    cdef int status = -1
    if ord5_alloc(&f, n, w, <const Ord5Params *>params) == 0:
        if f.q.weighted == 4:
            status = (_rows(<Decoding *>NULL, <Biased *>NULL, c, &f, sym, h, w, rows) if decoding
                      else _rows(<Encoding *>NULL, <Biased *>NULL, c, &f, sym, h, w, rows))
        elif f.q.weighted == 3:
            status = (_rows(<Decoding *>NULL, <Neighbour *>NULL, c, &f, sym, h, w, rows) if decoding
                      else _rows(<Encoding *>NULL, <Neighbour *>NULL, c, &f, sym, h, w, rows))
        elif f.q.weighted == 2:
            status = (_rows(<Decoding *>NULL, <Averaged *>NULL, c, &f, sym, h, w, rows) if decoding
                      else _rows(<Encoding *>NULL, <Averaged *>NULL, c, &f, sym, h, w, rows))
        elif f.q.weighted:
            status = (_rows(<Decoding *>NULL, <Weighted *>NULL, c, &f, sym, h, w, rows) if decoding
                      else _rows(<Encoding *>NULL, <Weighted *>NULL, c, &f, sym, h, w, rows))
        elif f.q.exact:
            status = (_rows(<Decoding *>NULL, <Exact *>NULL, c, &f, sym, h, w, rows) if decoding
                      else _rows(<Encoding *>NULL, <Exact *>NULL, c, &f, sym, h, w, rows))
        else:
            status = (_rows(<Decoding *>NULL, <Plain *>NULL, c, &f, sym, h, w, rows) if decoding
                      else _rows(<Encoding *>NULL, <Plain *>NULL, c, &f, sym, h, w, rows))
        status = -2 if status != 0 else 0
    ord5_free(&f)
    return status


cdef int ordered5_encode(const uint8_t *sym, int h, int w, int n, const Ord5Params *params, uint8_t **out,
                         Py_ssize_t *size) noexcept nogil:
    return rc_encode_strip_arg(_strip, params, sym, h, w, n, out, size)


cdef int ordered5_decode(const uint8_t *stream, Py_ssize_t size, uint8_t *sym, int h, int w, int n,
                         const Ord5Params *params) noexcept nogil:
    return rc_decode_strip_arg(_strip, params, stream, size, sym, h, w, n)


def _contexts(int P, int W, int WW, int N, int NW, int NE, int NN, int NNE, int NEE, int NWW, int NNW,
              int beyond=0):
    """(eq13, dd, d6, k) of a pixel's neighbours (each 0..15) around P (0..15), computed as the
    kernel does (``_ordered_contexts.pxd``), for the tests; ``beyond`` (0..255) is the byte of
    the row two above after NNE, which the window reads and must not matter."""
    cdef uint8_t r1[8]
    cdef uint8_t r2[8]
    cdef int dd
    for v in (P, W, WW, N, NW, NE, NN, NNE, NEE, NWW, NNW):
        if not 0 <= v <= 15:
            raise ValueError(f"a neighbour or P of {v} is outside 0..15")
    r1[:] = [NWW, NW, N, NE, NEE, 0, 0, 0]
    r2[:] = [0, NNW, NN, NNE, beyond, 0, 0, 0]
    dd = oc_dd_of(P, W, N, NE, NW)
    return (oc_eq13(oc_window(r1 + 2, r2 + 2), P, W, WW, N, NE, NW, NEE), dd, oc_d6_of(P, W, N, NE, NW, NN, WW),
            oc_k_of(dd, P, NN, WW))


def _eq13_along(const uint8_t[::1] above not None, const uint8_t[::1] above2 not None, P, W, WW):
    """eq13 of each pixel of a row of w pixels (a list) as level 20's loop computes it
    (``oc_nib_row``, ``oc_eq13_nibbles``: its bits in level 20's order; N ==
    NE as the row's pass writes it, ``bc_row_contexts``), for the tests: ``above`` and
    ``above2`` the two rows above with their padding (w + 4 bytes: 2 before, 2 after), ``P``,
    ``W`` and ``WW`` each pixel's (w values each); every value in 0..15."""
    cdef Py_ssize_t w = above.shape[0] - 4
    cdef Py_ssize_t col
    cdef uint8_t *r1
    cdef const uint8_t *r2
    if w < 1 or above2.shape[0] != w + 4 or not len(P) == len(W) == len(WW) == w:
        raise ValueError(f"rows of {above.shape[0]} and {above2.shape[0]} values and {len(P)}, {len(W)}, "
                         f"{len(WW)} pixels do not make one row (w + 4, w + 4, w, w, w)")
    for v in list(above) + list(above2) + list(P) + list(W) + list(WW):
        if not 0 <= v <= 15:
            raise ValueError(f"a value of {v} is outside 0..15")
    # (the row above as the kernel's: oc_nib_next reads one byte after its padding, r1[w + 2],
    # at the last pixel, for a pixel after the row)
    cdef uint8_t *padded = <uint8_t *>malloc(w + 5)
    cdef uint64_t *words = <uint64_t *>malloc(2 * w * sizeof(uint64_t))
    if padded == NULL or words == NULL:
        free(padded)
        free(words)
        raise MemoryError()
    try:
        for col in range(w + 4):
            padded[col] = above[col]
        padded[w + 4] = 0
        r1 = padded + 2
        r2 = &above2[2]
        oc_nib_row(<int>w, r1, r2, words, 2)
        return [oc_eq13_nibbles(words[2 * col], words[2 * col + 1], P[col], W[col], WW[col],
                                (r1[col] == r1[col + 1]) << 10) for col in range(w)]
    finally:
        free(padded)
        free(words)


def _row_contexts(const uint8_t[::1] above not None, const uint8_t[::1] above2 not None,
                  const int16_t[::1] errors not None, bint terms=False):
    """Level 20's contexts of a row of w pixels (a list), computed as the kernel does
    (``_bias_cancellation.pxd``), for the tests: ``above`` and ``above2`` are the two rows above
    with their padding (w + 4 bytes: 2 before, 2 after; ``above2`` uses 1 before and 1 after),
    ``errors`` the row above's errors T (w + 2: 1 before, 1 after), each in -120..120. With
    ``terms``, eight lists: the contexts, then the row pass's terms of level 13's prediction
    (T_N + T_NE, T_N + T_NW, 8 NE + p3 + 2, |T_NW| + |T_N| + |T_NE|, 8 min(N, NE), 8 max(N, NE))
    and of eq13 ((N == NE) << 10)."""
    cdef Py_ssize_t w = above.shape[0] - 4
    cdef Py_ssize_t i, j
    cdef int16_t *cells
    if w < 1 or above2.shape[0] != w + 4 or errors.shape[0] != w + 2:
        raise ValueError(f"rows of {above.shape[0]}, {above2.shape[0]} and {errors.shape[0]} values do not "
                         "frame one row (w + 4, w + 4, w + 2)")
    for i in range(w + 4):
        if above[i] > 15 or above2[i] > 15:
            raise ValueError("a neighbour outside 0..15")
    for i in range(w + 2):
        if not -120 <= errors[i] <= 120:
            raise ValueError(f"an error T of {errors[i]} is outside -120..120")
    cells = <int16_t *>malloc(BC_CELL * (w + 8) * sizeof(int16_t))
    if cells == NULL:
        raise MemoryError()
    try:
        bc_row_contexts(<int>w, &above[2], &above2[2], &errors[1], cells, BC_CELL)
        contexts = [<uint16_t>cells[BC_CELL * i + BC_CELL_CONTEXT] for i in range(w)]
        if not terms:
            return contexts
        return (contexts,) + tuple([cells[BC_CELL * i + j] for i in range(w)] for j in range(BC_CELL_CONTEXT))
    finally:
        free(cells)
