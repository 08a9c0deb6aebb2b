"""The left/right test battery: tests, their metrics, legs and one measured value.

A *test* (single-leg RSI, vertical jump, broad jump, 10 m sprint) has one or more *metrics*;
the first one is the test's primary metric, used to rank tests and to choose the training
focus. Every metric knows whether higher or lower values are better, which decides which leg
is the "stronger" one.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .types import LegrsiError

REACTIVE_MAX_CONTACT_S = 1.0
"""A take-off after a longer ground contact (seconds) is not a reactive hop."""
MIN_CONTACT_S = 0.05
"""Shorter ground contacts (seconds) are not humanly possible in a hop: a detection error."""
MAX_FLIGHT_S = 1.0
"""Longer flights (seconds; a 1.23 m jump) are not possible on one leg: a detection error."""

LEFT, RIGHT = "left", "right"
LEGS = (LEFT, RIGHT)


@dataclass(frozen=True)
class Metric:
    """One measured quantity; ``worse_word`` describes the weaker leg ("lower", "slower")."""

    key: str
    label: str
    unit: str
    higher_is_better: bool
    decimals: int
    worse_word: str

    def fmt(self, value: float | None, extra: int = 0) -> str:
        """``value`` rounded for display (empty string for None/NaN)."""
        if value is None or value != value:
            return ""
        return f"{value:.{self.decimals + extra}f}"

    @property
    def label_unit(self) -> str:
        """Label with unit, e.g. ``contact time (ms)``."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


@dataclass(frozen=True)
class TestDef:
    """A field test; ``metrics[0]`` is the primary metric. ``repeated``: reps in sets (hops)."""

    key: str
    name: str
    short: str
    category: str  # reactive | vertical | horizontal | sprint
    metrics: tuple[Metric, ...]
    repeated: bool = False
    leg_phrase: str = "{leg}"

    @property
    def primary(self) -> Metric:
        """The metric that ranks this test."""
        return self.metrics[0]

    def metric(self, key: str) -> Metric:
        """The metric called ``key``."""
        for m in self.metrics:
            if m.key == key:
                return m
        raise KeyError(key)


RSI = Metric("rsi", "RSI (flight/contact)", "", True, 2, "lower")
RSI_MOD = Metric("rsi_mod", "RSI (jump height/contact)", "m/s", True, 2, "lower")
CONTACT = Metric("contact_ms", "contact time", "ms", False, 0, "longer")
FLIGHT = Metric("flight_ms", "flight time", "ms", True, 0, "shorter")
HEIGHT = Metric("jump_height_cm", "jump height", "cm", True, 1, "lower")
DISTANCE = Metric("distance_cm", "distance", "cm", True, 1, "shorter")
SPRINT_TIME = Metric("time_s", "10 m time", "s", False, 3, "slower")

SL_RSI = TestDef("sl_rsi", "Single-leg RSI (repeated hops)", "single-leg RSI", "reactive",
                 (RSI, RSI_MOD, CONTACT, FLIGHT, HEIGHT), repeated=True)
SL_VJ = TestDef("sl_vertical_jump", "Single-leg vertical jump", "single-leg vertical jump",
                "vertical", (HEIGHT,))
SL_BROAD = TestDef("sl_broad_jump", "Single-leg broad jump", "single-leg broad jump",
                   "horizontal", (DISTANCE,))
SPRINT_10M = TestDef("sprint_10m", "10 m sprint by start leg", "10 m sprint", "sprint",
                     (SPRINT_TIME,), leg_phrase="{leg}-leg starts")

TESTS: dict[str, TestDef] = {t.key: t for t in (SL_RSI, SL_VJ, SL_BROAD, SPRINT_10M)}
"""All tests, in display order."""

DEFAULT_THRESHOLD_PCT = 10.0
DEFAULT_THRESHOLDS: dict[str, float] = {
    SL_RSI.key: DEFAULT_THRESHOLD_PCT,
    SL_VJ.key: DEFAULT_THRESHOLD_PCT,
    SL_BROAD.key: DEFAULT_THRESHOLD_PCT,
    # 10 m times vary ~1-2 % between trials; 10 % (~0.19 s) would never be reached.
    SPRINT_10M.key: 3.0,
}
"""Asymmetry (%) a test must exceed to count as an imbalance, unless the user sets one."""


@dataclass(frozen=True)
class Observation:
    """One value of one metric on one leg.

    ``group`` names the set the trial belongs to (reps of one set share it; fatigue slopes
    are fitted within groups); ``rep`` is the 1-based order within the group; ``origin``
    says where it came from for messages (``"hops.csv line 7"``); ``kind`` is ``video`` or
    ``battery``.
    """

    test: str
    metric: str
    leg: str
    value: float
    group: str
    rep: int
    origin: str
    kind: str = "video"


_LEG_WORDS = {"left": LEFT, "l": LEFT, "lt": LEFT, "left leg": LEFT,
              "right": RIGHT, "r": RIGHT, "rt": RIGHT, "right leg": RIGHT}


def normalize_leg(text: str) -> str | None:
    """``"left"``/``"right"`` for the usual spellings (L, Left, lt, ...), else None."""
    return _LEG_WORDS.get(" ".join(str(text).strip().lower().split()))


def leg_from_name(name: str) -> str | None:
    """The leg named in a file or clip name (``hops_left_240fps`` -> left), if exactly one."""
    words = set(re.split(r"[^a-z]+", name.lower()))
    found = {leg for leg in LEGS if leg in words}
    return found.pop() if len(found) == 1 else None


def suggest(word: str, choices: list[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def resolve_thresholds(spec: float | dict[str, float] | None = None) -> dict[str, float]:
    """Threshold (%) per test key: the defaults, a number for all tests, or per-test values."""
    out = dict(DEFAULT_THRESHOLDS)
    if spec is None:
        return out
    if isinstance(spec, int | float):
        spec = dict.fromkeys(out, float(spec))
    for key, pct in spec.items():
        if key not in TESTS:
            raise LegrsiError(f"threshold for unknown test '{key}'{suggest(key, list(TESTS))};"
                              f" tests: {', '.join(TESTS)}")
        if not 0 <= pct < 100:
            raise LegrsiError(f"threshold for {key} must be 0-100 %, got {pct}")
        out[key] = float(pct)
    return out


def parse_threshold_options(options: list[str] | tuple[str, ...]) -> dict[str, float]:
    """Parse ``--threshold`` values: ``PCT`` (all tests) or ``TEST=PCT``; later ones win."""
    spec: dict[str, float] = {}
    for text in options:
        key, _, pct_text = text.rpartition("=")
        try:
            pct = float(pct_text.strip().rstrip("%"))
        except ValueError:
            raise LegrsiError(f"--threshold must be PCT or TEST=PCT, got {text!r}") from None
        keys = [key.strip()] if key else list(TESTS)
        for k in keys:
            spec[k] = pct
    return resolve_thresholds(spec)
