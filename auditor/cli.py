"""The ``auditor`` command (GUIDE.md §2 CLI contract).

Errors a user can fix are one line on stderr naming the input, exit 2; findings at or above
``--fail-on`` are exit 1; everything else is exit 0. Progress and summaries go to stderr so that
``--json -`` keeps stdout machine-readable.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from auditor import __version__
from auditor.batch.cli import batch
from auditor.errors import AuditorError, RulesError
from auditor.limits import MAX_MESSAGE_CHARS
from auditor.model import SEVERITY_ORDER, Audit
from auditor.pipeline import AuditInputs, run_audit
from auditor.progress import make_progress
from auditor.ruleset import Ruleset, default_ruleset
from auditor.safetext import for_terminal, without_surrogates
from auditor.store import Store

err = Console(stderr=True, highlight=False, soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])

SEVERITIES = click.Choice(["high", "medium", "low"])
PathArg = click.Path(path_type=Path)


def output_options(f: F) -> F:
    f = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
                     help="Report language.")(f)
    f = click.option("--fail-on", type=SEVERITIES, help="Exit 1 when a finding is at or above this severity.")(f)
    f = click.option("--pdf", "pdf_out", type=PathArg, help="Write a printable PDF report.")(f)
    f = click.option("--sarif", "sarif_out", type=PathArg, help="Write SARIF 2.1.0.")(f)
    f = click.option("--html", "html_out", type=PathArg, help="Write the self-contained HTML report.")(f)
    f = click.option("--json", "json_out", type=str, help="Write pi-auditor/1 JSON ('-' for stdout).")(f)
    f = click.option("--db", type=PathArg, help="SQLite database to store the audit in (created if missing).")(f)
    return f


def audit_options(f: F) -> F:
    f = click.option("--first-party", multiple=True, help="A domain of the app's own servers (repeatable).")(f)
    f = click.option("--refused-at", help="Moment the user refused consent (认定方法 三.2), given like "
                     "--consent-at.")(f)
    f = click.option("--consent-at", help="Consent moment: @INDEX, @FILE:INDEX, an ISO time, or a URL regex.")(f)
    f = click.option("--app-category", help="App category of the 2021 necessary-PI rules: its name there "
                     "(网络约车类), English name, id or number.")(f)
    f = click.option("--scope", type=PathArg, help="Scope file (YAML) with app facts and declarations.")(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pi-auditor")
def cli() -> None:
    """pi-auditor: personal-information compliance audits of apps, captures and mini-programs."""


@cli.command()
@click.option("--apk", type=PathArg, help="Android APK to analyse statically.")
@click.option("--traffic", type=PathArg, multiple=True, help="Capture: HAR or mitmproxy flow file (repeatable).")
@click.option("--policy", type=PathArg, help="Privacy policy (.txt, .html, .pdf).")
@click.option("--miniprogram", type=PathArg, help="Mini-program source directory or .wxapkg.")
@audit_options
@output_options
def audit(apk: Path | None, traffic: tuple[Path, ...], policy: Path | None, miniprogram: Path | None,
          **opts: Any) -> None:
    """Audit any combination of inputs and judge them together."""
    _run(AuditInputs(apk=apk, traffic=list(traffic), policy=policy, miniprogram=miniprogram), **opts)


@cli.command()
@click.argument("captures", type=PathArg, nargs=-1, required=True)
@audit_options
@output_options
def traffic(captures: tuple[Path, ...], **opts: Any) -> None:
    """Audit captured traffic (HAR or mitmproxy flow files)."""
    _run(AuditInputs(traffic=list(captures)), **opts)


@cli.command()
@click.argument("apk_file", type=PathArg)
@audit_options
@output_options
def apk(apk_file: Path, **opts: Any) -> None:
    """Static analysis of an APK: permissions, PI-reading code, SDKs, bundled policy."""
    _run(AuditInputs(apk=apk_file), **opts)


@cli.command()
@click.argument("policy_file", type=PathArg)
@output_options
def policy(policy_file: Path, **opts: Any) -> None:
    """Read a privacy policy into declared, negated and conditional categories and its SDK list."""
    _run(AuditInputs(policy=policy_file), scope=None, app_category=None, consent_at=None, refused_at=None,
         first_party=(), **opts)


@cli.command()
@click.argument("source", type=PathArg)
@audit_options
@output_options
def miniprogram(source: Path, **opts: Any) -> None:
    """Check a mini-program (source directory or .wxapkg) against its privacy declaration."""
    _run(AuditInputs(miniprogram=source), **opts)


@cli.command()
@click.argument("text", required=False)
def scan(text: str | None) -> None:
    """Print the PI entities in TEXT, or in each line of stdin with '-' (masked)."""
    from auditor.pii.cli_scan import scan_lines

    if text is None or text == "-":
        raw = sys.stdin.buffer.read()
        lines = _decode_stdin(raw).splitlines()
    else:
        lines = [text]
    for row in scan_lines(lines):
        click.echo(json.dumps(row, ensure_ascii=False))


def _decode_stdin(raw: bytes) -> str:
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


@cli.command()
@click.option("--db", type=PathArg, required=True, help="SQLite database with audits.")
@click.option("--audit", "audit_id", help="Audit id (default: the latest).")
@click.option("--html", "html_out", type=PathArg, help="Write the HTML report.")
@click.option("--json", "json_out", type=str, help="Write pi-auditor/1 JSON ('-' for stdout).")
@click.option("--sarif", "sarif_out", type=PathArg, help="Write SARIF 2.1.0.")
@click.option("--pdf", "pdf_out", type=PathArg, help="Write a PDF report.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def report(db: Path, audit_id: str | None, html_out: Path | None, json_out: str | None, sarif_out: Path | None,
           pdf_out: Path | None, lang: str) -> None:
    """Re-render a stored audit without re-running the analysis."""
    with Store(db, create=False) as store:
        aid = audit_id or store.latest_id()
        if aid is None:
            raise AuditorError(f"{db}: the database holds no audits")
        a = store.load(aid)
    if not (html_out or json_out or sarif_out or pdf_out):
        raise click.UsageError("give at least one of --html, --json, --sarif, --pdf")
    _write_outputs(a, json_out=json_out, html_out=html_out, sarif_out=sarif_out, pdf_out=pdf_out, lang=lang)


@cli.command()
@click.option("--db", type=PathArg, required=True, help="SQLite database with audits.")
def audits(db: Path) -> None:
    """List the audits stored in a database."""
    with Store(db, create=False) as store:
        rows = store.list_audits()
    header = ("id", "created", "app", "status", "observations", "findings (high/medium/low)")
    table = []
    for r in rows:
        s = r["summary"]
        sev = s.get("severity", {})
        row = (r["id"], r["created"], r["app"] or r["package"], r["status"], str(s.get("observations", 0)),
               f"{s.get('findings', 0)} ({sev.get('high', 0)}/{sev.get('medium', 0)}/{sev.get('low', 0)})")
        table.append(tuple(for_terminal(str(cell)) for cell in row))  # an app's label is the app maker's text
    out = Console()
    if not out.is_terminal:  # pipes and scripts get one tab-separated line per audit
        for line in (header, *table):
            click.echo("\t".join(line))
        return
    t = Table(*header)
    for row in table:
        t.add_row(*(Text(cell) for cell in row))  # Text: no rich markup read from an app's label
    out.print(t)


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.option("--db", type=PathArg, default=Path("pi-auditor.db"), show_default=True)
@click.option("--scope", type=PathArg, help="Scope file (first-party domains, declarations).")
@click.option("--print-addon", is_flag=True, help="Print the addon path for `mitmdump -s` and exit.")
@click.argument("mitm_args", nargs=-1, type=click.UNPROCESSED)
def proxy(db: Path, scope: Path | None, print_addon: bool, mitm_args: tuple[str, ...]) -> None:
    """Run mitmdump with the pi-auditor addon; observations go to --db as they arrive."""
    from auditor.traffic.live import run_proxy

    sys.exit(run_proxy(db=db, scope=scope, print_addon=print_addon, mitm_args=list(mitm_args)))


cli.add_command(batch)


def _run(inputs: AuditInputs, *, scope: Path | None, app_category: str | None, consent_at: str | None,
         refused_at: str | None, first_party: Sequence[str], db: Path | None, json_out: str | None,
         html_out: Path | None, sarif_out: Path | None, pdf_out: Path | None, fail_on: str | None, lang: str) -> None:
    inputs.scope = scope
    inputs.app_category = app_category
    inputs.consent_at = consent_at
    inputs.refused_at = refused_at
    inputs.first_party = list(first_party)
    store = Store(db) if db else None
    if store is not None:
        inputs.previous = _previous_in(store)
    try:
        with make_progress(err) as progress:
            a = run_audit(inputs, ruleset=default_ruleset(), salt=store.salt if store else None, progress=progress)
        if store:
            store.save(a)
    finally:
        if store:
            store.close()
    _write_outputs(a, json_out=json_out, html_out=html_out, sarif_out=sarif_out, pdf_out=pdf_out, lang=lang)
    _summary(a, db, lang, json_to_stdout=json_out == "-")
    if fail_on and any(SEVERITY_ORDER[f.severity] <= SEVERITY_ORDER[fail_on] for f in a.findings):
        sys.exit(1)


def _previous_in(store: Store) -> Callable[[dict[str, Any]], Audit | None]:
    """The latest audit of the same app (package or appid) already in the database, if any."""
    from auditor.checklist.diff import app_key, previous_audit

    def find(app: dict[str, Any]) -> Audit | None:
        key = app_key(app)
        if not key or not store.path.exists():
            return None
        pid = previous_audit(store.conn, key)
        return store.load(pid) if pid else None

    return find


@cli.command()
@click.option("--db", type=PathArg, required=True, help="SQLite database with audits.")
@click.argument("old")
@click.argument("new")
@click.option("--json", "json_out", type=str, help="Write the comparison as JSON ('-' for stdout).")
@click.option("--html", "html_out", type=PathArg, help="Write NEW's report with a section on the changes.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def diff(db: Path, old: str, new: str, json_out: str | None, html_out: Path | None, lang: str) -> None:
    """Compare two stored audits of one app: PI, SDKs and permissions that appeared (认定方法 二.2, 四.3)."""
    from auditor.checklist.diff import app_key, compare

    with Store(db, create=False) as store:
        a, b = store.load(old), store.load(new)
    ka, kb = app_key(a.app), app_key(b.app)
    if ka and kb and ka != kb:
        raise AuditorError(f"{db}: audits {old} ({ka}) and {new} ({kb}) are of different apps")
    changes = compare(a, b)
    if json_out:
        text = json.dumps(changes, ensure_ascii=False, indent=2)
        click.echo(text) if json_out == "-" else _write(Path(json_out), text)
    if html_out:
        b.changes = changes
        _write_outputs(b, json_out=None, html_out=html_out, sarif_out=None, pdf_out=None, lang=lang)
    if json_out != "-":
        for label, key in (("PI categories", "categories"), ("SDKs", "sdks"), ("permissions", "permissions")):
            err.print(for_terminal(f"new {label}: {', '.join(changes[key]) or '-'}"), markup=False)
        policy = {None: "not comparable", True: "changed", False: "unchanged"}[changes["policy_changed"]]
        err.print(f"privacy policy: {policy}", markup=False)


def _write_outputs(a: Audit, *, json_out: str | None, html_out: Path | None, sarif_out: Path | None,
                   pdf_out: Path | None, lang: str) -> None:
    ruleset = default_ruleset()
    if json_out:
        text = without_surrogates(json.dumps(a.to_dict(), ensure_ascii=False, indent=2))
        if json_out == "-":
            click.echo(text)
        else:
            _write(Path(json_out), text)
    if html_out:
        from auditor.report import render_html

        _write(html_out, render_html(a, ruleset, lang=lang))
    if sarif_out:
        from auditor.report import to_sarif

        _write(sarif_out, json.dumps(to_sarif(a, ruleset), ensure_ascii=False, indent=2))
    if pdf_out:
        from auditor.report import write_pdf

        pdf_out.parent.mkdir(parents=True, exist_ok=True)
        write_pdf(a, ruleset, pdf_out, lang=lang)


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(without_surrogates(text), encoding="utf-8")  # a lone surrogate becomes U+FFFD
    except OSError as e:
        raise AuditorError(f"{path}: cannot write: {e.strerror or e}") from None


def _summary(a: Audit, db: Path | None, lang: str = "zh", *, json_to_stdout: bool = False) -> None:
    """What was found, on stderr, category names in ``lang``. A policy read alone also lists what it says:
    that list is the command's result, so it goes to stdout unless the JSON does."""
    ruleset = default_ruleset()
    if {i.kind for i in a.inputs} == {"policy"}:
        _policy_summary(a, lang, err if json_to_stdout else Console(highlight=False, soft_wrap=True))
    counts = {s: sum(1 for f in a.findings if f.severity == s) for s in ("high", "medium", "low")}
    err.print(f"[bold]audit {a.id}[/bold]: {len(a.observations)} observations, {len(a.findings)} findings "
              f"(high {counts['high']}, medium {counts['medium']}, low {counts['low']})")
    for f in a.findings[:30]:
        cat = _short_name(ruleset, f.category, lang) if f.category else "-"
        who = f.party.name if f.party else "-"
        err.print(for_terminal(f"  [{f.severity}] {f.rule}  {cat}  {who}  ({f.count})"), markup=False)
    if len(a.findings) > 30:
        err.print(f"  ... and {len(a.findings) - 30} more")
    for w in a.warnings[:10]:
        err.print(for_terminal(f"  warning: {w}"), markup=False)
    if len(a.warnings) > 10:
        err.print(f"  ... and {len(a.warnings) - 10} more warnings")
    if db:
        err.print(f"stored in {db}")


