"""Read and check `forecast.csv`, the only forecast parser in callshift. Every problem raises
`InputError` naming the file, the physical line (header = line 1) and the field's column."""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from callshift import csvfile
from callshift.errors import InputError

ALLOWED_INTERVALS_MINUTES = (15, 30, 60)
_NUMERIC = ("calls", "aht_seconds", "patience_seconds", "required_agents")
_KNOWN = ("interval_start", *_NUMERIC)
_TIME_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::00)?")
_TIME_HINT = "e.g. 2026-12-21 09:15"
_HEADER_EXAMPLE = "interval_start,calls,aht_seconds[,patience_seconds][,required_agents]"
_EXPECTED = {
    "calls": "a number >= 0",
    "aht_seconds": "a number of seconds > 0",
    "patience_seconds": "a number of seconds > 0",
    "required_agents": "a number >= 0",
}
_HINTS = {
    "calls": "write 0 for an interval without calls",
    "aht_seconds": "average handle time (talk + wrap-up) in seconds, e.g. 240",
    "patience_seconds": "mean time before a caller hangs up, in seconds; leave it empty if unknown",
    "required_agents": "leave it empty to compute agents from calls and aht_seconds",
}
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_T = TypeVar("_T", bound=np.generic)


@dataclass(frozen=True, eq=False)
class Forecast:
    """A checked forecast: one row per interval, sorted, equally spaced, no holes.

    Arrays are read-only. `calls` is all NaN only when the file has no calls column;
    `aht_seconds` is NaN where not given (only where calls == 0 or required_agents is given).
    """

    path: str
    starts: npt.NDArray[np.datetime64]
    interval_minutes: int
    calls: FloatArray
    aht_seconds: FloatArray
    patience_seconds: FloatArray | None
    required_agents: FloatArray | None
    warnings: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.starts.shape[0])

    @property
    def dates(self) -> npt.NDArray[np.datetime64]:
        """The calendar days the forecast touches, sorted (datetime64[D])."""
        return np.unique(self.starts.astype("datetime64[D]"))

    @property
    def interval_hours(self) -> float:
        return self.interval_minutes / 60.0


def read_forecast(path: str | Path, interval_minutes: int | None = None) -> Forecast:
    """Read and check `path`; `interval_minutes` must match the data if given, else inferred."""
    shown = str(path)
    if interval_minutes is not None and interval_minutes not in ALLOWED_INTERVALS_MINUTES:
        raise InputError(f"interval_minutes must be 15, 30 or 60, got {interval_minutes}")
    records = csvfile.csv_records(
        csvfile.read_csv_text(Path(path), shown, "forecast"),
        shown,
        empty_hint=f"expected a header line {_HEADER_EXAMPLE} and one row per interval",
    )
    header_line, header = records[0]
    table = _Table(shown, len(header), _header_columns(header, header_line, shown))
    for line, row in records[1:]:
        table.add(line, row)
    if not table.lines:
        raise InputError(
            "the file has a header but no data rows",
            path=shown,
            hint="add one row per interval below the header",
        )
    return _build(table, interval_minutes)


def _header_columns(header: list[str], line: int, shown: str) -> dict[str, int]:
    """Map each known column name to its 0-based index in the header."""
    csvfile.check_separator(header, line, shown)
    found = csvfile.header_columns(header, line, shown, _KNOWN)
    for name in ("interval_start",) if "required_agents" in found else _KNOWN[:3]:
        if name not in found:
            raise _missing_column(name, [field.strip() for field in header], line, shown)
    return found


def _missing_column(name: str, columns: list[str], line: int, shown: str) -> InputError:
    # 'AHT' for 'aht_seconds', 'calls_offered' for 'calls'
    close = csvfile.similar_column(name, [column.lower() for column in columns], _KNOWN)
    if close is not None:
        hint = f"did you mean '{columns[close]}'? rename it to '{name}'"
    elif _TIME_RE.fullmatch(columns[0]):
        hint = f"line {line} must be the header: {_HEADER_EXAMPLE}"
    else:
        hint = f"the header must be {_HEADER_EXAMPLE}"
    alternative = " (or required_agents)" if name == "calls" else ""
    found = ", ".join(column for column in columns if column)
    return InputError(
        f"missing required column '{name}'{alternative}; found columns: {found}",
        path=shown,
        line=line,
        hint=hint,
        column=None if close is None else close + 1,
    )


