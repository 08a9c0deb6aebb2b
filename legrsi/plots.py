"""The signal plot: what the detector saw, so a wrong detection is visible at a glance.

Top panel: the foot's height above the floor (pixels) over capture time, contacts shaded,
every event marked with its frame number. Bottom panel (same time axis): RSI of each rep as a
bar over its contact, with each leg's mean. Uses matplotlib's object API with the Agg canvas
(no pyplot, no display needed).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

from .fileio import atomic_path
from .framestate import thresholds
from .metrics import per_leg_summary
from .phases import CONTACT, FLIGHT, STANDING, phases
from .types import TAKEOFF, Analysis, Event, LegrsiError

COLORS = {
    CONTACT: "#e8640c", STANDING: "#9a9a9a", FLIGHT: "#1f77b4",
    "takeoff": "#2ca02c", "touchdown": "#d62728", "manual": "#d61fd6", "signal": "#222222",
    "unseen": "#8b0000",
}
LEG_COLORS = {"left": "#1f77b4", "right": "#ff7f0e", "both": "#6a3d9a"}
_ALPHA = {CONTACT: 0.22, STANDING: 0.18, FLIGHT: 0.06}
LOW_CONF = 0.5  # events below this confidence are drawn dashed with a '?'


def plot_path(analysis: Analysis, out_dir: Path | str) -> Path:
    """``out_dir/<clip stem>.png``."""
    return Path(out_dir) / f"{analysis.info.path.stem}.png"


def _title(analysis: Analysis) -> str:
    info = analysis.info
    legs = ", ".join(dict.fromkeys(analysis.legs))
    parts = [info.path.name, f"leg {legs}", f"{info.capture_fps:g} fps capture"]
    means = []
    for leg, stats in per_leg_summary(analysis.reps).items():
        s = stats["rsi"]
        if s is not None:
            means.append(f"{leg} {s.mean:.2f} (n={s.n})")
    parts.append("mean RSI " + ("; ".join(means) if means else "-- (no rep with a contact)"))
    return "   |   ".join(parts)


def signal_figure(analysis: Analysis) -> Figure:
    """The two-panel figure (foot height with phases and events; RSI per rep)."""
    sig = analysis.signal
    t = sig.times
    dur = float(t[-1] - t[0]) if len(t) > 1 else 1.0
    width = float(np.clip(8.0 + 1.1 * dur, 11.0, 30.0))
    fig = Figure(figsize=(width, 6.8), layout="constrained")
    FigureCanvasAgg(fig)
    ax, ax_rsi = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3.2, 1.2]})
    _signal_panel(ax, analysis)
    _rsi_panel(ax_rsi, analysis)
    pad = max(dur * 0.01, 0.02)
    ax.set_xlim(float(t[0]) - pad, float(t[-1]) + pad)
    fig.suptitle(_title(analysis), fontsize=11)
    return fig


def _phase_span(t: np.ndarray, start: int, end: int) -> tuple[float, float]:
    """Time span of frames [start, end): from half a frame before to half a frame after."""
    dt = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    return float(t[start]) - dt / 2, float(t[min(end, len(t)) - 1]) + dt / 2


def _signal_panel(ax: Axes, analysis: Analysis) -> None:
    sig = analysis.signal
    t, h = sig.times, sig.height
    evs: list[Event] = sorted(analysis.events, key=lambda e: e.frame)
    phase_list = phases(analysis)
    for k, ph in enumerate(phase_list):
        a, b = _phase_span(t, ph.start, ph.end)
        # phases begun / ended by an event start / end at its sub-frame time
        a = ph.start_time if ph.start_time is not None else a
        nxt = phase_list[k + 1] if k + 1 < len(phase_list) else None
        b = nxt.start_time if nxt is not None and nxt.start_time is not None else b
        ax.axvspan(a, b, color=COLORS[ph.kind], alpha=_ALPHA[ph.kind], lw=0, zorder=0)
    ax.plot(t, h, color=COLORS["signal"], lw=1.0, zorder=3)
    top = float(np.nanmax(h)) if np.isfinite(h).any() else 1.0
    top = max(top, 5.0)
    try:
        th = thresholds(sig, analysis.info.capture_fps)
        ax.axhline(th.on_px, color="#555555", lw=0.8, ls=":", zorder=2)
        ax.text(t[0], th.on_px, " in the air above this", fontsize=7, color="#555555",
                va="bottom")
    except LegrsiError:
        pass
    unseen = ~np.isfinite(h)
    if unseen.any():
        ax.plot(t[unseen], np.full(int(unseen.sum()), -0.04 * top), "|",
                color=COLORS["unseen"], ms=6, zorder=3)
    # rotated labels are ~0.13 in wide: labels of events closer than that are pushed apart
    span = float(t[-1] - t[0]) if len(t) > 1 else 1.0
    near = 0.13 * span / (ax.figure.get_figwidth() * 0.88)
    prev: tuple[float, Text] | None = None
    for ev in evs:
        manual = ev.source == "manual"
        col = COLORS["manual"] if manual else COLORS[ev.kind]
        low = ev.conf < LOW_CONF
        ax.axvline(ev.time, color=col, lw=1.1, ls="--" if low else "-", alpha=0.9, zorder=2)
        k = min(ev.frame, len(t) - 1)
        if np.isfinite(h[k]):
            ax.plot(t[k], h[k], "o", ms=3.5, color=col, zorder=4)
        tag = ("TO " if ev.kind == TAKEOFF else "TD ") + str(ev.frame)
        tag += "?" if low else ""
        tag += " (manual)" if manual else ""
        label = ax.text(ev.time, 1.01, tag, transform=ax.get_xaxis_transform(), rotation=90,
                        ha="center", va="bottom", fontsize=7.5, color=col, clip_on=False)
        if prev is not None and ev.time - prev[0] < near:
            prev[1].set_ha("right")
            label.set_ha("left")
        prev = (ev.time, label)
    ax.set_ylim(-0.08 * top, top * 1.08)
    ax.set_ylabel("foot above floor (px)")
    ax.grid(axis="y", alpha=0.3)
    handles = [
        Line2D([], [], color=COLORS["signal"], lw=1, label="lowest foot point"),
        Patch(color=COLORS[CONTACT], alpha=0.35, label="contact"),
        Patch(color=COLORS[STANDING], alpha=0.3, label="standing"),
        Patch(color=COLORS[FLIGHT], alpha=0.15, label="flight"),
        Line2D([], [], color=COLORS["takeoff"], label="take-off (TO frame)"),
        Line2D([], [], color=COLORS["touchdown"], label="touchdown (TD frame)"),
        Line2D([], [], color="#555555", ls="--", label=f"confidence < {LOW_CONF:g} (?)"),
    ]
    if any(e.source == "manual" for e in evs):
        handles.append(Line2D([], [], color=COLORS["manual"], label="manual"))
    if unseen.any():
        handles.append(Line2D([], [], color=COLORS["unseen"], marker="|", ls="",
                              label="foot not seen"))
    ax.figure.legend(handles=handles, loc="outside lower center", fontsize=8,
                     ncol=len(handles), frameon=False)


def _rsi_panel(ax: Axes, analysis: Analysis) -> None:
    reps = [r for r in analysis.reps if r.rsi is not None and r.touchdown is not None]
    if not reps:
        ax.text(0.5, 0.5, "no RSI: no contact between two flights", transform=ax.transAxes,
                ha="center", va="center", color="#777777")
        ax.set_yticks([])
    top = max((r.rsi for r in reps), default=1.0) or 1.0
    for r in reps:
        assert r.touchdown is not None and r.rsi is not None
        col = LEG_COLORS.get(r.leg, "#444444")
        edge = COLORS["manual"] if r.source == "manual" else "none"
        ax.bar(r.touchdown.time, r.rsi, width=r.takeoff.time - r.touchdown.time,
               align="edge", color=col, alpha=0.85, edgecolor=edge, lw=1.5)
        mid = r.touchdown.time + (r.takeoff.time - r.touchdown.time) / 2
        ax.text(mid, r.rsi + 0.03 * top, f"{r.rsi:.2f}", ha="center", va="bottom", fontsize=7.5)
        ax.text(mid, 0.03 * top, f"#{r.rep}", ha="center", va="bottom", fontsize=6.5,
                color="white", clip_on=True)
    for r in analysis.reps:
        if r.touchdown is None:
            ax.text(r.takeoff.time, 0.03 * top, f"#{r.rep} standing\nstart", ha="right",
                    va="bottom", fontsize=6.5, color="#777777")
    legs_seen = []
    for leg, stats in per_leg_summary(reps).items():
        s = stats["rsi"]
        if s is None:
            continue
        col = LEG_COLORS.get(leg, "#444444")
        ax.axhline(s.mean, color=col, ls="--", lw=0.9)
        legs_seen.append(Patch(color=col, label=f"{leg}: mean {s.mean:.2f}"))
    if legs_seen:
        ax.legend(handles=legs_seen, loc="upper left", fontsize=7.5, ncol=len(legs_seen))
        ax.set_ylim(0, top * 1.3)
    ax.set_ylabel("RSI\n(flight / contact)")
    ax.set_xlabel("capture time (s)")
    ax.grid(axis="y", alpha=0.3)


def write_signal_plot(analysis: Analysis, out_dir: Path | str, dpi: int = 110) -> Path:
    """Write ``out_dir/<clip stem>.png`` atomically and return its path."""
    path = plot_path(analysis, out_dir)
    fig = signal_figure(analysis)
    with atomic_path(path) as tmp:
        try:
            fig.savefig(tmp, format="png", dpi=dpi)
        except OSError as exc:
            raise LegrsiError(f"cannot write {path}: {exc.strerror}") from exc
    return path
