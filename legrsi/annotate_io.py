"""Fast streaming helpers for the annotated video: a read-ahead thread and a quicker sink.

The annotated video costs decode + scale + overlay + colour conversion + H.264 encoding per
frame. FFmpeg, OpenCV and x264 release the GIL, so decoding the next frames in a background
thread overlaps with drawing and encoding the current one, and converting BGR -> YUV 4:2:0
with OpenCV is ~4x faster than letting the encoder's swscale do it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

import av
import cv2
import numpy as np

from .video import VideoSink

T = TypeVar("T")
_END = object()

# FFmpeg enum values: BT.601 (SMPTE 170M) matrix / primaries / transfer, limited ("MPEG") range
_BT601, _MPEG_RANGE = 6, 1


def prefetch(make: Callable[[], Iterable[T]], depth: int = 6) -> Iterator[T]:
    """Iterate ``make()`` in a background thread, at most ``depth`` items ahead.

    Exceptions of the producer are re-raised here; leaving the loop early (break, error)
    stops the producer and closes its iterator in its own thread.
    """
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            it = iter(make())
            try:
                for item in it:
                    if not put(item):
                        break
            finally:
                close = getattr(it, "close", None)
                if close is not None:
                    close()
        except BaseException as exc:  # handed to the consumer, re-raised there
            put(exc)
            return
        put(_END)

    worker = threading.Thread(target=run, name="legrsi-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


class FastSink(VideoSink):
    """:class:`VideoSink` that converts BGR -> YUV 4:2:0 with OpenCV (BT.601, limited range,
    the same numbers as FFmpeg's default) and tags the stream so players decode it with the
    same matrix (untagged HD video is shown with BT.709, which shifts colours slightly).

    Uses VideoSink's stream and container attributes (same package)."""

    def __enter__(self) -> FastSink:
        super().__enter__()
        assert self._stream is not None
        cc = self._stream.codec_context
        cc.colorspace = cc.color_primaries = cc.color_trc = _BT601
        cc.color_range = _MPEG_RANGE
        # x264 frame threads (PyAV's default slice threads are slower) and a cheaper motion
        # search: ~35% faster at veryfast for ~8% larger files of these slow-motion clips
        cc.thread_type = "FRAME"
        cc.options = {"crf": str(self.crf), "preset": self.preset,
                      "x264-params": "me=dia:subme=1"}
        return self

    def write(self, image: np.ndarray) -> None:
        """Append one BGR frame, shape (height, width, 3) uint8 (cropped to even size)."""
        assert self._container is not None and self._stream is not None
        img = image[: self.height, : self.width]
        if img.shape[:2] != (self.height, self.width):
            super().write(image)  # raises the size error
            return
        yuv = cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_BGR2YUV_I420)
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        frame.pts = self.frames_written
        frame.time_base = self._stream.codec_context.time_base
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames_written += 1
