"""App tasks: what makes an app 'already audited', and report file names built from hostile keys."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest

from auditor.batch.manifest import BatchApp
from auditor.batch.task import prepare_task, report_filename
from auditor.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
HAR = ROOT / "samples" / "traffic" / "gov_service.har"
SCOPE = ROOT / "samples" / "scope.example.yaml"


def test_task_names_every_input_by_content_hash() -> None:
    task = prepare_task("c", BatchApp(key="wst", traffic=(HAR,), scope=SCOPE), rules_version="r1")
    assert {(i.kind, i.path, i.sha256) for i in task.inputs} == {
        ("traffic", str(HAR), hashlib.sha256(HAR.read_bytes()).hexdigest()),
        ("scope", str(SCOPE), hashlib.sha256(SCOPE.read_bytes()).hexdigest()),
    }
    inputs = task.audit_inputs()
    assert inputs.traffic == [HAR] and inputs.scope == SCOPE and inputs.apk is None


def test_fingerprint_follows_content_options_and_rules_not_presentation(tmp_path: Path) -> None:
    har = tmp_path / "capture.har"
    har.write_bytes(HAR.read_bytes())
    app = BatchApp(key="wst", name="皖事通", traffic=(har,), category="政务")
    base = prepare_task("c", app, rules_version="r1")
    # same content elsewhere, another display name, report folder or language: still the same audit
    moved = tmp_path / "moved.har"
    moved.write_bytes(HAR.read_bytes())
    same = prepare_task("other", replace(app, name="皖事通 v2", traffic=(moved,)), rules_version="r1",
                        report_dir=tmp_path, lang="en")
    assert same.fingerprint == base.fingerprint
    # what changes the outcome changes the fingerprint
    assert prepare_task("c", app, rules_version="r2").fingerprint != base.fingerprint
    assert prepare_task("c", replace(app, category="utility"), rules_version="r1").fingerprint != base.fingerprint
    assert prepare_task("c", replace(app, first_party=("example.gov.cn",)),
                        rules_version="r1").fingerprint != base.fingerprint
    har.write_bytes(HAR.read_bytes().replace(b"13912345678", b"13912345679"))
    assert prepare_task("c", app, rules_version="r1").fingerprint != base.fingerprint


def test_missing_input_fails_the_app_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as e:
        prepare_task("c", BatchApp(key="x", apk=tmp_path / "gone.apk"), rules_version="r1")
    assert e.value.path == str(tmp_path / "gone.apk")


@pytest.mark.parametrize("key", ["../../etc/passwd", "..", "皖事通/v2", "a\\b:c*?", "x" * 300, " 备案号 123 "])
def test_report_names_stay_in_their_folder(tmp_path: Path, key: str) -> None:
    name = report_filename(key, "20261125T000000Z-abcdef")
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    assert (tmp_path / name).resolve().parent == tmp_path.resolve()
    assert len(name.encode()) < 255 and name.endswith("-20261125T000000Z-abcdef.html")


def test_report_names_keep_chinese_and_stay_distinct() -> None:
    assert report_filename("皖事通", "a1").startswith("皖事通-")
    assert report_filename("a/b", "a1") != report_filename("a_b", "a1")
