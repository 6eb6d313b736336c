import re, sys, statistics
txt = open(sys.argv[1]).read()
sizes, speeds = {}, {}
for line in txt.splitlines():
    if line.startswith("size "):
        case = line.split()[1].rstrip(":")
        for m in re.finditer(r"(\w+) (\d+) \(([\d.]+)\)", line):
            sizes[case, m.group(1)] = (int(m.group(2)), float(m.group(3)))
    if line.startswith("speed "):
        case = line.split()[1]
        for m in re.finditer(r"(\w+) enc ([\d.]+) \(([\d.]+)\) dec ([\d.]+) \(([\d.]+)\)", line):
            speeds[case, m.group(1)] = tuple(float(m.group(i)) for i in range(2, 6))
cases = list(dict.fromkeys(c for c, _ in sizes)); builds = list(dict.fromkeys(b for _, b in sizes))
print("| build | " + " | ".join(c.replace("_rgb_", " ") for c in cases) + " | geomean |")
print("|---|" + "---:|" * (len(cases) + 1))
for b in builds:
    cells = []
    for c in cases:
        s = sizes[c, b]; e = speeds[c, b]
        cells.append(f"{s[1]:.4f} / {e[3]:.1f} ({e[3]/speeds[c, builds[0]][3]:.2f}x) / {e[0]/speeds[c, builds[0]][0]:.2f}x")
    g = lambda i: statistics.geometric_mean([ (sizes[c, b][1] if i == 0 else speeds[c, b][i] / speeds[c, builds[0]][i]) for c in cases])
    print(f"| {b} | " + " | ".join(cells) + f" | {g(0):.4f} / dec {g(3):.3f}x / enc {g(1):.3f}x |")
