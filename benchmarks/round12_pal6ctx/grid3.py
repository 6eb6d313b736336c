"""grid3.py DIR TAG: per case, oracle over the third tables' mode and the weights (coordinate search)."""
import sys, json
src = sys.argv[1]; sys.path.insert(0, src)
from unittest import mock
import numpy as np, vqpress
from vqpress.coding import cm, choice, _cm_palette6 as k6
cases = dict(np.load("/tmp/p6/cases.npz"))
eff = cm.DEFAULT_EFFORT
ordered, _, bits, both, strip = choice.EFFORT_SETTINGS[eff]
W = [(a, b, 16 - a - b) for a in range(0, 17, 2) for b in range(0, 17 - a, 2) if 16 - a - b >= 0]
W = [w for w in W if max(w) < 16]
D = (8, 4, 4)
def size(k, m, h, l):
    k6.set_pt(m); k6.set_weights(h, l)
    n = int(k.rsplit("_", 1)[1])
    return len(cm.encode(cases[k], n, ordered=False, effort=eff))
res = {}
with mock.patch.dict(choice.EFFORT_SETTINGS, {eff: (ordered, 6, bits, both, strip)}), mock.patch.object(choice, "_RAMP_STEP", 0.0), mock.patch.object(choice, "_FEW_COLOURS", {}), vqpress.thread_limit(1):
    for k in cases:
        base = size(k, 0, D, D)
        modes = {m: size(k, m, D, D) for m in range(4)}
        best = None
        for m in range(4):
            bh = min(W, key=lambda w: size(k, m, w, D))
            bl = min(W, key=lambda w: size(k, m, bh, w))
            bh = min(W, key=lambda w: size(k, m, w, bl))
            s = size(k, m, bh, bl)
            if best is None or s < best[0]:
                best = (s, m, bh, bl)
        res[k] = (base, modes, best)
        print(k, base, " ".join(f"m{m}:{v/base:.4f}" for m, v in modes.items()), "best", best[0], f"{best[0]/base:.4f}", best[1:], flush=True)
json.dump(res, open("/tmp/p6/grid3_" + sys.argv[2] + ".json", "w"))
