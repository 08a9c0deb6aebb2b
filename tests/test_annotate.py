"""Annotated video: frame count, playback rate, upright orientation, overlay at the events."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import HopClip, make_hop_clip

from legrsi.analyze import analyze_video
from legrsi.annotate import (
    COLORS,
    Annotator,
    annotated_path,
    output_size,
    scale_picture,
    write_annotated_video,
)
from legrsi.annotate_io import prefetch
from legrsi.cli import main
from legrsi.metrics import build_reps
from legrsi.phases import CONTACT, FLIGHT, STANDING, phases
from legrsi.types import TAKEOFF, TOUCHDOWN, Analysis, Event, FootSignal, LegrsiError, VideoInfo
from legrsi.video import FrameReader, probe


def _decode(path: Path) -> tuple[list[np.ndarray], float, int]:
    """All frames (BGR) of a video, its nominal frame rate and the frames' rotation."""
    with av.open(str(path)) as c:
        st = c.streams.video[0]
        frames, rot = [], 0
        for f in c.decode(st):
            rot = int(getattr(f, "rotation", 0) or 0)
            frames.append(f.to_ndarray(format="bgr24"))
        return frames, float(st.average_rate), rot


def _close(pixel: np.ndarray, color: tuple[int, int, int], tol: float = 28) -> bool:
    return bool(np.all(np.abs(pixel.astype(float) - np.array(color, float)) <= tol))


def _banner(frame: np.ndarray, ann: Annotator) -> np.ndarray:
    """Median colour of the banner rows above the text."""
    rows = frame[1: max(2, int(ann.layout.banner_h * 0.15))]
    return np.median(rows.reshape(-1, 3), axis=0)


def _first_hop(analysis: Analysis) -> tuple[Event, Event]:
    """Take-off from the standing start and the landing that ends its flight."""
    rep = analysis.reps[0] if analysis.reps else pytest.fail("no take-off detected")
    assert rep.touchdown is None and rep.landing is not None
    return rep.takeoff, rep.landing


def test_output_size() -> None:
    assert output_size(1920, 1080, 720) == (1280, 720)
    assert output_size(1080, 1920, 720) == (720, 1280)  # portrait: 720 is the short side
    assert output_size(640, 360, 720) == (640, 360)  # never upscaled
    assert output_size(641, 361, None) == (640, 360) == output_size(641, 361, 0)
    assert output_size(3840, 2160, 540) == (960, 540)
    with pytest.raises(LegrsiError):
        output_size(640, 360, 8)


@pytest.mark.parametrize("src,dst", [((1080, 1920), (1280, 720)), ((2160, 3840), (1280, 720)),
                                     ((1080, 1920), (852, 480)), ((361, 641), (640, 360)),
                                     ((360, 640), (640, 360))])
def test_scale_picture(src: tuple[int, int], dst: tuple[int, int]) -> None:
    img = np.random.default_rng(0).integers(0, 255, (*src, 3), dtype=np.uint8)
    out = scale_picture(img, *dst)
    assert out.shape == (dst[1], dst[0], 3)
    assert abs(float(out.mean()) - float(img.mean())) < 2.0


