"""A benchmark instance as a callshift roster problem, modelled by the shared rule functions.

Nothing here is a second model: the instance becomes a `RosterProblem` (employees as agents,
days off as leave, requests as preferences, cover per shift as `shift_cover`, contract limits
as `AgentLimits`), and the model is a `RosterModel` with the rule functions `plan` uses
(`add_one_shift_per_day`, `add_min_rest` with forbidden successions, `add_max_consecutive_days`
with per-agent limits, `add_leave`), the agent-limit rules (`LIMIT_RULES`), per-shift cover
(`add_shift_cover`) and the `preferences` soft rule. The objective is the benchmark's:
cover cost plus the weights of requests not granted.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
from ortools.sat.python import cp_model

from callshift.agents import Agent
from callshift.config import RuleSettings, SoftSettings, SolverSettings
from callshift.errors import InfeasibleError
from callshift.nrp.evaluate import evaluate
from callshift.nrp.instance import Instance
from callshift.preferences import Preference
from callshift.roster.columns import (
    ColumnResult,
    Prices,
    master_near,
    price_and_dive,
    pricing_threads,
)
from callshift.roster.construct import cover_roster, improve_rows
from callshift.roster.fixing import Fixed, fix_cells, restrict
from callshift.roster.lns import improve_by_neighbourhoods, improve_shortfall_first
from callshift.roster.model import (
    HARD_RULES,
    LIMIT_RULES,
    RosterModel,
    add_shift_cover,
)
from callshift.roster.problem import AgentLimits, RosterProblem, ShiftCover
from callshift.roster.soft import add_preferences
from callshift.roster.solve import Progress, ProgressCallback, Solution, solve_model
from callshift.shifts import ShiftTemplate

# of the time limit, what the row search (`improve_rows`) and then column generation
# (`price_and_dive`) get before CP-SAT; in deterministic runs, their steps (pricing rounds)
# per second of the limit
ROW_SEARCH_SHARE = 0.1
ROW_STEPS_PER_SECOND = 5
COLUMN_SHARE = 0.6
COLUMN_ROUNDS_PER_SECOND = 4
# larger models (employees × days × shift types) skip column generation unless the limit
# gives each second at most ``COLUMN_CELLS_PER_SECOND`` of their cells: a pricing round over
# every employee is too slow to pay within short limits (Instance20, 54,600 cells, 9247 with
# it against 7236 without at 90 s; Instance13, 60,480 cells, 6409 against 5141 at 120 s),
# and pays within long ones (Instance13 at 600 s: 2850 and 2771 against 3406); the row search then
# has ``LONG_ROW_SEARCH_SHARE``
COLUMN_MOST_CELLS = 30_000
COLUMN_CELLS_PER_SECOND = 120
LONG_ROW_SEARCH_SHARE = 0.3
# then, if exact pricing proved the master near its optimum (`mix_worth_following`: its
# value within MIX_GAP of the roster's cost of the bound), CP-SAT on the days the master's
# mix leaves open (`improve_near_mix`), from the roster with the least shortfall CP-SAT
# finds from the dive's, near the mix first (`improve_shortfall_first`), for this share of
# the limit;
MIX_SHARE = 0.25
# (MIX_GAP: 1 % while the search near the mix fixed at 0.9 alone; with its ladder of
# thresholds Instance19, whose master ends 3–4 % above its bound, gained from it: 3168,
# 3226 and 3166 against 3232, 3309 and 3622, seeds 0–2 at 600 s)
MIX_GAP = 0.05
# then neighbourhood search (`improve_by_neighbourhoods`) until this share of the limit has
# passed (in deterministic runs, its steps per second of the limit); CP-SAT on the whole
# model has the rest
LNS_UNTIL = 0.95
LNS_STEPS_PER_SECOND = 1
# but where the roster is within FIXING_GAP of its cost above the column generation's bound,
# reduced-cost fixing (`fix_cells`, with up to FIXING_SHARE of the time left) comes first;
# while it fixes at least FIXING_LEAST of the cells some legal row works, CP-SAT searches
# the models it restricts (`restrict`) below the roster's cost, in place of the
# neighbourhood search and the whole model, and finding none proves the roster optimal
FIXING_GAP = 0.005
FIXING_SHARE = 0.5
FIXING_LEAST = 0.2
# the search below the roster goes a level at a time from the bound up, the first
# FIXING_LEVELS values each alone, then the rest to the roster's cost as one: a level's
# model is fixed for its own gap, smaller than the roster's, and CP-SAT proves a level
# empty (the bound rises by one) or finds the optimum in it (Instance6: 1949 empty in
# 0.2 s, 1950 found in 3-5 s, where below 1953 as one it took 20-57 s)
FIXING_LEVELS = 3
# CP-SAT reads and checks a model before its time limit applies: about 12 µs a constraint
# here (Instance24, 2.4 million constraints: 28 s for a limit of 0.1 s; Instance23, 980,000:
# 10 s). Its limit is the time left less that; with less time left than that, CP-SAT is
# not started and the roster in hand is the answer (``HINT``).
CP_SAT_LOAD_SECONDS_PER_CONSTRAINT = 12e-6

MONDAY = date(2024, 1, 1)  # every instance starts on a Monday; which one does not matter

# plan's rules that the benchmark has too (generalised where it needed), then its own
SHARED_RULES = ("one_shift_per_day", "min_rest", "max_consecutive_days", "leave")
NRP_RULES: dict[str, Callable[[RosterModel], None]] = {
    **{rule_id: HARD_RULES[rule_id] for rule_id in SHARED_RULES},
    **LIMIT_RULES,
}


def compile_problem(instance: Instance) -> RosterProblem:
    """The instance as a roster problem (no per-interval requirement: cover is per shift)."""
    templates = tuple(
        ShiftTemplate(
            code=s.code,
            name=s.code,
            start_minute=0,  # the format gives no times: forbidden successions say it all
            length_minutes=s.length_minutes,
            break_minutes=0,
            night=False,
            family=s.code,
        )
        for s in instance.shifts
    )
    index = {s.code: t for t, s in enumerate(instance.shifts)}
    day = [MONDAY + timedelta(days=d) for d in range(instance.horizon)]
    preferences = tuple(
        Preference(r.employee, day[r.day], None, r.shift, r.weight, avoid=avoid)
        for requests, avoid in ((instance.on_requests, False), (instance.off_requests, True))
        for r in requests
    )
    return RosterProblem(
        start=MONDAY,
        days=instance.horizon,
        interval_minutes=60,
        required=np.zeros(0, dtype=np.int64),
        templates=templates,
        agents=tuple(Agent(s.employee) for s in instance.staff),
        leave={e: frozenset(day[d] for d in days) for e, days in instance.days_off.items()},
        rules=RuleSettings(max_shifts_per_day=1, min_rest_hours=0.0),
        soft=SoftSettings(),
        preferences=preferences,
        limits={
            s.employee: AgentLimits(
                max_shifts=dict(s.max_shifts),
                max_total_minutes=s.max_total_minutes,
                min_total_minutes=s.min_total_minutes,
                max_consecutive_days=s.max_consecutive_shifts,
                min_consecutive_days=s.min_consecutive_shifts,
                min_consecutive_days_off=s.min_consecutive_days_off,
                max_weekends=s.max_weekends,
            )
            for s in instance.staff
        },
        shift_cover={
            (c.day, index[c.shift]): ShiftCover(c.required, c.under_weight, c.over_weight)
            for c in instance.cover
        },
        forbidden_successions=frozenset(
            (index[s.code], index[after]) for s in instance.shifts for after in s.not_followed_by
        ),
    )


def build_nrp_model(problem: RosterProblem, rules: tuple[str, ...] | None = None) -> RosterModel:
    """The shared rules (``rules``: only these, for tests), per-shift cover and requests;
    the objective is the benchmark's."""
    m = RosterModel(problem)
    for rule_id in NRP_RULES if rules is None else rules:
        NRP_RULES[rule_id](m)
    # one shift a day: "works" is the sum of the day's shifts, a tighter link for the search
    for (a, d), works in m.works.items():
        m.model.add(works == cp_model.LinearExpr.sum(m.shifts_of(a, d)))
    add_shift_cover(m)
    m.soft = {"preferences": add_preferences(m)}
    m.model.minimize(m.cover_cost + m.soft["preferences"])
    return m


