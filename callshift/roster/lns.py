"""Large neighbourhood search over a built roster model: free part of the roster, fix the
rest at its current shifts, and let CP-SAT solve what is free, briefly and on one worker.

A neighbourhood is either a window of days for every agent (``days``) or a window of days
for a random share of the agents (``block``); each kind keeps its own size, a share of the
roster's cells, grown when CP-SAT proves its neighbourhood optimal and shrunk when it runs
out of time. A step's roster is kept when it costs no more than the current one (a step
that ties moves the search sideways). When a window of every day is solved to optimality,
the roster is optimal and the search ends.

The model is changed only for the length of a step (domains of the fixed shift variables
and the hint) and left as it was found, so the caller can solve it whole afterwards. Each
neighbourhood is the model's own rules, so every step's roster keeps every hard rule the
model has.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from callshift.roster.model import Key, RosterModel

KINDS = ("days", "block")
FIRST_SHARE = 0.2  # of the roster's cells a neighbourhood frees at first,
FIRST_CELLS = 1500  # or this many cells, if fewer
GROW = 1.15  # its size, times this after a proof, divided by it after a timeout
LEAST_SHARE = 0.02
STEP_SECONDS = 1.0  # CP-SAT's time per step (deterministic time, in deterministic runs)


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
    index = {key: var.index for key, var in m.x.items()}
    domains = {i: list(proto.variables[i].domain) for i in index.values()}
    agents, days = len(m.problem.agents), m.problem.days
    rng = random.Random(seed)
    share = dict.fromkeys(KINDS, min(FIRST_SHARE, FIRST_CELLS / max(len(index), 1)))

    def step(
        free_agents: set[int] | None, first: int, last: int, seconds: float
    ) -> tuple[cp_model.CpSolverStatus, tuple[Key, ...] | None, float | None]:
        """Solve with agents ``free_agents`` (None: all) free on days first..last-1; the
        status, the roster found (or None) and its value."""
        chosen = set(current)
        hint_vars: list[int] = []
        hint_values: list[int] = []
        try:
            for key, i in index.items():
                value = 1 if key in chosen else 0
                a, d, _ = key
                if first <= d < last and (free_agents is None or a in free_agents):
                    hint_vars.append(i)
                    hint_values.append(value)
                else:
                    domain = proto.variables[i].domain
                    domain[0], domain[1] = value, value
            proto.clear_solution_hint()
            proto.solution_hint.vars.extend(hint_vars)
            proto.solution_hint.values.extend(hint_values)
            solver = cp_model.CpSolver()
            solver.parameters.num_workers = 1
            solver.parameters.random_seed = seed + done
            solver.parameters.catch_sigint_signal = False
            if deterministic:
                solver.parameters.max_deterministic_time = seconds
            else:
                solver.parameters.max_time_in_seconds = max(seconds, 0.01)
            status = solver.solve(m.model)
        finally:
            for i, domain in domains.items():
                proto.variables[i].domain[0], proto.variables[i].domain[1] = domain
            proto.clear_solution_hint()
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return status, None, None
        values = solver.response_proto.solution
        found = tuple(key for key, i in index.items() if values[i])
        return status, found, solver.objective_value

    current = keys
    done = 0
    _, _, objective = step(set(), 0, 0, step_seconds)  # every cell fixed: the start's value
    if objective is None:
        return LnsResult(keys, None, 0, False)
    proved = False
    while (done < steps) if steps is not None else time.monotonic() - began < time_limit:
        done += 1
        kind = KINDS[done % len(KINDS)]
        if kind == "days":
            width = max(1, min(days, round(days * share[kind])))
            free_agents = None
        else:  # as many agents in proportion as days
            side = share[kind] ** 0.5
            width = max(1, min(days, round(days * side)))
            free_agents = set(rng.sample(range(agents), max(1, min(agents, round(agents * side)))))
        first = rng.randrange(days - width + 1)
        seconds = step_seconds
        if not deterministic:
            seconds = min(seconds, time_limit - (time.monotonic() - began))
        status, found, value = step(free_agents, first, first + width, seconds)
        if found is not None and value is not None and value <= objective:
            current, objective = found, value
        if status == cp_model.OPTIMAL:
            if width == days and free_agents is None:
                proved = True
                break
            share[kind] = min(1.0, share[kind] * GROW)
        else:
            share[kind] = max(LEAST_SHARE, share[kind] / GROW)
    return LnsResult(current, objective, done, proved)
