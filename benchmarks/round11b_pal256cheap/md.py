import re, sys, statistics
def parse(fn):
    txt = open(fn).read(); sizes, speeds = {}, {}
    for line in txt.splitlines():
        if line.startswith("size "):
            case = line.split()[1].rstrip(":")
            for m in re.finditer(r"(\w+) (\d+) \(([\d.]+)\)", line):
                sizes[case, m.group(1)] = int(m.group(2))
        if line.startswith("speed "):
            case = line.split()[1]
            for m in re.finditer(r"(\w+) enc ([\d.]+) \(([\d.]+)\) dec ([\d.]+) \(([\d.]+)\)", line):
                speeds[case, m.group(1)] = tuple(float(m.group(i)) for i in range(2, 6))
    return sizes, speeds
DESC = {
 "v1": "(1) h of HW[W] only, l of LW[h][W] only (refused colours excluded)",
 "v2": "(1) h of HN[N] only, l of LN[h][N] only",
 "v3": "(1) h of one table by (W>>4, N>>4) (256 tables), l of LW[h][W] only",
 "v4": "(2) h of HW, HN averaged 1:1, l of LW, LN averaged (excluded)",
 "v5": "(3) level 6's three tables each, l over all 16 (no exclusion)",
 "v6": "(2)+(3) two tables each (W, N), no exclusion",
 "v7": "(1)+(3) one table each (W), no exclusion",
 "v8": "h of three tables, l of LW only (excluded)",
 "v9": "h of HW only, l of three tables (excluded)",
 "v11": "(4) three tables; a refused colour's frequency given to the colour below it (total stays 2^15: no division); scalar",
 "v12": "(4) two tables (W, N), the same merged exclusion",
 "v13": "(4) one table (W), the same merged exclusion",
 "v10": "bound: h and l of one FIXED uniform table each (no averaging, no learning, no exclusion)",
 "v15": "bound: h as level 6, l handed to the decoder (its three tables still learn): one coder symbol a pixel",
 "v16": "bound: h of two tables, l handed over (two tables learn)",
 "v14": "bound: the unpredicted pixel not coded at all (handed to the decoder)",
}
fn, builds = sys.argv[1], sys.argv[2].split(",")
sizes, speeds = parse(fn)
cases = list(dict.fromkeys(c for c, _ in sizes))
short = [c.split("_")[0] for c in cases]
print("| variant | size / level 6: " + ", ".join(short) + " | geomean | dec / level 6: " + ", ".join(short) + " | dec geomean | enc geomean |")
print("|---|---|---:|---|---:|---:|")
for b in builds:
    sr = [sizes[c, b] / sizes[c, "v0"] for c in cases]
    dr = [speeds[c, b][3] for c in cases]; er = [speeds[c, b][1] for c in cases]
    print(f"| {b}: {DESC.get(b, b)} | " + ", ".join(f"{x:.3f}" for x in sr) + f" | {statistics.geometric_mean(sr):.4f} | "
          + ", ".join(f"{x:.2f}" for x in dr) + f" | **{statistics.geometric_mean(dr):.3f}** | {statistics.geometric_mean(er):.3f} |")
print()
print("bytes: " + "; ".join(f"{b}: " + ", ".join(f"{sizes[c, b]:,}" for c in cases) for b in ["v0"] + builds))
print("v0 MPix/s enc/dec: " + ", ".join(f"{c.split('_')[0]} {speeds[c,'v0'][0]}/{speeds[c,'v0'][2]}" for c in cases))
print("base/v0 dec: " + ", ".join(f"{speeds[c,'base'][3]:.3f}" for c in cases) + " enc: " + ", ".join(f"{speeds[c,'base'][1]:.3f}" for c in cases))
