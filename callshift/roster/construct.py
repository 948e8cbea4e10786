"""A first roster built by hand, as a warm start for CP-SAT on large teams.

Two stages: how many of each shift template to start on each day (a small covering
integer program over the requirement, ignoring who), then who works them, day by day,
greedily under the hard rules. The result only seeds the solver (``add_hint``); the
solver's model decides what is legal, and the independent check verifies its answer.
Without a seed, a thousand agents over four weeks leave CP-SAT hundreds of intervals
short after minutes; with one it starts from a roster near the covering bound.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from callshift.roster.model import hours_limit_minutes, rest_conflicts, weekends
from callshift.roster.problem import RosterProblem
from callshift.roster.soft import avoid_days, preference_days

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
                    single = s.days_in_block == 0 and paid <= hours_limit_minutes(contracts[a], 7)
                    if not single:  # a short last block allows one shift, however short
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


# --------------------------------------------------------------------------- per-shift cover


@dataclass
class _Contract:
    """One agent's limits and where the greedy has got to with them."""

    most_in_a_row: int
    least_in_a_row: int
    least_off_in_a_row: int
    most_minutes: int
    least_minutes: int
    most_weekends: int
    most_of: dict[int, int]  # template → most shifts of it
    worked: dict[int, int]  # day → template
    counts: dict[int, int]  # template → shifts of it so far
    weekends_worked: set[int]  # weekend indexes (``weekends``) with a shift
    minutes: int = 0
    run: int = 0  # working days (or days off, if negative) in a row up to yesterday
    run_from_start: bool = True  # the run began on the first day: free of the minimums


def _contracts(problem: RosterProblem) -> list[_Contract]:
    contracts = []
    for agent in problem.agents:
        limits = problem.limits_of(agent)
        most_of = {
            t: limits.max_shifts[template.code]
            for t, template in enumerate(problem.templates)
            if template.code in limits.max_shifts
        }
        contracts.append(
            _Contract(
                most_in_a_row=problem.max_consecutive_days(agent),
                least_in_a_row=limits.min_consecutive_days or 1,
                least_off_in_a_row=limits.min_consecutive_days_off or 1,
                most_minutes=limits.max_total_minutes
                if limits.max_total_minutes is not None
                else 10**9,
                least_minutes=limits.min_total_minutes or 0,
                most_weekends=limits.max_weekends if limits.max_weekends is not None else 10**9,
                most_of=most_of,
                worked={},
                counts={},
                weekends_worked=set(),
            )
        )
    return contracts


