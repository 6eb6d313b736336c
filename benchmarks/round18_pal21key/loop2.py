import sys, time
src = sys.argv[1]; reps = int(sys.argv[2])
sys.path.insert(0, src); sys.path.insert(0, "/work/main/benchmarks")
import numpy as np, vqpress
from vqpress.coding import cm, choice
choice.JOINT_UNPREDICTED_SHARE = 0.0
cases = dict(np.load("/tmp/pal21key/cases256.npz"))
names = ["chelsea_rgb_256", "coffee_rgb_256"]
with vqpress.thread_limit(1):
    data = {k: cm.encode(cases[k], 256, ordered=False, effort=cm.DEFAULT_EFFORT) for k in names}
    t = time.process_time()
    for _ in range(reps):
        for k in names:
            cm.decode(data[k], cases[k].shape, 256)
    print("loop", time.process_time() - t, file=sys.stderr)
