"""Reduced-cost fixing (`callshift.roster.fixing`): the cells it fixes are those every row
within the gap agrees on, found by brute force; the restricted model keeps the optimum and
nothing cheaper; `solve_instance` proves a roster optimal with it."""

from __future__ import annotations

import csv
import itertools
import random
from dataclasses import replace
from typing import Any

import pytest
from ortools.sat.python import cp_model

from callshift.nrp import compile as compile_module
from callshift.nrp.compile import build_nrp_model, compile_problem, solution_rows, solve_instance
from callshift.nrp.evaluate import evaluate
from callshift.nrp.instance import Instance, read_instance
from callshift.roster.columns import ColumnResult, Prices, Row, _ExactPricer, price_and_dive
from callshift.roster.construct import cover_roster, improve_rows
from callshift.roster.fixing import Fixed, fix_cells, restrict
from callshift.roster.lns import LnsResult
from callshift.roster.model import Key
from callshift.roster.solve import Solution, solve_model
from tests.test_nrp import CURTOIS, TINY, one_agent


def legal_rows(inst: Instance) -> list[list[Row]]:
    """Every row of every employee (day → shift index) that the independent evaluator
    calls legal on their own."""
    codes = [s.code for s in inst.shifts]
    rows: list[list[Row]] = []
    for staff in inst.staff:
        alone = one_agent(inst, staff.employee)
        rows.append(
            [
                {d: codes.index(c) for d, c in enumerate(row) if c}
                for row in itertools.product([None, *codes], repeat=inst.horizon)
                if evaluate(
                    alone, tuple((staff.employee, d, c) for d, c in enumerate(row) if c)
                ).feasible
            ]
        )
    return rows


