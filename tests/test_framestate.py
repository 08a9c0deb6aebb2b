"""Two contact lines (legrsi/framestate.far_level): a runner's far foot stands a few pixels
higher in the picture than the near one; resting there is contact, not a flight. Signals
with known truth."""

from __future__ import annotations

import numpy as np

from legrsi.events import detect
from legrsi.framestate import far_level
from legrsi.types import FootSignal

FPS = 120.0
SIZE = 330.0  # region height (px): the far line may lie up to 0.045 x this above the floor


def _signal(height: np.ndarray) -> FootSignal:
    """The heights as tracking reads them: standing, the outline jitters by about a pixel
    (toe roll, the belt's texture)."""
    n = len(height)
    jitter = np.random.default_rng(3).uniform(-1.0, 1.0, n) * (height < 15)
    h = np.maximum(height + jitter, 0.0)
    return FootSignal(times=np.arange(n) / FPS, height=h, conf=np.ones(n),
                      foot_x=np.zeros(n), foot_y=np.zeros(n),
                      rois=np.tile([0.0, 0.0, 400.0, SIZE], (n, 1)), floor_y=300.0,
                      px_noise=0.4)


def _run(far_px: float, steps: int = 8) -> tuple[np.ndarray, list[tuple[str, int]]]:
    """Stances of 30 frames alternately on the floor (0 px) and on the far line (``far_px``),
    flights of 12 frames between them (a parabola from one line to the other, ~25 px up);
    returns the heights and the true (kind, first frame) events."""
    h: list[float] = []
    events: list[tuple[str, int]] = []
    for k in range(steps):
        level = far_px if k % 2 else 0.0
        if k:
            events.append(("touchdown", len(h)))
        h += [level] * 30
        events.append(("takeoff", len(h)))
        nxt = 0.0 if k % 2 else far_px
        u = (np.arange(12) + 0.5) / 12
        h += list(level + (nxt - level) * u + 100.0 * u * (1 - u))
    events.append(("touchdown", len(h)))
    h += [0.0 if steps % 2 == 0 else far_px] * 30
    return np.array(h), events


def test_the_far_foots_line_is_found() -> None:
    h, _ = _run(7.0)
    assert abs(far_level(h, FPS, SIZE, 0.4) - 7.0) < 0.5
    hops, _ = _run(0.0)
    assert far_level(hops, FPS, SIZE, 0.4) == 0.0


def test_a_run_on_two_contact_lines_gives_every_step() -> None:
    h, truth = _run(7.0)
    initial, events = detect(_signal(h), FPS)
    assert initial
    assert [e.kind for e in events] == [k for k, _ in truth]
    assert all(abs(e.frame - f) <= 1 for e, (_, f) in zip(events, truth, strict=True))


def test_a_level_higher_than_a_contact_line_is_no_floor() -> None:
    """A foot that rests 30 px up (the free foot held up, 0.09 x the region's height) is
    not standing: its stays there stay flights' tops, never contacts."""
    h, _ = _run(30.0)
    assert far_level(h, FPS, SIZE, 0.4) == 0.0


def test_the_slow_top_of_a_low_flight_is_no_contact_line() -> None:
    """Low hops at 240 fps (12 px up): the foot is still for ~30 frames at each flight's top,
    within the far line's reach, but lower on both sides: not a place the foot rests."""
    fps = 240.0
    u = (np.arange(100) + 0.5) / 100
    hop = list(48.0 * u * (1 - u))  # a 100-frame flight, 12 px at its top
    h = np.array(([0.0] * 60 + hop) * 4 + [0.0] * 60)
    assert far_level(h, fps, SIZE, 0.3) == 0.0
