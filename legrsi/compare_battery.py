"""The battery file: field-test results typed in by hand (``legrsi compare --battery FILE``).

Either a CSV file (any name but ``.toml``) or a TOML file (``.toml``).

CSV: a header line, then one trial per line. Columns ``test``, ``leg``, ``value`` are
required; ``unit`` is optional (default unit of the test); any other column (``date``,
``note``, ...) is kept out of the analysis. Blank lines and lines starting with ``#`` are
ignored. Separator: comma, or semicolon / tab if the header uses one (then a decimal comma
such as ``1,92`` is accepted too)::

    test,leg,value,unit
    # 10 m sprints: leg = the start leg (front foot at the start), in the order run
    sprint_10m,left,1.92
    sprint_10m,right,1.88
    broad_jump,left,182,cm
    broad_jump,right,1.95,m
    vertical_jump,left,18.5

TOML: optional ``athlete = "name"``, then one table per test with a list (or one number) per
leg and an optional ``unit``::

    athlete = "Sam"
    [sprint_10m]
    left = [1.92, 1.95, 1.90]
    right = [1.88, 1.87]
    [broad_jump]
    unit = "cm"
    left = [182, 178, 185]
    right = [195, 199, 193]

Tests (and accepted spellings): ``sprint_10m`` (sprint, 10m) in s (or ms);
``broad_jump`` (sl_broad_jump, broad) in cm (or m, in); ``vertical_jump`` (sl_vertical_jump,
vertical, vj, cmj) in cm (or m, in). Legs: left/right (L/R). Values outside a plausible
range (sprint 1-5 s, broad jump 20-400 cm, vertical jump 1-100 cm) are rejected with a hint.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from .compare_defs import (
    DISTANCE,
    HEIGHT,
    SL_BROAD,
    SL_VJ,
    SPRINT_10M,
    SPRINT_TIME,
    TESTS,
    Observation,
    normalize_leg,
    suggest,
)
from .compare_io import Inputs
from .types import LegrsiError

ALIASES = {
    SPRINT_10M.key: ("sprint_10m", "sprint", "sprint10", "sprint_10", "10m", "10m_sprint"),
    SL_BROAD.key: ("broad_jump", "sl_broad_jump", "broad", "sl_broad", "single_leg_broad_jump"),
    SL_VJ.key: ("vertical_jump", "sl_vertical_jump", "vertical", "vj", "sl_vj", "cmj", "sl_cmj",
                "single_leg_vertical_jump"),
}
_ALIAS = {alias: key for key, names in ALIASES.items() for alias in names}
_METRIC = {SPRINT_10M.key: SPRINT_TIME.key, SL_BROAD.key: DISTANCE.key, SL_VJ.key: HEIGHT.key}
# unit -> factor to the test's metric unit
UNITS = {SPRINT_10M.key: {"s": 1.0, "sec": 1.0, "ms": 0.001},
         SL_BROAD.key: {"cm": 1.0, "m": 100.0, "in": 2.54},
         SL_VJ.key: {"cm": 1.0, "m": 100.0, "in": 2.54}}
RANGES = {SPRINT_10M.key: (1.0, 5.0), SL_BROAD.key: (20.0, 400.0), SL_VJ.key: (1.0, 100.0)}


def read_battery(path: Path) -> Inputs:
    """Read a battery file (.toml or CSV); bad lines become warnings naming line and field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise LegrsiError(f"{path.name}: not a text file; expected a battery CSV or TOML"
                          " (see docs/compare.md)") from None
    except OSError as exc:
        raise LegrsiError(f"{path.name}: cannot read: {exc.strerror}") from None
    if path.suffix.lower() == ".toml":
        return _read_toml(text, path.name)
    return _read_csv(text, path.name)


def _resolve_test(word: str, where: str) -> str:
    norm = re.sub(r"[\s\-]+", "_", word.strip().lower())
    if norm in _ALIAS:
        return _ALIAS[norm]
    if "rsi" in norm or "hop" in norm:
        raise LegrsiError(f"{where}, field test: '{word}': single-leg RSI comes from the"
                          " analyze result CSVs, not the battery file")
    names = [a for names in ALIASES.values() for a in names]
    raise LegrsiError(f"{where}, field test: unknown test '{word}'{suggest(norm, names)};"
                      f" use {', '.join(a[0] for a in ALIASES.values())}")


def _resolve_leg(word: str, where: str) -> str:
    leg = normalize_leg(word)
    if leg is None:
        raise LegrsiError(f"{where}, field leg: '{word}' is not left or right"
                          f"{suggest(word.strip().lower(), ['left', 'right'])}")
    return leg


