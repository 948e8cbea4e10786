"""Holiday calendar of a plan: public holidays from the ``holidays`` package plus the company's.

Indonesia comes first: with ``cuti_bersama`` the calendar also holds the collective leave
days the government declares (the package's "government" category). Islamic holidays far
ahead are computed, not announced; the package marks them "(perkiraan)" / "(estimated)" and
:attr:`HolidayCalendar.estimated` lists those dates so a report can warn that Lebaran may move.

A shift belongs to a holiday when it starts on one, or when at least half of its time falls
on one: the 23:00 shift of 31 December is worked on New Year's Day.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

# Absolute import: this is the third-party package, not this module (callshift.holidays).
import holidays as holidays_lib

from callshift.config import HolidaySettings
from callshift.errors import InputError

__all__ = ["HolidayCalendar", "holiday_calendar", "holiday_of_shift"]

PUBLIC = holidays_lib.PUBLIC
GOVERNMENT = holidays_lib.GOVERNMENT

_SECTION = "[holidays]"
_JOIN = " / "
"""Between the public and the company name of a day that is both."""
_PACKAGE_JOIN = "; "
"""How the package joins the names of two holidays on one day."""
_ESTIMATED_LABELS = ("estimated_label", "observed_estimated_label")
"""Class attributes of a package entity that name a date as estimated, e.g. "%s (perkiraan)"."""


@dataclass(frozen=True)
class HolidayCalendar:
    """Holidays of a date range (padded by one day each side, for night shifts).

    ``names`` maps each holiday to its name: the package's name, the company's, or both
    joined by " / ". ``estimated`` holds the dates the package marks as estimated (Islamic
    holidays not yet announced), whose names keep the package's "(perkiraan)" mark."""

    names: Mapping[date, str]
    estimated: frozenset[date] = field(default_factory=frozenset)

    def name(self, day: date) -> str:
        """The holiday's name, or "" when ``day`` is not a holiday."""
        return self.names.get(day, "")

    def __contains__(self, day: object) -> bool:
        return day in self.names

    def in_range(self, first: date, last: date) -> list[tuple[date, str]]:
        """The holidays from ``first`` to ``last`` (both included), in date order."""
        return sorted((day, name) for day, name in self.names.items() if first <= day <= last)


def holiday_calendar(settings: HolidaySettings, first: date, last: date) -> HolidayCalendar:
    """The public and company holidays from ``first`` to ``last``, one day either side.

    ``settings.language`` None means the country's own language (never the machine's
    locale, so a plan reads the same everywhere)."""
    if first > last:
        raise ValueError(f"first day {first} is after last day {last}")
    company = _company_days(settings.company)
    pad_first, pad_last = first - timedelta(days=1), last + timedelta(days=1)
    public = _public_holidays(settings, range(pad_first.year, pad_last.year + 1))
    estimated_patterns = _estimated_patterns(public)

    names: dict[date, str] = {}
    estimated: set[date] = set()
    for day, package_name in public.items():
        if pad_first <= day <= pad_last:
            names[day] = package_name
            if _is_estimated(package_name, estimated_patterns):
                estimated.add(day)
    for day, company_name in company.items():
        if pad_first <= day <= pad_last:
            public_name = names.get(day, "")
            names[day] = (
                public_name + _JOIN + company_name
                if public_name and public_name != company_name
                else company_name
            )
    ordered = {day: names[day] for day in sorted(names)}
    return HolidayCalendar(types.MappingProxyType(ordered), frozenset(estimated))


def holiday_of_shift(calendar: HolidayCalendar, start: datetime, end: datetime) -> str:
    """The holiday a shift from ``start`` to ``end`` is worked on, or "".

    The start date's holiday if the shift starts on one; otherwise the holiday on which at
    least half of the shift's time falls (the most of it, if a long shift touches several)."""
    if end < start:
        raise ValueError(f"shift ends ({end}) before it starts ({start})")
    own = calendar.name(start.date())
    if own or end == start:
        return own
    total = end - start
    best_name, best_part = "", timedelta(0)
    day = start.date() + timedelta(days=1)
    midnight = datetime.combine(day, time(), tzinfo=start.tzinfo)
    while midnight < end:
        part = min(end, midnight + timedelta(days=1)) - midnight
        name = calendar.name(day)
        if name and part * 2 >= total and part > best_part:
            best_name, best_part = name, part
        day += timedelta(days=1)
        midnight = datetime.combine(day, time(), tzinfo=start.tzinfo)
    return best_name


