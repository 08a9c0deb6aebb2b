"""Drawing of the review window: frame, text overlay, help, timeline strips (BGR images)."""

from __future__ import annotations

import bisect

import cv2
import numpy as np

from .corrections import KIND_WORD
from .metrics import build_reps
from .review_state import HELP, ReviewState
from .types import TOUCHDOWN, Event, LegrsiError, Rep

FONT = cv2.FONT_HERSHEY_SIMPLEX
CONTACT_C = (70, 150, 70)
FLIGHT_C = (150, 105, 45)
AUTO_C = (255, 255, 255)
MANUAL_C = (255, 60, 255)
REPLACED_C = (0, 150, 255)
CURSOR_C = (0, 0, 255)
PENDING_C = (0, 230, 255)
TEXT_C = (240, 240, 240)
MSG_C = (0, 230, 255)
ZOOM_HALF = 60          # frames each side of the cursor in the zoom strip


def _text(img: np.ndarray, lines: list[tuple[str, tuple[int, int, int]]], x: int, y: int,
          scale: float, alpha: float = 0.6) -> int:
    """Draw lines on a dark translucent box with top-left (x, y); return the box bottom."""
    if not lines:
        return y
    th = 1 if scale < 0.6 else 2
    sizes = [cv2.getTextSize(t, FONT, scale, th)[0] for t, _ in lines]
    lh = int(max(h for _, h in sizes) * 1.7) + 2
    w = max(s[0] for s in sizes) + 12
    h = lh * len(lines) + 6
    x1, y1 = min(img.shape[1], x + w), min(img.shape[0], y + h)
    if x1 > x and y1 > y:
        roi = img[y:y1, x:x1]
        roi[:] = (roi * (1 - alpha)).astype(np.uint8)
    for k, (t, c) in enumerate(lines):
        cv2.putText(img, t, (x + 6, y + lh * (k + 1) - 2), FONT, scale, c, th, cv2.LINE_AA)
    return y + h


def _phases(state: ReviewState, n: int) -> list[tuple[int, int, bool]]:
    """(start frame, end frame exclusive, is contact) over the whole clip."""
    out = []
    cur, contact = 0, state.initial_contact
    for e in state.events:
        out.append((cur, e.frame, contact))
        cur, contact = e.frame, e.kind == TOUCHDOWN
    out.append((cur, n, contact))
    return [p for p in out if p[1] > p[0]]


def _reps(state: ReviewState, legs: list[str], pause_s: float) -> list[Rep]:
    try:
        return build_reps(state.events, state.initial_contact, "", legs, pause_s)
    except LegrsiError:
        return []


def _ms(a: Event | None, b: Event | None) -> str:
    return f"{(b.time - a.time) * 1000:.1f} ms" if a is not None and b is not None else "-"


def _event_text(e: Event, state: ReviewState) -> str:
    src = ("manual" if state.placed(e) else "confirmed") if e.source == "manual" \
        else f"auto {e.conf:.2f}"
    return f"{KIND_WORD[e.kind]} {e.frame} ({src}, {e.frame - state.frame:+d})"


