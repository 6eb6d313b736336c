"""Level 8 of the cm coding (level 5's model with five parameters in the header, chosen per
map): round trips at every parameter's extremes, the reference decoder of docs/FORMAT.md,
level 5's streams from level 5's parameters, strips, the encoder's choice, the reader's
checks and fuzzing of the payload and of the parameters."""

import itertools
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vqpress
from vqpress.coding import choice as cm_choice, cm, level8
from vqpress.coding import levels as cm_levels

from cm_reference import decode as reference_decode
from cm_helpers import THIN_SHAPES, blobs, encode_ordered_at, fuzz_payloads, thin_maps
from test_coding_cm_level4 import gradient
from test_coding_cm_level5 import check_table_level_header, encode5, jumps, refuses

# every value at the ends of each range, and the encoder's candidates
EXTREMES = [(0, 0, 1, 2, 0), (1, 1, 127, 7, 1), (2, 0, 1, 7, 0), (2, 1, 127, 2, 1), (1, 0, 5, 7, 0),
            (0, 1, 20, 3, 1)]
SETTINGS = sorted({*EXTREMES, *level8.CANDIDATES_FEW_LEVELS, *level8.CANDIDATES_MANY_LEVELS})


def encode8(codes, n, params, **kw):
    """``cm.encode(codes, n, ordered=True, **kw)`` at level 8 with ``params`` (level 5 if they
    are level 5's)."""
    with mock.patch.object(level8, "choose", lambda *args: tuple(params)):
        if tuple(params) == level8.LEVEL5:
            return encode5(codes, n, **kw)
        data = encode_ordered_at(cm_levels.TUNED_TABLES, codes, n, **kw)
    assert params_of(data, n) == tuple(params)
    return data


def encode_chosen(codes, n, **kw):
    """``cm.encode(codes, n, ordered=True, **kw)`` at effort 2 with level 8 as its ordered level:
    level 8 with the encoder's choice of parameters, or level 5 when it keeps level 5's (maps of
    up to 4 levels too, which effort 2 gives level 9: test_coding_cm_level9; effort 2 itself
    may also take level 11: test_coding_cm_level11)."""
    with mock.patch.dict(cm_choice._FEW_LEVELS, clear=True), \
            mock.patch.dict(cm_choice.EFFORT_SETTINGS, {2: (cm_levels.TUNED_TABLES, *cm_choice.EFFORT_SETTINGS[2][1:])}):
        data = cm.encode(codes, n, ordered=True, **kw)
    assert cm.describe(data)["level"] in (5, 8)
    return data


def params_of(data, n):
    return tuple(data[12 + n:12 + n + len(level8.PARAMETERS)])


def maps(n, seed):
    return (blobs(37, 53, n, seed=seed), blobs(30, 41, n, seed=seed, noise=1.0), gradient(40, 50, n),
            jumps(30, 40, n, seed=seed), np.zeros((20, 20), np.uint8), np.full((20, 20), n - 1, np.uint8))


def check_round_trips_every_setting(encode, n):
    """``encode(codes, n, params)`` round-trips every map of ``maps`` at every setting."""
    for (i, codes), params in itertools.product(enumerate(maps(n, seed=n)), SETTINGS):
        data = encode(codes, n, params)
        np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes, err_msg=f"{params}, map {i}")


@pytest.mark.parametrize("n", [2, 3, 5, 8, 9, 15, 16])
def test_round_trip_every_level_count_and_setting(n):
    check_round_trips_every_setting(encode8, n)


@pytest.mark.parametrize("shape", THIN_SHAPES)
def test_round_trip_thin_maps(shape):
    for codes, n in thin_maps(shape, (2, 7, 16)):
        for params in (None, *EXTREMES):
            data = encode_chosen(codes, n) if params is None else encode8(codes, n, params)
            np.testing.assert_array_equal(cm.decode(data, shape, n), codes)


@given(h=st.integers(1, 40), w=st.integers(1, 40), n=st.integers(2, 16), seed=st.integers(0, 2**16),
       noise=st.floats(0, 1), counter3=st.integers(0, 2), first_table=st.integers(0, 1),
       limit=st.integers(1, 127), rate_max=st.integers(2, 7), rate_double=st.integers(0, 1))
@settings(max_examples=80)
def test_round_trip_property(h, w, n, seed, noise, counter3, first_table, limit, rate_max, rate_double):
    check_blobs_round_trip(encode8, h, w, n, seed, noise, (counter3, first_table, limit, rate_max, rate_double))


def check_blobs_round_trip(encode, h, w, n, seed, noise, params):
    codes = blobs(h, w, n, seed=seed, noise=noise)
    back = cm.decode(encode(codes, n, params), (h, w), n)
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back, codes)


