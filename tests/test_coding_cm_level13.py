"""Level 13 of the cm coding (level 11 with the four sub-predictions averaged): the encoder's
choice between levels 5, 8 and 13's successors above 8 levels (20 for gray levels, 16 for a
colour ramp, each decided on its own sizes by level 13's rule). Round trips, the reference
decoder of docs/FORMAT.md, strips, the reader's checks and fuzzing run for levels 11, 13, 16
and 20 in test_coding_cm_level11; level 20's own pieces in test_coding_cm_level20."""

import functools
from unittest import mock

import numpy as np
import pytest

import vqpress
from vqpress.coding import choice as cm_choice, cm, level8
from vqpress.coding import levels as cm_levels

from cm_helpers import blobs
from test_coding_cm_level5 import encode5, ramp_palette
from test_coding_cm_level8 import encode8, params_of
from test_coding_cm_level11 import encode11, face_crop

#: ``cm.encode(codes, n, ordered=True)`` at level 13 (or 20) with ``params`` (any number of levels)
encode13 = functools.partial(encode11, level=13)
encode20 = functools.partial(encode11, level=20)


def test_level_13_is_another_stream_than_levels_8_and_11():
    codes = blobs(60, 70, 12, seed=2, noise=0.3)
    for params in (level8.LEVEL5, (2, 0, 20, 6, 0)):
        thirteen = encode13(codes, 12, params)[12 + 12 + 5:]
        assert thirteen != encode11(codes, 12, params)[12 + 12 + 5:]
        assert thirteen != encode8(codes, 12, params)[12 + 12 + (0 if params == level8.LEVEL5 else 5):]


def test_effort_2_codes_9_to_16_levels_at_level_5_8_or_20(face_gray):
    levels = set()
    for n in (9, 12, 16):
        for codes in (blobs(60, 70, n, seed=n, noise=0.3), face_crop(face_gray, n)):
            data = cm.encode(codes, n, ordered=True)
            levels.add(cm.describe(data)["level"])
            np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)
    assert 20 in levels and levels <= {5, 8, 20}
    # a 16-colour ramp (a palette in its spectral order) takes the same choice, level 16 for 20
    ramp = ramp_palette(40, 60, 16, seed=8)
    data = cm.encode(ramp, 16, ordered=False)
    assert cm.describe(data)["level"] in (5, 8, 16)
    np.testing.assert_array_equal(cm.decode(data, ramp.shape, 16), ramp)
    # up to 8 levels level 11 keeps its place, or level 20 where it codes level 11's band smaller
    assert cm.describe(cm.encode(face_crop(face_gray, 8), 8, ordered=True))["level"] in (11, 20)


def _choice_with_sizes(codes, n, predicted, sizes):
    """``cm_choice._chosen_level`` when the codings of samples return ``sizes`` in turn: (its answer,
    the (shape, level) of each coding)."""
    calls, sizes = [], iter(sizes)

    def size(sample, n, level, params):
        calls.append((sample.shape, level))
        return next(sizes)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cm_choice, "_sample_size", size)
        return cm_choice._chosen_level(codes, n, predicted), calls


