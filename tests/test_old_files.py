"""Files written by earlier versions of vqpress still decode to the same pixels.

Every ``tests/data/NAME.vqz`` is decoded and compared with ``tests/data/NAME.npy``, the
decoded array saved by the vqpress that wrote it (see ``tests/data/README.md``).
"""

from pathlib import Path

import numpy as np
import pytest

from vqpress.container import from_bytes, read_header

DATA = Path(__file__).parent / "data"
FILES = sorted(p.stem for p in DATA.glob("*.vqz"))


def test_every_coding_of_format_1_0_is_kept():
    codings = {read_header((DATA / f"{name}.vqz").read_bytes()).coding for name in FILES}
    assert {"raw", "context"} <= codings


def test_every_level_of_the_cm_coding_is_kept():
    from vqpress.coding import cm

    kept = set()
    for name in FILES:
        blob = (DATA / f"{name}.vqz").read_bytes()
        head = read_header(blob)
        if head.coding == "cm" and head.payload_len is not None:  # (format 2.2's form 2: test_format22.py)
            # the payload sits just before the file's closing 4-byte checksum
            info = cm.describe(blob[len(blob) - 4 - head.payload_len: len(blob) - 4])
            kept.add((info["model"], info["level"]))
    levels = {(model, level) for model in ("ordered", "palette") for level in (0, 1, 2)}
    assert levels | {("palette", 3), ("ordered", 4), ("ordered", 5), ("palette", 6), ("palette", 7),
                     ("ordered", 8), ("ordered", 9), ("palette", 10), ("ordered", 11),
                     ("ordered", 13), ("ordered", 16), ("palette", 18), ("ordered", 20), ("palette", 21)} <= kept


@pytest.mark.parametrize("name", FILES)
def test_old_file_decodes_to_the_same_pixels(name):
    blob = (DATA / f"{name}.vqz").read_bytes()
    c = from_bytes(blob)
    expected = np.load(DATA / f"{name}.npy")
    back = c.decompress()
    assert back.dtype == expected.dtype and back.shape == expected.shape
    np.testing.assert_array_equal(back, expected)


def test_format_2_2_is_kept():
    """The first files of format 2.2: codebook form 2 (colours in the payload's symbol order,
    gray levels and thresholds), the compact header, cm payloads of version 2."""
    heads = {name: read_header((DATA / f"{name}.vqz").read_bytes()) for name in FILES if name.endswith("-22")}
    assert len(heads) >= 4 and all(h.version == "2.2" and h.codebook_form == 2 for h in heads.values())
    assert {"cm", "context"} <= {h.coding for h in heads.values()}


def test_format_2_3_is_kept():
    """The first file of format 2.3: gray frames with their timing (the block before the codebook)."""
    from vqpress import FrameTiming

    data = (DATA / "face-frames-optimal-8-timed.vqz").read_bytes()
    assert read_header(data).version == "2.3"
    assert from_bytes(data).timing == FrameTiming((120, 80, 1500), 0)
