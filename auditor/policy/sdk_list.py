"""Reading the third-party SDK list (第三方SDK共享清单) of a policy and matching it to rules/sdks.yaml.

The list comes in three shapes: a table (HTML, or its plain-text rendering with tabs or bars), key-
value records (SDK名称：友盟+ 使用目的：统计 收集个人信息类型：…), and prose (我们接入了极光推送SDK…).
All three become SdkRecord; a name is matched to an SDK entry by alias, then by vendor, and an
unknown name is kept as written, because an SDK we do not know is still a disclosed third party.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from auditor.policy.lexicon import Lexicon, header_key, term_regex
from auditor.policy.segment import Sentence, drop_numbering
from auditor.policy.statements import categories_in

_TITLE_MAX = 30
_TAB = re.compile(r"\t")
_BARS = re.compile(r"\s*[|｜]\s*")
# "1. 百度OCR SDK：北京百度网讯科技有限公司；用于…" in an SDK section: the name opens the line.
_LEADING_NAME = re.compile(r"^(?P<n>[^：:，,。；;（(]{2,24}?SDK)\s*[：:]", re.IGNORECASE)
_PAREN_COMPANY = re.compile(r"[（(](?P<p>[^（()）]{2,40}?(?:公司|集团|有限|Inc\.?|Ltd\.?|LLC))[）)]")
_PROSE_UNKNOWN = re.compile(
    r"(?<![未不])(?<!没有)(?:接入|嵌入|集成|使用|引入|采用)了?(?:由[^，。；]{2,30}?提供的)?(?P<n>[^，。、；：\s“”\"]{2,16}?)\s*SDK"
)


@dataclass
class SdkRecord:
    name: str
    position: int
    text: str
    provider: str | None = None
    purpose: str | None = None
    data: str | None = None
    sdk: str | None = None
    categories: list[str] = field(default_factory=list)


def normalise_name(name: str, lex: Lexicon) -> str:
    n = name.strip(" ：:·-—*")
    n = re.sub(r"\s+", "", n)
    for noise in lex.sdk_name_noise:
        n = n.replace(re.sub(r"\s+", "", noise), "")
    n = re.sub(r"[（(][^（()）]*[）)]$", "", n)
    return n.casefold()


class SdkMatcher:
    """Name / alias / vendor lookup over rules/sdks.yaml entries."""

    def __init__(self, sdks: dict[str, dict[str, Any]], lex: Lexicon) -> None:
        self.lex = lex
        self.by_alias: dict[str, str] = {}
        vendors: dict[str, set[str]] = {}
        for sid, s in sdks.items():
            for a in [sid, s["name"], s["name_zh"], *s.get("aliases", [])]:
                key = normalise_name(a, lex)
                if len(key) >= 2:
                    self.by_alias.setdefault(key, sid)
            if s.get("vendor"):
                vendors.setdefault(normalise_name(s["vendor"], lex), set()).add(sid)
        self.by_vendor = {v: next(iter(ids)) for v, ids in vendors.items() if len(ids) == 1}
        self.aliases_longest_first = sorted(self.by_alias, key=len, reverse=True)
        # Prose is searched for names as written (OAID SDK, not the bare OAID its key reduces to),
        # so a data word never passes for an SDK.
        written = {a for s in sdks.values() for a in [s["name"], s["name_zh"], *s.get("aliases", [])] if len(a) >= 2}
        self.prose_alias = re.compile(
            "|".join(term_regex(a) for a in sorted(written, key=len, reverse=True)), re.IGNORECASE
        )

    def match(self, name: str, provider: str | None = None) -> str | None:
        key = normalise_name(name, self.lex)
        if key in self.by_alias:
            return self.by_alias[key]
        for alias in self.aliases_longest_first:
            if len(alias) >= 2 and alias in key:
                return self.by_alias[alias]
        if provider and (not key or key in self.lex.sdk_generic_function_names):
            pkey = normalise_name(provider, self.lex)
            for vendor, sid in self.by_vendor.items():
                if vendor and (vendor in pkey or pkey in vendor) and len(pkey) >= 4:
                    return sid
        return None


def _header_field(cell: str, lex: Lexicon) -> str | None:
    key = header_key(cell)
    if key in lex.sdk_headers:
        return lex.sdk_headers[key]
    best = max((h for h in lex.sdk_headers if key.startswith(h)), key=len, default=None)
    return lex.sdk_headers[best] if best else None


def _key_regex(lex: Lexicon) -> re.Pattern[str]:
    words = sorted(lex.sdk_headers, key=len, reverse=True)
    return re.compile(r"(?P<key>" + "|".join(re.escape(w) for w in words) + r")\s*[：:]", re.IGNORECASE)


def _clean(value: str) -> str:
    return value.strip(" \t；;，,。")


def _split_row(line: str, sep: re.Pattern[str]) -> list[str]:
    return [c.strip() for c in sep.split(line.strip().strip("|｜"))]


def _table_records(lines: list[tuple[int, str]], lex: Lexicon, used: set[int]) -> list[SdkRecord]:
    out: list[SdkRecord] = []
    i = 0
    while i < len(lines):
        line = lines[i][1]
        if "\t" not in line and "|" not in line and "｜" not in line:
            i += 1
            continue
        # Rows are split the way the header is: tabs (HTML) or bars (text), so an IMEI|OAID cell
        # of a tab table stays one cell.
        sep = _TAB if "\t" in line else _BARS
        cells = _split_row(line, sep)
        fields = [_header_field(c, lex) for c in cells]
        if len(cells) < 2 or "name" not in fields or sum(f is not None for f in fields) < 2:
            i += 1
            continue
        used.add(i)
        col = _columns(cells, fields)
        j = i + 1
        while j < len(lines) and (not lines[j][1].strip() or sep.search(lines[j][1].strip().strip("|｜"))):
            rpos, row = lines[j]
            used.add(j)
            j += 1
            if not row.strip() or re.fullmatch(r"[-:\s|｜]+", row):  # blank or markdown rule line
                continue
            rc = _split_row(row, sep)
            if len(rc) > col["name"] and rc[col["name"]]:
                rec = SdkRecord(rc[col["name"]], rpos, row.strip())
                for f in ("provider", "purpose", "data"):
                    if f in col and len(rc) > col[f]:
                        setattr(rec, f, rc[col[f]] or None)
                out.append(rec)
        i = j
    return out


def _columns(cells: list[str], fields: list[str | None]) -> dict[str, int]:
    """Column of each field. With two name-like columns (SDK名称 and 第三方名称) the one saying SDK
    names the SDK and the other, if no provider column exists, names its provider."""
    col: dict[str, int] = {}
    names = [i for i, f in enumerate(fields) if f == "name"]
    sdk_named = [i for i in names if "sdk" in cells[i].casefold() or "插件" in cells[i]]
    col["name"] = (sdk_named or names)[0]
    for f in ("provider", "purpose", "data"):
        if f in fields:
            col[f] = fields.index(f)
    others = [i for i in names if i != col["name"]]
    if others and "provider" not in col:
        col["provider"] = others[0]
    return col


def _kv_records(lines: list[tuple[int, str]], lex: Lexicon, used: set[int]) -> list[SdkRecord]:
    keyre = _key_regex(lex)
    out: list[SdkRecord] = []
    current: SdkRecord | None = None
    next_text = [""] * (len(lines) + 1)  # the next non-empty line after each line
    for i in range(len(lines) - 1, -1, -1):
        next_text[i] = lines[i + 1][1] if i + 1 < len(lines) and lines[i + 1][1].strip() else next_text[i + 1]
    for i, (pos, line) in enumerate(lines):
        if not line.strip():
            continue
        if i in used:
            current = None
            continue
        body = drop_numbering(line)
        keys = [(m, _header_field(m.group("key"), lex)) for m in keyre.finditer(body)]
        prefix = _clean(body[: keys[0][0].start()]) if keys else ""
        if not keys:
            # A title line ("1. 友盟统计SDK") opens a record if the next line carries SDK keys.
            nkeys = [_header_field(m.group("key"), lex) for m in keyre.finditer(drop_numbering(next_text[i]))]
            title = body.rstrip("：:")
            current = None
            if nkeys and "name" not in nkeys and any(nkeys) and _is_title(title, lex):
                current = SdkRecord(title, pos, line.strip())
                out.append(current)
                used.add(i)
            continue
        if prefix and not any(f == "name" for _, f in keys):
            # "华为推送（HMS Core Push Kit），第三方主体：…，用途：…": the name leads the line.
            if not _is_title(prefix, lex):
                current = None
                continue
            keys.insert(0, (None, "name"))
        elif prefix:
            current = None
            continue
        values: dict[str, str] = {}
        for k, (m, f) in enumerate(keys):
            end = keys[k + 1][0].start() if k + 1 < len(keys) else len(body)
            if f and f not in values:
                values[f] = _clean(body[m.end() if m else 0 : end])
        if values.get("name"):
            current = SdkRecord(values["name"], pos, line.strip())
            out.append(current)
        elif current is None:
            continue
        else:
            current.text += "\n" + line.strip()
        for f in ("provider", "purpose", "data"):
            if values.get(f) and getattr(current, f) is None:
                setattr(current, f, values[f])
        used.add(i)
    return out


def _is_title(text: str, lex: Lexicon) -> bool:
    """Could this short line be an SDK's name rather than a sentence introducing the list?"""
    return 2 <= len(text) <= _TITLE_MAX and not any(w in text for w in lex.sdk_intro_words)


