"""Feet points -> the floor's motion (a treadmill's belt), or none on a still floor.

Pure numpy. The lowest points of every foot-sized blob per frame (tracking.py) are compared
a STEP_S apart: the most common displacement of those points is the floor's motion. Things
left in the foreground that never move (ghosts of the background) and points high above the
floor (a knee, the top of a shadow) are left out first. Used by stance.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STEP_S = 1.0 / 30.0  # s between the frames compared (a 30 fps clip: neighbouring frames)
MOVING_MIN = 0.08  # the floor moves at least this x the foot's length per step ...
MOVING_SUPPORT = 1.5  # ... and that motion is this x as common as standing still
TOL_X = 0.75  # a foot on the floor moves along with it within this share of its motion
TOL_X_MIN = 0.06  # ... or this x the foot's length (the lowest point rolls heel to toe)
TOL_Y = 0.04  # ... and stays this x the foot's length of its vertical motion
MAX_TILT = 0.5  # a floor seen from the side moves along the picture: dy at most this x dx


@dataclass
class FloorMotion:
    """The floor's displacement per ``step`` frames (dx, dy px) and the tolerances (px) a
    foot on it keeps to: ``tol_x`` along the motion, ``tol_y`` across."""

    dx: float
    dy: float
    step: int
    tol_x: float
    tol_y: float


def _pairs(feet: np.ndarray, step: int) -> np.ndarray:
    """Displacements (m, 2) px between every point of frame t and of frame t + step."""
    if len(feet) <= step:
        return np.zeros((0, 2))
    d = feet[step:, None, :, :] - feet[:-step, :, None, :]
    d = d.reshape(-1, 2)
    return d[np.isfinite(d).all(axis=1)]


def moving_points(feet: np.ndarray, fps: float, foot_px: float) -> np.ndarray:
    """``feet`` without the points (NaN) found again at the same place (within 3 % of a
    foot) in most of STILL_PROBES frames spread over STILL_S before and after: a thing left
    in the foreground (a ghost of the background), not a foot (none stands that long on a
    moving floor)."""
    n = len(feet)
    s = max(1, int(round(STILL_S * fps)))
    tol = max(2.0, 0.03 * foot_px)
    hits = np.zeros(feet.shape[:2], int)
    offsets = [o for o in np.linspace(-s, s, STILL_PROBES + 1).round().astype(int)
               if 0 < abs(o) < n]
    for o in offsets:
        other = np.full_like(feet, np.nan)
        if o > 0:
            other[: n - o] = feet[o:]
        else:
            other[-o:] = feet[: n + o]
        d = np.abs(feet[:, :, None, :] - other[:, None, :, :]).max(axis=3)
        hits += (d <= tol).any(axis=2)
    out = feet.copy()
    if offsets:
        out[hits >= STILL_SHARE * len(offsets)] = np.nan
    return out


def near_floor(feet: np.ndarray, foot_px: float) -> np.ndarray:
    """``feet`` without the points (NaN) more than NEAR_FLOOR x the foot's length above the
    lowest the points reach at their x (px; the 95th percentile of rows per half-foot of
    x, a straight line where few points are): a knee, a leg or the top of a shadow."""
    out = feet.copy()
    x, y = feet[..., 0], feet[..., 1]
    ok = np.isfinite(x)
    if ok.sum() < 20:
        return out
    w = max(4.0, 0.5 * foot_px)
    bins = np.floor(x[ok] / w).astype(int)
    cx, cy = [], []
    for k in np.unique(bins):
        ys = y[ok][bins == k]
        if len(ys) >= 10:
            cx.append((k + 0.5) * w)
            cy.append(float(np.percentile(ys, 95)))
    if not cx:
        return out
    if len(cx) == 1:
        low = np.full_like(x, cy[0])
    else:
        low = np.interp(x, cx, cy)  # flat beyond the outer bins
    out[ok & (y < low - NEAR_FLOOR * foot_px)] = np.nan
    return out


NEAR_FLOOR = 0.6


STILL_PROBES = 8
STILL_SHARE = 0.75
STILL_S = 1.0  # s


def floor_motion(feet: np.ndarray, fps: float, foot_px: float) -> FloorMotion | None:
    """The floor's motion from the feet's lowest points ``feet`` (n frames, k points, x y
    px; NaN where fewer; :func:`moving_points`), ``fps`` the capture rate, ``foot_px`` the
    foot's length (px). None where the floor stands still, where the common motion is not
    along the picture (feet rising together: not a floor) or too few points tell."""
    step = max(1, int(round(STEP_S * fps)))
    d = _pairs(feet, step)
    if len(d) < 20 or foot_px <= 0:
        return None
    b = max(1.0, 0.03 * foot_px)
    ex = np.arange(-0.8 * foot_px, 0.8 * foot_px + b, b)
    ey = np.arange(-0.4 * foot_px, 0.4 * foot_px + b, b)
    hist, _, _ = np.histogram2d(d[:, 0], d[:, 1], bins=[ex, ey])
    k = np.ones(3)
    hist = np.apply_along_axis(np.convolve, 0, hist, k, mode="same")
    hist = np.apply_along_axis(np.convolve, 1, hist, k, mode="same")
    i, j = np.unravel_index(int(np.argmax(hist)), hist.shape)
    v = np.array([ex[i] + b / 2, ey[j] + b / 2])
    near = np.abs(d - v).max(axis=1) <= 1.5 * b
    v = d[near].mean(axis=0)
    speed = float(np.hypot(*v))
    tol_x = max(TOL_X_MIN * foot_px, TOL_X * speed)
    tol_y = max(1.0, TOL_Y * foot_px)

    def support(w: np.ndarray) -> int:
        return int(((np.abs(d[:, 0] - w[0]) <= tol_x) & (np.abs(d[:, 1] - w[1]) <= tol_y)).sum())

    if (speed < MOVING_MIN * foot_px or abs(v[1]) > MAX_TILT * abs(v[0])
            or support(v) < MOVING_SUPPORT * support(np.zeros(2))):
        return None
    return FloorMotion(float(v[0]), float(v[1]), step, tol_x, tol_y)


def floor_moves(feet: np.ndarray, fps: float, foot_px: float) -> bool:
    """Whether feet points (n, 3, k, 2) px of any kind show a moving floor."""
    return any(floor_motion(near_floor(moving_points(feet[:, side], fps, foot_px), foot_px),
                            fps, foot_px) is not None for side in range(feet.shape[1]))
