"""Soft rules: each penalty measured on a tiny hand-built roster, and the model's term for
the same roster agrees with the measure."""

from __future__ import annotations

import inspect
import sys
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest
from ortools.sat.python import cp_model

from callshift.agents import Agent
from callshift.config import DEFAULT_SHIFTS, RuleSettings, SoftSettings
from callshift.preferences import Preference
from callshift.roster.model import RosterModel
from callshift.roster.problem import RosterProblem
from callshift.roster.soft import SOFT_RULES, Roster, measure_all
from callshift.shifts import expand_templates

MONDAY = date(2026, 12, 21)
FT = tuple(Agent(f"F{i}") for i in range(3))


def problem(days: int = 7, agents: tuple[Agent, ...] = FT, **extra: object) -> RosterProblem:
    rules = RuleSettings()
    return RosterProblem(
        start=MONDAY,
        days=days,
        interval_minutes=60,
        required=np.zeros(days * 24, dtype=np.int64),
        templates=expand_templates(DEFAULT_SHIFTS, rules),
        agents=agents,
        leave=extra.pop("leave", {}),  # type: ignore[arg-type]
        rules=rules,
        **extra,  # type: ignore[arg-type]
    )


def keys(p: RosterProblem, worked: dict[int, str]) -> list[tuple[int, int, int]]:
    """worked: {agent: "P S - M"}, one code per day, '-' off."""
    codes = {t.code: i for i, t in enumerate(p.templates)}
    out = []
    for a, pattern in worked.items():
        for d, code in enumerate(pattern.split()):
            if code != "-":
                out.append((a, d, codes[code]))
    return out


def model_value(p: RosterProblem, rule_id: str, assignments: list[tuple[int, int, int]]) -> float:
    """The model's penalty for exactly this roster (every other shift fixed off)."""
    m = RosterModel(p)
    term = SOFT_RULES[rule_id][0](m)
    chosen = set(assignments)
    for key, var in m.x.items():
        m.model.add(var == int(key in chosen))
    m.model.minimize(term)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(m.model) == cp_model.OPTIMAL
    return float(solver.objective_value)


def after(p: RosterProblem, worked: dict[int, str]) -> RosterProblem:
    """``p`` after a previous period: {agent: codes}, the last code the day before the start."""
    shifts = []
    for a, pattern in worked.items():
        codes = pattern.split()
        for d, code in enumerate(codes):
            if code != "-":
                shifts.append(p.prior_shift(p.agents[a].agent_id, d - len(codes), code))
    return replace(p, previous=tuple(shifts))


def measured(p: RosterProblem, rule_id: str, worked: dict[int, str]) -> float:
    assignments = keys(p, worked)
    value = SOFT_RULES[rule_id][1](Roster.of(p, assignments))
    assert model_value(p, rule_id, assignments) == value, "model and measure disagree"
    return value


# --------------------------------------------------------------------------- fairness


def test_fair_nights_is_the_spread_beyond_one_in_quarters() -> None:
    p = problem()
    assert measured(p, "fair_nights", {0: "M M - - - - -", 1: "M - - - - - -"}) == 4  # 2 vs 0
    assert measured(p, "fair_nights", {0: "M - - M - - -", 1: "M - - - - - -"}) == 4
    assert measured(p, "fair_nights", {0: "M - -", 1: "- M -"}) == 0  # 1, 1, 0: as even as can be
    assert measured(p, "fair_nights", {0: "M - -", 1: "- M -", 2: "- - M"}) == 0


def test_fair_nights_counts_only_night_ok_agents_and_weighs_part_time() -> None:
    agents = (Agent("F"), Agent("PT", contract_hours=20.0), Agent("DAY", night_ok=False))
    p = problem(agents=agents)
    # 2 nights for full-time and 1 for half-time are the same share: no spread.
    assert measured(p, "fair_nights", {0: "M M - - - - -", 1: "M - - - - - -"}) == 0
    # 1 for full-time and 2 for half-time: 4 quarters against 16.
    assert measured(p, "fair_nights", {0: "M - - - - - -", 1: "M M - - - - -"}) == 8


def test_fair_nights_adds_history() -> None:
    p = problem(history={"F0": (3, 0, 0)})
    assert measured(p, "fair_nights", {1: "M M M - - - -"}) == 16  # F0, F1 3 each; F2 none
    assert measured(p, "fair_nights", {1: "M M M - - - -", 2: "M M M - - - -"}) == 0


