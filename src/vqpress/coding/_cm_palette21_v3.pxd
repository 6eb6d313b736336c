# _cm_palette21.pxd's functions, compiled for x86-64-v3 (``_cm_palette21_v3.pyx``).

include "_cm_palette21.pxd"
