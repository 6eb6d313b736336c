"""How many threads vqpress's compiled kernels use.

The kernels share one pool of threads (see ``_threadpool.h``). They hand out work in small
chunks, so a thread that the operating system deschedules (another process busy on its core)
holds up at most the chunk it is on, and the others carry on with the rest.

The default is one thread per core this process may run on, or the environment variable
``VQPRESS_NUM_THREADS``. Change it for the whole process with :func:`set_num_threads` (or
``threadpoolctl.threadpool_limits(n, user_api="vqpress")``, which finds vqpress's pool once a
kernel has run), or for the calling thread alone with :func:`thread_limit`::

    import vqpress
    vqpress.set_num_threads(1)             # every later call, on every thread
    with vqpress.thread_limit(1):          # just this block, on this thread
        vqpress.compress(photo, 64)

A call made while another thread's call is using the pool runs on its own thread, so
kernels called from several threads at once (dask tasks, a thread pool of your own) never
start more threads than the limit. The pool is safe across ``fork``: a child process starts
with no pool threads and makes its own when it first needs them.
"""

from __future__ import annotations

import contextlib
import os
import threading

from ._validation import warn
from .errors import VQError

__all__ = ["get_num_threads", "set_num_threads", "thread_limit"]

_ENV = "VQPRESS_NUM_THREADS"
_MAX = 256
_registered = threading.Lock()
_done = False


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def _default_limit() -> int:
    text = os.environ.get(_ENV, "").strip()
    if not text:
        return _cores()
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= _MAX:
        warn(f"{_ENV}={text!r} is not an integer in 1..{_MAX}; using {_cores()} threads")
        return _cores()
    return n


def _check(n, name: str = "n") -> int:
    import numbers

    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 1 <= n <= _MAX:
        raise VQError(f"{name} must be an integer in 1..{_MAX}; got {n!r}")
    return int(n)


def _pool():
    from . import _threadpool  # loading it runs _on_pool_load once

    return _threadpool


def _on_pool_load() -> None:
    """Called by ``_threadpool`` when it loads: set the limit, tell threadpoolctl."""
    global _done
    with _registered:
        if _done:
            return
        from . import _threadpool

        _threadpool._init(_default_limit())
        _register_with_threadpoolctl()
        _done = True


def _register_with_threadpoolctl() -> None:
    try:
        import threadpoolctl
    except ImportError:
        return
    if not hasattr(threadpoolctl, "register"):  # threadpoolctl < 3.5
        return

    class VQPressController(threadpoolctl.LibController):
        """threadpoolctl's handle on vqpress's thread pool."""

        user_api = "vqpress"
        internal_api = "vqpress"
        filename_prefixes = ("_threadpool",)
        check_symbols = ("vqpress_get_num_threads", "vqpress_set_num_threads")

        def get_num_threads(self):
            return self.dynlib.vqpress_get_num_threads()

        def set_num_threads(self, num_threads):
            return self.dynlib.vqpress_set_num_threads(num_threads)

        def get_version(self):
            from . import __version__

            return __version__

    threadpoolctl.register(VQPressController)


def get_num_threads() -> int:
    """The number of threads the compiled kernels may use, process-wide.

    A limit set with :func:`thread_limit` on the calling thread lowers it further.

    Examples
    --------
    >>> import vqpress
    >>> vqpress.get_num_threads() >= 1
    True
    """
    return int(_pool().get_limit())


def set_num_threads(n: int) -> None:
    """Let the compiled kernels use up to ``n`` threads (the calling thread included).

    Parameters
    ----------
    n : int
        1..256. 1 runs every kernel on the calling thread.

    Examples
    --------
    >>> import vqpress
    >>> before = vqpress.get_num_threads()
    >>> vqpress.set_num_threads(1)
    >>> vqpress.get_num_threads()
    1
    >>> vqpress.set_num_threads(before)
    """
    _pool().set_limit(_check(n))


@contextlib.contextmanager
def thread_limit(n: int):
    """Limit the kernels called from this thread, inside the block, to ``n`` threads.

    Other threads keep their own limits; the process-wide one (:func:`set_num_threads`)
    still applies when it is lower.

    Examples
    --------
    >>> import vqpress
    >>> with vqpress.thread_limit(1):
    ...     c = vqpress.compress(vqpress.datasets.face(), 16)
    """
    n = _check(n)
    pool = _pool()
    before = pool.get_local_limit()
    pool.set_local_limit(n)
    try:
        yield
    finally:
        pool.set_local_limit(before)
