"""Reading the third-party SDK list (第三方SDK共享清单) of a policy and matching it to rules/sdks.yaml.

The list comes in three shapes: a table (HTML, or its plain-text rendering with tabs or bars), key-
value records (SDK名称：友盟+ 使用目的：统计 收集个人信息类型：…), and prose (我们接入了极光推送SDK…).
All three become SdkRecord; a name is matched to an SDK entry by alias, then by vendor, and an
unknown name is kept as written, because an SDK we do not know is still a disclosed third party.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from auditor.policy.lexicon import Lexicon, header_key
from auditor.policy.segment import Sentence, drop_numbering, in_section
from auditor.policy.statements import categories_in
from auditor.sdk_catalogue import Catalogue, Mention

_TITLE_MAX = 30
NAME_HEADER_MIN = 4
# A record key: a short label before a colon, at line start or after a separator.
_KEY = re.compile(r"(?:^|(?<=[\s；;，,。|｜]))(?P<key>[^\s：:，,。；;|｜]{2,14}?)\s*[：:]")
_TAB = re.compile(r"\t")
_BARS = re.compile(r"\s*[|｜]\s*")
# "1. 百度OCR SDK：北京百度网讯科技有限公司；用于…" in an SDK section: the name opens the line.
_LEADING_NAME = re.compile(r"^(?P<n>[^：:，,。；;（(]{2,24}?SDK)\s*[：:]", re.IGNORECASE)
_PAREN_COMPANY = re.compile(
    r"[（(](?P<p>(?:[^（()）]|[（(][^（()）]*[）)]){2,60}?(?:公司|集团|有限|Inc\.?|Ltd\.?|LLC))[）)]"
)
_PROSE_NEXT = re.compile(
    r"\s*(?:、|，|,|和|及|与|或|以及)\s*(?P<n>[^，,。、；;：:\s“”\"（）()][^，,。、；;：:“”\"（）()]{0,20}?)\s*SDK",
    re.IGNORECASE,
)
# A list item of an SDK section naming its maker: “华为HMS”：由“华为技术有限公司”提供，用于…
_ITEM = re.compile(r"^[“\"「]?(?P<n>[^“”\"「」：:，,。；;]{2,50}?)[”\"」]?\s*[：:]\s*(?P<rest>.+)$")
_PROVIDED_BY = re.compile(
    r"(?:由\s*)?[“\"「]?(?P<p>[^，,。；;：:“”\"「」、]{2,40}?(?:公司|集团|Inc\.?|Ltd\.?|LLC|Limited))[”\"」]?\s*"
    r"(?:提供|开发|运营)?(?=[，,。；;\s]|$)"
)
_FIELDS = ("provider", "purpose", "data", "link")
_HOST = re.compile(r"(?:https?://|(?<![\w.])(?=www\.))([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# What a name cell or title may carry besides the name: its maker (百度统计SDK,来源于百度 /
# 友盟+（友盟同欣（北京）科技有限公司）), list marks and quotes.
_NAME_FROM = re.compile(
    r"^(?P<n>.+?)\s*[,，、;；]\s*(?:来源于|来自于?|来源|由|提供方[:：]?|开发者[:：]?)\s*(?P<p>.+?)(?:提供|开发|运营)?$"
)
_COMPANY_END = r"(?:公司|集团|有限|Inc\.?|Ltd\.?|LLC|Limited|Corporation|Co\.)"
_NAME_PAREN_COMPANY = re.compile(rf"^(?P<n>.+?)\s*[（(](?P<p>(?:[^（()）]|[（(][^（()）]*[）)])+?{_COMPANY_END})[）)]$")
# 北京百度网讯科技有限公司的慧推SDK / 科大讯飞公司提供的语音导航SDK: the maker leads, then the name.
_ORG_END = r"(?:公司|集团|局|部|部门|研究所|研究院|中心|银行|大学|Inc\.?|Ltd\.?|LLC)"
_ORG_VALUE = re.compile(rf"[^，,。；;、]{{2,40}}?{_ORG_END}(?:[（(][^（）()]{{1,20}}[）)])?")
_PROVIDER_FIRST = re.compile(
    rf"^(?P<p>[^，,。；;：:]{{2,40}}?{_ORG_END})(?:提供|开发|推出|运营)?的?(?P<n>[^的]{{2,}})$"
    r"|^(?P<p2>[^，,。；;：:的]{2,12})(?:提供|开发|推出|运营)?的(?P<n2>[^的]{2,}SDK)$",
    re.IGNORECASE,
)
_NAME_MARKS = re.compile(r"^[\s•●■◆▪·○◇►▶➢Øø✓√*\-]+|[“”\"「」『』]")
_PROSE_UNKNOWN = re.compile(
    r"(?<![未不])(?<!没有)(?:接入|嵌入|集成|使用|引入|采用|通过|借助|利用|包括|包含|例如)了?(?:由[^，。；]{2,30}?提供的)?(?P<n>[^，。、；：\s“”\"][^，。、；：“”\"]{1,23}?)\s*SDK"
)


def name_and_provider(raw: str) -> tuple[str, str | None]:
    """A name as written in a cell or a title, and the company it names alongside, if any."""
    name = _NAME_MARKS.sub("", drop_numbering(raw.strip())).strip()
    for pattern in (_NAME_FROM, _NAME_PAREN_COMPANY, _PROVIDER_FIRST):
        m = pattern.match(name)
        if m:
            found = {k: v for k, v in m.groupdict().items() if v}
            return (found.get("n") or found["n2"]).strip(), (found.get("p") or found["p2"]).strip(' “”"')
    return name, None


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
    link: str | None = None  # its site or privacy-policy link, as written


def normalise_name(name: str, lex: Lexicon) -> str:
    n = name.strip(" ：:·-—*")
    n = re.sub(r"\s+", "", n)
    for noise in lex.sdk_name_noise:
        n = n.replace(re.sub(r"\s+", "", noise), "")
    n = re.sub(r"[（(][^（()）]*[）)]$", "", n)
    return n.casefold()


class SdkMatcher:
    """Name / alias / brand / vendor lookup over rules/sdks.yaml, through the shared SDK catalogue
    (auditor/sdk_catalogue.py), with the lexicon's noise words dropped from names."""

    def __init__(self, sdks: dict[str, dict[str, Any]], lex: Lexicon) -> None:
        self.lex = lex
        self.index = Catalogue.of(sdks).names(lex.sdk_name_noise)

    def match_all(self, name: str, provider: str | None = None, purpose: str | None = None) -> list[str]:
        """Every SDK a record names (分享SDK（微博、QQ、微信） names three); its company column decides
        only when the name says nothing, or names a brand that company alone makes (快手 + 北京快手广告)."""
        key = normalise_name(name, self.lex)
        ids = self.index.match(name, None, purpose or "") if key else []
        if ids or not provider:
            return ids
        generic = not key or key in self.lex.sdk_generic_function_names
        return self.index.match("" if generic else name, provider, f"{name} {purpose or ''}")

    def match(self, name: str, provider: str | None = None, purpose: str | None = None) -> str | None:
        ids = self.match_all(name, provider, purpose)
        return ids[0] if ids else None

    def mentions(self, text: str) -> list[Mention]:
        return self.index.mentions(text)


