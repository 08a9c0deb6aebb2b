"""compare: statistics, asymmetry, variability rule and training-focus rules, checked against
numbers computed by hand on small made-up inputs."""

from __future__ import annotations

import math

import pytest

from legrsi.compare import asymmetry, compare, fatigue_slope, leg_stats
from legrsi.compare_defs import (
    CONTACT,
    DISTANCE,
    RSI,
    SL_BROAD,
    SPRINT_TIME,
    Observation,
    parse_threshold_options,
    resolve_thresholds,
)
from legrsi.types import LegrsiError

KIND = {"sprint_10m": "battery", "sl_broad_jump": "battery"}
METRIC = {"sl_rsi": "rsi", "sl_broad_jump": "distance_cm", "sprint_10m": "time_s",
          "sl_vertical_jump": "jump_height_cm"}


def obs(test: str, leg: str, values: list[float], metric: str | None = None,
        group: str = "g", first_rep: int = 1) -> list[Observation]:
    """Observations of one test and leg, reps numbered from ``first_rep``."""
    return [Observation(test, metric or METRIC[test], leg, v, group, first_rep + i, f"t{i}",
                        KIND.get(test, "video"))
            for i, v in enumerate(values)]


def both(test: str, left: list[float], right: list[float]) -> list[Observation]:
    return obs(test, "left", left) + obs(test, "right", right)


# ---------------------------------------------------------------- per-leg statistics

def test_leg_stats_higher_is_better():
    s = leg_stats(obs("sl_rsi", "left", [1.0, 1.5, 2.0]), RSI, repeated=True)
    assert (s.n, s.mean, s.best, s.worst) == (3, 1.5, 2.0, 1.0)
    assert s.sd == pytest.approx(0.5)
    assert s.cv_pct == pytest.approx(100 / 3)
    assert s.best5_mean is None  # fewer than 5 reps


def test_leg_stats_lower_is_better_best_is_smallest():
    s = leg_stats(obs("sl_rsi", "left", [200.0, 250.0, 300.0], "contact_ms"), CONTACT, True)
    assert (s.best, s.worst) == (200.0, 300.0)
    assert s.cv_pct == pytest.approx(50 / 250 * 100)


def test_best5_mean_by_direction():
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert leg_stats(obs("sl_rsi", "left", values), RSI, True).best5_mean == pytest.approx(4.0)
    s = leg_stats(obs("sl_rsi", "left", values, "contact_ms"), CONTACT, True)
    assert s.best5_mean == pytest.approx(3.0)
    assert leg_stats(obs("sl_broad_jump", "left", values), DISTANCE, False).best5_mean is None


def test_single_trial_has_no_sd():
    s = leg_stats(obs("sl_broad_jump", "left", [180.0]), DISTANCE, False)
    assert s.sd is None and s.cv_pct is None and s.mean == s.best == s.worst == 180.0


def test_fatigue_slope_is_fitted_within_sets():
    # set a: reps 1-3 at -0.1/rep; set b: reps 2-4 at -0.2/rep, from a lower level.
    # Within-set slope: sum(dx*dy) / sum(dx^2) = (-0.2 - 0.4) / (2 + 2) = -0.15 per rep.
    # (One line through all six points would give a different slope: the levels differ.)
    o = (obs("sl_rsi", "left", [2.0, 1.9, 1.8], group="a")
         + obs("sl_rsi", "left", [1.5, 1.3, 1.1], group="b", first_rep=2))
    assert fatigue_slope([x.value for x in o], [x.rep for x in o],
                         [x.group for x in o]) == pytest.approx(-0.15)
    s = leg_stats(o, RSI, repeated=True)
    assert s.fatigue_slope == pytest.approx(-0.15)
    assert s.fatigue_pct_per_rep == pytest.approx(-0.15 / 1.6 * 100)  # mean of all = 1.6


def test_fatigue_slope_needs_two_degrees_of_freedom():
    assert fatigue_slope([1.0, 2.0], [1, 2], ["a", "a"]) is None
    assert fatigue_slope([1.0, 2.0, 5.0], [1, 2, 1], ["a", "a", "b"]) is None
    assert fatigue_slope([1.0, 2.0, 3.0], [1, 2, 3], ["a"] * 3) == pytest.approx(1.0)


