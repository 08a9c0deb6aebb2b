"""Drawing of synthetic side-view hop frames (upright BGR uint8 images).

Pixel convention (as OpenCV): pixel (col c, row r) covers [c-0.5, c+0.5] x [r-0.5, r+0.5].
The near floor contact line is at ``floor_y`` = floor_row - 0.5: a foot in contact covers
row floor_row - 1 and never row floor_row. Feet are rasterised with exact horizontal and
1/8-pixel vertical coverage so sub-pixel heights are rendered faithfully; legs and body use
OpenCV anti-aliased polygons. Used by :mod:`legrsi.synth`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from .synth_motion import FootGeom, Plan, foot_world

SHIFT = 4  # sub-pixel bits for cv2 drawing
_SS = 8  # vertical supersampling of feet
CAM_H = 0.06  # camera height above the floor, m
CAM_D = 3.0  # camera distance to the athlete's near leg plane, m
FAR_DEPTH = 0.15  # the far leg is this much farther from the camera, m
THIGH, SHANK = 0.43, 0.43  # m (hip-knee, knee-ankle)
LEAN = 0.02  # m, hip behind the primary ankle
# (fraction along the bone, front half-width m, back half-width m)
_SHANK_W = ((0.0, 0.030, 0.032), (0.15, 0.032, 0.038), (0.55, 0.045, 0.064),
            (0.85, 0.048, 0.055), (1.0, 0.050, 0.050))
_DISC = np.stack([np.cos(np.linspace(0, 2 * np.pi, 16, endpoint=False)),
                  np.sin(np.linspace(0, 2 * np.pi, 16, endpoint=False))], axis=1)
_ARM_W = ((0.0, 0.035, 0.035), (0.5, 0.042, 0.040), (1.0, 0.045, 0.045))
_TORSO = np.array([[-0.13, -0.05], [0.14, -0.05], [0.15, 0.3], [0.12, 0.5], [0.04, 0.57],
                   [-0.09, 0.57], [-0.14, 0.48], [-0.15, 0.25]])
_SHORTS = np.array([[-0.14, -0.10], [0.15, -0.10], [0.148, 0.12], [-0.142, 0.12]])
_SHANK_HI = tuple((f, a, -0.35 * a) for f, a, _ in _SHANK_W)  # lit front strip
_THIGH_W = ((0.0, 0.052, 0.050), (0.5, 0.075, 0.070), (1.0, 0.085, 0.085))
_THIGH_HI = tuple((f, a, -0.35 * a) for f, a, _ in _THIGH_W)


@dataclass
class Scene:
    """Static part of a clip: background and the mapping from world metres to pixels."""

    width: int
    height: int
    bg: np.ndarray  # (H, W, 3) uint8, upright
    floor_y: float  # contact line of the near leg (pixel-centre coordinates)
    horizon_y: float
    wall_floor_y: float  # where the floor meets the wall (top of the floor band)
    ppm: float  # pixels per metre in the near leg plane
    x_origin: float  # column of world x = 0
    direction: int  # +1 facing right, -1 facing left
    near: str  # 'left' or 'right'
    s_far: float  # scale of the far leg plane about (width/2, horizon_y)
    foot: FootGeom
    colors: dict[str, tuple[int, int, int]]
    shadow: bool = True

    @property
    def floor_y_far(self) -> float:
        """Contact line of the far leg (pixels; a little above ``floor_y``)."""
        return self.horizon_y + (self.floor_y - self.horizon_y) * self.s_far

    def to_px(self, pts: np.ndarray, far: bool) -> np.ndarray:
        """World metres (N, 2) -> upright pixel coordinates (N, 2) float."""
        out = np.empty_like(pts, dtype=float)
        out[:, 0] = self.x_origin + self.direction * pts[:, 0] * self.ppm
        out[:, 1] = self.floor_y - pts[:, 1] * self.ppm
        if far:
            out[:, 0] = self.width / 2 + (out[:, 0] - self.width / 2) * self.s_far
            out[:, 1] = self.horizon_y + (out[:, 1] - self.horizon_y) * self.s_far
        return out


_PALETTES = {
    "wall": [(200, 202, 196), (178, 198, 214), (212, 196, 172), (225, 225, 222), (150, 160, 165)],
    "floor": [(70, 118, 168), (92, 92, 96), (140, 96, 58), (78, 118, 70), (110, 150, 190)],
    "upper": [(38, 36, 35), (40, 40, 185), (165, 85, 35), (125, 125, 128), (60, 200, 190),
              (215, 215, 218)],
    "midsole": [(228, 228, 228), (45, 45, 45), (200, 210, 220)],
    "outsole": [(40, 40, 42), (60, 105, 150), (80, 80, 80)],
    "sock": [(236, 236, 236), (32, 32, 32), (150, 150, 150)],
    "skin": [(120, 150, 200), (85, 115, 165), (60, 80, 112), (150, 178, 218)],
    "shorts": [(35, 30, 30), (90, 40, 20), (110, 110, 110), (30, 30, 120)],
    "shirt": [(200, 200, 200), (40, 120, 40), (160, 60, 60), (50, 50, 50)],
    "hair": [(20, 20, 25), (40, 60, 90), (60, 90, 140)],
    "logo": [(240, 240, 240), (20, 20, 20), (40, 230, 250), (200, 120, 40)],
}


def pick_colors(rng: np.random.Generator) -> dict[str, tuple[int, int, int]]:
    """Random plausible colours (BGR) for the scene and the athlete."""
    col = {k: v[int(rng.integers(len(v)))] for k, v in _PALETTES.items()}
    col["skirting"] = tuple(int(c * 0.45) for c in col["wall"])
    col["skin_hi"] = tuple(min(255, int(c * 1.12)) for c in col["skin"])
    return col


def build_background(w: int, h: int, floor_y: float, ppm: float, colors: dict,
                     rng: np.random.Generator, box: tuple[float, float, float] | None,
                     cam_h: float = CAM_H) -> tuple[np.ndarray, float, float]:
    """Wall, skirting, floor band (and a plyo box: x0 px, x1 px, height px) seen from a level
    camera ``cam_h`` m above the floor; returns (image, horizon_y, wall_floor_y)."""
    horizon = floor_y - cam_h * ppm
    dw = rng.uniform(1.5, 3.0)  # wall behind the athlete, m
    s_wall = CAM_D / (CAM_D + dw)
    y_wf = horizon + (floor_y - horizon) * s_wall
    pw = ppm * s_wall  # px per m on the wall
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.empty((h, w, 3), np.float32)
    img[:] = colors["wall"]
    low = cv2.resize(rng.normal(0, 1, (8, 12)).astype(np.float32), (w, h),
                     interpolation=cv2.INTER_CUBIC)
    bw, bh = 0.40 * pw, 0.20 * pw  # concrete blocks
    row = np.floor((y_wf - yy) / bh)
    xo = xx + (row % 2) * bw / 2
    mortar = (np.minimum((y_wf - yy) % bh, bh - (y_wf - yy) % bh) < 0.6) | \
        (np.minimum(xo % bw, bw - xo % bw) < 0.6)
    block_id = (row * 7919 + np.floor(xo / bw)).astype(np.int64) % 997
    shade = rng.normal(1.0, 0.025, 997).astype(np.float32)[block_id]
    wall_k = shade * (1 + 0.04 * low) * np.where(mortar, 0.86, 1.0)
    wall_k *= 1.05 - 0.1 * (yy / h)
    stripe_y = y_wf - rng.uniform(0.9, 1.4) * pw
    stripe = np.abs(yy - stripe_y) < 0.05 * pw
    img *= wall_k[..., None]
    img[stripe] = np.array(colors["shirt"], np.float32) * 0.8
    sk = (yy >= y_wf - 0.10 * pw) & (yy < y_wf)
    img[sk] = colors["skirting"]
    img[np.abs(yy - (y_wf - 0.10 * pw)) < 0.7] *= 1.25
    fl = yy >= y_wf
    z = ppm * CAM_D * cam_h / np.maximum(yy - horizon, 1e-3)  # depth of floor rows, m
    xw = (xx - w / 2) * z / (ppm * CAM_D)  # lateral floor metres
    board = 0.08
    bi = np.floor(xw / board)
    dist_px = np.abs(xw - np.round(xw / board) * board) * ppm * CAM_D / z
    grain = cv2.resize(rng.normal(0, 1, (h // 2, 6)).astype(np.float32), (w, h),
                       interpolation=cv2.INTER_LINEAR)
    fk = rng.normal(1.0, 0.04, 512).astype(np.float32)[bi.astype(np.int64) % 512]
    fk = fk * (1 + 0.03 * grain) * (1 - 0.22 * np.exp(-(dist_px / 0.8) ** 2))
    fk *= 0.9 + 0.15 * np.clip((yy - y_wf) / max(h - y_wf, 1), 0, 1)
    img[fl] = (np.array(colors["floor"], np.float32) * fk[fl][:, None])
    if rng.random() < 0.5:  # painted court line parallel to the wall, in front of the athlete
        zl = CAM_D - rng.uniform(0.3, 0.8)
        ya, yb = (horizon + ppm * CAM_D * cam_h / (zl + s) for s in (0.025, -0.025))
        cov = np.clip(np.minimum(yy + 0.5, yb) - np.maximum(yy - 0.5, ya), 0, 1)[..., None]
        img = img * (1 - 0.8 * cov) + 0.8 * cov * np.array([215, 225, 230], np.float32)
    if box is not None:
        x0, x1, bh_px = box
        fy = horizon + (floor_y - horizon) * CAM_D / (CAM_D + 0.1)
        inside = (xx >= x0) & (xx < x1) & (yy >= fy - bh_px) & (yy < fy)
        edge = inside & ((xx < x0 + 0.03 * ppm) | (xx >= x1 - 0.03 * ppm) |
                         (yy < fy - bh_px + 0.03 * ppm))
        img[inside] = np.array([60, 110, 150], np.float32) * (1 + 0.05 * low[inside])[:, None]
        img[edge] *= 0.7
    vign = 1 - 0.15 * (((xx - w / 2) / w) ** 2 + ((yy - h / 2) / h) ** 2)
    img *= vign[..., None]
    img += rng.normal(0, 1.2, img.shape).astype(np.float32)
    return np.clip(img + 0.5, 0, 255).astype(np.uint8), float(horizon), float(y_wf)


def poly_coverage(poly: np.ndarray, w: int, h: int, ss: int = _SS) -> np.ndarray:
    """Fraction (h, w) float32 of each pixel covered by a convex polygon (N, 2) in local
    pixel coordinates; exact horizontally, ``ss`` samples per row vertically."""
    yc = -0.5 + (np.arange(h * ss, dtype=np.float64) + 0.5) / ss
    n = len(poly)
    i0, i1 = int(np.argmin(poly[:, 1])), int(np.argmax(poly[:, 1]))
    chains = [poly[[(i0 + k) % n for k in range((i1 - i0) % n + 1)]],
              poly[[(i0 - k) % n for k in range((i0 - i1) % n + 1)]]]
    xa, xb = (np.interp(yc, c[:, 1], c[:, 0]) for c in chains)  # y-monotone chains
    left, right = np.minimum(xa, xb), np.maximum(xa, xb)
    empty = (yc < poly[i0, 1]) | (yc >= poly[i1, 1])
    left[empty] = right[empty] = -0.5
    # coverage of a span [L, R] in column c is S(R, c) - S(L, c), S(x, c) = clip(x - c + .5, 0, 1)
    # = 1 before the pixel j holding x, the fraction inside it at j, 0 after: a cumsum of steps
    rows = np.arange(h * ss) // ss * (w + 2)
    idx, wts = [], []
    for x, sign in ((np.clip(right, -0.5, w - 0.5), 1.0), (np.clip(left, -0.5, w - 0.5), -1.0)):
        j = np.floor(x + 0.5).astype(np.int64)
        frac = x - (j - 0.5)
        idx += [rows + j, rows + j + 1]
        wts += [sign * (frac - 1.0), -sign * frac]
    acc = np.bincount(np.concatenate(idx), np.concatenate(wts) / ss, minlength=h * (w + 2))
    cov = np.cumsum(acc.reshape(h, w + 2), axis=1)[:, :w]
    return np.clip(cov, 0.0, 1.0).astype(np.float32)


def _bone_poly(a: np.ndarray, b: np.ndarray, widths: tuple, f0: float = 0.0, f1: float = 1.0,
               grow: float = 0.0) -> np.ndarray:
    """Outline (10, 2) in world metres of a limb from ``a`` to ``b`` (x forward)."""
    d = b - a
    n = np.array([-d[1], d[0]]) / max(float(np.hypot(d[0], d[1])), 1e-9)  # backward if upright
    f, wf, wb = _profile(widths, f0, f1)
    centre = a + f[:, None] * d
    return np.concatenate([centre - (wf + grow)[:, None] * n,
                           (centre + (wb + grow)[:, None] * n)[::-1]])


@functools.lru_cache(maxsize=32)
def _profile(widths: tuple, f0: float, f1: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    fr = np.array([w[0] for w in widths])
    f = np.linspace(f0, f1, 5)
    return (f, np.interp(f, fr, [w[1] for w in widths]), np.interp(f, fr, [w[2] for w in widths]))


def _knee(hip: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Knee position (world m) for a leg bending forward."""
    v = hip - ankle
    d = float(np.hypot(*v))
    u = v / max(d, 1e-9)
    d = min(max(d, 0.3 * (THIGH + SHANK)), (THIGH + SHANK) * 0.99999)
    ca = np.clip((SHANK**2 + d * d - THIGH**2) / (2 * SHANK * d), -1, 1)
    sa = np.sqrt(1 - ca * ca)
    return ankle + SHANK * np.array([u[0] * ca + u[1] * sa, -u[0] * sa + u[1] * ca])


