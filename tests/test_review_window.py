"""`legrsi review` in a real OpenCV window under Xvfb, driven by xdotool key presses.

Skipped (with the reason) only when Xvfb or xdotool is not installed; CI installs the
Debian packages ``xvfb`` and ``xdotool``.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_hop_clip

from legrsi.analyze import analyze_video
from legrsi.cli import main
from legrsi.types import TAKEOFF, TOUCHDOWN

pytestmark = pytest.mark.skipif(
    shutil.which("Xvfb") is None or shutil.which("xdotool") is None,
    reason="needs Xvfb and xdotool (Debian packages: xvfb xdotool)")


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    """A private Xvfb server; yields its DISPLAY value."""
    r, w = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1280x800x24",
                             "-nolisten", "tcp"], pass_fds=(w,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w)
    try:
        num = b""
        deadline = time.monotonic() + 20
        while not num.endswith(b"\n") and time.monotonic() < deadline:
            chunk = os.read(r, 16)
            if not chunk:
                break
            num += chunk
        if not num.strip():
            pytest.fail("Xvfb did not start")
        yield f":{num.decode().strip()}"
    finally:
        os.close(r)
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def xdo(disp: str, *args: str, timeout: float = 60) -> str:
    env = dict(os.environ, DISPLAY=disp)
    res = subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True,
                         timeout=timeout)
    return res.stdout


def moves(src: int, dst: int) -> list[str]:
    d = dst - src
    big, small = divmod(abs(d), 10)
    return ["Up" if d > 0 else "Down"] * big + ["Right" if d > 0 else "Left"] * small


def rows(path: Path) -> list[dict[str, str]]:
    with path.open() as fh:
        return list(csv.DictReader(fh))


def _session(display: str, clip: Path, out: Path, keys: list[str]) -> tuple[int, str, str]:
    """Run `legrsi review` in the window, type ``keys``, wait for it to end."""
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    proc = subprocess.Popen([sys.executable, "-m", "legrsi", "review", str(clip),
                             "--out", str(out)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        win = ""
        deadline = time.monotonic() + 120
        while not win and time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"review ended before its window opened: {proc.communicate()}")
            win = xdo(display, "search", "--name", "legrsi review").strip()
            time.sleep(0.2)
        assert win, "no review window after 120 s"
        xdo(display, "windowfocus", "--sync", win.split()[0])
        time.sleep(1.0)    # the first frame is drawn; then one key per loop turn
        xdo(display, "key", "--delay", "200", *keys)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, stdout, stderr


def test_review_window_edit_save_and_reanalyse(display: str, tmp_path: Path) -> None:
    clip = make_hop_clip(tmp_path / "hops3.mp4", n_hops=3)
    out = tmp_path / "out"
    auto = analyze_video(clip.path).events
    assert [e.kind for e in auto] == [TAKEOFF, TOUCHDOWN] * 3
    t0, l0, t1 = auto[0].frame, auto[1].frame, auto[2].frame

    # the session: move the first take-off 2 frames later; delete the contact l0-t1 (as if
    # it were false); add a contact back by hand (as if it had been missed): touchdown at
    # l0+1, take-off at t1-1; save; quit
    keys = ["n", "d", "d", "t", "n", "x", "d", "g", *moves(l0 + 1, t1 - 1), "t", "s", "q"]
    code, stdout, stderr = _session(display, clip.path, out, keys)
    assert code == 0, stderr

    saved = json.loads((out / "hops3.corrections.json").read_text())
    got = sorted((c["action"], c["kind"], c.get("frame"), (c["auto"] or {}).get("frame"))
                 for c in saved["corrections"])
    assert got == sorted([("move", TAKEOFF, t0 + 2, t0), ("delete", TOUCHDOWN, None, l0),
                          ("delete", TAKEOFF, None, t1), ("add", TOUCHDOWN, l0 + 1, None),
                          ("add", TAKEOFF, t1 - 1, None)])
    assert len(saved["history"]) == 3 and all(h["at"] for h in saved["history"])
    assert "corrections" in stdout

    before = (out / "hops3.corrections.json").read_bytes()
    res = CliRunner().invoke(main, ["analyze", str(clip.path), "--out", str(out),
                                    "--no-video", "--no-plot"])
    assert res.exit_code == 0, res.output
    assert "applied 5 manual corrections" in res.output
    table = rows(out / "hops3.csv")
    assert [(r["takeoff_frame"], r["source"]) for r in table] == [
        (str(t0 + 2), "manual"), (str(t1 - 1), "manual"), (str(auto[4].frame), "auto")]
    assert table[0]["landing_frame"] == str(l0 + 1)
    assert table[1]["touchdown_frame"] == str(l0 + 1)
    assert (out / "hops3.corrections.json").read_bytes() == before   # never rewritten

    res = CliRunner().invoke(main, ["analyze", str(clip.path), "--out", str(out),
                                    "--no-video", "--no-plot", "--ignore-corrections"])
    assert res.exit_code == 0, res.output
    table = rows(out / "hops3.csv")
    assert [r["takeoff_frame"] for r in table] == [str(t0), str(t1), str(auto[4].frame)]
    assert {r["source"] for r in table} == {"auto"}


def test_review_backs_up_corrupt_file_and_asks_before_dropping_edits(
        display: str, tmp_path: Path) -> None:
    clip = make_hop_clip(tmp_path / "hops.mp4", n_hops=2)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "hops.corrections.json"
    target.write_text("{ half a file")
    # q with unsaved edits asks; x answers "go back"; s saves; q quits
    code, _, stderr = _session(display, clip.path, out, ["n", "d", "t", "q", "x", "u", "u",
                                                         "d", "t", "s", "q"])
    assert code == 0, stderr
    assert "corrupt corrections file" in stderr
    backups = list(out.glob("hops.corrections.json.bak-*"))
    assert len(backups) == 1 and backups[0].read_text() == "{ half a file"
    saved = json.loads(target.read_text())
    assert [c["action"] for c in saved["corrections"]] == ["move"]
    before = target.read_bytes()
    # edits dropped after confirming: the file is not touched
    code, _, stderr = _session(display, clip.path, out, ["n", "x", "Escape", "q"])
    assert code == 0, stderr
    assert "quit without saving" in stderr
    assert target.read_bytes() == before