def overlay_lines(state: ReviewState, clip: str, legs: list[str],
                  pause_s: float) -> list[tuple[str, tuple[int, int, int]]]:
    """The text shown over the frame: position, phase, nearby events, the rep's numbers."""
    f, n = state.frame, state.n_frames
    phase, start, end = state.phase_at(f)
    span = f"{start.frame if start else 0}-{end.frame if end else n}"
    lines = [(f"{clip}   frame {f} / {n - 1}   t = {state.times[f]:.4f} s", TEXT_C),
             (f"{phase.upper()} {span}  ({_ms(start, end)})",
              CONTACT_C if phase == "contact" else (235, 170, 90))]
    on = state.event_at(f)
    if on is not None:
        what = "first frame on the ground" if on.kind == TOUCHDOWN else "first frame in the air"
        lines.append((f">> {KIND_WORD[on.kind].upper()} here ({what})",
                      MANUAL_C if on.source == "manual" else AUTO_C))
    prev = next((e for e in reversed(state.events) if e.frame < f), None)
    nxt = next((e for e in state.events if e.frame > f), None)
    near = [f"prev: {_event_text(prev, state)}" if prev else "",
            f"next: {_event_text(nxt, state)}" if nxt else ""]
    if any(near):
        lines.append(("   ".join(t for t in near if t), TEXT_C))
    for r in _reps(state, legs, pause_s):
        lo = r.touchdown.frame if r.touchdown is not None else r.takeoff.frame
        hi = r.landing.frame if r.landing is not None else n
        if lo <= f < hi:
            contact = f"{r.contact_s * 1000:.1f} ms" if r.contact_s is not None else "-"
            flight = f"{r.flight_s * 1000:.1f} ms" if r.flight_s is not None else "-"
            rsi = f"{r.rsi:.2f}" if r.rsi is not None else "-"
            lines.append((f"set {r.set} rep {r.rep} ({r.leg}, {r.source}): contact {contact}"
                          f"  flight {flight}  RSI {rsi}", TEXT_C))
            break
    if state.pending is not None:
        p = state.pending
        lines.append((f"pending {KIND_WORD[p.kind]} at {p.frame}", PENDING_C))
    return lines


def _x(frame: float, n: int, w: int) -> int:
    return int(round(frame * (w - 1) / max(1, n - 1)))


def draw_overview(strip: np.ndarray, state: ReviewState) -> None:
    """Whole clip: contacts/flights as blocks, events as ticks, the cursor in red."""
    h, w = strip.shape[:2]
    n = state.n_frames
    for s, e, contact in _phases(state, n):
        cv2.rectangle(strip, (_x(s, n, w), 4), (_x(e, n, w), h - 5),
                      CONTACT_C if contact else FLIGHT_C, -1)
    for a in state.replaced_auto():
        x = _x(a.frame, n, w)
        cv2.line(strip, (x, h - 5), (x, h - 1), REPLACED_C, 2)
    for ev in state.events:
        x = _x(ev.frame, n, w)
        cv2.line(strip, (x, 0), (x, h - 1), MANUAL_C if ev.source == "manual" else AUTO_C,
                 2 if ev.source == "manual" else 1)
    if state.pending is not None:
        x = _x(state.pending.frame, n, w)
        cv2.line(strip, (x, 0), (x, h - 1), PENDING_C, 2)
    x = _x(state.frame, n, w)
    cv2.line(strip, (x, 0), (x, h - 1), CURSOR_C, 2)


def draw_zoom(strip: np.ndarray, state: ReviewState, scale: float) -> None:
    """Frames around the cursor, one cell each; an event is a bar at its frame's left edge
    (the boundary between the previous frame and its first frame of the new phase)."""
    h, w = strip.shape[:2]
    lo = state.frame - ZOOM_HALF
    cells = 2 * ZOOM_HALF + 1
    cw = w / cells
    frames = [e.frame for e in state.events]
    for k in range(cells):
        f = lo + k
        if not 0 <= f < state.n_frames:
            continue
        i = bisect.bisect_right(frames, f)
        contact = (state.events[i - 1].kind == TOUCHDOWN) if i > 0 else state.initial_contact
        x0, x1 = int(k * cw), int((k + 1) * cw) - 1
        cv2.rectangle(strip, (x0, 12), (x1, h - 3), CONTACT_C if contact else FLIGHT_C, -1)
        if f % 10 == 0:
            cv2.putText(strip, str(f), (x0 + 1, 10), FONT, 0.33 * scale / 0.5, TEXT_C, 1,
                        cv2.LINE_AA)
    def bar(frame: int, color: tuple[int, int, int], top: int, thick: int) -> None:
        k = frame - lo
        if 0 <= k <= cells:
            x = int(k * cw)
            cv2.line(strip, (x, top), (x, h - 1), color, thick)

    for a in state.replaced_auto():
        bar(a.frame, REPLACED_C, h - 8, 3)
    for ev in state.events:
        bar(ev.frame, MANUAL_C if ev.source == "manual" else AUTO_C, 12, 3)
    if state.pending is not None:
        bar(state.pending.frame, PENDING_C, 0, 3)
    x0 = int(ZOOM_HALF * cw)
    cv2.rectangle(strip, (x0, 11), (int((ZOOM_HALF + 1) * cw), h - 2), CURSOR_C, 2)


