"""Small sample inputs for `callshift init` and the demo: a week of a 24/7 help line.

The forecast is made, not measured: a telco help line in Jakarta, 15-minute intervals,
a morning peak and an evening peak, quieter weekends and Christmas Day, a few calls all
night. It is deterministic (fixed seed), and `data/forecast.csv` is this output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SAMPLE_START = "2026-12-21"  # a Monday; Christmas Day falls on the Friday
SAMPLE_DAYS = 7
SAMPLE_INTERVAL_MINUTES = 15
SAMPLE_AGENTS = 76

CONFIG_TEMPLATE = """\
# callshift.toml: settings for `callshift staff` and `callshift plan`.
# Every key has a default; delete a line to go back to it.

[staffing]
# Fraction of all offered calls answered within answer_seconds (80/20 is the usual target).
service_level = 0.80
answer_seconds = 20
# Upper limit on the fraction of paid phone time an agent spends on calls.
max_occupancy = 0.85
# Fraction of scheduled time lost to breaks, coaching, absence and other off-phone work.
# Published contact-center benchmarks average 27-35%.
shrinkage = 0.30
# Optional: average speed of answer limit in seconds.
# asa_seconds = 30
# Optional, Erlang A only (forecast has patience_seconds): abandonment rate limit.
# max_abandon_rate = 0.05
# Floor of agents on the phones in any interval that has calls.
min_agents = 0

[rules]
# Hard rules: a roster that breaks one is never written.
max_shifts_per_day = 1
# Company policy: Indonesian law sets no minimum rest between shifts; the EU sets 11 h.
min_rest_hours = 11
max_consecutive_days = 6
# Days off in every 7-day block counted from the start (5 x 8 h week: 2; 6 x 7 h week: 1).
weekly_rest_days = 2
# Paid hours per 7-day block for agents whose agents.csv row gives no contract_hours.
contract_hours = 40
# A shift that overlaps this window is a night shift (only for agents with night_ok).
night_start = "23:00"
night_end = "05:00"

[holidays]
# Public holidays from the `holidays` package: ISO country code, optional subdivision.
country = "ID"
# subdivision = "JK"
# Indonesia's cuti bersama (collective leave days) count as holidays too when true.
cuti_bersama = false
# Language of holiday names; without it the country's own ("Hari Raya Natal" for ID).
# language = "en_US"

[holidays.company]
# Company holidays: "YYYY-MM-DD" = "name".
# "2026-12-31" = "Tutup buku akhir tahun"

[soft]
# Weights of the soft rules, per unit of each rule's penalty (0 switches one off).
# Coverage costs 100 per agent per interval short and 1 per agent over. See docs/rules.md.
fair_nights = 10
fair_weekends = 8
fair_holidays = 10
fair_hours = 1
forward_rotation = 10
stable_shift = 5
night_blocks = 10
off_pairs = 5
weekend_off = 20
preferences = 3
min_night_block = 2
max_night_block = 4
days_off_after_nights = 2

[solver]
time_limit_seconds = 60
# 0 uses every core. 1 makes runs reproducible: the same inputs and seed give the same
# files, and time_limit_seconds then counts CP-SAT deterministic seconds (about 2-3.5 wall
# seconds each on a 2-core 2.5 GHz machine).
workers = 0
seed = 0

[report]
# Time zone of the forecast's and the roster's wall-clock times, as an IANA name:
# `callshift export ics` puts every shift in it (Asia/Makassar for WITA, Asia/Jayapura
# for WIT, Europe/London, ...).
timezone = "Asia/Jakarta"

# Shift templates. Giving any [[shifts]] replaces this whole list.
# A template with latest_start is flexible: one start every step_minutes.
[[shifts]]
code = "P"
name = "Pagi"
start = "07:00"
length_hours = 8
break_minutes = 0

[[shifts]]
code = "S"
name = "Siang"
start = "15:00"
length_hours = 8
break_minutes = 0

[[shifts]]
code = "M"
name = "Malam"
start = "23:00"
length_hours = 8
break_minutes = 0

