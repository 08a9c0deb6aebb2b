"""Frames -> foot signal: the height of the lowest foot point above the floor, per frame.

One streaming pass over the clip. Each candidate foot region gets a background model from the
preview (locate.background, then re-estimated without the foot); every frame's crop (shake
removed, stabilize.py) is measured (measure.py); the floor is the level the foot bottom rests
at. The candidates are pruned on the way and the caller picks the clearest.
"""

from __future__ import annotations

import math
import os
from array import array
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from .floorline import ShadowAccumulator, shadow_offset
from .ghosts import unghost_model
from .locate import (
    Located,
    Preview,
    background_and_reference,
    clip_roi,
    locate_candidates,
    noise_sigma,
    normalised_with_gains,
    preview,
)
from .measure import Model, crop, darkening_below, measure, segment, thr_map
from .orderstats import nanmedian0, percentile_sorted, sort0
from .prefetch import Prefetch
from .pruning import PRUNE_EVERY_S, PRUNE_SPACING, Looks, still_promising
from .stabilize import frame_shift, per_preview, preview_shifts, stab_setup
from .types import FootSignal, NoMovementError, Roi, VideoError, VideoInfo
from .video import Frame, FrameReader

ANALYSIS_FOOT_PX = 110.0  # the foot is analysed at about this many pixels long
ProgressFn = Callable[[int], None]


def _grid(roi: Roi, foot_len: float) -> tuple[Roi, float, tuple[int, int]]:
    """Analysis grid of a foot region: the foot about ANALYSIS_FOOT_PX long, reached by
    binning 2 x 2, 4 x 4, ... full-resolution pixels (fast, exact means; the foot then
    78-156 px long) and, when the foot would stay over 1.2 x ANALYSIS_FOOT_PX, resampling
    the rest. Returns the region trimmed to whole bins (pixels), the scale (analysis px per
    full-resolution px) and the analysis size (w, h)."""
    t = max(1.0, foot_len / ANALYSIS_FOOT_PX)
    k = 2 ** int(round(math.log2(t)))
    while k > 1 and min(roi.w, roi.h) // k < 8:
        k //= 2
    roi = Roi(roi.x, roi.y, roi.w - roi.w % k, roi.h - roi.h % k)
    scale = 1.0 / k if t / k <= 1.2 else 1.0 / t
    return roi, scale, (max(8, round(roi.w * scale)), max(8, round(roi.h * scale)))


def _model_memory(prev: Preview) -> float:
    """Working memory of building one model (bytes; ~20 per crop pixel of the preview)."""
    frames = prev.model_frames()[0]
    return float(frames[0].size * len(frames) * 20)


