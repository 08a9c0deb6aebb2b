"""How close does `legrsi analyze` get to the speed of just decoding the clip, and how much
memory does it need?

Measures, side by side in one run and each in a fresh child process (best of --repeat,
runs interleaved so a busy machine slows all of them alike):

* decode only: PyAV taking the luma plane of every frame, with FFmpeg's threads and without
  (the faster of the two is the reference); on two cores also decoding while another process
  keeps the other core busy (what decoding reaches when anything runs beside it),
* `legrsi analyze CLIP --no-video --no-plot` (wall clock of the command, start-up included),
  the same with the signal plot, and with the annotated video,
* peak resident memory of each (the child's own maximum RSS),
* peak memory of the analysis of a ~2-minute clip made by repeating the clip (packets copied,
  no re-encoding), to show that memory stays flat as clips get longer.

The clip is rendered with legrsi.synth (cached in --cache) unless given with --clip. Default:
1920x1080, 240 fps, key frame every 0.5 s, x264 'veryfast' at CRF 16 (CABAC, ~17 Mbit/s;
phones write 1080p240 at 20-60 Mbit/s); --preset ultrafast --crf 23 gives a clip that is far
cheaper to decode (the hardest case for the ratio).

    /tmp/venv/bin/python benchmarks/throughput.py [--clip CLIP] [--seconds 10]
        [--long-seconds 120] [--repeat 3] [--preset veryfast --crf 16] [--markdown]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASELINE = "... the same with the --baseline source tree"
# decoding on one core while another process keeps the other core busy (two cores): what
# decoding can reach while anything else runs beside it (not a reference for the ratios)
BUSY = "decode, PyAV default, other core busy (not a reference)"
# PyAV's default decoding: FFmpeg's slice threads, as many as there are cores
DEFAULT = "decode, PyAV default (slice threads)"
BURN = "x = 0\nwhile True:\n    x += 1"

# Children report their own peak memory (VmHWM of their own address space: the maximum RSS
# that getrusage reports for a child also counts the parent's pages it had before exec).
PEAK = r"""
import atexit, sys
def _peak(path=sys.argv.pop(1)):
    try:
        kb = next(line.split()[1] for line in open("/proc/self/status")
                  if line.startswith("VmHWM:"))
    except OSError:
        import resource
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    open(path, "w").write(str(kb))
atexit.register(_peak)
"""

DECODE_CHILD = PEAK + r"""
import sys, time, json
import av, numpy as np
path, threads = sys.argv[1], sys.argv[2]
with av.open(path) as c:
    s = c.streams.video[0]
    if threads == "auto":  # FFmpeg's frame and slice threads
        s.thread_type = "AUTO"
    elif threads == "one":  # a single thread (PyAV's default is slice threads on all cores)
        s.codec_context.thread_count = 1
    n = 0
    t = time.perf_counter()
    for f in c.decode(s):
        p = f.planes[0]
        y = np.frombuffer(p, np.uint8)  # the luma plane, no colour conversion
        n += 1
    dt = time.perf_counter() - t
