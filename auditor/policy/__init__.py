"""Reading a Chinese privacy policy into Declarations: what it says is collected, not collected, or
collected only on the user's choice, for which business function, with or without separate
consent, and which third-party SDKs it lists.

The scope comparison (observed vs declared) is only as good as this reading, so every decision is
traceable: each Declaration carries its sentence and its character offset in `PolicyResult.text`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from auditor.model import Declaration, Party
from auditor.policy.extract import Extracted, extract, join_wrapped_lines, markdown_text, normalise, read_bytes
from auditor.policy.htmltext import heading_levels, html_text
from auditor.policy.lexicon import load_lexicon
from auditor.policy.sdk_list import sdk_records
from auditor.policy.segment import Sentence, in_section, sentences
from auditor.policy.statements import mentions
from auditor.ruleset import Ruleset, default_ruleset

__all__ = ["PolicyResult", "Sentence", "parse_policy_text", "read_policy"]

_STATUS_ORDER = {"declared": 0, "conditional": 1, "negated": 2}


@dataclass
class PolicyResult:
    declarations: list[Declaration]
    text: str
    sha256: str
    unreadable: str | None = None
    warnings: list[str] = field(default_factory=list)
    # Every sentence with its section path (headings outermost first), for readers of what the policy
    # says beyond PI categories (rights, complaint channels…); contents entries have kind "toc".
    sentences: list[Sentence] = field(default_factory=list)


def read_policy(path: Path, ruleset: Ruleset | None = None) -> PolicyResult:
    """Read a .txt/.html/.htm/.pdf policy (UTF-8 or GBK/GB18030).

    A missing file is an InputError; an empty or unreadable one is a result with `unreadable` set,
    because the audit goes on and reports the missing policy as a finding.
    """
    path = Path(path)
    data, size = read_bytes(path)
    digest = _sha256_file(path) if size > len(data) else hashlib.sha256(data).hexdigest()
    extracted = extract(data, size, path.suffix.lower())
    return _analyse(extracted, digest, ruleset)


def parse_policy_text(text: str, *, html: str | None = None, ruleset: Ruleset | None = None) -> PolicyResult:
    """Read a policy already in memory, e.g. bundled in an APK's assets.

    When `html` is given it is the source (its tables keep their rows) and `text` is used only if
    the HTML has no visible text; `sha256` is of the UTF-8 bytes of the source used.
    """
    source = text
    extracted = Extracted(normalise(join_wrapped_lines(markdown_text(text))))
    if html is not None:
        from_html, levels = heading_levels(normalise(html_text(html)))
        if from_html.strip():
            source, extracted = html, Extracted(from_html, heading_levels=levels)
    if not extracted.text.strip():
        extracted.unreadable = "the policy text is empty"
    return _analyse(extracted, hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest(), ruleset)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _analyse(ex: Extracted, digest: str, ruleset: Ruleset | None) -> PolicyResult:
    result = PolicyResult([], ex.text, digest, ex.unreadable, list(ex.warnings))
    if ex.unreadable:
        return result
    rs = ruleset or default_ruleset()
    lex = load_lexicon(ruleset)
    sents = sentences(ex.text, lex, ex.heading_levels)
    result.sentences = sents
    merged: dict[tuple[str, str], Declaration] = {}
    for m in mentions(sents, lex):
        key = (m.category, m.status)
        if key in merged:
            merged[key].separate_consent = merged[key].separate_consent or m.separate_consent
            continue
        merged[key] = Declaration(
            category=m.category,
            status=m.status,
            source="policy",
            text=m.sentence.text.strip(),
            separate_consent=m.separate_consent,
            function=m.function,
            position=m.sentence.start,
        )
    result.declarations = sorted(merged.values(), key=lambda d: (d.position or 0, _STATUS_ORDER[d.status]))
    records = sdk_records(ex.text, sents, lex, rs.sdks)
    sdk_headings = {s.heading for s in sents if s.heading and in_section(s, lex.sdk_section_words)}
    if sdk_headings and not records:
        result.warnings.append(
            f"a third-party SDK section ({', '.join(sorted(sdk_headings))}) was found but no SDK could be read from it"
        )
    for rec in records:
        result.declarations.append(
            Declaration(
                category=None,
                status="declared",
                source="policy",
                text=rec.text,
                party=Party("third", rec.name, rec.sdk),
                sdk=rec.sdk,
                sdk_name=rec.name,
                sdk_company=rec.provider,
                sdk_categories=rec.categories,
                function=rec.purpose,
                position=rec.position,
            )
        )
    if not result.declarations:
        result.warnings.append("no PI category and no third-party SDK recognised in the policy text")
    return result
