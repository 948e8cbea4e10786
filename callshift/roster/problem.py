"""Roster problem data: immutable, no solver in it.

Days are numbered 0 … days−1 from the horizon start; intervals 0 … n−1 cover
[start 00:00, start + days 00:00). A shift (day, template) covers the intervals it spans
wholly, clipped to the horizon: the tail of a night shift on the last day belongs to the
next period.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import numpy as np
import numpy.typing as npt

from callshift.agents import Agent, Leave, generic_agents, leave_days
from callshift.config import Config, RuleSettings, SoftSettings
from callshift.errors import InputError
from callshift.holidays import holiday_calendar, holiday_of_shift
from callshift.preferences import Preference
from callshift.shifts import MINUTES_PER_DAY, ShiftTemplate, expand_templates
from callshift.staffing import Staffing

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class AgentLimits:
    """Per-agent limits over the whole horizon, for rosters whose contracts set them (the
    Curtois & Qu benchmark). None or an empty mapping: no such limit. Blocks of working days
    or days off that touch the first or last day are not held to the minimum lengths: they
    continue from the previous period or into the next one (see docs/nrp.md)."""

    max_shifts: Mapping[str, int] = field(default_factory=dict)  # template code → most shifts
    max_total_minutes: int | None = None
    min_total_minutes: int | None = None
    max_consecutive_days: int | None = None  # overrides rules.max_consecutive_days
    min_consecutive_days: int | None = None
    min_consecutive_days_off: int | None = None
    max_weekends: int | None = None  # weekends with a shift on Saturday or Sunday


@dataclass(frozen=True)
class ShiftCover:
    """The agents wanted on one shift template on one day, and the cost per agent short
    (``under_weight``) or over (``over_weight``)."""

    required: int
    under_weight: int
    over_weight: int


@dataclass(frozen=True)
class PriorShift:
    """A shift of the previous period (``--previous``), placed on this period's timeline:
    ``day`` is negative (−1 = the day before the start), ``begin``/``end`` are minutes from
    the horizon start (a night shift of day −1 ends after 0)."""

    agent_id: str
    day: int
    begin: int
    end: int
    night: bool
    code: str = ""


_NO_LIMITS = AgentLimits()


@dataclass(frozen=True)
class RosterProblem:
    start: date
    days: int
    interval_minutes: int
    required: IntArray  # agents_required per horizon interval
    templates: tuple[ShiftTemplate, ...]
    agents: tuple[Agent, ...]
    leave: dict[str, frozenset[date]]
    rules: RuleSettings
    soft: SoftSettings = field(default_factory=SoftSettings)
    holiday_shifts: Mapping[tuple[int, int], str] = field(default_factory=dict)
    holiday_dates: Mapping[date, str] = field(default_factory=dict)
    preferences: tuple[Preference, ...] = ()
    history: Mapping[str, tuple[int, int, int]] = field(default_factory=dict)
    previous: tuple[PriorShift, ...] | None = None  # None: no --previous given
    # the requirement of the next period's first intervals that this period's last night
    # shifts reach (zeros where the forecast ends): covered here, reported there
    tail: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # agent_id → horizon limits; agents absent here have none (plan sets none)
    limits: Mapping[str, AgentLimits] = field(default_factory=dict)
    # (day, template) → cover wanted per shift, beside the per-interval ``required``
    shift_cover: Mapping[tuple[int, int], ShiftCover] = field(default_factory=dict)
    # (first template, next template): the second may not start the day after the first
    forbidden_successions: frozenset[tuple[int, int]] = frozenset()

    @property
    def intervals(self) -> int:
        return len(self.required)

    @property
    def dates(self) -> list[date]:
        return [self.start + timedelta(days=d) for d in range(self.days)]

    def covered(self, day: int, template: int) -> range:
        """Horizon intervals wholly inside the shift (template) starting on ``day``."""
        begin, end = self.templates[template].span(day)
        first = math.ceil(begin / self.interval_minutes)
        last = min(end // self.interval_minutes, self.intervals)
        return range(max(first, 0), max(last, 0))

    def contract_hours(self, agent: Agent) -> float:
        return (
            agent.contract_hours if agent.contract_hours is not None else self.rules.contract_hours
        )

    def limits_of(self, agent: Agent) -> AgentLimits:
        return self.limits.get(agent.agent_id, _NO_LIMITS)

    def max_consecutive_days(self, agent: Agent) -> int:
        """The agent's own limit where the problem sets one, else the rules'."""
        own = self.limits_of(agent).max_consecutive_days
        return self.rules.max_consecutive_days if own is None else own

    def on_leave(self, agent: Agent, day: int, template: int) -> bool:
        """Does the shift overlap a calendar day the agent is on leave?"""
        days_off = self.leave.get(agent.agent_id)
        if not days_off:
            return False
        begin, end = self.templates[template].span(day)
        first_day, last_day = begin // MINUTES_PER_DAY, (end - 1) // MINUTES_PER_DAY
        return any(
            self.start + timedelta(days=k) in days_off for k in range(first_day, last_day + 1)
        )

    def weeks(self) -> list[range]:
        """7-day blocks of days from the start; the last may be shorter."""
        return [range(w, min(w + 7, self.days)) for w in range(0, self.days, 7)]

    def reachable(self) -> npt.NDArray[np.bool_]:
        """Intervals some shift of this period can cover (not the first night's small hours)."""
        mask = np.zeros(self.intervals, dtype=np.bool_)
        for day in range(self.days):
            for t in range(len(self.templates)):
                span = self.covered(day, t)
                mask[span.start : span.stop] = True
        return mask

    def prior_shift(self, agent_id: str, day: int, code: str) -> PriorShift:
        """A previous-period shift of one of this problem's templates (for tests and tools)."""
        template = next(t for t in self.templates if t.code == code)
        begin, end = template.span(day)
        return PriorShift(agent_id, day, begin, end, template.night, code)

    def prior_of(self, agent: Agent) -> dict[int, PriorShift]:
        """The agent's previous-period shifts by (negative) day."""
        return {s.day: s for s in self.previous or () if s.agent_id == agent.agent_id}

    def last_prior_end(self, agent: Agent) -> int | None:
        """End of the agent's latest previous-period shift, in minutes from the start."""
        ends = [s.end for s in self.previous or () if s.agent_id == agent.agent_id]
        return max(ends) if ends else None

    def pre_covered(self) -> IntArray:
        """Agents per horizon interval already covered by previous-period shifts (the tail
        of a night shift that started the day before); counted wholly, like ``covered``."""
        counts = np.zeros(self.intervals, dtype=np.int64)
        for s in self.previous or ():
            first = max(math.ceil(s.begin / self.interval_minutes), 0)
            last = min(s.end // self.interval_minutes, self.intervals)
            if last > first:
                counts[first:last] += 1
        return counts

    def need(self) -> IntArray:
        """The requirement this period's shifts must meet: ``required`` less what the
        previous period's shifts already cover."""
        need: IntArray = np.maximum(self.required - self.pre_covered(), 0)
        return need

    def covered_tail(self, day: int, template: int) -> range:
        """Indexes into ``tail`` of the intervals after the horizon wholly inside the shift."""
        begin, end = self.templates[template].span(day)
        first = max(math.ceil(begin / self.interval_minutes), self.intervals)
        last = min(end // self.interval_minutes, self.intervals + len(self.tail))
        return range(first - self.intervals, max(last - self.intervals, first - self.intervals))

    def with_agents(self, agents: tuple[Agent, ...]) -> RosterProblem:
        return replace(self, agents=agents)


def build_problem(
    staffing: Staffing,
    config: Config,
    *,
    start: date | None,
    days: int,
    agents: tuple[Agent, ...] | None,
    leave: tuple[Leave, ...] = (),
    preferences: tuple[Preference, ...] = (),
    history: Mapping[str, tuple[int, int, int]] | None = None,
    previous: tuple[PriorShift, ...] | None = None,
) -> RosterProblem:
    """The roster problem for ``days`` days from ``start`` (default: the forecast's first day)."""
    forecast = staffing.forecast
    if days < 1:
        raise InputError(f"--days must be at least 1, not {days}")
    first = forecast.starts[0].astype("datetime64[D]").astype(date)
    begin = start or first
    horizon = np.arange(
        np.datetime64(begin, "m"),
        np.datetime64(begin + timedelta(days=days), "m"),
        np.timedelta64(forecast.interval_minutes, "m"),
    )
    index = np.searchsorted(forecast.starts, horizon)
    inside = (index < len(forecast.starts)) & (
        forecast.starts[np.minimum(index, len(forecast.starts) - 1)] == horizon
    )
    if not np.all(inside):
        missing = horizon[np.argmin(inside)].astype("datetime64[D]")
        last = forecast.starts[-1].astype("datetime64[D]")
        raise InputError(
            f"the forecast has no intervals for {missing} (it covers {first} to {last}); "
            f"a {days}-day plan from {begin} needs them",
            path=forecast.path,
            hint="pass --start and --days inside the forecast, or extend the forecast",
        )
    try:
        templates = expand_templates(config.shifts, config.rules)
    except ValueError as exc:
        raise InputError(str(exc), path=config.source) from None
    overhang = max(t.start_minute + t.length_minutes for t in templates) - MINUTES_PER_DAY
    tail_starts = np.arange(
        np.datetime64(begin + timedelta(days=days), "m"),
        np.datetime64(begin + timedelta(days=days), "m") + np.timedelta64(max(overhang, 0), "m"),
        np.timedelta64(forecast.interval_minutes, "m"),
    )
    at = np.searchsorted(forecast.starts, tail_starts)
    known = (at < len(forecast.starts)) & (
        forecast.starts[np.minimum(at, len(forecast.starts) - 1)] == tail_starts
    )
    tail = np.where(known, staffing.required[np.minimum(at, len(forecast.starts) - 1)], 0)
    leave_map = leave_days(leave)
    calendar = holiday_calendar(config.holidays, begin, begin + timedelta(days=days + 1))
    origin = datetime.combine(begin, datetime.min.time())
    holiday_shifts = {}
    for d in range(days):
        for t, template in enumerate(templates):
            first, last = template.span(d)
            name = holiday_of_shift(
                calendar, origin + timedelta(minutes=first), origin + timedelta(minutes=last)
            )
            if name:
                holiday_shifts[d, t] = name
    return RosterProblem(
        start=begin,
        days=days,
        interval_minutes=forecast.interval_minutes,
        required=staffing.required[index].astype(np.int64),
        templates=templates,
        agents=agents if agents is not None else generic_agents(0),
        leave={k: frozenset(v) for k, v in leave_map.items()},
        rules=config.rules,
        soft=config.soft,
        holiday_shifts=holiday_shifts,
        holiday_dates=dict(calendar.in_range(begin, begin + timedelta(days=days - 1))),
        preferences=preferences,
        history=dict(history or {}),
        previous=previous,
        tail=tail.astype(np.int64),
    )
