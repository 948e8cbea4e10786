"""Reduced-cost fixing: what column generation's prices rule out of any cheaper roster.

An exact pricing round proves, at its prices, that every roster costs at least its bound
plus what each agent's row is worth less than the best row the agent could have
(`Prices`). A roster cheaper than the one in hand (cost ``UB``) therefore gives each agent
a row within ``gap = UB - 1 - bound`` of their best (costs are whole numbers), and all
agents together lose no more than ``gap``. For each of an agent's cells (day, shift),
CP-SAT prices the agent's best row with that cell the other way from their best row; if
even that row loses more than ``gap``, every cheaper roster has the cell as the best row
has it, and the cell is fixed. A legal row already known to lose no more than ``gap`` (a
column of the master, or a row found on the way) shows that neither of the values it
takes can be fixed, so most cells need no call.

Every roster also costs at least the bound plus what each agent short of a cover target
costs beyond the target's price (its under weight less the price), and each agent over
(its over weight plus the price): so within ``gap`` each target's count has a narrow
room (`cover_room`; on Instance6 at a gap of 1.25, 44 of its 84 targets have exactly
their count), with no pricing call.

`restrict` adds what that proves to the whole model: the fixed cells, the cover's room,
each agent's worth at least their best less ``gap``, and the agents' sum likewise. Every
roster cheaper than ``UB`` keeps all of it, so CP-SAT on the restricted model, with the
objective below ``UB``, finds a cheaper roster or proves there is none: the roster in
hand is optimal. Fixed once at the smallest gap, `Fixed.at` gives the cells for any
larger one (each cell's loss is kept), so a search can go a level at a time.
When the gap is a few requests' weight the restricted model is small (Instance6 at 1952,
gap 2.3: about 280 of the 1,034 cells its employees may work are fixed, and CP-SAT finds
the optimum 1950 and proves it, where on the whole model it finds nothing below 1952).
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from callshift.roster.columns import PRICE_SCALE, Prices, Row, _ExactPricer, scaled_worth
from callshift.roster.model import Key, RosterModel
from callshift.roster.problem import RosterProblem

CALL_SECONDS = 1.0  # CP-SAT's limit on one pricing call (deterministic time in such runs)
ROOM_EPSILON = 1e-6  # `cover_room`: prices within this of a weight bound nothing

Key2 = tuple[int, int]  # (day, template)

log = logging.getLogger(__name__)


@dataclass
class Fixed:
    """The cells fixed, at their values (True: the agent works that shift that day), how
    many of them no legal row of the agent works at all (fixed without the prices), and
    what each cell's other value is proved to lose at least (infinite: no legal row)."""

    cells: dict[Key, bool] = field(default_factory=dict)
    never: int = 0
    loss: dict[Key, float] = field(default_factory=dict)

    def at(self, gap: float) -> Fixed:
        """The cells fixed for a gap at least the one these were fixed at: those whose
        other value loses more than ``gap``."""
        kept = {key: works for key, works in self.cells.items() if self.loss[key] > gap}
        return Fixed(kept, self.never, {key: self.loss[key] for key in kept})

    def share(self, problem: RosterProblem) -> float:
        """Of the cells some legal row works, the share fixed by the prices."""
        cells = len(problem.agents) * problem.days * len(problem.templates)
        return (len(self.cells) - self.never) / max(cells - self.never, 1)


def fix_cells(
    problem: RosterProblem,
    prices: Prices,
    known: list[list[Row]],
    gap: float,
    one_agent: Callable[[RosterProblem], RosterModel],
    *,
    time_limit: float,
    seed: int = 0,
    deterministic: bool = False,
) -> Fixed:
    """The cells every roster that loses no more than ``gap`` against ``prices`` has, at
    their value. ``known``: legal rows of each agent. A cell whose call runs out of time,
    or that the time limit leaves unpriced, is not fixed; so stopping early only fixes
    less."""
    began = time.monotonic()
    templates = len(problem.templates)
    fixed = Fixed()
    calls = 0
    for a in range(len(problem.agents)):
        if not deterministic and time.monotonic() - began >= time_limit:
            break
        most = prices.most[a]
        free: set[tuple[int, int, bool]] = set()  # (day, template, value) a row within gap has
        _shows(problem, prices, a, gap, known[a], free)
        pricer = _ExactPricer(problem, a, one_agent, seed)
        rows, _ = pricer.price(prices.values[a], CALL_SECONDS, deterministic)
        calls += 1
        if not rows:
            continue  # no best row found in the time: nothing to fix from
        best = rows[0]
        _shows(problem, prices, a, gap, rows, free)
        for d, t in itertools.product(range(problem.days), range(templates)):
            if not deterministic and time.monotonic() - began >= time_limit:
                break
            works = best.get(d) == t
            if (d, t, not works) in free:
                continue
            cell = pricer.m.x[0, d, t]
            rows, flipped = pricer.price(
                prices.values[a], CALL_SECONDS, deterministic, (cell.Not() if works else cell,)
            )
            calls += 1
            _shows(problem, prices, a, gap, rows, free)
            if most - flipped > gap:
                fixed.cells[a, d, t] = works
                fixed.loss[a, d, t] = most - flipped
                fixed.never += flipped == -math.inf and not works
    log.debug(
        "fixing at gap %.2f: %d cells fixed (%d that no legal row works), %d calls, %.1f s",
        gap,
        len(fixed.cells),
        fixed.never,
        calls,
        time.monotonic() - began,
    )
    return fixed


