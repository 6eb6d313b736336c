"""Exceptions raised by vqpress.

Everything a user can get wrong raises :class:`VQError`, a :class:`ValueError`, so code
that already catches ``ValueError`` keeps working. A damaged or hostile ``.vqz`` file raises
:class:`FormatError`, a :class:`VQError`.
"""

from __future__ import annotations

__all__ = ["VQError", "FormatError"]


class VQError(ValueError):
    """Bad input: the message names the bad value and what is allowed."""


class FormatError(VQError):
    """A file or byte string that is not a valid, intact ``.vqz`` stream."""
