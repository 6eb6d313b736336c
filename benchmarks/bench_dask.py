"""Larger than memory: vqpress.dask and the vqpress.vq zarr codec on lazily generated images.

Usage::

    python benchmarks/bench_dask.py                 # 1 GPix gray, 8192^2 RGB, exactness at 268 MPix
    python benchmarks/bench_dask.py --quick         # 268 MPix gray, 4096^2 RGB, no exactness check
    python benchmarks/bench_dask.py --distributed   # also on a LocalCluster of 2 worker processes

The images never exist in memory: every chunk is made by a dask task when it is needed (a
synthetic mosaic tile: a smooth gradient, different in every tile, plus sensor noise from a
random generator seeded by the tile's position), so every pass over the image makes its
chunks again. Rates are megapixels per second of wall time (producing the chunks and the
histogram pass: medians of three interleaved runs), with the CPU time of the threaded runs
beside them; the peak memory is the largest
resident set of this process and all its children (worker processes) together, sampled
every 20 ms. Prints markdown for BENCHMARKS.md (with the machine, versions and load).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from datetime import date
from importlib import metadata
from pathlib import Path

import numpy as np

GRAY_CHUNK = 4096


def versions() -> str:
    found = []
    for name in ("vqpress", "numpy", "dask", "distributed", "zarr", "numcodecs"):
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


class PeakMemory:
    """Largest summed RSS of this process and its descendants while the block runs (MB)."""

    def __init__(self, interval: float = 0.02):
        import psutil

        self._me = psutil.Process()
        self.interval = interval
        self.peak = 0.0
        self._stop = threading.Event()

    def _tree_rss(self) -> float:
        total = 0
        for p in [self._me, *self._me.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except Exception:  # a child that just ended
                pass
        return total / 2**20

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._tree_rss())
            time.sleep(self.interval)

    def __enter__(self):
        self.peak = self._tree_rss()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


# -- lazily generated images ------------------------------------------------------------

def _gray_tile(block_info=None):
    (r0, r1), (c0, c1) = block_info[None]["array-location"]
    rng = np.random.default_rng([r0, c0])
    tile = rng.integers(0, 4096, size=(r1 - r0, c1 - c0), dtype=np.uint16)  # sensor noise
    # The gradient 3x + 2y (wrapping at 65536), added in place: no temporary the size of the tile.
    tile += (np.arange(c0, c1, dtype=np.uint32) * 3).astype(np.uint16)[None, :]
    tile += (np.arange(r0, r1, dtype=np.uint32) * 2).astype(np.uint16)[:, None]
    return tile


def gray_image(side: int, chunk: int = GRAY_CHUNK):
    import dask.array as da

    return da.map_blocks(_gray_tile, chunks=((chunk,) * (side // chunk),) * 2, dtype=np.uint16)


_TILES: dict = {}


def _colour_tile(block_info=None):
    import vqpress

    (r0, r1), (c0, c1), _ = block_info[None]["array-location"]
    shape = (r1 - r0, c1 - c0)
    base = _TILES.get(shape)
    if base is None:  # the face repeated over one tile, made once per process
        face = vqpress.datasets.face()
        reps = (-(-shape[0] // face.shape[0]), -(-shape[1] // face.shape[1]), 1)
        base = _TILES[shape] = np.ascontiguousarray(np.tile(face, reps)[: shape[0], : shape[1]])
    tile = np.roll(base, 37 * (r0 // 1024) + 11 * (c0 // 1024), axis=1)
    rng = np.random.default_rng([r0, c0])
    tile[..., 2] ^= rng.integers(0, 4, size=shape, dtype=np.uint8)  # some noise in blue
    return tile


def colour_image(side: int, chunk: int = 2048):
    import dask.array as da

    n = side // chunk
    return da.map_blocks(_colour_tile, chunks=((chunk,) * n, (chunk,) * n, (3,)), dtype=np.uint8)


def _touch(block: np.ndarray) -> int:
    return int(block.ravel()[-1])


def produce(x) -> None:
    """Make every chunk and drop it (the rate of just producing the chunks)."""
    import dask

    dask.compute(*[dask.delayed(_touch)(b) for b in x.to_delayed().ravel()])


def timed(func):
    start = time.perf_counter()
    out = func()
    return time.perf_counter() - start, out


def cpu_timed(func):
    """Wall seconds, CPU seconds of this process (all its threads; not worker processes),
    and the result."""
    cpu, start = time.process_time(), time.perf_counter()
    out = func()
    return time.perf_counter() - start, time.process_time() - cpu, out


# -- cases -----------------------------------------------------------------------------

def gray_case(side: int, workdir: Path) -> dict:
    import dask.array as da

    import vqpress.dask as vqd

    x = gray_image(side)
    mpix = x.size / 1e6
    # Producing and the histogram pass, interleaved three times (medians): a change in the
    # machine's load falls on both.
    rounds = [cpu_timed(lambda: produce(x))[:2] + cpu_timed(lambda: vqd.histogram(x))[:2] for _ in range(3)]
    t_produce, c_produce, t_hist, c_hist = (float(np.median([r[i] for r in rounds])) for i in range(4))
    store = workdir / "gray.zarr"
    with PeakMemory() as mem:
        t_all, c_all, cb = cpu_timed(lambda: vqd.to_zarr(x, store, n_colors=16, overwrite=True))
    t_read, _ = timed(lambda: produce(da.from_zarr(store)))
    stored = sum(f.stat().st_size for f in store.rglob("*") if f.is_file())
    return {
        "case": f"gray uint16 {side}x{side} ({mpix / 1000:.2f} GPix), {GRAY_CHUNK}^2 chunks, 16 levels",
        "produce_mps": mpix / t_produce,
        "hist_mps": mpix / t_hist,
        "hist_ratio": t_produce / t_hist,
        "cpu_ns": (1e3 * c_produce / mpix, 1e3 * c_hist / mpix, 1e3 * c_all / mpix),
        "fit_to_zarr_s": t_all,
        "fit_to_zarr_mps": mpix / t_all,
        "peak_mb": mem.peak,
        "read_mps": mpix / t_read,
        "stored_mb": stored / 2**20,
        "codebook": cb,
    }


def stored_gray_case(side: int, workdir: Path, rounds: int = 5) -> dict:
    """The histogram pass over the same kind of image read from a zarr store (zstd, as
    ``zarr.create_array`` compresses by default): producing a chunk is then reading and
    decompressing it, as for a real mosaic on disk, rather than generating it."""
    import dask.array as da

    import vqpress.dask as vqd

    store = workdir / "source.zarr"
    gray_image(side).to_zarr(str(store), overwrite=True)
    x = da.from_zarr(str(store))
    mpix = x.size / 1e6
    produce(x)  # a first read brings the store into the page cache
    runs = [cpu_timed(lambda: produce(x))[:2] + cpu_timed(lambda: vqd.histogram(x))[:2] for _ in range(rounds)]
    t_produce, c_produce, t_hist, c_hist = (float(np.median([r[i] for r in runs])) for i in range(4))
    stored = sum(f.stat().st_size for f in store.rglob("*") if f.is_file())
    return {"case": f"gray uint16 {side}x{side} read from zarr (zstd, {stored / 2**20:.0f} MB)",
            "produce_mps": mpix / t_produce, "hist_mps": mpix / t_hist, "hist_ratio": t_produce / t_hist,
            "ratios": sorted(r[0] / r[2] for r in runs), "cpu_ratio": c_produce / c_hist,
            "cpu_ns": (1e3 * c_produce / mpix, 1e3 * c_hist / mpix)}


def colour_case(side: int, workdir: Path) -> dict:
    import vqpress.dask as vqd

    x = colour_image(side)
    mpix = x.shape[0] * x.shape[1] / 1e6
    t_produce, _ = timed(lambda: produce(x))
    with PeakMemory() as mem:
        t_fit, c_fit, cb = cpu_timed(lambda: vqd.fit(x, 16))
        t_enc, c_enc, _ = cpu_timed(lambda: produce(vqd.encode(x, cb)))
    return {
        "case": f"colour RGB {side}x{side} ({mpix:.0f} MPix), 2048^2 chunks, 16 colours",
        "produce_mps": mpix / t_produce,
        "fit_s": t_fit,
        "encode_s": t_enc,
        "fit_encode_mps": mpix / (t_fit + t_enc),
        "cpu_s": c_fit + c_enc,
        "peak_mb": mem.peak,
        "codebook": cb,
    }


def on_cluster(case) -> dict:
    """Run ``case()`` on a fresh LocalCluster of two single-threaded worker processes; add
    the largest peak resident set of a worker (``worker_peak_mb``)."""
    from dask.distributed import Client, LocalCluster

    def worker_peak():
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        row = case()
        row["worker_peak_mb"] = max(client.run(worker_peak).values())
    return row


def exactness(side: int) -> list[str]:
    """dask.fit == vqpress.fit for every gray strategy, codes equal; colour palette equal."""
    import dask.array as da

    import vqpress
    import vqpress.dask as vqd

    lines = []
    x = gray_image(side)
    whole = x.compute()
    for strategy in ("uniform", "quantile", "kmeans", "optimal"):
        cb = vqd.fit(x, 16, strategy)
        ref = vqpress.fit(whole, 16, strategy)
        same = cb == ref and np.array_equal(cb.edges, ref.edges) and np.array_equal(cb.centers, ref.centers)
        codes = vqd.encode(x, cb)
        equal_codes = all(
            np.array_equal(codes.blocks[i, j].compute(), ref.encode(whole[i * GRAY_CHUNK:(i + 1) * GRAY_CHUNK,
                                                                       j * GRAY_CHUNK:(j + 1) * GRAY_CHUNK]))
            for i in range(codes.numblocks[0]) for j in range(codes.numblocks[1])
        )
        lines.append(f"| gray {side}^2 uint16, {strategy} | {'identical' if same else 'DIFFERENT'} | "
                     f"{'bit-identical' if equal_codes else 'DIFFERENT'} |")
    del whole
    c = colour_image(8192)
    rgb = c.compute()
    cb, ref = vqd.fit(c, 16), vqpress.fit(rgb, 16)
    same = np.array_equal(cb.centers, ref.centers)
    codes_same = np.array_equal(vqd.encode(da.from_array(rgb, chunks=(2048, 2048, 3)), cb).compute(), ref.encode(rgb))
    lines.append(f"| colour 8192^2 RGB, kmeans | {'identical' if same else 'DIFFERENT'} | "
                 f"{'bit-identical' if codes_same else 'DIFFERENT'} |")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller images, no exactness check")
    parser.add_argument("--distributed", action="store_true", help="also on a LocalCluster of 2 worker processes")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_core import machine

    gray_side = 16384 if args.quick else 32768
    colour_side = 4096 if args.quick else 8192
    print(f"Measured {date.today().isoformat()} on {machine()}; load average before: "
          f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}.  ")
    print(f"Versions: {versions()}.")
    print()
    rows = []
    with tempfile.TemporaryDirectory(prefix="vqpress-bench-") as tmp:
        workdir = Path(tmp)
        rows.append(("threads", gray_case(gray_side, workdir), colour_case(colour_side, workdir)))
        if args.distributed:
            gray = on_cluster(lambda: gray_case(gray_side, workdir))
            colour = on_cluster(lambda: colour_case(colour_side, workdir))
            rows.append(("distributed, 2 workers", gray, colour))
            same = gray["codebook"] == rows[0][1]["codebook"] and colour["codebook"] == rows[0][2]["codebook"]
            print(f"Distributed codebooks identical to the threaded ones: {'yes' if same else 'NO'}.")
            print()
    print("| scheduler | gray: produce MPix/s | histogram MPix/s (ratio) | fit + to_zarr s (MPix/s) | peak MB "
          "| read back MPix/s | stored MB | colour: fit + encode s (MPix/s) | colour peak MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, g, c in rows:
        peak = f"{g['peak_mb']:.0f}" + (f" (worker max {g['worker_peak_mb']:.0f})" if "worker_peak_mb" in g else "")
        cpeak = f"{c['peak_mb']:.0f}" + (f" (worker max {c['worker_peak_mb']:.0f})" if "worker_peak_mb" in c else "")
        print(f"| {name} | {g['produce_mps']:.0f} | {g['hist_mps']:.0f} ({g['hist_ratio']:.2f}) | "
              f"{g['fit_to_zarr_s']:.2f} ({g['fit_to_zarr_mps']:.0f}) | {peak} | {g['read_mps']:.0f} | "
              f"{g['stored_mb']:.0f} | {c['fit_s'] + c['encode_s']:.2f} ({c['fit_encode_mps']:.0f}) | "
              f"{cpeak} |")
    print()
    with tempfile.TemporaryDirectory(prefix="vqpress-bench-") as tmp:
        s = stored_gray_case(16384, Path(tmp))
    print(f"Histogram pass over a stored image ({s['case']}, {GRAY_CHUNK}^2 chunks, threads): reading "
          f"{s['produce_mps']:.0f} MPix/s, histogram pass {s['hist_mps']:.0f} MPix/s, ratio "
          f"{s['hist_ratio']:.2f} (median of {len(s['ratios'])} interleaved rounds; each round's ratio: "
          f"{', '.join(f'{r:.2f}' for r in s['ratios'])}); in CPU time {s['cpu_ns'][0]:.2f} and "
          f"{s['cpu_ns'][1]:.2f} ns a pixel, ratio {s['cpu_ratio']:.2f}.")
    print()
    g, c = rows[0][1], rows[0][2]
    print(f"CPU time of this process on the threaded scheduler (steadier than wall time on a shared "
          f"machine): gray produce {g['cpu_ns'][0]:.2f} ns a pixel, histogram pass {g['cpu_ns'][1]:.2f}, "
          f"fit + to_zarr {g['cpu_ns'][2]:.2f}; colour fit + encode {c['cpu_s']:.2f} s.")
    print()
    print(f"Gray: {rows[0][1]['case']}. Colour: {rows[0][2]['case']}.")
    if not args.quick:
        print()
        print("| exactness (dask against in memory) | codebook | codes |")
        print("|---|---|---|")
        for line in exactness(16384):
            print(line)
    print()
    print(f"Load average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
