"""Feet that move with the floor -> contact and flight on a moving floor (a treadmill).

Pure numpy. A foot on the floor moves with it (no slip): on a treadmill its lowest point is
carried back along the belt at the belt's speed, while a swinging foot moves forward or up.
Filmed from above the belt, the two feet stand on different rows and the belt recedes in
perspective, so no single floor row tells contact from flight; their motion does.

The floor's motion comes from the feet's lowest points (floormotion.py). Where it is
clearly not zero (a treadmill; on a still floor the height-based detector applies), a point
that moves with the floor for at least two steps is a foot on the floor. Each such stance
fixes that foot's own contact line, and its first and last frames are found where the
foot's height above that line crosses the contact band.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .edges import edge_time
from .floormotion import STEP_S, FloorMotion, floor_motion, moving_points, near_floor
from .types import TAKEOFF, TOUCHDOWN, Event, FootSignal


def _links(feet: np.ndarray, fm: FloorMotion, gap: int) -> np.ndarray:
    """For each frame t and point a, the point of frame t + gap x step that moved with the
    floor from it (index, -1 if none); shape (n, k). In chunks of LINK_CHUNK frames (the
    pairwise arrays of a long clip stay small)."""
    n, k, _ = feet.shape
    out = np.full((n, k), -1, int)
    s = gap * fm.step
    for c0 in range(0, max(0, n - s), LINK_CHUNK):
        c1 = min(n - s, c0 + LINK_CHUNK)
        d = feet[c0 + s: c1 + s, None, :, :] - feet[c0:c1, :, None, :]  # (m, k from, k to, 2)
        ex = np.abs(d[..., 0] - gap * fm.dx) / (gap * fm.tol_x)
        ey = np.abs(d[..., 1] - gap * fm.dy) / fm.tol_y  # on the floor: no more up or down
        err = np.where((ex <= 1) & (ey <= 1), ex + ey, np.inf)
        best = np.argmin(err, axis=2)
        ok = np.isfinite(np.take_along_axis(err, best[..., None], axis=2)[..., 0])
        out[c0:c1] = np.where(ok, best, -1)
    return out


LINK_CHUNK = 4096


def stances(feet: np.ndarray, fm: FloorMotion) -> list[list[tuple[int, int]]]:
    """Stances: chains of (frame, point index) a step apart (a missed point bridged once)
    along which a foot moved with the floor, at least three points long and at most
    MAX_STANCE_S (longer: a mark on the belt carried along, not a foot)."""
    one, two = _links(feet, fm, 1), _links(feet, fm, 2)
    max_len = MAX_STANCE_S / STEP_S * fm.step
    n, k = one.shape
    used = np.zeros((n, k), bool)
    out = []
    for t in range(n):
        for a in range(k):
            if used[t, a] or not np.isfinite(feet[t, a, 0]):
                continue
            chain = [(t, a)]
            used[t, a] = True
            while True:
                tt, aa = chain[-1]
                if one[tt, aa] >= 0 and not used[tt + fm.step, one[tt, aa]]:
                    nxt = (tt + fm.step, int(one[tt, aa]))
                elif two[tt, aa] >= 0 and not used[tt + 2 * fm.step, two[tt, aa]]:
                    nxt = (tt + 2 * fm.step, int(two[tt, aa]))
                else:
                    break
                chain.append(nxt)
                used[nxt] = True
            if len(chain) >= 3 and chain[-1][0] - chain[0][0] <= max_len:
                out.append(chain)
    return out


MAX_STANCE_S = 1.5


def _line(feet: np.ndarray, chain: list[tuple[int, int]], fm: FloorMotion
          ) -> tuple[float, float, float]:
    """The stance's contact line y = a + b x (px): along the floor's motion (b), through
    the median of its points (a: robust to a foot still coming down at the chain's start);
    and the points' robust spread about it (px, sigma)."""
    pts = np.array([feet[t, a] for t, a in chain])
    b = fm.dy / fm.dx if abs(fm.dx) > 1e-9 else 0.0
    off = pts[:, 1] - b * pts[:, 0]
    a = float(np.median(off))
    return a, b, float(1.4826 * np.median(np.abs(off - a)))


def _extent(feet: np.ndarray, chain: list[tuple[int, int]], fm: FloorMotion
            ) -> tuple[int, int, float, float, float]:
    """First and last frame (inclusive) of a stance, its contact line y = a + b x and band
    (px): its chain's frames, less the frames at its
    ends where the foot is not yet (still coming down) or no longer on the stance's contact
    line (within BAND_SIGMAS x the chain's spread about it), and outwards the frames (within
    a step) where the foot, where the floor would have carried it, still stands on it."""
    a, b, sigma = _line(feet, chain, fm)
    band = max(BAND_MIN, BAND_SIGMAS * sigma)
    n = len(feet)

    def on_floor(t: int, t0: int, x0: float) -> bool:
        if not 0 <= t < n:
            return False
        pts = feet[t]
        x = x0 + (t - t0) * fm.dx / fm.step
        near = np.abs(pts[:, 0] - x) <= fm.tol_x
        h = a + b * pts[:, 0] - pts[:, 1]
        return bool((near & (np.abs(h) <= band)).any())

    (t0, i0), (t1, i1) = chain[0], chain[-1]
    x0, x1 = float(feet[t0, i0, 0]), float(feet[t1, i1, 0])
    first, last = t0, t1
    while first < t1 and not on_floor(first, t0, x0):
        first += 1
    while last > first and not on_floor(last, t1, x1):
        last -= 1
    while first - 1 >= t0 - fm.step and on_floor(first - 1, t0, x0):
        first -= 1
    while last + 1 <= t1 + fm.step and on_floor(last + 1, t1, x1):
        last += 1
    return first, last, a, b, band


BAND_SIGMAS = 2.5
BAND_MIN = 1.0  # px


@dataclass
class Stance:
    """A foot on the floor from frame ``first`` to ``last`` (inclusive); ``t_on``/``t_off``
    the instants (s) it landed and lifted off, refined where the foot's height above the
    stance's contact line shows it (None: at the frame edge); ``line`` where that line is."""

    first: int
    last: int
    t_on: float | None
    t_off: float | None
    line: float = 0.0  # px: its contact line's row at x = 0 (all run along the floor's motion)


def stance_list(feet: np.ndarray, fm: FloorMotion, times: np.ndarray, foot_px: float
                ) -> list[Stance]:
    """The stances (frames, refined instants) in feet points (n, k, 2) px on a floor moving
    by ``fm``; ``times`` the frame times (s), shape (n,); ``foot_px`` the foot's length."""
    out = []
    cap = EDGE_CAP * foot_px
    for chain in stances(feet, fm):
        first, last, a, b, band = _extent(feet, chain, fm)
        t_on = _edge(feet, times, fm, (a, b, band, cap), first, -1)
        t_off = _edge(feet, times, fm, (a, b, band, cap), last, 1)
        first = first if t_on is None else int(np.searchsorted(times, t_on, side="left"))
        last = last if t_off is None else int(np.searchsorted(times, t_off, side="right")) - 1
        if last >= first:
            out.append(Stance(first, last, t_on, t_off, a))
    return out


def _edge(feet: np.ndarray, times: np.ndarray, fm: FloorMotion,
          line: tuple[float, float, float, float], k: int, side: int) -> float | None:
    """The instant (s) the foot left (``side`` 1, after frame k) or reached (-1, before it)
    the contact line y = a + b x with band ``band`` (px), ``line`` = (a, b, band, cap): its
    heights above the line in the EDGE_S beyond frame k, those clear of the band (and below
    ``cap`` px: higher is the swing), extrapolated linearly to 0; it may
    move the edge back by up to EDGE_BACK_S into frames within the band. None where fewer
    than two heights tell."""
    a, b, band, cap = line
    fps = 1.0 / max(float(np.median(np.diff(times))), 1e-9) if len(times) > 1 else 1.0
    m = max(2, int(round(EDGE_S * fps)))
    on = np.abs(a + b * feet[k, :, 0] - feet[k, :, 1])  # the foot: the point on the line
    x0 = float(feet[k, int(np.nanargmin(on)), 0]) if np.isfinite(on).any() else math.nan
    ts, hs = [], []
    for j in range(k + side, k + side * (m + 1), side):
        if not 0 <= j < len(feet) or not math.isfinite(x0):
            break
        pts = feet[j]
        near = np.abs(pts[:, 0] - x0) <= 2 * fm.tol_x
        h = (a + b * pts[:, 0] - pts[:, 1])[near]
        h = h[np.isfinite(h)]
        if len(h) == 0:
            break
        hj = float(h.min())
        if hj > cap:  # this far up: the foot's own swing, not the edge
            break
        if hj > band:
            ts.append(float(times[j]))
            hs.append(hj)
    if len(ts) < 2:
        return None
    slope, icpt = np.polyfit(ts, hs, 1)
    if side * slope <= 0:
        return None
    t0 = -icpt / slope
    back = EDGE_BACK_S
    lo, hi = (float(times[k]) - back, float(times[min(k + 1, len(times) - 1)])) if side > 0 \
        else (float(times[max(k - 1, 0)]), float(times[k]) + back)
    return float(np.clip(t0, lo, hi))


EDGE_S = 0.025  # s of heights beyond a stance's end that place its edge
EDGE_BACK_S = 0.012  # s an edge may move into the stance's frames within the band
EDGE_CAP = 0.3  # x the foot's length: heights above this are the swing, not the edge


def contact_mask(stances_: list[Stance], n: int) -> np.ndarray:
    """Per frame of n, whether some foot is on the (moving) floor; shape (n,)."""
    mask = np.zeros(n, bool)
    for st in stances_:
        mask[st.first: st.last + 1] = True
    return mask


def _fill_short(mask: np.ndarray, times: np.ndarray, value: bool, min_s: float) -> None:
    """Runs of ``value`` inside the clip shorter than ``min_s`` seconds take the other
    value (in place)."""
    edges = np.flatnonzero(np.diff(mask.astype(np.int8))) + 1
    bounds = np.r_[0, edges, len(mask)]
    for s, e in zip(bounds[:-1], bounds[1:], strict=True):
        if mask[s] == value and s > 0 and e < len(mask) and times[e] - times[s] < min_s:
            mask[s:e] = not value


def moving_floor_events(sig: FootSignal, fps: float) -> tuple[bool, list[Event]] | None:
    """(initial_contact, events) of a clip filmed on a moving floor, from the signal's
    feet points (``sig.feet``, px); None when it has none, the floor stands still, its
    stances cover less than MIN_COVER of the frames or the feet all stand on one contact
    line (a camera at the belt's height: the foot's height above that line tells contact
    from flight, with sub-frame edges, events.py).

    Of the three kinds of points (lighter, darker blobs, the foreground as a whole: a
    light shoe's shadow on a dark belt merges with it, a two-tone shoe comes apart), the
    one whose stances leave the most flights between them (the first in that order of
    equals): a point that is no foot's lowest (a shadow stays on the belt while the foot
    lifts) bridges a flight rather than making one up."""
    if sig.feet is None or sig.foot_px <= 0:
        return None
    found: list[Stance] = []
    most = -1
    for side in (0, 2, 1):
        got = _stances(sig.feet[:, side], fps, sig.foot_px, sig.times)
        flights = _flights(contact_mask(got, len(sig))) if got else -1
        if flights > most:
            found, most = got, flights
    if (not found or contact_mask(found, len(sig)).mean() < MIN_COVER
            or _spread(found) < TWO_LINES * sig.foot_px):
        return None  # one contact line for both feet: the foot's height tells (events.py)
    mask = contact_mask(found, len(sig))
    _fill_short(mask, sig.times, False, max(0.045, 1.5 / fps))  # gaps: a missed point
    _fill_short(mask, sig.times, True, max(0.03, 1.5 / fps))
    t_on = {st.first: st.t_on for st in found if st.t_on is not None}
    t_off = {st.last + 1: st.t_off for st in found if st.t_off is not None}
    events = []
    for k in np.flatnonzero(np.diff(mask.astype(np.int8))) + 1:
        kind, refined = (TOUCHDOWN, t_on) if mask[k] else (TAKEOFF, t_off)
        t = refined.get(int(k), edge_time(sig.times, int(k)))
        events.append(Event(kind, int(k), t, _conf(sig, int(k))))
    return bool(mask[0]), events



def feet_on_moving_floor(feet: np.ndarray, times: np.ndarray, fps: float, foot_px: float
                         ) -> bool:
    """Whether feet points (n, 3, k, 2) px of some kind show a moving floor with feet
    standing on it in at least MIN_COVER of the frames (``times`` s, shape (n,)): a run on
    a treadmill, not a few points drifting together."""
    return any(contact_mask(got, len(feet)).mean() >= MIN_COVER
               for got in (_stances(feet[:, side], fps, foot_px, times)
                           for side in range(feet.shape[1])) if got)


MIN_COVER = 0.3  # share of the frames a moving floor's stances cover (a run: 60 % or more)


def _spread(found: list[Stance]) -> float:
    """How far apart (px) the stances' contact lines lie: 25th to 75th percentile (the near
    and far feet take turns: half the stances each; a few odd ones do not count)."""
    lines = np.array([st.line for st in found])
    return float(np.percentile(lines, 75) - np.percentile(lines, 25))


TWO_LINES = 0.1  # contact lines this x the foot's length apart: the feet stand on two


def _flights(mask: np.ndarray) -> int:
    """Take-offs in a per-frame contact mask."""
    return int((np.diff(mask.astype(np.int8)) < 0).sum())


def _stances(feet: np.ndarray, fps: float, foot_px: float, times: np.ndarray
             ) -> list[Stance]:
    """The stances in one polarity's feet points (n, k, 2) px; none where they do not show
    a moving floor."""
    feet = near_floor(moving_points(feet, fps, foot_px), foot_px)
    fm = floor_motion(feet, fps, foot_px)
    return [] if fm is None else stance_list(feet, fm, times, foot_px)


def _conf(sig: FootSignal, k: int) -> float:
    """Confidence of an edge at frame k: the frame evidence around it (0-1)."""
    c = sig.conf[max(0, k - 2): k + 2]
    c = c[np.isfinite(c)]
    return round(float(np.clip(c.mean() if len(c) else 0.5, 0.0, 1.0)), 3)


__all__ = ["Stance", "stances", "stance_list", "contact_mask", "moving_floor_events"]
