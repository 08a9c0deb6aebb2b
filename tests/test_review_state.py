"""The review window's state machine, driven by key sequences (no window, no video)."""

from __future__ import annotations

import numpy as np
import pytest

from legrsi.corrections import apply_corrections, from_json, to_json
from legrsi.metrics import build_reps, check_events
from legrsi.review_state import HELP, KEYS, ReviewState
from legrsi.types import TAKEOFF, TOUCHDOWN, Event

FPS = 240.0
TIMES = np.arange(1000) / FPS


def ev(kind: str, frame: int, conf: float = 0.9) -> Event:
    """An automatic event a third of a frame before ``frame``."""
    return Event(kind, frame, (frame - 0.3) / FPS, conf)  # type: ignore[arg-type]


# standing start; a false contact 300-315 inside the 2nd flight; a missed contact
# (true frames 560..620) inside the flight 480-700
AUTO = [ev(TAKEOFF, 120), ev(TOUCHDOWN, 200), ev(TAKEOFF, 250, 0.4),
        ev(TOUCHDOWN, 300, 0.3), ev(TAKEOFF, 315, 0.5), ev(TOUCHDOWN, 400),
        ev(TAKEOFF, 480), ev(TOUCHDOWN, 700), ev(TAKEOFF, 760)]


def state(auto: list[Event] | None = None) -> ReviewState:
    return ReviewState(TIMES, AUTO if auto is None else auto, True, clock=lambda: "T")


def frames(s: ReviewState) -> list[tuple[str, int, str]]:
    return [(e.kind, e.frame, e.source) for e in s.events]


def keys_to(s: ReviewState, frame: int) -> list[str]:
    """Arrow/10-step keys that take the cursor from where it is to ``frame``."""
    d = frame - s.frame
    big, small = divmod(abs(d), 10)
    return (["Up" if d > 0 else "Down"] * big) + (["Right" if d > 0 else "Left"] * small)


def test_move_takeoff_by_two_frames() -> None:
    s = state()
    s.press_all(["n", "d", "d", "t"])
    assert s.frame == 122
    assert frames(s)[0] == (TAKEOFF, 122, "manual")
    assert s.events[0].time == pytest.approx((121 + 122) / 2 / FPS)
    [c] = s.corrections
    assert (c.action, c.kind, c.frame, c.auto.frame) == ("move", TAKEOFF, 122, 120)
    assert s.dirty


def test_move_takeoff_earlier_from_the_contact() -> None:
    s = state()
    s.goto(118)
    s.press("t")
    assert frames(s)[0] == (TAKEOFF, 118, "manual")


def test_move_touchdown_both_ways() -> None:
    s = state()
    s.goto(203)       # inside the contact starting at 200: g moves that touchdown later
    s.press("g")
    s.goto(397)       # inside the flight ending at 400, within the move window: earlier
    s.press("g")
    got = frames(s)
    assert (TOUCHDOWN, 203, "manual") in got and (TOUCHDOWN, 397, "manual") in got
    assert (TOUCHDOWN, 200, "auto") not in got


def test_delete_false_contact_and_missed_contact_added() -> None:
    s = state()
    s.goto(305)
    s.press("x")                                   # contact 300-315 is false
    assert [f for _, f, _ in frames(s)] == [120, 200, 250, 400, 480, 700, 760]
    s.press_all(keys_to(s, 560) + ["g"])           # far from the landing at 700: pending
    assert s.pending is not None and len(s.corrections) == 2
    s.press_all(keys_to(s, 620) + ["t"])
    got = frames(s)
    assert (TOUCHDOWN, 560, "manual") in got and (TAKEOFF, 620, "manual") in got
    check_events(s.events)
    actions = sorted((c.action, c.kind) for c in s.corrections)
    assert actions == [("add", TAKEOFF), ("add", TOUCHDOWN), ("delete", TAKEOFF),
                       ("delete", TOUCHDOWN)]
    reps = build_reps(s.events, s.initial_contact, "clip", ["left"])
    assert [r.source for r in reps] == ["auto", "manual", "manual", "manual", "auto"]
    assert [r.takeoff.frame for r in reps] == [120, 250, 480, 620, 760]


def test_delete_false_flight() -> None:
    s = state()
    s.goto(260)                                    # flight 250-300
    s.press("x")
    assert [f for _, f, _ in frames(s)] == [120, 200, 315, 400, 480, 700, 760]


def test_delete_last_phase_and_refuse_before_first_event() -> None:
    s = state()
    s.goto(900)
    s.press("x")
    assert frames(s)[-1] == (TOUCHDOWN, 700, "auto")
    s.goto(50)
    assert not s.delete() and "refused" in s.message


def test_pending_same_key_again_moves_far_event() -> None:
    s = state()
    s.goto(600)
    s.press("g")
    assert s.pending is not None
    s.press("g")
    assert s.pending is None and (TOUCHDOWN, 600, "manual") in frames(s)
    assert (TOUCHDOWN, 700, "auto") not in frames(s)


