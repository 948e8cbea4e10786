"""Read a Curtois & Qu staff scheduling instance (the benchmark's `.txt` format).

The file is a list of sections, each a `SECTION_<NAME>` line followed by comma-separated
rows; lines starting with `#` and blank lines are ignored. Days are 0-based from a Monday.

    SECTION_HORIZON              the number of days
    SECTION_SHIFTS               ShiftID, length in minutes, IDs that cannot follow it (a|b)
    SECTION_STAFF                ID, MaxShifts (a=n|b=m), MaxTotalMinutes, MinTotalMinutes,
                                 MaxConsecutiveShifts, MinConsecutiveShifts,
                                 MinConsecutiveDaysOff, MaxWeekends
    SECTION_DAYS_OFF             EmployeeID, day indexes the employee cannot work
    SECTION_SHIFT_ON_REQUESTS    EmployeeID, day, ShiftID, weight (cost if not granted)
    SECTION_SHIFT_OFF_REQUESTS   EmployeeID, day, ShiftID, weight (cost if worked)
    SECTION_COVER                day, ShiftID, requirement, weight under, weight over

Every problem raises `InputError` naming the file, the line and the 1-based column of the
offending field. The reader imports nothing from the model, so that the evaluator can use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from callshift.errors import InputError

SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)
REQUIRED = ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF")
MAX_WEIGHT = 100  # the request weights callshift's preferences take


@dataclass(frozen=True)
class Shift:
    code: str
    length_minutes: int
    not_followed_by: tuple[str, ...]  # codes that may not start the next day


@dataclass(frozen=True)
class Staff:
    employee: str
    max_shifts: dict[str, int]
    max_total_minutes: int
    min_total_minutes: int
    max_consecutive_shifts: int
    min_consecutive_shifts: int
    min_consecutive_days_off: int
    max_weekends: int


@dataclass(frozen=True)
class Request:
    """A shift on (or off) request: cost ``weight`` if not granted."""

    employee: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class Cover:
    day: int
    shift: str
    required: int
    under_weight: int
    over_weight: int


@dataclass(frozen=True)
class Instance:
    name: str
    horizon: int
    shifts: tuple[Shift, ...]
    staff: tuple[Staff, ...]
    days_off: dict[str, frozenset[int]] = field(default_factory=dict)
    on_requests: tuple[Request, ...] = ()
    off_requests: tuple[Request, ...] = ()
    cover: tuple[Cover, ...] = ()

    def shift(self, code: str) -> Shift:
        return next(s for s in self.shifts if s.code == code)


@dataclass(frozen=True)
class _Field:
    text: str
    line: int
    column: int


class _Reader:
    """Turns fields into values, raising `InputError` at the field's place."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, f: _Field, message: str, hint: str | None = None) -> InputError:
        return InputError(message, path=self.path, line=f.line, column=f.column, hint=hint)

    def integer(self, f: _Field, what: str, least: int = 0) -> int:
        text = f.text.strip()
        if not text.lstrip("+-").isdigit():
            raise self.error(f, f"{what} must be a whole number, not {text!r}")
        value = int(text)
        if value < least:
            raise self.error(f, f"{what} must be at least {least}, not {value}")
        return value

    def day(self, f: _Field, horizon: int) -> int:
        value = self.integer(f, "day")
        if value >= horizon:
            raise self.error(
                f, f"day {value} is outside the horizon", f"days are 0 to {horizon - 1}"
            )
        return value

    def known(self, f: _Field, what: str, names: dict[str, object]) -> str:
        text = f.text.strip()
        if text not in names:
            shown = ", ".join(list(names)[:12]) + (", …" if len(names) > 12 else "")
            raise self.error(f, f"unknown {what} {text!r}", f"known: {shown}")
        return text


def _split(text: str, line: int, column: int, separator: str) -> list[_Field]:
    """Fields of ``text`` (starting at ``column``) split on ``separator``."""
    fields = []
    for part in text.split(separator):
        lead = len(part) - len(part.lstrip())
        fields.append(_Field(part.strip(), line, column + lead))
        column += len(part) + 1
    return fields


