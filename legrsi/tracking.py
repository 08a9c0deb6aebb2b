"""Frames -> foot signal: the height of the lowest foot point above the floor, per frame.

One streaming pass over the clip. Each frame's foot region is compared with a background
model (after removing flicker and, for hand-held clips, camera shake); the rows that differ
form vertical runs; the biggest run is the leg and foot, and its bottom row is the lowest foot
point. A contact shadow stays on the floor, so in flight it is a separate, thin run below the
gap and does not count. The floor row is the level the foot bottom returns to in contact.
"""

from __future__ import annotations

import math
import os
from array import array
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import cv2
import numpy as np

from .locate import (
    Located,
    Preview,
    _normalised,
    background,
    clip_roi,
    locate_candidates,
    noise_sigma,
    preview,
)
from .orderstats import median0, percentile0, percentile_sorted, sort0
from .prefetch import Prefetch
from .pruning import PRUNE_EVERY_S, PRUNE_SPACING, Looks, still_promising
from .types import FootSignal, NoMovementError, Roi, VideoError, VideoInfo
from .video import FrameReader

ANALYSIS_FOOT_PX = 110.0  # the foot is analysed at about this many pixels long
ProgressFn = Callable[[int], None]
T = TypeVar("T")


@dataclass
class _Model:
    roi: Roi
    scale: float            # analysis pixels per full-resolution pixel
    size: tuple[int, int]   # analysis crop (w, h)
    bg: np.ndarray          # (h, w) float32 background at analysis scale
    gain_idx: np.ndarray    # flat indices of stable background pixels (flicker gain)
    thr: float              # grey-level difference that counts as foreground
    thr_map: np.ndarray     # (h, w) per-pixel threshold: thr + share of background gradient
    min_row_px: int         # pixels a row of the foot blob needs
    min_area: int           # pixels a blob needs to be considered
    stab_ref: np.ndarray | None
    stab_mask: np.ndarray | None
    stab_scale: float
    work: _Work | None = None  # per-frame scratch buffers, made on first use


class _Work:
    """Scratch buffers of one candidate's per-frame measure (reused: no per-frame
    allocation of crop-sized arrays) and the gain sample points as (rows, cols)."""

    def __init__(self, model: _Model) -> None:
        h, w = model.bg.shape
        self.gain_at = np.unravel_index(model.gain_idx, (h, w))
        self.gain_den = np.maximum(model.bg.ravel()[model.gain_idx], 1.0)
        self.f = np.empty((h, w), np.float32)
        self.scaled_bg = np.empty((h, w), np.float32)
        self.diff = np.empty((h, w), np.float32)
        self.mask = np.empty((h, w), np.uint8)


