"""Level 11 of the cm coding (level 8 around a weighted prediction): round trips at every
parameter's extremes, the reference decoder of docs/FORMAT.md, strips, the encoder's choice
between levels 5, 8 and 11, the reader's checks and fuzzing of the payload; all but the choice
for levels 13, 16 and 20 too (level 11 with the prediction averaged, with a table of the
neighbours' symbols, and with a bias cancellation; their choice: test_coding_cm_level13)."""

import functools
import itertools
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vqpress
from vqpress.coding import choice as cm_choice, cm, level8
from vqpress.coding import levels as cm_levels

from cm_reference import decode as reference_decode
from cm_helpers import THIN_SHAPES, blobs, check_strips_alike, fuzz_payloads, noise_streams_decode_in_range, thin_maps
from test_coding_cm_level4 import gradient
from test_coding_cm_level5 import check_table_level_header, encode5, jumps, ramp_palette
from test_coding_cm_level8 import (EXTREMES, SETTINGS, check_blobs_round_trip, check_parameter_bytes,
                                   check_round_trips_every_setting, encode8, params_of)

DATA = Path(__file__).parent / "data"


def encode11(codes, n, params=level8.LEVEL5, level=11, **kw):
    """``cm.encode(codes, n, ordered=True, **kw)`` at level 11 (or ``level`` 13) with ``params``
    (maps of up to 4 levels too, which effort 2 gives level 9, and of 9-16, which it gives level
    8 or 13; of 5-8, which it gives level 8 or 11)."""
    with mock.patch.object(cm_choice, "_chosen_level", lambda sym, n_, predicted: (level, tuple(params))), \
            mock.patch.dict(cm_choice._FEW_LEVELS, clear=True), mock.patch.object(cm_choice, "_MAX_WEIGHTED_LEVELS", 16):
        data = cm.encode(codes, n, ordered=True, effort=2, **kw)
    head = cm.describe(data)
    assert (head["level"], head["model"], head["table_bits"]) == (level, "ordered", 8)
    assert params_of(data, n) == tuple(params)
    return data


def face_crop(face_gray, n, rows=slice(300, 364), cols=slice(480, 576)):
    return vqpress.compress(face_gray[rows, cols], n).codes()


#: the levels around a prediction of four sub-predictions: 11 (weighted), 13 (averaged), 16
#: (averaged, with a table of the neighbours' symbols) and 20 (averaged, with a bias cancellation)
PREDICTED = [11, 13, 16, 20]
#: their frozen files in tests/data
FROZEN = {11: DATA / "face-crop-optimal-8-cm-level11.vqz", 13: DATA / "face-crop-optimal-16-cm-level13.vqz",
          16: DATA / "face-crop-kmeans-16-cm-level16.vqz", 20: DATA / "face-crop-optimal-16-cm-level20.vqz"}


@pytest.mark.parametrize("level", PREDICTED)
@pytest.mark.parametrize("n", [2, 3, 5, 8, 9, 15, 16])
def test_round_trip_every_level_count_and_setting(n, level):
    check_round_trips_every_setting(functools.partial(encode11, level=level), n)


@pytest.mark.parametrize("level", PREDICTED)
@pytest.mark.parametrize("shape", THIN_SHAPES)
def test_round_trip_thin_maps(shape, level):
    for codes, n in thin_maps(shape, (2, 7, 16)):
        for params in EXTREMES:
            np.testing.assert_array_equal(cm.decode(encode11(codes, n, params, level), shape, n), codes)


@given(h=st.integers(1, 40), w=st.integers(1, 40), n=st.integers(2, 16), seed=st.integers(0, 2**16),
       noise=st.floats(0, 1), counter3=st.integers(0, 2), first_table=st.integers(0, 1),
       limit=st.integers(1, 127), rate_max=st.integers(2, 7), rate_double=st.integers(0, 1),
       level=st.sampled_from(PREDICTED))
