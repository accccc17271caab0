"""Who collects what a privacy-API call returns: the app, or a third party whose code makes the call.

Code written by someone else is not by itself a third party. A UI library (Vant's uploader calling
``wx.chooseImage``, mp-html's copy-link calling ``wx.setClipboardData``) runs for the app and hands the
result to it: the app collects, and the library is noted as where the call sits. A data SDK sends what
it reads to its vendor: qqmap-wx-jssdk calls ``wx.getLocation`` and sends the coordinates to
apis.map.qq.com, so Tencent's location service is the collector. The difference is told by the SDK
catalogue (rules/sdks.yaml: its mini-program package or file name, ``kind: ui`` for libraries) and by
what the code does: the hosts of the URL literals in the code unit around the call (its webpack module
in a bundle, else its file). A host only attributes a call when its SDK is known to collect that
call's category, so a CDN image URL beside an album call attributes nothing; an npm package unknown
to the catalogue is a third party when its code around the call sends requests to a host of its own
(an unlisted analytics SDK), and a library otherwise. Plugins (``__plugin__``, ``pluginRoot``) are run
by their provider and stay third parties.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from auditor.miniprogram.project import Project
from auditor.model import Party
from auditor.sdk_catalogue import NO_PI_KINDS, Catalogue


@dataclass(frozen=True)
class Attribution:
    party: Party
    #: the package or SDK file whose code makes the call, when it is not the app's own code
    library: str | None = None
    #: why a third party is taken as the collector
    reason: str | None = None


class Parties:
    def __init__(self, project: Project, sdks: dict[str, dict[str, Any]], first: Party) -> None:
        self.project = project
        self.sdks = sdks
        self.catalogue = Catalogue.of(sdks)
        self.first = first

    def _sdk_party(self, sid: str) -> Party:
        return Party("third", str(self.sdks[sid].get("name_zh") or self.sdks[sid]["name"]), sid)

    def attribute(self, rel: str, category: str, domains: tuple[str, ...] = ()) -> Attribution:
        """The collector of a call in file ``rel`` (an original path inside a package) of ``category``."""
        owner = self.project.party_of(rel)
        package = owner[1] if owner else None
        sid = None
        if owner and owner[0] == "npm":
            sid = self.catalogue.by_miniprogram_package(package or "")
        sid = sid or self.catalogue.by_miniprogram_package(posixpath.basename(rel))
        if sid is not None:
            if self.sdks[sid].get("kind") in NO_PI_KINDS:
                return Attribution(self.first, library=package or posixpath.basename(rel))
            return Attribution(self._sdk_party(sid), library=package or posixpath.basename(rel),
                               reason=f"code of the {self.sdks[sid]['name']} SDK")
        for host in domains:
            sid = self.catalogue.by_miniprogram_domain(host)
            if sid is None or self.sdks[sid].get("kind") in NO_PI_KINDS:
                continue
            if category in (self.sdks[sid].get("categories") or []):
                return Attribution(self._sdk_party(sid), library=package,
                                   reason=f"the code around the call sends requests to {host}")
        if owner and owner[0] == "plugin":
            return Attribution(Party("third", package or "plugin"), library=package, reason="mini-program plugin")
        if owner and domains:
            return Attribution(Party("third", package or rel), library=package,
                               reason=f"the package's code sends requests to {', '.join(domains[:3])}")
        return Attribution(self.first, library=package)
