"""sizes.py DIR...: level-6-forced payload bytes of every case (checked to decode back), one line a build."""
import sys, subprocess, os, json
WORKER = r'''
import sys, json, hashlib
src, path = sys.argv[1], sys.argv[2]
sys.path.insert(0, src)
from unittest import mock
import numpy as np, vqpress
from vqpress.coding import cm, choice
assert cm.__file__.startswith(src), cm.__file__
cases = dict(np.load(path))
eff = cm.DEFAULT_EFFORT
ordered, _, bits, both, strip = choice.EFFORT_SETTINGS[eff]
out = {}
with mock.patch.dict(choice.EFFORT_SETTINGS, {eff: (ordered, 6, bits, both, strip)}), mock.patch.object(choice, "_RAMP_STEP", 0.0), mock.patch.object(choice, "_FEW_COLOURS", {}), vqpress.thread_limit(1):
    for k, codes in cases.items():
        n = int(k.rsplit("_", 1)[1])
        d = cm.encode(codes, n, ordered=False, effort=eff)
        assert cm.describe(d)["level"] == 6
        if "--nocheck" not in sys.argv:
            assert np.array_equal(cm.decode(d, codes.shape, n), codes), k
        out[k] = len(d)
print(json.dumps(out))
'''
dirs = sys.argv[1:]
env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH="")
res = {}
for d in dirs:
    r = subprocess.run([sys.executable, "-c", WORKER, os.path.abspath(d), "/tmp/p6/cases.npz"], capture_output=True, text=True, env=env)
    if r.returncode:
        print(d, "FAILED", r.stderr[-2000:]); continue
    res[os.path.basename(d)] = json.loads(r.stdout)
    with open("/tmp/p6/sizes.jsonl", "a") as fh:
        fh.write(json.dumps({os.path.basename(d): res[os.path.basename(d)]}) + "\n")
