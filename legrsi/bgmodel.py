"""The background model of each candidate foot region, built from the clip's preview.

A model holds the region's analysis grid (the foot about ANALYSIS_FOOT_PX long), its
per-pixel background (a first estimate from the preview frames, then a second look without
the foot where it stood, then ghosts of still things and of the resting sole removed) and
the noise threshold the foot is segmented with (measure.py).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

from .ghosts import unghost_model
from .locate import (
    Located,
    Preview,
    background_and_reference,
    noise_sigma,
    normalised_with_gains,
)
from .measure import Model, crop, segment, thr_map
from .orderstats import nanmedian0, percentile_sorted, sort0
from .stabilize import per_preview, preview_shifts, stab_setup
from .types import Roi, VideoInfo

ANALYSIS_FOOT_PX = 110.0  # the foot is analysed at about this many pixels long


def analysis_grid(roi: Roi, foot_len: float) -> tuple[Roi, float, tuple[int, int]]:
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


def model_memory(prev: Preview) -> float:
    """Working memory of building one model (bytes; ~20 per crop pixel of the preview)."""
    frames = prev.model_frames()[0]
    return float(frames[0].size * len(frames) * 20)


def _model_workers(prev: Preview, n: int) -> int:
    """Models built at once (threads: NumPy sorts run in parallel), as many as the cores
    and MODEL_BUDGET bytes of working memory allow."""
    return max(1, min(n, os.cpu_count() or 1, int(MODEL_BUDGET // max(model_memory(prev), 1.0))))


MODEL_BUDGET = 150e6  # bytes of working memory for building the models (and crops ahead)


def _build_model(info: VideoInfo, prev: Preview, loc: Located) -> Model:
    roi, scale, size = analysis_grid(loc.roi, loc.foot_len)
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


def build_models(info: VideoInfo, prev: Preview, locs: list[Located]) -> list[Model]:
    """One model per candidate region (full-resolution pixels), built on as many threads
    as the cores and MODEL_BUDGET bytes of working memory allow."""
    workers = _model_workers(prev, len(locs))
    if workers == 1:  # on this thread: freed memory goes back to its own heap, not another
        return [_build_model(info, prev, loc) for loc in locs]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda loc: _build_model(info, prev, loc), locs))
