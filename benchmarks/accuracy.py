"""Accuracy of `legrsi analyze` on synthetic clips with exact truth: prints the table.

Usage: python benchmarks/accuracy.py [--keep DIR] [--holdout | --runs]
The clip set is the one the accuracy test uses (tests/test_accuracy.py): 120 and 240 fps,
720p and 1080p, a 30 fps slow-motion export analysed with its capture rate, hand-held shake,
a dim HEVC clip, a single jump, a drop jump, 100 Hz flicker. ``--holdout``: the held-out
seeds instead (truthcheck.HOLDOUT, never used to tune the detector); ``--runs``: synthetic
treadmill runs (truthcheck.RUNS, both feet together; not part of the bar).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from legrsi import analyze_video
from legrsi.synth import render_clip
from legrsi.truthcheck import CASES, HOLDOUT, RUNS, bar_met, score, table


def main() -> int:
    """Render every case, analyse it, print the accuracy table; exit 1 if the bar
    (truthcheck.bar_met) is not met."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", type=Path, default=None, help="keep clips in this folder")
    ap.add_argument("--holdout", action="store_true", help="the held-out seeds instead")
    ap.add_argument("--runs", action="store_true", help="synthetic treadmill runs instead")
    args = ap.parse_args()
    cases = RUNS if args.runs else HOLDOUT if args.holdout else CASES
    out = args.keep or Path(tempfile.mkdtemp(prefix="legrsi-acc-"))
    out.mkdir(parents=True, exist_ok=True)
    scores = []
    for name, (spec, fps) in cases.items():
        path = out / f"{name}.mp4"
        t0 = time.perf_counter()
        truth = render_clip(spec, path)
        t1 = time.perf_counter()
        leg = ",".join(truth.legs)
        analysis = analyze_video(path, leg=leg, capture_fps=fps)
        t2 = time.perf_counter()
        scores.append(score(name, truth, analysis))
        print(f"{name}: render {t1 - t0:.1f} s, analyse {t2 - t1:.1f} s", file=sys.stderr)
    print(table(scores))
    return 0 if bar_met(scores) else 1


if __name__ == "__main__":
    sys.exit(main())