def athlete_shapes(sc: Scene, pose: dict[str, float], free: dict[str, bool],
                   hide_free: bool = False) -> list[tuple]:
    """Drawing list for one instant, back to front: ('poly', px (N, 2), bgr) and
    ('foot', silhouette px, [(band px, bgr)], upper bgr); ``hide_free`` omits a swinging
    leg."""
    geo = {}
    for leg in ("left", "right"):
        sil, dy = foot_world(sc.foot, pose[f"{leg}_h"], pose[f"{leg}_x"], pose[f"{leg}_pitch"])
        c, s = np.cos(pose[f"{leg}_pitch"]), np.sin(pose[f"{leg}_pitch"])
        off = np.array([pose[f"{leg}_x"], dy])
        ankle = np.array([sc.foot.ankle[0] * c + sc.foot.ankle[1] * s,
                          -sc.foot.ankle[0] * s + sc.foot.ankle[1] * c]) + off
        geo[leg] = [sil, ankle, off, (c, s)]
    r = pose["r"] * (THIGH + SHANK)
    hips = {leg: geo[leg][1] + np.array([-LEAN, np.sqrt(r * r - LEAN * LEAN)]) for leg in geo}
    hip = (1 - pose["w_right"]) * hips["left"] + pose["w_right"] * hips["right"]
    if "hip_x" in pose:  # a runner on a treadmill: the hip stays, the feet come and go
        hip = np.array([pose["hip_x"], hip[1]])
    out: list[tuple] = []
    col = sc.colors
    dark = {n: tuple(int(v * 0.72) for v in col[n]) for n in col}
    last: list[tuple] = []
    for leg in (("left", "right") if sc.near == "right" else ("right", "left")):
        far = leg != sc.near
        sil, ankle, off, (c, s) = geo[leg]
        if free[leg]:  # a swinging foot that cannot reach: lift it towards the hip
            v = ankle - hip
            d = float(np.hypot(*v))
            if d > 0.98 * (THIGH + SHANK):
                shift = v * (0.98 * (THIGH + SHANK) / d - 1)
                sil, ankle, off = sil + shift, ankle + shift, off + shift
        if not far:
            behind, last = _upper_body(sc, hip, pose["r"], col, dark)
            out += behind
        shade = dark if far else col
        if hide_free and free[leg]:
            continue
        knee = _knee(hip, ankle)
        for pts, cname in ((_bone_poly(knee, hip, _THIGH_W), "skin"),
                           (knee + _DISC * 0.051, "skin"),
                           (_bone_poly(knee, hip, _THIGH_W, 0.5, 1.0, 0.012), "shorts"),
                           (_bone_poly(knee, hip, _THIGH_HI, 0.0, 0.5), "skin_hi"),
                           (_bone_poly(ankle, knee, _SHANK_W), "skin"),
                           (_bone_poly(ankle, knee, _SHANK_HI, 0.25, 0.95), "skin_hi"),
                           (_bone_poly(ankle, knee, _SHANK_W, 0.0, 0.28, 0.004), "sock")):
            out.append(("poly", sc.to_px(pts, far), shade[cname]))
        bands = []
        sole = sc.foot.sole
        for band, cname in ((np.concatenate([sole + [0, -0.02], sole[::-1] + [0, 0.028]]),
                             "midsole"),
                            (np.concatenate([sole + [0, -0.02], sole[::-1] + [0, 0.008]]),
                             "outsole"), (sc.foot.logo, "logo")):
            band = np.stack([band[:, 0] * c + band[:, 1] * s,
                             -band[:, 0] * s + band[:, 1] * c], axis=1) + off
            bands.append((sc.to_px(band, far), shade[cname]))
        out.append(("foot", sc.to_px(sil, far), bands, shade["upper"]))
    return out + last


