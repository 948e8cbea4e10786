"""The CP-SAT model of a roster: one boolean per (agent, day, shift template).

Hard rules are small functions ``add_<rule_id>`` listed in ``HARD_RULES``; each reads its
limit from ``RuleSettings`` and adds constraints only. Coverage is soft: shortfall per
interval costs more the deeper it goes, surplus costs a little. ``callshift.roster.check``
re-verifies every hard rule without importing this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from callshift.roster.problem import RosterProblem

Key = tuple[int, int, int]  # agent index, day, template index


@dataclass(frozen=True)
class Weights:
    """Objective weights per agent per interval. Shortfall tiers: the first agent short,
    the second, and every one beyond; each tier costs more than the one before."""

    shortfall: tuple[int, int, int] = (100, 200, 400)
    surplus: int = 1
    tail: int = 10  # per agent short in the next period's first hours (``problem.tail``)


def required_rest_days(rules_rest_days: int, block_days: int) -> int:
    """Rest days a block of ``block_days`` days must hold; a short last block owes fewer,
    since its remaining rest can fall in the next period."""
    return max(0, rules_rest_days - (7 - block_days))


def hours_limit_minutes(contract_hours: float, block_days: int) -> int:
    """Paid minutes allowed in a block: the contract, pro rata for a short last block."""
    return math.floor(contract_hours * 60 * block_days / 7 + 1e-6)


class RosterModel:
    """Variables of the roster model; rules and coverage are added by the functions below."""

    def __init__(self, problem: RosterProblem) -> None:
        self.problem = problem
        self.model = cp_model.CpModel()
        agents, days, templates = len(problem.agents), problem.days, len(problem.templates)
        self.x: dict[Key, cp_model.IntVar] = {
            (a, d, t): self.model.new_bool_var(f"x_a{a}_d{d}_t{t}")
            for a in range(agents)
            for d in range(days)
            for t in range(templates)
        }
        self.works: dict[tuple[int, int], cp_model.IntVar] = {}
        for a in range(agents):
            for d in range(days):
                works = self.model.new_bool_var(f"works_a{a}_d{d}")
                day_shifts = [self.x[a, d, t] for t in range(templates)]
                self.model.add_max_equality(works, day_shifts)
                self.works[a, d] = works
        self.shortfall: list[cp_model.LinearExprT] = []
        self.surplus: list[cp_model.LinearExprT] = []
        self.shortfall_cost: cp_model.LinearExpr = cp_model.LinearExpr.sum([])
        self.surplus_cost: cp_model.LinearExpr = cp_model.LinearExpr.sum([])
        self.soft: dict[str, cp_model.LinearExpr] = {}  # rule_id → penalty in its units
        self.cover_cost: cp_model.LinearExpr = cp_model.LinearExpr.sum([])  # per-shift cover
        self.cover_shortfall: cp_model.LinearExpr = cp_model.LinearExpr.sum([])  # its under part

    def shifts_of(self, a: int, d: int) -> list[cp_model.IntVar]:
        return [self.x[a, d, t] for t in range(len(self.problem.templates))]


# --------------------------------------------------------------------------- hard rules


def add_one_shift_per_day(m: RosterModel) -> None:
    """At most ``max_shifts_per_day`` shifts start on one day per agent."""
    limit = m.problem.rules.max_shifts_per_day
    for a in range(len(m.problem.agents)):
        for d in range(m.problem.days):
            m.model.add(cp_model.LinearExpr.sum(m.shifts_of(a, d)) <= limit)


def rest_conflicts(problem: RosterProblem) -> list[tuple[int, int, int]]:
    """(day offset, first template, second template) pairs too close or overlapping."""
    rest = round(problem.rules.min_rest_hours * 60)
    pairs = []
    longest = max(t.length_minutes for t in problem.templates)
    same_day = 0 if problem.rules.max_shifts_per_day > 1 else 1
    for offset in range(same_day, math.ceil((longest + rest) / 1440) + 1):
        for i, first in enumerate(problem.templates):
            for j, second in enumerate(problem.templates):
                if offset == 0 and i == j:
                    continue
                _, end = first.span(0)
                begin, _ = second.span(offset)
                first_begin, _ = first.span(0)
                if begin >= first_begin and begin - end < rest:
                    pairs.append((offset, i, j))
    return pairs


def add_min_rest(m: RosterModel) -> None:
    """At least ``min_rest_hours`` between the end of a shift and the start of the next, and
    no template the day after one that ``forbidden_successions`` says it may not follow."""
    p = m.problem
    pairs = rest_conflicts(p)
    pairs += [(1, i, j) for i, j in sorted(p.forbidden_successions) if (1, i, j) not in pairs]
    barred: dict[tuple[int, int], tuple[int, ...]] = {}  # (offset, first) → seconds barred
    for offset, i, j in pairs:
        barred[offset, i] = (*barred.get((offset, i), ()), j)
    rest = round(p.rules.min_rest_hours * 60)
    for a, agent in enumerate(p.agents):
        # "works one of these shifts on day d" once per set of barred seconds and day, so
        # that a conflict is one clause (first ⇒ none of its seconds), not one per pair
        any_of: dict[tuple[int, tuple[int, ...]], cp_model.IntVar] = {}

        def works_any(
            day: int,
            seconds: tuple[int, ...],
            a: int = a,
            any_of: dict[tuple[int, tuple[int, ...]], cp_model.IntVar] = any_of,
        ) -> cp_model.IntVar:
            if len(seconds) == 1:
                return m.x[a, day, seconds[0]]
            if (day, seconds) not in any_of:
                flag = m.model.new_bool_var(f"any_a{a}_d{day}_{'_'.join(map(str, seconds))}")
                m.model.add_max_equality(flag, [m.x[a, day, j] for j in seconds])
                any_of[day, seconds] = flag
            return any_of[day, seconds]

        for d in range(p.days):
            for (offset, i), seconds in barred.items():
                if d + offset < p.days:
                    second = works_any(d + offset, seconds)
                    m.model.add_bool_or([m.x[a, d, i].Not(), second.Not()])
        last_end = p.last_prior_end(agent)  # across the boundary with the previous period
        if last_end is not None:
            for d in range(p.days):
                for i, t in enumerate(p.templates):
                    if t.span(d)[0] < last_end + rest:
                        m.model.add(m.x[a, d, i] == 0)


def add_max_consecutive_days(m: RosterModel) -> None:
    """No more than ``max_consecutive_days`` working days in a row (the agent's own limit
    where the problem sets one)."""
    p = m.problem
    for a, agent in enumerate(p.agents):
        limit = p.max_consecutive_days(agent)
        for first in range(0, p.days - limit):
            m.model.add(sum(m.works[a, d] for d in range(first, first + limit + 1)) <= limit)
        prior = p.prior_of(agent)  # windows of limit + 1 days that begin before the start
        for back in range(1, limit + 1):
            before = sum(1 for d in range(-back, 0) if d in prior)
            after = range(0, min(limit + 1 - back, p.days))
            if before and len(after) + before > limit:
                m.model.add(sum(m.works[a, d] for d in after) <= limit - before)


def add_weekly_rest(m: RosterModel) -> None:
    """At least ``weekly_rest_days`` days off in every 7-day block from the start."""
    for block in m.problem.weeks():
        off = required_rest_days(m.problem.rules.weekly_rest_days, len(block))
        for a in range(len(m.problem.agents)):
            m.model.add(sum(m.works[a, d] for d in block) <= len(block) - off)


def add_max_weekly_hours(m: RosterModel) -> None:
    """Paid hours in every 7-day block at most the agent's contract hours; a short last
    block allows them pro rata, or one shift of at most the contract hours."""
    for a, agent in enumerate(m.problem.agents):
        contract = m.problem.contract_hours(agent)
        for block in m.problem.weeks():
            keys = [(d, i) for d in block for i in range(len(m.problem.templates))]
            paid = sum(m.problem.templates[i].paid_minutes * m.x[a, d, i] for d, i in keys)
            limit = hours_limit_minutes(contract, len(block))
            longest = max(m.problem.templates[i].paid_minutes for _, i in keys)
            if len(block) == 7 or longest <= limit:
                m.model.add(paid <= limit)
                continue
            single = m.model.new_bool_var(f"single_a{a}_d{block[0]}")
            m.model.add(paid <= limit).only_enforce_if(single.Not())
            m.model.add(sum(m.x[a, d, i] for d, i in keys) <= 1).only_enforce_if(single)
            m.model.add(paid <= hours_limit_minutes(contract, 7)).only_enforce_if(single)


def add_night_ok(m: RosterModel) -> None:
    """Shifts touching the night_ok window (23:00-07:00) only for agents with ``night_ok``."""
    nights = [i for i, t in enumerate(m.problem.templates) if t.protected]
    for a, agent in enumerate(m.problem.agents):
        if not agent.night_ok:
            for d in range(m.problem.days):
                for i in nights:
                    m.model.add(m.x[a, d, i] == 0)


def add_leave(m: RosterModel) -> None:
    """No shift that touches a calendar day the agent is on leave."""
    for a, agent in enumerate(m.problem.agents):
        for d in range(m.problem.days):
            for i in range(len(m.problem.templates)):
                if m.problem.on_leave(agent, d, i):
                    m.model.add(m.x[a, d, i] == 0)


HARD_RULES: dict[str, Callable[[RosterModel], None]] = {
    "one_shift_per_day": add_one_shift_per_day,
    "min_rest": add_min_rest,
    "max_consecutive_days": add_max_consecutive_days,
    "weekly_rest": add_weekly_rest,
    "max_weekly_hours": add_max_weekly_hours,
    "night_ok": add_night_ok,
    "leave": add_leave,
}


# --------------------------------------------------------------------------- agent limits
#
# Limits a contract sets per agent over the whole horizon (``RosterProblem.limits``). Each is
# a no-op for agents without the limit; ``plan`` sets none and does not run them. Their
# independent check is ``callshift.nrp.evaluate`` (``check_<rule_id>``), which reads the
# benchmark instance itself.


def add_max_shifts_per_type(m: RosterModel) -> None:
    """At most ``max_shifts[code]`` shifts of each template over the horizon."""
    p = m.problem
    for a, agent in enumerate(p.agents):
        limits = p.limits_of(agent)
        for t, template in enumerate(p.templates):
            most = limits.max_shifts.get(template.code)
            if most is not None and most < p.days:
                m.model.add(cp_model.LinearExpr.sum([m.x[a, d, t] for d in range(p.days)]) <= most)


def _minutes_worked(m: RosterModel, a: int) -> cp_model.LinearExpr:
    p = m.problem
    return cp_model.LinearExpr.weighted_sum(
        [m.x[a, d, t] for d in range(p.days) for t in range(len(p.templates))],
        [t.paid_minutes for _ in range(p.days) for t in p.templates],
    )


def add_max_total_minutes(m: RosterModel) -> None:
    """Paid minutes over the horizon at most ``max_total_minutes``."""
    for a, agent in enumerate(m.problem.agents):
        most = m.problem.limits_of(agent).max_total_minutes
        if most is not None:
            m.model.add(_minutes_worked(m, a) <= most)


def add_min_total_minutes(m: RosterModel) -> None:
    """Paid minutes over the horizon at least ``min_total_minutes``."""
    for a, agent in enumerate(m.problem.agents):
        least = m.problem.limits_of(agent).min_total_minutes
        if least is not None:
            m.model.add(_minutes_worked(m, a) >= least)


def run_starts(days: int, shortest: int) -> list[tuple[int, int]]:
    """(day a run may start, a later day it must reach) for a minimum run length: a run
    starting on day d ≥ 1 covers days d … d + shortest − 1, or as many as the horizon has.
    Runs that start on the first day or reach the last may continue outside the horizon, so
    they are free (see docs/nrp.md)."""
    return [
        (first, first + step)
        for first in range(1, days)
        for step in range(1, shortest)
        if first + step < days
    ]


def add_min_consecutive_days(m: RosterModel) -> None:
    """Runs of working days at least ``min_consecutive_days`` long, edges excepted: a run
    that starts on day d (off on d − 1) works every day of its minimum length."""
    p = m.problem
    for a, agent in enumerate(p.agents):
        shortest = p.limits_of(agent).min_consecutive_days or 0
        for first, later in run_starts(p.days, shortest):
            works = m.works
            m.model.add(works[a, later] + works[a, first - 1] >= works[a, first])


def add_min_consecutive_days_off(m: RosterModel) -> None:
    """Runs of days off at least ``min_consecutive_days_off`` long, edges excepted."""
    p = m.problem
    for a, agent in enumerate(p.agents):
        shortest = p.limits_of(agent).min_consecutive_days_off or 0
        for first, later in run_starts(p.days, shortest):
            works = m.works
            m.model.add(works[a, later] + works[a, first - 1] <= 1 + works[a, first])


def weekends(problem: RosterProblem) -> list[list[int]]:
    """The days of each weekend (Saturday and the Sunday after it) inside the horizon."""
    found: dict[int, list[int]] = {}
    for d, day in enumerate(problem.dates):
        if day.weekday() >= 5:
            saturday = d - (day.weekday() - 5)
            found.setdefault(saturday, []).append(d)
    return list(found.values())


def add_max_weekends(m: RosterModel) -> None:
    """At most ``max_weekends`` weekends with a shift on Saturday or Sunday."""
    p = m.problem
    blocks = weekends(p)
    for a, agent in enumerate(p.agents):
        most = p.limits_of(agent).max_weekends
        if most is None or most >= len(blocks):
            continue
        worked = []
        for w, days in enumerate(blocks):
            flag = m.model.new_bool_var(f"weekend_a{a}_w{w}")
            m.model.add_max_equality(flag, [m.works[a, d] for d in days])
            worked.append(flag)
        m.model.add(sum(worked) <= most)


LIMIT_RULES: dict[str, Callable[[RosterModel], None]] = {
    "max_shifts_per_type": add_max_shifts_per_type,
    "max_total_minutes": add_max_total_minutes,
    "min_total_minutes": add_min_total_minutes,
    "min_consecutive_days": add_min_consecutive_days,
    "min_consecutive_days_off": add_min_consecutive_days_off,
    "max_weekends": add_max_weekends,
}


# --------------------------------------------------------------------------- coverage


def add_coverage(m: RosterModel, weights: Weights) -> None:
    """Soft coverage per interval: tiered shortfall and light surplus, both penalised."""
    p = m.problem
    agents = len(p.agents)
    counts = {
        (d, t): m.model.new_int_var(0, agents, f"y_d{d}_t{t}")
        for d in range(p.days)
        for t in range(len(p.templates))
    }
    covering: list[list[tuple[int, int]]] = [[] for _ in range(p.intervals)]
    for (d, t), count in counts.items():
        m.model.add(count == sum(m.x[a, d, t] for a in range(agents)))
        for i in m.problem.covered(d, t):
            covering[i].append((d, t))
    first, second, deep = weights.shortfall
    shortfall_terms = []
    surplus_terms = []
    needs = p.need()
    for i, shifts in enumerate(covering):
        if not shifts:
            continue  # unreachable this period: a constant, reported, not optimised
        need = int(needs[i])
        cover = sum(counts[s] for s in shifts)
        top = max(need, 0)
        s1 = m.model.new_int_var(0, min(1, top), f"short1_{i}")
        s2 = m.model.new_int_var(0, min(1, top), f"short2_{i}")
        s3 = m.model.new_int_var(0, top, f"short3_{i}")
        over = m.model.new_int_var(0, max(agents - need, 0), f"over_{i}")
        m.model.add(cover + s1 + s2 + s3 - over == need)
        m.shortfall.append(s1 + s2 + s3)
        m.surplus.append(over)
        shortfall_terms += [first * s1, second * s2, deep * s3]
        surplus_terms.append(over)
    tail: list[list[tuple[int, int]]] = [[] for _ in range(len(p.tail))]
    for d, t in counts:
        for j in p.covered_tail(d, t):
            tail[j].append((d, t))
    for j, shifts in enumerate(tail):  # the next period's first hours, reachable only here
        need = int(p.tail[j])
        if not shifts or need <= 0:
            continue
        short = m.model.new_int_var(0, need, f"tailshort_{j}")
        m.model.add(sum(counts[s] for s in shifts) + short >= need)
        # cheaper than this period's shortfall, dearer than surplus: a night agent more for
        # the next period's small hours, but never at the cost of this period's coverage
        shortfall_terms.append(weights.tail * short)
    m.shortfall_cost = cp_model.LinearExpr.sum(shortfall_terms)
    m.surplus_cost = cp_model.LinearExpr.sum([weights.surplus * v for v in surplus_terms])


def add_shift_cover(m: RosterModel) -> None:
    """Soft cover per (day, template) where the problem asks for it: each agent short costs
    ``under_weight``, each agent over ``over_weight``; the total is ``m.cover_cost``, the
    under part of it ``m.cover_shortfall``."""
    agents = len(m.problem.agents)
    terms, shortfall = [], []
    for (d, t), cover in sorted(m.problem.shift_cover.items()):
        count = cp_model.LinearExpr.sum([m.x[a, d, t] for a in range(agents)])
        under = m.model.new_int_var(0, max(cover.required, 0), f"under_d{d}_t{t}")
        over = m.model.new_int_var(0, agents, f"over_d{d}_t{t}")
        m.model.add(count + under - over == cover.required)
        terms += [cover.under_weight * under, cover.over_weight * over]
        shortfall.append(cover.under_weight * under)
    m.cover_cost = cp_model.LinearExpr.sum(terms)
    m.cover_shortfall = cp_model.LinearExpr.sum(shortfall)


def build_model(problem: RosterProblem, weights: Weights | None = None) -> RosterModel:
    """Every hard rule and soft coverage; the objective is set by the solver step."""
    m = RosterModel(problem)
    for add_rule in HARD_RULES.values():
        add_rule(m)
    add_coverage(m, weights or Weights())
    return m
