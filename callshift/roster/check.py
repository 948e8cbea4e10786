"""An independent re-check of a roster: every hard rule, and the coverage it gives.

Shares no code with the solver's model (``callshift.shifts``, ``callshift.roster.model``), so
it can catch the model's mistakes. It works only from the real datetimes of the roster rows,
never from template or day indices, and it recomputes the night flag instead of trusting the
file. ``read_roster`` is the only parser of ``roster.csv``; ``read_previous`` reads earlier
periods' rosters with it, whose shifts carry rest, consecutive days and coverage across the
boundary into the roster checked.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from callshift import csvfile
from callshift.agents import Agent, Leave, leave_days
from callshift.config import Config, RuleSettings, ShiftSpec, parse_clock
from callshift.erlang import erlang_a_metrics, erlang_c_metrics
from callshift.errors import InputError
from callshift.forecast import Forecast
from callshift.staffing import compute_staffing

ROSTER_COLUMNS = ("agent_id", "date", "shift", "start", "end", "paid_hours", "night", "holiday")
COVERAGE_COLUMNS = ("interval_start", "required", "scheduled", "shortfall", "service_level")
_OPTIONAL_COLUMNS = ("holiday",)
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATETIME_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::00)?")
_NIGHT_VALUES = {"true": True, "false": False}
_HOURS_TOLERANCE = 1e-6
_PAID_HOURS_TOLERANCE = 0.005  # paid_hours may be written rounded to 2 decimals
_MINUTES_PER_DAY = 1440
_EARLIER = "--previous takes earlier periods' rosters"


@dataclass(frozen=True)
class RosterRow:
    """One worked shift of ``roster.csv``; ``line`` is its physical line (0 if built in code)."""

    agent_id: str
    date: date
    shift: str
    start: datetime
    end: datetime
    paid_hours: float
    night: bool
    holiday: str = ""
    line: int = 0


@dataclass(frozen=True)
class Violation:
    """One broken hard rule: which rule, whose, on which day, and by how much."""

    rule_id: str
    agent_id: str
    date: date | None
    message: str


@dataclass(frozen=True)
class CheckReport:
    """The hard-rule violations of a roster and its coverage (the columns of coverage.csv)."""

    violations: tuple[Violation, ...]
    coverage: pd.DataFrame

    @property
    def ok(self) -> bool:
        """True when every hard rule holds (shortfall is not a hard rule)."""
        return not self.violations


@dataclass(frozen=True)
class Template:
    """A concrete shift as configured: start time of day and length, in minutes."""

    code: str
    start_minute: int
    length_minutes: int
    break_minutes: int

    @property
    def paid_hours(self) -> float:
        return (self.length_minutes - self.break_minutes) / 60.0


@dataclass(frozen=True)
class RuleContext:
    """What the rules need besides the rows: the horizon, the rules, agents and leave."""

    start: date
    days: int
    rules: RuleSettings
    templates: Mapping[str, Template]
    agents: Mapping[str, Agent] | None
    leave: Mapping[str, set[date]]
    previous: Mapping[str, Sequence[RosterRow]] = field(default_factory=dict)

    @property
    def horizon_start(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time())

    @property
    def horizon_end(self) -> datetime:
        return self.horizon_start + timedelta(days=self.days)

    def blocks(self) -> list[tuple[date, int]]:
        """The 7-day blocks counted from ``start``: (first day, number of days ≤ 7)."""
        return [
            (self.start + timedelta(days=first), min(7, self.days - first))
            for first in range(0, self.days, 7)
        ]

    def contract_hours(self, agent_id: str) -> float:
        agent = self.agents.get(agent_id) if self.agents is not None else None
        if agent is not None and agent.contract_hours is not None:
            return agent.contract_hours
        return self.rules.contract_hours

    def night_ok(self, agent_id: str) -> bool:
        agent = self.agents.get(agent_id) if self.agents is not None else None
        return agent is None or agent.night_ok


RowsByAgent = Mapping[str, Sequence[RosterRow]]
Rule = Callable[[RowsByAgent, RuleContext], list[Violation]]


# --------------------------------------------------------------------------- reading


def read_roster(path: str | Path) -> tuple[RosterRow, ...]:
    """Read ``roster.csv``; every problem raises InputError with file, line and column."""
    return _read_roster_file(path).rows


def read_previous(
    paths: Sequence[str | Path], *, start: date, agent_ids: Collection[str] | None = None
) -> tuple[RosterRow, ...]:
    """Read earlier periods' ``roster.csv`` files (``--previous``) for a roster from ``start``.

    Each file is read as ``read_roster`` reads it, then every shift must be dated and start
    before ``start``, its agent must be one of ``agent_ids`` (None accepts any), and no two
    shifts of one agent may overlap, within a file or across files. Other rules they break
    among themselves are not checked: that was their period's business. The rows come in the
    order of the files and their lines; ``RosterRow.line`` is the line in its own file.
    """
    files = _distinct_files(paths)
    known = None if agent_ids is None else frozenset(agent_ids)
    begin = datetime.combine(start, datetime.min.time())
    for file in files:
        for row in file.rows:
            if known is not None and row.agent_id not in known:
                raise file.error(
                    f"unknown agent_id '{row.agent_id}'",
                    row,
                    "agent_id",
                    _unknown_agent_hint(row.agent_id, known),
                )
            who = f"{row.agent_id}'s shift {row.shift}"
            first_day = f"not before {start}, the first day of the roster checked"
            if row.date >= start:
                raise file.error(f"{who} is dated {row.date}, {first_day}", row, "date", _EARLIER)
            if row.start >= begin:
                raise file.error(
                    f"{who} starts {_clock(row.start)}, {first_day}", row, "start", _EARLIER
                )
    _check_no_overlaps(files)
    return tuple(row for file in files for row in file.rows)


def _unknown_agent_hint(agent_id: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(agent_id, sorted(known), n=1)
    if close:
        return f"did you mean '{close[0]}'? ids must match the agents file exactly"
    return (
        "every agent of a previous roster must be in the agents file; add the agent there, "
        "or delete the rows of an agent who has left"
    )


@dataclass(frozen=True)
class _RosterFile:
    """The rows of one roster file, with where each column is for pointing at a value."""

    shown: str
    index: Mapping[str, int]
    rows: tuple[RosterRow, ...]

    def error(self, message: str, row: RosterRow, name: str, hint: str) -> InputError:
        return InputError(
            message, path=self.shown, line=row.line, column=self.index[name] + 1, hint=hint
        )


def _distinct_files(paths: Sequence[str | Path]) -> list[_RosterFile]:
    """Each roster file read once; the same file given twice is an error."""
    seen: dict[Path, str] = {}
    for path in paths:
        resolved = Path(path).resolve()
        if resolved in seen:
            also = "" if seen[resolved] == str(path) else f" (also as {seen[resolved]})"
            raise InputError(
                f"given twice as a previous roster{also}",
                path=path,
                hint="give each earlier period's roster once",
            )
        seen[resolved] = str(path)
    return [_read_roster_file(path) for path in paths]


def _check_no_overlaps(files: Sequence[_RosterFile]) -> None:
    """No two shifts of one agent overlap; of two that do, the one that starts later (on a
    tie, the one in a later file or on a later line) is reported, naming the other."""
    shifts: dict[str, list[tuple[RosterRow, int]]] = defaultdict(list)
    for position, file in enumerate(files):
        for row in file.rows:
            shifts[row.agent_id].append((row, position))
    for agent_id in sorted(shifts):
        ordered = sorted(
            shifts[agent_id], key=lambda pair: (pair[0].start, pair[0].end, pair[1], pair[0].line)
        )
        latest: tuple[RosterRow, _RosterFile] | None = None  # the shift that ends last
        for row, position in ordered:
            file = files[position]
            if latest is not None and row.start < latest[0].end:
                other, other_file = latest
                where = f"line {other.line}"
                if other_file is not file:
                    where += f" of {other_file.shown}"
                raise file.error(
                    f"{agent_id}'s shift {row.shift} {_span(row)} overlaps their shift "
                    f"{other.shift} {_span(other)} on {where}",
                    row,
                    "start",
                    "one agent works one shift at a time; was a period given twice?",
                )
            if latest is None or row.end > latest[0].end:
                latest = (row, file)


def _read_roster_file(path: str | Path) -> _RosterFile:
    shown = str(path)
    text = csvfile.read_csv_text(
        Path(path),
        shown,
        "roster",
        not_found_hint="check the path of the roster",
        directory_hint="give a roster.csv file",
    )
    records = csvfile.csv_records(
        text,
        shown,
        empty_hint=f"expected a header line {','.join(ROSTER_COLUMNS)} and one row per shift",
        quotes_hint="check the quotes",
    )
    header_line, header = records[0]
    csvfile.check_separator(header, header_line, shown)
    columns = _header_columns(header, header_line, shown)
    parser = _RowParser(shown, len(header), columns)
    return _RosterFile(shown, columns, tuple(parser.parse(line, row) for line, row in records[1:]))


def _header_columns(header: list[str], line: int, shown: str) -> dict[str, int]:
    """Map each roster column name to its 0-based index in the header."""
    found = csvfile.header_columns(header, line, shown, ROSTER_COLUMNS, duplicate_hint=None)
    for name in ROSTER_COLUMNS:
        if name not in found and name not in _OPTIONAL_COLUMNS:
            raise _missing_column(name, [field.strip().lower() for field in header], line, shown)
    return found


def _missing_column(name: str, names: list[str], line: int, shown: str) -> InputError:
    """The error for a missing column, pointing at a misnamed one if there is one."""
    close = csvfile.similar_column(name, names, ROSTER_COLUMNS)
    hint = f"the header must be {','.join(ROSTER_COLUMNS)}"
    if close is not None:
        hint = f"did you mean '{names[close]}'? {hint}"
    return InputError(
        f"missing required column '{name}'; found columns: {', '.join(names)}",
        path=shown,
        line=line,
        column=None if close is None else close + 1,
        hint=hint,
    )


class _RowParser:
    """Turns one data record into a RosterRow, checking each field."""

    def __init__(self, path: str, width: int, index: dict[str, int]) -> None:
        self.path, self.width, self.index = path, width, index

    def parse(self, line: int, row: list[str]) -> RosterRow:
        csvfile.check_row_width(
            row,
            self.width,
            line,
            self.path,
            extra_hint="check for a ',' inside a value; quote it",
            extra_column="first_value",
        )
        start = self._datetime(line, row, "start")
        end = self._datetime(line, row, "end")
        if end <= start:
            raise self._error(
                f"end {_clock(end)} is not after start {_clock(start)}",
                line,
                "end",
                "a night shift ends on the next day",
            )
        return RosterRow(
            agent_id=self._text(line, row, "agent_id"),
            date=self._date(line, row),
            shift=self._text(line, row, "shift"),
            start=start,
            end=end,
            paid_hours=self._paid_hours(line, row),
            night=self._night(line, row),
            holiday=self._field(row, "holiday"),
            line=line,
        )

    def _field(self, row: list[str], name: str) -> str:
        return row[self.index[name]].strip() if name in self.index else ""

    def _error(self, message: str, line: int, name: str, hint: str | None = None) -> InputError:
        return InputError(
            message, path=self.path, line=line, column=self.index[name] + 1, hint=hint
        )

    def _text(self, line: int, row: list[str], name: str) -> str:
        text = self._field(row, name)
        if not text:
            raise self._error(f"{name} is empty", line, name)
        return text

    def _date(self, line: int, row: list[str]) -> date:
        text = self._field(row, "date")
        match = _DATE_RE.fullmatch(text)
        if match is None:
            raise self._error(f"date must be YYYY-MM-DD, got '{text}'", line, "date")
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError as exc:
            raise self._error(f"date '{text}' is not a real date ({exc})", line, "date") from None

    def _datetime(self, line: int, row: list[str], name: str) -> datetime:
        text = self._field(row, name)
        match = _DATETIME_RE.fullmatch(text)
        if match is None:
            raise self._error(
                f"{name} must be YYYY-MM-DD HH:MM, got '{text}'",
                line,
                name,
                "e.g. 2026-12-21 07:00",
            )
        year, month, day, hour, minute = (int(part) for part in match.groups())
        try:
            return datetime(year, month, day, hour, minute)
        except ValueError as exc:
            raise self._error(
                f"{name} '{text}' is not a real date and time ({exc})", line, name
            ) from None

    def _paid_hours(self, line: int, row: list[str]) -> float:
        text = self._field(row, "paid_hours")
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value >= 0):
            raise self._error(
                f"paid_hours must be a number of hours >= 0, got '{text}'",
                line,
                "paid_hours",
                "use '.' as the decimal mark, e.g. 7.5",
            )
        return value

    def _night(self, line: int, row: list[str]) -> bool:
        text = self._field(row, "night")
        if text.lower() not in _NIGHT_VALUES:
            raise self._error(f"night must be true or false, got '{text}'", line, "night")
        return _NIGHT_VALUES[text.lower()]


# --------------------------------------------------------------------------- checking


def check_roster(
    rows: Sequence[RosterRow],
    *,
    agents: Sequence[Agent] | None,
    leave: Sequence[Leave],
    config: Config,
    forecast: Forecast,
    start: date,
    days: int,
    previous: Sequence[RosterRow] = (),
) -> CheckReport:
    """Every hard rule of ``rows`` (in HARD_RULES order) and the coverage they give.

    ``previous`` are the shifts of earlier periods (``read_previous``): they carry rest,
    consecutive days and one shift per day across the boundary, and the tail of a shift that
    runs into this period counts as coverage. A rule they break among themselves is not
    reported; one they break together with a shift of ``rows`` is.
    """
    violations = check_rules(
        rows,
        agents=agents,
        leave=leave,
        config=config,
        start=start,
        days=days,
        previous=previous,
    )
    scheduled = (*previous, *rows)
    return CheckReport(violations, coverage(scheduled, config, forecast, start, days))


def check_rules(
    rows: Sequence[RosterRow],
    *,
    agents: Sequence[Agent] | None,
    leave: Sequence[Leave],
    config: Config,
    start: date,
    days: int,
    only: Collection[str] | None = None,
    previous: Sequence[RosterRow] = (),
) -> tuple[Violation, ...]:
    """The hard-rule violations of ``rows`` (all rules, or the rule ids in ``only``), with
    the shifts of earlier periods in ``previous`` as ``check_roster`` takes them."""
    context = RuleContext(
        start=start,
        days=days,
        rules=config.rules,
        templates=expand_shifts(config.shifts),
        agents=None if agents is None else {agent.agent_id: agent for agent in agents},
        leave=leave_days(leave),
        previous=rows_by_agent(previous),
    )
    by_agent = rows_by_agent(rows)
    return tuple(
        v
        for rule_id, rule in HARD_RULES.items()
        if only is None or rule_id in only
        for v in rule(by_agent, context)
    )


def rows_by_agent(rows: Sequence[RosterRow]) -> dict[str, tuple[RosterRow, ...]]:
    """The rows of each agent sorted by start, agents in sorted order."""
    grouped: dict[str, list[RosterRow]] = defaultdict(list)
    for row in rows:
        grouped[row.agent_id].append(row)
    return {
        agent_id: tuple(sorted(grouped[agent_id], key=lambda r: (r.start, r.end, r.line)))
        for agent_id in sorted(grouped)
    }


def expand_shifts(specs: Sequence[ShiftSpec]) -> dict[str, Template]:
    """Every concrete shift code: fixed ones keep their code, a flexible one gives one code
    per start from ``start`` to ``latest_start`` every ``step_minutes`` (``D09``, ``D0930``)."""
    templates: dict[str, Template] = {}
    for spec in specs:
        first = parse_clock(spec.start, "start")
        last = (
            first if spec.latest_start is None else parse_clock(spec.latest_start, "latest_start")
        )
        for minute in range(first, last + 1, spec.step_minutes):
            code = spec.code
            if spec.latest_start is not None:
                hours, minutes = divmod(minute, 60)
                code += f"{hours:02d}" + (f"{minutes:02d}" if minutes else "")
            templates.setdefault(
                code, Template(code, minute, round(spec.length_hours * 60), spec.break_minutes)
            )
    return templates


def overlaps_night(
    start: datetime, end: datetime, rules: RuleSettings, *, protected: bool = False
) -> bool:
    """Does [start, end) overlap the night window (night_start–night_end, maybe across
    midnight), or with ``protected`` the night_ok window (night_ok_start–night_ok_end)?"""
    first, last = (
        (rules.night_ok_start, rules.night_ok_end)
        if protected
        else (rules.night_start, rules.night_end)
    )
    window_start = parse_clock(first, "night window start")
    window_minutes = (parse_clock(last, "night window end") - window_start) % _MINUTES_PER_DAY
    day = start.date() - timedelta(days=1)
    while day <= end.date():
        opens = datetime.combine(day, datetime.min.time()) + timedelta(minutes=window_start)
        if start < opens + timedelta(minutes=window_minutes) and opens < end:
            return True
        day += timedelta(days=1)
    return False


@dataclass(frozen=True)
class _Carried:
    """One shift of an agent, of the roster checked (``checked``) or of a previous roster."""

    row: RosterRow
    checked: bool

    @property
    def name(self) -> str:
        """The shift code, marked when the shift is a previous roster's."""
        return self.row.shift if self.checked else f"{self.row.shift} (previous roster)"


