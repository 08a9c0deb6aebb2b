"""Command line: parse, call the library, print. Library errors become one-line messages."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .analyze import analyze_video
from .annotate import DEFAULT_PLAYBACK_FPS, DEFAULT_VIDEO_HEIGHT, write_annotated_video
from .cli_guard import GuardedGroup
from .corrections import corrections_path
from .fileio import ensure_dir
from .metrics import PAUSE_S
from .progress import ProgressBar
from .report import events_text, summary_table, write_results_csv
from .types import Analysis, LegrsiError
from .video import probe


@click.group(cls=GuardedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="legrsi")
def main() -> None:
    """legrsi: leg-by-leg reactive strength (contact, flight, RSI) from slow-motion video."""


@main.command()
@click.argument("videos", nargs=-1, type=click.Path(path_type=Path))
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
@click.option("--no-video", is_flag=True, help="Do not write DIR/<clip>.annotated.mp4.")
@click.option("--playback-fps", type=click.FloatRange(1, 1000), default=DEFAULT_PLAYBACK_FPS,
              show_default=True, help="Frame rate of the annotated video (slow motion).")
@click.option("--video-height", type=click.IntRange(min=0), default=DEFAULT_VIDEO_HEIGHT,
              show_default=True, help="Annotated video size like 720p: pixels of the "
                                      "picture's shorter side (0 = clip size).")
@click.option("--no-plot", is_flag=True, help="Do not write the signal plot DIR/<clip>.png.")
@click.option("--ignore-corrections", is_flag=True,
              help="Show the automatic result: do not apply DIR/<clip>.corrections.json "
                   "(made by 'legrsi review'; never modified here).")
@click.option("--leg-from-name", is_flag=True,
              help="Take each clip's leg from its file name (*left*, *_L_*, *right*, *_R_*).")
@click.option("--manifest", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="CSV with columns file, athlete, leg listing the clips to analyse.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Clips analysed at once, each in its own process [default: CPU cores].")
def analyze(videos: tuple[Path, ...], leg: str, capture_fps: float | None, roi: str | None,
            out_dir: Path, pause_s: float, quiet: bool, no_video: bool, playback_fps: float,
            video_height: int, no_plot: bool, ignore_corrections: bool, leg_from_name: bool,
            manifest: Path | None, jobs: int | None) -> None:
    """Detect every ground contact and flight in VIDEO(s) and write DIR/<clip>.csv.

    VIDEOS may be files and folders (all clips inside); with several clips they are analysed
    in parallel and DIR/all_results.csv collects every clip's rows.
    """
    from .batch_cli import options, run_many, wants_batch
    if wants_batch(videos, manifest, leg_from_name):
        run_many(videos, manifest, leg, leg_from_name, jobs, options(
            out_dir, capture_fps, roi, pause_s, not no_video, not no_plot, playback_fps,
            video_height, ignore_corrections), quiet)
        return
    try:
        ensure_dir(out_dir)
    except LegrsiError as exc:
        raise click.ClickException(str(exc)) from None
    failures = 0
    for video in videos:
        try:
            with _bar(f"{video.name}: analysing", video, capture_fps, quiet) as bar:
                analysis = analyze_video(video, leg=leg, capture_fps=capture_fps, roi=roi,
                                         pause_s=pause_s, progress=bar,
                                         corrections=_corrections_for(video, out_dir,
                                                                      ignore_corrections))
                bar(len(analysis.signal))
            csv_path = write_results_csv(analysis, out_dir)
            failures += not _visuals(analysis, out_dir, not no_video, not no_plot,
                                     playback_fps, video_height, quiet)
        except LegrsiError as exc:
            failures += 1
            click.echo(f"Error: {exc}", err=True)
            continue
        for w in analysis.warnings:
            click.echo(f"Warning: {video.name}: {w}", err=True)
        if analysis.corrections_applied and not quiet:
            click.echo(f"{video.name}: applied {analysis.corrections_applied} manual "
                       f"corrections from {corrections_path(out_dir, video)}")
        if not analysis.reps:
            click.echo(f"{video.name}: no take-off from the floor found "
                       f"({events_text(analysis.events)}); wrote {csv_path}", err=True)
            continue
        if not quiet:
            info = analysis.info
            click.echo(f"{video.name}: {len(analysis.reps)} take-offs, "
                       f"{info.capture_fps:g} fps capture -> {csv_path}")
            click.echo(summary_table(analysis))
    if failures:
        sys.exit(1)


def _bar(label: str, video: Path, capture_fps: float | None, quiet: bool) -> ProgressBar:
    """Progress bar on stderr for the analysis (off with --quiet or when not a terminal)."""
    bar = ProgressBar(label, enabled=False if quiet else None)
    if bar.enabled:
        bar.total = probe(video, capture_fps).frame_count_hint
    return bar


def _visuals(analysis: Analysis, out_dir: Path, video: bool, plot: bool,
             playback_fps: float, video_height: int, quiet: bool) -> bool:
    """Write the signal plot and the annotated video; print errors; False if one failed."""
    name = analysis.info.path.name
    written: list[Path] = []
    ok = True
    try:
        if plot:
            from .plots import write_signal_plot  # matplotlib: imported only when needed

            written.append(write_signal_plot(analysis, out_dir))
        if video:
            with ProgressBar(f"{name}: writing video", len(analysis.signal),
                             enabled=False if quiet else None) as bar:
                written.append(write_annotated_video(analysis, out_dir, playback_fps,
                                                     video_height or None, progress=bar))
    except LegrsiError as exc:
        click.echo(f"Error: {name}: {exc}", err=True)
        ok = False
    if written and not quiet:
        click.echo(f"{name}: wrote " + ", ".join(str(p) for p in written))
    return ok


def _corrections_for(video: Path, out_dir: Path, ignore: bool) -> Path | None:
    """The clip's corrections file in ``out_dir`` if it exists and is not ignored."""
    path = corrections_path(out_dir, video)
    return None if ignore or not path.exists() else path


