"""How long each frame of an animation shows and how often it plays: read from animated GIF,
WebP and PNG files (with Pillow), kept by a :class:`~vqpress.Compressed` and its ``.vqz``
file, and written back to the animations vqpress writes.

Without it an animation came back with every frame at 0 ms (shown as fast as the viewer goes,
or at its default speed), whatever its source said.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _varint as varint
from .errors import FormatError, VQError

__all__ = ["FrameTiming", "MAX_DURATION", "MAX_LOOP", "check_timing", "from_pillow", "save_options", "to_block",
           "from_block"]

#: Longest time a frame may show, in milliseconds (what a .vqz holds; GIF holds up to 655,350
#: and PNG up to 65,535 of it, in their own units).
MAX_DURATION = 2**32 - 1
#: Largest loop count (GIF, WebP and PNG hold 16 bits of it; 0 means forever).
MAX_LOOP = 65535
# what each format holds: its longest frame (ms) and its step (ms)
_FORMAT_DURATION = {"GIF": (655_350, 10), "WEBP": (2**24 - 1, 1), "PNG": (65_535, 1)}


@dataclass(frozen=True)
class FrameTiming:
    """The timing of an animation's frames.

    Attributes
    ----------
    durations : tuple of int
        How long each frame shows, in milliseconds (0..2^32 - 1), one per frame (any
        sequence of integers is taken, and kept as a tuple of ints).
    loop : int or None
        The file's loop count as GIF, WebP and APNG store it (0: forever; 1..65535, which
        viewers read as the number of plays or of repeats after the first, by format), kept
        as it was read and written as it is; or None where the file named none (a GIF
        without one plays once).

    Examples
    --------
    >>> FrameTiming((100, 250, 70), loop=0)
    FrameTiming(durations=(100, 250, 70), loop=0)
    """

    durations: tuple
    loop: int | None = 0

    def __post_init__(self) -> None:
        durations = self.durations
        if isinstance(durations, (list, np.ndarray)) or (
                not isinstance(durations, (tuple, str, bytes)) and hasattr(durations, "__iter__")):
            durations = tuple(durations)
        if isinstance(durations, tuple):  # numpy integers as ints (a bool or a float stays, and is refused)
            durations = tuple(int(d) if isinstance(d, np.integer) else d for d in durations)
        object.__setattr__(self, "durations", durations)
        if isinstance(self.loop, np.integer):
            object.__setattr__(self, "loop", int(self.loop))
        check_timing(self)


def check_timing(timing: FrameTiming, frames: int | None = None) -> None:
    """A VQError unless ``timing`` holds integer durations in 0..MAX_DURATION ms (``frames`` of
    them, where given) and a loop count in 0..MAX_LOOP or None."""
    durations = timing.durations
    if not isinstance(durations, tuple) or not durations:
        raise VQError(f"durations must be a non-empty tuple of milliseconds; got {durations!r}")
    for d in durations:
        if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= MAX_DURATION:
            raise VQError(f"a frame's duration must be an integer of 0..{MAX_DURATION:,} ms; got {d!r}")
    loop = timing.loop
    if loop is not None and (isinstance(loop, bool) or not isinstance(loop, int) or not 0 <= loop <= MAX_LOOP):
        raise VQError(f"loop must be None or an integer of 0..{MAX_LOOP} (0: forever); got {loop!r}")
    if frames is not None and len(durations) != frames:
        raise VQError(f"the timing has {len(durations)} durations for {frames} frames")


def from_pillow(durations: list, loop) -> FrameTiming | None:
    """The timing of the frames an animation's reader saw (each frame's ``info["duration"]``,
    after it was loaded, and the file's ``info["loop"]``), or None where no frame has a
    duration: rounded to whole milliseconds (APNG's are fractions)."""
    if all(d is None for d in durations):
        return None
    kept = tuple(min(max(round(float(d or 0)), 0), MAX_DURATION) for d in durations)
    loop = None if loop is None else min(max(int(loop), 0), MAX_LOOP)
    return FrameTiming(kept, loop)


def save_options(timing: FrameTiming | None, fmt: str, frames: int, path) -> dict:
    """Pillow's save options of an animation of ``frames`` frames in format ``fmt`` with
    ``timing``: ``duration`` and ``loop`` (where the format holds them); a VQError names
    ``path`` if a duration is longer than the format holds (GIF's in steps of 10 ms are
    rounded to them, as every GIF writer does)."""
    if timing is None or frames < 2 or fmt not in _FORMAT_DURATION:
        return {}
    check_timing(timing, frames)
    longest, step = _FORMAT_DURATION[fmt]
    if max(timing.durations) > longest:
        raise VQError(f"{path}: a {fmt} frame shows at most {longest:,} ms; this animation has one of "
                      f"{max(timing.durations):,} ms (save it as .vqz, or as .webp up to {2**24 - 1:,} ms)")
    options = {"duration": [round(d / step) * step for d in timing.durations] if step > 1 else list(timing.durations)}
    if timing.loop is not None:
        options["loop"] = timing.loop
    return options


def to_block(timing: FrameTiming) -> bytes:
    """The frame timing block of a ``.vqz`` file of format 2.3 (docs/FORMAT.md, "Layout,
    format 2.3"): varints of the number of frames, each frame's duration in ms, and the loop
    code (0: none, 1 + the loop count)."""
    check_timing(timing)
    loop = 0 if timing.loop is None else timing.loop + 1
    return b"".join(varint.encode(v) for v in (len(timing.durations), *timing.durations, loop))


def from_block(data, frames: int | None) -> FrameTiming:
    """The timing a block holds (every byte of ``data`` used), for ``frames`` frames (None:
    the data is not frames); a FormatError for anything else."""
    if frames is None:
        raise FormatError("a frame timing block belongs to frames (frames, H, W[, C]); this data is not frames")
    count, at = varint.decode(data, 0, "frame timing: the number of frames")
    if count != frames:
        raise FormatError(f"frame timing for {count} frames; the image has {frames}")
    durations = []
    for k in range(count):
        d, at = varint.decode(data, at, f"frame timing: frame {k + 1}'s duration")
        if d > MAX_DURATION:
            raise FormatError(f"frame {k + 1} shows {d} ms; a duration is at most {MAX_DURATION} ms")
        durations.append(d)
    loop, at = varint.decode(data, at, "frame timing: the loop code")
    if loop > MAX_LOOP + 1:
        raise FormatError(f"loop code {loop}: allowed 0 (none) or 1 + a loop count of 0..{MAX_LOOP}")
    if at != len(data):
        raise FormatError(f"the frame timing block holds {len(data)} bytes; its fields take {at}")
    return FrameTiming(tuple(durations), None if loop == 0 else loop - 1)
