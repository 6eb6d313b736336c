"""bench.py RUNS DIR... : level 21 forced on the 256-colour maps (choice.JOINT_UNPREDICTED_SHARE = 0), exact sizes,
every payload decoded back, interleaved CPU-time medians (order rotated and reversed every run); ratios vs the first DIR."""
import os, sys, subprocess, statistics, tempfile
import numpy as np
sys.path.insert(0, "/work/main/benchmarks")
sys.path.insert(0, "/work/main/src")
WORKER = r'''
import hashlib, os, sys, time
src, path = sys.argv[1], sys.argv[2]
sys.path.insert(0, src)
import numpy as np, vqpress
from vqpress.coding import cm, choice
assert cm.__file__.startswith(src), cm.__file__
choice.JOINT_UNPREDICTED_SHARE = 0.0
cases = dict(np.load(path))
eff = cm.DEFAULT_EFFORT
from vqpress.coding import _cm, _cm_palette21_v3
assert _cm._use_v3(True) and _cm_palette21_v3.__file__.startswith(src), "v3 build not in use"
n_of = {k: int(k.rsplit("_", 1)[1]) for k in cases}
def enc(k):
    return cm.encode(cases[k], n_of[k], ordered=False, effort=eff)
with vqpress.thread_limit(1):
    data = {k: enc(k) for k in cases}
    for k in sorted(data):
        assert cm.describe(data[k])["level"] == 21, (k, cm.describe(data[k]))
        assert np.array_equal(cm.decode(data[k], cases[k].shape, n_of[k]), cases[k]), k
    print(" ".join(f"{k}={len(data[k])}:{hashlib.sha256(data[k]).hexdigest()[:12]}" for k in sorted(data)), flush=True)
    for line in sys.stdin:
        what, k = line.split()
        t0 = time.process_time()
        if what == "enc":
            ok = enc(k) == data[k]
        else:
            ok = np.array_equal(cm.decode(data[k], cases[k].shape, n_of[k]), cases[k])
        t = time.process_time() - t0
        print(t if ok else "wrong", flush=True)
'''
def main():
    runs, dirs = int(sys.argv[1]), sys.argv[2:]
    from bench_palette_level3 import palette_cases
    cases = {name.replace(" ", "_"): codes for name, codes, _ in palette_cases(False, {256})}
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "cases.npz"); np.savez(path, **cases)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH="")
    W = []
    for d in dirs:
        p = subprocess.Popen([sys.executable, "-c", WORKER, os.path.abspath(d), path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        line = p.stdout.readline()
        if not line.strip():
            sys.exit(f"worker {d} failed")
        info = dict((kv.split("=")[0], kv.split("=")[1]) for kv in line.split())
        W.append((d, p, {k: (int(v.split(":")[0]), v.split(":")[1]) for k, v in info.items()}))
    def ask(p, what, k):
        p.stdin.write(f"{what} {k}\n"); p.stdin.flush(); a = p.stdout.readline().strip()
        assert a != "wrong", (what, k); return float(a)
    os.system("date; uptime")
    ref = W[0][2]
    for k in cases:
        print(f"size {k}: " + "  ".join(f"{os.path.basename(d)} {info[k][0]} ({info[k][0]/ref[k][0]:.4f}){' same' if info[k][1]==ref[k][1] else ''} [{info[k][1][:8]}]" for d, _, info in W))
    for k, codes in cases.items():
        T = {(i, w): [] for i in range(len(W)) for w in ("enc", "dec")}
        for r in range(runs):
            order = list(range(len(W)))
            order = order[r % len(W):] + order[:r % len(W)]
            if r % 2: order.reverse()
            for what in ("enc", "dec"):
                for i in order:
                    T[i, what].append(ask(W[i][1], what, k))
        mp = codes.size / 1e6
        med = {key: statistics.median(v) for key, v in T.items()}
        print(f"speed {k} ({mp:.3f} MPix): " + "  ".join(
            f"{os.path.basename(W[i][0])} enc {mp/med[i,'enc']:.1f} ({med[0,'enc']/med[i,'enc']:.3f}) dec {mp/med[i,'dec']:.1f} ({med[0,'dec']/med[i,'dec']:.3f})" for i in range(len(W))), flush=True)
    os.system("date; uptime")
main()