def _with_previous(agent_id: str, rows: Sequence[RosterRow], ctx: RuleContext) -> list[_Carried]:
    """The agent's shifts of the previous rosters and ``rows``, sorted by start (a previous
    shift first on a tie)."""
    carried = [_Carried(row, False) for row in ctx.previous.get(agent_id, ())]
    carried += [_Carried(row, True) for row in rows]
    return sorted(carried, key=lambda c: (c.row.start, c.row.end, c.checked, c.row.line))


def check_one_shift_per_day(by_agent: RowsByAgent, ctx: RuleContext) -> list[Violation]:
    """At most ``max_shifts_per_day`` shifts start on one calendar date, counting the previous
    rosters' shifts on a date that has one of this roster's."""
    limit = ctx.rules.max_shifts_per_day
    found: list[Violation] = []
    for agent_id, rows in by_agent.items():
        per_day: dict[date, list[_Carried]] = defaultdict(list)
        for carried in _with_previous(agent_id, rows, ctx):
            per_day[carried.row.start.date()].append(carried)
        for day, same_day in sorted(per_day.items()):
            if len(same_day) > limit and any(c.checked for c in same_day):
                shifts = ", ".join(f"{c.name} at {c.row.start:%H:%M}" for c in same_day)
                found.append(
                    Violation(
                        "one_shift_per_day",
                        agent_id,
                        day,
                        f"{agent_id} has {len(same_day)} shifts starting on {day} ({shifts}); "
                        f"one_shift_per_day allows max_shifts_per_day = {limit}",
                    )
                )
    return found


