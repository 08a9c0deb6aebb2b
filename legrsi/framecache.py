"""Random access to the frames of a clip, for stepping back and forth in the review window.

Decoding H.264/HEVC is sequential from a key frame, so going back one frame must not
re-decode from the start. :class:`FrameCache` indexes the packets once (no decoding), keeps
the decoded frames nearest to the cursor within a memory budget, continues decoding
forward when the wanted frame is ahead, and otherwise seeks to the key frame at or before it
(PyAV ``container.seek``) and decodes forward from there, keeping the frames it passes.
Frame indices and pixels are the same as :class:`legrsi.video.FrameReader` (colour, upright).
"""

from __future__ import annotations

import bisect
import contextlib
import logging
from collections.abc import Iterator

import av
import numpy as np

from .types import VideoError, VideoInfo
from .video import _DECODE_ERRORS, _open_container, _reason, _upright, set_threads

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _ffmpeg_log_off() -> Iterator[None]:
    """Detach PyAV's Python log callback while closing or seeking a threaded decoder.

    A decoder thread that logs (even with set_level(PANIC), errors still reach Python) waits
    for the GIL, which the main thread holds while it waits for that thread in
    avcodec_free_context / flush: a deadlock (PyAV issue #751). ``None`` installs PyAV's
    C no-op callback.
    """
    level = av.logging.get_level()
    if level is None:
        yield
        return
    av.logging.set_level(None)
    try:
        yield
    finally:
        av.logging.set_level(level)


class _Decoder:
    """One open container decoding forward; ``next`` is the index it gives next."""

    def __init__(self, owner: FrameCache) -> None:
        self.owner = owner
        self.container: av.container.InputContainer | None = None
        self.frames: Iterator[av.VideoFrame] | None = None
        self.next = 0
        self.counter = 0

    def close(self) -> None:
        self.frames = None
        if self.container is not None:
            with _ffmpeg_log_off():
                self.container.close()
        self.container = None

    def seek(self, key: int) -> None:
        """Position on the key frame with index ``key`` (reopening the file for index 0)."""
        o = self.owner
        if self.container is None or key == 0 or not o.seekable:
            self.close()
            self.container = _open_container(o.info.path)
            set_threads(self.container.streams.video[0], o.threads)
        stream = self.container.streams.video[0]
        if key != 0 and o.seekable:
            with _ffmpeg_log_off():
                self.container.seek(o._pts[key], stream=stream, backward=True)
        o.seeks += 1
        self.frames = self.container.decode(stream)
        self.next = self.counter = key if o.seekable else 0

    def step(self) -> tuple[int, av.VideoFrame] | None:
        """Decode the next frame: (index, frame), or None at the end / on damage."""
        o = self.owner
        while self.frames is not None:
            try:
                frame = next(self.frames)
            except StopIteration:
                self.frames = None
                return None
            except _DECODE_ERRORS as exc:
                log.info("decoding stopped: %s", _reason(exc))
                self.frames = None
                return None
            o.decoded += 1
            i = o._pts_index.get(frame.pts) if o.seekable else self.counter  # type: ignore[arg-type]
            if i is None:
                continue
            self.counter = i + 1
            if i < self.next:        # leading frames of an open GOP before the key frame
                continue
            self.next = i + 1
            return i, frame
        return None


