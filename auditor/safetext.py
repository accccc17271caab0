"""Text that is safe to write: to UTF-8 files and SQLite, and to a terminal.

App-controlled text reaches every output: host names, URL paths, JSON keys of a body, file names of
an archive, an app's label. Two kinds of it break or abuse a writer. Lone surrogates (bytes that a
``surrogateescape`` decoder could not read, or ``\\udc80`` escapes in a HAR) are valid in a Python
str but not in UTF-8, so one of them made writing JSON or SQLite fail and the audit was lost.
Terminal control sequences (ESC, BEL, C1 controls) in a host name could retitle or repaint the
tester's terminal when printed raw. Writers pass text through these two functions.
"""

from __future__ import annotations

import re
from typing import Any

LONE_SURROGATE = re.compile("[\ud800-\udfff]")
#: C0 controls but tab and newline, DEL and the C1 controls: what a terminal acts on.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def without_surrogates(value: Any) -> Any:
    """Replace lone surrogates with U+FFFD, recursively over the lists and dicts of a JSON document."""
    if isinstance(value, str):
        return LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {without_surrogates(k): without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_surrogates(v) for v in value]
    return value


def for_terminal(text: str) -> str:
    """Text to print on a terminal: control characters shown as ``\\x1b`` escapes, surrogates replaced."""
    text = LONE_SURROGATE.sub("\ufffd", text)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text) if _CONTROL.search(text) else text
