"""Damaged, odd and hostile input files for tests/test_hostile.py (built in a temp folder).

Every clip is derived from one small synthetic hop clip (frames rendered once, then encoded
in several ways and damaged on purpose), so building the whole corpus takes a few seconds.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from legrsi.synth import SynthSpec, iter_frames, make_truth, render_background

SPEC = SynthSpec(n_hops=2, width=256, height=144, fps=120.0, noise=2.0, seed=0)
FPS = 120


@dataclass(frozen=True)
class Case:
    """One hostile input: ``ok`` True = must be analysed (with ``warn`` in the warnings if
    given), False = must be refused with a one-line error naming ``error`` (a substring)."""

    name: str
    ok: bool
    warn: str | None = None
    error: str | None = None


def frames() -> list[np.ndarray]:
    """The base clip's upright BGR frames (n, 180, 320, 3)."""
    return list(iter_frames(SPEC))


def n_takeoffs() -> int:
    """Take-offs from the floor in the base clip."""
    return sum(e.kind == "takeoff" for e in make_truth(SPEC).events)


def encode(path: Path, imgs: Iterable[np.ndarray], codec: str = "libx264",
           pix_fmt: str = "yuv420p", fmt: str | None = None, faststart: bool = False,
           pts: Callable[[int], int] | None = None, options: dict[str, str] | None = None,
           ) -> Path:
    """Encode BGR frames at FPS into ``path`` (container from the suffix or ``fmt``).

    ``pts(i)`` crafts the timestamp (in 1/FPS units) written for packet i (codecs without
    frame reordering only: x264 ultrafast, MJPEG); ``faststart`` puts an mp4's index first.
    """
    opts = {"movflags": "+faststart"} if faststart else {}
    rate = Fraction(FPS)
    with av.open(str(path), "w", format=fmt, options=opts) as out:
        imgs = iter(imgs)
        first = next(imgs)
        st = out.add_stream(codec, rate=rate, options=options or
                            ({"preset": "ultrafast", "crf": "26"} if codec == "libx264" else {}))
        st.height, st.width = first.shape[:2]
        st.pix_fmt = pix_fmt
        st.time_base = 1 / rate
        if codec == "mjpeg":
            st.codec_context.bit_rate = 4_000_000
        i = 0
        for img in (first, *imgs):
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="bgr24")
            vf = vf.reformat(format=pix_fmt)
            vf.pts, vf.time_base = i, 1 / rate
            for pkt in st.encode(vf):
                _mux(out, st, pkt, pts)
            i += 1
        for pkt in st.encode():
            _mux(out, st, pkt, pts)
    return path


def _mux(out: av.container.OutputContainer, st: av.video.stream.VideoStream,
         pkt: av.Packet, pts: Callable[[int], int] | None) -> None:
    if pts is not None and pkt.pts is not None:
        k = int(round(pkt.pts * pkt.time_base * FPS)) if pkt.time_base else int(pkt.pts)
        pkt.pts, pkt.dts = pts(k) + 1000, k  # dts must increase; pts >= dts
        pkt.time_base = 1 / Fraction(FPS)
    out.mux(pkt)


def audio_only(path: Path, seconds: float = 1.0) -> Path:
    """An .mp4 holding only an AAC sine tone."""
    rate = 44100
    with av.open(str(path), "w") as out:
        st = out.add_stream("aac", rate=rate)
        st.layout = "mono"
        n = int(rate * seconds)
        tone = (0.2 * np.sin(np.arange(n) * 2 * np.pi * 440 / rate)).astype(np.float32)
        for k in range(0, n, 1024):
            chunk = tone[k:k + 1024]
            af = av.AudioFrame.from_ndarray(chunk[None, :], format="flt", layout="mono")
            af.sample_rate, af.pts = rate, k
            for pkt in st.encode(af):
                out.mux(pkt)
        for pkt in st.encode():
            out.mux(pkt)
    return path


def truncate(src: Path, dst: Path, fraction: float | None = None, size: int | None = None
             ) -> Path:
    """Copy of ``src`` cut after ``fraction`` of its bytes (or ``size`` bytes)."""
    data = src.read_bytes()
    dst.write_bytes(data[: size if size is not None else int(len(data) * fraction)])
    return dst