@settings(max_examples=120)
def test_round_trip_property(h, w, n, seed, noise, counter3, first_table, limit, rate_max, rate_double, level):
    check_blobs_round_trip(functools.partial(encode11, level=level), h, w, n, seed, noise,
                           (counter3, first_table, limit, rate_max, rate_double))


@pytest.mark.parametrize("level", PREDICTED)
@pytest.mark.parametrize("n,noise,seed", [(2, 0.2, 1), (5, 0.5, 2), (8, 0.2, 3), (12, 0.05, 5), (16, 0.3, 6)])
def test_format_md_describes_the_level_exactly(n, noise, seed, level):
    """tests/cm_reference_level5.py decodes levels 11 and 13 from the letter of docs/FORMAT.md."""
    for codes, params in zip((blobs(9, 23, n, seed=seed, noise=noise), gradient(8, 21, n), jumps(7, 19, n, seed)),
                             itertools.cycle(SETTINGS[seed:])):
        data = encode11(codes, n, params, level)
        np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, n)), codes, err_msg=str(params))


@pytest.mark.parametrize("level", PREDICTED)
@pytest.mark.parametrize("n,params", [(8, (0, 0, 20, 6, 0)), (12, (2, 0, 20, 6, 0)), (16, (1, 1, 20, 6, 0))])
def test_format_md_describes_the_level_on_a_picture(face_gray, n, params, level):
    """Crops of the face: the prediction's errors past the start, every offset class, the
    three third counters."""
    codes = face_crop(face_gray, n, slice(300, 340), slice(480, 560))
    data = encode11(codes, n, params, level)
    np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, n)), codes)


def test_level_11_is_another_stream_than_level_8():
    codes = blobs(60, 70, 8, seed=2, noise=0.3)
    for params in (level8.LEVEL5, (2, 0, 20, 6, 0)):
        eleven, eight = encode11(codes, 8, params), encode8(codes, 8, params)
        assert eleven[12 + 8 + 5:] != eight[12 + 8 + (0 if params == level8.LEVEL5 else 5):]


@pytest.mark.parametrize("level,n", [(11, 8), (13, 16), (16, 16), (20, 16)])
def test_strips_decode_alike_on_any_number_of_threads(two_threads, level, n):
    check_strips_alike(lambda codes, n_, **kw: encode11(codes, n_, (2, 0, 20, 6, 0), level, **kw),
                       blobs(700, 400, n, seed=5, noise=0.1), n)


def weighted_at_effort_2():
    """Effort 2 with level 11 (its choice of level 5, 8 or 11) as its ordered level."""
    return mock.patch.dict(cm_choice.EFFORT_SETTINGS, {2: (cm_levels.WEIGHTED_TABLES, *cm_choice.EFFORT_SETTINGS[2][1:])})


def test_the_choice_codes_5_to_16_gray_levels_at_level_5_8_11_or_20(face_gray):
    levels = set()
    with weighted_at_effort_2():
        for n in (5, 8, 12, 16):
            for codes in (blobs(60, 70, n, seed=n, noise=0.3), face_crop(face_gray, n)):
                data = cm.encode(codes, n, ordered=True)
                levels.add(cm.describe(data)["level"])
                np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)
            if n > cm_choice._MAX_WEIGHTED_LEVELS:  # (level 11's speed: level 13's successor 20 instead)
                assert cm.describe(data)["level"] in (5, 8, 20)
        assert 11 in levels and 20 in levels and levels <= {5, 8, 11, 20}
        codes = blobs(30, 40, 4, seed=1)  # up to 4 levels: level 9
        assert cm.describe(cm.encode(codes, 4, ordered=True))["level"] == 9
        # a 16-colour ramp (a palette in its spectral order) takes the same choice
        ramp = ramp_palette(40, 60, 8, seed=8)
        data = cm.encode(ramp, 8, ordered=False)
        assert cm.describe(data)["level"] in (5, 8, 11)
        np.testing.assert_array_equal(cm.decode(data, ramp.shape, 8), ramp)
    for effort in (0, 1):  # efforts 0 and 1 keep their levels (5-9: the test below)
        assert cm.describe(cm.encode(face_crop(face_gray, 8), 8, ordered=True, effort=effort))["level"] != 11


