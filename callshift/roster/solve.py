"""Solving: CP-SAT on a roster model, team sizing, and the covering lower bound.

Solving never prints: progress goes to an optional callback, results come back as a
``Solution``.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from callshift.agents import generic_agents
from callshift.config import SolverSettings
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
    burden_cost: int = 0  # weighted fair-share penalties of nights, weekends, holidays

    @property
    def gap(self) -> float | None:
        return Progress("", 0.0, self.objective, self.best_bound).gap

    @property
    def found(self) -> bool:
        return self.status in ("OPTIMAL", "FEASIBLE")


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


def _solver(settings: SolverSettings, time_limit: float, deterministic: bool) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = settings.workers or os.cpu_count() or 1
    params.random_seed = settings.seed
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
) -> Solution:
    """Solve the roster model. ``shortfall_only``: minimise tiered shortfall alone.
    Otherwise in three steps: coverage first (shortfall, then surplus; 40% of the time);
    then the fair shares of nights, weekends and holidays alone (a third of what is left);
    then every soft rule, with those fair shares capped where the second step left them.
    Shortfall stays capped at the first step's throughout, so fairness and healthy
    rotation never cost coverage. ``deterministic`` reads the time
    limit as CP-SAT deterministic time (for reproducible tests)."""
    limit = settings.time_limit_seconds if time_limit is None else time_limit
    began = time.monotonic()
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
        objective="coverage",
    )
    if not first.found:
        return first
    cap = int(first.shortfall_cost)
    best, burden_cap = first, None
    if any(weight_of(problem.soft, rule) > 0 for rule in BURDEN_RULES):
        # the burdens (nights, weekends, holidays) alone first: with rotation in the same
        # objective, the search trades them against each other and evens out neither
        left = limit * 0.6 if deterministic else limit - (time.monotonic() - began)
        second = _solve(
            problem,
            settings,
            weights,
            first.assignments,
            max(left / 3, limit * 0.05),
            deterministic,
            on_progress,
            f"{phase}, fair shares",
            objective="burden",
            shortfall_cap=cap,
        )
        if second.found:
            best, burden_cap = second, second.burden_cost
    left = limit * 0.4 if deterministic else limit - (time.monotonic() - began)
    third = _solve(
        problem,
        settings,
        weights,
        best.assignments,
        max(left, limit * 0.1),
        deterministic,
        on_progress,
        f"{phase}, fairness and rotation",
        objective="all",
        shortfall_cap=cap,
        burden_cap=burden_cap,
    )
    best = third if third.found else best
    return replace(best, solve_seconds=time.monotonic() - began)


def _solve(
    problem: RosterProblem,
    settings: SolverSettings,
    weights: Weights | None,
    hint: tuple[Key, ...] | None,
    limit: float,
    deterministic: bool,
    on_progress: ProgressCallback | None,
    phase: str,
    *,
    objective: str,
    shortfall_cap: int | None = None,
    burden_cap: int | None = None,
    gap: float = 0.0,
) -> Solution:
    """One solve. ``objective``: "shortfall", "coverage" (shortfall, then surplus),
    "burden" (coverage and the fair shares of nights, weekends and holidays) or "all"
    (coverage and every soft rule); the caps bound shortfall and burden costs."""
    m = build_model(problem, weights)
    parts = [m.shortfall_cost]
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
    m.model.minimize(cp_model.LinearExpr.sum(parts))
    lns = objective in ("burden", "all") and hint is not None and not deterministic
    solution = _run(m, settings, hint, limit, deterministic, on_progress, phase, gap=gap, lns=lns)
    if solution.found and objective in ("burden", "all"):
        chosen = set(solution.assignments)
        value = sum(
            weight_of(problem.soft, r) * measure(Roster.of(problem, chosen))
            for r, (_, measure) in SOFT_RULES.items()
            if r in BURDEN_RULES and r in m.soft
        )
        solution = replace(solution, burden_cost=int(value))
    return solution


def _run(
    m: RosterModel,
    settings: SolverSettings,
    hint: tuple[Key, ...] | None,
    limit: float,
    deterministic: bool,
    on_progress: ProgressCallback | None,
    phase: str,
    *,
    gap: float = 0.0,
    lns: bool = False,
) -> Solution:
    """Solve a model whose objective is set; ``lns``: improve the hint by neighbourhoods."""
    if hint is not None:
        chosen = set(hint)
        for key, var in m.x.items():
            m.model.add_hint(var, key in chosen)
    solver = _solver(settings, max(limit, 0.01), deterministic)
    solver.parameters.relative_gap_limit = gap
    if lns:
        solver.parameters.use_lns_only = True
    began = time.monotonic()
    reporter = _Reporter(phase, on_progress or (lambda _: None), began)
    if on_progress is not None:
        solver.best_bound_callback = reporter.on_bound
    code = solver.solve(m.model, reporter)
    status = STATUS.get(code, "UNKNOWN")
    found = code in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    chosen_keys = tuple(k for k, v in m.x.items() if found and solver.boolean_value(v))
    return Solution(
        problem=m.problem,
        assignments=chosen_keys,
        status=status,
        objective=solver.objective_value if found else None,
        best_bound=solver.best_objective_bound if found else None,
        solve_seconds=time.monotonic() - began,
        shortfall_cost=solver.value(m.shortfall_cost) if found else math.inf,
        shortfall_intervals=sum(solver.value(s) for s in m.shortfall) if found else -1,
    )


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
) -> Solution:
    """Re-roster after an absence (already in ``problem.leave``). Shifts starting before
    ``frozen_before`` (minutes from the start) stay as in ``original``, except those the
    absence now forbids. Two steps: the best coverage the rules allow, then, with shortfall
    capped there, the fewest changed assignments (an agent-day whose shift differs), then
    the least surplus."""
    limit = settings.time_limit_seconds if time_limit is None else time_limit
    began = time.monotonic()
    kept = tuple(k for k in original if not _forbidden(problem, k))

    def model() -> tuple[RosterModel, list[cp_model.IntVar]]:
        m = build_model(problem)
        chosen = set(kept)
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
        return m, changed

    m, _ = model()
    m.model.minimize(m.shortfall_cost)
    first = _run(m, settings, kept, limit * 0.5, deterministic, on_progress, "replan, coverage")
    if not first.found:
        return first
    m, changed = model()
    m.model.add(m.shortfall_cost <= int(first.shortfall_cost))
    surplus_top = problem.intervals * max(len(problem.agents), 1) + 1
    m.model.minimize(surplus_top * cp_model.LinearExpr.sum(changed) + m.surplus_cost)
    spent = limit * 0.5 if deterministic else time.monotonic() - began
    second = _run(
        m,
        settings,
        first.assignments,
        max(limit - spent, limit * 0.1),
        deterministic,
        on_progress,
        "replan, fewest changes",
    )
    best = second if second.found else first
    return replace(best, solve_seconds=time.monotonic() - began)


def _forbidden(problem: RosterProblem, key: Key) -> bool:
    a, d, t = key
    return problem.on_leave(problem.agents[a], d, t)


# --------------------------------------------------------------------------- lower bounds


def covering_bound(
    problem: RosterProblem, *, minimise: str = "paid_minutes", time_limit: float = 30.0
) -> tuple[float, bool]:
    """The fewest paid minutes (or ``shifts``, or ``surplus`` agent-intervals) any multiset
    of template shifts needs to cover every reachable interval's requirement, ignoring who
    works them. Returns the value and whether it is proven optimal (else the solver's
    lower bound)."""
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
    for i, vars_ in enumerate(covering):
        if vars_ and need[i] > 0:
            model.add(sum(vars_) >= int(need[i]))
    if minimise == "shifts":
        model.minimize(sum(counts.values()))
    elif minimise == "surplus":
        needed = int(need[problem.reachable()].sum())
        model.minimize(sum(len(problem.covered(d, t)) * v for (d, t), v in counts.items()) - needed)
    else:
        model.minimize(sum(problem.templates[t].paid_minutes * v for (_, t), v in counts.items()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = min(os.cpu_count() or 1, 8)
    code = solver.solve(model)
    return solver.best_objective_bound, code == cp_model.OPTIMAL


def max_shifts_per_agent(problem: RosterProblem, contract_hours: float) -> int:
    """Most shifts one agent can work over the horizon under rest and hours rules."""
    shortest = min(t.paid_minutes for t in problem.templates)
    total = 0
    for block in problem.weeks():
        by_rest = len(block) - required_rest_days(problem.rules.weekly_rest_days, len(block))
        by_hours = hours_limit_minutes(contract_hours, len(block)) // shortest
        total += min(by_rest, by_hours, len(block) * problem.rules.max_shifts_per_day)
    return max(total, 1)


def team_lower_bound(problem: RosterProblem) -> int:
    """No team smaller than this can cover the reachable requirement: the fewest shifts
    over the most one agent may work, and the peak requirement (one agent's shifts never
    overlap, so each interval needs that many different agents)."""
    shifts, _ = covering_bound(problem, minimise="shifts")
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
    deterministic: bool = False,
    on_progress: ProgressCallback | None = None,
) -> Solution:
    """The fewest generic agents (A001, …) that cover the requirement, then their roster.

    Starts at the lower bound, gallops upward (+1, +2, +4, …) until a try covers every
    reachable interval, then bisects down to the smallest such team. Each try stops as
    soon as it finds a roster without shortfall; a try that finds none in its share of the
    time counts as too small, so the team is never claimed smaller than shown. The final
    roster is solved with the full objective from the best try's roster. Half the time
    limit goes to sizing.
    """
    began = time.monotonic()
    bound = team_lower_bound(problem)
    budget = settings.time_limit_seconds / 2

    def attempt(size: int) -> Solution:
        left = budget - (time.monotonic() - began)
        return solve_roster(
            problem.with_agents(generic_agents(size)),
            settings,
            shortfall_only=True,
            time_limit=max(min(left, budget / 4), settings.time_limit_seconds / 40),
            deterministic=deterministic,
            on_progress=on_progress,
            phase=f"sizing: {size} agents?",
        )

    def covers(solution: Solution) -> bool:
        return solution.found and solution.shortfall_intervals == 0

    too_small = min(bound, max_agents) - 1
    step = 1
    best = attempt(too_small + 1)
    while not covers(best) and too_small + 1 < max_agents:
        too_small = len(best.problem.agents)
        if time.monotonic() - began > budget:
            break
        best = attempt(min(too_small + step, max_agents))
        step *= 2
    while covers(best) and len(best.problem.agents) - too_small > 1:
        if time.monotonic() - began > budget:
            break
        middle = attempt((too_small + len(best.problem.agents)) // 2)
        if covers(middle):
            best = middle
        else:
            too_small = len(middle.problem.agents)
    size = len(best.problem.agents)
    remaining = settings.time_limit_seconds - (time.monotonic() - began)
    final = solve_roster(
        best.problem,
        settings,
        hint=best.assignments,
        time_limit=max(remaining, settings.time_limit_seconds / 10),
        deterministic=deterministic,
        on_progress=on_progress,
        phase=f"roster of {size} agents",
    )
    if not final.found:
        final = best
    return replace(final, lower_bound_agents=bound, solve_seconds=time.monotonic() - began)


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
) -> Solution:
    """Solve a model the caller built and set the objective of (a benchmark instance)."""
    return _run(m, settings, hint, time_limit, deterministic, on_progress, phase)
