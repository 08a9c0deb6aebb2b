"""Synthetic side-view hop clips with exactly known events (ground truth for tests, samples).

``render_clip(SynthSpec(...), path)`` writes a video and returns its :class:`Truth`; the truth
is saved with ``write_truth`` as JSON (``<clip stem>.truth.json`` by convention). Frame i shows
the state at capture time i / fps (motion blur averages sub-frames over the exposure centred
on it); an event's frame is the first frame at or after it: ``ceil(time * fps - 1e-9)``.
Modules: synth_spec (spec, truth, JSON), synth_motion (kinematics), synth_render (drawing).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import asdict
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from .fileio import atomic_path
from .synth_motion import Plan, build_plan, evaluate, make_foot
from .synth_render import (
    CAM_D,
    FAR_DEPTH,
    Scene,
    apply_shadows,
    athlete_shapes,
    build_background,
    draw_shapes,
    pick_colors,
    shadow_specs,
    shapes_bbox,
    stance_free,
)
from .synth_run import build_run_plan
from .synth_spec import (
    CODECS,
    SUFFIXES,
    SynthSpec,
    Truth,
    TruthEvent,
    event_frame,
    read_truth,
    write_truth,
)
from .types import LegrsiError

__all__ = ["SAMPLES", "SynthSpec", "Truth", "TruthEvent", "event_frame", "iter_frames",
           "make_samples", "make_truth", "read_truth", "render_background", "render_clip",
           "write_truth"]
REF_PPM = 0.15 * 1280 / 0.26  # px/m of a 1280x720 frame: unit of drift_px


def _upright_size(spec: SynthSpec) -> tuple[int, int]:
    w, h = spec.width, spec.height
    if spec.portrait and w > h:
        w, h = h, w
    return w, h


def _setup(spec: SynthSpec) -> tuple[Plan, Scene, Truth]:
    """Plan the motion, build the scene and compute the truth (no rendering)."""
    rng = np.random.default_rng(spec.seed)
    w, h = _upright_size(spec)
    foot_len = rng.uniform(0.25, 0.28)
    ppm = rng.uniform(0.13, 0.17) * w / foot_len
    if spec.movement == "run":
        plan = build_run_plan(spec.n_hops, rng)
    else:
        plan = build_plan(spec.movement, spec.n_hops, spec.leg, spec.contact_s, spec.flight_s,
                          spec.drift_px / REF_PPM, spec.end_in_air, rng)
    n_frames = int(math.floor(plan.duration * spec.fps + 1e-9)) + 1
    t = np.arange(n_frames) / spec.fps
    ev = evaluate(plan, t)
    first = plan.set_legs[0]
    facing = spec.facing
    if facing == "auto":
        facing = first if first != "both" else ("left", "right")[int(rng.integers(2))]
    direction = 1 if facing == "right" else -1
    k = foot_len / 0.26
    xs = np.concatenate([ev["left_x"], ev["right_x"]])
    lo, hi = xs.min() - 0.2 * k - 0.15, xs.max() + 0.08 * k + 0.1
    if plan.box_height:
        lo = min(lo, plan.box_front_x - 0.5)
    target = w * rng.uniform(0.44, 0.56)
    x_origin = target - direction * 0.5 * (lo + hi) * ppm
    floor_row = int(round(h * (rng.uniform(0.82, 0.88) if h > w else rng.uniform(0.78, 0.85))))
    floor_y = floor_row - 0.5
    colors = pick_colors(rng)
    box = None
    if plan.box_height:
        bx = sorted(x_origin + direction * np.array([plan.box_front_x - 0.5,
                                                      plan.box_front_x]) * ppm)
        box = (bx[0], bx[1], plan.box_height * ppm)
    bg, horizon, y_wf = build_background(w, h, floor_y, ppm, colors, rng, box,
                                         spec.camera_height_m)
    near = "right" if facing == "right" else "left"
    sc = Scene(w, h, bg, floor_y, horizon, y_wf, ppm, x_origin, direction, near,
               CAM_D / (CAM_D + FAR_DEPTH), make_foot(foot_len), colors, spec.shadow)
    mid = [0.5 * (a + b) for a, b in plan.pauses]
    set_idx = np.searchsorted(np.asarray(mid), t) if mid else np.zeros(n_frames, int)
    if spec.movement == "run":  # contact: any foot on the belt; the far one on its own line
        far = "left" if near == "right" else "right"
        heights = np.minimum(ev[f"{near}_h"], ev[f"{far}_h"] * sc.s_far) * ppm
    else:
        heights = np.empty(n_frames)
        for i, sl in enumerate(plan.set_legs):
            leg = near if sl == "both" else sl
            m = set_idx == i
            heights[m] = ev[f"{leg}_h"][m] * ppm * (1.0 if leg == near else sc.s_far)
    events = [TruthEvent(e.kind, e.time, event_frame(e.time, spec.fps), e.leg, e.set)
              for e in plan.events]
    truth = Truth(spec.movement, spec.fps, spec.container_fps or spec.fps, n_frames, w, h,
                  90 if spec.portrait else 0, spec.codec, plan.initial_contact,
                  plan.set_legs, events, floor_y, sc.floor_y_far, y_wf, ppm, foot_len * ppm,
                  near, facing, list(plan.pauses), plan.box_leave,
                  plan.box_height or None, heights.tolist(), asdict(spec))
    return plan, sc, truth


def _shake(spec: SynthSpec, par: tuple[np.ndarray, np.ndarray], t: float, w: int, h: int
           ) -> np.ndarray:
    """2x3 affine matrix of the hand-held shake at time ``t`` (s): a sum of slow sines."""
    f, ph = par
    v = np.sin(2 * np.pi * f * t + ph).sum(axis=1) / np.sqrt(1.5)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), float(v[2]) * 0.03 * spec.shake_px, 1.0)
    m[:, 2] += spec.shake_px * v[:2]
    return m


def iter_frames(spec: SynthSpec, clean: bool = False, plan_scene: tuple | None = None
                ) -> Iterator[np.ndarray]:
    """Yield the upright BGR uint8 frames (H, W, 3) of ``spec``; ``clean`` skips flicker, dim,
    shake and noise (blur and shadows are kept as specified)."""
    plan, sc, truth = plan_scene or _setup(spec)
    rng = np.random.default_rng(spec.seed + 7919)
    n = truth.n_frames
    t_c = np.arange(n) / spec.fps
    ev_c = evaluate(plan, t_c)
    exp_s = max(spec.blur, 0.0) / spec.fps  # exposure, s
    samples = {1: (np.zeros(1), ev_c)}
    for m in (2, 4):  # sub-frame times spread over the exposure
        offs = ((np.arange(m) + 0.5) / m - 0.5) * exp_s
        samples[m] = (offs, evaluate(plan, (t_c[:, None] + offs[None, :]).ravel()))
    # sub-frames needed per frame: about one per pixel of movement during the exposure
    ev4 = samples[4][1]
    move = np.zeros(n)
    for key, scale in (("_h", sc.ppm), ("_x", sc.ppm), ("_pitch", sc.foot.length * sc.ppm)):
        for leg in ("left", "right"):
            v = ev4[leg + key].reshape(n, 4)
            move = np.maximum(move, np.abs(v[:, 3] - v[:, 0]) * scale / 0.75)
    r4 = ev4["r"].reshape(n, 4)
    move = np.maximum(move, np.abs(r4[:, 3] - r4[:, 0]) * 0.86 * sc.ppm / 0.75)
    n_subs = np.where(exp_s <= 0, 1, np.where(move < 0.5, 1, np.where(move < 1.5, 2, 4)))
    w, h = sc.width, sc.height
    bank = None
    if not clean and spec.noise > 0:
        nz = np.rint(rng.normal(0, spec.noise, (3, h + 16, w + 16, 3))).clip(-127, 127)
        bank = (np.maximum(nz, 0).astype(np.uint8), np.maximum(-nz, 0).astype(np.uint8))
    shake_par = (rng.uniform(0.8, 4.0, (3, 3)), rng.uniform(0, 2 * np.pi, (3, 3)))
    fl_phase = rng.uniform(0, np.pi)
    for i in range(n):
        n_sub = int(n_subs[i])
        offs, ev = samples[n_sub]
        shapes = []
        for j in range(n_sub):
            k = i * n_sub + j
            pose = {name: float(v[k]) for name, v in ev.items()}
            free = stance_free(plan, t_c[i] + offs[j])
            shapes.append(athlete_shapes(sc, pose, free, hide_free=not spec.free_leg))
        shadows = shadow_specs(sc, {name: float(v[i]) for name, v in ev_c.items()}) \
            if sc.shadow else []
        if shadows and not spec.free_leg:
            fr = stance_free(plan, i / spec.fps)
            shadows = [s for s, leg in zip(shadows, ("left", "right"), strict=True)
                       if not fr[leg]]
        boxes = np.array([shapes_bbox(s) for s in shapes])
        x0 = max(int(boxes[:, 0].min()) - 3, 0)
        y0 = max(int(boxes[:, 1].min()) - 3, 0)
        x1 = min(int(boxes[:, 2].max()) + 4, w)
        y1 = h
        for xc, _, _, hw, _ in shadows:
            x0, x1 = max(min(x0, int(xc - 2 * hw) - 1), 0), min(max(x1, int(xc + 2 * hw) + 2), w)
        frame = sc.bg.copy()
        if x1 > x0 and y1 > y0:
            base = frame[y0:y1, x0:x1]
            apply_shadows(base, x0, y0, sc, shadows)
            if n_sub == 1:
                draw_shapes(base, x0, y0, shapes[0])
            else:
                acc = np.full(base.shape, n_sub // 2, np.uint16)  # rounding offset
                for sh in shapes:
                    sub = base.copy()
                    draw_shapes(sub, x0, y0, sh)
                    np.add(acc, sub, out=acc)
                np.right_shift(acc, n_sub.bit_length() - 1, out=acc)  # n_sub is 2 or 4
                base[:] = acc
        if not clean:
            gain = spec.dim
            if spec.flicker_amp and spec.flicker_hz:
                ts = t_c[i] + np.linspace(-0.5, 0.5, 8) * exp_s
                s = np.abs(np.sin(np.pi * spec.flicker_hz * ts + fl_phase))
                gain *= float(np.mean(1 - spec.flicker_amp + 2 * spec.flicker_amp * s))
            if abs(gain - 1) > 1e-6:
                lut = np.clip(np.arange(256) * gain + 0.5, 0, 255).astype(np.uint8)
                frame = cv2.LUT(frame, lut)
            if spec.shake_px > 0:
                m = _shake(spec, shake_par, i / spec.fps, w, h)
                frame = cv2.warpAffine(frame, m, (w, h), flags=cv2.INTER_LINEAR,
                                       borderMode=cv2.BORDER_REFLECT)
            if bank is not None:
                b = i % 3
                ox, oy = (i * 7) % 16, (i * 5 + i // 3) % 16
                cv2.add(frame, bank[0][b, oy:oy + h, ox:ox + w], dst=frame)
                cv2.subtract(frame, bank[1][b, oy:oy + h, ox:ox + w], dst=frame)
        yield frame


def _encode(frames: Iterator[np.ndarray], path: Path, spec: SynthSpec, n: int) -> None:
    """Encode upright frames into ``path`` (container from the suffix) with PyAV."""
    rate = Fraction(spec.container_fps or spec.fps).limit_denominator(100000)
    codec = CODECS[spec.codec]
    gop = spec.gop or max(1, int(round(spec.fps / 2)))
    opts: dict[str, str] = {}
    if spec.codec == "h264":
        opts = {"crf": str(spec.crf), "preset": spec.preset}
    elif spec.codec == "hevc":
        opts = {"crf": str(spec.crf), "preset": spec.preset,
                "x265-params": f"log-level=error:keyint={gop}:min-keyint=1"}
    elif spec.codec == "vp9":
        opts = {"crf": str(spec.crf), "b": "0", "deadline": "realtime", "cpu-used": "8"}
    with av.open(str(path), "w") as out:
        st = out.add_stream(codec, rate=rate, options=opts)
        uw, uh = _upright_size(spec)
        st.width, st.height = (uh, uw) if spec.portrait else (uw, uh)
        st.pix_fmt = "yuvj420p" if spec.codec == "mjpeg" else "yuv420p"
        st.codec_context.gop_size = gop
        if spec.codec == "mjpeg":
            st.codec_context.bit_rate = int(uw * uh * spec.fps * 0.6)
        if spec.codec == "hevc" and path.suffix.lower() in (".mp4", ".mov"):
            st.codec_context.codec_tag = "hvc1"
        if spec.portrait:
            st.set_display_rotation(-90)  # counter-clockwise degrees: players turn it 90 cw
        tb = Fraction(1, 1) / rate
        for i, img in enumerate(frames):
            if spec.portrait:
                img = cv2.rotate(img, cv2.ROTATE_90_COUNTERCLOCKWISE)
            if spec.codec == "mjpeg":
                vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="bgr24")
                vf = vf.reformat(format="yuvj420p")
            else:
                yuv = cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420)
                vf = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
            vf.pts, vf.time_base = i, tb
            for pkt in st.encode(vf):
                out.mux(pkt)
            if i + 1 >= n:
                break
        for pkt in st.encode():
            out.mux(pkt)


def make_truth(spec: SynthSpec) -> Truth:
    """The truth of ``spec`` without rendering (fast)."""
    return _setup(spec)[2]


def render_background(spec: SynthSpec) -> np.ndarray:
    """The empty scene (H, W, 3) uint8 upright BGR behind the athlete (no noise/flicker)."""
    return _setup(spec)[1].bg.copy()


def render_clip(spec: SynthSpec, path: Path) -> Truth:
    """Render ``spec`` to the video file ``path`` (atomically) and return its truth."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES[spec.codec]:
        raise LegrsiError(f"codec {spec.codec} needs one of {', '.join(SUFFIXES[spec.codec])}")
    ps = _setup(spec)
    with atomic_path(path) as tmp:
        try:
            _encode(iter_frames(spec, plan_scene=ps), tmp, spec, ps[2].n_frames)
        except av.FFmpegError as exc:
            raise LegrsiError(f"cannot encode {path.name}: {exc}") from exc
    return ps[2]


