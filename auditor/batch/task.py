"""One app's audit as a self-contained task: every input named by path and SHA-256.

A task carries everything a worker needs and nothing it must look up (no database, no manifest), so
the same task can run in a local process pool today and on a distributed engine later (docs/batch.md).
Its fingerprint is what "already audited" means when a batch is resumed: the same input contents, the
same audit options, the same rules and tool version.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from auditor import __version__
from auditor.batch.manifest import BatchApp
from auditor.pipeline import AuditInputs, sha256_of

_UNSAFE_FILENAME = re.compile(r"[^\w.-]+")


@dataclass(frozen=True)
class HashedInput:
    kind: str
    path: str
    sha256: str
    size: int = 0  # bytes (a directory: of its files); bounds a copy sent to another machine


@dataclass(frozen=True)
class AppTask:
    campaign: str
    key: str
    name: str
    inputs: tuple[HashedInput, ...]
    category: str | None
    consent_at: str | None
    first_party: tuple[str, ...]
    rules_version: str
    tool_version: str
    report_dir: str | None = None
    lang: str = "zh"
    timeout_s: float | None = None

    @property
    def fingerprint(self) -> str:
        """Digest of what decides the audit's outcome; display-only fields (name, report) are left out."""
        doc = {
            "inputs": sorted((i.kind, i.sha256) for i in self.inputs),
            "category": self.category, "consent_at": self.consent_at, "first_party": sorted(self.first_party),
            "rules": self.rules_version, "tool": self.tool_version,
        }
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()

    def audit_inputs(self) -> AuditInputs:
        by_kind: dict[str, list[Path]] = {}
        for i in self.inputs:
            by_kind.setdefault(i.kind, []).append(Path(i.path))

        def one(kind: str) -> Path | None:
            return by_kind[kind][0] if kind in by_kind else None

        return AuditInputs(apk=one("apk"), traffic=by_kind.get("traffic", []), policy=one("policy"),
                           scope=one("scope"), miniprogram=one("miniprogram"), app_category=self.category,
                           consent_at=self.consent_at, first_party=list(self.first_party))


def report_filename(key: str, audit_id: str) -> str:
    """Safe on every filesystem yet readable; naming the audit means a stale report is never linked."""
    slug = _UNSAFE_FILENAME.sub("_", key).strip("._")[:60] or "app"
    return f"{slug}-{hashlib.sha256(key.encode()).hexdigest()[:6]}-{audit_id}.html"


def prepare_task(campaign: str, app: BatchApp, *, rules_version: str, report_dir: Path | None = None,
                 lang: str = "zh", timeout_s: float | None = None) -> AppTask:
    """Hash every input of an app; an unreadable input raises InputError, failing only this app."""
    named: list[tuple[str, Path]] = [(k, p) for k in ("apk", "policy", "scope", "miniprogram")
                                     if (p := getattr(app, k)) is not None]
    named += [("traffic", p) for p in app.traffic]
    inputs = tuple(HashedInput(kind, str(p), *sha256_of(p)) for kind, p in named)
    return AppTask(
        campaign=campaign, key=app.key, name=app.name, inputs=inputs, category=app.category,
        consent_at=app.consent_at, first_party=app.first_party, rules_version=rules_version,
        tool_version=__version__, lang=lang, report_dir=str(report_dir) if report_dir else None,
        timeout_s=timeout_s,
    )