def check_min_rest(by_agent: RowsByAgent, ctx: RuleContext) -> list[Violation]:
    """At least ``min_rest_hours`` between the end of a shift and the start of the next;
    overlapping shifts break it too. The previous rosters' last shifts count as the shifts
    before this roster's first."""
    need_minutes = ctx.rules.min_rest_hours * 60
    found: list[Violation] = []
    for agent_id, rows in by_agent.items():
        latest: _Carried | None = None  # the earlier shift that ends last
        for carried in _with_previous(agent_id, rows, ctx):
            if latest is not None and (latest.checked or carried.checked):
                rest = _minutes(carried.row.start - latest.row.end)
                if rest < need_minutes - _HOURS_TOLERANCE:
                    found.append(_rest_violation(agent_id, latest, carried, rest, ctx.rules))
            if latest is None or carried.row.end > latest.row.end:
                latest = carried
    return found


def _rest_violation(
    agent_id: str, before: _Carried, after: _Carried, rest: float, rules: RuleSettings
) -> Violation:
    if rest < 0:
        message = (
            f"{agent_id}'s shifts {before.name} {_span(before.row)} and {after.name} "
            f"{_span(after.row)} overlap by {_duration(-rest)} (min_rest: shifts must not overlap)"
        )
    else:
        message = (
            f"{agent_id} rests {_duration(rest)} between {before.name} ending "
            f"{_clock(before.row.end)} and {after.name} starting {_clock(after.row.start)} "
            f"(min_rest: min_rest_hours = {rules.min_rest_hours:g})"
        )
    return Violation("min_rest", agent_id, after.row.start.date(), message)


