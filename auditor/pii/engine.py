"""The presidio layer: a Chinese `AnalyzerEngine` for the entities that need words, not shapes.

Names and street addresses have no checksum; what makes them PI is the words around them
(收货人, 联系人, 家住) and the segmenter's knowledge that 张家界 is a place and 张伟 a person. Presidio
brings the context-word machinery; spaCy with the jieba segmenter brings the words. Both load offline:
`spacy.blank("zh")` with jieba needs no model download, and a blank pipeline gets a one-line
component that sets `lemma_` to the token text, without which presidio's context words never match.
Presidio's predefined recognizers (and their tldextract download) are never loaded here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

import jieba
import spacy
from presidio_analyzer import (
    AnalysisExplanation,
    AnalyzerEngine,
    EntityRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from spacy.language import Language
from spacy.tokens import Doc

from auditor.pii import jieba_tables
from auditor.pii.data import RecognizerData
from auditor.pii.hit import CONTEXT_BOOST, REPORT_THRESHOLD

LANGUAGE = "zh"
_LEMMA_COMPONENT = "pi_auditor_lemma_is_text"
_NAME_TAGS = {"nr", "nrfg", "nrt"}
# Single-character words jieba's HMM glues onto an unknown name (请丁娜, 由王芳): preposition, verb,
# conjunction, adverb, pronoun, particle.
_GLUE_TAGS = {"p", "v", "c", "d", "r", "u", "uj"}
# A token with one of these tags is not the given name after a surname (于 + 明天 is not a name).
# Verbs are allowed: jieba tags many single given-name characters (涵, 博) as verbs.
_FUNCTION_TAGS = {"p", "c", "d", "r", "u", "uj", "t", "m", "q", "f", "y", "e", "o", "x", "zg", "ul", "uz", "ud",
                  "ug", "uv"}
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SEPARATORS = frozenset(" \t:：，,、")

jieba.setLogLevel(logging.WARNING)


@Language.component(_LEMMA_COMPONENT)
def _lemma_is_text(doc: Doc) -> Doc:
    for token in doc:
        token.lemma_ = token.text
    return doc


def blank_zh(context_words: Iterable[str] = ()) -> Language:
    """spaCy Chinese with jieba segmentation and lemmas; no model files, no network.

    Presidio matches a context word inside one token, so jieba must not split 乘车人 into 乘车 + 人:
    context words go into a private copy of jieba's dictionary (other modules keep the global
    segmenter as it is), and they must not count as stop words (spaCy's zh list has 本人, 先生),
    which presidio drops from the context window.
    """
    nlp = spacy.blank(LANGUAGE, config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    nlp.add_pipe(_LEMMA_COMPONENT)
    words = [w for w in context_words if _CJK.search(w)]
    nlp.tokenizer.jieba_seg = _private_segmenter(words)
    for w in words:
        nlp.vocab[w].is_stop = False
    return nlp


def _private_segmenter(words: list[str]) -> jieba.Tokenizer:
    # Sharing the already-loaded frequency table avoids a second dictionary load
    # (attributes of jieba 0.42.1, pinned in pyproject.toml).
    jieba.dt.check_initialized()
    seg = jieba.Tokenizer()
    seg.FREQ, seg.total, seg.initialized = dict(jieba.dt.FREQ), jieba.dt.total, True
    for w in words:
        seg.add_word(w)
    return seg


class PreloadedSpacyEngine(SpacyNlpEngine):
    """A presidio NLP engine around an already-built pipeline (presidio would otherwise spacy.load a name)."""

    def __init__(self, nlp: Language, lang_code: str) -> None:
        super().__init__(models=[{"lang_code": lang_code, "model_name": f"blank-{lang_code}"}])
        self._preloaded = {lang_code: nlp}

    def load(self) -> None:
        self.nlp = dict(self._preloaded)


class PersonNameRecognizer(EntityRecognizer):
    """Segmented words that start with a lexicon surname and that jieba's dictionary does not call something else.

    jieba splits and glues unknown names in several ways, so four shapes are candidates: a whole
    token (张伟), a surname token plus the next token (欧阳 + 雪, 董子 + 涵), an unknown token with a
    function word glued in front (请丁娜), and the characters right after a context word (车主张建国).
    Scores stay below the report threshold without a context word.
    """

    def __init__(self, data: RecognizerData, known: Callable[[str], bool], tags: dict[str, str]) -> None:
        self._names = data.names
        self._tags = tags  # jieba's part of speech per dictionary word
        self._known = known
        # Forms of address (先生, 女士) follow a name; every other context word precedes one.
        context = [w for w in data.entities["PERSON_NAME"].context
                   if _CJK.search(w) and w not in data.names.not_given]
        self._context_rx = re.compile("|".join(re.escape(w) for w in sorted(context, key=len, reverse=True)))
        super().__init__(supported_entities=["PERSON_NAME"], supported_language=LANGUAGE,
                         context=list(data.entities["PERSON_NAME"].context))

    def load(self) -> None:
        """Lexicons are loaded in __init__."""

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if nlp_artifacts is None or nlp_artifacts.tokens is None:
            return []
        doc = nlp_artifacts.tokens
        results = []
        for i, tok in enumerate(doc):
            found = self._candidate(tok.text, doc[i + 1].text if i + 1 < len(doc) else "")
            if found:
                lead, length, score = found
                results.append(_result(self, "PERSON_NAME", tok.idx + lead, tok.idx + lead + length, score))
        ends = {t.idx + len(t.text) for t in doc}
        for start, end, word in self._after_context(text, ends):
            # The context word is adjacent by construction, and presidio cannot see it when the
            # name starts inside a token, so the boost is applied here and marked as applied.
            r = _result(self, "PERSON_NAME", start, end, 0.4 + CONTEXT_BOOST)
            r.recognition_metadata[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
            r.analysis_explanation.set_supportive_context_word(word)
            results.append(r)
        return results

    def _after_context(self, text: str, token_ends: set[int]) -> list[tuple[int, int, str]]:
        """Names right after a context word, read by characters: jieba cuts 车主张建国 as 车/主张/建国.

        Of the two- to four-character readings, the longest that ends where a token ends wins.
        """
        spans = []
        for m in self._context_rx.finditer(text):
            start = m.end()
            while start < len(text) and text[start] in _SEPARATORS:
                start += 1
            for length in (4, 3, 2):
                end = start + length
                if end <= len(text) and end in token_ends and self._is_name_word(text[start:end]):
                    spans.append((start, end, m.group()))
                    break
        return spans

    def _is_name_word(self, word: str) -> bool:
        return self._names.is_name(word) and (not self._known(word) or self._tags.get(word) in _NAME_TAGS)

    def _candidate(self, word: str, next_word: str) -> tuple[int, int, float] | None:
        """(offset in token, length, score) of a name starting in this token, if any."""
        if self._is_name_word(word):
            return 0, len(word), 0.45 if self._tags.get(word) in _NAME_TAGS else 0.4
        if (len(word) >= 3 and not self._known(word) and self._tags.get(word[0]) in _GLUE_TAGS
                and self._names.is_name(word[1:])):
            return 1, len(word) - 1, 0.4
        n = self._names.surname_length(word)
        joined = word + next_word
        if (n and len(word) - n <= 1 and 0 < len(next_word) <= 2 and self._tags.get(next_word) not in _FUNCTION_TAGS
                and self._is_name_word(joined)):
            return 0, len(joined), 0.35
        return None


class AddressRecognizer(EntityRecognizer):
    """Street addresses from the grammar in recognizers/address.yaml; an admin prefix raises confidence."""

    def __init__(self, data: RecognizerData) -> None:
        self._grammar = data.address
        super().__init__(supported_entities=["ADDRESS"], supported_language=LANGUAGE,
                         context=list(data.entities["ADDRESS"].context))

    def load(self) -> None:
        """The grammar is compiled in __init__."""

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        results = []
        for start, end in self._grammar.find(text):
            span = text[start:end]
            full = bool(self._grammar.provinces.search(span) or self._grammar.admin_unit.search(span))
            results.append(_result(self, "ADDRESS", start, end, 0.6 if full else 0.45))
        return results


def _result(recognizer: EntityRecognizer, entity: str, start: int, end: int, score: float) -> RecognizerResult:
    """A result carrying the metadata presidio's context enhancer needs to find its recognizer."""
    return RecognizerResult(
        entity, start, end, score,
        analysis_explanation=AnalysisExplanation(recognizer=recognizer.name, original_score=score),
        recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
                              RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id},
    )


