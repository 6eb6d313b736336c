# hit rates of candidate sets among all pixels, for the 256/64 maps (cases.npz)
import sys, numpy as np
cases = dict(np.load("/tmp/pal6mru/cases.npz"))
names = sys.argv[1:] or list(cases)
for name in names:
    m = cases[name].astype(np.int32)
    h, w = m.shape
    P = np.zeros((h + 2, w + 4), np.int32)
    mru = [[c, c, c, c] for c in range(256)]
    st = dict(pix=0, unp=0, p0=0, e0=0, e1=0, e2=0, hitA=0, unpA=0, hitNEE=0, hitWW=0, hitNN=0, hitNNE=0, hit34=0)
    pad = np.zeros((h + 2, w + 6), np.int32)
    for r in range(h):
        for c in range(w):
            x = m[r, c]
            # neighbours as the kernel: left padding = row above's first, outside = 0
            def g(rr, cc):
                if rr < 0: return 0
                if cc < 0: return m[rr - 1, 0] if rr > 0 else 0
                if cc >= w: return m[rr, w - 1]
                return m[rr, cc]
            W = g(r, c - 1); N = g(r - 1, c); NE = g(r - 1, c + 1); NW = g(r - 1, c - 1)
            WW = g(r, c - 2); NN = g(r - 2, c); NNE = g(r - 2, c + 1); NEE = g(r - 1, c + 2)
            nb = (W, N, NE, NW)
            st["pix"] += 1
            p0 = W == N == NE == NW
            st["p0"] += p0
            L = mru[W]
            ex = [v for v in L[:2] if v not in nb] if not p0 else []
            st["e%d" % len(ex)] += 1
            if x not in nb:
                st["unp"] += 1
                if x in ex: st["hitA"] += 1
                else:
                    st["unpA"] += 1
                    ex34 = [v for v in L if v not in nb][:2]
                    st["hit34"] += x in ex34 and not p0
                    st["hitNEE"] += x == NEE and NEE not in ex
                    st["hitWW"] += x == WW and WW not in ex
                    st["hitNN"] += x == NN and NN not in ex
                    st["hitNNE"] += x == NNE and NNE not in ex
            if x != W and L[0] != x:
                L.remove(x) if x in L else L.pop()
                L.insert(0, x)
    pix = st["pix"]
    print(name, {k: round(v / pix, 4) for k, v in st.items()}, flush=True)
