import sys, pickle
from vqpress.coding import _cm_ordered5 as k
sym, n, params, st = pickle.load(open("/tmp/l13_cg.pkl", "rb"))
m = int(sys.argv[1])
h, w = sym.shape
k._proto_decode(st[m], h, w, n, params, 2, m)
