"""Kinematics of a synthetic treadmill run (see :mod:`legrsi.synth_motion` for the world).

The runner's hip stays in place (x = 0) while the belt carries each stance foot back at the
belt's speed: a foot lands ahead of the hip, is carried behind it, takes off, swings forward
through the air and lands ahead again. Steps alternate between the legs, and between every
two steps both feet are off the belt (a run's flight). For the two feet together (``--leg
both``: in contact while any foot touches) the floor events alternate touchdown, take-off:
one take-off per step. The far leg stands on its own, higher contact line in the picture
(synth_render.Scene.floor_y_far), as on a real treadmill filmed from the side.
"""

from __future__ import annotations

import numpy as np

from .synth_motion import HSeg, Keys, LegPlan, Plan, PlanEvent

RUN_CONTACT_S = (0.22, 0.30)  # s: a step's ground contact (recreational running, ~170/min)
RUN_FLIGHT_S = (0.06, 0.12)  # s: the flight between two steps
BELT_M_S = (2.0, 2.6)  # m/s: treadmill speed
SWING_PEAK_M = (0.18, 0.28)  # m: how high a swinging foot rises
LEAD_S = (0.08, 0.16)  # s: the first take-off comes this long after the clip starts


def build_run_plan(n_steps: int, rng: np.random.Generator) -> Plan:
    """Exact motion of ``n_steps`` running steps (take-offs) on a treadmill (times in s).

    The clip starts with the left foot on the belt (a standing start for the events) and
    ends during the contact that follows the last take-off.
    """
    if n_steps < 1:
        raise ValueError("a run needs at least one step")
    belt = float(rng.uniform(*BELT_M_S))
    contacts = rng.uniform(*RUN_CONTACT_S, n_steps + 1)
    flights = rng.uniform(*RUN_FLIGHT_S, n_steps + 1)
    # step k: leg k % 2 (left first) stands from landing[k] to takeoff[k]
    takeoff = [float(rng.uniform(*LEAD_S))]
    landing = [takeoff[0] - contacts[0]]
    for k in range(1, n_steps + 1):
        landing.append(takeoff[-1] + flights[k - 1])
        takeoff.append(landing[-1] + contacts[k])
    half = 0.5 * belt * float(np.mean(contacts))  # m: a foot lands this far ahead of the hip
    legs = {n: LegPlan(n, [], Keys(0.0, 0.0), Keys(0.0, 0.0)) for n in ("left", "right")}
    r, w = Keys(0.0, 0.89), Keys(0.0, 0.0)
    events: list[PlanEvent] = []
    # the right foot is in the air at the start: it left the belt a flight before the left
    # foot landed (before the clip) and lands at landing[1]
    right = legs["right"]
    t_prev = landing[0] - flights[0]
    right.segs.append(HSeg(t_prev, landing[1], "swing", 0.0, float(rng.uniform(*SWING_PEAK_M))))
    right.x = Keys(0.0, float(Keys(t_prev, -half).to(landing[1], half)(np.zeros(1))[0]))
    right.pitch = Keys(0.0, 0.45)
    left = legs["left"]
    left.x = Keys(0.0, half - belt * (0.0 - landing[0]))
    for k in range(n_steps + 1):
        leg, side = legs[("left", "right")[k % 2]], float(k % 2)
        td, to = landing[k], takeoff[k]
        c = to - td
        if td > 0:
            leg.x.to(td, half)
            leg.pitch.to(td - 0.05, 0.3).to(td, 0.15)
            events.append(PlanEvent("touchdown", td, "both", 1))
        leg.segs.append(HSeg(max(td, 0.0), to, "ground"))
        leg.x.to(to, half - belt * c)
        leg.pitch.to(max(td + 0.35 * c, 0.0), 0.0).to(to, 0.6)
        w.to(max(td, 0.0), side).to(to, side)
        r.to(max(td + 0.5 * c, 0.0), float(rng.uniform(0.84, 0.86))).to(to, 0.89)
        if k == n_steps:  # the landing after the last take-off: the clip ends on it
            break
        events.append(PlanEvent("takeoff", to, "both", 1))
        nxt = landing[k + 2] if k + 2 <= n_steps else to + contacts[k] + 2 * flights[k]
        leg.segs.append(HSeg(to, nxt, "swing", 0.0, float(rng.uniform(*SWING_PEAK_M))))
        leg.pitch.to(0.5 * (to + nxt), 0.5)
        if k + 2 > n_steps:  # a swing the clip's end cuts: it still goes forward
            leg.x.to(nxt, half)
    # the clip ends during the last step's contact (no take-off after it)
    end = landing[n_steps] + float(rng.uniform(0.4, 0.7)) * contacts[n_steps]
    return Plan(end, legs, r, w, events, ["both"], initial_contact=True, hip_x=Keys(0.0, 0.0))

