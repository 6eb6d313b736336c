"""mkcw.py NAME "bounds" "g" : header with bucket[33] (count -> bucket 0..3 by bounds) and lut[64]
(weights of 3 tables of priorities 2,1,1 times g[bucket], summing to 16)."""
import sys
name, bounds, g = sys.argv[1], [int(v) for v in sys.argv[2].split(",")], [float(v) for v in sys.argv[3].split(",")]
prio = (2, 1, 1)
if len(sys.argv) > 4: prio = tuple(float(v) for v in sys.argv[4].split(","))
bucket = [sum(c >= b for b in bounds) for c in range(33)]
lut = []
for i in range(64):
    bs = (i >> 4 & 3, i >> 2 & 3, i & 3)
    raw = [p * g[b] for p, b in zip(prio, bs)]
    tot = sum(raw)
    w = [int(round(16 * r / tot)) for r in raw]
    d = 16 - sum(w)
    j = max(range(3), key=lambda k: raw[k])
    w[j] += d
    assert sum(w) == 16 and min(w) >= 0
    lut.append(w[0] | w[1] << 8 | w[2] << 16)
with open(f"/tmp/p6/cw_{name}.h", "w") as fh:
    fh.write("static const unsigned char cw_bucket[33] = {" + ",".join(map(str, bucket)) + "};\n")
    fh.write("static const unsigned int cw_lut[64] = {" + ",".join(map(str, lut)) + "};\n")
