"""Tests for vqpress.rate_distortion: the rows of the rate-distortion curves (no matplotlib needed)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import vqpress
from vqpress.rate_distortion import DEFAULT_LEVELS, default_strategies, rate_distortion, rate_distortion_rows


@pytest.fixture(scope="module")
def gray():
    return vqpress.datasets.face(gray=True)[300:364, 400:464].copy()


def test_rate_distortion_points_are_real(gray):
    pts = rate_distortion(gray, ["kmeans"], levels=(2, 4), vqz_levels=(4,))
    by = {p["levels"]: p for p in pts}
    c = vqpress.compress(gray, 4, "kmeans")
    assert by[4]["vqz_bpp"] == pytest.approx(8 * len(c.to_bytes()) / gray.size)
    assert by[4]["packed_bpp"] == pytest.approx(2.0)
    assert by[2]["vqz_bpp"] is None and by[2]["packed_bpp"] == pytest.approx(1.0)
    assert by[4]["psnr"] == pytest.approx(vqpress.metrics.psnr(gray, c.decompress()))


def test_rows_and_jobs_give_what_rate_distortion_gives(gray):
    """The report runs the .vqz encodes of rate_distortion_rows itself: filled in, its rows are
    rate_distortion's."""
    rows, jobs = rate_distortion_rows(gray, ["uniform", "optimal"], (2, 4, 8), (4, 8), None)
    assert [row["vqz_bpp"] for row in rows] == [None] * 6
    assert [(row["strategy"], row["levels"]) for row, _c in jobs] == [
        ("uniform", 4), ("uniform", 8), ("optimal", 4), ("optimal", 8)]
    for row, c in jobs:
        row["vqz_bpp"] = 8 * len(c.to_bytes()) / c.n_pixels
    assert rows == rate_distortion(gray, ["uniform", "optimal"], (2, 4, 8), vqz_levels=(4, 8))


def test_known_sizes_are_reused(gray):
    from vqpress.report import evaluate

    known = evaluate(gray, 4, ["kmeans"])
    rows, jobs = rate_distortion_rows(gray, ["kmeans"], (2, 4), None, known)
    assert [row["levels"] for row, _c in jobs] == [2]
    assert rows[1]["vqz_bpp"] == 8 * known[0].vqz_bytes / gray.size


def test_default_strategies_follow_the_kind_of_image(gray):
    colour = vqpress.datasets.face()[:8, :8]
    assert default_strategies(gray) == list(vqpress.kinds.image_kind(gray).strategies)
    assert default_strategies(colour) == list(vqpress.kinds.image_kind(colour).strategies)
    assert default_strategies(gray) != default_strategies(colour)
    assert DEFAULT_LEVELS[0] == 2 and DEFAULT_LEVELS[-1] == 256


def test_needs_no_matplotlib_and_plot_re_exports_it():
    code = ("import sys, vqpress.rate_distortion as rd; print('matplotlib' in sys.modules); "
            "import vqpress.plot as plot; "
            "print(all(getattr(plot, k) is getattr(rd, k) for k in "
            "('rate_distortion', 'default_strategies', 'DEFAULT_LEVELS')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
