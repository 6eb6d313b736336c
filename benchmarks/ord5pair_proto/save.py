import sys, math, pickle
sys.path.insert(0, 'benchmarks')
import numpy as np
from vqpress.coding import cm, scan as scans
from bench_entropy import cases
out = {}
for name, c in cases(False):
    if c.codebook.channels != 0: continue
    codes = c.codes(); codes = codes.reshape(-1, codes.shape[-1]); n = c.codebook.n_colors
    d1 = cm.encode(codes, n, ordered=True, effort=2, compact=True)
    s = cm.describe(d1)['scan']
    ch = scans.orient(codes, s, None).shape[0] if s else codes.shape[0]
    d2 = cm.encode(codes, n, ordered=True, effort=2, compact=True, scan=s, strip_rows=math.ceil(ch / 2))
    out[name] = (codes, n, s, ch, d1, d2)
    print(name, cm.describe(d1)['level'], s, len(d1), len(d2))
pickle.dump(out, open('/tmp/ord5pair/cases.pkl', 'wb'))
