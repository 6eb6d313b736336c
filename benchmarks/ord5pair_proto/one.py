import sys, pickle
import numpy as np, vqpress
from vqpress.coding import cm, _cm
name, mode = sys.argv[1], sys.argv[2]
codes, n, s, ch, d1, d2 = pickle.load(open('/tmp/ord5pair/cases.pkl', 'rb'))[name]
_cm._use_pairs(mode == 'pair')
with vqpress.thread_limit(1):
    assert np.array_equal(cm.decode(d1 if mode == 'one' else d2, codes.shape, n), codes)
