"""Loading the data under rules/ and recognizers/, each file checked against its JSON Schema.

Rules are data so that a regulator can read and extend them without touching code; that only works
if a bad edit fails loudly at load time with the file and entry named, which is what this module
guarantees. Files are loaded once per process and cached.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import jsonschema

from auditor.errors import RulesError
from auditor.limits import MAX_MESSAGE_CHARS, YAMLInputError, bounded_regex, load_yaml
from auditor.resources import data_dir
from auditor.sdk_catalogue import signatures

#: the source checkout, for tests and scripts only: the package reads its data through auditor.resources
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def rules_dir() -> Path:
    """The installed rules, or the folder named by AUDITOR_RULES_DIR."""
    return data_dir("rules")


def recognizers_dir() -> Path:
    """The installed recognizer data, or the folder named by AUDITOR_RECOGNIZERS_DIR."""
    return data_dir("recognizers")


def normalise_field(name: str) -> str:
    """Field names compared loosely: case, '_' and '-' do not matter."""
    return name.lower().replace("_", "").replace("-", "")


def _entry_name(data: Any, path: Iterable[Any]) -> str:
    """Turn a jsonschema error path into 'categories[3] (id=face)' so the user finds the entry."""
    parts: list[str] = []
    node = data
    label = ""
    for p in path:
        if isinstance(p, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{p}]"]
            try:
                node = node[p]
            except (IndexError, KeyError, TypeError):
                node = None
            if isinstance(node, dict):
                ident = node.get("id") or node.get("name") or node.get("term")
                if ident is not None:
                    label = f" (id={ident})"
        else:
            parts.append(str(p))
            try:
                node = node[p]
            except (IndexError, KeyError, TypeError):
                node = None
    return (".".join(parts) or "top level") + label


def load_data_file(path: Path, schema_path: Path) -> Any:
    """Read a YAML data file and validate it; RulesError names file and entry on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise RulesError(path, "file", f"cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise RulesError(path, "file", "not UTF-8 text") from None
    try:
        data = load_yaml(text)  # safe (libyaml's loader when present), expansion bounded
    except YAMLInputError as e:
        raise RulesError(path, f"line {e.line}" if e.line else "file", e.problem) from None
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda err: list(err.absolute_path))
    if errors:
        err = errors[0]
        raise RulesError(path, _entry_name(data, err.absolute_path), err.message[:MAX_MESSAGE_CHARS])
    _check_unique_ids(path, data)
    return data


def _check_unique_ids(path: Path, data: Any) -> None:
    if not isinstance(data, dict):
        return
    for key, items in data.items():
        if not isinstance(items, list):
            continue
        seen: set[str] = set()
        for i, item in enumerate(items):
            if isinstance(item, dict) and "id" in item:
                if item["id"] in seen:
                    raise RulesError(path, f"{key}[{i}] (id={item['id']})", "duplicate id")
                seen.add(item["id"])