def check_max_consecutive_days(by_agent: RowsByAgent, ctx: RuleContext) -> list[Violation]:
    """At most ``max_consecutive_days`` dates in a row with a shift starting on them; a run
    that begins in the previous rosters counts whole and is reported on its first date with a
    shift of this roster."""
    limit = ctx.rules.max_consecutive_days
    found: list[Violation] = []
    for agent_id, rows in by_agent.items():
        carried = _with_previous(agent_id, rows, ctx)
        checked = {c.row.start.date() for c in carried if c.checked}
        for first, last in _runs(sorted({c.row.start.date() for c in carried})):
            length = (last - first).days + 1
            inside = sorted(day for day in checked if first <= day <= last)
            if length > limit and inside:
                before = sum(day not in checked for day in _dates(first, last))
                earlier = f", {before} of them in the previous roster" if before else ""
                found.append(
                    Violation(
                        "max_consecutive_days",
                        agent_id,
                        inside[0],
                        f"{agent_id} works {length} days in a row, {first} to {last}{earlier} "
                        f"(max_consecutive_days = {limit})",
                    )
                )
    return found


def _dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=d) for d in range((last - first).days + 1)]


def _runs(dates: list[date]) -> list[tuple[date, date]]:
    """Maximal runs of consecutive dates in sorted ``dates``: (first, last)."""
    runs: list[tuple[date, date]] = []
    for day in dates:
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def check_weekly_rest(by_agent: RowsByAgent, ctx: RuleContext) -> list[Violation]:
    """In each 7-day block from ``start``, at least ``weekly_rest_days`` dates with no shift
    starting; a final block of k < 7 days needs max(0, weekly_rest_days - (7 - k))."""
    rest_days = ctx.rules.weekly_rest_days
    found: list[Violation] = []
    for agent_id, rows in by_agent.items():
        worked = {row.start.date() for row in rows}
        for first, length in ctx.blocks():
            block = [first + timedelta(days=d) for d in range(length)]
            free = sum(day not in worked for day in block)
            need = max(0, rest_days - (7 - length))
            if free < need:
                pro_rata = "" if length == 7 else f", pro rata {need} for {length} of 7 days"
                found.append(
                    Violation(
                        "weekly_rest",
                        agent_id,
                        first,
                        f"{agent_id} has {free} of {need} days off needed in {_block(block)} "
                        f"(weekly_rest: weekly_rest_days = {rest_days}{pro_rata})",
                    )
                )
    return found


