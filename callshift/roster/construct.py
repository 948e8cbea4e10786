"""A first roster built by hand, as a warm start for CP-SAT on large teams.

Two stages: how many of each shift template to start on each day (a small covering
integer program over the requirement, ignoring who), then who works them, day by day,
greedily under the hard rules. The result only seeds the solver (``add_hint``); the
solver's model decides what is legal, and the independent check verifies its answer.
Without a seed, a thousand agents over four weeks leave CP-SAT hundreds of intervals
short after minutes; with one it starts from a roster near the covering bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from callshift.roster.model import hours_limit_minutes
from callshift.roster.problem import RosterProblem

Key = tuple[int, int, int]


def covering_model(
    problem: RosterProblem,
) -> tuple[cp_model.CpModel, dict[tuple[int, int], cp_model.IntVar]]:
    """Shift counts per (day, template), each reachable interval's remaining need met;
    no objective yet. Shared by the warm start and the covering lower bound."""
    model = cp_model.CpModel()
    need = problem.need()
    top = int(need.max(initial=0))
    counts = {
        (d, t): model.new_int_var(0, top, f"y{d}_{t}")
        for d in range(problem.days)
        for t in range(len(problem.templates))
    }
    covering: list[list[cp_model.IntVar]] = [[] for _ in range(problem.intervals)]
    for (d, t), var in counts.items():
        for i in problem.covered(d, t):
            covering[i].append(var)
    for i, shifts in enumerate(covering):
        if shifts and need[i] > 0:
            model.add(sum(shifts) >= int(need[i]))
    return model, counts


def covered_surplus(
    problem: RosterProblem, counts: dict[tuple[int, int], cp_model.IntVar]
) -> cp_model.LinearExpr:
    """Agent-intervals the counted shifts give beyond the reachable need."""
    needed = int(problem.need()[problem.reachable()].sum())
    keys = list(counts)
    given = cp_model.LinearExpr.weighted_sum(
        [counts[k] for k in keys], [len(problem.covered(d, t)) for d, t in keys]
    )
    return given - needed


def shift_counts(problem: RosterProblem, time_limit: float = 10.0) -> dict[tuple[int, int], int]:
    """Shifts per (day, template) covering every reachable interval's remaining need with
    the least surplus, then the fewest shifts; one worker and a deterministic limit, so the
    same problem always gets the same counts."""
    model, counts = covering_model(problem)
    model.minimize(covered_surplus(problem, counts) * 1000 + sum(counts.values()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = time_limit
    solver.parameters.catch_sigint_signal = False  # callshift handles signals itself
    code = solver.solve(model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return {}
    return {key: solver.value(var) for key, var in counts.items() if solver.value(var) > 0}


@dataclass
class _Agent:
    """What the greedy needs to know of one agent as it walks the days."""

    last_end: int  # minutes from the start; very negative if none
    run: int  # days worked in a row up to yesterday
    last_family: str
    days_in_block: int = 0
    minutes_in_block: int = 0


def greedy_roster(problem: RosterProblem, counts: dict[tuple[int, int], int]) -> tuple[Key, ...]:
    """Agents for the counted shifts, day by day: each shift goes to an allowed agent who
    has the most work left for the days left this week (so that nobody's week fills up
    early and the weekend runs dry), among equals one who keeps the shift family they
    worked last."""
    rules = problem.rules
    rest = round(rules.min_rest_hours * 60)
    state = []
    family = {t.code: t.family for t in problem.templates}
    for agent in problem.agents:
        prior = problem.prior_of(agent)
        run = 0
        while -(run + 1) in prior:
            run += 1
        end = problem.last_prior_end(agent)
        last = prior.get(-1)
        last_family = family.get(last.code, last.code) if last else ""
        state.append(_Agent(end if end is not None else -(10**9), run, last_family))
    blocks = {d: block for block in problem.weeks() for d in block}
    contracts = [problem.contract_hours(agent) for agent in problem.agents]
    keys: list[Key] = []
    order = sorted(range(len(problem.templates)), key=lambda t: problem.templates[t].span(0)[0])
    for d in range(problem.days):
        block = blocks[d]
        if d == block.start:
            for s in state:
                s.days_in_block = s.minutes_in_block = 0
        rest_days = max(0, rules.weekly_rest_days - (7 - len(block)))
        work_days = len(block) - rest_days
        worked_today: set[int] = set()
        for t in order:
            wanted = counts.get((d, t), 0)
            if not wanted:
                continue
            template = problem.templates[t]
            begin, end = template.span(d)
            paid = template.paid_minutes
            candidates = []
            for a, agent in enumerate(problem.agents):
                s = state[a]
                if a in worked_today or begin < s.last_end + rest:
                    continue
                if template.protected and not agent.night_ok:
                    continue
                if problem.on_leave(agent, d, t):
                    continue
                if s.run >= rules.max_consecutive_days or s.days_in_block >= work_days:
                    continue
                if s.minutes_in_block + paid > hours_limit_minutes(contracts[a], len(block)):
                    continue
                left = block.stop - d  # days left in the block, today included
                owed = work_days - s.days_in_block  # days this agent may still work
                urgency = owed / left
                candidates.append(
                    (-round(urgency, 1), -(s.last_family == template.family), s.minutes_in_block, a)
                )
            candidates.sort()
            for *_, a in candidates[:wanted]:
                s = state[a]
                s.last_end, s.last_family = end, template.family
                s.days_in_block += 1
                s.minutes_in_block += paid
                worked_today.add(a)
                keys.append((a, d, t))
        for a, s in enumerate(state):
            s.run = s.run + 1 if a in worked_today else 0
    return tuple(keys)


def warm_start(problem: RosterProblem) -> tuple[Key, ...]:
    """A first roster for the solver's hint: covering counts, then agents greedily."""
    counts = shift_counts(problem)
    return greedy_roster(problem, counts) if counts else ()
