import sys, hashlib
src = sys.argv[1]; sys.path.insert(0, src); sys.path.insert(1, "/work/main/benchmarks")
from unittest import mock
import numpy as np, vqpress
from vqpress.coding import cm, choice, _cm
from bench_palette_level3 import palette_cases
eff = cm.DEFAULT_EFFORT
ordered, _, bits, both, strip = choice.EFFORT_SETTINGS[eff]
out = {}
with mock.patch.dict(choice.EFFORT_SETTINGS, {eff: (ordered, 6, bits, both, strip)}), mock.patch.object(choice, "_RAMP_STEP", 0.0), mock.patch.object(choice, "_FEW_COLOURS", {}), mock.patch.object(choice, "DEFAULT_TOO", frozenset()), vqpress.thread_limit(1):
    for nm, codes, n in palette_cases(False, {64, 256}):
        for v3 in (True, False):
            assert _cm._use_v3(v3) == v3
            data = cm.encode(codes, n, ordered=False, effort=eff)
            for v3d in (True, False):
                _cm._use_v3(v3d)
                assert np.array_equal(cm.decode(data, codes.shape, n), codes)
            out[nm, v3] = hashlib.sha256(data).hexdigest()[:12]
        assert out[nm, True] == out[nm, False], nm
        print(nm, len(data), out[nm, True])
