"""compare outputs (summary.csv, asymmetry.csv, comparison.png, report.html) and the click
command."""

from __future__ import annotations

import base64
import csv
import re
from html.parser import HTMLParser

import click
import pytest
from click.testing import CliRunner
from compare_helpers import hop_set, write_result

from legrsi.compare import compare_files
from legrsi.compare_cli import compare_command
from legrsi.compare_report import format_text, write_outputs

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BATTERY = """\
test,leg,value
sprint_10m,left,1.90
sprint_10m,right,1.91
sprint_10m,left,1.92
sprint_10m,right,1.93
broad_jump,left,196
broad_jump,right,198
broad_jump,left,200
broad_jump,right,202
"""


@pytest.fixture
def inputs(tmp_path):
    """Left RSI 1.6 (contact 250 ms, flight 400 ms) dropping over the set, right RSI 2.0."""
    left = write_result(tmp_path / "hops_left.csv", hop_set(
        "hops_left", "left", [(250.0, 410.0), (250.0, 400.0), (250.0, 390.0)]), "Sam")
    right = write_result(tmp_path / "hops_right.csv", hop_set(
        "hops_right", "right", [(200.0, 410.0), (200.0, 400.0), (200.0, 390.0)]), "Sam")
    battery = tmp_path / "battery.csv"
    battery.write_text(BATTERY)
    return left, right, battery


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_summary_and_asymmetry_csv_numbers(inputs, tmp_path):
    comp = compare_files(inputs[:2], inputs[2])
    paths = write_outputs(comp, tmp_path / "out")
    assert set(paths) == {"summary.csv", "asymmetry.csv", "comparison.png", "report.html"}
    rows = read_csv(paths["summary.csv"])
    rsi_l = next(r for r in rows if (r["test"], r["metric"], r["leg"]) ==
                 ("sl_rsi", "RSI (flight/contact)", "left"))
    # RSI 1.64, 1.60, 1.56: mean 1.6, SD 0.04, CV 2.5 %, slope -0.04/rep = -2.5 %/rep
    assert rsi_l["n"] == "3" and float(rsi_l["mean"]) == pytest.approx(1.6)
    assert float(rsi_l["best"]) == pytest.approx(1.64)
    assert float(rsi_l["worst"]) == pytest.approx(1.56)
    assert float(rsi_l["sd"]) == pytest.approx(0.04)
    assert float(rsi_l["cv_pct"]) == pytest.approx(2.5)
    assert float(rsi_l["fatigue_slope_per_rep"]) == pytest.approx(-0.04)
    assert float(rsi_l["fatigue_pct_per_rep"]) == pytest.approx(-2.5)
    assert rsi_l["best5_mean"] == ""  # only 3 reps
    sprint_r = next(r for r in rows if (r["test"], r["leg"]) == ("sprint_10m", "right"))
    assert (sprint_r["best"], sprint_r["worst"], sprint_r["better"]) == ("1.91000", "1.93000",
                                                                         "lower")
    metrics = {(r["test"], r["metric"]) for r in rows}
    assert ("sl_rsi", "RSI (jump height/contact)") in metrics

    asym = read_csv(paths["asymmetry.csv"])
    assert [r["rank"] for r in asym[:3]] == ["1", "2", "3"]
    top = asym[0]
    assert top["test"] == "sl_rsi" and top["weaker"] == "left" and top["flagged"] == "yes"
    assert float(top["asymmetry_pct"]) == pytest.approx(20.0)  # (2.0 - 1.6) / 2.0
    assert float(top["lsi_pct"]) == pytest.approx(80.0)
    assert top["description"] == "single-leg RSI: left 20 % lower than right (1.60 vs 2.00)"
    sprint = next(r for r in asym if r["test"] == "sprint_10m")
    assert sprint["weaker"] == "right" and sprint["flagged"] == "no"
    assert float(sprint["asymmetry_pct"]) == pytest.approx(0.01 / 1.92 * 100, abs=5e-4)


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.srcs: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.srcs += [v for k, v in attrs if k in ("src", "href") and v]


def test_report_html_is_one_self_contained_file(inputs, tmp_path):
    comp = compare_files(inputs[:2], inputs[2])
    paths = write_outputs(comp, tmp_path / "out")
    text = paths["report.html"].read_text(encoding="utf-8")
    parser = _Assets()
    parser.feed(text)
    assert "link" not in parser.tags and "script" not in parser.tags
    assert parser.srcs and all(s.startswith("data:image/png;base64,") for s in parser.srcs)
    png = base64.b64decode(parser.srcs[0].split(",", 1)[1])
    assert png.startswith(PNG_MAGIC)
    assert png == paths["comparison.png"].read_bytes()
    assert "Biggest imbalance: single-leg RSI: left 20 % lower than right" in text
    assert "Training focus: Single-leg vertical stiffness." in text
    assert "Left vs right: Sam" in text
    assert re.search(r"<tr class=\"flag\">.*Single-leg RSI", text)


def test_report_escapes_text(tmp_path):
    f = write_result(tmp_path / "l.csv", hop_set("<b>x", "left", [(250.0, 400.0)] * 3),
                     "<script>alert(1)</script>")
    comp = compare_files([f])
    write_outputs(comp, tmp_path / "out", figure=False)
    text = (tmp_path / "out" / "report.html").read_text()
    assert "<script>" not in text and "&lt;script&gt;" in text


