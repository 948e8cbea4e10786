"""Settings: frozen value objects with defaults, validated at construction, loaded from TOML.

Every key has a default, so a plan runs without a config file. A config file only names
what it changes; an unknown key or a wrong type is an input error that names the file,
the line and the column.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import types
import typing
import zoneinfo
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, get_type_hints

from callshift.erlang import Targets
from callshift.errors import InputError

CONFIG_FILE = "callshift.toml"


@dataclass(frozen=True)
class StaffingSettings:
    """Service targets and shrinkage: how many agents an interval needs."""

    service_level: float = 0.80
    answer_seconds: float = 20.0
    max_occupancy: float = 0.85
    shrinkage: float = 0.30
    asa_seconds: float | None = None
    max_abandon_rate: float | None = None
    min_agents: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.shrinkage < 1.0:
            raise ValueError("shrinkage must be a fraction in [0, 1), e.g. 0.30")
        if self.min_agents < 0:
            raise ValueError("min_agents must be >= 0")
        self.targets()  # validates the rest

    def targets(self) -> Targets:
        return Targets(
            service_level=self.service_level,
            answer_seconds=self.answer_seconds,
            max_occupancy=self.max_occupancy,
            asa_seconds=self.asa_seconds,
            max_abandon_rate=self.max_abandon_rate,
        )


def parse_clock(text: str, key: str) -> int:
    """Minutes after midnight of an `HH:MM` time of day (00:00 to 23:59)."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError(f"{key} must be a time of day HH:MM, e.g. 07:00, not {text!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


@dataclass(frozen=True)
class ShiftSpec:
    """A shift template as configured. With ``latest_start`` it is flexible: one template
    per start from ``start`` to ``latest_start`` every ``step_minutes``."""

    code: str
    name: str = ""
    start: str = "07:00"
    length_hours: float = 8.0
    break_minutes: int = 0
    latest_start: str | None = None
    step_minutes: int = 60

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,7}", self.code):
            raise ValueError(
                f"code must be 1-8 letters or digits starting with a letter, not {self.code!r}"
            )
        if self.code.upper() in ("OFF", "LEAVE"):
            raise ValueError(f"code {self.code!r} is reserved for days off and leave")
        parse_clock(self.start, "start")
        if not 0 < self.length_hours <= 24:
            raise ValueError(
                f"length_hours must be more than 0 and at most 24, not {self.length_hours:g}"
            )
        if (self.length_hours * 60) % 1:
            raise ValueError("length_hours must be a whole number of minutes")
        if not 0 <= self.break_minutes < self.length_hours * 60:
            raise ValueError("break_minutes must be >= 0 and shorter than the shift")
        if self.latest_start is not None:
            if parse_clock(self.latest_start, "latest_start") < parse_clock(self.start, "start"):
                raise ValueError("latest_start must not be before start (same day)")
            if self.step_minutes <= 0:
                raise ValueError("step_minutes must be > 0")


DEFAULT_SHIFTS: tuple[ShiftSpec, ...] = (
    ShiftSpec("P", "Pagi", "07:00"),
    ShiftSpec("S", "Siang", "15:00"),
    ShiftSpec("M", "Malam", "23:00"),
    ShiftSpec("D", "Day", "09:00", latest_start="13:00", step_minutes=120),
)


RULE_PRESETS: dict[str, dict[str, Any]] = {
    # Indonesia, PP 35/2021: 40 h a week as 5 x 8 h with 2 rest days; overtime at most 4 h a
    # day and 18 h a week; UU 13/2003 Pasal 76: protected workers (night_ok = false) not
    # 23:00-07:00. The law sets no rest between shifts: 11 h is company policy.
    "id": {},
    "id-6x7": {"weekly_rest_days": 1},
    # EU Working Time Directive: 11 h daily rest, 24 h weekly rest, 48 h average week.
    "eu": {
        "weekly_rest_days": 1,
        "night_ok_start": "23:00",
        "night_ok_end": "05:00",
        "max_shift_hours": 13.0,
        "max_contract_hours": 48.0,
    },
}