# ---------------------------------------------------------------- asymmetry

def _asym(test, metric, left, right, thr=10.0):
    ls = leg_stats(obs(test, "left", left), metric, False)
    rs = leg_stats(obs(test, "right", right), metric, False)
    return asymmetry(test, metric, ls, rs, thr)


def test_asymmetry_higher_is_better_left_weaker():
    # left mean 154, right mean 200: (200 - 154) / 200 = 23 %; LSI 77 %
    a = _asym("sl_broad_jump", DISTANCE, [150.0, 158.0], [196.0, 204.0])
    assert (a.stronger, a.weaker) == ("right", "left")
    assert a.asym_pct == pytest.approx(23.0)
    assert a.lsi_pct == pytest.approx(77.0)
    assert a.best_asym_pct == pytest.approx((204 - 158) / 204 * 100)
    # variability: larger CV of the legs: left SD 5.657 / 154
    assert a.variability_pct == pytest.approx(math.sqrt(32) / 154 * 100)
    assert a.flagged and a.verdict == "imbalance"


def test_asymmetry_right_weaker_is_mirrored():
    a = _asym("sl_broad_jump", DISTANCE, [196.0, 204.0], [150.0, 158.0])
    assert (a.stronger, a.weaker) == ("left", "right")
    assert a.asym_pct == pytest.approx(23.0)


def test_asymmetry_lower_is_better_for_sprint_times():
    # left starts faster (1.92 s) than right (2.02 s): weaker = right,
    # asymmetry = (slower - faster) / slower = 0.10 / 2.02
    a = _asym("sprint_10m", SPRINT_TIME, [1.90, 1.94], [2.00, 2.04], thr=3.0)
    assert (a.stronger, a.weaker) == ("left", "right")
    assert a.asym_pct == pytest.approx(0.10 / 2.02 * 100)
    assert a.lsi_pct == pytest.approx(1.92 / 2.02 * 100)
    assert a.best_asym_pct == pytest.approx((2.00 - 1.90) / 2.00 * 100)
    assert a.variability_pct == pytest.approx(math.sqrt(0.0008) / 1.92 * 100)
    assert a.flagged


def test_asymmetry_lower_is_better_for_contact_time():
    a = _asym("sl_rsi", CONTACT, [300.0, 300.0], [240.0, 240.0])
    assert a.weaker == "left" and a.asym_pct == pytest.approx(20.0)


def test_variability_rule_big_but_noisy_difference_is_not_flagged():
    # left 100/140: mean 120, CV 23.6 %; right 150/160: mean 155;
    # asymmetry 35/155 = 22.6 % is above 10 % but within the 23.6 % trial variability.
    a = _asym("sl_broad_jump", DISTANCE, [100.0, 140.0], [150.0, 160.0])
    assert a.asym_pct == pytest.approx(35 / 155 * 100)
    assert a.variability_pct == pytest.approx(math.sqrt(800) / 120 * 100)
    assert a.above_threshold and a.above_variability is False
    assert not a.flagged and a.verdict == "within variability"
    assert "within the 23.6 % trial-to-trial variability" in a.status


def test_variability_rule_consistent_but_small_difference_is_not_flagged():
    # 191 vs 201: 4.98 % > CV (0.74 %) but below the 10 % threshold
    a = _asym("sl_broad_jump", DISTANCE, [190.0, 192.0], [200.0, 202.0])
    assert a.asym_pct == pytest.approx(10 / 201 * 100)
    assert a.above_variability is True and not a.above_threshold
    assert not a.flagged and a.verdict == "below threshold"


def test_variability_rule_neither():
    a = _asym("sl_broad_jump", DISTANCE, [180.0, 200.0], [185.0, 205.0])
    assert not a.flagged and a.verdict == "below threshold, within variability"


def test_one_trial_per_leg_is_unconfirmed():
    a = _asym("sl_broad_jump", DISTANCE, [150.0], [200.0])
    assert a.asym_pct == pytest.approx(25.0)
    assert a.variability_pct is None and a.above_variability is None
    assert not a.flagged and a.verdict == "unconfirmed"


def test_threshold_is_strictly_exceeded():
    a = _asym("sl_broad_jump", DISTANCE, [90.0, 90.0], [100.0, 100.0])  # exactly 10 %, CV 0
    assert a.asym_pct == pytest.approx(10.0) and not a.above_threshold


