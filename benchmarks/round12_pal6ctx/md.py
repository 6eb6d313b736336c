import json, statistics
R = {}
for line in open("/tmp/p6/sizes.jsonl"):
    R.update(json.loads(line))
base = R["v0"]
M = [k for k in base if not k.startswith("X")]
X = [k for k in base if k.startswith("X")]
def row(nm, desc):
    r = R[nm]
    rat = [r[k] / base[k] for k in M]
    rm = [r[k] / base[k] for k in X]
    return (f"| {nm}: {desc} | " + ", ".join(f"{x:.3f}" for x in rat) + f" | {statistics.geometric_mean(rat):.4f} | {max(rat):.4f} | {statistics.geometric_mean(rm):.4f} |")
V = [
("v1", "third table by NW (h and l)"), ("v2", "by C, the colour last unpredicted after the same (W, N) (NE if none yet)"),
("v3", "by C, the colour last seen after the same (W, N), every pixel"), ("v4", "by the previous unpredicted pixel's colour"),
("v5", "by WW"), ("v6", "by NN"), ("v7", "by (W >> 4, N >> 4)"), ("v8", "by the 6 equalities of W, N, NE, NW"),
("v9", "by (W + N + 1) >> 1 (index space)"), ("v10", "by clamp(W + N - NW) (index space)"), ("v11", "by (W + N + 2 NE + 2) >> 2"),
("x21", "NE table x k (distinct colours among W, N, NE, NW)"), ("x22", "NE table x [N>>4 == W>>4], [NE>>4 == W>>4]"),
("x24", "NE table x bucket of abs(W - N) (<=2, <=8, <=32, more)"), ("x25", "NE table x bucket of abs(W - NE)"),
("x01", "W table x k"), ("x05", "W table x bucket of abs(W - NE)"), ("x14", "N table x bucket of abs(W - N)"),
("qQH01", "h table by W >> 1 at 256 colours"), ("qQL21", "l table by NE >> 1 at 256 colours"),
("f2", "flag x == C (C: colour last seen after (W, N)) before the unpredicted pixel, no learning on a hit"),
("fl2", "the same, the tables learning C on a hit"), ("fl1", "the same with C last unpredicted after (W, N)"),
("f3", "flag x == WW, else NN (first not refused)"), ("fl4", "flag x == C, else WW, else NN, learning"),
("ns2", "neighbour-symbol tables: largest rate 4 (count 32)"), ("ns4", "neighbour-symbol tables: rate 3 up to count 19"),
("us1", "unpredicted tables: rate 5 from count 20, 6 at 32"), ("us2", "unpredicted tables: largest rate 4"),
("us4", "unpredicted tables: rate 3 up to count 19"),
("lA60B60", "x == W counters' count limits 60 (127)"),
("cwbg3", "weights by the tables' counts (2:1:1 x g(count)), both symbols"),
("n1", "neighbour symbol: the NE table weighs half"), ("n2", "neighbour symbol: the pair table weighs half"),
("o1", "unpredicted: the NE table weighs half"), ("o2", "unpredicted: the N table weighs half"),
("d1", "unpredicted: the table of the best running score (by 6 equalities) weighs half"),
("s4.0_6", "unpredicted: weights softmax(4 x score) (float; 64 sets x 2 stages)"),
("S3", "the same, one set a stage"), ("S2", "the same, sets by equalities x W >> 4"),
("t1.0_3", "weights by each table's own running score"),
("pt1", "third table: h by (W>>4, N>>4, NE>>4), l by the pair (W, N) hashed 12 bits (level 10's 4th)"),
("pt2", "third table: l by the hashed pair only"), ("pt3", "third table: h by the triple of high bits only"),
("c2", "x25 + us2"), ("c3", "x25 + us2 + count weights g3"),
]
print("| variant | size / level 6: face, astronaut, coffee, chelsea, rocket at 64, 256 | geomean (10) | largest | `--more` 8 geomean |")
print("|---|---|---:|---:|---:|")
for nm, d in V:
    print(row(nm, d))
