"""The scope file a tester writes by hand (``--scope F.yaml``): what the app is and what it declares.

It is the structured twin of a privacy policy, for when the tester has read the policy (or the
regulator has a filing) and wants exact declarations, plus the facts a capture cannot tell: which
domains are the app's own, its category, and when the user agreed. Format: samples/scope.example.yaml
and auditor/schema/scope.schema.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from auditor.errors import InputError
from auditor.limits import MAX_MESSAGE_CHARS, MAX_YAML_BYTES, YAMLInputError, load_yaml, regular_file
from auditor.model import Declaration, Party
from auditor.ruleset import Ruleset, _entry_name

SCHEMA_PATH = Path(__file__).parent / "schema" / "scope.schema.json"


@dataclass
class Scope:
    app: dict[str, Any] = field(default_factory=dict)
    first_party: list[str] = field(default_factory=list)
    app_category: str | None = None
    consent_at: str | None = None
    declarations: list[Declaration] = field(default_factory=list)


def load_scope(path: Path, ruleset: Ruleset) -> Scope:
    try:
        regular_file(path, MAX_YAML_BYTES, "MAX_YAML_BYTES")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise InputError(path, "scope file is not UTF-8 text") from None
    except ValueError as e:
        raise InputError(path, f"scope file: {e}") from None
    try:
        data = load_yaml(text)
    except YAMLInputError as e:
        raise InputError(path, f"scope file: {e}") from None
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        raise InputError(path, f"scope file: {_entry_name(data, err.absolute_path)}: {err.message[:MAX_MESSAGE_CHARS]}")
    for i, d in enumerate(data.get("declared", [])):
        if d["category"] not in ruleset.categories:
            raise InputError(path, f"scope file: declared[{i}]: unknown category '{d['category']}'")
    app = dict(data.get("app", {}))
    decls = [
        Declaration(
            category=d["category"],
            status=d.get("status", "declared"),
            source="scope",
            text=d.get("purpose", ""),
            party=Party("first", app.get("package") or app.get("name") or "app"),
            separate_consent=bool(d.get("separate_consent", False)),
            function=d.get("purpose"),
        )
        for d in data.get("declared", [])
    ]
    for s in data.get("sdks", []):
        sid = s.get("id")
        entry = ruleset.sdks.get(sid) if sid else None
        if sid and entry is None:
            raise InputError(path, f"scope file: sdks: unknown SDK id '{sid}' (see rules/sdks.yaml)")
        name = s.get("name") or (entry["name"] if entry else sid)
        for c in s.get("categories", []):
            if c not in ruleset.categories:
                raise InputError(path, f"scope file: sdks ({name}): unknown category '{c}'")
        decls.append(Declaration(
            category=None, status="declared", source="scope", text=s.get("purpose", ""),
            party=Party("third", name, sid), sdk=sid, sdk_name=name, sdk_categories=list(s.get("categories", [])),
        ))
    consent = data.get("consent") or {}
    consent_at = None
    if "flow" in consent:
        consent_at = f"@{consent['flow']}" if "file" not in consent else f"@{consent['file']}:{consent['flow']}"
    elif "time" in consent:
        consent_at = str(consent["time"])
    elif "url" in consent:
        consent_at = consent["url"]
    return Scope(
        app=app,
        first_party=list(data.get("first_party", [])),
        app_category=app.get("category"),
        consent_at=consent_at,
        declarations=decls,
    )
