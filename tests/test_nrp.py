"""The Curtois & Qu benchmark: reader, compiled rules, independent evaluator, CLI.

Every rule of the compiled model is tested alone (a model with only that rule), and every
roster the solver finds here is re-scored by the evaluator, which must agree.
"""

from __future__ import annotations

import csv
import inspect
import itertools
import math
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from ortools.sat.python import cp_model
from typer.testing import CliRunner

from callshift.cli import app
from callshift.config import SolverSettings
from callshift.errors import InfeasibleError
from callshift.nrp import compile as compile_module
from callshift.nrp import evaluate as evaluator
from callshift.nrp.compile import (
    NRP_RULES,
    build_nrp_model,
    compile_problem,
    solution_rows,
    solve_instance,
)
from callshift.nrp.evaluate import Evaluation, evaluate, read_solution
from callshift.nrp.instance import Instance, Shift, Staff, read_instance
from callshift.roster import columns as columns_module
from callshift.roster import lns as lns_module
from callshift.roster.columns import ColumnResult, _ExactPricer, price_and_dive
from callshift.roster.construct import _cover_context, cover_roster, improve_rows
from callshift.roster.lns import (
    AGREE,
    KINDS,
    SHORTFALL_AGREE,
    LnsResult,
    improve_by_neighbourhoods,
    improve_near_mix,
    improve_shortfall_first,
    neighbourhood,
    shortfall,
)
from callshift.roster.model import LIMIT_RULES, Key, RosterModel
from callshift.roster.problem import RosterProblem
from callshift.roster.solve import Solution, cp_solver, solve_model
from tests.helpers import assert_every_bad_file_tested, expected_text

runner = CliRunner()
DATA = Path(__file__).parent / "data"
TINY = DATA / "nrp_tiny.txt"
CURTOIS = Path(__file__).resolve().parents[2] / "shared" / "data" / "curtois"


# --------------------------------------------------------------------------- reader


def test_reader_reads_the_tiny_instance() -> None:
    inst = read_instance(TINY)
    assert inst.name == "nrp_tiny" and inst.horizon == 7
    assert inst.shifts == (Shift("E", 480, ()), Shift("L", 600, ("E",)))
    assert inst.staff[0] == Staff("A", {"E": 7, "L": 7}, 3000, 960, 4, 2, 2, 1)
    assert [s.employee for s in inst.staff] == ["A", "B", "C"]
    assert inst.days_off == {"A": frozenset({3})}
    assert [(r.employee, r.day, r.shift, r.weight) for r in inst.on_requests] == [
        ("A", 0, "E", 2),
        ("B", 6, "L", 1),
    ]
    assert [(r.employee, r.day, r.shift, r.weight) for r in inst.off_requests] == [("C", 5, "L", 3)]
    assert len(inst.cover) == 14
    assert (inst.cover[-1].day, inst.cover[-1].shift, inst.cover[-1].required) == (6, "L", 2)


def test_reader_takes_crlf_line_ends(tmp_path: Path) -> None:
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(TINY.read_bytes().replace(b"\n", b"\r\n"))
    assert replace(read_instance(crlf), name="nrp_tiny") == read_instance(TINY)


BAD_FILES = [
    ("nrp_unknown_section.txt", 30, 1, "unknown section 'SECTION_COVERS'"),
    ("nrp_data_before_section.txt", 1, 1, "data before the first SECTION_ line"),
    ("nrp_bad_horizon.txt", 4, 1, "the horizon must be a whole number, not 'one week'"),
    ("nrp_bad_shift_length.txt", 8, 3, "the shift length in minutes must be a whole number"),
    ("nrp_unknown_successor.txt", 9, 7, "unknown shift 'X'"),
    ("nrp_staff_short_row.txt", 14, 23, "SECTION_STAFF rows have 8 fields"),
    ("nrp_bad_max_shifts.txt", 14, 7, "MaxShifts items are ShiftID=count, not 'L2'"),
    ("nrp_unknown_employee.txt", 24, 1, "unknown employee 'Z'"),
    ("nrp_day_outside_horizon.txt", 28, 3, "day 7 is outside the horizon"),
    ("nrp_duplicate_cover.txt", 46, 1, "a second cover row for L on day 6"),
    ("nrp_no_staff.txt", None, None, "no SECTION_STAFF"),
]


@pytest.mark.parametrize(("name", "line", "column", "message"), BAD_FILES)
def test_bad_instance_exits_2_naming_the_place(
    tmp_path: Path, name: str, line: int | None, column: int | None, message: str
) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["nrp", str(DATA / name), "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: " + expected_text(DATA / name, line, column, message))
    assert "Traceback" not in result.output
    assert not out.exists()


def test_every_bad_instance_file_is_tested() -> None:
    assert_every_bad_file_tested(
        DATA,
        ("nrp_",),
        {"nrp_tiny.txt", "nrp_tiny_solution.csv", "nrp_instance1_607.csv"},
        [b[0] for b in BAD_FILES],
    )


# --------------------------------------------------------------------------- evaluator


def test_evaluator_scores_a_hand_made_solution() -> None:
    inst = read_instance(TINY)
    scored = evaluate(inst, read_solution(DATA / "nrp_tiny_solution.csv", inst))
    # B's wish for L on day 6 (1), C works L on day 5 against a wish (3), day 2 has one E too
    # many (1), day 6 one L short (100)
    assert (scored.on_requests, scored.off_requests, scored.over, scored.under) == (1, 3, 1, 100)
    assert scored.objective == 105
    assert scored.feasible


def test_evaluator_names_each_broken_rule() -> None:
    inst = read_instance(TINY)
    rows = read_solution(DATA / "nrp_tiny_solution.csv", inst)
    broken = (*rows, ("A", 3, "E"), ("B", 6, "E"), ("B", 6, "L"), ("B", 5, "L"))
    found = {(v.rule_id, v.employee) for v in evaluate(inst, broken).violations}
    assert ("leave", "A") in found
    assert ("one_shift_per_day", "B") in found
    assert ("min_rest", "B") in found  # L on day 5, E on day 6
    assert ("max_consecutive_days", "A") not in found  # 0-3 is four, at most 4


