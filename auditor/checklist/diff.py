"""Two audits of the same app compared: what it collects, embeds and asks for that it did not before
(认定方法 二.2 规则变化未通知, 四.3 新增功能超范围).

Audits are matched by the app's package (APK) or appid (mini-program). What counts as collected is
what the app was seen collecting (not a permission alone, not a policy statement); SDKs are those the
APK embeds or the traffic attributes; permissions are those the manifest requests. Whether the policy
changed is told by the SHA-256 of the policy given (or bundled) in each audit.
"""

from __future__ import annotations

import json
from typing import Any

from auditor.checklist.build import ChecklistFacts
from auditor.checklist.facts import Evidence, ItemFact
from auditor.model import Audit


def app_key(app: dict[str, Any]) -> str | None:
    """The identity two audits of one app share: its package name or its mini-program appid."""
    return app.get("package") or app.get("appid") or None


def _categories(a: Audit) -> set[str]:
    return {o.category for o in a.observations if o.source != "policy" and o.entity != "PERMISSION" and o.collects}


def _sdks(a: Audit) -> set[str]:
    ids = {str(s.get("id")) for s in a.app.get("sdks") or [] if isinstance(s, dict) and s.get("id")}
    return ids | {o.party.sdk for o in a.observations if o.party.sdk}


def _permissions(a: Audit) -> set[str]:
    return {str(p.get("name")) for p in a.app.get("permissions") or [] if isinstance(p, dict) and p.get("name")}


def _policy_digest(a: Audit) -> str | None:
    given = [i.sha256 for i in a.inputs if i.kind == "policy"]
    if given:
        return given[0]
    return a.app.get("bundled_policy_sha256")


def compare(old: Audit, new: Audit) -> dict[str, Any]:
    """What ``new`` has that ``old`` had not (and what went away)."""
    before, after = _policy_digest(old), _policy_digest(new)
    return {
        "previous": old.id,
        "previous_created": old.created,
        "key": app_key(new.app) or app_key(old.app) or "",
        "categories": sorted(_categories(new) - _categories(old)),
        "sdks": sorted(_sdks(new) - _sdks(old)),
        "permissions": sorted(_permissions(new) - _permissions(old)),
        "removed": {
            "categories": sorted(_categories(old) - _categories(new)),
            "sdks": sorted(_sdks(old) - _sdks(new)),
            "permissions": sorted(_permissions(old) - _permissions(new)),
        },
        "policy_changed": None if before is None or after is None else before != after,
    }


def _new_items(changes: dict[str, Any]) -> list[str]:
    return [*changes["categories"], *changes["sdks"], *(p.rsplit(".", 1)[-1] for p in changes["permissions"])]


def add_changes(facts: ChecklistFacts, changes: dict[str, Any]) -> None:
    """二.2 and 四.3 facts from a comparison with the previous audit."""
    facts.have.add("previous_audit")
    new = _new_items(changes)
    where = {"previous": changes["previous"]}
    ev = [Evidence("change", "+ " + ", ".join(new), where)] if new else [
        Evidence("change", f"= {changes['previous']}", where)]
    if not new:
        for sid in ("rdff-2-2", "rdff-4-3"):
            facts.items.append(ItemFact(sid, "compliant", "与上次审计相比没有新增的个人信息、SDK或权限",
                                        "Nothing new since the previous audit (PI, SDKs, permissions)", ev))
        return
    if changes["policy_changed"] is False:
        facts.items.append(ItemFact(
            "rdff-2-2", "violation", "新增收集的个人信息、SDK或权限，但隐私政策与上次审计时完全相同，未随变化更新",
            "New PI, SDKs or permissions, yet the privacy policy is byte for byte the one of the previous audit",
            ev))
    else:
        facts.items.append(ItemFact(
            "rdff-2-2", "review", "有新增的个人信息、SDK或权限：需确认隐私政策已更新并提醒用户阅读",
            "New PI, SDKs or permissions: check that the policy was updated and users were told", ev))
    facts.items.append(ItemFact(
        "rdff-4-3", "review", "有新增的个人信息或权限：需确认拒绝后原有功能仍可使用",
        "New PI or permissions: check that the original functions still work when the user refuses them", ev))


def previous_audit(conn: Any, key: str, *, before: str | None = None) -> str | None:
    """The id of the latest stored audit of the app ``key`` (created before ``before`` when given)."""
    rows = conn.execute("SELECT id, created, app FROM audits WHERE status = 'complete' "
                        "ORDER BY created DESC, id DESC").fetchall()
    for aid, created, app in rows:
        if before is not None and created >= before:
            continue
        try:
            doc = json.loads(app or "{}")
        except ValueError:
            continue
        if app_key(doc) == key:
            return str(aid)
    return None