def test_level_13_is_decided_on_the_sample_or_else_on_a_middle_tenth_of_the_map():
    codes = np.zeros((1000, 100), np.uint8)
    sample = level8.sample_rows(codes).shape
    # level 8's parameters on the sample (4 candidates), level 13 on it: below 1.03 times level
    # 8's size level 13 without a band, above 1.06 times level 8 without it
    for size13, level in ((1029, 13), (1061, 8)):
        choice, calls = _choice_with_sizes(codes, 16, cm_levels.AVERAGED_TABLES, [1000] * 4 + [size13])
        assert choice == (level, level8.LEVEL5)
        assert calls == [(sample, 8)] * 4 + [(sample, 13)]
    # in between, level 13 and 8 on a band of 1/10 of the map: level 13 if smaller than 1.01
    # times level 8's size there
    for size13, band13, level in ((1030, 1009, 13), (1060, 1009, 13), (1045, 1010, 8), (1045, 1200, 8)):
        choice, calls = _choice_with_sizes(codes, 16, cm_levels.AVERAGED_TABLES, [1000] * 4 + [size13, band13, 1000])
        assert choice == (level, level8.LEVEL5)
        assert calls == [(sample, 8)] * 4 + [(sample, 13), ((100, 100), 13), ((100, 100), 8)]
    # a map less than 16 times its sample: the band even below 1.03, and where the band is larger
    # than 1/10 of the map (its floor of 4,096 pixels), level 13 only if smaller there
    short = np.zeros((600, 100), np.uint8)
    sample_short = level8.sample_rows(short).shape
    assert sample_short[0] * 16 > 600 and 600 * 100 // 10 >= level8.SAMPLE_MIN_PIXELS
    choice, calls = _choice_with_sizes(short, 16, cm_levels.AVERAGED_TABLES, [1000] * 4 + [1000, 1009, 1000])
    assert choice == (13, level8.LEVEL5)
    assert calls == [(sample_short, 8)] * 4 + [(sample_short, 13), ((60, 100), 13), ((60, 100), 8)]
    smaller = np.zeros((300, 100), np.uint8)
    sample_smaller = level8.sample_rows(smaller).shape
    for band13, level in ((999, 13), (1000, 8), (1009, 8)):
        choice, calls = _choice_with_sizes(smaller, 16, cm_levels.AVERAGED_TABLES, [1000] * 4 + [1000, band13, 1000])
        assert choice == (level, level8.LEVEL5)
        assert calls == [(sample_smaller, 8)] * 4 + [(sample_smaller, 13), ((41, 100), 13), ((41, 100), 8)]
    # a map that is its own sample: the smaller of the two on it
    small = np.zeros((30, 100), np.uint8)
    assert level8.sample_rows(small) is small
    for size13, level in ((999, 13), (1000, 8), (1020, 8)):
        choice, calls = _choice_with_sizes(small, 16, cm_levels.AVERAGED_TABLES, [1000] * 4 + [size13])
        assert choice == (level, level8.LEVEL5)
        assert calls == [((30, 100), 8)] * 4 + [((30, 100), 13)]
    # (level 11's band stays an eighth, without the sample's test); where level 11 wins, level 20
    # on the same band if smaller there (level 11's size there is not coded twice)
    for band20, level in ((989, 20), (990, 11)):
        choice, calls = _choice_with_sizes(codes, 8, cm_levels.WEIGHTED_TABLES, [1000] * 4 + [990, 1000, band20])
        assert choice == (level, level8.LEVEL5)
        assert calls == [(sample, 8)] * 4 + [((125, 100), 11), ((125, 100), 8), ((125, 100), 20)]
    # level 8 won: level 20 is not weighed; nor below 5 levels
    choice, calls = _choice_with_sizes(codes, 8, cm_levels.WEIGHTED_TABLES, [1000] * 4 + [1000, 1000])
    assert choice == (8, level8.LEVEL5) and len(calls) == 6
    choice, calls = _choice_with_sizes(codes, 4, cm_levels.WEIGHTED_TABLES, [1000] * 4 + [990, 1000])
    assert choice == (11, level8.LEVEL5) and len(calls) == 6


@pytest.mark.parametrize("corner, band, level", [
    ((0, 0), False, 20),      # the sample alone says level 20 (1.003x level 8's size there)
    ((100, 100), True, 20),   # 1.05x on the sample: the band says level 20 (0.994x there)
    ((512, 640), False, 8),   # 1.10x on the sample: level 8 (or 5; level 20 is 0.998x on the map, the rule's miss)
])
def test_the_choice_of_level_20_on_the_face(face_gray, corner, band, level):
    """Gray levels: level 13's rule (sample, then band) with level 20's sizes."""
    r, c = corner
    codes = vqpress.compress(face_gray[r:r + 256, c:c + 384], 16).codes()
    shapes = []
    sample_size = cm_choice._sample_size

    def size(sample, *args):
        shapes.append(sample.shape)
        return sample_size(sample, *args)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cm_choice, "_sample_size", size)
        data = cm.encode(codes, 16, ordered=True)
    assert (level8.level_band(codes, 10).shape in shapes) == band
    params = params_of(data, 16) if cm.describe(data)["level"] != 5 else level8.LEVEL5
    assert cm.describe(data)["level"] in ((20,) if level == 20 else (5, 8))
    other = encode8(codes, 16, params) if level == 20 else encode20(codes, 16, params)
    assert len(data) < len(other) * (1 if level == 20 else 1.003)
    np.testing.assert_array_equal(cm.decode(data, codes.shape, 16), codes)


