"""The tiled, wave-ordered layout of format 1.0's adaptive models (:mod:`vqpress.entropy`).

The map is padded to whole tiles of about ``TILE_H x TILE_W`` pixels that do not see each
other. In a tile, pixel ``(r, c)`` only depends on pixels of smaller *wave* ``t = 2 r + c``,
so all pixels of one wave in all tiles are coded in one batch of contiguous rows
(:class:`Layout`); the models (:mod:`._adaptive`) run over the waves.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Layout", "TILE_H", "TILE_W"]

TILE_H, TILE_W = 64, 128


def _tile_size(length: int, target: int) -> int:
    """Tile side near ``target`` that splits ``length`` into equal tiles, padding < 1 tile."""
    return -(-length // -(-length // target))


class Layout:
    """Tiles, coding order and causal neighbours, shared by encoder and decoder.

    The map is padded (edge replicated) to whole ``th x tw`` tiles and held pixel-major: row
    ``q`` of a (th * tw + 1, T) uint8 buffer (the context models code at most 256 symbols)
    is in-tile pixel ``q`` (raster order) of all T tiles,
    and the last row is always 0 (the neighbour of each tile's first pixel), so a wave reads
    and writes whole contiguous rows.  ``order`` is the in-tile coding
    order, sorted by wave; wave ``i`` codes in-tile pixels ``order[bounds[i]:bounds[i + 1]]``
    of every tile, and ``rel`` (6, th * tw) gives, in coding order, the in-tile positions
    of the neighbours L, U, UL, LL, UR, UU.
    """

    def __init__(self, h: int, w: int) -> None:
        self.tile = th, tw = _tile_size(h, TILE_H), _tile_size(w, TILE_W)
        self.grid = -(-h // th), -(-w // tw)
        tr, tc = np.divmod(np.arange(th * tw), tw)
        wave = 2 * tr + tc
        self.order = np.argsort(wave * th + tr, kind="stable")
        tr, tc = tr[self.order], tc[self.order]

        # neighbours outside the tile fall back to ones inside it
        top, left = tr == 0, tc == 0
        off_l = np.where(left, -tw, -1)
        off_u = np.where(top, -1, -tw)
        off_ul = np.where(top, -1, np.where(left, -tw, -tw - 1))
        off_ur = np.where(top, -1, np.where(tc == tw - 1, -tw, -tw + 1))
        off_ll = np.where(tc < 2, off_l, -2)
        off_uu = np.where(tr < 2, off_u, -2 * tw)
        self.rel = np.stack([off_l, off_u, off_ul, off_ll, off_ur, off_uu]) + self.order
        self.rel[:, 0] = th * tw  # order[0] is the tile's first pixel
        # tile edges, where fallbacks fake a flat neighbourhood, get contexts of their own
        self.edge = np.where(top, 1, np.where(left, 2, 0))[:, None]
        self.bounds = np.concatenate([[0], np.cumsum(np.bincount(wave))])

    def pad(self, codes: np.ndarray) -> np.ndarray:
        """Pixel-major uint8 buffer (th * tw + 1, T) of ``codes`` (H, W), edge-padded."""
        h, w = codes.shape
        (th, tw), (ntr, ntc) = self.tile, self.grid
        img = np.pad(codes.astype(np.uint8), ((0, ntr * th - h), (0, ntc * tw - w)), mode="edge")
        buf = self.empty()
        tiles = img.reshape(ntr, th, ntc, tw).transpose(1, 3, 0, 2)
        buf[:-1].reshape(th, tw, ntr, ntc)[...] = tiles
        return buf

    def empty(self) -> np.ndarray:
        """A zeroed buffer, laid out as by :meth:`pad`."""
        (th, tw), (ntr, ntc) = self.tile, self.grid
        return np.zeros((th * tw + 1, ntr * ntc), dtype=np.uint8)

    def crop(self, buf: np.ndarray, h: int, w: int) -> np.ndarray:
        """The (H, W) map held in a buffer laid out as by :meth:`pad`.

        Copied one row of tiles at a time, so that the only full-size allocation is the
        result's (the decoder's peak memory is the buffer and the map, 2 bytes a pixel).
        """
        (th, tw), (ntr, ntc) = self.tile, self.grid
        tiles = buf[:-1].reshape(th, tw, ntr, ntc)
        out = np.empty((h, w), dtype=np.uint8)
        for i in range(ntr):
            rows = out[i * th : min(h, (i + 1) * th)]
            band = tiles[: len(rows), :, i, :].transpose(0, 2, 1).reshape(len(rows), ntc * tw)
            rows[...] = band[:, :w]
        return out
