"""Soft rules: fairness and healthy rotation, each measured as well as modelled.

Each soft rule has a ``rule_id`` that names its weight in ``[soft]``, its model function
``add_<rule_id>`` (returns the penalty in the rule's units, a linear expression) and its
measure ``measure_<rule_id>`` (the same penalty computed in plain Python from a roster's
assignments, used by reports and tests). The objective adds weight × penalty.

Units:
- ``fair_*``: per-agent counts over the eligible agents, normalised to a full-time
  agent's contract and availability, in quarters: the sum over agents of how far each is
  above the least-burdened agent plus one (one night more than the least is as even as
  whole nights allow, and costs nothing; every agent beyond that band costs).
- ``fair_hours``: the same for paid hours, with one shift's hours as the even-enough band
  (outsourced agents are often paid by the hour worked).
- ``forward_rotation``: rank steps backward in start time between consecutive worked days
  (P → S → M is forward; S → D11 is one step back).
- ``stable_shift``: shift families an agent works in a 7-day block beyond the first.
- ``night_blocks``: nights alone (a block shorter than ``min_night_block``), nights beyond
  ``max_night_block`` in a row, and shifts within ``days_off_after_nights`` after a block.
- ``off_pairs``: single days off between two working days.
- ``weekend_off``: 28-day blocks without one full weekend (Saturday and Sunday) off.
- ``preferences``: the weight of every preference not granted, per day it applies to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from ortools.sat.python import cp_model

from callshift.config import SoftSettings
from callshift.preferences import Preference
from callshift.roster.model import Key, RosterModel
from callshift.roster.problem import RosterProblem
from callshift.shifts import MINUTES_PER_DAY

QUARTERS = 4  # fairness is measured in quarters of a night, weekend day or holiday


# --------------------------------------------------------------------------- shared facts


@dataclass(frozen=True)
class Roster:
    """Who works what: agent index → day → template index (absent: off)."""

    problem: RosterProblem
    days_of: dict[int, dict[int, int]]

    @classmethod
    def of(cls, problem: RosterProblem, assignments: Iterable[Key]) -> Roster:
        days_of: dict[int, dict[int, int]] = {a: {} for a in range(len(problem.agents))}
        for a, d, t in assignments:
            days_of[a][d] = t
        return cls(problem, days_of)

    def works(self, a: int, d: int) -> bool:
        return d in self.days_of[a]

    def night(self, a: int, d: int) -> bool:
        t = self.days_of[a].get(d)
        return t is not None and self.problem.templates[t].night


def weekend_days(problem: RosterProblem) -> list[int]:
    return [d for d, day in enumerate(problem.dates) if day.weekday() >= 5]


def start_ranks(problem: RosterProblem) -> list[int]:
    """Rank of each template's start time of day, 1 = earliest (ties share a rank)."""
    starts = sorted({t.start_minute for t in problem.templates})
    return [starts.index(t.start_minute) + 1 for t in problem.templates]


def fairness_factor(problem: RosterProblem, a: int) -> int:
    """Quarters one shift counts for agent ``a``: 4 for a full-time agent who is there every
    day, more for part-time agents and agents on leave (their fair share is smaller)."""
    agent = problem.agents[a]
    away = len(problem.leave.get(agent.agent_id, ()))
    available = max(problem.days - away, 0) / problem.days
    weight = problem.contract_hours(agent) / problem.rules.contract_hours * available
    return round(QUARTERS / weight) if weight > 0 else 0


# --------------------------------------------------------------------------- fairness


Counter = Callable[[RosterProblem, int, int], int]  # (problem, day, template) → how much


def _night(p: RosterProblem, d: int, t: int) -> int:
    return int(p.templates[t].night)


def _weekend(p: RosterProblem, d: int, t: int) -> int:
    return int(p.dates[d].weekday() >= 5)


def _holiday(p: RosterProblem, d: int, t: int) -> int:
    return int((d, t) in p.holiday_shifts)


def _hours(p: RosterProblem, d: int, t: int) -> int:
    return round(p.templates[t].paid_hours)


def _one(p: RosterProblem) -> int:
    return 1


def _one_shift(p: RosterProblem) -> int:
    return max(round(t.paid_hours) for t in p.templates)