def test_fair_nights_weighs_leave_as_less_availability() -> None:
    away = {"F1": frozenset(MONDAY + timedelta(days=k) for k in range(4))}  # 3 of 7 days left
    p = problem(leave=away)
    # F1 is there 3 days of 7: each of its nights counts 9 quarters, not 4.
    worked = {0: "M - - - - M -", 1: "- - - - M - M", 2: "M - M - - - -"}
    assert measured(p, "fair_nights", worked) == 6  # 18 against 8


def test_fair_weekends_counts_saturday_and_sunday_starts() -> None:
    p = problem()
    worked = {0: "- - - - - P P", 1: "- - - - - P -", 2: "P P P P P - -"}
    assert measured(p, "fair_weekends", worked) == 4
    assert measured(p, "fair_weekends", {0: "- - - - - P -", 1: "- - - - - - P"}) == 0


def test_fair_holidays_counts_holiday_shifts() -> None:
    p = problem()
    codes = [t.code for t in p.templates]
    christmas = {(d, t): "Hari Raya Natal" for d in (4, 5) for t in range(len(codes))}
    p = problem(holiday_shifts=christmas)
    assert measured(p, "fair_holidays", {0: "- - - - P P -", 1: "- - - - S - -"}) == 4
    assert measured(p, "fair_holidays", {0: "- - - - P - -", 1: "- - - - - S -"}) == 0
    no_holiday = problem()
    assert measured(no_holiday, "fair_holidays", {0: "- - - - P - -"}) == 0


# --------------------------------------------------------------------------- rotation


def test_forward_rotation_counts_rank_steps_backward() -> None:
    p = problem()
    assert measured(p, "forward_rotation", {0: "P D09 D11 S M - -"}) == 0
    assert measured(p, "forward_rotation", {0: "S D11 - P - - -"}) == 2  # S (5) → D11 (3)
    assert measured(p, "forward_rotation", {0: "M P - - - - -"}) == 5  # M (6) → P (1)


def test_stable_shift_counts_extra_families_per_week() -> None:
    p = problem(days=14)
    assert measured(p, "stable_shift", {0: "P P P P P - - S S S S S - -"}) == 0
    assert measured(p, "stable_shift", {0: "P P D09 D13 S - - - - - - - - -"}) == 2
    assert measured(p, "stable_shift", {0: "M - - - - - P - - - - - - -"}) == 1


def test_night_blocks_penalises_lone_long_and_unrested_nights() -> None:
    p = problem(days=10)
    assert measured(p, "night_blocks", {0: "- M M M - - P - - -"}) == 0
    assert measured(p, "night_blocks", {0: "- - M - - - - - - -"}) == 1  # alone
    assert measured(p, "night_blocks", {0: "M M M M M - - - - -"}) == 1  # five in a row
    assert measured(p, "night_blocks", {0: "- M M - P - - - - -"}) == 1  # back after one day
    assert measured(p, "night_blocks", {0: "M - - - - - - - - M"}) == 0  # edges: may continue


def test_rotation_rules_see_the_previous_period() -> None:
    p = problem(days=5)
    assert measured(after(p, {0: "M"}), "forward_rotation", {0: "P - - - -"}) == 5
    assert measured(after(p, {0: "P"}), "forward_rotation", {0: "M - - - -"}) == 0
    assert measured(p, "forward_rotation", {0: "P - - - -"}) == 0
    assert measured(after(p, {0: "M M M M"}), "night_blocks", {0: "M - - - -"}) == 1  # fifth
    assert measured(after(p, {0: "- M M"}), "night_blocks", {0: "P P - - -"}) == 2  # no rest
    assert measured(after(p, {0: "- M"}), "night_blocks", {0: "- - - - -"}) == 1  # alone
    assert measured(p, "night_blocks", {0: "- - - - -"}) == 0
    assert measured(after(p, {0: "M M M M M M"}), "night_blocks", {0: "- - - - -"}) == 0
    assert measured(after(p, {0: "P -"}), "off_pairs", {0: "P - - - -"}) == 1
    assert measured(after(p, {0: "P"}), "off_pairs", {0: "- P - - -"}) == 1
    assert measured(after(p, {0: "P - -"}), "off_pairs", {0: "P - - - -"}) == 0


