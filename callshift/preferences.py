"""Read and check `preferences.csv`: the shifts and days off agents ask for.

A preference is soft: the roster tries to honour it, the more the higher its weight, but may not.
Each row names an agent, a date or a weekday (every such day in the horizon), a shift code, a
shift family code or `OFF`, and optionally a weight from 1 to 100.

Every problem raises `InputError` naming the file, the physical line (header = line 1), the
1-based column of the offending field, the bad value and what to do about it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from callshift import csvfile
from callshift.errors import InputError

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
OFF = "OFF"
DEFAULT_WEIGHT = 1
MAX_WEIGHT = 100

_ENGLISH = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_INDONESIAN = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
# lower-case weekday name -> (0 = Monday … 6 = Sunday, the name as shown in a did-you-mean)
_WEEKDAY_NAMES: dict[str, tuple[int, str]] = {
    spelling.lower(): (number, spelling)
    for number, names in enumerate(zip(_ENGLISH, _INDONESIAN, strict=True))
    for name in names
    for spelling in (name, name[:3])
}
_WEEKDAY_NAMES["jum'at"] = (4, "Jum'at")
_WEEKDAY_FORMS = (
    "YYYY-MM-DD (e.g. 2026-12-24), "
    + "/".join(WEEKDAYS)
    + ", "
    + "/".join(_ENGLISH)
    + ", "
    + "/".join(name[:3] for name in _INDONESIAN)
    + " or "
    + "/".join(_INDONESIAN)
    + ", in any case"
)

_DATE_RE = csvfile.DATE_RE
_DATE_LIKE_RE = csvfile.DATE_LIKE_RE
_WEIGHT_RE = re.compile(r"\+?[0-9]+")
_EXAMPLE = "agent_id,date_or_weekday,shift_or_OFF[,weight]"
_REQUIRED = ("agent_id", "date_or_weekday", "shift_or_off")
_KNOWN = (*_REQUIRED, "weight")
_SHOWN = {"shift_or_off": "shift_or_OFF"}  # column names as messages spell them
# other names people give a column, which `csvfile.similar_column` would not find
_ALIASES: Mapping[str, tuple[str, ...]] = {
    "agent_id": ("id", "employee", "employee_id", "emp_id", "staff_id", "login", "user_id"),
    "date_or_weekday": ("when", "tanggal", "hari"),
    "shift_or_off": ("code", "shift_code", "request", "wish"),
    "weight": ("priority", "importance", "points", "score", "bobot"),
}


@dataclass(frozen=True)
class Preference:
    """One wish of one agent: a shift (or a shift family, or a day off) on a date or a weekday."""

    agent_id: str
    day: date | None  # a specific date, or None when weekday is set
    weekday: int | None  # 0 = Monday … 6 = Sunday, for every such day in the horizon
    shift: str  # a shift code (e.g. "P", "D09"), a shift family code (e.g. "D"), or "OFF"
    weight: int = DEFAULT_WEIGHT  # 1..100, how much the agent cares
    line: int = field(default=0, compare=False)  # physical line in preferences.csv, for messages
    # True: a wish *not* to work this shift (or family) that day; a day off or another shift
    # grants it (benchmark instances have such requests; preferences.csv does not)
    avoid: bool = False

    def __post_init__(self) -> None:
        if (self.day is None) == (self.weekday is None):
            raise ValueError(
                f"a preference of {self.agent_id} needs exactly one of day and weekday, got "
                f"day={self.day} and weekday={self.weekday}"
            )
        if self.weekday is not None and not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday}")
        if not DEFAULT_WEIGHT <= self.weight <= MAX_WEIGHT:
            raise ValueError(f"weight must be 1 to {MAX_WEIGHT}, got {self.weight}")

    def applies_to(self, d: date) -> bool:
        """Is `d` a day this preference is about: its date, or a day of its weekday?"""
        if self.day is not None:
            return d == self.day
        return d.weekday() == self.weekday


_Columns = csvfile.Columns


def read_preferences(
    path: str | Path, agent_ids: Collection[str] | None, shift_codes: Collection[str]
) -> tuple[Preference, ...]:
    """Read and check `preferences.csv`; one `Preference` per row, in file order.

    With `agent_ids` every agent_id must be one of them; with None any id is accepted (the team
    is generated later). `shift_codes` are the codes a row may ask for besides OFF: the shift
    codes and the shift family codes; a value matching one of them in another case is read as
    that code. A header without rows means no preferences.
    """
    shown = str(path)
    records = csvfile.csv_records(
        csvfile.read_csv_text(Path(path), shown, "preferences"),
        shown,
        empty_hint=f"expected a header line {_EXAMPLE}; a file with only the header means no "
        "preferences",
    )
    header_line, header = records[0]
    columns = _columns(header, header_line, shown)
    known_ids = None if agent_ids is None else frozenset(agent_ids)
    codes = tuple(sorted({code for code in shift_codes if code.upper() != OFF}))
    preferences: list[Preference] = []
    lines: dict[tuple[str, date | None, int | None, str], int] = {}
    for line, row in records[1:]:
        columns.check_row(line, row)
        agent_id = _agent_id(columns, line, row, known_ids)
        day, weekday = _day(columns, line, row)
        shift = _shift(columns, line, row, codes)
        weight = _weight(columns, line, row)
        key = (agent_id, day, weekday, shift)
        if key in lines:
            when = str(day) if weekday is None else _ENGLISH[weekday]
            raise columns.error(
                f"duplicate preference: {agent_id} {when} {shift} is already on line {lines[key]}",
                line,
                "agent_id",
                "delete one of the rows; to make a wish count more, raise its weight",
            )
        lines[key] = line
        preferences.append(Preference(agent_id, day, weekday, shift, weight, line))
    return tuple(preferences)


def weekday_number(text: str) -> int | None:
    """0 (Monday) to 6 (Sunday) for an English or Indonesian weekday name or its 3-letter
    abbreviation in any case ('Mon', 'monday', 'Sen', 'Senin'); None for anything else."""
    found = _WEEKDAY_NAMES.get(text.strip().lower())
    return None if found is None else found[0]


# ---------------------------------------------------------------------------------------------
# The header
# ---------------------------------------------------------------------------------------------


def _columns(header: Sequence[str], line: int, shown: str) -> _Columns:
    csvfile.check_separator(header, line, shown)
    index = csvfile.header_columns(header, line, shown, _KNOWN)
    written = [value.strip() for value in header]
    names = tuple(value.lower() for value in written)
    for name in _REQUIRED:
        if name in index:
            continue
        raise csvfile.missing_column(
            _SHOWN.get(name, name),
            written,
            line,
            shown,
            position=_misnamed(name, names),
            header_is_data=any(_looks_like_data(value) for value in written),
            example=_EXAMPLE,
        )
    if "weight" not in index:
        # reading the default weight instead of a misnamed column would change the plan
        position = _misnamed("weight", names)
        if position is not None:
            raise InputError(
                f"unknown column '{written[position]}' looks like a misnamed 'weight'",
                path=shown,
                line=line,
                column=position + 1,
                hint="rename it to 'weight'; if it means something else, give it another name",
            )
    return _Columns(shown, line, names, index, _SHOWN)


def _misnamed(name: str, names: Sequence[str]) -> int | None:
    """The position of the header field that is probably column `name` under another name."""
    for position, value in enumerate(names):
        if value in _ALIASES[name]:
            return position
    others = {alias for other, aliases in _ALIASES.items() if other != name for alias in aliases}
    return csvfile.similar_column(name, names, {*_KNOWN, *others})


def _looks_like_data(value: str) -> bool:
    return (
        _DATE_LIKE_RE.fullmatch(value) is not None
        or weekday_number(value) is not None
        or value.upper() == OFF
        or value.isdigit()
    )


# ---------------------------------------------------------------------------------------------
# The values of a row
# ---------------------------------------------------------------------------------------------


def _agent_id(
    columns: _Columns, line: int, row: Sequence[str], known: frozenset[str] | None
) -> str:
    agent_id = columns.get(row, "agent_id")
    if not agent_id:
        raise columns.error(
            "agent_id is empty", line, "agent_id", "name the agent who asks, or delete this row"
        )
    if known is not None and agent_id not in known:
        same_case = [other for other in sorted(known) if other.lower() == agent_id.lower()]
        close = same_case or difflib.get_close_matches(agent_id, sorted(known), n=1)
        hint = (
            f"did you mean '{close[0]}'? ids must match the agents file exactly"
            if close
            else "every agent_id must be in the agents file; add the agent there or delete this row"
        )
        raise columns.error(f"unknown agent_id '{agent_id}'", line, "agent_id", hint)
    return agent_id


def _day(columns: _Columns, line: int, row: Sequence[str]) -> tuple[date | None, int | None]:
    """(the date, None) or (None, the weekday number) of the row."""
    name = "date_or_weekday"
    text = columns.get(row, name)
    if not text:
        raise columns.error(f"{name} is empty", line, name, f"accepted: {_WEEKDAY_FORMS}")
    weekday = weekday_number(text)
    if weekday is not None:
        return None, weekday
    match = _DATE_RE.fullmatch(text)
    if match is not None:
        year, month, day = (int(part) for part in match.groups())
        try:
            return date(year, month, day), None
        except ValueError as exc:
            raise columns.error(
                f"{name} '{text}' is not a real date ({exc})", line, name, "e.g. 2026-12-24"
            ) from None
    if _DATE_LIKE_RE.fullmatch(text):
        hint = csvfile.SPREADSHEET_DATE_HINT
    else:
        close = difflib.get_close_matches(text.lower(), list(_WEEKDAY_NAMES), n=1)
        hint = f"did you mean '{_WEEKDAY_NAMES[close[0]][1]}'? " if close else ""
        hint += f"accepted: {_WEEKDAY_FORMS}"
    raise columns.error(
        f"{name} must be a date YYYY-MM-DD or a weekday, got '{text}'", line, name, hint
    )


def _shift(columns: _Columns, line: int, row: Sequence[str], codes: Sequence[str]) -> str:
    name = "shift_or_off"
    shown_name = _SHOWN[name]
    text = columns.get(row, name)
    known = (
        ", ".join(codes) + ", or OFF for a day off"
        if codes
        else "OFF for a day off (no shift codes are defined)"
    )
    if not text:
        raise columns.error(f"{shown_name} is empty", line, name, f"known: {known}")
    if text.upper() == OFF:
        return OFF
    if text in codes:
        return text
    same = [code for code in codes if code.lower() == text.lower()]
    if len(same) == 1:
        return same[0]
    if same:
        raise columns.error(
            f"{shown_name} '{text}' matches several shift codes: {', '.join(same)}",
            line,
            name,
            "write the code exactly as the shift templates spell it",
        )
    lower = {code.lower(): code for code in codes}
    close = difflib.get_close_matches(text.lower(), list(lower), n=1)
    hint = f"did you mean '{lower[close[0]]}'? " if close else ""
    raise columns.error(f"unknown shift code '{text}'", line, name, f"{hint}known: {known}")


def _weight(columns: _Columns, line: int, row: Sequence[str]) -> int:
    text = columns.get(row, "weight")
    if not text:
        return DEFAULT_WEIGHT
    if _WEIGHT_RE.fullmatch(text) is None or not 1 <= int(text) <= MAX_WEIGHT:
        raise columns.error(
            f"weight must be a whole number from 1 to {MAX_WEIGHT}, got '{text}'",
            line,
            "weight",
            f"how much the agent cares, 1 = a little, {MAX_WEIGHT} = very much; empty means "
            f"{DEFAULT_WEIGHT}",
        )
    return int(text)
