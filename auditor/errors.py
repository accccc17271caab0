"""Errors a user can act on: each names the input at fault and maps to an exit code."""

from __future__ import annotations


class AuditorError(Exception):
    """Base for errors the CLI reports as one line instead of a traceback."""

    exit_code = 2


class InputError(AuditorError):
    """An input file is missing, unreadable or not of the expected format (exit 2)."""

    def __init__(self, path: object, message: str) -> None:
        self.path = str(path)
        self.message = message
        super().__init__(f"{self.path}: {message}")


class RulesError(AuditorError):
    """A data file under rules/ or recognizers/ breaks its schema (exit 2), naming file and entry."""

    def __init__(self, path: object, entry: str, message: str) -> None:
        self.path = str(path)
        self.entry = entry
        super().__init__(f"{self.path}: {entry}: {message}")


def parse_json_bytes(label: object, data: bytes, *, what: str = "") -> object:
    """JSON from bytes (UTF-8, BOM allowed), or an InputError naming the input, line and column.

    ``what`` prefixes the message ("not a HAR file: ...") so the user learns what was expected.
    """
    import json

    from auditor.limits import json_int

    prefix = f"not {what}: " if what else ""
    try:
        return json.loads(data.decode("utf-8-sig"), parse_int=json_int)  # a 5,000-digit number is null
    except UnicodeDecodeError:
        raise InputError(label, f"{prefix}not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise InputError(label, f"{prefix}not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None


class UsageError(AuditorError):
    """A bad option value, e.g. an unknown app category (exit 2)."""
