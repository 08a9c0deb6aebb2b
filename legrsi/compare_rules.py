"""The training focus that follows from the left/right comparison, and its plain words.

Rules, applied to the tests measured on both legs (primary metrics, ranked by asymmetry):

1. no test with both legs -> ``no_data``;
2. two or more tests and every one flagged as an imbalance -> ``general``: fast and slow,
   vertical and horizontal single-leg work plus alternating the start leg;
3. otherwise the biggest flagged imbalance decides, by the kind of test:
   single-leg RSI -> ``vertical_stiffness`` (single-leg pogo hops, single-leg box jumps,
   stiff-ankle jumps); single-leg vertical jump -> ``vertical_power``; single-leg broad
   jump -> ``horizontal`` (single-leg bounds and broad jumps); 10 m sprint ->
   ``sprint_start`` (alternate the start leg when sprinting and in block starts). Other
   flagged tests are listed with their own focus;
4. nothing flagged -> ``none`` (no leg-specific focus).

Every focus ends with a retest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .compare_defs import LEFT, RIGHT, TESTS

if TYPE_CHECKING:
    from .compare import Asymmetry

FOCUS: dict[str, tuple[str, str, str]] = {
    "reactive": ("vertical_stiffness", "Single-leg vertical stiffness",
                 "single-leg pogo hops, single-leg box jumps and stiff-ankle jumps; then retest"
                 " single-leg RSI"),
    "vertical": ("vertical_power", "Single-leg vertical power",
                 "single-leg box jumps and single-leg countermovement jumps, with single-leg"
                 " strength work (split squats, step-ups); then retest the single-leg vertical"
                 " jump"),
    "horizontal": ("horizontal", "Single-leg horizontal power",
                   "single-leg bounds and single-leg broad jumps; then retest the single-leg"
                   " broad jump"),
    "sprint": ("sprint_start", "Sprint start",
               "alternate the start leg when sprinting and in block starts; then retest the"
               " 10 m sprints from each start leg"),
}
GENERAL = ("general", "General single-leg development",
           "fast and slow, vertical and horizontal single-leg work (pogo hops, box jumps,"
           " bounds, broad jumps, single-leg strength work) plus alternating the start leg in"
           " sprints and block starts; then retest the whole battery")
DIRECTION_NOTE = ("Which leg comes out weaker agrees only moderately between test days (kappa"
                  " 0.58-0.81): confirm the direction with a retest before committing to one"
                  " side.")


@dataclass(frozen=True)
class Recommendation:
    """The training focus: rule key, title, what to do, why, and secondary points."""

    rule: str
    title: str
    advice: str
    reason: str
    also: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def describe(a: Asymmetry) -> str:
    """Plain words, e.g. ``single-leg RSI: left 18 % lower than right (1.45 vs 1.77)``."""
    t = TESTS[a.test]
    m = t.metric(a.metric)
    label = t.short if m is t.primary else f"{t.short} {m.label}"
    if a.asym_pct is None or a.left is None or a.right is None:
        return f"{label}: {a.status}"
    if a.weaker is None or a.stronger is None:
        return f"{label}: no difference between legs"
    stats = {LEFT: a.left, RIGHT: a.right}
    pct = f"{a.asym_pct:.0f}" if a.asym_pct >= 10 else f"{a.asym_pct:.1f}"
    weak, strong = (t.leg_phrase.format(leg=leg) for leg in (a.weaker, a.stronger))
    unit = f" {m.unit}" if m.unit else ""
    return (f"{label}: {weak} {pct} % {m.worse_word} than {strong} "
            f"({m.fmt(stats[a.weaker].mean)} vs {m.fmt(stats[a.stronger].mean)}{unit})")


def brief(a: Asymmetry) -> str:
    """Short difference, e.g. ``10 m sprint 0.020 s (1.1 %, below threshold)``."""
    t = TESTS[a.test]
    m = t.metric(a.metric)
    if a.left is None or a.right is None or a.asym_pct is None:
        return f"{t.short} ({a.verdict})"
    diff = abs(a.left.mean - a.right.mean)
    unit = f" {m.unit}" if m.unit else ""
    return f"{t.short} {m.fmt(diff)}{unit} ({a.asym_pct:.1f} %, {a.verdict})"


def recommend(ranking: list[Asymmetry]) -> Recommendation:
    """Apply the rules to the primary-metric asymmetries, biggest first."""
    comparable = sorted((a for a in ranking if a.comparable), key=lambda a: -(a.asym_pct or 0))
    if not comparable:
        return Recommendation("no_data", "No comparison possible",
                              "Measure both legs on at least one test.",
                              "No test has results for both legs.")
    flagged = [a for a in comparable if a.flagged]
    notes = []
    unconfirmed = [a for a in comparable if a.verdict == "unconfirmed"]
    if unconfirmed:
        notes.append("Possible but unconfirmed (one trial per leg): "
                     + "; ".join(describe(a) for a in unconfirmed)
                     + ". Repeat with 2 or more trials per leg.")
    if flagged:
        weaker = {TESTS[a.test].short: a.weaker for a in flagged}
        if len(set(weaker.values())) > 1:
            notes.append("The weaker leg differs between tests ("
                         + ", ".join(f"{k}: {v}" for k, v in weaker.items()) + ").")
        notes.append(DIRECTION_NOTE)
    if len(comparable) >= 2 and len(flagged) == len(comparable):
        legs = {a.weaker for a in flagged}
        side = (f" The {legs.pop()} leg is weaker on every test." if len(legs) == 1 else "")
        return Recommendation(GENERAL[0], GENERAL[1], _cap(GENERAL[2]) + ".",
                              "Imbalance on every test: "
                              + "; ".join(describe(a) for a in flagged) + "." + side,
                              notes=notes)
    if flagged:
        top = flagged[0]
        rule, title, advice = FOCUS[TESTS[top.test].category]
        reason = (f"The biggest flagged imbalance is {TESTS[top.test].short}"
                  f" ({top.asym_pct:.1f} %, weaker leg: {top.weaker}).")
        calm = [a for a in comparable if not a.flagged]
        if calm:
            reason += " Not flagged: " + "; ".join(brief(a) for a in calm) + "."
        also = [f"{describe(a)}: {FOCUS[TESTS[a.test].category][2]}" for a in flagged[1:]]
        return Recommendation(rule, title, f"{_cap(advice)}. Weaker leg: {top.weaker}.",
                              reason, also, notes)
    return Recommendation("none", "No leg-specific focus",
                          "Keep training both legs alike; retest the battery in a few weeks.",
                          "No difference is above both its threshold and the trial-to-trial"
                          " variability: " + "; ".join(brief(a) for a in comparable) + ".",
                          notes=notes)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]

