"""Detection accuracy against exact truth (bundled synthetic samples, see sample_videos/).

The issue's bar, "as a test over generated clips": on every clip nothing missed or extra and
every touchdown/take-off/landing frame within +/-1 frame; over the clip set, contact and
flight times within one frame-time of the continuous truth for >= 95 % of reps. Each clip's
events are a test of their own; the 95 % is counted over the set (truthcheck.bar_met).
`python benchmarks/accuracy.py` prints the full table, with each clip's own share.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from legrsi import analyze_video
from legrsi.metrics import build_reps
from legrsi.synth import read_truth
from legrsi.truthcheck import DURATION_SHARE, Score, bar_met, pooled_share, score
from legrsi.types import Event

SAMPLES = Path(__file__).resolve().parent.parent / "sample_videos"


@pytest.fixture(scope="module")
def analysed() -> dict:
    out = {}
    for name, fps in [("hops_left_240fps", None), ("hops_right_240fps", None),
                      ("drop_jump_120fps", None), ("slowmo_export_30fps", 240.0)]:
        truth = read_truth(SAMPLES / f"{name}.truth.json")
        a = analyze_video(SAMPLES / f"{name}.mp4", leg=",".join(truth.legs), capture_fps=fps)
        out[name] = (truth, a)
    return out


def test_truth_checker_passes_perfect_and_fails_shifted(analysed) -> None:
    truth, a = analysed["hops_left_240fps"]
    events = [Event(e.kind, e.frame, e.time) for e in truth.events]  # type: ignore[arg-type]
    perfect = replace(a, events=events,
                      reps=build_reps(events, truth.initial_contact, "x", truth.legs))
    assert score("perfect", truth, perfect).passes()
    shifted = [Event(e.kind, e.frame + 2, e.time + 2 / truth.fps) for e in events]
    late = replace(a, reps=build_reps(shifted, truth.initial_contact, "x", truth.legs))
    assert not score("late", truth, late).passes()


def test_pooled_bar_counts_every_duration_and_every_clips_events() -> None:
    good = Score("good", 10, 10, 0, 0, [0] * 30, [0.2] * 20)
    weak = Score("weak", 1, 1, 0, 0, [0, 1, 1], [1.2, 0.5])
    assert bar_met([good]) and not bar_met([weak]) and not weak.passes()
    assert pooled_share([good, weak]) == 21 / 22 and bar_met([good, weak])  # 95.5 %
    assert not bar_met([good, weak, weak])  # 22 of 24 = 91.7 %
    late = Score("late", 1, 1, 0, 0, [0, 2, 0], [0.1, 0.1])  # one event 2 frames off
    assert not bar_met([good, late]) and not bar_met([good, Score("x", 2, 1, 1, 0)])


def test_hops_regression_bound(analysed) -> None:
    truth, a = analysed["hops_left_240fps"]
    s = score("hops_left", truth, a)
    assert s.missed == 0 and s.extra == 0
    assert s.max_frame_error <= 1
    d = [abs(x) for x in s.duration_errors_frames]
    assert sum(d) / len(d) < 1.0


@pytest.mark.parametrize("name", ["hops_left_240fps", "hops_right_240fps", "drop_jump_120fps",
                                  "slowmo_export_30fps"])
def test_accuracy_bar(analysed, name: str) -> None:
    truth, a = analysed[name]
    s = score(name, truth, a)
    assert s.passes(), s  # the bundled samples: every clip meets the whole bar on its own


# --- the clip set, rendered with legrsi.synth (truthcheck.CASES) -------------------

def _render_and_score(name: str, folder: str):  # in a worker process
    from legrsi.synth import render_clip
    from legrsi.truthcheck import CASES

    spec, fps = CASES[name]
    path = Path(folder) / f"{name}.mp4"
    truth = render_clip(spec, path)
    a = analyze_video(path, leg=",".join(truth.legs), capture_fps=fps)
    return score(name, truth, a)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Score of every case: rendered and analysed in parallel processes (one per core)."""
    import os
    from concurrent.futures import ProcessPoolExecutor

    from legrsi.truthcheck import CASES

    folder = str(tmp_path_factory.mktemp("accuracy"))
    names = sorted(CASES, key=lambda n: -CASES[n][0].width)  # the big ones first
    with ProcessPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
        scores = pool.map(_render_and_score, names, [folder] * len(names))
        return dict(zip(names, scores, strict=True))


def _case_names() -> list[str]:
    from legrsi.truthcheck import CASES

    return list(CASES)


@pytest.mark.parametrize("name", _case_names())
def test_accuracy_bar_events(rendered, name: str) -> None:
    s = rendered[name]
    assert s.events_pass(), s


def test_accuracy_bar_durations(rendered) -> None:
    """>= 95 % of all the set's contact and flight times within one frame-time. Known weak
    case: dim HEVC (71 % alone): a grey outsole (luma ~28) in front of a grey skirting (~31)
    with noise sigma 4 is not in the luma from ~12 px up (heights +3-5 px) and below ~7 px
    blur and shadow join it (heights -1-4 px), so one contact reads 2.5 frame-times long."""
    share = pooled_share(list(rendered.values()))
    assert share >= DURATION_SHARE, {n: s.duration_errors_frames for n, s in rendered.items()}


def test_holdout_seeds_are_not_the_tuned_ones() -> None:
    from legrsi.truthcheck import CASES, HOLDOUT

    tuned = {spec.seed for spec, _ in CASES.values()}
    assert HOLDOUT and not tuned & {spec.seed for spec, _ in HOLDOUT.values()}
