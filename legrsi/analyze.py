"""The analysis pipeline: clip -> foot signal -> events -> reps (the public Python API)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable
from pathlib import Path

from . import events as events_mod
from . import tracking
from .corrections import correct_events
from .metrics import PAUSE_S, build_reps, parse_legs
from .types import Analysis, FootSignal, LegrsiError, NoMovementError, Roi, VideoInfo
from .video import FrameReader, probe

ProgressFn = Callable[[int], None]


MOVING_FLOOR_NOTE = ("the floor moves (a treadmill): contacts are the stances of the feet the "
                     "belt carries along; the plot's curve is the lowest foot point only")


def analyze_video(path: Path | str, leg: str | list[str] = "left",
                  capture_fps: float | None = None, roi: Roi | str | None = None,
                  pause_s: float = PAUSE_S, progress: ProgressFn | None = None, *,
                  corrections: Path | str | None = None) -> Analysis:
    """Analyse one clip: every ground contact and flight of the foot near the floor.

    ``leg``: "left", "right", "both" or a comma list naming the sets in order;
    ``capture_fps``: real capture rate (frames per second) for slow-motion exports;
    ``roi``: foot region "X,Y,W,H" in upright pixels (found automatically if None);
    ``pause_s``: a contact longer than this many seconds is a standing pause between sets;
    ``progress``: called with the number of frames decoded so far;
    ``corrections``: a corrections file (docs/corrections.md) applied to the detected events.
    Raises LegrsiError subclasses with one-line messages for unusable input.
    """
    path = Path(path)
    legs = parse_legs(leg) if isinstance(leg, str) else list(leg)
    info = probe(path, capture_fps)
    region = Roi.parse(roi) if isinstance(roi, str) else roi
    try:
        # the feet points of a moving floor (stance.py) only for both feet together (a run)
        both = all(leg == "both" for leg in legs)
        candidates = tracking.track(info, region, progress=progress, feet=both)
    except NoMovementError as exc:
        raise NoMovementError(f"{exc}{_why_nothing(info)}") from exc
    signal = events_mod.pick_signal(candidates, info.capture_fps)
    initial_contact, events, moving = events_mod.detect_path(signal, info.capture_fps)
    applied = 0
    fixes: list[str] = []
    if corrections is not None:
        events, initial_contact, applied, fixes = correct_events(
            corrections, events, initial_contact, signal.times)
    reps = build_reps(events, initial_contact, path.stem, legs, pause_s)
    warnings = list(signal.warnings) + fixes
    if moving:
        warnings.append(MOVING_FLOOR_NOTE)
    warnings.extend(_passer_by_warnings(signal, info.capture_fps))
    warnings.extend(_time_base_warnings(info, reps))
    n_sets = max((r.set for r in reps), default=0)
    if len(legs) > 1 and n_sets != len(legs):
        warnings.append(f"--leg names {len(legs)} sets but {n_sets} were found "
                        "(sets are separated by a standing pause)")
    return Analysis(info=info, signal=signal, initial_contact=initial_contact, events=events,
                    reps=reps, legs=legs, warnings=warnings, corrections_applied=applied)


def _why_nothing(info: VideoInfo) -> str:
    """A hint for a clip where no movement was found: too short or too dark ("" if neither)."""
    looks: list[float] = []
    n = 0
    with contextlib.suppress(LegrsiError):
        for n, frame in enumerate(itertools.islice(FrameReader(info), 240), 1):
            if n % 8 == 1:
                looks.append(float(frame.image.mean()))
    if 0 < n < 8:
        return f"; the clip has only {n} frame{'s' * (n > 1)}, too short to measure a hop"
    if looks and max(looks) < 35:
        return (f"; the clip is very dark (mean brightness {max(looks):.0f} of 255): "
                "film in more light")
    return ""


def _passer_by_warnings(signal: FootSignal, fps: float) -> list[str]:
    return [f"frames {s}-{e - 1}: someone walked through the foot region (on the floor where "
            "they came into or left the view, no flight): not taken for the athlete"
            for s, e in events_mod.passers_by(signal, fps)]


def _time_base_warnings(info, reps) -> list[str]:  # type: ignore[no-untyped-def]
    flights = [r.flight_s for r in reps if r.flight_s is not None]
    if info.capture_fps_given or not flights:
        return []
    if max(flights) > 1.0 or (info.container_fps <= 60 and max(flights) > 0.8):
        return [f"flights last up to {max(flights):.2f} s at {info.container_fps:g} fps: this "
                "looks like a slow-motion export; give the capture rate with --fps (e.g. 240)"]
    return []