def _header_field(cell: str, lex: Lexicon) -> str | None:
    """What a header cell or record key names: itself a lexicon header word, else the header word it
    ends with, as Chinese compounds name their head last (收集个人信息用途/目的 -> purpose,
    个人信息收集范围 -> data, 所属公司名称 -> provider); the longest of those ending together."""
    key = header_key(cell)
    if key in lex.sdk_headers:
        return lex.sdk_headers[key]
    core = re.sub(r"[（(][^（）()]*[）)]$", "", key)  # SDK名称(Android)
    # A name column must say so at length (SDK名称(Android)); a bare 名称/SDK inside a longer label
    # is a permission table's 权限名称 or an SDK's own name (个推推送SDK：…).
    found = [
        (core.rfind(h) + len(h), len(h), h)
        for h, f in lex.sdk_headers.items()
        if h in core and len(h) >= (NAME_HEADER_MIN if f == "name" else 2)
    ]
    return lex.sdk_headers[max(found)[2]] if found else None


def _clean(value: str) -> str:
    return value.strip(" \t；;，,。")


def _split_row(line: str, sep: re.Pattern[str]) -> list[str]:
    """The cells of a row, an empty first cell kept (a tab row is not stripped of its tabs, a bar
    row loses only its outer bars), so columns stay where the header put them."""
    if sep is _TAB:
        return [c.strip() for c in line.strip(" \r").split("\t")]
    return [c.strip() for c in sep.split(re.sub(r"^\s*[|｜]|[|｜]\s*$", "", line))]


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
            name_col = col["name"][0]
            values = {f: "；".join(rc[k] for k in col.get(f, []) if k < len(rc) and rc[k]) or None for f in _FIELDS}
            if len(rc) > name_col and rc[name_col]:
                name, provider = name_and_provider(rc[name_col])
                rec = SdkRecord(name, rpos, row.strip(), **values)
                rec.provider = rec.provider or provider
                out.append(rec)
            elif out and out[-1].position >= lines[i][0] and any(values.values()):
                # A row without a name carries on the one above (a merged cell flattened to text).
                prev = out[-1]
                for f, v in values.items():
                    if v:
                        setattr(prev, f, "；".join(x for x in (getattr(prev, f), v) if x))
                prev.text += "\n" + row.strip()
        i = j
    return out


