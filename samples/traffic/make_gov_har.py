"""Writes samples/traffic/gov_service.har: a made-up government-service app session (HAR 1.2).

The app "皖事通示例" (package cn.gov.example.wst, servers *.wst.example.gov.cn, all fictional) starts,
sends device identifiers to an analytics SDK and asks AMap for the location *before* the user taps
同意 on the privacy dialog, then logs in by phone, does 实名认证 with name, ID number and a face photo,
uploads a location track every few seconds, queries a service over plain HTTP and reads a GBK profile.
Every identifier is synthetic: the ID number is built with a valid GB 11643 check digit for a made-up
person, the phone numbers are in unassigned test ranges of real formats.

Run: python samples/traffic/make_gov_har.py   (deterministic; the output is committed)
"""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

OUT = Path(__file__).with_name("gov_service.har")
START = datetime(2026, 11, 20, 9, 30, 0, tzinfo=UTC)

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def resident_id(first17: str) -> str:
    """GB 11643-1999 check digit."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


ID_NO = resident_id("34010419900307123")  # 安徽省合肥市蜀山区, born 1990-03-07
PHONE = "13912345678"
IMEI = "864512030617459"  # Luhn-valid, synthetic
ANDROID_ID = "9f3c2a71b04e6d58"
OAID = "6e1f9c0a-52d7-4b3e-9a11-7c2f0d8e4b96"
MAC = "3C:A6:16:5E:2B:91"
# a real, tiny JPEG (1x1 pixel) standing for the captured face photo
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8Q"
    "EBEQCgwSExIQEw8QEBD/yQALCAABAAEBAREA/8wABgAQEAX/2gAIAQEAAD8A0s8g/9k="
)


def header_list(d: dict[str, str]) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in d.items()]


def entry(t: datetime, method: str, url: str, *, req_headers: dict[str, str] | None = None,
          post: dict | None = None, status: int = 200, resp_mime: str = "application/json",
          resp_text: str = '{"code":0}', resp_encoding: str | None = None,
          resp_headers: dict[str, str] | None = None) -> dict:
    from urllib.parse import parse_qsl, urlsplit

    query = [{"name": k, "value": v} for k, v in parse_qsl(urlsplit(url).query)]
    req = {
        "method": method, "url": url, "httpVersion": "HTTP/1.1", "cookies": [],
        "headers": header_list({"User-Agent": "WanShiTong/3.1.2 (Android 12; Redmi K40)", **(req_headers or {})}),
        "queryString": query, "headersSize": -1, "bodySize": len(post["text"]) if post else 0,
    }
    if post:
        req["postData"] = post
    content: dict = {"size": len(resp_text), "mimeType": resp_mime, "text": resp_text}
    if resp_encoding:
        content["encoding"] = resp_encoding
    return {
        "startedDateTime": t.isoformat().replace("+00:00", "Z"),
        "time": 85,
        "request": req,
        "response": {
            "status": status, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [],
            "headers": header_list({"Content-Type": resp_mime, **(resp_headers or {})}),
            "content": content, "redirectURL": "", "headersSize": -1, "bodySize": content["size"],
        },
        "cache": {},
        "timings": {"send": 1, "wait": 80, "receive": 4},
    }


def jwt(payload: dict) -> str:
    def b64(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d, separators=(",", ":")).encode()).decode().rstrip("=")

    return f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64(payload)}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk"


class Clock:
    """Capture time that advances step by step, as a session's requests do."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def step(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def build() -> dict:
    entries = []
    step = Clock(START).step

    # 0: app start, config (no PI)
    entries.append(entry(step(0), "GET", "https://api.wst.example.gov.cn/app/config?ver=3.1.2&channel=huawei"))
    # 1: Umeng analytics with device ids, before consent (the SDK is not in the scope's SDK list)
    umeng_body = json.dumps({"header": {"imei": IMEI, "oaid": OAID, "android_id": ANDROID_ID, "mac": MAC,
                                        "os": "Android", "os_version": "12", "appkey": "5f8a1c2b3d4e"}},
                            separators=(",", ":"))
    entries.append(entry(step(0.4), "POST", "https://ulogs.umeng.com/unify_logs", post={
        "mimeType": "application/json", "text": umeng_body}))
    # 2: AMap reverse geocoding of the precise position, before consent
    entries.append(entry(step(0.6), "GET",
                         "https://restapi.amap.com/v3/geocode/regeo?location=117.227239,31.820586&key=8d1c2e&extensions=base",
                         resp_text=json.dumps({"status": "1", "regeocode": {
                             "formatted_address": "安徽省合肥市蜀山区长江西路189号"}}, ensure_ascii=False)))
    # 3: the user taps 同意 on the privacy dialog
    entries.append(entry(step(6.0), "POST", "https://api.wst.example.gov.cn/api/privacy/agree", post={
        "mimeType": "application/json", "text": '{"agree":true,"policyVersion":"2026-09"}'}))
    # 4: login by phone + SMS code (form)
    entries.append(entry(step(8.0), "POST", "https://api.wst.example.gov.cn/api/user/login", post={
        "mimeType": "application/x-www-form-urlencoded",
        "text": urlencode({"lxdh": PHONE, "yzm": "482913", "deviceId": ANDROID_ID})},
        resp_text=json.dumps({"code": 0, "token": jwt({"sub": "u-20931", "mobile": PHONE, "iat": 1795000000})})))
    token = jwt({"sub": "u-20931", "mobile": PHONE, "iat": 1795000000})
    auth = {"Authorization": f"Bearer {token}"}
    api = "https://api.wst.example.gov.cn"
    # 5: real-name verification: name, ID number, face photo in one JSON
    entries.append(entry(step(20.0), "POST", f"{api}/api/realname/verify", req_headers=auth, post={
        "mimeType": "application/json",
        "text": json.dumps({"xm": "张伟", "sfzh": ID_NO, "faceImage": base64.b64encode(JPEG).decode()},
                           ensure_ascii=False)},
        resp_text=json.dumps({"code": 0, "data": {"xm": "张伟", "sfzh": ID_NO, "verified": True}}, ensure_ascii=False)))
    # 6: liveness check at the face-verification vendor (multipart upload of the face image)
    boundary = "----zt7MA4YWxkTrZu0gW"
    mp = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"biz_token\"\r\n\r\nbt-7731\r\n"
          f"--{boundary}\r\nContent-Disposition: form-data; name=\"image_best\"; filename=\"face.jpg\"\r\n"
          f"Content-Type: image/jpeg\r\n\r\n").encode() + JPEG + f"\r\n--{boundary}--\r\n".encode()
    entries.append(entry(step(3.0), "POST", "https://api.faceid.com/faceid/v3/sdk/verify", post={
        "mimeType": f"multipart/form-data; boundary={boundary}", "encoding": "base64",
        "text": base64.b64encode(mp).decode()}))
    # 7: nearby service halls, over plain HTTP, with the precise position in the query
    entries.append(entry(step(15.0), "GET",
                         "http://api.wst.example.gov.cn/api/hall/nearby?lat=31.820586&lng=117.227239&radius=3000",
                         req_headers=auth))
    # 8..22: a location track reported every 3 seconds (15 times in 45 s)
    for i in range(15):
        pts = [{"la": round(31.820586 + 0.0001 * i, 6), "lo": round(117.227239 + 0.0001 * i, 6),
                "t": 1795000000 + 3 * i}]
        entries.append(entry(step(3.0), "POST", f"{api}/api/track/report", req_headers=auth, post={
            "mimeType": "application/json", "text": json.dumps({"points": pts})}))
    # 23: profile, answered in GBK (the HAR keeps the bytes base64 since they are not UTF-8)
    profile = json.dumps({"code": 0, "data": {"xm": "张伟", "jtdz": "安徽省合肥市蜀山区长江西路189号3栋502室",
                                              "csrq": "1990-03-07", "lxdh": PHONE}}, ensure_ascii=False)
    entries.append(entry(step(4.0), "GET", "https://api.wst.example.gov.cn/api/user/profile", req_headers=auth,
                         resp_mime="application/json;charset=GBK",
                         resp_text=base64.b64encode(profile.encode("gbk")).decode(), resp_encoding="base64"))
    # 24: JPush registration with device id, gzip'd body kept compressed by the capture tool
    gz = gzip.compress(json.dumps({"imei": IMEI, "platform": "a"}).encode(), mtime=0)
    entries.append(entry(step(2.0), "POST", "https://api.jpush.cn/v3/register",
                         req_headers={"Content-Encoding": "gzip"},
                         post={"mimeType": "application/json", "encoding": "base64",
                               "text": base64.b64encode(gz).decode()}))
    return {"log": {"version": "1.2", "creator": {"name": "pi-auditor sample generator", "version": "1"},
                    "pages": [], "entries": entries}}


if __name__ == "__main__":
    OUT.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(OUT)
