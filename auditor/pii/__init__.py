"""Chinese-aware recognition of personal information in text, structured fields and binary payloads.

Every input of the auditor passes through here. Use ``get_scanner()`` and its ``scan_text``,
``scan_field``, ``scan_bytes`` and ``key_categories``; hits carry raw text, which callers must mask
(auditor.masking) before anything is shown or stored.
"""

from auditor.pii.hit import Hit
from auditor.pii.scanner import PIScanner, get_scanner

__all__ = ["Hit", "PIScanner", "get_scanner"]
