"""The campaign dashboard (one self-contained HTML page) and its CSV and JSON exports.

All three are drawn from one CampaignTable, so a regulator can rank apps in the page, filter them in a
spreadsheet and load them into other tools without the numbers disagreeing. App-controlled text (app
names, labels, error messages that quote paths) is escaped by Jinja's autoescape in the page and
neutralised against spreadsheet formula injection in the CSV.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from auditor import __version__
from auditor.batch.reports import write_report, write_text_atomic
from auditor.batch.table import SEVERITIES, CampaignTable, build_table
from auditor.batch.task import report_filename
from auditor.report.html import PALETTE
from auditor.resources import installed_dir
from auditor.ruleset import Ruleset
from auditor.store import Store

TEMPLATES = installed_dir("reports") / "dashboard"
EXPORT_SCHEMA = "pi-auditor-dashboard/1"
REPORTS_SUBDIR = "apps"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class DashboardFiles:
    html: Path
    csv: Path
    json: Path
    reports_rendered: int
    reports_failed: dict[str, str]


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def render_dashboard(table: CampaignTable, ruleset: Ruleset, links: dict[str, str], *, lang: str = "zh",
                     generated: str | None = None) -> str:
    """The page; ``links`` maps app keys to report hrefs relative to the page."""
    env = _environment().overlay()
    env.filters["sdk_name"] = lambda sid: ruleset.sdks.get(sid, {}).get("name_zh" if lang == "zh" else "name", sid)
    template = env.get_template("dashboard.html.j2")
    return template.render(
        t=table, links=links, lang=lang, tool_version=__version__,
        generated=generated or datetime.now(UTC).isoformat(timespec="seconds"),
        css=PALETTE.read_text(encoding="utf-8") + (TEMPLATES / "dashboard.css").read_text(encoding="utf-8"),
        totals={"high": sum(a.findings["high"] for a in table.apps),
                "apps_with_high": sum(1 for a in table.apps if a.findings["high"])},
        audited=len(table.apps), percent=percent,
        category_label=lambda c: ruleset.category_name(c, lang) if c in ruleset.categories else (c or "—"),
        category_short=lambda c: _short(ruleset.category_name(c, lang)) if c in ruleset.categories else c,
    )


def _short(name: str) -> str:
    """'设备标识（IMEI、MEID…）' -> '设备标识': column heads and dense cells keep the name, not the list."""
    return re.split(r"\s*[（(]", name, maxsplit=1)[0]


def export_rows(table: CampaignTable, links: dict[str, str]) -> list[dict[str, Any]]:
    """One flat row per app (audited first, in rank order, then failed): the CSV and JSON share it."""
    rows = []
    for a in [*table.apps, *table.failed]:
        rate = a.before_consent_rate
        row: dict[str, Any] = {
            "rank": a.rank or None, "id": a.key, "name": a.name, "package": a.package, "status": a.status,
            "error": a.error, "audit_id": a.audit_id, "app_category": a.app_category or None,
            **{f"findings_{s}": a.findings[s] for s in SEVERITIES}, "findings_total": a.total_findings,
            "observations": a.observations, "before_consent": a.before_consent, "consent_known": a.consent_known,
            "before_consent_rate": None if rate is None else round(rate, 4), "sdks": sorted(a.sdks),
            "report": links.get(a.key),
        }
        row["rules"] = dict(sorted(a.rules.items()))
        row["categories"] = {c: {"observations": cell.observations, "worst": cell.worst, "rules": sorted(cell.rules)}
                             for c, cell in sorted(a.cells.items())}
        rows.append(row)
    return rows


def to_json(table: CampaignTable, links: dict[str, str], generated: str) -> dict[str, Any]:
    return {
        "schema": EXPORT_SCHEMA, "campaign": table.campaign, "rules_version": table.rules_version,
        "stale": table.stale,
        "tool_version": __version__, "generated": generated, "apps": export_rows(table, links),
        "sdks": [{"id": s.id, "name": s.name, "apps": sorted(s.apps),
                  "categories": {c: sorted(apps) for c, apps in sorted(s.categories.items())},
                  "before_consent_apps": sorted(s.before_consent_apps), "undisclosed_apps": sorted(s.undisclosed_apps)}
                 for s in table.sdks],
    }


def to_csv(table: CampaignTable, links: dict[str, str]) -> str:
    """Spreadsheet-ready: one column per rule (finding count) and per category (observation count),
    lists joined with ';'."""
    rows = export_rows(table, links)
    scalar = [k for k in (rows[0] if rows else {}) if k not in ("rules", "categories")]
    rules = sorted({r for row in rows for r in row["rules"]})
    header = [*scalar, *(f"rule:{r}" for r in rules), *(f"category:{c}" for c in table.categories)]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        cells = [";".join(row[k]) if isinstance(row[k], list) else row[k] for k in scalar]
        cells += [row["rules"].get(r, 0) for r in rules]
        cells += [row["categories"].get(c, {}).get("observations", 0) for c in table.categories]
        writer.writerow([_csv_cell(v) for v in cells])
    return buf.getvalue()


def _csv_cell(value: Any) -> Any:
    """A cell starting with = + - @ would be run as a formula by Excel/WPS; a leading ' keeps it text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def write_dashboard(store: Store, campaign: str, out_dir: Path, ruleset: Ruleset, *, keys: list[str] | None = None,
                    lang: str = "zh") -> DashboardFiles:
    """Write dashboard.html/.csv/.json into ``out_dir``, first rendering any per-app report still missing
    (apps skipped on resume, or audited by a run without --out)."""
    table = build_table(store, campaign, ruleset, keys, lang)
    reports = out_dir / REPORTS_SUBDIR
    links: dict[str, str] = {}
    rendered = 0
    unrendered: dict[str, str] = {}
    for a in table.apps:
        assert a.audit_id is not None
        name = report_filename(a.key, a.audit_id)
        if not (reports / name).exists():
            try:
                write_report(store.load(a.audit_id), ruleset, reports / name, lang)
            except Exception as e:  # noqa: BLE001 -- one undrawable report must not cost the campaign its dashboard
                unrendered[a.key] = f"{type(e).__name__}: {e}"
                continue
            rendered += 1
        links[a.key] = f"{REPORTS_SUBDIR}/{quote(name)}"
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    files = DashboardFiles(html=out_dir / "dashboard.html", csv=out_dir / "dashboard.csv",
                           json=out_dir / "dashboard.json", reports_rendered=rendered,
                           reports_failed=unrendered)
    write_text_atomic(files.html, render_dashboard(table, ruleset, links, lang=lang, generated=generated))
    write_text_atomic(files.csv, "\ufeff" + to_csv(table, links))  # the BOM makes Excel read UTF-8
    write_text_atomic(files.json, json.dumps(to_json(table, links, generated), ensure_ascii=False, indent=1))
    return files
