"""Manual corrections of detected events: file format, reading, writing and applying.

A corrections file (``<out dir>/<clip stem>.corrections.json``, described in
docs/corrections.md) holds the *net* changes a user made to the automatic events of one clip,
each with the automatic value it replaced and when it was made:

- ``move``: the automatic event ``auto`` really happens at ``frame``;
- ``add``: an event the detector missed, at ``frame``;
- ``delete``: the automatic event ``auto`` is false.

Corrections are stored by frame index, never by time, so they survive a different ``--fps``;
a manual event's time is the midpoint between its frame and the previous frame. Applying is
a pure function over the automatic events and the frame times (seconds).
"""

from __future__ import annotations

import bisect
import json
import math
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .fileio import atomic_write_text
from .types import TAKEOFF, TOUCHDOWN, Event, EventKind, LegrsiError

FORMAT = "legrsi-corrections"
VERSION = 1
SUFFIX = ".corrections.json"
ACTIONS = ("move", "add", "delete")
Action = Literal["move", "add", "delete"]
KIND_WORD = {TOUCHDOWN: "touchdown", TAKEOFF: "take-off"}


def now_iso() -> str:
    """The current UTC time as ISO 8601 text to the second, e.g. 2025-01-31T09:15:02Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Correction:
    """One net change to the automatic events of a clip.

    ``frame``: 0-based frame of the manual event (None for ``delete``); ``auto``: the
    automatic event replaced or deleted (None for ``add``); ``edited``: ISO 8601 UTC time.
    """

    action: Action
    kind: EventKind
    frame: int | None
    auto: Event | None
    edited: str

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise LegrsiError(f"unknown correction action {self.action!r}")
        if self.kind not in (TOUCHDOWN, TAKEOFF):
            raise LegrsiError(f"unknown event kind {self.kind!r}")
        if (self.frame is None) != (self.action == "delete"):
            raise LegrsiError(f"'{self.action}' correction: frame must be "
                              f"{'absent' if self.action == 'delete' else 'given'}")
        if self.frame is not None and self.frame < 0:
            raise LegrsiError(f"correction frame must be >= 0, got {self.frame}")
        if (self.auto is None) != (self.action == "add"):
            raise LegrsiError(f"'{self.action}' correction: the automatic event must be "
                              f"{'absent' if self.action == 'add' else 'given'}")
        if self.auto is not None and self.auto.kind != self.kind:
            raise LegrsiError("a correction cannot change an event's kind")

    def describe(self) -> str:
        """Short human-readable text, e.g. ``take-off moved 410 -> 412``."""
        word = KIND_WORD[self.kind]
        if self.action == "move":
            assert self.auto is not None
            return f"{word} moved {self.auto.frame} -> {self.frame}"
        if self.action == "add":
            return f"{word} added at {self.frame}"
        assert self.auto is not None
        return f"{word} at {self.auto.frame} deleted"


@dataclass
class CorrectionSet:
    """Contents of one corrections file.

    ``capture_fps`` and ``frame_count`` describe the clip when the corrections were made
    (checked on apply); ``history`` is the audit log: dicts with ``at`` (ISO time) and
    ``edit`` (text), oldest first; ``created``/``saved`` are ISO times.
    """

    clip: str
    corrections: list[Correction] = field(default_factory=list)
    capture_fps: float | None = None
    frame_count: int | None = None
    history: list[dict[str, str]] = field(default_factory=list)
    created: str = field(default_factory=now_iso)
    saved: str | None = None


def corrections_path(out_dir: Path | str, clip: Path | str) -> Path:
    """Where the corrections of ``clip`` live: ``out_dir/<clip stem>.corrections.json``."""
    return Path(out_dir) / f"{Path(clip).stem}{SUFFIX}"


# ---------------------------------------------------------------------------- (de)serialising

def _auto_dict(ev: Event) -> dict[str, Any]:
    return {"frame": ev.frame, "time_s": round(ev.time, 6), "conf": round(ev.conf, 3)}


def _corr_dict(c: Correction, times: np.ndarray | None) -> dict[str, Any]:
    d: dict[str, Any] = {"action": c.action, "kind": c.kind}
    if c.frame is not None:
        d["frame"] = c.frame
        if times is not None and c.frame < len(times):
            d["time_s"] = round(manual_time(c.frame, times), 6)
    d["auto"] = _auto_dict(c.auto) if c.auto is not None else None
    d["edited"] = c.edited
    return d


def to_json(cs: CorrectionSet, times: np.ndarray | None = None) -> str:
    """The file text: indented JSON, one correction and one history entry per line.

    ``times`` (capture seconds per frame) adds informative ``time_s`` values.
    """
    def line(obj: object) -> str:
        return json.dumps(obj, ensure_ascii=False)

    head = {"format": FORMAT, "version": VERSION, "clip": cs.clip,
            "capture_fps": cs.capture_fps, "frame_count": cs.frame_count,
            "created": cs.created, "saved": cs.saved}
    parts = [f'  "{k}": {line(v)},' for k, v in head.items()]
    corr = ",\n".join(f"    {line(_corr_dict(c, times))}" for c in cs.corrections)
    hist = ",\n".join(f"    {line(h)}" for h in cs.history)
    parts.append(f'  "corrections": [\n{corr}\n  ],' if corr else '  "corrections": [],')
    parts.append(f'  "history": [\n{hist}\n  ]' if hist else '  "history": []')
    return "{\n" + "\n".join(parts) + "\n}\n"


def _need(d: dict[str, Any], key: str, types: type | tuple[type, ...], where: str) -> Any:
    if key not in d:
        raise ValueError(f"{where}: missing {key!r}")
    v = d[key]
    if not isinstance(v, types) or isinstance(v, bool):
        raise ValueError(f"{where}: {key!r} has the wrong type")
    return v


def _parse_correction(d: Any, i: int) -> Correction:
    where = f"correction {i + 1}"
    if not isinstance(d, dict):
        raise ValueError(f"{where} is not an object")
    action = _need(d, "action", str, where)
    kind = _need(d, "kind", str, where)
    frame = d.get("frame")
    if frame is not None and (not isinstance(frame, int) or isinstance(frame, bool)):
        raise ValueError(f"{where}: 'frame' must be an integer")
    auto = None
    if d.get("auto") is not None:
        a = d["auto"]
        if not isinstance(a, dict):
            raise ValueError(f"{where}: 'auto' must be an object")
        t = float(_need(a, "time_s", (int, float), where))
        conf = float(a.get("conf", 1.0))
        if not math.isfinite(t):
            raise ValueError(f"{where}: auto time is not finite")
        auto = Event(kind, _need(a, "frame", int, where), t, conf, "auto")  # type: ignore[arg-type]
    edited = str(d.get("edited") or "")
    return Correction(action, kind, frame, auto, edited)  # type: ignore[arg-type]


def from_json(text: str, name: str = "corrections file") -> CorrectionSet:
    """Parse a corrections file; raise LegrsiError (one line, naming ``name``) if corrupt."""
    hint = "fix it by hand, or move it away to start over"
    try:
        d = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LegrsiError(f"{name}: corrupt corrections file (not JSON: {exc.msg} at line "
                          f"{exc.lineno}); {hint}") from exc
    try:
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file")
        version = d.get("version")
        if not isinstance(version, int) or version > VERSION:
            raise ValueError(f"unsupported version {version!r} (this legrsi reads {VERSION})")
        items = d.get("corrections", [])
        history = d.get("history", [])
        if not isinstance(items, list) or not isinstance(history, list):
            raise ValueError("'corrections' and 'history' must be lists")
        corrections = [_parse_correction(c, i) for i, c in enumerate(items)]
        fps, count = d.get("capture_fps"), d.get("frame_count")
        return CorrectionSet(
            clip=str(d.get("clip", "")), corrections=corrections,
            capture_fps=float(fps) if isinstance(fps, int | float) else None,
            frame_count=count if isinstance(count, int) else None,
            history=[{str(k): str(v) for k, v in h.items()} for h in history
                     if isinstance(h, dict)],
            created=str(d.get("created") or now_iso()), saved=d.get("saved"))
    except (ValueError, TypeError, LegrsiError) as exc:
        raise LegrsiError(f"{name}: corrupt corrections file ({exc}); {hint}") from exc


def read_text(path: Path) -> str | None:
    """The file's text, or None if it does not exist; LegrsiError if unreadable."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise LegrsiError(f"{path}: cannot read corrections file ({exc})") from exc


