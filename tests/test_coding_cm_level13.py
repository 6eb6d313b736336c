"""Level 13 of the cm coding (level 11 with the four sub-predictions averaged): the encoder's
choice between levels 5, 8 and 13 above 8 levels. Round trips, the reference decoder of
docs/FORMAT.md, strips, the reader's checks and fuzzing run for levels 11 and 13 in
test_coding_cm_level11."""

import functools

import numpy as np
import pytest

import vqpress
from vqpress.coding import cm, level8

from test_coding_cm import blobs
from test_coding_cm_level5 import encode5, ramp_palette
from test_coding_cm_level8 import encode8, params_of
from test_coding_cm_level11 import encode11, face_crop

#: ``cm.encode(codes, n, ordered=True)`` at level 13 with ``params`` (any number of levels)
encode13 = functools.partial(encode11, level=13)


def test_level_13_is_another_stream_than_levels_8_and_11():
    codes = blobs(60, 70, 12, seed=2, noise=0.3)
    for params in (level8.LEVEL5, (2, 0, 20, 6, 0)):
        thirteen = encode13(codes, 12, params)[12 + 12 + 5:]
        assert thirteen != encode11(codes, 12, params)[12 + 12 + 5:]
        assert thirteen != encode8(codes, 12, params)[12 + 12 + (0 if params == level8.LEVEL5 else 5):]


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