def _company_days(company: Mapping[str, str]) -> dict[date, str]:
    days: dict[date, str] = {}
    for key, name in company.items():
        try:
            day = date.fromisoformat(key)
        except ValueError:
            raise InputError(
                f"{_SECTION} company holiday {key!r} is not a valid date",
                hint="write it as YYYY-MM-DD, e.g. 2026-08-17",
            ) from None
        if not name.strip():
            raise InputError(f"{_SECTION} company holiday {key!r} has no name")
        days[day] = name.strip()
    return days


def _public_holidays(settings: HolidaySettings, years: Iterable[int]) -> holidays_lib.HolidayBase:
    """The package's holidays for ``years``, after checking every setting it would take."""
    country = settings.country
    supported = holidays_lib.list_supported_countries(include_aliases=True)
    if country not in supported:
        same_length = [code for code in supported if len(code) == len(country)]
        raise InputError(
            f"{_SECTION} country {country!r} is not supported by the holidays package",
            hint=_did_you_mean(country, same_length)
            or "see holidays.list_supported_countries() for the codes",
        )
    entity = type(holidays_lib.country_holidays(country))

    subdivision = settings.subdivision
    if subdivision is not None:
        known = [*entity.subdivisions, *entity.subdivisions_aliases]
        if subdivision not in known:
            hint = (
                f"{country} has no subdivisions; leave subdivision out"
                if not entity.subdivisions
                else _join_hints(
                    _did_you_mean(subdivision, known, ignore_case=True),
                    "known: " + ", ".join(entity.subdivisions),
                )
            )
            raise InputError(
                f"{_SECTION} subdivision {subdivision!r} is not known for {country}", hint=hint
            )

    language = settings.language or entity.default_language
    languages = sorted({*entity.supported_languages, *filter(None, [entity.default_language])})
    if language is not None and language not in languages:
        hint = (
            f"{country} names its holidays in one language only; leave language out"
            if not languages
            else _join_hints(
                _did_you_mean(language, languages, ignore_case=True),
                "supported: " + ", ".join(languages),
            )
        )
        raise InputError(
            f"{_SECTION} language {language!r} is not supported for {country}", hint=hint
        )

    categories = [PUBLIC]
    if settings.cuti_bersama:
        if GOVERNMENT not in entity.supported_categories:
            raise InputError(
                f"{_SECTION} cuti_bersama needs the {GOVERNMENT!r} holiday category,"
                f" which {country} does not have",
                hint=f"{country} has: {', '.join(sorted(entity.supported_categories))};"
                " set cuti_bersama = false",
            )
        categories.append(GOVERNMENT)

    return holidays_lib.country_holidays(
        country,
        subdiv=subdivision,
        years=list(years),
        language=language,
        categories=categories,
    )


def _estimated_patterns(public: holidays_lib.HolidayBase) -> list[re.Pattern[str]]:
    """Patterns of the names the package marks as estimated, in the calendar's language."""
    translate: Callable[[str], str] = getattr(public, "tr", lambda text: text)
    patterns = []
    for attribute in _ESTIMATED_LABELS:
        label = getattr(public, attribute, None)
        template = translate(label) if isinstance(label, str) else ""
        if template.count("%s") != 1:
            continue
        before, after = template.split("%s")
        if before or after:
            patterns.append(re.compile(re.escape(before) + ".+" + re.escape(after)))
    return patterns


def _is_estimated(name: str, patterns: list[re.Pattern[str]]) -> bool:
    return any(
        pattern.fullmatch(part) for part in name.split(_PACKAGE_JOIN) for pattern in patterns
    )


def _did_you_mean(word: str, choices: Iterable[str], ignore_case: bool = False) -> str:
    options = list(dict.fromkeys(choices))
    by_key = {(option.casefold() if ignore_case else option): option for option in options}
    key = word.casefold() if ignore_case else word
    close = [by_key[match] for match in difflib.get_close_matches(key, by_key, n=3, cutoff=0.5)]
    if not close:
        return ""
    quoted = [repr(option) for option in close]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f"did you mean {listed}?"


def _join_hints(*hints: str) -> str:
    return " ".join(hint for hint in hints if hint)
