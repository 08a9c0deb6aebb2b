"""Sub-frame take-off and landing instants of one flight (pure numpy).

Over the few frames next to the floor the foot's lowest point moves as h = a t^2 + b t + c with
the flight's own curvature a; b and c are fitted to the nearest airborne samples (those above
``lo``: the caller passes the flight threshold's low end) and solved for height 0.
"""

from __future__ import annotations

import math

import numpy as np


def edge_time(times: np.ndarray, k: int) -> float:
    """Midpoint (s) between frame k-1 and frame k of ``times`` (s, shape (n,)): an edge known
    to whole frames only."""
    if k <= 0:
        return float(times[0])
    return float(times[k - 1] + times[k]) / 2.0


def _robust_quad(t: np.ndarray, h: np.ndarray, noise: float,
                 ) -> tuple[float, float, float, float, int] | None:
    """Fit h = a t^2 + b t + c to samples, dropping outliers (a foot blob that briefly merges
    with something else) in up to three rounds.

    ``t`` in seconds relative to any origin; returns (a, b, c, inlier rms px, n inliers).
    """
    keep = np.ones(len(t), bool)
    coef = None
    for _ in range(4):
        if keep.sum() < 5:
            return None
        tk, hk = t[keep], h[keep]
        coef = np.polyfit(tk, hk, 2)
        resid = h - np.polyval(coef, t)
        mad = float(np.median(np.abs(resid[keep])))
        new = np.abs(resid) <= max(3.0 * 1.4826 * mad, 2.0 * noise, 1.0)
        if np.array_equal(new, keep):
            break
        keep = new
    assert coef is not None
    rms = float(np.sqrt(np.mean((np.polyval(coef, t[keep]) - h[keep]) ** 2)))
    return float(coef[0]), float(coef[1]), float(coef[2]), rms, int(keep.sum())


def _edge_root(t: np.ndarray, h: np.ndarray, lo: float, rising: bool,
               curv: float = 0.0, noise: float = 0.0) -> float | None:
    """Instant (s) where the foot's lowest point crosses the floor at one end of a flight,
    extrapolated from the first (take-off, ``rising``) or last (landing) samples that are
    clearly airborne (height > ``lo`` px, where no shadow or blur merges with the floor).

    Over the few frames next to the floor the foot moves as h = curv t^2 + b t + c with the
    flight's curvature ``curv`` (px/s^2, <= 0; 0 for a straight line); b and c are fitted
    to the nearest clear samples (at most EDGE_SAMPLES) and solved for height 0.
    """
    idx = np.flatnonzero(np.isfinite(h) & (h > lo))
    if len(idx) < 2:
        return None
    idx = idx[:EDGE_SAMPLES] if rising else idx[-EDGE_SAMPLES:]
    if idx[-1] - idx[0] > 2 * EDGE_SAMPLES:  # not consecutive enough: no clean edge
        return None
    t0 = float(t[idx[0]] if rising else t[idx[-1]])
    tt, hh = t[idx] - t0, h[idx]
    z = hh - curv * tt * tt  # a straight line b t + c
    if len(idx) >= 4:  # the far samples shifted as a block (the outline's lowest part lost)
        near = slice(None) if rising else slice(None, None, -1)
        z[near] = _unjump(z[near], max(UNJUMP_PX, EDGE_OUTLIER_NOISE * noise))
    b, c = np.polyfit(tt, z, 1)
    if len(idx) >= 4:  # one outlying sample (the outline briefly merged or cut): drop it
        drop = _outlier(tt, z, max(EDGE_OUTLIER_PX, EDGE_OUTLIER_NOISE * noise))
        if drop is not None:
            keep = np.arange(len(idx)) != drop
            b, c = np.polyfit(tt[keep], z[keep], 1)
    if (b <= 0) if rising else (b >= 0):
        return None
    if curv == 0.0:
        return t0 - c / b
    disc = b * b - 4 * curv * c
    if disc < 0:
        return t0 - c / b
    r = math.sqrt(disc)
    roots = sorted(((-b + r) / (2 * curv), (-b - r) / (2 * curv)))
    # the crossing on this edge's side of the samples: before them rising, after falling
    return t0 + (roots[0] if rising else roots[1])


