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
import warnings
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
from .types import FootSignal, LegrsiError, NoMovementError, Roi, VideoError, VideoInfo
from .video import FrameReader

ANALYSIS_FOOT_PX = 110.0  # the foot is analysed at about this many pixels long
PRUNE_EVERY_S = 2.0  # s of capture between looks at which candidate regions show hops
PRUNE_BEST_SCORE = 2.0  # flight score (about 2 clear flights) the best candidate needs first
PRUNE_SHARE = 0.1  # a candidate below this share of the best score shows nothing
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
    tip_cols: int           # columns that must reach the foot's lowest row
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
    # the athlete's mask from blurred frames: with shake every sharp edge of the scene moves
    # a little (a mask of raw differences would hide the very edges that show the shake);
    # blurred, only the athlete's large changes remain
    ref = median0(small)
    soft = np.stack([cv2.GaussianBlur(f, (0, 0), 2.0) for f in small])
    moving = percentile0(np.abs(soft - cv2.GaussianBlur(ref, (0, 0), 2.0)), 90) > 10.0
    del soft
    moving = cv2.dilate(moving.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    shifts, responses = [], []
    for f in small:
        dx, dy, response = _match_shift(ref, moving, f)
        shifts.append((dx, dy))
        responses.append(response)
    mag = np.hypot(*np.array(shifts).T) / (s * prev.scale)  # full-resolution pixels
    reliable = float(np.median(responses)) > 0.5
    if len(mag) < 3 or moving.mean() > 0.6 or not reliable or float(np.median(mag)) < 0.75:
        return None, None, 1.0
    prev.__dict__.setdefault("_shared", {})["stab_moves_raw"] = \
        np.array(shifts) / (s * prev.scale)  # full-resolution px
    return ref, moving, s * prev.scale


def _preview_shifts(prev: Preview) -> np.ndarray:
    """Shake of each preview frame (full-resolution px, shape (n, 2)); zeros on a tripod."""
    _per_preview(prev, "stab", _stab_setup)
    raw = prev.__dict__.get("_shared", {}).get("stab_moves_raw")
    return raw if raw is not None else np.zeros((len(prev.frames), 2))


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
    # preview frames aligned like the frames will be (hand-held shake), else the background
    # is a blur of the scene's edges
    moves = _per_preview(prev, "stab_moves", _preview_shifts)
    crops = np.stack([_crop(f, proi, size, (float(dx) * ps, float(dy) * ps))
                      for f, (dx, dy) in zip(prev.frames, moves, strict=True)])
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
    foot_px = loc.foot_len * scale
    model = _Model(roi, scale, size, bg, gain_idx, thr, _thr_map(bg, thr),
                   max(2, round(0.012 * foot_px)), max(6, int(0.03 * foot_px * foot_px)),
                   stab_ref, stab_mask, stab_scale)
    _refine_background(model, crops)
    return model


def _thr_map(bg: np.ndarray, thr: float) -> np.ndarray:
    """Per-pixel foreground threshold (grey levels): noise plus a share of the background's
    local gradient (edges flicker under compression)."""
    gx = cv2.Sobel(bg, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(bg, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    # thin bright or dark lines (floor markings, tile joints) blur and sharpen from frame to
    # frame with compression: the centre of a line gets the threshold of its flanks
    grad = cv2.dilate(np.hypot(gx, gy).astype(np.float32), np.ones((3, 3), np.uint8))
    return (thr + 1.5 * grad).astype(np.float32)


def _refine_background(model: _Model, crops: np.ndarray) -> None:
    """Second look at the background, in place: per pixel the median of the preview crops
    in which the foot found with the first background does not cover it.

    The first background can keep a faint ghost of the foot where it passes often; the
    ghost joins the foot's blob and holds its bottom edge (a flat top in flight). Pixels the
    foot covers in too many preview frames keep the first estimate.
    """
    n = len(crops)
    norm = _normalised(crops)
    grow = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
    for i, crop in enumerate(crops):
        seg = _segment(model, crop)
        if seg is None:
            continue
        _, mask, own, x0, y0 = seg
        cover = cv2.dilate(own.view(np.uint8), grow) > 0
        norm[i, y0: y0 + own.shape[0], x0: x0 + own.shape[1]][cover] = np.nan
    free = np.isfinite(norm).sum(axis=0)
    with warnings.catch_warnings():  # all-NaN pixels (always covered) keep the first guess
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(norm, axis=0)
    bg = np.where(free >= max(5, REFINE_FREE_SHARE * n), med, model.bg).astype(np.float32)
    model.bg = bg
    model.thr_map = _thr_map(bg, model.thr)
    model.work = None
    del norm


REFINE_FREE_SHARE = 0.25  # preview frames a pixel must be free of the foot in to be re-estimated


def _shift(model: _Model, img: np.ndarray, win: np.ndarray) -> tuple[float, float]:
    """Shake of a frame against the reference (full-resolution px; NaN when unsure)."""
    assert model.stab_ref is not None and model.stab_mask is not None
    h, w = model.stab_ref.shape
    small = _shrink(img, (w, h)).astype(np.float32)
    dx, dy, response = _match_shift(model.stab_ref, model.stab_mask, small)
    if response < 0.5:
        return math.nan, math.nan
    return dx / model.stab_scale, dy / model.stab_scale


STAB_SEARCH = 6  # px of the small picture searched around zero shift


def _match_shift(ref: np.ndarray, moving: np.ndarray, img: np.ndarray
                 ) -> tuple[float, float, float]:
    """Shift (dx, dy) of ``img`` against ``ref`` (small-picture px, sub-pixel) and the match
    score (normalised correlation), from the scene without the athlete (``moving``)."""
    m = STAB_SEARCH
    tmpl = ref[m:-m, m:-m]
    keep = (~moving[m:-m, m:-m]).astype(np.float32)
    r = cv2.matchTemplate(img, tmpl, cv2.TM_CCOEFF_NORMED, mask=keep)
    r = np.nan_to_num(r, nan=-1.0, posinf=-1.0, neginf=-1.0)
    _, best, _, (x, y) = cv2.minMaxLoc(r)

    def vertex(a: float, b: float, c: float) -> float:  # parabola through three samples
        den = a - 2 * b + c
        return 0.0 if den >= 0 else float(np.clip(0.5 * (a - c) / den, -0.5, 0.5))

    fx = vertex(r[y, x - 1], r[y, x], r[y, x + 1]) if 0 < x < r.shape[1] - 1 else 0.0
    fy = vertex(r[y - 1, x], r[y, x], r[y + 1, x]) if 0 < y < r.shape[0] - 1 else 0.0
    return x + fx - m, y + fy - m, float(best)


def _measure(model: _Model, crop: np.ndarray) -> tuple[float, float, float]:
    """Lowest row of the foot blob (analysis px, NaN if none), foot x (analysis px), contrast.

    The foot's lowest point is the k-th lowest column bottom of the stance-foot blob (see
    :func:`_segment`), refined to sub-pixel where the difference falls to half its level
    just inside the foot.
    """
    seg = _segment(model, crop)
    if seg is None:
        return math.nan, math.nan, 0.0
    diff, mask, own, x0, y0 = seg
    _, top, _, height = cv2.boundingRect(own.view(np.uint8))
    bot = top + height
    blob = own[top:bot] & (mask[top:bot] > 0)
    bottom = _tip_row(blob, model.tip_cols)
    if bottom < 0:
        return math.nan, math.nan, 0.0
    edge = _half_max_edge(diff[top:], blob, bottom)
    lo = max(0, bottom - 3)
    cols = np.flatnonzero(blob[lo: bottom + 1].any(axis=0)) + x0
    foot_x = float(cols.mean()) if len(cols) else math.nan
    sel = blob[lo: bottom + 1]
    contrast = float(diff[top + lo: top + bottom + 1][sel].mean() / model.thr)
    return y0 + top + edge, foot_x, contrast


def _segment(model: _Model, crop: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int] | None:
    """Foreground of a crop and its stance-foot blob: (diff, mask, blob, x0, y0) cut to the
    foreground's bounding box whose corner is (x0, y0) in the crop; None if no foot.

    Foreground = differs from the background by more than the noise threshold plus a share
    of the background's local gradient (edges flicker under compression). The foot blob is
    the lowest of the big connected blobs (:func:`_foot_label`).
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
        return None
    x0, y0 = max(0, x - _MARGIN) & ~1, max(0, y - _MARGIN) & ~1
    mask = mask[y0: y + h + _MARGIN, x0: x + w + _MARGIN]
    diff = diff[y0: y0 + mask.shape[0], x0: x0 + mask.shape[1]]
    joined = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _JOIN)  # shoe parts -> one blob
    n, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    if n <= 1:
        return None
    lab = _foot_label(stats[1:], model.min_area)
    if lab < 0:
        return None
    return diff, mask, labels == lab, x0, y0


def _foot_label(stats: np.ndarray, min_area: int) -> int:
    """Label of the stance foot among blobs (rows of OpenCV stats x, y, w, h, area): the
    lowest-reaching of the big ones (a white sock on a white wall can cut the shoe off the
    leg: the biggest blob is then the leg or the free foot). Thin flat strips (a floor
    line, a shadow) are not a foot. -1 if none."""
    area = stats[:, 4]
    big = (area >= max(min_area, BLOB_SHARE * area.max())) & (stats[:, 3] >= 0.25 * stats[:, 2])
    if not big.any():
        return -1
    idx = np.flatnonzero(big)
    bottom = stats[idx, 1] + stats[idx, 3]
    return int(idx[np.argmax(bottom)]) + 1


BLOB_SHARE = 0.2  # blobs smaller than this share of the biggest are not the foot


def _tip_row(blob: np.ndarray, k: int) -> int:
    """Row of the foot's lowest point: the k-th lowest column bottom of the blob (a pointed
    toe in flight is as low as its tip; single stray columns do not count). -1 if empty."""
    has = blob.any(axis=0)
    if not has.any():
        return -1
    last = blob.shape[0] - 1 - np.argmax(blob[::-1, has], axis=0)
    if len(last) <= k:
        return int(last.min())
    return int(np.partition(last, len(last) - k)[len(last) - k])


def _half_max_edge(diff: np.ndarray, blob: np.ndarray, bottom: int) -> float:
    """Sub-pixel lower edge of the blob: where the mean difference over the columns that
    reach the bottom row falls to half of its level just inside the foot (blur is symmetric
    about the true edge; a contact shadow is weaker than the shoe and falls below half)."""
    cols = blob[bottom]
    if not cols.any():
        return bottom + 0.5
    lo = max(0, bottom - 8)
    hi = min(diff.shape[0], bottom + 4)
    prof = diff[lo:hi][:, cols].mean(axis=1)
    # the level of the foot's own lowest rows (a dark outsole under a light upper differs
    # less from the floor than the upper: half of the upper's level would cut it off)
    level = float(prof[max(0, bottom - lo - 2): bottom - lo + 1].max())
    half = 0.5 * level
    k = bottom - lo
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
    reader = FrameReader(info)
    # per frame: its time, per candidate (bottom, foot x, contrast), the shake shift (x, y);
    # flat float arrays (8 bytes a number: a long clip costs little memory)
    times = array("d")
    meas = [array("d") for _ in models]
    shifts = array("d")
    last_shift = (0.0, 0.0)
    active = list(range(len(models)))  # candidates still measured
    next_check = PRUNE_EVERY_S if len(models) > 1 else math.inf
    doomed: set[int] = set()
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
            next_check = frame.time + PRUNE_EVERY_S
            active, doomed = _still_promising(models, meas, active, times, shifts,
                                              info.capture_fps, doomed)
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


def _still_promising(models: list[_Model], meas: list[array[float]],
                     active: list[int], times: array[float], shifts: array[float],
                     fps: float, doomed: set[int]) -> tuple[list[int], set[int]]:
    """The candidates worth measuring on, and those that look hopeless now.

    Once the best candidate shows clear hops so far (flight score >= PRUNE_BEST_SCORE), one
    looks hopeless when its score is below PRUNE_SHARE of the best (it clearly shows
    nothing) or when it sees the same take-offs and landings, each within a frame, as a
    better one (two regions around the same foot: same result). A candidate is dropped when
    it looked hopeless at two looks in a row (``doomed``: the previous look's verdict).
    """
    from .events import detect, flight_score

    t = np.array(times)
    sh = np.array(shifts, float).reshape(-1, 2)
    scored: list[tuple[float, int, list[tuple[str, int]] | None]] = []
    for i in active:
        arr = np.array(meas[i], float).reshape(-1, 3)
        try:
            sig = _to_signal(models[i], t, arr[:, 0], arr[:, 1], arr[:, 2], sh)
            score = flight_score(sig, fps)
            settled = t[-1] - 0.5  # s: later events may still move or be missing
            frames: list[tuple[str, int]] | None = [(e.kind, e.frame) for e in
                                                     detect(sig, fps)[1] if e.time < settled]
        except LegrsiError:
            scored.append((0.0, i, None))
            continue
        scored.append((score, i, frames))
    best = max(s for s, _, _ in scored)
    if best < PRUNE_BEST_SCORE:
        return active, set()
    hopeless: set[int] = set()
    kept: list[list[tuple[str, int]] | None] = []
    for score, i, frames in sorted(scored, key=lambda x: (-x[0], x[1])):
        if score < PRUNE_SHARE * best or any(_same_events(frames, f) for f in kept):
            hopeless.add(i)
        else:
            kept.append(frames)
    return [i for i in active if i not in hopeless & doomed], hopeless


def _same_events(a: list[tuple[str, int]] | None, b: list[tuple[str, int]] | None) -> bool:
    """Two event lists ((kind, frame)) with the same >= 3 events, each within a frame."""
    if not a or not b or len(a) != len(b) or len(a) < 3:
        return False
    return all(ka == kb and abs(fa - fb) <= 1 for (ka, fa), (kb, fb) in zip(a, b, strict=True))


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
    # far below the floor: something else in the region (a line on the floor), not the foot
    seen &= bottoms <= floor + max(3.0, 4.0 * noise)
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


REST_SHARE = 0.3  # a resting level needs this share of the most frequent one


def _strictly_increasing(t: np.ndarray) -> np.ndarray:
    out = t.astype(float).copy()
    for i in range(1, len(out)):
        if out[i] <= out[i - 1]:
            out[i] = out[i - 1] + 1e-6
    return out


__all__ = ["track", "contact_level", "ANALYSIS_FOOT_PX", "NoMovementError"]
