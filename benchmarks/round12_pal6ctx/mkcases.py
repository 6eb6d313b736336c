import sys, numpy as np
sys.path.insert(0, "/work/wt/pal6ctx/benchmarks")
from bench_entropy import cases
out = {}
for name, c in cases(False, kinds=("rgb",), more=True):
    n = c.codebook.n_colors
    if n in (64, 256):
        codes = c.codes()
        out[name.replace(" ", "_").replace("+", "X")] = codes.reshape(-1, codes.shape[-1])
        print(name, codes.shape, flush=True)
np.savez("/tmp/p6/cases.npz", **out)
