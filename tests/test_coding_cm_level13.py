"""Level 13 of the cm coding (level 11 with the four sub-predictions averaged): round trips at
every parameter's extremes, the reference decoder of docs/FORMAT.md, strips, the encoder's
choice between levels 5, 8 and 13 above 8 levels, the reader's checks and fuzzing of the payload."""

import functools
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vqpress
from vqpress.coding import cm, level8

from cm_reference import decode as reference_decode
from test_coding_cm import THIN_SHAPES, blobs, check_strips_alike, fuzz_payloads, noise_streams_decode_in_range, thin_maps
from test_coding_cm_level4 import gradient
from test_coding_cm_level5 import check_table_level_header, encode5, jumps, ramp_palette
from test_coding_cm_level8 import (EXTREMES, SETTINGS, check_blobs_round_trip, check_parameter_bytes,
                                   check_round_trips_every_setting, encode8, params_of)
from test_coding_cm_level11 import encode11, face_crop

DATA = Path(__file__).parent / "data"
FROZEN = DATA / "face-crop-optimal-16-cm-level13.vqz"

#: ``cm.encode(codes, n, ordered=True)`` at level 13 with ``params`` (any number of levels)
encode13 = functools.partial(encode11, level=13)


@pytest.mark.parametrize("n", [2, 3, 5, 8, 9, 15, 16])
def test_round_trip_every_level_count_and_setting(n):
    check_round_trips_every_setting(encode13, n)


@pytest.mark.parametrize("shape", THIN_SHAPES)
def test_round_trip_thin_maps(shape):
    for codes, n in thin_maps(shape, (2, 7, 16)):
        for params in EXTREMES:
            np.testing.assert_array_equal(cm.decode(encode13(codes, n, params), shape, n), codes)


@given(h=st.integers(1, 40), w=st.integers(1, 40), n=st.integers(2, 16), seed=st.integers(0, 2**16),
       noise=st.floats(0, 1), counter3=st.integers(0, 2), first_table=st.integers(0, 1),
       limit=st.integers(1, 127), rate_max=st.integers(2, 7), rate_double=st.integers(0, 1))
@settings(max_examples=60)
def test_round_trip_property(h, w, n, seed, noise, counter3, first_table, limit, rate_max, rate_double):
    check_blobs_round_trip(encode13, h, w, n, seed, noise, (counter3, first_table, limit, rate_max, rate_double))


@pytest.mark.parametrize("n,noise,seed", [(2, 0.2, 1), (5, 0.5, 2), (9, 0.2, 3), (12, 0.05, 5), (16, 0.3, 6)])
def test_format_md_describes_level_13_exactly(n, noise, seed):
    """tests/cm_reference_level5.py decodes level 13 from the letter of docs/FORMAT.md."""
    for codes, params in zip((blobs(9, 23, n, seed=seed, noise=noise), gradient(8, 21, n), jumps(7, 19, n, seed)),
                             itertools.cycle(SETTINGS[seed:])):
        data = encode13(codes, n, params)
        np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, n)), codes, err_msg=str(params))


@pytest.mark.parametrize("n,params", [(16, (0, 0, 20, 6, 0)), (12, (2, 0, 20, 6, 0)), (16, (1, 1, 20, 6, 0))])
def test_format_md_describes_level_13_on_a_picture(face_gray, n, params):
    """Crops of the face: the prediction's errors past the start, every offset class, the
    three third counters."""
    codes = face_crop(face_gray, n, slice(300, 340), slice(480, 560))
    data = encode13(codes, n, params)
    np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, n)), codes)


def test_level_13_is_another_stream_than_levels_8_and_11():
    codes = blobs(60, 70, 12, seed=2, noise=0.3)
    for params in (level8.LEVEL5, (2, 0, 20, 6, 0)):
        thirteen = encode13(codes, 12, params)[12 + 12 + 5:]
        assert thirteen != encode11(codes, 12, params)[12 + 12 + 5:]
        assert thirteen != encode8(codes, 12, params)[12 + 12 + (0 if params == level8.LEVEL5 else 5):]


def test_strips_decode_alike_on_any_number_of_threads(two_threads):
    check_strips_alike(lambda codes, n, **kw: encode13(codes, n, (2, 0, 20, 6, 0), **kw),
                       blobs(700, 400, 16, seed=5, noise=0.1), 16)


