"""Colour quantization benchmark: vqpress vs scikit-learn, libimagequant and Pillow.

Run: ``python benchmarks/bench_colour.py [--quick] [--images face rocket ...]``. For each
image (the raccoon face and seven photographs bundled with scikit-image) and 16/64/256
colours, without dithering, it prints PSNR, SSIM and the time of ``vqpress.compress`` +
``decompress`` (histogram, fit, exact codes of every pixel, bit packing and back), as the
median of a few runs in this one process (scikit-learn: one run), and that time as a ratio of
libimagequant's measured in the same run (compare ratios, not absolute times, on a busy
machine). Timings of vqpress exclude the one-off numba compilation (done in a warm-up call);
vqpress uses numba's threads (as many as cores), libimagequant one, scikit-learn OpenMP's.
"""

from __future__ import annotations

import argparse
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


def vq(strategy):
    def run(img, k):
        # the library's one-call path: histogram, fit, codes from the fit's own exact
        # assignment, bit packing; then unpack and decode
        return vqpress.compress(img, k, strategy).decompress()
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


def main(argv=None):
    from skimage.metrics import structural_similarity

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="skip scikit-learn (slow)")
    ap.add_argument("--colors", type=int, nargs="*", default=[16, 64, 256])
    ap.add_argument("--images", nargs="*", default=None, help="subset of: face " + " ".join(SKIMAGE_IMAGES))
    args = ap.parse_args(argv)
    imgs = load_images(args.images)
    warm = next(iter(imgs.values()))
    vq("kmeans")(warm, 16)  # warm-up: numba compilation (or loading it from the cache)
    vq("mediancut")(warm, 16)
    print("| image | colours | method | PSNR (dB) | SSIM | time (ms) | time / libimagequant |")
    print("|---|---:|---|---:|---:|---:|---:|")
    order = ["libimagequant"] + [m for m in METHODS if m != "libimagequant"]
    for name, img in imgs.items():
        for k in args.colors:
            rows = {}
            for method in order:
                fn, reps = METHODS[method]
                if args.quick and method.startswith("sklearn"):
                    continue
                times = []
                for _ in range(reps):
                    t0 = time.perf_counter()
                    rec = fn(img, k)
                    times.append(time.perf_counter() - t0)
                s = structural_similarity(img, rec, channel_axis=-1, data_range=255)
                rows[method] = (psnr(img, rec), s, float(np.median(times)))
            for method in METHODS:
                if method in rows:
                    p, s, t = rows[method]
                    ratio = t / rows["libimagequant"][2]
                    print(f"| {name} | {k} | {method} | {p:.3f} | {s:.4f} | {1e3 * t:.1f} | {ratio:.2f} |", flush=True)


if __name__ == "__main__":
    main()
