"""Level 10 of the cm coding (level 6's neighbour symbol, then level 7's mixed tables for a
pixel no neighbour predicts): the reference decoder of docs/FORMAT.md on tables that learned
long, strips, the encoder's choice, the reader's checks and a fuzzer. Its round trips and
reference decodings on small maps are level 6's tests, run at both levels
(tests/test_coding_cm_level6.py); its frozen payloads: tests/test_old_files.py."""

from pathlib import Path
import numpy as np
import pytest

import vqpress
from vqpress.coding import cm

from cm_reference import decode as reference_decode
from cm_helpers import (
    at_level, blobs, check_strips_alike, frozen_payload, fuzz_payloads, noise_streams_decode_in_range)
from test_coding_cm_level6 import encode6, encode10, speckled

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("n", [12, 40])
def test_format_md_describes_tables_and_weights_that_learned_long(n):
    """A larger map: tables past their last rate change (32 updates), weights that moved far,
    pixels of every kind, one symbol a pixel (12 colours) and two (40)."""
    codes = blobs(36, 60, n, seed=11, noise=0.3)
    np.testing.assert_array_equal(np.array(reference_decode(encode10(codes, n), codes.shape, n)), codes)


def test_strips_decode_alike_on_any_number_of_threads():
    check_strips_alike(encode10, blobs(700, 400, 200, seed=5, noise=0.1), 200)


def test_the_reader_checks_level_10_header_fields():
    codes = blobs(48, 80, 40, seed=8)
    data = encode10(codes, 40)

    def bad(blob, match):
        with pytest.raises(vqpress.FormatError, match=match):
            cm.decode(bytes(blob), codes.shape, 40)

    blob = bytearray(data)
    blob[4] = 9
    bad(blob, "level 10 has no hashed tables: its table_bits must be 8; got 9")
    blob = bytearray(data)
    blob[3] = 0
    bad(blob, "level 10 codes the palette model only; the payload names model 0")


def test_describe_names_level_10():
    info = cm.describe(encode10(blobs(20, 30, 40), 40))
    assert (info["level"], info["level_name"]) == (10, "palette neighbour symbol mixed tables")


def test_fuzz_damaged_level_10_payloads_fail_cleanly_and_fast():
    cases = []
    for n, seed in ((2, 1), (16, 2), (64, 3), (256, 4)):
        codes = blobs(48, 80, n, seed=seed, noise=0.2)
        cases.append((codes, n, encode10(codes, n)))
    codes = speckled(48, 80, 200, seed=5)
    cases.append((codes, 200, encode10(codes, 200)))
    fuzz_payloads(cases, np.random.default_rng(31))


@pytest.mark.parametrize("n", [3, 16, 64, 256])
def test_fuzz_streams_of_noise_decode_in_range(n):
    """Any bytes at all as a level-10 stream: a FormatError or codes in range, never more."""
    codes = blobs(40, 50, n, seed=4)
    noise_streams_decode_in_range(encode10(codes, n), codes.shape, n, np.random.default_rng(7))


def test_level_10_is_smaller_than_level_6_on_the_face(face_rgb):
    """On a crop of the face at 16, 64 and 256 colours (its tables learn less on a crop than
    on the whole face: 2-5% smaller there)."""
    for k in (16, 64, 256):
        codes = vqpress.compress(face_rgb[:256, :384], k).codes()
        assert len(encode10(codes, k)) < 0.995 * len(encode6(codes, k))


@pytest.mark.parametrize("name", ["face-crop-kmeans-16-cm-level10", "face-crop-kmeans-64-cm-level10"])
def test_the_kernel_writes_the_frozen_streams_again(name):
    """Given a frozen payload's header, symbol order and strips, the kernel writes its
    streams again, byte for byte (one symbol a pixel at 16 colours, two at 64)."""
    payload, codes = frozen_payload(DATA / f"{name}.vqz")
    assert cm.describe(payload)["level"] == 10
    assert at_level(payload, codes, 10) == payload


def test_vqpress_info_names_level_10(capsys):
    from vqpress import cli

    assert cli.main(["info", str(DATA / "face-crop-kmeans-64-cm-level10.vqz")]) == 0
    assert "palette, level 10 (palette neighbour symbol mixed tables), 1 strip" in capsys.readouterr().out


@pytest.mark.parametrize("effort", [0, 2, 3])
def test_palettes_above_16_colours_keep_levels_6_and_7(effort):
    codes = blobs(30, 40, 17, seed=17, noise=0.3)
    assert cm.describe(cm.encode(codes, 17, effort=effort))["level"] == (7 if effort >= 3 else 6)


def test_colour_ramps_keep_the_ordered_model_at_efforts_3_and_4():
    from test_coding_cm_level5 import ramp_palette

    codes = ramp_palette(40, 60, 12, seed=12)
    for effort in (3, 4):
        assert cm.describe(cm.encode(codes, 12, effort=effort))["model"] == "ordered"
