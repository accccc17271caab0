"""Bad policy files: a clear InputError for a missing one, an `unreadable` reason or a warning for
the rest, never a traceback."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from auditor.errors import InputError
from auditor.policy import read_policy
from auditor.policy.extract import MAX_TEXT_BYTES, pdf_text_problem

DATA = Path(__file__).parent / "data" / "policies"


def test_missing_file_is_an_input_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "隐私政策.html"
    with pytest.raises(InputError) as e:
        read_policy(missing)
    assert str(missing) in str(e.value) and "no such file" in str(e.value)


def test_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="directory"):
        read_policy(tmp_path)


@pytest.mark.parametrize("content", [b"", b"  \n\r\n\t "])
def test_empty_file_is_unreadable(tmp_path: Path, content: bytes) -> None:
    p = tmp_path / "policy.txt"
    p.write_bytes(content)
    result = read_policy(p)
    assert result.unreadable == "the file is empty" and result.declarations == []


def test_scanned_pdf_without_text_layer_is_unreadable() -> None:
    result = read_policy(DATA / "bad" / "scanned.pdf")
    assert result.unreadable is not None and "no text layer" in result.unreadable


def test_truncated_pdf_is_unreadable(tmp_path: Path) -> None:
    p = tmp_path / "cut.pdf"
    p.write_bytes((DATA / "p08_fooddelivery.pdf").read_bytes()[:600])
    result = read_policy(p)
    assert result.unreadable is not None and "PDF" in result.unreadable


def test_undecodable_bytes_are_unreadable(tmp_path: Path) -> None:
    rnd = random.Random(7)
    p = tmp_path / "policy.txt"
    p.write_bytes(bytes(rnd.randrange(0x80, 0x100) for _ in range(5000)))
    result = read_policy(p)
    assert result.unreadable is not None and "undecodable" in result.unreadable


def test_binary_file_is_unreadable(tmp_path: Path) -> None:
    p = tmp_path / "policy.html"
    p.write_bytes(bytes(range(256)) * 40)
    assert "binary" in (read_policy(p).unreadable or "")


def test_utf8_with_a_few_broken_bytes_is_read_with_a_warning(tmp_path: Path) -> None:
    good = (DATA / "p01_ridehailing.txt").read_bytes()
    p = tmp_path / "policy.txt"
    p.write_bytes(good[:300] + b"\xff\xfe" + good[300:])
    result = read_policy(p)
    assert result.unreadable is None
    assert any("undecodable byte" in w for w in result.warnings)
    assert "contacts" in {d.category for d in result.declarations if d.status == "negated"}


def test_html_with_only_scripts_is_unreadable(tmp_path: Path) -> None:
    p = tmp_path / "policy.html"
    p.write_text("<html><head><script>var a='我们会收集您的手机号';</script></head><body></body></html>")
    assert read_policy(p).unreadable is not None


def test_non_chinese_text_gets_a_warning(tmp_path: Path) -> None:
    p = tmp_path / "policy.txt"
    p.write_text("We collect your phone number to create your account.\n", encoding="utf-8")
    result = read_policy(p)
    assert result.unreadable is None and any("no Chinese text" in w for w in result.warnings)


def test_30_mb_html_is_read_in_bounded_size(tmp_path: Path) -> None:
    p = tmp_path / "huge.html"
    para = "<p>当您使用叫车服务时，我们会收集您的精确位置信息和手机号码。我们不会收集您的通讯录。</p>\n".encode()
    with p.open("wb") as f:
        f.write(b"<html><head><meta charset='utf-8'></head><body>")
        f.write(para * (30 * 1024 * 1024 // len(para)))
        f.write(b"</body></html>")
    result = read_policy(p)
    assert result.unreadable is None
    assert any(f"only the first {MAX_TEXT_BYTES} bytes" in w for w in result.warnings)
    assert len(result.text) < MAX_TEXT_BYTES
    got = {(d.category, d.status) for d in result.declarations}
    assert {("precise_location", "declared"), ("phone_number", "declared"), ("contacts", "negated")} <= got


def test_pdf_text_without_unicode_mapping_is_recognised() -> None:
    # What pdfminer returns for a CID font with no ToUnicode map: glyph ids, no words.
    garbage = "(cid:3421)(cid:1890)(cid:77)(cid:3421)\n(cid:12)(cid:990) 2024 (cid:5)(cid:6)"
    problem = pdf_text_problem(garbage)
    assert problem is not None and "Unicode" in problem
    assert pdf_text_problem("隐私政策（cid:1）我们会收集您的手机号码。") is None
    assert pdf_text_problem("12 34 ...") is not None


def test_malformed_marked_section_in_html_is_read_as_text(tmp_path: Path) -> None:
    # Python 3.11's html.parser raises AssertionError on "<![A"; found by the property test.
    p = tmp_path / "policy.html"
    p.write_text("<html><body><p>我们会收集您的手机号码<![A。</p></body></html>", encoding="utf-8")
    result = read_policy(p)
    assert result.unreadable is None
    assert ("phone_number", "declared") in {(d.category, d.status) for d in result.declarations}
