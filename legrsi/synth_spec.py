"""Specification and ground truth of synthetic hop clips (see :mod:`legrsi.synth`).

An event's frame is the first frame at or after it: ``ceil(time * fps - 1e-9)``, frame i
showing the state at capture time i / fps.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .fileio import atomic_write_text
from .synth_motion import G
from .types import Event, LegrsiError

TRUTH_FORMAT = "legrsi-synth-truth"
CODECS = {"h264": "libx264", "hevc": "libx265", "mjpeg": "mjpeg", "vp9": "libvpx-vp9"}
SUFFIXES = {"h264": (".mp4", ".mov", ".mkv"), "hevc": (".mp4", ".mov", ".mkv"),
             "mjpeg": (".avi", ".mkv"), "vp9": (".webm", ".mkv")}


@dataclass(frozen=True)
class SynthSpec:
    """What to render. Sizes in pixels, times in seconds, rates in frames per second.

    movement: 'hops' (single-leg hops from a standing start), 'drop' (step off a 30-40 cm box,
    land, one rebound jump, land), 'single' (two-footed countermovement jump), 'sets' (hops on
    ``leg``, ~1.5 s standing on both feet, hops on the other leg), 'run' (``n_hops`` running
    steps on a treadmill, synth_run.py: contact 0.22-0.30 s, flight 0.06-0.12 s, events for
    both feet together; ``leg``, ``contact_s``, ``flight_s``, ``drift_px`` do not apply).
    ``leg``: stance leg of the (first) set, 'left'/'right' ('both' allowed for 'drop';
    'single' is always 'both').
    ``facing``: 'auto' (the first stance leg is nearest the camera), 'left' or 'right'.
    ``container_fps``: None = fps; e.g. 30 for a slow-motion export (no marker in the file).
    ``portrait``: the upright picture is taller than wide and stored rotated (display matrix).
    ``drift_px``: forward drift per hop in pixels of a 1280x720 frame (scaled to the size).
    ``noise``: sensor noise sigma (grey levels); ``flicker_hz``/``flicker_amp``: mains flicker;
    ``blur``: exposure / frame interval; ``shake_px``: hand-held shake amplitude (pixels);
    ``dim``: brightness factor; ``end_in_air``: the clip stops during the last flight.
    ``preset``: x264/x265 speed preset ('ultrafast' renders fastest, 'veryfast' is smaller).
    ``camera_height_m``: the (level) camera's height above the floor; the higher, the further
    the far leg's contact line lies above the near one's in the picture (a run on a
    treadmill filmed from hip height: ~1 m).
    """

    movement: str = "hops"
    n_hops: int = 6
    fps: float = 240.0
    container_fps: float | None = None
    width: int = 1280
    height: int = 720
    portrait: bool = False
    codec: str = "h264"
    crf: int = 23
    gop: int | None = None
    preset: str = "ultrafast"
    contact_s: tuple[float, float] = (0.18, 0.32)
    flight_s: tuple[float, float] = (0.28, 0.48)
    drift_px: float = 6.0
    noise: float = 3.0
    flicker_hz: float = 0.0
    flicker_amp: float = 0.0
    blur: float = 0.5
    shake_px: float = 0.0
    dim: float = 1.0
    shadow: bool = True
    free_leg: bool = True
    leg: str = "left"
    facing: str = "auto"
    end_in_air: bool = False
    seed: int = 0
    camera_height_m: float = 0.06

    def __post_init__(self) -> None:
        object.__setattr__(self, "fps", float(self.fps))
        if self.container_fps is not None:
            object.__setattr__(self, "container_fps", float(self.container_fps))
        if self.movement not in ("hops", "drop", "single", "sets", "run"):
            raise LegrsiError(f"unknown movement {self.movement!r}")
        if self.codec not in CODECS:
            raise LegrsiError(f"unknown codec {self.codec!r}")
        if not 0.01 <= self.camera_height_m <= 3.0:
            raise LegrsiError("camera_height_m must lie between 0.01 and 3 m")
        if self.width % 2 or self.height % 2 or min(self.width, self.height) < 64:
            raise LegrsiError("width and height must be even and at least 64 pixels")
        if self.fps <= 0 or (self.container_fps is not None and self.container_fps <= 0):
            raise LegrsiError("frame rates must be positive")
        if self.leg not in ("left", "right", "both") or self.facing not in ("auto", "left",
                                                                            "right"):
            raise LegrsiError("leg must be left/right/both and facing auto/left/right")
        if self.leg == "both" and self.movement in ("hops", "sets"):
            raise LegrsiError(f"movement {self.movement!r} needs leg left or right")


@dataclass(frozen=True)
class TruthEvent:
    """An exact floor event: kind 'touchdown'/'takeoff', capture time (s), first frame."""

    kind: str
    time: float
    frame: int
    leg: str
    set: int


@dataclass
class Truth:
    """Ground truth of a rendered clip (pixels are upright-picture pixels).

    ``rotation``: clockwise degrees a player applies to the stored frames (PyAV reports the
    counter-clockwise ``frame.rotation`` = -rotation). ``floor_y``: row coordinate (OpenCV
    pixel centres) of the near foot's contact line; ``floor_y_far``: same for the far leg.
    ``foot_height_px``: per frame, lowest point of the current set's stance foot above its
    floor line at the frame time (pixels, 0 in contact; a run: the lower of the two feet,
    each above its own line). ``pauses``: (start, end) s of
    two-footed standing between sets. ``box_leave_time``: drop only, the foot leaves the box.
    """

    movement: str
    fps: float
    container_fps: float
    n_frames: int
    width: int
    height: int
    rotation: int
    codec: str
    initial_contact: bool
    legs: list[str]
    events: list[TruthEvent]
    floor_y: float
    floor_y_far: float
    wall_floor_y: float
    px_per_m: float
    foot_len_px: float
    near_leg: str
    facing: str
    pauses: list[tuple[float, float]] = field(default_factory=list)
    box_leave_time: float | None = None
    box_height_m: float | None = None
    foot_height_px: list[float] = field(default_factory=list)
    spec: dict = field(default_factory=dict)

    def synth_spec(self) -> SynthSpec:
        """The :class:`SynthSpec` this clip was rendered from."""
        d = dict(self.spec)
        for k in ("contact_s", "flight_s"):
            d[k] = tuple(d[k])
        return SynthSpec(**d)

    def as_events(self) -> list[Event]:
        """The floor events as :class:`legrsi.types.Event` (conf 1, source 'manual')."""
        return [Event(e.kind, e.frame, e.time, 1.0, "manual") for e in self.events]  # type: ignore[arg-type]

    def rows(self) -> list[dict]:
        """Expected CSV rows, one per take-off from the floor (None = not applicable)."""
        rows: list[dict] = []
        for s in sorted({e.set for e in self.events}):
            td: TruthEvent | None = None
            open_row: dict | None = None
            for e in (e for e in self.events if e.set == s):
                if e.kind == "touchdown":
                    if open_row is not None:
                        open_row.update(landing_frame=e.frame, landing_s=e.time,
                                        flight_s=e.time - open_row["takeoff_s"])
                        open_row = None
                    td = e
                    continue
                open_row = {
                    "leg": e.leg, "set": s, "rep": sum(r["set"] == s for r in rows) + 1,
                    "touchdown_frame": td.frame if td else None,
                    "takeoff_frame": e.frame, "landing_frame": None,
                    "touchdown_s": td.time if td else None, "takeoff_s": e.time,
                    "landing_s": None, "contact_s": e.time - td.time if td else None,
                    "flight_s": None}
                rows.append(open_row)
                td = None
        for r in rows:
            f, c = r["flight_s"], r["contact_s"]
            r["rsi"] = f / c if f is not None and c else None
            r["jump_height_cm"] = 100 * G * f * f / 8 if f is not None else None
        return rows


def event_frame(time: float, fps: float) -> int:
    """First frame index whose time (i / fps) is at or after ``time`` (s)."""
    return max(0, math.ceil(time * fps - 1e-9))


def write_truth(truth: Truth, path: Path) -> None:
    """Save ``truth`` as JSON (atomically)."""
    d = {"format": TRUTH_FORMAT, "version": 1, **asdict(truth), "foot_height_px": "@H"}
    d["events"] = [f"@E{i}" for i in range(len(truth.events))]
    text = json.dumps(d, indent=1)  # one line per event and for the height list
    for i, e in enumerate(truth.events):
        text = text.replace(f'"@E{i}"', json.dumps(asdict(e)))
    text = text.replace('"@H"', json.dumps([round(v, 3) for v in truth.foot_height_px]))
    atomic_write_text(Path(path), text + "\n")


def read_truth(path: Path) -> Truth:
    """Load a truth JSON written by :func:`write_truth`."""
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LegrsiError(f"cannot read truth file {path}: {exc}") from exc
    if d.pop("format", None) != TRUTH_FORMAT:
        raise LegrsiError(f"{path} is not a legrsi synthetic truth file")
    d.pop("version", None)
    d["events"] = [TruthEvent(**e) for e in d["events"]]
    d["pauses"] = [tuple(p) for p in d["pauses"]]
    return Truth(**d)
