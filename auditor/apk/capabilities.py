"""What the code can reach that is not a PI category by itself (rules/android_apis.yaml ``capabilities``).

Reading other apps' screens through accessibility, carrier names, the coordinates of a Location the
app already holds: a regulator wants to see them, but none is a collection of a category the rules
judge, so they are listed beside the observations and never become findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.apk.apis import Signature
from auditor.apk.code import CodeIndex
from auditor.ruleset import Ruleset


@dataclass(frozen=True)
class Capability:
    id: str
    name: str
    name_zh: str
    signatures: tuple[Signature, ...]

    @classmethod
    def load_all(cls, ruleset: Ruleset) -> tuple[Capability, ...]:
        return tuple(
            cls(c["id"], c["name"], c["name_zh"], tuple(Signature.parse(s) for s in c["signatures"]))
            for c in ruleset.load("android_apis").get("capabilities", [])
        )


def find_capabilities(rules: tuple[Capability, ...], code: CodeIndex, owner: Any) -> list[dict[str, Any]]:
    """One entry per capability and calling method, with the SDK owning the caller (``owner`` maps a
    smali class to its SDK entry or None)."""
    out = []
    for cap in rules:
        for sig in cap.signatures:
            for cls, method, api in code.call_places(sig.cls, sig.name, sig.descriptor):
                sdk = owner("L" + cls.replace(".", "/") + ";")
                out.append(
                    {
                        "id": cap.id,
                        "name": cap.name,
                        "name_zh": cap.name_zh,
                        "class": cls,
                        "method": method,
                        "api": api,
                        "sdk": sdk["id"] if sdk else None,
                    }
                )
    return out