def check_max_weekly_hours(by_agent: RowsByAgent, ctx: RuleContext) -> list[Violation]:
    """Paid hours of shifts starting in each 7-day block at most the agent's contract hours;
    a final block of k < 7 days allows contract_hours × k / 7, or one shift of at most
    contract_hours."""
    found: list[Violation] = []
    for agent_id, rows in by_agent.items():
        contract = ctx.contract_hours(agent_id)
        for first, length in ctx.blocks():
            block = [first + timedelta(days=d) for d in range(length)]
            in_block = [row for row in rows if row.start.date() in block]
            paid = sum(row.paid_hours for row in in_block)
            limit = contract * length / 7
            if len(in_block) == 1 and paid <= contract + _HOURS_TOLERANCE:
                continue  # one shift is always allowed, however short the block
            if paid > limit + _HOURS_TOLERANCE:
                pro_rata = "" if length == 7 else f" × {length}/7 days"
                found.append(
                    Violation(
                        "max_weekly_hours",
                        agent_id,
                        first,
                        f"{agent_id} is paid {paid:g} h in {_block(block)}, over the limit of "
                        f"{limit:.4g} h (max_weekly_hours: contract_hours = {contract:g}"
                        f"{pro_rata})",
                    )
                )
    return found


def check_night_ok(by_agent: RowsByAgent, ctx: RuleContext) -> list[Violation]:
    """An agent with night_ok false works no shift that overlaps the night_ok window."""
    found: list[Violation] = []
    for agent_id, rows in by_agent.items():
        if ctx.night_ok(agent_id):
            continue
        for row in rows:
            if overlaps_night(row.start, row.end, ctx.rules, protected=True):
                found.append(
                    Violation(
                        "night_ok",
                        agent_id,
                        row.start.date(),
                        f"{agent_id} may not work nights but works {row.shift} {_span(row)}, "
                        f"which overlaps the night_ok window {ctx.rules.night_ok_start}–"
                        f"{ctx.rules.night_ok_end} (night_ok = false)",
                    )
                )
    return found