SAMPLES: dict[str, SynthSpec] = {
    "hops_left_240fps.mp4": SynthSpec(movement="hops", n_hops=6, width=960, height=540,
                                      leg="left", crf=23, noise=2.0, seed=11, preset="veryfast"),
    "hops_right_240fps.mp4": SynthSpec(movement="hops", n_hops=6, width=960, height=540,
                                       leg="right", crf=30, noise=1.5, flicker_hz=100,
                                       flicker_amp=0.08, seed=12, preset="veryfast"),
    "drop_jump_120fps.mp4": SynthSpec(movement="drop", fps=120, width=960, height=540,
                                      codec="hevc", crf=24, noise=2.0, blur=0.6, seed=13,
                                      preset="veryfast"),
    "slowmo_export_30fps.mp4": SynthSpec(movement="hops", n_hops=5, width=960, height=540,
                                         container_fps=30.0, leg="right", crf=26, noise=2.0,
                                         shake_px=1.5, seed=14, preset="veryfast"),
}


def make_samples(out_dir: Path) -> dict[str, Truth]:
    """Write the bundled sample clips and their ``<stem>.truth.json`` into ``out_dir``."""
    out: dict[str, Truth] = {}
    for name, spec in SAMPLES.items():
        p = Path(out_dir) / name
        out[name] = render_clip(spec, p)
        write_truth(out[name], p.with_suffix(".truth.json"))
    return out
