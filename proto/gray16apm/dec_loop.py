import os, sys, time
src = sys.argv[1]; sys.path.insert(0, src)
exec(open('/tmp/g16apm/sizes.py').read().split('if __name__')[0].replace('sys.path.insert(0, os.environ.get("VQSRC", "/tmp/g16apm/src"))', ''))
import numpy as np
case = [c for c in build() if c["name"] == sys.argv[2]][0]
lev = lev_of(case)
K = cm._kernel()
st = K.encode_strips(case["sym"], case["n"], 0, lev, case["bits"], case["rows"], case["params"])
data = b"".join(st)
sizes = np.array([len(s) for s in st], dtype=np.intp)
offs = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
out = np.empty_like(case["sym"])
t0 = time.process_time()
for i in range(int(sys.argv[3])):
    K.decode_strips(np.frombuffer(data, np.uint8), offs, sizes, out, case["n"], 0, lev, case["bits"], case["rows"], case["params"])
print(time.process_time() - t0, np.array_equal(out, case["sym"]))
