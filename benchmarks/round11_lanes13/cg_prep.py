import sys, pickle
sys.path.insert(0, "/work/wt/lanes13/benchmarks")
import numpy as np
from vqpress.coding import cm, _cm_ordered5 as k
from bench_builds import gray_cases
for name, codes, n in gray_cases(True):
    if name != "face gray 16":
        continue
    data = cm.encode(codes, n, ordered=True)
    order = np.frombuffer(data, np.uint8, count=n, offset=cm._HEAD.size)
    params = tuple(data[cm._HEAD.size + n: cm._HEAD.size + n + 5])
    rank = np.empty(n, np.uint8); rank[order] = np.arange(n)
    sym = np.ascontiguousarray(rank[codes])
    st = {m: k._proto_encode(sym, n, params, 2, m) for m in (0, 1, 2, 3)}
    pickle.dump((sym, n, params, st), open("/tmp/l13_cg.pkl", "wb"))
