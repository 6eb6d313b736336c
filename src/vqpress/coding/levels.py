"""The models and levels of the "cm" payload coding (:mod:`vqpress.coding.cm`): their numbers
in the payload header, what each level codes (which model, how many symbols, whether it has
hashed tables and parameters) and its name in docs/FORMAT.md.

These are facts of the format, shared by the payload's reader (:func:`vqpress.coding.cm.decode`
checks a header against them) and the encoder's choices (:mod:`vqpress.coding.choice`, which
says which level an effort and a map take). Each level's note says what it is, where the
encoder uses it and what it measured (BENCHMARKS.md); the compiled kernels are listed in
docs/kernels.md.
"""

from __future__ import annotations

__all__ = ["ORDERED", "PALETTE", "MODEL_NAMES", "MAX_ORDERED_SYMBOLS", "MIN_TABLE_BITS", "MAX_TABLE_BITS",
           "FAST", "PALETTE_TABLES", "PREDICTED", "PREDICTED_TABLES", "MAX_TABLE_LEVELS", "PALETTE_SYMBOL",
           "TUNED_TABLES", "EXACT_TABLES", "MAX_EXACT_LEVELS", "WEIGHTED_TABLES", "AVERAGED_TABLES",
           "PALETTE_MIXED", "PALETTE_SYMBOL_MIXED", "TABLE_LEVELS", "PARAMETER_LEVELS", "LEVELS", "NO_TABLES",
           "PALETTE_ONLY", "LEVEL_NAMES", "PALETTE_SYMBOL_TRIPLES", "FEW_COLOUR_LEVELS", "BIASED_TABLES",
           "PALETTE_SYMBOL_JOINT", "MANY_COLOUR_LEVELS"]

#: The models (the payload header's ``model``): levels 0 and 1 code either.
ORDERED, PALETTE = 0, 1
MODEL_NAMES = {ORDERED: "ordered", PALETTE: "palette"}
#: The ordered model codes at most this many symbols.
MAX_ORDERED_SYMBOLS = 32
#: The payload header's ``table_bits`` (log2 of the hashed tables' buckets) lies in this range.
MIN_TABLE_BITS, MAX_TABLE_BITS = 8, 18

