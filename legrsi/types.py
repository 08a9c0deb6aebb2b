"""Small typed data passed between the pipeline stages.

Conventions used everywhere in legrsi:
- frames are 0-based indices of decoded frames;
- times are float seconds of *capture* time (slow-motion exports are mapped back);
- an event's ``frame`` is the first frame of the new state (first frame on the ground for a
  touchdown, first frame in the air for a take-off); its ``time`` is the best estimate of the
  moment it happened, which lies between the previous frame's time and this frame's time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

EventKind = Literal["touchdown", "takeoff"]
Source = Literal["auto", "manual"]
TOUCHDOWN: EventKind = "touchdown"
TAKEOFF: EventKind = "takeoff"


class LegrsiError(Exception):
    """Any problem the user can fix; its message is one line, shown as is by the CLI."""


class VideoError(LegrsiError):
    """The clip cannot be opened or decoded."""


class NoMovementError(LegrsiError):
    """The clip shows no athlete or no movement to analyse."""


@dataclass(frozen=True)
class VideoInfo:
    """Metadata of an opened clip.

    width/height are pixels of the upright (rotation applied) picture; ``rotation`` is the
    clockwise rotation in degrees applied to stored frames; ``container_fps`` is the stream's
    nominal rate, ``capture_fps`` the real capture rate (frames per second of real time) and
    ``slowmo_factor`` = capture_fps / container_fps (1 for a normal clip, 8 for 240 fps
    capture exported at 30 fps).
    """

    path: Path
    width: int
    height: int
    rotation: int
    container_fps: float
    capture_fps: float
    codec: str
    frame_count_hint: int | None = None
    duration_hint_s: float | None = None
    capture_fps_given: bool = False

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise VideoError(f"{self.path.name}: video has no picture size")
        if not (self.capture_fps > 0 and self.container_fps > 0):
            raise VideoError(f"{self.path.name}: video has no usable frame rate")
        if self.rotation not in (0, 90, 180, 270):
            raise VideoError(f"{self.path.name}: unsupported rotation {self.rotation}")

    @property
    def slowmo_factor(self) -> float:
        """Capture frames per container frame-time (8.0 for 240 fps shown at 30 fps)."""
        return self.capture_fps / self.container_fps


@dataclass(frozen=True)
class Event:
    """A touchdown or take-off: frame index, capture time (s), confidence 0-1, source."""

    kind: EventKind
    frame: int
    time: float
    conf: float = 1.0
    source: Source = "auto"

    def __post_init__(self) -> None:
        if self.kind not in (TOUCHDOWN, TAKEOFF):
            raise LegrsiError(f"unknown event kind {self.kind!r}")
        if self.frame < 0:
            raise LegrsiError(f"event frame must be >= 0, got {self.frame}")
        if not math.isfinite(self.time):
            raise LegrsiError(f"event time must be a finite number of seconds, got {self.time}")
        if not 0.0 <= self.conf <= 1.0:
            raise LegrsiError(f"event confidence must be in 0..1, got {self.conf}")
        if self.source not in ("auto", "manual"):
            raise LegrsiError(f"unknown event source {self.source!r}")


@dataclass(frozen=True)
class Roi:
    """Foot region in upright-frame pixels: x, y (top-left), w, h."""

    x: int
    y: int
    w: int
    h: int

    def __post_init__(self) -> None:
        if self.w <= 0 or self.h <= 0 or self.x < 0 or self.y < 0:
            raise LegrsiError(f"invalid region {self.x},{self.y},{self.w},{self.h}")

    @classmethod
    def parse(cls, text: str) -> Roi:
        """Parse ``"X,Y,W,H"`` (pixels)."""
        try:
            x, y, w, h = (int(v) for v in text.split(","))
        except ValueError as exc:
            raise LegrsiError(f"--roi must be X,Y,W,H in pixels, got {text!r}") from exc
        return cls(x, y, w, h)


@dataclass
class FootSignal:
    """Per-frame output of tracking, all arrays of shape (n_frames,).

    ``times``: capture seconds; ``height``: lowest visible foot point above the floor in
    pixels (0 in contact, NaN where no foot is visible); ``conf``: 0-1 clarity of each
    frame's evidence; ``foot_x``/``foot_y``: tracked foot point in upright pixels (NaN when
    unknown); ``rois``: the foot region used, shape (n_frames, 4) as x, y, w, h.
    ``floor_y``: the floor's contact line (upright px row); ``shadow_px``: how far above
    the level the foot bottom rests at it was found (px: contact shadow merged with the
    resting foot, floorline.py; 0 if none seen). ``sunk``: per frame, how far below the
    contact line (px, >= 0) the foot reads where it is clearly below the level it rests at
    most of the time (a sole part the camera loses in flat stance shows while the heel is
    up), 0 elsewhere, NaN where no foot is seen; None: 0 everywhere. ``feet``: per frame the
    lowest points (x, y upright px) of the foot-sized blobs lighter [0] and darker [1] than
    the floor and of the foreground as a whole [2], shape (n_frames, 3, k, 2), NaN where
    fewer (stance.py); None: not measured.
    ``foot_px``: the foot's length (upright px; 0: unknown).
    """

    times: np.ndarray
    height: np.ndarray
    conf: np.ndarray
    foot_x: np.ndarray
    foot_y: np.ndarray
    rois: np.ndarray
    floor_y: float
    px_noise: float = 0.5
    warnings: list[str] = field(default_factory=list)
    shadow_px: float = 0.0
    sunk: np.ndarray | None = None
    feet: np.ndarray | None = None
    foot_px: float = 0.0

    def __post_init__(self) -> None:
        for name in ("times", "height", "conf", "foot_x", "foot_y", "rois"):
            arr = np.asarray(getattr(self, name))
            if arr.dtype.kind not in "fiu":
                raise LegrsiError(f"FootSignal.{name} must be an array of numbers")
            setattr(self, name, arr)
        if self.times.ndim != 1:
            raise LegrsiError(f"FootSignal.times must be 1-D, got shape {self.times.shape}")
        n = len(self.times)
        for name in ("height", "conf", "foot_x", "foot_y"):
            if getattr(self, name).shape != (n,):
                raise LegrsiError(f"FootSignal.{name} must have shape ({n},)")
        if self.sunk is not None:
            self.sunk = np.asarray(self.sunk, float)
            if self.sunk.shape != (n,):
                raise LegrsiError(f"FootSignal.sunk must have shape ({n},)")
        if self.feet is not None:
            self.feet = np.asarray(self.feet, float)
            if self.feet.ndim != 4 or self.feet.shape[0] != n or self.feet.shape[1::2] != (3, 2):
                raise LegrsiError(f"FootSignal.feet must have shape ({n}, 3, k, 2)")
        if self.rois.shape != (n, 4):
            raise LegrsiError(f"FootSignal.rois must have shape ({n}, 4)")
        if not np.all(np.isfinite(self.times)):
            raise LegrsiError("frame times must be finite numbers of seconds")
        if n > 1 and np.any(np.diff(self.times) <= 0):
            raise LegrsiError("frame times must increase")
        if np.any(np.isinf(self.height)):
            raise LegrsiError("foot heights must be finite (NaN where no foot is seen)")

    def __len__(self) -> int:
        return len(self.times)

    def raw_height(self) -> np.ndarray:
        """``height`` minus ``sunk`` (px, shape (n,)): negative where the foot reads below
        its usual resting level."""
        return self.height if self.sunk is None else self.height - self.sunk


@dataclass(frozen=True)
class Rep:
    """One take-off from the floor with the contact before it and the flight after it.

    Durations are seconds (None where the clip gives no such phase); ``rsi`` is
    flight / contact; ``jump_height_m`` = g * flight^2 / 8.
    """

    clip: str
    leg: str
    set: int
    rep: int
    touchdown: Event | None
    takeoff: Event
    landing: Event | None
    contact_s: float | None
    flight_s: float | None
    rsi: float | None
    jump_height_m: float | None

    @property
    def source(self) -> Source:
        """``manual`` if any of the rep's events was edited by hand."""
        evs = (self.touchdown, self.takeoff, self.landing)
        return "manual" if any(e is not None and e.source == "manual" for e in evs) else "auto"


@dataclass
class Analysis:
    """Everything ``analyze_video`` found in one clip."""

    info: VideoInfo
    signal: FootSignal
    initial_contact: bool
    events: list[Event]
    reps: list[Rep]
    legs: list[str]
    warnings: list[str] = field(default_factory=list)
    corrections_applied: int = 0