class _Table:
    """The fields of the data rows, checked one row at a time, in file order."""

    def __init__(self, path: str, width: int, index: dict[str, int]) -> None:
        self.path, self.width, self.index = path, width, index
        self.lines: list[int] = []
        self.starts: list[datetime] = []
        self.values: dict[str, list[float]] = {name: [] for name in _NUMERIC if name in index}

    def add(self, line: int, row: list[str]) -> None:
        csvfile.check_no_line_breaks(
            row, self.index, line, self.path, "a '\"' in this field is never closed"
        )
        csvfile.check_row_width(row, self.width, line, self.path)
        start = self._start(line, row[self.index["interval_start"]].strip())
        got = {
            name: self._number(line, row[self.index[name]].strip(), name) for name in self.values
        }
        self._check_demand(line, row, got)
        self.lines.append(line)
        self.starts.append(start)
        for name, value in got.items():
            self.values[name].append(value)

    def _error(self, message: str, line: int, name: str, hint: str) -> InputError:
        return InputError(
            message, path=self.path, line=line, column=self.index[name] + 1, hint=hint
        )

    def _start(self, line: int, text: str) -> datetime:
        match = _TIME_RE.fullmatch(text)
        if match is None:
            hint = (
                (
                    "the dates look reformatted by a spreadsheet; format the column as "
                    "yyyy-mm-dd hh:mm before saving"
                )
                if "/" in text
                else _TIME_HINT
            )
            raise self._error(
                f"interval_start must be YYYY-MM-DD HH:MM, got '{text}'",
                line,
                "interval_start",
                hint,
            )
        year, month, day, hour, minute = (int(part) for part in match.groups())
        try:
            return datetime(year, month, day, hour, minute)
        except ValueError as exc:
            raise self._error(
                f"interval_start '{text}' is not a real date and time ({exc})",
                line,
                "interval_start",
                _TIME_HINT,
            ) from None

    def _number(self, line: int, text: str, name: str) -> float:
        if not text:
            if name == "calls":
                raise self._error(
                    "calls is empty; expected a number >= 0", line, name, _HINTS[name]
                )
            return math.nan
        try:
            value: float | None = float(text)
        except ValueError:
            value = None
        if value is not None and not math.isfinite(value):
            raise self._error(
                f"{name} must be a finite number, got '{text}'", line, name, _HINTS[name]
            )
        if value is None or value < 0 or (value == 0 and name == "patience_seconds"):
            hint = _HINTS[name]
            if value is None and "," in text:
                hint = "use '.' as the decimal mark and no thousands separator"
            raise self._error(f"{name} must be {_EXPECTED[name]}, got '{text}'", line, name, hint)
        return value

    def _check_demand(self, line: int, row: list[str], got: dict[str, float]) -> None:
        """Each row needs required_agents, or calls and (where calls > 0) aht_seconds > 0."""
        if not math.isnan(got.get("required_agents", math.nan)):
            return
        if "calls" not in got:
            raise self._error(
                "required_agents is empty and there is no calls column",
                line,
                "required_agents",
                "give required_agents in every row, or add calls and aht_seconds columns",
            )
        calls = row[self.index["calls"]].strip()
        if got["calls"] == 0:
            return
        if "aht_seconds" not in got:
            raise self._error(
                f"required_agents is empty and calls is {calls}, but there is no "
                "aht_seconds column",
                line,
                "required_agents",
                "give required_agents here, or add an aht_seconds column",
            )
        aht = row[self.index["aht_seconds"]].strip()
        if not got["aht_seconds"] > 0:  # empty (NaN) or 0
            message = (
                f"aht_seconds must be > 0 where calls > 0, got '{aht}' with calls {calls}"
                if aht
                else f"aht_seconds is empty but calls is {calls}; expected a number of seconds > 0"
            )
            raise self._error(message, line, "aht_seconds", _HINTS["aht_seconds"])


def _build(table: _Table, requested_minutes: int | None) -> Forecast:
    minutes = np.array(table.starts, dtype="datetime64[m]").astype(np.int64)
    lines = np.array(table.lines, dtype=np.int64)
    warnings = _order_warnings(minutes, lines, table.path)
    order = np.argsort(minutes, kind="stable")
    grid = _Grid(table.path, table.index["interval_start"] + 1, minutes[order], lines[order])
    interval = grid.check(requested_minutes)
    arrays = {
        name: _frozen(np.array(values, dtype=np.float64)[order])
        for name, values in table.values.items()
    }
    missing = _frozen(np.full(len(order), np.nan))
    return Forecast(
        path=table.path,
        starts=_frozen(grid.minutes.astype("datetime64[m]")),
        interval_minutes=interval,
        calls=arrays.get("calls", missing),
        aht_seconds=arrays.get("aht_seconds", missing),
        patience_seconds=arrays.get("patience_seconds"),
        required_agents=arrays.get("required_agents"),
        warnings=warnings,
    )


