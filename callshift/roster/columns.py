"""Column generation over agents' rows, for rosters with per-shift cover (``shift_cover``).

An agent's row (their shifts over the horizon) is a column. The master is a linear
programme (GLOP): each agent takes a mix of their columns that sums to one, and each
(day, shift) pays its cover cost on the mix. Its duals price the cover, and a new row is
worth adding when it is worth more at those prices than the agent's mix. Rows are found two
ways:

- `_best_row` (the greedy's dynamic programme): fast, but it may miss the best row;
- CP-SAT on a one-agent model built by the caller with the same rule functions the whole
  roster uses (``one_agent``): exact, so when it finds nothing better the master's value is
  a lower bound on every roster's cost.

Each round prices every agent the fast way until that stalls (`_stalled`: the master
hardly falls, or falls more slowly than the last exact round took it down), then every
agent exactly. Once an exact round has proved a bound, rounds price at prices drawn
toward the ones that proved the best bound (`SMOOTHING`): the master's own prices swing
from round to round, and rows priced at the steadier ones bring its value and the bound
together in fewer rounds. A column is added when the master wants it at its own prices;
a round that finds none at the drawn prices is priced again at the master's. How far
they are drawn moves after each exact round: less if the bound would rise toward the
master's prices (the best rows' cover falls short where those are the higher), else
more; a centre proved early, far below, is soon left.

A dive then makes the roster whole a step at a time (`hold_cells`): every agent whose mix
is one column takes it; of the others, each day of their heaviest column is held where
their mix agrees with it, and a tenth of the rest, those it agrees with most. The master
bars the columns that break a held day, and pricing rebuilds each row around the days
held (fast pricing by leave and a bonus, CP-SAT by assumptions; in the first dive, where
fast pricing stalls, CP-SAT within a tenth of a second an agent), until every agent has
one row. Dives alternate with dives that fix whole columns (`fix_columns`: the agent
whose mix leans most on one column takes it): neither kind wins on every instance. While
time is left, it dives again from the whole master, at random after the first of each
kind, until ten dives in a row find nothing cheaper, or less time is left than the last
dive took (squeezed, a dive fixes more at a step and ends dearer); the cheapest roster
wins. Each dive's roster is polished by the row search's descent first (each row
rostered anew against the others' cover), and the rows it makes are columns.
Every row is legal by construction, so any stop leaves a legal roster.
"""

from __future__ import annotations

import logging
import math
import os
import random
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from callshift.roster.construct import (
    _best_row,
    _contracts,
    _cover_context,
    _keeps_minimum,
    _legal,
    improve_rows,
    row_worth,
    rows_cost,
)
from callshift.roster.model import Key, RosterModel
from callshift.roster.problem import RosterProblem

Row = dict[int, int]  # day → template
_Priced = tuple[list[Row], float] | None  # an exact pricing call's rows and bound (None: no time)
CoverPrices = dict[tuple[int, int], float]  # (day, template) → the cover target's price

PRICE_SCALE = 1000  # CP-SAT's objective is integer: prices in thousandths
DIVE_ROUNDS = 8  # pricing rounds before each step of a dive (`hold_cells`, `fix_columns`)
DIVE_EXACT_ROUNDS = 2  # then up to this many exact rounds over the free agents, each
DIVE_EXACT_SECONDS = 0.1  # with this limit an agent, and fast rounds again after each
# (exact rounds only where the master ends pricing within this share of the given roster's
# cost above the bound, as the steps after the dive (`callshift.nrp.compile.MIX_GAP`): where
# it is far, its columns lead nowhere near a roster, and on Instance13's 120 agents two
# rounds can take 24 s a step; 13 at 600 s, seed 0: 1588-1889 in three runs with them,
# 1463-1676 before)
DIVE_EXACT_GAP = 0.05
DIVE_SHARE = 0.4  # of the time, what the dive keeps back from the pricing
INTEGRAL = 0.99  # a column (an agent-day) this heavy in the mix is fixed (held) at once
CELL_STEP = 0.1  # of the agent-days whose mix is not whole, the share held each step
CELL_NOISE = 0.1  # later dives by days blur each agent-day's agreement by up to this
HELD_WORTH = 10_000.0  # fast pricing's worth of a day held to a template
DETERMINISTIC_DIVES = 2  # dives in a deterministic run (days, then columns); else as many
DIVE_PATIENCE = 10  # as time allows, until this many in a row find no cheaper roster, unless the
DIVE_NEAR = (0.005, 0.02)  # cheapest is within these shares of its cost above the bound
DIVE_NEAR_UNTIL = 0.5  # (and then only until this share of the time has passed);
DIVE_NEAR_PATIENCE = 2  # within the first share, until this many in a row find none
PURGE_AT = 50  # columns an agent may have before the master is purged (`_Master.purge`) ...
PURGE_KEEP = 20  # ... down to this many an agent
ALSO_FOUND = 5  # exact pricing: of the rows CP-SAT finds before an agent's best, the last
# this many are offered to the master too (it takes those that would lower it)
STALL_ROUNDS = 10  # fast pricing has stalled when the master fell less than
STALL_DROP = 0.001  # this share of its value over this many rounds,
RATE_ROUNDS = 5  # or less a second over this many rounds than exact pricing's last round
SMOOTHING = 0.5  # pricing's prices: at first this share of the best bound's, the rest the master's
SMOOTHING_STEP = 0.1  # the share then moves by this after each exact round (`price_and_dive`)

