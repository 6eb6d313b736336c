"""Colour work and threads: the same answers on any number of threads, from several Python
threads at once, and in fork-started child processes (issue 12, item 2)."""

from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import vqpress
from vqpress import _threadpool
from vqpress.colour.histogram import colour_histogram
from vqpress.colour.kmeans import kmeans_fit

from colour_reference import photo_like


def _histogram(seed, shape=(200, 200)):
    colours, counts = colour_histogram(photo_like(seed, shape).reshape(-1, 3))
    return colours.astype(np.float64), counts.astype(np.float64)


@pytest.mark.parametrize("k", [16, 64, 200])  # the bounded kernel alone; the tree kernel first; one start
def test_kmeans_gives_the_same_bits_on_any_number_of_threads(k, two_threads):
    X, w = _histogram(7)
    C2, lab2 = kmeans_fit(X, w, k)
    for n in (1, 3):
        with vqpress.thread_limit(n):
            C, lab = kmeans_fit(X, w, k)
        np.testing.assert_array_equal(C, C2)
        np.testing.assert_array_equal(lab, lab2)


def test_colour_fits_from_several_threads_at_once(two_threads):
    # a call made while another thread's call uses the pool runs on its own thread: the
    # same answers as serial ones
    imgs = [photo_like(20 + i, (90, 120)) for i in range(4)]
    serial = [vqpress.fit(img, k).centers for img in imgs for k in (24, 80)]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda a: vqpress.fit(*a).centers, [(img, k) for img in imgs for k in (24, 80)]))
    for a, b in zip(serial, threaded):
        np.testing.assert_array_equal(a, b)


def _compress_centres(seed):
    img = photo_like(seed, (120, 160))
    c = vqpress.compress(img, 64)
    return c.codebook.centers, c.codes()


@pytest.mark.skipif(sys.platform == "win32", reason="no fork on Windows")
def test_fork_after_colour_work_completes_with_the_serial_results(two_threads):
    seeds = list(range(30, 36))
    serial = [_compress_centres(s) for s in seeds]  # colour work in the parent: its pool threads exist
    assert _threadpool.pool_threads() >= 1
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as workers:
        forked = workers.map_async(_compress_centres, seeds).get(timeout=120)
    for (c1, codes1), (c2, codes2) in zip(serial, forked):
        np.testing.assert_array_equal(c1, c2)
        np.testing.assert_array_equal(codes1, codes2)
