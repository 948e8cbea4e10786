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
from dataclasses import dataclass, field, fields, replace
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


@dataclass(frozen=True)
class Config:
    """All settings of a run. ``source`` is the file they came from, if any."""

    staffing: StaffingSettings = field(default_factory=StaffingSettings)
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
        for name, value in data.items():
            where = _Locator(text, source)
            if name not in _SECTIONS:
                raise where.error(
                    None, name, f"unknown section [{name}]", _did_you_mean(name, _SECTIONS)
                )
            if not isinstance(value, dict):
                raise where.error(None, name, f"{name} must be a [{name}] section")
            sections[name] = _build(_SECTIONS[name], value, name, where)
        return replace(cls(), source=source, **sections)


def load_config(path: str | Path | None) -> Config:
    """The config at ``path``; else ./callshift.toml if there is one; else the defaults."""
    if path is not None:
        return Config.from_file(path)
    if Path(CONFIG_FILE).is_file():
        return Config.from_file(CONFIG_FILE)
    return Config()


_SECTIONS: dict[str, type] = {"staffing": StaffingSettings}


class _Locator:
    """Finds where a key stands in the TOML text, for error messages."""

    def __init__(self, text: str, source: str) -> None:
        self.lines = text.splitlines()
        self.source = source

    def position(self, section: str | None, key: str) -> tuple[int | None, int | None]:
        in_section = section is None
        for number, line in enumerate(self.lines, start=1):
            header = re.match(r"\s*\[\s*([^\]]+?)\s*\]", line)
            if header:
                if section is None and header.group(1) == key:
                    return number, line.index(key) + 1
                in_section = header.group(1) == section
                continue
            match = re.match(rf"(\s*){re.escape(key)}\s*=", line)
            if in_section and match:
                return number, len(match.group(1)) + 1
        return None, None

    def error(
        self, section: str | None, key: str, message: str, hint: str | None = None
    ) -> InputError:
        line, column = self.position(section, key)
        return InputError(message, path=self.source, line=line, column=column, hint=hint)


def _build(kind: type, values: dict[str, Any], section: str, where: _Locator) -> Any:
    hints = get_type_hints(kind)
    known = [f.name for f in fields(kind)]
    checked: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise where.error(
                section, key, f"unknown key {key!r} in [{section}]", _did_you_mean(key, known)
            )
        checked[key] = _check_type(hints[key], value, section, key, where)
    try:
        return kind(**checked)
    except ValueError as exc:
        key = next((k for k in checked if str(exc).startswith(k)), next(iter(checked), section))
        raise where.error(section, key, f"[{section}] {exc}") from None


def _check_type(hint: Any, value: Any, section: str, key: str, where: _Locator) -> Any:
    allowed = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
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
    raise where.error(section, key, f"{key} must be {names}, not {value!r}")


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