#: Level 0 (lean: hashed tables, 4 counters a question) and level 1 (full: more counters, two
#: mixes and an APM) are numbers only; level 2 (fast: 2-3 counters of small direct tables a
#: question, x == W then the neighbours' values before a walk or tree):
FAST = 2
#: Level 3: the palette model with symbol tables (``_cm_palette3.pyx``): 1.4x faster
#: encoding and 1.7x decoding than level 2 on the palette cases of
#: benchmarks/bench_entropy.py, the same size on their geometric mean (0.976-1.019 case by
#: case; BENCHMARKS.md, round 3).
PALETTE_TABLES = 3
#: Level 4, the ordered model around the MED prediction (``_cm_ordered4.pyx``): about as
#: fast as level 2 (decoding 1.00-1.05x, encoding 0.92-0.98x) and 1-4.4% smaller on the gray
#: cases of benchmarks/bench_entropy.py (BENCHMARKS.md, round 3).
PREDICTED = 4
#: Level 5, gray levels (up to 16) as ``x == P`` then one residual symbol of averaged
#: adaptive tables (``_cm_ordered5.pyx``, range coder): on the gray cases of
#: benchmarks/bench_entropy.py 0.994x level 4's size (0.989-0.998x, smaller on each),
#: decoding 1.07-1.3x as fast (face at 8 and 16 levels: 1.17-1.44x), encoding 1.09x in the
#: geometric mean (0.86-1.5x; the flattest maps about as fast) (BENCHMARKS.md, round 5).
#: More than 16 levels stay at level 4.
PREDICTED_TABLES = 5
#: Level 5's tables (and those of levels 8, 9, 11, 13 and 16) hold this many levels.
MAX_TABLE_LEVELS = 16
#: Level 6, the palette model of one neighbour symbol (``_cm_palette6.pyx``): which of the
#: distinct colours among W, N, NE, NW a pixel is (or none) as one symbol of averaged tables
#: instead of level 3's up to four binary questions. On the palette cases of
#: benchmarks/bench_entropy.py 0.991x level 3's size (0.980-1.003x; the face at 64 and 256
#: colours 1.002x and 1.003x); at 256 colours decoding 1.02-1.21x as fast, at 64 0.96-1.14x,
#: at 16 0.89-1.06x; encoding about as fast (BENCHMARKS.md, round 6; the lead's A/B at
#: 21:31: size 0.991x, decode 1.07x, encode 1.01x at 64/256 colours; at 16 colours 0.991x,
#: decode 0.95x, encode 0.90x, 42-58 MPix/s): the palette level of efforts 0-2.
PALETTE_SYMBOL = 6
#: Level 8, level 5's model with five parameters the encoder picks per map (by coding a
#: sample of its rows with a few candidate settings, :mod:`vqpress.coding.level8`) and
#: writes in the header (BENCHMARKS.md, round 6). When it picks level 5's, it writes level 5.
TUNED_TABLES = 8
#: Level 9, level 5's model with more of it where a map has at most 4 levels (the exact
#: neighbourhood W, N, NW, NE, WW, NN has 4^6 values): a fourth ``x == P`` counter and a
#: fourth residual table by it, two interpolated APMs on ``x == P``'s probability
#: (``_cm_ordered5.pyx``). Gray maps of 2-4 levels take it where gray takes level 8 (effort 2).
EXACT_TABLES = 9
#: Level 9 holds this many levels.
MAX_EXACT_LEVELS = 4
#: Level 11, level 8 (its parameters too) around a weighted prediction instead of MED's: four
#: sub-predictions in eighths of a level (W + NE - N; N, W and N corrected by the prediction's
#: errors at the neighbours) weighted by their recent errors around the pixel, as JPEG XL's
#: weighted predictor; P is that prediction rounded, and its offset from P (in five classes)
#: joins the contexts of the third ``x == P`` counter and of one residual table
#: (``_cm_ordered5.pyx``). At effort 2 gray maps of 5-8 levels (and colour ramps of up to 8) are coded
#: at level 5 or 8 (parameters chosen as for level 8), or at level 11 with the same parameters
#: when it codes a middle band of 1/8 of the map smaller (:func:`vqpress.coding.level8.choose_level`;
#: BENCHMARKS.md, round 7).
WEIGHTED_TABLES = 11
#: Level 13, level 11 with the four sub-predictions averaged with equal weights (no error sums,
#: weights or division between one pixel and the next): 0.81-0.87x level 8's decode speed where
#: level 11 runs at 0.70-0.76x, 0.05-0.6% larger than level 11 on the face (BENCHMARKS.md, round
#: 8). At effort 2 gray maps (and colour ramps) of 9-16 levels take level 5 or 8, or level 13
#: with the same parameters when its size against level 8's on the parameters' sample, or on
#: a middle band of 1/10 of the map where that is not clear, says so (:data:`level8.AVERAGED_SAMPLE_SURE`).
AVERAGED_TABLES = 13
#: Level 16, level 13 (its parameters too) with its third residual table, by d6 and the error
#: class, replaced by a table of the symbols themselves by the exact (W, N), learned at every
#: pixel and seen from P (``_neighbour_symbols.pxd``). On a colour ramp the symbols are
#: positions in the palette's order and the neighbours' exact symbols say what the numeric
#: prediction misses: the face's 16-colour ramp 79,804 bytes against level 13's 80,297
#: (0.9939x), decoding at 0.99x and encoding at 0.96x level 13's speed; on gray levels it
#: codes larger (face gray 16 1.008x, face gray 8 at level 11 1.002x; BENCHMARKS.md, round
#: 11, ``exact16``). At effort 2 colour ramps of 9-16 colours take it in level 13's place
#: (against level 8 by level 13's rule, on samples coded at level 16); gray maps keep level 13.
NEIGHBOUR_TABLES = 16
#: Level 20, level 13 (its parameters too) with a bias cancellation: level 13's average, before
#: its clamp, less the mean error of level 13's prediction in a context of 14 bits of the rows
#: above (their values and gradients against level 13's fourth sub-prediction, and the signs
#: of the prediction errors above), learned one pixel late (``_bias_cancellation.pxd``). The
#: contexts of a row are computed before the row, off the decoder's chain from one pixel to the
#: next: on face gray 16, 0.9922x level 13's streams (0.9930x in scan 3), decoding at 0.96x
#: and encoding at 0.94x level 13's speed (BENCHMARKS.md, round 14, ``gray16bc``). At efforts
#: 2-4 gray maps of 9-16 levels take it where they took level 13 (colour ramps level 16), and
#: maps of 5-8 levels where it codes level 11's band smaller than level 11 (face gray 8).
BIASED_TABLES = 20
#: Levels of up to 16 levels, on symbol tables.
TABLE_LEVELS = (PREDICTED_TABLES, TUNED_TABLES, EXACT_TABLES, WEIGHTED_TABLES, AVERAGED_TABLES, NEIGHBOUR_TABLES,
                BIASED_TABLES)
