"""Per-frame measurement of the foot in a crop: background difference -> stance-foot blob
-> lowest point (analysis pixels, sub-pixel). The only place besides the preview that looks at
pixels for detection; pure OpenCV/NumPy on one crop at a time (no I/O).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .types import Roi


@dataclass
class Model:
    """One candidate foot region's measuring model: region, analysis grid, background."""

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
    foot_px: float = 0.0    # the foot's length (analysis px) as the preview found it
    work: Work | None = None  # per-frame scratch buffers, made on first use


class Work:
    """Scratch buffers of one candidate's per-frame measure (reused: no per-frame
    allocation of crop-sized arrays) and the gain sample points as (rows, cols)."""

    def __init__(self, model: Model) -> None:
        h, w = model.bg.shape
        self.gain_at = np.unravel_index(model.gain_idx, (h, w))
        self.gain_den = np.maximum(model.bg.ravel()[model.gain_idx], 1.0)
        self.f = np.empty((h, w), np.float32)
        self.scaled_bg = np.empty((h, w), np.float32)
        self.diff = np.empty((h, w), np.float32)
        self.mask = np.empty((h, w), np.uint8)
        self.opened: np.ndarray | None = None  # the last crop's foreground (whole crop)


def crop(img: np.ndarray, roi: Roi, size: tuple[int, int],
         shift: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """The region ``roi`` (pixels of ``img``) moved by ``shift`` (x, y px, sub-pixel: the
    camera's shake), resized to ``size`` (w, h analysis px)."""
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
    return shrink(patch, size, cv2.INTER_LINEAR)


def shrink(img: np.ndarray, size: tuple[int, int], last: int = cv2.INTER_AREA) -> np.ndarray:
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


def gradient(img: np.ndarray) -> np.ndarray:
    """Gradient magnitude (grey levels per pixel, 3x3 Sobel) of a float32 picture (h, w)."""
    gx = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    return np.hypot(gx, gy).astype(np.float32)


def thr_map(bg: np.ndarray, thr: float) -> np.ndarray:
    """Per-pixel foreground threshold (grey levels): noise plus a share of the background's
    local gradient (edges flicker under compression)."""
    # thin bright or dark lines (floor markings, tile joints) blur and sharpen from frame to
    # frame with compression: the centre of a line gets the threshold of its flanks
    grad = cv2.dilate(gradient(bg), np.ones((3, 3), np.uint8))
    return (thr + 1.5 * grad).astype(np.float32)


def measure(model: Model, crop: np.ndarray) -> tuple[float, float, float]:
    """Lowest row of the foot blob (analysis px, NaN if none), foot x (analysis px), contrast.

    The foot's lowest point is the k-th lowest column bottom of the stance-foot blob (see
    :func:`segment`), refined to sub-pixel where the difference falls to half its level
    just inside the foot.
    """
    seg = segment(model, crop)
    if seg is None:
        return math.nan, math.nan, 0.0
    diff, mask, own, x0, y0 = seg
    _, top, _, height = cv2.boundingRect(own.view(np.uint8))
    bot = top + height
    blob = own[top:bot] & (mask[top:bot] > 0)
    bottom = tip_row(blob, model.tip_cols)
    if bottom < 0:
        return math.nan, math.nan, 0.0
    edge = half_max_edge(diff[top:], blob, bottom)
    lo = max(0, bottom - 3)
    cols = np.flatnonzero(blob[lo: bottom + 1].any(axis=0)) + x0
    foot_x = float(cols.mean()) if len(cols) else math.nan
    sel = blob[lo: bottom + 1]
    contrast = float(diff[top + lo: top + bottom + 1][sel].mean() / model.thr)
    return y0 + top + edge, foot_x, contrast


def darkening_below(model: Model, start: int, foot_x: float) -> np.ndarray:
    """Of the crop just measured (:func:`measure`), how much darker than the background
    each row from ``start`` down is (grey levels, mean over the columns within half a foot
    length of ``foot_x``, analysis px); shape (crop rows - start,)."""
    work = model.work
    assert work is not None, "measure() first"
    half = 0.5 * model.foot_px
    w = work.f.shape[1]
    xa, xb = int(max(0, foot_x - half)), int(min(w, foot_x + half + 1))
    if xb <= xa:
        return np.full(work.f.shape[0] - start, np.nan)
    dark = work.scaled_bg[start:, xa:xb] - work.f[start:, xa:xb]
    return cv2.reduce(dark, 1, cv2.REDUCE_AVG).ravel()


def feet_points(model: Model, k: int = 4) -> np.ndarray:
    """Lowest points (x, y analysis px) of the foot-sized blobs lighter [0] and darker [1]
    than the background, and of the foreground as a whole [2], in the crop just measured
    (:func:`segment` first), the lowest first; shape (3, k, 2), NaN where fewer. Kept
    apart, a light shoe and the shadow it casts on a dark floor are two blobs (the shadow
    is always the darker)."""
    work = model.work
    assert work is not None, "measure() first"
    out = np.full((3, k, 2), np.nan)
    if work.opened is None:
        return out
    light = cv2.compare(work.f, work.scaled_bg, cv2.CMP_GT)
    min_area = max(model.min_area, FEET_AREA * model.foot_px ** 2)
    sides = (cv2.bitwise_and(work.opened, light),
             cv2.bitwise_and(work.opened, cv2.bitwise_not(light)), work.opened)
    for i, side in enumerate(sides):
        pts = _lowest_points(side, min_area, model.tip_cols)
        for m, (yy, xx) in enumerate(sorted(pts, reverse=True)[:k]):
            out[i, m] = (xx, yy)
    return out


def _lowest_points(mask: np.ndarray, min_area: float, tip_cols: int
                   ) -> list[tuple[float, float]]:
    """(bottom row, x) px of the blobs of a foreground mask (uint8 0/255, whole crop) with
    at least ``min_area`` px that are not thin flat strips; labelled within the
    foreground's bounding box (as :func:`segment` does: same blobs, faster)."""
    x, y, w, h = cv2.boundingRect(mask)
    if w == 0:
        return []
    x0, y0 = max(0, x - _MARGIN) & ~1, max(0, y - _MARGIN) & ~1
    joined = cv2.morphologyEx(mask[y0: y + h + _MARGIN, x0: x + w + _MARGIN],
                              cv2.MORPH_CLOSE, _JOIN)
    n, labels = cv2.connectedComponents(joined, connectivity=8)
    if n > 17:
        area = np.bincount(labels.ravel(), minlength=n)
        keep = [j for j in range(1, n) if area[j] >= min_area]
    else:
        keep = list(range(1, n))
    pts = []
    for j in keep:
        one = (labels == j).view(np.uint8)
        if cv2.countNonZero(one) < min_area:
            continue
        bx, by, bw, bh = cv2.boundingRect(one)
        if bh < BLOB_FLAT * bw:
            continue
        blob = one[by: by + bh, bx: bx + bw].view(bool)
        bot = tip_row(blob, tip_cols)
        cols = np.flatnonzero(blob[max(0, bot - 3): bot + 1].any(axis=0))
        pts.append((y0 + by + bot + 1.0, x0 + bx + float(cols.mean())))
    return pts


FEET_AREA = 0.2  # a blob of this x foot_px^2 (analysis px) is foot-sized


def segment(model: Model, crop: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int] | None:
    """Foreground of a crop and its stance-foot blob: (diff, mask, blob, x0, y0) cut to the
    foreground's bounding box whose corner is (x0, y0) in the crop; None if no foot.

    Foreground = differs from the background by more than the noise threshold plus a share
    of the background's local gradient (edges flicker under compression). The foot blob is
    the lowest of the big connected blobs (:func:`foot_blob`).
    """
    # (buffers reused, OpenCV ops: same values as the plain numpy expressions noted)
    work = model.work = model.work or Work(model)
    gain = _median1(crop[work.gain_at].astype(np.float32) / work.gain_den)
    np.multiply(model.bg, np.float32(gain), out=work.scaled_bg)
    work.f[...] = crop
    diff = cv2.absdiff(work.f, work.scaled_bg, dst=work.diff)  # |f - gain * bg|
    mask = cv2.compare(diff, model.thr_map, cv2.CMP_GT, dst=work.mask)  # 255 = foreground
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, _KERNEL)
    # a row changed across most of the region's width (and far wider than a foot) is a
    # lighting or shadow line along the floor or skirting, never the foot: drop it
    wide = _row_counts(mask, 255) > max(WIDE_SHARE * mask.shape[1], WIDE_FEET * model.foot_px)
    if wide.any():
        mask[wide] = 0
    work.opened = mask
    # the rest only where foreground is: its bounding box plus a margin wider than the
    # closing reaches (even corner: same labels as on the whole crop)
    x, y, w, h = cv2.boundingRect(mask)
    if w == 0:
        return None
    x0, y0 = max(0, x - _MARGIN) & ~1, max(0, y - _MARGIN) & ~1
    mask = mask[y0: y + h + _MARGIN, x0: x + w + _MARGIN]
    diff = diff[y0: y0 + mask.shape[0], x0: x0 + mask.shape[1]]
    joined = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _JOIN)  # shoe parts -> one blob
    blob = foot_blob(joined, model.min_area, model.foot_px)
    if blob is None:
        return None
    return diff, mask, blob, x0, y0


