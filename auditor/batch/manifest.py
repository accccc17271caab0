"""The batch manifest: which apps a campaign audits and with which inputs (CSV or YAML).

Regulators keep app lists in spreadsheets, so CSV is first-class (UTF-8 with or without BOM, or the
GB18030/GBK that Excel writes on Chinese Windows); YAML adds campaign-wide defaults. Both are read into
one shape and checked against ``manifest.schema.json`` so a typo fails before any audit starts, naming
the row. Paths are relative to the manifest, so a campaign folder can be moved or shared as a whole.
Format and examples: docs/batch.md and samples/batch/.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from auditor.errors import InputError
from auditor.limits import MAX_MESSAGE_CHARS, YAMLInputError, load_yaml

SCHEMA_PATH = Path(__file__).parent / "manifest.schema.json"
MAX_MANIFEST_BYTES = 16 << 20
CSV_COLUMNS = ("id", "name", "apk", "traffic", "policy", "scope", "miniprogram", "category", "consent_at",
               "first_party")
_MULTI = ("traffic", "first_party")
_PATHS = ("apk", "policy", "scope", "miniprogram")


@dataclass(frozen=True)
class BatchApp:
    """One app of a campaign: its key in the campaign and every input, as absolute paths."""

    key: str
    name: str = ""
    apk: Path | None = None
    traffic: tuple[Path, ...] = ()
    policy: Path | None = None
    scope: Path | None = None
    miniprogram: Path | None = None
    category: str | None = None
    consent_at: str | None = None
    first_party: tuple[str, ...] = ()


@dataclass
class Manifest:
    path: Path
    campaign: str
    apps: list[BatchApp] = field(default_factory=list)


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def read_manifest(path: Path) -> Manifest:
    """Read and check a manifest; InputError names the file and the row or entry at fault."""
    raw = _read_bytes(path)
    if path.suffix.lower() == ".csv":
        doc = {"apps": _csv_rows(path, raw)}
    elif path.suffix.lower() in (".yaml", ".yml"):
        doc = _yaml_doc(path, raw)
    else:
        raise InputError(path, "manifest must be .csv, .yaml or .yml")
    _check(path, doc)
    base = path.resolve().parent
    defaults = doc.get("defaults") or {}
    apps = [_app(base, {**defaults, **entry}) for entry in doc["apps"]]
    seen: set[str] = set()
    for i, app in enumerate(apps):
        if app.key in seen:
            raise InputError(path, f"apps[{i}] (id={app.key}): duplicate id")
        seen.add(app.key)
        if not (app.apk or app.traffic or app.policy or app.scope or app.miniprogram):
            raise InputError(path, f"apps[{i}] (id={app.key}): no input (give apk, traffic, policy, scope or "
                                   "miniprogram)")
    return Manifest(path=path, campaign=str(doc.get("campaign") or path.stem), apps=apps)


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_MANIFEST_BYTES:
            raise InputError(path, f"manifest is {size} bytes; the limit is {MAX_MANIFEST_BYTES}")
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, not a manifest") from None
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None


def _decode(path: Path, raw: bytes) -> str:
    """UTF-8 first (a BOM is dropped); else GB18030, a superset of the GBK that Chinese Excel writes."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise InputError(path, "not text in UTF-8 or GB18030")


def _csv_rows(path: Path, raw: bytes) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(_decode(path, raw), newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown or "id" not in header:
        raise InputError(path, f"CSV header must name 'id' and only these columns: {', '.join(CSV_COLUMNS)}"
                               + (f" (unknown: {', '.join(unknown)})" if unknown else ""))
    rows = []
    try:
        for record in reader:
            row: dict[str, Any] = {}
            for key, value in record.items():
                if key is None:
                    raise InputError(path, f"line {reader.line_num}: more cells than header columns")
                cell = (value or "").strip()
                if not cell:
                    continue
                name = key.strip()
                row[name] = [v.strip() for v in cell.split(";") if v.strip()] if name in _MULTI else cell
            if row:
                rows.append(row)
    except csv.Error as e:
        raise InputError(path, f"line {reader.line_num}: not valid CSV ({e})") from None
    return rows


def _yaml_doc(path: Path, raw: bytes) -> dict[str, Any]:
    try:
        doc = load_yaml(_decode(path, raw))
    except YAMLInputError as e:
        raise InputError(path, str(e)) from None
    if not isinstance(doc, dict):
        raise InputError(path, "a YAML manifest is a mapping with an 'apps' list")
    return doc


def _check(path: Path, doc: dict[str, Any]) -> None:
    errors = sorted(_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    err = errors[0]
    where = list(err.absolute_path)
    label = "top level"
    if len(where) >= 2 and where[0] == "apps" and isinstance(where[1], int):
        entry = doc["apps"][where[1]]
        ident = entry.get("id") if isinstance(entry, dict) else None
        label = f"apps[{where[1]}]" + (f" (id={ident})" if ident is not None else "")
        if len(where) > 2:
            label += f".{where[2]}"
    elif where:
        label = ".".join(str(p) for p in where)
    raise InputError(path, f"{label}: {err.message[:MAX_MESSAGE_CHARS]}")


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _under(base: Path, relative: str) -> Path:
    """Lexically normalised, so stored input paths read 'samples/apk/x.apk', not 'samples/batch/../apk/x.apk'."""
    return Path(os.path.normpath(base / relative))


def _app(base: Path, entry: dict[str, Any]) -> BatchApp:
    paths = {k: _under(base, str(entry[k])) if entry.get(k) else None for k in _PATHS}
    return BatchApp(
        key=str(entry["id"]).strip(),
        name=str(entry.get("name") or "").strip(),
        traffic=tuple(_under(base, p) for p in _as_list(entry.get("traffic"))),
        category=str(entry["category"]) if entry.get("category") not in (None, "") else None,
        consent_at=str(entry["consent_at"]) if entry.get("consent_at") not in (None, "") else None,
        first_party=tuple(_as_list(entry.get("first_party"))),
        **paths,
    )
