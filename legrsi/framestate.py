"""Foot heights -> per-frame states: CONTACT, AIR or UNKNOWN (no foot seen).

Pure numpy. Heights are pixels above the floor line, shape (n_frames,); times are capture
seconds, same shape. A frame is in contact when the lowest foot point is on the floor (height
near 0) and in flight when it is clearly above it (above how high it reads while resting),
with hysteresis; blips of a frame or two are removed first. Gaps without a foot are bridged
unless they last OUT_OF_VIEW_S; flights too short, too low or not rising and falling like a
flight are taken back, and so are contacts too short to be contacts.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from .types import FootSignal
from .visits import AIR, CONTACT, UNKNOWN, drop_passers_by


@dataclass(frozen=True)
class Thresholds:
    """Detection settings: heights in pixels, durations in seconds."""

    on_px: float
    off_px: float
    min_flight_s: float
    min_contact_s: float
    min_peak_px: float


CLEAR_SHARE = 0.012  # of the region's height (~4 % of a foot length): clearly airborne


def thresholds(sig: FootSignal, fps: float) -> Thresholds:
    """Thresholds derived from the signal's contact jitter (pixels) and the frame rate.

    Where the foot rests at a second level just above the floor (:func:`far_level`: the far
    foot of a runner on its own, higher contact line), that level is the floor the
    thresholds count from: resting on it is contact, clearly above it is flight."""
    noise = max(sig.px_noise, 0.3)
    # the foot's outline near the floor changes by a few pixels within a contact (heel
    # rise, toe roll, the contact shadow): "clearly in the air" scales with the foot's size
    # (the region is ~3.5 foot lengths tall); edges are then extrapolated below this height
    size = float(sig.rois[0, 3]) if len(sig.rois) else 0.0
    on = max(3.5 * noise, 1.5, CLEAR_SHARE * size, _resting_spread(sig.height, fps) + 2.0 * noise)
    off = max(1.2 * noise, 0.5 * on)
    far = far_level(sig.height, fps, size, noise)
    if far <= off:  # a level that already reads as contact (a heel a little up) changes nothing
        far = 0.0
    return Thresholds(on_px=far + on, off_px=max(off, far + 2.0 * noise),
                      min_flight_s=max(0.045, 1.5 / fps), min_contact_s=max(0.03, 1.5 / fps),
                      min_peak_px=max(2.0 * on, far + 1.5 * on))


def _still(h: np.ndarray, fps: float, tol: float) -> np.ndarray:
    """Frames of the heights ``h`` (px, shape (n,)) that stay still (within ``tol`` px of
    their neighbours) for at least REST_S, not just the brief apex of a flight."""
    still = np.zeros(len(h), bool)
    if len(h) < 5:
        return still
    still[1:-1] = (np.abs(h[1:-1] - h[:-2]) <= tol) & (np.abs(h[2:] - h[1:-1]) <= tol)
    need = max(5, int(REST_S * fps))
    for v, s, e in runs(still.astype(np.int8)):
        if v and e - s < need:
            still[s:e] = False
    return still


def _resting(height: np.ndarray, fps: float, tol: float) -> np.ndarray:
    """Heights (px) of the :func:`_still` frames that lie low in the clip's range (below a
    quarter of its 95th percentile): the foot resting."""
    h = np.asarray(height, float)
    if len(h) < 5 or not np.isfinite(h).any():
        return np.zeros(0)
    top = float(np.nanpercentile(h, 95))
    return h[_still(h, fps, tol) & (h < 0.25 * top)]


def _resting_spread(height: np.ndarray, fps: float) -> float:
    """How high (px) the foot's lowest point reads while it rests: 90th percentile of the
    :func:`_resting` heights (contacts at slightly different levels, a heel that rises
    before take-off). 0 if there are too few; at most a sixth of the range."""
    low = _resting(height, fps, 0.5)
    if len(low) < 10:
        return 0.0
    top = float(np.nanpercentile(np.asarray(height, float), 95))
    return min(float(np.percentile(low, 90)), top / 6.0)


def far_level(height: np.ndarray, fps: float, size: float, noise: float) -> float:
    """Height (px) of a second level the foot rests at just above the floor, 0 if none.

    Two feet on a treadmill filmed from the side stand on two contact lines: the far foot's
    is higher in the picture. Such a level holds at least FAR_SHARE as many resting frames
    (still stretches with higher heights on both sides: between flights, not the top of
    one) as the floor itself, lies clear of the floor's jitter and at most FAR_MAX_SHARE of
    the region's height ``size`` (px) above it."""
    h = np.asarray(height, float)
    tol = max(2.0, 4.0 * noise)
    still = _still(h, fps, tol)
    k = max(5, int(REST_S * fps))
    rest: list[np.ndarray] = []
    for v, s, e in runs(still.astype(np.int8)):
        if not v:
            continue
        level = float(np.median(h[s:e]))
        # resting between flights, not the slow top of a low flight: higher on both sides
        # (or the clip's end)
        if all(len(side) == 0 or not np.isfinite(side).any()
               or float(np.nanmax(side)) > level + 2 * tol
               for side in (h[max(0, s - k): s], h[e: e + k])):
            rest.append(h[s:e])
    r = np.concatenate(rest) if rest else np.zeros(0)
    near_px = max(1.5, 3.5 * noise)
    near = r[r <= near_px]
    cand = r[(r > near_px) & (r <= FAR_MAX_SHARE * size)]
    if len(near) < 10 or len(cand) < max(10.0, FAR_SHARE * len(near)):
        return 0.0
    return float(np.percentile(cand, 90))


