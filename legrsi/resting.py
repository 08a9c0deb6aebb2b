"""A foot at rest next to a flight (pure numpy): which frames of a height signal stand
still low down, and the level the foot reads while it stands.

Used by events.py. A shoe's lowest part can stop standing out from the floor (a sole of the
floor's grey, a dark outsole in dim light): the foot then reads a few pixels above the floor
while it stands and while it moves near the floor, and is "airborne" by the height
thresholds. A flight never rests low (near the floor the foot moves fastest), so stillness
tells the contact; and the edge is where the foot's path meets its own standing level.
``off_px`` is the contact threshold of framestate.Thresholds (px; 1.2 x the height jitter at
least).
"""

from __future__ import annotations

import math

import numpy as np


def standing_level(height: np.ndarray, smooth: np.ndarray, k: int, step: int,
                   off_px: float, cap: float) -> float:
    """How high (px; negative: below the contact line) the foot reads while it stands next
    to a flight edge (``height``: FootSignal.raw_height): the median of
    the SETTLE_FRAMES frames from frame ``k`` going ``step`` (-1: back from a take-off,
    +1: on from a landing) if they all show the foot still and no higher than ``cap`` px
    (``smooth``: despiked heights); else 0 (on the floor)."""
    idx = np.arange(k, k + step * SETTLE_FRAMES, step)
    if idx.min() < 0 or idx.max() >= len(height):
        return 0.0
    vals, sm = height[idx], smooth[idx]
    if not (np.isfinite(vals).all() and np.isfinite(sm).all()):
        return 0.0
    if float(sm.max() - sm.min()) > _jitter_tol(off_px) or float(sm.max()) > cap:
        return 0.0
    return float(np.median(vals))


def still_tol(seg: np.ndarray, low: float, peak: float, off_px: float) -> float:
    """Largest change (px) between neighbouring frames that counts as standing still: above
    the height jitter, well below how fast the run's foot moves between ``low`` and half
    its ``peak`` (px per frame)."""
    step = np.abs(np.diff(seg))
    # frames held at one reading up there are no flight motion (an outline held by
    # something standing in the scene): they say nothing of the foot's speed
    mid = (seg[:-1] > low) & (seg[:-1] < 0.5 * peak) & np.isfinite(seg[1:]) & (step > HELD_PX)
    speed = float(np.median(step[mid])) if mid.any() else 0.0
    return min(_jitter_tol(off_px), SETTLE_SPEED_SHARE * speed)


def _jitter_tol(off_px: float) -> float:
    """Changes (px) a still foot's reading shows (2.5 x the height jitter, at least 1 px)."""
    return max(1.0, 2.5 * off_px / 1.2)


def still_tail(seg: np.ndarray, low: float, tol: float) -> int:
    """Number of frames at the end of ``seg`` (px) that stay low and still (0 if fewer
    than SETTLE_FRAMES)."""
    n = 0
    for i in range(len(seg) - 1, 0, -1):
        a, b = seg[i], seg[i - 1]
        if not (math.isfinite(a) and a <= low):
            break
        n += 1
        if not (math.isfinite(b) and abs(a - b) <= tol):
            break
    return n if n >= SETTLE_FRAMES else 0


HELD_PX = 0.5  # a change (px) between frames below this: a reading held, not a foot moving
SETTLE_FRAMES = 4  # frames of standing still that make a contact
SETTLE_LOW = 0.15  # ... below this share of the run's peak height
SETTLE_SPEED_SHARE = 0.3  # still = moving less than this share of the run's own speed
