"""The annotated video: every analysed frame, upright, with what was measured drawn on it.

Streaming: FrameReader(color=True) -> scale down -> overlay -> VideoSink (H.264 .mp4), one
frame in memory at a time. The picture is framed by a header (phase banner with a running
timer, set/rep, the last rep's results) and a footer (frame number, capture time, and a
timeline strip of the whole clip with a cursor), so the overlay never hides the foot. On the
picture: the foot region, the floor line, the tracked foot point and a coloured border on
event frames. Everything scales with the picture's short side.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .annotate_io import FastSink, output_size, prefetch, scale_picture
from .phases import CONTACT, FLIGHT, STANDING, Phase, last_result, phase_index, phases
from .types import TAKEOFF, Analysis, Event, LegrsiError, Rep
from .video import FrameReader, even

ProgressFn = Callable[[int], None]
BGR = tuple[int, int, int]

DEFAULT_PLAYBACK_FPS = 30.0
DEFAULT_VIDEO_HEIGHT = 720
COLORS: dict[str, BGR] = {
    CONTACT: (0, 100, 225),      # orange-red
    FLIGHT: (200, 120, 15),      # blue
    STANDING: (95, 95, 95),      # grey
    "touchdown": (0, 100, 225),
    "takeoff": (60, 190, 40),    # green
    "manual": (220, 40, 220),    # magenta: edited by hand
    "panel": (38, 38, 38),
    "rsi": (40, 215, 255),       # amber: the number that matters
    "text": (255, 255, 255),
    "dim": (175, 175, 175),
    "roi": (0, 215, 255),        # yellow
    "floor": (255, 255, 0),      # cyan
    "unseen": (40, 40, 150),     # dark red: no foot visible
}
FONT = cv2.FONT_HERSHEY_DUPLEX
_CAP_PX = cv2.getTextSize("H", FONT, 1.0, 1)[0][1]  # cap height (px) at scale 1
EVENT_HOLD_S = 0.4  # an event's label stays this many seconds of playback


def annotated_path(analysis: Analysis, out_dir: Path | str) -> Path:
    """``out_dir/<clip stem>.annotated.mp4``."""
    return Path(out_dir) / f"{analysis.info.path.stem}.annotated.mp4"


def _ms(seconds: float | None) -> str:
    return "--" if seconds is None else f"{seconds * 1000:.0f} ms"


def rep_cells(rep: Rep) -> list[str]:
    """Display texts of a rep's results: contact, flight, RSI, jump height."""
    contact = "standing start" if rep.touchdown is None else f"contact {_ms(rep.contact_s)}"
    return [contact, f"flight {_ms(rep.flight_s)}",
            "RSI " + ("--" if rep.rsi is None else f"{rep.rsi:.2f}"),
            "jump " + ("--" if rep.jump_height_m is None else f"{rep.jump_height_m * 100:.1f} cm")]


@dataclass(frozen=True)
class Layout:
    """Pixel layout of the output frame: picture (pw, ph) between header and footer."""

    pw: int
    ph: int
    unit: float      # pixels per 1/720 of the picture's short side
    banner_h: int    # phase banner
    line_h: int      # one text line of the results panel / footer
    panel_lines: int
    strip_h: int     # timeline strip
    margin: int

    @property
    def header_h(self) -> int:
        return self.banner_h + self.panel_lines * self.line_h

    @property
    def footer_h(self) -> int:
        return self.line_h + self.strip_h

    @property
    def size(self) -> tuple[int, int]:
        """Output frame (width, height) in pixels (even)."""
        return self.pw, self.header_h + self.ph + self.footer_h


def make_layout(pw: int, ph: int) -> Layout:
    """Layout for a picture of pw x ph pixels; text sizes scale with its short side."""
    u = min(pw, ph) / 720.0
    banner_h = even(max(24, round(76 * u)))
    line_h = even(max(16, round(48 * u)))
    strip_h = even(max(20, round(56 * u)))
    margin = max(4, round(14 * u))
    # results on one line if they fit at the panel text size, else on two lines
    scale = _scale_for(line_h * 0.5)
    sample = "Rep 88:   " + "   ".join(rep_cells(_SAMPLE_REP)) + "   (edited)"
    one = cv2.getTextSize(sample, FONT, scale, 1)[0][0] + 2 * margin <= pw
    return Layout(pw, ph, u, banner_h, line_h, 1 if one else 2, strip_h, margin)


