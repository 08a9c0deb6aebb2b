"""Analyse many clips (the jobs of batch_jobs.py): run them in parallel worker
processes, collect every clip's rows into one combined CSV.

No printing here: :func:`run_batch` reports through callbacks (``progress`` with frames done
and expected over all clips, ``on_done`` with each clip's :class:`ClipResult`); a clip that
fails is reported in its result and the others go on.
"""

from __future__ import annotations

import csv
import io
import multiprocessing as mp
import os
import queue
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .batch_jobs import COMBINED_NAME, Job
from .fileio import atomic_write_text
from .metrics import PAUSE_S
from .types import LegrsiError

ProgressFn = Callable[[int, int], None]  # (frames done, frames expected) over all clips


@dataclass(frozen=True)
class Options:
    """Per-clip settings, as for a single ``legrsi analyze`` (times in seconds)."""

    out_dir: Path
    capture_fps: float | None = None
    roi: str | None = None
    pause_s: float = PAUSE_S
    video: bool = True
    plot: bool = True
    playback_fps: float = 30.0
    video_height: int | None = None
    ignore_corrections: bool = False


@dataclass
class ClipResult:
    """Outcome of one clip. ``error`` is a one-line message when it failed (no CSV then);
    ``rows`` are its CSV rows (report.COLUMNS); ``output_errors`` are problems writing the
    plot or annotated video (the CSV was written)."""

    job: Job
    error: str = ""
    csv_path: Path | None = None
    rows: list[dict[str, str]] = field(default_factory=list)
    n_reps: int = 0
    events_text: str = "no event"
    frames: int = 0
    capture_fps: float = 0.0
    warnings: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    output_errors: list[str] = field(default_factory=list)
    corrections_applied: int = 0
    summary: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the clip was analysed and all its outputs were written."""
        return not self.error and not self.output_errors


# ------------------------------------------------------------------------------ one clip

def analyze_clip(job: Job, opts: Options,
                 progress: Callable[[str, int], None] | None = None) -> ClipResult:
    """Analyse one clip and write its CSV (and plot / annotated video as ``opts`` say).

    Never raises for a bad clip: the message is in ``ClipResult.error``. ``progress`` is
    called with ('analysis' | 'video', frames done).
    """
    from .analyze import analyze_video
    from .corrections import corrections_path
    from .report import events_text, rep_row, summary_table, write_results_csv

    t0 = time.perf_counter()
    res = ClipResult(job)
    if job.problem:
        res.error = f"{job.video.name}: {job.problem}"
        return res
    try:
        corr = corrections_path(opts.out_dir, job.video)
        analysis = analyze_video(
            job.video, leg=job.leg, capture_fps=opts.capture_fps, roi=opts.roi,
            pause_s=opts.pause_s, progress=(lambda n: progress("analysis", n)) if progress
            else None, corrections=None if opts.ignore_corrections or not corr.exists()
            else corr)
        res.csv_path = write_results_csv(analysis, opts.out_dir, athlete=job.athlete)
    except LegrsiError as exc:
        res.error = _prefixed(job, str(exc))
        return res
    except MemoryError:
        res.error = f"{job.video.name}: out of memory"
        return res
    except (OSError, ValueError, RuntimeError) as exc:
        text = (str(exc).strip().splitlines() or [""])[0][:200]
        res.error = f"{job.video.name}: {type(exc).__name__}: {text}"
        return res
    fps = analysis.info.capture_fps
    res.rows = [rep_row(r, fps, job.athlete) for r in analysis.reps]
    res.n_reps = len(analysis.reps)
    res.events_text = events_text(analysis.events)
    res.frames, res.capture_fps = len(analysis.signal), fps
    res.warnings = list(analysis.warnings)
    res.corrections_applied = analysis.corrections_applied
    res.summary = summary_table(analysis) if analysis.reps else ""
    _outputs(analysis, opts, res, progress)
    res.seconds = time.perf_counter() - t0
    return res


def _prefixed(job: Job, msg: str) -> str:
    return msg if job.video.name in msg else f"{job.video.name}: {msg}"


def _outputs(analysis: object, opts: Options, res: ClipResult,
             progress: Callable[[str, int], None] | None) -> None:
    from .annotate import write_annotated_video
    from .plots import write_signal_plot

    try:
        if opts.plot:
            res.written.append(write_signal_plot(analysis, opts.out_dir))  # type: ignore[arg-type]
        if opts.video:
            res.written.append(write_annotated_video(
                analysis, opts.out_dir, opts.playback_fps,  # type: ignore[arg-type]
                opts.video_height or None,
                progress=(lambda n: progress("video", n)) if progress else None))
    except LegrsiError as exc:
        res.output_errors.append(_prefixed(res.job, str(exc)))


# ------------------------------------------------------------------------------ many clips

def _worker(index: int, job: Job, opts: Options, q: mp.Queue) -> None:  # type: ignore[type-arg]
    last = [0.0]

    def progress(stage: str, n: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.25:
            last[0] = now
            q.put(("progress", index, stage, n))

    try:
        res = analyze_clip(job, opts, progress)
    except KeyboardInterrupt:
        return
    except BaseException as exc:  # noqa: BLE001 - a bug must not stop the batch
        res = ClipResult(job, error=f"{job.video.name}: unexpected {type(exc).__name__}: "
                                    f"{str(exc).strip()[:200]}")
    q.put(("done", index, res))


def _context() -> mp.context.BaseContext:
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["legrsi.batch", "legrsi.analyze", "legrsi.report"])
        return ctx
    return mp.get_context("spawn")


def default_jobs() -> int:
    """Worker processes to use by default: the CPU cores available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_batch(jobs: list[Job], opts: Options, workers: int | None = None,
              progress: ProgressFn | None = None,
              on_done: Callable[[ClipResult], None] | None = None,
              frame_counts: list[int | None] | None = None) -> list[ClipResult]:
    """Analyse ``jobs`` with up to ``workers`` processes at once (default: one per core;
    1 = in this process, one after the other). Results come back in job order; ``on_done``
    is called as each clip finishes. ``frame_counts`` (expected frames per clip, e.g. from
    probe) make ``progress`` meaningful. Each clip runs in its own process, so memory is
    returned after every clip and a crashing clip fails alone.
    """
    workers = max(1, min(workers or default_jobs(), len(jobs) or 1))
    counts = [max(1, c or 1) for c in (frame_counts or [None] * len(jobs))]
    passes = 2 if opts.video else 1
    expected = sum(counts) * passes
    done = [[0, 0] for _ in jobs]  # frames done per clip: analysis, video

    def report() -> None:
        if progress is not None:
            progress(sum(min(a, c) + min(v, c) for (a, v), c in zip(done, counts,
                                                                      strict=True)), expected)

    def finish(i: int, res: ClipResult) -> None:
        done[i] = [counts[i], counts[i] if opts.video else 0]
        results[i] = res
        report()
        if on_done is not None:
            on_done(res)

    results: list[ClipResult | None] = [None] * len(jobs)
    if workers == 1:
        for i, job in enumerate(jobs):
            def prog(stage: str, n: int, i: int = i) -> None:
                done[i][stage == "video"] = n
                report()
            finish(i, analyze_clip(job, opts, prog))
        return [r for r in results if r is not None]
    _run_parallel(jobs, opts, workers, done, finish, report)
    return [r if r is not None else ClipResult(j, error=f"{j.video.name}: not analysed")
            for r, j in zip(results, jobs, strict=True)]