def test_off_pairs_counts_single_days_off() -> None:
    p = problem()
    assert measured(p, "off_pairs", {0: "P - P P - - P"}) == 1
    assert measured(p, "off_pairs", {0: "P P - - P P P"}) == 0


def test_weekend_off_wants_one_free_weekend_in_four_weeks() -> None:
    p = problem(days=28)
    busy = " ".join(["P P P - - P P"] * 4)  # works every Saturday and Sunday
    assert measured(p, "weekend_off", {0: busy}) == 1
    one_free = " ".join(["P P P - - P P"] * 3 + ["P P P P P - -"])
    assert measured(p, "weekend_off", {0: one_free}) == 0
    assert measured(problem(days=14), "weekend_off", {0: "P P P - - P P P P P - - P P"}) == 0


def test_preferences_cost_their_weight_when_not_granted() -> None:
    prefs = (
        Preference("F0", MONDAY + timedelta(days=4), None, "OFF", 5, 2),
        Preference("F1", None, 0, "D", 2, 3),  # any D shift on Mondays
    )
    p = problem(days=7, preferences=prefs)
    assert measured(p, "preferences", {0: "- - - - P - -", 1: "D11 - - - - - -"}) == 5
    assert measured(p, "preferences", {0: "P - - - - - -", 1: "S - - - - - -"}) == 2


# --------------------------------------------------------------------------- solving


def test_fairness_spreads_nights_where_the_solver_could_bunch_them() -> None:
    from callshift.config import SolverSettings
    from callshift.roster.solve import solve_roster

    agents = tuple(Agent(f"N{i}") for i in range(6))
    days = 14
    required = np.zeros(days * 24, dtype=np.int64)
    for d in range(days):
        required[d * 24 + 23] = 1  # one agent from 23:00
        required[d * 24 + 24 : d * 24 + 31] = 1 if d < days - 1 else 0
    p = replace(problem(days=days, agents=agents), required=required)
    settings = SolverSettings(time_limit_seconds=20, workers=1, seed=3)

    def nights_per_agent(q: RosterProblem) -> list[int]:
        found = solve_roster(q, settings, deterministic=True)
        assert measure_all(q, found.assignments)["fair_nights"] == (
            0 if q.soft.fair_nights else measure_all(q, found.assignments)["fair_nights"]
        )
        return [
            sum(1 for a, _, t in found.assignments if a == k and q.templates[t].night)
            for k in range(len(agents))
        ]

    nights = nights_per_agent(p)
    assert sum(nights) == days  # fairness buys no surplus night
    assert max(nights) - min(nights) <= 1
    unfair = nights_per_agent(replace(p, soft=SoftSettings(fair_nights=0, fair_hours=0)))
    assert max(unfair) - min(unfair) > 1  # without the term the solver bunches them


def test_every_soft_rule_has_a_test_and_a_weight() -> None:
    here = inspect.getsource(sys.modules[__name__])
    for rule_id in SOFT_RULES:
        assert f"def test_{rule_id}" in here, f"no test for soft rule {rule_id}"
        assert hasattr(SoftSettings(), rule_id), f"no [soft] weight for {rule_id}"
        add, measure = SOFT_RULES[rule_id]
        assert add.__name__ == f"add_{rule_id}" and measure.__name__ == f"measure_{rule_id}"


@pytest.mark.parametrize("rule_id", list(SOFT_RULES))
def test_an_empty_roster_costs_nothing_but_weekends_off_is_free(rule_id: str) -> None:
    p = problem(days=28)
    assert measured(p, rule_id, {}) == 0


def test_fair_hours_balances_paid_hours_beyond_one_shift() -> None:
    p = problem()
    # 3 shifts, 1 shift, 0 shifts of 8 h: 24 h against 0 h is 16 h beyond the band of 8 h.
    assert measured(p, "fair_hours", {0: "P P P - - - -", 1: "P - - - - - -"}) == 4 * 16
    assert measured(p, "fair_hours", {0: "P - -", 1: "- P -", 2: "P P -"}) == 0
    part_time = problem(agents=(Agent("F"), Agent("H", contract_hours=20.0)))
    assert measured(part_time, "fair_hours", {0: "P P - - - - -", 1: "P - - - - - -"}) == 0
