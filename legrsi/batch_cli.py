"""``legrsi analyze`` with many clips (files, folders, --manifest): the printing side of
:mod:`legrsi.batch`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .batch import ClipResult, Options, run_batch, write_combined_csv
from .batch_jobs import Job, check_names, jobs_for, read_manifest
from .fileio import ensure_dir
from .progress import ProgressBar
from .types import LegrsiError
from .video import probe


def wants_batch(videos: tuple[Path, ...], manifest: Path | None, leg_from_name: bool) -> bool:
    """True when the arguments name more than one clip (or a folder / manifest)."""
    return (manifest is not None or leg_from_name or len(videos) != 1
            or any(v.is_dir() for v in videos))


def run_many(videos: tuple[Path, ...], manifest: Path | None, leg: str, leg_from_name: bool,
             workers: int | None, opts: Options, quiet: bool) -> None:
    """Analyse every clip, print one line per clip as it finishes, write the combined CSV,
    list the failures at the end; exit 1 if any clip failed."""
    try:
        jobs: list[Job] = []
        if manifest is not None:
            jobs += read_manifest(manifest, leg, leg_from_name)
        if videos:
            jobs += jobs_for(videos, leg, leg_from_name)
        if not jobs:
            raise LegrsiError("no clips to analyse: give videos, folders or --manifest FILE")
        check_names(jobs)
        ensure_dir(opts.out_dir)
    except LegrsiError as exc:
        raise click.ClickException(str(exc)) from None
    bar = ProgressBar(f"{len(jobs)} clips", enabled=False if quiet else None)
    counts = [_frames(j, opts) for j in jobs] if bar.enabled else None
    n_done = [0]
    t0 = time.monotonic()

    def progress(done: int, expected: int) -> None:
        bar.total = expected
        bar(done)

    def on_done(res: ClipResult) -> None:
        n_done[0] += 1
        bar.label = f"{n_done[0]}/{len(jobs)} clips"
        if bar.enabled:
            sys.stderr.write("\r\x1b[K")  # the bar is redrawn at the next report
        _report(res, quiet)

    with bar:
        results = run_batch(jobs, opts, workers, progress, on_done, counts)
    try:
        combined = write_combined_csv(results, opts.out_dir)
    except LegrsiError as exc:
        raise click.ClickException(str(exc)) from None
    failed = [r for r in results if not r.ok]
    analysed = [r for r in results if not r.error]
    if not quiet:
        reps = sum(r.n_reps for r in analysed)
        click.echo(f"analysed {len(analysed)} of {len(jobs)} clips ({reps} take-offs) in "
                   f"{time.monotonic() - t0:.1f} s; all results: {combined}")
    if failed:
        click.echo(f"{len(failed)} of {len(jobs)} clips failed:", err=True)
        for r in failed:
            for msg in ([r.error] if r.error else []) + r.output_errors:
                click.echo(f"  {msg}", err=True)
        sys.exit(1)


def _frames(job: Job, opts: Options) -> int | None:
    """Expected frame count of a clip for the progress bar (None if unknown/unreadable)."""
    if job.problem:
        return None
    try:
        return probe(job.video, opts.capture_fps).frame_count_hint
    except LegrsiError:
        return None


def _report(res: ClipResult, quiet: bool) -> None:
    name = res.job.video.name
    if res.error:
        click.echo(f"Error: {res.error}", err=True)
        return
    for msg in res.output_errors:
        click.echo(f"Error: {msg}", err=True)
    for w in res.warnings:
        click.echo(f"Warning: {name}: {w}", err=True)
    who = f" ({res.job.athlete}, {res.job.leg})" if res.job.athlete else f" ({res.job.leg})"
    if not res.n_reps:
        click.echo(f"{name}{who}: no take-off from the floor found ({res.events_text}); "
                   f"wrote {res.csv_path}", err=True)
    elif not quiet:
        extra = ", ".join(str(p.name) for p in res.written)
        click.echo(f"{name}{who}: {res.n_reps} take-offs, {res.capture_fps:g} fps capture -> "
                   f"{res.csv_path}" + (f", {extra}" if extra else ""))
        if res.corrections_applied:
            click.echo(f"{name}: applied {res.corrections_applied} manual corrections")


def options(out_dir: Path, capture_fps: float | None, roi: str | None, pause_s: float,
            video: bool, plot: bool, playback_fps: float, video_height: int,
            ignore_corrections: bool) -> Options:
    """The per-clip :class:`Options` from the analyze command's arguments."""
    return Options(out_dir=out_dir, capture_fps=capture_fps, roi=roi, pause_s=pause_s,
                   video=video, plot=plot, playback_fps=playback_fps,
                   video_height=video_height or None, ignore_corrections=ignore_corrections)
