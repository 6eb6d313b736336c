"""choose.py DIR FRACTION: a realistic chooser: candidates coded on bands of rows (1/FRACTION of the map, 2 bands), the smallest kept."""
import sys, json, statistics
src = sys.argv[1]; sys.path.insert(0, src)
frac = int(sys.argv[2])
from unittest import mock
import numpy as np, vqpress
from vqpress.coding import cm, choice, _cm_palette6 as k6
cases = dict(np.load("/tmp/p6/cases.npz"))
eff = cm.DEFAULT_EFFORT
ordered, _, bits, both, strip = choice.EFFORT_SETTINGS[eff]
CANDS = [(0, (8, 4, 4), (8, 4, 4)), (0, (6, 2, 8), (6, 2, 8)), (1, (6, 6, 4), (6, 8, 2)), (3, (10, 2, 4), (8, 4, 4)),
         (1, (4, 8, 4), (4, 8, 4)), (3, (6, 6, 4), (4, 6, 6))]
K = int(sys.argv[3]) if len(sys.argv) > 3 else len(CANDS)
CANDS = CANDS[:K]
def size(codes, n, c):
    k6.set_pt(c[0]); k6.set_weights(c[1], c[2])
    return len(cm.encode(codes, n, ordered=False, effort=eff))
out = {}
with mock.patch.dict(choice.EFFORT_SETTINGS, {eff: (ordered, 6, bits, both, strip)}), mock.patch.object(choice, "_RAMP_STEP", 0.0), mock.patch.object(choice, "_FEW_COLOURS", {}), vqpress.thread_limit(1):
    for k, codes in cases.items():
        n = int(k.rsplit("_", 1)[1])
        h = codes.shape[0]
        band = max(h // (2 * frac), 8)
        s = np.concatenate([codes[h // 4: h // 4 + band], codes[3 * h // 4: 3 * h // 4 + band]])
        ss = [size(s, n, c) for c in CANDS]
        ci = int(np.argmin(ss))
        full = [size(codes, n, c) for c in CANDS]
        base = full[0]
        out[k] = (base, full[ci], min(full))
        print(k, base, f"chosen {ci} {full[ci]/base:.4f}  best-of-cands {min(full)/base:.4f} ({int(np.argmin(full))})", flush=True)
m = [k for k in out if not k.startswith("X")]
print("gm10 chosen", statistics.geometric_mean([out[k][1] / out[k][0] for k in m]), "best-of-cands", statistics.geometric_mean([out[k][2] / out[k][0] for k in m]))