def _run_parallel(jobs: list[Job], opts: Options, workers: int, done: list[list[int]],
                  finish: Callable[[int, ClipResult], None],
                  report: Callable[[], None]) -> None:
    ctx = _context()
    q = ctx.Queue()
    pending = list(range(len(jobs)))[::-1]
    running: dict[int, mp.process.BaseProcess] = {}
    finished: set[int] = set()

    def handle(msg: tuple) -> None:  # type: ignore[type-arg]
        if msg[0] == "progress":
            _, i, stage, n = msg
            done[i][stage == "video"] = n
            report()
        elif msg[0] == "done" and msg[1] not in finished:
            finished.add(msg[1])
            finish(msg[1], msg[2])

    try:
        while pending or running:
            while pending and len(running) < workers:
                i = pending.pop()
                p = ctx.Process(target=_worker, args=(i, jobs[i], opts, q),  # type: ignore[attr-defined]
                                name=f"legrsi-{jobs[i].video.name}", daemon=True)
                p.start()
                running[i] = p
            try:
                handle(q.get(timeout=0.2))
            except queue.Empty:
                pass
            for i, p in list(running.items()):
                if i in finished:
                    p.join()
                    del running[i]
                elif not p.is_alive():
                    _drain(q, handle, finished, i)
                    p.join()
                    del running[i]
                    if i not in finished:
                        finished.add(i)
                        finish(i, ClipResult(jobs[i], error=(
                            f"{jobs[i].video.name}: the analysis process ended unexpectedly "
                            f"(exit code {p.exitcode})")))
    finally:
        _stop(list(running.values()))
        q.close()


def _drain(q: mp.Queue, handle: Callable[[tuple], None],  # type: ignore[type-arg]
           finished: set[int], index: int) -> None:
    """Read what a finished worker left in the queue (its result may still be in flight)."""
    deadline = time.monotonic() + 2.0
    while index not in finished and time.monotonic() < deadline:
        try:
            handle(q.get(timeout=0.1))
        except queue.Empty:
            continue


def _stop(procs: list[mp.process.BaseProcess]) -> None:
    """Interrupt running workers (Ctrl-C: they remove their temporary files), then kill."""
    for p in procs:
        if p.is_alive() and p.pid is not None:
            try:
                os.kill(p.pid, signal.SIGINT)
            except OSError:
                pass
    deadline = time.monotonic() + 5.0
    for p in procs:
        p.join(timeout=max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.kill()
            p.join()


def write_combined_csv(results: list[ClipResult], out_dir: Path) -> Path:
    """Write ``out_dir/all_results.csv``: the rows of every analysed clip, in job order,
    with the per-clip columns (report.COLUMNS, including ``athlete``)."""
    from .report import COLUMNS

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for res in results:
        for row in res.rows:
            w.writerow(row)
    path = Path(out_dir) / COMBINED_NAME
    atomic_write_text(path, buf.getvalue())
    return path
