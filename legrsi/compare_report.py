"""Outputs of ``legrsi compare``: summary.csv, asymmetry.csv, comparison.png, report.html,
and the same summary as a text table for the terminal."""

from __future__ import annotations

import base64
import csv
import html
import io
from datetime import date
from pathlib import Path

from .compare import Comparison, LegStats
from .compare_defs import TESTS
from .compare_rules import describe
from .fileio import atomic_write_bytes, atomic_write_text, ensure_dir

SUMMARY_FIELDS = ("test", "test_name", "metric", "unit", "better", "leg", "n", "mean", "best",
                  "worst", "sd", "cv_pct", "best5_mean", "fatigue_slope_per_rep",
                  "fatigue_pct_per_rep", "source")
ASYM_FIELDS = ("rank", "test", "test_name", "metric", "unit", "better", "left_mean",
               "right_mean", "difference", "stronger", "weaker", "asymmetry_pct", "lsi_pct",
               "best_asymmetry_pct", "variability_pct", "threshold_pct", "above_threshold",
               "above_variability", "flagged", "verdict", "description")


def _num(value: float | None, decimals: int) -> str:
    return "" if value is None else f"{value:.{decimals}f}"


def _flag(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def summary_records(comp: Comparison, extra: int = 0) -> list[dict[str, str]]:
    """One row per test, metric and leg; numbers with the metric's decimals + ``extra``."""
    rows = []
    for s in comp.stats:
        m = TESTS[s.test].metric(s.metric)
        d = m.decimals + extra
        rows.append({
            "test": s.test, "test_name": TESTS[s.test].name, "metric": m.label, "unit": m.unit,
            "better": "higher" if m.higher_is_better else "lower", "leg": s.leg, "n": str(s.n),
            "mean": _num(s.mean, d), "best": _num(s.best, d), "worst": _num(s.worst, d),
            "sd": _num(s.sd, d + 1), "cv_pct": _num(s.cv_pct, 1 + extra),
            "best5_mean": _num(s.best5_mean, d),
            "fatigue_slope_per_rep": _num(s.fatigue_slope, d + 1),
            "fatigue_pct_per_rep": _num(s.fatigue_pct_per_rep, 1 + extra), "source": s.kinds})
    return rows


def asymmetry_records(comp: Comparison, extra: int = 0) -> list[dict[str, str]]:
    """One row per test and metric, primary metrics in ranking order first."""
    rank = {id(a): i for i, a in enumerate(comp.ranking, start=1)}
    ordered = comp.ranking + [a for a in comp.asymmetries if id(a) not in rank]
    rows = []
    for a in ordered:
        m = TESTS[a.test].metric(a.metric)
        d = m.decimals + extra
        left, right = _mean(a.left), _mean(a.right)
        diff = abs(left - right) if left is not None and right is not None else None
        rows.append({
            "rank": str(rank.get(id(a), "")), "test": a.test, "test_name": TESTS[a.test].name,
            "metric": m.label, "unit": m.unit,
            "better": "higher" if m.higher_is_better else "lower",
            "left_mean": _num(left, d), "right_mean": _num(right, d),
            "difference": _num(diff, d), "stronger": a.stronger or "",
            "weaker": a.weaker or "", "asymmetry_pct": _num(a.asym_pct, 1 + extra),
            "lsi_pct": _num(a.lsi_pct, 1 + extra),
            "best_asymmetry_pct": _num(a.best_asym_pct, 1 + extra),
            "variability_pct": _num(a.variability_pct, 1 + extra),
            "threshold_pct": f"{a.threshold_pct:g}",
            "above_threshold": _flag(a.above_threshold if a.comparable else None),
            "above_variability": _flag(a.above_variability), "flagged": _flag(a.flagged),
            "verdict": a.verdict, "description": describe(a)})
    return rows


def _mean(s: LegStats | None) -> float | None:
    return None if s is None else s.mean


def _csv_text(fields: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def text_table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain monospace table; columns whose cells look numeric are right-aligned."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    numeric = [all(_is_num(r[i]) for r in rows) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if num else c.ljust(w)
                         for c, w, num in zip(cells, widths, numeric, strict=True)).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), sep] + [line(r) for r in rows])


