"""Reading the inputs of ``legrsi compare``: analyze result CSVs and the battery file.

Readers never stop at the first bad line: they return what they could read plus one warning
per problem, naming the file, line and field. A file that cannot be used at all (not an
analyze result, unreadable) becomes one warning as well; only a battery file with a TOML
syntax error or a missing CSV column raises LegrsiError.

Analyze results (see docs/HELPERS.md) hold one row per take-off. Within one set of one clip:

- if any take-off follows a ground contact of at most ``REACTIVE_MAX_CONTACT_S`` (1 s), the
  set is a set of repeated hops: each such take-off is a rep of the single-leg RSI test
  (contact, flight, RSI, RSI from jump height, jump height); take-offs from standing or after
  a pause are not reps and are left out;
- otherwise the set is a series of single-leg vertical jumps from standing: each take-off
  with a measured flight gives one jump height.

RSI and jump height are recomputed from contact_ms and flight_ms (h = g t^2 / 8). A take-off
with a contact under ``MIN_CONTACT_S`` or a flight over ``MAX_FLIGHT_S`` cannot be real (a
detection error) and is left out with a warning.
The battery file format is described in :mod:`legrsi.compare_battery`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .compare_defs import (
    CONTACT,
    FLIGHT,
    HEIGHT,
    MAX_FLIGHT_S,
    MIN_CONTACT_S,
    REACTIVE_MAX_CONTACT_S,
    RSI,
    RSI_MOD,
    SL_RSI,
    SL_VJ,
    Observation,
    leg_from_name,
    normalize_leg,
)
from .metrics import G
from .types import LegrsiError, Rep

RESULT_REQUIRED = ("clip", "leg", "set", "rep", "contact_ms", "flight_ms")


@dataclass
class Inputs:
    """Observations read from files, the problems found, and the athlete names seen."""

    observations: list[Observation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    athletes: dict[str, str] = field(default_factory=dict)  # athlete name -> first file

    def extend(self, other: Inputs) -> None:
        """Add ``other``'s observations, warnings and athletes to this one."""
        self.observations += other.observations
        self.warnings += other.warnings
        for name, where in other.athletes.items():
            self.athletes.setdefault(name, where)

    @property
    def athlete(self) -> str:
        """The athlete's name ('' if none given; names joined by " / " if several)."""
        return " / ".join(self.athletes)

    def athlete_warning(self) -> str:
        """A warning when the files name more than one athlete, else ''."""
        if len(self.athletes) < 2:
            return ""
        names = ", ".join(f"{n} ({w})" for n, w in self.athletes.items())
        return f"the inputs name different athletes: {names}; compare one athlete at a time"


@dataclass(frozen=True)
class TakeOff:
    """One take-off: durations in seconds (None where not measured)."""

    leg: str
    group: str
    rep: int
    contact_s: float | None
    flight_s: float | None
    origin: str


def takeoffs_to_observations(takeoffs: Iterable[TakeOff]) -> tuple[list[Observation], list[str]]:
    """Classify take-offs set by set (hops or vertical jumps) and turn them into observations."""
    groups: dict[tuple[str, str], list[TakeOff]] = {}
    for t in takeoffs:
        groups.setdefault((t.leg, t.group), []).append(t)
    obs: list[Observation] = []
    notes: list[str] = []
    for (leg, group), all_rows in groups.items():
        rows = []
        for t in sorted(all_rows, key=lambda t: t.rep):
            problem = _implausible(t)
            if problem:
                notes.append(f"{t.origin}: {problem}: take-off left out (check the clip)")
            else:
                rows.append(t)
        hops = [t for t in rows
                if t.contact_s is not None and t.contact_s <= REACTIVE_MAX_CONTACT_S]
        if hops:
            for t in hops:
                obs += _hop_observations(t)
            left_out = [t for t in rows if t not in hops and t.contact_s is not None]
            if left_out:
                reps = ", ".join(str(t.rep) for t in left_out)
                notes.append(f"{group} ({leg}): rep {reps} after a ground contact over "
                             f"{REACTIVE_MAX_CONTACT_S:g} s not counted as hops")
        else:
            jumps = [t for t in rows if t.flight_s is not None]
            for i, t in enumerate(jumps, start=1):
                assert t.flight_s is not None
                obs.append(Observation(SL_VJ.key, HEIGHT.key, leg, _height_cm(t.flight_s),
                                       group, i, t.origin))
    return obs, notes


def _implausible(t: TakeOff) -> str:
    """Why the take-off cannot be a real one ('' if it can)."""
    if t.contact_s is not None and t.contact_s < MIN_CONTACT_S:
        return f"contact {t.contact_s * 1000:.0f} ms is too short for a hop"
    if t.flight_s is not None and t.flight_s > MAX_FLIGHT_S:
        return f"flight {t.flight_s * 1000:.0f} ms is too long for a single-leg jump"
    return ""


def _height_cm(flight_s: float) -> float:
    return G * flight_s**2 / 8 * 100


def _hop_observations(t: TakeOff) -> list[Observation]:
    assert t.contact_s is not None

    def ob(metric: str, value: float) -> Observation:
        return Observation(SL_RSI.key, metric, t.leg, value, t.group, t.rep, t.origin)

    out = [ob(CONTACT.key, t.contact_s * 1000)]
    if t.flight_s is not None:
        height_m = _height_cm(t.flight_s) / 100
        out += [ob(FLIGHT.key, t.flight_s * 1000), ob(RSI.key, t.flight_s / t.contact_s),
                ob(RSI_MOD.key, height_m / t.contact_s), ob(HEIGHT.key, height_m * 100)]
    return out


