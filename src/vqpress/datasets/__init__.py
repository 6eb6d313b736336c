"""Images shipped with vqpress, available offline.

``face`` is the raccoon face of SciPy's ``scipy.datasets.face`` (public-domain photograph,
SciPy's BSD-3 licence), stored losslessly as ``face.png`` inside the package.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

__all__ = ["face"]


def face(gray: bool = False) -> np.ndarray:
    """The raccoon face, identical to SciPy's ``face(gray=...)``.

    Parameters
    ----------
    gray : bool, default False
        Return the gray image, ``(0.21 R + 0.71 G + 0.07 B)`` truncated to uint8 (SciPy's
        formula), instead of RGB.

    Returns
    -------
    ndarray of uint8
        Shape ``(768, 1024, 3)``, or ``(768, 1024)`` with ``gray=True``. A new array each call.

    Examples
    --------
    >>> img = face(gray=True)
    >>> img.shape, img.dtype, int(img.min()), int(img.max())
    ((768, 1024), dtype('uint8'), 0, 250)
    """
    from PIL import Image

    from .._validation import check_bool

    gray = check_bool(gray, name="gray")
    with resources.files(__package__).joinpath("face.png").open("rb") as fh:
        rgb = np.asarray(Image.open(fh).convert("RGB"))
    if not gray:
        return rgb.copy()
    rgb = rgb.astype(np.float64)
    return (0.21 * rgb[..., 0] + 0.71 * rgb[..., 1] + 0.07 * rgb[..., 2]).astype(np.uint8)
