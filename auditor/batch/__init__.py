"""Batch audits for regulators: a manifest of apps, audited in parallel, resumable, with a dashboard.

A campaign (an app-store category, every 政务 app of a province) is a manifest; each app becomes an
independent task named by its inputs' hashes (task.py), runs in a worker process (worker.py, runner.py)
and lands in the audit database with a bookkeeping row (ledger.py) in one transaction. The dashboard
compares the apps from the database alone. See docs/batch.md.
"""
