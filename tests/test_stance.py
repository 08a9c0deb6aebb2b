"""Contact on a moving floor (stance.py) against feet points with exactly known stances."""

from __future__ import annotations

import numpy as np
import pytest

from legrsi import floormotion, stance
from legrsi.types import TAKEOFF, TOUCHDOWN, FootSignal, LegrsiError

FOOT = 130.0  # px
BELT = (800.0, 60.0)  # px/s the belt carries a standing foot (right and down: perspective)
LINES = ((270.0, 0.075), (252.0, 0.075))  # contact lines y = a + b x of the near, far foot


def _run(fps: float, steps: int = 10, contact_s: float = 0.26, flight_s: float = 0.09,
         shadows: bool = True, ghost: bool = True, seed: int = 0,
         lines: tuple[tuple[float, float], ...] = LINES
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feet points (n, 3, 4, 2) of a treadmill run (light shoes [0], their shadows [1], the
    foreground as a whole [2]: the shoes), the frame times (s) and the true per-frame
    contact (any foot on the belt)."""
    rng = np.random.default_rng(seed)
    period = contact_s + flight_s
    n = int((steps * period + 0.2) * fps)
    t = np.arange(n) / fps
    feet = np.full((n, 3, 4, 2), np.nan)
    contact = np.zeros(n, bool)
    swing = 2 * period - contact_s
    for f in range(2):
        a, b = lines[f]
        # foot f stands from 0.1 + (2 j + f) period for contact_s (j = 0, 1, ...)
        phase = (t - 0.1 - f * period) % (2 * period)
        stand = (phase < contact_s) & (t >= 0.1 + f * period - 1e-9)
        stand &= t < 0.1 + steps * period
        x_land = 150.0
        x_off = x_land + BELT[0] * contact_s - 0.15 * FOOT  # carried back, rolled to the toe
        u = np.clip((phase - contact_s) / swing, 0.0, 1.0)
        x = np.where(stand, x_land + BELT[0] * phase - 0.15 * FOOT * phase / contact_s,
                     x_off + (x_land - x_off) * (3 * u ** 2 - 2 * u ** 3))
        lift = np.where(stand, 0.0, 60.0 * np.sin(np.pi * u))
        y = a + b * x - lift + rng.normal(0, 0.4, n)
        contact |= stand
        feet[:, 0, f] = np.c_[x + rng.normal(0, 0.4, n), y]
        if shadows:  # on the belt under the foot, moving with it, too faint once it is up
            feet[:, 1, f] = np.where((lift < 20.0)[:, None], np.c_[x + 20.0, a + b * x + 12.0],
                                     np.nan)
    if ghost:
        feet[:, 0, 3] = (40.0, 250.0)  # a thing left in the foreground: never moves
    feet[:, 2] = feet[:, 0]
    return feet, t, contact


def _signal(feet: np.ndarray, t: np.ndarray) -> FootSignal:
    n = len(t)
    return FootSignal(times=t, height=np.zeros(n), conf=np.ones(n), foot_x=np.zeros(n),
                      foot_y=np.zeros(n), rois=np.zeros((n, 4)), floor_y=300.0,
                      feet=feet, foot_px=FOOT)


def _edges(mask: np.ndarray) -> list[tuple[str, int]]:
    ks = np.flatnonzero(np.diff(mask.astype(np.int8))) + 1
    return [(TOUCHDOWN if mask[k] else TAKEOFF, int(k)) for k in ks]


@pytest.mark.parametrize("fps", [30.0, 120.0, 240.0])
def test_every_step_is_found_on_a_treadmill(fps: float) -> None:
    feet, t, contact = _run(fps)
    _assert_found(stance.moving_floor_events(_signal(feet, t), fps), contact)


def _assert_found(got: tuple[bool, list] | None, contact: np.ndarray) -> None:
    """Every true touchdown and take-off found within a frame, nothing else."""
    assert got is not None
    initial, events = got
    truth = _edges(contact)
    assert initial == bool(contact[0]) and len(events) == len(truth)
    for ev, (kind, frame) in zip(events, truth, strict=True):
        assert ev.kind == kind
        assert abs(ev.frame - frame) <= 1, (ev, frame)


def test_the_floor_motion_is_the_belt() -> None:
    feet, t, _ = _run(240.0)
    pts = floormotion.near_floor(floormotion.moving_points(feet[:, 0], 240.0, FOOT), FOOT)
    fm = floormotion.floor_motion(pts, 240.0, FOOT)
    assert fm is not None and fm.step == 8
    assert fm.dx == pytest.approx(BELT[0] * 8 / 240.0, abs=3.0)
    assert fm.dy == pytest.approx(BELT[1] * 8 / 240.0, abs=1.5)


def test_a_ghost_that_never_moves_is_left_out() -> None:
    feet, _, _ = _run(30.0)
    pts = floormotion.moving_points(feet[:, 0], 30.0, FOOT)
    assert np.isnan(pts[40:-40, 3]).all()  # the ghost, but for the clip's ends
    assert np.isfinite(pts[:, :2]).all()  # the feet


def test_a_still_floor_is_left_to_the_height_detector() -> None:
    """Hops in place: the standing foot does not move, nor does the floor."""
    fps = 240.0
    t = np.arange(int(3 * fps)) / fps
    phase = t % 0.5
    lift = np.where(phase < 0.25, 0.0, 80.0 * np.sin(np.pi * (phase - 0.25) / 0.25))
    feet = np.full((len(t), 3, 4, 2), np.nan)
    feet[:, 0, 0] = feet[:, 2, 0] = np.c_[300.0 + 5.0 * t, 400.0 - lift]
    assert stance.moving_floor_events(_signal(feet, t), fps) is None


def test_a_patch_the_belt_carries_all_along_is_no_foot() -> None:
    """A dark patch on the belt (a seam, a mark) is carried along through every flight; a
    stance longer than stance.MAX_STANCE_S is no foot: the flights stay."""
    feet, t, contact = _run(30.0)
    x = (100.0 + BELT[0] * t) % 2000.0
    feet[:, 1, 2] = np.c_[x, LINES[0][0] + LINES[0][1] * x]
    _assert_found(stance.moving_floor_events(_signal(feet, t), 30.0), contact)


def test_the_points_that_leave_the_most_flights_decide() -> None:
    """The shadows stay on the belt while a foot lifts: their stances bridge the flights,
    the light shoes' points decide. Dark shoes (their points among the darker blobs, the
    whole foreground lost): those give the steps."""
    feet, t, contact = _run(30.0)
    _assert_found(stance.moving_floor_events(_signal(feet, t), 30.0), contact)
    feet[:, 1] = feet[:, 0]
    feet[:, 0] = feet[:, 2] = np.nan
    _assert_found(stance.moving_floor_events(_signal(feet, t), 30.0), contact)


def test_feet_points_must_have_their_shape() -> None:
    t = np.arange(5) / 30.0
    with pytest.raises(LegrsiError, match="feet"):
        _signal(np.zeros((5, 4, 2)), t)


def test_feet_points_keep_a_light_shoe_apart_from_its_shadow() -> None:
    """On a dark belt: a light shoe (rows 30-49) with its shadow below and behind it
    (rows 50-67, merged with it in the foreground) and a second shoe standing 20 px higher."""
    from legrsi.measure import Model, feet_points, measure, thr_map
    from legrsi.types import Roi

    bg = np.full((80, 200), 40.0, np.float32)
    crop = bg.astype(np.uint8).copy()
    crop[30:50, 20:80] = 200  # light shoe, its sole on row 49
    crop[50:68, 30:95] = 15  # its shadow on the belt
    crop[10:30, 120:180] = 210  # the other shoe, sole on row 29
    model = Model(Roi(0, 0, 200, 80), 1.0, (200, 80), bg, np.arange(0, bg.size, 97), 8.0,
                  thr_map(bg, 8.0), 2, 6, None, None, 1.0, 60.0)
    measure(model, crop)
    pts = feet_points(model, 4)
    assert pts.shape == (3, 4, 2)
    light = pts[0][np.isfinite(pts[0, :, 0])]
    assert sorted(light[:, 1].tolist()) == [30.0, 50.0]  # both soles' lower edges
    assert light[np.argmax(light[:, 1]), 0] == pytest.approx(49.5, abs=1.0)  # x of shoe 1
    dark = pts[1][np.isfinite(pts[1, :, 0])]
    assert dark[:, 1].tolist() == [68.0]  # the shadow alone
    whole = pts[2][np.isfinite(pts[2, :, 0])]
    assert whole[:, 1].max() == 68.0  # shoe and shadow as one blob: the shadow's bottom


@pytest.mark.parametrize("n", [0, 1, 5, 200])
def test_short_clips_do_not_break_the_stance_search(n: int) -> None:
    """Fewer frames than the 1 s the ghost test looks back and ahead, or than a step."""
    feet, t, _ = _run(240.0)
    got = stance.moving_floor_events(_signal(feet[:n], t[:n]), 240.0) if n >= 2 else None
    assert got is None or isinstance(got[1], list)
    assert floormotion.moving_points(feet[:n, 0], 240.0, FOOT).shape == feet[:n, 0].shape
    assert floormotion.floor_moves(feet[:n], 240.0, FOOT) in (True, False)


def test_feet_moving_up_together_are_no_floor() -> None:
    """The most common motion straight up (a foot rising, filmed hand-held) is no floor."""
    feet, t, _ = _run(240.0)
    up = feet.copy()
    up[..., 0], up[..., 1] = 300.0 + 0.05 * feet[..., 1], 400.0 - 0.5 * feet[..., 0]
    assert not floormotion.floor_moves(up, 240.0, FOOT)
    assert floormotion.floor_moves(feet, 240.0, FOOT)


def test_feet_on_one_contact_line_are_left_to_the_height_detector() -> None:
    """Filmed from the belt's height both feet stand on one line: the foot's height above
    it tells contact from flight (with sub-frame edges), the moving-floor path stands back."""
    feet, t, _ = _run(240.0, lines=(LINES[0], LINES[0]))
    assert floormotion.floor_moves(feet, 240.0, FOOT)
    assert stance.moving_floor_events(_signal(feet, t), 240.0) is None


def test_a_few_points_drifting_together_are_no_treadmill() -> None:
    """One stance's worth of points carried along (a foot sliding once, a bag swinging) in a
    clip: the probe does not keep the feet points; a whole run does."""
    feet, t, contact = _run(30.0)
    assert stance.feet_on_moving_floor(feet, t, 30.0, FOOT)
    once = np.full_like(feet, np.nan)
    first = np.flatnonzero(contact)[:8]
    once[first] = feet[first]
    assert not stance.feet_on_moving_floor(once, t, 30.0, FOOT)