def test_fixing_fixes_exactly_the_cells_every_row_within_the_gap_agrees_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The tiny instance, every legal row of each employee, random prices: a cell is fixed,
    at its value, exactly when every row that loses no more than the gap has that value
    there; those no legal row works are counted apart. Known rows within the gap only save
    calls: the cells fixed are the same."""
    inst = read_instance(TINY)
    problem = compile_problem(inst)
    legal = legal_rows(inst)
    templates = len(inst.shifts)
    never = sum(  # cells no legal row of the employee works
        not any(row.get(d) == t for row in rows)
        for rows in legal
        for d in range(inst.horizon)
        for t in range(templates)
    )
    assert never  # the tiny instance has such cells (a day off, a shift type not allowed)
    calls = [0]
    price = _ExactPricer.price

    def counted(self: _ExactPricer, *args: Any, **kw: Any) -> tuple[list[Row], float]:
        calls[0] += 1
        return price(self, *args, **kw)

    monkeypatch.setattr(_ExactPricer, "price", counted)
    rng = random.Random(5)
    fixed_some = kept_some = saved = 0
    for _ in range(3):
        values = [
            [[rng.uniform(-5, 5) for _ in range(templates)] for _ in range(inst.horizon)]
            for _ in inst.staff
        ]
        most = [
            max(sum(v[d][t] for d, t in row.items()) for row in rows)
            for v, rows in zip(values, legal, strict=True)
        ]
        prices = Prices(values, most, bound=0.0)
        for gap in (0.5, 2.0, 6.0):
            expected: dict[Key, bool] = {}
            for a, rows in enumerate(legal):
                near = [row for row in rows if most[a] - prices.worth(a, row) <= gap]
                for d in range(inst.horizon):
                    for t in range(templates):
                        taken = {row.get(d) == t for row in near}
                        if len(taken) == 1:
                            expected[a, d, t] = taken.pop()
            calls[0] = 0
            fixed = fix_cells(
                problem,
                prices,
                [[] for _ in legal],
                gap,
                build_nrp_model,
                time_limit=60,
                deterministic=True,
            )
            assert fixed.cells == expected
            assert fixed.never == never
            alone, calls[0] = calls[0], 0
            known = [rng.sample(rows, min(len(rows), 40)) for rows in legal]
            again = fix_cells(
                problem, prices, known, gap, build_nrp_model, time_limit=60, deterministic=True
            )
            assert again.cells == expected
            assert calls[0] <= alone
            saved += alone - calls[0]
            fixed_some += len(expected)
            kept_some += len(inst.staff) * inst.horizon * templates - len(expected)
    assert fixed_some and kept_some  # the gaps fix some cells and leave others free
    assert saved  # known rows within the gap spared pricing calls


def optimum(name: str) -> int:
    with (CURTOIS / "best_known.csv").open() as handle:
        return {r["instance"]: int(r["best_known_solution"]) for r in csv.DictReader(handle)}[name]


def solve_below(
    inst: Instance, dived: ColumnResult, cost: int, ceiling: int
) -> tuple[str, int | None]:
    """CP-SAT (one worker) on the model restricted for rosters cheaper than ``ceiling + 1``
    and capped at ``ceiling``: its status, and the evaluator's cost of what it found."""
    problem = compile_problem(inst)
    m = build_nrp_model(problem)
    assert dived.prices is not None and dived.known is not None
    offset = cost - dived.cost
    gap = ceiling - (dived.prices.bound + offset)
    fixed = fix_cells(
        problem, dived.prices, dived.known, gap, build_nrp_model, time_limit=60, deterministic=True
    )
    restrict(m, dived.prices, gap, fixed)
    m.model.add(m.cover_cost + m.soft["preferences"] <= ceiling)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = 60
    status = solver.solve(m.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return solver.status_name(status), None
    keys = tuple(k for k, v in m.x.items() if solver.boolean_value(v))
    scored = evaluate(inst, solution_rows(problem, keys))
    assert scored.feasible
    return solver.status_name(status), scored.objective


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_the_restricted_model_keeps_the_optimum_and_nothing_cheaper() -> None:
    """Instance1 (optimum 607) after column generation (dive 609, bound 557.9): fixed
    for rosters below 608, the model still has the optimum; fixed for rosters below 607,
    it has no roster at all, which proves 607 optimal."""
    inst = read_instance(CURTOIS / "Instance1.txt")
    best = optimum("Instance1")
    problem = compile_problem(inst)
    start = improve_rows(problem, cover_roster(problem), steps=3)
    dived = price_and_dive(problem, start, build_nrp_model, rounds=40, seed=0)
    cost = evaluate(inst, solution_rows(problem, dived.keys)).objective
    assert dived.prices is not None and cost > best > dived.prices.bound + cost - dived.cost
    assert solve_below(inst, dived, cost, best) == ("OPTIMAL", best)
    assert solve_below(inst, dived, cost, best - 1) == ("INFEASIBLE", None)


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_solve_instance_searches_below_the_roster_where_fixing_settles_enough(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Instance1, every gap small enough, the search near the mix left out. A short
    neighbourhood search comes before the fixing. Where the fixing settles enough of the
    roster, the neighbourhood search does not run again: CP-SAT on
    the restricted model finds the optimum below the dive's roster and proves it; given a
    dive that is already optimal, the restricted model has no roster at all (CP-SAT:
    INFEASIBLE), and that roster is reported optimal. Where it settles too little, the
    neighbourhood search runs and CP-SAT solves the whole model."""
    inst = read_instance(CURTOIS / "Instance1.txt")
    best = optimum("Instance1")
    gaps: list[float] = []
    statuses: list[str] = []
    searched: list[int] = []  # the steps each neighbourhood search was given
    handed: list[tuple[Key, ...]] = []

    def spy(*args: Any, **kw: Any) -> Fixed:
        gaps.append(args[3])
        return fix_cells(*args, **kw)

    def solved(*args: Any, **kw: Any) -> Solution:
        solution = solve_model(*args, **kw)
        statuses.append(solution.status)
        return solution

    def search(m: Any, keys: tuple[Key, ...], **kw: Any) -> LnsResult:
        searched.append(kw["steps"])
        return LnsResult(keys, None, 0, False)

    def dive(*args: Any, **kw: Any) -> ColumnResult:
        dived = price_and_dive(*args, **kw)
        if not handed:
            return dived
        problem = args[0]
        lower = evaluate(inst, solution_rows(problem, dived.keys)).objective - best
        return replace(dived, keys=handed[0], cost=dived.cost - lower)

    monkeypatch.setattr(compile_module, "FIXING_GAP", 1.0)
    monkeypatch.setattr(compile_module, "FIXING_LEAST", 0.0)
    monkeypatch.setattr(compile_module, "fix_cells", spy)
    monkeypatch.setattr(compile_module, "solve_model", solved)
    monkeypatch.setattr(compile_module, "improve_by_neighbourhoods", search)
    monkeypatch.setattr(compile_module, "price_and_dive", dive)
    monkeypatch.setattr(compile_module, "improve_near_mix", lambda *_, **__: None)
    short = round(compile_module.FIXING_SEARCH * 10)  # steps: one a second of the limit
    found = solve_instance(inst, time_limit=10, workers=1, deterministic=True)
    assert len(gaps) == 1 and gaps[0] > 0 and searched == [short]
    assert statuses == ["OPTIMAL"]  # the restricted model's optimum, below the dive's roster
    assert found.solution.status == "OPTIMAL"
    assert found.objective == found.best_bound == best
    assert evaluate(inst, found.rows).objective == best

    handed.append(found.solution.assignments)
    statuses.clear()
    proved = solve_instance(inst, time_limit=10, workers=1, deterministic=True)
    assert len(gaps) == 2 and searched == [short] * 2
    assert statuses == ["INFEASIBLE"]  # nothing below the roster in hand
    assert proved.solution.status == "OPTIMAL"
    assert proved.objective == proved.best_bound == best
    assert set(proved.solution.assignments) == set(handed[0])

    monkeypatch.setattr(compile_module, "FIXING_LEAST", 1.01)  # no fixing settles that much
    handed.clear()
    statuses.clear()
    whole = solve_instance(inst, time_limit=10, workers=1, deterministic=True)
    assert len(gaps) == 3 and searched == [short] * 3 + [10]
    assert whole.solution.status in ("OPTIMAL", "FEASIBLE")
    assert evaluate(inst, whole.rows).feasible
