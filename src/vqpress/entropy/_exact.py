"""The range decoder of format 1.0's "context" coding that proves its stream is used exactly.

Both kinds of model of :mod:`vqpress.entropy` (the adaptive ones of :mod:`._adaptive` and the
static order-0 ones) decode through :class:`ExactDecoder`; `constriction
<https://bamler-lab.github.io/constriction/>`_ is imported on first use.
"""

from __future__ import annotations

import numpy as np

from vqpress.errors import FormatError

__all__ = ["ExactDecoder", "load_constriction"]


def load_constriction():
    """The ``constriction`` module."""
    # imported lazily: `import vqpress` must not pay for the Rust extension
    import constriction

    return constriction


class ExactDecoder:
    """A range decoder that proves its stream is used exactly, no more and no less.

    constriction's decoder reads zero words past the end of its data rather than fail,
    and does not tell how many words it read. So every batch is re-encoded, with the same
    probabilities, as it is decoded: a stream is exact if and only if the re-encoding is
    the stream itself, word for word. A stream that runs out is refused as soon as the
    re-encoding outgrows it (a tiny stream claiming a huge map costs little); one with
    words to spare, or any other stream vqpress would not have written, at :meth:`finish`.
    """

    def __init__(self, words: np.ndarray) -> None:
        c = load_constriction()
        self.words = words
        self.dec = c.stream.queue.RangeDecoder(words)
        self.enc = c.stream.queue.RangeEncoder()

    def decode(self, model, probs_or_count) -> np.ndarray:
        """``count`` symbols under a fixed model, or one per row of ``probs`` under a family."""
        x = self.dec.decode(model, probs_or_count)
        if isinstance(probs_or_count, np.ndarray):
            self.enc.encode(x, model, probs_or_count)
        else:
            self.enc.encode(x, model)
        # the final stream is at least the words written so far plus one sealing word
        if self.enc.num_words() > self.words.size + 1:
            raise FormatError(f"entropy payload of {self.words.size} words runs out before the map is decoded")
        return x

    def finish(self) -> None:
        if not np.array_equal(self.enc.get_compressed(), self.words):
            raise FormatError(
                f"entropy payload of {self.words.size} words is not used exactly by the map it codes "
                "(truncated, extended or altered)")
