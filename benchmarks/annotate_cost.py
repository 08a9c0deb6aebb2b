"""How much does writing the annotated video (and the plot) add to an analysis?

Times, on one 1080p 240 fps clip: the analysis alone, the signal plot and the annotated
video at the default size (720p picture; other sizes with --heights, 0 = clip size); prints
seconds, frames per second and the ratio (analysis + video + plot) / analysis. The clip is
rendered with legrsi.synth (cached under --cache) unless one is given with --clip.

    /tmp/venv/bin/python benchmarks/annotate_cost.py [--clip CLIP] [--heights 720 540 0]
                                                     [--profile]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from legrsi.analyze import analyze_video
from legrsi.annotate import Annotator, output_size, scale_picture, write_annotated_video
from legrsi.annotate_io import FastSink
from legrsi.plots import write_signal_plot
from legrsi.video import FrameReader


def make_clip(cache: Path) -> Path:
    """Render (once) a 1920x1080, 240 fps synthetic clip of 5 hops."""
    from legrsi.synth import SynthSpec, render_clip
    path = cache / "bench_1080p_240fps.mp4"
    if not path.exists():
        t = time.perf_counter()
        render_clip(SynthSpec(n_hops=5, width=1920, height=1080, fps=240.0, seed=3), path)
        print(f"rendered {path} in {time.perf_counter() - t:.1f} s")
    return path


def profile(analysis, video_height: int | None) -> None:  # type: ignore[no-untyped-def]
    """Split the per-frame cost of the video into decode, resize, overlay and encode."""
    info = analysis.info
    pw, ph = output_size(info.width, info.height, video_height)
    ann = Annotator(analysis, pw, ph)
    cost = dict.fromkeys(("decode", "resize", "overlay", "encode"), 0.0)
    with tempfile.TemporaryDirectory() as tmp:
        w, h = ann.layout.size
        with FastSink(Path(tmp) / "p.mp4", 30.0, w, h) as sink:
            t = time.perf_counter()
            for fr in FrameReader(info, color=True):
                t1 = time.perf_counter()
                img = scale_picture(fr.image, pw, ph)
                t2 = time.perf_counter()
                out = ann.render(fr.index, fr.time, img)
                t3 = time.perf_counter()
                sink.write(out)
                t4 = time.perf_counter()
                cost["decode"] += t1 - t
                cost["resize"] += t2 - t1
                cost["overlay"] += t3 - t2
                cost["encode"] += t4 - t3
                t = time.perf_counter()
    n = len(analysis.signal)
    print("  per frame: " + ", ".join(f"{k} {v / n * 1000:.2f} ms" for k, v in cost.items()))


def best_of(repeat: int, fn):  # type: ignore[no-untyped-def]
    """(shortest wall time in seconds of ``repeat`` calls, last result): the machine may be
    shared, so the minimum is the fairest estimate of each step's own cost."""
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", type=Path)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "legrsi_bench")
    ap.add_argument("--heights", type=int, nargs="+", default=[720],
                    help="video heights (short side, pixels) to time; 0 = clip size")
    ap.add_argument("--repeat", type=int, default=3, help="runs per step; the fastest counts")
    ap.add_argument("--profile", action="store_true", help="split the video cost per step")
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    clip = args.clip or make_clip(args.cache)
    fps = 240.0 if args.clip is None else None

    t_an, analysis = best_of(args.repeat, lambda: analyze_video(clip, capture_fps=fps))
    n = len(analysis.signal)
    info = analysis.info
    print(f"{clip.name}: {info.width}x{info.height}, {n} frames, {len(analysis.reps)} reps; "
          f"best of {args.repeat} runs")
    print(f"analysis           {t_an:7.2f} s  {n / t_an:6.0f} frames/s")
    with tempfile.TemporaryDirectory() as out:
        t_plot, _ = best_of(args.repeat, lambda: write_signal_plot(analysis, out))
        print(f"plot               {t_plot:7.2f} s")
        for vh in [h or None for h in args.heights]:
            t_v, _ = best_of(args.repeat,
                             lambda vh=vh: write_annotated_video(analysis, out, video_height=vh))
            label = (f"video {vh}p" if vh else "video clip size").ljust(18)
            print(f"{label} {t_v:7.2f} s  {n / t_v:6.0f} frames/s   video / analysis = "
                  f"{t_v / t_an:.2f}, (analysis + video + plot) / analysis = "
                  f"{(t_an + t_v + t_plot) / t_an:.2f}")
            if args.profile:
                profile(analysis, vh)


if __name__ == "__main__":
    main()