def _columns(cells: list[str], fields: list[str | None]) -> dict[str, list[int]]:
    """Columns of each field; several data or purpose columns (个人信息类型 + 个人信息字段) are read
    together. With two name-like columns (SDK名称 and 第三方名称) the one saying SDK names the SDK
    and the other, if no provider column exists, names its provider."""
    col: dict[str, list[int]] = {}
    for i, f in enumerate(fields):
        if f and f != "ignore":
            col.setdefault(f, []).append(i)
    names = col["name"]
    sdk_named = [i for i in names if "sdk" in cells[i].casefold() or "插件" in cells[i]]
    col["name"] = [(sdk_named or names)[0]]
    others = [i for i in names if i != col["name"][0]]
    if others and "provider" not in col:
        col["provider"] = others[:1]
    return col


def _kv_records(
    lines: list[tuple[int, str]], lex: Lexicon, used: set[int], sdk_lines: set[int], matcher: SdkMatcher
) -> list[SdkRecord]:
    """Records written as 'key：value' lines: opened by a name key (SDK名称：…), by the name leading a
    line of keys (华为推送，第三方主体：…), or by a title line followed by key lines (支付宝SDK /
    所属公司名称：…); the last two only where the title reads as an SDK's name: in an SDK section,
    or saying SDK, or a known SDK's alias."""
    out: list[SdkRecord] = []
    current: SdkRecord | None = None
    last_field: str | None = None  # the field the current record's last key line ended with
    keys_of = [_keys(drop_numbering(line), lex) for _, line in lines]
    next_keys: list[list[tuple[re.Match[str] | None, str | None]]] = [[] for _ in range(len(lines) + 1)]
    for i in range(len(lines) - 1, -1, -1):  # the keys of the next non-empty line after each line
        nonempty = i + 1 < len(lines) and lines[i + 1][1].strip()
        next_keys[i] = keys_of[i + 1] if nonempty else next_keys[i + 1]
    for i, (pos, line) in enumerate(lines):
        if not line.strip():
            continue
        if i in used:
            current = None
            continue
        body = drop_numbering(line)
        keys = keys_of[i]
        in_sdk = i in sdk_lines

        def sdk_like(name: str, in_sdk: bool = in_sdk, i: int = i) -> bool:
            """Does a title name an SDK: in an SDK section, saying SDK, followed by a maker's key line
            (运营方：… names a third party, which a permission or a feature never has), or known to
            the catalogue with what its key lines say (腾讯开放平台 + 分享内容到微信)."""
            clean = name_and_provider(name)[0]
            after = [ln for _, ln in lines[i + 1 : i + 8] if ln.strip()][:4]
            makers = any(_names_a_company(ln, lex) for ln in after[:3])
            return (
                in_sdk or "sdk" in clean.casefold() or makers or matcher.match(clean, None, " ".join(after)) is not None
            )

        if not keys:
            title = body.rstrip("：:")
            nfields = {f for _, f in next_keys[i]}
            opens = nfields & {"provider", "purpose", "data"} and "name" not in nfields
            if opens and _is_title(title, lex) and sdk_like(title):
                name, provider = name_and_provider(title)
                current = SdkRecord(name, pos, line.strip(), provider=provider)
                out.append(current)
                used.add(i)
            elif current is not None and last_field and i - 1 in used:
                # The rest of a value wrapped onto its own line (…、WLAN\n信息、设备标识符).
                setattr(current, last_field, (getattr(current, last_field) or "") + line.strip())
                current.text += "\n" + line.strip()
                used.add(i)
            else:
                current = None
            continue
        first = keys[0][0]
        prefix = _clean(body[: first.start()]) if first else ""
        if prefix:
            fields = {f for _, f in keys}
            if "name" in fields or not fields & {"provider", "purpose", "data"}:
                current = None
                continue
            if not _is_title(prefix, lex) or not sdk_like(prefix):
                current = None
                continue
            keys.insert(0, (None, "name"))  # "华为推送（HMS Core Push Kit），第三方主体：…"
        values: dict[str, str] = {}
        for k, (m, f) in enumerate(keys):
            nxt = keys[k + 1][0] if k + 1 < len(keys) else None
            end = nxt.start() if nxt else len(body)
            if f and f not in values:
                values[f] = _clean(body[m.end() if m else 0 : end])
        named_key = next((m.group("key") for m, f in keys if f == "name" and m), "")
        if values.get("name") and (in_sdk or "sdk" in named_key.casefold() or prefix):
            name, provider = name_and_provider(values["name"])
            current = SdkRecord(name, pos, line.strip(), provider=provider)
            out.append(current)
        elif current is None:
            continue
        else:
            current.text += "\n" + line.strip()
        for f in _FIELDS:
            if values.get(f) and getattr(current, f) is None:
                setattr(current, f, values[f])
        last_field = keys[-1][1] if keys[-1][1] in ("provider", "purpose", "data") else None
        if last_field and not values.get(last_field) and getattr(current, last_field) is None:
            setattr(current, last_field, "")  # "收集个人信息：" with the value on the next line
        used.add(i)
    return out


