import sys
src = sys.argv[1]; sys.path.insert(0, src)
from unittest import mock
import numpy as np, vqpress
from vqpress.coding import cm, choice, _cm_palette6 as k6
cases = dict(np.load("/tmp/p6/cases.npz"))
eff = cm.DEFAULT_EFFORT
ordered, _, bits, both, strip = choice.EFFORT_SETTINGS[eff]
with mock.patch.dict(choice.EFFORT_SETTINGS, {eff: (ordered, 6, bits, both, strip)}), mock.patch.object(choice, "_RAMP_STEP", 0.0), mock.patch.object(choice, "_FEW_COLOURS", {}), vqpress.thread_limit(1):
    for m, h, l in [(0, (6, 2, 8), (6, 2, 8)), (3, (12, 2, 2), (4, 2, 10)), (1, (2, 4, 10), (6, 10, 0))]:
        k6.set_pt(m); k6.set_weights(h, l)
        for k in ["face_rgb_64", "coffee_rgb_256", "chelsea_rgb_64"]:
            n = int(k.rsplit("_", 1)[1])
            d = cm.encode(cases[k], n, ordered=False, effort=eff)
            assert np.array_equal(cm.decode(d, cases[k].shape, n), cases[k]), (k, m)
            print(k, m, h, l, len(d), "ok")
