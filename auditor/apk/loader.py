"""Opening one APK: androguard for the manifest, resources and signatures (quietly, and without
letting its exceptions escape), our own dex reader (dex.py, code.py) for the code.

Each dex is read on its own so that one malformed dex costs a warning rather than the whole analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from androguard.core.apk import APK
from loguru import logger

from auditor.apk.code import CodeIndex
from auditor.apk.dex import Dex, DexError
from auditor.errors import InputError

# androguard logs hundreds of DEBUG lines per APK through loguru; silence it without touching the
# handlers other code may have added to loguru.
logger.disable("androguard")


@dataclass
class Loaded:
    apk: APK
    code: CodeIndex
    manifest_ok: bool
    warnings: list[str] = field(default_factory=list)


def load(source: Path | bytes, label: str, dex: dict[str, bytes], *, expect_manifest: bool = True) -> Loaded:
    """An APK that ``archive.check_archive`` has already accepted, with the dex files it inflated.

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
    dexes: list[Dex] = []
    for name in sorted(dex, key=_dex_order):
        try:
            d = Dex(dex[name], name)
            d.read_code()
            d.validate()
        except (DexError, IndexError, ValueError) as e:  # IndexError: an operand runs past the file's end
            warnings.append(f"{label}: {name} is malformed and was skipped ({type(e).__name__}: {e})")
            continue
        dexes.append(d)
    if not dexes and not manifest_ok:
        raise InputError(label, "neither the manifest nor any dex file could be read")
    return Loaded(apk, CodeIndex(dexes), manifest_ok, warnings)


def _dex_order(name: str) -> int:
    """classes.dex, classes2.dex, ... classes10.dex in the order the runtime loads them."""
    digits = name[len("classes") : -len(".dex")]
    return int(digits) if digits else 1
