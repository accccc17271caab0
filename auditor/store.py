"""The SQLite store: many audits in one database, written atomically, read back without re-analysis.

An audit is written in one transaction, so a run that fails half-way leaves earlier audits exactly as
they were. The live proxy instead appends observations as they arrive (WAL mode, a commit per flow) so
that killing the proxy loses nothing already seen. The database keeps one salt for value hashes, so
the same ID number correlates across every audit in it.
"""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlite_utils

from auditor.errors import InputError
from auditor.masking import new_salt
from auditor.model import Audit, Declaration, Finding, Observation
from auditor.safetext import without_surrogates

SCHEMA_VERSION = 1

_TABLES: dict[str, dict[str, Any]] = {
    "audits": {
        "columns": {"id": str, "created": str, "tool_version": str, "rules_version": str, "status": str,
                    "app": str, "consent": str, "warnings": str, "summary": str, "refusal": str, "changes": str},
        "pk": "id",
    },
    "inputs": {
        "columns": {"audit_id": str, "kind": str, "path": str, "sha256": str, "size": int},
        "pk": None,
    },
    "observations": {
        "columns": {"audit_id": str, "id": str, "category": str, "entity": str, "source": str,
                    "party_kind": str, "party_name": str, "party_sdk": str, "where_json": str,
                    "value": str, "value_hash": str, "confidence": float, "evidence": str,
                    "before_consent": int},
        "pk": ("audit_id", "id"),
    },
    "declarations": {
        "columns": {"audit_id": str, "id": str, "category": str, "status": str, "source": str,
                    "sdk": str, "doc": str},
        "pk": ("audit_id", "id"),
    },
    "findings": {
        "columns": {"audit_id": str, "id": str, "rule": str, "category": str, "severity": str,
                    "title": str, "count": int, "doc": str},
        "pk": ("audit_id", "id"),
    },
    # the 2019 认定方法 scenarios answered per audit: "which apps breach 三.8?" is one query
    "checklist": {
        "columns": {"audit_id": str, "id": str, "verdict": str, "automatic": int, "doc": str},
        "pk": ("audit_id", "id"),
    },
}


