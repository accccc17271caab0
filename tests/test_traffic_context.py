"""A hit weighed where it was found: cookies, glued digit runs, foreign numbers, SSH remotes, responses
every visitor gets, device ids only the place reveals, double URL-encoding. Each test writes the capture
pattern it is about (met in captures others made) and checks that real PI next to it is still found."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import urlencode

from traffic_fixtures import MOBILE, PLATE, RESIDENT_ID, audit, entry, found, luhn_complete, write_har

# a UnionPay-shaped number that passes Luhn, as ad-tech cookie ids and AdSense ids sometimes do
CARD = luhn_complete("621226220102355722")
APP = "https://api.parking.example.cn"


def test_google_ssid_cookie_is_no_wifi_network_but_a_wifi_field_is(tmp_path: Path) -> None:
    har = write_har(tmp_path / "c.har", [
        entry("https://www.google.com/ads/measurement/l?x=1",
              headers=[("Cookie", "SID=iQRH03LIy6kBCg; HSID=AIYEuIJq5Mq55rSNA; SSID=Ahmt6Y9c_OnHo-haz")]),
        entry(f"{APP}/wifi/report", method="POST", body_mime="application/json",
              body=json.dumps({"ssid": "ChinaNet-5G", "bssid": "8c:53:c3:1a:2b:3c"})),
    ])
    assert found(audit(har)) == {(1, "request", "wifi_info")}


def test_luhn_runs_inside_ad_cookie_ids_are_no_cards_but_a_card_field_is(tmp_path: Path) -> None:
    har = write_har(tmp_path / "c.har", [
        entry("http://showads.adserver.example.com/AdServer?pubId=79134",
              headers=[("Cookie", f"KRTBCOOKIE_218=22978-{CARD}; CMRUM3=58590265b52760-{CARD}&48590947")],
              response_headers=[("Set-Cookie", f"CMRUM3=58590265b52760-{CARD}; domain=example.com; path=/")]),
        entry(f"{APP}/pay/bind", method="POST", body=f"cardNo={CARD}&amount=12"),
    ])
    assert found(audit(har)) == {(1, "request", "bank_account")}


def test_an_opaque_cookie_with_an_email_shape_inside_is_no_email(tmp_path: Path) -> None:
    har = write_har(tmp_path / "c.har", [
        entry("http://ib.adnxs.example.com/setuid?entity=8",
              headers=[("Cookie", "anj=dTM7k!M4/KTcD6aez[7mqtWoju>8jt046-OSEL(ZR?7w_-=0OWa4ab@7k.vX!Q0z%PeS")]),
        entry(f"{APP}/profile", headers=[("Cookie", "login_email=zhang.wei@example.cn; theme=dark")]),
    ])
    assert found(audit(har)) == {(1, "request", "email")}


def test_static_assets_and_public_pages_are_not_the_users_pi(tmp_path: Path) -> None:
    script = ("/*! TweenMax (c) Jack Doyle, jack@greensock.com */ var client='ca-pub-" + CARD + "';"
              "switch(k){case 17381297349:return 1}")
    page = "<html><body><a href='tel:+18889935273'>Sales</a> 京公网安备11000002000001号</body></html>"
    har = write_har(tmp_path / "c.har", [
        entry("https://cdn.example-ads.com/show_ads_impl.js", response=script, response_mime="text/javascript"),
        entry("https://cdn.example-ads.com/lib/TweenMax.min.js", response=script,
              response_mime="application/octet-stream"),
        entry("https://www.cloud.example.com/", response=page, response_mime="text/html; charset=utf-8"),
        # the same shapes as API data (JSON, and JSONP answering a callback) are the user's
        entry(f"{APP}/user/info", response=json.dumps({"mobile": MOBILE}), response_mime="application/json"),
        entry(f"{APP}/user/info?callback=jQuery1234_5678",
              response=f'jQuery1234_5678({{"email": "zhang.wei@example.cn", "phone": "{MOBILE}"}});',
              response_mime="application/javascript"),
    ])
    assert found(audit(har)) == {(3, "response", "phone_number"), (4, "response", "email"),
                                 (4, "response", "phone_number")}


def test_a_script_loader_with_a_callback_parameter_is_no_jsonp_answer(tmp_path: Path) -> None:
    """A maps or ad-verification loader takes ``callback=`` too and answers with a library (licence
    comments with authors' e-mails) that calls the callback at its end; a JSONP answer opens with it."""
    library = ("window.maps = window.maps || {};\n(function(){ var s = 1; })();\n/* uuid.js (c) 2010 "
               "Robert Example, mailto:robert@example-lib.org */ var t = 2;\n" + "x();" * 200 + "initMap();")
    har = write_har(tmp_path / "c.har", [
        entry("https://maps.example-cdn.com/maps/api/js?v=3&key=AIzaXXXX&callback=initMap", response=library,
              response_mime="text/javascript; charset=UTF-8"),
        entry(f"{APP}/user/info?jsoncallback=cb_17", response=f'try{{cb_17({{"mobile":"{MOBILE}"}});}}catch(e){{}}',
              response_mime="text/javascript"),
    ])
    assert found(audit(har)) == {(1, "response", "phone_number")}


def test_a_public_page_showing_back_what_the_user_sent_is_kept(tmp_path: Path) -> None:
    """A server-rendered page shows the plate the user typed in a form of the same capture (even a later
    one): that page carries the user's PI. A plate on a page no request carried is not counted."""
    page = f"<html><body>选择车牌号 <b>{PLATE}</b></body></html>"
    har = write_har(tmp_path / "c.har", [
        entry(f"{APP}/pkt/service/myPage", response=page, response_mime="text/html;charset=UTF-8"),
        entry(f"{APP}/pkt/service/book", method="POST", body="license_plate=%E8%8B%8FE5P623&area_id=3"),
        entry(f"{APP}/pkt/service/notice", response="<p>车牌号 京A12345 的车主请挪车</p>", response_mime="text/html"),
    ])
    r = audit(har)
    assert found(r) == {(0, "response", "plate_number"), (1, "request", "plate_number")}
    shown = [o for o in r.observations if o.where["side"] == "response"]
    assert [o.value_hash for o in shown] == [o.value_hash for o in r.observations if o.where["side"] == "request"]


def test_double_percent_encoding_is_undone(tmp_path: Path) -> None:
    har = write_har(tmp_path / "c.har", [
        entry(f"{APP}/pkt/order/pay?licensePlate=%25E8%258B%258FE5P623&parkId=12"),
        entry(f"{APP}/pkt/u?info=%257B%2522mobile%2522%253A%2522{MOBILE}%2522%257D"),  # URL-encoded JSON, twice
    ])
    r = audit(har)
    assert found(r) == {(0, "request", "plate_number"), (1, "request", "phone_number")}
    assert {o.where["path"] for o in r.observations} == {"query.licensePlate", "query.info.mobile"}


def test_a_foreign_number_after_plus_and_an_ssh_remote_are_not_cn_mobile_or_email(tmp_path: Path) -> None:
    body = {"ssh_url": "git@github.com:mitmproxy/mitmproxy.git", "clone": "https://bob@git.example.com/r.git",
            "note": "Call +18889935273 or write to support@example.cn"}
    har = write_har(tmp_path / "c.har", [entry("https://api.github.example.com/repos/x",
                                                response=json.dumps(body), response_mime="application/json")])
    r = audit(har)
    assert found(r) == {(0, "response", "email")}
    assert [o.where["path"] for o in r.observations] == ["body.note"]


def test_digit_runs_glued_into_ids_in_queries_are_not_pi_but_whole_values_are(tmp_path: Path) -> None:
    har = write_har(tmp_path / "c.har", [
        entry(f"https://ads.example.com/p?client=ca-pub-{CARD}&slot=uid{MOBILE}x&corr=1493911507094"),
        entry(f"{APP}/sms/send?to={MOBILE}"),
    ])
    assert found(audit(har)) == {(1, "request", "phone_number")}


def test_device_ids_in_app_user_agents_headers_and_queries(tmp_path: Path) -> None:
    app_key, duid = "fb09e8ebc2a248d89e898a52fe72627d", "4e5ab3a6d2140457e0423a28a094b1fd"
    ua = f"com.example.keyboard/517 ({app_key}/{duid}) Country/CN Language/zh System/android Version/23"
    har = write_har(tmp_path / "c.har", [
        entry("https://api.keyboard.example.com/v1/themes?sign=76d7232ddb415e774713f2437087fc80",
              headers=[("User-Agent", ua), ("X-Model", "HTC One M9"), ("Kika-Install-Time", "1512720808084")]),
        entry("https://log.video.example.com/p?guid=8d5b2a0c9e7f4e1a9b3c6d2e5f8a1b4c&vid=x001"),
        entry("https://api.news.example.com/feed?device_id=71542098362&aid=13&iid=2"),
        entry("https://api.shop.example.com/cart", headers=[("X-Device-Id", "DuAbC3kLmN8pQr5tUvWx9yZ0")]),
        # not device ids: a random per-page id of digits, a browser cookie id, a timestamp, a placeholder
        entry("https://rtb.example.com/verify?guid=1493911507094245&device_id=unknown&did=1512720808084",
              headers=[("Cookie", "BAIDUID=83C6DEC704015E8A11146C8D6D745620:FG=1; "
                                  "guid=8d5b2a0c9e7f4e1a9b3c6d2e5f8a1b4c")]),
        entry("https://www.example.com/", headers=[(
            "User-Agent", "Mozilla/5.0 (Linux; Android 10; MI 9 Build/QKQ1.190825.002) AppleWebKit/537.36 "
                          "Chrome/83.0.4103.101 Mobile Safari/537.36 MicroMessenger/8.0.1.1841(0x2800015D)")]),
    ])
    r = audit(har)
    assert found(r) == {(i, "request", "device_id") for i in range(4)}
    ua_obs = [o for o in r.observations if o.where["flow"] == 0]
    assert [(o.where["path"], o.entity) for o in ua_obs] == [("headers.user-agent", "APP_DEVICE_ID")]
    assert ua_obs[0].value.startswith(duid[:3]) and ua_obs[0].value.endswith(duid[-4:])  # the device, not the key


def test_a_field_named_for_an_id_holding_a_placeholder_carries_none(tmp_path: Path) -> None:
    """``ssid=0`` on a portal's beacon, a zeroed advertising id (tracking limited), ``oaid=-1``: the field
    is there, the value is absent. A real SSID and a real advertising id next to them are found."""
    zero = "00000000-0000-0000-0000-000000000000"
    har = write_har(tmp_path / "c.har", [
        entry(f"https://log.portal.example.cn/v.gif?tid=13&ssid=0&from=844b&idfa={zero}&oaid=-1&wifi_name=null"),
        entry(f"{APP}/wifi/report", method="POST", body_mime="application/json",
              body=json.dumps({"ssid": "ChinaNet-5G-3F", "idfa": "6D92078A-8246-4BA4-AE5B-76104861E7DC"})),
    ])
    assert sorted((o.where["flow"], o.category) for o in audit(har).observations) == [(1, "device_id"),
                                                                                     (1, "wifi_info")]


def test_a_commit_hash_in_a_user_agent_comment_is_no_device(tmp_path: Path) -> None:
    """Chromium-based apps name their build by its git commit (40 hex digits) in a User-Agent comment; a
    32-hex install id in an app's comment is still a device id."""
    commit, install = "3aef6e50b44d4f2d270303e6046fbaaebd045a64", "a3169d6ceaf5499aa9e5eb5fb3cc1339"
    har = write_har(tmp_path / "c.har", [
        entry("https://sync.browser.example.com/v1/feeds",
              headers=[("User-Agent", f"Chrome IOS-PHONE 134.0.3124.68 ({commit}) channel(stable)")]),
        entry("https://api.reader.example.com/v1/feeds",
              headers=[("User-Agent", f"ExampleReader/5.2.1 (iPhone; iOS 17.4; {install})")]),
    ])
    assert found(audit(har)) == {(1, "request", "device_id")}


def test_a_headline_a_beacon_reports_back_is_page_text_not_a_name_the_user_sent(tmp_path: Path) -> None:
    """Feed beacons log the headlines shown, as objects joined by commas without the array's brackets;
    a public figure in a title is page content. A name the user wrote with context words still counts."""
    shown = ('{"st":"news","title":"上半年5次出访，习近平始终强调这件事","pos":1},'
             f'{{"st":"news","title":"市长张伟调研城市交通","pos":2,"tel":"{MOBILE}"}}')
    har = write_har(tmp_path / "c.har", [
        entry("https://log.portal.example.cn/v.gif?" + urlencode({"logid": "2655221724", "logExtra": shown})),
        entry(f"{APP}/feedback", method="POST", body_mime="application/json",
              body=json.dumps({"title": "停车费问题", "comment": "我叫李秀英，车停在B2"}, ensure_ascii=False)),
    ])
    r = audit(har)
    assert sorted((o.where["flow"], o.where["path"], o.category) for o in r.observations) == [
        (0, "query.logExtra[1].tel", "phone_number"), (1, "body.comment", "name")]


def test_vendor_and_install_ids_in_an_analytics_body_are_device_ids(tmp_path: Path) -> None:
    """An iOS browser's telemetry: identifierForVendor, a hex device id under ``dvid``, an installation id;
    a zeroed advertising id next to them (tracking limited) is none."""
    body = {"dvid": "A3169D6CEAF5499AA9E5EB5FB3CC1339", "meta": {
        "installationId": "5616896044533889834", "advertisingId": "00000000000000000000000000000000",
        "extSchema": {"user": {"idfv": "16C13313-2D54-47EB-8B2C-D66A381099D3"}}}}
    har = write_har(tmp_path / "c.har", [
        entry("https://telemetry.browser.example.com/receive?app=reader", method="POST",
              body_mime="application/json", body=json.dumps(body)),
    ])
    assert sorted(o.where["path"] for o in audit(har).observations if o.category == "device_id") == [
        "body.dvid", "body.meta.extSchema.user.idfv", "body.meta.installationId"]


def test_a_passphrase_encrypted_body_is_named_in_a_warning(tmp_path: Path) -> None:
    """Web apps that encrypt request bodies with CryptoJS.AES send OpenSSL's 'Salted__' format in base64,
    sometimes base64'd once more: nothing in it can be audited, and the warning says so per flow."""
    sealed = base64.b64encode(b"Salted__" + bytes(range(8)) + bytes(range(200, 248)))
    har = write_har(tmp_path / "c.har", [
        entry(f"{APP}/passport/sendCaptcha", method="POST", body_mime="application/json",
              body=json.dumps({"sign": "8DC28CF98E911AFF", "context": base64.b64encode(sealed).decode(),
                               "crypto": True})),
        entry(f"{APP}/order/pay", method="POST", body=f"data={sealed.decode()}&mobile={MOBILE}"),
    ])
    r = audit(har)
    assert found(r) == {(1, "request", "phone_number")}
    sealed_warnings = [w for w in r.warnings if "encrypted with a passphrase" in w]
    assert len(sealed_warnings) == 2 and "flow 0: 1 value(s)" in sealed_warnings[0]


def test_har_urls_with_html_escaped_separators_are_read_by_their_keys(tmp_path: Path) -> None:
    """Some exporters write a HAR entry's URL HTML-escaped (``&amp;`` between parameters): the keys after
    the first must still be the app's keys, a device id under ``deviceId`` and a phone under ``mobile``."""
    har = write_har(tmp_path / "c.har", [
        entry("https://api.shop.example.com/client.action?functionId=cartAdd&amp;client=android&amp;"
              f"androidId=unknown&amp;deviceId=36022b5260014b118d9532c64dd88f5a&amp;mobile={MOBILE}"),
    ])
    assert sorted(o.where["path"] for o in audit(har).observations) == ["query.deviceId", "query.mobile"]


def test_a_landline_an_api_answers_with_is_an_organisations_unless_the_user_sent_it(tmp_path: Path) -> None:
    """Store lists and tender notices answer with shops' and agencies' landlines; the same landline the user
    typed into their profile and the API shows back is the user's. A mobile in a response still counts."""
    stores = {"data": [{"storeName": "福田店", "tel": "0755-86013388"},
                       {"storeName": "南山店", "tel": "0755-26721234"}]}
    har = write_har(tmp_path / "c.har", [
        entry(f"{APP}/stores/near", response=json.dumps(stores, ensure_ascii=False)),
        entry(f"{APP}/profile", method="POST", body="homeTel=010-62345678&nick=lz",
              response=json.dumps({"homeTel": "010-62345678", "mobile": MOBILE})),
    ])
    assert found(audit(har)) == {(1, "request", "phone_number"), (1, "response", "phone_number")}
    shown = [o.entity for o in audit(har).observations if o.where["side"] == "response"]
    assert sorted(shown) == ["CN_LANDLINE", "CN_MOBILE"]


def test_a_resident_id_in_a_cookie_value_is_still_found(tmp_path: Path) -> None:
    har = write_har(tmp_path / "c.har", [
        entry(f"{APP}/x", headers=[("Cookie", f"sfzh={RESIDENT_ID}; u=%7B%22mobile%22%3A%22{MOBILE}%22%7D")]),
    ])
    assert found(audit(har)) == {(0, "request", "id_document"), (0, "request", "phone_number")}


def test_offsets_in_free_text_with_leading_blanks_point_at_the_find(tmp_path: Path) -> None:
    """Free text is weighed at the offsets the scanner found, blanks and all: the foreign number is still
    dropped and the plain mobile kept when the text starts with a newline."""
    text = f"\n\n   客服 +18889935273 ，联系人手机 {MOBILE}\n"
    har = write_har(tmp_path / "c.har", [entry(f"{APP}/notice/1", response=text, response_mime="text/plain")])
    r = audit(har)
    assert found(r) == {(0, "response", "phone_number")}
    assert [o.value for o in r.observations] == [f"{MOBILE[:3]}****{MOBILE[-4:]}"]


def test_luhn_valid_ids_in_fields_are_no_cards_unless_key_or_words_say_so(tmp_path: Path) -> None:
    visa_like = luhn_complete("448191150409")  # 13 digits, a Visa-shaped correlator
    har = write_har(tmp_path / "c.har", [
        entry(f"https://ads.example.com/gampad?correlator={visa_like}&pe={luhn_complete('41119110659820')}"),
        entry(f"{APP}/bind/notice", response="您的银行卡号 4111 1111 1111 1111 已绑定", response_mime="text/plain"),
        entry(f"{APP}/bind", method="POST", body=f"bankCardNo={luhn_complete('411111111111111')}"),
    ])
    assert found(audit(har)) == {(1, "response", "bank_account"), (2, "request", "bank_account")}


def test_only_an_ip_address_the_receiver_could_not_see_is_reported(tmp_path: Path) -> None:
    """Public addresses (the client's own, echoed by a proxy; a server's) say nothing the receiver did not
    see; the device's address on its own network does."""
    har = write_har(tmp_path / "c.har", [
        entry("https://ads.example.com/p?co=12.34.7.18&ip=203.0.113.9",
              response_headers=[("X-Proxy-Origin", "12.34.7.18")]),
        entry(f"{APP}/device/report", method="POST", body_mime="application/json",
              body=json.dumps({"localIp": "192.168.1.23", "lanIp": "169.254.10.20", "clientIp": "127.0.0.1",
                               "serverIp": "203.0.113.9"})),
    ])
    r = audit(har)
    assert found(r) == {(1, "request", "ip_address")}
    assert {o.where["path"] for o in r.observations} == {"body.localIp", "body.lanIp"}


def test_http2_pseudo_headers_do_not_repeat_the_url(tmp_path: Path) -> None:
    url = f"{APP}/u?sfzh={RESIDENT_ID}"
    har = write_har(tmp_path / "c.har", [entry(url, headers=[(":method", "GET"), (":path", f"/u?sfzh={RESIDENT_ID}"),
                                                              (":authority", "api.parking.example.cn")])])
    assert [o.where["path"] for o in audit(har).observations] == ["query.sfzh"]