def _short_name(ruleset: Ruleset, category: str, lang: str) -> str:
    """A category's name without its parenthesised examples: 设备标识, Device identifiers."""
    return ruleset.category_name(category, lang).split("（")[0].split(" (")[0]


def _policy_summary(a: Audit, lang: str, to: Console) -> None:
    """What a privacy policy says, grouped as a reader wants it: collected, conditionally, not, and SDKs."""
    ruleset = default_ruleset()
    labels = {"declared": ("declares", "声明收集"), "conditional": ("only if the user chooses", "视用户选择收集"),
              "negated": ("says it does not collect", "声明不收集")}
    policy = [d for d in a.declarations if d.source == "policy"]
    to.print(f"privacy policy: {len(policy)} statements read", markup=False)
    for status, (en, zh) in labels.items():
        cats = sorted({d.category for d in policy if d.category and d.status == status})
        if cats:
            names = ", ".join(_short_name(ruleset, c, lang) for c in cats)
            to.print(for_terminal(f"  {en if lang == 'en' else zh}: {names}"), markup=False)
    separate = sorted({d.category for d in policy if d.category and d.separate_consent})
    if separate:
        names = ", ".join(_short_name(ruleset, c, lang) for c in separate)
        to.print(for_terminal(f"  {'separate consent stated for' if lang == 'en' else '声明单独同意'}: {names}"),
                  markup=False)
    sdks = sorted({d.sdk or d.sdk_name or "" for d in policy if d.sdk or d.sdk_name} - {""})
    if sdks:
        shown = [ruleset.sdks.get(s, {}).get("name" if lang == "en" else "name_zh") or s for s in sdks]
        to.print(for_terminal(f"  {'third-party SDKs named' if lang == 'en' else '列明的第三方SDK'}: "
                               f"{', '.join(shown)}"), markup=False)


def one_line(error: Exception) -> str:
    """An error as the CLI prints it: one line, at most MAX_MESSAGE_CHARS, nothing a terminal acts on."""
    text = for_terminal(" ".join(str(error).split()))
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the click group, turning our errors into one line and exit 2."""
    try:
        cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except click.exceptions.Abort:
        err.print("aborted")
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except (AuditorError, RulesError) as e:
        click.echo(f"auditor: error: {one_line(e)}", err=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo("auditor: interrupted", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except BrokenPipeError:
        sys.exit(0)
    except Exception as e:
        if os.environ.get("AUDITOR_DEBUG"):
            raise
        click.echo(f"auditor: internal error: {type(e).__name__}: {one_line(e)} (set AUDITOR_DEBUG=1 for a traceback)",
                   err=True)
        sys.exit(3)


if __name__ == "__main__":
    main()
