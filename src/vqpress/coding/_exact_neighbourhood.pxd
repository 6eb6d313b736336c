# Level 9's model of the exact neighbourhood (docs/FORMAT.md, "Level 9"), which
# ``_cm_ordered5.pyx`` adds to level 5's where a map has at most 4 levels: the values of W, N,
# NW, NE, WW and NN then fit in 12 bits, the key xk, few enough to be a context whole. By xk
# (and the error class) a fourth x == P counter and a fourth residual table; two
# interpolated adaptive probability maps (APMs) correct the averaged probability of x == P,
# one by xk & 255 and the error class, one by the equality pattern. Here: the key, the APMs
# (their start, their probability between two nodes, their learning) and the average of the
# four residual tables, whose weights change once the exact one has learned. Inline: the
# kernel's level 9 copies compile their own.

from libc.stdint cimport uint16_t
from libc.string cimport memcpy

from vqpress.coding._cm_common cimport _clip, cm_squash
from vqpress.coding._symbol_tables cimport st_average2


cdef enum:
    EXACT = 4096                # exact neighbourhoods: the fourth residual tables (after level 5's)
    X_COUNTERS = EXACT * 8      # the fourth x == P counter: by xk and the error class
    APM_NODES = 33              # an APM context's probabilities at stretch -2048, -1920 .. 2048
    APM1 = 256 * 8              # the first APM's contexts: xk & 255 and the error class
    APM2 = 8192                 # the second's: eq13
    APM_RATE = 7                # an APM node moves 1 / 2^7 of the way to the bit
    X_TRUST = 12                # updates after which the exact residual table weighs half


cdef inline int ex_key(int W, int N, int NW, int NE, int WW, int NN) noexcept nogil:
    """xk = W | N << 2 | NW << 4 | NE << 6 | WW << 8 | NN << 10 (each value below 4)."""
    return W | N << 2 | NW << 4 | NE << 6 | WW << 8 | NN << 10


cdef inline void ex_apm_fill(uint16_t *apm, Py_ssize_t count) noexcept nogil:
    """count fresh APM contexts, all alike: node j holds squash((j - 16) * 128) x 16 (the
    identity map)."""
    cdef Py_ssize_t done = 1, step
    cdef int j
    for j in range(APM_NODES):
        apm[j] = <uint16_t>(cm_squash[_clip((j - 16) * 128, 2047) + 2047] * 16)
    while done < count:
        step = done if done < count - done else count - done
        memcpy(apm + done * APM_NODES, apm, step * APM_NODES * sizeof(uint16_t))
        done += step


cdef inline int ex_apm_node(const uint16_t *ap, int j, int wt) noexcept nogil:
    """An APM context's probability (12 bits) between nodes j and j + 1, wt / 128 of the way."""
    return (ap[j] * (128 - wt) + ap[j + 1] * wt) >> 11


cdef inline void ex_apm_learn(uint16_t *ap, int bit) noexcept nogil:
    ap[0] = <uint16_t>(ap[0] + ((((bit << 16) - bit) - ap[0]) >> APM_RATE))


cdef inline void ex_average4(uint16_t *t, const uint16_t *ta, const uint16_t *tb, const uint16_t *tc,
                             const uint16_t *tx, bint trusted) noexcept nogil:
    """t = the average of tables ta, tb, tc and the exact neighbourhood's tx, by pairs:
    ((ta + tb) / 2 + (tc + tx) / 2) / 2 while tx is not trusted (it has learned fewer than
    X_TRUST symbols), then (tx + (tc + (ta + tb) / 2) / 2) / 2 (tx weighs half)."""
    cdef uint16_t t1[16]
    cdef uint16_t t2[16]
    st_average2(t1, ta, tb)
    if trusted:
        st_average2(t2, tc, t1)
        st_average2(t, tx, t2)
    else:
        st_average2(t2, tc, tx)
        st_average2(t, t1, t2)