def test_the_encoders_choice_round_trips_and_is_a_candidate():
    levels = set()
    for n, seed, noise in ((4, 1, 0.2), (8, 2, 0.2), (16, 3, 0.2), (4, 4, 0.0), (8, 5, 1.0), (16, 6, 0.05)):
        codes = blobs(120, 150, n, seed=seed, noise=noise)
        data = encode_chosen(codes, n)
        levels.add(cm.describe(data)["level"])
        candidates = level8.CANDIDATES_FEW_LEVELS if n <= 8 else level8.CANDIDATES_MANY_LEVELS
        if cm.describe(data)["level"] == 8:
            assert params_of(data, n) in candidates[1:]
        np.testing.assert_array_equal(cm.decode(data, codes.shape, n), codes)
    assert levels == {5, 8}


@pytest.mark.parametrize("n,noise,seed", [(2, 0.2, 1), (4, 0.5, 2), (8, 0.2, 3), (12, 0.05, 5), (16, 0.3, 6)])
def test_format_md_describes_level_8_exactly(n, noise, seed):
    """tests/cm_reference_level5.py decodes level 8 from the letter of docs/FORMAT.md."""
    for codes, params in zip((blobs(9, 23, n, seed=seed, noise=noise), gradient(8, 21, n), jumps(7, 19, n, seed)),
                             itertools.cycle(SETTINGS[seed:])):
        data = encode8(codes, n, params)
        np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, n)), codes, err_msg=str(params))


@pytest.mark.parametrize("params", EXTREMES)
def test_format_md_describes_tables_that_learned_long(params):
    """Tables past their last rate change (up to 128 updates at rate_max 7), every error class,
    every counter3."""
    codes = blobs(40, 60, 16, seed=11, noise=0.15)
    data = encode8(codes, 16, params)
    np.testing.assert_array_equal(np.array(reference_decode(data, codes.shape, 16)), codes)


def test_level_5_parameters_give_level_5_streams():
    from vqpress.coding import _cm

    for n, seed in ((3, 1), (8, 2), (16, 3)):
        codes = blobs(60, 70, n, seed=seed, noise=0.3)
        five = _cm.encode_strips(codes, n, _cm.MODEL_ORDERED, 5, 8, 25)
        assert len(five) == 3
        assert _cm.encode_strips(codes, n, _cm.MODEL_ORDERED, 8, 8, 25, level8.LEVEL5) == five
        assert _cm.encode_strips(codes, n, _cm.MODEL_ORDERED, 8, 8, 25, (1, 0, 20, 6, 0)) != five


def test_strips_decode_alike_on_any_number_of_threads():
    codes = blobs(700, 400, 8, seed=5)
    for params in ((1, 1, 20, 6, 0), (2, 0, 12, 7, 1)):
        data = encode8(codes, 8, params, strip_rows=170)
        assert cm.describe(data)["strip_rows"] == 170
        with vqpress.thread_limit(1):
            one = cm.decode(data, codes.shape, 8)
            assert encode8(codes, 8, params, strip_rows=170) == data
        np.testing.assert_array_equal(one, codes)
        np.testing.assert_array_equal(cm.decode(data, codes.shape, 8), codes)


def test_sample_rows_are_bands_of_the_map():
    codes = np.arange(1000)[:, None].repeat(50, axis=1).astype(np.uint16)
    sample = level8.sample_rows(codes)
    rows = sample[:, 0]
    assert sample.shape[1] == 50 and sample.shape[0] * 50 >= level8.SAMPLE_MIN_PIXELS
    assert sample.shape[0] % level8.SAMPLE_BANDS == 0
    bands = rows.reshape(level8.SAMPLE_BANDS, -1)
    assert (np.diff(bands, axis=1) == 1).all() and (np.diff(bands[:, 0]) > bands.shape[1]).all()
    small = np.zeros((20, 30), np.uint8)
    assert level8.sample_rows(small) is small


def test_choose_keeps_level_5_unless_another_setting_gains_enough():
    codes = np.zeros((100, 100), np.uint8)
    few = level8.CANDIDATES_FEW_LEVELS
    sizes = {p: 1000 for p in few}
    assert level8.choose(codes, 8, lambda sample, p: sizes[p]) == level8.LEVEL5
    sizes[few[2]] = 999  # 0.1%: not enough
    assert level8.choose(codes, 8, lambda sample, p: sizes[p]) == level8.LEVEL5
    sizes[few[3]] = 990
    assert level8.choose(codes, 8, lambda sample, p: sizes[p]) == few[3]
    many = {p: 1000 - i for i, p in enumerate(level8.CANDIDATES_MANY_LEVELS)}
    assert level8.choose(codes, 16, lambda sample, p: many[p]) == level8.CANDIDATES_MANY_LEVELS[-1]
    # on a small map (the sample is the map) 0.3% of 1000 bytes is less than the 5 parameters' bytes
    tiny = np.zeros((10, 10), np.uint8)
    sizes = {p: 1000 - 3 * (p != level8.LEVEL5) for p in few}
    assert level8.choose(tiny, 8, lambda sample, p: sizes[p]) == level8.LEVEL5
    sizes = {p: 1000 - 6 * (p != level8.LEVEL5) for p in few}
    assert level8.choose(tiny, 8, lambda sample, p: sizes[p]) == few[1]