def _prose_records(sentences: list[Sentence], lex: Lexicon, matcher: SdkMatcher, used: set[int]) -> list[SdkRecord]:
    out: list[SdkRecord] = []
    for start, text, in_section in _prose_units(sentences, lex, used):
        if not in_section and not any(w in text for w in lex.sdk_context_words):
            continue
        spans: list[tuple[int, int]] = []
        lead = _LEADING_NAME.match(drop_numbering(text))
        if in_section and lead and _is_title(lead.group("n"), lex):
            a = len(text) - len(drop_numbering(text)) + lead.start("n")
            spans.append((a, a + len(lead.group("n"))))
        for m in matcher.prose_alias.finditer(text):
            tail = re.match(r"[\w+]{0,8}?\s*SDK", text[m.end() :])
            span = (m.start(), m.end() + (tail.end() if tail else 0))
            if not any(x < span[1] and span[0] < y for x, y in spans):
                spans.append(span)
        for m in _PROSE_UNKNOWN.finditer(text):
            a, b = m.start("n"), m.end()
            key = normalise_name(m.group("n"), lex)
            if any(x < b and a < y for x, y in spans) or any(g and key.startswith(g) for g in lex.sdk_generic_names):
                continue
            spans.append((a, b))
        spans.sort()
        # Each SDK gets what the text says from its name up to the next SDK's name.
        for k, (a, b) in enumerate(spans):
            end = spans[k + 1][0] if k + 1 < len(spans) else len(text)
            out.append(_prose_record(text, text[a:b], start + a, text[a:end]))
    return out


