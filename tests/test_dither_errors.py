"""Dithering errors name what the user asked for (dither=True, --dither), not internal functions."""

from __future__ import annotations

import numpy as np
import pytest

import vqpress

INTERNAL = ("dither_image", "nearest_centre", "centres")


@pytest.mark.parametrize(
    "image, says",
    [
        (np.linspace(0, 1, 64).reshape(8, 8), "needs a uint8 image; got dtype float64"),
        ((np.arange(64, dtype=np.uint16) * 999).reshape(8, 8), "needs a uint8 image; got dtype uint16"),
        (np.arange(64, dtype=np.uint8), "needs an (H, W) gray image shaped like the fitted one; got shape (64,)"),
        (np.zeros((8, 8, 4), np.uint8) + np.arange(8, dtype=np.uint8)[:, None, None] * 30, "not on RGBA"),
    ],
    ids=["float", "uint16", "1-d", "rgba"],
)
def test_dither_errors_name_the_users_arguments(image, says):
    with pytest.raises(vqpress.VQError) as info:
        vqpress.compress(image, 4, dither=True)
    message = str(info.value)
    assert says in message
    assert "dither=True" in message and "--dither" in message
    assert not any(name in message for name in INTERNAL), message


def test_encode_dither_on_an_image_of_another_shape():
    rgb = vqpress.datasets.face()[:32, :32].copy()
    cb = vqpress.fit(rgb, 4)
    with pytest.raises(vqpress.VQError, match=r"needs an \(H, W, 3\) RGB image .* got shape \(32, 32\)"):
        cb.encode(rgb[..., 0], dither=True)
