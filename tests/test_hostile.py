"""Hostile input: damaged, odd or wrong files and places give a result with a warning or a
one-line error and a non-zero exit; never a traceback, never a hang (the CLI runs in a
subprocess with a timeout). The corpus is built by tests/hostile_corpus.py."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hostile_corpus import Case, build

from legrsi.cli import main
from legrsi.fileio import atomic_write_text
from legrsi.report import COLUMNS, write_results_csv
from legrsi.types import Analysis, LegrsiError, VideoError
from legrsi.video import FrameReader, VideoSink, probe

TIMEOUT_S = 90  # per CLI run: generous for a loaded 2-core machine, but never a hang

CASE_NAMES = [
    "base.mp4", "truncated_35.mp4", "truncated_70.mp4", "truncated_header.mp4",
    "truncated_no_index.mp4", "flipped.mp4", "empty.mp4", "notes.mp4", "one_frame.mp4",
    "audio_only.mp4", "odd_size.mkv", "mjpeg.avi", "h264.mkv", "renamed_mkv.mp4", "vp9.webm",
    "pts_backwards.mkv", "pts_repeat.mkv", "dark.mp4", "no_person.mp4",
]


def run_cli(*args: str | Path, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``legrsi ARGS`` in a fresh interpreter, bounded in time; never a traceback."""
    proc = subprocess.run([sys.executable, "-m", "legrsi", *map(str, args)],
                          capture_output=True, text=True, timeout=TIMEOUT_S, cwd=cwd,
                          env={**os.environ, **(env or {})})
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


