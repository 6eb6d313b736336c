"""vqpress: image compression by quantization.

Choose a few gray levels or colours (exactly and, for gray, globally optimally), store every
pixel's index in as few bits as it needs, and put the image back.

>>> import vqpress
>>> face = vqpress.datasets.face(gray=True)
>>> c = vqpress.compress(face, n_colors=8, strategy="optimal")
>>> restored = c.decompress()
"""

from __future__ import annotations

from . import datasets, metrics
from .api import compress, fit, fit_histogram
from .bitpack import pack_bits, unpack_bits
from .codebook import Codebook
from .compressed import Compressed
from .container import from_bytes, load, save
from .errors import FormatError, VQError
from .imageio import imread, imwrite

__version__ = "0.1.0"

__all__ = [
    "Codebook",
    "Compressed",
    "FormatError",
    "VQError",
    "__version__",
    "compress",
    "datasets",
    "fit",
    "fit_histogram",
    "from_bytes",
    "load",
    "save",
    "imread",
    "imwrite",
    "metrics",
    "pack_bits",
    "unpack_bits",
]