def _upper_body(sc: Scene, hip: np.ndarray, r: float, near_col: dict, far_col: dict
                ) -> tuple[list[tuple], list[tuple]]:
    """Shapes of the far arm, torso, shorts, head (drawn before the near leg) and of the near
    arm (drawn last); arms swing with the leg extension ``r``."""
    phi = float(np.clip(-0.5 + 4.0 * (r - 0.86), -0.6, 0.8))  # rad, forward from hanging

    def arm(col: dict, far: bool, dx: float) -> list[tuple]:
        sh = hip + np.array([dx, 0.50])
        el = sh + 0.30 * np.array([np.sin(phi), -np.cos(phi)])
        wr = el + 0.26 * np.array([np.sin(phi + 0.6), -np.cos(phi + 0.6)])
        return [("poly", sc.to_px(_bone_poly(el, sh, _ARM_W), far), col["skin"]),
                ("poly", sc.to_px(_bone_poly(el, sh, _ARM_W, 0.6, 1.0, 0.01), far),
                 col["shirt"]),
                ("poly", sc.to_px(_bone_poly(wr, el, _ARM_W), far), col["skin"]),
                ("poly", sc.to_px(wr + _DISC * 0.045, far), col["skin"])]

    c = near_col
    body = [("poly", sc.to_px(hip + _TORSO, False), c["shirt"]),
            ("poly", sc.to_px(hip + _SHORTS, False), c["shorts"]),
            ("poly", sc.to_px(hip + np.array([[-0.03, 0.5], [0.045, 0.5], [0.05, 0.68],
                                              [-0.03, 0.68]]), False), c["skin"]),
            ("poly", sc.to_px(hip + [0.03, 0.77] + _DISC * [0.10, 0.12], False), c["skin"]),
            ("poly", sc.to_px(hip + [0.0, 0.80] + _DISC * [0.095, 0.105], False), c["hair"])]
    return arm(far_col, True, -0.02) + body, arm(c, False, 0.0)


