"""Events -> reps (contact, flight, RSI, jump height), sets, legs and per-leg summaries.

Pure numpy/python; times in seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .types import TAKEOFF, TOUCHDOWN, Event, LegrsiError, Rep

G = 9.80665  # m/s^2
PAUSE_S = 0.8  # a contact longer than this is a standing pause (a new set starts after it)


def jump_height_m(flight_s: float) -> float:
    """Jump height in metres from flight time in seconds: g * t^2 / 8."""
    return G * flight_s * flight_s / 8.0


def check_events(events: list[Event]) -> None:
    """Raise LegrsiError unless kinds alternate and frames/times increase."""
    for a, b in zip(events, events[1:], strict=False):
        if a.kind == b.kind:
            raise LegrsiError(f"two {a.kind}s in a row at frames {a.frame} and {b.frame}")
        if b.frame <= a.frame or b.time <= a.time:
            raise LegrsiError(f"events out of order at frames {a.frame} and {b.frame}")


def parse_legs(text: str) -> list[str]:
    """Split ``--leg left,right`` into names; accepts l/r/b abbreviations."""
    alias = {"l": "left", "r": "right", "b": "both", "left": "left", "right": "right",
             "both": "both"}
    legs = []
    for part in text.split(","):
        p = part.strip().lower()
        if not p:
            continue
        if p not in alias:
            raise LegrsiError(f"--leg must be left, right or both (comma-separated), got {part!r}")
        legs.append(alias[p])
    if not legs:
        raise LegrsiError("--leg is empty")
    return legs


def build_reps(events: list[Event], initial_contact: bool, clip: str, legs: list[str],
               pause_s: float = PAUSE_S) -> list[Rep]:
    """One Rep per take-off from the floor; a new set starts after a standing pause.

    The take-off that ends a standing contact (clip start or pause longer than ``pause_s``
    seconds) has no touchdown and no contact time. ``legs`` names the sets in order (the last
    name repeats if there are more sets).
    """
    if not legs:
        raise LegrsiError("no leg names given")
    if not _positive(pause_s):
        raise LegrsiError(f"--pause must be a positive number of seconds, got {pause_s!r}")
    check_events(events)
    reps: list[Rep] = []
    set_no, rep_no = 1, 0
    for j, ev in enumerate(events):
        if ev.kind != TAKEOFF:
            continue
        td = events[j - 1] if j > 0 and events[j - 1].kind == TOUCHDOWN else None
        if j == 0 and not initial_contact:
            raise LegrsiError("a take-off cannot come first when the clip starts in the air")
        standing = td is None or (ev.time - td.time) > pause_s
        if standing and td is not None and reps:
            set_no += 1
            rep_no = 0
        rep_no += 1
        landing = events[j + 1] if j + 1 < len(events) else None
        contact = None if standing else ev.time - td.time  # type: ignore[union-attr]
        flight = landing.time - ev.time if landing is not None else None
        rsi = flight / contact if (flight is not None and contact) else None
        reps.append(Rep(
            clip=clip, leg=legs[min(set_no - 1, len(legs) - 1)], set=set_no, rep=rep_no,
            touchdown=None if standing else td, takeoff=ev, landing=landing,
            contact_s=contact, flight_s=flight, rsi=rsi,
            jump_height_m=jump_height_m(flight) if flight is not None else None))
    return reps


@dataclass(frozen=True)
class Stat:
    """n, mean, best, worst, SD of one metric (units of the metric)."""

    n: int
    mean: float
    best: float
    worst: float
    sd: float


METRICS: dict[str, tuple[str, bool]] = {
    # name: (unit, higher is better)
    "contact_ms": ("ms", False),
    "flight_ms": ("ms", True),
    "rsi": ("", True),
    "jump_height_cm": ("cm", True),
}


def rep_values(rep: Rep) -> dict[str, float | None]:
    """A rep's metrics in report units (ms, cm)."""
    return {
        "contact_ms": rep.contact_s * 1000 if rep.contact_s is not None else None,
        "flight_ms": rep.flight_s * 1000 if rep.flight_s is not None else None,
        "rsi": rep.rsi,
        "jump_height_cm": rep.jump_height_m * 100 if rep.jump_height_m is not None else None,
    }


def stat(values: list[float], higher_better: bool) -> Stat | None:
    """Summary of a list of values (None if empty); SD is the sample SD (0 for n=1)."""
    v = np.array([x for x in values if x is not None and math.isfinite(x)], float)
    if len(v) == 0:
        return None
    sd = float(v.std(ddof=1)) if len(v) > 1 else 0.0
    best, worst = (v.max(), v.min()) if higher_better else (v.min(), v.max())
    return Stat(len(v), float(v.mean()), float(best), float(worst), sd)


def per_leg_summary(reps: list[Rep]) -> dict[str, dict[str, Stat | None]]:
    """{leg: {metric: Stat}} over all reps of each leg."""
    out: dict[str, dict[str, Stat | None]] = {}
    for leg in dict.fromkeys(r.leg for r in reps):
        mine = [rep_values(r) for r in reps if r.leg == leg]
        out[leg] = {m: stat([v[m] for v in mine], hb)  # type: ignore[misc]
                    for m, (_, hb) in METRICS.items()}
    return out


def _positive(x: object) -> bool:
    """Whether ``x`` is a finite number > 0."""
    try:
        return bool(math.isfinite(x) and x > 0)  # type: ignore[arg-type,operator]
    except TypeError:
        return False
