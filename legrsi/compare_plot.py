"""The comparison figure: left vs right per test, and RSI per rep (fatigue).

Uses matplotlib's object API with the Agg canvas (no pyplot, no display needed).
"""

from __future__ import annotations

import io
import math

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .compare import Comparison
from .compare_defs import LEFT, LEGS, RSI, SL_RSI, TESTS, TestDef

LEG_COLORS = {LEFT: "#1f77b4", "right": "#ff7f0e"}
FLAG_COLOR = "#c0392b"


def comparison_figure(comp: Comparison) -> Figure:
    """One panel per test (primary metric, every trial a dot, mean and best marked) plus,
    when there are hops, RSI per rep for each leg with its fatigue slope."""
    tests = [t for t in TESTS.values()
             if any(s.test == t.key and s.metric == t.primary.key for s in comp.stats)]
    has_reps = any(o.test == SL_RSI.key and o.metric == RSI.key for o in comp.observations)
    panels = max(1, len(tests) + int(has_reps))
    ncols = min(panels, 3)
    nrows = math.ceil(panels / ncols)
    fig = Figure(figsize=(4.3 * ncols, 3.9 * nrows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, test in zip(axes, tests, strict=False):
        _leg_panel(ax, comp, test)
    if has_reps:
        _fatigue_panel(axes[len(tests)], comp)
    for ax in axes[len(tests) + int(has_reps):]:
        ax.set_visible(False)
    if tests:
        axes[0].legend(handles=[
            Line2D([], [], ls="", marker="o", color="0.4", alpha=0.6, label="trial"),
            Line2D([], [], color="k", lw=2, label="mean"),
            Line2D([], [], ls="", marker="*", ms=12, mfc="gold", mec="k", label="best")],
            loc="best", fontsize=8, framealpha=0.8)
    title = "Left vs right" + (f" - {comp.athlete}" if comp.athlete else "")
    fig.suptitle(title, fontsize=13)
    return fig


def _leg_panel(ax, comp: Comparison, test: TestDef) -> None:
    metric = test.primary
    rng = np.random.default_rng(0)
    labels = []
    for i, leg in enumerate(LEGS):
        values = np.array([o.value for o in comp.observations
                           if (o.test, o.metric, o.leg) == (test.key, metric.key, leg)])
        labels.append(f"{leg}\n(n={len(values)})")
        if not len(values):
            continue
        s = comp.stat(test.key, metric.key, leg)
        assert s is not None
        x = i + rng.uniform(-0.13, 0.13, len(values))
        ax.scatter(x, values, s=22, color=LEG_COLORS[leg], alpha=0.6, zorder=2)
        ax.hlines(s.mean, i - 0.3, i + 0.3, color="k", lw=2, zorder=3)
        ax.annotate(metric.fmt(s.mean), (i + 0.32, s.mean), va="center", fontsize=8)
        ax.scatter([i], [s.best], marker="*", s=170, color="gold", edgecolor="k", zorder=4)
    ax.set_xticks([0, 1], labels)
    ax.set_xlim(-0.6, 1.75)
    better = "higher" if metric.higher_is_better else "lower"
    ax.set_ylabel(f"{metric.label_unit}, {better} is better", fontsize=9)
    a = comp.asym(test.key)
    sub, color = "one leg only", "0.4"
    if a is not None and a.comparable:
        weak = a.weaker or "-"
        sub = f"{weak} {a.asym_pct:.1f} % {metric.worse_word}: {a.verdict}"
        color = FLAG_COLOR if a.flagged else "0.3"
    ax.set_title(f"{test.name}\n{sub}", fontsize=10, color=color)
    ax.grid(axis="y", alpha=0.3)


def _fatigue_panel(ax, comp: Comparison) -> None:
    for leg in LEGS:
        obs = [o for o in comp.observations
               if (o.test, o.metric, o.leg) == (SL_RSI.key, RSI.key, leg)]
        if not obs:
            continue
        color = LEG_COLORS[leg]
        for group in dict.fromkeys(o.group for o in obs):
            pts = sorted((o.rep, o.value) for o in obs if o.group == group)
            xs, ys = zip(*pts, strict=True)
            ax.plot(xs, ys, "o-", color=color, alpha=0.45, lw=1, ms=4)
        s = comp.stat(SL_RSI.key, RSI.key, leg)
        label = f"{leg}: mean {RSI.fmt(s.mean)}" if s else leg
        if s is not None and s.fatigue_slope is not None:
            reps = np.array([o.rep for o in obs], float)
            xs = np.array([reps.min(), reps.max()])
            ax.plot(xs, s.mean + s.fatigue_slope * (xs - reps.mean()), color=color, lw=2.5)
            label += f", {s.fatigue_slope:+.3f}/rep ({s.fatigue_pct_per_rep:+.1f} %/rep)"
        ax.plot([], [], "o-", color=color, label=label)
    ax.set_xlabel("rep in set")
    ax.set_ylabel(RSI.label_unit, fontsize=9)
    ax.set_title("RSI per rep (fatigue)", fontsize=10)
    ax.legend(fontsize=8, loc="best", framealpha=0.8)
    ax.grid(alpha=0.3)


def figure_png(comp: Comparison, dpi: int = 110) -> bytes:
    """The comparison figure as PNG bytes."""
    fig = comparison_figure(comp)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
