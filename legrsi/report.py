"""Results CSV (one row per take-off from the floor) and the per-leg summary table."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .fileio import atomic_write_text
from .metrics import METRICS, per_leg_summary
from .types import Analysis, Event, Rep

COLUMNS = [
    "clip", "leg", "set", "rep", "touchdown_frame", "takeoff_frame", "landing_frame",
    "contact_ms", "flight_ms", "rsi", "jump_height_cm", "source", "touchdown_conf",
    "takeoff_conf", "landing_conf", "touchdown_s", "takeoff_s", "landing_s", "capture_fps",
    "athlete",
]


def _fmt(v: float | None, nd: int) -> str:
    return "" if v is None else f"{v:.{nd}f}"


def rep_row(rep: Rep, capture_fps: float, athlete: str = "") -> dict[str, str]:
    """CSV cells of one rep (ms, cm, frames; empty where not applicable)."""
    def ev(e: Event | None, what: str) -> str:
        if e is None:
            return ""
        return str(e.frame) if what == "frame" else (
            f"{e.conf:.2f}" if what == "conf" else f"{e.time:.5f}")

    td, to, ld = rep.touchdown, rep.takeoff, rep.landing
    return {
        "clip": rep.clip, "leg": rep.leg, "set": str(rep.set), "rep": str(rep.rep),
        "touchdown_frame": ev(td, "frame"), "takeoff_frame": ev(to, "frame"),
        "landing_frame": ev(ld, "frame"),
        "contact_ms": _fmt(rep.contact_s * 1000 if rep.contact_s is not None else None, 1),
        "flight_ms": _fmt(rep.flight_s * 1000 if rep.flight_s is not None else None, 1),
        "rsi": _fmt(rep.rsi, 3),
        "jump_height_cm": _fmt(rep.jump_height_m * 100 if rep.jump_height_m is not None
                               else None, 1),
        "source": rep.source,
        "touchdown_conf": ev(td, "conf"), "takeoff_conf": ev(to, "conf"),
        "landing_conf": ev(ld, "conf"),
        "touchdown_s": ev(td, "time"), "takeoff_s": ev(to, "time"), "landing_s": ev(ld, "time"),
        "capture_fps": f"{capture_fps:g}", "athlete": athlete,
    }


def results_csv_text(analysis: Analysis, athlete: str = "") -> str:
    """The results CSV as text."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for rep in analysis.reps:
        w.writerow(rep_row(rep, analysis.info.capture_fps, athlete))
    return buf.getvalue()


def write_results_csv(analysis: Analysis, out_dir: Path | str, athlete: str = "") -> Path:
    """Write ``out_dir/<clip stem>.csv`` atomically and return its path."""
    path = Path(out_dir) / f"{analysis.info.path.stem}.csv"
    atomic_write_text(path, results_csv_text(analysis, athlete))
    return path


def events_text(events: list[Event]) -> str:
    """What was found, in words, for a clip without a take-off from the floor: e.g.
    "no event", "1 touchdown (frame 190)", "2 touchdowns (frames 40, 190)"."""
    if not events:
        return "no event"
    frames = ", ".join(str(e.frame) for e in events[:6]) + (", ..." if len(events) > 6 else "")
    kinds = sorted({e.kind.replace("takeoff", "take-off") for e in events})
    noun = " and ".join(kinds) if len(kinds) > 1 else kinds[0]
    if len(events) > 1:
        noun = f"{noun}s" if len(kinds) == 1 else f"{noun} events"
    return f"{len(events)} {noun} (frame{'s' * (len(events) > 1)} {frames})"


def summary_table(analysis: Analysis) -> str:
    """Per-leg table: n, mean, best, worst, SD of contact, flight, RSI, jump height."""
    summ = per_leg_summary(analysis.reps)
    lines = [f"{'leg':<6} {'metric':<15} {'n':>3} {'mean':>8} {'best':>8} {'worst':>8} "
             f"{'SD':>7}"]
    for leg, stats in summ.items():
        for metric in METRICS:
            s = stats[metric]
            if s is None:
                continue
            nd = 3 if metric == "rsi" else 1
            lines.append(f"{leg:<6} {metric:<15} {s.n:>3} {s.mean:>8.{nd}f} {s.best:>8.{nd}f} "
                         f"{s.worst:>8.{nd}f} {s.sd:>7.{nd}f}")
    return "\n".join(lines)
