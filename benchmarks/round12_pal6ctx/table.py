"""table.py NAME...: size ratios to v0 from sizes.jsonl."""
import json, sys, statistics
R = {}
for line in open("/tmp/p6/sizes.jsonl"):
    R.update(json.loads(line))
base = R["v0"]
main10 = [k for k in base if not k.startswith("X")]
more = [k for k in base if k.startswith("X")]
names = sys.argv[1:] or list(R)
print("name".ljust(14), " ".join(k.split("_")[0][:5] + k.rsplit("_",1)[1] for k in main10), "| gm10  max10 | gm64 gm256 | more gm")
for nm in names:
    r = R[nm]
    rat = [r[k] / base[k] for k in main10]
    rm = [r[k] / base[k] for k in more]
    g64 = statistics.geometric_mean([r[k]/base[k] for k in main10 if k.endswith("_64")])
    g256 = statistics.geometric_mean([r[k]/base[k] for k in main10 if k.endswith("_256")])
    print(nm.ljust(14), " ".join(f"{x:.4f}" for x in rat), f"| {statistics.geometric_mean(rat):.4f} {max(rat):.4f} | {g64:.4f} {g256:.4f} | {statistics.geometric_mean(rm):.4f}" + " (" + " ".join(f"{x:.3f}" for x in rm) + ")")
