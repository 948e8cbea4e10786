"""Erlang B, C and A against published examples, a 50-digit reference and properties."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from callshift.erlang import (
    Targets,
    as_float,
    erlang_a_metrics,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    size_erlang_a,
    size_erlang_c,
)

mp.mp.dps = 50


# --------------------------------------------------------------------------- references
# Written from the textbook definitions (sums of A^k/k! and the birth-death chain), with
# none of the recursions or closed forms that callshift.erlang uses.


def ref_erlang_b(n: int, a: float) -> mp.mpf:
    a = mp.mpf(a)
    terms = [a**k / mp.factorial(k) for k in range(n + 1)]
    return terms[-1] / mp.fsum(terms)


def ref_erlang_c(n: int, a: float) -> mp.mpf:
    a = mp.mpf(a)
    top = a**n / mp.factorial(n) * n / (n - a)
    return top / (mp.fsum(a**k / mp.factorial(k) for k in range(n)) + top)


def ref_erlang_a(n: int, lam: float, aht: float, patience: float, t: float) -> dict[str, float]:
    """M/M/n+M by summing the truncated stationary distribution, state by state."""
    lam, mu, theta = mp.mpf(lam), 1 / mp.mpf(aht), 1 / mp.mpf(patience)
    a = lam / mu
    low = [a**j / mp.factorial(j) for j in range(n + 1)]
    queue = [low[-1]]
    k = 0
    while True:
        k += 1
        queue.append(queue[-1] * lam / (n * mu + k * theta))
        if k > 50 and queue[-1] < mp.mpf(10) ** -45 * queue[0]:
            break
    total = mp.fsum(low[:-1]) + mp.fsum(queue)
    x = n * mu / theta
    z = mp.exp(-theta * t)
    p_wait = mp.fsum(queue) / total
    served_within = mp.mpf(0)
    served = mp.mpf(0)
    wait_served = mp.mpf(0)
    for k, pk in enumerate(queue):
        # e^{-θV} ~ Beta(x, k+1) for a caller who finds k queued; served iff patience > V.
        p_served = x / (x + k + 1)
        served += pk * p_served
        served_within += pk * p_served * (1 - mp.betainc(x + 1, k + 1, 0, z, regularized=True))
        harmonic = mp.fsum(1 / (x + i) for i in range(1, k + 2))
        wait_served += pk * p_served * harmonic / theta
    p_abandon = 1 - (mp.fsum(low[:-1]) + served) / total
    return {
        "p_wait": float(p_wait),
        "service_level": float((mp.fsum(low[:-1]) + served_within) / total),
        "p_abandon": float(p_abandon),
        "asa_seconds": float(wait_served / total / (1 - p_abandon)),
        "occupancy": float(a * (1 - p_abandon) / n),
    }


# --------------------------------------------------------------------------- published example


def test_call_centre_helper_worked_example() -> None:
    """100 calls in 30 minutes, AHT 180 s, target 80% answered in 20 s.

    Source: Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked
    Example" (callcentrehelper.com): traffic 10 Erlangs, 14 agents, P(wait) 17.41%,
    service level 88.84%, occupancy 71.43%; with 30% shrinkage 20 agents scheduled.
    """
    traffic = 100 * 180 / 1800
    assert traffic == 10.0
    agents = size_erlang_c(traffic, 180, Targets(0.8, 20, max_occupancy=0.85))
    assert int(agents) == 14
    m = erlang_c_metrics(14, traffic, 180, 20)
    assert as_float(m.service_level) == pytest.approx(0.8884, abs=5e-5)
    assert as_float(m.p_wait) == pytest.approx(0.1741, abs=5e-5)
    assert as_float(m.occupancy) == pytest.approx(0.7143, abs=5e-5)
    # 13 agents would not do: the sizing is the smallest that meets 80/20.
    assert as_float(erlang_c_metrics(13, traffic, 180, 20).service_level) < 0.8


def test_worked_example_occupancy_cap_adds_an_agent() -> None:
    """Same example with occupancy capped at 70%: 10/14 = 0.714 > 0.70, so 15 agents."""
    assert int(size_erlang_c(10.0, 180, Targets(0.8, 20, max_occupancy=0.70))) == 15


def test_worked_example_with_patience_needs_fewer_agents() -> None:
    """Same example under Erlang A with a mean patience of 300 s: 13 agents meet 80/20."""
    lam = 100 / 1800
    assert int(size_erlang_a(lam, 180, 300, Targets(0.8, 20, max_occupancy=0.85))) == 13
    assert as_float(erlang_a_metrics(12, lam, 180, 300, 20).service_level) < 0.8
    assert as_float(erlang_a_metrics(13, lam, 180, 300, 20).service_level) >= 0.8


# --------------------------------------------------------------------------- exactness


@pytest.mark.parametrize(
    ("n", "a"),
    [(1, 0.05), (2, 0.9), (14, 10.0), (30, 25.5), (120, 100.0), (400, 380.0), (1000, 1013.7)],
)
def test_erlang_b_and_c_match_50_digit_reference(n: int, a: float) -> None:
    b = as_float(erlang_b(n, a))
    assert b == pytest.approx(float(ref_erlang_b(n, a)), rel=1e-12)
    if n > a:
        assert as_float(erlang_c(n, a)) == pytest.approx(float(ref_erlang_c(n, a)), rel=1e-12)


def test_erlang_c_is_exact_at_5000_erlangs() -> None:
    a = 5000.0
    n = int(size_erlang_c(a, 180, Targets(0.8, 20, max_occupancy=1.0)))
    assert n > a
    c = as_float(erlang_c(n, a))
    assert math.isfinite(c)
    assert c == pytest.approx(float(ref_erlang_c(n, a)), rel=1e-12)

    # Minimal: one fewer agent misses 80/20 (checked with the reference formula).
    def ref_level(k: int) -> float:
        return float(1 - ref_erlang_c(k, a) * mp.exp(-(k - a) * 20 / mp.mpf(180)))

    assert ref_level(n) >= 0.8 > ref_level(n - 1)


def test_vectorised_sizing_matches_one_by_one() -> None:
    loads = np.array([0.0, 0.3, 1.0, 7.5, 42.0, 250.0, 5000.0])
    together = size_erlang_c(loads, 240.0, Targets(0.8, 20, 0.85))
    alone = [int(size_erlang_c(a, 240.0, Targets(0.8, 20, 0.85))) for a in loads]
    assert together.tolist() == alone
    assert together[0] == 0
    assert together[1] >= 1


@pytest.mark.parametrize(
    ("n", "lam", "aht", "patience", "t"),
    [
        (13, 100 / 1800, 180, 300, 20),
        (5, 0.02, 240, 60, 30),
        (8, 0.05, 200, 600, 10),
        (30, 0.12, 260, 120, 20),
        (3, 0.004, 300, 45, 20),
        (60, 0.2, 300, 200, 15),
    ],
)
def test_erlang_a_matches_state_by_state_reference(
    n: int, lam: float, aht: float, patience: float, t: float
) -> None:
    got = erlang_a_metrics(n, lam, aht, patience, t)
    want = ref_erlang_a(n, lam, aht, patience, t)
    for name, value in want.items():
        assert as_float(getattr(got, name)) == pytest.approx(value, rel=1e-9, abs=1e-14), name


def test_erlang_a_tends_to_erlang_c_as_patience_grows() -> None:
    c = erlang_c_metrics(14, 10.0, 180, 20)
    a = erlang_a_metrics(14, 10.0 / 180, 180, 1e8, 20)
    assert as_float(a.service_level) == pytest.approx(as_float(c.service_level), abs=1e-5)
    assert as_float(a.p_wait) == pytest.approx(as_float(c.p_wait), abs=1e-5)
    assert as_float(a.asa_seconds) == pytest.approx(as_float(c.asa_seconds), rel=1e-4)


def test_no_calls_need_no_agents() -> None:
    assert size_erlang_c([0.0, 0.0], 300, Targets(0.8, 20)).tolist() == [0, 0]
    assert size_erlang_a([0.0], 300, 120, Targets(0.8, 20)).tolist() == [0]


def test_abandonment_cap_adds_agents() -> None:
    lam = 100 / 1800
    base = Targets(0.8, 20, 0.85)
    capped = Targets(0.8, 20, 0.85, max_abandon_rate=0.01)
    n = int(size_erlang_a(lam, 180, 300, capped))
    assert n > int(size_erlang_a(lam, 180, 300, base))
    assert as_float(erlang_a_metrics(n, lam, 180, 300, 20).p_abandon) <= 0.01
    assert as_float(erlang_a_metrics(n - 1, lam, 180, 300, 20).p_abandon) > 0.01


def test_asa_target_adds_agents() -> None:
    n = int(size_erlang_c(10.0, 180, Targets(0.8, 20, 0.85, asa_seconds=3.0)))
    assert as_float(erlang_c_metrics(n, 10.0, 180, 20).asa_seconds) <= 3.0
    assert as_float(erlang_c_metrics(n - 1, 10.0, 180, 20).asa_seconds) > 3.0


@pytest.mark.parametrize("bad", [0.0, 1.0, 80.0, -0.1])
def test_targets_reject_levels_that_are_not_fractions(bad: float) -> None:
    with pytest.raises(ValueError, match="service_level"):
        Targets(bad, 20)


# --------------------------------------------------------------------------- properties

loads = st.floats(min_value=0.01, max_value=400.0, allow_nan=False)
handle_times = st.floats(min_value=20.0, max_value=1200.0, allow_nan=False)
answer_times = st.floats(min_value=0.0, max_value=120.0, allow_nan=False)
patiences = st.floats(min_value=5.0, max_value=3600.0, allow_nan=False)
levels = st.floats(min_value=0.5, max_value=0.95, allow_nan=False)
occupancies = st.floats(min_value=0.6, max_value=1.0, allow_nan=False)


@given(a=loads, aht=handle_times, t=answer_times)
def test_erlang_c_service_level_never_falls_with_more_agents(
    a: float, aht: float, t: float
) -> None:
    n = np.arange(1, int(a) + 60)
    m = erlang_c_metrics(n, a, aht, t)
    assert np.all(np.diff(m.service_level) >= -1e-12)
    assert np.all((m.p_wait >= 0) & (m.p_wait <= 1))


@given(a=loads, aht=handle_times, t=answer_times, patience=patiences)
def test_erlang_a_service_level_never_falls_with_more_agents(
    a: float, aht: float, t: float, patience: float
) -> None:
    n = np.arange(1, int(a) + 40)
    m = erlang_a_metrics(n, a / aht, aht, patience, t, with_asa=False)
    assert np.all(np.diff(m.service_level) >= -1e-9)
    assert np.all((m.p_wait >= 0) & (m.p_wait <= 1))
    assert np.all((m.p_abandon >= 0) & (m.p_abandon <= 1))


@given(a=loads, aht=handle_times, t=answer_times, level=levels, occ=occupancies)
@example(a=1.8, aht=20.0, t=0.0, level=0.5, occ=0.6)  # 3 agents: occupancy 0.6 exactly
def test_erlang_c_sizing_is_minimal(
    a: float, aht: float, t: float, level: float, occ: float
) -> None:
    targets = Targets(level, t, occ)
    n = int(size_erlang_c(a, aht, targets))
    assert targets.met_by(erlang_c_metrics(n, a, aht, t))
    assert not targets.met_by(erlang_c_metrics(n - 1, a, aht, t))


@given(a=loads, aht=handle_times, t=answer_times, patience=patiences, level=levels, occ=occupancies)
def test_erlang_a_sizing_is_minimal(
    a: float, aht: float, t: float, patience: float, level: float, occ: float
) -> None:
    targets = Targets(level, t, occ)
    n = int(size_erlang_a(a / aht, aht, patience, targets))
    assert targets.met_by(erlang_a_metrics(n, a / aht, aht, patience, t))
    assert n == 0 or not targets.met_by(erlang_a_metrics(n - 1, a / aht, aht, patience, t))


@given(
    a=loads, extra=st.floats(0.0, 50.0), aht=handle_times, longer=st.floats(1.0, 2.0), level=levels
)
def test_required_agents_never_fall_as_calls_or_handle_time_rise(
    a: float, extra: float, aht: float, longer: float, level: float
) -> None:
    targets = Targets(level, 20, 0.85)
    lam = a / aht
    base = int(size_erlang_c(a, aht, targets))
    assert int(size_erlang_c(a + extra, aht, targets)) >= base  # more calls
    assert int(size_erlang_c(lam * aht * longer, aht * longer, targets)) >= base  # longer calls
    base_a = int(size_erlang_a(lam, aht, 300, targets))
    assert int(size_erlang_a(lam + extra / aht, aht, 300, targets)) >= base_a
    assert int(size_erlang_a(lam, aht * longer, 300, targets)) >= base_a
