import sys, time
src = sys.argv[1]; sys.path.insert(0, src)
sys.path.insert(1, "/work/main/benchmarks")
from unittest import mock
import numpy as np, vqpress
from vqpress.coding import cm, choice, _cm_palette6
from bench_palette_level3 import palette_cases
codes = next(c for name, c, n in palette_cases(False, {256}) if name.startswith("face"))
eff = cm.DEFAULT_EFFORT
ordered, _, bits, both, strip = choice.EFFORT_SETTINGS[eff]
orc = getattr(_cm_palette6, "oracle_reset", None)
with mock.patch.dict(choice.EFFORT_SETTINGS, {eff: (ordered, 6, bits, both, strip)}), mock.patch.object(choice, "_RAMP_STEP", 0.0), mock.patch.object(choice, "_FEW_COLOURS", {}), vqpress.thread_limit(1):
    if orc: orc()
    data = cm.encode(codes, 256, ordered=False, effort=eff)
    if sys.argv[2] == "dec":
        for i in range(30):
            if orc: orc()
            back = cm.decode(data, codes.shape, 256)
        assert np.array_equal(back, codes)
