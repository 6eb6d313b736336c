import sys, numpy as np
sys.path.insert(0, "/work/wt/pal6mru/benchmarks")
from bench_palette_level3 import palette_cases
cases = {name.replace(" ", "_"): codes for name, codes, _ in palette_cases(False, {64, 256})}
np.savez("/tmp/pal6mru/cases.npz", **cases)
print(list(cases))