def _sections(text: str, path: Path) -> dict[str, tuple[int, list[list[_Field]]]]:
    """Section name → (its line, its rows as fields)."""
    found: dict[str, tuple[int, list[list[_Field]]]] = {}
    current: list[list[_Field]] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        column = len(line) - len(line.lstrip()) + 1
        if stripped.startswith("SECTION_"):
            if stripped not in SECTIONS:
                raise InputError(
                    f"unknown section {stripped!r}",
                    path=path,
                    line=number,
                    column=column,
                    hint="sections are " + ", ".join(SECTIONS),
                )
            if stripped in found:
                raise InputError(
                    f"{stripped} appears twice (first on line {found[stripped][0]})",
                    path=path,
                    line=number,
                    column=column,
                )
            current = []
            found[stripped] = (number, current)
            continue
        if current is None:
            raise InputError(
                "data before the first SECTION_ line",
                path=path,
                line=number,
                column=column,
                hint="the file starts with SECTION_HORIZON",
            )
        current.append(_split(stripped, number, column, ","))
    for name in REQUIRED:
        if name not in found:
            raise InputError(f"no {name}", path=path, hint="is this a benchmark instance?")
    return found


def _width(reader: _Reader, row: list[_Field], section: str, count: int, names: str) -> None:
    if len(row) != count:
        last = row[-1]
        raise reader.error(
            last if len(row) > count else _Field("", last.line, last.column + len(last.text)),
            f"{section} rows have {count} fields ({names}), this one has {len(row)}",
        )