def check_leave(by_agent: RowsByAgent, ctx: RuleContext) -> list[Violation]:
    """No shift overlaps the calendar span [00:00, next 00:00) of a leave date."""
    found: list[Violation] = []
    for agent_id, rows in by_agent.items():
        on_leave = ctx.leave.get(agent_id, set())
        for row in rows:
            touched = _dates_touched(row.start, row.end)
            for day in sorted(on_leave.intersection(touched)):
                found.append(
                    Violation(
                        "leave",
                        agent_id,
                        day,
                        f"{agent_id} is on leave on {day} but works {row.shift} {_span(row)} "
                        "(leave)",
                    )
                )
    return found


def _dates_touched(start: datetime, end: datetime) -> set[date]:
    """The calendar dates whose [00:00, next 00:00) overlaps [start, end)."""
    last = (end - timedelta(microseconds=1)).date()
    return {start.date() + timedelta(days=d) for d in range((last - start.date()).days + 1)}


def check_shift_definition(by_agent: RowsByAgent, ctx: RuleContext) -> list[Violation]:
    """Each row is a configured shift: known code, its start time and length, its paid hours,
    ``date`` = the start's date, a start inside the horizon, and a true night flag."""
    found: list[Violation] = []
    for agent_id, rows in by_agent.items():
        for row in rows:
            found.extend(
                Violation("shift_definition", agent_id, row.date, f"{message}{_at_line(row)}")
                for message in _definition_problems(row, ctx)
            )
    return found


