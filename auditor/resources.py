"""Where the installed package keeps its data: rules, recognizers and report templates.

The repository keeps ``rules/``, ``recognizers/`` and ``reports/`` at its top level; setup.py ships each
as a sub-package of ``auditor`` (``auditor.rules`` ...). Finding them through importlib.resources
rather than relative to the source tree is what lets a wheel installed anywhere, an sdist build and an
editable checkout all read the same files (GUIDE §4).
"""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from pathlib import Path

from auditor.errors import AuditorError

#: environment variables that point the auditor at another rules or recognizers folder
ENV_DIRS = {"rules": "AUDITOR_RULES_DIR", "recognizers": "AUDITOR_RECOGNIZERS_DIR"}


@cache
def installed_dir(name: str) -> Path:
    """The folder of the data package ``auditor.<name>`` as installed (rules, recognizers, reports)."""
    root = resources.files(f"auditor.{name}")
    if not isinstance(root, Path):  # e.g. imported from a zip: jinja2 and the loaders need real files
        raise AuditorError(f"auditor.{name}: package data is not on the file system ({root}); install pi-auditor "
                           "unpacked (pip install)")
    return root


def data_dir(name: str) -> Path:
    """The folder to read ``name`` from: the environment's override (ENV_DIRS) or the installed one."""
    override = os.environ.get(ENV_DIRS.get(name, ""), "")
    return Path(override) if override else installed_dir(name)