@dataclass(frozen=True)
class NrpResult:
    instance: Instance
    solution: Solution
    rows: tuple[tuple[str, int, str], ...]  # (employee, day, shift) in file order

    @property
    def objective(self) -> int:
        assert self.solution.objective is not None
        return round(self.solution.objective)

    @property
    def best_bound(self) -> int | None:
        bound = self.solution.best_bound
        return None if bound is None else int(np.ceil(bound - 1e-6))


def columns_pay(cells: int, time_limit: float) -> bool:
    """Whether column generation pays on a model of ``cells`` shift cells within
    ``time_limit`` seconds: always up to ``COLUMN_MOST_CELLS``, and beyond that with at
    least a second of the limit for every ``COLUMN_CELLS_PER_SECOND`` cells."""
    return cells <= max(COLUMN_MOST_CELLS, COLUMN_CELLS_PER_SECOND * time_limit)


def mix_worth_following(dived: ColumnResult, cost: float) -> bool:
    """Whether the master's mix is near enough its optimum to follow: exact pricing proved a
    bound, and the master's value is within ``MIX_GAP`` of the roster's cost (``cost``, what
    the dive's roster costs) of it. A round of exact pricing that merely finishes can prove
    a bound far below (Instance13: −21,475 against rosters near 3000), and there the mix
    misleads. Where the gap is a few per cent (Instance19: 3–4 %) the step's first,
    loosest threshold still finds the roster the search alone does not."""
    return bool(dived.mix) and master_near(dived.lp_value, dived.bound, cost, MIX_GAP)