def test_evaluator_shares_no_code_with_the_solver() -> None:
    solver_side = (
        "callshift.shifts",
        "callshift.roster",
        "callshift.nrp.compile",
        "ortools",
    )
    code = (
        "import sys, callshift.nrp.evaluate; "
        f"print(sorted(m for m in sys.modules if m.startswith({solver_side!r})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_stored_instance1_solution_scores_the_optimum_607() -> None:
    """Instance1's proven optimum is 607 (best_known.csv); the stored roster was found by
    `callshift nrp` and reaches it under the boundary reading of docs/nrp.md."""
    inst = read_instance(CURTOIS / "Instance1.txt")
    scored = evaluate(inst, read_solution(DATA / "nrp_instance1_607.csv", inst))
    assert scored.feasible, scored.violations
    assert scored.objective == 607


# --------------------------------------------------------------------------- one per rule


def tiny(**staff: object) -> Instance:
    """One employee, two shifts (L may not be followed by E), 14 days, no limits unless
    ``staff`` sets them."""
    worker = Staff("A", {"E": 14, "L": 14}, 100_000, 0, 14, 1, 1, 2)
    return Instance(
        name="t",
        horizon=14,
        shifts=(Shift("E", 480, ()), Shift("L", 600, ("E",))),
        staff=(replace(worker, **staff),),  # type: ignore[arg-type]
    )


def feasible(
    inst: Instance,
    rule: str,
    on: list[tuple[int, str]],
    off: list[int] = (),  # type: ignore[assignment]
) -> bool:
    """Can A work ``on`` (day, code) and be off on ``off`` under ``rule`` alone? A roster
    the solver finds passes the evaluator's check of the same rule."""
    p = compile_problem(inst)
    m = build_nrp_model(p, rules=(rule,))
    codes = {t.code: i for i, t in enumerate(p.templates)}
    for d, code in on:
        m.model.add(m.x[0, d, codes[code]] == 1)
    for d in off:
        m.model.add(m.works[0, d] == 0)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 1
    solver.parameters.max_deterministic_time = 5
    status = solver.solve(m.model)
    assert status in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    if status == cp_model.INFEASIBLE:
        return False
    rows = tuple(
        ("A", d, p.templates[t].code) for (a, d, t), v in m.x.items() if solver.boolean_value(v)
    )
    assert evaluate(inst, rows, only={rule}).violations == ()
    return True


def days(first: int, last: int, code: str = "E") -> list[tuple[int, str]]:
    return [(d, code) for d in range(first, last + 1)]


def test_one_shift_per_day_rejects_two_shifts() -> None:
    assert not feasible(tiny(), "one_shift_per_day", [(0, "E"), (0, "L")])
    assert feasible(tiny(), "one_shift_per_day", [(0, "E"), (1, "L")])


def test_min_rest_takes_forbidden_successions() -> None:
    assert not feasible(tiny(), "min_rest", [(0, "L"), (1, "E")])
    assert feasible(tiny(), "min_rest", [(0, "E"), (1, "L"), (2, "L")])


def test_max_consecutive_days_per_employee() -> None:
    inst = tiny(max_consecutive_shifts=3)
    assert not feasible(inst, "max_consecutive_days", days(2, 5))
    assert feasible(inst, "max_consecutive_days", days(2, 4) + days(6, 8))


def test_leave_is_the_days_off() -> None:
    inst = replace(tiny(), days_off={"A": frozenset({4})})
    assert not feasible(inst, "leave", [(4, "L")])
    assert feasible(inst, "leave", [(3, "L"), (5, "E")])


def test_max_shifts_per_type_counts_each_code() -> None:
    inst = tiny(max_shifts={"E": 14, "L": 2})
    assert not feasible(inst, "max_shifts_per_type", [(0, "L"), (3, "L"), (6, "L")])
    assert feasible(inst, "max_shifts_per_type", [(0, "L"), (3, "L"), *days(4, 10)])


def test_max_total_minutes_over_the_horizon() -> None:
    inst = tiny(max_total_minutes=2000)  # four E (1920) but not three E and one L (2040)
    assert feasible(inst, "max_total_minutes", days(0, 3))
    assert not feasible(inst, "max_total_minutes", [*days(0, 2), (5, "L")])


def test_min_total_minutes_over_the_horizon() -> None:
    inst = tiny(min_total_minutes=1300)  # more than two L (1200), less than three E (1440)
    assert not feasible(inst, "min_total_minutes", [], off=[*range(2, 14)])
    assert feasible(inst, "min_total_minutes", [], off=[*range(3, 14)])


def test_min_consecutive_days_inside_the_horizon() -> None:
    inst = tiny(min_consecutive_shifts=3)
    assert not feasible(inst, "min_consecutive_days", days(5, 6), off=[4, 7])
    assert feasible(inst, "min_consecutive_days", days(5, 7), off=[4, 8])


def test_min_consecutive_days_free_at_the_edges() -> None:
    inst = tiny(min_consecutive_shifts=3)
    assert feasible(inst, "min_consecutive_days", [(0, "E")], off=[1])  # may go on before
    assert feasible(inst, "min_consecutive_days", [(13, "E")], off=[12])  # and after


def test_min_consecutive_days_off_inside_the_horizon() -> None:
    inst = tiny(min_consecutive_days_off=2)
    assert not feasible(inst, "min_consecutive_days_off", [(3, "E"), (5, "E")], off=[4])
    assert feasible(inst, "min_consecutive_days_off", [(3, "E"), (6, "E")], off=[4, 5])
    assert feasible(inst, "min_consecutive_days_off", [(1, "E"), (12, "E")], off=[0, 13])


def test_max_weekends_counts_saturday_or_sunday() -> None:
    inst = tiny(max_weekends=1)
    assert not feasible(inst, "max_weekends", [(5, "E"), (13, "E")])  # Sat 1, Sun 2
    assert feasible(inst, "max_weekends", [(5, "E"), (6, "E")], off=[12, 13])


@pytest.mark.parametrize("rule", ["min_consecutive_days", "min_consecutive_days_off"])
@pytest.mark.parametrize("shortest", [2, 3])
def test_min_runs_model_and_evaluator_agree_on_every_pattern(rule: str, shortest: int) -> None:
    """All 2^7 work patterns of a 7-day horizon: the model admits exactly those the
    evaluator accepts (the off-by-one insurance)."""
    key = "min_consecutive_shifts" if rule == "min_consecutive_days" else rule
    inst = replace(tiny(**{key: shortest}), horizon=7)
    p = compile_problem(inst)
    m = build_nrp_model(p, rules=(rule,))
    admitted = set()
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.enumerate_all_solutions = True
    m.model.clear_objective()  # type: ignore[no-untyped-call]

    class Collect(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            admitted.add(tuple(self.boolean_value(m.works[0, d]) for d in range(7)))

    for (_, _d, t), var in m.x.items():  # E only, so one pattern is one solution
        if t == 1:
            m.model.add(var == 0)
    solver.solve(m.model, Collect())
    accepted = {
        pattern
        for pattern in itertools.product([False, True], repeat=7)
        if not evaluate(
            inst, tuple(("A", d, "E") for d in range(7) if pattern[d]), only={rule}
        ).violations
    }
    assert admitted == accepted


def test_every_rule_has_a_check_and_a_test() -> None:
    assert set(NRP_RULES) == set(evaluator.HARD_RULES)
    assert set(LIMIT_RULES) <= set(NRP_RULES)
    here = inspect.getsource(sys.modules[__name__])
    for rule_id in NRP_RULES:
        assert f"def test_{rule_id}" in here, f"no test for {rule_id}"
        assert evaluator.HARD_RULES[rule_id].__name__ == f"check_{rule_id}"


# --------------------------------------------------------------------------- solving


def test_tiny_instance_solves_to_its_optimum_and_the_evaluator_agrees() -> None:
    inst = read_instance(TINY)
    result = solve_instance(inst, time_limit=5, workers=1, seed=1, deterministic=True)
    scored = evaluate(inst, result.rows)
    assert scored.feasible
    assert scored.objective == result.objective == 0
    assert result.solution.status == "OPTIMAL"


def test_solve_seconds_count_the_whole_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    """`callshift nrp` prints "solver … in N s": N is the whole solve, not only CP-SAT's
    last step (a row search that takes half a second, then CP-SAT on the tiny instance)."""
    inst = read_instance(TINY)

    def slow_rows(*args: Any, **kw: Any) -> tuple[Key, ...]:
        time.sleep(0.5)
        return improve_rows(*args, **kw)

    def unmoved(m: RosterModel, keys: tuple[Key, ...], **_: Any) -> LnsResult:
        return LnsResult(keys, None, 0, False)

    monkeypatch.setattr(compile_module, "improve_rows", slow_rows)
    monkeypatch.setattr(compile_module, "improve_by_neighbourhoods", unmoved)
    result = solve_instance(inst, time_limit=5, workers=1, deterministic=True, columns=False)
    assert result.solution.status == "OPTIMAL"
    assert result.solution.solve_seconds >= 0.5


def test_greedy_roster_is_the_answer_when_the_solver_ends_without_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On the largest instances CP-SAT can run out of time before it takes up the hint;
    the first roster (the greedy's, improved by the row search) is then the answer, scored
    by the evaluator (status HINT)."""
    inst = read_instance(TINY)

    def no_roster(m: object, settings: object, **_: object) -> Solution:
        return Solution(compile_problem(inst), (), "UNKNOWN", None, None, 1.0)

    monkeypatch.setattr(compile_module, "solve_model", no_roster)
    monkeypatch.setattr(compile_module, "LNS_UNTIL", 0.0)  # it would prove the optimum
    result = solve_instance(inst, time_limit=1, workers=1, columns=False)
    assert result.solution.status == "HINT"
    scored = evaluate(inst, result.rows)
    assert scored.feasible and result.objective == scored.objective
    assert scored.objective <= evaluate(inst, greedy_rows(inst)).objective
    assert result.best_bound is None
    with pytest.raises(InfeasibleError, match="no roster found in 1 s"):
        solve_instance(inst, time_limit=1, workers=1, hint=False)


def test_cp_sat_is_not_started_when_it_could_not_read_the_model_in_the_time_left(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On Instance24 CP-SAT took 28 s to read the model before a limit of 0.1 s applied.
    With less time left than reading would take, the first roster is the answer (HINT)
    and CP-SAT is never started."""
    inst = read_instance(TINY)

    def never(*_: object, **__: object) -> Solution:
        raise AssertionError("CP-SAT was started")

    monkeypatch.setattr(compile_module, "solve_model", never)
    monkeypatch.setattr(compile_module, "LNS_UNTIL", 0.0)
    monkeypatch.setattr(compile_module, "CP_SAT_LOAD_SECONDS_PER_CONSTRAINT", 1.0)
    result = solve_instance(inst, time_limit=5, workers=1, columns=False)
    assert result.solution.status == "HINT"
    scored = evaluate(inst, result.rows)
    assert scored.feasible and result.objective == scored.objective
    assert scored.objective <= evaluate(inst, greedy_rows(inst)).objective


def test_cp_sat_gets_the_time_left_less_reading_the_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Instance23 at 90 s: CP-SAT started with 17 s left ran 23 s, reading the model
    first. With 10 s left and reading costed at 4 s, its limit is 6 s."""
    inst = read_instance(TINY)
    monkeypatch.setattr(compile_module, "time", type("Clock", (), {"monotonic": lambda: 0.0}))
    monkeypatch.setattr(compile_module, "improve_rows", lambda _, keys, **__: keys)
    monkeypatch.setattr(compile_module, "LNS_UNTIL", 0.0)
    constraints = len(build_nrp_model(compile_problem(inst)).model.proto.constraints)
    monkeypatch.setattr(compile_module, "CP_SAT_LOAD_SECONDS_PER_CONSTRAINT", 4.0 / constraints)
    given: list[float] = []
    solve = solve_model

    def recording(*args: object, time_limit: float, **kwargs: object) -> Solution:
        given.append(time_limit)
        return solve(*args, time_limit=time_limit, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(compile_module, "solve_model", recording)
    result = solve_instance(inst, time_limit=10, workers=1, columns=False)
    assert given == [pytest.approx(6.0)]
    assert evaluate(inst, result.rows).feasible


def test_row_search_has_only_the_time_building_the_model_left(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Building Instance24's model takes most of a 90 s limit; the row search then gets
    what is left, not its share of the whole limit (it had 27 s, and the run took 166 s)."""
    inst = read_instance(TINY)
    clock = [1000.0]
    monkeypatch.setattr(compile_module, "time", type("Clock", (), {"monotonic": lambda: clock[0]}))
    built = compile_module.build_nrp_model

    def slow_build(problem: RosterProblem) -> RosterModel:
        clock[0] += 50.0  # as if building took 50 of the 60 s
        return built(problem)

    given: list[float] = []

    def row_search(problem: RosterProblem, keys: tuple[Key, ...], **kw: float) -> tuple[Key, ...]:
        given.append(kw["time_limit"])
        return keys

    monkeypatch.setattr(compile_module, "build_nrp_model", slow_build)
    monkeypatch.setattr(compile_module, "improve_rows", row_search)
    monkeypatch.setattr(compile_module, "LNS_UNTIL", 0.0)
    result = solve_instance(inst, time_limit=60, workers=1, columns=False)
    assert given == [pytest.approx(10.0)]  # not LONG_ROW_SEARCH_SHARE × 60 = 18
    assert 60 * compile_module.LONG_ROW_SEARCH_SHARE > 10.0
    assert evaluate(inst, result.rows).feasible


def test_column_generation_on_a_large_model_waits_for_a_limit_that_pays_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A model over ``COLUMN_MOST_CELLS`` skips column generation at a short limit and gets
    it at a long one (Instance13 at 600 s: 2771 with it, 3406 without); one under it gets
    it at any limit."""
    inst = read_instance(TINY)
    cells = len(build_nrp_model(compile_problem(inst)).x)
    limits: list[float] = []

    def spy(*args: Any, **kw: Any) -> ColumnResult:
        limits.append(kw["time_limit"])
        return price_and_dive(*args, **kw)

    monkeypatch.setattr(compile_module, "price_and_dive", spy)
    monkeypatch.setattr(compile_module, "COLUMN_CELLS_PER_SECOND", cells / 2)  # 2 s pay

    def solved_with_columns(limit: float) -> bool:
        limits.clear()
        result = solve_instance(inst, time_limit=limit, workers=1, deterministic=True)
        assert evaluate(inst, result.rows).feasible
        return bool(limits)

    assert solved_with_columns(1.0)  # small enough for any limit
    monkeypatch.setattr(compile_module, "COLUMN_MOST_CELLS", cells - 1)
    assert not solved_with_columns(1.0)
    assert solved_with_columns(2.0)


def test_cli_writes_the_solution_and_prints_the_objective(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["nrp", str(TINY), "--out", str(out), "--time-limit", "5", "--workers", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "nrp_tiny: objective 0" in result.output
    inst = read_instance(TINY)
    rows = read_solution(out / "solution.csv", inst)
    assert (out / "solution.csv").read_text().startswith("employee,day,shift\n")
    assert evaluate(inst, rows).objective == 0 and evaluate(inst, rows).feasible


def test_cli_evaluate_scores_a_solution(tmp_path: Path) -> None:
    solution = DATA / "nrp_tiny_solution.csv"
    result = runner.invoke(app, ["nrp", str(TINY), "--evaluate", str(solution)])
    assert result.exit_code == 0
    assert "objective 105" in result.output
    broken = tmp_path / "broken.csv"
    broken.write_text(solution.read_text() + "A,3,E\n")
    result = runner.invoke(app, ["nrp", str(TINY), "--evaluate", str(broken)])
    assert result.exit_code == 1
    assert "leave: A day 3: works on a day off" in result.output


def test_cli_bad_solution_exits_2_naming_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("employee,day,shift\nA,0,E\nA,9,E\n")
    result = runner.invoke(app, ["nrp", str(TINY), "--evaluate", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {bad}:3:2: day must be 0 to 6, not '9'")


# --------------------------------------------------------------------------- greedy hint


def greedy_rows(inst: Instance) -> tuple[tuple[str, int, str], ...]:
    problem = compile_problem(inst)
    return solution_rows(problem, cover_roster(problem))


def test_greedy_roster_of_the_tiny_instance_breaks_no_rule() -> None:
    inst = read_instance(TINY)
    scored = evaluate(inst, greedy_rows(inst))
    assert scored.feasible, scored.violations
    assert scored.under == 0  # every cover target is met


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
@pytest.mark.parametrize("number", range(1, 20))
def test_greedy_roster_of_instances_1_to_19_breaks_no_rule(number: int) -> None:
    """The hint is a whole first solution only if it keeps every hard rule: the minimum
    minutes and runs are what a day-by-day greedy gets wrong (the row programme mends)."""
    inst = read_instance(CURTOIS / f"Instance{number}.txt")
    scored = evaluate(inst, greedy_rows(inst))
    assert scored.feasible, scored.violations[:3]


def test_best_row_meets_tight_minutes_between_runs() -> None:
    """A row the day-by-day greedy does not make (no cover asks for work): exactly 4800
    minutes in 14 days, runs of 2 to 3 days, days off at least in pairs; the row
    programme (`_best_row`) finds one."""
    inst = tiny(
        min_total_minutes=4800,
        max_total_minutes=4800,
        max_consecutive_shifts=3,
        min_consecutive_shifts=2,
        min_consecutive_days_off=2,
    )
    inst = replace(inst, cover=())
    scored = evaluate(inst, greedy_rows(inst))
    assert scored.feasible, scored.violations


# --------------------------------------------------------------------------- row search


def keys_of(inst: Instance, rows: tuple[tuple[str, int, str], ...]) -> tuple[Key, ...]:
    employees = [s.employee for s in inst.staff]
    codes = [s.code for s in inst.shifts]
    return tuple((employees.index(e), d, codes.index(c)) for e, d, c in rows)


def test_row_search_mends_a_legal_roster_without_breaking_a_rule() -> None:
    inst = read_instance(TINY)
    problem = compile_problem(inst)
    start = read_solution(DATA / "nrp_tiny_solution.csv", inst)
    before = evaluate(inst, start)
    assert before.feasible and before.objective == 105
    improved = solution_rows(problem, improve_rows(problem, keys_of(inst, start), steps=10))
    after = evaluate(inst, improved)
    assert after.feasible, after.violations
    assert after.objective < before.objective


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
@pytest.mark.parametrize("number", range(1, 13))
def test_row_search_on_instances_1_to_12_keeps_every_rule_and_costs_less(number: int) -> None:
    inst = read_instance(CURTOIS / f"Instance{number}.txt")
    problem = compile_problem(inst)
    greedy = cover_roster(problem)
    improved = improve_rows(problem, greedy, steps=3)
    before = evaluate(inst, solution_rows(problem, greedy))
    after = evaluate(inst, solution_rows(problem, improved))
    assert after.feasible, after.violations[:3]
    assert after.objective < before.objective


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_row_search_by_steps_gives_the_same_roster_every_time() -> None:
    problem = compile_problem(read_instance(CURTOIS / "Instance5.txt"))
    greedy = cover_roster(problem)
    first = improve_rows(problem, greedy, steps=5, seed=3)
    assert improve_rows(problem, greedy, steps=5, seed=3) == first
    assert improve_rows(problem, greedy, steps=5, seed=4) != first


# --------------------------------------------------------------------------- column generation


def one_agent(inst: Instance, employee: str) -> Instance:
    """The instance with one employee, no cover and no requests: their hard rules alone."""
    staff = tuple(s for s in inst.staff if s.employee == employee)
    days_off = {e: d for e, d in inst.days_off.items() if e == employee}
    return replace(inst, staff=staff, days_off=days_off, cover=(), on_requests=(), off_requests=())


def test_exact_pricing_finds_the_best_legal_row_the_evaluator_allows() -> None:
    """Every row of every employee of the tiny instance (3^7 each) against random prices:
    the one-agent CP-SAT model built from the shared rules finds the best row the
    independent evaluator calls legal, and its bound is not below it; the rows it found
    before the best are legal too, each worth less."""
    inst = read_instance(TINY)
    problem = compile_problem(inst)
    codes = [s.code for s in inst.shifts]
    rng = random.Random(7)
    also = 0
    for a, staff in enumerate(inst.staff):
        alone = one_agent(inst, staff.employee)
        legal = [
            row
            for row in itertools.product([None, *codes], repeat=inst.horizon)
            if evaluate(
                alone, tuple((staff.employee, d, c) for d, c in enumerate(row) if c)
            ).feasible
        ]
        assert 1 < len(legal) < 3**inst.horizon  # the rules bite, and some rows pass
        pricer = _ExactPricer(problem, a, build_nrp_model, seed=1)
        for _ in range(5):
            value = [[rng.uniform(-5, 5) for _ in codes] for _ in range(inst.horizon)]
            worth = {
                row: sum(value[d][codes.index(c)] for d, c in enumerate(row) if c) for row in legal
            }
            best = max(worth.values())
            rows, most = pricer.price(value, 5.0, deterministic=True)
            assert rows
            found = rows[0]
            row = tuple(codes[found[d]] if d in found else None for d in range(inst.horizon))
            assert row in legal
            assert worth[row] == pytest.approx(best, abs=0.01)
            assert most >= best - 1e-9
            on_the_way = [
                tuple(codes[other[d]] if d in other else None for d in range(inst.horizon))
                for other in rows[1:]
            ]
            assert all(other in legal and worth[other] < worth[row] for other in on_the_way)
            assert len(set(on_the_way)) == len(on_the_way)
            also += len(on_the_way)
    assert also  # the rows found on the way are there to be offered to the master


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_column_generation_bound_holds_and_the_dive_keeps_every_rule(number: int) -> None:
    """The lower bound the column generation proves is at or below the proven optimum (and
    not far: the master is a strong relaxation), and the dive's roster keeps every hard
    rule and costs no more than the roster it started from."""
    inst = read_instance(CURTOIS / f"Instance{number}.txt")
    with (CURTOIS / "best_known.csv").open() as handle:
        best = {r["instance"]: int(r["best_known_solution"]) for r in csv.DictReader(handle)}
    optimum = best[f"Instance{number}"]
    problem = compile_problem(inst)
    start = improve_rows(problem, cover_roster(problem), steps=3)
    result = price_and_dive(problem, start, build_nrp_model, rounds=40, seed=0)
    scored = evaluate(inst, solution_rows(problem, result.keys))
    assert scored.feasible, scored.violations[:3]
    assert scored.objective <= evaluate(inst, solution_rows(problem, start)).objective
    assert result.bound is not None
    bound = result.bound + scored.objective - result.cost  # the cost less a constant
    assert 0.9 * optimum <= bound <= optimum


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_a_dives_roster_has_every_row_at_its_best_against_the_others() -> None:
    """The last agents a dive fixes take the columns that are left, far from what the
    others' cover needs (Instance8: a dive of 1956 was 1748 after the descent). The dive's
    roster is polished by the row search's descent, so no agent's row can be rostered
    anew against the others' cover for more worth."""
    inst = read_instance(CURTOIS / "Instance8.txt")
    problem = compile_problem(inst)
    start = improve_rows(problem, cover_roster(problem), steps=3)
    result = price_and_dive(problem, start, build_nrp_model, rounds=8, seed=0)
    cost = evaluate(inst, solution_rows(problem, result.keys)).objective
    assert cost < evaluate(inst, solution_rows(problem, start)).objective  # a dive's roster
    assert improve_rows(problem, result.keys, steps=0) == result.keys


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_column_generation_by_rounds_gives_the_same_roster_every_time() -> None:
    problem = compile_problem(read_instance(CURTOIS / "Instance5.txt"))
    start = improve_rows(problem, cover_roster(problem), steps=3)
    first = price_and_dive(problem, start, build_nrp_model, rounds=8, seed=0)
    assert price_and_dive(problem, start, build_nrp_model, rounds=8, seed=0) == first


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_a_roster_at_the_proved_bound_is_optimal_without_cp_sat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Instance2: column generation proves 828 and the dive reaches it, so CP-SAT is not
    run (it would fail here) and the roster is reported optimal."""
    inst = read_instance(CURTOIS / "Instance2.txt")

    def not_called(*_: object, **__: object) -> Solution:
        raise AssertionError("CP-SAT ran though the bound was reached")

    monkeypatch.setattr(compile_module, "solve_model", not_called)
    result = solve_instance(inst, time_limit=20, workers=1, deterministic=True)
    assert result.solution.status == "OPTIMAL"
    assert result.objective == result.best_bound == 828
    assert evaluate(inst, result.rows).objective == 828


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_the_masters_mix_is_what_its_value_pays_for() -> None:
    """Instance5's master before the dive: each agent-day's cells weigh at most one in all,
    and the cover cost of the mix's cover, less the requests it grants, is the master's
    value (a mix that lost or doubled a column's weight would not add up)."""
    problem = compile_problem(read_instance(CURTOIS / "Instance5.txt"))
    start = improve_rows(problem, cover_roster(problem), steps=3)
    result = price_and_dive(problem, start, build_nrp_model, rounds=8, seed=0)
    day_weight: dict[tuple[int, int], float] = {}
    cover: dict[tuple[int, int], float] = {}
    for (a, d, t), weight in result.mix.items():
        day_weight[a, d] = day_weight.get((a, d), 0.0) + weight
        cover[d, t] = cover.get((d, t), 0.0) + weight
    assert max(day_weight.values()) <= 1 + 1e-6
    assert any(1e-6 < w < 1 - 1e-6 for w in result.mix.values())  # the mix is not a roster
    wants = _cover_context(problem)[2]
    value = sum(
        target.under_weight * max(0.0, target.required - cover.get(key, 0.0))
        + target.over_weight * max(0.0, cover.get(key, 0.0) - target.required)
        for key, target in problem.shift_cover.items()
    ) - sum(wants.get(key, 0) * weight for key, weight in result.mix.items())
    assert value == pytest.approx(result.lp_value, abs=1e-4)


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_smoothed_prices_end_at_the_masters_optimum_and_bound_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pricing at prices drawn toward the best bound's (`SMOOTHING`) can find no column the
    master wants while the master is not at its optimum (a mispricing); the round is then
    priced again at the master's own prices. Priced to the end either way, Instance3's
    master ends at the same value, and the bound proved meets it."""
    problem = compile_problem(read_instance(CURTOIS / "Instance3.txt"))
    start = improve_rows(problem, cover_roster(problem), steps=3)
    ends = []
    for smoothing in (0.0, 0.9):
        monkeypatch.setattr(columns_module, "SMOOTHING", smoothing)
        result = price_and_dive(problem, start, build_nrp_model, rounds=400, seed=0)
        assert result.rounds < 400  # pricing ran out of columns, not of rounds
        # met, but for what exact pricing allows each agent for rounding its prices
        rounding = len(problem.agents) * problem.days * 0.5 / columns_module.PRICE_SCALE
        assert result.bound is not None
        assert result.lp_value - rounding - 1e-6 <= result.bound <= result.lp_value + 1e-6
        ends.append(result.lp_value)
    assert ends[0] == pytest.approx(ends[1], abs=1e-3)


def test_prices_are_drawn_less_toward_the_centre_where_the_bound_rises_away_from_it() -> None:
    """The best rows at the prices priced leave a target short (the bound's slope is
    positive there): where the master's price is the higher, the bound rises toward the
    master's prices, so the next round draws less toward the centre; where it is the
    lower, more. Never below nothing, never all the way."""
    short = {(0, 0): 2, (1, 0): -1}
    priced = {(0, 0): 5.0, (1, 0): 5.0}
    step = columns_module.SMOOTHING_STEP
    toward_master = {(0, 0): 10.0, (1, 0): 6.0}  # slope 2 * 5 - 1 * 1 > 0
    away = {(0, 0): 1.0, (1, 0): 5.0}  # slope 2 * -4 < 0
    assert columns_module.next_share(0.5, short, toward_master, priced) == pytest.approx(0.5 - step)
    assert columns_module.next_share(step / 2, short, toward_master, priced) == 0.0
    assert columns_module.next_share(0.5, short, away, priced) == pytest.approx(0.5 + step * 0.5)
    assert columns_module.next_share(1 - step / 2, short, away, priced) == 1 - step


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_a_held_agent_day_bars_the_columns_that_break_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Instance5's columns after 8 rounds, in a master of their own. Held to the day of its
    heaviest column where another column of its mix differs, the agent's mix keeps that
    day, the master takes no new row that breaks it, and the value does not fall (a
    restriction). Let go, every column is back and the master's value with it."""
    problem = compile_problem(read_instance(CURTOIS / "Instance5.txt"))
    start = improve_rows(problem, cover_roster(problem), steps=3)
    masters: list[columns_module._Master] = []
    monkeypatch.setattr(columns_module, "DETERMINISTIC_DIVES", 0)
    monkeypatch.setattr(columns_module._Master, "_build", recording(masters))
    price_and_dive(problem, start, build_nrp_model, rounds=8, seed=0)
    master = columns_module._Master(problem, _cover_context(problem)[2])
    for a, columns in enumerate(masters[0].columns):
        for row, _ in columns:
            master.add(a, row)
    value, _, _ = master.solve()
    held = None
    for a, columns in enumerate(master.columns):
        _, k = master.chosen(a)
        heaviest = columns[k][0]
        mixed = [row for row, var in columns if var.solution_value() > 1e-9]
        for d in range(problem.days):
            if any(row.get(d) != heaviest.get(d) for row in mixed):
                held = a, d, heaviest.get(d)
                break
        if held:
            break
    assert held is not None  # the mix is not a roster
    a, d, t = held
    master.force(a, d, t)
    held_value, _, _ = master.solve()
    assert held_value >= value - 1e-6
    assert all(row.get(d) == t for row, var in master.columns[a] if var.solution_value() > 1e-9)
    breaking = next(row for row, _ in master.columns[a] if row.get(d) != t)
    other = breaking | {(d + 1) % problem.days: 99}  # a row the master does not have
    assert not master.add(a, other)
    kept = {e: u for e, u in other.items() if e != d} | ({} if t is None else {d: t})
    before = len(master.columns[a])
    assert master.add(a, kept) and len(master.columns[a]) == before + 1
    master.unfix()
    assert all(var.ub() == master.lp.infinity() for _, var in master.columns[a])
    assert master.solve()[0] == pytest.approx(value, abs=1e-6)


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_a_dive_holds_agent_days_and_pricing_keeps_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Instance5, the dives of a deterministic run, the first with its exact rounds: the
    first holds agent-days, every row pricing offers while days are held keeps them (fast
    pricing by leave and a bonus, CP-SAT by assumptions), and each dive ends with every
    agent on one column that keeps every day held for them."""
    inst = read_instance(CURTOIS / "Instance5.txt")
    problem = compile_problem(inst)
    start = improve_rows(problem, cover_roster(problem), steps=3)
    monkeypatch.setattr(columns_module, "DIVE_EXACT_GAP", math.inf)
    add, unfix = columns_module._Master.add, columns_module._Master.unfix
    offered: list[bool] = []  # whether each row offered while days are held keeps them
    ends: list[tuple[int, int, bool]] = []  # agents on one column, days held, all kept

    def adding(self: columns_module._Master, a: int, row: dict[int, int]) -> bool:
        if self.forced[a]:
            offered.append(self.agrees(a, row))
        return add(self, a, row)

    def letting_go(self: columns_module._Master) -> None:
        if self._fixed:  # a dive's end (not the unfix before a dive)
            kept = all(self.agrees(a, self.columns[a][k][0]) for a, k in self._fixed)
            ends.append((len({a for a, _ in self._fixed}), sum(map(len, self.forced)), kept))
        unfix(self)

    monkeypatch.setattr(columns_module._Master, "add", adding)
    monkeypatch.setattr(columns_module._Master, "unfix", letting_go)
    result = price_and_dive(problem, start, build_nrp_model, rounds=24, seed=0)
    assert result.dives == len(ends) >= 1
    assert offered and all(offered)
    for agents, _, kept in ends:
        assert agents == len(problem.agents) and kept
    assert ends[0][1] > 0  # the first dive holds days (the second fixes whole columns)
    assert evaluate(inst, solution_rows(problem, result.keys)).feasible


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_a_dive_by_agent_days_reaches_instance1s_optimum() -> None:
    """Instance1 after 40 pricing rounds in deterministic time: the dive's roster is the
    optimum (a dive fixing whole columns ended at 609: the last agents took what was
    left)."""
    inst = read_instance(CURTOIS / "Instance1.txt")
    problem = compile_problem(inst)
    start = improve_rows(problem, cover_roster(problem), steps=3)
    result = price_and_dive(problem, start, build_nrp_model, rounds=40, seed=0)
    with (CURTOIS / "best_known.csv").open() as handle:
        best = {r["instance"]: int(r["best_known_solution"]) for r in csv.DictReader(handle)}
    assert evaluate(inst, solution_rows(problem, result.keys)).objective == best["Instance1"]


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_the_other_kind_of_dives_cheapest_roster_is_handed_on_beside_the_cheapest() -> None:
    """Instance1 after 10 pricing rounds: both deterministic dives run (by days, then by
    whole columns) and neither proves its roster optimal. The result hands on the cheaper
    one's roster as ``keys`` and the other's in ``others``: one roster, legal, no cheaper,
    and not the same roster."""
    inst = read_instance(CURTOIS / "Instance1.txt")
    problem = compile_problem(inst)
    start = improve_rows(problem, cover_roster(problem), steps=3)
    result = price_and_dive(problem, start, build_nrp_model, rounds=10, seed=0)
    assert result.dives == 2
    assert len(result.others) == 1
    other = evaluate(inst, solution_rows(problem, result.others[0]))
    assert other.feasible, other.violations
    assert other.objective >= evaluate(inst, solution_rows(problem, result.keys)).objective
    assert set(result.others[0]) != set(result.keys)


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_a_master_that_fails_in_a_dive_is_solved_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """GLOP has failed on a dive's master (Instance19, 284 s into a run; Instance15 in the
    first dive): neither the dive's columns nor its fixings are lost with it. The master
    is built again from its columns with the agents fixed so far still fixed, and the dive
    goes on from that step: each dive fixes each agent once, and the roster is a dive's,
    not the one column generation started from."""
    inst = read_instance(CURTOIS / "Instance5.txt")
    problem = compile_problem(inst)
    start = improve_rows(problem, cover_roster(problem), steps=3)
    solve, fix = columns_module._Master.solve, columns_module._Master.fix
    failed: list[int] = []  # how many agents were fixed when it failed
    kept: list[bool] = []
    fixings = [0]

    def fails_once_fixed(self: columns_module._Master) -> Any:
        if len(self._fixed) > 2 and not failed:
            failed.append(len(self._fixed))
            raise columns_module.MasterFailed("ABNORMAL")
        if failed and not kept:  # the first solve after the failure
            kept.append(all(self.columns[a][k][1].lb() == 1.0 for a, k in self._fixed))
            assert len(self._fixed) == failed[0]
        return solve(self)

    def fixing(self: columns_module._Master, a: int, k: int) -> None:
        fixings[0] += 1
        fix(self, a, k)

    monkeypatch.setattr(columns_module._Master, "solve", fails_once_fixed)
    monkeypatch.setattr(columns_module._Master, "fix", fixing)
    result = price_and_dive(problem, start, build_nrp_model, rounds=8, seed=0)
    assert failed and kept == [True]
    assert result.dives == columns_module.DETERMINISTIC_DIVES
    assert fixings[0] == result.dives * len(problem.agents)
    cost = evaluate(inst, solution_rows(problem, result.keys)).objective
    assert cost < evaluate(inst, solution_rows(problem, start)).objective


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_exact_pricing_in_two_threads_finds_what_one_finds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Instance5, pricing rounds then dives in deterministic time, the dive's exact rounds
    on: priced two agents at once (both threads busy), the columns, the bound, the master
    and the roster are those of one thread."""
    inst = read_instance(CURTOIS / "Instance5.txt")
    problem = compile_problem(inst)
    start = improve_rows(problem, cover_roster(problem), steps=3)
    monkeypatch.setattr(columns_module, "DETERMINISTIC_DIVES", 1)
    monkeypatch.setattr(columns_module, "DIVE_EXACT_GAP", math.inf)
    seen: set[int] = set()
    price = columns_module._ExactPricer.price

    def priced(self: _ExactPricer, *args: Any) -> Any:
        seen.add(threading.get_ident())
        return price(self, *args)

    monkeypatch.setattr(columns_module._ExactPricer, "price", priced)
    found = []
    for threads in (1, 2):
        seen.clear()
        result = price_and_dive(problem, start, build_nrp_model, rounds=24, seed=0, threads=threads)
        assert len(seen) == threads
        found.append(result)
    one, two = found
    assert one.bound is not None  # exact pricing ran
    assert (two.keys, two.cost, two.bound) == (one.keys, one.cost, one.bound)
    assert (two.columns, two.lp_value, two.mix) == (one.columns, one.lp_value, one.mix)


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_a_dive_prices_only_its_free_agents_exactly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Instance5, one dive: once fast pricing stalls at a step, CP-SAT prices the agents
    still free (never one already fixed), and every agent is fixed once. Only where the
    master ends pricing within `DIVE_EXACT_GAP` of the given roster's cost above the
    bound: at half the gap this run's master ends at, the dive prices by fast pricing
    alone."""
    inst = read_instance(CURTOIS / "Instance5.txt")
    problem = compile_problem(inst)
    start = improve_rows(problem, cover_roster(problem), steps=3)
    monkeypatch.setattr(columns_module, "DETERMINISTIC_DIVES", 1)
    monkeypatch.setattr(columns_module, "DIVE_EXACT_SECONDS", 0.0123)  # to tell its calls
    monkeypatch.setattr(columns_module, "DIVE_EXACT_GAP", math.inf)
    order: list[int] = []
    in_dive: list[int] = []
    fix, init, price = (
        columns_module._Master.fix,
        columns_module._ExactPricer.__init__,
        columns_module._ExactPricer.price,
    )

    def fixing(self: columns_module._Master, a: int, k: int) -> None:
        order.append(a)
        fix(self, a, k)

    def made(self: _ExactPricer, p: RosterProblem, a: int, *args: Any) -> None:
        self.agent = a  # type: ignore[attr-defined]
        init(self, p, a, *args)

    def priced(self: _ExactPricer, value: Any, limit: float, *args: Any) -> Any:
        if limit == 0.0123:
            assert self.agent not in order  # type: ignore[attr-defined]
            in_dive.append(self.agent)  # type: ignore[attr-defined]
        return price(self, value, limit, *args)

    monkeypatch.setattr(columns_module._Master, "fix", fixing)
    monkeypatch.setattr(columns_module._ExactPricer, "__init__", made)
    monkeypatch.setattr(columns_module._ExactPricer, "price", priced)
    # 24 rounds: exact pricing has run (a bound)
    result = price_and_dive(problem, start, build_nrp_model, rounds=24, seed=0)
    assert result.dives == 1 and in_dive
    cost = evaluate(inst, solution_rows(problem, result.keys)).objective
    assert cost < evaluate(inst, solution_rows(problem, start)).objective  # the dive's roster
    assert len(set(order)) == len(order) == len(problem.agents)

    assert result.bound is not None
    given = columns_module._Master(problem, _cover_context(problem)[2]).roster_cost(
        columns_module._rows(len(problem.agents), start)
    )
    gap = (result.lp_value - result.bound) / given
    assert gap > 0
    monkeypatch.setattr(columns_module, "DIVE_EXACT_GAP", gap / 2)
    order.clear()
    in_dive.clear()
    far = price_and_dive(problem, start, build_nrp_model, rounds=24, seed=0)
    assert far.dives == 1 and len(order) == len(problem.agents) and not in_dive


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_purging_the_master_keeps_its_optimum_and_the_columns_it_needs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Instance5's columns after 8 rounds (no dive: its columns can make the mix whole), in
    a master of their own: purged down to one column an agent, the master keeps every
    column of its mix (else its value would rise), its value is the same, and a dropped
    column can be added back (the new duals may price it out: the programme is
    degenerate)."""
    problem = compile_problem(read_instance(CURTOIS / "Instance5.txt"))
    start = improve_rows(problem, cover_roster(problem), steps=3)
    masters: list[columns_module._Master] = []
    monkeypatch.setattr(columns_module, "PURGE_AT", 10**6)
    monkeypatch.setattr(columns_module, "DETERMINISTIC_DIVES", 0)
    monkeypatch.setattr(columns_module._Master, "_build", recording(masters))
    price_and_dive(problem, start, build_nrp_model, rounds=8, seed=0)
    rows = [[row for row, _ in columns] for columns in masters[0].columns]
    master = columns_module._Master(problem, _cover_context(problem)[2])
    for a, agent_rows in enumerate(rows):
        for row in agent_rows:
            master.add(a, row)
    value, _, _ = master.solve()
    mixed = [sum(var.solution_value() > 1e-9 for _, var in c) for c in master.columns]
    assert max(mixed) > 1  # some agent's mix has more than one column
    monkeypatch.setattr(columns_module, "PURGE_AT", 1)
    monkeypatch.setattr(columns_module, "PURGE_KEEP", 1)
    master.purge()
    purged_value, _, _ = master.solve()
    assert purged_value == pytest.approx(value, abs=1e-6)
    assert [len(c) for c in master.columns] == [max(1, n) for n in mixed]
    dropped = next(row for row in rows[0] if all(row != kept for kept, _ in master.columns[0]))
    assert master.add(0, dropped) and not master.add(0, dropped)


def recording(masters: list[columns_module._Master]) -> Callable[..., None]:
    """`_Master._build` that also keeps each master it builds in ``masters``."""
    build = columns_module._Master._build

    def _build(self: columns_module._Master) -> None:
        build(self)
        if self not in masters:
            masters.append(self)

    return _build


def slow_masters(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[RosterProblem, tuple[Key, ...], list[float]]:
    """Instance5 and a roster to price from, on a fake clock of `price_and_dive`'s where
    each master solve takes a second and every dive prices alike (no exact rounds): the
    problem, the roster and the clock (its one item, the seconds)."""
    problem = compile_problem(read_instance(CURTOIS / "Instance5.txt"))
    start = improve_rows(problem, cover_roster(problem), steps=3)
    clock = [0.0]
    monkeypatch.setattr(columns_module, "time", type("Clock", (), {"monotonic": lambda: clock[0]}))
    monkeypatch.setattr(columns_module, "DIVE_EXACT_ROUNDS", 0)
    solve = columns_module._Master.solve

    def slow(
        self: columns_module._Master,
    ) -> tuple[float, dict[tuple[int, int], float], list[float]]:
        clock[0] += 1.0
        return solve(self)

    monkeypatch.setattr(columns_module._Master, "solve", slow)
    return problem, start, clock


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_no_dive_starts_with_less_time_left_than_the_last_dive_took(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A dive squeezed into the end of the time fixes many agents at a step and is wasted
    (Instance12 at 36 s: the second dive, in 6 s, ended at 11,479 against the first's
    4,486, and a third began with 2 s left). On a fake clock where each master solve
    takes a second, Instance5 dives until the time left is less than the last dive took,
    and no further."""
    problem, start, clock = slow_masters(monkeypatch)
    ends: list[float] = []  # each dive ends by unfixing the master
    monkeypatch.setattr(columns_module, "DIVE_PATIENCE", 10**6)
    unfix = columns_module._Master.unfix

    def unfixed(self: columns_module._Master) -> None:
        ends.append(clock[0])
        unfix(self)

    monkeypatch.setattr(columns_module._Master, "unfix", unfixed)
    limit = 400.0
    result = price_and_dive(problem, start, build_nrp_model, time_limit=limit, seed=0)
    assert result.dives == len(ends) >= 3
    took = [later - earlier for earlier, later in itertools.pairwise(ends)]
    for began, last in zip(ends[1:-1], took[:-1], strict=True):  # each dive after the second
        assert began + last <= limit
    assert ends[-1] + took[-1] > limit  # and it stopped for want of time


def test_dives_go_on_only_between_near_and_far_from_the_bound() -> None:
    """Past the patience, dives go on where the cheapest roster is above the bound by more
    than the first share of ``DIVE_NEAR`` and no more than the second; not without a
    bound, not within the first (the fixing's ground), not beyond the second."""
    near, far = columns_module.DIVE_NEAR
    cost = 1000.0
    assert not columns_module.dives_go_on(cost, None)
    assert not columns_module.dives_go_on(cost, cost)
    assert not columns_module.dives_go_on(cost, cost - near * cost)
    assert columns_module.dives_go_on(cost, cost - near * cost - 0.01)
    assert columns_module.dives_go_on(cost, cost - far * cost)
    assert not columns_module.dives_go_on(cost, cost - far * cost - 0.01)


def test_dive_patience_is_shorter_only_within_the_first_near_share() -> None:
    """Within the first share of ``DIVE_NEAR`` of the bound (the fixing's ground), the dives
    have ``DIVE_NEAR_PATIENCE``; further, or without a bound, ``DIVE_PATIENCE``."""
    near = columns_module.DIVE_NEAR[0]
    short, long = columns_module.DIVE_NEAR_PATIENCE, columns_module.DIVE_PATIENCE
    assert short < long
    cost = 1000.0
    assert columns_module.dive_patience(cost, None) == long
    assert columns_module.dive_patience(cost, cost) == short
    assert columns_module.dive_patience(cost, cost - near * cost) == short
    assert columns_module.dive_patience(cost, cost - near * cost - 0.01) == long


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
@pytest.mark.parametrize("near", [True, False])
def test_dives_near_the_bound_stop_after_the_near_patience(
    monkeypatch: pytest.MonkeyPatch, near: bool
) -> None:
    """On a fake clock where each master solve takes a second, with no patience but the
    near one, Instance5's dives stop once two in a row find nothing cheaper where every
    roster is near the bound (the first share of ``DIVE_NEAR`` all of its cost), and dive
    until the time ends where none is (the share nothing)."""
    problem, start, clock = slow_masters(monkeypatch)
    monkeypatch.setattr(columns_module, "DIVE_PATIENCE", 10**6)
    monkeypatch.setattr(columns_module, "DIVE_NEAR_PATIENCE", 2)
    monkeypatch.setattr(columns_module, "DIVE_NEAR", (1.0, 1.0) if near else (0.0, 0.0))
    dive_costs: list[float] = []  # every roster costed: the given one, then each dive's
    roster_cost = columns_module._Master.roster_cost

    def costed(self: columns_module._Master, rows: list[dict[int, int]]) -> float:
        value = roster_cost(self, rows)
        dive_costs.append(value)
        return value

    monkeypatch.setattr(columns_module._Master, "roster_cost", costed)
    limit = 2000.0
    result = price_and_dive(problem, start, build_nrp_model, time_limit=limit, seed=0)
    least, dives = dive_costs[0], dive_costs[1:]
    cheaper: list[bool] = []  # each dive: whether it found a cheaper roster
    for value in dives:
        cheaper.append(value < least)
        least = min(least, value)
    assert result.dives == len(dives)
    if near:
        assert cheaper[-2:] == [False, False] and clock[0] < 0.5 * limit
        assert all(any(pair) for pair in itertools.pairwise(cheaper[:-1]))  # not sooner
    else:
        assert result.dives > 10 and clock[0] > 0.9 * limit


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
@pytest.mark.parametrize("goes_on", [True, False])
def test_dives_near_the_bound_go_on_past_the_patience_for_half_the_time(
    monkeypatch: pytest.MonkeyPatch, goes_on: bool
) -> None:
    """On a fake clock where each master solve takes a second, Instance5's dives with a
    patience of 2 stop long before the time ends where `dives_go_on` says no, and go on
    until ``DIVE_NEAR_UNTIL`` of the time has passed where it says yes."""
    problem, start, clock = slow_masters(monkeypatch)
    monkeypatch.setattr(columns_module, "DIVE_PATIENCE", 2)
    monkeypatch.setattr(columns_module, "dives_go_on", lambda cost, bound: goes_on)
    limit = 2000.0
    result = price_and_dive(problem, start, build_nrp_model, time_limit=limit, seed=0)
    until = columns_module.DIVE_NEAR_UNTIL * limit
    if goes_on:
        assert result.dives > 10 and until <= clock[0] < until + 0.2 * limit
    else:
        assert 3 <= result.dives <= 10 and clock[0] < 0.5 * limit


@pytest.mark.parametrize("fails_at", [1, 2, 5, 12, 30])
def test_a_master_that_glop_cannot_solve_ends_the_columns_phase_with_a_legal_roster(
    monkeypatch: pytest.MonkeyPatch, fails_at: int
) -> None:
    """GLOP has ended ABNORMAL on a master programme (Instance5 and 8, rarely). From then
    on the column phase gives up, in pricing or mid-dive, and returns the cheapest legal
    roster it has: never an exception, never a roster dearer than the one it was given."""
    inst = read_instance(TINY)
    problem = compile_problem(inst)
    start = keys_of(inst, read_solution(DATA / "nrp_tiny_solution.csv", inst))
    calls = [0]
    solve = columns_module._Master.solve

    def failing(self: object) -> tuple[float, dict[tuple[int, int], float], list[float]]:
        calls[0] += 1
        if calls[0] >= fails_at:
            raise columns_module.MasterFailed("ABNORMAL")
        return solve(self)  # type: ignore[arg-type]

    monkeypatch.setattr(columns_module._Master, "solve", failing)
    result = price_and_dive(problem, start, build_nrp_model, rounds=8, seed=0)
    assert calls[0] >= fails_at  # it did fail
    scored = evaluate(inst, solution_rows(problem, result.keys))
    assert scored.feasible, scored.violations
    assert scored.objective <= 105


# --------------------------------------------------------------------------- neighbourhood search


def test_neighbourhood_search_mends_a_roster_to_the_optimum_and_proves_it() -> None:
    """From a legal roster costing 105, the search reaches the optimum 0; its windows grow
    while CP-SAT proves them, until one of every day is proved, which proves the roster."""
    inst = read_instance(TINY)
    problem = compile_problem(inst)
    start = keys_of(inst, read_solution(DATA / "nrp_tiny_solution.csv", inst))
    m = build_nrp_model(problem)
    result = improve_by_neighbourhoods(m, start, time_limit=0, steps=60, step_seconds=1.0)
    scored = evaluate(inst, solution_rows(problem, result.keys))
    assert scored.feasible, scored.violations
    assert scored.objective == result.objective == 0
    assert result.proved and result.steps < 60


def test_neighbourhood_search_starts_no_step_that_would_end_past_its_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On the largest models CP-SAT takes seconds to read the model whatever a step's own
    limit (Instance23: 10 s for 0.1 s), and the last step ended 5 s past the search's
    limit. With every solve taking 10 s on a fake clock and 25 s to go, the search takes
    the start's value (10 s) and one step, not a second one ending at 30 s."""
    inst = read_instance(TINY)
    problem = compile_problem(inst)
    start = keys_of(inst, read_solution(DATA / "nrp_tiny_solution.csv", inst))
    clock = [0.0]
    monkeypatch.setattr(lns_module, "time", type("Clock", (), {"monotonic": lambda: clock[0]}))
    real = cp_solver

    def slow(*args: object, **kwargs: object) -> cp_model.CpSolver:
        solver = real(*args, **kwargs)  # type: ignore[arg-type]
        solve = solver.solve

        def solve_slowly(
            model: cp_model.CpModel,
            solution_callback: cp_model.CpSolverSolutionCallback | None = None,
        ) -> cp_model.CpSolverStatus:
            clock[0] += 10.0
            return solve(model, solution_callback)

        solver.solve = solve_slowly  # type: ignore[method-assign]
        return solver

    monkeypatch.setattr(lns_module, "cp_solver", slow)
    result = improve_by_neighbourhoods(build_nrp_model(problem), start, time_limit=25)
    assert result.steps == 1
    assert clock[0] == 20.0


@pytest.mark.parametrize("share", [0.1, 0.25, 0.5])
def test_neighbourhoods_free_their_share_and_scattered_days_are_not_one_window(
    share: float,
) -> None:
    """Each kind frees about ``share`` of 40 agents x 28 days; ``days`` is a window for
    everyone, ``block`` a window for some, ``scattered`` days drawn from the whole horizon
    for everyone and ``scattered_block`` for some, so that work can move between days weeks
    apart: not a window every time."""
    rng = random.Random(7)
    windows = dict.fromkeys(("scattered", "scattered_block"), 0)
    for _ in range(50):
        for kind in KINDS:
            agents, days = neighbourhood(kind, share, 40, 28, rng)
            assert len(set(days)) == len(days) and all(0 <= d < 28 for d in days)
            assert len(set(agents)) == len(agents) and all(0 <= a < 40 for a in agents)
            assert abs(len(agents) * len(days) / (40 * 28) - share) < 0.05
            window = days == list(range(days[0], days[0] + len(days)))
            if kind in windows:
                windows[kind] += window
            else:
                assert window
            assert (len(agents) == 40) == (kind in ("days", "scattered"))
    assert set(KINDS) == {"days", "block", "scattered", "scattered_block"}
    assert all(count < 5 for count in windows.values())


def test_neighbourhood_search_leaves_the_model_as_it_found_it() -> None:
    inst = read_instance(TINY)
    problem = compile_problem(inst)
    start = keys_of(inst, read_solution(DATA / "nrp_tiny_solution.csv", inst))
    m = build_nrp_model(problem)
    m.model.add_hint(m.x[1, 0, 0], True)  # a hint of the caller's own is kept too
    before = str(m.model.proto)
    improve_by_neighbourhoods(m, start, time_limit=0, steps=3, step_seconds=1.0)
    assert str(m.model.proto) == before


def test_neighbourhood_search_returns_a_start_that_breaks_a_rule_unchanged() -> None:
    inst = read_instance(TINY)
    problem = compile_problem(inst)
    start = keys_of(inst, read_solution(DATA / "nrp_tiny_solution.csv", inst))
    broken = (*start, (0, 3, 0))  # A works on their day off
    result = improve_by_neighbourhoods(
        build_nrp_model(problem), broken, time_limit=0, steps=5, step_seconds=1.0
    )
    assert result.keys == broken and result.objective is None and result.steps == 0


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_neighbourhood_search_by_steps_improves_and_repeats_itself() -> None:
    """Instance5 from the greedy roster: fewer cost after 8 steps, every rule kept, and the
    same roster from the same seed."""
    inst = read_instance(CURTOIS / "Instance5.txt")
    problem = compile_problem(inst)
    greedy = cover_roster(problem)
    runs = [
        improve_by_neighbourhoods(
            build_nrp_model(problem), greedy, time_limit=0, steps=8, step_seconds=0.5, seed=2
        )
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    scored = evaluate(inst, solution_rows(problem, runs[0].keys))
    assert scored.feasible, scored.violations[:3]
    assert scored.objective == runs[0].objective
    assert scored.objective < evaluate(inst, solution_rows(problem, greedy)).objective


# --------------------------------------------------------------------------- near the master's mix


def tiny_start() -> tuple[Instance, RosterModel, tuple[Key, ...]]:
    """The tiny instance's model and its hand-made legal roster (cost 105)."""
    inst = read_instance(TINY)
    start = keys_of(inst, read_solution(DATA / "nrp_tiny_solution.csv", inst))
    return inst, build_nrp_model(compile_problem(inst)), start


ONE_WORKER = SolverSettings(time_limit_seconds=10, workers=1, seed=0)


def torn_mix(inst: Instance, employees: range) -> dict[Key, float]:
    """A mix torn between every shift and the day off for ``employees`` on every day: no
    value agrees with a roster by 0.5, so the search near the mix frees all their days."""
    templates = len(inst.shifts)
    return {
        (a, d, t): 1 / (templates + 1)
        for a in employees
        for d in range(inst.horizon)
        for t in range(templates)
    }


def test_near_mix_keeps_the_days_the_mix_agrees_on_and_solves_the_rest() -> None:
    """The mix agrees with employee A's whole row (shift days and days off) and is torn
    between every shift elsewhere: A's row comes back as it was, and the rest is the best
    any roster with that row can do, as CP-SAT finds it on the model with A's row fixed."""
    inst, m, start = tiny_start()
    templates = len(inst.shifts)
    mix = {key: 1.0 for key in start if key[0] == 0}
    mix.update(torn_mix(inst, range(1, len(inst.staff))))
    before = str(m.model.proto)
    found = improve_near_mix(m, start, mix, settings=ONE_WORKER, time_limit=10, deterministic=True)
    assert str(m.model.proto) == before  # the model as it was found
    assert found is not None
    assert sorted(k for k in found if k[0] == 0) == sorted(k for k in start if k[0] == 0)
    scored = evaluate(inst, solution_rows(m.problem, found))
    assert scored.feasible, scored.violations
    for d in range(inst.horizon):
        for t in range(templates):
            m.model.add(m.x[0, d, t] == int((0, d, t) in start))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(m.model) == cp_model.OPTIMAL
    assert scored.objective == round(solver.objective_value) < 105


def test_near_mix_that_agrees_everywhere_gives_the_roster_back() -> None:
    _, m, start = tiny_start()
    mix = dict.fromkeys(start, 1.0)  # and so the days off too: their weight is 1 - 0
    found = improve_near_mix(m, start, mix, settings=ONE_WORKER, time_limit=10, deterministic=True)
    assert found is not None and sorted(found) == sorted(start)


def test_near_mix_frees_more_days_once_it_has_proved_the_first_threshold() -> None:
    """The mix gives employee A's roster (its shifts and its days off) a weight of 0.6 and is
    torn everywhere else. At 0.5 alone A's row stays and the roster is the best with it; with
    a second threshold of 0.9 after the first is proved, A's row is freed too and the roster
    is the whole model's optimum, which is cheaper."""
    inst, m, start = tiny_start()
    templates = len(inst.shifts)
    worked = {(a, d): t for a, d, t in start}
    mix: dict[Key, float] = {}
    for d in range(inst.horizon):
        t = worked.get((0, d))
        mix[0, d, (0 if t is None else t + 1) % templates] = 0.4
        if t is not None:
            mix[0, d, t] = 0.6
    mix.update(torn_mix(inst, range(1, len(inst.staff))))

    def near(agree: tuple[float, ...]) -> tuple[tuple[Key, ...], float]:
        """The roster found with thresholds ``agree``, and what the evaluator says it costs."""
        found = improve_near_mix(
            m, start, mix, settings=ONE_WORKER, time_limit=10, deterministic=True, agree=agree
        )
        assert found is not None
        scored = evaluate(inst, solution_rows(m.problem, found))
        assert scored.feasible, scored.violations
        return found, scored.objective

    (once, once_cost), (_, twice_cost) = near((0.5,)), near((0.5, 0.9))
    assert sorted(k for k in once if k[0] == 0) == sorted(k for k in start if k[0] == 0)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(m.model) == cp_model.OPTIMAL
    assert twice_cost == round(solver.objective_value) < once_cost


def test_search_near_the_mix_keeps_its_best_roster(monkeypatch: pytest.MonkeyPatch) -> None:
    """A looser threshold whose CP-SAT ends before it takes up its hint can end worse than
    the roster the threshold before it proved (here, made up: the first threshold's roster
    proved at 10, the second's found at 20): the search keeps the better one."""
    _, m, start = tiny_start()
    worse = start[1:]
    key_of = {var.index: key for key, var in m.x.items()}
    results = iter([(cp_model.OPTIMAL, start, 10.0), (cp_model.FEASIBLE, worse, 20.0)])

    class Solved:
        """What `improve_near_mix` reads of a CP-SAT solve, for a roster given."""

        def __init__(self) -> None:
            self.status, self.roster, self.objective_value = next(results)
            self.response_proto = type("Response", (), {"deterministic_time": 0.0})

        def value(self, var: cp_model.IntVar) -> int:
            return int(key_of[var.index] in self.roster)

        def status_name(self, status: int) -> str:
            return str(status)

    monkeypatch.setattr(lns_module, "cp_solver", lambda *args, **kwargs: Solved())
    monkeypatch.setattr(lns_module, "_solve_near", lambda *args: args[-1].status)
    found = improve_near_mix(m, start, {}, settings=ONE_WORKER, time_limit=10, agree=(0.5, 0.7))
    assert found is not None and set(found) == set(start)


def test_shortfall_first_starts_the_search_near_the_mix_from_the_least_shortfall() -> None:
    """The mix agrees with the tiny roster everywhere (its cost 105: one agent short, 100),
    so the search near the mix alone gives it back; from the roster with the least
    shortfall (none: CP-SAT proves it in its share), the search finds a roster with none,
    and the model is as it was found."""
    inst, m, start = tiny_start()
    mix = dict.fromkeys(start, 1.0)
    before = str(m.model.proto)
    kw: dict[str, Any] = {"settings": ONE_WORKER, "time_limit": 10, "deterministic": True}
    alone = improve_near_mix(m, start, mix, **kw)
    found = improve_shortfall_first(m, start, mix, **kw)
    assert str(m.model.proto) == before
    assert alone is not None and evaluate(inst, solution_rows(m.problem, alone)).under == 100
    assert found is not None
    scored = evaluate(inst, solution_rows(m.problem, found))
    assert scored.feasible, scored.violations
    assert scored.under == 0 and scored.objective < 105


def test_shortfall_first_seeks_the_least_shortfall_near_the_mix_then_on_the_whole_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """CP-SAT minimises the shortfall on the days the mix leaves open, a threshold at a
    time (`SHORTFALL_AGREE`), and on the whole model last; then the search near the mix
    goes on the whole objective. The mix agrees with the tiny roster everywhere, so each
    threshold near it is proved at once and only the whole model closes the shortfall.
    The shortfall helper agrees with the model's own."""
    inst, m, start = tiny_start()
    seen: list[tuple[float, bool, str]] = []

    def spy(model: RosterModel, keys: Any, mix: Any, agree: float, solver: Any) -> Any:
        status = real(model, keys, mix, agree, solver)
        proto = model.model.proto
        names = {proto.variables[i].name for i in proto.objective.vars}
        alone = all(name.startswith("under_") for name in names)  # the shortfall alone
        seen.append((agree, alone, solver.status_name(status)))
        return status

    real = lns_module._solve_near
    monkeypatch.setattr(lns_module, "_solve_near", spy)
    kw: dict[str, Any] = {"settings": ONE_WORKER, "time_limit": 10, "deterministic": True}
    found = improve_shortfall_first(m, start, dict.fromkeys(start, 1.0), **kw)
    assert (*AGREE, math.inf) == SHORTFALL_AGREE
    shortfall_first = [(agree, status) for agree, alone, status in seen if alone]
    assert shortfall_first == [(agree, "OPTIMAL") for agree in SHORTFALL_AGREE]
    assert seen[: len(SHORTFALL_AGREE)] == [(a, True, s) for a, s in shortfall_first]
    assert len(seen) > len(SHORTFALL_AGREE)  # then the whole objective, near the mix
    assert found is not None
    assert shortfall(m, found) == evaluate(inst, solution_rows(m.problem, found)).under == 0
    assert shortfall(m, start) == evaluate(inst, solution_rows(m.problem, start)).under == 100


def test_shortfall_first_goes_on_from_the_start_its_first_threshold_leaves_least_short(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With another roster to start from, the first threshold is searched from each, the
    roster given first, and the thresholds go on from the one left least short. The mix
    agrees with the tiny roster (one agent short) everywhere, so its first threshold ends
    one short; the other start is a roster with none short (CP-SAT's, the cover held)."""
    inst, m, start = tiny_start()
    whole = build_nrp_model(m.problem)
    whole.model.add(whole.cover_shortfall == 0)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(whole.model) == cp_model.OPTIMAL
    other = tuple(key for key, var in whole.x.items() if solver.value(var))
    seen: list[tuple[float, int]] = []  # each threshold searched: its start's shortfall

    def spy(model: RosterModel, keys: Any, mix: Any, agree: float, solver: Any) -> Any:
        seen.append((agree, shortfall(m, keys)))
        return real(model, keys, mix, agree, solver)

    real = lns_module._solve_near
    monkeypatch.setattr(lns_module, "_solve_near", spy)
    kw: dict[str, Any] = {"settings": ONE_WORKER, "time_limit": 10, "deterministic": True}
    found = improve_shortfall_first(m, start, dict.fromkeys(start, 1.0), others=(other,), **kw)
    first = SHORTFALL_AGREE[0]
    assert seen[:3] == [(first, 100), (first, 0), (first, 0)]  # the probes, then the ladder
    assert found is not None
    scored = evaluate(inst, solution_rows(m.problem, found))
    assert scored.feasible, scored.violations
    assert scored.under == 0


def test_shortfall_first_keeps_the_search_near_the_mix_to_its_shortfall(tmp_path: Path) -> None:
    """The tiny instance with a shortfall weighing 2 and every employee asking, at 9 each,
    not to work day 6's late shift, which needs two: the cheapest roster leaves it two
    short (cost 5, 4 of it the shortfall), the least shortfall is none. With the mix torn
    everywhere (every day free), the search near the mix alone finds the cheapest; after
    the shortfall first it is held to none short, and finds the cheapest roster with none
    (18, as CP-SAT proves it)."""
    text = TINY.read_text().replace(",100,1\n", ",2,1\n")
    text = text.replace("C,5,L,3", "C,5,L,3\nA,6,L,9\nB,6,L,9\nC,6,L,9")
    (tmp_path / "asked.txt").write_text(text)
    inst = read_instance(tmp_path / "asked.txt")
    m = build_nrp_model(compile_problem(inst))
    start = keys_of(inst, read_solution(DATA / "nrp_tiny_solution.csv", inst))
    mix = torn_mix(inst, range(len(inst.staff)))
    kw: dict[str, Any] = {"settings": ONE_WORKER, "time_limit": 10, "deterministic": True}

    def scored(keys: tuple[Key, ...] | None) -> Evaluation:
        assert keys is not None
        evaluation = evaluate(inst, solution_rows(m.problem, keys))
        assert evaluation.feasible, evaluation.violations
        return evaluation

    alone = scored(improve_near_mix(m, start, mix, **kw))
    first = scored(improve_shortfall_first(m, start, mix, **kw))
    assert (alone.objective, alone.under) == (5, 4)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    m.model.add(m.cover_shortfall == 0)
    assert solver.solve(m.model) == cp_model.OPTIMAL
    assert (first.objective, first.under) == (round(solver.objective_value), 0) == (18, 0)


def _column_result(lp_value: float, bound: float | None) -> ColumnResult:
    return ColumnResult(
        keys=(),
        cost=1000,
        bound=bound,
        lp_value=lp_value,
        mix={(0, 0, 0): 1.0},
        columns=1,
        rounds=1,
        dives=1,
    )


def test_the_mix_is_followed_only_when_the_bound_proves_the_master_near_its_optimum() -> None:
    """Within ``MIX_GAP`` of the roster's cost between the master's value and the bound,
    the mix is followed; a bound further below (a round of exact pricing that merely
    finished), or none, is not enough."""
    gap = compile_module.MIX_GAP * 1200
    assert compile_module.mix_worth_following(_column_result(900.0, 900.0 - gap), 1200)
    assert not compile_module.mix_worth_following(_column_result(900.0, 900.0 - 2 * gap), 1200)
    assert not compile_module.mix_worth_following(_column_result(900.0, None), 1200)
    assert not compile_module.mix_worth_following(_column_result(math.nan, 800.0), 1200)


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
@pytest.mark.parametrize("follows", [True, False])
def test_solve_instance_searches_near_the_mix_from_the_dive_only_when_it_is_worth_following(
    monkeypatch: pytest.MonkeyPatch, follows: bool
) -> None:
    """Instance1 with the master's value half or twice ``MIX_GAP`` of the roster's cost
    above a bound that does not prove the roster: for the first only, the search near the
    mix runs, from the dive's roster and on its master's mix, for ``MIX_SHARE`` of the
    limit, the other kind of dive's cheapest roster handed on too, and the neighbourhood
    search starts from its roster where that is cheaper than the dive's (else from the
    dive's); the answer keeps every rule."""
    inst = read_instance(CURTOIS / "Instance1.txt")
    gap = compile_module.MIX_GAP / 2 if follows else compile_module.MIX_GAP * 2
    dived: list[ColumnResult] = []
    calls: list[tuple[tuple[Key, ...], Any, float, Any]] = []
    found: list[tuple[Key, ...]] = []
    searched: list[tuple[Key, ...]] = []

    def dive(*args: Any, **kw: Any) -> ColumnResult:
        result = price_and_dive(*args, **kw)
        bound = result.cost - 10.0  # so nothing is proved
        scale = evaluate(inst, solution_rows(args[0], result.keys)).objective
        dived.append(replace(result, bound=bound, lp_value=bound + gap * scale))
        return dived[-1]

    def near(m: RosterModel, keys: tuple[Key, ...], mix: Any, **kw: Any) -> Any:
        calls.append((keys, mix, kw["time_limit"], kw.get("others")))
        roster = improve_shortfall_first(m, keys, mix, **kw)
        cost = evaluate(inst, solution_rows(m.problem, keys)).objective
        if roster and evaluate(inst, solution_rows(m.problem, roster)).objective < cost:
            found.append(roster)
        else:
            found.append(keys)
        return roster

    def search(m: RosterModel, keys: tuple[Key, ...], **kw: Any) -> Any:
        searched.append(keys)
        return improve_by_neighbourhoods(m, keys, **kw)

    monkeypatch.setattr(compile_module, "price_and_dive", dive)
    monkeypatch.setattr(compile_module, "improve_shortfall_first", near)
    monkeypatch.setattr(compile_module, "improve_by_neighbourhoods", search)
    # a dive priced exactly (pricing proves a bound in 24 rounds), whatever its master:
    # here it beats the row search's roster
    monkeypatch.setattr(columns_module, "DIVE_EXACT_GAP", math.inf)
    result = solve_instance(inst, time_limit=10, workers=1, deterministic=True)
    scored = evaluate(inst, result.rows)
    assert scored.feasible
    if follows:
        limit = 10 * compile_module.MIX_SHARE
        assert calls == [(dived[0].keys, dived[0].mix, limit, dived[0].others)]
        assert searched == found
    else:
        assert calls == []
        assert searched == [dived[0].keys]


def test_fast_pricing_has_stalled_when_the_master_hardly_falls() -> None:
    """Ten fast rounds that take the master down by less than a thousandth of its value
    have stalled; ten that take it down by more, or too few rounds to tell, have not."""
    rounds = columns_module.STALL_ROUNDS

    def trail(drop_per_round: float, length: int) -> list[tuple[float, float]]:
        return [(float(i), 1000.0 - drop_per_round * i) for i in range(length)]

    assert columns_module._stalled(trail(0.05, rounds + 1), None)  # 0.5 over ten rounds
    assert not columns_module._stalled(trail(0.2, rounds + 1), None)  # 2 over ten rounds
    assert not columns_module._stalled(trail(0.0, rounds), None)  # flat, but only nine


def test_fast_pricing_has_stalled_when_exact_pricing_took_the_master_down_faster() -> None:
    """After an exact round that took the master down 10 a second, five fast rounds of a
    second each that take it down 8 a second have stalled; 12 a second have not."""
    rounds = columns_module.RATE_ROUNDS
    slow = [(float(i), 1000.0 - 8.0 * i) for i in range(rounds + 1)]
    fast = [(float(i), 1000.0 - 12.0 * i) for i in range(rounds + 1)]
    assert columns_module._stalled(slow, 10.0)
    assert not columns_module._stalled(fast, 10.0)
    assert not columns_module._stalled(slow[:-1], 10.0)  # four rounds: too few to tell
    assert not columns_module._stalled(slow, None)  # no exact round yet: nothing to beat


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_exact_pricing_runs_once_fast_pricing_stalls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Instance5's fast pricing still finds columns after a dozen rounds; told that any
    fall is too small (a stall test that always holds after ``STALL_ROUNDS`` rounds),
    the pricing loop turns to exact pricing within them."""
    calls = [0]
    price = _ExactPricer.price

    def counted(self: _ExactPricer, *args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return price(self, *args, **kwargs)

    monkeypatch.setattr(_ExactPricer, "price", counted)
    monkeypatch.setattr(columns_module, "DIVE_EXACT_ROUNDS", 0)  # the pricing loop's calls only
    problem = compile_problem(read_instance(CURTOIS / "Instance5.txt"))
    start = improve_rows(problem, cover_roster(problem), steps=3)
    rounds = columns_module.STALL_ROUNDS + 2
    price_and_dive(problem, start, build_nrp_model, rounds=rounds, seed=0)
    assert calls[0] == 0  # fast pricing alone for these rounds, as it stands
    monkeypatch.setattr(columns_module, "STALL_DROP", 1.0)
    price_and_dive(problem, start, build_nrp_model, rounds=rounds, seed=0)
    assert calls[0] == len(problem.agents)  # one exact round: every agent priced once


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_exact_pricing_offers_the_master_the_rows_found_on_the_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An exact round offers the master each agent's best row and the rows CP-SAT found
    before it (`ALSO_FOUND`): on Instance5, with exact pricing from the first stall, rows
    found on the way to an agent's best become columns."""
    Column = tuple[str, tuple[tuple[int, int], ...]]  # (agent, row)
    on_the_way: set[Column] = set()
    added: set[Column] = set()
    price, add = _ExactPricer.price, columns_module._Master.add

    def pricing(self: _ExactPricer, *args: Any, **kwargs: Any) -> Any:
        found = price(self, *args, **kwargs)
        agent = self.m.problem.agents[0].agent_id
        on_the_way.update((agent, tuple(sorted(row.items()))) for row in found[0][1:])
        return found

    def adding(self: Any, a: int, row: dict[int, int]) -> bool:
        if taken := add(self, a, row):
            added.add((self.p.agents[a].agent_id, tuple(sorted(row.items()))))
        return taken

    monkeypatch.setattr(_ExactPricer, "price", pricing)
    monkeypatch.setattr(columns_module._Master, "add", adding)
    monkeypatch.setattr(columns_module, "STALL_DROP", 1.0)
    problem = compile_problem(read_instance(CURTOIS / "Instance5.txt"))
    start = improve_rows(problem, cover_roster(problem), steps=3)
    price_and_dive(problem, start, build_nrp_model, rounds=columns_module.STALL_ROUNDS + 2)
    assert len(on_the_way & added) >= len(problem.agents)


@pytest.mark.skipif(not CURTOIS.is_dir(), reason="../shared/data/curtois is not beside us")
def test_exact_pricing_proves_a_twelve_week_employees_best_row() -> None:
    """Instance18's employee 6 over 84 days, at prices that pay for weekends: CP-SAT
    prices on its full linear relaxation and proves the best row well inside one unit of
    deterministic time (with the default relaxation it proves nothing in three)."""
    problem = compile_problem(read_instance(CURTOIS / "Instance18.txt"))
    value = [
        [(100.0 if d % 7 == 6 else 15.0 if d % 7 == 5 else -1.0) + 0.5 * (t == 0) for t in range(3)]
        for d in range(problem.days)
    ]
    pricer = _ExactPricer(problem, 6, build_nrp_model, seed=0)
    rows, most = pricer.price(value, 1.0, deterministic=True)
    assert rows
    row = rows[0]
    worth = sum(value[d][t] for d, t in row.items())
    assert worth <= most <= worth + 0.5 / columns_module.PRICE_SCALE * problem.days + 1e-9
