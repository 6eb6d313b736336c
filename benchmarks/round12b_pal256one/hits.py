import sys; sys.path.insert(0, "/work/main/benchmarks"); sys.path.insert(0, "/work/main/src")
import numpy as np
from bench_palette_level3 import palette_cases
for name, codes, n in palette_cases(False, {256}):
    x = codes.astype(np.int32); p = np.pad(x, ((1, 0), (1, 1)), constant_values=0)
    X = x; W = p[1:, :-2]; N = p[:-1, 1:-1]; NE = p[:-1, 2:]; NW = p[:-1, :-2]
    un = (X != W) & (X != N) & (X != NE) & (X != NW)
    h = X >> 4
    hw = (h == W >> 4)[un].mean(); hn = (h == N >> 4)[un].mean(); hne = (h == NE >> 4)[un].mean()
    any3 = ((h == W >> 4) | (h == N >> 4) | (h == NE >> 4))[un].mean()
    any2 = ((h == W >> 4) | (h == N >> 4))[un].mean()
    print(f"{name}: unpredicted {un.mean():.3f}; h==W>>4 {hw:.3f}, N {hn:.3f}, NE {hne:.3f}, W|N {any2:.3f}, W|N|NE {any3:.3f}")