print(json.dumps({"frames": n, "seconds": dt}))
"""


LEGRSI_CHILD = PEAK + r"""
import runpy
sys.argv = ["legrsi", *sys.argv[1:]]
runpy.run_module("legrsi", run_name="__main__")
"""


def legrsi_cmd() -> list[str]:
    """`legrsi` run by this Python (reports its peak memory; see run_child)."""
    return [sys.executable, "-c", LEGRSI_CHILD]


def run_child(cmd: list[str], source: Path | None = None) -> tuple[float, int, str]:
    """Run ``cmd`` (a ``python -c PEAK...`` child), importing legrsi from the source tree
    ``source`` if given; return (wall seconds, the child's peak resident memory in MB,
    stdout)."""
    env = None
    if source is not None:
        env = dict(os.environ, PYTHONPATH=str(source.resolve()))
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        cmd = [*cmd[:3], str(peak_file), *cmd[3:]]
        t = time.perf_counter()
        # run in an empty folder: `python -c` puts the working directory first on sys.path,
        # which would import legrsi from there instead of ``source``
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp)
        wall = time.perf_counter() - t
        if proc.returncode != 0:
            raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n"
                             f"{proc.stderr[-2000:]}")
        kb = int(peak_file.read_text()) if peak_file.exists() else 0
    mb = kb // 2**20 if sys.platform == "darwin" else kb // 1024  # macOS: ru_maxrss bytes
    return wall, mb, proc.stdout


def hops_for(seconds: float, spec_kw: dict) -> int:
    """Number of hops whose synthetic clip lasts at least ``seconds``."""
    from legrsi.synth import SynthSpec, make_truth

    n = 2
    while make_truth(SynthSpec(n_hops=n, **spec_kw)).n_frames / spec_kw["fps"] < seconds:
        n += 1
    return n


def make_clip(cache: Path, seconds: float, width: int, height: int, fps: float, preset: str,
              crf: int) -> Path:
    """Render (once) the benchmark clip; returns its path."""
    from legrsi.synth import SynthSpec, render_clip

    kw = dict(width=width, height=height, fps=fps, preset=preset, crf=crf, seed=5)
    path = cache / f"bench_{height}p_{fps:g}fps_{seconds:g}s_{preset}_crf{crf}.mp4"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        render_clip(SynthSpec(n_hops=hops_for(seconds, kw), **kw), path)
        print(f"rendered {path} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return path


def loop_clip(src: Path, dst: Path, times: int) -> Path:
    """Write ``src`` ``times`` times in a row to ``dst`` (packets copied, no re-encoding)."""
    import av

    if dst.exists():
        return dst
    tmp = dst.with_name(dst.stem + ".part" + dst.suffix)
    with av.open(str(src)) as inp, av.open(str(tmp), "w") as out:
        ist = inp.streams.video[0]
        ost = out.add_stream_from_template(ist)
        pkts = [p for p in inp.demux(ist) if p.size]
        ptss = sorted(p.pts for p in pkts)
        step = ptss[-1] - ptss[0] + (ptss[1] - ptss[0] if len(ptss) > 1 else 1)
        for k in range(times):
            for p in pkts:
                q = av.Packet(bytes(p))
                q.pts, q.dts = p.pts + k * step, p.dts + k * step
                q.is_keyframe = p.is_keyframe
                q.time_base = p.time_base
                q.stream = ost
                out.mux(q)
    tmp.replace(dst)
    return dst


def frame_count(path: Path) -> int:
    """Frames in the clip (counted by demuxing)."""
    import av

    with av.open(str(path)) as c:
        return sum(1 for p in c.demux(c.streams.video[0]) if p.size)


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    import av
    import cv2
    import numpy as np

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 0
    try:
        import psutil
        ram = f"{psutil.virtual_memory().total / 2**30:.0f} GB"
    except ImportError:
        ram = "?"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return {"cpu": cpu, "cores": str(cores), "ram": ram, "os": platform.platform(),
            "python": platform.python_version(), "numpy": np.__version__,
            "opencv": cv2.__version__, "pyav": av.__version__,
            "ffmpeg": ".".join(map(str, av.library_versions.get("libavcodec", ()))),
            "load average at start": load}


def picked_roi(clip: Path) -> str:
    """The foot region the analysis picks (X,Y,W,H), for a run with that one region
    (found in a child process: this one stays small)."""
    code = ("import sys; from legrsi.analyze import analyze_video; "
            "r = analyze_video(sys.argv[1]).signal.rois[0]; "
            "print(','.join(str(int(round(v))) for v in r))")
    return subprocess.run([sys.executable, "-c", code, str(clip)], capture_output=True,
                          text=True, check=True).stdout.strip()


def measure(clip: Path, repeat: int, annotate: bool, plot: bool,
            roi: str | None = None, baseline: Path | None = None) -> dict[str, dict]:
    """Best-of-``repeat`` fps and peak MB of each way of processing ``clip``; with
    ``baseline`` (a source tree) also its `analyze --no-video --no-plot`, interleaved."""
    n = frame_count(clip)
    out = Path(tempfile.mkdtemp(prefix="legrsi-bench-"))
    base = [*legrsi_cmd(), "analyze", str(clip), "--out", str(out), "-q", "-j", "1"]
    runs: dict[str, list[str] | None] = {
        "decode, FFmpeg threads": None, DEFAULT: None, "decode, 1 thread": None,
        "analyze --no-video --no-plot": [*base, "--no-video", "--no-plot"],
    }
    if (os.cpu_count() or 1) == 2:  # the ceiling of decoding next to any other work
        runs[BUSY] = None
    if baseline is not None:
        runs[BASELINE] = [*base, "--no-video", "--no-plot"]
    if roi:
        runs["... with --roi of the picked region (1 candidate)"] = [
            *base, "--no-video", "--no-plot", "--roi", roi]
    if plot:
        runs["analyze --no-video (plot)"] = [*base, "--no-video"]
    if annotate:
        runs["analyze (plot + annotated video)"] = base
    best: dict[str, dict] = {}
    for _ in range(repeat):
        for name, cmd in runs.items():
            if cmd is None:
                threads = ("auto" if "FFmpeg" in name else
                           "one" if name == "decode, 1 thread" else "default")
                burner = subprocess.Popen([sys.executable, "-c", BURN]) if name == BUSY \
                    else None
                try:
                    _, peak, text = run_child([sys.executable, "-c", DECODE_CHILD, str(clip),
                                               threads])
                finally:
                    if burner is not None:
                        burner.kill()
                        burner.wait()
                res = json.loads(text)
                fps = res["frames"] / res["seconds"]
            else:
                wall, peak, _ = run_child(cmd, baseline if name == BASELINE else None)
                fps = n / wall
            b = best.setdefault(name, {"fps": 0.0, "peak_mb": 0})
            b["fps"] = max(b["fps"], fps)
            b["peak_mb"] = max(b["peak_mb"], peak)
    return best


def table(best: dict[str, dict], decode_fps: float) -> list[str]:
    """Markdown table rows: fps, ratio to decoding, peak MB."""
    rows = ["| run | frames/s | x decode-only | peak memory |", "|---|---:|---:|---:|"]
    for name, b in best.items():
        rows.append(f"| {name} | {b['fps']:.0f} | {b['fps'] / decode_fps:.2f} | "
                    f"{b['peak_mb']} MB |")
    return rows


def main() -> int:
    """Run the benchmark and print the figures (markdown with --markdown)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clip", type=Path, help="use this clip instead of rendering one")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "legrsi-bench")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--long-seconds", type=float, default=120.0,
                    help="length of the repeated clip for the memory check (0 = skip)")
    ap.add_argument("--width", type=int, default=1920)
    ap.add_argument("--height", type=int, default=1080)
    ap.add_argument("--fps", type=float, default=240.0)
    ap.add_argument("--preset", default="veryfast")
    ap.add_argument("--crf", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-annotate", action="store_true", help="skip the annotated video run")
    ap.add_argument("--no-roi-run", action="store_true",
                    help="skip the run with one given foot region (--roi)")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="also run `analyze --no-video --no-plot` with legrsi imported from "
                         "this source tree (e.g. an older commit's export), side by side")
    ap.add_argument("--markdown", action="store_true", help="print markdown for the docs")
    args = ap.parse_args()

    clip = args.clip or make_clip(args.cache, args.seconds, args.width, args.height,
                                  args.fps, args.preset, args.crf)
    info = machine()
    n = frame_count(clip)
    size_mb = clip.stat().st_size / 2**20
    print(f"clip: {clip.name}: {n} frames, {size_mb:.0f} MB", file=sys.stderr)
    best = measure(clip, args.repeat, not args.no_annotate, True,
                   None if args.no_roi_run else picked_roi(clip), args.baseline)
    decode = max(best[k]["fps"] for k in ("decode, FFmpeg threads", DEFAULT, "decode, 1 thread"))
    analyse = best["analyze --no-video --no-plot"]
    lines = [f"Clip `{clip.name}`: {n} frames ({n / args.fps:.1f} s at {args.fps:g} fps), "
             f"{size_mb * 8 / (n / args.fps):.0f} Mbit/s. Best of {args.repeat}.", "",
             *table(best, decode), ""]
    lines.append(f"**analyze --no-video --no-plot: {analyse['fps']:.0f} fps = "
                 f"{analyse['fps'] / decode:.2f} x decode-only ({decode:.0f} fps); peak "
                 f"{analyse['peak_mb']} MB**")
    if args.long_seconds > 0:
        reps = max(2, round(args.long_seconds / (n / args.fps)))
        long_clip = loop_clip(clip, clip.with_name(f"{clip.stem}_x{reps}{clip.suffix}"), reps)
        out = tempfile.mkdtemp(prefix="legrsi-bench-long-")
        wall, peak, _ = run_child([*legrsi_cmd(), "analyze", str(long_clip), "--out", out,
                                   "-q", "--no-video", "--no-plot"])
        nl = n * reps
        lines += ["", f"Long clip ({reps} x the clip, {nl / args.fps:.0f} s, {nl} frames): "
                      f"analyze --no-video --no-plot {nl / wall:.0f} fps, peak "
                      f"{peak} MB (vs {analyse['peak_mb']} MB for {n / args.fps:.0f} s)"]
        if args.baseline is not None:
            wall, peak, _ = run_child([*legrsi_cmd(), "analyze", str(long_clip), "--out", out,
                                       "-q", "--no-video", "--no-plot"], args.baseline)
            lines[-1] += f"; baseline: {nl / wall:.0f} fps, peak {peak} MB"
    lines += ["", "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items())]
    text = "\n".join(lines)
    if args.markdown:
        print(text)
    else:
        print(text.replace("**", "").replace("`", ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