def _review_help() -> str:
    from .review_state import HELP
    keys = "\n".join(f"  {k:<12} {d}" for k, d in HELP)
    return ("Check and correct the detected events of VIDEO frame by frame in a window.\n\n"
            "Corrections are saved to DIR/<clip>.corrections.json (docs/corrections.md); "
            "'legrsi analyze' with the same --out applies them (rows become source=manual)."
            "\n\n\b\nKeys:\n" + keys + "\n\n\b\n"
            "A touchdown is the first frame on the ground, a take-off the first frame in the "
            "air.\nx deletes the contact or flight under the cursor (its two events).\n"
            "Missed contact: g on its first frame, then t on its take-off frame.\n"
            "Missed flight: t on its first frame, then g on its landing frame.")


@main.command(help=_review_help())
@click.argument("video", type=click.Path(path_type=Path))
@click.option("--leg", default="left", show_default=True,
              help="left, right or both; a comma list names the sets in order.")
@click.option("--fps", "capture_fps", type=float, default=None,
              help="Capture rate in frames/s (for slow-motion exports that say 30 fps).")
@click.option("--roi", default=None, help="Foot region X,Y,W,H in upright pixels.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("."),
              show_default=True, help="Folder of the results and the corrections file.")
@click.option("--pause", "pause_s", type=float, default=PAUSE_S, show_default=True,
              help="A contact longer than this (s) is a standing pause between sets.")
def review(video: Path, leg: str, capture_fps: float | None, roi: str | None, out_dir: Path,
           pause_s: float) -> None:
    from .review import check_display, run_review
    try:
        check_display()
        with _bar(f"{video.name}: analysing", video, capture_fps, False) as bar:
            analysis = analyze_video(video, leg=leg, capture_fps=capture_fps, roi=roi,
                                     pause_s=pause_s, progress=bar)
            bar(len(analysis.signal))
        outcome = run_review(video, out_dir, leg=leg, capture_fps=capture_fps, roi=roi,
                             pause_s=pause_s, echo=lambda m: click.echo(m, err=True),
                             analysis=analysis)
    except LegrsiError as exc:
        raise click.ClickException(str(exc)) from None
    for b in outcome.backups:
        click.echo(f"Warning: the previous corrections file was kept as {b}", err=True)
    if outcome.discarded:
        click.echo(f"{video.name}: quit without saving the last edits", err=True)
    if outcome.saved:
        click.echo(f"{video.name}: {outcome.corrections} corrections in {outcome.path}; run "
                   f"'legrsi analyze {video} --out {out_dir}' to update the results")


def _register() -> None:
    from .compare_cli import compare_command

    main.add_command(compare_command, "compare")


_register()
