"""Events -> phases of the whole clip (contact, flight, standing), for display.

A *measured* contact is one that has a rep's touchdown and take-off (it has a contact time);
any other time on the floor (the clip start, a pause between sets, after the last landing) is
*standing*. Used by the annotated video and the signal plot; pure python/numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .types import TAKEOFF, Analysis, Event, Rep

PhaseKind = Literal["contact", "flight", "standing"]
CONTACT: PhaseKind = "contact"
FLIGHT: PhaseKind = "flight"
STANDING: PhaseKind = "standing"


@dataclass(frozen=True)
class Phase:
    """Frames [start, end) in one state.

    ``start_time`` is the capture time (s) of the event that began the phase (None when the
    phase starts with the clip, so its duration is unknown); ``rep`` indexes
    ``Analysis.reps`` for the rep the phase belongs to (None if none); ``event`` is the event
    that began the phase.
    """

    kind: PhaseKind
    start: int
    end: int
    start_time: float | None
    rep: int | None
    event: Event | None


def _key(ev: Event | None) -> tuple[str, int] | None:
    return None if ev is None else (ev.kind, ev.frame)


def phases(analysis: Analysis) -> list[Phase]:
    """Consecutive phases covering all analysed frames (0 .. len(signal))."""
    n = len(analysis.signal)
    events = sorted((e for e in analysis.events if e.frame < n), key=lambda e: e.frame)
    reps = analysis.reps
    by_takeoff = {_key(r.takeoff): i for i, r in enumerate(reps)}
    by_touchdown = {_key(r.touchdown): i for i, r in enumerate(reps) if r.touchdown is not None}
    by_landing = {_key(r.landing): i for i, r in enumerate(reps) if r.landing is not None}
    next_rep = _next_takeoff_rep(events, by_takeoff)
    out: list[Phase] = []
    first_end = events[0].frame if events else n
    if first_end > 0:
        kind = STANDING if analysis.initial_contact else FLIGHT
        out.append(Phase(kind, 0, first_end, None, next_rep[0] if kind == STANDING else None,
                         None))
    for k, ev in enumerate(events):
        end = events[k + 1].frame if k + 1 < len(events) else n
        if end <= ev.frame:
            continue
        if ev.kind == TAKEOFF:
            out.append(Phase(FLIGHT, ev.frame, end, ev.time, by_takeoff.get(_key(ev)), ev))
        elif _key(ev) in by_touchdown:
            out.append(Phase(CONTACT, ev.frame, end, ev.time, by_touchdown[_key(ev)], ev))
        else:  # standing after a landing belongs to the rep that landed
            rep = by_landing.get(_key(ev), next_rep[k + 1])
            out.append(Phase(STANDING, ev.frame, end, ev.time, rep, ev))
    return out


def _next_takeoff_rep(events: list[Event], by_takeoff: dict) -> list[int | None]:
    """For each position k in ``events`` (and len(events)), the rep of the first take-off at or
    after k (None if there is none)."""
    out: list[int | None] = [None] * (len(events) + 1)
    cur: int | None = None
    for k in range(len(events) - 1, -1, -1):
        if events[k].kind == TAKEOFF and _key(events[k]) in by_takeoff:
            cur = by_takeoff[_key(events[k])]
        out[k] = cur
    return out


def phase_index(phase_list: list[Phase], n_frames: int) -> np.ndarray:
    """Index into ``phase_list`` of every frame, shape (n_frames,) int (-1 where none)."""
    idx = np.full(n_frames, -1, np.int32)
    for j, ph in enumerate(phase_list):
        idx[ph.start: min(ph.end, n_frames)] = j
    return idx


def result_frame(rep: Rep) -> int:
    """First frame at which the rep's result is complete: its landing (or its take-off when
    the clip ends in the air)."""
    return rep.landing.frame if rep.landing is not None else rep.takeoff.frame


def last_result(reps: list[Rep], n_frames: int) -> np.ndarray:
    """Index of the latest rep whose result is known at each frame, shape (n_frames,) int
    (-1 before the first)."""
    idx = np.full(n_frames, -1, np.int32)
    order = sorted(range(len(reps)), key=lambda i: result_frame(reps[i]))
    for i in order:
        idx[min(result_frame(reps[i]), n_frames):] = i
    return idx