def load_corrections(path: Path | str) -> CorrectionSet:
    """Read a corrections file; LegrsiError if it is missing or corrupt."""
    path = Path(path)
    text = read_text(path)
    if text is None:
        raise LegrsiError(f"{path}: no such corrections file")
    return from_json(text, str(path))


def save_corrections(path: Path | str, cs: CorrectionSet, expected: str | None,
                     times: np.ndarray | None = None) -> Path | None:
    """Write ``cs`` to ``path`` atomically (sets ``cs.saved``).

    ``expected`` is the file's text when it was loaded (None if it did not exist). If the
    file on disk is different (corrupt, edited meanwhile), it is first copied to
    ``<name>.bak-<UTC time>`` and that backup path is returned; otherwise None.
    """
    path = Path(path)
    current = None
    try:
        current = read_text(path)
    except LegrsiError:
        current = "\0unreadable"
    backup = None
    if current is not None and current != expected:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        backup = path.with_name(f"{path.name}.bak-{stamp}")
        try:
            shutil.copy2(path, backup)
        except OSError as exc:
            raise LegrsiError(f"cannot back up {path} before saving: {exc.strerror}") from exc
    cs.saved = now_iso()
    atomic_write_text(path, to_json(cs, times))
    return backup


# ---------------------------------------------------------------------------- applying

