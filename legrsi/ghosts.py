"""Ghosts in a background model: an athlete who stood still long enough is taken into it.

A real thing in front of the background has its outline in the picture: along the edge of its
foreground blob the frame changes sharply. A ghost (the background shows something that has
gone) has its outline in the background instead: the frame is smooth there, the background
has the edge. Blobs of the preview frames whose outline is clearly the background's are
ghosts; there, the frames that show them are the better background. Next to the floor, where
a resting foot leaves its ghost on a floor whose joints or tiles keep the frame from being
flat, a blob is also a ghost when the frame shows its rows' empty look and the background
does not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from .measure import Model, gradient, thr_map

GHOST_EDGE_MIN = 0.5  # a ghost's outline: the background's edge (grey levels a pixel) is over
GHOST_FLAT = 0.2  # this x the noise threshold, the frame's under this x it (flat)
GHOST_REF_MIN = 5.0  # the background this x thr from its row's look ...
GHOST_REF_SHARE = 0.25  # ... and the frame under this share of that: a ghost
GHOST_REF_ABOVE = 0.5  # blobs ending from this x the foot length above the floor ...
GHOST_REF_BELOW = 0.1  # ... to this x below it: where a resting foot leaves its ghost
GHOST_MIN_FRAMES = 3  # a pixel is re-estimated from at least this many frames showing its ghost
GHOST_PAD = 8  # px around a ghost found by the row reference where its pixels are looked for
_RING = np.ones((3, 3), np.uint8)


_edges = gradient


def ghost_blobs(frame: np.ndarray, bg: np.ndarray, fg: np.ndarray, min_area: int,
                thr: float, bg_edges: np.ndarray | None = None,
                ref: np.ndarray | None = None,
                ref_rows: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Pixels (bool, h x w) of the foreground blobs of ``frame`` that are ghosts of ``bg``.

    ``frame``, ``bg``: float32 (h, w) grey levels on the same scale; ``fg``: uint8 foreground
    mask (nonzero = differs from ``bg``); ``min_area``: pixels a blob needs; ``thr``: the
    noise threshold (grey levels). A blob is a ghost when, along its outline, the background
    has a clear edge (mean gradient over GHOST_EDGE_MIN x ``thr`` a pixel) and the frame is
    flat (under GHOST_FLAT x ``thr``). A real thing with the floor's or wall's grey has a weak
    outline too, but rarely a flat one: the bar for flat is low.

    ``ref`` (h, w, optional): each pixel's row reference, the empty look of its row nearby
    (locate.background_and_reference). A blob whose lowest row lies within ``ref_rows``
    (first, last row: the band next to the floor) is also a ghost when the background inside it
    is far from that look (median difference over GHOST_REF_MIN x ``thr``) and the frame
    shows it (median difference under GHOST_REF_SHARE of the background's): the floor seen
    again where a shoe stood (a textured floor's joints cross the outline: not flat there).
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
        if (ref is not None and ref_rows[0] <= y + h <= ref_rows[1]
                and _shows_reference(frame, bg, ref, one > 0, (x0, y0), thr)):
            out |= _ghost_pixels(frame, bg, ref, (x, y, w, h), thr)
            continue
        # the frame's edges only around this blob (one more pixel each side for the Sobel)
        fx0, fy0 = max(0, x0 - 1), max(0, y0 - 1)
        ef = _edges(np.ascontiguousarray(frame[fy0: y1 + 1, fx0: x1 + 1]))
        ef = ef[y0 - fy0: y0 - fy0 + (y1 - y0), x0 - fx0: x0 - fx0 + (x1 - x0)]
        if float(ef[ring].mean()) < GHOST_FLAT * thr:
            out[y0:y1, x0:x1] |= one > 0
    return out


def _ghost_pixels(frame: np.ndarray, bg: np.ndarray, ref: np.ndarray,
                  box: tuple[int, int, int, int], thr: float) -> np.ndarray:
    """Pixels (bool, the picture's shape) within ``box`` (x, y, w, h) grown by GHOST_PAD px
    where the frame shows its row's empty look and the background does not: the ghost's
    own edges and thin parts, which its foreground blob misses (the background's high
    threshold along edges, the opening)."""
    x, y, w, h = box
    hh, ww = bg.shape
    y0, y1 = max(0, y - GHOST_PAD), min(hh, y + h + GHOST_PAD)
    x0, x1 = max(0, x - GHOST_PAD), min(ww, x + w + GHOST_PAD)
    r = ref[y0:y1, x0:x1]
    b_dev = np.abs(bg[y0:y1, x0:x1] - r)
    f_dev = np.abs(frame[y0:y1, x0:x1] - r)
    out = np.zeros(bg.shape, bool)
    out[y0:y1, x0:x1] = (b_dev > thr) & (f_dev < GHOST_REF_SHARE * b_dev)
    return out


def _shows_reference(frame: np.ndarray, bg: np.ndarray, ref: np.ndarray, inside: np.ndarray,
                     corner: tuple[int, int], thr: float) -> bool:
    """Whether the frame shows the row reference where the background does not: inside
    (bool mask of a box whose top-left is ``corner`` (x, y) in the pictures)."""
    x0, y0 = corner
    h, w = inside.shape
    box = (slice(y0, y0 + h), slice(x0, x0 + w))
    r = ref[box][inside]
    b_dev = float(np.median(np.abs(bg[box][inside] - r)))
    if b_dev <= GHOST_REF_MIN * thr:
        return False
    return float(np.median(np.abs(frame[box][inside] - r))) < GHOST_REF_SHARE * b_dev


def unghost(bg: np.ndarray, frames: Sequence[np.ndarray], masks: list[np.ndarray | None],
            min_area: int, thr: float, ref: np.ndarray | None = None,
            ref_rows: tuple[float, float] = (0.0, 0.0)) -> np.ndarray | None:
    """The background (h, w float32) with its ghosts replaced, or None if it has none.

    ``frames``: the preview crops (n of h x w) on the background's scale; ``masks``: each one's
    foreground (uint8, or None if none). Each ghost pixel gets the median of the frames that
    show it as a ghost (at least GHOST_MIN_FRAMES of them). ``ref``, ``ref_rows``: the rows'
    empty look and the band of rows where it is used (see :func:`ghost_blobs`).
    """
    eb = _edges(bg)
    votes = np.zeros(bg.shape, np.int32)
    shown: list[tuple[int, np.ndarray]] = []  # (frame, its ghost pixels)
    for i, fg in enumerate(masks):
        if fg is None:
            continue
        g = ghost_blobs(frames[i], bg, fg, min_area, thr, eb, ref, ref_rows)
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


def unghost_model(model: Model, crops: np.ndarray, gains: np.ndarray,
                  ref: np.ndarray | None = None, floor_row: float = math.nan) -> None:
    """A measuring model's background (in place) with its ghosts replaced (:func:`unghost`),
    judged on the preview ``crops`` (n, h, w) at the model's analysis scale, each divided by
    its brightness gain (``gains``, (n,): locate.normalised_with_gains); ``ref``: the rows'
    empty look (h, w; None: not used), used for blobs ending next to ``floor_row`` (analysis
    px: from GHOST_REF_ABOVE x the foot's length above it to GHOST_REF_BELOW x below)."""
    frames = _Scaled(crops, gains)
    masks: list[np.ndarray | None] = []
    for f in frames:
        fg = (np.abs(f - model.bg) > model.thr_map).view(np.uint8)
        fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, _RING)
        masks.append(fg if fg.any() else None)
    rows = (0.0, 0.0)
    if math.isfinite(floor_row):
        rows = (floor_row - GHOST_REF_ABOVE * model.foot_px,
                floor_row + GHOST_REF_BELOW * model.foot_px)
    bg = unghost(model.bg, frames, masks, model.min_area, model.thr, ref, rows)
    if bg is not None:
        model.bg = bg
        model.thr_map = thr_map(bg, model.thr)
        model.work = None