[[shifts]]
code = "D"
name = "Day"
start = "09:00"
latest_start = "13:00"
step_minutes = 120
length_hours = 8
break_minutes = 0
"""


def _daily_shape(hours: np.ndarray) -> np.ndarray:
    """Calls per 15 minutes over a weekday: night floor, morning and evening peaks."""
    morning = 28.0 * np.exp(-0.5 * ((hours - 10.5) / 2.2) ** 2)
    afternoon = 18.0 * np.exp(-0.5 * ((hours - 14.5) / 2.0) ** 2)
    evening = 20.0 * np.exp(-0.5 * ((hours - 20.0) / 1.8) ** 2)
    return 2.0 + morning + afternoon + evening


def sample_forecast(
    seed: int = 20261221, start: str = SAMPLE_START, days: int = SAMPLE_DAYS, scale: float = 1.0
) -> pd.DataFrame:
    """The sample forecast: `interval_start,calls,aht_seconds`, one week by default."""
    rng = np.random.default_rng(seed)
    starts = pd.date_range(
        start,
        periods=days * 24 * 60 // SAMPLE_INTERVAL_MINUTES,
        freq=f"{SAMPLE_INTERVAL_MINUTES}min",
    )
    hours = starts.hour.to_numpy() + starts.minute.to_numpy() / 60.0
    day_factor = np.select(
        [
            np.isin(starts.strftime("%m-%d"), ["12-25", "01-01"]),
            starts.day_of_week.to_numpy() >= 5,
        ],
        [0.6, 0.8],
        1.0,
    )
    mean_calls = _daily_shape(hours) * day_factor * scale
    calls = rng.poisson(mean_calls)
    night = (hours < 6) | (hours >= 22)
    aht = np.where(night, 330.0, 285.0) + rng.normal(0.0, 10.0, size=len(starts)).round()
    return pd.DataFrame(
        {
            "interval_start": starts.strftime("%Y-%m-%d %H:%M"),
            "calls": calls,
            "aht_seconds": aht.round().astype(int),
        }
    )


def sample_agents(count: int = SAMPLE_AGENTS) -> pd.DataFrame:
    """Named agents: mostly full-time, some part-time, a few who may not work nights."""
    ids = [f"AG{i:03d}" for i in range(1, count + 1)]
    first = ["Ayu", "Budi", "Citra", "Dewi", "Eko", "Fajar", "Gita", "Hadi", "Indah", "Joko"]
    last = ["Santoso", "Wijaya", "Lestari", "Pratama", "Kusuma", "Hidayat", "Saputra"]
    names = [f"{first[i % len(first)]} {last[i % len(last)]}" for i in range(count)]
    contract = [30 if i % 10 == 9 else 40 for i in range(count)]
    night_ok = ["false" if i % 8 == 3 else "true" for i in range(count)]
    return pd.DataFrame(
        {"agent_id": ids, "name": names, "contract_hours": contract, "night_ok": night_ok}
    )


def sample_leave() -> pd.DataFrame:
    """A few days of annual leave and one sick day in the sample week."""
    return pd.DataFrame(
        {
            "agent_id": ["AG004", "AG011", "AG023"],
            "date": ["2026-12-24", "2026-12-21", "2026-12-22"],
            "end_date": ["2026-12-26", "2026-12-23", ""],
            "reason": ["annual leave", "annual leave", "sick"],
        }
    )


def sample_preferences() -> pd.DataFrame:
    """A few wishes: Christmas off, mornings on Fridays, no nights on weekends."""
    return pd.DataFrame(
        {
            "agent_id": ["AG002", "AG007", "AG013", "AG013"],
            "date_or_weekday": ["2026-12-25", "Jumat", "Sat", "Sun"],
            "shift_or_OFF": ["OFF", "P", "OFF", "OFF"],
            "weight": [40, 10, 5, 5],
        }
    )


def sample_files() -> dict[str, str]:
    """File name → text of everything `callshift init` writes."""

    def csv(frame: pd.DataFrame) -> str:
        return str(frame.to_csv(index=False, lineterminator="\n"))

    return {
        "callshift.toml": CONFIG_TEMPLATE,
        "forecast.csv": csv(sample_forecast()),
        "agents.csv": csv(sample_agents()),
        "leave.csv": csv(sample_leave()),
        "preferences.csv": csv(sample_preferences()),
    }
