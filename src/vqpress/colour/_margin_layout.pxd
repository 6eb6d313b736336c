from libc.stdint cimport int64_t

cdef enum:
    LEVELS = 64  # margin levels per cluster

cdef Py_ssize_t heads(const int64_t *bstart, const float *edge, const float *sufq2, int64_t *lev, Py_ssize_t k,
                      const double *TH0, const unsigned char *farsafe, const double *D0, double G0,
                      Py_ssize_t chunk_points, Py_ssize_t max_chunks, int64_t *clo, int64_t *chi, int64_t *tq,
                      int64_t *toff) noexcept nogil