def _definition_problems(row: RosterRow, ctx: RuleContext) -> list[str]:
    who = f"{row.agent_id}'s shift {row.shift} on {row.date}"
    problems = _template_problems(row, ctx.templates, who)
    if row.date != row.start.date():
        problems.append(f"{who} starts on {row.start.date()}, not on its date")
    if not ctx.horizon_start <= row.start < ctx.horizon_end:
        problems.append(
            f"{who} starts at {_clock(row.start)}, outside the roster horizon "
            f"{ctx.start} to {ctx.horizon_end.date() - timedelta(days=1)}"
        )
    night = overlaps_night(row.start, row.end, ctx.rules)
    if row.night != night:
        problems.append(
            f"{who} ({_span(row)}) has night = {str(row.night).lower()}, but it "
            f"{'overlaps' if night else 'does not overlap'} the night window "
            f"{_night_window(ctx.rules)}"
        )
    return problems


def _template_problems(row: RosterRow, templates: Mapping[str, Template], who: str) -> list[str]:
    template = templates.get(row.shift)
    if template is None:
        return [f"{who}: unknown shift code {row.shift!r}; known: {', '.join(sorted(templates))}"]
    problems: list[str] = []
    start_minute = row.start.hour * 60 + row.start.minute
    if start_minute != template.start_minute or row.start.second or row.start.microsecond:
        problems.append(
            f"{who} starts at {row.start:%H:%M}, but {row.shift} starts at "
            f"{_time_of_day(template.start_minute)}"
        )
    length = _minutes(row.end - row.start)
    if length != template.length_minutes:
        problems.append(
            f"{who} lasts {_duration(length)}, but {row.shift} lasts "
            f"{_duration(template.length_minutes)}"
        )
    if abs(row.paid_hours - template.paid_hours) > _PAID_HOURS_TOLERANCE:
        problems.append(
            f"{who} has paid_hours {row.paid_hours:g}, but {row.shift} pays "
            f"{template.paid_hours:g} h"
        )
    return problems


def check_known_agent(by_agent: RowsByAgent, ctx: RuleContext) -> list[Violation]:
    """With an agents list, every agent in the roster is on it."""
    if ctx.agents is None:
        return []
    return [
        Violation(
            "known_agent",
            agent_id,
            rows[0].date if rows else None,
            f"{agent_id} works {len(rows)} shifts but is not in the agents file (known_agent)",
        )
        for agent_id, rows in by_agent.items()
        if agent_id not in ctx.agents
    ]


HARD_RULES: dict[str, Rule] = {
    "one_shift_per_day": check_one_shift_per_day,
    "min_rest": check_min_rest,
    "max_consecutive_days": check_max_consecutive_days,
    "weekly_rest": check_weekly_rest,
    "max_weekly_hours": check_max_weekly_hours,
    "night_ok": check_night_ok,
    "leave": check_leave,
    "shift_definition": check_shift_definition,
    "known_agent": check_known_agent,
}


# --------------------------------------------------------------------------- coverage


def coverage(
    rows: Sequence[RosterRow], config: Config, forecast: Forecast, start: date, days: int
) -> pd.DataFrame:
    """Per horizon interval: required agents, scheduled agents, shortfall and the service level
    predicted with the scheduled agents net of shrinkage (the columns of coverage.csv)."""
    table = compute_staffing(forecast, config.staffing).table
    begin = pd.Timestamp(start)
    inside = (table["interval_start"] >= begin) & (
        table["interval_start"] < begin + pd.Timedelta(days=days)
    )
    _check_forecast_covers(table["interval_start"][inside], forecast, start, days)
    mask = inside.to_numpy()
    starts = table["interval_start"][inside].reset_index(drop=True)
    required = table["agents_required"].to_numpy(dtype=np.int64)[mask]
    scheduled = _scheduled(rows, starts, forecast.interval_minutes)
    net = np.floor(scheduled * (1.0 - config.staffing.shrinkage) + 1e-9).astype(np.int64)
    return pd.DataFrame(
        {
            "interval_start": starts,
            "required": required,
            "scheduled": scheduled,
            "shortfall": np.maximum(required - scheduled, 0),
            "service_level": _service_level(net, forecast, mask, config.staffing.answer_seconds),
        },
        columns=list(COVERAGE_COLUMNS),
    )


