"""The bounds every reader of untrusted input keeps, in one place, each with the name its error quotes.

An audit reads files an app maker controls (captures, archives, policies, manifests written from
them): each reader is bounded in size, count, depth, time and memory, and when a bound is hit the
error or warning names it (``... (limit MAX_YAML_NODES = 1000000)``) so a user knows which one and
how far it was exceeded. The README's table of bounds lists them all.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import yaml

#: Nodes a YAML document may expand to, aliases counted at every use (billion laughs: 9 lines,
#: 10^9 nodes). A campaign of 10,000 apps is about 100,000.
MAX_YAML_NODES = 1_000_000
#: Nesting depth of a YAML document (libyaml stops flow nesting at 1,000; block nesting has none).
MAX_YAML_DEPTH = 200
#: A YAML scope file, batch manifest or rule file larger than this is refused unread.
MAX_YAML_BYTES = 16 << 20
#: Digits of an integer in JSON (Python's own bound for int <-> str): a longer one reads as null.
MAX_JSON_INT_DIGITS = 4300
#: A file hashed as an audit input (its bytes are read once more for the sha256 in the audit).
MAX_HASH_BYTES = 8 << 30
#: Files in a directory hashed as an audit input (a mini-program tree).
MAX_HASH_FILES = 100_000
#: Memory for reading one PDF (pdfminer runs in a child process with this address-space limit).
MAX_PDF_MEMORY = 1 << 30
#: Seconds for reading one PDF's text.
PDF_TIMEOUT_S = 120
#: Memory RE2 may use to compile one user-supplied pattern (consent URL, rules' consent patterns).
MAX_REGEX_MEMORY = 8 << 20
#: Bytes of bodies the live proxy holds for scanning; past it a new flow waits (the proxy stays bounded).
MAX_LIVE_BACKLOG_BYTES = 128 << 20
#: Longest line an error message prints (a schema error can quote a whole document).
MAX_MESSAGE_CHARS = 400


def limit(name: str) -> str:
    """``limit NAME = value``, the way every bounded error names its bound."""
    value = globals()[name]
    return f"limit {name} = {value}"


class YAMLInputError(ValueError):
    """A YAML document that is not valid YAML, or past MAX_YAML_NODES or MAX_YAML_DEPTH, or with an
    alias to itself; the message is one short line ("line 3: not valid YAML: ...")."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        self.problem, self.line = problem, line
        super().__init__(f"line {line}: {problem}" if line else problem)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FLOAT_TAG = "tag:yaml.org,2002:float"


def load_yaml(text: str) -> Any:
    """Safe YAML with bounded expansion: the document's node graph is measured before any Python
    object is built, counting each alias as a copy of what it names, so a billion laughs is refused
    in milliseconds instead of being validated and printed for minutes. Raises YAMLInputError."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_size(node)
        return loader.construct_document(node)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = str(getattr(e, "problem", None) or e).splitlines()[0][:120]
        raise YAMLInputError(f"not valid YAML: {problem}", mark.line + 1 if mark else None) from None
    finally:
        loader.dispose()


def _check_size(root: yaml.Node) -> None:
    """Expanded node count and depth of a composed document, without recursion (a node reached
    through N aliases counts N times; sizes of shared nodes are memoised, so the walk is linear)."""
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in _children(node))
            if size[key] > MAX_YAML_NODES:
                raise YAMLInputError(f"expands to more than {MAX_YAML_NODES} nodes ({limit('MAX_YAML_NODES')})")
            continue
        if key in size:
            continue
        if node.tag == _FLOAT_TAG and node.value.lower().lstrip("+-") in (".nan", ".inf"):
            # JSON has no NaN or Infinity: written into an audit, one would make its JSON invalid
            raise YAMLInputError(f"{node.value} is not a finite number", node.start_mark.line + 1)
        if key in on_path:
            raise YAMLInputError("an alias refers to a node that contains it (a recursive document)")
        on_path.add(key)
        if len(on_path) > MAX_YAML_DEPTH:
            raise YAMLInputError(f"nests deeper than {MAX_YAML_DEPTH} levels ({limit('MAX_YAML_DEPTH')})")
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in size)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def json_int(digits: str) -> int | None:
    """``parse_int`` for json.loads: an integer of more than MAX_JSON_INT_DIGITS digits (which int()
    refuses, failing the whole document) reads as None, so only its record is affected."""
    return int(digits) if len(digits) <= MAX_JSON_INT_DIGITS else None


def regular_file(path: Path, max_bytes: int, bound: str) -> int:
    """The size of ``path`` after checking that it is a regular file no larger than ``max_bytes``.

    A FIFO or a device would block or never end; a sparse 40 GiB file reads for minutes. Raises
    ValueError with a message naming the bound."""
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        raise ValueError("not a regular file (a FIFO, device or socket is not read)")
    if st.st_size > max_bytes:
        raise ValueError(f"{st.st_size} bytes, more than {max_bytes} ({limit(bound)})")
    return st.st_size


def bounded_regex(pattern: str) -> Any:
    """A user-supplied pattern (``--consent-at URL-REGEX``, a scope's consent URL, the rules' consent
    patterns) compiled for RE2, which matches in time linear in the text: a backtracking pattern such
    as ``(a+)+$`` cannot hang an audit or the live proxy. RE2 has no look-around or back-references;
    such a pattern, or one needing more than MAX_REGEX_MEMORY to compile, raises ValueError naming why.
    The result has ``search`` like a compiled ``re`` pattern."""
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would print its own message on stderr
    options.max_mem = MAX_REGEX_MEMORY
    try:
        return re2.compile(pattern, options)
    except re2.error as e:
        why = e.args[0].decode(errors="replace") if e.args and isinstance(e.args[0], bytes) else str(e)
        raise ValueError(f"{why} (patterns run on RE2, linear time: no look-around or back-references; "
                         f"{limit('MAX_REGEX_MEMORY')})") from None