def _names_a_company(line: str, lex: Lexicon) -> bool:
    """Is this a maker's key line whose value is a company (运营方：北京某某科技有限公司)?"""
    body = drop_numbering(line.strip())
    keys = _keys(body, lex)
    for k, (m, f) in enumerate(keys):
        if f == "provider" and m is not None:
            end = keys[k + 1][0].start() if k + 1 < len(keys) and keys[k + 1][0] else len(body)
            if _ORG_VALUE.fullmatch(_clean(body[m.end() : end])):
                return True
    return False


def _item_records(lines: list[tuple[int, str]], lex: Lexicon, used: set[int], sdk_lines: set[int]) -> list[SdkRecord]:
    """List items of an SDK section that open with a name and its maker (“华为HMS”：由华为技术有限公司
    提供，用于消息推送), whether or not the name says SDK."""
    out = []
    for i, (pos, line) in enumerate(lines):
        if i in used or i not in sdk_lines or not line.strip():
            continue
        m = _ITEM.match(drop_numbering(line.strip()))
        if not m or _header_field(m.group("n"), lex) is not None:
            continue
        name, maker = name_and_provider(m.group("n"))  # 高德定位SDK（高德软件有限公司）：用于…
        p = None if maker else _PROVIDED_BY.match(m.group("rest"))  # “华为HMS”：由华为技术有限公司提供
        if not (maker or p) or not _is_title(name, lex) or not plausible_name(name, lex):
            continue
        rest = _clean(m.group("rest")[p.end() if p else 0 :])
        out.append(SdkRecord(name, pos, line.strip(), provider=maker or p.group("p"), purpose=rest or None, data=rest))
        used.add(i)
    return out


def _keys(body: str, lex: Lexicon) -> list[tuple[re.Match[str] | None, str | None]]:
    return [(m, _header_field(m.group("key"), lex)) for m in _KEY.finditer(body)]


