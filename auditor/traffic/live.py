"""The live proxy: a mitmproxy addon that audits a phone's traffic while the tester uses the app.

The addon never blocks the proxy: the hooks only copy the flow and hand it to a worker thread, which
scans it and appends its observations to SQLite (WAL, one commit per flow), so killing the proxy loses
nothing already stored. The consent moment is marked without touching the computer: the tester opens
http://consent.pi-auditor/ on the phone right after tapping 同意 (the addon answers that URL itself),
or sends SIGUSR1 to mitmdump, or runs the `pi.consent` command in mitmproxy's console; a flow matching
the scope file's consent URL or the consent patterns of rules/consent.yaml marks it too.
Observations seen before the mark are updated to ``before_consent = 1`` when it happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.checklist.build import live_checklist
from auditor.limits import MAX_LIVE_BACKLOG_BYTES, bounded_regex
from auditor.masking import clip, mask_host, mask_text, mask_url
from auditor.model import Audit, Declaration, Observation
from auditor.ruleset import Ruleset, default_ruleset
from auditor.safetext import for_terminal
from auditor.store import Store
from auditor.traffic.flows import DEFAULT_BODY_CAP, Flow, flow_from_mitmproxy
from auditor.traffic.parties import PartyResolver
from auditor.traffic.scan import FlowScanner, settle

ADDON_SCRIPT = Path(__file__).with_name("mitm_addon.py")

CONSENT_PAGE = (
    "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>"
    "<title>pi-auditor</title><h2>已记录同意时刻</h2><p>Consent moment recorded at {time}.</p>"
)
REFUSAL_PAGE = CONSENT_PAGE.replace("已记录同意时刻", "已记录拒绝时刻").replace("Consent moment", "Refusal moment")


class LiveAuditor:
    """State of one live audit; plain Python so it can be tested without a proxy."""

    def __init__(self, db: Path, *, scope: Path | None = None, first_party: list[str] | None = None,
                 ruleset: Ruleset | None = None, echo: Any = None, body_cap: int = DEFAULT_BODY_CAP) -> None:
        from auditor.pipeline import new_audit_id, resolve_app_category, sha256_of
        from auditor.scopefile import load_scope

        self.ruleset = ruleset or default_ruleset()
        self.store = Store(db)
        self.scope = load_scope(scope, self.ruleset) if scope else None
        fp = list(first_party or []) or (self.scope.first_party if self.scope else [])
        self.resolver = PartyResolver(self.ruleset, fp)
        self.first_party_given = bool(fp)
        self.guessed: list[str] = []  # the first party taken from the session's flows, when none was given
        self.scanner = FlowScanner(self.resolver, salt=self.store.salt, ruleset=self.ruleset)
        self.app_category = resolve_app_category(self.scope.app_category if self.scope else None, self.ruleset)
        self.body_cap = body_cap
        self.echo = echo or (lambda line: print(for_terminal(line), file=sys.stderr, flush=True))
        self.lock = threading.Lock()
        self.index = 0
        self.consent_time: datetime | None = None
        self.consent: dict[str, Any] | None = None
        self.consent_rx = self._consent_patterns()
        self.marker_hosts = {h.lower() for h in self.ruleset.consent_patterns["marker_hosts"]}
        # the moment the user refused (认定方法 三.2): http://refusal.pi-auditor/ on the device
        self.refusal_hosts = {h.lower() for h in self.ruleset.consent_patterns.get("refusal_marker_hosts", [])}
        self.refusal_time: datetime | None = None
        self.refusal: dict[str, Any] | None = None
        self.counts = {"flows": 0, "with_pi": 0, "observations": 0, "before_consent": 0}
        self.echoes: set[int] = set()
        self.warnings: list[str] = []
        from auditor.model import InputFile

        inputs = []
        if scope:
            digest, size = sha256_of(scope)
            inputs.append(InputFile("scope", str(scope), digest, size))
        self.audit = Audit(
            id=new_audit_id(), created=datetime.now(UTC).isoformat(timespec="seconds"), tool_version=__version__,
            rules_version=self.ruleset.version, inputs=inputs,
            app={**(self.scope.app if self.scope else {}), "capture": "live"},
        )
        self.store.begin(self.audit)
        self.next_number = 1

    def _consent_patterns(self) -> list[Any]:
        pats = [bounded_regex(p["regex"]) for p in self.ruleset.consent_patterns["url_patterns"]]
        if self.scope and self.scope.consent_at and not self.scope.consent_at.startswith("@"):
            with contextlib.suppress(ValueError):
                pats.insert(0, bounded_regex(self.scope.consent_at))
        return pats

    # --- consent ---------------------------------------------------------------------------------
    def is_marker(self, host: str) -> bool:
        return host.lower() in self.marker_hosts or host.lower() in self.refusal_hosts

    def mark(self, host: str, url: str) -> str:
        """A marker URL was opened: record the moment it names; returns the page to answer with."""
        if host.lower() in self.refusal_hosts:
            self.mark_refusal("marker", url)
            return REFUSAL_PAGE
        self.mark_consent("marker", url)
        return CONSENT_PAGE

    def mark_refusal(self, how: str, url: str | None = None, when: datetime | None = None) -> bool:
        """Record the refusal moment once; flows after it (and before a later consent) are after_refusal."""
        with self.lock:
            if self.refusal_time is not None:
                return False
            self.refusal_time = when or datetime.now(UTC)
            self.refusal = {"how": f"refusal:{how}", "spec": how, "file": "live", "flow": self.index,
                            "time": self.refusal_time.isoformat(), "url": url}
            with self.store.conn:
                self.store.conn.execute("UPDATE audits SET refusal = ? WHERE id = ?",
                                        (_json(self.refusal), self.audit.id))
        self.echo(f"[pi-auditor] refusal marked ({how}) at {self.refusal_time.isoformat(timespec='seconds')}")
        return True

    def after_refusal(self, t: datetime | None) -> bool:
        if self.refusal_time is None or t is None or t < self.refusal_time:
            return False
        return not (self.consent_time is not None and self.consent_time > self.refusal_time and t >= self.consent_time)

    def mark_consent(self, how: str, url: str | None = None, when: datetime | None = None) -> bool:
        """Record the consent moment once; observations already stored become before_consent."""
        with self.lock:
            if self.consent_time is not None:
                return False
            self.consent_time = when or datetime.now(UTC)
            self.consent = {"how": how, "spec": how, "file": "live", "flow": self.index, "time":
                            self.consent_time.isoformat(), "url": url}
            with self.store.conn:
                cur = self.store.conn.execute(
                    "UPDATE observations SET before_consent = 1 WHERE audit_id = ? AND before_consent IS NULL",
                    (self.audit.id,),
                )
                self.store.conn.execute("UPDATE audits SET consent = ? WHERE id = ?",
                                        (_json(self.consent), self.audit.id))
            self.counts["before_consent"] += cur.rowcount
        self.echo(f"[pi-auditor] consent marked ({how}) at {self.consent_time.isoformat(timespec='seconds')}")
        return True

    # --- flows -----------------------------------------------------------------------------------
    def next_index(self) -> int:
        with self.lock:
            i = self.index
            self.index += 1
            return i

    def process(self, flow: Flow) -> list[Observation]:
        """Scan one flow and store its observations (runs on the worker thread)."""
        if self.consent_time is None and any(rx.search(flow.url) for rx in self.consent_rx):
            self.mark_consent("url", mask_url(flow.url_without_query), flow.time)
        if not self.first_party_given and not self.resolver.first:
            # the first flow may go to an SDK (a push channel, an ad request): the first one that does not decides
            self.guessed = self.resolver.guess_first_party([flow.host])
        scanned = self.scanner.scan(flow)
        warnings = scanned.warnings
        with self.lock:
            # a public page's find counts when a request of this session carried the same value before it
            self.echoes |= scanned.echoes
            obs = scanned.observations + settle(scanned.held, self.echoes)
            before = None if self.consent_time is None else bool(flow.time and flow.time < self.consent_time)
            refused = self.after_refusal(flow.time)
            for o in obs:
                o.before_consent = before
                if refused:
                    o.where["after_refusal"] = True
                o.id = f"o{self.next_number}"
                self.next_number += 1
            self.counts["flows"] += 1
            if obs:
                self.counts["with_pi"] += 1
                self.counts["observations"] += len(obs)
                self.counts["before_consent"] += len(obs) if before else 0
            self.warnings.extend(warnings)
            self.store.append_observations(self.audit.id, obs)
        if obs:
            cats = sorted({o.category for o in obs})
            flag = " [before consent]" if before else (" [consent unknown]" if before is None else "")
            self.echo(f"[pi-auditor]{flag} {flow.method} {mask_url(flow.url_without_query)} -> "
                      f"{obs[0].party.name}: {', '.join(cats)}")
        return obs

    def finish(self) -> Audit:
        """Judge everything stored and close the audit; returns it for the summary."""
        from auditor.pipeline import judge_findings

        stored = self.store.load(self.audit.id)
        declarations: list[Declaration] = list(self.scope.declarations) if self.scope else []
        for i, d in enumerate(declarations, 1):
            d.id = f"d{i}"
        stored.declarations = declarations
        stored.consent = self.consent
        stored.warnings = self.warnings + ([] if self.consent else
                                           ["no consent moment was marked: before_consent was not judged"])
        if self.guessed:
            stored.warnings.append(f"first party taken as {mask_host(self.guessed[0])}, the domain of the session's "
                                   "first flow that goes to no catalogued SDK; if that is not the app's own back end, "
                                   "name it in the scope file's first_party (or --set pi_first_party=DOMAIN)")
        stored.app = {**stored.app, "flow_count": self.counts["flows"], "first_party": sorted(self.resolver.first)}
        stored.refusal = self.refusal
        stored.findings = judge_findings(stored.observations, declarations, stored.app, self.ruleset,
                                         app_category=self.app_category, scope_given=self.scope is not None)
        stored.checklist = live_checklist(stored, self.ruleset, app_category=self.app_category)
        self.store.finish(stored)
        return stored


class _MaskingFilter(logging.Filter):
    """mitmproxy's own log lines name hosts and URLs ("server connect 13912345678.example.com"):
    PI-shaped tokens are masked and control characters escaped before any handler prints them."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = for_terminal(mask_text(record.getMessage()))
        record.msg, record.args = text, None
        return True


