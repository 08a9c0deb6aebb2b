"""Small made-up analyze results for the compare tests."""

from __future__ import annotations

import csv
from pathlib import Path

from legrsi.report import COLUMNS


def write_result(path: Path, rows: list[tuple], athlete: str = "") -> Path:
    """Write an analyze result CSV; rows are (clip, leg, set, rep, contact_ms, flight_ms),
    None for an empty cell."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for clip, leg, set_no, rep, contact, flight in rows:
            w.writerow({"clip": clip, "leg": leg, "set": set_no, "rep": rep,
                        "contact_ms": "" if contact is None else contact,
                        "flight_ms": "" if flight is None else flight,
                        "source": "auto", "capture_fps": "240", "athlete": athlete})
    return path


def hop_set(clip: str, leg: str, pairs: list[tuple[float, float]], set_no: int = 1) -> list:
    """A set starting from standing (rep 1 without contact), then one hop per (contact, flight)
    in ms."""
    rows = [(clip, leg, set_no, 1, None, 300.0)]
    rows += [(clip, leg, set_no, i, c, f) for i, (c, f) in enumerate(pairs, start=2)]
    return rows
