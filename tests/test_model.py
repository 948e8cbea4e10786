"""The CP-SAT model rule by rule: a violating assignment is rejected, a compliant one kept.

Each rule is tested alone (a model with only that rule), so a test fails if its rule is
missing or wrong, whatever the other rules do.
"""

from __future__ import annotations

import inspect
import sys
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest
from ortools.sat.python import cp_model

from callshift.agents import Agent, Leave
from callshift.config import DEFAULT_SHIFTS, Config, RuleSettings, ShiftSpec
from callshift.plan import roster_frame, roster_rows
from callshift.roster import check
from callshift.roster.check import check_rules
from callshift.roster.model import HARD_RULES, RosterModel, build_model
from callshift.roster.problem import RosterProblem
from callshift.roster.solve import Solution
from callshift.shifts import expand_templates

MONDAY = date(2026, 12, 21)


def problem(
    days: int = 7,
    agents: tuple[Agent, ...] = (Agent("X"),),
    rules: RuleSettings | None = None,
    shifts: tuple[ShiftSpec, ...] = DEFAULT_SHIFTS,
    leave: dict[str, frozenset[date]] | None = None,
    interval_minutes: int = 60,
) -> RosterProblem:
    rules = rules or RuleSettings()
    return RosterProblem(
        start=MONDAY,
        days=days,
        interval_minutes=interval_minutes,
        required=np.zeros(days * 1440 // interval_minutes, dtype=np.int64),
        templates=expand_templates(shifts, rules),
        agents=agents,
        leave=leave or {},
        rules=rules,
    )


def feasible(
    p: RosterProblem,
    rule: str | None,
    shifts: list[tuple[int, int, str]],
) -> bool:
    """Can ``shifts`` (agent, day, code) all be worked under ``rule`` alone (None: all)?

    A roster the solver finds is passed through the independent checker for the same
    rule(s), so model and checker must agree on every case here."""
    if rule is None:
        m = build_model(p)
    else:
        m = RosterModel(p)
        HARD_RULES[rule](m)
    codes = {t.code: i for i, t in enumerate(p.templates)}
    for a, d, code in shifts:
        m.model.add(m.x[a, d, codes[code]] == 1)
    # no shifts beyond those asked: a rule alone leaves what other rules forbid (two shifts
    # a day, say) open, and the solver's choice of free variables is arbitrary
    m.model.minimize(sum(m.x.values()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 1
    status = solver.solve(m.model)
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE)
    if status == cp_model.INFEASIBLE:
        return False
    chosen = tuple(key for key, var in m.x.items() if solver.boolean_value(var))
    solution = Solution(p, chosen, "FEASIBLE", None, None, 0.0)
    leave = tuple(Leave(a, d, d) for a, days in p.leave.items() for d in days)
    specs = tuple(
        ShiftSpec(
            t.code,
            start=f"{t.start_minute // 60:02d}:{t.start_minute % 60:02d}",
            length_hours=t.length_minutes / 60,
            break_minutes=t.break_minutes,
        )
        for t in p.templates
    )
    config = replace(Config(), rules=p.rules, shifts=specs)
    violations = check_rules(
        roster_rows(roster_frame(solution)),
        agents=p.agents,
        leave=leave,
        config=config,
        start=p.start,
        days=p.days,
        only=None if rule is None else {rule},
    )
    assert violations == (), f"the checker rejects the model's roster: {violations}"
    return True


def prior(p: RosterProblem, pattern: str, agent: str = "X") -> RosterProblem:
    """``p`` after a previous period: one code per day, the last one the day before."""
    codes = pattern.split()
    shifts = tuple(
        p.prior_shift(agent, d - len(codes), code) for d, code in enumerate(codes) if code != "-"
    )
    return replace(p, previous=shifts)


def run(days: list[int], code: str = "P", agent: int = 0) -> list[tuple[int, int, str]]:
    return [(agent, d, code) for d in days]


# --------------------------------------------------------------------------- one per rule


def test_one_shift_per_day_rejects_two_shifts_on_a_day() -> None:
    p = problem(days=1)
    assert not feasible(p, "one_shift_per_day", [(0, 0, "P"), (0, 0, "M")])
    assert feasible(p, "one_shift_per_day", [(0, 0, "P")])
    two = problem(days=1, rules=RuleSettings(max_shifts_per_day=2))
    assert feasible(two, "one_shift_per_day", [(0, 0, "P"), (0, 0, "M")])


def test_min_rest_rejects_a_quick_return() -> None:
    p = problem(days=2)
    assert not feasible(p, "min_rest", [(0, 0, "S"), (0, 1, "P")])  # 23:00 → 07:00: 8 h
    assert not feasible(p, "min_rest", [(0, 0, "M"), (0, 1, "S")])  # 07:00 → 15:00: 8 h
    assert not feasible(p, "min_rest", [(0, 0, "M"), (0, 1, "P")])  # back to back
    assert feasible(p, "min_rest", [(0, 0, "S"), (0, 1, "S")])  # 16 h
    assert feasible(p, "min_rest", [(0, 0, "P"), (0, 1, "M")])  # forward rotation
    relaxed = problem(days=2, rules=RuleSettings(min_rest_hours=8))
    assert feasible(relaxed, "min_rest", [(0, 0, "S"), (0, 1, "P")])


def test_min_rest_is_exact_to_the_minute() -> None:
    shifts = (
        ShiftSpec("E", "Early", "06:59", length_hours=8),
        ShiftSpec("F", "Early", "07:00", length_hours=8),
        ShiftSpec("L", "Late", "12:00", length_hours=8),  # ends 20:00
    )
    p = problem(days=2, shifts=shifts)
    assert not feasible(p, "min_rest", [(0, 0, "L"), (0, 1, "E")])  # 10 h 59 min
    assert feasible(p, "min_rest", [(0, 0, "L"), (0, 1, "F")])  # 11 h exactly


def test_min_rest_with_two_shifts_a_day() -> None:
    shifts = (ShiftSpec("A", "", "06:00", 4), ShiftSpec("B", "", "12:00", 4))
    rules = RuleSettings(max_shifts_per_day=2, min_rest_hours=2)
    p = problem(days=1, shifts=shifts, rules=rules)
    assert feasible(p, "min_rest", [(0, 0, "A"), (0, 0, "B")])  # 10:00 → 12:00
    strict = problem(days=1, shifts=shifts, rules=RuleSettings(max_shifts_per_day=2))
    assert not feasible(strict, "min_rest", [(0, 0, "A"), (0, 0, "B")])


def test_max_consecutive_days_rejects_a_seventh_day_in_a_row() -> None:
    p = problem(days=9)
    assert not feasible(p, "max_consecutive_days", run(list(range(1, 8))))
    assert feasible(p, "max_consecutive_days", run([1, 2, 3, 4, 5, 6, 8]))
    five = problem(days=9, rules=RuleSettings(max_consecutive_days=5))
    assert not feasible(five, "max_consecutive_days", run(list(range(0, 6))))


def test_min_rest_carries_over_from_the_previous_period() -> None:
    p = prior(problem(days=2), "M")  # the Sunday night before the start ends Monday 07:00
    assert not feasible(p, "min_rest", [(0, 0, "P")])  # back to back
    assert not feasible(p, "min_rest", [(0, 0, "S")])  # 8 h
    assert feasible(p, "min_rest", [(0, 0, "M")])  # 16 h
    assert feasible(problem(days=2), "min_rest", [(0, 0, "S")])
    assert feasible(prior(problem(days=2), "M", agent="Y"), "min_rest", [(0, 0, "P")])


def test_max_consecutive_days_counts_days_of_the_previous_period() -> None:
    p = prior(problem(days=5), "P P P P")
    assert not feasible(p, "max_consecutive_days", run([0, 1, 2]))  # 7 in a row
    assert feasible(p, "max_consecutive_days", run([0, 1, 3, 4]))
    rested = prior(problem(days=5), "P P P P -")
    assert feasible(rested, "max_consecutive_days", run([0, 1, 2, 3, 4]))
    broken = prior(problem(days=5), "P - P P P")
    assert not feasible(broken, "max_consecutive_days", run([0, 1, 2, 3]))


def test_weekly_rest_rejects_a_week_with_one_day_off() -> None:
    p = problem(days=7)
    assert not feasible(p, "weekly_rest", run([0, 1, 2, 3, 4, 5]))
    assert feasible(p, "weekly_rest", run([0, 1, 2, 3, 4]))
    six_day_week = problem(days=7, rules=RuleSettings(weekly_rest_days=1))
    assert feasible(six_day_week, "weekly_rest", run([0, 1, 2, 3, 4, 5]))


def test_weekly_rest_counts_blocks_from_the_start_and_prorates_the_last() -> None:
    p = problem(days=10)  # a full week, then a 3-day block that owes no rest yet
    assert feasible(p, "weekly_rest", run([3, 4, 5, 6, 7, 8, 9]))  # 4 + 3 days, split
    assert not feasible(p, "weekly_rest", run([0, 1, 2, 3, 4, 5]))
    p12 = problem(days=12)  # a 5-day last block owes max(0, 2 - 2) = 0 days
    assert feasible(p12, "weekly_rest", run([7, 8, 9, 10, 11]))
    p13 = problem(days=13)  # a 6-day last block owes 1 day
    assert not feasible(p13, "weekly_rest", run([7, 8, 9, 10, 11, 12]))


def test_max_weekly_hours_rejects_more_than_the_contract() -> None:
    agents = (Agent("FT"), Agent("PT", contract_hours=32.0))
    p = problem(days=7, agents=agents, rules=RuleSettings(weekly_rest_days=0))
    assert feasible(p, "max_weekly_hours", run([0, 1, 2, 3, 4], agent=0))  # 40 h
    assert not feasible(p, "max_weekly_hours", run([0, 1, 2, 3, 4, 5], agent=0))  # 48 h
    assert feasible(p, "max_weekly_hours", run([0, 1, 2, 3], agent=1))  # 32 h
    assert not feasible(p, "max_weekly_hours", run([0, 1, 2, 3, 4], agent=1))  # 40 h


def test_max_weekly_hours_counts_paid_hours_and_prorates_a_short_block() -> None:
    shifts = (ShiftSpec("P", "Pagi", "07:00", length_hours=9, break_minutes=60),)
    p = problem(days=9, shifts=shifts)  # paid 8 h; a 2-day last block allows 11.4 h
    assert feasible(p, "max_weekly_hours", run([0, 1, 2, 3, 4]))
    assert feasible(p, "max_weekly_hours", run([7]))
    assert not feasible(p, "max_weekly_hours", run([7, 8]))


def test_max_weekly_hours_allows_one_shift_in_a_block_shorter_than_its_pro_rata_hours() -> None:
    p = problem(days=8)  # a 1-day last block: 40 × 1/7 = 5.7 h, below one 8 h shift
    assert feasible(p, "max_weekly_hours", run([7]))
    two = problem(days=1, rules=RuleSettings(max_shifts_per_day=2))
    assert feasible(two, "max_weekly_hours", [(0, 0, "P")])
    assert not feasible(two, "max_weekly_hours", [(0, 0, "P"), (0, 0, "M")])  # 16 h
    short = problem(days=1, agents=(Agent("PT", contract_hours=6.0),))
    assert not feasible(short, "max_weekly_hours", [(0, 0, "P")])  # 8 h over a 6 h contract


def test_night_ok_keeps_night_shifts_from_agents_who_may_not() -> None:
    agents = (Agent("DAY", night_ok=False), Agent("ANY"))
    p = problem(days=2, agents=agents)
    assert not feasible(p, "night_ok", [(0, 0, "M")])
    assert feasible(p, "night_ok", [(0, 0, "P"), (1, 0, "M")])


def test_night_ok_uses_the_configured_window() -> None:
    shifts = (ShiftSpec("E", "Evening", "17:00", length_hours=7),)  # ends 24:00
    agents = (Agent("DAY", night_ok=False),)
    default = problem(days=1, agents=agents, shifts=shifts)
    assert not feasible(default, "night_ok", [(0, 0, "E")])  # overlaps 23:00-05:00
    late = problem(days=1, agents=agents, shifts=shifts, rules=RuleSettings(night_ok_start="00:00"))
    assert feasible(late, "night_ok", [(0, 0, "E")])


def test_leave_blocks_shifts_touching_a_leave_day() -> None:
    p = problem(days=3, leave={"X": frozenset({MONDAY + timedelta(days=1)})})
    assert not feasible(p, "leave", [(0, 1, "P")])
    assert not feasible(p, "leave", [(0, 0, "M")])  # Monday night runs into Tuesday
    assert feasible(p, "leave", [(0, 0, "S"), (0, 2, "P")])


def test_full_model_holds_every_rule_at_once() -> None:
    p = problem(days=7)
    assert feasible(p, None, run([0, 1, 2, 3, 4]))
    assert not feasible(p, None, [(0, 0, "S"), (0, 1, "P")])


# --------------------------------------------------------------------------- timeline


def test_a_sunday_night_covers_monday_morning() -> None:
    p = problem(days=8)
    night = [t.code for t in p.templates].index("M")
    sunday = 6
    covered = p.covered(sunday, night)
    assert covered == range(6 * 24 + 23, 7 * 24 + 7)  # Sun 23:00 to Mon 07:00
    assert p.templates[night].night


def test_a_night_shift_on_the_last_day_is_clipped_to_the_horizon() -> None:
    p = problem(days=2)
    night = [t.code for t in p.templates].index("M")
    assert p.covered(1, night) == range(47, 48)  # its tail belongs to the next period
    assert not p.reachable()[:7].any()  # the first night's small hours wait on the previous
    assert p.reachable()[7:].all()


def test_the_previous_night_covers_the_first_morning() -> None:
    p = prior(problem(days=2), "M")
    assert list(p.pre_covered()[:8]) == [1] * 7 + [0]  # Mon 00:00-07:00
    needy = replace(p, required=np.full(48, 2, dtype=np.int64))
    assert list(needy.need()[:8]) == [1] * 7 + [2]
    assert problem(days=2).pre_covered().sum() == 0


def test_the_last_night_covers_the_next_periods_first_hours() -> None:
    p = replace(problem(days=2), tail=np.ones(7, dtype=np.int64))
    night = [t.code for t in p.templates].index("M")
    assert p.covered_tail(1, night) == range(0, 7)  # Wed 00:00-07:00, after the horizon
    assert p.covered_tail(0, night) == range(0, 0)
    m = build_model(p)
    m.model.minimize(m.shortfall_cost)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(m.model) == cp_model.OPTIMAL
    assert solver.boolean_value(m.x[0, 1, night])  # only this night reaches them


def test_half_covered_intervals_do_not_count() -> None:
    shifts = (ShiftSpec("H", "", "07:30", length_hours=8),)
    p = problem(days=1, shifts=shifts, interval_minutes=60)
    assert p.covered(0, 0) == range(8, 15)  # 08:00-15:00 whole hours only


# --------------------------------------------------------------------------- registry


def test_every_rule_has_a_check_and_tests() -> None:
    assert set(HARD_RULES) <= set(check.HARD_RULES)
    here = inspect.getsource(sys.modules[__name__])
    for rule_id in HARD_RULES:
        assert f"def test_{rule_id}" in here, f"no model test for {rule_id}"


@pytest.mark.parametrize("rule_id", list(HARD_RULES))
def test_rule_functions_are_named_for_their_rule(rule_id: str) -> None:
    assert HARD_RULES[rule_id].__name__ == f"add_{rule_id}"
    assert check.HARD_RULES[rule_id].__name__ == f"check_{rule_id}"
