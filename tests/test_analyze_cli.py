"""`legrsi analyze` end to end: CSV contents against truth, bad input as one-line errors."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from legrsi.cli import main
from legrsi.report import COLUMNS
from legrsi.video import VideoSink

SAMPLES = Path(__file__).resolve().parent.parent / "sample_videos"


def _run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, list(args))
    return res.exit_code, res.output  # click >= 8.2: output holds stdout and stderr


def test_csv_columns_and_rows_match_truth(hop_clip, tmp_path: Path) -> None:
    code, out = _run("analyze", str(hop_clip.path), "--leg", "right", "--out", str(tmp_path),
                     "--no-video", "--no-plot")
    assert code == 0, out
    rows = list(csv.DictReader((tmp_path / f"{hop_clip.path.stem}.csv").open()))
    assert list(rows[0].keys())[: len(COLUMNS)] == COLUMNS
    takeoffs = [f for k, _, f in hop_clip.events if k == "takeoff"]
    assert len(rows) == len(takeoffs)
    for row, true_to in zip(rows, takeoffs, strict=True):
        assert row["leg"] == "right" and row["source"] == "auto"
        assert abs(int(row["takeoff_frame"]) - true_to) <= 1
    assert rows[0]["touchdown_frame"] == ""  # standing start
    assert rows[1]["touchdown_frame"] != "" and float(rows[1]["rsi"]) > 0
    flight = float(rows[0]["flight_ms"]) / 1000
    assert float(rows[0]["jump_height_cm"]) == pytest.approx(100 * 9.80665 * flight**2 / 8,
                                                             abs=0.06)
    assert "rsi" in out and "right" in out  # per-leg summary printed


def _not_a_video(tmp: Path) -> Path:
    p = tmp / "notes.mp4"
    p.write_text("this is not a video\n")
    return p


def _truncated(tmp: Path) -> Path:
    p = tmp / "truncated.mp4"
    p.write_bytes((SAMPLES / "hops_left_240fps.mp4").read_bytes()[:20000])
    return p


def _empty(tmp: Path) -> Path:
    p = tmp / "empty.mp4"
    p.write_bytes(b"")
    return p


def _static(tmp: Path) -> Path:
    p = tmp / "static.mp4"
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (120, 160, 3), np.uint8)
    with VideoSink(p, 240, 160, 120) as sink:
        for _ in range(60):
            sink.write(img)
    return p


@pytest.mark.parametrize("make, words", [
    (lambda t: t / "missing.mp4", "no such file"),
    (_not_a_video, "not a readable video"),
    (_truncated, "not a readable video"),
    (_empty, "empty"),
    (_static, "no movement"),
])
def test_bad_input_one_line_error(make, words: str, tmp_path: Path) -> None:
    video = make(tmp_path)
    code, out = _run("analyze", str(video), "--out", str(tmp_path / "o"), "--no-video",
                     "--no-plot")
    assert code != 0
    assert "Traceback" not in out
    errors = [ln for ln in out.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1 and words in errors[0], out
    assert not list((tmp_path / "o").glob("*.tmp*"))


def test_unwritable_output_folder(hop_clip, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out = _run("analyze", str(hop_clip.path), "--out", str(blocker / "sub"))
    assert code != 0 and "Traceback" not in out
    assert out.count("Error:") == 1 and "output folder" in out


def test_results_replaced_atomically(hop_clip, tmp_path: Path) -> None:
    target = tmp_path / f"{hop_clip.path.stem}.csv"
    target.write_text("previous results\n")
    code, _ = _run("analyze", str(hop_clip.path), "--out", str(tmp_path), "--no-video",
                   "--no-plot")
    assert code == 0
    assert target.read_text().startswith("clip,leg,set")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert oct(os.stat(target).st_mode & 0o777) != oct(0o600)


def test_slowmo_export_warns_without_fps(tmp_path: Path) -> None:
    clip = SAMPLES / "slowmo_export_30fps.mp4"
    code, out = _run("analyze", str(clip), "--out", str(tmp_path), "--no-video", "--no-plot")
    assert code == 0
    assert "slow-motion export" in out and "--fps" in out