class FrameCache:
    """Frames of ``info``'s clip by index: ``cache[i]`` -> BGR uint8 (h, w, 3), upright.

    ``size``: (width, height) in pixels of the upright frames to keep (scaled while
    converting; None = original size); ``budget_mb``: memory for cached frames (megabytes);
    ``threads``: let FFmpeg decode with several threads. :meth:`prefetch`, called while the
    user is idle, fills the frames around the cursor with a second decoder.
    """

    def __init__(self, info: VideoInfo, size: tuple[int, int] | None = None,
                 budget_mb: float = 384.0, threads: bool = True) -> None:
        self.info = info
        self.size = size
        self.threads = threads
        self.seeks = 0            # statistics (for tests and tuning)
        self.decoded = 0
        self._pts, self._key_index, self.seekable = self._index()
        self._pts_index = {p: i for i, p in enumerate(self._pts)}
        w, h = size if size is not None else (info.width, info.height)
        self.capacity = max(8, int(budget_mb * 1e6 // (w * h * 3)))
        self._frames: dict[int, np.ndarray] = {}
        self._cursor = 0
        self._main = _Decoder(self)
        self._fill = _Decoder(self)
        self._filling = False

    def __len__(self) -> int:
        return len(self._pts)

    def close(self) -> None:
        """Release the decoders and the cached frames."""
        self._main.close()
        self._fill.close()
        self._frames.clear()

    def __enter__(self) -> FrameCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ index
    def _index(self) -> tuple[list[int], list[int], bool]:
        """Presentation timestamps of all frames in order, indices of key frames, and
        whether seeking by timestamp is safe."""
        with _open_container(self.info.path) as container:
            stream = container.streams.video[0]
            pts: list[int | None] = []
            keys: set[int | None] = set()
            try:
                for pkt in container.demux(stream):
                    if pkt.size == 0:
                        continue
                    pts.append(pkt.pts)
                    if pkt.is_keyframe:
                        keys.add(pkt.pts)
            except _DECODE_ERRORS as exc:
                log.info("index stopped after %d packets: %s", len(pts), _reason(exc))
        if not pts:
            raise VideoError(f"{self.info.path.name}: video has no frames")
        if None in pts or len(set(pts)) != len(pts):
            return list(range(len(pts))), [0], False
        order = sorted(p for p in pts if p is not None)
        key_index = [i for i, p in enumerate(order) if p in keys]
        if not key_index or key_index[0] != 0:
            key_index.insert(0, 0)
        return order, key_index, True

    # ------------------------------------------------------------------ access
    def __getitem__(self, index: int) -> np.ndarray:
        """The frame ``index`` (0-based) as BGR uint8 (h, w, 3); VideoError if undecodable."""
        n = len(self._pts)
        if not 0 <= index < n:
            raise IndexError(f"frame {index} outside 0..{n - 1}")
        backwards = index < self._cursor
        if abs(index - self._cursor) > self.capacity:
            self._filling = False
        self._cursor = index
        img = self._frames.get(index)
        if img is not None:
            return img
        # stepping back: keep most of the frames decoded on the way; a jump: only a few
        # (converting costs as much as decoding; prefetch() fills the rest while idle)
        keep_from = index - ((self.capacity * 3) // 4 if backwards else 12)
        img = self._decode_to(self._main, index, keep_from)
        if img is None and self.seekable:        # a seek landed badly: decode from the start
            self.seekable = False
            self._main.close()
            self._fill.close()
            self._filling = False
            img = self._decode_to(self._main, index, keep_from)
        if img is None:
            raise VideoError(f"{self.info.path.name}: frame {index} cannot be decoded")
        return img

    def cached(self) -> list[int]:
        """Indices currently held in memory (sorted)."""
        return sorted(self._frames)

    def prefetch(self, max_frames: int = 6) -> bool:
        """Decode up to ``max_frames`` frames to fill the frames near the cursor (those
        ahead first, then the ones behind it, with a second decoder); return False when
        there is nothing worth doing. Call it while the user is idle."""
        n, cur = len(self._pts), self._cursor
        ahead = min(n, cur + self.capacity // 4 + 1)
        behind = max(0, cur - (self.capacity * 2) // 3)
        main, fill = self._main, self._fill
        todo = next((i for i in range(cur, ahead) if i not in self._frames), None)
        if todo is not None and main.frames is not None and \
                self._key_before(todo) <= main.next <= todo:
            self._decode_some(main, max_frames, behind, ahead)
            return True
        if not self._filling:
            back = next((i for i in range(cur - 1, behind - 1, -1) if i not in self._frames),
                        None)
            if back is None or cur - 1 - back >= self.capacity // 3:
                return False
            if fill.frames is None or not (self._key_before(behind) <= fill.next <= behind):
                fill.seek(self._key_before(behind))
            self._filling = True
        self._decode_some(fill, max_frames, behind, cur)
        if fill.frames is None or fill.next >= cur or (
                fill.next >= behind and fill.next in self._frames):
            self._filling = False
        return True

    def _decode_some(self, dec: _Decoder, count: int, keep_from: int, stop: int) -> None:
        """Decode up to ``count`` frames with ``dec``, keeping those in [keep_from, stop)."""
        for _ in range(count):
            if dec.next >= stop:
                return
            got = dec.step()
            if got is None:
                return
            i, frame = got
            if keep_from <= i < stop and i not in self._frames:
                self._store(i, self._convert(frame))

    def _key_before(self, index: int) -> int:
        if not self.seekable:
            return 0
        return self._key_index[bisect.bisect_right(self._key_index, index) - 1]

    def _decode_to(self, dec: _Decoder, index: int, keep_from: int) -> np.ndarray | None:
        """Decode with ``dec`` up to frame ``index`` (seeking if needed), keeping frames from
        ``keep_from`` on; None if the frame cannot be reached."""
        key = self._key_before(index)
        if dec.frames is None or not (key <= dec.next <= index):
            dec.seek(key)
        while True:
            got = dec.step()
            if got is None:
                return None
            i, frame = got
            if i > index:            # the seek landed past the wanted frame
                return None
            if i >= keep_from and i not in self._frames:
                self._store(i, self._convert(frame))
            if i == index:
                return self._frames.get(i)

    def _convert(self, frame: av.VideoFrame) -> np.ndarray:
        rot = self.info.rotation
        if self.size is None:
            img = frame.to_ndarray(format="bgr24")
        else:
            w, h = self.size
            if rot in (90, 270):
                w, h = h, w
            img = frame.to_ndarray(width=w, height=h, format="bgr24")
        return np.ascontiguousarray(_upright(img, rot))

    def _store(self, index: int, img: np.ndarray) -> None:
        self._frames[index] = img
        while len(self._frames) > self.capacity:
            far = max(self._frames, key=lambda k: abs(k - self._cursor))
            if far == index:
                break
            del self._frames[far]
