"""Every ordered level 5-20 forced on the face's gray maps (8 and 16 levels; level 9: 4 levels):
decode_strips of 2 strips paired vs one by one, one thread, interleaved, CPU time medians."""
import sys, time, statistics, pickle
import numpy as np, vqpress
from vqpress.coding import _cm
from vqpress.coding._cm_ordered5 import LEVEL5_PARAMS
cases = pickle.load(open('/tmp/ord5pair/cases.pkl', 'rb'))
runs = int(sys.argv[1])
def t(f, k=3):
    best = 1e9
    for _ in range(k):
        t0 = time.process_time(); f(); best = min(best, time.process_time() - t0)
    return best
for name, levels in (("face gray 4", (9,)), ("face gray 8", (5, 8, 11, 13, 16, 20)), ("face gray 16", (5, 8, 11, 13, 16, 20))):
    codes, n = cases[name][0], cases[name][1]
    sym = np.ascontiguousarray(codes, dtype=np.uint8)
    H, W = sym.shape
    for level in levels:
        params = LEVEL5_PARAMS
        streams = _cm.encode_strips(sym, n, _cm.MODEL_ORDERED, level, 8, -(-H // 2), params)
        payload = np.frombuffer(b"".join(streams), dtype=np.uint8)
        sizes = np.array([len(s) for s in streams], dtype=np.intp)
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
        out = np.empty_like(sym)
        def dec():
            bad = _cm.decode_strips(payload, offsets, sizes, out, n, _cm.MODEL_ORDERED, level, 8, -(-H // 2), params)
            assert not bad
        def enc():
            return _cm.encode_strips(sym, n, _cm.MODEL_ORDERED, level, 8, -(-H // 2), params)
        with vqpress.thread_limit(1):
            for on in (False, True):
                _cm._use_pairs(on); dec(); assert np.array_equal(out, sym); assert enc() == streams
            res = {}
            for what, f in (("dec", dec), ("enc", enc)):
                r = {False: [], True: []}
                for i in range(runs):
                    for on in ((False, True) if i % 2 == 0 else (True, False)):
                        _cm._use_pairs(on); r[on].append(t(f))
                res[what] = (statistics.median([a / b for a, b in zip(r[False], r[True])]),
                             sym.size / 1e6 / statistics.median(r[False]), sym.size / 1e6 / statistics.median(r[True]))
            _cm._use_pairs(True)
        print(f"{name} level {level}: {sum(sizes)} bytes; dec one by one {res['dec'][1]:.1f}, paired {res['dec'][2]:.1f} MPix/s "
              f"(paired / one by one {res['dec'][0]:.3f}); enc {res['enc'][1]:.1f}, {res['enc'][2]:.1f} ({res['enc'][0]:.3f})", flush=True)