def _is_num(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return text == ""
    return True


SUMMARY_COLUMNS = [("test", "test"), ("metric", "metric"), ("unit", "unit"), ("leg", "leg"),
                   ("n", "n"), ("mean", "mean"), ("best", "best"), ("worst", "worst"),
                   ("sd", "SD"), ("cv_pct", "CV %"), ("best5_mean", "best 5"),
                   ("fatigue_pct_per_rep", "fatigue %/rep")]
RANK_COLUMNS = [("rank", "#"), ("test_name", "test"), ("metric", "metric"),
                ("left_mean", "left"), ("right_mean", "right"), ("unit", "unit"),
                ("weaker", "weaker"), ("asymmetry_pct", "asym %"), ("lsi_pct", "LSI %"),
                ("variability_pct", "CV %"), ("threshold_pct", "thr %"),
                ("verdict", "verdict")]


def _pick(records: list[dict[str, str]], columns: list[tuple[str, str]]) -> list[list[str]]:
    return [[r[k] for k, _ in columns] for r in records]


def format_text(comp: Comparison) -> str:
    """The terminal report: per-leg summary, ranked asymmetries and the training focus."""
    summ = summary_records(comp)
    for r in summ:
        r["test"] = TESTS[r["test"]].short
    asym = asymmetry_records(comp)
    rec = comp.recommendation
    out = [f"Athlete: {comp.athlete}"] if comp.athlete else []
    out += ["Per leg:", text_table([h for _, h in SUMMARY_COLUMNS], _pick(summ, SUMMARY_COLUMNS)),
            "", "Left vs right (asymmetry = (stronger - weaker) / stronger; ranked tests first):",
            text_table([h for _, h in RANK_COLUMNS], _pick(asym, RANK_COLUMNS)), "",
            f"Biggest imbalance: {comp.headline}", f"Training focus: {rec.title}. {rec.advice}",
            f"Why: {rec.reason}"]
    out += [f"Also: {a}" for a in rec.also] + [f"Note: {n}" for n in rec.notes]
    return "\n".join(out)


def write_outputs(comp: Comparison, out_dir: Path, figure: bool = True) -> dict[str, Path]:
    """Write summary.csv, asymmetry.csv, comparison.png and report.html (atomically)."""
    out_dir = ensure_dir(Path(out_dir))
    paths = {name: out_dir / name for name in ("summary.csv", "asymmetry.csv")}
    atomic_write_text(paths["summary.csv"], _csv_text(SUMMARY_FIELDS,
                                                      summary_records(comp, extra=2)))
    atomic_write_text(paths["asymmetry.csv"], _csv_text(ASYM_FIELDS,
                                                        asymmetry_records(comp, extra=2)))
    png = None
    png_path = out_dir / "comparison.png"
    if figure:
        from .compare_plot import figure_png

        png = figure_png(comp)
        atomic_write_bytes(png_path, png)
        paths["comparison.png"] = png_path
    else:
        png_path.unlink(missing_ok=True)  # never leave a figure of an earlier run
    paths["report.html"] = out_dir / "report.html"
    atomic_write_text(paths["report.html"], report_html(comp, png))
    return paths


_CSS = """
body{font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.1em}.sub{color:#666;margin-top:0}
.focus{border-left:6px solid #c0392b;background:#fdf2f0;padding:.8em 1.2em;margin:1.2em 0}
.focus.calm{border-color:#27ae60;background:#eef9f1}
table{border-collapse:collapse;margin:.6em 0 1.4em;font-size:.9em}
th,td{border:1px solid #ddd;padding:.3em .6em;text-align:left}
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.flag td{background:#fdecea;font-weight:600}
img{max-width:100%;height:auto}.small{font-size:.85em;color:#555}
"""


def _html_table(records: list[dict[str, str]], columns: list[tuple[str, str]],
                flagged: list[bool] | None = None) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for _, h in columns)
    body = []
    for i, r in enumerate(records):
        cls = ' class="flag"' if flagged and flagged[i] else ""
        cells = "".join(
            f'<td class="n">{html.escape(r[k])}</td>' if r[k] and _is_num(r[k])
            else f"<td>{html.escape(r[k])}</td>" for k, _ in columns)
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def report_html(comp: Comparison, png: bytes | None = None) -> str:
    """One self-contained HTML page (inline CSS, figure as a base64 data URI)."""
    e = html.escape
    rec = comp.recommendation
    asym = asymmetry_records(comp)
    summ = summary_records(comp)
    for r in summ:
        r["test"] = TESTS[r["test"]].name
    calm = "" if any(a.flagged for a in comp.ranking) else " calm"
    parts = [f"<h1>Left vs right{': ' + e(comp.athlete) if comp.athlete else ''}</h1>",
             f'<p class="sub">legrsi comparison, {date.today().isoformat()}</p>',
             f'<div class="focus{calm}"><p><b>{"" if calm else "Biggest imbalance: "}'
             f'{e(comp.headline)}</b></p>',
             f"<p><b>Training focus: {e(rec.title)}.</b> {e(rec.advice)}</p>",
             f"<p>{e(rec.reason)}</p>"]
    parts += [f"<p>Also: {e(a)}</p>" for a in rec.also]
    parts += [f'<p class="small">{e(n)}</p>' for n in rec.notes] + ["</div>"]
    parts += ["<h2>Tests ranked by asymmetry</h2>",
              _html_table(asym[:len(comp.ranking)], RANK_COLUMNS,
                          [a.flagged for a in comp.ranking])]
    if png:
        data = base64.b64encode(png).decode("ascii")
        parts += ["<h2>Figures</h2>", f'<img alt="left vs right per test and RSI per rep" '
                                      f'src="data:image/png;base64,{data}">']
    other = asym[len(comp.ranking):]
    if other:
        parts += ["<h2>All metrics</h2>", _html_table(other, RANK_COLUMNS)]
    parts += ["<h2>Per leg</h2>", _html_table(summ, SUMMARY_COLUMNS), _how_to_read(comp)]
    if comp.warnings:
        parts += ["<h2>Input notes</h2><ul>"] + [f"<li>{e(w)}</li>" for w in comp.warnings]
        parts += ["</ul>"]
    title = "Left vs right" + (f" - {comp.athlete}" if comp.athlete else "")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{e(title)}</title><style>{_CSS}</style></head><body>\n"
            + "\n".join(parts) + "\n</body></html>\n")


def _how_to_read(comp: Comparison) -> str:
    thr = ", ".join(f"{TESTS[k].short} {v:g} %" for k, v in comp.thresholds.items())
    items = [
        "Asymmetry = (stronger - weaker) / stronger x 100, on the leg means. For times (sprint,"
        " contact time) the faster leg is the stronger: (slower - faster) / slower x 100.",
        "LSI (limb symmetry index) = weaker / stronger x 100 = 100 - asymmetry;"
        " 90 % or more is a common return-to-sport criterion.",
        f"A difference counts as an imbalance only when it is above the threshold ({thr})"
        " and above the trial-to-trial variability (the larger CV of the two legs).",
        "RSI = flight time / contact time; RSI (jump height/contact) = jump height (m) /"
        " contact time (s), with jump height = g x flight time^2 / 8.",
        "Best 5 = mean of the 5 best reps; fatigue = change per rep within a set"
        " (negative RSI slope = RSI drops over the set).",
    ]
    lis = "".join(f"<li>{html.escape(i)}</li>" for i in items)
    return f'<h2>How to read this</h2><ul class="small">{lis}</ul>'