def _is_title(text: str, lex: Lexicon) -> bool:
    """Could this short text be an SDK's name, rather than a sentence introducing the list or the
    tail of a wrapped line (ID）；…, with an unbalanced bracket)?"""
    balanced = text.count("（") + text.count("(") == text.count("）") + text.count(")")
    return 2 <= len(text) <= _TITLE_MAX and balanced and not any(w in text for w in lex.sdk_intro_words)


def plausible_name(name: str, lex: Lexicon) -> bool:
    """Could this be an unknown SDK's name, rather than words that only precede 'SDK' in a sentence
    (授权合作伙伴的软件工具开发包（SDK, 我们使用到的SDK, 相关第三方SDK)?"""
    key = normalise_name(name, lex)
    balanced = all(name.count(a) == name.count(b) for a, b in ("（）", "()", "【】", "[]", "「」", "《》"))
    return (
        bool(key)
        and balanced
        and key not in lex.sdk_generic_names
        and not any(g and key.startswith(g) for g in lex.sdk_generic_names)
        and not key.startswith(lex.sdk_name_particles)
        and not key.endswith(lex.sdk_name_particles)  # Zxing的SDK: what precedes SDK is not a name
        and not re.fullmatch(r"[【\[「《].*[】\]」》]", name.strip())  # 【电商服务】: a group's label
        and not any(w in key for w in lex.sdk_not_name_words)
    )


def _prose_records(sentences: list[Sentence], lex: Lexicon, matcher: SdkMatcher, used: set[int]) -> list[SdkRecord]:
    out: list[SdkRecord] = []
    for start, text, in_sdk in _prose_units(sentences, lex, used):
        if not in_sdk and not any(w in text for w in lex.sdk_context_words):
            continue
        spans: list[tuple[int, int]] = []
        lead = _LEADING_NAME.match(drop_numbering(text))
        if in_sdk and lead and _is_title(lead.group("n"), lex):
            a = len(text) - len(drop_numbering(text)) + lead.start("n")
            spans.append((a, a + len(lead.group("n"))))
        named: dict[tuple[int, int], str] = {}
        for m in matcher.mentions(text):
            said_sdk = text[m.start : m.end].casefold().endswith("sdk")
            tail = None if said_sdk else re.match(r"[\w+]{0,8}?\s*SDK", text[m.end :])
            span = (m.start, m.end + (tail.end() if tail else 0))
            if not any(x < span[1] and span[0] < y for x, y in spans):
                spans.append(span)
                named[span] = m.sdk
        for m in _PROSE_UNKNOWN.finditer(text):
            a, b = m.start("n"), m.end()
            if any(x < b and a < y for x, y in spans) or not plausible_name(m.group("n"), lex):
                continue
            spans.append((a, b))
        spans += _enumerated(text, spans, lex)
        spans.sort()
        # Each SDK gets what the text says after its name up to the next SDK's name (not the name:
        # a 人脸检测SDK that "collects no PI" collects no face).
        for k, (a, b) in enumerate(spans):
            end = spans[k + 1][0] if k + 1 < len(spans) else len(text)
            out.append(_prose_record(text, text[a:b], start + a, text[b:end], named.get((a, b))))
    return out


def _enumerated(text: str, spans: list[tuple[int, int]], lex: Lexicon) -> list[tuple[int, int]]:
    """Unknown names listed after a found one (通过Firebase SDK、友盟SDK、Bugly SDK收集): each item of
    the enumeration that also ends in SDK."""
    found: list[tuple[int, int]] = []
    taken = list(spans)
    for _, end in sorted(spans):
        while (m := _PROSE_NEXT.match(text, end)) is not None:
            a, b = m.start("n"), m.end()
            end = b
            if any(x < b and a < y for x, y in taken):
                continue
            if plausible_name(m.group("n"), lex):
                found.append((a, b))
                taken.append((a, b))
    return found


