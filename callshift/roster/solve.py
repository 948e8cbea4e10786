"""Solving: CP-SAT on a roster model, team sizing, and the covering lower bound.

Solving never prints: progress goes to an optional callback, results come back as a
``Solution``.

Time: by default a limit is wall-clock seconds, and includes building each model.
``deterministic`` reads every limit as CP-SAT deterministic seconds instead, and every
budgeting decision (the second step's share, sizing's tries) counts the deterministic time
the solver reports, never the clock: with one worker and a fixed seed the same inputs then
give the same roster on any machine and under any load.

Stopping: a ``StopSearch`` that is asked to stop (from a signal handler, say) ends the
running search within a moment, keeping its best roster, and lets no further search start.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from callshift.agents import generic_agents
from callshift.config import SolverSettings
from callshift.roster.construct import covered_surplus, covering_model, warm_start
from callshift.roster.model import (
    Key,
    RosterModel,
    Weights,
    build_model,
    hours_limit_minutes,
    required_rest_days,
)
from callshift.roster.problem import RosterProblem
from callshift.roster.soft import SOFT_RULES, Roster, add_soft_rules, weight_of

# the fair shares that are solved for on their own, before rotation (see solve_roster)
BURDEN_RULES = ("fair_nights", "fair_weekends", "fair_holidays")

STATUS = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
    cp_model.UNKNOWN: "UNKNOWN",
}


@dataclass(frozen=True)
class Progress:
    """A snapshot during a solve, for live display or log lines."""

    phase: str
    elapsed_seconds: float
    objective: float | None
    best_bound: float | None

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.best_bound is None:
            return None
        return abs(self.objective - self.best_bound) / max(abs(self.objective), 1.0)


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class Solution:
    problem: RosterProblem
    assignments: tuple[Key, ...]
    status: str
    objective: float | None
    best_bound: float | None
    solve_seconds: float
    shortfall_cost: float = 0.0
    shortfall_intervals: int = 0  # agent-intervals short, reachable intervals only
    lower_bound_agents: int | None = None
    deterministic_seconds: float = 0.0  # CP-SAT's deterministic time, summed over solves
    burden_cost: int = 0  # weighted fair-share penalties of nights, weekends, holidays

    @property
    def gap(self) -> float | None:
        return Progress("", 0.0, self.objective, self.best_bound).gap

    @property
    def found(self) -> bool:
        return self.status in ("OPTIMAL", "FEASIBLE")


class StopSearch:
    """A request to stop solving. ``request`` only sets a flag, so a signal handler may call
    it; the thread that waits for CP-SAT passes it on as ``stop_search()`` within a tenth of
    a second. ``reason`` and ``exit_code`` say what asked (``SIGTERM``, 143) for the
    messages and the exit code."""

    def __init__(self) -> None:
        self.requested = False
        self.reason = ""
        self.exit_code = 1

    def request(self, reason: str = "stop requested", exit_code: int = 1) -> None:
        if not self.requested:
            self.reason, self.exit_code = reason, exit_code
        self.requested = True


def _stopped(stop: StopSearch | None) -> bool:
    return stop is not None and stop.requested


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, phase: str, callback: ProgressCallback, began: float) -> None:
        super().__init__()
        self.phase, self.callback, self.began = phase, callback, began
        self.objective: float | None = None

    def on_solution_callback(self) -> None:
        self.objective = self.ObjectiveValue()
        self.callback(
            Progress(
                self.phase, time.monotonic() - self.began, self.objective, self.BestObjectiveBound()
            )
        )

    def on_bound(self, bound: float) -> None:
        self.callback(Progress(self.phase, time.monotonic() - self.began, self.objective, bound))


def cp_solver(
    settings: SolverSettings, time_limit: float, deterministic: bool
) -> cp_model.CpSolver:
    """A CP-SAT solver on the settings' workers (all cores if 0) and seed, limited to
    ``time_limit`` seconds (deterministic time, if ``deterministic``)."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = settings.workers or os.cpu_count() or 1
    params.random_seed = settings.seed
    # CP-SAT's own SIGINT handler would end only the running step, and leave SIGINT at its
    # default (kill) afterwards; callshift handles signals itself (see StopSearch).
    params.catch_sigint_signal = False
    if deterministic:
        params.max_deterministic_time = time_limit
    else:
        params.max_time_in_seconds = time_limit
    return solver