def test_effort_2_codes_9_to_16_levels_at_level_5_8_or_13(face_gray):
    levels = set()
    for n in (9, 12, 16):
        for codes in (blobs(60, 70, n, seed=n, noise=0.3), face_crop(face_gray, n)):
            data = cm.encode(codes, n, ordered=True)
            levels.add(cm.describe(data)["level"])
            np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)
    assert 13 in levels and levels <= {5, 8, 13}
    # a 16-colour ramp (a palette in its spectral order) takes the same choice
    ramp = ramp_palette(40, 60, 16, seed=8)
    data = cm.encode(ramp, 16, ordered=False)
    assert cm.describe(data)["level"] in (5, 8, 13)
    np.testing.assert_array_equal(cm.decode(data, ramp.shape, 16), ramp)
    # up to 8 levels level 11 keeps its place
    assert cm.describe(cm.encode(face_crop(face_gray, 8), 8, ordered=True))["level"] == 11


def test_level_13_is_tried_on_a_middle_fifth_of_the_map_if_its_sample_is_close():
    codes = np.zeros((400, 100), np.uint8)
    calls = []
    sizes = {8: 1000, 13: 990}

    def size(sample, n, level, params):
        calls.append((sample.shape, level))
        return sizes[level]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cm, "_sample_size", size)
        assert cm._chosen_level(codes, 16, cm._AVERAGED_TABLES) == (13, level8.LEVEL5)
        # level 8's parameters on the sample (4 candidates), level 13 on it, then the band
        sample = level8.sample_rows(codes).shape
        assert calls[:5] == [(sample, 8)] * 4 + [(sample, 13)]
        assert set(calls[5:]) == {((80, 100), 8), ((80, 100), 13)}
        # level 13 more than 6% larger on the sample: level 8, without the band
        calls.clear()
        sizes[13] = 1061
        assert cm._chosen_level(codes, 16, cm._AVERAGED_TABLES) == (8, level8.LEVEL5)
        assert calls == [(sample, 8)] * 4 + [(sample, 13)]
        # (level 11's band stays an eighth, without the sample's test)
        calls.clear()
        sizes[11] = 990
        assert cm._chosen_level(codes, 8, cm._WEIGHTED_TABLES) == (11, level8.LEVEL5)
        assert set(calls[4:]) == {((50, 100), 8), ((50, 100), 11)} and len(calls) == 6


def test_the_default_effort_takes_level_13_where_it_codes_smaller(face_gray):
    codes = face_crop(face_gray, 16)
    data = cm.encode(codes, 16, ordered=True)
    assert cm.describe(data)["level"] == 13
    assert len(data) < len(encode8(codes, 16, params_of(data, 16)))


def test_level_13_is_smaller_than_level_8_on_the_face(face_gray):
    codes = vqpress.compress(face_gray[:384, :512], 16).codes()
    assert len(encode13(codes, 16)) < 0.98 * len(encode5(codes, 16))


def test_the_reader_checks_level_13_header_fields():
    codes = blobs(48, 80, 16, seed=8)
    data = encode13(codes, 16, (1, 1, 20, 6, 0))
    check_table_level_header(data, 13, codes.shape, 16)
    check_parameter_bytes(data, 13, codes.shape, 16)
    blob = bytearray(encode5(codes, 16))  # a level-5 payload relabelled 13 lacks the parameters
    blob[5] = 13
    with pytest.raises(vqpress.FormatError):
        cm.decode(bytes(blob), codes.shape, 16)


def test_describe_names_level_13():
    info = cm.describe(encode13(blobs(20, 30, 12), 12))
    assert (info["level"], info["level_name"]) == (13, "averaged predicted ordered tables")


def test_info_names_level_13(capsys):
    from vqpress import cli

    assert cli.main(["info", str(FROZEN)]) == 0
    assert "ordered, level 13 (averaged predicted ordered tables), 1 strip" in capsys.readouterr().out


def test_fuzz_damaged_level_13_payloads_fail_cleanly_and_fast():
    cases = []
    for (n, seed), params in zip(((2, 1), (9, 2), (16, 3), (5, 4)), EXTREMES[1:]):
        codes = blobs(48, 80, n, seed=seed)
        cases.append((codes, n, encode13(codes, n, params)))
    codes = jumps(48, 80, 16, seed=4)
    cases.append((codes, 16, encode13(codes, 16, (2, 1, 3, 7, 1))))
    fuzz_payloads(cases, np.random.default_rng(37))


@pytest.mark.parametrize("n", [3, 12, 16])
def test_fuzz_streams_of_noise_decode_in_range(n):
    """Any bytes at all as a level-13 stream: a FormatError or codes in range, never more."""
    codes = blobs(40, 50, n, seed=4)
    noise_streams_decode_in_range(encode13(codes, n, (0, 0, 20, 6, 0)), codes.shape, n, np.random.default_rng(11))


def test_the_frozen_level_13_file_was_coded_at_level_13():
    from vqpress.container import read_header

    blob = FROZEN.read_bytes()
    head = read_header(blob)
    info = cm.describe(blob[len(blob) - 4 - head.payload_len: len(blob) - 4])
    assert (info["model"], info["level"], info["n_symbols"]) == ("ordered", 13, 16)
