"""The clips of a batch run: files, folders and manifests -> jobs (clip, leg, athlete).

A clip that cannot be analysed as listed (no leg in its name, a bad leg in the manifest)
gets a job with a ``problem`` instead of an error, so that the other clips still run.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .metrics import parse_legs
from .types import LegrsiError

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mts", ".3gp")
COMBINED_NAME = "all_results.csv"
# a word of its own (between non-letters) L / LT / R / RT, or left / right anywhere
_LEFT = re.compile(r"(?:^|[^a-z])lt?(?=[^a-z]|$)|left", re.IGNORECASE)
_RIGHT = re.compile(r"(?:^|[^a-z])rt?(?=[^a-z]|$)|right", re.IGNORECASE)


@dataclass(frozen=True)
class Job:
    """One clip to analyse: its path, the leg(s) (``--leg`` syntax) and the athlete's name.

    ``problem``: why the clip cannot be analysed (e.g. no leg in its name); it is then
    reported as failed without being opened.
    """

    video: Path
    leg: str = "left"
    athlete: str = ""
    problem: str = ""


def leg_from_name(name: str) -> str | None:
    """The leg a file name names: 'left' for *left*, *_L_*, 'right' for *right*, *_R_*
    (case-insensitive); None when it names neither or both."""
    stem = Path(name).stem
    left, right = bool(_LEFT.search(stem)), bool(_RIGHT.search(stem))
    if left == right:
        return None
    return "left" if left else "right"


def _is_video(path: Path) -> bool:
    return (path.suffix.lower() in VIDEO_SUFFIXES and not path.name.startswith(".")
            and not path.name.endswith(".annotated.mp4"))


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, folders replaced by the video files in them and their subfolders
    (sorted by name; hidden files and legrsi's own annotated videos are skipped)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted((f for f in p.rglob("*") if f.is_file() and _is_video(f)
                            and not any(part.startswith(".") for part in
                                        f.relative_to(p).parts)), key=lambda f: str(f))
            if not found:
                raise LegrsiError(f"{p}: folder contains no video files "
                                  f"({', '.join(VIDEO_SUFFIXES)})")
            out.extend(found)
        else:
            out.append(p)
    return out


def jobs_for(paths: Iterable[Path], leg: str, by_name: bool = False) -> list[Job]:
    """Jobs for files and folders: every clip gets ``leg``, or with ``by_name`` the leg its
    file name names (a clip whose name names no leg gets a ``problem``)."""
    jobs = []
    for p in expand_paths(paths):
        if not by_name:
            jobs.append(Job(p, leg))
            continue
        named = leg_from_name(p.name)
        jobs.append(Job(p, named or leg, problem="" if named else
                        "the file name names no leg (like *left*, *_L_*, *right*, *_R_*); "
                        "rename it or list it in a --manifest"))
    return jobs


def read_manifest(path: Path, default_leg: str = "left", by_name: bool = False) -> list[Job]:
    """Jobs from a CSV with a header naming the columns ``file`` (required; relative paths
    are relative to the manifest's folder), ``athlete`` and ``leg`` (optional; an empty leg
    falls back to the file name with ``by_name``, else to ``default_leg``)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise LegrsiError(f"cannot read manifest {path}: {exc.strerror or exc}") from exc
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "", ",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    names = {(n or "").strip().lower(): n for n in reader.fieldnames or []}
    if "file" not in names:
        raise LegrsiError(f"manifest {path.name} needs a header row with a 'file' column "
                          "(and optionally 'athlete', 'leg')")
    jobs = []
    for row in reader:
        cell = (row.get(names["file"]) or "").strip()
        if not cell:
            continue
        video = Path(cell).expanduser()
        if not video.is_absolute():
            video = path.parent / video
        athlete = (row.get(names.get("athlete", ""), "") or "").strip()
        leg = (row.get(names.get("leg", ""), "") or "").strip()
        problem = ""
        if not leg:
            named = leg_from_name(video.name) if by_name else None
            leg = named or default_leg
        try:
            parse_legs(leg)
        except LegrsiError as exc:
            problem = f"manifest leg {leg!r}: {exc}"
            leg = default_leg
        jobs.append(Job(video, leg, athlete, problem))
    if not jobs:
        raise LegrsiError(f"manifest {path.name} lists no files")
    return jobs


def check_names(jobs: list[Job]) -> None:
    """Raise LegrsiError if two clips would write the same DIR/<stem>.csv (or the combined
    CSV's name)."""
    seen: dict[str, Path] = {}
    reserved = Path(COMBINED_NAME).stem
    for job in jobs:
        stem = job.video.stem
        if stem == reserved:
            raise LegrsiError(f"{job.video}: a clip may not be called {reserved} (the name "
                              "of the combined results); rename it")
        if stem in seen and seen[stem] != job.video:
            raise LegrsiError(f"{seen[stem]} and {job.video} would both write {stem}.csv; "
                              "rename one or analyse them into different --out folders")
        seen[stem] = job.video
