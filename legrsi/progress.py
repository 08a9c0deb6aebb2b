"""A one-line terminal progress bar for long steps (decoding/analysis, video writing).

The library reports progress through plain callbacks (``progress(frames_done)``); the CLI
creates a :class:`ProgressBar` on stderr and passes it as that callback. The bar draws
nothing unless its stream is a terminal (so logs and pipes stay clean).
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

BAR_CELLS = 24


def _clock(seconds: float) -> str:
    s = max(0, int(round(seconds)))
    return f"{s // 60}:{s % 60:02d}"


class ProgressBar:
    """``label [#####-----]  45%  1234/2740 frames  212 fps  ETA 0:07`` on one line.

    ``total``: expected number of frames (may be approximate or None; the bar copes when the
    count passes it); ``enabled``: None = only when ``stream`` is a terminal. Call the object
    with the number of frames done; :meth:`close` ends the line with the elapsed time.
    Redraws at most every ``min_interval`` seconds.
    """

    def __init__(self, label: str, total: int | None = None, stream: TextIO | None = None,
                 enabled: bool | None = None, unit: str = "frames",
                 min_interval: float = 0.1) -> None:
        self.label = label
        self.total = total if total and total > 0 else None
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.unit = unit
        self.min_interval = min_interval
        self.done = 0
        self.start = time.monotonic()
        self._first: tuple[float, int] | None = None
        self._last_draw = -1e9
        self._drawn = False
        self._closed = False

    def __call__(self, done: int) -> None:
        """Record that ``done`` frames are finished (and redraw if due)."""
        now = time.monotonic()
        if self._first is None and done > 0:  # rate counted from the first report: set-up
            self._first = (now, int(done))    # work before it (e.g. locating) is excluded
        self.done = max(self.done, int(done))
        if self.enabled and now - self._last_draw >= self.min_interval:
            self._last_draw = now
            self._write(self.line(now, self._width()))

    def rate(self, now: float) -> float:
        """Frames per second since the first report (0 while unknown)."""
        if self._first is None or now <= self._first[0]:
            return 0.0
        return (self.done - self._first[1]) / (now - self._first[0])

    def line(self, now: float, width: int = 79) -> str:
        """The text of the bar at monotonic time ``now``, at most ``width`` characters."""
        rate = self.rate(now)
        total = self.total
        if total is not None and self.done > total:  # the frame count was only a hint
            total = None
        tail = [f"{self.done}/{total} {self.unit}" if total else f"{self.done} {self.unit}"]
        if rate > 0:
            tail.append(f"{rate:.0f} fps")
            if total is not None:
                tail.append(f"ETA {_clock((total - self.done) / rate)}")
        text = "  ".join(tail)
        if total is not None:
            frac = self.done / total
            pct = f"{frac * 100:3.0f}%"
            cells = min(BAR_CELLS, width - len(self.label) - len(text) - len(pct) - 7)
            bar = ("[" + "#" * int(frac * cells) + "-" * (cells - int(frac * cells)) + "] "
                   if cells >= 6 else "")
            text = f"{bar}{pct}  {text}"
        return f"{self.label}  {text}"

    def _width(self) -> int:
        return shutil.get_terminal_size((80, 24)).columns - 1

    def _write(self, text: str) -> None:
        width = self._width()
        if len(text) > width:  # a wrapped line could not be redrawn in place
            text = text[: max(width - 1, 0)] + "~"
        self.stream.write("\r" + text + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def close(self, note: str = "") -> None:
        """End the bar: ``label  N frames in 12.3 s (212 fps)`` and a newline."""
        if self._closed:
            return
        self._closed = True
        if not self.enabled:
            return
        now = time.monotonic()
        elapsed = now - self.start
        text = f"{self.label}  {self.done} {self.unit} in {elapsed:.1f} s"
        if self.done and elapsed > 0:
            text += f" ({self.done / elapsed:.0f} fps)"
        self._write(text + (f"  {note}" if note else ""))
        self.stream.write("\n")
        self.stream.flush()

    def clear(self) -> None:
        """Erase the bar's line without a summary (e.g. before printing an error)."""
        if self.enabled and self._drawn and not self._closed:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
        self._closed = True

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if exc is None:
            self.close()
        else:
            self.clear()
