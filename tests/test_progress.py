"""Progress bar: silent off a terminal, readable on one, copes with approximate totals."""

from __future__ import annotations

import io
import time

import pytest

from legrsi.progress import ProgressBar


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_silent_when_not_a_terminal() -> None:
    out = io.StringIO()
    with ProgressBar("clip: analysing", 100, stream=out) as bar:
        for k in range(0, 101, 10):
            bar(k)
    assert not bar.enabled and out.getvalue() == ""


def test_draws_on_a_terminal() -> None:
    out = _Tty()
    with ProgressBar("clip: writing video", 200, stream=out, min_interval=0.0) as bar:
        bar(1)
        time.sleep(0.02)
        bar(100)
    text = out.getvalue()
    assert text.startswith("\rclip: writing video") and text.endswith("\n")
    assert "50%" in text and "100/200 frames" in text and "fps" in text and "ETA" in text
    assert "clip: writing video  100 frames in" in text.splitlines()[-1]


def test_line_fits_and_total_is_a_hint() -> None:
    bar = ProgressBar("x" * 30, 100, stream=_Tty())
    bar(10)
    now = time.monotonic() + 1.0
    bar(50)
    assert len(bar.line(now, 60)) <= 60 + 10  # the bar shrinks; only the label can overflow
    assert "[" in bar.line(now, 120)
    bar(150)  # more frames than the container said
    assert "150 frames" in bar.line(now) and "%" not in bar.line(now)


def test_cleared_on_error() -> None:
    out = _Tty()
    with pytest.raises(KeyboardInterrupt), ProgressBar("a", 10, stream=out,
                                                       min_interval=0.0) as bar:
        bar(3)
        raise KeyboardInterrupt
    assert out.getvalue().endswith("\r\x1b[K") and "\n" not in out.getvalue()
