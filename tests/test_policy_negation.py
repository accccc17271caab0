"""Scope of negations, conditions and exceptions, sentence by sentence (real policy wording)."""

from __future__ import annotations

import pytest

from auditor.policy import parse_policy_text


def statuses(text: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for d in parse_policy_text(text).declarations:
        if d.category:
            out.setdefault(d.category, set()).add(d.status)
    return out


def test_negation_covers_the_whole_list_and_the_next_clause() -> None:
    got = statuses("我们不会收集您的指纹、人脸等生物识别信息，也不会读取您的软件列表。")
    # 生物识别信息 after 等 only sums up the list: other_biometric is not negated by it.
    assert got == {"fingerprint": {"negated"}, "face": {"negated"}, "app_list": {"negated"}}


def test_a_standalone_class_term_negates_every_member_but_declares_none() -> None:
    assert statuses("我们不会收集您的任何生物识别信息。") == {
        "face": {"negated"},
        "fingerprint": {"negated"},
        "other_biometric": {"negated"},
    }
    assert statuses("我们会收集您的生物识别信息用于登录。") == {}


def test_chu_wai_declares_the_exception_and_negates_nothing_by_name() -> None:
    assert statuses("除手机号外，我们不会收集其他信息。") == {"phone_number": {"declared"}}
    assert statuses("除手机号码外，我们不会收集您的身份证号码。") == {
        "phone_number": {"declared"},
        "id_document": {"negated"},
    }


@pytest.mark.parametrize(
    "text",
    [
        "我们不会向任何第三方提供您的身份证号码。",
        "我们不会将您的人脸信息出售给他人。",
        "我们不会将您的通讯录用于营销。",
        "剪切板内容不会上传至我们的服务器。",
    ],
)
def test_a_negation_of_sharing_selling_or_use_is_not_a_collection_negation(text: str) -> None:
    assert "negated" not in {s for v in statuses(text).values() for s in v}


def test_sharing_negation_after_a_collection_keeps_the_collection_declared() -> None:
    got = statuses("我们会收集您的身份证号码用于实名认证，但不会向第三方提供。")
    assert got == {"id_document": {"declared"}}


def test_only_when_and_if_you_choose_are_conditional_but_when_you_use_is_declared() -> None:
    assert statuses("我们仅在您使用扫一扫时访问您的相机。") == {"photos": {"conditional"}}
    assert statuses("如您选择开启指纹登录，我们会调用系统指纹验证。") == {"fingerprint": {"conditional"}}
    assert statuses("当您使用叫车功能时，我们会收集您的精确位置。") == {"precise_location": {"declared"}}


def test_refusal_clause_does_not_make_a_declaration_conditional() -> None:
    got = statuses("为完成实名认证，我们需要收集您的身份证号码，若您拒绝提供，将无法使用该服务。")
    assert got == {"id_document": {"declared"}}


def test_not_without_consent_is_conditional_not_negated() -> None:
    assert statuses("未经您的同意，我们不会读取您的剪切板。") == {"clipboard": {"conditional"}}
    assert statuses("我们不会收集您的身份证号码，除非您选择银行卡快捷支付。") == {
        "id_document": {"conditional"},
        "bank_account": {"conditional"},
    }


def test_negation_inside_a_condition_or_a_time_is_not_policy_wide() -> None:
    assert statuses("若您选择图文问诊，则不会调用摄像头和麦克风。") == {}
    assert statuses("室内运动时不会获取位置。") == {}


def test_topicalised_object_before_the_negation() -> None:
    assert statuses("对于您的通讯录和通话记录，我们不会收集。") == {
        "contacts": {"negated"},
        "call_log": {"negated"},
    }


def test_an_unrelated_clause_after_a_negation_is_not_negated() -> None:
    got = statuses("我们不会收集您的人脸信息，您的手机号仅用于登录。")
    assert got == {"face": {"negated"}, "phone_number": {"declared"}}


def test_positive_collection_after_but_resets_the_polarity() -> None:
    got = statuses("我们不会收集您的人脸信息，但会收集您的身份证号码。")
    assert got == {"face": {"negated"}, "id_document": {"declared"}}


def test_stop_phrases_are_not_personal_information() -> None:
    assert statuses("我们会向您的手机发送短信验证码，您也可以拨打客服电话。") == {}
    assert statuses("我们不会要求您提供银行卡密码。") == {}


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("我们会收集您的精确地理位置。", "precise_location"),
        ("我们会记录您的行踪轨迹。", "precise_location"),
        ("我们会获取您的位置信息。", "precise_location"),
        ("我们会根据IP地址所在地获取您所在城市。", "coarse_location"),
        ("我们会获取您的粗略位置。", "coarse_location"),
        ("我们会收集您的电话号码。", "phone_number"),
        ("请提供您的身份证正反面照片。", "id_document"),
        ("请绑定您的银行卡。", "bank_account"),
        ("我们会进行刷脸核验。", "face"),
        ("我们会收集设备标识符（OAID）。", "device_id"),
    ],
)
def test_ambiguous_wording_maps_as_the_lexicon_documents(text: str, category: str) -> None:
    assert category in statuses(text)