@pytest.mark.parametrize("effort", [5, 9])
def test_efforts_5_to_9_never_code_larger_than_the_default(face_gray, effort):
    """Efforts 5-9 return effort 2's payload where it is the smaller: gray levels and
    palettes, in the scan each effort chooses or in a scan asked for."""
    cases = [(face_crop(face_gray, 8), 8, True), (face_crop(face_gray, 16), 16, True), (blobs(40, 50, 12, seed=4), 12, True),
             (blobs(40, 50, 12, seed=5, noise=0.3), 12, False), (blobs(30, 40, 40, seed=6, noise=0.2), 40, False)]
    levels = set()
    for codes, n, ordered in cases:
        for scan in (None, 7):
            data = cm.encode(codes, n, ordered=ordered, effort=effort, scan=scan, compact=True)
            np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)
            with mock.patch.object(cm_choice, "DEFAULT_TOO", frozenset()):
                alone = cm.encode(codes, n, ordered=ordered, effort=effort, scan=scan, compact=True)
            assert cm.describe(alone)["level"] == 1
            default = cm.encode(codes, n, ordered=ordered, effort=2, scan=scan, compact=True)
            assert data == (default if len(default) < len(alone) else alone)
            if scan is not None:
                assert cm.describe(data)["scan"] == scan
            levels.add(cm.describe(data)["level"])
    assert 1 in levels and levels - {1}  # level 1 is the smaller on some of these maps, not on all


@pytest.mark.parametrize("effort", [3, 4])
def test_efforts_3_and_4_keep_the_smaller_of_level_0_and_effort_2s_choice(face_gray, effort):
    """A higher effort never codes a gray map larger than effort 2 (level 0 lost to levels
    8-11 on gray; it still wins on some colour ramps)."""
    for codes, n in ((face_crop(face_gray, 8), 8), (face_crop(face_gray, 3), 3), (blobs(40, 50, 12, seed=4), 12),
                     (ramp_palette(40, 60, 12, seed=12), 12)):
        data = cm.encode(codes, n, ordered=True, effort=effort)
        np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)
        with mock.patch.dict(cm_choice._ORDERED_ALSO, clear=True):
            level0 = cm.encode(codes, n, ordered=True, effort=effort)
        assert cm.describe(level0)["level"] == 0
        assert len(data) == min(len(level0), len(cm.encode(codes, n, ordered=True, effort=2)))


def test_the_default_effort_takes_level_11_where_it_codes_smaller(face_gray):
    codes = face_crop(face_gray, 8)
    data = cm.encode(codes, 8, ordered=True)
    assert cm_choice.EFFORT_SETTINGS[cm.DEFAULT_EFFORT][0] == cm_levels.WEIGHTED_TABLES
    assert cm.describe(data)["level"] == 11
    assert len(data) < len(encode8(codes, 8, params_of(data, 8)))


def test_choose_level_takes_level_11_when_it_codes_the_band_smaller():
    codes = np.zeros((400, 100), np.uint8)
    sizes = {8: 1000, 11: 990}
    calls = []

    def code(sample, level, params):
        calls.append((sample.shape, level, params))
        return sizes[level] - (params == (2, 0, 20, 6, 0)) * 50

    assert level8.choose_level(codes, 8, code, 8, 11) == (11, (2, 0, 20, 6, 0))
    # the parameters are chosen at level 8 on the small sample, the level on the band of 1/8
    assert {level for shape, level, params in calls[:4]} == {8}
    assert [shape for shape, level, params in calls[4:]] == [(50, 100), (50, 100)]
    sizes[11] = 1000  # a tie keeps level 8
    assert level8.choose_level(codes, 8, code, 8, 11) == (8, (2, 0, 20, 6, 0))


def test_level_band_is_the_middle_eighth_of_the_map():
    codes = np.arange(800)[:, None].repeat(64, axis=1).astype(np.uint16)
    band = level8.level_band(codes)
    assert band.shape == (100, 64) and band[0, 0] == 350 and band.flags.c_contiguous
    small = np.zeros((50, 60), np.uint8)  # at least SAMPLE_MIN_PIXELS pixels: here the map
    assert level8.level_band(small) is small