def quiet_mitmproxy(opts: Any) -> None:
    """mitmdump prints every flow's URL unmasked (its flow log, ``flow_detail`` 1 by default): with
    the addon loaded that log is off unless the user asked for a level explicitly, the addon prints
    masked lines for flows with PI, and mitmproxy's other log lines are masked."""
    if opts.flow_detail == 1:
        opts.update(flow_detail=0)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _MaskingFilter) for f in handler.filters):
            handler.addFilter(_MaskingFilter())


def _json(v: Any) -> str:
    import json

    return json.dumps(v, ensure_ascii=False)


class Backlog:
    """Bytes of flow bodies handed to the scanning thread and not yet scanned, up to a limit (one flow
    larger than the limit still goes through, alone)."""

    def __init__(self, limit: int) -> None:
        self.limit, self.used = limit, 0
        self._lock = threading.Lock()

    def take(self, n: int) -> bool:
        with self._lock:
            if self.used and self.used + n > self.limit:
                return False
            self.used += n
            return True

    def give(self, n: int) -> None:
        with self._lock:
            self.used -= n


class PIAuditorAddon:
    """mitmproxy addon (load with ``mitmdump -s $(auditor proxy --print-addon)``)."""

    def __init__(self) -> None:
        self.live: LiveAuditor | None = None
        self.pool: ThreadPoolExecutor | None = None
        self.backlog = Backlog(MAX_LIVE_BACKLOG_BYTES)

    def load(self, loader: Any) -> None:
        loader.add_option("pi_db", str, "pi-auditor.db", "pi-auditor: SQLite database for observations.")
        loader.add_option("pi_scope", str, "", "pi-auditor: scope file (YAML): first-party domains, declarations.")
        loader.add_option("pi_first_party", str, "", "pi-auditor: comma-separated first-party domains.")
        loader.add_option("pi_body_cap", int, DEFAULT_BODY_CAP, "pi-auditor: bytes of each body that are scanned.")

    def running(self) -> None:
        from mitmproxy import ctx

        opts = ctx.options
        quiet_mitmproxy(opts)
        self.live = LiveAuditor(
            Path(opts.pi_db), scope=Path(opts.pi_scope) if opts.pi_scope else None,
            first_party=[d.strip() for d in opts.pi_first_party.split(",") if d.strip()],
            body_cap=opts.pi_body_cap,
        )
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pi-auditor")
        if hasattr(signal, "SIGUSR1") and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGUSR1, lambda *_: self.live and self.live.mark_consent("signal"))
        self.live.echo(f"[pi-auditor] audit {self.live.audit.id} -> {opts.pi_db}; mark consent by opening "
                       f"http://consent.pi-auditor/ on the device, or: kill -USR1 {os.getpid()}")

    def http_connect(self, flow: Any) -> None:
        """The https form of the marker (https://consent.pi-auditor/): a phone that upgrades to https
        tunnels to it with CONNECT. The tunnel is answered here, since the host does not exist, and the
        page inside it by ``request``."""
        from mitmproxy import http

        if self.live and self.live.is_marker(flow.request.host):
            self.live.mark(flow.request.host, f"https://{flow.request.host}/")
            flow.response = http.Response.make(200)
            flow.metadata["pi_auditor_marker"] = True

    def request(self, flow: Any) -> None:
        from mitmproxy import http

        if self.live and self.live.is_marker(flow.request.pretty_host):
            page = self.live.mark(flow.request.pretty_host, mask_url(flow.request.pretty_url))
            flow.response = http.Response.make(
                200, page.format(time=datetime.now(UTC).isoformat(timespec="seconds")),
                {"Content-Type": "text/html; charset=utf-8"},
            )
            flow.metadata["pi_auditor_marker"] = True

    async def response(self, flow: Any) -> None:
        await self._submit(flow)

    async def error(self, flow: Any) -> None:
        if flow.response is None:
            await self._submit(flow)

    async def _submit(self, flow: Any) -> None:
        """Hand a copy of the flow to the scanning thread. Scanning is slower than a phone can send
        (a 5 MB JSON body takes seconds), so flows waiting for it are bounded to MAX_LIVE_BACKLOG_BYTES
        of bodies: past that this flow's hook waits (only this flow is held back, the event loop goes
        on) instead of the queue, and the proxy's memory, growing without end."""
        if not self.live or not self.pool or flow.metadata.get("pi_auditor_marker"):
            return
        live = self.live
        index = live.next_index()
        warnings: list[str] = []
        try:
            snapshot = flow_from_mitmproxy(flow, "live", index, live.body_cap, warnings)
        except ValueError as e:  # a URL that cannot be parsed: this flow only
            live.warnings.append(f"live: flow {index} skipped: {clip(e)}")
            return
        live.warnings.extend(warnings)
        size = len(snapshot.request.body) + (len(snapshot.response.body) if snapshot.response else 0)
        while not self.backlog.take(size):
            await asyncio.sleep(0.05)
        self.pool.submit(self._safe_process, snapshot, size)

    def _safe_process(self, flow: Flow, size: int = 0) -> None:
        assert self.live is not None
        try:
            self.live.process(flow)
        except Exception as e:  # noqa: BLE001 - one bad flow must not stop the audit
            self.live.warnings.append(f"live: flow {flow.index}: not scanned: {type(e).__name__}: {clip(e)}")
        finally:
            self.backlog.give(size)

    def done(self) -> None:
        if not self.live or not self.pool:
            return
        self.pool.shutdown(wait=True)
        audit = self.live.finish()
        c = self.live.counts
        sev = {s: sum(1 for f in audit.findings if f.severity == s) for s in ("high", "medium", "low")}
        self.live.echo(
            f"[pi-auditor] audit {audit.id}: {c['flows']} flows, {c['with_pi']} with PI, {c['observations']} "
            f"observations ({c['before_consent']} before consent); findings high {sev['high']}, medium "
            f"{sev['medium']}, low {sev['low']}. Report: auditor report --db {self.live.store.path} "
            f"--audit {audit.id} --html report.html"
        )
        self.live.store.close()

    def pi_consent(self) -> None:
        """Console command `pi.consent`: mark the consent moment now."""
        if self.live:
            self.live.mark_consent("command")