def _dumps(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


SQLITE_MAGIC = b"SQLite format 3\x00"


def check_ours(path: Path) -> None:
    """Refuse, before anything is written to it, a file that is not a pi-auditor database.

    ``--db`` pointed at another program's SQLite file (a browser's history, an app's data) used to get
    pi-auditor's tables added and its journal switched to WAL before any error: the file is only
    read here, opened immutable (no lock, no journal, no -shm file), and refused unless it is empty
    or holds pi-auditor's ``meta`` table."""
    if not path.exists():
        return
    if path.is_dir():
        raise InputError(path, "is a directory, not a database file")
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise InputError(path, "not a regular file, not a database")
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
        if not head:
            return  # an empty file (mktemp): ours to initialise
        if head != SQLITE_MAGIC:
            raise InputError(path, "not a SQLite database; pi-auditor keeps audits in its own SQLite databases")
        uri = f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
        peek = sqlite3.connect(uri, uri=True)
        try:
            tables = {r[0] for r in peek.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            ours = "meta" in tables and peek.execute(
                "SELECT 1 FROM meta WHERE key = 'schema_version'").fetchone() is not None
        finally:
            peek.close()
    except sqlite3.DatabaseError as e:
        raise InputError(path, f"not a pi-auditor SQLite database ({e})") from None
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    if tables and not ours:
        shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        raise InputError(path, f"a SQLite database of another program (tables: {shown}); pi-auditor adds its "
                               "tables only to its own databases (give a new file)")


class Store:
    """An audit database. A new one is created on the first write, not when opened: an audit whose
    input is rejected leaves no empty database behind. ``create=False`` (listing, re-rendering)
    opens only an existing one."""

    def __init__(self, path: Path | str, *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise InputError(self.path, "no such database")
        self._conn: sqlite3.Connection | None = None
        self._db: sqlite_utils.Database | None = None
        self._new_salt = new_salt()  # the salt of a database not created yet
        if self.path.exists():
            self._open()

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self._open()
        assert self._conn is not None
        return self._conn

    @property
    def db(self) -> sqlite_utils.Database:
        if self._db is None:
            self._open()
        assert self._db is not None
        return self._db

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InputError(self.path, f"cannot create its folder: {e.strerror or e}") from None
        check_ours(self.path)  # here, before any write: it may have appeared since the Store was made
        try:
            self._conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
            self._db = sqlite_utils.Database(self._conn)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._ensure_schema()
        except sqlite3.DatabaseError as e:
            raise InputError(self.path, f"not a pi-auditor SQLite database ({e})") from None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ensure_schema(self) -> None:
        with self.conn:
            if "meta" not in self.db.table_names():
                self.db["meta"].create({"key": str, "value": str}, pk="key")
            for name, spec in _TABLES.items():
                if name not in self.db.table_names():
                    self.db[name].create(spec["columns"], pk=spec["pk"])
                else:  # a database made by an earlier version gains the columns added since
                    have = self.db[name].columns_dict
                    for col, typ in spec["columns"].items():
                        if col not in have:
                            self.db[name].add_column(col, typ)
            self.db["inputs"].create_index(["audit_id"], if_not_exists=True)
            self.db["inputs"].create_index(["sha256"], if_not_exists=True)
            self.db["observations"].create_index(["category"], if_not_exists=True)
            if self._meta("schema_version") is None:
                self._set_meta("schema_version", str(SCHEMA_VERSION))
            if self._meta("salt") is None:
                self._set_meta("salt", self._new_salt)

    def _meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self.db["meta"].upsert({"key": key, "value": value}, pk="key")

    @property
    def salt(self) -> str:
        if self._conn is None:
            return self._new_salt
        salt = self._meta("salt")
        assert salt is not None
        return salt

    # --- writing --------------------------------------------------------------------------------
    def save(self, audit: Audit, status: str = "complete") -> None:
        """Write a whole audit in one transaction (replacing a partial one with the same id).

        Text SQLite cannot take (a lone surrogate from an undecodable byte in a file name or a field
        path) is replaced with U+FFFD and the audit written again, rather than lost."""
        try:
            self._save(audit, status)
        except UnicodeEncodeError:
            self._save(Audit.from_dict(without_surrogates(audit.to_dict())), status)

    def _save(self, audit: Audit, status: str) -> None:
        with self.conn:
            self._delete(audit.id)
            self.db["audits"].insert(self._audit_row(audit, status))
            self.db["inputs"].insert_all({"audit_id": audit.id, **i.to_dict()} for i in audit.inputs)
            self._insert_observations(audit.id, audit.observations)
            self.db["declarations"].insert_all(self._declaration_row(audit.id, d) for d in audit.declarations)
            self.db["findings"].insert_all(self._finding_row(audit.id, f) for f in audit.findings)
            self._insert_checklist(audit)

    def _insert_checklist(self, audit: Audit) -> None:
        self.db["checklist"].insert_all(
            {"audit_id": audit.id, "id": c.id, "verdict": c.verdict, "automatic": int(c.automatic),
             "doc": _dumps(c.to_dict())}
            for c in audit.checklist
        )

    def begin(self, audit: Audit) -> None:
        """Start an audit that grows while it runs (the live proxy)."""
        with self.conn:
            self._delete(audit.id)
            self.db["audits"].insert(self._audit_row(audit, "running"))
            self.db["inputs"].insert_all({"audit_id": audit.id, **i.to_dict()} for i in audit.inputs)

    def append_observations(self, audit_id: str, observations: list[Observation]) -> None:
        try:
            with self.conn:
                self._insert_observations(audit_id, observations)
        except UnicodeEncodeError:
            clean = [Observation.from_dict(without_surrogates(o.to_dict())) for o in observations]
            with self.conn:
                self._insert_observations(audit_id, clean)

    def next_observation_number(self, audit_id: str) -> int:
        row = self.conn.execute("SELECT COUNT(*) FROM observations WHERE audit_id = ?", (audit_id,)).fetchone()
        return int(row[0]) + 1

    def _delete(self, audit_id: str) -> None:
        for t in ("audits", "inputs", "observations", "declarations", "findings", "checklist"):
            col = "id" if t == "audits" else "audit_id"
            self.conn.execute(f"DELETE FROM {t} WHERE {col} = ?", (audit_id,))

    def _audit_row(self, a: Audit, status: str) -> dict[str, Any]:
        sev: dict[str, int] = {}
        for f in a.findings:
            sev[f.severity] = sev.get(f.severity, 0) + 1
        return {
            "id": a.id, "created": a.created, "tool_version": a.tool_version, "rules_version": a.rules_version,
            "status": status, "app": _dumps(a.app), "consent": _dumps(a.consent), "warnings": _dumps(a.warnings),
            "refusal": _dumps(a.refusal), "changes": _dumps(a.changes),
            "summary": _dumps({"observations": len(a.observations), "findings": len(a.findings), "severity": sev}),
        }

    def _insert_observations(self, audit_id: str, observations: list[Observation]) -> None:
        self.db["observations"].insert_all(
            {
                "audit_id": audit_id, "id": o.id, "category": o.category, "entity": o.entity, "source": o.source,
                "party_kind": o.party.kind, "party_name": o.party.name, "party_sdk": o.party.sdk,
                "where_json": _dumps(o.where), "value": o.value, "value_hash": o.value_hash,
                "confidence": o.confidence, "evidence": _dumps(o.evidence),
                "before_consent": None if o.before_consent is None else int(o.before_consent),
            }
            for o in observations
        )

    def _declaration_row(self, audit_id: str, d: Declaration) -> dict[str, Any]:
        return {"audit_id": audit_id, "id": d.id, "category": d.category, "status": d.status, "source": d.source,
                "sdk": d.sdk, "doc": _dumps(d.to_dict())}

    def _finding_row(self, audit_id: str, f: Finding) -> dict[str, Any]:
        return {"audit_id": audit_id, "id": f.id, "rule": f.rule, "category": f.category, "severity": f.severity,
                "title": f.title, "count": f.count, "doc": _dumps(f.to_dict())}

    def finish(self, audit: Audit) -> None:
        """Close a growing audit: its findings and final metadata, in one transaction."""
        with self.conn:
            self.db["audits"].update(audit.id, self._audit_row(audit, "complete"))
            self.conn.execute("DELETE FROM declarations WHERE audit_id = ?", (audit.id,))
            self.conn.execute("DELETE FROM findings WHERE audit_id = ?", (audit.id,))
            self.conn.execute("DELETE FROM checklist WHERE audit_id = ?", (audit.id,))
            self.db["declarations"].insert_all(self._declaration_row(audit.id, d) for d in audit.declarations)
            self.db["findings"].insert_all(self._finding_row(audit.id, f) for f in audit.findings)
            self._insert_checklist(audit)

    # --- reading --------------------------------------------------------------------------------
    def list_audits(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT id, created, status, app, summary, rules_version FROM audits ORDER BY created, id"
        ).fetchall()
        out = []
        for rid, created, status, app, summary, rv in rows:
            a = json.loads(app or "{}")
            out.append({"id": rid, "created": created, "status": status, "rules_version": rv,
                        "app": a.get("name") or a.get("package") or "", "package": a.get("package", ""),
                        "summary": json.loads(summary or "{}")})
        return out

    def latest_id(self) -> str | None:
        row = self.conn.execute("SELECT id FROM audits ORDER BY created DESC, id DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def load(self, audit_id: str) -> Audit:
        row = self.conn.execute(
            "SELECT id, created, tool_version, rules_version, app, consent, warnings, refusal, changes FROM audits "
            "WHERE id = ?",
            (audit_id,),
        ).fetchone()
        if row is None:
            raise InputError(self.path, f"no audit with id '{audit_id}'")
        aid, created, tv, rv, app, consent, warnings, refusal, changes = row
        inputs = [
            {"kind": k, "path": p, "sha256": s, "size": n}
            for k, p, s, n in self.conn.execute(
                "SELECT kind, path, sha256, size FROM inputs WHERE audit_id = ? ORDER BY rowid", (aid,))
        ]
        observations = []
        for r in self.conn.execute(
            "SELECT id, category, entity, source, party_kind, party_name, party_sdk, where_json, value, "
            "value_hash, confidence, evidence, before_consent FROM observations WHERE audit_id = ? ORDER BY rowid",
            (aid,),
        ):
            party = {"kind": r[4], "name": r[5]}
            if r[6]:
                party["sdk"] = r[6]
            observations.append({
                "id": r[0], "category": r[1], "entity": r[2], "source": r[3], "party": party,
                "where": json.loads(r[7]), "value": r[8], "value_hash": r[9], "confidence": r[10],
                "evidence": json.loads(r[11] or "[]"),
                "before_consent": None if r[12] is None else bool(r[12]),
            })
        decls = [json.loads(d) for (d,) in self.conn.execute(
            "SELECT doc FROM declarations WHERE audit_id = ? ORDER BY rowid", (aid,))]
        finds = [json.loads(d) for (d,) in self.conn.execute(
            "SELECT doc FROM findings WHERE audit_id = ? ORDER BY rowid", (aid,))]
        checklist = [json.loads(d) for (d,) in self.conn.execute(
            "SELECT doc FROM checklist WHERE audit_id = ? ORDER BY rowid", (aid,))]
        doc = {
            "audit": {"id": aid, "created": created, "tool_version": tv, "rules_version": rv, "inputs": inputs,
                      "app": json.loads(app or "{}"), "consent": json.loads(consent or "null"),
                      "refusal": json.loads(refusal or "null"), "changes": json.loads(changes or "null"),
                      "warnings": json.loads(warnings or "[]")},
            "observations": observations, "declarations": decls, "findings": finds, "checklist": checklist,
        }
        return Audit.from_dict(doc)
