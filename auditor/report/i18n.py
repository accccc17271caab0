"""The report's message catalogues (reports/i18n/<lang>.yaml), validated at load.

Every word the templates print comes from a catalogue, never from a template conditional, so a
translator edits one data file and a missing or misspelt key is an error at load time (catalogues
must carry the same keys) or at render time (an unknown key raises), not a silently blank cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from auditor.errors import RulesError
from auditor.resources import installed_dir
from auditor.ruleset import load_data_file

I18N_DIR = installed_dir("reports") / "i18n"
SCHEMA = I18N_DIR / "schema" / "catalogue.schema.json"
LANGS = ("zh", "en")
REFERENCE_LANG = "zh"


@dataclass(frozen=True)
class Catalogue:
    """One language's messages; a message is a string or a {one, other} plural pair."""

    lang: str
    name: str
    messages: dict[str, Any]

    def gettext(self, key: str) -> str:
        try:
            msg = self.messages[key]
        except KeyError:
            raise KeyError(f"reports/i18n/{self.lang}.yaml: no message '{key}'") from None
        return msg if isinstance(msg, str) else msg["other"]

    def label(self, prefix: str, key: str) -> str:
        """Open vocabularies (input kinds, SDK kinds, where-keys): translated when known, else the id."""
        msg = self.messages.get(f"{prefix}.{key}")
        return msg if isinstance(msg, str) else key

    def ngettext(self, key: str, _plural: str, n: int) -> str:
        """Jinja's i18n extension passes (singular, plural, n); both name the same catalogue key."""
        msg = self.messages.get(key)
        if isinstance(msg, dict):
            return msg["one"] if n == 1 else msg["other"]
        return self.gettext(key)


def _load(lang: str, directory: Path) -> Catalogue:
    path = directory / f"{lang}.yaml"
    data = load_data_file(path, SCHEMA)
    if data["lang"] != lang:
        raise RulesError(path, "lang", f"says '{data['lang']}', file name says '{lang}'")
    return Catalogue(lang=lang, name=data["name"], messages=data["messages"])


@cache
def catalogue(lang: str, directory: Path = I18N_DIR) -> Catalogue:
    """Load one catalogue and check it has exactly the keys of the reference (Chinese) catalogue."""
    if lang not in LANGS:
        raise ValueError(f"report language '{lang}' is not one of {', '.join(LANGS)}")
    cat = _load(lang, directory)
    if lang != REFERENCE_LANG:
        ref = catalogue(REFERENCE_LANG, directory)
        missing = sorted(set(ref.messages) - set(cat.messages))
        extra = sorted(set(cat.messages) - set(ref.messages))
        if missing or extra:
            path = directory / f"{lang}.yaml"
            detail = "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"not in {REFERENCE_LANG}.yaml: {', '.join(extra)}" if extra else "",
                )
                if part
            )
            raise RulesError(path, "messages", detail)
    return cat
