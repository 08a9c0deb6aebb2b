"""Atomic file writing: write to a temporary file beside the target, then rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .types import LegrsiError


def ensure_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed; raise LegrsiError if it cannot be written."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LegrsiError(f"cannot create output folder {path}: {exc.strerror}") from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise LegrsiError(f"output folder {path} is not writable")
    return path


@contextlib.contextmanager
def atomic_path(target: Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    On any exception (including KeyboardInterrupt) the temporary file is removed and the
    previous ``target`` is left untouched; an OSError (disk full, ...) becomes LegrsiError.
    """
    target = Path(target)
    ensure_dir(target.parent)
    sfx = suffix if suffix is not None else target.suffix
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{sfx}",
                                   dir=target.parent)
    except OSError as exc:
        raise LegrsiError(f"cannot write in {target.parent}: {exc.strerror}") from exc
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file normal permissions
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        if isinstance(exc, OSError):
            why = exc.strerror or str(exc) or type(exc).__name__
            raise LegrsiError(f"cannot write {target}: {why}") from exc
        raise


def atomic_write_text(target: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    with atomic_path(target) as tmp:
        try:
            tmp.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise LegrsiError(f"cannot write {target}: {exc.strerror}") from exc


def atomic_write_bytes(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_path(target) as tmp:
        try:
            tmp.write_bytes(data)
        except OSError as exc:
            raise LegrsiError(f"cannot write {target}: {exc.strerror}") from exc