def error_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("Error")]


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Non-zero exit and exactly one error line (containing every needle)."""
    assert proc.returncode != 0, proc.stdout + proc.stderr
    lines = error_lines(proc.stderr)
    assert len(lines) == 1, proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Case]]:
    folder = tmp_path_factory.mktemp("hostile")
    cases = build(folder)
    assert sorted(cases) == sorted(CASE_NAMES)
    return folder, cases


@pytest.fixture(scope="session")
def analyzed(corpus: tuple[Path, dict[str, Case]], tmp_path_factory: pytest.TempPathFactory
             ) -> dict[str, tuple[subprocess.CompletedProcess[str], Path]]:
    """``legrsi analyze`` of every corpus clip, each in its own process and output folder
    (two at a time: the runs are independent)."""
    folder, _ = corpus
    outs = tmp_path_factory.mktemp("hostile_out")

    def one(name: str) -> tuple[subprocess.CompletedProcess[str], Path]:
        out = outs / Path(name).stem
        return run_cli("analyze", folder / name, "--out", out, "--no-video", "--no-plot",
                       "-q"), out

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(CASE_NAMES, pool.map(one, CASE_NAMES), strict=True))


@pytest.mark.parametrize("name", CASE_NAMES)
def test_analyze_hostile_clip(corpus: tuple[Path, dict[str, Case]],
                              analyzed: dict[str, tuple[subprocess.CompletedProcess[str], Path]],
                              name: str) -> None:
    case = corpus[1][name]
    proc, out = analyzed[name]
    csv_path = out / f"{Path(name).stem}.csv"
    if case.ok:
        assert proc.returncode == 0, proc.stderr
        assert not error_lines(proc.stderr), proc.stderr
        assert csv_path.read_text().splitlines()[0] == ",".join(COLUMNS)
        if case.warn:
            assert any(ln.startswith("Warning") and case.warn in ln
                       for ln in proc.stderr.splitlines()), proc.stderr
    else:
        assert proc.returncode == 1
        assert_one_line_error(proc, name, case.error or "")
        assert not csv_path.exists()
    if out.exists():
        assert not list(out.glob(".*")), list(out.iterdir())  # no temp files left


def test_damaged_packets_are_skipped_not_fatal(corpus: tuple[Path, dict[str, Case]]) -> None:
    folder, _ = corpus
    n_base = sum(1 for _ in FrameReader(probe(folder / "base.mp4")))
    reader = FrameReader(probe(folder / "flipped.mp4"))
    times = np.array([f.time for f in reader])
    assert len(times) >= 0.9 * n_base            # nearly all of the clip is analysed
    assert np.all(np.diff(times) > 0)
    assert times[-1] > 0.95 * (n_base - 1) / 120  # up to the end, not stopped midway
    assert len(reader.warnings) == 1 and reader.packets_skipped > 0
    assert f"skipped {reader.packets_skipped} damaged packet" in reader.warnings[0]


def test_truncated_clip_keeps_its_timing(corpus: tuple[Path, dict[str, Case]]) -> None:
    folder, _ = corpus
    frames = list(FrameReader(probe(folder / "truncated_70.mp4")))
    assert 0.5 * 342 < len(frames) < 342
    assert frames[-1].time == pytest.approx(frames[-1].index / 120, abs=1e-6)


@pytest.mark.parametrize("name", ["empty.mp4", "notes.mp4", "truncated_no_index.mp4",
                                  "audio_only.mp4", "missing.mp4", "."])
def test_review_refuses_bad_input_in_one_line(corpus: tuple[Path, dict[str, Case]],
                                              tmp_path: Path, name: str) -> None:
    folder, _ = corpus
    proc = run_cli("review", folder / name, "--out", tmp_path, env={"DISPLAY": ":97"})
    assert_one_line_error(proc)
    assert not list(tmp_path.iterdir())


def test_compare_bad_inputs(corpus: tuple[Path, dict[str, Case]], tmp_path: Path) -> None:
    folder, _ = corpus
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "junk.csv").write_bytes(b"\xff\xfe\x00\x01garbage")
    (tmp_path / "headers.csv").write_text(",".join(COLUMNS) + "\n"
                                          + "x,left,1,1,,,,nan,inf,,,auto\n")
    proc = run_cli("compare", folder / "base.mp4", folder / "notes.mp4", tmp_path / "empty.csv",
                   tmp_path / "junk.csv", tmp_path / "headers.csv", "--no-figure", "--out",
                   tmp_path / "cmp")
    assert_one_line_error(proc, "nothing to compare")
    assert proc.stderr.count("warning:") == 5
    proc = run_cli("compare", "--battery", folder / "base.mp4", "--out", tmp_path / "cmp")
    assert_one_line_error(proc, "base.mp4")
    assert not (tmp_path / "cmp").exists()
    proc = run_cli("compare", tmp_path / "no such.csv")
    assert proc.returncode == 2 and "does not exist" in error_lines(proc.stderr)[0]


def test_awkward_paths_and_missing_output_folder(corpus: tuple[Path, dict[str, Case]],
                                                 tmp_path: Path) -> None:
    folder, _ = corpus
    src = tmp_path / "my clips ü" / "Sprünge rechts 跳 (1).mp4"
    src.parent.mkdir()
    shutil.copy(folder / "base.mp4", src)
    src.parent.chmod(0o555)                      # read-only input folder
    out = tmp_path / "résultats d'été" / "new folder"
    try:
        proc = run_cli("analyze", src, "--out", out, "--leg", "right", "-q",
                       "--video-height", "144")
    finally:
        src.parent.chmod(0o755)
    assert proc.returncode == 0, proc.stderr
    stem = "Sprünge rechts 跳 (1)"
    assert (out / f"{stem}.csv").read_text(encoding="utf-8").startswith("clip,")
    assert (out / f"{stem}.png").stat().st_size > 0
    assert (out / f"{stem}.annotated.mp4").stat().st_size > 0
    assert sorted(p.name for p in src.parent.iterdir()) == [src.name]  # input untouched


def test_analyze_bad_places_and_options(corpus: tuple[Path, dict[str, Case]],
                                        tmp_path: Path) -> None:
    folder, _ = corpus
    clip = folder / "base.mp4"
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    runner = CliRunner()
    cases = [
        (["--out", str(a_file / "out")], "Not a directory"),        # folder under a file
        (["--out", str(a_file)], "cannot create output folder"),    # the folder is a file
        (["--fps", "nan"], "--fps"),
        (["--fps", "-240"], "--fps"),
        (["--roi", "1,2,x"], "--roi"),
        (["--leg", "middle"], "--leg"),
    ]
    for extra, needle in cases:
        res = runner.invoke(main, ["analyze", str(clip), "--no-video", "--no-plot",
                                   "--out", str(tmp_path / "o"), *extra])
        assert res.exit_code == 1, (extra, res.output)
        lines = [ln for ln in res.output.splitlines() if ln.startswith("Error")]
        assert len(lines) == 1 and needle in lines[0], (extra, res.output)
        assert res.exception is None or isinstance(res.exception, SystemExit)
    for path in (tmp_path / "missing.mp4", tmp_path):
        res = runner.invoke(main, ["analyze", str(path), "--out", str(tmp_path / "o")])
        assert res.exit_code == 1 and res.output.count("Error") == 1, res.output


def _enospc(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_disk_full_while_writing_results(hop_analysis: Analysis, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    previous = write_results_csv(hop_analysis, tmp_path)
    before = previous.read_bytes()
    monkeypatch.setattr(Path, "write_text", _enospc)
    with pytest.raises(LegrsiError, match="No space left on device"):
        write_results_csv(hop_analysis, tmp_path)
    with pytest.raises(LegrsiError, match="No space left on device"):
        atomic_write_text(tmp_path / "new.json", "{}")
    assert previous.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [previous.name]


def test_disk_full_through_the_cli(hop_clip, tmp_path: Path,  # type: ignore[no-untyped-def]
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "hops.csv").write_text("previous results\n")
    monkeypatch.setattr(Path, "write_text", _enospc)
    res = CliRunner().invoke(main, ["analyze", str(hop_clip.path), "--out", str(out),
                                    "--no-video", "--no-plot"])
    assert res.exit_code == 1
    assert "Error: cannot write" in res.output and "No space left on device" in res.output
    assert (out / "hops.csv").read_text() == "previous results\n"
    assert [p.name for p in out.iterdir()] == ["hops.csv"]


class _FullDisk:
    """Stands in for a PyAV stream whose encoder output can no longer be written."""

    def __init__(self, stream: object, on_flush_only: bool) -> None:
        self.stream, self.on_flush_only = stream, on_flush_only

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)

    def encode(self, frame: object = None) -> list[object]:
        if frame is None or not self.on_flush_only:
            _enospc()
        return self.stream.encode(frame)  # type: ignore[attr-defined]


@pytest.mark.parametrize("on_flush_only", [False, True])
def test_disk_full_while_writing_video(tmp_path: Path, on_flush_only: bool) -> None:
    target = tmp_path / "clip.annotated.mp4"
    target.write_bytes(b"previous video")
    img = np.full((64, 96, 3), 128, np.uint8)
    with pytest.raises(LegrsiError, match="No space left on device"):
        with VideoSink(target, 30, 96, 64) as sink:
            sink.write(img)
            sink._stream = _FullDisk(sink._stream, on_flush_only)  # type: ignore[assignment]
            sink.write(img)
    assert target.read_bytes() == b"previous video"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_probe_refusals_are_video_errors(corpus: tuple[Path, dict[str, Case]]) -> None:
    folder, _ = corpus
    for name, needle in [("empty.mp4", "empty"), ("notes.mp4", "not a readable video"),
                         ("audio_only.mp4", "no video stream"),
                         ("truncated_no_index.mp4", "incomplete")]:
        with pytest.raises(VideoError, match=needle):
            probe(folder / name)
    with pytest.raises(VideoError, match="--fps"):
        probe(folder / "base.mp4", capture_fps=float("inf"))