def cover_roster(problem: RosterProblem) -> tuple[Key, ...]:
    """A first roster for a problem with per-shift cover targets (``shift_cover``) and
    per-agent limits (``limits``), day by day, meant to break no hard rule: each day's
    targets go, the dearest shortfall first, to agents who may work that shift then (leave,
    forbidden successions, most shifts of the type, most minutes, most days in a row,
    weekends) and whose runs it keeps legal (a new run must be able to reach its minimum
    length; a run of days off, its own). Agents a minimum still holds to work (a run too
    short, minutes owed) work even beyond the target, on the shift where a surplus costs
    least. Among candidates: those who must work, then those who asked for that shift, not
    those who asked not to, then those furthest behind their least minutes."""
    p = problem
    n_templates = len(p.templates)
    after, weekend_of, wants, on_leave = _cover_context(p)
    state = _contracts(p)
    shortest = min(t.paid_minutes for t in p.templates)

    def new_weekend(c: _Contract, d: int) -> bool:
        w = weekend_of.get(d)
        return w is not None and w not in c.weekends_worked

    def allowed(a: int, d: int, t: int) -> bool:
        c = state[a]
        template = p.templates[t]
        if on_leave[a][d][t] or c.most_of.get(t, 10**9) <= c.counts.get(t, 0):
            return False
        if c.minutes + template.paid_minutes > c.most_minutes:
            return False
        if d - 1 in c.worked and t in after[c.worked[d - 1]]:
            return False
        if new_weekend(c, d) and len(c.weekends_worked) >= c.most_weekends:
            return False
        if c.run > 0 or d == 0:
            return True
        # a new run strictly inside the horizon must be able to last its minimum
        need = min(c.least_in_a_row, p.days - d)
        if any(all(on_leave[a][e]) for e in range(d, d + need)):
            return False
        if c.minutes + template.paid_minutes + (need - 1) * shortest > c.most_minutes:
            return False
        weekends_ahead = {weekend_of[e] for e in range(d, d + need) if e in weekend_of}
        if len(c.weekends_worked | weekends_ahead) > c.most_weekends:
            return False
        # and tomorrow some shift may follow this one
        return need < 2 or any(
            j not in after[t]
            and not on_leave[a][d + 1][j]
            and c.counts.get(j, 0) + (j == t) < c.most_of.get(j, 10**9)
            for j in range(n_templates)
        )

    def may_work(a: int, d: int) -> bool:
        c = state[a]
        if c.run >= c.most_in_a_row:
            return False
        return not (c.run < 0 and not c.run_from_start and -c.run < c.least_off_in_a_row)

    def must_work(a: int, d: int) -> bool:
        c = state[a]
        if 0 < c.run < c.least_in_a_row and not c.run_from_start:
            return True
        owed = c.least_minutes - c.minutes
        if owed <= 0:
            return False
        # days still workable: days not on leave nor on a weekend it may no longer work,
        # less a day off per longest run, less a margin for what this does not see
        weekends_left = c.most_weekends - len(c.weekends_worked)
        free = sum(
            1
            for e in range(d, p.days)
            if not all(on_leave[a][e])
            and (e not in weekend_of or weekends_left > 0 or weekend_of[e] in c.weekends_worked)
        )
        workable = free * c.most_in_a_row // (c.most_in_a_row + c.least_off_in_a_row)
        return owed > (workable - 2) * shortest

    def assign(a: int, d: int, t: int) -> None:
        c = state[a]
        if d in weekend_of:
            c.weekends_worked.add(weekend_of[d])
        c.worked[d] = t
        c.counts[t] = c.counts.get(t, 0) + 1
        c.minutes += p.templates[t].paid_minutes
        filled[t] = filled.get(t, 0) + 1

    filled: dict[int, int] = {}  # template → agents on it today
    keys: list[Key] = []
    agents = range(len(p.agents))
    for d in range(p.days):
        able = [a for a in agents if may_work(a, d)]
        forced = {a for a in able if must_work(a, d)}
        today: set[int] = set()
        filled.clear()
        targets = sorted(
            (t for t in range(n_templates) if (d, t) in p.shift_cover),
            key=lambda t: -p.shift_cover[d, t].under_weight,
        )
        for t in targets:
            for _ in range(p.shift_cover[d, t].required):
                best = None
                for a in able:
                    if a in today or not allowed(a, d, t):
                        continue
                    c = state[a]
                    owed = (c.least_minutes - c.minutes) / max(p.days - d, 1)
                    rank = (
                        a in forced,
                        wants.get((a, d, t), 0),
                        round(owed / shortest, 1),
                        c.run > 0,
                        -a,
                    )
                    if best is None or rank > best[0]:
                        best = (rank, a)
                if best is None:
                    break
                assign(best[1], d, t)
                today.add(best[1])
        for a in sorted(forced - today):
            options = [t for t in range(n_templates) if allowed(a, d, t)]
            if options:
                t = min(
                    options, key=lambda t: _extra_cost(p, d, t, filled) - wants.get((a, d, t), 0)
                )
                assign(a, d, t)
                today.add(a)
        for a in agents:
            c = state[a]
            if a in today:
                keys.append((a, d, c.worked[d]))
                if c.run <= 0:
                    c.run_from_start = d == 0
                    c.run = 0
                c.run += 1
            else:
                if c.run >= 0:
                    c.run_from_start = d == 0
                    c.run = 0
                c.run -= 1
    cover = {(d, t): 0 for d, t in p.shift_cover}
    for _, d, t in keys:
        cover[d, t] = cover.get((d, t), 0) + 1

    def gain(d: int, t: int) -> int:
        return _gain(p, cover, d, t)

    # top up: an agent short of their least minutes gets the extra shifts that save most
    # and leave their row legal; one still short or whose row breaks a rule is rostered
    # anew, alone, by `_best_row`
    for a in agents:
        c = state[a]
        while c.minutes < c.least_minutes:
            added = _best_addition(p, c, on_leave[a], after, weekend_of, gain, a, wants)
            if added is None:
                break
            for d, t in added:
                assign(a, d, t)
                cover[d, t] = cover.get((d, t), 0) + 1
        if c.minutes >= c.least_minutes and _legal(p, c, c.worked, on_leave[a], after, weekend_of):
            continue
        for d, t in c.worked.items():
            cover[d, t] -= 1
        value = [
            [gain(d, t) + wants.get((a, d, t), 0) for t in range(n_templates)]
            for d in range(p.days)
        ]
        row = _best_row(p, c, on_leave[a], after, weekend_of, value)
        if row is None:
            for d, t in c.worked.items():
                cover[d, t] += 1
            continue
        c.worked, c.counts, c.weekends_worked, c.minutes = {}, {}, set(), 0
        for d, t in sorted(row.items()):
            assign(a, d, t)
            cover[d, t] = cover.get((d, t), 0) + 1
    return tuple((a, d, t) for a in agents for d, t in sorted(state[a].worked.items()))


