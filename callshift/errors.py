"""Errors the library raises; the CLI turns them into one `Error: …` line and an exit code."""

from __future__ import annotations

from pathlib import Path


class CallshiftError(Exception):
    """Base of every error a user can cause. Anything else is a bug."""

    exit_code = 2


class InputError(CallshiftError):
    """Bad input or usage (exit 2): names the file, the line and the column where it can."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        text = where + self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class InfeasibleError(CallshiftError):
    """No plan satisfies the hard rules (exit 1): names the rule, the day and the agents."""

    exit_code = 1


class Interrupted(CallshiftError):
    """A signal (SIGINT, SIGTERM) stopped the run before a roster that passes the check was
    written. Its exit code is the shell's for that signal: 128 + the signal number."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code
