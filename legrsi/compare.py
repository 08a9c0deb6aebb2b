"""Left versus right: per-leg statistics, asymmetry, ranking and the training focus.

Definitions (all documented in docs/compare.md):

- per leg and metric: n, mean, best, worst, SD (n-1), CV % = SD / mean * 100; for repeated
  hops also the mean of the best 5 reps and the fatigue slope (least-squares slope of the
  value against the rep number, fitted within each set with a common slope; units per rep,
  and as % of the leg's mean per rep);
- asymmetry % = (stronger - weaker) / stronger * 100 on the leg means (Bishop et al. 2018).
  Where lower is better (sprint time, contact time) the faster leg is the stronger one and
  asymmetry % = (slower - faster) / slower * 100, which is the same formula applied to speed
  (1 / time). Limb symmetry index LSI % = 100 - asymmetry % (weaker / stronger * 100);
- a difference is flagged as an imbalance only when it is above the test's threshold AND
  above the trial-to-trial variability, taken as the larger CV % of the two legs (which
  needs at least 2 trials per leg);
- tests are ranked by the asymmetry of their primary metric; the training focus follows from
  the flagged tests (see :func:`recommend`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .compare_battery import read_battery
from .compare_defs import LEFT, LEGS, RIGHT, TESTS, Metric, Observation, resolve_thresholds
from .compare_io import Inputs, observations_from_reps, read_results
from .compare_rules import Recommendation, describe, recommend
from .types import LegrsiError

__all__ = ["Asymmetry", "Comparison", "Inputs", "LegStats", "Recommendation", "asymmetry",
           "compare", "compare_files", "compare_inputs", "describe", "fatigue_slope", "leg_stats",
           "observations_from_reps", "read_battery", "read_results", "recommend"]

BEST_OF = 5


@dataclass(frozen=True)
class LegStats:
    """Statistics of one metric of one test on one leg (metric units; None = not computable)."""

    test: str
    metric: str
    leg: str
    n: int
    mean: float
    best: float
    worst: float
    sd: float | None
    cv_pct: float | None
    best5_mean: float | None = None
    fatigue_slope: float | None = None
    fatigue_pct_per_rep: float | None = None
    kinds: str = "video"


@dataclass(frozen=True)
class Asymmetry:
    """Left/right comparison of one metric. ``asym_pct`` is None when a leg has no data."""

    test: str
    metric: str
    left: LegStats | None
    right: LegStats | None
    threshold_pct: float
    stronger: str | None = None
    weaker: str | None = None
    asym_pct: float | None = None
    lsi_pct: float | None = None
    best_asym_pct: float | None = None
    variability_pct: float | None = None
    above_threshold: bool = False
    above_variability: bool | None = None
    flagged: bool = False
    verdict: str = ""
    status: str = ""

    @property
    def comparable(self) -> bool:
        """Both legs have data."""
        return self.asym_pct is not None


@dataclass
class Comparison:
    """Everything ``legrsi compare`` reports."""

    stats: list[LegStats]
    asymmetries: list[Asymmetry]
    ranking: list[Asymmetry]
    headline: str
    recommendation: Recommendation
    thresholds: dict[str, float]
    observations: list[Observation]
    warnings: list[str] = field(default_factory=list)
    athlete: str = ""

    def stat(self, test: str, metric: str, leg: str) -> LegStats | None:
        """The statistics of one test/metric/leg, if measured."""
        for s in self.stats:
            if (s.test, s.metric, s.leg) == (test, metric, leg):
                return s
        return None

    def asym(self, test: str, metric: str | None = None) -> Asymmetry | None:
        """The asymmetry of ``metric`` (default: the primary metric) of ``test``."""
        metric = metric or TESTS[test].primary.key
        return next((a for a in self.asymmetries if (a.test, a.metric) == (test, metric)), None)


def fatigue_slope(values: Sequence[float], reps: Sequence[int],
                  groups: Sequence[str]) -> float | None:
    """Common within-set least-squares slope of value vs rep number (value units per rep).

    Each set (``groups``) keeps its own intercept; None with fewer than 3 reps in a set
    (or 2 + 2 in two sets), i.e. fewer than 2 degrees of freedom.
    """
    y = np.asarray(values, float)
    x = np.asarray(reps, float)
    g = np.asarray(groups)
    sxy = sxx = 0.0
    dof = 0
    for name in dict.fromkeys(g.tolist()):
        m = g == name
        if m.sum() < 2:
            continue
        dx = x[m] - x[m].mean()
        sxy += float(dx @ (y[m] - y[m].mean()))
        sxx += float(dx @ dx)
        dof += int(m.sum()) - 1
    return sxy / sxx if dof >= 2 and sxx > 0 else None


def leg_stats(obs: Sequence[Observation], metric: Metric, repeated: bool) -> LegStats:
    """Statistics of the observations of one test, metric and leg (at least one)."""
    v = np.array([o.value for o in obs], float)
    mean = float(v.mean())
    best, worst = (v.max(), v.min()) if metric.higher_is_better else (v.min(), v.max())
    sd = float(v.std(ddof=1)) if len(v) >= 2 else None
    cv = sd / mean * 100 if sd is not None and mean > 0 else None
    best5 = slope = slope_pct = None
    if repeated:
        if len(v) >= BEST_OF:
            ordered = np.sort(v)[::-1] if metric.higher_is_better else np.sort(v)
            best5 = float(ordered[:BEST_OF].mean())
        slope = fatigue_slope(v, [o.rep for o in obs], [o.group for o in obs])
        slope_pct = slope / mean * 100 if slope is not None and mean > 0 else None
    kinds = "+".join(sorted({o.kind for o in obs}))
    return LegStats(obs[0].test, metric.key, obs[0].leg, len(v), mean, float(best), float(worst),
                    sd, cv, best5, slope, slope_pct, kinds)


def asymmetry(test: str, metric: Metric, left: LegStats | None, right: LegStats | None,
              threshold_pct: float) -> Asymmetry:
    """Compare the legs' means; flag only above the threshold and the trials' variability."""
    if left is None or right is None:
        only = LEFT if right is None else RIGHT
        return Asymmetry(test, metric.key, left, right, threshold_pct, verdict="one leg only",
                         status=f"only the {only} leg was measured: no comparison")
    asym = _asym_pct(left.mean, right.mean)
    best_asym = _asym_pct(left.best, right.best)
    stronger = weaker = None
    if left.mean != right.mean:
        left_better = (left.mean > right.mean) == metric.higher_is_better
        stronger, weaker = (LEFT, RIGHT) if left_better else (RIGHT, LEFT)
    cvs = [s.cv_pct for s in (left, right) if s.cv_pct is not None]
    variability = max(cvs) if len(cvs) == 2 else None
    above_t = asym > threshold_pct
    above_v = asym > variability if variability is not None else None
    flagged = above_t and above_v is True
    verdict, status = _verdict(asym, threshold_pct, variability, above_t, above_v)
    return Asymmetry(test, metric.key, left, right, threshold_pct, stronger, weaker, asym,
                     100.0 - asym, best_asym, variability, above_t, above_v, flagged, verdict,
                     status)


def _asym_pct(a: float, b: float) -> float:
    """(larger - smaller) / larger * 100: (stronger - weaker) / stronger where higher is
    better, (slower - faster) / slower where lower is better (times)."""
    hi, lo = max(a, b), min(a, b)
    return (hi - lo) / hi * 100 if hi > 0 else 0.0


def _verdict(asym: float, thr: float, var: float | None, above_t: bool,
             above_v: bool | None) -> tuple[str, str]:
    t_text = f"the {thr:g} % threshold"
    if above_v is None:
        if above_t:
            return "unconfirmed", (f"{asym:.1f} % is above {t_text}, but the trial-to-trial "
                                   "variability is unknown (needs 2+ trials per leg): not "
                                   "confirmed")
        return "below threshold", f"{asym:.1f} % is below {t_text} (variability unknown)"
    v_text = f"the {var:.1f} % trial-to-trial variability (CV)"
    if above_t and above_v:
        return "imbalance", f"imbalance: {asym:.1f} % is above {t_text} and above {v_text}"
    if above_t:
        return "within variability", (f"{asym:.1f} % is above {t_text} but within {v_text}:"
                                      " not flagged")
    if above_v:
        return "below threshold", f"{asym:.1f} % is above {v_text} but below {t_text}"
    return "below threshold, within variability", (f"{asym:.1f} % is below {t_text} and "
                                                   f"within {v_text}")


def compare(observations: Iterable[Observation], thresholds: float | dict[str, float] | None = None,
            warnings: Sequence[str] = (), athlete: str = "") -> Comparison:
    """Statistics, asymmetries, ranking and training focus of all observations.

    ``thresholds``: one percentage for every test or ``{test_key: pct}`` (defaults: 10 %,
    3 % for the 10 m sprint). ``warnings`` from reading are carried into the result.
    """
    obs = list(observations)
    if not obs:
        raise LegrsiError("nothing to compare: no usable trial in the inputs"
                          + (f" ({len(warnings)} problem(s) reported)" if warnings else ""))
    thr = resolve_thresholds(thresholds)
    warns = list(warnings)
    stats: list[LegStats] = []
    asyms: list[Asymmetry] = []
    for test in TESTS.values():
        for metric in test.metrics:
            by_leg = {leg: [o for o in obs if (o.test, o.metric, o.leg) == (test.key, metric.key,
                                                                             leg)]
                      for leg in LEGS}
            if not any(by_leg.values()):
                continue
            leg_s = {leg: leg_stats(v, metric, test.repeated) if v else None
                     for leg, v in by_leg.items()}
            stats += [s for s in leg_s.values() if s is not None]
            a = asymmetry(test.key, metric, leg_s[LEFT], leg_s[RIGHT], thr[test.key])
            asyms.append(a)
            if metric is test.primary:
                warns += _test_warnings(test.name, a)
    ranking = sorted((a for a in asyms if a.comparable and a.metric == TESTS[a.test].primary.key),
                     key=lambda a: -(a.asym_pct or 0.0))
    flagged = [a for a in ranking if a.flagged]
    if flagged:
        headline = describe(flagged[0])
    elif ranking:
        headline = (f"No imbalance flagged. Largest difference: {describe(ranking[0])}"
                    f" ({ranking[0].verdict})")
    else:
        headline = "No test has results for both legs: nothing to compare"
    return Comparison(stats, asyms, ranking, headline, recommend(ranking), thr, obs, warns,
                      athlete)


def _test_warnings(name: str, a: Asymmetry) -> list[str]:
    if not a.comparable:
        return [f"{name}: {a.status}"]
    kinds = {leg: s.kinds for leg, s in ((LEFT, a.left), (RIGHT, a.right)) if s is not None}
    if kinds[LEFT] != kinds[RIGHT]:
        return [f"{name}: left measured from {kinds[LEFT]}, right from {kinds[RIGHT]}; the"
                " methods may differ"]
    return []


def compare_files(results: Sequence[Path], battery: Path | None = None,
                  thresholds: float | dict[str, float] | None = None) -> Comparison:
    """Read analyze result CSVs and an optional battery file, then :func:`compare` them."""
    inputs = read_results(results)
    if battery is not None:
        inputs.extend(read_battery(battery))
    return compare_inputs(inputs, thresholds)


def compare_inputs(inputs: Inputs,
                   thresholds: float | dict[str, float] | None = None) -> Comparison:
    """:func:`compare` what was read, with the reading warnings (and a check of the athlete)."""
    warns = inputs.warnings + [w for w in (inputs.athlete_warning(),) if w]
    return compare(inputs.observations, thresholds, warns, inputs.athlete)
