"""What do the feet points of a moving floor (stance.py) cost the tracking pass?

Side by side in one run, best of --repeat: tracking a hop clip (still floor) without feet
points, and with them (the first 1.5 s probed, then left out); tracking a synthetic treadmill
run (the probe finds the moving floor, the points are kept for every frame) without and with
them. Prints seconds and the ratios. The clips are rendered with legrsi.synth (cached under
--cache).

    /tmp/venv/bin/python benchmarks/stance_cost.py [--repeat 2] [--cache DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from legrsi import tracking
from legrsi.synth import render_clip
from legrsi.synth_spec import SynthSpec
from legrsi.video import probe

CLIPS = {
    "hops 240 fps 720p": SynthSpec(n_hops=5, fps=240, width=1280, height=720, seed=11),
    "treadmill run 240 fps": SynthSpec(movement="run", n_hops=10, fps=240, width=720,
                                       height=1280, seed=8, camera_height_m=1.0),
}


def best_of(n: int, fn) -> float:  # type: ignore[no-untyped-def]
    """Fastest of n calls (s)."""
    best = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "legrsi-bench")
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    for name, spec in CLIPS.items():
        path = args.cache / f"stance_{name.replace(' ', '_')}.mp4"
        if not path.exists():
            render_clip(spec, path)
        info = probe(path)
        off = best_of(args.repeat, lambda i=info: tracking.track(i))
        on = best_of(args.repeat, lambda i=info: tracking.track(i, feet=True))
        kept = any(s.feet is not None for s in tracking.track(info, feet=True))
        print(f"{name}: {info.frame_count_hint} frames, without feet points {off:.2f} s, "
              f"with {on:.2f} s ({'kept' if kept else 'probed'}): x{on / off:.2f}")


if __name__ == "__main__":
    main()
