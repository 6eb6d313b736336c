import sys, os
os.environ["OPENBLAS_NUM_THREADS"] = "1"
src = sys.argv[1]; sys.path.insert(0, src)
import numpy as np, vqpress
from vqpress.coding import cm
name = sys.argv[2]
codes = np.load("/tmp/pal6mru/cases.npz")[name]
n = int(name.rsplit("_", 1)[1])
path = f"{src}/{name}.bin"
if sys.argv[3] == "enc":
    open(path, "wb").write(cm.encode(codes, n, ordered=False, effort=2))
else:
    d = open(path, "rb").read()
    with vqpress.thread_limit(1):
        assert np.array_equal(cm.decode(d, codes.shape, n), codes)