def test_device_model_and_plain_device_info_are_not_device_ids() -> None:
    assert statuses("我们会收集您的设备信息，包括设备型号和操作系统版本。") == {}


def test_separate_consent_is_attached_to_the_clause_that_names_it() -> None:
    result = parse_policy_text(
        "实名认证时，需要提供姓名、身份证号码，并进行人脸识别，我们会就人脸信息单独征求您的同意。"
    )
    consent = {d.category: d.separate_consent for d in result.declarations}
    assert consent == {"name": False, "id_document": False, "face": True}


def test_separate_consent_in_the_next_sentence_applies_back() -> None:
    result = parse_policy_text("（三）人脸识别\n我们需要采集您的面部特征。我们将在采集前取得您的单独同意。")
    [face] = [d for d in result.declarations if d.category == "face"]
    assert face.separate_consent and face.function == "人脸识别"


def test_permission_table_rows_map_by_permission_name() -> None:
    text = (
        "权限申请列表\n权限名称\t使用目的\n"
        "电话权限（READ_PHONE_STATE）\t识别设备以保障账号安全\n"
        "android.permission.READ_CONTACTS\t邀请好友\n"
        "相机权限（CAMERA）\t扫码\n"
    )
    assert statuses(text) == {"device_id": {"declared"}, "contacts": {"declared"}, "photos": {"declared"}}


def test_consent_wording_inside_a_collection_clause_is_conditional() -> None:
    assert statuses("我们不会在未经您同意的情况下获取您的位置。") == {"precise_location": {"conditional"}}


def test_data_the_user_gives_to_another_party_is_not_the_apps_collection() -> None:
    got = statuses("贷款服务由合作金融机构提供，您需要向其提供姓名、身份证号码和银行卡号。")
    assert got == {}
    assert statuses("您需要向我们提供姓名。") == {"name": {"declared"}}


def test_words_inside_book_title_marks_are_not_pi() -> None:
    assert statuses("根据《电话用户真实身份信息登记规定》，我们需要采集您的人像照片。") == {"photos": {"declared"}}


def test_platform_limited_negation_is_not_policy_wide() -> None:
    got = statuses("附近营业厅查询需要获取您的位置信息；iOS版不申请定位权限。")
    assert got == {"precise_location": {"declared"}}


def test_separate_consent_goes_to_the_nearest_clause_that_names_something() -> None:
    result = parse_policy_text(
        "实名补登记时，我们需要采集您的人像照片并进行活体检测，人脸信息属于敏感个人信息，我们会在采集前取得您的单独同意。"
    )
    assert {d.category for d in result.declarations if d.separate_consent} == {"face"}


def test_a_negation_two_clauses_later_does_not_reach_back() -> None:
    got = statuses("本应用仅接入了人脸检测SDK，该SDK在设备本地运行，不收集任何个人信息。")
    assert got == {"face": {"declared"}}