@dataclass(frozen=True)
class RuleSettings:
    """Hard rules of the roster. Each is one ``add_<rule_id>`` in the model, one
    ``check_<rule_id>`` in the checker, and a key here."""

    max_shifts_per_day: int = 1
    min_rest_hours: float = 11.0
    max_consecutive_days: int = 6
    weekly_rest_days: int = 2
    contract_hours: float = 40.0
    night_start: str = "23:00"
    night_end: str = "05:00"
    night_ok_start: str = "23:00"
    night_ok_end: str = "07:00"
    max_shift_hours: float = 12.0
    max_contract_hours: float = 58.0
    preset: str = "id"

    def __post_init__(self) -> None:
        if self.preset not in RULE_PRESETS:
            raise ValueError(
                f"preset must be one of {', '.join(RULE_PRESETS)}, not {self.preset!r}"
            )
        if self.max_shifts_per_day < 1:
            raise ValueError("max_shifts_per_day must be >= 1")
        if not 0 <= self.min_rest_hours <= 48:
            raise ValueError("min_rest_hours must be between 0 and 48")
        if not 1 <= self.max_consecutive_days <= 31:
            raise ValueError("max_consecutive_days must be between 1 and 31")
        if not 0 <= self.weekly_rest_days <= 7:
            raise ValueError("weekly_rest_days must be between 0 and 7")
        if not 0 < self.contract_hours <= 84:
            raise ValueError("contract_hours must be more than 0 and at most 84")
        if parse_clock(self.night_start, "night_start") == parse_clock(self.night_end, "night_end"):
            raise ValueError("night_start and night_end must differ")
        if parse_clock(self.night_ok_start, "night_ok_start") == parse_clock(
            self.night_ok_end, "night_ok_end"
        ):
            raise ValueError("night_ok_start and night_ok_end must differ")
        if not 0 < self.max_shift_hours <= 24:
            raise ValueError("max_shift_hours must be more than 0 and at most 24")
        if self.contract_hours > self.max_contract_hours:
            raise ValueError(
                f"contract_hours must be at most max_contract_hours ({self.max_contract_hours:g})"
            )


@dataclass(frozen=True)
class SoftSettings:
    """Weights of the soft rules, per unit of each rule's penalty (0 switches it off).

    Coverage costs 100 per agent per interval short and 1 per agent over, so a fairness
    unit of 40 is worth 10 agent-hours of surplus and never a shortfall."""

    fair_nights: int = 10
    fair_weekends: int = 8
    fair_holidays: int = 10
    fair_hours: int = 1
    forward_rotation: int = 10
    stable_shift: int = 5
    night_blocks: int = 10
    off_pairs: int = 5
    weekend_off: int = 20
    preferences: int = 3
    min_night_block: int = 2
    max_night_block: int = 4
    days_off_after_nights: int = 2

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) < 0:
                raise ValueError(f"{f.name} must be >= 0")
        if not 1 <= self.min_night_block <= self.max_night_block:
            raise ValueError("min_night_block must be between 1 and max_night_block")


@dataclass(frozen=True)
class HolidaySettings:
    """Public holidays from the ``holidays`` package, plus the company's own days.

    ``cuti_bersama`` adds Indonesia's collective leave days (the package's "government"
    category). ``company`` maps `YYYY-MM-DD` to a name."""

    country: str = "ID"
    subdivision: str | None = None
    cuti_bersama: bool = False
    language: str | None = None  # None: the country's own language (Indonesian for ID)
    company: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Z]{2,3}", self.country):
            raise ValueError(f"country must be an ISO code like ID or GB, not {self.country!r}")
        for day, name in self.company.items():
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) or not isinstance(name, str):
                raise ValueError(f"company holidays map YYYY-MM-DD to a name, not {day!r}")


@dataclass(frozen=True)
class SolverSettings:
    """CP-SAT limits. ``workers = 0`` uses every core."""

    time_limit_seconds: float = 60.0
    workers: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.time_limit_seconds <= 0:
            raise ValueError("time_limit_seconds must be > 0")
        if self.workers < 0:
            raise ValueError("workers must be >= 0 (0 = all cores)")


@dataclass(frozen=True)
class ReportSettings:
    """How the reports show times: ``timezone`` is the IANA zone of the forecast's and the
    roster's wall-clock times (calendar events carry it)."""

    timezone: str = "Asia/Jakarta"

    def __post_init__(self) -> None:
        if not valid_timezone(self.timezone):
            raise ValueError(
                "timezone must be an IANA time zone name like Asia/Jakarta or Europe/London, "
                f"not {self.timezone!r}"
            )


def valid_timezone(name: str) -> bool:
    """Is ``name`` a time zone the zone database knows (system zones, else ``tzdata``)?"""
    if not name or name != name.strip() or name.startswith("/") or ".." in name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        return False
    return True