def shapes_bbox(shapes: list[tuple]) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) pixel bounds of a drawing list."""
    pts = np.concatenate([s[1] for s in shapes])
    return pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()


def draw_shapes(img: np.ndarray, ox: int, oy: int, shapes: list[tuple]) -> None:
    """Draw a drawing list into ``img`` whose top-left pixel is (ox, oy) of the frame."""
    o = np.array([ox, oy], float)
    for s in shapes:
        if s[0] == "poly":
            cv2.fillPoly(img, [_fix(s[1] - o)], s[2], cv2.LINE_AA, SHIFT)
        else:
            _draw_foot(img, s[1] - o, [(b - o, c) for b, c in s[2]], s[3])


def _fix(pts: np.ndarray) -> np.ndarray:
    return np.round(pts * (1 << SHIFT)).astype(np.int32)


def _draw_foot(img: np.ndarray, sil: np.ndarray, bands: list, upper: tuple) -> None:
    x0 = max(int(np.floor(sil[:, 0].min() + 0.5)), 0)
    y0 = max(int(np.floor(sil[:, 1].min() + 0.5)), 0)
    x1 = min(int(np.floor(sil[:, 0].max() + 0.5)) + 1, img.shape[1])
    y1 = min(int(np.floor(sil[:, 1].max() + 0.5)) + 1, img.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    o = np.array([x0, y0], float)
    cov = poly_coverage(sil - o, x1 - x0, y1 - y0)
    canvas = np.empty((y1 - y0, x1 - x0, 3), np.uint8)
    canvas[:] = upper
    for pts, c in bands:
        cv2.fillPoly(canvas, [_fix(pts - o)], c, cv2.LINE_AA, SHIFT)
    patch = img[y0:y1, x0:x1]
    patch[:] = cv2.blendLinear(canvas, patch, cov, 1.0 - cov)


def shadow_specs(sc: Scene, pose: dict[str, float]) -> list[tuple[float, float, float, float]]:
    """Contact shadows (x centre px, floor row px, strength 0-1, half-width px) of both feet."""
    out = []
    for leg in ("left", "right"):
        far = leg != sc.near
        h = pose[f"{leg}_h"]
        xc = pose[f"{leg}_x"] - 0.35 * sc.foot.length * np.cos(pose[f"{leg}_pitch"])
        px = sc.to_px(np.array([[xc, 0.0]]), far)[0]
        k = sc.s_far if far else 1.0
        out.append((px[0], px[1], 0.55 * np.exp(-h / 0.10) * (0.8 if far else 1.0),
                    0.6 * sc.foot.length * sc.ppm * k * (1 + 2.5 * h)))
        out[-1] = out[-1] + (max(1.0, (1.0 + 30 * h) * sc.ppm / 740),)
    return out


def apply_shadows(img: np.ndarray, ox: int, oy: int, sc: Scene, specs: list) -> None:
    """Darken the floor band of ``img`` (frame offset ox, oy) under the feet."""
    for xc, fy, strength, hw, sig in specs:
        xa, xb = int(max(xc - 2 * hw, ox)), int(min(xc + 2 * hw + 1, ox + img.shape[1]))
        ya = int(max(fy - 4 * sig, sc.wall_floor_y + 0.5, oy))
        yb = int(min(fy + 4 * sig + 1, oy + img.shape[0]))
        if xb <= xa or yb <= ya or strength < 0.01:
            continue
        gx = np.exp(-(((np.arange(xa, xb) - xc) / hw) ** 4))
        gy = np.exp(-0.5 * ((np.arange(ya, yb) - fy) / sig) ** 2)
        k = (1 - strength * np.outer(gy, gx)).astype(np.float32)[..., None]
        sub = img[ya - oy:yb - oy, xa - ox:xb - ox]
        sub[:] = (sub * k + 0.5).astype(np.uint8)


def stance_free(plan: Plan, t: float) -> dict[str, bool]:
    """Which legs are swinging (not bearing weight) at time ``t``."""
    out = {}
    for name, lp in plan.legs.items():
        kind = lp.segs[0].kind
        for s in lp.segs:
            if s.t0 <= t:
                kind = s.kind
        out[name] = kind in ("free", "up", "down")
    return out
