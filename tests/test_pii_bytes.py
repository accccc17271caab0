"""scan_bytes and base64 fields: biometric categories decided by key, URL, MIME and magic bytes."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from auditor.pii import PIScanner, get_scanner

MEDIA = Path(__file__).parent / "data" / "recognizers" / "media"


@pytest.fixture(scope="module")
def sc() -> PIScanner:
    return get_scanner()


def media(name: str) -> bytes:
    return (MEDIA / name).read_bytes()


def test_jpeg_in_face_field_on_liveness_endpoint_is_a_face(sc: PIScanner) -> None:
    [hit] = sc.scan_bytes("multipart.faceImage", "faceImage", media("python.jpg"), mime="image/jpeg",
                          url="https://api.example.cn/faceid/v3/liveness?biz=1")
    assert (hit.entity, hit.category) == ("FACE_IMAGE", "face")
    assert set(hit.evidence) == {"magic", "key", "url"} and hit.score >= 0.9
    assert hit.text == ""  # no raw bytes travel in a hit


def test_url_alone_decides_for_a_plain_file_field(sc: PIScanner) -> None:
    [hit] = sc.scan_bytes("multipart.file", "file", media("python.webp"), url="https://kyc.example.cn/face/compare")
    assert hit.entity == "FACE_IMAGE" and "url" in hit.evidence and "key" not in hit.evidence


@pytest.mark.parametrize("key,url", [("sticker", "https://im.example.cn/emoticon/upload"),
                                     ("file", "https://im.example.cn/chat/upload"),
                                     ("image", "https://shop.example.cn/goods/upload"),
                                     ("faceImage", "https://im.example.cn/sticker/upload")])
def test_stickers_and_product_photos_are_not_faces(sc: PIScanner, key: str, url: str) -> None:
    assert sc.scan_bytes(f"multipart.{key}", key, media("python.png"), mime="image/png", url=url) == []


def test_voiceprint_needs_a_voiceprint_context(sc: PIScanner) -> None:
    wav = media("pluck-pcm16.wav")
    [hit] = sc.scan_bytes("multipart.voice", "voice", wav, url="https://vpr.example.cn/voiceprint/enroll")
    assert (hit.entity, hit.category) == ("VOICE_SAMPLE", "other_biometric")
    assert sc.scan_bytes("multipart.voice", "voice", wav, url="https://im.example.cn/chat/voice") == []


def test_iso_fingerprint_template(sc: PIScanner) -> None:
    fmr = media("fingerprint.fmr")
    assert fmr[:4] == b"FMR\x00"
    [hit] = sc.scan_bytes("multipart.fpTemplate", "fpTemplate", fmr, url="https://attend.example.cn/api/enroll")
    assert (hit.entity, hit.category) == ("FINGERPRINT_TEMPLATE", "fingerprint")


def test_base64_and_data_uri_fields(sc: PIScanner) -> None:
    b64 = base64.b64encode(media("python.jpg")).decode()
    [hit] = sc.scan_field("body.faceImg", "faceImg", b64, url="https://app.example.cn/api/realname")
    assert hit.entity == "FACE_IMAGE" and (hit.start, hit.end) == (0, len(b64))
    [hit] = sc.scan_field("body.image_best", "image_best", "data:image/jpeg;base64," + b64,
                          url="https://face.example.cn/liveness/check")
    assert hit.entity == "FACE_IMAGE"
    assert sc.scan_field("body.avatar", "avatar", b64, url="https://app.example.cn/user/avatar") == []


def test_tiny_or_unknown_payloads(sc: PIScanner) -> None:
    assert sc.scan_bytes("m.faceImage", "faceImage", b"\xff\xd8\xff", url="https://x.cn/face") == []
    assert sc.scan_bytes("m.file", "file", bytes(range(256)) * 4, url="https://x.cn/upload") == []
    assert sc.scan_bytes("m.faceImage", "faceImage", b"", url="https://x.cn/face") == []
