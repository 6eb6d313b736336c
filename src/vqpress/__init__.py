"""vqpress: image compression by quantization.

Choose a few gray levels or colours (exactly and, for gray, globally optimally), store every
pixel's index in as few bits as it needs, and put the image back.

>>> import vqpress
>>> face = vqpress.datasets.face(gray=True)
>>> c = vqpress.compress(face, n_colors=8, strategy="optimal")
>>> restored = c.decompress()

The names below are imported on first use, so ``import vqpress`` (and ``vqpress --help``)
does not pay for numpy and the rest until they are needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# public name -> module that defines it (a module name alone: the submodule itself)
_EXPORTS = {
    "Codebook": "codebook",
    "Compressed": "compressed",
    "FormatError": "errors",
    "FrameTiming": "_frame_timing",
    "VQError": "errors",
    "compress": "api",
    "fit": "api",
    "fit_histogram": "api",
    "from_bytes": "container",
    "load": "container",
    "save": "formats",
    "imread": "imageio",
    "imwrite": "imageio",
    "imread_animation": "imageio",
    "pack_bits": "bitpack",
    "unpack_bits": "bitpack",
    "get_num_threads": "threads",
    "set_num_threads": "threads",
    "thread_limit": "threads",
    "datasets": None,
    "kinds": None,
    "metrics": None,
}

__all__ = sorted([*_EXPORTS, "__version__"])

if TYPE_CHECKING:  # pragma: no cover  # for type checkers and IDEs only
    from . import datasets, kinds, metrics  # noqa: F401
    from .api import compress, fit, fit_histogram  # noqa: F401
    from .bitpack import pack_bits, unpack_bits  # noqa: F401
    from .codebook import Codebook  # noqa: F401
    from .compressed import Compressed  # noqa: F401
    from .container import from_bytes, load  # noqa: F401
    from ._frame_timing import FrameTiming  # noqa: F401
    from .errors import FormatError, VQError  # noqa: F401
    from .formats import save  # noqa: F401
    from .imageio import imread, imread_animation, imwrite  # noqa: F401
    from .threads import get_num_threads, set_num_threads, thread_limit  # noqa: F401


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'vqpress' has no attribute {name!r}")
    module_name = _EXPORTS[name]
    if module_name is None:
        value = importlib.import_module(f".{name}", __name__)
    else:
        value = getattr(importlib.import_module(f".{module_name}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted([*globals(), *_EXPORTS])
