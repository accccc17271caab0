"""Batch manifests as regulators write them: the committed samples, Excel's GBK CSV, and broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.batch.manifest import MAX_MANIFEST_BYTES, read_manifest
from auditor.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def test_yaml_sample_resolves_paths_against_the_manifest_and_applies_defaults() -> None:
    m = read_manifest(SAMPLES / "batch" / "campaign.yaml")
    assert m.campaign == "示例专项检查 2026-11"
    apps = {a.key: a for a in m.apps}
    assert list(apps) == ["wst", "flashlight", "notes", "broken"]
    wst = apps["wst"]
    assert wst.name == "皖事通示例"
    assert wst.apk == (SAMPLES / "apk" / "build" / "wst.apk").resolve()
    assert wst.traffic == ((SAMPLES / "traffic" / "gov_service.har").resolve(),)
    assert wst.scope is not None and wst.scope.read_text(encoding="utf-8").startswith("# pi-auditor scope file")
    assert apps["flashlight"].category == "实用工具"
    assert all(a.consent_at == "/api/privacy/agree" for a in m.apps)  # from `defaults`
    assert apps["broken"].apk is not None and apps["broken"].apk.is_file()


def test_csv_sample_reads_like_the_yaml_one() -> None:
    csv_m = read_manifest(SAMPLES / "batch" / "campaign.csv")
    yaml_m = read_manifest(SAMPLES / "batch" / "campaign.yaml")
    assert csv_m.campaign == "campaign"  # no campaign field in CSV: the file's stem
    for c, y in zip(csv_m.apps, yaml_m.apps, strict=True):
        assert (c.key, c.name, c.apk, c.traffic, c.scope) == (y.key, y.name, y.apk, y.traffic, y.scope)
    assert {a.key: a.category for a in csv_m.apps}["notes"] == "38"


def test_gbk_csv_from_excel_with_lists(tmp_path: Path) -> None:
    text = ("id,name,traffic,first_party,category\r\n"
            "gov-01,皖事通,a.har; b.har ,wst.example.gov.cn;example.gov.cn,政务\r\n"
            ",,,,\r\n")  # Excel leaves empty rows at the end
    p = tmp_path / "安徽政务.csv"
    p.write_bytes(text.encode("gbk"))
    m = read_manifest(p)
    assert m.campaign == "安徽政务"
    [app] = m.apps
    assert app.name == "皖事通"
    assert app.traffic == (tmp_path / "a.har", tmp_path / "b.har")
    assert app.first_party == ("wst.example.gov.cn", "example.gov.cn")


def test_utf8_bom_csv(tmp_path: Path) -> None:
    p = tmp_path / "m.csv"
    p.write_bytes("\ufeffid,apk\nx,x.apk\n".encode())
    assert read_manifest(p).apps[0].key == "x"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("m.csv", "id,apk,color\nx,x.apk,red\n", "unknown: color"),
    ("m.csv", "name,apk\n皖事通,x.apk\n", "must name 'id'"),
    ("m.csv", "id,apk\nx,a.apk\nx,b.apk\n", "apps[1] (id=x): duplicate id"),
    ("m.csv", "id,name\nx,皖事通\n", "apps[0] (id=x): no input"),
    ("m.csv", "id,apk\nx,a.apk,extra\n", "more cells than header columns"),
    ("m.yaml", "apps:\n  - id: a\n    apk: [1, 2]\n", "apps[0] (id=a).apk"),
    ("m.yaml", "apps:\n  - id: a\n    apks: a.apk\n", "apps[0] (id=a): Additional properties"),
    ("m.yaml", "apps:\n  - name: 无编号\n    apk: a.apk\n", "'id' is a required property"),
    ("m.yaml", "apps: []\n", "apps"),
    ("m.yaml", "apps:\n  - id: a\n   apk: a.apk\n", "not valid YAML"),
    ("m.yaml", "- a\n- b\n", "a mapping with an 'apps' list"),
    ("m.yml", "schema: pi-auditor-batch/2\napps:\n  - {id: a, apk: a.apk}\n", "schema"),
    ("m.json", "{}", "must be .csv, .yaml or .yml"),
])
def test_bad_manifests_name_the_file_and_entry(tmp_path: Path, name: str, content: str, message: str) -> None:
    p = tmp_path / name
    p.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_manifest(p)
    assert e.value.path == str(p)
    assert message in e.value.message


def test_binary_missing_directory_and_huge_manifests(tmp_path: Path) -> None:
    binary = tmp_path / "m.csv"
    binary.write_bytes(b"id,apk\n\x00\x01\x02\xff\xfe")
    with pytest.raises(InputError, match="not text"):
        read_manifest(binary)
    with pytest.raises(InputError, match="no such file"):
        read_manifest(tmp_path / "none.yaml")
    (tmp_path / "d.yaml").mkdir()
    with pytest.raises(InputError, match="is a directory"):
        read_manifest(tmp_path / "d.yaml")
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as f:
        f.truncate(MAX_MANIFEST_BYTES + 1)
    with pytest.raises(InputError, match="limit"):
        read_manifest(huge)
