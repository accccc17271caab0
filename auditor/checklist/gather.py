"""Turning what each source gave the pipeline into checklist facts (one function per source).

The pipeline calls these as it adds each source, so the facts are read once from the same results
the other rules use: the policy's sentences and page, the APK's layouts and permission requests, the
mini-program's markup, the capture's H5 pages and refusal moment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditor.checklist.build import ChecklistFacts
from auditor.checklist.facts import Evidence, ItemFact
from auditor.checklist.policy_items import policy_facts
from auditor.checklist.readability import language, obscurity
from auditor.checklist.styles import styles_fact
from auditor.ruleset import Ruleset

HTML_SUFFIXES = (".html", ".htm", ".xhtml")


def add_policy(facts: ChecklistFacts, result: Any, ruleset: Ruleset, *, html: str | None = None,
               label: str = "") -> None:
    """A read policy (auditor.policy.PolicyResult): its scenarios, its language, its page styles."""
    if result.unreadable or not result.sentences:
        return
    facts.have.add("policy_text")
    facts.items += policy_facts(result.sentences, ruleset)
    facts.items.append(language(result.text))
    if html is not None:
        facts.items.append(styles_fact(html, ruleset, where={"file": label} if label else None))
    facts.items.append(obscurity(result.sentences, result.text, ruleset))


def policy_html(path: Path) -> str | None:
    """The policy page's markup, when the policy is an HTML file (its styles are 一.4's evidence)."""
    if path.suffix.lower() not in HTML_SUFFIXES:
        return None
    from auditor.policy.extract import declared_charset, decode, read_bytes

    data, _size = read_bytes(path)
    return decode(data, declared_charset(data)).text


def add_consent_boxes(facts: ChecklistFacts, boxes: list[dict[str, Any]], scanned: tuple[str, str]) -> None:
    """Consent checkboxes found in markup, layouts or pages (auditor/checklist/consent_ui.py): each one
    ticked by default is 三.4's evidence; none ticked, with consent screens read, is its compliance."""
    facts.have.add("consent_ui")
    ticked = [b for b in boxes if b.get("checked")]
    if ticked:
        facts.items.append(ItemFact("rdff-3-4", "violation", "同意隐私政策的勾选框默认已勾选",
                                    "A consent checkbox is ticked by default", [_box(b) for b in ticked]))
        return
    shown = [_box(b) for b in boxes[:3]]
    zh, en = scanned
    if boxes:
        reason = (f"{zh}中的同意勾选框均未默认勾选", f"No consent checkbox in the {en} is ticked by default")
    else:
        reason = (f"{zh}中未见默认勾选的同意框（在代码中绘制的弹窗需人工确认）",
                  f"No consent checkbox ticked by default in the {en} (dialogs drawn in code need a person)")
    facts.items.append(ItemFact("rdff-3-4", "compliant", reason[0], reason[1], shown))


def _box(b: dict[str, Any]) -> Evidence:
    return Evidence(b.get("kind", "file"), b.get("text", ""), {k: v for k, v in b.items() if k not in ("text", "kind")})


def add_permission_requests(facts: ChecklistFacts, requests: list[dict[str, Any]]) -> None:
    """四.6: a request of several PI permissions in code reachable from start-up is the breach; one made
    later, from a function, is shown as the evidence of what was checked."""
    at_start = [r for r in requests if r.get("startup")]
    def show(r: dict[str, Any]) -> Evidence:
        return Evidence("call_site", f"{r['api']}: {', '.join(p.rsplit('.', 1)[-1] for p in r['permissions'])}",
                        {"class": r["class"], "method": r["method"], "startup": r.get("startup", False)})
    if at_start:
        facts.items.append(ItemFact(
            "rdff-4-6", "violation", "启动即执行的代码一次申请多个可收集个人信息的权限",
            "Code run at start-up asks for several PI permissions at once", [show(r) for r in at_start]))
        return
    reason = ("启动代码中未见一次申请多个个人信息权限" + ("；功能代码中的合并申请见证据" if requests else ""),
              "No start-up code asks for several PI permissions at once" + (
                  "; requests made together by feature code are listed" if requests else ""))
    facts.items.append(ItemFact("rdff-4-6", "compliant", reason[0], reason[1], [show(r) for r in requests[:3]]))


def add_miniprogram(facts: ChecklistFacts) -> None:
    """四.6 does not arise in a mini-program: WeChat asks for each scope in its own dialog."""
    if "apk" not in facts.have:
        facts.items.append(ItemFact("rdff-4-6", "not_applicable",
                                    "小程序由微信逐项弹窗申请权限，不存在一次性申请多个权限",
                                    "WeChat asks for each mini-program scope in its own dialog: no bulk request"))
