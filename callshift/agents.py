"""Read and check `agents.csv` (the team) and `leave.csv` (days an agent cannot work).

Every problem raises `InputError` naming the file, the physical line (header = line 1), the
1-based column of the offending field, the bad value and what to do about it.
"""

from __future__ import annotations

import datetime
import difflib
import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from callshift import csvfile
from callshift.errors import InputError

# =============================================================================================
# Header and row checks of agents.csv and leave.csv
#
# Generic, but used only here: `_columns` checks a header against a `_Layout` (required,
# optional and guarded columns, and the other names people give them) and `_Columns.check_row`
# checks the shape of one data row. Reading the file, and the checks that every CSV reader of
# callshift makes, are in `callshift.csvfile`.
# =============================================================================================


def _key(name: str) -> str:
    """A column name reduced to lower-case letters and digits: 'Night OK' -> 'nightok'."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


@dataclass(frozen=True)
class _Layout:
    """The columns one kind of CSV file may have."""

    required: tuple[str, ...]
    optional: tuple[str, ...]
    example: str  # the header line shown in hints
    # other names people give a column; one of them where the real column is missing is
    # reported as a probable misnaming
    aliases: Mapping[str, tuple[str, ...]]
    # optional columns whose misnamed form is an error rather than an ignored extra column,
    # because reading the default instead would change the plan
    guarded: tuple[str, ...]
    looks_like_data: Callable[[str], bool]  # a header field like this means: no header line

    @property
    def known(self) -> tuple[str, ...]:
        return self.required + self.optional


_Columns = csvfile.Columns


def _columns(header: Sequence[str], line: int, shown: str, layout: _Layout) -> _Columns:
    """Check the header line against `layout`; names are case-insensitive and stripped."""
    csvfile.check_separator(header, line, shown)
    index = csvfile.header_columns(header, line, shown, layout.known)
    written = [value.strip() for value in header]
    names = tuple(value.lower() for value in written)
    for name in layout.required:
        if name not in index:
            raise _missing_column(name, written, line, shown, layout)
    for name in layout.guarded:
        if name in index:
            continue
        misnamed = _misnamed(name, names, layout, loose=False)
        if misnamed is not None:
            raise InputError(
                f"unknown column '{written[misnamed]}' looks like a misnamed '{name}'",
                path=shown,
                line=line,
                column=misnamed + 1,
                hint=f"rename it to '{name}'; if it means something else, give it another name",
            )
    return _Columns(shown, line, names, index)


def _missing_column(
    name: str, written: list[str], line: int, shown: str, layout: _Layout
) -> InputError:
    return csvfile.missing_column(
        name,
        written,
        line,
        shown,
        position=_misnamed(name, [value.lower() for value in written], layout, loose=True),
        header_is_data=any(layout.looks_like_data(value) for value in written),
        example=layout.example,
    )


def _misnamed(name: str, names: Sequence[str], layout: _Layout, *, loose: bool) -> int | None:
    """The position of the header field that is probably column `name` under another name.

    Known columns and other columns' aliases are never candidates. `loose` (for a missing
    required column) also accepts a fairly close spelling or a name containing the other.
    """
    taken = {_key(other) for other in layout.known if other != name}
    taken |= {
        _key(alias)
        for other, aliases in layout.aliases.items()
        if other != name
        for alias in aliases
    }
    candidates = [
        (position, value)
        for position, value in enumerate(names)
        if _key(value) and value not in layout.known and _key(value) not in taken
    ]
    wanted = {_key(name), *(_key(alias) for alias in layout.aliases.get(name, ()))}
    for position, value in candidates:
        if _key(value) in wanted:
            return position
    spellings = [value for _, value in candidates]
    close = difflib.get_close_matches(name, spellings, n=1, cutoff=0.6 if loose else 0.8)
    if close:
        return next(position for position, value in candidates if value == close[0])
    if loose:
        for position, value in candidates:
            if len(_key(value)) >= 3 and (_key(value) in _key(name) or _key(name) in _key(value)):
                return position
    return None


# =============================================================================================
# Agents and leave
# =============================================================================================

MAX_CONTRACT_HOURS = 84.0  # 12 hours a day, 7 days a week
MAX_LEAVE_DAYS = 366  # a longer span in one row is probably a typo in a year
_TRUE = ("true", "yes", "y", "1")
_FALSE = ("false", "no", "n", "0")
_FLAG_DEFAULTS = {"night_ok": True, "night_transport": False}
_DATE_LIKE_RE = csvfile.DATE_LIKE_RE
_AGENTS_EXAMPLE = "agent_id[,name][,contract_hours][,night_ok][,night_transport]"
_LEAVE_EXAMPLE = "agent_id,date[,end_date][,reason]"
_ID_ALIASES = (
    "id",
    "agent",
    "agent_no",
    "agent_number",
    "agent_code",
    "employee",
    "employee_id",
    "emp_id",
    "staff_id",
    "login",
    "user_id",
)


@dataclass(frozen=True)
class Agent:
    """One member of the team, as `agents.csv` describes them."""

    agent_id: str
    name: str = ""
    contract_hours: float | None = None  # paid hours per week; None: the rules' default
    night_ok: bool = True  # may work night shifts
    night_transport: bool = False  # the center arranges a ride home after a night shift


@dataclass(frozen=True)
class Leave:
    """Days `first` to `last` (inclusive) on which the agent cannot work."""

    agent_id: str
    first: datetime.date
    last: datetime.date
    reason: str = ""
    line: int = field(default=0, compare=False)  # physical line in leave.csv, for messages

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(
                f"leave of {self.agent_id} ends on {self.last}, before it starts on {self.first}"
            )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


_AGENTS = _Layout(
    required=("agent_id",),
    optional=("name", "contract_hours", "night_ok", "night_transport"),
    example=_AGENTS_EXAMPLE,
    aliases={
        "agent_id": _ID_ALIASES,
        "name": ("agent_name", "full_name", "employee_name"),
        "contract_hours": (
            "hours",
            "weekly_hours",
            "hours_per_week",
            "contracted_hours",
            "contract_hrs",
        ),
        "night_ok": (
            "night",
            "nights",
            "nights_ok",
            "night_shifts",
            "can_work_nights",
            "works_nights",
        ),
        "night_transport": ("transport", "night_taxi", "taxi"),
    },
    guarded=("contract_hours", "night_ok", "night_transport"),
    looks_like_data=lambda value: value.lower() in _TRUE + _FALSE or _is_number(value),
)
_LEAVE = _Layout(
    required=("agent_id", "date"),
    optional=("end_date", "reason"),
    example=_LEAVE_EXAMPLE,
    aliases={
        "agent_id": _ID_ALIASES,
        "date": (
            "start",
            "start_date",
            "from",
            "from_date",
            "date_from",
            "day",
            "first",
            "first_day",
            "begin",
            "leave_date",
        ),
        "end_date": (
            "end",
            "to",
            "to_date",
            "date_to",
            "until",
            "through",
            "last",
            "last_day",
            "last_date",
            "end_day",
        ),
    },
    guarded=("end_date",),
    looks_like_data=lambda value: _DATE_LIKE_RE.fullmatch(value) is not None,
)


def read_agents(path: str | Path) -> tuple[Agent, ...]:
    """Read and check `agents.csv`; the agents in file order."""
    shown = str(path)
    records = csvfile.csv_records(
        csvfile.read_csv_text(Path(path), shown, "agents"),
        shown,
        empty_hint=f"expected a header line {_AGENTS_EXAMPLE} and one row per agent",
    )
    header_line, header = records[0]
    columns = _columns(header, header_line, shown, _AGENTS)
    agents: list[Agent] = []
    lines: dict[str, int] = {}
    for line, row in records[1:]:
        columns.check_row(line, row)
        agent = _agent(columns, line, row)
        if agent.agent_id in lines:
            raise columns.error(
                f"duplicate agent_id '{agent.agent_id}': already on line {lines[agent.agent_id]}",
                line,
                "agent_id",
                "each agent must appear once; delete one of the rows or give it another id",
            )
        lines[agent.agent_id] = line
        agents.append(agent)
    if not agents:
        raise InputError(
            "the file has a header but no agents",
            path=shown,
            hint="add one row per agent below the header, or plan without an agents file "
            "to let callshift size the team",
        )
    return tuple(agents)


def _agent(columns: _Columns, line: int, row: Sequence[str]) -> Agent:
    agent_id = columns.get(row, "agent_id")
    if not agent_id:
        raise columns.error(
            "agent_id is empty", line, "agent_id", "give every agent an id, or delete this row"
        )
    return Agent(
        agent_id=agent_id,
        name=columns.get(row, "name"),
        contract_hours=_contract_hours(columns, line, columns.get(row, "contract_hours")),
        night_ok=_flag(columns, line, row, "night_ok"),
        night_transport=_flag(columns, line, row, "night_transport"),
    )


def _contract_hours(columns: _Columns, line: int, text: str) -> float | None:
    if not text:
        return None
    name = "contract_hours"
    hint = "paid hours per week, e.g. 40 or 37.5; leave it empty for the rules' default"
    try:
        hours = float(text)
    except ValueError:
        if "," in text:
            hint = "use '.' as the decimal mark, e.g. 37.5"
        raise columns.error(
            f"contract_hours must be a number of hours per week, got '{text}'", line, name, hint
        ) from None
    if not math.isfinite(hours):
        raise columns.error(
            f"contract_hours must be a finite number, got '{text}'", line, name, hint
        )
    if hours <= 0:
        raise columns.error(
            f"contract_hours must be > 0, got '{text}'",
            line,
            name,
            "leave it empty for the rules' default, or delete the row of an agent who does "
            "not work",
        )
    if hours > MAX_CONTRACT_HOURS:
        raise columns.error(
            f"contract_hours must be at most {MAX_CONTRACT_HOURS:g} hours per week, got '{text}'",
            line,
            name,
            f"{MAX_CONTRACT_HOURS:g} is 12 hours a day, 7 days a week; give paid hours per "
            "week, not per month or year",
        )
    return hours


def _flag(columns: _Columns, line: int, row: Sequence[str], name: str) -> bool:
    text = columns.get(row, name)
    default = _FLAG_DEFAULTS[name]
    if not text:
        return default
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise columns.error(
        f"{name} must be true or false, got '{text}'",
        line,
        name,
        f"accepted: true/false, yes/no, y/n, 1/0 in any case; empty means {str(default).lower()}",
    )


def read_leave(path: str | Path, agent_ids: Collection[str] | None) -> tuple[Leave, ...]:
    """Read and check `leave.csv`; one `Leave` per row, in file order.

    With `agent_ids` every agent_id must be one of them; with None any id is accepted (the
    team is generated later). A header without rows means no leave. Overlapping rows are fine.
    """
    shown = str(path)
    records = csvfile.csv_records(
        csvfile.read_csv_text(Path(path), shown, "leave"),
        shown,
        empty_hint=f"expected a header line {_LEAVE_EXAMPLE}; a file with only the header means "
        "no leave",
    )
    header_line, header = records[0]
    columns = _columns(header, header_line, shown, _LEAVE)
    known = None if agent_ids is None else frozenset(agent_ids)
    leaves: list[Leave] = []
    for line, row in records[1:]:
        columns.check_row(line, row)
        agent_id = columns.get(row, "agent_id")
        if not agent_id:
            raise columns.error(
                "agent_id is empty", line, "agent_id", "name the agent on leave, or delete this row"
            )
        if known is not None and agent_id not in known:
            raise columns.error(
                f"unknown agent_id '{agent_id}'", line, "agent_id", _unknown_hint(agent_id, known)
            )
        first = _date(columns, line, row, "date")
        last = _date(columns, line, row, "end_date") if columns.get(row, "end_date") else first
        if last < first:
            raise columns.error(
                f"end_date {last} is before date {first}",
                line,
                "end_date",
                "end_date is the last day of leave, inclusive; leave it empty for a one-day leave",
            )
        days = (last - first).days + 1
        if days > MAX_LEAVE_DAYS:
            raise columns.error(
                f"leave from {first} to {last} is {days} days; at most {MAX_LEAVE_DAYS} days "
                "in one row",
                line,
                "end_date",
                "check the year of end_date; split a longer absence into several rows",
            )
        leaves.append(Leave(agent_id, first, last, columns.get(row, "reason"), line))
    return tuple(leaves)


def _unknown_hint(agent_id: str, known: frozenset[str]) -> str:
    same_case = [candidate for candidate in sorted(known) if candidate.lower() == agent_id.lower()]
    close = same_case or difflib.get_close_matches(agent_id, sorted(known), n=1)
    if close:
        return f"did you mean '{close[0]}'? ids must match the agents file exactly"
    return "every agent_id must be in the agents file; add the agent there or delete this row"


def _date(columns: _Columns, line: int, row: Sequence[str], name: str) -> datetime.date:
    example = "e.g. 2026-12-24"
    if not columns.get(row, name):
        raise columns.error(f"{name} is empty; expected YYYY-MM-DD", line, name, example)
    return columns.date(row, line, name, example)


def generic_agents(count: int) -> tuple[Agent, ...]:
    """`count` interchangeable agents A001, A002, …; past A999 the number just grows (A1000)."""
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    return tuple(Agent(f"A{number:03d}") for number in range(1, count + 1))


def leave_days(leaves: Iterable[Leave]) -> dict[str, set[datetime.date]]:
    """agent_id -> every date on leave (overlapping leave merged); agents without leave absent."""
    days: dict[str, set[datetime.date]] = {}
    for leave in leaves:
        span = (leave.last - leave.first).days
        days.setdefault(leave.agent_id, set()).update(
            leave.first + datetime.timedelta(days=offset) for offset in range(span + 1)
        )
    return days
