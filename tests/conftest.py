import types

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from PIL import Image

import vqpress

# Deterministic property tests: the same examples on every run and in CI.
settings.register_profile(
    "vqpress", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("vqpress")


@pytest.fixture(scope="session")
def face_gray() -> np.ndarray:
    img = vqpress.datasets.face(gray=True)
    img.flags.writeable = False
    return img


@pytest.fixture(scope="session")
def face_rgb() -> np.ndarray:
    img = vqpress.datasets.face()
    img.flags.writeable = False
    return img


@pytest.fixture
def two_threads():
    """Let the compiled kernels use two threads inside the test."""
    before = vqpress.get_num_threads()
    vqpress.set_num_threads(2)
    yield
    vqpress.set_num_threads(before)


@pytest.fixture
def hide_module(monkeypatch):
    """``hide_module("name")``: importing ``name`` (or a submodule of it) raises ImportError for
    the rest of the test, as if the optional package were not installed."""
    import builtins

    real_import = builtins.__import__
    hidden = set()

    def fake_import(name, *args, **kwargs):
        if name.split(".")[0] in hidden:
            top = name.split(".")[0]  # as Python says it when the package is missing
            raise ModuleNotFoundError(f"No module named '{top}'", name=top)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    return hidden.add


@pytest.fixture
def fixed_layout(monkeypatch):
    """Integer images are written in format 2.1 for the rest of the test (codebook form 1,
    the fixed header, cm payloads of version 1), for the tests of that layout."""
    import vqpress.container

    monkeypatch.setattr(vqpress.container, "_WRITE_VERSION", (2, 1))


# Image files on disk, for the command line's tests (tests/test_cli*.py).


@pytest.fixture
def images(tmp_path):
    """Small images: 48x64 gray uint8, RGB uint8, 16-bit gray TIFF, and a file that is no image."""
    y, x = np.mgrid[0:48, 0:64]
    gray = ((x * 4 + y * 2) % 256).astype(np.uint8)
    rgb = np.stack([x * 4, y * 5, (x + y) * 2], axis=-1).astype(np.uint8)
    g16 = gray.astype(np.uint16) * 200
    Image.fromarray(gray).save(tmp_path / "gray.png")
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    Image.fromarray(g16).save(tmp_path / "deep.tif")
    (tmp_path / "notimg.png").write_text("hello, I am not a PNG")
    return types.SimpleNamespace(
        dir=tmp_path, gray=tmp_path / "gray.png", rgb=tmp_path / "rgb.png", g16=tmp_path / "deep.tif",
        bad=tmp_path / "notimg.png", gray_arr=gray, rgb_arr=rgb, g16_arr=g16,
    )


@pytest.fixture
def rgba(images):
    """A 48x64 RGBA PNG whose alpha takes two values: 0 on the left half, 255 on the right."""
    alpha = np.where(np.arange(64) < 32, 0, 255).astype(np.uint8)
    arr = np.dstack([images.rgb_arr, np.broadcast_to(alpha, (48, 64))])
    Image.fromarray(arr).save(images.dir / "rgba.png")
    return types.SimpleNamespace(path=images.dir / "rgba.png", arr=arr)