def test_check_names_the_parameter_out_of_range():
    assert level8.check(level8.LEVEL5) is None
    assert level8.check((3, 0, 20, 6, 0)) == "counter3 3 (allowed 0..2)"
    assert level8.check((0, 0, 0, 6, 0)) == "limit 0 (allowed 1..127)"
    assert level8.check((0, 0, 20, 8, 0)) == "rate_max 8 (allowed 2..7)"


@pytest.mark.parametrize("level", [8, 11, 13, 16, 20])
def test_the_kernel_checks_the_parameters_as_the_header_reader(level):
    """The kernel's own check (``_ordered_params.pxd``) has level8.RANGES: it refuses each
    parameter one beyond either end, and codes every extreme."""
    from vqpress.coding import _cm

    codes = blobs(12, 20, 8, seed=3)
    for i, (lo, hi) in enumerate(level8.RANGES):
        for v, ok in ((lo - 1, False), (lo, True), (hi, True), (hi + 1, False)):
            params = list(level8.LEVEL5)
            params[i] = v
            assert (level8.check(params) is None) == ok
            if ok:
                assert _cm.encode_strips(codes, 8, _cm.MODEL_ORDERED, level, 8, 12, tuple(params))
            else:
                with pytest.raises(ValueError, match="level 8 parameters out of range"):
                    _cm.encode_strips(codes, 8, _cm.MODEL_ORDERED, level, 8, 12, tuple(params))


def check_parameter_bytes(data, level, shape, n):
    """The reader refuses each parameter of a level-8 or level-11 payload out of its range,
    and a payload that ends inside them."""
    for i, (name, (lo, hi)) in enumerate(zip(level8.PARAMETERS, level8.RANGES)):
        for v in {lo - 1, hi + 1, 255} - {-1}:
            blob = bytearray(data)
            blob[12 + n + i] = v
            refuses(blob, rf"cm level {level} parameter {name} {v} \(allowed {lo}..{hi}\)", shape, n)
    refuses(data[:12 + n + 3], "ends inside its header", shape, n)


def test_the_reader_checks_level_8_header_fields():
    codes = blobs(48, 80, 8, seed=8)
    data = encode8(codes, 8, (1, 1, 20, 6, 0))
    check_table_level_header(data, 8, codes.shape, 8)
    check_parameter_bytes(data, 8, codes.shape, 8)


def test_describe_and_info_name_level_8():
    info = cm.describe(encode8(blobs(20, 30, 8), 8, (1, 1, 20, 6, 0)))
    assert (info["level"], info["level_name"]) == (8, "tuned predicted ordered tables")


def test_fuzz_damaged_level_8_payloads_fail_cleanly_and_fast():
    cases = []
    for (n, seed), params in zip(((2, 1), (8, 2), (16, 3), (5, 4)), EXTREMES[1:]):
        codes = blobs(48, 80, n, seed=seed)
        cases.append((codes, n, encode8(codes, n, params)))
    codes = jumps(48, 80, 16, seed=4)
    cases.append((codes, 16, encode8(codes, 16, (2, 1, 3, 7, 1))))
    fuzz_payloads(cases, np.random.default_rng(29))


def test_fuzz_parameters_any_bytes_fail_cleanly_or_decode_in_range():
    """Any 5 parameter bytes: a FormatError naming the one out of range; in range, a
    FormatError (the streams were coded with other parameters: mostly not used exactly) or
    codes in range; the true ones decode the map."""
    rng = np.random.default_rng(8)
    codes = blobs(40, 50, 8, seed=4, noise=0.3)
    data = bytearray(encode8(codes, 8, (1, 0, 20, 6, 0)))
    outcomes = {"error": 0, "decoded": 0}
    for trial in range(150):
        params = (rng.integers(0, 256, 5) if trial % 2 else (1, 0, 20, 6, 0) if trial % 10 == 0
                  else [rng.integers(lo, hi + 1) for lo, hi in level8.RANGES])
        data[20:25] = bytes(int(v) for v in params)
        try:
            back = cm.decode(bytes(data), codes.shape, 8)
        except vqpress.FormatError as e:
            assert ("parameter" in str(e)) == (level8.check(params) is not None)
            outcomes["error"] += 1
        else:
            assert level8.check(params) is None
            assert int(back.max()) < 8
            outcomes["decoded"] += 1
            if tuple(params) == (1, 0, 20, 6, 0):
                np.testing.assert_array_equal(back, codes)
    assert outcomes["error"] > 0 and outcomes["decoded"] > 0


@pytest.mark.parametrize("n", [3, 16])
def test_fuzz_streams_of_noise_decode_in_range(n):
    """Any bytes at all as a level-8 stream: a FormatError or codes in range, never more."""
    rng = np.random.default_rng(5)
    codes = blobs(40, 50, n, seed=4)
    for params in EXTREMES[:3]:
        data = encode8(codes, n, params)
        head = 12 + n + 5 + 4
        for size in (4, 5, 64, 700, 5000, 20000):
            blob = bytearray(data[:head]) + bytes(rng.integers(0, 256, size).astype(np.uint8))
            blob[head - 4: head] = size.to_bytes(4, "little")
            try:
                back = cm.decode(bytes(blob), codes.shape, n)
            except vqpress.FormatError:
                continue
            assert int(back.max()) < n