def _prose_units(sentences: list[Sentence], lex: Lexicon, used: set[int]) -> list[tuple[int, str, bool]]:
    """(offset, text, in an SDK section) to read for prose mentions: a sentence, or in an SDK section
    the whole line, since a list item's purpose and data follow its 'Name：vendor；' opening."""
    units: list[tuple[int, str, bool]] = []
    last_line = -1
    for s in sentences:
        if s.line in used or s.skip:
            continue
        in_section = any(w in (s.heading or "") for w in lex.sdk_section_words)
        if in_section and s.line == last_line and units and units[-1][2]:
            start, text, _ = units[-1]
            units[-1] = (start, text + " " * (s.start - start - len(text)) + s.text, True)
            continue
        units.append((s.start, s.text, in_section))
        last_line = s.line
    return units


def _prose_record(text: str, name: str, position: int, said: str) -> SdkRecord:
    rec = SdkRecord(name.strip(), position, text.strip(), data=said)
    m = _PAREN_COMPANY.search(said[: len(name) + 45])
    if m:
        rec.provider = m.group("p")
    return rec


def sdk_records(text: str, sentences: list[Sentence], lex: Lexicon, sdks: dict[str, dict[str, Any]]) -> list[SdkRecord]:
    """Every SDK the policy lists, deduplicated by SDK id (or by name when unknown)."""
    lines: list[tuple[int, str]] = []
    offset = 0
    for line in text.split("\n"):
        lines.append((offset, line))
        offset += len(line) + 1
    used: set[int] = set()
    records = _table_records(lines, lex, used) + _kv_records(lines, lex, used)
    matcher = SdkMatcher(sdks, lex)
    records += _prose_records(sentences, lex, matcher, used)
    out: dict[str, SdkRecord] = {}
    for rec in records:
        rec.sdk = matcher.match(rec.name, rec.provider)
        rec.name = rec.name.strip(" ：:")
        rec.categories = categories_in(rec.data if rec.data is not None else "", lex)
        key = rec.sdk or normalise_name(rec.name, lex)
        if not key or key in lex.sdk_generic_names:
            continue
        if key in out:
            kept = out[key]
            kept.categories = sorted(set(kept.categories) | set(rec.categories))
            kept.provider = kept.provider or rec.provider
            kept.purpose = kept.purpose or rec.purpose
        else:
            out[key] = rec
    return sorted(out.values(), key=lambda r: r.position)