def _scale_for(cap_px: float) -> float:
    return cap_px / _CAP_PX


def _thick(scale: float) -> int:
    return max(1, round(scale * 1.6))


def _segments(img: np.ndarray, segs: list[tuple[str, BGR]], x: int, y: int, scale: float,
              max_w: int) -> None:
    """Draw coloured texts side by side (baseline y), shrunk together to fit ``max_w`` px."""
    gap = cv2.getTextSize("   ", FONT, scale, _thick(scale))[0][0]
    total = sum(cv2.getTextSize(t, FONT, scale, _thick(scale))[0][0] for t, _ in segs)
    total += gap * (len(segs) - 1)
    if total > max_w > 0:
        scale *= max_w / total
        gap = round(gap * max_w / total)
    for text, color in segs:
        x += _text(img, text, x, y, scale, color) + gap


def _text(img: np.ndarray, text: str, x: int, y: int, scale: float, color: BGR,
          max_w: int | None = None, align: str = "left") -> int:
    """Draw ``text`` with its baseline at y; shrink it to fit ``max_w`` px; return its width."""
    th = _thick(scale)
    w = cv2.getTextSize(text, FONT, scale, th)[0][0]
    if max_w is not None and w > max_w > 0:
        scale *= max_w / w
        th = _thick(scale)
        w = cv2.getTextSize(text, FONT, scale, th)[0][0]
    if align == "right":
        x -= w
    elif align == "center":
        x -= w // 2
    cv2.putText(img, text, (int(x), int(y)), FONT, scale, color, th, cv2.LINE_AA)
    return w


