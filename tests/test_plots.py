"""Signal plot: written, titled, every event labelled with its frame; odd inputs survive."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from legrsi.metrics import build_reps
from legrsi.plots import plot_path, signal_figure, write_signal_plot
from legrsi.types import TAKEOFF, Analysis


def _texts(fig) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_plot_written(hop_analysis: Analysis, tmp_path: Path) -> None:
    path = write_signal_plot(hop_analysis, tmp_path)
    assert path == plot_path(hop_analysis, tmp_path) == tmp_path / "hops.png"
    img = cv2.imread(str(path))
    assert img is not None and img.shape[1] > img.shape[0] > 400
    assert [p.name for p in tmp_path.iterdir()] == ["hops.png"]  # no temporary file left


def test_plot_content(hop_analysis: Analysis) -> None:
    a = hop_analysis
    fig = signal_figure(a)
    title = fig.get_suptitle()
    assert "hops.mp4" in title and "240 fps" in title and "leg left" in title
    rsi = [r.rsi for r in a.reps if r.rsi is not None]
    assert f"mean RSI left {np.mean(rsi):.2f}" in title
    texts = _texts(fig)
    for ev in a.events:
        assert f"{'TO' if ev.kind == TAKEOFF else 'TD'} {ev.frame}" in " ".join(texts)
    for r in rsi:
        assert f"{r:.2f}" in texts
    top, bottom = fig.axes[:2]
    assert top.get_xlim() == bottom.get_xlim()  # one time axis
    assert top.get_xlim()[0] <= a.signal.times[0] and top.get_xlim()[1] >= a.signal.times[-1]


def test_plot_manual_unseen_and_no_reps(hop_analysis: Analysis, tmp_path: Path) -> None:
    a = hop_analysis
    events = [replace(e, source="manual", conf=0.3) if i == 0 else e
              for i, e in enumerate(a.events)]
    height = a.signal.height.copy()
    height[50:60] = np.nan
    sig = replace(a.signal, height=height)
    edited = replace(a, events=events, signal=sig,
                     reps=build_reps(events, a.initial_contact, "hops", a.legs))
    texts = " ".join(_texts(signal_figure(edited)))
    assert f"TO {events[0].frame}? (manual)" in texts
    write_signal_plot(edited, tmp_path)
    nothing = replace(a, events=[], reps=[])
    fig = signal_figure(nothing)
    assert "mean RSI --" in fig.get_suptitle()
    assert any("no RSI" in t for t in _texts(fig))
    assert write_signal_plot(nothing, tmp_path).exists()