def _unjump(z: np.ndarray, tol: float) -> np.ndarray:
    """Samples ``z`` (px, ordered from the floor outwards, evenly spaced, curvature removed:
    a straight line) with one upward step removed. Where the outline's lowest part stops
    being seen (a dark outsole in front of a dark skirting), every sample beyond reads
    higher by the same amount; the outline never reads lower than the foot. A step is one
    difference between neighbours that is more than ``tol`` above the others while those
    agree to within a third of it; the samples beyond it are moved down by the excess."""
    d = np.diff(z)
    if len(d) < 3:
        return z
    out = z.copy()
    best, best_dev, best_spread = -1, 0.0, 0.0
    for j in range(len(d)):
        rest = np.delete(d, j)
        dev = float(d[j] - np.median(rest))
        if dev > best_dev:
            best, best_dev, best_spread = j, dev, float(rest.max() - rest.min())
    if best >= 0 and best_dev > max(tol, UNJUMP_SPREAD * best_spread):
        out[best + 1:] -= best_dev
    return out


def _outlier(t: np.ndarray, y: np.ndarray, tol: float) -> int | None:
    """Index of the one sample to leave out of a line fit to (t, y), or None: the sample
    whose removal leaves the straightest line, if it lies more than ``tol`` from that line
    and the others lie on it far more closely (an outlier pulls a line through all of the
    samples towards itself: its residual there understates it)."""
    best, best_fit, best_off = None, math.inf, 0.0
    for i in range(len(t)):
        keep = np.arange(len(t)) != i
        b, c = np.polyfit(t[keep], y[keep], 1)
        fit = float(np.max(np.abs(y[keep] - (b * t[keep] + c))))
        if fit < best_fit:
            best, best_fit, best_off = i, fit, abs(float(y[i] - (b * t[i] + c)))
    if best is not None and best_off > tol and best_off > 3.0 * best_fit:
        return best
    return None


EDGE_MAX_SHIFT = 4.0  # frames a refined edge may lie from the threshold crossing
EDGE_SAMPLES = 4  # clear samples a flight edge is extrapolated from
EDGE_OUTLIER_PX = 2.0  # a sample this far from the line through the others is dropped ...
EDGE_OUTLIER_NOISE = 4.0  # ... or this many noise sigmas, if that is more
UNJUMP_PX = 3.0  # a step of the outline (px) must be this big ...
UNJUMP_SPREAD = 3.0  # ... and this many times the spread of the other gaps


def _flight_curvature(t: np.ndarray, h: np.ndarray, lo: float, noise: float) -> float:
    """Curvature a (px/s^2) of a downward parabola through a flight's clear samples (a flat
    top, where the outline was cut off, left out); 0 when no sound fit."""
    ok = np.isfinite(h) & (h > lo)
    if ok.sum() < 6:
        return 0.0
    tt, hh = t[ok], h[ok]
    peak = float(np.percentile(hh, 90))
    flat = np.abs(hh - peak) <= 0.03 * peak
    if flat.mean() > 0.25 and (~flat).sum() >= 6:
        tt, hh = tt[~flat], hh[~flat]
    fit = _robust_quad(tt - tt[0], hh, noise)
    if fit is None or fit[0] >= 0:
        return 0.0
    return fit[0]


def refine_flight(times: np.ndarray, h: np.ndarray, s: int, e: int, lo: float, noise: float,
                  levels: tuple[float, float] = (0.0, 0.0),
                  ) -> tuple[float | None, float | None, float, float]:
    """Sub-frame take-off / landing (s) of the airborne run of frames [s, e) of a signal
    (``times`` s, ``h`` px, shape (n,)); each None if not refinable. ``lo``: heights (px) at
    or below it are too close to the floor to use; ``noise``: height jitter (px).
    ``levels``: the height (px) the foot reads while it stands just before the take-off and
    just after the landing (0 when it reads on the floor): each edge is where the foot's
    path crosses its own standing level (a part of the shoe the camera cannot tell from the
    floor is missing alike while it stands and while it moves near the floor).

    Returns (t_takeoff, t_landing, conf_takeoff, conf_landing), confidences 0-1.
    """
    hh = h[s:e]
    tt = times[s:e]
    if np.isfinite(hh).sum() < 3:
        return None, None, 0.6, 0.6
    curv = _flight_curvature(tt, hh, lo, noise)
    dt = float(np.median(np.diff(times)))
    out: list[float | None] = [None, None]
    confs = [0.6, 0.6]
    for j, k in enumerate((s, e)):
        if k <= 0 or k >= len(times):
            continue
        level = levels[j]
        root = _edge_root(tt, hh - level, lo, rising=j == 0, curv=curv, noise=noise)
        if root is None:
            confs[j] = 0.3
            continue
        off = abs(root - edge_time(times, k)) / dt
        if off <= EDGE_MAX_SHIFT:
            out[j] = root
            confs[j] = float(np.clip(math.exp(-max(0.0, off - 1.0) / 1.5), 0.05, 1.0))
        else:
            confs[j] = 0.3
    return out[0], out[1], confs[0], confs[1]