def read_text(path: Path) -> str:
    """A text file's contents; a missing, unreadable or non-UTF-8 file is an InputError."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None
    except UnicodeDecodeError:
        raise InputError("not a UTF-8 text file", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None


def read_instance(path: str | Path) -> Instance:
    """Read and check an instance file."""
    path = Path(path)
    text = read_text(path)
    reader = _Reader(path)
    sections = _sections(text, path)

    horizon_line, rows = sections["SECTION_HORIZON"]
    if len(rows) != 1 or len(rows[0]) != 1:
        raise InputError(
            "SECTION_HORIZON must hold one number, the days in the horizon",
            path=path,
            line=rows[1][0].line if len(rows) > 1 else horizon_line,
        )
    horizon = reader.integer(rows[0][0], "the horizon", least=1)

    shifts: dict[str, Shift] = {}
    successors: list[tuple[str, list[_Field]]] = []
    for row in sections["SECTION_SHIFTS"][1]:
        _width(reader, row, "SECTION_SHIFTS", 3, "ShiftID, length in minutes, not followed by")
        code = row[0].text
        if not code:
            raise reader.error(row[0], "empty ShiftID")
        if code in shifts:
            raise reader.error(row[0], f"shift {code!r} is defined twice")
        length = reader.integer(row[1], "the shift length in minutes", least=1)
        if length > 1440:
            raise reader.error(row[1], f"a shift of {length} minutes is longer than a day")
        after = [f for f in _split(row[2].text, row[2].line, row[2].column, "|") if f.text]
        successors.append((code, after))
        shifts[code] = Shift(code, length, ())
    if not shifts:
        raise InputError(
            "SECTION_SHIFTS has no shifts", path=path, line=sections["SECTION_SHIFTS"][0]
        )
    for code, after in successors:
        codes = tuple(reader.known(f, "shift", dict(shifts)) for f in after)
        shifts[code] = Shift(code, shifts[code].length_minutes, codes)

    staff: dict[str, Staff] = {}
    for row in sections["SECTION_STAFF"][1]:
        _width(
            reader,
            row,
            "SECTION_STAFF",
            8,
            "ID, MaxShifts, MaxTotalMinutes, MinTotalMinutes, MaxConsecutiveShifts, "
            "MinConsecutiveShifts, MinConsecutiveDaysOff, MaxWeekends",
        )
        employee = row[0].text
        if not employee:
            raise reader.error(row[0], "empty employee ID")
        if employee in staff:
            raise reader.error(row[0], f"employee {employee!r} is listed twice")
        most: dict[str, int] = {}
        for item in _split(row[1].text, row[1].line, row[1].column, "|"):
            if not item.text:
                continue
            code, equals, count = item.text.partition("=")
            if not equals:
                raise reader.error(item, f"MaxShifts items are ShiftID=count, not {item.text!r}")
            known = reader.known(
                _Field(code.strip(), item.line, item.column), "shift", dict(shifts)
            )
            at = _Field(count, item.line, item.column + len(code) + 1)
            most[known] = reader.integer(at, f"MaxShifts of {known}")
        values = [
            reader.integer(f, name)
            for f, name in zip(
                row[2:],
                (
                    "MaxTotalMinutes",
                    "MinTotalMinutes",
                    "MaxConsecutiveShifts",
                    "MinConsecutiveShifts",
                    "MinConsecutiveDaysOff",
                    "MaxWeekends",
                ),
                strict=True,
            )
        ]
        if values[1] > values[0]:
            raise reader.error(row[3], "MinTotalMinutes is more than MaxTotalMinutes")
        if values[2] < 1:
            raise reader.error(row[4], "MaxConsecutiveShifts must be at least 1")
        if values[3] > values[2]:
            raise reader.error(row[5], "MinConsecutiveShifts is more than MaxConsecutiveShifts")
        staff[employee] = Staff(employee, most, *values)
    if not staff:
        raise InputError(
            "SECTION_STAFF has no employees", path=path, line=sections["SECTION_STAFF"][0]
        )

    days_off: dict[str, frozenset[int]] = {}
    for row in sections.get("SECTION_DAYS_OFF", (0, []))[1]:
        employee = reader.known(row[0], "employee", dict(staff))
        if employee in days_off:
            raise reader.error(row[0], f"days off of {employee!r} are listed twice")
        days_off[employee] = frozenset(reader.day(f, horizon) for f in row[1:] if f.text)

    def requests(section: str) -> tuple[Request, ...]:
        found: dict[tuple[str, int, str], int] = {}
        for row in sections.get(section, (0, []))[1]:
            _width(reader, row, section, 4, "EmployeeID, day, ShiftID, weight")
            employee = reader.known(row[0], "employee", dict(staff))
            day = reader.day(row[1], horizon)
            code = reader.known(row[2], "shift", dict(shifts))
            weight = reader.integer(row[3], "the weight", least=1)
            if weight > MAX_WEIGHT:
                raise reader.error(row[3], f"the weight must be at most {MAX_WEIGHT}")
            if (employee, day, code) in found:
                raise reader.error(
                    row[0], f"a second request of {employee} for {code} on day {day}"
                )
            found[employee, day, code] = weight
        return tuple(Request(e, d, s, w) for (e, d, s), w in found.items())

    cover: dict[tuple[int, str], Cover] = {}
    for row in sections.get("SECTION_COVER", (0, []))[1]:
        _width(reader, row, "SECTION_COVER", 5, "day, ShiftID, requirement, under, over")
        day = reader.day(row[0], horizon)
        code = reader.known(row[1], "shift", dict(shifts))
        if (day, code) in cover:
            raise reader.error(row[0], f"a second cover row for {code} on day {day}")
        cover[day, code] = Cover(
            day,
            code,
            reader.integer(row[2], "the requirement"),
            reader.integer(row[3], "the weight for under"),
            reader.integer(row[4], "the weight for over"),
        )
    return Instance(
        name=path.stem,
        horizon=horizon,
        shifts=tuple(shifts.values()),
        staff=tuple(staff.values()),
        days_off=days_off,
        on_requests=requests("SECTION_SHIFT_ON_REQUESTS"),
        off_requests=requests("SECTION_SHIFT_OFF_REQUESTS"),
        cover=tuple(cover.values()),
    )
