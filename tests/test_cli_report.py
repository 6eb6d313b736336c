"""``vqpress report``, ``vqpress demo`` and ``vqpress bench``: the commands' plumbing with
stand-ins for vqpress.report and vqpress.bench, and the real modules when they are installed."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import listing, one_error_line, run, run_subprocess
from PIL import Image

import vqpress


def _fake_build_report(image, out_dir, *, name="image", n_colors=8, strategies=None, overwrite=False,
                       progress=None):
    out_dir = Path(out_dir)
    colour = image.ndim == 3
    results, files = [], []
    for strategy in strategies or (["kmeans"] if colour else ["uniform", "optimal"]):
        if progress:
            progress(f"fitting {strategy}")
        c = vqpress.compress(image, n_colors=n_colors, strategy=strategy)
        path = vqpress.save(out_dir / f"{name}-{strategy}.vqz", c, overwrite=overwrite)
        files.append(path)
        mse = vqpress.metrics.mse(image, c.decompress())
        results.append(types.SimpleNamespace(
            strategy=strategy, n_colors=c.codebook.n_colors, centers=c.codebook.centers, mse=mse,
            psnr=vqpress.metrics.psnr(image, c.decompress()), packed_bytes=len(c.payload),
            vqz_bytes=path.stat().st_size, ratio=path.stat().st_size / image.nbytes, seconds=0.01, compressed=c,
        ))
    html = out_dir / f"{name}.html"
    if html.exists() and not overwrite:
        raise vqpress.VQError(f"{html} exists")
    html.write_text("<html>report</html>")
    files.append(html)
    return types.SimpleNamespace(results=results, html=html, files=files)


@pytest.fixture
def fake_report(monkeypatch):
    module = types.ModuleType("vqpress.report")
    module.build_report = _fake_build_report
    module.demo = lambda out_dir="vqpress-demo", *, n_colors=8, overwrite=False, progress=None: _fake_build_report(
        vqpress.datasets.face(gray=True)[::8, ::8].copy(), out_dir, name="face", n_colors=n_colors,
        overwrite=overwrite, progress=progress)
    monkeypatch.setitem(sys.modules, "vqpress.report", module)
    monkeypatch.setattr(vqpress, "report", module, raising=False)
    return module


@pytest.fixture
def fake_bench(monkeypatch):
    module = types.ModuleType("vqpress.bench")
    calls = []

    def run_benchmarks(*, quick=True, progress=None):
        calls.append(quick)
        if progress:
            progress("running")
        return [{"method": "vqpress optimal", "psnr": 30.0}, {"method": "sklearn kmeans", "psnr": 29.5}]

    module.run_benchmarks = run_benchmarks
    module.format_table = lambda rows: "| method | psnr |\n|---|---|\n" + "\n".join(
        f"| {r['method']} | {r['psnr']} |" for r in rows)
    module.calls = calls
    monkeypatch.setitem(sys.modules, "vqpress.bench", module)
    monkeypatch.setattr(vqpress, "bench", module, raising=False)
    return module


def test_report_plumbing(capsys, images, fake_report):
    out_dir = images.dir / "reports"
    code, out, err = run(capsys, "report", images.gray, images.rgb, "-n", "4", "-o", out_dir)
    assert code == 0, err
    assert {"gray.html", "rgb.html", "gray-uniform.vqz", "gray-optimal.vqz", "rgb-kmeans.vqz"} == listing(out_dir)
    assert "optimal" in out and "PSNR" in out and str(out_dir / "gray.html") in out
    # again: refused before any work, nothing changed
    before = {p: p.read_bytes() for p in out_dir.iterdir()}
    code, _, err = run(capsys, "report", images.gray, images.rgb, "-o", out_dir)
    assert code == 1 and "--force" in one_error_line(err)
    assert {p: p.read_bytes() for p in out_dir.iterdir()} == before
    code, _, err = run(capsys, "report", images.gray, "-o", out_dir, "-s", "optimal", "--force")
    assert code == 0, err


def test_report_failure_leaves_nothing(capsys, images, fake_report):
    out_dir = images.dir / "reports"
    code, _, err = run(capsys, "report", images.gray, images.bad, "-o", out_dir)
    assert code == 1 and "notimg.png" in one_error_line(err)
    assert not out_dir.exists()


def test_report_conflict_found_after_the_work_leaves_the_old_files(capsys, images, fake_report):
    out_dir = images.dir / "reports"
    out_dir.mkdir()
    (out_dir / "gray-optimal.vqz").write_bytes(b"old")
    code, _, err = run(capsys, "report", images.gray, "-o", out_dir)
    assert code == 1 and "gray-optimal.vqz" in one_error_line(err)
    assert listing(out_dir) == {"gray-optimal.vqz"}
    assert (out_dir / "gray-optimal.vqz").read_bytes() == b"old"


def test_demo_plumbing(capsys, tmp_path, fake_report):
    code, out, err = run(capsys, "demo", "-o", tmp_path / "d", "-n", "4")
    assert code == 0, err
    assert (tmp_path / "d" / "face.html").exists()
    assert "Report:" in out and "optimal" in out
    code, out, err = run(capsys, "-q", "demo", "-o", tmp_path / "d", "-n", "4", "--force")
    assert (code, out, err) == (0, "", "")


def test_bench_plumbing(capsys, fake_bench):
    code, out, err = run(capsys, "bench")
    assert code == 0, err
    assert "| vqpress optimal |" in out
    code, _, _ = run(capsys, "bench", "--full")
    code, _, _ = run(capsys, "bench", "--quick")
    assert fake_bench.calls == [True, False, True]
    assert run(capsys, "bench", "--quick", "--full")[0] == 2


def test_demo_for_real(tmp_path):
    """The real demo, once, through `python -m vqpress` (a few seconds)."""
    pytest.importorskip("vqpress.report")
    out_dir = tmp_path / "demo"
    code, out, err = run_subprocess("demo", "-o", out_dir)
    assert code == 0, err
    for strategy in ("uniform", "kmeans", "optimal"):
        assert strategy in out
    assert "Report:" in out
    assert "colour face, kmeans, 16, 64, 256 colours" in out
    names = {p.name for p in out_dir.iterdir()}
    assert {f"face-colour-kmeans-{n}{ext}" for n in (16, 64, 256) for ext in (".png", ".vqz")} <= names
    assert any(p.suffix == ".html" for p in out_dir.iterdir())
    assert any(p.suffix == ".vqz" for p in out_dir.iterdir())
    assert not [p for p in out_dir.iterdir() if p.name.startswith(".vqpress-")]
    # the demo's list of its own files (a rerun replaces those: tests/test_cli_users.py)
    from vqpress._cli_commands import DEMO_MANIFEST

    listed = json.loads((out_dir / DEMO_MANIFEST).read_text())["files"]
    assert set(listed) == names - {DEMO_MANIFEST}


def test_report_for_real(capsys, images):
    pytest.importorskip("vqpress.report")
    out_dir = images.dir / "r"
    code, out, err = run(capsys, "report", images.gray, "-n", "4", "-s", "optimal", "-s", "uniform", "-o", out_dir)
    assert code == 0, err
    assert (out_dir / "gray.html").exists()
    assert {p.suffix for p in out_dir.iterdir()} >= {".html", ".vqz"}
    assert "PSNR" in out and "optimal" in out and "quantile" not in out
    assert not [p for p in out_dir.iterdir() if p.name.startswith(".")]


def test_report_colour_for_real(capsys, images, rgba):
    pytest.importorskip("matplotlib")
    out_dir = images.dir / "r"
    code, out, err = run(capsys, "report", images.rgb, rgba.path, "-n", "4", "-o", out_dir)
    assert code == 0, err
    assert "kmeans" in out and "mediancut" in out and "#" in out  # palettes as hex codes
    for stem in ("rgb", "rgba"):
        assert (out_dir / f"{stem}.html").exists()
        for s in ("kmeans", "mediancut"):
            c = vqpress.load(out_dir / f"{stem}-{s}-4.vqz")
            np.testing.assert_array_equal(vqpress.imread(out_dir / f"{stem}-{s}-4.png"), c.decompress())
    assert vqpress.load(out_dir / "rgba-kmeans-4.vqz").shape == (48, 64, 4)
    code, _, err = run(capsys, "report", images.rgb, "-s", "optimal", "-o", images.dir / "r2")
    assert code == 1 and "kmeans" in one_error_line(err)


def test_demo_prints_the_colour_table(capsys, tmp_path, fake_report):
    crop = vqpress.datasets.face()[::16, ::16].copy()

    def demo(out_dir="vqpress-demo", *, n_colors=8, overwrite=False, progress=None):
        out = _fake_build_report(vqpress.datasets.face(gray=True)[::8, ::8].copy(), out_dir, name="face",
                                 n_colors=n_colors, overwrite=overwrite, progress=progress)
        (Path(out_dir) / "c").mkdir()
        out.colour_results = _fake_build_report(crop, Path(out_dir) / "c", name="face", n_colors=16,
                                                overwrite=overwrite).results
        return out

    fake_report.demo = demo
    code, out, err = run(capsys, "demo", "-o", tmp_path / "d", "-n", "4")
    assert code == 0, err
    assert "gray face, 4 levels" in out and "colour face, kmeans, 16 colours" in out
    assert out.count("PSNR in dB") == 1 and "median of 3-5 runs" in out
    assert "#" in out.split("colour face", 1)[1]  # the palette as hex codes


def test_report_on_an_animation_says_what_to_do(capsys, images, fake_report):
    # It said "... and the command line compresses them all with one codebook", which
    # 'vqpress report' does not do.
    frames = [Image.fromarray(np.roll(images.rgb_arr, 5 * k, axis=1)) for k in range(3)]
    frames[0].save(images.dir / "anim.gif", save_all=True, append_images=frames[1:])
    code, _, err = run(capsys, "report", images.dir / "anim.gif", "-o", images.dir / "reports")
    line = one_error_line(err)
    assert code == 1 and "anim.gif holds 3 frames; a report describes one image" in line, line
    assert "vqpress compress" in line and not (images.dir / "reports").exists()
