"""Accuracy of `legrsi analyze` on synthetic clips with exact truth: prints the table.

Usage: python benchmarks/accuracy.py [--quick] [--keep DIR]
The clip set is the one the accuracy test uses (tests/test_accuracy.py): 120 and 240 fps,
720p and 1080p, a 30 fps slow-motion export analysed with its capture rate, hand-held shake,
a dim HEVC clip, a single jump, a drop jump, 100 Hz flicker.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from legrsi import analyze_video
from legrsi.synth import SynthSpec, render_clip
from legrsi.truthcheck import score, table

CASES: dict[str, tuple[SynthSpec, float | None]] = {
    "hops_240fps_720p": (SynthSpec(n_hops=5, fps=240, width=1280, height=720, seed=11), None),
    "hops_120fps_720p": (SynthSpec(n_hops=5, fps=120, width=1280, height=720, seed=12), None),
    "hops_240fps_1080p": (SynthSpec(n_hops=3, fps=240, width=1920, height=1080, seed=13), None),
    "slowmo_export_30fps": (SynthSpec(n_hops=4, fps=240, container_fps=30, width=960,
                                      height=540, seed=14), 240.0),
    "handheld_shake": (SynthSpec(n_hops=4, fps=240, width=960, height=540, shake_px=3.0,
                                 seed=15), None),
    "dim_hevc": (SynthSpec(n_hops=4, fps=240, width=960, height=540, codec="hevc", dim=0.35,
                           noise=4.0, seed=16), None),
    "flicker_100hz": (SynthSpec(n_hops=4, fps=240, width=960, height=540, flicker_hz=100,
                                flicker_amp=0.15, seed=17), None),
    "single_jump": (SynthSpec(movement="single", fps=240, width=960, height=540, seed=18),
                    None),
    "drop_jump": (SynthSpec(movement="drop", fps=240, width=960, height=540, seed=19), None),
}


def main() -> int:
    """Render every case, analyse it, print the accuracy table; exit 1 if any case fails."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", type=Path, default=None, help="keep clips in this folder")
    args = ap.parse_args()
    out = args.keep or Path(tempfile.mkdtemp(prefix="legrsi-acc-"))
    out.mkdir(parents=True, exist_ok=True)
    scores = []
    for name, (spec, fps) in CASES.items():
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
    return 0 if all(s.passes() for s in scores) else 1


if __name__ == "__main__":
    sys.exit(main())
