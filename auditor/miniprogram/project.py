"""A mini-program's files and configuration, from a source tree or a ``.wxapkg``, in one shape.

Source trees and packages differ in where the configuration lives (``app.json`` and
``project.config.json`` vs the compiled ``app-config.json``) and whether code is per file or bundled
(``app-service.js`` with ``define("path", ...)`` wrappers); this module hides the difference so the
scanners see ``files`` (relative path -> bytes) and ``config`` (app.json fields).

Who wrote a file matters for the party of an observation: code under ``miniprogram_npm/<pkg>/`` is a
bundled npm package and code under a plugin root (``pluginRoot`` of project.config.json, or
``__plugin__/<appid>/`` in packages) is a plugin; both are third parties.
"""

from __future__ import annotations

import json
import os
import posixpath
from collections import deque
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from auditor.errors import InputError, parse_json_bytes
from auditor.miniprogram.wxapkg import read_wxapkg

CODE_SUFFIXES = (".js", ".ts", ".tsx", ".mjs", ".cjs")
MARKUP_SUFFIXES = (".wxml",)
SKIPPED_DIRS = frozenset({"node_modules", ".git", ".svn", "unpackage"})
APP_CONFIGS = ("app.json", "app-config.json")
APP_SCHEMA = "app_config.schema.json"
PRIVACY_SCHEMA = "privacy.schema.json"


