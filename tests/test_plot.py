"""Tests for vqpress.plot: every figure function returns a Figure with the expected axes and labels."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest

pytest.importorskip("matplotlib")
from matplotlib.figure import Figure  # noqa: E402

import vqpress  # noqa: E402
from vqpress import plot  # noqa: E402
from vqpress.errors import VQError  # noqa: E402


@pytest.fixture(scope="module")
def gray():
    return vqpress.datasets.face(gray=True)[300:364, 400:464].copy()


@pytest.fixture(scope="module")
def colour():
    return vqpress.datasets.face()[300:348, 400:448].copy()


def labels(fig):
    return [(ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) for ax in fig.axes]


def renders(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=40)
    assert buf.getvalue().startswith(b"\x89PNG")


def test_image_histogram_gray(gray):
    fig = plot.plot_image_histogram(gray, title="my image")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2
    img_ax, hist_ax = fig.axes
    assert img_ax.get_title().startswith("Rendering of the image")
    assert hist_ax.get_title() == "Distribution of the pixel values"
    assert hist_ax.get_xlabel() == "pixel value" and hist_ax.get_ylabel() == "count of pixels"
    assert fig._suptitle.get_text() == "my image"
    renders(fig)


def test_image_histogram_counts_every_pixel(gray):
    fig = plot.plot_image_histogram(gray)
    (stairs,) = fig.axes[1].patches
    data = stairs.get_data()
    values, edges = data.values, data.edges
    assert values.sum() == gray.size and len(edges) == 257


def test_image_histogram_colour_has_channel_legend(colour):
    fig = plot.plot_image_histogram(colour)
    assert len(fig.axes) == 2
    legend = fig.axes[1].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["red", "green", "blue"]


@pytest.mark.parametrize("strategy", ["uniform", "quantile", "kmeans", "optimal"])
def test_levels_scalar(gray, strategy):
    cb = vqpress.fit(gray, 8, strategy)
    fig = plot.plot_levels(gray, cb)
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_title().startswith(f"{strategy}: {cb.n_colors} levels, MSE ")
    assert "PSNR" in ax.get_title() and "dB" in ax.get_title()
    assert ax.get_xlabel() == "pixel value" and ax.get_ylabel() == "count of pixels"
    xs = sorted(line.get_xdata()[0] for line in ax.get_lines())
    np.testing.assert_allclose(xs, cb.centers)
    assert len(ax.texts) == cb.n_colors  # 8 levels: every one labelled
    renders(fig)


def test_levels_labels_thinned_when_crowded(gray):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cb = vqpress.fit(gray, 64, "optimal")
    fig = plot.plot_levels(gray, cb)
    ax = fig.axes[0]
    assert 0 < len(ax.texts) < cb.n_colors
    positions = sorted(t.get_position()[0] for t in ax.texts)
    gap = plot._label_step(cb.n_colors, ax.get_xlim()[1] - ax.get_xlim()[0], 0.88 * fig.get_figwidth())
    assert np.all(np.diff(positions) >= gap - 1e-9)


def test_levels_colour(colour):
    cb = vqpress.fit(colour, 6, "mediancut")
    fig = plot.plot_levels(colour, cb)
    assert len(fig.axes) == 2
    hist_ax, pal_ax = fig.axes
    assert hist_ax.get_xlabel() == "channel value"  # colour words in colour figures
    assert "6 colours" in fig.get_suptitle()
    assert pal_ax.get_ylabel() == "share of pixels (%)"
    bars = pal_ax.patches
    assert len(bars) == 6
    assert sum(b.get_height() for b in bars) == pytest.approx(100)
    renders(fig)


def test_strategies_accepts_codebooks_compressed_and_results(gray):
    from vqpress.report import evaluate

    items = [vqpress.fit(gray, 4, "uniform"), vqpress.compress(gray, 4, "kmeans"), *evaluate(gray, 4, ["optimal"])]
    fig = plot.plot_strategies(gray, items, title="compare")
    assert len(fig.axes) == 6
    titles = [ax.get_title() for ax in fig.axes[:3]]
    for name, t in zip(["uniform", "kmeans", "optimal"], titles):
        assert t.startswith(f"{name}, 4 levels") and "MSE" in t and "PSNR" in t
    hist_axes = fig.axes[3:]
    assert all(ax.get_xlabel().startswith("code") for ax in hist_axes)
    assert hist_axes[0].get_ylabel() == "share of pixels (%)"
    assert len({ax.get_ylim() for ax in hist_axes}) == 1  # one scale for all
    renders(fig)


def test_strategies_colour_numbers_of_colours(colour):
    """Colour results at several numbers of colours (the demo's colour figure): bars in the
    palette colours, each column on its own y scale, thin bars without outlines."""
    items = [vqpress.compress(colour, n) for n in (4, 16, 128)]
    fig = plot.plot_strategies(colour, items)
    assert len(fig.axes) == 6
    assert [ax.get_title().split("\n")[0] for ax in fig.axes[:3]] == [
        "kmeans, 4 colours", "kmeans, 16 colours", "kmeans, 128 colours"]
    hist_axes = fig.axes[3:]
    assert all(ax.get_xlabel() == "palette index" for ax in hist_axes)
    assert [len(ax.patches) for ax in hist_axes[:2]] == [4, 16]
    assert len({ax.get_ylim() for ax in hist_axes}) == 3  # not one scale: 128 bars would be flat
    for ax, c in zip(hist_axes[:2], items):
        faces = np.array([p.get_facecolor()[:3] for p in ax.patches])
        np.testing.assert_allclose(faces * 255, c.codebook.levels()[:, :3], atol=0.51)
        assert ax.patches[0].get_linewidth() > 0
    (bars,) = hist_axes[2].collections  # many colours: one collection of touching bars, no outlines
    np.testing.assert_allclose(bars.get_facecolor()[:, :3] * 255, items[2].codebook.levels()[:, :3], atol=0.51)
    share = np.bincount(items[2].codes().ravel(), minlength=128) / items[2].n_pixels * 100
    np.testing.assert_allclose([p.vertices[:, 1].max() for p in bars.get_paths()], share)
    assert hist_axes[2].get_ylim()[1] >= share.max()
    renders(fig)


def test_strategies_rejects_bad_items(gray):
    with pytest.raises(VQError):
        plot.plot_strategies(gray, [])
    with pytest.raises(VQError, match="Codebook"):
        plot.plot_strategies(gray, ["uniform"])


def test_rate_distortion(gray):
    fig = plot.plot_rate_distortion(gray, ["uniform", "optimal"], levels=(2, 4, 8), vqz_levels=(2, 8))
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_xlabel() == "bits per pixel" and ax.get_ylabel() == "PSNR (dB)"
    assert ax.get_title()
    assert len(ax.get_lines()) == 4  # packed and .vqz per strategy
    renders(fig)


def test_rate_distortion_keeps_lossless_points(gray):
    """256 levels of a uint8 image are lossless (infinite PSNR): drawn on a line of their own."""
    levels = (2, 8, 256)
    pts = plot.rate_distortion(gray, ["optimal", "uniform"], levels=levels, vqz_levels=(8, 256))
    assert any(p["psnr"] == float("inf") for p in pts)
    fig = plot.plot_rate_distortion(gray, points=pts)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "lossless"
    top = ax.get_yticks()[-1]
    curves = [line for line in ax.get_lines() if line.get_linestyle() != ":"]
    assert len(curves) == 4
    # every point is drawn (packed: 3 per strategy, .vqz: 2), the lossless ones on the lossless line
    assert sorted(len(line.get_xdata()) for line in curves) == [2, 2, 3, 3]
    for line in curves:
        assert line.get_ydata()[-1] == pytest.approx(top)
    lossless_line = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert len(lossless_line) == 1
    assert ax.get_ylim()[1] > top
    finite = [p["psnr"] for p in pts if p["psnr"] != float("inf")]
    assert top > max(finite)
    assert all(float(t) < top for t in labels[:-1])
    renders(fig)


def test_difference(gray):
    rec = vqpress.compress(gray, 4).decompress()
    fig = plot.plot_difference(gray, rec)
    assert len(fig.axes) == 2  # image and colour bar
    ax, cbar = fig.axes
    assert "MSE" in ax.get_title() and "PSNR" in ax.get_title()
    assert cbar.get_ylabel() == "pixel value difference"
    (im,) = ax.get_images()
    lo, hi = im.get_clim()
    assert lo == -hi  # centred on 0
    np.testing.assert_allclose(im.get_array(), gray.astype(float) - rec)
    renders(fig)


def test_difference_colour_shows_error_magnitude(colour):
    rec = vqpress.compress(colour, 4, "mediancut").decompress()
    fig = plot.plot_difference(colour, rec)
    ax, cbar = fig.axes
    assert "Colour error" in ax.get_title() and "distance over the 3 channels" in cbar.get_ylabel()
    (im,) = ax.get_images()
    # the Euclidean distance of each pixel's colours: errors of opposite signs do not cancel
    distance = np.sqrt(((colour.astype(float) - rec) ** 2).sum(axis=-1))
    np.testing.assert_allclose(im.get_array(), distance)
    assert im.get_clim() == (0.0, distance.max())
    renders(fig)


def test_difference_takes_a_compressed_as_the_reconstruction(gray):
    # It said "reconstruction has dtype object".
    c = vqpress.compress(gray, 4)
    (im,) = plot.plot_difference(gray, c).axes[0].get_images()
    np.testing.assert_allclose(im.get_array(), gray.astype(float) - c.decompress())


def test_a_compressed_given_as_the_original_image_is_refused_by_name(gray):
    c = vqpress.compress(gray, 4)
    for call in (lambda: plot.plot_difference(c, gray), lambda: plot.plot_levels(c, c.codebook),
                 lambda: plot.plot_image_histogram(c)):
        with pytest.raises(VQError, match=r"^image is a vqpress.Compressed; pass the original image array here "
                                          r"\(c.decompress\(\) gives the reconstruction\)$"):
            call()


def test_difference_shape_mismatch(colour):
    rec = vqpress.compress(colour, 4, "mediancut").decompress()
    with pytest.raises(VQError, match="same shape"):
        plot.plot_difference(colour, rec[1:])


def test_no_pyplot_state(gray):
    import sys

    plot.plot_image_histogram(gray)
    pyplot = sys.modules.get("matplotlib.pyplot")
    assert pyplot is None or not pyplot.get_fignums()


def test_import_vqpress_does_not_import_matplotlib():
    import subprocess
    import sys

    code = "import sys, vqpress, vqpress.plot, vqpress.report; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_matplotlib_message(hide_module, gray):
    hide_module("matplotlib")
    with pytest.raises(ImportError, match=r"pip install vqpress\[plot\]"):
        plot.plot_image_histogram(gray)
