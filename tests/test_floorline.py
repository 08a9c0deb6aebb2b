"""The contact line from the contact shadow (floorline.py), on profiles with a known band."""

from __future__ import annotations

import numpy as np
import pytest

from legrsi.floorline import ShadowAccumulator, contact_line, shadow_offset

ROWS, FOOT = 200, 110.0


def _band(rows: np.ndarray, centre: float, depth: float, sigma: float = 1.2) -> np.ndarray:
    return depth * np.exp(-0.5 * ((rows - centre) / sigma) ** 2)


def _clip(line: float | None, rest: float, depth: float = 12.0, seed: int = 0,
          clutter: float = 0.0) -> ShadowAccumulator:
    """A hopping foot resting at ``rest`` whose shadow band (centred on ``line``, None: no
    shadow) shows in the rows below it while it is within a few px of the floor."""
    rng = np.random.default_rng(seed)
    acc = ShadowAccumulator(ROWS)
    rows = np.arange(ROWS, dtype=float)
    static = clutter * np.sin(rows / 3.0)  # what the background model gets wrong, always
    for _ in range(6):  # six flights: up and down again
        heights = np.concatenate([np.linspace(0, 80, 20), np.linspace(80, 0, 20)])
        for h in np.concatenate([np.zeros(10), heights]):
            bottom = rest - h
            start = acc.start_row(bottom)
            if start is None:
                continue
            prof = static + rng.normal(0, 1.0, ROWS)
            if line is not None and h < 40:
                prof = prof + _band(rows, line, depth * np.exp(-h / 40))
            acc.add(bottom, start, prof[start:])
    return acc


@pytest.mark.parametrize("line, rest", [(150.5, 151.9), (150.2, 152.5), (120.0, 120.8)])
def test_band_centre_is_the_contact_line(line: float, rest: float) -> None:
    acc = _clip(line, rest)
    found = contact_line(acc, rest, FOOT)
    assert found is not None and abs(found - line) < 0.3
    assert shadow_offset(acc, rest, FOOT) == pytest.approx(rest - line, abs=0.3)


def test_static_clutter_is_taken_away() -> None:
    acc = _clip(150.5, 151.8, clutter=4.0)
    assert shadow_offset(acc, 151.8, FOOT) == pytest.approx(1.3, abs=0.35)


def test_no_shadow_no_offset() -> None:
    acc = _clip(None, 151.8)
    assert contact_line(acc, 151.8, FOOT) is None
    assert shadow_offset(acc, 151.8, FOOT) == 0.0
    assert shadow_offset(None, 151.8, FOOT) == 0.0


def test_band_below_the_resting_level_moves_nothing() -> None:
    # the shoe's lowest part is not seen (an outsole the colour of the floor): the foot rests
    # well above the shadow, nothing merged with it
    acc = _clip(158.0, 151.0)
    assert shadow_offset(acc, 151.0, FOOT) == 0.0


def test_offset_is_bounded() -> None:
    acc = _clip(140.0, 145.0)  # a band 5 px above rest: more than a shadow adds
    assert shadow_offset(acc, 145.0, FOOT) == pytest.approx(0.04 * FOOT)


def test_weak_band_is_not_trusted() -> None:
    acc = _clip(150.5, 151.8, depth=1.5)
    assert shadow_offset(acc, 151.8, FOOT) == 0.0
