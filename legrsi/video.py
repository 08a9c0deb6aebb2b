"""Video I/O: clip metadata, streaming decoded frames with capture times, writing video.

Decoding uses PyAV (FFmpeg): it gives per-frame timestamps, the rotation (display matrix)
and the luma plane without colour conversion. Nothing here looks at pixels for detection.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from .fileio import atomic_path
from .types import VideoError, VideoInfo

log = logging.getLogger(__name__)
# FFmpeg's log stays off (PyAV's default): routing it through Python with
# av.logging.set_level() can deadlock a threaded decoder on close (PyAV issue #751).

_DECODE_ERRORS = (av.error.FFmpegError, ValueError, MemoryError, OSError)


@dataclass
class Frame:
    """One decoded frame: index (0-based), capture time (s) and upright pixels.

    ``image`` is uint8, shape (height, width) for luma or (height, width, 3) BGR.
    """

    index: int
    time: float
    image: np.ndarray


def _open_container(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise VideoError(f"{path}: no such file")
    if path.is_dir():
        raise VideoError(f"{path}: is a folder, not a video file")
    if path.stat().st_size == 0:
        raise VideoError(f"{path.name}: file is empty (0 bytes)")
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except _DECODE_ERRORS as exc:
        hint = _mp4_damage(path)
        raise VideoError(f"{path.name}: not a readable video ({hint or _reason(exc)})") from exc
    if not container.streams.video:
        container.close()
        raise VideoError(f"{path.name}: contains no video stream")
    return container


def _mp4_damage(path: Path) -> str | None:
    """Why an MP4/MOV file cannot be opened, if its top-level boxes tell (else None)."""
    try:
        with path.open("rb") as fh:
            size = path.stat().st_size
            head = fh.read(12)
            if len(head) < 8 or head[4:8] not in (b"ftyp", b"wide", b"mdat", b"moov", b"free"):
                return None
            pos, boxes = 0, set()
            while pos + 8 <= size and len(boxes) < 64:
                fh.seek(pos)
                hdr = fh.read(16)
                n, kind = int.from_bytes(hdr[:4], "big"), hdr[4:8]
                if n == 1 and len(hdr) == 16:
                    n = int.from_bytes(hdr[8:16], "big")
                elif n == 0:
                    n = size - pos
                boxes.add(kind)
                if n < 8 or pos + n > size:
                    break
                pos += n
    except OSError:
        return None
    if b"moov" not in boxes:
        return ("the file is incomplete: its index ('moov' box) is missing, as when a "
                "recording, copy or upload is cut off; copy the clip again from the phone")
    return "the file is truncated or damaged" if pos < size else None


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc).strip() or type(exc).__name__
    text = str(text).splitlines()[0]
    log_note = getattr(exc, "log", None)
    if log_note and isinstance(log_note, tuple) and len(log_note) == 3 and log_note[2]:
        text += f": {str(log_note[2]).strip()}"
    return text[:160]


def _stream_fps(stream: av.video.stream.VideoStream) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate is not None and float(rate) > 0 and math.isfinite(float(rate)):
            return float(rate)
    return 0.0


def _rotation_of(frame: av.VideoFrame) -> int:
    """Clockwise degrees needed to show ``frame`` upright (0, 90, 180, 270)."""
    rot = getattr(frame, "rotation", 0) or 0  # PyAV: counter-clockwise angle of the matrix
    return int(round(-float(rot) / 90.0)) * 90 % 360


def probe(path: Path | str, capture_fps: float | None = None) -> VideoInfo:
    """Read a clip's metadata (decodes only the first frame).

    ``capture_fps`` (frames per second of real time) overrides the container rate, for
    slow-motion exports whose container says 30 fps although the capture was 120/240 fps.
    """
    path = Path(path)
    if capture_fps is not None and not (capture_fps > 0 and math.isfinite(capture_fps)):
        raise VideoError(f"--fps must be a positive number, got {capture_fps}")
    with _open_container(path) as container:
        stream = container.streams.video[0]
        first = None
        try:
            first = next(iter(container.decode(stream)), None)
        except _DECODE_ERRORS as exc:
            raise VideoError(f"{path.name}: cannot decode video ({_reason(exc)})") from exc
        if first is None:
            raise VideoError(f"{path.name}: video has no decodable frames")
        fps = _stream_fps(stream)
        if fps <= 0:
            raise VideoError(f"{path.name}: video has no usable frame rate")
        rotation = _rotation_of(first)
        w, h = first.width, first.height
        if rotation in (90, 270):
            w, h = h, w
        duration = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        return VideoInfo(
            path=path, width=w, height=h, rotation=rotation, container_fps=fps,
            capture_fps=float(capture_fps) if capture_fps else fps,
            codec=stream.codec_context.name, frame_count_hint=stream.frames or None,
            duration_hint_s=duration, capture_fps_given=capture_fps is not None,
        )


def _upright(img: np.ndarray, rotation: int) -> np.ndarray:
    if rotation == 0:
        return img
    return np.rot90(img, k=-(rotation // 90))  # clockwise by `rotation` degrees (a view)


def _luma(frame: av.VideoFrame) -> np.ndarray:
    """The Y plane as a (height, width) uint8 view, without colour conversion."""
    fmt = frame.format.name
    if fmt.startswith(("yuv", "yuvj", "nv12", "nv21", "gray")) and "10" not in fmt \
            and "12" not in fmt and "16" not in fmt:
        plane = frame.planes[0]
        buf = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
        return buf[: frame.height, : frame.width]
    return frame.to_ndarray(format="gray")


def set_threads(stream: av.video.stream.VideoStream, threads: bool | int) -> None:
    """Decoding threads of ``stream``: True lets FFmpeg pick (frame and slice threads),
    False or 1 decodes on one thread, a number n > 1 uses n threads. (Left alone, PyAV
    decodes with FFmpeg's slice threads on every core.)"""
    if threads is True or (threads is not False and threads > 1):
        stream.thread_type = "AUTO"
        if threads is not True:
            stream.codec_context.thread_count = int(threads)
    else:
        stream.codec_context.thread_count = 1


class FrameReader:
    """Stream frames of a clip in decode order with capture times (seconds).

    Use as an iterator; frames are never all held in memory. ``warnings`` collects
    problems met while decoding (damaged data, timestamps going backwards).
    ``color=False`` yields the luma plane (fast); ``color=True`` yields BGR.
    ``keyframes_only=True`` decodes only key frames (a fast, sparse preview); with
    ``keyframes`` (0-based ordinals among the clip's key frames, see :func:`keyframe_count`)
    only those key frames are decoded.
    ``threads``: True lets FFmpeg pick its decoding threads, False decodes on one thread,
    a number sets the decoding threads (1 = one thread).
    """

    def __init__(self, info: VideoInfo, color: bool = False, keyframes_only: bool = False,
                 threads: bool | int = True, keyframes: Collection[int] | None = None) -> None:
        self.info = info
        self.color = color
        self.keyframes_only = keyframes_only or keyframes is not None
        self.keyframes = keyframes
        self.threads = threads
        self.warnings: list[str] = []
        self.frames_decoded = 0
        self.packets_skipped = 0
        self._skip_reason = ""

    def __iter__(self) -> Iterator[Frame]:
        info = self.info
        # OpenCV's own worker threads can deadlock against FFmpeg's frame threads while a
        # decoded frame is still referenced (seen with opencv-python 5 + PyAV 18); our per-frame
        # OpenCV work is small, so run it on the calling thread.
        cv2.setNumThreads(1)
        container = _open_container(info.path)
        try:
            stream = container.streams.video[0]
            set_threads(stream, self.threads)
            if self.keyframes_only:
                stream.codec_context.skip_frame = "NONKEY"
            yield from self._frames(container, stream)
        finally:
            container.close()

    def _frames(self, container: av.container.InputContainer,
                stream: av.video.stream.VideoStream) -> Iterator[Frame]:
        info = self.info
        tb = float(stream.time_base) if stream.time_base else 0.0
        dt = 1.0 / info.capture_fps
        t0: float | None = None
        last_t = -math.inf
        index = 0
        for frame in self._decoded(container, stream):
            pts = frame.pts if frame.pts is not None else frame.dts
            if pts is None or tb == 0.0:
                t = index * dt
            else:
                raw = pts * tb
                if t0 is None:
                    t0 = raw
                t = (raw - t0) / info.slowmo_factor
            if not t > last_t:
                if last_t > -math.inf and not self.keyframes_only and not any(
                        "timestamps" in w for w in self.warnings):
                    self.warnings.append(
                        f"timestamps go backwards or repeat at frame {index}; "
                        "using the nominal frame interval there")
                t = last_t + dt if last_t > -math.inf else 0.0
            last_t = t
            if self.color:
                img = frame.to_ndarray(format="bgr24")
            else:
                img = _luma(frame)
            yield Frame(index, t, _upright(img, info.rotation))
            index += 1
            self.frames_decoded = index
        if self.packets_skipped:
            self.warnings.append(
                f"skipped {self.packets_skipped} damaged packet(s) that could not be decoded "
                f"({self._skip_reason}); analysed the other {index} frames")

    def _decoded(self, container: av.container.InputContainer,
                 stream: av.video.stream.VideoStream) -> Iterator[av.VideoFrame]:
        """Frames decoded packet by packet: a damaged packet is skipped (and counted in
        ``packets_skipped``) instead of ending the clip; unreadable container data ends it
        with a warning."""
        packets = container.demux(stream)
        pick = self.keyframes
        n_key = 0
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except _DECODE_ERRORS as exc:
                self.warnings.append(
                    f"reading stopped after {self.frames_decoded} frames: damaged or truncated "
                    f"data ({_reason(exc)}); analysed the decodable part")
                with contextlib.suppress(*_DECODE_ERRORS):
                    yield from stream.codec_context.decode(None)  # frames still in the decoder
                return
            if pick is not None and packet.size:  # only the picked key frames are decoded
                if not packet.is_keyframe:
                    continue
                n_key += 1
                if n_key - 1 not in pick:
                    continue
            try:
                frames = packet.decode()
            except _DECODE_ERRORS as exc:
                self.packets_skipped += 1
                self._skip_reason = self._skip_reason or _reason(exc)
                continue
            yield from frames


def keyframe_count(info: VideoInfo) -> int:
    """Key frames in the clip, counted from the container's packet flags (no decoding)."""
    with _open_container(info.path) as container:
        stream = container.streams.video[0]
        n = 0
        with contextlib.suppress(*_DECODE_ERRORS):
            for packet in container.demux(stream):
                n += bool(packet.size and packet.is_keyframe)
        return n


def iter_frames(info: VideoInfo, color: bool = False) -> Iterator[Frame]:
    """Convenience generator over :class:`FrameReader` (luma unless ``color``)."""
    yield from FrameReader(info, color=color)


def even(n: int) -> int:
    """Largest even integer <= n (H.264 yuv420p needs even sizes), at least 2."""
    return max(2, n - n % 2)


class VideoSink:
    """Write BGR frames to an H.264 .mp4 atomically (temp file, renamed on close).

    ``fps`` is the playback rate of the written file; frames must all have the same size,
    which is rounded down to even numbers of pixels.
    """

    def __init__(self, path: Path | str, fps: float, width: int, height: int,
                 crf: int = 23, preset: str = "veryfast") -> None:
        self.path = Path(path)
        self.fps = fps
        self.width, self.height = even(width), even(height)
        self.crf = crf
        self.preset = preset
        self._ctx: contextlib.AbstractContextManager[Path] | None = None
        self._container: av.container.OutputContainer | None = None
        self._stream: av.video.stream.VideoStream | None = None
        self.frames_written = 0

    def __enter__(self) -> VideoSink:
        self._ctx = atomic_path(self.path)
        tmp = self._ctx.__enter__()
        try:
            self._container = av.open(str(tmp), mode="w", format="mp4",
                                      options={"movflags": "+faststart"})
            rate = Fraction(self.fps).limit_denominator(1001)
            stream = self._container.add_stream("libx264", rate=rate)
            stream.width, stream.height = self.width, self.height
            stream.pix_fmt = "yuv420p"
            stream.time_base = Fraction(1, 1) / rate
            stream.codec_context.time_base = Fraction(1, 1) / rate
            stream.codec_context.options = {"crf": str(self.crf), "preset": self.preset}
            self._stream = stream
        except BaseException:
            self._ctx.__exit__(*__import__("sys").exc_info())
            raise
        return self

    def write(self, image: np.ndarray) -> None:
        """Append one BGR frame, shape (height, width, 3) uint8 (cropped to even size)."""
        assert self._container is not None and self._stream is not None
        img = np.ascontiguousarray(image[: self.height, : self.width])
        if img.shape[:2] != (self.height, self.width):
            raise VideoError(f"frame size {img.shape[1]}x{img.shape[0]} does not match "
                             f"{self.width}x{self.height}")
        frame = av.VideoFrame.from_ndarray(img, format="bgr24")
        frame.pts = self.frames_written
        frame.time_base = self._stream.codec_context.time_base
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames_written += 1

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        assert self._ctx is not None and self._container is not None
        own: BaseException | None = None
        try:
            if exc is None and self._stream is not None:
                for packet in self._stream.encode(None):
                    self._container.mux(packet)
            self._container.close()
        except BaseException as err:  # e.g. disk full while finishing: never keep the file
            own = err
            with contextlib.suppress(Exception):
                self._container.close()
            if exc is None:
                exc_type, exc, tb = type(err), err, err.__traceback__
        self._ctx.__exit__(exc_type, exc, tb)  # type: ignore[arg-type]
        if own is not None and exc is own:
            raise own