@dataclass
class Project:
    """What the scanners need: files by relative path, the app configuration and launch order."""

    kind: str
    root: str
    files: dict[str, bytes]
    config: dict[str, Any]
    config_name: str
    project_config: dict[str, Any]
    ext_config: dict[str, Any]
    privacy_file: str | None
    privacy_doc: dict[str, Any] | None
    warnings: list[str] = field(default_factory=list)
    #: where app.json lives relative to the input (``miniprogramRoot``, e.g. ``miniprogram/``); file
    #: keys stay relative to the input so that reports point at repository paths
    app_root: str = ""

    @cached_property
    def pages(self) -> list[str]:
        """Main pages, then subpackage pages (``root/page``), in app.json order."""
        pages = [p for p in self.config.get("pages", []) if isinstance(p, str)]
        for sub in self.subpackages:
            root = str(sub.get("root", "")).strip("/")
            pages.extend(posixpath.join(root, p) for p in sub.get("pages", []) if isinstance(p, str))
        return pages

    @property
    def subpackages(self) -> list[dict[str, Any]]:
        subs = self.config.get("subpackages") or self.config.get("subPackages") or []
        return [s for s in subs if isinstance(s, dict)]

    @property
    def plugin_root(self) -> str | None:
        return _subdir(self.root, "pluginRoot", self.project_config.get("pluginRoot")).rstrip("/") or None

    def launch_rank(self, rel: str) -> int:
        """Order in which the runtime reaches a file: app.js, then each page (markup, code) in order.

        A component ranks with the first page that declares it in ``usingComponents`` (app.json's
        global components with the first page), so a consent popup component counts where it is shown.
        Other files (utilities, npm code) rank after every page.
        """
        stem, _ = posixpath.splitext(rel.removeprefix(self.app_root))
        return self._ranks.get(stem, 1 + len(self.pages))

    @cached_property
    def _ranks(self) -> dict[str, int]:
        ranks = {"app": 0}
        queue: deque[tuple[str, int]] = deque([("app", 1)])
        for i, page in enumerate(self.pages, 1):
            ranks.setdefault(page, i)
            queue.append((page, i))
        while queue:
            owner, rank = queue.popleft()
            for comp in self._components_of(owner):
                if comp not in ranks:
                    ranks[comp] = rank
                    queue.append((comp, rank))
        return ranks

    def _components_of(self, owner: str) -> list[str]:
        """Stems of the components ``owner.json`` uses (``/abs/path`` or relative to the owner)."""
        doc = self.config if owner == "app" else None
        if doc is None:
            try:
                doc = json.loads(self.files.get(self.app_root + owner + ".json", b"{}").decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                return []
        using = doc.get("usingComponents") if isinstance(doc, dict) else None
        if not isinstance(using, dict):
            return []
        base = posixpath.dirname(owner)
        out = []
        for target in using.values():
            if not isinstance(target, str) or target.startswith("plugin://"):
                continue
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
            out.append(posixpath.normpath(path))
        return out

    def party_of(self, rel: str) -> tuple[str, str] | None:
        """(kind, name) of a third party that wrote this file, or None for the app itself."""
        parts = rel.split("/")
        if "miniprogram_npm" in parts:
            i = parts.index("miniprogram_npm")
            rest = parts[i + 1 :]
            if rest and rest[0].startswith("@") and len(rest) > 1:
                return "npm", f"{rest[0]}/{rest[1]}"
            return ("npm", rest[0]) if rest else None
        if parts[0] == "__plugin__" and len(parts) > 1:
            return "plugin", parts[1]
        plugin_root = self.plugin_root
        if plugin_root and (rel == plugin_root or rel.startswith(plugin_root + "/")):
            return "plugin", plugin_root
        return None

    def code_files(self) -> list[str]:
        return sorted(n for n in self.files if n.endswith(CODE_SUFFIXES) and not n.endswith(".d.ts"))

    def markup_files(self) -> list[str]:
        return sorted(n for n in self.files if n.endswith(MARKUP_SUFFIXES))


@cache
def _schema(name: str) -> jsonschema.Draft202012Validator:
    text = resources.files("auditor.miniprogram").joinpath(name).read_text("utf-8")
    return jsonschema.Draft202012Validator(json.loads(text))


def validate(path_label: object, doc: dict[str, Any], schema: str) -> None:
    """InputError naming the file and the first offending field."""
    errors = sorted(_schema(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "top level"
        raise InputError(path_label, f"{where}: {errors[0].message}")


def _json(path_label: object, data: bytes, schema: str | None = None) -> dict[str, Any]:
    doc = parse_json_bytes(path_label, data)
    if not isinstance(doc, dict):
        raise InputError(path_label, "not a JSON object")
    if schema:
        validate(path_label, doc, schema)
    return doc


def _read_tree(base: Path, prefix: str, max_bytes: int, warnings: list[str]) -> dict[str, bytes]:
    """Code, markup and JSON under base, keyed ``prefix + relative path``; dependency and hidden
    directories are not entered."""
    files: dict[str, bytes] = {}
    suffixes = (*CODE_SUFFIXES, *MARKUP_SUFFIXES, ".json")
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith("."))
        here = Path(dirpath)
        for name in sorted(filenames):
            p = here / name
            if not name.endswith(suffixes) or p.is_symlink():
                continue
            rel = prefix + p.relative_to(base).as_posix()
            try:
                size = p.stat().st_size
                if size > max_bytes:
                    warnings.append(f"{rel}: {size} bytes is above the {max_bytes}-byte limit; file skipped")
                    continue
                files[rel] = p.read_bytes()
            except OSError as e:
                raise InputError(p, f"cannot read: {e.strerror or e}") from None
    return files


def _subdir(label: object, key: str, value: object) -> str:
    """A project.config.json directory setting as a ``dir/`` prefix ("" for the project itself)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(label, f"{key}: not a string")
    parts = [p for p in value.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise InputError(label, f"{key} {value!r} points outside the project")
    return "/".join(parts) + "/" if parts else ""


def _read_dir(path: Path, max_bytes: int, warnings: list[str]) -> tuple[dict[str, bytes], dict[str, Any], str]:
    """Files of the mini-program root and the plugin root, the project config and the app root."""
    pc = path / "project.config.json"
    project_config = _json(pc, pc.read_bytes()) if pc.is_file() else {}
    app_root = _subdir(pc, "miniprogramRoot", project_config.get("miniprogramRoot"))
    plugin_root = _subdir(pc, "pluginRoot", project_config.get("pluginRoot"))
    if not (path / app_root).is_dir():
        raise InputError(pc, f"miniprogramRoot {app_root!r} is not a directory")
    files = _read_tree(path / app_root, app_root, max_bytes, warnings)
    if plugin_root and not plugin_root.startswith(app_root) and (path / plugin_root).is_dir():
        files.update(_read_tree(path / plugin_root, plugin_root, max_bytes, warnings))
    return files, project_config, app_root


def load_project(path: Path, max_bytes: int) -> Project:
    """Read a source directory or a .wxapkg; InputError when it is neither or its config is broken."""
    warnings: list[str] = []
    if path.is_dir():
        files, project_config, app_root = _read_dir(path, max_bytes, warnings)
        kind = "dir"
    elif path.is_file():
        pkg = read_wxapkg(path)
        files, warnings, project_config, app_root = pkg.files, pkg.warnings, {}, ""
        kind = "wxapkg"
    else:
        raise InputError(path, "no such file or directory")
    config_name = next((app_root + n for n in APP_CONFIGS if app_root + n in files), None)
    if config_name is None:
        raise InputError(path, f"not a mini-program: no {app_root}app.json (or app-config.json in a package)")
    config = _json(f"{path}/{config_name}", files[config_name], APP_SCHEMA)
    if config_name.endswith("app-config.json"):
        config = _flatten_compiled_config(config)
    ext_name, privacy_name = app_root + "ext.json", app_root + "privacy.json"
    ext = _json(f"{path}/{ext_name}", files[ext_name], APP_SCHEMA) if ext_name in files else {}
    privacy_doc = (
        _json(f"{path}/{privacy_name}", files[privacy_name], PRIVACY_SCHEMA) if privacy_name in files else None
    )
    return Project(
        kind=kind,
        root=str(path),
        files=files,
        config=config,
        config_name=config_name,
        project_config=project_config,
        ext_config=ext,
        privacy_file=privacy_name if privacy_doc is not None else None,
        privacy_doc=privacy_doc,
        warnings=warnings,
        app_root=app_root,
    )


def _flatten_compiled_config(doc: dict[str, Any]) -> dict[str, Any]:
    """app-config.json keeps app.json's top-level keys but moves ``window`` under ``global``."""
    out = dict(doc)
    window = (doc.get("global") or {}).get("window")
    if isinstance(window, dict) and "window" not in out:
        out["window"] = window
    out["pages"] = [p.removesuffix(".html") for p in doc.get("pages", []) if isinstance(p, str)]
    return out
