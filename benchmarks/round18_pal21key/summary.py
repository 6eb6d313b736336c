"""summary.py FILE...: per variant and case, the decode / encode ratio against main's build taken as the geometric
mean of its two copies v0 and v0b (each run's ratio vs v0 divided by sqrt(v0b's)), median over the runs that have it."""
import re, sys, statistics, math
runs = []
for f in sys.argv[1:]:
    speeds = {}
    for line in open(f):
        if line.startswith("speed "):
            case = line.split()[1]
            for m in re.finditer(r"(\w+) enc ([\d.]+) \(([\d.]+)\) dec ([\d.]+) \(([\d.]+)\)", line):
                speeds[case, m.group(1)] = (float(m.group(3)), float(m.group(5)))
    runs.append(speeds)
cases = ["face_rgb_256", "astronaut_rgb_256", "coffee_rgb_256", "chelsea_rgb_256", "rocket_rgb_256"]
builds = list(dict.fromkeys(b for r in runs for (_, b) in r))
for b in builds:
    if b == "v0":
        continue
    dec, enc, n = [], [], 0
    for c in cases:
        d = [r[c, b][1] / math.sqrt(r[c, "v0b"][1]) for r in runs if (c, b) in r]
        e = [r[c, b][0] / math.sqrt(r[c, "v0b"][0]) for r in runs if (c, b) in r]
        n = len(d)
        dec.append(statistics.median(d)); enc.append(statistics.median(e))
    print(f"{b} ({n} runs): dec {', '.join(f'{x:.3f}' for x in dec)} | {statistics.geometric_mean(dec):.3f} || enc {', '.join(f'{x:.3f}' for x in enc)} | {statistics.geometric_mean(enc):.3f}")
