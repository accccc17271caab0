"""The shared real-APK development set (../shared/realworld/apks): its scorer against our floors, and our
dex index against androguard's own cross-references on the same files.

The APKs come from package registries through the set's fetch.sh, run by scripts/setup.sh into
samples/apk/build/realworld/ (never committed); without them, or without ../shared, the tests skip.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path

import pytest
from realworld import auditor_cmd, check_floors, figure, realworld_dir, run_scorer

from auditor.apk.apis import Signature, load_api_rules
from auditor.apk.capabilities import Capability
from auditor.apk.code import CodeIndex
from auditor.apk.dex import Dex
from auditor.apk.hiding import HidingRules
from auditor.ruleset import default_ruleset

ROOT = Path(__file__).resolve().parent.parent
APKS = ROOT / "samples" / "apk" / "build" / "realworld"
NAMES = ("u2", "stfservice", "appium_settings", "pocoservice")


def apk(name: str) -> Path:
    path = APKS / f"{name}.apk"
    if not path.is_file():
        pytest.skip(f"{path} missing: run scripts/setup.sh (it fetches the shared set's APKs)")
    return path


@pytest.mark.slow
def test_shared_apk_set_meets_its_floors(tmp_path):
    d = realworld_dir("apks")
    for name in NAMES:
        apk(name)
    last = run_scorer(["bash", str(d / "run_all.sh"), auditor_cmd(), str(APKS), str(tmp_path)])
    tp, fn = figure(last, r"TP (\d+) FP"), figure(last, r"FN (\d+);")
    agree = figure(last, r"category agree (\d+)/")
    measured = {
        "crashes_max": figure(last, r"crashes (\d+)"),
        "tier_a_precision": figure(last, r"tier-A call sites P ([\d.]+)"),
        "tier_a_recall": figure(last, r"tier-A call sites P [\d.]+ R ([\d.]+)"),
        "category_agreement": round(agree / tp, 3) if tp else 0.0,
        "permissions_in_json": round(
            figure(last, r"permissions in JSON (\d+)/") / figure(last, r"permissions in JSON \d+/(\d+)"), 3
        ),
        "policy_verdict_right": figure(last, r"policy verdict right (\d+)/"),
    }
    assert tp + fn > 0
    check_floors("apk", measured, lower_is_better=frozenset({"crashes_max"}))


def signatures() -> list[Signature]:
    """Every framework method the audit looks up: PI rules, capabilities, class loaders."""
    ruleset = default_ruleset()
    sigs = [s for r in load_api_rules(ruleset) for s in r.signatures if not s.is_field]
    sigs += [s for c in Capability.load_all(ruleset) for s in c.signatures]
    return sigs + [s for _id, s in HidingRules.load(ruleset).loaders]


def androguard_sites(path: Path, sigs: list[Signature]) -> Counter:
    """(caller class, caller method, called member) per invoke instruction, from androguard's AnalyzeAPK."""
    from androguard.misc import AnalyzeAPK
    from loguru import logger

    logger.disable("androguard")
    _a, _d, dx = AnalyzeAPK(str(path))
    out: Counter = Counter()
    for sig in set(sigs):
        ca = dx.classes.get(sig.cls)
        for target in ca.get_methods() if ca else []:
            desc = str(target.descriptor).replace(" ", "")
            if target.name != sig.name or (sig.descriptor and desc != sig.descriptor):
                continue
            for _c, caller, _off in target.get_xref_from():
                key = (str(caller.class_name), f"{caller.name}{str(caller.descriptor).replace(' ', '')}")
                out[(*key, f"{sig.cls}->{sig.name}{desc}")] += 1
    return out


def our_sites(path: Path, sigs: list[Signature]) -> Counter:
    with zipfile.ZipFile(path) as zf:
        names = sorted(n for n in zf.namelist() if n.startswith("classes") and n.endswith(".dex"))
        dexes = [Dex(zf.read(n), n) for n in names]
    for d in dexes:
        d.read_code()
    code = CodeIndex(dexes)
    out: Counter = Counter()
    for sig in set(sigs):
        for m, target in code.invokes(sig.cls, sig.name, sig.descriptor):
            cls, name, desc = code.signature(m)
            out[(cls, name + desc, target)] += 1
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_call_sites_are_androguards(name):
    """Every invoke of every rule's API, with its count, exactly as androguard's xrefs give them."""
    path = apk(name)
    sigs = signatures()
    ours, theirs = our_sites(path, sigs), androguard_sites(path, sigs)
    assert theirs, "androguard found no call site at all: the comparison would prove nothing"
    assert ours == theirs
