"""Gate for round 11 (lanes13): one-part (main's kernel, mode 0), the lane kernel with one part (mode 1)
and two parts (mode 2), same build; interleaved, medians of CPU time."""
import sys, time, statistics, os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, "/work/wt/lanes13/benchmarks")
import numpy as np
from vqpress.coding import cm, _cm_ordered5 as k
from bench_builds import gray_cases

want = set(sys.argv[1].split(",")) if len(sys.argv) > 1 and sys.argv[1] else {"face gray 16", "face rgb 16", "face gray 8", "coffee gray 8"}
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 9
levels = [int(v) for v in sys.argv[3].split(",")] if len(sys.argv) > 3 else [13, 11]
modes = [int(v) for v in sys.argv[4].split(",")] if len(sys.argv) > 4 else [0, 1, 2]
HEAD = cm._HEAD
for name, codes, n in gray_cases():
    if name not in want:
        continue
    data = cm.encode(codes, n, ordered=True) if "gray" in name else cm.encode(codes, n, ordered=False)
    d = cm.describe(data)
    order = np.frombuffer(data, np.uint8, count=n, offset=HEAD.size)
    params = tuple(data[HEAD.size + n: HEAD.size + n + 5]) if d["level"] in (8, 11, 13) else (0, 0, 20, 6, 0)
    rank = np.empty(n, np.uint8); rank[order] = np.arange(n)
    sym = np.ascontiguousarray(rank[codes])
    h, w = sym.shape
    for level in levels:
        weighted = 2 if level == 13 else 1
        st = {m: k._proto_encode(sym, n, params, weighted, m) for m in modes}
        for m in modes:
            assert np.array_equal(k._proto_decode(st[m], h, w, n, params, weighted, m), sym)
        size = {m: sum(map(len, st[m])) + (4 if m >= 2 else 0) - (4 if m == 1 else 0) for m in modes}
        if 1 in modes:
            assert st[1][0] == st[0][0], "lane kernel with one part differs from main's"
        t = {(m, wh): [] for m in modes for wh in ("enc", "dec")}
        for r in range(runs):
            for m in (modes if r % 2 == 0 else modes[::-1]):
                t0 = time.process_time(); k._proto_encode(sym, n, params, weighted, m); t[m, "enc"].append(time.process_time() - t0)
                t0 = time.process_time(); k._proto_decode(st[m], h, w, n, params, weighted, m); t[m, "dec"].append(time.process_time() - t0)
        md = {kk: statistics.median(v) for kk, v in t.items()}
        mp = h * w / 1e6
        line = f"{name:14s} L{level} (main: L{d['level']} {params})"
        for m in modes:
            line += (f" | m{m} {size[m]} B ({size[m] / size[modes[0]]:.4f}x) enc {mp / md[m, 'enc']:.1f} dec {mp / md[m, 'dec']:.1f}"
                     f" (x{md[modes[0], 'enc'] / md[m, 'enc']:.3f} / x{md[modes[0], 'dec'] / md[m, 'dec']:.3f})")
        print(line, flush=True)