def solve_roster(
    problem: RosterProblem,
    settings: SolverSettings,
    *,
    weights: Weights | None = None,
    hint: tuple[Key, ...] | None = None,
    shortfall_only: bool = False,
    time_limit: float | None = None,
    deterministic: bool = False,
    on_progress: ProgressCallback | None = None,
    phase: str = "roster",
    stop: StopSearch | None = None,
) -> Solution:
    """Solve the roster model. ``shortfall_only``: minimise tiered shortfall alone.
    Otherwise in three steps: coverage first (shortfall, then surplus; 40% of the time);
    then the fair shares of nights, weekends and holidays alone (a third of what is left);
    then every soft rule, with those fair shares capped where the second step left them.
    Shortfall stays capped at the first step's throughout, so fairness and healthy
    rotation never cost coverage. ``deterministic`` reads the time limit as CP-SAT
    deterministic time (reproducible with one worker)."""
    limit = settings.time_limit_seconds if time_limit is None else time_limit
    began = time.monotonic()
    if hint is None and problem.agents:
        hint = warm_start(problem) or None  # near the covering bound in well under a second
    soft = any(weight_of(problem.soft, rule) > 0 for rule in SOFT_RULES)
    if shortfall_only or not soft:
        return _solve(
            problem,
            settings,
            weights,
            hint,
            limit,
            deterministic,
            on_progress,
            phase,
            stop,
            objective="shortfall" if shortfall_only else "coverage",
        )
    first = _solve(
        problem,
        settings,
        weights,
        hint,
        limit * 0.4,
        deterministic,
        on_progress,
        f"{phase}, coverage",
        stop,
        objective="coverage",
    )
    if not first.found:
        return first
    cap = int(first.shortfall_cost)
    steps = [first]

    def left() -> float:
        if deterministic:
            return limit - sum(step.deterministic_seconds for step in steps)
        return limit - (time.monotonic() - began)

    best, burden_cap = first, None
    if any(weight_of(problem.soft, rule) > 0 for rule in BURDEN_RULES):
        # the burdens (nights, weekends, holidays) alone first: with rotation in the same
        # objective, the search trades them against each other and evens out neither
        second = _solve(
            problem,
            settings,
            weights,
            first.assignments,
            max(left() / 3, limit * 0.05),
            deterministic,
            on_progress,
            f"{phase}, fair shares",
            stop,
            objective="burden",
            shortfall_cap=cap,
        )
        steps.append(second)
        if second.found:
            best, burden_cap = second, second.burden_cost
    third = _solve(
        problem,
        settings,
        weights,
        best.assignments,
        max(left(), limit * 0.1),
        deterministic,
        on_progress,
        f"{phase}, fairness and rotation",
        stop,
        objective="all",
        shortfall_cap=cap,
        burden_cap=burden_cap,
    )
    steps.append(third)
    best = third if third.found else best
    return replace(
        best,
        solve_seconds=time.monotonic() - began,
        deterministic_seconds=sum(step.deterministic_seconds for step in steps),
    )


def _solve(
    problem: RosterProblem,
    settings: SolverSettings,
    weights: Weights | None,
    hint: tuple[Key, ...] | None,
    limit: float,
    deterministic: bool,
    on_progress: ProgressCallback | None,
    phase: str,
    stop: StopSearch | None,
    *,
    objective: str,
    shortfall_cap: int | None = None,
    burden_cap: int | None = None,
    extend: Callable[[RosterModel], cp_model.LinearExprT] | None = None,
    gap: float = 0.0,
) -> Solution:
    """One CP-SAT solve. A wall-clock ``limit`` includes building the model.
    ``objective``: "shortfall", "coverage" (shortfall, then surplus), "burden" (coverage
    and the fair shares of nights, weekends and holidays) or "all" (coverage and every
    soft rule); the caps bound shortfall and burden costs. ``extend`` adds constraints
    to the model and returns a term for the objective."""
    if _stopped(stop):
        return Solution(problem, (), "UNKNOWN", None, None, 0.0, math.inf, -1)
    entered = time.monotonic()
    if on_progress is not None:
        on_progress(Progress(phase, 0.0, None, None))
    m = build_model(problem, weights)
    parts: list[cp_model.LinearExprT] = [m.shortfall_cost]
    if objective != "shortfall":
        parts.append(m.surplus_cost)
    burden = cp_model.LinearExpr.sum([])
    if objective in ("burden", "all"):
        m.soft = add_soft_rules(m)
        burden = cp_model.LinearExpr.sum(
            [weight_of(problem.soft, r) * m.soft[r] for r in BURDEN_RULES if r in m.soft]
        )
    if objective == "burden":
        parts.append(burden)
    if objective == "all":
        parts += [weight_of(problem.soft, rule) * term for rule, term in m.soft.items()]
    if shortfall_cap is not None:
        m.model.add(m.shortfall_cost <= shortfall_cap)
    if burden_cap is not None:
        m.model.add(burden <= burden_cap)
    if extend is not None:
        parts.append(extend(m))
    m.model.minimize(cp_model.LinearExpr.sum(parts))
    lns = objective in ("burden", "all") and hint is not None and not deterministic
    solution = _solve_built(
        m, settings, hint, limit, deterministic, on_progress, phase, stop, entered, gap, lns
    )
    if not solution.found:
        return solution
    return replace(solution, burden_cost=_burden_cost(problem, solution.assignments, m))


