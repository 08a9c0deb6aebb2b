"""Batch analysis: finding clips, legs from names, manifest, parallel runs with a failing clip,
the combined CSV and the analyze command's batch mode."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_hop_clip

from legrsi.batch import Options, run_batch, write_combined_csv
from legrsi.batch_jobs import (
    COMBINED_NAME,
    Job,
    check_names,
    jobs_for,
    leg_from_name,
    read_manifest,
)
from legrsi.cli import main
from legrsi.types import LegrsiError


@pytest.fixture(scope="module")
def squad(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of two small hop clips named by leg and one damaged 'clip'."""
    d = tmp_path_factory.mktemp("squad")
    make_hop_clip(d / "anna_L_1.mp4", n_hops=2, seed=3)
    make_hop_clip(d / "anna_right_1.mp4", n_hops=3, seed=4)
    (d / "ben_L_1.mp4").write_bytes(b"this is not a video" * 100)
    return d


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize(("name", "leg"), [
    ("anna_left_1.mp4", "left"), ("ANNA_L_2.MOV", "left"), ("L1.mp4", "left"),
    ("hops-R.mp4", "right"), ("Right leg.mp4", "right"), ("x_RT_3.mp4", "right"),
    ("lisa_R_1.mp4", "right"), ("run_3.mp4", None), ("lars.mp4", None),
    ("left_then_right.mp4", None),
])
def test_leg_from_name(name: str, leg: str | None) -> None:
    assert leg_from_name(name) == leg


def test_folder_expansion_skips_outputs_and_hidden(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("a_L.mp4", "sub/b_R.MOV", "a_L.annotated.mp4", ".a_L.tmp.mp4", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    jobs = jobs_for([tmp_path], "left", by_name=True)
    assert [(j.video.name, j.leg) for j in jobs] == [("a_L.mp4", "left"), ("b_R.MOV", "right")]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(LegrsiError, match="no video files"):
        jobs_for([empty], "left")


def test_unnamed_leg_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "drop.mp4").write_bytes(b"x")
    (job,) = jobs_for([tmp_path / "drop.mp4"], "left", by_name=True)
    assert "names no leg" in job.problem


def test_manifest(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text(
        "File;Athlete;Leg\nclips/a.mp4;Anna;left\n/abs/b.mp4;Ben;\nc_R.mp4;Cleo;sideways\n\n",
        encoding="utf-8")
    jobs = read_manifest(tmp_path / "m.csv", default_leg="both", by_name=True)
    assert jobs[0] == Job(tmp_path / "clips" / "a.mp4", "left", "Anna", "")
    assert jobs[1].video == Path("/abs/b.mp4") and jobs[1].leg == "both"
    assert jobs[2].leg == "both" and "sideways" in jobs[2].problem
    (tmp_path / "bad.csv").write_text("path,leg\na.mp4,left\n", encoding="utf-8")
    with pytest.raises(LegrsiError, match="'file' column"):
        read_manifest(tmp_path / "bad.csv")


def test_clips_writing_the_same_csv_are_refused(tmp_path: Path) -> None:
    with pytest.raises(LegrsiError, match="both write a.csv"):
        check_names([Job(tmp_path / "x" / "a.mp4"), Job(tmp_path / "y" / "a.mov")])
    with pytest.raises(LegrsiError, match="may not be called"):
        check_names([Job(tmp_path / "all_results.mp4")])


def test_parallel_batch_keeps_going_past_a_bad_clip(squad: Path, tmp_path: Path) -> None:
    jobs = jobs_for([squad], "left", by_name=True)
    jobs = [Job(j.video, j.leg, athlete=j.video.name.split("_")[0]) for j in jobs]
    done: list[str] = []
    seen: list[tuple[int, int]] = []
    results = run_batch(jobs, Options(tmp_path, video=False, plot=False), workers=2,
                        progress=lambda d, e: seen.append((d, e)),
                        on_done=lambda r: done.append(r.job.video.name),
                        frame_counts=[100, 100, None])
    assert sorted(done) == sorted(j.video.name for j in jobs)
    by_name = {r.job.video.name: r for r in results}
    assert [r.job for r in results] == jobs  # job order
    bad = by_name["ben_L_1.mp4"]
    assert not bad.ok and "ben_L_1.mp4" in bad.error and bad.csv_path is None
    good = [by_name["anna_L_1.mp4"], by_name["anna_right_1.mp4"]]
    assert all(r.ok and r.csv_path and r.csv_path.exists() for r in good)
    assert [r.n_reps for r in good] == [2, 3]
    assert seen and seen[-1][0] == seen[-1][1]  # progress ends at 100 %
    combined = _rows(write_combined_csv(results, tmp_path))
    assert len(combined) == 5
    assert {r["athlete"] for r in combined} == {"anna"}
    assert {(r["clip"], r["leg"]) for r in combined} == {("anna_L_1", "left"),
                                                         ("anna_right_1", "right")}


def test_in_process_batch_same_rows(squad: Path, tmp_path: Path) -> None:
    jobs = [j for j in jobs_for([squad], "left", by_name=True) if "anna" in j.video.name]
    one = run_batch(jobs, Options(tmp_path / "a", video=False, plot=False), workers=1)
    two = run_batch(jobs, Options(tmp_path / "b", video=False, plot=False), workers=2)
    assert [r.rows for r in one] == [r.rows for r in two]


def test_analyze_command_batch(squad: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["analyze", str(squad), "--leg-from-name", "--no-video",
                                    "--no-plot", "-j", "2", "--out", str(out)])
    assert res.exit_code == 1
    assert "1 of 3 clips failed" in res.output and "ben_L_1.mp4" in res.output
    assert "anna_L_1.mp4 (left): 2 take-offs" in res.output
    rows = _rows(out / COMBINED_NAME)
    assert len(rows) == 5 and (out / "anna_L_1.csv").exists()
    assert not list(out.glob("*.png"))


def test_analyze_command_manifest_and_outputs(squad: Path, tmp_path: Path) -> None:
    clips = tmp_path / "clips"
    clips.mkdir()
    shutil.copy(squad / "anna_L_1.mp4", clips / "trial1.mp4")
    shutil.copy(squad / "anna_right_1.mp4", clips / "trial2.mp4")
    (tmp_path / "squad.csv").write_text("file,athlete,leg\nclips/trial1.mp4,Anna,left\n"
                                        "clips/trial2.mp4,Anna,right\n", encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["analyze", "--manifest", str(tmp_path / "squad.csv"),
                                    "--no-video", "--out", str(out)])
    assert res.exit_code == 0, res.output
    rows = _rows(out / COMBINED_NAME)
    assert [(r["clip"], r["leg"], r["athlete"]) for r in rows] == \
        [("trial1", "left", "Anna")] * 2 + [("trial2", "right", "Anna")] * 3
    assert (out / "trial1.png").exists() and (out / "trial2.png").exists()
    assert _rows(out / "trial2.csv")[0]["athlete"] == "Anna"


def test_single_clip_keeps_its_output(squad: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["analyze", str(squad / "anna_L_1.mp4"), "--no-video",
                                    "--no-plot", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "anna_L_1.mp4: 2 take-offs" in res.output
    assert not (tmp_path / COMBINED_NAME).exists()


def test_no_clips_is_an_error(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["analyze", "--out", str(tmp_path)])
    assert res.exit_code != 0 and "no clips" in res.output
