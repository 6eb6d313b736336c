"""Colour quantization benchmark: vqpress vs scikit-learn, libimagequant and Pillow.

Run: ``python benchmarks/bench_colour.py [--quick] [--busy] [--images face rocket ...]``. For
each image (the raccoon face and seven photographs bundled with scikit-image) and 16/64/256
colours, without dithering, it prints PSNR, SSIM and the time of ``vqpress.compress`` +
``decompress`` (histogram, fit, exact codes of every pixel, bit packing and back), as the
median of a few runs in this one process (scikit-learn: one run), and that time as a ratio of
libimagequant's measured in the same run (compare ratios, not absolute times, on a busy
machine). vqpress uses its thread pool (one thread per core unless ``VQPRESS_NUM_THREADS``
says otherwise), libimagequant one thread, scikit-learn OpenMP's.

``--busy`` measures with one core kept busy by another process (a child spinning on the
last core this process may use), as on a machine shared with other work: the repeats of
each method are interleaved, so both see the same load. ``--save-centres FILE`` writes
vqpress's k-means centres of every case (``.npz``), ``--compare-centres FILE`` reports how
far they are from those of an earlier run (to check that a change keeps the same fixed
points). ``--peer MODULE`` adds another importable copy of vqpress (for instance an older
version installed under another package name) measured side by side.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import multiprocessing
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import vqpress  # noqa: E402


#: Photographs bundled with scikit-image (no download), besides the raccoon face.
SKIMAGE_IMAGES = ("astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field", "immunohistochemistry",
                  "stereo_motorcycle")


def load_images(names=None):
    import skimage.data as data

    imgs = {"face": vqpress.datasets.face()}
    for name in SKIMAGE_IMAGES:
        img = getattr(data, name)()
        imgs[name] = img[0] if isinstance(img, tuple) else img  # stereo pairs: the left view
    return {n: img for n, img in imgs.items() if names is None or n in names}


def psnr(a, b):
    return 10 * np.log10(255.0**2 / np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))


def vq(strategy, module=vqpress):
    def run(img, k):
        # the library's one-call path: histogram, fit, codes from the fit's own exact
        # assignment, bit packing; then unpack and decode
        return module.compress(img, k, strategy).decompress()
    return run


def sklearn_kmeans(img, k):
    from sklearn.cluster import KMeans

    px = img.reshape(-1, 3).astype(np.float64)
    km = KMeans(n_clusters=k, n_init=1, random_state=0).fit(px)
    return np.clip(np.rint(km.cluster_centers_), 0, 255).astype(np.uint8)[km.labels_].reshape(img.shape)


def libimagequant(img, k):
    import imagequant

    out = imagequant.quantize_pil_image(Image.fromarray(img), dithering_level=0.0, max_colors=k)
    return np.asarray(out.convert("RGB"))


def pillow(method):
    def run(img, k):
        out = Image.fromarray(img).quantize(colors=k, method=method, dither=Image.Dither.NONE)
        return np.asarray(out.convert("RGB"))
    return run


METHODS = {
    "vqpress kmeans": (vq("kmeans"), 5),
    "vqpress mediancut": (vq("mediancut"), 5),
    "sklearn KMeans": (sklearn_kmeans, 1),
    "libimagequant": (libimagequant, 3),
    "Pillow median cut": (pillow(Image.Quantize.MEDIANCUT), 5),
    "Pillow octree": (pillow(Image.Quantize.FASTOCTREE), 5),
}


def _spin(ready):
    """The busy process: pinned to one core where the system allows it, spinning."""
    with contextlib.suppress(AttributeError, OSError):
        cores = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cores[-1]})
    ready.set()
    x = 0
    while True:
        x += 1


@contextlib.contextmanager
def busy_core(enabled: bool):
    """Keep one core busy with a spinning child process inside the block (if ``enabled``)."""
    if not enabled:
        yield
        return
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    child = ctx.Process(target=_spin, args=(ready,), daemon=True)
    child.start()
    ready.wait(30)
    time.sleep(0.2)  # let the scheduler settle
    try:
        yield
    finally:
        child.terminate()
        child.join()


def measure(methods, img, k):
    """Time every method on one case, the repeats interleaved (round-robin), so that all of
    them see the same load; returns {method: (reconstruction, [seconds, ...])}."""
    out = {m: (None, []) for m in methods}
    rounds = max(reps for _fn, reps in methods.values())
    for r in range(rounds):
        for method, (fn, reps) in methods.items():
            if r >= reps:
                continue
            t0 = time.perf_counter()
            rec = fn(img, k)
            out[method][1].append(time.perf_counter() - t0)
            out[method] = (rec, out[method][1])
    return out


def main(argv=None):
    from skimage.metrics import structural_similarity

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="skip scikit-learn (slow)")
    ap.add_argument("--kmeans-only", action="store_true", help="only vqpress kmeans (and any --peer) against libimagequant")
    ap.add_argument("--busy", action="store_true", help="keep one core busy with another process while measuring")
    ap.add_argument("--colors", type=int, nargs="*", default=[16, 64, 256])
    ap.add_argument("--images", nargs="*", default=None, help="subset of: face " + " ".join(SKIMAGE_IMAGES))
    ap.add_argument("--repeats", type=int, default=None, help="repeats of every method but scikit-learn")
    ap.add_argument("--save-centres", metavar="FILE", help="write vqpress's kmeans centres of every case (.npz)")
    ap.add_argument("--compare-centres", metavar="FILE", help="compare vqpress's kmeans centres with a saved run")
    ap.add_argument("--peer", metavar="MODULE", help="another copy of vqpress to measure side by side")
    args = ap.parse_args(argv)
    imgs = load_images(args.images)
    methods = dict(METHODS)
    if args.kmeans_only:
        methods = {m: methods[m] for m in ("vqpress kmeans", "libimagequant")}
    if args.quick:
        methods.pop("sklearn KMeans", None)
    if args.peer:
        peer = importlib.import_module(args.peer)
        methods[f"{args.peer} kmeans"] = (vq("kmeans", peer), 5)
    if args.repeats:
        methods = {m: (fn, 1 if m.startswith("sklearn") else args.repeats) for m, (fn, _r) in methods.items()}
    warm = next(iter(imgs.values()))
    for fn, _reps in methods.values():  # warm-up: first calls (imports, pool threads)
        if fn is not sklearn_kmeans:
            fn(warm, 16)
    saved = dict(np.load(args.compare_centres)) if args.compare_centres else None
    centres = {}
    print(f"# threads: vqpress {vqpress.get_num_threads()}; busy core: {'yes' if args.busy else 'no'}")
    print("| image | colours | method | PSNR (dB) | SSIM | time (ms) | time / libimagequant |")
    print("|---|---:|---|---:|---:|---:|---:|")
    ratios = {}
    with busy_core(args.busy):
        for name, img in imgs.items():
            for k in args.colors:
                res = measure(methods, img, k)
                lq = float(np.median(res["libimagequant"][1]))
                for method in methods:
                    rec, times = res[method]
                    t = float(np.median(times))
                    s = structural_similarity(img, rec, channel_axis=-1, data_range=255)
                    ratios.setdefault(method, []).append(t / lq)
                    print(f"| {name} | {k} | {method} | {psnr(img, rec):.3f} | {s:.4f} | {1e3 * t:.1f} | {t / lq:.2f} |",
                          flush=True)
                if args.save_centres or saved is not None:
                    c = vqpress.fit(img, k).centers
                    centres[f"{name}-{k}"] = c
                    if saved is not None:
                        old = saved[f"{name}-{k}"]
                        diff = np.abs(c - old).max() if old.shape == c.shape else np.inf
                        print(f"#   centres of {name} at {k} colours: "
                              + ("identical" if diff == 0 else f"differ (largest difference {diff:.3g})"))
    for method, r in ratios.items():
        if method != "libimagequant":
            r = np.array(r)
            print(f"# {method}: time / libimagequant geometric mean {np.exp(np.log(r).mean()):.3f}, "
                  f"median {np.median(r):.3f}, range {r.min():.2f}-{r.max():.2f}")
    if args.save_centres:
        np.savez(args.save_centres, **centres)


if __name__ == "__main__":
    main()