def _solve_built(
    m: RosterModel,
    settings: SolverSettings,
    hint: tuple[Key, ...] | None,
    limit: float,
    deterministic: bool,
    on_progress: ProgressCallback | None,
    phase: str,
    stop: StopSearch | None,
    entered: float,
    gap: float = 0.0,
    lns: bool = False,
) -> Solution:
    """Solve a built model whose objective is set (``lns``: improve the hint by
    neighbourhoods only). A wall-clock ``limit`` counts from ``entered``."""
    if hint is not None:
        chosen = set(hint)
        for key, var in m.x.items():
            m.model.add_hint(var, key in chosen)
        _complete_hint(m.model, max(limit * 0.2, 10.0))  # an upper bound: it is quick
    if not deterministic:
        limit -= time.monotonic() - entered
    solver = cp_solver(settings, max(limit, 0.01), deterministic)
    solver.parameters.relative_gap_limit = gap
    if lns:
        solver.parameters.use_lns_only = True  # improve the coverage roster by neighbourhoods
    reporter = _Reporter(phase, on_progress or (lambda _: None), entered)
    if on_progress is not None:
        solver.best_bound_callback = reporter.on_bound
    code = _run(solver, m.model, reporter, stop)
    status = STATUS.get(code, "UNKNOWN")
    found = code in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    chosen_keys = tuple(k for k, v in m.x.items() if found and solver.boolean_value(v))
    return Solution(
        problem=m.problem,
        assignments=chosen_keys,
        status=status,
        objective=solver.objective_value if found else None,
        best_bound=solver.best_objective_bound if found else None,
        solve_seconds=time.monotonic() - entered,
        shortfall_cost=solver.value(m.shortfall_cost) if found else math.inf,
        shortfall_intervals=sum(solver.value(s) for s in m.shortfall) if found else -1,
        deterministic_seconds=solver.deterministic_time,
    )


def _complete_hint(model: cp_model.CpModel, limit: float) -> None:
    """Turn a hint of the shift variables into a hint of every variable: solve once with
    them fixed (propagation does nearly all of it), then hint the whole solution. CP-SAT
    then starts from the hinted roster as a first solution; with a partial hint it often
    searches from scratch on large teams. Leaves the hint as it was if the fixed model
    has no solution in the time (the hint breaks a rule of this model)."""
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = max(limit, 1.0)
    solver.parameters.catch_sigint_signal = False
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return
    values = solver.response_proto.solution
    model.proto.clear_solution_hint()
    for index, value in enumerate(values):
        model.proto.solution_hint.vars.append(index)
        model.proto.solution_hint.values.append(value)


def _burden_cost(problem: RosterProblem, assignments: tuple[Key, ...], m: RosterModel) -> int:
    """The weighted fair-share penalties of nights, weekends and holidays, measured."""
    roster = Roster.of(problem, assignments)
    return sum(
        weight_of(problem.soft, rule) * int(measure(roster))
        for rule, (_, measure) in SOFT_RULES.items()
        if rule in BURDEN_RULES and rule in m.soft
    )


def _run(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    reporter: cp_model.CpSolverSolutionCallback,
    stop: StopSearch | None,
) -> cp_model.CpSolverStatus:
    """``solver.solve``; with a ``stop``, in a thread of its own, so that this (main) thread
    stays free to run signal handlers and to pass a stop request on to CP-SAT."""
    if stop is None:
        return solver.solve(model, reporter)
    outcome: list[cp_model.CpSolverStatus | BaseException] = []

    def work() -> None:
        try:
            outcome.append(solver.solve(model, reporter))
        except BaseException as exc:  # handed to the waiting thread
            outcome.append(exc)

    thread = threading.Thread(target=work, name="cp-sat", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.1)
            if stop.requested:
                solver.stop_search()
    except BaseException:
        # An exception from a signal handler: stop CP-SAT and wait for it, whatever else
        # arrives meanwhile, because a process that exits while a C++ search runs aborts.
        while thread.is_alive():
            solver.stop_search()
            with contextlib.suppress(BaseException):
                thread.join(0.1)
        raise
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