def test_no_figure_removes_a_stale_png(inputs, tmp_path):
    comp = compare_files(inputs[:2])
    write_outputs(comp, tmp_path / "out")
    paths = write_outputs(comp, tmp_path / "out", figure=False)
    assert "comparison.png" not in paths and not (tmp_path / "out" / "comparison.png").exists()
    assert "data:image" not in paths["report.html"].read_text()


def test_format_text_shows_the_summary_table(inputs):
    text = format_text(compare_files(inputs[:2], inputs[2]))
    assert "Athlete: Sam" in text
    assert re.search(r"single-leg RSI\s+RSI \(flight/contact\)\s+left\s+3\s+1\.60\s+1\.64", text)
    assert "Biggest imbalance: single-leg RSI: left 20 % lower than right (1.60 vs 2.00)" in text
    assert "Training focus: Single-leg vertical stiffness." in text


# ---------------------------------------------------------------- the click command

@pytest.fixture
def cli():
    @click.group()
    def main():
        pass

    main.add_command(compare_command, "compare")
    return main


def test_cli_writes_everything_and_prints_the_table(cli, inputs, tmp_path):
    out = tmp_path / "cmp"
    res = CliRunner().invoke(cli, ["compare", str(inputs[0]), str(inputs[1]), "--battery",
                                   str(inputs[2]), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "Per leg:" in res.stdout and "Left vs right" in res.stdout
    assert "single-leg RSI: left 20 % lower than right" in res.stdout
    for name in ("summary.csv", "asymmetry.csv", "comparison.png", "report.html"):
        assert (out / name).is_file() and f"wrote {out / name}" in res.stdout
    assert (out / "comparison.png").read_bytes().startswith(PNG_MAGIC)


def test_cli_folder_argument_and_threshold(cli, inputs, tmp_path):
    out = tmp_path / "cmp"
    res = CliRunner().invoke(cli, ["compare", str(tmp_path), "--threshold", "25", "--out",
                                   str(out), "--no-figure"])
    assert res.exit_code == 0, res.output
    assert "No imbalance flagged" in res.stdout
    # the battery.csv in the folder is not an analyze result: named, with a hint
    assert "battery.csv line 1: not a legrsi analyze result" in res.stderr
    again = CliRunner().invoke(cli, ["compare", str(out.parent), "--out", str(out),
                                     "--no-figure"])
    assert "summary.csv" not in again.stderr  # compare's own outputs are not read as results


def test_cli_warnings_go_to_stderr_and_strict_stops(cli, inputs, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("test,leg,value\nsprnt,left,1.9\nsprint,left,1.9\nsprint,right,1.95\n")
    out = tmp_path / "cmp"
    res = CliRunner().invoke(cli, ["compare", str(inputs[0]), "--battery", str(bad), "--out",
                                   str(out), "--no-figure"])
    assert res.exit_code == 0
    assert "warning: bad.csv line 2, field test: unknown test 'sprnt'" in res.stderr
    assert "Single-leg RSI (repeated hops): only the left leg was measured" in res.stderr
    strict_out = tmp_path / "strict"
    res = CliRunner().invoke(cli, ["compare", str(inputs[0]), "--battery", str(bad), "--out",
                                   str(strict_out), "--strict"])
    assert res.exit_code == 1 and "--strict stops here" in res.stderr
    assert not strict_out.exists()


def test_cli_errors_are_one_line(cli, tmp_path):
    res = CliRunner().invoke(cli, ["compare", "--out", str(tmp_path / "o")])
    assert res.exit_code == 1
    assert "Error: give at least one analyze result CSV or --battery FILE" in res.stderr
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n1,2\n")
    res = CliRunner().invoke(cli, ["compare", str(junk), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1
    assert "Error: nothing to compare: no usable trial in the inputs" in res.stderr
    assert "junk.csv line 1: not a legrsi analyze result" in res.stderr
    res = CliRunner().invoke(cli, ["compare", str(junk), "--threshold", "x=3"])
    assert res.exit_code == 1 and "threshold for unknown test 'x'" in res.stderr
    assert res.exception is None or isinstance(res.exception, SystemExit)


@pytest.mark.parametrize("battery, hops", [
    ("test,leg,value\nsprint,left,1.9\nsprint,right,1.95\n", []),  # one trial per leg
    ("test,leg,value\nvj,left,20\n", [("l", "left", 1, 2, 250.0, 400.0)]),  # one leg each
    (None, hop_set("l", "left", [(250.0, 400.0)] * 6)),  # hops, one leg only
    (None, [("vj", "right", 1, 1, None, 400.0), ("vj", "left", 1, 1, None, 380.0)]),
])
def test_partial_inputs_still_give_a_report(tmp_path, battery, hops):
    files = [write_result(tmp_path / "r.csv", hops)] if hops else []
    bat = None
    if battery:
        bat = tmp_path / "b.csv"
        bat.write_text(battery)
    comp = compare_files(files, bat)
    paths = write_outputs(comp, tmp_path / "out")
    assert paths["comparison.png"].read_bytes().startswith(PNG_MAGIC)
    assert comp.headline in paths["report.html"].read_text().replace("&#x27;", "'")
    assert format_text(comp)
