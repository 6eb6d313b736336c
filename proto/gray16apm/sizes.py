"""SCRATCH: exact stream bytes of APM variants (run-time switches of the scratch build)."""
import sys, pathlib, json, pickle, os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.environ.get("VQSRC", "/tmp/g16apm/src"))
import numpy as np
sys.path.insert(0, "/work/main/benchmarks")
from vqpress.coding import cm, level8
from vqpress.coding import _cm_ordered5 as k5
assert k5.__file__.startswith(os.environ.get("VQSRC", "/tmp/g16apm/src")), k5.__file__

CACHE = pathlib.Path("/tmp/g16apm/cases.pkl")


def build():
    if CACHE.exists():
        return pickle.load(open(CACHE, "rb"))
    import bench_entropy as be
    want = {"face gray 16", "face rgb 16", "face gray 8"} | {f"{p} gray 8" for p in be.PHOTOS}
    out = []
    for name, c in be.cases():
        if name not in want:
            continue
        codes = c.codes().reshape(-1, c.codes().shape[-1])
        n, ordered = c.codebook.n_colors, c.codebook.channels == 0
        payload = cm.encode(codes, n, ordered=ordered, effort=2)
        d = cm.describe(payload)
        hs = cm._HEAD.size
        order = np.frombuffer(payload[hs:hs + n], np.uint8)
        params = tuple(payload[hs + n:hs + n + 5]) if d["level"] in (8, 11, 13, 16) else None
        rank = np.empty(n, np.uint8); rank[order] = np.arange(n)
        sym = np.ascontiguousarray(rank[codes])
        if params is None:
            params = level8.LEVEL5
        out.append(dict(name=name, sym=sym, n=n, level=d["level"], params=params, bits=d["table_bits"],
                        rows=d["strip_rows"], payload=len(payload), ordered=ordered))
        print(name, d["level"], params, len(payload), file=sys.stderr)
    pickle.dump(out, open(CACHE, "wb"))
    return out


def lev_of(case):
    if case["name"] == "face rgb 16":
        return 16
    return 13 if case["n"] > 8 else 11


def size(case, level):
    st = cm._kernel().encode_strips(case["sym"], case["n"], 0, level, case["bits"], case["rows"], case["params"])
    return sum(len(s) for s in st)


if __name__ == "__main__":
    cases = build()
    only = os.environ.get("ONLY")
    variants = [json.loads(a) for a in sys.argv[1:]]
    for case in cases:
        if only and case["name"] not in only.split(","):
            continue
        lev = int(os.environ.get("LEV11", 0)) if (case["n"] <= 8 and os.environ.get("LEV11")) else lev_of(case)
        k5.proto_apm(0); k5.proto_apm_input(0); k5.proto_apm_dropb(0)
        base = size(case, lev)
        line = f"{case['name']:>16} L{case['level']} payload {case['payload']} L{lev} streams {base}"
        for v in variants:
            k5.proto_apm_dropb(v[7] if len(v) > 7 else 0); k5.proto_apm_input(v[6] if len(v) > 6 else 0); k5.proto_apm(*v[:6])
            s = size(case, lev)
            k5.proto_apm(0); k5.proto_apm_input(0); k5.proto_apm_dropb(0)
            line += f" | {v}: {s} ({s / base - 1:+.3%})"
        k5.proto_apm(0)
        print(line, flush=True)
