"""md2.py FILE BUILD,... : per case size / v0, decode and encode ratios (v0's time over the build's), geomeans."""
import re, sys, statistics
txt = open(sys.argv[1]).read(); sizes, speeds = {}, {}
for line in txt.splitlines():
    if line.startswith("size "):
        case = line.split()[1].rstrip(":")
        for m in re.finditer(r"(\w+) (\d+) \(([\d.]+)\)", line):
            sizes[case, m.group(1)] = int(m.group(2))
    if line.startswith("speed "):
        case = line.split()[1]
        for m in re.finditer(r"(\w+) enc ([\d.]+) \(([\d.]+)\) dec ([\d.]+) \(([\d.]+)\)", line):
            speeds[case, m.group(1)] = tuple(float(m.group(i)) for i in range(2, 6))
cases = list(dict.fromkeys(c for c, _ in sizes))
g = statistics.geometric_mean
for b in sys.argv[2].split(","):
    sr = [sizes[c, b] / sizes[c, "v0"] for c in cases]; dr = [speeds[c, b][3] for c in cases]; er = [speeds[c, b][1] for c in cases]
    print(f"{b}: size {', '.join(f'{x:.4f}' for x in sr)} | {g(sr):.4f} || dec {', '.join(f'{x:.2f}' for x in dr)} | {g(dr):.3f} || enc {', '.join(f'{x:.2f}' for x in er)} | {g(er):.3f}")
print("bytes: " + "; ".join(f"{b} " + ", ".join(f"{sizes[c, b]:,}" for c in cases) for b in ["v0"] + sys.argv[2].split(",")))
print("v0 MPix/s enc/dec: " + ", ".join(f"{c.split('_')[0]} {speeds[c,'v0'][0]}/{speeds[c,'v0'][2]}" for c in cases))