def _value(test: str, raw: object, unit: str, where: str, field: str = "value") -> float:
    """The value in the test's metric unit, checked against the plausible range."""
    units = UNITS[test]
    unit = unit.strip().lower() or next(iter(units))
    if unit not in units:
        raise LegrsiError(f"{where}, field unit: '{unit}' is not a unit for {test}; use "
                          f"{', '.join(units)}")
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise LegrsiError(f"{where}, field {field}: {raw!r} is not a number")
    try:
        number = float(raw)
    except ValueError:
        raise LegrsiError(f"{where}, field {field}: '{raw}' is not a number") from None
    value = number * units[unit]
    lo, hi = RANGES[test]
    if not lo <= value <= hi:
        base = next(iter(units))
        hint = ""
        for other, factor in units.items():
            if other != unit and lo <= number * factor <= hi:
                hint = f"; did you mean {number:g} {other}? (give unit {other})"
                break
        raise LegrsiError(f"{where}, field {field}: {number:g} {unit} is not a plausible "
                          f"{TESTS[test].short} result ({lo:g}-{hi:g} {base}){hint}")
    return value


def _obs(test: str, leg: str, value: float, rep: int, where: str) -> Observation:
    return Observation(test, _METRIC[test], leg, value, f"battery {test} {leg}", rep, where,
                       kind="battery")


def _read_csv(text: str, name: str) -> Inputs:
    out = Inputs()
    lines = [(i, ln) for i, ln in enumerate(text.splitlines(), start=1)
             if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise LegrsiError(f"{name}: empty battery file; expected a header test,leg,value")
    head_no, head = lines[0]
    sep = ";" if ";" in head else "\t" if "\t" in head else ","
    header = [h.strip().lower() for h in head.split(sep)]
    for col in ("test", "leg", "value"):
        if col not in header:
            raise LegrsiError(f"{name} line {head_no}: missing column '{col}'"
                              f"{suggest(col, header)}; the header must name test,leg,value"
                              "[,unit]")
    col = {h: i for i, h in enumerate(header)}
    counts: dict[tuple[str, str], int] = {}
    for line_no, line in lines[1:]:
        where = f"{name} line {line_no}"
        cells = [c.strip() for c in line.split(sep)]
        try:
            if len(cells) > len(header):
                hint = " (a decimal comma? write 1.92)" if sep == "," else ""
                raise LegrsiError(f"{where}: {len(cells)} fields but the header has "
                                  f"{len(header)}{hint}")
            cells += [""] * (len(header) - len(cells))
            test = _resolve_test(cells[col["test"]], where)
            leg = _resolve_leg(cells[col["leg"]], where)
            raw = cells[col["value"]]
            if sep != ",":
                raw = raw.replace(",", ".")
            unit = cells[col["unit"]] if "unit" in col else ""
            value = _value(test, raw, unit, where)
        except LegrsiError as exc:
            out.warnings.append(f"{exc}; line skipped")
            continue
        counts[(test, leg)] = counts.get((test, leg), 0) + 1
        out.observations.append(_obs(test, leg, value, counts[(test, leg)], where))
    if "athlete" in col:
        for _, line in lines[1:]:
            cells = line.split(sep)
            if len(cells) > col["athlete"] and cells[col["athlete"]].strip():
                out.athletes.setdefault(cells[col["athlete"]].strip(), name)
    return out


def _toml_line(text: str, table: str | None, key: str | None = None) -> int:
    """1-based line of ``[table]`` (or of ``key`` inside it / at top level), 0 if not found."""
    current: str | None = None
    found_table = 0
    for i, line in enumerate(text.splitlines(), start=1):
        m = re.match(r"\s*\[\s*\"?([^\]\"]+?)\"?\s*\]", line)
        if m:
            current = m.group(1).strip()
            if current == table and key is None:
                return i
            found_table = i if current == table else found_table
            continue
        k = re.match(r"\s*\"?([A-Za-z0-9_\-]+)\"?\s*=", line)
        if k and ((current == table and k.group(1) == key)
                  or (current is None and k.group(1) == (key if table is None else table))):
            return i
    return found_table


def _read_toml(text: str, name: str) -> Inputs:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LegrsiError(f"{name}: TOML syntax error: {exc}") from None
    out = Inputs()
    for top, content in doc.items():
        where = f"{name} line {_toml_line(text, None, top)}"
        if top == "athlete" and isinstance(content, str):
            if content.strip():
                out.athletes.setdefault(content.strip(), name)
            continue
        if not isinstance(content, dict):
            if top not in ("date", "note", "notes"):
                out.warnings.append(f"{where}, field {top}: unknown setting; ignored"
                                    f"{suggest(top, ['athlete', 'date', 'note'])}")
            continue
        where = f"{name} line {_toml_line(text, top)}"
        try:
            test = _resolve_test(top, where)
        except LegrsiError as exc:
            out.warnings.append(f"{exc}; table skipped")
            continue
        unit = content.get("unit", "")
        for key, values in content.items():
            where = f"{name} line {_toml_line(text, top, key)}"
            if key in ("unit", "note", "notes", "date"):
                continue
            try:
                leg = _resolve_leg(key, where)
            except LegrsiError as exc:
                out.warnings.append(f"{exc}; skipped")
                continue
            items = values if isinstance(values, list) else [values]
            for i, raw in enumerate(items, start=1):
                try:
                    value = _value(test, raw, str(unit), where, f"{key}[{i}]")
                except LegrsiError as exc:
                    out.warnings.append(f"{exc}; value skipped")
                    continue
                out.observations.append(_obs(test, leg, value, i, where))
    return out
