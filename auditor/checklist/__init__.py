"""The regulator's checklist: the 31 scenarios of the 2019 认定方法, each answered with its evidence.

Readers turn what the sources saw into facts per scenario (policy_items, readability, styles,
consent_ui, and the APK's and the capture's facts), the checklist rules turn breaches into findings
(rules.py, run by the judge with the other rules), and build.py answers every scenario from the
findings and the facts. rules/checklist.yaml holds the scenarios verbatim and which rules answer them.
"""

from auditor.checklist.build import ChecklistFacts, build_checklist, checklist_source, summary
from auditor.checklist.facts import Evidence, ItemFact

__all__ = ["ChecklistFacts", "Evidence", "ItemFact", "build_checklist", "checklist_source", "summary"]
