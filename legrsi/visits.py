"""Visits: stretches of frames in which something is seen in the foot region, between
stretches in which nothing is (out of view, framestate.OUT_OF_VIEW_S or longer) or the clip's
ends; and passers-by, visits that are not the athlete's.

Works on per-frame state arrays of shape (n_frames,) holding events' CONTACT, AIR and
UNKNOWN codes; times are capture seconds, shape (n_frames,).
"""

from __future__ import annotations

import numpy as np

CONTACT, AIR, UNKNOWN = 0, 1, -1  # per-frame states (events.py imports them from here)

VISIT_FLIGHT_S = 0.09  # s: a flight at least this long shows the athlete (a run's flight
# at 30 fps lasts about 0.1 s); shorter "flights" in a visit entered and left on the
# floor are a walker's foot half out of the region's side


def visits(state: np.ndarray) -> list[tuple[int, int]]:
    """(start, end-exclusive) frame ranges of the maximal stretches with a known state."""
    known = np.concatenate(([False], state != UNKNOWN, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(known))
    return [(int(s), int(e)) for s, e in zip(edges[::2], edges[1::2], strict=True)]


def _longest_flight(state: np.ndarray, times: np.ndarray, s: int, e: int) -> float:
    """Seconds of the longest airborne run inside frames [s, e) (0 if none)."""
    dt = float(np.median(np.diff(times))) if len(times) > 1 else 0.0
    air = np.concatenate(([0], (state[s:e] == AIR).astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(air))
    best = 0.0
    for a, b in zip(edges[::2] + s, edges[1::2] + s, strict=True):
        best = max(best, float(times[b - 1] - times[a]) + dt)
    return best


def passer_by(state: np.ndarray, times: np.ndarray, s: int, e: int) -> bool:
    """Whether visit [s, e) is someone walking through the region rather than the athlete:
    it comes into view and leaves it (at least one side out of view, not a clip end), on
    the floor at both ends (it did not drop in or jump out), with no flight of at least
    VISIT_FLIGHT_S in it."""
    n = len(state)
    if s == 0 and e == n:
        return False
    if state[s] != CONTACT or state[e - 1] != CONTACT:
        return False
    return _longest_flight(state, times, s, e) < VISIT_FLIGHT_S


def passers_by(state: np.ndarray, times: np.ndarray) -> list[tuple[int, int]]:
    """Frame ranges [start, end) of the visits that are passers-by (:func:`passer_by`);
    none unless some other visit remains (a clip showing only one walker keeps it, so that
    what is seen is still reported)."""
    found = visits(state)
    gone = [(s, e) for s, e in found if passer_by(state, times, s, e)]
    return [] if len(gone) == len(found) else gone


def drop_passers_by(state: np.ndarray, times: np.ndarray) -> np.ndarray:
    """States (shape (n,)) with the passers-by's visits set to UNKNOWN."""
    out = state.copy()
    for s, e in passers_by(state, times):
        out[s:e] = UNKNOWN
    return out
