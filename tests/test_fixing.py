"""Reduced-cost fixing (`callshift.roster.fixing`): the cells it fixes are those every row
within the gap agrees on, found by brute force; the restricted model keeps the optimum and
nothing cheaper; `solve_instance` proves a roster optimal with it."""

from __future__ import annotations

import csv
import itertools
import math
import random
from dataclasses import replace
from typing import Any

import pytest
from ortools.sat.python import cp_model

from callshift.nrp import compile as compile_module
from callshift.nrp.compile import (
    build_nrp_model,
    compile_problem,
    levels,
    solution_rows,
    solve_instance,
)
from callshift.nrp.evaluate import evaluate
from callshift.nrp.instance import Instance, read_instance
from callshift.roster.columns import ColumnResult, Prices, Row, _ExactPricer, price_and_dive
from callshift.roster.construct import cover_roster, improve_rows
from callshift.roster.fixing import Fixed, cover_room, fix_cells, restrict
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
    calls: the cells fixed are the same. Fixed at the smallest gap, the cells kept for a
    larger one (`Fixed.at`) are those fixing at that gap fixes."""
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
        lowest = Fixed()
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
            lowest = lowest if gap > 0.5 else fixed  # the first gap: the loss of each cell
            assert lowest.at(gap).cells == expected and lowest.at(gap).never == never
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


def test_cover_room_is_every_count_whose_cost_beyond_its_price_fits_the_gap() -> None:
    """For random prices and gaps, each target's room is exactly the counts n, from none
    to every agent, whose agents short cost (under weight - price) each and agents over
    (over weight + price) each, together no more than the gap; targets that leave every
    count are not listed, nor targets without a price."""
    inst = read_instance(TINY)
    problem = compile_problem(inst)
    agents = len(problem.agents)
    rng = random.Random(3)
    narrowed = 0
    for _ in range(30):
        cover = {
            cell: rng.uniform(-target.over_weight, target.under_weight)
            for cell, target in problem.shift_cover.items()
            if rng.random() < 0.9
        }
        prices = Prices([], [], 0.0, cover)
        gap = rng.choice([0.0, 0.5, 2.0, 7.5, 40.0])
        room = cover_room(problem, prices, gap)
        for cell, target in problem.shift_cover.items():
            if cell not in cover:
                assert cell not in room
                continue
            short, over = target.under_weight - cover[cell], target.over_weight + cover[cell]
            fits = [
                n
                for n in range(agents + 1)
                if short * max(0, target.required - n) + over * max(0, n - target.required)
                <= gap + 1e-9
            ]
            if fits == list(range(agents + 1)):
                assert cell not in room
            else:
                assert room[cell] == (fits[0], fits[-1])
                narrowed += 1
    assert narrowed


def test_a_roster_loses_against_the_bound_what_its_rows_and_cover_lose_against_the_prices() -> None:
    """What `cover_room` rests on. After column generation on the tiny instance, every
    roster (the dive's, the optimum, and random rows of each employee) costs at least the
    bound plus each employee's row's loss against their most plus each target's agents
    short and over at their cost beyond the price; so its counts are within the room of
    its own gap."""
    inst = read_instance(TINY)
    problem = compile_problem(inst)
    start = improve_rows(problem, cover_roster(problem), steps=3)
    dived = price_and_dive(problem, start, build_nrp_model, rounds=40, seed=0)
    prices = dived.prices
    assert prices is not None and prices.cover
    offset = evaluate(inst, solution_rows(problem, dived.keys)).objective - dived.cost
    m = build_nrp_model(problem)
    m.model.minimize(m.cover_cost + m.soft["preferences"])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(m.model) == cp_model.OPTIMAL
    best = tuple(k for k, v in m.x.items() if solver.boolean_value(v))
    rng = random.Random(7)
    legal = legal_rows(inst)
    rosters = [dived.keys, best] + [
        tuple((a, d, t) for a, rows in enumerate(legal) for d, t in rng.choice(rows).items())
        for _ in range(40)
    ]
    for keys in rosters:
        cost = evaluate(inst, solution_rows(problem, keys)).objective - offset
        rows: list[Row] = [{} for _ in inst.staff]
        for a, d, t in keys:
            rows[a][d] = t
        count = {cell: 0 for cell in problem.shift_cover}
        for _, d, t in keys:
            if (d, t) in count:
                count[d, t] += 1
        lost = sum(prices.most[a] - prices.worth(a, row) for a, row in enumerate(rows))
        for cell, target in problem.shift_cover.items():
            price = prices.cover[cell]
            lost += (target.under_weight - price) * max(0, target.required - count[cell])
            lost += (target.over_weight + price) * max(0, count[cell] - target.required)
        assert cost - prices.bound >= lost - 1e-6
        for cell, (least, most) in cover_room(problem, prices, cost - prices.bound).items():
            assert least <= count[cell] <= most


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


def dearer(inst: Instance, dived: ColumnResult, keys: tuple[Key, ...]) -> ColumnResult:
    """``dived`` with the roster ``keys`` in place of the dive's, its cost in the same units
    (the evaluator's objective less the same constant)."""
    problem = compile_problem(inst)
    more = evaluate(inst, solution_rows(problem, keys)).objective
    less = evaluate(inst, solution_rows(problem, dived.keys)).objective
    return replace(dived, keys=keys, cost=dived.cost + more - less)


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_the_restricted_model_keeps_the_optimum_and_nothing_cheaper() -> None:
    """Instance1 (optimum 607) after column generation (bound 557.9), from the roster the
    column generation started from (the dive reaches the optimum itself): fixed for
    rosters below 608, the model still has the optimum; fixed for rosters below 607, it has
    no roster at all, which proves 607 optimal."""
    inst = read_instance(CURTOIS / "Instance1.txt")
    best = optimum("Instance1")
    problem = compile_problem(inst)
    start = improve_rows(problem, cover_roster(problem), steps=3)
    dived = dearer(inst, price_and_dive(problem, start, build_nrp_model, rounds=40, seed=0), start)
    cost = evaluate(inst, solution_rows(problem, dived.keys)).objective
    assert dived.prices is not None and cost > best > dived.prices.bound + cost - dived.cost
    assert solve_below(inst, dived, cost, best) == ("OPTIMAL", best)
    assert solve_below(inst, dived, cost, best - 1) == ("INFEASIBLE", None)


def test_levels_go_one_value_at_a_time_from_the_bound_then_the_rest_as_one() -> None:
    """The first ``FIXING_LEVELS`` values from the bound alone, the rest below the roster's
    cost as one level; none at or above the cost."""
    assert compile_module.FIXING_LEVELS == 3
    assert levels(558, 609) == [(558, 558), (559, 559), (560, 560), (561, 608)]
    assert levels(558, 562) == [(558, 558), (559, 559), (560, 560), (561, 561)]
    assert levels(558, 561) == [(558, 558), (559, 559), (560, 560)]
    assert levels(558, 560) == [(558, 558), (559, 559)]
    assert levels(558, 558) == []


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_solve_instance_searches_below_the_roster_a_level_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Instance1 (bound 558, optimum 607), every gap small enough, the search near the mix
    and the dive's last agents left out. The fixing runs once, at the lowest level's gap
    (under one), and each level's model is restricted for its own gap. From the roster the
    dive started from (the dive reaches the optimum itself), CP-SAT proves 558, 559 and
    560 empty and finds the optimum in the last level (561 up to the roster's cost less
    one), and proves it; the neighbourhood search never runs. Given the optimum, every
    level is empty, and the roster is reported optimal. Where the fixing settles too
    little, the neighbourhood search runs and CP-SAT solves the whole model."""
    inst = read_instance(CURTOIS / "Instance1.txt")
    best = optimum("Instance1")
    gaps: list[float] = []
    restricted: list[float] = []
    statuses: list[str] = []
    searched: list[int] = []  # the steps each neighbourhood search was given
    handed: list[tuple[Key, ...]] = []
    lower: list[float] = []  # the Lagrangian bound, in the objective's units

    def spy(*args: Any, **kw: Any) -> Fixed:
        gaps.append(args[3])
        return fix_cells(*args, **kw)

    def restricting(m: Any, prices: Prices, gap: float, fixed: Fixed) -> None:
        restricted.append(gap)
        restrict(m, prices, gap, fixed)

    def solved(*args: Any, **kw: Any) -> Solution:
        solution = solve_model(*args, **kw)
        statuses.append(solution.status)
        return solution

    def search(m: Any, keys: tuple[Key, ...], **kw: Any) -> LnsResult:
        searched.append(kw["steps"])
        return LnsResult(keys, None, 0, False)

    def dive(*args: Any, **kw: Any) -> ColumnResult:
        dived = dearer(inst, price_and_dive(*args, **kw), args[1])
        problem = args[0]
        cost = evaluate(inst, solution_rows(problem, dived.keys)).objective
        assert dived.prices is not None
        lower.append(dived.prices.bound + cost - dived.cost)
        if not handed:
            return dived
        return replace(dived, keys=handed[0], cost=dived.cost - (cost - best))

    monkeypatch.setattr(compile_module, "FIXING_GAP", 1.0)
    monkeypatch.setattr(compile_module, "FIXING_LEAST", 0.0)
    monkeypatch.setattr(compile_module, "fix_cells", spy)
    monkeypatch.setattr(compile_module, "restrict", restricting)
    monkeypatch.setattr(compile_module, "solve_model", solved)
    monkeypatch.setattr(compile_module, "improve_by_neighbourhoods", search)
    monkeypatch.setattr(compile_module, "price_and_dive", dive)
    monkeypatch.setattr(compile_module, "improve_shortfall_first", lambda *_, **__: None)
    found = solve_instance(inst, time_limit=10, workers=1, deterministic=True)
    bound = math.ceil(lower[0])
    assert bound == 558 and len(gaps) == 1 and gaps[0] == pytest.approx(bound - lower[0])
    assert 0 <= gaps[0] < 1
    assert restricted[:3] == pytest.approx([top - lower[0] for top in (558, 559, 560)])
    assert len(restricted) == 4 and restricted[3] > best - lower[0]  # below the dive's roster
    assert statuses == ["INFEASIBLE"] * 3 + ["OPTIMAL"]
    assert searched == []
    assert found.solution.status == "OPTIMAL"
    assert found.objective == found.best_bound == best
    assert evaluate(inst, found.rows).objective == best

    handed.append(found.solution.assignments)
    statuses.clear()
    restricted.clear()
    proved = solve_instance(inst, time_limit=10, workers=1, deterministic=True)
    assert len(gaps) == 2 and searched == []
    assert restricted[3] == pytest.approx(best - 1 - lower[1])  # the last level: below 607
    assert statuses == ["INFEASIBLE"] * 4  # nothing below the roster in hand
    assert proved.solution.status == "OPTIMAL"
    assert proved.objective == proved.best_bound == best
    assert set(proved.solution.assignments) == set(handed[0])

    monkeypatch.setattr(compile_module, "FIXING_LEAST", 1.01)  # no fixing settles that much
    handed.clear()
    statuses.clear()
    restricted.clear()
    whole = solve_instance(inst, time_limit=10, workers=1, deterministic=True)
    assert len(gaps) == 3 and restricted == [] and searched == [10]
    assert len(statuses) == 1  # CP-SAT on the whole model
    assert whole.solution.status in ("OPTIMAL", "FEASIBLE")
    assert evaluate(inst, whole.rows).feasible