@pytest.mark.parametrize(
    "text",
    [
        "如您未开启粘贴识别，我们不会读取您的剪切板。",  # a refusal condition
        "当您关闭定位权限后，我们将不再收集您的位置信息。",  # withdrawal: it was collected before
        "我们仅会读取您选中的照片，并不会读取您相册中的全部内容。",  # partial: the rest of the album
        "我们不会读取您的其他短信。",  # partial: other messages, so some are read
        "我们不会通过该权限获取您的电话号码。",  # one means
        "在游客模式下，我们不会收集您的设备标识符。",  # one mode
        "除此之外，我们不会收集您剪切板中的任何信息。",  # besides what was said before
        "以上SDK会收集设备型号，但不会收集您的姓名。",  # another party's practice
    ],
)
def test_conditional_partial_and_other_party_negations_are_not_policy_wide(text: str) -> None:
    assert "negated" not in {s for v in statuses(text).values() for s in v}


def test_a_negation_keeps_its_scope_over_a_list_after_baokuo() -> None:
    got = statuses("我们不会从您设备的相册应用中获取任何信息，包括视频，照片或其他内容。")
    assert got == {"photos": {"negated"}}


def test_a_condition_binds_a_negation_until_the_sentence_turns() -> None:
    scoped = "您选择刷脸登录时，我们将调用系统的面容验证，我们仅接收验证结果，并不收集您的人脸信息。"
    assert "negated" not in statuses(scoped)["face"]
    turned = "如您需要刷脸登录，您需要提供人脸信息，但请您知悉，我们仅接收验证结果，并不收集您的人脸信息。"
    assert statuses(turned)["face"] >= {"negated"}
    assert statuses("若您选择语音输入，则不会调用摄像头。") == {"audio": {"conditional"}}


def test_a_negation_of_sharing_with_a_gloss_in_brackets_declares_nothing() -> None:
    text = "未经您的许可，我们不会将您的个人身份信息（指可以识别您身份的信息，例如姓名或手机号码）与广告合作伙伴分享。"
    assert statuses(text) == {}


def test_a_negation_of_what_a_third_party_does_names_it_back() -> None:
    got = statuses("人脸核验由公安部门的系统完成，我们不会收集或存储该类信息。")
    assert got == {"face": {"negated"}}


def test_a_class_spelled_out_in_brackets_negates_only_its_members() -> None:
    got = statuses("我们仅接收验证结果，并不收集您的生物识别信息（人脸信息/指纹信息）。")
    assert got == {"face": {"negated"}, "fingerprint": {"negated"}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我们会收集您的IP 地址和网卡（MAC）地址。", {"device_id": {"declared"}}),
        ("我们会收集设备WI-FI地址与网络地址。", {"device_id": {"declared"}}),
        ("我们会收集互联网协议（IP）地址。", {}),
        ("我们的地址为：广东省深圳市南山区某某路8号。", {}),
        ("您可以写信邮寄至如下地址。", {}),
        ("客服邮箱：help@example.com", {}),
        ("当您联系客服时，我们会保存您的通信/通话记录。", {}),
        ("我们会以短信、电子邮件等方式通知您。", {}),
        ("我们会向您的手机号发送营销短信。", {"phone_number": {"declared"}}),
        ("我们会收集您的电子邮件地址用于找回密码。", {"email": {"declared"}}),
        ("我们会收集您的设备标志码。", {"device_id": {"declared"}}),
        ("我们会获取您的模糊地理位置与所在地区。", {"coarse_location": {"declared"}}),
        ("我们会读取您的通话记录以标记陌生来电。", {"call_log": {"declared"}}),
        ("个人信息包括姓名、出生日期、身份证件号码、住址。", {}),
        ("为了保存海报，开发者将在获取你的明示同意后，使用你的相册（仅写入）权限。", {}),
        ("如你选择语音输入，开发者将使用你的麦克风。", {"audio": {"conditional"}}),
    ],
)
def test_words_around_a_term_decide_whose_data_it_is(text: str, expected: dict[str, set[str]]) -> None:
    assert statuses(text) == expected
