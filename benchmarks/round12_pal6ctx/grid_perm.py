"""grid.py DIR: per case, payload bytes for weight settings (h, l) set at run time."""
import sys, json, itertools
src = sys.argv[1]; sys.path.insert(0, src)
from unittest import mock
import numpy as np, vqpress
from vqpress.coding import cm, choice, _cm_palette6 as k6
cases = dict(np.load("/tmp/p6/cases.npz"))
eff = cm.DEFAULT_EFFORT
ordered, _, bits, both, strip = choice.EFFORT_SETTINGS[eff]
W = [(8, 4, 4), (4, 8, 4), (4, 4, 8)]

def size(k, h, l):
    k6.set_weights(h, l)
    n = int(k.rsplit("_", 1)[1])
    return len(cm.encode(cases[k], n, ordered=False, effort=eff))
res = {}
with mock.patch.dict(choice.EFFORT_SETTINGS, {eff: (ordered, 6, bits, both, strip)}), mock.patch.object(choice, "_RAMP_STEP", 0.0), mock.patch.object(choice, "_FEW_COLOURS", {}), vqpress.thread_limit(1):
    for k in cases:
        base = size(k, (8, 4, 4), (8, 4, 4))
        bh = min(W, key=lambda w: size(k, w, (8, 4, 4)))
        bl = min(W, key=lambda w: size(k, bh, w))
        bh2 = min(W, key=lambda w: size(k, w, bl))
        best = size(k, bh2, bl)
        res[k] = (base, best, bh2, bl)
        print(k, base, best, f"{best/base:.4f}", bh2, bl, flush=True)
json.dump(res, open("/tmp/p6/grid_" + sys.argv[2] + ".json", "w"))
