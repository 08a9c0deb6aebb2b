"""Corrections through `legrsi analyze`, the review's key decoding and drawing (no window)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import HopClip

from legrsi.analyze import analyze_video
from legrsi.cli import main
from legrsi.corrections import CorrectionSet, corrections_path, save_corrections
from legrsi.review import KeyDecoder, check_display, fit_size
from legrsi.review_draw import render
from legrsi.review_state import ReviewState
from legrsi.types import Analysis, LegrsiError


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as fh:
        return list(csv.DictReader(fh))


def _review(analysis: Analysis, keys: list[str]) -> ReviewState:
    s = ReviewState(analysis.signal.times, analysis.events, analysis.initial_contact)
    s.press_all(keys)
    return s


def _save(state: ReviewState, out: Path, clip: HopClip) -> Path:
    path = corrections_path(out, clip.path)
    save_corrections(path, CorrectionSet(clip.path.name, state.corrections, clip.fps,
                                         clip.n_frames, state.history), None,
                     state.times)
    return path


def _analyze(clip: HopClip, out: Path, *extra: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["analyze", str(clip.path), "--out", str(out),
                                    "--no-video", "--no-plot", *extra])
    return res.exit_code, res.output


def test_analyze_applies_corrections_and_ignore_flag(hop_clip: HopClip,
                                                     hop_analysis: Analysis,
                                                     tmp_path: Path) -> None:
    t0 = hop_analysis.events[0].frame
    state = _review(hop_analysis, ["n", "a", "a", "t"])         # take-off 2 frames earlier
    path = _save(state, tmp_path, hop_clip)
    code, output = _analyze(hop_clip, tmp_path)
    assert code == 0, output
    rows = _rows(tmp_path / "hops.csv")
    assert rows[0]["takeoff_frame"] == str(t0 - 2) and rows[0]["source"] == "manual"
    assert all(r["source"] == "auto" for r in rows[1:])
    assert float(rows[0]["takeoff_s"]) == pytest.approx(
        (hop_analysis.signal.times[t0 - 3] + hop_analysis.signal.times[t0 - 2]) / 2, abs=1e-5)
    a = analyze_video(hop_clip.path, corrections=path)
    assert a.corrections_applied == 1 and a.reps[0].source == "manual"
    code, output = _analyze(hop_clip, tmp_path, "--ignore-corrections")
    assert code == 0 and "applied" not in output
    assert _rows(tmp_path / "hops.csv")[0]["takeoff_frame"] == str(t0)


def test_corrupt_corrections_file_is_a_clear_error_and_left_alone(
        hop_clip: HopClip, tmp_path: Path) -> None:
    path = corrections_path(tmp_path, hop_clip.path)
    path.write_text('{"format": "legrsi-corrections", "version": 1, "corrections": [')
    code, output = _analyze(hop_clip, tmp_path)
    assert code == 1
    assert "Error: " in output and "corrupt corrections file" in output
    assert path.read_text().endswith("[")
    code, _ = _analyze(hop_clip, tmp_path, "--ignore-corrections")
    assert code == 0


def test_corrections_of_another_clip_are_refused(hop_clip: HopClip, hop_analysis: Analysis,
                                                 tmp_path: Path) -> None:
    n = len(hop_analysis.signal.times)
    state = ReviewState(np.arange(n + 500) / hop_clip.fps, [], True)
    state.goto(n + 100)
    state.press("t")
    path = _save(state, tmp_path, hop_clip)
    with pytest.raises(LegrsiError, match="beyond the clip"):
        analyze_video(hop_clip.path, corrections=path)


def test_key_decoder() -> None:
    k = KeyDecoder()
    assert [k(c) for c in (65363, 65361, 65362, 65364, 2555904, 2424832, 27, 32, -1)] == [
        "Right", "Left", "Up", "Down", "Right", "Left", "Escape", "space", None]
    assert [k(c) for c in (65505, ord("d"), ord("d"))] == [None, "D", "d"]   # Qt: Shift, d
    assert k(ord("D") | (1 << 16)) == "D"                                  # GTK: modifiers
    assert k(65506) is None and k(65363) == "Right" and k(ord("a")) == "a"


def test_fit_size_keeps_aspect_and_fits_screen() -> None:
    w, h = fit_size(1920, 1080, (1280, 800), 112)
    assert w <= 1280 * 0.92 and h + 112 <= 800 * 0.88 + 1
    assert abs(w / h - 16 / 9) < 0.01
    w, h = fit_size(1080, 1920, (1920, 1080), 112)
    assert h <= 1080 and w < h


def test_render_every_mode(hop_clip: HopClip, hop_analysis: Analysis) -> None:
    state = _review(hop_analysis, ["n", "d", "t"])
    frame = np.full((hop_clip.height, hop_clip.width, 3), 128, np.uint8)
    disp = fit_size(hop_clip.width, hop_clip.height, (1280, 800), 112)
    for keys in ([], ["h"], ["h", "n", "n"], ["g"], ["End"], ["q"]):
        state.press_all(keys)
        img = render(state, frame, disp, max(disp[0], 800), 112, "hops.mp4", ["left"], 0.8)
        assert img.shape == (disp[1] + 112, max(disp[0], 800), 3)


def test_check_display_without_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    with pytest.raises(LegrsiError, match="needs a display"):
        check_display()