def foot_blob(joined: np.ndarray, min_area: int, foot_px: float = 0.0) -> np.ndarray | None:
    """The stance foot's blob (bool mask like ``joined``) among the 8-connected blobs of a
    uint8 mask, chosen as :func:`foot_label` chooses (``min_area`` px, ``foot_px`` the
    foot's length in px, 0: unknown); None if none.

    Same result as ``connectedComponentsWithStats`` + :func:`foot_label`, ~3x faster: the
    labelling without OpenCV's statistics (those cost several times the labelling), areas
    and bounding boxes only of the few blobs there are.
    """
    n, labels = cv2.connectedComponents(joined, connectivity=8)
    if n <= 1:
        return None
    if n > 17:  # many small blobs: one pass for all areas
        ones = None
        area = np.bincount(labels.ravel(), minlength=n)[1:]
    else:
        ones = [(labels == k).view(np.uint8) for k in range(1, n)]
        area = np.array([cv2.countNonZero(one) for one in ones])
    best, best_bottom = None, -1
    big = area >= max(min_area, BLOB_SHARE * area.max())
    # a blob as long as a whole foot and of a good share of a foot's area is a foot however
    # big the leg blob is: where the upper vanishes in front of a band of its own grey, the
    # shoe comes apart from the leg (a held-back free foot is foreshortened: shorter)
    whole = ~big & (area >= max(min_area, WHOLE_FOOT_AREA * foot_px ** 2)) & (foot_px > 0)
    for i in np.flatnonzero(whole):
        one = ones[i] if ones is not None else (labels == i + 1).view(np.uint8)
        big[i] = cv2.boundingRect(one)[2] >= WHOLE_FOOT_LEN * foot_px
    for i in np.flatnonzero(big):
        one = ones[i] if ones is not None else (labels == i + 1).view(np.uint8)
        _, y, w, h = cv2.boundingRect(one)
        flat = WHOLE_FOOT_FLAT if whole[i] else BLOB_FLAT
        if h >= flat * w and y + h > best_bottom:  # the first of equally low ones
            best, best_bottom = one, y + h
    return None if best is None else best.view(bool)


