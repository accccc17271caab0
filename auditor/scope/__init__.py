"""Scope comparison: observed vs declared vs legally necessary, judged into cited findings."""

from auditor.scope.engine import FindingDraft, JudgeContext, group, judge
from auditor.scope.rules import all_checks

__all__ = ["FindingDraft", "JudgeContext", "all_checks", "group", "judge"]