log = logging.getLogger(__name__)


def scaled_worth(
    value: list[list[float]], x: dict[Key, cp_model.IntVar], a: int
) -> list[cp_model.LinearExprT]:
    """Agent a's row worth at ``value`` as CP-SAT terms: each (day, template)'s worth in
    thousandths (`PRICE_SCALE`), rounded, times its shift variable in ``x``; cells worth
    nothing left out. Rounding loses at most half a thousandth a cell."""
    terms: list[cp_model.LinearExprT] = []
    for d, day in enumerate(value):
        for t, worth in enumerate(day):
            if scaled := round(worth * PRICE_SCALE):
                terms.append(scaled * x[a, d, t])
    return terms


@dataclass(frozen=True)
class Prices:
    """What one exact pricing round proved, at its prices (a Lagrangian bound): agent a's
    row is worth ``worth(a, row)`` (its cells' prices plus the agent's requests), no legal
    row of theirs is worth more than ``most[a]``, and every roster costs at least ``bound``
    plus, over the agents, what each one's row is worth less than their ``most``, plus,
    over the cover targets, what each agent short or over costs beyond its price
    (``cover``: the price of each (day, template) target; `callshift.roster.fixing`).
    In cost units (the model's objective less a constant)."""

    values: list[list[list[float]]]  # agent → day → template: price plus request
    most: list[float]
    bound: float
    cover: dict[tuple[int, int], float] = field(default_factory=dict)

    def worth(self, a: int, row: Row) -> float:
        return row_worth(self.values[a], row)


@dataclass(frozen=True)
class ColumnResult:
    """The roster the dive made (or the one given, if that costs less), and what the
    master proved. Costs are the roster's cover cost less the weight of the requests it
    grants: the model's objective less a constant."""

    keys: tuple[Key, ...]
    cost: int
    bound: float | None  # no roster costs less; None: exact pricing never ran
    lp_value: float  # the last master's value before the dive (nan: GLOP failed)
    mix: dict[Key, float]  # each shift cell's weight in that master's mix (empty: failed)
    columns: int
    rounds: int  # pricing rounds before the dive
    dives: int
    prices: Prices | None = None  # the exact round that proved ``bound``
    known: list[list[Row]] | None = None  # each agent's columns at the end: legal rows
    # the cheapest roster of each kind of dive (by employee-days, by whole columns) where
    # that is not ``keys``: other starts for what follows (`improve_shortfall_first`)
    others: tuple[tuple[Key, ...], ...] = ()


class MasterFailed(RuntimeError):
    """GLOP found no optimum of the master programme (it has one: a numerical failure)."""


