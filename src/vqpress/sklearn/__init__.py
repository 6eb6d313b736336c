"""scikit-learn estimators backed by vqpress: drop-ins that fit on exact histograms.

- :class:`KBinsDiscretizer`: ``from vqpress.sklearn import KBinsDiscretizer`` in place of
  ``from sklearn.preprocessing import KBinsDiscretizer`` keeps every parameter, default,
  fitted attribute, method and output, and adds ``strategy="optimal"`` (globally optimal
  1-D k-means, reconstructed by its bin means) and integer output dtypes (``dtype=np.uint8``
  returns ``uint8`` ordinal codes).
- :class:`ColorQuantizer`: a palette of ``n_colors`` colours for an ``(n_pixels, 3)`` or
  ``(n_pixels, 4)`` pixel list, where scikit-learn's gallery fits ``KMeans``: every pixel
  counts (no subsample), and the fit ends at an exact Lloyd fixed point.

scikit-learn is an optional dependency of vqpress: install it with
``pip install vqpress[sklearn]``.
"""

try:
    import sklearn  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without scikit-learn
    raise ImportError(
        "vqpress.sklearn needs scikit-learn >= 1.9, an optional dependency of vqpress; "
        f"install it with: pip install vqpress[sklearn] ({exc})"
    ) from exc

from ._colour import ColorQuantizer
from ._discretization import KBinsDiscretizer

__all__ = ["ColorQuantizer", "KBinsDiscretizer"]
