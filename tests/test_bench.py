"""vqpress.bench: peers measured as their users measure them, tables that fit 80 columns."""

from __future__ import annotations

import numpy as np
import pytest

import vqpress
from vqpress import bench


def _lines_fit(text: str, width: int = 80) -> None:
    too_long = [line for line in text.splitlines() if len(line) > width]
    assert not too_long, too_long


@pytest.fixture(scope="module")
def gray_rows():
    pytest.importorskip("sklearn")
    return bench.gray_face_cases(1)


def test_gray_peers_as_their_users_measure_them(gray_rows):
    from sklearn.preprocessing import KBinsDiscretizer

    face = vqpress.datasets.face(gray=True)
    by = {(r["case"], r["peer"]): r for r in gray_rows}
    for strategy in ("uniform", "kmeans"):
        est = KBinsDiscretizer(8, encode="ordinal", strategy=strategy, subsample=None)
        rec = est.inverse_transform(est.fit_transform(face.reshape(-1, 1)))  # what scikit-learn's users get
        want = float(np.mean((face.reshape(-1, 1) - rec) ** 2))
        assert by[(strategy, f"sklearn {strategy}")]["peer_quality"] == pytest.approx(want, rel=1e-12)
    assert by[("kmeans", "sklearn kmeans")]["peer_quality"] == pytest.approx(73.80, abs=0.005)
    cb = vqpress.fit(face, 8, "optimal")
    assert by[("optimal", "sklearn kmeans")]["vqpress_quality"] == pytest.approx(
        float(np.mean((face - cb.decode(cb.encode(face), dtype=np.float64)) ** 2)), rel=1e-12)
    pil = by[("optimal", "Pillow quantize")]
    from PIL import Image

    quantized = np.asarray(Image.fromarray(face).quantize(8).convert("L"), dtype=np.float64)
    assert pil["peer_quality"] == pytest.approx(float(np.mean((face - quantized) ** 2)))
    if ("optimal", "kmeans1d") in by:  # the exact optimum: the same MSE as vqpress's levels
        assert by[("optimal", "kmeans1d")]["peer_quality"] == pytest.approx(pil["vqpress_quality"], rel=1e-9)


def test_no_internal_target_rows_and_80_columns(gray_rows):
    text = bench.format_table(gray_rows)
    assert "target" not in text
    _lines_fit(text)
    assert text.count("| optimal |") == 3


def test_missing_peers_say_how_to_install_them(monkeypatch):
    real = bench._try_import
    monkeypatch.setattr(bench, "_try_import", lambda name: None if name.split(".")[0] in (
        "sklearn", "kmeans1d", "imagequant", "skimage") else real(name))
    rows = bench.gray_face_cases(1)
    small = {"face": vqpress.datasets.face()[::8, ::8].copy()}
    monkeypatch.setattr(bench, "colour_images", lambda progress=None: small)
    rows += bench.colour_cases(1, levels=(4,))
    text = bench.format_table(rows)
    _lines_fit(text)
    assert "scikit-learn (not installed)" in text and "kmeans1d (not installed)" in text
    assert "libimagequant (not installed)" in text and "scikit-image (not installed)" in text
    assert "pip install scikit-learn kmeans1d imagequant scikit-image" in text
    assert 'pip install "vqpress[bench]"' in text


def test_colour_cases(monkeypatch):
    pytest.importorskip("imagequant")
    pytest.importorskip("sklearn")
    crop = vqpress.datasets.face()[200:264, 300:364].copy()
    rows = bench.colour_cases(1, images={"crop": crop}, levels=(8, 16))
    assert {(r["colours"], r["method"]) for r in rows} == {
        (n, m) for n in (8, 16) for m in ("vqpress kmeans", "vqpress mediancut", "libimagequant", "sklearn KMeans")}
    by = {(r["colours"], r["method"]): r for r in rows}
    rec = vqpress.compress(crop, 16).decompress()
    assert by[(16, "vqpress kmeans")]["psnr"] == pytest.approx(vqpress.metrics.psnr(crop, rec))
    for r in rows:
        assert r["ms"] > 0 and r["psnr"] > 20
        assert r["vs_libimagequant"] == pytest.approx(r["ms"] / by[(r["colours"], "libimagequant")]["ms"])
    text = bench.format_table(rows)
    _lines_fit(text)
    assert "vqpress kmeans / libimagequant time:" in text and "(2 cases)" in text
    assert "vqpress kmeans PSNR >= libimagequant and sklearn KMeans:" in text


def test_storage_table_fits():
    rows = bench.storage_cases(1, levels=(4,), image=vqpress.datasets.face(gray=True)[::4, ::4].copy())
    text = bench.format_table(rows)
    _lines_fit(text)
    assert f"{rows[0]['vqz_bytes']:,}" in text and "Geometric mean" in text


def test_full_adds_the_storage_and_colour_cases(monkeypatch):
    called = []
    for name in ("gray_face_cases", "storage_cases", "colour_cases"):
        monkeypatch.setattr(bench, name, lambda *a, _n=name, **k: called.append(_n) or [])
    monkeypatch.setattr(bench, "large_cases", lambda quick, progress=None: called.append("large_cases") or [])
    bench.run_benchmarks(quick=True)
    assert called == ["gray_face_cases", "large_cases"]
    called.clear()
    bench.run_benchmarks(quick=False)
    assert called == ["gray_face_cases", "large_cases", "storage_cases", "colour_cases"]
    called.clear()
    bench.run_benchmarks(quick=False, extended=False)  # benchmarks/bench_core.py
    assert called == ["gray_face_cases", "large_cases"]