FAIRNESS: dict[str, tuple[Counter, int | None, Callable[[RosterProblem], int]]] = {
    # rule_id: (what counts, history column index, the even-enough band in counted units)
    "fair_nights": (_night, 0, _one),
    "fair_weekends": (_weekend, 1, _one),
    "fair_holidays": (_holiday, 2, _one),
    "fair_hours": (_hours, None, _one_shift),
}


def _before(p: RosterProblem, a: int, column: int | None) -> int:
    if column is None:
        return 0
    return p.history.get(p.agents[a].agent_id, (0, 0, 0))[column]


def _eligible(p: RosterProblem, rule_id: str) -> list[int]:
    return [
        a
        for a, agent in enumerate(p.agents)
        if fairness_factor(p, a) > 0 and (rule_id != "fair_nights" or agent.night_ok)
    ]


def _relevant(p: RosterProblem, counts: Counter) -> bool:
    return any(counts(p, d, t) for d in range(p.days) for t in range(len(p.templates)))


def _add_fair(m: RosterModel, rule_id: str) -> cp_model.LinearExpr:
    p = m.problem
    counts, column, band = FAIRNESS[rule_id]
    eligible = _eligible(p, rule_id)
    if len(eligible) < 2 or not _relevant(p, counts):
        return cp_model.LinearExpr.sum([])
    top = QUARTERS * 24 * 8 * (p.days + 400)
    low = m.model.new_int_var(0, top, f"{rule_id}_low")
    excess = []
    for a in eligible:
        keys = [(d, t) for d in range(p.days) for t in range(len(p.templates)) if counts(p, d, t)]
        worked = cp_model.LinearExpr.weighted_sum(
            [m.x[a, d, t] for d, t in keys], [counts(p, d, t) for d, t in keys]
        )
        share = fairness_factor(p, a) * (worked + _before(p, a, column))
        m.model.add(low <= share)
        over = m.model.new_int_var(0, top, f"{rule_id}_over_a{a}")
        m.model.add(over >= share - low - QUARTERS * band(p))
        excess.append(over)
    return cp_model.LinearExpr.sum(excess)


def _measure_fair(r: Roster, rule_id: str) -> float:
    p = r.problem
    counts, column, band = FAIRNESS[rule_id]
    eligible = _eligible(p, rule_id)
    if len(eligible) < 2 or not _relevant(p, counts):
        return 0.0
    shares = []
    for a in eligible:
        worked = sum(counts(p, d, t) for d, t in r.days_of[a].items())
        shares.append(fairness_factor(p, a) * (worked + _before(p, a, column)))
    low = min(shares)
    return float(sum(max(0, share - low - QUARTERS * band(p)) for share in shares))


def add_fair_nights(m: RosterModel) -> cp_model.LinearExpr:
    return _add_fair(m, "fair_nights")


def add_fair_weekends(m: RosterModel) -> cp_model.LinearExpr:
    return _add_fair(m, "fair_weekends")


def add_fair_holidays(m: RosterModel) -> cp_model.LinearExpr:
    return _add_fair(m, "fair_holidays")


def add_fair_hours(m: RosterModel) -> cp_model.LinearExpr:
    return _add_fair(m, "fair_hours")


def measure_fair_hours(r: Roster) -> float:
    return _measure_fair(r, "fair_hours")


def measure_fair_nights(r: Roster) -> float:
    return _measure_fair(r, "fair_nights")


def measure_fair_weekends(r: Roster) -> float:
    return _measure_fair(r, "fair_weekends")


def measure_fair_holidays(r: Roster) -> float:
    return _measure_fair(r, "fair_holidays")


# --------------------------------------------------------------------------- rotation


PRIOR_DAYS = 7  # days of the previous period the rotation rules look back over


def prior_days(problem: RosterProblem) -> int:
    """How many days before the start the rotation rules see: none without ``--previous``
    (blocks at the start edge may continue from an unknown past and cost nothing)."""
    return PRIOR_DAYS if problem.previous is not None else 0


def prior_rank(problem: RosterProblem, begin: int) -> int:
    """Start rank of a previous-period shift: that of the latest template start at or
    before its time of day (1 if it starts before them all)."""
    starts = sorted({t.start_minute for t in problem.templates})
    minute = begin % MINUTES_PER_DAY
    return max(1, sum(1 for s in starts if s <= minute))


def _prior_facts(problem: RosterProblem, a: int) -> tuple[list[int], list[int], list[int]]:
    """Worked, night and start rank for the ``prior_days`` days before the start."""
    prior = problem.prior_of(problem.agents[a])
    days = range(-prior_days(problem), 0)
    worked = [int(d in prior) for d in days]
    night = [int(d in prior and prior[d].night) for d in days]
    rank = [prior_rank(problem, prior[d].begin) if d in prior else 0 for d in days]
    return worked, night, rank


