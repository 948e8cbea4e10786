"""Large neighbourhood search over a built roster model: free part of the roster, fix the
rest at its current shifts, and let CP-SAT solve what is free, briefly and on one worker.

A neighbourhood is a window of days for every agent (``days``), a window of days for a
random share of the agents (``block``), days drawn at random, not side by side, for every
agent (``scattered``: an agent can move work between days far apart, and one who gives up a
shift on one day can take another's on a day weeks away), or days drawn at random for a
random share of the agents (``scattered_block``: more days each, so minutes can move
between a few agents across the horizon). Each kind keeps its own size, a
share of the roster's cells, grown when CP-SAT proves its neighbourhood optimal and shrunk
when it runs out of time. A step's roster is kept when it costs no more than the current
one (a step that ties moves the search sideways). When a neighbourhood of every day and
every agent is solved to optimality, the roster is optimal and the search ends.

While the search runs the model's shift variables are fixed at the current roster (their
domains), each step freeing and re-fixing its own cells, and its hint is the free cells';
afterwards the model is as it was found, so the caller can solve it whole. Each
neighbourhood is the model's own rules, so every step's roster keeps every hard rule the
model has.

`improve_near_mix` is a larger neighbourhood, for when column generation has a master near
its optimum: the agent-days its mix settles stay fixed, and CP-SAT (all its workers)
searches the rest; once CP-SAT proves that, a looser reading of "settled" frees more.
`improve_shortfall_first` starts it from the roster with the least cover shortfall CP-SAT
finds first (near the mix, then on the whole model).
"""

from __future__ import annotations

import copy
import logging
import math
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ortools.sat.python import cp_model

from callshift.config import SolverSettings
from callshift.roster.model import Key, RosterModel
from callshift.roster.solve import cp_solver

KINDS = ("days", "block", "scattered", "scattered_block")
FIRST_SHARE = 0.2  # of the roster's cells a neighbourhood frees at first,
FIRST_CELLS = 1500  # or this many cells, if fewer
GROW = 1.15  # its size, times this after a proof, divided by it after a timeout
LEAST_SHARE = 0.02
# `improve_near_mix`: an agent-day the mix gives this weight to stays as it is, the
# first threshold first
AGREE = (0.5, 0.7, 0.9)
# `improve_shortfall_first`: of its time, what CP-SAT on the shortfall alone gets
# (Instance15, from a dive at 4060: 3840 with 20 s of 150, 3844 and 3844 with 60 s, against
# 3936 and 3936 near the mix alone)
SHORTFALL_SHARE = 0.15
# and its thresholds: near the mix first, as `improve_near_mix`, then the whole model (no
# agent-day agrees by more than all of it). On the whole model from the start, in the
# same 22 s, Instance15's cached dive came to 37, 38 and 37 agents short (seeds 0-2),
# where near the mix first proved 36, the least its nights allow, in 13-22 s; Instance13's
# dive (17 short) stayed at 17, where near the mix it came to 16, 14 and 16
SHORTFALL_AGREE = (*AGREE, math.inf)
# with other rosters to start from, what of the shortfall's time the first threshold from
# each gets (Instance15, from one pricing state: the cheapest dive, by employee-days, 39
# short at 0.5, then 38 (two seeds); the cheapest by whole columns 38 at 0.5 in 2 s, then
# 37 (two seeds))
SHORTFALL_PROBE = 0.25
STEP_SECONDS = 1.0  # CP-SAT's time per step (deterministic time, in deterministic runs)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LnsResult:
    keys: tuple[Key, ...]
    objective: float | None  # the model's value of ``keys``; None: the start breaks a rule
    steps: int
    proved: bool  # a neighbourhood of the whole roster was solved to optimality


