"""Foot signal -> touchdowns and take-offs (sub-frame edges); the foot region to use.

Pure numpy. The per-frame contact and flight states come from framestate.py (hysteresis
thresholds, gaps, cleaning, passers-by left out). Each edge is then placed between frames:
the few airborne samples next to the floor, extrapolated to height 0 with the flight's own
curvature, give the take-off and landing instants more precisely than the first frame past a
threshold (the floor level already leaves out the contact shadow that merges with the
resting foot, floorline.py, so the samples nearest the floor are the most telling).
"""

from __future__ import annotations

import math

import numpy as np

from .edges import edge_time, refine_flight
from .framestate import (
    OUT_OF_VIEW_S,
    Thresholds,
    cleaned,
    despike,
    duration,
    parabola_r2,
    runs,
    states,
    thresholds,
)
from .resting import SETTLE_FRAMES, SETTLE_LOW, standing_level, still_tail, still_tol
from .stance import moving_floor_events
from .types import TAKEOFF, TOUCHDOWN, Event, FootSignal, LegrsiError
from .visits import AIR, CONTACT, UNKNOWN
from .visits import passers_by as _passers_by

EDGE_LO = 0.5  # x on_px (= the off threshold): every sample of the airborne run


def passers_by(sig: FootSignal, fps: float) -> list[tuple[int, int]]:
    """Frame ranges [start, end) of the visits :func:`detect` leaves out as someone walking
    through the foot region (visits.passer_by); ``fps`` is the capture rate. Without a gap
    of OUT_OF_VIEW_S with no foot, the whole clip is one visit: nothing to classify again."""
    gap = np.isnan(sig.height).astype(np.int8)
    gaps = [(s, e) for v, s, e in runs(gap) if v]
    if not any(duration(sig.times, s, e) >= OUT_OF_VIEW_S for s, e in gaps):
        return []
    th = thresholds(sig, fps)
    return _passers_by(cleaned(despike(sig.height, fps), sig.times, th), sig.times)


def detect(sig: FootSignal, fps: float) -> tuple[bool, list[Event]]:
    """Find contacts and flights in a foot signal.

    ``fps`` is the capture rate (frames per second). Returns (initial_contact, events) where
    events alternate touchdown / take-off in time order.
    """
    initial_contact, events, _ = detect_path(sig, fps)
    return initial_contact, events


def detect_path(sig: FootSignal, fps: float) -> tuple[bool, list[Event], bool]:
    """:func:`detect`, and whether the feet moving with a moving floor decided (a treadmill
    filmed from above the belt, stance.py) rather than the foot's height."""
    if not _positive(fps):
        raise LegrsiError(f"frame rate must be a positive number, got {fps!r}")
    if len(sig) < 2:
        raise LegrsiError("too few frames to detect contacts")
    moving = moving_floor_events(sig, fps)
    if moving is not None:
        return moving[0], moving[1], True
    return (*_from_heights(sig, fps), False)


def _from_heights(sig: FootSignal, fps: float) -> tuple[bool, list[Event]]:
    """:func:`detect` from the foot's height above the floor line."""
    th = thresholds(sig, fps)
    h = despike(sig.height, fps)
    state = states(h, sig.times, th)
    state, landed, lifted = settle(state, h, th)
    known = state[state != UNKNOWN]
    if len(known) == 0:
        raise LegrsiError("no foot seen near the floor")
    initial_contact = bool(known[0] == CONTACT)
    events: list[Event] = []
    phases = [r for r in runs(state) if r[0] != UNKNOWN]
    raw = sig.raw_height()
    for v, s, e in phases:
        if v != AIR:
            continue
        cap = SETTLE_LOW * float(np.nanmax(h[s:e]))
        levels = (standing_level(raw, h, s - 1, -1, th.off_px, cap),
                  standing_level(raw, h, e, 1, th.off_px, cap))
        levels = (levels[0] or levels[1], levels[1] or levels[0])
        t_to, t_ld, c_to, c_ld = refine_flight(sig.times, raw, s, e, EDGE_LO * th.on_px,
                                               sig.px_noise, levels)
        # an edge found where the foot came to rest: at rest in the frame next to it
        if t_to is not None and s in lifted:
            t_to = max(t_to, float(sig.times[s - 1]))
        if t_ld is not None and e in landed:
            t_ld = min(t_ld, float(sig.times[e]))
        if s > 0 and _before_is_contact(state, s):
            events.append(_event(TAKEOFF, sig.times, s, t_to, c_to, sig.conf))
        if e < len(state) and state[e] == CONTACT:
            events.append(_event(TOUCHDOWN, sig.times, e, t_ld, c_ld, sig.conf))
    events = _consistent(events)
    if events:  # the first event decides: a take-off first means the clip began on the floor
        initial_contact = events[0].kind == TAKEOFF
    return initial_contact, events


