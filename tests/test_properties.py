"""Property-based tests of the event and metric core on synthetic foot signals.

A signal is built from a random sequence of contacts (height 0) and flights (ballistic
parabolas), with sensor noise, frames without a visible foot (NaN) and dropped frames. Whatever
the draw, the detected events must form a consistent structure; invalid input must raise the
library's own LegrsiError, never another exception.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from legrsi.corrections import Correction, apply_corrections
from legrsi.events import detect
from legrsi.metrics import G, build_reps, check_events
from legrsi.types import TAKEOFF, TOUCHDOWN, Event, FootSignal, LegrsiError

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.large_base_example])


@dataclass
class Drawn:
    """A synthetic signal and its truth: take-off / touchdown times (s) inside the clip."""

    signal: FootSignal
    fps: float
    starts_in_contact: bool
    takeoffs: list[float]
    touchdowns: list[float]

    def __repr__(self) -> str:
        h = self.signal.height
        return (f"Drawn({len(h)} frames at {self.fps:g} fps, starts in contact: "
                f"{self.starts_in_contact}, take-offs {np.round(self.takeoffs, 4).tolist()}, "
                f"touchdowns {np.round(self.touchdowns, 4).tolist()}, "
                f"{int(np.isnan(h).sum())} NaN, noise {self.signal.px_noise:.2f} px)")


def signal_of(times: np.ndarray, height: np.ndarray, noise: float = 0.5) -> FootSignal:
    """A FootSignal with the given times (s) and heights (px), other fields neutral."""
    n = len(times)
    return FootSignal(times=times, height=height, conf=np.ones(n), foot_x=np.zeros(n),
                      foot_y=np.zeros(n), rois=np.zeros((n, 4)), floor_y=100.0,
                      px_noise=noise)


@st.composite
def hop_signals(draw: st.DrawFn, clean: bool = False) -> Drawn:
    """Random contacts (0.12-0.5 s) and flights (0.15-0.55 s) at 60-240 fps; unless
    ``clean``: noise up to 1 px, NaN gaps and dropped frames."""
    fps = draw(st.sampled_from([60.0, 120.0, 240.0]))
    ppm = draw(st.floats(300, 1500))                      # pixels per metre
    in_contact = draw(st.booleans())
    phases = []
    contact = in_contact
    for _ in range(draw(st.integers(1, 7))):
        phases.append((contact, draw(st.floats(0.12, 0.5) if contact else st.floats(0.15, 0.55))))
        contact = not contact
    lead_in = 0.0 if in_contact else draw(st.floats(0.1, 0.6)) * phases[0][1]
    total = sum(d for _, d in phases) - lead_in
    n = int(total * fps)
    assume(n >= 20)
    times = np.arange(n) / fps
    if not clean and draw(st.booleans()):
        times = times + draw(st.floats(0, 0.3)) / fps * np.sin(np.arange(n) * 1.7)
    height = np.zeros(n)
    takeoffs, touchdowns = [], []
    t = -lead_in
    for is_contact, dur in phases:
        if not is_contact:
            m = (times >= t) & (times < t + dur)
            height[m] = G / 2 * (times[m] - t) * (t + dur - times[m]) * ppm
            if t > 0:
                takeoffs.append(t)
            if t + dur < times[-1]:
                touchdowns.append(t + dur)
        t += dur
    noise = 0.2 if clean else draw(st.floats(0.0, 1.0))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    height = height + rng.normal(0, noise, n)
    keep = np.ones(n, bool)
    if not clean:
        for _ in range(draw(st.integers(0, 3))):           # no foot visible for a while
            k = draw(st.integers(0, n - 1))
            height[k: k + draw(st.integers(1, 6))] = np.nan
        for _ in range(draw(st.integers(0, 4))):           # frames lost (damaged packets)
            keep[draw(st.integers(1, n - 1))] = False
    sig = signal_of(times[keep], height[keep], max(noise, 0.1))
    return Drawn(sig, fps, in_contact, takeoffs, touchdowns)


def assert_consistent(events: list[Event], initial_contact: bool, sig: FootSignal) -> None:
    """Alternating kinds, strictly increasing frames and times inside the clip."""
    n = len(sig)
    for a, b in zip(events, events[1:], strict=False):
        assert a.kind != b.kind
        assert b.frame > a.frame and b.time > a.time
    for ev in events:
        assert 0 <= ev.frame < n and 0.0 <= ev.conf <= 1.0
        assert sig.times[0] - 1e-9 <= ev.time <= sig.times[-1] + 1e-9
        assert math.isfinite(ev.time)
    if events:
        assert (events[0].kind == TAKEOFF) == initial_contact


@SETTINGS
@given(hop_signals())
def test_detected_structure_is_consistent(d: Drawn) -> None:
    try:
        initial_contact, events = detect(d.signal, d.fps)
    except LegrsiError:
        assert np.isnan(d.signal.height).mean() > 0 or len(d.signal) < 2
        return
    assert_consistent(events, initial_contact, d.signal)
    reps = build_reps(events, initial_contact, "clip", ["left", "right"])
    assert len(reps) == sum(e.kind == TAKEOFF for e in events)
    for r in reps:
        assert r.contact_s is None or r.contact_s > 0
        assert r.flight_s is None or r.flight_s > 0
        assert r.rsi is None or r.rsi > 0
        assert r.jump_height_m is None or r.jump_height_m > 0
        assert r.set >= 1 and r.rep >= 1
        assert (r.touchdown is None) == (r.contact_s is None)


@SETTINGS
@given(hop_signals(clean=True))
def test_clean_signal_finds_every_hop(d: Drawn) -> None:
    initial_contact, events = detect(d.signal, d.fps)
    assert initial_contact == d.starts_in_contact
    found = [e.time for e in events if e.kind == TAKEOFF]
    assert len(found) == len(d.takeoffs)
    dt = 1.0 / d.fps
    for got, want in zip(found, d.takeoffs, strict=True):
        assert abs(got - want) <= 1.5 * dt
    landed = [e.time for e in events if e.kind == TOUCHDOWN]
    assert len(landed) == len(d.touchdowns)
    for got, want in zip(landed, d.touchdowns, strict=True):
        assert abs(got - want) <= 1.5 * dt


@SETTINGS
@given(hop_signals(), st.lists(st.tuples(st.sampled_from(["move", "add", "delete"]),
                                         st.sampled_from([TOUCHDOWN, TAKEOFF]),
                                         st.integers(0, 10_000), st.integers(0, 50)),
                               max_size=5))
def test_any_corrections_give_events_or_a_legrsi_error(d: Drawn, edits: list) -> None:
    try:
        initial_contact, events = detect(d.signal, d.fps)
    except LegrsiError:
        return
    n = len(d.signal)
    corrections = []
    for action, kind, frame, pick in edits:
        same = [e for e in events if e.kind == kind]
        auto = same[pick % len(same)] if same and action != "add" else None
        if action != "add" and auto is None:
            continue
        corrections.append(Correction(action, kind, None if action == "delete" else frame % n,
                                      auto, ""))
    try:
        res = apply_corrections(events, corrections, d.signal.times)
    except LegrsiError:
        return
    check_events(res.events)


# ------------------------------------------------------------------------ invalid input

@st.composite
def valid_times(draw: st.DrawFn) -> np.ndarray:
    n = draw(st.integers(3, 60))
    steps = draw(st.lists(st.floats(1e-3, 0.1), min_size=n - 1, max_size=n - 1))
    return np.concatenate(([0.0], np.cumsum(steps)))


@SETTINGS
@given(valid_times(), st.data())
def test_bad_times_raise_legrsi_error(times: np.ndarray, data: st.DataObject) -> None:
    n = len(times)
    k = data.draw(st.integers(0, n - 1))
    bad = times.copy()
    bad[k] = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    with pytest.raises(LegrsiError):
        signal_of(bad, np.zeros(n))
    j = data.draw(st.integers(1, n - 1))
    back = times.copy()
    back[j] = back[j - 1] - data.draw(st.floats(0.0, 1.0))   # repeats or goes backwards
    with pytest.raises(LegrsiError):
        signal_of(back, np.zeros(n))


@SETTINGS
@given(valid_times(), st.integers(-3, 3).filter(bool))
def test_wrong_shapes_raise_legrsi_error(times: np.ndarray, extra: int) -> None:
    n = len(times)
    with pytest.raises(LegrsiError):
        signal_of(times, np.zeros(max(n + extra, 0)))
    with pytest.raises(LegrsiError):
        signal_of(np.stack([times, times]), np.zeros(n))
    with pytest.raises(LegrsiError):
        FootSignal(times, np.zeros(n), np.ones(n), np.zeros(n), np.zeros(n),
                   np.zeros((n, 3)), 0.0)
    with pytest.raises(LegrsiError):
        signal_of(times, np.array(["x"] * n))


def _alternating(frames: list[int], first: str) -> list[Event]:
    other = TOUCHDOWN if first == TAKEOFF else TAKEOFF
    return [Event(first if i % 2 == 0 else other, f, f / 240.0)  # type: ignore[arg-type]
            for i, f in enumerate(frames)]


@st.composite
def shuffled_events(draw: st.DrawFn) -> tuple[list[Event], list[Event], int]:
    """Valid alternating events, the same in another order, and a position."""
    frames = sorted(draw(st.sets(st.integers(0, 5000), min_size=2, max_size=12)))
    events = _alternating(frames, TAKEOFF)
    order = draw(st.permutations(range(len(events))).filter(lambda p: p != sorted(p)))
    return events, [events[i] for i in order], draw(st.integers(0, len(events) - 2))


@SETTINGS
@given(shuffled_events())
def test_events_out_of_order_raise_legrsi_error(
        drawn: tuple[list[Event], list[Event], int]) -> None:
    events, shuffled, i = drawn
    check_events(events)
    build_reps(events, True, "clip", ["left"])
    with pytest.raises(LegrsiError):
        build_reps(shuffled, True, "clip", ["left"])
    twice = events[: i + 1] + [Event(events[i].kind, events[i].frame + 1,      # two of a
                                     events[i].time + 1e-4)] + events[i + 1:]  # kind in a row
    with pytest.raises(LegrsiError):
        check_events(twice)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_event_time_is_refused(value: float) -> None:
    with pytest.raises(LegrsiError):
        Event(TAKEOFF, 3, value)


@pytest.mark.parametrize("fps", [0, -240.0, math.nan, math.inf, "240", None])
def test_detect_refuses_bad_frame_rate(fps: object) -> None:
    sig = signal_of(np.arange(50) / 240.0, np.zeros(50))
    with pytest.raises(LegrsiError):
        detect(sig, fps)  # type: ignore[arg-type]


def test_detect_refuses_hopeless_signals() -> None:
    with pytest.raises(LegrsiError):
        detect(signal_of(np.zeros(0), np.zeros(0)), 240.0)
    with pytest.raises(LegrsiError):
        detect(signal_of(np.zeros(1), np.zeros(1)), 240.0)
    with pytest.raises(LegrsiError):
        detect(signal_of(np.arange(30) / 240.0, np.full(30, np.nan)), 240.0)
    with pytest.raises(LegrsiError):
        signal_of(np.arange(30) / 240.0, np.full(30, np.inf))


@pytest.mark.parametrize("pause", [0.0, -1.0, math.nan, math.inf])
def test_build_reps_refuses_bad_settings(pause: float) -> None:
    events = _alternating([10, 50, 90], TAKEOFF)
    with pytest.raises(LegrsiError):
        build_reps(events, True, "clip", ["left"], pause)
    with pytest.raises(LegrsiError):
        build_reps(events, True, "clip", [])
    with pytest.raises(LegrsiError):                       # a take-off first, clip in the air
        build_reps(events, False, "clip", ["left"])
