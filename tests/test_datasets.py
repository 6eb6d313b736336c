import bz2
import hashlib
import os

import numpy as np
import pytest

import vqpress

SHARED_FACE = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "face.dat")


def test_face_shapes_and_range(face_gray, face_rgb):
    assert face_rgb.shape == (768, 1024, 3) and face_rgb.dtype == np.uint8
    assert face_gray.shape == (768, 1024) and face_gray.dtype == np.uint8
    assert (int(face_gray.min()), int(face_gray.max())) == (0, 250)
    assert face_gray.nbytes == 786_432


def test_face_gray_is_scipys_formula(face_gray, face_rgb):
    rgb = face_rgb.astype(np.float64)
    expected = (0.21 * rgb[..., 0] + 0.71 * rgb[..., 1] + 0.07 * rgb[..., 2]).astype(np.uint8)
    np.testing.assert_array_equal(face_gray, expected)


def test_face_returns_a_fresh_array():
    a = vqpress.datasets.face(gray=True)
    original = int(a[0, 0])
    a[0, 0] = original + 1
    assert int(vqpress.datasets.face(gray=True)[0, 0]) == original


@pytest.mark.skipif(not os.path.exists(SHARED_FACE), reason="shared/data/face.dat is not beside the checkout")
def test_face_identical_to_scipys_file(face_rgb):
    with open(SHARED_FACE, "rb") as fh:
        raw = fh.read()
    assert hashlib.sha256(raw).hexdigest() == "9d8b0b4d081313e2b485748c770472e5a95ed1738146883d84c7030493e82886"
    expected = np.frombuffer(bz2.decompress(raw), dtype=np.uint8).reshape(768, 1024, 3)
    np.testing.assert_array_equal(face_rgb, expected)


def test_face_pixels_checksum(face_rgb):
    # The same pixels as SciPy 1.9.3's face.dat, checked without the shared folder too.
    digest = hashlib.sha256(np.ascontiguousarray(face_rgb).tobytes()).hexdigest()
    assert digest == "9f16f4e284d28f4b8e0356171bc6543d2a0d24a0bd55dabebbd30e102aa8946c"
