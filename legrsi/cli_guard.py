"""The command group's safety net: Ctrl-C / SIGTERM and unexpected errors as one-line messages.

Every command runs inside :class:`GuardedGroup.invoke`: SIGTERM is turned into the same
KeyboardInterrupt as Ctrl-C (so ``finally`` blocks and atomic writes clean up in both cases),
an interrupt prints ``Interrupted`` and exits with 130, and an error that escaped the library
(a system error, a bug) prints one ``Error: ...`` line and exits with 1 instead of a
traceback (``LEGRSI_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

import click

from .types import LegrsiError

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While active (main thread only), the first SIGTERM raises KeyboardInterrupt; later
    ones are ignored so the clean-up it starts is not cut short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired = False

    def handler(signum: int, frame: object) -> None:
        nonlocal fired
        if not fired:
            fired = True
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _os_error_text(exc: OSError) -> str:
    what = exc.strerror or _first_line(exc)
    return f"{what}: {exc.filename}" if exc.filename else what


class GuardedGroup(click.Group):
    """A click group whose commands never end in a traceback (see the module doc)."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; interrupts exit 130, escaped errors print one line and exit 1."""
        with sigterm_as_interrupt():
            try:
                return super().invoke(ctx)
            except (click.exceptions.ClickException, click.exceptions.Exit,
                    click.exceptions.Abort):
                raise
            except KeyboardInterrupt:
                click.echo("Interrupted", err=True)
                ctx.exit(EXIT_INTERRUPTED)
            except LegrsiError as exc:
                raise click.ClickException(str(exc)) from None
            except MemoryError:
                click.echo("Error: out of memory (try a shorter or smaller clip)", err=True)
            except OSError as exc:
                click.echo(f"Error: {_os_error_text(exc)}", err=True)
            except Exception as exc:
                if os.environ.get("LEGRSI_DEBUG"):
                    raise
                click.echo(f"Error: unexpected {type(exc).__name__}: {_first_line(exc)} "
                           "(a bug in legrsi; LEGRSI_DEBUG=1 shows the details)", err=True)
            ctx.exit(1)