def _crop(img: np.ndarray, roi: Roi, size: tuple[int, int],
          shift: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    if shift != (0.0, 0.0):
        # OpenCV takes the centre as float32: round it first, then cut out only the pixels
        # the interpolation reads (no copy of the whole frame; same values as on the frame)
        cx = float(np.float32(roi.x + roi.w / 2.0 - 0.5 + shift[0]))
        cy = float(np.float32(roi.y + roi.h / 2.0 - 0.5 + shift[1]))
        h, w = img.shape[:2]
        x0 = min(max(0, math.floor(cx - roi.w / 2.0) - 2), w - 1)
        y0 = min(max(0, math.floor(cy - roi.h / 2.0) - 2), h - 1)
        x1 = max(min(w, math.ceil(cx + roi.w / 2.0) + 3), x0 + 1)
        y1 = max(min(h, math.ceil(cy + roi.h / 2.0) + 3), y0 + 1)
        patch = cv2.getRectSubPix(np.ascontiguousarray(img[y0:y1, x0:x1]), (roi.w, roi.h),
                                  (cx - x0, cy - y0))
    else:
        patch = img[roi.y: roi.y + roi.h, roi.x: roi.x + roi.w]
    return _shrink(patch, size, cv2.INTER_LINEAR)


def _shrink(img: np.ndarray, size: tuple[int, int], last: int = cv2.INTER_AREA) -> np.ndarray:
    """Resize a picture down to ``size`` (w, h): halve it (2 x 2 pixel means, OpenCV's fast
    path) while it stays at least ``size``, then resample the rest with ``last``."""
    w, h = size
    while img.shape[1] >= 2 * w and img.shape[0] >= 2 * h:
        ih, iw = img.shape[:2]
        img = cv2.resize(img[: ih - ih % 2, : iw - iw % 2], (iw // 2, ih // 2),
                         interpolation=cv2.INTER_AREA)
    if img.shape[1] != w or img.shape[0] != h:
        img = cv2.resize(img, (w, h), interpolation=last)
    return img


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


def _stab_setup(prev: Preview) -> tuple[np.ndarray | None, np.ndarray | None, float]:
    """Reference picture and athlete mask for shake compensation; (None, None, 1) when the
    camera is steady (tripod)."""
    frames = prev.frames
    h, w = frames.shape[1:]
    s = min(1.0, 256.0 / max(h, w))
    small = np.stack([cv2.resize(f, (max(8, round(w * s)), max(8, round(h * s))),
                                 interpolation=cv2.INTER_AREA) for f in frames]).astype(np.float32)
    ref = median0(small)
    moving = percentile0(np.abs(small - ref), 90) > 10.0
    moving = cv2.dilate(moving.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    win = cv2.createHanningWindow(ref.shape[::-1], cv2.CV_32F)
    shifts, responses = [], []
    for f in small:
        f[moving] = ref[moving]
        shift, response = cv2.phaseCorrelate(ref, f, win)
        shifts.append(shift)
        responses.append(response)
    mag = np.hypot(*np.array(shifts).T) / (s * prev.scale)  # full-resolution pixels
    reliable = float(np.median(responses)) > 0.25
    if len(mag) < 3 or moving.mean() > 0.6 or not reliable or float(np.median(mag)) < 0.75:
        return None, None, 1.0
    return ref, moving, s * prev.scale


def _model_workers(prev: Preview, n: int) -> int:
    """Models built at once (threads: NumPy sorts run in parallel), as many as the cores
    and ~150 MB of working memory allow (a model needs ~12 bytes per crop pixel)."""
    per_model = prev.frames[0].size * len(prev.frames) * 12
    return max(1, min(n, os.cpu_count() or 1, int(150e6 // max(per_model, 1.0))))


def _per_preview(prev: Preview, key: str, fn: Callable[[Preview], T]) -> T:
    """``fn(prev)``, computed once per preview (the candidate regions share it)."""
    cache = prev.__dict__.setdefault("_shared", {})
    if key not in cache:
        cache[key] = fn(prev)
    return cache[key]  # type: ignore[no-any-return]


def _build_model(info: VideoInfo, prev: Preview, loc: Located) -> _Model:
    roi, scale, size = _grid(loc.roi, loc.foot_len)
    ps = prev.scale
    proi = Roi(int(roi.x * ps), int(roi.y * ps), max(2, int(roi.w * ps)), max(2, int(roi.h * ps)))
    crops = np.stack([cv2.resize(f[proi.y: proi.y + proi.h, proi.x: proi.x + proi.w], size,
                                 interpolation=cv2.INTER_LINEAR) for f in prev.frames])
    sigma = _per_preview(prev, "sigma", lambda p: noise_sigma(p.frames)) \
        * min(1.0, math.sqrt(max(scale / ps, 1e-3)))
    bg = background(crops, sigma)
    s = sort0(crops)  # per-pixel order statistics from one sort (same values as np.percentile)
    spread = percentile_sorted(s, 85) - percentile_sorted(s, 15)
    del s
    stable = np.flatnonzero((spread < max(8.0, 3 * sigma)).ravel())
    if len(stable) < 50:
        stable = np.arange(bg.size)
    rng = np.random.default_rng(0)
    gain_idx = np.sort(rng.choice(stable, size=min(len(stable), 800), replace=False))
    thr = max(7.0, 4.0 * noise_sigma(_normalised(crops)))
    stab_ref, stab_mask, stab_scale = _per_preview(prev, "stab", _stab_setup)
    gx = cv2.Sobel(bg, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(bg, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    thr_map = (thr + 1.5 * np.hypot(gx, gy)).astype(np.float32)
    foot_px = loc.foot_len * scale
    model = _Model(roi, scale, size, bg, gain_idx, thr, thr_map, max(2, int(0.04 * foot_px)),
                   max(6, int(0.03 * foot_px * foot_px)), stab_ref, stab_mask, stab_scale)
    return model


def _shift(model: _Model, img: np.ndarray, win: np.ndarray) -> tuple[float, float]:
    assert model.stab_ref is not None
    h, w = model.stab_ref.shape
    small = _shrink(img, (w, h)).astype(np.float32)
    small[model.stab_mask] = model.stab_ref[model.stab_mask]
    (dx, dy), response = cv2.phaseCorrelate(model.stab_ref, small, win)
    if response < 0.15:
        return math.nan, math.nan
    return dx / model.stab_scale, dy / model.stab_scale


def _measure(model: _Model, crop: np.ndarray) -> tuple[float, float, float]:
    """Lowest row of the foot blob (analysis px, NaN if none), foot x (analysis px), contrast.

    Foreground = differs from the background by more than the noise threshold plus a share
    of the background's local gradient (edges flicker under compression). The foot blob is
    the lowest of the big connected blobs; its bottom edge is refined to sub-pixel from the
    fraction of the foot's width present in its last row.
    """
    # (buffers reused, OpenCV ops: same values as the plain numpy expressions noted)
    work = model.work = model.work or _Work(model)
    gain = _median1(crop[work.gain_at].astype(np.float32) / work.gain_den)
    np.multiply(model.bg, np.float32(gain), out=work.scaled_bg)
    work.f[...] = crop
    diff = cv2.absdiff(work.f, work.scaled_bg, dst=work.diff)  # |f - gain * bg|
    mask = cv2.compare(diff, model.thr_map, cv2.CMP_GT, dst=work.mask)  # 255 = foreground
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, _KERNEL)
    # a row changed across most of the region's width is a lighting or shadow line along the
    # floor or skirting, never the foot (it spans a minority of the region): drop it
    wide = _row_counts(mask, 255) > 0.6 * mask.shape[1]
    if wide.any():
        mask[wide] = 0
    # the rest only where foreground is: its bounding box plus a margin wider than the
    # closing reaches (even corner: same labels as on the whole crop)
    x, y, w, h = cv2.boundingRect(mask)
    if w == 0:
        return math.nan, math.nan, 0.0
    x0, y0 = max(0, x - _MARGIN) & ~1, max(0, y - _MARGIN) & ~1
    mask = mask[y0: y + h + _MARGIN, x0: x + w + _MARGIN]
    diff = diff[y0: y0 + mask.shape[0], x0: x0 + mask.shape[1]]
    joined = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _JOIN)  # shoe parts -> one blob
    # labels without OpenCV's stats (those cost ~6x the labelling); areas by counting
    n, labels = cv2.connectedComponents(joined, connectivity=8)
    if n <= 1:
        return math.nan, math.nan, 0.0
    areas = np.bincount(labels.ravel(), minlength=n)[1:]
    lab = int(np.argmax(areas)) + 1  # the athlete's leg and foot: the biggest blob
    if areas[lab - 1] < model.min_area:
        return math.nan, math.nan, 0.0
    own = labels == lab
    _, top, _, height = cv2.boundingRect(own.view(np.uint8))
    bot = top + height
    blob = own[top:bot] & (mask[top:bot] > 0)
    counts = _row_counts(blob.view(np.uint8), 1)
    rows = np.flatnonzero(counts >= model.min_row_px)
    if len(rows) == 0:
        return math.nan, math.nan, 0.0
    bottom = int(rows[-1])
    edge = _half_max_edge(diff[top:bot], blob, bottom)
    lo = max(0, bottom - 3)
    cols = np.flatnonzero(blob[lo: bottom + 1].any(axis=0)) + x0
    foot_x = float(cols.mean()) if len(cols) else math.nan
    sel = blob[lo: bottom + 1]
    contrast = float(diff[top + lo: top + bottom + 1][sel].mean() / model.thr)
    return y0 + top + edge, foot_x, contrast


def _half_max_edge(diff: np.ndarray, blob: np.ndarray, bottom: int) -> float:
    """Sub-pixel lower edge of the blob: where the mean difference over the blob's bottom
    columns falls to half of its level inside the foot (blur is symmetric about the true edge;
    a contact shadow is weaker than the shoe and falls below half)."""
    cols = blob[max(0, bottom - 2): bottom + 1].any(axis=0)
    if not cols.any():
        return bottom + 0.5
    lo = max(0, bottom - 10)
    hi = min(diff.shape[0], bottom + 4)
    prof = diff[lo:hi][:, cols].mean(axis=1)
    inside = prof[: max(1, bottom - 3 - lo)]
    level = _median1(inside) if len(inside) else float(prof.max())
    half = 0.5 * level
    k = bottom - lo
    # walk up from the bottom row to the last row at or above half level
    while k > 0 and prof[k] < half:
        k -= 1
    while k + 1 < len(prof) and prof[k + 1] >= half:
        k += 1
    if k + 1 >= len(prof):
        return lo + k + 0.5
    a, b = float(prof[k]), float(prof[k + 1])
    frac = (a - half) / (a - b) if a > b else 0.5
    return lo + k + 0.5 + float(np.clip(frac, 0.0, 1.0))


def _row_counts(mask: np.ndarray, on: int) -> np.ndarray:
    """Pixels per row of a uint8 mask of 0 and ``on`` that are ``on``
    (= np.count_nonzero(mask, axis=1), faster)."""
    return cv2.reduce(mask, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel() // on


def _median1(values: np.ndarray) -> float:
    """float(np.median(values)) of a small 1-D float array without NaN, faster."""
    s = np.sort(values)
    k = len(s) // 2
    return float(s[k] if len(s) % 2 else np.mean(s[k - 1: k + 1]))


_KERNEL = np.ones((3, 3), np.uint8)
_JOIN = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
_MARGIN = 8  # pixels kept around the foreground: more than the closing (3) reaches


def track(info: VideoInfo, roi: Roi | None = None, progress: ProgressFn | None = None,
          max_candidates: int = 3) -> list[FootSignal]:
    """Decode the clip once; return the foot signal of each candidate foot region.

    With ``roi`` given there is one candidate; otherwise up to ``max_candidates`` regions
    where moving things rest on a floor (the caller picks the one with the clearest hops).
    """
    prev = preview(info)
    locs = locate_candidates(prev, info, max_candidates) if roi is None else [_given(roi, info)]
    _per_preview(prev, "sigma", lambda p: noise_sigma(p.frames))  # shared by the models,
    _per_preview(prev, "stab", _stab_setup)                          # computed once
    workers = _model_workers(prev, len(locs))
    if workers == 1:  # on this thread: freed memory goes back to its own heap, not another
        models = [_build_model(info, prev, loc) for loc in locs]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            models = list(pool.map(lambda loc: _build_model(info, prev, loc), locs))
    stab = next((m for m in models if m.stab_ref is not None), None)
    win = (cv2.createHanningWindow(stab.stab_ref.shape[::-1], cv2.CV_32F)
           if stab is not None and stab.stab_ref is not None else None)
    # decoding gets the cores the measuring (this thread) leaves free: on two cores, one
    # decoding thread (FFmpeg's frame threads would only compete with the measuring)
    reader = FrameReader(info, threads=max(1, (os.cpu_count() or 1) - 1))
    # per frame: its time, per candidate (bottom, foot x, contrast), the shake shift (x, y);
    # flat float arrays (8 bytes a number: a long clip costs little memory)
    times = array("d")
    meas = [array("d") for _ in models]
    shifts = array("d")
    last_shift = (0.0, 0.0)
    active = list(range(len(models)))  # candidates still measured
    next_check = PRUNE_EVERY_S if len(models) > 1 else math.inf
    looks = Looks()

    def so_far(i: int) -> FootSignal:  # candidate i's signal of the frames measured so far
        arr = np.array(meas[i], float).reshape(-1, 3)
        return _to_signal(models[i], np.array(times), arr[:, 0], arr[:, 1], arr[:, 2],
                          np.array(shifts, float).reshape(-1, 2))

    for frame in Prefetch(reader):  # decoding runs ahead on a worker thread
        sh = _shift(stab, frame.image, win) if stab is not None and win is not None \
            else (0.0, 0.0)
        if math.isnan(sh[0]):
            sh = last_shift
        last_shift = sh
        for i in active:
            model = models[i]
            meas[i].extend(_measure(model, _crop(frame.image, model.roi, model.size, sh)))
        times.append(frame.time)
        shifts.extend(sh)
        if progress is not None and frame.index % 64 == 0:
            progress(frame.index + 1)
        if frame.time >= next_check:
            next_check = frame.time + max(PRUNE_EVERY_S, PRUNE_SPACING * frame.time)
            active, looks = still_promising(active, so_far, info.capture_fps, looks)
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
    for model, out in zip(models, meas, strict=True):
        if len(out) != 3 * len(times):  # dropped early: it showed nothing
            continue
        arr = np.array(out, float).reshape(-1, 3)
        try:
            sig = _to_signal(model, np.array(times), arr[:, 0], arr[:, 1], arr[:, 2],
                             np.array(shifts, float).reshape(-1, 2))
        except NoMovementError:
            continue
        sig.warnings.extend(warnings)
        signals.append(sig)
    if not signals:
        raise NoMovementError(f"{info.path.name}: no foot found near the floor "
                              "(is the athlete's foot in frame?)")
    return signals


def _given(roi: Roi, info: VideoInfo) -> Located:
    if roi.x + roi.w > info.width or roi.y + roi.h > info.height:
        raise NoMovementError(
            f"--roi {roi.x},{roi.y},{roi.w},{roi.h} lies outside the "
            f"{info.width}x{info.height} picture")
    roi = clip_roi(roi, info)
    return Located(roi=roi, floor_y=roi.y + roi.h * 0.85, foot_len=roi.h / 2.5)


def _to_signal(model: _Model, times: np.ndarray, bottoms: np.ndarray, xs: np.ndarray,
               contrasts: np.ndarray, shifts: np.ndarray) -> FootSignal:
    seen = np.isfinite(bottoms)
    if seen.sum() < 3:
        raise NoMovementError("no foot found near the floor (is the athlete's foot in frame?)")
    floor, noise = contact_level(bottoms[seen])
    s = model.scale
    height = np.where(seen, np.clip(floor - bottoms, 0.0, None) / s, np.nan)
    conf = np.clip(contrasts / 3.0, 0.0, 1.0)
    roi = model.roi
    foot_x = roi.x + xs / s + shifts[:, 0]
    foot_y = roi.y + bottoms / s + shifts[:, 1]
    rois = np.tile(np.array([roi.x, roi.y, roi.w, roi.h], float), (len(times), 1))
    rois[:, 0] += shifts[:, 0]
    rois[:, 1] += shifts[:, 1]
    times = _strictly_increasing(times)
    return FootSignal(times=times, height=height, conf=conf, foot_x=foot_x, foot_y=foot_y,
                      rois=rois, floor_y=roi.y + floor / s, px_noise=noise / s)


def contact_level(bottoms: np.ndarray) -> tuple[float, float]:
    """Floor row (analysis px) = level the foot bottom returns to in contact; and its jitter.

    ``bottoms``: bottom rows of the leg run in frames where a foot was seen.
    """
    hi = float(np.percentile(bottoms, 97))
    near = bottoms[bottoms >= hi - 6.0]
    hist, edges = np.histogram(near, bins=max(4, int(math.ceil(near.max() - near.min())) * 2 + 1))
    mode = float(edges[np.argmax(hist)] + (edges[1] - edges[0]) / 2)
    close = bottoms[np.abs(bottoms - mode) <= 3.0]
    level = float(np.median(close)) if len(close) else mode
    jitter = float(1.4826 * np.median(np.abs(close - np.median(close)))) if len(close) else 0.5
    return level, max(0.25, jitter)


def _strictly_increasing(t: np.ndarray) -> np.ndarray:
    out = t.astype(float).copy()
    for i in range(1, len(out)):
        if out[i] <= out[i - 1]:
            out[i] = out[i - 1] + 1e-6
    return out


__all__ = ["track", "contact_level", "ANALYSIS_FOOT_PX", "NoMovementError"]
