"""Ghosts in a background model: an athlete who stood still long enough is taken into it.

A real thing in front of the background has its outline in the picture: along the edge of its
foreground blob the frame changes sharply. A ghost (the background shows something that has
gone) has its outline in the background instead: the frame is smooth there, the background
has the edge. Blobs of the preview frames whose outline is clearly the background's are
ghosts; there, the frames that show them are the better background.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from .measure import Model, gradient, thr_map

GHOST_EDGE_MIN = 0.5  # a ghost's outline: the background's edge (grey levels a pixel) is over
GHOST_FLAT = 0.2  # this x the noise threshold, the frame's under this x it (flat)
GHOST_MIN_FRAMES = 3  # a pixel is re-estimated from at least this many frames showing its ghost
_RING = np.ones((3, 3), np.uint8)


_edges = gradient


def ghost_blobs(frame: np.ndarray, bg: np.ndarray, fg: np.ndarray, min_area: int,
                thr: float, bg_edges: np.ndarray | None = None) -> np.ndarray:
    """Pixels (bool, h x w) of the foreground blobs of ``frame`` that are ghosts of ``bg``.

    ``frame``, ``bg``: float32 (h, w) grey levels on the same scale; ``fg``: uint8 foreground
    mask (nonzero = differs from ``bg``); ``min_area``: pixels a blob needs; ``thr``: the
    noise threshold (grey levels). A blob is a ghost when, along its outline, the background
    has a clear edge (mean gradient over GHOST_EDGE_MIN x ``thr`` a pixel) and the frame is
    flat (under GHOST_FLAT x ``thr``). A real thing with the floor's or wall's grey has a weak
    outline too, but rarely a flat one: the bar for flat is low.
    """
    out = np.zeros(fg.shape, bool)
    n, labels, stats, _ = cv2.connectedComponentsWithStats((fg > 0).view(np.uint8), 8)
    if n <= 1:
        return out
    eb = _edges(bg) if bg_edges is None else bg_edges
    for k in range(1, n):
        if stats[k, cv2.CC_STAT_AREA] < min_area:
            continue
        x, y, w, h = stats[k, :4]
        x0, y0 = max(0, x - 2), max(0, y - 2)
        x1, y1 = min(fg.shape[1], x + w + 2), min(fg.shape[0], y + h + 2)
        one = (labels[y0:y1, x0:x1] == k).view(np.uint8)
        ring = (cv2.dilate(one, _RING) - cv2.erode(one, _RING)) > 0
        if ring.sum() < 8:
            continue
        b_edge = float(eb[y0:y1, x0:x1][ring].mean())
        if b_edge <= GHOST_EDGE_MIN * thr:
            continue
        # the frame's edges only around this blob (one more pixel each side for the Sobel)
        fx0, fy0 = max(0, x0 - 1), max(0, y0 - 1)
        ef = _edges(np.ascontiguousarray(frame[fy0: y1 + 1, fx0: x1 + 1]))
        ef = ef[y0 - fy0: y0 - fy0 + (y1 - y0), x0 - fx0: x0 - fx0 + (x1 - x0)]
        if float(ef[ring].mean()) < GHOST_FLAT * thr:
            out[y0:y1, x0:x1] |= one > 0
    return out


def unghost(bg: np.ndarray, frames: Sequence[np.ndarray], masks: list[np.ndarray | None],
            min_area: int, thr: float) -> np.ndarray | None:
    """The background (h, w float32) with its ghosts replaced, or None if it has none.

    ``frames``: the preview crops (n of h x w) on the background's scale; ``masks``: each one's
    foreground (uint8, or None if none). Each ghost pixel gets the median of the frames that
    show it as a ghost (at least GHOST_MIN_FRAMES of them).
    """
    eb = _edges(bg)
    votes = np.zeros(bg.shape, np.int32)
    shown: list[tuple[int, np.ndarray]] = []  # (frame, its ghost pixels)
    for i, fg in enumerate(masks):
        if fg is None:
            continue
        g = ghost_blobs(frames[i], bg, fg, min_area, thr, eb)
        if g.any():
            shown.append((i, g))
            votes += g
    fix = votes >= GHOST_MIN_FRAMES
    if not fix.any():
        return None
    vals = np.full((len(shown), int(fix.sum())), np.nan, np.float32)  # only the ghost pixels
    for j, (i, g) in enumerate(shown):
        vals[j] = np.where(g[fix], frames[i][fix], np.nan)
    out = bg.copy()
    out[fix] = np.nanmedian(vals, axis=0)
    return out


class _Scaled(Sequence[np.ndarray]):
    """Preview crops divided by their frame gains, one at a time (no float copy of the
    stack): crops (n, h, w), gains (n,)."""

    def __init__(self, crops: np.ndarray, gains: np.ndarray) -> None:
        self.crops, self.gains = crops, gains

    def __len__(self) -> int:
        return len(self.crops)

    def __getitem__(self, i):  # type: ignore[no-untyped-def, override]
        return self.crops[i].astype(np.float32) / np.float32(self.gains[i])


def unghost_model(model: Model, crops: np.ndarray, gains: np.ndarray) -> None:
    """A measuring model's background (in place) with its ghosts replaced (:func:`unghost`),
    judged on the preview ``crops`` (n, h, w) at the model's analysis scale, each divided by
    its brightness gain (``gains``, (n,): locate.normalised_with_gains)."""
    frames = _Scaled(crops, gains)
    masks: list[np.ndarray | None] = []
    for f in frames:
        fg = (np.abs(f - model.bg) > model.thr_map).view(np.uint8)
        fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, _RING)
        masks.append(fg if fg.any() else None)
    bg = unghost(model.bg, frames, masks, model.min_area, model.thr)
    if bg is not None:
        model.bg = bg
        model.thr_map = thr_map(bg, model.thr)
        model.work = None