Wants = dict[tuple[int, int, int], int]


def _cover_context(
    p: RosterProblem,
) -> tuple[dict[int, set[int]], dict[int, int], Wants, list[list[list[bool]]]]:
    """What the per-shift-cover constructions read of a problem: the templates barred the
    day after each, the weekend of each weekend day, each (agent, day, template)'s request
    weight (positive: asked for, negative: asked not to) and who is on leave when."""
    n_templates = len(p.templates)
    after: dict[int, set[int]] = {i: set() for i in range(n_templates)}  # barred the day after
    for offset, i, j in rest_conflicts(p):
        if offset == 1:
            after[i].add(j)
    for i, j in p.forbidden_successions:
        after[i].add(j)
    weekend_of = {d: w for w, days in enumerate(weekends(p)) for d in days}
    wants: Wants = {}
    for a, d, weight, grants in preference_days(p):
        for t in grants if grants is not None else ():
            wants[a, d, t] = wants.get((a, d, t), 0) + weight
    for a, d, weight, avoided in avoid_days(p):
        for t in avoided:
            wants[a, d, t] = wants.get((a, d, t), 0) - weight
    on_leave = [
        [[p.on_leave(agent, d, t) for t in range(n_templates)] for d in range(p.days)]
        for agent in p.agents
    ]
    return after, weekend_of, wants, on_leave