def _check_forecast_covers(
    starts: pd.Series[pd.Timestamp], forecast: Forecast, start: date, days: int
) -> None:
    expected = pd.date_range(
        pd.Timestamp(start),
        periods=days * _MINUTES_PER_DAY // forecast.interval_minutes,
        freq=f"{forecast.interval_minutes}min",
    )
    missing = expected.difference(pd.DatetimeIndex(starts))
    if len(missing):
        last = start + timedelta(days=days - 1)
        raise InputError(
            f"the forecast has no intervals from {missing[0]:%Y-%m-%d %H:%M} on, but the roster "
            f"runs {start} to {last}; first missing date: {missing[0]:%Y-%m-%d}",
            path=forecast.path,
            hint="check the roster against a forecast that covers every day of it",
        )


def _scheduled(
    rows: Sequence[RosterRow], starts: pd.Series[pd.Timestamp], interval_minutes: int
) -> npt.NDArray[np.int64]:
    """Per interval, the shifts whose [start, end) covers the whole interval."""
    count = len(starts)
    delta = np.zeros(count + 1, dtype=np.int64)
    if count == 0:
        return delta[:0]
    origin = starts.iloc[0].to_pydatetime()
    for row in rows:
        first = math.ceil(_minutes(row.start - origin) / interval_minutes)
        stop = math.floor(_minutes(row.end - origin) / interval_minutes)
        first, stop = max(first, 0), min(stop, count)
        if stop > first:
            delta[first] += 1
            delta[stop] -= 1
    return np.cumsum(delta[:-1])


def _service_level(
    net: npt.NDArray[np.int64],
    forecast: Forecast,
    mask: npt.NDArray[np.bool_],
    answer_seconds: float,
) -> npt.NDArray[np.float64]:
    """Erlang C (Erlang A where patience is given) with ``net`` agents; NaN without calls."""
    calls = np.nan_to_num(forecast.calls[mask], nan=0.0)
    aht = np.nan_to_num(forecast.aht_seconds[mask], nan=0.0)
    patience = (
        forecast.patience_seconds[mask]
        if forecast.patience_seconds is not None
        else np.full(calls.shape, np.nan)
    )
    level = np.full(calls.shape, np.nan)
    busy = (calls > 0) & (aht > 0)
    lam = calls / (forecast.interval_minutes * 60.0)
    rows_c, rows_a = busy & np.isnan(patience), busy & ~np.isnan(patience)
    if np.any(rows_c):
        level[rows_c] = erlang_c_metrics(
            net[rows_c], lam[rows_c] * aht[rows_c], aht[rows_c], answer_seconds
        ).service_level
    if np.any(rows_a):
        level[rows_a] = erlang_a_metrics(
            net[rows_a], lam[rows_a], aht[rows_a], patience[rows_a], answer_seconds, with_asa=False
        ).service_level
    return level


# --------------------------------------------------------------------------- formatting


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60.0


def _duration(minutes: float) -> str:
    """'10 h 59 min', '11 h', '45 min'."""
    hours, rest = divmod(round(minutes), 60)
    if not rest:
        return f"{hours} h"
    return f"{hours} h {rest} min" if hours else f"{rest} min"


def _clock(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


def _time_of_day(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _span(row: RosterRow) -> str:
    """'2026-12-21 23:00–2026-12-22 07:00'."""
    return f"{_clock(row.start)}–{_clock(row.end)}"


def _block(block: list[date]) -> str:
    kind = "the week" if len(block) == 7 else f"the {len(block)}-day block"
    return f"{kind} {block[0]} to {block[-1]}"


def _night_window(rules: RuleSettings) -> str:
    return f"{rules.night_start}–{rules.night_end}"


def _at_line(row: RosterRow) -> str:
    return f" (shift_definition, line {row.line})" if row.line else " (shift_definition)"
