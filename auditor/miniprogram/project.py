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

import errno
import json
import os
import posixpath
import re
import stat
from collections import deque
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from auditor.errors import InputError, parse_json_bytes
from auditor.miniprogram.apimap import ApiMap
from auditor.miniprogram.wxapkg import read_wxapkg

CODE_SUFFIXES = (".js", ".ts", ".tsx", ".mjs", ".cjs")
MARKUP_SUFFIXES = (".wxml",)
SKIPPED_DIRS = frozenset({"node_modules", ".git", ".svn", "unpackage"})
APP_CONFIGS = ("app.json", "app-config.json")
APP_SCHEMA = "app_config.schema.json"
PRIVACY_SCHEMA = "privacy.schema.json"
#: The privacy guideline as exported from the WeChat console, beside app.json (or at the project root).
PRIVACY_FILE = "privacy.json"


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
    max_json_depth: int = 64

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
        """Stems (relative to the app root) of the components ``owner`` uses, app.json's global ones included."""
        out = []
        for target in self.using_components(self.app_root + owner).values():
            stem = self.resolve_component(self.app_root + owner, target)
            if stem is not None:
                out.append(stem.removeprefix(self.app_root))
        return out

    def json_doc(self, rel: str) -> dict[str, Any] | None:
        """A page's or component's JSON, or None when missing, unreadable or nested too deep."""
        data = self.files.get(rel)
        if data is None:
            return None
        try:
            return _json(rel, data, self.max_json_depth)
        except InputError:
            return None

    def using_components(self, owner: str) -> dict[str, str]:
        """Tag -> path of the custom components ``owner`` (a file key without suffix) may use."""
        out: dict[str, str] = {}
        for doc in (self.config, self.json_doc(owner + ".json")):
            using = doc.get("usingComponents") if isinstance(doc, dict) else None
            if isinstance(using, dict):
                out.update({str(k).lower(): v for k, v in using.items() if isinstance(v, str)})
        return out

    def resolve_component(self, owner: str, target: str) -> str | None:
        """The file key (without suffix) of a component path as WeChat resolves it: ``/abs`` from the app
        root, relative to the owner, then ``miniprogram_npm/<target>`` in the owner's directory and each
        one above it; a directory means its ``index``. None for plugins and paths not in the project."""
        if target.startswith("plugin://") or not target:
            return None
        base = posixpath.dirname(owner)
        if target.startswith("/"):
            candidates = [self.app_root + target.lstrip("/")]
        else:
            candidates = [posixpath.join(base, target)]
            if not target.startswith("."):
                d = base
                while True:
                    candidates.append(posixpath.join(d, "miniprogram_npm", target))
                    if not d or d + "/" == self.app_root or len(candidates) > 32:
                        break
                    d = posixpath.dirname(d)
        for c in candidates:
            c = posixpath.normpath(c)
            if c.startswith("../"):
                continue
            for stem in (c, c + "/index"):
                if stem + ".wxml" in self.files or stem + ".json" in self.files or stem + ".js" in self.files:
                    return stem
        return None

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


JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def check_json_depth(label: object, data: bytes, limit: int) -> None:
    """InputError when JSON nests deeper than ``limit``, checked before a recursive parser sees it."""
    depth = 0
    for m in JSON_TOKEN.finditer(data):
        tok = m.group()
        if tok in (b"[", b"{"):
            depth += 1
            if depth > limit:
                raise InputError(label, f"JSON nested deeper than {limit} levels (limits.max_json_depth)")
        elif tok in (b"]", b"}"):
            depth -= 1


def _json(path_label: object, data: bytes, limit: int, schema: str | None = None) -> dict[str, Any]:
    check_json_depth(path_label, data, limit)
    doc = parse_json_bytes(path_label, data)
    if not isinstance(doc, dict):
        raise InputError(path_label, "not a JSON object")
    if schema:
        validate(path_label, doc, schema)
    return doc


@dataclass
class _Budget:
    """What reading a tree may take in all (limits in rules/miniprogram_apis.yaml)."""

    max_file_bytes: int
    max_files: int
    max_total_bytes: int
    files: int = 0
    total: int = 0


def _read_regular(p: Path, rel: str, budget: _Budget, warnings: list[str]) -> bytes | None:
    """A regular file's bytes, read without following a link and without blocking on a FIFO or device."""
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError as e:
        if e.errno == errno.ELOOP:
            return None  # a symbolic link: never followed
        raise InputError(p, f"cannot read: {e.strerror or e}") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            warnings.append(f"{rel}: not a regular file (FIFO, device or socket); skipped")
            return None
        if st.st_size > budget.max_file_bytes:
            warnings.append(f"{rel}: {st.st_size} bytes is above the {budget.max_file_bytes}-byte limit; file skipped")
            return None
        budget.files += 1
        if budget.files > budget.max_files:
            raise InputError(p.parent, f"more than {budget.max_files} code, markup and JSON files (limits.max_files)")
        data = fh.read(budget.max_file_bytes + 1)
        budget.total += len(data)
        if budget.total > budget.max_total_bytes:
            raise InputError(p.parent, f"more than {budget.max_total_bytes} bytes of code, markup and JSON "
                             "(limits.max_total_bytes)")
        return data


