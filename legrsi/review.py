"""`legrsi review`: an OpenCV window to check and correct the detected events frame by frame.

The logic lives in :mod:`legrsi.review_state` (keys as names); this module turns cv2 key
codes into those names, draws the frame, the overlay and the timeline strips, runs the loop
and saves the corrections file (docs/corrections.md).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from .analyze import analyze_video
from .corrections import CorrectionSet, corrections_path, from_json, read_text
from .corrections import save_corrections as _save
from .fileio import ensure_dir
from .framecache import FrameCache
from .metrics import PAUSE_S
from .review_draw import render
from .review_state import ReviewState
from .types import Analysis, LegrsiError, VideoError

WINDOW_PREFIX = "legrsi review"
_SPECIAL = {
    # X11 keysyms (Qt and GTK backends)
    65361: "Left", 65362: "Up", 65363: "Right", 65364: "Down", 65360: "Home", 65367: "End",
    65307: "Escape",
    # Windows (waitKeyEx gives the virtual key in the high word)
    2424832: "Left", 2490368: "Up", 2555904: "Right", 2621440: "Down", 2359296: "Home",
    2293760: "End",
    # macOS (Cocoa)
    63234: "Left", 63232: "Up", 63235: "Right", 63233: "Down", 63273: "Home", 63275: "End",
}
_SHIFT = {65505, 65506}


class KeyDecoder:
    """cv2.waitKeyEx codes -> key names of :data:`legrsi.review_state.KEYS`.

    OpenCV's Qt backend reports Shift as a key of its own and letters in lower case, so a
    Shift press makes the next letter upper case (``D``/``A``); GTK adds modifier bits above
    the low 16 bits, which are dropped.
    """

    def __init__(self) -> None:
        self.shift = False

    def __call__(self, code: int) -> str | None:
        """The key name for ``code`` (-1 = no key -> None)."""
        if code < 0:
            return None
        if code in _SPECIAL:
            self.shift = False
            return _SPECIAL[code]
        low = code & 0xFFFF
        if low in _SHIFT:
            self.shift = True
            return None
        if low in _SPECIAL:
            self.shift = False
            return _SPECIAL[low]
        shift, self.shift = self.shift, False
        if low == 27:
            return "Escape"
        if low == 32:
            return "space"
        if 33 <= low < 127:
            ch = chr(low)
            return ch.upper() if shift and ch.isalpha() else ch
        return None


@dataclass
class ReviewOutcome:
    """What a review session did: the corrections file, how many corrections it now
    holds, whether it was saved, and backups made of a previous (corrupt/changed) file."""

    path: Path
    corrections: int = 0
    saved: bool = False
    discarded: bool = False
    backups: list[Path] = field(default_factory=list)


def screen_size() -> tuple[int, int]:
    """Width, height in pixels of the main screen (1280x800 if it cannot be found)."""
    with contextlib.suppress(Exception):
        if sys.platform == "win32":
            user32 = ctypes.windll.user32  # type: ignore[attr-defined]
            return int(user32.GetSystemMetrics(0)), int(user32.GetSystemMetrics(1))
        name = ctypes.util.find_library("X11")
        if name and os.environ.get("DISPLAY"):
            x11 = ctypes.CDLL(name)
            x11.XOpenDisplay.restype = ctypes.c_void_p
            x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
            x11.XDefaultScreen.argtypes = [ctypes.c_void_p]
            x11.XDisplayWidth.argtypes = x11.XDisplayHeight.argtypes = [ctypes.c_void_p,
                                                                        ctypes.c_int]
            x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
            dpy = x11.XOpenDisplay(None)
            if dpy:
                scr = x11.XDefaultScreen(dpy)
                w, h = x11.XDisplayWidth(dpy, scr), x11.XDisplayHeight(dpy, scr)
                x11.XCloseDisplay(dpy)
                if w > 0 and h > 0:
                    return int(w), int(h)
    return 1280, 800


def fit_size(width: int, height: int, screen: tuple[int, int],
             extra_h: int) -> tuple[int, int]:
    """Display size (pixels) of a width x height frame so that frame + ``extra_h`` pixels
    of strips fit in 92 % x 88 % of ``screen``."""
    avail_w = screen[0] * 0.92
    avail_h = max(120.0, screen[1] * 0.88 - extra_h)
    s = min(avail_w / width, avail_h / height)
    return max(2, int(width * s)), max(2, int(height * s))


def check_display() -> None:
    """Raise LegrsiError if no window can be opened (headless OpenCV, no $DISPLAY)."""
    gui = [ln for ln in cv2.getBuildInformation().splitlines() if ln.strip().startswith("GUI:")]
    if gui and gui[0].split(":", 1)[1].strip().upper() == "NONE":
        raise LegrsiError("this OpenCV has no window support (opencv-python-headless?); "
                          "install opencv-python")
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or
                                                 os.environ.get("WAYLAND_DISPLAY")):
        raise LegrsiError("review needs a display, but $DISPLAY is not set (use a desktop "
                          "session, ssh -X, or xvfb-run)")


def run_review(video: Path, out_dir: Path, leg: str = "left", capture_fps: float | None = None,
               roi: str | None = None, pause_s: float = PAUSE_S,
               echo: Callable[[str], None] = lambda s: None,
               analysis: Analysis | None = None) -> ReviewOutcome:
    """Open the review window on ``video`` and run it until the user quits.

    ``analysis``: the automatic result (``analyze_video`` without corrections) if already
    computed with these settings; otherwise the clip is analysed first. Corrections are read
    from and saved to ``out_dir/<clip stem>.corrections.json``. ``echo`` receives warning
    lines for the terminal.
    """
    check_display()
    video = Path(video)
    ensure_dir(Path(out_dir))
    path = corrections_path(out_dir, video)
    if analysis is None:
        echo(f"{video.name}: analysing (automatic events)...")
        analysis = analyze_video(video, leg=leg, capture_fps=capture_fps, roi=roi,
                                 pause_s=pause_s)
    if analysis.corrections_applied:
        raise LegrsiError("review needs the automatic result, not a corrected one")
    info = analysis.info
    loaded = read_text(path)
    cs = CorrectionSet(video.name, capture_fps=info.capture_fps)
    expected = loaded
    if loaded is not None:
        try:
            cs = from_json(loaded, str(path))
        except LegrsiError as exc:
            echo(f"Warning: {exc}; starting without it (it is backed up when you save)")
            expected = None
    sheet_h = 112
    disp_w, disp_h = fit_size(info.width, info.height, screen_size(), sheet_h)
    size = (disp_w, disp_h) if disp_w < info.width else None
    outcome = ReviewOutcome(path, len(cs.corrections))
    with FrameCache(info, size=size) as cache:
        n = min(len(cache), len(analysis.signal.times))
        times = analysis.signal.times[:n]
        state = ReviewState(times, [e for e in analysis.events if e.frame < n],
                            analysis.initial_contact, cs.corrections, cs.history)
        if state.load_problem:
            echo(f"Warning: {path.name}: {state.load_problem}")
            expected = None

        def save() -> bool:
            nonlocal expected
            cs.corrections, cs.history = list(state.corrections), list(state.history)
            cs.capture_fps, cs.frame_count = info.capture_fps, n
            try:
                backup = _save(path, cs, expected, times)
                expected = read_text(path)
            except LegrsiError as exc:
                state.message = f"save failed: {exc}"
                return False
            state.saved()
            outcome.saved, outcome.corrections = True, len(cs.corrections)
            state.message = f"saved {len(cs.corrections)} corrections to {path.name}"
            if backup is not None:
                outcome.backups.append(backup)
                state.message += f" (previous file kept as {backup.name})"
            return True

        title = f"{WINDOW_PREFIX} - {video.name}"
        _loop(state, cache, title, (disp_w, disp_h), sheet_h, save, analysis.legs, pause_s,
              video.name)
        outcome.discarded = state.dirty
    return outcome


def _open_window(title: str, size: tuple[int, int]) -> None:
    if sys.platform.startswith("linux") and os.path.isdir("/usr/share/fonts"):
        os.environ.setdefault("QT_QPA_FONTDIR", "/usr/share/fonts")  # the wheel ships none
    cv2.namedWindow(title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
    cv2.resizeWindow(title, *size)


def _loop(state: ReviewState, cache: FrameCache, title: str, disp: tuple[int, int],
          sheet_h: int, save: Callable[[], bool], legs: list[str], pause_s: float,
          clip: str) -> None:
    """The window loop: draw when something changed, read a key, act, prefetch when idle."""
    keys = KeyDecoder()
    canvas_w = max(disp[0], 800)
    _open_window(title, (canvas_w, disp[1] + sheet_h))
    last_sig: tuple[object, ...] | None = None
    idle_work = True
    try:
        while True:
            sig = (state.frame, len(state.history), state.message, state.show_help,
                   state.pending, state.confirm_quit, state.playing, state.dirty,
                   tuple(state.events))
            if sig != last_sig:
                try:
                    img = cache[state.frame]
                except VideoError as exc:          # damaged data: say so, keep the edits
                    img = np.zeros((disp[1], disp[0], 3), np.uint8)
                    state.message = str(exc)
                    sig = (*sig[:2], state.message, *sig[3:])
                canvas = render(state, img, disp, canvas_w, sheet_h, clip, legs, pause_s)
                cv2.imshow(title, canvas)
                last_sig = sig
                idle_work = True
            wait = 1 if state.playing else (5 if idle_work else 40)
            name = keys(cv2.waitKeyEx(wait))
            if cv2.getWindowProperty(title, cv2.WND_PROP_VISIBLE) < 1:
                if not state.dirty:
                    return
                _open_window(title, (canvas_w, disp[1] + sheet_h))   # closed: ask first
                last_sig = None
                if not state.confirm_quit:
                    state.press("q")
                continue
            if name is None:
                if state.playing:
                    state.tick()
                elif idle_work:
                    idle_work = cache.prefetch()
                continue
            command = state.press(name)
            if command == "save":
                save()
            elif command == "save_quit":
                if save():
                    return
            elif command == "quit":
                return
    finally:
        with contextlib.suppress(cv2.error):
            cv2.destroyWindow(title)
        with contextlib.suppress(cv2.error):
            cv2.waitKey(1)
