# _cm_palette6.pxd's functions, compiled for x86-64-v3 (``_cm_palette6_v3.pyx``).

include "_cm_palette6.pxd"
