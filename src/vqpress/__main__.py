"""``python -m vqpress``: the ``vqpress`` command line (see :mod:`vqpress.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
