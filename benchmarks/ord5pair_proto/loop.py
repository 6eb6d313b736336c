import sys, math, time
sys.path.insert(0, 'benchmarks')
import numpy as np, vqpress
from vqpress.coding import cm, _cm, scan as scans
from bench_entropy import cases
want = sys.argv[1]; mode = sys.argv[2]; secs = float(sys.argv[3])
for name, c in cases(True):
    if name == want:
        codes = c.codes(); codes = codes.reshape(-1, codes.shape[-1]); n = c.codebook.n_colors
d1 = cm.encode(codes, n, ordered=True, effort=2, compact=True)
s = cm.describe(d1)['scan']
ch = scans.orient(codes, s, None).shape[0] if s else codes.shape[0]
d2 = cm.encode(codes, n, ordered=True, effort=2, compact=True, scan=s, strip_rows=math.ceil(ch / 2))
_cm._use_pairs(mode == 'pair')
d = d1 if mode == 'one' else d2
t0 = time.time(); k = 0
with vqpress.thread_limit(1):
    while time.time() - t0 < secs:
        cm.decode(d, codes.shape, n); k += 1
print(k, 'decodes')
