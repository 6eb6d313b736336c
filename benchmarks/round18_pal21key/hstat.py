import sys; sys.path.insert(0,'/work/main/benchmarks')
import numpy as np
from vqpress.coding import choice
from bench_palette_level3 import palette_cases
for name, codes, _ in palette_cases(False, {256}):
    order, _ = choice.choose_order(codes, 256, False, 2, *choice.EFFORT_SETTINGS[2][:2])
    rank = np.empty(256, np.int64); rank[order] = np.arange(256)
    s = rank[codes]
    x = s[1:, 1:-1]; W = s[1:, :-2]; N = s[:-1, 1:-1]; NE = s[:-1, 2:]; NW = s[:-1, :-2]
    un = (x != W) & (x != N) & (x != NE) & (x != NW)
    h = x[un] >> 4; hw = W[un] >> 4; hn = N[un] >> 4; hne = NE[un] >> 4
    a = (h == hw); b = a | (h == hn) | (h == hne)
    near = np.abs(h - hw) <= 1
    print(f"{name}: unpredicted {un.mean():.3f}; h == W>>4 {a.mean():.3f}; in {{W,N,NE}}>>4 {b.mean():.3f}; |h - W>>4| <= 1 {near.mean():.3f}; same 32-row pair as W>>4 {((h>>1)==(hw>>1)).mean():.3f}")
