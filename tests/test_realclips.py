"""The detector on real public footage nobody here made (../shared/realclips, see its README)."""

from __future__ import annotations

from pathlib import Path

import pytest

from legrsi import analyze_video

REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "realclips"
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason=f"{REAL} is absent on this machine")


def test_walking_has_no_flight() -> None:
    a = analyze_video(REAL / "walking_side_30fps.mp4", leg="both")
    assert a.reps == []
    assert all(e.kind != "takeoff" for e in a.events)


@pytest.mark.xfail(strict=True, reason="known limitation: the athlete is in the region in every "
                   "preview frame, so the belt's background carries legs and feet, and the "
                   "near and far foot land on different rows; one floor line per region misses "
                   "most steps (see closing notes of issue 2)")
def test_running_has_a_flight_between_steps() -> None:
    a = analyze_video(REAL / "running_side_30fps.mp4", leg="both")
    assert 30 <= len(a.reps) <= 38


@pytest.mark.xfail(strict=True, reason="known limitation: a second person walking in front "
                   "on a nearer floor line is taken for the athlete's floor")
def test_box_drop_gives_one_landing() -> None:
    a = analyze_video(REAL / "box_drop_landing_30fps.mp4", leg="both")
    touchdowns = [e.frame for e in a.events if e.kind == "touchdown"]
    assert not a.initial_contact
    assert any(185 <= f <= 205 for f in touchdowns)
    assert all(e.frame >= 185 for e in a.events if e.kind == "takeoff")
