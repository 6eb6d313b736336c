"""How much smaller level 6's neighbour symbol gets under richer contexts (issue 16, round 8b).

Level 6 (docs/FORMAT.md "Level 6") codes each palette pixel first as one symbol: which of
the distinct colours of W, N, NE, NW it is (their labels), or none. On the ten 64- and
256-colour maps of ``bench_entropy.py`` (face, astronaut, coffee, chelsea, rocket, in the
coding order effort 2 gives them) this script computes that symbol's ideal code length with
level 6's own adaptive tables and counters (``_neighbour_tables.pyx``, an exact model of
their state, without the range coder's overhead) under level 6's contexts and under
variants: richer contexts in place of one of level 6's, a fourth table, weights by the
tables' counts, tables primed from the other nine maps, and (as a bound) learned geometric
mixing. Each variant's saving is printed as a share of the whole level-6 payload.

    python benchmarks/bench_neighbour_contexts.py [--only NAME-PREFIX ...]

Needs the ``bench`` extra and Cython (the tool is compiled by pyximport on first use).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

#: The 15 equality patterns of (W, N, NE, NW): restricted growth strings in lexicographic order.
PATTERNS = [(0, a, b, c) for a in range(2) for b in range(a + 2) for c in range(max(a, b) + 2)]
_PATTERN_OF = np.full(512, -1, np.int64)
for _p, (_, _a, _b, _c) in enumerate(PATTERNS):
    _PATTERN_OF[_a * 64 + _b * 8 + _c] = _p


def maps():
    """(name, symbols in coding order, colours, level-6 payload bytes) of the ten maps."""
    import bench_entropy

    from vqpress.coding import cm

    for name, comp in bench_entropy.cases():
        if not name.endswith(("rgb 64", "rgb 256")):
            continue
        codes, n = comp.codes(), comp.codebook.n_colors
        data = cm.encode(codes, n, effort=2)
        assert cm.describe(data)["level"] == 6, name
        order = np.frombuffer(data, np.uint8, n, cm._HEAD.size)
        rank = np.empty(n, np.uint8)
        rank[order] = np.arange(n)
        yield name, rank[codes], n, len(data)


def neighbourhood(sym: np.ndarray, n: int) -> dict:
    """Per pixel (flattened, coding order): level 6's pattern p, k, symbol s, kinds and
    contexts, and the farther neighbours' labels. Outside the map as the kernel pads it."""
    h, w = sym.shape
    pad = np.zeros((h + 2, w + 6), np.int64)
    pad[2:, 3:w + 3] = sym
    pad[3:, :3] = sym[:-1, :1]
    pad[2:, w + 3:] = sym[:, -1:]

    def at(dr, dc):
        return pad[2 + dr:2 + dr + h, 3 + dc:3 + dc + w]

    W, WW, N, NW, NE, NEE, NN, NNE = at(0, -1), at(0, -2), at(-1, 0), at(-1, -1), at(-1, 1), at(-1, 2), at(-2, 0), \
        at(-2, 1)
    x = sym.astype(np.int64)
    lab_n = (N != W).astype(np.int64)
    lab_ne = np.where(NE == W, 0, np.where(NE == N, lab_n, lab_n + 1))
    top = np.maximum(lab_n, lab_ne)
    lab_nw = np.where(NW == W, 0, np.where(NW == N, lab_n, np.where(NW == NE, lab_ne, top + 1)))
    p = _PATTERN_OF[lab_n * 64 + lab_ne * 8 + lab_nw]
    k = np.maximum(top, lab_nw) + 1
    v1 = np.where(N != W, N, np.where(NE != W, NE, NW))
    v2 = np.where((NE != W) & (NE != v1), NE, NW)
    s = np.select([x == W, x == v1, x == v2, x == NW], [0, 1, 2, 3], k)
    s = np.minimum(s, k)
    kind = np.where(s < k, s, 4)
    kp = np.zeros((h + 2, w + 4), np.int64)  # kinds, 0 outside the map
    kp[2:, 2:w + 2] = kind

    def kind_at(dr, dc):
        return kp[2 + dr:2 + dr + h, 2 + dc:2 + dc + w]

    far = (WW == W) | (NN == N) << 1 | (NNE == NE) << 2 | (NEE == NE) << 3
    near = ((((NW == WW).astype(np.int64) << 5 | (NN == W).astype(np.int64) << 4 | far) * 5 + kind_at(0, -1)) * 5
            + kind_at(-1, 0))
    run = np.zeros((h, w), np.int64)  # pixels x == W just before, in the row
    for c in range(1, w):
        run[:, c] = np.where(kind[:, c - 1] == 0, run[:, c - 1] + 1, 0)
    # the labels (0..3, 4 none) of 8 farther neighbours, and how many of them have each label
    labels = [W, v1, v2, NW]
    farther = [at(0, -2), at(-2, 0), at(-2, 1), at(-1, 2), at(-1, -2), at(-2, -1), at(0, -3), at(-2, 2)]
    which = np.zeros_like(k)
    votes = [np.zeros_like(k) for _ in labels]
    for f in farther:
        lab = np.select([f == v for v in labels], [0, 1, 2, 3], 4)
        lab = np.where(lab < k, lab, 4)
        which = which * 5 + lab
        for j in range(4):
            votes[j] += lab == j
    vote = sum(np.minimum(v, 3) << (2 * j) for j, v in enumerate(votes))
    q = 0 if n <= 64 else (1 if n <= 128 else 2)
    nq = ((n - 1) >> q) + 1
    out = dict(W=W, N=N, NE=NE, p=p, k=k, s=s, v1=v1, far=far, near=near, pair=((W >> q) * nq + (v1 >> q)) * 4 + k - 1,
               kw=kind_at(0, -1), kn=kind_at(-1, 0), knw=kind_at(-1, -1), kne=kind_at(-1, 1), kww=kind_at(0, -2),
               knn=kind_at(-2, 0), run=np.minimum(np.log2(run + 1).astype(np.int64), 5), which=which % 1000003,
               vote=vote)
    return {key: v.ravel() for key, v in out.items()}


