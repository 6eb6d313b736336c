import sys, os, time
src = sys.argv[1]; sys.path.insert(0, src)
import numpy as np
from vqpress.coding import cm
assert cm.__file__.startswith(src), cm.__file__
cases = dict(np.load("/tmp/pal6mru/cases.npz"))
for name, codes in cases.items():
    n = int(name.rsplit("_", 1)[1])
    d = cm.encode(codes, n, ordered=False, effort=2)
    lv = cm.describe(d)["level"]
    back = cm.decode(d, codes.shape, n)
    assert np.array_equal(back, codes), name
    print(name, lv, len(d), flush=True)