# --------------------------------------------------------------------------- replanning


def replan_roster(
    problem: RosterProblem,
    settings: SolverSettings,
    original: tuple[Key, ...],
    *,
    frozen_before: int,
    time_limit: float | None = None,
    deterministic: bool = False,
    on_progress: ProgressCallback | None = None,
    stop: StopSearch | None = None,
) -> Solution:
    """Re-roster after an absence (already in ``problem.leave``). Shifts starting before
    ``frozen_before`` (minutes from the start) stay as in ``original``, except those the
    absence now forbids. Two steps: the best coverage the rules allow, then, with shortfall
    capped there, the fewest changed assignments (an agent-day whose shift differs), then
    the least surplus."""
    limit = settings.time_limit_seconds if time_limit is None else time_limit
    began = time.monotonic()
    kept = tuple(k for k in original if not problem.on_leave(problem.agents[k[0]], k[1], k[2]))
    chosen = set(kept)
    surplus_top = problem.intervals * max(len(problem.agents), 1) + 1

    def freeze(m: RosterModel) -> cp_model.LinearExprT:
        """Fix the past; return the number of changed agent-days, weighted above surplus."""
        changed = []
        for a in range(len(problem.agents)):
            for d in range(problem.days):
                free = []
                for t, template in enumerate(problem.templates):
                    var = m.x[a, d, t]
                    if template.span(d)[0] < frozen_before:
                        m.model.add(var == int((a, d, t) in chosen))
                    else:
                        free.append((t, var))
                if not free:
                    continue
                flag = m.model.new_bool_var(f"changed_a{a}_d{d}")
                for t, var in free:
                    m.model.add(flag >= (1 - var if (a, d, t) in chosen else var))
                changed.append(flag)
        return surplus_top * cp_model.LinearExpr.sum(changed)

    first = _solve(
        problem,
        settings,
        None,
        kept,
        limit * 0.5,
        deterministic,
        on_progress,
        "replan, coverage",
        stop,
        objective="shortfall",
        extend=lambda m: 0 * freeze(m),  # the same frozen past, changes not yet counted
    )
    if not first.found:
        return first
    spent = first.deterministic_seconds if deterministic else time.monotonic() - began
    second = _solve(
        problem,
        settings,
        None,
        first.assignments,
        max(limit - spent, limit * 0.1),
        deterministic,
        on_progress,
        "replan, fewest changes",
        stop,
        objective="coverage",
        shortfall_cap=int(first.shortfall_cost),
        extend=freeze,
    )
    best = second if second.found else first
    return replace(
        best,
        solve_seconds=time.monotonic() - began,
        deterministic_seconds=first.deterministic_seconds + second.deterministic_seconds,
    )


# --------------------------------------------------------------------------- lower bounds


def covering_bound(
    problem: RosterProblem,
    *,
    minimise: str = "paid_minutes",
    time_limit: float = 30.0,
    deterministic: bool = False,
) -> tuple[float, bool]:
    """The fewest paid minutes (or ``shifts``, or ``surplus`` agent-intervals) any multiset
    of template shifts needs to cover every reachable interval's requirement, ignoring who
    works them. Returns the value and whether it is proven optimal (else the solver's
    lower bound). ``deterministic``: one worker and a deterministic limit."""
    model, counts = covering_model(problem)
    if minimise == "shifts":
        model.minimize(sum(counts.values()))
    elif minimise == "surplus":
        model.minimize(covered_surplus(problem, counts))
    else:
        model.minimize(sum(problem.templates[t].paid_minutes * v for (_, t), v in counts.items()))
    solver = cp_solver(
        SolverSettings(time_limit, 1 if deterministic else min(os.cpu_count() or 1, 8)),
        time_limit,
        deterministic,
    )
    code = solver.solve(model)
    return solver.best_objective_bound, code == cp_model.OPTIMAL