def test_equal_legs():
    a = _asym("sl_broad_jump", DISTANCE, [180.0, 182.0], [182.0, 180.0])
    assert a.asym_pct == 0 and a.weaker is None and not a.flagged
    c = compare(both("sl_broad_jump", [180.0, 182.0], [182.0, 180.0]))
    assert "no difference between legs" in c.headline


def test_one_leg_only_is_reported_and_the_rest_still_computed():
    o = obs("sl_vertical_jump", "left", [20.0, 21.0]) + both("sl_broad_jump", [150, 158],
                                                               [196, 204])
    c = compare(o)
    vj = c.asym("sl_vertical_jump")
    assert vj is not None and not vj.comparable and vj.verdict == "one leg only"
    assert any("Single-leg vertical jump: only the left leg" in w for w in c.warnings)
    assert [a.test for a in c.ranking] == ["sl_broad_jump"]
    assert c.stat("sl_vertical_jump", "jump_height_cm", "left").mean == pytest.approx(20.5)


def test_nothing_to_compare_raises():
    with pytest.raises(LegrsiError, match="nothing to compare"):
        compare([])


# ---------------------------------------------------------------- ranking and plain words

def test_ranking_and_headline_in_plain_words():
    o = (both("sl_rsi", [1.60, 1.64, 1.68], [1.95, 2.00, 2.05])  # 18 %
         + both("sl_broad_jump", [180.0, 184.0], [196.0, 204.0])  # 9 %
         + both("sprint_10m", [1.90, 1.92], [1.91, 1.93]))  # 0.5 %
    c = compare(o)
    assert [a.test for a in c.ranking] == ["sl_rsi", "sl_broad_jump", "sprint_10m"]
    assert c.ranking[0].asym_pct == pytest.approx(18.0)
    assert c.headline == "single-leg RSI: left 18 % lower than right (1.64 vs 2.00)"


def test_plain_words_for_sprint():
    # (2.02 - 1.92) / 2.02 = 4.95 %
    c = compare(both("sprint_10m", [2.00, 2.04], [1.90, 1.94]))
    assert c.headline == ("10 m sprint: left-leg starts 5.0 % slower than right-leg starts "
                          "(2.020 vs 1.920 s)")


def test_no_flag_headline_names_largest_difference():
    c = compare(both("sl_broad_jump", [190.0, 192.0], [200.0, 202.0]))
    assert c.headline.startswith("No imbalance flagged. Largest difference: single-leg broad "
                                 "jump: left 5.0 % shorter than right")


# ---------------------------------------------------------------- training-focus rules

SPRINT_EVEN = ([1.90, 1.92], [1.91, 1.93])  # within a couple of hundredths
SPRINT_LEFT_SLOW = ([2.00, 2.02, 2.04], [1.90, 1.92, 1.94])  # 5 %, CV 1 %
RSI_LEFT_LOW = ([1.60, 1.64, 1.68], [1.95, 2.00, 2.05])  # 18 %
BROAD_LEFT_SHORT = ([170.0, 172.0, 174.0], [196.0, 200.0, 204.0])  # 14 %
BROAD_EVEN = ([196.0, 200.0], [198.0, 202.0])
VJ_LEFT_LOW = ([15.0, 15.5, 16.0], [20.0, 20.5, 21.0])  # 24 %


def test_rule_sprint_even_rsi_different_gives_vertical_stiffness():
    c = compare(both("sprint_10m", *SPRINT_EVEN) + both("sl_rsi", *RSI_LEFT_LOW))
    r = c.recommendation
    assert r.rule == "vertical_stiffness"
    assert "pogo" in r.advice and "stiff-ankle" in r.advice and "box jumps" in r.advice
    assert "retest" in r.advice and "Weaker leg: left" in r.advice
    assert "Not flagged: 10 m sprint 0.010 s" in r.reason


def test_rule_every_test_imbalanced_gives_general_approach():
    c = compare(both("sprint_10m", *SPRINT_LEFT_SLOW) + both("sl_rsi", *RSI_LEFT_LOW)
                + both("sl_broad_jump", *BROAD_LEFT_SHORT))
    r = c.recommendation
    assert r.rule == "general"
    assert "fast and slow, vertical and horizontal" in r.advice.lower()
    assert "alternating the start leg" in r.advice
    assert "The left leg is weaker on every test." in r.reason


