"""Detection accuracy against exact truth (bundled synthetic samples, see sample_videos/).

The issue's bar: nothing missed or extra, every touchdown/take-off/landing frame within +/-1
frame, contact and flight times within one frame-time for >= 95 % of reps. The detector does
not reach it on every sample yet: those cases are strict xfails (they fail the suite the day
they start passing, so the marks cannot go stale), and a regression bound guards what works.
`python benchmarks/accuracy.py` prints the full table over rendered variants.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from legrsi import analyze_video
from legrsi.metrics import build_reps
from legrsi.synth import read_truth
from legrsi.truthcheck import score
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


def test_hops_regression_bound(analysed) -> None:
    truth, a = analysed["hops_left_240fps"]
    s = score("hops_left", truth, a)
    assert s.missed == 0 and s.extra == 0
    assert s.max_frame_error <= 1
    d = [abs(x) for x in s.duration_errors_frames]
    assert sum(d) / len(d) < 1.0


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=r)) if r else n for n, r in [
        ("hops_left_240fps", ""),
        ("hops_right_240fps", ""),
        ("drop_jump_120fps", ""),
        ("slowmo_export_30fps", ""),
    ]])
def test_accuracy_bar(analysed, name: str) -> None:
    truth, a = analysed[name]
    s = score(name, truth, a)
    assert s.passes(), s


# --- the clip set, rendered with legrsi.synth (truthcheck.CASES) -------------------

# Cases the detector does not pass yet, with what goes wrong (benchmarks/accuracy.py prints
# the table). Strict: a case that starts passing fails here until its mark is removed.
GENERATED_XFAIL = {
    "dim_hevc": "a grey outsole (luma ~28 after the dimming) in front of a grey skirting "
                "(~31) with sensor noise sigma 4: from ~12 px up the outsole is not in the "
                "picture's luma at all (heights +4-7 px; both are grey, colour would not "
                "help), below ~7 px motion blur and the shadow join it (heights -2-4 px); "
                "edges within 1 frame but 71 % of durations within a frame-time",
}


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


def _generated_params() -> list:
    from legrsi.truthcheck import CASES

    return [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=GENERATED_XFAIL[n]))
            if n in GENERATED_XFAIL else n for n in CASES]


@pytest.mark.parametrize("name", _generated_params())
def test_accuracy_bar_generated(rendered, name: str) -> None:
    s = rendered[name]
    assert s.passes(), s


def test_holdout_seeds_are_not_the_tuned_ones() -> None:
    from legrsi.truthcheck import CASES, HOLDOUT

    tuned = {spec.seed for spec, _ in CASES.values()}
    assert HOLDOUT and not tuned & {spec.seed for spec, _ in HOLDOUT.values()}
