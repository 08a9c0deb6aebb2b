"""No data loss: Ctrl-C (SIGINT) or SIGTERM in the middle of an analysis or of a save leaves
the earlier results intact and no half-written file; automatic runs never touch a
corrections file. The CLI runs in a subprocess (tests/interrupt_harness.py says when the
phase to interrupt is under way)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import HopClip

from legrsi.cli import main
from legrsi.corrections import CorrectionSet, corrections_path, save_corrections

HARNESS = Path(__file__).with_name("interrupt_harness.py")
WAIT_S = 90  # bound for reaching the phase and for exiting after the signal


def previous_results(out: Path, clip: HopClip) -> dict[str, bytes]:
    """Fill ``out`` with an earlier run's files (and a corrections file); their bytes."""
    out.mkdir(parents=True, exist_ok=True)
    stem = clip.path.stem
    (out / f"{stem}.csv").write_text("clip,leg\nearlier,left\n")
    (out / f"{stem}.png").write_bytes(b"earlier plot")
    (out / f"{stem}.annotated.mp4").write_bytes(b"earlier video")
    save_corrections(corrections_path(out, clip.path), CorrectionSet(clip.path.name), None)
    return snapshot(out)


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def interrupt(phase: str, sig: int, clip: HopClip, out: Path, tmp: Path
              ) -> subprocess.CompletedProcess[str]:
    """Run ``legrsi analyze`` and send ``sig`` once ``phase`` is under way."""
    marker = tmp / f"{phase}.reached"
    cmd = [sys.executable, str(HARNESS), phase, str(marker), "analyze", str(clip.path),
           "--out", str(out), "--video-height", "144"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(HARNESS.parent)})
    try:
        deadline = time.monotonic() + WAIT_S
        while not marker.exists():
            if proc.poll() is not None:
                out_, err = proc.communicate()
                pytest.fail(f"ended before the {phase} phase: {proc.returncode}\n{err}")
            assert time.monotonic() < deadline, f"the {phase} phase was never reached"
            time.sleep(0.02)
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=WAIT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


@pytest.mark.parametrize(("phase", "sig"), [
    ("analysis", signal.SIGINT), ("analysis", signal.SIGTERM),
    ("csv", signal.SIGTERM), ("video", signal.SIGINT),
])
def test_interrupt_leaves_earlier_results_intact(hop_clip: HopClip, tmp_path: Path,
                                                 phase: str, sig: int) -> None:
    out = tmp_path / "out"
    before = previous_results(out, hop_clip)
    res = interrupt(phase, sig, hop_clip, out, tmp_path)
    assert res.returncode == 130, res.stderr
    assert "Traceback" not in res.stderr
    assert res.stderr.strip().splitlines()[-1] == "Interrupted"
    after = snapshot(out)
    assert sorted(after) == sorted(before)               # no temporary file left behind
    stem = hop_clip.path.stem
    if phase == "video":                                 # results and plot were complete
        assert after[f"{stem}.csv"].startswith(b"clip,leg,set,rep,")
        del after[f"{stem}.csv"], before[f"{stem}.csv"]
        del after[f"{stem}.png"], before[f"{stem}.png"]
    assert after == before


def test_automatic_run_never_writes_corrections(hop_clip: HopClip, tmp_path: Path) -> None:
    path = corrections_path(tmp_path, hop_clip.path)
    save_corrections(path, CorrectionSet(hop_clip.path.name), None)
    os.utime(path, (1_000_000_000, 1_000_000_000))
    text = path.read_bytes()
    res = CliRunner().invoke(main, ["analyze", str(hop_clip.path), "--out", str(tmp_path),
                                    "--no-video", "--no-plot", "-q"])
    assert res.exit_code == 0, res.output
    assert path.read_bytes() == text and path.stat().st_mtime == 1_000_000_000
    assert (tmp_path / "hops.csv").exists()


def test_corrupt_corrections_are_reported_and_kept(hop_clip: HopClip, tmp_path: Path) -> None:
    path = corrections_path(tmp_path, hop_clip.path)
    path.write_bytes(b'{"format": "legrsi-corrections", "version": 1, "corr\xff')
    (tmp_path / "hops.csv").write_text("earlier\n")
    res = CliRunner().invoke(main, ["analyze", str(hop_clip.path), "--out", str(tmp_path),
                                    "--no-video", "--no-plot"])
    assert res.exit_code == 1
    lines = [ln for ln in res.output.splitlines() if ln.startswith("Error")]
    assert len(lines) == 1 and "corrections" in lines[0] and path.name in lines[0]
    assert path.read_bytes().endswith(b"corr\xff")
    assert (tmp_path / "hops.csv").read_text() == "earlier\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hops.corrections.json", "hops.csv"]