def flip_bytes(src: Path, dst: Path, n: int = 12, seed: int = 5, span: float = 0.3) -> Path:
    """Copy of ``src`` with random bytes changed in the middle ``span`` of its video packets:
    ``n`` anywhere in them and the first bytes of three packets (surely undecodable)."""
    with av.open(str(src)) as c:
        spots = [(p.pos, p.size) for p in c.demux(video=0) if p.size and p.pos is not None]
    mid = spots[int(len(spots) * (0.5 - span / 2)): int(len(spots) * (0.5 + span / 2))]
    data = bytearray(src.read_bytes())
    rng = random.Random(seed)
    hits = [pos + rng.randrange(size) for pos, size in rng.sample(mid, n)]
    hits += [pos + k for pos, _ in rng.sample(mid, 3) for k in range(6)]
    for k in hits:
        data[k] ^= rng.randrange(1, 256)
    dst.write_bytes(bytes(data))
    return dst


def build(folder: Path) -> dict[str, Case]:
    """Write the corpus into ``folder``; returns {file name: Case}."""
    imgs = frames()
    base = encode(folder / "base.mp4", imgs, faststart=True)
    tail_index = encode(folder / "_moov_at_end.mp4", imgs)
    cases = [Case("base.mp4", True)]

    def add(case: Case) -> None:
        cases.append(case)

    for frac in (0.35, 0.7):
        name = f"truncated_{int(frac * 100)}.mp4"
        truncate(base, folder / name, frac)
        add(Case(name, True, warn="truncated"))
    truncate(base, folder / "truncated_header.mp4", size=600)
    add(Case("truncated_header.mp4", False, error="not a readable video"))
    truncate(tail_index, folder / "truncated_no_index.mp4", 0.6)
    add(Case("truncated_no_index.mp4", False, error="incomplete"))
    flip_bytes(base, folder / "flipped.mp4")
    add(Case("flipped.mp4", True))
    (folder / "empty.mp4").write_bytes(b"")
    add(Case("empty.mp4", False, error="empty"))
    (folder / "notes.mp4").write_text("these are my notes, not a video\n" * 20)
    add(Case("notes.mp4", False, error="not a readable video"))
    encode(folder / "one_frame.mp4", imgs[:1])
    add(Case("one_frame.mp4", False, error="frame"))
    audio_only(folder / "audio_only.mp4")
    add(Case("audio_only.mp4", False, error="no video stream"))
    odd = [np.ascontiguousarray(f[:143, :255]) for f in imgs]
    encode(folder / "odd_size.mkv", odd, codec="libx264", pix_fmt="yuv444p")
    add(Case("odd_size.mkv", True))
    encode(folder / "mjpeg.avi", imgs, codec="mjpeg", pix_fmt="yuvj420p")
    add(Case("mjpeg.avi", True))
    encode(folder / "h264.mkv", imgs)
    add(Case("h264.mkv", True))
    (folder / "renamed_mkv.mp4").write_bytes((folder / "h264.mkv").read_bytes())
    add(Case("renamed_mkv.mp4", True))
    encode(folder / "vp9.webm", imgs, codec="libvpx-vp9",
           options={"deadline": "realtime", "cpu-used": "8", "crf": "32", "b": "0"})
    add(Case("vp9.webm", True))
    back = len(imgs) // 2
    encode(folder / "pts_backwards.mkv", imgs, pts=lambda k: k - 30 if k >= back else k)
    add(Case("pts_backwards.mkv", True, warn="timestamps"))
    encode(folder / "pts_repeat.mkv", imgs, pts=lambda k: k - (k % 3 == 1))
    add(Case("pts_repeat.mkv", True, warn="timestamps"))
    dark = [(f.astype(np.float32) * 0.06).astype(np.uint8) for f in imgs]
    encode(folder / "dark.mp4", dark)
    add(Case("dark.mp4", False, error="very dark"))
    bg = render_background(SPEC)
    rng = np.random.default_rng(0)
    empty_scene = (np.clip(bg + rng.normal(0, 2, bg.shape), 0, 255).astype(np.uint8)
                   for _ in range(len(imgs)))
    encode(folder / "no_person.mp4", empty_scene)
    add(Case("no_person.mp4", False, error="no movement found"))
    tail_index.unlink()
    return {c.name: c for c in cases}