def settle(state: np.ndarray, height: np.ndarray, th: Thresholds
           ) -> tuple[np.ndarray, set[int], set[int]]:
    """Per-frame states with the ends of airborne runs where the foot is at rest turned into
    contact, and the frames where such contacts end (take-off) or begin (landing).

    The lowest part of a shoe can stop standing out near the floor (a sole of the floor's
    grey): the foot then reads a few pixels above the floor while it stands. A flight never
    rests low: near the floor the foot moves fastest, so frames that stay still (within
    :func:`resting.still_tol` px of each other for at least SETTLE_FRAMES frames) low in the run
    (below SETTLE_LOW of its peak height) are contact. ``height`` in px, shape (n,).
    """
    out = state.copy()
    landed: set[int] = set()
    lifted: set[int] = set()
    for v, s, e in runs(state):
        seg = height[s:e]
        if v != AIR or np.isfinite(seg).sum() < 3 * SETTLE_FRAMES:
            continue
        peak = float(np.nanmax(seg))
        low = SETTLE_LOW * peak
        tol = still_tol(seg, low, peak, th.off_px)
        if e < len(out) and out[e] == CONTACT:
            k = still_tail(seg, low, tol)
            if k:
                out[e - k: e] = CONTACT
                landed.add(e - k)
        if s > 0 and out[s - 1] == CONTACT:
            k = still_tail(seg[::-1], low, tol)
            if k and s + k < e - 1 and out[s + k] == AIR:
                out[s: s + k] = CONTACT
                lifted.add(s + k)
    return out, landed, lifted


def _before_is_contact(state: np.ndarray, s: int) -> bool:
    return state[s - 1] == CONTACT


def _event(kind: str, times: np.ndarray, k: int, t: float | None, conf: float,
           frame_conf: np.ndarray) -> Event:
    if t is None:
        t = edge_time(times, k)
    else:  # a refined edge stays inside the clip (its frames show the state on both sides)
        t = min(max(t, float(times[0])), float(times[-1]))
        k = min(max(_first_frame_at(times, t), 0), len(times) - 1)
    evidence = float(np.nanmean(frame_conf[max(0, k - 2): k + 2])) if len(frame_conf) else 1.0
    c = float(np.clip(conf * (0.5 + 0.5 * evidence), 0.0, 1.0))
    return Event(kind, int(k), float(t), round(c, 3))  # type: ignore[arg-type]


def _consistent(events: list[Event]) -> list[Event]:
    """Keep alternation and strictly increasing frames and times after sub-frame refinement:
    a phase that refinement shrank to nothing is dropped with both its events."""
    out: list[Event] = []
    for ev in events:
        if out and (ev.frame <= out[-1].frame or ev.time <= out[-1].time):
            out.pop()
            continue
        if out and out[-1].kind == ev.kind:
            continue
        out.append(ev)
    return out


def flight_score(sig: FootSignal, fps: float) -> float:
    """How clearly a signal shows hops: sum over flights of their height/noise evidence,
    plus a small bonus for frames where a foot is seen. Used to pick among foot regions."""
    try:
        th = thresholds(sig, fps)
        h = despike(sig.height, fps)
        state = states(h, sig.times, th)
    except LegrsiError:
        return 0.0
    score = 0.0
    for v, s, e in runs(state):
        if v == AIR and ((s > 0 and state[s - 1] == CONTACT) or
                         (e < len(state) and state[e] == CONTACT)):
            peak = float(np.nanmax(sig.height[s:e]))
            r2 = parabola_r2(sig.times, sig.height, s, e, robust=False)
            shape = 0.5 if r2 is None else r2 ** 2
            seen = float(np.isfinite(sig.height[s:e]).mean())  # a foot followed all along
            score += shape * min(1.0, peak / (10.0 * th.on_px)) * seen * seen
    score += 0.1 * float(np.isfinite(sig.height).mean())
    # a foot seen resting far below the region's floor line: that line is something else
    # (a skirting board's edge), the floor is lower
    below = max(0.0, 1.0 - BELOW_PENALTY * _below_floor_share(sig))
    return score * below * (0.1 if _floor_at_region_bottom(sig) else 1.0)


# a contact level this share of the region's height above its bottom edge is that edge
BOTTOM_SHARE = 0.02
BELOW_PENALTY = 3.0  # a signal's score x (1 - this x its share of frames far below the floor)


def _below_floor_share(sig: FootSignal) -> float:
    """Share of the frames in which the foot was seen (a lowest point found) but so far
    below the floor line that tracking left its height out (NaN)."""
    if len(sig.foot_y) == 0:
        return 0.0
    return float((np.isfinite(sig.foot_y) & np.isnan(sig.height)).mean())


def _floor_at_region_bottom(sig: FootSignal) -> bool:
    """Whether the contact level is the bottom edge of the foot region: the foot reaches
    out of the region there (the region's floor guess was too high), no real floor."""
    if len(sig.rois) == 0:
        return False
    y, h = float(sig.rois[0, 1]), float(sig.rois[0, 3])
    return sig.floor_y > y + h - max(3.0, BOTTOM_SHARE * h)


def pick_signal(signals: list[FootSignal], fps: float) -> FootSignal:
    """The candidate foot signal with the clearest hops (see :func:`flight_score`); of the
    regions where the feet move with a moving floor (a treadmill: tracking kept their feet
    points), if any: the others hold no stance."""
    if not signals:
        raise LegrsiError("no foot signal to choose from")
    signals = [s for s in signals if s.feet is not None] or signals
    scores = [flight_score(s, fps) for s in signals]
    return signals[int(np.argmax(scores))]


def _positive(x: object) -> bool:
    """Whether ``x`` is a finite number > 0."""
    try:
        return bool(math.isfinite(x) and x > 0)  # type: ignore[arg-type,operator]
    except TypeError:
        return False


def _first_frame_at(times: np.ndarray, t: float) -> int:
    return int(np.searchsorted(times, t - 1e-9, side="left"))
