"""The review window's logic as a plain state machine: no drawing, no cv2 key codes.

Keys arrive as names (``"d"``, ``"Right"``, ``"space"`` ...) through :meth:`ReviewState.press`,
which returns a command for the host (``"save"``, ``"quit"``, ``"save_quit"``) or None. The
edits are kept as net :class:`~legrsi.corrections.Correction` entries against the automatic
events, and the events shown are always ``apply_corrections(auto, corrections)`` -- exactly
what ``legrsi analyze`` will compute from the saved file.

Editing rules (docs/corrections.md): ``g``/``t`` move the event that starts the phase under
the cursor, or the one that ends it when it is within :attr:`ReviewState.move_window` frames;
farther away the mark waits (``pending``) for the other key, which inserts a missed contact
(``g`` then ``t``) or flight (``t`` then ``g``); ``x`` deletes the contact or flight under the
cursor (both its events), so touchdowns and take-offs always alternate.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .corrections import (
    KIND_WORD,
    Correction,
    apply_corrections,
    initial_contact_of,
    manual_event,
    now_iso,
)
from .metrics import check_events
from .types import TAKEOFF, TOUCHDOWN, Event, EventKind, LegrsiError

KEYS: dict[str, str] = {
    "Right": "next", "d": "next", "Left": "prev", "a": "prev",
    "Up": "fwd10", "D": "fwd10", "Down": "back10", "A": "back10",
    "Home": "first", "End": "last",
    "n": "next_event", "p": "prev_event", "c": "least_confident",
    "g": "touchdown", "t": "takeoff", "x": "delete", "u": "undo",
    "space": "play", " ": "play", "s": "save", "q": "quit", "Escape": "escape", "h": "help",
}

_STEPS = {"next": 1, "prev": -1, "fwd10": 10, "back10": -10}

HELP: list[tuple[str, str]] = [
    ("right / d", "next frame"),
    ("left / a", "previous frame"),
    ("up / D", "10 frames forward"),
    ("down / A", "10 frames back"),
    ("home / end", "first / last frame"),
    ("n / p", "next / previous event"),
    ("c", "next least-confident event"),
    ("g", "touchdown here (first frame on the ground)"),
    ("t", "take-off here (first frame in the air)"),
    ("x", "delete the contact or flight under the cursor"),
    ("u", "undo the last edit"),
    ("space", "play / pause"),
    ("s", "save corrections"),
    ("q / Esc", "quit (asks if edits are unsaved)"),
    ("h", "show / hide this help"),
]


@dataclass(frozen=True)
class Pending:
    """A first mark of a missed contact/flight, waiting for the other key.

    ``boundary``: the event ending the phase, which the same key pressed again would move.
    """

    kind: EventKind
    frame: int
    boundary: Event


def _key(e: Event) -> tuple[str, int]:
    return (e.kind, e.frame)


class ReviewState:
    """Cursor, events, corrections and undo history of one clip under review.

    ``times``: capture time (s) of every frame, shape (n,); ``auto``: automatic events;
    ``initial_contact``: whether the automatic result starts on the ground; ``corrections``
    and ``history``: loaded from a corrections file; ``clock``: ISO-time source (for tests).
    """

    def __init__(self, times: np.ndarray, auto: Sequence[Event], initial_contact: bool,
                 corrections: Iterable[Correction] = (), history: Iterable[dict[str, str]] = (),
                 clock: Callable[[], str] = now_iso) -> None:
        self.times = np.asarray(times, float)
        if len(self.times) < 2:
            raise LegrsiError("the clip has too few frames to review")
        self.auto = list(auto)
        self.auto_initial = initial_contact
        self.clock = clock
        dt = float(np.median(np.diff(self.times)))
        self.move_window = max(3, round(0.05 / dt)) if dt > 0 else 3
        self.frame = 0
        self.playing = False
        self.show_help = False
        self.confirm_quit = False
        self.pending: Pending | None = None
        self.message = "h: help"
        self.load_problem: str | None = None
        self.corrections = list(corrections)
        self.history = list(history)
        try:
            res = apply_corrections(self.auto, self.corrections, self.times)
            self.events = res.events
            if res.warnings:
                self.message = f"{len(res.warnings)} stored corrections moved: {res.warnings[0]}"
        except LegrsiError as exc:
            self.load_problem = str(exc)
            self.message = f"stored corrections ignored: {exc}"
            self.corrections, self.events = [], list(self.auto)
        self._saved = list(self.corrections)
        self._undo: list[tuple[list[Correction], list[dict[str, str]], int, str]] = []

    # ------------------------------------------------------------------ queries
    @property
    def n_frames(self) -> int:
        """Number of frames of the clip."""
        return len(self.times)

    @property
    def dirty(self) -> bool:
        """Whether there are edits not yet saved."""
        return self.corrections != self._saved

    @property
    def initial_contact(self) -> bool:
        """Whether the (corrected) clip starts on the ground."""
        return initial_contact_of(self.events, self.auto_initial)

    def event_at(self, frame: int) -> Event | None:
        """The event on ``frame``, if any."""
        return next((e for e in self.events if e.frame == frame), None)

    def phase_at(self, frame: int) -> tuple[str, Event | None, Event | None]:
        """("contact" | "flight", event starting it or None, event ending it or None)."""
        frames = [e.frame for e in self.events]
        i = bisect.bisect_right(frames, frame)
        start = self.events[i - 1] if i > 0 else None
        end = self.events[i] if i < len(self.events) else None
        if start is not None:
            kind = "contact" if start.kind == TOUCHDOWN else "flight"
        else:
            kind = "contact" if self.initial_contact else "flight"
        return kind, start, end

    def replaced_auto(self) -> list[Event]:
        """Automatic events that corrections moved away or deleted (for display)."""
        return [c.auto for c in self.corrections if c.auto is not None]

    # ------------------------------------------------------------------ keys
    def press(self, key: str) -> str | None:
        """Handle one key name; return "save", "quit", "save_quit" or None."""
        if self.confirm_quit:
            self.confirm_quit = False
            if key == "s":
                return "save_quit"
            if key in ("q", "Escape"):
                return "quit"
            self.message = "quit cancelled"
            return None
        action = KEYS.get(key)
        if action is None:
            return None
        if action != "play":
            self.playing = False
        if action in _STEPS:
            self.goto(self.frame + _STEPS[action])
            return None
        simple: dict[str, Callable[[], object]] = {
            "first": lambda: self.goto(0), "last": lambda: self.goto(self.n_frames - 1),
            "touchdown": lambda: self.mark(TOUCHDOWN), "takeoff": lambda: self.mark(TAKEOFF),
            "delete": self.delete, "undo": self.undo}
        if action in simple:
            simple[action]()
            return None
        handler = getattr(self, f"_do_{action}")
        return handler()  # type: ignore[no-any-return]

    def press_all(self, keys: Iterable[str]) -> list[str]:
        """Press several keys; return the host commands they produced (for tests)."""
        return [c for k in keys if (c := self.press(k)) is not None]

    def _do_next_event(self) -> None:
        ev = next((e for e in self.events if e.frame > self.frame), None)
        self._jump(ev, "no later event")

    def _do_prev_event(self) -> None:
        ev = next((e for e in reversed(self.events) if e.frame < self.frame), None)
        self._jump(ev, "no earlier event")

    def _do_least_confident(self) -> None:
        ranking = sorted((e for e in self.events if e.source == "auto"),
                         key=lambda e: (e.conf, e.frame))
        if not ranking:
            self.message = "no automatic events left to check"
            return
        frames = [e.frame for e in ranking]
        i = frames.index(self.frame) + 1 if self.frame in frames else 0
        ev = ranking[i % len(ranking)]
        self._jump(ev, "")
        self.message = (f"least confident {i % len(ranking) + 1}/{len(ranking)}: "
                        f"{KIND_WORD[ev.kind]} conf {ev.conf:.2f}")

    def _do_play(self) -> None:
        self.playing = not self.playing
        if self.playing and self.frame >= self.n_frames - 1:
            self.frame = 0

    def _do_save(self) -> str:
        return "save"

    def _do_help(self) -> None:
        self.show_help = not self.show_help

    def _do_escape(self) -> str | None:
        if self.show_help:
            self.show_help = False
            return None
        if self.pending is not None:
            self.pending = None
            self.message = "mark cancelled"
            return None
        return self._do_quit()

    def _do_quit(self) -> str | None:
        if not self.dirty:
            return "quit"
        self.confirm_quit = True
        self.message = ("unsaved edits!  s: save and quit   q: quit without saving   "
                        "other key: go back")
        return None

    # ------------------------------------------------------------------ navigation
    def goto(self, frame: int) -> None:
        """Put the cursor on ``frame`` (clamped to the clip)."""
        self.frame = int(min(max(frame, 0), self.n_frames - 1))

    def tick(self) -> None:
        """Advance one frame while playing; stop at the end."""
        if self.playing:
            if self.frame >= self.n_frames - 1:
                self.playing = False
            else:
                self.frame += 1

    def _jump(self, ev: Event | None, none_msg: str) -> None:
        if ev is None:
            self.message = none_msg
            return
        self.frame = ev.frame
        self.message = f"{KIND_WORD[ev.kind]} ({ev.source})"

    # ------------------------------------------------------------------ edits
    def mark(self, kind: EventKind) -> bool:
        """Mark a touchdown/take-off at the cursor (see the module rules); True if edited."""
        f, word = self.frame, KIND_WORD[kind]
        if self.pending is not None:
            return self._mark_pending(kind, f)
        if f == 0:
            self.message = f"refused: a {word} needs a frame before it"
            return False
        at = self.event_at(f)
        if at is not None:
            self.message = (f"frame {f} already is the {word}" if at.kind == kind else
                            f"refused: frame {f} is a {KIND_WORD[at.kind]}; move that first")
            return False
        phase, start, end = self.phase_at(f)
        if (kind == TOUCHDOWN) == (phase == "contact"):
            if start is None:
                starts = "in the air" if kind == TOUCHDOWN else "on the ground"
                return self._add([(kind, f)], f"{word} added at {f} (clip starts {starts})")
            return self._move(start, f)
        if end is None:
            return self._add([(kind, f)], f"{word} added at {f}")
        if end.frame - f <= self.move_window:
            return self._move(end, f)
        self.pending = Pending(kind, f, end)
        other = "t" if kind == TOUCHDOWN else "g"
        new = "contact" if kind == TOUCHDOWN else "flight"
        self.message = (f"new {new} from {f}: go to its end and press {other}  "
                        f"({'g' if kind == TOUCHDOWN else 't'} here again moves the "
                        f"{KIND_WORD[end.kind]} at {end.frame}; Esc cancels)")
        return False

    def _mark_pending(self, kind: EventKind, f: int) -> bool:
        p = self.pending
        assert p is not None
        if kind == p.kind:
            self.pending = None
            if f == p.frame:
                return self._move(p.boundary, f)
            return self.mark(kind)
        if f <= p.frame:
            self.message = (f"refused: the {KIND_WORD[kind]} must come after the "
                            f"{KIND_WORD[p.kind]} marked at {p.frame}")
            return False
        blocking = [e for e in self.events if p.frame <= e.frame <= f]
        if blocking:
            self.message = (f"refused: must be before the {KIND_WORD[blocking[0].kind]} at "
                            f"{blocking[0].frame}")
            return False
        self.pending = None
        new = "contact" if p.kind == TOUCHDOWN else "flight"
        return self._add([(p.kind, p.frame), (kind, f)], f"{new} {p.frame}-{f} added")

    def delete(self) -> bool:
        """Delete the contact or flight under the cursor; True if edited."""
        if self.pending is not None:
            self.pending = None
            self.message = "mark cancelled"
            return False
        phase, start, end = self.phase_at(self.frame)
        if start is None:
            first = self.events[0].frame if self.events else None
            self.message = ("nothing to delete" if first is None else
                            f"refused: before the first event ({first}) there is nothing "
                            "to delete")
            return False
        victims = [start] + ([end] if end is not None else [])
        corrs = list(self.corrections)
        for v in victims:
            corrs = self._without(corrs, v)
        gone = {_key(v) for v in victims}
        candidate = [e for e in self.events if _key(e) not in gone]
        text = (f"{phase} {start.frame}-{end.frame} deleted" if end is not None else
                f"{KIND_WORD[start.kind]} at {start.frame} deleted")
        return self._commit(corrs, candidate, text)

    def undo(self) -> bool:
        """Undo the last edit; True if there was one."""
        if self.pending is not None:
            self.pending = None
            self.message = "mark cancelled"
            return False
        if not self._undo:
            self.message = "nothing to undo"
            return False
        self.corrections, self.history, frame, text = self._undo.pop()
        self.events = apply_corrections(self.auto, self.corrections, self.times).events
        self.frame = frame
        self.message = f"undone: {text}"
        return True

    def saved(self) -> None:
        """Tell the state that its corrections were written."""
        self._saved = list(self.corrections)
        self.load_problem = None

    # ------------------------------------------------------------------ helpers
    def _entry(self, ev: Event) -> Correction | None:
        for c in self.corrections:
            if c.frame == ev.frame and c.kind == ev.kind and c.action != "delete":
                return c
        return None

    def placed(self, ev: Event) -> bool:
        """Whether ``ev`` was placed by hand (moved or added), not only confirmed."""
        return self._entry(ev) is not None

    def _auto_of(self, ev: Event) -> Event:
        same = [a for a in self.auto if a.kind == ev.kind and a.frame == ev.frame]
        return same[0] if same else replace(ev, source="auto")

    def _without(self, corrs: list[Correction], ev: Event) -> list[Correction]:
        entry = self._entry(ev)
        if entry is None:
            return corrs + [Correction("delete", ev.kind, None, self._auto_of(ev), self.clock())]
        rest = [c for c in corrs if c is not entry]
        if entry.action == "move":
            return rest + [Correction("delete", ev.kind, None, entry.auto, self.clock())]
        return rest

    def _move(self, ev: Event, f: int) -> bool:
        new = manual_event(ev.kind, f, self.times)
        entry = self._entry(ev)
        if entry is None:
            corrs = self.corrections + [Correction("move", ev.kind, f, self._auto_of(ev),
                                                   self.clock())]
        else:
            corrs = [c for c in self.corrections if c is not entry]
            back = None
            if entry.action == "move" and entry.auto is not None and entry.auto.frame == f:
                back = next((a for a in self.auto if a.kind == ev.kind and a.frame == f), None)
            if back is not None:
                new = back
            else:
                corrs.append(Correction(entry.action, ev.kind, f, entry.auto, self.clock()))
        candidate = sorted([e for e in self.events if e is not ev] + [new], key=lambda e: e.frame)
        return self._commit(corrs, candidate, f"{KIND_WORD[ev.kind]} moved {ev.frame} -> {f}")

    def _add(self, marks: list[tuple[EventKind, int]], text: str) -> bool:
        corrs = self.corrections + [Correction("add", k, f, None, self.clock())
                                    for k, f in marks]
        candidate = sorted(self.events + [manual_event(k, f, self.times) for k, f in marks],
                           key=lambda e: e.frame)
        return self._commit(corrs, candidate, text)

    def _commit(self, corrs: list[Correction], candidate: list[Event], text: str) -> bool:
        try:
            check_events(candidate)
            res = apply_corrections(self.auto, corrs, self.times)
        except LegrsiError as exc:
            self.message = f"refused: {exc}"
            return False
        if [_key(e) for e in res.events] != [_key(e) for e in candidate]:
            why = res.warnings[-1] if res.warnings else "too close to another event of its kind"
            self.message = f"refused: {why}"
            return False
        self._undo.append((self.corrections, self.history, self.frame, text))
        self.corrections = corrs
        self.events = res.events
        self.history = self.history + [{"at": self.clock(), "edit": text}]
        self.message = text
        return True
