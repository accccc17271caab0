"""How readable a policy is, as measures a person can weigh (认定方法 一.4 language, 二.4 length).

二.4 (晦涩难懂、冗长繁琐) is a judgement: the audit shows the length, the sentence lengths and the
technical terms, and asks a person only when a measure is past the thresholds of rules/rules.yaml
(``policy_obscure``). 一.4's language half is clear-cut: a policy with no Simplified Chinese text (only
Traditional characters, or none) breaches it; hanzidentifier tells the two scripts apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from statistics import mean

import hanzidentifier

from auditor.checklist.facts import Evidence, ItemFact
from auditor.checklist.policy_items import load_patterns
from auditor.policy.segment import Sentence
from auditor.ruleset import Ruleset

_HAN = re.compile(r"[\u4e00-\u9fff]")
#: Chinese characters a reader takes in per minute (a lay reader of dense legal text)
READING_CHARS_PER_MINUTE = 400
#: below this many Han characters a text is not judged for its script
MIN_HAN = 20


def script_counts(text: str) -> tuple[int, int, int]:
    """(Han characters, Simplified-only ones, Traditional-only ones)."""
    han = simplified = traditional = 0
    for ch in _HAN.findall(text):
        han += 1
        if hanzidentifier.is_simplified(ch) and not hanzidentifier.is_traditional(ch):
            simplified += 1
        elif hanzidentifier.is_traditional(ch) and not hanzidentifier.is_simplified(ch):
            traditional += 1
    return han, simplified, traditional


def language(text: str) -> ItemFact:
    """一.4's language half: is there Simplified Chinese text?"""
    han, simp, trad = script_counts(text)
    measures = {"han_chars": han, "simplified_only": simp, "traditional_only": trad}
    sample = next((line.strip()[:80] for line in text.splitlines() if len(_HAN.findall(line)) >= 8), "")
    evidence = [Evidence("sentence", sample, {})] if sample else []
    if han < MIN_HAN:
        return ItemFact("rdff-1-4", "violation", "隐私政策几乎没有中文文本，未提供简体中文版",
                        "The policy has almost no Chinese text: no Simplified Chinese version", evidence, measures)
    if trad > 0 and simp * 4 < trad:
        return ItemFact("rdff-1-4", "violation", "隐私政策以繁体中文书写，未提供简体中文版",
                        "The policy is written in Traditional Chinese: no Simplified Chinese version", evidence,
                        measures)
    return ItemFact("rdff-1-4", "compliant", "隐私政策以简体中文书写", "The policy is written in Simplified Chinese",
                    evidence, measures)


def obscurity(sentences: Sequence[Sentence], text: str, ruleset: Ruleset) -> ItemFact:
    """二.4's measures; ``review`` when one is past its threshold, else ``unclear`` (a person decides)."""
    params = ruleset.rule("policy_obscure").get("params", {})
    long_at = int(params.get("long_sentence_chars", 100))
    body = [s for s in sentences if s.kind in ("text", "row")]
    lengths = [len(s.text) for s in body] or [0]
    terms = load_patterns(ruleset).technical_terms
    found = sorted({m.group(0) for s in body for m in terms.finditer(s.text)})
    chars = len(re.sub(r"\s", "", text))
    longest = sorted(body, key=lambda s: -len(s.text))[:2]
    measures = {
        "chars": chars,
        "reading_minutes": round(chars / READING_CHARS_PER_MINUTE, 1),
        "sentences": len(body),
        "mean_sentence_chars": round(mean(lengths), 1),
        "long_sentence_share": round(sum(n > long_at for n in lengths) / max(len(body), 1), 3),
        "technical_terms": len(found),
        "technical_terms_found": found[:20],
    }
    over = []
    if chars > int(params.get("max_chars", 30000)):
        over.append(("全文过长", "very long"))
    if measures["mean_sentence_chars"] > float(params.get("max_mean_sentence_chars", 60)):
        over.append(("句子平均过长", "long sentences on average"))
    if measures["long_sentence_share"] > float(params.get("max_long_sentence_share", 0.25)):
        over.append((f"超过{long_at}字的长句比例高", f"many sentences over {long_at} characters"))
    shown = (f"{chars} chars (~{measures['reading_minutes']} min); {len(body)} sentences, mean "
             f"{measures['mean_sentence_chars']}; >{long_at}: {measures['long_sentence_share']:.0%}; "
             f"terms: {len(found)}")
    evidence = [Evidence("measure", shown, measures)]
    evidence += [Evidence("sentence", s.text[:160], {"line": s.line + 1, "section": " > ".join(s.path)})
                 for s in longest]
    if over:
        why = "、".join(z for z, _ in over)
        return ItemFact("rdff-2-4", "review", f"隐私政策可能晦涩冗长（{why}），需人工判断",
                        "The policy may be obscure or lengthy (" + ", ".join(e for _, e in over) + "); a person must "
                        "judge", evidence, measures)
    return ItemFact("rdff-2-4", "unclear", "篇幅与句长在常见范围内；是否易懂需人工判断",
                    "Length and sentence lengths are in the usual range; whether it is understandable needs a person",
                    evidence, measures)