def variants(F: dict, n: int) -> dict:
    """name -> (counter keys, counter weights, table keys, table weights, options) of x == W
    (pattern 0) and the neighbour symbol (patterns 1..14); level 6 first."""
    near, p, W, N, NE, far = F["near"], F["p"], F["W"], F["N"], F["NE"], F["far"]
    z_keys, t_keys = [near, W * 16 + far], [near * 15 + p, NE * 15 + p, F["pair"]]
    kinds4 = ((F["knw"] * 5 + F["kn"]) * 5 + F["kne"]) * 5 + F["kw"]
    wn = W * n + N
    V = {"level 6": (z_keys, [1, 1], t_keys, [2, 1, 1], {})}
    for name, extra, size in (("kind of NW", F["knw"], 5), ("kind of NE", F["kne"], 5),
                              ("kinds of NE and NW", F["kne"] * 5 + F["knw"], 25), ("kind of WW", F["kww"], 5),
                              ("kind of NN", F["knn"], 5), ("run of x == W before (log2, 6)", F["run"], 6),
                              ("votes of 8 farther neighbours", F["vote"], 256)):
        richer = near * size + extra
        V[f"near x {name}"] = ([richer, W * 16 + far], [1, 1], [richer * 15 + p, NE * 15 + p, F["pair"]], [2, 1, 1], {})
    others = (("kinds of W, NW, N, NE", kinds4), ("colours (W, N)", wn), ("votes of 8 farther neighbours", F["vote"]),
              ("labels of 8 farther neighbours (hashed)", F["which"]))
    for name, key in others:
        V[f"SCOL (NE) -> {name} x p"] = (z_keys, [1, 1], [near * 15 + p, key * 15 + p, F["pair"]], [2, 1, 1], {})
    V["SPAIR not coarsened (256)"] = (z_keys, [1, 1], [near * 15 + p, NE * 15 + p, (W * n + F["v1"]) * 4 + F["k"] - 1],
                                      [2, 1, 1], {})
    V["SPAIR by p, not k"] = (z_keys, [1, 1], [near * 15 + p, NE * 15 + p, F["pair"] // 4 * 15 + p], [2, 1, 1], {})
    for name, key in others:
        V[f"4th table: {name} x p"] = (z_keys + [key], [1, 1, 1], t_keys + [key * 15 + p], [2, 1, 1, 1], {})
    fourth = F["which"] * 15 + p
    V["4th table: labels of 8 farther x p, weights x (min(count, 4) + 1)"] = (
        z_keys + [F["which"]], [1, 1, 1], t_keys + [fourth], [2, 1, 1, 1],
        {"confidence": np.minimum(np.arange(33), 4) + 1.0})
    nearw = near * 5 + F["knw"]
    combo = ([nearw, W * 16 + far, F["which"]], [1, 1, 1], [nearw * 15 + p, wn * 15 + p, F["pair"], fourth],
             [2, 1, 1, 2])
    V["no 4th table: near x kind NW, SCOL -> labels of 8 farther"] = (
        [nearw, W * 16 + far], [1, 1], [nearw * 15 + p, fourth, F["pair"]], [2, 1, 1], {})
    V["all: near x kind NW, SCOL -> (W, N), 4th labels (2:1:1:2)"] = combo + ({},)
    V["all, weights x sqrt(count + 1)"] = combo + ({"confidence": np.sqrt(np.arange(1, 34.0))},)
    V["level 6's tables, geometric mix (bound)"] = (z_keys, [1, 1], t_keys, [2, 1, 1], {"geometric": True})
    V["4th labels, geometric mix (bound)"] = (z_keys + [F["which"]], [1, 1, 1], t_keys + [fourth], [2, 1, 1, 1],
                                              {"geometric": True})
    V["all, geometric mix (bound)"] = combo + ({"geometric": True},)
    V["P(s = 0) refined by an APM by p and kinds of NE, NW"] = (z_keys, [1, 1], t_keys, [2, 1, 1],
                                                           {"apm": (p * 25 + F["kne"] * 5 + F["knw"], 375)})
    return V


def _dense(keys, mask):
    return np.ascontiguousarray(np.stack([np.unique(k[mask], return_inverse=True)[1].ravel() for k in keys]))


def _primed_lanes(dist: np.ndarray, m: np.ndarray) -> np.ndarray:
    """The starting lanes 1..4 of tables of m symbols holding distributions ``dist`` (each
    symbol at least 1/64)."""
    live = np.arange(5)[None, :] < m[:, None]
    d = dist * live
    d = np.maximum(d / d.sum(1, keepdims=True), 1 / 64) * live
    d /= d.sum(1, keepdims=True)
    k = (32768 - m)[:, None]
    return np.minimum(np.cumsum(d, 1)[:, :4] * k, k).astype(np.int32)


def code_length(tool, F: dict, variant, primed=None) -> float:
    """Bits of x == W and the neighbour symbol under ``variant``; ``primed``: (lanes, u0)."""
    z_keys, z_w, t_keys, t_w, opt = variant
    z = F["p"] == 0
    is_w = np.ascontiguousarray((F["s"][z] == 0).astype(np.int64))
    bits = tool.counters(_dense(z_keys, z), is_w, np.array(z_w, float))
    s, m = np.ascontiguousarray(F["s"][~z]), np.ascontiguousarray(F["k"][~z] + 1)
    if opt.get("geometric"):
        return bits + tool.geometric(_dense(t_keys, ~z), s, m, np.ascontiguousarray(F["p"][~z]), 15, 0.002)
    if "apm" in opt:
        ctx, n_ctx = opt["apm"]
        return bits + tool.refined(_dense(t_keys, ~z), s, m, np.ascontiguousarray(ctx[~z]), n_ctx, 0.02, 1.0)
    init, u0 = primed if primed is not None else (None, 0)
    return bits + tool.tables(_dense(t_keys, ~z), s, m, np.array(t_w, float), opt.get("confidence"), init, u0)


def _symbol_counts(F: dict, key: np.ndarray, size: int) -> np.ndarray:
    t = np.zeros((size, 5))
    z = F["p"] != 0
    np.add.at(t, (key[z], F["s"][z]), 1)
    return t


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", default=None, help="variants whose names start so (level 6 always)")
    args = ap.parse_args(argv)
    import pyximport

    pyximport.install(language_level=3, setup_args={"include_dirs": np.get_include()})
    import _neighbour_tables as tool

    cases = [(name, neighbourhood(sym, n), n, size) for name, sym, n, size in maps()]
    # primed tables: the other nine maps' symbol counts, by (near, p) for SNEAR and p for the others
    by_near = {name: _symbol_counts(F, F["near"] * 15 + F["p"], 24000) for name, F, _, _ in cases}
    by_p = {name: _symbol_counts(F, F["p"], 15) for name, F, _, _ in cases}
    rows: dict[str, dict[str, float]] = {}
    for name, F, n, size in cases:
        V = variants(F, n)
        base = code_length(tool, F, V["level 6"])
        print(f"{name}: payload {size:,} B, x == W and neighbour symbol {base / 8:,.0f} B ({base / 8 / size:.1%})",
              file=sys.stderr, flush=True)
        for vname, variant in V.items():
            if vname != "level 6" and args.only is not None and not vname.startswith(tuple(args.only)):
                continue
            rows.setdefault(vname, {})[name] = (base - code_length(tool, F, variant)) / 8 / size
        if args.only is None or any("primed".startswith(o) for o in args.only):
            nz = F["p"] != 0
            m = F["k"][nz] + 1
            pp = sum(by_p[o] for o in by_p if o != name) + 0.5
            p_dist = pp[F["p"][nz]] / pp[F["p"][nz]].sum(1, keepdims=True)
            near_counts = sum(by_near[o] for o in by_near if o != name)[(F["near"] * 15 + F["p"])[nz]]
            lanes_p = _primed_lanes(p_dist, m)
            for how, dist in (("p", p_dist), ("(near, p)", near_counts + 4 * p_dist)):
                init = np.ascontiguousarray(np.stack([_primed_lanes(dist, m), lanes_p, lanes_p]))
                for u0 in (0, 2):
                    bits = code_length(tool, F, V["level 6"], (init, u0))
                    rows.setdefault(f"primed (leave one out): SNEAR by {how}, the others by p; first rate index {u0}",
                                    {})[name] = (base - bits) / 8 / size
    names = [name for name, *_ in cases]
    print("| variant | " + " | ".join(names) + " | mean 64 | mean 256 |")
    print("|---" + "|---:" * (len(names) + 2) + "|")
    for vname, saving in rows.items():
        mean = [np.mean([saving[c] for c in names if c.endswith(f" {k}")]) for k in (64, 256)]
        print(f"| {vname} | " + " | ".join(f"{100 * saving[c]:+.2f}" for c in names)
              + f" | {100 * mean[0]:+.2f} | {100 * mean[1]:+.2f} |")


if __name__ == "__main__":
    main()
