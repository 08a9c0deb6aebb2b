"""Synthetic clip generator: truth consistency, encoding, rotation, exact floor contact."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from legrsi.synth import (
    SAMPLES,
    SynthSpec,
    Truth,
    event_frame,
    iter_frames,
    make_truth,
    read_truth,
    render_background,
    render_clip,
    write_truth,
)
from legrsi.synth import _setup as synth_setup
from legrsi.synth_motion import evaluate
from legrsi.synth_run import RUN_CONTACT_S, RUN_FLIGHT_S
from legrsi.types import LegrsiError

SMALL = dict(width=320, height=180, preset="ultrafast", n_hops=2)
SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_videos"


def _check_truth(t: Truth, spec: SynthSpec) -> None:
    assert t.n_frames == len(t.foot_height_px) > 0
    times = [e.time for e in t.events]
    assert times == sorted(times) and len(set(times)) == len(times)
    for e in t.events:
        assert e.frame == math.ceil(e.time * spec.fps - 1e-9) == event_frame(e.time, spec.fps)
        assert (e.frame - 1) / spec.fps < e.time <= e.frame / spec.fps + 1e-12
        assert 0 < e.frame < t.n_frames
    for s in sorted({e.set for e in t.events}):
        kinds = [e.kind for e in t.events if e.set == s]
        assert all(a != b for a, b in zip(kinds, kinds[1:], strict=False)), kinds
        assert len({e.leg for e in t.events if e.set == s}) == 1
    rows = t.rows()
    assert len(rows) == sum(e.kind == "takeoff" for e in t.events)
    contact_s, flight_s = ((RUN_CONTACT_S, RUN_FLIGHT_S) if spec.movement == "run"
                           else (spec.contact_s, spec.flight_s))
    for r in rows:
        assert r["takeoff_frame"] is not None
        if r["contact_s"] is not None:
            assert contact_s[0] <= r["contact_s"] <= contact_s[1]
            assert r["touchdown_frame"] <= r["takeoff_frame"]
            if r["flight_s"] is not None:
                assert r["rsi"] == pytest.approx(r["flight_s"] / r["contact_s"])
        if r["flight_s"] is not None:
            assert flight_s[0] <= r["flight_s"] <= flight_s[1]
            assert r["landing_frame"] > r["takeoff_frame"]
            assert r["jump_height_cm"] == pytest.approx(981 * r["flight_s"] ** 2 / 8, rel=1e-3)
    # per-frame stance heights agree with the events: > 0 exactly between take-off and landing
    h = np.array(t.foot_height_px)
    air = np.zeros(t.n_frames, bool)
    for r in rows:
        end = r["landing_frame"] if r["landing_frame"] is not None else t.n_frames
        air[r["takeoff_frame"]:end] = True
    if spec.movement == "drop":  # on the box before the drop: above the floor, not a rep
        air[: t.events[0].frame] = True
    assert np.all(h[air] > 0) and np.all(h[~air] == 0)


@pytest.mark.parametrize("movement,leg,n_sets,n_rows", [
    ("hops", "left", 1, 4), ("hops", "right", 1, 4), ("drop", "left", 1, 1),
    ("drop", "both", 1, 1), ("single", "left", 1, 1), ("sets", "right", 2, 8),
    ("run", "left", 1, 4)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_truth_rows(movement: str, leg: str, n_sets: int, n_rows: int, seed: int) -> None:
    spec = SynthSpec(movement=movement, leg=leg, n_hops=4, seed=seed, **{
        k: v for k, v in SMALL.items() if k != "n_hops"})
    t = make_truth(spec)
    _check_truth(t, spec)
    rows = t.rows()
    assert len(rows) == n_rows
    assert len({r["set"] for r in rows}) == n_sets == len(t.legs)
    assert t.initial_contact == (movement != "drop")
    first = rows[0]
    if movement == "drop":  # the drop's landing is the touchdown of the only row
        assert first["touchdown_frame"] == t.events[0].frame and first["contact_s"] > 0
        assert t.box_leave_time is not None and t.box_leave_time < t.events[0].time
    else:  # standing start
        assert first["touchdown_frame"] is None and first["contact_s"] is None
    assert [r["rep"] for r in rows if r["set"] == 1] == list(range(1, n_rows // n_sets + 1))
    if movement == "sets":
        assert t.legs == ["right", "left"] and rows[n_rows // 2]["touchdown_frame"] is None
        (p0, p1), = t.pauses
        assert 1.3 < p1 - p0 < 1.7
        assert rows[n_rows // 2 - 1]["landing_s"] < p0 and rows[n_rows // 2]["takeoff_s"] > p1
    if movement == "single" or leg == "both":
        assert t.legs == ["both"]


def test_end_in_air_and_json_roundtrip(tmp_path: Path) -> None:
    spec = SynthSpec(end_in_air=True, seed=4, **SMALL)
    t = make_truth(spec)
    _check_truth(t, spec)
    last = t.rows()[-1]
    assert last["landing_frame"] is None and last["flight_s"] is None
    assert t.events[-1].kind == "takeoff"
    write_truth(t, tmp_path / "x.truth.json")
    back = read_truth(tmp_path / "x.truth.json")
    assert back.rows() == t.rows() and back.events == t.events
    assert back.synth_spec() == spec
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(LegrsiError):
        read_truth(tmp_path / "bad.json")


def test_invalid_specs(tmp_path: Path) -> None:
    with pytest.raises(LegrsiError):
        SynthSpec(movement="squat")
    with pytest.raises(LegrsiError):
        SynthSpec(width=321)
    with pytest.raises(LegrsiError):
        SynthSpec(movement="hops", leg="both")
    with pytest.raises(LegrsiError):
        render_clip(SynthSpec(codec="vp9", **SMALL), tmp_path / "x.mp4")


def _decode(path: Path) -> tuple[list, tuple[str, float]]:
    with av.open(str(path)) as c:
        st = c.streams.video[0]
        frames = [(f.time, f.rotation, f.width, f.height) for f in c.decode(st)]
        return frames, (st.codec_context.name, float(st.average_rate))


@pytest.mark.parametrize("extra", [
    dict(), dict(container_fps=30.0, fps=240.0), dict(codec="hevc", fps=120.0)])
def test_video_decodes(tmp_path: Path, extra: dict) -> None:
    spec = SynthSpec(seed=3, n_hops=1, **{**{k: v for k, v in SMALL.items() if k != "n_hops"},
                                         **extra})
    path = tmp_path / "clip.mp4"
    t = render_clip(spec, path)
    frames, (codec, rate) = _decode(path)
    assert len(frames) == t.n_frames
    assert {(w, h) for _, _, w, h in frames} == {(320, 180)}
    assert {r for _, r, _, _ in frames} == {0} and t.rotation == 0
    cfps = extra.get("container_fps", spec.fps)
    assert rate == pytest.approx(cfps) and t.container_fps == cfps and t.fps == spec.fps
    assert np.allclose(np.diff([f[0] for f in frames]), 1 / cfps, atol=1e-4)
    assert codec == {"hevc": "hevc"}.get(spec.codec, "h264")


def test_portrait_rotation(tmp_path: Path) -> None:
    spec = SynthSpec(portrait=True, seed=5, n_hops=1, width=320, height=180,
                     preset="ultrafast")
    path = tmp_path / "portrait.mp4"
    t = render_clip(spec, path)
    assert (t.width, t.height, t.rotation) == (180, 320, 90)
    frames, _ = _decode(path)
    assert len(frames) == t.n_frames
    assert {(r, w, h) for _, r, w, h in frames} == {(-90, 320, 180)}  # stored landscape
    cap = cv2.VideoCapture(str(path))
    try:
        assert cap.get(cv2.CAP_PROP_ORIENTATION_META) == 90
        cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
        ok, img = cap.read()
        assert ok and img.shape[:2] == (320, 180)  # shown upright
    finally:
        cap.release()
    # the upright frame matches the rendering: floor band at the bottom, not at a side
    clean = next(iter_frames(spec, clean=True))
    assert np.abs(img.astype(int) - clean.astype(int)).mean() < 12


def _floor_check(spec: SynthSpec) -> None:
    """The stance foot's lowest point covers the pixel row just above its floor line exactly in
    contact frames, never anything below it, and leaves that row alone when >= 1 px up."""
    t = make_truth(spec)
    far = t.near_leg != t.legs[0]
    fy = t.floor_y_far if far else t.floor_y
    row = math.ceil(fy + 0.5) - 1  # last pixel row a foot standing on this line touches
    bg = render_background(spec).astype(np.int16)
    n_contact = n_air = 0
    for i, img in enumerate(iter_frames(spec, clean=True)):
        d = np.abs(img.astype(np.int16) - bg).sum(axis=2)
        assert d[row + 1:].max() == 0, f"frame {i}: something below the floor line"
        h = t.foot_height_px[i]
        if h == 0:
            assert d[row].max() > 0, f"frame {i}: foot in contact but floor row untouched"
            n_contact += 1
        elif h >= fy - row + 0.5:  # bottom at or above the row's top edge
            assert d[row].max() == 0, f"frame {i}: foot {h:.2f} px up but touches floor row"
            n_air += 1
    assert n_contact > 100 and n_air > 50


def test_foot_exactly_on_floor_only_in_contact() -> None:
    _floor_check(SynthSpec(seed=6, blur=0, shadow=False, free_leg=True, width=480, height=270,
                           n_hops=2))


def test_far_stance_leg_on_its_own_floor_line() -> None:
    _floor_check(SynthSpec(seed=7, blur=0, shadow=False, free_leg=False, leg="left",
                           facing="right", width=480, height=270, n_hops=2))


def test_blur_flicker_noise_shake() -> None:
    spec = SynthSpec(seed=8, flicker_hz=100, flicker_amp=0.15, noise=3, free_leg=False, **SMALL)
    it = iter_frames(spec)
    means = [next(it).mean() for _ in range(24)]  # standing still: only the light pulses
    assert np.std(means) > 1.0
    it = iter_frames(replace(spec, flicker_amp=0, noise=0))
    still = [next(it) for _ in range(12)]
    assert all(np.array_equal(still[0], f) for f in still)
    it = iter_frames(replace(spec, flicker_amp=0, noise=0, shake_px=3))
    shaken = [next(it).astype(int) for _ in range(48)]
    assert np.abs(shaken[0] - shaken[-1]).mean() > 0.5
    it = iter_frames(replace(spec, flicker_amp=0, noise=3, dim=0.3))
    dim = [next(it) for _ in range(2)]
    assert 0.2 < dim[0].mean() / still[0].mean() < 0.4 and not np.array_equal(*dim)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_bundled_samples(name: str) -> None:
    path = SAMPLE_DIR / name
    assert path.is_file() and path.stat().st_size < 2_000_000
    t = read_truth(path.with_suffix(".truth.json"))
    assert t.synth_spec() == SAMPLES[name]  # regenerate with legrsi.synth.make_samples
    with av.open(str(path)) as c:
        st = c.streams.video[0]
        assert float(st.average_rate) == pytest.approx(t.container_fps)
        assert (st.codec_context.width, st.codec_context.height) == (t.width, t.height)
    assert len(t.rows()) >= 1


def test_run_alternates_feet_with_a_flight_between_steps() -> None:
    """A treadmill run: each step's foot is the other one, both feet are off the belt
    between steps, and the far foot stands on its own contact line above the near one."""
    spec = SynthSpec(movement="run", n_hops=6, fps=30.0, width=320, height=576, seed=4)
    plan, scene, truth = synth_setup(spec)
    assert truth.legs == ["both"] and truth.initial_contact
    takeoffs = [e.time for e in truth.events if e.kind == "takeoff"]
    assert len(takeoffs) == 6
    ev = evaluate(plan, np.array(takeoffs) - 1e-3)  # just before each take-off
    stance = [("left", "right")[int(ev["left_h"][k] > 0)] for k in range(len(takeoffs))]
    assert all(min(ev["left_h"][k], ev["right_h"][k]) == 0 < max(ev["left_h"][k],
                                                                 ev["right_h"][k])
               for k in range(len(takeoffs)))
    assert all(a != b for a, b in zip(stance, stance[1:], strict=False))
    assert truth.floor_y_far < truth.floor_y
    frames = list(iter_frames(spec, clean=True, plan_scene=(plan, scene, truth)))
    assert len(frames) == truth.n_frames and frames[0].shape == (576, 320, 3)


def test_a_higher_camera_puts_the_far_foots_line_higher() -> None:
    """Filmed from hip height (a treadmill, like the real clip), the far foot's contact line
    lies tens of pixels above the near one's; from foot height, about one pixel."""
    low = make_truth(SynthSpec(movement="run", n_hops=3, fps=30.0, width=320, height=576,
                               seed=2))
    high = make_truth(SynthSpec(movement="run", n_hops=3, fps=30.0, width=320, height=576,
                                seed=2, camera_height_m=1.0))
    assert 0 < low.floor_y - low.floor_y_far < 1.0
    assert high.floor_y - high.floor_y_far > 6.0
    with pytest.raises(LegrsiError):
        SynthSpec(camera_height_m=0.0)