def manual_time(frame: int, times: np.ndarray) -> float:
    """Capture time (s) of a hand-marked event at ``frame``: midway between frame-1 and frame."""
    if frame <= 0:
        return float(times[0])
    return float(times[frame - 1] + times[frame]) / 2.0


def manual_event(kind: EventKind, frame: int, times: np.ndarray) -> Event:
    """A hand-marked event (confidence 1, source manual)."""
    return Event(kind, frame, manual_time(frame, times), 1.0, "manual")


def tolerance_frames(times: np.ndarray) -> int:
    """Frames within which a stored automatic event still matches a new detection (20 ms)."""
    if len(times) < 2:
        return 2
    dt = float(np.median(np.diff(times)))
    return max(2, round(0.02 / dt)) if dt > 0 else 2


@dataclass
class Applied:
    """Result of applying corrections: events (alternating, time order), how many
    corrections were used, and warnings about ones that no longer fit."""

    events: list[Event]
    applied: int
    warnings: list[str]


def _match(pool: list[Event], ev: Event, tol: int) -> int | None:
    best, best_d = None, tol + 1
    for i, e in enumerate(pool):
        if e.kind != ev.kind:
            continue
        d = abs(e.frame - ev.frame)
        if d < best_d:
            best, best_d = i, d
    return best


def apply_corrections(auto: Sequence[Event], corrections: Sequence[Correction],
                      times: np.ndarray, tolerance: int | None = None) -> Applied:
    """Replace/remove/add events as the corrections say (a pure function).

    ``auto``: automatic events; ``times``: capture time (s) of every frame, shape (n,).
    A stored automatic event matches the same kind within ``tolerance`` frames (default
    20 ms), so corrections survive small changes of the detector. Automatic events left next
    to a manual one of the same kind (a duplicate of it) are dropped. Hand-placed events get
    source "manual", and so does the automatic take-off next to a deletion (its contact or
    flight now spans the deleted phase). Raises LegrsiError when the corrections cannot give
    alternating touchdowns and take-offs.
    """
    times = np.asarray(times, float)
    n = len(times)
    tol = tolerance_frames(times) if tolerance is None else tolerance
    pool = list(auto)
    manual: list[Event] = []
    warnings: list[str] = []
    gaps: list[int] = []
    applied = 0
    for c in corrections:
        if c.frame is not None and c.frame >= n:
            raise LegrsiError(f"correction at frame {c.frame} is beyond the clip's {n} frames "
                              "(corrections of another clip?)")
        if c.auto is not None:
            j = _match(pool, c.auto, tol)
            if j is None:
                warnings.append(f"correction '{c.describe()}': no automatic "
                                f"{KIND_WORD[c.kind]} near frame {c.auto.frame} any more")
            else:
                gone = pool.pop(j)
                if c.action == "delete":
                    gaps.append(gone.frame)
        if c.frame is not None:
            manual.append(manual_event(c.kind, c.frame, times))
        applied += 1
    pool = [e for e in pool if not any(
        m.kind == e.kind and abs(m.frame - e.frame) <= tol for m in manual)]
    events = sorted(pool + manual, key=lambda e: (e.frame, e.source == "manual"))
    return Applied(_mark_gaps(_alternate(events, warnings), gaps), applied, warnings)