def _read_tree(base: Path, prefix: str, budget: _Budget, warnings: list[str]) -> dict[str, bytes]:
    """Code, markup and JSON under base, keyed ``prefix + relative path``; dependency and hidden
    directories are not entered, and neither are links (os.walk does not follow them)."""
    files: dict[str, bytes] = {}
    suffixes = (*CODE_SUFFIXES, *MARKUP_SUFFIXES, ".json")
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith("."))
        here = Path(dirpath)
        for name in sorted(filenames):
            if not name.endswith(suffixes):
                continue
            p = here / name
            rel = prefix + p.relative_to(base).as_posix()
            data = _read_regular(p, rel, budget, warnings)
            if data is not None:
                files[rel] = data
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


def _inside(path: Path, sub: str, label: object, key: str) -> Path:
    """``path/sub``, refused when a link takes it outside ``path``."""
    target = path / sub
    try:
        target.resolve().relative_to(path.resolve())
    except ValueError:
        raise InputError(label, f"{key} {sub!r} resolves outside the project (symbolic link)") from None
    return target


def _read_dir(path: Path, budget: _Budget, json_depth: int,
              warnings: list[str]) -> tuple[dict[str, bytes], dict[str, Any], str]:
    """Files of the mini-program root and the plugin root, the project config and the app root."""
    pc = path / "project.config.json"
    pc_bytes = _read_regular(pc, "project.config.json", budget, warnings) if pc.is_file() else None
    project_config = _json(pc, pc_bytes, json_depth) if pc_bytes is not None else {}
    app_root = _subdir(pc, "miniprogramRoot", project_config.get("miniprogramRoot"))
    plugin_root = _subdir(pc, "pluginRoot", project_config.get("pluginRoot"))
    app_dir = _inside(path, app_root, pc, "miniprogramRoot")
    if not app_dir.is_dir():
        raise InputError(pc, f"miniprogramRoot {app_root!r} is not a directory")
    files = _read_tree(app_dir, app_root, budget, warnings)
    if plugin_root and not plugin_root.startswith(app_root):
        plugin_dir = _inside(path, plugin_root, pc, "pluginRoot")
        if plugin_dir.is_dir():
            files.update(_read_tree(plugin_dir, plugin_root, budget, warnings))
    return files, project_config, app_root


def load_project(path: Path, api_map: ApiMap) -> Project:
    """Read a source directory or a .wxapkg; InputError when it is neither or its config is broken."""
    warnings: list[str] = []
    depth = api_map.max_json_depth
    if path.is_dir():
        budget = _Budget(api_map.max_file_bytes, api_map.max_files, api_map.max_total_bytes)
        files, project_config, app_root = _read_dir(path, budget, depth, warnings)
        kind = "dir"
    elif path.is_file():
        pkg = read_wxapkg(path, max_files=api_map.max_files)
        files, warnings, project_config, app_root = pkg.files, pkg.warnings, {}, ""
        kind = "wxapkg"
    else:
        raise InputError(path, "no such file or directory")
    config_name = next((app_root + n for n in APP_CONFIGS if app_root + n in files), None)
    if config_name is None:
        raise InputError(path, f"not a mini-program: no {app_root}app.json (or app-config.json in a package)")
    config = _json(f"{path}/{config_name}", files[config_name], depth, APP_SCHEMA)
    if config_name.endswith("app-config.json"):
        config = _flatten_compiled_config(config)
    ext_name = app_root + "ext.json"
    ext = _json(f"{path}/{ext_name}", files[ext_name], depth, APP_SCHEMA) if ext_name in files else {}
    privacy_name = next((n for n in (app_root + PRIVACY_FILE, PRIVACY_FILE) if n in files), None)
    privacy_doc = _json(f"{path}/{privacy_name}", files[privacy_name], depth, PRIVACY_SCHEMA) if privacy_name else None
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
        max_json_depth=depth,
    )


def _flatten_compiled_config(doc: dict[str, Any]) -> dict[str, Any]:
    """app-config.json keeps app.json's top-level keys but moves ``window`` under ``global``."""
    out = dict(doc)
    window = (doc.get("global") or {}).get("window")
    if isinstance(window, dict) and "window" not in out:
        out["window"] = window
    out["pages"] = [p.removesuffix(".html") for p in doc.get("pages", []) if isinstance(p, str)]
    return out
