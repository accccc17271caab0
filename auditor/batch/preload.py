"""Imported once by the workers' forkserver, before it forks any worker.

Every worker would otherwise pay the same start-up on its first app: importing androguard, the traffic
and policy readers, and loading the PI scanner's name tagger (jieba's tables, the LAC model; about 1 s).
Done here, it is paid once per batch and the warmed state reaches each worker by fork, shared
copy-on-write. Warming is only an optimisation: if it fails, workers set themselves up as usual and the
real error surfaces per app.
"""

from __future__ import annotations

import importlib

MODULES = ("auditor.batch.worker", "auditor.apk", "auditor.traffic.scan", "auditor.policy", "auditor.miniprogram")


def warm() -> None:
    try:
        for name in MODULES:
            importlib.import_module(name)
        from auditor.pii.scanner import get_scanner

        _ = get_scanner().analyzer
    except Exception:  # noqa: BLE001 -- an optimisation; the worker reports the real error per app
        return


warm()