def _model_workers(prev: Preview, n: int) -> int:
    """Models built at once (threads: NumPy sorts run in parallel), as many as the cores
    and MODEL_BUDGET bytes of working memory allow."""
    return max(1, min(n, os.cpu_count() or 1, int(MODEL_BUDGET // max(_model_memory(prev), 1.0))))


MODEL_BUDGET = 150e6  # bytes of working memory for building the models (and crops ahead)


def _build_model(info: VideoInfo, prev: Preview, loc: Located) -> Model:
    roi, scale, size = _grid(loc.roi, loc.foot_len)
    frames, ps = prev.model_frames()
    proi = Roi(int(roi.x * ps), int(roi.y * ps), max(2, int(roi.w * ps)), max(2, int(roi.h * ps)))
    # preview frames aligned like the frames will be (hand-held shake), else the background
    # is a blur of the scene's edges (the shifts are in full-resolution pixels)
    moves = per_preview(prev, "stab_moves", preview_shifts)
    crops = np.stack([crop(f, proi, size, (float(dx) * ps, float(dy) * ps))
                      for f, (dx, dy) in zip(frames, moves, strict=True)])
    sigma = per_preview(prev, "model_sigma", lambda p: noise_sigma(p.model_frames()[0])) \
        * min(1.0, math.sqrt(max(scale / ps, 1e-3)))
    bg, row_ref = background_and_reference(crops, sigma)
    s = sort0(crops)  # per-pixel order statistics from one sort (same values as np.percentile)
    spread = percentile_sorted(s, 85) - percentile_sorted(s, 15)
    del s
    stable = np.flatnonzero((spread < max(8.0, 3 * sigma)).ravel())
    if len(stable) < 50:
        stable = np.arange(bg.size)
    rng = np.random.default_rng(0)
    gain_idx = np.sort(rng.choice(stable, size=min(len(stable), 800), replace=False))
    norm, gains = normalised_with_gains(crops)  # also the second look (it NaNs them)
    thr = max(7.0, 4.0 * noise_sigma(norm))
    stab_ref, stab_mask, stab_scale = per_preview(prev, "stab", stab_setup)
    foot_px = loc.foot_len * scale
    model = Model(roi, scale, size, bg, gain_idx, thr, thr_map(bg, thr),
                   max(2, round(0.012 * foot_px)), max(6, int(0.03 * foot_px * foot_px)),
                   stab_ref, stab_mask, stab_scale, foot_px)
    _refine_background(model, crops, norm, (loc.floor_y - roi.y) * scale, gains, row_ref)
    return model


def _refine_background(model: Model, crops: np.ndarray, norm: np.ndarray,
                       floor_row: float = math.nan, gains: np.ndarray | None = None,
                       row_ref: np.ndarray | None = None) -> None:
    """Second look at the background, in place: per pixel the median of the preview crops
    in which the foot found with the first background does not cover it.

    The first background can keep a faint ghost of the foot where it passes often; the
    ghost joins the foot's blob and holds its bottom edge (a flat top in flight). Pixels the
    foot covers in too many preview frames keep the first estimate. ``norm``: the crops
    normalised (locate._normalised); overwritten.

    Then ghosts of things that stood still are replaced (:func:`ghosts.unghost_model`) and,
    next to the floor (``floor_row``, analysis px, the located floor), where the resting
    foot is in most frames, a clear ghost of the sole (:func:`_unghost_floor`). ``gains``:
    the frames' brightness gains ``norm`` was divided by (None: each 1); ``row_ref``: the
    rows' empty look (locate.background_and_reference) for the ghost check.
    """
    n = len(crops)
    grow = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
    for i, one in enumerate(crops):
        seg = segment(model, one)
        if seg is None:
            continue
        _, mask, own, x0, y0 = seg
        cover = cv2.dilate(own.view(np.uint8), grow) > 0
        norm[i, y0: y0 + own.shape[0], x0: x0 + own.shape[1]][cover] = np.nan
    free = np.isfinite(norm).sum(axis=0)
    med = np.empty(free.shape, np.float32)  # all-NaN pixels (always covered): first guess
    for r in range(0, len(med), 16):  # a band of rows at a time: bounded memory
        med[r: r + 16] = nanmedian0(norm[:, r: r + 16])
    bg = np.where(free >= max(5, REFINE_FREE_SHARE * n), med, model.bg).astype(np.float32)
    model.bg = bg
    model.thr_map = thr_map(bg, model.thr)
    model.work = None
    unghost_model(model, crops, np.ones(n) if gains is None else gains, row_ref, floor_row)
    if math.isfinite(floor_row):
        _unghost_floor(model, crops, norm, floor_row)
    del norm


def _unghost_floor(model: Model, crops: np.ndarray, norm: np.ndarray, floor_row: float
                   ) -> None:
    """Next to the floor, the background (in place) from the preview frames in which the
    foot is clearly up (its blob's bottom UP_SHARE of its length above ``floor_row``,
    analysis px): the resting foot is there in most frames, so the median keeps the part of
    the shoe it does not find as foot (:func:`_refine_background`) as a ghost that the
    landing foot joins early. Frames are judged by the lowest big blob: a ghost as big as
    the foot would itself be that blob in them, and is then left. ``norm``: the normalised
    crops, NaN where the foot was."""
    n = len(crops)
    up = np.zeros(n, bool)
    for i, one in enumerate(crops):
        seg = segment(model, one)
        if seg is not None:
            _, _, own, _, y0 = seg
            rows = np.flatnonzero(own.any(axis=1))
            up[i] = len(rows) > 0 and floor_row - (y0 + rows[-1] + 1) > UP_SHARE * model.foot_px
    need = max(5, UP_MIN_SHARE * n)
    r0 = max(0, int(floor_row - GHOST_ABOVE * model.foot_px))
    r1 = min(len(model.bg), int(math.ceil(floor_row + GHOST_BELOW * model.foot_px)))
    if up.sum() < need or r1 <= r0:
        return
    band = norm[up, r0:r1]
    flight = nanmedian0(band)
    ok = (np.isfinite(band).sum(axis=0) >= need) & np.isfinite(flight)
    off = np.where(ok, np.abs(flight - model.bg[r0:r1]), 0.0)
    # only a ghost as clear as a shoe: a faint one (an outsole as grey as the floor) hides
    # the same part of the shoe in contact as in flight, and the edges stay consistent
    if (off > GHOST_STRONG * model.thr).sum() < GHOST_AREA * model.foot_px ** 2:
        return
    bg = model.bg.copy()
    bg[r0:r1] = np.where(off > model.thr, flight, bg[r0:r1])
    model.bg = bg
    model.thr_map = thr_map(bg, model.thr)
    model.work = None


REFINE_FREE_SHARE = 0.25  # preview frames a pixel must be free of the foot in to be re-estimated
UP_SHARE = 0.3  # the foot is clearly up: its bottom this x its length above the floor ...
UP_MIN_SHARE = 0.1  # ... in at least this share of the preview frames (and 5)
GHOST_ABOVE = 0.5  # the band next to the floor: from this x the foot length above it ...
GHOST_BELOW = 0.1  # ... to this x below it
GHOST_STRONG = 4.0  # a ghost differs from the background by this x the noise threshold ...
GHOST_AREA = 0.05  # ... over this x the foot length squared (analysis px)


def track(info: VideoInfo, roi: Roi | None = None, progress: ProgressFn | None = None,
          max_candidates: int = 3) -> list[FootSignal]:
    """Decode the clip once; return the foot signal of each candidate foot region.

    With ``roi`` given there is one candidate; otherwise up to ``max_candidates`` regions
    where moving things rest on a floor (the caller picks the one with the clearest hops).
    """
    prev = preview(info)
    locs = locate_candidates(prev, info, max_candidates) if roi is None else [_given(roi, info)]
    per_preview(prev, "sigma", lambda p: noise_sigma(p.frames))  # shared by the models,
    stab = _shake(per_preview(prev, "stab", stab_setup))           # computed once
    cuts = [(r, size) for r, _, size in (_grid(loc.roi, loc.foot_len) for loc in locs)]
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
    ahead = min(AHEAD_BYTES, MODEL_BUDGET - _model_memory(prev))
    per_item = sum(w * h for _, (w, h) in cuts) + 1
    fetch = Prefetch(items(), depth=int(min(max(6, ahead // per_item), 512)))
    if ahead >= AHEAD_MIN:  # else decoding (its own buffers too) waits for the models
        fetch.start()
    try:
        models = _build_models(info, prev, locs)
    except BaseException:
        fetch.close()
        raise
    state["ready"] = True
    # per frame: its time, per candidate (bottom, foot x, contrast), the shake shift (x, y);
    # flat float arrays (8 bytes a number: a long clip costs little memory)
    times = array("d")
    meas = [array("d") for _ in models]
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
            _look_below(shadows[i], model, got)
        times.append(item.time)
        shifts.extend(sh)
        if progress is not None and item.index % 64 == 0:
            progress(item.index + 1)
        if item.time >= next_check:
            next_check = item.time + max(PRUNE_EVERY_S, PRUNE_SPACING * item.time)
            active, looks = still_promising(active, so_far, info.capture_fps, looks)
            state["active"] = active
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
    for model, out, shadow in zip(models, meas, shadows, strict=True):
        if len(out) != 3 * len(times):  # dropped early: it showed nothing
            continue
        arr = np.array(out, float).reshape(-1, 3)
        try:
            sig = _to_signal(model, np.array(times), arr[:, 0], arr[:, 1], arr[:, 2],
                             np.array(shifts, float).reshape(-1, 2), shadow)
        except NoMovementError:
            continue
        sig.warnings.extend(warnings)
        signals.append(sig)
    if not signals:
        raise NoMovementError(f"{info.path.name}: no foot found near the floor "
                              "(is the athlete's foot in frame?)")
    return signals


AHEAD_BACKLOG = 2  # frames waiting for the measuring from which the decoder crops ahead
AHEAD_BYTES = 64e6  # crops cut ahead at most (bytes; while the models are built)
AHEAD_MIN = 16e6  # less room than this: no decoding while the models are built


def _build_models(info: VideoInfo, prev: Preview, locs: list[Located]) -> list[Model]:
    workers = _model_workers(prev, len(locs))
    if workers == 1:  # on this thread: freed memory goes back to its own heap, not another
        return [_build_model(info, prev, loc) for loc in locs]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda loc: _build_model(info, prev, loc), locs))


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
               shadow: ShadowAccumulator | None = None) -> FootSignal:
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
    return FootSignal(times=times, height=height, conf=conf, foot_x=foot_x, foot_y=foot_y,
                      rois=rois, floor_y=roi.y + floor / s, px_noise=noise / s,
                      shadow_px=lift / s, sunk=sunk)


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


__all__ = ["track", "contact_level", "ANALYSIS_FOOT_PX", "NoMovementError"]
