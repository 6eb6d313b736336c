"""basecheck.py DIR: level 21 forced; the baseline and v3 builds of DIR write the same bytes and decode each other's; prints digests."""
import sys, hashlib
src = sys.argv[1]; sys.path.insert(0, src)
import numpy as np
from vqpress.coding import cm, choice, _cm
assert cm.__file__.startswith(src)
choice.JOINT_UNPREDICTED_SHARE = 0.0
cases = dict(np.load("/tmp/pal21key/cases256.npz"))
out = []
for k, codes in cases.items():
    _cm._use_v3(True); a = cm.encode(codes, 256, ordered=False)
    _cm._use_v3(False); b = cm.encode(codes, 256, ordered=False)
    assert a == b, k
    assert cm.describe(a)["level"] == 21
    assert np.array_equal(cm.decode(a, codes.shape, 256), codes)
    _cm._use_v3(True)
    assert np.array_equal(cm.decode(b, codes.shape, 256), codes)
    out.append(f"{k}={len(a)}:{hashlib.sha256(a).hexdigest()[:16]}")
print(src, " ".join(out))