class Ruleset:
    """All rule data of one rules directory, loaded lazily and cross-checked."""

    def __init__(self, root: Path | None = None, recognizers: Path | None = None) -> None:
        self.root = Path(root) if root else rules_dir()
        self.recognizers_root = Path(recognizers) if recognizers else recognizers_dir()
        self._loaded: dict[str, Any] = {}

    def load(self, name: str) -> Any:
        """Load rules/<name>.yaml against rules/schema/<name>.schema.json, once per ruleset: several readers
        take their part of one file (android_apis.yaml has four). The data is shared: read it, never edit it."""
        if name not in self._loaded:
            root = self.root
            self._loaded[name] = load_data_file(root / f"{name}.yaml", root / "schema" / f"{name}.schema.json")
        return self._loaded[name]

    def load_recognizer_file(self, name: str) -> Any:
        root = self.recognizers_root
        return load_data_file(root / f"{name}.yaml", root / "schema" / f"{name}.schema.json")

    @cached_property
    def version(self) -> str:
        """The declared rules version plus a digest of every rules file, so edits are visible."""
        h = hashlib.sha256()
        for root in (self.root, self.recognizers_root):
            for p in sorted(root.rglob("*")):
                if p.is_file() and p.suffix in {".yaml", ".json", ".txt"}:
                    h.update(p.relative_to(root).as_posix().encode())
                    h.update(p.read_bytes())
        return f"{self.rules['version']}+{h.hexdigest()[:10]}"

    @cached_property
    def categories(self) -> dict[str, dict[str, Any]]:
        return {c["id"]: c for c in self.load("categories")["categories"]}

    @cached_property
    def clauses(self) -> dict[str, dict[str, Any]]:
        return {c["id"]: c for c in self.load("clauses")["clauses"]}

    @cached_property
    def rules(self) -> dict[str, Any]:
        data = self.load("rules")
        path = self.root / "rules.yaml"
        for i, r in enumerate(data["rules"]):
            for cid in r["clauses"]:
                if cid not in self.clauses:
                    raise RulesError(path, f"rules[{i}] (id={r['id']})", f"unknown clause '{cid}'")
        return {**data, "by_id": {r["id"]: r for r in data["rules"]}}

    def rule(self, rule_id: str) -> dict[str, Any]:
        return self.rules["by_id"][rule_id]

    @cached_property
    def sdks(self) -> dict[str, dict[str, Any]]:
        data = self.load("sdks")
        path = self.root / "sdks.yaml"
        for i, s in enumerate(data["sdks"]):
            for cat in s.get("categories", []):
                self.require_category(path, f"sdks[{i}] (id={s['id']})", cat)
            if not signatures(s):
                raise RulesError(path, f"sdks[{i}] (id={s['id']})", "no code or network signature (packages, "
                                 "native_libs, components, domains or miniprogram packages/domains)")
        return {s["id"]: s for s in data["sdks"]}

    @cached_property
    def consent_patterns(self) -> dict[str, Any]:
        data = self.load("consent")
        for kind in ("url_patterns", "body_patterns"):  # they run on RE2 (limits.bounded_regex)
            for i, p in enumerate(data.get(kind) or []):
                try:
                    bounded_regex(p["regex"])
                except ValueError as e:
                    raise RulesError(self.root / "consent.yaml", f"{kind}[{i}] (id={p.get('id')})", str(e)) from None
        return data

    @cached_property
    def necessary_scope(self) -> dict[str, dict[str, Any]]:
        data = self.load("necessary_scope")
        path = self.root / "necessary_scope.yaml"
        for i, a in enumerate(data["app_categories"]):
            for cat in a["necessary"]:
                self.require_category(path, f"app_categories[{i}] (id={a['id']})", cat)
        return {a["id"]: a for a in data["app_categories"]}

    @cached_property
    def pi_lists(self) -> dict[str, tuple[str, frozenset[str]]]:
        """Normalised field name -> (list category, entities it re-labels), from rules/pi_lists.yaml."""
        data = self.load("pi_lists")
        path = self.root / "pi_lists.yaml"
        out: dict[str, tuple[str, frozenset[str]]] = {}
        for i, entry in enumerate(data["lists"]):
            self.require_category(path, f"lists[{i}] (id={entry['id']})", entry["category"])
            for key in entry["keys"]:
                out[normalise_field(key)] = (entry["category"], frozenset(entry["entities"]))
        return out

    @cached_property
    def pi_list_min_entries(self) -> int:
        """Entries under one path that make a list an upload of the whole list (rules/pi_lists.yaml)."""
        return int(self.load("pi_lists")["min_entries"])

    def check(self) -> None:
        """Load and cross-check every core rule file now, so a bad edit fails before any analysis."""
        for name in ("categories", "clauses", "rules", "sdks", "necessary_scope", "consent_patterns", "pi_lists",
                     "version"):
            getattr(self, name)

    def require_category(self, path: Path, entry: str, cat: str) -> None:
        if cat not in self.categories:
            raise RulesError(path, entry, f"unknown category '{cat}'")

    def category_name(self, cat: str | None, lang: str = "zh") -> str:
        if not cat:
            return ""
        c = self.categories.get(cat)
        return c[lang] if c else cat

    def is_sensitive(self, cat: str | None) -> bool:
        return bool(cat and self.categories.get(cat, {}).get("sensitive"))


@cache
def default_ruleset() -> Ruleset:
    return Ruleset()
