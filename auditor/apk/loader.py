"""Running androguard on one APK: quietly, and without letting its exceptions escape.

This is androguard's own ``AnalyzeAPK`` (APK, one DEX per ``classes*.dex``, one Analysis, one
``create_xref``) minus the decompiler hook, with each dex loaded on its own so that one malformed dex
costs a warning rather than the whole analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from androguard.core.analysis.analysis import Analysis
from androguard.core.apk import APK
from androguard.core.dex import DEX
from loguru import logger

from auditor.errors import InputError

# androguard logs hundreds of DEBUG lines per APK through loguru; silence it without touching the
# handlers other code may have added to loguru.
logger.disable("androguard")


@dataclass
class Loaded:
    apk: APK
    dx: Analysis
    dexes: list[tuple[DEX, bytes]]
    manifest_ok: bool
    warnings: list[str] = field(default_factory=list)


def load(source: Path | bytes, label: str, *, expect_manifest: bool = True) -> Loaded:
    """androguard's view of an APK that ``archive.check_archive`` has already accepted.

    ``expect_manifest=False`` for archives nested in assets/, where a dex-only jar is normal.
    """
    try:
        apk = APK(str(source)) if isinstance(source, Path) else APK(source, raw=True)
    except Exception as e:  # noqa: BLE001 - androguard raises anything from struct.error to KeyError on bad input
        raise InputError(label, f"androguard cannot read the APK: {type(e).__name__}: {e}") from None
    warnings: list[str] = []
    manifest_ok = bool(apk.is_valid_APK() and apk.get_package())
    if not manifest_ok and (expect_manifest or "AndroidManifest.xml" in apk.get_files()):
        warnings.append(
            f"{label}: AndroidManifest.xml is missing or malformed; permissions, components and app "
            "metadata are unknown, code was still analysed"
        )
    api = _target_sdk(apk)
    dx = Analysis()
    dexes: list[tuple[DEX, bytes]] = []
    for name in sorted(apk.get_dex_names(), key=_dex_order):
        try:
            raw = apk.get_file(name)
            vm = DEX(raw, using_api=api)
        except Exception as e:  # noqa: BLE001 - a malformed dex raises from deep inside the parser
            warnings.append(f"{label}: {name} is malformed and was skipped ({type(e).__name__}: {e})")
            continue
        dx.add(vm)
        dexes.append((vm, raw))
    if not dexes and not manifest_ok:
        raise InputError(label, "neither the manifest nor any dex file could be read")
    try:
        dx.create_xref()
    except Exception as e:  # noqa: BLE001 - androguard fails on inconsistent dex with any exception
        raise InputError(label, f"the code cannot be cross-referenced: {type(e).__name__}: {e}") from None
    return Loaded(apk, dx, dexes, manifest_ok, warnings)


def _target_sdk(apk: APK) -> int | None:
    try:
        return int(apk.get_target_sdk_version() or 0) or None
    except ValueError:
        return None


def _dex_order(name: str) -> int:
    """classes.dex, classes2.dex, ... classes10.dex in the order the runtime loads them."""
    digits = name[len("classes") : -len(".dex")]
    return int(digits) if digits else 1