FAR_SHARE = 0.3  # resting frames at the far level, as a share of those on the floor
FAR_MAX_SHARE = 0.045  # the far level lies at most this x the region's height (~0.16 foot)


REST_S = 0.1  # s: still this long = resting, not the slow top of a flight


def despike(height: np.ndarray, fps: float) -> np.ndarray:
    """Heights (px) with blips of a frame or two removed: running median over ~20 ms
    (5 frames at 240 fps, none at 30 fps; every flight lasts far longer). NaN-aware."""
    k = max(1, int(round(DESPIKE_S * fps))) | 1
    h = np.asarray(height, float)
    if k == 1 or len(h) < k:
        return h
    pad = np.pad(h, k // 2, mode="edge")
    win = np.lib.stride_tricks.sliding_window_view(pad, k)
    with warnings.catch_warnings():  # windows without a foot stay NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(win, axis=1)


DESPIKE_S = 0.02  # s: the running median's span


def classify(height: np.ndarray, th: Thresholds) -> np.ndarray:
    """Per-frame state (CONTACT, AIR, UNKNOWN for no foot seen) with hysteresis."""
    state = np.full(len(height), UNKNOWN, np.int8)
    cur = UNKNOWN
    for i, h in enumerate(height):
        if math.isnan(h):
            state[i] = UNKNOWN
            continue
        if h >= th.on_px:
            cur = AIR
        elif h <= th.off_px:
            cur = CONTACT
        elif cur == UNKNOWN:
            cur = CONTACT if h < th.on_px else AIR  # not clearly airborne: standing
        state[i] = cur
    return state


def runs(state: np.ndarray) -> list[tuple[int, int, int]]:
    """(value, start, end-exclusive) runs of equal values."""
    if len(state) == 0:
        return []
    cut = np.flatnonzero(np.diff(state)) + 1
    starts = np.concatenate(([0], cut))
    ends = np.concatenate((cut, [len(state)]))
    return [(int(state[s]), int(s), int(e)) for s, e in zip(starts, ends, strict=True)]


def fill_unknown(state: np.ndarray, times: np.ndarray | None = None) -> np.ndarray:
    """Bridge frames without a visible foot: same state on both sides -> that state;
    between AIR and CONTACT -> AIR (the foot left the region going up); at the ends -> the
    neighbouring state. A gap of at least OUT_OF_VIEW_S (``times``: seconds per frame) stays
    UNKNOWN: the foot was out of view (a person who walked out of the region, an athlete
    still on the box, a foot high above the region in a long flight) and what happened
    meanwhile is not known; the edges on both sides of it are still found (:func:`clean`
    checks that the foot was seen lifting into it and landing out of it)."""
    out = state.copy()
    rs = runs(out)
    for i, (v, s, e) in enumerate(rs):
        if v != UNKNOWN:
            continue
        left, right = _neighbours(rs, i)
        if left == UNKNOWN and right == UNKNOWN:
            continue
        if times is not None and duration(times, s, e) >= OUT_OF_VIEW_S:
            continue
        out[s:e] = AIR if AIR in (left, right) else CONTACT
    return out


OUT_OF_VIEW_S = 0.5  # s: no foot seen this long: out of view


def _neighbours(rs: list[tuple[int, int, int]], i: int) -> tuple[int, int]:
    """States of the runs before and after run ``i`` of :func:`runs` (UNKNOWN at the ends)."""
    return (rs[i - 1][0] if i > 0 else UNKNOWN, rs[i + 1][0] if i + 1 < len(rs) else UNKNOWN)


def clean(state: np.ndarray, height: np.ndarray, times: np.ndarray, th: Thresholds) -> np.ndarray:
    """Remove flights that are too short or too low and contacts that are too short."""
    out = state.copy()
    for v, s, e in runs(out):
        if v == AIR and s > 0 and out[s - 1] == CONTACT and not ballistic(times, height, s, e):
            # seen on the floor on both sides: the foot stayed (its outline was lost above
            # the floor, e.g. a shoe seen only in the bright phases of flickering light)
            out[s:e] = CONTACT if e < len(out) and out[e] == CONTACT else UNKNOWN
    for _ in range(3):
        changed = False
        for v, s, e in runs(out):
            inner = s > 0 and e < len(out)
            dur = duration(times, s, e)
            # a take-off in the clip's last frames is only one if it stays up long enough
            # (a blip in the last frame or two is not a flight cut off by the clip's end)
            blip = e == len(out) and s > 0 and out[s - 1] == CONTACT and dur < th.min_flight_s
            if v == AIR and ((inner and (dur < th.min_flight_s or
                                         np.nanmax(height[s:e]) < th.min_peak_px)) or blip):
                out[s:e] = CONTACT
                changed = True
            elif v == CONTACT and s > 0 and dur < th.min_contact_s and (
                    inner or out[s - 1] == AIR):
                # too short to be a contact; at the clip's end the landing is unconfirmed
                out[s:e] = AIR
                changed = True
        if not changed:
            break
    # contacts too short to be contacts were bridged: what they joined must still rise and
    # fall like a flight (a foot read alternately on the floor and a leg's height above it,
    # a shoe seen only in the bright phases of flickering light, never left the floor)
    for v, s, e in runs(out):
        if v == AIR and 0 < s and e < len(out) and out[s - 1] == CONTACT \
                and out[e] == CONTACT and not ballistic(times, height, s, e):
            out[s:e] = CONTACT
    # the foot comes into view up (the clip's start, back from out of view) only if it is
    # seen landing, and goes out of view up only if it is seen lifting
    rs = runs(out)
    for i, (v, s, e) in enumerate(rs):
        if v != AIR:
            continue
        before, after = _neighbours(rs, i)
        if before == UNKNOWN and after == CONTACT and not _comes_down(height, times, s, e, th):
            out[s:e] = CONTACT
        elif before == CONTACT and after == UNKNOWN and not _goes_up(height, times, s, e, th):
            out[s:e] = CONTACT
    return out


def states(height: np.ndarray, times: np.ndarray, th: Thresholds) -> np.ndarray:
    """Per-frame CONTACT/AIR/UNKNOWN states of a despiked height signal (px, shape (n,);
    ``times`` in seconds): classified, gaps bridged, cleaned, passers-by dropped."""
    return drop_passers_by(cleaned(height, times, th), times)


def cleaned(height: np.ndarray, times: np.ndarray, th: Thresholds) -> np.ndarray:
    """:func:`states` before passers-by are dropped (heights px, times s, shape (n,))."""
    return clean(fill_unknown(classify(height, th), times), height, times, th)


def _goes_up(height: np.ndarray, times: np.ndarray, s: int, e: int, th: Thresholds) -> bool:
    """Whether the foot lifts off the floor at frame ``s`` of an airborne run ``s:e`` that
    ends out of view or at the clip's end (not the outline jumping from the floor to
    something standing higher): the mirror of :func:`_comes_down`, on its first FALL_S."""
    n_first = max(3, int(np.searchsorted(times, times[s] + FALL_S)) - s)
    return _shows_motion(height[s: s + n_first], height[s:e], th)


def _comes_down(height: np.ndarray, times: np.ndarray, s: int, e: int, th: Thresholds) -> bool:
    """Whether the foot comes down to the floor at frame ``e`` after an airborne run ``s:e``
    that began out of view or at the clip's start (a landing, not the outline jumping back
    from a leg's height to the floor): in the last FALL_S before it (at least 3 samples) a
    height between the on threshold and FALL_SHARE of the run's level (its median)."""
    n_last = max(3, e - int(np.searchsorted(times, times[e] - FALL_S)))
    return _shows_motion(height[max(s, e - n_last): e], height[s:e], th)


def _shows_motion(part: np.ndarray, run: np.ndarray, th: Thresholds) -> bool:
    """Whether ``part`` of an airborne ``run`` (heights, px) has a height between the on
    threshold and FALL_SHARE of the run's level (median), or the whole run is low."""
    level = float(np.nanmedian(run)) if np.isfinite(run).any() else 0.0
    fin = part[np.isfinite(part)]
    return bool(((fin > th.on_px) & (fin < FALL_SHARE * level)).any()) or level <= th.on_px


FALL_S = 0.04  # s: the landing of a clip that begins in the air shows in this last stretch
FALL_SHARE = 0.6  # ... as a height below this share of the run's level


def parabola_r2(times: np.ndarray, height: np.ndarray, s: int, e: int, robust: bool = True
        ) -> float | None:
    """R^2 of a downward parabola fitted to run [s, e) (None if too short; 0 if upward);
    ``robust``: a few samples far off the fit are left out."""
    h = height[s:e]
    t = times[s:e]
    ok = np.isfinite(h)
    if ok.sum() <= 5:
        return None
    t, h = t[ok], h[ok]
    peak = float(np.percentile(h, 90))  # robust to a stray spike above a flat top
    flat = np.abs(h - peak) <= 0.03 * peak
    if peak > 0 and flat.mean() > 0.25:
        # flat top: the foot's outline was cut off up there (it left the region or met a
        # wrongly modelled background); judge the shape by the flanks, if it comes back down
        low = h < 0.9 * peak
        first, last = np.flatnonzero(flat)[[0, -1]]
        if low[:first].sum() >= 2 and low[last:].sum() >= 2 and low.sum() > 5:
            t, h = t[low], h[low]
        elif np.mean(np.abs(h - peak) <= 0.01 * peak + 0.5) > 0.4:
            return 0.0  # up and then dead level, never down: something left in the region
    t = t - t[0]
    a, b, c = np.polyfit(t, h, 2)
    resid = h - np.polyval((a, b, c), t)
    # a few wild samples (the other leg crossing the region) do not make a flight
    # non-ballistic: judged without samples far off the first fit, if they are few
    mad = 1.4826 * float(np.median(np.abs(resid)))
    keep = np.abs(resid) <= max(4.0 * mad, 2.0)
    if robust and OUTLIER_SHARE * len(h) >= (~keep).sum() > 0 and keep.sum() > 5:
        t, h = t[keep], h[keep]
        a, b, c = np.polyfit(t, h, 2)
        resid = h - np.polyval((a, b, c), t)
    var = float(np.var(h))
    if a >= 0 or var <= 0:
        return 0.0
    return max(0.0, 1.0 - float(np.var(resid)) / var)


OUTLIER_SHARE = 0.15  # at most this share of a flight's samples may be left out as wild


def ballistic(times: np.ndarray, height: np.ndarray, s: int, e: int) -> bool:
    """Whether an airborne run [s, e) rises and falls like a flight (or is too short to tell).

    A plateau that never comes back down (something left in the region, a foot leaving
    the picture sideways) is not a flight.
    """
    h = height[s:e]
    if e < len(height) and np.isfinite(h).sum() >= 3:
        # a flight rises first and falls last: its highest sample is neither end
        k = int(np.nanargmax(h))
        if k == 0 or k == len(h) - 1:
            return False
    # a run cut by the clip's end is judged on all its samples (nothing confirms it landed)
    r2 = parabola_r2(times, height, s, e, robust=e < len(height))
    return r2 is None or r2 > 0.6


def duration(times: np.ndarray, s: int, e: int) -> float:
    """Seconds covered by frames [s, e): first to last frame time plus one frame-time."""
    dt = float(np.median(np.diff(times))) if len(times) > 1 else 0.0
    return float(times[e - 1] - times[s]) + dt
