"""The shared thread pool of the compiled kernels (vqpress.threads, _threadpool.h)."""

import multiprocessing
import subprocess
import sys
import threading
from collections import Counter

import pytest

import vqpress
from vqpress import _threadpool as pool
from vqpress.errors import VQError

SPIN = 200_000  # busy-work per chunk: long enough (about 0.5 ms) for a helper to join


def test_every_chunk_runs_once_on_a_planned_worker(two_threads):
    planned, worker_of = pool._probe(500, 2_000)
    assert planned == 2
    assert len(worker_of) == 500
    assert set(worker_of) <= {0, 1}


def test_helpers_share_the_work(two_threads):
    pool._probe(8, SPIN)  # start the pool thread
    counts = Counter(pool._probe(64, SPIN)[1])
    assert counts[1] > 0, counts


def test_planned_workers_never_exceed_chunks_or_limit(two_threads):
    assert pool._probe(1, 0)[0] == 1
    assert pool._probe(0, 0) == (1, [])
    planned, worker_of = pool._probe(16, 0, 1)  # max_workers=1
    assert worker_of == [0] * 16


def test_set_num_threads_one_runs_on_the_caller():
    before = vqpress.get_num_threads()
    try:
        vqpress.set_num_threads(1)
        assert vqpress.get_num_threads() == 1
        planned, worker_of = pool._probe(32, 1_000)
        assert planned == 1 and worker_of == [0] * 32
    finally:
        vqpress.set_num_threads(before)


def test_thread_limit_is_local_to_the_block_and_thread(two_threads):
    seen = {}

    def other():
        seen["other"] = pool._probe(4, 0)[0]

    with vqpress.thread_limit(1):
        assert pool._probe(8, 0)[0] == 1
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen["other"] == 2
    assert pool._probe(8, 0)[0] == 2


@pytest.mark.parametrize("bad", [0, -1, 257, 1.5, "2", None, True])
def test_bad_thread_counts_raise_vqerror_naming_the_range(bad):
    with pytest.raises(VQError, match=r"1\.\.256"):
        vqpress.set_num_threads(bad)
    with pytest.raises(VQError, match=r"1\.\.256"):
        with vqpress.thread_limit(bad):
            pass


def test_callers_on_several_threads_each_get_every_chunk(two_threads):
    results, errors = [], []

    def work():
        try:
            for _ in range(20):
                planned, worker_of = pool._probe(64, 500)
                results.append(len(worker_of) == 64 and min(worker_of) >= 0)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and len(results) == 80 and all(results)


def _child_probe(_):
    planned, worker_of = pool._probe(64, SPIN)
    return planned, len(worker_of), min(worker_of)


@pytest.mark.skipif(sys.platform == "win32", reason="no fork on Windows")
def test_fork_after_parallel_work_completes(two_threads):
    pool._probe(64, SPIN)  # the parent's pool threads exist now
    assert pool.pool_threads() >= 1
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as workers:
        got = workers.map_async(_child_probe, range(4)).get(timeout=60)
    assert got == [(2, 64, 0)] * 4


def test_threadpoolctl_limits_vqpress(two_threads):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    pool._probe(1, 0)
    info = [lib for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "vqpress"]
    assert len(info) == 1 and info[0]["num_threads"] == 2
    with threadpoolctl.threadpool_limits(1, user_api="vqpress"):
        assert vqpress.get_num_threads() == 1
        assert pool._probe(8, 0)[0] == 1
    assert vqpress.get_num_threads() == 2


@pytest.mark.parametrize("value, expected", [("1", "1"), ("3", "3"), ("zero", "cores"), ("0", "cores")])
def test_environment_variable_sets_the_default(value, expected):
    code = (
        "import warnings, os, vqpress\n"
        "from vqpress.threads import _cores\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always')\n"
        "    n = vqpress.get_num_threads()\n"
        "print(n, _cores(), len(w))\n"
    )
    env = {**__import__("os").environ, "VQPRESS_NUM_THREADS": value}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    n, cores, warned = map(int, out.stdout.split())
    if expected == "cores":
        assert n == cores and warned == 1
    else:
        assert n == int(expected) and warned == 0


@pytest.mark.parametrize("call", ["vqpress.compress(np.arange(100, dtype=np.uint8).reshape(10, 10), 4)",
                                  "vqpress.get_num_threads()"])
def test_environment_variable_warning_points_at_the_users_line(tmp_path, call):
    # It pointed at an import line inside vqpress (strategies/optimal.py, threads.py), or at
    # importlib: the pool loads, and reads the variable, on a vqpress import.
    script = tmp_path / "user_script.py"
    script.write_text(f"import numpy as np\nimport vqpress\n{call}\n")
    env = {**__import__("os").environ, "VQPRESS_NUM_THREADS": "abc"}
    err = subprocess.run([sys.executable, "-W", "always", str(script)], env=env, capture_output=True, text=True,
                         check=True).stderr
    assert f"{script}:3: UserWarning: VQPRESS_NUM_THREADS='abc' is not an integer" in err, err


def test_back_to_back_jobs_each_run_every_chunk_once(two_threads):
    # a helper that watches for the next job (instead of blocking at once) joins it at any
    # moment: every chunk still runs exactly once, on a planned worker
    for spin in (0, 50, 5_000):
        for _ in range(200):
            planned, worker_of = pool._probe(7, spin)
            # every chunk written (the probe starts them at -1) by a planned worker
            assert len(worker_of) == 7 and min(worker_of) >= 0 and max(worker_of) < planned


def test_an_idle_pool_blocks_instead_of_spinning(two_threads):
    # after a job the helpers watch for the next one for a short while (0.1 ms), then
    # block: a second of idleness costs (almost) no CPU time
    import time

    pool._probe(64, SPIN)
    assert pool.pool_threads() >= 1
    time.sleep(0.05)
    before = time.process_time()
    time.sleep(1.0)
    assert time.process_time() - before < 0.2