class _Master:
    """The master programme: columns per agent, convexity per agent, soft cover."""

    def __init__(self, p: RosterProblem, wants: dict[tuple[int, int, int], int]) -> None:
        self.p = p
        self.wants = wants
        self.columns: list[list[tuple[Row, pywraplp.Variable]]] = [[] for _ in p.agents]
        self._in_lp: list[set[tuple[tuple[int, int], ...]]] = [set() for _ in p.agents]
        self.generated = 0  # columns ever added, purged ones too
        self._fixed: list[tuple[int, int]] = []  # (agent, column) given alone (`fix`)
        # (agent → day → template, None for a day off) cells held by `force`
        self.forced: list[dict[int, int | None]] = [{} for _ in p.agents]
        self._solved: tuple[float, dict[tuple[int, int], float], list[float]] | None = None
        self._build()

    def _build(self) -> None:
        """A new programme of the cover, the convexity rows and the columns kept."""
        p = self.p
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        infinity = self.lp.infinity()
        self.objective = self.lp.Objective()
        self.cover: dict[tuple[int, int], pywraplp.Constraint] = {}
        for (d, t), target in sorted(p.shift_cover.items()):
            row = self.lp.Constraint(target.required, target.required)
            under, over = self.lp.NumVar(0, infinity, ""), self.lp.NumVar(0, infinity, "")
            row.SetCoefficient(under, 1)
            row.SetCoefficient(over, -1)
            self.objective.SetCoefficient(under, target.under_weight)
            self.objective.SetCoefficient(over, target.over_weight)
            self.cover[d, t] = row
        self.convexity = [self.lp.Constraint(1, 1) for _ in p.agents]
        self.objective.SetMinimization()
        kept, self.columns = self.columns, [[] for _ in p.agents]
        for a, columns in enumerate(kept):
            for row, _ in columns:
                self._column(a, row)
        self._solved = None

    def _column(self, a: int, row: Row) -> None:
        var = self.lp.NumVar(0, self.lp.infinity(), "")
        self.convexity[a].SetCoefficient(var, 1)
        self.objective.SetCoefficient(var, self.own_cost(a, row))
        for d, t in row.items():
            if (d, t) in self.cover:
                self.cover[d, t].SetCoefficient(var, 1)
        self.columns[a].append((row, var))

    def own_cost(self, a: int, row: Row) -> int:
        return -sum(self.wants.get((a, d, t), 0) for d, t in row.items())

    def agrees(self, a: int, row: Row) -> bool:
        """Whether ``row`` keeps every cell of agent a held by `force`."""
        return all(row.get(d) == t for d, t in self.forced[a].items())

    def add(self, a: int, row: Row) -> bool:
        """Add a column; False if the agent has it in the programme already, or it breaks
        a cell held by `force`."""
        key = tuple(sorted(row.items()))
        if key in self._in_lp[a] or not self.agrees(a, row):
            return False
        self._in_lp[a].add(key)
        self.generated += 1
        self._column(a, dict(row))
        self._solved = None
        return True

    def purge(self) -> None:
        """Keep, of each agent's columns, the ``PURGE_KEEP`` of least reduced cost in the
        last solution and every column of its mix, and rebuild the programme. That
        solution is still there, so the optimum is the same, and the programme is smaller
        to solve again (GLOP is given the whole programme on each solve). A column
        dropped can come back: `add` takes it again. Only between dives: no column may be
        fixed."""
        assert not self._fixed and self._solved is not None
        for a, columns in enumerate(self.columns):
            if len(columns) > PURGE_KEEP:
                in_mix = [var.solution_value() > 1e-9 for _, var in columns]
                ranked = sorted(  # the mix first, then by reduced cost
                    range(len(columns)),
                    key=lambda k: (not in_mix[k], columns[k][1].reduced_cost()),
                )
                kept = ranked[: max(PURGE_KEEP, sum(in_mix))]
                self.columns[a] = [columns[k] for k in kept]
                self._in_lp[a] = {tuple(sorted(row.items())) for row, _ in self.columns[a]}
        self._build()

    def rebuild(self) -> None:
        """A new programme of the same columns, for GLOP to solve from scratch; the
        columns fixed stay fixed."""
        self._build()
        for a, k in self._fixed:
            self.columns[a][k][1].SetLb(1.0)
        for a, held in enumerate(self.forced):
            for row, var in self.columns[a] if held else ():
                if not self.agrees(a, row):
                    var.SetUb(0.0)

    def solve(self) -> tuple[float, dict[tuple[int, int], float], list[float]]:
        """The master's value, the cover's prices and each agent's dual. The programme
        always has an optimum (a column per agent, soft cover), but GLOP has ended
        ABNORMAL on it, rarely; it is then solved again from scratch, then by the other
        simplex, and `MasterFailed` is raised if that fails too. Unchanged since the last
        solve, it is not solved again."""
        if self._solved is not None:
            return self._solved
        status = self.lp.Solve()
        if status != pywraplp.Solver.OPTIMAL:  # lost its way from the last basis?
            fresh = pywraplp.MPSolverParameters()
            fresh.SetIntegerParam(fresh.INCREMENTALITY, fresh.INCREMENTALITY_OFF)
            status = self.lp.Solve(fresh)
            if status != pywraplp.Solver.OPTIMAL:
                self.lp.SetSolverSpecificParametersAsString("use_dual_simplex: true")
                status = self.lp.Solve(fresh)
                self.lp.SetSolverSpecificParametersAsString("")
        if status != pywraplp.Solver.OPTIMAL:
            raise MasterFailed(f"the master programme ended {status}")
        prices = {k: row.dual_value() for k, row in self.cover.items()}
        duals = [row.dual_value() for row in self.convexity]
        self._solved = self.objective.Value(), prices, duals
        return self._solved

    def solve_lean(self) -> tuple[float, dict[tuple[int, int], float], list[float]]:
        """`solve`, purging the master first if it has grown and nothing is fixed."""
        solved = self.solve()
        held = self._fixed or any(self.forced)
        if not held and any(len(columns) > PURGE_AT for columns in self.columns):
            self.purge()
            solved = self.solve()
        return solved

    def fix(self, a: int, k: int) -> None:
        """Give agent a their column k alone (until `unfix`)."""
        self.columns[a][k][1].SetLb(1.0)
        self._fixed.append((a, k))
        self._solved = None

    def force(self, a: int, d: int, t: int | None) -> None:
        """Hold agent a's day d to template t (None: off) until `unfix`: the columns that
        break it leave the mix, and `add` takes none that would."""
        self.forced[a][d] = t
        for row, var in self.columns[a]:
            if row.get(d) != t:
                var.SetUb(0.0)
        self._solved = None

    def unfix(self) -> None:
        for a, k in self._fixed:
            self.columns[a][k][1].SetLb(0.0)
        self._fixed.clear()
        infinity = self.lp.infinity()
        for a, held in enumerate(self.forced):
            for _, var in self.columns[a] if held else ():
                var.SetUb(infinity)
            held.clear()
        self._solved = None

    def chosen(self, a: int) -> tuple[float, int]:
        """The agent's heaviest column in the last solution: (its weight, its index)."""
        weights = [var.solution_value() for _, var in self.columns[a]]
        k = max(range(len(weights)), key=weights.__getitem__)
        return weights[k], k

    def mix(self) -> dict[Key, float]:
        """Each (agent, day, template) cell's weight in the last solution's mix."""
        weights: dict[Key, float] = {}
        for a, columns in enumerate(self.columns):
            for row, var in columns:
                if (weight := var.solution_value()) > 1e-9:
                    for d, t in row.items():
                        weights[a, d, t] = weights.get((a, d, t), 0.0) + weight
        return weights

    def roster_cost(self, rows: list[Row]) -> int:
        cover: dict[tuple[int, int], int] = {}
        for row in rows:
            for d, t in row.items():
                cover[d, t] = cover.get((d, t), 0) + 1
        return rows_cost(self.p, cover, rows, self.wants)