def draw_help(img: np.ndarray, scale: float) -> None:
    """The key list over the frame, in two columns, shrunk to fit its height."""
    rows = [(k, d) for k, d in HELP] + [
        ("", "x on a touchdown deletes its contact, on a take-off its flight"),
        ("", "missed contact: g on its first frame, then t on its take-off"),
        ("", "missed flight: t on its first frame, then g on its landing"),
        ("strips", "green contact, blue flight, white automatic event, magenta manual,"),
        ("", "orange: automatic value replaced, red: cursor, yellow: pending mark")]
    h, w = img.shape[:2]
    lh = min(int(28 * scale / 0.5), (h - 24) // (len(rows) + 1))
    sc = max(0.3, min(scale, lh / 30.0))
    col = int(110 * sc / 0.5)
    width = min(w - 20, col + max(cv2.getTextSize(d, FONT, sc, 1)[0][0] for _, d in rows) + 20)
    y0 = 10
    box = img[y0:y0 + lh * (len(rows) + 1) + 8, 10:10 + width]
    box[:] = (box * 0.2).astype(np.uint8)
    cv2.putText(img, "keys (h: close)", (18, y0 + lh), FONT, sc, MSG_C, 1, cv2.LINE_AA)
    for i, (k, d) in enumerate(rows):
        y = y0 + lh * (i + 2)
        cv2.putText(img, k, (18, y), FONT, sc, MSG_C, 1, cv2.LINE_AA)
        cv2.putText(img, d, (18 + col, y), FONT, sc, TEXT_C, 1, cv2.LINE_AA)


def render(state: ReviewState, frame: np.ndarray, disp: tuple[int, int], canvas_w: int,
           sheet_h: int, clip: str, legs: list[str], pause_s: float) -> np.ndarray:
    """Compose the window image: ``frame`` (BGR, any size) scaled to ``disp`` (w, h) pixels,
    centred in ``canvas_w``, with the overlay, and ``sheet_h`` pixels of strips below."""
    dw, dh = disp
    canvas = np.zeros((dh + sheet_h, canvas_w, 3), np.uint8)
    if frame.shape[1] != dw or frame.shape[0] != dh:
        interp = cv2.INTER_AREA if frame.shape[1] > dw else cv2.INTER_NEAREST
        frame = cv2.resize(frame, (dw, dh), interpolation=interp)
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    x0 = (canvas_w - dw) // 2
    canvas[:dh, x0:x0 + dw] = frame
    scale = float(np.clip(canvas_w / 1500.0, 0.42, 0.7))
    if state.show_help:
        draw_help(canvas[:dh], scale)
    else:
        _text(canvas, overlay_lines(state, clip, legs, pause_s), 8, 8, scale)
    y = dh + 4
    draw_overview(canvas[y:y + 26], state)
    y += 30
    draw_zoom(canvas[y:y + 44], state, scale)
    y += 48
    unsaved = f"{len(state.corrections)} corrections" + (", UNSAVED" if state.dirty else "")
    status = f"{state.message}    [{unsaved}]    h: help"
    color = (0, 0, 255) if state.confirm_quit or state.message.startswith("refused") else MSG_C
    cv2.putText(canvas, status[:220], (8, y + 20), FONT, scale, color, 1, cv2.LINE_AA)
    return canvas