def _register_command(addon_cls: type) -> None:
    from mitmproxy import command

    addon_cls.pi_consent = command.command("pi.consent")(addon_cls.pi_consent)


def run_proxy(*, db: Path, scope: Path | None, print_addon: bool, mitm_args: list[str]) -> int:
    """Run mitmdump with the addon in this Python; returns its exit code, or 128 + the signal that stopped it.

    Ctrl-C (SIGINT) and SIGTERM to this command are passed on to mitmdump, which shuts down cleanly: the
    addon's ``done`` judges what was stored and closes the audit before this command exits (130 after
    Ctrl-C, 143 after SIGTERM). Without the hand-over a service manager's SIGTERM left mitmdump running
    and the audit unfinished.
    """
    if print_addon:
        print(ADDON_SCRIPT)
        return 0
    args = [sys.executable, "-c", "from mitmproxy.tools.main import mitmdump; mitmdump()",
            "-s", str(ADDON_SCRIPT), "--set", f"pi_db={db}"]
    if scope:
        args += ["--set", f"pi_scope={scope}"]
    args += mitm_args
    proc = subprocess.Popen(args)
    stopped_by: list[int] = []

    def hand_over(signum: int, _frame: Any) -> None:
        stopped_by.append(signum)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # mitmdump shuts down the same way for either signal

    previous = {sig: signal.signal(sig, hand_over) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        rc = proc.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 + stopped_by[0] if stopped_by else rc
