"""The benchmark's objective and hard constraints, recomputed from an instance and a
`solution.csv` alone.

Independent of the solver: it imports the instance reader and nothing of the model, the
solver or the soft rules (a test checks this), and it works from the rows' codes and day
numbers, not from template indices. One ``check_<rule_id>`` per hard rule of the compiled
model (`callshift.nrp.compile.NRP_RULES`), so that the solver's mistakes show here.

Runs of working days or days off that touch the first or last day are not held to the
minimum lengths (they may continue outside the horizon; see docs/nrp.md).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from callshift.errors import InputError
from callshift.nrp.instance import Instance, read_text

SOLUTION_COLUMNS = ("employee", "day", "shift")

Rows = tuple[tuple[str, int, str], ...]  # (employee, day, shift)
Schedule = dict[str, dict[int, list[str]]]  # employee → day → shifts that day


@dataclass(frozen=True)
class Violation:
    rule_id: str
    employee: str
    day: int | None
    message: str


@dataclass(frozen=True)
class Evaluation:
    """The benchmark objective in its parts, and every broken hard constraint."""

    on_requests: int  # weights of shift-on requests not granted
    off_requests: int  # weights of shift-off requests worked anyway
    under: int  # cover: weight × agents short
    over: int  # cover: weight × agents over
    violations: tuple[Violation, ...]

    @property
    def objective(self) -> int:
        return self.on_requests + self.off_requests + self.under + self.over

    @property
    def feasible(self) -> bool:
        return not self.violations


def read_solution(path: str | Path, instance: Instance) -> Rows:
    """Read `solution.csv` (`employee,day,shift`, day 0-based) for ``instance``."""
    path = Path(path)
    text = read_text(path)
    lines = list(csv.reader(text.splitlines()))
    if not lines or [c.strip() for c in lines[0]] != list(SOLUTION_COLUMNS):
        raise InputError("the header must be employee,day,shift", path=path, line=1, column=1)
    employees = {s.employee for s in instance.staff}
    codes = {s.code for s in instance.shifts}
    rows = []
    for number, fields in enumerate(lines[1:], start=2):
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != 3:
            raise InputError(f"expected 3 fields, got {len(fields)}", path=path, line=number)
        employee, day, code = (f.strip() for f in fields)
        if employee not in employees:
            raise InputError(f"unknown employee {employee!r}", path=path, line=number, column=1)
        if not day.isdigit() or int(day) >= instance.horizon:
            raise InputError(
                f"day must be 0 to {instance.horizon - 1}, not {day!r}",
                path=path,
                line=number,
                column=2,
            )
        if code not in codes:
            raise InputError(f"unknown shift {code!r}", path=path, line=number, column=3)
        rows.append((employee, int(day), code))
    return tuple(rows)


def _schedule(rows: Rows, instance: Instance) -> Schedule:
    schedule: Schedule = {s.employee: {} for s in instance.staff}
    for employee, day, code in rows:
        schedule[employee].setdefault(day, []).append(code)
    return schedule


def _runs(days: list[int]) -> list[tuple[int, int]]:
    """(first, last) of each run of consecutive days."""
    runs: list[tuple[int, int]] = []
    for d in sorted(days):
        if runs and runs[-1][1] == d - 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


# --------------------------------------------------------------------------- hard rules

Check = Callable[[Schedule, Instance], list[Violation]]


def check_one_shift_per_day(s: Schedule, instance: Instance) -> list[Violation]:
    return [
        Violation("one_shift_per_day", e, d, f"{len(codes)} shifts: {'+'.join(codes)}")
        for e, days in s.items()
        for d, codes in sorted(days.items())
        if len(codes) > 1
    ]


def check_min_rest(s: Schedule, instance: Instance) -> list[Violation]:
    """No shift the day after a shift it may not follow."""
    banned = {sh.code: set(sh.not_followed_by) for sh in instance.shifts}
    found = []
    for e, days in s.items():
        for d, codes in sorted(days.items()):
            for code in codes:
                for after in days.get(d + 1, []):
                    if after in banned[code]:
                        found.append(
                            Violation("min_rest", e, d + 1, f"{after} may not follow {code}")
                        )
    return found


def _staff(instance: Instance) -> dict[str, tuple[int, ...]]:
    return {
        s.employee: (
            s.max_total_minutes,
            s.min_total_minutes,
            s.max_consecutive_shifts,
            s.min_consecutive_shifts,
            s.min_consecutive_days_off,
            s.max_weekends,
        )
        for s in instance.staff
    }


def check_max_consecutive_days(s: Schedule, instance: Instance) -> list[Violation]:
    found = []
    for e, days in s.items():
        most = _staff(instance)[e][2]
        for first, last in _runs(list(days)):
            if last - first + 1 > most:
                found.append(
                    Violation(
                        "max_consecutive_days",
                        e,
                        first,
                        f"{last - first + 1} days in a row, at most {most}",
                    )
                )
    return found


def check_leave(s: Schedule, instance: Instance) -> list[Violation]:
    """No shift on a day off (SECTION_DAYS_OFF)."""
    return [
        Violation("leave", e, d, "works on a day off")
        for e, days in s.items()
        for d in sorted(days)
        if d in instance.days_off.get(e, frozenset())
    ]


def check_max_shifts_per_type(s: Schedule, instance: Instance) -> list[Violation]:
    found = []
    for staff in instance.staff:
        worked: dict[str, int] = {}
        for codes in s[staff.employee].values():
            for code in codes:
                worked[code] = worked.get(code, 0) + 1
        for code, count in sorted(worked.items()):
            most = staff.max_shifts.get(code)
            if most is not None and count > most:
                found.append(
                    Violation(
                        "max_shifts_per_type",
                        staff.employee,
                        None,
                        f"{count} {code} shifts, at most {most}",
                    )
                )
    return found


def _minutes(s: Schedule, instance: Instance, employee: str) -> int:
    length = {sh.code: sh.length_minutes for sh in instance.shifts}
    return sum(length[c] for codes in s[employee].values() for c in codes)


def check_max_total_minutes(s: Schedule, instance: Instance) -> list[Violation]:
    found = []
    for e, limits in _staff(instance).items():
        minutes = _minutes(s, instance, e)
        if minutes > limits[0]:
            found.append(
                Violation("max_total_minutes", e, None, f"{minutes} minutes, at most {limits[0]}")
            )
    return found


def check_min_total_minutes(s: Schedule, instance: Instance) -> list[Violation]:
    found = []
    for e, limits in _staff(instance).items():
        minutes = _minutes(s, instance, e)
        if minutes < limits[1]:
            found.append(
                Violation("min_total_minutes", e, None, f"{minutes} minutes, at least {limits[1]}")
            )
    return found


def _short_inner_runs(days: list[int], horizon: int, least: int) -> list[tuple[int, int]]:
    """Runs shorter than ``least`` touching neither the first nor the last day."""
    return [
        (first, last)
        for first, last in _runs(days)
        if last - first + 1 < least and first > 0 and last < horizon - 1
    ]


def check_min_consecutive_days(s: Schedule, instance: Instance) -> list[Violation]:
    found = []
    for e, days in s.items():
        least = _staff(instance)[e][3]
        for first, last in _short_inner_runs(list(days), instance.horizon, least):
            found.append(
                Violation(
                    "min_consecutive_days",
                    e,
                    first,
                    f"{last - first + 1} working days in a row, at least {least}",
                )
            )
    return found


def check_min_consecutive_days_off(s: Schedule, instance: Instance) -> list[Violation]:
    found = []
    for e, days in s.items():
        least = _staff(instance)[e][4]
        off = [d for d in range(instance.horizon) if d not in days]
        for first, last in _short_inner_runs(off, instance.horizon, least):
            found.append(
                Violation(
                    "min_consecutive_days_off",
                    e,
                    first,
                    f"{last - first + 1} days off in a row, at least {least}",
                )
            )
    return found


def check_max_weekends(s: Schedule, instance: Instance) -> list[Violation]:
    """Day 0 is a Monday: weekend k is days 7k + 5 and 7k + 6."""
    found = []
    for e, days in s.items():
        most = _staff(instance)[e][5]
        worked = {d // 7 for d in days if d % 7 in (5, 6)}
        if len(worked) > most:
            found.append(
                Violation("max_weekends", e, None, f"{len(worked)} weekends, at most {most}")
            )
    return found


HARD_RULES: dict[str, Check] = {
    "one_shift_per_day": check_one_shift_per_day,
    "min_rest": check_min_rest,
    "max_consecutive_days": check_max_consecutive_days,
    "leave": check_leave,
    "max_shifts_per_type": check_max_shifts_per_type,
    "max_total_minutes": check_max_total_minutes,
    "min_total_minutes": check_min_total_minutes,
    "min_consecutive_days": check_min_consecutive_days,
    "min_consecutive_days_off": check_min_consecutive_days_off,
    "max_weekends": check_max_weekends,
}


# --------------------------------------------------------------------------- objective


def evaluate(instance: Instance, rows: Rows, only: set[str] | None = None) -> Evaluation:
    """The objective of ``rows`` and the hard rules they break (``only``: just these)."""
    s = _schedule(rows, instance)
    worked = {(e, d, c) for e, d, c in rows}
    on = sum(r.weight for r in instance.on_requests if (r.employee, r.day, r.shift) not in worked)
    off = sum(r.weight for r in instance.off_requests if (r.employee, r.day, r.shift) in worked)
    count: dict[tuple[int, str], int] = {}
    for _, d, c in rows:
        count[d, c] = count.get((d, c), 0) + 1
    under = over = 0
    for cover in instance.cover:
        n = count.get((cover.day, cover.shift), 0)
        under += cover.under_weight * max(0, cover.required - n)
        over += cover.over_weight * max(0, n - cover.required)
    violations = [
        v
        for rule_id, check in HARD_RULES.items()
        if only is None or rule_id in only
        for v in check(s, instance)
    ]
    return Evaluation(on, off, under, over, tuple(violations))


def evaluate_files(instance_path: str | Path, solution_path: str | Path) -> Evaluation:
    from callshift.nrp.instance import read_instance

    instance = read_instance(instance_path)
    return evaluate(instance, read_solution(solution_path, instance))
