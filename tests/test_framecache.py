"""Random access through FrameCache gives the same pixels as sequential decoding."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from legrsi.framecache import FrameCache
from legrsi.video import FrameReader, probe

N = 150


def write_clip(path: Path, gop: int, bframes: int, n: int = N) -> Path:
    """A 160x96 H.264 clip at 240 fps whose frames all differ (noise + a moving bar)."""
    rng = np.random.default_rng(7)
    with av.open(str(path), "w", format="mp4") as out:
        st = out.add_stream("libx264", rate=Fraction(240))
        st.width, st.height, st.pix_fmt = 160, 96, "yuv420p"
        st.codec_context.options = {"g": str(gop), "bf": str(bframes), "crf": "18",
                                    "preset": "veryfast", "sc_threshold": "0"}
        for i in range(n):
            img = rng.integers(0, 256, (96, 160, 3), dtype=np.uint8)
            img[:, (i % 160): (i % 160) + 4] = 255
            frame = av.VideoFrame.from_ndarray(img, format="bgr24")
            frame.pts = i
            for pkt in st.encode(frame):
                out.mux(pkt)
        for pkt in st.encode(None):
            out.mux(pkt)
    return path


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_clip(tmp_path_factory.mktemp("fc") / "gop.mp4", gop=12, bframes=2)


@pytest.fixture(scope="module")
def sequential(clip: Path) -> list[np.ndarray]:
    return [f.image.copy() for f in FrameReader(probe(clip), color=True)]


def test_random_access_matches_sequential_decoding(clip: Path,
                                                   sequential: list[np.ndarray]) -> None:
    assert len(sequential) == N
    order = list(np.random.default_rng(3).permutation(N)) + [100, 99, 98, 0, N - 1, 37, 36]
    with FrameCache(probe(clip), budget_mb=0.5) as cache:   # tiny cache: forces re-seeking
        assert len(cache) == N and cache.seekable
        for i in order:
            assert np.array_equal(cache[int(i)], sequential[int(i)]), f"frame {i}"
        assert cache.seeks > 10


def test_stepping_back_does_not_decode_from_start(clip: Path,
                                                  sequential: list[np.ndarray]) -> None:
    with FrameCache(probe(clip)) as cache:
        cache[140]
        before = cache.decoded
        assert before < 40                       # seeked to the key frame at 132, not 0
        for i in range(139, 100, -1):
            assert np.array_equal(cache[i], sequential[i])
        assert cache.decoded - before < 40       # one GOP back at a time
        for i in range(101, 120):                # forward again: already in memory
            cache[i]
        assert cache.decoded - before < 40


def test_idle_prefetch_fills_frames_behind_the_cursor(clip: Path,
                                                     sequential: list[np.ndarray]) -> None:
    with FrameCache(probe(clip), budget_mb=3.0) as cache:     # ~65 frames of 160x96
        cache[140]
        steps = 0
        while cache.prefetch(max_frames=4):
            steps += 1
            assert steps < 200
        behind = 140 - (cache.capacity * 2) // 3
        assert set(range(behind, 141)) <= set(cache.cached())
        before = cache.decoded
        for i in range(139, behind - 1, -1):
            assert np.array_equal(cache[i], sequential[i])
        assert cache.decoded == before


def test_scaled_frames_match_between_access_orders(clip: Path) -> None:
    info = probe(clip)
    with FrameCache(info, size=(80, 48)) as seq:
        ref = [seq[i].copy() for i in range(N)]
    assert ref[0].shape == (48, 80, 3)
    with FrameCache(info, size=(80, 48), budget_mb=0.05) as rnd:
        for i in [140, 3, 77, 76, 75, 149, 12, 11]:
            assert np.array_equal(rnd[i], ref[i])


def test_clip_with_one_key_frame_and_no_bframes(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "long_gop.mp4", gop=1000, bframes=0, n=40)
    seq = [f.image.copy() for f in FrameReader(probe(path), color=True)]
    with FrameCache(probe(path), budget_mb=0.1) as cache:
        for i in [39, 5, 4, 30, 0, 38]:
            assert np.array_equal(cache[i], seq[i])
        with pytest.raises(IndexError):
            cache[40]


def test_rotated_phone_clip_is_upright(tmp_path: Path) -> None:
    from conftest import make_hop_clip
    clip = make_hop_clip(tmp_path / "portrait.mp4", width=160, height=96, n_hops=1,
                         rotate=True)
    info = probe(clip.path)
    assert info.rotation in (90, 270)
    seq = [f.image.copy() for f in FrameReader(info, color=True)]
    with FrameCache(info) as cache:
        for i in [len(seq) - 1, 3, 2, 50]:
            assert np.array_equal(cache[i], seq[i])
    with FrameCache(info, size=(80, 48)) as small:
        assert small[10].shape == (48, 80, 3)
