"""Fuzzing every reader of untrusted input: whatever the bytes, a reader returns or raises the project's
own input error (AuditorError: one line, exit 2), never anything else.

Inputs are drawn by hypothesis: random bytes, and mutations of a valid input of each kind (bytes
flipped, cut, repeated), since random bytes rarely get past a format's first check. CI runs a few
examples per reader with a fixed seed (the "ci" profile of conftest.py); ``scripts/fuzz.sh`` runs
many more with fresh seeds (FUZZ_EXAMPLES, HYPOTHESIS_PROFILE=explore).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hostile_inputs import SAMPLE_HAR, billion_laughs, flow_file, pdf_document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.errors import AuditorError

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with a few edits: bytes overwritten, a slice cut out or repeated, the tail cut."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        kind = draw(st.sampled_from(["flip", "cut", "repeat", "truncate", "insert"]))
        i = draw(st.integers(0, len(data) - 1))
        j = draw(st.integers(i, min(len(data), i + 64)))
        if kind == "flip":
            data[i] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[i:j]
        elif kind == "repeat":
            data[i:i] = data[i:j] * draw(st.integers(1, 8))
        elif kind == "truncate":
            del data[i:]
        else:
            data[i:i] = draw(st.binary(max_size=32))
    return bytes(data)


def inputs(seed: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=2048), mutated(seed))


def _reads(fn: Callable[[Path], Any], path: Path, data: bytes) -> None:
    path.write_bytes(data)
    with contextlib.suppress(AuditorError):
        fn(path)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# --- captures -------------------------------------------------------------------------------------
def _small_har() -> bytes:
    doc = json.loads(SAMPLE_HAR.read_text(encoding="utf-8"))
    doc["log"]["entries"] = doc["log"]["entries"][:4]
    return json.dumps(doc, ensure_ascii=False).encode()


HAR_SEED = _small_har()


def _audit_capture(path: Path) -> None:
    from auditor.ruleset import default_ruleset
    from auditor.traffic.scan import analyze_traffic

    r = analyze_traffic([path], ruleset=default_ruleset(), salt="fuzz")
    json.dumps([o.to_dict() for o in r.observations] + r.flows, ensure_ascii=False).encode("utf-8")


@FUZZ
@given(data=inputs(HAR_SEED))
def test_fuzz_har(work: Path, data: bytes) -> None:
    _reads(_audit_capture, work / "c.har", data)


@st.composite
def har_documents(draw: st.DrawFn) -> bytes:
    """Structurally valid HARs whose fields hold anything JSON can: the per-entry guards."""
    scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40))
    anything = st.recursive(scalar, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c,
                                                                                       max_size=3), max_leaves=8)
    urls = st.one_of(st.text(max_size=60), st.from_regex(r"https?://[a-z0-9.\[\]:@%-]{1,30}(/[^ ]{0,30})?",
                                                         fullmatch=True))
    entries = st.lists(st.fixed_dictionaries({
        "startedDateTime": st.one_of(st.text(max_size=30), anything),
        "request": st.fixed_dictionaries({"method": anything, "url": urls, "headers": anything,
                                          "postData": anything}),
        "response": st.one_of(anything, st.fixed_dictionaries({"status": anything, "headers": anything,
                                                               "content": anything})),
    }), max_size=4)
    return json.dumps({"log": {"entries": draw(entries)}}).encode()


@FUZZ
@given(data=har_documents())
def test_fuzz_har_fields(work: Path, data: bytes) -> None:
    _reads(_audit_capture, work / "f.har", data)


@pytest.fixture(scope="module")
def flow_seed(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return flow_file(tmp_path_factory.mktemp("seed") / "s.mitm", n=2).read_bytes()


@FUZZ
@given(data=st.data())
def test_fuzz_flow_file(work: Path, flow_seed: bytes, data: st.DataObject) -> None:
    _reads(_audit_capture, work / "c.mitm", data.draw(inputs(flow_seed)))


@FUZZ
@given(data=st.data())
def test_fuzz_tnetstring(flow_seed: bytes, data: st.DataObject) -> None:
    from auditor.traffic import tnetstring

    raw = data.draw(inputs(flow_seed))
    with contextlib.suppress(ValueError, RecursionError):  # its documented failure: the record is skipped
        tnetstring.loads(raw)


# --- mini-program packages ------------------------------------------------------------------------
def _wxapkg_seed() -> bytes:
    from auditor.miniprogram.wxapkg import write_wxapkg

    return write_wxapkg({"/app.json": b'{"pages":["pages/index"]}',
                         "/pages/index.js": b"wx.getLocation({success(r){}})"})


@FUZZ
@given(data=inputs(_wxapkg_seed()))
def test_fuzz_wxapkg(work: Path, data: bytes) -> None:
    from auditor.miniprogram.wxapkg import read_wxapkg

    _reads(read_wxapkg, work / "p.wxapkg", data)


# --- YAML: scope files and batch manifests --------------------------------------------------------
SCOPE_SEED = (Path(__file__).resolve().parent.parent / "samples/scope.example.yaml").read_bytes()
YAML_TEXT = st.one_of(st.text(max_size=300), st.sampled_from([billion_laughs(9), "a: &a [*a]", "- " * 3000,
                                                              "version: .nan", "[" * 5000]))


@FUZZ
@given(data=st.one_of(inputs(SCOPE_SEED), YAML_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_fuzz_scope_file(work: Path, data: bytes) -> None:
    from auditor.ruleset import default_ruleset
    from auditor.scopefile import load_scope

    _reads(lambda p: load_scope(p, default_ruleset()), work / "s.yaml", data)


MANIFEST_SEED = (b"campaign: c\napps:\n  - {id: a, traffic: [a.har], category: ride_hailing}\n"
                 b"  - {id: b, policy: p.txt}\n")


@FUZZ
@given(data=st.one_of(inputs(MANIFEST_SEED), YAML_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))),
       suffix=st.sampled_from([".yaml", ".csv"]))
def test_fuzz_batch_manifest(work: Path, data: bytes, suffix: str) -> None:
    from auditor.batch.manifest import read_manifest

    _reads(read_manifest, work / f"m{suffix}", data)


# --- policies -------------------------------------------------------------------------------------
POLICY_TXT = ("我们会收集您的手机号码、身份证号码和位置信息。我们不会收集您的通讯录。\n"
              "第三方SDK：友盟统计，收集设备标识。\n").encode()
POLICY_HTML = b"<html><meta charset=utf-8><body><h1>\xe9\x9a\x90\xe7\xa7\x81</h1><p>" + POLICY_TXT + b"</p></body>"
POLICY_PDF = pdf_document(zlib.compress(b"BT /F1 12 Tf 72 712 Td (We collect your phone number.) Tj ET"))


@pytest.mark.parametrize("suffix, seed", [(".txt", POLICY_TXT), (".html", POLICY_HTML), (".pdf", POLICY_PDF)])
@FUZZ
@given(data=st.data())
def test_fuzz_policy(work: Path, suffix: str, seed: bytes, data: st.DataObject) -> None:
    from auditor.policy import read_policy

    _reads(read_policy, work / f"p{suffix}", data.draw(inputs(seed)))


# --- APK archives ---------------------------------------------------------------------------------
def _apk_seed() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("AndroidManifest.xml", b"\x03\x00\x08\x00" + b"\x00" * 60)
        zf.writestr("classes.dex", b"dex\n035\x00" + b"\x00" * 200)
        zf.writestr("assets/privacy.html", "<p>隐私政策</p>")
    return buf.getvalue()


@FUZZ
@given(data=inputs(_apk_seed()))
def test_fuzz_apk_archive(work: Path, data: bytes) -> None:
    from auditor.apk.archive import check_archive

    _reads(lambda p: check_archive(p, str(p)), work / "a.apk", data)