def test_level_11_is_smaller_than_level_8_on_the_face(face_gray):
    codes = vqpress.compress(face_gray[:384, :512], 8).codes()
    assert len(encode11(codes, 8, (2, 0, 20, 6, 0))) < 0.99 * len(encode8(codes, 8, (2, 0, 20, 6, 0)))


@pytest.mark.parametrize("level", PREDICTED)
def test_the_reader_checks_the_levels_header_fields(level):
    codes = blobs(48, 80, 8, seed=8)
    data = encode11(codes, 8, (1, 1, 20, 6, 0), level)
    check_table_level_header(data, level, codes.shape, 8)
    check_parameter_bytes(data, level, codes.shape, 8)
    blob = bytearray(encode5(codes, 8))  # a level-5 payload relabelled 11 or 13 lacks the parameters
    blob[5] = level
    with pytest.raises(vqpress.FormatError):
        cm.decode(bytes(blob), codes.shape, 8)


NAMES = {11: "weighted predicted ordered tables", 13: "averaged predicted ordered tables",
         16: "neighbour symbol averaged predicted ordered tables", 20: "bias-cancelled averaged predicted ordered tables"}


@pytest.mark.parametrize("level", PREDICTED)
def test_describe_names_the_level(level):
    info = cm.describe(encode11(blobs(20, 30, 8), 8, level=level))
    assert (info["level"], info["level_name"]) == (level, NAMES[level])


@pytest.mark.parametrize("level", PREDICTED)
def test_info_names_the_level(capsys, level):
    from vqpress import cli

    assert cli.main(["info", str(FROZEN[level])]) == 0
    assert f"ordered, level {level} ({NAMES[level]}), 1 strip" in capsys.readouterr().out


@pytest.mark.parametrize("level", PREDICTED)
def test_fuzz_damaged_payloads_fail_cleanly_and_fast(level):
    cases = []
    for (n, seed), params in zip(((2, 1), (8, 2), (16, 3), (5, 4)), EXTREMES[1:]):
        codes = blobs(48, 80, n, seed=seed)
        cases.append((codes, n, encode11(codes, n, params, level)))
    codes = jumps(48, 80, 16, seed=4)
    cases.append((codes, 16, encode11(codes, 16, (2, 1, 3, 7, 1), level)))
    fuzz_payloads(cases, np.random.default_rng(31 + level))


@pytest.mark.parametrize("level", PREDICTED)
@pytest.mark.parametrize("n", [3, 8, 16])
def test_fuzz_streams_of_noise_decode_in_range(n, level):
    """Any bytes at all as a level-11 or 13 stream: a FormatError or codes in range, never more."""
    codes = blobs(40, 50, n, seed=4)
    noise_streams_decode_in_range(encode11(codes, n, (0, 0, 20, 6, 0), level), codes.shape, n,
                                  np.random.default_rng(7 + level))


@pytest.mark.parametrize("level", PREDICTED)
def test_the_frozen_file_was_coded_at_its_level(level):
    from vqpress.container import read_header

    blob = FROZEN[level].read_bytes()
    head = read_header(blob)
    info = cm.describe(blob[len(blob) - 4 - head.payload_len: len(blob) - 4])
    assert (info["model"], info["level"]) == ("ordered", level)


@pytest.mark.parametrize("level", PREDICTED)
def test_the_reference_decodes_the_frozen_file(level):
    """The frozen file's payload, decoded from the letter of docs/FORMAT.md, gives its codes."""
    from vqpress.container import from_bytes, read_header

    blob = FROZEN[level].read_bytes()
    head = read_header(blob)
    codes = from_bytes(blob).codes()
    codes = codes.reshape(codes.shape[:2])
    payload = blob[len(blob) - 4 - head.payload_len: len(blob) - 4]
    np.testing.assert_array_equal(np.array(reference_decode(payload, codes.shape, head.n_colors)), codes)
