"""Package layout: the repository's top-level data folders ship inside the ``auditor`` package.

The design keeps ``rules/``, ``recognizers/`` and ``reports/`` at the top of the repository, where a
regulator edits them next to their schemas. setuptools maps each onto a sub-package of ``auditor``
(``auditor.rules`` is the folder ``rules/``, ``auditor.rules.schema`` is ``rules/schema/``), so a wheel
carries them as package data and the code finds them through ``importlib.resources``
(auditor/resources.py) the same way in a wheel, an sdist build and an editable checkout. Everything
else is declared in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

#: sub-package of ``auditor`` -> repository folder it is built from
DATA_FOLDERS = {"auditor.rules": "rules", "auditor.recognizers": "recognizers", "auditor.reports": "reports"}
#: files that are data wherever they sit (schemas, templates, styles, notices)
DATA_FILES = ["*.yaml", "*.json", "*.j2", "*.css", "*.md"]

code = find_namespace_packages(include=["auditor", "auditor.*"], exclude=["*.__pycache__"])
data = [f"{pkg}.{sub}" if sub else pkg
        for pkg, folder in DATA_FOLDERS.items()
        for sub in ["", *find_namespace_packages(where=folder, exclude=["*.__pycache__"])]]

setup(
    packages=code + data,
    package_dir=DATA_FOLDERS,
    package_data={pkg: DATA_FILES for pkg in code + data},
)
