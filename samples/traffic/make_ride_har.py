"""Writes samples/traffic/ride_hailing.har: a made-up ride-hailing app session (HAR 1.2).

The app "快约车示例" (servers *.ride.example.com, fictional) registers with the Getui push SDK and
sends the IMEI *before* the user agrees to the policy, then logs in by phone, orders a ride with pick-up
and drop-off coordinates (AMap geocoding), binds a bank card for payment and, although its policy
(samples/policy/ride_hailing_policy.txt) says it never collects face data, uploads a face photo for a
"安全认证". The ride-hailing category's necessary PI (2021 rules) is the phone number, positions and
trip, and payment data: the bank card number, the device id and the face are beyond it.
All identifiers are synthetic (checksums valid, numbers in test ranges).

Run: python samples/traffic/make_ride_har.py   (deterministic; the output is committed)
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from make_gov_har import JPEG, Clock, entry

OUT = Path(__file__).with_name("ride_hailing.har")
START = datetime(2026, 11, 21, 18, 5, 0, tzinfo=UTC)
PHONE = "13712345678"
IMEI = "868923041175328"  # Luhn-valid, synthetic
ANDROID_ID = "a4c81f09d2b37e65"
CARD = "6222020200112345679"  # UnionPay BIN 622202, Luhn-valid, synthetic


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def build() -> dict:
    assert luhn_ok(IMEI) and luhn_ok(CARD)
    entries = []
    step = Clock(START).step

    api = "https://api.ride.example.com"
    # 0: startup config
    entries.append(entry(step(0), "GET", f"{api}/v2/app/config?platform=android&ver=5.8.0"))
    # 1: Getui push registration with the IMEI, before consent (Getui is not in the policy's SDK list)
    entries.append(entry(step(0.5), "POST", "https://sdk.getui.com/api/register", post={
        "mimeType": "application/json", "text": json.dumps({"imei": IMEI, "appid": "Xk2yP9", "os": "android"})}))
    # 2: the user agrees to the privacy policy
    entries.append(entry(step(5.0), "POST", f"{api}/v2/privacy/accept", post={
        "mimeType": "application/json", "text": '{"version":"2026.10","accepted":true}'}))
    # 3: login by phone
    entries.append(entry(step(7.0), "POST", f"{api}/v2/passport/login", post={
        "mimeType": "application/x-www-form-urlencoded",
        "text": urlencode({"mobile": PHONE, "smsCode": "305518", "deviceId": ANDROID_ID})}))
    # 4: AMap geocoding of the pick-up point
    entries.append(entry(step(9.0), "GET",
                         "https://restapi.amap.com/v3/geocode/regeo?location=121.473701,31.230416&key=7e2d9a"))
    # 5: the order with pick-up and drop-off coordinates
    entries.append(entry(step(6.0), "POST", f"{api}/v2/order/create", post={
        "mimeType": "application/json",
        "text": json.dumps({"start": {"lat": 31.230416, "lng": 121.473701},
                            "end": {"lat": 31.197646, "lng": 121.336079},
                            "contactPhone": PHONE, "carType": "express"})}))
    # 6: binding a bank card for payment
    entries.append(entry(step(40.0), "POST", f"{api}/v2/pay/bindcard", post={
        "mimeType": "application/json", "text": json.dumps({"bankCardNo": CARD, "bankName": "工商银行"},
                                                            ensure_ascii=False)}))
    # 7: a face photo for "安全认证" although the policy says face data is never collected
    entries.append(entry(step(12.0), "POST", f"{api}/v2/safety/faceVerify", post={
        "mimeType": "application/json",
        "text": json.dumps({"faceImage": base64.b64encode(JPEG).decode(), "scene": "ride_safety"})}))
    return {"log": {"version": "1.2", "creator": {"name": "pi-auditor sample generator", "version": "1"},
                    "pages": [], "entries": entries}}


if __name__ == "__main__":
    OUT.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(OUT)