def _prose_units(sentences: list[Sentence], lex: Lexicon, used: set[int]) -> list[tuple[int, str, bool]]:
    """(offset, text, in an SDK section) to read for prose mentions: a sentence, or in an SDK section
    the whole line, since a list item's purpose and data follow its 'Name：vendor；' opening."""
    units: list[tuple[int, str, bool]] = []
    last_line = -1
    for s in sentences:
        if s.line in used or s.skip:
            continue
        in_sdk = in_section(s, lex.sdk_section_words)
        if in_sdk and s.line == last_line and units and units[-1][2]:
            start, text, _ = units[-1]
            units[-1] = (start, text + " " * (s.start - start - len(text)) + s.text, True)
            continue
        units.append((s.start, s.text, in_sdk))
        last_line = s.line
    return units


def _prose_record(text: str, name: str, position: int, said: str, sdk: str | None) -> SdkRecord:
    rec = SdkRecord(name.strip(), position, text.strip(), data=said, sdk=sdk)
    m = _PAREN_COMPANY.match(said.lstrip())
    if m:
        rec.provider = m.group("p")
    return rec


def linked_sdk(link: str | None, catalogue: Catalogue) -> list[str]:
    """The SDK whose own domain a record's site or policy link is on (腾讯开放平台 with
    open.weixin.qq.com), for a name the catalogue does not know."""
    for host in _HOST.findall(link or ""):
        sid = catalogue.by_domain(host.lower())
        if sid:
            return [sid]
    return []


def sdk_section_lines(sentences: list[Sentence], lex: Lexicon) -> set[int]:
    """Lines of the policy that list SDKs: under a heading that says so (第三方SDK目录), or after a
    line that introduces them (以下为…接入第三方 SDK 目录：) for as long as its section lasts."""
    out = {s.line for s in sentences if in_section(s, lex.sdk_section_words)}
    intro: tuple[str, ...] | None = None
    for s in sentences:
        if intro is not None and s.path[: len(intro)] == intro and s.kind != "toc":
            out.add(s.line)
            continue
        intro = None
        text = s.text.rstrip()
        if text.endswith(("：", ":")) and any(w in text for w in lex.sdk_intro_words) and "sdk" in text.casefold():
            intro = s.path
    return out


def sdk_records(text: str, sentences: list[Sentence], lex: Lexicon, sdks: dict[str, dict[str, Any]]) -> list[SdkRecord]:
    """Every SDK the policy lists, deduplicated by SDK id (or by name when unknown)."""
    lines: list[tuple[int, str]] = []
    offset = 0
    for line in text.split("\n"):
        lines.append((offset, line))
        offset += len(line) + 1
    used: set[int] = set()
    sdk_lines = sdk_section_lines(sentences, lex)
    matcher = SdkMatcher(sdks, lex)
    catalogue = Catalogue.of(sdks)
    records = _table_records(lines, lex, used) + _kv_records(lines, lex, used, sdk_lines, matcher)
    records += _item_records(lines, lex, used, sdk_lines)
    records += _prose_records(sentences, lex, matcher, used)
    out: dict[str, SdkRecord] = {}
    for found in records:
        found.name, maker = name_and_provider(found.name)
        found.provider = found.provider or maker
        # The record's own text is the context a bare brand resolves in (华为SDK … 推送).
        context = f"{found.purpose or ''} {found.text}"
        ids = [found.sdk] if found.sdk else matcher.match_all(found.name, found.provider, context)
        ids = ids or linked_sdk(found.link, catalogue)
        for rec in [replace(found, sdk=sid) for sid in ids] or [found]:
            _keep(rec, lex, out)
    return sorted(out.values(), key=lambda r: r.position)


def _keep(rec: SdkRecord, lex: Lexicon, out: dict[str, SdkRecord]) -> None:
    """Add a record to `out`, merged with an earlier one of the same SDK (or the same unknown name)."""
    rec.name = rec.name.strip(" ：:")
    rec.categories = categories_in(rec.data if rec.data is not None else "", lex)
    key = rec.sdk or normalise_name(rec.name, lex)
    if not key or (rec.sdk is None and not plausible_name(rec.name, lex)):
        return
    if key in out:
        kept = out[key]
        kept.categories = sorted(set(kept.categories) | set(rec.categories))
        kept.provider = kept.provider or rec.provider
        kept.purpose = kept.purpose or rec.purpose
    else:
        out[key] = rec
