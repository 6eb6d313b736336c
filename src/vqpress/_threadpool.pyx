# cython: language_level=3, boundscheck=False, wraparound=False
"""The thread pool shared by vqpress's compiled kernels (the C code is ``_threadpool.h``).

Python code uses it through :mod:`vqpress.threads`; kernels through ``_threadpool.pxd``.
"""

cdef extern from "_threadpool.h" nogil:
    ctypedef void (*vq_task_fn)(void *ctx, Py_ssize_t chunk, int worker) noexcept nogil
    void vq_init(int limit)
    int vq_planned_workers(Py_ssize_t n_chunks)
    void vq_parallel_for(vq_task_fn fn, void *ctx, Py_ssize_t n_chunks, int max_workers)
    int vqpress_get_num_threads()
    void vqpress_set_num_threads(int n)
    int vq_get_local_limit()
    void vq_set_local_limit(int n)
    int vq_pool_threads()

from libc.stdlib cimport malloc, free
from libc.string cimport memset


cdef int planned_workers(Py_ssize_t n_chunks) noexcept nogil:
    return vq_planned_workers(n_chunks)


cdef void parallel_for(task_fn fn, void *ctx, Py_ssize_t n_chunks, int max_workers) noexcept nogil:
    vq_parallel_for(<vq_task_fn>fn, ctx, n_chunks, max_workers)


def _init(int limit):
    """Set up the pool with a process-wide limit (called once, by vqpress.threads)."""
    vq_init(limit)


def get_limit():
    """The process-wide thread limit."""
    return vqpress_get_num_threads()


def set_limit(int n):
    """Set the process-wide thread limit (at least 1)."""
    vqpress_set_num_threads(n)


def get_local_limit():
    """The calling thread's own limit (0: none)."""
    return vq_get_local_limit()


def set_local_limit(int n):
    """Set the calling thread's own limit (0 removes it)."""
    vq_set_local_limit(n)


def pool_threads():
    """Pool threads started so far (the calling thread is not counted)."""
    return vq_pool_threads()


# -- a task used by the tests: which worker ran each chunk, after some work ------------------

cdef struct _Probe:
    int *worker_of
    long long spin


cdef void _probe_chunk(void *ctx, Py_ssize_t chunk, int worker) noexcept nogil:
    cdef _Probe *probe = <_Probe *>ctx
    cdef long long i
    cdef volatile double x = 0
    for i in range(probe.spin):
        x += 1.0
    probe.worker_of[chunk] = worker


def _probe(Py_ssize_t n_chunks, long long spin=0, int max_workers=0):
    """Run ``n_chunks`` chunks on the pool; return (planned workers, worker of each chunk)."""
    cdef _Probe probe
    cdef int planned = vq_planned_workers(n_chunks)
    probe.spin = spin
    probe.worker_of = <int *>malloc(max(n_chunks, 1) * sizeof(int))
    if probe.worker_of == NULL:
        raise MemoryError()
    memset(probe.worker_of, 0xff, max(n_chunks, 1) * sizeof(int))
    try:
        with nogil:
            vq_parallel_for(_probe_chunk, &probe, n_chunks, max_workers)
        return planned, [probe.worker_of[i] for i in range(n_chunks)]
    finally:
        free(probe.worker_of)


# Set the limit and make the pool known to threadpoolctl as soon as any kernel loads it.
from vqpress.threads import _on_pool_load
_on_pool_load()
