"""Frames -> foot signal: the height of the lowest foot point above the floor, per frame.

One streaming pass over the clip. Each candidate foot region gets a background model from the
preview (bgmodel.py); every frame's crop (shake
removed, stabilize.py) is measured (measure.py); the floor is the level the foot bottom rests
at. The candidates are pruned on the way and the caller picks the clearest.
"""

from __future__ import annotations

import math
import os
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .bgmodel import MODEL_BUDGET, analysis_grid, build_models, model_memory
from .floorline import ShadowAccumulator, shadow_offset
from .locate import (
    Located,
    clip_roi,
    locate_candidates,
    noise_sigma,
    preview,
)
from .measure import Model, crop, darkening_below, feet_points, measure
from .prefetch import Prefetch
from .pruning import PRUNE_EVERY_S, PRUNE_SPACING, Looks, still_promising
from .stabilize import frame_shift, per_preview, stab_setup
from .stance import feet_on_moving_floor
from .types import FootSignal, NoMovementError, Roi, VideoError, VideoInfo
from .video import Frame, FrameReader

ProgressFn = Callable[[int], None]


def track(info: VideoInfo, roi: Roi | None = None, progress: ProgressFn | None = None,
          max_candidates: int = 3, feet: bool = False) -> list[FootSignal]:
    """Decode the clip once; return the foot signal of each candidate foot region.

    With ``roi`` given there is one candidate; otherwise up to ``max_candidates`` regions
    where moving things rest on a floor (the caller picks the one with the clearest hops).
    ``feet``: also the lowest points of every foot-sized blob per frame (FootSignal.feet,
    for a moving floor: stance.py), for the candidates whose first PROBE_S of points show
    a moving floor (the others leave them out after the probe: they cost time).
    """
    prev = preview(info)
    locs = locate_candidates(prev, info, max_candidates) if roi is None else [_given(roi, info)]
    per_preview(prev, "sigma", lambda p: noise_sigma(p.frames))  # shared by the models,
    stab = _shake(per_preview(prev, "stab", stab_setup))           # computed once
    cuts = [(r, size) for r, _, size in (analysis_grid(loc.roi, loc.foot_len) for loc in locs)]
    # decoding gets the cores the measuring (this thread) leaves free: on two cores, one
    # decoding thread (FFmpeg's frame or slice threads would only compete with the measuring)
    reader = FrameReader(info, threads=max(1, (os.cpu_count() or 1) - 1))
    # per-frame work the decoding thread does ahead: the shake and the crops (OpenCV
    # releases the GIL) while the models are built (decoding starts at once; the queue
    # then holds only crops) and later when frames wait for the measuring; else this
    # thread does it
    fetch: Prefetch[_Item] | None = None
    state: dict[str, Any] = {"active": list(range(len(locs))), "ready": False}

    def items() -> Iterator[_Item]:
        for frame in reader:
            item = _Item(frame)
            if not state["ready"] or (fetch is not None and fetch.backlog >= AHEAD_BACKLOG):
                item.prepare(cuts, stab, state["active"])
            yield item

    # crops ahead: what the model building leaves of MODEL_BUDGET (none on long clips)
    ahead = min(AHEAD_BYTES, MODEL_BUDGET - model_memory(prev))
    per_item = sum(w * h for _, (w, h) in cuts) + 1
    fetch = Prefetch(items(), depth=int(min(max(6, ahead // per_item), 512)))
    if ahead >= AHEAD_MIN:  # else decoding (its own buffers too) waits for the models
        fetch.start()
    try:
        models = build_models(info, prev, locs)
    except BaseException:
        fetch.close()
        raise
    state["ready"] = True
    # per frame: its time, per candidate (bottom, foot x, contrast), the shake shift (x, y);
    # flat float arrays (8 bytes a number: a long clip costs little memory)
    times = array("d")
    meas = [array("d") for _ in models]
    points = [array("d") for _ in models]  # feet points per frame (3 x FEET_K x 2 floats)
    probing = [feet] * len(models)  # still collecting them
    probe_end = PROBE_S if feet else math.inf
    shadows = [ShadowAccumulator(m.size[1]) for m in models]
    shifts = array("d")
    last_shift = (0.0, 0.0)
    active = list(range(len(models)))  # candidates still measured
    next_check = PRUNE_EVERY_S if len(models) > 1 else math.inf
    looks = Looks()

    def so_far(i: int) -> FootSignal:  # candidate i's signal of the frames measured so far
        arr = np.array(meas[i], float).reshape(-1, 3)
        return _to_signal(models[i], np.array(times), arr[:, 0], arr[:, 1], arr[:, 2],
                          np.array(shifts, float).reshape(-1, 2))

    for item in fetch:
        sh = item.shift if item.shift is not None else _shift(stab, item.image)
        if math.isnan(sh[0]):
            sh = last_shift
        last_shift = sh
        for i in active:
            model = models[i]
            cut = item.crops.get(i)
            if cut is None:
                cut = crop(item.image, model.roi, model.size, sh)
            got = measure(model, cut)
            meas[i].extend(got)
            if probing[i]:
                points[i].extend(feet_points(model, FEET_K).ravel())
            _look_below(shadows[i], model, got)
        times.append(item.time)
        shifts.extend(sh)
        if item.time - times[0] >= probe_end:  # keep the feet points only on a moving floor
            probe_end = math.inf
            if _end_probe(points, probing, models, np.array(times), info.capture_fps):
                # a treadmill: the regions where the floor stands still hold no stance
                active = state["active"] = [i for i in active if probing[i]]
        if progress is not None and item.index % 64 == 0:
            progress(item.index + 1)
        if item.time >= next_check:
            next_check = item.time + max(PRUNE_EVERY_S, PRUNE_SPACING * item.time)
            kept, looks = still_promising(active, so_far, info.capture_fps, looks)
            # a region on a moving floor is kept: its hops show in the feet points
            moving = [i for i in active if probing[i] and probe_end == math.inf]
            active = state["active"] = [i for i in active if i in kept or i in moving]
            if len(active) == 1:
                next_check = math.inf
    if not times:
        raise VideoError(f"{info.path.name}: video has no decodable frames")
    warnings = list(reader.warnings)
    hint = info.frame_count_hint
    if hint and len(times) < hint - 1 and not reader.warnings:
        warnings.append(f"decoded {len(times)} frames but the file announces {hint}: "
                        "it may be truncated; analysed the decodable part")
    signals = []
    for model, out, shadow, pts, kept in zip(models, meas, shadows, points, probing,
                                             strict=True):
        if len(out) != 3 * len(times):  # dropped early: it showed nothing
            continue
        arr = np.array(out, float).reshape(-1, 3)
        try:
            sig = _to_signal(model, np.array(times), arr[:, 0], arr[:, 1], arr[:, 2],
                             np.array(shifts, float).reshape(-1, 2), shadow,
                             np.array(pts, float).reshape(len(times), 3, FEET_K, 2)
                             if kept else None)
        except NoMovementError:
            continue
        sig.warnings.extend(warnings)
        signals.append(sig)
    if not signals:
        raise NoMovementError(f"{info.path.name}: no foot found near the floor "
                              "(is the athlete's foot in frame?)")
    return signals


FEET_K = 4  # feet points kept per frame and polarity
PROBE_S = 1.5  # s of feet points that tell whether the floor moves
AHEAD_BACKLOG = 2  # frames waiting for the measuring from which the decoder crops ahead
AHEAD_BYTES = 64e6  # crops cut ahead at most (bytes; while the models are built)
AHEAD_MIN = 16e6  # less room than this: no decoding while the models are built


@dataclass
class _Shake:
    """The shake reference of the preview (stabilize.stab_setup) for frame_shift."""

    stab_ref: np.ndarray
    stab_mask: np.ndarray
    stab_scale: float


def _shake(setup: tuple[np.ndarray | None, np.ndarray | None, float]) -> _Shake | None:
    ref, mask, scale = setup
    return None if ref is None or mask is None else _Shake(ref, mask, scale)


def _shift(stab: _Shake | None, img: np.ndarray) -> tuple[float, float]:
    """The frame's shake (full-resolution px; NaN when unsure; zero on a tripod)."""
    return frame_shift(stab, img) if stab is not None else (0.0, 0.0)


class _Item:
    """A decoded frame (index, capture time s, pixels) with the work done on it ahead (on
    the decoding thread): its shake as measured (NaN: unsure, left to the measuring
    thread) and the crops per candidate; once cut, the frame's pixels are let go."""

    def __init__(self, frame: Frame) -> None:
        self.index, self.time = frame.index, frame.time
        self.image: np.ndarray | None = frame.image
        self.shift: tuple[float, float] | None = None
        self.crops: dict[int, np.ndarray] = {}

    def prepare(self, cuts: list[tuple[Roi, tuple[int, int]]], stab: _Shake | None,
                active: list[int]) -> None:
        """Measure the shake and cut the crops (region, analysis size (w, h)) of the
        ``active`` candidates, as the measuring thread would (same values)."""
        assert self.image is not None
        self.shift = sh = _shift(stab, self.image)
        if math.isnan(sh[0]):  # the previous frame's shift applies: left to the consumer
            return
        for i in active:
            roi, size = cuts[i]
            cut = crop(self.image, roi, size, sh)
            self.crops[i] = cut if cut.flags.owndata else cut.copy()  # not a view of it
        self.image = None


def _end_probe(points: list[array], probing: list[bool], models: list[Model],
               times: np.ndarray, fps: float) -> bool:
    """At the end of the probe: which candidates' feet points (flat, FEET_K per kind and
    frame, analysis px; the frames at ``times``, s) show feet on a moving floor
    (``probing`` updated in place, the others' points let go); whether any does."""
    for i, model in enumerate(models):
        pts = np.array(points[i], float).reshape(-1, 3, FEET_K, 2)
        probing[i] = probing[i] and len(pts) == len(times) and feet_on_moving_floor(
            pts, times, fps, model.foot_px)
        if not probing[i]:
            points[i] = array("d")
    return any(probing)


def _given(roi: Roi, info: VideoInfo) -> Located:
    if roi.x + roi.w > info.width or roi.y + roi.h > info.height:
        raise NoMovementError(
            f"--roi {roi.x},{roi.y},{roi.w},{roi.h} lies outside the "
            f"{info.width}x{info.height} picture")
    roi = clip_roi(roi, info)
    return Located(roi=roi, floor_y=roi.y + roi.h * 0.85, foot_len=roi.h / 2.5)


def _look_below(acc: ShadowAccumulator, model: Model, got: tuple[float, float, float]
                ) -> None:
    """Add the rows below the foot just measured (bottom, foot x, contrast) to ``acc``."""
    bottom, foot_x = got[0], got[1]
    if not (math.isfinite(bottom) and math.isfinite(foot_x)):
        acc.forget_foot()
        return
    start = acc.start_row(bottom)
    if start is not None:
        acc.add(bottom, start, darkening_below(model, start, foot_x))


def _to_signal(model: Model, times: np.ndarray, bottoms: np.ndarray, xs: np.ndarray,
               contrasts: np.ndarray, shifts: np.ndarray,
               shadow: ShadowAccumulator | None = None,
               feet: np.ndarray | None = None) -> FootSignal:
    seen = np.isfinite(bottoms)
    if seen.sum() < 3:
        raise NoMovementError("no foot found near the floor (is the athlete's foot in frame?)")
    rest, noise = contact_level(bottoms[seen])
    s = model.scale
    # far below the floor: something else in the region (a line on the floor), not the foot
    below = bottoms - rest
    seen &= below <= max(3.0, 4.0 * noise, SUNK_MAX * model.foot_px)
    # the contact line: above the resting level by the contact shadow merged with the foot
    lift = shadow_offset(shadow, rest, model.foot_px)
    floor = rest - lift
    height = np.where(seen, np.clip(floor - bottoms, 0.0, None) / s, np.nan)
    # clearly below the resting level: how far below the contact line (heel up, the sole's
    # lowest part seen that flat stance hides)
    sunk = np.where(seen & (below > max(SUNK_MIN, 3.0 * noise)),
                    np.clip(bottoms - floor, 0.0, None) / s, np.where(seen, 0.0, np.nan))
    conf = np.clip(contrasts / 3.0, 0.0, 1.0)
    roi = model.roi
    foot_x = roi.x + xs / s + shifts[:, 0]
    foot_y = roi.y + bottoms / s + shifts[:, 1]
    rois = np.tile(np.array([roi.x, roi.y, roi.w, roi.h], float), (len(times), 1))
    rois[:, 0] += shifts[:, 0]
    rois[:, 1] += shifts[:, 1]
    times = _strictly_increasing(times)
    if feet is not None:  # analysis px -> upright px, the shake added back
        feet = feet / s + np.array([roi.x, roi.y], float)
        feet += shifts[:, None, None, :]
    return FootSignal(times=times, height=height, conf=conf, foot_x=foot_x, foot_y=foot_y,
                      rois=rois, floor_y=roi.y + floor / s, px_noise=noise / s,
                      shadow_px=lift / s, sunk=sunk, feet=feet, foot_px=model.foot_px / s)


def contact_level(bottoms: np.ndarray) -> tuple[float, float]:
    """Floor row (analysis px) = level the foot bottom rests at in contact; and its jitter.

    ``bottoms``: bottom rows of the foot in frames where a foot was seen, in time order.
    Contacts are where the bottom stays put for several frames; of the levels it rests at
    often (at least REST_SHARE of the most frequent), the floor is the lowest in the picture
    (the free foot or a knee may hover higher; stray low detections are rare).
    """
    b = np.asarray(bottoms, float)
    rest = b
    if len(b) >= 5:
        still = (np.abs(np.diff(b[:-1])) <= 1.0) & (np.abs(np.diff(b[1:])) <= 1.0)
        if still.sum() >= 10:
            rest = b[1:-1][still]
    lo, hi = float(rest.min()), float(rest.max())
    edges = np.arange(lo - 1.0, hi + 2.0, 1.0)
    hist, _ = np.histogram(rest, bins=edges)
    hist = np.convolve(hist, [1.0, 1.0, 1.0], mode="same")  # 3-px bins, centred
    ok = np.flatnonzero(hist >= REST_SHARE * hist.max())
    centre = float(edges[ok[-1]] + 0.5)
    close = rest[np.abs(rest - centre) <= 2.0]
    if len(close) == 0:
        close = rest
    level = float(np.median(close))
    jitter = float(1.4826 * np.median(np.abs(close - level)))
    return level, max(0.25, jitter)


SUNK_MAX = 0.06  # the foot may read this x its length (analysis px) below its resting level
SUNK_MIN = 1.5  # ... and counts as below it from this many analysis px
REST_SHARE = 0.3  # a resting level needs this share of the most frequent one


def _strictly_increasing(t: np.ndarray) -> np.ndarray:
    out = t.astype(float).copy()
    for i in range(1, len(out)):
        if out[i] <= out[i - 1]:
            out[i] = out[i - 1] + 1e-6
    return out


__all__ = ["track", "contact_level", "NoMovementError"]