def max_shifts_per_agent(problem: RosterProblem, contract_hours: float) -> int:
    """Most shifts one agent can work over the horizon under rest and hours rules."""
    shortest = min(t.paid_minutes for t in problem.templates)
    total = 0
    for block in problem.weeks():
        by_rest = len(block) - required_rest_days(problem.rules.weekly_rest_days, len(block))
        # a short last block allows its pro-rata hours, or one shift
        by_hours = max(hours_limit_minutes(contract_hours, len(block)) // shortest, 1)
        total += min(by_rest, by_hours, len(block) * problem.rules.max_shifts_per_day)
    return max(total, 1)


def team_lower_bound(problem: RosterProblem, *, deterministic: bool = False) -> int:
    """No team smaller than this can cover the reachable requirement: the fewest shifts
    over the most one agent may work, and the peak requirement (one agent's shifts never
    overlap, so each interval needs that many different agents)."""
    shifts, _ = covering_bound(problem, minimise="shifts", deterministic=deterministic)
    by_shifts = math.ceil(
        shifts / max_shifts_per_agent(problem, problem.rules.contract_hours) - 1e-9
    )
    peak = int(problem.need()[problem.reachable()].max(initial=0))
    return max(by_shifts, peak)


def size_team(
    problem: RosterProblem,
    settings: SolverSettings,
    *,
    max_agents: int,
    time_limit: float | None = None,
    deterministic: bool = False,
    on_progress: ProgressCallback | None = None,
    stop: StopSearch | None = None,
) -> Solution:
    """The fewest generic agents (A001, …) that cover the requirement, then their roster.

    Starts at the lower bound, gallops upward (+1, +2, +4, …) until a try covers every
    reachable interval, then bisects down to the smallest such team. Each try stops as
    soon as it finds a roster without shortfall; a try that finds none in its share of the
    time counts as too small, so the team is never claimed smaller than shown. The final
    roster is solved with the full objective from the best try's roster. Half the time
    limit goes to sizing: wall-clock time, or with ``deterministic`` the deterministic time
    the tries used. Stopped, it returns the best roster found so far: the smallest team
    that covered, else the last try that found a roster.
    """
    began = time.monotonic()
    limit = settings.time_limit_seconds if time_limit is None else time_limit
    bound = team_lower_bound(problem, deterministic=deterministic)
    budget = limit / 2
    used = 0.0  # deterministic seconds of the tries so far

    def spent() -> float:
        return used if deterministic else time.monotonic() - began

    def attempt(size: int) -> Solution:
        nonlocal used
        solution = solve_roster(
            problem.with_agents(generic_agents(size)),
            settings,
            shortfall_only=True,
            time_limit=max(min(budget - spent(), budget / 4), limit / 40),
            deterministic=deterministic,
            on_progress=on_progress,
            phase=f"sizing: {size} agents?",
            stop=stop,
        )
        used += solution.deterministic_seconds
        return solution

    def covers(solution: Solution) -> bool:
        return solution.found and solution.shortfall_intervals == 0

    too_small = min(bound, max_agents) - 1
    step = 1
    best = attempt(too_small + 1)
    found = best
    while not covers(best) and too_small + 1 < max_agents:
        too_small = len(best.problem.agents)
        if spent() > budget or _stopped(stop):
            break
        best = attempt(min(too_small + step, max_agents))
        found = best if best.found else found
        step *= 2
    while covers(best) and len(best.problem.agents) - too_small > 1:
        if spent() > budget or _stopped(stop):
            break
        middle = attempt((too_small + len(best.problem.agents)) // 2)
        if covers(middle):
            best = middle
        else:
            too_small = len(middle.problem.agents)
    if not covers(best) and _stopped(stop):
        best = found
    size = len(best.problem.agents)
    final = solve_roster(
        best.problem,
        settings,
        hint=best.assignments,
        time_limit=max(limit - spent(), limit / 10),
        deterministic=deterministic,
        on_progress=on_progress,
        phase=f"roster of {size} agents",
        stop=stop,
    )
    total = used + final.deterministic_seconds
    if not final.found or final.shortfall_intervals > best.shortfall_intervals:
        final = best  # never give back less coverage than the sizing proved possible
    return replace(
        final,
        lower_bound_agents=bound,
        solve_seconds=time.monotonic() - began,
        deterministic_seconds=total,
    )


# --------------------------------------------------------------------------- caller's model


def solve_model(
    m: RosterModel,
    settings: SolverSettings,
    *,
    time_limit: float,
    deterministic: bool = False,
    hint: tuple[Key, ...] | None = None,
    on_progress: ProgressCallback | None = None,
    phase: str = "roster",
    stop: StopSearch | None = None,
    lns: bool = False,
) -> Solution:
    """Solve a model the caller built and set the objective of (a benchmark instance);
    ``lns``: improve the hint by neighbourhoods only."""
    return _solve_built(
        m,
        settings,
        hint,
        time_limit,
        deterministic,
        on_progress,
        phase,
        stop,
        time.monotonic(),
        lns=lns,
    )
