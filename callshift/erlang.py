"""Queueing maths for staffing: Erlang B, C and A, vectorised over intervals.

Pure numpy/scipy: no pandas, no solver. Every function takes arrays (or scalars) that
broadcast together and returns float arrays.

Conventions
-----------
- ``traffic`` is the offered load in Erlangs: arrival rate × average handle time.
- ``service_level`` is the fraction of *all offered* calls answered within
  ``answer_seconds``; a call answered at once counts as answered within any target, and
  under Erlang A a call that abandons never counts as answered.
- ``asa_seconds`` is the mean wait of the calls that are answered (calls answered at once
  count with zero wait).
- ``occupancy`` is the carried load per agent: traffic × P(answered) / agents.

Erlang C is computed from the Erlang B recursion ``1/B(n) = 1 + (n/A)·1/B(n−1)``, which
never forms a factorial or a power and stays exact to machine precision for loads of many
thousands of Erlangs. Erlang A (M/M/n+M, exponential patience) uses the closed forms in
terms of the regularised incomplete gamma function; see ``docs/erlang.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ArrayLike = npt.ArrayLike


def _floats(*values: ArrayLike) -> list[FloatArray]:
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in values))
    return [np.array(a, dtype=np.float64) for a in arrays]


# --------------------------------------------------------------------------- Erlang B / C


def erlang_b(agents: ArrayLike, traffic: ArrayLike) -> FloatArray:
    """Blocking probability B(n, A) of an M/M/n/n loss system, by the stable recursion."""
    n, a = _floats(agents, traffic)
    if np.any(n < 0) or np.any(n != np.floor(n)):
        raise ValueError("agents must be whole numbers >= 0")
    if np.any(a < 0):
        raise ValueError("traffic must be >= 0")
    inv_b = np.ones_like(a)
    positive = a > 0
    safe_a = np.where(positive, a, 1.0)
    top = int(n.max(initial=0))
    with np.errstate(over="ignore"):
        for k in range(1, top + 1):
            step = k <= n
            inv_b = np.where(step, 1.0 + (k / safe_a) * inv_b, inv_b)
    blocking = np.where(positive, 1.0 / inv_b, np.where(n == 0, 1.0, 0.0))
    return np.asarray(blocking, dtype=np.float64)


def _erlang_c_from_b(n: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    stable = n > a
    denom = np.where(stable, n - a * (1.0 - b), 1.0)
    c = np.where(stable, n * b / denom, 1.0)
    return np.asarray(np.where(a > 0, c, 0.0), dtype=np.float64)


def erlang_c(agents: ArrayLike, traffic: ArrayLike) -> FloatArray:
    """Probability that a call waits, P(W > 0), in M/M/n (1 when n <= A: the queue grows)."""
    n, a = _floats(agents, traffic)
    return _erlang_c_from_b(n, a, erlang_b(n, a))


@dataclass(frozen=True)
class QueueMetrics:
    """What a queueing model predicts for given agents, per interval (arrays)."""

    p_wait: FloatArray
    service_level: FloatArray
    asa_seconds: FloatArray
    occupancy: FloatArray
    p_abandon: FloatArray


def _metrics_c(
    n: FloatArray, a: FloatArray, p_wait: FloatArray, aht: FloatArray, answer_seconds: FloatArray
) -> QueueMetrics:
    stable = n > a
    spare = np.where(stable, n - a, 1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        decay = np.exp(-spare * answer_seconds / np.where(aht > 0, aht, 1.0))
        sl = np.where(stable, 1.0 - p_wait * decay, 0.0)
        asa = np.where(stable, p_wait * aht / spare, np.inf)
        occ = np.where(n > 0, np.minimum(a / np.where(n > 0, n, 1.0), 1.0), np.nan)
    idle = a == 0
    sl = np.where(idle, 1.0, sl)
    asa = np.where(idle, 0.0, asa)
    occ = np.where(idle & (n == 0), np.nan, np.where(idle, 0.0, occ))
    return QueueMetrics(
        p_wait=p_wait,
        service_level=np.clip(sl, 0.0, 1.0),
        asa_seconds=asa,
        occupancy=occ,
        p_abandon=np.zeros_like(a),
    )


def erlang_c_metrics(
    agents: ArrayLike, traffic: ArrayLike, aht_seconds: ArrayLike, answer_seconds: ArrayLike
) -> QueueMetrics:
    """Service level, ASA and occupancy of M/M/n with the given agents."""
    n, a, aht, t = _floats(agents, traffic, aht_seconds, answer_seconds)
    return _metrics_c(n, a, erlang_c(n, a), aht, t)


@dataclass(frozen=True)
class Targets:
    """What an interval must meet. ``None`` switches a limit off."""

    service_level: float
    answer_seconds: float
    max_occupancy: float = 1.0
    asa_seconds: float | None = None
    max_abandon_rate: float | None = None

    def __post_init__(self) -> None:
        if not 0.0 < self.service_level < 1.0:
            raise ValueError("service_level must be a fraction between 0 and 1, e.g. 0.8")
        if self.answer_seconds < 0:
            raise ValueError("answer_seconds must be >= 0")
        if not 0.0 < self.max_occupancy <= 1.0:
            raise ValueError("max_occupancy must be a fraction in (0, 1]")
        if self.asa_seconds is not None and self.asa_seconds <= 0:
            raise ValueError("asa_seconds must be > 0")
        if self.max_abandon_rate is not None and not 0.0 < self.max_abandon_rate < 1.0:
            raise ValueError("max_abandon_rate must be a fraction between 0 and 1")

    def met_by(self, metrics: QueueMetrics) -> npt.NDArray[np.bool_]:
        ok = (metrics.service_level >= self.service_level) & (
            np.nan_to_num(metrics.occupancy, nan=0.0) <= self.max_occupancy
        )
        if self.asa_seconds is not None:
            ok &= metrics.asa_seconds <= self.asa_seconds
        if self.max_abandon_rate is not None:
            ok &= metrics.p_abandon <= self.max_abandon_rate
        return np.asarray(ok, dtype=np.bool_)


def size_erlang_c(traffic: ArrayLike, aht_seconds: ArrayLike, targets: Targets) -> IntArray:
    """Smallest agents per interval that meet ``targets`` under Erlang C (0 for no traffic).

    One pass of the Erlang B recursion over n = 1, 2, …, shared by all intervals; an
    interval is settled at the first n that meets every target. Service level, ASA and
    occupancy all improve with n, so the first such n is the minimum.
    """
    a, aht = _floats(traffic, aht_seconds)
    if np.any(a < 0) or np.any(~np.isfinite(a)):
        raise ValueError("traffic must be finite and >= 0")
    shape = a.shape
    a, aht = a.ravel(), aht.ravel()
    agents = np.where(a > 0, -1, 0).astype(np.int64)
    inv_b = np.ones_like(a)
    safe_a = np.where(a > 0, a, 1.0)
    t = np.full_like(a, targets.answer_seconds)
    n = 0
    with np.errstate(over="ignore"):
        while np.any(agents < 0):
            n += 1
            inv_b = 1.0 + (n / safe_a) * inv_b
            open_ = agents < 0
            # occupancy as `met_by` computes it (n * cap >= a rounds differently: 3 * 0.6 < 1.8)
            candidates = open_ & (n > a) & (a / n <= targets.max_occupancy)
            if not np.any(candidates):
                continue
            idx = np.flatnonzero(candidates)
            nn = np.full(idx.size, float(n))
            b = 1.0 / inv_b[idx]
            metrics = _metrics_c(nn, a[idx], _erlang_c_from_b(nn, a[idx], b), aht[idx], t[idx])
            agents[idx[targets.met_by(metrics)]] = n
    return agents.reshape(shape)


# --------------------------------------------------------------------------- Erlang A


def _log_below(n: FloatArray, a: FloatArray) -> FloatArray:
    """log of sum_{j<n} pi_j / pi_n = 1/B(n, A) - 1, via the Poisson CDF (n >= 1, A > 0)."""
    with np.errstate(divide="ignore"):
        return np.asarray(
            np.log(special.gammaincc(n, a)) + a + special.gammaln(n + 1.0) - n * np.log(a),
            dtype=np.float64,
        )


def _log_kummer(b: FloatArray, w: FloatArray) -> FloatArray:
    """log M(1, b, w) = log sum_{k>=0} w^k / (b (b+1) … (b+k-1)), for b > 1 and w >= 0.

    Near and above saturation (w >= b - 5 sqrt(b)) by the closed form
    Γ(b) P(b-1, w) e^w w^(1-b); far below it by the series, whose terms then shrink
    geometrically.
    """
    out = np.zeros_like(b)
    series = w < b - 5.0 * np.sqrt(b) - 10.0
    closed = ~series & (w > 0)
    if np.any(closed):
        bc, wc = b[closed], w[closed]
        with np.errstate(divide="ignore"):
            out[closed] = (
                special.gammaln(bc)
                + np.log(special.gammainc(bc - 1.0, wc))
                + wc
                - (bc - 1.0) * np.log(wc)
            )
    if np.any(series):
        bs, ws = b[series], w[series]
        total = np.ones_like(bs)
        term = np.ones_like(bs)
        for k in range(100_000):
            term = term * ws / (bs + k)
            total += term
            if np.all(term <= 1e-17 * total):
                break
        out[series] = np.log(total)
    return out


def _answered_wait_sum(x: FloatArray, y: FloatArray, log_r: FloatArray) -> FloatArray:
    """sum_k t_k/R · x/(x+k+1) · sum_{i=1}^{k+1} 1/(x+i): answered queued calls' wait × theta."""
    acc = np.zeros_like(x)
    log_t = np.zeros_like(x)  # log t_0 = 0
    harmonic = 1.0 / (x + 1.0)
    peak = np.maximum(y - x, 0.0)
    limit = int(np.max(peak + 40.0 * np.sqrt(x + y + 1.0) + 60.0, initial=0.0))
    for k in range(limit + 1):
        if k > 0:
            log_t = log_t + np.log(y) - np.log(x + k)  # t_k = y^k / ((x+1)…(x+k))
            harmonic = harmonic + 1.0 / (x + k + 1.0)
        weight = np.exp(log_t - log_r)
        acc += weight * x / (x + k + 1.0) * harmonic
        if k > peak.max() and np.all(weight < 1e-18):
            break
    return acc