class _ExactPricer:
    """One agent's best row at given prices: CP-SAT on a one-agent model of the rules."""

    def __init__(
        self,
        p: RosterProblem,
        a: int,
        one_agent: Callable[[RosterProblem], RosterModel],
        seed: int,
    ) -> None:
        alone = replace(p, agents=(p.agents[a],), shift_cover={}, preferences=())
        self.m = one_agent(alone)
        self.days, self.templates = p.days, len(p.templates)
        self.solver = cp_model.CpSolver()
        self.solver.parameters.num_workers = 1
        self.solver.parameters.random_seed = seed
        # the full linear relaxation proves the one-agent optimum where the default's does
        # not (12-week Instance18 and 19: every call proved, 20 times as fast)
        self.solver.parameters.linearization_level = 2

    def price(
        self,
        value: list[list[float]],
        time_limit: float,
        deterministic: bool,
        assume: tuple[cp_model.LiteralT, ...] = (),
    ) -> tuple[list[Row], float]:
        """(the rows found: the best, then up to `ALSO_FOUND` that CP-SAT found before it,
        latest first, or none; a bound on what any row is worth: -inf if no row keeps the
        rules). ``assume``: of the rows whose cells these literals hold."""
        model, x = self.m.model, self.m.x
        model.clear_assumptions()
        model.add_assumptions(assume)
        model.maximize(cp_model.LinearExpr.sum(scaled_worth(value, x, 0)))
        if deterministic:
            self.solver.parameters.max_deterministic_time = time_limit
        else:
            self.solver.parameters.max_time_in_seconds = max(time_limit, 0.01)
        found = _Found(x, self.days, self.templates)
        status = self.solver.solve(model, found)
        rounding = 0.5 / PRICE_SCALE * self.days  # at most this much lost to rounding
        if status == cp_model.INFEASIBLE:
            return [], -math.inf
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return [], math.inf
        # one worker: each row found is better than the one before, the last the best
        return list(reversed(found.rows)), self.solver.best_objective_bound / PRICE_SCALE + rounding


class _Found(cp_model.CpSolverSolutionCallback):
    """The last rows the pricer finds on its way to the best (the best and `ALSO_FOUND`
    before it), in the order found."""

    def __init__(self, x: dict[Key, cp_model.IntVar], days: int, templates: int) -> None:
        super().__init__()
        self.x, self.days, self.templates = x, days, templates
        self.rows: deque[Row] = deque(maxlen=ALSO_FOUND + 1)

    def on_solution_callback(self) -> None:
        self.rows.append(
            {
                d: t
                for d in range(self.days)
                for t in range(self.templates)
                if self.value(self.x[0, d, t])
            }
        )


def _rows(agents: int, keys: tuple[Key, ...]) -> list[Row]:
    """A roster's cells as each agent's row."""
    rows: list[Row] = [{} for _ in range(agents)]
    for a, d, t in keys:
        rows[a][d] = t
    return rows


def _keys(rows: list[Row]) -> tuple[Key, ...]:
    """Each agent's row as the roster's cells, by agent and day."""
    return tuple((a, d, t) for a, row in enumerate(rows) for d, t in sorted(row.items()))


def _stalled(trail: list[tuple[float, float]], exact_rate: float | None) -> bool:
    """Whether fast pricing has stalled: over its last rounds (``trail``: the clock and the
    master's value after each, since the last exact round) the master fell by less than
    ``STALL_DROP`` of its value over ``STALL_ROUNDS``, or by less a second over
    ``RATE_ROUNDS`` than the last round of exact pricing took it down (``exact_rate``; None
    before the first). On 120-agent Instance13 the exact round is the faster way down: the
    master after 216 s of pricing was 809 with the first test alone, 341 with both (the
    optimum is near 145)."""
    if len(trail) > STALL_ROUNDS:
        (_, before), (_, now) = trail[-STALL_ROUNDS - 1], trail[-1]
        if before - now < STALL_DROP * abs(now):
            return True
    if exact_rate is not None and len(trail) > RATE_ROUNDS:
        (then, before), (now_at, now) = trail[-RATE_ROUNDS - 1], trail[-1]
        return before - now < exact_rate * (now_at - then)
    return False


def next_share(
    drawn: float, short: dict[tuple[int, int], int], prices: CoverPrices, priced: CoverPrices
) -> float:
    """How far to draw the prices toward the centre after an exact round at ``priced``
    (``drawn`` of the way): ``short``, each cover target less what the best rows at
    ``priced`` cover of it, is the bound's slope there. If it rises toward the master's
    ``prices``, draw less; else more, never all the way."""
    if sum(n * (prices[k] - priced[k]) for k, n in short.items()) > 0:
        return max(0.0, drawn - SMOOTHING_STEP)
    return min(1 - SMOOTHING_STEP, drawn + SMOOTHING_STEP * (1 - drawn))


def master_near(lp_value: float, bound: float | None, cost: float, share: float) -> bool:
    """Whether a master whose value is ``lp_value`` is near its optimum: exact pricing
    proved a ``bound``, and the value is within ``share`` of a roster's ``cost`` above it
    (never where GLOP failed: ``lp_value`` nan)."""
    return bound is not None and lp_value - bound <= share * abs(cost)


