"""Decode times from the saved payloads: 1 strip, 2 strips one by one, 2 strips paired; one thread,
interleaved, CPU time, best of 3 per run, medians over runs."""
import sys, time, statistics, pickle
import numpy as np, vqpress
from vqpress.coding import cm, _cm
runs = int(sys.argv[1]); only = sys.argv[2].split(',') if len(sys.argv) > 2 and sys.argv[2] else None
enc = '--enc' in sys.argv
cases = pickle.load(open('/tmp/ord5pair/cases.pkl', 'rb'))
def t(f, k=3):
    best = 1e9
    for _ in range(k):
        t0 = time.process_time(); f(); best = min(best, time.process_time() - t0)
    return best
for name, (codes, n, s, ch, d1, d2) in cases.items():
    if only and name not in only: continue
    px = codes.size / 1e6
    rows2 = -(-ch // 2)
    with vqpress.thread_limit(1):
        for mode in (False, True):
            _cm._use_pairs(mode)
            assert np.array_equal(cm.decode(d2, codes.shape, n), codes)
            if enc: assert cm.encode(codes, n, ordered=True, effort=2, compact=True, scan=s, strip_rows=rows2) == d2
        r = {'one': [], 'seq': [], 'pair': []}
        for i in range(runs):
            for key in (['one', 'seq', 'pair'] if i % 2 == 0 else ['pair', 'seq', 'one']):
                _cm._use_pairs(key == 'pair')
                if enc:
                    r[key].append(t(lambda: cm.encode(codes, n, ordered=True, effort=2, compact=True, scan=s,
                                                      strip_rows=(None if key == 'one' else rows2))))
                else:
                    d = d1 if key == 'one' else d2
                    r[key].append(t(lambda: cm.decode(d, codes.shape, n)))
        _cm._use_pairs(True)
    m = {k: statistics.median(v) for k, v in r.items()}
    pr = statistics.median([a / b for a, b in zip(r['seq'], r['pair'])])
    pr1 = statistics.median([a / b for a, b in zip(r['one'], r['pair'])])
    print(f"{name}: level {cm.describe(d1)['level']} scan {s}; bytes {len(d1)} -> {len(d2)} ({len(d2)/len(d1)-1:+.2%}); "
          f"{'enc' if enc else 'dec'} MPix/s: 1 strip {px/m['one']:.1f}, 2 one by one {px/m['seq']:.1f}, "
          f"2 paired {px/m['pair']:.1f}; paired / one by one {pr:.3f}, paired / 1 strip {pr1:.3f}", flush=True)
