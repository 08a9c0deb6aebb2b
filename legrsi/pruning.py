"""Dropping candidate foot regions while tracking, once one clearly wins.

The tracker measures every candidate region on every frame at first; at looks (every
PRUNE_EVERY_S of capture, later less often) it asks :func:`still_promising` which of them are
still worth measuring: a region that shows nothing next to a clear winner, or that sees the
same hops as a better one (two regions around the same foot), is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .events import detect, flight_score
from .types import FootSignal, LegrsiError

PRUNE_EVERY_S = 0.5  # s of capture between the first looks at which candidates show hops
PRUNE_SPACING = 0.25  # later looks: at least this share of the capture time so far apart
PRUNE_BEST_SCORE = 2.0  # flight score (about 2 clear flights) the best candidate needs first
PRUNE_SHARE = 0.1  # a candidate below this share of the best score shows nothing
PRUNE_SHARE_S = 2.0  # s of capture it must show nothing for, at every look, to be dropped
SAME_EVENT_S = 0.03  # s: one hop's events seen in two regions of the same foot are this close


@dataclass
class Looks:
    """What the last look at the candidates found: the hopeless ones and since when (s of
    capture) they have been hopeless at every look; the pairs seeing the same hops."""

    hopeless: dict[int, float] = field(default_factory=dict)
    same: set[frozenset[int]] = field(default_factory=set)


def still_promising(active: list[int], signal_of: Callable[[int], FootSignal], fps: float,
                    last: Looks) -> tuple[list[int], Looks]:
    """The candidates worth measuring on, and those that look hopeless now.

    Once the best candidate shows clear hops so far (flight score >= PRUNE_BEST_SCORE), one
    looks hopeless when its score is below PRUNE_SHARE of the best (it clearly shows
    nothing) or when a better one sees each of its take-offs and landings too, within
    SAME_EVENT_S (two regions around the same foot; the better one sees at least as much).
    A candidate seeing a better one's hops is dropped when it looked hopeless at the
    previous look too, or the two saw the same hops then as well (whichever was ahead: the
    one behind now goes); one showing nothing when it showed nothing at every look for
    PRUNE_SHARE_S. ``last``: the previous look's findings; returns the candidates kept and
    this look's findings.
    """
    scored: list[tuple[float, int, list[tuple[str, int]] | None]] = []
    now = 0.0
    for i in active:
        try:
            sig = signal_of(i)
            now = float(sig.times[-1])
            score = flight_score(sig, fps)
            settled = now - 0.5  # s: later events may still move or be missing
            frames: list[tuple[str, int]] | None = [(e.kind, e.frame) for e in
                                                     detect(sig, fps)[1] if e.time < settled]
        except LegrsiError:
            scored.append((0.0, i, None))
            continue
        scored.append((score, i, frames))
    best = max(s for s, _, _ in scored)
    if best < PRUNE_BEST_SCORE:
        return active, Looks()
    found = Looks()
    dropped: set[int] = set()
    kept: list[tuple[int, list[tuple[str, int]] | None]] = []
    tol = max(1, round(SAME_EVENT_S * fps))  # frames
    for score, i, frames in sorted(scored, key=lambda x: (-x[0], x[1])):
        pairs = {frozenset((i, j)) for j, f in kept if _same_events(frames, f, tol)}
        found.same |= pairs
        if pairs or score < PRUNE_SHARE * best:
            since = found.hopeless[i] = last.hopeless.get(i, now)
            if (pairs and (i in last.hopeless or pairs & last.same)) or \
                    now - since >= PRUNE_SHARE_S - 1e-9:
                dropped.add(i)
        else:
            kept.append((i, frames))
    return [i for i in active if i not in dropped], found


def _same_events(a: list[tuple[str, int]] | None, b: list[tuple[str, int]] | None,
                 tol: int = 1) -> bool:
    """Whether ``b`` has ``a``'s >= 3 events ((kind, frame)), each within ``tol`` frames,
    and no others between them (``b`` may see more hops before or after ``a``'s)."""
    if not a or not b or len(a) < 3 or len(b) < len(a):
        return False
    j = 0
    while j < len(b) and b[j][1] < a[0][1] - tol:  # hops before a's first event
        j += 1
    if len(b) - j < len(a):
        return False
    return all(ka == kb and abs(fa - fb) <= tol
               for (ka, fa), (kb, fb) in zip(a, b[j: j + len(a)], strict=True))