def dives_go_on(cost: float, bound: float | None) -> bool:
    """Whether dives go on past ``DIVE_PATIENCE``: the cheapest roster (``cost``) is above
    the proved ``bound`` by more than ``DIVE_NEAR[0]`` of its cost, and by no more than
    ``DIVE_NEAR[1]``. Nearer, what is left is to prove it or find the last unit or two
    (reduced-cost fixing, `callshift.roster.fixing`), and that wants the time; further,
    the mix is too far from any roster for a dive to land near it. Between, another dive
    is the cheapest way to a cheaper roster: on Instance5 at 60 s a hundred dives range
    from 1144 to 1160, where the first ten reach 1146-1149 and the steps after a dive of
    1144 find the optimum, 1143. `price_and_dive` lets them go on so only until
    ``DIVE_NEAR_UNTIL`` of its time has passed: Instance14 at 600 s, 0.55 % above, dived for
    its whole share and proved its optimum at 419 s, against 209 s with the patience
    alone."""
    if bound is None:
        return False
    return DIVE_NEAR[0] * abs(cost) < cost - bound <= DIVE_NEAR[1] * abs(cost)


def dive_patience(cost: float, bound: float | None) -> int:
    """How many dives in a row may find no roster cheaper than ``cost`` before the dives
    stop: ``DIVE_NEAR_PATIENCE`` where it is within ``DIVE_NEAR[0]`` of its cost above the
    proved ``bound``, else ``DIVE_PATIENCE``. So near, the time goes to the steps that find
    the last unit or prove the roster (the search near the mix, reduced-cost fixing).
    Instance10 at 60 s: the first dive within 0.06 %, six more found nothing cheaper in
    18 s, and the optimum was proved at 41 s; with this, at 32 s (11: 43 s and 30 s)."""
    if bound is not None and cost - bound <= DIVE_NEAR[0] * abs(cost):
        return DIVE_NEAR_PATIENCE
    return DIVE_PATIENCE


def price_and_dive(
    problem: RosterProblem,
    keys: tuple[Key, ...],
    one_agent: Callable[[RosterProblem], RosterModel],
    *,
    time_limit: float = 30.0,
    seed: int = 0,
    rounds: int | None = None,
    threads: int | None = None,
) -> ColumnResult:
    """Column generation from the legal roster ``keys``, then a dive, within
    ``time_limit`` seconds. ``rounds``: that many pricing rounds, then a whole dive,
    whatever the clock says (the same roster on any machine); CP-SAT's pricing is then
    limited in deterministic time. ``threads``: agents priced by CP-SAT at once (one
    worker each; default, a thread a core); the columns and bounds are the same however
    many. Returns the dive's roster, or ``keys`` if they cost less."""
    with ThreadPoolExecutor(threads or pricing_threads()) as pool:
        return _price_and_dive(problem, keys, one_agent, time_limit, seed, rounds, pool.map)


