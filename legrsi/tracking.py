"""Frames -> foot signal: the height of the lowest foot point above the floor, per frame.

One streaming pass over the clip. Each frame's foot region is compared with a background
model (after removing flicker and, for hand-held clips, camera shake); the rows that differ
form vertical runs; the biggest run is the leg and foot, and its bottom row is the lowest foot
point. A contact shadow stays on the floor, so in flight it is a separate, thin run below the
gap and does not count. The floor row is the level the foot bottom returns to in contact.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

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
from .types import FootSignal, NoMovementError, Roi, VideoError, VideoInfo
from .video import FrameReader

ANALYSIS_FOOT_PX = 110.0  # the foot is analysed at about this many pixels long
ProgressFn = Callable[[int], None]


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


def _crop(img: np.ndarray, roi: Roi, size: tuple[int, int],
          shift: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    if shift != (0.0, 0.0):
        cx = roi.x + roi.w / 2.0 - 0.5 + shift[0]
        cy = roi.y + roi.h / 2.0 - 0.5 + shift[1]
        patch = cv2.getRectSubPix(np.ascontiguousarray(img), (roi.w, roi.h), (cx, cy))
    else:
        patch = img[roi.y: roi.y + roi.h, roi.x: roi.x + roi.w]
    if (roi.w, roi.h) != size:
        patch = cv2.resize(patch, size, interpolation=cv2.INTER_AREA)
    return patch


def _stab_setup(prev: Preview) -> tuple[np.ndarray | None, np.ndarray | None, float]:
    """Reference picture and athlete mask for shake compensation; (None, None, 1) when the
    camera is steady (tripod)."""
    frames = prev.frames
    h, w = frames.shape[1:]
    s = min(1.0, 256.0 / max(h, w))
    small = np.stack([cv2.resize(f, (max(8, round(w * s)), max(8, round(h * s))),
                                 interpolation=cv2.INTER_AREA) for f in frames]).astype(np.float32)
    ref = np.median(small, axis=0)
    moving = np.percentile(np.abs(small - ref), 90, axis=0) > 10.0
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


def _build_model(info: VideoInfo, prev: Preview, loc: Located) -> _Model:
    roi = loc.roi
    scale = min(1.0, ANALYSIS_FOOT_PX / max(loc.foot_len, 1.0))
    size = (max(8, round(roi.w * scale)), max(8, round(roi.h * scale)))
    ps = prev.scale
    proi = Roi(int(roi.x * ps), int(roi.y * ps), max(2, int(roi.w * ps)), max(2, int(roi.h * ps)))
    crops = np.stack([cv2.resize(f[proi.y: proi.y + proi.h, proi.x: proi.x + proi.w], size,
                                 interpolation=cv2.INTER_LINEAR) for f in prev.frames])
    sigma = noise_sigma(prev.frames) * min(1.0, math.sqrt(max(scale / ps, 1e-3)))
    bg = background(crops, sigma)
    spread = np.percentile(crops, 85, axis=0) - np.percentile(crops, 15, axis=0)
    stable = np.flatnonzero((spread < max(8.0, 3 * sigma)).ravel())
    if len(stable) < 50:
        stable = np.arange(bg.size)
    rng = np.random.default_rng(0)
    gain_idx = np.sort(rng.choice(stable, size=min(len(stable), 800), replace=False))
    thr = max(7.0, 4.0 * noise_sigma(_normalised(crops)))
    stab_ref, stab_mask, stab_scale = _stab_setup(prev)
    gx = cv2.Sobel(bg, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(bg, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    thr_map = (thr + 1.5 * np.hypot(gx, gy)).astype(np.float32)
    foot_px = loc.foot_len * scale
    return _Model(roi, scale, size, bg, gain_idx, thr, thr_map, max(2, int(0.04 * foot_px)),
                  max(6, int(0.03 * foot_px * foot_px)), stab_ref, stab_mask, stab_scale)


def _shift(model: _Model, img: np.ndarray, win: np.ndarray) -> tuple[float, float]:
    assert model.stab_ref is not None
    h, w = model.stab_ref.shape
    small = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
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
    f = crop.astype(np.float32)
    flat_bg = model.bg.ravel()[model.gain_idx]
    gain = float(np.median(f.ravel()[model.gain_idx] / np.maximum(flat_bg, 1.0)))
    diff = np.abs(f - gain * model.bg)
    mask = (diff > model.thr_map).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, _KERNEL)
    joined = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _JOIN)  # shoe parts -> one blob
    n, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    if n <= 1:
        return math.nan, math.nan, 0.0
    areas = stats[1:, cv2.CC_STAT_AREA]
    lab = int(np.argmax(areas)) + 1  # the athlete's leg and foot: the biggest blob
    if areas[lab - 1] < model.min_area:
        return math.nan, math.nan, 0.0
    top = int(stats[lab, cv2.CC_STAT_TOP])
    bot = int(stats[lab, cv2.CC_STAT_TOP] + stats[lab, cv2.CC_STAT_HEIGHT])
    blob = (labels[top:bot] == lab) & (mask[top:bot] > 0)
    counts = blob.sum(axis=1)
    rows = np.flatnonzero(counts >= model.min_row_px)
    if len(rows) == 0:
        return math.nan, math.nan, 0.0
    bottom = int(rows[-1])
    edge = _half_max_edge(diff[top:bot], blob, bottom)
    lo = max(0, bottom - 3)
    cols = np.flatnonzero(blob[lo: bottom + 1].any(axis=0))
    foot_x = float(cols.mean()) if len(cols) else math.nan
    sel = blob[lo: bottom + 1]
    contrast = float(diff[top + lo: top + bottom + 1][sel].mean() / model.thr)
    return top + edge, foot_x, contrast


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
    level = float(np.median(inside)) if len(inside) else float(prof.max())
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


_KERNEL = np.ones((3, 3), np.uint8)
_JOIN = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))


def track(info: VideoInfo, roi: Roi | None = None, progress: ProgressFn | None = None,
          max_candidates: int = 3) -> list[FootSignal]:
    """Decode the clip once; return the foot signal of each candidate foot region.

    With ``roi`` given there is one candidate; otherwise up to ``max_candidates`` regions
    where moving things rest on a floor (the caller picks the one with the clearest hops).
    """
    prev = preview(info)
    locs = locate_candidates(prev, info, max_candidates) if roi is None else [_given(roi, info)]
    models = [_build_model(info, prev, loc) for loc in locs]
    stab = next((m for m in models if m.stab_ref is not None), None)
    win = (cv2.createHanningWindow(stab.stab_ref.shape[::-1], cv2.CV_32F)
           if stab is not None and stab.stab_ref is not None else None)
    reader = FrameReader(info)
    times: list[float] = []
    meas: list[list[tuple[float, float, float]]] = [[] for _ in models]
    shifts: list[tuple[float, float]] = []
    last_shift = (0.0, 0.0)
    for frame in reader:
        sh = _shift(stab, frame.image, win) if stab is not None and win is not None \
            else (0.0, 0.0)
        if math.isnan(sh[0]):
            sh = last_shift
        last_shift = sh
        for model, out in zip(models, meas, strict=True):
            out.append(_measure(model, _crop(frame.image, model.roi, model.size, sh)))
        times.append(frame.time)
        shifts.append(sh)
        if progress is not None and frame.index % 64 == 0:
            progress(frame.index + 1)
    if not times:
        raise VideoError(f"{info.path.name}: video has no decodable frames")
    warnings = list(reader.warnings)
    hint = info.frame_count_hint
    if hint and len(times) < hint - 1 and not reader.warnings:
        warnings.append(f"decoded {len(times)} frames but the file announces {hint}: "
                        "it may be truncated; analysed the decodable part")
    signals = []
    for model, out in zip(models, meas, strict=True):
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