def improve_rows(
    problem: RosterProblem,
    keys: tuple[Key, ...],
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    steps: int | None = None,
    patience: int = 300,
) -> tuple[Key, ...]:
    """Improve a legal per-shift-cover roster one agent's row at a time, for
    ``time_limit`` seconds. A row is rostered anew by `_best_row` against the others'
    cover and kept if it costs less (cover and requests) and keeps every hard rule; a
    row's cost against the others' cover is exact (an agent adds at most one to a shift's
    cover). Once a round over every agent changes nothing, ruin and recreate: a few rows,
    picked at random (``seed``), are cleared and rostered anew one after the other, then
    a few more mended; the result is kept unless it costs more. The roster's cost never
    rises, and every row stays legal. ``steps``: that many ruin-and-recreate steps after
    the descent, whatever the clock says (the same roster on any machine). The search
    also ends after ``patience`` steps in a row that lower nothing."""
    p = problem
    began = time.monotonic()
    rng = random.Random(seed)
    after, weekend_of, wants, on_leave = _cover_context(p)
    contracts = _contracts(p)
    rows: list[dict[int, int]] = [{} for _ in p.agents]
    cover: dict[tuple[int, int], int] = {}
    for a, d, t in keys:
        rows[a][d] = t
        cover[d, t] = cover.get((d, t), 0) + 1
    n_templates = len(p.templates)

    done = 0  # ruin-and-recreate steps

    def left(descent: bool = False) -> bool:
        if steps is not None:
            return descent or done < steps
        return time.monotonic() - began < time_limit

    def gain(d: int, t: int) -> int:
        return _gain(p, cover, d, t)

    def cost() -> int:
        return rows_cost(p, cover, rows, wants)

    def place(a: int, row: dict[int, int], sign: int) -> None:
        for d, t in row.items():
            cover[d, t] = cover.get((d, t), 0) + sign

    def mend(a: int, *, must: bool) -> bool:
        """Roster agent a anew against the others (taken off the cover first, put back
        after); keep the new row if it is worth more, or whatever it is worth if ``must``
        (a cleared row). False if ``must`` and no legal row was found."""
        place(a, rows[a], -1)
        c = contracts[a]
        value = [
            [gain(d, t) + wants.get((a, d, t), 0) for t in range(n_templates)]
            for d in range(p.days)
        ]
        row = _best_row(p, c, on_leave[a], after, weekend_of, value, every_price=True)
        if row is None or not _keeps_minimum(p, c, row):  # legal, short of the minutes
            place(a, rows[a], +1)
            return not must

        if must or row_worth(value, row) > row_worth(value, rows[a]):
            rows[a] = row
        place(a, rows[a], +1)
        return True

    changed = True
    while changed and left(descent=True):  # descent: each row against the others, until
        changed = False  # none moves
        for a in range(len(rows)):
            if not left(descent=True):
                break
            before = rows[a]
            mend(a, must=False)
            changed = changed or rows[a] is not before
    agents = len(rows)
    current = cost()
    last_better = 0  # the step that last lowered the cost
    while left() and agents > 1 and done - last_better < patience:  # ruin and recreate
        done += 1
        ruined = rng.sample(range(agents), rng.randint(2, max(2, min(agents, agents // 6 + 1))))
        mended = rng.sample(range(agents), min(agents, 8))
        saved = {a: rows[a] for a in {*ruined, *mended}}
        for a in ruined:
            place(a, rows[a], -1)
            rows[a] = {}
        ok = True
        for a in ruined:
            ok = mend(a, must=True)
            if not ok:
                break
        if ok:
            for a in mended:
                mend(a, must=False)
        if ok and (new := cost()) <= current:
            if new < current:
                current, last_better = new, done
            continue
        for a, row in saved.items():  # undo
            place(a, rows[a], -1)
            rows[a] = row
            place(a, row, +1)
    return tuple((a, d, t) for a in range(agents) for d, t in sorted(rows[a].items()))


def row_worth(value: Sequence[Sequence[float]], row: dict[int, int]) -> float:
    """What a row (day → template) is worth at ``value`` (day → template → worth)."""
    return sum(value[d][t] for d, t in row.items())


def rows_cost(
    p: RosterProblem,
    cover: dict[tuple[int, int], int],
    rows: list[dict[int, int]],
    wants: Wants,
) -> int:
    """A per-shift-cover roster's cost (``rows``: each agent's day → template, whose
    ``cover`` counts (day, template)), less a constant: the cover's under and over weights,
    less the request weights the rows grant (``wants``: negative for asked-not-to)."""
    total = 0
    for (d, t), target in p.shift_cover.items():
        n = cover.get((d, t), 0)
        total += target.under_weight * max(target.required - n, 0)
        total += target.over_weight * max(n - target.required, 0)
    return total - sum(
        wants.get((a, d, t), 0) for a, row in enumerate(rows) for d, t in row.items()
    )


def _gain(p: RosterProblem, cover: dict[tuple[int, int], int], d: int, t: int) -> int:
    """What one more agent on (d, t) saves against ``cover`` (negative: costs)."""
    target = p.shift_cover.get((d, t))
    if target is None:
        return 0
    if cover.get((d, t), 0) < target.required:
        return target.under_weight
    return -target.over_weight


def _keeps_minimum(p: RosterProblem, c: _Contract, row: dict[int, int]) -> bool:
    return sum(p.templates[t].paid_minutes for t in row.values()) >= c.least_minutes


def _legal(
    p: RosterProblem,
    c: _Contract,
    row: dict[int, int],
    leave: list[list[bool]],
    after: dict[int, set[int]],
    weekend_of: dict[int, int],
    *,
    most_minutes: bool = True,
) -> bool:
    """Does one agent's whole row keep every hard rule but the least minutes (and the
    most, unless ``most_minutes``)?"""
    counts: dict[int, int] = {}
    minutes = 0
    for d, t in row.items():
        if leave[d][t] or (d - 1 in row and t in after[row[d - 1]]):
            return False
        counts[t] = counts.get(t, 0) + 1
        minutes += p.templates[t].paid_minutes
    if (most_minutes and minutes > c.most_minutes) or any(
        n > c.most_of.get(t, 10**9) for t, n in counts.items()
    ):
        return False
    if len({weekend_of[d] for d in row if d in weekend_of}) > c.most_weekends:
        return False
    start = 0
    for d in range(1, p.days + 1):
        if d < p.days and (d in row) == (start in row):
            continue
        length, inside = d - start, start > 0 and d < p.days
        if start in row:
            if length > c.most_in_a_row or (inside and length < c.least_in_a_row):
                return False
        elif inside and length < c.least_off_in_a_row:
            return False
        start = d
    return True


def _best_addition(
    p: RosterProblem,
    c: _Contract,
    leave: list[list[bool]],
    after: dict[int, set[int]],
    weekend_of: dict[int, int],
    gain: Callable[[int, int], int],
    a: int,
    wants: dict[tuple[int, int, int], int],
) -> list[tuple[int, int]] | None:
    """The legal extra shift that saves most, among the 200 that would save most."""
    n_templates = len(p.templates)
    off = [d for d in range(p.days) if d not in c.worked]
    singles = sorted(
        ((gain(d, t) + wants.get((a, d, t), 0), d, t) for d in off for t in range(n_templates)),
        reverse=True,
    )
    for _, d, t in singles[:200]:
        if _legal(p, c, {**c.worked, d: t}, leave, after, weekend_of):
            return [(d, t)]
    return None


def _extra_cost(p: RosterProblem, d: int, t: int, filled: dict[int, int]) -> int:
    """What one more agent on (d, t) costs: a surplus, or a shortfall saved (negative)."""
    cover = p.shift_cover.get((d, t))
    if cover is None:
        return 0
    if filled.get(t, 0) < cover.required:
        return -cover.under_weight
    return cover.over_weight


def _run_automaton(c: _Contract) -> tuple[int, dict[tuple[int, bool], int], set[int]]:
    """Runs of working days and days off as an automaton over the days: (start state,
    (state, works) → next state, the states where one works). States: 0 the free days off
    from the first day, then working runs from the first day by length, working runs by
    length, days-off runs by length (capped at their minimum). Every state is final: a
    run that reaches the last day is free."""
    most, least, rest = c.most_in_a_row, c.least_in_a_row, c.least_off_in_a_row
    first, inner, off = 0, most, 2 * most  # state = base + length
    moves = {(0, False): 0, (0, True): first + 1}
    for k in range(1, most + 1):
        if k < most:
            moves[first + k, True] = first + k + 1
            moves[inner + k, True] = inner + k + 1
        moves[first + k, False] = off + 1
        if k >= least:
            moves[inner + k, False] = off + 1
    for k in range(1, rest + 1):
        moves[off + k, False] = off + min(k + 1, rest)
        if k >= rest:
            moves[off + k, True] = inner + 1
    return 0, moves, set(range(1, 2 * most + 1))


def _best_row(
    p: RosterProblem,
    c: _Contract,
    leave: list[list[bool]],
    after: dict[int, set[int]],
    weekend_of: dict[int, int],
    value: Sequence[Sequence[float]],
    *,
    every_price: bool = False,
) -> dict[int, int] | None:
    """One agent's legal row worth most (``value`` per day and template), with at least
    their least minutes: a dynamic programme over the days whose state is the run automaton
    and the weekends worked, each working day worth its best allowed shift plus a price per
    minute, the price raised until the row has the minutes. Most shifts per type and
    forbidden successions are settled afterwards (a second pass over the worked days); a
    row that still breaks a rule is not returned."""
    start, moves, working = _run_automaton(c)
    allowed = [
        [t for t in range(len(p.templates)) if not leave[d][t] and c.most_of.get(t, 1) > 0]
        for d in range(p.days)
    ]
    most_weekends = min(c.most_weekends, len(set(weekend_of.values())))
    minutes_of = [template.paid_minutes for template in p.templates]
    spare = [0.01 * p.days / max(c.most_of.get(t, p.days), 1) for t in range(len(p.templates))]
    # the automaton as lists by state; a layer's key is state * stride + weekends worked
    n_states = 1 + max(max(s for s, _ in moves), max(moves.values()))
    off_move = [moves.get((s, False), -1) for s in range(n_states)]
    on_move = [moves.get((s, True), -1) for s in range(n_states)]
    stride = most_weekends + 1
    # working on day d adds a weekend unless d - 1 is its weekend too and was worked
    new_weekend = [d in weekend_of for d in range(p.days)]
    same_weekend = [d in weekend_of and d - 1 in weekend_of for d in range(p.days)]
    fallback = None
    found: list[dict[int, int]] = []
    for price in (0.05, 0.2, 1.0, 5.0, 50.0):
        worth = [  # among equals, the shift types with most to spare
            [value[d][t] + price * minutes_of[t] - spare[t] for t in allowed[d]]
            for d in range(p.days)
        ]
        best_day = [max(w) if w else None for w in worth]
        layer: dict[int, float] = {start * stride: 0.0}
        back: list[dict[int, int]] = []
        for d in range(p.days):
            nxt: dict[int, float] = {}
            came: dict[int, int] = {}
            gain, weekend, same = best_day[d], new_weekend[d], same_weekend[d]
            for key, score in layer.items():
                state = key // stride
                target = off_move[state]
                if target >= 0:
                    to = target * stride + key % stride
                    if score > nxt.get(to, -1e18):
                        nxt[to], came[to] = score, key
                target = on_move[state]
                if target < 0 or gain is None:
                    continue
                to = target * stride + key % stride
                if weekend and not (same and state in working):
                    if key % stride == most_weekends:
                        continue
                    to += 1
                if score + gain > nxt.get(to, -1e18):
                    nxt[to], came[to] = score + gain, key
            back.append(came)
            layer = nxt
        if not layer:
            return None
        key = max(layer, key=layer.__getitem__)
        days_worked = []
        for d in range(p.days - 1, -1, -1):
            if key // stride in working:
                days_worked.append(d)
            key = back[d][key]
        row = None
        penalty = [0.0] * len(p.templates)  # raised on types the row works too often
        for _ in range(6):
            priced = worth
            if any(penalty):
                priced = [
                    [w - penalty[t] for t, w in zip(allowed[d], worth[d], strict=True)]
                    for d in range(p.days)
                ]
            row = _templates_for(p, sorted(days_worked), allowed, after, priced)
            if row is None:
                break
            counts = [0] * len(p.templates)
            for t in row.values():
                counts[t] += 1
            if _within_counts(c, row, allowed, after, value):
                break
            for t, n in enumerate(counts):
                if n > c.most_of.get(t, 10**9):
                    penalty[t] = 2 * penalty[t] + 10.0
            row = None
        if row is None:
            continue
        minutes = sum(minutes_of[t] for t in row.values())
        while minutes > c.most_minutes:  # the programme does not count them: trim runs
            drop = _trim(p, c, row, leave, after, weekend_of, value)
            if drop is None:
                break
            for d in drop:
                minutes -= p.templates[row.pop(d)].paid_minutes
        if c.least_minutes <= minutes and _legal(p, c, row, leave, after, weekend_of):
            if not every_price:
                return row
            found.append(row)
        elif fallback is None and _legal(p, c, row, leave, after, weekend_of):
            fallback = row
    if found:  # ``every_price``: the best of the rows each price gave
        return max(found, key=lambda r: row_worth(value, r))
    return fallback


def _within_counts(
    c: _Contract,
    row: dict[int, int],
    allowed: list[list[int]],
    after: dict[int, set[int]],
    value: Sequence[Sequence[float]],
) -> bool:
    """Move days off shift types worked more than their most onto other allowed types with
    room (keeping successions), the cheapest move first, one at a time (a move can free
    its neighbours); False if some type stays over."""
    counts: dict[int, int] = {}
    for t in row.values():
        counts[t] = counts.get(t, 0) + 1
    while True:
        over = {t for t, n in counts.items() if n > c.most_of.get(t, 10**9)}
        if not over:
            return True
        moves = [
            (value[d][t] - value[d][v], d, v)
            for d, t in row.items()
            if t in over
            for v in allowed[d]
            if v != t
            and counts.get(v, 0) < c.most_of.get(v, 10**9)
            and not (d - 1 in row and v in after[row[d - 1]])
            and not (d + 1 in row and row[d + 1] in after[v])
        ]
        if not moves:
            return False
        _, d, v = min(moves)
        counts[row[d]] -= 1
        counts[v] = counts.get(v, 0) + 1
        row[d] = v


def _trim(
    p: RosterProblem,
    c: _Contract,
    row: dict[int, int],
    leave: list[list[bool]],
    after: dict[int, set[int]],
    weekend_of: dict[int, int],
    value: Sequence[Sequence[float]],
) -> list[int] | None:
    """Days to drop from a row with too many minutes, keeping it legal: the first or last
    day of a run, else a whole run; the fewest days, then the least worth, first."""
    runs: list[list[int]] = []
    for d in sorted(row):
        if runs and runs[-1][-1] == d - 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    options = [[run[0]] for run in runs] + [[run[-1]] for run in runs if len(run) > 1] + runs
    options.sort(key=lambda days: (len(days), sum(value[d][row[d]] for d in days)))
    for days in options:
        kept = {d: t for d, t in row.items() if d not in days}
        if _legal(p, c, kept, leave, after, weekend_of, most_minutes=False):
            return days
    return None


def _templates_for(
    p: RosterProblem,
    days: list[int],
    allowed: list[list[int]],
    after: dict[int, set[int]],
    worth: list[list[float]],
) -> dict[int, int] | None:
    """The shift of each worked day, worth most, no shift following one it may not."""
    best: dict[int, float] = {}
    back: list[dict[int, int]] = []
    prev_day = -2
    for d in days:
        here: dict[int, float] = {}
        came: dict[int, int] = {}
        for k, t in enumerate(allowed[d]):
            if prev_day == d - 1:
                options = [(s, u) for u, s in best.items() if t not in after[u]]
                if not options:
                    continue
                score, u = max(options)
                here[t], came[t] = score + worth[d][k], u
            else:
                top = max(best.values(), default=0.0)
                here[t], came[t] = top + worth[d][k], max(best, key=best.__getitem__, default=-1)
        if not here:
            return None
        best, prev_day = here, d
        back.append(came)
    row: dict[int, int] = {}
    if not days:
        return row
    t = max(best, key=best.__getitem__)
    for i in range(len(days) - 1, -1, -1):
        row[days[i]] = t
        t = back[i][t]
    return row
