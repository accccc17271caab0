"""What a source or a reader says about one scenario of the 2019 认定方法, with the evidence for it.

Facts sit between the sources and the rules: a policy sentence, a call site, a WXML line or a flow is
turned into an ``ItemFact`` once; the checklist rules (auditor/checklist/rules.py) turn the facts that
show a breach into findings, and the checklist (auditor/checklist/build.py) quotes the facts of every
scenario, breached or not, so that no verdict stands without the sentence, file or flow behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

#: violation: the evidence shows a breach; review: it may, a person must look; compliant: the evidence
#: shows the scenario is met; not_applicable: it does not arise (no targeting, no account); unclear: the
#: reader cannot tell (a partial document).
FactStatus = Literal["violation", "review", "compliant", "not_applicable", "unclear"]


@dataclass
class Evidence:
    """One thing a person can look up: a quoted sentence, a file and line, a call site, a flow."""

    kind: str  # sentence | file | call_site | flow | measure | change
    text: str
    where: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "where": dict(self.where)}


@dataclass
class ItemFact:
    """A reader's answer for one scenario (``rdff-3-8``) and why, in Chinese and English."""

    scenario: str
    status: FactStatus
    reason: str
    reason_en: str
    evidence: list[Evidence] = field(default_factory=list)
    #: the measures behind the answer (font size, sentence lengths…), shown to a person as they are
    measures: dict[str, Any] = field(default_factory=dict)
