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
        self._last_draw = -1e9
        self._drawn = False
        self._closed = False

    def __call__(self, done: int) -> None:
        """Record that ``done`` frames are finished (and redraw if due)."""
        self.done = max(self.done, int(done))
        now = time.monotonic()
        if self.enabled and now - self._last_draw >= self.min_interval:
            self._last_draw = now
            self._write(self.line(now - self.start))

    def rate(self, elapsed: float) -> float:
        """Frames per second so far."""
        return self.done / elapsed if elapsed > 0 else 0.0

    def line(self, elapsed: float) -> str:
        """The text of the bar after ``elapsed`` seconds."""
        rate = self.rate(elapsed)
        total = self.total
        if total is not None and self.done > total:  # the frame count was only a hint
            total = None
        parts = [self.label]
        if total is not None:
            frac = self.done / total
            fill = int(frac * BAR_CELLS)
            parts.append("[" + "#" * fill + "-" * (BAR_CELLS - fill) + f"] {frac * 100:3.0f}%")
            parts.append(f"{self.done}/{total} {self.unit}")
        else:
            parts.append(f"{self.done} {self.unit}")
        if rate > 0:
            parts.append(f"{rate:.0f} fps")
            if total is not None:
                parts.append(f"ETA {_clock((total - self.done) / rate)}")
        return "  ".join(parts)

    def _write(self, text: str) -> None:
        width = shutil.get_terminal_size((80, 24)).columns - 1
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
        elapsed = time.monotonic() - self.start
        text = f"{self.label}  {self.done} {self.unit} in {elapsed:.1f} s"
        if self.done and elapsed > 0:
            text += f" ({self.rate(elapsed):.0f} fps)"
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
