"""Shared test fixtures: small synthetic hop clips with known events."""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest

from legrsi.analyze import analyze_video
from legrsi.types import Analysis
from legrsi.video import VideoSink


@dataclass(frozen=True)
class HopClip:
    """A quick synthetic side-view hop clip: ``events`` are (kind, capture time s, frame)."""

    path: Path
    fps: float
    n_frames: int
    width: int
    height: int
    floor_y: int
    events: list[tuple[str, float, int]]


def make_hop_clip(path: Path, width: int = 320, height: int = 180, fps: float = 240.0,
                  n_hops: int = 2, seed: int = 1, rotate: bool = False) -> HopClip:
    """Write a grey clip of a dark foot block hopping: standing 0.4 s, ``n_hops`` hops
    (flight 0.28-0.4 s, contact 0.18-0.28 s), 0.3 s standing at the end. ``rotate``: the
    upright picture is ``width`` x ``height`` but stored turned 90 deg counter-clockwise
    with a display matrix telling players to turn it back (like a portrait phone clip)."""
    rng = np.random.default_rng(seed)
    events: list[tuple[str, float]] = []
    t = 0.4
    for _ in range(n_hops):
        events.append(("takeoff", t))
        t += rng.uniform(0.28, 0.4)
        events.append(("touchdown", t))
        t += rng.uniform(0.18, 0.28)
    n = int(math.ceil((t + 0.3) * fps))
    ppm = height * 1.2  # pixels per metre
    floor = int(height * 0.8)
    bg = np.full((height, width), 150, np.uint8)
    bg[floor:] = 90
    bg = cv2.GaussianBlur((bg + rng.normal(0, 6, bg.shape)).clip(0, 255).astype(np.uint8),
                          (5, 5), 0)
    noise = rng.normal(0, 2.5, (4, height, width)).astype(np.float32)

    def lift(tt: float) -> float:
        for (k0, t0), (_, t1) in zip(events, events[1:], strict=False):
            if k0 == "takeoff" and t0 <= tt < t1:
                return 9.81 / 2 * (tt - t0) * (t1 - tt)
        return 0.0

    x0, fw, leg_h = width * 0.45, width * 0.13, height * 0.35
    with VideoSink(path, fps, *((height, width) if rotate else (width, height))) as sink:
        for i in range(n):
            y = floor - lift(i / fps) * ppm
            pts = np.array([[x0, y], [x0 + fw, y], [x0 + fw, y - fw * 0.2],
                            [x0 + fw * 0.3, y - fw * 0.3], [x0 + fw * 0.25, y - leg_h],
                            [x0, y - leg_h]])
            img = bg.copy()
            cv2.fillPoly(img, [np.round(pts * 16).astype(np.int32)], 40, cv2.LINE_AA, 4)
            img = (img + noise[i % 4]).clip(0, 255).astype(np.uint8)
            bgr = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
            sink.write(np.rot90(bgr, 1) if rotate else bgr)
    if rotate:
        set_display_rotation(path, 90)
    return HopClip(path, fps, n, width, height, floor,
                   [(k, te, math.ceil(te * fps - 1e-9)) for k, te in events])


def set_display_rotation(path: Path, degrees_cw: int) -> None:
    """Patch the first track header's matrix of an .mp4 so players turn the stored picture
    ``degrees_cw`` (90 or 270) clockwise (what phones write for portrait clips)."""
    data = bytearray(path.read_bytes())
    k = data.find(b"tkhd")
    off = k + 4 + 4 + (32 if data[k + 4] == 1 else 20) + 16
    one, w = 0x10000, 0x40000000
    m = [0, one, 0, -one, 0, 0, 0, 0, w] if degrees_cw == 90 else [0, -one, 0, one, 0, 0, 0, 0, w]
    data[off: off + 36] = struct.pack(">9i", *m)
    path.write_bytes(bytes(data))


@pytest.fixture(scope="session")
def hop_clip(tmp_path_factory: pytest.TempPathFactory) -> HopClip:
    """A 320x180, 240 fps clip with 2 hops (standing start, standing end)."""
    return make_hop_clip(tmp_path_factory.mktemp("clips") / "hops.mp4")


@pytest.fixture(scope="session")
def hop_analysis(hop_clip: HopClip) -> Analysis:
    """``analyze_video`` of :func:`hop_clip` (left leg)."""
    return analyze_video(hop_clip.path)