def build_analyzer(data: RecognizerData) -> AnalyzerEngine:
    tables = jieba_tables.load()
    if not jieba.dt.initialized:  # what jieba would load itself, read faster (see jieba_tables)
        jieba.dt.FREQ, jieba.dt.total, jieba.dt.initialized = tables.freq, tables.total, True
    context = [w for e in ("PERSON_NAME", "ADDRESS") for w in data.entities[e].context]
    nlp = blank_zh(context)
    freq = nlp.tokenizer.jieba_seg.FREQ
    registry = RecognizerRegistry(
        recognizers=[PersonNameRecognizer(data, known=lambda w: freq.get(w, 0) > 0, tags=tables.tags),
                     AddressRecognizer(data)],
        supported_languages=[LANGUAGE],
    )
    enhancer = LemmaContextAwareEnhancer(
        context_similarity_factor=CONTEXT_BOOST, min_score_with_context_similarity=REPORT_THRESHOLD,
        context_prefix_count=3, context_suffix_count=2,
    )
    return AnalyzerEngine(registry=registry, nlp_engine=PreloadedSpacyEngine(nlp, LANGUAGE),
                          supported_languages=[LANGUAGE], context_aware_enhancer=enhancer,
                          default_score_threshold=REPORT_THRESHOLD)


def analyze(analyzer: AnalyzerEngine, text: str) -> list[tuple[str, int, int, float, bool]]:
    """(entity, start, end, score, context-supported) for names and addresses in ``text``."""
    out = []
    for r in analyzer.analyze(text=text, language=LANGUAGE, return_decision_process=True):
        expl: Any = r.analysis_explanation
        out.append((r.entity_type, r.start, r.end, r.score, bool(expl and expl.supportive_context_word)))
    return out
