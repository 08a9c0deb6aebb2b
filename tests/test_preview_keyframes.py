"""The preview decodes only the key frames it keeps: same frames as decoding them all."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from legrsi import locate
from legrsi.video import FrameReader, keyframe_count, probe


def _gop_clip(path: Path, n: int, gop: int) -> Path:
    """A small H.264 clip whose frame i is flat grey (i * 7) % 256, a key frame every
    ``gop`` frames."""
    with av.open(str(path), "w") as out:
        st = out.add_stream("libx264", rate=240)
        st.width, st.height, st.pix_fmt = 64, 48, "yuv420p"
        st.codec_context.gop_size = gop
        st.codec_context.options = {"keyint_min": str(gop), "sc_threshold": "0",
                                     "preset": "ultrafast", "crf": "10"}
        for i in range(n):
            img = np.full((48, 64, 3), (i * 7) % 256, np.uint8)
            for packet in st.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                out.mux(packet)
        for packet in st.encode(None):
            out.mux(packet)
    return path


def _old_selection(n: int) -> list[int]:
    """What decoding every key frame kept: :func:`locate._collect`'s thinning, then the
    PREVIEW_MAX spread."""
    class Fake:
        def __init__(self, k: int) -> None:
            self.image = np.array([[k // 256, k % 256]], np.uint8)  # (kept as uint8)

    kept = [256 * int(a[0, 0]) + int(a[0, 1]) for a in locate._collect(
        (Fake(k) for k in range(n)), 1.0, 1)]  # type: ignore[arg-type]
    if len(kept) > locate.PREVIEW_MAX:
        idx = np.linspace(0, len(kept) - 1, locate.PREVIEW_MAX).round().astype(int)
        kept = [kept[i] for i in idx]
    return kept


@pytest.mark.parametrize("n", [0, 1, 16, 96, 97, 200, 319, 320, 321, 700, 1500])
def test_kept_keyframes_match_decoding_all(n: int) -> None:
    assert locate._kept_keyframes(n) == _old_selection(n)


def test_reader_decodes_only_the_picked_keyframes(tmp_path: Path) -> None:
    info = probe(_gop_clip(tmp_path / "gop.mp4", 60, 3))
    assert keyframe_count(info) == 20
    every = [f.image.copy() for f in FrameReader(info, keyframes_only=True)]
    assert len(every) == 20
    pick = [0, 3, 4, 19]
    got = [f.image.copy() for f in FrameReader(info, threads=False, keyframes=set(pick))]
    assert len(got) == len(pick)
    for g, k in zip(got, pick, strict=True):
        assert np.array_equal(g, every[k])


def test_preview_of_many_keyframes_keeps_the_spread(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(locate, "PREVIEW_MAX", 8)
    monkeypatch.setattr(locate, "MIN_KEYFRAMES", 4)
    info = probe(_gop_clip(tmp_path / "gop.mp4", 60, 2))
    prev = locate.preview(info)
    every = [f.image for f in FrameReader(info, keyframes_only=True)]
    want = np.stack([locate._store(every[k], prev.scale) for k in locate._kept_keyframes(30)])
    assert prev.frames.shape[0] == 8
    assert np.array_equal(prev.frames, want)
