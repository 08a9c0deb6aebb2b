"""Command line: parse, call the library, print. Library errors become one-line messages."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .analyze import analyze_video
from .fileio import ensure_dir
from .metrics import PAUSE_S
from .report import summary_table, write_results_csv
from .types import LegrsiError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="legrsi")
def main() -> None:
    """legrsi: leg-by-leg reactive strength (contact, flight, RSI) from slow-motion video."""


@main.command()
@click.argument("videos", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--leg", default="left", show_default=True,
              help="left, right or both; a comma list names the sets in order "
                   "(e.g. left,right).")
@click.option("--fps", "capture_fps", type=float, default=None,
              help="Capture rate in frames/s (for slow-motion exports that say 30 fps).")
@click.option("--roi", default=None, help="Foot region X,Y,W,H in upright pixels.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("."),
              show_default=True, help="Output folder (created if missing).")
@click.option("--pause", "pause_s", type=float, default=PAUSE_S, show_default=True,
              help="A contact longer than this (s) is a standing pause between sets.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and warnings.")
def analyze(videos: tuple[Path, ...], leg: str, capture_fps: float | None, roi: str | None,
            out_dir: Path, pause_s: float, quiet: bool) -> None:
    """Detect every ground contact and flight in VIDEO(s) and write DIR/<clip>.csv."""
    try:
        ensure_dir(out_dir)
    except LegrsiError as exc:
        raise click.ClickException(str(exc)) from None
    failures = 0
    for video in videos:
        try:
            analysis = analyze_video(video, leg=leg, capture_fps=capture_fps, roi=roi,
                                     pause_s=pause_s)
            csv_path = write_results_csv(analysis, out_dir)
        except LegrsiError as exc:
            failures += 1
            click.echo(f"Error: {exc}", err=True)
            continue
        for w in analysis.warnings:
            click.echo(f"Warning: {video.name}: {w}", err=True)
        if not analysis.reps:
            click.echo(f"{video.name}: no take-off from the floor found "
                       f"({len(analysis.events)} events); wrote {csv_path}", err=True)
            continue
        if not quiet:
            info = analysis.info
            click.echo(f"{video.name}: {len(analysis.reps)} take-offs, "
                       f"{info.capture_fps:g} fps capture -> {csv_path}")
            click.echo(summary_table(analysis))
    if failures:
        sys.exit(1)
