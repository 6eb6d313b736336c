"""Levels 6, 10 and 18 of the cm coding compiled a second time, for x86-64-v3 processors:
the source of ``_cm_palette6.pyx`` (included), which setup.py compiles here with
``-march=x86-64-v3`` (AVX2, BMI2, LZCNT; Intel since 2013, AMD since 2015). Its symbol
tables of 16 lanes are then one AVX2 register each (``_symbol_tables.pxd``,
``_range_coder.pxd``): the same values, the same bytes, 1.03-1.06x as fast to decode and
encode (BENCHMARKS.md, round 16). ``_cm.pyx`` calls this module instead of
``_cm_palette6`` where the processor runs it.
"""

include "_cm_palette6.pyx"