def test_pending_refusals_and_cancel() -> None:
    s = state()
    s.goto(560)
    s.press("g")
    s.goto(550)
    s.press("t")
    assert "refused" in s.message and s.pending is not None
    s.goto(720)                                    # past the landing at 700
    s.press("t")
    assert "refused" in s.message
    s.press("Escape")
    assert s.pending is None and not s.dirty


def test_refusals_on_event_frames() -> None:
    s = state()
    s.goto(200)
    s.press("t")
    assert s.message.startswith("refused") and not s.corrections
    s.press("g")
    assert "already" in s.message
    s.goto(0)
    s.press("g")
    assert s.message.startswith("refused")


def test_undo_restores_events_cursor_and_history() -> None:
    s = state()
    s.press_all(["n", "d", "d", "t"])
    s.goto(305)
    s.press("x")
    assert len(s.history) == 2
    s.press("u")
    assert s.frame == 305 and len(s.history) == 1
    s.press("u")
    assert frames(s) == [(e.kind, e.frame, "auto") for e in AUTO] and not s.dirty
    s.press("u")
    assert s.message == "nothing to undo"


def test_moving_manual_event_back_to_auto_frame_drops_the_correction() -> None:
    s = state()
    s.press_all(["n", "d", "d", "t", "a", "a", "t"])
    assert not s.corrections and s.events[0] == AUTO[0]


def test_moving_and_deleting_a_manual_event() -> None:
    s = state()
    s.press_all(["n", "d", "d", "t", "d", "t"])      # moved twice: still one correction
    [c] = s.corrections
    assert (c.frame, c.auto.frame) == (123, 120)
    s.press("x")                                     # delete the flight 123-200
    acts = sorted((c.action, c.kind, c.auto.frame) for c in s.corrections)
    assert acts == [("delete", TAKEOFF, 120), ("delete", TOUCHDOWN, 200)]


def test_add_at_clip_end_and_start() -> None:
    s = state()
    s.goto(990)                                      # contact to the end: a new take-off
    s.press("t")
    assert frames(s)[-1] == (TAKEOFF, 990, "manual")
    s.goto(30)                                       # initial contact: g = clip starts in air
    s.press("g")
    assert frames(s)[0] == (TOUCHDOWN, 30, "manual") and not s.initial_contact


def test_navigation_keys() -> None:
    s = state()
    s.press_all(["Up", "Up", "Right", "Left", "Left", "Down"])
    assert s.frame == 9
    s.press_all(["A", "a"])
    assert s.frame == 0
    s.press_all(["End"])
    assert s.frame == 999
    s.press_all(["p"])
    assert s.frame == 760
    s.press_all(["Home", "D", "d"])
    assert s.frame == 11


def test_least_confident_cycles_through_automatic_events() -> None:
    s = state()
    seen = []
    for _ in range(4):
        s.press("c")
        seen.append(s.frame)
    assert seen == [300, 250, 315, 120]


def test_play_advances_and_any_key_pauses() -> None:
    s = state()
    s.press("space")
    for _ in range(5):
        s.tick()
    assert s.frame == 5 and s.playing
    s.press("d")
    assert not s.playing and s.frame == 6


def test_quit_asks_when_unsaved() -> None:
    s = state()
    assert s.press("q") == "quit"
    s.press_all(["n", "t"])                         # refused (already): still clean
    s.press_all(["d", "t"])
    assert s.press("q") is None and s.confirm_quit
    assert s.press("x") is None and not s.confirm_quit and "cancelled" in s.message
    s.press("Escape")
    assert s.press("s") == "save_quit"
    s.press("q")
    assert s.press("Escape") == "quit"
    assert s.press("s") == "save"
    s.saved()
    assert s.press("q") == "quit"


def test_help_toggle_and_escape_closes_help() -> None:
    s = state()
    s.press("h")
    assert s.show_help
    assert s.press("Escape") is None and not s.show_help
    assert {k for k, _ in HELP}  # the help lists keys
    assert all(a for a in KEYS.values())


def test_saved_file_reproduces_the_review() -> None:
    from legrsi.corrections import CorrectionSet
    s = state()
    s.press_all(["n", "d", "d", "t"])
    s.goto(305)
    s.press("x")
    s.goto(560)
    s.press_all(["g"] + ["Up"] * 6 + ["t"])
    text = to_json(CorrectionSet("c.mp4", s.corrections, 240.0, 1000, s.history), TIMES)
    back = from_json(text)
    assert back.history == s.history
    again = apply_corrections(AUTO, back.corrections, TIMES).events
    assert again == s.events
    s2 = ReviewState(TIMES, AUTO, True, back.corrections, back.history)
    assert s2.events == s.events and not s2.dirty
