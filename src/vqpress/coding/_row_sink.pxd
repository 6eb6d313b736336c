# Where a palette decoder (levels 6, 10, 18 and 21) writes the strip it decodes: straight into
# the map, in the scan's place (a transpose, a flip) and through the symbol order's table, so
# that decoding needs no pass of its own over the map to restore it (``scan.restore``: for a
# map of 256 colours in scan 7, 2% of the decoding time).

from libc.stdint cimport uint8_t


ctypedef struct RowSink:
    uint8_t *first              # where the strip's pixel (0, 0) goes
    Py_ssize_t row_step         # the steps from a pixel to the one below it in the strip ...
    Py_ssize_t col_step         # ... and to the one right of it (negative for a flip)
    const uint8_t *table        # 256 bytes: the value written for each symbol
