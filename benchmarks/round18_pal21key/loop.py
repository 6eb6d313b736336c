import sys
src = sys.argv[1]; what = sys.argv[2]; reps = int(sys.argv[3])
sys.path.insert(0, src); sys.path.insert(0, "/work/main/benchmarks")
import vqpress
from vqpress.coding import cm, choice
choice.JOINT_UNPREDICTED_SHARE = 0.0
from bench_palette_level3 import palette_cases
cases = {name: codes for name, codes, _ in palette_cases(False, {256})}
names = sys.argv[4].split(",")
with vqpress.thread_limit(1):
    data = {k: cm.encode(cases[k], 256, ordered=False, effort=cm.DEFAULT_EFFORT) for k in names}
    for _ in range(reps):
        for k in names:
            if what == "dec":
                cm.decode(data[k], cases[k].shape, 256)
            else:
                cm.encode(cases[k], 256, ordered=False, effort=cm.DEFAULT_EFFORT)