def pricing_threads() -> int:
    """The cores this process may run on: exact pricing prices that many agents at once."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # (not on every platform)
        return os.cpu_count() or 1


def _price_and_dive(
    problem: RosterProblem,
    keys: tuple[Key, ...],
    one_agent: Callable[[RosterProblem], RosterModel],
    time_limit: float,
    seed: int,
    rounds: int | None,
    in_threads: Callable[[Callable[[int], _Priced], list[int]], Iterator[_Priced]],
) -> ColumnResult:
    """`price_and_dive`, with ``in_threads`` mapping a pricing call over agents (each
    agent's pricer in one thread at a time; the results in the agents' order)."""
    p = problem
    began = time.monotonic()
    deterministic = rounds is not None
    pricing_until = time_limit * (1 - DIVE_SHARE)
    after, weekend_of, wants, on_leave = _cover_context(p)
    contracts = _contracts(p)
    master = _Master(p, wants)
    given = _rows(len(p.agents), keys)
    for a, row in enumerate(given):
        master.add(a, row)
    n_templates = len(p.templates)
    pricers: dict[int, _ExactPricer] = {}

    def elapsed() -> float:
        return time.monotonic() - began

    wanted: list[list[tuple[int, int, int]]] = [[] for _ in p.agents]  # (d, t, weight)
    for (a, d, t), weight in wants.items():
        wanted[a].append((d, t, weight))

    def price_table(prices: dict[tuple[int, int], float]) -> list[list[float]]:
        return [[prices.get((d, t), 0.0) for t in range(n_templates)] for d in range(p.days)]

    def values(a: int, table: list[list[float]]) -> list[list[float]]:
        """What each (day, template) is worth to agent a: its price and a's request."""
        value = [list(day) for day in table]
        for d, t, weight in wanted[a]:
            value[d][t] += weight
        return value

    def leave_of(a: int) -> list[list[bool]]:
        """Agent a's leave, and the days held by `_Master.force`: a day held off is leave
        of every template, a day held to a template of every other."""
        held = master.forced[a]
        if not held:
            return on_leave[a]
        leave = [list(day) for day in on_leave[a]]
        for d, t in held.items():
            leave[d] = [t is None or u != t for u in range(n_templates)]
        return leave

    def held_worth(a: int, value: list[list[float]]) -> list[list[float]]:
        """``value`` with each day held to a template worth `HELD_WORTH` more there, so
        fast pricing works it."""
        held = [(d, t) for d, t in master.forced[a].items() if t is not None]
        if not held:
            return value
        value = [list(day) for day in value]
        for d, t in held:
            value[d][t] += HELD_WORTH
        return value

    def wanted_at(value: list[list[float]], row: Row, dual: float) -> bool:
        """Whether the master wants ``row`` as a column: worth more at its own prices
        (``value``) than the agent's mix (``dual``)."""
        return row_worth(value, row) + dual > 1e-6

    def price_exactly(
        agents: list[int],
        value_of: Callable[[int], list[list[float]]],
        until: float,
        limit: Callable[[], float],
    ) -> Iterator[_Priced]:
        """Each agent's exact pricing call at ``value_of(a)``, as many at once as there are
        threads, within ``limit()`` seconds each; in the agents' order, None for a call
        that would start past ``until``. Each agent's pricer is made here, the first time
        it is needed (building a model is Python's, one thread at a time)."""
        for a in agents:
            if a not in pricers:
                pricers[a] = _ExactPricer(p, a, one_agent, seed)

        def price(a: int) -> _Priced:
            if not deterministic and elapsed() >= until:
                return None
            x = pricers[a].m.x
            held: list[cp_model.LiteralT] = []
            for d, t in master.forced[a].items():
                if t is None:
                    held.extend(~x[0, d, u] for u in range(n_templates))
                else:
                    held.append(x[0, d, t])
            return pricers[a].price(value_of(a), limit(), deterministic, tuple(held))

        return in_threads(price, agents)

    centre: CoverPrices | None = None  # the prices of the best bound
    centre_bound = -math.inf
    drawn = SMOOTHING  # the centre's share in the prices priced at

    def smoothed(prices: CoverPrices, smooth: bool) -> CoverPrices:
        """The prices to price at: drawn toward the best bound's if ``smooth``."""
        if not smooth or centre is None or not drawn:
            return prices
        return {k: drawn * centre[k] + (1 - drawn) * v for k, v in prices.items()}

    def heuristic_round(agents: list[int], *, thorough: bool = False, smooth: bool = False) -> int:
        """Price the agents by `_best_row` (at its first price that gives a row with the
        least minutes; at every price if ``thorough``); the columns added."""
        _, prices, duals = master.solve_lean()
        priced = smoothed(prices, smooth)
        table = price_table(priced)
        table_out = table if priced is prices else price_table(prices)
        added = 0
        for a in agents:
            value = values(a, table)
            c = contracts[a]
            leave = leave_of(a)
            row = _best_row(
                p, c, leave, after, weekend_of, held_worth(a, value), every_price=thorough
            )
            if (
                row is None
                or not _keeps_minimum(p, c, row)
                or not _legal(p, c, row, leave, after, weekend_of)
            ):
                continue
            value_out = value if priced is prices else values(a, table_out)
            if wanted_at(value_out, row, duals[a]) and master.add(a, row):
                added += 1
        return added

    best_prices: Prices | None = None  # of the exact round that proved the best bound

    def exact_round(smooth: bool = False) -> tuple[int, float | None]:
        """Price every agent by CP-SAT (at the drawn prices if ``smooth``); the columns
        added and the bound it proves at the prices it priced at."""
        nonlocal best_prices, centre, centre_bound, drawn
        _, prices, duals = master.solve_lean()
        steer = smooth and centre is not None  # move the share after this round
        priced = smoothed(prices, smooth)
        table = price_table(priced)
        table_out = table if priced is prices else price_table(prices)
        added = 0
        valued: list[list[list[float]]] = []
        most_of: list[float] = []
        short = {k: target.required for k, target in p.shift_cover.items()}  # by the best rows
        value_of = [values(a, table) for a in range(len(p.agents))]

        def limit() -> float:
            return 1.0 if deterministic else min(2.0, max(pricing_until - elapsed(), 0.01))

        in_time = True
        calls = price_exactly(everyone, value_of.__getitem__, pricing_until, limit)
        for a, priced_a in enumerate(calls):
            if priced_a is None:
                in_time = False  # out of time: no bound from this round
                continue
            value = value_of[a]
            rows, most = priced_a
            valued.append(value)
            most_of.append(most)
            for d, t in rows[0].items() if rows else ():
                if (d, t) in short:
                    short[d, t] -= 1
            value_out = value if priced is prices else values(a, table_out)
            added += sum(master.add(a, f) for f in rows if wanted_at(value_out, f, duals[a]))
        if not in_time or not all(math.isfinite(most) for most in most_of):
            return added, None
        # the Lagrangian bound at the prices priced: what the cover asks at them less
        # what every agent's best row is worth
        asked = sum(priced[k] * target.required for k, target in p.shift_cover.items())
        proved = asked - sum(most_of)
        if best_prices is None or proved > best_prices.bound:
            best_prices = Prices(valued, most_of, proved, dict(priced))
        if proved > centre_bound:
            centre, centre_bound = dict(priced), proved
        if steer:
            drawn = next_share(drawn, short, prices, priced)
        return added, proved

    bound: float | None = None
    done = 0
    everyone = list(range(len(p.agents)))
    lp_value, failed = math.nan, False
    mix: dict[Key, float] = {}
    trail: list[tuple[float, float]] = []  # (clock, master) after each fast round
    exact_rate: float | None = None  # how fast the last exact round took the master down
    try:
        while (done < rounds) if rounds is not None else elapsed() < pricing_until:
            done += 1
            smooth = drawn > 0 and centre is not None
            if not _stalled(trail, exact_rate) and (
                (smooth and heuristic_round(everyone, smooth=True))
                or heuristic_round(everyone)
                or heuristic_round(everyone, thorough=True)
            ):
                trail.append((elapsed(), master.solve()[0]))
                continue
            started, before = elapsed(), master.solve()[0]
            added, proved = exact_round(smooth=centre is not None)
            if not added and smooth:  # a mispricing: again at the master's prices
                drawn = max(0.0, drawn - SMOOTHING_STEP)
                added, again = exact_round()
                if again is not None:
                    proved = again if proved is None else max(proved, again)
            after_exact = master.solve()[0]
            if not deterministic:  # (a rate is the clock's: not in a deterministic run)
                exact_rate = (before - after_exact) / max(elapsed() - started, 1e-9)
            trail = [(elapsed(), after_exact)]
            if proved is not None:
                bound = proved if bound is None else max(bound, proved)
            log.debug(
                "round %d, exact, at %.1f s: %d columns, master %.2f, bound %s",
                done,
                elapsed(),
                added,
                after_exact,
                proved,
            )
            if not added:
                break
        lp_value, _, _ = master.solve()
        mix = master.mix()
        log.debug(
            "pricing ends at %.1f s: %d rounds, %d columns, master %.2f, bound %s",
            elapsed(),
            done,
            master.generated,
            lp_value,
            bound,
        )
    except MasterFailed:  # no dive: the roster given is the answer
        log.debug("the master failed in pricing at %.1f s", elapsed())
        failed = True
    rows, cost = given, master.roster_cost(given)  # the cheapest roster so far
    near = master_near(lp_value, bound, cost, DIVE_EXACT_GAP)  # (the first dive's exact rounds)

    def dive_exact_round(free: list[int]) -> int:
        """Price the free agents of a dive by CP-SAT at the master's prices, each within
        `DIVE_EXACT_SECONDS` (the best row found, proved or not); the columns added."""
        _, prices, duals = master.solve()
        table = price_table(prices)
        value_of = {a: values(a, table) for a in free}
        calls = price_exactly(free, value_of.__getitem__, time_limit, lambda: DIVE_EXACT_SECONDS)
        added = 0
        for a, priced_a in zip(free, calls, strict=True):
            if priced_a is not None:
                value, (rows, _) = value_of[a], priced_a
                added += sum(master.add(a, f) for f in rows if wanted_at(value, f, duals[a]))
        return added

    def at_least(step: int, left: int, began: float, steps: int) -> int:
        """How many of ``left`` to hold or fix at a dive's next step: ``step``, or more if
        the ``steps`` taken since ``began`` show time would run out first."""
        if not steps or deterministic:
            return step
        each = (elapsed() - began) / steps
        steps_left = max((time_limit - elapsed()) / max(each, 1e-3), 1.0)
        return max(step, math.ceil(left / steps_left))

    def hold_cells(
        free: list[int], fixed: set[int], rng: random.Random | None, began: float, steps: int
    ) -> None:
        """One step of a dive by cells: each free agent whose mix leans wholly on one column
        takes it; of the others, each day's value in their heaviest column is held where
        their mix agrees with it on that day (`INTEGRAL`), and the ``CELL_STEP`` share of
        the rest that agree most (at least one; more if time would run out). ``rng``:
        each day's agreement raised at random by up to ``CELL_NOISE`` before both."""
        cells: list[tuple[float, int, int, int | None]] = []
        whole: list[tuple[int, int]] = []  # (agent, column): fixed after the mix is read
        for a in free:
            weight, k = master.chosen(a)
            if weight > INTEGRAL or len(master.forced[a]) == p.days:  # (every day held)
                whole.append((a, k))
                continue
            heaviest = master.columns[a][k][0]
            agree = [0.0] * p.days
            for row, var in master.columns[a]:
                if (w := var.solution_value()) > 1e-9:
                    for d in range(p.days):
                        if row.get(d) == heaviest.get(d):
                            agree[d] += w
            for d in range(p.days):
                if d not in master.forced[a]:
                    blur = rng.random() * CELL_NOISE if rng is not None else 0.0
                    cells.append((agree[d] + blur, a, d, heaviest.get(d)))
        cells.sort(key=lambda cell: cell[0], reverse=True)
        loose = sum(share <= INTEGRAL for share, *_ in cells)
        step = at_least(math.ceil(CELL_STEP * loose), loose, began, steps)
        for a, k in whole:  # (a change to the programme clears its solution's values)
            master.fix(a, k)
            fixed.add(a)
        for rank, (share, a, d, t) in enumerate(cells):
            if share > INTEGRAL or rank < step:
                master.force(a, d, t)

    def fix_columns(
        free: list[int], fixed: set[int], rng: random.Random | None, began: float, steps: int
    ) -> None:
        """One step of a dive by columns: the free agent whose mix leans most on one column
        takes it, and every one whose mix is that column alone (`INTEGRAL`); more agents if
        time would run out. ``rng``: one of the three heaviest at random instead."""
        leaning = sorted(((master.chosen(a), a) for a in free), reverse=True)
        if rng is not None and len(leaning) > 1:
            first = rng.randrange(min(3, len(leaning)))
            leaning.insert(0, leaning.pop(first))
        step = at_least(1, len(free), began, steps)
        for rank, ((weight, k), a) in enumerate(leaning):
            if rank < step or weight > INTEGRAL:
                master.fix(a, k)
                fixed.add(a)

    def dive(rng: random.Random | None, by_cells: bool) -> list[Row]:
        """Hold agent-days (`hold_cells`; else fix whole columns, `fix_columns`) until
        every agent has one column; ``rng``: at random as those say, and pricing by fast
        pricing alone (the dives after the first two are many and quick). The first dive
        of each kind prices by CP-SAT too, where the master is near its optimum
        (``near``). If GLOP fails on the master, it is built afresh from its columns, the
        agents fixed and days held so far kept, and the dive goes on from that step; a
        second failure is raised. The rows."""
        fixed: set[int] = set()
        dive_began, fixings = elapsed(), 0
        exact_rounds = DIVE_EXACT_ROUNDS if rng is None and near else 0  # after fast ones
        afresh = False  # the master built afresh in this dive

        def build_afresh(failure: MasterFailed) -> None:
            """After GLOP's first failure in this dive, the master built afresh, its
            fixings kept; a second failure is raised."""
            nonlocal afresh
            if afresh:
                raise failure
            log.debug("the master failed in a dive at %.1f s: built afresh", elapsed())
            master.rebuild()
            afresh = True

        def price_step(free: list[int]) -> None:
            """Price the free agents (fast rounds, then any exact ones) and solve."""
            for exact in range(exact_rounds + 1):
                for _ in range(DIVE_ROUNDS):
                    if not deterministic and elapsed() >= time_limit:
                        break
                    if not (heuristic_round(free) or heuristic_round(free, thorough=True)):
                        break
                if exact == exact_rounds or not dive_exact_round(free):
                    break
            master.solve()

        while len(fixed) < len(p.agents):
            if not deterministic and elapsed() >= time_limit:
                break  # out of time: the agents still free take their heaviest column
            free = [a for a in everyone if a not in fixed]
            try:
                price_step(free)
            except MasterFailed as failure:
                build_afresh(failure)
                continue
            (hold_cells if by_cells else fix_columns)(free, fixed, rng, dive_began, fixings)
            fixings += 1
        try:
            master.solve()
        except MasterFailed as failure:
            build_afresh(failure)
            master.solve()
        rows = [dict(master.columns[a][master.chosen(a)[1]][0]) for a in everyone]
        master.unfix()
        return rows

    def polish(rows: list[Row]) -> list[Row]:
        """The dive's roster after `improve_rows`' descent: each row rostered anew against
        the others' cover until none moves. The rows it makes are columns for the dives
        after."""
        if deterministic:
            cells = improve_rows(p, _keys(rows), steps=0)
        else:
            cells = improve_rows(p, _keys(rows), time_limit=time_limit - elapsed(), patience=0)
        polished = _rows(len(p.agents), cells)
        for a, row in enumerate(polished):
            master.add(a, row)
        return polished

    rng = random.Random(seed)
    dives = since_cheaper = 0
    kinds: dict[bool, tuple[int, list[Row]]] = {}  # by days or not: its cheapest dive
    rebuilt = False
    while not failed and dives < (DETERMINISTIC_DIVES if deterministic else 10**9):
        started, by_cells = elapsed(), dives % 2 == 0
        try:
            dived = dive(rng if dives >= 2 else None, by_cells)
        except MasterFailed:
            log.debug("the master failed in dive %d at %.1f s", dives + 1, elapsed())
            if rebuilt:
                break  # the cheapest roster so far is the answer
            master.unfix()  # GLOP afresh on the same columns, and the dive again
            master.rebuild()
            rebuilt = True
            continue
        dived = polish(dived)
        dive_took = elapsed() - started
        dives += 1
        since_cheaper += 1
        dived_cost = master.roster_cost(dived)
        if by_cells not in kinds or dived_cost < kinds[by_cells][0]:
            kinds[by_cells] = dived_cost, dived
        if dived_cost < cost:
            rows, cost, since_cheaper = dived, dived_cost, 0
        log.debug("dive %d at %.1f s: %d (least %d)", dives, elapsed(), dived_cost, cost)
        proved = bound is not None and cost <= math.ceil(bound - 1e-6)
        go_on = dives_go_on(cost, bound) and elapsed() < DIVE_NEAR_UNTIL * time_limit
        if proved or (since_cheaper >= dive_patience(cost, bound) and not go_on):
            break
        if not deterministic and elapsed() + dive_took > time_limit:
            break  # a dive squeezed into less time holds more at a step, and ends dearer
    return ColumnResult(
        keys=_keys(rows),
        cost=cost,
        bound=bound,
        lp_value=lp_value,
        mix=mix,
        columns=master.generated,
        rounds=done,
        dives=dives,
        prices=best_prices,
        known=[[row for row, _ in columns] for columns in master.columns],
        others=tuple(_keys(dived) for _, dived in kinds.values() if dived is not rows),
    )
