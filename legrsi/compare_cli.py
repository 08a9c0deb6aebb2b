"""``legrsi compare``: left versus right from analyze results and a battery file.

Registered in cli.py with ``main.add_command(compare_command, "compare")``.
"""

from __future__ import annotations

from pathlib import Path

import click

from .compare import compare_inputs
from .compare_battery import read_battery
from .compare_defs import DEFAULT_THRESHOLDS, parse_threshold_options
from .compare_io import read_results
from .compare_report import format_text, write_outputs
from .types import LegrsiError

OUTPUT_NAMES = ("summary.csv", "asymmetry.csv")


def _expand(paths: tuple[Path, ...]) -> list[Path]:
    """Result files; a folder stands for its *.csv files (except compare's own outputs)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(f for f in p.glob("*.csv") if f.name not in OUTPUT_NAMES)
        else:
            out.append(p)
    return out


@click.command("compare", help=(
    "Compare the left and right leg. RESULTS are CSVs written by `legrsi analyze` (or folders"
    " of them), any number of clips and sets per leg. Writes summary.csv, asymmetry.csv,"
    " comparison.png and report.html to --out. See docs/compare.md for the battery format."))
@click.argument("results", nargs=-1,
                type=click.Path(exists=True, dir_okay=True, path_type=Path))
@click.option("--battery", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Typed-in field tests (CSV or .toml): 10 m sprints by start leg, single-leg"
                   " broad jumps, single-leg vertical jumps.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("comparison"), show_default=True, help="Output folder.")
@click.option("--threshold", "thresholds", multiple=True, metavar="PCT|TEST=PCT",
              help="Asymmetry (%) needed to flag an imbalance, for all tests or one test"
                   f" (repeatable). Default: {DEFAULT_THRESHOLDS['sl_rsi']:g} %, 10 m sprint"
                   f" {DEFAULT_THRESHOLDS['sprint_10m']:g} %.")
@click.option("--strict", is_flag=True, help="Stop (exit 1) on any input problem instead of"
                                               " skipping the bad lines.")
@click.option("--no-figure", is_flag=True, help="Skip comparison.png (faster).")
def compare_command(results: tuple[Path, ...], battery: Path | None, out_dir: Path,
                    thresholds: tuple[str, ...], strict: bool, no_figure: bool) -> None:
    """Click entry point; LegrsiError becomes a one-line ClickException."""
    try:
        files = _expand(results)
        if not files and battery is None:
            raise LegrsiError("give at least one analyze result CSV or --battery FILE")
        thr = parse_threshold_options(thresholds)
        inputs = read_results(files)
        if battery is not None:
            inputs.extend(read_battery(battery))
        for w in inputs.warnings:  # before compare(), which may find nothing to compare
            click.echo(f"warning: {w}", err=True)
        comp = compare_inputs(inputs, thr)
        for w in comp.warnings[len(inputs.warnings):]:
            click.echo(f"warning: {w}", err=True)
        if strict and comp.warnings:
            raise LegrsiError(f"{len(comp.warnings)} input problem(s) (see above); --strict"
                              " stops here")
        paths = write_outputs(comp, out_dir, figure=not no_figure)
    except LegrsiError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(format_text(comp))
    click.echo("")
    for p in paths.values():
        click.echo(f"wrote {p}")
