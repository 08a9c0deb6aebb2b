"""Find the foot region and build the background model from a sparse preview of the clip.

The preview is a set of frames spread over the clip (key frames when the clip has enough of
them, else a strided full decode), kept at reduced size. From it we find where things move
near the bottom of the moving region (the feet and the floor line) and a per-pixel background
of that region that stays right where the foot stands more than half of the time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .types import NoMovementError, Roi, VideoInfo
from .video import FrameReader

PREVIEW_WIDTH = 640  # pixels: preview frames are stored at most this wide
MIN_KEYFRAMES = 16
MAX_SAMPLES = 160


@dataclass
class Preview:
    """Sample frames of a clip at ``scale`` x full size: ``frames`` has shape (n, h, w)."""

    frames: np.ndarray
    scale: float


@dataclass
class Located:
    """Foot region (full-resolution pixels) and the estimated floor row inside it."""

    roi: Roi
    floor_y: float
    foot_len: float


def _store(img: np.ndarray, scale: float) -> np.ndarray:
    if scale >= 1.0:
        return np.array(img, dtype=np.uint8, copy=True)
    h, w = img.shape[:2]
    return cv2.resize(img, (max(1, round(w * scale)), max(1, round(h * scale))),
                      interpolation=cv2.INTER_AREA)


def _collect(reader: FrameReader, scale: float, stride: int) -> list[np.ndarray]:
    samples: list[np.ndarray] = []
    step = stride
    for k, frame in enumerate(reader):
        if k % step:
            continue
        samples.append(_store(frame.image, scale))
        if len(samples) >= 2 * MAX_SAMPLES:  # bounded memory: keep every other one
            samples = samples[::2]
            step *= 2
    return samples


def preview(info: VideoInfo) -> Preview:
    """Decode a sparse, bounded preview of the clip (luma, reduced to PREVIEW_WIDTH)."""
    scale = min(1.0, PREVIEW_WIDTH / max(info.width, info.height))
    samples = _collect(FrameReader(info, keyframes_only=True), scale, 1)
    if len(samples) < MIN_KEYFRAMES:
        n_est = info.frame_count_hint or int((info.duration_hint_s or 10.0) * info.container_fps)
        stride = max(1, math.ceil(n_est / 96))
        samples = _collect(FrameReader(info), scale, stride)
    if not samples:
        raise NoMovementError(f"{info.path.name}: no decodable frames")
    return Preview(np.stack(samples), scale)


def noise_sigma(frames: np.ndarray) -> float:
    """Sensor-noise sigma in grey levels, from differences of horizontally adjacent pixels."""
    sub = frames[:: max(1, len(frames) // 8)].astype(np.float32)
    d = np.diff(sub, axis=2).ravel()
    mad = float(np.median(np.abs(d - np.median(d))))
    return max(0.5, 1.4826 * mad / math.sqrt(2.0))


def motion_map(frames: np.ndarray, sigma: float) -> np.ndarray:
    """Boolean (h, w) map of pixels whose value changes across the preview."""
    lo = np.percentile(frames, 10, axis=0)
    hi = np.percentile(frames, 90, axis=0)
    # compensate global brightness changes (flicker) by normalising each frame's median
    spread = hi - lo
    thr = max(14.0, 5.0 * sigma)
    mask = (spread > thr).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    return mask.astype(bool)


def locate(prev: Preview, info: VideoInfo) -> Located:
    """Find the foot region: the bottom of the moving region, widened, floor row inside it."""
    frames = _normalised(prev.frames)
    sigma = noise_sigma(frames)
    mask = motion_map(frames, sigma)
    h, w = mask.shape
    rows = mask.sum(axis=1)
    min_px = max(3, int(0.004 * w))
    moving_rows = np.flatnonzero(rows >= min_px)
    if len(moving_rows) == 0:
        raise NoMovementError(f"{info.path.name}: no movement found (is the athlete in frame?)")
    bottom = int(moving_rows[-1])
    top = int(moving_rows[0])
    extent = bottom - top + 1
    band = mask[max(top, bottom - max(4, extent // 6)): bottom + 1]
    cols = np.flatnonzero(band.sum(axis=0) > 0)
    x0, x1 = int(cols[0]), int(cols[-1]) + 1
    foot_len = float(np.clip(0.8 * (x1 - x0), 0.06 * w, 0.35 * max(w, h)))
    foot_len = min(foot_len, 0.6 * extent) if extent > 10 else foot_len
    foot_len = max(foot_len, 0.05 * w)
    rx0 = max(0, int(x0 - 0.6 * foot_len))
    rx1 = min(w, int(x1 + 0.6 * foot_len))
    ry0 = max(0, int(bottom - 2.2 * foot_len))
    ry1 = min(h, int(bottom + 0.35 * foot_len) + 2)
    s = prev.scale
    roi = Roi(int(rx0 / s), int(ry0 / s), max(8, int((rx1 - rx0) / s)),
              max(8, int((ry1 - ry0) / s)))
    roi = clip_roi(roi, info)
    return Located(roi=roi, floor_y=bottom / s, foot_len=foot_len / s)


def clip_roi(roi: Roi, info: VideoInfo) -> Roi:
    """Clamp a region (pixels) to the picture."""
    x = min(max(0, roi.x), info.width - 8)
    y = min(max(0, roi.y), info.height - 8)
    return Roi(x, y, max(8, min(roi.w, info.width - x)), max(8, min(roi.h, info.height - y)))


def _normalised(frames: np.ndarray) -> np.ndarray:
    """Divide out per-frame brightness changes (flicker) relative to the median frame."""
    f = frames.astype(np.float32)
    med = np.median(f.reshape(len(f), -1), axis=1)
    ref = float(np.median(med))
    gain = ref / np.maximum(med, 1.0)
    return f * gain[:, None, None]


def background(crops: np.ndarray, sigma: float) -> np.ndarray:
    """Per-pixel background of ROI crops, shape (n, h, w) -> (h, w) float32.

    Pixels that take two clearly different values across the preview (a foot that is there
    during contact and gone in flight) get the value that matches the stable pixels of the
    same row, so the background stays right where the athlete stands most of the time.
    """
    f = _normalised(crops)
    lo = np.percentile(f, 15, axis=0)
    hi = np.percentile(f, 85, axis=0)
    med = np.median(f, axis=0)
    c_lo, c_hi = lo.copy(), hi.copy()
    for _ in range(3):  # two-means per pixel, vectorised
        split = (c_lo + c_hi) / 2
        below = f <= split
        n_lo = below.sum(axis=0)
        n_hi = len(f) - n_lo
        c_lo = np.where(n_lo > 0, (f * below).sum(axis=0) / np.maximum(n_lo, 1), c_lo)
        c_hi = np.where(n_hi > 0, (f * ~below).sum(axis=0) / np.maximum(n_hi, 1), c_hi)
    thr = max(10.0, 4.0 * sigma)
    bimodal = (c_hi - c_lo) > thr
    stable = ~bimodal & ((hi - lo) < thr)
    ref = _row_reference(med, stable)
    pick_lo = np.abs(c_lo - ref) <= np.abs(c_hi - ref)
    return np.where(bimodal, np.where(pick_lo, c_lo, c_hi), med).astype(np.float32)


def _row_reference(med: np.ndarray, stable: np.ndarray) -> np.ndarray:
    """For each pixel, the median of stable pixels of its row within a horizontal window."""
    h, w = med.shape
    win = max(9, w // 3) | 1
    vals = np.where(stable, med, np.nan)
    out = np.empty_like(med)
    for y in range(h):
        row = vals[y]
        good = np.isfinite(row)
        if good.sum() == 0:
            out[y] = np.nan
            continue
        # windowed nan-median approximated by a median of stable pixels in blocks
        idx = np.arange(w)
        centers = idx[good]
        out[y] = np.interp(idx, centers, _running_median(row[good], centers, win))
    # rows without stable pixels borrow the nearest row with data
    bad = np.isnan(out[:, 0])
    if bad.all():
        return med
    good_rows = np.flatnonzero(~bad)
    for y in np.flatnonzero(bad):
        out[y] = out[good_rows[np.argmin(np.abs(good_rows - y))]]
    return out


def _running_median(values: np.ndarray, pos: np.ndarray, win: int) -> np.ndarray:
    lo = np.searchsorted(pos, pos - win // 2)
    hi = np.searchsorted(pos, pos + win // 2, side="right")
    step = max(1, len(values) // 64)
    out = np.empty(len(values), np.float32)
    anchors = np.arange(0, len(values), step)
    anchor_vals = np.array([np.median(values[lo[i]:hi[i]]) for i in anchors], np.float32)
    out[:] = np.interp(np.arange(len(values)), anchors, anchor_vals)
    return out
