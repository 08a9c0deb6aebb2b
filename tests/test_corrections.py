"""Corrections file format, saving with backups, and applying corrections to events."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from legrsi.corrections import (
    Correction,
    CorrectionSet,
    apply_corrections,
    corrections_path,
    from_json,
    load_corrections,
    manual_time,
    save_corrections,
    to_json,
)
from legrsi.types import TAKEOFF, TOUCHDOWN, Event, LegrsiError

FPS = 240.0
TIMES = np.arange(600) / FPS


def ev(kind: str, frame: int, conf: float = 0.8) -> Event:
    return Event(kind, frame, (frame - 0.4) / FPS, conf)  # type: ignore[arg-type]


AUTO = [ev(TAKEOFF, 100), ev(TOUCHDOWN, 180), ev(TAKEOFF, 240), ev(TOUCHDOWN, 320),
        ev(TAKEOFF, 380), ev(TOUCHDOWN, 460)]


def sample() -> CorrectionSet:
    return CorrectionSet("hop.mp4", [
        Correction("move", TAKEOFF, 102, AUTO[0], "2025-01-01T10:00:00Z"),
        Correction("delete", TOUCHDOWN, None, AUTO[3], "2025-01-01T10:00:05Z"),
        Correction("delete", TAKEOFF, None, AUTO[4], "2025-01-01T10:00:05Z"),
        Correction("add", TAKEOFF, 520, None, "2025-01-01T10:00:09Z"),
    ], 240.0, 600, [{"at": "2025-01-01T10:00:00Z", "edit": "take-off moved 100 -> 102"}])


def test_manual_time_is_midpoint_of_frame_and_previous() -> None:
    assert manual_time(10, TIMES) == pytest.approx(9.5 / FPS)
    assert manual_time(0, TIMES) == 0.0


def test_roundtrip_and_human_readable(tmp_path: Path) -> None:
    cs = sample()
    text = to_json(cs, TIMES)
    d = json.loads(text)
    assert d["format"] == "legrsi-corrections" and d["version"] == 1
    assert d["corrections"][0] == {
        "action": "move", "kind": "takeoff", "frame": 102, "time_s": round(101.5 / FPS, 6),
        "auto": {"frame": 100, "time_s": round(99.6 / FPS, 6), "conf": 0.8},
        "edited": "2025-01-01T10:00:00Z"}
    assert text.count("\n") > 10  # one correction per line, indented
    back = from_json(text)
    assert [(c.action, c.kind, c.frame) for c in back.corrections] == \
        [(c.action, c.kind, c.frame) for c in cs.corrections]
    assert back.history == cs.history and back.frame_count == 600


def test_apply_move_delete_add() -> None:
    res = apply_corrections(AUTO, sample().corrections, TIMES)
    got = [(e.kind, e.frame, e.source) for e in res.events]
    assert got == [(TAKEOFF, 102, "manual"), (TOUCHDOWN, 180, "auto"),
                   (TAKEOFF, 240, "manual"),  # its flight now runs over the deleted contact
                   (TOUCHDOWN, 460, "auto"), (TAKEOFF, 520, "manual")]
    assert res.applied == 4 and not res.warnings
    assert res.events[0].time == pytest.approx(101.5 / FPS)
    assert res.events[1] == AUTO[1]


def test_deleting_a_flight_marks_the_takeoff_after_it() -> None:
    corr = [Correction("delete", TAKEOFF, None, AUTO[2], "x"),
            Correction("delete", TOUCHDOWN, None, AUTO[3], "x")]
    res = apply_corrections(AUTO, corr, TIMES)
    assert [(e.frame, e.source) for e in res.events] == [
        (100, "auto"), (180, "auto"), (380, "manual"), (460, "auto")]


def test_manual_event_wins_over_conflicting_auto_with_warning() -> None:
    res = apply_corrections(AUTO, [Correction("add", TOUCHDOWN, 500, None, "x")], TIMES)
    assert [e.frame for e in res.events][-2:] == [380, 500]
    assert "automatic touchdown at 460 dropped" in res.warnings[0]


def test_apply_refuses_broken_alternation() -> None:
    bad = [Correction("add", TOUCHDOWN, 500, None, "x"), Correction("add", TOUCHDOWN, 550,
                                                                    None, "x")]
    with pytest.raises(LegrsiError, match="two touchdowns in a row at frames 500 and 550"):
        apply_corrections(AUTO, bad, TIMES)


def test_apply_survives_detector_drift() -> None:
    drifted = [Event(e.kind, e.frame + 1, e.time + 1 / FPS, e.conf) for e in AUTO]
    res = apply_corrections(drifted, sample().corrections[:3], TIMES)
    assert [e.frame for e in res.events] == [102, 181, 241, 461]
    far = [Event(e.kind, e.frame + 30, e.time + 30 / FPS, e.conf) for e in AUTO]
    res = apply_corrections(far, sample().corrections[:1], TIMES)
    assert res.warnings and "no automatic take-off near frame 100" in res.warnings[0]


def test_manual_event_replaces_duplicate_auto() -> None:
    add = [Correction("add", TAKEOFF, 101, None, "x")]
    res = apply_corrections(AUTO, add, TIMES)
    assert [(e.frame, e.source) for e in res.events][:1] == [(101, "manual")]
    assert len(res.events) == len(AUTO)


def test_frame_beyond_clip() -> None:
    with pytest.raises(LegrsiError, match="beyond the clip's 600 frames"):
        apply_corrections(AUTO, [Correction("add", TAKEOFF, 700, None, "x")], TIMES)


@pytest.mark.parametrize("text, what", [
    ("{not json", "not JSON"),
    ('{"format": "other"}', "not a legrsi-corrections file"),
    ('{"format": "legrsi-corrections", "version": 9}', "unsupported version"),
    ('{"format": "legrsi-corrections", "version": 1, "corrections": [{"action": "move"}]}',
     "missing 'kind'"),
    ('{"format": "legrsi-corrections", "version": 1, "corrections": '
     '[{"action": "add", "kind": "takeoff"}]}', "frame must be given"),
    ('{"format": "legrsi-corrections", "version": 1, "corrections": '
     '[{"action": "jump", "kind": "takeoff", "frame": 3}]}', "unknown correction action"),
])
def test_corrupt_files_give_one_line_errors(tmp_path: Path, text: str, what: str) -> None:
    p = tmp_path / "c.corrections.json"
    p.write_text(text)
    with pytest.raises(LegrsiError, match="corrupt corrections file") as info:
        load_corrections(p)
    assert what in str(info.value) and "\n" not in str(info.value)


def test_save_is_atomic_and_backs_up_unexpected_content(tmp_path: Path) -> None:
    p = corrections_path(tmp_path, "clips/hop.MOV")
    assert p.name == "hop.corrections.json"
    assert save_corrections(p, sample(), None, TIMES) is None
    first = p.read_text()
    assert load_corrections(p).saved is not None
    # saving over the text we loaded: no backup
    assert save_corrections(p, sample(), first) is None
    # a corrupt file (or one changed by someone else) is backed up, never just overwritten
    p.write_text("{garbage")
    backup = save_corrections(p, sample(), first)
    assert backup is not None and backup.read_text() == "{garbage"
    assert load_corrections(p).corrections
    assert sorted(x.name for x in tmp_path.iterdir() if x.name.startswith(".")) == []
    with pytest.raises(LegrsiError, match="no such corrections file"):
        load_corrections(tmp_path / "none.corrections.json")
