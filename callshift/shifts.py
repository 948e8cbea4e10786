"""Shift templates on a continuous timeline: minutes from 00:00 of the horizon's first day.

A shift on day d with a template starting at s minutes after midnight runs over
[d·1440 + s, d·1440 + s + length). A Sunday 23:00 shift therefore covers Monday
00:00–07:00; nothing wraps into the same calendar day.
"""

from __future__ import annotations

from dataclasses import dataclass

from callshift.config import RuleSettings, ShiftSpec, parse_clock

MINUTES_PER_DAY = 1440


@dataclass(frozen=True)
class ShiftTemplate:
    """One concrete shift: a fixed start time of day and a length."""

    code: str
    name: str
    start_minute: int  # after midnight of the day the shift starts
    length_minutes: int
    break_minutes: int
    night: bool
    family: str = ""  # the configured template's code: D09, D11 and D13 are all "D"
    protected: bool = False  # overlaps the night_ok window: not for night_ok = false agents

    @property
    def paid_minutes(self) -> int:
        return self.length_minutes - self.break_minutes

    @property
    def paid_hours(self) -> float:
        return self.paid_minutes / 60.0

    def span(self, day: int) -> tuple[int, int]:
        """[start, end) in minutes from the horizon start for the shift starting on ``day``."""
        start = day * MINUTES_PER_DAY + self.start_minute
        return start, start + self.length_minutes


def night_window(rules: RuleSettings, *, protected: bool = False) -> tuple[int, int]:
    """A night window as (start minute, length in minutes), possibly crossing midnight."""
    if protected:
        start = parse_clock(rules.night_ok_start, "night_ok_start")
        end = parse_clock(rules.night_ok_end, "night_ok_end")
    else:
        start = parse_clock(rules.night_start, "night_start")
        end = parse_clock(rules.night_end, "night_end")
    return start, (end - start) % MINUTES_PER_DAY


def overlaps_night(
    start_minute: int, length_minutes: int, rules: RuleSettings, *, protected: bool = False
) -> bool:
    """Does [start, start + length) (minutes from any midnight) overlap a night window?
    ``protected``: the window night_ok = false agents may not touch, else the night window."""
    window_start, window_length = night_window(rules, protected=protected)
    end = start_minute + length_minutes
    for day in range(-1, 3):
        w0 = day * MINUTES_PER_DAY + window_start
        if start_minute < w0 + window_length and w0 < end:
            return True
    return False


def _code(spec: ShiftSpec, start_minute: int) -> str:
    if spec.latest_start is None:
        return spec.code
    hours, minutes = divmod(start_minute, 60)
    return f"{spec.code}{hours:02d}" + (f"{minutes:02d}" if minutes else "")


def expand_templates(
    specs: tuple[ShiftSpec, ...], rules: RuleSettings
) -> tuple[ShiftTemplate, ...]:
    """Concrete templates from the configured ones, flexible ones expanded per start."""
    templates: list[ShiftTemplate] = []
    for spec in specs:
        first = parse_clock(spec.start, "start")
        last = (
            first if spec.latest_start is None else parse_clock(spec.latest_start, "latest_start")
        )
        length = round(spec.length_hours * 60)
        for start in range(first, last + 1, spec.step_minutes if spec.latest_start else 1):
            templates.append(
                ShiftTemplate(
                    code=_code(spec, start),
                    name=spec.name or spec.code,
                    start_minute=start,
                    length_minutes=length,
                    break_minutes=spec.break_minutes,
                    night=overlaps_night(start, length, rules),
                    family=spec.code,
                    protected=overlaps_night(start, length, rules, protected=True),
                )
            )
    too_long = [t.code for t in templates if t.length_minutes > rules.max_shift_hours * 60]
    if too_long:
        raise ValueError(
            f"shift {too_long[0]} is longer than max_shift_hours = {rules.max_shift_hours:g} "
            f"(preset {rules.preset})"
        )
    codes = [t.code for t in templates]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise ValueError(f"shift codes {', '.join(duplicates)} are made twice; rename a template")
    return tuple(templates)