@dataclass(frozen=True)
class Config:
    """All settings of a run. ``source`` is the file they came from, if any."""

    staffing: StaffingSettings = field(default_factory=StaffingSettings)
    rules: RuleSettings = field(default_factory=RuleSettings)
    solver: SolverSettings = field(default_factory=SolverSettings)
    holidays: HolidaySettings = field(default_factory=HolidaySettings)
    soft: SoftSettings = field(default_factory=SoftSettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    shifts: tuple[ShiftSpec, ...] = DEFAULT_SHIFTS
    source: str | None = None

    @classmethod
    def from_file(cls, path: str | Path) -> Config:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise InputError(
                "config file not found", path=path, hint="run `callshift init` to write one"
            ) from None
        except IsADirectoryError:
            raise InputError("is a directory, not a config file", path=path) from None
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text ({exc.reason})", path=path) from None
        return cls.from_toml(text, source=str(path))

    @classmethod
    def from_toml(cls, text: str, source: str = CONFIG_FILE) -> Config:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            line, column = _toml_error_position(str(exc))
            message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
            raise InputError(
                f"not valid TOML: {message}", path=source, line=line, column=column
            ) from None
        sections: dict[str, Any] = {}
        where = _Locator(text, source)
        for name, value in data.items():
            if name == "shifts":
                sections[name] = _build_shifts(value, where)
                continue
            if name not in _SECTIONS:
                raise where.error(
                    None,
                    name,
                    f"unknown section [{name}]",
                    _did_you_mean(name, [*_SECTIONS, "shifts"]),
                )
            if not isinstance(value, dict):
                raise where.error(None, name, f"{name} must be a [{name}] section")
            if name == "rules" and isinstance(value.get("preset"), str):
                value = {**RULE_PRESETS.get(value["preset"], {}), **value}
            sections[name] = _build(_SECTIONS[name], value, name, where)
        return replace(cls(), source=source, **sections)


def load_config(path: str | Path | None) -> Config:
    """The config at ``path``; else ./callshift.toml if there is one; else the defaults."""
    if path is not None:
        return Config.from_file(path)
    if Path(CONFIG_FILE).is_file():
        return Config.from_file(CONFIG_FILE)
    return Config()


_SECTIONS: dict[str, type] = {
    "staffing": StaffingSettings,
    "rules": RuleSettings,
    "solver": SolverSettings,
    "holidays": HolidaySettings,
    "soft": SoftSettings,
    "report": ReportSettings,
}


class _Locator:
    """Finds where a key stands in the TOML text, for error messages."""

    def __init__(self, text: str, source: str) -> None:
        self.lines = text.splitlines()
        self.source = source

    def position(
        self, section: str | None, key: str, occurrence: int = 0
    ) -> tuple[int | None, int | None]:
        """Line and column of ``key`` in the ``occurrence``-th table named ``section``."""
        in_section = section is None
        seen = -1
        for number, line in enumerate(self.lines, start=1):
            header = re.match(r"\s*\[\[?\s*([^\]\[]+?)\s*\]", line)
            if header:
                if section is None and header.group(1) == key:
                    return number, line.index(key) + 1
                seen += header.group(1) == section
                in_section = header.group(1) == section and seen == occurrence
                continue
            match = re.match(rf"(\s*){re.escape(key)}\s*=", line)
            if in_section and match:
                return number, len(match.group(1)) + 1
        return None, None

    def error(
        self,
        section: str | None,
        key: str,
        message: str,
        hint: str | None = None,
        occurrence: int = 0,
    ) -> InputError:
        line, column = self.position(section, key, occurrence)
        return InputError(message, path=self.source, line=line, column=column, hint=hint)


def _build(
    kind: type, values: dict[str, Any], section: str, where: _Locator, occurrence: int = 0
) -> Any:
    hints = get_type_hints(kind)
    known = [f.name for f in fields(kind)]
    checked: dict[str, Any] = {}
    label = f"[[{section}]]" if section == "shifts" else f"[{section}]"
    for key, value in values.items():
        if key not in known:
            raise where.error(
                section,
                key,
                f"unknown key {key!r} in {label}",
                _did_you_mean(key, known),
                occurrence,
            )
        checked[key] = _check_type(hints[key], value, section, key, where, occurrence)
    missing = [f.name for f in fields(kind) if f.name not in checked and f.default is MISSING]
    if missing:
        raise where.error(
            None, section, f"{label} number {occurrence + 1} lacks {', '.join(missing)}"
        )
    try:
        return kind(**checked)
    except ValueError as exc:
        key = next((k for k in checked if str(exc).startswith(k)), next(iter(checked), section))
        raise where.error(section, key, f"{label} {exc}", occurrence=occurrence) from None


def _build_shifts(value: Any, where: _Locator) -> tuple[ShiftSpec, ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise where.error(None, "shifts", "shifts must be [[shifts]] tables")
    specs = tuple(_build(ShiftSpec, v, "shifts", where, i) for i, v in enumerate(value))
    codes = [spec.code for spec in specs]
    for i, code in enumerate(codes):
        if code in codes[:i]:
            raise where.error("shifts", "code", f"shift code {code!r} used twice", occurrence=i)
    return specs


def _check_type(
    hint: Any, value: Any, section: str, key: str, where: _Locator, occurrence: int = 0
) -> Any:
    allowed = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if typing.get_origin(hint) is dict:
        if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            return dict(value)
        raise where.error(
            section, key, f"{key} must be a table of names, not {value!r}", occurrence=occurrence
        )
    for kind in allowed:
        if kind is type(None):
            continue
        if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if kind is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if kind is not float and kind is not int and isinstance(value, kind):
            return value
    names = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in allowed if k is not type(None))
    raise where.error(section, key, f"{key} must be {names}, not {value!r}", occurrence=occurrence)


_TYPE_NAMES = {float: "a number", int: "a whole number", str: "a string", bool: "true or false"}


def _did_you_mean(word: str, choices: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return "known: " + ", ".join(sorted(choices))


def _toml_error_position(message: str) -> tuple[int | None, int | None]:
    match = re.search(r"at line (\d+), column (\d+)", message)
    if not match:
        return None, None
    return int(match.group(1)), int(match.group(2))
