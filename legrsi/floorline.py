"""The floor's contact line from the contact shadow (pure numpy).

A foot resting on the floor darkens the floor next to its sole (the contact shadow) and, in a
side view, that dark band merges with the shoe: the lowest pixels of the resting foot are
partly shadow, so the level the foot rests at reads a pixel or two below the real contact
line. Heights in flight are then a pixel or two too high near the floor, and every flight
comes out long (take-offs early, landings late).

Just after take-off and just before landing the sole is a few pixels above the floor and the
shadow is a band of its own, centred on the contact line (the floor under the foot, seen
edge-on, lies on both sides of it). :class:`ShadowAccumulator` collects, while the clip
streams, how much darker than the background each row below the foot is, binned by the row
of the foot's lowest point; :func:`contact_line` then averages the frames in which the foot
was just off the floor, takes away the look of the same rows while the foot is high (what
the background model gets wrong there), and finds the band's centre. All rows are analysis
pixels of one candidate's crop (pixel-centre coordinates, like the foot bottoms).
"""

from __future__ import annotations

import math

import numpy as np


class ShadowAccumulator:
    """Sums, per row of the foot's lowest point (binned to whole rows), of the darkening
    (background minus frame, grey levels, mean over the foot's columns) of each crop row
    below the foot; ``rows``: crop height (analysis px)."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.total = np.zeros((rows, rows))
        self.count = np.zeros((rows, rows), np.int32)
        self._last = math.nan

    def start_row(self, bottom: float) -> int | None:
        """First crop row (index) clearly below a foot whose lowest point is ``bottom``
        (analysis px): past its edge blur and the smear of its motion since the last
        frame; None if no row of the crop is. Call once per frame, in frame order."""
        v = abs(bottom - self._last) if math.isfinite(self._last) else 0.0
        self._last = bottom
        start = math.ceil(bottom + max(BLUR_PX, 0.5 * v + BLUR_PX / 2))
        return start if 0 <= int(bottom) and start < self.rows else None

    def add(self, bottom: float, start: int, profile: np.ndarray) -> None:
        """Add one frame: foot's lowest point ``bottom`` (analysis px), darkening of the
        crop rows ``start``.. (grey levels, shape (rows - start,))."""
        b = int(bottom)
        ok = np.isfinite(profile)
        self.total[b, start:][ok] += profile[ok]
        self.count[b, start:][ok] += 1

    def forget_foot(self) -> None:
        """The foot was not seen in this frame: the next frame's motion is unknown."""
        self._last = math.nan


def contact_line(acc: ShadowAccumulator, rest: float, foot_px: float) -> float | None:
    """Row (analysis px) of the contact line, the centre of the contact shadow band, or None
    when there is no clear band; ``rest``: the level the foot bottom rests at (analysis px);
    ``foot_px``: foot length (analysis px). Looks for the band from NEAR_ABOVE foot lengths
    above the resting level to 1.5 px below it."""
    if acc.rows < 4 or not 0 <= rest < acc.rows:
        return None
    up = rest - np.arange(acc.rows)  # how far above rest the foot is, per bottom row bin
    near = (up >= NEAR_MIN_PX) & (up <= max(NEAR_MAX * foot_px, NEAR_MAX_PX))
    high = up >= HIGH * foot_px
    a = max(0, math.floor(rest - NEAR_ABOVE * foot_px))
    b = min(acc.rows - 1, math.ceil(rest + 1.5))
    n_near = acc.count[near, a:b + 1].sum(axis=0)
    n_high = acc.count[high, a:b + 1].sum(axis=0)
    if n_near.max(initial=0) < MIN_FRAMES or n_high.max(initial=0) < MIN_FRAMES:
        return None
    with np.errstate(invalid="ignore", divide="ignore"):
        prof = (np.where(n_near >= MIN_FRAMES, acc.total[near, a:b + 1].sum(axis=0) / n_near,
                         np.nan)
                - acc.total[high, a:b + 1].sum(axis=0) / np.maximum(n_high, 1))
    return _band_centre(prof, a)


def _band_centre(prof: np.ndarray, first_row: int) -> float | None:
    """Centre row of the one clear dark band in ``prof`` (darkening per row from
    ``first_row``; NaN where unknown), or None: the peak must stand clear of every other
    darkening outside its own few rows, and lie inside the profile."""
    ok = np.isfinite(prof)
    if ok.sum() < 4:
        return None
    k = int(np.nanargmax(prof))
    if k == 0 or k == len(prof) - 1 or not (ok[k - 1] and ok[k + 1]):
        return None
    outside = ok & (np.abs(np.arange(len(prof)) - k) > 3)
    others = float(np.clip(prof[outside], 0.0, None).max(initial=0.0))
    if prof[k] < MIN_DARK or prof[k] < CLEAR * max(others, MIN_DARK / 2):
        return None
    lo, hi = max(0, k - 2), min(len(prof), k + 3)
    w = np.clip(np.nan_to_num(prof[lo:hi]), 0.0, None)
    return first_row + lo + float((w * np.arange(len(w))).sum() / w.sum())


def shadow_offset(acc: ShadowAccumulator | None, rest: float, foot_px: float) -> float:
    """How far (analysis px, >= 0) the contact line lies above the resting level ``rest``:
    the contact shadow that merged with the resting foot. 0 when no clear band or when the
    band lies below the resting level (the shoe's lowest part is not seen: nothing merged);
    at most MAX_OFFSET foot lengths."""
    if acc is None:
        return 0.0
    line = contact_line(acc, rest, foot_px)
    if line is None:
        return 0.0
    return float(np.clip(rest - line, 0.0, MAX_OFFSET * foot_px))


BLUR_PX = 2.0  # rows below the foot's edge still part of its blur
NEAR_MIN_PX = 4.0  # the foot this many px above its resting level: shadow band apart ...
NEAR_MAX = 0.25  # ... up to this share of the foot's length above it ...
NEAR_MAX_PX = 30.0  # ... or this many px, if more
HIGH = 0.5  # foot this many foot lengths up: no band under it (the rows' own look)
NEAR_ABOVE = 0.08  # the band is looked for from this many foot lengths above rest
MIN_FRAMES = 3  # frames a row needs, near and high
MIN_DARK = 3.0  # grey levels a band needs at its darkest ...
CLEAR = 2.0  # ... and this many times any other darkening in the profile
MAX_OFFSET = 0.04  # foot lengths: the most a contact shadow may add to the resting foot
