"""Out-of-view gaps and passers-by (legrsi/visits.py, events.detect), on signals with known
truth: the shape of the real box-drop clip (../shared/realclips) with the region given."""

from __future__ import annotations

import numpy as np

from legrsi.events import detect
from legrsi.types import FootSignal
from legrsi.visits import AIR, CONTACT, UNKNOWN, drop_passers_by, passers_by, visits

FPS = 30.0


def _signal(height: np.ndarray) -> FootSignal:
    n = len(height)
    return FootSignal(times=np.arange(n) / FPS, height=height, conf=np.ones(n),
                      foot_x=np.zeros(n), foot_y=np.zeros(n),
                      rois=np.tile([0.0, 0.0, 320.0, 250.0], (n, 1)), floor_y=212.0,
                      px_noise=0.5)


def _box_drop(walker: np.ndarray) -> np.ndarray:
    """230 frames: the region empty, ``walker`` heights from frame 71, empty again, the
    athlete's foot falling in from 200 px (touching down at frame 190), standing after."""
    h = np.full(230, np.nan)
    h[71: 71 + len(walker)] = walker
    h[186:190] = [201.0, 148.0, 97.0, 49.0]
    h[190:] = 0.0
    return h


def _walk_through() -> np.ndarray:
    """A walker's heights: a heel swinging in from the region's side, standing, a 2-frame
    12 px blip of a foot half out of the side, and a leg leaving the region high."""
    w = np.zeros(48)
    w[:3] = [98.0, 99.0, 62.0]
    w[36:38] = [12.0, 2.0]
    w[-1] = 184.0
    return w


def test_a_passer_by_walking_through_the_empty_region_gives_no_event() -> None:
    initial, events = detect(_signal(_box_drop(_walk_through())), FPS)
    assert not initial
    assert [(e.kind, e.frame) for e in events] == [("touchdown", 190)]


def test_an_athlete_who_walks_in_and_hops_keeps_the_hops() -> None:
    """Entered and left on the floor, but with flights of 0.3 s: the athlete's visit; a
    walker passing through the empty region later is still left out."""
    w = np.zeros(60)
    t = np.arange(9) / FPS
    for s in (10, 30):  # two flights of 9 frames, peak ~ 110 px
        w[s: s + 9] = 1400.0 * (t + 1 / FPS) * (0.3 - t - 1 / FPS) + 3.0
    h = np.full(230, np.nan)
    h[71:131] = w
    h[160:208] = _walk_through()
    _, events = detect(_signal(h), FPS)
    assert [e.kind for e in events] == ["takeoff", "touchdown"] * 2
    truth = [81, 90, 101, 110]  # first frames off the floor / back on it
    assert all(abs(e.frame - f) <= 1 for e, f in zip(events, truth, strict=True))


def test_a_clip_showing_only_a_walker_keeps_what_is_seen() -> None:
    state = np.full(100, UNKNOWN, np.int8)
    state[20:60] = CONTACT
    t = np.arange(100) / FPS
    assert passers_by(state, t) == []
    assert np.array_equal(drop_passers_by(state, t), state)


def test_visits_are_the_stretches_between_unknown_frames() -> None:
    state = np.array([UNKNOWN, CONTACT, AIR, UNKNOWN, UNKNOWN, CONTACT, CONTACT], np.int8)
    assert visits(state) == [(1, 3), (5, 7)]
    t = np.arange(7) / FPS
    assert passers_by(state, t) == [(5, 7)]  # entered on the floor, no flight, a gap before it


def test_a_clip_without_take_off_says_what_was_found() -> None:
    from legrsi.report import events_text
    from legrsi.types import Event

    assert events_text([]) == "no event"
    assert events_text([Event("touchdown", 190, 190 / FPS)]) == "1 touchdown (frame 190)"
    two = [Event("touchdown", 40, 40 / FPS), Event("touchdown", 190, 190 / FPS)]
    assert events_text(two) == "2 touchdowns (frames 40, 190)"
    mixed = [Event("takeoff", 3, 0.1), Event("touchdown", 9, 0.3)]
    assert events_text(mixed) == "2 take-off and touchdown events (frames 3, 9)"