def _mark_gaps(events: list[Event], gaps: list[int]) -> list[Event]:
    """Mark manual the take-off next to each deletion (frame in ``gaps``): the merged flight
    (or contact) belongs to that take-off's rep, whose numbers the deletion changed."""
    frames = [e.frame for e in events]
    out = list(events)
    for d in gaps:
        i = bisect.bisect_left(frames, d)
        for j in (i - 1, i):
            if 0 <= j < len(out) and out[j].kind == TAKEOFF and out[j].source == "auto":
                out[j] = replace(out[j], source="manual")
    return out


def _alternate(events: list[Event], warnings: list[str]) -> list[Event]:
    """Drop automatic events that break alternation next to manual ones (with a warning);
    raise LegrsiError if two manual or two automatic events conflict."""
    out = list(events)
    i = 1
    while i < len(out):
        prev, ev = out[i - 1], out[i]
        if prev.kind != ev.kind and prev.frame != ev.frame:
            i += 1
            continue
        if prev.source != ev.source:
            drop, keep = (prev, ev) if prev.source == "auto" else (ev, prev)
            warnings.append(f"automatic {KIND_WORD[drop.kind]} at {drop.frame} dropped: it "
                            f"conflicts with the manual {KIND_WORD[keep.kind]} at {keep.frame}")
            out.remove(drop)
            i = max(1, i - 1)
            continue
        what = (f"two {KIND_WORD[ev.kind]}s in a row" if prev.kind == ev.kind
                else "two events on one frame")
        raise LegrsiError(f"corrections give {what} at frames {prev.frame} and {ev.frame}; "
                          "fix them with 'legrsi review' or use --ignore-corrections")
    return out


def initial_contact_of(events: Sequence[Event], default: bool) -> bool:
    """Whether the clip starts on the ground: the first event is a take-off (``default``
    when there are no events)."""
    return events[0].kind == TAKEOFF if events else default


def apply_file(path: Path | str, auto: Sequence[Event], times: np.ndarray,
               frame_count: int | None = None) -> tuple[Applied, CorrectionSet]:
    """Load a corrections file and apply it to ``auto`` (see :func:`apply_corrections`).

    Adds a warning if the clip now has a different number of frames than when corrected.
    """
    path = Path(path)
    cs = load_corrections(path)
    res = apply_corrections(auto, cs.corrections, times)
    n = len(times) if frame_count is None else frame_count
    if cs.frame_count is not None and cs.frame_count != n:
        res.warnings.insert(0, f"{path.name} was made on a clip of {cs.frame_count} frames, "
                               f"this one has {n}")
    return res, cs


def correct_events(path: Path | str, events: Sequence[Event], initial_contact: bool,
                   times: np.ndarray) -> tuple[list[Event], bool, int, list[str]]:
    """Apply a corrections file to detected events, for ``analyze_video``.

    Returns (events, initial_contact, number of corrections applied, warnings).
    """
    res, _ = apply_file(path, events, times)
    return (res.events, initial_contact_of(res.events, initial_contact), res.applied,
            [f"{Path(path).name}: {w}" for w in res.warnings])