def observations_from_reps(reps: Iterable[Rep], leg: str | None = None) -> Inputs:
    """Observations from ``Analysis.reps`` (Python API); ``leg`` overrides each rep's leg."""
    out = Inputs()
    takeoffs = []
    for r in reps:
        name = leg or r.leg
        norm = normalize_leg(name) or leg_from_name(r.clip)
        if norm is None:
            out.warnings.append(f"{r.clip} set {r.set} rep {r.rep}: leg {name!r} is not left or"
                                " right; skipped")
            continue
        takeoffs.append(TakeOff(norm, f"{r.clip} set {r.set}", r.rep, r.contact_s, r.flight_s,
                                f"{r.clip} rep {r.rep}"))
    obs, notes = takeoffs_to_observations(takeoffs)
    out.observations += obs
    out.warnings += notes
    return out


def read_results(paths: Sequence[Path]) -> Inputs:
    """Read analyze result CSVs; a file that is not one becomes a warning, not an error."""
    out = Inputs()
    takeoffs: list[TakeOff] = []
    seen: dict[tuple[str, str, int, int], str] = {}
    for path in paths:
        try:
            rows, athletes, warns = _read_result_rows(Path(path))
        except LegrsiError as exc:
            out.warnings.append(str(exc))
            continue
        out.warnings += warns
        for name in athletes:
            out.athletes.setdefault(name, Path(path).name)
        for t, key in rows:
            if key in seen:
                out.warnings.append(f"{t.origin}: clip {key[0]} set {key[2]} rep {key[3]} is"
                                    f" already in {seen[key]}; duplicate skipped")
                continue
            seen[key] = t.origin
            takeoffs.append(t)
    obs, notes = takeoffs_to_observations(takeoffs)
    out.observations += obs
    out.warnings += notes
    return out


def _read_result_rows(path: Path) -> tuple[list[tuple[TakeOff, tuple]], set[str], list[str]]:
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise LegrsiError(f"{name}: not a text CSV file (is it a video?); skipped") from None
    except OSError as exc:
        raise LegrsiError(f"{name}: cannot read: {exc.strerror}; skipped") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in RESULT_REQUIRED if c not in header]
    if missing:
        hint = (" (it looks like a battery file: pass it with --battery)"
                if {"test", "leg", "value"} <= set(header) else "")
        raise LegrsiError(f"{name} line 1: not a legrsi analyze result, missing column(s) "
                          f"{', '.join(missing)}{hint}; skipped")
    rows: list[tuple[TakeOff, tuple]] = []
    athletes: set[str] = set()
    problems: dict[str, list[int]] = {}  # same problem on many lines -> one warning
    leg_notes: set[str] = set()
    for line_no, rec in enumerate(reader, start=2):
        try:
            t, key = _parse_result_row(rec, f"{name} line {line_no}", path.stem, leg_notes)
        except _RowError as exc:
            problems.setdefault(str(exc), []).append(line_no)
            continue
        rows.append((t, key))
        if (rec.get("athlete") or "").strip():
            athletes.add(rec["athlete"].strip())
    warns = [f"{name} {_lines(lines)}{detail}; {'row' if len(lines) == 1 else 'rows'} skipped"
             for detail, lines in problems.items()]
    warns += sorted(leg_notes)
    if not rows and not warns:
        warns.append(f"{name}: no take-offs in this result")
    return rows, athletes, warns


class _RowError(LegrsiError):
    """A problem with one row; the message starts after the line number (", field x: ...")."""


def _lines(numbers: list[int]) -> str:
    """``line 4`` or ``lines 2-5, 9`` for 1-based line numbers in ascending order."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    text = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans)
    return f"line {text}" if len(numbers) == 1 else f"lines {text}"


def _parse_result_row(rec: dict, where: str, stem: str,
                      leg_notes: set[str]) -> tuple[TakeOff, tuple]:
    clip = (rec.get("clip") or "").strip() or stem
    leg_text = (rec.get("leg") or "").strip()
    leg = normalize_leg(leg_text)
    if leg is None:
        leg = leg_from_name(clip) or leg_from_name(stem)
        if leg is None:
            what = f"'{leg_text}' is not left or right" if leg_text else "is empty"
            raise _RowError(f", field leg: {what} (compare needs single-leg clips)")
        leg_notes.add(f"{where.split(' line')[0]}: leg '{leg_text}' read as {leg} from the"
                      " clip or file name")
    set_no = _int_field(rec, "set")
    rep_no = _int_field(rec, "rep")
    contact = _ms_field(rec, "contact_ms")
    flight = _ms_field(rec, "flight_ms")
    if contact is None and flight is None:
        raise _RowError(": neither contact_ms nor flight_ms is given")
    t = TakeOff(leg, f"{clip} set {set_no}", rep_no, contact, flight, where)
    return t, (clip, leg, set_no, rep_no)


def _int_field(rec: dict, key: str) -> int:
    text = (rec.get(key) or "").strip()
    try:
        value = float(text)
    except ValueError:
        raise _RowError(f", field {key}: {text!r} is not a whole number") from None
    if value < 1 or value != int(value):
        raise _RowError(f", field {key}: {text!r} must be a whole number >= 1")
    return int(value)


def _ms_field(rec: dict, key: str) -> float | None:
    """Duration in seconds from a millisecond cell; None for an empty cell."""
    text = (rec.get(key) or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise _RowError(f", field {key}: {text!r} is not a number") from None
    if not 0 < value < 60_000:
        raise _RowError(f", field {key}: {text} ms is not a plausible duration")
    return value / 1000
