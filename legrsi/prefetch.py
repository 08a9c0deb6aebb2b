"""Run an iterator on a background thread a few items ahead of its consumer.

Used to overlap video decoding (PyAV releases the GIL while FFmpeg decodes) with the
per-frame measuring on the calling thread. Memory stays bounded: at most ``depth`` items
wait in the queue.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
_END = object()


class _Raised:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class Prefetch(Generic[T]):
    """Iterate ``source`` on a worker thread, ``depth`` items ahead.

    Items, then the end or the worker's exception (re-raised here), arrive in order. When the
    consumer stops early (break, exception, Ctrl-C) the worker is told to stop, the source is
    closed on the worker thread and the thread is joined. Iterate once only.
    """

    def __init__(self, source: Iterable[T], depth: int = 6) -> None:
        self._source = source
        self._queue: queue.Queue[object] = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._iterated = False

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _work(self) -> None:
        it = iter(self._source)
        try:
            for item in it:
                if not self._put(item):
                    break
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            self._put(_Raised(exc))
            return
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()
        self._put(_END)

    def start(self) -> None:
        """Start the worker now (else the iteration starts it): it fills the queue while
        the consumer does other work. Pair with iterating or :meth:`close`."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="legrsi-prefetch",
                                            daemon=True)
            self._thread.start()

    def __iter__(self) -> Iterator[T]:
        if self._iterated:
            raise RuntimeError("Prefetch can be iterated only once")
        self._iterated = True
        self.start()
        try:
            while True:
                item = self._queue.get()
                if item is _END:
                    return
                if isinstance(item, _Raised):
                    raise item.exc
                yield item  # type: ignore[misc]
        finally:
            self.close()

    @property
    def backlog(self) -> int:
        """Items decoded and waiting for the consumer (0 to ``depth``; approximate)."""
        return self._queue.qsize()

    def close(self) -> None:
        """Stop the worker (if running) and wait for it to close the source."""
        self._stop.set()
        thread = self._thread
        if thread is None or thread is threading.current_thread():
            return
        while thread.is_alive():
            try:  # unblock a worker waiting to put
                while True:
                    self._queue.get_nowait()
            except queue.Empty:
                pass
            thread.join(timeout=0.05)
