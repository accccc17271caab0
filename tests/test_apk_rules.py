"""The API and permission tables load, reference real categories, and fail loudly when edited badly;
SDK attribution matches whole package components."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from auditor.apk.apis import Signature, load_api_rules
from auditor.apk.permissions import PermissionRules
from auditor.apk.policy import PolicyCues
from auditor.apk.sdks import SdkIndex
from auditor.errors import RulesError
from auditor.ruleset import Ruleset

RULES = Path(__file__).resolve().parent.parent / "rules"


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    return root


def edit(root: Path, name: str, change) -> None:
    path = root / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_every_api_rule_loads_with_known_categories():
    rules = load_api_rules(Ruleset(RULES))
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids))
    cats = Ruleset(RULES).categories
    assert all(r.category in cats for r in rules)
    assert {"TelephonyManager.getDeviceId", "Settings.Secure.getString(android_id)", "Build.SERIAL"} <= set(ids)


def test_signature_forms():
    any_overload = Signature.parse("Landroid/telephony/TelephonyManager;->getDeviceId")
    assert (any_overload.name, any_overload.descriptor, any_overload.is_field) == ("getDeviceId", None, False)
    field = Signature.parse("Landroid/os/Build;->SERIAL:Ljava/lang/String;")
    assert field.is_field and field.descriptor == "Ljava/lang/String;"
    secure = Signature.parse("Landroid/provider/Settings$Secure;->getString")
    assert secure.java_class == "android.provider.Settings$Secure"


def test_unknown_category_names_the_entry(rules_copy):
    edit(rules_copy, "android_apis", lambda d: d["apis"][2].update(category="imei"))
    with pytest.raises(RulesError) as err:
        load_api_rules(Ruleset(rules_copy))
    assert "android_apis.yaml" in str(err.value) and "apis[2] (id=TelephonyManager.getMeid)" in str(err.value)


def test_bad_smali_signature_is_a_schema_error(rules_copy):
    edit(rules_copy, "android_apis", lambda d: d["apis"][0].update(signatures=["android.telephony.TelephonyManager"]))
    with pytest.raises(RulesError) as err:
        load_api_rules(Ruleset(rules_copy))
    assert "apis[0]" in str(err.value)


def test_permission_with_unknown_category_names_the_entry(rules_copy):
    edit(rules_copy, "android_permissions", lambda d: d["permissions"][1].update(categories=["imsi"]))
    with pytest.raises(RulesError) as err:
        PermissionRules(Ruleset(rules_copy)).by_name  # noqa: B018 - loading is the point
    assert "permissions[1] (id=android.permission.READ_PRIVILEGED_PHONE_STATE)" in str(err.value)


def test_permission_without_source_is_rejected(rules_copy):
    edit(rules_copy, "android_permissions", lambda d: d["permissions"][0].pop("source"))
    with pytest.raises(RulesError) as err:
        PermissionRules(Ruleset(rules_copy)).by_name  # noqa: B018 - loading is the point
    assert "permissions[0] (id=android.permission.READ_PHONE_STATE)" in str(err.value)


def test_china_rom_by_entry_and_by_vendor_prefix():
    perms = PermissionRules(Ruleset(RULES))
    assert perms.china_rom("com.android.permission.GET_INSTALLED_APPS")
    assert perms.china_rom("com.huawei.android.launcher.permission.CHANGE_BADGE")
    assert not perms.china_rom("android.permission.READ_PHONE_STATE")


def test_sdk_prefixes_match_whole_package_components():
    index = SdkIndex(Ruleset(RULES).sdks)
    assert index.for_class("Lcom/umeng/analytics/MobclickAgent;")["id"] == "umeng"
    assert index.for_class("Lcom/umengx/Foo;") is None
    assert index.for_class("Lcom/tencent/mm/opensdk/openapi/WXAPIFactory;")["id"] == "wechat_opensdk"
    assert index.for_class("Lcom/tencent/mm/Foo;") is None
    assert index.for_class("LTopLevel;") is None
    assert index.for_native_lib("lib/armeabi-v7a/libmegface_v3.so") == "megvii_faceid"


def test_bad_policy_file_pattern_names_the_key(rules_copy):
    edit(rules_copy, "apk_policy_files", lambda d: d["file_name"].update(pattern="privacy|(yinsi"))
    with pytest.raises(RulesError) as err:
        PolicyCues.load(Ruleset(rules_copy))
    assert "apk_policy_files.yaml: file_name.pattern" in str(err.value)


def test_policy_cues_tell_a_policy_from_a_user_agreement():
    cues = PolicyCues.load(Ruleset(RULES))
    assert cues.is_policy("本隐私政策说明我们收集哪些个人信息。", by_name=False)
    assert not cues.is_policy("用户服务协议：请同时阅读《隐私政策》。", by_name=False)
    assert cues.file_name.search("yszc.html") and not cues.file_name.search("licenses.html")


def test_duplicate_permission_is_rejected(rules_copy):
    edit(rules_copy, "android_permissions", lambda d: d["permissions"].append(dict(d["permissions"][0])))
    with pytest.raises(RulesError) as err:
        PermissionRules(Ruleset(rules_copy)).by_name  # noqa: B018 - loading is the point
    assert "duplicate permission" in str(err.value) and "(id=android.permission.READ_PHONE_STATE)" in str(err.value)
