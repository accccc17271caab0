"""Batch bookkeeping in the audit database: which app of which campaign was audited from what.

The ``batch_items`` table sits beside the store's tables (it never changes them). An app's row and its
audit are committed in one transaction, so after a crash or a SIGKILL every row points at a complete
audit and every batch audit has its row; resuming trusts the table without re-checking audits.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from auditor.batch.task import AppTask
from auditor.batch.worker import TaskResult
from auditor.model import Audit
from auditor.store import Store

TABLE = "batch_items"
_COLUMNS = {"campaign": str, "key": str, "name": str, "status": str, "fingerprint": str, "rules_version": str,
            "audit_id": str, "error": str, "report_error": str, "inputs": str, "seconds": float,
            "finished": str}


class Ledger:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn
        with self.conn:
            if TABLE not in store.db.table_names():
                store.db[TABLE].create(_COLUMNS, pk=("campaign", "key"))
            store.db[TABLE].create_index(["fingerprint"], if_not_exists=True)

    def done(self, campaign: str) -> dict[str, str]:
        """key -> fingerprint of the apps whose last audit succeeded."""
        rows = self.conn.execute(f"SELECT key, fingerprint FROM {TABLE} WHERE campaign = ? AND status = 'done'",
                                 (campaign,))
        return dict(rows.fetchall())

    def audited(self) -> dict[str, str]:
        """fingerprint -> audit id, over every campaign: the same app from the same inputs and rules is
        audited once per database, however many campaigns (or renamed manifests) list it."""
        rows = self.conn.execute(f"SELECT b.fingerprint, b.audit_id FROM {TABLE} b JOIN audits a ON a.id = b.audit_id "
                                 "WHERE b.status = 'done'")
        return dict(rows.fetchall())

    def record(self, task: AppTask, result: TaskResult) -> None:
        """Store the outcome of one task; a successful audit and its row land in one transaction.

        The row's fingerprint names the rules the worker actually used: if the rules were edited while
        the batch ran, the apps audited under the old rules are simply audited again on the next run.
        """
        audit = Audit.from_dict(result.audit) if result.audit is not None else None
        if audit is not None and audit.rules_version != task.rules_version:
            task = replace(task, rules_version=audit.rules_version)
        row = {**_task_row(task), "error": result.error, "report_error": result.report_error,
               "seconds": round(result.seconds, 3)}
        if audit is None:
            self._upsert({**row, "status": "failed", "audit_id": None})
            return
        try:
            self.conn.execute("BEGIN")
            self._write({**row, "status": "done", "audit_id": audit.id})
            self.store.save(audit)  # its `with conn:` commits our row and the audit together
        except BaseException:
            if self.conn.in_transaction:
                self.conn.rollback()
            raise

    def adopt(self, task: AppTask, audit_id: str) -> None:
        """Point this campaign's app at an audit already made from the same fingerprint."""
        self._upsert({**_task_row(task), "status": "done", "audit_id": audit_id, "seconds": 0.0})

    def record_failure(self, campaign: str, key: str, name: str, error: str) -> None:
        """An app that failed before it could become a task (an input missing or unreadable)."""
        self._upsert({"campaign": campaign, "key": key, "name": name, "status": "failed", "error": error,
                      "fingerprint": None, "rules_version": None, "audit_id": None, "report_error": None,
                      "inputs": None, "seconds": 0.0})

    def items(self, campaign: str) -> list[dict[str, Any]]:
        cur = self.conn.execute(f"SELECT * FROM {TABLE} WHERE campaign = ? ORDER BY key", (campaign,))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def _upsert(self, row: dict[str, Any]) -> None:
        with self.conn:
            self._write(row)

    def _write(self, row: dict[str, Any]) -> None:
        row = {**row, "finished": datetime.now(UTC).isoformat(timespec="seconds")}
        cols = list(_COLUMNS)
        self.conn.execute(
            f"INSERT OR REPLACE INTO {TABLE} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            [row.get(c) for c in cols],
        )


def _task_row(task: AppTask) -> dict[str, Any]:
    return {
        "campaign": task.campaign, "key": task.key, "name": task.name, "fingerprint": task.fingerprint,
        "rules_version": task.rules_version,
        "inputs": json.dumps([{"kind": i.kind, "path": i.path, "sha256": i.sha256} for i in task.inputs],
                             ensure_ascii=False),
    }
