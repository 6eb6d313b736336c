import sys
src = sys.argv[1]; sys.path.insert(0, src); sys.path.insert(1, "/work/main/benchmarks")
from unittest import mock
import numpy as np, vqpress
from vqpress.coding import cm, choice, _cm, _cm_palette6_v3
assert _cm._use_v3(True)
from bench_palette_level3 import palette_cases
name = sys.argv[3] if len(sys.argv) > 3 else "chelsea"
codes = next(c for nm, c, n in palette_cases(False, {256}) if nm.startswith(name))
eff = cm.DEFAULT_EFFORT
ordered, _, bits, both, strip = choice.EFFORT_SETTINGS[eff]
with mock.patch.dict(choice.EFFORT_SETTINGS, {eff: (ordered, 6, bits, both, strip)}), mock.patch.object(choice, "_RAMP_STEP", 0.0), mock.patch.object(choice, "_FEW_COLOURS", {}), mock.patch.object(choice, "DEFAULT_TOO", frozenset()), vqpress.thread_limit(1):
    data = cm.encode(codes, 256, ordered=False, effort=eff)
    if sys.argv[2] == "dec":
        for i in range(60):
            back = cm.decode(data, codes.shape, 256)
        assert np.array_equal(back, codes)