def erlang_a_metrics(
    agents: ArrayLike,
    calls_per_second: ArrayLike,
    aht_seconds: ArrayLike,
    patience_seconds: ArrayLike,
    answer_seconds: ArrayLike,
    *,
    with_asa: bool = True,
) -> QueueMetrics:
    """Exact steady-state measures of M/M/n+M (Erlang A), vectorised.

    The state probabilities are pi_j ∝ A^j/j! up to n busy agents and
    pi_{n+k} = pi_n · prod_{i=1..k} λ/(nμ + iθ) with k callers queued. With
    x = nμ/θ and y = λ/θ, every measure is a ratio of masses per pi_n: ``below``
    (agents free), ``R = M(1, x+1, y)`` (callers queued), the queued callers answered at
    all, ``x/(x+1) M(1, x+2, y)``, and those answered within t. The wait V of a caller who
    finds k queued has e^{-θV} ~ Beta(x, k+1), which gives all of them in terms of
    Kummer's function M(1, b, w); see docs/erlang.md for the derivation.
    """
    n, lam, aht, patience, t = _floats(
        agents, calls_per_second, aht_seconds, patience_seconds, answer_seconds
    )
    if np.any(patience <= 0):
        raise ValueError("patience_seconds must be > 0")
    a = lam * aht
    busy = (a > 0) & (n > 0)
    shape = a.shape
    p_wait = np.where(a > 0, 1.0, 0.0)
    sl = np.where(a > 0, 0.0, 1.0)
    asa = np.where(a > 0, np.inf, 0.0)
    p_ab = np.where(a > 0, 1.0, 0.0)
    occ = np.where(n > 0, 0.0, np.nan)
    if np.any(busy):
        i = np.flatnonzero(busy.ravel())
        nn, aa, la = n.ravel()[i], a.ravel()[i], lam.ravel()[i]
        ah, pa, tt = aht.ravel()[i], patience.ravel()[i], t.ravel()[i]
        x = nn * pa / ah
        y = la * pa
        z = np.exp(-tt / pa)
        log_below = _log_below(nn, aa)
        log_r = _log_kummer(x + 1.0, y)
        log_m = _log_kummer(x + 2.0, y)
        log_late = -(x + 1.0) * tt / pa + y * (1.0 - z) + _log_kummer(x + 2.0, y * z)
        # Normalise by the largest mass to avoid overflow.
        scale = np.maximum(log_below, log_r)
        below = np.exp(log_below - scale)
        r = np.exp(log_r - scale)
        share = x / (x + 1.0)
        served = share * np.exp(log_m - scale)  # queued, answered at any time
        s = np.maximum(served - share * np.exp(log_late - scale), 0.0)  # … within t
        total = below + r
        pw = r / total
        pab = np.clip((r - served) / total, 0.0, 1.0)
        sl_i = (below + s) / total
        if with_asa:
            wait_sum = _answered_wait_sum(x, y, log_r) * pw * pa
            asa_i = np.where(pab < 1.0, wait_sum / np.maximum(1.0 - pab, 1e-300), np.inf)
        else:
            asa_i = np.full_like(x, np.nan)
        for full, part in (
            (p_wait, pw),
            (sl, np.clip(sl_i, 0.0, 1.0)),
            (asa, asa_i),
            (p_ab, pab),
            (occ, np.minimum(aa * (1.0 - pab) / nn, 1.0)),
        ):
            full.ravel()[i] = part
    return QueueMetrics(
        p_wait=p_wait.reshape(shape),
        service_level=sl.reshape(shape),
        asa_seconds=asa.reshape(shape),
        occupancy=occ.reshape(shape),
        p_abandon=p_ab.reshape(shape),
    )


