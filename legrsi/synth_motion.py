"""Kinematics of synthetic hop clips: exact event times and poses (metres, seconds).

World coordinates: x metres forward (the athlete's facing direction), y metres up from the
floor. Each leg's foot pose at time t is (h, x, pitch): h = height of the foot's lowest point
above the floor (exactly 0 in contact, > 0 in flight), x = position of the ball of the foot,
pitch = heel-up rotation about the ball (radians). The body is described by the leg
extension ratio r = |hip - ankle| / leg length of the primary (weight-bearing) leg.
Used by :mod:`legrsi.synth`; not part of the analysis pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

G = 9.81  # m/s^2
FOOT_TEMPLATE_LEN = 0.26  # m, length of the template below
# Shoe silhouette in foot-local metres (x forward from the heel, y up from the sole).
_SHOE = np.array([
    [0.000, 0.030], [0.004, 0.012], [0.014, 0.002], [0.030, 0.000], [0.185, 0.000],
    [0.215, 0.002], [0.240, 0.008], [0.256, 0.018], [0.262, 0.030], [0.257, 0.044],
    [0.235, 0.055], [0.195, 0.068], [0.150, 0.085], [0.110, 0.110], [0.070, 0.118],
    [0.022, 0.112], [0.004, 0.080],
])
_BALL = np.array([0.185, 0.0])
_ANKLE = np.array([0.068, 0.085])


@dataclass(frozen=True)
class FootGeom:
    """Shoe geometry in foot-local metres, origin at the ball of the foot (x fwd, y up)."""

    length: float
    silhouette: np.ndarray  # (N, 2) convex outline
    sole: np.ndarray  # (M, 2) sole curve from heel to toe tip
    ankle: np.ndarray  # (2,)
    logo: np.ndarray  # (K, 2) stripe on the upper


def make_foot(length: float) -> FootGeom:
    """Scale the shoe template to ``length`` metres."""
    k = length / FOOT_TEMPLATE_LEN
    hull = cv2.convexHull(_SHOE.astype(np.float32)).reshape(-1, 2).astype(float)
    sil = (hull - _BALL) * k
    sole = (_SHOE[[0, 1, 2, 3, 4, 5, 6, 7, 8]] - _BALL) * k
    logo = (np.array([[0.06, 0.036], [0.165, 0.066], [0.175, 0.056], [0.075, 0.026]]) - _BALL) * k
    return FootGeom(length, sil, sole, (_ANKLE - _BALL) * k, logo)


def rotate_heel_up(pts: np.ndarray, pitch: float) -> np.ndarray:
    """Rotate foot-local points (N, 2) about the ball so the heel rises by ``pitch`` rad."""
    c, s = np.cos(pitch), np.sin(pitch)
    return np.stack([pts[:, 0] * c + pts[:, 1] * s, -pts[:, 0] * s + pts[:, 1] * c], axis=1)


def foot_world(geom: FootGeom, h: float, x: float, pitch: float) -> tuple[np.ndarray, float]:
    """Silhouette (N, 2) in world metres and the y shift applied (lowest point at ``h``)."""
    sil = rotate_heel_up(geom.silhouette, pitch)
    dy = h - float(sil[:, 1].min())
    return sil + np.array([x, dy]), dy


def _smooth(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


class Keys:
    """Piecewise smoothstep interpolation between keyframes (time s, value)."""

    def __init__(self, t0: float, v0: float) -> None:
        self.t = [t0]
        self.v = [v0]

    def to(self, t: float, v: float) -> Keys:
        """Add a keyframe; times must not decrease."""
        if t < self.t[-1] - 1e-12:
            raise ValueError("keyframes must be in time order")
        self.t.append(t)
        self.v.append(v)
        return self

    @property
    def last(self) -> float:
        return self.v[-1]

    def __call__(self, t: np.ndarray) -> np.ndarray:
        kt, kv = np.asarray(self.t), np.asarray(self.v)
        i = np.clip(np.searchsorted(kt, t, side="right") - 1, 0, len(kt) - 2)
        span = np.maximum(kt[i + 1] - kt[i], 1e-12)
        u = _smooth((t - kt[i]) / span)
        return np.where(t >= kt[-1], kv[-1], kv[i] + (kv[i + 1] - kv[i]) * u)


@dataclass
class HSeg:
    """One phase of a foot, lasting until the next phase starts.

    kind: 'ground' (h = z0), 'flight' (h = z0 + v0*tau - g/2*tau^2), 'free' (swinging leg),
    'up'/'down' (blend from planted to free over t0..t1, or back), 'swing' (a running foot
    between take-off at t0 and landing at t1: h = z0 + v0 sin(pi (t - t0) / (t1 - t0)), m).
    """

    t0: float
    t1: float
    kind: str
    z0: float = 0.0
    v0: float = 0.0


@dataclass
class LegPlan:
    """Phases and keyframes of one physical leg."""

    name: str
    segs: list[HSeg] = field(default_factory=list)
    x: Keys | None = None
    pitch: Keys | None = None
    dx: float = 0.0  # constant x offset (far foot of a two-footed stance)


@dataclass
class PlanEvent:
    """An exact floor event of a stance foot."""

    kind: str
    time: float
    leg: str
    set: int


@dataclass
class Plan:
    """Complete motion of a clip."""

    duration: float
    legs: dict[str, LegPlan]
    r: Keys
    primary_w: Keys  # weight of the 'right' leg for the hip position (0 = left)
    events: list[PlanEvent]
    set_legs: list[str]
    initial_contact: bool
    box_height: float = 0.0
    box_front_x: float = 0.0
    box_leave: float | None = None
    pauses: list[tuple[float, float]] = field(default_factory=list)
    free_phase: float = 0.0
    free_period: float = 0.6
    stance_of_time: Keys | None = None  # 0 = left is the stance leg, 1 = right
    hip_x: Keys | None = None  # m: the hip's x (a runner on a treadmill); None: over the feet


def _free_pose(plan: Plan, t: np.ndarray, other: tuple[np.ndarray, np.ndarray]) -> tuple:
    """Pose of a free (swinging) foot relative to the stance foot (h, x) arrays."""
    ph = 2 * np.pi * t / plan.free_period + plan.free_phase
    off = 0.05 + 0.20 * (0.5 + 0.5 * np.sin(ph)) * (0.75 + 0.25 * np.sin(0.37 * ph + 1.0))
    dxf = -0.11 + 0.11 * np.sin(ph + 0.9)
    pitch = 0.45 + 0.18 * np.sin(ph - 0.5)
    return other[0] + off, other[1] + dxf, pitch


def evaluate(plan: Plan, t: np.ndarray) -> dict[str, np.ndarray]:
    """Poses at times ``t`` (s): keys '<leg>_h', '<leg>_x', '<leg>_pitch', 'r', 'w_right'
    (and 'hip_x' when the plan sets the hip's x)."""
    t = np.asarray(t, dtype=float)
    out: dict[str, np.ndarray] = {}
    pending = []
    for name, lp in plan.legs.items():
        h = np.full(t.shape, np.nan)
        kind = np.full(t.shape, "", dtype=object)
        for k, s in enumerate(lp.segs):  # a phase lasts until the next one starts
            end = lp.segs[k + 1].t0 if k + 1 < len(lp.segs) else np.inf
            m = ((t >= s.t0) | (k == 0)) & (t < end)
            kind[m] = s.kind
            tau = t[m] - s.t0
            if s.kind == "ground":
                h[m] = s.z0
            elif s.kind == "flight":
                h[m] = np.maximum(s.z0 + s.v0 * tau - 0.5 * G * tau * tau, 0.0)
            elif s.kind == "swing":
                h[m] = s.z0 + s.v0 * np.sin(np.pi * np.clip(tau / (s.t1 - s.t0), 0.0, 1.0))
            elif s.kind in ("up", "down"):
                w = _smooth(tau / (s.t1 - s.t0))
                h[m] = w if s.kind == "up" else 1.0 - w  # weight of the free pose
        out[f"{name}_h"] = h
        out[f"{name}_x"] = lp.x(t) + lp.dx
        out[f"{name}_pitch"] = lp.pitch(t)
        pending.append((name, kind))
    for name, kind in pending:  # free/blend phases need the other foot
        other = "right" if name == "left" else "left"
        fm = (kind == "free") | (kind == "up") | (kind == "down")
        if not fm.any():
            continue
        fh, fx, fp = _free_pose(plan, t[fm], (out[f"{other}_h"][fm], out[f"{other}_x"][fm]))
        w = np.where(kind[fm] == "free", 1.0, out[f"{name}_h"][fm])
        out[f"{name}_h"][fm] = w * fh
        out[f"{name}_x"][fm] = (1 - w) * out[f"{name}_x"][fm] + w * fx
        out[f"{name}_pitch"][fm] = (1 - w) * out[f"{name}_pitch"][fm] + w * fp
    out["r"] = plan.r(t)
    out["w_right"] = plan.primary_w(t)
    if plan.hip_x is not None:
        out["hip_x"] = plan.hip_x(t)
    return out


class _Builder:
    """Accumulates phases, keyframes and events while walking through the clip's time."""

    def __init__(self, rng: np.random.Generator, contact_s: tuple[float, float],
                 flight_s: tuple[float, float], drift_m: float) -> None:
        self.rng = rng
        self.contact_s, self.flight_s, self.drift_m = contact_s, flight_s, drift_m
        self.legs = {n: LegPlan(n, [], Keys(0.0, 0.0), Keys(0.0, 0.0)) for n in ("left", "right")}
        self.r = Keys(0.0, 0.97)
        self.w = Keys(0.0, 0.0)
        self.events: list[PlanEvent] = []

    def u(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def seg(self, legs: list[str], t0: float, t1: float, kind: str, z0: float = 0.0,
            v0: float = 0.0) -> None:
        for n in legs:
            self.legs[n].segs.append(HSeg(t0, t1, kind, z0, v0))

    def key(self, legs: list[str], attr: str, t: float, v: float) -> None:
        for n in legs:
            getattr(self.legs[n], attr).to(t, v)

    def event(self, kind: str, t: float, leg: str, set_no: int) -> None:
        self.events.append(PlanEvent(kind, float(t), leg, set_no))

    def takeoff_prep(self, legs: list[str], t_to: float, p_to: float, dur: float,
                     r_low: float) -> None:
        """Countermovement then heel rise ending with take-off at ``t_to`` (foot flat before)."""
        t_cm = t_to - dur
        self.r.to(t_cm, self.r.last).to(t_cm + 0.6 * dur, r_low).to(t_to, 0.985)
        self.key(legs, "pitch", t_to - min(0.13, 0.45 * dur), 0.0)
        self.key(legs, "pitch", t_to, p_to)

    def hops(self, legs: list[str], label: str, set_no: int, t_to: float, x: float, n: int,
             end_in_air: bool) -> tuple[float, float, bool]:
        """Hops from a take-off at ``t_to``; returns (end time, foot x, landed)."""
        t = t_to
        for k in range(n):
            f = self.u(*self.flight_s)
            t_land = t + f
            self.event("takeoff", t, label, set_no)
            self.seg(legs, t, t_land, "flight", 0.0, G * f / 2)
            x_new = x + self.drift_m * self.u(0.7, 1.3)
            self.key(legs, "x", t, x)
            self.key(legs, "x", t_land, x_new)
            x = x_new
            self.r.to(t + 0.5 * f, self.u(0.92, 0.95)).to(t_land, 0.955)
            if k == n - 1 and end_in_air:
                return t + f * self.u(0.4, 0.7), x, False
            self.key(legs, "pitch", t_land, self.u(0.18, 0.30))
            self.event("touchdown", t_land, label, set_no)
            if k == n - 1:
                self.seg(legs, t_land, t_land + 1.0, "ground")
                self.key(legs, "pitch", t_land + 0.12, 0.0)
                self.r.to(t_land + 0.16, self.u(0.84, 0.88)).to(t_land + 0.5, 0.97)
                return t_land + 0.5, x, True
            c = self.u(*self.contact_s)
            t = t_land + c
            self.seg(legs, t_land, t, "ground")
            p_min = self.u(0.0, 0.08)
            self.key(legs, "pitch", t_land + 0.3 * c, p_min)
            self.key(legs, "pitch", t - 0.45 * c, p_min)
            self.key(legs, "pitch", t, self.u(0.45, 0.62))
            self.r.to(t_land + 0.45 * c, self.u(0.84, 0.90)).to(t, 0.985)
        raise AssertionError("unreachable")


def build_plan(movement: str, n_hops: int, leg: str, contact_s: tuple[float, float],
               flight_s: tuple[float, float], drift_m: float, end_in_air: bool,
               rng: np.random.Generator) -> Plan:
    """Random but exact motion for ``movement`` ('hops', 'drop', 'single', 'sets')."""
    b = _Builder(rng, contact_s, flight_s, drift_m)
    other = "right" if leg == "left" else "left"
    both = ["left", "right"]
    extra: dict = {}
    if movement == "single" or (movement == "drop" and leg == "both"):
        stance, label, set_legs = both, "both", ["both"]
        b.legs["right"].dx = 0.04
    else:
        stance, label, set_legs = [leg], leg, [leg]
        b.seg([other], 0.0, 0.0, "free")
    b.w = Keys(0.0, 1.0 if label == "right" else 0.0)
    lead = b.u(0.45, 0.8)
    if movement in ("hops", "sets"):
        b.seg(stance, 0.0, 0.0, "ground")
        t_to = lead + b.u(0.3, 0.4)
        b.takeoff_prep(stance, t_to, b.u(0.45, 0.62), t_to - lead, b.u(0.84, 0.88))
        t, x, landed = b.hops(stance, label, 1, t_to, 0.0, n_hops,
                              end_in_air and movement == "hops")
        if movement == "sets":
            set_legs = [leg, other]
            xp = x + b.u(-0.02, 0.04)
            b.seg([other], t - 0.3, t, "down")
            b.key([other], "x", t, xp)
            b.key([other], "pitch", t, 0.0)
            b.seg([other], t, t + 1.0, "ground")
            p_end = t + b.u(1.4, 1.6)
            extra["pauses"] = [(t, p_end)]
            b.w.to(t, b.w.last).to(p_end, 1.0 - b.w.last)
            b.seg([leg], p_end, p_end + 0.3, "up")
            b.seg([leg], p_end + 0.3, p_end + 0.3, "free")
            t2 = p_end + 0.3 + b.u(0.3, 0.5)
            t_to = t2 + b.u(0.3, 0.4)
            b.r.to(t2, 0.97)
            b.takeoff_prep([other], t_to, b.u(0.45, 0.62), t_to - t2, b.u(0.84, 0.88))
            t, x, landed = b.hops([other], other, 2, t_to, xp, n_hops, end_in_air)
    elif movement == "drop":
        hb = b.u(0.30, 0.40)
        extra.update(box_height=hb, box_front_x=0.05, box_leave=lead)
        b.seg(stance, 0.0, lead, "ground", hb)
        v0 = b.u(0.15, 0.35)
        t_td = lead + (v0 + np.sqrt(v0 * v0 + 2 * G * hb)) / G
        b.seg(stance, lead, t_td, "flight", hb, v0)
        x = 0.05 + b.u(0.22, 0.30)
        b.key(stance, "x", lead, 0.0)
        b.key(stance, "x", t_td, x)
        b.key(stance, "pitch", lead, 0.0)
        b.key(stance, "pitch", t_td, b.u(0.15, 0.25))
        b.r.to(lead, 0.97).to(t_td, 0.96)
        b.event("touchdown", t_td, label, 1)
        c = b.u(*contact_s)
        t_to = t_td + c
        b.seg(stance, t_td, t_to, "ground")
        b.key(stance, "pitch", t_td + 0.3 * c, b.u(0.0, 0.05))
        b.key(stance, "pitch", t_to - 0.4 * c, b.legs[stance[0]].pitch.last)
        b.key(stance, "pitch", t_to, b.u(0.45, 0.62))
        b.r.to(t_td + 0.45 * c, b.u(0.80, 0.86)).to(t_to, 0.985)
        t, x, landed = b.hops(stance, label, 1, t_to, x, 1, end_in_air)
    elif movement == "single":
        b.seg(stance, 0.0, 0.0, "ground")
        t_to = lead + b.u(0.55, 0.75)
        b.takeoff_prep(stance, t_to, b.u(0.45, 0.6), t_to - lead, b.u(0.76, 0.82))
        t, x, landed = b.hops(stance, label, 1, t_to, 0.0, 1, end_in_air)
    else:
        raise ValueError(f"unknown movement {movement!r}")
    duration = t + (b.u(0.35, 0.6) if landed else 0.0)
    b.events.sort(key=lambda e: e.time)
    return Plan(duration, b.legs, b.r, b.w, b.events, set_legs,
                initial_contact=movement != "drop", **extra)