def levels(lower: int, cost: int) -> list[tuple[int, int]]:
    """The levels the search below a roster of ``cost`` goes through from the bound
    ``lower``, each (least, most) objective: the first ``FIXING_LEVELS`` values alone, then
    the rest below ``cost`` as one."""
    tops = [(v, v) for v in range(lower, min(lower + FIXING_LEVELS, cost))]
    if lower + FIXING_LEVELS < cost:
        tops.append((lower + FIXING_LEVELS, cost - 1))
    return tops


def solve_instance(
    instance: Instance,
    *,
    time_limit: float = 60.0,
    seed: int = 0,
    workers: int = 0,
    deterministic: bool = False,
    hint: bool = True,
    columns: bool = True,
    lns: bool = False,
    on_progress: ProgressCallback | None = None,
) -> NrpResult:
    """Solve an instance within ``time_limit`` seconds (model building included), from a
    first roster (``hint``): the greedy `cover_roster`, improved row by row by
    `improve_rows` for ``ROW_SEARCH_SHARE`` of the time, then by column generation and a
    dive (`price_and_dive`) for ``COLUMN_SHARE``, exact pricing as many employees at once
    as there are cores (no more than ``workers``); steps and pricing rounds instead, when
    ``deterministic``. Without ``columns``, or on a model too large for column generation to
    pay in the limit (`columns_pay`), the row search has ``LONG_ROW_SEARCH_SHARE`` instead.
    After a dive, where the master's mix is worth following, CP-SAT rosters the days the
    mix leaves open (`improve_near_mix`, ``MIX_SHARE``), from the roster with the least
    cover shortfall CP-SAT finds first (`improve_shortfall_first`), from the dive's roster
    or the other kind of dive's cheapest.
    Then the neighbourhood search (`improve_by_neighbourhoods`) until ``LNS_UNTIL`` of the
    time has passed; CP-SAT has the rest, and the answer is the better of its roster and
    the first. Where the roster is near the bound (``FIXING_GAP``), reduced-cost fixing
    (`fix_cells`) comes first, and while it settles enough of the roster
    (``FIXING_LEAST``) CP-SAT searches below the roster's cost instead, a level at a time
    from the bound up (`levels`), each on the model restricted for its own gap: a level
    found empty raises the bound, a roster found in one is the answer; every level empty,
    the roster is optimal.
    A lower bound the column generation proves is the solver's too: CP-SAT is told no
    roster costs less, and does not run at all when the first roster reaches it. When the
    solver ends without a roster, the first one is the answer if the evaluator finds it
    keeps every hard rule (status ``HINT``); otherwise raises `InfeasibleError`. The row
    search has no more than the time building the model and the greedy left, and on a model
    too big for CP-SAT to read in the time left, the first roster is the answer (``HINT``)
    if it keeps every hard rule, and CP-SAT is not started."""
    began = time.monotonic()

    def report(cost: float, bound: int | None) -> None:
        """Tell ``on_progress`` what the roster in hand costs, as the evaluator scores it."""
        if on_progress is not None:
            on_progress(Progress(instance.name, time.monotonic() - began, cost, bound))

    problem = compile_problem(instance)
    m = build_nrp_model(problem)
    settings = SolverSettings(time_limit_seconds=time_limit, workers=workers, seed=seed)
    first = cover_roster(problem) if hint else None
    bound: int | None = None
    columns = columns and columns_pay(len(m.x), time_limit)
    if first is not None:
        share = time_limit * (ROW_SEARCH_SHARE if columns else LONG_ROW_SEARCH_SHARE)
        steps = max(1, round(share * ROW_STEPS_PER_SECOND)) if deterministic else None
        if not deterministic:  # what building the model and the greedy left of the limit
            share = min(share, time_limit - (time.monotonic() - began))
        first = improve_rows(problem, first, time_limit=share, seed=seed, steps=steps)
        if on_progress is not None:
            report(evaluate(instance, solution_rows(problem, first)).objective, None)
    dived = None
    if first is not None and columns and (deterministic or time.monotonic() - began < time_limit):
        share = time_limit * COLUMN_SHARE
        if not deterministic:  # what model building and the row search left of it
            share = min(share, time_limit * (1 - ROW_SEARCH_SHARE) - (time.monotonic() - began))
        rounds = max(1, round(share * COLUMN_ROUNDS_PER_SECOND)) if deterministic else None
        dived = price_and_dive(
            problem,
            first,
            build_nrp_model,
            time_limit=share,
            seed=seed,
            rounds=rounds,
            threads=min(workers, pricing_threads()) if workers else None,  # (a core at most each)
        )
        first = dived.keys
    scored = evaluate(instance, solution_rows(problem, first)) if first is not None else None
    cost = math.inf if scored is None else scored.objective
    objective = m.cover_cost + m.soft["preferences"]
    offset = 0.0  # objective = cost units (the dive's) + offset
    if dived is not None and dived.bound is not None:
        offset = cost - dived.cost
        bound = math.ceil(dived.bound + offset - 1e-6)
        m.model.add(objective >= bound)

    if dived is not None:
        report(cost, bound)
    proved = first is not None and bound is not None and cost <= bound

    if first is not None and not proved and dived is not None and mix_worth_following(dived, cost):
        share = time_limit * MIX_SHARE  # (no more than the time left before the search's end)
        if not deterministic:
            share = min(share, time_limit * LNS_UNTIL - (time.monotonic() - began))
        found = None
        if share > 0:
            found = improve_shortfall_first(
                m,
                first,
                dived.mix,
                settings=settings,
                time_limit=share,
                deterministic=deterministic,
                others=dived.others,
            )
        if found and (near := evaluate(instance, solution_rows(problem, found))).objective < cost:
            first, scored, cost = found, near, near.objective
            proved = bound is not None and cost <= bound
            report(cost, bound)

    def below(prices: Prices, fixed: Fixed) -> bool:
        """CP-SAT below the roster in hand, a level at a time from the bound up (`levels`),
        each on the model restricted for its own gap: a level proved empty raises the
        bound by one, a roster found in one is the answer (optimal, where CP-SAT proves it
        or every level below is empty). False where a level's fixing settles too little:
        the search goes on, on the whole model, from the bound the levels proved."""
        nonlocal first, scored, cost, bound, proved
        assert first is not None and bound is not None
        for least, top in levels(bound, int(cost)):
            gap = top - (prices.bound + offset)
            cells = fixed.at(gap)
            if cells.share(problem) < FIXING_LEAST:
                return False
            level = build_nrp_model(problem)
            restrict(level, prices, gap, cells)
            # at most ``top``, no floor: CP-SAT finds the optimum of a level with the
            # objective's floor added no sooner, often not at all (Instance5 at 1143: none
            # in 40 s on three seeds, against 17-29 s without)
            level.model.add(level.cover_cost + level.soft["preferences"] <= top)
            left = time_limit
            if not deterministic:
                left = time_limit - (time.monotonic() - began)
                left -= CP_SAT_LOAD_SECONDS_PER_CONSTRAINT * len(level.model.proto.constraints)
                if left <= 0:
                    break
            found = solve_model(
                level,
                settings,
                time_limit=left,
                hint=None,  # the roster in hand is above the level: it misleads CP-SAT
                deterministic=deterministic,
            )
            if found.status == "INFEASIBLE":  # no roster costs ``top`` or less
                bound = top + 1
                m.model.add(objective >= bound)
                proved = bound >= cost
                report(cost, bound)
                if proved:
                    break
                continue
            if found.found:
                first = found.assignments
                scored = evaluate(instance, solution_rows(problem, first))
                cost = scored.objective
                if found.status == "OPTIMAL" or cost <= least:  # the levels below are empty
                    bound, proved = int(cost), True
                report(cost, bound)
            break
        return True

    settled = False  # the search below the roster has had the time
    if (
        first is not None
        and not proved
        and bound is not None
        and dived is not None
        and dived.prices is not None
        and dived.known is not None
        # what a cheaper roster may lose against the prices that proved the bound
        and cost - 1 - (dived.prices.bound + offset) <= FIXING_GAP * cost
    ):
        fixed = fix_cells(  # at the lowest level's gap: each level keeps what it needs
            problem,
            dived.prices,
            dived.known,
            bound - (dived.prices.bound + offset),
            build_nrp_model,
            time_limit=FIXING_SHARE * (time_limit - (time.monotonic() - began)),
            seed=seed,
            deterministic=deterministic,
        )
        settled = below(dived.prices, fixed)
    seconds = time_limit * LNS_UNTIL - (time.monotonic() - began)
    if first is not None and not proved and not settled and (deterministic or seconds > 0):
        steps = max(1, round(time_limit * LNS_STEPS_PER_SECOND)) if deterministic else None
        mended = improve_by_neighbourhoods(m, first, time_limit=seconds, seed=seed, steps=steps)
        if mended.objective is not None and set(mended.keys) != set(first):
            first = mended.keys
            scored = evaluate(instance, solution_rows(problem, first))
            cost = scored.objective
        if mended.proved:
            bound, proved = int(cost), True
        report(cost, bound)

    def in_hand(status: str) -> Solution:
        """The roster in hand as the answer, with ``status``."""
        assert first is not None
        elapsed = time.monotonic() - began
        return Solution(
            problem, first, status, float(cost), None if bound is None else float(bound), elapsed
        )

    load = CP_SAT_LOAD_SECONDS_PER_CONSTRAINT * len(m.model.proto.constraints)  # reading it
    if first is not None and proved:
        solution = in_hand("OPTIMAL")
    elif first is not None and settled:
        solution = in_hand("FEASIBLE")  # the levels had the time
    elif (
        first is not None
        and scored is not None
        and scored.feasible
        and not deterministic
        and time_limit - (time.monotonic() - began) < load
    ):  # CP-SAT could not even read the model in the time left: the roster in hand
        solution = in_hand("HINT")
    else:
        left = time_limit
        if not deterministic:  # what is left once CP-SAT has read the model
            left = max(time_limit - (time.monotonic() - began) - load, 0.1)
        solution = solve_model(
            m,
            settings,
            time_limit=left,
            hint=first,
            lns=lns and hint,
            deterministic=deterministic,
            on_progress=on_progress,
            phase=instance.name,
        )
        if first is not None and solution.found and (solution.objective or 0) > cost:
            solution = replace(solution, assignments=first, objective=float(cost))  # kept
        if bound is not None and solution.found:
            solution = replace(solution, best_bound=max(solution.best_bound or bound, bound))
    # the big instances can end before CP-SAT takes up the hint
    if not solution.found and solution.status != "INFEASIBLE" and scored and scored.feasible:
        assert first is not None  # scored is first's score
        solution = replace(solution, assignments=first, status="HINT")
        solution = replace(solution, objective=float(scored.objective), best_bound=bound)
    if not solution.found and solution.status != "HINT":
        if solution.status == "INFEASIBLE":
            raise InfeasibleError(f"{instance.name}: no roster satisfies the hard constraints")
        raise InfeasibleError(
            f"{instance.name}: no roster found in {time_limit:g} s ({solution.status}); "
            "give it more --time-limit"
        )
    # the whole solve's time, whichever step ended it (CP-SAT's own counts from its start)
    solution = replace(solution, solve_seconds=time.monotonic() - began)
    return NrpResult(instance, solution, solution_rows(problem, solution.assignments))


def solution_rows(
    problem: RosterProblem, assignments: tuple[tuple[int, int, int], ...]
) -> tuple[tuple[str, int, str], ...]:
    """(employee, day, shift) rows sorted by employee (instance order), then day."""
    return tuple(
        (problem.agents[a].agent_id, d, problem.templates[t].code)
        for a, d, t in sorted(assignments)
    )
