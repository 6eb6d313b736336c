# The shared thread pool of the compiled kernels (see _threadpool.h and vqpress.threads).
#
# A kernel that runs in parallel cimports these:
#
#     from vqpress._threadpool cimport task_fn, parallel_for, planned_workers
#
#     cdef void _one_chunk(void *ctx, Py_ssize_t chunk, int worker) noexcept nogil:
#         ...  # work on chunk `chunk`; `worker` (0 .. planned - 1) picks per-thread buffers
#
#     n = planned_workers(n_chunks)     # size per-worker buffers with this
#     parallel_for(_one_chunk, &ctx, n_chunks, n)
#
# Chunks are handed out dynamically; a call made while the pool is busy runs serially.

ctypedef void (*task_fn)(void *ctx, Py_ssize_t chunk, int worker) noexcept nogil

cdef int planned_workers(Py_ssize_t n_chunks) noexcept nogil
cdef void parallel_for(task_fn fn, void *ctx, Py_ssize_t n_chunks, int max_workers) noexcept nogil
