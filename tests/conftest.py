import numpy as np
import pytest
from hypothesis import HealthCheck, settings

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