#: Levels with the 5 parameters of :mod:`vqpress.coding.level8` after the symbol order.
PARAMETER_LEVELS = (TUNED_TABLES, WEIGHTED_TABLES, AVERAGED_TABLES, NEIGHBOUR_TABLES, BIASED_TABLES)
#: Level 7, the palette model of mixed symbol tables (``_cm_palette7.pyx``): x == W, then
#: every other pixel as one or two symbols of four tables (by W, N, NE and the pair (W, N))
#: mixed geometrically with learned weights. On the 64- and 256-colour cases of
#: benchmarks/bench_entropy.py 0.938-0.968x level 3's size and 0.922-0.971x level 0's, at
#: 0.41-0.54x level 3's speed and 1.37-1.87x level 0's (BENCHMARKS.md, round 6): the palette
#: level of efforts 3 and 4 (colour ramps of up to 16 colours keep the ordered model there),
#: not of the default (too slow for it).
PALETTE_MIXED = 7
#: Level 10, level 6's model with a pixel that no neighbour predicts coded as one or two
#: symbols of four tables mixed geometrically as at level 7 (``_unpredicted.pxd``, through
#: ``_cm_palette6.pyx``). On the palette cases of benchmarks/bench_entropy.py (interleaved,
#: one thread; BENCHMARKS.md, round 7): against level 6, at 64 and 256 colours 0.970x the
#: size (0.952-0.980x) but decoding at 0.48-0.68x the speed; at 16 colours (the photographs)
#: 0.949-0.974x (geomean 0.965x) decoding at 0.81-0.88x, which at 16 colours is still 41-56
#: MPix/s both ways (load 4, interleaved, 23:38), well above the issue's 20 / 30: so the
#: palette level of efforts 0-2 up to 16 colours, and not above (64 and 256 colours would fall
#: below the targets). Against level 7 in its refined order (efforts 3-4): at 16 colours
#: 0.978-1.003x the size (geomean 0.994x) decoding 1.17-1.29x as fast, at 64 and 256 colours
#: 0.990-1.018x (geomean 1.010x) decoding 1.26-1.69x as fast. So also the palette level of
#: efforts 3 and 4 up to 16 colours; level 7 stays above (:mod:`vqpress.coding.choice`).
PALETTE_SYMBOL_MIXED = 10
#: Level 18, level 10 for palettes of up to 16 colours with richer contexts for the neighbour
#: symbol (``_cm_palette6.pyx``): its second table by the exact (W, N, NE) and NW's label
#: instead of by the pattern and NE, the three tables weighted 3:4:1 instead of 2:1:1, and a
#: third counter for x == W by W and the kinds of NE, NW and WW. On the 16-colour photographs
#: of benchmarks/bench_entropy.py 0.979-0.990x level 10's size (geomean 0.985x), decoding at
#: 0.94-0.97x its speed (35.8-50.2 MPix/s; BENCHMARKS.md, round 12, ``pal16``); 0.95-0.99x
#: on the other pictures of up to 16 colours that level 10 coded: the palette level of
#: efforts 0-4 up to 16 colours in level 10's place (:mod:`vqpress.coding.choice`; maps of at
#: most 2^15 pixels try level 10 too and keep the smaller).
PALETTE_SYMBOL_TRIPLES = 18
#: Level 21, level 6 for palettes of 17-256 colours with the pixel that no neighbour predicts
#: coded faster: its high and low 4 bits (level 6's tables and their learning) as ONE symbol of
#: the range coder (the high bits' interval divided among the low bits' values: one division,
#: one range update) and the low bits over all 16 values, none refused
#: (``_unpredicted_joint.pxd``, through ``_cm_palette6.pyx``). On the 256-colour photographs of
#: benchmarks/bench_entropy.py (one thread, interleaved, the x86-64-v3 build; BENCHMARKS.md,
#: round 17, ``pal256v24``): face, coffee and chelsea decode at 1.13-1.16x, 1.09-1.11x and
#: 1.10-1.14x level 6's speed (astronaut 1.11-1.14x, rocket 1.10-1.16x) and encode at
#: 1.09-1.16x, for +3.11%, +2.43% and +2.71% of the payload bytes (astronaut +2.86%, rocket
#: +1.59%); at 64 colours decoding 1.10-1.12x for +2.6..4.1%. (The same code built in round 17's
#: scratch module of level 6 decoded at 1.16-1.20x: a difference of code placement, not of
#: code.) It is taken where level 6 decodes below the issue's speed: maps of more than 64
#: colours with many unpredicted pixels (:mod:`vqpress.coding.choice`,
#: :data:`~vqpress.coding.choice.JOINT_UNPREDICTED_SHARE`).
PALETTE_SYMBOL_JOINT = 21
#: Every level a payload may name.
LEVELS = (0, 1, FAST, PALETTE_TABLES, PREDICTED, PREDICTED_TABLES, PALETTE_SYMBOL, PALETTE_MIXED,
          TUNED_TABLES, EXACT_TABLES, PALETTE_SYMBOL_MIXED, WEIGHTED_TABLES, AVERAGED_TABLES, NEIGHBOUR_TABLES,
          PALETTE_SYMBOL_TRIPLES, BIASED_TABLES, PALETTE_SYMBOL_JOINT)