def test_the_default_effort_takes_level_20_where_it_codes_smaller(face_gray):
    codes = face_crop(face_gray, 16)
    data = cm.encode(codes, 16, ordered=True)
    assert cm.describe(data)["level"] == 20
    assert len(data) < len(encode8(codes, 16, params_of(data, 16)))


def test_level_13_is_smaller_than_level_8_on_the_face(face_gray):
    codes = vqpress.compress(face_gray[:384, :512], 16).codes()
    assert len(encode13(codes, 16)) < 0.98 * len(encode5(codes, 16))


@pytest.mark.parametrize("n", [9, 12, 16])
def test_a_colour_ramp_takes_level_16_where_gray_takes_level_20(n):
    """Level 16 (level 13 with a table of the neighbours' symbols) for the ramps of 9-16 colours
    where gray levels take level 20 (level 13 with a bias cancellation; each choice against level
    8 made at its own level), with its parameters."""
    ramp = ramp_palette(60, 80, n, seed=n)
    params = (2, 1, 20, 6, 0)
    with mock.patch.object(cm_choice, "_chosen_level", lambda sym, n_, predicted: (predicted, params)):
        data = cm.encode(ramp, n, ordered=False)
        gray = cm.encode(ramp, n, ordered=True)
    assert (cm.describe(data)["level"], cm.describe(gray)["level"]) == (16, 20)
    assert params_of(data, n) == params_of(gray, n) == params
    np.testing.assert_array_equal(cm.decode(data, ramp.shape, n), ramp)
    # where the choice says level 8 (or 5), a ramp keeps it
    with mock.patch.object(cm_choice, "_chosen_level", lambda sym, n_, predicted: (8, params)):
        assert cm.describe(cm.encode(ramp, n, ordered=False))["level"] == 8
    # up to 8 colours level 11's choice is untouched
    assert cm_choice.level_for(ramp_palette(30, 40, 8, seed=1), 8, cm_levels.ORDERED, cm_levels.WEIGHTED_TABLES,
                               ramp=True)[0] in (5, 8, 11)


def test_level_16_codes_the_face_ramp_smaller_than_level_13():
    """The 16-colour face (k-means, a colour ramp; benchmarks/bench_entropy.py's face rgb 16) in
    its refined order: level 16 0.6% below level 13 (BENCHMARKS.md, round 11)."""
    face = vqpress.datasets.face()
    c = vqpress.compress(face, 16)
    codes = c.codes().reshape(face.shape[:2])
    data = cm.encode(codes, 16, ordered=False)
    assert cm.describe(data)["level"] == 16
    order = np.frombuffer(data, np.uint8, 16, 12)
    rank = np.empty(16, np.uint8)
    rank[order] = np.arange(16)
    sym = rank[codes]  # (the map in the ramp's order, coded as gray levels at level 13)
    with mock.patch.object(cm_choice, "_chosen_level", lambda sym_, n_, predicted: (13, params_of(data, 16))):
        thirteen = cm.encode(sym, 16, ordered=True)
    assert cm.describe(thirteen)["level"] == 13
    assert len(data) < 0.995 * len(thirteen)
    np.testing.assert_array_equal(cm.decode(data, codes.shape, 16), codes)


def test_a_ramps_choice_between_levels_8_and_16_codes_its_samples_at_level_16():
    codes = np.zeros((1000, 100), np.uint8)
    sample = level8.sample_rows(codes).shape
    calls = []

    def size(sample_, n, level, params):
        calls.append((sample_.shape, level))
        return 1000 if level == 8 else 1020

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cm_choice, "_sample_size", size)
        assert cm_choice.level_for(codes, 16, cm_levels.ORDERED, cm_levels.WEIGHTED_TABLES, ramp=True) \
            == (16, level8.LEVEL5)
    assert calls == [(sample, 8)] * 4 + [(sample, 16)]