class Annotator:
    """Draws the overlay for one analysed clip; ``render(index, time, picture)`` returns the
    output frame (BGR, shape (height, width, 3) of :attr:`layout`.size)."""

    def __init__(self, analysis: Analysis, pw: int, ph: int,
                 playback_fps: float = DEFAULT_PLAYBACK_FPS) -> None:
        self.a = analysis
        self.n = len(analysis.signal)
        self.layout = make_layout(pw, ph)
        self.sx = pw / analysis.info.width
        self.sy = ph / analysis.info.height
        self.playback_fps = playback_fps
        self.phases: list[Phase] = phases(analysis)
        self.phase_of = phase_index(self.phases, self.n)
        self.result_of = last_result(analysis.reps, self.n)
        self.events = sorted(analysis.events, key=lambda e: e.frame)
        self._event_frames = np.array([e.frame for e in self.events], np.int64)
        self._hold = max(1, round(EVENT_HOLD_S * playback_fps))
        w, h = self.layout.size
        self.canvas = np.zeros((h, w, 3), np.uint8)
        self.strip = self._timeline()
        lay = self.layout  # plain backgrounds, copied per frame (faster than filling)
        self._bg = {k: np.full((lay.banner_h, w, 3), COLORS[k], np.uint8)
                    for k in (CONTACT, FLIGHT, STANDING)}
        self._bg["panel"] = np.full((lay.panel_lines * lay.line_h, w, 3), COLORS["panel"],
                                    np.uint8)
        self._bg["footer"] = np.full((lay.line_h, w, 3), COLORS["panel"], np.uint8)

    # ----- timeline strip (drawn once) -----
    def _x_of(self, frame: float) -> int:
        lay = self.layout
        span = max(self.n - 1, 1)
        return round(lay.margin + frame / span * (lay.pw - 2 * lay.margin - 1))

    def _timeline(self) -> np.ndarray:
        lay = self.layout
        strip = np.full((lay.strip_h, lay.pw, 3), COLORS["panel"], np.uint8)
        top, bot = round(lay.strip_h * 0.08), round(lay.strip_h * 0.56)
        for ph in self.phases:
            x0, x1 = self._x_of(ph.start - 0.5), self._x_of(ph.end - 0.5)
            cv2.rectangle(strip, (x0, top), (max(x0, x1 - 1), bot), COLORS[ph.kind], -1)
        unseen = np.flatnonzero(~np.isfinite(self.a.signal.height))
        for f in unseen:  # frames without a visible foot: a red mark under the bar
            x = self._x_of(f)
            strip[bot + 1: bot + 1 + max(2, round(3 * lay.unit)), x] = COLORS["unseen"]
        for ev in self.events:
            x = self._x_of(ev.frame - 0.5)
            col = COLORS["manual"] if ev.source == "manual" else COLORS["text"]
            cv2.line(strip, (x, top - max(1, round(3 * lay.unit))), (x, bot), col,
                     max(1, round(1.5 * lay.unit)))
        scale = _scale_for(lay.strip_h * 0.27)
        for ph in self.phases:  # rep numbers in flight blocks wide enough
            if ph.kind != FLIGHT or ph.rep is None:
                continue
            x0, x1 = self._x_of(ph.start), self._x_of(ph.end)
            label = str(self.a.reps[ph.rep].rep)
            tw = cv2.getTextSize(label, FONT, scale, 1)[0][0]
            if x1 - x0 > tw + 4:
                _text(strip, label, (x0 + x1) // 2, (top + bot) // 2 + round(lay.strip_h * 0.135),
                      scale, COLORS["text"], align="center")
        t = self.a.signal.times
        dur = float(t[-1] - t[0]) if self.n > 1 else 0.0
        label_w = cv2.getTextSize("88.5 s", FONT, scale, 1)[0][0]
        px_per_s = (lay.pw - 2 * lay.margin) / max(dur, 1e-6)
        step = next((s for s in (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
                     if s * px_per_s >= 1.8 * label_w), 120.0)
        k = math.ceil(t[0] / step) if self.n else 0
        while self.n and k * step <= t[-1]:
            f = float(np.interp(k * step, t, np.arange(self.n)))
            x = self._x_of(f)
            cv2.line(strip, (x, bot), (x, bot + round(lay.strip_h * 0.12)), COLORS["dim"], 1)
            if k > 0:
                _text(strip, f"{k * step:g} s", x, round(lay.strip_h * 0.95), scale,
                      COLORS["dim"], align="center")
            k += 1
        return strip

    # ----- per frame -----
    def _recent_event(self, index: int) -> Event | None:
        k = int(np.searchsorted(self._event_frames, index, side="right")) - 1
        if k < 0:
            return None
        ev = self.events[k]
        return ev if index - ev.frame < self._hold else None

    def render(self, index: int, time: float, picture: np.ndarray) -> np.ndarray:
        """The output frame for analysed frame ``index`` at capture ``time`` (s);
        ``picture``: BGR upright frame, already scaled to the layout's picture size."""
        lay = self.layout
        c = self.canvas
        y0 = lay.header_h
        c[y0: y0 + lay.ph] = picture
        j = int(self.phase_of[index]) if 0 <= index < self.n else -1
        ph = self.phases[j] if j >= 0 else None
        self._draw_banner(c, index, time)
        self._draw_panel(c, index)
        self._draw_picture(c, index, ph)
        self._draw_footer(c, index, time)
        return c

    def state(self, index: int, time: float) -> tuple[str, float | None, Rep | None]:
        """Phase kind shown at frame ``index`` (capture ``time`` s), the running timer in
        seconds since the phase's event (None: standing or unknown start) and its rep."""
        j = int(self.phase_of[index]) if 0 <= index < self.n else -1
        if j < 0:
            return STANDING, None, None
        ph = self.phases[j]
        timer = None
        if ph.start_time is not None and ph.kind != STANDING:
            timer = max(0.0, time - ph.start_time)
        return ph.kind, timer, self.a.reps[ph.rep] if ph.rep is not None else None

    def _draw_banner(self, c: np.ndarray, index: int, time: float) -> None:
        lay = self.layout
        kind, timer, rep = self.state(index, time)
        c[: lay.banner_h] = self._bg[kind]
        scale = _scale_for(lay.banner_h * 0.5)
        base = round(lay.banner_h * 0.75)
        label = {CONTACT: "CONTACT", FLIGHT: "FLIGHT", STANDING: "STANDING"}[kind]
        if timer is not None:
            label += f"  {timer * 1000:.0f} ms"
        right = f"{rep.leg.upper()}  SET {rep.set}  REP {rep.rep}" if rep is not None else ""
        half = lay.pw // 2 - lay.margin
        _text(c, label, lay.margin, base, scale, COLORS["text"], max_w=half + lay.margin)
        if right:
            _text(c, right, lay.pw - lay.margin, base, scale * 0.8, COLORS["text"],
                  max_w=half - lay.margin, align="right")

    def _draw_panel(self, c: np.ndarray, index: int) -> None:
        lay = self.layout
        y = lay.banner_h
        c[y: lay.header_h] = self._bg["panel"]
        scale = _scale_for(lay.line_h * 0.5)
        r = int(self.result_of[index]) if 0 <= index < self.n else -1
        if r < 0:
            _text(c, "no rep finished yet", lay.margin, y + round(lay.line_h * 0.72), scale,
                  COLORS["dim"], max_w=lay.pw - 2 * lay.margin)
            return
        rep = self.a.reps[r]
        manual = rep.source == "manual"
        contact, flight, rsi, jump = rep_cells(rep)
        head = (f"Rep {rep.rep}:", COLORS["manual"] if manual else COLORS["dim"])
        segs = [head, (contact, COLORS["text"]), (flight, COLORS["text"]),
                (rsi, COLORS["rsi"]), (jump, COLORS["text"])]
        if manual:
            segs.append(("(edited)", COLORS["manual"]))
        lines = [segs] if lay.panel_lines == 1 else [segs[:3], segs[3:]]
        for k, line in enumerate(lines):
            _segments(c, line, lay.margin, y + round(lay.line_h * (k + 0.72)), scale,
                      lay.pw - 2 * lay.margin)

    def _draw_picture(self, c: np.ndarray, index: int, ph: Phase | None) -> None:
        lay = self.layout
        sig = self.a.signal
        y0 = lay.header_h
        u = lay.unit
        if not 0 <= index < self.n:
            return
        x, y, w, h = sig.rois[index]
        p0 = (round(x * self.sx), round(y * self.sy) + y0)
        p1 = (round((x + w) * self.sx), round((y + h) * self.sy) + y0)
        cv2.rectangle(c, p0, p1, COLORS["roi"], max(1, round(1.5 * u)), cv2.LINE_AA)
        fy = round(sig.floor_y * self.sy) + y0
        dash = max(4, round(10 * u))
        for xx in range(p0[0], p1[0], 2 * dash):
            cv2.line(c, (xx, fy), (min(xx + dash, p1[0]), fy), COLORS["floor"],
                     max(1, round(1.5 * u)))
        fx_, fy_ = sig.foot_x[index], sig.foot_y[index]
        if math.isfinite(fx_) and math.isfinite(fy_):
            pt = (round(fx_ * self.sx), round(fy_ * self.sy) + y0)
            kind = ph.kind if ph is not None else STANDING
            rad = max(3, round(7 * u))
            cv2.circle(c, pt, rad + max(1, round(2 * u)), COLORS["text"], -1, cv2.LINE_AA)
            cv2.circle(c, pt, rad, COLORS[kind], -1, cv2.LINE_AA)
        else:
            _text(c, "foot not seen", p0[0], max(y0 + round(20 * u), p0[1] - round(6 * u)),
                  _scale_for(max(7.0, 14 * u)), COLORS["unseen"])
        ev = self._recent_event(index)
        if ev is None:
            return
        col = COLORS["manual"] if ev.source == "manual" else COLORS[ev.kind]
        name = "TAKE-OFF" if ev.kind == TAKEOFF else "TOUCHDOWN"
        if ev.source == "manual":
            name += " (manual)"
        if ev.frame == index:  # the exact event frame: a thick border around the picture
            t = max(3, round(8 * u))
            cv2.rectangle(c, (t // 2, y0 + t // 2), (lay.pw - 1 - t // 2, y0 + lay.ph - 1 - t // 2),
                          col, t)
        label = f"{name}  frame {ev.frame}"
        scale = _scale_for(max(8.0, 22 * u))
        th = _thick(scale)
        (tw, tht), _ = cv2.getTextSize(label, FONT, scale, th)
        pad = max(3, round(8 * u))
        lx = min(max(lay.margin, p0[0]), lay.pw - tw - 2 * pad - lay.margin)
        ly = max(y0 + tht + 3 * pad, p0[1] - pad)
        cv2.rectangle(c, (lx, ly - tht - 2 * pad), (lx + tw + 2 * pad, ly), col, -1)
        _text(c, label, lx + pad, ly - pad, scale, COLORS["text"])

    def _draw_footer(self, c: np.ndarray, index: int, time: float) -> None:
        lay = self.layout
        y = lay.header_h + lay.ph
        c[y: y + lay.line_h] = self._bg["footer"]
        scale = _scale_for(lay.line_h * 0.44)
        base = y + round(lay.line_h * 0.7)
        info = self.a.info
        slow = info.capture_fps / self.playback_fps
        speed = f"{slow:.3g}x slow motion" if slow > 1.05 else "real time"
        left = f"frame {index}/{self.n - 1}   t {time:.3f} s"
        w = _text(c, left, lay.margin, base, scale, COLORS["text"],
                  max_w=round(lay.pw * 0.58))
        _text(c, f"{info.capture_fps:g} fps, {speed}", lay.pw - lay.margin, base, scale * 0.85,
              COLORS["dim"], max_w=lay.pw - w - 3 * lay.margin, align="right")
        ys = y + lay.line_h
        c[ys: ys + lay.strip_h] = self.strip
        x = self._x_of(index)
        cw = max(1, round(1.5 * lay.unit))
        cv2.rectangle(c, (x - cw, ys + 1), (x + cw, ys + lay.strip_h - 2), COLORS["text"], -1)
        tri = max(3, round(6 * lay.unit))
        pts = np.array([[x - tri, ys], [x + tri, ys], [x, ys + tri]], np.int32)
        cv2.fillConvexPoly(c, pts, COLORS["text"], cv2.LINE_AA)


_SAMPLE_REP = Rep(clip="", leg="left", set=8, rep=88, touchdown=None,
                  takeoff=Event("takeoff", 0, 0.0), landing=None, contact_s=0.888,
                  flight_s=0.888, rsi=8.88, jump_height_m=0.888)


def write_annotated_video(analysis: Analysis, out_dir: Path | str,
                          playback_fps: float = DEFAULT_PLAYBACK_FPS,
                          video_height: int | None = DEFAULT_VIDEO_HEIGHT,
                          progress: ProgressFn | None = None) -> Path:
    """Write ``out_dir/<clip stem>.annotated.mp4`` and return its path.

    Every analysed frame, upright, played back at ``playback_fps`` frames per second (slow
    motion when the capture rate is higher); ``video_height``: the picture's short side in
    pixels (like "720p"; None or 0 = clip size; never upscaled); header and footer are added
    around it. ``progress`` is called with the number of frames written so far.
    """
    if not (math.isfinite(playback_fps) and 1.0 <= playback_fps <= 1000.0):
        raise LegrsiError(f"--playback-fps must be between 1 and 1000, got {playback_fps:g}")
    info = analysis.info
    pw, ph = output_size(info.width, info.height, video_height)
    ann = Annotator(analysis, pw, ph, playback_fps)
    w, h = ann.layout.size
    n = ann.n
    path = annotated_path(analysis, out_dir)

    def pictures() -> Iterator[tuple[int, float, np.ndarray]]:
        # one decoding thread: the encoder is the bottleneck and has the cores; FFmpeg's frame
        # threads here only held more 1080p frames (415 -> 383 MB peak on the benchmark clip,
        # same speed: 45.1 and 44.6 s)
        for frame in FrameReader(info, color=True, threads=1):
            if frame.index >= n:
                break
            yield frame.index, frame.time, scale_picture(frame.image, pw, ph)

    with FastSink(path, playback_fps, w, h) as sink:
        for index, time, picture in prefetch(pictures):
            sink.write(ann.render(index, time, picture))
            if progress is not None and (index % 32 == 0 or index == n - 1):
                progress(index + 1)
        if sink.frames_written == 0:
            raise LegrsiError(f"{info.path.name}: no frames to write to the annotated video")
    return path
