"""The README's Python examples run as printed, and a second time in the same folder."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_python_examples_run_twice(tmp_path, monkeypatch):
    pytest.importorskip("sklearn")
    blocks = _python_blocks()
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    first = blocks[0]
    exec(compile(first, "README.md (Use it from Python)", "exec"), namespace)
    exec(compile(first, "README.md (Use it from Python, again)", "exec"), namespace)  # files exist now
    assert sorted(p.name for p in tmp_path.iterdir()) == ["face.png", "face.vqz"]
    # The histogram example's `tiles` stands for any iterable of arrays.
    namespace["tiles"] = np.array_split(namespace["face"], 4)
    if any("vqpress.dask" in block for block in blocks):  # the larger-than-memory examples' inputs
        _small_mosaics(tmp_path, namespace["face"])
    for i, block in enumerate(blocks[1:], start=2):
        exec(compile(block, f"README.md (python block {i})", "exec"), namespace)


def _small_mosaics(folder: Path, face: np.ndarray) -> None:
    """Small stand-ins for the gigapixel mosaic (an OME-TIFF) and the slide (a zarr array)."""
    tifffile = pytest.importorskip("tifffile")
    zarr = pytest.importorskip("zarr")
    pytest.importorskip("dask.distributed")
    gray16 = face.astype(np.uint16) * 257
    tifffile.imwrite(folder / "mosaic.ome.tif", gray16, tile=(256, 256), ome=True)
    import vqpress

    rgb = np.tile(vqpress.datasets.face(), (2, 1, 1))
    zarr.create_array(folder / "slide.zarr", data=rgb, chunks=(512, 512, 3))