def foot_label(stats: np.ndarray, min_area: int, foot_px: float = 0.0) -> int:
    """Label of the stance foot among blobs (rows of OpenCV stats x, y, w, h, area): the
    lowest-reaching of the big ones (a white sock on a white wall can cut the shoe off the
    leg: the biggest blob is then the leg or the free foot). Big: at least BLOB_SHARE of
    the biggest, or a whole foot (WHOLE_FOOT_AREA x ``foot_px``^2 px and WHOLE_FOOT_LEN x
    ``foot_px`` wide; 0: unknown). Thin flat strips (a floor line, a shadow) are not a
    foot: a blob must be BLOB_FLAT x as tall as wide, a whole foot WHOLE_FOOT_FLAT x. -1 if none."""
    area = stats[:, 4]
    big = area >= max(min_area, BLOB_SHARE * area.max())
    whole = np.zeros(len(area), bool)
    if foot_px > 0:
        whole = (~big & (area >= max(min_area, WHOLE_FOOT_AREA * foot_px ** 2))
                 & (stats[:, 2] >= WHOLE_FOOT_LEN * foot_px))
    flat = np.where(whole, WHOLE_FOOT_FLAT, BLOB_FLAT)
    big = (big | whole) & (stats[:, 3] >= flat * stats[:, 2])
    if not big.any():
        return -1
    idx = np.flatnonzero(big)
    bottom = stats[idx, 1] + stats[idx, 3]
    return int(idx[np.argmax(bottom)]) + 1


BLOB_SHARE = 0.2  # blobs smaller than this share of the biggest are not the foot ...
WHOLE_FOOT_AREA = 0.15  # ... unless their area is this x foot_px^2 (analysis px) ...
WHOLE_FOOT_LEN = 0.9  # ... and they are this x foot_px wide: a shoe cut off from the leg
# ... and at least this x as tall as wide (a shoe whose upper has the wall's grey keeps only
# its lower part); other blobs need BLOB_FLAT: thin flat strips, a floor line or shadow, are no foot
WHOLE_FOOT_FLAT = 0.15
BLOB_FLAT = 0.25


def tip_row(blob: np.ndarray, k: int) -> int:
    """Row of the foot's lowest point: the k-th lowest column bottom of the blob (a pointed
    toe in flight is as low as its tip; single stray columns do not count). -1 if empty."""
    has = blob.any(axis=0)
    if not has.any():
        return -1
    last = blob.shape[0] - 1 - np.argmax(blob[::-1, has], axis=0)
    if len(last) <= k:
        return int(last.min())
    return int(np.partition(last, len(last) - k)[len(last) - k])


def half_max_edge(diff: np.ndarray, blob: np.ndarray, bottom: int) -> float:
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


WIDE_SHARE = 0.6  # a row changed across this share of the region ...
WIDE_FEET = 3.5  # ... and this many times the region's foot_px (~1.5-2 real feet) is a line
_KERNEL = np.ones((3, 3), np.uint8)
_JOIN = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
_MARGIN = 8  # pixels kept around the foreground: more than the closing (3) reaches


