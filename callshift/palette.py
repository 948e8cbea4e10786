"""The roster grid's colours, shared by report.html and roster.xlsx.

One colour per shift family (a configured template: P, S, M; D09, D11 and D13 are all D),
dark for night families so that nights stand out, and one each for OFF and LEAVE. Families
take colours in the order they are configured, so a site's grid looks the same every week.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from callshift.shifts import MINUTES_PER_DAY, ShiftTemplate

OFF = "OFF"
LEAVE = "LEAVE"

_DAY_FILLS = ("FDE68A", "A7F3D0", "BFDBFE", "FBCFE8", "DDD6FE", "FED7AA", "99F6E4", "D9F99D")
_NIGHT_FILLS = ("1E3A8A", "4C1D95", "134E4A", "7F1D1D")
_DARK_INK = "111827"
_LIGHT_INK = "FFFFFF"


@dataclass(frozen=True)
class Swatch:
    """One legend entry: ``key`` is a CSS class name, ``fill`` and ``ink`` are RGB hex
    without `#` (as openpyxl takes them)."""

    key: str
    label: str  # "P Pagi"
    detail: str  # "07:00-15:00, 8 h paid"
    fill: str
    ink: str


@dataclass(frozen=True)
class Palette:
    swatches: tuple[Swatch, ...]  # the legend, in order: families, then OFF and LEAVE
    by_code: dict[str, Swatch]  # every shift code, OFF and LEAVE

    def of(self, code: str) -> Swatch:
        """The swatch of a grid cell; a code no template makes gets OFF's look, labelled."""
        return self.by_code.get(code) or self.by_code[OFF]


def grid_palette(templates: Sequence[ShiftTemplate]) -> Palette:
    """Swatches for the shift codes of ``templates``, OFF and LEAVE."""
    families: dict[str, list[ShiftTemplate]] = {}
    for template in templates:
        families.setdefault(template.family or template.code, []).append(template)
    swatches: list[Swatch] = []
    by_code: dict[str, Swatch] = {}
    days = nights = 0
    for index, (family, members) in enumerate(families.items()):
        night = any(t.night for t in members)
        if night:
            fill, ink = _NIGHT_FILLS[nights % len(_NIGHT_FILLS)], _LIGHT_INK
            nights += 1
        else:
            fill, ink = _DAY_FILLS[days % len(_DAY_FILLS)], _DARK_INK
            days += 1
        swatch = Swatch(f"f{index}", f"{family} {members[0].name}", _detail(members), fill, ink)
        swatches.append(swatch)
        for template in members:
            by_code[template.code] = swatch
    off = Swatch("o", OFF, "day off", "FFFFFF", "6B7280")
    leave = Swatch("lv", LEAVE, "leave (annual, sick, training)", "E7E5E4", "44403C")
    swatches += [off, leave]
    by_code[OFF] = off
    by_code[LEAVE] = leave
    return Palette(tuple(swatches), by_code)


def clock(minute: int) -> str:
    """`HH:MM` of minutes after midnight (wrapping past 24:00)."""
    hours, minutes = divmod(minute % MINUTES_PER_DAY, 60)
    return f"{hours:02d}:{minutes:02d}"


def _detail(members: Sequence[ShiftTemplate]) -> str:
    first, last = members[0], members[-1]
    paid = f"{first.paid_hours:g} h paid"
    if len(members) == 1:
        end = first.start_minute + first.length_minutes
        return f"{clock(first.start_minute)}-{clock(end)}, {paid}"
    codes = f"{first.code}-{last.code}"
    return (
        f"{codes}: starts {clock(first.start_minute)}-{clock(last.start_minute)}, "
        f"{first.length_minutes / 60:g} h long, {paid}"
    )
