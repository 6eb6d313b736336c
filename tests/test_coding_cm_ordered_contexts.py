"""The contexts of the ordered levels 5-13 as their kernel computes them (``_ordered_contexts.pxd``:
tables and one 64-bit word of neighbours instead of a compare or a clip per neighbour) against
docs/FORMAT.md's formulas, as the reference decoders write them (``cm_reference_level4``)."""

import itertools

import numpy as np
from hypothesis import given, settings, strategies as st

from vqpress.coding._cm_ordered5 import _contexts

from cm_reference import clip
from cm_reference_level4 import predicted_neighbours

NAMES = ("W", "WW", "N", "NW", "NE", "NN", "NNE", "NEE", "NWW", "NNW")


def expected(P, nb):
    """(eq13, dd, d6, k) by the formulas of docs/FORMAT.md, "Level 5"."""
    at = {(0, -1): nb["W"], (0, -2): nb["WW"], (-1, 0): nb["N"], (-1, -1): nb["NW"], (-1, 1): nb["NE"],
          (-1, 2): nb["NEE"], (-1, -2): nb["NWW"], (-2, 0): nb["NN"], (-2, 1): nb["NNE"], (-2, -1): nb["NNW"]}
    W, WW, N, NW, NE, NN, _, _, eq, dd = predicted_neighbours(lambda r, c: at[r, c], 0, 0, P)
    d6 = (((((clip(W - P, 1) + 1) * 3 + clip(N - P, 1) + 1) * 3 + clip(NE - P, 1) + 1) * 3
           + clip(NW - P, 1) + 1) * 3 + clip(NN - P, 1) + 1) * 3 + clip(WW - P, 1) + 1
    k = dd * 9 + (clip(NN - P, 1) + 1) * 3 + clip(WW - P, 1) + 1
    return eq, dd, d6, k


def kernel(P, nb, beyond=0):
    return _contexts(P, *(nb[name] for name in NAMES), beyond=beyond)


@settings(max_examples=3000, deadline=None)
@given(st.integers(0, 15), st.lists(st.integers(0, 15), min_size=10, max_size=10), st.integers(0, 255))
def test_contexts_are_the_formulas(P, values, beyond):
    nb = dict(zip(NAMES, values))
    assert kernel(P, nb, beyond) == expected(P, nb)


def test_every_table_entry_and_every_equality():
    # each neighbour in turn takes every value against every P, the others random: every entry
    # of the clip tables and every bit of eq13 (answers yes and no) is read
    rng = np.random.default_rng(16)
    for name, P, v in itertools.product(NAMES, range(16), range(16)):
        nb = dict(zip(NAMES, (int(x) for x in rng.integers(0, 16, len(NAMES)))))
        nb[name] = v
        assert kernel(P, nb, int(rng.integers(0, 256))) == expected(P, nb), (name, P, v)


def test_a_flat_neighbourhood_and_the_extremes():
    flat = dict.fromkeys(NAMES, 7)
    assert kernel(7, flat) == (0x1FFF, 312, 364, 312 * 9 + 4)
    assert kernel(0, dict.fromkeys(NAMES, 15)) == expected(0, dict.fromkeys(NAMES, 15))
    assert kernel(15, dict.fromkeys(NAMES, 0), beyond=15) == expected(15, dict.fromkeys(NAMES, 0))