def add_forward_rotation(m: RosterModel) -> cp_model.LinearExpr:
    p = m.problem
    ranks = start_ranks(p)
    top = max(ranks)
    terms = []
    for a in range(len(p.agents)):
        _, _, before = _prior_facts(p, a)
        rank = before + [
            cp_model.LinearExpr.weighted_sum(m.shifts_of(a, d), ranks) for d in range(p.days)
        ]
        works = [1] * len(before) + [m.works[a, d] for d in range(p.days)]
        for e in range(max(len(before) - 1, 0), len(rank) - 1):
            back = m.model.new_int_var(0, top, f"back_a{a}_e{e}")
            m.model.add(back >= rank[e] - rank[e + 1] - top * (1 - works[e + 1]))
            terms.append(back)
    return cp_model.LinearExpr.sum(terms)


def measure_forward_rotation(r: Roster) -> float:
    p = r.problem
    ranks = start_ranks(p)
    total = 0
    for a, shifts in r.days_of.items():
        _, _, before = _prior_facts(p, a)
        rank = before + [ranks[shifts[d]] if d in shifts else 0 for d in range(p.days)]
        for e in range(len(rank) - 1):
            if rank[e + 1]:
                total += max(0, rank[e] - rank[e + 1])
    return float(total)


def add_stable_shift(m: RosterModel) -> cp_model.LinearExpr:
    p = m.problem
    families = sorted({t.family for t in p.templates})
    terms = []
    for a in range(len(p.agents)):
        for w, block in enumerate(p.weeks()):
            used = []
            for f in families:
                shifts = [
                    m.x[a, d, t]
                    for d in block
                    for t, tp in enumerate(p.templates)
                    if tp.family == f
                ]
                flag = m.model.new_bool_var(f"family_a{a}_w{w}_{f}")
                m.model.add_max_equality(flag, shifts)
                used.append(flag)
            extra = m.model.new_int_var(0, len(families), f"families_a{a}_w{w}")
            m.model.add(extra >= sum(used) - 1)
            terms.append(extra)
    return cp_model.LinearExpr.sum(terms)


def measure_stable_shift(r: Roster) -> float:
    p = r.problem
    total = 0
    for shifts in r.days_of.values():
        for block in p.weeks():
            families = {p.templates[t].family for d, t in shifts.items() if d in block}
            total += max(0, len(families) - 1)
    return float(total)


def add_night_blocks(m: RosterModel) -> cp_model.LinearExpr:
    """Night blocks on the days of the previous period (constants) and of this one: every
    window that reaches into this period counts, so a block carried over the boundary is
    measured whole."""
    p = m.problem
    s = p.soft
    nights = [i for i, t in enumerate(p.templates) if t.night]
    terms: list[cp_model.LinearExprT] = []
    if not nights:
        return cp_model.LinearExpr.sum([])
    for a in range(len(p.agents)):
        worked, before, _ = _prior_facts(p, a)
        k = len(before)  # index of day 0
        night: list[cp_model.IntVar | int] = list(before)
        for d in range(p.days):
            flag = m.model.new_bool_var(f"night_a{a}_d{d}")
            m.model.add_max_equality(flag, [m.x[a, d, i] for i in nights])
            night.append(flag)
        works: list[cp_model.IntVar | int] = list(worked)
        works += [m.works[a, d] for d in range(p.days)]
        total = len(night)
        for length in range(1, s.min_night_block):
            # block e … e+length−1 with known days on both sides, one of them in this period
            for e in range(max(1, k - length), total - length):
                flag = m.model.new_bool_var(f"short{length}_a{a}_e{e}")
                inside = night[e : e + length]
                m.model.add(flag >= sum(inside) - (length - 1) - night[e - 1] - night[e + length])
                terms.append(length * flag)
        for e in range(max(0, k - s.max_night_block), total - s.max_night_block):
            window = night[e : e + s.max_night_block + 1]
            long = m.model.new_bool_var(f"longnights_a{a}_e{e}")
            m.model.add(long >= sum(window) - s.max_night_block)
            terms.append(long)
        for e in range(total - 1):
            for step in range(1, s.days_off_after_nights + 1):
                if e + step >= total:
                    break
                if e + step < k:
                    continue  # wholly in the previous period
                soon = m.model.new_bool_var(f"soon_a{a}_e{e}_k{step}")
                worked_night = night[e + step] if step == 1 else 0
                # block ends on e (night e, no night e+1) and the agent works on e+step
                m.model.add(soon >= night[e] - night[e + 1] + works[e + step] - worked_night - 1)
                terms.append(soon)
    return cp_model.LinearExpr.sum(terms)


