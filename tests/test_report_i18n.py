"""The report's catalogues: every message a template asks for exists in every language, and a
broken catalogue is a load error naming the file, not a blank cell in a filed report."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import get_args

import pytest
import yaml

from auditor.errors import RulesError
from auditor.model import SEVERITY_ORDER, DeclStatus, Source
from auditor.report.html import TEMPLATES, environment
from auditor.report.i18n import I18N_DIR, LANGS, catalogue


def template_keys() -> set[str]:
    env = environment("zh")
    keys: set[str] = set()
    for path in TEMPLATES.glob("*.j2"):
        for _lineno, _func, message in env.extract_translations(path.read_text(encoding="utf-8")):
            if isinstance(message, str):
                keys.add(message)
            elif message is not None:  # None: a computed key such as 'severity.' ~ sev (checked below)
                keys.update(m for m in message if m)
    return keys


def test_templates_use_only_known_keys_in_every_language() -> None:
    keys = template_keys()
    assert len(keys) > 60  # the extraction really found the templates' messages
    for lang in LANGS:
        missing = keys - set(catalogue(lang).messages)
        assert not missing, (lang, sorted(missing))


def test_computed_keys_cover_the_models_vocabularies() -> None:
    keys = (
        [f"severity.{s}" for s in SEVERITY_ORDER]
        + [f"source.{s}" for s in get_args(Source)]
        + [f"declared.{s}" for s in (*get_args(DeclStatus), "none")]
        + [f"flag.{f}" for f in ("undeclared", "contradicts", "beyond")]
    )
    for lang in LANGS:
        assert not [k for k in keys if k not in catalogue(lang).messages], lang


def test_catalogues_differ_where_they_should() -> None:
    zh, en = catalogue("zh"), catalogue("en")
    assert zh.gettext("findings.title") == "问题清单"
    assert en.gettext("findings.title") == "Findings"
    assert en.ngettext("finding.evidence", "finding.evidence", 1) != en.ngettext(
        "finding.evidence", "finding.evidence", 2)


def _copy_catalogues(tmp_path: Path) -> Path:
    shutil.copytree(I18N_DIR, tmp_path / "i18n")
    return tmp_path / "i18n"


def test_missing_translation_is_a_load_error_naming_file_and_key(tmp_path: Path) -> None:
    d = _copy_catalogues(tmp_path)
    data = yaml.safe_load((d / "en.yaml").read_text(encoding="utf-8"))
    del data["messages"]["timeline.consent"]
    (d / "en.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError) as e:
        catalogue("en", d)
    assert "en.yaml" in str(e.value) and "timeline.consent" in str(e.value)


def test_malformed_message_is_a_schema_error_naming_the_entry(tmp_path: Path) -> None:
    d = _copy_catalogues(tmp_path)
    data = yaml.safe_load((d / "zh.yaml").read_text(encoding="utf-8"))
    data["messages"]["finding.evidence"] = {"one": "证据"}  # plural without 'other'
    (d / "zh.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError) as e:
        catalogue("zh", d)
    assert "zh.yaml" in str(e.value) and "finding.evidence" in str(e.value)


def test_unknown_key_at_render_time_raises() -> None:
    with pytest.raises(KeyError, match="no message 'nope'"):
        catalogue("zh").gettext("nope")