def test_video_frames_rate_and_overlay(hop_clip: HopClip, hop_analysis: Analysis,
                                       tmp_path: Path) -> None:
    a = hop_analysis
    n = len(a.signal)
    calls: list[int] = []
    path = write_annotated_video(a, tmp_path, playback_fps=25.0, video_height=None,
                                 progress=calls.append)
    assert path == annotated_path(a, tmp_path) == tmp_path / "hops.annotated.mp4"
    assert calls[-1] == n and calls == sorted(calls)
    frames, rate, rot = _decode(path)
    assert len(frames) == n == hop_clip.n_frames
    assert rate == pytest.approx(25.0) and rot == 0
    ann = Annotator(a, *output_size(a.info.width, a.info.height, None), playback_fps=25.0)
    assert frames[0].shape[:2] == (ann.layout.size[1], ann.layout.size[0])
    info = probe(path)
    assert (info.width, info.height, info.rotation) == ann.layout.size + (0,)

    takeoff, touchdown = _first_hop(a)
    flight_f, contact_f = takeoff.frame + 5, touchdown.frame + 3
    assert ann.state(flight_f, a.signal.times[flight_f])[0] == FLIGHT
    assert ann.state(contact_f, a.signal.times[contact_f])[0] == CONTACT
    assert ann.state(0, a.signal.times[0])[0] == STANDING  # standing start
    fb, cb = _banner(frames[flight_f], ann), _banner(frames[contact_f], ann)
    assert _close(fb, COLORS[FLIGHT]) and _close(cb, COLORS[CONTACT])
    assert np.abs(fb - cb).max() > 100
    # the banner switches exactly at the detected events
    assert _close(_banner(frames[takeoff.frame - 1], ann), COLORS[STANDING])
    assert _close(_banner(frames[takeoff.frame], ann), COLORS[FLIGHT])
    assert _close(_banner(frames[touchdown.frame - 1], ann), COLORS[FLIGHT])
    assert _close(_banner(frames[touchdown.frame], ann), COLORS[CONTACT])
    # a coloured border around the picture on the event frame only
    lay = ann.layout
    edge = (lay.header_h + lay.ph // 2, 1)
    assert _close(frames[takeoff.frame][edge], COLORS["takeoff"], 40)
    assert not _close(frames[takeoff.frame + 1][edge], COLORS["takeoff"], 60)


def test_timer_and_rep_state(hop_analysis: Analysis) -> None:
    a = hop_analysis
    ann = Annotator(a, a.info.width, a.info.height)
    rep = next(r for r in a.reps if r.touchdown is not None)
    k = rep.touchdown.frame + 10
    kind, timer, shown = ann.state(k, a.signal.times[k])
    assert kind == CONTACT and shown == rep
    assert timer == pytest.approx(a.signal.times[k] - rep.touchdown.time)
    k = rep.takeoff.frame + 7
    kind, timer, shown = ann.state(k, a.signal.times[k])
    assert kind == FLIGHT and shown == rep
    assert timer == pytest.approx(a.signal.times[k] - rep.takeoff.time)
    last = a.events[-1]
    assert last.kind == TOUCHDOWN
    kind, timer, _ = ann.state(len(a.signal) - 1, a.signal.times[-1])
    assert kind == STANDING and timer is None  # after the last landing
    # the phases tile the clip
    ph = phases(a)
    assert ph[0].start == 0 and ph[-1].end == len(a.signal)
    assert all(p.end == q.start for p, q in zip(ph, ph[1:], strict=False))


def test_manual_events_drawn_in_their_colour(hop_analysis: Analysis) -> None:
    a = hop_analysis
    events = [replace(e, source="manual") if e.kind == TAKEOFF else e for e in a.events]
    reps = build_reps(events, a.initial_contact, "hops", a.legs)
    edited = replace(a, events=events, reps=reps)
    lay_w, lay_h = a.info.width, a.info.height
    pic = np.full((lay_h, lay_w, 3), 128, np.uint8)
    for analysis, color in ((a, COLORS["takeoff"]), (edited, COLORS["manual"])):
        ann = Annotator(analysis, lay_w, lay_h)
        ev = next(e for e in analysis.events if e.kind == TAKEOFF)
        out = ann.render(ev.frame, ev.time, pic)
        assert _close(out[ann.layout.header_h + lay_h // 2, 1], color, 1)


def test_portrait_clip_is_written_upright(tmp_path: Path) -> None:
    clip = make_hop_clip(tmp_path / "portrait.mp4", width=180, height=320, seed=3, rotate=True,
                         n_hops=1)
    info = probe(clip.path)
    assert (info.width, info.height, info.rotation) == (180, 320, 90)
    a = analyze_video(clip.path)
    path = write_annotated_video(a, tmp_path, video_height=None)
    frames, _, rot = _decode(path)
    assert rot == 0 and len(frames) == len(a.signal)
    ann = Annotator(a, 180, 320)
    lay = ann.layout
    assert frames[0].shape[:2] == (lay.size[1], lay.size[0]) and lay.size[1] > lay.size[0]
    upright = next(f.image for f in FrameReader(info, color=True) if f.index == 20)
    shown = frames[20][lay.header_h: lay.header_h + lay.ph].astype(int)
    assert np.median(np.abs(shown - upright)) < 6  # same picture, same orientation
    rows = shown.mean(axis=(1, 2))
    assert rows[-40:].mean() < rows[:40].mean() - 30  # the dark floor is at the bottom


def test_bad_options(hop_analysis: Analysis, tmp_path: Path) -> None:
    with pytest.raises(LegrsiError, match="playback-fps"):
        write_annotated_video(hop_analysis, tmp_path, playback_fps=0)
    with pytest.raises(LegrsiError, match="video-height"):
        write_annotated_video(hop_analysis, tmp_path, video_height=8)
    assert not list(tmp_path.iterdir())


def test_cli_writes_video_and_plot(hop_clip: HopClip, tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(main, ["analyze", str(hop_clip.path), "--out", str(tmp_path / "a"),
                               "--playback-fps", "24", "--video-height", "120"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "a"
    assert {p.name for p in out.iterdir()} == {"hops.csv", "hops.png", "hops.annotated.mp4"}
    assert "\r" not in res.output  # no progress bar when not on a terminal
    info = probe(out / "hops.annotated.mp4")
    assert info.container_fps == pytest.approx(24.0)
    res = runner.invoke(main, ["analyze", str(hop_clip.path), "--out", str(tmp_path / "b"),
                               "--no-video", "--no-plot", "-q"])
    assert res.exit_code == 0, res.output
    assert {p.name for p in (tmp_path / "b").iterdir()} == {"hops.csv"}


def test_prefetch_order_errors_and_early_stop() -> None:
    assert list(prefetch(lambda: range(50), depth=3)) == list(range(50))

    def broken():  # type: ignore[no-untyped-def]
        yield 1
        raise LegrsiError("damaged")

    with pytest.raises(LegrsiError, match="damaged"):
        list(prefetch(broken))
    closed = []

    def endless():  # type: ignore[no-untyped-def]
        try:
            k = 0
            while True:
                yield k
                k += 1
        finally:
            closed.append(True)

    for k in prefetch(endless, depth=2):
        if k == 5:
            break
    assert closed == [True]
    assert not any(t.name == "legrsi-prefetch" for t in threading.enumerate())


def _fake_analysis(events: list[Event], n: int, legs: list[str]) -> Analysis:
    """An Analysis of an n-frame 240 fps clip with the given events (flat signal)."""
    fps = 240.0
    t = np.arange(n) / fps
    z = np.zeros(n)
    sig = FootSignal(times=t, height=z, conf=z + 1, foot_x=z + 100, foot_y=z + 150,
                     rois=np.tile([80.0, 100.0, 60.0, 60.0], (n, 1)), floor_y=150.0)
    info = VideoInfo(path=Path("fake.mp4"), width=320, height=180, rotation=0,
                     container_fps=fps, capture_fps=fps, codec="h264")
    reps = build_reps(events, True, "fake", legs)
    return Analysis(info=info, signal=sig, initial_contact=True, events=events, reps=reps,
                    legs=legs)


def test_phases_of_two_sets() -> None:
    frames = [(TAKEOFF, 100), (TOUCHDOWN, 180), (TAKEOFF, 240), (TOUCHDOWN, 320),
              (TAKEOFF, 700), (TOUCHDOWN, 780)]
    events = [Event(k, f, (f - 0.4) / 240.0) for k, f in frames]
    a = _fake_analysis(events, 900, ["left", "right"])
    assert [(r.set, r.rep, r.leg) for r in a.reps] == [(1, 1, "left"), (1, 2, "left"),
                                                       (2, 1, "right")]
    got = [(p.kind, p.start, p.end, p.rep) for p in phases(a)]
    assert got == [(STANDING, 0, 100, 0), (FLIGHT, 100, 180, 0), (CONTACT, 180, 240, 1),
                   (FLIGHT, 240, 320, 1), (STANDING, 320, 700, 1), (FLIGHT, 700, 780, 2),
                   (STANDING, 780, 900, 2)]
    ann = Annotator(a, 320, 180)
    assert ann.state(500, 500 / 240)[2] == a.reps[1]  # the pause shows the rep that landed
    assert [int(ann.result_of[f]) for f in (0, 179, 180, 400, 779, 780)] == [-1, -1, 0, 1, 1, 2]
    out = ann.render(899, 899 / 240, np.zeros((180, 320, 3), np.uint8))
    assert out.shape == (*ann.layout.size[::-1], 3)
    empty = _fake_analysis([], 50, ["left"])
    ann = Annotator(empty, 320, 180)
    assert ann.state(10, 10 / 240) == (STANDING, None, None)
    ann.render(10, 10 / 240, np.zeros((180, 320, 3), np.uint8))