def test_rule_horizontal_imbalance_gives_bounds_and_broad_jumps():
    c = compare(both("sl_broad_jump", *BROAD_LEFT_SHORT) + both("sprint_10m", *SPRINT_EVEN))
    r = c.recommendation
    assert r.rule == "horizontal"
    assert "single-leg bounds" in r.advice.lower() and "broad jumps" in r.advice


def test_rule_sprint_start_imbalance_gives_alternating_start_leg():
    c = compare(both("sprint_10m", *SPRINT_LEFT_SLOW) + both("sl_broad_jump", *BROAD_EVEN))
    r = c.recommendation
    assert r.rule == "sprint_start"
    assert "alternate the start leg when sprinting and in block starts" in r.advice.lower()
    assert c.headline.startswith("10 m sprint: left-leg starts")


def test_rule_vertical_jump_imbalance_gives_vertical_power():
    c = compare(both("sl_vertical_jump", *VJ_LEFT_LOW) + both("sl_broad_jump", *BROAD_EVEN))
    assert c.recommendation.rule == "vertical_power"


def test_rule_biggest_flagged_decides_and_others_are_listed():
    # RSI 18 % and broad jump 14 % flagged, sprint even: not every test -> biggest (RSI)
    c = compare(both("sl_rsi", *RSI_LEFT_LOW) + both("sl_broad_jump", *BROAD_LEFT_SHORT)
                + both("sprint_10m", *SPRINT_EVEN))
    r = c.recommendation
    assert r.rule == "vertical_stiffness"
    assert len(r.also) == 1 and r.also[0].startswith("single-leg broad jump: left 14 % shorter")
    assert "bounds" in r.also[0]


def test_rule_single_test_flagged_is_not_general():
    c = compare(both("sl_rsi", *RSI_LEFT_LOW))
    assert c.recommendation.rule == "vertical_stiffness"


def test_rule_nothing_flagged():
    c = compare(both("sprint_10m", *SPRINT_EVEN) + both("sl_broad_jump", *BROAD_EVEN))
    assert c.recommendation.rule == "none"


def test_rule_no_test_with_both_legs():
    c = compare(obs("sl_broad_jump", "left", [180.0, 182.0]))
    assert c.recommendation.rule == "no_data"
    assert c.headline.startswith("No test has results for both legs")


def test_weaker_leg_differing_between_tests_is_noted():
    c = compare(both("sl_rsi", *RSI_LEFT_LOW)
                + both("sl_broad_jump", BROAD_LEFT_SHORT[1], BROAD_LEFT_SHORT[0])
                + both("sprint_10m", *SPRINT_EVEN))
    assert any("weaker leg differs between tests" in n for n in c.recommendation.notes)


def test_unconfirmed_is_mentioned_not_acted_on():
    c = compare(both("sl_broad_jump", [150.0], [200.0]) + both("sprint_10m", *SPRINT_EVEN))
    r = c.recommendation
    assert r.rule == "none"
    assert any("unconfirmed" in n and "broad jump" in n for n in r.notes)


# ---------------------------------------------------------------- thresholds

def test_default_thresholds():
    thr = resolve_thresholds()
    assert thr["sl_rsi"] == thr[SL_BROAD.key] == thr["sl_vertical_jump"] == 10.0
    assert thr["sprint_10m"] == 3.0


def test_threshold_options():
    assert set(parse_threshold_options(["8"]).values()) == {8.0}
    thr = parse_threshold_options(["8", "sprint_10m=2"])
    assert thr["sprint_10m"] == 2.0 and thr["sl_rsi"] == 8.0
    with pytest.raises(LegrsiError, match="did you mean 'sprint_10m'"):
        parse_threshold_options(["sprnt_10m=2"])
    with pytest.raises(LegrsiError, match="PCT or TEST=PCT"):
        parse_threshold_options(["lots"])


def test_threshold_changes_the_flag():
    o = both("sl_broad_jump", [190.0, 192.0], [200.0, 202.0])  # 4.98 %
    assert not compare(o).ranking[0].flagged
    assert compare(o, {"sl_broad_jump": 4.0}).ranking[0].flagged
    assert compare(o, 4.0).ranking[0].flagged
