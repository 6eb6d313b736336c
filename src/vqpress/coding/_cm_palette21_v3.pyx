"""Level 21 of the cm coding compiled a second time, for x86-64-v3 processors: the source of
``_cm_palette21.pyx`` (included), which setup.py compiles here with ``-march=x86-64-v3``, as
``_cm_palette6_v3.pyx`` is. The unpredicted pixel's tables, cumulative counts, boundaries and
searches are then one AVX2 register each (``_unpredicted_joint.pxd``): the same bytes as the
baseline build (BENCHMARKS.md, round 17: level 21 decodes the 256-colour photographs at
1.09-1.16x level 6's speed, both in their v3 builds). ``_cm.pyx`` calls this module instead of ``_cm_palette21``
where the processor runs it.
"""

include "_cm_palette21.pyx"