def measure_night_blocks(r: Roster) -> float:
    p = r.problem
    s = p.soft
    total = 0
    for a in r.days_of:
        worked, before, _ = _prior_facts(p, a)
        k = len(before)
        night = before + [int(r.night(a, d)) for d in range(p.days)]
        works = worked + [int(r.works(a, d)) for d in range(p.days)]
        for first, last in _runs([e for e, n in enumerate(night) if n]):
            # what reaches into this period counts; the previous period's own is its business
            length = last - first + 1
            edge = first == 0 or last == len(night) - 1
            if length < s.min_night_block and last + 1 >= k and not edge:
                total += length
            windows = last - s.max_night_block - max(first, k - s.max_night_block) + 1
            total += max(0, windows)
            for step in range(1, s.days_off_after_nights + 1):
                after = last + step
                if k <= after < len(night) and works[after]:
                    total += 1
    return float(total)


def _runs(days: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for d in days:
        if runs and runs[-1][1] == d - 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


def add_off_pairs(m: RosterModel) -> cp_model.LinearExpr:
    p = m.problem
    terms = []
    for a in range(len(p.agents)):
        before, _, _ = _prior_facts(p, a)
        works = before + [m.works[a, d] for d in range(p.days)]
        for e in range(max(1, len(before) - 1), len(works) - 1):
            single = m.model.new_bool_var(f"singleoff_a{a}_e{e}")
            m.model.add(single >= works[e - 1] + works[e + 1] - works[e] - 1)
            terms.append(single)
    return cp_model.LinearExpr.sum(terms)


def measure_off_pairs(r: Roster) -> float:
    p = r.problem
    total = 0
    for a in r.days_of:
        before, _, _ = _prior_facts(p, a)
        works = before + [int(r.works(a, d)) for d in range(p.days)]
        for e in range(max(1, len(before) - 1), len(works) - 1):
            total += int(not works[e] and works[e - 1] and works[e + 1])
    return float(total)


def weekend_blocks(problem: RosterProblem) -> list[list[tuple[int, int]]]:
    """Per full 28-day block from the start: its (Saturday, Sunday) day pairs."""
    blocks = []
    for first in range(0, problem.days - 27, 28):
        pairs = [(d, d + 1) for d in range(first, first + 27) if problem.dates[d].weekday() == 5]
        blocks.append(pairs)
    return blocks


def add_weekend_off(m: RosterModel) -> cp_model.LinearExpr:
    p = m.problem
    terms = []
    for a in range(len(p.agents)):
        for b, pairs in enumerate(weekend_blocks(p)):
            free = []
            for sat, sun in pairs:
                off = m.model.new_bool_var(f"weekendoff_a{a}_d{sat}")
                m.model.add(off <= 1 - m.works[a, sat])
                m.model.add(off <= 1 - m.works[a, sun])
                free.append(off)
            none = m.model.new_bool_var(f"noweekend_a{a}_b{b}")
            m.model.add(none >= 1 - sum(free))
            terms.append(none)
    return cp_model.LinearExpr.sum(terms)


def measure_weekend_off(r: Roster) -> float:
    total = 0
    for a in r.days_of:
        for pairs in weekend_blocks(r.problem):
            if not any(not r.works(a, sat) and not r.works(a, sun) for sat, sun in pairs):
                total += 1
    return float(total)


# --------------------------------------------------------------------------- preferences


def _days_of(problem: RosterProblem, pref: Preference) -> list[int]:
    """The horizon days a preference applies to."""
    if pref.day is not None:
        d = (pref.day - problem.start).days
        return [d] if 0 <= d < problem.days else []
    return [d for d, day in enumerate(problem.dates) if pref.applies_to(day)]


def preference_days(problem: RosterProblem) -> list[tuple[int, int, int, frozenset[int] | None]]:
    """(agent, day, weight, templates that grant it; None = OFF) per preference and day."""
    index = {agent.agent_id: a for a, agent in enumerate(problem.agents)}
    wanted = []
    for pref in problem.preferences:
        a = index.get(pref.agent_id)
        if a is None or pref.avoid:
            continue
        if pref.shift.upper() == "OFF":
            grants = None
        else:
            grants = frozenset(
                t for t, tp in enumerate(problem.templates) if pref.shift in (tp.code, tp.family)
            )
        for d in _days_of(problem, pref):
            wanted.append((a, d, pref.weight, grants))
    return wanted


def avoid_days(problem: RosterProblem) -> list[tuple[int, int, int, frozenset[int]]]:
    """(agent, day, weight, templates to avoid) per ``avoid`` preference and day."""
    index = {agent.agent_id: a for a, agent in enumerate(problem.agents)}
    unwanted = []
    for pref in problem.preferences:
        a = index.get(pref.agent_id)
        if a is None or not pref.avoid:
            continue
        avoided = frozenset(
            t for t, tp in enumerate(problem.templates) if pref.shift in (tp.code, tp.family)
        )
        for d in _days_of(problem, pref):
            unwanted.append((a, d, pref.weight, avoided))
    return unwanted


def add_preferences(m: RosterModel) -> cp_model.LinearExpr:
    terms: list[cp_model.LinearExprT] = []
    for a, d, weight, grants in preference_days(m.problem):
        if grants is None:
            terms.append(weight * m.works[a, d])
        else:
            granted = cp_model.LinearExpr.sum([m.x[a, d, t] for t in grants])
            terms.append(weight - weight * granted)
    for a, d, weight, avoided in avoid_days(m.problem):
        terms.append(weight * cp_model.LinearExpr.sum([m.x[a, d, t] for t in avoided]))
    return cp_model.LinearExpr.sum(terms)


def measure_preferences(r: Roster) -> float:
    return float(sum(w for w, granted in preference_outcomes(r) if not granted))


def preference_outcomes(r: Roster) -> list[tuple[int, bool]]:
    """(weight, granted) for every preference and day it applies to."""
    outcomes = []
    for a, d, weight, grants in preference_days(r.problem):
        worked = r.days_of[a].get(d)
        granted = worked is None if grants is None else worked in grants
        outcomes.append((weight, granted))
    for a, d, weight, avoided in avoid_days(r.problem):
        outcomes.append((weight, r.days_of[a].get(d) not in avoided))
    return outcomes


SoftModel = Callable[[RosterModel], cp_model.LinearExpr]
SoftMeasure = Callable[[Roster], float]

SOFT_RULES: dict[str, tuple[SoftModel, SoftMeasure]] = {
    "fair_nights": (add_fair_nights, measure_fair_nights),
    "fair_weekends": (add_fair_weekends, measure_fair_weekends),
    "fair_holidays": (add_fair_holidays, measure_fair_holidays),
    "fair_hours": (add_fair_hours, measure_fair_hours),
    "forward_rotation": (add_forward_rotation, measure_forward_rotation),
    "stable_shift": (add_stable_shift, measure_stable_shift),
    "night_blocks": (add_night_blocks, measure_night_blocks),
    "off_pairs": (add_off_pairs, measure_off_pairs),
    "weekend_off": (add_weekend_off, measure_weekend_off),
    "preferences": (add_preferences, measure_preferences),
}


def weight_of(soft: SoftSettings, rule_id: str) -> int:
    weight: int = getattr(soft, rule_id)
    return weight


def add_soft_rules(m: RosterModel) -> dict[str, cp_model.LinearExpr]:
    """Every soft rule with a weight above 0: rule_id → its penalty expression."""
    return {
        rule_id: add(m)
        for rule_id, (add, _) in SOFT_RULES.items()
        if weight_of(m.problem.soft, rule_id) > 0
    }


def measure_all(problem: RosterProblem, assignments: Iterable[Key]) -> dict[str, float]:
    roster = Roster.of(problem, assignments)
    return {rule_id: measure(roster) for rule_id, (_, measure) in SOFT_RULES.items()}


def longest_run(days: Iterable[int]) -> int:
    return max((last - first + 1 for first, last in _runs(sorted(days))), default=0)


def off_day_pairs(worked: set[int], dates: list[date], leave: frozenset[date]) -> int:
    """Blocks of two or more consecutive days off (not on leave) inside the horizon."""
    off = [d for d in range(len(dates)) if d not in worked and dates[d] not in leave]
    return sum(1 for first, last in _runs(off) if last > first)
