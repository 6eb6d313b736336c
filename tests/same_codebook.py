"""What a codebook loaded from a ``.vqz`` file must keep of the written one.

Codebook form 1 (format 2.1, the default for integer images) stores the codebook in the
image's dtype: the loaded centres are the written codebook's levels, its edges integer
thresholds. It is then not ``==`` the fitted codebook, but it must decode to the same
values and encode every value of the dtype to the same code.
"""

from __future__ import annotations

import numpy as np


def probe_values(codebook, rng=None, n_random: int = 2000) -> np.ndarray:
    """Values of the codebook's (integer) dtype that tell encodings apart: every value of
    8- and 16-bit dtypes; else the dtype's ends, each edge's neighbours and random values."""
    dtype = codebook.dtype
    info = np.iinfo(dtype)
    if dtype.itemsize <= 2:
        return np.arange(int(info.min), int(info.max) + 1).astype(dtype)
    rng = np.random.default_rng(0) if rng is None else rng
    picks = {int(info.min), int(info.min) + 1, int(info.max) - 1, int(info.max), 0}
    for edge in ([] if codebook.edges is None else codebook.edges.tolist()):
        base = int(np.clip(np.floor(edge), float(info.min), float(info.max) - 2))  # exact: float edge
        picks.update(base + d for d in (-1, 0, 1, 2) if info.min <= base + d <= info.max)
    values = np.array(sorted(picks), dtype=object).astype(dtype)
    return np.concatenate([values, rng.integers(int(info.min), int(info.max), n_random, dtype=dtype,
                                                endpoint=True)])


def assert_equivalent(loaded, original) -> None:
    """``loaded`` decodes every code and (scalar data) encodes every value of the dtype as ``original``."""
    assert loaded.dtype == original.dtype and loaded.strategy == original.strategy
    assert loaded.centers.shape == original.centers.shape
    np.testing.assert_array_equal(loaded.levels(), original.levels())
    assert loaded.levels().dtype == original.levels().dtype
    if original.channels == 0 and original.dtype.kind in "ui":
        x = probe_values(original)
        np.testing.assert_array_equal(loaded.encode(x), original.encode(x))
    elif original.dtype.kind == "f":
        assert loaded == original