def improve_by_neighbourhoods(
    m: RosterModel,
    keys: tuple[Key, ...],
    *,
    time_limit: float,
    seed: int = 0,
    steps: int | None = None,
    step_seconds: float = STEP_SECONDS,
) -> LnsResult:
    """Improve the roster ``keys`` on ``m`` (its objective set) for ``time_limit`` seconds,
    or for ``steps`` steps limited in deterministic time (the same roster on any machine)."""
    began = time.monotonic()
    deterministic = steps is not None
    proto = m.model.proto
    agents, days = len(m.problem.agents), m.problem.days
    templates = len(m.problem.templates)
    index = {key: var.index for key, var in m.x.items()}
    value = dict.fromkeys(index, 0)  # the current roster, cell by cell
    for key in keys:
        value[key] = 1
    rng = random.Random(seed)
    share = dict.fromkeys(KINDS, min(FIRST_SHARE, FIRST_CELLS / max(len(index), 1)))

    def fix(key: Key) -> None:
        domain = proto.variables[index[key]].domain
        domain[0], domain[1] = value[key], value[key]

    def step(
        cells: list[Key], seconds: float
    ) -> tuple[cp_model.CpSolverStatus, dict[Key, int] | None, float | None]:
        """Solve with ``cells`` free (the rest fixed); the status, the free cells' values
        found (or None) and the roster's value."""
        proto.clear_solution_hint()
        for key in cells:
            i = index[key]
            proto.variables[i].domain[0], proto.variables[i].domain[1] = domains[i]
            proto.solution_hint.vars.append(i)
            proto.solution_hint.values.append(value[key])
        limit = max(seconds, 0.01)
        one = SolverSettings(time_limit_seconds=limit, workers=1, seed=seed + done)
        solver = cp_solver(one, limit, deterministic)
        status = solver.solve(m.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return status, None, None
        found = {key: int(solver.value(m.x[key])) for key in cells}
        return status, found, solver.objective_value

    done = 0
    proved = False
    with _restored(m) as domains:
        for key in index:
            fix(key)
        stepped = time.monotonic()
        _, _, objective = step([], step_seconds)  # every cell fixed: the start's value
        if objective is None:
            return LnsResult(keys, None, 0, False)
        # a step's wall time, reading the model included: no step starts that would end
        # past the limit (a step on Instance23's model takes 10 s whatever its own limit)
        step_wall = time.monotonic() - stepped
        while (
            (done < steps)
            if steps is not None
            else time.monotonic() - began + step_wall < time_limit
        ):
            done += 1
            kind = KINDS[done % len(KINDS)]
            free_agents, free_days = neighbourhood(kind, share[kind], agents, days, rng)
            cells = [(a, d, t) for a in free_agents for d in free_days for t in range(templates)]
            seconds = step_seconds
            if not deterministic:
                seconds = min(seconds, time_limit - (time.monotonic() - began))
            stepped = time.monotonic()
            status, found, worth = step(cells, seconds)
            step_wall = time.monotonic() - stepped
            if found is not None and worth is not None and worth <= objective:
                value.update(found)
                objective = worth
            for key in cells:
                fix(key)
            if status == cp_model.OPTIMAL:
                if len(free_days) == days and len(free_agents) == agents:
                    proved = True
                    break
                share[kind] = min(1.0, share[kind] * GROW)
            else:
                share[kind] = max(LEAST_SHARE, share[kind] / GROW)
    chosen = tuple(key for key, on in value.items() if on)
    return LnsResult(chosen, objective, done, proved)


def neighbourhood(
    kind: str, share: float, agents: int, days: int, rng: random.Random
) -> tuple[list[int], list[int]]:
    """The agents and days a neighbourhood of ``kind`` frees, about ``share`` of the roster's
    cells: ``days`` and ``scattered`` free that share of the days for every agent (a window,
    or days drawn at random); ``block`` and ``scattered_block`` free a random share of the
    agents and as large a share of the days (a window, or days drawn at random)."""
    if kind in ("block", "scattered_block"):
        side = share**0.5
        width = max(1, min(days, round(days * side)))
        free_agents = sorted(rng.sample(range(agents), max(1, min(agents, round(agents * side)))))
    else:
        width = max(1, min(days, round(days * share)))
        free_agents = list(range(agents))
    if kind in ("scattered", "scattered_block"):
        return free_agents, sorted(rng.sample(range(days), width))
    first = rng.randrange(days - width + 1)
    return free_agents, list(range(first, first + width))


def improve_near_mix(
    m: RosterModel,
    keys: tuple[Key, ...],
    mix: dict[Key, float],
    *,
    settings: SolverSettings,
    time_limit: float,
    deterministic: bool = False,
    agree: tuple[float, ...] = AGREE,
) -> tuple[Key, ...] | None:
    """Solve ``m`` (its objective set) from the roster ``keys`` with every agent-day fixed
    where the column master's mix (``mix``, each cell's weight) agrees with the roster's
    shift or day off by at least ``agree[0]``; the days it leaves open are free. If CP-SAT
    (on the ``settings``' workers and seed) proves the best roster there, the next
    threshold of ``agree`` frees more days around the roster found, with the time left, and
    so on. The best roster found (a looser threshold's only where it is no worse), or None
    if CP-SAT found none in ``time_limit`` seconds (deterministic time, if
    ``deterministic``). The roster can cost more than ``keys`` if CP-SAT has not yet
    reached their value: the caller compares."""
    began = time.monotonic()
    spent = 0.0  # deterministic time
    found = None
    worth = math.inf  # the model's value of ``found``
    for level in agree:
        left = time_limit - (spent if deterministic else time.monotonic() - began)
        if found is not None and left <= 0:  # (the first threshold always gets its go)
            break
        solver = cp_solver(settings, max(left, 0.01), deterministic)
        status = _solve_near(m, found or keys, mix, level, solver)
        spent += solver.response_proto.deterministic_time
        solved = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        # (a looser threshold that ends before CP-SAT takes up its hint can end worse)
        if solved and solver.objective_value <= worth:
            found = tuple(key for key, var in m.x.items() if solver.value(var))
            worth = solver.objective_value
        log.debug(
            "near the mix at %.2f: %s, %s, after %.1f s",
            level,
            solver.status_name(status),
            solver.objective_value if solved else None,
            time.monotonic() - began,
        )
        if status != cp_model.OPTIMAL:
            break
    return found


def improve_shortfall_first(
    m: RosterModel,
    keys: tuple[Key, ...],
    mix: dict[Key, float],
    *,
    settings: SolverSettings,
    time_limit: float,
    deterministic: bool = False,
    share: float = SHORTFALL_SHARE,
    others: tuple[tuple[Key, ...], ...] = (),
) -> tuple[Key, ...] | None:
    """`improve_near_mix` on ``m`` from the roster with the least cover shortfall
    (``m.cover_shortfall``) CP-SAT finds from ``keys`` in ``share`` of ``time_limit``, the
    shortfall capped at that. Where a shortfall weighs far more than the rest, a roster's
    cost falls into basins, one a shortfall (Instance15: 36 agents short, 3836–3852; 37,
    3932–3950), and the search near the mix mostly stays in the basin it starts from; a
    new start gives it another draw. The least shortfall is itself searched near the mix
    first, a threshold at a time, then on the whole model (``SHORTFALL_AGREE``): the days
    the mix leaves open are a far smaller model, where CP-SAT proves its best at once, and
    the roster stays near the mix. Where CP-SAT finds no roster in its share, the search
    near the mix starts from ``keys``, uncapped. ``m`` is left as it was (each step solves
    a copy). The roster the search near the mix found, else the one it started from, or
    None if neither is new.
    With ``others`` (other rosters to start from, such as the cheapest dive of another
    kind), the first threshold is searched from each, ``keys`` first, for
    ``SHORTFALL_PROBE`` of the shortfall's time between them, and the thresholds go on
    from the roster of the least shortfall found (the first of those that tie)."""
    began = time.monotonic()
    least = _with_model(m, m.model.clone())
    least.model.minimize(m.cover_shortfall)
    own = share * time_limit  # the shortfall's time
    begin = keys
    if others:
        probe = SHORTFALL_PROBE * own / (1 + len(others))
        tried = [
            improve_near_mix(
                least,
                start,
                mix,
                settings=settings,
                time_limit=probe,
                deterministic=deterministic,
                agree=SHORTFALL_AGREE[:1],
            )
            or start
            for start in (keys, *others)
        ]
        shorts = [shortfall(m, roster) for roster in tried]
        begin = tried[shorts.index(min(shorts))]  # (the first of those that tie)
        log.debug("probes: %s", shorts)
        own = (1 - SHORTFALL_PROBE) * own if deterministic else own - (time.monotonic() - began)
    found = improve_near_mix(
        least,
        begin,
        mix,
        settings=settings,
        time_limit=own,
        deterministic=deterministic,
        agree=SHORTFALL_AGREE,
    )
    if found is None and begin is not keys:
        found = begin
    start, near = keys, m
    if found is not None and (short := shortfall(m, found)) <= shortfall(m, keys):
        start = found
        near = _with_model(m, m.model.clone())
        near.model.add(m.cover_shortfall <= short)
        log.debug("least shortfall: %d, after %.1f s", short, time.monotonic() - began)
    # (in deterministic runs, the rest of the step's time; in others, what is left of it)
    left = (1 - share) * time_limit if deterministic else time_limit - (time.monotonic() - began)
    found = improve_near_mix(
        near,
        start,
        mix,
        settings=settings,
        time_limit=left,
        deterministic=deterministic,
    )
    return found or (None if start is keys else start)


def shortfall(m: RosterModel, keys: tuple[Key, ...]) -> int:
    """The roster ``keys``' cover shortfall on ``m`` (``m.cover_shortfall``'s value): each
    agent short of a (day, shift) target at its under weight."""
    count: dict[tuple[int, int], int] = {}
    for _, d, t in keys:
        count[d, t] = count.get((d, t), 0) + 1
    return sum(
        cover.under_weight * max(0, cover.required - count.get(target, 0))
        for target, cover in m.problem.shift_cover.items()
    )


def _with_model(m: RosterModel, model: cp_model.CpModel) -> RosterModel:
    """``m`` with ``model`` (a clone of its own: the same variables) in place of its model."""
    other = copy.copy(m)
    other.model = model
    return other


def _solve_near(
    m: RosterModel,
    keys: tuple[Key, ...],
    mix: dict[Key, float],
    agree: float,
    solver: cp_model.CpSolver,
) -> cp_model.CpSolverStatus:
    """One threshold of `improve_near_mix`: its status; ``solver`` holds the roster."""
    templates = range(len(m.problem.templates))
    shift = {(a, d): t for a, d, t in keys}
    proto = m.model.proto
    with _restored(m):
        for a in range(len(m.problem.agents)):
            for d in range(m.problem.days):
                t = shift.get((a, d))
                if t is None:
                    weight = 1.0 - sum(mix.get((a, d, u), 0.0) for u in templates)
                else:
                    weight = mix.get((a, d, t), 0.0)
                if weight < agree:
                    continue
                for u in templates:
                    if (a, d, u) in m.x:
                        domain = proto.variables[m.x[a, d, u].index].domain
                        domain[0] = domain[1] = int(u == t)
        _hint_roster(m, keys)
        return solver.solve(m.model)


def _hint_roster(m: RosterModel, keys: tuple[Key, ...]) -> None:
    """Hint every shift variable of ``m`` with the roster ``keys`` (in place of any hint)."""
    on = set(keys)
    proto = m.model.proto
    proto.clear_solution_hint()
    for key, var in m.x.items():
        proto.solution_hint.vars.append(var.index)
        proto.solution_hint.values.append(int(key in on))


@contextmanager
def _restored(m: RosterModel) -> Iterator[dict[int, tuple[int, ...]]]:
    """Give back the shift variables' domains (yielded, by variable index) and the model's
    hint as they were, however the block inside ends."""
    proto = m.model.proto
    domains = {var.index: tuple(proto.variables[var.index].domain) for var in m.x.values()}
    hint = (list(proto.solution_hint.vars), list(proto.solution_hint.values))
    try:
        yield domains
    finally:
        for i, domain in domains.items():
            proto.variables[i].domain[0], proto.variables[i].domain[1] = domain
        proto.clear_solution_hint()
        if hint[0]:  # (extending by nothing would leave an empty hint that was not there)
            proto.solution_hint.vars.extend(hint[0])
            proto.solution_hint.values.extend(hint[1])