#: Levels without hashed tables: their table_bits is the minimum.
NO_TABLES = (FAST, PALETTE_TABLES, PREDICTED, PREDICTED_TABLES, PALETTE_SYMBOL, PALETTE_MIXED,
             TUNED_TABLES, EXACT_TABLES, PALETTE_SYMBOL_MIXED, WEIGHTED_TABLES, AVERAGED_TABLES, NEIGHBOUR_TABLES,
             PALETTE_SYMBOL_TRIPLES, BIASED_TABLES, PALETTE_SYMBOL_JOINT)
#: Levels of the palette model only.
PALETTE_ONLY = (PALETTE_TABLES, PALETTE_SYMBOL, PALETTE_MIXED, PALETTE_SYMBOL_MIXED, PALETTE_SYMBOL_TRIPLES,
                PALETTE_SYMBOL_JOINT)
#: Palette levels of at most 16 colours (symbols).
FEW_COLOUR_LEVELS = (PALETTE_SYMBOL_TRIPLES,)
#: Palette levels of more than 16 colours (symbols): up to 16, level 21 would be level 6.
MANY_COLOUR_LEVELS = (PALETTE_SYMBOL_JOINT,)

#: What each level is called in docs/FORMAT.md (the payload header's table).
LEVEL_NAMES = {0: "lean", 1: "full", FAST: "fast", PALETTE_TABLES: "palette tables",
               PREDICTED: "predicted ordered",
               PREDICTED_TABLES: "predicted ordered tables", PALETTE_SYMBOL: "palette neighbour symbol",
               PALETTE_MIXED: "palette mixed tables", PALETTE_SYMBOL_MIXED: "palette neighbour symbol mixed tables",
               TUNED_TABLES: "tuned predicted ordered tables", EXACT_TABLES: "exact predicted ordered tables",
               WEIGHTED_TABLES: "weighted predicted ordered tables",
               AVERAGED_TABLES: "averaged predicted ordered tables",
               NEIGHBOUR_TABLES: "neighbour symbol averaged predicted ordered tables",
               BIASED_TABLES: "bias-cancelled averaged predicted ordered tables",
               PALETTE_SYMBOL_TRIPLES: "palette neighbour symbol triple tables",
               PALETTE_SYMBOL_JOINT: "palette neighbour symbol joint unpredicted"}