def size_erlang_a(
    calls_per_second: ArrayLike,
    aht_seconds: ArrayLike,
    patience_seconds: ArrayLike,
    targets: Targets,
) -> IntArray:
    """Smallest agents per interval that meet ``targets`` under Erlang A (0 for no calls).

    No n below target × A can meet the service level (answered ≤ carried load ≤ n), so
    the search starts there, gallops upward and bisects; every measure is monotone in n.
    """
    lam, aht, patience = _floats(calls_per_second, aht_seconds, patience_seconds)
    a = lam * aht
    agents = np.zeros(a.shape, dtype=np.int64)
    todo = np.flatnonzero(a.ravel() > 0)
    if todo.size == 0:
        return agents
    la, ah, pa = lam.ravel()[todo], aht.ravel()[todo], patience.ravel()[todo]
    need_asa = targets.asa_seconds is not None
    t = np.full(todo.size, targets.answer_seconds)

    def meets(n: FloatArray, sel: IntArray) -> npt.NDArray[np.bool_]:
        m = erlang_a_metrics(n, la[sel], ah[sel], pa[sel], t[sel], with_asa=need_asa)
        return targets.met_by(m)

    fail = np.maximum(np.ceil(targets.service_level * la * ah) - 1.0, 0.0)  # known to fail
    ok = np.full(todo.size, np.inf)  # known to meet
    step = np.ones(todo.size)
    while np.any(np.isinf(ok)):
        sel = np.flatnonzero(np.isinf(ok))
        probe = fail[sel] + step[sel]
        good = meets(probe, sel)
        ok[sel[good]] = probe[good]
        fail[sel[~good]] = probe[~good]
        step[sel[~good]] *= 2.0
    while np.any(ok - fail > 1):
        sel = np.flatnonzero(ok - fail > 1)
        mid = np.floor((ok[sel] + fail[sel]) / 2.0)
        good = meets(mid, sel)
        ok[sel[good]] = mid[good]
        fail[sel[~good]] = mid[~good]
    agents.ravel()[todo] = ok.astype(np.int64)
    return agents


def as_float(value: Any) -> float:
    """A 0-d array or scalar as a Python float (for tests and reports)."""
    return float(np.asarray(value, dtype=np.float64).reshape(()))
