"""The first party inferred from evidence, not frequency; SDK domains attributed through every signal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from traffic_fixtures import MOBILE, RESIDENT_ID, audit, entry, full_audit, write_har

from auditor.ruleset import PROJECT_ROOT, Ruleset, default_ruleset
from auditor.traffic.first_party import AppHints
from auditor.traffic.parties import PartyResolver

CDN = "https://img.cdnstatic-img.net"


def _policy(tmp_path: Path) -> Path:
    """A policy that names what the app collects and no third party: the list an undisclosed SDK is missing from."""
    p = tmp_path / "policy.txt"
    p.write_text("隐私政策\n我们会收集您的手机号码、身份证号码，用于注册登录和实名认证。\n我们不接入任何第三方SDK。\n",
                 encoding="utf-8")
    return p


def _parties(result: object) -> dict[str, str]:
    return {f["host"]: f["party"]["kind"] for f in result.flows}  # type: ignore[attr-defined]


def test_the_host_receiving_the_phone_login_beats_a_more_frequent_cdn(tmp_path: Path) -> None:
    entries = [entry(f"{CDN}/a/{i}.png", response_mime="image/png") for i in range(12)]
    entries += [entry("https://ulogs.umeng.com/unify_logs", method="POST", body="a=1") for _ in range(20)]
    entries.append(entry("https://passport.minimax-app.cn/api/login", method="POST",
                         body=json.dumps({"phone": MOBILE, "code": "123456"}), body_mime="application/json"))
    r = audit(write_har(tmp_path / "app.har", entries))
    assert r.first_party == ["minimax-app.cn"]
    assert r.inferred is not None and r.inferred.confidence == "high"
    assert any("receives what the user typed" in h for h in r.inferred.how)
    parties = _parties(r)
    assert parties["passport.minimax-app.cn"] == "first"
    assert parties["img.cdnstatic-img.net"] == "third" and parties["ulogs.umeng.com"] == "third"
    assert {o.party.kind for o in r.observations if o.category == "phone_number"} == {"first"}


def test_an_sdk_domain_is_never_the_first_party(tmp_path: Path) -> None:
    entries = [entry("https://ulogs.umeng.com/unify_logs", method="POST", body="a=1") for _ in range(9)]
    entries.append(entry("https://api.example-shop.cn/home"))
    r = audit(write_har(tmp_path / "app.har", entries))
    assert r.first_party == ["example-shop.cn"] and r.inferred is not None and r.inferred.confidence == "low"


def test_a_browser_capture_names_its_page(tmp_path: Path) -> None:
    entries = [entry(f"https://cdn.assets-host.org/{i}.js", response_mime="text/javascript",
                     pageref="page_1", headers=[("Referer", "https://www.gov-service.cn/")]) for i in range(8)]
    entries.insert(0, entry("https://www.gov-service.cn/", pageref="page_1", response_mime="text/html",
                            headers=[("Accept", "text/html,application/xhtml+xml")]))
    pages = [{"id": "page_1", "title": "政务服务网", "startedDateTime": "2026-11-20T09:30:00Z"}]
    r = audit(write_har(tmp_path / "page.har", entries, pages))
    assert r.first_party == ["gov-service.cn"]
    assert r.inferred is not None and r.inferred.confidence == "high"
    assert any("HAR pages" in h for h in r.inferred.how)


def test_the_page_behind_ad_frames_is_the_referrer_that_no_other_site_loads(tmp_path: Path) -> None:
    """The news page is not in the capture; its ad frames refer to their own resources more often than
    the page refers to anything, but each frame was loaded from another site."""
    page = "https://www.news-site.com/"
    entries = [entry(f"https://js.newscdn-js.com/{i}.js", headers=[("Referer", page)]) for i in range(6)]
    entries.append(entry("https://googleads.adnetwork-x.net/pagead/ads?x=1", headers=[("Referer", page)]))
    entries += [entry(f"https://tpc.adnetwork-x.net/r/{i}", headers=[("Referer", "https://googleads.adnetwork-x.net/p")])
                for i in range(9)]
    r = audit(write_har(tmp_path / "news.har", entries))
    assert r.first_party == ["news-site.com"]
    assert r.inferred is not None and r.inferred.confidence in ("medium", "high")


def test_the_apk_package_and_mini_program_domains_point_at_the_app(tmp_path: Path) -> None:
    entries = [entry(f"https://api.bigcloud-api.com/v1/{i}") for i in range(5)]
    entries.append(entry("https://m.parkinglot.com.cn/home"))
    entries.append(entry("https://wx.citybus-wx.com/line"))
    har = write_har(tmp_path / "app.har", entries)
    r = audit(har, app=AppHints(packages=["cn.parkinglot.android"]))
    assert r.first_party == ["parkinglot.com.cn"]
    r = audit(har, app=AppHints(domains=["wx.citybus-wx.com"]))
    assert r.first_party == ["citybus-wx.com"]
    assert audit(har).first_party == ["bigcloud-api.com"]  # frequency alone, and said to be a guess
    assert audit(har).inferred.confidence == "low"  # type: ignore[union-attr]


def test_a_low_confidence_guess_alone_never_makes_a_finding_high(tmp_path: Path) -> None:
    entries = [entry(f"https://a.example-one.com/p/{i}") for i in range(3)]
    entries.append(entry(f"https://b.example-two.net/q?sfzh={RESIDENT_ID}"))
    audit_ = full_audit(write_har(tmp_path / "guess.har", entries), policy=_policy(tmp_path))
    assert audit_.app["first_party_confidence"] == "low"
    assert any("first party inferred as example-one.com (low confidence)" in w for w in audit_.warnings)
    sdk = [f for f in audit_.findings if f.rule == "undisclosed_sdk"]
    assert [(f.category, f.party.name, f.severity) for f in sdk] == [("id_document", "example-two.net", "medium")]
    given = full_audit(write_har(tmp_path / "given.har", entries), first_party=["example-one.com"],
                       policy=_policy(tmp_path))
    assert [f.severity for f in given.findings if f.rule == "undisclosed_sdk"] == ["high"]


def test_unknown_hosts_of_an_sdk_are_attributed_by_its_brand_and_mini_program_domains(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(PROJECT_ROOT / "rules", rules)
    doc = yaml.safe_load((rules / "sdks.yaml").read_text(encoding="utf-8"))
    doc["sdks"].append({
        "id": "acme_rum", "name": "Acmerum RUM", "name_zh": "阿克姆监测", "aliases": ["阿克姆", "Acmerum"],
        "vendor": "阿克姆信息技术有限公司", "kind": "apm", "categories": ["device_id"], "packages": ["com.acmerum.sdk"],
        "domains": ["rum-openway.acmerum.com"], "miniprogram": {"domains": ["mp-rum.acmerum-cloud.com"]},
        "source": "test entry"})
    (rules / "sdks.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    resolver = PartyResolver(Ruleset(rules, default_ruleset().recognizers_root))
    hosts = ("rum-openway.acmerum.com", "static.acmerum.com", "mp-rum.acmerum-cloud.com", "collect.sensorsdata.com",
             "rum-openway.guance.com", "www.qq.com", "www.baidu.com", "map.baidu-maps-example.com")
    got = {h: resolver.resolve(h).sdk for h in hosts}
    assert got == {"rum-openway.acmerum.com": "acme_rum", "static.acmerum.com": "acme_rum",
                   "mp-rum.acmerum-cloud.com": "acme_rum", "collect.sensorsdata.com": "sensorsdata",
                   "rum-openway.guance.com": "guance_rum", "www.qq.com": None, "www.baidu.com": None,
                   "map.baidu-maps-example.com": None}
    # a first party given by the user wins over a brand guess, never over a listed domain
    given = PartyResolver(Ruleset(rules, default_ruleset().recognizers_root), ["acmerum.com"])
    assert given.resolve("static.acmerum.com").kind == "first"
    assert given.resolve("rum-openway.acmerum.com").sdk == "acme_rum"


def test_a_sites_pages_posting_the_login_to_its_back_end_make_both_first_party(tmp_path: Path) -> None:
    page = "https://www.shop-site.cn/login"
    entries = [entry(page, pageref="page_1", response_mime="text/html", headers=[("Accept", "text/html")])]
    entries += [entry(f"https://static.cdnstatic-img.net/{i}.png", pageref="page_1", headers=[("Referer", page)])
                for i in range(10)]
    entries.append(entry("https://passport.shop-api.com/v1/login", method="POST", pageref="page_1",
                         headers=[("Origin", "https://www.shop-site.cn"), ("Referer", page)],
                         body=json.dumps({"mobile": MOBILE, "smsCode": "123456"}), body_mime="application/json"))
    r = audit(write_har(tmp_path / "login.har", entries, [{"id": "page_1", "title": page}]))
    assert r.first_party == ["shop-site.cn", "shop-api.com"]
    assert r.inferred is not None and r.inferred.confidence == "high"
    assert {o.party.kind for o in r.observations} == {"first"}


def test_a_static_cdn_receiving_pi_is_no_undisclosed_sdk_but_an_analytics_sdk_is(tmp_path: Path) -> None:
    entries = [entry("https://api.parking-app.cn/v1/login", method="POST", body=f"mobile={MOBILE}&smsCode=1234"),
               entry(f"https://cdn.jsdelivr.net/npm/x.js?u={RESIDENT_ID}", response_mime="text/javascript"),
               entry(f"https://ulogs.umeng.com/unify_logs?idcard={RESIDENT_ID}")]
    audit_ = full_audit(write_har(tmp_path / "cdn.har", entries), policy=_policy(tmp_path))
    parties = {o.party.sdk for o in audit_.observations if o.category == "id_document"}
    assert parties == {"jsdelivr", "umeng"}
    assert {f.party.sdk for f in audit_.findings if f.rule == "undisclosed_sdk"} == {"umeng"}
    # no policy given: there is no SDK list to miss Umeng from (not given is not absent)
    bare = full_audit(write_har(tmp_path / "cdn.har", entries))
    assert not [f for f in bare.findings if f.rule == "undisclosed_sdk"]


def test_live_session_takes_the_first_flow_to_no_sdk_as_first_party(tmp_path: Path) -> None:
    """A phone's first request is often an SDK's (a push channel, an analytics ping): it must not leave the
    live session without a first party, which would make the app's own back end a third party."""
    from datetime import UTC, datetime

    from auditor.traffic.flows import Flow, Message
    from auditor.traffic.live import LiveAuditor

    live = LiveAuditor(tmp_path / "live.db", echo=lambda _line: None)
    form = "application/x-www-form-urlencoded"
    ping = Message([("content-type", form)], b"a=1", mime=form)
    login = Message([("content-type", "application/json")], json.dumps({"phone": MOBILE}).encode(),
                    mime="application/json")
    now = datetime.now(UTC)
    live.process(Flow("live", 0, "POST", "https://ulogs.umeng.com/unify_logs", now, ping, None, None))
    obs = live.process(Flow("live", 1, "POST", "https://passport.wst-demo.cn/api/login", now, login, None, None))
    assert {o.party.kind for o in obs if o.category == "phone_number"} == {"first"}
    stored = live.finish()
    live.store.close()
    assert stored.app["first_party"] == ["wst-demo.cn"]
    assert any("first party taken as wst-demo.cn" in w for w in stored.warnings)


def test_an_ad_gateway_named_an_account_is_no_login_and_a_random_is_no_device(tmp_path: Path) -> None:
    """A news page's ad call names the publisher's account and a Math.random() 'deviceid': neither makes
    the ad gateway a first party nor the random a device id. A login with a password still does."""
    pages = [{"id": "page_1", "title": "news", "startedDateTime": "2026-11-20T09:30:00Z"}]
    news = [("Referer", "https://www.newssite.se/")]
    entries = [
        entry("https://www.newssite.se/", pageref="page_1", response_mime="text/html"),
        entry("https://api.adgateway.adnet.se/1/getAd?account=newssite&appname=desktop&"
              "deviceid=0.8238071829546243&callback=adCb", pageref="page_1", headers=news),
        entry("https://sso.newsaccounts.se/login", method="POST", pageref="page_1", headers=news,
              body="username=reader01&password=s3cret-Pass"),
    ]
    r = audit(write_har(tmp_path / "page.har", entries, pages))
    assert sorted(r.first_party) == ["newsaccounts.se", "newssite.se"]
    assert r.observations == []