def _frozen(array: npt.NDArray[_T]) -> npt.NDArray[_T]:
    array.setflags(write=False)
    return array


def _order_warnings(minutes: IntArray, lines: IntArray, shown: str) -> tuple[str, ...]:
    """Warn about unsorted rows; 'out of order' = the fewest rows to move to sort the file."""
    descents = np.flatnonzero(minutes[1:] < minutes[:-1])
    if descents.size == 0:
        return ()
    tails: list[int] = []  # longest non-decreasing run of rows (patience sorting)
    for value in minutes.tolist():
        at = bisect.bisect_right(tails, value)
        tails[at : at + 1] = [value]
    first = int(descents[0]) + 1
    return (
        f"{shown}: {len(minutes) - len(tails)} of {len(minutes)} rows were out of time "
        f"order (first at line {lines[first]}: {_fmt(minutes[first])} after "
        f"{_fmt(minutes[first - 1])}); they were sorted",
    )


def _first(mask: npt.NDArray[np.bool_]) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _fmt(minute: np.int64 | int) -> str:
    return str(np.datetime64(int(minute), "m")).replace("T", " ")


@dataclass
class _Grid:
    """Sorted interval starts (epoch minutes), each with the physical line it came from."""

    path: str
    column: int
    minutes: IntArray
    lines: IntArray

    def check(self, requested_minutes: int | None) -> int:
        """Reject duplicates, holes and irregular spacing; return the interval in minutes."""
        gaps = np.diff(self.minutes)
        i = _first(gaps == 0)
        if i is not None:
            raise self._error(
                f"duplicate interval_start {_fmt(self.minutes[i + 1])}: already "
                f"on line {self.lines[i]}",
                i + 1,
                "each interval must appear once; delete or merge one of the rows",
            )
        interval = self._interval(gaps, requested_minutes)
        i = _first(gaps != interval)
        if i is None:
            return interval
        if gaps[i] % interval:
            raise self._error(
                f"{self._step(i)}; in a {interval}-minute forecast the gap must be "
                f"a multiple of {interval}",
                i + 1,
                f"interval starts must lie on the {interval}-minute grid",
            )
        more = f" (and {gaps[i] // interval - 2} more)" if gaps[i] > 2 * interval else ""
        raise self._error(
            f"missing {_fmt(self.minutes[i] + interval)}{more} between line "
            f"{self.lines[i]} and line {self.lines[i + 1]}",
            i + 1,
            f"add one row per {interval}-minute interval; use calls 0 where the center is closed",
        )

    def _interval(self, gaps: IntArray, requested_minutes: int | None) -> int:
        if gaps.size == 0:
            if requested_minutes is None:
                raise InputError(
                    "only one data row, so the interval length cannot be inferred",
                    path=self.path,
                    line=int(self.lines[0]),
                    hint="add more rows, or give the interval length: 15, 30 or 60 minutes",
                )
            return requested_minutes
        i = int(np.argmin(gaps))
        if requested_minutes is not None and gaps[i] != requested_minutes:
            raise self._error(
                f"{self._step(i)}, but the interval is set to {requested_minutes} minutes",
                i + 1,
                f"give one row every {requested_minutes} minutes, or let the interval be inferred",
            )
        if gaps[i] not in ALLOWED_INTERVALS_MINUTES:
            raise self._error(
                f"{self._step(i)}; intervals must be 15, 30 or 60 minutes",
                i + 1,
                "fix the time, or resample the forecast to 15, 30 or 60 minutes",
            )
        return int(gaps[i])

    def _step(self, i: int) -> str:
        gap_minutes = self.minutes[i + 1] - self.minutes[i]
        return (
            f"interval_start {_fmt(self.minutes[i + 1])} is {gap_minutes} minutes after "
            f"{_fmt(self.minutes[i])} on line {self.lines[i]}"
        )

    def _error(self, message: str, i: int, hint: str) -> InputError:
        return InputError(
            message, path=self.path, line=int(self.lines[i]), column=self.column, hint=hint
        )