def _shows(
    problem: RosterProblem,
    prices: Prices,
    a: int,
    gap: float,
    rows: list[Row],
    free: set[tuple[int, int, bool]],
) -> None:
    """Add to ``free`` each (day, template, value) of the rows of agent ``a`` that lose no
    more than ``gap``: no such value can be fixed."""
    for row in rows:
        if prices.most[a] - prices.worth(a, row) <= gap:
            free.update(
                (d, t, row.get(d) == t)
                for d in range(problem.days)
                for t in range(len(problem.templates))
            )


def cover_room(problem: RosterProblem, prices: Prices, gap: float) -> dict[Key2, tuple[int, int]]:
    """The fewest and most agents each cover target (day, template) can have in a roster
    that loses no more than ``gap`` against ``prices``, where that is narrower than any
    count: an agent short costs the target's under weight less its price over the bound,
    an agent over its over weight plus its price, and neither can exceed ``gap``."""
    agents = len(problem.agents)
    room: dict[Key2, tuple[int, int]] = {}
    for cell, cover in problem.shift_cover.items():
        price = prices.cover.get(cell)
        if price is None:
            continue
        least, most = 0, agents
        short, over = cover.under_weight - price, cover.over_weight + price
        if short > ROOM_EPSILON:
            least = max(0, cover.required - math.floor(gap / short + ROOM_EPSILON))
        if over > ROOM_EPSILON:
            most = min(agents, cover.required + math.floor(gap / over + ROOM_EPSILON))
        if least > 0 or most < agents:
            room[cell] = (least, most)
    return room


def restrict(m: RosterModel, prices: Prices, gap: float, fixed: Fixed) -> None:
    """Add to ``m`` what every roster that loses no more than ``gap`` against ``prices``
    keeps: the ``fixed`` cells, each cover target's count within its `cover_room`, each
    agent's row worth at least their most less ``gap``, and the agents' worth together at
    least the sum of their most less ``gap``. Worth is counted in thousandths
    (`PRICE_SCALE`), rounded; the floors allow for the rounding (a half at most each
    day)."""
    p = m.problem
    for key, works in fixed.cells.items():
        m.model.add(m.x[key] == int(works))
    room = cover_room(p, prices, gap)
    for (d, t), (least, most) in room.items():
        count = cp_model.LinearExpr.sum([m.x[a, d, t] for a in range(len(p.agents))])
        m.model.add_linear_constraint(count, least, most)
    log.debug(
        "cover room at gap %.2f: %d of %d targets narrowed, %d to their count exactly",
        gap,
        len(room),
        len(p.shift_cover),
        sum(least == most for least, most in room.values()),
    )
    if not all(math.isfinite(most) for most in prices.most):
        return  # an agent with no legal row: no floor to add
    slack = 0.5 * p.days  # thousandths an agent's worth may lose to rounding
    everyone: list[cp_model.LinearExprT] = []
    for a in range(len(p.agents)):
        terms = scaled_worth(prices.values[a], m.x, a)
        floor = math.floor((prices.most[a] - gap) * PRICE_SCALE - slack)
        m.model.add(cp_model.LinearExpr.sum(terms) >= floor)
        everyone.extend(terms)
    floor = math.floor((sum(prices.most) - gap) * PRICE_SCALE - slack * len(p.agents))
    m.model.add(cp_model.LinearExpr.sum(everyone) >= floor)
