"""Calendar files: one iCalendar file (RFC 5545) per agent from a roster.csv.

Agents import their file into their phone's calendar. Each shift is one event in the
configured time zone (`[report] timezone`, a VTIMEZONE included so that any calendar
shows it right), titled with the shift code and name (`P Pagi`), the holiday named in the
description. An event's UID is made of the agent, the date and the shift's place in that
day, so importing next week's (or a replan's) file again updates events instead of
doubling them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar

from callshift.config import Config
from callshift.errors import InputError
from callshift.palette import clock
from callshift.roster.check import RosterRow
from callshift.shifts import expand_templates

PRODUCT_ID = "-//callshift//roster export//EN"


def shift_names_of(config: Config) -> dict[str, str]:
    """Shift code → name for every code the configured templates make (D09 → Day)."""
    try:
        templates = expand_templates(config.shifts, config.rules)
    except ValueError as exc:
        raise InputError(str(exc), path=config.source) from None
    return {t.code: t.name for t in templates}


def event_title(code: str, names: Mapping[str, str]) -> str:
    """`P Pagi`; the bare code for a shift no template names."""
    name = names.get(code, "")
    return f"{code} {name}" if name and name != code else code


def calendar_file_names(agent_ids: Sequence[str]) -> dict[str, str]:
    """Agent id → `<id>.ics`, with characters a file name cannot safely hold replaced by
    `_`, and `-2`, `-3` … added where two ids would give one name."""
    taken: set[str] = set()
    names: dict[str, str] = {}
    for agent_id in agent_ids:
        stem = re.sub(r"[^A-Za-z0-9._-]", "_", agent_id).lstrip(".") or "agent"
        candidate, number = stem, 1
        while candidate.lower() in taken:
            number += 1
            candidate = f"{stem}-{number}"
        taken.add(candidate.lower())
        names[agent_id] = f"{candidate}.ics"
    return names


def roster_calendars(
    rows: Sequence[RosterRow],
    *,
    timezone: str,
    names: Mapping[str, str],
    agent_names: Mapping[str, str] | None = None,
    stamp: datetime | None = None,
) -> dict[str, bytes]:
    """File name → iCalendar bytes, one per agent of ``rows`` in order of appearance.

    ``names``: shift code → shift name; ``agent_names``: agent id → name (for the
    calendar's title); ``stamp``: DTSTAMP (default now, UTC)."""
    zone = ZoneInfo(timezone)
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC)
    by_agent: dict[str, list[RosterRow]] = {}
    for row in rows:
        by_agent.setdefault(row.agent_id, []).append(row)
    files = calendar_file_names(list(by_agent))
    # One VTIMEZONE for all files, covering the roster's years (made once: it takes a while).
    first = min((row.start for row in rows), default=stamp).year
    last = max((row.end for row in rows), default=stamp).year
    vtimezone = icalendar.Timezone.from_tzinfo(
        zone, tzid=timezone, first_date=date(first, 1, 1), last_date=date(last + 1, 1, 1)
    )
    result: dict[str, bytes] = {}
    for agent_id, shifts in by_agent.items():
        calendar = icalendar.Calendar()
        calendar.add("prodid", PRODUCT_ID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        who = " ".join(part for part in (agent_id, (agent_names or {}).get(agent_id, "")) if part)
        calendar.add("x-wr-calname", f"Shifts {who}")
        calendar.add("x-wr-timezone", timezone)
        calendar.add_component(vtimezone)  # before the events that name it
        per_day: dict[str, int] = {}
        for row in sorted(shifts, key=lambda r: (r.start, r.line)):
            day = row.date.isoformat()
            per_day[day] = per_day.get(day, 0) + 1
            calendar.add_component(_event(row, zone, names, stamp, per_day[day]))
        result[files[agent_id]] = calendar.to_ical()
    return result


def _event(
    row: RosterRow, zone: ZoneInfo, names: Mapping[str, str], stamp: datetime, number: int
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"{row.agent_id}/{row.date.isoformat()}/{number}@callshift")
    event.add("dtstamp", stamp)
    event.add("dtstart", row.start.replace(tzinfo=zone))
    event.add("dtend", row.end.replace(tzinfo=zone))
    event.add("summary", event_title(row.shift, names))
    event.add("description", describe(row, names))
    event.add("categories", ["Shift", "Night"] if row.night else ["Shift"])
    event.add("transp", "OPAQUE")
    return event


def describe(row: RosterRow, names: Mapping[str, str]) -> str:
    """The event's description: the shift, its times and paid hours, night, holiday."""
    name = names.get(row.shift, "")
    shift = f"Shift {row.shift}" + (f" ({name})" if name and name != row.shift else "")
    start = clock(row.start.hour * 60 + row.start.minute)
    end = clock(row.end.hour * 60 + row.end.minute)
    lines = [f"{shift}, {start}-{end}, {row.paid_hours:g} paid hours."]
    if row.night:
        lines.append("Night shift.")
    if row.holiday:
        lines.append(f"Public holiday: {row.holiday}.")
    return "\n".join(lines)
