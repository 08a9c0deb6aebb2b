"""Hand-held shake: the shift of each frame against a reference of the still scene, measured
by matching the scene outside the athlete (full-resolution pixels)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol, TypeVar

import cv2
import numpy as np

from .locate import Preview
from .measure import shrink
from .orderstats import median0, percentile0

T = TypeVar("T")


def per_preview(prev: Preview, key: str, fn: Callable[[Preview], T]) -> T:
    """``fn(prev)``, computed once per preview (the candidate regions share it)."""
    cache = prev.__dict__.setdefault("_shared", {})
    if key not in cache:
        cache[key] = fn(prev)
    return cache[key]  # type: ignore[no-any-return]


def stab_setup(prev: Preview) -> tuple[np.ndarray | None, np.ndarray | None, float]:
    """Reference picture and athlete mask for shake compensation; (None, None, 1) when the
    camera is steady (tripod)."""
    frames = prev.frames
    h, w = frames.shape[1:]
    s = min(1.0, 256.0 / max(h, w))
    small = np.stack([cv2.resize(f, (max(8, round(w * s)), max(8, round(h * s))),
                                 interpolation=cv2.INTER_AREA) for f in frames]).astype(np.float32)
    # the athlete's mask from blurred frames: with shake every sharp edge of the scene moves
    # a little (a mask of raw differences would hide the very edges that show the shake);
    # blurred, only the athlete's large changes remain
    ref = median0(small)
    soft = np.stack([cv2.GaussianBlur(f, (0, 0), 2.0) for f in small])
    moving = percentile0(np.abs(soft - cv2.GaussianBlur(ref, (0, 0), 2.0)), 90) > 10.0
    del soft
    moving = cv2.dilate(moving.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    shifts, responses = [], []
    for f in small:
        dx, dy, response = match_shift(ref, moving, f)
        shifts.append((dx, dy))
        responses.append(response)
    mag = np.hypot(*np.array(shifts).T) / (s * prev.scale)  # full-resolution pixels
    reliable = float(np.median(responses)) > 0.5
    if len(mag) < 3 or moving.mean() > 0.6 or not reliable or float(np.median(mag)) < 0.75:
        return None, None, 1.0
    prev.__dict__.setdefault("_shared", {})["stab_moves_raw"] = \
        np.array(shifts) / (s * prev.scale)  # full-resolution px
    return ref, moving, s * prev.scale


def preview_shifts(prev: Preview) -> np.ndarray:
    """Shake of each preview frame (full-resolution px, shape (n, 2)); zeros on a tripod."""
    per_preview(prev, "stab", stab_setup)
    raw = prev.__dict__.get("_shared", {}).get("stab_moves_raw")
    return raw if raw is not None else np.zeros((len(prev.frames), 2))


class ShakeRef(Protocol):
    """What frame_shift needs: stab_setup's reference picture, mask and scale (a Model
    carries them)."""

    stab_ref: np.ndarray | None
    stab_mask: np.ndarray | None
    stab_scale: float


def frame_shift(model: ShakeRef, img: np.ndarray) -> tuple[float, float]:
    """Shake of a frame against the reference (full-resolution px; NaN when unsure)."""
    assert model.stab_ref is not None and model.stab_mask is not None
    h, w = model.stab_ref.shape
    small = shrink(img, (w, h)).astype(np.float32)
    dx, dy, response = match_shift(model.stab_ref, model.stab_mask, small)
    if response < 0.5:
        return math.nan, math.nan
    return dx / model.stab_scale, dy / model.stab_scale


STAB_SEARCH = 6  # px of the small picture searched around zero shift


def match_shift(ref: np.ndarray, moving: np.ndarray, img: np.ndarray
                 ) -> tuple[float, float, float]:
    """Shift (dx, dy) of ``img`` against ``ref`` (small-picture px, sub-pixel) and the match
    score (normalised correlation), from the scene without the athlete (``moving``)."""
    m = STAB_SEARCH
    tmpl = ref[m:-m, m:-m]
    keep = (~moving[m:-m, m:-m]).astype(np.float32)
    r = cv2.matchTemplate(img, tmpl, cv2.TM_CCOEFF_NORMED, mask=keep)
    r = np.nan_to_num(r, nan=-1.0, posinf=-1.0, neginf=-1.0)
    _, best, _, (x, y) = cv2.minMaxLoc(r)

    def vertex(a: float, b: float, c: float) -> float:  # parabola through three samples
        den = a - 2 * b + c
        return 0.0 if den >= 0 else float(np.clip(0.5 * (a - c) / den, -0.5, 0.5))

    fx = vertex(r[y, x - 1], r[y, x], r[y, x + 1]) if 0 < x < r.shape[1] - 1 else 0.0
    fy = vertex(r[y - 1, x], r[y, x], r[y + 1, x]) if 0 < y < r.shape[0] - 1 else 0.0
    return x + fx - m, y + fy - m, float(best)


